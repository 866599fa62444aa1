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
  /** The full argv sent, when the transport added words of its own (the remote `timeout`). */
  readonly executed?: readonly string[];
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

/**
 * Why a run's signal was aborted. The service aborts with a `HostDeadline` when a host's own time
 * budget runs out (recorded as timeout), and with anything else on Ctrl-C (recorded as interrupted).
 */
export class HostDeadline extends Error {
  constructor(readonly budgetMs: number) {
    super(`the host's time budget of ${budgetMs} ms ran out`);
    this.name = 'HostDeadline';
  }
}

/**
 * Why a run's signal was aborted when the collection was stopped from outside: Ctrl-C (SIGINT),
 * `timeout`/systemd/kill (SIGTERM), a dropped terminal or bastion session (SIGHUP). Every one is
 * an interruption: the running commands are abandoned and the snapshot is written as incomplete.
 */
export class Interrupted extends Error {
  constructor(readonly signalName: NodeJS.Signals) {
    super(`interrupted by ${signalName}`);
    this.name = 'Interrupted';
  }
}

/** How the manifest names an interruption: "Ctrl-C" for SIGINT, else the signal. */
export function interruptionName(reason: unknown): string {
  if (reason instanceof Interrupted && reason.signalName !== 'SIGINT') return reason.signalName;
  return 'Ctrl-C';
}

export function abortKind(signal: AbortSignal): 'host-timeout' | 'interrupted' {
  return signal.reason instanceof HostDeadline ? 'host-timeout' : 'interrupted';
}

/** sudo, asked to run without a password it does not have (`sudo -n`, or any sudo with no terminal). */
const SUDO_PROMPT = /sudo: (a password is required|a terminal is required|no tty present|\d+ incorrect password attempt)|\[sudo\] password for/;
/** The shell, kubectl/podman/docker exec or env saying the program does not exist. */
const NOT_FOUND = /(command not found|: not found|No such file or directory|executable file not found|no such file or directory)/;

/** How a command that ran to its end is recorded. */
export function classifyExit(code: number, stderr: string, durationMs: number, program: string, first: string, host: string): CommandOutcome {
  if (code === 0) return { status: 'ok', exitCode: 0, durationMs, stderr };
  if (SUDO_PROMPT.test(stderr))
    return {
      status: 'failed',
      exitCode: code,
      durationMs,
      stderr,
      error: `sudo on ${host} wants a password; ovnscope never types one. Allow the read-only commands with NOPASSWD in sudoers, or log in as a user that can run them`,
    };
  if ((code === 127 || code === 126) && NOT_FOUND.test(stderr)) {
    const missing = new RegExp(`\\b${program.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(stderr) ? program : first;
    return { status: 'unavailable', exitCode: code, durationMs, stderr, error: `${missing} is not installed on ${host}` };
  }
  const firstLine = stderr.split('\n').find((l) => l.trim()) ?? '';
  return { status: 'failed', exitCode: code, durationMs, stderr, error: `exit code ${code}${firstLine ? `: ${firstLine.trim()}` : ''}` };
}
