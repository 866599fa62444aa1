import { checkOffload, type OffloadCheckOptions, type OffloadReport } from '../checks/offload.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { countBySeverity, type SeverityCounts } from '../model/finding.js';
import { fail, ok, type Result } from '../model/result.js';
import { loadOffload } from '../snapshot/load-offload.js';
import { openSnapshot } from '../snapshot/reader.js';

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
  if (options.hosts?.length) {
    const known = new Set(source.manifest.hosts.map((h) => h.name));
    const unknown = options.hosts.filter((h) => !known.has(h));
    if (unknown.length) return fail(`host ${unknown.join(', ')} is not in the snapshot (it has: ${[...known].join(', ') || 'no hosts'})`);
  }
  const snap = await loadOffload(source, { hosts: options.hosts });
  const report = checkOffload(snap, { expectHwOffload: options.expectHwOffload, vfOffload: options.vfOffload, nicWithoutGeneveTso: options.nicWithoutGeneveTso });
  return ok({ snapshot: options.snapshot, ...report, counts: countBySeverity(report.findings), diagnostics: snap.diagnostics });
}
