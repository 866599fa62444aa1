import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { renderSnapshotSummary } from '../../src/render/snapshot.js';
import { showSnapshot } from '../../src/services/snapshot-show.js';
import { copyFixture } from '../harness/fixture-copy.js';
import { addControllerAnswers, HEALTHY, KILLED } from '../harness/fixture-outputs.js';

const plain = new Chalk({ level: 0 });

async function show(dir: string) {
  const r = await showSnapshot(dir);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('snapshot show of a damaged snapshot', () => {
  it('an intact snapshot is complete, with nothing damaged', async () => {
    const s = await show(copyFixture('l3-acl'));
    expect(s.complete).toBe(true);
    expect(s.damaged).toEqual([]);
    expect(renderSnapshotSummary(s, plain).split('\n')[1]).toBe('complete');
  });

  it('is not "complete" when listed files are missing or truncated: it says DAMAGED and lists them', async () => {
    const dir = copyFixture('l3-acl');
    rmSync(join(dir, 'hosts/hv1/ovs-vsctl.list.Interface.out'));
    const dump = 'hosts/hv2/ovs-ofctl.dump-flows.br-int.out';
    writeFileSync(join(dir, dump), readFileSync(join(dir, dump), 'utf8').split('\n').slice(0, 300).join('\n') + '\n');
    const s = await show(dir);
    expect(s.complete).toBe(false);
    expect(s.damaged.map((d) => [d.host, d.file, d.damage])).toEqual([
      ['hv1', 'hosts/hv1/ovs-vsctl.list.Interface.out', 'missing'],
      ['hv2', dump, 'size'],
    ]);
    // Damage is not counted as parser diagnostics.
    expect(s.diagnostics.first.some((d) => d.damage)).toBe(false);
    const text = renderSnapshotSummary(s, plain);
    expect(text).not.toMatch(/^complete$/m);
    expect(text).toMatch(/^DAMAGED: 2 files changed after collection/m);
    expect(text).toContain('hv1: hosts/hv1/ovs-vsctl.list.Interface.out: listed in the manifest');
    expect(text).toMatch(/hv2: hosts\/hv2\/ovs-ofctl\.dump-flows\.br-int\.out: \d+ bytes where the manifest recorded \d+ .*truncated\?/);
  });
});

describe('snapshot show says what was collected from each host', () => {
  /** l3-acl with hv2 as a host whose OVS was not running: every command that needs the daemons failed, list-br too (br-int is then only assumed). */
  function ovsDownOnHv2(): string {
    const dir = copyFixture('l3-acl');
    const mf = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8')) as { hosts: { name: string; status: string; bridges: string[]; commands: Record<string, unknown>[] }[] };
    const hv2 = m.hosts.find((h) => h.name === 'hv2')!;
    hv2.status = 'partial';
    for (const c of hv2.commands) {
      if (c.id === 'ovs-vsctl.version') continue; // answers without ovsdb-server
      if (typeof c.file === 'string') rmSync(join(dir, c.file));
      Object.assign(c, { status: 'failed', exitCode: 1, bytes: 0, error: 'ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed (No such file or directory)' });
      delete c.file;
      delete c.sha256;
    }
    expect(hv2.bridges).toEqual(['br-int']);
    writeFileSync(mf, JSON.stringify(m));
    return dir;
  }

  it('a host whose OVS was not running has no bridge, and its OVS column says so', async () => {
    const s = await show(ovsDownOnHv2());
    const hv2 = s.hosts.find((h) => h.name === 'hv2')!;
    expect(hv2.bridges).toEqual([]);
    expect(hv2.ovsRunning).toBe(false);
    expect(hv2.ovsVersion).toBe('3.1.0');
    const hv1 = s.hosts.find((h) => h.name === 'hv1')!;
    expect([hv1.ovsRunning, hv1.bridges.map((b) => b.name)]).toEqual([true, ['br-int']]);
    const row = renderSnapshotSummary(s, plain).split('\n').find((l) => l.includes(' hv2 '))!;
    // The ovn-controller column ("-": not asked in this older snapshot) sits between OVS and the bridge.
    expect(row).toMatch(/│ hv2\s+│ partial\s+│ -\s+│ -\s+│ 3\.1\.0, not running │ -\s+│ -\s+│ 0\s+│/);
  });

  it('an output whose command failed is not shown as collected (no OVS version from a failed ovs-vsctl --version)', async () => {
    const dir = ovsDownOnHv2();
    const mf = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8')) as { hosts: { name: string; commands: Record<string, unknown>[] }[] };
    // Exit 1 with its stdout kept (.out), as the writer keeps a failed command's output.
    Object.assign(m.hosts.find((h) => h.name === 'hv2')!.commands.find((c) => c.id === 'ovs-vsctl.version')!, { status: 'failed', exitCode: 1 });
    writeFileSync(mf, JSON.stringify(m));
    const hv2 = (await show(dir)).hosts.find((h) => h.name === 'hv2')!;
    expect(hv2.ovsVersion).toBeUndefined();
  });
});

describe('snapshot show: ovn-controller per host', () => {
  it('says what ovn-controller answered, as doctor D17 judges it; "-" when it was not asked', async () => {
    const before = await show(copyFixture('l3-acl'));
    expect(before.hosts.map((h) => h.ovnController)).toEqual([undefined, undefined]);
    const dir = copyFixture('l3-acl');
    addControllerAnswers(dir, 'hv1', HEALTHY);
    // SIGKILLed: the pidfile names a process that is gone (conclusive).
    addControllerAnswers(dir, 'hv2', KILLED);
    const s = await show(dir);
    expect(s.hosts.map((h) => [h.name, h.ovnController])).toEqual([
      ['hv1', 'connected'],
      ['hv2', 'not running'],
    ]);
    const lines = renderSnapshotSummary(s, plain).split('\n');
    expect(lines.find((l) => l.includes('host') && l.includes('status'))).toMatch(/│ OVS +│ ovn-controller │ bridge/);
    expect(lines.find((l) => l.includes(' hv1 '))).toMatch(/│ 3\.1\.0 +│ connected +│ br-int/);
    expect(lines.find((l) => l.includes(' hv2 '))).toMatch(/│ 3\.1\.0 +│ not running +│ br-int/);
    // No pidfile where ovn-appctl looked, the chassis still in the SB: not reached, not "not running".
    const elsewhere = copyFixture('l3-acl');
    addControllerAnswers(elsewhere, 'hv2', { connection: { argv: [], status: 'failed', err: 'ovn-appctl: cannot read pidfile "/var/run/ovn/ovn-controller.pid" (No such file or directory)\n' } });
    expect((await show(elsewhere)).hosts.find((h) => h.name === 'hv2')!.ovnController).toBe('not reached');
  });
});
