// The redaction engine: prefix preservation, kept ranges, injectivity, determinism (fast-check),
// and the text tokeniser on every textual form an address takes in a snapshot.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrMask, formatIpv4, formatIpv6, formatMac, parseIpv4, parseIpv6, parseMac } from '../../src/model/masked.js';
import { IPV4_BLOCKS, IPV4_KEPT, IPV6_KEPT, Redactor, validateKeywords } from '../../src/snapshot/redact.js';
import { rewriteJsonStrings, rewriteText } from '../../src/snapshot/redact-text.js';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const mk = (keywords: string[] = []) => new Redactor({ key: KEY, keywords });

function commonPrefix(a: bigint, b: bigint, width: number): number {
  let k = 0;
  for (let i = width - 1; i >= 0 && ((a >> BigInt(i)) & 1n) === ((b >> BigInt(i)) & 1n); i--) k++;
  return k;
}

const inCidr = (v: bigint, cidr: string, width: number) => {
  const [a, l] = cidr.split('/');
  const base = width === 32 ? parseIpv4(a)! : parseIpv6(a)!;
  const mask = cidrMask(Number(l), width);
  return (v & mask) === (base & mask);
};

const u32 = fc.bigInt({ min: 0n, max: (1n << 32n) - 1n });
const u48 = fc.bigInt({ min: 0n, max: (1n << 48n) - 1n });
const u128 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
/** Two values sharing a random number of leading bits (plain random pairs almost never do). */
const pairSharing = (width: number) =>
  fc.tuple(fc.bigInt({ min: 0n, max: (1n << BigInt(width)) - 1n }), fc.integer({ min: 0, max: width }), fc.bigInt({ min: 0n, max: (1n << BigInt(width)) - 1n })).map(([a, k, r]) => {
    const keep = cidrMask(k, width);
    return [a, (a & keep) | (r & ~keep & ((1n << BigInt(width)) - 1n))] as const;
  });
const SOLICITED = (v: bigint) => v >> 24n === 0xff0200000000000000000001ffn;

describe('prefix-preserving address maps', () => {
  const r = mk();

  it('IPv4: two addresses share exactly as many leading bits after the map as before', () => {
    fc.assert(fc.property(pairSharing(32), ([a, b]) => commonPrefix(r.ipv4(a), r.ipv4(b), 32) === commonPrefix(a, b, 32)), { numRuns: 3000 });
  });

  it('IPv6: the same, interface identifiers included (solicited-node multicast aside)', () => {
    fc.assert(
      fc.property(pairSharing(128), ([a, b]) => {
        fc.pre(!SOLICITED(a) && !SOLICITED(b));
        return commonPrefix(r.ipv6(a), r.ipv6(b), 128) === commonPrefix(a, b, 128);
      }),
      { numRuns: 1500 },
    );
  });

  it('MAC: the same, and the multicast (I/G) and locally administered (U/L) bits never change', () => {
    fc.assert(
      fc.property(pairSharing(48), ([a, b]) => {
        const [ma, mb] = [r.mac(a), r.mac(b)];
        expect(ma & 0x030000000000n).toBe(a & 0x030000000000n);
        return commonPrefix(ma, mb, 48) === commonPrefix(a, b, 48);
      }),
      { numRuns: 3000 },
    );
  });

  it('is injective and invertible with the key', () => {
    fc.assert(fc.property(u32, u32, (a, b) => a === b || r.ipv4(a) !== r.ipv4(b)));
    fc.assert(fc.property(u32, (a) => r.unmapIpv4(r.ipv4(a)) === a));
    fc.assert(fc.property(u48, (a) => r.unmapMac(r.mac(a)) === a));
    fc.assert(fc.property(u128, (a) => SOLICITED(a) || r.unmapIpv6(r.ipv6(a)) === a), { numRuns: 300 });
  });

  it('subnet membership and masks keep their meaning: x ∈ N/len ⇔ map(x) ∈ map(N)/len', () => {
    fc.assert(
      fc.property(u32, u32, fc.integer({ min: 0, max: 32 }), (x, n, len) => {
        const mask = cidrMask(len, 32);
        const net = r.masked('ipv4', n & mask, mask);
        expect(net.exact).toBe(true);
        return ((x & mask) === (n & mask)) === ((r.ipv4(x) & mask) === net.value);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(u128, u128, fc.integer({ min: 0, max: 128 }), (x, n, len) => {
        fc.pre(!SOLICITED(x));
        const mask = cidrMask(len, 128);
        return ((x & mask) === (n & mask)) === ((r.ipv6(x) & mask) === r.masked('ipv6', n & mask, mask).value);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the special ranges unmapped and maps the private blocks into themselves', () => {
    const inside = (cidr: string) => {
      const [a, l] = cidr.split('/');
      const base = parseIpv4(a)!;
      const host = (1n << BigInt(32 - Number(l))) - 1n;
      return u32.map((x) => (base & ~host) | (x & host));
    };
    for (const cidr of IPV4_KEPT) fc.assert(fc.property(inside(cidr), (x) => r.ipv4(x) === x));
    for (const cidr of IPV4_BLOCKS) fc.assert(fc.property(inside(cidr), (x) => inCidr(r.ipv4(x), cidr, 32)));
    // Nothing from outside lands in a kept range or a block.
    fc.assert(
      fc.property(u32, (x) => {
        for (const cidr of [...IPV4_KEPT, ...IPV4_BLOCKS]) if (inCidr(r.ipv4(x), cidr, 32) !== inCidr(x, cidr, 32)) return false;
        return true;
      }),
      { numRuns: 3000 },
    );
    for (const s of ['0.0.0.0', '255.255.255.255', '255.255.255.0', '127.0.0.1', '169.254.169.254', '224.0.0.251']) expect(formatIpv4(r.ipv4(parseIpv4(s)!))).toBe(s);
    for (const s of ['::', '::1', 'ff02::1', 'ff02::16', 'ff00::']) expect(formatIpv6(r.ipv6(parseIpv6(s)!))).toBe(s);
    expect(IPV6_KEPT).toContain('ff00::/8');
    fc.assert(fc.property(u128, (x) => !inCidr(x, 'ff00::/8', 128) || SOLICITED(x) || r.ipv6(x) === x));
    for (const s of ['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff', '01:00:5e:00:00:fb', '33:33:00:00:00:16', '01:80:c2:00:00:0e']) expect(formatMac(r.mac(parseMac(s)!))).toBe(s);
    // fe80::/64 keeps its prefix; the interface identifier is mapped.
    const lla = r.ipv6(parseIpv6('fe80::1234:5678:9abc:def0')!);
    expect(lla >> 64n).toBe(0xfe80000000000000n);
    expect(lla).not.toBe(parseIpv6('fe80::1234:5678:9abc:def0'));
  });

  it('link-local EUI-64 addresses follow their MAC; ::ffff:a.b.c.d follows the IPv4 map', () => {
    const eui = (m: bigint) => {
      const hi = (m >> 24n) ^ 0x020000n;
      return (0xfe80n << 112n) | (hi << 40n) | (0xfffen << 24n) | (m & 0xffffffn);
    };
    fc.assert(fc.property(u48, (m) => (m & 0x010000000000n) !== 0n || r.ipv6(eui(m)) === eui(r.mac(m))), { numRuns: 500 });
    fc.assert(fc.property(u32, (v) => r.ipv6((0xffffn << 32n) | v) === ((0xffffn << 32n) | r.ipv4(v))), { numRuns: 300 });
  });

  it('solicited-node addresses follow the unicast address of the snapshot they were derived from', () => {
    const s = mk();
    const uni = parseIpv6('fe80::800:2ff:feff:201')!;
    s.learn('ipv6', uni);
    s.freeze();
    const low = s.ipv6(uni) & 0xffffffn;
    expect(s.ipv6(parseIpv6('ff02::1:ffff:201')!)).toBe(0xff0200000000000000000001ff000000n | low);
    expect(s.mac(parseMac('33:33:ff:ff:02:01')!)).toBe(0x3333ff000000n | low);
  });

  it('is deterministic for a key and differs between keys', () => {
    const a = mk();
    const b = mk();
    const c = new Redactor({ key: Buffer.from('another key, another site!'), keywords: [] });
    const ip = parseIpv4('10.1.1.11')!;
    expect(a.ipv4(ip)).toBe(b.ipv4(ip));
    expect(a.mac(0x0a0001010011n)).toBe(b.mac(0x0a0001010011n));
    const samples = Array.from({ length: 20 }, (_, i) => ip + BigInt(i * 977));
    expect(samples.some((x) => a.ipv4(x) !== c.ipv4(x))).toBe(true);
  });
});

describe('keywords', () => {
  it('refuses keywords that would match inside unrelated tokens', () => {
    expect(validateKeywords(['ab']).ok).toBe(false);
    expect(validateKeywords(['1234']).ok).toBe(false);
    expect(validateKeywords(['cafe']).ok).toBe(false);
    expect(validateKeywords(['a"b']).ok).toBe(false);
    const ok = validateKeywords(['acme', 'ACME', ' prod-db ', '8b8b0c9e5b2c4f4f9a3e7d5e2a1b3c4d']);
    expect(ok.ok && ok.value).toEqual(['acme', 'prod-db', '8b8b0c9e5b2c4f4f9a3e7d5e2a1b3c4d']);
  });

  it('are replaced everywhere, case-insensitively, inside longer tokens too', () => {
    const r = mk(['acme', 'prod-db']);
    expect(r.text('acme-web-1 ACME Acme.prod-db.local xacmey')).toBe('kw1-web-1 kw1 kw1.kw2.local xkw1y');
  });
});

describe('text tokeniser', () => {
  const r = mk();
  for (const ip of ['10.1.1.11', '10.1.1.12', '10.1.1.1', '192.168.0.2', '172.16.0.100']) r.learn('ipv4', parseIpv4(ip)!);
  for (const m of ['0a:00:01:01:00:11', 'ea:5c:2c:42:12:47']) r.learn('mac', parseMac(m)!);
  r.setName('hostname', 'hv2', 'host-2');
  r.setName('hostname', 'hv1', 'host-1');
  const v4 = (s: string) => formatIpv4(r.ipv4(parseIpv4(s)!));
  const v6 = (s: string) => formatIpv6(r.ipv6(parseIpv6(s)!));
  const mac = (s: string) => formatMac(r.mac(parseMac(s)!));

  it('maps every representation the same way', () => {
    expect(r.text('0a:00:01:01:00:11 10.1.1.11')).toBe(`${mac('0a:00:01:01:00:11')} ${v4('10.1.1.11')}`);
    expect(r.text('10.1.1.11:80,10.1.1.12:80')).toBe(`${v4('10.1.1.11')}:80,${v4('10.1.1.12')}:80`);
    expect(r.text('hv2@192.168.0.2')).toBe(`host-2@${v4('192.168.0.2')}`);
    expect(r.text('remote_ip=192.168.0.2)')).toBe(`remote_ip=${v4('192.168.0.2')})`);
    expect(r.text('addr:ea:5c:2c:42:12:47')).toBe(`addr:${mac('ea:5c:2c:42:12:47')}`);
    expect(r.text('physnet1:0a:00:01:01:00:11')).toBe(`physnet1:${mac('0a:00:01:01:00:11')}`);
    expect(r.text('dpid:0000ea5c2c421247')).toBe(`dpid:0000${mac('ea:5c:2c:42:12:47').replace(/:/g, '')}`);
    expect(r.text('reg0 = 0xa01010b;')).toBe(`reg0 = 0x${r.ipv4(parseIpv4('10.1.1.11')!).toString(16)};`);
    expect(r.text('[2001:db8::1]:80 fe80::1/64 FE80::1')).toBe(`[${v6('2001:db8::1')}]:80 ${v6('fe80::1')}/64 ${v6('fe80::1').toUpperCase()}`);
    expect(r.text('::ffff:10.1.1.11')).toBe(`::ffff:${v4('10.1.1.11')}`);
    expect(r.text('10.1.1.1..10.1.1.12')).toBe(`${v4('10.1.1.1')}..${v4('10.1.1.12')}`);
  });

  it('maps networks, then masks them again; an address with a prefix length stays an address', () => {
    const net = formatIpv4(r.ipv4(parseIpv4('10.1.1.0')!) & 0xffffff00n);
    expect(r.text('ip4.dst == {10.1.1.0/24}')).toBe(`ip4.dst == {${net}/24}`);
    expect(r.text('10.1.1.0/255.255.255.0')).toBe(`${net}/255.255.255.0`);
    expect(r.text('10.1.1.1/24')).toBe(`${v4('10.1.1.1')}/24`);
    expect(r.text('0.0.0.0/0 255.255.255.255 224.0.0.251')).toBe('0.0.0.0/0 255.255.255.255 224.0.0.251');
    expect(v4('10.1.1.1').startsWith(net.slice(0, net.lastIndexOf('.')))).toBe(true);
  });

  it('leaves what only looks like an address alone', () => {
    for (const s of ['northd.c:13510', 'ovs-vsctl (Open vSwitch) 3.1.0', '2026-11-21T08:44:59.091Z', 'std::bad_alloc', '1.2.3.4.5', 'table=44', '0x1', 'cookie=0x5db41902', 'OFPT_FEATURES_REPLY (xid=0x2)']) expect(r.text(s)).toBe(s);
    // Hex literals are only mapped when they equal an address of the snapshot.
    expect(r.text('0xa0a0a0a')).toBe('0xa0a0a0a');
  });

  it('learns through the same tokeniser', () => {
    const s = mk();
    rewriteText('ip4.src == 10.9.8.0/24 && eth.dst == 0a:00:00:00:00:01 && ip6.dst == fd00::5', s.learner());
    expect(s.knowsNetwork('ipv4', parseIpv4('10.9.8.0')!, 24)).toBe(true);
    expect(s.knows('mac', 0x0a0000000001n)).toBe(true);
    expect(s.knows('ipv6', parseIpv6('fd00::5')!)).toBe(true);
  });
});

describe('JSON string rewriting', () => {
  const r = mk(['acme']);
  it('rewrites strings only, keeping big integers, headings, OVSDB tags and UUIDs', () => {
    const text =
      '{"data":[[["uuid","4b15bf13-9763-40e1-9fc7-eeea9603ec7f"],["map",[["ovn-encap-ip","10.1.1.1"],["name","acme-db"]]],18446744073709551615]],"headings":["_uuid","external_ids","map"]}';
    const out = rewriteJsonStrings(text, (s) => r.text(s), { ovsdb: true });
    expect(out).toContain('18446744073709551615');
    expect(out).toContain('"headings":["_uuid","external_ids","map"]');
    expect(out).toContain('["uuid","4b15bf13-9763-40e1-9fc7-eeea9603ec7f"]');
    expect(out).toContain(`"${formatIpv4(r.ipv4(parseIpv4('10.1.1.1')!))}"`);
    expect(out).toContain('"kw1-db"');
    expect(out).toContain('["map",[[');
  });
  it('handles escapes and a truncated last string', () => {
    expect(rewriteJsonStrings('{"a":"acme \\"x\\""}', (s) => r.text(s))).toBe('{"a":"kw1 \\"x\\""}');
    expect(rewriteJsonStrings('{"a":"10.1.1.1 acm', (s) => r.text(s))).toBe(`{"a":"${formatIpv4(r.ipv4(parseIpv4('10.1.1.1')!))} acm`);
  });
});

describe('robustness (fuzz)', () => {
  const r = mk(['acme']);
  r.learn('ipv4', parseIpv4('10.1.1.11')!);
  r.learn('mac', parseMac('0a:00:01:01:00:11')!);
  r.setName('hostname', 'hv1', 'host-1');
  const piece = fc.constantFrom('10.1.1.11', '0a:00:01:01:00:11', 'fe80::1', '::', ':', '.', '/', '/24', '0x', 'a01010b', 'hv1', 'acme', '"', '\\', ' ', ',', '[', ']', '..', 'ff', '255', '0', '-', 'x');
  const junk = fc.array(fc.oneof(piece, fc.string({ maxLength: 6 })), { maxLength: 40 }).map((xs) => xs.join(''));

  it('never throws on random text or JSON, and never leaves a known address in a clean token', () => {
    fc.assert(
      fc.property(junk, (s) => {
        const out = r.text(s);
        expect(typeof out).toBe('string');
        expect(typeof rewriteJsonStrings(`{"a":"${s}","b":[${JSON.stringify(s)}]}`, (x) => r.text(x))).toBe('string');
        expect(typeof rewriteJsonStrings(s, (x) => r.text(x), { ovsdb: true })).toBe('string');
        // A known address standing alone between spaces is always replaced.
        expect(r.text(`${s} 10.1.1.11 ${s}`)).not.toMatch(/(^|[ ,])10\.1\.1\.11( |$)/);
      }),
      { numRuns: 2000 },
    );
  });
});
