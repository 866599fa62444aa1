/**
 * `npm run bench -- sim-proto`: PROTOTYPES, not ovnscope — what the changes proposed for
 * src/sim (owned elsewhere) would buy at scale, measured on the same cached scale snapshot:
 *   - fast-build.ts: FlowTable.build computing each match item's 32-bit words once per bridge
 *     (identical index, checked table by table);
 *   - tuple-index.ts: the classifier index in typed arrays, stored in <snapshot>/.cache/ and
 *     mapped back instead of compiled (identical lookups and whole traces, checked);
 *   - oneshot.ts: a one-shot trace with both caches (flows + classifier), i.e. what
 *     `ovnscope trace` would cost with a cache hook in the simulator.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { logger, measureProcess, median, repeats, run } from './lib.js';
import { scalePackets } from './scale/packets.js';
import { ensureScaleSandbox, root } from './scale/sandbox.js';
import { writeFileSync } from 'node:fs';
// Types only: importing values from run.ts would be an import cycle with its top-level await.
import type { BenchFigure, BenchModule } from './run.js';

const log = logger('sim-proto');

function lastJson<T>(out: string): T {
  return JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('{')).pop()!) as T;
}

const bench: BenchModule = {
  name: 'sim-proto',
  async run(): Promise<BenchFigure[]> {
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
    } catch {
      /* emitted anyway */
    }
    execFileSync(join(root, 'bench/proto/build.sh'), { stdio: 'pipe' });
    const env = await ensureScaleSandbox(log);
    const tsx = join(root, 'node_modules/.bin/tsx');
    const figures: BenchFigure[] = [];

    log('compile: FlowTable.build vs the per-item word prototype (3 runs each, identical index checked)');
    const fb = lastJson<{ identical: boolean; originalMs: number[]; fastMs: number[]; flows: number }>(await run(tsx, [join(root, 'bench/proto/check-fast-build.ts'), env.snapshot], { env: { ...process.env, RUNS: '3' } }));
    figures.push({
      metric: `PROTO compile ${fb.flows} flows: per-item words (fast-build.ts)`,
      value: median(fb.fastMs) / 1000,
      unit: 's',
      anchor: { name: 'FlowTable.build today', value: median(fb.originalMs) / 1000 },
      note: `index identical to FlowTable.build's: ${fb.identical ? 'yes' : 'NO'}`,
    });

    const packets = join(env.dir, 'packets-1000.flows');
    writeFileSync(packets, scalePackets(1000, 1).join('\n') + '\n');
    log('classifier in typed arrays: build, cache, map back; lookups and 1,000 whole traces compared with FlowTable');
    const ti = lastJson<{ buildOriginalMs: number; buildTypedMs: number; cacheMb: number; mapBackMs: number; lookups: number; lookupDiffs: number; traces: number; traceDiffs: number; latOriginal: [number, number]; latTyped: [number, number] }>(
      await run(tsx, [join(root, 'bench/proto/check-tuple-index.ts'), env.snapshot, packets], { timeoutMs: 1_800_000 }),
    );
    figures.push({
      metric: 'PROTO classifier index mapped from .cache/ (tuple-index.ts)',
      value: ti.mapBackMs,
      unit: 'ms',
      anchor: { name: 'FlowTable.build today', value: ti.buildOriginalMs },
      note: `${ti.cacheMb.toFixed(1)} MB file; ${ti.lookups} lookups (${ti.lookupDiffs} different) and ${ti.traces} whole traces (${ti.traceDiffs} different) compared with FlowTable; latency median ${ti.latTyped[0].toFixed(2)} ms / p99 ${ti.latTyped[1].toFixed(1)} ms vs FlowTable ${ti.latOriginal[0].toFixed(2)} / ${ti.latOriginal[1].toFixed(1)} ms in the same process`,
    });

    const n = repeats(5);
    const flow = scalePackets(1, 3)[0]!;
    const proto = join(root, 'bench/cache/proto/oneshot.mjs');
    log(`one-shot with the flows and classifier caches: 1 warm-up (writes the classifier cache), then ${n} runs`);
    await measureProcess(process.execPath, [proto, env.snapshot, 'hv1', flow]);
    const runs: { wall: number; rss: number; phases: Record<string, number> }[] = [];
    for (let i = 0; i < n; i++) {
      const r = await measureProcess(process.execPath, [proto, env.snapshot, 'hv1', flow]);
      if (r.exitCode !== 0) throw new Error(`oneshot prototype failed: ${r.stderr.slice(0, 400)}`);
      runs.push({ wall: r.wall, rss: r.peakRssMb ?? NaN, phases: lastJson<{ phases: Record<string, number> }>(r.stderr).phases });
    }
    const oclif: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < n; i++) {
      oclif.push((await measureProcess(process.execPath, [join(root, 'bin/run.js'), '--version'])).wall);
      bare.push((await measureProcess(process.execPath, ['-e', '0'])).wall);
    }
    const wall = median(runs.map((r) => r.wall));
    const overhead = Math.max(0, median(oclif) - median(bare));
    const phase = (k: string) => median(runs.map((r) => r.phases[k] ?? 0));
    figures.push({
      metric: 'PROTO one-shot trace, flows + classifier cached (+ oclif start-up)',
      value: wall + overhead,
      unit: 's',
      goal: '≤ 1.5 s',
      met: wall + overhead <= 1.5,
      note: `prototype process ${wall.toFixed(2)} s (load ${(phase('load') / 1000).toFixed(2)} s, compile ${(phase('compile') / 1000).toFixed(3)} s, OVN index ${(phase('ovnIndex') / 1000).toFixed(3)} s, trace+annotate ${((phase('trace') + phase('annotate')) / 1000).toFixed(3)} s) + oclif start-up ${overhead.toFixed(2)} s (\`ovnscope --version\` − \`node -e 0\`); medians of ${n}`,
    });
    figures.push({ metric: 'PROTO one-shot trace, peak RSS', value: median(runs.map((r) => r.rss)), unit: 'MB', goal: '≤ 500 MB', met: median(runs.map((r) => r.rss)) <= 500 });
    return figures;
  },
};

export default bench;
