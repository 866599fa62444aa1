import { isAllowed } from './allowlist.js';
import { runChild } from './child-process.js';
import { classifyExit, type CommandOutcome, type RunRequest, type Transport } from './transport.js';

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
      // Fixed locale so outputs parse the same everywhere.
      const ran = await runChild(full[0]!, full.slice(1), request, elapsed, { env: { LC_ALL: 'C' } });
      if ('outcome' in ran) return ran.outcome;
      const { result, stderr } = ran;
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
