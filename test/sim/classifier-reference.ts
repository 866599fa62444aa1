/**
 * The classifier as it was before the typed-array index (ovnscope ≤ issue 10, src/sim/
 * classifier.ts): subtables of nested Maps keyed by masked 32-bit words, matches compiled by
 * `compileMatch` (per-space bigints, not the per-item word compiler the index uses). Kept in
 * test/ only, as the reference the index must agree with, lookup for lookup.
 */
import type { FlowEntry } from '../../src/model/flow.js';
import { compileMatch, type CompiledFlow, type Conjunction, type FlowProblem, type LookupResult, type PortResolver } from '../../src/sim/classifier.js';
import { N_SPACES, N_WORDS, SP, type PacketState } from '../../src/sim/state.js';

interface Subtable {
  /** One key per constrained 32-bit word: storage space, word index, mask. */
  readonly spaces: readonly number[];
  readonly wordIdx: readonly number[];
  readonly masks: readonly number[];
  maxPriority: number;
  readonly firstOrder: number;
  /** Nested Maps, one level per word; the last level holds the flow lists. */
  readonly root: Map<number, unknown> | CompiledFlow[];
}

const NONE: readonly CompiledFlow[] = Object.freeze([]);

function conjunctionsOf(entry: FlowEntry): Conjunction[] | undefined {
  if (entry.actions.length === 0) return undefined;
  const out: Conjunction[] = [];
  for (const a of entry.actions) {
    if (a.type !== 'conjunction') return undefined;
    out.push({ id: a.id, clause: a.clause - 1, nClauses: a.nClauses });
  }
  return out;
}

export class ReferenceTable {
  readonly id: number;
  readonly nFlows: number;
  private readonly subtables: Subtable[];

  private constructor(id: number, subtables: Subtable[], nFlows: number) {
    this.id = id;
    this.subtables = subtables;
    this.nFlows = nFlows;
  }

  /** Builds the index of one table. `problems` receives flows that can never match. */
  static build(id: number, flows: readonly { entry: FlowEntry; order: number }[], resolvePort: PortResolver, problems: FlowProblem[]): ReferenceTable {
    const bySig = new Map<string, Subtable>();
    let n = 0;
    for (const { entry, order } of flows) {
      const m = compileMatch(entry, resolvePort);
      if (typeof m === 'string') {
        problems.push({ entry, order, message: m });
        continue;
      }
      const spaces: number[] = [];
      const wordIdx: number[] = [];
      const masks: number[] = [];
      const values: number[] = [];
      for (const sp of [...m.keys()].sort((a, b) => a - b)) {
        const acc = m.get(sp)!;
        for (let w = 0; w < N_WORDS[sp]; w++) {
          const mk = Number((acc.mask >> BigInt(32 * w)) & 0xffffffffn);
          if (mk === 0) continue;
          spaces.push(sp);
          wordIdx.push(w);
          masks.push(mk);
          values.push(Number((acc.value >> BigInt(32 * w)) & 0xffffffffn));
        }
      }
      let sig = '';
      for (let i = 0; i < spaces.length; i++) sig += `${spaces[i]}.${wordIdx[i]}:${masks[i].toString(16)};`;
      let st = bySig.get(sig);
      if (!st) {
        st = { spaces, wordIdx, masks, maxPriority: entry.priority, firstOrder: order, root: spaces.length ? new Map() : [] };
        bySig.set(sig, st);
      }
      if (entry.priority > st.maxPriority) st.maxPriority = entry.priority;
      const conj = conjunctionsOf(entry);
      const cf: CompiledFlow = {
        entry,
        priority: entry.priority,
        order,
        conj,
        minClauses: conj ? Math.min(...conj.map((c) => c.nClauses)) : 0,
        annotation: undefined,
      };
      let list: CompiledFlow[];
      if (spaces.length === 0) list = st.root as CompiledFlow[];
      else {
        let node = st.root as Map<number, unknown>;
        for (let i = 0; i < spaces.length; i++) {
          const key = values[i];
          let next = node.get(key);
          if (next === undefined) {
            next = i === spaces.length - 1 ? [] : new Map<number, unknown>();
            node.set(key, next);
          }
          if (i === spaces.length - 1) list = next as CompiledFlow[];
          else node = next as Map<number, unknown>;
        }
        list = list!;
      }
      // Highest priority first; among equals keep dump order.
      let k = list.length;
      while (k > 0 && list[k - 1].priority < cf.priority) k--;
      list.splice(k, 0, cf);
      n++;
    }
    const subtables = [...bySig.values()].sort((a, b) => b.maxPriority - a.maxPriority || a.firstOrder - b.firstOrder);
    return new ReferenceTable(id, subtables, n);
  }

  private find(st: Subtable, s: PacketState): CompiledFlow[] | undefined {
    const sp = st.spaces;
    const n = sp.length;
    if (n === 0) {
      const l = st.root as CompiledFlow[];
      return l.length ? l : undefined;
    }
    let node: unknown = st.root;
    const masks = st.masks;
    const wi = st.wordIdx;
    for (let i = 0; i < n; i++) {
      node = (node as Map<number, unknown>).get((s.word(sp[i], wi[i]) & masks[i]) >>> 0);
      if (node === undefined) return undefined;
    }
    return node as CompiledFlow[];
  }

  /** Highest-priority flow matching the packet, with OVS's conjunctive-match semantics. */
  lookup(s: PacketState): LookupResult {
    return this.lookup__(s, true);
  }

  private lookup__(s: PacketState, allowConj: boolean): LookupResult {
    let hard: CompiledFlow | undefined;
    let hardPri = -1;
    let overlaps: CompiledFlow[] | undefined;
    // Soft matches: the flow list they came from and the position of the current candidate.
    let soft: { list: CompiledFlow[]; idx: number }[] | undefined;
    let softPri = -1;
    const subs = this.subtables;
    let i = 0;
    for (; i < subs.length; i++) {
      const st = subs[i];
      if (st.maxPriority <= hardPri) break;
      const list = this.find(st, s);
      if (!list) continue;
      const m = list[0];
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
    // Equal-priority competitors in subtables the scan did not need to visit.
    if (hard) {
      for (; i < subs.length && subs[i].maxPriority >= hardPri; i++) {
        const list = this.find(subs[i], s);
        if (list && list[0].priority === hardPri && !list[0].conj) (overlaps ??= []).push(list[0]);
      }
    }
    const ov = overlaps ? overlaps.filter((o) => o.priority === hardPri && o !== hard) : NONE;
    if (!soft || hardPri >= softPri) return { flow: hard, overlaps: ov };

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
// Helpers shared by the classifier tests

/** Something with OVS's lookup: the index (FlowTable) or the reference. */
export interface Lookup {
  lookup(s: PacketState): LookupResult;
}

/** The reference tables of a bridge, grouped and built in the order compileBridge uses. */
export function referenceIndex(flows: readonly FlowEntry[], resolvePort: PortResolver): { tables: (ReferenceTable | undefined)[]; problems: FlowProblem[]; tableIds: number[] } {
  const byTable = new Map<number, { entry: FlowEntry; order: number }[]>();
  flows.forEach((entry, order) => {
    let l = byTable.get(entry.table);
    if (!l) byTable.set(entry.table, (l = []));
    l.push({ entry, order });
  });
  const problems: FlowProblem[] = [];
  const tables: (ReferenceTable | undefined)[] = new Array(256).fill(undefined);
  for (const [id, l] of byTable) tables[id] = ReferenceTable.build(id, l, resolvePort, problems);
  return { tables, problems, tableIds: [...byTable.keys()] };
}

export interface TestPacket {
  /** Which flow it was made from and how (for failure messages). */
  readonly what: string;
  readonly table: number;
  readonly v: readonly bigint[];
}

const highBit = (m: bigint) => 1n << BigInt(m.toString(2).length - 1);

/**
 * Packets for every flow of a bridge: the flow's own match (value bits set, all others 0), the
 * same with the lowest and with the highest constrained bit of each storage space flipped, and —
 * for conjunctions — one clause flow of every clause merged into one packet (when consistent),
 * so that conjunctive matches happen.
 */
export function packetsFor(flows: readonly FlowEntry[], resolvePort: PortResolver): TestPacket[] {
  const out: TestPacket[] = [];
  const clauses = new Map<string, Map<number, Map<number, bigint[]>>>();
  for (const f of flows) {
    const m = compileMatch(f, resolvePort);
    if (typeof m === 'string') continue;
    const v = new Array<bigint>(N_SPACES).fill(0n);
    for (const [sp, a] of m) v[sp] = a.value & a.mask;
    out.push({ what: `line ${f.line}`, table: f.table, v });
    for (const [sp, a] of m) {
      if (a.mask === 0n) continue;
      for (const bit of new Set([a.mask & -a.mask, highBit(a.mask)])) {
        const w = v.slice();
        w[sp] ^= bit;
        out.push({ what: `line ${f.line}, space ${sp} bit 0x${bit.toString(16)} flipped`, table: f.table, v: w });
      }
    }
    if (f.actions.length && f.actions.every((a) => a.type === 'conjunction'))
      for (const a of f.actions) {
        if (a.type !== 'conjunction') continue;
        const key = `${f.table}/${a.id}/${a.nClauses}`;
        let byClause = clauses.get(key);
        if (!byClause) clauses.set(key, (byClause = new Map()));
        if (!byClause.has(a.clause)) byClause.set(a.clause, new Map([[f.line, v]]));
      }
  }
  for (const [key, byClause] of clauses) {
    const table = Number(key.split('/')[0]);
    // The union of the clause packets. Where two clauses want different values of a bit, the
    // packet fails one of them: still a packet both classifiers must agree on.
    const merged = new Array<bigint>(N_SPACES).fill(0n);
    const lines: number[] = [];
    for (const one of byClause.values())
      for (const [line, v] of one) {
        lines.push(line);
        for (let sp = 0; sp < v.length; sp++) merged[sp] |= v[sp];
      }
    out.push({ what: `conjunction ${key} from lines ${lines.join(', ')}`, table, v: merged });
  }
  return out;
}

/**
 * What differs between two lookup results (flow, conj_id, overlapping flows), or undefined. Flows
 * are compared by dump line and position, so results over two loads of one snapshot compare too.
 */
export function lookupDiff(a: LookupResult, b: LookupResult): string | undefined {
  const line = (r: LookupResult) => r.flow?.entry.line;
  const ov = (r: LookupResult) => r.overlaps.map((o) => o.entry.line).sort((x, y) => x - y).join(',');
  if (line(a) !== line(b)) return `flow at line ${line(a)} vs ${line(b)}`;
  if (a.flow && b.flow && (a.flow.order !== b.flow.order || a.flow.priority !== b.flow.priority || a.flow.minClauses !== b.flow.minClauses || JSON.stringify(a.flow.conj) !== JSON.stringify(b.flow.conj)))
    return `same flow compiled differently (line ${line(a)})`;
  if (a.conjId !== b.conjId) return `conj_id ${a.conjId} vs ${b.conjId}`;
  if (ov(a) !== ov(b)) return `overlaps [${ov(a)}] vs [${ov(b)}]`;
  return undefined;
}
