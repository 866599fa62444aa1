import { checkBgp, DEFAULT_EXPECTED_UPLINKS, type BgpReport } from '../checks/bgp.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { countBySeverity, type SeverityCounts } from '../model/finding.js';
import { fail, ok, type Result } from '../model/result.js';
import { loadBgp, loadTunnelSide } from '../snapshot/load-bgp.js';
import { knownHosts, openSnapshot } from '../snapshot/reader.js';

export interface BgpAuditOptions {
  readonly snapshot: string;
  /** Only these hosts' rows and findings (every host still contributes its TEP to the matrix). */
  readonly hosts?: readonly string[];
  readonly expectedUplinks?: number;
  readonly overlayMtu?: number;
}

export interface BgpAuditResult extends BgpReport {
  readonly snapshot: string;
  readonly counts: SeverityCounts;
  readonly diagnostics: readonly Diagnostic[];
}

/** `ovnscope bgp`: underlay BGP/BFD checks B1–B14 and the TEP reachability matrix of a snapshot. */
export async function auditBgp(options: BgpAuditOptions): Promise<Result<BgpAuditResult>> {
  const expectedUplinks = options.expectedUplinks ?? DEFAULT_EXPECTED_UPLINKS;
  if (!Number.isInteger(expectedUplinks) || expectedUplinks < 1) return fail(`--expected-uplinks must be a positive integer (got ${expectedUplinks})`);
  const opened = await openSnapshot(options.snapshot);
  if (!opened.ok) return opened;
  const source = opened.value;
  const hostsKnown = knownHosts(source.manifest, options.hosts);
  if (!hostsKnown.ok) return hostsKnown;
  const bgp = await loadBgp(source);
  const diagnostics = [...bgp.diagnostics];
  const tunnel = await loadTunnelSide(source, diagnostics);
  const report = checkBgp({ bgp, snapshot: tunnel, hosts: options.hosts?.length ? options.hosts : undefined }, { expectedUplinks, overlayMtu: options.overlayMtu });
  const wanted = options.hosts?.length ? new Set(options.hosts) : undefined;
  return ok({
    snapshot: options.snapshot,
    ...report,
    counts: countBySeverity(report.findings),
    diagnostics: wanted ? diagnostics.filter((d) => !d.host || wanted.has(d.host)) : diagnostics,
  });
}
