// Cross-host trace suite: a real 3-chassis OVS 3.1 / OVN 23.03 sandbox (test/trace/topology.ts),
// collected with `ovnscope collect` into a snapshot, then ≥ 500 generated `--from/--to` packets
// (every source × every target by the names people type, several protocols, replies, TTL, MTU,
// spoofing, load-balancer backends, from outside) traced by ovnscope across chassis and compared:
//
//   1. hop by hop with live `ovs-appctl ofproto/trace` on each chassis in turn: the very flow of
//      each hop (the first built from the names; the next ones entering the remote chassis at its
//      tunnel port with the tun_id/tun_src/tun_dst/tun_metadata0 the previous hop produced) with
//      the conntrack states ovnscope used as --ct-next: verdict, outputs, output packets,
//      controller punts, every pass's Final flow — and the tunnel header ofproto/trace wrote at
//      each tunnel output (tun_id, tun_metadata0) must be the one ovnscope carried over;
//   2. the logical outcome (the logical ports the packet is output to, or none) with `ovn-trace`
//      on the same SB for the same packet and the same conntrack assumption (ovn-trace has no
//      conntrack: --ct=new for requests, --ct=est,rpl for replies, and ovnscope run likewise).
//      ovn-trace does not decide check_pkt_larger (no packet length), so the MTU-size cases are
//      compared with ofproto/trace only.
//
// Agreement must be 100 %.
//
//   npx vitest run --project live test/trace

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { afterAll, describe, expect, it } from 'vitest';
import { collect } from '../../src/services/collect.js';
import { createTraceContext, traceEndpointsIn } from '../../src/services/trace.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { sandboxInventory } from '../collect/sandbox-inventory.js';
import { useSandboxes, liveSuiteGuard } from '../harness/vitest.js';
import { runCase, type Outcome } from './cross-compare.js';
import { generateEndpointCases } from './cross-lib.js';
import { crossHost3, learnNextHop } from './topology.js';

const live = liveSuiteGuard();

const summary: string[] = [];

describe.skipIf(!live)('cross-host trace vs live ofproto/trace (hop by hop) and ovn-trace (logical outcome)', () => {
  const sandboxes = useSandboxes();
  let work: string | undefined;
  afterAll(async () => {
    if (summary.length) console.log(summary.join('\n'));
    if (work) await rm(work, { recursive: true, force: true });
  });

  it(
    'agrees on every generated --from/--to packet',
    async () => {
      const t0 = Date.now();
      const { sandbox: sb } = await sandboxes.startTopology(crossHost3());
      await learnNextHop(sb);
      work = await mkdtemp(join(tmpdir(), 'ovnscope-xhost-'));
      const out = join(work, 'snap');
      const collected = await collect({ inventory: sandboxInventory(sb), out, parallel: 4, perHostConcurrency: 4 });
      if (!collected.ok) throw new Error(collected.error.message);
      expect(collected.value.manifest.complete).toBe(true);
      const loaded = await loadSnapshot(out);
      if (!loaded.ok) throw new Error(loaded.error.message);
      const snapshot = loaded.value;
      const context = createTraceContext(snapshot);
      const cases = generateEndpointCases();
      expect(cases.length).toBeGreaterThanOrEqual(500);
      const limit = pLimit(8);
      const outcomes = await Promise.all(cases.map((c) => limit(() => runCase(sb, snapshot, context, c))));

      const errors = outcomes.filter((o) => o.error);
      const hopBad = outcomes.filter((o) => o.hopDiffs.length);
      const logicalBad = outcomes.filter((o) => o.logicalDiffs.length);
      const traced = outcomes.filter((o) => !o.error);
      const hops = traced.reduce((a, o) => a + o.hops, 0);
      const tunnels = traced.reduce((a, o) => a + o.tunnels, 0);
      const logicalPackets = traced.filter((o) => !o.c.sizeDependent);
      const comparisons = traced.reduce((a, o) => a + o.logicalCompared, 0);
      const residency = traced.filter((o) => o.notComparable.length);
      const fully = logicalPackets.filter((o) => !o.notComparable.length);
      const tally = (f: (o: Outcome) => string | undefined) => {
        const m = new Map<string, number>();
        for (const o of traced) {
          const k = f(o);
          if (k) m.set(k, (m.get(k) ?? 0) + 1);
        }
        return [...m].sort((x, y) => y[1] - x[1]).map(([k, n]) => `${k} ${n}`).join(', ');
      };
      summary.push(
        `cross-host trace agreement (${((Date.now() - t0) / 1000).toFixed(1)} s): ${cases.length} packets, ${traced.length} traced, ${errors.length} refused as usage errors`,
        `  ofproto/trace hop by hop: ${traced.length - hopBad.length}/${traced.length} packets agree on all ${hops} host traces (${tunnels} tunnel outputs checked and continued)`,
        `  ovn-trace logical outcome: ${comparisons - logicalBad.reduce((a, o) => a + o.logicalDiffs.length, 0)}/${comparisons} comparisons agree (forward + replies); ${fully.length - fully.filter((o) => o.logicalDiffs.length).length}/${fully.length} packets agree on every comparison; not compared: ${traced.length - logicalPackets.length} MTU-size packets (ovn-trace has no packet length) and ${residency.length} packets whose ovn-trace path needs a port resident on a chassis the packet is not on (ovn-trace has no chassis)`,
        `  verdicts: ${tally((o) => o.verdict)}`,
        `  drop reasons: ${tally((o) => o.reason)}`,
        `  replies: ${tally((o) => o.replyVerdict)}`,
      );
      const show = (o: Outcome, d: string[]) => `[${o.c.id}] --from ${o.c.req.from} --to ${o.c.req.to} ${JSON.stringify(o.c.req.protocol)}${o.c.req.reply ? ' --reply' : ''}\n    ${d.join('\n    ')}`;
      // Usage errors are part of the contract: only the cases that cannot be traced by design.
      const unexpected = errors.filter((o) => !/is a router port: it sends no packets|are both outside the overlay|has no IPv|load-balancer VIP: it sends/.test(o.error!));
      expect(unexpected.map((o) => `[${o.c.id}] ${o.c.req.from} → ${o.c.req.to}: ${o.error}`), 'refused cases').toEqual([]);
      expect(hopBad.length, `${hopBad.length} packet(s) disagree with ofproto/trace:\n${hopBad.slice(0, 12).map((o) => show(o, o.hopDiffs)).join('\n')}`).toBe(0);
      expect(logicalBad.length, `${logicalBad.length} packet(s) disagree with ovn-trace:\n${logicalBad.slice(0, 12).map((o) => show(o, o.logicalDiffs)).join('\n')}`).toBe(0);
      expect(traced.length).toBeGreaterThanOrEqual(500);
      expect(comparisons).toBeGreaterThanOrEqual(500);
      expect(fully.length).toBeGreaterThanOrEqual(500);
      // Every typed reason the topology can produce shows up (REMOTE_NOT_COLLECTED: see below).
      const reasons = new Set(traced.map((o) => o.reason));
      for (const r of ['ACL_DROP', 'PORT_SECURITY', 'NO_ROUTE', 'TTL_EXPIRED', 'ARP_UNRESOLVED', 'LB_NO_BACKEND', 'MTU_EXCEEDED']) expect(reasons, r).toContain(r);
      expect(traced.some((o) => o.verdict === 'delivered' && o.replyVerdict === 'dropped'), 'an asymmetric (reply-only) drop').toBe(true);

      // The same snapshot without hv3: a packet for it stops with REMOTE_NOT_COLLECTED and says how to collect it.
      const partial = await loadSnapshot(out, { hosts: ['hv1', 'hv2'] });
      if (!partial.ok) throw new Error(partial.error.message);
      const r = traceEndpointsIn(partial.value, { snapshot: out, bridge: 'br-int', ctNext: [], detail: 'minimal', followTunnels: true, from: 'web-1', to: 'team-a_web-3', protocol: { kind: 'tcp', port: 80 } });
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.report).toMatchObject({ verdict: 'error', drop: { reason: 'REMOTE_NOT_COLLECTED', host: 'hv1' }, incomplete: { chassis: 'hv3', hint: expect.stringMatching(/ovnscope collect --host hv3 /) } });
      // The first hop still agrees with ofproto/trace.
      const cmp = await runCase(sb, partial.value, undefined, { id: 'partial', category: 'partial', req: { from: 'web-1', to: 'team-a_web-3', protocol: { kind: 'tcp', port: 80 } } });
      expect(cmp.hopDiffs).toEqual([]);
    },
    1_200_000,
  );
});
