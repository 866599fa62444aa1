// flows --filter reads the filter as `ovs-ofctl dump-flows BRIDGE FILTER` does (man ovs-ofctl,
// "Flow Syntax"): `table=N` limits the dump to table N (255 = every table), and port names are
// resolved against the bridge's ports. Expectations come from the raw files of the fixture.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFlows } from '../../src/services/flows.js';
import { runCli } from '../harness/cli.js';
import { copyFixture } from '../harness/fixture-copy.js';

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

describe('flows of a bridge whose dump was not read', () => {
  const DUMP = 'hosts/hv1/ovs-ofctl.dump-flows.br-int.out';
  /** l3-acl with hv1's dump-flows entry changed in the manifest (the file as `text` when given, its size and sha256 recorded). */
  function withDump(change: Record<string, unknown>, text?: string): string {
    const dir = copyFixture('l3-acl');
    if (text !== undefined) writeFileSync(join(dir, DUMP), text);
    const mf = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8'));
    for (const c of m.hosts[0].commands)
      if (c.id === 'ovs-ofctl.dump-flows.br-int') Object.assign(c, change, text !== undefined ? { bytes: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex') } : {});
    writeFileSync(mf, JSON.stringify(m));
    return dir;
  }
  const error = 'ovs-ofctl: br-int is not a bridge or a socket';

  it('a dump that failed at collection: exit 3 with the status and error the manifest recorded, no empty listing', async () => {
    const dir = withDump({ status: 'failed', exitCode: 1, error });
    const r = await listFlows({ snapshot: dir, host: 'hv1', bridge: 'br-int' });
    expect(!r.ok && r.error).toMatchObject({ exitCode: 3, message: `hv1/br-int: its flows are not in the snapshot: ovs-ofctl.dump-flows.br-int failed (${error}), so what it printed is not read (re-collect hv1; "ovnscope doctor" says what else is missing)` });
    const cli = await runCli(['flows', '-s', dir, '-H', 'hv1']);
    expect(cli.code).toBe(3);
    expect(cli.stdout).not.toMatch(/flows/);
    expect(cli.stderr.replace(/\s*›\s*/g, ' ')).toContain(`ovs-ofctl.dump-flows.br-int failed (${error})`);
    const json = await runCli(['flows', '-s', dir, '-H', 'hv1', '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual({ error: { message: expect.stringContaining('its flows are not in the snapshot'), exitCode: 3 } });
  });

  it('a dump file removed after collection: exit 3 naming the file', async () => {
    const dir = copyFixture('l3-acl');
    rmSync(join(dir, DUMP));
    const r = await listFlows({ snapshot: dir, host: 'hv1', bridge: 'br-int' });
    expect(!r.ok && r.error).toMatchObject({ exitCode: 3, message: expect.stringMatching(new RegExp(`^hv1/br-int: its flows are not in the snapshot: ${DUMP.replace(/\./g, '\\.')}: damaged: listed in the manifest \\(\\d+ bytes\\) but missing`)) });
  });

  it('a dump cut after collection: what it holds is listed, with the damage said and exit 3', async () => {
    const dir = copyFixture('l3-acl');
    const full = readFileSync(join(dir, DUMP), 'utf8');
    // Cut at a line boundary: every line left parses, so only the manifest's size tells.
    const cut = full.slice(0, full.indexOf('\n', full.length >> 1) + 1);
    writeFileSync(join(dir, DUMP), cut);
    const kept = cut.split('\n').filter((l) => /^\s*cookie=/.test(l)).length;
    const r = await listFlows({ snapshot: dir, host: 'hv1', bridge: 'br-int' });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.total).toBe(kept);
    expect(r.value.dumpErrors).toEqual([expect.stringMatching(new RegExp(`${DUMP.replace(/\./g, '\\.')}\\): damaged: ${Buffer.byteLength(cut)} bytes where the manifest recorded ${Buffer.byteLength(full)}`))]);
    const cli = await runCli(['flows', '-s', dir, '-H', 'hv1']);
    expect(cli.code).toBe(3);
    expect(cli.stdout).toContain(`hv1/br-int: ${kept} of ${kept} flows\nthe dump has 1 error: this listing is incomplete or wrong (re-collect hv1)`);
    const json = await runCli(['flows', '-s', dir, '-H', 'hv1', '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).dumpErrors).toHaveLength(1);
    // An intact dump: no errors, exit 0.
    const clean = await listFlows({ snapshot, host: 'hv1', bridge: 'br-int' });
    expect(clean.ok && clean.value.dumpErrors).toEqual([]);
  });

  it('a bridge whose dump was read and holds no flows still lists 0 of 0 flows (exit 0)', async () => {
    // What ovs-ofctl dump-flows prints for a bridge without flows: the reply header alone.
    const dir = withDump({}, 'NXST_FLOW reply (xid=0x4):\n');
    const r = await listFlows({ snapshot: dir, host: 'hv1', bridge: 'br-int' });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value).toMatchObject({ total: 0, flows: [] });
    const cli = await runCli(['flows', '-s', dir, '-H', 'hv1']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^hv1\/br-int: 0 of 0 flows/);
  });
});
