import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Manifest } from '../model/manifest.js';
import type { CommandOutcome } from '../collect/transport.js';

/** Where one command's stdout is being written, and its digest so far. */
export interface OutputSink {
  readonly stream: Writable;
  /** Closes the file and moves it to its final name according to how the command ended. */
  finish(outcome: CommandOutcome): Promise<{ file?: string; bytes: number; sha256?: string; errFile?: string }>;
}

/**
 * Writes a snapshot into `<out>.partial-*` beside the destination and renames it into place at the
 * end, so no reader ever sees a half-written directory under the final name. Each output is
 * written as `.part` and renamed to `.out` only when its command completed; output of a command
 * that was cut off (timeout, dead host, Ctrl-C) is kept as `.out.partial`, never as `.out`.
 */
export class SnapshotWriter {
  private constructor(
    readonly finalDir: string,
    readonly workDir: string,
  ) {}

  static async create(finalDir: string): Promise<SnapshotWriter> {
    const workDir = join(dirname(finalDir), `.${basename(finalDir)}.partial-${process.pid}-${randomBytes(3).toString('hex')}`);
    await mkdir(workDir, { recursive: true });
    return new SnapshotWriter(finalDir, workDir);
  }

  /** `relStem` like `hosts/hv1/ovs-ofctl.dump-flows.br-int` (no extension). */
  async open(relStem: string): Promise<OutputSink> {
    const absStem = join(this.workDir, relStem);
    await mkdir(dirname(absStem), { recursive: true });
    const hash = createHash('sha256');
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    const file = createWriteStream(`${absStem}.part`);
    const done = pipeline(counter, file);
    return {
      stream: counter,
      finish: async (outcome) => {
        counter.end();
        await done;
        const completed = outcome.status === 'ok' || (outcome.status === 'failed' && bytes > 0);
        let rel: string | undefined;
        if (completed) rel = `${relStem}.out`;
        else if (bytes > 0) rel = `${relStem}.out.partial`;
        if (rel) await rename(`${absStem}.part`, join(this.workDir, rel));
        else await rm(`${absStem}.part`, { force: true });
        let errFile: string | undefined;
        if (outcome.stderr.length > 0) {
          errFile = `${relStem}.err`;
          await writeFile(join(this.workDir, errFile), outcome.stderr);
        }
        return { file: rel, bytes, sha256: completed ? hash.digest('hex') : undefined, errFile };
      },
    };
  }

  /** Writes the manifest last, then moves the directory to its final name. */
  async commit(manifest: Manifest): Promise<string> {
    const tmp = join(this.workDir, 'manifest.json.part');
    await writeFile(tmp, JSON.stringify(manifest, null, 2) + '\n');
    await rename(tmp, join(this.workDir, 'manifest.json'));
    await rename(this.workDir, this.finalDir);
    return this.finalDir;
  }

  async abandon(): Promise<void> {
    await rm(this.workDir, { recursive: true, force: true });
  }
}

export async function pathExists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
