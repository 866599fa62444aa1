/**
 * `npm run bench`: runs every bench/*.bench.ts module, prints one table and writes bench/RESULTS.md
 * with the machine's description. Each figure is reported next to its anchor (what people use
 * today, or the naive way) measured in the same run, as a ratio: the machine is shared and noisy,
 * so absolute times alone mean little. Modules repeat their measurements and report medians.
 *
 *   npm run bench                 # all modules
 *   npm run bench -- collect      # modules whose name contains "collect"
 */
import { readdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem, release } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';

export interface BenchFigure {
  /** What was measured, e.g. "parse 477k flows". */
  readonly metric: string;
  readonly value: number;
  readonly unit: 'ms' | 's' | 'MB' | 'flows/s' | string;
  /** The anchor measured in the same run (e.g. "OVS Python OFPFlow", "hosts one by one"). */
  readonly anchor?: { readonly name: string; readonly value: number };
  /** The issue's goal in words, e.g. "≤ 1.5 s and ≥ 20× faster". */
  readonly goal?: string;
  readonly met?: boolean;
  readonly note?: string;
}

export interface BenchModule {
  readonly name: string;
  run(): Promise<BenchFigure[]>;
}

/** Median of repeated measurements. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

function ratio(f: BenchFigure): string {
  if (!f.anchor || f.anchor.value === 0 || f.value === 0) return '';
  const r = f.anchor.value / f.value;
  // Smaller is better for every unit measured here; sizes read as "less", times as "faster".
  const [better, worse] = f.unit === 'MB' ? ['less than', 'more than'] : ['faster than', 'slower than'];
  return r >= 1 ? `${r.toFixed(1)}× ${better} ${f.anchor.name}` : `${(1 / r).toFixed(1)}× ${worse} ${f.anchor.name}`;
}

async function main(): Promise<void> {
  const filter = process.argv[2];
  const dir = new URL('.', import.meta.url).pathname;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter))).sort();
  const rows: { module: string; f: BenchFigure }[] = [];
  for (const file of files) {
    const mod = (await import(join(dir, file))) as { default: BenchModule };
    process.stderr.write(`bench: ${mod.default.name}…\n`);
    for (const f of await mod.default.run()) rows.push({ module: mod.default.name, f });
  }
  const table = new Table({ head: ['module', 'metric', 'value', 'anchor', 'ratio', 'goal', 'met'], style: { head: [], border: [] } });
  for (const { module, f } of rows)
    table.push([module, f.metric, `${f.value.toFixed(f.value < 10 ? 2 : 0)} ${f.unit}`, f.anchor ? `${f.anchor.name}: ${f.anchor.value.toFixed(f.anchor.value < 10 ? 2 : 0)} ${f.unit}` : '', ratio(f), f.goal ?? '', f.met === undefined ? '' : f.met ? 'yes' : 'NO']);
  console.log(table.toString());
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}`;
  const md = [
    '# Benchmark results',
    '',
    `Run ${new Date().toISOString()} on ${machine}. Command: \`npm run bench${filter ? ` -- ${filter}` : ''}\`.`,
    'Every figure is a median of repeated runs; ratios compare with the anchor measured in the same run.',
    '',
    '| module | metric | value | anchor | ratio | goal | met |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(({ module, f }) => `| ${module} | ${f.metric} | ${f.value.toFixed(2)} ${f.unit} | ${f.anchor ? `${f.anchor.name}: ${f.anchor.value.toFixed(2)} ${f.unit}` : ''} | ${ratio(f)} | ${f.goal ?? ''} | ${f.met === undefined ? '' : f.met ? 'yes' : 'no'} |${f.note ? ` ${f.note}` : ''}`),
    '',
  ].join('\n');
  await writeFile(join(dir, 'RESULTS.md'), md);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
