// The cross-host engine on hand-made hosts: tunnel continuation, loops, the hop bound.
import { describe, expect, it } from 'vitest';
import type { BridgePort, HostState } from '../../src/model/snapshot.js';
import { parseOfctlFlows } from '../../src/parse/ofctl-flows.js';
import { createCrossContext, puntExplanation, traceAcross } from '../../src/sim/cross.js';
import { createResolver } from '../../src/snapshot/resolve.js';

/** `priority=P,MATCH actions=A` lines → an ovs-ofctl dump-flows text. */
function dump(lines: string): string {
  return lines
    .trim()
    .split('\n')
    .map((l) => ` cookie=0x0, duration=1.0s, table=0, n_packets=0, n_bytes=0, ${l.replace(/^table=0, /, '').replace(/, /g, ',')}`)
    .join('\n');
}

function host(name: string, encapIp: string, flows: string, ports: BridgePort[]): HostState {
  const parsed = parseOfctlFlows(dump(flows)).value.flows;
  if (!parsed.length) throw new Error('no flows parsed');
  return { name, chassis: name, encapIp, ovsBridges: [], ovsPorts: [], interfaces: [], bridges: [{ name: 'br-int', flows: parsed, groups: [], ports }] };
}

const tunnel = (ofport: number, name: string, remoteIp: string, remoteChassis: string): BridgePort => ({ ofport, name, role: { kind: 'tunnel', tunnelType: 'geneve', remoteIp, remoteChassis } });
const vif = (ofport: number, name: string): BridgePort => ({ ofport, name, role: { kind: 'local' }, ifaceId: name });

function context(hosts: HostState[]) {
  const view = { hosts, sb: { chassis: [], encaps: [], portBindings: [], datapaths: [], logicalFlows: [], dpGroups: [], multicastGroups: [], macBindings: [], loadBalancers: [] } };
  return createCrossContext(view, createResolver(view));
}

describe('traceAcross on hand-made hosts', () => {
  it('carries tun_id and tun_metadata0 to the remote tunnel port for the sender\'s TEP', () => {
    const a = host('ha', '192.0.2.1', 'table=0, priority=100, in_port=1 actions=set_field:0x5->tun_id,set_field:0x10002->tun_metadata0,output:2\n', [vif(1, 'p1'), tunnel(2, 'to-hb', '192.0.2.2', 'hb')]);
    const b = host('hb', '192.0.2.2', 'table=0, priority=100, in_port=7,tun_id=0x5 actions=output:3\n', [tunnel(7, 'to-ha', '192.0.2.1', 'ha'), vif(3, 'p3')]);
    const r = traceAcross(context([a, b]), { host: 'ha', bridge: 'br-int', flow: 'in_port=1,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.3,tcp_src=1,tcp_dst=2', entry: { kind: 'start', port: 'p1' } }, { followTunnels: true });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.verdict).toBe('delivered');
    expect(r.value.hops[1]!.input).toBe('in_port="to-ha",tun_id=0x5,tun_src=192.0.2.1,tun_dst=192.0.2.2,tun_metadata0=0x10002,tcp,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,nw_src=10.0.0.1,nw_dst=10.0.0.3,nw_ttl=0,tcp_src=1,tcp_dst=2');
    expect(r.value.delivered).toEqual([{ hop: 1, host: 'hb', port: 'p3', logicalPort: 'p3', kind: 'local' }]);
  });

  it('continues over an IPv6 underlay with tun_ipv6_src/tun_ipv6_dst (tun_src/tun_dst hold only IPv4)', () => {
    // OVS keeps IPv6 TEPs in their own fields: ofproto/trace rejects tun_src=fd00::1 ("bad IPv4
    // address"), and a flow on the receiving side matches tun_ipv6_src.
    const a = host('ha', 'fd00::1', 'table=0, priority=100, in_port=1 actions=set_field:0x5->tun_id,set_field:0x10002->tun_metadata0,output:2\n', [vif(1, 'p1'), tunnel(2, 'to-hb', 'fd00::2', 'hb')]);
    const b = host('hb', 'fd00::2', 'table=0, priority=100, in_port=7,tun_id=0x5,tun_ipv6_src=fd00::1,tun_ipv6_dst=fd00::2 actions=output:3\n', [tunnel(7, 'to-ha', 'fd00::1', 'ha'), vif(3, 'p3')]);
    const r = traceAcross(context([a, b]), { host: 'ha', bridge: 'br-int', flow: 'in_port=1,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.3,tcp_src=1,tcp_dst=2', entry: { kind: 'start', port: 'p1' } }, { followTunnels: true });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.hops[1]!.input).toMatch(/^in_port="to-ha",tun_id=0x5,tun_ipv6_src=fd00::1,tun_ipv6_dst=fd00::2,tun_metadata0=0x10002,tcp,/);
    expect(r.value.verdict).toBe('delivered');
    expect(r.value.delivered).toEqual([{ hop: 1, host: 'hb', port: 'p3', logicalPort: 'p3', kind: 'local' }]);
  });

  it('a continuation that cannot be traced stops the trace (verdict error), not "sent into the tunnel"', () => {
    // A TEP that is not an address (a damaged snapshot) makes the remote hop's flow unparseable.
    const a = host('ha', '192.0.2.300', 'table=0, priority=100, in_port=1 actions=set_field:0x5->tun_id,output:2\n', [vif(1, 'p1'), tunnel(2, 'to-hb', '192.0.2.2', 'hb')]);
    const b = host('hb', '192.0.2.2', 'table=0, priority=100, in_port=7 actions=output:3\n', [tunnel(7, 'to-ha', '192.0.2.300', 'ha'), vif(3, 'p3')]);
    const r = traceAcross(context([a, b]), { host: 'ha', bridge: 'br-int', flow: 'in_port=1,ip,nw_dst=10.0.0.3', entry: { kind: 'start', port: 'p1' } }, { followTunnels: true });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.verdict).toBe('error');
    expect(r.value.drop).toMatchObject({ reason: 'UNSUPPORTED', host: 'hb', explanation: expect.stringMatching(/^the trace could not continue on hb \(br-int, entering at to-ha from ha\): .*192\.0\.2\.300/) });
    expect(r.value.incomplete?.reason).toBe(r.value.drop!.explanation);
    expect(r.value.hops[0]!.outputs[0]!.next).toMatchObject({ status: 'not-followed' });
  });

  it('detects a loop between chassis (the same packet entering the same place twice)', () => {
    const a = host('ha', '192.0.2.1', 'table=0, priority=100, in_port=1 actions=set_field:0x5->tun_id,output:2\ntable=0, priority=100, in_port=2 actions=IN_PORT\n', [vif(1, 'p1'), tunnel(2, 'to-hb', '192.0.2.2', 'hb')]);
    const b = host('hb', '192.0.2.2', 'table=0, priority=100, in_port=7 actions=IN_PORT\n', [tunnel(7, 'to-ha', '192.0.2.1', 'ha')]);
    const r = traceAcross(context([a, b]), { host: 'ha', bridge: 'br-int', flow: 'in_port=1,ip,nw_dst=10.0.0.3', entry: { kind: 'start', port: 'p1' } }, { followTunnels: true });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.verdict).toBe('dropped');
    expect(r.value.drop).toMatchObject({ reason: 'LOOP', explanation: expect.stringMatching(/^loop: the packet enters hb br-int through to-ha again, exactly as in hop 1$/) });
    expect(r.value.hops.map((h) => h.host)).toEqual(['ha', 'hb', 'ha']);
    expect(r.value.hops[2]!.outputs[0]!.next).toEqual({ status: 'loop', hop: 1 });
  });

  it('bounds the number of host traces', () => {
    // Each pass through ha bumps the TTL-like tun_id, so no packet repeats: only the bound stops it.
    const a = host('ha', '192.0.2.1', 'table=0, priority=100, in_port=1 actions=output:2\ntable=0, priority=100, in_port=2 actions=dec_ttl,IN_PORT\n', [vif(1, 'p1'), tunnel(2, 'to-hb', '192.0.2.2', 'hb')]);
    const b = host('hb', '192.0.2.2', 'table=0, priority=100, in_port=7 actions=IN_PORT\n', [tunnel(7, 'to-ha', '192.0.2.1', 'ha')]);
    const r = traceAcross(context([a, b]), { host: 'ha', bridge: 'br-int', flow: 'in_port=1,ip,nw_dst=10.0.0.3,nw_ttl=200', entry: { kind: 'start', port: 'p1' } }, { followTunnels: true, maxHops: 6 });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.runs).toHaveLength(6);
    expect(r.value.drop).toMatchObject({ reason: 'LOOP', explanation: 'more than 6 host traces: stopping (a forwarding loop between chassis?)' });
  });
});

describe('traceAcross: the underlay MTU check at tunnel outputs (CrossOptions.tunnelMtu)', () => {
  const a = () => host('ha', '192.0.2.1', 'table=0, priority=100, in_port=1 actions=set_field:0x5->tun_id,output:2\n', [vif(1, 'p1'), tunnel(2, 'to-hb', '192.0.2.2', 'hb')]);
  const b = () => host('hb', '192.0.2.2', 'table=0, priority=100, in_port=7,tun_id=0x5 actions=output:3\n', [tunnel(7, 'to-ha', '192.0.2.1', 'ha'), vif(3, 'p3')]);
  const start = { host: 'ha', bridge: 'br-int', flow: 'in_port=1,udp,nw_src=10.0.0.1,nw_dst=10.0.0.3', entry: { kind: 'start' as const, port: 'p1' } };
  // The check's answer is chosen per frame length here; checks/mtu-trace.ts computes it from routes (live: test/mtu).
  const limit = (largest: number) => {
    const asked: [string, string, number][] = [];
    const fn = (h: string, ip: string, len: number) => {
      asked.push([h, ip, len]);
      return len > largest ? { outcome: 'dropped' as const, explanation: `frame ${len} > ${largest}` } : { outcome: 'fits' as const, explanation: 'fits' };
    };
    return { fn, asked };
  };

  it('a frame one byte over the limit stops at the sending host with MTU_EXCEEDED; at the limit it is followed', () => {
    const over = limit(1456);
    const r = traceAcross(context([a(), b()]), start, { followTunnels: true, size: 1457, tunnelMtu: over.fn });
    if (!r.ok) throw new Error(r.error.message);
    expect(over.asked).toEqual([['ha', '192.0.2.2', 1457]]);
    expect(r.value.verdict).toBe('dropped');
    expect(r.value.drop).toMatchObject({ reason: 'MTU_EXCEEDED', explanation: 'frame 1457 > 1456', host: 'ha', bridge: 'br-int' });
    expect(r.value.hops.map((h) => h.host)).toEqual(['ha']);
    expect(r.value.hops[0]!.outputs[0]!.next).toEqual({ status: 'dropped', reason: 'MTU_EXCEEDED', explanation: 'frame 1457 > 1456' });
    const at = traceAcross(context([a(), b()]), start, { followTunnels: true, size: 1456, tunnelMtu: limit(1456).fn });
    expect(at.ok && at.value.verdict).toBe('delivered');
  });

  it('fragmented (df_default=false) continues with a warning; unknown falls back to the OVS interface MTU', () => {
    const frag = traceAcross(context([a(), b()]), start, { followTunnels: true, size: 9000, tunnelMtu: () => ({ outcome: 'fragmented', explanation: 'fragmented on the outer header' }) });
    if (!frag.ok) throw new Error(frag.error.message);
    expect(frag.value.verdict).toBe('delivered');
    expect(frag.value.warnings).toContain('ha: fragmented on the outer header');
    const unknown = traceAcross(context([a(), b()]), start, { followTunnels: true, size: 9000, tunnelMtu: () => ({ outcome: 'unknown', explanation: 'no routes' }) });
    expect(unknown.ok && unknown.value.verdict).toBe('delivered');
  });
});

describe('puntExplanation: gateway_mtu in the terms OVN uses', () => {
  // lr_in_larger_pkts of the gateway-mtu sandbox topology (OVN 23.03, gateway_mtu 1400 on
  // lr-mtu-ext): northd checks check_pkt_larger(1400 + 14) on frames; gateway_mtu is an IP MTU.
  const lf = (ip: '4' | '6') => ({
    uuid: '00000000-0000-4000-8000-000000000000',
    pipeline: 'ingress',
    tableId: 19,
    stage: 'lr_in_larger_pkts',
    priority: 150,
    datapath: 'lr-mtu',
    match: `inport == "lr-mtu-in" && outport == "lr-mtu-ext" && ip${ip} && reg9[1] && reg9[0] == 0`,
    actions: `icmp${ip}_error {reg9[0] = 1; reg9[1] = 0; icmp${ip}.frag_mtu = 1400; next(pipeline=ingress, table=0); };`,
  });

  it('the 1415-byte frame is a 1401-byte IP packet over gateway_mtu 1400: frames over 1414 B', () => {
    const flow = 'recirc_id=0,eth,icmp,in_port=1,vlan_tci=0x0000,dl_src=0a:00:06:00:00:11,dl_dst=0a:00:06:ff:00:01,nw_src=10.6.0.11,nw_dst=172.16.6.1,nw_ttl=64';
    expect(puntExplanation('MTU_EXCEEDED', '', 'ICMP4_ERROR', lf('4'), flow, 1415)).toBe(
      'IP packet 1401 B > gateway_mtu 1400, i.e. frames over 1414 B (this one is a 1415-byte frame) at router lr-mtu (lr_in_larger_pkts on lr-mtu): it answers with ICMP fragmentation needed (mtu 1400) instead of forwarding',
    );
    // IPv6: the same limit, answered with "packet too big"; a VLAN-tagged frame carries 4 B more.
    expect(puntExplanation('MTU_EXCEEDED', '', 'ICMP6_ERROR', lf('6'), flow.replace(',icmp,', ',icmp6,'), 1415)).toMatch(/^IP packet 1401 B > gateway_mtu 1400, i\.e\. frames over 1414 B .*ICMPv6 packet too big \(mtu 1400\)/);
    expect(puntExplanation('MTU_EXCEEDED', '', 'ICMP4_ERROR', lf('4'), flow.replace('vlan_tci=0x0000', 'dl_vlan=10,dl_vlan_pcp=0'), 1419)).toMatch(/^IP packet 1401 B > gateway_mtu 1400, i\.e\. frames over 1418 B \(this one is a 1419-byte frame\)/);
  });
});
