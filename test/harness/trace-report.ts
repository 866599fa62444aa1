import type { Snapshot } from '../../src/model/snapshot.js';
import { traceEndpointsIn, type TraceReport, type TraceRequest } from '../../src/services/trace.js';

/** `trace --from/--to` on a loaded snapshot at summary detail, tunnels followed; a usage error throws. */
export function endpointReport(snapshot: Snapshot, req: Partial<TraceRequest>): TraceReport {
  const r = traceEndpointsIn(snapshot, { snapshot: snapshot.dir, bridge: 'br-int', ctNext: [], detail: 'summary', followTunnels: true, ...req });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.report;
}
