import { describe, expect, it } from 'vitest';
import type { NatSpec } from '../../src/model/flow.js';
import { formatIpv4, formatIpv6 } from '../../src/model/masked.js';
import { connectionNat, ConntrackTable, CS_DST_NAT, CS_EST, CS_EST_RPL, CS_NEW, CS_SRC_NAT, describeNatRewrite, natFlag } from '../../src/sim/conntrack.js';
import { packetFromMicroflow, parseMicroflow, type PacketState } from '../../src/sim/index.js';
import { SP } from '../../src/sim/state.js';
import { allNodes, trace } from './helpers.js';

/** `name=value` of a flow text. */
const flowField = (flow: string, name: string) => new RegExp(`(?:^|,)${name}=([^,]+)`).exec(flow)?.[1];
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

describe('conntrack NAT of a connection (OVS handle_nat: nat_packet / un_nat_packet)', () => {
  const ip4 = (s: PacketState) => ({ src: formatIpv4(s.space(SP.nw_src)), dst: formatIpv4(s.space(SP.nw_dst)), sport: Number(s.space(SP.tp_src)), dport: Number(s.space(SP.tp_dst)) });
  const ip6 = (s: PacketState) => ({ src: formatIpv6(s.space(SP.ipv6_src)), dst: formatIpv6(s.space(SP.ipv6_dst)), sport: Number(s.space(SP.tp_src)), dport: Number(s.space(SP.tp_dst)) });

  it('un-SNAT: the reply to the SNAT address gets the original source (and port) as destination; ct_state gains dnat', () => {
    // OVN-Kubernetes egress: pod 10.0.0.5:40000 → 8.8.8.8:80, SNAT to 172.16.0.1 in the gateway router's zone.
    const t = new ConntrackTable();
    t.commit(7, pkt('tcp,nw_src=10.0.0.5,nw_dst=8.8.8.8,tcp_src=40000,tcp_dst=80'), { kind: 'src', family: 4, addrMin: 0xac100001n });
    const reply = pkt('tcp,nw_src=8.8.8.8,nw_dst=172.16.0.1,tcp_src=80,tcp_dst=40000');
    const m = t.find(7, reply);
    expect(m).toMatchObject({ state: CS_EST_RPL, reply: true });
    // un_nat_packet() of a SNAT connection sets CS_DST_NAT: it is the destination it rewrites.
    expect(natFlag(m)).toBe(CS_DST_NAT);
    const rw = connectionNat(m, reply);
    expect(rw?.kind).toBe('un-snat');
    expect(ip4(reply)).toEqual({ src: '8.8.8.8', dst: '10.0.0.5', sport: 80, dport: 40000 });
    expect(describeNatRewrite(rw!)).toBe('un-SNAT dst 172.16.0.1 → 10.0.0.5');
  });

  it('SNAT with a port: the reply to that port gets the original source port back', () => {
    const t = new ConntrackTable();
    t.commit(7, pkt('udp,nw_src=10.0.0.5,nw_dst=8.8.8.8,udp_src=40000,udp_dst=53'), { kind: 'src', family: 4, addrMin: 0xac100001n, portMin: 1024 });
    const reply = pkt('udp,nw_src=8.8.8.8,nw_dst=172.16.0.1,udp_src=53,udp_dst=1024');
    const rw = connectionNat(t.find(7, reply), reply);
    expect(ip4(reply)).toEqual({ src: '8.8.8.8', dst: '10.0.0.5', sport: 53, dport: 40000 });
    expect(describeNatRewrite(rw!)).toBe('un-SNAT dst 172.16.0.1 → 10.0.0.5, tp_dst 1024 → 40000');
    // The reply to the unmapped port is not this connection's.
    expect(t.find(7, pkt('udp,nw_src=8.8.8.8,nw_dst=172.16.0.1,udp_src=53,udp_dst=40000')).state).toBe(CS_NEW);
  });

  it('un-DNAT: the backend’s reply gets the VIP and its port as source; ct_state gains snat', () => {
    const t = new ConntrackTable();
    t.commit(3, pkt('tcp,nw_src=10.0.0.1,nw_dst=10.9.0.100,tcp_src=40000,tcp_dst=80'), { kind: 'dst', family: 4, addrMin: 0x0a000203n, portMin: 8080 });
    const reply = pkt('tcp,nw_src=10.0.2.3,nw_dst=10.0.0.1,tcp_src=8080,tcp_dst=40000');
    const m = t.find(3, reply);
    expect(natFlag(m)).toBe(CS_SRC_NAT);
    const rw = connectionNat(m, reply);
    expect(rw?.kind).toBe('un-dnat');
    expect(ip4(reply)).toEqual({ src: '10.9.0.100', dst: '10.0.0.1', sport: 80, dport: 40000 });
  });

  it('lb_force_snat: DNAT in one zone, SNAT of the router IP in another; the reply is un-SNATed then un-DNATed', () => {
    // NodePort on a gateway router: client 192.168.1.9:40000 → node 172.16.0.1:30080, DNAT to the
    // backend 10.0.0.5:8080 in the DNAT zone (11), then SNAT to the router's join IP 100.64.0.1 in the SNAT zone (12).
    const t = new ConntrackTable();
    const req = pkt('tcp,nw_src=192.168.1.9,nw_dst=172.16.0.1,tcp_src=40000,tcp_dst=30080');
    t.commit(11, req, { kind: 'dst', family: 4, addrMin: 0x0a000005n, portMin: 8080 });
    const dnatted = pkt('tcp,nw_src=192.168.1.9,nw_dst=10.0.0.5,tcp_src=40000,tcp_dst=8080');
    t.commit(12, dnatted, { kind: 'src', family: 4, addrMin: 0x64400001n });
    const reply = pkt('tcp,nw_src=10.0.0.5,nw_dst=100.64.0.1,tcp_src=8080,tcp_dst=40000');
    // The DNAT zone does not know the reply before it is un-SNATed.
    expect(t.find(11, reply).state).toBe(CS_NEW);
    expect(connectionNat(t.find(12, reply), reply)?.kind).toBe('un-snat');
    expect(ip4(reply)).toEqual({ src: '10.0.0.5', dst: '192.168.1.9', sport: 8080, dport: 40000 });
    expect(connectionNat(t.find(11, reply), reply)?.kind).toBe('un-dnat');
    expect(ip4(reply)).toEqual({ src: '172.16.0.1', dst: '192.168.1.9', sport: 30080, dport: 40000 });
  });

  it('ICMP: the echo reply is un-SNATed by address only (type and code are not ports; the id is not in the flow)', () => {
    const t = new ConntrackTable();
    t.commit(7, pkt('icmp,nw_src=10.0.0.5,nw_dst=8.8.8.8,icmp_type=8,icmp_code=0'), { kind: 'src', family: 4, addrMin: 0xac100001n, portMin: 1024 });
    const reply = pkt('icmp,nw_src=8.8.8.8,nw_dst=172.16.0.1,icmp_type=0,icmp_code=0');
    const rw = connectionNat(t.find(7, reply), reply);
    expect(rw?.kind).toBe('un-snat');
    expect(ip4(reply)).toEqual({ src: '8.8.8.8', dst: '10.0.0.5', sport: 0, dport: 0 });
  });

  it('IPv6: un-SNAT and un-DNAT rewrite the IPv6 addresses', () => {
    const t = new ConntrackTable();
    t.commit(7, pkt('tcp6,ipv6_src=fd00::5,ipv6_dst=2001:db8::8,tcp_src=40000,tcp_dst=443'), { kind: 'src', family: 6, addrMin: 0x20010db8000000000000000000000001n });
    const reply = pkt('tcp6,ipv6_src=2001:db8::8,ipv6_dst=2001:db8::1,tcp_src=443,tcp_dst=40000');
    expect(describeNatRewrite(connectionNat(t.find(7, reply), reply)!)).toBe('un-SNAT dst 2001:db8::1 → fd00::5');
    expect(ip6(reply)).toEqual({ src: '2001:db8::8', dst: 'fd00::5', sport: 443, dport: 40000 });
    t.commit(8, pkt('tcp6,ipv6_src=fd00::5,ipv6_dst=fd00::100,tcp_src=40000,tcp_dst=80'), { kind: 'dst', family: 6, addrMin: 0xfd000000000000000000000000000009n, portMin: 8080 });
    const back = pkt('tcp6,ipv6_src=fd00::9,ipv6_dst=fd00::5,tcp_src=8080,tcp_dst=40000');
    connectionNat(t.find(8, back), back);
    expect(ip6(back)).toEqual({ src: 'fd00::100', dst: 'fd00::5', sport: 80, dport: 40000 });
  });

  it('a later packet of the original direction gets the forward translation again (nat_packet); a connection without NAT rewrites nothing', () => {
    const t = new ConntrackTable();
    const first = pkt('tcp,nw_src=10.0.0.5,nw_dst=8.8.8.8,tcp_src=40000,tcp_dst=80');
    t.commit(7, first, { kind: 'src', family: 4, addrMin: 0xac100001n, portMin: 2000 });
    const again = pkt('tcp,nw_src=10.0.0.5,nw_dst=8.8.8.8,tcp_src=40000,tcp_dst=80');
    const m = t.find(7, again);
    expect(m).toMatchObject({ state: CS_EST, reply: false });
    expect(natFlag(m)).toBe(CS_SRC_NAT);
    expect(connectionNat(m, again)?.kind).toBe('snat');
    expect(ip4(again)).toEqual({ src: '172.16.0.1', dst: '8.8.8.8', sport: 2000, dport: 80 });
    t.commit(1, first, null);
    const plain = pkt('tcp,nw_src=8.8.8.8,nw_dst=10.0.0.5,tcp_src=80,tcp_dst=40000');
    const pm = t.find(1, plain);
    expect(pm.state).toBe(CS_EST_RPL);
    expect(natFlag(pm)).toBe(0);
    expect(connectionNat(pm, plain)).toBeUndefined();
    expect(ip4(plain)).toEqual({ src: '8.8.8.8', dst: '10.0.0.5', sport: 80, dport: 40000 });
  });
});

describe('the conntrack model in a trace: ct(nat) of a reply un-NATs it, ct without nat does not', () => {
  // A gateway in one bridge: the pod (vif1, 10.0.0.5) is SNATed to 172.16.0.1 on the way out of
  // the uplink (ofport 10); replies come back in on 10 through ct(nat) (lr_in_unsnat's ct_snat),
  // or on vif3 through a ct that only reads the state; table 2 delivers what is for the pod.
  const flows = [
    'table=0, priority=100,tcp,in_port=1 actions=ct(commit,table=1,zone=5,nat(src=172.16.0.1))',
    'table=0, priority=100,tcp,in_port=10 actions=ct(table=2,zone=5,nat)',
    'table=0, priority=100,tcp,in_port=3 actions=ct(table=2,zone=5)',
    'table=1, priority=0 actions=output:10',
    'table=2, priority=100,ip,nw_dst=10.0.0.5 actions=output:1',
    'table=2, priority=0 actions=drop',
  ].join('\n');
  const request = 'in_port=1,tcp,nw_src=10.0.0.5,nw_dst=8.8.8.8,tcp_src=40000,tcp_dst=80';
  const reply = (inPort: number) => `in_port=${inPort},tcp,nw_src=8.8.8.8,nw_dst=172.16.0.1,tcp_src=80,tcp_dst=40000`;
  const committed = () => {
    const table = new ConntrackTable();
    const fwd = trace(flows, request, { conntrack: table });
    // The packet that creates the connection is new to it; the SNAT the commit sets up is flagged.
    expect(fwd.ctStates).toEqual(['new,trk,snat']);
    expect(fwd.outputs.map((o) => [o.port, flowField(o.packet, 'nw_src')])).toEqual([['ovn-hv2-0', '172.16.0.1']]);
    return table;
  };

  it('the reply to the SNAT address is un-SNATed at the recirculation and reaches the pod; the node says where ofproto/trace stops agreeing', () => {
    const r = trace(flows, reply(10), { conntrack: committed() });
    expect(r.ctStates).toEqual(['est,rpl,trk,dnat']);
    expect(r.outputs.map((o) => [o.port, flowField(o.packet, 'nw_dst'), flowField(o.packet, 'tp_dst')])).toEqual([['vif1', '10.0.0.5', '40000']]);
    expect(r.ctNats).toHaveLength(1);
    expect(r.ctNats[0]).toMatchObject({ recirc: 0, zone: 5, reply: true, diverges: true, rewrite: { kind: 'un-snat' } });
    const node = allNodes(r.tree).find((n) => n.kind === 'ct' && n.text.startsWith('conntrack model:'));
    expect(node?.text).toBe(
      'conntrack model: reply of the connection committed on br0, zone 5: un-SNAT dst 172.16.0.1 → 10.0.0.5 (conntrack rewrites the packet from the connection; ofproto/trace cannot: a --ct-next replay of this hop agrees only up to this recirculation)',
    );
    expect(node?.data).toMatchObject({ conntrack: { rewrite: 'un-snat', reply: true, zone: 5, replayable: false } });
  });

  it('a ct without nat only reads the state: the reply stays addressed to the SNAT address (and is dropped here)', () => {
    const r = trace(flows, reply(3), { conntrack: committed() });
    expect(r.ctStates).toEqual(['est,rpl,trk']);
    expect(r.ctNats).toEqual([]);
    expect(r.outputs).toEqual([]);
    expect(r.verdict).toBe('dropped');
  });

  it('--ct-next replaces the model: the state given, and no rewrite, as ofproto/trace', () => {
    const r = trace(flows, reply(10), { conntrack: committed(), ctNext: ['trk,est,rpl'] });
    expect(r.ctStates).toEqual(['est,rpl,trk']);
    expect(r.ctNats).toEqual([]);
    expect(r.verdict).toBe('dropped');
  });
});
