/**
 * `<snapshot>/.cache/`: derived data that makes reloading a big snapshot fast. Safe to delete.
 *
 * It holds two files per bridge whose dump is big enough (1 MiB by default):
 *   - `flows.*`: the parsed `ovs-ofctl dump-flows` (a 477,000-flow, 92 MB dump parses in about a
 *     second; it decodes from here in a fraction of that and is never read as text);
 *   - `classifier.*`: the simulator's classifier index of those flows (src/sim/classifier.ts;
 *     seconds to build, ~10 ms to map back), keyed like the flows plus the bridge's ports.
 * The file format is generic — a header naming what the file was derived from, then typed-array
 * sections — so other derived tables can be stored the same way (`readCacheFile` /
 * `writeCacheFile`).
 *
 * Trust: a cache file is used only when everything it was derived from is unchanged:
 *   - its kind, host and bridge, CACHE_FORMAT_VERSION and ovnscope's version;
 *   - a fingerprint of the code that produced it (the source of the parser modules, read at
 *     run time), so a parser fix invalidates old caches without anyone bumping a number;
 *   - the source output: its snapshot-relative path and sha256 (the manifest's, else computed),
 *     and its size and mtime as stat() sees them now. When only size/mtime differ (a copied
 *     snapshot) the file is hashed; equal content revalidates the cache (rewritten with the new
 *     stamp), different content makes it stale;
 *   - the source output was verified when the cache was written: it is written only from a dump
 *     whose size and sha256 matched the manifest (the reader checks them as it reads the text),
 *     so a hit with an unchanged stamp vouches for the dump without hashing it again;
 *   - a CRC-32 over the whole body, and bounds checks while decoding.
 * A stale, truncated or corrupt cache is ignored (and rewritten); nothing in it is trusted
 * before those checks pass. Writing is best-effort: a read-only snapshot (an unpacked fixture
 * in a read-only place, a mounted bug-report directory) just goes without a cache, and writing
 * never makes a command fail. Files are written under a temporary name and renamed, so a
 * concurrent reader never sees half a file.
 *
 * Layout of a cache file (all integers little-endian):
 *   [0, 16)   magic "OVNSCOPE-CACHE\n\0"
 *   [16, 20)  u32 CACHE_FORMAT_VERSION
 *   [20, 24)  u32 byte length H of the header JSON
 *   [24, 28)  u32 CRC-32 of bytes [32, end)
 *   [28, 32)  u32 0
 *   [32, 32+H) header JSON: { key, stamp, sections: [{ name, type, length }], data }
 *   then each section's typed array, in header order, each starting at a multiple of 8.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Diagnostic, Parsed } from '../model/diagnostic.js';
import { FIELDS, type FieldDef } from '../model/fields.js';
import { lazyFlowList } from '../model/flow-list.js';
import type { Action, FlowEntry, FlowFlag, FlowStats, Match, MatchItem, ProtocolShorthand } from '../model/flow.js';
import { PROTOCOLS } from '../model/flow.js';
import type { ManifestCommand } from '../model/manifest.js';
import { onesMask } from '../model/masked.js';
import type { BridgePort, ClassifierCache, DerivedArrays } from '../model/snapshot.js';
import type { DumpHeader, FlowDump } from '../parse/ofctl-flows.js';
import { TOOL_VERSION } from '../version.js';

/** Bump when the layout or the meaning of a section changes. */
export const CACHE_FORMAT_VERSION = 1;
export const CACHE_DIR = '.cache';
const MAGIC = 'OVNSCOPE-CACHE\n\0';
const PREFIX = 32;

/** Dumps smaller than this are parsed every time (a cache would not pay for its file). */
export const DEFAULT_MIN_CACHE_BYTES = 1 << 20;

export interface CacheOptions {
  /** Use and write `.cache/` (default true). */
  readonly enabled?: boolean;
  /** Only outputs at least this big are cached (default 1 MiB). */
  readonly minBytes?: number;
  /** Called with a one-line reason whenever the cache is not used or not written (debugging, tests). */
  readonly onEvent?: (event: CacheEvent) => void;
}

export type CacheEvent =
  | { readonly kind: 'hit'; readonly file: string }
  | { readonly kind: 'miss'; readonly file: string; readonly reason: string }
  | { readonly kind: 'written'; readonly file: string; readonly bytes: number }
  | { readonly kind: 'write-failed'; readonly file: string; readonly reason: string };

// ---------------------------------------------------------------------------------------------
// Keys

/** What a cache file was derived from; must be equal (deeply) for the file to be used. */
export interface CacheKey {
  readonly format: number;
  readonly tool: string;
  /** Fingerprint of the code that produced the data. */
  readonly code: string;
  readonly kind: string;
  readonly host: string;
  readonly bridge: string;
  /**
   * Snapshot-relative path of the source output and the sha256 of its content. An expected key
   * without sha256 (a manifest that recorded none) accepts the cache's own, which the source
   * stamp then vouches for.
   */
  readonly source: { readonly file: string; readonly sha256?: string };
  /** Digest of any other input the data depends on (the classifier: the bridge's ports). */
  readonly inputs?: string;
}

/** The source file as stat() saw it when the cache was written. */
export interface SourceStamp {
  readonly size: number;
  readonly mtimeMs: number;
}

/** Modules whose code decides what parseOfctlFlows returns (plus this one, the codec). */
const FLOW_CODE = ['../parse/ofctl-flows', '../parse/ofp-actions', '../parse/scan', '../model/masked', '../model/fields', '../model/flow', './cache'];

/**
 * sha256 over the source of `modules` (paths relative to this file, without extension), as
 * installed: `.js` under dist/, `.ts` when run from source. A module that cannot be read makes
 * the fingerprint unique to this process, which disables the cache rather than risk a stale one.
 */
export async function codeFingerprint(modules: readonly string[] = FLOW_CODE): Promise<string> {
  const h = createHash('sha256');
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  for (const m of modules) {
    try {
      h.update(m).update(await readFile(new URL(m + ext, import.meta.url)));
    } catch {
      h.update(`unreadable:${m}:${process.pid}:${Date.now()}:${Math.random()}`);
    }
  }
  return h.digest('hex');
}

function sameKey(a: CacheKey, b: CacheKey): boolean {
  return (
    a.format === b.format &&
    a.tool === b.tool &&
    a.code === b.code &&
    a.kind === b.kind &&
    a.host === b.host &&
    a.bridge === b.bridge &&
    (a.inputs ?? '') === (b.inputs ?? '') &&
    typeof a.source?.sha256 === 'string' &&
    a.source.file === b.source.file &&
    (b.source.sha256 === undefined || a.source.sha256 === b.source.sha256)
  );
}

/** `.cache/<kind>.<host>.<bridge>.bin`, each part percent-encoded (host names are free text). */
export function cacheFileName(kind: string, host: string, bridge: string): string {
  const part = (s: string) => encodeURIComponent(s).replace(/\./g, '%2E');
  return `${part(kind)}.${part(host)}.${part(bridge)}.bin`;
}

// ---------------------------------------------------------------------------------------------
// Generic file format

type SectionType = 'u8' | 'u16' | 'u32' | 'i32' | 'f64';
type TypedArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;

const CTORS = { u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, i32: Int32Array, f64: Float64Array } as const;

function sectionType(a: TypedArray): SectionType {
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Uint16Array) return 'u16';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Int32Array) return 'i32';
  return 'f64';
}

export interface CacheContent {
  readonly stamp: SourceStamp;
  /** JSON-compatible data (decoded with the same generic codec as `encodeValue`). */
  readonly data: unknown;
  readonly sections: Readonly<Record<string, TypedArray>>;
}

const align8 = (n: number) => (n + 7) & ~7;

/** Serialises a cache file (see the layout above). */
export function encodeCacheFile(key: CacheKey, content: CacheContent): Uint8Array {
  const names = Object.keys(content.sections);
  const header = Buffer.from(
    JSON.stringify({ key, stamp: content.stamp, sections: names.map((n) => ({ name: n, type: sectionType(content.sections[n]!), length: content.sections[n]!.length })), data: content.data }),
    'utf8',
  );
  let size = align8(PREFIX + header.length);
  for (const n of names) size = align8(size + content.sections[n]!.byteLength);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  view.setUint32(16, CACHE_FORMAT_VERSION, true);
  view.setUint32(20, header.length, true);
  out.set(header, PREFIX);
  let at = align8(PREFIX + header.length);
  for (const n of names) {
    const a = content.sections[n]!;
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at = align8(at + a.byteLength);
  }
  view.setUint32(24, crc32(out.subarray(PREFIX)), true);
  return out;
}

/** Parses and verifies a cache file; a string says why it cannot be used. */
export function decodeCacheFile(bytes: Uint8Array, expected: CacheKey): { key: CacheKey; content: CacheContent } | string {
  if (bytes.length < PREFIX || Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('latin1') !== MAGIC) return 'not an ovnscope cache file';
  // Typed-array views need 8-byte alignment; a pooled Buffer may not have it.
  const buf = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const version = view.getUint32(16, true);
  if (version !== CACHE_FORMAT_VERSION) return `cache format ${version}, this ovnscope writes ${CACHE_FORMAT_VERSION}`;
  const hlen = view.getUint32(20, true);
  if (PREFIX + hlen > buf.length) return 'truncated header';
  if (crc32(buf.subarray(PREFIX)) !== view.getUint32(24, true)) return 'checksum mismatch (corrupt or truncated)';
  let header: { key: CacheKey; stamp: SourceStamp; sections: { name: string; type: SectionType; length: number }[]; data: unknown };
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + PREFIX, hlen).toString('utf8'));
  } catch {
    return 'unreadable header';
  }
  if (typeof header !== 'object' || header === null || typeof header.key !== 'object' || header.key === null || !Array.isArray(header.sections)) return 'malformed header';
  if (!sameKey(header.key, expected)) return 'derived from other data or code (stale)';
  const sections: Record<string, TypedArray> = {};
  let at = align8(PREFIX + hlen);
  for (const s of header.sections) {
    const C = CTORS[s.type];
    if (!C || !Number.isSafeInteger(s.length) || s.length < 0) return 'malformed section table';
    const nbytes = s.length * C.BYTES_PER_ELEMENT;
    if (at + nbytes > buf.length) return 'truncated section';
    sections[s.name] = new C(buf.buffer as ArrayBuffer, buf.byteOffset + at, s.length);
    at = align8(at + nbytes);
  }
  return { key: header.key, content: { stamp: header.stamp, data: header.data, sections } };
}

/**
 * Reads `<dir>/.cache/<name>` if it was derived from `key` and the source file is unchanged.
 * `sourcePath` is the absolute path of the source output (for stat and, if needed, hashing).
 */
export async function readCacheFile(
  dir: string,
  name: string,
  key: CacheKey,
  sourcePath: string,
  opts: CacheOptions = {},
  /** The size the manifest recorded for the source: a cache is not proof of itself, and comparing sizes is free. */
  expectedSize?: number,
): Promise<{ key: CacheKey; content: CacheContent; restamp?: SourceStamp } | undefined> {
  const file = join(dir, CACHE_DIR, name);
  const miss = (reason: string) => {
    opts.onEvent?.({ kind: 'miss', file, reason });
    return undefined;
  };
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch {
    return miss('no cache file');
  }
  const decoded = decodeCacheFile(bytes, key);
  if (typeof decoded === 'string') return miss(decoded);
  let st: SourceStamp;
  try {
    const s = await stat(sourcePath);
    st = { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return miss('source output unreadable');
  }
  if (expectedSize !== undefined && st.size !== expectedSize) return miss('source output is not the size the manifest recorded');
  const stamp = decoded.content.stamp;
  if (stamp?.size === st.size && stamp?.mtimeMs === st.mtimeMs) {
    opts.onEvent?.({ kind: 'hit', file });
    return { key: decoded.key, content: decoded.content };
  }
  if (stamp?.size !== st.size) return miss('source output changed size');
  // Same size, other mtime (a copied snapshot): trust the content, not the clock.
  try {
    const digest = createHash('sha256').update(await readFile(sourcePath)).digest('hex');
    if (digest !== decoded.key.source.sha256) return miss('source output changed');
  } catch {
    return miss('source output unreadable');
  }
  opts.onEvent?.({ kind: 'hit', file });
  return { key: decoded.key, content: decoded.content, restamp: st };
}

const tempName = (file: string) => `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;

/** Best-effort write of `<dir>/.cache/<name>` (temporary file + rename). Never throws. */
export async function writeCacheFile(dir: string, name: string, key: CacheKey, content: CacheContent, opts: CacheOptions = {}): Promise<boolean> {
  const file = join(dir, CACHE_DIR, name);
  const tmp = tempName(file);
  try {
    const bytes = encodeCacheFile(key, content);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(tmp, bytes);
    await rename(tmp, file);
    opts.onEvent?.({ kind: 'written', file, bytes: bytes.length });
    return true;
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    opts.onEvent?.({ kind: 'write-failed', file, reason: (e as Error).message });
    return false;
  }
}

/** `writeCacheFile` for callers that cannot wait (a callback from synchronous code). Never throws. */
export function writeCacheFileSync(dir: string, name: string, key: CacheKey, content: CacheContent, opts: CacheOptions = {}): boolean {
  const file = join(dir, CACHE_DIR, name);
  const tmp = tempName(file);
  try {
    // The directory first: a read-only snapshot fails here, before anything is encoded.
    mkdirSync(dirname(file), { recursive: true });
    const bytes = encodeCacheFile(key, content);
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
    opts.onEvent?.({ kind: 'written', file, bytes: bytes.length });
    return true;
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* never created */
    }
    opts.onEvent?.({ kind: 'write-failed', file, reason: (e as Error).message });
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Generic value codec: JSON plus bigint, FieldDef (by registry id) and explicit `undefined`
// properties, so a decoded value is deep-strict-equal to the encoded one.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Encodes a parser value (objects, arrays, bigint, FieldDef, undefined members) as JSON data. */
export function encodeValue(v: unknown): Json {
  switch (typeof v) {
    case 'bigint':
      return { $b: v.toString(16) };
    case 'undefined':
      return { $u: 0 };
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      // -0, NaN and infinities do not survive JSON; parsers produce none, but be exact anyway.
      return Number.isFinite(v) && !Object.is(v, -0) ? v : { $n: Object.is(v, -0) ? '-0' : String(v) };
    case 'object': {
      if (v === null) return null;
      if (Array.isArray(v)) return v.map(encodeValue);
      const f = v as FieldDef;
      if (typeof f.id === 'number' && FIELDS[f.id] === v) return { $f: f.id };
      const out: { [k: string]: Json } = {};
      for (const k of Object.keys(v)) {
        if (k.startsWith('$')) throw new Error(`cannot encode key ${k}`);
        out[k] = encodeValue((v as Record<string, unknown>)[k]);
      }
      return out;
    }
    default:
      throw new Error(`cannot encode a ${typeof v}`);
  }
}

class DecodeError extends Error {}

/** Inverse of `encodeValue`; throws DecodeError on anything it did not produce. */
export function decodeValue(j: unknown): unknown {
  if (j === null || typeof j !== 'object') {
    if (typeof j === 'string' || typeof j === 'number' || typeof j === 'boolean' || j === null) return j;
    throw new DecodeError('bad value');
  }
  if (Array.isArray(j)) return j.map(decodeValue);
  const o = j as Record<string, unknown>;
  if ('$b' in o) {
    if (typeof o.$b !== 'string' || !/^-?[0-9a-f]+$/.test(o.$b)) throw new DecodeError('bad bigint');
    return o.$b.startsWith('-') ? -BigInt('0x' + o.$b.slice(1)) : BigInt('0x' + o.$b);
  }
  if ('$u' in o) return undefined;
  if ('$f' in o) {
    const f = FIELDS[o.$f as number];
    if (!f) throw new DecodeError('bad field id');
    return f;
  }
  if ('$n' in o) return Number(o.$n);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) out[k] = decodeValue(o[k]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Flow dumps

const PROTOCOL_NAMES = Object.keys(PROTOCOLS) as ProtocolShorthand[];
const NO_PROTOCOL = 15;
const NONE16 = 0xffff;
const EMPTY_FLAGS: readonly FlowFlag[] = Object.freeze([]);

interface FlowData {
  /** Distinct match items: [field id, value hex, mask hex ('' = all ones of the field's width), port]. */
  readonly items: [number, string, string, Json][];
  readonly actions: Json[];
  readonly lists: number[][];
  readonly cookies: string[];
  /** Distinct statistics: [durationSec, durationNsec, nPackets, nBytes, idleAge|null, hardAge|null]. */
  readonly stats: [number, number, string | number, string | number, number | null, number | null][];
  /** Distinct rarely-set fields: [idleTimeout, hardTimeout, importance, flags] (null = absent). */
  readonly misc: [number | null, number | null, number | null, FlowFlag[]][];
  readonly headers: Json;
  readonly unparsed: Json;
  readonly linesRead: number;
  readonly diagnostics: Json;
}

/** Interns values by identity (falls back to a key for flags arrays, which are per flow). */
class Interner<T> {
  readonly list: T[] = [];
  private readonly ids = new Map<unknown, number>();
  id(key: unknown, value: T): number {
    let i = this.ids.get(key);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(value);
      this.ids.set(key, i);
    }
    return i;
  }
}

/** A MatchItem in a compact form; its mask is '' when it is the field's full width (the common case). */
function encodeItem(it: MatchItem): [number, string, string, Json] {
  if (FIELDS[it.field.id] !== it.field) throw new Error('match item with a field outside the registry');
  const full = it.mask === onesMask(it.field.width);
  return [it.field.id, it.value.toString(16), full ? '' : it.mask.toString(16), encodeValue(it.port)];
}

const HEX = /^[0-9a-f]+$/;

function decodeItem([id, value, mask, port]: [number, string, string, Json]): MatchItem {
  const field = FIELDS[id];
  if (!field || !HEX.test(value) || (mask !== '' && !HEX.test(mask))) throw new DecodeError('bad match item');
  // Fixed shape, as the parser builds it.
  return { field, value: BigInt('0x' + value), mask: mask === '' ? onesMask(field.width) : BigInt('0x' + mask), port: decodeValue(port) as MatchItem['port'] };
}

const counter = (v: bigint): string | number => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString());

/** A parsed dump as cache content (columns per flow, distinct values once). */
export function encodeFlowDump(parsed: Parsed<FlowDump>, stamp: SourceStamp): CacheContent {
  const flows = parsed.value.flows;
  const n = flows.length;
  const items = new Interner<MatchItem>();
  const actions = new Interner<Action>();
  const lists = new Interner<readonly Action[]>();
  const cookies = new Interner<bigint>();
  const stats = new Interner<FlowStats>();
  const misc = new Interner<[number | null, number | null, number | null, FlowFlag[]]>();
  const line = new Uint32Array(n);
  const packed = new Uint32Array(n);
  const protoIdx = new Uint16Array(n);
  const cookie = new Uint32Array(n);
  const stat = new Int32Array(n);
  const list = new Uint32Array(n);
  const miscIdx = new Uint32Array(n);
  const itemStart = new Uint32Array(n + 1);
  let nItems = 0;
  for (const f of flows) nItems += f.match.items.length;
  const itemIds = new Uint32Array(nItems);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const f = flows[i]!;
    line[i] = f.line;
    const proto = f.match.protocol === undefined ? NO_PROTOCOL : PROTOCOL_NAMES.indexOf(f.match.protocol);
    if (proto < 0 || f.table > 255 || f.priority > 0xffff || f.line > 0xffffffff) throw new Error('flow out of range for the cache');
    packed[i] = f.table | (f.priority << 8) | (proto << 24);
    if (f.match.protocolIndex !== undefined && f.match.protocolIndex >= NONE16) throw new Error('protocol index out of range for the cache');
    protoIdx[i] = f.match.protocolIndex ?? NONE16;
    cookie[i] = cookies.id(f.cookie, f.cookie);
    stat[i] = f.stats ? stats.id(f.stats, f.stats) : -1;
    list[i] = lists.id(f.actions, f.actions);
    if (f.idleTimeout === undefined && f.hardTimeout === undefined && f.importance === undefined && f.flags.length === 0) miscIdx[i] = misc.id('', [null, null, null, []]);
    else {
      const m: [number | null, number | null, number | null, FlowFlag[]] = [f.idleTimeout ?? null, f.hardTimeout ?? null, f.importance ?? null, [...f.flags]];
      miscIdx[i] = misc.id(JSON.stringify(m), m);
    }
    itemStart[i] = at;
    for (const it of f.match.items) itemIds[at++] = items.id(it, it);
  }
  itemStart[n] = at;
  const data: FlowData = {
    items: items.list.map(encodeItem),
    actions: [],
    lists: [],
    cookies: cookies.list.map((c) => c.toString(16)),
    stats: stats.list.map((s) => [s.durationSec, s.durationNsec, counter(s.nPackets), counter(s.nBytes), s.idleAge ?? null, s.hardAge ?? null]),
    misc: misc.list,
    headers: encodeValue(parsed.value.headers),
    unparsed: encodeValue(parsed.value.unparsed),
    linesRead: parsed.value.linesRead,
    diagnostics: encodeValue(parsed.diagnostics),
  };
  for (const l of lists.list) data.lists.push(l.map((a) => actions.id(a, a)));
  data.actions.push(...actions.list.map(encodeValue));
  return { stamp, data, sections: { line, packed, protoIdx, cookie, stat, list, misc: miscIdx, itemStart, itemIds } };
}

/** Inverse of `encodeFlowDump`: a result deep-equal to what the parser returned. Throws DecodeError when inconsistent. */
export function decodeFlowDump(content: CacheContent): Parsed<FlowDump> {
  const d = content.data as FlowData;
  const s = content.sections;
  const need = <K extends string>(k: K) => {
    const a = s[k];
    if (!a) throw new DecodeError(`missing section ${k}`);
    return a;
  };
  const line = need('line');
  const packed = need('packed');
  const protoIdx = need('protoIdx');
  const cookie = need('cookie');
  const stat = need('stat');
  const list = need('list');
  const miscIdx = need('misc');
  const itemStart = need('itemStart');
  const itemIds = need('itemIds');
  const n = line.length;
  for (const a of [packed, protoIdx, cookie, stat, list, miscIdx]) if (a.length !== n) throw new DecodeError('section lengths differ');
  if (itemStart.length !== n + 1 || itemStart[n] !== itemIds.length) throw new DecodeError('bad item index');

  const items = d.items.map(decodeItem);
  const actionObjs = d.actions.map((j) => decodeValue(j) as Action);
  const lists: (readonly Action[])[] = d.lists.map((l) =>
    l.map((k) => {
      const a = actionObjs[k];
      if (a === undefined) throw new DecodeError('bad action index');
      return a;
    }),
  );
  const cookies = d.cookies.map((h) => BigInt('0x' + h));
  const big = (v: string | number) => (typeof v === 'number' ? BigInt(v) : BigInt(v));
  const stats: FlowStats[] = d.stats.map(([durationSec, durationNsec, p, b, idleAge, hardAge]) => ({
    durationSec,
    durationNsec,
    nPackets: big(p),
    nBytes: big(b),
    idleAge: idleAge ?? undefined,
    hardAge: hardAge ?? undefined,
  }));
  const misc = d.misc.map(([i, h, imp, flags]) => ({ idleTimeout: i ?? undefined, hardTimeout: h ?? undefined, importance: imp ?? undefined, flags: flags.length ? flags : EMPTY_FLAGS }));

  // Every index is checked here, before any entry is made: entries are made on first access
  // (a one-shot trace reads a hundred of 455k), when a bad cache file could no longer be refused.
  const nItems = items.length;
  for (let i = 0; i < n; i++) {
    const proto = packed[i]! >>> 24;
    const st = stat[i]!;
    if (cookies[cookie[i]!] === undefined || (st >= 0 && stats[st] === undefined) || lists[list[i]!] === undefined || misc[miscIdx[i]!] === undefined || (proto !== NO_PROTOCOL && proto >= PROTOCOL_NAMES.length)) throw new DecodeError('index out of range');
    const a = itemStart[i]!;
    const b = itemStart[i + 1]!;
    if (b < a) throw new DecodeError('bad item range');
    for (let k = a; k < b; k++) if (itemIds[k]! >= nItems) throw new DecodeError('bad item id');
  }
  const makeFlow = (i: number): FlowEntry => {
    const p = packed[i]!;
    const proto = p >>> 24;
    const pi = protoIdx[i]!;
    const st = stat[i]!;
    const mi = misc[miscIdx[i]!]!;
    const a = itemStart[i]!;
    const b = itemStart[i + 1]!;
    // Pushed, not preallocated: a packed array, as the parser makes.
    const its: MatchItem[] = [];
    for (let k = a; k < b; k++) its.push(items[itemIds[k]!]!);
    const match: Match = { items: its, protocol: proto === NO_PROTOCOL ? undefined : PROTOCOL_NAMES[proto], protocolIndex: pi === NONE16 ? undefined : pi };
    return {
      line: line[i]!,
      cookie: cookies[cookie[i]!]!,
      table: p & 0xff,
      priority: (p >>> 8) & 0xffff,
      stats: st < 0 ? undefined : stats[st],
      idleTimeout: mi.idleTimeout,
      hardTimeout: mi.hardTimeout,
      importance: mi.importance,
      flags: mi.flags,
      match,
      actions: lists[list[i]!]!,
    };
  };
  const flows = lazyFlowList(n, makeFlow, { table: (i) => packed[i]! & 0xff, priority: (i) => (packed[i]! >>> 8) & 0xffff, cookie: (i) => cookies[cookie[i]!]!, line: (i) => line[i]! });
  return {
    value: {
      headers: decodeValue(d.headers) as DumpHeader[],
      flows,
      unparsed: decodeValue(d.unparsed) as FlowDump['unparsed'],
      linesRead: d.linesRead,
    },
    diagnostics: decodeValue(d.diagnostics) as Diagnostic[],
  };
}

/** What a bridge's parsed flows were derived from: the key of everything cached from them. */
export interface FlowSource {
  /** Snapshot-relative path of the dump. */
  readonly file: string;
  /** The manifest's sha256 of the dump, else the one computed from its text. */
  readonly sha256: string;
  /** The dump as stat() saw it when the flows were parsed, or when their cache was verified. */
  readonly stamp: SourceStamp;
}

/** A source output as the reader returned it: its text, the digest of its bytes, and whether they are what the manifest recorded. */
export interface VerifiedText {
  readonly text: string;
  readonly sha256: string;
  /** Set when the file differs from the manifest (changed after collection): nothing is cached from it. */
  readonly damaged?: unknown;
}

/**
 * The parsed `dump-flows` of one bridge, from `.cache/` when valid, else by reading and parsing
 * the output (and then caching it, when the reader found it intact). `undefined` when the
 * snapshot has no such output. `source` is set when the cache is in use for this dump (enabled,
 * the dump big enough and intact): what the flows were derived from, for caches derived from
 * them in turn (`classifierCache`).
 */
export async function cachedFlowDump(
  dir: string,
  host: string,
  bridge: string,
  command: ManifestCommand | undefined,
  readText: () => Promise<VerifiedText | undefined>,
  parse: (text: string) => Parsed<FlowDump>,
  opts: CacheOptions = {},
): Promise<{ parsed: Parsed<FlowDump>; source?: FlowSource } | undefined> {
  const file = command?.file;
  const usable = opts.enabled !== false && file !== undefined && file.endsWith('.out') && command!.bytes >= (opts.minBytes ?? DEFAULT_MIN_CACHE_BYTES);
  if (!usable) {
    const read = await readText();
    return read === undefined ? undefined : { parsed: parse(read.text) };
  }
  const sourcePath = join(dir, file);
  const name = cacheFileName('flows', host, bridge);
  const code = await codeFingerprint();
  const key = (sha256: string | undefined): CacheKey => ({ format: CACHE_FORMAT_VERSION, tool: TOOL_VERSION, code, kind: 'flows', host, bridge, source: { file, sha256 } });
  const manifestSha = command!.sha256;
  const hit = await readCacheFile(dir, name, key(manifestSha), sourcePath, opts, command!.bytes);
  if (hit) {
    try {
      const parsed = decodeFlowDump(hit.content);
      if (hit.restamp) await writeCacheFile(dir, name, hit.key, { ...hit.content, stamp: hit.restamp }, opts);
      return { parsed, source: { file, sha256: hit.key.source.sha256!, stamp: hit.restamp ?? hit.content.stamp } };
    } catch (e) {
      opts.onEvent?.({ kind: 'miss', file: join(dir, CACHE_DIR, name), reason: `undecodable: ${(e as Error).message}` });
    }
  }
  // Parse, then cache. The stamp is taken before reading, so a source rewritten meanwhile makes
  // the next reader re-check rather than trust this parse.
  let stamp: SourceStamp | undefined;
  try {
    const st = await stat(sourcePath);
    stamp = { size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    /* unreadable: parse (or not) below, cache nothing */
  }
  const read = await readText();
  if (read === undefined) return undefined;
  const parsed = parse(read.text);
  if (!stamp) return { parsed };
  if (read.damaged) {
    opts.onEvent?.({ kind: 'write-failed', file: join(dir, CACHE_DIR, name), reason: 'source output differs from the manifest (damaged): not cached' });
    return { parsed };
  }
  // Intact: the reader's digest is the manifest's, or (none recorded) the content's own.
  const sha256 = manifestSha ?? read.sha256;
  let content: CacheContent | undefined;
  try {
    content = encodeFlowDump(parsed, stamp);
  } catch (e) {
    opts.onEvent?.({ kind: 'write-failed', file: join(dir, CACHE_DIR, name), reason: (e as Error).message });
  }
  if (content) await writeCacheFile(dir, name, key(sha256), content, opts);
  return { parsed, source: { file, sha256, stamp } };
}

// ---------------------------------------------------------------------------------------------
// The simulator's classifier index

/**
 * Modules whose code decides the classifier index: the flows it is built from (FLOW_CODE), the
 * index itself, the packet layout its words refer to, and how compile resolves port names.
 */
const CLASSIFIER_CODE = [...FLOW_CODE, '../sim/classifier', '../sim/state', '../sim/compile'];

/** The index resolves port names in matches to ofports: it depends on every `name=ofport`. */
export function portsDigest(ports: readonly BridgePort[]): string {
  const h = createHash('sha256');
  for (const p of ports) h.update(`${p.name}=${p.ofport}\n`);
  return h.digest('hex');
}

/**
 * The `.cache/` slot of a bridge's classifier index (see ClassifierCache in model/snapshot.ts):
 * the stored index when one was written for the same flows — the same dump (sha256 and the stamp
 * the flows were derived from), ports, code, tool version and format — and a `save` that writes
 * a new one. A missing, stale or damaged file is a `miss` event, never an error: the simulator
 * then builds the index and saves it (a read-only snapshot: a `write-failed` event, nothing else).
 */
export async function classifierCache(
  dir: string,
  host: string,
  bridge: string,
  source: FlowSource,
  flows: ClassifierCache['flows'],
  ports: readonly BridgePort[],
  opts: CacheOptions = {},
): Promise<ClassifierCache> {
  const name = cacheFileName('classifier', host, bridge);
  const file = join(dir, CACHE_DIR, name);
  const key: CacheKey = {
    format: CACHE_FORMAT_VERSION,
    tool: TOOL_VERSION,
    code: await codeFingerprint(CLASSIFIER_CODE),
    kind: 'classifier',
    host,
    bridge,
    source: { file: source.file, sha256: source.sha256 },
    inputs: portsDigest(ports),
  };
  const miss = (reason: string) => opts.onEvent?.({ kind: 'miss', file, reason });
  let stored: DerivedArrays | undefined;
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readFile(file);
  } catch {
    miss('no cache file');
  }
  if (bytes) {
    const decoded = decodeCacheFile(bytes, key);
    if (typeof decoded === 'string') miss(decoded);
    // The flows in hand were derived from the dump as stamped; an index of an older state of it is stale.
    else if (decoded.content.stamp?.size !== source.stamp.size || decoded.content.stamp?.mtimeMs !== source.stamp.mtimeMs) miss('built from another state of the source output');
    else {
      opts.onEvent?.({ kind: 'hit', file });
      stored = { data: decoded.content.data, sections: decoded.content.sections };
    }
  }
  // Synchronous write: compileBridge, which calls this, is synchronous (cross-host traces compile
  // hosts lazily, mid-trace). An async write would run on unobserved after the call and could be
  // cut short by the process exiting; this one (temp file + rename, ~0.1 s for 455k flows, only
  // after a build) is complete, or absent, when compile returns.
  let saved = false;
  const save = (index: DerivedArrays, rejected?: string): void => {
    if (rejected !== undefined) miss(`unusable: ${rejected}`);
    if (saved) return;
    saved = true;
    writeCacheFileSync(dir, name, key, { stamp: source.stamp, data: index.data, sections: index.sections }, opts);
  };
  return { flows, ports, ...(stored ? { stored } : {}), save };
}
