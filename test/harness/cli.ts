// Runs the built CLI the way a user does (npm test builds dist/ first): node bin/run.js ARGS,
// stdout/stderr piped, never rejecting — the exit code is part of what tests check.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Overrides of the environment (undefined removes a variable). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Written to stdin (stdin is closed either way). */
  readonly input?: string;
  /** Kill the CLI (SIGTERM) after this long; its code is then that of the signal (143). */
  readonly timeoutMs?: number;
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((done) => {
    const child = execFile(process.execPath, [resolve(repoRoot, 'bin/run.js'), ...args], { cwd: repoRoot, env, maxBuffer: 256 * 1024 * 1024, ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}) }, (err, stdout, stderr) => {
      const killed = (err as { killed?: boolean } | null)?.killed === true;
      done({ code: killed ? 143 : err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(options.input);
  });
}
