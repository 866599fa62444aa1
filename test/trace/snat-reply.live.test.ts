// `trace --reply` through a NAT the request set up, on a real OVN sandbox: a gateway router (as
// OVN-Kubernetes has one per node) SNATs a pod subnet to its external IP and has a NodePort-like
// load balancer on that IP with lb_force_snat_ip=router_ip. The reply of the pod's egress must be
// un-SNATed (lr_in_unsnat's ct_snat) and reach the pod; the NodePort reply un-SNATed, then
// un-DNATed (lr_out_undnat's ct_dnat), and leave toward the client from the VIP. Collected with
// the real CLI; every host run is replayed with live ofproto/trace (the runs the conntrack model
// un-NATed up to that recirculation: ofproto/trace cannot un-NAT); what ofproto/trace cannot show
// is checked against ovn-trace on the un-NATed packet.
//
//   npx vitest run --project live test/trace/snat-reply.live.test.ts

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { collectSandboxWithCli } from '../collect/sandbox-inventory.js';
import { runCli } from '../harness/cli.js';
import type { Topology } from '../harness/topology.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';
import { runCase } from './cross-compare.js';

const live = liveSuiteGuard();

const POD = { port: 'p1', mac: '0a:00:07:01:00:11', ip: '10.7.1.11' };
const GR_EXT = { mac: '0a:00:07:ff:ff:01', ip: '172.16.7.1' };
const CLIENT = '172.16.7.50';

function topology(): Topology {
  return {
    name: 'snat-reply',
    description: 'one chassis; pods 10.7.1.0/24 (p1) behind gateway router gr (SNAT to 172.16.7.1, NodePort 172.16.7.1:30080 → p1:8080 with lb_force_snat_ip=router_ip) on ext + localnet physnet1',
    chassis: [{ name: 'hv1', bridgeMappings: { physnet1: 'br-ex' } }],
    switches: [
      {
        name: 'pods',
        subnet: '10.7.1.0/24',
        ports: [
          { name: POD.port, addresses: [`${POD.mac} ${POD.ip}`], externalIds: { pod: 'true', namespace: 'ns' }, bind: { chassis: 'hv1' } },
          { name: 'pods-gr', type: 'router', routerPort: 'gr-pods', addresses: ['router'] },
        ],
      },
      {
        name: 'ext',
        ports: [
          { name: 'ext-gr', type: 'router', routerPort: 'gr-ext', addresses: ['router'] },
          { name: 'ext-localnet', type: 'localnet', networkName: 'physnet1', addresses: ['unknown'] },
        ],
      },
    ],
    routers: [
      {
        name: 'gr',
        chassis: 'hv1',
        options: { lb_force_snat_ip: 'router_ip' },
        ports: [
          { name: 'gr-pods', mac: '0a:00:07:ff:01:01', networks: ['10.7.1.1/24'] },
          { name: 'gr-ext', mac: GR_EXT.mac, networks: [`${GR_EXT.ip}/24`] },
        ],
        staticRoutes: [{ prefix: '0.0.0.0/0', nexthop: '172.16.7.254' }],
        nat: [{ type: 'snat', externalIp: GR_EXT.ip, logicalIp: '10.7.1.0/24' }],
      },
    ],
    loadBalancers: [{ name: 'nodeport', protocol: 'tcp', vips: { [`${GR_EXT.ip}:30080`]: [`${POD.ip}:8080`] }, routers: ['gr'] }],
    // The next hop and the client have MACs (as learned neighbours would), so nothing waits on ARP.
    nbctl: [
      ['static-mac-binding-add', 'gr-ext', '172.16.7.254', '02:00:00:07:00:fe'],
      ['static-mac-binding-add', 'gr-ext', CLIENT, '02:00:00:07:00:50'],
    ],
  };
}

interface Hop {
  host: string;
  bridge: string;
  ctNext?: string[];
  ctNat?: { rewrite: string; text: string; committed: string; replayable: boolean }[];
  finalFlow: string;
}
interface Report {
  verdict: string;
  reachedDestination?: boolean;
  hops: Hop[];
  delivered: { logicalPort?: string; kind: string }[];
  reply?: Report;
}

describe.skipIf(!live)('trace --reply through a NAT the request set up (gateway router SNAT, NodePort with lb_force_snat)', () => {
  const sandboxes = useSandboxes();
  let work: string | undefined;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('un-SNATs the reply of a pod’s egress and un-SNATs + un-DNATs a NodePort reply, as conntrack does; the rest agrees with ofproto/trace and ovn-trace', async () => {
    const { sandbox: sb } = await sandboxes.startTopology(topology());
    work = await mkdtemp(join(tmpdir(), 'ovnscope-snat-reply-'));
    const snap = await collectSandboxWithCli(sb, work);
    const traced = async (args: string[]) => {
      const r = await runCli(['trace', '-s', snap, ...args, '--reply', '--json']);
      if (!r.stdout.trim()) throw new Error(`trace ${args.join(" ")}: exit ${r.code}: ${r.stderr}`);
      return { code: r.code, json: JSON.parse(r.stdout) as Report, stderr: r.stderr };
    };
    const nats = (r: Report) => r.hops.flatMap((h) => h.ctNat ?? []);

    // 1. The pod's egress: SNATed to the router's IP on the way out; the reply to 172.16.7.1 is
    // un-SNATed (dst back to the pod) by lr_in_unsnat's ct(nat) and delivered to p1: exit 0.
    const egress = await traced(['--from', POD.port, '--to', '8.8.8.8', '--tcp', '80']);
    expect(egress.json.verdict, egress.stderr).toBe('delivered');
    expect(egress.json.delivered.map((d) => d.kind)).toContain('physical');
    const leaving = egress.json.hops.find((h) => h.bridge === 'br-ex') ?? egress.json.hops[0]!;
    expect(egress.json.hops.some((h) => /(^|,)nw_src=172\.16\.7\.1(,|$)/.test(h.finalFlow)), leaving.finalFlow).toBe(true);
    const back = egress.json.reply!;
    expect(back).toMatchObject({ verdict: 'delivered', reachedDestination: true });
    expect(back.delivered.map((d) => d.logicalPort)).toContain(POD.port);
    expect(nats(back)).toEqual([expect.objectContaining({ rewrite: 'un-snat', text: `un-SNAT dst ${GR_EXT.ip} → ${POD.ip}`, replayable: false })]);
    expect(nats(back)[0]!.committed).toMatch(/^reply of the connection committed in hop \d+ \(hv1 br-int\) of the forward trace$/);
    // OVS sets dnat on a reply it un-SNATed (un_nat_packet: the destination was rewritten).
    expect(back.hops.flatMap((h) => h.ctNext ?? [])).toContain('est,rpl,trk,dnat');
    expect(egress.code).toBe(0);

    // 2. NodePort: the client → 172.16.7.1:30080 is DNATed to p1:8080 and, lb_force_snat_ip, SNATed
    // to the router's port IP toward the pods; p1's reply is un-SNATed then un-DNATed back to
    // 172.16.7.1:30080 → the client, and leaves through the uplink: exit 0.
    const nodeport = await traced(['--from', CLIENT, '--to', GR_EXT.ip, '--tcp', '30080']);
    expect(nodeport.json.verdict, nodeport.stderr).toBe('delivered');
    expect(nodeport.json.delivered.map((d) => d.logicalPort)).toContain(POD.port);
    const npBack = nodeport.json.reply!;
    expect(npBack.verdict).toBe('delivered');
    expect(npBack.delivered.map((d) => d.kind)).toContain('physical');
    expect(nats(npBack).map((n) => n.rewrite)).toEqual(['un-snat', 'un-dnat']);
    expect(nats(npBack)[1]!.text).toBe(`un-DNAT src ${POD.ip} → ${GR_EXT.ip}, tp_src 8080 → 30080`);
    expect(npBack.hops.some((h) => new RegExp(`(^|,)nw_src=${GR_EXT.ip.replace(/\./g, '\\.')},.*nw_dst=${CLIENT.replace(/\./g, '\\.')}(,|$)`).test(h.finalFlow))).toBe(true);
    expect(nodeport.code).toBe(0);

    // 3. The oracle, host run by host run: live ofproto/trace with the same input and --ct-next
    // states agrees with every forward run, and with the reply runs up to the recirculation the
    // model un-NATed at (ofproto/trace resumes it, and cannot un-NAT).
    const loaded = await loadSnapshot(snap);
    if (!loaded.ok) throw new Error(loaded.error.message);
    for (const [i, req] of [
      { from: POD.port, to: '8.8.8.8', protocol: { kind: 'tcp' as const, port: 80 }, reply: true },
      { from: CLIENT, to: GR_EXT.ip, protocol: { kind: 'tcp' as const, port: 30080 }, reply: true },
    ].entries()) {
      const o = await runCase(sb, loaded.value, undefined, { id: `snat-reply-${i}`, category: 'snat-reply', req });
      expect(o.error, req.to).toBeUndefined();
      expect(o.hopDiffs, req.to).toEqual([]);
      expect(o.unNatRuns, req.to).toBeGreaterThan(0);
    }

    // 4. What ofproto/trace cannot show, ovn-trace can: the un-SNATed reply (to the pod's address,
    // as conntrack leaves it) entering gr from ext reaches p1; the one still addressed to the SNAT
    // IP, as a trace that does not un-NAT would carry on, does not (ovn-trace's --ct=est,rpl makes
    // it est+rpl, not un-NATed: what ovnscope did before).
    const ext = `inport == "ext-localnet" && eth.src == 02:00:00:07:00:fe && eth.dst == ${GR_EXT.mac} && ip4.src == 8.8.8.8 && ip.ttl == 64 && tcp && tcp.src == 80 && tcp.dst == 40000`;
    const unNated = await sb.ovnTrace('--minimal', '--ct=est,rpl', '--ct=est,rpl', '--ct=est,rpl', '--ct=est,rpl', 'ext', `${ext} && ip4.dst == ${POD.ip}`);
    expect(unNated).toContain(`output("${POD.port}")`);
  }, 300_000);
});
