// formatFlowState must print exactly what ofproto/trace prints after "Flow:" for the same
// flow. Expected strings are verbatim from OVS 3.1 (`ovs-appctl ofproto/trace br-int '<flow>'`).

import { describe, expect, it } from 'vitest';
import { compileHost, formatFlowState, packetFromMicroflow, parseMicroflow } from '../../src/sim/index.js';
import { host } from './helpers.js';

const ch = compileHost(host({ name: 'br-int', flows: 'table=0, priority=0 actions=drop', ports: [{ ofport: 2, name: 'v6a1' }, { ofport: 3, name: 'a1' }, { ofport: 1, name: 'ovn-hv1-0', role: { kind: 'tunnel', tunnelType: 'geneve', remoteIp: '192.168.0.1' } }] }));
const br = ch.bridges.get('br-int')!;

function flowLine(f: string): string {
  const mf = parseMicroflow(f);
  if (!mf.ok) throw new Error(mf.error.message);
  const s = packetFromMicroflow(mf.value, br);
  if (!s.ok) throw new Error(s.error.message);
  return formatFlowState(s.value);
}

const CASES: [string, string][] = [
  [
    'in_port=a1,tcp,dl_src=0a:00:02:01:00:11,dl_dst=0a:00:02:ff:01:01,nw_src=10.2.1.11,nw_dst=10.2.0.100,nw_ttl=64,tp_src=33333,tp_dst=80',
    'tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:00:02:01:00:11,dl_dst=0a:00:02:ff:01:01,nw_src=10.2.1.11,nw_dst=10.2.0.100,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=33333,tp_dst=80,tcp_flags=0',
  ],
  [
    'in_port=a1,tcp,dl_src=0a:00:02:01:00:11,dl_dst=0a:00:02:ff:01:01,nw_src=10.2.1.11,nw_dst=10.2.0.100,nw_ttl=64,tp_src=33333,tp_dst=80,dp_hash=1',
    'dp_hash=0x1,tcp,in_port=3,vlan_tci=0x0000,dl_src=0a:00:02:01:00:11,dl_dst=0a:00:02:ff:01:01,nw_src=10.2.1.11,nw_dst=10.2.0.100,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,tp_src=33333,tp_dst=80,tcp_flags=0',
  ],
  [
    'in_port=ovn-hv1-0,tun_id=0x3,tun_src=192.168.0.1,tun_dst=192.168.0.2,tun_metadata0=0x10002,tcp,dl_src=0a:00:02:ff:02:01,dl_dst=0a:00:02:02:00:11,nw_src=10.2.1.11,nw_dst=10.2.2.11,nw_ttl=63,tp_src=33333,tp_dst=8080',
    'tcp,tun_src=192.168.0.1,tun_dst=192.168.0.2,tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=0,tun_ttl=0,tun_erspan_ver=0,gtpu_flags=0,gtpu_msgtype=0,tun_flags=0,tun_metadata0=0x10002,in_port=1,vlan_tci=0x0000,dl_src=0a:00:02:ff:02:01,dl_dst=0a:00:02:02:00:11,nw_src=10.2.1.11,nw_dst=10.2.2.11,nw_tos=0,nw_ecn=0,nw_ttl=63,nw_frag=no,tp_src=33333,tp_dst=8080,tcp_flags=0',
  ],
  [
    'icmp6,in_port=v6a1,dl_src=0a:00:05:00:00:11,dl_dst=33:33:ff:00:00:01,ipv6_src=2001:db8:5::11,ipv6_dst=ff02::1:ff00:1,nw_ttl=255,icmpv6_type=135,icmpv6_code=0,nd_target=2001:db8:5::1,nd_sll=0a:00:05:00:00:11',
    'icmp6,in_port=2,vlan_tci=0x0000,dl_src=0a:00:05:00:00:11,dl_dst=33:33:ff:00:00:01,ipv6_src=2001:db8:5::11,ipv6_dst=ff02::1:ff00:1,ipv6_label=0x00000,nw_tos=0,nw_ecn=0,nw_ttl=255,nw_frag=no,icmp_type=135,icmp_code=0,nd_target=2001:db8:5::1,nd_sll=0a:00:05:00:00:11,nd_tll=00:00:00:00:00:00',
  ],
  ['in_port=v6a1,dl_src=0a:00:05:00:00:11,dl_dst=ff:ff:ff:ff:ff:ff', 'in_port=2,vlan_tci=0x0000,dl_src=0a:00:05:00:00:11,dl_dst=ff:ff:ff:ff:ff:ff,dl_type=0x0000'],
  ['tcp', 'tcp,in_port=ANY,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=0.0.0.0,nw_dst=0.0.0.0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=0,tcp_flags=0'],
  [
    'in_port=v6a1,dl_vlan=10,ip,nw_src=1.2.3.4,nw_proto=47,nw_ttl=3',
    'ip,in_port=2,dl_vlan=10,dl_vlan_pcp=0,vlan_tci1=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=1.2.3.4,nw_dst=0.0.0.0,nw_proto=47,nw_tos=0,nw_ecn=0,nw_ttl=3,nw_frag=no',
  ],
  [
    'udp6,in_port=v6a1,ipv6_src=fe80::1,ipv6_dst=ff02::1:2,udp_src=546,udp_dst=547,ipv6_label=0x12345,nw_tos=4,nw_ecn=1',
    'udp6,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,ipv6_src=fe80::1,ipv6_dst=ff02::1:2,ipv6_label=0x12345,nw_tos=4,nw_ecn=1,nw_ttl=0,nw_frag=no,tp_src=546,tp_dst=547',
  ],
  ['icmp,in_port=LOCAL,nw_frag=later,icmp_type=3', 'icmp,in_port=LOCAL,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=0.0.0.0,nw_dst=0.0.0.0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=later'],
  [
    'in_port=v6a1,tcp,tcp_flags=syn,pkt_mark=5,skb_priority=3,ct_mark=2,ct_label=0x10,ct_state=trk|est,ct_zone=9,ct_nw_proto=6,ct_nw_src=1.1.1.1,ct_nw_dst=2.2.2.2,ct_tp_src=1,ct_tp_dst=2',
    'pkt_mark=0x5,skb_priority=0x3,ct_state=est|trk,ct_zone=9,ct_mark=0x2,ct_label=0x10,ct_nw_src=1.1.1.1,ct_nw_dst=2.2.2.2,ct_nw_proto=6,ct_tp_src=1,ct_tp_dst=2,tcp,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=0.0.0.0,nw_dst=0.0.0.0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no,tp_src=0,tp_dst=0,tcp_flags=syn',
  ],
  [
    'arp,in_port=v6a1,arp_op=1,tun_id=0x5',
    'arp,tun_id=0x5,in_port=2,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,arp_spa=0.0.0.0,arp_tpa=0.0.0.0,arp_op=1,arp_sha=00:00:00:00:00:00,arp_tha=00:00:00:00:00:00',
  ],
  [
    'ipv6,ct_state=trk|new,ct_nw_proto=17,ct_ipv6_src=::1,ct_ipv6_dst=::2',
    'ct_state=new|trk,ct_ipv6_src=::1,ct_ipv6_dst=::2,ct_nw_proto=17,ct_tp_src=0,ct_tp_dst=0,ipv6,in_port=ANY,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,ipv6_src=::,ipv6_dst=::,ipv6_label=0x00000,nw_proto=0,nw_tos=0,nw_ecn=0,nw_ttl=0,nw_frag=no',
  ],
];

describe('formatFlowState (ofproto/trace "Flow:" / "Final flow:")', () => {
  it.each(CASES)('%s', (f, expected) => {
    expect(flowLine(f)).toBe(expected);
  });
});
