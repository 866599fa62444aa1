import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import { overheadText, type HopRow, type PathMtuReport, type ClusterMtuReport } from '../checks/mtu.js';
import type { FindingSeverity } from '../model/finding.js';
import type { MtuAuditResult } from '../services/mtu.js';
import { renderFindingsSection, severityLabel } from './findings.js';

const plain = { head: [], border: [] };

/** Columns of the hop table (text); `--json` carries every HopRow field. */
export const HOP_COLUMNS = ['hop', 'side', 'host', 'device / object', 'role', 'leg', 'MTU', 'needs', 'max inner', 'verdict'] as const;

function subjectCell(r: HopRow, style: ChalkInstance): string {
  if (!r.depth) return r.subject;
  return `${'  '.repeat(r.depth - 1)}${style.dim('└ ')}${r.subject}`;
}

function legCell(r: HopRow): string {
  if (!r.leg) return '';
  const m = /^(\d+\/\d+)/.exec(r.leg);
  return r.role === 'ecmp-leg' || r.role === 'route' ? r.leg : (m?.[1] ?? r.leg);
}

function hopTable(rows: readonly HopRow[], style: ChalkInstance): string {
  const t = new Table({ head: [...HOP_COLUMNS], style: plain });
  for (const r of rows)
    t.push([
      r.hop,
      r.direction === 'reverse' && r.side !== 'destination' ? `${r.side} (back)` : r.side,
      r.host ?? '',
      subjectCell(r, style),
      r.role,
      legCell(r),
      r.mtu !== undefined ? String(r.mtu) : style.dim('-'),
      r.rule ?? '',
      r.maxInner !== undefined ? String(r.maxInner) : '',
      severityLabel(r.severity, style).trim(),
    ]);
  return t.toString();
}

const verdictWord = (s: FindingSeverity, style: ChalkInstance) =>
  s === 'fail' ? style.red.bold('FAIL') : s === 'warn' ? style.yellow('WARN') : s === 'pass' ? style.green('PASS') : s === 'info' ? style.cyan('INFO') : style.dim('N/A');

/** `a1 on hv1`, `db1 (10.0.2.11) on hv2`; an end outside the overlay has no logical port: `8.8.8.8 (outside the overlay)`. */
function endpointText(e: PathMtuReport['from']): string {
  const name = e.logicalPort ?? e.text;
  const aside = e.logicalPort === undefined ? (e.kind === 'external-ip' ? ' (outside the overlay)' : '') : e.text !== e.logicalPort ? ` (${e.text})` : '';
  const where = e.host ?? e.chassis;
  return `${name}${aside}${where ? ` on ${where}` : ''}`;
}

export function renderPath(r: PathMtuReport, snapshot: string, style: ChalkInstance): string[] {
  const out: string[] = [];
  const O = r.overhead;
  out.push(style.bold(`MTU ${endpointText(r.from)} → ${endpointText(r.to)} — ${snapshot}`));
  out.push(`GENEVE overhead O = ${overheadText(O)} (${O.family === 'inet6' ? 'IPv6' : 'IPv4'} underlay${O.vlanTransparent ? ', VLAN-transparent network' : ''}${O.ipsec ? ', IPsec' : ''})`);
  for (const n of r.networks) out.push(`network ${n.network}: M_net = ${n.value ?? '?'} (${n.source})${n.value !== undefined ? ` → needs an underlay IP MTU ≥ ${n.value + O.total}` : ''}`);
  out.push('');
  out.push(hopTable(r.rows, style));
  out.push('');
  if (r.largestInner === undefined) out.push(style.yellow('Largest inner packet: unknown (an egress MTU on the path is unknown; see the notes)'));
  else {
    const legs = r.largestInnerBestLeg !== undefined && r.largestInnerBestLeg > r.largestInner ? `; ${r.largestInnerBestLeg} B on the best ECMP leg` : '';
    const underlayBound = r.bottleneck && ['H4', 'H5', 'H6'].includes(r.bottleneck.hop);
    out.push(`${style.bold('Largest inner packet that crosses:')} ${r.largestInner} B${underlayBound ? ` on every leg${legs} (outer ${r.largestInner + O.total} B)` : ''}`);
  }
  if (r.underlayInner !== undefined && r.underlayInner !== r.largestInner)
    out.push(`Tunnels alone carry: ${r.underlayInner} B on every leg${r.underlayInnerBestLeg !== undefined && r.underlayInnerBestLeg > r.underlayInner ? `, ${r.underlayInnerBestLeg} B on the best ECMP leg` : ''}`);
  if (r.bottleneck) out.push(`${style.bold('Bottleneck:')} ${r.bottleneck.hop} ${r.bottleneck.host ?? ''} ${r.bottleneck.subject}${r.bottleneck.leg ? ` (leg ${r.bottleneck.leg})` : ''}, MTU ${r.bottleneck.mtu ?? '?'}`.replace('  ', ' '));
  if (r.networkMtu !== undefined && r.largestInner !== undefined) {
    const viaGateway = r.bottleneck?.hop === 'H7' && r.checkPktLen !== false;
    const text =
      r.networkMtu <= r.largestInner
        ? style.green(`fits (${r.largestInner - r.networkMtu} B headroom)`)
        : viaGateway
          ? style.cyan(`packets over ${r.largestInner} B get ICMP "fragmentation needed" from the gateway (gateway_mtu ≤ M_net, as intended)`)
          : style.red(`${r.networkMtu - r.largestInner} B too big for this path`);
    out.push(`${style.bold('Network MTU')} ${r.networkMtu}: ${text}`);
  }
  if (r.largestInnerReverse !== undefined) out.push(`Reverse direction (replies): ${r.largestInnerReverse} B${r.reverseLimitedBy ? ` (${r.reverseLimitedBy})` : ''}`);
  if (r.breaks.length) {
    out.push(style.bold('Above it:'));
    for (const b of r.breaks) out.push(`  - ${b}`);
  }
  // No network MTU, nothing to judge the path against: say so where the verdict is, and why (the n/a findings list it too).
  const unjudged = (r.verdict === 'n-a' || r.verdict === 'info') && r.networkMtu === undefined;
  out.push(`${style.bold('Verdict:')} ${verdictWord(r.verdict, style)}${unjudged ? style.dim(` — network MTU unknown (no DHCP_Options mtu or neutron:mtu; give --mtu): ${r.largestInner !== undefined ? `the path carries ${r.largestInner} B, but nothing says what the VMs send` : 'nothing to judge the path against'}`) : ''}`);
  for (const n of r.notes) out.push(style.dim(`note: ${n}`));
  return out;
}

export function renderCluster(r: ClusterMtuReport, snapshot: string, style: ChalkInstance): string[] {
  const out: string[] = [];
  const O = r.overhead;
  out.push(style.bold(`MTU across the cluster — ${snapshot}`));
  out.push(`GENEVE overhead O = ${overheadText(O)} (${O.family === 'inet6' ? 'IPv6' : 'IPv4'} underlay${O.vlanTransparent ? ', VLAN-transparent network' : ''}${O.ipsec ? ', IPsec' : ''})`);
  out.push('');
  const pt = new Table({ head: ['host', 'to chassis', 'remote TEP', 'legs (IP MTU)', 'U', 'max inner'], style: plain });
  for (const p of r.pairs) pt.push([p.host, p.toChassis, p.remoteTep, p.legs.map((l) => `${l.label}: ${l.ipMtu ?? '?'}${l.limitedBy ? ` (${l.limitedBy})` : ''}`).join('\n') || style.dim(p.source === 'none' ? 'unknown' : '-'), p.underlay !== undefined ? String(p.underlay) : '?', p.maxInner !== undefined ? String(p.maxInner) : '?']);
  const none = (subject: string) => r.findings.find((f) => f.id === 'MTU-H1' && f.severity === 'n-a' && f.subject === subject)?.message;
  out.push(style.bold('underlay between chassis'), r.pairs.length ? pt.toString() : style.dim(`  n/a — ${none('chassis pairs') ?? 'no chassis pairs'}`));
  const nt = new Table({ head: ['network', 'M_net', 'source', `M_net + ${O.total}`, 'fits'], style: plain });
  for (const n of r.networks) nt.push([n.network, n.value !== undefined ? String(n.value) : '?', n.source, n.value !== undefined ? String(n.value + O.total) : '', n.value === undefined || r.smallestUnderlay === undefined ? style.dim('?') : n.value + O.total <= r.smallestUnderlay.value ? style.green('yes') : style.red('NO')]);
  out.push('', style.bold('logical networks'), r.networks.length ? nt.toString() : style.dim(`  n/a — ${none('logical networks') ?? 'no logical networks'}`));
  if (r.smallestUnderlay) out.push('', `${style.bold('Smallest underlay:')} ${r.smallestUnderlay.value} (${r.smallestUnderlay.pair.host} → ${r.smallestUnderlay.pair.toChassis}) → the largest network MTU every pair carries is ${r.maxNetworkMtu}`);
  return out;
}

export function renderMtu(r: MtuAuditResult, style: ChalkInstance): string {
  const out = r.path ? renderPath(r.path, r.snapshot, style) : r.cluster ? renderCluster(r.cluster, r.snapshot, style) : [];
  if (r.resolved) {
    const at = out.length > 0 ? 1 : 0;
    const lines = [
      style.dim(`from ${r.resolved.from}`),
      style.dim(`to   ${r.resolved.to}`),
      style.dim(`chassis: ${r.resolved.chassis.map((c) => `${c.chassis} (${c.roles.join('+')}${c.host ? '' : ', not collected'})`).join(', ') || 'none'}${r.resolved.datapaths.length ? `; logical path ${r.resolved.datapaths.join(' → ')}` : ''}`),
      ...r.resolved.notes.map((n) => style.dim(`note: ${n}`)),
    ];
    out.splice(at, 0, ...lines);
  }
  // n/a findings about no host in particular (an unknown network MTU, nothing to check) say what is missing for the whole audit.
  out.push(...renderFindingsSection(r.findings, r.counts, r.diagnostics, style, (f) => f.severity === 'fail' || f.severity === 'warn' || (f.severity === 'n-a' && f.host === undefined)));
  return out.join('\n');
}
