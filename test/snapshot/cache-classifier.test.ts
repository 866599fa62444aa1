// The classifier index in <snapshot>/.cache/: written by the first compile after a load, mapped
// back by the next load, and rebuilt — never used — whenever what it was derived from changed
// (dump, ports, code, tool version) or the file is damaged; a snapshot that cannot be written,
// or a packed one, still traces the same.

import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/model/manifest.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { compileBridge, compileHost, type CompiledBridge, type CompiledHost } from '../../src/sim/compile.js';
import { PacketState } from '../../src/sim/state.js';
import { CACHE_DIR, cacheFileName, decodeCacheFile, encodeCacheFile, type CacheEvent, type CacheKey } from '../../src/snapshot/cache.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { packSnapshot, resolveSnapshotPath } from '../../src/snapshot/pack.js';
import { lookupDiff, packetsFor } from '../sim/classifier-reference.js';

const FIXTURE = resolve(import.meta.dirname, '../../fixtures/lb-nat-3chassis');
const DUMP = 'hosts/hv1/ovs-ofctl.dump-flows.br-int.out';
const INDEX_FILE = cacheFileName('classifier', 'hv1', 'br-int');

const work: string[] = [];
afterEach(() => {
  for (const d of work.splice(0)) rmSync(d, { recursive: true, force: true });
});

function copyFixture(): string {
  const d = mkdtempSync(join(tmpdir(), 'ovnscope-classifier-cache-'));
  work.push(d);
  cpSync(FIXTURE, d, { recursive: true, preserveTimestamps: true });
  rmSync(join(d, CACHE_DIR), { recursive: true, force: true });
  return d;
}

/** Loads hv1 with the cache on for the fixture's small dumps; records the classifier file's events as `kind` or `kind: reason`. */
async function load(dir: string, events: string[], enabled = true): Promise<Snapshot> {
  const onEvent = (e: CacheEvent) => {
    if (basename(e.file).startsWith('classifier.')) events.push(e.kind === 'miss' ? `miss: ${e.reason}` : e.kind);
  };
  const r = await loadSnapshot(dir, { hosts: ['hv1'], withoutCentral: true, classifier: true, cache: { minBytes: 0, enabled, onEvent } });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const brInt = (ch: CompiledHost): CompiledBridge => ch.bridges.get('br-int')!;

/** Lookup differences between two compilations of hv1/br-int (flows compared by dump line), and how many lookups were made. */
function lookupDiffs(a: CompiledBridge, b: CompiledBridge): { diffs: string[]; lookups: number } {
  const diffs: string[] = [];
  const packets = packetsFor(b.state.flows, (n) => b.portByName.get(n)?.ofport);
  for (const p of packets) {
    const d = lookupDiff(a.tables[p.table]!.lookup(new PacketState(p.v)), b.tables[p.table]!.lookup(new PacketState(p.v)));
    if (d) diffs.push(`${p.what}: ${d}`);
  }
  return { diffs: diffs.slice(0, 5), lookups: packets.length };
}

/** The index compiled without any cache: what every cached compile must agree with. */
async function uncached(dir: string): Promise<CompiledBridge> {
  return brInt(compileHost((await load(dir, [], false)).hosts[0]!));
}

/** True when the index's arrays are views of a buffer of the cache file's size (mapped back, not built). */
function fromFile(cb: CompiledBridge, dir: string): boolean {
  const t = cb.tables.find((x) => x !== undefined)!;
  return t.arrays.flowPos.buffer.byteLength === readFileSync(join(dir, CACHE_DIR, INDEX_FILE)).length;
}

/** Rewrites the cache file as another ovnscope (other key fields) would have written the same content. */
function rewriteKey(dir: string, change: (k: CacheKey) => CacheKey): void {
  const file = join(dir, CACHE_DIR, INDEX_FILE);
  const bytes = readFileSync(file);
  const header = JSON.parse(bytes.subarray(32, 32 + bytes.readUInt32LE(20)).toString('utf8')) as { key: CacheKey };
  const decoded = decodeCacheFile(bytes, header.key);
  if (typeof decoded === 'string') throw new Error(decoded);
  writeFileSync(file, encodeCacheFile(change(header.key), decoded.content));
}

describe('classifier index in .cache/', () => {
  it('is written by the first compile and mapped back by the next load, with the same lookups', async () => {
    const dir = copyFixture();
    const events: string[] = [];
    const first = brInt(compileHost((await load(dir, events)).hosts[0]!));
    expect(events).toEqual(['miss: no cache file', 'written']);
    expect(readdirSync(join(dir, CACHE_DIR)).sort()).toEqual([cacheFileName('flows', 'hv1', 'br-int'), INDEX_FILE].sort());
    const second = brInt(compileHost((await load(dir, events)).hosts[0]!));
    expect(events.slice(2)).toEqual(['hit']);
    expect(fromFile(second, dir)).toBe(true);
    expect(fromFile(first, dir)).toBe(false);
    const base = await uncached(dir);
    for (const cb of [first, second]) {
      const r = lookupDiffs(cb, base);
      expect(r.diffs).toEqual([]);
      expect(r.lookups).toBeGreaterThan(1000);
      expect(cb.problems.map((p) => [p.entry.line, p.message])).toEqual(base.problems.map((p) => [p.entry.line, p.message]));
      expect(cb.nFlows).toBe(base.nFlows);
    }
  });

  it('is not read by loads that will not trace (no `classifier: true`), nor written by them', async () => {
    const dir = copyFixture();
    const events: string[] = [];
    brInt(compileHost((await load(dir, events)).hosts[0]!));
    expect(events).toEqual(['miss: no cache file', 'written']);
    const onEvent = (e: CacheEvent) => events.push(basename(e.file));
    const r = await loadSnapshot(dir, { hosts: ['hv1'], withoutCentral: true, cache: { minBytes: 0, onEvent } });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.hosts[0]!.bridges.find((b) => b.name === 'br-int')!.classifierCache).toBeUndefined();
    expect(events.slice(2).filter((f) => f.startsWith('classifier.'))).toEqual([]);
    expect(events.slice(2)).toContain(cacheFileName('flows', 'hv1', 'br-int'));
  });

  it('is not used or written when the cache is off, or for a BridgeState copied with other flows or ports', async () => {
    const dir = copyFixture();
    const events: string[] = [];
    const off = await load(dir, events, false);
    expect(off.hosts[0]!.bridges[0]!.classifierCache).toBeUndefined();
    compileHost(off.hosts[0]!);
    const on = (await load(dir, events)).hosts[0]!.bridges[0]!;
    expect(on.classifierCache).toBeDefined();
    compileBridge({ ...on, flows: on.flows.slice(1) });
    compileBridge({ ...on, ports: on.ports.slice(1) });
    expect(events).toEqual(['miss: no cache file']);
    expect(existsSync(join(dir, CACHE_DIR, INDEX_FILE))).toBe(false);
  });

  it('is rebuilt when the dump changed (same size, other content, recorded in the manifest) and agrees with the new flows', async () => {
    const dir = copyFixture();
    const events: string[] = [];
    compileHost((await load(dir, events)).hosts[0]!);
    const file = join(dir, DUMP);
    const text = readFileSync(file, 'utf8');
    const changed = text.replace('priority=100', 'priority=101');
    expect(changed).not.toBe(text);
    writeFileSync(file, changed);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    // As a re-collection would record it (a dump edited behind the manifest's back is damaged and never cached).
    const mf = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8')) as Manifest;
    const sha = createHash('sha256').update(changed).digest('hex');
    writeFileSync(mf, JSON.stringify({ ...m, hosts: m.hosts.map((h) => ({ ...h, commands: h.commands.map((c) => (c.file === DUMP ? { ...c, sha256: sha } : c)) })) }));
    const cb = brInt(compileHost((await load(dir, events)).hosts[0]!));
    expect(events.slice(2)).toEqual(['miss: derived from other data or code (stale)', 'written']);
    expect(cb.tables.some((t) => t && [...t.arrays.flowPos].some((i) => cb.state.flows[i]!.priority === 101))).toBe(true);
    expect(lookupDiffs(cb, await uncached(dir)).diffs).toEqual([]);
    // And the rewritten index is used from then on.
    compileHost((await load(dir, events)).hosts[0]!);
    expect(events.slice(4)).toEqual(['hit']);
  });

  it('is neither used nor written when the manifest gives the dump another sha256 (the dump is damaged)', async () => {
    const dir = copyFixture();
    const events: string[] = [];
    compileHost((await load(dir, events)).hosts[0]!);
    const mf = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8')) as Manifest;
    const other = createHash('sha256').update('other').digest('hex');
    writeFileSync(mf, JSON.stringify({ ...m, hosts: m.hosts.map((h) => ({ ...h, commands: h.commands.map((c) => (c.file === DUMP ? { ...c, sha256: other } : c)) })) }));
    const snap = await load(dir, events);
    expect(snap.hosts[0]!.bridges.find((b) => b.name === 'br-int')!.classifierCache).toBeUndefined();
    compileHost(snap.hosts[0]!);
    expect(events.slice(2)).toEqual([]);
    expect(snap.diagnostics.filter((d) => d.damage).map((d) => [d.file, d.damage])).toEqual([[DUMP, 'digest']]);
  });

  it('is rebuilt when a port changed its ofport', async () => {
    const dir = copyFixture();
    const events: string[] = [];
    const before = (await load(dir, events)).hosts[0]!;
    compileHost(before);
    const file = join(dir, 'hosts/hv1/ovs-vsctl.list.Interface.out');
    const j = JSON.parse(readFileSync(file, 'utf8')) as { headings: string[]; data: unknown[][] };
    const row = j.data.find((r) => r[j.headings.indexOf('name')] === 'a1')!;
    expect(row[j.headings.indexOf('ofport')]).toBe(3);
    row[j.headings.indexOf('ofport')] = 33;
    writeFileSync(file, JSON.stringify(j));
    const after = (await load(dir, events)).hosts[0]!;
    expect(after.bridges[0]!.ports.some((p) => p.name === 'a1' && p.ofport === 33)).toBe(true);
    const cb = brInt(compileHost(after));
    expect(events.slice(2)).toEqual(['miss: derived from other data or code (stale)', 'written']);
    expect(lookupDiffs(cb, await uncached(dir)).diffs).toEqual([]);
  });

  // The code fingerprint and the tool version come from the installed ovnscope; a file written by
  // another build is made here by re-keying the real file as that build would have keyed it.
  it.each([
    ['code fingerprint', (k: CacheKey) => ({ ...k, code: 'another build' })],
    ['tool version', (k: CacheKey) => ({ ...k, tool: '0.0.0-other' })],
    ['ports digest', (k: CacheKey) => ({ ...k, inputs: 'other ports' })],
  ])('is rebuilt when written by another %s', async (_what, change) => {
    const dir = copyFixture();
    const events: string[] = [];
    compileHost((await load(dir, events)).hosts[0]!);
    rewriteKey(dir, change);
    const cb = brInt(compileHost((await load(dir, events)).hosts[0]!));
    expect(events.slice(2)).toEqual(['miss: derived from other data or code (stale)', 'written']);
    expect(fromFile(cb, dir)).toBe(false);
    compileHost((await load(dir, events)).hosts[0]!);
    expect(events.slice(4)).toEqual(['hit']);
  });

  it('ignores a truncated or corrupt file, rebuilds the same index and rewrites it', async () => {
    const dir = copyFixture();
    const events: string[] = [];
    compileHost((await load(dir, events)).hosts[0]!);
    const base = await uncached(dir);
    const cf = join(dir, CACHE_DIR, INDEX_FILE);
    const bytes = readFileSync(cf);
    const flipped = Buffer.from(bytes);
    flipped[bytes.length >> 1]! ^= 0x10;
    for (const damaged of [bytes.subarray(0, bytes.length >> 1), bytes.subarray(0, 20), flipped, Buffer.from('not a cache')]) {
      writeFileSync(cf, damaged);
      const n = events.length;
      const cb = brInt(compileHost((await load(dir, events)).hosts[0]!));
      expect(events.slice(n)).toHaveLength(2);
      expect(events[n]).toMatch(/^miss: (checksum|not an ovnscope cache|truncated)/);
      expect(events[n + 1]).toBe('written');
      expect(lookupDiffs(cb, base).diffs).toEqual([]);
    }
    expect(readFileSync(cf).equals(bytes)).toBe(true);
  });

  // A valid checksum over inconsistent arrays only comes from a bug or a forged file: faked here.
  it('rebuilds when a well-formed file holds arrays that do not fit the flows (faked)', async () => {
    const dir = copyFixture();
    const events: string[] = [];
    compileHost((await load(dir, events)).hosts[0]!);
    const cf = join(dir, CACHE_DIR, INDEX_FILE);
    const bytes = readFileSync(cf);
    const header = JSON.parse(bytes.subarray(32, 32 + bytes.readUInt32LE(20)).toString('utf8')) as { key: CacheKey };
    const decoded = decodeCacheFile(bytes, header.key);
    if (typeof decoded === 'string') throw new Error(decoded);
    const sections = { ...decoded.content.sections };
    const name = Object.keys(sections).find((k) => k.endsWith('.listFlow') && sections[k]!.length > 1)!;
    const lf = sections[name]!.slice();
    lf[0] = lf[1]!;
    sections[name] = lf;
    writeFileSync(cf, encodeCacheFile(header.key, { ...decoded.content, sections }));
    const cb = brInt(compileHost((await load(dir, events)).hosts[0]!));
    expect(events.slice(2)).toEqual(['hit', expect.stringMatching(/^miss: unusable: table \d+: flow listed twice/), 'written']);
    expect(lookupDiffs(cb, await uncached(dir)).diffs).toEqual([]);
    expect(readFileSync(cf).equals(bytes)).toBe(true);
  });

  // Tests run as root, which chmod does not stop: `.cache` is made a file, so it cannot be created.
  it('traces the same from a snapshot it cannot write to, and writes nothing', async () => {
    const dir = copyFixture();
    writeFileSync(join(dir, CACHE_DIR), 'in the way');
    const events: string[] = [];
    const cb = brInt(compileHost((await load(dir, events)).hosts[0]!));
    expect(events).toEqual(['miss: no cache file', 'write-failed']);
    expect(readFileSync(join(dir, CACHE_DIR), 'utf8')).toBe('in the way');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(lookupDiffs(cb, await uncached(dir)).diffs).toEqual([]);
  });

  it('leaves a packed snapshot untouched and traces the same from it', async () => {
    const dir = copyFixture();
    const packed = join(dir, 'bug.tar.gz');
    expect((await packSnapshot(dir, packed)).ok).toBe(true);
    const packBytes = readFileSync(packed);
    const events: string[] = [];
    const snap = await load(packed, events);
    const unpacked = await resolveSnapshotPath(packed);
    if (!unpacked.ok) throw new Error(unpacked.error.message);
    work.push(unpacked.value); // the verified unpacked copy in tmpdir, private to this pack
    const cb = brInt(compileHost(snap.hosts[0]!));
    expect(readFileSync(packed).equals(packBytes)).toBe(true);
    // What is written goes to the unpacked copy, like the flows cache: never into the pack.
    expect(events).toEqual(['miss: no cache file', 'written']);
    expect(existsSync(join(unpacked.value, CACHE_DIR, INDEX_FILE))).toBe(true);
    expect(lookupDiffs(cb, await uncached(dir)).diffs).toEqual([]);
  });
});
