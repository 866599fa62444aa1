// Child process of bench/scale.bench.ts: parses a dump-flows file with the built ovnscope
// (dist/) and prints {"ms": parse time, "cpuMs", "flows", "errors"} as JSON. Run once per
// repetition, so every measurement starts with a fresh heap and cold JIT, like the CLI.
//   node bench/scale/parse-child.mjs <dist dir> <dump file>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dist, file] = process.argv.slice(2);
const { parseOfctlFlows } = await import(join(dist, 'parse/ofctl-flows.js'));
const text = readFileSync(file, 'utf8');
const c0 = process.cpuUsage();
const t0 = performance.now();
const r = parseOfctlFlows(text);
const ms = performance.now() - t0;
const c = process.cpuUsage(c0);
const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
process.stdout.write(JSON.stringify({ ms, cpuMs: (c.user + c.system) / 1000, flows: r.value.flows.length, errors }) + '\n');
