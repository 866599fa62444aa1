// The snapshot loader over copies of a bundled fixture whose files or manifest entries were
// changed the way a real snapshot can be: a listing deleted or cut after collection, a command
// that failed but kept what it printed before failing.

import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/services/doctor.js';
import { trace } from '../../src/services/trace.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { copyFixture } from '../harness/fixture-copy.js';
import { addCentralOutput } from '../harness/fixture-outputs.js';

const L3 = join(import.meta.dirname, '../../fixtures/l3-acl');
const HV1_IFACES = 'hosts/hv1/ovs-vsctl.list.Interface.out';
const HV1_BRIDGE = 'hosts/hv1/ovs-vsctl.list.Bridge.out';

async function load(dir: string) {
  const r = await loadSnapshot(dir, { cache: { enabled: false } });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('a missing or damaged Interface listing is reported once, as itself', () => {
  // hv1's Bridge/Port listings reference every interface of br-int; with the Interface rows gone,
  // each reference dangles because of the missing file, not because OVS's tables disagree.
  const danglingInterface = /is not in the Interface table/;

  it('deleted: the damage diagnostic, and no "not in the Interface table" warnings (no C6 finding for the Bridge listing)', async () => {
    const dir = copyFixture('l3-acl');
    rmSync(join(dir, HV1_IFACES));
    const s = await load(dir);
    expect(s.diagnostics.filter((d) => d.host === 'hv1').map((d) => [d.file, d.damage])).toEqual([[HV1_IFACES, 'missing']]);
    const doctor = await runDoctor({ snapshot: dir });
    if (!doctor.ok) throw new Error(doctor.error.message);
    expect(doctor.value.findings.filter((f) => f.id === 'C6' && f.subject === HV1_BRIDGE)).toEqual([]);
  });

  it('cut after collection: the rows after the cut are not warned about one by one either', async () => {
    const dir = copyFixture('l3-acl');
    const text = readFileSync(join(L3, HV1_IFACES), 'utf8');
    writeFileSync(join(dir, HV1_IFACES), text.slice(0, Math.floor(text.length / 2)));
    const s = await load(dir);
    expect(s.diagnostics.some((d) => d.file === HV1_IFACES && d.damage === 'size')).toBe(true);
    expect(s.diagnostics.filter((d) => danglingInterface.test(d.message))).toEqual([]);
  });

  it('an intact listing that lacks a referenced row still gets the warning (the data disagrees, not the file)', async () => {
    // Drop one Interface row and record the listing as collected that way (size and digest updated).
    const dir = copyFixture('l3-acl');
    const listing = JSON.parse(readFileSync(join(L3, HV1_IFACES), 'utf8')) as { headings: string[]; data: unknown[][] };
    listing.data = listing.data.slice(1);
    const text = JSON.stringify(listing);
    writeFileSync(join(dir, HV1_IFACES), text);
    const mf = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8'));
    for (const c of m.hosts[0].commands) if (c.file === HV1_IFACES) Object.assign(c, { bytes: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex') });
    writeFileSync(mf, JSON.stringify(m));
    const s = await load(dir);
    expect(s.diagnostics.filter((d) => d.damage)).toEqual([]);
    expect(s.diagnostics.filter((d) => d.host === 'hv1' && danglingInterface.test(d.message))).toHaveLength(1);
  });
});

describe('an output of a command that failed is not read as data, like in the other loaders', () => {
  /** l3-acl with hv1's `id` recorded as failed (exit 1) after printing what its file holds. */
  function withFailed(id: string, error: string): string {
    const dir = copyFixture('l3-acl');
    const mf = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8'));
    for (const c of m.hosts[0].commands) if (c.id === id) Object.assign(c, { status: 'failed', exitCode: 1, error });
    m.hosts[0].status = 'partial';
    writeFileSync(mf, JSON.stringify(m));
    return dir;
  }

  it('a failed Interface listing reads as not collected, and the checks say it failed and why', async () => {
    const error = 'ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed';
    const dir = withFailed('ovs-vsctl.list.Interface', error);
    const intact = await load(copyFixture('l3-acl'));
    expect(intact.hosts.find((h) => h.name === 'hv1')!.interfaces.length).toBeGreaterThan(0);
    const s = await load(dir);
    expect(s.hosts.find((h) => h.name === 'hv1')!.interfaces).toEqual([]);
    // Not a parser finding either: the listing failed, its dangling references are no news.
    expect(s.diagnostics.filter((d) => d.host === 'hv1')).toEqual([]);
    // Where the reason shows: the health checks that need the listing are n/a, saying it failed and why.
    const doctor = await runDoctor({ snapshot: dir, severity: 'n-a' });
    if (!doctor.ok) throw new Error(doctor.error.message);
    // (D17 asks ovn-controller, not the Interface listing: the fixture predates that question.)
    const na = doctor.value.findings.filter((f) => f.host === 'hv1' && f.severity === 'n-a' && /^D/.test(f.id) && f.id !== 'D17');
    expect(na.length).toBeGreaterThan(0);
    for (const f of na) expect(f.message).toContain(`ovs-vsctl.list.Interface was not collected from hv1 (failed: ${error})`);
  });

  it('a failed dump-flows: the trace has no flows to read and says the command failed (exit 3)', async () => {
    const dir = withFailed('ovs-ofctl.dump-flows.br-int', 'exit 1');
    const r = await trace({ snapshot: dir, host: 'hv1', bridge: 'br-int', flow: 'in_port="tapweb1",ip', ctNext: [], detail: 'minimal' });
    expect(!r.ok && r.error).toEqual({ kind: 'user-error', exitCode: 3, message: 'hv1/br-int has no flows in the snapshot: ovs-ofctl.dump-flows.br-int failed (exit 1), so what it printed is not read' });
  });
});

describe('NB Load_Balancer_Group: optional, absent (not empty) when not collected', () => {
  const LB_GROUP = 'ovn-nbctl.list.Load_Balancer_Group';
  const argv = ['ovn-nbctl', '--format=json', 'list', 'Load_Balancer_Group'];
  const lbGroupDiagnostics = (s: Awaited<ReturnType<typeof load>>) => s.diagnostics.filter((d) => /Load_Balancer_Group/.test(`${d.file ?? ''} ${d.message}`));

  it('collected: its rows are loaded, members by uuid', async () => {
    const dir = copyFixture('lb-nat-3chassis');
    const lbs = (await load(dir)).nb!.loadBalancers;
    const web = lbs.find((l) => l.name === 'lb-web')!.uuid;
    const ext = lbs.find((l) => l.name === 'lb-ext')!.uuid;
    // The shape ovn-nbctl 23.03 prints (test/fixtures/ovsdb/nb/Load_Balancer_Group.json): a one-member set is a bare uuid.
    const out = { data: [[['uuid', 'd0ca5d29-88fc-4996-9c1a-c7668a1ef716'], ['set', [['uuid', web], ['uuid', ext]]], 'clusterLBGroup'], [['uuid', 'e40ced13-6ab4-4974-b189-5bb24e121220'], ['uuid', web], 'webLBGroup']], headings: ['_uuid', 'load_balancer', 'name'] };
    addCentralOutput(dir, LB_GROUP, { argv, out: `${JSON.stringify(out)}\n` });
    const s = await load(dir);
    expect(s.nb!.loadBalancerGroups!.map((g) => [g.name, g.loadBalancer])).toEqual([
      ['clusterLBGroup', [web, ext]],
      ['webLBGroup', [web]],
    ]);
    expect(lbGroupDiagnostics(s)).toEqual([]);
  });

  it('not in the manifest (the bundled fixtures predate it) or failed (an ovn-nbctl without the table): absent, with no diagnostic and no failing finding', async () => {
    const bundled = copyFixture('lb-nat-3chassis');
    const failed = copyFixture('lb-nat-3chassis');
    addCentralOutput(failed, LB_GROUP, { argv, status: 'failed', err: 'ovn-nbctl: unknown table "Load_Balancer_Group"\n', error: 'exit 1' });
    for (const dir of [bundled, failed]) {
      const s = await load(dir);
      expect(s.nb!.loadBalancers.length, dir).toBeGreaterThan(0);
      expect(s.nb!.loadBalancerGroups, dir).toBeUndefined();
      expect(lbGroupDiagnostics(s), dir).toEqual([]);
      const doctor = await runDoctor({ snapshot: dir, severity: 'n-a' });
      if (!doctor.ok) throw new Error(doctor.error.message);
      expect(doctor.value.findings.filter((f) => (f.severity === 'fail' || f.severity === 'warn') && /Load_Balancer_Group/.test(JSON.stringify(f))), dir).toEqual([]);
    }
  });
});

describe('SB HA_Chassis_Group and HA_Chassis: optional, absent (not empty) when not collected', () => {
  const argv = (t: string) => ['ovn-sbctl', '--format=json', 'list', t];
  // Verbatim `ovn-sbctl --format=json list HA_Chassis_Group / HA_Chassis` of the sandbox in test/fixtures/ovsdb/README.md.
  const real = (t: string) => readFileSync(join(import.meta.dirname, `../fixtures/ovsdb/sb/${t}.json`), 'utf8');
  const haDiagnostics = (s: Awaited<ReturnType<typeof load>>) => s.diagnostics.filter((d) => /HA_Chassis/.test(`${d.file ?? ''} ${d.message}`));

  it('collected: groups with their members, members with chassis reference, name and priority', async () => {
    const dir = copyFixture('l3-acl');
    addCentralOutput(dir, 'ovn-sbctl.list.HA_Chassis_Group', { argv: argv('HA_Chassis_Group'), out: real('HA_Chassis_Group') });
    addCentralOutput(dir, 'ovn-sbctl.list.HA_Chassis', { argv: argv('HA_Chassis'), out: real('HA_Chassis') });
    const s = await load(dir);
    expect(s.sb!.haChassisGroups!.map((g) => [g.name, g.haChassis.length])).toEqual([['lr0-public', 1], ['lr1-public', 2]]);
    expect(s.sb!.haChassis!.map((h) => [h.chassisName, h.priority, h.chassis])).toEqual([
      ['hv2', 20, '2eac490e-f246-4ecb-a615-1e636127f39f'],
      ['hv1', 20, '1cebfe53-7501-4bab-8fe5-523dc8ad83e9'],
      ['hv3', 10, 'cc343873-d5c3-4501-b8e7-27e9087c99be'],
    ]);
    expect(haDiagnostics(s)).toEqual([]);
  });

  it('not in the manifest (the bundled fixtures predate it) or failed: absent, with no diagnostic', async () => {
    const bundled = copyFixture('l3-acl');
    const failed = copyFixture('l3-acl');
    for (const t of ['HA_Chassis_Group', 'HA_Chassis']) addCentralOutput(failed, `ovn-sbctl.list.${t}`, { argv: argv(t), status: 'failed', err: 'ovn-sbctl: unix:/run/ovn/ovnsb_db.sock: database connection failed (Connection refused)\n', error: 'exit 1' });
    for (const dir of [bundled, failed]) {
      const s = await load(dir);
      expect(s.sb!.portBindings.length, dir).toBeGreaterThan(0);
      expect(s.sb!.haChassisGroups, dir).toBeUndefined();
      expect(s.sb!.haChassis, dir).toBeUndefined();
      expect(haDiagnostics(s), dir).toEqual([]);
    }
  });

  it('garbage: a diagnostic naming the file, the rest of the snapshot loaded', async () => {
    const dir = copyFixture('l3-acl');
    addCentralOutput(dir, 'ovn-sbctl.list.HA_Chassis', { argv: argv('HA_Chassis'), out: real('HA_Chassis').slice(0, 150) });
    const s = await load(dir);
    expect(s.sb!.haChassis).toBeDefined();
    expect(haDiagnostics(s).map((d) => d.file)).toContain('central/ovn-sbctl.list.HA_Chassis.out');
    expect(s.sb!.portBindings.length).toBeGreaterThan(0);
  });
});
