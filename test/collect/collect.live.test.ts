import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAllowed, checkWrapper } from '../../src/collect/allowlist.js';
import type { Manifest } from '../../src/model/manifest.js';
import { collect } from '../../src/services/collect.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { getTopology } from '../harness/topologies.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';
import type { Sandbox } from '../harness/sandbox.js';
import { sandboxInventory, sandboxInventoryYaml } from './sandbox-inventory.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const live = liveSuiteGuard();

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  return out.sort();
}

/** Checks every manifest promise against the files on disk. */
async function verifyManifest(dir: string, m: Manifest): Promise<void> {
  const files = await listFiles(dir);
  expect(files.filter((f) => f.endsWith('.part'))).toEqual([]);
  const referenced = new Set<string>(['manifest.json']);
  const all = [...m.hosts.flatMap((h) => h.commands), ...(m.central?.commands ?? [])];
  for (const c of all) {
    if (c.file) {
      referenced.add(c.file);
      const data = await readFile(join(dir, c.file));
      expect(data.length, c.file).toBe(c.bytes);
      if (c.file.endsWith('.out') && c.sha256) expect(createHash('sha256').update(data).digest('hex'), c.file).toBe(c.sha256);
      // Only completed commands may have a plain .out: a cut-off output never looks complete.
      expect(c.file.endsWith('.out'), c.file).toBe(c.status === 'ok' || c.status === 'failed');
    }
    if (c.errFile) referenced.add(c.errFile);
  }
  expect(files.filter((f) => !referenced.has(f))).toEqual([]);
}

describe.skipIf(!live)('collect from a live 3-chassis OVN sandbox (local transport)', () => {
  const sandboxes = useSandboxes();
  let sb: Sandbox;
  let work: string;
  beforeAll(async () => {
    sb = (await sandboxes.startTopology(getTopology('lb-nat-3chassis'))).sandbox;
    work = await mkdtemp(join(tmpdir(), 'ovnscope-collect-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('yields a complete snapshot whose manifest checks out, running only allow-listed commands', async () => {
    const executed: { host: string; argv: readonly string[] }[] = [];
    const out = join(work, 'full');
    const result = await collect({
      inventory: sandboxInventory(sb),
      out,
      parallel: 4,
      perHostConcurrency: 4,
      transportOptions: { onExec: (host, argv) => executed.push({ host, argv }) },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const m = result.value.manifest;
    expect(m.missing).toEqual([]);
    expect(m.complete).toBe(true);
    expect(m.hosts.map((h) => h.name).sort()).toEqual(['hv1', 'hv2', 'hv3']);
    expect(m.hosts.every((h) => h.status === 'ok' && h.bridges.includes('br-int'))).toBe(true);
    await verifyManifest(out, m);

    // Audit: strip the wrapper (env VAR=...) and check every command that actually ran.
    expect(executed.length).toBe(m.hosts.reduce((a, h) => a + h.commands.length, 0) + m.central!.commands.length);
    for (const e of executed) {
      const wrapperLen = 1 + e.argv.slice(1).findIndex((w) => !w.includes('='));
      expect(checkWrapper(e.argv.slice(0, wrapperLen)).allowed).toBe(true);
      expect(checkAllowed(e.argv.slice(wrapperLen)), e.argv.join(' ')).toMatchObject({ allowed: true });
    }

    const loaded = await loadSnapshot(out);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.value.diagnostics).toEqual([]);
    for (const h of loaded.value.hosts) {
      const brInt = h.bridges.find((b) => b.name === 'br-int')!;
      expect(brInt.flows.length).toBeGreaterThan(100);
      expect(brInt.ports.some((p) => p.role.kind === 'tunnel')).toBe(true);
    }
    expect(loaded.value.sb!.portBindings.length).toBeGreaterThan(0);
    expect(loaded.value.nb!.loadBalancers.length).toBeGreaterThan(0);
  });

  it('records a hung host as timeouts (exit 3) while the other hosts stay complete', async () => {
    const pid = Number(readFileSync(join(sb.chassis['hv2']!.dir, 'ovs-vswitchd.pid'), 'utf8').trim());
    process.kill(pid, 'SIGSTOP'); // a real hang: ovs-vswitchd stops answering
    try {
      const inventoryFile = join(work, 'inv.yaml');
      await writeFile(inventoryFile, sandboxInventoryYaml(sb));
      const out = join(work, 'hung');
      const r = await run(process.execPath, [join(root, 'bin/run.js'), 'collect', '-i', inventoryFile, '-o', out, '--timeout', '2', '--json']).catch((e) => e as { code: number; stdout: string });
      expect((r as { code?: number }).code).toBe(3);
      const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
      expect(m.complete).toBe(false);
      const hv2 = m.hosts.find((h) => h.name === 'hv2')!;
      expect(hv2.status).toBe('partial');
      expect(hv2.commands.filter((c) => c.status === 'timeout').map((c) => c.id)).toContain('ovs-ofctl.dump-flows.br-int');
      expect(m.missing.some((x) => x.startsWith('host hv2: ovs-ofctl.dump-flows.br-int timeout'))).toBe(true);
      for (const h of m.hosts.filter((x) => x.name !== 'hv2')) expect(h.status, h.name).toBe('ok');
      await verifyManifest(out, m);
      const json = JSON.parse((r as { stdout: string }).stdout) as { complete: boolean; missing: string[] };
      expect(json.complete).toBe(false);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });

  it('keeps going when one host has no OVS at all', async () => {
    const inv = sandboxInventory(sb);
    const broken = { ...inv, hosts: [...inv.hosts, { name: 'ghost', transport: 'local' as const, wrapper: ['env', `OVS_RUNDIR=${work}/nonexistent`] }] };
    const out = join(work, 'ghost');
    const r = await collect({ inventory: broken, out, parallel: 4, perHostConcurrency: 4, timeoutMs: 5000 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const ghost = r.value.manifest.hosts.find((h) => h.name === 'ghost')!;
    expect(ghost.status).not.toBe('ok');
    expect(ghost.commands.find((c) => c.id === 'ovs-vsctl.list-br')!.error).toMatch(/database connection failed/);
    expect(r.value.manifest.hosts.filter((h) => h.name !== 'ghost').every((h) => h.status === 'ok')).toBe(true);
    await verifyManifest(out, r.value.manifest);
  });

  it('an interrupted collection still leaves a valid snapshot marked incomplete', async () => {
    const abort = new AbortController();
    const out = join(work, 'interrupted');
    let started = 0;
    const r = await collect({
      inventory: sandboxInventory(sb),
      out,
      parallel: 1,
      perHostConcurrency: 1,
      signal: abort.signal,
      onProgress: (e) => {
        if (e.state === 'running' && ++started === 3) abort.abort();
      },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.manifest.interrupted).toBe(true);
    expect(r.value.manifest.complete).toBe(false);
    expect(r.value.manifest.hosts.flatMap((h) => h.commands).some((c) => c.status === 'interrupted')).toBe(true);
    await verifyManifest(out, r.value.manifest);
    expect((await loadSnapshot(out)).ok).toBe(true);
  });

  it('never overwrites an existing directory', async () => {
    const out = join(work, 'full');
    const before = await listFiles(out);
    const r = await collect({ inventory: sandboxInventory(sb), out, parallel: 1, perHostConcurrency: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/already exists/);
    expect(await listFiles(out)).toEqual(before);
    expect(existsSync(join(work, '.full.partial'))).toBe(false);
  });
});
