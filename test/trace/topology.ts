// The 3-chassis sandbox of the cross-host trace suite: tenant switches spread over hv1, hv2 and
// hv3, a distributed router lr0 whose gateway port lr0-ext (gateway_mtu 1400) lives on hv3 with
// a localnet to br-ex (every chassis has the provider bridge), a second router lr1 without a default route, load balancers (with
// backends, without, with reject), SNAT/DNAT/distributed dnat_and_snat, stateful port-group
// ACLs, a reject ACL, stateless ACLs that drop replies, port security, and the names people type:
// Neutron port/device names, OVN-Kubernetes and Kube-OVN pods. Addresses exist only as database
// contents; no traffic is sent.

import type { Sandbox } from '../harness/sandbox.js';
import type { AclSpec, SwitchPortSpec, Topology } from '../harness/topology.js';

function vif(name: string, address: string, chassis: string, extra: Partial<SwitchPortSpec> = {}): SwitchPortSpec {
  const { bind, ...rest } = extra;
  return { name, addresses: [address], ...rest, bind: { chassis, ...bind } };
}

function routerLink(name: string, routerPort: string): SwitchPortSpec {
  return { name, type: 'router', routerPort, addresses: ['router'] };
}

function pgStateful(pg: string, allow: Array<{ name: string; match: string }>): AclSpec[] {
  return [
    { direction: 'from-lport', priority: 1001, match: `inport == @${pg} && ip4`, action: 'allow-related', name: `${pg}-egress` },
    ...allow.map((a) => ({ direction: 'to-lport' as const, priority: 1001, match: `outport == @${pg} && ip4 && ${a.match}`, action: 'allow-related' as const, name: a.name })),
    { direction: 'to-lport', priority: 1000, match: `outport == @${pg} && ip4`, action: 'drop', name: `${pg}-default-drop` },
  ];
}

export const NEXTHOP_MAC = '0a:00:00:00:ff:01';

export function crossHost3(): Topology {
  const pod = (ns: string) => ({ pod: 'true', namespace: ns });
  const neutron = (port: string, device: string) => ({ 'neutron:port_name': port, 'neutron:device_id': device, 'neutron:device_owner': 'compute:nova' });
  return {
    name: 'cross-host-3',
    description: 'tenant-a/b/c/d over hv1-hv3, lr0 (DGP lr0-ext on hv3, gateway_mtu 1400) + lr1 (no default route), LBs, NAT, ACLs',
    // Every chassis reaches the provider network (distributed floating IPs leave from their port's chassis).
    chassis: [{ name: 'hv1', bridgeMappings: { physnet1: 'br-ex' } }, { name: 'hv2', bridgeMappings: { physnet1: 'br-ex' } }, { name: 'hv3', bridgeMappings: { physnet1: 'br-ex' } }],
    switches: [
      {
        name: 'tenant-a',
        subnet: '10.2.1.0/24',
        ports: [
          vif('team-a_web-1', '0a:00:02:01:00:11 10.2.1.11', 'hv1', { externalIds: pod('team-a'), bind: { chassis: 'hv1', iface: 'vetha1' } }),
          vif('team-a_web-2', '0a:00:02:01:00:12 10.2.1.12', 'hv1', { externalIds: pod('team-a'), bind: { chassis: 'hv1', iface: 'vetha2' } }),
          vif('team-a_web-3', '0a:00:02:01:00:13 10.2.1.13', 'hv3', { externalIds: pod('team-a'), bind: { chassis: 'hv3', iface: 'vetha3' } }),
          routerLink('a-lr0', 'lr0-a'),
        ],
        acls: [{ direction: 'from-lport', priority: 1002, match: 'inport == "team-a_web-2" && udp', action: 'reject', name: 'web-2-no-udp' }],
      },
      {
        name: 'tenant-b',
        subnet: '10.2.2.0/24',
        externalIds: { 'neutron:network_name': 'db-net' },
        ports: [
          vif('b1', '0a:00:02:02:00:11 10.2.2.11', 'hv2', { externalIds: neutron('db-1-port', 'db-vm-1'), portSecurity: ['0a:00:02:02:00:11 10.2.2.11'], bind: { chassis: 'hv2', iface: 'tapb1' } }),
          vif('b2', '0a:00:02:02:00:12 10.2.2.12', 'hv2', { externalIds: neutron('db-2-port', 'db-vm-2'), portSecurity: ['0a:00:02:02:00:12 10.2.2.12'], bind: { chassis: 'hv2', iface: 'tapb2' } }),
          vif('b3', '0a:00:02:02:00:13 10.2.2.13', 'hv3', { externalIds: neutron('db-3-port', 'db-vm-3'), portSecurity: ['0a:00:02:02:00:13 10.2.2.13'], bind: { chassis: 'hv3', iface: 'tapb3' } }),
          routerLink('b-lr0', 'lr0-b'),
        ],
      },
      {
        name: 'tenant-c',
        subnet: '10.2.3.0/24',
        ports: [
          vif('web-x.team-c', '0a:00:02:03:00:11 10.2.3.11', 'hv1', { externalIds: { pod: 'team-c/web-x', vendor: 'kube-ovn' }, portSecurity: ['0a:00:02:03:00:11 10.2.3.11'], bind: { chassis: 'hv1', iface: 'c1_h' } }),
          vif('c2', '0a:00:02:03:00:12 10.2.3.12', 'hv2', { bind: { chassis: 'hv2', iface: 'c2_h' } }),
          routerLink('c-lr0', 'lr0-c'),
        ],
      },
      {
        name: 'tenant-d',
        subnet: '10.3.4.0/24',
        ports: [vif('d1', '0a:00:03:04:00:11 10.3.4.11', 'hv2'), vif('d2', '0a:00:03:04:00:12 10.3.4.12', 'hv3'), routerLink('d-lr1', 'lr1-d')],
      },
      {
        name: 'ext',
        ports: [routerLink('ext-lr0', 'lr0-ext'), { name: 'ext-localnet', type: 'localnet', networkName: 'physnet1', addresses: ['unknown'] }],
      },
    ],
    routers: [
      {
        name: 'lr0',
        ports: [
          { name: 'lr0-a', mac: '0a:00:02:ff:01:01', networks: ['10.2.1.1/24'] },
          { name: 'lr0-b', mac: '0a:00:02:ff:02:01', networks: ['10.2.2.1/24'] },
          { name: 'lr0-c', mac: '0a:00:02:ff:03:01', networks: ['10.2.3.1/24'] },
          { name: 'lr0-ext', mac: '0a:00:02:ff:00:01', networks: ['172.16.0.10/24'], gatewayChassis: ['hv3'], gatewayMtu: 1400 },
        ],
        staticRoutes: [{ prefix: '0.0.0.0/0', nexthop: '172.16.0.1' }],
        nat: [
          { type: 'snat', externalIp: '172.16.0.10', logicalIp: '10.2.0.0/16' },
          { type: 'dnat', externalIp: '172.16.0.20', logicalIp: '10.2.1.11' },
          { type: 'dnat_and_snat', externalIp: '172.16.0.21', logicalIp: '10.2.2.11', logicalPort: 'b1', externalMac: '0a:00:02:ee:00:21' },
        ],
      },
      {
        name: 'lr1',
        ports: [{ name: 'lr1-d', mac: '0a:00:03:ff:04:01', networks: ['10.3.4.1/24'] }],
      },
    ],
    loadBalancers: [
      { name: 'lb-web', protocol: 'tcp', vips: { '10.2.0.100:80': ['10.2.2.11:8080', '10.2.2.12:8080'] }, switches: ['tenant-a'], routers: ['lr0'] },
      { name: 'lb-ext', protocol: 'tcp', vips: { '172.16.0.100:80': ['10.2.1.11:80', '10.2.1.12:80'] }, routers: ['lr0'] },
      { name: 'lb-empty', protocol: 'tcp', vips: { '10.2.0.200:80': [] }, switches: ['tenant-a'], routers: ['lr0'] },
      { name: 'lb-rej', protocol: 'tcp', vips: { '10.2.0.201:80': [] }, routers: ['lr0'], options: { reject: 'true' } },
    ],
    addressSets: [
      { name: 'as_tenant_a', addresses: ['10.2.1.11', '10.2.1.12', '10.2.1.13'] },
      { name: 'as_external', addresses: ['172.16.0.0/24'] },
    ],
    portGroups: [
      { name: 'pg_tenant_a', ports: ['team-a_web-1', 'team-a_web-2', 'team-a_web-3'], acls: pgStateful('pg_tenant_a', [{ name: 'a-http', match: 'tcp.dst == 80' }]) },
      {
        name: 'pg_tenant_b',
        ports: ['b1', 'b2', 'b3'],
        acls: pgStateful('pg_tenant_b', [
          { name: 'a-to-b-8080', match: 'ip4.src == $as_tenant_a && tcp.dst == 8080' },
          { name: 'external-to-b-ssh', match: 'ip4.src == $as_external && tcp.dst == 22' },
        ]),
      },
      {
        // Stateless only: requests to port 80 are allowed, but nothing lets the replies out.
        name: 'pg_tenant_c',
        ports: ['web-x.team-c'],
        acls: [
          { direction: 'to-lport', priority: 1001, match: 'outport == @pg_tenant_c && ip4 && tcp.dst == 80', action: 'allow-stateless', name: 'c-http-in' },
          { direction: 'to-lport', priority: 1000, match: 'outport == @pg_tenant_c && ip4', action: 'drop', name: 'c-default-in' },
          { direction: 'from-lport', priority: 1001, match: 'inport == @pg_tenant_c && ip4 && tcp.dst == 5432', action: 'allow-stateless', name: 'c-db-out' },
          { direction: 'from-lport', priority: 1000, match: 'inport == @pg_tenant_c && ip4', action: 'drop', name: 'c-default-out' },
        ],
      },
    ],
  };
}

/**
 * The default route's next hop as ovn-controller would have learned it (a SB MAC_Binding, which
 * both the OpenFlow tables and ovn-trace use; ovn-trace 23.03 ignores Static_MAC_Binding).
 */
export async function learnNextHop(sb: Sandbox): Promise<void> {
  const dp = (await sb.sbctl('--bare', '--columns=_uuid', 'find', 'Datapath_Binding', 'external_ids:name=lr0')).trim();
  await sb.sbctl('create', 'MAC_Binding', 'logical_port=lr0-ext', 'ip=172.16.0.1', `mac="${NEXTHOP_MAC}"`, `datapath=${dp}`);
  await sb.sync();
}
