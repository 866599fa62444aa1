// flows --filter reads the filter as `ovs-ofctl dump-flows BRIDGE FILTER` does (man ovs-ofctl,
// "Flow Syntax"): `table=N` limits the dump to table N (255 = every table), and port names are
// resolved against the bridge's ports. Expectations come from the raw files of the fixture.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFlows } from '../../src/services/flows.js';

const snapshot = resolve(import.meta.dirname, '../../fixtures/l3-acl');
const raw = (file: string) => readFileSync(join(snapshot, 'hosts/hv1', file), 'utf8');
const dumpLines = raw('ovs-ofctl.dump-flows.br-int.out')
  .split('\n')
  .filter((l) => /\bactions=/.test(l));
const list = (filter: string, extra: { table?: number } = {}) => listFlows({ snapshot, host: 'hv1', bridge: 'br-int', filter, ...extra });

describe('flows --filter as ovs-ofctl dump-flows reads it', () => {
  it('table=N keeps the flows of table N only', async () => {
    const r = await list('table=46');
    if (!r.ok) throw new Error(r.error.message);
    const expected = dumpLines.filter((l) => /\btable=46,/.test(l)).length;
    expect(expected).toBeGreaterThan(0);
    expect(r.value.flows.length).toBe(expected);
    expect(r.value.flows.every((f) => f.table === 46)).toBe(true);
    expect(r.value.total).toBe(dumpLines.length);
  });

  it('table=N with match fields: both apply; table=255 is every table', async () => {
    const ipIn46 = await list('table=46,ip');
    const ip = await list('ip');
    if (!ipIn46.ok || !ip.ok) throw new Error('listFlows failed');
    expect(ipIn46.value.flows.length).toBeGreaterThan(0);
    expect(ipIn46.value.flows).toEqual(ip.value.flows.filter((f) => f.table === 46));
    const all = await list('table=255');
    if (!all.ok) throw new Error(all.error.message);
    expect(all.value.flows.length).toBe(dumpLines.length);
  });

  it('table=N and --table M that differ: nothing', async () => {
    const r = await list('table=46', { table: 44 });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.flows).toEqual([]);
  });

  it('a port name (bare or quoted) is the OpenFlow port of that name on the bridge', async () => {
    // `ovs-ofctl show` of the fixture: " 4(tapweb1): addr:..."
    const ofport = Number(/^\s*(\d+)\(tapweb1\):/m.exec(raw('ovs-ofctl.show.br-int.out'))![1]);
    const byNumber = await list(`in_port=${ofport}`);
    if (!byNumber.ok) throw new Error(byNumber.error.message);
    expect(byNumber.value.flows.length).toBe(dumpLines.filter((l) => new RegExp(`\\bin_port=${ofport}\\b`).test(l)).length);
    expect(byNumber.value.flows.length).toBeGreaterThan(0);
    for (const filter of ['in_port=tapweb1', 'in_port="tapweb1"', 'table=0,in_port=tapweb1']) {
      const r = await list(filter);
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.flows, filter).toEqual(byNumber.value.flows);
    }
  });

  it('a port the bridge does not have is a usage error naming the ports it has', async () => {
    const r = await list('in_port=nosuch');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.exitCode).toBe(2);
    expect(r.error.message).toMatch(/^--filter: in_port=nosuch: hv1 has no port "nosuch" on br-int \(it has: .*tapweb1/);
  });

  it('cookie= in a filter is refused with a pointer to --cookie, not silently ignored', async () => {
    const r = await list('cookie=0x3327ef1a');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ exitCode: 2, message: expect.stringMatching(/--cookie/) });
  });
});
