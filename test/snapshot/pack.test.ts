import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tar from 'tar';
import { beforeAll, describe, expect, it } from 'vitest';
import { packSnapshot, unpackFixture } from '../../src/snapshot/pack.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { listFlows } from '../../src/services/flows.js';

const fixture = resolve(import.meta.dirname, '../../fixtures/lb-nat-3chassis');

/** Digest of every file under a directory (to prove packing never modifies the source). */
function treeDigest(dir: string): string {
  const h = createHash('sha256');
  for (const f of (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).sort()) {
    const p = join(dir, f);
    if (statSync(p).isFile()) h.update(f).update(readFileSync(p));
  }
  return h.digest('hex');
}

describe('fixture pack / unpack', () => {
  let work: string;
  let packed: string;
  let sourceDigest: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ovnscope-pack-test-'));
    const src = join(work, 'src');
    cpSync(fixture, src, { recursive: true });
    sourceDigest = treeDigest(src);
    packed = join(work, 'bug.tar.gz');
    const r = await packSnapshot(src, packed);
    expect(r.ok).toBe(true);
  });

  it('never modifies the source snapshot and leaves no temporary files', async () => {
    expect(treeDigest(join(work, 'src'))).toBe(sourceDigest);
    expect((await readdir(work)).filter((f) => f.includes('.part'))).toEqual([]);
  });

  it('unpacks to the same files, and carries a README and FIXTURE.json', async () => {
    const out = join(work, 'unpacked');
    const r = await unpackFixture(packed, out);
    expect(r.ok).toBe(true);
    for (const f of readdirSync(fixture, { recursive: true, encoding: 'utf8' }) as string[]) {
      const p = join(fixture, f);
      if (statSync(p).isFile()) expect(readFileSync(join(out, f)).equals(readFileSync(p)), f).toBe(true);
    }
    const listing: string[] = [];
    await tar.list({ file: packed, onReadEntry: (e) => listing.push(e.path) });
    expect(listing).toContain('ovnscope-fixture/README.md');
    expect(listing).toContain('ovnscope-fixture/FIXTURE.json');
  });

  it('is accepted directly as --snapshot by analysis commands', async () => {
    const fromPack = await listFlows({ snapshot: packed, host: 'hv2', bridge: 'br-int', table: 0 });
    const fromDir = await listFlows({ snapshot: fixture, host: 'hv2', bridge: 'br-int', table: 0 });
    if (!fromPack.ok || !fromDir.ok) throw new Error('listFlows failed');
    expect(fromPack.value.flows).toEqual(fromDir.value.flows);
  });

  it('--hosts packs a self-consistent subset', async () => {
    const sub = join(work, 'sub.tar.gz');
    const r = await packSnapshot(fixture, sub, { hosts: ['hv1'] });
    expect(r.ok && r.value.hosts).toEqual(['hv1']);
    const loaded = await loadSnapshot(sub);
    if (!loaded.ok) throw new Error(loaded.error.message);
    expect(loaded.value.hosts.map((h) => h.name)).toEqual(['hv1']);
    expect(loaded.value.sb!.portBindings.length).toBeGreaterThan(0);
    const bad = await packSnapshot(fixture, join(work, 'x.tar.gz'), { hosts: ['hv9'] });
    expect(!bad.ok && bad.error.message).toMatch(/hv9 not in the snapshot/);
  });

  it('refuses truncated, corrupt, foreign, newer-format and path-escaping packs, leaving nothing behind', async () => {
    const bytes = readFileSync(packed);
    const truncated = join(work, 'truncated.tar.gz');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const garbage = join(work, 'garbage.tar.gz');
    writeFileSync(garbage, 'this is not a tarball');

    // A pack whose file no longer matches its digest.
    const stage = join(work, 'stage');
    await mkdir(stage);
    await tar.extract({ file: packed, cwd: stage });
    writeFileSync(join(stage, 'ovnscope-fixture/snapshot/hosts/hv1/ovs-vsctl.version.out'), 'tampered');
    const corrupt = join(work, 'corrupt.tar.gz');
    await tar.create({ gzip: true, file: corrupt, cwd: stage }, ['ovnscope-fixture']);

    const info = JSON.parse(readFileSync(join(stage, 'ovnscope-fixture/FIXTURE.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(stage, 'ovnscope-fixture/FIXTURE.json'), JSON.stringify({ ...info, formatVersion: 99 }));
    const newer = join(work, 'newer.tar.gz');
    await tar.create({ gzip: true, file: newer, cwd: stage }, ['ovnscope-fixture']);

    const evilStage = join(work, 'evil');
    await mkdir(join(evilStage, 'other'), { recursive: true });
    await writeFile(join(evilStage, 'other', 'x'), 'x');
    const evil = join(work, 'evil.tar.gz');
    await tar.create({ gzip: true, file: evil, cwd: evilStage }, ['other']);

    const cases: [string, RegExp][] = [
      [truncated, /not a readable ovnscope fixture|missing from the pack|FIXTURE\.json is missing/],
      [garbage, /not a readable ovnscope fixture/],
      [corrupt, /does not match its sha256/],
      [newer, /newer than this ovnscope understands/],
      [evil, /unexpected entry other/],
    ];
    for (const [file, message] of cases) {
      const out = join(work, `out-${file.split('/').pop()}`);
      const r = await unpackFixture(file, out);
      expect(r.ok, file).toBe(false);
      if (!r.ok) expect(r.error.message, file).toMatch(message);
      expect(existsSync(out), file).toBe(false);
      const loaded = await loadSnapshot(file);
      expect(loaded.ok, file).toBe(false);
    }
    expect((await readdir(work)).filter((f) => f.includes('.unpack-'))).toEqual([]);
  });

  it('refuses a pack whose manifest points an output outside the snapshot, even with consistent digests', async () => {
    const stage = join(work, 'crafted');
    await mkdir(stage);
    await tar.extract({ file: packed, cwd: stage });
    const root = join(stage, 'ovnscope-fixture');
    const mf = join(root, 'snapshot/manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8')) as { hosts: { commands: { id: string; file?: string }[] }[] };
    m.hosts[0]!.commands.find((c) => c.id === 'ovs-vsctl.list.Interface')!.file = 'hosts/hv1/../../../outside.out';
    writeFileSync(mf, JSON.stringify(m));
    // FIXTURE.json vouches for the edited manifest: only the path check can catch it.
    const info = JSON.parse(readFileSync(join(root, 'FIXTURE.json'), 'utf8')) as { files: Record<string, string> };
    info.files['snapshot/manifest.json'] = createHash('sha256').update(readFileSync(mf)).digest('hex');
    writeFileSync(join(root, 'FIXTURE.json'), JSON.stringify(info));
    const crafted = join(work, 'crafted.tar.gz');
    await tar.create({ gzip: true, file: crafted, cwd: stage }, ['ovnscope-fixture']);
    const out = join(work, 'out-crafted');
    const r = await unpackFixture(crafted, out);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/snapshot\/manifest\.json: hosts\[0\]\.commands\[\d+\]\.file: "hosts\/hv1\/\.\.\/\.\.\/\.\.\/outside\.out" is not a path inside the snapshot/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses to pack a damaged snapshot, naming every damaged file, and writes nothing', async () => {
    const src = join(work, 'damaged-src');
    cpSync(fixture, src, { recursive: true });
    rmSync(join(src, 'hosts/hv1/ovs-vsctl.list.Interface.out'));
    const dump = 'hosts/hv2/ovs-ofctl.dump-flows.br-int.out';
    writeFileSync(join(src, dump), readFileSync(join(src, dump), 'utf8').split('\n').slice(0, 100).join('\n') + '\n');
    const out = join(work, 'damaged.tar.gz');
    const r = await packSnapshot(src, out);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.exitCode).toBe(2);
      expect(r.error.message).toMatch(/is damaged: 2 files changed after collection/);
      expect(r.error.message).toContain('hosts/hv1/ovs-vsctl.list.Interface.out: listed in the manifest but missing');
      expect(r.error.message).toMatch(/hosts\/hv2\/ovs-ofctl\.dump-flows\.br-int\.out: \d+ bytes where the manifest recorded \d+ .*truncated\?/);
    }
    expect(existsSync(out)).toBe(false);
    expect((await readdir(work)).filter((f) => f.includes('.part'))).toEqual([]);
  });

  it('never overwrites -o and says so when its directory does not exist (exit 2, not an internal error)', async () => {
    const existing = join(work, 'existing.tar.gz');
    writeFileSync(existing, 'keep me');
    const r = await packSnapshot(join(work, 'src'), existing);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.exitCode, r.error.message]).toEqual([2, `-o ${existing} already exists; fixture pack never overwrites a file: choose another name or remove it first`]);
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
    const nowhere = join(work, 'nodir', 'x.tar.gz');
    const n = await packSnapshot(join(work, 'src'), nowhere);
    expect(n.ok).toBe(false);
    if (!n.ok) expect([n.error.exitCode, n.error.message]).toEqual([2, `-o ${nowhere}: directory ${join(work, 'nodir')} does not exist`]);
  });

  it('refuses a pack holding a file FIXTURE.json does not list', async () => {
    const stage = join(work, 'extra');
    await mkdir(stage);
    await tar.extract({ file: packed, cwd: stage });
    writeFileSync(join(stage, 'ovnscope-fixture/snapshot/hosts/hv1/extra.out'), 'not collected by anyone\n');
    const extra = join(work, 'extra.tar.gz');
    await tar.create({ gzip: true, file: extra, cwd: stage }, ['ovnscope-fixture']);
    const out = join(work, 'out-extra');
    const r = await unpackFixture(extra, out);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/snapshot\/hosts\/hv1\/extra\.out is not listed in FIXTURE\.json/);
    expect(existsSync(out)).toBe(false);
  });
});
