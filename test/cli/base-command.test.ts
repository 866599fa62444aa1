// Errors under --json: one small JSON object on stdout and the error's own exit code (2 usage,
// 4 internal...), never exit 1 — that one means "a check failed / the packet was dropped".
import { describe, expect, it, vi } from 'vitest';
import { BaseCommand, errorExitCode } from '../../src/cli/base-command.js';
import { ExitCode } from '../../src/model/result.js';
import { repoRoot, runCli } from '../harness/cli.js';

const ovnscope = (...args: string[]) => runCli(args, { env: { NO_COLOR: '' } });

/** stdout is exactly one line of JSON {error: {message, exitCode}}, small (no oclif internals). */
function jsonError(stdout: string): { message: string; exitCode: number } {
  expect(stdout.length).toBeLessThan(1000);
  expect(stdout.trim().split('\n')).toHaveLength(1);
  const j = JSON.parse(stdout) as { error: { message: string; exitCode: number } };
  expect(Object.keys(j)).toEqual(['error']);
  expect(Object.keys(j.error).sort()).toEqual(['exitCode', 'message']);
  return j.error;
}

describe('--json errors through the real CLI', () => {
  it.each([
    ['doctor, missing snapshot', ['doctor', '-s', '/nonexistent-snap', '--json'], /no such snapshot directory/],
    ['bgp, missing snapshot', ['bgp', '-s', '/nonexistent-snap', '--json'], /no such snapshot directory/],
    ['offload, missing snapshot', ['offload', '-s', '/nonexistent-snap', '--json'], /no such snapshot directory/],
    ['snapshot show, missing snapshot', ['snapshot', 'show', '/nonexistent-snap', '--json'], /no such snapshot directory/],
    ['mtu, neither path nor --all', ['mtu', '-s', 'fixtures/l3-acl', '--json'], /--all/],
    ['collect, no hosts', ['collect', '-o', '/tmp/never-written', '--json'], /--inventory/],
    ['flows, missing required flag', ['flows', '-H', 'nohost', '--json'], /Missing required flag snapshot/],
    ['trace, exclusive flags', ['trace', '-s', 'fixtures/l3-acl', '--from', 'web1', '--to', 'db1', '--tcp', '22', '--udp', '53', '--json'], /cannot also be provided/],
    ['doctor, unknown flag', ['doctor', '--bogus-flag', '--json'], /Nonexistent flag: --bogus-flag/],
    ['trace, unknown endpoint', ['trace', '-s', 'fixtures/l3-acl', '--from', 'nosuch', '--to', 'db1', '--json'], /nosuch/],
  ])('%s: exit 2, the message as {error}', async (_name, args, message) => {
    const r = await ovnscope(...args);
    expect(r.code).toBe(ExitCode.usage);
    const e = jsonError(r.stdout);
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(e.message).toMatch(message);
  });

  it('an error a service returns with its code (fixture pack into a missing directory: 2) exits with that code, no stack', async () => {
    const r = await ovnscope('fixture', 'pack', 'fixtures/l3-acl', '-o', '/nonexistent-dir/x.tar.gz', '--json');
    expect(r.code).toBe(2);
    const e = jsonError(r.stdout);
    expect(e).toMatchObject({ exitCode: 2, message: expect.stringMatching(/\/nonexistent-dir does not exist/) });
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('without --json the codes are the same and stdout stays empty', async () => {
    const r = await ovnscope('doctor', '-s', '/nonexistent-snap');
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no such snapshot directory/);
  });
});

describe('BaseCommand.catch', () => {
  class Boom extends BaseCommand {
    static override enableJsonFlag = true;
    async run(): Promise<void> {
      await this.parse(Boom);
      throw new TypeError('cannot read properties of undefined');
    }
  }

  async function runBoom(argv: string[]): Promise<{ stdout: string; stderr: string; exitCode: unknown; thrown: unknown }> {
    const out: string[] = [];
    const err: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    const before = process.exitCode;
    let thrown: unknown;
    try {
      await Boom.run(argv, repoRoot);
    } catch (e) {
      thrown = e;
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    const exitCode = process.exitCode;
    process.exitCode = before;
    return { stdout: out.join(''), stderr: err.join(''), exitCode, thrown };
  }

  it('--json: a bug (an exception raised by no one on purpose) is internal, exit 4; its stack goes to stderr, not stdout', async () => {
    const r = await runBoom(['--json']);
    expect(r.thrown).toBeUndefined();
    expect(r.exitCode).toBe(ExitCode.internal);
    expect(jsonError(r.stdout)).toEqual({ message: 'cannot read properties of undefined', exitCode: ExitCode.internal });
    expect(r.stderr).toMatch(/TypeError: cannot read properties of undefined\n\s+at /);
  });

  it('without --json a bug is rethrown for oclif to print, carrying exit 4 (oclif would exit 1)', async () => {
    const r = await runBoom([]);
    expect(r.thrown).toBeInstanceOf(TypeError);
    expect(errorExitCode(r.thrown)).toBe(ExitCode.internal);
    expect((r.thrown as { oclif?: { exit?: number } }).oclif?.exit).toBe(ExitCode.internal);
  });
});
