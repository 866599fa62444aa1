// Drops inside a patch port's clone: OVN runs the router's pipeline, and the next switch's, inside
// the clone of table 65's patch-port handling, and ofproto/trace's "Final flow" is the state
// restored after that clone — the first switch's metadata, ports and addresses. Where no
// conntrack recirculation starts a pass inside the clone (a gateway router with only stateless
// NAT, a switch with no stateful ACL), the drop's explanation must read the packet as it was at
// the drop. Checked against the live sandbox: every host run with live ofproto/trace (so the final
// flows are OVS's, pre-NAT and on the first switch), the logical outcome with ovn-trace.
//
//   npx vitest run --project live test/trace/drop-in-clone.live.test.ts

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { collectSandboxWithCli } from '../collect/sandbox-inventory.js';
import type { Topology } from '../harness/topology.js';
import { endpointReport } from '../harness/trace-report.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';
import { runCase } from './cross-compare.js';

const live = liveSuiteGuard();

// in 10.7.0.0/24 (a1) — distributed router lr — out 10.7.1.0/24 (b1); lr's gateway port lr-ext
// (172.16.7.1/24 on ext, the provider network physnet1) is on hv1, with stateless floating IPs
// only: 172.16.7.100 → b1 (10.7.1.11); 172.16.7.101 → 10.9.0.11, a typo nothing routes. b1's
// addresses hold 10.7.1.50 (so lr resolves it to b1's MAC) but its port security does not. out
// drops ssh to the addresses of as_guarded (b1): a drop-only ACL, so no conntrack on out.
function topology(): Topology {
  return {
    name: 'drop-in-clone',
    chassis: [{ name: 'hv1', bridgeMappings: { physnet1: 'br-ex' } }],
    addressSets: [{ name: 'as_guarded', addresses: ['10.7.1.11'] }],
    switches: [
      {
        name: 'in',
        ports: [
          { name: 'a1', addresses: ['0a:00:07:00:00:11 10.7.0.11'], portSecurity: ['0a:00:07:00:00:11 10.7.0.11'], bind: { chassis: 'hv1' } },
          { name: 'in-lr', type: 'router', routerPort: 'lr-in', addresses: ['router'] },
        ],
      },
      {
        name: 'out',
        ports: [
          { name: 'b1', addresses: ['0a:00:07:01:00:11 10.7.1.11 10.7.1.50'], portSecurity: ['0a:00:07:01:00:11 10.7.1.11'], bind: { chassis: 'hv1' } },
          { name: 'out-lr', type: 'router', routerPort: 'lr-out', addresses: ['router'] },
        ],
        acls: [{ direction: 'to-lport', priority: 1000, match: 'ip4.dst == $as_guarded && tcp.dst == 22', action: 'drop', name: 'no-ssh-to-guarded' }],
      },
      {
        name: 'ext',
        ports: [
          { name: 'ext-ln', type: 'localnet', networkName: 'physnet1', addresses: ['unknown'] },
          { name: 'ext-lr', type: 'router', routerPort: 'lr-ext', addresses: ['router'] },
        ],
      },
    ],
    routers: [
      {
        name: 'lr',
        ports: [
          { name: 'lr-in', mac: '0a:00:07:ff:00:01', networks: ['10.7.0.1/24'] },
          { name: 'lr-out', mac: '0a:00:07:ff:01:01', networks: ['10.7.1.1/24'] },
          { name: 'lr-ext', mac: '0a:00:07:ff:02:01', networks: ['172.16.7.1/24'], gatewayChassis: ['hv1'] },
        ],
        nat: [
          { type: 'dnat_and_snat', externalIp: '172.16.7.100', logicalIp: '10.7.1.11', stateless: true },
          { type: 'dnat_and_snat', externalIp: '172.16.7.101', logicalIp: '10.9.0.11', stateless: true },
        ],
      },
    ],
  };
}

describe.skipIf(!live)('drops inside a patch port clone are explained from the packet at the drop', () => {
  const sandboxes = useSandboxes();
  let work: string | undefined;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('names the outport of the second switch, the router’s NATed destination and the address-set member the egress ACL saw; ofproto/trace agrees hop by hop', async () => {
    const { sandbox: sb } = await sandboxes.startTopology(topology());
    work = await mkdtemp(join(tmpdir(), 'ovnscope-dropclone-'));
    const snap = await collectSandboxWithCli(sb, work);
    const loaded = await loadSnapshot(snap);
    if (!loaded.ok) throw new Error(loaded.error.message);

    const cases = [
      { id: 'egress-port-security', req: { from: 'a1', to: '10.7.1.50', protocol: { kind: 'icmp' as const } } },
      { id: 'no-route-after-dnat', req: { from: '172.16.7.50', to: '172.16.7.101', protocol: { kind: 'icmp' as const } } },
      { id: 'acl-after-dnat', req: { from: '172.16.7.50', to: '172.16.7.100', protocol: { kind: 'tcp' as const, port: 22 } } },
    ];
    for (const c of cases) {
      const o = await runCase(sb, loaded.value, undefined, { id: c.id, category: 'drop-in-clone', req: c.req });
      expect(o.error, c.id).toBeUndefined();
      expect(o.hopDiffs, c.id).toEqual([]);
      expect(o.logicalDiffs, c.id).toEqual([]);
      expect(o.verdict, c.id).toBe('dropped');
    }

    // The premise, on the hop that dropped: its final flow (OVS's, compared above) is the state of
    // the switch the pass began on, restored after the clones — not the state at the drop.
    const key = (name: string) => `metadata=0x${loaded.value.sb!.datapaths.find((d) => d.name === name || d.externalIds['name'] === name)!.tunnelKey!.toString(16)},`;
    const dropped = (req: (typeof cases)[number]['req']) => {
      const r = endpointReport(loaded.value, req);
      const hop = r.hops.find((h) => h.drop);
      expect(hop, JSON.stringify(r.drop)).toBeDefined();
      return { r, hop: hop! };
    };

    // Egress port security of out: b1's (the outport), for the address it is sent to — not a1's,
    // the inport on in, where the final flow is.
    const ps = dropped(cases[0]!.req);
    expect(ps.hop.finalFlow).toContain(key('in'));
    expect(ps.r.drop).toMatchObject({ reason: 'PORT_SECURITY', logicalFlow: { datapath: 'out', pipeline: 'egress' }, nb: { row: { name: 'b1' } } });
    expect(ps.r.drop!.explanation).toMatch(/^dropped: port security of b1 allows "0a:00:07:01:00:11 10\.7\.1\.11"; the packet goes to 0a:00:07:01:00:11 10\.7\.1\.50 /);

    // lr routed the address its stateless NAT wrote, not the floating IP the final flow still has.
    const nr = dropped(cases[1]!.req);
    expect(nr.hop.finalFlow).toContain(key('ext'));
    expect(nr.hop.finalFlow).toContain('nw_dst=172.16.7.101,');
    expect(nr.r.drop).toMatchObject({ reason: 'NO_ROUTE', logicalFlow: { datapath: 'lr' } });
    expect(nr.r.drop!.explanation).toMatch(/^dropped: router lr has no route for 10\.9\.0\.11 /);

    // out's egress ACL tested b1's address (after the NAT) against as_guarded.
    const acl = dropped(cases[2]!.req);
    expect(acl.hop.finalFlow).toContain('nw_dst=172.16.7.100,');
    expect(acl.r.drop).toMatchObject({ reason: 'ACL_DROP', logicalFlow: { datapath: 'out', stage: 'ls_out_acl' } });
    const step = acl.hop.steps!.find((s) => s.kind === 'acl' && s.datapath === 'out');
    expect(step?.text).toMatch(/\(10\.7\.1\.11 ∈ as_guarded\)$/);
  }, 300_000);
});
