// Load errors of the files a trace read reach its report: a verdict over a cut flow dump or a
// garbage NB/SB list is never given with `warnings: []`. The bundled fixtures are copied to a
// temporary directory before they are damaged.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/model/diagnostic.js';
import { makeStyle } from '../../src/render/style.js';
import { verdictLine } from '../../src/render/trace.js';
import { dropEvidence } from '../../src/render/trace-path.js';
import { trace, type TraceReport, type TraceRequest } from '../../src/services/trace.js';
import { dataErrorIndex, DATA_ERRORS_LISTED } from '../../src/services/trace-data-errors.js';

const root = resolve(import.meta.dirname, '../..');
const plain = makeStyle({ isTTY: false }, {});

/** A copy of a bundled fixture, without its derived cache. */
function copyFixture(name: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ovnscope-damaged-')), name);
  cpSync(join(root, 'fixtures', name), dir, { recursive: true });
  rmSync(join(dir, '.cache'), { recursive: true, force: true });
  return dir;
}

/** Cuts a file in the middle of line `line` (1-based), as an interrupted copy would. */
function cutMidLine(file: string, line: number): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  writeFileSync(file, [...lines.slice(0, line - 1), lines[line - 1]!.slice(0, 80)].join('\n'));
}

async function traceIn(snapshot: string, req: Partial<TraceRequest>): Promise<TraceReport> {
  const r = await trace({ snapshot, bridge: 'br-int', ctNext: [], detail: 'minimal', followTunnels: true, ...req });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.single!;
}

const HV2_FLOWS = 'hosts/hv2/ovs-ofctl.dump-flows.br-int.out';

describe('trace over damaged data', () => {
  it('a cut flow dump of a host the packet reaches is in the warnings and the verdict line says the verdict may be wrong', async () => {
    const dir = copyFixture('l3-acl');
    // Line 552 of hv2's dump is the first flow of table 46 (ls_out_acl on db): the dump ends in it.
    cutMidLine(join(dir, HV2_FLOWS), 552);
    const r = await traceIn(dir, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 } });
    expect(r.warnings.some((w) => w.includes(`${HV2_FLOWS}:552`))).toBe(true);
    expect(r.dataErrors?.summary).toMatch(/^hv2's br-int flow dump has \d+ errors?/);
    expect(verdictLine(r, plain)).toMatch(/\(hv2's br-int flow dump has \d+ errors?: the verdict may be wrong; see warnings\)$/);
  });

  it('says nothing about a damaged host the packet did not reach (web1 → db2 stays on hv1)', async () => {
    const dir = copyFixture('l3-acl');
    cutMidLine(join(dir, HV2_FLOWS), 552);
    const r = await traceIn(dir, { from: 'web1', to: 'db2', protocol: { kind: 'tcp', port: 5432 } });
    expect(r.hops.map((h) => h.host)).toEqual(['hv1']);
    expect(r.dataErrors).toBeUndefined();
    expect(r.warnings.filter((w) => w.includes('hv2'))).toEqual([]);
  });

  it('--host/--flow (one host and following tunnels) and a --flows-file batch carry them too', async () => {
    const dir = copyFixture('l3-acl');
    cutMidLine(join(dir, HV2_FLOWS), 552);
    const flow = 'in_port=1,tcp,nw_src=10.1.1.11,nw_dst=10.1.2.11';
    const one = await traceIn(dir, { host: 'hv2', flow, followTunnels: false });
    expect(one.dataErrors?.summary).toMatch(/^hv2's br-int flow dump/);
    const file = join(dir, 'flows.txt');
    writeFileSync(file, `${flow}\n${flow}\n`);
    const lines: TraceReport[] = [];
    const r = await trace({ snapshot: dir, host: 'hv2', bridge: 'br-int', flowsFile: file, ctNext: [], detail: 'minimal', followTunnels: true }, (b) => lines.push(b.report!));
    expect(r.ok).toBe(true);
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l.warnings.some((w) => w.includes(`${HV2_FLOWS}:552`))).toBe(true);
  });

  it('a table miss cites the table and how many flows it has, never a flow that did not match', async () => {
    const dir = copyFixture('l3-acl');
    // Table 47 of hv2 holds one priority-0 "next" flow per datapath (lines 564-566, metadata 0x1-0x3);
    // without line 565 (metadata=0x2, db) the packet to db1 meets the two others, which cannot match it.
    const file = join(dir, HV2_FLOWS);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[564]).toMatch(/ table=47, .*priority=0,metadata=0x2 actions=resubmit\(,48\)$/);
    writeFileSync(file, [...lines.slice(0, 564), ...lines.slice(565)].join('\n'));
    const r = await traceIn(dir, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 } });
    expect(r.drop).toMatchObject({ host: 'hv2', table: 47, reason: 'NO_MATCH', tableFlows: 2, flowsFile: HV2_FLOWS, explanation: 'no flow matched in table 47 (none of its 2 flows)' });
    expect(r.drop!.flow).toBeUndefined();
    expect(dropEvidence(r.drop!, plain)[0]).toBe(`table   47 of ${HV2_FLOWS}: no flow matched (the table has 2 flows)`);
  });

  it('a miss in a table the dump has no flow of says the table is empty (a dump cut before it)', async () => {
    const dir = copyFixture('l3-acl');
    cutMidLine(join(dir, HV2_FLOWS), 552);
    const r = await traceIn(dir, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 } });
    expect(r.drop).toMatchObject({ host: 'hv2', reason: 'NO_MATCH', tableFlows: 0 });
    expect(r.drop!.flow).toBeUndefined();
    expect(r.drop!.explanation).toBe(`no flow matched in table ${r.drop!.table} (the table is empty)`);
    expect(dropEvidence(r.drop!, plain)[0]).toBe(`table   ${r.drop!.table} of ${HV2_FLOWS}: empty (no flow of this table in the dump)`);
  });

  it('an empty SB Logical_Flow list is named on every verdict (the steps cannot be attributed)', async () => {
    const dir = copyFixture('l3-acl');
    writeFileSync(join(dir, 'central/ovn-sbctl.list.Logical_Flow.out'), '');
    const r = await traceIn(dir, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 } });
    expect(r.dataErrors?.summary).toMatch(/the SB Logical_Flow list has \d+ errors?/);
    expect(r.warnings.some((w) => w.includes('central/ovn-sbctl.list.Logical_Flow.out'))).toBe(true);
  });

  it('a name that does not resolve while the Port_Binding list is garbage says the list is damaged', async () => {
    const dir = copyFixture('l3-acl');
    writeFileSync(join(dir, 'central/ovn-sbctl.list.Port_Binding.out'), 'not json at all\n');
    const r = await trace({ snapshot: dir, bridge: 'br-int', ctNext: [], detail: 'minimal', from: 'web1', to: 'db1' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/no logical port.*the SB Port_Binding list has \d+ errors?.*ovn-sbctl\.list\.Port_Binding\.out:1/s);
  });
});

describe('dataErrorIndex', () => {
  const err = (host: string, line: number, file = `hosts/${host}/ovs-ofctl.dump-flows.br-int.out`): Diagnostic => ({ severity: 'error', host, file, line, message: 'not a flow' });

  it('keeps errors of the hosts asked for and the central ones, deduplicated, the first few listed and the rest counted', () => {
    const diags: Diagnostic[] = [
      ...[1, 2, 3, 4, 5].map((l) => err('hv2', l)),
      err('hv2', 1),
      err('hv3', 9),
      { severity: 'warning', host: 'hv2', file: 'x', message: 'only a warning' },
      { severity: 'error', host: 'central (via hv1)', file: 'central/ovn-sbctl.list.Port_Binding.out', line: 1, message: 'JSON' },
    ];
    const e = dataErrorIndex(diags).forHosts(['hv1', 'hv2'])!;
    // hv2's five distinct lines (its duplicate once) and the central one; not hv3's, not the warning.
    expect(e.count).toBe(6);
    expect(e.warnings).toHaveLength(DATA_ERRORS_LISTED + 1);
    expect(e.warnings[DATA_ERRORS_LISTED]).toMatch(/and 3 more errors/);
    expect(e.summary).toBe("hv2's br-int flow dump has 5 errors; the SB Port_Binding list has 1 error");
    expect(dataErrorIndex(diags).forHosts(['hv1'])!.count).toBe(1);
    expect(dataErrorIndex(diags.filter((d) => d.severity !== 'error')).forHosts(['hv2'])).toBeUndefined();
  });
});
