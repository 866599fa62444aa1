// The lazy flow list a `.cache/` hit hands out (src/model/flow-list.ts): entries made on first
// read, one at a time for index reads, all at once for anything else, and a plain complete array
// to every reader.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flowKeyOf, lazyFlowList } from '../../src/model/flow-list.js';
import type { FlowEntry } from '../../src/model/flow.js';
import { parseOfctlFlows } from '../../src/parse/ofctl-flows.js';

const DUMP = resolve(import.meta.dirname, '../../fixtures/lb-nat-3chassis/hosts/hv1/ovs-ofctl.dump-flows.br-int.out');
const eager: readonly FlowEntry[] = parseOfctlFlows(readFileSync(DUMP, 'utf8')).value.flows;

/** A lazy list over `eager` whose entries are fresh objects, and how many were made. */
function counted(): { list: readonly FlowEntry[]; made: () => number } {
  let made = 0;
  const list = lazyFlowList(
    eager.length,
    (i) => {
      made++;
      return { ...eager[i]! };
    },
    { table: (i) => eager[i]!.table, priority: (i) => eager[i]!.priority, cookie: (i) => eager[i]!.cookie, line: (i) => eager[i]!.line },
  );
  return { list, made: () => made };
}

describe('lazy flow list', () => {
  it('makes an entry on its first read by index, once, and nothing for length or keys', () => {
    expect(eager.length).toBeGreaterThan(300);
    const { list, made } = counted();
    expect(list.length).toBe(eager.length);
    const key = flowKeyOf(list);
    for (let i = 0; i < eager.length; i++) expect([key.table(i), key.priority(i), key.cookie(i), key.line(i)]).toEqual([eager[i]!.table, eager[i]!.priority, eager[i]!.cookie, eager[i]!.line]);
    expect(made()).toBe(0);
    const a = list[7]!;
    expect(a).toEqual(eager[7]);
    expect(list[7]).toBe(a);
    expect(list[eager.length]).toBeUndefined();
    expect(made()).toBe(1);
  });

  it('reads as the eager array through index reads in any order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: eager.length - 1 }), { maxLength: 60 }), (reads) => {
        const { list, made } = counted();
        for (const i of reads) if (!isDeepStrictEqual(list[i], eager[i])) return false;
        return made() === new Set(reads).size;
      }),
    );
  });

  it('is a complete plain array to iteration, methods, key listing, JSON and deep comparison', () => {
    const checks: [string, (l: readonly FlowEntry[]) => unknown][] = [
      ['spread', (l) => [...l]],
      ['for-of', (l) => {
        const out: FlowEntry[] = [];
        for (const f of l) out.push(f);
        return out;
      }],
      ['map', (l) => l.map((f) => f.line)],
      ['filter', (l) => l.filter((f) => f.table === 0).length],
      ['find', (l) => l.find((f) => f.priority === 0)?.line],
      ['keys', (l) => Object.keys(l).length],
      ['json', (l) => JSON.stringify(l, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).length],
    ];
    for (const [what, f] of checks) {
      const { list, made } = counted();
      expect(f(list), what).toEqual(f(eager));
      expect(made(), what).toBe(eager.length);
    }
    const { list } = counted();
    expect(Array.isArray(list)).toBe(true);
    expect(isDeepStrictEqual(list, eager)).toBe(true);
  });

  it('cannot be written to', () => {
    const { list } = counted();
    const w = list as FlowEntry[];
    expect(() => (w[0] = eager[1]!)).toThrow(/read-only/);
    expect(() => w.push(eager[0]!)).toThrow(/read-only/);
    expect(() => delete w[0]).toThrow(/read-only/);
  });

  it('gives the entries’ own table, priority, cookie and line for a plain array', () => {
    const key = flowKeyOf(eager);
    expect([key.table(3), key.priority(3), key.cookie(3), key.line(3)]).toEqual([eager[3]!.table, eager[3]!.priority, eager[3]!.cookie, eager[3]!.line]);
  });
});
