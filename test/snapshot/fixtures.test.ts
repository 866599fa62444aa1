import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { buildOvnIndex } from '../../src/snapshot/ovn-index.js';
import { listFlows } from '../../src/services/flows.js';
import { showSnapshot } from '../../src/services/snapshot-show.js';

const fixturesDir = resolve(import.meta.dirname, '../../fixtures');
const fixtures = readdirSync(fixturesDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

describe.each(fixtures)('bundled fixture %s', (name) => {
  const dir = join(fixturesDir, name);

  it('was captured complete by ovnscope collect and parses with zero diagnostics', async () => {
    const loaded = await loadSnapshot(dir);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.value.manifest.complete).toBe(true);
    expect(loaded.value.diagnostics).toEqual([]);
  });

  it('reads every flow line of every dump (100 % of lines)', async () => {
    const loaded = await loadSnapshot(dir);
    if (!loaded.ok) throw new Error(loaded.error.message);
    for (const h of loaded.value.hosts)
      for (const b of h.bridges) {
        const text = readFileSync(join(dir, b.flowsFile!), 'utf8');
        const flowLines = text.split('\n').filter((l) => l.startsWith(' ') && l.includes('actions='));
        expect(b.flows.length, `${h.name}/${b.name}`).toBe(flowLines.length);
      }
  });

  it('names every non-zero OpenFlow cookie with an SB row', async () => {
    const loaded = await loadSnapshot(dir);
    if (!loaded.ok) throw new Error(loaded.error.message);
    const index = buildOvnIndex(loaded.value);
    for (const h of loaded.value.hosts) {
      const brInt = h.bridges.find((b) => b.name === 'br-int')!;
      const unnamed = brInt.flows.filter((f) => f.cookie !== 0n && !index.byCookie.has(Number(f.cookie)));
      expect(unnamed.map((f) => `${h.name} line ${f.line}`)).toEqual([]);
    }
  });

  it('snapshot show agrees with the raw outputs', async () => {
    const r = await showSnapshot(dir);
    if (!r.ok) throw new Error(r.error.message);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { hosts: { name: string }[] };
    expect(r.value.hosts.map((h) => h.name)).toEqual(manifest.hosts.map((h) => h.name));
    const sbChassis = JSON.parse(readFileSync(join(dir, 'central/ovn-sbctl.list.Chassis.out'), 'utf8')) as { data: unknown[] };
    expect(r.value.chassis.length).toBe(sbChassis.data.length);
    expect(r.value.chassis.every((c) => c.inSnapshot && c.encaps.length === 1)).toBe(true);
    for (const h of r.value.hosts) {
      const brInt = h.bridges.find((b) => b.name === 'br-int')!;
      expect(Object.values(brInt.flowsPerTable).reduce((a, n) => a + n, 0)).toBe(brInt.flows);
    }
  });
});

describe('flows on the l3-acl fixture', () => {
  const dir = join(fixturesDir, 'l3-acl');

  it('filters by table and annotates with the logical flow and its datapath', async () => {
    const r = await listFlows({ snapshot: dir, host: 'hv1', bridge: 'br-int', table: 44 });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.flows.length).toBeGreaterThan(0);
    expect(r.value.flows.every((f) => f.table === 44)).toBe(true);
    for (const f of r.value.flows) {
      expect(f.ovn?.kind).toBe('logical-flow');
      if (f.ovn?.kind === 'logical-flow') expect(f.ovn.pipeline).toBe('egress');
    }
  });

  it('--filter keeps flows at least as specific as the filter (like ovs-ofctl dump-flows MATCH)', async () => {
    const all = await listFlows({ snapshot: dir, host: 'hv1', bridge: 'br-int' });
    const some = await listFlows({ snapshot: dir, host: 'hv1', bridge: 'br-int', filter: 'metadata=0x1' });
    if (!all.ok || !some.ok) throw new Error('listFlows failed');
    const expected = all.value.flows.filter((f) => /(^|,)metadata=0x1(,|$)/.test(f.match));
    expect(some.value.flows.map((f) => f.line)).toEqual(expected.map((f) => f.line));
    expect(expected.length).toBeGreaterThan(10);
  });

  it('gives a usage error with the column for a bad filter, and names the bridges for a bad bridge', async () => {
    const bad = await listFlows({ snapshot: dir, host: 'hv1', bridge: 'br-int', filter: 'reg15=zz' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/column/);
    const nobr = await listFlows({ snapshot: dir, host: 'hv1', bridge: 'br-nope' });
    if (!nobr.ok) expect(nobr.error.message).toMatch(/has no bridge br-nope.*br-int/);
    const nohost = await listFlows({ snapshot: dir, host: 'hv9', bridge: 'br-int' });
    if (!nohost.ok) expect(nohost.error.message).toMatch(/hv9 is not in the snapshot/);
  });
});
