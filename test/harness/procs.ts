// Process plumbing for the live OVS/OVN sandbox: running commands with timeouts and useful
// errors, starting daemons, polling for readiness, killing by pid (and only our own pids), and a
// per-process safety net so no daemon outlives the test run.
//
// Zombies: on these machines PID 1 does not reap orphans, so a killed daemon that is no longer
// our child stays a zombie forever. "Alive" therefore means "exists and is not a zombie".

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

/** Extra directories searched for the daemons (ovsdb-server, ovs-vswitchd live in /usr/sbin). */
const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** PATH with the sbin directories appended (non-login shells of ordinary users often lack them). */
export function pathWithSbin(path: string | undefined = process.env.PATH): string {
  const parts = (path ?? '').split(':').filter(Boolean);
  for (const d of [...SBIN_DIRS, '/usr/local/bin', '/usr/bin', '/bin']) if (!parts.includes(d)) parts.push(d);
  return parts.join(':');
}

/** A failed external command: the message names the command, the exit code and the stderr. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly stderr: string,
    readonly stdout: string,
    readonly reason: string,
  ) {
    super(`command failed (${reason}): ${command}\n  exit code: ${exitCode ?? 'none'}\n  stderr: ${stderr.trim() || '(empty)'}`);
    this.name = 'CommandError';
  }
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Milliseconds; default 30 s. */
  timeoutMs?: number;
  cwd?: string;
  input?: string;
}

/** Shell-like rendering of argv, for error messages and logs. */
export function formatCommand(file: string, args: readonly string[], env?: Record<string, string>): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const envPart = env?.OVS_RUNDIR ? `OVS_RUNDIR=${q(env.OVS_RUNDIR)} ` : '';
  return envPart + [file, ...args].map(q).join(' ');
}

/** Runs one command (no shell) and returns its stdout (final newline stripped). Throws CommandError. */
export async function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const env = { ...opts.env, PATH: pathWithSbin(opts.env?.PATH ?? process.env.PATH) };
  const r = await execa(file, args, {
    env,
    extendEnv: true,
    timeout: opts.timeoutMs ?? 30_000,
    reject: false,
    cwd: opts.cwd,
    input: opts.input,
    stdin: opts.input === undefined ? 'ignore' : undefined,
    // SIGKILL on timeout: the OVS tools ignore nothing, but a wedged ovsdb client must not linger.
    killSignal: 'SIGKILL',
  });
  if (r.failed) {
    const reason = r.timedOut ? `timed out after ${opts.timeoutMs ?? 30_000} ms` : r.signal ? `killed by ${r.signal}` : r.exitCode === undefined ? (r.originalMessage ?? 'spawn failed') : `exit ${r.exitCode}`;
    throw new CommandError(formatCommand(file, args, opts.env), r.exitCode, String(r.stderr ?? ''), String(r.stdout ?? ''), reason);
  }
  return String(r.stdout ?? '');
}

/** Where a binary is found on PATH (+ sbin dirs), or undefined. */
export function whichBinary(name: string): string | undefined {
  for (const d of pathWithSbin().split(':')) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Daemons

export interface DaemonHandle {
  name: string;
  pid: number;
  /** File holding the daemon's stdout+stderr (OVS daemons log to --log-file; this catches early fatals). */
  outFile: string;
  /** Resolves when the process exits (only while it is still our child). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** How it ended ("exit code 1", "signal SIGKILL"), once it has. */
  exitDescription(): string | undefined;
}

export interface SpawnDaemonOptions {
  env: Record<string, string>;
  /** stdout/stderr go here. */
  outFile: string;
  /** Working directory (core dumps land here); default: the directory of outFile. */
  cwd?: string;
  /**
   * Own session (setsid): survives the terminal and the parent; used by `scripts/sandbox.ts up`.
   * Otherwise the daemon stays in our process group, so Ctrl-C reaches it too.
   */
  persistent?: boolean;
}

/**
 * Starts a daemon in the foreground mode (no --detach) as our child, so Node reaps it when it dies
 * (no zombies) and we learn its pid at once. Readiness is polled separately.
 */
export function spawnDaemon(name: string, file: string, args: readonly string[], opts: SpawnDaemonOptions): DaemonHandle {
  const fd = openSync(opts.outFile, 'a');
  let exitedFlag = false;
  let how: string | undefined;
  try {
    const child = spawn(file, args, {
      env: { ...process.env, ...opts.env, PATH: pathWithSbin(opts.env.PATH ?? process.env.PATH) },
      stdio: ['ignore', fd, fd],
      cwd: opts.cwd ?? dirname(opts.outFile),
      detached: opts.persistent === true,
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => {
        exitedFlag = true;
        how = signal ? `signal ${signal}` : `exit code ${code}`;
        resolve({ code, signal });
      });
      child.once('error', (e) => {
        exitedFlag = true;
        how = `spawn error: ${e.message}`;
        resolve({ code: null, signal: null });
      });
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not spawn ${file}`);
    return { name, pid: child.pid, outFile: opts.outFile, exited, hasExited: () => exitedFlag, exitDescription: () => how };
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// Polling

/** pollUntil gave up because `abort` said so (e.g. a daemon died), not because of the timeout. */
export class PollAbortedError extends Error {
  override name = 'PollAbortedError';
}

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Checked on every round; a string means "give up now" with that message. */
  abort?: () => string | undefined;
}

/** Polls `probe` until it returns a value other than undefined/false; throws with `what` on timeout. */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, opts: PollOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let interval = opts.intervalMs ?? 20;
  let lastError: unknown;
  for (;;) {
    const why = opts.abort?.();
    if (why) throw new PollAbortedError(`${what}: ${why}`);
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `\n  last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, interval));
    interval = Math.min(interval * 1.5, 200);
  }
}

/** True when a unix stream socket accepts a connection (listening, not just bound). */
export function canConnectUnix(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (!existsSync(path)) return resolve(false);
    const s = connect({ path });
    const done = (ok: boolean) => {
      s.removeAllListeners();
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

// ---------------------------------------------------------------------------------------------
// pids

/** State letter from /proc/<pid>/stat, or undefined when the process does not exist. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** Exists and is not a zombie (a dead orphan that PID 1 never reaped is not alive). */
export function isAlive(pid: number): boolean {
  const st = procState(pid);
  if (st !== undefined) return st !== 'Z' && st !== 'X';
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when /proc/<pid>/cmdline mentions `marker` — guards against killing a recycled pid. */
export function cmdlineContains(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(marker);
  } catch {
    return false;
  }
}

/** Pids from every `*.pid` file directly in `dirs` (unreadable or garbage files are skipped). */
export function readPidFiles(dirs: readonly string[]): Array<{ file: string; pid: number }> {
  const out: Array<{ file: string; pid: number }> = [];
  for (const d of dirs) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (!n.endsWith('.pid')) continue;
      try {
        const pid = Number.parseInt(readFileSync(join(d, n), 'utf8').trim(), 10);
        if (Number.isInteger(pid) && pid > 1) out.push({ file: join(d, n), pid });
      } catch {
        /* vanished */
      }
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/**
 * SIGTERM, wait up to `graceMs` for them to go, then SIGKILL the rest and wait again. A pid is
 * only ever signalled while it is alive AND its command line contains `marker` (the sandbox
 * dir, which every daemon has in its arguments): pid_max is 32768 on these machines and pids
 * wrap within minutes under test churn, so a bare pid from a file or an old handle may already
 * belong to someone else. Pass the dir with a trailing '/' (so /tmp/sbx does not match
 * /tmp/sbx2). Returns the pids of ours still alive at the end (should be empty).
 */
export async function killPids(pids: readonly number[], marker: string, graceMs = 1500): Promise<number[]> {
  // Ownership is established once, up front: a process in the middle of exiting already reads
  // as an empty /proc/<pid>/cmdline while it is not a zombie yet. Within these few seconds a pid
  // cannot be recycled (allocation is cyclic), so afterwards liveness alone is what counts.
  const owned = [...new Set(pids)].filter((p) => isAlive(p) && cmdlineContains(p, marker));
  const live = () => owned.filter(isAlive);
  for (const p of live()) signal(p, 'SIGTERM');
  const waitGone = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (live().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };
  await waitGone(graceMs);
  for (const p of live()) signal(p, 'SIGKILL');
  await waitGone(2000);
  return live();
}

/** Synchronous SIGKILL for exit handlers (no event loop there); same `marker` rule as killPids. */
export function killPidsSync(pids: readonly number[], marker: string): void {
  for (const p of pids) if (isAlive(p) && cmdlineContains(p, marker)) signal(p, 'SIGKILL');
}

// ---------------------------------------------------------------------------------------------
// Safety net

/** What the exit/signal safety net needs to clean up one sandbox without an event loop. */
export interface CleanupEntry {
  dir: string;
  /** Directories whose *.pid files name our daemons. */
  pidDirs: string[];
  /** Pids we know directly (the daemons we spawned). */
  pids: () => number[];
  keepDir: boolean;
  /** Network namespaces of the lab, deleted after the daemons are killed. */
  namespaces?: readonly string[];
  /** Other directories the lab's daemons made (FRR's per-namespace socket dirs), removed with them. */
  extraDirs?: readonly string[];
}

/** Deletes the namespaces and extra directories of an entry (ignores what is already gone). */
function removeNamespacesSync(entry: Pick<CleanupEntry, 'namespaces' | 'extraDirs'>): void {
  for (const ns of entry.namespaces ?? []) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      /* not there */
    }
  }
  for (const d of entry.extraDirs ?? []) rmSync(d, { recursive: true, force: true });
}

interface SafetyNet {
  entries: Set<CleanupEntry>;
  installed: boolean;
}

// One registry per process, shared even if vitest evaluates this module more than once.
const NET_KEY = Symbol.for('ovnscope.test.harness.safetyNet');

function safetyNet(): SafetyNet {
  const g = globalThis as unknown as Record<symbol, SafetyNet | undefined>;
  let net = g[NET_KEY];
  if (!net) {
    net = { entries: new Set(), installed: false };
    g[NET_KEY] = net;
  }
  return net;
}

/** Kills everything of one entry synchronously and removes its dir (unless kept). */
export function cleanupSync(entry: CleanupEntry): void {
  const pids = new Set([...entry.pids(), ...readPidFiles(entry.pidDirs).map((p) => p.pid)]);
  killPidsSync([...pids], `${entry.dir}/`);
  removeNamespacesSync(entry);
  if (entry.keepDir) {
    rmSync(join(entry.dir, '.alive'), { force: true });
    process.stderr.write(`[ovnscope sandbox] kept ${entry.dir}\n`);
  } else rmSync(entry.dir, { recursive: true, force: true });
}

function onExit(): void {
  const net = safetyNet();
  for (const e of net.entries) {
    try {
      cleanupSync(e);
    } catch {
      /* best effort */
    }
  }
  net.entries.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  onExit();
  process.removeListener(sig, onSignal);
  // If nobody else handles this signal, behave like the default action (terminate).
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

/** Registers a sandbox with the process-wide exit/SIGINT/SIGTERM/SIGHUP safety net. */
export function registerCleanup(entry: CleanupEntry): () => void {
  const net = safetyNet();
  if (!net.installed) {
    net.installed = true;
    process.on('exit', onExit);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
  }
  net.entries.add(entry);
  return () => {
    net.entries.delete(entry);
  };
}

/** Handle of the watchdog process (see startWatchdog). */
export interface Watchdog {
  pid: number;
  /** Disarms it (call after removing <dir>/.alive): closes its pipe and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts a tiny detached shell that cleans up if we die without running any handler (SIGKILL,
 * OOM, vitest killing a worker). It blocks reading a pipe from us; the kernel closes that pipe
 * when we die, however we die. On EOF, if `<dir>/.alive` still exists (stop() removes it first),
 * it SIGKILLs every pid from the sandbox's pid files whose command line mentions the sandbox
 * dir, deletes the lab's network namespaces and extra directories (`net`), then removes the dir
 * (unless keepDir). No polling, no sleep.
 */
export function startWatchdog(dir: string, pidDirs: readonly string[], keepDir: boolean, net: Pick<CleanupEntry, 'namespaces' | 'extraDirs'> = {}): Watchdog | undefined {
  const namespaces = net.namespaces ?? [];
  const extraDirs = net.extraDirs ?? [];
  // Arguments: dir, keep, then three counted lists (pid dirs, namespaces, extra dirs).
  const script = `
dir=$1; keep=$2; shift 2
while read -r _; do :; done
[ -e "$dir/.alive" ] || exit 0
n=$1; shift
while [ "$n" -gt 0 ]; do
  for f in "$1"/*.pid; do
    [ -r "$f" ] || continue
    p=$(cat "$f" 2>/dev/null)
    case "$p" in ''|*[!0-9]*) continue;; esac
    grep -qaF "$dir/" /proc/$p/cmdline 2>/dev/null && kill -9 "$p" 2>/dev/null
  done
  shift; n=$((n - 1))
done
n=$1; shift
while [ "$n" -gt 0 ]; do ip netns del "$1" 2>/dev/null; shift; n=$((n - 1)); done
n=$1; shift
while [ "$n" -gt 0 ]; do rm -rf "$1"; shift; n=$((n - 1)); done
if [ "$keep" = 1 ]; then rm -f "$dir/.alive"; else rm -rf "$dir"; fi
`;
  const args = [dir, keepDir ? '1' : '0', String(pidDirs.length), ...pidDirs, String(namespaces.length), ...namespaces, String(extraDirs.length), ...extraDirs];
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn('/bin/sh', ['-c', script, 'ovnscope-watchdog', ...args], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
  } catch {
    return undefined;
  }
  if (child.pid === undefined) return undefined;
  let hasExited = false;
  const exited = new Promise<void>((resolve) => {
    const done = () => {
      hasExited = true;
      resolve();
    };
    child.once('exit', done);
    child.once('error', done);
  });
  child.stdin?.on('error', () => undefined);
  // Neither the process nor its pipe may keep our event loop alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  const pid = child.pid;
  return {
    pid,
    // The timer is deliberately ref'd: while stop() waits, something must keep the event loop
    // alive (the child and its pipe are unref'd), or a script would exit in the middle of stop().
    stop: () =>
      new Promise<void>((resolve) => {
        if (hasExited) return resolve();
        const timer = setTimeout(() => {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
          resolve();
        }, 2000);
        void exited.then(() => {
          clearTimeout(timer);
          resolve();
        });
        child.stdin?.end();
      }),
  };
}
