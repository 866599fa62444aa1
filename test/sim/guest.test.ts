import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/model/snapshot.js';
import { buildGuestPacket, flowFromState } from '../../src/sim/guest.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { createResolver, type Endpoint, type Resolver } from '../../src/snapshot/resolve.js';
import { copyFixture } from '../harness/fixture-copy.js';
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

describe('buildGuestPacket: a load-balancer VIP on the sender’s own subnet (fixtures/lb-nat-3chassis, copied and edited)', () => {
  // lb-web (138e795a…) is on switch tenant-a (10.2.1.0/24: a1, a2) and on router lr0, whose port
  // lr0-a (0a:00:02:ff:01:01) is on tenant-a. The copy gives lb-web a second VIP, 10.2.1.100:80,
  // inside tenant-a's subnet: a1 ARPs for it, and OVN's router answers on every router port for
  // the VIPs of its load balancers (lr_in_ip_input `arp.tpa == $_rtr_lb_N_ip4` => ARP reply with
  // the port's MAC); a switch answers for no VIP.
  const LB_WEB = '138e795a-2739-4f42-8577-2ae72efc1258';
  const editNb = (dir: string, table: string, edit: (row: Record<string, unknown>) => void) => {
    const file = join(dir, 'central', `ovn-nbctl.list.${table}.out`);
    const j = JSON.parse(readFileSync(file, 'utf8')) as { headings: string[]; data: unknown[][] };
    for (const r of j.data) {
      const row = Object.fromEntries(j.headings.map((h, i) => [h, r[i]]));
      edit(row);
      j.headings.forEach((h, i) => (r[i] = row[h]));
    }
    writeFileSync(file, JSON.stringify(j));
  };
  async function withInSubnetVip(routerHasLb: boolean): Promise<{ snap: Snapshot; resolver: Resolver; from: Endpoint; to: Endpoint }> {
    const dir = copyFixture('lb-nat-3chassis');
    editNb(dir, 'Load_Balancer', (row) => {
      if (row['name'] === 'lb-web') (row['vips'] as [string, [string, string][]])[1].push(['10.2.1.100:80', '10.2.2.11:8080,10.2.2.12:8080']);
    });
    if (!routerHasLb)
      editNb(dir, 'Logical_Router', (row) => {
        const set = row['load_balancer'] as [string, [string, string][]];
        row['load_balancer'] = ['set', set[1].filter(([, u]) => u !== LB_WEB)];
      });
    const loaded = await loadSnapshot(dir);
    if (!loaded.ok) throw new Error(loaded.error.message);
    const resolver = createResolver(loaded.value);
    const from = resolver.resolve('a1');
    const to = resolver.resolve('10.2.1.100');
    if (!from.ok || !to.ok) throw new Error('a1 / 10.2.1.100 did not resolve');
    expect(to.value).toMatchObject({ kind: 'lb-vip', lb: { name: 'lb-web', vip: '10.2.1.100:80', datapaths: routerHasLb ? ['tenant-a', 'lr0'] : ['tenant-a'] } });
    return { snap: loaded.value, resolver, from: from.value, to: to.value };
  }

  it('goes to the MAC of the router port that answers ARP for it (lr0-a), not flooded, and says why', async () => {
    const { snap, resolver, from, to } = await withInSubnetVip(true);
    const p = buildGuestPacket(snap, resolver, from, to, { protocol: { kind: 'tcp', port: 80 } });
    if (!p.ok) throw new Error(p.error.message);
    expect(p.value.dlDst).toBe('0a:00:02:ff:01:01');
    expect(p.value.flow).toContain('dl_dst=0a:00:02:ff:01:01,nw_src=10.2.1.11,nw_dst=10.2.1.100,');
    expect(p.value.notes.join('\n')).toMatch(/router lr0 answers ARP\/ND for it \(load balancer lb-web is on router lr0\): the guest sends to lr0-a's MAC 0a:00:02:ff:01:01/);
    expect(p.value.notes.join('\n')).not.toMatch(/ff:ff:ff:ff:ff:ff/);
    // --arp still asks for the VIP itself (broadcast), and --dst-mac still wins.
    const arp = buildGuestPacket(snap, resolver, from, to, { protocol: { kind: 'arp' } });
    expect(arp.ok && arp.value.flow).toContain('dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=10.2.1.11,arp_tpa=10.2.1.100,');
    const forced = buildGuestPacket(snap, resolver, from, to, { protocol: { kind: 'tcp', port: 80 }, dstMac: '0a:00:02:01:00:12' });
    expect(forced.ok && forced.value.dlDst).toBe('0a:00:02:01:00:12');
  });

  it('a switch-only load balancer: nobody answers the ARP, so the guest never sends it (exit 1), instead of a flood read as delivered', async () => {
    const { snap, resolver, from, to } = await withInSubnetVip(false);
    const p = buildGuestPacket(snap, resolver, from, to, { protocol: { kind: 'tcp', port: 80 } });
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(p.error.exitCode).toBe(1);
    expect(p.error.message).toMatch(/^--to 10\.2\.1\.100: 10\.2\.1\.100 is on tenant-a's subnet, but no router port on tenant-a answers ARP\/ND for it \(lb-web is on tenant-a,.*a real guest's ARP goes unanswered/);
    // Asked for explicitly, the packet is traced as given (no flood note contradicting the MAC).
    const forced = buildGuestPacket(snap, resolver, from, to, { protocol: { kind: 'tcp', port: 80 }, dstMac: '0a:00:02:ff:01:01' });
    if (!forced.ok) throw new Error(forced.error.message);
    expect(forced.value.dlDst).toBe('0a:00:02:ff:01:01');
    expect(forced.value.notes.join('\n')).not.toMatch(/ff:ff:ff:ff:ff:ff/);
  });
});
