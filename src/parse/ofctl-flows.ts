/**
 * Parser and formatter for `ovs-ofctl dump-flows` output (OVS 3.1, any OpenFlow version, with or
 * without `--no-stats` / `--names`).
 *
 * `formatFlow(parseFlowLine(l).value!) === l.trim()` for every line OVS prints: the formatter
 * follows `ofputil_flow_stats_format()` / `match_format()` / `ofpacts_format()`.
 *
 * The hot path (a 455k-flow, 63 MB `--no-stats` OVN dump parses in about half a second) is a
 * hand-written scanner over the whole text: nothing is sliced per line or per token on the common
 * path, no regular expression runs, and everything OVN repeats is interned per parse and shared
 * between flows — match items, single actions and whole action lists (each parsed once, then
 * frozen), cookies, statistics — so the result holds ~250 bytes per flow. Tokens and action
 * texts are hashed and compared as bytes, four at a time, in a window of the text copied into a
 * buffer (see TextWindow in scan.ts): V8 reads a string one character per call. Strings kept in
 * the result are detached from the dump (see `detach`) so it does not pin the text in memory.
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
import { BytesTable, detach, hashBytes, parseDecimal, TextWindow, UintTable } from './scan.js';

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
 * Per-parse state. Memo tables: identical texts share one immutable parsed object (OVN dumps
 * repeat the same match tokens, action lists and statistics hundreds of thousands of times).
 */
interface ParseCache {
  /** Single actions by text (parseActionList's memo). */
  readonly actions: BytesTable<Action>;
  /** The bytes of the part of the text being parsed (what the tables below hash and compare). */
  readonly window: TextWindow;
  /** Whole action texts (after `actions=`): ~15k distinct ones in a 455k-flow OVN dump. */
  readonly actionLists: BytesTable<readonly Action[]>;
  /**
   * Match tokens (`reg13=0x1a`, `metadata=0x26`: ~25k distinct ones there) to their item. Only
   * tokens without quotes, parentheses or brackets, so that a token found here is also correctly
   * delimited by its first comma.
   */
  readonly items: BytesTable<MatchItem>;
  /** Protocol shorthands (`tcp`, `ip`) seen so far: apart, so that an item is known by its table. */
  readonly protocols: BytesTable<ProtocolShorthand>;
  /** Tokens with quotes, parentheses or brackets (quoted port names), by text. */
  readonly quotedItems: Map<string, MatchItem>;
  /** Cookies of up to 13 hex digits by value; longer ones by text. */
  readonly cookies: UintTable<bigint>;
  readonly longCookies: Map<string, bigint>;
  /** Statistics by a hash of their numbers (flows installed together print the same ones). */
  readonly stats: Map<number, FlowStats[]>;
  /** Reused buffer for the match items of the flow being parsed. */
  readonly scratch: MatchItem[];
  readonly flow: FlowScan;
  /** The previous flow's cookie, and its statistics with the numbers they were read from. */
  readonly last: LastFlow;
}

interface LastFlow {
  cookieValue: number;
  cookie: bigint;
  stats: FlowStats | undefined;
  sec: number;
  nsec: number;
  packets: number;
  bytes: number;
  idleAge: number;
  hardAge: number;
}

/**
 * What the scanners found in the flow being parsed: slots reused from flow to flow, so the
 * scan itself allocates nothing. Absent numbers are -1 and an absent text is '' rather than
 * `undefined`: each slot keeps one representation, so V8 never has to throw away the
 * optimised scanner because a slot changed type half-way through a dump.
 */
interface FlowScan {
  cookie: bigint;
  table: number;
  durationSec: number;
  durationNsec: number;
  /** Counters: the value when it is a number, -1 when absent, BIG when only `nPackets` holds it. */
  packets: number;
  nPackets: bigint;
  bytes: number;
  nBytes: bigint;
  idleTimeout: number;
  hardTimeout: number;
  importance: number;
  idleAge: number;
  hardAge: number;
  flags: readonly FlowFlag[];
  /** Where the match starts, -1 when there is none. */
  matchStart: number;
  /** The match starts with `priority=`. */
  priorityFirst: boolean;
  priority: number;
  /** The match items are ParseCache.scratch[0, nItems). */
  nItems: number;
  protocol: ProtocolShorthand | '';
  protocolIndex: number;
  /** Why the scan stopped, when a scanner returns an error position. */
  error: string;
  /** End of the token `slowToken` read. */
  tokenEnd: number;
}

/** `expected`: about how many flows the text holds (sizes the intern tables). */
function newCache(window: TextWindow, expected: number): ParseCache {
  const flow: FlowScan = {
    cookie: 0n,
    table: 0,
    durationSec: -1,
    durationNsec: 0,
    packets: -1,
    nPackets: 0n,
    bytes: -1,
    nBytes: 0n,
    idleTimeout: -1,
    hardTimeout: -1,
    importance: -1,
    idleAge: -1,
    hardAge: -1,
    flags: NO_FLAGS,
    matchStart: -1,
    priorityFirst: false,
    priority: OFP_DEFAULT_PRIORITY,
    nItems: 0,
    protocol: '',
    protocolIndex: -1,
    error: '',
    tokenEnd: 0,
  };
  return {
    // In OVN dumps: ~1 distinct action list (~100 bytes) per 30 flows, ~1 distinct token (~12
    // bytes) per 20, ~1 distinct cookie (logical flow) per 10.
    actions: new BytesTable(expected / 30, 32),
    window,
    actionLists: new BytesTable(expected / 30, 128),
    items: new BytesTable(expected / 20, 16),
    protocols: new BytesTable(16, 8),
    quotedItems: new Map(),
    cookies: new UintTable(expected / 10),
    longCookies: new Map(),
    stats: new Map(),
    scratch: [],
    flow,
    // NaN, not -1: the slot holds cookies above 2^31 (doubles) from the start, so V8 does not
    // have to change its representation (and drop optimised code) at the first such cookie.
    last: { cookieValue: NaN, cookie: 0n, stats: undefined, sec: -1, nsec: -1, packets: -1, bytes: -1, idleAge: -1, hardAge: -1 },
  };
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
  const window = new TextWindow(Math.min(text.length, WINDOW_CHARS));
  // ~140 characters a flow
  const cache = newCache(window, text.length / 140);
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
    // The window holds whole lines, from this one on.
    if (end > window.to) window.load(text, lineStart, windowEnd(text, lineStart));
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
  const window = new TextWindow(line.length);
  window.load(line, 0, line.length);
  const v = parseFlowText(line, s, e, opts.line ?? 1, s, diags, newCache(window, 1));
  return { value: v, diagnostics: diags };
}

/** About how many characters of a dump a TextWindow holds at a time (it fits in L2 cache). */
const WINDOW_CHARS = 1 << 18;

/** End of the window that starts at `from`: whole lines, about WINDOW_CHARS characters. */
function windowEnd(text: string, from: number): number {
  if (text.length - from <= WINDOW_CHARS) return text.length;
  const nl = text.indexOf('\n', from + WINDOW_CHARS);
  return nl < 0 ? text.length : nl + 1;
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
  const names = PROTOCOLS_BY_LENGTH[len]!;
  for (let k = 0; k < names.length; k++) if (textIs(t, a, names[k]!)) return names[k];
  return undefined;
}

/** Protocol shorthands by name length (index). */
const PROTOCOLS_BY_LENGTH: readonly (readonly ProtocolShorthand[])[] = [0, 1, 2, 3, 4, 5, 6].map((n) => (Object.keys(PROTOCOLS) as ProtocolShorthand[]).filter((p) => p.length === n));
const NO_FLAGS: readonly FlowFlag[] = Object.freeze([]);

const U64_MAX = (1n << 64n) - 1n;

/**
 * Reads the match `t[a0, me)` into `f`. A token seen before costs a search for the next comma,
 * a hash and a compare of its bytes (four at a time, in the window); the first time a token
 * is seen, and for any token with quotes, parentheses or brackets, `slowToken` reads it.
 * Returns -1, or the index of a token it cannot read (`f.error` says why).
 */
function scanMatch(t: string, a0: number, me: number, cache: ParseCache, f: FlowScan): number {
  const scratch = cache.scratch;
  const items = cache.items;
  const w = cache.window;
  const v = w.view;
  const wide = w.wide;
  const from = w.from;
  let a = a0;
  if (f.priorityFirst) {
    // `priority=N` first, as OVS prints it: never interned (it is per flow).
    let p = 0;
    let j = a0 + 9;
    for (let c = t.charCodeAt(j); c >= 48 && c <= 57 && j < me; c = t.charCodeAt(++j)) p = p * 10 + (c - 48);
    if (j > a0 + 9 && j - a0 <= 14 && p <= 0xffff && (j === me || t.charCodeAt(j) === 44)) {
      f.priority = p;
      if (j >= me) return -1;
      a = j + 1;
    }
  }
  let n = 0;
  let protocol = f.protocol;
  for (;;) {
    let b = t.indexOf(',', a);
    if (b < 0 || b > me) b = me;
    const x = (a - from) << wide;
    const y = (b - from) << wide;
    const h = hashBytes(v, x, y, wide);
    // The item itself is not read here (it is stored as is): no cache miss on it.
    const item = items.get(v, x, y, wide, h);
    if (item !== undefined) scratch[n++] = item;
    else {
      const p = cache.protocols.get(v, x, y, wide, h);
      if (p === undefined) {
        f.nItems = n;
        const errAt = slowToken(t, a, me, cache, f);
        if (errAt >= 0) return errAt;
        n = f.nItems;
        protocol = f.protocol;
        b = f.tokenEnd;
      } else if (protocol === '') {
        f.protocol = protocol = p;
        f.protocolIndex = n;
      } else {
        f.error = `second protocol shorthand "${p}"`;
        return a;
      }
    }
    if (b >= me) {
      f.nItems = n;
      return -1;
    }
    a = b + 1;
  }
}

/**
 * Reads the match token at `t[a]` character by character — to the first comma outside quotes,
 * parentheses and brackets, or `me` — and interns what it finds. Sets `f.tokenEnd`; returns -1,
 * or an error position (`f.error` says why).
 */
function slowToken(t: string, a: number, me: number, cache: ParseCache, f: FlowScan): number {
  let eq = -1;
  let depth = 0;
  let plain = true;
  let b = a;
  for (; b < me; b++) {
    const c = t.charCodeAt(b);
    if (c === 34 /* " */) {
      plain = false;
      for (b++; b < me; b++) {
        const d = t.charCodeAt(b);
        if (d === 61 && eq < 0) eq = b;
        if (d === 92) {
          if (++b >= me) break;
          if (t.charCodeAt(b) === 61 && eq < 0) eq = b;
        } else if (d === 34) break;
      }
      // An unterminated quote runs to the end of the match: the token ends there.
      if (b >= me) {
        b = me;
        break;
      }
      continue;
    }
    if (c === 40 || c === 91) {
      plain = false;
      depth++;
    } else if (c === 41 || c === 93) {
      plain = false;
      if (depth > 0) depth--;
    } else if (c === 44 && depth === 0) break;
    if (c === 61 && eq < 0) eq = b;
  }
  f.tokenEnd = b;
  if (a === b) {
    f.error = 'empty match field';
    return a;
  }
  if (eq - a === 8 && t.charCodeAt(a) === 112 && textIs(t, a, 'priority')) {
    // never interned: it is per flow
    const p = parseDecimal(t, eq + 1, b);
    if (p < 0 || p > 0xffff) {
      f.error = 'bad priority';
      return a;
    }
    f.priority = p;
    return -1;
  }
  if (eq < 0) {
    const errAt = protocolToken(t, a, b, f);
    if (errAt < 0 && plain) intern(cache.protocols, cache.window, a, b, f.protocol as ProtocolShorthand);
    return errAt;
  }
  if (!plain) {
    const text = t.slice(a, b);
    const known = cache.quotedItems.get(text);
    if (known) {
      cache.scratch[f.nItems++] = known;
      return -1;
    }
  }
  return newMatchItem(t, a, eq, b, plain, cache, f);
}

/** Adds the token `t[a, b)` (in the window `w`) to `table`. */
function intern<V>(table: BytesTable<V>, w: TextWindow, a: number, b: number, value: V): void {
  const x = w.at(a);
  const y = w.at(b);
  table.set(w.view, x, y, w.wide, hashBytes(w.view, x, y, w.wide), value);
}

/** A match token without '=' (`tcp`, `arp`): a protocol shorthand. -1, or an error position. */
function protocolToken(t: string, a: number, b: number, f: FlowScan): number {
  const p = protocolAt(t, a, b);
  if (!p) {
    f.error = `unknown match keyword "${t.slice(a, b)}"`;
    return a;
  }
  if (f.protocol !== '') {
    f.error = `second protocol shorthand "${p}"`;
    return a;
  }
  f.protocol = p;
  f.protocolIndex = f.nItems;
  return -1;
}

/** A `field=value` token seen for the first time: parsed, interned, added. -1, or an error position. */
function newMatchItem(t: string, a: number, eq: number, b: number, plain: boolean, cache: ParseCache, f: FlowScan): number {
  const name = t.slice(a, eq);
  const field: FieldDef | undefined = fieldByName(name);
  if (!field) {
    f.error = `unknown match field "${name}"`;
    return a;
  }
  // Parsed from a detached copy: a port name kept in the item must not pin the dump.
  const r = parseFieldValue(field, detach(t.slice(eq + 1, b)));
  if (typeof r === 'string') {
    f.error = r;
    return eq + 1;
  }
  const mask = field.matchStyle === 'nw_tos' ? r.mask & 0xfcn : r.mask;
  // Shared by every flow with this token: frozen.
  const item: MatchItem = Object.freeze({ field, value: r.value, mask, port: r.port && Object.freeze(r.port) });
  if (plain) intern(cache.items, cache.window, a, b, item);
  else cache.quotedItems.set(detach(t.slice(a, b)), item);
  cache.scratch[f.nItems++] = item;
  return -1;
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

/** `FlowScan.packets`/`bytes` when the counter is only in `nPackets`/`nBytes` (`?` or ≥ 2^53). */
const BIG = -2;

/** Shares one FlowStats object between flows whose statistics are equal. */
function internStats(cache: ParseCache, f: FlowScan): FlowStats {
  // Flows installed together sit together in the dump: try the previous flow's first, comparing
  // the numbers as read (not the bigints they become).
  const l = cache.last;
  const sec = Math.max(f.durationSec, 0);
  if (l.stats !== undefined && l.sec === sec && l.nsec === f.durationNsec && l.packets === f.packets && l.bytes === f.bytes && l.idleAge === f.idleAge && l.hardAge === f.hardAge && f.packets !== BIG && f.bytes !== BIG) return l.stats;
  const counter = (n: number, big: bigint) => (n >= 0 ? bigOf(n) : n === BIG ? big : 0n);
  const s = internStatsSlow(cache, sec, f.durationNsec, counter(f.packets, f.nPackets), counter(f.bytes, f.nBytes), f.idleAge < 0 ? undefined : f.idleAge, f.hardAge < 0 ? undefined : f.hardAge);
  l.stats = s;
  l.sec = sec;
  l.nsec = f.durationNsec;
  l.packets = f.packets;
  l.bytes = f.bytes;
  l.idleAge = f.idleAge;
  l.hardAge = f.hardAge;
  return s;
}

function internStatsSlow(cache: ParseCache, sec: number, nsec: number, p: bigint, b: bigint, idleAge: number | undefined, hardAge: number | undefined): FlowStats {
  const h = statsHash(sec, nsec, p, b, idleAge ?? -1, hardAge ?? -1);
  let bucket = cache.stats.get(h);
  if (bucket) {
    for (const s of bucket)
      if (s.durationSec === sec && s.durationNsec === nsec && s.nPackets === p && s.nBytes === b && s.idleAge === idleAge && s.hardAge === hardAge) return s;
  } else cache.stats.set(h, (bucket = []));
  // Fixed shape (absent optionals are `undefined`) keeps V8's objects monomorphic; frozen: shared.
  const s: FlowStats = Object.freeze({ durationSec: sec, durationNsec: nsec, nPackets: p, nBytes: b, idleAge, hardAge });
  bucket.push(s);
  return s;
}

/** Reports an error at `t[at]` of the flow text `t[s, e)` (whose column is `col0`); undefined. */
function flowError(diags: Diagnostic[], t: string, s: number, e: number, line: number, col0: number, at: number, message: string): undefined {
  diags.push({ severity: 'error', line, column: col0 + (at - s) + 1, message, excerpt: detach(t.slice(s, e)) });
  return undefined;
}


/**
 * Parses the trimmed flow text `t[s, e)`. `col0` is the 0-based column of t[s] in its line.
 * Returns undefined (with an error diagnostic) when the line cannot be read. Works in place on
 * `t` (a whole dump): nothing is sliced on the common path.
 *
 * The work is split into small functions on purpose: the hot ones (header, match, actions)
 * stay small enough for V8 to optimise within the first few thousand flows, and the rare
 * paths (a token or action list seen for the first time, odd header values, errors) live in
 * their own functions, so reaching one late in a dump does not throw away the optimised code
 * of the whole parser.
 */
function parseFlowText(t: string, s: number, e: number, line: number, col0: number, diags: Diagnostic[], cache: ParseCache): FlowEntry | undefined {
  const act = findActions(t, s, e);
  if (act < 0) return flowError(diags, t, s, e, line, col0, s, 'not a flow: no "actions=" found (expected `ovs-ofctl dump-flows` output)');
  const f = cache.flow;
  const headerErr = scanHeader(t, s, act, cache, f);
  if (headerErr >= 0) return flowError(diags, t, s, e, line, col0, headerErr, f.error);
  // Match: [matchStart, act-1) (there is one space before "actions=" when the match is non-empty).
  f.priority = OFP_DEFAULT_PRIORITY;
  f.nItems = 0;
  f.protocol = '';
  f.protocolIndex = -1;
  if (f.matchStart >= 0) {
    let me = act;
    while (me > f.matchStart && t.charCodeAt(me - 1) === 32) me--;
    const matchErr = scanMatch(t, f.matchStart, me, cache, f);
    if (matchErr >= 0) return flowError(diags, t, s, e, line, col0, matchErr, f.error);
  }
  const actions = flowActions(t, act + 8, e, col0 + 1 + (act + 8 - s), line, diags, cache);
  return newFlowEntry(line, f, actions, cache);
}

/** Index of the `actions=` that starts the actions of `t[s, e)` (after start, ' ' or ','), or -1. */
function findActions(t: string, s: number, e: number): number {
  let from = s;
  for (;;) {
    const k = t.indexOf('actions=', from);
    if (k < 0 || k + 8 > e) return -1;
    const p = k === s ? 32 : t.charCodeAt(k - 1);
    if (p === 32 || p === 44) return k;
    from = k + 1;
  }
}

/**
 * Reads the header part `t[s, act)` — `key=value, ` pairs and flag words — into `f`, up to the
 * first token that is neither (the match, whose start goes to `f.matchStart`). Returns -1, or
 * the position of a bad value (`f.error` says why).
 */
function scanHeader(t: string, s: number, act: number, cache: ParseCache, f: FlowScan): number {
  f.cookie = 0n;
  f.table = 0;
  f.durationSec = -1;
  f.durationNsec = 0;
  f.packets = -1;
  f.bytes = -1;
  f.idleTimeout = -1;
  f.hardTimeout = -1;
  f.importance = -1;
  f.idleAge = -1;
  f.hardAge = -1;
  f.flags = NO_FLAGS;
  f.matchStart = -1;
  f.priorityFirst = false;
  // What OVS prints, read from the window's bytes; the loop below reads the rest (and all of a
  // UTF-16 window).
  let i = cache.window.wide === 0 ? headerBytes(t, s, act, cache, f) : s;
  if (f.matchStart >= 0) return -1;
  while (i < act) {
    // Fast path for what OVS prints: `key=<digits>, `, `cookie=0x<hex>, `, `duration=<n>.<n>s, `.
    // Anything else, or anything odd about these, takes the general path (which reports).
    const fk = fastKey(t, i, act);
    if (fk !== Key.None) {
      const v0 = i + KEY_LENGTH[fk]! + 1;
      let j = v0;
      let v = 0;
      let good: boolean;
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
          let fr = 0;
          for (let c = t.charCodeAt(j); c >= 48 && c <= 57; c = t.charCodeAt(++j)) fr = fr * 10 + (c - 48);
          const fl = j - f0;
          good = fl > 0 && fl <= 9;
          nsec = good ? fr * POW10[9 - fl]! : 0;
        }
        good = good && t.charCodeAt(j++) === 115; // s
      }
      if (good && j + 1 < act && t.charCodeAt(j) === 44 && t.charCodeAt(j + 1) === 32) {
        switch (fk) {
          case Key.Cookie:
            f.cookie = v === cache.last.cookieValue ? cache.last.cookie : internCookie(cache, v);
            break;
          case Key.Duration:
            f.durationSec = v;
            f.durationNsec = nsec;
            break;
          case Key.Table:
            good = v <= 255;
            f.table = v;
            break;
          case Key.NPackets:
            f.packets = v;
            break;
          case Key.NBytes:
            f.bytes = v;
            break;
          case Key.IdleTimeout:
            good = v <= 0xffff;
            f.idleTimeout = v;
            break;
          case Key.HardTimeout:
            good = v <= 0xffff;
            f.hardTimeout = v;
            break;
          case Key.Importance:
            good = v <= 0xffff;
            f.importance = v;
            break;
          case Key.IdleAge:
            f.idleAge = v;
            break;
          case Key.HardAge:
            f.hardAge = v;
            break;
        }
        if (good) {
          i = j + 2;
          continue;
        }
      }
    }
    // The match of an OVS line starts with `priority=` (unless it is the default).
    if (t.charCodeAt(i) === 112 && textIs(t, i, 'priority=')) {
      f.matchStart = i;
      f.priorityFirst = true;
      return -1;
    }
    const next = headerToken(t, i, act, cache, f);
    if (next === MATCH_STARTS) {
      f.matchStart = i;
      return -1;
    }
    if (next === BAD_VALUE) return i;
    i = next;
  }
  return -1;
}

/** Little-endian int32 of the 4 ASCII characters of `s` (what DataView.getInt32(x, true) reads). */
function word(s: string): number {
  return s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24);
}

const W_COOK = word('cook');
const W_IE_EQ = word('ie=\0');
const W_TABL = word('tabl');
const W_DURA = word('dura');
const W_TION = word('tion');
const W_N_PA = word('n_pa');
const W_CKET = word('cket');
const W_N_BY = word('n_by');
const W_TES_EQ = word('tes=');
const W_IDLE = word('idle');
const W_AGE = word('_age');
const W_PRIO = word('prio');
const W_RITY = word('rity');
/** `e=` and `s=` and `, ` as little-endian 16-bit words. */
const H_E_EQ = 0x3d65;
const H_S_EQ = 0x3d73;
const H_SEP = 0x202c;

/**
 * The header as OVS prints it — `cookie=0x<hex>, duration=<s>.<frac>s, table=<n>, n_packets=<n>,
 * n_bytes=<n>, idle_age=<n>, ` in that order, each optional — read from the bytes of an ASCII
 * window, a few words per key. Stops at the first token it does not know or finds odd (the
 * caller's loop takes over from there, with the same results) or at `priority=` (the match: then
 * `f.matchStart` is set). Returns where it stopped.
 */
function headerBytes(t: string, s: number, act: number, cache: ParseCache, f: FlowScan): number {
  const w = cache.window;
  const v = w.view;
  const end = w.at(act);
  let x = w.at(s);
  for (;;) {
    if (x + 8 > end) return w.from + x;
    const k = v.getInt32(x, true);
    let q: number;
    if (k === W_COOK) {
      if ((v.getInt32(x + 4, true) & 0xffffff) !== (W_IE_EQ & 0xffffff) || v.getUint16(x + 7, true) !== 0x7830 /* 0x */) return w.from + x;
      q = x + 9;
      let n = 0;
      for (let d = hexDigit(v.getUint8(q)); d >= 0 && q < end; d = hexDigit(v.getUint8(++q))) n = n * 16 + d;
      if (q === x + 9 || q - x - 9 > 13 || q + 2 > end || v.getUint16(q, true) !== H_SEP) return w.from + x;
      // (read whether or not it is the same: V8 then has type feedback for both outcomes)
      const lastCookie = cache.last.cookie;
      f.cookie = n === cache.last.cookieValue ? lastCookie : internCookie(cache, n);
    } else if (k === W_TABL) {
      if (v.getUint16(x + 4, true) !== H_E_EQ) return w.from + x;
      q = x + 6;
      let n = 0;
      for (let c = v.getUint8(q); c >= 48 && c <= 57 && q < end; c = v.getUint8(++q)) n = n * 10 + (c - 48);
      if (q === x + 6 || q - x - 6 > 15 || n > 255 || q + 2 > end || v.getUint16(q, true) !== H_SEP) return w.from + x;
      f.table = n;
    } else if (k === W_DURA) {
      if (v.getInt32(x + 4, true) !== W_TION || v.getUint8(x + 8) !== 61) return w.from + x;
      q = x + 9;
      let sec = 0;
      for (let c = v.getUint8(q); c >= 48 && c <= 57 && q < end; c = v.getUint8(++q)) sec = sec * 10 + (c - 48);
      if (q === x + 9 || q - x - 9 > 15) return w.from + x;
      let nsec = 0;
      if (q < end && v.getUint8(q) === 46) {
        const q0 = ++q;
        for (let c = v.getUint8(q); c >= 48 && c <= 57 && q < end; c = v.getUint8(++q)) nsec = nsec * 10 + (c - 48);
        if (q === q0 || q - q0 > 9) return w.from + x;
        nsec *= POW10[9 - (q - q0)]!;
      }
      if (q + 3 > end || v.getUint8(q) !== 115 /* s */ || v.getUint16(q + 1, true) !== H_SEP) return w.from + x;
      q++;
      f.durationSec = sec;
      f.durationNsec = nsec;
    } else if (k === W_N_PA || k === W_N_BY) {
      const packets = k === W_N_PA;
      if (packets ? v.getInt32(x + 4, true) !== W_CKET || v.getUint16(x + 8, true) !== H_S_EQ : v.getInt32(x + 4, true) !== W_TES_EQ) return w.from + x;
      const q0 = (q = packets ? x + 10 : x + 8);
      let n = 0;
      for (let c = v.getUint8(q); c >= 48 && c <= 57 && q < end; c = v.getUint8(++q)) n = n * 10 + (c - 48);
      if (q === q0 || q - q0 > 15 || q + 2 > end || v.getUint16(q, true) !== H_SEP) return w.from + x;
      if (packets) {
        f.packets = n;
      } else {
        f.bytes = n;
      }
    } else if (k === W_IDLE) {
      if (v.getInt32(x + 4, true) !== W_AGE || v.getUint8(x + 8) !== 61) return w.from + x;
      q = x + 9;
      let n = 0;
      for (let c = v.getUint8(q); c >= 48 && c <= 57 && q < end; c = v.getUint8(++q)) n = n * 10 + (c - 48);
      if (q === x + 9 || q - x - 9 > 15 || q + 2 > end || v.getUint16(q, true) !== H_SEP) return w.from + x;
      f.idleAge = n;
    } else {
      if (k === W_PRIO && v.getInt32(x + 4, true) === W_RITY && v.getUint8(x + 8) === 61) {
        f.matchStart = w.from + x;
        f.priorityFirst = true;
      }
      return w.from + x;
    }
    x = q + 2;
  }
}

/** `headerToken` results besides the next position. */
const MATCH_STARTS = -1;
const BAD_VALUE = -2;

/**
 * The general path of `scanHeader` for the token at `t[i]`: a flag word, or a `key=value`
 * pair in any form OVS accepts (`,` without the space, long cookies, `?` counters). Returns
 * the position after it and its separator, MATCH_STARTS when it is neither, or BAD_VALUE
 * (with `f.error`).
 */
function headerToken(t: string, i: number, act: number, cache: ParseCache, f: FlowScan): number {
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
    if (!flag) return MATCH_STARTS;
    f.flags = f.flags === NO_FLAGS ? [flag] : [...f.flags, flag];
    return j + 1;
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
          // Consecutive flows often come from one logical flow: try the last cookie first.
          if (ok) f.cookie = v === cache.last.cookieValue ? cache.last.cookie : internCookie(cache, v);
        } else {
          for (let q = v0 + 2; q < j && ok; q++) if (hexDigit(t.charCodeAt(q)) < 0) ok = false;
          if (ok) {
            const x = t.slice(v0, j);
            let c = cache.longCookies.get(x);
            if (c === undefined) cache.longCookies.set(x, (c = BigInt(x)));
            f.cookie = c;
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
        f.durationSec = parseDecimal(t, v0, dot);
        const fl = j - 1 - (dot + 1);
        if (fl === 0 || fl > 9) ok = false;
        else {
          const fr = parseDecimal(t, dot + 1, j - 1);
          if (fr < 0) ok = false;
          else f.durationNsec = fr * POW10[9 - fl]!;
        }
      } else f.durationSec = parseDecimal(t, v0, j - 1);
      if (f.durationSec < 0) ok = false;
      break;
    }
    case Key.Table:
      f.table = parseDecimal(t, v0, j);
      ok = f.table >= 0 && f.table <= 255;
      break;
    case Key.NPackets:
    case Key.NBytes: {
      const v = parseCounter(t, v0, j);
      if (v === undefined) ok = false;
      else if (key === Key.NPackets) {
        f.packets = BIG;
        f.nPackets = v;
      } else {
        f.bytes = BIG;
        f.nBytes = v;
      }
      break;
    }
    case Key.IdleTimeout:
      f.idleTimeout = parseDecimal(t, v0, j);
      ok = f.idleTimeout >= 0 && f.idleTimeout <= 0xffff;
      break;
    case Key.HardTimeout:
      f.hardTimeout = parseDecimal(t, v0, j);
      ok = f.hardTimeout >= 0 && f.hardTimeout <= 0xffff;
      break;
    case Key.Importance:
      f.importance = parseDecimal(t, v0, j);
      ok = f.importance >= 0 && f.importance <= 0xffff;
      break;
    case Key.IdleAge:
      f.idleAge = parseDecimal(t, v0, j);
      ok = f.idleAge >= 0;
      break;
    case Key.HardAge:
      f.hardAge = parseDecimal(t, v0, j);
      ok = f.hardAge >= 0;
      break;
  }
  if (!ok) {
    f.error = `bad value in "${t.slice(i, j)}"`;
    return BAD_VALUE;
  }
  // separator: ", " (OVS) or "," (tolerated)
  if (j < act && t.charCodeAt(j) === 44) j++;
  if (j < act && t.charCodeAt(j) === 32) j++;
  return j;
}

/** The shared bigint for cookie `v` (≤ 2^52), remembered as the last one. */
function internCookie(cache: ParseCache, v: number): bigint {
  let c = cache.cookies.get(v);
  if (c === undefined) cache.cookies.set(v, (c = BigInt(v)));
  cache.last.cookieValue = v;
  cache.last.cookie = c;
  return c;
}

/**
 * The actions `t[a0, e)` (column `col` of their line). OVN repeats whole action texts, so the
 * text is hashed and compared in place (in the window) and each distinct one is parsed once;
 * flows share the frozen list.
 */
function flowActions(t: string, a0: number, e: number, col: number, line: number, diags: Diagnostic[], cache: ParseCache): readonly Action[] {
  const w = cache.window;
  const x = w.at(a0);
  const y = w.at(e);
  const h = hashBytes(w.view, x, y, w.wide);
  return cache.actionLists.get(w.view, x, y, w.wide, h) ?? newActionList(t, a0, e, h, col, line, diags, cache);
}

function newActionList(t: string, a0: number, e: number, h: number, col: number, line: number, diags: Diagnostic[], cache: ParseCache): readonly Action[] {
  const nd = diags.length;
  // Parsed from a detached copy: names and verbatim texts kept in actions must not pin the dump.
  const own = detach(t.slice(a0, e));
  const w = cache.window;
  const actions = parseActionList(own, 0, own.length, actionContext(line, col, diags, { table: cache.actions, window: w, base: a0 }));
  // A list with diagnostics is not shared: each flow that has it must report them.
  if (diags.length !== nd) return actions;
  Object.freeze(actions);
  cache.actionLists.set(w.view, w.at(a0), w.at(e), w.wide, h, actions);
  return actions;
}

/**
 * A fresh array of `scratch[0, n)`. Array literals for the usual sizes: V8 sees that what an
 * allocation site makes survives and then allocates it directly in the old generation (a `slice`
 * copy, not tied to a site, would be copied by the young-generation collector twice).
 */
function itemList(scratch: readonly MatchItem[], n: number): MatchItem[] {
  switch (n) {
    case 0:
      return [];
    case 1:
      return [scratch[0]!];
    case 2:
      return [scratch[0]!, scratch[1]!];
    case 3:
      return [scratch[0]!, scratch[1]!, scratch[2]!];
    case 4:
      return [scratch[0]!, scratch[1]!, scratch[2]!, scratch[3]!];
    case 5:
      return [scratch[0]!, scratch[1]!, scratch[2]!, scratch[3]!, scratch[4]!];
    case 6:
      return [scratch[0]!, scratch[1]!, scratch[2]!, scratch[3]!, scratch[4]!, scratch[5]!];
    default:
      return scratch.slice(0, n);
  }
}

/** The FlowEntry for what `f` holds. */
function newFlowEntry(line: number, f: FlowScan, actions: readonly Action[], cache: ParseCache): FlowEntry {
  const stats: FlowStats | undefined = f.durationSec >= 0 || f.packets !== -1 || f.bytes !== -1 ? internStats(cache, f) : undefined;
  const match: Match = { items: itemList(cache.scratch, f.nItems), protocol: f.protocol === '' ? undefined : f.protocol, protocolIndex: f.protocolIndex < 0 ? undefined : f.protocolIndex };
  // Fixed shape (absent optionals are `undefined`): V8 keeps hundreds of thousands of these monomorphic.
  return {
    line,
    cookie: f.cookie,
    table: f.table,
    priority: f.priority,
    stats,
    idleTimeout: f.idleTimeout < 0 ? undefined : f.idleTimeout,
    hardTimeout: f.hardTimeout < 0 ? undefined : f.hardTimeout,
    importance: f.importance < 0 ? undefined : f.importance,
    flags: f.flags,
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
