// The IP family of a --from/--to packet on dual-stack ports (the ipv6 topology): an address typed
// on either side decides it. Collected with the real CLI; each packet is replayed hop by hop with
// live `ovs-appctl ofproto/trace` and its logical outcome compared with ovn-trace.
//
//   npx vitest run --project live test/trace/ipv6-family.live.test.ts

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { collectSandboxWithCli } from '../collect/sandbox-inventory.js';
import { runCli } from '../harness/cli.js';
import { ipv6 } from '../harness/topologies.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';
import { runCase } from './cross-compare.js';

const live = liveSuiteGuard();

describe.skipIf(!live)('trace --from/--to on dual-stack ports: the typed address picks the family', () => {
  const sandboxes = useSandboxes();
  let work: string | undefined;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('an IPv6 --to traces IPv6 (the v6-ssh-drop ACL), as ofproto/trace and ovn-trace do', async () => {
    const { sandbox: sb } = await sandboxes.startTopology(ipv6());
    work = await mkdtemp(join(tmpdir(), 'ovnscope-v6f-'));
    const snap = await collectSandboxWithCli(sb, work);

    // The topology: v6b1 is 10.5.1.11 + 2001:db8:5:1::11, v6a3 10.5.0.13 + 2001:db8:5::13; ssh
    // to v6a3 over IPv6 is dropped by "v6-ssh-drop" (ip6 only), over IPv4 nothing drops it.
    for (const [from, to] of [['v6b1', '2001:db8:5::13'], ['2001:db8:5:1::11', 'v6a3']]) {
      const r = await runCli(['trace', '-s', snap, '--from', from!, '--to', to!, '--tcp', '22', '--json']);
      expect(r.code, `${from} → ${to}: ${r.stderr}`).toBe(1);
      const j = JSON.parse(r.stdout);
      expect(j.packet, `${from} → ${to}`).toMatchObject({ family: 6, nwSrc: '2001:db8:5:1::11', nwDst: '2001:db8:5::13' });
      expect(j.drop, `${from} → ${to}`).toMatchObject({ reason: 'ACL_DROP', nb: { text: expect.stringContaining('v6-ssh-drop') } });
    }
    const v4 = await runCli(['trace', '-s', snap, '--from', 'v6b1', '--to', '10.5.0.13', '--tcp', '22', '--json']);
    expect(JSON.parse(v4.stdout).packet).toMatchObject({ family: 4, nwSrc: '10.5.1.11', nwDst: '10.5.0.13' });
    const mixed = await runCli(['trace', '-s', snap, '--from', '10.5.1.11', '--to', '2001:db8:5::13']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/--from 10\.5\.1\.11 is IPv4 and --to 2001:db8:5::13 is IPv6/);

    // The oracle: every host trace with live ofproto/trace, the logical outcome with ovn-trace.
    const loaded = await loadSnapshot(snap);
    if (!loaded.ok) throw new Error(loaded.error.message);
    const cases = [
      { from: 'v6b1', to: '2001:db8:5::13', protocol: { kind: 'tcp' as const, port: 22 } },
      { from: 'v6a1', to: '2001:db8:5::13', protocol: { kind: 'tcp' as const, port: 22 } },
      { from: 'v6b1', to: '2001:db8:5::13', protocol: { kind: 'icmp' as const } },
      { from: 'v6b1', to: '2001:db8:5::13', protocol: { kind: 'arp' as const } },
      { from: 'v6a1', to: '2001:db8:5::12', protocol: { kind: 'arp' as const } },
    ];
    for (const [i, req] of cases.entries()) {
      // ovn-trace 23.03 aborts (SIGABRT) on a neighbour solicitation answered by nd_na_router:
      // those are compared with ofproto/trace only (the flag that skips the ovn-trace comparison).
      const o = await runCase(sb, loaded.value, undefined, { id: `v6f-${i}`, category: 'ipv6-family', req, ...(req.protocol.kind === 'arp' ? { sizeDependent: true } : {}) });
      const what = `${req.from} → ${req.to} ${req.protocol.kind}`;
      expect(o.error, what).toBeUndefined();
      expect(o.hopDiffs, what).toEqual([]);
      expect(o.logicalDiffs, what).toEqual([]);
    }
    // The verdicts behind the comparisons: v6a1 is an admin (as_v6_admin), v6b1 is not; --arp to an
    // IPv6 address is a neighbour solicitation the router answers.
    const one = async (req: (typeof cases)[number]) => JSON.parse((await runCli(['trace', '-s', snap, '--from', req.from, '--to', req.to, `--${req.protocol.kind}`, ...('port' in req.protocol ? [String(req.protocol.port)] : []), '--json'])).stdout);
    expect((await one(cases[1]!)).verdict).toBe('delivered');
    // --to the router's own IPv6 address: its echo reply comes back to the sender, and the verdict says it answered.
    const ping6 = await runCli(['trace', '-s', snap, '--from', 'v6b1', '--to', '2001:db8:5::1', '--minimal']);
    expect(ping6.stdout.trim()).toBe('delivered: router lr6 answered (echo reply back to the sender): delivered to v6b1 (hv2 v6b1)');
    const ns = await one(cases[3]!);
    expect(ns.input).toMatch(/,icmp6,.*,icmpv6_type=135,icmpv6_code=0,nd_target=2001:db8:5:1::1,/);
  }, 300_000);
});
