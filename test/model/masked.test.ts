import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { field } from '../../src/model/fields.js';
import {
  formatFieldValue,
  formatIpv6,
  formatMatchValue,
  matchesMasked,
  parseFieldValue,
  parseIpv4,
  parseIpv6,
  parseMac,
  type ParsedValue,
} from '../../src/model/masked.js';

const pv = (name: string, text: string): ParsedValue => {
  const r = parseFieldValue(field(name), text);
  if (typeof r === 'string') throw new Error(r);
  return r;
};

describe('masked values', () => {
  it('tests (v & mask) == value with arbitrary masks', () => {
    const m = pv('reg9', '0x500000/0xffff0040');
    expect(matchesMasked(0x12500000n & 0xffffffffn, m)).toBe(false);
    expect(matchesMasked(0x0050ff3fn, m)).toBe(true);
    expect(matchesMasked(0x0050ff7fn, m)).toBe(false);
  });

  it.each([
    ['nw_src', '10.0.0.0/24', 0x0a000000n, 0xffffff00n],
    ['nw_src', '10.0.0.1/255.255.0.255', 0x0a000001n, 0xffff00ffn],
    ['nw_dst', '10.0.0.1', 0x0a000001n, 0xffffffffn],
    ['reg10', '0x1/0x1', 1n, 1n],
    ['dl_src', 'fa:16:3e:00:00:00/ff:ff:ff:00:00:00', 0xfa163e000000n, 0xffffff000000n],
    ['ipv6_src', 'fd00::/64', 0xfd000000000000000000000000000000n, 0xffffffffffffffff0000000000000000n],
    ['ct_state', '+trk-est', 0x20n, 0x22n],
    ['ct_state', '-new+est+trk', 0x22n, 0x23n],
    ['ct_state', 'new|trk', 0x21n, 0xffn],
    ['tcp_flags', '+syn-ack', 0x2n, 0x12n],
    ['nw_frag', 'later', 3n, 3n],
    ['nw_frag', 'not_later', 0n, 2n],
    ['tp_dst', '0x1000/0xf000', 0x1000n, 0xf000n],
    ['ct_label', '0x1/0x1', 1n, 1n],
    ['vlan_tci', '0x0000/0x1000', 0n, 0x1000n],
    ['packet_type', '(1,0x800)', 0x10800n, 0xffffffffn],
  ])('parses %s=%s', (name, text, value, mask) => {
    const r = pv(name, text);
    expect(r.value).toBe(value);
    expect(r.mask).toBe(mask);
    // OVS prints flags in bit order: +trk-est comes back as -est+trk.
    expect(formatMatchValue(field(name), r.value, r.mask)).toBe(text === '+trk-est' ? '-est+trk' : text);
  });

  it('formats IPv6 like inet_ntop', () => {
    const cases = ['::', '::1', 'fd00::1', 'fd00::ffff:a00:1', '::ffff:1.2.3.4', '::1.2.3.4', '1:0:1:0:1:0:1:0', '1::1:0:0:1', 'ff02::1:ff00:3', 'fe80::200:ff:fe00:1'];
    for (const c of cases) expect(formatIpv6(parseIpv6(c)!)).toBe(c);
    expect(formatIpv6(parseIpv6('fd00:0:0:0:0:0:0:1')!)).toBe('fd00::1');
    expect(formatIpv6(parseIpv6('1:0:0:1:0:0:0:1')!)).toBe('1:0:0:1::1');
  });

  it('rejects malformed addresses', () => {
    for (const s of ['1.2.3', '1.2.3.256', '1..2.3', 'a.b.c.d', '']) expect(parseIpv4(s)).toBeUndefined();
    for (const s of ['1:2', ':::', '1::2::3', 'g::1', '1:2:3:4:5:6:7:8:9']) expect(parseIpv6(s)).toBeUndefined();
    for (const s of ['00:11:22:33:44', '00:11:22:33:44:5g', '0011:22:33:44:55', '00:11:22:33:44:+5', '00:11:22:33:44: 5', 'g0:11:22:33:44:55', '00-11-22-33-44-55']) expect(parseMac(s)).toBeUndefined();
    expect(parseMac('ff:FF:0a:0B:c0:01')).toBe(0xffff0a0bc001n);
    expect(typeof parseFieldValue(field('reg0'), '0x100000000')).toBe('string');
    expect(typeof parseFieldValue(field('ct_state'), '+bogus')).toBe('string');
  });

  it('formats set_field values as mf_format does', () => {
    expect(formatFieldValue(field('reg10'), 1n, 1n)).toBe('0x1/0x1');
    expect(formatFieldValue(field('nw_ecn'), 2n, 3n)).toBe('2/0x3');
    expect(formatFieldValue(field('tp_src'), 80n, 0xffn)).toBe('80/0xff');
    expect(formatFieldValue(field('dl_src'), 0x20201213n)).toBe('00:00:20:20:12:13');
    expect(formatFieldValue(field('ipv6_src'), 1n, 0xffffffffffffffffn)).toBe('::1/::ffff:ffff:ffff:ffff');
    expect(formatFieldValue(field('ct_label'), 0x12345678901234567890n)).toBe('0x12345678901234567890');
    expect(formatFieldValue(field('reg0'), 5n, 0n)).toBe('ANY');
  });

  it('round-trips random IPv4/IPv6/MAC values with random masks', () => {
    const big = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
    for (const [name, bits] of [['nw_src', 32], ['ipv6_dst', 128], ['dl_dst', 48], ['reg3', 32], ['metadata', 64], ['xxreg1', 128], ['ct_label', 128], ['tp_src', 16]] as const) {
      fc.assert(
        fc.property(big(bits), big(bits), (v, m) => {
          if (m === 0n) return;
          const f = field(name);
          const text = formatMatchValue(f, v & m, m);
          const back = parseFieldValue(f, text);
          expect(back).toEqual({ value: v & m, mask: m });
        }),
        { numRuns: 200 },
      );
    }
  });
});

describe('parseMac', () => {
  // The definition: six two-digit hex bytes separated by colons, nothing else.
  const reference = (s: string): bigint | undefined => (/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(s) ? BigInt('0x' + s.replaceAll(':', '')) : undefined);
  it('reads every MAC and rejects everything else, as the definition says', () => {
    const hexChar = fc.constantFrom(...'0123456789abcdefABCDEFgG:-+ x/'.split(''));
    const mac = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':'));
    const mangled = fc.tuple(mac, fc.nat(16), hexChar).map(([m, i, c]) => m.slice(0, i) + c + m.slice(i + 1));
    fc.assert(fc.property(fc.oneof(mac, mangled, fc.string({ maxLength: 20 }), fc.stringMatching(/^[0-9a-fA-F:]{17}$/)), (s) => {
        expect(parseMac(s)).toBe(reference(s));
      }), { numRuns: 3000 });
  });
});
