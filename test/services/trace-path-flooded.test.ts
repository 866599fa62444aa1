// The Path of `trace --from/--to` names the chassis that only flooded copies reached (a broadcast,
// an unknown destination: OVN sends a copy for the switch's multicast group over a tunnel to every
// chassis with a port of the switch), apart from the packet's own path. Expectations come from the
// Neutron topology (test/fixtures/neutron/README.md): net-a has VIF ports on hv1 (vm1, vmaap) and
// hv2 (vm2), net-b on hv1 (vm4) and hv2 (vm3); and from OVN's encoding of a GENEVE copy
// (tun_metadata0's low 16 bits are the egress key, 32768–65535 for a multicast group, ovn-sb(5)).
import { Chalk } from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/model/snapshot.js';
import type { TraceHop, TraceOutput } from '../../src/model/trace.js';
import { renderPath } from '../../src/render/trace-path.js';
import { tracedChassisPath } from '../../src/services/trace-path-chassis.js';
import type { TraceReport } from '../../src/services/trace.js';
import type { PathChassisRow } from '../../src/snapshot/resolve.js';
import { endpointReport } from '../harness/trace-report.js';
import { NET_A, NEUTRON_1GW, VM1, VM2, VM4, loadNeutron, pathLine, pathRoles } from '../harness/neutron-fixture.js';

/** In net-a's subnet 10.0.0.0/24, no port has it: nothing answers, OVN floods the request. */
const UNASSIGNED = '10.0.0.99';

const plain = new Chalk({ level: 0 });
const roles = pathRoles;
const load = (hosts?: string[]): Promise<Snapshot> => loadNeutron(NEUTRON_1GW, hosts);

let all: Snapshot;
beforeAll(async () => {
  all = await load();
});

describe('the Path names the chassis flooded copies reached, apart from the packet’s own path', () => {
  it('the hop diagram lists a hop’s own deliveries before the chassis its tunnels lead to', () => {
    // vm1's flooded ARP is delivered on hv1 (vmaap, the metadata port) and sent to hv2. A local
    // delivery printed after hv2's block, at the same indent, read as one of hv2's.
    const r = endpointReport(all, { from: VM1, to: UNASSIGNED, protocol: { kind: 'arp' } });
    const lines = renderPath(r, plain);
    const tunnel = lines.findIndex((l) => l.startsWith('├─▶ tunnel hv1 → hv2'));
    const hv2 = lines.findIndex((l) => l.startsWith('├─▶ br-int@hv2'));
    const onHv1 = lines.flatMap((l, i) => (/delivered to .* on hv1$/.test(l) ? [i] : []));
    const onHv2 = lines.flatMap((l, i) => (/delivered to .* on hv2$/.test(l) ? [i] : []));
    expect(tunnel).toBeGreaterThan(0);
    expect(onHv1.length).toBeGreaterThanOrEqual(2);
    expect(onHv1.every((i) => i < tunnel)).toBe(true);
    expect(onHv2.length).toBeGreaterThan(0);
    expect(onHv2.every((i) => i > hv2)).toBe(true);
  });

  it('an ARP request nobody answers, from vm1 on hv1: flooded to hv2 (vm2’s chassis), listed as a flooded copy', () => {
    const r = endpointReport(all, { from: VM1, to: UNASSIGNED, protocol: { kind: 'arp' } });
    // The trace itself: a copy for net-a's flood group went over the tunnel to hv2.
    const onHv2 = r.hops.find((h) => h.host === 'hv2');
    expect(onHv2?.entry).toMatchObject({ kind: 'tunnel', fromHost: 'hv1', tunnel: { outport: '_MC_flood', datapath: NET_A } });
    expect(roles(r)).toEqual([['hv1', 'source'], ['hv2', 'flooded']]);
    const hv2 = r.path!.chassis[1]!;
    expect(hv2).toMatchObject({ host: 'hv2', encapIps: ['192.168.0.2'] });
    expect(hv2.why).toEqual([`a copy for _MC_flood of ${NET_A} is sent there from hv1 over a tunnel`]);
    expect(r.path?.missing).toEqual([]);
    expect(pathLine(r)).toBe(`Path   ${NET_A}; chassis hv1 (source); flooded copies to hv2`);
  });

  it('hv2 not in the snapshot: the copy sent there still names it, not collected (and in missing)', async () => {
    const partial = await load(['hv1', 'hv3']);
    const r = endpointReport(partial, { from: VM1, to: UNASSIGNED, protocol: { kind: 'arp' } });
    expect(r.hops[0]!.outputs).toContainEqual(expect.objectContaining({ kind: 'tunnel', tunnel: expect.objectContaining({ outport: '_MC_flood' }), next: expect.objectContaining({ status: 'not-collected', chassis: 'hv2' }) }));
    expect(roles(r)).toEqual([['hv1', 'source'], ['hv2', 'flooded']]);
    expect(r.path?.chassis[1]?.host).toBeUndefined();
    expect(r.path?.missing).toEqual(['hv2']);
    expect(pathLine(r)).toMatch(/; chassis hv1 \(source\); flooded copies to hv2 \(not collected\)$/);
  });

  it('vm1 → vm2 east-west (hv1 → hv2): one unicast tunnel, hv2 is the destination, no flooded copies', () => {
    const r = endpointReport(all, { from: VM1, to: VM2, protocol: { kind: 'icmp' } });
    expect(r.verdict).toBe('delivered');
    expect(r.hops.map((h) => h.host)).toEqual(['hv1', 'hv2']);
    expect(r.hops[1]!.entry?.tunnel?.outport).toBe(VM2);
    expect(roles(r)).toEqual([['hv1', 'source'], ['hv2', 'destination']]);
    expect(pathLine(r)).not.toContain('flooded');
  });

  it('vm1 → vm4, both on hv1 (routed to net-b, which has vm3 on hv2): delivered on hv1, hv2 is not named', () => {
    const r = endpointReport(all, { from: VM1, to: VM4, protocol: { kind: 'tcp', port: 5432 } });
    expect(r.verdict).toBe('delivered');
    expect(r.hops.every((h) => h.host === 'hv1')).toBe(true);
    expect(roles(r)).toEqual([['hv1', 'source+destination']]);
  });

  it('a DHCPDISCOVER answered by ovn-controller on the sender’s chassis floods nothing', () => {
    const r = endpointReport(all, { from: VM1, protocol: { kind: 'dhcp' } });
    expect(r.dhcpAnswer?.answered).toBe(true);
    expect(roles(r)).toEqual([['hv1', 'source+destination']]);
  });
});

describe('tracedChassisPath: flooded copies judged from the tunnels the trace took', () => {
  const tunnel = (chassis: string, metadata0: string, next: TraceOutput['next'], outport?: string): TraceOutput => ({
    port: `ovn-${chassis}-0`,
    ofport: 1,
    kind: 'tunnel',
    tunnel: { remoteIp: `192.0.2.${chassis.slice(2)}`, chassis, tunId: '0x1', metadata0, datapath: 'ls1', ...(outport ? { outport } : {}) },
    next,
  });
  const hop = (host: string, outputs: TraceOutput[] = []): TraceHop => ({ host, chassis: host, bridge: 'br-int', outputs, controller: false, finalFlow: '' });
  const row = (chassis: string): PathChassisRow => ({ chassis, encapIps: [], ...(chassis === 'hv4' ? {} : { host: chassis }) });
  const source = { chassis: 'hv1', encapIps: [], roles: ['source' as const], host: 'hv1', why: ['vm1 is bound there'] };

  it('copies for a multicast group key (≥ 32768, named or not) are flooded; a unicast tunnel is not', () => {
    const hops = [
      hop('hv1', [
        // 0x48000: egress key 0x8000, _MC_flood's.
        tunnel('hv2', '0x48000', { status: 'followed', hop: 1, host: 'hv2' }, '_MC_flood'),
        // No SB name decoded: the key says it is a group all the same.
        tunnel('hv3', '0x48001', { status: 'followed', hop: 2, host: 'hv3' }),
        tunnel('hv4', '0x48000', { status: 'not-collected', chassis: 'hv4', hint: 'collect hv4' }, '_MC_flood'),
        // Egress key 2: a logical port, the packet's own way — not a flooded copy.
        tunnel('hv5', '0x40002', { status: 'followed', hop: 3, host: 'hv5' }, 'vm5'),
        // Not followed (--no-follow-tunnels): the trace did not go there.
        tunnel('hv6', '0x48000', { status: 'not-followed', reason: 'not following tunnels' }, '_MC_flood'),
      ]),
      hop('hv2'),
      hop('hv3'),
      hop('hv5'),
    ];
    const path = tracedChassisPath({ chassis: [source], datapaths: ['ls1'], routers: [], missing: [], notes: [] }, hops, undefined, { chassisRow: row });
    expect(path.chassis.map((c) => [c.chassis, c.roles.join('+')])).toEqual([['hv1', 'source'], ['hv2', 'flooded'], ['hv3', 'flooded'], ['hv4', 'flooded']]);
    expect(path.chassis.find((c) => c.chassis === 'hv3')?.why).toEqual(['a copy for multicast group 32769 of ls1 is sent there from hv1 over a tunnel']);
    expect(path.missing).toEqual(['hv4']);
    const report: TraceReport = { input: '', verdict: 'delivered', hops, warnings: [], size: 0, tree: [], path };
    expect(pathLine(report)).toBe('Path   ls1; chassis hv1 (source); flooded copies to hv2, hv3, hv4 (not collected)');
  });

  it('a chassis on the packet’s own path keeps its role when a flooded copy reaches it too', () => {
    const hops = [hop('hv1', [tunnel('hv2', '0x48000', { status: 'followed', hop: 1, host: 'hv2' }, '_MC_flood')]), hop('hv2')];
    const destination = { chassis: 'hv2', encapIps: [], roles: ['destination' as const], host: 'hv2', why: ['vm2 is bound there'] };
    const path = tracedChassisPath({ chassis: [source, destination], datapaths: ['ls1'], routers: [], missing: [], notes: [] }, hops, undefined, { chassisRow: row });
    expect(path.chassis).toEqual([source, destination]);
  });
});
