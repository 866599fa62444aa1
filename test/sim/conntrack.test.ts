import { describe, expect, it } from 'vitest';
import type { NatSpec } from '../../src/model/flow.js';
import { ConntrackTable, CS_EST, CS_EST_RPL, CS_NEW } from '../../src/sim/conntrack.js';
import { packetFromMicroflow, parseMicroflow, type PacketState } from '../../src/sim/index.js';
import { compileBridge } from '../../src/sim/compile.js';

const bridge = compileBridge({ name: 'br-int', flows: [], groups: [], ports: [] });

function pkt(flow: string): PacketState {
  const mf = parseMicroflow(flow);
  if (!mf.ok) throw new Error(mf.error.message);
  const s = packetFromMicroflow(mf.value, bridge);
  if (!s.ok) throw new Error(s.error.message);
  return s.value;
}

describe('conntrack model', () => {
  const req = pkt('tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,tcp_src=40000,tcp_dst=80');
  const rep = pkt('tcp,nw_src=10.0.0.2,nw_dst=10.0.0.1,tcp_src=80,tcp_dst=40000');

  it('new until committed; then est in the original direction and est+rpl for the reply, per zone', () => {
    const t = new ConntrackTable();
    expect(t.lookup(5, req)).toBe(CS_NEW);
    t.commit(5, req, null);
    expect(t.lookup(5, req)).toBe(CS_EST);
    expect(t.lookup(5, rep)).toBe(CS_EST_RPL);
    expect(t.lookup(6, rep)).toBe(CS_NEW);
    expect(t.lookup(5, pkt('tcp,nw_src=10.0.0.2,nw_dst=10.0.0.1,tcp_src=81,tcp_dst=40000'))).toBe(CS_NEW);
  });

  it('the reply of a DNAT (load balancer) comes from the backend; of a SNAT, to the translated address', () => {
    const t = new ConntrackTable();
    const vip = pkt('tcp,nw_src=10.0.0.1,nw_dst=10.9.0.100,tcp_src=40000,tcp_dst=80');
    const dnat: NatSpec = { kind: 'dst', family: 4, addrMin: 0x0a000203n, portMin: 8080 };
    t.commit(1, vip, dnat);
    expect(t.lookup(1, pkt('tcp,nw_src=10.0.2.3,nw_dst=10.0.0.1,tcp_src=8080,tcp_dst=40000'))).toBe(CS_EST_RPL);
    expect(t.lookup(1, pkt('tcp,nw_src=10.9.0.100,nw_dst=10.0.0.1,tcp_src=80,tcp_dst=40000'))).toBe(CS_NEW);
    const snat: NatSpec = { kind: 'src', family: 4, addrMin: 0xac10000an };
    t.commit(2, req, snat);
    expect(t.lookup(2, pkt('tcp,nw_src=10.0.0.2,nw_dst=172.16.0.10,tcp_src=80,tcp_dst=40000'))).toBe(CS_EST_RPL);
  });

  it('an ICMP echo reply belongs to its request; non-IP is always new; clones are independent', () => {
    const t = new ConntrackTable();
    t.commit(3, pkt('icmp,nw_src=10.0.0.1,nw_dst=10.0.0.254,icmp_type=8,icmp_code=0'), null);
    expect(t.lookup(3, pkt('icmp,nw_src=10.0.0.254,nw_dst=10.0.0.1,icmp_type=0,icmp_code=0'))).toBe(CS_EST_RPL);
    expect(t.lookup(3, pkt('icmp6,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,icmpv6_type=129,icmpv6_code=0'))).toBe(CS_NEW);
    const arp = pkt('arp,arp_spa=10.0.0.1,arp_tpa=10.0.0.2,arp_op=1');
    t.commit(3, arp, null);
    expect(t.lookup(3, arp)).toBe(CS_NEW);
    const c = t.clone();
    c.commit(9, req, null);
    expect(c.size).toBe(t.size + 1);
    expect(t.lookup(9, req)).toBe(CS_NEW);
  });
});
