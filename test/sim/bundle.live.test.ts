// The bundle action against live OVS: OVN's L3-HA gateway (a router port with two gateway
// chassis: ovn-controller reaches its chassisredirect port through
// bundle(eth_src,0,active_backup,ofport,members:<hv3 tunnel>,<hv2 tunnel>) over BFD-enabled
// tunnels), collected with the real CLI and traced VM → outside, every hop compared with live
// ofproto/trace — with BFD forwarding on both tunnels, with the active one down (the standby takes
// over) and with both down (no live member: OVS outputs nowhere). BFD cannot come up between the
// sandbox's dummy datapaths, so its forwarding is set with `ovs-appctl bfd/set-forwarding`, which
// is what Interface bfd_status:forwarding then reports. Then hrw and carrier liveness on a plain
// bridge: many packets, every hash-field set, the member ofproto/trace outputs to.
//
//   npx vitest run --project live test/sim/bundle.live.test.ts

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostState } from '../../src/model/snapshot.js';
import { parseOfctlFlows } from '../../src/parse/ofctl-flows.js';
import { parseOvsdbRows, toOvsInterfaces } from '../../src/parse/ovsdb-json.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { traceHost } from '../../src/sim/index.js';
import { collectSandboxWithCli } from '../collect/sandbox-inventory.js';
import { runCli } from '../harness/cli.js';
import type { Sandbox } from '../harness/sandbox.js';
import { lbNat3Chassis } from '../harness/topologies.js';
import type { Topology } from '../harness/topology.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';
import { runCase } from '../trace/cross-compare.js';

const live = liveSuiteGuard();

/** lb-nat-3chassis with lr0-ext on two gateway chassis: hv3 (priority 2) then hv2 (priority 1). */
function topology(): Topology {
  const t = lbNat3Chassis();
  return {
    ...t,
    name: 'l3-ha-bundle',
    chassis: t.chassis.map((c) => (c.name === 'hv2' ? { ...c, bridgeMappings: { physnet1: 'br-ex' } } : c)),
    routers: t.routers!.map((r) => ({
      ...r,
      ports: r.ports.map((p) =>
        p.name === 'lr0-ext'
          ? {
              ...p,
              gatewayChassis: [
                { chassis: 'hv3', priority: 2 },
                { chassis: 'hv2', priority: 1 },
              ],
            }
          : p,
      ),
    })),
  };
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Sets BFD forwarding of hv1's tunnels to hv3 and hv2 and waits until the Interface rows say so. */
async function setForwarding(sb: Sandbox, hv3: boolean, hv2: boolean): Promise<void> {
  for (const [iface, fwd] of [['ovn-hv3-0', hv3], ['ovn-hv2-0', hv2]] as const) {
    await sb.appctl('hv1', 'bfd/set-forwarding', iface, String(fwd));
    await until(`${iface} bfd_status:forwarding=${fwd}`, async () => (await sb.vsctl('hv1', 'get', 'Interface', iface, 'bfd_status:forwarding')).trim().replace(/"/g, '') === String(fwd));
  }
  await sb.sync();
}

describe.skipIf(!live)('bundle vs live OVS', () => {
  const sandboxes = useSandboxes();
  let sb: Sandbox;
  let work: string | undefined;
  beforeAll(async () => {
    sb = (await sandboxes.startTopology(topology())).sandbox;
    work = await mkdtemp(join(tmpdir(), 'ovnscope-bundle-'));
  }, 300_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('L3-HA gateway: the member OVS picks by BFD forwarding, hop by hop as ofproto/trace; none live is NO_LIVE_MEMBER', async () => {
    // The premise: hv1 reaches the gateway port through bundle over BFD-enabled tunnels, hv3 first.
    // (ovn-controller installs it once the tunnels to both gateway chassis exist.)
    await until('the bundle flow on hv1', async () => /bundle\(/.test(await sb.ofctl('hv1', 'dump-flows', 'br-int')), 60_000);
    const flows = await sb.ofctl('hv1', '--names', 'dump-flows', 'br-int');
    expect(flows.split('\n').find((l) => l.includes('bundle('))).toMatch(/bundle\(eth_src,0,active_backup,ofport,members:"?ovn-hv3-0"?,"?ovn-hv2-0"?\)/);
    for (const t of ['ovn-hv3-0', 'ovn-hv2-0']) expect((await sb.vsctl('hv1', 'get', 'Interface', t, 'bfd:enable')).trim().replace(/"/g, '')).toBe('true');

    // The upstream router's MAC learnt (as ovn-controller would after its ARP): the packet is
    // routed out of lr0-ext rather than held for ARP resolution on hv1.
    const lr0 = (await sb.sbctl('--bare', '--columns=_uuid', 'find', 'Datapath_Binding', 'external_ids:name=lr0')).trim();
    await sb.sbctl('create', 'MAC_Binding', 'logical_port=lr0-ext', 'ip=172.16.0.1', 'mac="0a:00:00:00:ff:01"', `datapath=${lr0}`);
    await sb.sync();

    const phases = [
      { name: 'both forwarding', hv3: true, hv2: true, out: 'ovn-hv3-0' },
      { name: 'hv3 down: the standby hv2 takes over', hv3: false, hv2: true, out: 'ovn-hv2-0' },
      { name: 'none forwarding', hv3: false, hv2: false, out: undefined },
    ];
    for (const [i, ph] of phases.entries()) {
      await setForwarding(sb, ph.hv3, ph.hv2);
      const dir = await mkdtemp(join(work!, `phase${i}-`));
      const snap = await collectSandboxWithCli(sb, dir);
      const loaded = await loadSnapshot(snap);
      if (!loaded.ok) throw new Error(loaded.error.message);
      const o = await runCase(sb, loaded.value, undefined, { id: `l3-ha-${i}`, category: 'l3-ha', req: { from: 'a1', to: '8.8.8.8', protocol: { kind: 'icmp' as const } } });
      expect(o.error, ph.name).toBeUndefined();
      expect(o.hopDiffs, ph.name).toEqual([]);

      const r = await runCli(['trace', '-s', snap, '--from', 'a1', '--to', '8.8.8.8', '--json']);
      const json = JSON.parse(r.stdout);
      const hv1 = json.hops.find((h: { host: string; bridge: string }) => h.host === 'hv1' && h.bridge === 'br-int');
      expect(json.warnings.join('\n'), ph.name).not.toMatch(/not simulated/);
      if (ph.out) {
        expect(hv1.outputs.map((x: { port: string }) => x.port), `${ph.name}: ${json.verdict} ${JSON.stringify(json.drop)} ${JSON.stringify(json.hops.map((h: { host: string; bridge: string; outputs: { port: string }[] }) => [h.host, h.bridge, h.outputs.map((x) => x.port)]))}`).toEqual([ph.out]);
        // Where the packet goes on the gateway chassis depends on which chassis claimed the
        // chassisredirect port (with BFD only forced, none may have): ofproto/trace above decides.
      } else {
        expect(r.code, ph.name).toBe(1);
        expect(json.verdict).toBe('dropped');
        expect(json.drop).toMatchObject({ reason: 'NO_LIVE_MEMBER', host: 'hv1' });
        expect(json.drop.explanation).toMatch(/^dropped: no gateway chassis is reachable: tunnel ovn-hv3-0 \(chassis hv3\) BFD forwarding false.*, tunnel ovn-hv2-0 \(chassis hv2\) BFD forwarding false/);
        // Live OVS agrees (besides the hop comparison above): it reaches the bundle, and the
        // datapath actions of its last pass output to no port (only the conntrack commit).
        const text = await sb.appctl('hv1', 'ofproto/trace', 'br-int', json.input);
        const ofport = async (t: string) => (await sb.vsctl('hv1', 'get', 'Interface', t, 'ofport')).trim();
        expect(text).toContain(`bundle(eth_src,0,active_backup,ofport,members:${await ofport('ovn-hv3-0')},${await ofport('ovn-hv2-0')})`);
        const last = [...text.matchAll(/Datapath actions: (.*)/g)].at(-1)![1]!;
        expect(last).not.toMatch(/(?:^|,)\d+(?:,|$)/);
      }
    }
  }, 600_000);

  it('hrw over every hash-field set and active_backup with a member without carrier: the member ofproto/trace outputs to', async () => {
    const hv = 'hv1';
    const ports = [1, 2, 3, 4, 5];
    await sb.vsctl(hv, 'add-br', 'br-bundle', ...ports.flatMap((i) => ['--', 'add-port', 'br-bundle', `m${i}`, '--', 'set', 'Interface', `m${i}`, 'type=dummy', `ofport_request=${i}`]));
    const FIELDS = ['eth_src', 'symmetric_l4', 'symmetric_l3l4', 'symmetric_l3l4+udp', 'nw_src', 'nw_dst', 'symmetric_l3'];
    for (const [k, f] of FIELDS.entries()) await sb.ofctl(hv, 'add-flow', 'br-bundle', `table=0,priority=10,in_port=5,ip,nw_tos=${k * 4} actions=bundle(${f},${k * 17},hrw,ofport,members:1,2,3,4)`);
    await sb.ofctl(hv, 'add-flow', 'br-bundle', `table=0,priority=10,in_port=5,ipv6 actions=bundle(symmetric_l4,7,hrw,ofport,members:1,2,3,4)`);
    await sb.ofctl(hv, 'add-flow', 'br-bundle', `table=0,priority=10,in_port=5,arp actions=bundle(symmetric_l3l4,3,hrw,ofport,members:1,2,3,4)`);
    await sb.ofctl(hv, 'add-flow', 'br-bundle', `table=0,priority=20,in_port=5,ip,nw_tos=252 actions=bundle(eth_src,0,active_backup,ofport,members:1,2,3)`);
    // m1 loses carrier: no longer live for either algorithm.
    await sb.appctl(hv, 'netdev-dummy/set-admin-state', 'm1', 'down');
    await until('m1 link_state down', async () => (await sb.vsctl(hv, 'get', 'Interface', 'm1', 'link_state')).trim() === 'down');
    const dpif = await sb.appctl(hv, 'dpif/show');
    const dpToName = new Map<string, string>();
    for (const m of dpif.matchAll(/^\s+(m\d) (\d+)\/(\d+):/gm)) dpToName.set(m[3]!, m[1]!);
    const flows = parseOfctlFlows(await sb.ofctl(hv, '--no-names', 'dump-flows', 'br-bundle')).value.flows;
    const ifaces = parseOvsdbRows(await sb.vsctl(hv, '--format=json', 'list', 'Interface'), toOvsInterfaces).value;
    const host: HostState = {
      name: hv,
      ovsBridges: [],
      ovsPorts: [],
      interfaces: [],
      bridges: [{ name: 'br-bundle', flows, groups: [], ports: ports.map((i) => ({ ofport: i, name: `m${i}`, role: { kind: 'physical' as const }, iface: ifaces.find((x) => x.name === `m${i}`)! })) }],
    };
    expect(host.bridges[0]!.ports.every((p) => p.iface)).toBe(true);
    const cases: string[] = [];
    for (let i = 1; i <= 12; i++)
      for (const [k] of FIELDS.entries()) {
        const proto = i % 3 === 0 ? 'udp' : i % 3 === 1 ? 'tcp' : 'icmp';
        const l4 = proto === 'icmp' ? '' : `,${proto}_src=${1000 + i * 37},${proto}_dst=${80 + i}`;
        cases.push(`in_port=m5,${proto},nw_tos=${k * 4},dl_src=0a:00:00:00:${i.toString(16).padStart(2, '0')}:0${k},dl_dst=0a:00:00:ff:00:${(i * 3).toString(16).padStart(2, '0')},nw_src=10.0.${i}.${(i * 7) % 250},nw_dst=10.1.${k}.${i}${l4}`);
      }
    for (let i = 1; i <= 8; i++) cases.push(`in_port=m5,tcp6,dl_src=0a:00:00:00:00:${i}0,ipv6_src=2001:db8::${i},ipv6_dst=2001:db8:1::${i * 5},tp_src=${2000 + i},tp_dst=443`);
    for (let i = 1; i <= 6; i++) cases.push(`in_port=m5,arp,dl_src=0a:00:00:00:01:${i}0,dl_dst=ff:ff:ff:ff:ff:ff,arp_spa=10.0.0.${i},arp_tpa=10.0.0.254`);
    cases.push('in_port=m5,ip,nw_tos=252,dl_src=0a:00:00:00:00:01');
    const bad: string[] = [];
    const chosen = new Set<string>();
    for (const f of cases) {
      const text = await sb.appctl(hv, 'ofproto/trace', 'br-bundle', f);
      const dp = /Datapath actions: (\S+)/.exec(text)?.[1];
      const theirs = dp === undefined || dp === 'drop' ? 'drop' : (dpToName.get(dp) ?? `dp${dp}`);
      const r = traceHost(host, 'br-bundle', f);
      const ours = r.ok ? (r.value.outputs.map((o) => o.port).join(',') || 'drop') : `error: ${r.error.message}`;
      chosen.add(theirs);
      if (ours !== theirs) bad.push(`${f}: OVS ${theirs}, ovnscope ${ours}`);
    }
    console.log(`bundle: ${cases.length - bad.length}/${cases.length} member choices agree with ofproto/trace (members chosen: ${[...chosen].sort().join(', ')})`);
    expect(bad).toEqual([]);
    // Meaningful: hrw spread the packets over the live members, and never to m1 (no carrier).
    expect([...chosen].sort()).toEqual(['m2', 'm3', 'm4']);
  }, 300_000);
});
