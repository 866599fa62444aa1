/**
 * Select-group bucket choice, as OVS 3.1 makes it (`ofproto/ofproto-dpif.c`
 * `group_set_selection_method()` / `group_setup_dp_hash_table()`, `ofproto/ofproto-dpif-xlate.c`
 * `pick_select_group()`), plus the OVS hash functions it needs (`lib/hash.h`, `lib/hash.c`,
 * generic build: murmur-style `mhash_*`, which is what Debian/Ubuntu x86-64 packages use).
 *
 * THE RULE (documented for users in the trace output and the man page):
 *   1. `--select-bucket N` (option `selectBucket`) overrides everything: the bucket with
 *      bucket_id N (or the N-th bucket when the dump has no bucket ids) is used.
 *   2. `selection_method=dp_hash` — what OVN uses for load balancers — and groups without a
 *      selection method whose weights fit 256 hash values: OVS builds a table of 16+ hash values
 *      distributed over the buckets by weight (Webster/Sainte-Laguë method) and picks
 *      `table[dp_hash & mask]` (first live bucket from there). When the packet's `dp_hash` is 0
 *      — always the case in `ofproto/trace` unless the flow sets `dp_hash=` — xlate emits
 *      `hash(...)`, `recirc(...)` and stops: the datapath computes the hash and recirculates,
 *      and ofproto/trace does NOT follow that recirculation (its queue only holds conntrack
 *      recirculations). It prints "no live bucket" and the pass ends. We do exactly the same,
 *      and say how to continue (`dp_hash=<value>` in the flow, or `--select-bucket N`).
 *   3. `selection_method=hash` with `fields(...)`: the OVS hash of the masked field values
 *      (`pick_hash_fields_select_group`), then the highest-scoring live bucket
 *      (`group_best_live_bucket`: score = (hash_int(bucket_id, basis) & 0xffff) * weight).
 *   4. Default method beyond 256 hash values (`flow_hash_symmetric_l4`): not reproduced; the
 *      first live bucket is used and a warning says so.
 */
import type { Group, GroupBucket } from '../model/flow.js';
import { byteWidth } from '../model/masked.js';
import type { PacketState } from './state.js';

// ---------------------------------------------------------------------------------------------
// OVS hash functions (32-bit arithmetic).

function rot(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function mhashAdd(hash: number, data: number): number {
  if (data !== 0) {
    let d = Math.imul(data, 0xcc9e2d51) >>> 0;
    d = rot(d, 15);
    d = Math.imul(d, 0x1b873593) >>> 0;
    hash = (hash ^ d) >>> 0;
  }
  hash = rot(hash, 13);
  return (Math.imul(hash, 5) + 0xe6546b64) >>> 0;
}

function mhashFinish(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  hash ^= hash >>> 16;
  return hash >>> 0;
}

export function hashFinish(hash: number, final: number): number {
  return mhashFinish((hash ^ final) >>> 0);
}

export function hashAdd(hash: number, data: number): number {
  return mhashAdd(hash >>> 0, data >>> 0);
}

export function hashInt(x: number, basis: number): number {
  return hashFinish(hashAdd(hashAdd(x >>> 0, 0), basis >>> 0), 8);
}

export function hashUint64(x: bigint): number {
  const lo = Number(x & 0xffffffffn);
  const hi = Number((x >> 32n) & 0xffffffffn);
  return hashFinish(hashAdd(hashAdd(0, lo), hi), 8);
}

export function hashBoolean(x: boolean, basis: number): number {
  return ((x ? 0xc2b73583 : 0xe90f1258) ^ rot(basis >>> 0, 1)) >>> 0;
}

/** `hash_bytes()`: 32-bit little-endian words of the byte string. */
export function hashBytes(bytes: Uint8Array, basis: number): number {
  let hash = basis >>> 0;
  let i = 0;
  const n = bytes.length;
  for (; i + 4 <= n; i += 4) hash = hashAdd(hash, (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) >>> 0);
  if (i < n) {
    let tmp = 0;
    for (let k = 0; i + k < n; k++) tmp |= bytes[i + k] << (8 * k);
    hash = hashAdd(hash, tmp >>> 0);
  }
  return hashFinish(hash, n);
}

/** `n` bytes of `v`, most significant first (network order, as `struct flow` holds headers). */
export function bigToBytes(v: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Compiled groups

export type SelectMethod = 'dp_hash' | 'hash' | 'default' | 'none';

export interface CompiledGroup {
  readonly group: Group;
  readonly method: SelectMethod;
  /** dp_hash: bucket for each hash value (length = mask + 1). */
  readonly hashMap?: readonly GroupBucket[];
  readonly hashMask?: number;
  /** `hash(l4(basis))` as printed by the datapath action; for the trace text. */
  readonly hashAlg?: number;
  readonly hashBasis?: number;
}

function weightOf(g: Group, b: GroupBucket): number {
  return b.weight ?? (g.type === 'select' ? 1 : 0);
}

/** `group_setup_dp_hash_table()`: Webster's method over the bucket weights. */
function dpHashTable(g: Group, maxHash: number): { map: GroupBucket[]; mask: number } | undefined {
  const n = g.buckets.length;
  if (n === 0) return undefined;
  let total = 0;
  let minWeight = 0xffff;
  const web = g.buckets.map((b) => {
    const w = weightOf(g, b);
    if (w > 0 && w < minWeight) minWeight = w;
    total += w;
    return { bucket: b, weight: w, divisor: 1, value: w };
  });
  if (total === 0) return undefined;
  const minSlots = Math.ceil(total / minWeight);
  let pow2 = 1;
  while (pow2 < minSlots) pow2 *= 2;
  const nHash = Math.max(16, pow2);
  if (nHash > 256 * 1024 || (maxHash !== 0 && nHash > maxHash)) return undefined;
  const map: GroupBucket[] = [];
  for (let h = 0; h < nHash; h++) {
    let winner = web[0];
    for (let i = 1; i < n; i++) if (web[i].value > winner.value) winner = web[i];
    winner.divisor += 2;
    winner.value = winner.weight / winner.divisor;
    map.push(winner.bucket);
  }
  return { map, mask: nHash - 1 };
}

export function compileGroup(g: Group): CompiledGroup {
  if (g.type !== 'select') return { group: g, method: 'none' };
  const sm = g.selectionMethod ?? '';
  if (sm === '') {
    const t = dpHashTable(g, 256);
    if (t) return { group: g, method: 'dp_hash', hashMap: t.map, hashMask: t.mask, hashAlg: 1 /* sym_l4 */, hashBasis: 0 };
    return { group: g, method: 'default' };
  }
  if (sm === 'dp_hash') {
    const t = dpHashTable(g, 0);
    if (!t) return { group: g, method: 'default' };
    const param = g.selectionMethodParam ?? 0n;
    let alg = Number(param >> 32n);
    if (alg >= 2) alg = 0; // __OVS_HASH_MAX: fall back to OVS_HASH_ALG_L4
    return { group: g, method: 'dp_hash', hashMap: t.map, hashMask: t.mask, hashAlg: alg, hashBasis: Number(param & 0xffffffffn) };
  }
  if (sm === 'hash') return { group: g, method: g.fields.length ? 'hash' : 'default' };
  return { group: g, method: 'default' };
}

export function bucketId(g: Group, b: GroupBucket): number {
  return typeof b.bucketId === 'number' ? b.bucketId : g.buckets.indexOf(b);
}

/** Live in the sense of `bucket_is_alive()`: weight 0 select buckets are not; watch ports are assumed up. */
export function bucketAlive(g: Group, b: GroupBucket): boolean {
  return !(g.type === 'select' && weightOf(g, b) === 0);
}

/** `group_best_live_bucket()`. */
export function bestLiveBucket(g: Group, basis: number): { bucket: GroupBucket | undefined; scores: { id: number; score: number }[] } {
  let best: GroupBucket | undefined;
  let bestScore = 0;
  const scores: { id: number; score: number }[] = [];
  for (const b of g.buckets) {
    if (!bucketAlive(g, b)) continue;
    const id = bucketId(g, b);
    const score = (hashInt(id, basis) & 0xffff) * weightOf(g, b);
    scores.push({ id, score });
    if (score >= bestScore) {
      best = b;
      bestScore = score;
    }
  }
  return { bucket: best, scores };
}

/** `pick_hash_fields_select_group()`: hash of the masked field values. */
export function hashFieldsBasis(g: Group, s: PacketState, prereqOk: (f: Group['fields'][number]['field']) => boolean): number {
  let basis = hashUint64(g.selectionMethodParam ?? 0n);
  for (const { field: f, mask } of g.fields) {
    if (!prereqOk(f)) continue;
    const nBytes = byteWidth(f.width) / 8;
    const full = (1n << BigInt(nBytes * 8)) - 1n;
    const value = s.get(f) & (mask ?? full);
    basis = hashBytes(bigToBytes(value, nBytes), basis);
    if (f.name.startsWith('tun_metadata')) basis = hashBoolean(s.tunMetadataPresent(Number(f.name.slice(12))), basis);
  }
  return basis;
}
