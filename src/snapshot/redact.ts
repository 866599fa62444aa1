/**
 * The redaction mapping engine: keyed, deterministic, prefix-preserving maps for IPv4, IPv6 and
 * MAC addresses, plus the name table (host names, domains, chassis, tunnel ports, keywords).
 * Pure: no I/O, no module-level state; one `Redactor` holds the key, what the snapshot contains
 * and every mapping it made (the mapping file the user keeps).
 *
 * ADDRESSES — Crypto-PAn style (Xu, Fan, Ammar, Moon 2002) with HMAC-SHA256 as the keyed PRF:
 * output bit i = input bit i XOR f(i, input bits 0..i-1). Whatever f is, this is a bijection that
 * preserves common prefixes exactly: two addresses sharing k leading bits map to two addresses
 * sharing exactly k leading bits. So CIDRs, masks and subnet membership keep their meaning
 * ("10.1.1.11 is in 10.1.1.0/24" stays true of the images), and a masked value is mapped by
 * mapping the value and masking the result again.
 *
 * What is kept, and why (f is forced to 0 there):
 *  - Kept unmapped (the pipelines depend on the exact values, and they identify nobody):
 *      IPv4 0.0.0.0/8 (0.0.0.0: DHCP discover source, default routes 0.0.0.0/0), 127.0.0.0/8,
 *      169.254.0.0/16 (link-local; OVN and OVN-Kubernetes use it for hairpin/lb_force_snat and
 *      masquerade addresses), 224.0.0.0/3 (multicast 224/4, reserved 240/4, the broadcast
 *      255.255.255.255 and every dotted netmask of /3 or longer such as DHCP `netmask`
 *      255.255.255.0); IPv6 ::, ::1, ff00::/8 (multicast); MAC 00:00:00:00:00:00,
 *      ff:ff:ff:ff:ff:ff, 01:00:5e/24 (IPv4 multicast), 33:33/16 (IPv6 multicast), 01:80:c2/24
 *      (802.1D/LLDP).
 *  - Mapped inside their own block, so private stays private and a mapped address is never some
 *    real network's public address: 10/8, 172.16/12, 192.168/16, 100.64/10 (OVN-Kubernetes join
 *    and transit switches), fc00::/7, 2001:db8::/32, and fe80::/64 (link-local: the prefix is
 *    kept, the interface identifier is mapped).
 *  - An address on the way to one of those blocks keeps the leading bits it shares with it
 *    (that is what makes the blocks map onto themselves while staying a bijection): 8.8.8.8
 *    stays in 8.0.0.0/7, a 2000::/3 address stays in 2000::/3.
 *  - MAC: the I/G (multicast) and U/L (locally administered) bits never change.
 *  - IPv6 interface identifiers (the low 64 bits) are mapped the way MACs are, in the modified
 *    EUI-64 layout: the image of fe80::800:2ff:feff:201 is fe80::<EUI-64 of the image of
 *    0a:00:02:ff:02:01>, so link-local addresses keep following their MACs. (Bits 88..103 of
 *    an identifier, `ff:fe` in EUI-64 ones, are therefore never changed.)
 *  - ::ffff:a.b.c.d and 64:ff9b::a.b.c.d carry the IPv4 image of a.b.c.d.
 *  - Solicited-node multicast (ff02::1:ffXX:XXXX and 33:33:ff:XX:XX:XX) carries the low 24 bits
 *    of a unicast address: they follow the image of the unicast address of the snapshot that
 *    has those low bits (see `freeze`).
 *
 * NAMES are not derived from the key: they are numbered (`host-1`, `chassis-1`, `kw1`, ...) by
 * the caller, which knows which names belong together (a host's FQDN, short name and chassis).
 */
import { createHmac } from 'node:crypto';
import { cidrBits, cidrMask, formatIpv4, formatIpv6, formatMac, isCidrMask, onesMask, parseIpv4, parseIpv6 } from '../model/masked.js';
import { fail, ok, type Result } from '../model/result.js';
import { FINGERPRINT_RE, rewriteText, type AddressMapper } from './redact-text.js';

export const MAPPING_FORMAT = 'ovnscope-redaction-mapping';
export const MAPPING_FORMAT_VERSION = 1;

export type AddressKind = 'ipv4' | 'ipv6' | 'mac';
export type NameKind = 'hostname' | 'domain' | 'chassis' | 'tunnel-port' | 'user' | 'fingerprint' | 'keyword';
export type MappingKind = AddressKind | 'ipv4-network' | 'ipv6-network' | NameKind;
export const MAPPING_KINDS: readonly MappingKind[] = ['ipv4', 'ipv4-network', 'ipv6', 'ipv6-network', 'mac', 'hostname', 'domain', 'chassis', 'tunnel-port', 'user', 'fingerprint', 'keyword'];

/**
 * Accounts every cloud image or installer has: they name nobody, and replacing such common words
 * everywhere (`core`, `admin`, `stack`) would reach text that is not about users.
 */
export const KEPT_USERS: readonly string[] = ['root', 'core', 'admin', 'ubuntu', 'centos', 'rocky', 'fedora', 'debian', 'ec2-user', 'cloud-user', 'stack', 'heat-admin', 'tripleo-admin', 'zuul'];

export interface MappingEntry {
  readonly original: string;
  readonly mapped: string;
  /** Host whose files use this entry (tunnel port names are per host). */
  readonly scope?: string;
}

/** The file the user keeps: every original → mapped token, by kind. Never inside a pack. */
export interface MappingFile {
  readonly format: typeof MAPPING_FORMAT;
  readonly formatVersion: number;
  readonly createdAt: string;
  readonly fixture?: string;
  readonly warning: string;
  readonly entries: Readonly<Partial<Record<MappingKind, readonly MappingEntry[]>>>;
  readonly notes?: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Ranges

type RuleMode = 'fixed' | 'block' | 'embed-v4';
interface Rule {
  /** The top `len` bits of the range. */
  readonly bits: bigint;
  readonly len: number;
  readonly mode: RuleMode;
}

function v4Rule(cidr: string, mode: RuleMode): Rule {
  const [a, l] = cidr.split('/');
  const len = Number(l);
  return { bits: parseIpv4(a)! >> BigInt(32 - len), len, mode };
}

function v6Rule(cidr: string, mode: RuleMode): Rule {
  const [a, l] = cidr.split('/');
  const len = Number(l);
  return { bits: parseIpv6(a)! >> BigInt(128 - len), len, mode };
}

function macRule(prefix: string, len: number): Rule {
  const bytes = prefix.split(':').map((h) => parseInt(h, 16));
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return { bits: v >> BigInt(bytes.length * 8 - len), len, mode: 'fixed' };
}

export const IPV4_KEPT = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/3'] as const;
export const IPV4_BLOCKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'] as const;
export const IPV6_KEPT = ['::/128', '::1/128', 'ff00::/8'] as const;
export const IPV6_BLOCKS = ['fe80::/64', 'fc00::/7', '2001:db8::/32'] as const;
export const MAC_KEPT = ['00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff', '01:00:5e/24', '33:33/16', '01:80:c2/24'] as const;

const V4_RULES: readonly Rule[] = [...IPV4_KEPT.map((c) => v4Rule(c, 'fixed')), ...IPV4_BLOCKS.map((c) => v4Rule(c, 'block'))];
const V6_RULES: readonly Rule[] = [
  ...IPV6_KEPT.map((c) => v6Rule(c, 'fixed')),
  ...IPV6_BLOCKS.map((c) => v6Rule(c, 'block')),
  v6Rule('::ffff:0:0/96', 'embed-v4'),
  v6Rule('64:ff9b::/96', 'embed-v4'),
];
const MAC_RULES: readonly Rule[] = [
  macRule('00:00:00:00:00:00', 48),
  macRule('ff:ff:ff:ff:ff:ff', 48),
  macRule('01:00:5e', 24),
  macRule('33:33', 16),
  macRule('01:80:c2', 24),
];

/** ff02::1:ff00:0/104 and 33:33:ff/24: the low 24 bits come from a unicast address. */
const SOLICITED_V6 = 0xff0200000000000000000001ffn;
const SOLICITED_MAC = 0x3333ffn;
const LOW24 = 0xffffffn;

type Decision = 'fixed' | 'path' | 'free' | Rule;

/** What a range table says about bit i, given the i bits before it. */
function decide(rules: readonly Rule[], i: number, prefix: bigint): Decision {
  let inside: Rule | undefined;
  for (const r of rules) {
    if (i >= r.len && prefix >> BigInt(i - r.len) === r.bits && (!inside || r.len > inside.len)) inside = r;
  }
  if (inside?.mode === 'fixed') return 'fixed';
  for (const r of rules) if (r.len > i && r.bits >> BigInt(r.len - i) === prefix) return 'path';
  if (inside?.mode === 'embed-v4') return inside;
  return 'free';
}

/** True when every address under (value, first `len` bits) is in a kept-unmapped range. */
function insideFixed(rules: readonly Rule[], value: bigint, width: number, len: number): boolean {
  for (const r of rules) if (r.mode === 'fixed' && r.len <= len && value >> BigInt(width - r.len) === r.bits) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Keyed PRF

class KeyedBits {
  private readonly key: Buffer;
  private readonly cache = new Map<string, number>();
  constructor(master: Uint8Array, domain: string) {
    this.key = createHmac('sha256', master).update(`ovnscope redact v1 ${domain}`).digest();
  }

  /** f(i, prefix) ∈ {0,1}: one bit of HMAC-SHA256(key, i ‖ prefix left-aligned in `width` bits). */
  bit(i: number, prefix: bigint, width: number): number {
    const k = `${i}/${prefix.toString(16)}`;
    let b = this.cache.get(k);
    if (b === undefined) {
      const buf = Buffer.alloc(2 + width / 8);
      buf.writeUInt16BE(i, 0);
      let x = i === 0 ? 0n : prefix << BigInt(width - i);
      for (let j = buf.length - 1; j >= 2; j--) {
        buf[j] = Number(x & 0xffn);
        x >>= 8n;
      }
      b = createHmac('sha256', this.key).update(buf).digest()[0] & 1;
      this.cache.set(k, b);
    }
    return b;
  }
}

/** out bit i = in bit i XOR flip(i, in bits 0..i-1). */
function permute(v: bigint, width: number, flip: (i: number, prefix: bigint) => number): bigint {
  let out = 0n;
  for (let i = 0; i < width; i++) {
    const shift = BigInt(width - 1 - i);
    const bit = Number((v >> shift) & 1n);
    out = (out << 1n) | BigInt(bit ^ flip(i, i === 0 ? 0n : v >> (shift + 1n)));
  }
  return out;
}

/** Inverse of `permute` (rebuilds the input bit by bit). */
function unpermute(o: bigint, width: number, flip: (i: number, prefix: bigint) => number): bigint {
  let v = 0n;
  for (let i = 0; i < width; i++) {
    const bit = Number((o >> BigInt(width - 1 - i)) & 1n);
    v = (v << 1n) | BigInt(bit ^ flip(i, v));
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Names and keywords

/** Shortest keyword length (a shorter one would match inside unrelated words). */
export const MIN_KEYWORD_LENGTH = 3;
/** A keyword of hex digits only must be at least this long, or it would match inside UUIDs, cookies and hex values. */
export const MIN_HEX_KEYWORD_LENGTH = 12;

/** Checks user keywords; they are compared case-insensitively. */
export function validateKeywords(keywords: readonly string[]): Result<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of keywords) {
    const k = raw.trim();
    if (!k) continue;
    if (k.length < MIN_KEYWORD_LENGTH) return fail(`--keyword ${JSON.stringify(k)}: too short (at least ${MIN_KEYWORD_LENGTH} characters), it would match inside unrelated words`);
    if (/^[0-9.:/]+$/.test(k)) return fail(`--keyword ${JSON.stringify(k)}: only digits and punctuation; addresses are redacted already, and a number would match inside unrelated values`);
    if (/^[0-9a-fA-F]+$/.test(k) && k.length < MIN_HEX_KEYWORD_LENGTH)
      return fail(`--keyword ${JSON.stringify(k)}: only hex digits and shorter than ${MIN_HEX_KEYWORD_LENGTH}; it would match inside UUIDs, cookies and MAC/hex values. Use a longer or more specific keyword`);
    if (/[\r\n\t"\\]/.test(k)) return fail(`--keyword ${JSON.stringify(k)}: control characters, quotes and backslashes are not supported in keywords`);
    if (seen.has(k.toLowerCase())) continue;
    seen.add(k.toLowerCase());
    out.push(k);
  }
  return ok(out);
}

interface NameEntry {
  readonly kind: NameKind;
  readonly original: string;
  readonly mapped: string;
}

const NAME_CHAR = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isNameChar = (c: number) => isAlnum(c) || c === 45 || c === 46 || c === 95;

/**
 * Finds names as whole words — not preceded or followed by a letter or digit, so `hv1` matches
 * in `ovn-chassis-idx-hv1` and `hv1.example.com` but not in `hv10` — by looking up the
 * substrings of each run of name characters that start and end at a word boundary (a hash
 * lookup each, however many names there are); the longest name wins. Names with other
 * characters go through a regular expression.
 */
export function forEachName(text: string, table: ReadonlyMap<string, unknown>, maxLen: number, fallback: RegExp | undefined, cb: (start: number, end: number, key: string) => void): void {
  if (fallback) {
    for (const m of text.matchAll(fallback)) cb(m.index!, m.index! + m[0].length, m[0].toLowerCase());
  }
  if (!table.size) return;
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (!isNameChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && isNameChar(text.charCodeAt(j))) j++;
    // Word ends inside the run [i, j): before a separator, or at the end.
    const ends: number[] = [];
    for (let k = i + 1; k <= j; k++) if (k === j || !isAlnum(text.charCodeAt(k))) ends.push(k);
    let p = i;
    while (p < j) {
      const c = text.charCodeAt(p);
      const starts = isAlnum(c) && (p === i || !isAlnum(text.charCodeAt(p - 1)));
      let hit = -1;
      if (starts) {
        for (let e = ends.length - 1; e >= 0; e--) {
          const end = ends[e];
          if (end <= p || end - p > maxLen) continue;
          if (table.has(text.slice(p, end).toLowerCase())) {
            hit = end;
            break;
          }
        }
      }
      if (hit > 0) {
        cb(p, hit, text.slice(p, hit).toLowerCase());
        p = hit;
      } else p++;
    }
    i = j;
  }
}

/** Replaces names (whole words, see `forEachName`) and keywords (anywhere, case-insensitively). */
export class NameMatcher {
  private readonly table = new Map<string, string>();
  private readonly fallback: RegExp | undefined;
  private readonly fallbackTable = new Map<string, string>();
  private readonly maxLen: number;
  private readonly keywords: RegExp | undefined;
  private readonly keywordTable: Map<string, string>;

  constructor(names: ReadonlyMap<string, string>, keywords: readonly (readonly [string, string])[]) {
    const odd: string[] = [];
    for (const [k, v] of names) {
      if (NAME_CHAR.test(k)) this.table.set(k, v);
      else {
        odd.push(k);
        this.fallbackTable.set(k, v);
      }
    }
    this.maxLen = Math.max(0, ...[...this.table.keys()].map((k) => k.length));
    const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    this.fallback = odd.length ? new RegExp(`(?<![A-Za-z0-9])(?:${odd.sort((a, b) => b.length - a.length).map(esc).join('|')})(?![A-Za-z0-9])`, 'gi') : undefined;
    this.keywordTable = new Map(keywords);
    this.keywords = keywords.length ? new RegExp([...keywords].map(([k]) => k).sort((a, b) => b.length - a.length).map(esc).join('|'), 'gi') : undefined;
  }

  replace(text: string): string {
    let out = '';
    let pos = 0;
    const hits: [number, number, string][] = [];
    forEachName(text, this.table, this.maxLen, this.fallback, (s, e, key) => hits.push([s, e, this.table.get(key) ?? this.fallbackTable.get(key)!]));
    if (hits.length > 1) hits.sort((a, b) => a[0] - b[0]);
    for (const [s, e, mapped] of hits) {
      if (s < pos) continue;
      out += this.kw(text.slice(pos, s)) + mapped;
      pos = e;
    }
    return pos === 0 && !hits.length ? this.kw(text) : out + this.kw(text.slice(pos));
  }

  private kw(t: string): string {
    if (!this.keywords || !t) return t;
    return t.replace(this.keywords, (m) => this.keywordTable.get(m.toLowerCase()) ?? m);
  }
}

// ---------------------------------------------------------------------------------------------

export interface RedactorOptions {
  /** Secret key (any bytes, at least 16). */
  readonly key: Uint8Array;
  /** User keywords, already validated (see `validateKeywords`). */
  readonly keywords?: readonly string[];
}

/** Something that can translate text into the redacted vocabulary (the Redactor, or a mapping file). */
export interface ForwardTranslator {
  forward(text: string, scope?: string): string;
}

export class Redactor implements ForwardTranslator {
  private readonly prf4: KeyedBits;
  private readonly prf6: KeyedBits;
  private readonly prfMac: KeyedBits;
  private readonly v4Map = new Map<bigint, bigint>();
  private readonly v6Map = new Map<bigint, bigint>();
  private readonly macMap = new Map<bigint, bigint>();
  private readonly v4Nets = new Map<string, string>();
  private readonly v6Nets = new Map<string, string>();
  /** Addresses the snapshot contains (learned before rewriting): what registers and userdata bytes are compared with. */
  private readonly known = { ipv4: new Set<bigint>(), ipv6: new Set<bigint>(), mac: new Set<bigint>() };
  private readonly knownNets4 = new Set<string>();
  private readonly knownNets6 = new Set<string>();
  private solicited: Map<bigint, bigint> | undefined;
  private readonly names = new Map<string, NameEntry>();
  /** Per-host names (tunnel ports: `ovn-<chassis[:6]>-N` differs per host). */
  private readonly scoped = new Map<string, Map<string, NameEntry>>();
  private readonly keywordList: readonly string[];
  private readonly matchers = new Map<string, NameMatcher>();
  /** Host-key fingerprints registered: text is searched for them only when there are some. */
  private fingerprints = 0;
  readonly notes: string[] = [];

  constructor(options: RedactorOptions) {
    if (options.key.length < 16) throw new Error('redaction key must have at least 16 bytes');
    this.prf4 = new KeyedBits(options.key, 'ipv4');
    this.prf6 = new KeyedBits(options.key, 'ipv6');
    this.prfMac = new KeyedBits(options.key, 'mac');
    this.keywordList = options.keywords ?? [];
    this.keywordList.forEach((k, i) => this.names.set(`keyword:${k.toLowerCase()}`, { kind: 'keyword', original: k, mapped: `kw${i + 1}` }));
  }

  // -------------------------------------------------------------------------------------------
  // Bit decisions

  private v4Flip = (i: number, p: bigint): number => {
    const d = decide(V4_RULES, i, p);
    if (d !== 'free' && typeof d === 'string') return 0;
    return this.prf4.bit(i, p, 32);
  };

  private macFlip = (j: number, m: bigint): number => {
    if (j === 6 || j === 7) return 0; // U/L and I/G bits
    if (decide(MAC_RULES, j, m) !== 'free') return 0;
    return this.prfMac.bit(j, m, 48);
  };

  /** Interface identifier bit j (0..63) given its first j bits: MAC flips in modified EUI-64 layout. */
  private iidFlip(j: number, q: bigint): number {
    if (j >= 24 && j < 40) return 0; // the ff:fe of EUI-64
    let mj: number;
    let m: bigint;
    if (j < 24) {
      mj = j;
      m = q;
    } else {
      mj = j - 16;
      m = ((q >> BigInt(j - 24)) << BigInt(j - 40)) | (q & onesMask(j - 40));
    }
    // The U/L bit (bit 6 of the first octet) is inverted in a modified EUI-64 identifier.
    if (mj > 6) m ^= 1n << BigInt(mj - 7);
    return this.macFlip(mj, m);
  }

  private v6Flip = (i: number, p: bigint): number => {
    const d = decide(V6_RULES, i, p);
    if (d === 'fixed' || d === 'path') return 0;
    if (typeof d === 'object') return this.v4Flip(i - d.len, p & onesMask(i - d.len));
    if (i < 64) return this.prf6.bit(i, p, 128);
    return this.iidFlip(i - 64, p & onesMask(i - 64));
  };

  // -------------------------------------------------------------------------------------------
  // Address maps

  ipv4(v: bigint): bigint {
    let r = this.v4Map.get(v);
    if (r === undefined) {
      r = permute(v, 32, this.v4Flip);
      this.v4Map.set(v, r);
    }
    return r;
  }

  ipv6(v: bigint): bigint {
    let r = this.v6Map.get(v);
    if (r === undefined) {
      r = permute(v, 128, this.v6Flip);
      if (r >> 24n === SOLICITED_V6) r = (r & ~LOW24) | this.solicitedLow24(v & LOW24);
      this.v6Map.set(v, r);
    }
    return r;
  }

  mac(v: bigint): bigint {
    let r = this.macMap.get(v);
    if (r === undefined) {
      r = permute(v, 48, this.macFlip);
      if (v >> 24n === SOLICITED_MAC) r = (r & ~LOW24) | this.solicitedLow24(v & LOW24);
      this.macMap.set(v, r);
    }
    return r;
  }

  /** Inverse maps (need the key): for tests and for translating addresses back without a table. */
  unmapIpv4(o: bigint): bigint {
    return unpermute(o, 32, this.v4Flip);
  }

  unmapMac(o: bigint): bigint {
    return unpermute(o, 48, this.macFlip);
  }

  unmapIpv6(o: bigint): bigint {
    return unpermute(o, 128, this.v6Flip);
  }

  address(kind: AddressKind, v: bigint): bigint {
    return kind === 'ipv4' ? this.ipv4(v) : kind === 'ipv6' ? this.ipv6(v) : this.mac(v);
  }

  /**
   * A masked value: the image of the value, masked again. The meaning is exact for prefix masks
   * (and for mask bits that the map never changes: MAC I/G and U/L, kept ranges); for other
   * masks `exact` is false and the caller reports it.
   */
  masked(kind: AddressKind, value: bigint, mask: bigint): { value: bigint; exact: boolean } {
    const width = kind === 'ipv4' ? 32 : kind === 'ipv6' ? 128 : 48;
    const mapped = this.address(kind, value & mask) & mask;
    const lead = cidrBits(mask, width);
    let rest = mask & ~cidrMask(lead, width);
    if (kind === 'mac') rest &= ~0x030000000000n; // I/G and U/L never change
    const rules = kind === 'ipv4' ? V4_RULES : kind === 'ipv6' ? V6_RULES : MAC_RULES;
    const exact = rest === 0n || insideFixed(rules, value, width, lead);
    if (kind !== 'mac' && isCidrMask(mask, width) && mask !== onesMask(width)) {
      const fmt = kind === 'ipv4' ? formatIpv4 : formatIpv6;
      const bits = cidrBits(mask, width);
      const o = `${fmt(value & mask)}/${bits}`;
      const m = `${fmt(mapped)}/${bits}`;
      if (o !== m) (kind === 'ipv4' ? this.v4Nets : this.v6Nets).set(o, m);
    }
    return { value: mapped, exact };
  }

  /** The low 24 bits of a solicited-node address, following the unicast address they came from. */
  private solicitedLow24(low: bigint): bigint {
    if (!this.solicited) this.freeze();
    return this.solicited!.get(low) ?? low;
  }

  // -------------------------------------------------------------------------------------------
  // What the snapshot contains

  learn(kind: AddressKind, v: bigint): void {
    this.known[kind].add(v);
    this.runs = undefined;
    if (kind === 'ipv6') this.solicited = undefined;
  }

  learnNetwork(kind: 'ipv4' | 'ipv6', v: bigint, len: number): void {
    (kind === 'ipv4' ? this.knownNets4 : this.knownNets6).add(`${v.toString(16)}/${len}`);
  }

  knows(kind: AddressKind, v: bigint): boolean {
    return this.known[kind].has(v);
  }

  knowsNetwork(kind: 'ipv4' | 'ipv6', v: bigint, len: number): boolean {
    return (kind === 'ipv4' ? this.knownNets4 : this.knownNets6).has(`${v.toString(16)}/${len}`);
  }

  /** Known networks (`<hex value>/<len>`) whose image differs. */
  knownNetworks(kind: 'ipv4' | 'ipv6'): Set<string> {
    const width = kind === 'ipv4' ? 32 : 128;
    const out = new Set<string>();
    for (const key of kind === 'ipv4' ? this.knownNets4 : this.knownNets6) {
      const [h, l] = key.split('/');
      const v = BigInt('0x' + h);
      const mask = cidrMask(Number(l), width);
      if ((this.address(kind, v) & mask) !== v) out.add(key);
    }
    return out;
  }

  /** Known addresses the map changes (what must not survive in a redacted pack). */
  knownChanged(kind: AddressKind): bigint[] {
    return [...this.known[kind]].filter((v) => this.address(kind, v) !== v);
  }

  /**
   * Builds the solicited-node table from the unicast IPv6 addresses learned so far. Call it once
   * everything is learned; two unicast addresses with the same low 24 bits but different images
   * are reported in `notes` (the first in numeric order wins).
   */
  freeze(): void {
    const table = new Map<bigint, bigint>();
    const sorted = [...this.known.ipv6].filter((v) => v >> 120n !== 0xffn).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const v of sorted) {
      const low = v & LOW24;
      const img = permute(v, 128, this.v6Flip) & LOW24;
      const prev = table.get(low);
      if (prev === undefined) table.set(low, img);
      else if (prev !== img)
        this.notes.push(`solicited-node ff02::1:ff${low.toString(16).padStart(6, '0').replace(/^(..)(....)$/, '$1:$2')}: ${formatIpv6(v)} and another address share its low 24 bits but map differently; the solicited-node address follows the first`);
    }
    this.solicited = table;
  }

  private runs: Map<number, Map<string, AddressKind>> | undefined;

  /**
   * Replaces, in bytes no decoder understood (`touched` = 0), every run equal to an address of
   * the snapshot that the map changes: 16-byte IPv6, then 6-byte MAC, then 4-byte IPv4.
   */
  sweepBytes(buf: number[], touched: Uint8Array): void {
    if (!this.runs) {
      this.runs = new Map();
      for (const [kind, w] of [['ipv6', 16], ['mac', 6], ['ipv4', 4]] as const) {
        const m = new Map<string, AddressKind>();
        for (const v of this.knownChanged(kind)) m.set(v.toString(16).padStart(w * 2, '0'), kind);
        if (m.size) this.runs.set(w, m);
      }
    }
    const n = buf.length;
    let hex = '';
    for (const b of buf) hex += (b & 0xff).toString(16).padStart(2, '0');
    let i = 0;
    outer: while (i < n) {
      if (!touched[i]) {
        for (const [w, table] of this.runs) {
          if (i + w > n) continue;
          let free = true;
          for (let k = i; k < i + w; k++) if (touched[k]) free = false;
          const kind = free ? table.get(hex.slice(i * 2, (i + w) * 2)) : undefined;
          if (!kind) continue;
          let v = this.address(kind, BigInt('0x' + hex.slice(i * 2, (i + w) * 2)));
          for (let k = i + w - 1; k >= i; k--) {
            buf[k] = Number(v & 0xffn);
            v >>= 8n;
          }
          touched.fill(1, i, i + w);
          i += w;
          continue outer;
        }
      }
      i++;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Names

  /** Registers a name (hostnames and domains compare case-insensitively). Later registrations of the same name are ignored. */
  setName(kind: Exclude<NameKind, 'keyword'>, original: string, mapped: string, scope?: string): void {
    if (!original || original === mapped) return;
    const key = original.toLowerCase();
    if (scope !== undefined) {
      let m = this.scoped.get(scope);
      if (!m) this.scoped.set(scope, (m = new Map()));
      if (!m.has(key)) m.set(key, { kind, original, mapped });
      this.matchers.clear();
      return;
    }
    if (this.names.has(key)) return;
    this.names.set(key, { kind, original, mapped });
    if (kind === 'fingerprint') this.fingerprints++;
    this.matchers.clear();
  }

  nameOf(original: string): string | undefined {
    return this.names.get(original.toLowerCase())?.mapped;
  }

  hasName(original: string): boolean {
    return this.names.has(original.toLowerCase());
  }

  get keywords(): readonly string[] {
    return this.keywordList;
  }

  /** Every name entry, scoped ones with their scope. */
  nameEntries(): { kind: NameKind; original: string; mapped: string; scope?: string }[] {
    const out: { kind: NameKind; original: string; mapped: string; scope?: string }[] = [];
    for (const e of this.names.values()) out.push({ ...e });
    for (const [scope, m] of this.scoped) for (const e of m.values()) out.push({ ...e, scope });
    return out;
  }

  private matcherFor(scope: string | undefined): NameMatcher {
    const key = scope !== undefined && this.scoped.has(scope) ? scope : '';
    let m = this.matchers.get(key);
    if (!m) {
      const table = new Map<string, string>();
      for (const e of this.names.values()) if (e.kind !== 'keyword') table.set(e.original.toLowerCase(), e.mapped);
      if (key) for (const e of this.scoped.get(key)!.values()) table.set(e.original.toLowerCase(), e.mapped);
      m = new NameMatcher(table, this.keywordList.map((k, i) => [k.toLowerCase(), `kw${i + 1}`] as const));
      this.matchers.set(key, m);
    }
    return m;
  }

  /** Replaces names (whole words) and keywords (anywhere) in text that holds no addresses. */
  replaceNames(text: string, scope?: string): string {
    return text ? this.matcherFor(scope).replace(text) : text;
  }

  // -------------------------------------------------------------------------------------------
  // Text

  /** An AddressMapper that maps every address (and learns nothing). */
  mapper(scope?: string): AddressMapper {
    return {
      v4: (v, mask) => (mask === undefined ? this.ipv4(v) : this.masked('ipv4', v, mask).value),
      v6: (v, mask) => (mask === undefined ? this.ipv6(v) : this.masked('ipv6', v, mask).value),
      mac: (v, mask) => (mask === undefined ? this.mac(v) : this.masked('mac', v, mask).value),
      hex: (v, digits) => this.hexValue(v, digits),
      dpid: (v) => (v < 1n << 48n && this.known.mac.has(v) ? this.mac(v) : undefined),
      bytes: (data) => {
        const buf = [...data];
        this.sweepBytes(buf, new Uint8Array(buf.length));
        return buf;
      },
      gap: (t) => this.replaceNames(t, scope),
    };
  }

  /** A `0x…` literal in text: mapped only when it equals an address of the snapshot. */
  private hexValue(v: bigint, digits: number): bigint | undefined {
    if (digits <= 8 && this.known.ipv4.has(v)) return this.ipv4(v);
    if (digits <= 12 && this.known.mac.has(v)) return this.mac(v);
    if (this.known.ipv6.has(v)) return this.ipv6(v);
    return undefined;
  }

  /** Rewrites free text: every host-key fingerprint, address, name and keyword. `scope` = host the text belongs to. */
  text(s: string, scope?: string): string {
    const mapper = this.mapper(scope);
    if (!this.fingerprints) return rewriteText(s, mapper);
    // Fingerprints first and whole: their bytes must not be read as addresses.
    let out = '';
    let pos = 0;
    for (const m of s.matchAll(FINGERPRINT_RE)) {
      const entry = this.names.get(m[0].toLowerCase());
      if (entry?.kind !== 'fingerprint') continue;
      out += rewriteText(s.slice(pos, m.index), mapper) + entry.mapped;
      pos = m.index + m[0].length;
    }
    return pos === 0 ? rewriteText(s, mapper) : out + rewriteText(s.slice(pos), mapper);
  }

  forward(text: string, scope?: string): string {
    return this.text(text, scope);
  }

  /** An AddressMapper that learns every address it sees and changes nothing. */
  learner(): AddressMapper {
    return {
      v4: (v, mask) => {
        if (mask === undefined) this.learn('ipv4', v);
        else if (isCidrMask(mask, 32)) this.learnNetwork('ipv4', v & mask, cidrBits(mask, 32));
        return undefined;
      },
      v6: (v, mask) => {
        if (mask === undefined) this.learn('ipv6', v);
        else if (isCidrMask(mask, 128)) this.learnNetwork('ipv6', v & mask, cidrBits(mask, 128));
        return undefined;
      },
      mac: (v, mask) => {
        if (mask === undefined) this.learn('mac', v);
        return undefined;
      },
      gap: (t) => t,
    };
  }

  // -------------------------------------------------------------------------------------------
  // The mapping file

  mappingFile(meta: { createdAt: string; fixture?: string }): MappingFile {
    const entries: Partial<Record<MappingKind, MappingEntry[]>> = {};
    const put = (k: MappingKind, e: MappingEntry) => (entries[k] ??= []).push(e);
    const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
    for (const [o, m] of [...this.v4Map].sort((a, b) => cmp(a[0], b[0]))) if (o !== m) put('ipv4', { original: formatIpv4(o), mapped: formatIpv4(m) });
    for (const [o, m] of [...this.v4Nets].sort()) put('ipv4-network', { original: o, mapped: m });
    for (const [o, m] of [...this.v6Map].sort((a, b) => cmp(a[0], b[0]))) if (o !== m) put('ipv6', { original: formatIpv6(o), mapped: formatIpv6(m) });
    for (const [o, m] of [...this.v6Nets].sort()) put('ipv6-network', { original: o, mapped: m });
    for (const [o, m] of [...this.macMap].sort((a, b) => cmp(a[0], b[0]))) if (o !== m) put('mac', { original: formatMac(o), mapped: formatMac(m) });
    for (const e of this.nameEntries()) put(e.kind, { original: e.original, mapped: e.mapped, ...(e.scope !== undefined ? { scope: e.scope } : {}) });
    return {
      format: MAPPING_FORMAT,
      formatVersion: MAPPING_FORMAT_VERSION,
      createdAt: meta.createdAt,
      ...(meta.fixture ? { fixture: meta.fixture } : {}),
      warning: 'PRIVATE: this file translates the redacted fixture back to real addresses and names. Keep it; never attach it to the bug report.',
      entries,
      ...(this.notes.length ? { notes: [...this.notes] } : {}),
    };
  }

  /** How many distinct tokens of each kind were changed. */
  counts(): Record<MappingKind, number> {
    const c = Object.fromEntries(MAPPING_KINDS.map((k) => [k, 0])) as Record<MappingKind, number>;
    for (const [o, m] of this.v4Map) if (o !== m) c.ipv4++;
    for (const [o, m] of this.v6Map) if (o !== m) c.ipv6++;
    for (const [o, m] of this.macMap) if (o !== m) c.mac++;
    c['ipv4-network'] = this.v4Nets.size;
    c['ipv6-network'] = this.v6Nets.size;
    for (const e of this.nameEntries()) c[e.kind]++;
    return c;
  }
}
