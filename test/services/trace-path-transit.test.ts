// The Path of `trace --from/--to` names every chassis a hop of the trace ran on: one a unicast
// tunnel took the packet to that is none of the endpoints' chassis nor a gateway it went through
// is listed as `transit`, after the packet's own path and before the chassis only flooded copies
// reached. Expectations come from the Neutron topology (test/fixtures/neutron/README.md): net-a has
// vm1 on hv1 and vm2 (fa:16:3e:00:00:12) on hv2, net-b has vm4 on hv1; and from OVN's GENEVE
// encoding (tun_metadata0's low 16 bits are the egress port key, ovn-sb(5)).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/model/snapshot.js';
import type { TraceHop, TraceOutput } from '../../src/model/trace.js';
import { tracedChassisPath } from '../../src/services/trace-path-chassis.js';
import type { TraceReport } from '../../src/services/trace.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { unpackFixture } from '../../src/snapshot/pack.js';
import type { PathChassisRow } from '../../src/snapshot/resolve.js';
import { rewriteCollectedOutput } from '../harness/fixture-outputs.js';
import { endpointReport } from '../harness/trace-report.js';
import { CR, NET_A, NEUTRON_1GW, NEUTRON_HA_UNCLAIMED, ROUTER, VM1, VM2, VM3, VM4, loadNeutron, pathLine, pathRoles } from '../harness/neutron-fixture.js';

const VM2_MAC = 'fa:16:3e:00:00:12';
const FIP_DIST = '172.24.4.101'; // vm3's distributed floating IP

const roles = pathRoles;
const load = (hosts?: string[]): Promise<Snapshot> => loadNeutron(NEUTRON_1GW, hosts);

let all: Snapshot;
beforeAll(async () => {
  all = await load();
});

describe('the Path names a chassis the packet ran on with no other role as transit', () => {
  it('vm1 → vm4 (both on hv1) sent to vm2’s MAC: the tunnel takes it to hv2, which the Path names as transit', () => {
    // --dst-mac is vm2's: net-a's L2 lookup sends the packet to vm2 over the tunnel to hv2, where
    // vm2's egress port security drops it (10.0.1.12 is not vm2's address). The router is never
    // reached: hv1 is --from's and --to's chassis, hv2 neither — it ran the packet all the same.
    const r = endpointReport(all, { from: VM1, to: VM4, protocol: { kind: 'icmp' }, dstMac: VM2_MAC });
    const onHv2 = r.hops.find((h) => h.host === 'hv2');
    expect(onHv2?.entry).toMatchObject({ kind: 'tunnel', port: 'ovn-hv1-0', fromHost: 'hv1', tunnel: { outport: VM2, datapath: NET_A } });
    expect(r.verdict).toBe('dropped');
    expect(r.drop?.host).toBe('hv2');
    expect(roles(r)).toEqual([['hv1', 'source+destination'], ['hv2', 'transit']]);
    expect(r.path!.chassis[1]).toMatchObject({ host: 'hv2', encapIps: ['192.168.0.2'] });
    expect(r.path!.chassis[1]!.why).toEqual([`tunnel ovn-hv1-0 from hv1 carried it there, to logical port ${VM2} of ${NET_A}`]);
    expect(r.path?.missing).toEqual([]);
    expect(pathLine(r)).toMatch(/; chassis hv1 \(source\+destination\), hv2 \(transit\)$/);
  });

  it('hv2 not in the snapshot: the tunnel sent there still names it as transit, not collected (and in missing)', async () => {
    const partial = await load(['hv1', 'hv3']);
    const r = endpointReport(partial, { from: VM1, to: VM4, protocol: { kind: 'icmp' }, dstMac: VM2_MAC });
    expect(r.hops[0]!.outputs).toContainEqual(expect.objectContaining({ kind: 'tunnel', port: 'ovn-hv2-0', next: expect.objectContaining({ status: 'not-collected', chassis: 'hv2' }) }));
    expect(roles(r)).toEqual([['hv1', 'source+destination'], ['hv2', 'transit']]);
    expect(r.path!.chassis[1]!.host).toBeUndefined();
    expect(r.path!.chassis[1]!.why).toEqual([`tunnel ovn-hv2-0 from hv1 sent it there, to logical port ${VM2} of ${NET_A}`]);
    expect(r.path?.missing).toEqual(['hv2']);
    expect(pathLine(r)).toMatch(/; chassis hv1 \(source\+destination\), hv2 \(transit, not collected\)$/);
  });

  it('an east-west trace across chassis gains no transit: each chassis it ran on is an endpoint’s', () => {
    const l2 = endpointReport(all, { from: VM1, to: VM2, protocol: { kind: 'icmp' } });
    expect(l2.hops.map((h) => h.host)).toEqual(['hv1', 'hv2']);
    expect(roles(l2)).toEqual([['hv1', 'source'], ['hv2', 'destination']]);
    const l3 = endpointReport(all, { from: VM1, to: VM3, protocol: { kind: 'icmp' } });
    expect(l3.hops.map((h) => h.host)).toEqual(['hv1', 'hv2']);
    expect(roles(l3)).toEqual([['hv1', 'source'], ['hv2', 'destination']]);
    expect(pathLine(l3)).not.toContain('transit');
  });

  it('through the centralized gateway to a distributed FIP: three chassis, each with its own role, none transit', () => {
    const r = endpointReport(all, { from: VM1, to: FIP_DIST, protocol: { kind: 'icmp' } });
    expect(new Set(r.hops.map((h) => h.host))).toEqual(new Set(['hv1', 'hv2', 'hv3']));
    expect(roles(r)).toEqual([['hv1', 'source'], ['hv2', 'destination'], ['hv3', 'gateway']]);
  });

  it('a flooded ARP request gains no transit: the chassis its copy reached stays flooded', () => {
    const r = endpointReport(all, { from: VM1, to: '10.0.0.99', protocol: { kind: 'arp' } });
    expect(r.hops.some((h) => h.host === 'hv2')).toBe(true);
    expect(roles(r)).toEqual([['hv1', 'source'], ['hv2', 'flooded']]);
    expect(pathLine(r)).toMatch(/; chassis hv1 \(source\); flooded copies to hv2$/);
  });
});

describe('an L3-HA bundle that picks a member other than the active gateway chassis', () => {
  let work: string | undefined;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** An OVSDB --format=json list with `edit` applied to the row whose `key` column is `value`. */
  const editRow = (dir: string, file: string, key: string, value: string, edit: (row: unknown[], col: (name: string) => number) => void) => {
    const list = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { headings: string[]; data: unknown[][] };
    const col = (name: string) => list.headings.indexOf(name);
    const row = list.data.find((r) => r[col(key)] === value);
    if (!row) throw new Error(`${file}: no row with ${key} ${value}`);
    edit(row, col);
    rewriteCollectedOutput(dir, file, `${JSON.stringify(list)}\n`);
  };

  it('hv3 claims the gateway port, hv1’s BFD to hv3 is down: hv1 sends to hv2, which the Path names as transit, not gateway', async () => {
    // neutron-ha-unclaimed (Gateway_Chassis hv3 priority 2, hv2 priority 1; hv1 reaches the port
    // through bundle(active_backup) over its tunnels to hv3 and hv2), made the split OVN can be in:
    // hv3 claims cr-lrp (its SB Port_Binding's chassis) while hv1's BFD session to hv3 is not
    // forwarding, so hv1's bundle takes the next live member, hv2, where the port is not resident
    // and the packet goes no further (table 40). The packet never goes through the gateway on hv2.
    work = await mkdtemp(join(tmpdir(), 'ovnscope-transit-'));
    const dir = join(work, 'snap');
    const u = await unpackFixture(NEUTRON_HA_UNCLAIMED, dir);
    if (!u.ok) throw new Error(u.error.message);
    const chassisList = JSON.parse(readFileSync(join(dir, 'central/ovn-sbctl.list.Chassis.out'), 'utf8')) as { headings: string[]; data: unknown[][] };
    const hv3 = chassisList.data.find((r) => r[chassisList.headings.indexOf('name')] === 'hv3')![chassisList.headings.indexOf('_uuid')];
    editRow(dir, 'central/ovn-sbctl.list.Port_Binding.out', 'logical_port', CR, (r, col) => (r[col('chassis')] = hv3));
    editRow(dir, 'hosts/hv1/ovs-vsctl.list.Interface.out', 'name', 'ovn-hv3-0', (r, col) => {
      const [, pairs] = r[col('bfd_status')] as [string, [string, string][]];
      r[col('bfd_status')] = ['map', pairs.map(([k, v]) => [k, k === 'forwarding' ? 'false' : v])];
    });
    const loaded = await loadSnapshot(dir);
    if (!loaded.ok) throw new Error(loaded.error.message);
    const r = endpointReport(loaded.value, { from: VM1, to: '8.8.8.8', protocol: { kind: 'icmp' } });
    expect(r.warnings.filter((w) => /damaged/.test(w))).toEqual([]);
    // The trace: sent for cr-lrp to hv2, dropped there.
    expect(r.hops.find((h) => h.host === 'hv2')?.entry).toMatchObject({ kind: 'tunnel', port: 'ovn-hv1-0', fromHost: 'hv1', tunnel: { outport: CR } });
    expect(r.hops.some((h) => h.host === 'hv3')).toBe(false);
    expect(r.drop?.host).toBe('hv2');
    // hv3, the active gateway, was never reached; hv2 ran the packet but is not where it is active.
    expect(roles(r)).toEqual([['hv1', 'source'], ['hv2', 'transit']]);
    expect(r.path!.chassis[1]!.why).toEqual([`tunnel ovn-hv1-0 from hv1 carried it there, to logical port ${CR} of ${ROUTER}, which is active on hv3`]);
    expect(pathLine(r)).toMatch(/; chassis hv1 \(source\), hv2 \(transit\)$/);
  });
});

describe('tracedChassisPath: transit judged from how each hop was entered', () => {
  const tunnel = (chassis: string, metadata0: string, next: TraceOutput['next'], outport?: string): TraceOutput => ({
    port: `ovn-${chassis}-0`,
    ofport: 1,
    kind: 'tunnel',
    tunnel: { remoteIp: `192.0.2.${chassis.slice(2)}`, chassis, tunId: '0x1', metadata0, datapath: 'ls1', ...(outport ? { outport } : {}) },
    next,
  });
  const hop = (host: string, outputs: TraceOutput[] = [], entry?: TraceHop['entry']): TraceHop => ({ host, chassis: host, bridge: 'br-int', outputs, controller: false, finalFlow: '', ...(entry ? { entry } : {}) });
  const tunnelIn = (from: string, fromHop: number, metadata0: string, outport?: string): TraceHop['entry'] => ({ kind: 'tunnel', port: `ovn-${from}-0`, fromHop, fromHost: from, tunnel: { tunId: '0x1', metadata0, datapath: 'ls1', ...(outport ? { outport } : {}) } });
  const row = (chassis: string): PathChassisRow => ({ chassis, encapIps: [], host: chassis });
  const source = { chassis: 'hv1', encapIps: [], roles: ['source' as const], host: 'hv1', why: ['vm1 is bound there'] };

  it('after the path’s own chassis and before flooded ones; a chassis reached both ways is transit only; the provider network counts', () => {
    const hops = [
      hop('hv1', [
        // 0x48000: egress key 0x8000, a multicast group: a flooded copy to hv2 and hv3.
        tunnel('hv2', '0x48000', { status: 'followed', hop: 1, host: 'hv2' }, '_MC_flood'),
        tunnel('hv3', '0x48000', { status: 'followed', hop: 2, host: 'hv3' }, '_MC_flood'),
        // Egress key 5, no SB name decoded: unicast to a logical port, to hv3 as well.
        tunnel('hv3', '0x40005', { status: 'followed', hop: 3, host: 'hv3' }),
        { port: 'br-ex-up', ofport: 2, kind: 'physical', next: { status: 'followed', hop: 4, host: 'hv4', network: 'physnet1', toward: '0a:00:00:00:00:04', why: 'the external_mac of vm4' } },
      ]),
      hop('hv2', [], tunnelIn('hv1', 0, '0x48000', '_MC_flood')),
      hop('hv3', [], tunnelIn('hv1', 0, '0x48000', '_MC_flood')),
      hop('hv3', [], tunnelIn('hv1', 0, '0x40005')),
      hop('hv4', [], { kind: 'uplink', port: 'br-ex-up', fromHop: 0, fromHost: 'hv1' }),
    ];
    const path = tracedChassisPath({ chassis: [source], datapaths: ['ls1'], routers: [], missing: [], notes: [] }, hops, undefined, { chassisRow: row });
    expect(path.chassis.map((c) => [c.chassis, c.roles.join('+')])).toEqual([['hv1', 'source'], ['hv3', 'transit'], ['hv4', 'transit'], ['hv2', 'flooded']]);
    expect(path.chassis.find((c) => c.chassis === 'hv3')?.why).toEqual(['tunnel ovn-hv1-0 from hv1 carried it there, to logical port key 5 of ls1']);
    expect(path.chassis.find((c) => c.chassis === 'hv4')?.why).toEqual(['provider network physnet1 carried it there from hv1 (in at br-ex-up), toward 0a:00:00:00:00:04 (the external_mac of vm4)']);
    const report: TraceReport = { input: '', verdict: 'delivered', hops, warnings: [], size: 0, tree: [], path };
    expect(pathLine(report)).toBe('Path   ls1; chassis hv1 (source), hv3 (transit), hv4 (transit); flooded copies to hv2');
  });

  it('a chassis with a role on the path keeps it alone; a tunnel not followed names no chassis', () => {
    const hops = [hop('hv1', [tunnel('hv2', '0x40002', { status: 'followed', hop: 1, host: 'hv2' }, 'vm2'), tunnel('hv5', '0x40003', { status: 'not-followed', reason: 'not following tunnels' }, 'vm5')]), hop('hv2', [], tunnelIn('hv1', 0, '0x40002', 'vm2'))];
    const destination = { chassis: 'hv2', encapIps: [], roles: ['destination' as const], host: 'hv2', why: ['vm2 is bound there'] };
    const path = tracedChassisPath({ chassis: [source, destination], datapaths: ['ls1'], routers: [], missing: [], notes: [] }, hops, undefined, { chassisRow: row });
    expect(path.chassis).toEqual([source, destination]);
  });
});
