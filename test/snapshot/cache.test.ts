import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { flowKeyOf } from '../../src/model/flow-list.js';
import type { Manifest } from '../../src/model/manifest.js';
import { parseOfctlFlows } from '../../src/parse/ofctl-flows.js';
import {
  CACHE_DIR,
  cacheFileName,
  decodeCacheFile,
  decodeFlowDump,
  decodeValue,
  encodeCacheFile,
  encodeFlowDump,
  encodeValue,
  type CacheEvent,
  type CacheKey,
} from '../../src/snapshot/cache.js';
import { loadSnapshot } from '../../src/snapshot/load.js';

const fixtures = resolve(import.meta.dirname, '../../fixtures');
const FIXTURE = join(fixtures, 'lb-nat-3chassis');
const DUMP = 'hosts/hv1/ovs-ofctl.dump-flows.br-int.out';

/** A dump that exercises every field of the cache: stats (with `?`), flags, timeouts, importance,
 * long cookies, protocols, port names, an unparsable line, an elision and several headers. */
const ODD_DUMP = [
  'NXST_FLOW reply (xid=0x4): flags=[more]',
  ' cookie=0x123456789abcdef0, duration=1.5s, table=3, n_packets=?, n_bytes=18446744073709551615, idle_timeout=10, hard_timeout=20, send_flow_rem check_overlap importance=7, idle_age=1, hard_age=2, priority=5,tcp,in_port="tap 1",nw_src=10.0.0.0/8,tp_dst=0x50/0xfff0 actions=ct(commit,zone=NXM_NX_REG13[0..15],nat(src=10.1.1.1-10.1.1.9:100-200),exec(load:0x1->NXM_NX_CT_MARK[])),output:"tap 2"',
  ' cookie=0x0, duration=0.001s, table=0, n_packets=0, n_bytes=0, priority=0 actions=drop',
  ' this is not a flow',
  '...',
  'NXST_FLOW reply (xid=0x5):',
  ' cookie=0x1, table=1, priority=1,ipv6,ipv6_src=2001:db8::/32 actions=learn(table=69,delete_learned,cookie=0x1,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0x1->NXM_NX_REG10[3]),controller(userdata=00.00.00.0b.00,pause),bogus_action',
  '',
].join('\n');

const work: string[] = [];
afterEach(() => {
  for (const d of work.splice(0)) rmSync(d, { recursive: true, force: true });
});

function copyFixture(): string {
  const d = mkdtempSync(join(tmpdir(), 'ovnscope-cache-'));
  work.push(d);
  cpSync(FIXTURE, d, { recursive: true, preserveTimestamps: true });
  rmSync(join(d, CACHE_DIR), { recursive: true, force: true });
  return d;
}

const key = (over: Partial<CacheKey> = {}): CacheKey => ({ format: 1, tool: 't', code: 'c', kind: 'flows', host: 'hv1', bridge: 'br-int', source: { file: 'f.out', sha256: 'aa' }, ...over });

/**
 * Loads hv1 and records the events of the flows cache. The classifier cache (its events and the
 * `classifierCache` field it attaches) is the subject of cache-classifier.test.ts, left out here
 * so that a cached load can be compared with an uncached one.
 */
async function load(dir: string, events: CacheEvent[], extra: { minBytes?: number; enabled?: boolean } = {}) {
  const r = await loadSnapshot(dir, {
    hosts: ['hv1'],
    withoutCentral: true,
    cache: { minBytes: 0, onEvent: (e) => (basename(e.file).startsWith('flows.') ? events.push(e) : undefined), ...extra },
  });
  if (!r.ok) throw new Error(r.error.message);
  return { ...r.value, hosts: r.value.hosts.map((h) => ({ ...h, bridges: h.bridges.map(({ classifierCache: _index, ...b }) => b) })) };
}

describe('flow dump codec', () => {
  it('decodes to exactly what the parser returned (every fixture dump and an odd one)', () => {
    const dumps = readdirSync(fixtures, { recursive: true, encoding: 'utf8' }).filter((f) => /dump-flows\..*\.out$/.test(f));
    expect(dumps.length).toBeGreaterThan(3);
    const texts = [...dumps.map((f) => readFileSync(join(fixtures, f), 'utf8')), ODD_DUMP];
    for (const text of texts) {
      const parsed = parseOfctlFlows(text);
      const content = encodeFlowDump(parsed, { size: 1, mtimeMs: 2 });
      const file = encodeCacheFile(key(), content);
      const back = decodeCacheFile(file, key());
      if (typeof back === 'string') throw new Error(back);
      const decoded = decodeFlowDump(back.content);
      // The key columns (read before any entry is made) agree with the parsed entries.
      const cols = flowKeyOf(decoded.value.flows);
      expect(parsed.value.flows.every((f, i) => cols.table(i) === f.table && cols.priority(i) === f.priority && cols.cookie(i) === f.cookie && cols.line(i) === f.line)).toBe(true);
      expect(isDeepStrictEqual(decoded, parsed)).toBe(true);
    }
    const odd = parseOfctlFlows(ODD_DUMP);
    expect(odd.value.unparsed.length).toBe(1);
    expect(odd.diagnostics.length).toBeGreaterThan(1);
  });

  it('shares decoded match items and action lists the way the parser does', () => {
    const parsed = parseOfctlFlows(readFileSync(join(FIXTURE, DUMP), 'utf8'));
    const decoded = decodeFlowDump(encodeFlowDump(parsed, { size: 1, mtimeMs: 1 }));
    const distinct = (xs: unknown[]) => new Set(xs).size;
    expect(distinct(decoded.value.flows.map((f) => f.actions))).toBe(distinct(parsed.value.flows.map((f) => f.actions)));
    expect(distinct(decoded.value.flows.flatMap((f) => f.match.items))).toBe(distinct(parsed.value.flows.flatMap((f) => f.match.items)));
  });

  it('keeps bigint, field, undefined members, -0 and nested values', () => {
    const v = { a: 1n << 100n, b: undefined, c: [{ d: -0, e: 'x' }], f: null, g: -5n };
    expect(isDeepStrictEqual(decodeValue(JSON.parse(JSON.stringify(encodeValue(v)))), v)).toBe(true);
  });

  it('refuses a file made for other data, another format, or damaged anywhere', () => {
    const content = encodeFlowDump(parseOfctlFlows(ODD_DUMP), { size: 1, mtimeMs: 1 });
    const good = encodeCacheFile(key(), content);
    expect(typeof decodeCacheFile(good, key())).toBe('object');
    expect(decodeCacheFile(good, key({ code: 'other' }))).toMatch(/stale/);
    expect(decodeCacheFile(good, key({ source: { file: 'f.out', sha256: 'bb' } }))).toMatch(/stale/);
    expect(decodeCacheFile(good, key({ host: 'hv2' }))).toMatch(/stale/);
    expect(decodeCacheFile(good.subarray(0, good.length - 9), key())).toMatch(/checksum|truncated/);
    expect(decodeCacheFile(new Uint8Array(10), key())).toMatch(/not an ovnscope cache/);
    const version = good.slice();
    version[16] = 99;
    expect(decodeCacheFile(version, key())).toMatch(/format 99/);
    // Every single-byte change after the prefix is caught by the checksum.
    for (let i = 32; i < good.length; i += Math.max(1, Math.floor(good.length / 97))) {
      const bad = good.slice();
      bad[i]! ^= 0x40;
      expect(typeof decodeCacheFile(bad, key())).toBe('string');
    }
  });
});

describe('snapshot .cache/', () => {
  it('is written on first load, read on the next, and both equal an uncached load', async () => {
    const dir = copyFixture();
    const events: CacheEvent[] = [];
    const plain = await load(dir, events, { enabled: false });
    expect(events).toEqual([]);
    const first = await load(dir, events);
    expect(events.map((e) => e.kind)).toEqual(['miss', 'written']);
    const second = await load(dir, events);
    expect(events.map((e) => e.kind)).toEqual(['miss', 'written', 'hit']);
    expect(isDeepStrictEqual(first, plain)).toBe(true);
    expect(isDeepStrictEqual(second, plain)).toBe(true);
    // Loading writes only the flows; the classifier index is written when something compiles it.
    expect(readdirSync(join(dir, CACHE_DIR))).toEqual([cacheFileName('flows', 'hv1', 'br-int')]);
  });

  it('does not cache dumps below the size threshold (the default is 1 MiB)', async () => {
    const dir = copyFixture();
    const events: CacheEvent[] = [];
    await load(dir, events, { minBytes: 1 << 20 });
    expect(events).toEqual([]);
  });

  it('ignores a cache whose source output changed (size, or only content), and caches nothing of the changed file', async () => {
    const dir = copyFixture();
    const events: CacheEvent[] = [];
    await load(dir, events);
    // Same size, different content, new mtime: the content hash decides.
    const file = join(dir, DUMP);
    const text = readFileSync(file, 'utf8');
    const changed = text.replace('priority=100', 'priority=101');
    expect(changed.length).toBe(text.length);
    writeFileSync(file, changed);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const after = await load(dir, events);
    // The file no longer matches the manifest's sha256: read (and reported damaged), never cached.
    expect(events.slice(2).map((e) => `${e.kind}${e.kind === 'miss' ? `: ${e.reason}` : ''}`)).toEqual(['miss: source output changed', 'write-failed']);
    expect(isDeepStrictEqual(after.hosts[0]!.bridges[0]!.flows, parseOfctlFlows(changed).value.flows)).toBe(true);
    expect(after.diagnostics.filter((d) => d.damage).map((d) => [d.file, d.damage])).toEqual([[DUMP, 'digest']]);
    // Other size.
    writeFileSync(file, text + ' cookie=0x0, table=0, priority=1 actions=drop\n');
    const grown = await load(dir, events);
    expect(events.slice(4).map((e) => e.kind)).toEqual(['miss', 'write-failed']);
    expect(grown.hosts[0]!.bridges[0]!.flows.length).toBe(parseOfctlFlows(text).value.flows.length + 1);
    expect((events[4] as { reason: string }).reason).toMatch(/size/);
    expect(grown.diagnostics.filter((d) => d.damage).map((d) => [d.file, d.damage])).toEqual([[DUMP, 'size']]);
    // Back to what was collected: the first cache (written from the intact dump) is stale by stamp; a new one is written.
    writeFileSync(file, text);
    const restored = await load(dir, events);
    expect(events.slice(6).map((e) => e.kind)).toEqual(['hit', 'written']);
    expect(restored.diagnostics.filter((d) => d.damage)).toEqual([]);
  });

  it('a cache hit does not hide a dump whose size is not the one the manifest recorded', async () => {
    const dir = copyFixture();
    const events: CacheEvent[] = [];
    await load(dir, events);
    expect(events.map((e) => e.kind)).toEqual(['miss', 'written']);
    // The manifest now disagrees with the (unchanged) dump the cache was stamped with.
    const mf = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8')) as Manifest;
    const edited = { ...m, hosts: m.hosts.map((h) => ({ ...h, commands: h.commands.map((c) => (c.file === DUMP ? { ...c, bytes: c.bytes + 1 } : c)) })) };
    writeFileSync(mf, JSON.stringify(edited));
    const r = await load(dir, events);
    expect(events.slice(2).map((e) => e.kind)).toEqual(['miss', 'write-failed']);
    expect(r.diagnostics.filter((d) => d.damage).map((d) => [d.file, d.damage])).toEqual([[DUMP, 'size']]);
  });

  it('revalidates a copied snapshot (new mtime, same bytes) by content and restamps the cache', async () => {
    const dir = copyFixture();
    const events: CacheEvent[] = [];
    await load(dir, events);
    const file = join(dir, DUMP);
    const t = statSync(file).mtime;
    utimesSync(file, t, new Date(t.getTime() + 60_000));
    await load(dir, events);
    expect(events.slice(2).map((e) => e.kind)).toEqual(['hit', 'written']);
    await load(dir, events);
    expect(events.slice(4).map((e) => e.kind)).toEqual(['hit']);
  });

  it('ignores a corrupt or truncated cache file and rewrites it', async () => {
    const dir = copyFixture();
    const events: CacheEvent[] = [];
    const plain = await load(dir, [], { enabled: false });
    await load(dir, events);
    const cf = join(dir, CACHE_DIR, cacheFileName('flows', 'hv1', 'br-int'));
    const bytes = readFileSync(cf);
    for (const damaged of [bytes.subarray(0, bytes.length >> 1), Buffer.concat([bytes.subarray(0, 100), Buffer.from('garbage'), bytes.subarray(107)]), Buffer.from('not a cache')]) {
      writeFileSync(cf, damaged);
      const n = events.length;
      const r = await load(dir, events);
      expect(events.slice(n).map((e) => e.kind)).toEqual(['miss', 'written']);
      expect(isDeepStrictEqual(r, plain)).toBe(true);
    }
  });

  it('never fails a load when the cache cannot be written', async () => {
    const dir = copyFixture();
    // `.cache` is a file: the directory cannot be created (like a read-only snapshot).
    writeFileSync(join(dir, CACHE_DIR), 'in the way');
    const events: CacheEvent[] = [];
    const plain = await load(dir, [], { enabled: false });
    const r = await load(dir, events);
    expect(events.map((e) => e.kind)).toEqual(['miss', 'write-failed']);
    expect(isDeepStrictEqual(r, plain)).toBe(true);
  });

  it('keys on the content hash when the manifest recorded none', async () => {
    const dir = copyFixture();
    const mf = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8')) as Manifest;
    const stripped = { ...m, hosts: m.hosts.map((h) => ({ ...h, commands: h.commands.map(({ sha256: _drop, ...c }) => c) })) };
    writeFileSync(mf, JSON.stringify(stripped));
    const events: CacheEvent[] = [];
    const plain = await load(dir, [], { enabled: false });
    await load(dir, events);
    const r = await load(dir, events);
    expect(events.map((e) => e.kind)).toEqual(['miss', 'written', 'hit']);
    expect(isDeepStrictEqual(r, plain)).toBe(true);
  });
});
