// The hop summary's NAT steps on the bundled fixture lb-nat-3chassis (lr0: snat 172.16.0.10 <->
// 10.2.0.0/16, dnat_and_snat 172.16.0.21 <-> 10.2.2.11 for b1): what the step says the NAT did.

import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/model/snapshot.js';
import type { TraceReport, TraceRequest } from '../../src/services/trace.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { endpointReport } from '../harness/trace-report.js';

const root = resolve(import.meta.dirname, '../..');
let lb: Snapshot;
beforeAll(async () => {
  const r = await loadSnapshot(join(root, 'fixtures', 'lb-nat-3chassis'));
  if (!r.ok) throw new Error(r.error.message);
  lb = r.value;
});

const run = (snapshot: Snapshot, req: Partial<TraceRequest>): TraceReport => endpointReport(snapshot, req);

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

describe('hop summary and drops: which NAT row a shared logical flow stands for', () => {
  // Neutron writes one snat per subnet, all with the router's external IP. northd makes the flows
  // that match only the external IP (lr_in_unsnat, lr_in_arp_resolve, lr_out_egr_loop, …) once,
  // with the stage hint of one of those rows; lr_out_snat has one flow per row, matching its
  // logical_ip. Here lr0 gets a second snat row on 172.16.0.10 (10.9.0.0/16), and the
  // external-IP-only flows carry its hint, as northd may well choose.
  const SECOND = { uuid: '7358a6b5-0000-4000-8000-000000000001', logicalIp: '10.9.0.0/16' };
  const FIRST_HINT = 'ed8ced03'; // snat 172.16.0.10 <-> 10.2.0.0/16

  async function withSecondSnat() {
    const { buildOvnIndex } = await import('../../src/snapshot/ovn-index.js');
    const nb = lb.nb!;
    const first = nb.nats.find((n) => n.uuid.startsWith(FIRST_HINT))!;
    const second = { ...first, uuid: SECOND.uuid, logicalIp: SECOND.logicalIp };
    const sb = lb.sb!;
    const snapshot: Snapshot = {
      ...lb,
      nb: { ...nb, nats: [...nb.nats, second], routers: nb.routers.map((r) => (r.nat.includes(first.uuid) ? { ...r, nat: [...r.nat, second.uuid] } : r)) },
      sb: { ...sb, logicalFlows: sb.logicalFlows.map((f) => (f.stageHint === FIRST_HINT && !f.match.includes('10.2.0.0/16') ? { ...f, stageHint: SECOND.uuid.slice(0, 8) } : f)) },
    };
    const index = buildOvnIndex(snapshot);
    const flows = snapshot.sb!.logicalFlows;
    const shared = flows.find((f) => f.stageName === 'lr_in_unsnat' && f.stageHint === SECOND.uuid.slice(0, 8))!;
    const own = flows.find((f) => f.stageName === 'lr_out_snat' && f.stageHint === FIRST_HINT)!;
    return { snapshot, index, shared, own };
  }

  it('names the row whose logical_ip holds an address the packet had, all of them when none does, and a flow of its own row as that row', async () => {
    const { describeNb, nameStep, natRowOf } = await import('../../src/sim/annotate.js');
    const { index, shared, own } = await withSecondSnat();
    const step = (f: typeof shared) => nameStep(index, `0x${f.uuid.slice(0, 8)}`)!;
    const hop = (input: string) => [{ input } as never];
    const sharedStep = step(shared);
    // The hint alone says 10.9.0.0/16.
    expect(sharedStep.nb?.text).toBe('NAT snat 172.16.0.10 <-> 10.9.0.0/16');
    // A packet of 10.2.1.11's connection (as the un-SNAT rewrites it back) used the 10.2.0.0/16 row.
    const pick = natRowOf(index, hop('in_port=1,tcp,nw_src=8.8.8.8,nw_dst=10.2.1.11,tp_src=22,tp_dst=40000'), []);
    expect(pick(sharedStep.nb, sharedStep.logicalFlow)?.text).toBe('NAT snat 172.16.0.10 <-> 10.2.0.0/16');
    expect(pick(sharedStep.nb, sharedStep.logicalFlow)?.uuid.startsWith(FIRST_HINT)).toBe(true);
    // Only outside addresses: both rows, and that the packet does not tell which.
    const none = natRowOf(index, hop('in_port=1,icmp,nw_src=8.8.8.8,nw_dst=172.16.0.10'), [])(sharedStep.nb, sharedStep.logicalFlow);
    expect(none?.text).toBe('NAT snat 172.16.0.10 <-> 10.9.0.0/16 or 10.2.0.0/16 (one logical flow for the 2 NAT rows with external IP 172.16.0.10: which one the connection used, the packet does not show)');
    expect(none?.row?.['sharedBy']).toEqual([expect.objectContaining({ logicalIp: '10.9.0.0/16' }), expect.objectContaining({ logicalIp: '10.2.0.0/16' })]);
    // lr_out_snat's flow matches its row's logical_ip: that row, whatever the addresses.
    const ownStep = step(own);
    expect(pick(ownStep.nb, ownStep.logicalFlow)).toBe(ownStep.nb);
    expect(natRowOf(index, hop('nw_src=10.9.0.5'), [])(ownStep.nb, ownStep.logicalFlow)?.text).toBe('NAT snat 172.16.0.10 <-> 10.2.0.0/16');
    // A NAT row alone on its external IP is named by its hint, as before.
    const dnat = lb.nb!.nats.find((n) => n.type === 'dnat')!;
    expect(natRowOf(index, hop('nw_src=10.2.0.5'), [])(describeNb({ kind: 'nat', nat: dnat }), ownStep.logicalFlow)?.text).toBe('NAT dnat 172.16.0.20 <-> 10.2.1.11');
  });

  it('a trace through the shared flow: its NAT step and drop evidence do not name the hint\'s row as if it were the one used', async () => {
    const { snapshot } = await withSecondSnat();
    // TCP from the provider network to the SNAT address itself (no connection of it): lr_in_unsnat's
    // shared flow looks it up, and lr_in_arp_resolve's shared flow drops it (it would go back out
    // where it came from). No address of either subnet is in the packet: both rows are named.
    const r = run(snapshot, { from: '172.16.0.99', to: '172.16.0.10', protocol: { kind: 'tcp', port: 22 } });
    const both = 'NAT snat 172.16.0.10 <-> 10.9.0.0/16 or 10.2.0.0/16 (one logical flow for the 2 NAT rows with external IP 172.16.0.10: which one the connection used, the packet does not show)';
    expect(natSteps(r)).toEqual([`${both} — lookup only, the packet is not rewritten`]);
    expect(r.drop).toMatchObject({ reason: 'EXPLICIT_DROP', nb: { kind: 'nat', text: both } });
  });
});
