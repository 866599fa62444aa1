/**
 * `npx tsx bench/proto/check-fast-build.ts <snapshot> [host] [bridge]`: builds every table of a
 * bridge with FlowTable.build (src/sim) and with the prototype in fast-build.ts, checks that the
 * two indexes are identical (subtables, order, tries, flow lists, problems) and prints both
 * times. Used to measure the gain before proposing the change to src/sim/classifier.ts.
 */
import { isDeepStrictEqual } from 'node:util';
import type { FlowEntry } from '../../src/model/flow.js';
import { FlowTable, type FlowProblem } from '../../src/sim/classifier.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { buildFlowTableFast, newBuildMemo } from './fast-build.js';

const [dir, host = 'hv1', bridgeName = 'br-int'] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: check-fast-build.ts <snapshot> [host] [bridge]\n');
  process.exit(2);
}
// Without .cache/: under tsx the code fingerprint differs from dist's, and the CLI's cache stays as it is.
const loaded = await loadSnapshot(dir, { hosts: [host], withoutCentral: true, cache: { enabled: false } });
if (!loaded.ok) throw new Error(loaded.error.message);
const bridge = loaded.value.hosts[0]!.bridges.find((b) => b.name === bridgeName)!;
const portByName = new Map(bridge.ports.map((p) => [p.name, p.ofport]));
const resolvePort = (n: string) => portByName.get(n);
const byTable = new Map<number, { entry: FlowEntry; order: number }[]>();
bridge.flows.forEach((entry, order) => {
  let l = byTable.get(entry.table);
  if (!l) byTable.set(entry.table, (l = []));
  l.push({ entry, order });
});

function sameTrie(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => x.entry === b[i].entry && x.order === b[i].order && x.priority === b[i].priority && x.minClauses === b[i].minClauses && isDeepStrictEqual(x.conj, b[i].conj));
  }
  const ma = a as Map<number, unknown>;
  const mb = b as Map<number, unknown>;
  if (ma.size !== mb.size) return false;
  for (const [k, v] of ma) if (!mb.has(k) || !sameTrie(v, mb.get(k))) return false;
  return true;
}

const runs = Number(process.env.RUNS ?? 3);
const times = { original: [] as number[], fast: [] as number[] };
let ok = true;
for (let r = 0; r < runs; r++) {
  const p1: FlowProblem[] = [];
  const p2: FlowProblem[] = [];
  let t0 = performance.now();
  const orig = new Map<number, FlowTable>();
  for (const [id, flows] of byTable) orig.set(id, FlowTable.build(id, flows, resolvePort, p1));
  times.original.push(performance.now() - t0);
  t0 = performance.now();
  const memo = newBuildMemo(resolvePort);
  const fast = new Map<number, FlowTable>();
  for (const [id, flows] of byTable) fast.set(id, buildFlowTableFast(id, flows, memo, p2));
  times.fast.push(performance.now() - t0);
  if (r === 0) {
    if (!isDeepStrictEqual(p1.map((p) => [p.entry.line, p.message]), p2.map((p) => [p.entry.line, p.message]))) {
      ok = false;
      console.log('problems differ', p1.length, p2.length);
    }
    for (const [id, t] of orig) {
      const a = t as unknown as { subtables: { spaces: number[]; wordIdx: number[]; masks: number[]; maxPriority: number; firstOrder: number; root: unknown }[]; nFlows: number };
      const b = fast.get(id) as unknown as typeof a;
      const same =
        a.nFlows === b.nFlows &&
        a.subtables.length === b.subtables.length &&
        a.subtables.every((s, i) => {
          const u = b.subtables[i]!;
          return isDeepStrictEqual([s.spaces, s.wordIdx, s.masks, s.maxPriority, s.firstOrder], [u.spaces, u.wordIdx, u.masks, u.maxPriority, u.firstOrder]) && sameTrie(s.root, u.root);
        });
      if (!same) {
        ok = false;
        console.log(`table ${id} differs`);
      }
    }
  }
}
console.log(`${bridge.flows.length} flows in ${byTable.size} tables: identical index: ${ok ? 'yes' : 'NO'}`);
console.log(`FlowTable.build: ${times.original.map((t) => t.toFixed(0)).join(', ')} ms`);
console.log(`prototype:       ${times.fast.map((t) => t.toFixed(0)).join(', ')} ms`);
console.log(JSON.stringify({ flows: bridge.flows.length, tables: byTable.size, identical: ok, originalMs: times.original, fastMs: times.fast }));
if (!ok) process.exitCode = 1;
