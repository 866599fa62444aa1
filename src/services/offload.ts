import { checkOffload, type OffloadCheckOptions, type OffloadReport } from '../checks/offload.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { countBySeverity, type SeverityCounts } from '../model/finding.js';
import { ok, type Result } from '../model/result.js';
import { loadOffload } from '../snapshot/load-offload.js';
import { knownHosts, openSnapshot } from '../snapshot/reader.js';

export interface OffloadAuditOptions extends OffloadCheckOptions {
  readonly snapshot: string;
  /** Only these hosts (the fleet comparison O8 is then among them). */
  readonly hosts?: readonly string[];
}

export interface OffloadAuditResult extends OffloadReport {
  readonly snapshot: string;
  readonly counts: SeverityCounts;
  readonly diagnostics: readonly Diagnostic[];
}

/** `ovnscope offload`: GENEVE offload checks O1–O9 and H1–H10 along each host's tunnel egress chain. */
export async function auditOffload(options: OffloadAuditOptions): Promise<Result<OffloadAuditResult>> {
  const opened = await openSnapshot(options.snapshot);
  if (!opened.ok) return opened;
  const source = opened.value;
  const hostsKnown = knownHosts(source.manifest, options.hosts);
  if (!hostsKnown.ok) return hostsKnown;
  const snap = await loadOffload(source, { hosts: options.hosts });
  const report = checkOffload(snap, { expectHwOffload: options.expectHwOffload, vfOffload: options.vfOffload, nicWithoutGeneveTso: options.nicWithoutGeneveTso });
  return ok({ snapshot: options.snapshot, ...report, counts: countBySeverity(report.findings), diagnostics: snap.diagnostics });
}
