// `trace` on what Neutron's OVN driver builds (test/trace/neutron-topology.ts: neutron-<uuid>
// switches and router, pg_<sg> port groups + neutron_pg_drop, remote groups as address sets, a
// router gateway port on provider network physnet1 with one gateway chassis hv3, SNAT, a
// centralized and a distributed floating IP, metadata localports, an allowed address pair, Neutron
// DHCP options) on a real 3-chassis sandbox, collected with the real CLI. Every case is traced
// with the CLI (`trace … --json`, its verdict, exit code and names checked) and the same request
// compared by cross-compare.ts: each host run replayed with live `ovs-appctl ofproto/trace` on its
// chassis (including the run entering hv2's br-ex from its uplink when a packet is followed over
// the provider network), and the logical outcome with live `ovn-trace` where it can decide.
//
//   npx vitest run --project live test/trace/neutron.live.test.ts

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/model/snapshot.js';
import { createTraceContext, type TraceExtras } from '../../src/services/trace.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { collectSandboxWithCli } from '../collect/sandbox-inventory.js';
import { runCli } from '../harness/cli.js';
import type { Sandbox } from '../harness/sandbox.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';
import { runCase, type Outcome } from './cross-compare.js';
import type { EndpointCase } from './cross-lib.js';
import { LS, neutron, pgName, U } from './neutron-topology.js';

const live = liveSuiteGuard();

const FIP_CENTRAL = '172.24.4.100'; // vm1's, logical_port without external_mac: on the gateway chassis
const FIP_DIST = '172.24.4.101'; // vm3's, logical_port + external_mac: on vm3's chassis
const FIP_DIST_MAC = 'fa:16:3e:aa:01:01';
const SNAT_IP = '172.24.4.10';
const OUTSIDE = '8.8.8.8';
const PROVNET = `provnet-${U.segP}`;

interface Output {
  port: string;
  kind: string;
  next?: { status: string; host?: string; hop?: number; network?: string; toward?: string };
}
interface Hop {
  index: number;
  host: string;
  bridge: string;
  entry?: { kind: string; port?: string };
  outputs: Output[];
  ctNat?: { rewrite: string; text: string }[];
  steps: { kind: string; text: string; nb?: { row?: Record<string, unknown> } }[];
  finalFlow: string;
}
interface Report {
  verdict: string;
  reachedDestination?: boolean;
  hops: Hop[];
  path?: { chassis: { chassis: string; roles: string[] }[] };
  delivered: { logicalPort?: string; host?: string; kind: string }[];
  drop?: { reason: string; explanation: string; nb?: { row?: Record<string, unknown> } };
  from?: { host?: string; localportHosts?: string[] };
  dhcpAnswer?: { answered: boolean; offer?: string; options?: Record<string, string> };
  reply?: Report;
}

describe.skipIf(!live)('trace on a Neutron-shaped OVN deployment vs live ofproto/trace and ovn-trace', () => {
  const sandboxes = useSandboxes();
  let sb: Sandbox;
  let work: string | undefined;
  let snap: string;
  let snapshot: Snapshot;
  let context: TraceExtras['context'];

  beforeAll(async () => {
    sb = (await sandboxes.startTopology(neutron())).sandbox;
    // The upstream router 172.24.4.1 learnt (as ovn-controller would after ARP), so nothing waits
    // on ARP; the metadata localport's tap on hv1 and hv2 (as ovn-metadata-agent creates it).
    const dp = (await sb.sbctl('--bare', '--columns=_uuid', 'find', 'Datapath_Binding', `external_ids:name=${LS(U.router)}`)).trim();
    await sb.sbctl('create', 'MAC_Binding', `logical_port=lrp-${U.gw}`, 'ip=172.24.4.1', 'mac="0a:00:00:00:ff:01"', `datapath=${dp}`);
    for (const h of ['hv1', 'hv2']) await sb.vsctl(h, 'add-port', 'br-int', 'tapmeta-a', '--', 'set', 'Interface', 'tapmeta-a', 'type=dummy', `external_ids:iface-id=${U.mdA}`);
    await sb.sync();
    work = await mkdtemp(join(tmpdir(), 'ovnscope-neutron-'));
    snap = await collectSandboxWithCli(sb, work);
    const loaded = await loadSnapshot(snap);
    if (!loaded.ok) throw new Error(loaded.error.message);
    snapshot = loaded.value;
    context = createTraceContext(snapshot);
  }, 300_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const traced = async (args: string[]) => {
    const r = await runCli(['trace', '-s', snap, ...args, '--json']);
    if (!r.stdout.trim()) throw new Error(`trace ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
    return { code: r.code, json: JSON.parse(r.stdout) as Report, stderr: r.stderr };
  };
  /** The same request compared with the live tools: no hop may disagree, nor the logical outcome. */
  const compared = async (id: string, req: EndpointCase['req']): Promise<Outcome> => {
    const o = await runCase(sb, snapshot, context, { id, category: 'neutron', req });
    expect(o.error, id).toBeUndefined();
    expect(o.hopDiffs, id).toEqual([]);
    return o;
  };
  const decided = (o: Outcome) => {
    expect(o.logicalDiffs, o.c.id).toEqual([]);
    expect(o.logicalCompared, `${o.c.id}: ${o.notComparable.join('; ')}`).toBe(o.c.req.reply ? 2 : 1);
  };
  const hostsOf = (r: Report) => r.hops.map((h) => `${h.host} ${h.bridge}`);

  it('VM → VM on one network across chassis, and across the router (east-west)', async () => {
    const l2 = await traced(['--from', U.vm1, '--to', U.vm2, '--icmp']);
    expect(l2.code, l2.stderr).toBe(0);
    expect(l2.json.delivered).toEqual([expect.objectContaining({ logicalPort: U.vm2, host: 'hv2' })]);
    expect(hostsOf(l2.json)).toEqual(['hv1 br-int', 'hv2 br-int']);
    decided(await compared('l2', { from: U.vm1, to: U.vm2, protocol: { kind: 'icmp' } }));

    // vm1 (net-a, hv1) → vm3 (net-b, hv2): the distributed router runs on hv1, one tunnel to hv2.
    const l3 = await traced(['--from', U.vm1, '--to', U.vm3, '--icmp']);
    expect(l3.code, l3.stderr).toBe(0);
    expect(l3.json.delivered).toEqual([expect.objectContaining({ logicalPort: U.vm3, host: 'hv2' })]);
    expect(hostsOf(l3.json)).toEqual(['hv1 br-int', 'hv2 br-int']);
    expect(l3.json.hops[1]!.finalFlow).toMatch(/(^|,)nw_ttl=63(,|$)/);
    // The Path names the chassis the hops (checked against ofproto/trace below) crossed: not the
    // gateway chassis hv3, which an east-west packet through the distributed router never meets.
    expect(l3.json.path?.chassis.map((c) => [c.chassis, c.roles.join('+')])).toEqual([['hv1', 'source'], ['hv2', 'destination']]);
    decided(await compared('l3', { from: U.vm1, to: U.vm3, protocol: { kind: 'icmp' } }));
  }, 120_000);

  it('an ARP request nobody answers is flooded: the Path names hv2, where the copy went, as flooded copies', async () => {
    // 10.0.0.99 is in net-a's subnet, no port has it: ls_in_l2_lkup floods the request (_MC_flood)
    // to every chassis with a port of net-a — hv2, where vm2 is; hv3 has none.
    const arp = await traced(['--from', U.vm1, '--to', '10.0.0.99', '--arp']);
    expect(arp.json.hops.map((h) => h.host)).toContain('hv2');
    expect(arp.json.path?.chassis.map((c) => [c.chassis, c.roles.join('+')])).toEqual([['hv1', 'source'], ['hv2', 'flooded']]);
    const text = await runCli(['trace', '-s', snap, '--from', U.vm1, '--to', '10.0.0.99', '--arp']);
    expect(text.stdout).toMatch(/^Path .*; chassis hv1 \(source\); flooded copies to hv2$/m);
  }, 120_000);

  it('sent to vm2’s MAC, vm1 → vm4 (both on hv1) runs on hv2: the Path names hv2 as transit', async () => {
    // --dst-mac is vm2's (hv2): net-a's L2 lookup sends the packet over the tunnel to hv2, where
    // vm2's egress port security drops it (10.0.1.x is not vm2's). hv2 is neither endpoint's
    // chassis; every hop, hv2's included, is replayed with live ofproto/trace below.
    const r = await traced(['--from', U.vm1, '--to', U.vm4, '--icmp', '--dst-mac', 'fa:16:3e:00:00:12']);
    expect(hostsOf(r.json)).toEqual(['hv1 br-int', 'hv2 br-int']);
    expect(r.json.path?.chassis.map((c) => [c.chassis, c.roles.join('+')])).toEqual([['hv1', 'source+destination'], ['hv2', 'transit']]);
    const text = await runCli(['trace', '-s', snap, '--from', U.vm1, '--to', U.vm4, '--icmp', '--dst-mac', 'fa:16:3e:00:00:12']);
    expect(text.stdout).toMatch(/^Path .*; chassis hv1 \(source\+destination\), hv2 \(transit\)$/m);
    await compared('transit', { from: U.vm1, to: U.vm4, protocol: { kind: 'icmp' }, dstMac: 'fa:16:3e:00:00:12' });
  }, 120_000);

  it('security groups: neutron_pg_drop drops what no rule allows, a remote-group rule (address set) allows; the step names the group', async () => {
    // vm4's only SG ("db") allows tcp/5432 from SG default's address set: ssh is not allowed.
    const drop = await traced(['--from', U.vm1, '--to', U.vm4, '--tcp', '22']);
    expect(drop.code, drop.stderr).toBe(1);
    expect(drop.json.verdict).toBe('dropped');
    expect(drop.json.drop).toMatchObject({ reason: 'ACL_DROP', nb: { row: { direction: 'to-lport', portGroup: 'neutron_pg_drop', action: 'drop' } } });
    expect(drop.json.drop!.explanation).toMatch(/neutron_pg_drop: Neutron's default drop/);
    decided(await compared('sg-drop', { from: U.vm1, to: U.vm4, protocol: { kind: 'tcp', port: 22 } }));

    const allow = await traced(['--from', U.vm1, '--to', U.vm4, '--tcp', '5432']);
    expect(allow.code, allow.stderr).toBe(0);
    expect(allow.json.delivered).toEqual([expect.objectContaining({ logicalPort: U.vm4, host: 'hv1' })]);
    const acls = allow.json.hops.flatMap((h) => h.steps).filter((s) => s.kind === 'acl').map((s) => s.nb?.row);
    // Egress: vm1's SG default (rule 101, the topology's egress rule ids are ingress n + 100);
    // ingress to vm4: SG db's rule 10, remote group default via as_ip4_<default>.
    expect(acls).toEqual([
      expect.objectContaining({ direction: 'from-lport', securityGroup: U.sgDefault, securityGroupRule: '5e5e5e5e-0000-4000-8000-000000000101', portGroup: pgName(U.sgDefault) }),
      expect.objectContaining({ direction: 'to-lport', securityGroup: U.sgDb, securityGroupRule: '5e5e5e5e-0000-4000-8000-000000000010', portGroup: pgName(U.sgDb), match: expect.stringContaining(`ip4.src == $as_ip4_${U.sgDefault.replace(/-/g, '_')}`) }),
    ]);
    // vm1 is 10.0.0.11, a member of as_ip4_<default> (the topology): the step names it.
    const asStep = allow.json.hops.flatMap((h) => h.steps).find((s) => s.kind === 'acl' && s.text.includes('$as_ip4_'));
    expect(asStep?.text).toMatch(new RegExp(`\\(10\\.0\\.0\\.11 ∈ as_ip4_${U.sgDefault.replace(/-/g, '_')}\\)$`));
    decided(await compared('sg-allow', { from: U.vm1, to: U.vm4, protocol: { kind: 'tcp', port: 5432 }, reply: true }));
  }, 120_000);

  it('VM → outside via SNAT on the gateway chassis, and its reply un-SNATed back to the VM', async () => {
    const r = await traced(['--from', U.vm2, '--to', OUTSIDE, '--icmp', '--reply']);
    expect(r.code, r.stderr).toBe(0);
    // hv2 → tunnel to hv3 (the cr-lrp's chassis) → patch to br-ex → out its uplink, SNATed.
    expect(hostsOf(r.json)).toEqual(['hv2 br-int', 'hv3 br-int', 'hv3 br-ex']);
    expect(r.json.hops[0]!.outputs).toEqual([expect.objectContaining({ kind: 'tunnel', next: expect.objectContaining({ status: 'followed', host: 'hv3' }) })]);
    expect(r.json.delivered).toContainEqual(expect.objectContaining({ logicalPort: PROVNET, host: 'hv3', kind: 'physical' }));
    expect(r.json.hops[2]!.finalFlow).toMatch(new RegExp(`(^|,)nw_src=${SNAT_IP.replace(/\./g, '\\.')}(,|$)`));
    const back = r.json.reply!;
    expect(back).toMatchObject({ verdict: 'delivered', reachedDestination: true });
    expect(back.delivered).toContainEqual(expect.objectContaining({ logicalPort: U.vm2, host: 'hv2' }));
    expect(back.hops.flatMap((h) => h.ctNat ?? [])).toEqual([expect.objectContaining({ rewrite: 'un-snat', text: `un-SNAT dst ${SNAT_IP} → 10.0.0.12` })]);
    // The reply's hv3 run is compared up to the un-NAT recirculation (ofproto/trace cannot un-NAT).
    const o = await compared('snat', { from: U.vm2, to: OUTSIDE, protocol: { kind: 'icmp' }, reply: true });
    expect(o.unNatRuns).toBeGreaterThan(0);
    expect(o.tunnels).toBeGreaterThan(0);
    decided(o);
  }, 120_000);

  it('outside → a centralized FIP enters the gateway chassis, → a distributed FIP the VM’s chassis', async () => {
    const central = await traced(['--from', OUTSIDE, '--to', FIP_CENTRAL, '--tcp', '22']);
    expect(central.code, central.stderr).toBe(0);
    expect(central.json.hops[0]).toMatchObject({ host: 'hv3', bridge: 'br-ex', entry: { kind: 'uplink' } });
    expect(central.json.delivered).toContainEqual(expect.objectContaining({ logicalPort: U.vm1, host: 'hv1' }));
    decided(await compared('fip-central', { from: OUTSIDE, to: FIP_CENTRAL, protocol: { kind: 'tcp', port: 22 } }));

    const dist = await traced(['--from', OUTSIDE, '--to', FIP_DIST, '--tcp', '22']);
    expect(dist.code, dist.stderr).toBe(0);
    expect(dist.json.hops[0]).toMatchObject({ host: 'hv2', bridge: 'br-ex', entry: { kind: 'uplink' } });
    expect(dist.json.hops.every((h) => h.host === 'hv2')).toBe(true);
    expect(dist.json.delivered).toContainEqual(expect.objectContaining({ logicalPort: U.vm3, host: 'hv2' }));
    decided(await compared('fip-dist', { from: OUTSIDE, to: FIP_DIST, protocol: { kind: 'tcp', port: 22 } }));
  }, 120_000);

  it('FIP → FIP across chassis: followed over physnet1 from hv3 to hv2, every hop as ofproto/trace has it', async () => {
    // vm1 (centralized FIP, so it leaves SNATed on hv3) → vm3's distributed FIP: the router's
    // hairpin is is_chassis_resident(vm3) only on hv2, so hv3 sends it out br-ex toward the FIP's
    // external_mac and the provider network delivers it to hv2's br-ex.
    const r = await traced(['--from', U.vm1, '--to', FIP_DIST, '--tcp', '22']);
    expect(r.code, r.stderr).toBe(0);
    expect(hostsOf(r.json)).toEqual(['hv1 br-int', 'hv3 br-int', 'hv3 br-ex', 'hv2 br-ex', 'hv2 br-int']);
    const leaving = r.json.hops[2]!.outputs.find((o) => o.kind === 'physical');
    expect(leaving?.next).toMatchObject({ status: 'followed', host: 'hv2', hop: 3, network: 'physnet1', toward: FIP_DIST_MAC });
    expect(r.json.hops[3]!.entry).toMatchObject({ kind: 'uplink' });
    expect(r.json.hops[3]!.finalFlow).toMatch(new RegExp(`(^|,)nw_src=${FIP_CENTRAL.replace(/\./g, '\\.')},.*nw_dst=${FIP_DIST.replace(/\./g, '\\.')}(,|$)`));
    expect(r.json.delivered).toContainEqual(expect.objectContaining({ logicalPort: U.vm3, host: 'hv2' }));
    const o = await compared('fip-fip', { from: U.vm1, to: FIP_DIST, protocol: { kind: 'tcp', port: 22 } });
    // Three host runs replayed (hv1 br-int; hv3 br-int+br-ex; hv2 br-ex+br-int, entered at its
    // uplink) and the provider-network continuation checked against the packet hv3 sent.
    expect(o.hops).toBe(3);
    expect(o.providerHops).toBe(1);
    // ovn-trace has no chassis: it hairpins inside the router on the gateway port's
    // is_chassis_resident, which no single chassis does; the outcome is not compared.
    expect(o.logicalDiffs).toEqual([]);
  }, 120_000);

  it('--to an allowed-address-pair IP is delivered to its port; --from the metadata localport (PORT@HOST and the automatic choice)', async () => {
    const aap = await traced(['--from', U.vm1, '--to', '10.0.0.100', '--icmp']);
    expect(aap.code, aap.stderr).toBe(0);
    expect(aap.json.delivered).toEqual([expect.objectContaining({ logicalPort: U.vmaap, host: 'hv1' })]);
    decided(await compared('aap', { from: U.vm1, to: '10.0.0.100', protocol: { kind: 'icmp' } }));

    const at = await traced(['--from', `${U.mdA}@hv1`, '--to', U.vm1, '--tcp', '22']);
    expect(at.code, at.stderr).toBe(0);
    expect(at.json.hops[0]).toMatchObject({ host: 'hv1', entry: { kind: 'start', port: 'tapmeta-a' } });
    expect(at.json.delivered).toEqual([expect.objectContaining({ logicalPort: U.vm1, host: 'hv1' })]);
    decided(await compared('meta-at', { from: `${U.mdA}@hv1`, to: U.vm1, protocol: { kind: 'tcp', port: 22 }, reply: true }));

    // Without @HOST: the localport sends from the chassis of the other end (vm2 on hv2).
    const auto = await traced(['--from', U.mdA, '--to', U.vm2, '--tcp', '22']);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.json.from).toMatchObject({ host: 'hv2', localportHosts: ['hv1', 'hv2'] });
    expect(hostsOf(auto.json)).toEqual(['hv2 br-int']);
    expect(auto.json.delivered).toEqual([expect.objectContaining({ logicalPort: U.vm2, host: 'hv2' })]);
    decided(await compared('meta-auto', { from: U.mdA, to: U.vm2, protocol: { kind: 'tcp', port: 22 } }));
  }, 120_000);

  it('--dhcp from a VM with Neutron DHCP options is answered by ovn-controller (exit 0), as ovn-trace’s put_dhcp_opts', async () => {
    // The premise from live ovn-trace: vm2's DISCOVER is answered with its address and the
    // options of subnet-a (neutron-topology.ts), the reply output back to vm2.
    const discover = `inport == "${U.vm2}" && eth.src == fa:16:3e:00:00:12 && eth.dst == ff:ff:ff:ff:ff:ff && ip4.src == 0.0.0.0 && ip4.dst == 255.255.255.255 && ip.ttl == 64 && udp && udp.src == 68 && udp.dst == 67`;
    const theirs = await sb.ovnTrace('--minimal', '--no-friendly-names', LS(U.netA), discover);
    expect(theirs).toMatch(/put_dhcp_opts\(offerip = 10\.0\.0\.12, /);
    expect(theirs).toMatch(/router = 10\.0\.0\.1[,)]/);
    expect(theirs).toContain(`output("${U.vm2}")`);

    const r = await traced(['--from', U.vm2, '--dhcp']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ verdict: 'controller', reachedDestination: true, dhcpAnswer: { answered: true, offer: '10.0.0.12' } });
    expect(r.json.dhcpAnswer!.options).toMatchObject({ router: '10.0.0.1', server_id: '10.0.0.1', lease_time: '43200', mtu: '1442' });
    // The offer's options are the ones ovn-trace's put_dhcp_opts carries, option by option
    // (spacing inside {…} lists aside).
    const args = /put_dhcp_opts\((.*)\);/.exec(theirs)![1]!;
    const squeeze = (v: string) => v.replace(/\s+/g, '');
    const their = Object.fromEntries([...args.matchAll(/(\w+) = (\{[^}]*\}|[^,]+)/g)].map((m) => [m[1]!, squeeze(m[2]!)]));
    const ours = Object.fromEntries(Object.entries(r.json.dhcpAnswer!.options!).map(([k, v]) => [k, squeeze(v)]));
    expect(Object.keys(their).length).toBeGreaterThanOrEqual(8);
    expect(ours).toEqual(their);
    // Every host run against ofproto/trace (the reply is ovn-controller's, which ofproto/trace does not run).
    await compared('dhcp', { from: U.vm2, protocol: { kind: 'dhcp' } });
  }, 120_000);
});
