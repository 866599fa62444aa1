// Counts in text output agree in number with what they count: "1 parser diagnostic", "2 ...s".
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/model/diagnostic.js';
import { plural } from '../../src/model/plural.js';
import { ProgressDisplay } from '../../src/render/collect.js';
import { renderDoctor } from '../../src/render/doctor.js';
import { renderFindingsSection } from '../../src/render/findings.js';
import { renderSnapshotSummary } from '../../src/render/snapshot.js';
import { makeStyle } from '../../src/render/style.js';
import type { DoctorResult } from '../../src/services/doctor.js';
import type { SnapshotSummary } from '../../src/services/snapshot-show.js';

const style = makeStyle({ isTTY: false }, {});
const diag = (line: number): Diagnostic => ({ severity: 'error', file: 'hosts/hv1/x.out', line, message: 'bad line' });
const diags = (n: number) => Array.from({ length: n }, (_, i) => diag(i + 1));
const counts = { fail: 0, warn: 0, info: 0, pass: 0, 'n-a': 0 };

describe('plural', () => {
  it('singular for exactly one, plural otherwise (0 included); irregular plurals given', () => {
    expect([0, 1, 2].map((n) => plural(n, 'flow'))).toEqual(['0 flows', '1 flow', '2 flows']);
    expect(plural(1, 'entry', 'entries')).toBe('1 entry');
    expect(plural(3, 'entry', 'entries')).toBe('3 entries');
  });
});

describe('parser diagnostic counts in the shared renderers', () => {
  it('findings section (offload, bgp, mtu)', () => {
    expect(renderFindingsSection([], counts, diags(1), style)).toContain('1 parser diagnostic');
    expect(renderFindingsSection([], counts, diags(1), style)).not.toContain('1 parser diagnostics');
    expect(renderFindingsSection([], counts, diags(2), style)).toContain('2 parser diagnostics');
  });

  it('snapshot show', () => {
    const summary = (n: number): SnapshotSummary => ({ dir: 'snap', created: '2026-01-01T00:00:00Z', toolVersion: '0.1.0', complete: true, interrupted: false, missing: [], hosts: [], chassis: [], unboundPorts: [], logicalFlows: 0, damaged: [], diagnostics: { count: n, first: diags(n) } });
    expect(renderSnapshotSummary(summary(1), style).split('\n')).toContain('1 parser diagnostic');
    expect(renderSnapshotSummary(summary(2), style).split('\n')).toContain('2 parser diagnostics');
  });

  it('doctor', () => {
    const result = (n: number): DoctorResult => ({ snapshot: 'snap', created: '2026-01-01T00:00:00Z', complete: true, hosts: [], threshold: 'info', audits: [], findings: [], counts, byHost: [], hidden: 0, failed: false, incomplete: [], diagnostics: diags(n) });
    expect(renderDoctor(result(1), style).split('\n')).toContain('1 parser diagnostic');
    expect(renderDoctor(result(2), style).split('\n')).toContain('2 parser diagnostics');
  });
});

describe('collect progress', () => {
  it('"1 host" for a one-host collection', () => {
    const d = new ProgressDisplay({ write: () => true, columns: 100, rows: 10 }, style, 'collect → snap');
    d.update({ host: 'hv1', state: 'running', done: 0, total: 9 });
    expect(d.lines()[0]).toMatch(/ · 1 host · /);
  });
});
