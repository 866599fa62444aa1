/**
 * Tokenisers for redaction: find every textual address in free text (IPv4 dotted, IPv6 in any
 * RFC 4291 form, MAC with colons, each optionally with a /prefix or /mask; `0x…` literals and
 * bare 16-digit datapath ids that equal a known address) and hand it to an `AddressMapper`;
 * the text between addresses goes to `gap` (names and keywords). Also rewrites the string
 * literals of a JSON document in place, leaving every other byte (numbers beyond 2^53,
 * whitespace, key order) untouched.
 *
 * The same tokeniser serves three masters: learning (the mapper records and returns undefined),
 * redacting (the Redactor) and translating back (the mapping file, see redact-unmap.ts).
 */
import { formatIpv4, formatIpv6, formatMac, parseIpv4, parseIpv6, parseMac } from '../model/masked.js';

/**
 * SSH host-key fingerprints as ssh and ovnscope print them: `SHA256:` + 43 base64 characters,
 * `MD5:` + 16 colon-separated hex bytes, or those 16 bytes bare (ssh before 6.8). Matched whole,
 * before addresses: the address tokeniser would otherwise read MACs inside the MD5 bytes.
 */
export const FINGERPRINT_RE = /(?<![A-Za-z0-9+/:])(?:SHA256:[A-Za-z0-9+/]{43}=?|(?:MD5:)?[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){15})(?![A-Za-z0-9+/=:])/g;

/** A user's home directory in a path (`/home/alice/.ssh/known_hosts`, macOS `/Users/alice`): group 1 is the user. */
export const HOME_DIR_RE = /\/(?:home|Users)\/([A-Za-z0-9_][A-Za-z0-9._-]*)(?![A-Za-z0-9._-])/g;

/**
 * An SSH endpoint as ovnscope's transport messages write it, `user@host[:port]` (host a name,
 * an address, or `[IPv6]`): group 1 is the user, group 2 the host.
 */
export const SSH_ENDPOINT_RE = /(?<![A-Za-z0-9._@-])([A-Za-z_][A-Za-z0-9._-]*)@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)/g;

export interface AddressMapper {
  /**
   * Image of an IPv4 address, or undefined to keep it. With `mask` the text was a network
   * (`10.1.1.0/24`, no host bits): return the image already masked. An address written with a
   * prefix length but host bits (`10.1.1.1/24`, a router port) comes without `mask`.
   */
  v4(value: bigint, mask?: bigint): bigint | undefined;
  v6(value: bigint, mask?: bigint): bigint | undefined;
  mac(value: bigint, mask?: bigint): bigint | undefined;
  /** A `0x…` literal of at least 6 digits (registers printed in hex); undefined = keep. */
  hex?(value: bigint, digits: number): bigint | undefined;
  /** A bare 16-hex-digit token (datapath id `0000` + bridge MAC); undefined = keep. */
  dpid?(value: bigint): bigint | undefined;
  /** Bytes written as dotted hex (`userdata=00.00.0a.01…`, `note:…`); undefined = keep. */
  bytes?(data: number[]): number[] | undefined;
  /** Text between addresses (names, keywords). */
  gap(text: string): string;
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
/** Letters, digits and underscore: a token glued to one of these is part of a longer word. */
const isWord = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** Rewrites every address, name and keyword of `s`. */
export function rewriteText(s: string, m: AddressMapper): string {
  const spans = addressSpans(s, m);
  if (!spans.length) return m.gap(s);
  let out = '';
  let pos = 0;
  for (const sp of spans) {
    out += m.gap(s.slice(pos, sp.start)) + sp.text;
    pos = sp.end;
  }
  return out + m.gap(s.slice(pos));
}

/** Where the addresses of `s` are and what they become (only the ones that change). */
export function addressSpans(s: string, m: AddressMapper): Span[] {
  const spans: Span[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 48 && (s.charCodeAt(i + 1) | 0x20) === 120 && isHex(s.charCodeAt(i + 2)) && !isWord(s.charCodeAt(i - 1))) {
      let j = i + 2;
      while (j < n && isHex(s.charCodeAt(j))) j++;
      const digits = j - i - 2;
      if (m.hex && !isWord(s.charCodeAt(j)) && digits >= 6 && digits <= 32) {
        const v = BigInt('0x' + s.slice(i + 2, j));
        const r = m.hex(v, digits);
        if (r !== undefined && r !== v) spans.push({ start: i, end: j, text: s.slice(i, i + 2) + hexLike(r, s.slice(i + 2, j)) });
      }
      i = j;
      continue;
    }
    if (isHex(c) || c === 58) {
      let j = i;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (isHex(d) || d === 58 || d === 46) j++;
        else break;
      }
      i = analyzeRun(s, i, j, m, spans);
      continue;
    }
    i++;
  }
  return spans;
}

/** Formats `v` in hex like `orig` (same case, zero-padded to its length). */
function hexLike(v: bigint, orig: string): string {
  let h = v.toString(16);
  if (orig.length > h.length && orig[0] === '0') h = h.padStart(orig.length, '0');
  return /[A-F]/.test(orig) ? h.toUpperCase() : h;
}

function caseLike(text: string, orig: string): string {
  return /[A-F]/.test(orig) && !/[a-f]/.test(orig) ? text.toUpperCase() : text;
}

function analyzeRun(s: string, a: number, b: number, m: AddressMapper, spans: Span[]): number {
  let colons = 0;
  for (let k = a; k < b; k++) if (s.charCodeAt(k) === 58) colons++;
  if (colons >= 2) {
    const end = tryIpv6(s, a, b, m, spans);
    if (end >= 0) return end;
  }
  if (colons >= 1) return colonGroups(s, a, b, m, spans);
  if (b - a >= 14 && BYTES_RE.test(s.slice(a, b))) {
    // Dotted hex bytes (controller userdata, note): never IPv4, whatever the digits say.
    const text = s.slice(a, b);
    const data = text.split('.').map((h) => parseInt(h, 16));
    const out = m.bytes?.(data);
    if (out && out.some((x, k) => x !== data[k])) spans.push({ start: a, end: b, text: out.map((x) => x.toString(16).padStart(2, '0')).join('.') });
    return b;
  }
  if (b - a === 16 && m.dpid && !isWord(s.charCodeAt(a - 1)) && !isWord(s.charCodeAt(b)) && /^[0-9a-fA-F]{16}$/.test(s.slice(a, b))) {
    dpidSpan(s, a, b, m, spans);
    return b;
  }
  return ipv4Scan(s, a, b, m, spans);
}

const BYTES_RE = /^(?:[0-9a-fA-F]{2}\.){4,}[0-9a-fA-F]{2}$/;

function dpidSpan(s: string, a: number, b: number, m: AddressMapper, spans: Span[]): void {
  const orig = s.slice(a, b);
  const v = BigInt('0x' + orig);
  const r = m.dpid?.(v);
  if (r !== undefined && r !== v) spans.push({ start: a, end: b, text: hexLike(r, orig) });
}

function tryIpv6(s: string, a: number, b: number, m: AddressMapper, spans: Span[]): number {
  const cands: [number, number][] = [[a, b]];
  let e = b;
  if (s.charCodeAt(e - 1) === 46) e--; // sentence-ending dot
  if (e !== b) cands.push([a, e]);
  if (s.charCodeAt(a) === 58 && s.charCodeAt(a + 1) !== 58) cands.push([a + 1, e]);
  if (s.charCodeAt(e - 1) === 58 && s.charCodeAt(e - 2) !== 58) {
    cands.push([a, e - 1]);
    if (s.charCodeAt(a) === 58 && s.charCodeAt(a + 1) !== 58) cands.push([a + 1, e - 1]);
  }
  for (const [ca, cb] of cands) {
    if (isWord(s.charCodeAt(ca - 1)) || isWord(s.charCodeAt(cb))) continue;
    const text = s.slice(ca, cb);
    if (text.indexOf(':') === text.lastIndexOf(':')) continue;
    const v = parseIpv6(text);
    if (v === undefined) continue;
    // Prefix length or mask after "/".
    let end = cb;
    let mask: bigint | undefined;
    let maskText = '';
    if (s.charCodeAt(cb) === 47) {
      const mm = /^\/(\d{1,3})(?![0-9A-Fa-f:.])/.exec(s.slice(cb, cb + 6));
      if (mm && Number(mm[1]) <= 128) {
        mask = prefixMask(Number(mm[1]), 128);
        maskText = mm[0];
      } else {
        const mr = /^\/([0-9A-Fa-f:.]+)/.exec(s.slice(cb, cb + 48));
        const mv = mr ? parseIpv6(mr[1]) : undefined;
        if (mr && mv !== undefined) {
          mask = mv;
          maskText = mr[0];
        }
      }
      if (mask !== undefined) end = cb + maskText.length;
    }
    const isNet = mask !== undefined && (v & ~mask) === 0n;
    const r = isNet ? m.v6(v, mask) : m.v6(v);
    if (r !== undefined && r !== v) spans.push({ start: ca, end, text: caseLike(formatIpv6(r), text) + maskText });
    else if (r !== undefined && isNet) spans.push({ start: ca, end, text: s.slice(ca, end) });
    return Math.max(end, b);
  }
  return -1;
}

function prefixMask(bits: number, width: number): bigint {
  if (bits <= 0) return 0n;
  return ((1n << BigInt(width)) - 1n) ^ ((1n << BigInt(width - bits)) - 1n);
}

interface Group {
  readonly start: number;
  readonly end: number;
}

function colonGroups(s: string, a: number, b: number, m: AddressMapper, spans: Span[]): number {
  const groups: Group[] = [];
  let g = a;
  for (let k = a; k <= b; k++) {
    if (k === b || s.charCodeAt(k) === 58) {
      groups.push({ start: g, end: k });
      g = k + 1;
    }
  }
  const two = (x: Group) => x.end - x.start === 2 && isHex(s.charCodeAt(x.start)) && isHex(s.charCodeAt(x.start + 1));
  const covered = new Array<boolean>(groups.length).fill(false);
  let end = b;
  for (let k = 0; k + 6 <= groups.length; k++) {
    let all = true;
    for (let t = k; t < k + 6; t++) if (!two(groups[t])) all = false;
    if (!all) continue;
    // Exactly six two-digit groups: a seventh makes it something else.
    if ((k > 0 && two(groups[k - 1])) || (k + 6 < groups.length && two(groups[k + 6]))) continue;
    const start = groups[k].start;
    let stop = groups[k + 5].end;
    const text = s.slice(start, stop);
    const v = parseMac(text)!;
    let mask: bigint | undefined;
    let maskText = '';
    if (stop === b && s.charCodeAt(b) === 47) {
      const mt = /^\/([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})(?![0-9A-Fa-f:])/.exec(s.slice(b, b + 19));
      if (mt) {
        mask = parseMac(mt[1]);
        maskText = mt[0];
        stop = b + maskText.length;
        end = stop;
      }
    }
    const r = mask === undefined ? m.mac(v) : m.mac(v, mask);
    if (r !== undefined && r !== v) spans.push({ start, end: stop, text: caseLike(formatMac(r), text) + maskText });
    for (let t = k; t < k + 6; t++) covered[t] = true;
    k += 5;
  }
  for (let k = 0; k < groups.length; k++) {
    if (covered[k]) continue;
    const gr = groups[k];
    if (gr.end - gr.start === 16 && m.dpid && /^[0-9a-fA-F]{16}$/.test(s.slice(gr.start, gr.end)) && !isWord(s.charCodeAt(gr.end)) && !isWord(s.charCodeAt(gr.start - 1))) {
      dpidSpan(s, gr.start, gr.end, m, spans);
      continue;
    }
    if (gr.end > gr.start) end = Math.max(end, ipv4Scan(s, gr.start, gr.end, m, spans));
  }
  return end;
}

const V4_RE = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/g;

/** Dotted IPv4 addresses in s[x..y), with a `/len` or `/a.b.c.d` mask after them. Returns the end of what was consumed. */
function ipv4Scan(s: string, x: number, y: number, m: AddressMapper, spans: Span[]): number {
  if (y - x < 7) return y;
  const sub = s.slice(x, y);
  const re = new RegExp(V4_RE.source, 'g');
  let end = y;
  let mt: RegExpExecArray | null;
  while ((mt = re.exec(sub))) {
    const st = x + mt.index;
    const en = st + mt[0].length;
    const p1 = s.charCodeAt(st - 1);
    const n1 = s.charCodeAt(en);
    const okBefore = !isDigit(p1) && !(p1 === 46 && isDigit(s.charCodeAt(st - 2)));
    const okAfter = !isDigit(n1) && !(n1 === 46 && isDigit(s.charCodeAt(en + 1)));
    const v = okBefore && okAfter ? parseIpv4(mt[0]) : undefined;
    if (v === undefined) {
      re.lastIndex = mt.index + 1;
      continue;
    }
    let stop = en;
    let mask: bigint | undefined;
    let maskText = '';
    if (n1 === 47) {
      const ml = /^\/(\d{1,2})(?![\d.])/.exec(s.slice(en, en + 4));
      if (ml && Number(ml[1]) <= 32) {
        mask = prefixMask(Number(ml[1]), 32);
        maskText = ml[0];
      } else {
        const md = /^\/(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?!\d|\.\d)/.exec(s.slice(en, en + 17));
        const mv = md ? parseIpv4(md[1]) : undefined;
        if (md && mv !== undefined) {
          mask = mv;
          maskText = md[0];
        }
      }
      if (mask !== undefined) stop = en + maskText.length;
    }
    const isNet = mask !== undefined && (v & ~mask & 0xffffffffn) === 0n;
    const r = isNet ? m.v4(v, mask) : m.v4(v);
    if (r !== undefined && r !== v) spans.push({ start: st, end: stop, text: formatIpv4(r) + maskText });
    end = Math.max(end, stop);
    if (stop > y) break;
  }
  return end;
}

// ---------------------------------------------------------------------------------------------
// JSON

export interface JsonRewriteOptions {
  /**
   * OVSDB `--format=json` output: column names (`headings`) and the type tags of `["uuid", …]`,
   * `["set", …]`, `["map", …]` are vocabulary, never rewritten.
   */
  readonly ovsdb?: boolean;
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const OVSDB_TAGS = new Set(['uuid', 'set', 'map', 'named-uuid']);

/**
 * Rewrites the string literals (keys and values) of a JSON text with `map`; every other byte is
 * kept. OVSDB row references (`["uuid","…"]`) are never passed to `map`. Works on truncated documents too: an unterminated last
 * string is mapped as raw text.
 */
export function rewriteJsonStrings(text: string, map: (s: string) => string, options: JsonRewriteOptions = {}): string {
  const n = text.length;
  let hStart = -1;
  let hEnd = -1;
  if (options.ovsdb) {
    hStart = text.lastIndexOf('"headings":[');
    hEnd = hStart >= 0 ? text.indexOf(']', hStart) : -1;
    if (hEnd < 0) hEnd = n;
  }
  let out = '';
  let pos = 0;
  let i = 0;
  while (i < n) {
    const q = text.indexOf('"', i);
    if (q < 0) break;
    let j = q + 1;
    let escaped = false;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 92) {
        escaped = true;
        j += 2;
      } else if (c === 34) break;
      else j++;
    }
    if (j >= n) {
      // Unterminated (a truncated dump): map the rest as raw text.
      const tail = text.slice(q + 1);
      const mapped = map(tail);
      if (mapped !== tail) {
        out += text.slice(pos, q + 1) + mapped;
        pos = n;
      }
      break;
    }
    i = j + 1;
    if (hStart >= 0 && q > hStart && q < hEnd) continue;
    let value: string;
    if (escaped) {
      try {
        value = JSON.parse(text.slice(q, j + 1)) as string;
      } catch {
        continue;
      }
    } else value = text.slice(q + 1, j);
    if (options.ovsdb && OVSDB_TAGS.has(value)) {
      let p = q - 1;
      while (p >= 0 && /\s/.test(text[p])) p--;
      if (text[p] === '[') continue;
    }
    // Row references (`["uuid","…"]`) are never names; a UUID elsewhere may be (a chassis name).
    if (UUID_RE.test(value) && /\[\s*"(?:named-)?uuid"\s*,\s*$/.test(text.slice(Math.max(0, q - 20), q))) continue;
    const mapped = map(value);
    if (mapped !== value) {
      out += text.slice(pos, q) + JSON.stringify(mapped);
      pos = j + 1;
    }
  }
  return pos === 0 ? text : out + text.slice(pos);
}

/** Every string literal of a JSON text (same rules as `rewriteJsonStrings`), for learning. */
export function jsonStrings(text: string, options: JsonRewriteOptions = {}): string[] {
  const out: string[] = [];
  rewriteJsonStrings(
    text,
    (s) => {
      out.push(s);
      return s;
    },
    options,
  );
  return out;
}
