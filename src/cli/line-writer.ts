/**
 * Lines to stdout, gathered into larger writes. A `--flows-file` batch prints 10,000 lines of up
 * to several KB each; one synchronous write per line cost about a tenth of the batch (profiled on
 * the scale benchmark). Lines still reach a reader (`| jq`, `| grep`) promptly: the buffer is
 * written once it holds `maxBytes`, or when a line comes `maxDelayMs` after the last write.
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

export function createLineWriter(out: (text: string) => void, options: LineWriterOptions = {}): LineWriter {
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const maxDelayMs = options.maxDelayMs ?? 100;
  const now = options.now ?? (() => performance.now());
  let parts: string[] = [];
  let size = 0;
  let lastWrite = now();
  const flush = (): void => {
    lastWrite = now();
    if (parts.length === 0) return;
    const text = parts.join('');
    parts = [];
    size = 0;
    out(text);
  };
  return {
    write(line: string): void {
      parts.push(line, '\n');
      size += line.length + 1;
      if (size >= maxBytes || now() - lastWrite >= maxDelayMs) flush();
    },
    flush,
  };
}
