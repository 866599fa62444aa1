// The shared JSON reader (src/parse/json-text.ts): what each option changes, and that without
// problems it reads exactly what JSON.parse reads. Its callers' own behaviour (FRR, ip -j,
// ethtool, OVSDB) is tested with their parsers.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonReader, type JsonReadOptions } from '../../src/parse/json-text.js';

const read = (text: string, options: JsonReadOptions = {}) => {
  const r = new JsonReader(text, options);
  return { value: r.document(), r };
};

describe('shared JSON reader', () => {
  it('reads what JSON.parse reads, with every combination of options (property)', () => {
    const combos: JsonReadOptions[] = [{}, { bigints: true }, { positions: true }, { trailingCommas: true }, { bigints: true, positions: true, trailingCommas: true }];
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...combos), (v, options) => {
        const text = JSON.stringify(v, null, 1);
        const { value, r } = read(text, options);
        expect(r.error).toBeUndefined();
        // With bigints, an integer beyond 2^53 is exact where JSON.parse rounds it: compare rounded.
        const rounded = (x: unknown): unknown => (typeof x === 'bigint' ? Number(x) : Array.isArray(x) ? x.map(rounded) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, rounded(y)])) : x);
        expect(rounded(value)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('bigints: integers beyond 2^53 exact; otherwise numbers as JSON.parse gives them', () => {
    expect(read('[9007199254740993, 1.5, 3]', { bigints: true }).value).toEqual([9007199254740993n, 1.5, 3]);
    expect(read('[9007199254740993]').value).toEqual([9007199254740992]);
  });

  it('trailing commas: an error by default; read past and recorded with the option', () => {
    expect(read('{"a": [1, 2,], "b": 3,}').r.error?.message).toMatch(/expected a JSON value/);
    const { value, r } = read('{"a": [1, 2,], "b": 3,}', { trailingCommas: true });
    expect(r.error).toBeUndefined();
    expect(value).toEqual({ a: [1, 2], b: 3 });
    expect(r.trailingCommas).toEqual([
      { offset: 11, close: ']' },
      { offset: 21, close: '}' },
    ]);
  });

  it('positions: the offset of each key and element, and of each container', () => {
    const text = '{"a": {"b": 1},\n "c": [10, 20]}';
    const { value, r } = read(text, { positions: true });
    const o = value as { a: object; c: unknown[] };
    expect(r.positions.get(o)?.get('c')).toBe(text.indexOf('"c"'));
    expect(r.positions.get(o.c)?.get(1)).toBe(text.indexOf('20'));
    expect(r.starts.get(o.a)).toBe(text.indexOf('{"b"'));
    expect(read(text).r.positions.get(read(text).value as object)).toBeUndefined();
  });

  it('keeps what it read before an error and marks the containers it broke inside of', () => {
    const { value, r } = read('{"data": [[1, 2], [3, 4], [5,');
    expect(r.error?.message).toMatch(/output truncated/);
    const data = (value as { data: unknown[][] }).data;
    expect(data.slice(0, 2)).toEqual([[1, 2], [3, 4]]);
    expect(r.incomplete.has(data)).toBe(true);
    expect(r.incomplete.has(data[0]!)).toBe(false);
  });

  it('gives objects no prototype: a "__proto__" key is data', () => {
    const o = read('{"__proto__": {"x": 1}}').value as Record<string, unknown>;
    expect(Object.getPrototypeOf(o)).toBe(null);
    expect(o['__proto__']).toEqual({ x: 1 });
  });
});
