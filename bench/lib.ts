/**
 * Small helpers shared by bench modules. Bench modules must import only *types* from run.ts
 * (it has top-level await: a value import would be a cycle), so the statistics live here.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Median of repeated measurements. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export type Log = (msg: string) => void;

export function logger(module: string): Log {
  return (m) => process.stderr.write(`bench: ${module}: ${m}\n`);
}

export interface ProcessRun {
  /** Wall time in seconds. */
  readonly wall: number;
  /** Peak resident set size in MB (GNU time's %M), when /usr/bin/time is there. */
  readonly peakRssMb?: number;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const GNU_TIME = '/usr/bin/time';

/**
 * Runs a program to completion and measures its wall time and peak RSS (through GNU time, whose
 * report goes to a separate marker line on stderr). Never rejects on a non-zero exit.
 */
export function measureProcess(file: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<ProcessRun> {
  const withTime = existsSync(GNU_TIME);
  const marker = '@@bench-time@@';
  const [cmd, argv] = withTime ? [GNU_TIME, ['-f', `${marker} %e %M`, file, ...args]] : [file, [...args]];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      // Our own clock (GNU time's %e has 10 ms resolution); its %M for the peak RSS.
      const wall = (performance.now() - t0) / 1000;
      let stderr = Buffer.concat(err).toString('utf8');
      let peakRssMb: number | undefined;
      const i = stderr.lastIndexOf(marker);
      if (i >= 0) {
        const m = stderr.slice(i).trim().split(/\s+/)[2];
        if (m !== undefined && Number.isFinite(Number(m))) peakRssMb = Number(m) / 1024;
        stderr = stderr.slice(0, i);
      }
      resolve({ wall, peakRssMb, exitCode: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

/** Runs a command and returns stdout (rejects on failure), for setup steps. */
export function run(file: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; maxBuffer?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 600_000, maxBuffer: opts.maxBuffer ?? 1 << 30 }, (e, stdout, stderr) => {
      if (e) reject(new Error(`${file} ${args.join(' ')}: ${e.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A deterministic pseudo-random generator (mulberry32), so runs trace the same packets. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Number of repetitions: OVNSCOPE_BENCH_REPEAT overrides the module's default. */
export function repeats(dflt: number): number {
  const n = Number(process.env.OVNSCOPE_BENCH_REPEAT);
  return Number.isInteger(n) && n > 0 ? n : dflt;
}
