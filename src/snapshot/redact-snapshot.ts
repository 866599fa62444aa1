/**
 * Redacts a snapshot directory into a new directory, file by file (the source is only read):
 *
 *  1. learn: every address the snapshot holds (text, JSON, OpenFlow values, userdata) and the
 *     names that identify the site (manifest host names, OVS `hostname`/`system-id`, SB Chassis
 *     `name`/`hostname`, Encap/Gateway_Chassis/HA_Chassis chassis names, `ovn.via`, FQDNs in OVSDB remotes,
 *     FRR `hostname` fields), plus the tunnel ports of each host;
 *  2. name: `host-N` (N = position in the source manifest, so `--hosts` subsets keep the same
 *     numbers), `chassis-N` for a chassis name that is not a host name, `domain-N.example` for
 *     the parent domain of an FQDN, `ovn-<mapped chassis[:6]>-<i>` for tunnel ports (per host,
 *     the index bumped like ovn-controller does when two would clash), `kwN` for keywords;
 *  3. rewrite: OpenFlow dumps through the parser, `ovs-ofctl show` with its 15-byte port names
 *     recomputed from the mapped full names, OVSDB and other JSON string by string, everything
 *     else as text; file paths and the manifest (with new sizes and digests) follow;
 *  4. verify: no file parses with a diagnostic its original did not have, the loaded snapshot
 *     has the same structure under the name map, and no original token is left anywhere.
 *
 * Logical names (switches, ports, ACLs, port groups, neutron:port_name, device_id, ...) are kept:
 * they are what a trace reads like and they identify nothing outside the cloud. Anything in them
 * that is sensitive (tenant, project or namespace names) is what `--keyword` is for; keywords
 * are replaced everywhere, inside longer tokens too (`acme-web-1` → `kw1-web-1`).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import type { Diagnostic } from '../model/diagnostic.js';
import type { Manifest } from '../model/manifest.js';
import { parseIpv4, parseIpv6 } from '../model/masked.js';
import type { OvsdbAtom, OvsdbRow, OvsdbValue } from '../model/ovsdb.js';
import { fail, ok, type Result } from '../model/result.js';
import { parseDpifShow } from '../parse/dpif-show.js';
import { parseOfctlFlows } from '../parse/ofctl-flows.js';
import { parseOfctlGroups } from '../parse/ofctl-groups.js';
import { parseOfctlShow } from '../parse/ofctl-show.js';
import { parseToolVersion } from '../parse/ovs-version.js';
import { parseOvsdbJson } from '../parse/ovsdb-json.js';
import { parseTlvMap } from '../parse/tlv-map.js';
import { loadSnapshot } from './load.js';
import { KEPT_USERS, MAPPING_KINDS, Redactor, type MappingKind } from './redact.js';
import { learnFlowDump, learnGroupDump, redactFlowDump, redactGroupDump } from './redact-openflow.js';
import { FINGERPRINT_RE, HOME_DIR_RE, jsonStrings, rewriteJsonStrings, rewriteText, SSH_ENDPOINT_RE } from './redact-text.js';
import { needlesOf, scanForOriginals, structureDiff, structureOf, type Residue } from './redact-verify.js';

export interface RedactSnapshotOptions {
  readonly key: Uint8Array;
  /** Validated keywords (see `validateKeywords`). */
  readonly keywords: readonly string[];
  /** Host names of the whole source snapshot in manifest order (host-N numbering). */
  readonly hostOrder?: readonly string[];
}

/** What FIXTURE.json says about a redacted pack (no key, no mapping). */
export interface RedactionSummary {
  /** Kinds of tokens that were replaced. */
  readonly kinds: readonly MappingKind[];
  /** How many distinct tokens of each kind. */
  readonly counts: Readonly<Partial<Record<MappingKind, number>>>;
  /** Lines of OpenFlow dumps the parser could not reproduce, mapped as plain text instead. */
  readonly textFallbackLines: number;
  /** What is deliberately left as it is. */
  readonly kept: readonly string[];
}

export interface RedactionReport {
  readonly counts: Readonly<Record<MappingKind, number>>;
  readonly textFallbackLines: number;
  /** `file:line` of the first text fallbacks (redacted file names). */
  readonly fallbacks: readonly string[];
  /** Values whose meaning the map cannot keep exactly (`file:line: what`), first ones. */
  readonly inexact: readonly string[];
  readonly inexactCount: number;
  readonly notes: readonly string[];
}

export interface RedactedSnapshot {
  readonly manifest: Manifest;
  /** Snapshot-relative files written (manifest.json excluded). */
  readonly files: readonly string[];
  readonly redactor: Redactor;
  readonly report: RedactionReport;
  readonly summary: RedactionSummary;
}

export const KEPT_DESCRIPTION: readonly string[] = [
  'IPv4 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 224.0.0.0/3 (multicast, broadcast, netmasks) unmapped',
  'IPv6 ::, ::1, ff00::/8 unmapped (solicited-node follows its unicast address)',
  'MAC 00:00:00:00:00:00, ff:ff:ff:ff:ff:ff, 01:00:5e/24, 33:33/16, 01:80:c2/24 unmapped; I/G and U/L bits kept',
  'prefix-preserving: common prefix lengths, subnets and masks keep their meaning',
  '10/8, 172.16/12, 192.168/16, 100.64/10, fe80::/64, fc00::/7, 2001:db8::/32 map into themselves',
  'logical names (switches, ports, ACLs) kept unless they contain a keyword; UUIDs and cookies kept',
  `the accounts ${KEPT_USERS.join(', ')} kept (other user names, in home directories and user@host, become user-N)`,
];

type FileKind = 'flows' | 'groups' | 'ofctl-show' | 'ovsdb' | 'dpif' | 'tlv' | 'version' | 'auto';

interface FileJob {
  readonly rel: string;
  readonly id: string;
  readonly scope?: string;
  readonly kind: FileKind;
}

function kindOf(id: string, isErr: boolean): FileKind {
  if (isErr) return 'auto';
  if (id.startsWith('ovs-ofctl.dump-flows.')) return 'flows';
  if (id.startsWith('ovs-ofctl.dump-groups.')) return 'groups';
  if (id.startsWith('ovs-ofctl.show.')) return 'ofctl-show';
  if (id.startsWith('ovs-ofctl.dump-tlv-map.')) return 'tlv';
  if (id === 'ovs-appctl.dpif-show') return 'dpif';
  if (/^(ovs-vsctl|ovn-sbctl|ovn-nbctl)\.list\./.test(id)) return 'ovsdb';
  if (id === 'ovs-vsctl.version') return 'version';
  return 'auto';
}

function jobsOf(m: Manifest): FileJob[] {
  const jobs: FileJob[] = [];
  for (const h of m.hosts)
    for (const c of h.commands) {
      if (c.file) jobs.push({ rel: c.file, id: c.id, scope: h.name, kind: kindOf(c.id, false) });
      if (c.errFile) jobs.push({ rel: c.errFile, id: c.id, scope: h.name, kind: 'auto' });
    }
  for (const c of m.central?.commands ?? []) {
    if (c.file) jobs.push({ rel: c.file, id: c.id, kind: kindOf(c.id, false) });
    if (c.errFile) jobs.push({ rel: c.errFile, id: c.id, kind: 'auto' });
  }
  return jobs;
}

const looksJson = (t: string) => /^\s*[[{]/.test(t);

/**
 * JSON to rewrite string by string. Looking like JSON is not enough: OVSDB prints maps as
 * `{ovn-chassis-idx-hv1="", vlan-limit="0"}`, whose names are outside any JSON string (and a
 * cut-off JSON file is not JSON either): those are redacted as text, names anywhere.
 */
function isJsonText(t: string): boolean {
  if (!looksJson(t)) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// OVSDB helpers

function str(v: OvsdbValue | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'kind' in v && v.kind === 'set' && v.items.length === 1 && typeof v.items[0] === 'string') return v.items[0];
  return undefined;
}

function mapOf(v: OvsdbValue | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (v && typeof v === 'object' && 'kind' in v && v.kind === 'map') {
    for (const [k, x] of v.entries as readonly (readonly [OvsdbAtom, OvsdbAtom])[]) if (typeof k === 'string' && typeof x === 'string') out.set(k, x);
  }
  return out;
}

function rowsOf(text: string): readonly OvsdbRow[] {
  return parseOvsdbJson(text).value.rows;
}

// ---------------------------------------------------------------------------------------------
// Learning

interface HostFacts {
  hostname?: string;
  systemId?: string;
  interfaces: Set<string>;
  tunnels: { name: string; type: string; chassisId?: string; remoteIp?: string }[];
}

interface Facts {
  readonly hosts: Map<string, HostFacts>;
  chassis: { name: string; hostname?: string }[];
  encaps: { chassis: string; ip: string }[];
  readonly chassisRefs: Set<string>;
  readonly otherHosts: Set<string>;
  /** Users named by home directories and SSH endpoints (`user@host`). */
  readonly users: Set<string>;
  /** SSH host-key fingerprints (manifest errors, stderr). */
  readonly fingerprints: Set<string>;
}

const TUNNEL_TYPES = new Set(['geneve', 'vxlan', 'stt', 'gre', 'erspan', 'ip6gre', 'ip6erspan', 'gtpu', 'bareudp', 'lisp']);
const REMOTE_RE = /\b(?:tcp|ssl|ptcp|pssl):([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::\d+)?/g;

function isAddressLiteral(s: string): boolean {
  return parseIpv4(s) !== undefined || parseIpv6(s) !== undefined;
}

/**
 * Who ran the collection and how it connected, as the transport's messages say it (manifest
 * errors, stderr): user names in home directories, `user@host` endpoints (users, and host names
 * such as a jump host's that nothing else in the snapshot names) and host-key fingerprints.
 * `endpoints`: only in text ovnscope's transports wrote; an `@` in command output (chassis@encap,
 * `@port_group`) is not an SSH endpoint.
 */
function learnIdentities(text: string, facts: Facts, endpoints: boolean): void {
  for (const m of text.matchAll(FINGERPRINT_RE)) facts.fingerprints.add(m[0]);
  for (const m of text.matchAll(HOME_DIR_RE)) facts.users.add(m[1]);
  if (!endpoints) return;
  for (const m of text.matchAll(SSH_ENDPOINT_RE)) {
    facts.users.add(m[1]);
    if (/[A-Za-z]/.test(m[2]) && !m[2].startsWith('[') && !isAddressLiteral(m[2])) facts.otherHosts.add(m[2]);
  }
}

function learnNamesFromStrings(strings: Iterable<string>, facts: Facts): void {
  for (const s of strings) {
    for (const m of s.matchAll(REMOTE_RE)) if (/[A-Za-z]/.test(m[1]) && !isAddressLiteral(m[1])) facts.otherHosts.add(m[1]);
  }
}

function learnOvsdb(job: FileJob, text: string, facts: Facts): void {
  const table = job.id.replace(/^(ovs-vsctl|ovn-sbctl|ovn-nbctl)\.list\./, '');
  const db = job.id.split('.')[0];
  const host = job.scope !== undefined ? facts.hosts.get(job.scope) : undefined;
  if (db === 'ovs-vsctl' && host) {
    for (const row of rowsOf(text)) {
      const ext = mapOf(row.cells.get('external_ids'));
      if (table === 'Open_vSwitch') {
        host.hostname ??= ext.get('hostname');
        host.systemId ??= ext.get('system-id');
      } else if (table === 'Interface' || table === 'Port') {
        const name = str(row.cells.get('name'));
        if (!name) continue;
        host.interfaces.add(name);
        const type = str(row.cells.get('type')) ?? '';
        const chassisId = ext.get('ovn-chassis-id');
        const remoteIp = mapOf(row.cells.get('options')).get('remote_ip');
        const existing = host.tunnels.find((t) => t.name === name);
        if (existing) {
          existing.chassisId ??= chassisId;
          existing.remoteIp ??= remoteIp;
          if (TUNNEL_TYPES.has(type)) existing.type = type;
        } else if (TUNNEL_TYPES.has(type) || chassisId) host.tunnels.push({ name, type, chassisId, remoteIp });
        if (chassisId) facts.chassisRefs.add(chassisId.replace(/@[^@]*$/, ''));
      }
    }
    return;
  }
  if (db === 'ovn-sbctl' && table === 'Chassis') {
    for (const row of rowsOf(text)) {
      const name = str(row.cells.get('name'));
      if (name) facts.chassis.push({ name, hostname: str(row.cells.get('hostname')) || undefined });
    }
  } else if (db === 'ovn-sbctl' && table === 'Encap') {
    for (const row of rowsOf(text)) {
      const chassis = str(row.cells.get('chassis_name'));
      const ip = str(row.cells.get('ip'));
      if (chassis) facts.chassisRefs.add(chassis);
      if (chassis && ip) facts.encaps.push({ chassis, ip });
    }
  } else if (table === 'Gateway_Chassis' || table === 'HA_Chassis') {
    // NB rows name the chassis in chassis_name; SB HA_Chassis in external_ids:chassis-name, the
    // only place the name of a member that never registered (no Chassis row) is found.
    for (const row of rowsOf(text)) {
      for (const chassis of [str(row.cells.get('chassis_name')), mapOf(row.cells.get('external_ids')).get('chassis-name')]) if (chassis) facts.chassisRefs.add(chassis);
    }
  }
}

function learnFile(job: FileJob, text: string, r: Redactor, facts: Facts): void {
  const learner = r.learner();
  learnIdentities(text, facts, job.rel.endsWith('.err'));
  switch (job.kind) {
    case 'flows':
      learnFlowDump(text, r);
      return;
    case 'groups':
      learnGroupDump(text, r);
      return;
    case 'version':
      return;
    case 'ovsdb': {
      learnOvsdb(job, text, facts);
      const strings = jsonStrings(text, { ovsdb: true });
      for (const s of strings) rewriteText(s, learner);
      learnNamesFromStrings(strings, facts);
      for (const m of text.matchAll(/\["hostname","((?:[^"\\]|\\.)+)"\]/g)) facts.otherHosts.add(m[1]);
      return;
    }
    default: {
      if (isJsonText(text)) {
        const strings = jsonStrings(text);
        for (const s of strings) rewriteText(s, learner);
        learnNamesFromStrings(strings, facts);
        for (const m of text.matchAll(/"hostname"\s*:\s*"((?:[^"\\]|\\.)+)"/g)) facts.otherHosts.add(m[1]);
      } else {
        rewriteText(text.replace(FINGERPRINT_RE, ' '), learner);
        learnNamesFromStrings([text], facts);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Naming

const FQDN_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

class Namer {
  private readonly numbers = new Map<string, number>();
  private nextHost: number;
  private nextDomain = 1;
  constructor(
    private readonly r: Redactor,
    firstFree: number,
  ) {
    this.nextHost = firstFree;
  }

  numberOf(name: string): number | undefined {
    return this.numbers.get(name.toLowerCase());
  }

  fresh(): number {
    return this.nextHost++;
  }

  /** A host name (short or FQDN) of host number n. */
  host(name: string, n: number): void {
    if (!name || isAddressLiteral(name)) return;
    const lower = name.toLowerCase();
    if (!this.numbers.has(lower)) this.numbers.set(lower, n);
    if (FQDN_RE.test(name) && /[A-Za-z]/.test(name.slice(name.lastIndexOf('.') + 1))) {
      const dot = name.indexOf('.');
      const short = name.slice(0, dot);
      const domain = name.slice(dot + 1);
      const md = this.domain(domain);
      this.r.setName('hostname', name, `host-${n}.${md}`);
      if (!this.r.hasName(short)) {
        this.r.setName('hostname', short, `host-${n}`);
        this.numbers.set(short.toLowerCase(), n);
      }
      return;
    }
    this.r.setName('hostname', name, `host-${n}`);
  }

  chassis(name: string, n: number): void {
    if (!name || this.r.hasName(name) || isAddressLiteral(name)) return;
    this.numbers.set(name.toLowerCase(), n);
    this.r.setName('chassis', name, `chassis-${n}`);
  }

  private domain(d: string): string {
    const known = this.r.nameOf(d);
    if (known) return known;
    const mapped = `domain-${this.nextDomain++}.example`;
    this.r.setName('domain', d, mapped);
    return mapped;
  }
}

function assignNames(manifest: Manifest, order: readonly string[], facts: Facts, r: Redactor): void {
  const namer = new Namer(r, order.length + 1);
  order.forEach((h, i) => namer.host(h, i + 1));
  for (const h of manifest.hosts) {
    const n = namer.numberOf(h.name) ?? namer.fresh();
    namer.host(h.name, n);
    const f = facts.hosts.get(h.name);
    if (f?.hostname) namer.host(f.hostname, n);
    if (f?.systemId) namer.chassis(f.systemId, n);
  }
  for (const c of [...facts.chassis].sort((a, b) => a.name.localeCompare(b.name))) {
    const n = (c.hostname ? namer.numberOf(c.hostname) ?? namer.numberOf(c.hostname.split('.')[0]) : undefined) ?? namer.numberOf(c.name) ?? namer.fresh();
    if (c.hostname) namer.host(c.hostname, n);
    namer.chassis(c.name, n);
  }
  for (const ref of [...facts.chassisRefs].sort()) namer.chassis(ref, namer.numberOf(ref) ?? namer.fresh());
  if (manifest.central?.via && !r.hasName(manifest.central.via)) namer.host(manifest.central.via, namer.fresh());
  for (const h of [...facts.otherHosts].sort()) if (!r.hasName(h)) namer.host(h, namer.numberOf(h.split('.')[0]) ?? namer.fresh());
  // Users and fingerprints after the hosts: `hv2@...` names a host, not a user.
  const keptUsers = new Set(KEPT_USERS);
  let user = 0;
  for (const u of [...facts.users].sort()) if (!keptUsers.has(u.toLowerCase()) && !r.hasName(u)) r.setName('user', u, `user-${++user}`);
  let fp = 0;
  for (const f of [...facts.fingerprints].sort()) r.setName('fingerprint', f, `${/^(SHA256|MD5):/.exec(f)?.[0] ?? ''}fingerprint-${++fp}`);

  // Tunnel ports: ovn-<chassis[:6]>-<index>, per host.
  const encapChassis = new Map(facts.encaps.map((e) => [e.ip, e.chassis] as const));
  const allChassis = [...new Set([...facts.chassis.map((c) => c.name), ...facts.chassisRefs])];
  for (const [host, f] of facts.hosts) {
    const used = new Set<string>();
    let unknown = 0;
    for (const t of [...f.tunnels].sort((a, b) => a.name.localeCompare(b.name))) {
      const m = /^ovn-(.+)-([0-9a-f]+)$/.exec(t.name);
      if (!m && !t.chassisId) continue;
      let chassis = t.chassisId?.replace(/@[^@]*$/, '') ?? (t.remoteIp ? encapChassis.get(t.remoteIp) : undefined);
      if (!chassis && m) {
        const cands = allChassis.filter((c) => c.slice(0, 6) === m[1]);
        if (cands.length === 1) chassis = cands[0];
      }
      const mappedChassis = chassis ? r.nameOf(chassis) ?? chassis : undefined;
      const base = mappedChassis ? mappedChassis.slice(0, 6) : `tun${++unknown}`;
      let idx = m ? parseInt(m[2], 16) : 0;
      let cand: string;
      do cand = `ovn-${base}-${(idx++).toString(16)}`;
      while (used.has(cand));
      used.add(cand);
      if (!m && !r.hasName(t.name)) continue; // not an OVN-named port: its name goes through the name map
      r.setName('tunnel-port', t.name, cand, host);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Rewriting

function truncate15(name: string): string {
  const b = Buffer.from(name, 'utf8');
  return b.length <= 15 ? name : b.subarray(0, 15).toString('utf8');
}

/** `ovs-ofctl show`: port names are cut to 15 bytes, so they are recomputed from the mapped full names. */
function redactOfctlShow(text: string, r: Redactor, scope: string | undefined, names: ReadonlySet<string>): string {
  return text
    .split('\n')
    .map((line) => {
      const m = /^(\s*(?:\d+|[A-Z][A-Z_]*)\()(.*)(\): addr:)(.*)$/.exec(line);
      if (!m) return r.text(line, scope);
      const name = m[2];
      let mapped: string;
      if (names.has(name)) mapped = truncate15(r.text(name, scope));
      else {
        const full = [...names].filter((n) => n !== name && truncate15(n) === name);
        mapped = full.length === 1 ? truncate15(r.text(full[0], scope)) : r.text(name, scope);
      }
      return m[1] + mapped + m[3] + r.text(m[4], scope);
    })
    .join('\n');
}

interface Rewritten {
  readonly text: string;
  readonly fallbackLines: readonly number[];
  readonly inexact: readonly { line: number; what: string }[];
}

function rewriteFile(job: FileJob, text: string, r: Redactor, facts: Facts): Rewritten {
  const scope = job.scope;
  const none = { fallbackLines: [], inexact: [] };
  switch (job.kind) {
    case 'flows':
      return redactFlowDump(text, r, scope);
    case 'groups':
      return redactGroupDump(text, r, scope);
    case 'ofctl-show':
      return { text: redactOfctlShow(text, r, scope, scope !== undefined ? facts.hosts.get(scope)?.interfaces ?? new Set() : new Set()), ...none };
    case 'ovsdb':
      return { text: rewriteJsonStrings(text, (s) => r.text(s, scope), { ovsdb: true }), ...none };
    case 'version':
      return { text: r.replaceNames(text, scope), ...none };
    default:
      if (isJsonText(text)) return { text: rewriteJsonStrings(text, (s) => r.text(s, scope)), ...none };
      return { text: r.text(text, scope), ...none };
  }
}

/** Diagnostics of a file by the project's parser for it (JSON validity for other JSON). */
function diagnosticsOf(job: FileJob, text: string): readonly Diagnostic[] {
  switch (job.kind) {
    case 'flows':
      return parseOfctlFlows(text).diagnostics;
    case 'groups':
      return parseOfctlGroups(text).diagnostics;
    case 'ofctl-show':
      return parseOfctlShow(text).diagnostics;
    case 'ovsdb':
      return parseOvsdbJson(text).diagnostics;
    case 'dpif':
      return parseDpifShow(text).diagnostics;
    case 'tlv':
      return parseTlvMap(text).diagnostics;
    case 'version':
      return parseToolVersion(text).diagnostics;
    default:
      if (!looksJson(text)) return [];
      try {
        JSON.parse(text);
        return [];
      } catch (e) {
        return [{ severity: 'error', line: 1, message: `not JSON: ${(e as Error).message}` }];
      }
  }
}

/** Diagnostics of `after` that `before` did not have, by (line, severity). */
function newDiagnostics(before: readonly Diagnostic[], after: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Map<string, number>();
  for (const d of before) seen.set(`${d.line}/${d.severity}`, (seen.get(`${d.line}/${d.severity}`) ?? 0) + 1);
  const out: Diagnostic[] = [];
  for (const d of after) {
    const k = `${d.line}/${d.severity}`;
    const n = seen.get(k) ?? 0;
    if (n > 0) seen.set(k, n - 1);
    else out.push(d);
  }
  return out;
}

function mapManifest(m: Manifest, r: Redactor): Manifest {
  const deep = (v: unknown, scope: string | undefined): unknown => {
    if (typeof v === 'string') return r.text(v, scope);
    if (Array.isArray(v)) return v.map((x) => deep(x, scope));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x, scope)]));
    return v;
  };
  return {
    ...(deep({ ...m, hosts: [] }, undefined) as Manifest),
    format: m.format,
    formatVersion: m.formatVersion,
    hosts: m.hosts.map((h) => deep(h, h.name) as Manifest['hosts'][number]),
  };
}

function safeRel(rel: string): boolean {
  const n = normalize(rel);
  return n === rel && !n.startsWith('..') && !n.startsWith('/') && !n.includes('\0');
}

/**
 * Redacts the snapshot in `src` (a directory holding `manifest` and its files) into `dst`.
 * Fails, with nothing but `dst` written, when the result would not parse like the original,
 * would load with a different structure, or still contains an original token.
 */
export async function redactSnapshotDir(src: string, dst: string, manifest: Manifest, options: RedactSnapshotOptions): Promise<Result<RedactedSnapshot>> {
  const r = new Redactor({ key: options.key, keywords: options.keywords });
  const jobs = jobsOf(manifest);
  const facts: Facts = { hosts: new Map(), chassis: [], encaps: [], chassisRefs: new Set(), otherHosts: new Set(), users: new Set(), fingerprints: new Set() };
  for (const h of manifest.hosts) facts.hosts.set(h.name, { interfaces: new Set(), tunnels: [] });
  learnNamesFromStrings([manifest.central?.nb ?? '', manifest.central?.sb ?? ''], facts);

  // 1. Learn, one file at a time.
  for (const job of jobs) learnFile(job, await readFile(join(src, job.rel), 'utf8'), r, facts);
  for (const s of manifestStrings(manifest)) {
    learnIdentities(s, facts, true);
    rewriteText(s.replace(FINGERPRINT_RE, ' '), r.learner());
  }

  // 2. Names.
  assignNames(manifest, options.hostOrder ?? manifest.hosts.map((h) => h.name), facts, r);
  r.freeze();

  // 3. Rewrite, one file at a time.
  const problems: string[] = [];
  const fallbacks: string[] = [];
  const inexact: string[] = [];
  let fallbackCount = 0;
  let inexactCount = 0;
  const written = new Map<string, { bytes: number; sha256: string }>();
  const relMap = new Map<string, string>();
  const outRels = new Set<string>();
  const needles = needlesOf(r);
  const residues: Residue[] = [];
  for (const job of jobs) {
    const out = r.text(job.rel, job.scope);
    if (!safeRel(out) || out.split('/')[0] !== job.rel.split('/')[0]) {
      problems.push(`${job.rel}: its redacted path ${JSON.stringify(out)} is not usable`);
      continue;
    }
    if (outRels.has(out)) {
      problems.push(`${job.rel}: its redacted path ${out} clashes with another file's`);
      continue;
    }
    relMap.set(job.rel, out);
    outRels.add(out);
    const text = await readFile(join(src, job.rel), 'utf8');
    const rw = rewriteFile(job, text, r, facts);
    fallbackCount += rw.fallbackLines.length;
    for (const l of rw.fallbackLines) if (fallbacks.length < 50) fallbacks.push(`${out}:${l}`);
    inexactCount += rw.inexact.length;
    for (const x of rw.inexact) if (inexact.length < 50) inexact.push(`${out}:${x.line}: ${x.what}`);
    const added = newDiagnostics(diagnosticsOf(job, text), diagnosticsOf(job, rw.text));
    for (const d of added.slice(0, 3)) problems.push(`${out}:${d.line ?? '?'}: the redacted file does not parse like the original (${d.severity}: ${d.message})`);
    residues.push(...scanForOriginals(out, rw.text, needles, { kind: job.kind === 'flows' || job.kind === 'groups' ? job.kind : 'other', scope: job.scope }));
    const dest = join(dst, out);
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, rw.text);
    written.set(job.rel, { bytes: Buffer.byteLength(rw.text), sha256: createHash('sha256').update(rw.text).digest('hex') });
  }

  // The manifest: every string mapped, sizes and digests of the rewritten files.
  const mapped = mapManifest(manifest, r);
  const fix = (orig: Manifest['hosts'][number]['commands'][number], c: Manifest['hosts'][number]['commands'][number]) => {
    const w = orig.file ? written.get(orig.file) : undefined;
    const e = orig.errFile ? written.get(orig.errFile) : undefined;
    return {
      ...c,
      ...(w ? { bytes: w.bytes, ...(c.sha256 !== undefined ? { sha256: w.sha256 } : {}) } : {}),
      ...(e ? { ...(c.errBytes !== undefined ? { errBytes: e.bytes } : {}), ...(c.errSha256 !== undefined ? { errSha256: e.sha256 } : {}) } : {}),
    };
  };
  const finalManifest: Manifest = {
    ...mapped,
    hosts: mapped.hosts.map((h, i) => ({ ...h, commands: h.commands.map((c, j) => fix(manifest.hosts[i].commands[j], c)) })),
    ...(mapped.central ? { central: { ...mapped.central, commands: mapped.central.commands.map((c, j) => fix(manifest.central!.commands[j], c)) } } : {}),
  };
  const manifestText = JSON.stringify(finalManifest, null, 2) + '\n';
  residues.push(...scanForOriginals('manifest.json', manifestText, needles));
  await writeFile(join(dst, 'manifest.json'), manifestText);
  const manifestFiles = new Set<string>();
  for (const h of finalManifest.hosts) for (const c of h.commands) for (const f of [c.file, c.errFile]) if (f) manifestFiles.add(f);
  for (const c of finalManifest.central?.commands ?? []) for (const f of [c.file, c.errFile]) if (f) manifestFiles.add(f);
  for (const out of outRels) if (!manifestFiles.has(out)) problems.push(`${out}: the redacted manifest does not list this file under the same path`);

  // 4. Verify.
  if (residues.length) {
    const lines = residues.slice(0, 20).map((x) => `  ${x.file}:${x.line}: ${x.kind} ${x.token} (${x.form})`);
    problems.push(`original tokens remain after redaction (${residues.length}):\n${lines.join('\n')}${residues.length > 20 ? '\n  …' : ''}`);
  }
  if (!problems.length) {
    const before = await loadSnapshot(src);
    const after = await loadSnapshot(dst);
    if (!before.ok) return before;
    if (!after.ok) problems.push(`the redacted snapshot does not load: ${after.error.message}`);
    else {
      const diff = structureDiff(structureOf(before.value, (t, s) => r.text(t, s)), structureOf(after.value, (t) => t));
      if (diff.length)
        problems.push(
          `the redacted snapshot does not have the same structure as the original (a keyword or name may also match OVS/OVN vocabulary):\n${diff.map((d) => `  ${d}`).join('\n')}`,
        );
    }
  }
  if (problems.length) {
    // A keyword that also names OVS/OVN vocabulary is the user's to change (usage error); any other
    // refusal means a representation the redactor does not handle yet (internal error: report it).
    const keywordBlame = options.keywords.length > 0 && problems.every((p) => p.includes('same structure') || p.includes('does not parse like the original'));
    const hint = keywordBlame ? `\nA --keyword probably also matches OVS/OVN vocabulary (a column, a port type such as "geneve", a key such as "iface-id"); use a more specific one.` : '';
    return fail(`redaction refused; nothing was written:\n${problems.join('\n')}${hint}`, keywordBlame ? 2 : 4);
  }

  const counts = r.counts();
  const kinds = MAPPING_KINDS.filter((k) => counts[k] > 0);
  return ok({
    manifest: finalManifest,
    files: [...relMap.values()],
    redactor: r,
    report: { counts, textFallbackLines: fallbackCount, fallbacks, inexact, inexactCount, notes: [...r.notes, ...needles.coincidences] },
    summary: {
      kinds,
      counts: Object.fromEntries(kinds.map((k) => [k, counts[k]])),
      textFallbackLines: fallbackCount,
      kept: KEPT_DESCRIPTION,
    },
  });
}

function manifestStrings(m: Manifest): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(m);
  return out;
}
