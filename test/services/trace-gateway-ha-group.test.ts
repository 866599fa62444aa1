// A chassisredirect port no chassis claims, whose candidates come from the SB HA_Chassis_Group its
// Port_Binding names (how Neutron and OVN-Kubernetes configure gateway ports, and what northd
// writes for Gateway_Chassis too). The packet and flows are those of
// test/fixtures/neutron/neutron-ha-unclaimed.tar.gz (see trace-gateway-unclaimed.test.ts: hv1
// sends the packet to hv3, which drops it in table 40); the fixture was collected before ovnscope
// listed HA_Chassis_Group/HA_Chassis, so each case records those listings (rows shaped as
// `ovn-sbctl --format=json list` prints them, test/fixtures/ovsdb/sb/HA_Chassis*.json) with the
// fixture's own group and chassis uuids, and, where the case needs it, the NB Gateway_Chassis
// listing as failed (an NB whose gateway ports are configured only through a group has no
// Gateway_Chassis to name).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOvsdbRows, toSbHaChassis, toSbHaChassisGroups } from '../../src/parse/ovsdb-json.js';
import { trace } from '../../src/services/trace.js';
import { unpackFixture } from '../../src/snapshot/pack.js';
import { addCentralOutput } from '../harness/fixture-outputs.js';
import { loadWithoutTables } from '../harness/trace-report.js';
import { CR, LRP, NEUTRON_HA_GROUP, NEUTRON_HA_UNCLAIMED, VM1 } from '../harness/neutron-fixture.js';

const GROUP = 'neutron-ha-cccccccc';

interface Member {
  uuid: string;
  /** The SB Chassis row, or none: a chassis name that never registered. */
  chassis?: string;
  /** external_ids:chassis-name (northd ≥ 20.06 writes it; older rows have none). */
  name?: string;
  priority: number;
}

let work: string;
let fresh = 0;
let ids: { group: string; chassis: Record<string, string> };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ovnscope-ha-group-'));
  const s = await loadWithoutTables(await unpacked());
  ids = { group: s.sb!.portBindings.find((p) => p.logicalPort === CR)!.haChassisGroup!, chassis: Object.fromEntries(s.sb!.chassis.map((c) => [c.name, c.uuid])) };
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function unpacked(fixture = NEUTRON_HA_UNCLAIMED): Promise<string> {
  const dir = join(work, `s${fresh++}`);
  const r = await unpackFixture(fixture, dir);
  if (!r.ok) throw new Error(r.error.message);
  return dir;
}

const sbList = (t: string) => ['ovn-sbctl', '--format=json', 'list', t];

function addGroup(dir: string, members: Member[], groupUuid = ids.group): void {
  const set = (uuids: string[]) => ['set', uuids.map((u) => ['uuid', u])];
  const group = { data: [[['uuid', groupUuid], ['map', []], set(members.map((m) => m.uuid)), GROUP, set(Object.values(ids.chassis))]], headings: ['_uuid', 'external_ids', 'ha_chassis', 'name', 'ref_chassis'] };
  const rows = members.map((m) => [['uuid', m.uuid], m.chassis ? ['uuid', m.chassis] : ['set', []], ['map', m.name ? [['chassis-name', m.name]] : []], m.priority]);
  addCentralOutput(dir, 'ovn-sbctl.list.HA_Chassis_Group', { argv: sbList('HA_Chassis_Group'), out: `${JSON.stringify(group)}\n` });
  addCentralOutput(dir, 'ovn-sbctl.list.HA_Chassis', { argv: sbList('HA_Chassis'), out: `${JSON.stringify({ data: rows, headings: ['_uuid', 'chassis', 'external_ids', 'priority'] })}\n` });
}

function withoutGatewayChassis(dir: string): void {
  addCentralOutput(dir, 'ovn-nbctl.list.Gateway_Chassis', { argv: ['ovn-nbctl', '--format=json', 'list', 'Gateway_Chassis'], status: 'failed', err: 'ovn-nbctl: unix:/run/ovn/ovnnb_db.sock: database connection failed (Connection refused)\n', error: 'exit 1' });
}

async function dropOf(dir: string): Promise<string> {
  const r = await trace({ snapshot: dir, bridge: 'br-int', ctNext: [], detail: 'summary', followTunnels: true, from: VM1, to: '8.8.8.8' });
  if (!r.ok) throw new Error(r.error.message);
  const single = r.value.single!;
  expect(single.verdict).toBe('dropped');
  expect(single.drop).toMatchObject({ host: 'hv3', table: 40, reason: 'EXPLICIT_DROP' });
  expect(single.drop!.explanation).toContain(`${CR}, the chassisredirect port of gateway port ${LRP} of router neutron-cccccccc`);
  return single.drop!.explanation;
}

const members = (): Member[] => [
  // Listed out of priority order, as the SB may list them.
  { uuid: 'a1000000-0000-4000-8000-000000000001', chassis: ids.chassis['hv3'], name: 'hv3', priority: 20 },
  { uuid: 'a1000000-0000-4000-8000-000000000002', name: 'gw-absent', priority: 30 },
  // No external_ids: named by the Chassis row it references.
  { uuid: 'a1000000-0000-4000-8000-000000000003', chassis: ids.chassis['hv2'], priority: 10 },
];

describe('an unclaimed chassisredirect port configured through an HA_Chassis_Group', () => {
  it('names the group\'s members by priority, each with its state: not registered, this chassis, the tunnel\'s BFD', async () => {
    const dir = await unpacked();
    withoutGatewayChassis(dir);
    addGroup(dir, members());
    const e = await dropOf(dir);
    expect(e).toMatch(
      new RegExp(
        `candidates, by priority \\(HA_Chassis_Group ${GROUP} of ${LRP}\\): ` +
          'gw-absent priority 30 \\(not registered in the SB [^)]*\\)\\), hv3 priority 20 \\(this chassis, which does not claim it\\), hv2 priority 10 \\(tunnel ovn-hv2-0 from hv3: BFD forwarding true',
      ),
    );
    expect(e).not.toMatch(/enable-chassis-as-gw/);
  });

  it('NB Gateway_Chassis of the router port come first when the snapshot has them', async () => {
    const dir = await unpacked();
    addGroup(dir, members());
    expect(await dropOf(dir)).toMatch(/candidates, by priority \(Gateway_Chassis of lrp-30000003[^)]*\): hv3 priority 2 \(this chassis, which does not claim it\), hv2 priority 1 /);
  });

  it('without the HA listings (an older snapshot): the enable-chassis-as-gw chassis, saying the group is not in the snapshot', async () => {
    const dir = await unpacked();
    withoutGatewayChassis(dir);
    expect(await dropOf(dir)).toContain(
      `candidates, by priority (chassis with ovn-cms-options enable-chassis-as-gw (for ${LRP}: Gateway_Chassis not in the snapshot, HA_Chassis_Group not in the snapshot)): hv3 (this chassis, which does not claim it)`,
    );
  });

  it('a group the binding names but the listing lacks, or one without members: the same fallback, saying which', async () => {
    const other = await unpacked();
    withoutGatewayChassis(other);
    addGroup(other, members(), 'b2000000-0000-4000-8000-000000000009');
    expect(await dropOf(other)).toContain(`(for ${LRP}: Gateway_Chassis not in the snapshot, HA_Chassis_Group not in the snapshot)): hv3 `);
    const empty = await unpacked();
    withoutGatewayChassis(empty);
    addGroup(empty, []);
    expect(await dropOf(empty)).toContain(`(for ${LRP}: Gateway_Chassis not in the snapshot, HA_Chassis_Group ${GROUP} without members)): hv3 `);
  });
});

// test/fixtures/neutron/neutron-ha-group.tar.gz: collected by test/trace/neutron-ha-group.live.test.ts
// (see the README there): the gateway port configured only through the NB HA_Chassis_Group
// neutron-ha-cccccccc… (gw-absent priority 30, a chassis that never registered; hv3 priority 20,
// its ovn-controller killed before the group was set), so no chassis claims the cr-lrp and hv1
// has no flow to it: the packet ends in hv1's own router pipeline.
describe('the collected HA_Chassis_Group of a sandbox where no member can claim the port', () => {
  it('the listings are what northd wrote: a registered member by Chassis row, the other by name only', async () => {
    const dir = await unpacked(NEUTRON_HA_GROUP);
    const groups = parseOvsdbRows(readFileSync(join(dir, 'central/ovn-sbctl.list.HA_Chassis_Group.out'), 'utf8'), toSbHaChassisGroups);
    const members = parseOvsdbRows(readFileSync(join(dir, 'central/ovn-sbctl.list.HA_Chassis.out'), 'utf8'), toSbHaChassis);
    expect([...groups.diagnostics, ...members.diagnostics]).toEqual([]);
    expect(groups.value.map((g) => [g.name, g.haChassis.length])).toEqual([[`neutron-ha-cccccccc-0000-4000-8000-00000000000c`, 2]]);
    const s = await loadWithoutTables(dir);
    const hv3 = s.sb!.chassis.find((c) => c.name === 'hv3')!.uuid;
    expect(members.value.map((m) => [m.chassisName, m.chassis, m.priority]).sort()).toEqual([
      ['gw-absent', undefined, 30],
      ['hv3', hv3, 20],
    ]);
    expect(s.sb!.portBindings.find((p) => p.logicalPort === CR)).toMatchObject({ chassis: undefined, haChassisGroup: groups.value[0]!.uuid, gatewayChassis: [] });
  });

  it('the drop on hv1, which has no way to the port, names the members by priority with their state', async () => {
    const r = await trace({ snapshot: NEUTRON_HA_GROUP, bridge: 'br-int', ctNext: [], detail: 'summary', followTunnels: true, from: VM1, to: '8.8.8.8' });
    if (!r.ok) throw new Error(r.error.message);
    const single = r.value.single!;
    expect(single.verdict).toBe('dropped');
    // Table 40's default drop on hv1: the router pipeline ran inside the patch clone, so the hop's
    // final flow (after the clone) does not show the port; the route out of the gateway port does.
    expect(single.drop).toMatchObject({ host: 'hv1', table: 40, reason: 'EXPLICIT_DROP' });
    expect(single.hops.map((h) => h.host)).toEqual(['hv1']);
    const e = single.drop!.explanation;
    expect(e).toContain(`${CR}, the chassisredirect port of gateway port ${LRP} of router neutron-cccccccc-0000-4000-8000-00000000000c, is claimed by no chassis`);
    expect(e).toMatch(/candidates, by priority \(HA_Chassis_Group neutron-ha-cccccccc-0000-4000-8000-00000000000c of lrp-30000003-0000-4000-8000-000000000003\): gw-absent priority 30 \(not registered in the SB [^)]*\)\), hv3 priority 20 \(tunnel ovn-hv3-0 from hv1: BFD forwarding false/);
  });
});
