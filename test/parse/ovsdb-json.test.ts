import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  KNOWN_HEADINGS,
  formatJsonPath,
  lineColumn,
  locateJsonPaths,
  ovsdbTableFromJson,
  parseOvsdbJson,
  parseOvsdbRows,
  toNbAcls,
  toNbAddressSets,
  toNbLoadBalancers,
  toNbLoadBalancerGroups,
  toNbLogicalRouterPorts,
  toNbLogicalRouters,
  toNbLogicalSwitchPorts,
  toNbLogicalSwitches,
  toNbNats,
  toNbPortGroups,
  toNbStaticRoutes,
  toOpenVswitch,
  toOvsBridges,
  toOvsInterfaces,
  toOvsPorts,
  toSbChassis,
  toSbDatapathBindings,
  toSbEncaps,
  toSbHaChassis,
  toSbHaChassisGroups,
  toSbLoadBalancers,
  toSbLogicalDpGroups,
  toSbLogicalFlows,
  toSbMacBindings,
  toSbMulticastGroups,
  toSbPortBindings,
  type RowConverter,
} from '../../src/parse/ovsdb-json.js';
import {
  asBigInt,
  asBool,
  asInt,
  asIntSet,
  asMap,
  asReal,
  asString,
  asStringSet,
  asUuid,
  asUuidSet,
  isEmpty,
  mapEntries,
  mapGet,
  scalarAtom,
  toOvsdbJson,
  type OvsdbAtom,
  type OvsdbTable,
  type OvsdbValue,
} from '../../src/model/ovsdb.js';

const FIX = new URL('../fixtures/ovsdb/', import.meta.url);
const fixture = (rel: string) => readFileSync(new URL(rel, FIX), 'utf8');
const fixtureFiles = (dir: string) => readdirSync(new URL(`${dir}/`, FIX)).filter((f) => f.endsWith('.json')).map((f) => `${dir}/${f}`);
const ALL_FIXTURES = ['hv1', 'hv2', 'hv3', 'nd', 'sb', 'nb', 'public'].flatMap(fixtureFiles);

const U1 = '4ece0421-f876-445a-905e-e774c5ce2e1c';
const U2 = '909ce123-9291-4a2c-8605-d3baed1260cf';

/** One-row table with the given cells. */
const oneRow = (cells: Record<string, unknown>) => JSON.stringify({ data: [Object.values(cells)], headings: Object.keys(cells) });
const cellOf = (json: unknown): OvsdbValue | undefined => {
  const { value } = parseOvsdbJson(oneRow({ c: json }));
  return value.rows[0]?.cells.get('c');
};

const ALL_CONVERTERS: RowConverter<unknown>[] = [
  toOpenVswitch, toOvsBridges, toOvsPorts, toOvsInterfaces,
  toSbChassis, toSbEncaps, toSbPortBindings, toSbDatapathBindings, toSbLogicalFlows, toSbLogicalDpGroups, toSbMulticastGroups, toSbMacBindings, toSbLoadBalancers, toSbHaChassisGroups, toSbHaChassis,
  toNbLogicalSwitches, toNbLogicalSwitchPorts, toNbLogicalRouters, toNbLogicalRouterPorts, toNbAcls, toNbPortGroups, toNbAddressSets, toNbLoadBalancers, toNbLoadBalancerGroups, toNbNats, toNbStaticRoutes,
] as RowConverter<unknown>[];

describe('OVSDB JSON encodings', () => {
  it('reads a bare atom in a set column as a one-element set', () => {
    const v = cellOf('10.0.9.9');
    expect(v).toBe('10.0.9.9');
    expect(asStringSet(v)).toEqual(['10.0.9.9']);
    expect(asString(v)).toBe('10.0.9.9');
  });

  it('reads the empty set as "none" for optional scalars and [] for sets', () => {
    const v = cellOf(['set', []]);
    expect(v).toEqual({ kind: 'set', items: [] });
    expect(isEmpty(v)).toBe(true);
    expect(asString(v)).toBeUndefined();
    expect(asInt(v)).toBeUndefined();
    expect(asUuid(v)).toBeUndefined();
    expect(asStringSet(v)).toEqual([]);
    expect(asUuidSet(v)).toEqual([]);
  });

  it('reads sets of two or more atoms', () => {
    expect(asIntSet(cellOf(['set', [10, 20, 30]]))).toEqual([10, 20, 30]);
    expect(asUuidSet(cellOf(['set', [['uuid', U1], ['uuid', U2]]]))).toEqual([U1, U2]);
    expect(asUuidSet(cellOf(['uuid', U1]))).toEqual([U1]);
    // a set is not a scalar
    expect(asString(cellOf(['set', ['a', 'b']]))).toBeUndefined();
    // mixed atom types are not a set of strings
    expect(asStringSet(cellOf(['set', ['a', 1]]))).toBeUndefined();
  });

  it('reads uuid and named-uuid atoms', () => {
    expect(cellOf(['uuid', U1])).toEqual({ kind: 'uuid', uuid: U1 });
    expect(asUuid(cellOf(['uuid', U1]))).toBe(U1);
    expect(cellOf(['named-uuid', 'row0'])).toEqual({ kind: 'named-uuid', name: 'row0' });
    expect(asUuid(cellOf(['named-uuid', 'row0']))).toBeUndefined();
  });

  it('reads maps with string, integer and uuid values', () => {
    const m = cellOf(['map', [['csum', 'true'], ['key', 'flow'], ['remote_ip', '192.168.0.2']]]);
    expect(asMap(m)).toEqual({ csum: 'true', key: 'flow', remote_ip: '192.168.0.2' });
    expect(mapGet(m, 'key')).toBe('flow');
    const stats = cellOf(['map', [['rx_bytes', 42], ['tx_packets', 1]]]);
    expect(mapEntries(stats)).toEqual([['rx_bytes', 42], ['tx_packets', 1]]);
    expect(asMap(stats)).toEqual({ rx_bytes: '42', tx_packets: '1' });
    const dps = cellOf(['map', [['system', ['uuid', U1]]]]);
    expect(mapEntries(dps)).toEqual([['system', { kind: 'uuid', uuid: U1 }]]);
    expect(asMap(dps)).toEqual({ system: U1 });
  });

  it('keeps integer map keys apart from string keys', () => {
    // QoS.queues is map<integer, uuid>
    const q = cellOf(['map', [[0, ['uuid', U1]], [1, ['uuid', U2]]]]);
    const entries = mapEntries(q)!;
    expect(entries.map(([k]) => typeof k)).toEqual(['number', 'number']);
    expect(asMap(q)).toEqual({ '0': U1, '1': U2 });
    const s = cellOf(['map', [['0', 'x']]]);
    expect(mapEntries(s)!.map(([k]) => typeof k)).toEqual(['string']);
    expect(mapGet(q, '1')).toEqual({ kind: 'uuid', uuid: U2 });
  });

  it('distinguishes integers, strings, reals and booleans', () => {
    expect(asInt(cellOf(1442))).toBe(1442);
    expect(asInt(cellOf('1442'))).toBeUndefined();
    expect(asString(cellOf(1442))).toBeUndefined();
    expect(asInt(cellOf(0.5))).toBeUndefined();
    expect(asReal(cellOf(0.5))).toBe(0.5);
    expect(asBool(cellOf(false))).toBe(false);
    expect(asBool(cellOf('false'))).toBeUndefined();
    expect(asInt(cellOf(-1))).toBe(-1);
  });

  it('keeps 64-bit integers exact', () => {
    const text = '{"data":[[18446744073709551615,-9223372036854775808,9007199254740993]],"headings":["a","b","c"]}';
    const { value, diagnostics } = parseOvsdbJson(text);
    expect(diagnostics).toEqual([]);
    const cells = value.rows[0].cells;
    expect(cells.get('a')).toBe(18446744073709551615n);
    expect(cells.get('b')).toBe(-9223372036854775808n);
    expect(asBigInt(cells.get('c'))).toBe(9007199254740993n);
    expect(asInt(cells.get('c'))).toBeUndefined();
    expect(asReal(cells.get('a'))).toBe(18446744073709551615);
  });

  it('decodes string escapes the same way on the fast and the tolerant path', () => {
    const s = 'a"b\\c\u00e9\n\t\u0001/é';
    const fast = parseOvsdbJson(oneRow({ c: s }));
    // a long digit run forces the tolerant reader
    const slow = parseOvsdbJson(JSON.stringify({ data: [[s, 12345678901234567]], headings: ['c', 'n'] }));
    expect(fast.value.rows[0].cells.get('c')).toBe(s);
    expect(slow.value.rows[0].cells.get('c')).toBe(s);
    expect(slow.diagnostics).toEqual([]);
    const escaped = parseOvsdbJson('{"data":[["\\u00e9\\/\\b\\f\\r", 12345678901234567]],"headings":["c","n"]}');
    expect(escaped.value.rows[0].cells.get('c')).toBe('é/\b\f\r');
  });

  it('treats keys such as __proto__ as ordinary keys', () => {
    const m = asMap(cellOf(['map', [['__proto__', 'x'], ['constructor', 'y']]]))!;
    expect(Object.keys(m)).toEqual(['__proto__', 'constructor']);
    expect(m['__proto__']).toBe('x');
    const t = parseOvsdbJson('{"data":[["v"]],"headings":["__proto__"]}');
    expect(t.value.rows[0].cells.get('__proto__')).toBe('v');
  });

  it('round-trips every cell of every captured fixture', () => {
    for (const f of ALL_FIXTURES) {
      const text = fixture(f);
      const json = JSON.parse(text) as { data: unknown[][]; headings: string[] };
      const { value } = parseOvsdbJson(text, f);
      expect(value.rows.length, f).toBe(json.data.length);
      value.rows.forEach((row, i) => {
        json.headings.forEach((h, c) => expect(toOvsdbJson(row.cells.get(h)!), `${f} data[${i}][${c}]`).toEqual(json.data[i][c]));
      });
    }
  });

  it('scalarAtom accepts a one-element set even though OVS never prints one', () => {
    expect(scalarAtom({ kind: 'set', items: ['x'] })).toBe('x');
    expect(asString({ kind: 'set', items: ['x'] })).toBe('x');
  });
});

describe('real captures parse cleanly', () => {
  it.each(ALL_FIXTURES)('%s', (f) => {
    const { value, diagnostics } = parseOvsdbJson(fixture(f), f);
    expect(diagnostics).toEqual([]);
    expect(value.rows.length).toBeGreaterThan(0);
    for (const row of value.rows) {
      expect(row.cells.size).toBe(value.headings.length);
      if (value.headings.includes('_uuid')) expect(row.uuid).toMatch(/^[0-9a-f]{8}-/);
    }
  });

  it('uses the same column lists as KNOWN_HEADINGS', () => {
    const dirs = { ovs: 'hv1', sb: 'sb', nb: 'nb' } as const;
    for (const [db, tables] of Object.entries(KNOWN_HEADINGS)) {
      for (const [table, cols] of Object.entries(tables)) {
        const { value } = parseOvsdbJson(fixture(`${dirs[db as keyof typeof dirs]}/${table}.json`));
        expect(value.headings.join(' '), `${db} ${table}`).toBe(cols);
      }
    }
  });
});

describe('diagnostics say where', () => {
  it('points at a bad cell with its JSON path, line and column', () => {
    const obj = { data: [[['uuid', U1], 'ok', ['set', 1], ['map', [[1]]]]], headings: ['_uuid', 'name', 'ofport', 'options'] };
    const text = JSON.stringify(obj, null, 2);
    const { value, diagnostics } = parseOvsdbJson(text, 'x.json');
    expect(value.rows[0].cells.get('name')).toBe('ok');
    expect(value.rows[0].cells.has('ofport')).toBe(false);
    const set = diagnostics.find((d) => d.message.startsWith('data[0][2]:'))!;
    expect(set.message).toContain('expected ["set", […]]');
    expect(set.file).toBe('x.json');
    const lines = text.split('\n');
    expect(lines[set.line! - 1].slice(set.column! - 1)).toMatch(/^\[/);
    expect(set.excerpt).toMatch(/^\[\s*"set",\s*1\s*\]$/);
    const pair = diagnostics.find((d) => d.message.startsWith('data[0][3][1][0]:'))!;
    expect(pair.message).toContain('expected a [key, value] pair');
    expect(pair.line).toBeGreaterThan(set.line!);
  });

  it('reports JSON syntax errors with line and column', () => {
    const { value, diagnostics } = parseOvsdbJson('{"data":[["a"],["b",]],\n"headings":["x"]}');
    expect(diagnostics[0]).toMatchObject({ severity: 'error', line: 1, column: 21 });
    expect(diagnostics[0].message).toMatch(/^JSON: unexpected "\]"; expected a JSON value/);
    expect(value.rows.map((r) => r.cells.get('#0'))).toEqual(['a']);
  });

  it('says what the top level should be', () => {
    for (const text of ['[1,2]', '"x"', 'null', '42']) {
      const { value, diagnostics } = parseOvsdbJson(text);
      expect(value).toEqual({ headings: [], rows: [] });
      expect(diagnostics[0].message).toMatch(/^\(top level\): expected an object \{"data"/);
    }
    expect(parseOvsdbJson('').diagnostics[0].message).toMatch(/empty output/);
    expect(parseOvsdbJson('{"headings":["a"]}').diagnostics[0].message).toMatch(/no "data" member/);
    expect(parseOvsdbJson('{"data":{},"headings":["a"]}').diagnostics[0].message).toMatch(/^data: expected an array of rows/);
    expect(parseOvsdbJson('{"data":[[1],"x"],"headings":["a"]}').diagnostics[0].message).toMatch(/^data\[1\]: expected a row/);
    expect(parseOvsdbJson('{"data":[[1]],"headings":"a"}').diagnostics[0].message).toMatch(/^headings: expected an array/);
    expect(parseOvsdbJson('{"data":[[1]],"headings":[7]}').diagnostics[0].message).toMatch(/^headings\[0\]: expected a column name/);
  });

  it('flags rows whose width differs from the headings', () => {
    const { value, diagnostics } = parseOvsdbJson('{"data":[["a","b","c"],["d"]],"headings":["x","y"]}');
    expect(diagnostics.map((d) => d.message)).toEqual(['data[0]: row has 3 cells but there are 2 headings', 'data[1]: row has 1 cells but there are 2 headings']);
    expect(value.rows[1].cells.get('x')).toBe('d');
    expect(value.rows[1].cells.has('y')).toBe(false);
  });

  it('warns about duplicate headings and trailing text', () => {
    expect(parseOvsdbJson('{"data":[[1,2]],"headings":["a","a"]}').diagnostics[0]).toMatchObject({ severity: 'warning', message: expect.stringContaining('appears twice') });
    const t = parseOvsdbJson('{"data":[[1]],"headings":["a"]} trailing');
    expect(t.value.rows).toHaveLength(1);
    expect(t.diagnostics[0]).toMatchObject({ line: 1, column: 33, message: expect.stringContaining('unexpected text after the JSON value') });
  });

  it('warns about malformed uuids but keeps them', () => {
    const { value, diagnostics } = parseOvsdbJson(oneRow({ _uuid: ['uuid', 'not-a-uuid'] }));
    expect(value.rows[0].uuid).toBe('not-a-uuid');
    expect(diagnostics[0]).toMatchObject({ severity: 'warning', message: 'data[0][0]: "not-a-uuid" is not a UUID (kept as is)' });
  });

  it('reports type mismatches in typed rows with the cell position', () => {
    const text = oneRow({ _uuid: ['uuid', U1], name: 'p1', ofport: 'abc', options: ['map', [['csum', 'maybe'], ['dst_port', 'x']]], mtu: ['set', [1, 2]] });
    const { value, diagnostics } = parseOvsdbRows(text, toOvsInterfaces, 'if.json');
    expect(value[0]).toMatchObject({ name: 'p1', ofport: undefined, csum: undefined, dstPort: undefined, mtu: undefined });
    expect(diagnostics.map((d) => [d.message, d.column])).toEqual([
      [`data[0][2]: Interface row 0 (${U1}): column "ofport": expected an integer, got string "abc"`, text.indexOf('"abc"') + 1],
      ['data[0][3]: Interface row 0: options:csum="maybe" is not "true" or "false"', text.indexOf('["map"') + 1],
      ['data[0][3]: Interface row 0: options:dst_port="x" is not an integer', text.indexOf('["map"') + 1],
      [`data[0][4]: Interface row 0 (${U1}): column "mtu": expected an integer, got a set of 2 (1, 2)`, text.indexOf('["set",[1,2]]') + 1],
    ]);
    expect(diagnostics.every((d) => d.file === 'if.json' && d.severity === 'warning')).toBe(true);
  });

  it('caps the number of diagnostics', () => {
    const rows = Array.from({ length: 500 }, () => [null]);
    const { diagnostics } = parseOvsdbJson(JSON.stringify({ data: rows, headings: ['a'] }));
    expect(diagnostics).toHaveLength(201);
    expect(diagnostics[200].message).toBe('300 more problem(s) not shown');
  });
});

describe('truncated output', () => {
  const full = fixture('sb/Port_Binding.json');
  const fullRows = parseOvsdbJson(full).value.rows;

  it('keeps every complete row and names the columns from KNOWN_HEADINGS when the table is known', () => {
    const cut = full.slice(0, Math.floor(full.length * 0.6));
    const { value, diagnostics } = parseOvsdbJson(cut, 'pb.json', { table: { db: 'sb', table: 'Port_Binding' } });
    expect(diagnostics[0]).toMatchObject({ severity: 'error', file: 'pb.json', line: 1, column: cut.length + 1 });
    expect(diagnostics[0].message).toMatch(/^JSON: unexpected end of input/);
    expect(diagnostics.some((d) => d.severity === 'warning' && /assuming the 23 columns of Port_Binding/.test(d.message))).toBe(true);
    expect(diagnostics.some((d) => /row \d+ is incomplete/.test(d.message))).toBe(true);
    expect(value.rows.length).toBeGreaterThan(3);
    value.rows.forEach((r, i) => expect(r).toEqual(fullRows[i]));
    const typed = toSbPortBindings(value);
    expect(typed.value[0].logicalPort).toBe('lr0-public');
  });

  it('uses caller headings, or #N names when nothing is known', () => {
    const cut = full.slice(0, 2000);
    const h = KNOWN_HEADINGS.sb.Port_Binding.split(' ');
    expect(parseOvsdbJson(cut, undefined, { fallbackHeadings: h }).value.headings).toEqual(h);
    const anon = parseOvsdbJson(cut);
    expect(anon.value.headings[0]).toBe('#0');
    expect(anon.diagnostics.some((d) => /columns are named #0, #1/.test(d.message))).toBe(true);
    // a width mismatch with the known list is not papered over
    const other = parseOvsdbJson(cut, undefined, { table: { db: 'nb', table: 'ACL' } });
    expect(other.value.headings[0]).toBe('#0');
    expect(other.diagnostics.some((d) => /ACL in OVS 3.1 \/ OVN 23.03 has 12/.test(d.message))).toBe(true);
  });

  it('never throws and keeps an exact prefix of the rows, at every cut position', () => {
    const small = fixture('hv3/Port.json');
    const rows = parseOvsdbJson(small).value.rows;
    for (let i = 0; i < small.length; i++) {
      const cut = small.slice(0, i);
      const r = parseOvsdbJson(cut, 'p', { table: { db: 'ovs', table: 'Port' } });
      if (cut.trim() !== small.trim()) {
        expect(r.diagnostics.some((d) => d.severity === 'error'), `cut at ${i}`).toBe(true);
        const err = r.diagnostics.find((d) => d.severity === 'error')!;
        if (err.column !== undefined) expect(err.column).toBeLessThanOrEqual(i + 1);
      }
      r.value.rows.forEach((row, k) => expect(row).toEqual(rows[k]));
      toOvsPorts(r.value);
    }
  });
});

describe('helpers', () => {
  it('formats JSON paths', () => {
    expect(formatJsonPath(['data', 3, 5])).toBe('data[3][5]');
    expect(formatJsonPath([])).toBe('(top level)');
    expect(formatJsonPath(['a b', 0])).toBe('["a b"][0]');
  });

  it('locates paths in one pass, even in broken JSON', () => {
    const text = '{\n "data": [[1, "x"], [2, ["set", [3]]]],\n "headings": ["a", "b"]}';
    const offs = locateJsonPaths(text, [['data', 1, 1, 1, 0], ['headings', 1], ['data', 0]]);
    expect(text.slice(offs.get(JSON.stringify(['data', 1, 1, 1, 0]))!)).toMatch(/^3\]/);
    expect(text.slice(offs.get(JSON.stringify(['headings', 1]))!)).toMatch(/^"b"/);
    expect(lineColumn(text, offs.get(JSON.stringify(['headings', 1]))!)).toEqual({ line: 3, column: 20 });
    const broken = '{"data":[[1,"x"],[2,';
    expect(locateJsonPaths(broken, [['data', 1, 1], ['data', 1, 0]]).get(JSON.stringify(['data', 1, 0]))).toBe(18);
  });

  it('converts already-parsed JSON', () => {
    const { value, diagnostics } = ovsdbTableFromJson({ data: [[['uuid', U1], 'x']], headings: ['_uuid', 'name'] });
    expect(diagnostics).toEqual([]);
    expect(value.rows[0].uuid).toBe(U1);
  });
});

// -------------------------------------------------------------------------------------------
// Properties

/** JSON text of an OVSDB value, printing bigints exactly. */
function ovsdbJsonText(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(ovsdbJsonText).join(',')}]`;
  return JSON.stringify(v);
}

const atomArb: fc.Arbitrary<OvsdbAtom> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }).map((b) => (Number.isSafeInteger(Number(b)) && BigInt(Number(b)) === b ? Number(b) : b)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
  fc.boolean(),
  fc.uuid().map((uuid) => ({ kind: 'uuid' as const, uuid })),
  fc.string({ maxLength: 10 }).map((name) => ({ kind: 'named-uuid' as const, name })),
);
const valueArb: fc.Arbitrary<OvsdbValue> = fc.oneof(
  atomArb,
  fc.array(atomArb, { maxLength: 5 }).filter((a) => a.length !== 1).map((items) => ({ kind: 'set' as const, items })),
  fc.array(fc.tuple(atomArb, atomArb), { maxLength: 5 }).map((entries) => ({ kind: 'map' as const, entries })),
);

describe('properties', () => {
  it('round-trips arbitrary OVSDB values', () => {
    fc.assert(
      fc.property(fc.array(valueArb, { minLength: 1, maxLength: 6 }), (cells) => {
        const headings = cells.map((_, i) => `c${i}`);
        const text = `{"data":[${ovsdbJsonText(cells.map(toOvsdbJson))}],"headings":${JSON.stringify(headings)}}`;
        const { value, diagnostics } = parseOvsdbJson(text);
        expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        cells.forEach((c, i) => {
          const got = value.rows[0].cells.get(`c${i}`);
          if (typeof c === 'number' && Object.is(c, -0)) expect(got).toBe(0);
          else expect(got).toEqual(c);
        });
      }),
    );
  });

  it('never throws on random text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const r = parseOvsdbJson(s);
        expect(Array.isArray(r.value.rows)).toBe(true);
        for (const conv of ALL_CONVERTERS) conv(r.value);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random JSON-ish text built from OVSDB tokens', () => {
    const tok = fc.constantFrom('{', '}', '[', ']', ',', ':', '"data"', '"headings"', '"set"', '"map"', '"uuid"', '1', '"x"', 'true', 'null', ' ', '\n', '"', '\\', '1e999', '-', '12345678901234567890');
    fc.assert(
      fc.property(fc.array(tok, { maxLength: 60 }), (toks) => {
        const r = parseOvsdbJson(toks.join(''));
        for (const d of r.diagnostics) {
          expect(d.message.length).toBeGreaterThan(0);
          if (d.line !== undefined) expect(d.line).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('handles deep nesting without a stack overflow', () => {
    const deep = `{"data":[${'['.repeat(100_000)}`;
    expect(parseOvsdbJson(deep).diagnostics[0].message).toMatch(/nesting deeper than/);
    const deepClosed = `{"data":[[${'['.repeat(5000)}${']'.repeat(5000)}]],"headings":["a"]}`;
    expect(() => parseOvsdbJson(deepClosed)).not.toThrow();
  });

  it('turns random JSON of the wrong shape into diagnostics with a path', () => {
    const shape = fc.record({ data: fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.array(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }), { maxLength: 4 })), headings: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.array(fc.string(), { maxLength: 5 })) }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }), shape), (j) => {
        const r = parseOvsdbJson(JSON.stringify(j) ?? 'null', 'f.json');
        for (const d of r.diagnostics) {
          expect(d.message).toMatch(/^(\(top level\)|data|headings|JSON:)/);
          expect(d.file).toBe('f.json');
        }
        for (const conv of ALL_CONVERTERS) conv(r.value, { text: JSON.stringify(j) });
      }),
      { numRuns: 500 },
    );
  });

  it('a corrupted cell in a real fixture is reported at its own path and the rest survives', () => {
    const text = fixture('hv1/Interface.json');
    const json = JSON.parse(text) as { data: unknown[][]; headings: string[] };
    const good = parseOvsdbJson(text).value;
    const junk = fc.oneof(fc.constant(null), fc.constant({}), fc.constant(['set', 1]), fc.constant(['map', [[1, 2, 3]]]), fc.constant(['uuid']), fc.array(fc.constant(null), { minLength: 1, maxLength: 3 }));
    fc.assert(
      fc.property(fc.nat(json.data.length - 1), fc.nat(json.headings.length - 1), junk, (r, c, bad) => {
        const copy = JSON.parse(text) as typeof json;
        copy.data[r][c] = bad;
        const out = JSON.stringify(copy);
        const { value, diagnostics } = parseOvsdbJson(out);
        expect(diagnostics.length).toBeGreaterThan(0);
        for (const d of diagnostics) {
          expect(d.message.startsWith(`data[${r}][${c}]`)).toBe(true);
          expect(d.line).toBe(1);
          expect(out.slice(d.column! - 1)).toMatch(/^[[{n]/);
        }
        expect(value.rows.length).toBe(good.rows.length);
        for (const [h, v] of good.rows[r].cells) if (h !== json.headings[c]) expect(value.rows[r].cells.get(h)).toEqual(v);
        // typed conversion still works
        const t = toOvsInterfaces(value, { text: out });
        expect(t.value).toHaveLength(good.rows.length);
      }),
      { numRuns: 200 },
    );
  });

  it('converters never throw on tables of random values', () => {
    const cols = ['_uuid', 'name', 'type', 'ofport', 'options', 'external_ids', 'status', 'mtu', 'tunnel_key', 'logical_port', 'match', 'vips', 'ports', 'chassis', 'mac', 'priority', 'load_balancer'];
    fc.assert(
      fc.property(fc.array(fc.array(valueArb, { minLength: cols.length, maxLength: cols.length }), { maxLength: 4 }), (rows) => {
        const table: OvsdbTable = { headings: cols, rows: rows.map((cells, index) => ({ index, uuid: undefined, cells: new Map(cells.map((v, i) => [cols[i], v])) })) };
        for (const conv of ALL_CONVERTERS) {
          const r = conv(table);
          expect(r.value).toHaveLength(rows.length);
        }
      }),
      { numRuns: 200 },
    );
    // not even a table
    for (const conv of ALL_CONVERTERS) expect(conv(null as unknown as OvsdbTable).diagnostics[0].severity).toBe('error');
  });
});
