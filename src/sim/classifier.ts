/**
 * Per-table tuple-space classifier with OVS 3.1 semantics (`lib/classifier.c`).
 *
 * Flows are grouped into subtables by mask signature (the set of storage spaces and bit masks
 * the match constrains, canonical over field aliases: `tcp_dst` and `tp_dst`, `reg0` and
 * `xreg0[0..31]` land in the same subtable), and within a subtable hashed by masked value in a
 * trie of Maps keyed by bigint (one level per storage space, so a miss exits early). A subtable
 * entry is the list of flows with that exact match, highest priority first; as in OVS, a
 * subtable yields at most one candidate per lookup (the head of that list).
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
 */
import { onesMask } from '../model/masked.js';
import type { FlowEntry } from '../model/flow.js';
import { matchConstraints } from '../model/flow.js';
import { PREREQS, fieldByName, type FieldDef } from '../model/fields.js';
import { ACCESS, N_WORDS, SP, TUN_MD_INDEX, VLAN_CFI, type PacketState } from './state.js';

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
}

export interface FlowProblem {
  readonly entry: FlowEntry;
  readonly message: string;
}

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

export interface LookupResult {
  readonly flow: CompiledFlow | undefined;
  /** Set when `flow` was reached through a conjunctive match. */
  readonly conjId?: number;
  /** Other flows of the same priority that also matched (OVS picks one arbitrarily). */
  readonly overlaps: readonly CompiledFlow[];
}

type PortResolver = (name: string) => number | undefined;

const NONE: readonly CompiledFlow[] = Object.freeze([]);

const DL_VLAN_FIELDS = new Set(['dl_vlan', 'vlan_vid', 'dl_vlan_pcp', 'vlan_pcp']);

interface Acc {
  value: bigint;
  mask: bigint;
}

/**
 * Match of a flow as per-space (value, mask) pairs, or an explanation why it can never match.
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
    if ((cur.value & both) !== (value & both)) return 'contradictory constraints on the same bits';
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

export class FlowTable {
  readonly id: number;
  readonly nFlows: number;
  private readonly subtables: Subtable[];

  private constructor(id: number, subtables: Subtable[], nFlows: number) {
    this.id = id;
    this.subtables = subtables;
    this.nFlows = nFlows;
  }

  /** Builds the index of one table. `problems` receives flows that can never match. */
  static build(id: number, flows: readonly { entry: FlowEntry; order: number }[], resolvePort: PortResolver, problems: FlowProblem[]): FlowTable {
    const bySig = new Map<string, Subtable>();
    let n = 0;
    for (const { entry, order } of flows) {
      const m = compileMatch(entry, resolvePort);
      if (typeof m === 'string') {
        problems.push({ entry, message: m });
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
    return new FlowTable(id, subtables, n);
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
    const v = s.v;
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
          const saved = v[SP.conj_id];
          v[SP.conj_id] = BigInt(found);
          const r = this.lookup__(s, false);
          v[SP.conj_id] = saved;
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
