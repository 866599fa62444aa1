// A GENEVE overlay over an IPv6 underlay (ovn-encap-ip fd00::1 / fd00::2, the l3-acl topology):
// collected with the real CLI, traced across chassis, and every host trace replayed with live
// `ovs-appctl ofproto/trace` on its chassis (the remote one entered with tun_ipv6_src/tun_ipv6_dst,
// the fields OVS keeps IPv6 TEPs in) and the logical outcome with ovn-trace.
//
//   npx vitest run --project live test/trace/ipv6-underlay.live.test.ts

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { collectSandboxWithCli } from '../collect/sandbox-inventory.js';
import { runCli } from '../harness/cli.js';
import { l3Acl } from '../harness/topologies.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';
import { runCase } from './cross-compare.js';

const live = liveSuiteGuard();

describe.skipIf(!live)('trace across an IPv6 underlay vs live ofproto/trace', () => {
  const sandboxes = useSandboxes();
  let work: string | undefined;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('continues on the remote chassis with tun_ipv6_src/tun_ipv6_dst and agrees hop by hop', async () => {
    const topo = { ...l3Acl(), chassis: [{ name: 'hv1', encapIp: 'fd00::1' }, { name: 'hv2', encapIp: 'fd00::2' }] };
    const { sandbox: sb } = await sandboxes.startTopology(topo);
    // The tunnel ports OVN made point at the IPv6 TEPs.
    expect((await sb.tunnelPorts('hv1')).map((t) => t.remoteIp)).toEqual(['fd00::2']);
    work = await mkdtemp(join(tmpdir(), 'ovnscope-v6u-'));
    const snap = await collectSandboxWithCli(sb, work);

    // web1 (hv1) → db1 (hv2) tcp 22: the pg_db default drop on hv2, exit 1 — not "sent into the tunnel", exit 0.
    const r = await runCli(['trace', '-s', snap, '--from', 'web1', '--to', 'db1', '--tcp', '22', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.verdict).toBe('dropped');
    expect(j.drop).toMatchObject({ reason: 'ACL_DROP', host: 'hv2', nb: { text: expect.stringContaining('pg_db-default-drop') } });
    expect(j.hops[1]).toMatchObject({ host: 'hv2', entry: { kind: 'tunnel', tunnel: { tunSrc: 'fd00::1', tunDst: 'fd00::2' } } });
    expect(j.hops[1].input).toMatch(/,tun_ipv6_src=fd00::1,tun_ipv6_dst=fd00::2,/);

    // The oracle, hop by hop (the hv2 hop replayed as ovnscope entered it) and logically.
    const loaded = await loadSnapshot(snap);
    if (!loaded.ok) throw new Error(loaded.error.message);
    const cases = [
      { from: 'web1', to: 'db1', protocol: { kind: 'tcp' as const, port: 22 } },
      { from: 'web1', to: 'db1', protocol: { kind: 'tcp' as const, port: 5432 } },
      { from: 'web1', to: 'web3', protocol: { kind: 'icmp' as const } },
      { from: 'db1', to: 'web2', protocol: { kind: 'tcp' as const, port: 80 }, reply: true },
    ];
    for (const [i, req] of cases.entries()) {
      const o = await runCase(sb, loaded.value, undefined, { id: `v6u-${i}`, category: 'ipv6-underlay', req });
      expect(o.error, `${req.from} → ${req.to}`).toBeUndefined();
      expect(o.tunnels, `${req.from} → ${req.to} crosses a tunnel`).toBeGreaterThan(0);
      expect(o.hops, `${req.from} → ${req.to} is traced on both chassis`).toBeGreaterThan(1);
      expect(o.hopDiffs, `${req.from} → ${req.to}`).toEqual([]);
      expect(o.logicalDiffs, `${req.from} → ${req.to}`).toEqual([]);
    }

    // --size: the underlay check at the tunnel counts the IPv6 outer header (frame + 64 B). The
    // kernel view is this machine's (local transport): a frame no device takes (loopback's 65536
    // included) is dropped there, or the check says it could not be made — never IPv4's + 44 B.
    const sized = await runCli(['trace', '-s', snap, '--from', 'web1', '--to', 'db1', '--tcp', '5432', '--size', '65500', '--json']);
    const sj = JSON.parse(sized.stdout);
    const under = [...(sj.warnings as string[]), sj.drop?.explanation ?? ''].join('\n');
    expect(under).toMatch(/65500 B frame \+ 8 GENEVE \+ 8 OVN option \+ 8 UDP \+ 40 IPv6 = 65564 B outer IP packet|underlay MTU check at ovn-hv2-\d+ could not be made/);
  }, 300_000);
});
