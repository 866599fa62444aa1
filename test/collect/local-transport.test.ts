import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalTransport } from '../../src/collect/local-transport.js';
import { Interrupted } from '../../src/collect/transport.js';

/** Processes whose command line contains `marker` (pgrep -f, without failing when there are none). */
function running(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

describe('local transport: a command cut off is killed with everything it started', () => {
  let dir: string;
  let savedPath: string | undefined;
  // A hung ovs-vsctl that, like sudo or a shell pipeline, runs the real work in a child process.
  const seconds = 600 + Math.floor(Math.random() * 300);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ovnscope-local-'));
    const fake = join(dir, 'ovs-vsctl');
    writeFileSync(fake, `#!/bin/sh\nsleep ${seconds} &\nwait\n`);
    chmodSync(fake, 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${dir}:${process.env.PATH}`; // this test process's PATH, not an inventory's
  });
  afterAll(() => {
    process.env.PATH = savedPath;
    for (const pid of running(`sleep ${seconds}`)) process.kill(Number(pid), 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('on timeout: no process of the command is left running', async () => {
    const t = createLocalTransport({ host: 'lab', wrapper: [] });
    const started = Date.now();
    const outcome = await t.run({ argv: ['ovs-vsctl', 'list-br'], timeoutMs: 500, stdout: sink() });
    expect(outcome.status).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5000); // not held up by the grandchild keeping stdout open
    await new Promise((r) => setTimeout(r, 200));
    expect(running(`sleep ${seconds}`)).toEqual([]);
  });

  it('on interruption: the same', async () => {
    const t = createLocalTransport({ host: 'lab', wrapper: [] });
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Interrupted('SIGTERM')), 300);
    const outcome = await t.run({ argv: ['ovs-vsctl', 'list-br'], timeoutMs: 60_000, stdout: sink(), signal: abort.signal });
    expect(outcome.status).toBe('interrupted');
    await new Promise((r) => setTimeout(r, 200));
    expect(running(`sleep ${seconds}`)).toEqual([]);
  });
});
