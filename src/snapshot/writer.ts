import { createHash, randomBytes } from 'node:crypto';
import { close, open, write, writev } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import type { Manifest } from '../model/manifest.js';
import type { CommandOutcome } from '../collect/transport.js';

/** Where one command's stdout is being written, and its digest so far. */
export interface OutputSink {
  readonly stream: Writable;
  /** Closes the file and moves it to its final name according to how the command ended. */
  finish(outcome: CommandOutcome): Promise<{ file?: string; bytes: number; sha256?: string; errFile?: string; errBytes?: number; errSha256?: string }>;
}

/**
 * Writes a snapshot into `<out>.partial-*` beside the destination and renames it into place at the
 * end, so no reader ever sees a half-written directory under the final name. Each output is
 * written as `.part` and renamed to `.out` only when its command completed; output of a command
 * that was cut off (timeout, dead host, Ctrl-C) is kept as `.out.partial`, never as `.out`.
 */
export class SnapshotWriter {
  /** Directories already made (one mkdir per host, not one per command). */
  private readonly made = new Map<string, Promise<unknown>>();

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
    const dir = dirname(absStem);
    let made = this.made.get(dir);
    if (!made) {
      made = mkdir(dir, { recursive: true });
      this.made.set(dir, made);
    }
    await made;
    const file = new HashingFile(`${absStem}.part`);
    const done = new Promise<void>((resolve, reject) => {
      file.once('close', resolve);
      file.once('error', reject);
    });
    return {
      stream: file,
      finish: async (outcome) => {
        file.end();
        await done;
        const bytes = file.bytes;
        const completed = outcome.status === 'ok' || (outcome.status === 'failed' && bytes > 0);
        let rel: string | undefined;
        if (completed) rel = `${relStem}.out`;
        else if (bytes > 0) rel = `${relStem}.out.partial`;
        // No byte, no file: the .part was never created (a command with empty stdout costs no inode).
        if (rel && file.created) await rename(`${absStem}.part`, join(this.workDir, rel));
        else if (rel) await writeFile(join(this.workDir, rel), '');
        let err: { errFile: string; errBytes: number; errSha256: string } | undefined;
        if (outcome.stderr.length > 0) {
          const errBytes = Buffer.from(outcome.stderr, 'utf8');
          err = { errFile: `${relStem}.err`, errBytes: errBytes.length, errSha256: createHash('sha256').update(errBytes).digest('hex') };
          await writeFile(join(this.workDir, err.errFile), errBytes);
        }
        return { file: rel, bytes, sha256: completed ? file.sha256() : undefined, ...err };
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

/**
 * A file that is hashed and counted as it is written: one stream per output (the chunks go from
 * the channel straight to the file, no intermediate transform), and created on the first byte,
 * so the many commands that print nothing (not installed, empty tables) never create and then
 * delete a file — on some file systems creating inodes is what a large collection spends most on.
 */
class HashingFile extends Writable {
  private fd: number | undefined;
  private readonly hash = createHash('sha256');
  bytes = 0;
  created = false;

  constructor(private readonly path: string) {
    // Large enough that bursts from the channel reach the disk in one writev.
    super({ highWaterMark: 256 * 1024 });
  }

  sha256(): string {
    return this.hash.digest('hex');
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    this._writev([{ chunk }], cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (error?: Error | null) => void): void {
    const buffers = chunks.map((c) => c.chunk).filter((b) => b.length > 0);
    if (buffers.length === 0) return cb();
    for (const b of buffers) {
      this.hash.update(b);
      this.bytes += b.length;
    }
    this.withFd((err, fd) => (err ? cb(err) : writeAll(fd!, buffers, cb)));
  }

  override _destroy(error: Error | null, cb: (error?: Error | null) => void): void {
    if (this.fd === undefined) return cb(error);
    const fd = this.fd;
    this.fd = undefined;
    close(fd, (e) => cb(error ?? e));
  }

  private withFd(cb: (err: Error | null, fd?: number) => void): void {
    if (this.fd !== undefined) return cb(null, this.fd);
    open(this.path, 'w', (err, fd) => {
      if (err) return cb(err);
      this.fd = fd;
      this.created = true;
      cb(null, fd);
    });
  }
}

/** writev until every byte is down (the kernel may take less than asked). */
function writeAll(fd: number, buffers: Buffer[], cb: (error?: Error | null) => void): void {
  const done = (err: Error | null, written: number) => {
    if (err) return cb(err);
    let left = written;
    while (buffers.length && left >= buffers[0]!.length) left -= buffers.shift()!.length;
    if (buffers.length === 0) return cb();
    if (left > 0) buffers[0] = buffers[0]!.subarray(left);
    writeAll(fd, buffers, cb);
  };
  if (buffers.length === 1) write(fd, buffers[0]!, 0, buffers[0]!.length, null, done);
  else writev(fd, buffers, null, done);
}

export async function pathExists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
