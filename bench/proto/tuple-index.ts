/**
 * PROTOTYPE (bench only): a tuple-space classifier whose index lives in typed arrays, so it can
 * be written to `<snapshot>/.cache/` and mapped back without rebuilding anything — the
 * "compiled tables" half of the cache that src/sim would need for a fast one-shot trace.
 *
 * Same semantics as FlowTable (src/sim/classifier.ts): subtables by mask signature, scanned by
 * descending max priority, one candidate per subtable, conjunctive matches, equal-priority
 * overlaps — `lookup__` below is FlowTable's, only `find` differs. Checked against FlowTable on
 * many packets by bench/proto/check-tuple-index.ts.
 *
 * Layout per table (every array is a typed array; nothing per flow is a JS object until a
 * lookup returns it):
 *   subtables  stK, stWordOff, stMaxPri, stFirstOrder, stEntryOff, stHashOff, stHashCap
 *   words      wSpace, wIdx, wMask            (k per subtable, from stWordOff)
 *   entries    eValOff, eListOff; vals         (one entry per distinct masked value tuple)
 *   lists      listFlow                        (flows of an entry, priority desc, dump order)
 *   hash       hash                            (open addressing, entry+1, 0 = empty)
 *   flows      flowPos, flowPri                (position in the bridge's flow list; priority)
 * CompiledFlow objects are made on first use and kept.
 */
import type { FlowEntry } from '../../src/model/flow.js';
import { FlowTable, type CompiledFlow, type Conjunction, type FlowProblem, type LookupResult } from '../../src/sim/classifier.js';
import { SP, type PacketState } from '../../src/sim/state.js';
import { compileMatchWordsForIndex, type BuildMemo } from './fast-build.js';

const NONE: readonly CompiledFlow[] = Object.freeze([]);

export interface TupleArrays {
  stK: Uint8Array;
  stWordOff: Uint32Array;
  stMaxPri: Int32Array;
  stFirstOrder: Uint32Array;
  stEntryOff: Uint32Array;
  stHashOff: Uint32Array;
  stHashCap: Uint32Array;
  wSpace: Uint16Array;
  wIdx: Uint8Array;
  wMask: Uint32Array;
  eValOff: Uint32Array;
  eListOff: Uint32Array;
  vals: Uint32Array;
  listFlow: Uint32Array;
  hash: Int32Array;
  flowPos: Uint32Array;
  flowPri: Uint16Array;
}

export const TUPLE_ARRAY_NAMES = ['stK', 'stWordOff', 'stMaxPri', 'stFirstOrder', 'stEntryOff', 'stHashOff', 'stHashCap', 'wSpace', 'wIdx', 'wMask', 'eValOff', 'eListOff', 'vals', 'listFlow', 'hash', 'flowPos', 'flowPri'] as const;

function mixWord(h: number, w: number): number {
  h = Math.imul(h ^ w, 0x9e3779b1);
  return h ^ (h >>> 15);
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

export class TupleTable {
  readonly id: number;
  readonly nFlows: number;
  readonly arrays: TupleArrays;
  private readonly bridgeFlows: readonly FlowEntry[];
  private readonly flows: (CompiledFlow | undefined)[];
  private readonly lists: (CompiledFlow[] | undefined)[];
  private readonly scratch: Uint32Array;
  private readonly nSub: number;

  constructor(id: number, arrays: TupleArrays, bridgeFlows: readonly FlowEntry[]) {
    this.id = id;
    this.arrays = arrays;
    this.bridgeFlows = bridgeFlows;
    this.nFlows = arrays.flowPos.length;
    this.nSub = arrays.stK.length;
    this.flows = new Array<CompiledFlow | undefined>(this.nFlows);
    this.lists = new Array<CompiledFlow[] | undefined>(arrays.eListOff.length - 1);
    let maxK = 0;
    for (let i = 0; i < this.nSub; i++) maxK = Math.max(maxK, arrays.stK[i]!);
    this.scratch = new Uint32Array(maxK);
  }

  private flow(i: number): CompiledFlow {
    let f = this.flows[i];
    if (!f) {
      const order = this.arrays.flowPos[i]!;
      const entry = this.bridgeFlows[order]!;
      const conj = conjunctionsOf(entry);
      f = { entry, priority: entry.priority, order, conj, minClauses: conj ? Math.min(...conj.map((c) => c.nClauses)) : 0 };
      this.flows[i] = f;
    }
    return f;
  }

  private list(e: number): CompiledFlow[] {
    let l = this.lists[e];
    if (!l) {
      const a = this.arrays;
      l = [];
      for (let k = a.eListOff[e]!; k < a.eListOff[e + 1]!; k++) l.push(this.flow(a.listFlow[k]!));
      this.lists[e] = l;
    }
    return l;
  }

  private find(st: number, s: PacketState): CompiledFlow[] | undefined {
    const a = this.arrays;
    const k = a.stK[st]!;
    const e0 = a.stEntryOff[st]!;
    if (k === 0) return a.stEntryOff[st + 1]! > e0 ? this.list(e0) : undefined;
    const wo = a.stWordOff[st]!;
    const w = this.scratch;
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < k; i++) {
      const x = (s.word(a.wSpace[wo + i]!, a.wIdx[wo + i]!) & a.wMask[wo + i]!) >>> 0;
      w[i] = x;
      h = mixWord(h, x);
    }
    const cap = a.stHashCap[st]!;
    const base = a.stHashOff[st]!;
    for (let slot = h & (cap - 1); ; slot = (slot + 1) & (cap - 1)) {
      const e1 = a.hash[base + slot]!;
      if (e1 === 0) return undefined;
      const vo = a.eValOff[e1 - 1]!;
      let same = true;
      for (let i = 0; i < k; i++)
        if (a.vals[vo + i] !== w[i]) {
          same = false;
          break;
        }
      if (same) return this.list(e1 - 1);
    }
  }

  lookup(s: PacketState): LookupResult {
    return this.lookup__(s, true);
  }

  // FlowTable.lookup__ (src/sim/classifier.ts), with `subtables[i]` → index i.
  private lookup__(s: PacketState, allowConj: boolean): LookupResult {
    const v = s.v;
    const maxPri = this.arrays.stMaxPri;
    let hard: CompiledFlow | undefined;
    let hardPri = -1;
    let overlaps: CompiledFlow[] | undefined;
    let soft: { list: CompiledFlow[]; idx: number }[] | undefined;
    let softPri = -1;
    const n = this.nSub;
    let i = 0;
    for (; i < n; i++) {
      if (maxPri[i]! <= hardPri) break;
      const list = this.find(i, s);
      if (!list) continue;
      const m = list[0]!;
      if (m.priority <= hardPri) {
        if (m.priority === hardPri && !m.conj) (overlaps ??= []).push(m);
        continue;
      }
      if (!m.conj) {
        hard = m;
        hardPri = m.priority;
      } else if (allowConj) {
        (soft ??= []).push({ list, idx: 0 });
        if (m.priority > softPri) softPri = m.priority;
      }
    }
    if (hard) {
      for (; i < n && maxPri[i]! >= hardPri; i++) {
        const list = this.find(i, s);
        if (list && list[0]!.priority === hardPri && !list[0]!.conj) (overlaps ??= []).push(list[0]!);
      }
    }
    const ov = overlaps ? overlaps.filter((o) => o.priority === hardPri && o !== hard) : NONE;
    if (!soft || hardPri >= softPri) return { flow: hard, overlaps: ov };
    for (;;) {
      soft = soft.filter((x) => x.idx >= 0 && x.list[x.idx]!.priority > hardPri);
      if (soft.length === 0) break;
      softPri = -1;
      let nSoftPri = 0;
      for (const x of soft) {
        const p = x.list[x.idx]!.priority;
        if (p > softPri) {
          softPri = p;
          nSoftPri = 1;
        } else if (p === softPri) nSoftPri++;
      }
      const matches = new Map<number, bigint>();
      for (const x of soft) {
        const m = x.list[x.idx]!;
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
          const saved = v[SP.conj_id]!;
          v[SP.conj_id] = BigInt(found);
          const r = this.lookup__(s, false);
          v[SP.conj_id] = saved;
          if (r.flow) return { flow: r.flow, conjId: found, overlaps: r.overlaps };
        }
      }
      for (const x of soft) {
        const m = x.list[x.idx]!;
        if (m.priority !== softPri) continue;
        const nextIdx = x.idx + 1;
        if (nextIdx < x.list.length) {
          const next = x.list[nextIdx]!;
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

  /** A FlowTable-typed view (Xlate only calls `lookup`, `id` and `nFlows`). */
  asFlowTable(): FlowTable {
    return this as unknown as FlowTable;
  }
}

/** Builds the typed arrays of one table from its flows (dump order). */
export function buildTupleArrays(flows: readonly { entry: FlowEntry; order: number }[], memo: BuildMemo, problems: FlowProblem[]): TupleArrays {
  interface Sub {
    keys: number[];
    masks: number[];
    maxPri: number;
    firstOrder: number;
    /** per flow: table flow index and value tuple */
    members: { fi: number; vals: number[] }[];
  }
  const bySig = new Map<number, Sub[]>();
  const subs: Sub[] = [];
  const flowPos: number[] = [];
  const flowPri: number[] = [];
  const idx: number[] = [];
  for (const { entry, order } of flows) {
    const acc = compileMatchWordsForIndex(entry, memo);
    if (typeof acc === 'string') {
      problems.push({ entry, message: acc });
      continue;
    }
    const k = acc.keys;
    idx.length = 0;
    for (let i = 0; i < k.length; i++) if (acc.masks[i] !== 0) idx.push(i);
    idx.sort((x, y) => k[x]! - k[y]!);
    let h = 0x811c9dc5 | 0;
    for (const i of idx) h = mixWord(mixWord(h, k[i]!), acc.masks[i]!);
    let bucket = bySig.get(h);
    let sub: Sub | undefined;
    if (bucket) sub = bucket.find((c) => c.keys.length === idx.length && idx.every((i, q) => c.keys[q] === k[i] && c.masks[q] === acc.masks[i]));
    else bySig.set(h, (bucket = []));
    if (!sub) {
      sub = { keys: idx.map((i) => k[i]!), masks: idx.map((i) => acc.masks[i]!), maxPri: entry.priority, firstOrder: order, members: [] };
      bucket.push(sub);
      subs.push(sub);
    }
    if (entry.priority > sub.maxPri) sub.maxPri = entry.priority;
    const fi = flowPos.length;
    flowPos.push(order);
    flowPri.push(entry.priority);
    sub.members.push({ fi, vals: idx.map((i) => acc.values[i]! >>> 0) });
  }
  subs.sort((a, b) => b.maxPri - a.maxPri || a.firstOrder - b.firstOrder);
  const nSub = subs.length;
  const stK = new Uint8Array(nSub);
  const stWordOff = new Uint32Array(nSub);
  const stMaxPri = new Int32Array(nSub);
  const stFirstOrder = new Uint32Array(nSub);
  const stEntryOff = new Uint32Array(nSub + 1);
  const stHashOff = new Uint32Array(nSub);
  const stHashCap = new Uint32Array(nSub);
  const wSpace: number[] = [];
  const wIdx: number[] = [];
  const wMask: number[] = [];
  const eValOff: number[] = [];
  const eListOff: number[] = [0];
  const vals: number[] = [];
  const listFlow: number[] = [];
  const hashParts: Int32Array[] = [];
  let hashLen = 0;
  for (let s = 0; s < nSub; s++) {
    const sub = subs[s]!;
    const kk = sub.keys.length;
    stK[s] = kk;
    stWordOff[s] = wSpace.length;
    stMaxPri[s] = sub.maxPri;
    stFirstOrder[s] = sub.firstOrder;
    stEntryOff[s] = eValOff.length;
    for (let q = 0; q < kk; q++) {
      wSpace.push(Math.floor(sub.keys[q]! / 64));
      wIdx.push(sub.keys[q]! % 64);
      wMask.push(sub.masks[q]!);
    }
    // Group members by value tuple (entries), keeping first-seen order.
    const byHash = new Map<number, number[]>();
    const entries: { vals: number[]; flows: number[]; h: number }[] = [];
    for (const m of sub.members) {
      let h = 0x811c9dc5 | 0;
      for (const x of m.vals) h = mixWord(h, x);
      let cands = byHash.get(h);
      let ent = cands?.map((e) => entries[e]!).find((e) => e.vals.every((x, q) => x === m.vals[q]));
      if (!ent) {
        ent = { vals: m.vals, flows: [], h };
        if (!cands) byHash.set(h, (cands = []));
        cands.push(entries.length);
        entries.push(ent);
      }
      // Highest priority first; among equals keep dump order (FlowTable.build's insertion).
      const pri = flowPri[m.fi]!;
      let p = ent.flows.length;
      while (p > 0 && flowPri[ent.flows[p - 1]!]! < pri) p--;
      ent.flows.splice(p, 0, m.fi);
    }
    const cap = kk === 0 ? 0 : 1 << Math.ceil(Math.log2(Math.max(2, entries.length * 2)));
    const table = new Int32Array(cap);
    const e0 = eValOff.length;
    for (let e = 0; e < entries.length; e++) {
      const ent = entries[e]!;
      eValOff.push(vals.length);
      for (const x of ent.vals) vals.push(x);
      for (const f of ent.flows) listFlow.push(f);
      eListOff.push(listFlow.length);
      if (cap) {
        let slot = ent.h & (cap - 1);
        while (table[slot] !== 0) slot = (slot + 1) & (cap - 1);
        table[slot] = e0 + e + 1;
      }
    }
    stHashOff[s] = hashLen;
    stHashCap[s] = cap;
    hashParts.push(table);
    hashLen += cap;
  }
  stEntryOff[nSub] = eValOff.length;
  const hash = new Int32Array(hashLen);
  let at = 0;
  for (const p of hashParts) {
    hash.set(p, at);
    at += p.length;
  }
  return {
    stK,
    stWordOff,
    stMaxPri,
    stFirstOrder,
    stEntryOff,
    stHashOff,
    stHashCap,
    wSpace: Uint16Array.from(wSpace),
    wIdx: Uint8Array.from(wIdx),
    wMask: Uint32Array.from(wMask),
    eValOff: Uint32Array.from(eValOff),
    eListOff: Uint32Array.from(eListOff),
    vals: Uint32Array.from(vals),
    listFlow: Uint32Array.from(listFlow),
    hash,
    flowPos: Uint32Array.from(flowPos),
    flowPri: Uint16Array.from(flowPri),
  };
}
