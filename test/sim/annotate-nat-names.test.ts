// The hop summary's NAT steps on the bundled fixture lb-nat-3chassis (lr0: snat 172.16.0.10 <->
// 10.2.0.0/16, dnat_and_snat 172.16.0.21 <-> 10.2.2.11 for b1): what the step says the NAT did.

import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/model/snapshot.js';
import { traceEndpointsIn, type TraceReport, type TraceRequest } from '../../src/services/trace.js';
import { loadSnapshot } from '../../src/snapshot/load.js';

const root = resolve(import.meta.dirname, '../..');
let lb: Snapshot;
beforeAll(async () => {
  const r = await loadSnapshot(join(root, 'fixtures', 'lb-nat-3chassis'));
  if (!r.ok) throw new Error(r.error.message);
  lb = r.value;
});

function run(snapshot: Snapshot, req: Partial<TraceRequest>): TraceReport {
  const r = traceEndpointsIn(snapshot, { snapshot: snapshot.dir, bridge: 'br-int', ctNext: [], detail: 'summary', followTunnels: true, ...req });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.report;
}

const natSteps = (r: TraceReport) => r.hops.flatMap((h) => h.steps ?? []).filter((s) => s.kind === 'nat').map((s) => s.text);

describe('hop summary: NAT steps', () => {
  it('an ICMP packet\'s SNAT names the address only: its type is no port (ofproto/trace\'s NAT text shows it as tp_src)', () => {
    // a1 (10.2.1.11) pings b1's floating IP from inside: lr0 SNATs it to 172.16.0.10 on the way out.
    const icmp = run(lb, { from: 'a1', to: '172.16.0.21', protocol: { kind: 'icmp' } });
    expect(natSteps(icmp)).toContain('NAT snat 172.16.0.10 <-> 10.2.0.0/16 ⇒ source 172.16.0.10');
    // TCP keeps its port (ct_snat keeps the source port when it is free).
    const tcp = run(lb, { from: 'a1', to: '172.16.0.21', protocol: { kind: 'tcp', port: 22 } });
    expect(natSteps(tcp)).toContain('NAT snat 172.16.0.10 <-> 10.2.0.0/16 ⇒ source 172.16.0.10:40000');
  });
});
