import { checkBgp, DEFAULT_EXPECTED_UPLINKS } from '../checks/bgp.js';
import { checkControllers } from '../checks/controller.js';
import { checkCollection, COLLECTION_CHECKS, CUT_SHORT, recordedScope, type RecordedScope } from '../checks/collection.js';
import { checkFlowTables, FLOW_TABLE_CHECKS } from '../checks/flow-table.js';
import { checkHealth, HEALTH_CHECKS, hostIdentity, type HostIdentity } from '../checks/health.js';
import { checkOffload } from '../checks/offload.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '../model/diagnostic.js';
import type { Manifest } from '../model/manifest.js';
import { compareFindings, countBySeverity, excerptOf, FINDING_SEVERITIES, SEVERITY_RANK, worstSeverity, type Finding, type FindingSeverity, type SeverityCounts } from '../model/finding.js';
import { fail, ok, type Result } from '../model/result.js';
import { KERNEL_IDS, loadBgp, loadTunnelSide } from '../snapshot/load-bgp.js';
import { loadOffload } from '../snapshot/load-offload.js';
import { loadSnapshot } from '../snapshot/load.js';
import { knownHosts, openSnapshot, type SnapshotSource } from '../snapshot/reader.js';
import { auditMtu } from './mtu.js';

/** The question groups `doctor` asks; each is one audit of the snapshot. */
export type AuditName = 'health' | 'flow-tables' | 'collection' | 'offload' | 'bgp' | 'mtu';

export interface AuditRun {
  readonly name: AuditName;
  readonly title: string;
  /** Check ids it covers (`D1-D16`, `O1-O9, H1-H10`, …). */
  readonly checks: string;
  readonly ran: boolean;
  /** Why it did not run (its data is not in the snapshot), or a note on how it ran. */
  readonly why?: string;
  readonly counts: SeverityCounts;
}

export interface DoctorOptions {
  /** Snapshot directory or packed fixture; default: the current directory, when it is a snapshot. */
  readonly snapshot?: string;
  /** Only findings about these hosts (plus fleet-wide ones). */
  readonly hosts?: readonly string[];
  /** Show findings at least this severe (default `info`); counts and the exit status always cover all. */
  readonly severity?: FindingSeverity;
  /** Bound on the pairwise flow comparisons per bridge (F2). */
  readonly maxFlowComparisons?: number;
}

export interface HostCounts {
  /** Host name; undefined for fleet-wide findings (SB/NB, collection). */
  readonly host?: string;
  readonly worst: FindingSeverity;
  readonly counts: SeverityCounts;
}

export interface DoctorResult {
  readonly snapshot: string;
  readonly created: string;
  readonly complete: boolean;
  readonly hosts: readonly string[];
  readonly scope?: RecordedScope;
  readonly threshold: FindingSeverity;
  readonly audits: readonly AuditRun[];
  /** Findings at or above the threshold, most severe first. */
  readonly findings: readonly Finding[];
  /** Counts over every finding, shown or not. */
  readonly counts: SeverityCounts;
  readonly byHost: readonly HostCounts[];
  /** Findings below the threshold, not listed. */
  readonly hidden: number;
  /** True when any finding failed (the command exits 1). */
  readonly failed: boolean;
  /**
   * What the snapshot lacks for the selected hosts: the manifest's missing list (a host
   * unreachable, a required output failed or timed out, the collection interrupted, no NB/SB —
   * what makes collect exit 3), outputs damaged after collection (C8) and outputs collected empty
   * or cut short (C6). Non-empty: the checks
   * did not see everything, and the command exits 3 unless a check failed (1).
   */
  readonly incomplete: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}


export const DOCTOR_AUDITS: readonly { readonly name: AuditName; readonly title: string; readonly checks: string }[] = [
  { name: 'health', title: 'OVN/OVS health', checks: `D1-D${Object.keys(HEALTH_CHECKS).length}` },
  { name: 'flow-tables', title: 'flow tables', checks: `F1-F${Object.keys(FLOW_TABLE_CHECKS).length}` },
  { name: 'collection', title: 'collection', checks: `C1-C${Object.keys(COLLECTION_CHECKS).length}` },
  { name: 'offload', title: 'GENEVE offload', checks: 'O1-O9, H1-H10' },
  { name: 'bgp', title: 'underlay BGP/BFD', checks: 'B1-B14' },
  { name: 'mtu', title: 'MTU', checks: 'MTU-H0…H8, cluster-wide' },
];

const titleOf = (n: AuditName) => DOCTOR_AUDITS.find((a) => a.name === n)!;

/** An audit that did not run: one n/a finding that says why (id = the audit's name, upper case). */
function notRun(name: AuditName, why: string, fix: string): { run: AuditRun; findings: Finding[] } {
  const t = titleOf(name);
  const finding: Finding = { id: name.toUpperCase(), severity: 'n-a', subject: `${t.title} audit`, message: `not run: ${why}`, evidence: [{ file: 'manifest.json', excerpt: excerptOfWhy(why) }], fix };
  return { run: { ...t, ran: false, why, counts: countBySeverity([finding]) }, findings: [finding] };
}

function excerptOfWhy(why: string): string {
  return why.length > 200 ? `${why.slice(0, 199)}…` : why;
}

function ran(name: AuditName, findings: readonly Finding[], why?: string): AuditRun {
  return { ...titleOf(name), ran: true, ...(why ? { why } : {}), counts: countBySeverity(findings) };
}

/**
 * The MTU audit in its cluster mode (`ovnscope mtu --all`: H1/H8 cluster rules and every host's
 * egress towards every TEP). It needs the kernel's view of the egress devices (`ip -j -d link`):
 * without it on any selected host, it is n/a.
 */
async function mtuAudit(source: SnapshotSource, hosts: readonly string[] | undefined, diagnostics: Diagnostic[]): Promise<{ run: AuditRun; findings: Finding[] }> {
  const selected = source.manifest.hosts.filter((h) => !hosts || hosts.includes(h.name));
  const withLinks = selected.filter((h) => h.commands.some((c) => c.id === KERNEL_IDS.link && c.status === 'ok'));
  if (!withLinks.length) return notRun('mtu', `no "ip -j -d link" output on ${hosts?.length ? 'the selected hosts' : 'any host'} (a snapshot taken without the kernel recipe): the egress devices' MTUs are unknown`, 'collect again with ovnscope collect (the kernel recipe runs on every host)');
  const r = await auditMtu({ snapshot: source.dir, all: true, ...(hosts ? { hosts } : {}) });
  if (!r.ok) return notRun('mtu', r.error.message, 'ovnscope mtu --all --snapshot DIR gives the details; a damaged or unreadable output (C8, C6): collect again');
  diagnostics.push(...r.value.diagnostics);
  if (r.value.cluster && !r.value.cluster.pairs.length) {
    // No tunnel to measure: say why (no SB/OVS data → no chassis pairs) instead of a clean run with nothing in it.
    const why = r.value.findings.find((f) => f.severity === 'n-a' && f.subject === 'chassis pairs');
    return notRun('mtu', why?.message ?? 'no chassis pairs to check', why?.fix ?? 'nothing to change: without two chassis that tunnel to each other, no packet is encapsulated');
  }
  const missing = selected.length - withLinks.length;
  return { run: ran('mtu', r.value.findings, missing ? `kernel link data on ${withLinks.length} of ${selected.length} hosts` : undefined), findings: [...r.value.findings] };
}

async function offloadAudit(source: SnapshotSource, hosts: readonly string[] | undefined, diagnostics: Diagnostic[]): Promise<{ run: AuditRun; findings: Finding[] }> {
  const snap = await loadOffload(source, { hosts });
  // What the loader read is reported (C6, C8) whether the audit runs or not.
  diagnostics.push(...snap.diagnostics);
  const collected = snap.hosts.filter((h) => h.collected);
  if (!collected.length) return notRun('offload', `no offload data on ${hosts?.length ? 'the selected hosts' : 'any host'} (ethtool/OVS other_config not collected: a snapshot taken without the offload recipe)`, 'collect again with ovnscope collect (the offload recipe is part of every collection since 0.1)');
  const report = checkOffload(snap);
  const missing = snap.hosts.length - collected.length;
  return { run: ran('offload', report.findings, missing ? `offload data on ${collected.length} of ${snap.hosts.length} hosts` : undefined), findings: [...report.findings] };
}

async function bgpAudit(source: SnapshotSource, hosts: readonly string[] | undefined, diagnostics: Diagnostic[]): Promise<{ run: AuditRun; findings: Finding[] }> {
  // Every host's FRR data, also of hosts not selected: whether a remote TEP has a path through a ToR (B11) depends on the other hosts' sessions.
  const bgp = await loadBgp(source);
  const selected = bgp.hosts.filter((h) => !hosts || hosts.includes(h.host));
  const answered = selected.filter((h) => h.frr.available);
  // What the loader read (the kernel's view, vtysh's stderr for the reason it did not answer) is
  // reported (C6, C8) whether the audit runs or not.
  const local: Diagnostic[] = bgp.diagnostics.filter((d) => !hosts || d.host === undefined || hosts.includes(d.host));
  if (!answered.length) {
    diagnostics.push(...local);
    // The per-host reasons speak of "this host"; here they stand for all of them.
    const reasons = [...new Set(selected.map((h) => (h.frr.reason ?? 'FRR did not answer').replace(/ on this host\b/, '')))];
    return notRun('bgp', `no FRR data on ${hosts?.length ? 'the selected hosts' : 'any host'}: ${reasons.slice(0, 2).join('; ')}`, 'if the underlay is BGP-routed (TEP /32s), collect with FRR reachable (inventory "frr:" setting)');
  }
  const tunnel = await loadTunnelSide(source, local);
  diagnostics.push(...local);
  const report = checkBgp({ bgp, snapshot: tunnel, hosts }, { expectedUplinks: DEFAULT_EXPECTED_UPLINKS });
  const missing = selected.length - answered.length;
  return { run: ran('bgp', report.findings, missing ? `FRR answered on ${answered.length} of ${selected.length} hosts` : undefined), findings: [...report.findings] };
}

function dedupe(ds: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.host}|${d.file}|${d.line}|${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * The flow-table checks quote flows as the parser re-prints them (identical to `dump-flows` for
 * OVS's own output); here the excerpts become the raw lines of the dump, read once per file.
 */
async function quoteRawLines(dir: string, findings: readonly Finding[]): Promise<Finding[]> {
  const wanted = new Map<string, number>();
  for (const f of findings) for (const e of f.evidence) if (e.line !== undefined && /^hosts\/.*\.out$/.test(e.file)) wanted.set(e.file, Math.max(wanted.get(e.file) ?? 0, e.line));
  if (!wanted.size) return [...findings];
  const lines = new Map<string, string[]>();
  for (const [file, last] of wanted) {
    try {
      const text = await readFile(join(dir, file), 'utf8');
      const out: string[] = [];
      let pos = 0;
      while (out.length < last && pos <= text.length) {
        let eol = text.indexOf('\n', pos);
        if (eol < 0) eol = text.length;
        out.push(text.slice(pos, eol));
        pos = eol + 1;
      }
      lines.set(file, out);
    } catch {
      // keep the parser's rendering
    }
  }
  return findings.map((f) => {
    if (!f.evidence.some((e) => e.line !== undefined && lines.has(e.file))) return f;
    return { ...f, evidence: f.evidence.map((e) => (e.line !== undefined && lines.get(e.file)?.[e.line - 1] !== undefined ? { ...e, excerpt: excerptOf(lines.get(e.file)![e.line - 1]!, 320) } : e)) };
  });
}

/**
 * What the selected hosts' part of the snapshot lacks (see DoctorResult.incomplete): the
 * manifest's own list — entries about a host count only when that host is selected — every
 * output file damaged after collection, and every one the parser found empty or cut short.
 */
function incompleteInput(manifest: Manifest, diagnostics: readonly Diagnostic[], hosts: readonly string[] | undefined): string[] {
  const selected = (host: string | undefined) => !hosts || host === undefined || hosts.includes(host);
  const out = manifest.missing.filter((m) => selected(/^host (\S+):/.exec(m)?.[1]));
  if (manifest.interrupted && !out.some((m) => /interrupted/.test(m))) out.push('the collection was interrupted');
  const damaged = new Set<string>();
  for (const d of diagnostics) if (d.damage && d.file && selected(d.host?.startsWith('central') ? undefined : d.host)) damaged.add(d.file);
  for (const f of damaged) out.push(`${f}: damaged after collection (C8)`);
  // Collected "ok" but empty or cut short: as missing as a failed command, for the checks.
  const cut = new Set<string>();
  for (const d of diagnostics) if (!d.damage && d.file && !damaged.has(d.file) && CUT_SHORT.test(d.message) && selected(d.host?.startsWith('central') ? undefined : d.host)) cut.add(d.file);
  for (const f of cut) out.push(`${f}: empty or cut short (C6)`);
  return out;
}

/** `ovnscope doctor`: every check ovnscope has, over one snapshot, ordered by severity. */
export async function runDoctor(options: DoctorOptions): Promise<Result<DoctorResult>> {
  const threshold = options.severity ?? 'info';
  if (!FINDING_SEVERITIES.includes(threshold)) return fail(`--severity must be one of ${FINDING_SEVERITIES.join(', ')}`);
  const opened = await openSnapshot(options.snapshot ?? '.');
  if (!opened.ok) return options.snapshot === undefined ? fail('no --snapshot given and the current directory is not a snapshot: pass --snapshot DIR (a snapshot directory, or a fixture .tar.gz)') : opened;
  const source = opened.value;
  const all = source.manifest.hosts.map((h) => h.name);
  const hosts = options.hosts?.length ? [...new Set(options.hosts)] : undefined;
  const hostsKnown = knownHosts(source.manifest, hosts);
  if (!hostsKnown.ok) return hostsKnown;
  const loaded = await loadSnapshot(source.dir, { hosts });
  if (!loaded.ok) return loaded;
  const snap = loaded.value;
  const diagnostics: Diagnostic[] = [...snap.diagnostics];

  // Who every snapshot host is, also those not selected (so "outside the snapshot" stays true).
  let fleet: HostIdentity[] = snap.hosts.map(hostIdentity);
  if (hosts) {
    const side = await loadTunnelSide(source, []);
    const loadedNames = new Set(fleet.map((h) => h.name));
    fleet = [...fleet, ...side.hosts.filter((h) => !loadedNames.has(h.name)).map((h) => ({ name: h.name, chassis: h.chassis, encapIps: h.encapIp ? [h.encapIp] : [] }))];
  }

  const health = [...checkHealth({ snapshot: snap, fleet }), ...checkControllers({ snapshot: snap, fleet })];
  const flows = await quoteRawLines(source.dir, checkFlowTables(snap, { maxComparisons: options.maxFlowComparisons }));
  const offload = await offloadAudit(source, hosts, diagnostics);
  const bgp = await bgpAudit(source, hosts, diagnostics);
  const mtu = await mtuAudit(source, hosts, diagnostics);
  const allDiagnostics = dedupe(diagnostics);
  const collection = checkCollection({ manifest: snap.manifest, diagnostics: allDiagnostics, hosts });

  const wanted = hosts ? new Set(hosts) : undefined;
  const keep = (f: Finding) => !wanted || f.host === undefined || wanted.has(f.host);
  const everything = [...health, ...flows, ...collection, ...offload.findings, ...bgp.findings, ...mtu.findings].filter(keep).sort(compareFindings);
  const audits: AuditRun[] = [
    ran('health', health.filter(keep), snap.sb ? undefined : 'no SB in the snapshot: only the OVS-side checks ran'),
    ran('flow-tables', flows.filter(keep)),
    ran('collection', collection),
    offload.run,
    bgp.run,
    mtu.run,
  ];
  const shown = everything.filter((f) => SEVERITY_RANK[f.severity] <= SEVERITY_RANK[threshold]);
  const incomplete = incompleteInput(snap.manifest, allDiagnostics, hosts);

  const groups = new Map<string | undefined, Finding[]>();
  for (const f of everything) groups.set(f.host, [...(groups.get(f.host) ?? []), f]);
  for (const h of hosts ?? all) if (!groups.has(h)) groups.set(h, []);
  const byHost: HostCounts[] = [...groups].map(([host, fs]) => ({ ...(host !== undefined ? { host } : {}), worst: fs.length ? worstSeverity(fs) : 'pass', counts: countBySeverity(fs) }));
  byHost.sort((a, b) => (a.host === undefined ? -1 : b.host === undefined ? 1 : SEVERITY_RANK[a.worst] - SEVERITY_RANK[b.worst] || a.host.localeCompare(b.host)));

  return ok({
    snapshot: options.snapshot ?? '.',
    created: snap.manifest.created,
    complete: snap.manifest.complete,
    hosts: hosts ?? all,
    ...(recordedScope(snap.manifest) ? { scope: recordedScope(snap.manifest)! } : {}),
    threshold,
    audits,
    findings: shown,
    counts: countBySeverity(everything),
    byHost,
    hidden: everything.length - shown.length,
    failed: everything.some((f) => f.severity === 'fail'),
    incomplete,
    diagnostics: allDiagnostics,
  });
}
