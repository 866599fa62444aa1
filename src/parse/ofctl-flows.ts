/**
 * Parser and formatter for `ovs-ofctl dump-flows` output (OVS 3.1, any OpenFlow version, with or
 * without `--no-stats` / `--names`).
 *
 * `formatFlow(parseFlowLine(l).value!) === l.trim()` for every line OVS prints: the formatter
 * follows `ofputil_flow_stats_format()` / `match_format()` / `ofpacts_format()`.
 *
 * The hot path (a 455k-flow, 88 MB OVN dump parses in about a second) is a hand-written scanner
 * over the whole text: nothing is sliced per line or per token on the common path, no regular
 * expression runs, and everything OVN repeats is interned per parse and shared between flows —
 * match items (by a hash computed while scanning, compared in place), action lists, cookies,
 * statistics — so the result holds ~270 bytes per flow. Strings kept in the result are detached
 * from the dump (see `detach`) so it does not pin the 90 MB text in memory.
 */
import type { Diagnostic, Parsed } from '../model/diagnostic.js';
import { fieldByName, type FieldDef } from '../model/fields.js';
import {
  FLOW_FLAGS,
  OFP_DEFAULT_PRIORITY,
  PROTOCOLS,
  type Action,
  type FlowEntry,
  type FlowFlag,
  type FlowStats,
  type Match,
  type MatchItem,
  type ProtocolShorthand,
} from '../model/flow.js';
import { bigOf, formatMatchValue, parseFieldValue } from '../model/masked.js';
import { actionContext, formatActions, parseActionList } from './ofp-actions.js';
import { detach, parseDecimal } from './scan.js';

export { formatActions, formatAction, parseActions, parseFieldRef, formatFieldRef } from './ofp-actions.js';

/** A reply header line such as `OFPST_FLOW reply (OF1.3) (xid=0x2): flags=[more]`. */
export interface DumpHeader {
  readonly line: number;
  readonly text: string;
  /** `NXST_FLOW`, `OFPST_FLOW`, `OFPST_GROUP_DESC`, ... */
  readonly kind: string;
  /** `OF1.3` etc.; absent for OpenFlow 1.0 replies. */
  readonly version?: string;
  readonly xid?: string;
  readonly flags?: string;
}

export interface FlowDump {
  readonly headers: readonly DumpHeader[];
  readonly flows: readonly FlowEntry[];
  /** Lines that could not be read as a flow, verbatim (each has an error diagnostic). */
  readonly unparsed: readonly { readonly line: number; readonly text: string }[];
  /** Number of non-blank, non-comment lines seen. */
  readonly linesRead: number;
}

export interface FlowParseOptions {
  /** Line number to report for a single line (default 1). */
  readonly line?: number;
}

const HEADER_RE = /^([A-Z0-9_]+) reply(?: \((OF[0-9.]+)\))? \(xid=(0x[0-9a-fA-F]+)\):(?: flags=\[([^\]]*)\])?$/;

/** Parses a reply header line; undefined when the line is not one. */
export function parseDumpHeader(text: string, line: number): DumpHeader | undefined {
  const m = HEADER_RE.exec(text.trim());
  if (!m) return undefined;
  return {
    line,
    text: text.trim(),
    kind: m[1],
    ...(m[2] ? { version: m[2] } : {}),
    xid: m[3],
    ...(m[4] !== undefined ? { flags: m[4] } : {}),
  };
}

/** Formats a header back (for round-trip tests). */
export function formatDumpHeader(h: DumpHeader): string {
  return `${h.kind} reply${h.version ? ` (${h.version})` : ''} (xid=${h.xid}):${h.flags !== undefined ? ` flags=[${h.flags}]` : ''}`;
}

/**
 * Per-parse memo tables: identical texts share one immutable parsed object (OVN dumps repeat
 * the same match tokens, action lists and statistics hundreds of thousands of times).
 */
interface ParseCache {
  readonly actions: Map<string, Action>;
  readonly actionLists: Map<string, readonly Action[]>;
  /** Match tokens (`reg13=0x1a`, `metadata=0x26`), interned without slicing the text. */
  readonly items: TokenTable<MatchItem>;
  /** Cookies of up to 13 hex digits by value; longer ones by text. */
  readonly cookies: Map<number, bigint>;
  readonly longCookies: Map<string, bigint>;
  /** Statistics by a hash of their numbers (flows installed together print the same ones). */
  readonly stats: Map<number, FlowStats[]>;
  /** Reused buffer for the match items of the flow being parsed. */
  readonly scratch: MatchItem[];
  readonly match: MatchScan;
  /** The previous flow's cookie and statistics. */
  readonly last: { cookieValue: number; cookie: bigint; stats: FlowStats | undefined };
}

function newCache(): ParseCache {
  return { actions: new Map(), actionLists: new Map(), items: new TokenTable(), cookies: new Map(), longCookies: new Map(), stats: new Map(), scratch: [], match: { priority: 0, nItems: 0, protocol: undefined, protocolIndex: undefined, error: undefined }, last: { cookieValue: -1, cookie: 0n, stats: undefined } };
}

/**
 * Open-addressing table from substrings of a text to values, probed with a hash computed while
 * the caller scans the characters, and compared in place (`startsWith` at an offset): a hit
 * allocates nothing.
 */
export class TokenTable<V> {
  private keys: (string | undefined)[] = new Array<string | undefined>(1024).fill(undefined);
  private vals: (V | undefined)[] = new Array<V | undefined>(1024).fill(undefined);
  private hashes = new Int32Array(1024);
  private size = 0;

  get(text: string, a: number, b: number, h: number): V | undefined {
    const mask = this.hashes.length - 1;
    const len = b - a;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const k = this.keys[i];
      if (k === undefined) return undefined;
      if (this.hashes[i] === h && k.length === len && textIs(text, a, k)) return this.vals[i];
    }
  }

  set(key: string, h: number, v: V): void {
    if ((this.size + 1) * 2 > this.hashes.length) this.grow();
    const mask = this.hashes.length - 1;
    let i = h & mask;
    while (this.keys[i] !== undefined) i = (i + 1) & mask;
    this.keys[i] = key;
    this.vals[i] = v;
    this.hashes[i] = h;
    this.size++;
  }

  private grow(): void {
    const { keys, vals, hashes } = this;
    const n = hashes.length * 2;
    this.keys = new Array<string | undefined>(n).fill(undefined);
    this.vals = new Array<V | undefined>(n).fill(undefined);
    this.hashes = new Int32Array(n);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== undefined) this.set(keys[i]!, hashes[i]!, vals[i]!);
  }
}

/**
 * Parses a whole `dump-flows` output. Blank lines and `#` comment lines are skipped; a line
 * that is exactly `...` (an elision some documents contain) yields a warning.
 */
export function parseOfctlFlows(text: string): Parsed<FlowDump> {
  const diags: Diagnostic[] = [];
  const headers: DumpHeader[] = [];
  const flows: FlowEntry[] = [];
  const unparsed: { line: number; text: string }[] = [];
  const cache = newCache();
  let linesRead = 0;
  let lineNo = 0;
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    lineNo++;
    const lineStart = pos;
    let end = eol;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    let start = pos;
    while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
    while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
    pos = eol + 1;
    if (start === end) continue;
    const c0 = text.charCodeAt(start);
    if (c0 === 35 /* # */) continue;
    linesRead++;
    if (c0 >= 65 && c0 <= 90) {
      const r = text.indexOf(' reply', start);
      if (r > 0 && r < end) {
        // Detached: a header kept in the result must not pin the whole dump in memory.
        const h = parseDumpHeader(detach(text.slice(start, end)), lineNo);
        if (h) {
          headers.push(h);
          continue;
        }
      }
    }
    if (end - start === 3 && c0 === 46 && text.startsWith('...', start)) {
      diags.push({
        severity: 'warning',
        line: lineNo,
        column: start - lineStart + 1,
        message: 'elided lines ("...") in the dump: it is incomplete',
        excerpt: '...',
      });
      continue;
    }
    const r = parseFlowText(text, start, end, lineNo, start - lineStart, diags, cache);
    if (r) flows.push(r);
    else unparsed.push({ line: lineNo, text: detach(text.slice(start, end)) });
  }
  return { value: { headers, flows, unparsed, linesRead }, diagnostics: diags };
}

/** Parses one flow line (leading/trailing blanks allowed). */
export function parseFlowLine(line: string, opts: FlowParseOptions = {}): Parsed<FlowEntry | undefined> {
  const diags: Diagnostic[] = [];
  let s = 0;
  let e = line.length;
  while (s < e && (line.charCodeAt(s) === 32 || line.charCodeAt(s) === 9)) s++;
  while (e > s && (line.charCodeAt(e - 1) === 32 || line.charCodeAt(e - 1) === 10 || line.charCodeAt(e - 1) === 13 || line.charCodeAt(e - 1) === 9)) e--;
  const v = parseFlowText(line, s, e, opts.line ?? 1, s, diags, newCache());
  return { value: v, diagnostics: diags };
}

// ---------------------------------------------------------------------------------------------

const enum Key {
  None,
  Cookie,
  Duration,
  Table,
  NPackets,
  NBytes,
  IdleTimeout,
  HardTimeout,
  Importance,
  IdleAge,
  HardAge,
}

/** True when `t[a, a + k.length)` is `k` (a JIT-friendly compare of short constants). */
function textIs(t: string, a: number, k: string): boolean {
  for (let x = 0; x < k.length; x++) if (t.charCodeAt(a + x) !== k.charCodeAt(x)) return false;
  return true;
}

/** The header key `t[a, eq)` (before '='), by length and first letter, then checked in full. */
function statKey(t: string, a: number, eq: number): Key {
  const c = t.charCodeAt(a);
  switch (eq - a) {
    case 5:
      return c === 116 && textIs(t, a, 'table') ? Key.Table : Key.None;
    case 6:
      return c === 99 && textIs(t, a, 'cookie') ? Key.Cookie : Key.None;
    case 7:
      return c === 110 && textIs(t, a, 'n_bytes') ? Key.NBytes : Key.None;
    case 8:
      if (c === 100) return textIs(t, a, 'duration') ? Key.Duration : Key.None;
      if (c === 105) return textIs(t, a, 'idle_age') ? Key.IdleAge : Key.None;
      if (c === 104) return textIs(t, a, 'hard_age') ? Key.HardAge : Key.None;
      return Key.None;
    case 9:
      return c === 110 && textIs(t, a, 'n_packets') ? Key.NPackets : Key.None;
    case 10:
      return c === 105 && textIs(t, a, 'importance') ? Key.Importance : Key.None;
    case 12:
      if (c === 105) return textIs(t, a, 'idle_timeout') ? Key.IdleTimeout : Key.None;
      if (c === 104) return textIs(t, a, 'hard_timeout') ? Key.HardTimeout : Key.None;
      return Key.None;
  }
  return Key.None;
}

/** Length of each header key's name (before '='). */
const KEY_LENGTH: readonly number[] = [0, 6, 8, 5, 9, 7, 12, 12, 10, 8, 8];

/** The header key whose `name=` starts at `t[a]` (and ends before `end`), without scanning the token. */
function fastKey(t: string, a: number, end: number): Key {
  let k: Key;
  switch (t.charCodeAt(a)) {
    case 116:
      k = Key.Table;
      break;
    case 99:
      k = Key.Cookie;
      break;
    case 100:
      k = Key.Duration;
      break;
    case 110:
      k = t.charCodeAt(a + 9) === 61 ? Key.NPackets : Key.NBytes;
      break;
    case 105:
      k = t.charCodeAt(a + 8) === 61 ? Key.IdleAge : t.charCodeAt(a + 10) === 61 ? Key.Importance : Key.IdleTimeout;
      break;
    case 104:
      k = t.charCodeAt(a + 8) === 61 ? Key.HardAge : Key.HardTimeout;
      break;
    default:
      return Key.None;
  }
  const eq = a + KEY_LENGTH[k]!;
  return eq < end && t.charCodeAt(eq) === 61 && textIs(t, a, KEY_NAMES[k]!) ? k : Key.None;
}

const KEY_NAMES: readonly string[] = ['', 'cookie', 'duration', 'table', 'n_packets', 'n_bytes', 'idle_timeout', 'hard_timeout', 'importance', 'idle_age', 'hard_age'];

/** The flag word at `t[a, b)`, or undefined. */
function flagAt(t: string, a: number, b: number): FlowFlag | undefined {
  for (const f of FLOW_FLAGS) if (f.length === b - a && t.startsWith(f, a)) return f;
  return undefined;
}

/** The protocol shorthand at `t[a, b)`, or undefined. */
function protocolAt(t: string, a: number, b: number): ProtocolShorthand | undefined {
  const len = b - a;
  if (len < 2 || len > 6) return undefined;
  for (const p of PROTOCOL_NAMES) if (p.length === len && t.startsWith(p, a)) return p;
  return undefined;
}

const PROTOCOL_NAMES = Object.keys(PROTOCOLS) as ProtocolShorthand[];
const NO_FLAGS: readonly FlowFlag[] = Object.freeze([]);

const U64_MAX = (1n << 64n) - 1n;

/** What scanMatch found: slots reused from flow to flow, so a flow allocates nothing here. */
interface MatchScan {
  priority: number;
  /** Items are in ParseCache.scratch[0, nItems). */
  nItems: number;
  protocol: ProtocolShorthand | undefined;
  protocolIndex: number | undefined;
  error: string | undefined;
}

/**
 * Reads the match `t[a0, me)`: splits it at top-level commas (quotes, () and [] respected),
 * hashing each token on the way for the intern table — plain tokens (no quote or bracket) take
 * the tight loop. Returns -1, or the index of a token it cannot read (`out.error` says why).
 */
function scanMatch(t: string, a0: number, me: number, cache: ParseCache, out: MatchScan): number {
  const scratch = cache.scratch;
  let nItems = 0;
  let a = a0;
  for (;;) {
    let h = FNV_OFFSET;
    let eq = -1;
    let b = a;
    for (; b < me; b++) {
      const c = t.charCodeAt(b);
      if (c === 44 || c === 34 || c === 40 || c === 91) break;
      if (c === 61 && eq < 0) eq = b;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    if (b < me && t.charCodeAt(b) !== 44) {
      let depth = 0;
      for (; b < me; b++) {
        const c = t.charCodeAt(b);
        if (c === 34 /* " */) {
          // quoted port name: hash through to the closing quote
          h = Math.imul(h ^ c, FNV_PRIME);
          for (b++; b < me; b++) {
            let d = t.charCodeAt(b);
            h = Math.imul(h ^ d, FNV_PRIME);
            if (d === 61 && eq < 0) eq = b;
            if (d === 92) {
              if (++b >= me) break;
              d = t.charCodeAt(b);
              h = Math.imul(h ^ d, FNV_PRIME);
              if (d === 61 && eq < 0) eq = b;
            } else if (d === 34) break;
          }
          // An unterminated quote runs to the end of the match: the token ends there.
          if (b >= me) {
            b = me;
            break;
          }
          continue;
        }
        if (c === 40 || c === 91) depth++;
        else if ((c === 41 || c === 93) && depth > 0) depth--;
        else if (c === 44 && depth === 0) break;
        if (c === 61 && eq < 0) eq = b;
        h = Math.imul(h ^ c, FNV_PRIME);
      }
    }
    if (a === b) {
      out.error = 'empty match field';
      return a;
    }
    if (eq - a === 8 && t.charCodeAt(a) === 112 && textIs(t, a, 'priority')) {
      // never interned: it is per flow
      const p = parseDecimal(t, eq + 1, b);
      if (p < 0 || p > 0xffff) {
        out.error = 'bad priority';
        return a;
      }
      out.priority = p;
    } else {
      const cached = cache.items.get(t, a, b, h);
      if (cached) scratch[nItems++] = cached;
      else if (eq < 0) {
        const p = protocolAt(t, a, b);
        if (!p) {
          out.error = `unknown match keyword "${t.slice(a, b)}"`;
          return a;
        }
        if (out.protocol) {
          out.error = `second protocol shorthand "${p}"`;
          return a;
        }
        out.protocol = p;
        out.protocolIndex = nItems;
      } else {
        const name = t.slice(a, eq);
        const f: FieldDef | undefined = fieldByName(name);
        if (!f) {
          out.error = `unknown match field "${name}"`;
          return a;
        }
        // Parsed from a detached copy: a port name kept in the item must not pin the dump.
        const r = parseFieldValue(f, detach(t.slice(eq + 1, b)));
        if (typeof r === 'string') {
          out.error = r;
          return eq + 1;
        }
        const mask = f.matchStyle === 'nw_tos' ? r.mask & 0xfcn : r.mask;
        const item: MatchItem = { field: f, value: r.value, mask, port: r.port };
        cache.items.set(t.slice(a, b), h, item);
        scratch[nItems++] = item;
      }
    }
    out.nItems = nItems;
    if (b >= me) return -1;
    a = b + 1;
  }
}

const POW10: readonly number[] = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

/** Hex digit value of char code `c`, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** `t[a, b)` as a decimal counter (≤ 20 digits, or `?` = 2^64-1); undefined when malformed. */
function parseCounter(t: string, a: number, b: number): bigint | undefined {
  const len = b - a;
  if (len === 1 && t.charCodeAt(a) === 63) return U64_MAX;
  if (len <= 0 || len > 20) return undefined;
  if (len <= 15) {
    const v = parseDecimal(t, a, b);
    return v < 0 ? undefined : bigOf(v);
  }
  for (let i = a; i < b; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const v = BigInt(t.slice(a, b));
  return v > U64_MAX ? undefined : v;
}

function statsHash(sec: number, nsec: number, p: bigint, b: bigint, idle: number, hard: number): number {
  let h = Math.imul(sec | 0, 0x9e3779b1) ^ nsec;
  // Number() of a bigint allocates nothing (a masked bigint would); precision does not matter here.
  h = Math.imul(h ^ (Number(p) | 0), 0x85ebca6b) ^ (Number(b) | 0);
  h = Math.imul(h ^ idle, 0xc2b2ae35) ^ hard;
  return h;
}

/** Shares one FlowStats object between flows whose statistics are equal. */
function internStats(cache: ParseCache, sec: number, nsec: number, p: bigint, b: bigint, idleAge: number | undefined, hardAge: number | undefined): FlowStats {
  // Flows installed together sit together in the dump: try the previous flow's first.
  const last = cache.last.stats;
  if (last && last.durationSec === sec && last.durationNsec === nsec && last.nPackets === p && last.nBytes === b && last.idleAge === idleAge && last.hardAge === hardAge) return last;
  const s = internStatsSlow(cache, sec, nsec, p, b, idleAge, hardAge);
  cache.last.stats = s;
  return s;
}

function internStatsSlow(cache: ParseCache, sec: number, nsec: number, p: bigint, b: bigint, idleAge: number | undefined, hardAge: number | undefined): FlowStats {
  const h = statsHash(sec, nsec, p, b, idleAge ?? -1, hardAge ?? -1);
  let bucket = cache.stats.get(h);
  if (bucket) {
    for (const s of bucket)
      if (s.durationSec === sec && s.durationNsec === nsec && s.nPackets === p && s.nBytes === b && s.idleAge === idleAge && s.hardAge === hardAge) return s;
  } else cache.stats.set(h, (bucket = []));
  // Fixed shape (absent optionals are `undefined`) keeps V8's objects monomorphic.
  const s: FlowStats = { durationSec: sec, durationNsec: nsec, nPackets: p, nBytes: b, idleAge, hardAge };
  bucket.push(s);
  return s;
}

function err(diags: Diagnostic[], line: number, col0: number, at: number, message: string, excerpt: string): void {
  diags.push({ severity: 'error', line, column: col0 + at + 1, message, excerpt });
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/**
 * Parses the trimmed flow text `t[s, e)`. `col0` is the 0-based column of t[s] in its line.
 * Returns undefined (with an error diagnostic) when the line cannot be read. Works in place on
 * `t` (a whole dump): nothing is sliced on the common path.
 */
function parseFlowText(t: string, s: number, e: number, line: number, col0: number, diags: Diagnostic[], cache: ParseCache): FlowEntry | undefined {
  // Column offsets below are relative to s; `bad` reports an error at t[at].
  const bad = (at: number, message: string): undefined => {
    err(diags, line, col0, at - s, message, detach(t.slice(s, e)));
    return undefined;
  };
  // Locate "actions=" (preceded by start, ' ' or ',').
  let act = -1;
  let from = s;
  for (;;) {
    const k = t.indexOf('actions=', from);
    if (k < 0 || k + 8 > e) break;
    const p = k === s ? 32 : t.charCodeAt(k - 1);
    if (p === 32 || p === 44) {
      act = k;
      break;
    }
    from = k + 1;
  }
  if (act < 0) return bad(s, 'not a flow: no "actions=" found (expected `ovs-ofctl dump-flows` output)');

  let cookie = 0n;
  let table = 0;
  let durationSec = -1;
  let durationNsec = 0;
  let nPackets: bigint | undefined;
  let nBytes: bigint | undefined;
  let idleTimeout: number | undefined;
  let hardTimeout: number | undefined;
  let importance: number | undefined;
  let idleAge: number | undefined;
  let hardAge: number | undefined;
  let flags: FlowFlag[] | undefined;

  // Header part: "key=value, " pairs and "flag " words.
  let i = s;
  let matchStart = -1;
  while (i < act) {
    // Fast path for what OVS prints: `key=<digits>, `, `cookie=0x<hex>, `, `duration=<n>.<n>s, `.
    // Anything else, or anything odd about these, takes the general path below (which reports).
    const fk = fastKey(t, i, act);
    if (fk !== Key.None) {
      const v0 = i + KEY_LENGTH[fk] + 1;
      let j = v0;
      let v = 0;
      let good = true;
      if (fk === Key.Cookie) {
        if (t.charCodeAt(j) !== 48 || t.charCodeAt(j + 1) !== 120) good = false;
        else {
          j += 2;
          for (let d = hexDigit(t.charCodeAt(j)); d >= 0; d = hexDigit(t.charCodeAt(++j))) v = v * 16 + d;
          good = j - v0 > 2 && j - v0 <= 15;
        }
      } else {
        for (let c = t.charCodeAt(j); c >= 48 && c <= 57; c = t.charCodeAt(++j)) v = v * 10 + (c - 48);
        good = j > v0 && j - v0 <= 15;
      }
      let nsec = 0;
      if (good && fk === Key.Duration) {
        if (t.charCodeAt(j) === 46) {
          const f0 = ++j;
          let f = 0;
          for (let c = t.charCodeAt(j); c >= 48 && c <= 57; c = t.charCodeAt(++j)) f = f * 10 + (c - 48);
          const fl = j - f0;
          good = fl > 0 && fl <= 9;
          nsec = good ? f * POW10[9 - fl]! : 0;
        }
        good = good && t.charCodeAt(j++) === 115; // s
      }
      if (good && j + 1 < act && t.charCodeAt(j) === 44 && t.charCodeAt(j + 1) === 32) {
        switch (fk) {
          case Key.Cookie:
            if (v === cache.last.cookieValue) cookie = cache.last.cookie;
            else {
              let c = cache.cookies.get(v);
              if (c === undefined) cache.cookies.set(v, (c = BigInt(v)));
              cookie = c;
              cache.last.cookieValue = v;
              cache.last.cookie = c;
            }
            break;
          case Key.Duration:
            durationSec = v;
            durationNsec = nsec;
            break;
          case Key.Table:
            good = v <= 255;
            table = v;
            break;
          case Key.NPackets:
            nPackets = bigOf(v);
            break;
          case Key.NBytes:
            nBytes = bigOf(v);
            break;
          case Key.IdleTimeout:
            good = v <= 0xffff;
            idleTimeout = v;
            break;
          case Key.HardTimeout:
            good = v <= 0xffff;
            hardTimeout = v;
            break;
          case Key.Importance:
            good = v <= 0xffff;
            importance = v;
            break;
          case Key.IdleAge:
            idleAge = v;
            break;
          case Key.HardAge:
            hardAge = v;
            break;
        }
        if (good) {
          i = j + 2;
          continue;
        }
      }
    }
    // token end: ',' or ' '; first '=' inside it
    let j = i;
    let eq = -1;
    while (j < act) {
      const c = t.charCodeAt(j);
      if (c === 44 || c === 32) break;
      if (c === 61 && eq < 0) eq = j;
      j++;
    }
    const key = eq > i ? statKey(t, i, eq) : Key.None;
    if (key === Key.None) {
      const flag = j < act && t.charCodeAt(j) === 32 ? flagAt(t, i, j) : undefined;
      if (flag) {
        (flags ??= []).push(flag);
        i = j + 1;
        continue;
      }
      matchStart = i;
      break;
    }
    const v0 = eq + 1;
    let ok = true;
    switch (key) {
      case Key.Cookie: {
        const len = j - v0;
        if (len > 2 && len <= 18 && t.charCodeAt(v0) === 48 && t.charCodeAt(v0 + 1) === 120) {
          if (len <= 15) {
            let v = 0;
            for (let q = v0 + 2; q < j && ok; q++) {
              const d = hexDigit(t.charCodeAt(q));
              if (d < 0) ok = false;
              else v = v * 16 + d;
            }
            if (ok) {
              // Consecutive flows often come from one logical flow: try the last cookie first.
              if (v === cache.last.cookieValue) cookie = cache.last.cookie;
              else {
                let c = cache.cookies.get(v);
                if (c === undefined) cache.cookies.set(v, (c = BigInt(v)));
                cookie = c;
                cache.last.cookieValue = v;
                cache.last.cookie = c;
              }
            }
          } else {
            for (let q = v0 + 2; q < j && ok; q++) if (hexDigit(t.charCodeAt(q)) < 0) ok = false;
            if (ok) {
              const x = t.slice(v0, j);
              let c = cache.longCookies.get(x);
              if (c === undefined) cache.longCookies.set(x, (c = BigInt(x)));
              cookie = c;
            }
          }
        } else ok = false;
        break;
      }
      case Key.Duration: {
        // 123.456s
        if (t.charCodeAt(j - 1) !== 115) {
          ok = false;
          break;
        }
        let dot = -1;
        for (let q = v0; q < j - 1; q++)
          if (t.charCodeAt(q) === 46) {
            dot = q;
            break;
          }
        if (dot >= 0) {
          durationSec = parseDecimal(t, v0, dot);
          const fl = j - 1 - (dot + 1);
          if (fl === 0 || fl > 9) ok = false;
          else {
            const f = parseDecimal(t, dot + 1, j - 1);
            if (f < 0) ok = false;
            else durationNsec = f * POW10[9 - fl]!;
          }
        } else durationSec = parseDecimal(t, v0, j - 1);
        if (durationSec < 0) ok = false;
        break;
      }
      case Key.Table:
        table = parseDecimal(t, v0, j);
        ok = table >= 0 && table <= 255;
        break;
      case Key.NPackets:
      case Key.NBytes: {
        const v = parseCounter(t, v0, j);
        if (v === undefined) ok = false;
        else if (key === Key.NPackets) nPackets = v;
        else nBytes = v;
        break;
      }
      case Key.IdleTimeout:
        idleTimeout = parseDecimal(t, v0, j);
        ok = idleTimeout >= 0 && idleTimeout <= 0xffff;
        break;
      case Key.HardTimeout:
        hardTimeout = parseDecimal(t, v0, j);
        ok = hardTimeout >= 0 && hardTimeout <= 0xffff;
        break;
      case Key.Importance:
        importance = parseDecimal(t, v0, j);
        ok = importance >= 0 && importance <= 0xffff;
        break;
      case Key.IdleAge:
        idleAge = parseDecimal(t, v0, j);
        ok = idleAge >= 0;
        break;
      case Key.HardAge:
        hardAge = parseDecimal(t, v0, j);
        ok = hardAge >= 0;
        break;
    }
    if (!ok) return bad(i, `bad value in "${t.slice(i, j)}"`);
    // separator: ", " (OVS) or "," (tolerated)
    if (j < act && t.charCodeAt(j) === 44) j++;
    if (j < act && t.charCodeAt(j) === 32) j++;
    i = j;
  }

  // Match: [matchStart, act-1) (there is one space before "actions=" when the match is non-empty).
  const m = cache.match;
  m.priority = OFP_DEFAULT_PRIORITY;
  m.nItems = 0;
  m.protocol = undefined;
  m.protocolIndex = undefined;
  if (matchStart >= 0) {
    let me = act;
    while (me > matchStart && t.charCodeAt(me - 1) === 32) me--;
    const errAt = scanMatch(t, matchStart, me, cache, m);
    if (errAt >= 0) return bad(errAt, m.error!);
  }
  const priority = m.priority;
  const nItems = m.nItems;
  const protocol = m.protocol;
  const protocolIndex = m.protocolIndex;
  const scratch = cache.scratch;

  // Actions
  const actText = t.slice(act + 8, e);
  let actions = cache.actionLists.get(actText);
  if (!actions) {
    const nd = diags.length;
    // Parsed from a detached copy (names and verbatim texts kept in actions must not pin the
    // dump); its index 0 is column col0 + 1 + (act + 8 - s) of the line.
    const own = detach(actText);
    actions = parseActionList(own, 0, own.length, actionContext(line, col0 + 1 + (act + 8 - s), diags, cache.actions));
    if (diags.length === nd) cache.actionLists.set(actText, actions);
  }

  const hasStats = durationSec >= 0 || nPackets !== undefined || nBytes !== undefined;
  const stats: FlowStats | undefined = hasStats ? internStats(cache, Math.max(durationSec, 0), durationNsec, nPackets ?? 0n, nBytes ?? 0n, idleAge, hardAge) : undefined;
  const items: MatchItem[] = nItems === 0 ? [] : scratch.slice(0, nItems);
  const match: Match = { items, protocol, protocolIndex };
  // Fixed shape (absent optionals are `undefined`): V8 keeps hundreds of thousands of these monomorphic.
  return {
    line,
    cookie,
    table,
    priority,
    stats,
    idleTimeout,
    hardTimeout,
    importance,
    flags: flags ?? NO_FLAGS,
    match,
    actions,
  };
}

// ---------------------------------------------------------------------------------------------
// Formatting

function formatDuration(sec: number, nsec: number): string {
  if (nsec <= 0) return `${sec}s`;
  if (nsec % 1000000 === 0) return `${sec}.${String(nsec / 1000000).padStart(3, '0')}s`;
  return `${sec}.${String(nsec).padStart(9, '0').replace(/0+$/, '')}s`;
}

function formatStat(v: bigint): string {
  return v === U64_MAX ? '?' : v.toString();
}

/** Formats a match as `match_format` does, including `priority=N` when not the default. */
export function formatMatch(m: Match, priority: number = OFP_DEFAULT_PRIORITY): string {
  let out = priority !== OFP_DEFAULT_PRIORITY ? `priority=${priority},` : '';
  const items = m.items;
  for (let k = 0; k < items.length; k++) {
    if (m.protocol && m.protocolIndex === k) out += m.protocol + ',';
    const it = items[k];
    out += `${it.field.name}=${formatMatchValue(it.field, it.value, it.mask, it.port)},`;
  }
  if (m.protocol && (m.protocolIndex === undefined || m.protocolIndex >= items.length)) out += m.protocol + ',';
  return out.length ? out.slice(0, -1) : out;
}

/** Formats a flow exactly as `ovs-ofctl dump-flows` prints it (without the leading space). */
export function formatFlow(f: FlowEntry): string {
  const st = f.stats;
  let out = '';
  if (st || f.cookie !== 0n) out += `cookie=0x${f.cookie.toString(16)}, `;
  if (st) out += `duration=${formatDuration(st.durationSec, st.durationNsec)}, `;
  if (st || f.table !== 0) out += `table=${f.table}, `;
  if (st) out += `n_packets=${formatStat(st.nPackets)}, n_bytes=${formatStat(st.nBytes)}, `;
  if (f.idleTimeout !== undefined && f.idleTimeout !== 0) out += `idle_timeout=${f.idleTimeout}, `;
  if (f.hardTimeout !== undefined && f.hardTimeout !== 0) out += `hard_timeout=${f.hardTimeout}, `;
  for (const fl of FLOW_FLAGS) if (f.flags.includes(fl)) out += fl + ' ';
  if (f.importance) out += `importance=${f.importance}, `;
  if (st && st.idleAge !== undefined) out += `idle_age=${st.idleAge}, `;
  if (st && st.hardAge !== undefined && st.hardAge !== st.durationSec) out += `hard_age=${st.hardAge}, `;
  const m = formatMatch(f.match, f.priority);
  if (m.length) out += m + ' ';
  return out + 'actions=' + formatActions(f.actions);
}

/** Formats a dump (headers, then flows, each flow line with OVS's leading space). */
export function formatOfctlFlows(d: FlowDump): string {
  const lines: string[] = [];
  for (const h of d.headers) lines.push(formatDumpHeader(h));
  for (const f of d.flows) lines.push(' ' + formatFlow(f));
  return lines.join('\n') + '\n';
}
