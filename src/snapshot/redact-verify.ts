/**
 * Checks a redacted snapshot before it is packed:
 *
 *  1. `scanForOriginals`: every byte of every output file is searched for every original token
 *     the map changed — IPv4 dotted and as `0x` hex, IPv6 in any textual form (the tokeniser
 *     parses whatever it finds and compares values) and as hex, MACs with colons, dashes, as hex
 *     and as a 16-digit datapath id, every address as raw bytes inside `controller(userdata=…)`
 *     and `note:` payloads, and host names, domains, chassis, tunnel port names and keywords
 *     (also inside decoded userdata bytes). In OpenFlow dumps, register values are checked the
 *     way they are mapped (the run of bits a mask selects).
 *  2. `structureOf`: the parsed snapshot (hosts, bridges, flows per table, groups, ports and their
 *     roles, chassis, bindings per chassis, NB/SB row counts, diagnostics) must be the same as
 *     the original's once the original's names go through the map.
 */
import { formatIpv4, formatIpv6, formatMac, parseMac } from '../model/masked.js';
import type { Snapshot } from '../model/snapshot.js';
import { parseOfctlFlows } from '../parse/ofctl-flows.js';
import { parseOfctlGroups } from '../parse/ofctl-groups.js';
import { mapFlowEntry, mapGroup, walkUserdata, type ValueFx } from './redact-openflow.js';
import { forEachName, type AddressKind, type Redactor } from './redact.js';
import { addressSpans, type AddressMapper } from './redact-text.js';

export interface Residue {
  readonly file: string;
  readonly line: number;
  readonly kind: string;
  /** The original token that was found. */
  readonly token: string;
  /** How it was written (dotted, hex, bytes, text, ...). */
  readonly form: string;
}

/** What must not survive: every original token the map changed. */
export interface Needles {
  readonly ipv4: ReadonlySet<bigint>;
  readonly ipv6: ReadonlySet<bigint>;
  readonly mac: ReadonlySet<bigint>;
  readonly nets4: ReadonlySet<string>;
  readonly nets6: ReadonlySet<string>;
  /** Names compared case-insensitively as whole words (not inside a longer alphanumeric run). */
  readonly words: readonly { readonly kind: string; readonly text: string; readonly scope?: string }[];
  /** Keywords, compared case-insensitively anywhere. */
  readonly substrings: readonly { readonly kind: string; readonly text: string }[];
  /** Original tokens that are also the image of another token (cannot be told apart; not residues). */
  readonly coincidences: readonly string[];
}

export function needlesOf(r: Redactor): Needles {
  const coincidences: string[] = [];
  const pick = (kind: AddressKind, fmt: (v: bigint) => string): Set<bigint> => {
    const changed = new Set(r.knownChanged(kind));
    const images = new Set([...changed].map((v) => r.address(kind, v)));
    for (const v of changed) {
      if (images.has(v)) {
        coincidences.push(`${kind} ${fmt(v)} is also the image of another address of the snapshot`);
        changed.delete(v);
      }
    }
    return changed;
  };
  const ipv4 = pick('ipv4', formatIpv4);
  const ipv6 = pick('ipv6', formatIpv6);
  const mac = pick('mac', formatMac);
  const entries = r.nameEntries();
  const mappedNames = new Set(entries.map((e) => e.mapped.toLowerCase()));
  const words: { kind: string; text: string; scope?: string }[] = [];
  const substrings: { kind: string; text: string }[] = [];
  for (const e of entries) {
    if (mappedNames.has(e.original.toLowerCase())) {
      coincidences.push(`${e.kind} ${e.original} is also the redacted name of something else`);
      continue;
    }
    if (e.kind === 'keyword') substrings.push({ kind: e.kind, text: e.original.toLowerCase() });
    else words.push({ kind: e.kind, text: e.original.toLowerCase(), ...(e.scope !== undefined ? { scope: e.scope } : {}) });
  }
  return { ipv4, ipv6, mac, nets4: r.knownNetworks('ipv4'), nets6: r.knownNetworks('ipv6'), words, substrings, coincidences };
}

class Lines {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

function bytesHex(v: bigint, w: number): string {
  return v.toString(16).padStart(w * 2, '0');
}

/** Byte-run tables of the needles: hex of the bytes → what they are. */
function runTables(n: Needles): Map<number, Map<string, string>> {
  const t = new Map<number, Map<string, string>>();
  const add = (w: number, set: ReadonlySet<bigint>, fmt: (v: bigint) => string, kind: string) => {
    const m = t.get(w) ?? new Map<string, string>();
    for (const v of set) m.set(bytesHex(v, w), `${kind} ${fmt(v)}`);
    t.set(w, m);
  };
  add(16, n.ipv6, formatIpv6, 'ipv6');
  add(6, n.mac, formatMac, 'mac');
  add(4, n.ipv4, formatIpv4, 'ipv4');
  return t;
}

function scanBytes(bytes: readonly number[], tables: Map<number, Map<string, string>>, n: Needles): { token: string; form: string }[] {
  const hits: { token: string; form: string }[] = [];
  let hex = '';
  for (const b of bytes) hex += (b & 0xff).toString(16).padStart(2, '0');
  for (const [w, m] of tables) {
    if (!m.size) continue;
    for (let i = 0; i + w <= bytes.length; i++) {
      const hit = m.get(hex.slice(i * 2, (i + w) * 2));
      if (hit) hits.push({ token: hit, form: 'bytes' });
    }
  }
  const text = Buffer.from(bytes).toString('latin1').toLowerCase();
  for (const w of n.words) if (findWord(text, w.text) >= 0) hits.push({ token: `${w.kind} ${w.text}`, form: 'bytes (text)' });
  for (const s of n.substrings) if (text.includes(s.text)) hits.push({ token: `${s.kind} ${s.text}`, form: 'bytes (text)' });
  return hits;
}

function findWord(lower: string, word: string, from = 0): number {
  for (let i = lower.indexOf(word, from); i >= 0; i = lower.indexOf(word, i + 1)) {
    if (!isAlnum(lower.charCodeAt(i - 1)) && !isAlnum(lower.charCodeAt(i + word.length))) return i;
  }
  return -1;
}

export interface ScanOptions {
  /** `flows` / `groups`: OpenFlow dumps (register values and userdata are checked structurally). */
  readonly kind?: 'flows' | 'groups' | 'other';
  /** Host the file belongs to (tunnel port names are per host). */
  readonly scope?: string;
}

/** Every original token found in `text` (a file of the redacted snapshot). */
export function scanForOriginals(file: string, text: string, n: Needles, options: ScanOptions = {}): Residue[] {
  const out: Residue[] = [];
  const lines = new Lines(text);
  const tables = runTables(n);
  const push = (offset: number, kind: string, token: string, form: string) => out.push({ file, line: lines.lineOf(offset), kind, token, form });

  // Textual addresses: the tokeniser finds every form, values are compared.
  let at = 0;
  const detector: AddressMapper = {
    v4: (v, mask) => {
      if (mask === undefined ? n.ipv4.has(v) : n.nets4.has(`${v.toString(16)}/${maskBits(mask, 32)}`) || n.ipv4.has(v)) push(at, 'ipv4', formatIpv4(v), 'dotted');
      return undefined;
    },
    v6: (v, mask) => {
      if (mask === undefined ? n.ipv6.has(v) : n.nets6.has(`${v.toString(16)}/${maskBits(mask, 128)}`) || n.ipv6.has(v)) push(at, 'ipv6', formatIpv6(v), 'text');
      return undefined;
    },
    mac: (v) => {
      if (n.mac.has(v)) push(at, 'mac', formatMac(v), 'colons');
      return undefined;
    },
    dpid: (v) => {
      if (n.mac.has(v)) push(at, 'mac', formatMac(v), 'datapath id');
      return undefined;
    },
    gap: (t) => t,
  };
  // The tokeniser reports values, not offsets: scan line by line so each hit has its line.
  let lineStart = 0;
  for (const line of text.split('\n')) {
    at = lineStart;
    addressSpans(line, detector);
    lineStart += line.length + 1;
  }

  // Hex literals (registers, loads) outside OpenFlow dumps, which are checked structurally below.
  if (options.kind !== 'flows' && options.kind !== 'groups') {
    for (const m of text.matchAll(/(?<![0-9A-Za-z_])0[xX]([0-9a-fA-F]{6,32})(?![0-9A-Za-z_])/g)) {
      const v = BigInt('0x' + m[1]);
      const d = m[1].length;
      if (d <= 8 && n.ipv4.has(v)) push(m.index!, 'ipv4', formatIpv4(v), 'hex');
      else if (d <= 12 && n.mac.has(v)) push(m.index!, 'mac', formatMac(v), 'hex');
      else if (n.ipv6.has(v)) push(m.index!, 'ipv6', formatIpv6(v), 'hex');
    }
  }
  // MACs with dashes or Cisco dots.
  for (const m of text.matchAll(/(?<![0-9A-Fa-f-])([0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5})(?![0-9A-Fa-f-])/g)) {
    const v = parseMac(m[1].replace(/-/g, ':'));
    if (v !== undefined && n.mac.has(v)) push(m.index!, 'mac', formatMac(v), 'dashes');
  }
  for (const m of text.matchAll(/(?<![0-9A-Fa-f.])([0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![0-9A-Fa-f.])/g)) {
    const v = BigInt('0x' + m[1].replace(/\./g, ''));
    if (n.mac.has(v)) push(m.index!, 'mac', formatMac(v), 'dotted hex');
  }
  // Byte payloads of OpenFlow actions.
  for (const m of text.matchAll(/(?:userdata=|note:)([0-9a-fA-F]{2}(?:\.[0-9a-fA-F]{2})*)/g)) {
    const bytes = m[1].split('.').map((h) => parseInt(h, 16));
    for (const h of scanBytes(bytes, tables, n)) push(m.index!, h.token.split(' ')[0], h.token.split(' ').slice(1).join(' '), h.form);
  }
  // Names and keywords.
  const words = wordTable(n, options.scope);
  forEachName(text, words.table, words.maxLen, words.fallback, (i, _e, key) => push(i, words.table.get(key) ?? words.odd.get(key) ?? 'name', key, 'text'));
  const lower = text.toLowerCase();
  for (const s of n.substrings) for (let i = lower.indexOf(s.text); i >= 0; i = lower.indexOf(s.text, i + 1)) push(i, s.kind, s.text, 'text');

  if (options.kind === 'flows' || options.kind === 'groups') out.push(...scanOpenFlowValues(file, text, n, options.kind));
  return out;
}

interface WordTable {
  readonly table: Map<string, string>;
  readonly odd: Map<string, string>;
  readonly maxLen: number;
  readonly fallback: RegExp | undefined;
}

/** Needle names for the files of one host (tunnel ports are per host), as `forEachName` wants them. */
function wordTable(n: Needles, scope: string | undefined): WordTable {
  const table = new Map<string, string>();
  const odd = new Map<string, string>();
  for (const w of n.words) {
    if (w.scope !== undefined && w.scope !== scope) continue;
    (/^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/.test(w.text) ? table : odd).set(w.text, w.kind);
  }
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  return {
    table,
    odd,
    maxLen: Math.max(0, ...[...table.keys()].map((k) => k.length)),
    fallback: odd.size ? new RegExp(`(?<![A-Za-z0-9])(?:${[...odd.keys()].map(esc).join('|')})(?![A-Za-z0-9])`, 'gi') : undefined,
  };
}

function maskBits(mask: bigint, width: number): number {
  let k = 0;
  for (let i = width - 1; i >= 0 && (mask >> BigInt(i)) & 1n; i--) k++;
  return k;
}

/** Register values and userdata of a dump, checked the way they are mapped. */
function scanOpenFlowValues(file: string, text: string, n: Needles, kind: 'flows' | 'groups'): Residue[] {
  const out: Residue[] = [];
  let line = 0;
  const sets: Readonly<Record<AddressKind, ReadonlySet<bigint>>> = { ipv4: n.ipv4, ipv6: n.ipv6, mac: n.mac };
  const fmt: Readonly<Record<AddressKind, (v: bigint) => string>> = { ipv4: formatIpv4, ipv6: formatIpv6, mac: formatMac };
  const hit = (k: string, token: string, form: string) => out.push({ file, line, kind: k, token, form });
  const fx: ValueFx = {
    addr: (k, v, mask) => {
      if (mask === undefined && sets[k].has(v)) hit(k, fmt[k](v), 'field value');
      return v;
    },
    reg: (v, mask) => {
      if (mask === 0n) return v;
      let lo = 0;
      while (((mask >> BigInt(lo)) & 1n) === 0n) lo++;
      const run = mask >> BigInt(lo);
      if ((run & (run + 1n)) !== 0n) return v;
      const w = run.toString(2).length;
      const sub = (v >> BigInt(lo)) & run;
      if (w === 32 && n.ipv4.has(sub)) hit('ipv4', formatIpv4(sub), 'register');
      if (w === 48 && n.mac.has(sub)) hit('mac', formatMac(sub), 'register');
      if (w === 128 && n.ipv6.has(sub)) hit('ipv6', formatIpv6(sub), 'register');
      return v;
    },
    userdata: (d) => {
      walkUserdata(d, { addr: (k, v) => (fx.addr(k, v), v), reg: (v, m, w) => fx.reg(v, m, w), text: (s) => s });
      return d;
    },
    note: (d) => d,
    port: (p) => p,
    text: (t) => t,
    inexact: () => {},
  };
  if (kind === 'flows') {
    for (const f of parseOfctlFlows(text).value.flows) {
      line = f.line;
      mapFlowEntry(f, fx);
    }
  } else {
    for (const g of parseOfctlGroups(text).value.groups) {
      line = g.line;
      mapGroup(g, fx);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Structure

type Tr = (text: string, scope?: string) => string;

/** A name-insensitive picture of a loaded snapshot (names go through `tr`). */
export function structureOf(s: Snapshot, tr: Tr): unknown {
  const chassisName = new Map((s.sb?.chassis ?? []).map((c) => [c.uuid, c.name] as const));
  const perChassis: Record<string, number> = {};
  for (const pb of s.sb?.portBindings ?? []) {
    const ch = pb.chassis ? chassisName.get(pb.chassis) : undefined;
    if (ch) perChassis[tr(ch)] = (perChassis[tr(ch)] ?? 0) + 1;
  }
  const count = (o: object | undefined) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.length : 0]));
  return {
    hosts: s.hosts.map((h) => ({
      name: tr(h.name),
      chassis: h.chassis === undefined ? null : tr(h.chassis, h.name),
      encapIp: h.encapIp === undefined ? null : tr(h.encapIp, h.name),
      interfaces: h.interfaces.length,
      bridges: h.bridges.map((b) => {
        const perTable: Record<string, number> = {};
        for (const f of b.flows) perTable[f.table] = (perTable[f.table] ?? 0) + 1;
        return {
          name: tr(b.name, h.name),
          flows: b.flows.length,
          perTable,
          groups: b.groups.length,
          buckets: b.groups.reduce((a, g) => a + g.buckets.length, 0),
          ports: b.ports.map((p) => ({
            ofport: p.ofport,
            name: tr(p.name, h.name),
            role: p.role.kind,
            ifaceId: p.ifaceId === undefined ? null : tr(p.ifaceId, h.name),
            remoteIp: p.role.kind === 'tunnel' && p.role.remoteIp ? tr(p.role.remoteIp, h.name) : null,
            remoteChassis: p.role.kind === 'tunnel' && p.role.remoteChassis ? tr(p.role.remoteChassis, h.name) : null,
            dpPort: p.dpPort ?? null,
          })),
        };
      }),
    })),
    chassis: (s.sb?.chassis ?? []).map((c) => tr(c.name)).sort(),
    bindingsPerChassis: Object.fromEntries(Object.entries(perChassis).sort()),
    sb: count(s.sb),
    nb: count(s.nb),
    diagnostics: s.diagnostics.length,
  };
}

/** The first paths where two structures differ (for the error message). */
export function structureDiff(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (out.length >= 10) return out;
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) {
    out.push(`${path || '/'}: ${JSON.stringify(a)} became ${JSON.stringify(b)}`);
    return out;
  }
  if (a && typeof a === 'object') {
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    for (const k of new Set([...ka, ...kb])) structureDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}/${k}`, out);
    return out;
  }
  if (a !== b) out.push(`${path || '/'}: ${JSON.stringify(a)} became ${JSON.stringify(b)}`);
  return out;
}
