/**
 * Masked values: every field value is a `bigint` (fields reach 128 bits; tun_metadata 992) with a
 * `bigint` mask of the same width. Masks are arbitrary bit patterns, not only CIDR prefixes.
 *
 * This module parses and formats the textual value forms `ovs-ofctl` uses, per field format,
 * exactly as OVS 3.1 prints them (see `match_format()` / `mf_format()` in OVS for the rules
 * reproduced here). Parsers return `string` error messages instead of throwing.
 */
import type { FieldDef, MatchStyle, ValueFormat } from './fields.js';

export interface Masked {
  readonly value: bigint;
  /** Bits that matter. For an exact match this is all-ones of the field width. */
  readonly mask: bigint;
}

/** `(v & mask) === value`. `value` is expected to be already masked. */
export function matchesMasked(v: bigint, m: Masked): boolean {
  return (v & m.mask) === m.value;
}

// Constant tables (built once, never mutated): all-ones masks by width and small integers, so the
// hot parsing path does not allocate a fresh BigInt for the common values.
const ONES: readonly bigint[] = Array.from({ length: 1025 }, (_, w) => (1n << BigInt(w)) - 1n);
const SMALL: readonly bigint[] = Array.from({ length: 65536 }, (_, i) => BigInt(i));

export function onesMask(width: number): bigint {
  return width >= 0 && width <= 1024 ? ONES[width] : (1n << BigInt(width)) - 1n;
}

/** BigInt of a non-negative safe integer, shared for values below 65536. */
export function bigOf(n: number): bigint {
  return n < 65536 ? SMALL[n] : BigInt(n);
}

/** True when `mask` is a prefix mask (ones followed by zeros) of `width` bits. */
export function isCidrMask(mask: bigint, width: number): boolean {
  const inv = onesMask(width) ^ mask;
  return (inv & (inv + 1n)) === 0n;
}

export function cidrBits(mask: bigint, width: number): number {
  let n = 0;
  for (let i = width - 1; i >= 0 && (mask >> BigInt(i)) & 1n; i--) n++;
  return n;
}

export function cidrMask(bits: number, width: number): bigint {
  if (bits <= 0) return 0n;
  return onesMask(width) ^ onesMask(width - bits);
}

// ---------------------------------------------------------------------------------------------
// Integers

const HEX_RE = /^0[xX][0-9a-fA-F]+$/;
const DEC_RE = /^[0-9]+$/;

/** Parses `123` or `0x7b`. Returns undefined for anything else. */
export function parseUint(s: string): bigint | undefined {
  if (s.length === 0) return undefined;
  const c0 = s.charCodeAt(0);
  if (c0 === 48 && s.length > 2 && (s.charCodeAt(1) | 0x20) === 120) {
    if (!HEX_RE.test(s)) return undefined;
    if (s.length <= 6) return SMALL[parseInt(s, 16)];
    return BigInt(s);
  }
  if (!DEC_RE.test(s)) return undefined;
  // Small decimal numbers are the common case; avoid BigInt string parsing for them.
  if (s.length < 15) return bigOf(Number(s));
  return BigInt(s);
}

/** `%#x`: `0` for zero, else `0x` + lowercase hex. Also OVS `ds_put_hex`. */
export function hex(v: bigint): string {
  return v === 0n ? '0' : '0x' + v.toString(16);
}

function hexPad(v: bigint, digits: number): string {
  return '0x' + v.toString(16).padStart(digits, '0');
}

// ---------------------------------------------------------------------------------------------
// MAC

/** Value of a hex digit's char code, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

export function parseMac(s: string): bigint | undefined {
  if (s.length !== 17) return undefined;
  // Two 24-bit halves in plain numbers, one BigInt at the end: a flow dump has a MAC in most lines.
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 6; i++) {
    const at = i * 3;
    if (i > 0 && s.charCodeAt(at - 1) !== 58) return undefined;
    const d1 = hexDigit(s.charCodeAt(at));
    const d2 = hexDigit(s.charCodeAt(at + 1));
    if (d1 < 0 || d2 < 0) return undefined;
    if (i < 3) hi = hi * 256 + d1 * 16 + d2;
    else lo = lo * 256 + d1 * 16 + d2;
  }
  return BigInt(hi * 0x1000000 + lo);
}

export function formatMac(v: bigint | number): string {
  const h = v.toString(16).padStart(12, '0');
  return `${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}:${h.slice(8, 10)}:${h.slice(10, 12)}`;
}

// ---------------------------------------------------------------------------------------------
// IPv4

export function parseIpv4(s: string): bigint | undefined {
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      digits++;
      if (part > 255 || digits > 3) return undefined;
    } else if (c === 46) {
      if (digits === 0) return undefined;
      v = v * 256 + part;
      part = 0;
      digits = 0;
      dots++;
      if (dots > 3) return undefined;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return BigInt(v * 256 + part);
}

export function formatIpv4(v: bigint | number): string {
  const n = Number(v);
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

// ---------------------------------------------------------------------------------------------
// IPv6

export function parseIpv6(s: string): bigint | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  let head: string[];
  let tail: string[] = [];
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) return undefined;
    const a = s.slice(0, dbl);
    const b = s.slice(dbl + 2);
    head = a ? a.split(':') : [];
    tail = b ? b.split(':') : [];
  } else {
    head = s.split(':');
  }
  const words: number[] = [];
  const conv = (parts: string[], out: number[]): boolean => {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (p.includes('.')) {
        if (i !== parts.length - 1) return false;
        const v4 = parseIpv4(p);
        if (v4 === undefined) return false;
        const n = Number(v4);
        out.push((n >>> 16) & 0xffff, n & 0xffff);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return false;
      out.push(parseInt(p, 16));
    }
    return true;
  };
  const hw: number[] = [];
  const tw: number[] = [];
  if (!conv(head, hw) || !conv(tail, tw)) return undefined;
  if (dbl >= 0) {
    // An embedded IPv4 in the head part only makes sense without '::' after it.
    if (head.some((p) => p.includes('.'))) return undefined;
    const fill = 8 - hw.length - tw.length;
    if (fill < 1) return undefined;
    words.push(...hw);
    for (let i = 0; i < fill; i++) words.push(0);
    words.push(...tw);
  } else {
    if (hw.length !== 8) return undefined;
    words.push(...hw);
  }
  let v = 0n;
  for (const w of words) v = (v << 16n) | BigInt(w);
  return v;
}

/** RFC 5952-like text as glibc `inet_ntop` produces it (which OVS uses). */
export function formatIpv6(v: bigint): string {
  const w: number[] = [];
  for (let i = 7; i >= 0; i--) w.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // Longest run of zero words (first one wins on ties), only if at least 2 long.
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase >= 0) {
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase >= 0 && curLen > bestLen) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i) out += ':';
    // Embedded IPv4: ::a.b.c.d (compatible) and ::ffff:a.b.c.d (mapped).
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      out += `${w[6] >> 8}.${w[6] & 255}.${w[7] >> 8}.${w[7] & 255}`;
      break;
    }
    out += w[i].toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

// ---------------------------------------------------------------------------------------------
// Flags (ct_state, tcp_flags, tun_flags)

export const CT_STATE_BITS: readonly (readonly [string, number])[] = [
  ['new', 0x01],
  ['est', 0x02],
  ['rel', 0x04],
  ['rpl', 0x08],
  ['inv', 0x10],
  ['trk', 0x20],
  ['snat', 0x40],
  ['dnat', 0x80],
];

export const TCP_FLAG_BITS: readonly (readonly [string, number])[] = [
  ['fin', 0x001],
  ['syn', 0x002],
  ['rst', 0x004],
  ['psh', 0x008],
  ['ack', 0x010],
  ['urg', 0x020],
  ['ece', 0x040],
  ['cwr', 0x080],
  ['ns', 0x100],
  ['[200]', 0x200],
  ['[400]', 0x400],
  ['[800]', 0x800],
];

export const TUN_FLAG_BITS: readonly (readonly [string, number])[] = [
  ['oam', 0x1],
  ['df', 0x2],
  ['csum', 0x4],
  ['key', 0x8],
];

function bitName(bits: readonly (readonly [string, number])[], bit: number): string | undefined {
  for (const [n, b] of bits) if (b === bit) return n;
  return undefined;
}

/** OVS `format_flags_masked` with `format_flags(..., '|')` for an exact mask. */
export function formatFlagsMasked(
  bits: readonly (readonly [string, number])[],
  value: number,
  mask: number,
  maxMask: number,
): string {
  if (mask === maxMask) {
    if (!value) return '0';
    let out = '';
    let bad = 0;
    let f = value;
    while (f) {
      const bit = f & -f;
      const n = bitName(bits, bit);
      if (n) out += (out ? '|' : '') + n;
      else bad |= bit;
      f &= ~bit;
    }
    if (bad) out += (out ? '|' : '') + '0x' + bad.toString(16);
    return out;
  }
  if (!mask) return '0/0';
  let out = '';
  let m = mask;
  while (m) {
    const bit = m & -m;
    out += (value & bit ? '+' : '-') + (bitName(bits, bit) ?? '[Unknown]');
    m &= ~bit;
  }
  return out;
}

/**
 * Parses `+trk-est`, `-new+est+trk`, `trk|new`, `0`, `0x21/0x21`. `maxMask` is the mask used
 * for the `a|b` (exact) form.
 */
export function parseFlagsMasked(
  bits: readonly (readonly [string, number])[],
  s: string,
  maxMask: number,
): Masked | string {
  if (s.length === 0) return 'empty flags value';
  const c0 = s[0];
  if (c0 === '+' || c0 === '-') {
    let value = 0;
    let mask = 0;
    let i = 0;
    while (i < s.length) {
      const sign = s[i];
      if (sign !== '+' && sign !== '-') return `expected '+' or '-' in flags at "${s.slice(i)}"`;
      let j = i + 1;
      while (j < s.length && s[j] !== '+' && s[j] !== '-') j++;
      const name = s.slice(i + 1, j);
      let bit = 0;
      for (const [n, b] of bits) if (n === name) bit = b;
      if (!bit) return `unknown flag "${name}"`;
      if (mask & bit) return `flag "${name}" given twice`;
      mask |= bit;
      if (sign === '+') value |= bit;
      i = j;
    }
    return { value: BigInt(value), mask: BigInt(mask) };
  }
  const slash = s.indexOf('/');
  if (slash >= 0) {
    const v = parseUint(s.slice(0, slash));
    const m = parseUint(s.slice(slash + 1));
    if (v === undefined || m === undefined) return `bad masked flags value "${s}"`;
    return { value: v & m, mask: m };
  }
  const num = parseUint(s);
  if (num !== undefined) return { value: num, mask: BigInt(maxMask) };
  let value = 0;
  for (const name of s.split('|')) {
    let bit = 0;
    for (const [n, b] of bits) if (n === name) bit = b;
    if (!bit) return `unknown flag "${name}"`;
    value |= bit;
  }
  return { value: BigInt(value), mask: BigInt(maxMask) };
}

// ---------------------------------------------------------------------------------------------
// Fragment handling

const FRAG_ANY = 1;
const FRAG_LATER = 2;

const FRAG_NAMES: readonly (readonly [string, number, number])[] = [
  // name, mask, value
  ['no', FRAG_ANY | FRAG_LATER, 0],
  ['first', FRAG_ANY | FRAG_LATER, FRAG_ANY],
  ['later', FRAG_ANY | FRAG_LATER, FRAG_ANY | FRAG_LATER],
  ['yes', FRAG_ANY, FRAG_ANY],
  ['not_later', FRAG_LATER, 0],
];

export function parseFrag(s: string): Masked | string {
  for (const [n, m, v] of FRAG_NAMES) if (n === s) return { value: BigInt(v), mask: BigInt(m) };
  return `unknown fragment type "${s}" (expected no, yes, first, later, not_later)`;
}

/** Formats as `match_format` prints nw_frag. */
export function formatFragMatch(value: bigint, mask: bigint): string {
  const m = Number(mask) & 3;
  const v = Number(value);
  if (m === 3) return v & FRAG_ANY ? (v & FRAG_LATER ? 'later' : 'first') : v & FRAG_LATER ? '<error>' : 'no';
  if (m === FRAG_ANY) return v & FRAG_ANY ? 'yes' : 'no';
  if (m === FRAG_LATER) return v & FRAG_LATER ? 'later' : 'not_later';
  return '<error>';
}

/** Formats as `mf_format` prints ip_frag (set_field / learn). */
export function formatFragValue(value: bigint, mask: bigint): string {
  const m = Number(mask) & 3;
  const v = Number(value) & m;
  for (const [n, fm, fv] of FRAG_NAMES) if (fm === m && fv === v) return n === 'no' && m === FRAG_ANY ? 'no' : n;
  return '<error>';
}

// ---------------------------------------------------------------------------------------------
// Packet type (ns,type) — value is ns << 16 | type

function putU16Masked(v: number, m: number): string {
  if (!m) return '*';
  let out = v > 9 ? '0x' + v.toString(16) : String(v);
  if (m !== 0xffff) out += '/0x' + m.toString(16);
  return out;
}

export function formatPacketType(value: bigint, mask: bigint): string {
  const v = Number(value);
  const m = Number(mask);
  if (v === 0 && m === 0xffffffff) return 'eth';
  return `(${putU16Masked(v >>> 16, m >>> 16)},${putU16Masked(v & 0xffff, m & 0xffff)})`;
}

function parseU16Masked(s: string): [number, number] | undefined {
  if (s === '*') return [0, 0];
  const slash = s.indexOf('/');
  const v = parseUint(slash < 0 ? s : s.slice(0, slash));
  const m = slash < 0 ? 0xffffn : parseUint(s.slice(slash + 1));
  if (v === undefined || m === undefined || v > 0xffffn || m > 0xffffn) return undefined;
  return [Number(v), Number(m)];
}

export function parsePacketType(s: string): Masked | string {
  if (s === 'eth') return { value: 0n, mask: 0xffffffffn };
  if (s.length < 5 || s[0] !== '(' || s[s.length - 1] !== ')') return `bad packet_type "${s}" (expected (ns,type))`;
  const inner = s.slice(1, -1);
  const comma = inner.indexOf(',');
  if (comma < 0) return `bad packet_type "${s}" (expected (ns,type))`;
  const a = parseU16Masked(inner.slice(0, comma));
  const b = parseU16Masked(inner.slice(comma + 1));
  if (!a || !b) return `bad packet_type "${s}"`;
  return { value: BigInt(((a[0] << 16) | b[0]) >>> 0), mask: BigInt(((a[1] << 16) | b[1]) >>> 0) };
}

// ---------------------------------------------------------------------------------------------
// OpenFlow ports

/** Reserved ports, by OVS's 16-bit internal number. */
export const RESERVED_PORTS: readonly (readonly [string, number])[] = [
  ['IN_PORT', 0xfff8],
  ['TABLE', 0xfff9],
  ['NORMAL', 0xfffa],
  ['FLOOD', 0xfffb],
  ['ALL', 0xfffc],
  ['CONTROLLER', 0xfffd],
  ['LOCAL', 0xfffe],
  ['ANY', 0xffff],
  ['UNSET', 0xfff7],
];

export function reservedPortName(port: number): string | undefined {
  for (const [n, p] of RESERVED_PORTS) if (p === port) return n;
  return undefined;
}

export function reservedPortNumber(name: string): number | undefined {
  const u = name.toUpperCase();
  if (u === 'NONE') return 0xffff;
  for (const [n, p] of RESERVED_PORTS) if (n === u) return p;
  return undefined;
}

/** A port as written: a number, a reserved name, or a (possibly quoted) port name. */
export type PortRef = { readonly kind: 'number'; readonly port: number } | { readonly kind: 'name'; readonly name: string };

/** True when OVS prints the name without quotes (alphanumeric, starting with a letter). */
export function nameNeedsQuotes(name: string): boolean {
  if (!/^[A-Za-z]/.test(name)) return true;
  return !/^[A-Za-z][A-Za-z0-9]*$/.test(name);
}

/** JSON-style quoting as OVS `json_string_escape` does for names that need it. */
export function quoteName(name: string): string {
  if (!nameNeedsQuotes(name)) return name;
  let out = '"';
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c < 0x20) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** Undoes `quoteName` on a token that starts with `"`. Returns undefined when malformed. */
export function unquoteName(s: string): string | undefined {
  if (s.length < 2 || s[0] !== '"' || s[s.length - 1] !== '"') return undefined;
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export function formatPort(p: PortRef): string {
  if (p.kind === 'name') return quoteName(p.name);
  return reservedPortName(p.port) ?? String(p.port);
}

/** Parses a port token: number, reserved name (any case), quoted or bare port name. */
export function parsePort(s: string): PortRef | string {
  if (s.length === 0) return 'empty port';
  if (s[0] === '"') {
    const n = unquoteName(s);
    return n === undefined ? `malformed quoted port name ${s}` : { kind: 'name', name: n };
  }
  const c = s.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const v = parseUint(s);
    if (v === undefined || v > 0xffffffffn) return `bad port number "${s}"`;
    let n = Number(v);
    // OpenFlow 1.1+ 32-bit reserved ports map onto the 16-bit ones.
    if (n >= 0xffffff00) n = n - 0xffff0000;
    return { kind: 'number', port: n };
  }
  const r = reservedPortNumber(s);
  if (r !== undefined && s === s.toUpperCase()) return { kind: 'number', port: r };
  return { kind: 'name', name: s };
}

// ---------------------------------------------------------------------------------------------
// Field values

/** A parsed field value. `port` is set for port-valued fields written as a name. */
export interface ParsedValue extends Masked {
  readonly port?: PortRef;
}

/** Width rounded up to whole bytes, as OVS stores field values. */
export function byteWidth(width: number): number {
  return (width + 7) & ~7;
}

function parseNumberMasked(f: FieldDef, s: string): ParsedValue | string {
  const slash = s.indexOf('/');
  const full = onesMask(byteWidth(f.width));
  const vs = slash < 0 ? s : s.slice(0, slash);
  const v = parseUint(vs);
  if (v === undefined) return `bad value "${vs}" for ${f.name} (expected a number)`;
  if (v > full) return `value ${vs} does not fit in ${f.width}-bit field ${f.name}`;
  if (slash < 0) return { value: v, mask: v > onesMask(f.width) ? full : onesMask(f.width) };
  const m = parseUint(s.slice(slash + 1));
  if (m === undefined) return `bad mask "${s.slice(slash + 1)}" for ${f.name}`;
  if (m > full) return `mask ${s.slice(slash + 1)} does not fit in ${f.width}-bit field ${f.name}`;
  return { value: v & m, mask: m };
}

function parseAddrMasked(
  f: FieldDef,
  s: string,
  parse: (t: string) => bigint | undefined,
  width: number,
  what: string,
): ParsedValue | string {
  const slash = s.indexOf('/');
  const full = onesMask(width);
  const vs = slash < 0 ? s : s.slice(0, slash);
  const v = parse(vs);
  if (v === undefined) return `bad ${what} "${vs}" for ${f.name}`;
  if (slash < 0) return { value: v, mask: full };
  const ms = s.slice(slash + 1);
  let m: bigint | undefined;
  if (what !== 'MAC' && /^[0-9]{1,3}$/.test(ms)) {
    const bits = Number(ms);
    if (bits > width) return `prefix length ${ms} too long for ${f.name}`;
    m = cidrMask(bits, width);
  } else m = parse(ms);
  if (m === undefined) return `bad ${what} mask "${ms}" for ${f.name}`;
  return { value: v & m, mask: m };
}

/**
 * Parses the text after `field=` (match) or before `->field` (set_field) for field `f`.
 * Accepts every form OVS prints for that field and the common input forms.
 */
export function parseFieldValue(f: FieldDef, s: string): ParsedValue | string {
  switch (f.format) {
    case 'mac':
      return parseAddrMasked(f, s, parseMac, 48, 'MAC');
    case 'ipv4':
      return parseAddrMasked(f, s, parseIpv4, 32, 'IPv4 address');
    case 'ipv6':
      return parseAddrMasked(f, s, parseIpv6, 128, 'IPv6 address');
    case 'ct_state':
      return parseFlagsMasked(CT_STATE_BITS, s, 0xff);
    case 'tcp_flags':
      return parseFlagsMasked(TCP_FLAG_BITS, s, 0xfff);
    case 'tun_flags':
      return parseFlagsMasked(TUN_FLAG_BITS, s, 0xf);
    case 'frag':
      return parseFrag(s);
    case 'packet_type':
      return parsePacketType(s);
    case 'ofp_port':
    case 'ofp_port_oxm': {
      if (s.indexOf('/') > 0 && s[0] !== '"') return parseNumberMasked(f, s);
      const p = parsePort(s);
      if (typeof p === 'string') return p;
      if (p.kind === 'name') return { value: 0n, mask: onesMask(f.width), port: p };
      return { value: BigInt(p.port), mask: onesMask(f.width), port: p };
    }
    default: {
      if (f.name === 'nw_tos') {
        const r = parseNumberMasked(f, s);
        return r;
      }
      if (f.matchStyle === 'hexbare') {
        // tun_tos is printed as bare hex in matches.
        if (/^[0-9a-fA-F]+$/.test(s) && !/^[0-9]+$/.test(s)) return { value: BigInt('0x' + s), mask: onesMask(f.width) };
      }
      return parseNumberMasked(f, s);
    }
  }
}

function isFull(mask: bigint, width: number): boolean {
  return mask === onesMask(width);
}

function formatAddr(v: bigint, m: bigint, width: number, fmt: (x: bigint) => string, cidr: boolean): string {
  let out = fmt(v);
  if (!isFull(m, width)) {
    if (cidr && isCidrMask(m, width)) out += '/' + cidrBits(m, width);
    else out += '/' + fmt(m);
  }
  return out;
}

/**
 * Formats a value as `match_format` prints it in a flow's match (the text after `name=`).
 * `port` supplies the name of a port-valued field written with `--names`.
 */
export function formatMatchValue(f: FieldDef, value: bigint, mask: bigint, port?: PortRef): string {
  const full = isFull(mask, f.width);
  switch (f.matchStyle) {
    case 'hex':
      return full ? hex(value) : `${hex(value)}/${hex(mask)}`;
    case 'hexbytes':
      return full ? hex(value) : `${hex(value)}/${hex(mask)}`;
    case 'decimal':
      return full ? value.toString() : `${value.toString()}/${hex(mask)}`;
    case 'dec_hexmask':
      return full ? value.toString() : `0x${value.toString(16)}/0x${mask.toString(16)}`;
    case 'dec_hex08mask':
      return full ? value.toString() : `${hexPad(value, 8)}/${hexPad(mask, 8)}`;
    case 'hex02mask':
      return full ? value.toString() : `${hexPad(value, 2)}/${hexPad(mask, 2)}`;
    case 'hexmask':
      return full ? '0x' + value.toString(16) : `0x${value.toString(16)}/0x${mask.toString(16)}`;
    case 'hexbare':
      return value.toString(16);
    case 'hex04':
      return full ? hexPad(value, 4) : `${hexPad(value, 4)}/${hexPad(mask, 4)}`;
    case 'hex05':
      return full ? hexPad(value, 5) : `${hexPad(value, 5)}/${hexPad(mask, 5)}`;
    case 'nw_tos':
      return (value & 0xfcn).toString();
    case 'port':
      if (port) return formatPort(port);
      return formatPort({ kind: 'number', port: Number(value) });
    case 'mac':
      return formatAddr(value, mask, 48, formatMac, false);
    case 'ipv4':
      return formatAddr(value, mask, 32, formatIpv4, true);
    case 'ipv6':
      return formatAddr(value, mask, 128, formatIpv6, true);
    case 'ct_state':
      return formatFlagsMasked(CT_STATE_BITS, Number(value), Number(mask), 0xff);
    case 'tcp_flags':
      return formatFlagsMasked(TCP_FLAG_BITS, Number(value), Number(mask) & 0xfff, 0xfff);
    case 'tun_flags':
      return formatFlagsMasked(TUN_FLAG_BITS, Number(value), Number(mask) & 0xf, 0xf);
    case 'frag':
      return formatFragMatch(value, mask);
    case 'packet_type':
      return formatPacketType(value, mask);
  }
}

/**
 * Formats a value as `mf_format` prints it (set_field, learn, group fields). A mask equal to
 * all-ones is omitted; an all-zero mask prints `ANY`.
 */
export function formatFieldValue(f: FieldDef, value: bigint, mask?: bigint, port?: PortRef): string {
  const fmt: ValueFormat = f.format;
  let m: bigint | undefined = mask;
  if (m !== undefined) {
    // mf_format compares against all-ones of the field's byte width (nw_ecn's 0x3 is printed).
    if (m === 0n) return 'ANY';
    if (isFull(m, byteWidth(f.width))) m = undefined;
  }
  switch (fmt) {
    case 'ofp_port':
    case 'ofp_port_oxm':
      if (m === undefined) return port ? formatPort(port) : formatPort({ kind: 'number', port: Number(value) });
      return `${value.toString()}/${hex(m)}`;
    case 'decimal':
      return m === undefined ? value.toString() : `${value.toString()}/${hex(m)}`;
    case 'hex':
      return m === undefined ? hex(value) : `${hex(value)}/${hex(m)}`;
    case 'mac':
      return formatAddr(value, m ?? onesMask(48), 48, formatMac, false);
    case 'ipv4':
      return formatAddr(value, m ?? onesMask(32), 32, formatIpv4, true);
    case 'ipv6':
      return formatAddr(value, m ?? onesMask(128), 128, formatIpv6, true);
    case 'ct_state':
      return formatFlagsMasked(CT_STATE_BITS, Number(value), m === undefined ? 0xffffffff : Number(m), 0xffff);
    case 'tcp_flags':
      return formatFlagsMasked(TCP_FLAG_BITS, Number(value), m === undefined ? 0xffff : Number(m), 0xfff);
    case 'tun_flags':
      return formatFlagsMasked(TUN_FLAG_BITS, Number(value), (m === undefined ? 0xffff : Number(m)) & 1, 1);
    case 'frag':
      return formatFragValue(value, m ?? 0xffn);
    case 'packet_type':
      return formatPacketType(value, m ?? 0xffffffffn);
  }
}

/** Re-exported so callers can tell whether a match style prints a mask. */
export type { MatchStyle };
