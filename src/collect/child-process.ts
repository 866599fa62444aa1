/**
 * One command as a child process of this machine (the local transport runs it directly, the
 * kubectl transport runs `kubectl exec`): no shell, stdin closed, stdout streamed into the
 * request's sink, stderr kept bounded, killed with SIGKILL on timeout or cancellation.
 */
import { finished } from 'node:stream/promises';
import { execa, type Result } from 'execa';
import { abortKind, appendBounded, type CommandOutcome, type RunRequest } from './transport.js';

export type ChildEnd =
  /** Cancelled or timed out: already the command's outcome. */
  | { readonly outcome: CommandOutcome }
  /** It ran to its end (or could not start): the caller classifies the exit. */
  | { readonly result: Result; readonly stderr: string };

export async function runChild(
  file: string,
  args: readonly string[],
  request: RunRequest,
  elapsed: () => number,
  options: { readonly env?: NodeJS.ProcessEnv; readonly extendEnv?: boolean; readonly killedNote?: string },
): Promise<ChildEnd> {
  let stderr = '';
  const child = execa(file, args, {
    reject: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    timeout: request.timeoutMs,
    killSignal: 'SIGKILL',
    cancelSignal: request.signal,
    env: options.env,
    extendEnv: options.extendEnv ?? true,
    // Its own process group: what it started (sudo's child, a shell's pipeline) is killed with it
    // below, and a Ctrl-C on the terminal reaches ovnscope only, which then cancels it.
    detached: true,
  });
  // execa kills the child only; a grandchild would live on (and hold stdout open). Kill the group.
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  const timer = setTimeout(killGroup, request.timeoutMs);
  request.signal?.addEventListener('abort', killGroup, { once: true });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => (stderr = appendBounded(stderr, c)));
  child.stdout?.pipe(request.stdout, { end: false });
  const result = (await child) as Result;
  clearTimeout(timer);
  request.signal?.removeEventListener('abort', killGroup);
  if (child.stdout) await finished(child.stdout).catch(() => undefined);
  if (result.isCanceled)
    return {
      outcome:
        request.signal && abortKind(request.signal) === 'host-timeout'
          ? { status: 'timeout', exitCode: null, durationMs: elapsed(), stderr, error: `the host's time budget ran out (per-host timeout)` }
          : { status: 'interrupted', exitCode: null, durationMs: elapsed(), stderr, error: 'interrupted by the user' },
    };
  if (result.timedOut) return { outcome: { status: 'timeout', exitCode: null, durationMs: elapsed(), stderr, error: `not finished within ${request.timeoutMs} ms${options.killedNote ?? ''}` } };
  return { result, stderr };
}
