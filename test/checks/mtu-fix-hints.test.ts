// DESIGN.md: every Finding carries a fix hint — the rule offload, bgp and doctor follow, here for
// the MTU audit (MTU-H0…H8). test/checks/mtu.test.ts holds every scenario it has to the rule; the
// synthetic snapshots below are made so that each n/a and info path of the audit is taken at
// least once, and the last test checks that they were — and that each fix is the one that fits
// its cause (the read-only command that shows the missing data, or "nothing to change" and why).

import { describe, expect, it } from 'vitest';
import { checkCluster, checkPath, type MtuCheckOptions, type PathSpec } from '../../src/checks/mtu.js';
import type { Finding } from '../../src/model/finding.js';
import { expectFixOnEveryNonPass } from '../harness/findings.js';
import { central, interfaces, mtuSnapshot, openVswitch, routes, type CentralSpec } from '../mtu/builder.js';
import { ipLink } from '../offload/snapshot-builder.js';

const LINKS = JSON.stringify([ipLink(1, 'lo'), ipLink(2, 'eth0'), { ...ipLink(3, 'tap1'), kind: 'tun' }]) + '\n';
const GENEVE = { name: 'ovn-hv2-0', type: 'geneve', options: { remote_ip: '192.168.0.2' } };
const VIF = { name: 'tap1', externalIds: { 'iface-id': 'vm1' } };

/** hv1 (TEP 192.168.0.1) with a geneve port to hv2 (192.168.0.2), and whatever `outputs` adds or replaces. */
const hv1 = (outputs: Record<string, string> = {}, ifaces = [GENEVE, VIF]): Record<string, string> => ({
  'ovs-vsctl.list.Open_vSwitch': openVswitch('hv1', '192.168.0.1'),
  'ovs-vsctl.list.Interface': interfaces(ifaces),
  'ip.link': LINKS,
  'ip.route': routes({ dst: '192.168.0.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', flags: [] }),
  ...outputs,
});
const withoutRoutes = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([id]) => id !== 'ip.route'));

/** A network `net` with VIF vm1 bound on hv1; `mtu` as Neutron's neutron:mtu (none: the NB says no MTU). */
const nb = (mtu?: number, extra: Partial<CentralSpec> = {}): Record<string, string> =>
  central({
    switches: [{ name: 'net', ports: ['vm1'], externalIds: mtu ? { 'neutron:mtu': String(mtu) } : {} }],
    switchPorts: [{ name: 'vm1' }],
    chassis: [
      { name: 'hv1', encaps: [{ ip: '192.168.0.1' }] },
      { name: 'hv2', encaps: [{ ip: '192.168.0.2' }] },
    ],
    bindings: [{ port: 'vm1', chassis: 'hv1' }],
    ...extra,
  });

const PATH: PathSpec = { from: { text: 'vm1', logicalPort: 'vm1', datapath: 'net', chassis: 'hv1', host: 'hv1' }, to: { text: 'b', chassis: 'hv2' } };

/** A gateway router gr (options:chassis=gw) with gateway_mtu on its external port, and a localnet on the external switch. */
const GATEWAY: Partial<CentralSpec> = {
  switches: [
    { name: 'net', ports: ['vm1', 'net-gr'], externalIds: { 'neutron:mtu': '1442' } },
    { name: 'ext', ports: ['ext-gr', 'ext-localnet'] },
  ],
  switchPorts: [{ name: 'vm1' }, { name: 'net-gr', type: 'router', options: { 'router-port': 'gr-net' } }, { name: 'ext-gr', type: 'router', options: { 'router-port': 'gr-ext' } }, { name: 'ext-localnet', type: 'localnet', options: { network_name: 'physnet1' } }],
  routers: [{ name: 'gr', ports: ['gr-net', 'gr-ext'], options: { chassis: 'gw' } }],
  routerPorts: [{ name: 'gr-net' }, { name: 'gr-ext', options: { gateway_mtu: '1442' } }],
};

type Scenario = () => Promise<readonly Finding[]>;
const cluster = async (hosts: Parameters<typeof mtuSnapshot>[0], c?: Record<string, string>, o: MtuCheckOptions = {}) => checkCluster(await mtuSnapshot(hosts, c), o).findings;
const path = async (hosts: Parameters<typeof mtuSnapshot>[0], c?: Record<string, string>, o: MtuCheckOptions = {}, spec = PATH) => checkPath(await mtuSnapshot(hosts, c), spec, o).findings;

const scenarios: Record<string, Scenario> = {
  // H1 n/a (NB not collected: no logical network), H3 info (df_default true), H4 n/a (routes not collected).
  'no NB, no kernel routes': () => cluster({ hv1: withoutRoutes(hv1()) }),
  // H0 n/a (no Interface carries the port), H1 n/a (network MTU unknown, NB not collected).
  'path without NB, the port bound nowhere on hv1': () => path({ hv1: hv1({}, [GENEVE]) }),
  // H0 n/a: the host of the source is not in the snapshot.
  'path from a chassis whose host was not collected': () => path({ hv1: hv1() }, nb(1442), {}, { ...PATH, from: { ...PATH.from, chassis: 'hv9', host: 'hv9' } }),
  // H0 n/a: the Interface has no mtu and no kernel device (a DPDK port's view missing).
  'a VIF without MTU': () => cluster({ hv1: hv1({ 'ip.link': JSON.stringify([ipLink(1, 'lo'), ipLink(2, 'eth0')]) + '\n' }) }, nb(1442)),
  // H4 n/a: the main table has no route to the TEP.
  'no route to the remote TEP': () => cluster({ hv1: hv1({ 'ip.route': routes({ dst: '10.9.0.0/16', dev: 'eth0', protocol: 'kernel', scope: 'link', flags: [] }) }) }, nb(1442)),
  // H4 n/a: a blackhole route swallows GENEVE to the TEP.
  'a blackhole route to the remote TEP': () => cluster({ hv1: hv1({ 'ip.route': routes({ type: 'blackhole', dst: '192.168.0.2', flags: [] }) }) }, nb(1442)),
  // H4 n/a: the route's next-hop group is not in ip -j nexthop.
  'a next-hop group missing from ip nexthop': () => cluster({ hv1: hv1({ 'ip.route': routes({ dst: '192.168.0.2', nhid: 10, protocol: 'bgp', flags: [] }), 'ip.nexthop': routes() }) }, nb(1442)),
  // H4 n/a (and H3/H4 n/a of the damaged host): the route listing was collected but is not JSON.
  'a damaged route listing': () => cluster({ hv1: hv1({ 'ip.route': '[{"dst": "192.168.0.0/24", "dev"\n' }) }, nb(1442)),
  // H0, H4 (device and route mtu), H5, H6 info and H1 n/a: the NB carries no MTU for the network and --mtu is not given.
  'network MTU unknown, route mtu, PMTU exception, --switch-mtu': () =>
    cluster(
      {
        hv1: hv1({
          'ip.route': routes({ dst: '192.168.0.2', gateway: '10.0.0.1', dev: 'eth0', metrics: [{ mtu: 1480 }], flags: [] }),
          'ip.route-get.192.168.0.2': routes({ dst: '192.168.0.2', gateway: '10.0.0.1', dev: 'eth0', prefsrc: '192.168.0.1', expires: 300, mtu: 1400, cache: ['expires'], flags: [], uid: 0 }),
        }),
      },
      nb(),
      { switchMtu: 9000 },
    ),
  // H1 info: the network MTU is known, no host's egress is.
  'network MTU known, underlay unknown': () => path({ hv1: withoutRoutes(hv1()) }, nb(1442)),
  // H7 n/a: gateway_mtu set, dpif/show-dp-features not collected on the gateway host.
  'gateway without dp features': () => cluster({ gw: { ...hv1(), 'ovs-vsctl.list.Open_vSwitch': openVswitch('gw', '192.168.0.1') } }, nb(1442, { ...GATEWAY, chassis: [{ name: 'gw', encaps: [{ ip: '192.168.0.1' }] }, { name: 'hv2', encaps: [{ ip: '192.168.0.2' }] }] })),
  // H7 n/a: the gateway chassis' host is not in the snapshot.
  'gateway host not collected': () => cluster({ hv1: hv1() }, nb(1442, GATEWAY)),
  // H1 n/a: one chassis, no tunnel; and a snapshot without hosts.
  'one chassis': () => cluster({ hv1: hv1({}, [VIF]) }, nb(1442, { chassis: [{ name: 'hv1', encaps: [{ ip: '192.168.0.1' }] }] })),
  'no host': () => cluster({}),
};

describe('mtu: every finding that is not a pass has a fix, no pass has one', () => {
  for (const [name, run] of Object.entries(scenarios)) it(name, async () => expectFixOnEveryNonPass(await run()));

  it('the scenarios above take every n/a and info path of the audit, each with the fix its cause calls for', async () => {
    const seen: Finding[] = [];
    for (const run of Object.values(scenarios)) seen.push(...(await run()).filter((f) => f.severity === 'n-a' || f.severity === 'info'));
    // [id, severity, what the message says, what the fix must say]
    const paths: [string, Finding['severity'], RegExp, RegExp][] = [
      ['MTU-H0', 'n-a', /is not in the snapshot/, /^collect the hypervisor vm1 is bound on too .*find Interface external_ids:iface-id=vm1/],
      ['MTU-H0', 'n-a', /not bound here/, /^run "ovs-vsctl --columns=name,mtu,mtu_request find Interface external_ids:iface-id=vm1" on hv1/],
      ['MTU-H0', 'n-a', /OVS Interface has no mtu/, /^run "ip -j -d link show tap1" on hv1.*; a DPDK or vhost-user port has no kernel device: ovs-vsctl get Interface tap1 mtu$/],
      ['MTU-H0', 'info', /network MTU unknown/, /^nothing to change until the network MTU is known .*give --mtu/],
      ['MTU-H1', 'n-a', /network MTU unknown/, /^collect with an "ovn: \{ via: HOST \}" inventory section/],
      ['MTU-H1', 'n-a', /network MTU unknown/, /^give --mtu with the platform's network MTU/],
      ['MTU-H1', 'n-a', /no logical networks to check: the NB was not collected/, /inventory section/],
      ['MTU-H1', 'n-a', /only one chassis/, /^nothing to change/],
      ['MTU-H1', 'n-a', /no host in the snapshot/, /^collect the hypervisors too/],
      ['MTU-H1', 'info', /underlay unknown/, /^nothing to change until the underlay is known .*ip -j route show table all/],
      ['MTU-H3', 'info', /df_default=true/, /^nothing to change: DF on the outer header/],
      ['MTU-H3', 'n-a', /cannot be read/, /^collect again/],
      ['MTU-H4', 'n-a', /not collected on hv1/, /^run "ip -j route show table all" and "ip -j -d link show" on hv1/],
      ['MTU-H4', 'n-a', /no route to 192\.168\.0\.2/, /^run "ip route get 192\.168\.0\.2 from 192\.168\.0\.1" on hv1 .*add the underlay route/],
      ['MTU-H4', 'n-a', /is blackhole/, /ip route del blackhole 192\.168\.0\.2/],
      ['MTU-H4', 'n-a', /nhid 10 not in ip nexthop/, /^run "ip -j nexthop show id 10" on hv1/],
      ['MTU-H4', 'n-a', /egress toward 192\.168\.0\.2 unknown/, /^collect again .*the route listing was collected but cannot be read/],
      ['MTU-H4', 'n-a', /cannot be read/, /^collect again/],
      ['MTU-H4', 'info', /^mtu 1500 → inner packets up to 1442 B/, /^nothing to change until the network MTU is known \(mtu 1500 carries/],
      ['MTU-H4', 'info', /configured mtu 1480/, /^nothing to change until the network MTU is known \(the route caps/],
      ['MTU-H5', 'info', /--switch-mtu 9000/, /^nothing to change until the network MTU is known \(the switch ports/],
      ['MTU-H6', 'info', /PMTU exception of 1400/, /tracepath -n 192\.168\.0\.2/],
      ['MTU-H7', 'n-a', /not collected on the gateway host/, /^run "ovs-appctl dpif\/show-dp-features br-int \| grep "Check pkt length"" on gw/],
      ['MTU-H7', 'n-a', /not collected on the gateway host/, /^collect the gateway chassis gw too/],
    ];
    const missing = paths.filter(([id, severity, message, fix]) => !seen.some((f) => f.id === id && f.severity === severity && message.test(f.message) && fix.test(f.fix ?? ''))).map(([id, severity, message, fix]) => `${id} ${severity} ${message} → ${fix}`);
    expect(missing, `seen: ${seen.map((f) => `${f.id} ${f.severity} ${f.message} → ${f.fix}`).join('\n')}`).toEqual([]);
    // And nothing else: a new n/a or info path gets a scenario and a line above.
    const unlisted = seen.filter((f) => !paths.some(([id, severity, message, fix]) => f.id === id && f.severity === severity && message.test(f.message) && fix.test(f.fix ?? '')));
    expect(unlisted.map((f) => `${f.id} ${f.severity} ${f.message} → ${f.fix}`)).toEqual([]);
  });
});

describe('mtu: the warnings that had no fix say what to change', () => {
  const warn = (findings: readonly Finding[], id: string, subject: RegExp): Finding => {
    expectFixOnEveryNonPass(findings);
    const f = findings.find((x) => x.id === id && x.severity === 'warn' && subject.test(x.subject));
    if (!f) throw new Error(`no ${id} warn ${subject}: ${findings.map((x) => `${x.id} ${x.severity} ${x.subject}`).join(' | ')}`);
    return f;
  };

  it('H4: an egress device that is down is brought up — and its MTU fixed too when it is also too small', async () => {
    const down = JSON.stringify([ipLink(1, 'lo'), ipLink(2, 'eth0', { up: false })]) + '\n';
    expect(warn(await cluster({ hv1: hv1({ 'ip.link': down }) }, nb(1442)), 'MTU-H4', /^eth0 /).fix).toBe('ip link set eth0 up   # if it is meant to carry the tunnel traffic; and persist it');
    // M_net 1443 needs 1501 on eth0 (1500): both fixes, the comment of the first dropped so the second is still a command.
    const both = (await cluster({ hv1: hv1({ 'ip.link': down }) }, nb(1443))).find((f) => f.id === 'MTU-H4' && /^eth0 /.test(f.subject))!;
    expect(both).toMatchObject({ severity: 'fail', fix: expect.stringMatching(/^ip link set eth0 up; ip link set eth0 mtu 1501 /) });
  });

  it('H8: sources that disagree on a network MTU, IPv4 and IPv6 TEPs, two ends with different MTUs', async () => {
    // DHCP_Options says 1400, neutron:mtu 1442: the VMs are told 1400; Neutron is what sets both.
    const disagree = central({
      switches: [{ name: 'neutron-6b1c', ports: ['vm1'], externalIds: { 'neutron:mtu': '1442' } }],
      switchPorts: [{ name: 'vm1', dhcp: 'd' }],
      dhcp: [{ name: 'd', cidr: '10.0.0.0/24', options: { mtu: '1400' } }],
      chassis: [
        { name: 'hv1', encaps: [{ ip: '192.168.0.1' }] },
        { name: 'hv2', encaps: [{ ip: '2001:db8::2' }] },
      ],
      bindings: [{ port: 'vm1', chassis: 'hv1' }],
    });
    const findings = await cluster({ hv1: hv1() }, disagree);
    expect(warn(findings, 'MTU-H8', /network neutron-6b1c/).fix).toMatch(/^make them agree \(the audit uses 1400, from DHCP_Options 10\.0\.0\.0\/24 options:mtu\): openstack network set --mtu 1400 6b1c \(/);
    expect(warn(findings, 'MTU-H8', /encapsulation family/).fix).toMatch(/^nothing to change if both families are meant \(dual stack\): size every network for O = 78.*ovs-vsctl set Open_vSwitch \. external_ids:ovn-encap-ip=IP/);
    // A path between a 1400 and a 1442 network (plain OVN: DHCP_Options): the 1442 side is lowered to 1400.
    const twoNets = central({
      switches: [
        { name: 'small', ports: ['vm1'] },
        { name: 'big', ports: ['vm2'] },
      ],
      switchPorts: [
        { name: 'vm1', dhcp: 's' },
        { name: 'vm2', dhcp: 'b' },
      ],
      dhcp: [
        { name: 's', cidr: '10.0.1.0/24', options: { mtu: '1400' } },
        { name: 'b', cidr: '10.0.2.0/24', options: { mtu: '1442' } },
      ],
      chassis: [
        { name: 'hv1', encaps: [{ ip: '192.168.0.1' }] },
        { name: 'hv2', encaps: [{ ip: '192.168.0.2' }] },
      ],
    });
    const p = await path({ hv1: hv1() }, twoNets, {}, { from: { ...PATH.from, datapath: 'small' }, to: { text: 'vm2', logicalPort: 'vm2', datapath: 'big', chassis: 'hv2' } });
    expect(warn(p, 'MTU-H8', /networks on the path/).fix).toBe('give both ends the smaller MTU, 1400: ovn-nbctl set DHCP_Options $(ovn-nbctl --bare --columns=_uuid find DHCP_Options cidr="10.0.2.0/24") options:mtu=1400 (what the VMs of big are told; their interfaces\' mtu_request to match)');
  });
});
