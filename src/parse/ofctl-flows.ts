/**
 * Parser and formatter for `ovs-ofctl dump-flows` output (OVS 3.1, any OpenFlow version, with or
 * without `--no-stats` / `--names`).
 *
 * `formatFlow(parseFlowLine(l).value!) === l.trim()` for every line OVS prints: the formatter
 * follows `ofputil_flow_stats_format()` / `match_format()` / `ofpacts_format()`.
 *
 * The scanner is index-based: no regular expression runs per token on the hot path, field names
 * are resolved through the registry's Map, and small integers avoid BigInt string parsing.
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
import { formatMatchValue, parseFieldValue } from '../model/masked.js';
import { actionContext, formatActions, parseActionList } from './ofp-actions.js';
import { parseDecimal, splitTopLevel } from './scan.js';

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

/** Per-parse memo tables: identical texts share one immutable parsed object. */
interface ParseCache {
  readonly actions: Map<string, Action>;
  readonly actionLists: Map<string, readonly Action[]>;
  readonly items: Map<string, MatchItem>;
  readonly cookies: Map<string, bigint>;
}

function newCache(): ParseCache {
  return { actions: new Map(), actionLists: new Map(), items: new Map(), cookies: new Map() };
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
        const h = parseDumpHeader(text.slice(start, end), lineNo);
        if (h) {
          headers.push(h);
          continue;
        }
      }
    }
    const lineText = text.slice(start, end);
    if (lineText === '...') {
      diags.push({
        severity: 'warning',
        line: lineNo,
        column: start - lineStart + 1,
        message: 'elided lines ("...") in the dump: it is incomplete',
        excerpt: lineText,
      });
      continue;
    }
    const r = parseFlowText(lineText, lineNo, start - lineStart, diags, cache);
    if (r) flows.push(r);
    else unparsed.push({ line: lineNo, text: lineText });
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
  const v = parseFlowText(line.slice(s, e), opts.line ?? 1, s, diags, newCache());
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

function statKey(t: string, a: number, eq: number): Key {
  switch (eq - a) {
    case 5:
      return t.startsWith('table', a) ? Key.Table : Key.None;
    case 6:
      return t.startsWith('cookie', a) ? Key.Cookie : Key.None;
    case 7:
      return t.startsWith('n_bytes', a) ? Key.NBytes : Key.None;
    case 8:
      if (t.startsWith('duration', a)) return Key.Duration;
      if (t.startsWith('idle_age', a)) return Key.IdleAge;
      if (t.startsWith('hard_age', a)) return Key.HardAge;
      return Key.None;
    case 9:
      return t.startsWith('n_packets', a) ? Key.NPackets : Key.None;
    case 10:
      return t.startsWith('importance', a) ? Key.Importance : Key.None;
    case 12:
      if (t.startsWith('idle_timeout', a)) return Key.IdleTimeout;
      if (t.startsWith('hard_timeout', a)) return Key.HardTimeout;
      return Key.None;
  }
  return Key.None;
}

const FLAG_SET: ReadonlySet<string> = new Set(FLOW_FLAGS);
const NO_FLAGS: readonly FlowFlag[] = Object.freeze([]);

const U64_MAX = (1n << 64n) - 1n;

function err(diags: Diagnostic[], line: number, col0: number, at: number, message: string, excerpt: string): void {
  diags.push({ severity: 'error', line, column: col0 + at + 1, message, excerpt });
}

/**
 * Parses trimmed flow text `t`. `col0` is the column offset of t[0] in the original line
 * (0-based). Returns undefined (with an error diagnostic) when the line cannot be read.
 */
function parseFlowText(t: string, line: number, col0: number, diags: Diagnostic[], cache: ParseCache): FlowEntry | undefined {
  const n = t.length;
  // Locate "actions=" (preceded by start, ' ' or ',').
  let act = -1;
  let from = 0;
  for (;;) {
    const k = t.indexOf('actions=', from);
    if (k < 0) break;
    const p = k === 0 ? 32 : t.charCodeAt(k - 1);
    if (p === 32 || p === 44) {
      act = k;
      break;
    }
    from = k + 1;
  }
  if (act < 0) {
    err(diags, line, col0, 0, 'not a flow: no "actions=" found (expected `ovs-ofctl dump-flows` output)', t);
    return undefined;
  }

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
  const flags: FlowFlag[] = [];

  // Header part: "key=value, " pairs and "flag " words.
  let i = 0;
  let matchStart = -1;
  while (i < act) {
    // token end: ',' or ' '
    let j = i;
    while (j < act) {
      const c = t.charCodeAt(j);
      if (c === 44 || c === 32) break;
      j++;
    }
    const eq = t.indexOf('=', i);
    const key = eq > i && eq < j ? statKey(t, i, eq) : Key.None;
    if (key === Key.None) {
      const word = t.slice(i, j);
      if (j < act && t.charCodeAt(j) === 32 && FLAG_SET.has(word)) {
        flags.push(word as FlowFlag);
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
        const x = t.slice(v0, j);
        const hit = cache.cookies.get(x);
        if (hit !== undefined) cookie = hit;
        else if (x.length > 2 && x.charCodeAt(0) === 48 && x.charCodeAt(1) === 120 && x.length <= 18 && /^0x[0-9a-fA-F]+$/.test(x)) {
          cookie = BigInt(x);
          cache.cookies.set(x, cookie);
        } else ok = false;
        break;
      }
      case Key.Duration: {
        // 123.456s
        if (t.charCodeAt(j - 1) !== 115) {
          ok = false;
          break;
        }
        const dot = t.indexOf('.', v0);
        if (dot > 0 && dot < j) {
          durationSec = parseDecimal(t, v0, dot);
          const frac = t.slice(dot + 1, j - 1);
          if (frac.length === 0 || frac.length > 9 || !/^[0-9]+$/.test(frac)) ok = false;
          else durationNsec = Number(frac.padEnd(9, '0'));
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
        let v: bigint | undefined;
        if (j - v0 === 1 && t.charCodeAt(v0) === 63) v = U64_MAX;
        else if (j > v0 && j - v0 <= 20 && /^[0-9]+$/.test(t.slice(v0, j))) v = BigInt(t.slice(v0, j));
        if (v === undefined || v > U64_MAX) ok = false;
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
    if (!ok) {
      err(diags, line, col0, i, `bad value in "${t.slice(i, j)}"`, t);
      return undefined;
    }
    // separator: ", " (OVS) or "," (tolerated)
    if (j < act && t.charCodeAt(j) === 44) j++;
    if (j < act && t.charCodeAt(j) === 32) j++;
    i = j;
  }

  // Match: [matchStart, act-1) (there is one space before "actions=" when the match is non-empty)
  let priority = OFP_DEFAULT_PRIORITY;
  const items: MatchItem[] = [];
  let protocol: ProtocolShorthand | undefined;
  let protocolIndex: number | undefined;
  if (matchStart >= 0) {
    let me = act;
    while (me > matchStart && t.charCodeAt(me - 1) === 32) me--;
    const parts = splitTopLevel(t, matchStart, me);
    for (let k = 0; k < parts.length; k += 2) {
      const a = parts[k];
      const b = parts[k + 1];
      if (a === b) {
        err(diags, line, col0, a, 'empty match field', t);
        return undefined;
      }
      const tok = t.slice(a, b);
      const cached = cache.items.get(tok);
      if (cached) {
        items.push(cached);
        continue;
      }
      let eq = -1;
      for (let q = a; q < b; q++)
        if (t.charCodeAt(q) === 61) {
          eq = q;
          break;
        }
      if (eq < 0) {
        const word = t.slice(a, b);
        if (word in PROTOCOLS) {
          if (protocol) {
            err(diags, line, col0, a, `second protocol shorthand "${word}"`, t);
            return undefined;
          }
          protocol = word as ProtocolShorthand;
          protocolIndex = items.length;
          continue;
        }
        err(diags, line, col0, a, `unknown match keyword "${word}"`, t);
        return undefined;
      }
      const name = t.slice(a, eq);
      if (name === 'priority') {
        const p = parseDecimal(t, eq + 1, b);
        if (p < 0 || p > 0xffff) {
          err(diags, line, col0, a, 'bad priority', t);
          return undefined;
        }
        priority = p;
        continue;
      }
      const f: FieldDef | undefined = fieldByName(name);
      if (!f) {
        err(diags, line, col0, a, `unknown match field "${name}"`, t);
        return undefined;
      }
      const r = parseFieldValue(f, t.slice(eq + 1, b));
      if (typeof r === 'string') {
        err(diags, line, col0, eq + 1, r, t);
        return undefined;
      }
      const mask = f.matchStyle === 'nw_tos' ? r.mask & 0xfcn : r.mask;
      const item: MatchItem = { field: f, value: r.value, mask, port: r.port };
      cache.items.set(tok, item);
      items.push(item);
    }
  }

  // Actions
  const actText = t.slice(act + 8);
  let actions = cache.actionLists.get(actText);
  if (!actions) {
    const nd = diags.length;
    actions = parseActionList(t, act + 8, n, actionContext(line, col0 + 1, diags, cache.actions));
    if (diags.length === nd) cache.actionLists.set(actText, actions);
  }

  const hasStats = durationSec >= 0 || nPackets !== undefined || nBytes !== undefined;
  // Objects are built with a fixed shape (absent optionals are `undefined`) so V8 keeps them
  // monomorphic across hundreds of thousands of flows.
  const stats: FlowStats | undefined = hasStats
    ? {
        durationSec: Math.max(durationSec, 0),
        durationNsec,
        nPackets: nPackets ?? 0n,
        nBytes: nBytes ?? 0n,
        idleAge,
        hardAge,
      }
    : undefined;
  const match: Match = { items, protocol, protocolIndex };
  return {
    line,
    cookie,
    table,
    priority,
    stats,
    idleTimeout,
    hardTimeout,
    importance,
    flags: flags.length ? flags : NO_FLAGS,
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
