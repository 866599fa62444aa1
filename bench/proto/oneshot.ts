/**
 * PROTOTYPE (bench only): what a one-shot `ovnscope trace` costs once the simulator keeps its
 * compiled tables in `<snapshot>/.cache/` too (tuple-index.ts), next to the parsed flows
 * (src/snapshot/cache.ts, already used by the real loader).
 *
 *   node bench/proto/out/oneshot.mjs <snapshot> <host> <flow>     (bundled by the bench)
 *
 * Does what the trace service does for one --flow on one host: loadSnapshot (hosts=[host], the
 * NB/SB included), compile — every table's index mapped from `.cache/classifier.*.bin` when it
 * is valid, else built and written there —, buildOvnIndex, traceHost, annotateTrace, pruneTree,
 * and prints the verdict line plus a JSON line of phase times on stderr. Everything but oclif's
 * start-up, which the bench measures separately (`ovnscope --version`).
 */
import { join } from 'node:path';
import type { FlowEntry } from '../../src/model/flow.js';
import type { HostState } from '../../src/model/snapshot.js';
import { pruneTree } from '../../src/model/trace.js';
import { annotateTrace } from '../../src/sim/annotate.js';
import type { FlowProblem } from '../../src/sim/classifier.js';
import { compileHost, traceHost, type CompiledBridge, type CompiledHost } from '../../src/sim/index.js';
import { CACHE_FORMAT_VERSION, codeFingerprint, decodeCacheFile, encodeCacheFile, type CacheKey } from '../../src/snapshot/cache.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { buildOvnIndex } from '../../src/snapshot/ovn-index.js';
import { readFile, mkdir, writeFile, rename } from 'node:fs/promises';
import { newBuildMemo } from './fast-build.js';
import { TUPLE_ARRAY_NAMES, TupleTable, buildTupleArrays, type TupleArrays } from './tuple-index.js';

const [snapshot, hostName, flow] = process.argv.slice(2);
const t: Record<string, number> = {};
let t0 = performance.now();
const mark = (k: string) => {
  const n = performance.now();
  t[k] = n - t0;
  t0 = n;
};

const loaded = await loadSnapshot(snapshot!, { hosts: [hostName!] });
if (!loaded.ok) throw new Error(loaded.error.message);
mark('load');
const host = loaded.value.hosts[0]!;
const manifestHost = loaded.value.manifest.hosts.find((h) => h.name === hostName)!;

/** Compiles a host with every bridge's tables from the classifier cache (or built and cached). */
async function compileCached(host: HostState): Promise<CompiledHost> {
  // Everything but the tables from src/sim (cheap: no flows), then the tables swapped in.
  const bare = compileHost({ ...host, bridges: host.bridges.map((b) => ({ ...b, flows: [] })) });
  const bridges = new Map<string, CompiledBridge>();
  const code = await codeFingerprint(['../sim/classifier', '../sim/state', '../model/fields', './cache']);
  for (const b of host.bridges) {
    const cb = bare.bridges.get(b.name)!;
    const cmd = manifestHost.commands.find((c) => c.id === `ovs-ofctl.dump-flows.${b.name}`);
    // The index depends on the flows and on the port names they use (ofport numbers).
    const ports = b.ports.map((p) => `${p.name}=${p.ofport}`).join(',');
    const key: CacheKey = { format: CACHE_FORMAT_VERSION, tool: 'proto', code, kind: 'classifier', host: host.name, bridge: b.name, source: { file: `${cmd?.file}|${ports}`, sha256: cmd?.sha256 ?? 'none' } };
    const file = join(snapshot!, '.cache', `classifier.${host.name}.${b.name}.bin`);
    let tables: (TupleTable | undefined)[] | undefined;
    let problems: FlowProblem[] = [];
    try {
      const d = decodeCacheFile(await readFile(file), key);
      if (typeof d !== 'string') {
        const data = d.content.data as { tables: number[]; problems: [number, string][] };
        tables = new Array(256).fill(undefined);
        for (const id of data.tables) tables[id] = new TupleTable(id, Object.fromEntries(TUPLE_ARRAY_NAMES.map((n) => [n, d.content.sections[`${id}.${n}`]])) as unknown as TupleArrays, b.flows);
        problems = data.problems.map(([i, message]) => ({ entry: b.flows[i]!, message }));
      }
    } catch {
      /* no cache */
    }
    if (!tables) {
      const portByName = new Map(b.ports.map((p) => [p.name, p.ofport]));
      const memo = newBuildMemo((n) => portByName.get(n));
      const byTable = new Map<number, { entry: FlowEntry; order: number }[]>();
      b.flows.forEach((entry, order) => {
        let l = byTable.get(entry.table);
        if (!l) byTable.set(entry.table, (l = []));
        l.push({ entry, order });
      });
      tables = new Array(256).fill(undefined);
      const sections: Record<string, Uint8Array | Uint16Array | Uint32Array | Int32Array> = {};
      for (const [id, flows] of byTable) {
        const a = buildTupleArrays(flows, memo, problems);
        tables[id] = new TupleTable(id, a, b.flows);
        for (const n of TUPLE_ARRAY_NAMES) sections[`${id}.${n}`] = a[n];
      }
      const lineIndex = new Map(b.flows.map((f, i) => [f, i]));
      const bytes = encodeCacheFile(key, { stamp: { size: 0, mtimeMs: 0 }, data: { tables: [...byTable.keys()], problems: problems.map((p) => [lineIndex.get(p.entry), p.message]) }, sections });
      try {
        await mkdir(join(snapshot!, '.cache'), { recursive: true });
        await writeFile(file + '.tmp', bytes);
        await rename(file + '.tmp', file);
      } catch {
        /* read-only */
      }
    }
    const nFlows = tables.reduce((n, x) => n + (x?.nFlows ?? 0), 0);
    bridges.set(b.name, { ...cb, state: b, tables: tables.map((x) => x?.asFlowTable()), problems, nFlows });
  }
  return { ...bare, host, bridges };
}

const compiled = await compileCached(host);
mark('compile');
const index = loaded.value.sb ? buildOvnIndex(loaded.value) : undefined;
mark('ovnIndex');
const r = traceHost(compiled, 'br-int', flow!, {});
if (!r.ok) throw new Error(r.error.message);
mark('trace');
const named = index ? annotateTrace(r.value, index) : r.value;
const tree = pruneTree(named.tree, 'minimal');
mark('annotate');
process.stdout.write(`${named.verdict} (${tree.length} nodes)\n`);
process.stderr.write(JSON.stringify({ phases: t, rssMb: process.memoryUsage().rss / 2 ** 20 }) + '\n');
