// Deterministic packet cases for the differential suite, generated from a topology description
// and what the sandbox actually assigned (dynamic MACs, tunnel ports): valid L2/L3/ICMP/TCP/UDP/
// ARP/IPv6 between known ports, wrong MACs, spoofed sources, TTL 1 and 0, unknown destinations,
// broadcast/multicast, DHCP discover, ARP for router IPs, LB VIPs, NAT'd external addresses.

import { formatIpv6, parseIpv6 } from '../../src/model/masked.js';
import type { BoundPort, Topology } from '../harness/topology.js';

export interface TraceCase {
  readonly id: string;
  readonly category: string;
  readonly hv: string;
  readonly bridge: string;
  readonly flow: string;
  readonly ctNext?: readonly string[];
  /** Packet length for check_pkt_larger (default: the composed packet's length). */
  readonly size?: number;
}

export interface PortInfo {
  readonly port: string;
  readonly switch: string;
  readonly chassis: string;
  readonly iface: string;
  readonly mac: string;
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
}

export interface RouterIf {
  readonly router: string;
  readonly name: string;
  readonly mac: string;
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
  /** Logical switch the router port is plugged into (via a type=router switch port). */
  readonly switch?: string;
}

/** Small deterministic PRNG (mulberry32) seeded from a string. */
export function rng(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function routerInterfaces(topo: Topology): RouterIf[] {
  const out: RouterIf[] = [];
  const attached = new Map<string, string>();
  for (const sw of topo.switches ?? []) for (const p of sw.ports) if (p.type === 'router' && p.routerPort) attached.set(p.routerPort, sw.name);
  for (const r of topo.routers ?? [])
    for (const p of r.ports) {
      const sw = attached.get(p.name);
      out.push({
        router: r.name,
        name: p.name,
        mac: p.mac,
        ipv4: p.networks.filter((n) => n.includes('.')).map((n) => n.split('/')[0]),
        ipv6: p.networks.filter((n) => n.includes(':')).map((n) => n.split('/')[0]),
        ...(sw ? { switch: sw } : {}),
      });
    }
  return out;
}

const q = (name: string, quote: boolean) => (quote ? `"${name}"` : name);

interface Ctx {
  readonly cases: TraceCase[];
  readonly r: () => number;
  n: number;
}

function add(c: Ctx, category: string, hv: string, flow: string, opts: { bridge?: string; ctNext?: string[]; size?: number } = {}): void {
  c.cases.push({ id: `${category}#${c.n++}`, category, hv, bridge: opts.bridge ?? 'br-int', flow, ...(opts.ctNext ? { ctNext: opts.ctNext } : {}), ...(opts.size ? { size: opts.size } : {}) });
  // Big packets too, for check_pkt_larger (gateway MTU) decisions.
  if (!opts.size && /,(tcp|udp|icmp)[,6]/.test(flow) && c.r() < 0.25) {
    c.cases.push({ id: `${category}-big#${c.n++}`, category: `${category}-big`, hv, bridge: opts.bridge ?? 'br-int', flow, ...(opts.ctNext ? { ctNext: opts.ctNext } : {}), size: 1500 + Math.floor(c.r() * 8000) });
  }
}

function pick<T>(c: Ctx, xs: readonly T[]): T {
  return xs[Math.floor(c.r() * xs.length)];
}

function randomMac(c: Ctx): string {
  const b = [0x0a, ...Array.from({ length: 5 }, () => Math.floor(c.r() * 256))];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function ipVariant(ip: string, last: number): string {
  const parts = ip.split('.');
  parts[3] = String(last);
  return parts.join('.');
}

/** Every case for one topology. `external` are gateway chassis with a br-ex (for NAT ingress). */
export function generateCases(topo: Topology, ports: readonly PortInfo[], opts: { gatewayChassis?: string[] } = {}): TraceCase[] {
  const c: Ctx = { cases: [], r: rng(topo.name), n: 0 };
  const rifs = routerInterfaces(topo);
  const gwOf = (sw: string) => rifs.find((x) => x.switch === sw);
  const lbs = topo.loadBalancers ?? [];

  for (const [si, s] of ports.entries()) {
    const inp = `in_port=${q(s.iface, si % 2 === 1)}`;
    const src4 = s.ipv4[0];
    const same = ports.filter((p) => p !== s && p.switch === s.switch);
    const other = ports.filter((p) => p.switch !== s.switch);
    const gw = gwOf(s.switch);

    // ARP: requests for peers and the router, gratuitous, unicast replies.
    if (src4) {
      for (const d of same) {
        if (d.ipv4[0]) add(c, 'arp-request', s.chassis, `${inp},arp,dl_src=${s.mac},dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=${src4},arp_tpa=${d.ipv4[0]},arp_sha=${s.mac}`);
        add(c, 'arp-reply', s.chassis, `${inp},arp,dl_src=${s.mac},dl_dst=${d.mac},arp_op=2,arp_spa=${src4},arp_tpa=${d.ipv4[0] ?? src4},arp_sha=${s.mac},arp_tha=${d.mac}`);
      }
      if (gw?.ipv4[0]) add(c, 'arp-router', s.chassis, `${inp},arp,dl_src=${s.mac},dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=${src4},arp_tpa=${gw.ipv4[0]},arp_sha=${s.mac}`);
      add(c, 'arp-garp', s.chassis, `${inp},arp,dl_src=${s.mac},dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=${src4},arp_tpa=${src4},arp_sha=${s.mac}`);
      add(c, 'arp-spoofed', s.chassis, `${inp},arp,dl_src=${s.mac},dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=${ipVariant(src4, 201)},arp_tpa=${gw?.ipv4[0] ?? src4},arp_sha=${s.mac}`);
    }

    // Same-switch L3/L4.
    for (const d of same) {
      const dst4 = d.ipv4[0];
      if (!src4 || !dst4) continue;
      const base = `${inp},dl_src=${s.mac},dl_dst=${d.mac},nw_src=${src4},nw_dst=${dst4}`;
      add(c, 'icmp-l2', s.chassis, `${base.replace(inp, `${inp},icmp`)},nw_ttl=64,icmp_type=8,icmp_code=0`);
      for (const port of [22, 80, 443, 5432, 8080]) {
        add(c, 'tcp-l2', s.chassis, `${inp},tcp,dl_src=${s.mac},dl_dst=${d.mac},nw_src=${src4},nw_dst=${dst4},nw_ttl=64,tcp_src=${30000 + Math.floor(c.r() * 30000)},tcp_dst=${port}`);
      }
      add(c, 'udp-l2', s.chassis, `${inp},udp,dl_src=${s.mac},dl_dst=${d.mac},nw_src=${src4},nw_dst=${dst4},nw_ttl=64,udp_src=5353,udp_dst=53`);
      for (const ct of [['trk,est'], ['trk,rpl,est'], ['trk,est', 'trk,est']]) {
        add(c, 'tcp-l2-ct', s.chassis, `${inp},tcp,dl_src=${s.mac},dl_dst=${d.mac},nw_src=${src4},nw_dst=${dst4},nw_ttl=64,tcp_src=40000,tcp_dst=${pick(c, [22, 80, 5432, 8080])}`, { ctNext: ct });
      }
      add(c, 'spoofed-mac', s.chassis, `${inp},icmp,dl_src=${randomMac(c)},dl_dst=${d.mac},nw_src=${src4},nw_dst=${dst4},nw_ttl=64,icmp_type=8`);
      add(c, 'spoofed-ip', s.chassis, `${inp},tcp,dl_src=${s.mac},dl_dst=${d.mac},nw_src=${ipVariant(src4, 99)},nw_dst=${dst4},nw_ttl=64,tcp_src=1000,tcp_dst=80`);
      add(c, 'wrong-dst-mac', s.chassis, `${inp},icmp,dl_src=${s.mac},dl_dst=${randomMac(c)},nw_src=${src4},nw_dst=${dst4},nw_ttl=64,icmp_type=8`);
      add(c, 'ttl-0-l2', s.chassis, `${inp},icmp,dl_src=${s.mac},dl_dst=${d.mac},nw_src=${src4},nw_dst=${dst4},nw_ttl=0,icmp_type=8`);
    }

    // Routed.
    if (gw && src4) {
      const rbase = (proto: string, dst: string, ttl: number) => `${inp},${proto},dl_src=${s.mac},dl_dst=${gw.mac},nw_src=${src4},nw_dst=${dst},nw_ttl=${ttl}`;
      add(c, 'icmp-router', s.chassis, `${rbase('icmp', gw.ipv4[0], 64)},icmp_type=8,icmp_code=0`);
      for (const d of other) {
        const dst4 = d.ipv4[0];
        if (!dst4) continue;
        add(c, 'icmp-routed', s.chassis, `${rbase('icmp', dst4, 64)},icmp_type=8,icmp_code=0`);
        add(c, 'ttl-1', s.chassis, `${rbase('icmp', dst4, 1)},icmp_type=8,icmp_code=0`);
        add(c, 'ttl-0', s.chassis, `${rbase('icmp', dst4, 0)},icmp_type=8,icmp_code=0`);
        for (const port of [22, 80, 5432, 8080]) add(c, 'tcp-routed', s.chassis, `${rbase('tcp', dst4, 64)},tcp_src=${20000 + Math.floor(c.r() * 40000)},tcp_dst=${port}`);
        add(c, 'udp-routed', s.chassis, `${rbase('udp', dst4, 64)},udp_src=3333,udp_dst=${pick(c, [53, 123, 5432])}`);
        for (const ct of [['trk,est'], ['trk,rpl,est'], ['trk,new', 'trk,est']]) add(c, 'tcp-routed-ct', s.chassis, `${rbase('tcp', dst4, 64)},tcp_src=44444,tcp_dst=${pick(c, [80, 5432, 8080, 22])}`, { ctNext: ct });
      }
      add(c, 'unknown-dst', s.chassis, `${rbase('icmp', '8.8.8.8', 64)},icmp_type=8`);
      add(c, 'unknown-dst', s.chassis, `${rbase('tcp', '192.0.2.77', 64)},tcp_src=1111,tcp_dst=443`);
      add(c, 'unknown-dst-ttl1', s.chassis, `${rbase('udp', '198.51.100.9', 1)},udp_src=1111,udp_dst=53`);
    }

    // Broadcast / multicast / unknown unicast / DHCP.
    if (src4) {
      add(c, 'broadcast', s.chassis, `${inp},udp,dl_src=${s.mac},dl_dst=ff:ff:ff:ff:ff:ff,nw_src=${src4},nw_dst=255.255.255.255,nw_ttl=64,udp_src=137,udp_dst=137`);
      add(c, 'multicast', s.chassis, `${inp},udp,dl_src=${s.mac},dl_dst=01:00:5e:00:00:fb,nw_src=${src4},nw_dst=224.0.0.251,nw_ttl=255,udp_src=5353,udp_dst=5353`);
      add(c, 'unknown-unicast', s.chassis, `${inp},icmp,dl_src=${s.mac},dl_dst=0a:00:ee:ee:ee:ee,nw_src=${src4},nw_dst=${ipVariant(src4, 250)},nw_ttl=64,icmp_type=8`);
    }
    add(c, 'dhcp-discover', s.chassis, `${inp},udp,dl_src=${s.mac},dl_dst=ff:ff:ff:ff:ff:ff,nw_src=0.0.0.0,nw_dst=255.255.255.255,nw_ttl=64,udp_src=68,udp_dst=67`);
    add(c, 'untyped', s.chassis, `${inp},dl_src=${s.mac},dl_dst=ff:ff:ff:ff:ff:ff`);

    // IPv6.
    const src6 = s.ipv6[0];
    if (src6) {
      const solicited = (ip: string) => formatIpv6(0xff0200000000000000000001ff000000n | (parseIpv6(ip)! & 0xffffffn));
      for (const d of same.filter((p) => p.ipv6[0])) {
        add(c, 'icmp6-l2', s.chassis, `${inp},icmp6,dl_src=${s.mac},dl_dst=${d.mac},ipv6_src=${src6},ipv6_dst=${d.ipv6[0]},nw_ttl=64,icmpv6_type=128,icmpv6_code=0`);
        add(c, 'tcp6-l2', s.chassis, `${inp},tcp6,dl_src=${s.mac},dl_dst=${d.mac},ipv6_src=${src6},ipv6_dst=${d.ipv6[0]},nw_ttl=64,tcp_src=5555,tcp_dst=${pick(c, [22, 80])}`);
        add(c, 'tcp6-l2-ct', s.chassis, `${inp},tcp6,dl_src=${s.mac},dl_dst=${d.mac},ipv6_src=${src6},ipv6_dst=${d.ipv6[0]},nw_ttl=64,tcp_src=5555,tcp_dst=22`, { ctNext: ['trk,est'] });
      }
      if (gw?.ipv6[0]) {
        add(c, 'nd-router', s.chassis, `${inp},icmp6,dl_src=${s.mac},dl_dst=33:33:ff:00:00:01,ipv6_src=${src6},ipv6_dst=${solicited(gw.ipv6[0])},nw_ttl=255,icmpv6_type=135,icmpv6_code=0,nd_target=${gw.ipv6[0]},nd_sll=${s.mac}`);
        add(c, 'icmp6-router', s.chassis, `${inp},icmp6,dl_src=${s.mac},dl_dst=${gw.mac},ipv6_src=${src6},ipv6_dst=${gw.ipv6[0]},nw_ttl=64,icmpv6_type=128,icmpv6_code=0`);
        add(c, 'rs', s.chassis, `${inp},icmp6,dl_src=${s.mac},dl_dst=33:33:00:00:00:02,ipv6_src=fe80::1,ipv6_dst=ff02::2,nw_ttl=255,icmpv6_type=133,icmpv6_code=0`);
        for (const d of other.filter((p) => p.ipv6[0])) {
          add(c, 'icmp6-routed', s.chassis, `${inp},icmp6,dl_src=${s.mac},dl_dst=${gw.mac},ipv6_src=${src6},ipv6_dst=${d.ipv6[0]},nw_ttl=64,icmpv6_type=128,icmpv6_code=0`);
          add(c, 'icmp6-routed-hl1', s.chassis, `${inp},icmp6,dl_src=${s.mac},dl_dst=${gw.mac},ipv6_src=${src6},ipv6_dst=${d.ipv6[0]},nw_ttl=1,icmpv6_type=128,icmpv6_code=0`);
          add(c, 'udp6-routed', s.chassis, `${inp},udp6,dl_src=${s.mac},dl_dst=${gw.mac},ipv6_src=${src6},ipv6_dst=${d.ipv6[0]},nw_ttl=64,udp_src=546,udp_dst=547`);
        }
        add(c, 'icmp6-static-route', s.chassis, `${inp},icmp6,dl_src=${s.mac},dl_dst=${gw.mac},ipv6_src=${src6},ipv6_dst=2001:db8:55::1,nw_ttl=64,icmpv6_type=128,icmpv6_code=0`);
      }
      add(c, 'dhcpv6-solicit', s.chassis, `${inp},udp6,dl_src=${s.mac},dl_dst=33:33:00:01:00:02,ipv6_src=fe80::8:1,ipv6_dst=ff02::1:2,nw_ttl=1,udp_src=546,udp_dst=547`);
    }
  }

  // Load balancer VIPs from every port whose switch/router serves the LB.
  for (const lb of lbs) {
    for (const [vip, backends] of Object.entries(lb.vips)) {
      const [vipIp, vipPort] = vip.split(':');
      for (const s of ports) {
        const gw = gwOf(s.switch);
        if (!s.ipv4[0] || !gw) continue;
        const serves = (lb.switches ?? []).includes(s.switch) || (lb.routers ?? []).includes(gw.router);
        if (!serves) continue;
        const dlDst = (lb.switches ?? []).includes(s.switch) ? gw.mac : gw.mac;
        const f = `in_port=${s.iface},tcp,dl_src=${s.mac},dl_dst=${dlDst},nw_src=${s.ipv4[0]},nw_dst=${vipIp},nw_ttl=64,tcp_src=33333,tcp_dst=${vipPort ?? 80}`;
        add(c, 'lb-vip-nohash', s.chassis, f);
        for (let h = 1; h <= Math.max(4, backends.length * 2); h++) add(c, 'lb-vip', s.chassis, `${f},dp_hash=${h}`);
        add(c, 'lb-vip-ct', s.chassis, `${f},dp_hash=2`, { ctNext: ['trk,est'] });
        add(c, 'lb-vip-ct', s.chassis, `${f},dp_hash=3`, { ctNext: ['trk,new', 'trk,est'] });
      }
    }
  }
  return c.cases;
}

/**
 * North-south cases entering from the provider network on a gateway chassis (br-ex uplink):
 * ARP for NAT/router addresses and traffic to NAT'd and LB external addresses.
 */
export function externalCases(topo: Topology, hv: string, uplink: string): TraceCase[] {
  const c: Ctx = { cases: [], r: rng(`${topo.name}-ext`), n: 0 };
  const rifs = routerInterfaces(topo);
  const extMac = '0a:00:00:00:99:99';
  const targets: { ip: string; mac: string }[] = [];
  for (const r of topo.routers ?? []) {
    const ext = rifs.find((x) => x.router === r.name && (x.name.includes('ext') || x.name.endsWith('-public')));
    if (!ext) continue;
    for (const ip of ext.ipv4) targets.push({ ip, mac: ext.mac });
    for (const n of r.nat ?? []) targets.push({ ip: n.externalIp, mac: n.externalMac ?? ext.mac });
  }
  for (const lb of topo.loadBalancers ?? [])
    for (const vip of Object.keys(lb.vips)) {
      const ip = vip.split(':')[0];
      const r = (lb.routers ?? [])[0];
      const ext = rifs.find((x) => x.router === r && x.name.includes('ext'));
      if (ext && ip.startsWith(ext.ipv4[0]?.split('.').slice(0, 2).join('.') ?? 'x')) targets.push({ ip, mac: ext.mac });
    }
  const inp = `in_port=${uplink}`;
  for (const t of targets) {
    const net = t.ip.split('.').slice(0, 3).join('.');
    const src = `${net}.99`;
    add(c, 'ext-arp', hv, `${inp},arp,dl_src=${extMac},dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=${src},arp_tpa=${t.ip},arp_sha=${extMac}`, { bridge: 'br-ex' });
    add(c, 'ext-icmp', hv, `${inp},icmp,dl_src=${extMac},dl_dst=${t.mac},nw_src=${src},nw_dst=${t.ip},nw_ttl=64,icmp_type=8,icmp_code=0`, { bridge: 'br-ex' });
    for (const port of [22, 80, 8080]) add(c, 'ext-tcp', hv, `${inp},tcp,dl_src=${extMac},dl_dst=${t.mac},nw_src=${src},nw_dst=${t.ip},nw_ttl=64,tcp_src=${40000 + port},tcp_dst=${port}`, { bridge: 'br-ex' });
    add(c, 'ext-tcp-ct', hv, `${inp},tcp,dl_src=${extMac},dl_dst=${t.mac},nw_src=${src},nw_dst=${t.ip},nw_ttl=64,tcp_src=40080,tcp_dst=80`, { bridge: 'br-ex', ctNext: ['trk,est'] });
    add(c, 'ext-tcp-ct', hv, `${inp},tcp,dl_src=${extMac},dl_dst=${t.mac},nw_src=${src},nw_dst=${t.ip},nw_ttl=64,tcp_src=40080,tcp_dst=80,dp_hash=1`, { bridge: 'br-ex', ctNext: ['trk,rpl,est', 'trk,est'] });
    add(c, 'ext-ttl1', hv, `${inp},icmp,dl_src=${extMac},dl_dst=${t.mac},nw_src=${src},nw_dst=${t.ip},nw_ttl=1,icmp_type=8`, { bridge: 'br-ex' });
    add(c, 'ext-wrong-mac', hv, `${inp},icmp,dl_src=${extMac},dl_dst=0a:00:00:00:77:77,nw_src=${src},nw_dst=${t.ip},nw_ttl=64,icmp_type=8`, { bridge: 'br-ex' });
  }
  add(c, 'ext-broadcast', hv, `${inp},arp,dl_src=${extMac},dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=172.16.99.1,arp_tpa=172.16.99.2,arp_sha=${extMac}`, { bridge: 'br-ex' });
  return c.cases;
}

export function portInfos(bound: readonly BoundPort[], dynamicMacs: ReadonlyMap<string, { mac: string; ipv4?: string }>): PortInfo[] {
  const out: PortInfo[] = [];
  for (const b of bound) {
    const dyn = dynamicMacs.get(b.port);
    const mac = b.mac ?? dyn?.mac;
    if (!mac) continue;
    out.push({ port: b.port, switch: b.switch, chassis: b.chassis, iface: b.iface, mac, ipv4: b.ipv4.length ? b.ipv4 : dyn?.ipv4 ? [dyn.ipv4] : [], ipv6: b.ipv6 });
  }
  return out;
}
