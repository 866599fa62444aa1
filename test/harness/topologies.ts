// Named topologies for the live sandbox and for fixture regeneration. Each is a function
// returning a fresh description. Addresses are private/documentation ranges (10.x, 172.16.x,
// 192.168.x, 2001:db8::/32) and exist only as database contents — no traffic is ever sent.
//
// MAC scheme: 0a:00:<topology>:<switch>:00:<host>; router ports 0a:00:<topology>:ff:<switch>:01.

import type { AclSpec, SwitchPortSpec, Topology } from './topology.js';

/** A VM/pod port with one static "MAC IP [IP6]" address bound to `chassis`. */
function vif(name: string, address: string, chassis: string, extra: Partial<SwitchPortSpec> = {}): SwitchPortSpec {
  const { bind, ...rest } = extra;
  return { name, addresses: [address], ...rest, bind: { chassis, ...bind } };
}

/** The switch side of a switch↔router patch. */
function routerLink(name: string, routerPort: string): SwitchPortSpec {
  return { name, type: 'router', routerPort, addresses: ['router'] };
}

function localnet(name: string, networkName: string): SwitchPortSpec {
  return { name, type: 'localnet', networkName, addresses: ['unknown'] };
}

/** The usual stateful pattern for a port group: egress allowed, ingress allowlist, default drop. */
function pgStateful(pg: string, allow: Array<{ name: string; match: string }>): AclSpec[] {
  return [
    { direction: 'from-lport', priority: 1001, match: `inport == @${pg} && ip4`, action: 'allow-related', name: `${pg}-egress` },
    ...allow.map((a) => ({ direction: 'to-lport' as const, priority: 1001, match: `outport == @${pg} && ip4 && ${a.match}`, action: 'allow-related' as const, name: a.name })),
    { direction: 'to-lport', priority: 1000, match: `outport == @${pg} && ip4`, action: 'drop', name: `${pg}-default-drop` },
  ];
}

/** l2 — one switch, three ports on two chassis (2 on hv1, 1 on hv2). */
export function l2(): Topology {
  return {
    name: 'l2',
    description: 'one switch sw0 (10.0.0.0/24), sw0-p1 and sw0-p2 on hv1, sw0-p3 on hv2',
    chassis: [{ name: 'hv1' }, { name: 'hv2' }],
    switches: [
      {
        name: 'sw0',
        subnet: '10.0.0.0/24',
        externalIds: { 'neutron:network_name': 'net0' },
        ports: [
          vif('sw0-p1', '0a:00:00:00:00:11 10.0.0.11', 'hv1', { externalIds: { 'neutron:port_name': 'vm1-port', 'neutron:device_id': 'vm1' } }),
          vif('sw0-p2', '0a:00:00:00:00:12 10.0.0.12', 'hv1', { externalIds: { 'neutron:port_name': 'vm2-port', 'neutron:device_id': 'vm2' } }),
          vif('sw0-p3', '0a:00:00:00:00:13 10.0.0.13', 'hv2', { externalIds: { 'neutron:port_name': 'vm3-port', 'neutron:device_id': 'vm3' } }),
        ],
      },
    ],
  };
}

/**
 * l3-acl — the fixture "2-chassis L2+L3+ACL": switches web and db behind the distributed router
 * lr0; stateful port-group ACLs (allow-related + default drop) using address sets, and a reject
 * ACL on the web switch itself.
 */
export function l3Acl(): Topology {
  const neutron = (port: string, device: string) => ({ 'neutron:port_name': port, 'neutron:device_id': device, 'neutron:device_owner': 'compute:nova' });
  return {
    name: 'l3-acl',
    description: 'web (10.1.1.0/24: web1,web2@hv1 web3@hv2) and db (10.1.2.0/24: db1@hv2 db2@hv1) routed by lr0; ACLs on pg_web/pg_db with as_web/as_admin',
    chassis: [{ name: 'hv1' }, { name: 'hv2' }],
    switches: [
      {
        name: 'web',
        subnet: '10.1.1.0/24',
        externalIds: { 'neutron:network_name': 'web-net' },
        ports: [
          vif('web1', '0a:00:01:01:00:11 10.1.1.11', 'hv1', { bind: { chassis: 'hv1', iface: 'tapweb1' }, portSecurity: ['0a:00:01:01:00:11 10.1.1.11'], externalIds: neutron('web-vm-1-port', 'web-vm-1') }),
          vif('web2', '0a:00:01:01:00:12 10.1.1.12', 'hv1', { bind: { chassis: 'hv1', iface: 'tapweb2' }, portSecurity: ['0a:00:01:01:00:12 10.1.1.12'], externalIds: neutron('web-vm-2-port', 'web-vm-2') }),
          vif('web3', '0a:00:01:01:00:13 10.1.1.13', 'hv2', { bind: { chassis: 'hv2', iface: 'tapweb3' }, portSecurity: ['0a:00:01:01:00:13 10.1.1.13'], externalIds: neutron('web-vm-3-port', 'web-vm-3') }),
          routerLink('web-lr0', 'lr0-web'),
        ],
        acls: [
          { direction: 'from-lport', priority: 1002, match: 'inport == "web3" && ip4.dst == 10.1.2.0/24 && udp', action: 'reject', name: 'web3-no-udp-to-db' },
        ],
      },
      {
        name: 'db',
        subnet: '10.1.2.0/24',
        externalIds: { 'neutron:network_name': 'db-net' },
        ports: [
          vif('db1', '0a:00:01:02:00:11 10.1.2.11', 'hv2', { bind: { chassis: 'hv2', iface: 'tapdb1' }, portSecurity: ['0a:00:01:02:00:11 10.1.2.11'], externalIds: neutron('db-vm-1-port', 'db-vm-1') }),
          vif('db2', '0a:00:01:02:00:12 10.1.2.12', 'hv1', { bind: { chassis: 'hv1', iface: 'tapdb2' }, portSecurity: ['0a:00:01:02:00:12 10.1.2.12'], externalIds: neutron('db-vm-2-port', 'db-vm-2') }),
          routerLink('db-lr0', 'lr0-db'),
        ],
      },
    ],
    routers: [
      {
        name: 'lr0',
        externalIds: { 'neutron:router_name': 'router0' },
        ports: [
          { name: 'lr0-web', mac: '0a:00:01:ff:01:01', networks: ['10.1.1.1/24'] },
          { name: 'lr0-db', mac: '0a:00:01:ff:02:01', networks: ['10.1.2.1/24'] },
        ],
      },
    ],
    addressSets: [
      { name: 'as_web', addresses: ['10.1.1.11', '10.1.1.12', '10.1.1.13'] },
      { name: 'as_admin', addresses: ['172.16.10.0/24'] },
    ],
    portGroups: [
      { name: 'pg_web', ports: ['web1', 'web2', 'web3'], acls: pgStateful('pg_web', [{ name: 'web-ingress-http', match: 'tcp.dst == {80, 443}' }]) },
      {
        name: 'pg_db',
        ports: ['db1', 'db2'],
        acls: pgStateful('pg_db', [
          { name: 'web-to-db', match: 'ip4.src == $as_web && tcp.dst == 5432' },
          { name: 'admin-ssh', match: 'ip4.src == $as_admin && tcp.dst == 22' },
        ]),
      },
    ],
  };
}

/**
 * lb-nat-3chassis — the fixture "3-chassis with a load balancer, SNAT/DNAT on a gateway port and
 * port groups/address sets": tenant-a on hv1, tenant-b on hv2, distributed router lr0 whose
 * gateway port lr0-ext lives on hv3 (localnet physnet1 → br-ex), load balancers, NAT, PG ACLs.
 */
export function lbNat3Chassis(): Topology {
  const pod = (ns: string) => ({ pod: 'true', namespace: ns });
  return {
    name: 'lb-nat-3chassis',
    description:
      'tenant-a (10.2.1.0/24: a1,a2@hv1), tenant-b (10.2.2.0/24: b1,b2@hv2), lr0 with gateway port lr0-ext (172.16.0.10/24) on hv3 + localnet physnet1; lb-web 10.2.0.100:80 → b1,b2:8080; lb-ext 172.16.0.100:80 → a1,a2:80; SNAT/DNAT/dnat_and_snat',
    chassis: [{ name: 'hv1' }, { name: 'hv2' }, { name: 'hv3', bridgeMappings: { physnet1: 'br-ex' } }],
    switches: [
      {
        name: 'tenant-a',
        subnet: '10.2.1.0/24',
        ports: [
          vif('a1', '0a:00:02:01:00:11 10.2.1.11', 'hv1', { externalIds: pod('team-a') }),
          vif('a2', '0a:00:02:01:00:12 10.2.1.12', 'hv1', { externalIds: pod('team-a') }),
          routerLink('a-lr0', 'lr0-a'),
        ],
      },
      {
        name: 'tenant-b',
        subnet: '10.2.2.0/24',
        ports: [
          vif('b1', '0a:00:02:02:00:11 10.2.2.11', 'hv2', { externalIds: pod('team-b') }),
          vif('b2', '0a:00:02:02:00:12 10.2.2.12', 'hv2', { externalIds: pod('team-b') }),
          routerLink('b-lr0', 'lr0-b'),
        ],
      },
      {
        name: 'ext',
        ports: [routerLink('ext-lr0', 'lr0-ext'), localnet('ext-localnet', 'physnet1')],
      },
    ],
    routers: [
      {
        name: 'lr0',
        ports: [
          { name: 'lr0-a', mac: '0a:00:02:ff:01:01', networks: ['10.2.1.1/24'] },
          { name: 'lr0-b', mac: '0a:00:02:ff:02:01', networks: ['10.2.2.1/24'] },
          { name: 'lr0-ext', mac: '0a:00:02:ff:00:01', networks: ['172.16.0.10/24'], gatewayChassis: ['hv3'] },
        ],
        staticRoutes: [{ prefix: '0.0.0.0/0', nexthop: '172.16.0.1' }],
        nat: [
          { type: 'snat', externalIp: '172.16.0.10', logicalIp: '10.2.0.0/16' },
          { type: 'dnat', externalIp: '172.16.0.20', logicalIp: '10.2.1.11' },
          { type: 'dnat_and_snat', externalIp: '172.16.0.21', logicalIp: '10.2.2.11', logicalPort: 'b1', externalMac: '0a:00:02:ee:00:21' },
        ],
      },
    ],
    loadBalancers: [
      { name: 'lb-web', protocol: 'tcp', vips: { '10.2.0.100:80': ['10.2.2.11:8080', '10.2.2.12:8080'] }, switches: ['tenant-a'], routers: ['lr0'] },
      { name: 'lb-ext', protocol: 'tcp', vips: { '172.16.0.100:80': ['10.2.1.11:80', '10.2.1.12:80'] }, routers: ['lr0'] },
    ],
    addressSets: [
      { name: 'as_tenant_a', addresses: ['10.2.1.11', '10.2.1.12'] },
      { name: 'as_tenant_b', addresses: ['10.2.2.11', '10.2.2.12'] },
      { name: 'as_external', addresses: ['172.16.0.0/24'] },
    ],
    portGroups: [
      {
        name: 'pg_tenant_a',
        ports: ['a1', 'a2'],
        acls: pgStateful('pg_tenant_a', [{ name: 'a-http', match: 'tcp.dst == 80' }]),
      },
      {
        name: 'pg_tenant_b',
        ports: ['b1', 'b2'],
        acls: pgStateful('pg_tenant_b', [
          { name: 'a-to-b-8080', match: 'ip4.src == $as_tenant_a && tcp.dst == 8080' },
          { name: 'external-to-b-ssh', match: 'ip4.src == $as_external && tcp.dst == 22' },
        ]),
      },
    ],
  };
}

/** port-security — MAC+IP, MAC only, an extra address pair, a CIDR, and no port security. */
export function portSecurity(): Topology {
  return {
    name: 'port-security',
    description: 'switch ps (10.3.0.0/24): ps1,ps2,ps5@hv1 ps3,ps4@hv2 with different port_security',
    chassis: [{ name: 'hv1' }, { name: 'hv2' }],
    switches: [
      {
        name: 'ps',
        subnet: '10.3.0.0/24',
        ports: [
          vif('ps1', '0a:00:03:00:00:11 10.3.0.11', 'hv1', { portSecurity: ['0a:00:03:00:00:11 10.3.0.11'] }),
          vif('ps2', '0a:00:03:00:00:12 10.3.0.12', 'hv1', { portSecurity: ['0a:00:03:00:00:12'] }),
          vif('ps3', '0a:00:03:00:00:13 10.3.0.13 2001:db8:3::13', 'hv2', {
            portSecurity: ['0a:00:03:00:00:13 10.3.0.13 2001:db8:3::13', '0a:00:03:00:00:99 10.3.0.99'],
          }),
          vif('ps4', '0a:00:03:00:00:14 10.3.0.14', 'hv2'),
          vif('ps5', '0a:00:03:00:00:15 10.3.0.15', 'hv1', { portSecurity: ['0a:00:03:00:00:15 10.3.0.0/24'] }),
        ],
      },
    ],
  };
}

/** dhcp-arp — DHCPv4 options (mtu, router, lease_time, server_id, server_mac) and dynamic/unknown addresses. */
export function dhcpArp(): Topology {
  return {
    name: 'dhcp-arp',
    description: 'switch dhcp-net (10.4.0.0/24, exclude .1-.20): d1,d2,d3@hv1 d4,d5@hv2; dynamic and unknown addresses; router lr4 at 10.4.0.1',
    chassis: [{ name: 'hv1' }, { name: 'hv2' }],
    // Fixed prefix: dynamic MACs are then the same on every run (northd picks a random one).
    nbGlobalOptions: { mac_prefix: '0a:00:44' },
    dhcpOptions: [
      {
        name: 'dhcp-net-v4',
        cidr: '10.4.0.0/24',
        options: {
          lease_time: '3600',
          router: '10.4.0.1',
          server_id: '10.4.0.1',
          server_mac: '0a:00:04:ff:00:01',
          mtu: '1442',
          dns_server: '{10.4.0.2}',
        },
      },
    ],
    switches: [
      {
        name: 'dhcp-net',
        subnet: '10.4.0.0/24',
        excludeIps: '10.4.0.1..10.4.0.20',
        ports: [
          vif('d1', '0a:00:04:00:00:11 10.4.0.11', 'hv1', { dhcpv4Options: 'dhcp-net-v4' }),
          { name: 'd2', addresses: ['dynamic'], dhcpv4Options: 'dhcp-net-v4', bind: { chassis: 'hv1' } },
          { name: 'd3', addresses: ['0a:00:04:00:00:13 dynamic'], dhcpv4Options: 'dhcp-net-v4', bind: { chassis: 'hv1' } },
          { name: 'd4', addresses: ['0a:00:04:00:00:14 10.4.0.14', 'unknown'], bind: { chassis: 'hv2' } },
          { name: 'd5', addresses: ['unknown'], bind: { chassis: 'hv2' } },
          routerLink('dhcp-lr4', 'lr4-dhcp'),
        ],
      },
    ],
    routers: [{ name: 'lr4', ports: [{ name: 'lr4-dhcp', mac: '0a:00:04:ff:00:01', networks: ['10.4.0.1/24'] }] }],
  };
}

/** ipv6 — dual-stack switches behind a dual-stack router with RA configs, DHCPv6 and v6 routes/ACLs. */
export function ipv6(): Topology {
  return {
    name: 'ipv6',
    description: 'v6-a (10.5.0.0/24 + 2001:db8:5::/64: v6a1,v6a2@hv1 v6a3,v6a4@hv2) and v6-b (10.5.1.0/24 + 2001:db8:5:1::/64: v6b1@hv2) routed by lr6',
    chassis: [{ name: 'hv1' }, { name: 'hv2' }],
    nbGlobalOptions: { mac_prefix: '0a:00:55' },
    dhcpOptions: [{ name: 'v6-a-dhcpv6', cidr: '2001:db8:5::/64', options: { server_id: '0a:00:05:ff:00:01', dns_server: '{2001:db8:5::53}' } }],
    addressSets: [{ name: 'as_v6_admin', addresses: ['2001:db8:5::11', '2001:db8:5::12'] }],
    switches: [
      {
        name: 'v6-a',
        subnet: '10.5.0.0/24',
        ipv6Prefix: '2001:db8:5::',
        ports: [
          vif('v6a1', '0a:00:05:00:00:11 10.5.0.11 2001:db8:5::11', 'hv1'),
          vif('v6a2', '0a:00:05:00:00:12 10.5.0.12 2001:db8:5::12', 'hv1'),
          vif('v6a3', '0a:00:05:00:00:13 10.5.0.13 2001:db8:5::13', 'hv2', { dhcpv6Options: 'v6-a-dhcpv6' }),
          { name: 'v6a4', addresses: ['0a:00:05:00:00:14 dynamic'], bind: { chassis: 'hv2' } },
          routerLink('v6-a-lr6', 'lr6-a'),
        ],
        acls: [
          { direction: 'to-lport', priority: 1002, match: 'outport == "v6a3" && ip6 && ip6.src == $as_v6_admin && tcp.dst == 22', action: 'allow-related', name: 'v6-admin-ssh' },
          { direction: 'to-lport', priority: 1001, match: 'outport == "v6a3" && ip6 && tcp.dst == 22', action: 'drop', name: 'v6-ssh-drop' },
        ],
      },
      {
        name: 'v6-b',
        subnet: '10.5.1.0/24',
        ipv6Prefix: '2001:db8:5:1::',
        ports: [vif('v6b1', '0a:00:05:01:00:11 10.5.1.11 2001:db8:5:1::11', 'hv2'), routerLink('v6-b-lr6', 'lr6-b')],
      },
    ],
    routers: [
      {
        name: 'lr6',
        ports: [
          { name: 'lr6-a', mac: '0a:00:05:ff:00:01', networks: ['10.5.0.1/24', '2001:db8:5::1/64'], ipv6RaConfigs: { address_mode: 'dhcpv6_stateful', send_periodic: 'false' } },
          { name: 'lr6-b', mac: '0a:00:05:ff:01:01', networks: ['10.5.1.1/24', '2001:db8:5:1::1/64'], ipv6RaConfigs: { address_mode: 'slaac', send_periodic: 'false' } },
        ],
        staticRoutes: [
          { prefix: '2001:db8:55::/64', nexthop: '2001:db8:5:1::99' },
          { prefix: '10.55.0.0/16', nexthop: '10.5.1.99' },
        ],
      },
    ],
  };
}

/**
 * gateway-mtu — gateway_mtu on a distributed gateway port (lr-mtu-ext on hv2) and on a gateway
 * router port (gr1, options:chassis=hv2), both on the localnet mtu-ext; DHCP mtu option.
 */
export function gatewayMtu(): Topology {
  return {
    name: 'gateway-mtu',
    description:
      'mtu-in (10.6.0.0/24: m1,m2@hv1 m3@hv2) behind lr-mtu (DGP lr-mtu-ext 172.16.6.10/24 on hv2, gateway_mtu 1400); mtu-gr (10.6.1.0/24: g1@hv1) behind gateway router gr1@hv2 (gr1-ext 172.16.6.20/24, gateway_mtu 1300); localnet physnet1',
    chassis: [{ name: 'hv1' }, { name: 'hv2', bridgeMappings: { physnet1: 'br-ex' } }],
    dhcpOptions: [
      { name: 'mtu-in-v4', cidr: '10.6.0.0/24', options: { lease_time: '3600', router: '10.6.0.1', server_id: '10.6.0.1', server_mac: '0a:00:06:ff:00:01', mtu: '1400' } },
    ],
    switches: [
      {
        name: 'mtu-in',
        subnet: '10.6.0.0/24',
        ports: [
          vif('m1', '0a:00:06:00:00:11 10.6.0.11', 'hv1', { dhcpv4Options: 'mtu-in-v4' }),
          vif('m2', '0a:00:06:00:00:12 10.6.0.12', 'hv1', { dhcpv4Options: 'mtu-in-v4' }),
          vif('m3', '0a:00:06:00:00:13 10.6.0.13', 'hv2', { dhcpv4Options: 'mtu-in-v4' }),
          routerLink('mtu-in-lr', 'lr-mtu-in'),
        ],
      },
      {
        name: 'mtu-gr',
        subnet: '10.6.1.0/24',
        ports: [vif('g1', '0a:00:06:01:00:11 10.6.1.11', 'hv1'), routerLink('mtu-gr-gr1', 'gr1-in')],
      },
      {
        name: 'mtu-ext',
        ports: [routerLink('mtu-ext-lr', 'lr-mtu-ext'), routerLink('mtu-ext-gr1', 'gr1-ext'), localnet('mtu-ext-localnet', 'physnet1')],
      },
    ],
    routers: [
      {
        name: 'lr-mtu',
        ports: [
          { name: 'lr-mtu-in', mac: '0a:00:06:ff:00:01', networks: ['10.6.0.1/24'] },
          { name: 'lr-mtu-ext', mac: '0a:00:06:ff:ff:01', networks: ['172.16.6.10/24'], gatewayChassis: ['hv2'], gatewayMtu: 1400 },
        ],
        staticRoutes: [{ prefix: '0.0.0.0/0', nexthop: '172.16.6.1' }],
        nat: [{ type: 'snat', externalIp: '172.16.6.10', logicalIp: '10.6.0.0/24' }],
      },
      {
        name: 'gr1',
        chassis: 'hv2',
        ports: [
          { name: 'gr1-in', mac: '0a:00:06:ff:01:01', networks: ['10.6.1.1/24'] },
          { name: 'gr1-ext', mac: '0a:00:06:ff:ff:02', networks: ['172.16.6.20/24'], gatewayMtu: 1300 },
        ],
        staticRoutes: [{ prefix: '0.0.0.0/0', nexthop: '172.16.6.1' }],
        nat: [{ type: 'snat', externalIp: '172.16.6.20', logicalIp: '10.6.1.0/24' }],
      },
    ],
  };
}

/** Every named topology. */
export const topologies = {
  l2,
  'l3-acl': l3Acl,
  'lb-nat-3chassis': lbNat3Chassis,
  'port-security': portSecurity,
  'dhcp-arp': dhcpArp,
  ipv6,
  'gateway-mtu': gatewayMtu,
} as const satisfies Record<string, () => Topology>;

export type TopologyName = keyof typeof topologies;

export const topologyNames = Object.keys(topologies) as TopologyName[];

/** The named topology, or an Error listing the known names. */
export function getTopology(name: string): Topology {
  if (!(name in topologies)) throw new Error(`unknown topology ${JSON.stringify(name)}; known: ${topologyNames.join(', ')}`);
  return topologies[name as TopologyName]();
}
