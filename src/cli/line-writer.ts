/**
 * Lines to stdout, gathered into larger writes. A `--flows-file` batch prints 10,000 lines of up
 * to several KB each; one synchronous write per line cost about a tenth of the batch (profiled on
 * the scale benchmark). Lines still reach a reader (`| jq`, `| grep`) promptly: the buffer is
 * written once it holds `maxBytes`, or when a line comes `maxDelayMs` after the last write.
 *
 * The lines are encoded into a Buffer as they come, not joined into a string that is encoded when
 * written: a trace's JSON line is a two-byte string (its arrows), and joining 64 KB of them and
 * then converting the result to UTF-8 cost three times as much as writing each into the buffer
 * (measured on the scale benchmark's batch). A Buffer handed to `out` is never written again.
 */
export interface LineWriter {
  write(line: string): void;
  /** Writes what is buffered (call before writing to another stream, and at the end). */
  flush(): void;
}

export interface LineWriterOptions {
  readonly maxBytes?: number;
  readonly maxDelayMs?: number;
  /** For tests: the clock. */
  readonly now?: () => number;
}

/** UTF-8 bytes a UTF-16 code unit can take at most (a surrogate pair: 4 bytes for 2 units). */
const MAX_UTF8_PER_UNIT = 3;

export function createLineWriter(out: (chunk: string | Uint8Array) => void, options: LineWriterOptions = {}): LineWriter {
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const maxDelayMs = options.maxDelayMs ?? 100;
  const now = options.now ?? (() => performance.now());
  // Room for maxBytes and a line of the usual size after it, without a second buffer.
  const capacity = 2 * maxBytes + 1024;
  let buf: Buffer | undefined;
  let used = 0;
  let lastWrite = now();
  const flush = (): void => {
    lastWrite = now();
    if (used === 0 || !buf) return;
    const chunk = buf.subarray(0, used);
    buf = undefined;
    used = 0;
    out(chunk);
  };
  return {
    write(line: string): void {
      const most = line.length * MAX_UTF8_PER_UNIT + 1;
      if (buf && used + most > buf.length) flush();
      if (most > capacity) {
        // Longer than any buffer: written as it is, after what was buffered.
        flush();
        out(line + '\n');
        return;
      }
      buf ??= Buffer.allocUnsafe(capacity);
      used += buf.write(line, used);
      buf[used++] = 0x0a;
      if (used >= maxBytes || now() - lastWrite >= maxDelayMs) flush();
    },
    flush,
  };
}
