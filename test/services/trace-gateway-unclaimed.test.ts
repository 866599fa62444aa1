// A chassisredirect port no chassis claims (test/fixtures/neutron/neutron-ha-unclaimed.tar.gz: the
// Neutron topology of test/trace/neutron-topology.ts with Gateway_Chassis hv3 priority 2 and hv2
// priority 1 on the router's gateway port, collected before either claimed cr-lrp-…: its SB
// Port_Binding has no chassis, the BFD sessions say forwarding). hv1's bundle(active_backup) picks
// hv3's tunnel, and hv3, where the port is not resident, drops the packet in table 40.
import { Chalk } from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/model/snapshot.js';
import { renderPathHeader } from '../../src/render/trace-path.js';
import { trace, type TraceRequest } from '../../src/services/trace.js';
import { loadWithoutTables } from '../harness/trace-report.js';
import { CR, NEUTRON_HA_UNCLAIMED, VM1 } from '../harness/neutron-fixture.js';


async function run(from: string, to: string, extra: Partial<TraceRequest> = {}) {
  const r = await trace({ snapshot: NEUTRON_HA_UNCLAIMED, bridge: 'br-int', ctNext: [], detail: 'summary', followTunnels: true, from, to, ...extra });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.single!;
}

let snapshot: Snapshot;
beforeAll(async () => {
  snapshot = await loadWithoutTables(NEUTRON_HA_UNCLAIMED);
});

describe('a VM → outside packet for a chassisredirect port no chassis claims', () => {
  it('the fixture is what the test says: cr-lrp unclaimed, two Gateway_Chassis', () => {
    expect(snapshot.sb?.portBindings.find((p) => p.logicalPort === CR)).toMatchObject({ type: 'chassisredirect', chassis: undefined });
    expect((snapshot.nb?.gatewayChassis ?? []).map((g) => [g.chassisName, g.priority]).sort()).toEqual([['hv2', 1], ['hv3', 2]]);
  });

  it('the drop says the port is claimed by no chassis and names the candidates by priority with their state', async () => {
    const r = await run(VM1, '8.8.8.8');
    expect(r.verdict).toBe('dropped');
    expect(r.drop).toMatchObject({ host: 'hv3', table: 40 });
    // No clearer code than the drop itself: table 40's default flow drops it.
    expect(r.drop?.reason).toBe('EXPLICIT_DROP');
    const e = r.drop!.explanation;
    expect(e).toContain(`${CR}, the chassisredirect port of gateway port lrp-30000003-0000-4000-8000-000000000003 of router neutron-cccccccc`);
    expect(e).toContain('is claimed by no chassis');
    // Priority order (hv3 2, hv2 1), hv3 being where the packet is; hv2 through hv3's tunnel to it.
    expect(e).toMatch(/candidates, by priority \(Gateway_Chassis of lrp-30000003[^)]*\): hv3 priority 2 \(this chassis, which does not claim it\), hv2 priority 1 \(tunnel ovn-hv2-0 from hv3: BFD forwarding true/);
    // The hop's drop and the report's are one.
    expect(r.hops.find((h) => h.drop)?.drop?.explanation).toBe(e);
  });

  it('the Path names hv3, where the packet was sent for the unclaimed port, as the gateway', async () => {
    const r = await run(VM1, '8.8.8.8');
    expect(r.path?.chassis.map((c) => [c.chassis, c.roles.join('+')])).toEqual([['hv1', 'source'], ['hv3', 'gateway']]);
    expect(r.path?.chassis[1]?.why.join()).toContain(`for ${CR} (chassisredirect), which no chassis claims`);
    expect(renderPathHeader(r, new Chalk({ level: 0 })).find((l) => l.startsWith('Path'))).toMatch(/chassis hv1 \(source\), hv3 \(gateway\)$/);
  });
});
