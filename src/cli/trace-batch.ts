/**
 * A `--flows-file` batch, printed line by line, on one thread or several.
 *
 * Each thread (this one and `jobs - 1` worker threads) loads the snapshot itself and claims chunks
 * of consecutive flows from a shared counter as it goes, so a thread still loading or a slow
 * chunk never holds the others back. Chunks are printed in file order as they complete, so the
 * output is the same, byte for byte, as on one thread. A worker that dies leaves its chunks
 * undelivered: they are traced again here, and the user is told.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import type { ChalkInstance } from 'chalk';
import type { Result } from '../model/result.js';
import { renderBatchLine, renderVerdictWarnings, traceReportJson } from '../render/trace.js';
import { countBatchFlows, trace, verdictExitCode, type BatchLine, type TraceRequest, type TraceServiceResult } from '../services/trace.js';

/** Flows a thread claims at a time: ~30 ms of work on a 455k-flow node, a few KB of text on a small one. */
export const BATCH_CHUNK = 64;

export interface BatchFormat {
  readonly json: boolean;
  /** chalk's level for text output (0 = no colour). */
  readonly colorLevel: 0 | 1 | 2 | 3;
}

/** One traced line as it is printed. */
export interface PrintedLine {
  /** The stdout line (none for a line that could not be traced, in text: its error goes to stderr). */
  readonly stdout?: string;
  /** Warnings for stderr, printed once per batch each (the printer de-duplicates). */
  readonly warnings: readonly string[];
  /** Why the line could not be traced, for stderr (text output; JSON has it in the line). */
  readonly error?: string;
  /** The line's exit code contribution (verdictExitCode); a line that could not be traced sets `failed`. */
  readonly exit: number;
  readonly failed: boolean;
}

/** A batch line as `ovnscope trace --flows-file` prints it (pure: threads print the same). */
export function printBatchLine(b: BatchLine, format: BatchFormat, style: ChalkInstance): PrintedLine {
  const exit = b.report ? verdictExitCode(b.report) : 0;
  // Every object carries its input line: two identical lines are otherwise indistinguishable.
  if (format.json) return { stdout: JSON.stringify(b.report ? { line: b.line, ...traceReportJson(b.report) } : { line: b.line, error: b.error }), warnings: [], exit, failed: !b.report };
  if (b.report) return { stdout: renderBatchLine(b, style), warnings: renderVerdictWarnings(b.report, style), exit, failed: false };
  return { warnings: [], error: b.error, exit, failed: true };
}

export interface BatchRunOptions {
  /**
   * Threads, this one included; 1 (the default) runs no workers. Not more than the file has chunks.
   * Opt-in: each worker loads the snapshot again (~1 s of CPU and ~300 MB on a 455k-flow node),
   * which a 2-vCPU machine does not win back on 10,000 flows (measured: bench/RESULTS.md).
   */
  readonly jobs: number | undefined;
  readonly format: BatchFormat;
  readonly style: ChalkInstance;
  /** Called for every line, in file order. */
  readonly print: (line: PrintedLine) => void;
  /** Said to the user about the threads themselves (a worker that died). */
  readonly warn: (message: string) => void;
  /** Tests: a heap limit for the workers. */
  readonly workerResourceLimits?: ResourceLimits;
  /** Tests: this thread only loads and prints, the workers trace every line. */
  readonly mainTraces?: boolean;
  /** Tests (a fake fault): workers exit abruptly once they have traced this many lines. */
  readonly workerExitAfterLines?: number;
}

export interface BatchRunStats {
  /** Lines traced per thread, this one first (the lines traced again after a worker died count here). */
  readonly linesByThread: readonly number[];
  /** Workers that died before finishing their share, with why. */
  readonly failedWorkers: readonly string[];
}

/** What the main thread hands each worker (structured-cloned). */
export interface BatchWorkerInput {
  readonly request: Omit<TraceRequest, 'batchShare'>;
  readonly format: BatchFormat;
  readonly claims: SharedArrayBuffer;
  readonly chunk: number;
  readonly port: MessagePort;
  readonly exitAfterLines?: number;
}

/** Worker → main: a finished chunk, or the end of the worker's share. */
export type BatchWorkerMessage = { readonly chunk: number; readonly lines: readonly PrintedLine[] } | { readonly done: true; readonly error?: string };

/**
 * The share of one thread: it claims a chunk (through `claim`, which must return increasing chunk
 * numbers) when the flows reach the end of its current one, and hands each chunk over complete.
 * `share` is the service's `batchShare`; `add` takes each traced line of the share, in order.
 */
export function chunkShare(chunk: number, claim: () => number, finished: (chunk: number, lines: PrintedLine[]) => void) {
  let mine = -1;
  let lines: PrintedLine[] = [];
  const handOver = (): void => {
    if (mine >= 0 && Number.isFinite(mine)) finished(mine, lines);
    lines = [];
  };
  return {
    share(ordinal: number): boolean {
      const c = Math.floor(ordinal / chunk);
      if (c === mine) return true;
      if (c < mine) return false;
      handOver();
      mine = claim();
      return c === mine;
    },
    add(line: PrintedLine): void {
      lines.push(line);
    },
    finish(): void {
      handOver();
      mine = Infinity;
    },
  };
}

/** Chunks in, lines out in file order. */
class ChunkOrder {
  private next = 0;
  private readonly pending = new Map<number, readonly PrintedLine[]>();
  constructor(
    private readonly total: number,
    private readonly print: (line: PrintedLine) => void,
  ) {}
  deliver(chunk: number, lines: readonly PrintedLine[]): void {
    if (chunk >= this.total || chunk < this.next || this.pending.has(chunk)) return;
    this.pending.set(chunk, lines);
    for (let ready = this.pending.get(this.next); ready; ready = this.pending.get(this.next)) {
      this.pending.delete(this.next++);
      for (const l of ready) this.print(l);
    }
  }
  get complete(): boolean {
    return this.next >= this.total;
  }
  /** The chunks not delivered yet, in order. */
  missing(): number[] {
    const out: number[] = [];
    for (let c = this.next; c < this.total; c++) if (!this.pending.has(c)) out.push(c);
    return out;
  }
}

interface RunningWorker {
  readonly worker: Worker;
  readonly port: MessagePort;
  exited: boolean;
  /** Why it stopped before its share was done (an uncaught error, an exit code). */
  failure?: string;
  done: boolean;
  lines: number;
}

/** The compiled worker beside this module (tests run the sources: the worker is the built one). */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('../../dist/cli/trace-batch-worker.js', import.meta.url) : new URL('./trace-batch-worker.js', import.meta.url);
}

/** Runs the batch `req` (a --flows-file request) and prints every line through `options.print`, in file order. */
export async function runTraceBatch(req: TraceRequest, options: BatchRunOptions): Promise<{ result: Result<TraceServiceResult>; stats: BatchRunStats }> {
  const printed = (b: BatchLine) => printBatchLine(b, options.format, options.style);
  const asked = Math.max(1, options.jobs ?? 1);
  // The file is counted (read a second time) only when threads are asked for: to cap them at its chunks.
  const flows = asked > 1 ? await countBatchFlows(req.flowsFile!) : 0;
  const jobs = Math.min(asked, Math.ceil(flows / BATCH_CHUNK));
  if (jobs <= 1) {
    let n = 0;
    const result = await trace(req, (b) => {
      n++;
      options.print(printed(b));
    });
    return { result, stats: { linesByThread: [n], failedWorkers: [] } };
  }
  const total = Math.ceil(flows / BATCH_CHUNK);
  const order = new ChunkOrder(total, options.print);
  const claims = new Int32Array(new SharedArrayBuffer(4));
  const { batchShare: _, ...request } = req;
  const workers: RunningWorker[] = [];
  for (let i = 1; i < jobs; i++) {
    const { port1, port2 } = new MessageChannel();
    const input: BatchWorkerInput = { request, format: options.format, claims: claims.buffer as SharedArrayBuffer, chunk: BATCH_CHUNK, port: port2, ...(options.workerExitAfterLines !== undefined ? { exitAfterLines: options.workerExitAfterLines } : {}) };
    const worker = new Worker(workerUrl(), { workerData: input, transferList: [port2], ...(options.workerResourceLimits ? { resourceLimits: options.workerResourceLimits } : {}) });
    const w: RunningWorker = { worker, port: port1, exited: false, done: false, lines: 0 };
    worker.on('error', (e) => (w.failure ??= e.message));
    worker.on('exit', (code) => {
      w.exited = true;
      if (!w.done) w.failure ??= `exited with code ${code}`;
    });
    workers.push(w);
  }
  const take = (w: RunningWorker, m: BatchWorkerMessage): void => {
    if ('done' in m) {
      w.done = true;
      if (m.error !== undefined) w.failure ??= m.error;
    } else {
      w.lines += m.lines.length;
      order.deliver(m.chunk, m.lines);
    }
  };
  // This thread traces too; between its chunks it prints what the workers finished meanwhile
  // (the batch loop never yields to the event loop: their messages are read synchronously).
  const poll = (): void => {
    for (const w of workers) for (let m = receiveMessageOnPort(w.port); m; m = receiveMessageOnPort(w.port)) take(w, m.message as BatchWorkerMessage);
  };
  let own = 0;
  try {
    const mine = chunkShare(BATCH_CHUNK, () => Atomics.add(claims, 0, 1), (chunk, lines) => {
      own += lines.length;
      order.deliver(chunk, lines);
      poll();
    });
    const result = await trace({ ...req, batchShare: options.mainTraces === false ? () => false : mine.share }, (b) => mine.add(printed(b)));
    mine.finish();
    if (!result.ok) return { result, stats: { linesByThread: [own, ...workers.map((w) => w.lines)], failedWorkers: [] } };
    await new Promise<void>((resolve) => {
      const check = (): void => {
        poll();
        if (order.complete || workers.every((w) => w.exited)) resolve();
      };
      for (const w of workers) {
        w.port.on('message', (m: BatchWorkerMessage) => {
          take(w, m);
          check();
        });
        w.worker.on('exit', check);
      }
      check();
    });
    const failedWorkers = workers.flatMap((w, i) => (w.failure !== undefined ? [`batch worker ${i + 1}: ${w.failure}`] : []));
    const missing = order.missing();
    if (failedWorkers.length || missing.length)
      options.warn(`${failedWorkers.join('; ') || 'a batch worker stopped early'}: ${missing.length ? `the flows left untraced (${missing.length} chunk(s) of up to ${BATCH_CHUNK}) are traced again on the main thread` : 'the other threads traced its share'}`);
    if (missing.length) {
      // A worker died holding chunks: trace them here, in order (reloading the snapshot once).
      let next = 0;
      const again = chunkShare(BATCH_CHUNK, () => missing[next++] ?? Infinity, (chunk, lines) => {
        own += lines.length;
        order.deliver(chunk, lines);
      });
      const retried = await trace({ ...req, batchShare: again.share }, (b) => again.add(printed(b)));
      again.finish();
      if (!retried.ok) return { result: retried, stats: { linesByThread: [own, ...workers.map((w) => w.lines)], failedWorkers } };
    }
    return { result, stats: { linesByThread: [own, ...workers.map((w) => w.lines)], failedWorkers } };
  } finally {
    for (const w of workers) {
      w.port.close();
      if (!w.exited) await w.worker.terminate();
    }
  }
}
