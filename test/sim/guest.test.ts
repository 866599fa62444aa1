import { describe, expect, it } from 'vitest';
import { flowFromState } from '../../src/sim/guest.js';
import { compileBridge } from '../../src/sim/compile.js';
import { formatFlowState, packetFromMicroflow, parseMicroflow, type PacketState } from '../../src/sim/index.js';

const bridge = compileBridge({ name: 'br-int', flows: [], groups: [], ports: [{ ofport: 1, name: 'ovn-hv1-0', role: { kind: 'tunnel', tunnelType: 'geneve', remoteIp: '192.168.0.1' } }, { ofport: 2, name: 'tap1', role: { kind: 'local' } }] });

function pkt(flow: string): PacketState {
  const mf = parseMicroflow(flow);
  if (!mf.ok) throw new Error(mf.error.message);
  const s = packetFromMicroflow(mf.value, bridge);
  if (!s.ok) throw new Error(s.error.message);
  return s.value;
}

/** Header part of the Final-flow text (what a tunnel carries). */
function headers(s: PacketState): string {
  return formatFlowState(s).replace(/^.*?in_port=\d+,/, '');
}

describe('flowFromState: the packet on the far side of a tunnel', () => {
  const cases = [
    'in_port=2,tcp,dl_src=0a:00:00:00:00:01,dl_dst=0a:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=63,nw_tos=32,tcp_src=40000,tcp_dst=80',
    'in_port=2,udp6,dl_src=0a:00:00:00:00:01,dl_dst=0a:00:00:00:00:02,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,nw_ttl=7,udp_src=546,udp_dst=547',
    'in_port=2,icmp,dl_src=0a:00:00:00:00:01,dl_dst=0a:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,icmp_type=3,icmp_code=4',
    'in_port=2,icmp6,dl_src=0a:00:00:00:00:01,dl_dst=33:33:ff:00:00:02,ipv6_src=2001:db8::1,ipv6_dst=ff02::1:ff00:2,nw_ttl=255,icmpv6_type=135,icmpv6_code=0,nd_target=2001:db8::2,nd_sll=0a:00:00:00:00:01',
    'in_port=2,arp,dl_src=0a:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.2,arp_sha=0a:00:00:00:00:01',
    'in_port=2,dl_vlan=12,dl_src=0a:00:00:00:00:01,dl_dst=0a:00:00:00:00:02,dl_type=0x88cc',
  ];
  it.each(cases)('keeps every header of %s and adds the tunnel metadata', (flow) => {
    const s = pkt(flow);
    const text = flowFromState(s, { inPort: 'ovn-hv1-0', tunnel: { tunId: '0x2', tunSrc: '192.168.0.1', tunDst: '192.168.0.2', metadata0: '0x10003' } });
    expect(text.startsWith('in_port="ovn-hv1-0",tun_id=0x2,tun_src=192.168.0.1,tun_dst=192.168.0.2,tun_metadata0=0x10003,')).toBe(true);
    const back = pkt(text);
    expect(headers(back).replace(/^tun_id=.*?tun_metadata0=0x10003,/, '')).toBe(headers(s));
  });

  it('the reply swaps MACs, addresses and ports, answers echo requests and ARP requests', () => {
    expect(flowFromState(pkt(cases[0]!), { inPort: 'tap1', reply: true, ttl: 64 })).toBe('in_port=tap1,tcp,dl_src=0a:00:00:00:00:02,dl_dst=0a:00:00:00:00:01,nw_src=10.0.0.2,nw_dst=10.0.0.1,nw_tos=32,nw_ttl=64,tcp_src=80,tcp_dst=40000');
    const echo = 'in_port=2,icmp,dl_src=0a:00:00:00:00:01,dl_dst=0a:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,icmp_type=8,icmp_code=0';
    expect(flowFromState(pkt(echo), { inPort: 'tap1', reply: true })).toMatch(/,icmp_type=0,icmp_code=0$/);
    expect(flowFromState(pkt(cases[4]!), { inPort: 'tap1', reply: true, replyMac: '0a:00:00:00:00:02' })).toBe('in_port=tap1,arp,dl_src=0a:00:00:00:00:02,dl_dst=0a:00:00:00:00:01,arp_op=2,arp_spa=10.0.0.2,arp_tpa=10.0.0.1,arp_sha=0a:00:00:00:00:02,arp_tha=0a:00:00:00:00:01');
  });
});
