/**
 * A worker thread of a parallel `--flows-file` batch (see trace-batch.ts): it loads the snapshot,
 * claims chunks of flows from the shared counter, and posts each chunk's printed lines.
 */
import { workerData } from 'node:worker_threads';
import { Chalk } from 'chalk';
import { trace } from '../services/trace.js';
import { chunkShare, printBatchLine, type BatchWorkerInput, type BatchWorkerMessage } from './trace-batch.js';

const input = workerData as BatchWorkerInput;
const style = new Chalk({ level: input.format.colorLevel });
const claims = new Int32Array(input.claims);
const post = (m: BatchWorkerMessage): void => input.port.postMessage(m);
let traced = 0;
const mine = chunkShare(input.chunk, () => Atomics.add(claims, 0, 1), (chunk, lines) => post({ chunk, lines }));
const result = await trace({ ...input.request, batchShare: mine.share }, (b) => {
  // A fake fault for tests: the thread dies holding a chunk it claimed.
  if (input.exitAfterLines !== undefined && ++traced > input.exitAfterLines) process.exit(7);
  mine.add(printBatchLine(b, input.format, style));
});
mine.finish();
post(result.ok ? { done: true } : { done: true, error: result.error.message });
input.port.close();
