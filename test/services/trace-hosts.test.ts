// `trace --host H --flow F` following tunnels reads the tables of the hosts the packet reaches,
// not of every host in the snapshot, with the same result as reading them all.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/model/snapshot.js';
import { trace, traceEndpointsIn, type TraceRequest } from '../../src/services/trace.js';
import { loadSnapshot } from '../../src/snapshot/load.js';

const root = resolve(import.meta.dirname, '../..');
const fixture = (name: string) => join(root, 'fixtures', name);

async function load(name: string): Promise<Snapshot> {
  const r = await loadSnapshot(fixture(name));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/**
 * Packets as --host/--flow takes them: the first hop of --from/--to traces between the fixtures'
 * guests (its input flow and entry host), so each pair is a real path of the topology.
 */
async function packets(name: string, pairs: readonly [string, string][]): Promise<{ host: string; flow: string; hosts: string[] }[]> {
  const snap = await load(name);
  return pairs.map(([from, to]) => {
    const r = traceEndpointsIn(snap, { snapshot: snap.dir, bridge: 'br-int', ctNext: [], detail: 'summary', followTunnels: true, from, to });
    if (!r.ok) throw new Error(r.error.message);
    const hops = r.value.report.hops;
    return { host: hops[0]!.host, flow: hops[0]!.input!, hosts: [...new Set(hops.map((h) => h.host))] };
  });
}

describe('trace --host/--flow across hosts', () => {
  it.each([
    ['l3-acl', [['web1', 'db1'], ['web1', 'db2'], ['web1', 'web2'], ['db1', 'web1']] as [string, string][]],
    ['lb-nat-3chassis', [['a1', 'b1'], ['b1', 'a1'], ['a1', '8.8.8.8']] as [string, string][]],
  ])('%s: reads only the hosts the packet reaches, and reports exactly what reading every host gives', async (name, pairs) => {
    const cases = await packets(name, pairs);
    const everyHost = (await load(name)).hosts.map((h) => h.name).sort();
    let crossing = 0;
    for (const c of cases) {
      for (const detail of ['minimal', 'detailed'] as const) {
        const req: TraceRequest = { snapshot: fixture(name), host: c.host, bridge: 'br-int', flow: c.flow, ctNext: [], detail, followTunnels: true };
        const lazy = await trace(req);
        const all = await trace({ ...req, readAllHosts: true });
        if (!lazy.ok || !all.ok) throw new Error(`${c.flow}: ${!lazy.ok ? lazy.error.message : ''} ${!all.ok ? all.error.message : ''}`);
        expect(JSON.stringify(lazy.value.single), `${name} ${c.flow} (${detail})`).toBe(JSON.stringify(all.value.single));
        expect([...lazy.value.loadedHosts!].sort(), c.flow).toEqual([...c.hosts].sort());
        expect([...all.value.loadedHosts!].sort()).toEqual(everyHost);
      }
      if (c.hosts.length > 1) crossing++;
    }
    // Not vacuous: some packets cross to another host, some stay on one.
    expect(crossing).toBeGreaterThan(0);
    expect(crossing).toBeLessThan(cases.length);
  });

  it('a --flows-file batch loads a host when its first packet reaches it, and reports what reading every host gives', async () => {
    const cases = await packets('l3-acl', [['web1', 'db2'], ['web1', 'db1'], ['web1', 'web2'], ['web1', 'db1']]);
    const file = join(await mkdtemp(join(tmpdir(), 'ovnscope-hosts-')), 'flows');
    await writeFile(file, cases.map((c) => c.flow).join('\n') + '\n');
    const req: TraceRequest = { snapshot: fixture('l3-acl'), host: 'hv1', bridge: 'br-int', flowsFile: file, ctNext: [], detail: 'minimal', followTunnels: true };
    expect(cases.every((c) => c.host === 'hv1')).toBe(true);
    const lazy = await trace(req);
    const all = await trace({ ...req, readAllHosts: true });
    if (!lazy.ok || !all.ok) throw new Error('trace failed');
    expect(lazy.value.batch!.length).toBe(4);
    expect(JSON.stringify(lazy.value.batch)).toBe(JSON.stringify(all.value.batch));
    expect([...lazy.value.loadedHosts!].sort()).toEqual(['hv1', 'hv2']);
  });

  it.each(['l3-acl', 'lb-nat-3chassis'])('%s --from/--to (and --reply): reads only the hosts on the path, and reports what reading every host gives', async (name) => {
    const pairs: [string, string][] = name === 'l3-acl' ? [['web1', 'db1'], ['web1', 'db2'], ['db1', 'web1']] : [['a1', 'b1'], ['b1', 'a1'], ['a1', '8.8.8.8']];
    const everyHost = (await load(name)).hosts.map((h) => h.name).sort();
    let fewer = 0;
    for (const [from, to] of pairs) {
      for (const reply of [false, true]) {
        const req: TraceRequest = { snapshot: fixture(name), bridge: 'br-int', ctNext: [], detail: 'summary', followTunnels: true, from, to, reply };
        const lazy = await trace(req);
        const all = await trace({ ...req, readAllHosts: true });
        if (!lazy.ok || !all.ok) throw new Error(`${from} → ${to}: ${!lazy.ok ? lazy.error.message : ''} ${!all.ok ? all.error.message : ''}`);
        expect(JSON.stringify(lazy.value.single), `${from} → ${to}${reply ? ' --reply' : ''}`).toBe(JSON.stringify(all.value.single));
        const onPath = new Set([...lazy.value.single!.hops, ...(lazy.value.single!.reply?.hops ?? [])].map((h) => h.host));
        expect([...lazy.value.loadedHosts!].sort()).toEqual([...onPath].sort());
        expect([...all.value.loadedHosts!].sort()).toEqual(everyHost);
        if (onPath.size < everyHost.length) fewer++;
      }
    }
    expect(fewer).toBeGreaterThan(0);
  });
});
