import type { ChalkInstance } from 'chalk';
import { flattenTree, type FlatTraceNode, type TraceNode } from '../model/trace.js';
import type { BatchLine, TraceReport, TraceServiceResult } from '../services/trace.js';
import { DATA_ERROR_WARNING } from '../services/trace-data-errors.js';
import { canonicalIp } from '../snapshot/resolve.js';
import { STALE_FLOWS_WARNING } from '../services/trace-stale-flows.js';
import { renderPath, renderPathHeader } from './trace-path.js';

function nodeLine(n: TraceNode, style: ChalkInstance): string {
  switch (n.kind) {
    case 'bridge':
      return style.bold(n.text);
    case 'table':
      return style.cyan(n.text.trim());
    case 'note':
      return style.magenta(n.text);
    case 'drop':
      return style.red(n.text);
    case 'output':
    case 'tunnel':
      return style.green(n.text);
    case 'controller':
      return style.yellow(n.text);
    case 'warning':
      return style.yellow(`WARNING: ${n.text}`);
    case 'hop':
      return style.bold.underline(n.text);
    case 'recirc':
      return style.bold(n.text);
    case 'set':
      return style.dim(n.text);
    default:
      return n.text;
  }
}

/**
 * Indents like ofproto/trace: a resubmit that is a flow's last action is a tail call and its table
 * is printed at the same depth; only resubmits with actions after them nest.
 */
const MAX_INDENT = 12;

/** Router pipelines nest deeply (clone inside clone); past MAX_INDENT levels the depth is printed instead. */
function indent(depth: number): string {
  return depth <= MAX_INDENT ? '    '.repeat(depth) : `${'    '.repeat(MAX_INDENT)}»${depth} `;
}

function renderTree(nodes: readonly TraceNode[], style: ChalkInstance, depth = 0, out: string[] = []): string[] {
  for (const n of nodes) {
    out.push(indent(depth) + nodeLine(n, style));
    const last = n.children.length - 1;
    n.children.forEach((c, i) => {
      const tail = n.kind === 'table' && i === last;
      if (tail && c.kind === 'table') renderTree([c], style, depth, out);
      else if (tail && c.kind === 'resubmit') {
        out.push(indent(depth + 1) + nodeLine(c, style));
        renderTree(c.children, style, depth, out);
      } else renderTree([c], style, depth + 1, out);
    });
  }
  return out;
}

/**
 * `--to` a router's own address: what reaches the sender is the router's answer, not the request
 * (which a reader would otherwise take for a packet bounced back). Empty when that is not the case.
 */
function routerAnswered(r: TraceReport): string {
  const sender = r.from?.logicalPort;
  // --arp: the flooded copies of the request are delivered too; say which delivery is the answer.
  if (r.arpAnswer === 'reply' || r.arpAnswer === 'neighbour-advertisement') {
    const who = r.to?.kind === 'router' ? `router ${r.to.router ?? r.to.logicalPort ?? r.to.input} answered` : 'answered';
    const others = r.delivered?.some((d) => d.logicalPort !== sender) ? '; the other ports got the flooded request' : '';
    return r.arpAnswer === 'reply' ? `${who} (ARP reply back to the sender${others}): ` : `${who} (ovn-controller sends the neighbour advertisement back to the sender${others}): `;
  }
  // The port that has the address answers itself: name it among the flooded copies' ports (the
  // --to endpoint is that port when it has the address asked for).
  if (r.arpAnswer === 'owner') {
    const target = r.packet?.nwDst;
    const owners = r.arpAnsweredBy ?? [];
    const others = r.delivered?.some((d) => d.logicalPort !== undefined && !owners.includes(d.logicalPort)) ? '; the other ports got the flooded request' : '';
    return `answered by ${owners.join(', ') || 'the port that has the address'} (${target ? `has ${target}` : 'has the address'}${others}): `;
  }
  if (r.to?.kind !== 'router' || !r.reachedDestination || !sender || !r.delivered?.some((d) => d.logicalPort === sender)) return '';
  const kind = r.packet?.protocol.kind;
  const answer = kind === 'icmp' ? 'echo reply' : kind === 'arp' ? (r.packet?.family === 6 ? 'neighbour advertisement' : 'ARP reply') : 'its answer';
  return `router ${r.to.router ?? r.to.logicalPort ?? r.to.input} answered (${answer} back to the sender): `;
}

/** `--dhcp` without an answer: the end of the verdict line, with why ('' when answered). */
function dhcpUnanswered(r: TraceReport): string {
  if (!r.dhcpAnswer || r.dhcpAnswer.answered) return '';
  return ` — nobody answers the ${r.packet?.family === 6 ? 'DHCPv6 Solicit' : 'DHCPDISCOVER'}: ${r.dhcpAnswer.why ?? 'no put_dhcp_opts flow took it'}`;
}

/** The end of the verdict line of a packet that did not reach --to (for --arp: nobody answered it). */
function missed(r: TraceReport): string {
  if (r.dhcpAnswer) return dhcpUnanswered(r);
  if (r.reachedDestination !== false || !r.to) return '';
  if (r.arpAnswer === 'none') return ` — nobody answered ${r.packet?.family === 6 ? 'the neighbour solicitation' : 'the ARP request'} for ${r.packet?.nwDst ?? r.to.input}${r.delivered?.length ? ' (only the flooded request was delivered)' : ''}`;
  return ` — not to ${r.to.input}`;
}

/** Option names of put_dhcp_opts / put_dhcpv6_opts in the verdict line, in this order. */
const DHCP_OPTION_WORDS: readonly (readonly [string, string])[] = [
  ['netmask', 'netmask'],
  ['router', 'router'],
  ['dns_server', 'DNS'],
  ['domain_name', 'domain'],
  ['lease_time', 'lease'],
  ['mtu', 'MTU'],
  ['server_id', 'server'],
];

/** `--dhcp` answered: what ovn-controller offers, from the put_dhcp_opts arguments. */
function dhcpAnswered(r: TraceReport): string {
  const a = r.dhcpAnswer!;
  const o = a.options ?? {};
  const words = DHCP_OPTION_WORDS.flatMap(([k, w]) => (o[k] !== undefined ? [`${w} ${o[k]!.replace(/^\{(.*)\}$/, '$1')}${k === 'lease_time' ? ' s' : ''}`] : []));
  const what = a.offer ? `offer ${a.offer}` : a.action === 'put_dhcpv6_opts' ? 'options only (stateless DHCPv6, no address)' : 'an offer';
  const to = r.from?.logicalPort ?? r.from?.input ?? 'the sender';
  const where = a.stage ? ` from ${a.stage}${a.datapath ? ` on ${a.datapath}` : ''}` : '';
  return `ovn-controller answers: ${what}${words.length ? ` (${words.join(', ')})` : ''} — ${a.action === 'put_dhcpv6_opts' ? 'DHCPv6 Advertise' : 'DHCPOFFER'} back to ${to} (${a.action ?? 'put_dhcp_opts'}${where})`;
}

/** The verdict line of a cross-host trace (one that carries `delivered`). */
function crossVerdictLine(r: TraceReport, style: ChalkInstance): string {
  switch (r.verdict) {
    case 'delivered': {
      const ports = r.hops.flatMap((h) => h.outputs.filter((o) => o.next?.status === 'delivered' && o.logicalPort).map((o) => `${o.logicalPort} (${h.host} ${o.port})`));
      const left = r.hops.flatMap((h) => h.outputs.flatMap((o) => (o.next?.status === 'left' ? [`left ${o.next.host} via ${o.next.via}${o.next.network ? ` (${o.next.network}${o.logicalPort ? `, ${o.logicalPort}` : ''})` : ''}`] : [])));
      const own = ports.length || left.length ? [] : r.hops.flatMap((h) => h.outputs.filter((o) => o.next?.status === 'delivered').map((o) => `${o.port} (${h.host}/${h.bridge})`));
      const parts = [...(ports.length || own.length ? [`delivered to ${[...ports, ...own].join(', ')}`] : []), ...left];
      return style.green(`${routerAnswered(r)}${parts.join('; ')}${missed(r)}`);
    }
    case 'tunnel': {
      const outs = r.hops.flatMap((h) => h.outputs.filter((o) => o.kind === 'tunnel' && o.next?.status === 'not-followed').map((o) => `${o.port} → ${o.tunnel?.chassis ?? o.tunnel?.remoteIp ?? '?'} (tun_id ${o.tunnel?.tunId ?? '?'}${o.tunnel?.metadata0 ? `, tun_metadata0 ${o.tunnel.metadata0}` : ''})`));
      return style.green(`sent into the tunnel ${outs.join(', ')}`);
    }
    case 'dropped':
      return style.red(r.drop ? `${r.drop.reason}: ${r.drop.explanation}${r.drop.host ? ` [${r.drop.host}${r.drop.bridge ? ` ${r.drop.bridge}` : ''}]` : ''}${dhcpUnanswered(r)}` : `dropped${dhcpUnanswered(r)}`);
    case 'controller': {
      if (r.dhcpAnswer?.answered) return style.green(dhcpAnswered(r));
      const why = r.drop?.explanation ?? r.hops.find((h) => h.controller)?.controllerReason ?? 'controller action';
      // --arp to an IPv6 router address: ovn-controller's neighbour advertisement is the answer.
      if (r.arpAnswer === 'neighbour-advertisement' && r.reachedDestination) return style.green(`${routerAnswered(r)}punted to ovn-controller: ${why}`);
      return style.yellow(`punted to ovn-controller: ${why}${dhcpUnanswered(r)}`);
    }
    case 'error':
      return style.red(r.incomplete ? `trace stopped: ${r.incomplete.reason}. ${r.incomplete.hint}` : `error: ${r.warnings.join('; ')}`);
  }
}

/**
 * One line saying where the packet ended and why (and that the data behind it is damaged, or the
 * flows it read may be stale, when they are).
 */
export function verdictLine(r: TraceReport, style: ChalkInstance): string {
  const line = outcomeLine(r, style);
  const stale = r.staleFlows ? style.yellow(` (${r.staleFlows.summary}: this is what the datapath does, not what the NB/SB say now; see warnings)`) : '';
  return `${line}${stale}${r.dataErrors ? style.yellow(` (${r.dataErrors.summary}: the verdict may be wrong; see warnings)`) : ''}`;
}

/**
 * The warnings a verdict line's "see warnings" points at, its reply's too: the stale-flows ones
 * (src/services/trace-stale-flows.ts) and the damaged-input ones (trace-data-errors.ts), told by
 * the prefix those modules give them. Empty when the line points at none.
 */
export function verdictWarnings(r: TraceReport): string[] {
  const own = [...(r.staleFlows ? r.warnings.filter((w) => w.startsWith(STALE_FLOWS_WARNING)) : []), ...(r.dataErrors ? r.warnings.filter((w) => w.startsWith(DATA_ERROR_WARNING)) : [])];
  return r.reply ? [...own, ...verdictWarnings(r.reply).filter((w) => !own.includes(w))] : own;
}

/**
 * Those warnings as "warning: …" lines, for outputs that print only verdict lines (--minimal,
 * --flows-file text): the CLI writes them to stderr, so stdout keeps its one-line-per-verdict form.
 * `seen` keeps a batch from repeating a warning on every line that reads the same host.
 */
export function renderVerdictWarnings(r: TraceReport, style: ChalkInstance, seen: Set<string> = new Set()): string[] {
  const out: string[] = [];
  for (const w of verdictWarnings(r)) {
    if (seen.has(w)) continue;
    seen.add(w);
    out.push(style.yellow(`warning: ${w}`));
  }
  return out;
}

function outcomeLine(r: TraceReport, style: ChalkInstance): string {
  if (r.delivered !== undefined) return crossVerdictLine(r, style);
  const hop = r.hops[r.hops.length - 1];
  switch (r.verdict) {
    case 'delivered': {
      const outs = r.hops.flatMap((h) => h.outputs.filter((o) => o.kind !== 'tunnel').map((o) => `${o.port} (${h.host}/${h.bridge}, ofport ${o.ofport})`));
      return style.green(`delivered to ${outs.join(', ')}`);
    }
    case 'tunnel': {
      const outs = r.hops.flatMap((h) => h.outputs.filter((o) => o.kind === 'tunnel').map((o) => `${o.port} → ${o.tunnel?.chassis ?? o.tunnel?.remoteIp ?? '?'} (tun_id ${o.tunnel?.tunId ?? '?'}${o.tunnel?.metadata0 ? `, tun_metadata0 ${o.tunnel.metadata0}` : ''})`));
      return style.green(`sent into the tunnel ${outs.join(', ')}`);
    }
    case 'dropped':
      return style.red(hop?.drop ? `${hop.drop.reason}: ${hop.drop.explanation}` : 'dropped');
    case 'controller':
      return style.yellow(`punted to ovn-controller: ${hop?.controllerReason ?? 'controller action'}`);
    case 'error':
      return style.red(r.incomplete ? `trace stopped: ${r.incomplete.reason}. ${r.incomplete.hint}` : `error: ${r.warnings.join('; ')}`);
  }
}

export interface RenderOptions {
  readonly minimal: boolean;
  /** Print the trace tree (cross-host traces show the path picture, and the tree on request). */
  readonly tree?: boolean;
}

export function renderTraceReport(r: TraceReport, header: string, style: ChalkInstance, minimalOrOptions: boolean | RenderOptions): string {
  const o: RenderOptions = typeof minimalOrOptions === 'boolean' ? { minimal: minimalOrOptions } : minimalOrOptions;
  if (o.minimal) {
    const line = `${r.verdict}: ${verdictLine(r, style)}`;
    return r.reply ? `${line}\nreply ${r.reply.verdict}: ${verdictLine(r.reply, style)}` : line;
  }
  if (r.delivered === undefined) {
    const lines = [style.bold(`Flow: ${r.input}`) + style.dim(`  (${header}, size ${r.size} B)`), '', ...renderTree(r.tree, style), ''];
    for (const w of r.warnings) lines.push(style.yellow(`warning: ${w}`));
    lines.push(`${style.bold('Verdict:')} ${r.verdict.toUpperCase()} — ${verdictLine(r, style)}`);
    return lines.join('\n');
  }
  const lines: string[] = [];
  const head = renderPathHeader(r, style);
  if (head.length) lines.push(...head, '');
  else lines.push(style.bold(`Flow: ${r.input}`) + style.dim(`  (${header}, size ${r.size} B)`), '');
  lines.push(...renderPath(r, style), '');
  if (o.tree !== false && r.tree.length) lines.push(...renderTree(r.tree, style), '');
  // The path's notes (unbound ports, LB choices) are notes; what the verdict line points at is a warning.
  const pointed = new Set(verdictWarnings({ ...r, reply: undefined }));
  for (const w of r.warnings) lines.push(style.yellow(`${pointed.has(w) ? 'warning' : 'note'}: ${w}`));
  lines.push(`${style.bold('Verdict:')} ${r.verdict.toUpperCase()} — ${verdictLine(r, style)}`);
  if (r.reply) {
    lines.push('', style.bold.underline('Reply'), '', ...renderTraceReport(r.reply, header, style, o).split('\n'));
  } else if (r.replySkipped) lines.push('', `${style.bold('Reply:')} not traced — ${r.replySkipped}`);
  return lines.join('\n');
}

/** One line of a --flows-file batch: its line number, verdict and where it ended. */
export function renderBatchLine(b: BatchLine, style: ChalkInstance): string {
  return b.report ? `${b.line}: ${b.report.verdict}: ${verdictLine(b.report, style)}` : style.red(`${b.line}: error: ${b.error}`);
}

export function renderTrace(r: TraceServiceResult, style: ChalkInstance, minimalOrOptions: boolean | RenderOptions): string {
  const header = `host ${r.host}, bridge ${r.bridge}`;
  if (r.single) return renderTraceReport(r.single, header, style, minimalOrOptions);
  return (r.batch ?? []).map((b) => renderBatchLine(b, style)).join('\n');
}

/** A report as `--json` prints it: the same object with its trees (and its reply's) flattened to pre-order nodes with depths. */
export type TraceReportJson = Omit<TraceReport, 'tree' | 'reply'> & { readonly tree: FlatTraceNode[]; readonly reply?: TraceReportJson };

export function traceReportJson(r: TraceReport): TraceReportJson {
  const { reply, ...rest } = r;
  return { ...rest, tree: flattenTree(r.tree), ...(reply ? { reply: traceReportJson(reply) } : {}) };
}
