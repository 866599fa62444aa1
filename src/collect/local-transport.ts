import { finished } from 'node:stream/promises';
import { execa } from 'execa';
import { isAllowed } from './allowlist.js';
import { abortKind, appendBounded, classifyExit, type CommandOutcome, type RunRequest, type Transport } from './transport.js';

export interface LocalTransportOptions {
  readonly host: string;
  /** Prefix for every command (`env OVS_RUNDIR=...`, `sudo -n`, `ip netns exec hv1`), already split. */
  readonly wrapper: readonly string[];
  /** Called with the full argv of every command actually executed (tests use it to audit). */
  readonly onExec?: (argv: readonly string[]) => void;
}

/** Runs commands on this machine through execa, with no shell in between. */
export function createLocalTransport(options: LocalTransportOptions): Transport {
  return {
    host: options.host,
    kind: 'local',
    async run(request: RunRequest): Promise<CommandOutcome> {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      const allowed = isAllowed(options.wrapper, request.argv);
      if (!allowed.allowed) return { status: 'refused', exitCode: null, durationMs: 0, stderr: '', error: allowed.reason };

      const full = [...options.wrapper, ...request.argv];
      options.onExec?.(full);
      let stderr = '';
      const child = execa(full[0]!, full.slice(1), {
        reject: false,
        stdin: 'ignore',
        stdout: 'pipe',
        stderr: 'pipe',
        buffer: false,
        timeout: request.timeoutMs,
        killSignal: 'SIGKILL',
        cancelSignal: request.signal,
        // Fixed locale so outputs parse the same everywhere.
        env: { LC_ALL: 'C' },
      });
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (c: string) => (stderr = appendBounded(stderr, c)));
      child.stdout?.pipe(request.stdout, { end: false });
      const result = await child;
      if (child.stdout) await finished(child.stdout).catch(() => undefined);
      if (result.isCanceled)
        return request.signal && abortKind(request.signal) === 'host-timeout'
          ? { status: 'timeout', exitCode: null, durationMs: elapsed(), stderr, error: `the host's time budget ran out (per-host timeout)` }
          : { status: 'interrupted', exitCode: null, durationMs: elapsed(), stderr, error: 'interrupted by the user' };
      if (result.timedOut) return { status: 'timeout', exitCode: null, durationMs: elapsed(), stderr, error: `no answer within ${request.timeoutMs} ms` };
      const code = result.exitCode ?? null;
      const missing = code === 127 || (result as { code?: string }).code === 'ENOENT' || /ENOENT/.test(String(result.message ?? ''));
      if (missing && code !== 0)
        return { status: 'unavailable', exitCode: code, durationMs: elapsed(), stderr, error: `${full[0] === request.argv[0] ? request.argv[0] : full[0]} is not installed on ${options.host}` };
      if (code === null) return { status: 'failed', exitCode: null, durationMs: elapsed(), stderr, error: `killed by ${result.signal ?? 'a signal'}` };
      return classifyExit(code, stderr, elapsed(), request.argv[0]!, full[0]!, options.host);
    },
    async close() {},
  };
}
