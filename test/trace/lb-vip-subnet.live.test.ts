// A load-balancer VIP inside the sender's own subnet (the ipv6 topology plus load balancers): the
// guest ARPs for it, OVN's router answers for the VIPs of its load balancers with the MAC of its
// port on that switch, and the packet goes there — not flooded past the load balancer. Collected
// with the real CLI; the ARP answer is checked with live ofproto/trace and the SB, every host run
// of the trace with live ofproto/trace and the logical outcome with ovn-trace.
//
//   npx vitest run --project live test/trace/lb-vip-subnet.live.test.ts

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { collectSandboxWithCli } from '../collect/sandbox-inventory.js';
import { runCli } from '../harness/cli.js';
import { ipv6 } from '../harness/topologies.js';
import type { Topology } from '../harness/topology.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';
import { runCase } from './cross-compare.js';

const live = liveSuiteGuard();

// v6-a is 10.5.0.0/24 + 2001:db8:5::/64 (v6a1, v6a2 on hv1; v6a3 = .13 / ::13, v6a4 on hv2);
// lr6-a (0a:00:05:ff:00:01) is lr6's port on it; v6b1 (10.5.1.11, 2001:db8:5:1::11) is behind lr6.
const LR6_A_MAC = '0a:00:05:ff:00:01';
function topology(): Topology {
  const t = ipv6();
  return {
    ...t,
    name: 'ipv6-lb-vip',
    loadBalancers: [
      { name: 'lb4', protocol: 'tcp', vips: { '10.5.0.100:80': ['10.5.0.13:8080', '10.5.1.11:8080'] }, switches: ['v6-a'], routers: ['lr6'] },
      { name: 'lb6', protocol: 'tcp', vips: { '[2001:db8:5::100]:80': ['[2001:db8:5::13]:8080', '[2001:db8:5:1::11]:8080'] }, switches: ['v6-a'], routers: ['lr6'] },
      // Port-less, so its backends are bare IPv6 addresses.
      { name: 'lbp6', vips: { '2001:db8:5::101': ['2001:db8:5::13', '2001:db8:5:1::11'] }, switches: ['v6-a'], routers: ['lr6'] },
      // On the switch only: no router answers ARP/ND for these.
      { name: 'lbsw4', protocol: 'tcp', vips: { '10.5.0.200:80': ['10.5.0.13:8080'] }, switches: ['v6-a'] },
      { name: 'lbsw6', protocol: 'tcp', vips: { '[2001:db8:5::200]:80': ['[2001:db8:5::13]:8080'] }, switches: ['v6-a'] },
    ],
  };
}

describe.skipIf(!live)('trace --to a load-balancer VIP in the sender’s own subnet', () => {
  const sandboxes = useSandboxes();
  let work: string | undefined;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('goes to the MAC of the router port that answers ARP/ND for the VIP and is load-balanced, as ofproto/trace and ovn-trace do; a VIP nobody answers for is said so', async () => {
    const { sandbox: sb } = await sandboxes.startTopology(topology());
    work = await mkdtemp(join(tmpdir(), 'ovnscope-lbvip-'));
    const snap = await collectSandboxWithCli(sb, work);

    // The premise, from the live system: lr6 answers an ARP for the IPv4 VIP with lr6-a's MAC
    // (ofproto/trace's datapath actions rewrite the request into the reply), and none for the
    // switch-only one; for IPv6 the answer is nd_na (a controller action), so the SB says it:
    // lr_in_ip_input answers NS on lr6-a for the address set holding the router's VIPs.
    const arpFor = (tpa: string) => `in_port=v6a1,arp,dl_src=0a:00:05:00:00:11,dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=10.5.0.11,arp_tpa=${tpa},arp_sha=0a:00:05:00:00:11`;
    expect(await sb.ofprotoTrace('hv1', arpFor('10.5.0.100'))).toMatch(new RegExp(`Datapath actions: .*set\\(arp\\(sip=10\\.5\\.0\\.100,tip=10\\.5\\.0\\.11,op=2,sha=${LR6_A_MAC}`));
    expect(await sb.ofprotoTrace('hv1', arpFor('10.5.0.200'))).not.toMatch(/op=2/);
    const lflows = await sb.sbctl('lflow-list', 'lr6');
    const set6 = /inport == "lr6-a" && nd_ns && nd\.target == \$(_rtr_lb_\d+_ip6)\), action=\(nd_na/.exec(lflows)?.[1];
    expect(set6, lflows).toBeDefined();
    const addrs = await sb.sbctl('get', 'Address_Set', set6!, 'addresses');
    expect(addrs).toContain('2001:db8:5::100');
    expect(addrs).not.toContain('2001:db8:5::200');

    for (const vip of ['10.5.0.100', '2001:db8:5::100']) {
      const r = await runCli(['trace', '-s', snap, '--from', 'v6a1', '--to', vip, '--tcp', '80', '--json']);
      expect(r.code, `${vip}: ${r.stdout}${r.stderr}`).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.packet, vip).toMatchObject({ dlDst: LR6_A_MAC, nwDst: vip });
      expect(j.warnings.join('\n'), vip).toContain(`router lr6 answers ARP/ND for it (load balancer ${vip.includes(':') ? 'lb6' : 'lb4'} is on router lr6): the guest sends to lr6-a's MAC ${LR6_A_MAC}`);
      // Load-balanced: one backend (the first bucket), not a flood to every port of v6-a.
      expect(j.delivered.map((d: { logicalPort?: string }) => d.logicalPort), vip).toEqual(['v6a3']);
      // --lb-dst is honoured: the backend behind the router.
      const remote = vip.includes(':') ? '[2001:db8:5:1::11]:8080' : '10.5.1.11:8080';
      const chosen = await runCli(['trace', '-s', snap, '--from', 'v6a1', '--to', vip, '--tcp', '80', '--lb-dst', remote, '--json']);
      expect(chosen.code, chosen.stderr).toBe(0);
      expect(JSON.parse(chosen.stdout).delivered.map((d: { logicalPort?: string }) => d.logicalPort)).toEqual(['v6b1']);
    }
    // --lb-dst with a bare IPv6 address (any port), and a port-less VIP whose backends are bare
    // IPv6 addresses: delivered to that backend, which is --to's (exit 0).
    for (const vip of ['2001:db8:5::100', '2001:db8:5::101']) {
      const r = await runCli(['trace', '-s', snap, '--from', 'v6a1', '--to', vip, '--tcp', '80', '--lb-dst', '2001:db8:5:1::11', '--json']);
      expect(r.code, `${vip}: ${r.stdout}${r.stderr}`).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.delivered.map((d: { logicalPort?: string }) => d.logicalPort), vip).toEqual(['v6b1']);
      expect(j.reachedDestination, vip).toBe(true);
      // The port-less VIP balances TCP port 80 too (its last group, 101, is no port).
      expect(j.warnings.join('\n'), vip).not.toMatch(/does not match the VIP/);
    }
    for (const vip of ['10.5.0.200', '2001:db8:5::200']) {
      const r = await runCli(['trace', '-s', snap, '--from', 'v6a1', '--to', vip, '--tcp', '80']);
      expect(r.code, `${vip}: ${r.stdout}`).toBe(1);
      expect(r.stderr.replace(/\s*›\s*/g, ' '), vip).toMatch(/no router port on v6-a answers ARP\/ND for it .*goes unanswered and it never sends this packet/);
    }

    // The oracle, hop by hop (ofproto/trace) and logically (ovn-trace).
    const loaded = await loadSnapshot(snap);
    if (!loaded.ok) throw new Error(loaded.error.message);
    const cases = [
      { from: 'v6a1', to: '10.5.0.100', protocol: { kind: 'tcp' as const, port: 80 } },
      { from: 'v6a1', to: '10.5.0.100', protocol: { kind: 'tcp' as const, port: 80 }, lbDst: '10.5.1.11:8080' },
      { from: 'v6a1', to: '2001:db8:5::100', protocol: { kind: 'tcp' as const, port: 80 } },
      { from: 'v6a1', to: '2001:db8:5::100', protocol: { kind: 'tcp' as const, port: 80 }, lbDst: '[2001:db8:5:1::11]:8080' },
      { from: 'v6a1', to: '2001:db8:5::101', protocol: { kind: 'tcp' as const, port: 80 }, lbDst: '2001:db8:5:1::11' },
    ];
    for (const [i, req] of cases.entries()) {
      const o = await runCase(sb, loaded.value, undefined, { id: `lbvip-${i}`, category: 'lb-vip-subnet', req });
      const what = `${req.to}${req.lbDst ? ` --lb-dst ${req.lbDst}` : ''}`;
      expect(o.error, what).toBeUndefined();
      expect(o.hopDiffs, what).toEqual([]);
      expect(o.logicalDiffs, what).toEqual([]);
      expect(o.logicalCompared, `${what}: ${o.notComparable.join('; ')}`).toBeGreaterThan(0);
      expect(o.verdict, what).toBe('delivered');
    }
  }, 300_000);
});
