import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCluster as clusterAudit, checkPath as pathAudit, egressToward, geneveOverhead, overheadText, pktLenChecksOf, type ClusterMtuReport, type PathMtuReport } from '../../src/checks/mtu.js';
import type { Finding } from '../../src/model/finding.js';
import { expectFixOnEveryNonPass } from '../harness/findings.js';
import { lookupRoute, parseDhcpOptions, parseDpFeatures } from '../../src/snapshot/load-mtu.js';
import { parseIpRoutes } from '../../src/parse/iproute.js';
import { central, editLinks, interfaces, mtuFixture, mtuSnapshot, openVswitch, routes, type CentralSpec } from '../mtu/builder.js';
import { ipLink } from '../offload/snapshot-builder.js';

// Every report of every scenario below holds to the rule of offload, bgp and doctor: a finding that
// is not a pass says what to do (a command or setting; for an n/a how to get the data, for an info
// "nothing to change" and why), a pass has no fix.
const checkCluster: typeof clusterAudit = (...args) => {
  const r = clusterAudit(...args);
  expectFixOnEveryNonPass(r.findings);
  return r;
};
const checkPath: typeof pathAudit = (...args) => {
  const r = pathAudit(...args);
  expectFixOnEveryNonPass(r.findings);
  return r;
};

const find = (r: { findings: readonly Finding[] }, id: string, subject: RegExp, host?: string): Finding => {
  const f = r.findings.find((x) => x.id === id && subject.test(x.subject) && (host === undefined || x.host === host));
  if (!f) throw new Error(`no ${id} ${subject}: ${r.findings.filter((x) => x.id === id).map((x) => `${x.host} ${x.subject} ${x.severity}`).join(' | ')}`);
  return f;
};

describe('GENEVE overhead (DOMAIN.md table)', () => {
  it('is 58 B on IPv4 and 78 B on IPv6, +4 VLAN-transparent, +46 IPsec, with its breakdown', () => {
    const v4 = geneveOverhead();
    expect(v4.total).toBe(58);
    expect(v4.parts.map((p) => p.bytes)).toEqual([14, 8, 8, 8, 20]);
    expect(overheadText(v4)).toBe('58 B = 14 inner Ethernet + 8 GENEVE + 8 OVN option + 8 UDP + 20 IPv4');
    expect(geneveOverhead({ ipv6: true }).total).toBe(78);
    expect(overheadText(geneveOverhead({ ipv6: true }))).toBe('78 B = 14 inner Ethernet + 8 GENEVE + 8 OVN option + 8 UDP + 40 IPv6');
    expect(geneveOverhead({ vlanTransparent: true }).total).toBe(62);
    expect(geneveOverhead({ ipsec: true }).total).toBe(104);
    // Worked examples: U=1500 ⇒ 1442 / 1422; U=9000 ⇒ 8942 / 8922; OVN-K IPsec budget (CNO) 1354 for 1500.
    expect(1500 - v4.total).toBe(1442);
    expect(1500 - geneveOverhead({ ipv6: true }).total).toBe(1422);
    expect(9000 - v4.total).toBe(8942);
    expect(9000 - geneveOverhead({ ipv6: true }).total).toBe(8922);
  });
});

describe('readers', () => {
  it('DHCP_Options mtu and check_pkt_len, and never throw on junk', () => {
    const d = parseDhcpOptions('{"data":[[["uuid","11111111-2222-4333-8444-555555555555"],"10.6.0.0/24",["map",[["name","x"]]],["map",[["mtu","1400"],["router","10.6.0.1"]]]]],"headings":["_uuid","cidr","external_ids","options"]}');
    expect(d.value).toMatchObject([{ cidr: '10.6.0.0/24', mtu: 1400 }]);
    expect(parseDhcpOptions('{"data":[[["uuid","11111111-2222-4333-8444-555555555555"],"10.6.0.0/24",["map",[]],["map",[["mtu","big"]]]]],"headings":["_uuid","cidr","external_ids","options"]}').diagnostics[0]?.message).toMatch(/not a number/);
    expect(parseDpFeatures('Recirc: Yes\nCheck pkt length action: No\n').value).toEqual({ checkPktLen: false, line: 2, raw: 'Check pkt length action: No' });
    fc.assert(
      fc.property(fc.string(), (s) => {
        parseDhcpOptions(s);
        parseDpFeatures(s);
      }),
    );
  });

  it('looks routes up by longest prefix in both families', () => {
    const r4 = parseIpRoutes(routes({ dst: 'default', gateway: '10.0.0.1', dev: 'eth0' }, { dst: '192.168.0.0/16', gateway: '10.0.1.1', dev: 'eth1' }, { dst: '192.168.0.2', gateway: '10.0.2.1', dev: 'eth2' })).value!;
    expect(lookupRoute(r4, '192.168.0.2')?.dev).toBe('eth2');
    expect(lookupRoute(r4, '192.168.5.5')?.dev).toBe('eth1');
    expect(lookupRoute(r4, '8.8.8.8')?.dev).toBe('eth0');
    const r6 = parseIpRoutes(routes({ dst: 'default', gateway: 'fe80::1', dev: 'eth0', family: 'inet6' }, { dst: '2001:db8:100::/48', gateway: 'fe80::2', dev: 'eth1' })).value!;
    expect(lookupRoute(r6, '2001:db8:100::2')?.dev).toBe('eth1');
    expect(lookupRoute(r6, '2001:db8:200::2')?.dev).toBe('eth0');
    expect(lookupRoute(r6, '192.168.0.2')).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// The OpenStack OVN compute capture (public-data/ip-link/openstack-ovn-compute-with-vm-tap, a real
// CentOS Stream 9 / OVN 24.03 compute): tap704a9e45-54 1442, br-int 1442, genev_sys_6081 65000,
// NICs at 1500. Its routes and OVS rows were not published: the route to the remote TEP via eth1
// and the OVS Interface rows below are this test's, labelled as such.

const COMPUTE = mtuFixture('openstack-ovn-compute.ip-link.json');
const NEUTRON = (mtu: number): CentralSpec => ({
  switches: [{ name: 'neutron-net1', ports: ['vm-port', 'meta-port'], externalIds: { 'neutron:mtu': String(mtu) } }],
  switchPorts: [{ name: 'vm-port', dhcp: 'net1-v4' }, { name: 'meta-port', type: 'localport' }],
  dhcp: [{ name: 'net1-v4', cidr: '10.0.0.0/24', options: { mtu: String(mtu), router: '10.0.0.1' } }],
  chassis: [
    { name: 'compute1', encaps: [{ ip: '192.168.100.1' }] },
    { name: 'compute2', encaps: [{ ip: '192.168.100.2' }] },
  ],
  bindings: [{ port: 'vm-port', chassis: 'compute1' }],
});
const computeHost = (links = COMPUTE) => ({
  'ovs-vsctl.list.Open_vSwitch': openVswitch('compute1', '192.168.100.1'),
  'ovs-vsctl.list.Interface': interfaces([
    { name: 'br-int', type: 'internal', mtu: 1442 },
    { name: 'tap704a9e45-54', externalIds: { 'iface-id': 'vm-port' }, mtu: 1442 },
    { name: 'ovn-compu2-0', type: 'geneve', options: { remote_ip: '192.168.100.2', csum: 'true', key: 'flow' } },
  ]),
  'ip.link': links,
  'ip.route': routes({ dst: '192.168.100.2', gateway: '10.10.0.254', dev: 'eth1', protocol: 'static' }),
});

describe('public capture: OpenStack OVN compute (tap 1442, br-int 1442, genev_sys_6081 65000, eth1 1500)', () => {
  it('Neutron MTU 1442 fits a 1500 underlay exactly: H0, H1, H4 pass; br-int and genev_sys_6081 are information', async () => {
    const snap = await mtuSnapshot({ compute1: computeHost() }, central(NEUTRON(1442)));
    const r = checkCluster(snap);
    expect(r.pairs).toMatchObject([{ host: 'compute1', toChassis: 'compute2', remoteTep: '192.168.100.2', underlay: 1500, maxInner: 1442 }]);
    expect(r.maxNetworkMtu).toBe(1442);
    expect(find(r, 'MTU-H1', /neutron-net1/).severity).toBe('pass');
    expect(find(r, 'MTU-H0', /tap704a9e45-54/)).toMatchObject({ severity: 'pass', evidence: [{ file: 'hosts/compute1/ip.link.out', excerpt: expect.stringContaining('"ifname":"tap704a9e45-54"') }] });
    expect(find(r, 'MTU-H4', /^eth1/)).toMatchObject({ severity: 'pass', message: 'mtu 1500 ≥ 1500' });
    const genev = r.rows.find((x) => x.subject === 'genev_sys_6081')!;
    expect(genev).toMatchObject({ hop: 'H3', mtu: 65000, severity: 'info' });
    expect(r.rows.find((x) => x.hop === 'H2')).toMatchObject({ subject: 'br-int', mtu: 1442, severity: 'info' });
    // Two sources give the same MTU: no H8 disagreement.
    expect(r.findings.filter((f) => f.id === 'MTU-H8' && f.severity === 'warn')).toEqual([]);
    expect(r.networks[0]).toMatchObject({ value: 1442, source: 'DHCP_Options 10.0.0.0/24 options:mtu' });
  });

  it('one byte more (M_net 1443): H1 and H4 fail on eth1, H0 warns (tap 1442 < 1443)', async () => {
    const snap = await mtuSnapshot({ compute1: computeHost() }, central(NEUTRON(1443)));
    const r = checkCluster(snap);
    expect(find(r, 'MTU-H1', /neutron-net1/)).toMatchObject({ severity: 'fail', message: expect.stringMatching(/1443 \+ O 58 = 1501 does not fit 1 of 1 chassis pairs: compute1 → compute2 \(1500\)/), fix: expect.stringMatching(/lower the network MTU to 1442/) });
    expect(find(r, 'MTU-H4', /^eth1/)).toMatchObject({ severity: 'fail', fix: expect.stringMatching(/^ip link set eth1 mtu 1501/) });
    expect(find(r, 'MTU-H0', /tap704a9e45-54/).severity).toBe('warn');
  });

  it('path: the destination VIF and the underlay both limit; the bottleneck and the breaks say which', async () => {
    const snap = await mtuSnapshot({ compute1: computeHost() }, central(NEUTRON(1442)));
    const r: PathMtuReport = checkPath(snap, { from: { text: 'vm-port', logicalPort: 'vm-port', chassis: 'compute1', host: 'compute1' }, to: { text: '10.0.0.99', chassis: 'compute2', kind: 'vif' } });
    expect(r.overhead.total).toBe(58);
    expect(r.underlayInner).toBe(1442);
    expect(r.largestInner).toBe(1442);
    expect(r.bottleneck).toMatchObject({ hop: 'H4', subject: 'eth1', mtu: 1500 });
    expect(r.breaks[0]).toMatch(/inner packets over 1442 B \(outer > 1500 B\) are dropped with DF set at compute1 eth1/);
    expect(r.notes.join(' ')).toMatch(/host of chassis compute2 is not in the snapshot/);
    expect(r.rows.map((x) => x.hop)).toEqual(['H0', 'H1', 'H2', 'H3', 'H3', 'H4', 'H4', 'H5']);
  });
});

// H1 fail: how to lower the network MTU for real. --mtu is only what this audit assumes, so the fix
// may name it to check another value, never as the way to lower the network MTU.
describe('H1 fail fix: lower the network MTU where the platform sets it, or raise the underlay', () => {
  // 1443 + O 58 = 1501 > eth1 1500: what fits is 1500 − 58 = 1442, the underlay needs 1501.
  const PLAIN_DHCP: CentralSpec = { ...NEUTRON(1443), switches: [{ name: 'net1', ports: ['vm-port', 'meta-port'] }] };
  const NO_MTU: CentralSpec = { ...PLAIN_DHCP, dhcp: [{ name: 'net1-v4', cidr: '10.0.0.0/24', options: { router: '10.0.0.1' } }] };
  const PATH = { from: { text: 'vm-port', logicalPort: 'vm-port', chassis: 'compute1', host: 'compute1' }, to: { text: '10.0.0.99', chassis: 'compute2', kind: 'vif' as const } };
  /** The fix with every legitimate --mtu taken out: the platform's own flags, and --mtu offered to check another value. */
  const withoutAllowedMtuFlags = (fix: string) => fix.replace(/openstack network set --mtu|ovnkube --mtu|give --mtu (N|\d+)( here)? to check|--mtu only sets what this audit assumes/g, '');
  const cases: [string, CentralSpec, { networkMtu?: number }, RegExp][] = [
    ['Neutron (neutron:mtu and DHCP mtu)', NEUTRON(1443), {}, /^lower the network MTU to 1442: openstack network set --mtu 1442 net1 /],
    ['plain OVN (DHCP_Options mtu)', PLAIN_DHCP, {}, /^lower the network MTU to 1442: ovn-nbctl set DHCP_Options \$\(ovn-nbctl --bare --columns=_uuid find DHCP_Options cidr="10\.0\.0\.0\/24"\) options:mtu=1442 /],
    ['platform MTU given with --mtu (OVN-Kubernetes, Kube-OVN)', NO_MTU, { networkMtu: 1443 }, /^lower the network MTU to 1442: set the platform's network MTU to 1442 \(OVN-Kubernetes: the cluster MTU, ovnkube --mtu; OpenShift: the CNO MTU migration; Kube-OVN: its MTU setting\), then give --mtu 1442 here to check it/],
  ];
  for (const [name, spec, options, lower] of cases)
    it(`${name}: --all and path mode`, async () => {
      const snap = await mtuSnapshot({ compute1: computeHost() }, central(spec));
      const all = find(checkCluster(snap, options), 'MTU-H1', /net1/);
      const path = find(checkPath(snap, PATH, options), 'MTU-H1', /net1/);
      for (const [f, underlay] of [[all, /; or raise the underlay of compute1 to 1501 where the MTU-H4\/H5\/H6 findings show it smaller \(a device: ip link set DEV mtu 1501, and persist it\)/], [path, /; or raise the underlay to 1501 where/]] as const) {
        expect(f.severity).toBe('fail');
        expect(f.fix).toMatch(lower);
        expect(f.fix).toMatch(underlay);
        expect(f.fix).toMatch(/--mtu only sets what this audit assumes: give --mtu N to check another value$/);
        expect(withoutAllowedMtuFlags(f.fix!)).not.toContain('--mtu');
      }
    });
});

// ---------------------------------------------------------------------------------------------
// Bonds: insights-core's active-backup bond0 over two virtio NICs (a real RHEL VM capture).

const BOND = mtuFixture('bond-active-backup.ip-link.json');
const bondHost = (links: string) => ({
  'ovs-vsctl.list.Open_vSwitch': openVswitch('hv1', '192.168.100.1'),
  'ovs-vsctl.list.Interface': interfaces([{ name: 'ovn-hv2-0', type: 'geneve', options: { remote_ip: '192.168.100.2' } }]),
  'ip.link': links,
  'ip.route': routes({ dst: '192.168.100.0/24', dev: 'bond0', protocol: 'kernel', scope: 'link', prefsrc: '192.168.100.1' }),
});
const CL = (mtu: number): CentralSpec => ({ switches: [{ name: 'net', ports: ['p'], externalIds: { 'neutron:mtu': String(mtu) } }], switchPorts: [{ name: 'p' }], chassis: [{ name: 'hv1', encaps: [{ ip: '192.168.100.1' }] }, { name: 'hv2', encaps: [{ ip: '192.168.100.2' }] }] });

describe('public capture: insights-core bond0 active-backup over enp1s0/enp2s0 (virtio)', () => {
  it('bond and slaves at 1500 carry M_net 1442', async () => {
    const r = checkCluster(await mtuSnapshot({ hv1: bondHost(BOND) }, central(CL(1442))));
    expect(r.rows.filter((x) => x.hop === 'H4').map((x) => [x.subject, x.role, x.depth, x.mtu, x.severity])).toEqual([
      ['route 192.168.100.0/24', 'route', 0, 1500, 'pass'],
      ['bond0', 'bond', 1, 1500, 'pass'],
      ['enp1s0', 'bond-slave', 2, 1500, 'pass'],
      ['enp2s0', 'bond-slave (backup)', 2, 1500, 'pass'],
    ]);
  });

  it('fixture edit: enp2s0 at 9000 — a slave that differs from its bond warns', async () => {
    const r = checkCluster(await mtuSnapshot({ hv1: bondHost(editLinks(BOND, { enp2s0: { mtu: 9000 } })) }, central(CL(1442))));
    expect(find(r, 'MTU-H4', /^enp2s0/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/bond slave mtu 9000 ≠ bond bond0 mtu 1500/), fix: 'ip link set bond0 mtu 1500   # re-applies the MTU to every slave' });
    expect(r.pairs[0]!.underlay).toBe(1500);
  });

  it('fixture edit: enp2s0 at 1400 — the capture marks it the BACKUP slave: it fails (after a failover), today\'s traffic uses enp1s0', async () => {
    const snap = await mtuSnapshot({ hv1: bondHost(editLinks(BOND, { enp2s0: { mtu: 1400 } })) }, central(CL(1442)));
    const r = checkCluster(snap);
    expect(find(r, 'MTU-H4', /^enp2s0/)).toMatchObject({
      severity: 'fail',
      subject: 'enp2s0 (bond-slave (backup), leg 1/1 dev bond0 toward 192.168.100.2)',
      message: 'backup slave of active-backup bond bond0 (today\'s traffic uses enp1s0): after a failover, mtu 1400 < 1500 (M_net 1442 + O 58): encapsulated full-size packets would not fit; bond slave mtu 1400 ≠ bond bond0 mtu 1500: after a failover to this slave the bond sees a different MTU',
    });
    // The active slave and the bond are 1500: that is what packets see today.
    expect(r.pairs[0]).toMatchObject({ underlay: 1500, maxInner: 1442 });
    expect(find(r, 'MTU-H1', /net/).severity).toBe('pass');
    const path = checkPath(snap, { from: { text: 'a', chassis: 'hv1', host: 'hv1' }, to: { text: 'b', chassis: 'hv2' } });
    expect(path.largestInner).toBe(1442);
    expect(path.bottleneck?.subject).not.toBe('enp2s0');
    expect(path.breaks).toContain("after a failover of hv1's bond onto enp2s0 (its backup slave, mtu 1400), inner packets over 1342 B are dropped with DF set there");
  });

  it('fixture edit: enp1s0 (the ACTIVE slave) at 1400 — it fails and limits the leg to 1342', async () => {
    const r = checkCluster(await mtuSnapshot({ hv1: bondHost(editLinks(BOND, { enp1s0: { mtu: 1400 } })) }, central(CL(1342))));
    expect(find(r, 'MTU-H4', /^enp1s0/)).toMatchObject({ severity: 'fail', subject: expect.stringMatching(/^enp1s0 \(bond-slave, /), message: expect.stringMatching(/≠ bond bond0 mtu 1500: the active slave differs from its bond/) });
    expect(r.pairs[0]).toMatchObject({ underlay: 1400, maxInner: 1342 });
    // M_net 1342 itself fits the smaller slave: only the mismatch fails.
    expect(find(r, 'MTU-H1', /net/).severity).toBe('pass');
  });
});

// ---------------------------------------------------------------------------------------------
// VLAN: a real `ip -details link` of eth0.700@eth0 (vagrant VM), converted to JSON. The capture
// shows eth0.700 just created (DOWN); the tests set it UP (the next command of that session).

const VLAN = editLinks(mtuFixture('vlan-eth0.700.ip-link.json'), { 'eth0.700': { flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], operstate: 'UP' } });
const vlanHost = (links: string) => ({
  'ovs-vsctl.list.Open_vSwitch': openVswitch('hv1', '10.100.10.77'),
  'ovs-vsctl.list.Interface': interfaces([{ name: 'ovn-hv2-0', type: 'geneve', options: { remote_ip: '10.100.10.78' } }]),
  'ip.link': links,
  'ip.route': routes({ dst: '10.100.10.0/24', dev: 'eth0.700', protocol: 'kernel', scope: 'link', prefsrc: '10.100.10.77' }),
});
const CLV = (mtu: number): CentralSpec => ({ switches: [{ name: 'net', ports: ['p'], externalIds: { 'neutron:mtu': String(mtu) } }], switchPorts: [{ name: 'p' }], chassis: [{ name: 'hv1', encaps: [{ ip: '10.100.10.77' }] }, { name: 'hv2', encaps: [{ ip: '10.100.10.78' }] }] });

describe('public capture: eth0.700@eth0 (802.1Q VLAN on a 1500 NIC)', () => {
  it('the VLAN parent is on the leg; both at 1500 carry 1442', async () => {
    const r = checkCluster(await mtuSnapshot({ hv1: vlanHost(VLAN) }, central(CLV(1442))));
    expect(r.rows.filter((x) => x.hop === 'H4').map((x) => [x.subject, x.role, x.mtu, x.severity])).toEqual([
      ['route 10.100.10.0/24', 'route', 1500, 'pass'],
      ['eth0.700', 'vlan', 1500, 'pass'],
      ['eth0', 'vlan-parent', 1500, 'pass'],
    ]);
  });

  it('fixture edit: eth0.700 at 9000 over eth0 1500 — a VLAN child bigger than its parent fails, and the parent sets the limit', async () => {
    const r = checkCluster(await mtuSnapshot({ hv1: vlanHost(editLinks(VLAN, { 'eth0.700': { mtu: 9000 } })) }, central(CLV(1442))));
    expect(find(r, 'MTU-H4', /^eth0 \(vlan-parent/)).toMatchObject({ severity: 'fail', message: expect.stringMatching(/VLAN child eth0.700 has mtu 9000 > its parent eth0 1500/), fix: 'ip link set eth0 mtu 9000' });
    expect(r.pairs[0]).toMatchObject({ underlay: 1500, maxInner: 1442 });
  });

  it('H5 with --switch-mtu in frame semantics counts the 802.1Q tag', async () => {
    const snap = await mtuSnapshot({ hv1: vlanHost(VLAN) }, central(CLV(1442)));
    const ok = checkCluster(snap, { switchMtu: 1518, switchMtuSemantics: 'l2' }).rows.find((x) => x.hop === 'H5')!;
    expect(ok).toMatchObject({ required: 1518, rule: 'frame ≥ 1500 + 14 + 4 = 1518', severity: 'pass' });
    expect(checkCluster(snap, { switchMtu: 1514, switchMtuSemantics: 'l2' }).rows.find((x) => x.hop === 'H5')!.severity).toBe('fail');
    expect(checkCluster(snap, { switchMtu: 1500 }).rows.find((x) => x.hop === 'H5')!).toMatchObject({ rule: '≥ 1500', severity: 'pass' });
    expect(checkCluster(snap).rows.find((x) => x.hop === 'H5')!.severity).toBe('n-a');
  });
});

// ---------------------------------------------------------------------------------------------
// ECMP, next-hop groups, route mtu, PMTU exceptions, IPv6, no kernel view.

const ECMP_LINKS = JSON.stringify([ipLink(1, 'lo'), { ...ipLink(2, 'eth0'), mtu: 9000 }, { ...ipLink(3, 'eth1'), mtu: 1500 }]) + '\n';

/** hv1 with a GENEVE port to 192.168.0.2, routed over a next-hop group of eth0 (9000, `weight0`) and eth1 (1500). */
function ecmpHv1(weight0?: number): Record<string, string> {
  return {
    'ovs-vsctl.list.Open_vSwitch': openVswitch('hv1', '192.168.0.1'),
    'ovs-vsctl.list.Interface': interfaces([{ name: 'ovn-hv2-0', type: 'geneve', options: { remote_ip: '192.168.0.2' } }]),
    'ip.link': ECMP_LINKS,
    'ip.route': routes({ dst: '192.168.0.2', nhid: 10, protocol: 'bgp', flags: [] }),
    'ip.nexthop': routes({ id: 1, gateway: '10.0.1.0', dev: 'eth0', scope: 'link', flags: [] }, { id: 2, gateway: '10.0.2.0', dev: 'eth1', scope: 'link', flags: [] }, { id: 10, group: [weight0 === undefined ? { id: 1 } : { id: 1, weight: weight0 }, { id: 2 }], flags: [] }),
  };
}

describe('egress toward a remote TEP', () => {
  it('every ECMP leg of a next-hop group, with weights; different legs warn and name the per-flow failure', async () => {
    const snap = await mtuSnapshot({ hv1: ecmpHv1(3) });
    const e = egressToward(snap.hosts[0]!, '192.168.0.2');
    expect(e.legs.map((l) => [l.label, l.weight, l.ipMtu])).toEqual([
      ['1/2 via 10.0.1.0 dev eth0', 3, 9000],
      ['2/2 via 10.0.2.0 dev eth1', undefined, 1500],
    ]);
    const r = checkPath(snap, { from: { text: 'a', chassis: 'hv1', host: 'hv1' }, to: { text: 'b', chassis: 'hv2' } }, { networkMtu: 1400 });
    expect(find(r, 'MTU-H4', /ECMP legs hv1 → 192.168.0.2/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/inner packets of 1443–8942 B cross only when the flow is hashed onto the larger leg/) });
    expect(r.largestInner).toBe(1442);
    expect(r.largestInnerBestLeg).toBe(8942);
    expect(r.breaks.join('\n')).toMatch(/1443–8942 B fail only for flows hashed onto 2\/2 via 10.0.2.0 dev eth1/);
    // M_net 1443 on that path: the small leg fails, the ECMP finding too.
    const bad = checkPath(snap, { from: { text: 'a', chassis: 'hv1', host: 'hv1' }, to: { text: 'b', chassis: 'hv2' } }, { networkMtu: 1443 });
    expect(find(bad, 'MTU-H4', /ECMP legs/).severity).toBe('fail');
    expect(find(bad, 'MTU-H4', /^eth1 /).severity).toBe('fail');
    expect(find(bad, 'MTU-H4', /^eth0 /).severity).toBe('pass');
  });

  it('ECMP legs that differ: the fix raises what limits the smaller leg — a device by ip link, a PMTU exception at the underlay hop', async () => {
    const spec = { from: { text: 'a', chassis: 'hv1', host: 'hv1' }, to: { text: 'b', chassis: 'hv2' } };
    // eth1 (1500) limits leg 2, eth0 (9000) leg 1.
    const byDevice = checkPath(await mtuSnapshot({ hv1: ecmpHv1() }), spec, { networkMtu: 1400 });
    expect(find(byDevice, 'MTU-H4', /ECMP legs/).fix).toMatch(/^give every leg the same MTU: ip link set eth1 mtu 9000 /);
    // A PMTU exception of 1400 learned through eth0 (ip route get answered on that leg, with `expires`) makes leg 1 the smaller: no device to set, an underlay hop to find.
    const routeGet = '[{"dst":"192.168.0.2","from":"192.168.0.1","gateway":"10.0.1.0","dev":"eth0","flags":[],"uid":0,"cache":[],"expires":599,"metrics":[{"mtu":1400}]}]\n';
    const byPmtu = checkPath(await mtuSnapshot({ hv1: { ...ecmpHv1(), 'ip.route-get.192.168.0.2': routeGet } }), spec, { networkMtu: 1300 });
    const f = find(byPmtu, 'MTU-H4', /ECMP legs/);
    expect(f.message).toMatch(/1\/2 via 10.0.1.0 dev eth0 1400, 2\/2 via 10.0.2.0 dev eth1 1500/);
    expect(f.fix).toBe('an underlay hop on leg 1/2 via 10.0.1.0 dev eth0 is smaller (PMTU 1400): tracepath -n 192.168.0.2 over that leg finds it; raise it to 1500; or keep the network MTU at most 1342 (what every leg carries)');
  });

  it('--switch-mtu caps every leg, in path mode and in --all alike (H5 findings, H1 against the switch)', async () => {
    const snap = await mtuSnapshot({ hv1: ecmpHv1() }, central({ switches: [{ name: 'net', ports: ['p'] }], switchPorts: [{ name: 'p' }], chassis: [{ name: 'hv1', encaps: [{ ip: '192.168.0.1' }] }, { name: 'hv2', encaps: [{ ip: '192.168.0.2' }] }] }));
    // Legs 9000 and 1500 behind switch ports of 1400 (IP MTU): every flow gets 1400 − 58 = 1342, whichever leg it is hashed onto.
    const options = { networkMtu: 1400, switchMtu: 1400 };
    const path = checkPath(snap, { from: { text: 'a', chassis: 'hv1', host: 'hv1' }, to: { text: 'b', chassis: 'hv2' } }, options);
    expect(path.largestInner).toBe(1342);
    expect(path.largestInnerBestLeg).toBe(1342);
    expect(path.breaks.join('\n')).not.toMatch(/hashed onto/);
    expect(path.findings.filter((f) => f.id === 'MTU-H5').map((f) => f.severity)).toEqual(['fail', 'fail']);
    const all = checkCluster(snap, options);
    expect(all.smallestUnderlay?.value).toBe(1400);
    expect(all.pairs[0]!.legs).toEqual([
      { label: '1/2 via 10.0.1.0 dev eth0', ipMtu: 1400, limitedBy: 'switch port, --switch-mtu 1400' },
      { label: '2/2 via 10.0.2.0 dev eth1', ipMtu: 1400, limitedBy: 'switch port, --switch-mtu 1400' },
    ]);
    expect(find(all, 'MTU-H1', /net/)).toMatchObject({ severity: 'fail', message: expect.stringMatching(/^M_net 1400 \+ O 58 = 1458 does not fit 1 of 1 chassis pairs: hv1 → hv2 \(1400\)/) });
    expect(find(all, 'MTU-H5', /behind eth0/)).toMatchObject({ severity: 'fail', host: 'hv1', evidence: [{ file: '(command line)', excerpt: '--switch-mtu 1400' }] });
    // A switch bigger than the devices changes nothing: the legs keep their own limits.
    const big = checkCluster(snap, { networkMtu: 1400, switchMtu: 9216 });
    expect(big.pairs[0]!.legs.map((l) => l.ipMtu)).toEqual([9000, 1500]);
    expect(find(big, 'MTU-H1', /net/).severity).toBe('pass');
  });

  it('a route mtu metric and a PMTU exception from ip route get cap the leg (H6)', async () => {
    const snap = await mtuSnapshot({
      hv1: {
        'ovs-vsctl.list.Open_vSwitch': openVswitch('hv1', '192.168.0.1'),
        'ovs-vsctl.list.Interface': interfaces([{ name: 'ovn-hv2-0', type: 'geneve', options: { remote_ip: '192.168.0.2' } }]),
        'ip.link': ECMP_LINKS,
        'ip.route': routes({ dst: '192.168.0.2', gateway: '10.0.1.0', dev: 'eth0', metrics: [{ mtu: 8000 }], flags: [] }),
        // Verbatim shape of `ip -j route get 192.168.0.2 from 192.168.0.1` after a ToR answered "needs fragmentation" (this machine, iproute2 6.1).
        'ip.route-get.192.168.0.2': '[{"dst":"192.168.0.2","from":"192.168.0.1","gateway":"10.0.1.0","dev":"eth0","flags":[],"uid":0,"cache":[],"expires":599,"metrics":[{"mtu":1400}]}]\n',
      },
    });
    const e = egressToward(snap.hosts[0]!, '192.168.0.2');
    expect(e.legs[0]).toMatchObject({ routeMtu: 8000, pmtu: 1400, ipMtu: 1400, limitedBy: { kind: 'pmtu' } });
    const r = checkPath(snap, { from: { text: 'a', chassis: 'hv1', host: 'hv1' }, to: { text: 'b', chassis: 'hv2' } }, { networkMtu: 1400 });
    expect(find(r, 'MTU-H6', /PMTU toward 192.168.0.2/)).toMatchObject({ severity: 'fail', evidence: [{ file: 'hosts/hv1/ip.route-get.192.168.0.2.out', excerpt: expect.stringContaining('"metrics":[{"mtu":1400}]') }] });
    expect(r.bottleneck).toMatchObject({ hop: 'H6', mtu: 1400 });
    expect(r.largestInner).toBe(1342);
    expect(r.rows.find((x) => x.role === 'route-mtu')).toMatchObject({ mtu: 8000, severity: 'pass' });
  });

  it('a configured route mtu (no `expires` in ip route get) is the route MTU, listed once, not a PMTU exception', async () => {
    // Shapes captured on this machine (iproute2 6.1): `ip route add 10.99.3.0/24 via 10.99.1.2 mtu 1480` answers
    // `ip -j route get` with "cache":[] and the metric but no "expires"; an exception learned from an ICMP
    // "fragmentation needed" adds "expires":599 (previous test). IPv6 alike, without the "cache" key.
    const host = (route: string, routeGet: string) => ({
      'ovs-vsctl.list.Open_vSwitch': openVswitch('hv1', '192.168.0.1'),
      'ovs-vsctl.list.Interface': interfaces([{ name: 'ovn-hv2-0', type: 'geneve', options: { remote_ip: '192.168.0.2' } }]),
      'ip.link': ECMP_LINKS,
      'ip.route': route,
      'ip.route-get.192.168.0.2': routeGet,
    });
    const routeGet = '[{"dst":"192.168.0.2","from":"192.168.0.1","gateway":"10.0.1.0","dev":"eth0","prefsrc":"192.168.0.1","flags":[],"uid":0,"cache":[],"metrics":[{"mtu":1480}]}]\n';
    const path = { from: { text: 'a', chassis: 'hv1', host: 'hv1' }, to: { text: 'b', chassis: 'hv2' } };
    const snap = await mtuSnapshot({ hv1: host(routes({ dst: '192.168.0.2', gateway: '10.0.1.0', dev: 'eth0', metrics: [{ mtu: 1480 }], flags: [] }), routeGet) });
    expect(egressToward(snap.hosts[0]!, '192.168.0.2').legs[0]).toMatchObject({ routeMtu: 1480, pmtu: undefined, ipMtu: 1480, limitedBy: { kind: 'route-mtu' } });
    const r = checkPath(snap, path, { networkMtu: 1450 });
    // 1450 + 58 = 1508 > 1480: the route limits, the verdict stays FAIL, told as the route's own setting.
    expect(r.verdict).toBe('fail');
    expect(r.findings.filter((f) => f.id === 'MTU-H6')).toEqual([]);
    expect(r.rows.filter((x) => x.role === 'pmtu')).toEqual([]);
    expect(r.rows.filter((x) => x.role === 'route-mtu').map((x) => x.mtu)).toEqual([1480]);
    const f = find(r, 'MTU-H4', /^route 192.168.0.2 mtu/);
    expect(f).toMatchObject({ severity: 'fail', message: expect.stringMatching(/configured mtu 1480/) });
    expect(f.message).not.toMatch(/PMTU|ICMP/);
    expect(f.fix).toMatch(/^ip route replace 192.168.0.2 via 10.0.1.0 dev eth0 mtu 1508 /);
    expect(f.fix).not.toMatch(/tracepath/);
    expect(r.bottleneck).toMatchObject({ role: 'route-mtu', mtu: 1480 });
    expect(r.largestInner).toBe(1422);
    // The route's metric seen only by ip route get (the main-table route has none: another table answered) is still the route MTU.
    const other = await mtuSnapshot({ hv1: host(routes({ dst: '192.168.0.2', gateway: '10.0.1.0', dev: 'eth0', flags: [] }), routeGet) });
    const o = checkPath(other, path, { networkMtu: 1450 });
    expect(o.findings.filter((x) => x.id === 'MTU-H6')).toEqual([]);
    expect(find(o, 'MTU-H4', /^route 192.168.0.2 mtu/)).toMatchObject({ severity: 'fail', evidence: [{ file: 'hosts/hv1/ip.route-get.192.168.0.2.out' }] });
  });

  it('the kernel\'s ICMP "packet too big" for the VM is promised only on the kernel datapath', async () => {
    // dpif/show of the reviewer's sandbox (ovs-vswitchd --enable-dummy: the dummy datapath under the name system@ovs-system) and of a kernel datapath.
    const dummy = 'system@ovs-system: hit:0 missed:0\n  br-int:\n    br-int 65534/1: (dummy-internal)\n    ovn-hv2-1 5/2: (geneve)\n    tapweb1 4/5: (dummy)\n';
    const kernel = 'system@ovs-system: hit:12 missed:3\n  br-int:\n    br-int 65534/1: (internal)\n    ovn-hv2-0 2/2: (geneve: csum=true, key=flow, remote_ip=192.168.0.2)\n    tap1 3/3: (system)\n';
    const netdev = 'netdev@ovs-netdev: hit:0 missed:0\n  br-int:\n    br-int 65534/1: (tap)\n    dpdk0 1/2: (dpdk: configured_rx_queues=1)\n';
    const run = async (dpif: string) => {
      const snap = await mtuSnapshot({
        hv1: {
          'ovs-vsctl.list.Open_vSwitch': openVswitch('hv1', '192.168.0.1'),
          'ovs-vsctl.list.Interface': interfaces([{ name: 'ovn-hv2-0', type: 'geneve', options: { remote_ip: '192.168.0.2' } }]),
          'ip.link': ECMP_LINKS,
          'ip.route': routes({ dst: '192.168.0.2', gateway: '10.0.2.0', dev: 'eth1', flags: [] }),
          'uname.r': '6.1.0-18-amd64\n',
          'ovs-appctl.dpif-show': dpif,
        },
      });
      return checkPath(snap, { from: { text: 'a', chassis: 'hv1', host: 'hv1' }, to: { text: 'b', chassis: 'hv2' } }, { networkMtu: 1450 });
    };
    const onDummy = (await run(dummy)).breaks.join('\n');
    expect(onDummy).toMatch(/PMTUD black hole: the OVS dummy \(test\) datapath \(dpif\/show: system@ovs-system, br-int ports of type dummy\) does not answer the VM/);
    expect(onDummy).not.toMatch(/≥ 5\.9\) can answer/);
    expect((await run(netdev)).breaks.join('\n')).toMatch(/PMTUD black hole: the userspace \(netdev\) datapath \(dpif\/show: netdev@ovs-netdev\)/);
    expect((await run(kernel)).breaks.join('\n')).toMatch(/kernel 6\.1\.0-18-amd64 \(≥ 5\.9\) can answer the VM with ICMP "packet too big" for OVS ports on the kernel datapath \(dpif\/show: system@ovs-system\)/);
  });

  it('the gateway\'s way back to the source limits the replies, not the forward direction', async () => {
    const host = (id: string, tep: string, remote: string, mtu: number) => ({
      'ovs-vsctl.list.Open_vSwitch': openVswitch(id, tep),
      'ovs-vsctl.list.Interface': interfaces([{ name: `ovn-${remote === '192.168.0.1' ? 'hv1' : 'hv2'}-0`, type: 'geneve', options: { remote_ip: remote } }]),
      'ip.link': JSON.stringify([ipLink(1, 'lo'), { ...ipLink(2, 'eth0'), mtu }]) + '\n',
      'ip.route': routes({ dst: remote, gateway: '10.0.1.0', dev: 'eth0', flags: [] }),
    });
    // hv1 → gateway hv2 over 1500; hv2 back to hv1 over 1400.
    const snap = await mtuSnapshot({ hv1: host('hv1', '192.168.0.1', '192.168.0.2', 1500), hv2: host('hv2', '192.168.0.2', '192.168.0.1', 1400) });
    const r = checkPath(snap, { from: { text: 'a', chassis: 'hv1', host: 'hv1' }, to: { text: '172.16.0.1', kind: 'external-ip' }, gateways: [{ chassis: 'hv2', host: 'hv2' }] }, { networkMtu: 1400 });
    expect(r.largestInner).toBe(1442);
    expect(r.bottleneck).toMatchObject({ host: 'hv1', subject: 'eth0' });
    expect(r.largestInnerReverse).toBe(1342);
    expect(r.rows.filter((x) => x.host === 'hv2' && x.subject === 'eth0').map((x) => x.direction)).toEqual(['reverse']);
  });

  it('an IPv6 underlay: 78 B, looked up in ip -j -6 route', async () => {
    const snap = await mtuSnapshot({
      hv1: {
        'ovs-vsctl.list.Open_vSwitch': openVswitch('hv1', '2001:db8::1'),
        'ovs-vsctl.list.Interface': interfaces([{ name: 'ovn-hv2-0', type: 'geneve', options: { remote_ip: '2001:db8::2' } }]),
        'ip.link': ECMP_LINKS,
        'ip.route': routes(),
        'ip.route6': routes({ dst: '2001:db8::/64', dev: 'eth1', protocol: 'kernel', metric: 256, flags: [] }),
      },
    });
    const r = checkPath(snap, { from: { text: 'a', chassis: 'hv1', host: 'hv1' }, to: { text: 'b', chassis: 'hv2' } }, { networkMtu: 1422 });
    expect(r.overhead.total).toBe(78);
    expect(r.largestInner).toBe(1422);
    expect(find(r, 'MTU-H4', /^eth1 /).severity).toBe('pass');
    const over = checkPath(snap, { from: { text: 'a', chassis: 'hv1', host: 'hv1' }, to: { text: 'b', chassis: 'hv2' } }, { networkMtu: 1423 });
    expect(find(over, 'MTU-H4', /^eth1 /).severity).toBe('fail');
  });

  it('without kernel routes: the OVS tunnel_egress_iface stands for the route, and says other legs are unknown', async () => {
    const snap = await mtuSnapshot({
      hv1: {
        'ovs-vsctl.list.Open_vSwitch': openVswitch('hv1', '192.168.0.1'),
        'ovs-vsctl.list.Interface': interfaces([{ name: 'ovn-hv2-0', type: 'geneve', options: { remote_ip: '192.168.0.2', df_default: 'false' }, status: { tunnel_egress_iface: 'eth0' } }]),
        'ip.link': ECMP_LINKS,
      },
    });
    const e = egressToward(snap.hosts[0]!, '192.168.0.2');
    expect(e).toMatchObject({ source: 'ovs-status', legs: [{ dev: 'eth0', ipMtu: 9000 }] });
    expect(e.notes[0]).toMatch(/other ECMP legs are unknown/);
    const r = checkPath(snap, { from: { text: 'a', chassis: 'hv1', host: 'hv1' }, to: { text: 'b', chassis: 'hv2' } });
    expect(find(r, 'MTU-H3', /ovn-hv2-0/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/df_default=false/) });
    expect(r.breaks[0]).toMatch(/fragmented on the outer header/);
  });
});

// ---------------------------------------------------------------------------------------------
// Gateways (H7) and consistency (H8).

describe('gateway and consistency', () => {
  const gwCentral = (gatewayMtu: string | undefined, checkPkt: string): [Record<string, unknown>, Record<string, string>] => {
    const spec: CentralSpec = {
      switches: [
        { name: 'inside', ports: ['vm', 'inside-lr'], externalIds: { 'neutron:mtu': '1442' } },
        { name: 'ext', ports: ['ext-lr', 'ext-localnet'] },
      ],
      switchPorts: [{ name: 'vm' }, { name: 'inside-lr', type: 'router', options: { 'router-port': 'lr-in' } }, { name: 'ext-lr', type: 'router', options: { 'router-port': 'lr-ext' } }, { name: 'ext-localnet', type: 'localnet', options: { network_name: 'physnet1' } }],
      routers: [{ name: 'gr', ports: ['lr-in', 'lr-ext'], options: { chassis: 'gw1' } }],
      routerPorts: [{ name: 'lr-in' }, { name: 'lr-ext', options: gatewayMtu ? { gateway_mtu: gatewayMtu } : {} }],
      chassis: [{ name: 'gw1', encaps: [{ ip: '192.168.0.9' }] }],
    };
    const host = {
      'ovs-vsctl.list.Open_vSwitch': openVswitch('gw1', '192.168.0.9', { 'ovn-bridge-mappings': 'physnet1:br-ex' }),
      'ovs-vsctl.list.Bridge': JSON.stringify({ headings: ['_uuid', 'name', 'ports'], data: [[['uuid', 'aaaaaaaa-0000-4000-8000-000000000001'], 'br-ex', ['set', [['uuid', 'bbbbbbbb-0000-4000-8000-000000000001'], ['uuid', 'bbbbbbbb-0000-4000-8000-000000000002']]]]] }) + '\n',
      'ovs-vsctl.list.Port': JSON.stringify({ headings: ['_uuid', 'name', 'interfaces'], data: [[['uuid', 'bbbbbbbb-0000-4000-8000-000000000001'], 'br-ex', ['uuid', 'cccccccc-0000-4000-8000-000000000001']], [['uuid', 'bbbbbbbb-0000-4000-8000-000000000002'], 'eno1', ['uuid', 'cccccccc-0000-4000-8000-000000000002']]] }) + '\n',
      'ovs-vsctl.list.Interface': JSON.stringify({ headings: ['_uuid', 'name', 'type', 'mtu'], data: [[['uuid', 'cccccccc-0000-4000-8000-000000000001'], 'br-ex', 'internal', 1500], [['uuid', 'cccccccc-0000-4000-8000-000000000002'], 'eno1', '', 9000]] }) + '\n',
      'ovs-appctl.dp-features.br-int': `Recirc: Yes\nCheck pkt length action: ${checkPkt}\n`,
    };
    return [host, central(spec)];
  };

  it('H7: missing gateway_mtu with a bigger external side warns; ≤ M_net passes; > M_net warns; no check_pkt_len warns', async () => {
    const run = async (g: string | undefined, c = 'Yes') => {
      const [host, cen] = gwCentral(g, c);
      return checkCluster(await mtuSnapshot({ gw1: host as never }, cen));
    };
    expect(find(await run(undefined), 'MTU-H7', /gateway port lr-ext/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/external side \(eno1\) has mtu 9000 and M_net is 1442: .*PMTUD gap/), fix: 'ovn-nbctl set Logical_Router_Port lr-ext options:gateway_mtu=1442' });
    const ok = await run('1442');
    expect(find(ok, 'MTU-H7', /gateway port lr-ext/)).toMatchObject({ severity: 'pass', message: expect.stringMatching(/check_pkt_larger\(1456\)/) });
    expect(find(ok, 'MTU-H7', /check_pkt_len/).severity).toBe('pass');
    expect(ok.rows.find((x) => x.role === 'localnet')).toMatchObject({ mtu: 9000, subject: 'ext-localnet (localnet physnet1 → br-ex)' });
    expect(find(await run('1443'), 'MTU-H7', /gateway port lr-ext/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/gateway_mtu 1443 > M_net 1442/) });
    expect(find(await run('1442', 'No'), 'MTU-H7', /check_pkt_len/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/no effect/), fix: expect.stringMatching(/^give gw1 a datapath with the check_pkt_len action .*ovs-appctl dpif\/show-dp-features br-int/) });
  });

  it('north-south replies: gateway_mtu caps them too when the logical flows check packets coming in (OVN ≥ 21.09)', async () => {
    // Verbatim SB Logical_Flow match/actions of the gateway-mtu sandbox (OVN 23.03, gateway_mtu=1400 on lr-mtu-ext), renamed to this test's port.
    const flows = [
      { uuid: '11111111-0000-4000-8000-000000000001', pipeline: 'ingress', stageName: 'lr_in_chk_pkt_len', match: 'outport == "lr-ext"', actions: 'reg9[1] = check_pkt_larger(1414); next;' },
      { uuid: '11111111-0000-4000-8000-000000000002', pipeline: 'ingress', stageName: 'lr_in_admission', match: 'eth.dst == 0a:00:06:ff:ff:01 && inport == "lr-ext" && is_chassis_resident("cr-lr-ext")', actions: 'reg9[1] = check_pkt_larger(1414); xreg0[0..47] = 0a:00:06:ff:ff:01; next;' },
      { uuid: '11111111-0000-4000-8000-000000000003', pipeline: 'ingress', stageName: 'lr_in_admission', match: 'eth.mcast && inport == "lr-ext"', actions: 'reg9[1] = check_pkt_larger(1414); xreg0[0..47] = 0a:00:06:ff:ff:01; next;' },
      { uuid: '11111111-0000-4000-8000-000000000004', pipeline: 'ingress', stageName: 'lr_in_ip_input', match: 'inport == "lr-ext" && ip4 && reg9[1] && reg9[0] == 0', actions: 'icmp4_error {reg9[0] = 1; reg9[1] = 0; icmp4.type = 3; icmp4.code = 4; icmp4.frag_mtu = 1400; next(pipeline=ingress, table=0); };' },
    ];
    const checks = pktLenChecksOf(flows);
    expect(checks.map((x) => [x.port, x.direction, x.length])).toEqual([
      ['lr-ext', 'egress', 1414],
      ['lr-ext', 'ingress', 1414],
    ]);
    const [host, cen] = gwCentral('1400', 'Yes');
    const snap = await mtuSnapshot({ gw1: host as never }, cen);
    const path = (pktLenChecks?: typeof checks) => checkPath(snap, { from: { text: 'vm', logicalPort: 'vm', datapath: 'inside', chassis: 'gw1', host: 'gw1' }, to: { text: '172.16.6.1', kind: 'external-ip' }, gateways: [{ chassis: 'gw1', host: 'gw1' }], routerPorts: ['lr-in', 'lr-ext'], pktLenChecks }, { networkMtu: 1400 });
    const r = path(checks);
    expect(r.largestInnerReverse).toBe(1400);
    expect(r.reverseLimitedBy).toMatch(/gateway_mtu 1400 on lr-ext \(check_pkt_larger\(1414\) on packets coming in from outside/);
    expect(r.rows.find((x) => x.direction === 'reverse')).toMatchObject({ hop: 'H7', subject: 'lr-ext gateway_mtu (replies)', host: 'gw1', maxInner: 1400, evidence: { excerpt: expect.stringContaining('inport == "lr-ext"') } });
    // The flow is the truth (L − 14), and the replies' row never stands for the forward direction.
    const smaller = path(checks.map((x) => (x.direction === 'ingress' ? { ...x, length: 1314 } : x)));
    expect(smaller.largestInnerReverse).toBe(1300);
    expect(smaller.largestInner).toBe(1400);
    expect(smaller.bottleneck).toMatchObject({ hop: 'H7', subject: 'lr-ext gateway_mtu' });
    // An OVN that checks only the way out (before 21.09): the replies are not capped, and the note says why.
    const old = path(checks.filter((x) => x.direction === 'egress'));
    expect(old.largestInnerReverse).toBeUndefined();
    expect(old.notes.join('\n')).toMatch(/no check_pkt_larger for packets coming in from outside through lr-ext/);
    // Logical flows not collected: unknown, said so.
    expect(path(undefined).notes.join('\n')).toMatch(/SB Logical_Flow not collected/);
  });

  it('H8: networks with different MTUs, IPv4 and IPv6 TEPs, and a host with a smaller underlay', async () => {
    const host = (id: string, ip: string, mtu: number) => ({
      'ovs-vsctl.list.Open_vSwitch': openVswitch(id, ip),
      'ovs-vsctl.list.Interface': interfaces([]),
      'ip.link': JSON.stringify([ipLink(1, 'lo'), { ...ipLink(2, 'eth0'), mtu }]) + '\n',
      'ip.route': routes({ dst: '192.168.0.0/24', dev: 'eth0', protocol: 'kernel', flags: [] }),
    });
    const r: ClusterMtuReport = checkCluster(
      await mtuSnapshot(
        { hv1: host('hv1', '192.168.0.1', 9000), hv2: host('hv2', '192.168.0.2', 1500) },
        central({
          switches: [
            { name: 'a', ports: ['pa'], externalIds: { 'neutron:mtu': '1400' } },
            { name: 'b', ports: ['pb'], externalIds: { 'neutron:mtu': '8900' } },
          ],
          switchPorts: [{ name: 'pa' }, { name: 'pb' }],
          chassis: [
            { name: 'hv1', encaps: [{ ip: '192.168.0.1' }] },
            { name: 'hv2', encaps: [{ ip: '192.168.0.2' }] },
          ],
        }),
      ),
    );
    // One MTU for both is the smaller, 1400 (it also fits the smallest underlay, 1500 − 58): b is the one to change, through Neutron (neutron:mtu).
    expect(find(r, 'MTU-H8', /network MTUs/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/1400 \(a\); 8900 \(b\)/), fix: expect.stringMatching(/one MTU, 1400 \(≤ 1442, the smallest underlay − O\): openstack network set --mtu 1400 b \(/) });
    expect(find(r, 'MTU-H8', /network MTUs/).fix).not.toMatch(/--mtu 1400 a\b/);
    // hv2's 1500 is the odd one out: raise it to hv1's 9000, or keep the networks within 1500 − 58.
    expect(find(r, 'MTU-H8', /underlay MTU per host/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/hv2 1500/), evidence: [{ file: 'hosts/hv2/ip.link.out' }], fix: 'raise the egress of hv2 to 9000 (ip link set DEV mtu 9000 on each device of their MTU-H4 rows, and persist it), or keep every network MTU at most 1442' });
    expect(find(r, 'MTU-H1', /network b/)).toMatchObject({ severity: 'fail', message: expect.stringMatching(/hv2 → hv1 \(1500\)/) });
    expect(find(r, 'MTU-H1', /network a/).severity).toBe('pass');
    expect(r.smallestUnderlay).toMatchObject({ value: 1500, pair: { host: 'hv2' } });
  });
});
