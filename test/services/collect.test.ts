import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cmd, type RecipeModule } from '../../src/collect/recipe.js';
import { collect } from '../../src/services/collect.js';

describe('collect service: a bug mid-collection', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps what was collected and says where it is, instead of losing it in an unnamed hidden directory', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ovnscope-collect-crash-'));
    // `uname -r` is on the allow-list and runs anywhere; the expand step then hits a bug.
    const buggy: RecipeModule = {
      name: 'buggy',
      phase1: () => [cmd('uname', ['uname', '-r'])],
      expand: () => {
        throw new Error('a bug in a module');
      },
    };
    let told: string | undefined;
    const r = await collect({
      inventory: { hosts: [{ name: 'lab', transport: 'local', wrapper: [] }] },
      out: join(dir, 'snap'),
      parallel: 1,
      perHostConcurrency: 1,
      modules: [buggy],
      onWorkDir: (d) => (told = d),
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.exitCode).toBe(4);
    expect(r.error.message).toMatch(/^internal error while collecting: Error: a bug in a module/);
    expect(told).toBeDefined();
    expect(r.error.message).toContain(`The outputs collected so far are in ${told} (no manifest.json: not a snapshot).`);
    // The output that was collected before the bug is still there, where the message says.
    expect(readFileSync(join(told!, 'hosts/lab/uname.out'), 'utf8').trim()).toMatch(/^\d+\.\d+/);
    expect(existsSync(join(dir, 'snap'))).toBe(false);
    expect(readdirSync(dir)).toEqual([told!.slice(dir.length + 1)]);
  });
});
