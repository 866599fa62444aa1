// Comparison of ovnscope's simulator with live `ovs-appctl ofproto/trace` text: which passes the
// packet really takes (check_pkt_len branches), outputs by port name, controller punts, the
// verdict, and the Final flow of every followed pass.

import { parseFlowFields, parseOfprotoTrace, splitTopLevel, type OraclePass } from '../oracle/ofproto-trace.js';
import type { SimTraceResult } from '../../src/sim/index.js';
import { decodeOvnUserdata } from '../../src/sim/index.js';
import type { Verdict } from '../../src/model/trace.js';

export interface OracleView {
  /** Passes the packet takes (first pass, then followed recirculations), in order. */
  readonly passes: OraclePass[];
  readonly outputs: string[];
  /** `port{field=value,...}` of every output packet, sorted. */
  readonly outputPackets: string[];
  /** Number of `userspace(...)` (non-paused controller) actions on the taken path. */
  readonly userspace: number;
  /** OVN opcodes of controller() actions seen in taken passes without check_pkt_len. */
  readonly controllerReasons: string[] | undefined;
  readonly paused: boolean;
  readonly frozenHash: boolean;
  readonly failed: boolean;
  readonly verdict: Verdict;
}

interface DpWalk {
  outputs: number[];
  /** Header fields of the packet at each output (same order as `outputs`). */
  packets: Map<string, string>[];
  userspace: number;
  recircs: number[];
  hash: boolean;
}

/** Datapath `set(...)` keys → Final-flow field names. */
const SET_KEYS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  eth: { src: 'dl_src', dst: 'dl_dst' },
  ipv4: { src: 'nw_src', dst: 'nw_dst', ttl: 'nw_ttl' },
  ipv6: { src: 'ipv6_src', dst: 'ipv6_dst', hlimit: 'nw_ttl' },
  tcp: { src: 'tp_src', dst: 'tp_dst' },
  udp: { src: 'tp_src', dst: 'tp_dst' },
  sctp: { src: 'tp_src', dst: 'tp_dst' },
  icmp: { type: 'icmp_type', code: 'icmp_code' },
  icmpv6: { type: 'icmp_type', code: 'icmp_code' },
  arp: { sip: 'arp_spa', tip: 'arp_tpa', op: 'arp_op', sha: 'arp_sha', tha: 'arp_tha' },
  nd: { target: 'nd_target', sll: 'nd_sll', tll: 'nd_tll' },
};

function applySet(hdr: Map<string, string>, a: string): void {
  // set(eth(src=..,dst=..)) / set_masked(...) — field values only (masks ignored: OVS prints full values).
  const m = /^set(?:_masked)?\((\w+)\((.*)\)\)$/.exec(a);
  if (!m) return;
  const keys = SET_KEYS[m[1]];
  if (!keys) return;
  for (const kv of splitTopLevel(m[2])) {
    const eq = kv.indexOf('=');
    const k = kv.slice(0, eq);
    let v = kv.slice(eq + 1);
    const slash = v.indexOf('/');
    if (slash >= 0) v = v.slice(0, slash);
    if (keys[k]) hdr.set(keys[k], v);
  }
}

function walkDatapath(text: string, size: number, acc: DpWalk, hdr: Map<string, string>): void {
  for (const a of splitTopLevel(text)) {
    if (/^\d+$/.test(a)) {
      acc.outputs.push(Number(a));
      acc.packets.push(new Map(hdr));
    } else if (a.startsWith('set(') || a.startsWith('set_masked(')) applySet(hdr, a);
    else if (a.startsWith('userspace(')) acc.userspace++;
    else if (a.startsWith('recirc(')) acc.recircs.push(Number.parseInt(a.slice(7, -1), 16));
    else if (a.startsWith('hash(')) acc.hash = true;
    else if (a.startsWith('clone(')) walkDatapath(a.slice(6, -1), size, acc, new Map(hdr));
    else if (a.startsWith('tnl_push(')) {
      const m = /out_port\((\d+)\)/.exec(a);
      if (m) {
        acc.outputs.push(Number(m[1]));
        acc.packets.push(new Map(hdr));
      }
    } else if (a.startsWith('check_pkt_len(')) {
      const inner = splitTopLevel(a.slice('check_pkt_len('.length, -1));
      const lim = Number(/size=(\d+)/.exec(inner[0] ?? '')?.[1] ?? 0);
      const branch = inner.find((x) => x.startsWith(size > lim ? 'gt(' : 'le('));
      if (branch) walkDatapath(branch.slice(3, -1), size, acc, hdr);
    }
  }
}

/** Fields compared on every output packet. */
export const PACKET_FIELDS = ['dl_src', 'dl_dst', 'nw_src', 'nw_dst', 'ipv6_src', 'ipv6_dst', 'nw_ttl', 'tp_src', 'tp_dst', 'icmp_type', 'icmp_code', 'arp_spa', 'arp_tpa', 'arp_op', 'arp_sha', 'arp_tha', 'nd_target'];

export function packetKey(port: string, fields: ReadonlyMap<string, string>): string {
  return `${port}{${PACKET_FIELDS.filter((f) => fields.has(f)).map((f) => `${f}=${fields.get(f)}`).join(',')}}`;
}

function recircIdOf(p: OraclePass): number {
  const m = /^recirc\((0x[0-9a-f]+)\)/.exec(p.recircHeader ?? '');
  return m ? Number.parseInt(m[1], 16) : 0;
}

/** Every recirc(...) of a datapath action list, and whether the packet (of `size` bytes) takes its branch. */
function recircForks(text: string, size: number, taken: boolean, out: { id: number; taken: boolean }[]): void {
  for (const a of splitTopLevel(text)) {
    if (a.startsWith('recirc(')) out.push({ id: Number.parseInt(a.slice(7, -1), 16), taken });
    else if (a.startsWith('clone(')) recircForks(a.slice(6, -1), size, taken, out);
    else if (a.startsWith('check_pkt_len(')) {
      const inner = splitTopLevel(a.slice('check_pkt_len('.length, -1));
      const lim = Number(/size=(\d+)/.exec(inner[0] ?? '')?.[1] ?? 0);
      for (const b of inner.slice(1)) {
        if (b.startsWith('gt(')) recircForks(b.slice(3, -1), size, taken && size > lim, out);
        else if (b.startsWith('le(')) recircForks(b.slice(3, -1), size, taken && size <= lim, out);
      }
    }
  }
}

/**
 * Reads an ofproto/trace output as the packet experiences it, for a given packet length.
 * ofproto/trace also resumes the recirculations of check_pkt_len branches the packet does not
 * take, and both branches can freeze the same state (same recirc id): passes are matched to the
 * forks that queued them in FIFO order, so a pass counts only when its own fork was taken.
 */
export function oracleView(text: string, dpNames: ReadonlyMap<number, string>, roles: ReadonlyMap<string, string>, size: number): OracleView {
  const t = parseOfprotoTrace(text);
  const taken: OraclePass[] = [];
  const forks = new Map<number, boolean[]>();
  const acc: DpWalk = { outputs: [], packets: [], userspace: 0, recircs: [], hash: false };
  let paused = false;
  let frozenHash = false;
  let reasons: string[] | undefined = [];
  for (const p of t.passes) {
    const id = recircIdOf(p);
    const isTaken = id === 0 || (forks.get(id)?.shift() ?? false);
    const dp = p.datapathActions ?? '';
    const queued: { id: number; taken: boolean }[] = [];
    recircForks(dp, size, isTaken, queued);
    for (const f of queued) forks.set(f.id, [...(forks.get(f.id) ?? []), f.taken]);
    if (!isTaken) continue;
    taken.push(p);
    const w: DpWalk = { outputs: [], packets: [], userspace: 0, recircs: [], hash: false };
    walkDatapath(dp, size, w, new Map(parseFlowFields(p.flow).fields));
    acc.outputs.push(...w.outputs);
    acc.packets.push(...w.packets);
    acc.userspace += w.userspace;
    if (w.hash) frozenHash = true;
    const hasCpl = dp.includes('check_pkt_len(');
    for (const s of p.steps)
      for (const line of s.actions) {
        if (!line.startsWith('controller(')) continue;
        if (/[,(]pause\)$/.test(line) && !hasCpl) paused = true;
        const ud = /userdata=([0-9a-f.]+)/.exec(line);
        const bytes = ud ? ud[1].split('.').map((x) => Number.parseInt(x, 16)) : undefined;
        if (!hasCpl && reasons) reasons.push(decodeOvnUserdata(bytes)?.name ?? 'action');
      }
    if (hasCpl) reasons = undefined;
  }
  const failed = /Translation failed/.test(text);
  const outputs = [...new Set(acc.outputs.map((n) => dpNames.get(n) ?? `dp${n}`))].sort();
  let verdict: Verdict;
  if (outputs.some((o) => roles.get(o) !== 'tunnel')) verdict = 'delivered';
  else if (outputs.length) verdict = 'tunnel';
  else if (acc.userspace > 0 || paused) verdict = 'controller';
  else if (failed || frozenHash) verdict = 'error';
  else verdict = 'dropped';
  const outputPackets = acc.outputs.map((n, i) => packetKey(dpNames.get(n) ?? `dp${n}`, acc.packets[i])).sort();
  return { passes: taken, outputs, outputPackets, userspace: acc.userspace, controllerReasons: reasons, paused, frozenHash, failed, verdict };
}

export function normalizeFlow(s: string): string {
  return s.replace(/recirc_id=0x[0-9a-f]+/, 'recirc_id=N');
}

const COMPARED_FIELDS = ['dl_src', 'dl_dst', 'nw_src', 'nw_dst', 'nw_ttl', 'tp_src', 'tp_dst', 'ipv6_src', 'ipv6_dst', 'arp_spa', 'arp_tpa', 'icmp_type', 'icmp_code'];

/** Differences between our result and the oracle's; empty when they agree. */
export function compareWithOracle(ours: SimTraceResult, o: OracleView): string[] {
  const diffs: string[] = [];
  if (ours.verdict !== o.verdict) diffs.push(`verdict: ours ${ours.verdict}, ofproto/trace ${o.verdict}`);
  const outs = [...new Set(ours.outputs.map((x) => x.port))].sort();
  if (outs.join(',') !== o.outputs.join(',')) diffs.push(`outputs: ours [${outs.join(', ')}], ofproto/trace [${o.outputs.join(', ')}]`);
  const ourPackets = ours.outputs.map((x) => packetKey(x.port, parseFlowFields(x.packet).fields)).sort();
  if (ourPackets.join(' ') !== o.outputPackets.join(' ')) diffs.push(`output packets:\n    ours: ${ourPackets.join(' ')}\n    ovs:  ${o.outputPackets.join(' ')}`);
  const ourUserspace = ours.controllers.filter((c) => !c.pause).length;
  if (ourUserspace !== o.userspace) diffs.push(`controller (userspace) actions: ours ${ourUserspace}, ofproto/trace ${o.userspace}`);
  if (o.controllerReasons) {
    const a = ours.controllers.map((c) => c.reason).sort().join(',');
    const b = [...o.controllerReasons].sort().join(',');
    if (a !== b) diffs.push(`controller reasons: ours [${a}], ofproto/trace [${b}]`);
  }
  if (ours.passes.length !== o.passes.length) diffs.push(`passes: ours ${ours.passes.length}, ofproto/trace ${o.passes.length}`);
  const n = Math.min(ours.passes.length, o.passes.length);
  for (let i = 0; i < n; i++) {
    const op = o.passes[i];
    const oflow = op.finalFlow === 'unchanged' || op.finalFlow === undefined ? op.flow : op.finalFlow;
    const a = normalizeFlow(ours.passes[i].finalFlow);
    const b = normalizeFlow(oflow);
    if (a !== b) {
      const fa = parseFlowFields(a).fields;
      const fb = parseFlowFields(b).fields;
      const bad = COMPARED_FIELDS.filter((f) => fa.get(f) !== fb.get(f));
      diffs.push(`pass ${i} final flow differs${bad.length ? ` (${bad.map((f) => `${f}: ${fa.get(f)} vs ${fb.get(f)}`).join('; ')})` : ''}:\n    ours: ${a}\n    ovs:  ${b}`);
    }
    const ia = normalizeFlow(ours.passes[i].flow);
    const ib = normalizeFlow(op.flow);
    if (ia !== ib) diffs.push(`pass ${i} initial flow differs:\n    ours: ${ia}\n    ovs:  ${ib}`);
  }
  return diffs;
}
