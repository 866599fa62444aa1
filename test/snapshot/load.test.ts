// The snapshot loader over copies of a bundled fixture whose files or manifest entries were
// changed the way a real snapshot can be: a listing deleted or cut after collection, a command
// that failed but kept what it printed before failing.

import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/services/doctor.js';
import { loadSnapshot } from '../../src/snapshot/load.js';

const L3 = join(import.meta.dirname, '../../fixtures/l3-acl');
const HV1_IFACES = 'hosts/hv1/ovs-vsctl.list.Interface.out';
const HV1_BRIDGE = 'hosts/hv1/ovs-vsctl.list.Bridge.out';

function copyOf(fixture: string): string {
  const d = mkdtempSync(join(tmpdir(), 'ovnscope-load-'));
  cpSync(fixture, d, { recursive: true });
  rmSync(join(d, '.cache'), { recursive: true, force: true });
  return d;
}

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
    const dir = copyOf(L3);
    rmSync(join(dir, HV1_IFACES));
    const s = await load(dir);
    expect(s.diagnostics.filter((d) => d.host === 'hv1').map((d) => [d.file, d.damage])).toEqual([[HV1_IFACES, 'missing']]);
    const doctor = await runDoctor({ snapshot: dir });
    if (!doctor.ok) throw new Error(doctor.error.message);
    expect(doctor.value.findings.filter((f) => f.id === 'C6' && f.subject === HV1_BRIDGE)).toEqual([]);
  });

  it('cut after collection: the rows after the cut are not warned about one by one either', async () => {
    const dir = copyOf(L3);
    const text = readFileSync(join(L3, HV1_IFACES), 'utf8');
    writeFileSync(join(dir, HV1_IFACES), text.slice(0, Math.floor(text.length / 2)));
    const s = await load(dir);
    expect(s.diagnostics.some((d) => d.file === HV1_IFACES && d.damage === 'size')).toBe(true);
    expect(s.diagnostics.filter((d) => danglingInterface.test(d.message))).toEqual([]);
  });

  it('an intact listing that lacks a referenced row still gets the warning (the data disagrees, not the file)', async () => {
    // Drop one Interface row and record the listing as collected that way (size and digest updated).
    const dir = copyOf(L3);
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
