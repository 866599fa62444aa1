/**
 * OpenFlow action lists as `ovs-ofctl` prints them (OVS 3.1): parse to the Action union and
 * format back, byte for byte. Unknown or malformed actions become `{type: 'unknown', text}`
 * with a warning diagnostic; nothing is dropped and nothing throws.
 */
import type { Diagnostic, Parsed } from '../model/diagnostic.js';
import { fieldByName, subfieldName, type FieldDef } from '../model/fields.js';
import type { Action, ControllerReason, FieldRef, LearnSpec, NatSpec, PortRef } from '../model/flow.js';
import {
  formatFieldValue,
  formatIpv4,
  formatIpv6,
  formatMac,
  formatPort,
  hex,
  onesMask,
  parseFieldValue,
  parseIpv4,
  parseIpv6,
  parseMac,
  parsePort,
  parseUint,
} from '../model/masked.js';
import { closingParen, hashBytes, indexOfChar, parseSmallUint, splitBalanced, splitTopLevel, type BytesTable, type TextWindow } from './scan.js';

/** Where diagnostics point: line and the 1-based column of `text[0]`. */
export interface ActionParseOptions {
  readonly line?: number;
  readonly column?: number;
}

interface Ctx {
  readonly line: number | undefined;
  readonly col0: number;
  readonly diags: Diagnostic[];
  /** Optional per-parse memo of single actions (see ActionMemo). */
  readonly memo?: ActionMemo;
}

/**
 * A per-parse memo of single actions by their text, read as bytes from a TextWindow: actions
 * are immutable values, so identical texts (which dominate OVN dumps) share one frozen object
 * — less garbage, less memory — and a repeated one costs a hash and a compare.
 */
export interface ActionMemo {
  readonly table: BytesTable<Action>;
  readonly window: TextWindow;
  /** Index in the window's text of index 0 of the string being parsed (a copy of that part). */
  readonly base: number;
}

/** Parses an action list such as `load:0x1->NXM_NX_REG10[16],resubmit(,8)`. */
export function parseActions(text: string, opts: ActionParseOptions = {}): Parsed<Action[]> {
  const diags: Diagnostic[] = [];
  const ctx: Ctx = { line: opts.line, col0: opts.column ?? 1, diags };
  const value = parseActionList(text, 0, text.length, ctx);
  return { value, diagnostics: diags };
}

/** Internal entry used by the flow and group parsers (offsets into the whole line). */
export function parseActionList(s: string, start: number, end: number, ctx: Ctx): Action[] {
  const out: Action[] = [];
  if (start >= end) {
    warn(ctx, start, 'empty action list (OVS prints "drop" for no actions)', '');
    return out;
  }
  const parts = splitBalanced(s, start, end);
  if (!parts) {
    const text = s.slice(start, end);
    warn(ctx, start, 'unbalanced parentheses, brackets or quotes in actions', text);
    out.push({ type: 'unknown', text });
    return out;
  }
  const memo = ctx.memo;
  for (let k = 0; k < parts.length; k += 2) {
    const a = parts[k];
    const b = parts[k + 1];
    if (memo) {
      const w = memo.window;
      const x = w.at(memo.base + a);
      const y = w.at(memo.base + b);
      const h = hashBytes(w.view, x, y, w.wide);
      const hit = memo.table.get(w.view, x, y, w.wide, h);
      if (hit) {
        out.push(hit);
        continue;
      }
      const nd = ctx.diags.length;
      const act = parseOne(s, a, b, ctx);
      // Shared from now on by every list that has this text: frozen.
      if (act.type !== 'unknown' && ctx.diags.length === nd) memo.table.set(w.view, x, y, w.wide, h, freezeAction(act));
      out.push(act);
    } else out.push(parseOne(s, a, b, ctx));
  }
  return out;
}

export type { Ctx as ActionParseContext };

/**
 * Freezes a parsed action and what it owns (nested action lists, field references, NAT specs,
 * ports), so that it can be shared; not the field definitions it points to (`field`), which
 * belong to the field registry.
 */
export function freezeAction<T extends object>(v: T): T {
  Object.freeze(v);
  for (const k in v) {
    if (k === 'field') continue;
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) freezeAction(x);
  }
  return v;
}

/** Creates a context for `parseActionList`. */
export function actionContext(line: number | undefined, col0: number, diags: Diagnostic[], memo?: ActionMemo): Ctx {
  return { line, col0, diags, memo };
}

function warn(ctx: Ctx, at: number, message: string, excerpt: string): void {
  ctx.diags.push({ severity: 'warning', line: ctx.line, column: ctx.col0 + at, message, excerpt });
}

function unknown(ctx: Ctx, s: string, a: number, b: number, why: string): Action {
  const text = s.slice(a, b);
  warn(ctx, a, why, text);
  return { type: 'unknown', text };
}

// ---------------------------------------------------------------------------------------------
// Field references

/** Parses `NXM_NX_REG13[0..15]`, `reg13[]`, `OXM_OF_PKT_REG4[1]`; a bare name means all bits. */
export function parseFieldRef(t: string): FieldRef | string {
  const lb = t.indexOf('[');
  if (lb < 0) {
    const f = fieldByName(t);
    if (!f) return `unknown field "${t}"`;
    return { field: f, ofs: 0, nBits: f.width };
  }
  if (t.charCodeAt(t.length - 1) !== 93) return `missing "]" in field reference "${t}"`;
  const name = t.slice(0, lb);
  const f = fieldByName(name);
  if (!f) return `unknown field "${name}"`;
  const inner = t.slice(lb + 1, -1);
  if (inner.length === 0) return { field: f, ofs: 0, nBits: f.width };
  const dots = inner.indexOf('..');
  let lo: number;
  let hi: number;
  if (dots < 0) {
    lo = hi = parseSmallUint(inner);
  } else {
    lo = parseSmallUint(inner, 0, dots);
    hi = parseSmallUint(inner, dots + 2, inner.length);
  }
  if (lo < 0 || hi < 0 || hi < lo) return `bad bit range "[${inner}]" in "${t}"`;
  if (hi >= f.width) return `bit ${hi} is outside ${f.width}-bit field ${name}`;
  return { field: f, ofs: lo, nBits: hi - lo + 1 };
}

/** `NXM_NX_REG13[0..15]` as OVS prints a sub-field. */
export function formatFieldRef(r: FieldRef): string {
  const name = subfieldName(r.field);
  if (r.ofs === 0 && r.nBits === r.field.width) return name + '[]';
  if (r.nBits === 1) return `${name}[${r.ofs}]`;
  return `${name}[${r.ofs}..${r.ofs + r.nBits - 1}]`;
}

// ---------------------------------------------------------------------------------------------
// Individual actions

type Simple = (s: string, a: number, b: number, argStart: number, ctx: Ctx) => Action;

function colonArg(s: string, argStart: number, b: number): string {
  return s.slice(argStart, b);
}

function num(t: string): number {
  return parseSmallUint(t);
}

const NO_ARG: Record<string, Action> = {
  drop: { type: 'drop' },
  ct_clear: { type: 'ct_clear' },
  exit: { type: 'exit' },
  pop_queue: { type: 'pop_queue' },
  clear_actions: { type: 'clear_actions' },
  dec_nsh_ttl: { type: 'dec_nsh_ttl' },
  dec_mpls_ttl: { type: 'dec_mpls_ttl' },
  strip_vlan: { type: 'pop_vlan', spelling: 'strip_vlan' },
  pop_vlan: { type: 'pop_vlan', spelling: 'pop_vlan' },
  debug_recirc: { type: 'debug_recirc' },
  debug_slow: { type: 'debug_slow' },
  dec_ttl: { type: 'dec_ttl' },
};

const RESERVED_OUTPUT = new Set(['IN_PORT', 'TABLE', 'NORMAL', 'FLOOD', 'ALL', 'LOCAL', 'ANY', 'NONE', 'UNSET']);

function parseOne(s: string, a: number, b: number, ctx: Ctx): Action {
  // Action name runs to the first ':' or '(' (or the end).
  let i = a;
  while (i < b) {
    const c = s.charCodeAt(i);
    if (c === 58 /* : */ || c === 40 /* ( */) break;
    i++;
  }
  const name = s.slice(a, i);
  if (i === b) {
    const na = NO_ARG[name];
    if (na) return na;
    if (RESERVED_OUTPUT.has(name)) return { type: 'output', port: parsePortOrThrowless(name) };
    if (name === 'controller' || name === 'CONTROLLER')
      return { type: 'controller', reason: 'action', maxLen: 65535, controllerId: 0, pause: false };
    const c0 = s.charCodeAt(a);
    if (c0 >= 48 && c0 <= 57) {
      const p = parsePort(name);
      if (typeof p !== 'string') return { type: 'output', port: p };
    }
    return unknown(ctx, s, a, b, `unknown action "${name}"`);
  }
  if (s.charCodeAt(i) === 58) {
    const f = COLON[name];
    if (f) return f(s, a, b, i + 1, ctx);
    if (name === 'CONTROLLER') {
      const n = num(colonArg(s, i + 1, b));
      if (n < 0 || n > 0xffff) return unknown(ctx, s, a, b, 'bad CONTROLLER max_len');
      return { type: 'controller', reason: 'action', maxLen: n, controllerId: 0, pause: false };
    }
    return unknown(ctx, s, a, b, `unknown action "${name}"`);
  }
  // name(...)
  const close = closingParen(s, i, b);
  if (close < 0) return unknown(ctx, s, a, b, `missing ")" in action "${name}"`);
  const f = PAREN[name];
  if (!f) return unknown(ctx, s, a, b, `unknown action "${name}"`);
  return f(s, a, b, i + 1, close, ctx);
}

function parsePortOrThrowless(t: string): PortRef {
  const p = parsePort(t);
  return typeof p === 'string' ? { kind: 'name', name: t } : p;
}

function refOrUnknown(
  t: string,
  s: string,
  a: number,
  b: number,
  ctx: Ctx,
  make: (r: FieldRef) => Action,
): Action {
  const r = parseFieldRef(t);
  if (typeof r === 'string') return unknown(ctx, s, a, b, r);
  return make(r);
}

const COLON: Record<string, Simple> = {
  output: (s, a, b, x, ctx) => {
    const t = colonArg(s, x, b);
    if (t.length && t[0] !== '"' && t.indexOf('[') > 0) return refOrUnknown(t, s, a, b, ctx, (src) => ({ type: 'output_reg', src }));
    const p = parsePort(t);
    if (typeof p === 'string') return unknown(ctx, s, a, b, p);
    return { type: 'output', port: p };
  },
  enqueue: (s, a, b, x, ctx) => {
    const t = colonArg(s, x, b);
    const c = t.lastIndexOf(':');
    const p = c > 0 ? parsePort(t.slice(0, c)) : 'missing queue';
    const q = c > 0 ? num(t.slice(c + 1)) : -1;
    if (typeof p === 'string' || q < 0) return unknown(ctx, s, a, b, 'bad enqueue (expected enqueue:PORT:QUEUE)');
    return { type: 'enqueue', port: p, queue: q };
  },
  resubmit: (s, a, b, x, ctx) => {
    const p = parsePort(colonArg(s, x, b));
    if (typeof p === 'string') return unknown(ctx, s, a, b, p);
    return { type: 'resubmit', port: p, ct: false };
  },
  goto_table: (s, a, b, x, ctx) => {
    const n = num(colonArg(s, x, b));
    if (n < 0 || n > 255) return unknown(ctx, s, a, b, 'bad goto_table table id');
    return { type: 'goto_table', table: n };
  },
  load: (s, a, b, x, ctx) => {
    const t = colonArg(s, x, b);
    const arrow = t.indexOf('->');
    if (arrow < 0) return unknown(ctx, s, a, b, 'load needs "VALUE->FIELD[...]"');
    const v = parseUint(t.slice(0, arrow));
    if (v === undefined) return unknown(ctx, s, a, b, `bad load value "${t.slice(0, arrow)}"`);
    const r = parseFieldRef(t.slice(arrow + 2));
    if (typeof r === 'string') return unknown(ctx, s, a, b, r);
    if (v >> BigInt(r.nBits) !== 0n) return unknown(ctx, s, a, b, `value ${t.slice(0, arrow)} does not fit in ${r.nBits} bits`);
    return { type: 'load', value: v, dst: r };
  },
  set_field: (s, a, b, x, ctx) => {
    const t = colonArg(s, x, b);
    const arrow = t.lastIndexOf('->');
    if (arrow < 0) return unknown(ctx, s, a, b, 'set_field needs "VALUE->FIELD"');
    const f = fieldByName(t.slice(arrow + 2));
    if (!f) return unknown(ctx, s, a, b, `unknown field "${t.slice(arrow + 2)}"`);
    const vt = t.slice(0, arrow);
    const v = parseFieldValue(f, vt);
    if (typeof v === 'string') return unknown(ctx, s, a, b, v);
    const explicitMask = hasMaskText(f, vt);
    const act: Action = explicitMask
      ? { type: 'set_field', field: f, value: v.value, mask: v.mask, ...(v.port ? { port: v.port } : {}) }
      : { type: 'set_field', field: f, value: v.value, ...(v.port ? { port: v.port } : {}) };
    return act;
  },
  move: (s, a, b, x, ctx) => {
    const t = colonArg(s, x, b);
    const arrow = t.indexOf('->');
    if (arrow < 0) return unknown(ctx, s, a, b, 'move needs "SRC[...]->DST[...]"');
    const src = parseFieldRef(t.slice(0, arrow));
    const dst = parseFieldRef(t.slice(arrow + 2));
    if (typeof src === 'string') return unknown(ctx, s, a, b, src);
    if (typeof dst === 'string') return unknown(ctx, s, a, b, dst);
    if (src.nBits !== dst.nBits) return unknown(ctx, s, a, b, `move source has ${src.nBits} bits but destination ${dst.nBits}`);
    return { type: 'move', src, dst };
  },
  push: (s, a, b, x, ctx) => refOrUnknown(colonArg(s, x, b), s, a, b, ctx, (src) => ({ type: 'push', src })),
  pop: (s, a, b, x, ctx) => refOrUnknown(colonArg(s, x, b), s, a, b, ctx, (dst) => ({ type: 'pop', dst })),
  group: (s, a, b, x, ctx) => {
    const n = num(colonArg(s, x, b));
    if (n < 0 || n > 0xffffffff) return unknown(ctx, s, a, b, 'bad group id');
    return { type: 'group', groupId: n };
  },
  mod_dl_src: (s, a, b, x, ctx) => macAct('mod_dl_src', s, a, b, x, ctx),
  mod_dl_dst: (s, a, b, x, ctx) => macAct('mod_dl_dst', s, a, b, x, ctx),
  mod_nw_src: (s, a, b, x, ctx) => ipAct('mod_nw_src', s, a, b, x, ctx),
  mod_nw_dst: (s, a, b, x, ctx) => ipAct('mod_nw_dst', s, a, b, x, ctx),
  mod_nw_tos: (s, a, b, x, ctx) => intAct(s, a, b, x, ctx, 255, (value) => ({ type: 'mod_nw_tos', value })),
  mod_nw_ecn: (s, a, b, x, ctx) => intAct(s, a, b, x, ctx, 3, (value) => ({ type: 'mod_nw_ecn', value })),
  mod_nw_ttl: (s, a, b, x, ctx) => intAct(s, a, b, x, ctx, 255, (value) => ({ type: 'mod_nw_ttl', value })),
  mod_tp_src: (s, a, b, x, ctx) => intAct(s, a, b, x, ctx, 0xffff, (port) => ({ type: 'mod_tp_src', port })),
  mod_tp_dst: (s, a, b, x, ctx) => intAct(s, a, b, x, ctx, 0xffff, (port) => ({ type: 'mod_tp_dst', port })),
  push_vlan: (s, a, b, x, ctx) => intAct(s, a, b, x, ctx, 0xffff, (ethertype) => ({ type: 'push_vlan', ethertype })),
  mod_vlan_vid: (s, a, b, x, ctx) => intAct(s, a, b, x, ctx, 0xfff, (vid) => ({ type: 'set_vlan_vid', vid, pushIfNeeded: true })),
  set_vlan_vid: (s, a, b, x, ctx) => intAct(s, a, b, x, ctx, 0xfff, (vid) => ({ type: 'set_vlan_vid', vid, pushIfNeeded: false })),
  mod_vlan_pcp: (s, a, b, x, ctx) => intAct(s, a, b, x, ctx, 7, (pcp) => ({ type: 'set_vlan_pcp', pcp, pushIfNeeded: true })),
  set_vlan_pcp: (s, a, b, x, ctx) => intAct(s, a, b, x, ctx, 7, (pcp) => ({ type: 'set_vlan_pcp', pcp, pushIfNeeded: false })),
  set_tunnel: (s, a, b, x, ctx) => tunAct(false, s, a, b, x, ctx),
  set_tunnel64: (s, a, b, x, ctx) => tunAct(true, s, a, b, x, ctx),
  note: (s, a, b, x, ctx) => {
    const d = parseHexBytes(colonArg(s, x, b));
    if (!d) return unknown(ctx, s, a, b, 'bad note (expected hex bytes like 01.02.03)');
    return { type: 'note', data: d };
  },
  meter: (s, a, b, x, ctx) => intAct(s, a, b, x, ctx, 0xffffffff, (meterId) => ({ type: 'meter', meterId })),
  set_queue: (s, a, b, x, ctx) => intAct(s, a, b, x, ctx, 0xffffffff, (queue) => ({ type: 'set_queue', queue })),
  write_metadata: (s, a, b, x, ctx) => {
    const t = colonArg(s, x, b);
    const slash = t.indexOf('/');
    const v = parseUint(slash < 0 ? t : t.slice(0, slash));
    const m = slash < 0 ? undefined : parseUint(t.slice(slash + 1));
    if (v === undefined || (slash >= 0 && m === undefined) || v > onesMask(64) || (m !== undefined && m > onesMask(64)))
      return unknown(ctx, s, a, b, 'bad write_metadata value');
    return m === undefined ? { type: 'write_metadata', value: v } : { type: 'write_metadata', value: v, mask: m };
  },
  push_mpls: (s, a, b, x, ctx) => intAct(s, a, b, x, ctx, 0xffff, (ethertype) => ({ type: 'push_mpls', ethertype })),
  pop_mpls: (s, a, b, x, ctx) => intAct(s, a, b, x, ctx, 0xffff, (ethertype) => ({ type: 'pop_mpls', ethertype })),
  delete_field: (s, a, b, x, ctx) => {
    const f = fieldByName(colonArg(s, x, b));
    if (!f) return unknown(ctx, s, a, b, 'unknown field in delete_field');
    return { type: 'delete_field', field: f };
  },
};

function hasMaskText(f: FieldDef, vt: string): boolean {
  if (f.format === 'ct_state' || f.format === 'tcp_flags' || f.format === 'tun_flags') return vt.indexOf('/') >= 0;
  return vt.indexOf('/') >= 0;
}

function intAct(s: string, a: number, b: number, x: number, ctx: Ctx, max: number, make: (n: number) => Action): Action {
  const n = num(colonArg(s, x, b));
  if (n < 0 || n > max) return unknown(ctx, s, a, b, `bad numeric argument (0..${max})`);
  return make(n);
}

function macAct(type: 'mod_dl_src' | 'mod_dl_dst', s: string, a: number, b: number, x: number, ctx: Ctx): Action {
  const m = parseMac(colonArg(s, x, b));
  if (m === undefined) return unknown(ctx, s, a, b, 'bad MAC address');
  return { type, mac: m };
}

function ipAct(type: 'mod_nw_src' | 'mod_nw_dst', s: string, a: number, b: number, x: number, ctx: Ctx): Action {
  const m = parseIpv4(colonArg(s, x, b));
  if (m === undefined) return unknown(ctx, s, a, b, 'bad IPv4 address');
  return { type, ip: m };
}

function tunAct(is64: boolean, s: string, a: number, b: number, x: number, ctx: Ctx): Action {
  const v = parseUint(colonArg(s, x, b));
  if (v === undefined || v > onesMask(64)) return unknown(ctx, s, a, b, 'bad tunnel id');
  return { type: 'set_tunnel', tunId: v, is64 };
}

function parseHexBytes(t: string): number[] | undefined {
  const out: number[] = [];
  let i = 0;
  while (i < t.length) {
    if (t[i] === '.') {
      i++;
      continue;
    }
    const pair = t.slice(i, i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) return undefined;
    out.push(parseInt(pair, 16));
    i += 2;
  }
  return out;
}

type Paren = (s: string, a: number, b: number, x: number, close: number, ctx: Ctx) => Action;

function trailing(s: string, close: number, b: number): boolean {
  return close + 1 !== b;
}

function args(s: string, x: number, close: number): string[] {
  if (x === close) return [];
  const parts = splitTopLevel(s, x, close);
  const out: string[] = [];
  for (let k = 0; k < parts.length; k += 2) out.push(s.slice(parts[k], parts[k + 1]));
  return out;
}

const PAREN: Record<string, Paren> = {
  resubmit: (s, a, b, x, close, ctx) => {
    if (trailing(s, close, b)) return unknown(ctx, s, a, b, 'text after resubmit(...)');
    const parts = args(s, x, close);
    if (parts.length < 1 || parts.length > 3) return unknown(ctx, s, a, b, 'resubmit takes (port,table[,ct])');
    let port: PortRef | undefined;
    if (parts[0] !== '') {
      const p = parsePort(parts[0]);
      if (typeof p === 'string') return unknown(ctx, s, a, b, p);
      if (!(p.kind === 'number' && p.port === 0xfff8)) port = p;
    }
    let table: number | undefined;
    if (parts.length > 1 && parts[1] !== '') {
      const t = num(parts[1]);
      if (t < 0 || t > 255) return unknown(ctx, s, a, b, 'bad resubmit table');
      if (t !== 255) table = t;
    }
    let ct = false;
    if (parts.length > 2) {
      if (parts[2] !== 'ct') return unknown(ctx, s, a, b, 'third resubmit argument must be "ct"');
      ct = true;
    }
    const act: Action = { type: 'resubmit', ct, ...(port ? { port } : {}), ...(table !== undefined ? { table } : {}) };
    return act;
  },
  controller: (s, a, b, x, close, ctx) => {
    if (trailing(s, close, b)) return unknown(ctx, s, a, b, 'text after controller(...)');
    let reason: ControllerReason | string = 'action';
    let maxLen = 65535;
    let controllerId = 0;
    let userdata: number[] | undefined;
    let pause = false;
    let meterId: number | undefined;
    for (const p of args(s, x, close)) {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? '' : p.slice(eq + 1);
      if (k === 'pause' && eq < 0) pause = true;
      else if (k === 'reason' && v) reason = v;
      else if (k === 'max_len' && num(v) >= 0 && num(v) <= 0xffff) maxLen = num(v);
      else if (k === 'id' && num(v) >= 0 && num(v) <= 0xffff) controllerId = num(v);
      else if (k === 'meter_id' && num(v) >= 0) meterId = num(v);
      else if (k === 'userdata') {
        const d = parseHexBytes(v);
        if (!d) return unknown(ctx, s, a, b, 'bad controller userdata');
        userdata = d;
      } else return unknown(ctx, s, a, b, `unknown controller argument "${p}"`);
    }
    return {
      type: 'controller',
      reason,
      maxLen,
      controllerId,
      pause,
      ...(userdata ? { userdata } : {}),
      ...(meterId !== undefined ? { meterId } : {}),
    };
  },
  ct: (s, a, b, x, close, ctx) => {
    if (trailing(s, close, b)) return unknown(ctx, s, a, b, 'text after ct(...)');
    let commit = false;
    let force = false;
    let table: number | undefined;
    let zone: number | FieldRef | undefined;
    let nat: NatSpec | undefined;
    let exec: Action[] = [];
    let alg: number | undefined;
    const parts = x === close ? [] : splitTopLevel(s, x, close);
    for (let k = 0; k < parts.length; k += 2) {
      const pa = parts[k];
      const pb = parts[k + 1];
      const p = s.slice(pa, pb);
      if (p === 'commit') commit = true;
      else if (p === 'force') force = true;
      else if (p.startsWith('table=')) {
        const t = num(p.slice(6));
        if (t < 0 || t > 255) return unknown(ctx, s, a, b, 'bad ct table');
        table = t;
      } else if (p.startsWith('zone=')) {
        const z = p.slice(5);
        const n = num(z);
        if (n >= 0 && n <= 0xffff) zone = n;
        else {
          const r = parseFieldRef(z);
          if (typeof r === 'string') return unknown(ctx, s, a, b, `bad ct zone: ${r}`);
          zone = r;
        }
      } else if (p === 'nat' || p.startsWith('nat(')) {
        const n = parseNat(p);
        if (typeof n === 'string') return unknown(ctx, s, a, b, n);
        nat = n;
      } else if (p.startsWith('exec(') && p.endsWith(')')) {
        exec = parseActionList(s, pa + 5, pb - 1, ctx);
      } else if (p.startsWith('alg=')) {
        const v = p.slice(4);
        alg = v === 'ftp' ? 21 : v === 'tftp' ? 69 : num(v);
        if (alg < 0 || alg > 0xffff) return unknown(ctx, s, a, b, 'bad ct alg');
      } else return unknown(ctx, s, a, b, `unknown ct argument "${p}"`);
    }
    return {
      type: 'ct',
      commit,
      force,
      exec,
      ...(table !== undefined ? { table } : {}),
      ...(zone !== undefined ? { zone } : {}),
      ...(nat ? { nat } : {}),
      ...(alg !== undefined ? { alg } : {}),
    };
  },
  conjunction: (s, a, b, x, close, ctx) => {
    const p = args(s, x, close);
    const slash = p.length === 2 ? p[1].indexOf('/') : -1;
    const id = p.length === 2 ? num(p[0]) : -1;
    const k = slash > 0 ? num(p[1].slice(0, slash)) : -1;
    const n = slash > 0 ? num(p[1].slice(slash + 1)) : -1;
    if (trailing(s, close, b) || id < 0 || id > 0xffffffff || k < 1 || n < 1 || k > n || n > 64)
      return unknown(ctx, s, a, b, 'bad conjunction (expected conjunction(ID,K/N))');
    return { type: 'conjunction', id, clause: k, nClauses: n };
  },
  clone: (s, a, b, x, close, ctx) => {
    if (trailing(s, close, b)) return unknown(ctx, s, a, b, 'text after clone(...)');
    return { type: 'clone', actions: x === close ? [] : parseActionList(s, x, close, ctx) };
  },
  write_actions: (s, a, b, x, close, ctx) => {
    if (trailing(s, close, b)) return unknown(ctx, s, a, b, 'text after write_actions(...)');
    return { type: 'write_actions', actions: x === close ? [] : parseActionList(s, x, close, ctx) };
  },
  apply_actions: (s, a, b, x, close, ctx) => {
    if (trailing(s, close, b)) return unknown(ctx, s, a, b, 'text after apply_actions(...)');
    return { type: 'apply_actions', actions: x === close ? [] : parseActionList(s, x, close, ctx) };
  },
  dec_ttl: (s, a, b, x, close, ctx) => {
    const ids = args(s, x, close).map(num);
    if (trailing(s, close, b) || ids.some((n) => n < 0 || n > 0xffff)) return unknown(ctx, s, a, b, 'bad dec_ttl controller ids');
    return { type: 'dec_ttl', cntIds: ids };
  },
  check_pkt_larger: (s, a, b, x, close, ctx) => {
    const n = num(s.slice(x, close));
    if (n < 0 || n > 0xffffffff || s.slice(close + 1, close + 3) !== '->') return unknown(ctx, s, a, b, 'bad check_pkt_larger (expected check_pkt_larger(LEN)->FIELD[bit])');
    return refOrUnknown(s.slice(close + 3, b), s, a, b, ctx, (dst) => ({ type: 'check_pkt_larger', pktLen: n, dst }));
  },
  learn: (s, a, b, x, close, ctx) => {
    if (trailing(s, close, b)) return unknown(ctx, s, a, b, 'text after learn(...)');
    const r = parseLearn(args(s, x, close));
    if (typeof r === 'string') return unknown(ctx, s, a, b, r);
    return r;
  },
  sample: (s, a, b, x, close, ctx) => {
    if (trailing(s, close, b)) return unknown(ctx, s, a, b, 'text after sample(...)');
    let probability = -1;
    let collectorSetId = 0;
    let obsDomainId = 0;
    let obsPointId = 0;
    let samplingPort: PortRef | undefined;
    let direction: 'ingress' | 'egress' | undefined;
    for (const p of args(s, x, close)) {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? '' : p.slice(eq + 1);
      const n = num(v);
      if (k === 'probability' && n >= 1 && n <= 0xffff) probability = n;
      else if (k === 'collector_set_id' && n >= 0) collectorSetId = n;
      else if (k === 'obs_domain_id' && n >= 0) obsDomainId = n;
      else if (k === 'obs_point_id' && n >= 0) obsPointId = n;
      else if (k === 'sampling_port') {
        const pr = parsePort(v);
        if (typeof pr === 'string') return unknown(ctx, s, a, b, pr);
        samplingPort = pr;
      } else if ((k === 'ingress' || k === 'egress') && eq < 0) direction = k;
      else return unknown(ctx, s, a, b, `unknown sample argument "${p}"`);
    }
    if (probability < 0) return unknown(ctx, s, a, b, 'sample needs probability=1..65535');
    return {
      type: 'sample',
      probability,
      collectorSetId,
      obsDomainId,
      obsPointId,
      ...(samplingPort ? { samplingPort } : {}),
      ...(direction ? { direction } : {}),
    };
  },
  fin_timeout: (s, a, b, x, close, ctx) => {
    let idle: number | undefined;
    let hard: number | undefined;
    for (const p of args(s, x, close)) {
      if (p.startsWith('idle_timeout=')) idle = num(p.slice(13));
      else if (p.startsWith('hard_timeout=')) hard = num(p.slice(13));
      else return unknown(ctx, s, a, b, `unknown fin_timeout argument "${p}"`);
    }
    if (trailing(s, close, b) || (idle !== undefined && idle < 0) || (hard !== undefined && hard < 0))
      return unknown(ctx, s, a, b, 'bad fin_timeout');
    return { type: 'fin_timeout', ...(idle ? { idleTimeout: idle } : {}), ...(hard ? { hardTimeout: hard } : {}) };
  },
  multipath: (s, a, b, x, close, ctx) => {
    const p = args(s, x, close);
    if (trailing(s, close, b) || p.length !== 6) return unknown(ctx, s, a, b, 'multipath takes (fields,basis,algorithm,n_links,arg,dst)');
    const basis = num(p[1]);
    const nLinks = num(p[3]);
    const arg = num(p[4]);
    if (basis < 0 || nLinks < 1 || arg < 0) return unknown(ctx, s, a, b, 'bad multipath numbers');
    return refOrUnknown(p[5], s, a, b, ctx, (dst) => ({ type: 'multipath', fields: p[0], basis, algorithm: p[2], nLinks, arg, dst }));
  },
  bundle: (s, a, b, x, close, ctx) => parseBundle(false, s, a, b, x, close, ctx),
  bundle_load: (s, a, b, x, close, ctx) => parseBundle(true, s, a, b, x, close, ctx),
  output: (s, a, b, x, close, ctx) => {
    // output(port=P,max_len=N)
    let port: PortRef | undefined;
    let maxLen = -1;
    for (const p of args(s, x, close)) {
      if (p.startsWith('port=')) {
        const pr = parsePort(p.slice(5));
        if (typeof pr === 'string') return unknown(ctx, s, a, b, pr);
        port = pr;
      } else if (p.startsWith('max_len=')) maxLen = num(p.slice(8));
      else return unknown(ctx, s, a, b, `unknown output argument "${p}"`);
    }
    if (trailing(s, close, b) || !port || maxLen < 0) return unknown(ctx, s, a, b, 'output(...) needs port= and max_len=');
    return { type: 'output_trunc', port, maxLen };
  },
  encap: (s, a, b, x, close, ctx) => {
    if (trailing(s, close, b)) return unknown(ctx, s, a, b, 'text after encap(...)');
    return { type: 'encap', spec: s.slice(x, close) };
  },
  decap: (s, a, b, x, close, ctx) => {
    if (trailing(s, close, b)) return unknown(ctx, s, a, b, 'text after decap(...)');
    return { type: 'decap', spec: s.slice(x, close) };
  },
  set_mpls_label: (s, a, b, x, close, ctx) => parenInt(s, a, b, x, close, ctx, 0xfffff, (label) => ({ type: 'set_mpls_label', label })),
  set_mpls_tc: (s, a, b, x, close, ctx) => parenInt(s, a, b, x, close, ctx, 7, (tc) => ({ type: 'set_mpls_tc', tc })),
  set_mpls_ttl: (s, a, b, x, close, ctx) => parenInt(s, a, b, x, close, ctx, 255, (ttl) => ({ type: 'set_mpls_ttl', ttl })),
};

function parenInt(s: string, a: number, b: number, x: number, close: number, ctx: Ctx, max: number, make: (n: number) => Action): Action {
  const n = num(s.slice(x, close));
  if (trailing(s, close, b) || n < 0 || n > max) return unknown(ctx, s, a, b, `bad numeric argument (0..${max})`);
  return make(n);
}

function parseBundle(load: boolean, s: string, a: number, b: number, x: number, close: number, ctx: Ctx): Action {
  const p = args(s, x, close);
  const memberIdx = p.findIndex((t) => t.startsWith('members:') || t.startsWith('slaves:'));
  const need = load ? 5 : 4;
  if (trailing(s, close, b) || memberIdx !== need) return unknown(ctx, s, a, b, 'bad bundle arguments');
  const basis = num(p[1]);
  if (basis < 0 || p[3] !== 'ofport') return unknown(ctx, s, a, b, 'bad bundle basis or member type');
  const first = p[memberIdx].slice(p[memberIdx].indexOf(':') + 1);
  const memberTexts = [first, ...p.slice(memberIdx + 1)].filter((t) => t !== '');
  const members: PortRef[] = [];
  for (const t of memberTexts) {
    const pr = parsePort(t);
    if (typeof pr === 'string') return unknown(ctx, s, a, b, pr);
    members.push(pr);
  }
  if (load) {
    const r = parseFieldRef(p[4]);
    if (typeof r === 'string') return unknown(ctx, s, a, b, r);
    return { type: 'bundle', fields: p[0], basis, algorithm: p[2], dst: r, members };
  }
  return { type: 'bundle', fields: p[0], basis, algorithm: p[2], members };
}

/** Parses `nat`, `nat(src)`, `nat(dst=10.0.0.3:80)`, `nat(src=10.0.0.1-10.0.0.5:1000-2000,persistent,random)`. */
export function parseNat(p: string): NatSpec | string {
  if (p === 'nat') return {};
  if (!p.startsWith('nat(') || !p.endsWith(')')) return `bad nat "${p}"`;
  const inner = p.slice(4, -1);
  const parts = inner === '' ? [] : inner.split(',');
  let spec: { -readonly [K in keyof NatSpec]: NatSpec[K] } = {};
  for (const part of parts) {
    if (part === 'src' || part === 'dst') {
      if (spec.kind) return 'nat: src and dst both given';
      spec.kind = part;
    } else if (part.startsWith('src=') || part.startsWith('dst=')) {
      if (spec.kind) return 'nat: src and dst both given';
      spec.kind = part.startsWith('src') ? 'src' : 'dst';
      const r = parseNatRange(part.slice(4));
      if (typeof r === 'string') return r;
      spec = { ...spec, ...r };
    } else if (part === 'persistent') spec.persistent = true;
    else if (part === 'hash') spec.hash = true;
    else if (part === 'random') spec.random = true;
    else return `unknown nat argument "${part}"`;
  }
  return spec;
}

function parseNatRange(t: string): Partial<NatSpec> | string {
  let addrPart: string;
  let portPart: string | undefined;
  let family: 4 | 6;
  if (t.startsWith('[')) {
    // [v6]-[v6]:port-port  or [v6]:port
    family = 6;
    const m = /^\[([^\]]+)\](?:-\[([^\]]+)\])?(?::(.+))?$/.exec(t);
    if (!m) return `bad IPv6 nat range "${t}"`;
    const lo = parseIpv6(m[1]);
    const hi = m[2] !== undefined ? parseIpv6(m[2]) : undefined;
    if (lo === undefined || (m[2] !== undefined && hi === undefined)) return `bad IPv6 nat address in "${t}"`;
    const ports = m[3] !== undefined ? parsePortRange(m[3]) : undefined;
    if (typeof ports === 'string') return ports;
    return { family, addrMin: lo, ...(hi !== undefined ? { addrMax: hi } : {}), ...(ports ?? {}) };
  }
  const colonCount = t.split(':').length - 1;
  if (colonCount > 1) {
    // bare IPv6 without port
    family = 6;
    const dash = t.indexOf('-');
    const lo = parseIpv6(dash < 0 ? t : t.slice(0, dash));
    const hi = dash < 0 ? undefined : parseIpv6(t.slice(dash + 1));
    if (lo === undefined || (dash >= 0 && hi === undefined)) return `bad IPv6 nat address in "${t}"`;
    return { family, addrMin: lo, ...(hi !== undefined ? { addrMax: hi } : {}) };
  }
  family = 4;
  const colon = t.indexOf(':');
  addrPart = colon < 0 ? t : t.slice(0, colon);
  portPart = colon < 0 ? undefined : t.slice(colon + 1);
  const dash = addrPart.indexOf('-');
  const lo = parseIpv4(dash < 0 ? addrPart : addrPart.slice(0, dash));
  const hi = dash < 0 ? undefined : parseIpv4(addrPart.slice(dash + 1));
  if (lo === undefined || (dash >= 0 && hi === undefined)) return `bad IPv4 nat address in "${t}"`;
  const ports = portPart !== undefined ? parsePortRange(portPart) : undefined;
  if (typeof ports === 'string') return ports;
  return { family, addrMin: lo, ...(hi !== undefined ? { addrMax: hi } : {}), ...(ports ?? {}) };
}

function parsePortRange(t: string): { portMin: number; portMax?: number } | string {
  const dash = t.indexOf('-');
  const lo = num(dash < 0 ? t : t.slice(0, dash));
  const hi = dash < 0 ? -1 : num(t.slice(dash + 1));
  if (lo < 0 || lo > 0xffff || (dash >= 0 && (hi < 0 || hi > 0xffff))) return `bad nat port range "${t}"`;
  return dash < 0 ? { portMin: lo } : { portMin: lo, portMax: hi };
}

function parseLearn(parts: string[]): Action | string {
  let table = 1;
  let idleTimeout: number | undefined;
  let hardTimeout: number | undefined;
  let finIdleTimeout: number | undefined;
  let finHardTimeout: number | undefined;
  let priority: number | undefined;
  let sendFlowRem = false;
  let deleteLearned = false;
  let cookie: bigint | undefined;
  let limit: number | undefined;
  let resultDst: FieldRef | undefined;
  const specs: LearnSpec[] = [];
  for (const p of parts) {
    const eq = p.indexOf('=');
    const k = eq < 0 ? p : p.slice(0, eq);
    const v = eq < 0 ? '' : p.slice(eq + 1);
    const n = eq < 0 ? -1 : num(v);
    switch (k) {
      case 'table':
        if (n < 0 || n > 255) return 'bad learn table';
        table = n;
        continue;
      case 'idle_timeout':
        if (n < 0) return 'bad learn idle_timeout';
        idleTimeout = n;
        continue;
      case 'hard_timeout':
        if (n < 0) return 'bad learn hard_timeout';
        hardTimeout = n;
        continue;
      case 'fin_idle_timeout':
        if (n < 0) return 'bad learn fin_idle_timeout';
        finIdleTimeout = n;
        continue;
      case 'fin_hard_timeout':
        if (n < 0) return 'bad learn fin_hard_timeout';
        finHardTimeout = n;
        continue;
      case 'priority':
        if (n < 0) return 'bad learn priority';
        priority = n;
        continue;
      case 'send_flow_rem':
        if (eq >= 0) break;
        sendFlowRem = true;
        continue;
      case 'delete_learned':
        if (eq >= 0) break;
        deleteLearned = true;
        continue;
      case 'cookie': {
        const c = parseUint(v);
        if (c === undefined) return 'bad learn cookie';
        cookie = c;
        continue;
      }
      case 'limit':
        if (n < 0) return 'bad learn limit';
        limit = n;
        continue;
      case 'result_dst': {
        const r = parseFieldRef(v);
        if (typeof r === 'string') return r;
        resultDst = r;
        continue;
      }
    }
    const spec = parseLearnSpec(p);
    if (typeof spec === 'string') return spec;
    specs.push(spec);
  }
  return {
    type: 'learn',
    table,
    sendFlowRem,
    deleteLearned,
    specs,
    ...(idleTimeout !== undefined ? { idleTimeout } : {}),
    ...(hardTimeout !== undefined ? { hardTimeout } : {}),
    ...(finIdleTimeout !== undefined ? { finIdleTimeout } : {}),
    ...(finHardTimeout !== undefined ? { finHardTimeout } : {}),
    ...(priority !== undefined ? { priority } : {}),
    ...(cookie !== undefined ? { cookie } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(resultDst ? { resultDst } : {}),
  };
}

function parseLearnSpec(p: string): LearnSpec | string {
  if (p.startsWith('load:')) {
    const t = p.slice(5);
    const arrow = t.indexOf('->');
    if (arrow < 0) return `bad learn load "${p}"`;
    const dst = parseFieldRef(t.slice(arrow + 2));
    if (typeof dst === 'string') return dst;
    const srcText = t.slice(0, arrow);
    const v = parseUint(srcText);
    if (v !== undefined) return { kind: 'load_imm', value: v, dst };
    const src = parseFieldRef(srcText);
    if (typeof src === 'string') return src;
    return { kind: 'load_field', src, dst };
  }
  if (p.startsWith('output:')) {
    const src = parseFieldRef(p.slice(7));
    if (typeof src === 'string') return src;
    return { kind: 'output', src };
  }
  const eq = p.indexOf('=');
  const lhs = eq < 0 ? p : p.slice(0, eq);
  const dst = parseFieldRef(lhs);
  if (typeof dst === 'string') return `bad learn argument "${p}": ${dst}`;
  if (eq < 0) return { kind: 'match_field', dst, src: dst };
  const rhs = p.slice(eq + 1);
  if (lhs.indexOf('[') < 0) {
    // field=value, value in the field's own format
    const v = parseFieldValue(dst.field, rhs);
    if (typeof v === 'string') {
      const src = parseFieldRef(rhs);
      if (typeof src !== 'string') return { kind: 'match_field', dst, src };
      return v;
    }
    return v.port ? { kind: 'match_imm', dst, value: v.value, port: v.port } : { kind: 'match_imm', dst, value: v.value };
  }
  const imm = parseUint(rhs);
  if (imm !== undefined) return { kind: 'match_imm', dst, value: imm };
  const src = parseFieldRef(rhs);
  if (typeof src === 'string') return src;
  return { kind: 'match_field', dst, src };
}

// ---------------------------------------------------------------------------------------------
// Formatting

const CONTROLLER_PORT = 0xfffd;

function formatOutputPort(p: PortRef): string {
  if (p.kind === 'number' && p.port >= 0xff00) return formatPort(p);
  return 'output:' + formatPort(p);
}

function hexBytes(d: readonly number[]): string {
  let out = '';
  for (let i = 0; i < d.length; i++) out += (i ? '.' : '') + d[i].toString(16).padStart(2, '0');
  return out;
}

function formatNat(n: NatSpec): string {
  if (!n.kind) return 'nat';
  let out = 'nat(' + n.kind;
  if (n.family && n.addrMin !== undefined) {
    out += '=';
    const bracket = n.portMin !== undefined && n.portMin !== 0;
    if (n.family === 4) {
      out += formatIpv4(n.addrMin);
      if (n.addrMax !== undefined && n.addrMax !== 0n && n.addrMax !== n.addrMin) out += '-' + formatIpv4(n.addrMax);
    } else {
      const f6 = (v: bigint) => (bracket ? `[${formatIpv6(v)}]` : formatIpv6(v));
      out += f6(n.addrMin);
      if (n.addrMax !== undefined && n.addrMax !== 0n && n.addrMax !== n.addrMin) out += '-' + f6(n.addrMax);
    }
    if (n.portMin) {
      out += ':' + n.portMin;
      if (n.portMax && n.portMax !== n.portMin) out += '-' + n.portMax;
    }
    if (n.persistent) out += ',persistent';
    if (n.hash) out += ',hash';
    if (n.random) out += ',random';
  }
  return out + ')';
}

function formatLearnSpec(sp: LearnSpec): string {
  switch (sp.kind) {
    case 'match_imm':
      if (sp.dst.ofs === 0 && sp.dst.nBits === sp.dst.field.width)
        return `${sp.dst.field.mfName}=${formatFieldValue(sp.dst.field, sp.value, undefined, sp.port)}`;
      return `${formatFieldRef(sp.dst)}=${hex(sp.value)}`;
    case 'match_field':
      if (sp.src.field !== sp.dst.field || sp.src.ofs !== sp.dst.ofs) return `${formatFieldRef(sp.dst)}=${formatFieldRef(sp.src)}`;
      return formatFieldRef(sp.dst);
    case 'load_imm':
      return `load:${hex(sp.value)}->${formatFieldRef(sp.dst)}`;
    case 'load_field':
      return `load:${formatFieldRef(sp.src)}->${formatFieldRef(sp.dst)}`;
    case 'output':
      return `output:${formatFieldRef(sp.src)}`;
  }
}

/** Formats one action exactly as OVS prints it. */
export function formatAction(a: Action): string {
  switch (a.type) {
    case 'output':
      return formatOutputPort(a.port);
    case 'output_reg':
      return 'output:' + formatFieldRef(a.src);
    case 'output_trunc':
      return `output(port=${formatPort(a.port)},max_len=${a.maxLen})`;
    case 'enqueue':
      return `enqueue:${formatPort(a.port)}:${a.queue}`;
    case 'controller': {
      if (a.reason === 'action' && !a.controllerId && !a.userdata && !a.pause && a.meterId === undefined)
        return `CONTROLLER:${a.maxLen}`;
      const parts: string[] = [];
      if (a.reason !== 'action') parts.push(`reason=${a.reason}`);
      if (a.maxLen !== 65535) parts.push(`max_len=${a.maxLen}`);
      if (a.controllerId) parts.push(`id=${a.controllerId}`);
      if (a.userdata) parts.push(`userdata=${hexBytes(a.userdata)}`);
      if (a.pause) parts.push('pause');
      if (a.meterId !== undefined) parts.push(`meter_id=${a.meterId}`);
      return `controller(${parts.join(',')})`;
    }
    case 'resubmit': {
      if (a.port && a.table === undefined && !a.ct) return 'resubmit:' + formatPort(a.port);
      return `resubmit(${a.port ? formatPort(a.port) : ''},${a.table !== undefined ? a.table : ''}${a.ct ? ',ct' : ''})`;
    }
    case 'goto_table':
      return `goto_table:${a.table}`;
    case 'load':
      return `load:${hex(a.value)}->${formatFieldRef(a.dst)}`;
    case 'set_field':
      return `set_field:${formatFieldValue(a.field, a.value, a.mask, a.port)}->${a.field.mfName}`;
    case 'move':
      return `move:${formatFieldRef(a.src)}->${formatFieldRef(a.dst)}`;
    case 'push':
      return `push:${formatFieldRef(a.src)}`;
    case 'pop':
      return `pop:${formatFieldRef(a.dst)}`;
    case 'drop':
      return 'drop';
    case 'ct': {
      let out = 'ct(';
      if (a.commit) out += 'commit,';
      if (a.force) out += 'force,';
      if (a.table !== undefined) out += `table=${a.table},`;
      if (a.zone !== undefined) {
        if (typeof a.zone === 'number') {
          if (a.zone) out += `zone=${a.zone},`;
        } else out += `zone=${formatFieldRef(a.zone)},`;
      }
      if (a.nat) out += formatNat(a.nat) + ',';
      if (a.exec.length) out += `exec(${formatActions(a.exec)}),`;
      if (a.alg !== undefined && a.alg !== 0) out += a.alg === 21 ? 'alg=ftp,' : a.alg === 69 ? 'alg=tftp,' : `alg=${a.alg},`;
      if (out.endsWith(',')) out = out.slice(0, -1);
      return out + ')';
    }
    case 'ct_clear':
      return 'ct_clear';
    case 'conjunction':
      return `conjunction(${a.id},${a.clause}/${a.nClauses})`;
    case 'group':
      return `group:${a.groupId}`;
    case 'clone':
      return `clone(${a.actions.length ? formatActionsRaw(a.actions) : ''})`;
    case 'dec_ttl':
      return a.cntIds ? `dec_ttl(${a.cntIds.join(',')})` : 'dec_ttl';
    case 'mod_dl_src':
    case 'mod_dl_dst':
      return `${a.type}:${formatMac(a.mac)}`;
    case 'mod_nw_src':
    case 'mod_nw_dst':
      return `${a.type}:${formatIpv4(a.ip)}`;
    case 'mod_nw_tos':
    case 'mod_nw_ecn':
    case 'mod_nw_ttl':
      return `${a.type}:${a.value}`;
    case 'mod_tp_src':
    case 'mod_tp_dst':
      return `${a.type}:${a.port}`;
    case 'push_vlan':
      return `push_vlan:${hex(BigInt(a.ethertype))}`;
    case 'pop_vlan':
      return a.spelling;
    case 'set_vlan_vid':
      return `${a.pushIfNeeded ? 'mod_vlan_vid' : 'set_vlan_vid'}:${a.vid}`;
    case 'set_vlan_pcp':
      return `${a.pushIfNeeded ? 'mod_vlan_pcp' : 'set_vlan_pcp'}:${a.pcp}`;
    case 'set_tunnel':
      return `set_tunnel${a.is64 || a.tunId > 0xffffffffn ? '64' : ''}:${hex(a.tunId)}`;
    case 'check_pkt_larger':
      return `check_pkt_larger(${a.pktLen})->${formatFieldRef(a.dst)}`;
    case 'learn': {
      let out = `learn(table=${a.table}`;
      if (a.idleTimeout !== undefined && a.idleTimeout !== 0) out += `,idle_timeout=${a.idleTimeout}`;
      if (a.hardTimeout !== undefined && a.hardTimeout !== 0) out += `,hard_timeout=${a.hardTimeout}`;
      if (a.finIdleTimeout) out += `,fin_idle_timeout=${a.finIdleTimeout}`;
      if (a.finHardTimeout) out += `,fin_hard_timeout=${a.finHardTimeout}`;
      if (a.priority !== undefined && a.priority !== 32768) out += `,priority=${a.priority}`;
      if (a.sendFlowRem) out += ',send_flow_rem';
      if (a.deleteLearned) out += ',delete_learned';
      if (a.cookie) out += `,cookie=${hex(a.cookie)}`;
      if (a.limit) out += `,limit=${a.limit}`;
      if (a.resultDst) out += `,result_dst=${formatFieldRef(a.resultDst)}`;
      for (const sp of a.specs) out += ',' + formatLearnSpec(sp);
      return out + ')';
    }
    case 'note':
      return 'note:' + hexBytes(a.data);
    case 'meter':
      return `meter:${a.meterId}`;
    case 'sample': {
      let out = `sample(probability=${a.probability},collector_set_id=${a.collectorSetId},obs_domain_id=${a.obsDomainId},obs_point_id=${a.obsPointId}`;
      if (a.samplingPort && !(a.samplingPort.kind === 'number' && a.samplingPort.port === 0xffff))
        out += `,sampling_port=${formatPort(a.samplingPort)}`;
      if (a.direction) out += ',' + a.direction;
      return out + ')';
    }
    case 'fin_timeout': {
      const parts: string[] = [];
      if (a.idleTimeout) parts.push(`idle_timeout=${a.idleTimeout}`);
      if (a.hardTimeout) parts.push(`hard_timeout=${a.hardTimeout}`);
      return `fin_timeout(${parts.join(',')})`;
    }
    case 'exit':
      return 'exit';
    case 'set_queue':
      return `set_queue:${a.queue}`;
    case 'pop_queue':
      return 'pop_queue';
    case 'multipath':
      return `multipath(${a.fields},${a.basis},${a.algorithm},${a.nLinks},${a.arg},${formatFieldRef(a.dst)})`;
    case 'bundle':
      return `${a.dst ? 'bundle_load' : 'bundle'}(${a.fields},${a.basis},${a.algorithm},ofport,${a.dst ? formatFieldRef(a.dst) + ',' : ''}members:${a.members.map(formatPort).join(',')})`;
    case 'encap':
      return `encap(${a.spec})`;
    case 'decap':
      return `decap(${a.spec})`;
    case 'write_metadata':
      return `write_metadata:${hex(a.value)}${a.mask !== undefined && a.mask !== onesMask(64) ? '/' + hex(a.mask) : ''}`;
    case 'clear_actions':
      return 'clear_actions';
    case 'write_actions':
      return `write_actions(${a.actions.length ? formatActionsRaw(a.actions) : ''})`;
    case 'apply_actions':
      return `apply_actions(${a.actions.length ? formatActionsRaw(a.actions) : ''})`;
    case 'dec_nsh_ttl':
      return 'dec_nsh_ttl';
    case 'dec_mpls_ttl':
      return 'dec_mpls_ttl';
    case 'set_mpls_label':
      return `set_mpls_label(${a.label})`;
    case 'set_mpls_tc':
      return `set_mpls_tc(${a.tc})`;
    case 'set_mpls_ttl':
      return `set_mpls_ttl(${a.ttl})`;
    case 'push_mpls':
    case 'pop_mpls':
      return `${a.type}:0x${a.ethertype.toString(16).padStart(4, '0')}`;
    case 'debug_recirc':
      return 'debug_recirc';
    case 'debug_slow':
      return 'debug_slow';
    case 'delete_field':
      return `delete_field:${a.field.mfName}`;
    case 'unknown':
      return a.text;
  }
}

function formatActionsRaw(actions: readonly Action[]): string {
  let out = '';
  for (let i = 0; i < actions.length; i++) out += (i ? ',' : '') + formatAction(actions[i]);
  return out;
}

/** Formats an action list as OVS prints it (`drop` for an empty list). */
export function formatActions(actions: readonly Action[]): string {
  if (actions.length === 0) return 'drop';
  return formatActionsRaw(actions);
}

export { CONTROLLER_PORT };
