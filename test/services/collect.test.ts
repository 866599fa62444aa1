import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cmd, type RecipeModule } from '../../src/collect/recipe.js';
import { collect } from '../../src/services/collect.js';
import { loadBgp } from '../../src/snapshot/load-bgp.js';
import { openSnapshotDir } from '../../src/snapshot/reader.js';

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

describe('collect service: a host that cannot be reached', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says why once, on the host; its commands (and the central ones through it) point there, and BGP says unreachable, not "vtysh failed"', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ovnscope-collect-unreach-'));
    // A kubectl that does not exist: every command fails with the same connection-level error,
    // as every command of an SSH host with a changed host key does (a 6-line banner).
    const kubectl = { node: 'hv1', namespace: 'ovn-kubernetes', selector: 'app=ovnkube-node', container: 'ovn-controller', layout: 'custom' };
    const r = await collect({
      inventory: { hosts: [{ name: 'hv1', transport: 'kubectl', wrapper: [], kubectl }], ovn: { via: 'hv1' } },
      out: join(dir, 'snap'),
      parallel: 1,
      perHostConcurrency: 4,
      transportOptions: { kubectl: join(dir, 'no-such-kubectl') },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const m = r.value.manifest;
    const hv1 = m.hosts[0]!;
    expect(hv1.status).toBe('unreachable');
    expect(hv1.error).toMatch(/^kubectl could not list pods in ovn-kubernetes/);
    expect(hv1.commands.length).toBeGreaterThan(5);
    expect(new Set(hv1.commands.map((c) => c.error))).toEqual(new Set(["host unreachable (see the host's error)"]));
    expect(new Set(m.central!.commands.map((c) => c.error))).toEqual(new Set(["host hv1 unreachable (see the host's error)"]));
    const text = readFileSync(join(r.value.dir, 'manifest.json'), 'utf8');
    expect(text.split(hv1.error!).length - 1).toBe(2); // the host entry and the missing line, not once per command
    const source = await openSnapshotDir(r.value.dir);
    expect(source.ok).toBe(true);
    if (!source.ok) return;
    const bgp = await loadBgp(source.value);
    expect(bgp.hosts[0]!.frr).toMatchObject({ available: false, reason: expect.stringMatching(/^the host was unreachable, nothing ran on it/) });
  });
});
