import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseOvsdbJson,
  parseOvsdbRows,
  toNbAcls,
  toNbAddressSets,
  toNbGatewayChassis,
  toNbLoadBalancers,
  toNbLoadBalancerGroups,
  toNbLogicalRouterPorts,
  toNbLogicalRouters,
  toNbLogicalSwitchPorts,
  toNbLogicalSwitches,
  toNbNats,
  toNbPortGroups,
  toNbStaticRoutes,
  toSbChassis,
  toSbDatapathBindings,
  toSbEncaps,
  toSbHaChassis,
  toSbHaChassisGroups,
  toSbLoadBalancers,
  toSbLogicalDpGroups,
  toSbLogicalFlows,
  toSbMacBindings,
  toSbMulticastGroups,
  toSbPortBindings,
  type RowConverter,
} from '../../src/parse/ovsdb-json.js';
import { cookieHex, cookieOf, isUuid, lflowDatapaths, splitAddresses } from '../../src/model/ovn.js';
import { byUuid } from '../../src/model/ovsdb.js';

const FIX = new URL('../fixtures/ovsdb/', import.meta.url);
const text = (rel: string) => readFileSync(new URL(rel, FIX), 'utf8');
function rows<T>(rel: string, conv: RowConverter<T>): T[] {
  const r = parseOvsdbRows(text(rel), conv, rel);
  expect(r.diagnostics).toEqual([]);
  return r.value;
}
function one<T>(list: T[], pred: (t: T) => boolean): T {
  const found = list.filter(pred);
  expect(found).toHaveLength(1);
  return found[0];
}

const chassis = rows('sb/Chassis.json', toSbChassis);
const encaps = rows('sb/Encap.json', toSbEncaps);
const pbs = rows('sb/Port_Binding.json', toSbPortBindings);
const dps = rows('sb/Datapath_Binding.json', toSbDatapathBindings);
const lflows = rows('sb/Logical_Flow.json', toSbLogicalFlows);
const dpGroups = rows('sb/Logical_DP_Group.json', toSbLogicalDpGroups);
const mcGroups = rows('sb/Multicast_Group.json', toSbMulticastGroups);
const macBindings = rows('sb/MAC_Binding.json', toSbMacBindings);
const sbLbs = rows('sb/Load_Balancer.json', toSbLoadBalancers);
const haGroups = rows('sb/HA_Chassis_Group.json', toSbHaChassisGroups);
const haChassis = rows('sb/HA_Chassis.json', toSbHaChassis);
const switches = rows('nb/Logical_Switch.json', toNbLogicalSwitches);
const lsps = rows('nb/Logical_Switch_Port.json', toNbLogicalSwitchPorts);
const routers = rows('nb/Logical_Router.json', toNbLogicalRouters);
const lrps = rows('nb/Logical_Router_Port.json', toNbLogicalRouterPorts);
const acls = rows('nb/ACL.json', toNbAcls);
const pgs = rows('nb/Port_Group.json', toNbPortGroups);
const addressSets = rows('nb/Address_Set.json', toNbAddressSets);
const nbLbs = rows('nb/Load_Balancer.json', toNbLoadBalancers);
const lbGroups = rows('nb/Load_Balancer_Group.json', toNbLoadBalancerGroups);
const nats = rows('nb/NAT.json', toNbNats);
const routes = rows('nb/Logical_Router_Static_Route.json', toNbStaticRoutes);

const chassisUuid = (name: string) => one(chassis, (c) => c.name === name).uuid;
const dpUuid = (name: string) => one(dps, (d) => d.name === name).uuid;

describe('SB Chassis and Encap', () => {
  it('reads chassis and joins their encaps', () => {
    const hv1 = one(chassis, (c) => c.name === 'hv1');
    expect(hv1).toMatchObject({ hostname: 'hv1-host', nbCfg: 0, transportZones: [] });
    expect(hv1.encaps).toHaveLength(1);
    expect(hv1.otherConfig).toMatchObject({ 'ovn-bridge-mappings': 'physnet1:br-phys', 'datapath-type': 'system', 'is-interconn': 'false' });
    const encapsByUuid = byUuid(encaps);
    expect(encapsByUuid.get(hv1.encaps[0])).toMatchObject({ type: 'geneve', ip: '192.168.0.1', chassisName: 'hv1', csum: true, dstPort: undefined });
    expect(one(encaps, (e) => e.chassisName === 'hv3')).toMatchObject({ ip: '192.168.0.3', csum: false });
    expect(one(chassis, (c) => c.name === 'hv3').otherConfig['ovn-bridge-mappings']).toBe('');
  });
});

describe('SB Port_Binding', () => {
  it('reads a bound Neutron-style VIF', () => {
    const p = one(pbs, (p) => p.logicalPort === 'sw0-p1');
    expect(p).toMatchObject({
      type: '',
      tunnelKey: 1,
      datapath: dpUuid('sw0'),
      chassis: chassisUuid('hv1'),
      requestedChassis: undefined,
      mac: ['50:54:00:00:00:01 10.0.0.11'],
      portSecurity: ['50:54:00:00:00:01 10.0.0.11'],
      neutronPortName: 'vm1-port',
      neutronDeviceId: '5b6a1c1e-0000-4000-8000-000000000001',
      up: true,
      pod: undefined,
      haChassisGroup: undefined,
      gatewayChassis: [],
    });
    // northd copies neutron:port_name to external_ids:name
    expect(p.externalIds.name).toBe('vm1-port');
  });

  it('reads requested-chassis and a pod marker', () => {
    const p = one(pbs, (p) => p.logicalPort === 'sw0-p2');
    expect(p).toMatchObject({ chassis: chassisUuid('hv2'), requestedChassis: chassisUuid('hv2'), pod: { namespace: undefined, name: 'sw0-p2' } });
    expect(p.options).toEqual({ 'requested-chassis': 'hv2' });
  });

  it('derives pod names for OVN-Kubernetes and Kube-OVN', () => {
    const mk = (lp: string, ext: [string, string][]) =>
      parseOvsdbRows(JSON.stringify({ data: [[lp, ['map', ext]]], headings: ['logical_port', 'external_ids'] }), toSbPortBindings).value[0].pod;
    expect(mk('default_web-0', [['pod', 'true'], ['namespace', 'default']])).toEqual({ namespace: 'default', name: 'web-0' });
    expect(mk('kube-system_coredns-x', [['pod', 'true']])).toEqual({ namespace: 'kube-system', name: 'coredns-x' });
    expect(mk('web-0.default', [['pod', 'default/web-0'], ['vendor', 'kube-ovn']])).toEqual({ namespace: 'default', name: 'web-0' });
    expect(mk('x', [['pod', 'false']])).toBeUndefined();
  });

  it('reads the gateway port: chassisredirect bound through an HA_Chassis_Group (gateway_chassis stays empty in 23.03)', () => {
    const cr = one(pbs, (p) => p.logicalPort === 'cr-lr0-public');
    expect(cr).toMatchObject({ type: 'chassisredirect', chassis: chassisUuid('hv1'), up: true, gatewayChassis: [], mac: ['00:00:20:20:12:13 172.16.0.1/24'] });
    expect(cr.haChassisGroup).toMatch(/^[0-9a-f-]{36}$/);
    expect(cr.options).toEqual({ 'distributed-port': 'lr0-public' });
    // the second gateway (hv2+hv3) is unclaimed: BFD cannot come up on dummy tunnels
    expect(one(pbs, (p) => p.logicalPort === 'cr-lr1-public')).toMatchObject({ chassis: undefined, up: false });
  });

  it('reads HA_Chassis_Group and HA_Chassis: the group a chassisredirect binding names, its members by chassis row and priority', () => {
    // northd's groups for the two gateway ports configured through NB Gateway_Chassis: named after the port.
    expect(haGroups.map((g) => [g.name, g.haChassis.length]).sort()).toEqual([['lr0-public', 1], ['lr1-public', 2]]);
    const lr1 = one(haGroups, (g) => g.name === 'lr1-public');
    expect(one(pbs, (p) => p.logicalPort === 'cr-lr1-public').haChassisGroup).toBe(lr1.uuid);
    const members = haChassis.filter((h) => lr1.haChassis.includes(h.uuid));
    // Each member references the SB Chassis row, and keeps the NB chassis name in external_ids:chassis-name.
    const byUuid = new Map(chassis.map((c) => [c.uuid, c.name]));
    expect(members.map((m) => [byUuid.get(m.chassis!), m.chassisName, m.priority]).sort()).toEqual([['hv2', 'hv2', 20], ['hv3', 'hv3', 10]]);
    // The NB Gateway_Chassis priorities are what northd copied.
    const gcs = rows('nb/Gateway_Chassis.json', toNbGatewayChassis).filter((g) => g.name.startsWith('lr1-public-'));
    expect(gcs.map((g) => [g.chassisName, g.priority]).sort()).toEqual([['hv2', 20], ['hv3', 10]]);
  });

  it('reads an HA_Chassis whose chassis is not registered: no chassis reference, the name only in external_ids', () => {
    const text = '{"data":[[["uuid","5f1c7a52-0d0e-4a43-9d43-2a7c3f0c9e11"],["set",[]],["map",[["chassis-name","gw-absent"]]],30]],"headings":["_uuid","chassis","external_ids","priority"]}';
    const r = parseOvsdbRows(text, toSbHaChassis);
    expect(r.diagnostics).toEqual([]);
    expect(r.value).toEqual([expect.objectContaining({ chassis: undefined, chassisName: 'gw-absent', priority: 30 })]);
  });

  it('reads patch, localnet and router-side ports', () => {
    expect(one(pbs, (p) => p.logicalPort === 'sw0-lr0')).toMatchObject({ type: 'patch', mac: ['router'], peer: 'lr0-sw0', chassis: undefined, up: false });
    expect(one(pbs, (p) => p.logicalPort === 'lr0-sw1').mac).toEqual(['00:00:00:00:ff:02 10.0.1.1/24 fd00:1::1/64']);
    expect(one(pbs, (p) => p.logicalPort === 'ln-public')).toMatchObject({ type: 'localnet', mac: ['unknown'], options: { network_name: 'physnet1' } });
    expect(one(pbs, (p) => p.logicalPort === 'public-lr0').natAddresses).toEqual(['00:00:20:20:12:13 172.16.0.1 is_chassis_resident("cr-lr0-public")']);
  });

  it('splits address entries', () => {
    expect(splitAddresses('50:54:00:00:01:01 10.0.1.11 fd00:1::11')).toEqual({ mac: '50:54:00:00:01:01', ips: ['10.0.1.11', 'fd00:1::11'], keyword: undefined });
    expect(splitAddresses('router')).toEqual({ mac: undefined, ips: [], keyword: 'router' });
    expect(splitAddresses('')).toEqual({ mac: undefined, ips: [], keyword: undefined });
  });
});

describe('SB Datapath_Binding', () => {
  it('tells switches from routers and keeps the tunnel key', () => {
    const sw0 = one(dps, (d) => d.name === 'sw0');
    expect(sw0).toMatchObject({ kind: 'switch', tunnelKey: 1, logicalSwitch: one(switches, (s) => s.name === 'sw0').uuid, logicalRouter: undefined, loadBalancers: [] });
    expect(one(dps, (d) => d.name === 'lr0')).toMatchObject({ kind: 'router', logicalRouter: one(routers, (r) => r.name === 'lr0').uuid });
    expect(new Set(dps.map((d) => d.tunnelKey)).size).toBe(dps.length);
  });
});

describe('SB Logical_Flow', () => {
  it('reads every flow with pipeline, table, priority and stage', () => {
    expect(lflows).toHaveLength(380);
    for (const f of lflows) {
      expect(['ingress', 'egress']).toContain(f.pipeline);
      expect(f.tableId).toBeGreaterThanOrEqual(0);
      expect(f.priority).toBeGreaterThanOrEqual(0);
      expect(f.stageName).toMatch(/^l[sr]_(in|out)_/);
      expect(f.source).toMatch(/^northd\.c:\d+$/);
      expect((f.logicalDatapath === undefined) !== (f.logicalDpGroup === undefined)).toBe(true);
      expect(f.cookie).toBe(cookieOf(f.uuid));
    }
  });

  it('names the ACL behind an ls_out_acl flow through stage-hint', () => {
    const f = one(lflows, (f) => f.stageName === 'ls_out_acl' && f.actions.startsWith('log(name="allow_web"'));
    expect(f).toMatchObject({ pipeline: 'egress', tableId: 4, priority: 2001, logicalDatapath: dpUuid('sw0'), logicalDpGroup: undefined, stageHint: '715aa823' });
    expect(f.match).toBe('reg0[8] == 1 && (outport == @pg_web && ip4.src == $as_clients && tcp.dst == 80)');
    const acl = one(acls, (a) => a.uuid.startsWith(f.stageHint!));
    expect(acl.name).toBe('allow_web');
  });

  it('resolves datapath groups', () => {
    const groups = byUuid(dpGroups);
    const f = lflows.find((f) => f.logicalDpGroup !== undefined)!;
    const members = lflowDatapaths(f, groups);
    expect(members.length).toBeGreaterThan(0);
    for (const d of members) expect(dps.some((x) => x.uuid === d)).toBe(true);
    expect(lflowDatapaths({ logicalDatapath: 'x', logicalDpGroup: undefined }, groups)).toEqual(['x']);
    expect(lflowDatapaths({ logicalDatapath: undefined, logicalDpGroup: 'missing' }, groups)).toEqual([]);
  });

  it('explains every non-zero OpenFlow cookie on hv1 as the first 32 bits of an SB row uuid', () => {
    const sbUuids = new Map<number, string>();
    for (const t of ['Logical_Flow', 'Port_Binding', 'Multicast_Group', 'MAC_Binding', 'Load_Balancer', 'Datapath_Binding']) {
      for (const r of parseOvsdbJson(text(`sb/${t}.json`)).value.rows) sbUuids.set(cookieOf(r.uuid!)!, t);
    }
    const cookies = [...text('hv1/dump-flows-br-int.txt').matchAll(/cookie=(0x[0-9a-f]+)/g)].map((m) => Number(m[1]));
    expect(cookies.length).toBeGreaterThan(900);
    const unexplained = cookies.filter((c) => c !== 0 && !sbUuids.has(c));
    expect(unexplained).toEqual([]);
    const kinds = new Set(cookies.filter((c) => c !== 0).map((c) => sbUuids.get(c)));
    expect([...kinds].sort()).toEqual(['Load_Balancer', 'Logical_Flow', 'MAC_Binding', 'Multicast_Group', 'Port_Binding']);
    // e.g. the sw0-p1 output flows (tables 64/65) carry its Port_Binding cookie
    expect(cookieHex(one(pbs, (p) => p.logicalPort === 'sw0-p1').uuid)).toBe('0x4ece0421');
  });

  it('cookieOf takes the first 32 bits', () => {
    expect(cookieOf('fff98107-6b7d-4195-8363-e3a57ccb8ed7')).toBe(0xfff98107);
    expect(cookieOf('00000001-0000-0000-0000-000000000000')).toBe(1);
    expect(cookieOf('715aa823')).toBe(0x715aa823);
    expect(cookieHex('0000abcd-0000-0000-0000-000000000000')).toBe('0xabcd');
    expect(cookieOf('xyz')).toBeUndefined();
    expect(cookieOf('715aa8231')).toBeUndefined();
    expect(isUuid('fff98107-6b7d-4195-8363-e3a57ccb8ed7')).toBe(true);
    expect(isUuid('fff98107')).toBe(false);
  });
});

describe('SB Multicast_Group, MAC_Binding, Load_Balancer', () => {
  it('reads multicast groups, including a single port printed as a bare uuid', () => {
    const flood = one(mcGroups, (g) => g.name === '_MC_flood' && g.datapath === dpUuid('sw0'));
    expect(flood).toMatchObject({ tunnelKey: 32768 });
    expect(flood.ports).toHaveLength(4);
    const unknown = one(mcGroups, (g) => g.name === '_MC_unknown');
    expect(unknown.ports).toEqual([one(pbs, (p) => p.logicalPort === 'ln-public').uuid]);
  });

  it('reads learned MAC bindings', () => {
    expect(macBindings.map((m) => [m.logicalPort, m.ip, m.mac, m.datapath === dpUuid('lr0')]).sort()).toEqual([
      ['lr0-sw0', '10.0.0.50', '50:54:00:00:00:02', true],
      ['lr0-sw1', '10.0.1.11', '50:54:00:00:01:01', true],
    ]);
    expect(macBindings[0].timestamp).toBeGreaterThan(1_700_000_000_000);
  });

  it('reads the SB copy of a switch LB (routers-only LBs are not copied in 23.03)', () => {
    expect(sbLbs).toHaveLength(1);
    const lb = sbLbs[0];
    const nb = one(nbLbs, (l) => l.name === 'lb0');
    expect(lb).toMatchObject({ name: 'lb0', protocol: 'udp', datapaths: [], nbUuid: nb.uuid });
    expect(lb.vips).toEqual({ '10.0.0.100:53': '10.0.0.12:53', '10.0.0.100:80': '10.0.0.12:8080,10.0.0.13:8080' });
    expect(byUuid(dpGroups).get(lb.datapathGroup!)?.datapaths).toEqual([dpUuid('sw0')]);
    expect(lb.options).toEqual({ hairpin_orig_tuple: 'true' });
  });
});

describe('NB rows', () => {
  it('reads switches and ports', () => {
    const sw0 = one(switches, (s) => s.name === 'sw0');
    expect(sw0.ports).toHaveLength(4);
    expect(sw0.loadBalancer).toEqual([one(nbLbs, (l) => l.name === 'lb0').uuid]);
    expect(sw0.otherConfig).toEqual({ mcast_snoop: 'true' });
    expect(one(switches, (s) => s.name === 'sw1').acls).toHaveLength(1);
    const p1 = one(lsps, (p) => p.name === 'sw0-p1');
    expect(p1).toMatchObject({ type: '', addresses: ['50:54:00:00:00:01 10.0.0.11'], portSecurity: ['50:54:00:00:00:01 10.0.0.11'], up: true, enabled: undefined, tag: undefined, parentName: undefined });
    expect(p1.externalIds['neutron:port_name']).toBe('vm1-port');
    expect(one(lsps, (p) => p.name === 'sw0-lr0')).toMatchObject({ type: 'router', addresses: ['router'], options: { 'router-port': 'lr0-sw0' } });
  });

  it('reads routers and router ports', () => {
    const lr0 = one(routers, (r) => r.name === 'lr0');
    expect(lr0.ports).toHaveLength(3);
    expect(lr0.nat).toHaveLength(2);
    expect(lr0.staticRoutes).toHaveLength(3);
    expect(lr0.loadBalancer).toHaveLength(2);
    expect(one(lrps, (p) => p.name === 'lr0-public')).toMatchObject({ mac: '00:00:20:20:12:13', networks: ['172.16.0.1/24'], gatewayMtu: 1442, peer: undefined });
    expect(one(lrps, (p) => p.name === 'lr0-public').gatewayChassis).toHaveLength(1);
    expect(one(lrps, (p) => p.name === 'lr1-public').gatewayChassis).toHaveLength(2);
    expect(one(lrps, (p) => p.name === 'lr0-sw1')).toMatchObject({ networks: ['10.0.1.1/24', 'fd00:1::1/64'], gatewayMtu: undefined });
  });

  it('reads ACLs with name, direction, priority, match, action, label, log, meter', () => {
    expect(one(acls, (a) => a.priority === 1001)).toMatchObject({
      name: 'allow_web',
      direction: 'to-lport',
      match: 'outport == @pg_web && ip4.src == $as_clients && tcp.dst == 80',
      action: 'allow-related',
      label: 0,
      log: true,
      meter: 'acl-meter',
      severity: 'info',
      tier: undefined, // no tier column before OVN 23.06
    });
    expect(one(acls, (a) => a.priority === 1000)).toMatchObject({ name: undefined, action: 'drop', log: true, meter: undefined, severity: undefined });
    expect(one(acls, (a) => a.priority === 900)).toMatchObject({ direction: 'from-lport', action: 'allow', label: 1234, log: false });
  });

  it('reads port groups and address sets (a one-address set is printed as a bare string)', () => {
    const pg = one(pgs, (p) => p.name === 'pg_web');
    expect([...pg.ports].sort()).toEqual([one(lsps, (p) => p.name === 'sw0-p2').uuid, one(lsps, (p) => p.name === 'sw0-p3').uuid].sort());
    expect([...pg.acls].sort()).toEqual(acls.filter((a) => a.match.includes('@pg_web')).map((a) => a.uuid).sort());
    expect(one(addressSets, (a) => a.name === 'as_clients').addresses).toEqual(['10.0.0.11', '10.0.1.0/24']);
    expect(one(addressSets, (a) => a.name === 'as_single').addresses).toEqual(['10.0.9.9']);
  });

  it('reads load balancers', () => {
    expect(one(nbLbs, (l) => l.name === 'lb1')).toMatchObject({ protocol: 'tcp', vips: { '172.16.0.120': '10.0.0.12,10.0.1.11' }, selectionFields: [], healthCheck: [] });
    // lb-add with a different protocol on an existing LB switched the whole LB to udp
    expect(one(nbLbs, (l) => l.name === 'lb0').protocol).toBe('udp');
  });

  it('reads load balancer groups: two members, none, and one printed as a bare uuid', () => {
    // Captured from a scratch NB of its own (see the fixtures README): the sandbox topology has no groups.
    expect(lbGroups.map((g) => [g.name, g.loadBalancer.length])).toEqual([
      ['clusterLBGroup', 2],
      ['clusterSwitchLBGroup', 0],
      ['webLBGroup', 1],
    ]);
    const cluster = one(lbGroups, (g) => g.name === 'clusterLBGroup');
    expect(cluster.uuid).toBe('d0ca5d29-88fc-4996-9c1a-c7668a1ef716');
    expect([...cluster.loadBalancer].sort()).toEqual(['6ade20d1-5e52-4e20-bccf-b7be7a0816c2', 'ee66ae9e-0e30-4932-9a2d-7bee97e365a7']);
    expect(one(lbGroups, (g) => g.name === 'webLBGroup').loadBalancer).toEqual(['6ade20d1-5e52-4e20-bccf-b7be7a0816c2']);
  });

  it('reads NAT rules', () => {
    expect(one(nats, (n) => n.type === 'dnat_and_snat')).toMatchObject({ externalIp: '172.16.0.110', logicalIp: '10.0.0.11', logicalPort: 'sw0-p1', externalMac: '30:54:00:00:00:03', externalPortRange: undefined, gatewayPort: undefined, options: { stateless: 'false' } });
    expect(one(nats, (n) => n.type === 'snat')).toMatchObject({ externalIp: '172.16.0.1', logicalIp: '10.0.0.0/24', logicalPort: undefined, externalMac: undefined });
  });

  it('reads static routes', () => {
    expect(one(routes, (r) => r.ipPrefix === '0.0.0.0/0')).toMatchObject({ nexthop: '172.16.0.254', outputPort: undefined, policy: undefined, routeTable: undefined, bfd: undefined });
    expect(one(routes, (r) => r.ipPrefix === '192.168.50.0/24')).toMatchObject({ nexthop: '10.0.1.50', outputPort: 'lr0-sw1' });
    expect(one(routes, (r) => r.ipPrefix === '10.0.0.0/24')).toMatchObject({ policy: 'src-ip', nexthop: '172.16.0.253' });
  });

  it('reads an ACL from a later OVN with a tier column and a pass action', () => {
    const t = JSON.stringify({ data: [[['uuid', '715aa823-91c5-46ea-aaae-ab8cacb342f0'], 'pass', 'from-lport', 100, 'ip4', 2]], headings: ['_uuid', 'action', 'direction', 'priority', 'match', 'tier'] });
    expect(parseOvsdbRows(t, toNbAcls).value[0]).toMatchObject({ action: 'pass', tier: 2, name: undefined, label: undefined });
  });
});
