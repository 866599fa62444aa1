import { staleFlowCauses, type StaleFlowsCause } from '../checks/controller.js';
import type { Snapshot } from '../model/snapshot.js';

/**
 * What a trace report says about the freshness of the tables it read: a host whose ovn-controller
 * was found not running, not answering, paused or not connected, or whose chassis lags the SB's
 * nb_cfg, keeps the flows ovn-controller last installed. The trace of those flows is right about
 * the datapath (ofproto/trace agrees) and may be wrong about what the NB says now (ovn-trace):
 * the report must say which, not leave the engineer to find out.
 */
/** How a stale-flows warning begins in a report's `warnings` (the renderer finds them by it). */
export const STALE_FLOWS_WARNING = 'stale flows: ';

export interface StaleFlows {
  /** The hosts the trace read whose flows may be stale, in the order given. */
  readonly hosts: readonly string[];
  /** For the verdict line: "stale flows on hv1 — ovn-controller not running, 1 nb_cfg generation behind". */
  readonly summary: string;
  /** One warning per cause, with what the host said. */
  readonly warnings: readonly string[];
  /** One entry per host and cause, for --json consumers (the summary is prose). */
  readonly causes: readonly StaleFlowsEntry[];
}

/** A cause as `--json` gives it: which host, which cause (the doctor check that finds it), in short. */
export interface StaleFlowsEntry {
  readonly host: string;
  readonly kind: StaleFlowsCause['kind'];
  readonly check: StaleFlowsCause['check'];
  /** "ovn-controller not running", "1 nb_cfg generation behind". */
  readonly text: string;
}

/** What a trace report carries (`staleFlows` in --json); the details are among its warnings. */
export type StaleFlowsReport = Pick<StaleFlows, 'hosts' | 'summary' | 'causes'>;

/** The report field of a lookup. */
export const staleFlowsReport = (s: StaleFlows): StaleFlowsReport => ({ hosts: s.hosts, summary: s.summary, causes: s.causes });

export interface StaleFlowIndex {
  /** The causes behind a verdict read from these hosts' tables; undefined when none. */
  forHosts(hosts: Iterable<string>): StaleFlows | undefined;
}

function summarize(causes: ReadonlyMap<string, readonly StaleFlowsCause[]>): string {
  const parts = [...causes].map(([host, cs]) => `on ${host} — ${cs.map((c) => c.short).join(', ')}`);
  return `stale flows ${parts.length <= 2 ? parts.join('; ') : `${parts.slice(0, 2).join('; ')}; and on ${parts.length - 2} more hosts`}`;
}

/** Built once per loaded snapshot: the causes of every loaded host, looked up per trace. */
export function staleFlowIndex(snapshot: Pick<Snapshot, 'hosts' | 'sb' | 'manifest' | 'diagnostics'>): StaleFlowIndex {
  const byHost = staleFlowCauses(snapshot);
  return {
    forHosts(hosts) {
      const found = new Map<string, readonly StaleFlowsCause[]>();
      for (const h of hosts) {
        const cs = byHost.get(h);
        if (cs && !found.has(h)) found.set(h, cs);
      }
      if (!found.size) return undefined;
      const warnings = [...found.values()].flat().map((c) => `${STALE_FLOWS_WARNING}${c.detail} (doctor ${c.check})`);
      const causes = [...found.values()].flat().map((c) => ({ host: c.host, kind: c.kind, check: c.check, text: c.short }));
      return { hosts: [...found.keys()], summary: summarize(found), warnings, causes };
    },
  };
}
