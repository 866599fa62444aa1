// The comparison behind test/trace/cross-host.live.test.ts, apart so it can also run against a
// sandbox started by hand (scripts, debugging): one --from/--to case traced by ovnscope, every
// host trace replayed with live ofproto/trace on its chassis, the logical outcome with ovn-trace.

import type { Snapshot } from '../../src/model/snapshot.js';
import type { TraceNode } from '../../src/model/trace.js';
import { traceEndpointsIn, type TraceExtras, type TraceReport } from '../../src/services/trace.js';
import type { CrossResult, HostRun } from '../../src/sim/cross.js';
import type { SimTraceResult } from '../../src/sim/trace.js';
import type { FdbEntry } from '../../src/sim/index.js';
import type { Sandbox } from '../harness/sandbox.js';
import { parseFlowFields } from '../oracle/ofproto-trace.js';
import { compareWithOracle, oracleView, PACKET_FIELDS } from '../sim/differential-lib.js';
import { parseFdbShow } from '../sim/live-host.js';
import { logicalInport, oracleTunnelOutputs, ovnTraceExpr, ovnTraceOutputs, type EndpointCase } from './cross-lib.js';

export interface Outcome {
  readonly c: EndpointCase;
  readonly hopDiffs: string[];
  readonly logicalDiffs: string[];
  /** Logical comparisons ovn-trace cannot make (its path needs ports resident where the packet is not). */
  readonly notComparable: string[];
  readonly logicalCompared: number;
  readonly hops: number;
  readonly tunnels: number;
  /** Host runs where the conntrack model un-NATed the packet: compared with ofproto/trace up to that recirculation. */
  readonly unNatRuns: number;
  /** Outputs followed over the provider network to another chassis, checked against the hop they continued in. */
  readonly providerHops: number;
  readonly verdict?: string;
  readonly reason?: string;
  readonly replyVerdict?: string;
  readonly error?: string;
}

/** Logical outcome of a cross-host result: the logical ports it delivered to (VIFs, localnets). */
export function logicalOutcome(r: CrossResult): string[] {
  return [...new Set(r.delivered.flatMap((d) => (d.logicalPort ? [d.logicalPort] : [])))].sort();
}

async function compareRun(sb: Sandbox, snapshot: Snapshot, run: HostRun, all: readonly HostRun[], result: CrossResult): Promise<{ diffs: string[]; tunnels: number; unNat?: number; provider?: number }> {
  const host = snapshot.hosts.find((h) => h.name === run.host)!;
  const dpNames = new Map<number, string>();
  const roles = new Map<string, string>();
  const tunnelOfports = new Set<number>();
  for (const b of host.bridges)
    for (const p of b.ports) {
      if (p.dpPort !== undefined) dpNames.set(p.dpPort, p.name);
      roles.set(p.name, p.role.kind);
      if (p.role.kind === 'tunnel') tunnelOfports.add(p.ofport);
    }
  const args = run.ctNext.flatMap((s) => ['--ct-next', s]);
  const text = await sb.appctl(run.host, 'ofproto/trace', run.bridge, run.flow, ...args);
  const view = oracleView(text, dpNames, roles, run.size);
  // Where the conntrack model un-NATed the packet (ofproto/trace cannot), the replay agrees only up
  // to that recirculation: the passes before it are compared, and that ofproto/trace resumed it.
  const nat = run.result.ctNats.find((n) => n.diverges);
  if (nat) {
    const upTo = run.result.passes.findIndex((p) => p.recircId === nat.recircId);
    const diffs: string[] = [];
    if (upTo < 0 || view.passes.length <= upTo) diffs.push(`${run.host}: ofproto/trace did not resume recirculation 0x${nat.recircId.toString(16)} (${view.passes.length} passes)`);
    const partial = { ...run.result, passes: run.result.passes.slice(0, upTo) };
    const before = compareWithOracle(partial as SimTraceResult, { ...view, passes: view.passes.slice(0, upTo) }).filter((d) => /^pass \d+ /.test(d));
    diffs.push(...before.map((d) => `${run.host}: ${d}`));
    return { diffs, tunnels: 0, unNat: 1 };
  }
  const diffs = compareWithOracle(run.result, view).map((d) => `${run.host}: ${d}`);
  // The tunnel header ofproto/trace wrote, output by output, is the one the next hop entered with.
  // (Only outputs the packet takes: a check_pkt_larger branch it does not take is printed too.)
  const ofportName = new Map(host.bridges.flatMap((b) => b.ports.map((p) => [p.ofport, p.name] as const)));
  const oracleTunnels = oracleTunnelOutputs(view.passes, tunnelOfports).filter((t) => view.outputs.includes(ofportName.get(t.ofport) ?? ''));
  const ours = run.result.outputs.filter((o) => o.kind === 'tunnel');
  const key = (t: { ofport: number; tunId: string; metadata0?: string }) => `${t.ofport}/${t.tunId}/${t.metadata0 ?? '-'}`;
  const a = ours.map((o) => key({ ofport: o.ofport, tunId: o.tunnel!.tunId, ...(o.tunnel!.metadata0 ? { metadata0: o.tunnel!.metadata0 } : {}) })).sort();
  const b = oracleTunnels.map(key).sort();
  if (a.join(' ') !== b.join(' ')) diffs.push(`${run.host}: tunnel headers: ours [${a.join(' ')}], ofproto/trace [${b.join(' ')}]`);
  // Each followed tunnel output: the next hop's flow carries exactly those fields and headers.
  const hopIdx = run.hops[0]!;
  for (const out of result.hops.filter((h) => run.hops.includes(h.index!)).flatMap((h) => h.outputs)) {
    if (out.kind !== 'tunnel' || out.next?.status !== 'followed') continue;
    const next = all.find((x) => x.hops.includes((out.next as { hop: number }).hop));
    if (!next) continue;
    const nf = parseFlowFields(next.flow).fields;
    const t = out.tunnel!;
    // IPv6 TEPs travel in tun_ipv6_src/tun_ipv6_dst.
    const v6 = (ip: string | undefined) => ip?.includes(':') === true;
    const want: Record<string, string | undefined> = { tun_id: t.tunId, [v6(t.tunSrc) ? 'tun_ipv6_src' : 'tun_src']: t.tunSrc, [v6(t.tunDst) ? 'tun_ipv6_dst' : 'tun_dst']: t.tunDst, tun_metadata0: t.metadata0 };
    for (const [k, v] of Object.entries(want)) if (nf.get(k) !== v) diffs.push(`${run.host} hop ${hopIdx}: next hop ${next.host} has ${k}=${nf.get(k)}, the output had ${v}`);
    const sent = parseFlowFields(run.result.outputs.find((o) => o.port === out.port && o.kind === 'tunnel')!.packet).fields;
    for (const f of PACKET_FIELDS) if (sent.has(f) && nf.has(f) && sent.get(f) !== nf.get(f)) diffs.push(`${run.host}: next hop ${next.host} has ${f}=${nf.get(f)}, the packet left with ${sent.get(f)}`);
    const port = snapshot.hosts.find((h) => h.name === next.host)!.bridges.find((x) => x.name === next.bridge)!.ports.find((p) => p.name === (/in_port=(?:"([^"]+)"|([^,]+))/.exec(next.flow)?.slice(1).find(Boolean) ?? ''));
    if (port?.role.kind !== 'tunnel' || port.role.remoteIp !== t.tunSrc) diffs.push(`${next.host}: entered at ${port?.name ?? '?'}, which is not the tunnel port for ${t.tunSrc}`);
  }
  // Each output followed over the provider network (to the chassis that answers its destination
  // MAC): the next hop enters the bridge ovn-bridge-mappings gives that network on its chassis,
  // through that bridge's uplink, with the very packet that left here (which compareWithOracle
  // held against the packet ofproto/trace output), and no tunnel header.
  let provider = 0;
  for (const out of result.hops.filter((h) => run.hops.includes(h.index!)).flatMap((h) => h.outputs)) {
    if (out.kind !== 'physical' || out.next?.status !== 'followed' || !out.next.network) continue;
    const { network, hop } = out.next;
    const next = all.find((x) => x.hops.includes(hop));
    if (!next) {
      diffs.push(`${run.host}: ${out.port} followed over provider network ${network} to hop ${hop}, which has no host run`);
      continue;
    }
    provider++;
    const nextHost = snapshot.hosts.find((h) => h.name === next.host)!;
    const mapped = nextHost.openVswitch?.ovnBridgeMappings[network];
    if (next.bridge !== mapped) diffs.push(`${next.host}: entered bridge ${next.bridge}, but ovn-bridge-mappings maps ${network} to ${mapped ?? 'no bridge'}`);
    const inPort = /in_port=(?:"([^"]+)"|([^,]+))/.exec(next.flow)?.slice(1).find(Boolean) ?? '';
    const port = nextHost.bridges.find((x) => x.name === next.bridge)?.ports.find((p) => p.name === inPort);
    if (port?.role.kind !== 'physical') diffs.push(`${next.host}: entered ${next.bridge} at ${inPort || '?'}, which is not its uplink (a physical port)`);
    // A built flow names L4 ports tcp_src/udp_src…, an output packet tp_src/tp_dst.
    const l4 = (fields: ReadonlyMap<string, string>) => new Map([...fields].map(([k, v]) => [k.replace(/^(?:tcp|udp|sctp)_(src|dst)$/, 'tp_$1'), v] as const));
    const nf = l4(parseFlowFields(next.flow).fields);
    for (const f of ['tun_id', 'tun_src', 'tun_dst', 'tun_ipv6_src', 'tun_ipv6_dst', 'tun_metadata0']) if (nf.has(f)) diffs.push(`${next.host}: entered from the provider network with ${f}=${nf.get(f)}`);
    const sent = run.result.outputs.find((o) => o.port === out.port && o.kind === 'physical');
    if (!sent) diffs.push(`${run.host}: no output to ${out.port} in the host run, yet it was followed to ${next.host}`);
    else {
      const sf = l4(parseFlowFields(sent.packet).fields);
      for (const f of PACKET_FIELDS) if (sf.get(f) !== nf.get(f)) diffs.push(`${run.host}: next hop ${next.host} (provider network ${network}) has ${f}=${nf.get(f)}, the packet left ${out.port} with ${sf.get(f)}`);
    }
  }
  return { diffs, tunnels: ours.length, provider };
}

/**
 * ovn-trace has no chassis: it takes every `is_chassis_resident(P)` as true. Where its path used
 * such a flow in a datapath that ovnscope's trace only processed on chassis other than P's, no
 * chassis does what ovn-trace says (a hairpin through the provider network, a gateway-only NAT
 * or VIP reached from another chassis): the logical outcomes are not comparable.
 */
export function residencyConflicts(detailed: string, snapshot: Snapshot, r: CrossResult): string[] {
  // Where ovnscope ran each logical pipeline: (datapath, ingress|egress) → chassis.
  const where = new Map<string, Set<string>>();
  const walk = (nodes: readonly TraceNode[], chassis: string) => {
    for (const n of nodes) {
      const lf = n.data?.['logicalFlow'] as { datapath?: string; pipeline?: string } | undefined;
      if (n.kind === 'table' && lf?.datapath && lf.pipeline) {
        const k = `${lf.datapath}/${lf.pipeline}`;
        where.set(k, (where.get(k) ?? new Set()).add(chassis));
      }
      walk(n.children, chassis);
    }
  };
  for (const h of r.tree) {
    const host = String(h.data?.['host'] ?? '');
    walk(h.children, snapshot.hosts.find((x) => x.name === host)?.chassis ?? host);
  }
  // ovn-trace names a datapath by its SB row or (without friendly names) its NB switch/router row.
  const dpName = new Map<string, string>();
  for (const d of snapshot.sb!.datapaths) {
    const name = d.name ?? d.externalIds['name'] ?? d.uuid;
    for (const k of [d.uuid, d.logicalSwitch, d.logicalRouter]) if (k) dpName.set(k, name);
  }
  const chassisName = new Map(snapshot.sb!.chassis.map((c) => [c.uuid, c.name] as const));
  const out = new Set<string>();
  let at: string | undefined;
  for (const line of detailed.split('\n')) {
    const m = /^(ingress|egress)\(dp="([^"]+)"/.exec(line.trim());
    if (m) at = `${dpName.get(m[2]!) ?? m[2]!}/${m[1]}`;
    if (!at || !/^\s*\d+\. /.test(line)) continue;
    for (const r2 of line.matchAll(/(!?)is_chassis_resident\("([^"]+)"\)/g)) {
      if (r2[1]) continue;
      const pb = snapshot.sb!.portBindings.find((p) => p.logicalPort === r2[2]);
      const chassis = pb?.chassis ? chassisName.get(pb.chassis) : undefined;
      if (chassis && !where.get(at)?.has(chassis)) out.add(`${at}: is_chassis_resident("${r2[2]}") (on ${chassis}; ovnscope ran ${at} on ${[...(where.get(at) ?? [])].join(', ') || 'no chassis'})`);
    }
  }
  return [...out];
}

async function ovnTrace(sb: Sandbox, snapshot: Snapshot, r: CrossResult, reply: boolean, lbDst: string | undefined): Promise<{ outputs: string[]; conflicts: string[] } | string> {
  const run = r.runs[0]!;
  const inport = logicalInport(snapshot, run.host, run.bridge, run.flow);
  if (!inport) return `no logical inport for ${run.flow}`;
  const pb = snapshot.sb!.portBindings.find((p) => p.logicalPort === inport)!;
  const dp = snapshot.sb!.datapaths.find((d) => d.uuid === pb.datapath)!;
  const ct = Array.from({ length: 16 }, () => `--ct=${reply ? 'est,rpl' : 'new'}`);
  // ovn-trace --lb-dst takes the backend; ovnscope's choice (first bucket or --lb-dst) is in lbChoices.
  const backend = lbDst ?? r.lbChoices[0]?.backend;
  const args = [...ct, ...(backend ? [`--lb-dst=${backend}`] : []), dp.name ?? dp.uuid, ovnTraceExpr(run.flow, inport)];
  const [minimal, detailed] = await Promise.all([sb.ovnTrace('--minimal', '--no-friendly-names', ...args), sb.ovnTrace('--detailed', '--no-friendly-names', ...args)]);
  return { outputs: ovnTraceOutputs(minimal), conflicts: residencyConflicts(detailed, snapshot, r) };
}

export async function runCase(sb: Sandbox, snapshot: Snapshot, context: TraceExtras['context'], c: EndpointCase): Promise<Outcome> {
  // NORMAL bridges learn MACs at any time: read their tables next to the trace, as ofproto/trace sees them.
  const fdb: Record<string, Record<string, FdbEntry[]>> = {};
  for (const h of snapshot.hosts) for (const b of h.bridges) if (b.name !== 'br-int') (fdb[h.name] ??= {})[b.name] = parseFdbShow(await sb.appctl(h.name, 'fdb/show', b.name));
  const req = { snapshot: '', bridge: 'br-int', ctNext: [], detail: 'minimal' as const, followTunnels: true, ...c.req };
  const r = traceEndpointsIn(snapshot, req, { fdb, context });
  if (!r.ok) return { c, hopDiffs: [], logicalDiffs: [], notComparable: [], logicalCompared: 0, hops: 0, tunnels: 0, error: r.error.message, unNatRuns: 0, providerHops: 0 };
  const hopDiffs: string[] = [];
  let tunnels = 0;
  let hops = 0;
  let unNatRuns = 0;
  let providerHops = 0;
  for (const result of [r.value.forward, ...(r.value.reply ? [r.value.reply] : [])]) {
    for (const run of result.runs) {
      const cmp = await compareRun(sb, snapshot, run, result.runs, result);
      hopDiffs.push(...cmp.diffs);
      tunnels += cmp.tunnels;
      unNatRuns += cmp.unNat ?? 0;
      providerHops += cmp.provider ?? 0;
      hops++;
    }
  }
  // Logical outcome against ovn-trace, same conntrack assumption on both sides.
  const logicalDiffs: string[] = [];
  const notComparable: string[] = [];
  let logicalCompared = 0;
  if (!c.sizeDependent) {
    // At 'summary' detail the tree keeps the table nodes residencyConflicts reads (where each
    // logical pipeline ran); at 'minimal' it has none, and every is_chassis_resident on
    // ovn-trace's path looked like a conflict, so those packets were never compared.
    const plain = traceEndpointsIn(snapshot, { ...req, detail: 'summary' }, { fdb, context, conntrack: false });
    if (!plain.ok) logicalDiffs.push(`ovnscope (no conntrack model) refused: ${plain.error.message}`);
    else {
      const pairs: [CrossResult, boolean][] = [[plain.value.forward, false], ...(plain.value.reply ? [[plain.value.reply, true] as [CrossResult, boolean]] : [])];
      for (const [res, isReply] of pairs) {
        const theirs = await ovnTrace(sb, snapshot, res, isReply, isReply ? undefined : c.req.lbDst);
        const ours = logicalOutcome(res);
        if (typeof theirs === 'string') logicalDiffs.push(theirs);
        else if (theirs.conflicts.length) notComparable.push(`${isReply ? 'reply' : 'forward'}: ${theirs.conflicts.join('; ')} — ours [${ours.join(', ')}], ovn-trace [${theirs.outputs.join(', ')}]`);
        else {
          logicalCompared++;
          if (ours.join(',') !== theirs.outputs.join(',')) logicalDiffs.push(`${isReply ? 'reply' : 'forward'} logical outcome: ours [${ours.join(', ')}] (${res.verdict}${res.drop ? ` ${res.drop.reason}` : ''}), ovn-trace [${theirs.outputs.join(', ')}] for ${res.runs[0]!.flow}`);
        }
      }
    }
  }
  const rep: TraceReport = r.value.report;
  return { c, hopDiffs, logicalDiffs, notComparable, logicalCompared, hops, tunnels, unNatRuns, providerHops, verdict: rep.verdict, ...(rep.drop ? { reason: rep.drop.reason } : {}), ...(rep.reply ? { replyVerdict: rep.reply.verdict } : {}) };
}

