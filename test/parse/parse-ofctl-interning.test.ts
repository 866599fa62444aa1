/**
 * The fast paths of the dump-flows parser (src/parse/ofctl-flows.ts): the byte window it hashes
 * and compares in, the interning of tokens, actions and action lists, the header read from bytes.
 * Each is checked against a path that does not use it: a dump against its lines parsed one by
 * one (every line gets its own window and its own intern tables), values against formatFlow's
 * round trip.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Action, FlowEntry } from '../../src/model/flow.js';
import { formatFlow, parseDumpHeader, parseFlowLine, parseOfctlFlows } from '../../src/parse/ofctl-flows.js';

const here = dirname(fileURLToPath(import.meta.url));
const DIRS = [resolve(here, '../fixtures/ofctl'), resolve(here, '../fixtures/public/ovs-ofctl-dump-flows')];

/** Every flow line of the fixtures, trimmed. */
const realLines: string[] = DIRS.flatMap((d) =>
  readdirSync(d)
    .filter((f) => !f.includes('dump-groups'))
    .flatMap((f) => readFileSync(join(d, f), 'utf8').split('\n'))
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && l !== '...' && !parseDumpHeader(l, 1)),
);

/** The flows of `text`, each line also parsed alone: the two must agree exactly. */
function expectSameAsLineByLine(text: string): FlowEntry[] {
  const r = parseOfctlFlows(text);
  const lines = text.split('\n');
  const alone = lines.map((l, i) => parseFlowLine(l, { line: i + 1 }));
  expect(r.diagnostics).toEqual(alone.flatMap((a) => a.diagnostics));
  expect(r.value.flows).toEqual(alone.map((a) => a.value).filter((v) => v !== undefined));
  return [...r.value.flows];
}

function deepFrozen(v: unknown, seen = new Set<unknown>()): boolean {
  if (typeof v !== 'object' || v === null || seen.has(v)) return true;
  seen.add(v);
  if (!Object.isFrozen(v)) return false;
  // `field` is the field registry's definition, not the parser's to freeze.
  return Object.entries(v).every(([k, x]) => k === 'field' || deepFrozen(x, seen));
}

describe('the byte window', () => {
  it('has real lines to work with', () => {
    expect(realLines.length).toBeGreaterThan(5000);
  });

  it('a dump several windows long reads as its lines do one by one', () => {
    // ~1.5 MB: six windows of 256k characters, lines cut at every possible place by their edges.
    const lines: string[] = [];
    let size = 0;
    for (let i = 0; size < 1_500_000; i++) {
      const l = realLines[(i * 7919) % realLines.length]!;
      lines.push(i % 5 === 0 ? ` ${l}` : l);
      size += l.length + 1;
    }
    const flows = expectSameAsLineByLine(lines.join('\n'));
    expect(flows.length).toBe(lines.length);
    expect(flows.map((f) => f.line)).toEqual(lines.map((_, i) => i + 1));
  });

  it('reads a line longer than a window', () => {
    const actions = Array.from({ length: 20_000 }, (_, i) => `load:0x${(i + 1).toString(16)}->NXM_NX_REG13[]`).join(',');
    const line = `cookie=0x1, table=40, priority=100,reg15=0x8004,metadata=0x1 actions=${actions},resubmit(,41)`;
    const text = `${realLines[0]}\n${line}\n${realLines[1]}`;
    const flows = expectSameAsLineByLine(text);
    expect(flows[1]!.actions).toHaveLength(20_001);
    expect(formatFlow(flows[1]!)).toBe(line);
  });

  it('reads windows with characters outside ASCII (stored as UTF-16) as ASCII ones', () => {
    const quoted = 'cookie=0x5, table=1, priority=100,in_port="tap-é,ü" actions=output:"vif-ñ",resubmit(,8)';
    const lines: string[] = [];
    for (let i = 0; i < 4000; i++) lines.push(realLines[i % realLines.length]!);
    // one non-ASCII line in the middle: its window is UTF-16, the ones around it are not
    lines.splice(2000, 0, quoted, '\u00a0priority=1,ip actions=drop', 'priority=2,ip,nw_src=10.0.0.1 actions=note:00.01\u2028');
    const flows = expectSameAsLineByLine(lines.join('\n'));
    const f = flows.find((x) => x.cookie === 5n)!;
    expect(f.match.items[0]!.port).toEqual({ kind: 'name', name: 'tap-é,ü' });
    expect(formatFlow(f)).toBe(quoted);
  });
});

describe('interning', () => {
  const dump = [
    'cookie=0x1, table=44, priority=110,ipv6,reg0=0x4/0x4,metadata=0x1e actions=ct(table=45,zone=NXM_NX_REG13[0..15],nat)',
    'cookie=0x2, table=44, priority=110,ip,reg0=0x4/0x4,metadata=0x1e actions=ct(table=45,zone=NXM_NX_REG13[0..15],nat)',
    'cookie=0x3, table=45, priority=100,ip,reg0=0x4/0x4,metadata=0x6 actions=load:0x1->NXM_NX_REG10[12],resubmit(,46)',
  ].join('\n');

  it('flows share one frozen object per distinct token, action and action list', () => {
    const [a, b, c] = parseOfctlFlows(dump).value.flows as FlowEntry[];
    expect(a!.match.items[0]).toBe(b!.match.items[0]); // reg0=0x4/0x4
    expect(a!.match.items[1]).toBe(b!.match.items[1]); // metadata=0x1e
    expect(a!.match.items[0]).toBe(c!.match.items[0]);
    expect(a!.match.items[1]).not.toBe(c!.match.items[1]);
    expect(a!.actions).toBe(b!.actions);
    for (const f of [a!, b!, c!]) {
      expect(deepFrozen(f.actions)).toBe(true);
      for (const it of f.match.items) expect(deepFrozen(it)).toBe(true);
    }
    // and the values are what the line alone gives
    expect([a, b, c]).toEqual(dump.split('\n').map((l, i) => parseFlowLine(l, { line: i + 1 }).value));
  });

  it('shares a single action between different lists', () => {
    const [x, y] = parseOfctlFlows('priority=1 actions=resubmit(,8),drop\npriority=2 actions=load:0x1->NXM_NX_REG0[],resubmit(,8)').value.flows as FlowEntry[];
    expect(x!.actions[0]).toBe(y!.actions[1]);
    expect(x!.actions).not.toBe(y!.actions);
  });

  it('does not share a list of actions that has a problem: every flow with it reports it', () => {
    const r = parseOfctlFlows('priority=1 actions=frob,resubmit(,8)\npriority=2 actions=frob,resubmit(,8)\npriority=3 actions=frob,resubmit(,8)');
    expect(r.value.flows).toHaveLength(3);
    expect(r.diagnostics.map((d) => [d.severity, d.line, d.column])).toEqual([
      ['warning', 1, 20],
      ['warning', 2, 20],
      ['warning', 3, 20],
    ]);
    const lists = r.value.flows.map((f) => f.actions);
    expect(lists[0]).not.toBe(lists[1]);
    expect(lists.map((l) => (l[0] as Extract<Action, { type: 'unknown' }>).text)).toEqual(['frob', 'frob', 'frob']);
  });

  it('reads a quoted token whole even when a token equal to a part of it was seen before', () => {
    // `in_port="a` is the text before the first comma of the quoted token: it must not be
    // mistaken for a token seen before, and `in_port="a"` must not either.
    const text = ['priority=1,in_port="a" actions=drop', 'priority=2,in_port="a,b",ip actions=drop', 'priority=3,in_port="a",ip actions=drop', 'priority=4,in_port="a\\",b",ip actions=drop'].join('\n');
    const flows = expectSameAsLineByLine(text);
    expect(flows.map((f) => f.match.items[0]!.port)).toEqual([
      { kind: 'name', name: 'a' },
      { kind: 'name', name: 'a,b' },
      { kind: 'name', name: 'a' },
      { kind: 'name', name: 'a",b' },
    ]);
    expect(flows[0]!.match.items[0]).toEqual(flows[2]!.match.items[0]);
  });

  it('keeps protocol shorthands apart from items, and reports a second one', () => {
    const r = parseOfctlFlows('priority=1,tcp,reg0=0x1 actions=drop\npriority=2,reg0=0x1,tcp actions=drop\npriority=3,tcp,udp actions=drop');
    const [a, b] = r.value.flows;
    expect([a!.match.protocol, a!.match.protocolIndex, b!.match.protocol, b!.match.protocolIndex]).toEqual(['tcp', 0, 'tcp', 1]);
    expect(r.diagnostics).toMatchObject([{ severity: 'error', line: 3, column: 16, message: 'second protocol shorthand "udp"' }]);
  });
});

describe('the header and the priority', () => {
  it('reads what OVS prints and what it does not the same way as a line alone', () => {
    const lines = [
      'cookie=0xf2363d5a, duration=112.303s, table=0, n_packets=0, n_bytes=0, idle_age=112, priority=100,in_port=27 actions=drop',
      'cookie=0x1, duration=5s, table=1, n_packets=?, n_bytes=18446744073709551615, priority=1 actions=drop',
      'cookie=0x123456789abcdef, table=2, priority=2 actions=drop', // 15 hex digits: beyond the number fast path
      'cookie=0x1,table=3,priority=3 actions=drop', // no space after the commas
      'table=0000000000000000001, priority=1 actions=drop', // too many digits: an error
      'table=256, priority=1 actions=drop',
      'cookie=0x5, duration=1.0000000001s, table=0, actions=drop',
      'cookie=0x6, table=4, n_packets=3, n_bytes=300, idle_timeout=10, hard_timeout=20, importance=3, send_flow_rem idle_age=2, hard_age=1, priority=10,ip actions=drop',
      'priority=65536,ip actions=drop',
      'priority=00100,ip actions=drop',
      'priority=,ip actions=drop',
      'ip,priority=5 actions=drop',
      'priority=7 actions=drop',
    ];
    const r = parseOfctlFlows(lines.join('\n'));
    const flows = expectSameAsLineByLine(lines.join('\n'));
    expect(r.value.unparsed.map((u) => u.line)).toEqual([5, 6, 7, 9, 11]);
    expect(flows.map((f) => f.priority)).toEqual([100, 1, 2, 3, 10, 100, 5, 7]);
    expect(flows[1]!.stats).toEqual({ durationSec: 5, durationNsec: 0, nPackets: (1n << 64n) - 1n, nBytes: (1n << 64n) - 1n, idleAge: undefined, hardAge: undefined });
    expect(flows[2]!.cookie).toBe(0x123456789abcdefn);
    expect(flows[4]).toMatchObject({ idleTimeout: 10, hardTimeout: 20, importance: 3, flags: ['send_flow_rem'], stats: { idleAge: 2, hardAge: 1 } });
    // lines as OVS prints them come back verbatim
    for (const [i, k] of [[0, 0], [2, 2], [7, 12]] as const) expect(formatFlow(flows[i]!)).toBe(lines[k]);
  });

  it('shares statistics between flows whose numbers are the same, and only then', () => {
    const base = 'cookie=0x1, duration=7.5s, table=0, n_packets=4, n_bytes=400, idle_age=3, priority=1 actions=drop';
    const text = [base, base.replace('cookie=0x1', 'cookie=0x2'), base.replace('n_bytes=400', 'n_bytes=401'), base.replace('idle_age=3, ', ''), base.replace('n_packets=4', 'n_packets=?'), base.replace('n_packets=4', 'n_packets=?'), base].join('\n');
    const s = expectSameAsLineByLine(text).map((f) => f.stats!);
    expect(s[1]).toBe(s[0]);
    expect(s[6]).toBe(s[0]);
    expect(new Set([s[0], s[2], s[3], s[4]]).size).toBe(4);
    expect(s[5]).toBe(s[4]);
    expect(s[4]!.nPackets).toBe((1n << 64n) - 1n);
    expect(s.every((x) => Object.isFrozen(x))).toBe(true);
  });
});
