/**
 * `npx tsx bench/proto/check-tuple-index.ts <snapshot> [packets file]`: checks the typed-array
 * classifier prototype (tuple-index.ts) against FlowTable (src/sim) and measures it.
 *   - lookups: for every flow (up to 200 per table), a packet built from its own match, and the
 *     same packet with one constrained word flipped; both indexes must return the same flow,
 *     conj_id and overlaps;
 *   - whole traces: every packet of the file traced with the compiled host as src/sim builds it
 *     and with its tables swapped for the prototype's; the results must be identical;
 *   - times: building all tables both ways, encoding them into a cache file (the generic format
 *     of src/snapshot/cache.ts) and mapping them back.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { FlowEntry } from '../../src/model/flow.js';
import { compileHost, traceHost, type CompiledHost } from '../../src/sim/index.js';
import { FlowTable, type FlowProblem } from '../../src/sim/classifier.js';
import { PacketState, N_SPACES } from '../../src/sim/state.js';
import { decodeCacheFile, encodeCacheFile, type CacheKey } from '../../src/snapshot/cache.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { compileMatchWordsForIndex, newBuildMemo } from './fast-build.js';
import { TUPLE_ARRAY_NAMES, TupleTable, buildTupleArrays, type TupleArrays } from './tuple-index.js';

const [dir, packetsFile] = process.argv.slice(2);
// Without .cache/: under tsx the code fingerprint differs from dist's, and the CLI's cache stays as it is.
const loaded = await loadSnapshot(dir!, { hosts: ['hv1'], withoutCentral: true, cache: { enabled: false } });
if (!loaded.ok) throw new Error(loaded.error.message);
const host = loaded.value.hosts[0]!;
const bridge = host.bridges.find((b) => b.name === 'br-int')!;
const portByName = new Map(bridge.ports.map((p) => [p.name, p.ofport]));
const resolvePort = (n: string) => portByName.get(n);
const byTable = new Map<number, { entry: FlowEntry; order: number }[]>();
bridge.flows.forEach((entry, order) => {
  let l = byTable.get(entry.table);
  if (!l) byTable.set(entry.table, (l = []));
  l.push({ entry, order });
});

let t0 = performance.now();
const orig = new Map<number, FlowTable>();
for (const [id, flows] of byTable) orig.set(id, FlowTable.build(id, flows, resolvePort, []));
const tOrig = performance.now() - t0;

t0 = performance.now();
const memo = newBuildMemo(resolvePort);
const arrays = new Map<number, TupleArrays>();
const problems: FlowProblem[] = [];
for (const [id, flows] of byTable) arrays.set(id, buildTupleArrays(flows, memo, problems));
const tBuild = performance.now() - t0;

t0 = performance.now();
const sections: Record<string, Uint8Array | Uint16Array | Uint32Array | Int32Array> = {};
for (const [id, a] of arrays) for (const n of TUPLE_ARRAY_NAMES) sections[`${id}.${n}`] = a[n];
const key: CacheKey = { format: 1, tool: 'proto', code: 'proto', kind: 'classifier', host: 'hv1', bridge: 'br-int', source: { file: 'x', sha256: 'y' } };
const bytes = encodeCacheFile(key, { stamp: { size: 0, mtimeMs: 0 }, data: { tables: [...arrays.keys()] }, sections });
const tEncode = performance.now() - t0;
t0 = performance.now();
const back = decodeCacheFile(bytes, key);
if (typeof back === 'string') throw new Error(back);
const tables = new Map<number, TupleTable>();
for (const id of (back.content.data as { tables: number[] }).tables) {
  const a = Object.fromEntries(TUPLE_ARRAY_NAMES.map((n) => [n, back.content.sections[`${id}.${n}`]])) as unknown as TupleArrays;
  tables.set(id, new TupleTable(id, a, bridge.flows));
}
const tDecode = performance.now() - t0;
console.log(`${bridge.flows.length} flows, ${byTable.size} tables: FlowTable.build ${tOrig.toFixed(0)} ms; typed-array build ${tBuild.toFixed(0)} ms; cache file ${(bytes.length / 2 ** 20).toFixed(1)} MB, encode ${tEncode.toFixed(0)} ms, map back ${tDecode.toFixed(1)} ms`);

// Lookups on packets made from each flow's own match (and a miss next to it).
let checked = 0;
let bad = 0;
const same = (a: ReturnType<FlowTable['lookup']>, b: ReturnType<FlowTable['lookup']>) =>
  a.flow?.entry === b.flow?.entry && a.conjId === b.conjId && isDeepStrictEqual(a.overlaps.map((o) => o.entry.line).sort(), b.overlaps.map((o) => o.entry.line).sort());
for (const [id, flows] of byTable) {
  const step = Math.max(1, Math.floor(flows.length / 200));
  for (let i = 0; i < flows.length; i += step) {
    const acc = compileMatchWordsForIndex(flows[i]!.entry, memo);
    if (typeof acc === 'string') continue;
    for (const flip of [-1, 0]) {
      const v = new Array<bigint>(N_SPACES).fill(0n);
      acc.keys.forEach((k, q) => {
        let w = acc.values[q]! >>> 0;
        if (flip === 0 && q === 0) w = (w ^ (acc.masks[q]! & -acc.masks[q]!)) >>> 0;
        v[Math.floor(k / 64)] = v[Math.floor(k / 64)]! | (BigInt(w) << BigInt(32 * (k % 64)));
      });
      const r1 = orig.get(id)!.lookup(new PacketState(v));
      const r2 = tables.get(id)!.lookup(new PacketState(v));
      checked++;
      if (!same(r1, r2)) {
        if (bad++ < 5) console.log(`table ${id} flow line ${flows[i]!.entry.line}: FlowTable → ${r1.flow?.entry.line}, prototype → ${r2.flow?.entry.line}`);
      }
    }
  }
}
console.log(`lookups compared: ${checked}, different: ${bad}`);
const summary: Record<string, unknown> = { flows: bridge.flows.length, buildOriginalMs: tOrig, buildTypedMs: tBuild, cacheMb: bytes.length / 2 ** 20, encodeMs: tEncode, mapBackMs: tDecode, lookups: checked, lookupDiffs: bad };

if (packetsFile) {
  const packets = readFileSync(packetsFile, 'utf8').split('\n').filter(Boolean);
  t0 = performance.now();
  const ch = compileHost(host);
  const tCompileHost = performance.now() - t0;
  const cb = ch.bridges.get('br-int')!;
  const swapped: CompiledHost = { ...ch, bridges: new Map([['br-int', { ...cb, tables: cb.tables.map((t, i) => (t ? tables.get(i)!.asFlowTable() : undefined)) }]]) };
  let diff = 0;
  const lat1: number[] = [];
  const lat2: number[] = [];
  for (const p of packets) {
    let s = performance.now();
    const a = traceHost(ch, 'br-int', p, {});
    lat1.push(performance.now() - s);
    s = performance.now();
    const b = traceHost(swapped, 'br-int', p, {});
    lat2.push(performance.now() - s);
    const strip = (r: typeof a) => (r.ok ? JSON.stringify({ v: r.value.verdict, h: r.value.hops, t: r.value.tree, w: r.value.warnings }, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) : r.error.message);
    if (strip(a) !== strip(b)) if (diff++ < 3) console.log('trace differs:', p);
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
  const p99 = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.ceil(xs.length * 0.99) - 1]!;
  console.log(`whole traces compared: ${packets.length}, different: ${diff}; compileHost ${tCompileHost.toFixed(0)} ms`);
  console.log(`latency FlowTable median ${med(lat1).toFixed(3)} p99 ${p99(lat1).toFixed(2)} ms; prototype median ${med(lat2).toFixed(3)} p99 ${p99(lat2).toFixed(2)} ms`);
  Object.assign(summary, { traces: packets.length, traceDiffs: diff, latOriginal: [med(lat1), p99(lat1)], latTyped: [med(lat2), p99(lat2)] });
}
console.log(JSON.stringify(summary));
if (bad) process.exitCode = 1;
