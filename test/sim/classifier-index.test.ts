// The typed-array classifier index (src/sim/classifier.ts) against the classifier it replaced,
// kept as a reference in test/ (classifier-reference.ts: Map tries over compileMatch's bigints):
// the same lookups on every flow of the bundled fixtures, bit-flipped neighbours and merged
// conjunction clauses; whole traces of the saved ofproto/trace cases; and the checks that keep a
// stored index from being used with flows it was not built for.

import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lazyFlowList } from '../../src/model/flow-list.js';
import type { BridgeState } from '../../src/model/snapshot.js';
import { bridgeIndexFromStored, buildBridgeIndex, storeBridgeIndex, type BridgeIndex } from '../../src/sim/classifier.js';
import { compileBridge, compileHost, type CompiledBridge, type CompiledHost } from '../../src/sim/compile.js';
import { PacketState } from '../../src/sim/state.js';
import { traceHost } from '../../src/sim/trace.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { lookupDiff, packetsFor, referenceIndex, type Lookup } from './classifier-reference.js';
import { bridge, PORTS } from './helpers.js';
import { savedLbNatHv3 } from './live-host.js';

const fixtures = resolve(import.meta.dirname, '../../fixtures');

async function fixtureBridges(name: string): Promise<{ host: string; state: BridgeState }[]> {
  const r = await loadSnapshot(join(fixtures, name), { withoutCentral: true, cache: { enabled: false } });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.hosts.flatMap((h) => h.bridges.map((state) => ({ host: h.name, state })));
}

/** compileBridge's port resolution (full and 15-byte names). */
const resolverOf = (cb: CompiledBridge) => (name: string) => cb.portByName.get(name)?.ofport;

interface Tally {
  lookups: number;
  hits: number;
  conj: number;
  overlaps: number;
  diffs: string[];
}

function compareLookups(flows: BridgeState['flows'], cb: CompiledBridge, index: readonly (Lookup | undefined)[], ref: readonly (Lookup | undefined)[], t: Tally): void {
  for (const p of packetsFor(flows, resolverOf(cb))) {
    const a = index[p.table]!.lookup(new PacketState(p.v));
    const b = ref[p.table]!.lookup(new PacketState(p.v));
    t.lookups++;
    if (a.flow) t.hits++;
    if (a.conjId !== undefined) t.conj++;
    if (a.overlaps.length) t.overlaps++;
    const d = lookupDiff(a, b);
    if (d) t.diffs.push(`${p.what} (table ${p.table}): ${d}`);
  }
}

describe('typed-array classifier vs the reference classifier', () => {
  const total: Tally = { lookups: 0, hits: 0, conj: 0, overlaps: 0, diffs: [] };

  it.each(['l3-acl', 'lb-nat-3chassis'])('%s: identical lookups for every flow, its bit-flipped neighbours and merged conjunction clauses', async (name) => {
    const t: Tally = { lookups: 0, hits: 0, conj: 0, overlaps: 0, diffs: [] };
    for (const { host, state } of await fixtureBridges(name)) {
      const cb = compileBridge(state);
      const ref = referenceIndex(state.flows, resolverOf(cb));
      expect(cb.problems.map((p) => [p.order, p.entry.line, p.message]), `${host}/${state.name} problems`).toEqual(ref.problems.map((p) => [p.order, p.entry.line, p.message]));
      expect(cb.nFlows).toBe(ref.tables.reduce((n, x) => n + (x?.nFlows ?? 0), 0));
      expect(cb.tables.map((x) => x !== undefined)).toEqual(ref.tables.map((x) => x !== undefined));
      compareLookups(state.flows, cb, cb.tables, ref.tables, t);
    }
    expect(t.diffs.slice(0, 10)).toEqual([]);
    // Not vacuous: most packets made from a flow match something.
    expect(t.lookups).toBeGreaterThan(5000);
    expect(t.hits).toBeGreaterThan(t.lookups / 2);
    for (const k of ['lookups', 'hits', 'conj', 'overlaps'] as const) total[k] += t[k];
  });

  it('exercised conjunctive matches (both fixtures together)', () => {
    expect(total.lookups).toBeGreaterThan(0);
    expect(total.conj).toBeGreaterThan(0);
  });

  it('reports flows that can never match as the reference does (unknown port, contradiction)', () => {
    const flows = bridge({
      name: 'br0',
      flows: [
        ' cookie=0x0, table=0, priority=10,in_port="nope" actions=drop',
        ' cookie=0x0, table=0, priority=10,tcp,nw_proto=17 actions=drop',
        ' cookie=0x0, table=0, priority=5,in_port="vif1" actions=drop',
        ' cookie=0x0, table=3, priority=1,ip,dl_type=0x86dd actions=drop',
      ].join('\n'),
      ports: PORTS,
    });
    const cb = compileBridge(flows);
    const ref = referenceIndex(flows.flows, resolverOf(cb));
    expect(cb.problems.map((p) => [p.entry.line, p.message])).toEqual(ref.problems.map((p) => [p.entry.line, p.message]));
    expect(cb.problems.map((p) => p.message)).toEqual(['port "nope" is not a port of this bridge', 'contradictory constraints on the same bits', 'contradictory constraints on the same bits']);
  });
});

describe('whole traces with the index and with the reference', () => {
  const { live, read, traces } = savedLbNatHv3();

  /** The compiled host with every bridge's tables replaced by the reference's (patch peers relinked). */
  function withReference(ch: CompiledHost): CompiledHost {
    const bridges = new Map<string, CompiledBridge>();
    for (const [n, cb] of ch.bridges) bridges.set(n, { ...cb, tables: referenceIndex(cb.state.flows, resolverOf(cb)).tables as unknown as CompiledBridge['tables'] });
    const patchPeers = new Map([...ch.patchPeers].map(([k, v]) => [k, { bridge: bridges.get(v.bridge.name)!, port: v.port }]));
    return { ...ch, bridges, patchPeers };
  }

  it('every saved ofproto/trace case gives the same result', () => {
    const ours = compileHost(live.host);
    const ref = withReference(compileHost(live.host));
    expect(traces.length).toBeGreaterThan(5);
    const json = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    for (const f of traces) {
      const text = read(f);
      const bridge = /^# bridge: (.*)$/m.exec(text)![1]!;
      const flow = /^# flow: (.*)$/m.exec(text)![1]!;
      const ctNext = [...(/^# options: (.*)$/m.exec(text)![1] ?? '').matchAll(/--ct-next (\S+)/g)].map((m) => m[1]!);
      const a = traceHost(ours, bridge, flow, { ctNext, fdb: live.fdb });
      const b = traceHost(ref, bridge, flow, { ctNext, fdb: live.fdb });
      expect(json(a), f).toBe(json(b));
    }
  });
});

describe('a stored index', () => {
  async function hv1(): Promise<{ state: BridgeState; cb: CompiledBridge; index: BridgeIndex }> {
    const { state } = (await fixtureBridges('l3-acl')).find((x) => x.host === 'hv1')!;
    const cb = compileBridge(state);
    return { state, cb, index: buildBridgeIndex(state.flows, resolverOf(cb)) };
  }

  it('restores to the same arrays and the same lookups', async () => {
    const { state, cb, index } = await hv1();
    const stored = storeBridgeIndex(index);
    // As a cache file holds them: fresh copies of every array, the data through JSON.
    const copy = { data: JSON.parse(JSON.stringify(stored.data)), sections: Object.fromEntries(Object.entries(stored.sections).map(([k, a]) => [k, a.slice()])) };
    const back = bridgeIndexFromStored(copy, state.flows);
    if (typeof back === 'string') throw new Error(back);
    expect(back.tableIds).toEqual(index.tableIds);
    expect(back.nFlows).toBe(index.nFlows);
    expect(back.problems.map((p) => [p.order, p.message])).toEqual(index.problems.map((p) => [p.order, p.message]));
    for (const id of index.tableIds) expect(back.tables[id]!.arrays).toEqual(index.tables[id]!.arrays);
    const t: Tally = { lookups: 0, hits: 0, conj: 0, overlaps: 0, diffs: [] };
    compareLookups(state.flows, cb, back.tables, index.tables, t);
    expect(t.diffs).toEqual([]);
    expect(t.hits).toBeGreaterThan(100);
  });

  it('is checked against a lazy flow list without making its entries; lookups make only the flows they visit', async () => {
    const { state, cb, index } = await hv1();
    let made = 0;
    const lazy = lazyFlowList(
      state.flows.length,
      (i) => {
        made++;
        return state.flows[i]!;
      },
      { table: (i) => state.flows[i]!.table, priority: (i) => state.flows[i]!.priority, cookie: (i) => state.flows[i]!.cookie, line: (i) => state.flows[i]!.line },
    );
    const back = bridgeIndexFromStored(storeBridgeIndex(index), lazy);
    if (typeof back === 'string') throw new Error(back);
    expect(made).toBe(0);
    const t: Tally = { lookups: 0, hits: 0, conj: 0, overlaps: 0, diffs: [] };
    const few = packetsFor(state.flows, resolverOf(cb)).slice(0, 20);
    for (const p of few) {
      const d = lookupDiff(back.tables[p.table]!.lookup(new PacketState(p.v)), index.tables[p.table]!.lookup(new PacketState(p.v)));
      if (d) t.diffs.push(d);
    }
    expect(t.diffs).toEqual([]);
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThan(state.flows.length / 4);
  });

  it('is refused for other flows (another bridge, or one flow fewer)', async () => {
    const { state, index } = await hv1();
    const stored = storeBridgeIndex(index);
    const other = (await fixtureBridges('l3-acl')).find((x) => x.host === 'hv2')!.state;
    expect(bridgeIndexFromStored(stored, other.flows)).toMatch(/.+/);
    expect(bridgeIndexFromStored(stored, state.flows.slice(0, -1))).toMatch(/.+/);
    expect(typeof bridgeIndexFromStored(stored, state.flows)).toBe('object');
  });

  // A cache file's checksum catches damage; these arrays are wrong in ways only a bug (or a
  // forged file with a valid checksum) could make: faked here, since nothing real produces them.
  it('is refused when its arrays are inconsistent (faked damage behind a valid checksum)', async () => {
    const { state, index } = await hv1();
    const stored = storeBridgeIndex(index);
    const id = index.tableIds.find((t) => index.tables[t]!.arrays.stK.some((k) => k > 0))!;
    const damaged = (name: string, change: (a: Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array) => typeof a) => {
      const sections = { ...stored.sections, [`${id}.${name}`]: change(stored.sections[`${id}.${name}`]!.slice()) };
      return bridgeIndexFromStored({ data: stored.data, sections }, state.flows);
    };
    expect(damaged('listFlow', (a) => a.subarray(0, a.length - 1))).toMatch(/table \d+:/);
    expect(damaged('hash', (a) => a.fill(0))).toMatch(/hash/);
    expect(damaged('hash', (a) => (a.fill(1), a))).toMatch(/hash/);
    expect(damaged('flowPos', (a) => ((a[1] = a[0]!), a))).toMatch(/flow/);
    expect(damaged('listFlow', (a) => ((a[0] = 0xffffff), a))).toMatch(/flow/);
    expect(damaged('wIdx', (a) => ((a[0] = 200), a))).toMatch(/word/);
    expect(damaged('stMaxPri', (a) => ((a[0] = a[0]! + 1), a))).toMatch(/priority/);
    expect(damaged('stK', () => new Uint32Array(1))).toMatch(/mistyped/);
    const { [`${id}.vals`]: _gone, ...withoutVals } = stored.sections;
    expect(bridgeIndexFromStored({ data: stored.data, sections: withoutVals }, state.flows)).toMatch(/missing/);
    expect(bridgeIndexFromStored({ data: { tables: 'x' }, sections: stored.sections }, state.flows)).toMatch(/malformed/);
    expect(bridgeIndexFromStored({ data: { ...(stored.data as object), problems: [[1e9, 'x']] }, sections: stored.sections }, state.flows)).toMatch(/problem/);
  });
});

describe('inline slots of a large subtable', () => {
  // 40,000 flows with one mask: a subtable whose inline slots (capacity x (k + 1) words) pass 1 MiB.
  const N = 40_000;
  const lines: string[] = [];
  for (let i = 0; i < N; i++) lines.push(` cookie=0x0, table=0, priority=10,reg0=${i},reg1=${i * 7 + 1} actions=drop`);
  const cb = compileBridge(bridge({ name: 'br0', flows: lines.join('\n'), ports: PORTS }));
  const table = cb.tables[0]!;
  const reg0 = cb.state.flows[0]!.match.items.find((it) => it.field.name === 'reg0')!.field;
  const reg1 = cb.state.flows[0]!.match.items.find((it) => it.field.name === 'reg1')!.field;
  const slots = () => (table as unknown as { slots: (Uint32Array | undefined)[] }).slots;

  /** Looks up the packet of flow `i` (and a miss next to it); the hit must be that flow. */
  const probe = (i: number) => {
    const s = new PacketState();
    s.set(reg0, BigInt(i));
    s.set(reg1, BigInt(i * 7 + 1));
    expect(table.lookup(s).flow?.entry.line).toBe(cb.state.flows[i]!.line);
    s.set(reg1, BigInt(i * 7 + 2));
    expect(table.lookup(s).flow).toBeUndefined();
  };

  it('are made only after capacity/4 probes, and lookups are the same before and after', () => {
    const a = table.arrays;
    expect(a.stK.length).toBe(1);
    const cap = a.stHashCap[0]!;
    const bytes = cap * (a.stK[0]! + 1) * 4;
    expect(bytes).toBeGreaterThan(1 << 20);
    // A handful of probes (a one-shot trace, the first packets of a batch) does not copy 1.5 MB.
    for (let i = 0; i < 50; i++) probe((i * 7919) % N);
    expect(slots()[0]).toBeUndefined();
    // Probed as often as a quarter of its slots: copied, and still the same answers.
    for (let i = 0; i < cap / 8; i++) probe((i * 104729) % N);
    expect(slots()[0]).toBeInstanceOf(Uint32Array);
    for (let i = 0; i < 50; i++) probe((i * 7919 + 3) % N);
  });
});
