// `trace --arp` to a load-balancer VIP in the sender's own subnet (the ipv6 topology plus load
// balancers): an ARP request / neighbour solicitation is reached when it is answered. OVN's
// routers answer for the VIPs of their load balancers (lr_in_ip_input: `arp.tpa == $_rtr_lb_N_ip4`
// => ARP reply out of the inport; `nd.target == $_rtr_lb_N_ip6` => nd_na); its switches answer for
// no VIP (ls_in_arp_rsp answers for port addresses), so a switch-only load balancer's VIP is
// flooded and nobody answers — the copy that reaches a backend is not an answer. Collected with the
// real CLI; the answer (or its absence) is checked with live ovn-trace, every host run with live
// ofproto/trace, and the logical outcome with ovn-trace.
//
//   npx vitest run --project live test/trace/lb-vip-arp.live.test.ts

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

// v6-a is 10.5.0.0/24 + 2001:db8:5::/64 (v6a1 = .11 / ::11 and v6a2 on hv1; v6a3 = .13 / ::13 and
// v6a4 on hv2); lr6-a is lr6's port on it.
function topology(): Topology {
  const t = ipv6();
  return {
    ...t,
    name: 'ipv6-lb-vip-arp',
    loadBalancers: [
      { name: 'lb4', protocol: 'tcp', vips: { '10.5.0.100:80': ['10.5.0.13:8080'] }, switches: ['v6-a'], routers: ['lr6'] },
      { name: 'lb6', protocol: 'tcp', vips: { '[2001:db8:5::100]:80': ['[2001:db8:5::13]:8080'] }, switches: ['v6-a'], routers: ['lr6'] },
      // On the switch only: nobody answers ARP/ND for these. Backed by v6a3, which gets a flooded copy.
      { name: 'lbsw4', protocol: 'tcp', vips: { '10.5.0.200:80': ['10.5.0.13:8080'] }, switches: ['v6-a'] },
      { name: 'lbsw6', protocol: 'tcp', vips: { '[2001:db8:5::200]:80': ['[2001:db8:5::13]:8080'] }, switches: ['v6-a'] },
    ],
  };
}

const V6A1_MAC = '0a:00:05:00:00:11';
const arpExpr = (tpa: string) => `inport == "v6a1" && eth.src == ${V6A1_MAC} && eth.dst == ff:ff:ff:ff:ff:ff && arp && arp.op == 1 && arp.spa == 10.5.0.11 && arp.tpa == ${tpa} && arp.sha == ${V6A1_MAC}`;
/** The solicited-node multicast address and MAC of 2001:db8:5::X00 (X = 1, 2). */
const nsExpr = (x: 1 | 2) =>
  `inport == "v6a1" && eth.src == ${V6A1_MAC} && eth.dst == 33:33:ff:00:0${x}:00 && ip6.src == 2001:db8:5::11 && ip6.dst == ff02::1:ff00:${x}00 && ip.ttl == 255 && icmp6 && icmp6.type == 135 && icmp6.code == 0 && nd.target == 2001:db8:5::${x}00 && nd.sll == ${V6A1_MAC}`;

describe.skipIf(!live)('trace --arp to a load-balancer VIP in the sender’s own subnet', () => {
  const sandboxes = useSandboxes();
  let work: string | undefined;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('is reached when the router answers for its load balancer’s VIP, and not when nobody does (a switch-only load balancer), as ovn-trace says', async () => {
    const { sandbox: sb } = await sandboxes.startTopology(topology());
    work = await mkdtemp(join(tmpdir(), 'ovnscope-lbvip-arp-'));
    const snap = await collectSandboxWithCli(sb, work);

    // The premise, from live ovn-trace: lr6 answers the ARP for its VIP (arp.op = 2, out of v6a1)
    // and the NS for its IPv6 VIP (nd_na); for the switch-only VIPs nothing answers, and the
    // request is only flooded — v6a3, the backend, gets a copy.
    const answered4 = await sb.ovnTrace('--minimal', 'v6-a', arpExpr('10.5.0.100'));
    expect(answered4).toMatch(/arp\.op = 2;[\s\S]*output\("v6a1"\)/);
    const flooded4 = await sb.ovnTrace('--minimal', 'v6-a', arpExpr('10.5.0.200'));
    expect(flooded4).not.toMatch(/arp\.op = 2|output\("v6a1"\)/);
    expect(flooded4).toContain('output("v6a3")');
    expect(await sb.ovnTrace('--minimal', 'v6-a', nsExpr(1))).toMatch(/nd_na \{/);
    const flooded6 = await sb.ovnTrace('--minimal', 'v6-a', nsExpr(2));
    expect(flooded6).not.toMatch(/nd_na|output\("v6a1"\)/);
    expect(flooded6).toContain('output("v6a3")');

    const traced = async (vip: string) => {
      const r = await runCli(['trace', '-s', snap, '--from', 'v6a1', '--to', vip, '--arp', '--json']);
      const text = await runCli(['trace', '-s', snap, '--from', 'v6a1', '--to', vip, '--arp', '--minimal']);
      return { code: r.code, json: JSON.parse(r.stdout), line: text.stdout.trim(), textCode: text.code };
    };
    for (const [vip, answer] of [['10.5.0.100', 'reply'], ['2001:db8:5::100', 'neighbour-advertisement']] as const) {
      const t = await traced(vip);
      expect(t.code, `${vip}: ${t.line}`).toBe(0);
      expect(t.json, vip).toMatchObject({ verdict: 'delivered', reachedDestination: true, arpAnswer: answer });
      expect(t.line, vip).toMatch(/^delivered: answered \((ARP reply|ovn-controller sends the neighbour advertisement) back to the sender; the other ports got the flooded request\): /);
    }
    // The router's own IPv6 address: the switch hands the solicitation to ovn-controller
    // (nd_na_router), a punt that is the answer — exit 0 as the man page says, like the ARP reply.
    const own6 = await traced('2001:db8:5::1');
    expect(own6.json, own6.line).toMatchObject({ reachedDestination: true, arpAnswer: 'neighbour-advertisement' });
    expect(own6.code, own6.line).toBe(0);
    expect(own6.textCode, own6.line).toBe(0);
    expect(own6.line).toMatch(/^controller: router \S+ answered \(ovn-controller sends the neighbour advertisement back to the sender\): punted to ovn-controller: ND_NA_ROUTER /);
    for (const vip of ['10.5.0.200', '2001:db8:5::200']) {
      const t = await traced(vip);
      const what = vip.includes(':') ? 'the neighbour solicitation' : 'the ARP request';
      expect(t.code, `${vip}: ${t.line}`).toBe(1);
      expect(t.textCode, vip).toBe(1);
      expect(t.json, vip).toMatchObject({ verdict: 'delivered', reachedDestination: false, arpAnswer: 'none' });
      // The backend got a flooded copy, and that is not an answer.
      expect(t.json.delivered.map((d: { logicalPort?: string }) => d.logicalPort), vip).toContain('v6a3');
      expect(t.line, vip).toMatch(new RegExp(` — nobody answered ${what} for ${vip.replace(/\./g, '\\.')} \\(only the flooded request was delivered\\)$`));
      expect(t.json.warnings.join('\n'), vip).toMatch(new RegExp(`nobody answers (ARP|ND) for ${vip.replace(/\./g, '\\.')} on v6-a: it is VIP .* of load balancer lbsw[46], which is on no router with a port on v6-a`));
    }

    // The oracle, hop by hop (ofproto/trace) and logically (ovn-trace): the same ports get the
    // request (and, for the router's VIP, v6a1 its ARP reply).
    const loaded = await loadSnapshot(snap);
    if (!loaded.ok) throw new Error(loaded.error.message);
    for (const [i, to] of ['10.5.0.100', '10.5.0.200', '2001:db8:5::100', '2001:db8:5::200'].entries()) {
      const o = await runCase(sb, loaded.value, undefined, { id: `lbvip-arp-${i}`, category: 'lb-vip-arp', req: { from: 'v6a1', to, protocol: { kind: 'arp' as const } } });
      expect(o.error, to).toBeUndefined();
      expect(o.hopDiffs, to).toEqual([]);
      expect(o.logicalDiffs, to).toEqual([]);
      expect(o.logicalCompared, `${to}: ${o.notComparable.join('; ')}`).toBeGreaterThan(0);
    }
  }, 300_000);
});
