/**
 * The fast path of the OVSDB JSON reader (src/parse/ovsdb-json.ts): JSON.parse first, the
 * tolerant reader again only when a cell needs exact integers; shared empty sets and maps;
 * arrays JSON.parse made taken over as they are. Checked against what the values must be and
 * against the tolerant reader, which a truncated text forces.
 */
import { describe, expect, it } from 'vitest';
import { EMPTY_MAP, EMPTY_SET, asMap, type OvsdbValue } from '../../src/model/ovsdb.js';
import { parseOvsdbJson, parseOvsdbRows, toSbLogicalFlows } from '../../src/parse/ovsdb-json.js';

const U1 = '4ece0421-f876-445a-905e-e774c5ce2e1c';
const U2 = '909CE123-9291-4A2C-8605-D3BAED1260CF';

const cells = (text: string) => parseOvsdbJson(text).value.rows.map((r) => Object.fromEntries(r.cells) as Record<string, OvsdbValue>);

describe('exact integers', () => {
  it('reads the whole table again exactly when any cell holds an integer beyond 2^53', () => {
    // JSON.parse would round these; the one in a map value is what makes the reader go again
    const text = `{"data":[[1,["map",[["a",18446744073709551615]]],["set",[9007199254740993,2]]],[2,["map",[]],["set",[]]]],"headings":["n","m","s"]}`;
    const r = parseOvsdbJson(text);
    expect(r.diagnostics).toEqual([]);
    const [a, b] = cells(text);
    expect(a!.m).toEqual({ kind: 'map', entries: [['a', 18446744073709551615n]] });
    expect(a!.s).toEqual({ kind: 'set', items: [9007199254740993n, 2] });
    expect(a!.n).toBe(1);
    expect(b!.n).toBe(2);
  });

  it('keeps numbers that JSON.parse reads exactly as numbers, and long digit runs in strings as text', () => {
    const text = `{"data":[[9007199254740991,1.5e300,"12345678901234567890",-0.25]],"headings":["a","b","c","d"]}`;
    const [a] = cells(text);
    expect(a).toEqual({ a: 9007199254740991, b: 1.5e300, c: '12345678901234567890', d: -0.25 });
  });

  it('reads the same values from a text the tolerant reader has to read (no closing brace)', () => {
    const row = `[["uuid","${U1}"],["map",[["k","v"],["n",7]]],["set",[]],["map",[]],["set",["x",["uuid","${U2}"]]],12345678901234567890]`;
    const whole = `{"data":[${row},${row}],"headings":["_uuid","m","s","e","t","big"]}`;
    const cut = `{"data":[${row},${row},[1`;
    const fast = parseOvsdbJson(whole).value.rows;
    const slow = parseOvsdbJson(cut, undefined, { fallbackHeadings: ['_uuid', 'm', 's', 'e', 't', 'big'] }).value.rows;
    expect(slow).toEqual(fast);
    expect(fast[0]!.uuid).toBe(U1);
    expect(fast[0]!.cells.get('big')).toBe(12345678901234567890n);
  });
});

describe('shared and adopted values', () => {
  it('gives every empty set and map the shared frozen EMPTY_SET / EMPTY_MAP', () => {
    const [a, b] = cells(`{"data":[[["set",[]],["map",[]]],[["set",[]],["map",[]]]],"headings":["s","m"]}`);
    for (const r of [a!, b!]) {
      expect(r.s).toBe(EMPTY_SET);
      expect(r.m).toBe(EMPTY_MAP);
    }
    expect(Object.isFrozen(EMPTY_SET.items) && Object.isFrozen(EMPTY_MAP.entries)).toBe(true);
  });

  it('decodes uuids inside sets and maps next to plain atoms', () => {
    const [a] = cells(`{"data":[[["set",["a",["uuid","${U1}"],"b"]],["map",[["k",["uuid","${U2}"]],["j","v"],[1,["named-uuid","row1"]]]]]],"headings":["s","m"]}`);
    expect(a!.s).toEqual({ kind: 'set', items: ['a', { kind: 'uuid', uuid: U1 }, 'b'] });
    expect(a!.m).toEqual({ kind: 'map', entries: [['k', { kind: 'uuid', uuid: U2 }], ['j', 'v'], [1, { kind: 'named-uuid', name: 'row1' }]] });
    expect(asMap(a!.m)).toEqual(Object.assign(Object.create(null), { k: U2, j: 'v', 1: 'row1' }));
  });

  it('drops bad atoms inside sets and maps with a diagnostic at their place, keeping the good ones in order', () => {
    const text = `{"data":[[["set",["a",{"x":1},"b"]],["map",[["k","v"],["bad"],["j",[1,2,3]],["i","w"]]]]],"headings":["s","m"]}`;
    const r = parseOvsdbJson(text);
    const c = Object.fromEntries(r.value.rows[0]!.cells);
    expect(c.s).toEqual({ kind: 'set', items: ['a', 'b'] });
    expect(c.m).toEqual({ kind: 'map', entries: [['k', 'v'], ['i', 'w']] });
    expect(r.diagnostics.map((d) => [d.message.split(':')[0], d.line, d.column])).toEqual([
      ['data[0][0][1][1]', 1, text.indexOf('{"x":1}') + 1],
      ['data[0][1][1][1]', 1, text.indexOf('["bad"]') + 1],
      ['data[0][1][1][2][1]', 1, text.indexOf('[1,2,3]') + 1],
    ]);
  });

  it('accepts uuids in either case, and warns about malformed ones at their place (kept as is)', () => {
    const bad1 = U1.replace('-', '_');
    const bad2 = `${U1}0`;
    const text = `{"data":[[["uuid","${U1}"]],[["uuid","${U2}"]],[["uuid","${bad1}"]],[["uuid","${bad2}"]]],"headings":["_uuid"]}`;
    const r = parseOvsdbJson(text);
    expect(r.value.rows.map((x) => x.uuid)).toEqual([U1, U2, bad1, bad2]);
    expect(r.diagnostics.map((d) => [d.severity, d.message.split(':')[0], d.column])).toEqual([
      ['warning', 'data[2][0]', text.indexOf(`["uuid","${bad1}"]`) + 1],
      ['warning', 'data[3][0]', text.indexOf(`["uuid","${bad2}"]`) + 1],
    ]);
  });

  it('gives typed rows their problems with a line and column, and nothing when there is none', () => {
    const good = parseOvsdbRows(`{"data":[[["uuid","${U1}"],"next;",["map",[["stage-name","ls_in_acl"]]],"ingress",100,19,"ip4"]],"headings":["_uuid","actions","external_ids","pipeline","priority","table_id","match"]}`, toSbLogicalFlows, 'lf.json');
    expect(good.diagnostics).toEqual([]);
    expect(good.value[0]).toMatchObject({ uuid: U1, actions: 'next;', stageName: 'ls_in_acl', priority: 100, tableId: 19, match: 'ip4' });
    const row = `[["uuid","${U1}"],"next;",["map",[]],"ingress","high",19,"ip4"]`;
    const bad = parseOvsdbRows(`{"data":[\n${row}]\n,"headings":["_uuid","actions","external_ids","pipeline","priority","table_id","match"]}`, toSbLogicalFlows, 'lf.json');
    expect(bad.diagnostics).toMatchObject([{ severity: 'warning', file: 'lf.json', line: 2, column: row.indexOf('"high"') + 1, excerpt: '"high"' }]);
    expect(bad.diagnostics[0]!.message).toContain('column "priority"');
  });
});
