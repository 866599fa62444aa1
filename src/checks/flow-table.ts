/**
 * OpenFlow table anomalies per bridge (`ovnscope doctor`, checks F1–F5):
 *
 *   F1  every table a flow sends packets to as its last step (a final `resubmit(,T)`,
 *       `goto_table:T`, `ct(table=T)`) has flows. A `resubmit` in the middle of an action list is
 *       a lookup (OVN's MAC_Binding, FDB, port-security and hairpin tables): it returns and
 *       processing goes on, so an empty lookup table is a miss by design, not an anomaly.
 *   F2  no two flows of one table and priority overlap (some packet matches both) with different
 *       actions: OVS then picks one arbitrarily (its subtable order is not stable). Flows are
 *       attributed to OVN through their cookie: two different NB ACLs with opposite verdicts are a
 *       configuration conflict (warn); flows with a cookie the SB does not know, or on a bridge
 *       OVN does not program, are warned about; overlaps between flows northd generated from
 *       different logical flows are usually made exclusive by register/ct bits northd sets
 *       elsewhere, and are summarised as info.
 *   F3  flows that can never match (a contradictory match, a port the bridge does not have).
 *   F4  `group:N` actions refer to groups the group dump has.
 *   F5  every OpenFlow port flows output to, or match `in_port` on, is on the bridge (a removed
 *       tunnel or VIF whose flows stayed means their installer, ovn-controller, has stopped).
 *
 * The overlap check reuses the interpreter's match compiler (`compileMatch`: per storage space a
 * value/mask pair, canonical over field aliases and implicit prerequisites). Within each
 * (table, priority) group, flows are partitioned recursively by the masked value of a storage
 * space they all (or most) constrain, so only flows that can overlap are compared pairwise; the
 * comparisons per bridge are bounded (`maxComparisons`), and a bridge where the bound was hit
 * says which groups were not fully checked.
 *
 * Pure: a loaded Snapshot in, findings out; evidence is the dump's file and line, with the flow
 * as `ovs-ofctl dump-flows` printed it.
 */
import { excerptOf, type Evidence, type Finding, type FindingSeverity } from '../model/finding.js';
import type { Action, FlowEntry } from '../model/flow.js';
import type { BridgeState, HostState, Snapshot } from '../model/snapshot.js';
import { formatActions } from '../parse/ofp-actions.js';
import { formatFlow } from '../parse/ofctl-flows.js';
import { compileMatch } from '../sim/classifier.js';
import { buildOvnIndex, type NbObject, type OvnIndex } from '../snapshot/ovn-index.js';
import { plural } from '../model/plural.js';

export interface FlowTableOptions {
  /** Pairwise match comparisons allowed per bridge for F2. Default 2,000,000 (about a second). */
  readonly maxComparisons?: number;
  /** Overlapping pairs quoted per finding. Default 3. */
  readonly examples?: number;
}

export const DEFAULT_MAX_COMPARISONS = 2_000_000;

export const FLOW_TABLE_CHECKS: Readonly<Record<string, string>> = {
  F1: 'every table a flow sends packets to as its last step (final resubmit, goto_table, ct(table=)) has flows',
  F2: 'no two flows of equal table and priority overlap with different actions',
  F3: 'no flow has a match that can never be satisfied',
  F4: 'every group:N action refers to a group in the group dump',
  F5: 'every OpenFlow port flows output to (or match in_port on) exists on the bridge',
};


function flowEvidence(b: BridgeState, f: FlowEntry, hostFile: string): Evidence {
  return { file: b.flowsFile ?? hostFile, line: f.line, excerpt: excerptOf(formatFlow(f), 320) };
}

// ---------------------------------------------------------------------------------------------
// F1: targets

interface TargetRefs {
  /** Flows that go to the table as their last step (or recirculate into it). */
  readonly tail: FlowEntry[];
  /** Flows that look the table up and carry on. */
  lookups: number;
}

function collectTargets(actions: readonly Action[], current: number | undefined, tail: boolean, flow: FlowEntry, out: Map<number, TargetRefs>): void {
  const ref = (t: number, isTail: boolean) => {
    let r = out.get(t);
    if (!r) out.set(t, (r = { tail: [], lookups: 0 }));
    if (isTail) {
      if (r.tail[r.tail.length - 1] !== flow) r.tail.push(flow);
    } else r.lookups++;
  };
  actions.forEach((a, i) => {
    const last = tail && i === actions.length - 1;
    switch (a.type) {
      case 'resubmit': {
        const t = a.table ?? current;
        if (t !== undefined && a.table !== undefined) ref(t, last);
        break;
      }
      case 'goto_table':
        ref(a.table, true);
        break;
      case 'ct':
        if (a.table !== undefined) ref(a.table, true); // recirculation: the packet continues there
        break;
      case 'clone':
        collectTargets(a.actions, current, false, flow, out);
        break;
      case 'write_actions':
      case 'apply_actions':
        collectTargets(a.actions, current, last, flow, out);
        break;
      default:
        break;
    }
  });
}

function emptyTargets(h: HostState, b: BridgeState, integration: boolean, out: Finding[]): void {
  const hostFile = `hosts/${h.name}/ovs-ofctl.dump-flows.${b.name}.out`;
  if (!b.flows.length) {
    out.push({
      id: 'F1',
      severity: integration ? 'fail' : 'info',
      host: h.name,
      subject: `bridge ${b.name}`,
      message: integration
        ? `${b.name} has no OpenFlow flows at all: ovn-controller is not programming it (stopped, or disconnected from ovs-vswitchd), so every packet is dropped`
        : `${b.name} has no OpenFlow flows (a bridge with fail_mode=secure drops everything; standalone acts as a learning switch only without flows)`,
      evidence: [{ file: b.flowsFile ?? hostFile, excerpt: '(no flows in the dump)' }],
      ...(integration ? { fix: `on ${h.name}: systemctl status ovn-controller; ovn-appctl -t ovn-controller connection-status` } : {}),
    });
    return;
  }
  const present = new Set(b.flows.map((f) => f.table));
  const refs = new Map<number, TargetRefs>();
  for (const f of b.flows) collectTargets(f.actions, f.table, true, f, refs);
  // Group buckets: a bucket's last action is the packet's last step in that bucket.
  for (const g of b.groups) for (const bucket of g.buckets) collectTargets(bucket.actions, undefined, true, { line: 0 } as FlowEntry, refs);
  const lookupsOnly: number[] = [];
  let problems = 0;
  // ovn-controller's own (physical) flows carry cookie 0; logical flows carry their SB row's cookie.
  const idleChassis = integration && !b.flows.some((f) => f.cookie !== 0n);
  for (const [t, r] of [...refs].sort((x, y) => x[0] - y[0])) {
    if (present.has(t)) continue;
    const tail = r.tail.filter((f) => f.line > 0);
    const fromGroups = r.tail.length - tail.length;
    if (!tail.length && !fromGroups) {
      lookupsOnly.push(t);
      continue;
    }
    problems++;
    const hit = tail.filter((f) => (f.stats?.nPackets ?? 0n) > 0n && f.stats!.nPackets !== 0xffffffffffffffffn);
    if (idleChassis && !hit.length) {
      out.push({
        id: 'F1',
        severity: 'info',
        host: h.name,
        subject: `${b.name} table ${t}`,
        message: `table ${t} has no flows and ${plural(tail.length, 'physical flow')} lead there: no logical datapath is local to this chassis (nothing bound here), so ovn-controller installed no logical flows — normal for an idle chassis`,
        evidence: tail.slice(0, 2).map((f) => flowEvidence(b, f, hostFile)),
        fix: 'nothing to change: ovn-controller installs the logical flows once a port of a datapath is bound here',
      });
      continue;
    }
    const severity: FindingSeverity = hit.length ? 'fail' : 'warn';
    const who = [tail.length ? plural(tail.length, 'flow') : '', fromGroups ? plural(fromGroups, 'group bucket') : ''].filter(Boolean).join(' and ');
    out.push({
      id: 'F1',
      severity,
      host: h.name,
      subject: `${b.name} table ${t}`,
      message: `table ${t} has no flows, but ${who} send${tail.length + fromGroups === 1 ? 's' : ''} packets there as the last step: those packets end there (a table miss drops them)${hit.length ? `; ${plural(hit.length, 'of these flows has', 'of these flows have')} counted packets, so traffic is being dropped now` : ''}${r.lookups ? ` (${plural(r.lookups, 'other action')} only look it up)` : ''}`,
      evidence: (hit.length ? hit : tail).slice(0, 3).map((f) => flowEvidence(b, f, hostFile)),
      fix: integration
        ? `compare with a healthy chassis (ovs-ofctl dump-flows ${b.name} table=${t}); ovn-appctl -t ovn-controller recompute reinstalls ovn-controller's flows`
        : `add the missing table ${t} flows, or point the referencing flows elsewhere`,
    });
  }
  if (!problems)
    out.push({
      id: 'F1',
      severity: 'pass',
      host: h.name,
      subject: `bridge ${b.name}`,
      message: `every table flows continue into has flows${lookupsOnly.length ? ` (lookup tables ${lookupsOnly.join(', ')} are empty: lookups that find nothing, by design)` : ''}`,
      evidence: [],
    });
}

// ---------------------------------------------------------------------------------------------
// F2: equal-priority overlaps

interface Acc {
  readonly value: bigint;
  readonly mask: bigint;
}

interface Item {
  readonly f: FlowEntry;
  readonly m: ReadonlyMap<number, Acc>;
  actions?: string;
}

function overlap(a: Item, b: Item): boolean {
  const [small, big] = a.m.size <= b.m.size ? [a.m, b.m] : [b.m, a.m];
  for (const [sp, x] of small) {
    const y = big.get(sp);
    if (!y) continue;
    const both = x.mask & y.mask;
    if ((x.value & both) !== (y.value & both)) return false;
  }
  return true;
}

const actionsOf = (i: Item) => (i.actions ??= formatActions(i.f.actions));

interface OverlapScan {
  comparisons: number;
  readonly budget: number;
  exhausted: boolean;
  readonly pairs: [Item, Item][];
  /** Groups (table/priority, flows) left partly unchecked when the budget ran out. */
  readonly unchecked: { table: number; priority: number; flows: number }[];
}

function compare(a: Item, b: Item, scan: OverlapScan): void {
  scan.comparisons++;
  if (overlap(a, b) && actionsOf(a) !== actionsOf(b)) scan.pairs.push([a, b]);
}

const SMALL = 12;

/** Every overlapping pair within one (table, priority) group, partitioning by masked values first. */
function scanGroup(group: readonly Item[], scan: OverlapScan): boolean {
  const stack: (readonly Item[])[] = [group];
  const cross: { r: readonly Item[]; others: readonly Item[] }[] = [];
  while (stack.length) {
    const g = stack.pop()!;
    if (g.length < 2) continue;
    const split = g.length > SMALL ? bestSplit(g) : undefined;
    if (!split) {
      for (let i = 0; i < g.length; i++)
        for (let j = i + 1; j < g.length; j++) {
          if (scan.comparisons >= scan.budget) return false;
          compare(g[i]!, g[j]!, scan);
        }
      continue;
    }
    for (const b of split.buckets) stack.push(b);
    if (split.rest.length) {
      stack.push(split.rest);
      cross.push({ r: split.rest, others: split.constrained });
    }
  }
  for (const { r, others } of cross)
    for (const a of r)
      for (const b of others) {
        if (scan.comparisons >= scan.budget) return false;
        compare(a, b, scan);
      }
  return true;
}

/**
 * The storage space whose masked value splits the group best: among flows that constrain it, the
 * bits all of them constrain (the AND of their masks) are hashed; flows that do not constrain it
 * at all (`rest`) must still be compared with everyone.
 */
function bestSplit(g: readonly Item[]): { buckets: Item[][]; rest: Item[]; constrained: Item[] } | undefined {
  const spaces = new Map<number, number>();
  for (const it of g) for (const sp of it.m.keys()) spaces.set(sp, (spaces.get(sp) ?? 0) + 1);
  let best: { cost: number; buckets: Item[][]; rest: Item[]; constrained: Item[] } | undefined;
  for (const [sp, count] of spaces) {
    if (count * 2 < g.length) continue;
    let common = -1n;
    for (const it of g) {
      const a = it.m.get(sp);
      if (a && a.mask !== 0n) common &= a.mask;
    }
    if (common === 0n || common === -1n) continue;
    const by = new Map<bigint, Item[]>();
    const rest: Item[] = [];
    const constrained: Item[] = [];
    for (const it of g) {
      const a = it.m.get(sp);
      if (!a || (a.mask & common) !== common) {
        rest.push(it);
        continue;
      }
      constrained.push(it);
      const k = a.value & common;
      const l = by.get(k);
      if (l) l.push(it);
      else by.set(k, [it]);
    }
    if (by.size < 2) continue;
    let cost = rest.length * g.length;
    for (const l of by.values()) cost += (l.length * (l.length - 1)) / 2;
    if (!best || cost < best.cost) best = { cost, buckets: [...by.values()], rest, constrained };
  }
  if (!best || best.cost >= (g.length * (g.length - 1)) / 2) return undefined;
  return best;
}

type Origin =
  | { readonly kind: 'acl'; readonly key: string; readonly nb: Extract<NbObject, { kind: 'acl' }>; readonly lflow: string }
  | { readonly kind: 'ovn'; readonly key: string; readonly what: string }
  | { readonly kind: 'physical' }
  | { readonly kind: 'unknown' };

function originOf(f: FlowEntry, index: OvnIndex | undefined, integration: boolean): Origin {
  if (!integration) return { kind: 'unknown' };
  if (f.cookie === 0n) return { kind: 'physical' };
  if (!index) return { kind: 'unknown' };
  const targets = index.byCookie.get(Number(f.cookie & 0xffffffffn));
  if (!targets?.length) return { kind: 'unknown' };
  const lf = targets.find((t) => t.kind === 'logical-flow');
  if (lf && lf.kind === 'logical-flow') {
    const hint = lf.flow.stageHint;
    const nb = hint ? index.nbByHint.get(hint) : undefined;
    if (nb?.kind === 'acl') return { kind: 'acl', key: `acl:${nb.acl.uuid}`, nb, lflow: lf.flow.uuid };
    return { kind: 'ovn', key: hint ? `nb:${hint}` : `lflow:${lf.flow.uuid}`, what: lf.flow.stageName ?? 'logical flow' };
  }
  return { kind: 'ovn', key: `${targets[0]!.kind}:${f.cookie}`, what: targets[0]!.kind };
}

const verdictOf = (action: string) => (['drop', 'reject'].includes(action) ? 'deny' : 'allow');

function aclName(o: Extract<Origin, { kind: 'acl' }>): string {
  const a = o.nb.acl;
  const where = o.nb.portGroup ? `port group ${o.nb.portGroup}` : o.nb.logicalSwitch ? `switch ${o.nb.logicalSwitch}` : '';
  return `ACL ${a.name ? `"${a.name}" ` : ''}${a.uuid.slice(0, 8)} (${a.direction} priority ${a.priority ?? '?'} ${a.action}${where ? ` on ${where}` : ''}: ${a.match})`;
}

/** Equal-priority overlaps of a flow list with different actions, and the flows that can never match. */
export interface OverlapScanResult {
  readonly pairs: readonly (readonly [FlowEntry, FlowEntry])[];
  readonly comparisons: number;
  /** The comparison bound was hit: `unchecked` lists the (table, priority) groups not (fully) compared. */
  readonly exhausted: boolean;
  readonly unchecked: readonly { readonly table: number; readonly priority: number; readonly flows: number }[];
  readonly never: readonly { readonly flow: FlowEntry; readonly why: string }[];
}

/**
 * Every pair of flows with the same table and priority whose matches overlap (some packet
 * satisfies both) and whose actions differ, within at most `maxComparisons` match comparisons.
 * Conjunctive clauses (`actions=conjunction(...)`) are skipped: overlapping is how they work.
 */
export function equalPriorityOverlaps(flows: readonly FlowEntry[], resolvePort: (name: string) => number | undefined, maxComparisons = DEFAULT_MAX_COMPARISONS): OverlapScanResult {
  const groups = new Map<string, Item[]>();
  const never: { flow: FlowEntry; why: string }[] = [];
  for (const f of flows) {
    if (f.actions.length && f.actions.every((a) => a.type === 'conjunction')) continue;
    const m = compileMatch(f, resolvePort);
    if (typeof m === 'string') {
      never.push({ flow: f, why: m });
      continue;
    }
    const k = `${f.table}/${f.priority}`;
    const l = groups.get(k);
    const item: Item = { f, m };
    if (l) l.push(item);
    else groups.set(k, [item]);
  }
  const scan: OverlapScan = { comparisons: 0, budget: maxComparisons, exhausted: false, pairs: [], unchecked: [] };
  const ordered = [...groups.entries()].sort((x, y) => x[1].length - y[1].length); // small groups first: most coverage for the budget
  for (const [k, g] of ordered) {
    if (g.length < 2) continue;
    const [t, p] = k.split('/').map(Number);
    if (scan.exhausted) {
      scan.unchecked.push({ table: t!, priority: p!, flows: g.length });
      continue;
    }
    if (!scanGroup(g, scan)) {
      scan.exhausted = true;
      scan.unchecked.push({ table: t!, priority: p!, flows: g.length });
    }
  }
  return { pairs: scan.pairs.map(([a, b]) => [a.f, b.f] as const), comparisons: scan.comparisons, exhausted: scan.exhausted, unchecked: scan.unchecked, never };
}

function overlaps(h: HostState, b: BridgeState, integration: boolean, index: OvnIndex | undefined, options: Required<FlowTableOptions>, out: Finding[]): void {
  const hostFile = `hosts/${h.name}/ovs-ofctl.dump-flows.${b.name}.out`;
  const portByName = new Map(b.ports.map((p) => [p.name, p.ofport] as const));
  for (const p of b.ports) if (p.name.length > 15 && !portByName.has(p.name.slice(0, 15))) portByName.set(p.name.slice(0, 15), p.ofport);
  const scan = equalPriorityOverlaps(b.flows, (n) => portByName.get(n), options.maxComparisons);
  const never = scan.never;

  // F3
  if (never.length)
    out.push({
      id: 'F3',
      severity: 'warn',
      host: h.name,
      subject: `bridge ${b.name}`,
      message: `${plural(never.length, 'flow')} can never match (${[...new Set(never.map((n) => n.why))].slice(0, 3).join('; ')}): dead entries, often left behind by a port that was removed`,
      evidence: never.slice(0, 3).map((n) => flowEvidence(b, n.flow, hostFile)),
      fix: integration ? `on ${h.name}: ovn-appctl -t ovn-controller recompute (ovn-controller removes flows it no longer wants; what stays was added by hand: ovs-ofctl del-flows ${b.name} with its cookie)` : `on ${h.name}: ovs-ofctl --strict del-flows ${b.name} with each flow's match and priority, in whatever added them`,
    });
  else out.push({ id: 'F3', severity: 'pass', host: h.name, subject: `bridge ${b.name}`, message: `${plural(b.flows.length, 'flow')} checked: each can match some packet`, evidence: [] });

  type Pair = readonly [FlowEntry, FlowEntry];
  const conflicts = new Map<string, { a: Extract<Origin, { kind: 'acl' }>; b: Extract<Origin, { kind: 'acl' }>; pairs: Pair[] }>();
  const foreign: Pair[] = [];
  const internal: Pair[] = [];
  let sameObject = 0;
  for (const [x, y] of scan.pairs) {
    const ox = originOf(x, index, integration);
    const oy = originOf(y, index, integration);
    if (ox.kind === 'unknown' || oy.kind === 'unknown') {
      foreign.push([x, y]);
      continue;
    }
    if ((ox.kind === 'acl' || ox.kind === 'ovn') && (oy.kind === 'acl' || oy.kind === 'ovn') && ox.key === oy.key) {
      sameObject++;
      continue;
    }
    if (ox.kind === 'acl' && oy.kind === 'acl' && verdictOf(ox.nb.acl.action) !== verdictOf(oy.nb.acl.action)) {
      const key = [ox.key, oy.key].sort().join('|');
      const c = conflicts.get(key) ?? { a: ox, b: oy, pairs: [] };
      c.pairs.push([x, y]);
      conflicts.set(key, c);
      continue;
    }
    internal.push([x, y]);
  }
  const ev = (pairs: readonly Pair[]) => pairs.slice(0, options.examples).flatMap(([x, y]) => [flowEvidence(b, x, hostFile), flowEvidence(b, y, hostFile)]);
  const where = (pairs: readonly Pair[]) => [...new Set(pairs.map(([x]) => `table ${x.table} priority ${x.priority}`))].slice(0, 4).join(', ');

  for (const c of conflicts.values())
    out.push({
      id: 'F2',
      severity: 'warn',
      host: h.name,
      subject: `${b.name} ${where(c.pairs)}`,
      message: `${aclName(c.a)} and ${aclName(c.b)} have the same priority and overlap (${plural(c.pairs.length, 'pair')} of flows): a packet matching both is allowed or dropped depending on which flow OVS happens to pick`,
      evidence: ev(c.pairs),
      fix: 'give the two ACLs different priorities (the one that must win higher), or make their matches disjoint',
    });
  if (foreign.length)
    out.push({
      id: 'F2',
      severity: 'warn',
      host: h.name,
      subject: `${b.name} ${where(foreign)}`,
      message: `${plural(foreign.length, 'pair')} of equal-priority flows overlap with different actions, ${integration ? (index ? 'at least one of each pair with a cookie no SB row has (added by hand, or left over from a deleted logical flow)' : 'and without the SB their origin is unknown') : `on ${b.name}, which OVN does not program`}: OVS picks one of each pair arbitrarily`,
      evidence: ev(foreign),
      fix: integration ? 'remove hand-added flows from the integration bridge (ovs-ofctl del-flows with their cookie); ovn-appctl -t ovn-controller recompute' : 'give the flows different priorities or disjoint matches',
    });
  if (internal.length)
    out.push({
      id: 'F2',
      severity: 'info',
      host: h.name,
      subject: `${b.name} ${where(internal)}`,
      message: `${plural(internal.length, 'pair')} of equal-priority flows from different ovn-northd logical flows overlap on paper with different actions (northd usually keeps them apart with register or ct bits set in earlier stages; if a trace shows an equal-priority warning, this is where)`,
      evidence: ev(internal.slice(0, 1)),
      fix: 'nothing to change unless a trace through this table shows an equal-priority warning; then compare the two logical flows (ovn-sbctl lflow-list, by the cookies of the evidence)',
    });
  if (scan.exhausted) {
    const flows = scan.unchecked.reduce((a, u) => a + u.flows, 0);
    out.push({
      id: 'F2',
      severity: 'info',
      host: h.name,
      subject: `bridge ${b.name}`,
      message: `overlap check bounded: stopped after ${scan.comparisons.toLocaleString('en-US')} ${scan.comparisons === 1 ? 'comparison' : 'comparisons'}; ${plural(scan.unchecked.length, 'table/priority group')} (${plural(flows, 'flow')}) not or not fully checked, largest: ${[...scan.unchecked]
        .sort((x, y) => y.flows - x.flows)
        .slice(0, 3)
        .map((u) => `table ${u.table} priority ${u.priority} (${u.flows})`)
        .join(', ')}`,
      evidence: [],
      fix: 'raise --max-flow-comparisons to check the rest (the bound keeps doctor quick on large tables)',
    });
  }
  if (!conflicts.size && !foreign.length && !internal.length && !scan.exhausted)
    out.push({
      id: 'F2',
      severity: 'pass',
      host: h.name,
      subject: `bridge ${b.name}`,
      message: `no equal-priority flows overlap with different actions (${plural(scan.comparisons, 'comparison')}${sameObject ? `; ${sameObject} overlaps within one logical flow or NB object ignored` : ''})`,
      evidence: [],
    });
}

// ---------------------------------------------------------------------------------------------
// F4: groups

function missingGroups(h: HostState, b: BridgeState, groupsCollected: boolean, out: Finding[]): void {
  const hostFile = `hosts/${h.name}/ovs-ofctl.dump-flows.${b.name}.out`;
  const have = new Set(b.groups.map((g) => g.groupId));
  const refs = new Map<number, FlowEntry[]>();
  const walk = (actions: readonly Action[], f: FlowEntry) => {
    for (const a of actions) {
      if (a.type === 'group' && !have.has(a.groupId)) refs.set(a.groupId, [...(refs.get(a.groupId) ?? []), f]);
      else if (a.type === 'clone' || a.type === 'write_actions' || a.type === 'apply_actions') walk(a.actions, f);
    }
  };
  for (const f of b.flows) walk(f.actions, f);
  if (!refs.size) {
    out.push({ id: 'F4', severity: 'pass', host: h.name, subject: `bridge ${b.name}`, message: `every group action refers to one of the ${plural(have.size, 'group')} dumped`, evidence: [] });
    return;
  }
  if (!groupsCollected) {
    out.push({ id: 'F4', severity: 'n-a', host: h.name, subject: `bridge ${b.name}`, message: `flows use ${plural(refs.size, 'group')} but the group dump was not collected`, evidence: [], fix: `on ${h.name}: ovs-ofctl -O OpenFlow15 dump-groups ${b.name}; or collect again with this ovnscope` });
    return;
  }
  for (const [id, flows] of refs)
    out.push({
      id: 'F4',
      severity: 'warn',
      host: h.name,
      subject: `${b.name} group ${id}`,
      message: `${plural(flows.length, 'flow')} send packets to group ${id}, which the group dump does not have: those packets are dropped (the groups were changed between the two dumps, or the group was deleted)`,
      evidence: flows.slice(0, 3).map((f) => flowEvidence(b, f, hostFile)),
      fix: `ovs-ofctl -O OpenFlow15 dump-groups ${b.name} group_id=${id}; if it is really missing: ovn-appctl -t ovn-controller recompute`,
    });
}

// ---------------------------------------------------------------------------------------------
// F5: ports

/** OpenFlow reserved ports start here (OFPP_MAX); LOCAL, IN_PORT, CONTROLLER, … are above. */
const OFPP_MAX = 0xff00;

function missingPorts(h: HostState, b: BridgeState, out: Finding[]): void {
  const hostFile = `hosts/${h.name}/ovs-ofctl.dump-flows.${b.name}.out`;
  if (!b.ports.length) {
    out.push({ id: 'F5', severity: 'n-a', host: h.name, subject: `bridge ${b.name}`, message: 'the ports of the bridge were not collected (ovs-ofctl show, ovs-vsctl list Interface)', evidence: [], fix: `on ${h.name}: ovs-ofctl show ${b.name}; or collect again with this ovnscope` });
    return;
  }
  const have = new Set(b.ports.map((p) => p.ofport));
  const names = new Set(b.ports.flatMap((p) => [p.name, p.name.slice(0, 15)]));
  const known = (p: { kind: 'number'; port: number } | { kind: 'name'; name: string } | undefined) => !p || (p.kind === 'number' ? p.port >= OFPP_MAX || have.has(p.port) : names.has(p.name));
  const refs = new Map<string, { outputs: FlowEntry[]; inPorts: FlowEntry[] }>();
  const note = (port: string, f: FlowEntry, kind: 'outputs' | 'inPorts') => {
    const r = refs.get(port) ?? { outputs: [], inPorts: [] };
    if (r[kind][r[kind].length - 1] !== f) r[kind].push(f);
    refs.set(port, r);
  };
  const walk = (actions: readonly Action[], f: FlowEntry) => {
    for (const a of actions) {
      if ((a.type === 'output' || a.type === 'output_trunc' || a.type === 'enqueue') && !known(a.port)) note(a.port.kind === 'number' ? String(a.port.port) : a.port.name, f, 'outputs');
      else if (a.type === 'bundle') {
        for (const m of a.members) if (!known(m)) note(m.kind === 'number' ? String(m.port) : m.name, f, 'outputs');
      } else if (a.type === 'clone' || a.type === 'write_actions' || a.type === 'apply_actions') walk(a.actions, f);
    }
  };
  for (const f of b.flows) {
    walk(f.actions, f);
    for (const it of f.match.items) {
      // A port written by name that the bridge lacks makes the flow unmatchable: F3 reports it.
      if ((it.field.name !== 'in_port' && it.field.name !== 'in_port_oxm') || it.port?.kind === 'name') continue;
      const port = it.port?.kind === 'number' ? it.port.port : Number(it.value);
      if (!known({ kind: 'number', port })) note(String(port), f, 'inPorts');
    }
  }
  if (!refs.size) {
    out.push({ id: 'F5', severity: 'pass', host: h.name, subject: `bridge ${b.name}`, message: `every port flows output to or match on is one of the ${plural(have.size, 'port')} of ${b.name}`, evidence: [] });
    return;
  }
  for (const [port, r] of refs)
    out.push({
      id: 'F5',
      severity: 'warn',
      host: h.name,
      subject: `${b.name} port ${port}`,
      message: `OpenFlow port ${port} is not on ${b.name}, yet ${[r.outputs.length ? `${plural(r.outputs.length, 'flow')} output to it` : '', r.inPorts.length ? `${plural(r.inPorts.length, 'flow')} match in_port=${port}` : ''].filter(Boolean).join(' and ')}: the port was removed (a tunnel or VIF gone) while the flows stayed — whoever installs them (ovn-controller) has not caught up, and packets sent there are dropped`,
      evidence: [...r.outputs, ...r.inPorts].slice(0, 3).map((f) => flowEvidence(b, f, hostFile)),
      fix: `on ${h.name}: is ovn-controller running? (systemctl status ovn-controller); ovn-appctl -t ovn-controller recompute rewrites its flows`,
    });
}

// ---------------------------------------------------------------------------------------------

/** F1–F5 for every bridge of every loaded host. */
export function checkFlowTables(snapshot: Snapshot, options: FlowTableOptions = {}): Finding[] {
  const opts: Required<FlowTableOptions> = { maxComparisons: options.maxComparisons ?? DEFAULT_MAX_COMPARISONS, examples: options.examples ?? 3 };
  const index = snapshot.sb ? buildOvnIndex(snapshot) : undefined;
  const out: Finding[] = [];
  for (const h of snapshot.hosts) {
    const mh = snapshot.manifest.hosts.find((x) => x.name === h.name);
    const integrationName = h.openVswitch?.ovnBridge ?? 'br-int';
    for (const b of h.bridges) {
      const cmd = mh?.commands.find((c) => c.id === `ovs-ofctl.dump-flows.${b.name}`);
      if (!b.flowsFile) {
        out.push({
          id: 'F1',
          severity: 'n-a',
          host: h.name,
          subject: `bridge ${b.name}`,
          message: `flow-table checks not run: dump-flows of ${b.name} was ${cmd ? `${cmd.status}${cmd.error ? ` (${cmd.error})` : ''}` : 'not collected'}`,
          evidence: cmd?.file ? [{ file: cmd.file, excerpt: `${cmd.status}` }] : [],
          fix: `collect again (a timeout: raise --timeout; see the .err file), or on ${h.name}: ovs-ofctl dump-flows ${b.name}`,
        });
        continue;
      }
      const integration = b.name === integrationName;
      emptyTargets(h, b, integration, out);
      if (!b.flows.length) continue;
      overlaps(h, b, integration, index, opts, out);
      const groupsCmd = mh?.commands.find((c) => c.id === `ovs-ofctl.dump-groups.${b.name}`);
      missingGroups(h, b, groupsCmd?.status === 'ok', out);
      missingPorts(h, b, out);
    }
  }
  return out;
}
