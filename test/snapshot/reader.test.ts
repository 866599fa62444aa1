import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openSnapshot, validateManifest } from '../../src/snapshot/reader.js';

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
