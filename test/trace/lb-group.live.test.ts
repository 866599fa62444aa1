// Load balancers attached the way OVN-Kubernetes attaches them: through NB Load_Balancer_Group (the
// `load_balancer_group` column of the switch and the router), with nothing in `load_balancer`. The
// topology of lb-vip-subnet.live.test.ts (a VIP inside the sender's own subnet), built with groups:
// collected with the real CLI, the router's ARP answer checked with live ofproto/trace, every host
// run of the trace with live ofproto/trace and the logical outcome with ovn-trace. The group also
// holds a NodePort-style VIP on the router port's own address and two load balancers on one VIP
// address with different ports: --to IP is the VIP the packet's protocol and port match.
//
//   npx vitest run --project live test/trace/lb-group.live.test.ts

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
/** The load balancers, attached to nothing here: the groups below attach them. */
function topology(): Topology {
  const t = ipv6();
  return {
    ...t,
    name: 'ipv6-lb-group',
    loadBalancers: [
      { name: 'lb4', protocol: 'tcp', vips: { '10.5.0.100:80': ['10.5.0.13:8080', '10.5.1.11:8080'] } },
      { name: 'lb6', protocol: 'tcp', vips: { '[2001:db8:5::100]:80': ['[2001:db8:5::13]:8080', '[2001:db8:5:1::11]:8080'] } },
      { name: 'lbsw4', protocol: 'tcp', vips: { '10.5.0.200:80': ['10.5.0.13:8080'] } },
      // OVN-Kubernetes NodePort: a VIP on the router's own address (lr6-a is 10.5.0.1).
      { name: 'lbnp', protocol: 'tcp', vips: { '10.5.0.1:30080': ['10.5.1.11:8080'] } },
      // Two Services on one ClusterIP with different ports.
      { name: 'lbs2', protocol: 'tcp', vips: { '10.5.0.104:81': ['10.5.1.11:8080'] } },
      { name: 'lbs1', protocol: 'tcp', vips: { '10.5.0.104:80': ['10.5.0.13:8080'] } },
    ],
  };
}

describe.skipIf(!live)('trace --to a VIP of a load balancer attached through a Load_Balancer_Group', () => {
  const sandboxes = useSandboxes();
  let work: string | undefined;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('goes to the MAC of the router port that answers for the VIP and is load-balanced, as ofproto/trace and ovn-trace do; a switch-only group’s VIP is said so', async () => {
    const { sandbox: sb } = await sandboxes.startTopology(topology());
    // As OVN-Kubernetes does: a cluster-wide group on the switch and the router, a switch-only one.
    const uuid = async (table: string, name: string) => (await sb.nbctl('--bare', '--columns=_uuid', 'find', table, `name=${name}`)).trim();
    const [lb4, lb6, lbsw4, lbnp, lbs2, lbs1] = await Promise.all(['lb4', 'lb6', 'lbsw4', 'lbnp', 'lbs2', 'lbs1'].map((n) => uuid('Load_Balancer', n)));
    const cluster = (await sb.nbctl('create', 'Load_Balancer_Group', 'name=clusterLBGroup', `load_balancer=[${lb4},${lb6},${lbnp},${lbs2},${lbs1}]`)).trim();
    const switchOnly = (await sb.nbctl('create', 'Load_Balancer_Group', 'name=clusterSwitchLBGroup', `load_balancer=${lbsw4}`)).trim();
    await sb.nbctl('add', 'Logical_Switch', 'v6-a', 'load_balancer_group', cluster, switchOnly);
    await sb.nbctl('add', 'Logical_Router', 'lr6', 'load_balancer_group', cluster);
    await sb.sync();
    // The premise: nothing is attached directly.
    expect((await sb.nbctl('--bare', '--columns=load_balancer', 'list', 'Logical_Switch', 'v6-a')).trim()).toBe('');
    expect((await sb.nbctl('--bare', '--columns=load_balancer', 'list', 'Logical_Router', 'lr6')).trim()).toBe('');

    work = await mkdtemp(join(tmpdir(), 'ovnscope-lbgroup-'));
    const snap = await collectSandboxWithCli(sb, work);
    const loaded = await loadSnapshot(snap);
    if (!loaded.ok) throw new Error(loaded.error.message);
    expect(loaded.value.nb!.loadBalancerGroups!.map((g) => [g.name, g.loadBalancer.length]).sort()).toEqual([
      ['clusterLBGroup', 5],
      ['clusterSwitchLBGroup', 1],
    ]);

    // From the live system: lr6 answers an ARP for the group's IPv4 VIP with lr6-a's MAC, and none
    // for the switch-only group's VIP.
    const arpFor = (tpa: string) => `in_port=v6a1,arp,dl_src=0a:00:05:00:00:11,dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=10.5.0.11,arp_tpa=${tpa},arp_sha=0a:00:05:00:00:11`;
    expect(await sb.ofprotoTrace('hv1', arpFor('10.5.0.100'))).toMatch(new RegExp(`Datapath actions: .*set\\(arp\\(sip=10\\.5\\.0\\.100,tip=10\\.5\\.0\\.11,op=2,sha=${LR6_A_MAC}`));
    expect(await sb.ofprotoTrace('hv1', arpFor('10.5.0.200'))).not.toMatch(/op=2/);

    for (const [vip, lb] of [['10.5.0.100', 'lb4'], ['2001:db8:5::100', 'lb6']] as const) {
      const r = await runCli(['trace', '-s', snap, '--from', 'v6a1', '--to', vip, '--tcp', '80', '--json']);
      expect(r.code, `${vip}: ${r.stdout}${r.stderr}`).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.packet, vip).toMatchObject({ dlDst: LR6_A_MAC, nwDst: vip });
      expect(j.warnings.join('\n'), vip).toContain(`router lr6 answers ARP/ND for it (load balancer ${lb} is on router lr6): the guest sends to lr6-a's MAC ${LR6_A_MAC}`);
      expect(j.delivered.map((d: { logicalPort?: string }) => d.logicalPort), vip).toEqual(['v6a3']);
    }
    const sw = await runCli(['trace', '-s', snap, '--from', 'v6a1', '--to', '10.5.0.200', '--tcp', '80']);
    expect(sw.code, sw.stdout).toBe(1);
    expect(sw.stderr.replace(/\s*›\s*/g, ' ')).toMatch(/no router port on v6-a answers ARP\/ND for it \(lbsw4 is on v6-a, .*goes unanswered and it never sends this packet/);

    // --to IP picks the VIP whose protocol and port the packet has: the NodePort on lr6-a's own
    // address (the router port for anything else), and of lbs1/lbs2 on 10.5.0.104 the one with
    // its port. Where each packet goes is checked against ovn-trace with the cases below.
    const to = async (ip: string, ...proto: string[]) => {
      const r = await runCli(['trace', '-s', snap, '--from', 'v6a1', '--to', ip, ...proto, '--json']);
      const j = JSON.parse(r.stdout);
      return { code: r.code, kind: j.to.kind, lb: j.to.lb?.name, delivered: j.delivered.map((d: { logicalPort?: string }) => d.logicalPort), out: `${r.stdout}${r.stderr}` };
    };
    expect(await to('10.5.0.1', '--tcp', '30080')).toMatchObject({ code: 0, kind: 'lb-vip', lb: 'lbnp', delivered: ['v6b1'] });
    expect(await to('10.5.0.1', '--icmp')).toMatchObject({ code: 0, kind: 'router', delivered: ['v6a1'] });
    expect(await to('10.5.0.104', '--tcp', '80')).toMatchObject({ code: 0, kind: 'lb-vip', lb: 'lbs1', delivered: ['v6a3'] });
    expect(await to('10.5.0.104', '--tcp', '81')).toMatchObject({ code: 0, kind: 'lb-vip', lb: 'lbs2', delivered: ['v6b1'] });

    // The oracle, hop by hop (ofproto/trace) and logically (ovn-trace).
    const cases = [
      { from: 'v6a1', to: '10.5.0.1', protocol: { kind: 'tcp' as const, port: 30080 } },
      { from: 'v6a1', to: '10.5.0.104', protocol: { kind: 'tcp' as const, port: 80 } },
      { from: 'v6a1', to: '10.5.0.104', protocol: { kind: 'tcp' as const, port: 81 } },
      { from: 'v6a1', to: '10.5.0.100', protocol: { kind: 'tcp' as const, port: 80 } },
      { from: 'v6a1', to: '10.5.0.100', protocol: { kind: 'tcp' as const, port: 80 }, lbDst: '10.5.1.11:8080' },
      { from: 'v6a1', to: '2001:db8:5::100', protocol: { kind: 'tcp' as const, port: 80 } },
    ];
    for (const [i, req] of cases.entries()) {
      const o = await runCase(sb, loaded.value, undefined, { id: `lbgroup-${i}`, category: 'lb-group', req });
      const what = `${req.to}${req.lbDst ? ` --lb-dst ${req.lbDst}` : ''}`;
      expect(o.error, what).toBeUndefined();
      expect(o.hopDiffs, what).toEqual([]);
      expect(o.logicalDiffs, what).toEqual([]);
      expect(o.logicalCompared, `${what}: ${o.notComparable.join('; ')}`).toBeGreaterThan(0);
      expect(o.verdict, what).toBe('delivered');
    }
  }, 300_000);
});
