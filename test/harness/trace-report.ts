import type { Snapshot } from '../../src/model/snapshot.js';
import { traceEndpointsIn, type TraceReport, type TraceRequest } from '../../src/services/trace.js';
import { loadOpenedSnapshot } from '../../src/snapshot/load.js';
import { openSnapshot } from '../../src/snapshot/reader.js';

/** A snapshot (directory or packed fixture) loaded without OpenFlow tables: bindings, NB/SB, names. */
export async function loadWithoutTables(dir: string): Promise<Snapshot> {
  const src = await openSnapshot(dir);
  if (!src.ok) throw new Error(src.error.message);
  const l = await loadOpenedSnapshot(src.value, dir, { tablesOf: [] });
  if (!l.ok) throw new Error(l.error.message);
  return l.value;
}

/** `trace --from/--to` on a loaded snapshot at summary detail, tunnels followed; a usage error throws. */
export function endpointReport(snapshot: Snapshot, req: Partial<TraceRequest>): TraceReport {
  const r = traceEndpointsIn(snapshot, { snapshot: snapshot.dir, bridge: 'br-int', ctNext: [], detail: 'summary', followTunnels: true, ...req });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.report;
}
