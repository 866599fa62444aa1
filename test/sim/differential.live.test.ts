// Differential suite: for every named topology, start a real OVS 3.1 / OVN 23.03 sandbox, collect
// each chassis' tables the way a snapshot does, generate deterministic packets (≥ 1000 in all),
// and compare ovnscope's simulator with live `ovs-appctl ofproto/trace` on each of them:
// verdict, output ports, controller punts and reasons, and the Final flow of every pass the packet
// takes (with --ct-next variants). Cases that leave through a tunnel are continued on the remote
// chassis (in_port = tunnel, tun_id/tun_src/tun_dst/tun_metadata0 from our own output), and
// compared again. Agreement must be 100 %: a disagreement is a bug in the simulator.
//
//   npx vitest run --project live test/sim

import pLimit from 'p-limit';
import { afterAll, describe, expect, it } from 'vitest';
import { compileHost, traceHost, type CompiledHost, type SimOutput, type SimTraceResult } from '../../src/sim/index.js';
import { parseFlowFields } from '../oracle/ofproto-trace.js';
import type { Sandbox } from '../harness/sandbox.js';
import { getTopology, topologyNames, type TopologyName } from '../harness/topologies.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';
import { externalCases, generateCases, portInfos, type TraceCase } from './cases.js';
import { compareWithOracle, oracleView } from './differential-lib.js';
import { collectLiveHost, parseFdbShow, type LiveHost } from './live-host.js';

const live = liveSuiteGuard();

interface Tally {
  topology: string;
  cases: number;
  agree: number;
  continued: number;
  ms: number;
  oursMs: number[];
  categories: Map<string, number>;
}

const tallies: Tally[] = [];

/** L2–L4 headers of an output packet (Final flow syntax) as ofproto/trace flow fields. */
function headersAsMicroflow(packet: string): string {
  const { fields, protocols } = parseFlowFields(packet);
  const proto = protocols.find((p) => p !== 'eth') ?? '';
  const l4 = proto.startsWith('tcp') ? 'tcp' : proto.startsWith('udp') ? 'udp' : proto.startsWith('sctp') ? 'sctp' : undefined;
  const out: string[] = proto ? [proto] : [];
  const keep = ['dl_src', 'dl_dst', 'nw_src', 'nw_dst', 'ipv6_src', 'ipv6_dst', 'arp_spa', 'arp_tpa', 'arp_op', 'arp_sha', 'arp_tha', 'nw_ttl', 'icmp_type', 'icmp_code', 'nd_target', 'nd_sll', 'nd_tll'];
  if (!proto && fields.has('dl_type')) out.push(`dl_type=${fields.get('dl_type')}`);
  for (const k of keep) {
    const v = fields.get(k);
    if (v === undefined) continue;
    if (k === 'nd_sll' || k === 'nd_tll') {
      if (v === '00:00:00:00:00:00') continue;
    }
    const name = proto === 'icmp6' && (k === 'icmp_type' || k === 'icmp_code') ? k.replace('icmp_', 'icmpv6_') : k;
    out.push(`${name}=${v}`);
  }
  if (l4) {
    out.push(`${l4}_src=${fields.get('tp_src') ?? 0}`, `${l4}_dst=${fields.get('tp_dst') ?? 0}`);
  }
  if (fields.has('dl_vlan')) out.push(`dl_vlan=${fields.get('dl_vlan')}`);
  return out.join(',');
}

async function dynamicAddresses(sb: Sandbox, ports: readonly string[]): Promise<Map<string, { mac: string; ipv4?: string }>> {
  const out = new Map<string, { mac: string; ipv4?: string }>();
  for (const p of ports) {
    const t = (await sb.nbctl('--bare', '--columns=dynamic_addresses', 'list', 'Logical_Switch_Port', p)).trim();
    const m = /^([0-9a-f:]{17})(?:\s+(\d+\.\d+\.\d+\.\d+))?/i.exec(t);
    if (m) out.set(p, { mac: m[1].toLowerCase(), ...(m[2] ? { ipv4: m[2] } : {}) });
  }
  return out;
}

interface Outcome {
  c: TraceCase;
  ours?: SimTraceResult;
  diffs: string[];
  oracleText: string;
}

async function runCase(sb: Sandbox, hosts: Map<string, { live: LiveHost; compiled: CompiledHost }>, c: TraceCase, tally: Tally): Promise<Outcome> {
  const h = hosts.get(c.hv)!;
  const extra = (c.ctNext ?? []).flatMap((s) => ['--ct-next', s]);
  // NORMAL bridges learn MACs from OVN's GARPs at any time: read their tables next to the trace.
  const fdb = { ...h.live.fdb };
  for (const b of Object.keys(fdb)) if (b !== 'br-int') fdb[b] = parseFdbShow(await sb.appctl(c.hv, 'fdb/show', b));
  let oracleText: string;
  try {
    oracleText = await sb.appctl(c.hv, 'ofproto/trace', c.bridge, c.flow, ...extra);
  } catch (e) {
    // ofproto/trace refused the flow: we must refuse it too (a usage error).
    const r = traceHost(h.compiled, c.bridge, c.flow, c.ctNext ? { ctNext: c.ctNext } : {});
    const msg = e instanceof Error ? e.message : String(e);
    return { c, diffs: r.ok ? [`ofproto/trace rejected the flow but ovnscope traced it: ${msg}`] : [], oracleText: msg };
  }
  const t0 = performance.now();
  const r = traceHost(h.compiled, c.bridge, c.flow, { ...(c.ctNext ? { ctNext: c.ctNext } : {}), ...(c.size ? { size: c.size } : {}), fdb });
  tally.oursMs.push(performance.now() - t0);
  if (!r.ok) return { c, diffs: [`ovnscope refused the flow: ${r.error.message}`], oracleText };
  const roles = new Map<string, string>();
  for (const b of h.live.host.bridges) for (const p of b.ports) roles.set(p.name, p.role.kind);
  const o = oracleView(oracleText, h.live.dpNames, roles, r.value.size);
  return { c, ours: r.value, diffs: compareWithOracle(r.value, o), oracleText };
}

describe.skipIf(!live)('simulator vs live ofproto/trace (differential)', () => {
  const sandboxes = useSandboxes();

  afterAll(() => {
    if (!tallies.length) return;
    const lines = tallies.map((t) => {
      const sorted = [...t.oursMs].sort((a, b) => a - b);
      const med = sorted.length ? sorted[Math.floor(sorted.length / 2)] : 0;
      return `  ${t.topology.padEnd(16)} ${String(t.agree).padStart(5)}/${String(t.cases).padEnd(5)} agree (${t.continued} tunnel continuations)  ${(t.ms / 1000).toFixed(1)} s  ovnscope median ${med.toFixed(3)} ms/trace`;
    });
    const all = tallies.reduce((a, t) => a + t.cases, 0);
    const agree = tallies.reduce((a, t) => a + t.agree, 0);
    console.log(`differential agreement with ofproto/trace: ${agree}/${all}\n${lines.join('\n')}`);
  });

  describe.each(topologyNames)('topology %s', (name: TopologyName) => {
    it('agrees with ofproto/trace on every generated packet', async () => {
      const t0 = Date.now();
      const topo = getTopology(name);
      const { sandbox: sb, applied } = await sandboxes.startTopology(topo);
      const dyn = await dynamicAddresses(
        sb,
        applied.bound.filter((b) => !b.mac || !b.ipv4.length).map((b) => b.port),
      );
      const ports = portInfos(applied.bound, dyn);
      const hosts = new Map<string, { live: LiveHost; compiled: CompiledHost }>();
      for (const hv of sb.chassisNames) {
        const lh = await collectLiveHost(sb, hv);
        hosts.set(hv, { live: lh, compiled: compileHost(lh.host) });
      }
      const cases = generateCases(topo, ports);
      for (const ch of topo.chassis) {
        const mappings = Object.values(ch.bridgeMappings ?? {});
        if (mappings.includes('br-ex')) cases.push(...externalCases(topo, ch.name, 'br-ex-up'));
      }
      const tally: Tally = { topology: name, cases: 0, agree: 0, continued: 0, ms: 0, oursMs: [], categories: new Map() };
      tallies.push(tally);
      const limit = pLimit(8);
      const outcomes = await Promise.all(cases.map((c) => limit(() => runCase(sb, hosts, c, tally))));

      // Continue every distinct tunnel output on the remote chassis.
      const encapToHv = new Map(sb.chassisNames.map((n) => [sb.chassis[n].encapIp, n] as const));
      const seen = new Set<string>();
      const continuations: TraceCase[] = [];
      for (const oc of outcomes) {
        if (!oc.ours || oc.diffs.length) continue;
        for (const out of oc.ours.outputs.filter((o: SimOutput) => o.kind === 'tunnel' && o.tunnel)) {
          const remote = encapToHv.get(out.tunnel!.remoteIp);
          if (!remote) continue;
          const srcIp = sb.chassis[oc.c.hv].encapIp;
          const rh = hosts.get(remote)!;
          const tport = rh.live.host.bridges.find((b) => b.name === 'br-int')!.ports.find((p) => p.role.kind === 'tunnel' && p.role.remoteIp === srcIp);
          if (!tport) continue;
          const flow = `in_port=${tport.name},tun_id=${out.tunnel!.tunId},tun_src=${srcIp},tun_dst=${out.tunnel!.remoteIp}${out.tunnel!.metadata0 ? `,tun_metadata0=${out.tunnel!.metadata0}` : ''},${headersAsMicroflow(out.packet)}`;
          const key = `${remote} ${flow} ${oc.c.ctNext?.join('/') ?? ''}`;
          if (seen.has(key)) continue;
          seen.add(key);
          continuations.push({
            id: `tunnel-in#${continuations.length}`,
            category: 'tunnel-in',
            hv: remote,
            bridge: 'br-int',
            flow,
            ...(oc.c.ctNext ? { ctNext: oc.c.ctNext } : {}),
            ...(oc.c.size ? { size: oc.c.size } : {}),
          });
        }
      }
      tally.continued = continuations.length;
      outcomes.push(...(await Promise.all(continuations.map((c) => limit(() => runCase(sb, hosts, c, tally))))));

      tally.cases = outcomes.length;
      tally.ms = Date.now() - t0;
      const bad = outcomes.filter((o) => o.diffs.length);
      tally.agree = outcomes.length - bad.length;
      for (const o of outcomes) tally.categories.set(o.c.category, (tally.categories.get(o.c.category) ?? 0) + 1);
      const verdicts = new Map<string, number>();
      const features = { checkPktLen: 0, recirculated: 0, dpHashStop: 0, paused: 0, rejected: 0, patch: 0, equalPriorityOverlap: 0 };
      for (const o of outcomes) {
        const v = o.ours?.verdict ?? 'rejected';
        verdicts.set(v, (verdicts.get(v) ?? 0) + 1);
        if (o.oracleText.includes('check_pkt_len(')) features.checkPktLen++;
        if (o.ours && o.ours.passes.length > 1) features.recirculated++;
        if (o.ours?.incomplete) features.dpHashStop++;
        if (o.ours?.controllers.some((x) => x.pause)) features.paused++;
        if (!o.ours) features.rejected++;
        if (o.ours && o.ours.hops.length > 1) features.patch++;
        if (o.ours?.ambiguous) features.equalPriorityOverlap++;
      }
      console.log(`${name}: verdicts ${[...verdicts].map(([k, n]) => `${k} ${n}`).join(', ')}; ${Object.entries(features).map(([k, n]) => `${k} ${n}`).join(', ')}`);
      const report = bad.slice(0, 15).map(
        (o) =>
          `[${o.c.id}] ${o.c.hv} ${o.c.bridge} '${o.c.flow}'${o.c.ctNext ? ` --ct-next ${o.c.ctNext.join(' --ct-next ')}` : ''}\n  ${o.diffs.join('\n  ')}${process.env.SIM_DIFF_VERBOSE ? `\n--- ofproto/trace ---\n${o.oracleText}` : ''}`,
      );
      console.log(`${name}: ${tally.agree}/${tally.cases} agree with ofproto/trace (${tally.continued} tunnel continuations) in ${(tally.ms / 1000).toFixed(1)} s`);
      expect(bad.length, `${bad.length} disagreement(s) with ofproto/trace in ${name}:\n${report.join('\n')}`).toBe(0);
    });
  });
});
