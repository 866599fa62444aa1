import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditBgp } from '../../src/services/bgp.js';
import { runDoctor } from '../../src/services/doctor.js';
import { auditMtu } from '../../src/services/mtu.js';
import { auditOffload } from '../../src/services/offload.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { knownHosts, openSnapshot, validateManifest } from '../../src/snapshot/reader.js';

async function snapshotWith(manifest: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ovnscope-reader-'));
  await writeFile(join(dir, 'manifest.json'), manifest);
  return dir;
}

describe('snapshot reader', () => {
  it('says what is wrong with a missing, garbage or foreign manifest', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'ovnscope-reader-'));
    await mkdir(join(empty, 'hosts'));
    const cases: [string, RegExp][] = [
      [empty, /manifest\.json is missing/],
      [await snapshotWith('{"format": "ovnscope-snapshot", "formatVer'), /not valid JSON/],
      [await snapshotWith('{"format": "sosreport"}'), /"format" is "sosreport"/],
      [await snapshotWith('{"format": "ovnscope-snapshot", "formatVersion": 99, "hosts": []}'), /newer than this ovnscope understands/],
      [await snapshotWith('{"format": "ovnscope-snapshot", "formatVersion": 1, "hosts": [{"commands": []}]}'), /hosts\[0\] has no name/],
      ['/nonexistent/snap', /no such snapshot directory/],
    ];
    for (const [dir, message] of cases) {
      const r = await openSnapshot(dir);
      expect(r.ok, dir).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(message);
    }
  });

  it('never throws on arbitrary JSON as a manifest (fuzz)', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
        expect(typeof validateManifest(v).ok).toBe("boolean");
      }), { numRuns: 1000 });
  });
});

describe('hosts named on the command line', () => {
  const FIXTURE = join(import.meta.dirname, '../../fixtures/lb-nat-3chassis');

  it('are checked against the manifest: unknown ones named, with the hosts the snapshot has', () => {
    const manifest = { hosts: [{ name: 'hv1' }, { name: 'hv2' }] };
    expect(knownHosts(manifest, undefined).ok).toBe(true);
    expect(knownHosts(manifest, ['hv2', 'hv2']).ok).toBe(true);
    const r = knownHosts(manifest, ['hv9', 'hv1', 'hv8']);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe('host hv9, hv8 is not in the snapshot (it has: hv1, hv2)');
  });

  it('are refused the same way by doctor, bgp, offload, mtu and the loader', async () => {
    const refusals = [
      runDoctor({ snapshot: FIXTURE, hosts: ['nope'] }),
      auditBgp({ snapshot: FIXTURE, hosts: ['nope'] }),
      auditOffload({ snapshot: FIXTURE, hosts: ['nope'] }),
      auditMtu({ snapshot: FIXTURE, hosts: ['nope'], all: true }),
      loadSnapshot(FIXTURE, { hosts: ['nope'] }),
    ];
    for (const r of await Promise.all(refusals)) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/^host nope is not in the snapshot \(it has: hv1, hv2, hv3\)$/);
    }
  });
});
