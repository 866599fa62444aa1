// Every text output whose verdict line ends "see warnings" prints those warnings, labelled as
// warnings: the path view (--summary) among its notes, --minimal and --flows-file (verdict lines
// only) through renderVerdictWarnings, which the CLI writes to stderr, once per distinct warning.
// Copies of the bundled l3-acl fixture get ovn-controller's answers added (hv1's killed).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeStyle } from '../../src/render/style.js';
import { renderTrace, renderVerdictWarnings, verdictLine } from '../../src/render/trace.js';
import { trace, type TraceReport, type TraceRequest } from '../../src/services/trace.js';
import { copyFixture } from '../harness/fixture-copy.js';
import { addControllerAnswers, deadHv1, HEALTHY } from '../harness/fixture-outputs.js';

const plain = makeStyle({ isTTY: false }, {});

async function traceIn(snapshot: string, req: Partial<TraceRequest>): Promise<TraceReport> {
  const r = await trace({ snapshot, bridge: 'br-int', ctNext: [], detail: 'summary', followTunnels: true, ...req });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.single!;
}

const web1ToWeb3 = { from: 'web1', to: 'web3', protocol: { kind: 'tcp' as const, port: 80 } };

describe('the warnings a verdict line points at are printed', () => {
  it('--summary path view: the stale-flows warning is labelled "warning:", the path notes stay notes', async () => {
    const r = await traceIn(deadHv1(), web1ToWeb3);
    const stale = r.warnings.filter((w) => w.startsWith('stale flows: '));
    expect(stale).toHaveLength(1);
    const lines = renderTrace({ host: 'hv1', bridge: 'br-int', mode: 'endpoints', single: r }, plain, { minimal: false, tree: false }).split('\n');
    expect(lines.at(-1)).toMatch(/; see warnings\)$/);
    expect(lines).toContain(`warning: ${stale[0]}`);
    expect(lines.filter((l) => l.startsWith('note: stale flows'))).toEqual([]);
  });

  it('--minimal: the verdict line alone on stdout; renderVerdictWarnings gives what its "see warnings" points at, the reply\'s too, once', async () => {
    const r = await traceIn(deadHv1(), { ...web1ToWeb3, reply: true, detail: 'minimal' });
    const text = renderTrace({ host: 'hv1', bridge: 'br-int', mode: 'endpoints', single: r }, plain, { minimal: true });
    // Forward and reply both read hv1: both lines point at warnings.
    expect(text.split('\n')).toEqual([expect.stringMatching(/; see warnings\)$/), expect.stringMatching(/^reply \w+: .*; see warnings\)$/)]);
    const warnings = renderVerdictWarnings(r, plain);
    expect(warnings).toEqual([expect.stringMatching(/^warning: stale flows: ovn-controller on hv1 is not running — .* \(doctor D17\)$/)]);
    // A healthy trace points at nothing and gets nothing.
    const healthy = copyFixture('l3-acl');
    addControllerAnswers(healthy, 'hv1', HEALTHY);
    const ok = await traceIn(healthy, { ...web1ToWeb3, detail: 'minimal' });
    expect(verdictLine(ok, plain)).not.toMatch(/see warnings/);
    expect(renderVerdictWarnings(ok, plain)).toEqual([]);
  });

  it('batch: a warning already printed is not printed again; damaged-input warnings are printed too', async () => {
    const dir = deadHv1();
    // Cut hv2's dump in the middle of a flow line (line 552, as trace-data-errors.test.ts does).
    const file = join(dir, 'hosts/hv2/ovs-ofctl.dump-flows.br-int.out');
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, [...lines.slice(0, 551), lines[551]!.slice(0, 80)].join('\n'));
    const r = await traceIn(dir, { ...web1ToWeb3, detail: 'minimal' });
    expect(verdictLine(r, plain)).toMatch(/see warnings\)$/);
    const seen = new Set<string>();
    const first = renderVerdictWarnings(r, plain, seen);
    expect(first.some((w) => w.startsWith('warning: stale flows: '))).toBe(true);
    expect(first.some((w) => w.startsWith('warning: damaged input: ') && w.includes('ovs-ofctl.dump-flows.br-int.out:552'))).toBe(true);
    expect(renderVerdictWarnings(r, plain, seen)).toEqual([]);
  });
});
