/**
 * The answer of a check (`src/checks/*`): one question asked of a snapshot, about one subject on
 * one host, with the raw lines that back the answer. Shared by every audit (BGP `B1`…`B14`,
 * MTU `MTU-H4`, offload, doctor), so renderers and `--json` consumers handle all of them alike.
 */

/**
 * - `pass`: the check held.
 * - `info`: worth knowing, nothing to fix (e.g. BFD not configured on a peer by design).
 * - `warn`: works now, but redundancy or headroom is gone (one ECMP leg left, one flap).
 * - `fail`: broken, or will break traffic (session down, TEP route missing, RIB ≠ FIB).
 * - `n-a`: could not be evaluated (the data was not collected on that host, or does not apply).
 */
export type FindingSeverity = 'pass' | 'info' | 'warn' | 'fail' | 'n-a';

export const FINDING_SEVERITIES: readonly FindingSeverity[] = ['fail', 'warn', 'info', 'pass', 'n-a'];

/** A raw line a finding rests on: where it is in the snapshot, and what it says verbatim. */
export interface Evidence {
  /** Snapshot-relative path (`hosts/hv1/frr.bgp-summary.out`) or a fixture path. */
  readonly file: string;
  /** 1-based line in that file, when the source has lines worth pointing at. */
  readonly line?: number;
  /** The line (or the record) as collected, trimmed and bounded. */
  readonly excerpt: string;
}

export interface Finding {
  /** Check id: `B6`, `MTU-H4`, … (stable: scripts and suppressions refer to it). */
  readonly id: string;
  readonly severity: FindingSeverity;
  /** Host the finding is about; absent for fleet-wide findings. */
  readonly host?: string;
  /** What exactly: `peer 10.0.2.0 (tor2)`, `TEP 192.168.100.2/32 (hv2)`, `geneve port ovn-hv2-0`. */
  readonly subject: string;
  /** One sentence an on-call engineer can act on. */
  readonly message: string;
  /** First entry is the primary source; more when the check compares sources (FRR vs kernel). */
  readonly evidence: readonly Evidence[];
  /** What to run or change, when something is to be done. */
  readonly fix?: string;
}

/** Severity order, most severe first: what every sort and threshold of findings compares. */
export const SEVERITY_RANK: Readonly<Record<FindingSeverity, number>> = { fail: 0, warn: 1, info: 2, pass: 3, 'n-a': 4 };

/** Most severe first (fail, warn, info, pass, n-a); ties keep id, host, subject order. */
export function compareFindings(a: Finding, b: Finding): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || compareIds(a.id, b.id) || (a.host ?? '').localeCompare(b.host ?? '') || a.subject.localeCompare(b.subject);
}

/** `B2` before `B10`; `MTU-H4` after `B14` (prefix, then number). */
export function compareIds(a: string, b: string): number {
  const pa = /^(.*?)(\d+)$/.exec(a);
  const pb = /^(.*?)(\d+)$/.exec(b);
  if (pa && pb && pa[1] === pb[1]) return Number(pa[2]) - Number(pb[2]);
  return a.localeCompare(b);
}

export type SeverityCounts = Readonly<Record<FindingSeverity, number>>;

export function countBySeverity(findings: readonly Finding[]): SeverityCounts {
  const counts: Record<FindingSeverity, number> = { pass: 0, info: 0, warn: 0, fail: 0, 'n-a': 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

/** The most severe of some findings (`pass` for none; `n-a` only when nothing else is there). */
export function worstSeverity(findings: readonly Finding[]): FindingSeverity {
  let worst: FindingSeverity | undefined;
  for (const f of findings) if (worst === undefined || SEVERITY_RANK[f.severity] < SEVERITY_RANK[worst]) worst = f.severity;
  return worst ?? 'pass';
}

/** Exit-code rule shared by the audit commands: any `fail` makes the command exit 1. */
export function anyFailed(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'fail');
}

/** Bounds an excerpt so one minified line cannot flood a report. */
export function excerptOf(text: string, max = 200): string {
  const t = text.trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
