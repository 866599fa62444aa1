// Helpers of the cross-host trace suite: deterministic --from/--to cases over a snapshot, the
// ovn-trace expression of an ofproto/trace flow, the logical outcome of `ovn-trace --minimal`,
// and the tunnel header live ofproto/trace gives each tunnel output.

import type { Snapshot } from '../../src/model/snapshot.js';
import type { TraceRequest } from '../../src/services/trace.js';
import type { Protocol } from '../../src/sim/guest.js';
import { parseFlowFields, type OraclePass } from '../oracle/ofproto-trace.js';
import { rng } from '../sim/cases.js';

export interface EndpointCase {
  readonly id: string;
  readonly category: string;
  readonly req: Omit<TraceRequest, 'snapshot' | 'bridge' | 'ctNext' | 'detail'>;
  /** ovn-trace cannot decide check_pkt_larger: compare these with ofproto/trace only. */
  readonly sizeDependent?: boolean;
}

/** What the cross-host-3 topology offers, by the names people type (each form at least once). */
export const SOURCES = ['web-1', 'team-a/web-2', 'team-a_web-3', 'db-1-port', 'db-vm-2', 'tapb3', 'team-c/web-x', 'c2', 'd1', '10.3.4.12'] as const;
export const TARGETS = [
  ...SOURCES,
  '10.2.1.1', // router ports
  '10.2.2.1',
  '10.3.4.1',
  '172.16.0.10',
  '10.2.0.100', // LB VIPs
  '10.2.0.200',
  '10.2.0.201',
  '172.16.0.100',
  '172.16.0.20', // NAT
  '172.16.0.21',
  '8.8.8.8', // outside, via the default route (static MAC binding for the next hop)
  '172.16.0.1',
  '172.16.0.55', // on the provider subnet, no MAC binding
] as const;

const PROTOCOLS: readonly Protocol[] = [
  { kind: 'tcp', port: 80 },
  { kind: 'tcp', port: 8080 },
  { kind: 'tcp', port: 22 },
  { kind: 'tcp', port: 5432 },
  { kind: 'udp', port: 53 },
  { kind: 'icmp' },
  { kind: 'arp' },
];

function protoText(p: Protocol): string {
  return p.kind === 'icmp' || p.kind === 'arp' || p.kind === 'dhcp' ? p.kind : `${p.kind}/${p.port}`;
}

/** ≥ 500 deterministic cases: every source to every target with a few protocols, plus variants. */
export function generateEndpointCases(): EndpointCase[] {
  const r = rng('cross-host-3');
  const cases: EndpointCase[] = [];
  let n = 0;
  const add = (category: string, req: EndpointCase['req'], sizeDependent = false) => cases.push({ id: `${category}#${n++}`, category, req, ...(sizeDependent ? { sizeDependent } : {}) });
  for (const from of SOURCES) {
    for (const to of TARGETS) {
      if (to === from) continue;
      // Always TCP 80 (the LB VIPs' port) and ICMP; two more protocols at random.
      const picks = new Set<Protocol>([PROTOCOLS[0]!, PROTOCOLS[5]!]);
      while (picks.size < 4) picks.add(PROTOCOLS[Math.floor(r() * PROTOCOLS.length)]!);
      for (const p of picks) add(`${protoText(p)}`, { from, to, protocol: p });
      if (r() < 0.25) add('reply', { from, to, protocol: PROTOCOLS[Math.floor(r() * 5)]!, reply: true });
    }
  }
  // Variants: TTL, MTU (gateway_mtu 1400 on lr0-ext), spoofing, LB backends, from outside.
  for (const from of SOURCES) {
    add('ttl-1', { from, to: '8.8.8.8', protocol: { kind: 'icmp' }, ttl: 1 });
    add('ttl-1-ew', { from, to: '10.2.2.12', protocol: { kind: 'tcp', port: 8080 }, ttl: 1 });
    add('size-1500', { from, to: '8.8.8.8', protocol: { kind: 'tcp', port: 443 }, size: 1500 }, true);
    add('size-1300', { from, to: '8.8.8.8', protocol: { kind: 'tcp', port: 443 }, size: 1300 }, true);
    add('spoof-ip', { from, to: '10.2.2.11', protocol: { kind: 'tcp', port: 8080 }, srcIp: '10.2.9.9' });
    add('spoof-mac', { from, to: '10.2.2.12', protocol: { kind: 'icmp' }, srcMac: '0a:00:0f:0f:0f:0f' });
  }
  for (const from of ['web-1', 'team-a/web-2', 'team-a_web-3', 'team-c/web-x']) {
    for (const backend of ['10.2.2.11:8080', '10.2.2.12:8080']) {
      add('lb-dst', { from, to: '10.2.0.100', protocol: { kind: 'tcp', port: 80 }, lbDst: backend });
      add('lb-dst-reply', { from, to: '10.2.0.100', protocol: { kind: 'tcp', port: 80 }, lbDst: backend, reply: true });
    }
  }
  // Stateless ACLs on tenant-c let requests to port 80 in and no reply out: asymmetric drops.
  for (const from of ['web-1', 'db-1-port', 'c2', 'tapb3']) add('stateless-reply', { from, to: 'team-c/web-x', protocol: { kind: 'tcp', port: 80 }, reply: true });
  for (const from of ['8.8.8.8', '172.16.0.99']) {
    for (const to of ['172.16.0.20', '172.16.0.21', '172.16.0.100', '172.16.0.10', 'web-1', 'db-1-port']) {
      for (const p of [PROTOCOLS[0]!, PROTOCOLS[2]!, PROTOCOLS[5]!]) add('from-outside', { from, to, protocol: p });
      add('from-outside-reply', { from, to, protocol: { kind: 'tcp', port: 22 }, reply: true });
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// ovn-trace

/** The logical inport of a flow's in_port on a snapshot host: the VIF's iface-id, a provider uplink's localnet port. */
export function logicalInport(snapshot: Snapshot, host: string, bridge: string, flow: string): string | undefined {
  const m = /(?:^|,)in_port=(?:"([^"]+)"|([^,]+))/.exec(flow);
  const name = m?.[1] ?? m?.[2];
  const h = snapshot.hosts.find((x) => x.name === host);
  const b = h?.bridges.find((x) => x.name === bridge);
  const port = b?.ports.find((p) => p.name === name);
  if (!h || !b || !port) return undefined;
  if (port.ifaceId) return port.ifaceId;
  if (port.role.kind === 'physical') return b.ports.map((x) => h.ovsPorts.find((op) => op.name === x.name)?.externalIds['ovn-localnet-port']).find((x): x is string => !!x);
  return undefined;
}

/** An ovn-trace microflow for an ofproto/trace flow entering logical port `inport`. */
export function ovnTraceExpr(flow: string, inport: string): string {
  const { fields: f, protocols } = parseFlowFields(flow);
  const proto = protocols.find((p) => p !== 'eth' && p !== 'in_port') ?? '';
  const out: string[] = [`inport == "${inport}"`, `eth.src == ${f.get('dl_src')}`, `eth.dst == ${f.get('dl_dst')}`];
  const v6 = proto.endsWith('6') || proto === 'ipv6' || f.has('ipv6_src');
  if (proto === 'arp') {
    out.push('arp', `arp.op == ${f.get('arp_op')}`, `arp.spa == ${f.get('arp_spa')}`, `arp.tpa == ${f.get('arp_tpa')}`, `arp.sha == ${f.get('arp_sha')}`);
    if (f.get('arp_tha')) out.push(`arp.tha == ${f.get('arp_tha')}`);
    return out.join(' && ');
  }
  if (v6) out.push(`ip6.src == ${f.get('ipv6_src')}`, `ip6.dst == ${f.get('ipv6_dst')}`);
  else out.push(`ip4.src == ${f.get('nw_src')}`, `ip4.dst == ${f.get('nw_dst')}`);
  out.push(`ip.ttl == ${f.get('nw_ttl') ?? 64}`);
  const l4 = proto.replace(/6$/, '');
  if (l4 === 'tcp' || l4 === 'udp' || l4 === 'sctp') out.push(l4, `${l4}.src == ${f.get(`${l4}_src`) ?? f.get('tp_src')}`, `${l4}.dst == ${f.get(`${l4}_dst`) ?? f.get('tp_dst')}`);
  else if (proto === 'icmp') out.push('icmp4', `icmp4.type == ${f.get('icmp_type')}`, `icmp4.code == ${f.get('icmp_code')}`);
  else if (proto === 'icmp6') {
    out.push('icmp6', `icmp6.type == ${f.get('icmpv6_type') ?? f.get('icmp_type')}`, `icmp6.code == ${f.get('icmpv6_code') ?? f.get('icmp_code')}`);
    if (f.get('nd_target')) out.push(`nd.target == ${f.get('nd_target')}`);
  }
  return out.join(' && ');
}

/** Blocks whose nested outputs belong to a packet ovn-controller generates, not to the traced one. */
const GENERATORS = /^(arp|nd_ns|nd_na|nd_na_router|icmp4|icmp6|icmp4_error|icmp6_error|tcp_reset|sctp_abort|reject|put_dhcp_opts|put_dhcpv6_opts|handle_dhcpv6_reply|trigger_event|put_nd_ra_opts|dns_lookup)\b/;

/** The logical ports `ovn-trace --minimal` outputs the traced packet to (sorted, unique). */
export function ovnTraceOutputs(text: string): string[] {
  const stack: boolean[] = [];
  const out = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const inGenerated = stack.some(Boolean);
    for (const m of line.matchAll(/output\("([^"]+)"\)/g)) if (!inGenerated) out.add(m[1]!);
    if (/\{\s*$/.test(line)) stack.push(GENERATORS.test(line));
    else if (/^\}/.test(line)) stack.pop();
  }
  return [...out].sort();
}

// ---------------------------------------------------------------------------------------------
// Tunnel headers in live ofproto/trace

export interface OracleTunnelOutput {
  readonly ofport: number;
  readonly tunId: string;
  readonly metadata0?: string;
}

/** tun_id / tun_metadata0 at each `output:N` of the taken passes, from the action lines. */
export function oracleTunnelOutputs(passes: readonly OraclePass[], tunnelOfports: ReadonlySet<number>): OracleTunnelOutput[] {
  const out: OracleTunnelOutput[] = [];
  for (const p of passes) {
    let tunId = 0n;
    let md: bigint | undefined;
    for (const s of p.steps)
      for (const a of s.actions) {
        let m = /^set_field:(0x[0-9a-f]+|\d+)(?:\/0x[0-9a-f]+)?->tun_id$/.exec(a);
        if (m) tunId = BigInt(m[1]!);
        m = /^set_field:(0x[0-9a-f]+|\d+)->tun_metadata0$/.exec(a);
        if (m) md = BigInt(m[1]!);
        m = /^-> NXM_NX_TUN_METADATA0\[(\d+)\.\.(\d+)\] is now (0x[0-9a-f]+|\d+)$/.exec(a);
        if (m) {
          const lo = BigInt(m[1]!);
          const width = BigInt(m[2]!) - lo + 1n;
          const mask = ((1n << width) - 1n) << lo;
          md = ((md ?? 0n) & ~mask) | (BigInt(m[3]!) << lo);
        }
        m = /^output:(\d+)$/.exec(a);
        if (m && tunnelOfports.has(Number(m[1]))) out.push({ ofport: Number(m[1]), tunId: '0x' + tunId.toString(16), ...(md !== undefined ? { metadata0: '0x' + md.toString(16) } : {}) });
        // bundle (OVN L3-HA) prints no output line for the member it chose: every tunnel member
        // is a candidate; the caller keeps the ones the datapath actions output to.
        m = /^bundle\([^)]*members:([\d,]+)\)$/.exec(a);
        if (m)
          for (const port of m[1]!.split(',').map(Number))
            if (tunnelOfports.has(port)) out.push({ ofport: port, tunId: '0x' + tunId.toString(16), ...(md !== undefined ? { metadata0: '0x' + md.toString(16) } : {}) });
      }
  }
  return out;
}
