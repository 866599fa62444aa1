import type { Writable } from 'node:stream';

/** How a command ended, as far as the transport can tell. */
export type CommandStatus =
  | 'ok' // exit 0
  | 'failed' // ran, exited non-zero
  | 'unavailable' // the program is not installed on the host (exit 127 / ENOENT)
  | 'timeout' // killed after its timeout
  | 'refused' // not on the allow-list or wrapper not allowed: never sent
  | 'transport-error' // the connection broke, the host died, ...
  | 'interrupted'; // the user pressed Ctrl-C

export interface CommandOutcome {
  readonly status: CommandStatus;
  readonly exitCode: number | null;
  readonly durationMs: number;
  /** What stderr said (bounded), for the manifest and the .err file. */
  readonly stderr: string;
  /** Human explanation when status is not ok. */
  readonly error?: string;
}

export interface RunRequest {
  /** The command proper; the transport prepends the host's wrapper and checks the allow-list. */
  readonly argv: readonly string[];
  readonly timeoutMs: number;
  /** Where stdout goes, as it arrives (a dump-flows can be 100 MB: never buffered whole). */
  readonly stdout: Writable;
  readonly signal?: AbortSignal;
}

/** The only way ovnscope reaches a host. Implementations: local (execa), ssh (ssh2), kubectl. */
export interface Transport {
  readonly host: string;
  readonly kind: 'local' | 'ssh' | 'kubectl';
  run(request: RunRequest): Promise<CommandOutcome>;
  close(): Promise<void>;
}

/** Stderr kept per command: enough to explain a failure, bounded so a noisy command can't eat memory. */
export const STDERR_LIMIT = 64 * 1024;

export function appendBounded(acc: string, chunk: string): string {
  if (acc.length >= STDERR_LIMIT) return acc;
  const next = acc + chunk;
  return next.length > STDERR_LIMIT ? next.slice(0, STDERR_LIMIT) + '\n[stderr truncated]' : next;
}
