/**
 * Per-table tuple-space classifier with OVS 3.1 semantics (`lib/classifier.c`), held in typed
 * arrays so that it can be stored in `<snapshot>/.cache/` and used again without rebuilding.
 *
 * Flows are grouped into subtables by mask signature (the 32-bit words of the storage spaces the
 * match constrains, with their masks — canonical over field aliases: `tcp_dst` and `tp_dst`,
 * `reg0` and `xreg0[0..31]` land in the same subtable). Within a subtable, one entry per distinct
 * masked value tuple, found through an open-addressing hash of the packet's masked words. An
 * entry holds the flows with that exact match, highest priority first; as in OVS, a subtable
 * yields at most one candidate per lookup (the head of that list).
 *
 * Lookup (`classifier_lookup__`): subtables are scanned by descending maximum priority and the
 * scan stops once no subtable can beat the best non-conjunctive ("hard") match. Flows whose
 * actions are `conjunction(id,k/n)` are "soft" matches: at the highest soft priority above the
 * hard match, a conjunction id whose n clauses all matched triggers a second lookup with
 * `conj_id=id` (conjunctive flows ignored), whose result wins; otherwise the scan falls back to
 * lower-priority flows with an identical match, exactly as OVS does.
 *
 * Equal-priority overlaps: OVS returns one of two equal-priority matching flows arbitrarily
 * (its subtable vector is not stably ordered). We return the one whose subtable was created
 * first (earliest line of the dump) and report every other equal-priority match, so the trace
 * can say so instead of pretending to know.
 *
 * Building: match items are shared between flows (the parser and the flow cache intern them), so
 * the 32-bit words each item constrains are computed once per bridge (`BuildMemo`) and a flow's
 * match is the merge of a few such word lists in plain 32-bit arithmetic — a contradiction is
 * `(v1 ^ v2) & m1 & m2` ≠ 0 on some word, the same condition as bit by bit. `compileMatch` is the
 * same compilation on per-space bigints: the readable form, kept for the flow-table checks.
 *
 * Storing: the index of a bridge is only typed arrays plus a little JSON (`storeBridgeIndex`),
 * so `.cache/` maps it back as views of the file (`bridgeIndexFromStored`, which checks every
 * offset and flow reference before trusting it). CompiledFlow objects are made on first use.
 *
 * Probing: what the stored arrays do not hold is made per process, per subtable, when lookups
 * need it — a filter on the first word (usually the datapath), then, for subtables probed often,
 * the hash slots with the entry's words inline, so that a probe is one memory read, not three.
 */
import { onesMask } from '../model/masked.js';
import type { FlowEntry, MatchItem, ProtocolShorthand } from '../model/flow.js';
import { matchConstraints, PROTOCOLS } from '../model/flow.js';
import { flowKeyOf } from '../model/flow-list.js';
import { PREREQS, field, fieldByName, type FieldDef, type Prereq } from '../model/fields.js';
import type { DerivedArrays } from '../model/snapshot.js';
import { ACCESS, N_SPACES, N_WORDS, SP, TUN_MD_INDEX, VLAN_CFI, WORD_OFF, type PacketState } from './state.js';

export interface Conjunction {
  readonly id: number;
  /** 0-based clause number (OVS stores k-1). */
  readonly clause: number;
  readonly nClauses: number;
}

export interface CompiledFlow {
  readonly entry: FlowEntry;
  readonly priority: number;
  /** Position in the bridge's flow list (tie-breaker, evidence). */
  readonly order: number;
  /** Set when every action is `conjunction(...)`: the flow is a soft match. */
  readonly conj: readonly Conjunction[] | undefined;
  /** Smallest n among `conj` (OVS `min_n_clauses`). */
  readonly minClauses: number;
  /**
   * The OVN annotation's memo of this flow (owned by annotate.ts, undefined until it names the
   * flow): a slot on the flow itself, instead of a search of a dump-line-indexed array.
   */
  annotation?: unknown;
  /** `{ flow: this, overlaps: [] }`, the usual lookup result, made once (see `FlowTable.lookup`). */
  alone?: LookupResult;
}

export interface FlowProblem {
  readonly entry: FlowEntry;
  /** Position of `entry` in the bridge's flow list. */
  readonly order: number;
  readonly message: string;
}

export interface LookupResult {
  readonly flow: CompiledFlow | undefined;
  /** Set when `flow` was reached through a conjunctive match. */
  readonly conjId?: number;
  /** Other flows of the same priority that also matched (OVS picks one arbitrarily). */
  readonly overlaps: readonly CompiledFlow[];
}

export type PortResolver = (name: string) => number | undefined;

const NONE: readonly CompiledFlow[] = Object.freeze([]);
const NOTHING: LookupResult = Object.freeze({ flow: undefined, overlaps: NONE });

/** The result of a lookup that found `flow` and nothing else: one object per flow, not per lookup. */
function aloneResult(flow: CompiledFlow | undefined): LookupResult {
  if (!flow) return NOTHING;
  return (flow.alone ??= Object.freeze({ flow, overlaps: NONE }));
}

const DL_VLAN_FIELDS = new Set(['dl_vlan', 'vlan_vid', 'dl_vlan_pcp', 'vlan_pcp']);
const CONTRADICTION = 'contradictory constraints on the same bits';

interface Acc {
  value: bigint;
  mask: bigint;
}

/**
 * Match of a flow as per-space (value, mask) pairs, or an explanation why it can never match.
 * The classifier compiles the same constraints per 32-bit word (`compileMatchWords`); this form is
 * for code that reasons about whole fields (the flow-table checks).
 */
export function compileMatch(entry: FlowEntry, resolvePort: PortResolver): Map<number, Acc> | string {
  const acc = new Map<number, Acc>();
  const add = (space: number, value: bigint, mask: bigint): string | undefined => {
    const cur = acc.get(space);
    if (!cur) {
      acc.set(space, { value: value & mask, mask });
      return undefined;
    }
    const both = cur.mask & mask;
    if ((cur.value & both) !== (value & both)) return CONTRADICTION;
    cur.value |= value & mask;
    cur.mask |= mask;
    return undefined;
  };
  const addField = (f: FieldDef, value: bigint, mask: bigint): string | undefined => {
    const a = ACCESS[f.id];
    const m = mask & a.mask;
    const err = add(a.space, (value & m) << a.shift, m << a.shift);
    if (err) return err;
    const md = TUN_MD_INDEX[a.space];
    if (md >= 0 && m !== 0n) return add(SP.tun_md_present, 1n << BigInt(md), 1n << BigInt(md));
    return undefined;
  };
  const items = matchConstraints(entry.match);
  for (const it of items) {
    let value = it.value;
    if (it.port && it.port.kind === 'name') {
      const p = resolvePort(it.port.name);
      if (p === undefined) return `port "${it.port.name}" is not a port of this bridge`;
      value = BigInt(p);
    }
    const err = addField(it.field, value, it.mask);
    if (err) return err;
    if (DL_VLAN_FIELDS.has(it.field.name)) {
      // dl_vlan=N / dl_vlan_pcp=N match only tagged packets (OVS sets the CFI bit in the match).
      const e2 = add(SP.vlan_tci, VLAN_CFI, VLAN_CFI);
      if (e2) return e2;
    }
  }
  // Prerequisites dump-flows leaves implicit (it normally prints them): add those that have a
  // single alternative consistent with the match. The dump is authoritative: a match whose
  // printed fields do not fit our prerequisite table (dump-flows prints `tp_src` for UDP too)
  // is taken as printed.
  for (const it of items) {
    const alts = PREREQS[it.field.prereq].filter((conj) =>
      conj.every((c) => {
        const cf = fieldByName(c.field)!;
        const a = ACCESS[cf.id];
        const cur = acc.get(a.space);
        if (!cur) return true;
        const m = ((c.mask ?? onesMask(cf.width)) & a.mask) << a.shift;
        const both = cur.mask & m;
        return (cur.value & both) === ((c.value << a.shift) & both);
      }),
    );
    if (alts.length === 1) {
      for (const c of alts[0]) {
        const cf = fieldByName(c.field)!;
        const err = addField(cf, c.value, c.mask ?? onesMask(cf.width));
        if (err) return err;
      }
    }
  }
  return acc;
}

function conjunctionsOf(entry: FlowEntry): Conjunction[] | undefined {
  if (entry.actions.length === 0) return undefined;
  const out: Conjunction[] = [];
  for (const a of entry.actions) {
    if (a.type !== 'conjunction') return undefined;
    out.push({ id: a.id, clause: a.clause - 1, nClauses: a.nClauses });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Matches as 32-bit words

/** Flattened words: [space, word, mask, value, space, word, mask, value, …], masks ≠ 0. */
type Words = number[];

const DL_TYPE = field('dl_type');
const NW_PROTO = field('nw_proto');

/** Words per space is at most this (tun_metadataN: 31); a word's key is `space * WORD_KEYS + word`. */
const WORD_KEYS = 64;
if (Math.max(...N_WORDS) > WORD_KEYS) throw new Error('a storage space is wider than the classifier keys allow');

/** Words of `(value & mask)` of field `f`, as compileMatch's addField would add them. */
function fieldWords(f: FieldDef, value: bigint, mask: bigint, out: Words): void {
  const a = ACCESS[f.id];
  const m = mask & a.mask;
  const val = (value & m) << a.shift;
  const msk = m << a.shift;
  const lo = Math.floor(a.offset / 32);
  const hi = Math.min(N_WORDS[a.space] - 1, Math.floor((a.offset + f.storage.width - 1) / 32));
  for (let w = lo; w <= hi; w++) {
    const mw = Number((msk >> BigInt(32 * w)) & 0xffffffffn);
    if (mw === 0) continue;
    out.push(a.space, w, mw, Number((val >> BigInt(32 * w)) & 0xffffffffn));
  }
  const md = TUN_MD_INDEX[a.space];
  if (md >= 0 && m !== 0n) out.push(SP.tun_md_present, md >> 5, (1 << (md & 31)) >>> 0, (1 << (md & 31)) >>> 0);
}

/** Per-bridge memo of the words of each match item, protocol shorthand and prerequisite class. */
interface BuildMemo {
  readonly items: Map<MatchItem, Words | string>;
  readonly protocols: Map<ProtocolShorthand, Words>;
  readonly prereqs: Map<Prereq, Words[]>;
  readonly resolvePort: PortResolver;
}

function itemWords(memo: BuildMemo, it: MatchItem): Words | string {
  let w = memo.items.get(it);
  if (w !== undefined) return w;
  let value = it.value;
  if (it.port && it.port.kind === 'name') {
    const p = memo.resolvePort(it.port.name);
    if (p === undefined) {
      w = `port "${it.port.name}" is not a port of this bridge`;
      memo.items.set(it, w);
      return w;
    }
    value = BigInt(p);
  }
  const out: Words = [];
  fieldWords(it.field, value, it.mask, out);
  // dl_vlan=N / dl_vlan_pcp=N match only tagged packets (OVS sets the CFI bit in the match).
  if (DL_VLAN_FIELDS.has(it.field.name)) out.push(SP.vlan_tci, 0, Number(VLAN_CFI), Number(VLAN_CFI));
  memo.items.set(it, out);
  return out;
}

function protocolWords(memo: BuildMemo, p: ProtocolShorthand): Words {
  let w = memo.protocols.get(p);
  if (w) return w;
  w = [];
  const d = PROTOCOLS[p];
  fieldWords(DL_TYPE, BigInt(d.dlType), 0xffffn, w);
  if (d.nwProto !== undefined) fieldWords(NW_PROTO, BigInt(d.nwProto), 0xffn, w);
  memo.protocols.set(p, w);
  return w;
}

function prereqAlternatives(memo: BuildMemo, p: Prereq): Words[] {
  let alts = memo.prereqs.get(p);
  if (alts) return alts;
  alts = PREREQS[p].map((conj) => {
    const w: Words = [];
    for (const c of conj) {
      const cf = fieldByName(c.field)!;
      fieldWords(cf, c.value, c.mask ?? onesMask(cf.width), w);
    }
    return w;
  });
  memo.prereqs.set(p, alts);
  return alts;
}

/** The accumulated match of one flow: word keys → mask/value (a handful of words per flow; reused). */
class MatchWords {
  /** Words in use: the arrays are reused from flow to flow and only grow. */
  n = 0;
  readonly keys: number[] = [];
  readonly masks: number[] = [];
  readonly values: number[] = [];

  clear(): void {
    this.n = 0;
  }

  private find(key: number): number {
    const k = this.keys;
    for (let i = 0; i < this.n; i++) if (k[i] === key) return i;
    return -1;
  }

  /** Merges words; false on a contradiction (the state is then meaningless). */
  add(w: Words): boolean {
    for (let i = 0; i < w.length; i += 4) {
      const key = w[i] * WORD_KEYS + w[i + 1];
      const m = w[i + 2];
      const v = w[i + 3];
      const j = this.find(key);
      if (j < 0) {
        this.keys[this.n] = key;
        this.masks[this.n] = m;
        this.values[this.n] = (v & m) >>> 0;
        this.n++;
      } else {
        if (((this.values[j] ^ v) & this.masks[j] & m) !== 0) return false;
        this.values[j] = (this.values[j] | (v & m)) >>> 0;
        this.masks[j] = (this.masks[j] | m) >>> 0;
      }
    }
    return true;
  }

  consistent(w: Words): boolean {
    for (let i = 0; i < w.length; i += 4) {
      const j = this.find(w[i] * WORD_KEYS + w[i + 1]);
      if (j >= 0 && ((this.values[j] ^ w[i + 3]) & this.masks[j] & w[i + 2]) !== 0) return false;
    }
    return true;
  }
}

/** compileMatch on words, into `acc`: the same constraints, the same messages, in the same order. */
function compileMatchWords(entry: FlowEntry, memo: BuildMemo, acc: MatchWords): MatchWords | string {
  acc.clear();
  const m = entry.match;
  if (m.protocol && !acc.add(protocolWords(memo, m.protocol))) return CONTRADICTION;
  for (const it of m.items) {
    const w = itemWords(memo, it);
    if (typeof w === 'string') return w;
    if (!acc.add(w)) return CONTRADICTION;
  }
  // Prerequisites in matchConstraints order: the protocol's implied fields, then the items.
  if (m.protocol) {
    const r = addPrereq(acc, memo, DL_TYPE.prereq) ?? (PROTOCOLS[m.protocol].nwProto !== undefined ? addPrereq(acc, memo, NW_PROTO.prereq) : undefined);
    if (r) return r;
  }
  for (const it of m.items) {
    const r = addPrereq(acc, memo, it.field.prereq);
    if (r) return r;
  }
  return acc;
}

/** Adds a prerequisite when exactly one of its alternatives fits the match (see compileMatch). */
function addPrereq(acc: MatchWords, memo: BuildMemo, p: Prereq): string | undefined {
  if (p === 'none') return undefined;
  let only: Words | undefined;
  let n = 0;
  for (const a of prereqAlternatives(memo, p))
    if (acc.consistent(a)) {
      only = a;
      n++;
    }
  if (n === 1 && !acc.add(only!)) return CONTRADICTION;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// One table's index in typed arrays

/**
 * The index of one table. Subtables are in scan order (descending max priority, then first flow
 * in the dump); "flow" numbers index `flowPos`, the table's flows in dump order.
 */
export interface TableArrays {
  /** Per subtable: number of words, first word, highest priority, its hash slice (capacity a power of 2, 0 when k = 0). */
  readonly stK: Uint16Array;
  readonly stWordOff: Uint32Array;
  readonly stMaxPri: Int32Array;
  readonly stHashOff: Uint32Array;
  readonly stHashCap: Uint32Array;
  /** First entry of each subtable (length: subtables + 1). */
  readonly stEntryOff: Uint32Array;
  /** Per word of a subtable: storage space, 32-bit word index, mask. */
  readonly wSpace: Uint16Array;
  readonly wIdx: Uint8Array;
  readonly wMask: Uint32Array;
  /** Per entry (one distinct masked value tuple of a subtable): its k values in `vals`, its flows in `listFlow`. */
  readonly eValOff: Uint32Array;
  /** Length: entries + 1. */
  readonly eListOff: Uint32Array;
  readonly vals: Uint32Array;
  /** Flow numbers of each entry, highest priority first, dump order among equals. */
  readonly listFlow: Uint32Array;
  /** Open addressing: entry + 1, 0 = empty slot. */
  readonly hash: Int32Array;
  /** Position of each flow in the bridge's flow list. */
  readonly flowPos: Uint32Array;
}

const TABLE_ARRAY_TYPES = {
  stK: Uint16Array,
  stWordOff: Uint32Array,
  stMaxPri: Int32Array,
  stHashOff: Uint32Array,
  stHashCap: Uint32Array,
  stEntryOff: Uint32Array,
  wSpace: Uint16Array,
  wIdx: Uint8Array,
  wMask: Uint32Array,
  eValOff: Uint32Array,
  eListOff: Uint32Array,
  vals: Uint32Array,
  listFlow: Uint32Array,
  hash: Int32Array,
  flowPos: Uint32Array,
} as const satisfies Record<keyof TableArrays, unknown>;

const TABLE_ARRAY_NAMES = Object.keys(TABLE_ARRAY_TYPES) as (keyof TableArrays)[];

const HASH_SEED = 0x811c9dc5 | 0;

/** Size of a subtable's first-word filter: 2^10 bits. */
const FILTER_BITS_LOG2 = 10;
const FILTER_WORDS = (1 << FILTER_BITS_LOG2) >>> 5;
/** Numbers per subtable in `FlowTable.hdr`. */
const HDR = 8;
/** Probes of a subtable through the stored hash before its inline slots are made (see FlowTable). */
const SLOTS_AFTER_PROBES = 8;
/**
 * Inline slots larger than this are made only after `capacity / 4` probes. Copying a subtable
 * costs per slot, a probe saves two cache misses: on the scale snapshot the four largest
 * subtables (131,072 and 524,288 slots, 4 and 16 MB) took 130-170 ms of CPU to copy within the
 * first packets of a 10,000-packet batch, which then probed each of them 22,000 times — a few ms
 * of cache misses saved. Smaller copies (under 1 ms each, 200 of them) still pay at once.
 */
const SLOTS_SMALL_BYTES = 1 << 20;

/** How many probes subtable slots of `cap` slots of `k` words wait for (see SLOTS_SMALL_BYTES). */
function probesBeforeSlots(cap: number, k: number): number {
  return cap * (k + 1) * 4 <= SLOTS_SMALL_BYTES ? SLOTS_AFTER_PROBES : Math.max(SLOTS_AFTER_PROBES, cap >>> 2);
}

function mixWord(h: number, w: number): number {
  h = Math.imul(h ^ w, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/**
 * Builds one table's arrays from its flows (dump order); flows that can never match go to
 * `problems`. Typed arrays sized in advance throughout, no object per flow: growing JS arrays of
 * 455k elements left ~250 MB of garbage backing stores for the next full GC; this does not.
 */
function buildTableArrays(bridgeFlows: readonly FlowEntry[], orders: Uint32Array, memo: BuildMemo, problems: FlowProblem[]): TableArrays {
  interface Sub {
    /** Word keys (space * WORD_KEYS + word) and masks, ordered by key. */
    readonly keys: number[];
    readonly masks: number[];
    maxPri: number;
    readonly firstOrder: number;
    count: number;
  }
  // Pass 1: each flow's words; its subtable (by signature hash, compared exactly) and values.
  const n = orders.length;
  const flowSub = new Uint32Array(n);
  const flowPos = new Uint32Array(n);
  const flowPri = new Int32Array(n);
  const valOff = new Uint32Array(n + 1);
  let fv = new Uint32Array(Math.max(64, n * 4));
  let nv = 0;
  const bySig = new Map<number, number[]>();
  const subs: Sub[] = [];
  const idx: number[] = [];
  const acc = new MatchWords();
  let nf = 0;
  for (const order of orders) {
    const entry = bridgeFlows[order];
    const r = compileMatchWords(entry, memo, acc);
    if (typeof r === 'string') {
      problems.push({ entry, order, message: r });
      continue;
    }
    // Words by (space, word): an insertion sort, as a flow has a handful (Array#sort allocates).
    const k = acc.keys;
    idx.length = 0;
    for (let i = 0; i < acc.n; i++) {
      if (acc.masks[i] === 0) continue;
      let p = idx.length;
      idx.push(i);
      while (p > 0 && k[idx[p - 1]] > k[i]) {
        idx[p] = idx[p - 1];
        p--;
      }
      idx[p] = i;
    }
    let h = HASH_SEED;
    for (const i of idx) h = mixWord(mixWord(h, k[i]), acc.masks[i]);
    let bucket = bySig.get(h);
    if (!bucket) bySig.set(h, (bucket = []));
    let si = -1;
    for (const c of bucket) {
      const sub = subs[c];
      if (sub.keys.length !== idx.length) continue;
      let same = true;
      for (let q = 0; q < idx.length && same; q++) same = sub.keys[q] === k[idx[q]] && sub.masks[q] === acc.masks[idx[q]];
      if (same) {
        si = c;
        break;
      }
    }
    if (si < 0) {
      if (idx.length > 0xffff) throw new Error('a match with more than 65535 words');
      si = subs.length;
      subs.push({ keys: idx.map((i) => k[i]), masks: idx.map((i) => acc.masks[i]), maxPri: entry.priority, firstOrder: order, count: 0 });
      bucket.push(si);
    }
    const sub = subs[si];
    if (entry.priority > sub.maxPri) sub.maxPri = entry.priority;
    sub.count++;
    flowSub[nf] = si;
    flowPos[nf] = order;
    flowPri[nf] = entry.priority;
    valOff[nf] = nv;
    if (nv + idx.length > fv.length) {
      const bigger = new Uint32Array(fv.length * 2 + idx.length);
      bigger.set(fv.subarray(0, nv));
      fv = bigger;
    }
    for (const i of idx) fv[nv++] = acc.values[i];
    nf++;
  }
  valOff[nf] = nv;

  // Subtables in scan order; the flows of each in dump order (a counting sort by subtable).
  const nSub = subs.length;
  const rank = subs.map((_, i) => i).sort((a, b) => subs[b].maxPri - subs[a].maxPri || subs[a].firstOrder - subs[b].firstOrder);
  const rankOf = new Uint32Array(nSub);
  rank.forEach((si, r) => (rankOf[si] = r));
  const subStart = new Uint32Array(nSub + 1);
  for (let f = 0; f < nf; f++) subStart[rankOf[flowSub[f]] + 1]++;
  for (let s = 0; s < nSub; s++) subStart[s + 1] += subStart[s];
  const members = new Uint32Array(nf);
  const fillSub = subStart.slice(0, nSub);
  for (let f = 0; f < nf; f++) members[fillSub[rankOf[flowSub[f]]]++] = f;

  const stK = new Uint16Array(nSub);
  const stWordOff = new Uint32Array(nSub);
  const stMaxPri = new Int32Array(nSub);
  const stHashOff = new Uint32Array(nSub);
  const stHashCap = new Uint32Array(nSub);
  const stEntryOff = new Uint32Array(nSub + 1);
  let nWords = 0;
  let hashLen = 0;
  for (let s = 0; s < nSub; s++) {
    const sub = subs[rank[s]];
    const kk = sub.keys.length;
    stK[s] = kk;
    stWordOff[s] = nWords;
    stMaxPri[s] = sub.maxPri;
    nWords += kk;
    // Entries are at most the flows: twice as many slots keeps probe sequences short.
    const cap = kk === 0 ? 0 : 1 << Math.ceil(Math.log2(Math.max(2, sub.count * 2)));
    stHashOff[s] = hashLen;
    stHashCap[s] = cap;
    hashLen += cap;
  }
  const wSpace = new Uint16Array(nWords);
  const wIdx = new Uint8Array(nWords);
  const wMask = new Uint32Array(nWords);
  const hash = new Int32Array(hashLen);
  // Upper bounds (one entry per flow); trimmed at the end.
  const eValOff = new Uint32Array(nf);
  const eListOff = new Uint32Array(nf + 1);
  const vals = new Uint32Array(nv);
  const listFlow = new Uint32Array(nf);
  const memberEntry = new Uint32Array(nf);
  const fillAt = new Uint32Array(nf);
  let nE = 0;
  let nVals = 0;

  // Pass 2, per subtable: entries (one per distinct value tuple, numbered in order of first
  // appearance, found through the subtable's own hash), then each entry's flow list.
  for (let s = 0; s < nSub; s++) {
    const sub = subs[rank[s]];
    const kk = sub.keys.length;
    for (let q = 0; q < kk; q++) {
      wSpace[stWordOff[s] + q] = Math.floor(sub.keys[q] / WORD_KEYS);
      wIdx[stWordOff[s] + q] = sub.keys[q] % WORD_KEYS;
      wMask[stWordOff[s] + q] = sub.masks[q];
    }
    const e0 = nE;
    stEntryOff[s] = e0;
    const m0 = subStart[s];
    const m1 = subStart[s + 1];
    const base = stHashOff[s];
    const mask = stHashCap[s] - 1;
    for (let m = m0; m < m1; m++) {
      const vo = valOff[members[m]];
      let e = -1;
      if (kk === 0) e = e0 < nE ? e0 : -1;
      else {
        let h = HASH_SEED;
        for (let q = 0; q < kk; q++) h = mixWord(h, fv[vo + q]);
        let slot = h & mask;
        for (; hash[base + slot] !== 0; slot = (slot + 1) & mask) {
          const c = hash[base + slot] - 1;
          const co = eValOff[c];
          let same = true;
          for (let q = 0; q < kk && same; q++) same = vals[co + q] === fv[vo + q];
          if (same) {
            e = c;
            break;
          }
        }
        if (e < 0) hash[base + slot] = nE + 1;
      }
      if (e < 0) {
        e = nE++;
        eValOff[e] = nVals;
        for (let q = 0; q < kk; q++) vals[nVals++] = fv[vo + q];
      }
      memberEntry[m] = e;
    }
    // Flow lists: members bucketed by entry (dump order kept), each list then sorted by
    // priority, highest first, dump order among equals (a stable insertion sort: lists are short).
    for (let m = m0; m < m1; m++) eListOff[memberEntry[m] + 1]++;
    eListOff[e0] = m0;
    for (let e = e0; e < nE; e++) {
      eListOff[e + 1] += eListOff[e];
      fillAt[e] = eListOff[e];
    }
    for (let m = m0; m < m1; m++) {
      const e = memberEntry[m];
      const f = members[m];
      let p = fillAt[e]++;
      while (p > eListOff[e] && flowPri[listFlow[p - 1]] < flowPri[f]) {
        listFlow[p] = listFlow[p - 1];
        p--;
      }
      listFlow[p] = f;
    }
  }
  stEntryOff[nSub] = nE;
  return {
    stK,
    stWordOff,
    stMaxPri,
    stHashOff,
    stHashCap,
    stEntryOff,
    wSpace,
    wIdx,
    wMask,
    eValOff: eValOff.slice(0, nE),
    eListOff: eListOff.slice(0, nE + 1),
    vals: vals.slice(0, nVals),
    listFlow,
    hash,
    flowPos: flowPos.slice(0, nf),
  };
}

/**
 * Why `a` cannot be the index of table `id` over `flows`, or undefined when it can: every offset
 * in bounds, every flow of that table once, lists in priority order, hash slices that terminate.
 * Linear in the size of the arrays (milliseconds for 455k flows): a cache file passes it or is
 * rebuilt, so lookups never index outside an array or loop forever.
 */
function checkTableArrays(id: number, a: TableArrays, flows: readonly FlowEntry[], seen: Uint8Array): string | undefined {
  // The table and priority of every flow, read without making the entries of a lazy list.
  const key = flowKeyOf(flows);
  const nAll = flows.length;
  const nSub = a.stK.length;
  const nWords = a.wSpace.length;
  const nEntries = a.eValOff.length;
  const nFlows = a.flowPos.length;
  if (a.stWordOff.length !== nSub || a.stMaxPri.length !== nSub || a.stHashOff.length !== nSub || a.stHashCap.length !== nSub || a.stEntryOff.length !== nSub + 1) return 'subtable arrays differ in length';
  if (a.wIdx.length !== nWords || a.wMask.length !== nWords) return 'word arrays differ in length';
  if (a.eListOff.length !== nEntries + 1 || a.eListOff[0] !== 0 || a.eListOff[nEntries] !== a.listFlow.length) return 'bad entry lists';
  if (a.stEntryOff[0] !== 0 || a.stEntryOff[nSub] !== nEntries) return 'bad subtable entries';
  for (let i = 0; i < nFlows; i++) {
    const p = a.flowPos[i];
    if (p >= nAll || key.table(p) !== id || seen[p]) return 'flow reference out of place';
    seen[p] = 1;
  }
  const listed = new Uint8Array(nFlows);
  for (let s = 0; s < nSub; s++) {
    const k = a.stK[s];
    const wo = a.stWordOff[s];
    if (wo + k > nWords) return 'word offset out of range';
    for (let q = wo; q < wo + k; q++) if (a.wSpace[q] >= N_SPACES || a.wIdx[q] >= N_WORDS[a.wSpace[q]]) return 'word outside the packet';
    const e0 = a.stEntryOff[s];
    const e1 = a.stEntryOff[s + 1];
    if (e1 < e0 || (k === 0 && e1 - e0 > 1)) return 'bad subtable entries';
    let maxPri = -1;
    for (let e = e0; e < e1; e++) {
      if (a.eValOff[e] + k > a.vals.length) return 'value offset out of range';
      const l0 = a.eListOff[e];
      const l1 = a.eListOff[e + 1];
      if (l1 <= l0) return 'empty or reversed flow list';
      let prev = Infinity;
      for (let l = l0; l < l1; l++) {
        const f = a.listFlow[l];
        if (f >= nFlows || listed[f]) return 'flow listed twice or out of range';
        listed[f] = 1;
        const pri = key.priority(a.flowPos[f]);
        if (pri > prev) return 'flow list out of priority order';
        prev = pri;
        if (pri > maxPri) maxPri = pri;
      }
    }
    if (e1 > e0 && maxPri !== a.stMaxPri[s]) return 'wrong subtable priority';
    if (s > 0 && a.stMaxPri[s] > a.stMaxPri[s - 1]) return 'subtables out of priority order';
    const cap = a.stHashCap[s];
    const ho = a.stHashOff[s];
    if (k === 0 ? cap !== 0 : cap === 0 || (cap & (cap - 1)) !== 0 || cap <= e1 - e0) return 'bad hash capacity';
    if (ho + cap > a.hash.length) return 'hash offset out of range';
    let used = 0;
    for (let q = ho; q < ho + cap; q++) {
      const v = a.hash[q];
      if (v === 0) continue;
      if (v <= e0 || v > e1) return 'hash slot outside its subtable';
      used++;
    }
    if (k > 0 && used !== e1 - e0) return 'hash does not hold every entry once';
  }
  for (let f = 0; f < nFlows; f++) if (!listed[f]) return 'flow in no list';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The classifier of one table

export class FlowTable {
  readonly id: number;
  readonly nFlows: number;
  readonly arrays: TableArrays;
  private readonly bridgeFlows: readonly FlowEntry[];
  /** Made on first use: most flows are never looked up in a one-shot trace. */
  private readonly flows: (CompiledFlow | undefined)[];
  private readonly lists: (CompiledFlow[] | undefined)[];
  /** The first (highest-priority) flow of each entry's list: most probes need no more. */
  private readonly firsts: (CompiledFlow | undefined)[];
  /** The packet's masked words of the subtable being probed. */
  private readonly scratch: Uint32Array;
  /**
   * Per subtable, a 1,024-bit filter of its entries' first words, made on the subtable's first
   * probe: most probes miss, and half of the misses are decided by the first word (measured on
   * the scale snapshot), at the cost of one word and one bit test.
   */
  private readonly filter: Uint32Array;
  private readonly filterBuilt: Uint8Array;
  /**
   * Per subtable, its hash slots with each entry's words inline: `[entry + 1, word0, ...]` per
   * slot (k + 1 numbers). A probe then reads one place instead of three (slot, value offset,
   * values): on a 455k-flow table each was a cache miss, and together they were most of the
   * lookup time. Made once the subtable has been probed SLOTS_AFTER_PROBES times past its filter
   * (`probes` counts; large subtables wait longer, see SLOTS_SMALL_BYTES): a one-shot trace
   * probes most subtables once or twice, and copying them all (43 MB for one packet on the scale
   * snapshot) cost it more than it saved.
   */
  private readonly slots: (Uint32Array | undefined)[];
  private readonly probes: Uint32Array;
  private readonly nSub: number;
  /**
   * Per subtable, what a probe reads, side by side (HDR numbers each: words, first word, first
   * and end entry, hash capacity, hash offset): one cache line instead of six arrays, as lookups
   * are memory-bound on a large bridge.
   */
  private readonly hdr: Int32Array;
  /** Per subtable word: its index in `PacketState.w`, or -1 (tun_metadataN: read through `word`). */
  private readonly wState: Int32Array;

  /** `arrays` must be valid for `bridgeFlows`: made by `buildBridgeIndex`, or checked by `bridgeIndexFromStored`. */
  constructor(id: number, arrays: TableArrays, bridgeFlows: readonly FlowEntry[]) {
    this.id = id;
    this.arrays = arrays;
    this.bridgeFlows = bridgeFlows;
    this.nFlows = arrays.flowPos.length;
    this.nSub = arrays.stK.length;
    this.flows = new Array<CompiledFlow | undefined>(this.nFlows);
    this.lists = new Array<CompiledFlow[] | undefined>(arrays.eValOff.length);
    this.firsts = new Array<CompiledFlow | undefined>(arrays.eValOff.length);
    let maxK = 0;
    for (let i = 0; i < this.nSub; i++) maxK = Math.max(maxK, arrays.stK[i]);
    this.scratch = new Uint32Array(maxK);
    this.filter = new Uint32Array(this.nSub * FILTER_WORDS);
    this.filterBuilt = new Uint8Array(this.nSub);
    this.slots = new Array<Uint32Array | undefined>(this.nSub).fill(undefined);
    this.probes = new Uint32Array(this.nSub);
    this.hdr = new Int32Array(this.nSub * HDR);
    for (let st = 0; st < this.nSub; st++) {
      const o = st * HDR;
      this.hdr[o] = arrays.stK[st];
      this.hdr[o + 1] = arrays.stWordOff[st];
      this.hdr[o + 2] = arrays.stEntryOff[st];
      this.hdr[o + 3] = arrays.stEntryOff[st + 1];
      this.hdr[o + 4] = arrays.stHashCap[st];
      this.hdr[o + 5] = arrays.stHashOff[st];
    }
    this.wState = new Int32Array(arrays.wSpace.length);
    for (let i = 0; i < arrays.wSpace.length; i++) {
      const off = WORD_OFF[arrays.wSpace[i]];
      this.wState[i] = off >= 0 ? off + arrays.wIdx[i] : -1;
    }
  }

  /** Word `i` of the subtable words, masked, of the packet. */
  private maskedWord(i: number, s: PacketState): number {
    const o = this.wState[i];
    return ((o >= 0 ? s.w[o] : s.word(this.arrays.wSpace[i], this.arrays.wIdx[i])) & this.arrays.wMask[i]) >>> 0;
  }

  private flow(i: number): CompiledFlow {
    let f = this.flows[i];
    if (!f) {
      const order = this.arrays.flowPos[i];
      const entry = this.bridgeFlows[order];
      const conj = conjunctionsOf(entry);
      f = { entry, priority: entry.priority, order, conj, minClauses: conj ? Math.min(...conj.map((c) => c.nClauses)) : 0, annotation: undefined, alone: undefined };
      this.flows[i] = f;
    }
    return f;
  }

  private list(e: number): CompiledFlow[] {
    let l = this.lists[e];
    if (!l) {
      const a = this.arrays;
      l = [];
      for (let k = a.eListOff[e]; k < a.eListOff[e + 1]; k++) l.push(this.flow(a.listFlow[k]));
      this.lists[e] = l;
    }
    return l;
  }

  private first(e: number): CompiledFlow {
    let f = this.firsts[e];
    if (!f) {
      f = this.flow(this.arrays.listFlow[this.arrays.eListOff[e]]);
      this.firsts[e] = f;
    }
    return f;
  }

  /** Sets the filter bit of every entry's first word in subtable `st` (k > 0). */
  private buildFilter(st: number): void {
    const a = this.arrays;
    const fo = st * FILTER_WORDS;
    for (let e = a.stEntryOff[st]; e < a.stEntryOff[st + 1]; e++) {
      const bit = Math.imul(a.vals[a.eValOff[e]], 0x9e3779b1) >>> (32 - FILTER_BITS_LOG2);
      this.filter[fo + (bit >>> 5)] |= 1 << (bit & 31);
    }
    this.filterBuilt[st] = 1;
  }

  /** The inline slots of subtable `st` (k > 0). */
  private buildSlots(st: number): Uint32Array {
    const a = this.arrays;
    const k = a.stK[st];
    const cap = a.stHashCap[st];
    const ho = a.stHashOff[st];
    const out = new Uint32Array(cap * (k + 1));
    let o = 0;
    for (let slot = 0; slot < cap; slot++, o += k + 1) {
      const e1 = a.hash[ho + slot];
      if (e1 === 0) continue;
      out[o] = e1;
      const vo = a.eValOff[e1 - 1];
      for (let i = 0; i < k; i++) out[o + 1 + i] = a.vals[vo + i];
    }
    this.slots[st] = out;
    return out;
  }

  /** The entry of subtable `st` whose words the packet has, or -1. */
  private find(st: number, s: PacketState): number {
    const hdr = this.hdr;
    const ho = st * HDR;
    const k = hdr[ho];
    if (k === 0) return hdr[ho + 3] > hdr[ho + 2] ? hdr[ho + 2] : -1;
    const wo = hdr[ho + 1];
    const w = this.scratch;
    // Stage 1: the first word alone (in OVN tables, metadata: the datapath) against the
    // subtable's filter, before the other words and the probe of a large hash array.
    const x0 = this.maskedWord(wo, s);
    const bit = Math.imul(x0, 0x9e3779b1) >>> (32 - FILTER_BITS_LOG2);
    if (this.filterBuilt[st] === 0) this.buildFilter(st);
    if ((this.filter[st * FILTER_WORDS + (bit >>> 5)] & (1 << (bit & 31))) === 0) return -1;
    w[0] = x0;
    let h = mixWord(HASH_SEED, x0);
    for (let i = 1; i < k; i++) {
      const x = this.maskedWord(wo + i, s);
      w[i] = x;
      h = mixWord(h, x);
    }
    const cap = hdr[ho + 4];
    const mask = cap - 1;
    const stride = k + 1;
    let t = this.slots[st];
    if (t === undefined) {
      if (++this.probes[st] < probesBeforeSlots(cap, k)) return this.findInHash(st, h, k);
      t = this.buildSlots(st);
    }
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const o = slot * stride;
      const e1 = t[o];
      if (e1 === 0) return -1;
      let same = true;
      for (let i = 0; i < k && same; i++) same = t[o + 1 + i] === w[i];
      if (same) return e1 - 1;
    }
  }

  /** `find` through the stored hash (slot, value offset, values) for the words in `scratch`. */
  private findInHash(st: number, h: number, k: number): number {
    const a = this.arrays;
    const w = this.scratch;
    const mask = a.stHashCap[st] - 1;
    const base = a.stHashOff[st];
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e1 = a.hash[base + slot];
      if (e1 === 0) return -1;
      const vo = a.eValOff[e1 - 1];
      let same = true;
      for (let i = 0; i < k && same; i++) same = a.vals[vo + i] === w[i];
      if (same) return e1 - 1;
    }
  }

  /** Highest-priority flow matching the packet, with OVS's conjunctive-match semantics. */
  lookup(s: PacketState): LookupResult {
    return this.lookup__(s, true);
  }

  private lookup__(s: PacketState, allowConj: boolean): LookupResult {
    const maxPri = this.arrays.stMaxPri;
    let hard: CompiledFlow | undefined;
    let hardPri = -1;
    let overlaps: CompiledFlow[] | undefined;
    // Soft matches: the flow list they came from and the position of the current candidate.
    let soft: { list: CompiledFlow[]; idx: number }[] | undefined;
    let softPri = -1;
    const n = this.nSub;
    let i = 0;
    for (; i < n; i++) {
      if (maxPri[i] <= hardPri) break;
      const e = this.find(i, s);
      if (e < 0) continue;
      const m = this.first(e);
      if (m.priority <= hardPri) {
        if (m.priority === hardPri && !m.conj) (overlaps ??= []).push(m);
        continue;
      }
      if (!m.conj) {
        hard = m;
        hardPri = m.priority;
      } else if (allowConj) {
        (soft ??= []).push({ list: this.list(e), idx: 0 });
        if (m.priority > softPri) softPri = m.priority;
      }
    }
    // Equal-priority competitors in subtables the scan did not need to visit.
    if (hard) {
      for (; i < n && maxPri[i] >= hardPri; i++) {
        const e = this.find(i, s);
        if (e < 0) continue;
        const m = this.first(e);
        if (m.priority === hardPri && !m.conj) (overlaps ??= []).push(m);
      }
    }
    const ov = overlaps ? overlaps.filter((o) => o.priority === hardPri && o !== hard) : NONE;
    if (!soft || hardPri >= softPri) return ov.length ? { flow: hard, overlaps: ov } : aloneResult(hard);

    // Soft match loop (classifier_lookup__).
    for (;;) {
      soft = soft.filter((x) => x.idx >= 0 && x.list[x.idx].priority > hardPri);
      if (soft.length === 0) break;
      softPri = -1;
      let nSoftPri = 0;
      for (const x of soft) {
        const p = x.list[x.idx].priority;
        if (p > softPri) {
          softPri = p;
          nSoftPri = 1;
        } else if (p === softPri) nSoftPri++;
      }
      const matches = new Map<number, bigint>();
      for (const x of soft) {
        const m = x.list[x.idx];
        if (m.priority !== softPri || !m.conj || nSoftPri < m.minClauses) continue;
        let found: number | undefined;
        for (const c of m.conj) {
          if (c.nClauses > nSoftPri) continue;
          let clauses = matches.get(c.id);
          if (clauses === undefined) clauses = (0xffffffffffffffffn << BigInt(c.nClauses & 63)) & 0xffffffffffffffffn;
          clauses |= 1n << BigInt(c.clause);
          matches.set(c.id, clauses);
          if (clauses === 0xffffffffffffffffn) {
            found = c.id;
            break;
          }
        }
        if (found !== undefined) {
          const saved = s.word(SP.conj_id, 0);
          s.setWord(SP.conj_id, 0, found);
          const r = this.lookup__(s, false);
          s.setWord(SP.conj_id, 0, saved);
          if (r.flow) return { flow: r.flow, conjId: found, overlaps: r.overlaps };
        }
      }
      // No real match at softPri: fall back to lower-priority flows with an identical match.
      for (const x of soft) {
        const m = x.list[x.idx];
        if (m.priority !== softPri) continue;
        const nextIdx = x.idx + 1;
        if (nextIdx < x.list.length) {
          const next = x.list[nextIdx];
          if (!next.conj) {
            if (next.priority > hardPri) {
              hard = next;
              hardPri = next.priority;
            }
            x.idx = -1;
          } else x.idx = nextIdx;
        } else x.idx = -1;
      }
    }
    return { flow: hard, overlaps: hard && ov.length ? ov.filter((o) => o.priority === hardPri) : NONE };
  }
}

// ---------------------------------------------------------------------------------------------
// The classifier of one bridge: build, store, restore

export interface BridgeIndex {
  /** Index = table id (0..255). */
  readonly tables: readonly (FlowTable | undefined)[];
  /** Flows that can never match (unknown port name, contradictory match), table by table in dump order. */
  readonly problems: readonly FlowProblem[];
  readonly nFlows: number;
  /** Table ids in order of first appearance in the dump (the order tables and problems are built in). */
  readonly tableIds: readonly number[];
}

function indexOf(tables: (FlowTable | undefined)[], tableIds: number[], problems: FlowProblem[]): BridgeIndex {
  let nFlows = 0;
  for (const id of tableIds) nFlows += tables[id]!.nFlows;
  return { tables, problems, nFlows, tableIds };
}

/** Builds the index of every table of a bridge from its flows (dump order). */
export function buildBridgeIndex(flows: readonly FlowEntry[], resolvePort: PortResolver): BridgeIndex {
  // The positions of each table's flows, tables in order of first appearance (a counting sort).
  const tableIds: number[] = [];
  const count = new Uint32Array(256);
  for (const f of flows) {
    if (!(f.table >= 0 && f.table <= 255)) throw new Error(`flow at line ${f.line}: table ${f.table} (the parser allows 0..255)`);
    if (count[f.table]++ === 0) tableIds.push(f.table);
  }
  const start = new Uint32Array(257);
  for (let t = 0; t < 256; t++) start[t + 1] = start[t] + count[t];
  const orders = new Uint32Array(flows.length);
  const fill = start.slice(0, 256);
  flows.forEach((f, i) => (orders[fill[f.table]++] = i));
  const memo: BuildMemo = { items: new Map(), protocols: new Map(), prereqs: new Map(), resolvePort };
  const problems: FlowProblem[] = [];
  const tables: (FlowTable | undefined)[] = new Array(256).fill(undefined);
  for (const id of tableIds) tables[id] = new FlowTable(id, buildTableArrays(flows, orders.subarray(start[id], start[id + 1]), memo, problems), flows);
  return indexOf(tables, tableIds, problems);
}

/** What `.cache/` holds for a bridge: `{ tables, problems: [flow position, message][] }` and `<table>.<array>` sections. */
interface StoredData {
  readonly tables: number[];
  readonly problems: [number, string][];
}

/** The index as typed arrays and JSON data, for `.cache/` (the arrays are shared, not copied). */
export function storeBridgeIndex(index: BridgeIndex): DerivedArrays {
  const sections: Record<string, TableArrays[keyof TableArrays]> = {};
  for (const id of index.tableIds) {
    const a = index.tables[id]!.arrays;
    for (const n of TABLE_ARRAY_NAMES) sections[`${id}.${n}`] = a[n];
  }
  const data: StoredData = { tables: [...index.tableIds], problems: index.problems.map((p) => [p.order, p.message]) };
  return { data, sections };
}

/**
 * The index of a bridge from what `storeBridgeIndex` returned (typically views of a cache file),
 * checked against `flows` — the flows it must have been built from; a string says why it cannot
 * be used (then build it).
 */
export function bridgeIndexFromStored(stored: DerivedArrays, flows: readonly FlowEntry[]): BridgeIndex | string {
  const d = stored.data as Partial<StoredData> | null;
  if (typeof d !== 'object' || d === null || !Array.isArray(d.tables) || !Array.isArray(d.problems)) return 'malformed index data';
  const nFlows = flows.length;
  const seen = new Uint8Array(nFlows);
  const problems: FlowProblem[] = [];
  for (const p of d.problems) {
    if (!Array.isArray(p) || !Number.isInteger(p[0]) || typeof p[1] !== 'string' || p[0] < 0 || p[0] >= nFlows || seen[p[0]]) return 'bad problem entry';
    seen[p[0]] = 1;
    problems.push({ entry: flows[p[0]], order: p[0], message: p[1] });
  }
  const tables: (FlowTable | undefined)[] = new Array(256).fill(undefined);
  for (const id of d.tables) {
    if (!Number.isInteger(id) || id < 0 || id > 255 || tables[id]) return 'bad table id';
    const arrays: Partial<Record<keyof TableArrays, unknown>> = {};
    for (const n of TABLE_ARRAY_NAMES) {
      const a = stored.sections[`${id}.${n}`];
      if (!(a instanceof TABLE_ARRAY_TYPES[n])) return `table ${id}: missing or mistyped ${n}`;
      arrays[n] = a;
    }
    const why = checkTableArrays(id, arrays as TableArrays, flows, seen);
    if (why) return `table ${id}: ${why}`;
    tables[id] = new FlowTable(id, arrays as TableArrays, flows);
  }
  for (let i = 0; i < nFlows; i++) if (!seen[i]) return 'a flow is in no table';
  return indexOf(tables, d.tables, problems);
}
