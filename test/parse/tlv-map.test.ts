import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OVN_GENEVE_OPTION, ovnTlvMapping, parseTlvMap } from '../../src/parse/tlv-map.js';

const FIX = new URL('../fixtures/tlv-map/', import.meta.url);
const text = (f: string) => readFileSync(new URL(f, FIX), 'utf8');

describe('ovs-ofctl dump-tlv-map', () => {
  it("reads OVN's mapping on br-int", () => {
    const { value, diagnostics } = parseTlvMap(text('hv1-br-int.txt'), 'tlv');
    expect(diagnostics).toEqual([]);
    expect(value).toEqual({ maxOptionSpace: 256, maxFields: 64, allocatedOptionSpace: 4, mappings: [{ class: 0x102, type: 0x80, length: 4, index: 0, field: 'tun_metadata0', line: 8 }] });
    expect(ovnTlvMapping(value)).toMatchObject({ ...OVN_GENEVE_OPTION, index: 0 });
  });

  it('reads the -O OpenFlow13 form', () => {
    const { value, diagnostics } = parseTlvMap(text('hv2-br-int.of13.txt'));
    expect(diagnostics).toEqual([]);
    expect(value.mappings).toHaveLength(1);
  });

  it('reads the empty table', () => {
    const { value, diagnostics } = parseTlvMap(text('hv1-br-phys-empty.txt'));
    expect(diagnostics).toEqual([]);
    expect(value).toEqual({ maxOptionSpace: 256, maxFields: 64, allocatedOptionSpace: 0, mappings: [] });
    expect(ovnTlvMapping(value)).toBeUndefined();
  });

  it('reads a second, non-OVN class (what breaks mlx5 offload)', () => {
    const { value, diagnostics } = parseTlvMap(text('nd-br-nd-two-mappings.txt'));
    expect(diagnostics).toEqual([]);
    expect(value.allocatedOptionSpace).toBe(12);
    expect(value.mappings.map((m) => [m.class, m.type, m.length, m.index])).toEqual([
      [0x102, 0x80, 4, 0],
      [0xffff, 0x1, 8, 5],
    ]);
  });

  it('flags garbage, duplicates and out-of-range values with line numbers', () => {
    const t = `${text('hv1-br-int.txt')}  0x102  0x80       4  tun_metadata0\n  0x1ffff  0x80  4  tun_metadata1\nwhat\n`;
    const { value, diagnostics } = parseTlvMap(t);
    expect(value.mappings).toHaveLength(3);
    expect(diagnostics.map((d) => [d.line, d.message])).toEqual([
      [9, 'tun_metadata0 is mapped twice'],
      [10, 'class, type or length out of range for a GENEVE option'],
      [11, 'unrecognised line'],
    ]);
    expect(parseTlvMap('ovs-ofctl: br-int is not a bridge or a socket').diagnostics[0]).toMatchObject({ severity: 'error', message: expect.stringContaining('no NXT_TLV_TABLE_REPLY') });
  });

  it('never throws on random text or truncations', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => void parseTlvMap(s)), { numRuns: 500 });
    for (const f of readdirSync(FIX).filter((x) => x.endsWith('.txt'))) {
      const full = text(f);
      const n = parseTlvMap(full).value.mappings.length;
      for (let i = 0; i <= full.length; i++) expect(parseTlvMap(full.slice(0, i)).value.mappings.length).toBeLessThanOrEqual(n);
    }
  });
});
