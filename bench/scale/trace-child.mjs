// Child process of bench/scale.bench.ts: in-process trace latency on a loaded snapshot, with
// the built ovnscope (dist/). Loads the snapshot (hv1 and the NB/SB), compiles hv1 once, then
// traces every flow of <flows file> one at a time — the simulator (traceHost) and the OVN
// annotation of the result (annotateTrace), which is what `ovnscope trace` does per packet —
// and prints {"loadMs", "compileMs", "latMs": [...] (trace + annotation), "simMs": [...] (trace
// only), "verdicts": {...}, "errors"} as JSON.
//   node bench/scale/trace-child.mjs <dist dir> <snapshot> <host> <flows file> [ct-next]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dist, snapshot, host, flowsFile] = process.argv.slice(2);
const { loadSnapshot } = await import(join(dist, 'snapshot/load.js'));
const { buildOvnIndex } = await import(join(dist, 'snapshot/ovn-index.js'));
const { compileHost, traceHost } = await import(join(dist, 'sim/index.js'));
const { annotateTrace } = await import(join(dist, 'sim/annotate.js'));

let t0 = performance.now();
const loaded = await loadSnapshot(snapshot, { hosts: [host], classifier: true });
if (!loaded.ok) throw new Error(loaded.error.message);
const loadMs = performance.now() - t0;
t0 = performance.now();
const compiled = compileHost(loaded.value.hosts[0]);
const index = buildOvnIndex(loaded.value);
const compileMs = performance.now() - t0;
const flows = readFileSync(flowsFile, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
const latMs = [];
const simMs = [];
// CPU time of each trace (process-wide, GC helper threads included): what the wall time would be
// on an idle machine — on a shared one the scheduler adds its own pauses to the wall time.
const cpuMs = [];
const verdicts = {};
let errors = 0;
// One untimed warm-up pass over a few flows: the first traces pay for JIT compilation.
for (const f of flows.slice(0, 20)) traceHost(compiled, 'br-int', f, {});
for (const f of flows) {
  const c0 = process.cpuUsage();
  const s = performance.now();
  const r = traceHost(compiled, 'br-int', f, {});
  const m = performance.now();
  if (r.ok) annotateTrace(r.value, index);
  const e = performance.now();
  const c = process.cpuUsage(c0);
  latMs.push(e - s);
  cpuMs.push((c.user + c.system) / 1000);
  simMs.push(m - s);
  if (!r.ok) errors++;
  else verdicts[r.value.verdict] = (verdicts[r.value.verdict] ?? 0) + 1;
}
process.stdout.write(JSON.stringify({ loadMs, compileMs, latMs, simMs, cpuMs, verdicts, errors, heapMb: process.memoryUsage().heapUsed / 2 ** 20 }) + '\n');
