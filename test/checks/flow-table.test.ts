import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFlowTables, equalPriorityOverlaps } from '../../src/checks/flow-table.js';
import type { Finding } from '../../src/model/finding.js';
import type { FlowEntry } from '../../src/model/flow.js';
import { parseFlowLine } from '../../src/parse/ofctl-flows.js';
import { compileMatch } from '../../src/sim/classifier.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { healthy, withHost, writeSynthetic, type SynthSpec } from '../doctor/synthetic.js';
import { expectFixOnEveryNonPass } from '../harness/findings.js';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'ovnscope-flowtable-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** One `dump-flows` line (with the leading space). */
function flow(table: number, priority: number, match: string, actions: string, o: { cookie?: string; packets?: number } = {}): string {
  const n = o.packets ?? 0;
  return ` cookie=${o.cookie ?? '0x0'}, duration=1.234s, table=${table}, n_packets=${n}, n_bytes=${n * 60}, idle_age=1, priority=${priority}${match ? `,${match}` : ''} actions=${actions}`;
}
const dump = (...lines: string[]) => ['NXST_FLOW reply (xid=0x4):', ...lines].join('\n') + '\n';

async function run(spec: SynthSpec, options: { maxComparisons?: number } = {}): Promise<{ findings: Finding[]; dir: string }> {
  const dir = writeSynthetic(spec, work);
  const r = await loadSnapshot(dir);
  if (!r.ok) throw new Error(r.error.message);
  expect(r.value.diagnostics).toEqual([]);
  return { findings: checked(checkFlowTables(r.value, options)), dir };
}

/** Every scenario of this file: a finding that is not a pass has a fix, a pass has none. */
function checked(fs: Finding[]): Finding[] {
  expectFixOnEveryNonPass(fs);
  return fs;
}
const flows = (text: string, groups?: string) => withHost(healthy(), 'hv1', (h) => ({ ...h, flows: text, ...(groups !== undefined ? { groups } : {}) }));
const of = (fs: Finding[], id: string, host = 'hv1') => fs.filter((f) => f.id === id && f.host === host);

/** Evidence names the dump line by line number and quotes it exactly. */
function expectLines(dir: string, f: Finding): void {
  for (const e of f.evidence) {
    const lines = readFileSync(join(dir, e.file), 'utf8').split('\n');
    expect(lines[e.line! - 1]!.trim()).toBe(e.excerpt);
  }
}

describe('F1: tables flows continue into', () => {
  it('passes the bundled fixtures, naming the empty lookup tables as by design', async () => {
    for (const fx of ['fixtures/l3-acl', 'fixtures/lb-nat-3chassis']) {
      const r = await loadSnapshot(join(root, fx));
      if (!r.ok) throw new Error(r.error.message);
      const fs = checked(checkFlowTables(r.value));
      expect(fs.filter((f) => f.severity === 'fail' || f.severity === 'warn')).toEqual([]);
      expect(fs.filter((f) => f.id === 'F1').every((f) => f.severity === 'pass')).toBe(true);
      expect(fs.find((f) => f.id === 'F1' && f.host === 'hv1')!.message).toMatch(/lookup tables 66, 67, .*empty: lookups that find nothing, by design/);
    }
  });

  it('a final resubmit or a ct(table=) into an empty table warns; with packets counted it fails; lookups do not count', async () => {
    const { findings, dir } = await run(
      flows(
        dump(
          flow(0, 100, 'in_port=3', 'load:0x1->OXM_OF_METADATA[],resubmit(,66),resubmit(,20)', { cookie: '0x1' }),
          flow(0, 0, '', 'resubmit(,10)', { packets: 0 }),
          flow(20, 10, 'ip', 'ct(table=30,zone=NXM_NX_REG13[0..15])', { cookie: '0x2' }),
          flow(20, 0, '', 'resubmit(,40)', { cookie: '0x2', packets: 7 }),
        ),
      ),
    );
    const f1 = of(findings, 'F1');
    expect(f1.map((f) => [f.severity, f.subject])).toEqual([
      ['warn', 'br-int table 10'],
      ['warn', 'br-int table 30'],
      ['fail', 'br-int table 40'],
    ]);
    expect(f1[2]!.message).toMatch(/1 of these flows has counted packets, so traffic is being dropped now/);
    expect(f1.map((f) => f.message).join('\n')).not.toContain('table 66');
    for (const f of f1) expectLines(dir, f);
  });

  it('an integration bridge without flows fails; an idle chassis (only cookie-0 flows) is info', async () => {
    const empty = await run(flows(dump()));
    expect(of(empty.findings, 'F1').map((f) => [f.severity, /no OpenFlow flows at all/.test(f.message)])).toEqual([['fail', true]]);
    const idle = await run(flows(dump(flow(0, 100, 'in_port=1', 'move:NXM_NX_TUN_ID[0..23]->OXM_OF_METADATA[0..23],resubmit(,40)'), flow(40, 0, '', 'resubmit(,41)'))));
    expect(of(idle.findings, 'F1').map((f) => [f.severity, /no logical datapath is local/.test(f.message)])).toEqual([['info', true]]);
  });

  it('is n/a when dump-flows of a bridge was not collected', async () => {
    const spec = flows(DEFAULT_DUMP);
    const dir = writeSynthetic(spec, work);
    const manifestPath = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const cmd = m.hosts[0].commands.find((c: { id: string }) => c.id === 'ovs-ofctl.dump-flows.br-int');
    Object.assign(cmd, { status: 'timeout', file: 'hosts/hv1/ovs-ofctl.dump-flows.br-int.out.partial', error: 'timed out after 60s' });
    (await import('node:fs')).writeFileSync(manifestPath, JSON.stringify(m));
    const r = await loadSnapshot(dir);
    if (!r.ok) throw new Error(r.error.message);
    expect(of(checked(checkFlowTables(r.value)), 'F1').map((f) => [f.severity, f.message])).toEqual([['n-a', 'flow-table checks not run: dump-flows of br-int was timeout (timed out after 60s)']]);
  });
});

const DEFAULT_DUMP = dump(flow(0, 0, '', 'drop'));

// SB logical flows and NB ACLs behind the cookies of the overlap tests.
const LF = (hex: string, hint?: string) => [['uuid', `${hex}-0000-4000-8000-000000000001`], 'next;', ['map', [['stage-name', 'ls_out_acl'], ...(hint ? [['stage-hint', hint]] : [])]], ['uuid', 'd0000001-0000-4000-8000-000000000001'], 'ip4', 'egress', 2000, 4];
const ACL = (hex: string, action: string, name: string) => [['uuid', `${hex}-0000-4000-8000-000000000001`], action, 'to-lport', `outport == @pg && ip4 && ${name}`, name, 1000];
const sbExtra = {
  'ovn-sbctl.list.Logical_Flow': JSON.stringify({
    headings: ['_uuid', 'actions', 'external_ids', 'logical_datapath', 'match', 'pipeline', 'priority', 'table_id'],
    data: [LF('aaaaaaaa', '33333333'), LF('bbbbbbbb', '44444444'), LF('cccccccc'), LF('dddddddd'), LF('eeeeeeee', '33333333')],
  }),
};
const nbExtra = { 'ovn-nbctl.list.ACL': JSON.stringify({ headings: ['_uuid', 'action', 'direction', 'match', 'name', 'priority'], data: [ACL('33333333', 'allow-related', 'allow-web'), ACL('44444444', 'drop', 'deny-all')] }) };

describe('F2: equal-priority overlaps', () => {
  const overlapsSpec = (text: string): SynthSpec => ({ ...flows(text), sb: { ...healthy().sb!, extra: sbExtra }, nbExtra });

  it('two NB ACLs of equal priority with opposite verdicts warn, naming both ACLs', async () => {
    const { findings, dir } = await run(
      overlapsSpec(
        dump(
          flow(44, 2000, 'ip,reg15=0x1,metadata=0x1', 'resubmit(,45)', { cookie: '0xaaaaaaaa' }),
          flow(44, 2000, 'tcp,reg15=0x1,metadata=0x1', 'drop', { cookie: '0xbbbbbbbb' }),
          flow(44, 2000, 'udp,reg15=0x2,metadata=0x1', 'drop', { cookie: '0xbbbbbbbb' }),
          flow(45, 0, '', 'drop'),
        ),
      ),
    );
    const f2 = of(findings, 'F2');
    expect(f2.map((f) => [f.severity, f.subject])).toEqual([['warn', 'br-int table 44 priority 2000']]);
    expect(f2[0]!.message).toMatch(/ACL "allow-web" 33333333 \(to-lport priority 1000 allow-related: .*\) and ACL "deny-all" 44444444 \(to-lport priority 1000 drop: .*\) have the same priority and overlap \(1 pair of flows\)/);
    expect(f2[0]!.evidence.map((e) => e.line)).toEqual([2, 3]);
    expectLines(dir, f2[0]!);
  });

  it('hand-added flows (cookie unknown to the SB) warn; northd-internal overlaps are one info; overlaps within one NB object, conjunctions and disjoint matches are not reported', async () => {
    const { findings } = await run(
      overlapsSpec(
        dump(
          flow(10, 50, 'ip,metadata=0x1', 'resubmit(,11)', { cookie: '0xcccccccc' }),
          flow(10, 50, 'ip,nw_src=10.0.0.0/8,metadata=0x1', 'drop', { cookie: '0xdddddddd' }),
          flow(10, 60, 'ip,metadata=0x1', 'resubmit(,11)', { cookie: '0xcccccccc' }),
          flow(10, 60, 'tcp,metadata=0x1', 'drop', { cookie: '0x1234' }),
          flow(10, 70, 'ip,metadata=0x1', 'resubmit(,11)', { cookie: '0xaaaaaaaa' }),
          flow(10, 70, 'tcp,metadata=0x1', 'drop', { cookie: '0xeeeeeeee' }),
          flow(10, 80, 'reg0=0x1/0x1', 'conjunction(7,1/2)', { cookie: '0xcccccccc' }),
          flow(10, 80, 'reg1=0x1/0x1', 'conjunction(7,2/2)', { cookie: '0xdddddddd' }),
          flow(10, 90, 'ip,metadata=0x1', 'drop', { cookie: '0xcccccccc' }),
          flow(10, 90, 'ip,metadata=0x2', 'resubmit(,11)', { cookie: '0xdddddddd' }),
          flow(11, 0, '', 'drop'),
        ),
      ),
    );
    const f2 = of(findings, 'F2');
    expect(f2.map((f) => [f.severity, f.subject])).toEqual([
      ['warn', 'br-int table 10 priority 60'],
      ['info', 'br-int table 10 priority 50'],
    ]);
    expect(f2[0]!.message).toMatch(/1 pair of equal-priority flows overlap with different actions, at least one of each pair with a cookie no SB row has/);
    expect(f2[1]!.message).toMatch(/^1 pair of equal-priority flows from different ovn-northd logical flows/);
  });

  it('says where the comparison bound stopped it', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => flow(10, 50, `reg${i % 8}=0x${(i + 1).toString(16)}`, `output:${(i % 2) + 1}`));
    const { findings } = await run(flows(dump(...lines)), { maxComparisons: 25 });
    const bounded = of(findings, 'F2').find((f) => /bounded/.test(f.message))!;
    expect(bounded.severity).toBe('info');
    expect(bounded.message).toMatch(/stopped after 25 comparisons; 1 table\/priority group \(40 flows\) not or not fully checked, largest: table 10 priority 50 \(40\)/);
  });
});

describe('equalPriorityOverlaps', () => {
  const parse = (line: string): FlowEntry => {
    const r = parseFlowLine(line);
    if (!r.value) throw new Error(`${line}: ${JSON.stringify(r.diagnostics)}`);
    return r.value;
  };
  const brute = (fl: FlowEntry[]): string[] => {
    const out: string[] = [];
    const cm = fl.map((f) => ({ f, m: compileMatch(f, () => undefined) }));
    for (let i = 0; i < cm.length; i++)
      for (let j = i + 1; j < cm.length; j++) {
        const a = cm[i]!;
        const b = cm[j]!;
        if (typeof a.m === 'string' || typeof b.m === 'string' || a.f.priority !== b.f.priority || a.f.table !== b.f.table) continue;
        if (JSON.stringify(a.f.actions, (_, v) => (typeof v === 'bigint' ? String(v) : v)) === JSON.stringify(b.f.actions, (_, v) => (typeof v === 'bigint' ? String(v) : v))) continue;
        let ov = true;
        for (const [sp, x] of a.m) {
          const y = b.m.get(sp);
          if (y && (x.value & x.mask & y.mask) !== (y.value & x.mask & y.mask)) ov = false;
        }
        if (ov) out.push([a.f.line, b.f.line].sort((p, q) => p - q).join('-'));
      }
    return out.sort();
  };
  const key = (pairs: readonly (readonly [FlowEntry, FlowEntry])[]) => pairs.map(([a, b]) => [a.line, b.line].sort((p, q) => p - q).join('-')).sort();

  it('finds exactly the pairs a brute-force comparison finds (partitioning never loses one)', () => {
    const field = fc.constantFrom('reg0', 'reg1', 'metadata', 'reg14');
    const constraint = fc.record({ field, value: fc.integer({ min: 0, max: 7 }), mask: fc.constantFrom(1, 3, 7, 0xffffffff) });
    const flowArb = fc.record({ priority: fc.constantFrom(10, 20), cs: fc.uniqueArray(constraint, { minLength: 0, maxLength: 3, selector: (c) => c.field }), out: fc.integer({ min: 1, max: 3 }) });
    fc.assert(
      fc.property(fc.array(flowArb, { minLength: 2, maxLength: 40 }), (specs) => {
        const fl = specs.map((s, i) => {
          const match = s.cs.map((c) => `${c.field}=0x${(c.value & c.mask).toString(16)}/0x${c.mask.toString(16)}`).join(',');
          return { ...parse(`table=5, priority=${s.priority}${match ? `,${match}` : ''} actions=output:${s.out}`), line: i + 1 };
        });
        const r = equalPriorityOverlaps(fl, () => undefined);
        expect(r.exhausted).toBe(false);
        expect(key(r.pairs)).toEqual(brute(fl));
      }),
      { numRuns: 300 },
    );
  });

  it('splits a table of 30,000 exact-match flows by value instead of comparing all 450 million pairs', () => {
    const fl: FlowEntry[] = [];
    for (let i = 0; i < 30_000; i++) fl.push({ ...parse(`table=8, priority=100,reg14=0x${(i % 300).toString(16)},metadata=0x${Math.floor(i / 300).toString(16)} actions=resubmit(,9)`), line: i + 1 });
    fl.push({ ...parse('table=8, priority=100,metadata=0x5 actions=drop'), line: 30_001 });
    const t0 = performance.now();
    const r = equalPriorityOverlaps(fl, () => undefined);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(r.exhausted).toBe(false);
    // The metadata-only flow overlaps each of the 300 flows of metadata 5, nothing else does.
    expect(r.pairs.length).toBe(300);
    expect(r.comparisons).toBeLessThan(100_000);
  });
});

describe('F3, F4, F5', () => {
  it('a match that can never be satisfied, a missing group, and ports the bridge does not have', async () => {
    const { findings, dir } = await run(
      flows(
        dump(
          flow(0, 100, 'in_port=3', 'resubmit(,8)'),
          flow(0, 90, 'in_port=nosuch', 'resubmit(,8)'),
          flow(0, 80, 'in_port=9', 'resubmit(,8)'),
          flow(8, 10, 'ip', 'group:7'),
          flow(8, 5, '', 'output:9'),
          flow(8, 4, '', 'output:65534'),
          flow(8, 0, '', 'drop'),
        ),
      ),
    );
    expect(of(findings, 'F3').map((f) => [f.severity, /1 flow can never match \(port "nosuch" is not a port of this bridge\)/.test(f.message)])).toEqual([['warn', true]]);
    expect(of(findings, 'F4').map((f) => [f.severity, f.subject])).toEqual([['warn', 'br-int group 7']]);
    const f5 = of(findings, 'F5');
    expect(f5.map((f) => [f.severity, f.subject, f.message.split(':')[0]])).toEqual([['warn', 'br-int port 9', 'OpenFlow port 9 is not on br-int, yet 1 flow output to it and 1 flow match in_port=9']]);
    for (const f of [...of(findings, 'F3'), ...of(findings, 'F4'), ...f5]) expectLines(dir, f);
  });
});
