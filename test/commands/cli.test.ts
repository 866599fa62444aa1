import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

/** Runs the built CLI the way a user does (npm test builds dist/ first). */
async function ovnscope(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [resolve(root, 'bin/run.js'), ...args], { cwd: root, env: { ...process.env, NO_COLOR: '' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('ovnscope CLI', () => {
  it('snapshot show --json gives the summary as one JSON object', async () => {
    const r = await ovnscope('snapshot', 'show', 'fixtures/lb-nat-3chassis', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { complete: boolean; hosts: { name: string }[]; chassis: unknown[] };
    expect(j.complete).toBe(true);
    expect(j.hosts.map((h) => h.name)).toEqual(['hv1', 'hv2', 'hv3']);
    expect(j.chassis.length).toBe(3);
  });

  it('prints no escape codes when piped', async () => {
    const r = await ovnscope('flows', '--snapshot', 'fixtures/l3-acl', '--host', 'hv1', '--table', '0');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('table=0');
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('exits 2 with a message for usage errors', async () => {
    const bad = await ovnscope('flows', '--snapshot', 'fixtures/l3-acl', '--host', 'hv1', '--filter', 'nw_src=300.1.1.1');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--filter/);
    const missing = await ovnscope('snapshot', 'show', '/nonexistent');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such snapshot directory( or fixture file)?/);
    const noInv = await ovnscope('collect', '--inventory', '/nonexistent.yaml', '--out', '/tmp/x');
    expect(noInv.code).toBe(2);
  });

  it('has --help with examples on every command', async () => {
    for (const cmd of [['collect'], ['snapshot', 'show'], ['flows']]) {
      const r = await ovnscope(...cmd, '--help');
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout, cmd.join(' ')).toContain('EXAMPLES');
    }
  });
});
