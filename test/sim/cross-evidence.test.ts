// A drop's evidence (the OpenFlow flow that dropped, with its dump file and line) on a batch: the
// same flow drops thousands of packets, and formatting it was most of the cost of the evidence.
import { describe, expect, it, vi } from 'vitest';

const formatted = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../src/parse/ofctl-flows.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/parse/ofctl-flows.js')>();
  return { ...actual, formatFlow: (...args: Parameters<typeof actual.formatFlow>) => (formatted.count++, actual.formatFlow(...args)) };
});

const { parseOfctlFlows } = await import('../../src/parse/ofctl-flows.js');
const { createCrossContext, traceAcross } = await import('../../src/sim/cross.js');
const { createResolver } = await import('../../src/snapshot/resolve.js');

const DUMP = [
  ' cookie=0x0, duration=1.0s, table=0, n_packets=0, n_bytes=0, priority=100,in_port=1 actions=resubmit(,1)',
  ' cookie=0xab, duration=1.0s, table=1, n_packets=0, n_bytes=0, priority=50,ip,nw_dst=10.0.0.3 actions=drop',
  ' cookie=0x0, duration=1.0s, table=1, n_packets=0, n_bytes=0, priority=10 actions=output:2',
].join('\n');

describe('drop evidence on a batch', () => {
  it('formats the dropping flow once per bridge and line, and cites it the same way every time', () => {
    const flows = parseOfctlFlows(DUMP).value.flows;
    const host = { name: 'ha', chassis: 'ha', encapIp: '192.0.2.1', ovsBridges: [], ovsPorts: [], interfaces: [], bridges: [{ name: 'br-int', flows, groups: [], ports: [{ ofport: 1, name: 'p1', role: { kind: 'local' as const }, ifaceId: 'p1' }, { ofport: 2, name: 'p2', role: { kind: 'local' as const }, ifaceId: 'p2' }], flowsFile: 'hosts/ha/ofctl-dump-flows-br-int.out' }] };
    const view = { hosts: [host], sb: { chassis: [], encaps: [], portBindings: [], datapaths: [], logicalFlows: [], dpGroups: [], multicastGroups: [], macBindings: [], loadBalancers: [] } };
    const ctx = createCrossContext(view, createResolver(view));
    const drops = [1, 2, 3].map((i) => {
      const r = traceAcross(ctx, { host: 'ha', bridge: 'br-int', flow: `in_port=1,tcp,nw_src=10.0.0.${i + 10},nw_dst=10.0.0.3,tcp_src=1,tcp_dst=2`, entry: { kind: 'start', port: 'p1' } }, { followTunnels: true });
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.verdict).toBe('dropped');
      return r.value.drop!;
    });
    // The flow at dump line 2 of the bridge's dump, every time.
    expect(drops[0]!.flow).toMatch(/^hosts\/ha\/ofctl-dump-flows-br-int\.out:2: cookie=0xab, .*table=1, .*priority=50,ip,nw_dst=10\.0\.0\.3 actions=drop$/);
    for (const d of drops) expect(d.flow).toBe(drops[0]!.flow);
    expect(formatted.count).toBe(1);
  });
});
