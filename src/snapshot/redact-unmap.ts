/**
 * Reading the mapping file a redacted pack leaves with the user, and translating text both ways
 * with it: `backward` turns what ovnscope printed on the redacted fixture (traces, flow
 * listings, snapshot summaries) into the real names and addresses; `forward` does the opposite
 * for tokens the mapping knows (addresses that never appeared in the snapshot are not in it).
 *
 * Every textual form is handled: dotted and colon addresses, networks (`A/len`: looked up, or
 * derived from any mapped host inside it, since the map is prefix-preserving), `0x…` register
 * values, datapath ids, host/chassis/domain/tunnel-port names and keywords.
 */
import { readFile } from 'node:fs/promises';
import { cidrBits, formatIpv4, formatIpv6, parseIpv4, parseIpv6, parseMac } from '../model/masked.js';
import { fail, ok, type Result } from '../model/result.js';
import { MAPPING_FORMAT, MAPPING_FORMAT_VERSION, MAPPING_KINDS, type ForwardTranslator, type MappingEntry, type MappingFile, type MappingKind } from './redact.js';
import { rewriteText, type AddressMapper } from './redact-text.js';

const WRITTEN_BY = 'the .mapping.json written by `ovnscope fixture pack --redact`';

export async function loadMappingFile(path: string): Promise<Result<MappingFile>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return fail(`${path}: cannot read the mapping file (${(e as Error).message})`);
  }
  if (!text.trim()) return fail(`${path}: empty, not a mapping file; give ${WRITTEN_BY}`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    // JSON.parse quotes the text it choked on: from a binary file, that would be raw bytes on the terminal.
    const why = (e as Error).message.replace(/[^\x20-\x7e]/g, '?');
    return fail(`${path}: not JSON, so not a mapping file (${why.length > 120 ? `${why.slice(0, 119)}…` : why}); give ${WRITTEN_BY}`);
  }
  return validateMapping(v, path);
}

export function validateMapping(v: unknown, path = 'mapping'): Result<MappingFile> {
  if (typeof v !== 'object' || v === null) return fail(`${path}: not a JSON object`);
  const m = v as Partial<MappingFile>;
  if (m.format !== MAPPING_FORMAT) return fail(`${path}: format is ${JSON.stringify(m.format)}, not ${MAPPING_FORMAT}; is this ${WRITTEN_BY}?`);
  if (typeof m.formatVersion !== 'number' || !Number.isInteger(m.formatVersion)) return fail(`${path}: formatVersion is ${JSON.stringify(m.formatVersion)}, not a version number; is this ${WRITTEN_BY}, unedited?`);
  if (m.formatVersion > MAPPING_FORMAT_VERSION) return fail(`${path}: mapping format version ${m.formatVersion} is newer than this ovnscope understands (${MAPPING_FORMAT_VERSION}); upgrade ovnscope`);
  // Version 1 is the first ovnscope wrote: anything below is not a mapping it made.
  if (m.formatVersion !== MAPPING_FORMAT_VERSION) return fail(`${path}: mapping format version ${m.formatVersion} was never written by ovnscope (this one reads version ${MAPPING_FORMAT_VERSION}); is this ${WRITTEN_BY}, unedited?`);
  if (typeof m.entries !== 'object' || m.entries === null) return fail(`${path}: "entries" is missing`);
  for (const [k, list] of Object.entries(m.entries)) {
    if (!MAPPING_KINDS.includes(k as MappingKind)) return fail(`${path}: unknown entry kind ${JSON.stringify(k)}`);
    if (!Array.isArray(list) || list.some((e: MappingEntry) => typeof e?.original !== 'string' || typeof e?.mapped !== 'string'))
      return fail(`${path}: entries.${k} must be a list of {original, mapped}`);
  }
  return ok(m as MappingFile);
}

type Dir = 'forward' | 'backward';

interface Tables {
  readonly v4: Map<bigint, bigint>;
  readonly v6: Map<bigint, bigint>;
  readonly mac: Map<bigint, bigint>;
  readonly nets4: Map<string, string>;
  readonly nets6: Map<string, string>;
  /** Lower-case name → replacement, global and per scope. */
  readonly names: Map<string, string>;
  readonly scoped: Map<string, Map<string, string>>;
  readonly keywords: Map<string, string>;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function tables(m: MappingFile, dir: Dir): Tables {
  const t: Tables = { v4: new Map(), v6: new Map(), mac: new Map(), nets4: new Map(), nets6: new Map(), names: new Map(), scoped: new Map(), keywords: new Map() };
  const pair = (e: MappingEntry): [string, string] => (dir === 'forward' ? [e.original, e.mapped] : [e.mapped, e.original]);
  const e = m.entries;
  for (const x of e.ipv4 ?? []) {
    const [a, b] = pair(x).map(parseIpv4);
    if (a !== undefined && b !== undefined && !t.v4.has(a)) t.v4.set(a, b);
  }
  for (const x of e.ipv6 ?? []) {
    const [a, b] = pair(x).map(parseIpv6);
    if (a !== undefined && b !== undefined && !t.v6.has(a)) t.v6.set(a, b);
  }
  for (const x of e.mac ?? []) {
    const [a, b] = pair(x).map(parseMac);
    if (a !== undefined && b !== undefined && !t.mac.has(a)) t.mac.set(a, b);
  }
  for (const x of e['ipv4-network'] ?? []) t.nets4.set(...pair(x));
  for (const x of e['ipv6-network'] ?? []) t.nets6.set(...pair(x));
  for (const k of ['hostname', 'domain', 'chassis', 'tunnel-port', 'user', 'fingerprint'] as const) {
    for (const x of e[k] ?? []) {
      const [a, b] = pair(x);
      const target = x.scope !== undefined ? (t.scoped.get(x.scope) ?? t.scoped.set(x.scope, new Map()).get(x.scope)!) : t.names;
      if (!target.has(a.toLowerCase())) target.set(a.toLowerCase(), b);
    }
  }
  for (const x of e.keyword ?? []) {
    const [a, b] = pair(x);
    t.keywords.set(a.toLowerCase(), b);
  }
  return t;
}

/** Translates text with a mapping file, in either direction. */
export class MappingTranslator implements ForwardTranslator {
  private readonly fwd: Tables;
  private readonly bwd: Tables;
  private readonly reCache = new Map<string, RegExp | null>();
  /** Names that look redacted but have no entry (backward), collected by the last call. */
  unknown = new Set<string>();

  constructor(readonly mapping: MappingFile) {
    this.fwd = tables(mapping, 'forward');
    this.bwd = tables(mapping, 'backward');
  }

  forward(text: string, scope?: string): string {
    return rewriteText(text, this.mapper(this.fwd, 'forward', scope));
  }

  backward(text: string, scope?: string): string {
    this.unknown = new Set();
    const out = rewriteText(text, this.mapper(this.bwd, 'backward', scope));
    for (const m of out.matchAll(/\b(?:host|chassis|user|fingerprint)-\d+\b|\bdomain-\d+\.example\b|\bkw\d+\b/g)) this.unknown.add(m[0]);
    return out;
  }

  private mapper(t: Tables, dir: Dir, scope: string | undefined): AddressMapper {
    const net = (kind: 'ipv4' | 'ipv6', v: bigint, mask: bigint): bigint | undefined => {
      const width = kind === 'ipv4' ? 32 : 128;
      const fmt = kind === 'ipv4' ? formatIpv4 : formatIpv6;
      const parse = kind === 'ipv4' ? parseIpv4 : parseIpv6;
      const bits = cidrBits(mask, width);
      const hit = (kind === 'ipv4' ? t.nets4 : t.nets6).get(`${fmt(v)}/${bits}`);
      if (hit) return parse(hit.split('/')[0]);
      // Prefix-preserving: any mapped host inside the network names the original network.
      for (const [a, b] of kind === 'ipv4' ? t.v4 : t.v6) if ((a & mask) === v) return b & mask;
      return undefined;
    };
    return {
      v4: (v, mask) => (mask === undefined ? t.v4.get(v) : net('ipv4', v, mask)),
      v6: (v, mask) => (mask === undefined ? t.v6.get(v) : net('ipv6', v, mask)),
      mac: (v, mask) => {
        if (mask === undefined) return t.mac.get(v);
        for (const [a, b] of t.mac) if ((a & mask) === v) return b & mask;
        return undefined;
      },
      hex: (v, digits) => (digits <= 8 ? t.v4.get(v) : undefined) ?? (digits <= 12 ? t.mac.get(v) : undefined) ?? t.v6.get(v),
      dpid: (v) => t.mac.get(v),
      gap: (s) => this.names(s, t, dir, scope),
    };
  }

  private names(s: string, t: Tables, dir: Dir, scope: string | undefined): string {
    const key = `${dir}/${scope ?? ''}`;
    let re = this.reCache.get(key);
    const scoped = scope !== undefined ? t.scoped.get(scope) : undefined;
    // Without a scope, per-host names (tunnel ports) are tried from every host, first one wins.
    const extra = scoped ? [scoped] : scope === undefined ? [...t.scoped.values()] : [];
    if (re === undefined) {
      const words = [...t.names.keys(), ...extra.flatMap((m) => [...m.keys()])];
      const kws = [...t.keywords.keys()];
      const alt = (xs: string[]) => [...new Set(xs)].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|');
      const parts: string[] = [];
      if (words.length) parts.push(`(?<![A-Za-z0-9])(?:${alt(words)})(?![A-Za-z0-9])`);
      // Keywords were replaced inside longer tokens; `kw1` must not match the start of `kw12`.
      if (kws.length) parts.push(`(?:${alt(kws)})${dir === 'backward' ? '(?![0-9])' : ''}`);
      re = parts.length ? new RegExp(parts.join('|'), 'gi') : null;
      this.reCache.set(key, re);
    }
    if (!re || !s) return s;
    return s.replace(re, (m) => {
      const k = m.toLowerCase();
      for (const x of extra) {
        const hit = x.get(k);
        if (hit) return hit;
      }
      return t.names.get(k) ?? t.keywords.get(k) ?? m;
    });
  }
}

/** `ovnscope fixture unmap`: the text with every redacted token the mapping knows translated back. */
export function unmapText(mapping: MappingFile, text: string): { text: string; unknown: string[] } {
  const tr = new MappingTranslator(mapping);
  const out = tr.backward(text);
  return { text: out, unknown: [...tr.unknown].sort() };
}

