// Neutron-shaped OVN topology (what neutron's OVN mech driver creates): the source of
// test/fixtures/neutron/neutron-1gw.tar.gz (see the README there for how it was collected).
//
// hv1, hv2: compute (bridge mappings physnet1:br-ex, for distributed FIPs); hv3: gateway (enable-chassis-as-gw).
// Gateway_Chassis on the router gateway port: hv3 prio 2; with --ha also hv2 prio 1 (L3 HA: compute chassis then
// reach the cr-lrp through bundle(active_backup) over BFD-monitored tunnels).
//
// net-a  neutron-aaaaaaaa-…  10.0.0.0/24 : vm1@hv1 (10.0.0.11, FIP 172.24.4.100 centralized),
//                                          vm2@hv2 (10.0.0.12), vmaap@hv1 (10.0.0.13 + AAP 10.0.0.100),
//                                          metadata localport 10.0.0.2, router iface 10.0.0.1
// net-b  neutron-bbbbbbbb-…  10.0.1.0/24 : vm3@hv2 (10.0.1.11, FIP 172.24.4.101 distributed),
//                                          vm4@hv1 (10.0.1.12, SG "db": only tcp/5432 from SG default via as_ip4_*),
//                                          metadata localport 10.0.1.2, router iface 10.0.1.1
// public neutron-eeeeeeee-…  172.24.4.0/24: localnet provnet-…(physnet1), router gw 172.24.4.10, upstream gw 172.24.4.1
// router neutron-rrrrrrrr…: SNAT 172.24.4.10 for both tenant subnets; default route via 172.24.4.1.
import type { AclSpec, SwitchPortSpec, Topology } from '../harness/topology.js';

export const U = {
  netA: 'aaaaaaaa-0000-4000-8000-00000000000a',
  netB: 'bbbbbbbb-0000-4000-8000-00000000000b',
  netP: 'eeeeeeee-0000-4000-8000-00000000000e',
  segP: '5e65e65e-0000-4000-8000-000000000005',
  router: 'cccccccc-0000-4000-8000-00000000000c',
  sgDefault: '11111111-2222-4333-8444-555555555555',
  sgDb: '66666666-7777-4888-8999-000000000000',
  // ports
  vm1: '10000001-0000-4000-8000-000000000001',
  vm2: '10000002-0000-4000-8000-000000000002',
  vmaap: '10000003-0000-4000-8000-000000000003',
  vm3: '10000004-0000-4000-8000-000000000004',
  vm4: '10000005-0000-4000-8000-000000000005',
  mdA: '20000001-0000-4000-8000-000000000001',
  mdB: '20000002-0000-4000-8000-000000000002',
  riA: '30000001-0000-4000-8000-000000000001',
  riB: '30000002-0000-4000-8000-000000000002',
  gw: '30000003-0000-4000-8000-000000000003',
  // instances (nova)
  inst1: 'd0000001-0000-4000-8000-0000000000a1',
  inst2: 'd0000002-0000-4000-8000-0000000000a2',
  inst3: 'd0000003-0000-4000-8000-0000000000a3',
  inst4: 'd0000004-0000-4000-8000-0000000000a4',
  inst5: 'd0000005-0000-4000-8000-0000000000a5',
  fip1: 'f1f1f1f1-0000-4000-8000-000000000001',
  fip2: 'f2f2f2f2-0000-4000-8000-000000000002',
};
export const LS = (n: string) => `neutron-${n}`;
export const pgName = (sg: string) => `pg_${sg.replace(/-/g, '_')}`;
const PG_DEF = pgName(U.sgDefault);
const PG_DB = pgName(U.sgDb);
const AS_DEF = `as_ip4_${U.sgDefault.replace(/-/g, '_')}`;
export const tap = (port: string) => `tap${port.slice(0, 11)}`;

function vm(port: string, mac: string, ip: string, net: string, inst: string, chassis: string, sgs: string[], extraPs: string[] = [], name = ''): SwitchPortSpec {
  return {
    name: port,
    addresses: [`${mac} ${ip}`],
    portSecurity: [`${mac} ${[ip, ...extraPs].join(' ')}`],
    externalIds: {
      'neutron:cidrs': `${ip}/24`,
      'neutron:device_id': inst,
      'neutron:device_owner': 'compute:nova',
      'neutron:network_name': LS(net),
      'neutron:port_name': name,
      'neutron:project_id': '0123456789abcdef0123456789abcdef',
      'neutron:revision_number': '4',
      'neutron:security_group_ids': sgs.join(' '),
    },
    dhcpv4Options: net === U.netA ? 'subnet-a' : 'subnet-b',
    bind: { chassis, iface: tap(port), externalIds: { 'attached-mac': mac, 'vm-uuid': inst, 'iface-status': 'active' } },
  };
}
function metadata(port: string, mac: string, ip: string, net: string): SwitchPortSpec {
  return {
    name: port,
    type: 'localport',
    addresses: [`${mac} ${ip}`],
    externalIds: { 'neutron:cidrs': `${ip}/24`, 'neutron:device_id': `ovnmeta-${net}`, 'neutron:device_owner': 'network:distributed', 'neutron:network_name': LS(net), 'neutron:port_name': '' },
  };
}
function routerIface(port: string, net: string, owner = 'network:router_interface'): SwitchPortSpec {
  return {
    name: port,
    type: 'router',
    routerPort: `lrp-${port}`,
    addresses: ['router'],
    externalIds: { 'neutron:device_id': U.router, 'neutron:device_owner': owner, 'neutron:network_name': LS(net), 'neutron:port_name': '' },
  };
}
const rid = (n: number) => ({ 'neutron:security_group_rule_id': `5e5e5e5e-0000-4000-8000-${String(n).padStart(12, '0')}` });
const sgAcls = (pg: string, ingress: Array<{ n: number; match: string }>): AclSpec[] => [
  { direction: 'from-lport', priority: 1002, match: `inport == @${pg} && ip4`, action: 'allow-related', externalIds: rid(ingress.length ? ingress[0]!.n + 100 : 999) },
  { direction: 'from-lport', priority: 1002, match: `inport == @${pg} && ip6`, action: 'allow-related', externalIds: rid(ingress.length ? ingress[0]!.n + 200 : 998) },
  ...ingress.map((r) => ({ direction: 'to-lport' as const, priority: 1002, match: `outport == @${pg} && ip4 && ${r.match}`, action: 'allow-related' as const, externalIds: rid(r.n) })),
];

/**
 * `ha`: hv3 priority 2 and hv2 priority 1 as Gateway_Chassis. `noGatewayChassis`: none, for a test
 * that configures the port itself (an HA_Chassis_Group, as Neutron and OVN-Kubernetes do).
 */
export function neutron(opts: { ha?: boolean; noGatewayChassis?: boolean } = {}): Topology {
  const net = (n: string, name: string, mtu: string) => ({ 'neutron:network_name': name, 'neutron:mtu': mtu, 'neutron:revision_number': '2', 'neutron:availability_zone_hints': '' });
  return {
    name: 'neutron',
    chassis: [
      { name: 'hv1', bridgeMappings: { physnet1: 'br-ex' } },
      { name: 'hv2', bridgeMappings: { physnet1: 'br-ex' } },
      { name: 'hv3', bridgeMappings: { physnet1: 'br-ex' }, externalIds: { 'ovn-cms-options': 'enable-chassis-as-gw' } },
    ],
    nbGlobalOptions: { mac_prefix: '0a:00:77' },
    switches: [
      {
        name: LS(U.netA),
        otherConfig: { mcast_snoop: 'false', mcast_flood_unregistered: 'false', vlan_passthru: 'false' },
        externalIds: net(U.netA, 'private-a', '1442'),
        ports: [
          vm(U.vm1, 'fa:16:3e:00:00:11', '10.0.0.11', U.netA, U.inst1, 'hv1', [U.sgDefault], [], 'web-1-port'),
          vm(U.vm2, 'fa:16:3e:00:00:12', '10.0.0.12', U.netA, U.inst2, 'hv2', [U.sgDefault]),
          vm(U.vmaap, 'fa:16:3e:00:00:13', '10.0.0.13', U.netA, U.inst3, 'hv1', [U.sgDefault], ['10.0.0.100']),
          metadata(U.mdA, 'fa:16:3e:00:00:02', '10.0.0.2', U.netA),
          routerIface(U.riA, U.netA),
        ],
      },
      {
        name: LS(U.netB),
        otherConfig: { mcast_snoop: 'false', mcast_flood_unregistered: 'false', vlan_passthru: 'false' },
        externalIds: net(U.netB, 'private-b', '1442'),
        ports: [
          vm(U.vm3, 'fa:16:3e:00:01:11', '10.0.1.11', U.netB, U.inst4, 'hv2', [U.sgDefault]),
          vm(U.vm4, 'fa:16:3e:00:01:12', '10.0.1.12', U.netB, U.inst5, 'hv1', [U.sgDb]),
          metadata(U.mdB, 'fa:16:3e:00:01:02', '10.0.1.2', U.netB),
          routerIface(U.riB, U.netB),
        ],
      },
      {
        name: LS(U.netP),
        externalIds: net(U.netP, 'public', '1500'),
        ports: [
          { name: `provnet-${U.segP}`, type: 'localnet', networkName: 'physnet1', addresses: ['unknown'], options: { mcast_flood: 'false', mcast_flood_reports: 'true' } },
          routerIface(U.gw, U.netP, 'network:router_gateway'),
        ],
      },
    ],
    routers: [
      {
        name: LS(U.router),
        options: { always_learn_from_arp_request: 'false', dynamic_neigh_routers: 'true', mac_binding_age_threshold: '0' },
        externalIds: { 'neutron:router_name': 'router1', 'neutron:gw_port_id': U.gw, 'neutron:revision_number': '5' },
        ports: [
          { name: `lrp-${U.riA}`, mac: 'fa:16:3e:ff:00:01', networks: ['10.0.0.1/24'], externalIds: { 'neutron:network_name': LS(U.netA), 'neutron:router_name': U.router } },
          { name: `lrp-${U.riB}`, mac: 'fa:16:3e:ff:01:01', networks: ['10.0.1.1/24'], externalIds: { 'neutron:network_name': LS(U.netB), 'neutron:router_name': U.router } },
          {
            name: `lrp-${U.gw}`, mac: 'fa:16:3e:ff:04:0a', networks: ['172.24.4.10/24'],
            gatewayChassis: opts.noGatewayChassis ? [] : opts.ha ? [{ chassis: 'hv3', priority: 2 }, { chassis: 'hv2', priority: 1 }] : [{ chassis: 'hv3', priority: 2 }],
            externalIds: { 'neutron:network_name': LS(U.netP), 'neutron:router_name': U.router, 'neutron:is_ext_gw': 'True' },
          },
        ],
        staticRoutes: [{ prefix: '0.0.0.0/0', nexthop: '172.24.4.1' }],
        nat: [
          { type: 'snat', externalIp: '172.24.4.10', logicalIp: '10.0.0.0/24' },
          { type: 'snat', externalIp: '172.24.4.10', logicalIp: '10.0.1.0/24' },
          // distributed FIP (logical_port + external_mac)
          { type: 'dnat_and_snat', externalIp: '172.24.4.101', logicalIp: '10.0.1.11', logicalPort: U.vm3, externalMac: 'fa:16:3e:aa:01:01' },
        ],
      },
    ],
    addressSets: [{ name: AS_DEF, addresses: ['10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.1.11'], externalIds: { 'neutron:security_group_id': U.sgDefault } }],
    portGroups: [
      {
        name: PG_DEF, ports: [U.vm1, U.vm2, U.vmaap, U.vm3], externalIds: { 'neutron:security_group_id': U.sgDefault },
        acls: sgAcls(PG_DEF, [
          { n: 1, match: `ip4.src == $${PG_DEF}_ip4` },          // remote group = self (port-group address set)
          { n: 2, match: 'icmp4' },                              // icmp from 0.0.0.0/0
          { n: 3, match: 'tcp && tcp.dst == 22' },               // ssh from 0.0.0.0/0
        ]),
      },
      {
        name: PG_DB, ports: [U.vm4], externalIds: { 'neutron:security_group_id': U.sgDb },
        acls: sgAcls(PG_DB, [{ n: 10, match: `ip4.src == $${AS_DEF} && tcp && tcp.dst == 5432` }]),
      },
      {
        name: 'neutron_pg_drop', ports: [U.vm1, U.vm2, U.vmaap, U.vm3, U.vm4],
        acls: [
          { direction: 'from-lport', priority: 1001, match: 'inport == @neutron_pg_drop && ip', action: 'drop' },
          { direction: 'to-lport', priority: 1001, match: 'outport == @neutron_pg_drop && ip', action: 'drop' },
        ],
      },
    ],
    dhcpOptions: [
      { name: 'subnet-a', cidr: '10.0.0.0/24', options: { lease_time: '43200', mtu: '1442', router: '10.0.0.1', server_id: '10.0.0.1', server_mac: 'fa:16:3e:dd:00:01', dns_server: '{10.0.0.2}', classless_static_route: '{169.254.169.254/32,10.0.0.2, 0.0.0.0/0,10.0.0.1}' } },
      { name: 'subnet-b', cidr: '10.0.1.0/24', options: { lease_time: '43200', mtu: '1442', router: '10.0.1.1', server_id: '10.0.1.1', server_mac: 'fa:16:3e:dd:01:01', dns_server: '{10.0.1.2}' } },
    ],
    nbctl: [
      // centralized FIP as Neutron writes it: logical_port set, no external_mac
      ['--', '--id=@n', 'create', 'NAT', 'type=dnat_and_snat', 'external_ip=172.24.4.100', 'logical_ip=10.0.0.11', `logical_port="${U.vm1}"`,
        `external_ids:"neutron:fip_id"="${U.fip1}"`, `external_ids:"neutron:fip_port_id"="${U.vm1}"`, `external_ids:"neutron:router_name"="${LS(U.router)}"`,
        '--', 'add', 'Logical_Router', LS(U.router), 'nat', '@n'],
    ],
  };
}
