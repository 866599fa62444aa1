/**
 * PROTOTYPE (bench only, not used by ovnscope): a faster `FlowTable.build` for src/sim/
 * classifier.ts, producing exactly the same index (same subtables, in the same order, same
 * tries, same CompiledFlow lists) — checked by bench/proto/check-fast-build.ts.
 *
 * What the profile of `compileBridge` on the 455k-flow scale snapshot showed (≈ 4–9 s):
 *   - per flow, per constrained storage space, a loop over every 32-bit word of the space with
 *     BigInt shifts of the whole accumulated value (the 512-bit `regs` space: 16 shifts of a
 *     512-bit BigInt, twice, for every flow that matches a register);
 *   - a signature string built per flow (`${space}.${word}:${mask.toString(16)};` …);
 *   - compileMatch: a Map of BigInt accumulators per flow, PREREQS filtered with fieldByName
 *     per item, and matchConstraints() allocating fresh dl_type/nw_proto items per flow;
 *   - a large share of garbage-collector time from all of the above.
 *
 * The change: everything per *match item* is computed once per bridge — match items are
 * interned by the parser (and by the snapshot cache), so 455k flows share ~25k of them — as
 * the list of 32-bit (space, word, mask, value) words it constrains; a flow's match is then the
 * merge of a few such small lists with plain 32-bit integer arithmetic (contradictions are
 * detected word by word, which is the same condition bit by bit). Prerequisites are checked
 * and added the same way, from word lists precomputed per prerequisite class. Subtables are
 * found by a numeric hash of the (space, word, mask) sequence (compared exactly on a hit)
 * instead of a signature string.
 */
import { fieldByName, PREREQS, type FieldDef, type Prereq } from '../../src/model/fields.js';
import type { FlowEntry, MatchItem, ProtocolShorthand } from '../../src/model/flow.js';
import { PROTOCOLS } from '../../src/model/flow.js';
import { onesMask } from '../../src/model/masked.js';
import { FlowTable, type CompiledFlow, type Conjunction, type FlowProblem } from '../../src/sim/classifier.js';
import { ACCESS, N_WORDS, SP, TUN_MD_INDEX, VLAN_CFI } from '../../src/sim/state.js';

type PortResolver = (name: string) => number | undefined;

/** Flattened words: [space, word, mask, value, space, word, mask, value, …] (mask ≠ 0). */
type Words = number[];

const DL_VLAN_FIELDS = new Set(['dl_vlan', 'vlan_vid', 'dl_vlan_pcp', 'vlan_pcp']);
const CONTRADICTION = 'contradictory constraints on the same bits';

/** Words of `(value & mask)` of field `f`, as compileMatch's addField would add them. */
function fieldWords(f: FieldDef, value: bigint, mask: bigint, out: Words): void {
  const a = ACCESS[f.id]!;
  const m = mask & a.mask;
  const val = (value & m) << a.shift;
  const msk = m << a.shift;
  const nw = N_WORDS[a.space]!;
  const lo = Math.floor(a.offset / 32);
  const hi = Math.min(nw - 1, Math.floor((a.offset + f.storage.width - 1) / 32));
  for (let w = lo; w <= hi; w++) {
    const mw = Number((msk >> BigInt(32 * w)) & 0xffffffffn);
    if (mw === 0) continue;
    out.push(a.space, w, mw, Number((val >> BigInt(32 * w)) & 0xffffffffn));
  }
  const md = TUN_MD_INDEX[a.space]!;
  if (md >= 0 && m !== 0n) out.push(SP.tun_md_present, md >> 5, (1 << (md & 31)) >>> 0, (1 << (md & 31)) >>> 0);
}

/** Per-bridge memo: item → its words (or why it can never match). */
export interface BuildMemo {
  readonly items: Map<MatchItem, Words | string>;
  readonly protocols: Map<ProtocolShorthand, Words>;
  readonly prereqs: Map<Prereq, Words[]>;
  readonly resolvePort: PortResolver;
}

export function newBuildMemo(resolvePort: PortResolver): BuildMemo {
  return { items: new Map(), protocols: new Map(), prereqs: new Map(), resolvePort };
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
  if (DL_VLAN_FIELDS.has(it.field.name)) out.push(SP.vlan_tci, 0, Number(VLAN_CFI), Number(VLAN_CFI));
  memo.items.set(it, out);
  return out;
}

function protocolWords(memo: BuildMemo, p: ProtocolShorthand): Words {
  let w = memo.protocols.get(p);
  if (w) return w;
  w = [];
  const d = PROTOCOLS[p];
  fieldWords(fieldByName('dl_type')!, BigInt(d.dlType), 0xffffn, w);
  if (d.nwProto !== undefined) fieldWords(fieldByName('nw_proto')!, BigInt(d.nwProto), 0xffn, w);
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

/** The accumulated match of one flow: word keys (space * 64 + word) → mask/value. */
export class Acc {
  readonly keys: number[] = [];
  readonly masks: number[] = [];
  readonly values: number[] = [];

  private find(key: number): number {
    const k = this.keys;
    for (let i = 0; i < k.length; i++) if (k[i] === key) return i;
    return -1;
  }

  /** Merges words; false on a contradiction (state then undefined, as compileMatch bails out). */
  add(w: Words): boolean {
    for (let i = 0; i < w.length; i += 4) {
      const key = w[i]! * 64 + w[i + 1]!;
      const m = w[i + 2]!;
      const v = w[i + 3]!;
      const j = this.find(key);
      if (j < 0) {
        this.keys.push(key);
        this.masks.push(m);
        this.values.push(v & m);
      } else {
        if (((this.values[j]! ^ v) & this.masks[j]! & m) !== 0) return false;
        this.values[j] = (this.values[j]! | (v & m)) >>> 0;
        this.masks[j] = (this.masks[j]! | m) >>> 0;
      }
    }
    return true;
  }

  consistent(w: Words): boolean {
    for (let i = 0; i < w.length; i += 4) {
      const j = this.find(w[i]! * 64 + w[i + 1]!);
      if (j >= 0 && ((this.values[j]! ^ w[i + 3]!) & this.masks[j]! & w[i + 2]!) !== 0) return false;
    }
    return true;
  }
}

/** compileMatch (classifier.ts) on words: same result, same error messages, same order. */
export function compileMatchWordsForIndex(entry: FlowEntry, memo: BuildMemo): Acc | string {
  return compileMatchWords(entry, memo);
}

function compileMatchWords(entry: FlowEntry, memo: BuildMemo): Acc | string {
  const acc = new Acc();
  const m = entry.match;
  if (m.protocol && !acc.add(protocolWords(memo, m.protocol))) return CONTRADICTION;
  for (const it of m.items) {
    const w = itemWords(memo, it);
    if (typeof w === 'string') return w;
    if (!acc.add(w)) return CONTRADICTION;
  }
  // Prerequisites in matchConstraints order: the protocol's implied fields (none), then items.
  if (m.protocol) {
    const d = PROTOCOLS[m.protocol];
    for (const f of d.nwProto !== undefined ? ['dl_type', 'nw_proto'] : ['dl_type']) {
      const r = addPrereq(acc, memo, fieldByName(f)!.prereq);
      if (r) return r;
    }
  }
  for (const it of m.items) {
    const r = addPrereq(acc, memo, it.field.prereq);
    if (r) return r;
  }
  return acc;
}

function addPrereq(acc: Acc, memo: BuildMemo, p: Prereq): string | undefined {
  if (p === 'none') return undefined;
  const alts = prereqAlternatives(memo, p);
  let only: Words | undefined;
  let n = 0;
  for (const a of alts)
    if (acc.consistent(a)) {
      only = a;
      n++;
    }
  if (n === 1 && !acc.add(only!)) return CONTRADICTION;
  return undefined;
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

interface Subtable {
  readonly spaces: readonly number[];
  readonly wordIdx: readonly number[];
  readonly masks: readonly number[];
  maxPriority: number;
  readonly firstOrder: number;
  readonly root: Map<number, unknown> | CompiledFlow[];
}

/** Same as FlowTable.build; `memo` is shared by the tables of one bridge. */
export function buildFlowTableFast(id: number, flows: readonly { entry: FlowEntry; order: number }[], memo: BuildMemo, problems: FlowProblem[]): FlowTable {
  const bySig = new Map<number, Subtable[]>();
  const all: Subtable[] = [];
  let n = 0;
  const idx: number[] = [];
  for (const { entry, order } of flows) {
    const acc = compileMatchWords(entry, memo);
    if (typeof acc === 'string') {
      problems.push({ entry, message: acc });
      continue;
    }
    // Order the words by (space, word) as the original does (spaces ascending, words ascending).
    const k = acc.keys;
    idx.length = 0;
    for (let i = 0; i < k.length; i++) if (acc.masks[i] !== 0) idx.push(i);
    idx.sort((x, y) => k[x]! - k[y]!);
    let h = 0x811c9dc5 | 0;
    for (const i of idx) {
      h = Math.imul(h ^ k[i]!, 0x01000193);
      h = Math.imul(h ^ acc.masks[i]!, 0x01000193);
    }
    let bucket = bySig.get(h);
    let st: Subtable | undefined;
    if (bucket)
      for (const cand of bucket) {
        if (cand.spaces.length !== idx.length) continue;
        let same = true;
        for (let q = 0; q < idx.length && same; q++) {
          const i = idx[q]!;
          same = cand.spaces[q]! * 64 + cand.wordIdx[q]! === k[i] && cand.masks[q] === acc.masks[i];
        }
        if (same) {
          st = cand;
          break;
        }
      }
    else bySig.set(h, (bucket = []));
    if (!st) {
      st = {
        spaces: idx.map((i) => Math.floor(k[i]! / 64)),
        wordIdx: idx.map((i) => k[i]! % 64),
        masks: idx.map((i) => acc.masks[i]!),
        maxPriority: entry.priority,
        firstOrder: order,
        root: idx.length ? new Map() : [],
      };
      bucket.push(st);
      all.push(st);
    }
    if (entry.priority > st.maxPriority) st.maxPriority = entry.priority;
    const conj = conjunctionsOf(entry);
    const cf: CompiledFlow = { entry, priority: entry.priority, order, conj, minClauses: conj ? Math.min(...conj.map((c) => c.nClauses)) : 0 };
    let list: CompiledFlow[];
    if (idx.length === 0) list = st.root as CompiledFlow[];
    else {
      let node = st.root as Map<number, unknown>;
      for (let q = 0; q < idx.length; q++) {
        const key = acc.values[idx[q]!]! >>> 0;
        let next = node.get(key);
        if (next === undefined) {
          next = q === idx.length - 1 ? [] : new Map<number, unknown>();
          node.set(key, next);
        }
        if (q === idx.length - 1) list = next as CompiledFlow[];
        else node = next as Map<number, unknown>;
      }
      list = list!;
    }
    let p = list.length;
    while (p > 0 && list[p - 1]!.priority < cf.priority) p--;
    list.splice(p, 0, cf);
    n++;
  }
  const subtables = all.sort((a, b) => b.maxPriority - a.maxPriority || a.firstOrder - b.firstOrder);
  // FlowTable's constructor is private: the prototype builds the same object shape.
  const t = Object.create(FlowTable.prototype) as FlowTable;
  Object.assign(t, { id, subtables, nFlows: n });
  return t;
}
