/**
 * Packets as a guest (or the provider network) would send them, in ofproto/trace flow syntax:
 * built from two resolved endpoints (`trace --from/--to`), from a packet that left through a
 * tunnel (the receiving chassis' side), or swapped into the reply of a delivered packet.
 *
 * The guest's rules: source MAC/IP from its Port_Binding; destination MAC = the destination's
 * MAC when the address is on the guest's subnet, else its gateway's (the router port on its
 * switch); TTL 64; a fixed source port (40000 unless given); ICMP is an echo request; ARP asks
 * for the destination (or the gateway); IPv6 "ARP" is a neighbour solicitation.
 */
import { formatIpv4, formatIpv6, formatMac, parseIpv6, quoteName } from '../model/masked.js';
import { fail, ok, type Result } from '../model/result.js';
import type { HostState } from '../model/snapshot.js';
import type { TunnelFields } from '../model/trace.js';
import { canonicalIp, describeEndpoint, inCidr, lbPlacement, splitHostPort, type Endpoint, type Resolver, type SnapshotView } from '../snapshot/resolve.js';
import { ETH_TYPE_ARP, ETH_TYPE_IP, ETH_TYPE_IPV6, SP, VLAN_CFI, type PacketState } from './state.js';

export type Protocol =
  | { readonly kind: 'tcp' | 'udp' | 'sctp'; readonly port: number }
  /** An echo request; `reply`: the echo reply (the answer traced when the request did not arrive). */
  | { readonly kind: 'icmp'; readonly reply?: boolean }
  | { readonly kind: 'arp' }
  /**
   * A DHCP client's first message: DHCPDISCOVER from 0.0.0.0:68 to 255.255.255.255:67, or (IPv6)
   * a DHCPv6 Solicit from the port's link-local address, port 546, to ff02::1:2 port 547; from the
   * port's MAC to the broadcast (33:33:00:01:00:02) MAC. The family is that of the destination.
   */
  | { readonly kind: 'dhcp' };

export interface GuestOptions {
  readonly protocol: Protocol;
  /** Source port for TCP/UDP/SCTP (default 40000). */
  readonly sport?: number;
  /** IP TTL / hop limit (default 64). */
  readonly ttl?: number;
  /** Overrides of what the binding says (to test port security, spoofing, a wrong gateway). */
  readonly srcMac?: string;
  readonly srcIp?: string;
  readonly dstMac?: string;
}

export const DEFAULT_SPORT = 40000;
export const DEFAULT_TTL = 64;
/** Source MAC of packets entering from the provider network when no MAC_Binding names the sender. */
export const EXTERNAL_MAC = '02:00:00:00:00:99';

/** Where a packet enters the OpenFlow pipeline. */
export interface PacketEntry {
  readonly kind: 'vif' | 'uplink';
  readonly host: string;
  readonly bridge: string;
  /** OpenFlow port name. */
  readonly port: string;
  readonly ofport: number;
  readonly chassis?: string;
  /** For an uplink: the provider network (physnet) and its localnet port. */
  readonly network?: string;
  readonly localnet?: string;
}

export interface GuestPacket {
  readonly entry: PacketEntry;
  /** The packet in ofproto/trace flow syntax (in_port by name). */
  readonly flow: string;
  readonly family: 4 | 6;
  readonly protocol: Protocol;
  readonly dlSrc: string;
  readonly dlDst: string;
  readonly nwSrc: string;
  readonly nwDst: string;
  readonly sport?: number;
  readonly dport?: number;
  readonly ttl: number;
  /** `direct` (same subnet) or the gateway router port the guest sends to. */
  readonly nextHop: { readonly kind: 'direct' } | { readonly kind: 'gateway'; readonly port: string; readonly router: string; readonly mac: string; readonly ip?: string };
  /** Why `dlDst` is not the next hop's MAC (`--dst-mac`, a distributed floating IP's external_mac), when it is not. */
  readonly dlDstWhy?: string;
  readonly notes: readonly string[];
}

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

function family(ip: string): 4 | 6 {
  return ip.includes(':') ? 6 : 4;
}

/** Was the endpoint given as an address (its own, a NAT external IP, a VIP, an outside address)? */
function typedIp(e: Endpoint): boolean {
  return e.ip !== undefined && (e.matchedBy === 'ip' || e.matchedBy === 'nat' || e.matchedBy === 'lb-vip' || e.matchedBy === 'external');
}

/** The ff02::1:ffXX:XXXX solicited-node address and its 33:33:ff:XX:XX:XX MAC. */
function solicited(ip: string): { ip: string; mac: string } {
  const v = parseIpv6(ip) ?? 0n;
  const low = v & 0xffffffn;
  return { ip: formatIpv6(0xff0200000000000000000001ff000000n | low), mac: formatMac(0x3333ff000000n | low) };
}

/**
 * Where an ARP request (IPv6: neighbour solicitation) for `target` goes: broadcast (the
 * solicited-node group), or, to `unicastMac` (--dst-mac), the unicast request a guest sends to
 * refresh a cache entry it has (RFC 1122 2.3.2.1; IPv6 neighbour unreachability detection, to the
 * target's own address, RFC 4861 7.3.1). OVN's responders answer both: ls_in_arp_rsp matches the
 * target address whatever the MAC, the ND responder `ip6.dst == {target, solicited-node}`.
 */
function arpDestination(fam: 4 | 6, target: string, unicastMac: string | undefined): { mac: string; ip?: string } {
  if (unicastMac) return { mac: unicastMac, ...(fam === 6 ? { ip: target } : {}) };
  return fam === 6 ? solicited(target) : { mac: 'ff:ff:ff:ff:ff:ff' };
}

/** The L3/L4 part of a flow: `tcp,...,nw_src=..,nw_dst=..,nw_ttl=..,tcp_src=..,tcp_dst=..`; an ARP request to `unicastMac` when given (`arpDestination`). */
function l3l4(p: { family: 4 | 6; protocol: Protocol; dlSrc: string; dlDst: string; nwSrc: string; nwDst: string; ttl: number; sport?: number; arpTarget?: string; unicastMac?: string }): string {
  const v6 = p.family === 6;
  const src = v6 ? `ipv6_src=${p.nwSrc}` : `nw_src=${p.nwSrc}`;
  const dst = v6 ? `ipv6_dst=${p.nwDst}` : `nw_dst=${p.nwDst}`;
  const eth = `dl_src=${p.dlSrc},dl_dst=${p.dlDst}`;
  switch (p.protocol.kind) {
    case 'tcp':
    case 'udp':
    case 'sctp': {
      const k = p.protocol.kind;
      return `${k}${v6 ? '6' : ''},${eth},${src},${dst},nw_ttl=${p.ttl},${k}_src=${p.sport ?? DEFAULT_SPORT},${k}_dst=${p.protocol.port}`;
    }
    case 'icmp':
      return v6 ? `icmp6,${eth},${src},${dst},nw_ttl=${p.ttl},icmpv6_type=${p.protocol.reply ? 129 : 128},icmpv6_code=0` : `icmp,${eth},${src},${dst},nw_ttl=${p.ttl},icmp_type=${p.protocol.reply ? 0 : 8},icmp_code=0`;
    case 'arp': {
      const target = p.arpTarget ?? p.nwDst;
      const to = arpDestination(p.family, target, p.unicastMac);
      if (v6) return `icmp6,dl_src=${p.dlSrc},dl_dst=${to.mac},${src},ipv6_dst=${to.ip},nw_ttl=255,icmpv6_type=135,icmpv6_code=0,nd_target=${target},nd_sll=${p.dlSrc}`;
      return `arp,dl_src=${p.dlSrc},dl_dst=${to.mac},arp_op=1,arp_spa=${p.nwSrc},arp_tpa=${target},arp_sha=${p.dlSrc}`;
    }
    case 'dhcp': {
      const { sport, dport } = dhcpPorts(p.family);
      return `udp${v6 ? '6' : ''},${eth},${src},${dst},nw_ttl=${p.ttl},udp_src=${sport},udp_dst=${dport}`;
    }
  }
}

/** The UDP ports of a DHCP client's message to its server (68 → 67; DHCPv6 546 → 547). */
export function dhcpPorts(fam: 4 | 6): { sport: number; dport: number } {
  return fam === 6 ? { sport: 546, dport: 547 } : { sport: 68, dport: 67 };
}

/** Where a DHCP client sends its first message: the IPv4 broadcast, or All_DHCP_Relay_Agents_and_Servers. */
export const DHCP_SERVER_ADDRESS: Readonly<Record<4 | 6, string>> = { 4: '255.255.255.255', 6: 'ff02::1:2' };

/** The EUI-64 link-local address of a MAC (fe80::/64, universal/local bit flipped): a DHCPv6 client's source. */
export function linkLocalOf(mac: string): string {
  const m = BigInt(`0x${mac.replace(/:/g, '')}`);
  const eui = (((m >> 24n) ^ 0x020000n) << 40n) | (0xfffen << 24n) | (m & 0xffffffn);
  return formatIpv6((0xfe80n << 112n) | eui);
}

/** The MAC a router learned for `ip` (SB MAC_Binding), if any. */
function learnedMac(view: SnapshotView, ip: string): string | undefined {
  return view.sb?.macBindings.find((m) => canonicalIp(m.ip) === ip)?.mac.toLowerCase();
}

function notCollected(e: Endpoint, what: string): string {
  return `${what} ${e.input}: ${e.logicalPort} is bound on chassis ${e.chassis}, which is not a host of this snapshot: collect it too (ovnscope collect --host <${e.chassis}'s address> --out DIR, or ovnscope collect -i INVENTORY --from ${e.input} --to ... --out DIR for just the path)`;
}

/** The provider-network entry for packets from outside toward `to`. */
function uplinkEntry(view: SnapshotView, resolver: Resolver, to: Endpoint): Result<{ entry: PacketEntry; router: Endpoint; notes: string[] }> {
  const sb = view.sb;
  if (!sb) return fail('the snapshot has no SB');
  // Gateway ports: chassisredirect (distributed gateway) or l3gateway (gateway router) ports.
  const toDps = to.datapath ? [to.datapath.uuid] : [];
  const candidates: { lrp: Endpoint; dist: number }[] = [];
  for (const pb of sb.portBindings) {
    if (pb.type !== 'chassisredirect' && pb.type !== 'l3gateway') continue;
    const lrpName = pb.type === 'chassisredirect' ? pb.options['distributed-port'] : pb.logicalPort;
    const lrp = lrpName ? resolver.port(lrpName) : undefined;
    if (!lrp?.datapath) continue;
    // A gateway router's patch has an l3gateway binding on both ends: the switch's end is not a
    // gateway port (its peer is the router, which has no provider network behind it).
    if (lrp.datapath.kind === 'switch') continue;
    const d = toDps.length ? Math.min(...toDps.map((t) => resolver.datapathPath(lrp.datapath!.uuid, t)?.length ?? Infinity)) : 0;
    if (d === Infinity) continue;
    candidates.push({ lrp, dist: d });
  }
  candidates.sort((a, b) => a.dist - b.dist || (a.lrp.logicalPort ?? '').localeCompare(b.lrp.logicalPort ?? ''));
  const gw = candidates[0]?.lrp;
  if (!gw) return fail(`no gateway router port leads to ${describeEndpoint(to)}: a packet from outside the overlay cannot reach it`);
  if (!gw.chassis) return fail(`gateway port ${gw.logicalPort} is not active on any chassis`);
  if (!gw.host) return fail(`the gateway port ${gw.logicalPort} is active on chassis ${gw.chassis}, which is not a host of this snapshot: collect it too`, 3);
  // The switch behind it and its localnet port.
  const peer = sb.portBindings.find((p) => p.logicalPort === gw.logicalPort)?.peer;
  const outsideDp = peer ? sb.portBindings.find((p) => p.logicalPort === peer)?.datapath : undefined;
  const localnet = sb.portBindings.find((p) => p.datapath === outsideDp && p.type === 'localnet');
  if (!localnet) return fail(`the switch behind gateway port ${gw.logicalPort} has no localnet port: there is no provider network to enter from`);
  const network = localnet.options['network_name'];
  // A distributed floating IP (dnat_and_snat with logical_port + external_mac) is answered by the
  // chassis of its port, on its own provider bridge; everything else by the gateway chassis.
  let hostName = gw.host;
  let chassis = gw.chassis;
  const notes: string[] = [];
  if (to.kind === 'nat' && to.nat?.distributed && to.nat.externalMac && to.host && to.chassis) {
    const h = view.hosts.find((x) => x.name === to.host);
    if (network && h?.openVswitch?.ovnBridgeMappings[network]) {
      hostName = to.host;
      chassis = to.chassis;
      notes.push(`${to.ip} is a distributed floating IP: its MAC ${to.nat.externalMac} is answered by ${to.chassis}, where ${to.nat.logicalPort} is bound`);
    }
  }
  const host = view.hosts.find((h) => h.name === hostName)!;
  const bridgeName = network ? host.openVswitch?.ovnBridgeMappings[network] : undefined;
  const bridge = host.bridges.find((b) => b.name === bridgeName);
  if (!bridge) return fail(`${host.name} has no bridge for provider network ${network ?? '?'} (ovn-bridge-mappings: ${host.openVswitch?.ovnBridgeMappingsText ?? 'unset'}) in the snapshot`);
  const uplinks = bridge.ports.filter((p) => p.role.kind === 'physical');
  const uplink = uplinks[0];
  if (!uplink) return fail(`bridge ${bridge.name} on ${host.name} has no physical uplink port in the snapshot`);
  if (uplinks.length > 1) notes.push(`${bridge.name} has ${uplinks.length} physical ports; entering through ${uplink.name}`);
  return ok({ entry: { kind: 'uplink', host: host.name, bridge: bridge.name, port: uplink.name, ofport: uplink.ofport, chassis, ...(network ? { network } : {}), localnet: localnet.logicalPort }, router: gw, notes });
}

/** Builds the packet `from` would send to `to`. */
export function buildGuestPacket(view: SnapshotView, resolver: Resolver, from: Endpoint, to: Endpoint, o: GuestOptions): Result<GuestPacket> {
  const notes: string[] = [];
  const ttl = o.ttl ?? DEFAULT_TTL;
  let src = from;
  if (from.kind === 'nat' && from.logicalPort) {
    const inner = resolver.port(from.logicalPort);
    if (inner) {
      notes.push(`--from ${from.input}: sending from ${inner.logicalPort} (${from.nat!.logicalIp}), the port behind the NAT address`);
      src = { ...inner, ip: canonicalIp(from.nat!.logicalIp) ?? inner.ip };
    }
  }
  for (const [flag, v] of [['--src-mac', o.srcMac], ['--dst-mac', o.dstMac]] as const) if (v !== undefined && !MAC_RE.test(v)) return fail(`${flag} ${v}: expected a MAC address such as 0a:00:00:00:00:01`);
  if (o.srcIp !== undefined && !canonicalIp(o.srcIp)) return fail(`--src-ip ${o.srcIp}: expected an IP address`);

  // Entry point and source addresses.
  let entry: PacketEntry;
  let dlSrc: string;
  let nwSrc: string | undefined;
  let routerFromOutside: Endpoint | undefined;
  if (o.protocol.kind === 'dhcp' && (src.kind === 'external-ip' || src.kind === 'router' || src.kind === 'lb-vip' || src.kind === 'localnet'))
    return fail(`--from ${from.input}: --dhcp is the request of a DHCP client, a VM/pod port asking OVN's native DHCP for its address: give the port (not ${describeEndpoint(src)})`);
  if (src.kind === 'external-ip') {
    if (to.kind === 'external-ip') return fail(`--from ${from.input} and --to ${to.input} are both outside the overlay: nothing to trace`);
    const up = uplinkEntry(view, resolver, to);
    if (!up.ok) return up;
    entry = up.value.entry;
    routerFromOutside = up.value.router;
    notes.push(...up.value.notes, `${src.ip} is outside the overlay: the packet enters from provider network ${entry.network ?? '?'} on ${entry.host} through ${entry.port} (${entry.bridge}), toward gateway port ${routerFromOutside.logicalPort}`);
    nwSrc = src.ip;
    dlSrc = (src.ip ? learnedMac(view, src.ip) : undefined) ?? EXTERNAL_MAC;
  } else if (src.kind === 'router' || src.kind === 'lb-vip' || src.kind === 'localnet') {
    return fail(`--from ${from.input} is a ${src.kind === 'lb-vip' ? 'load-balancer VIP' : src.kind === 'router' ? 'router port' : 'localnet port'}: it sends no packets of its own; give a VM/pod port, or an address outside the overlay`);
  } else {
    if (src.kind === 'localport' && !src.host)
      return fail(
        src.localportHosts?.length
          ? `--from ${from.input}: localport ${src.logicalPort} has an interface on ${src.localportHosts.join(', ')}: say which with --from ${from.input}@HOST`
          : `--from ${from.input}: ${src.logicalPort} is a localport (never bound in the SB; present on every chassis that has its interface), and no host of the snapshot has an OVS interface with external_ids:iface-id=${src.logicalPort}${src.names.neutronDeviceOwner === 'network:distributed' ? ' (is the metadata agent running, with its tap plugged?)' : ''}`,
        3,
      );
    if (!src.chassis) return fail(`--from ${from.input}: ${src.logicalPort} is not bound to any chassis, so no packet can come from it (is the VM/pod running?)`);
    if (!src.host) return fail(notCollected(src, '--from'), 3);
    if (src.ofport === undefined || !src.bridge || !src.iface) return fail(`--from ${from.input}: ${src.host} has no OVS interface with external_ids:iface-id=${src.logicalPort} in the snapshot`, 3);
    entry = { kind: 'vif', host: src.host, bridge: src.bridge, port: src.iface, ofport: src.ofport, chassis: src.chassis };
    if (!src.mac && !o.srcMac) return fail(`--from ${from.input}: ${src.logicalPort} has no MAC address (addresses "unknown"?): give --src-mac`);
    dlSrc = (o.srcMac ?? src.mac!).toLowerCase();
    nwSrc = src.ip;
  }
  if (o.protocol.kind === 'dhcp') return ok(dhcpPacket(entry, dlSrc, to, o, notes));
  // An address typed on either side (--from/--to IP, --src-ip) picks the packet's family; names
  // alone keep the port's first IPv4. A dual-stack port named by its IPv6 address is traced in IPv6.
  const srcTyped = o.srcIp !== undefined ? { flag: `--src-ip ${o.srcIp}`, fam: family(canonicalIp(o.srcIp)!) } : typedIp(from) ? { flag: `--from ${from.input}`, fam: family(from.ip!) } : undefined;
  const dstTyped = typedIp(to) ? { flag: `--to ${to.input}`, fam: family(to.ip!) } : undefined;
  if (srcTyped && dstTyped && srcTyped.fam !== dstTyped.fam) return fail(`${srcTyped.flag} is IPv${srcTyped.fam} and ${dstTyped.flag} is IPv${dstTyped.fam}: a packet has one family; give addresses of the same family (or a name on one side)`);
  if (o.srcIp) nwSrc = canonicalIp(o.srcIp);
  else if (dstTyped && !srcTyped && nwSrc && family(nwSrc) !== dstTyped.fam) {
    nwSrc = src.ips.find((x) => family(x) === dstTyped.fam);
    if (!nwSrc) return fail(`--from ${from.input}: ${src.logicalPort ?? from.input} has no IPv${dstTyped.fam} address, and ${dstTyped.flag} is IPv${dstTyped.fam}: give --src-ip, or an IPv${dstTyped.fam === 6 ? 4 : 6} --to`);
  }
  if (!nwSrc) return fail(`--from ${from.input}: ${src.logicalPort ?? from.input} has no IP address: give --src-ip`);
  const fam = family(nwSrc);

  // Destination address in the source's family.
  const nwDst = to.ip && family(to.ip) === fam ? to.ip : to.ips.find((x) => family(x) === fam);
  if (!nwDst) return fail(`--to ${to.input}: ${describeEndpoint(to)} has no IPv${fam} address, and the source sends IPv${fam} (${nwSrc})`);
  if (to.kind === 'lb-vip' && o.protocol.kind !== 'arp') {
    const lbProto = to.lb!.protocol ?? 'tcp';
    // A VIP without a port (an IPv6 one is a bare address: its last group is no port) balances
    // every packet to its address, whatever the protocol.
    const vipPort = splitHostPort(to.lb!.vip)?.port;
    if (vipPort !== undefined && (o.protocol.kind === 'icmp' || o.protocol.kind !== lbProto || o.protocol.port !== vipPort))
      notes.push(`${to.lb!.name} balances ${lbProto}${vipPort ? ` port ${vipPort}` : ''} on ${to.lb!.vip}: this packet does not match the VIP`);
  }

  // Next hop and destination MAC.
  let nextHop: GuestPacket['nextHop'] = { kind: 'direct' };
  let dlDst: string;
  let arpTarget: string | undefined;
  let dlDstWhy: string | undefined;
  if (routerFromOutside) {
    const distributedFip = to.kind === 'nat' && to.nat?.distributed && to.nat.externalMac && entry.host === to.host && entry.host !== routerFromOutside.host;
    dlDst = (distributedFip ? to.nat!.externalMac : routerFromOutside.mac) ?? 'ff:ff:ff:ff:ff:ff';
    if (distributedFip) dlDstWhy = `the external_mac of distributed floating IP ${to.ip}`;
    nextHop = { kind: 'gateway', port: routerFromOutside.logicalPort!, router: routerFromOutside.router ?? '?', mac: routerFromOutside.mac ?? dlDst, ...(routerFromOutside.ip ? { ip: routerFromOutside.ip } : {}) };
    arpTarget = to.kind === 'router' ? nwDst : (routerFromOutside.ips.find((x) => family(x) === fam) ?? nwDst);
    if (to.kind === 'nat' || to.kind === 'lb-vip' || to.kind === 'router') arpTarget = nwDst;
  } else {
    const gw = resolver.gateway({ ...src, ip: nwSrc }, { ...to, ip: nwDst });
    if (gw) {
      nextHop = { kind: 'gateway', port: gw.port, router: gw.router, mac: gw.mac, ...(gw.ips.find((x) => family(x) === fam) ? { ip: gw.ips.find((x) => family(x) === fam)! } : {}) };
      dlDst = gw.mac;
      arpTarget = gw.ips.find((x) => family(x) === fam && gw.networks.some((n) => inCidr(nwSrc!, n))) ?? gw.ips.find((x) => family(x) === fam);
    } else {
      // A VIP on the guest's own subnet is not a port: the guest ARPs for it, and what it learns
      // is the MAC of whatever answers (OVN's routers do for the VIPs of their load balancers).
      const responder = to.kind === 'lb-vip' ? resolver.vipResponder(src, nwDst) : undefined;
      const mac = responder?.mac ?? (to.kind === 'lb-vip' || to.kind === 'external-ip' ? learnedMac(view, nwDst) : to.mac);
      const sw = src.datapath?.name ?? 'the source switch';
      if (responder) {
        dlDst = responder.mac;
        notes.push(`${nwDst} is on ${sw}'s subnet and router ${responder.router} answers ARP/ND for it (${responder.why})${o.protocol.kind === 'arp' ? '' : `: the guest sends to ${responder.port}'s MAC ${responder.mac}`}`);
      } else if (mac) dlDst = mac;
      else {
        const subnets = resolver.subnets(src);
        const off = !subnets.some((n) => inCidr(nwDst, n)) && subnets.length > 0;
        if (off || (to.kind !== 'external-ip' && to.kind !== 'lb-vip')) return fail(`--to ${to.input}: ${src.logicalPort}'s switch ${src.datapath?.name ?? '?'} has no router port to reach ${nwDst}: the guest has no gateway for it`);
        // Flooding it would reach the backends un-balanced (eth.mcast skips the load balancer)
        // and read as delivered; a real guest never sends it.
        // Without the NB group listing, a router may carry it through a group: say what is unknown.
        const unlisted = (to.lb?.groupsUnlistedOn?.length ?? 0) > 0;
        if (to.kind === 'lb-vip' && !o.dstMac && o.protocol.kind !== 'arp')
          return fail(
            unlisted
              ? `--to ${to.input}: ${nwDst} is on ${sw}'s subnet, but no router port on ${sw} is known to answer ARP/ND for it: ${lbPlacement(to.lb!)}. OVN's switches answer for no VIP: if no router on ${sw} has ${to.lb!.name}, a real guest's ${family(nwDst) === 6 ? 'neighbour solicitation' : 'ARP'} goes unanswered and it never sends this packet. Then attach the load balancer to a router on ${sw} (ovn-nbctl lr-lb-add, or through a Load_Balancer_Group in the router's load_balancer_group); or trace it anyway with --dst-mac (the MAC of the router port that answers)`
              : `--to ${to.input}: ${nwDst} is on ${sw}'s subnet, but no router port on ${sw} answers ARP/ND for it (${lbPlacement(to.lb!)}, and OVN's switches answer for no VIP): a real guest's ${family(nwDst) === 6 ? 'neighbour solicitation' : 'ARP'} goes unanswered and it never sends this packet. Attach the load balancer to a router on ${sw} (ovn-nbctl lr-lb-add, or through a Load_Balancer_Group in the router's load_balancer_group), or trace it anyway with --dst-mac`,
            1,
          );
        dlDst = 'ff:ff:ff:ff:ff:ff';
        // An ARP request is that first step: the note is for the packets that would follow it.
        if (!o.dstMac && o.protocol.kind !== 'arp') notes.push(`no MAC known for ${nwDst} on ${sw} (a guest would ARP first): sent to ff:ff:ff:ff:ff:ff`);
      }
      arpTarget = nwDst;
    }
  }
  if (o.dstMac) {
    dlDst = o.dstMac.toLowerCase();
    dlDstWhy = 'given with --dst-mac';
  }
  const sport = o.protocol.kind === 'tcp' || o.protocol.kind === 'udp' || o.protocol.kind === 'sctp' ? (o.sport ?? DEFAULT_SPORT) : undefined;
  const body = l3l4({ family: fam, protocol: o.protocol, dlSrc, dlDst, nwSrc, nwDst, ttl, ...(sport !== undefined ? { sport } : {}), ...(arpTarget ? { arpTarget } : {}), ...(o.dstMac ? { unicastMac: dlDst } : {}) });
  const flow = `in_port=${quoteName(entry.port)},${body}`;
  return ok({
    entry,
    flow,
    family: fam,
    protocol: o.protocol,
    dlSrc,
    dlDst: o.protocol.kind === 'arp' ? arpDestination(fam, arpTarget ?? nwDst, o.dstMac ? dlDst : undefined).mac : dlDst,
    nwSrc,
    nwDst: o.protocol.kind === 'arp' ? (arpTarget ?? nwDst) : nwDst,
    ...(sport !== undefined ? { sport } : {}),
    ...(o.protocol.kind === 'tcp' || o.protocol.kind === 'udp' || o.protocol.kind === 'sctp' ? { dport: o.protocol.port } : {}),
    ttl,
    nextHop,
    ...(dlDstWhy && nextHop.kind === 'gateway' && nextHop.mac !== dlDst ? { dlDstWhy } : {}),
    notes,
  });
}

/**
 * A DHCP client's first message (`Protocol` 'dhcp'), in the family of `to`'s address (the
 * broadcast or ff02::1:2): the client has no address yet, so its source is 0.0.0.0 (IPv6: the
 * link-local address of its MAC), its destination the broadcast (multicast) MAC; --src-ip and
 * --dst-mac override them. Not routed: the answer, if any, comes from ovn-controller on the
 * port's own chassis (ls_in_dhcp_options' put_dhcp_opts / put_dhcpv6_opts).
 */
function dhcpPacket(entry: PacketEntry, dlSrc: string, to: Endpoint, o: GuestOptions, notes: string[]): GuestPacket {
  const fam = to.ip && family(to.ip) === 6 ? 6 : 4;
  const nwSrc = o.srcIp !== undefined ? canonicalIp(o.srcIp)! : fam === 6 ? linkLocalOf(dlSrc) : '0.0.0.0';
  const nwDst = DHCP_SERVER_ADDRESS[fam];
  const dlDst = (o.dstMac ?? (fam === 6 ? '33:33:00:01:00:02' : 'ff:ff:ff:ff:ff:ff')).toLowerCase();
  const ttl = o.ttl ?? DEFAULT_TTL;
  const { sport, dport } = dhcpPorts(fam);
  const flow = `in_port=${quoteName(entry.port)},${l3l4({ family: fam, protocol: o.protocol, dlSrc, dlDst, nwSrc, nwDst, ttl })}`;
  return { entry, flow, family: fam, protocol: o.protocol, dlSrc, dlDst, nwSrc, nwDst, sport, dport, ttl, nextHop: { kind: 'direct' }, notes };
}

// ---------------------------------------------------------------------------------------------
// Packets from packet state (tunnel continuation, replies)

const PROTO_NAMES: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '132': 'sctp', '1': 'icmp', '58': 'icmp6' };

export interface StateFlowOptions {
  /** OpenFlow port name the packet enters through. */
  readonly inPort: string;
  /** Tunnel metadata the receiving side sees (tun_id, tun_src, tun_dst, tun_metadata0). */
  readonly tunnel?: Pick<TunnelFields, 'tunId' | 'tunSrc' | 'tunDst' | 'metadata0'>;
  /** Swap source and destination (MAC, IP, L4 ports) and turn requests into replies. */
  readonly reply?: boolean;
  /** Overrides the TTL (a replying guest starts at 64). */
  readonly ttl?: number;
  /** With `reply`: the replier's own MAC (the request may have been broadcast). */
  readonly replyMac?: string;
}

/**
 * The wire headers of a packet (what a tunnel carries: L2 to L4) as an ofproto/trace flow,
 * entering through `inPort`. Pipeline state (registers, metadata, conntrack, recirculation,
 * dp_hash) is not carried.
 */
export function flowFromState(s: PacketState, o: StateFlowOptions): string {
  const out: string[] = [`in_port=${quoteName(o.inPort)}`];
  if (o.tunnel) {
    out.push(`tun_id=${o.tunnel.tunId}`);
    // IPv6 TEPs are other fields (ofproto/trace refuses an IPv6 address in tun_src/tun_dst).
    if (o.tunnel.tunSrc) out.push(`${o.tunnel.tunSrc.includes(':') ? 'tun_ipv6_src' : 'tun_src'}=${o.tunnel.tunSrc}`);
    if (o.tunnel.tunDst) out.push(`${o.tunnel.tunDst.includes(':') ? 'tun_ipv6_dst' : 'tun_dst'}=${o.tunnel.tunDst}`);
    if (o.tunnel.metadata0) out.push(`tun_metadata0=${o.tunnel.metadata0}`);
  }
  const dlType = s.space(SP.dl_type);
  const proto = s.space(SP.nw_proto);
  let dlSrc = formatMac(s.space(SP.dl_src));
  let dlDst = formatMac(s.space(SP.dl_dst));
  const swap = !!o.reply;
  if (swap) [dlSrc, dlDst] = [o.replyMac ?? dlDst, dlSrc];
  const tci = s.space(SP.vlan_tci);
  const vlan = tci & VLAN_CFI ? [`dl_vlan=${tci & 0xfffn}`, ...((tci >> 13n) & 7n ? [`dl_vlan_pcp=${(tci >> 13n) & 7n}`] : [])] : [];
  if (dlType === ETH_TYPE_ARP) {
    // OVS keeps the ARP opcode in nw_proto, SPA/TPA in nw_src/nw_dst.
    const op = Number(s.space(SP.nw_proto));
    let spa = formatIpv4(s.space(SP.nw_src));
    let tpa = formatIpv4(s.space(SP.nw_dst));
    let sha = formatMac(s.space(SP.arp_sha));
    let tha = formatMac(s.space(SP.arp_tha));
    let arpOp = op;
    if (swap) {
      [spa, tpa] = [tpa, spa];
      // The replier answers with its own MAC (the request's target) to the asker.
      tha = sha;
      sha = dlSrc;
      arpOp = 2;
    }
    out.push('arp', ...vlan, `dl_src=${dlSrc}`, `dl_dst=${dlDst}`, `arp_op=${arpOp}`, `arp_spa=${spa}`, `arp_tpa=${tpa}`, `arp_sha=${sha}`, `arp_tha=${tha}`);
    return out.join(',');
  }
  if (dlType !== ETH_TYPE_IP && dlType !== ETH_TYPE_IPV6) {
    out.push(...vlan, `dl_src=${dlSrc}`, `dl_dst=${dlDst}`, `dl_type=0x${dlType.toString(16).padStart(4, '0')}`);
    return out.join(',');
  }
  const v6 = dlType === ETH_TYPE_IPV6;
  const name = PROTO_NAMES[String(proto)];
  const kw = name === 'icmp6' ? 'icmp6' : name ? `${name}${v6 && name !== 'icmp' ? '6' : ''}` : v6 ? 'ipv6' : 'ip';
  out.push(kw, ...vlan, `dl_src=${dlSrc}`, `dl_dst=${dlDst}`);
  let nwSrc = v6 ? formatIpv6(s.space(SP.ipv6_src)) : formatIpv4(s.space(SP.nw_src));
  let nwDst = v6 ? formatIpv6(s.space(SP.ipv6_dst)) : formatIpv4(s.space(SP.nw_dst));
  if (swap) [nwSrc, nwDst] = [nwDst, nwSrc];
  out.push(v6 ? `ipv6_src=${nwSrc}` : `nw_src=${nwSrc}`, v6 ? `ipv6_dst=${nwDst}` : `nw_dst=${nwDst}`);
  if (!name && !v6) out.push(`nw_proto=${proto}`);
  if (!name && v6) out.push(`nw_proto=${proto}`);
  const tos = s.space(SP.nw_tos);
  if (tos & 0xfcn) out.push(`nw_tos=${tos & 0xfcn}`);
  if (tos & 3n) out.push(`nw_ecn=${tos & 3n}`);
  out.push(`nw_ttl=${o.ttl ?? s.space(SP.nw_ttl)}`);
  const frag = s.space(SP.ip_frag);
  if (frag & 1n) out.push(`nw_frag=${frag & 2n ? 'later' : 'first'}`);
  if (v6 && s.space(SP.ipv6_label)) out.push(`ipv6_label=0x${s.space(SP.ipv6_label).toString(16)}`);
  let tpSrc = s.space(SP.tp_src);
  let tpDst = s.space(SP.tp_dst);
  if (name === 'tcp' || name === 'udp' || name === 'sctp') {
    if (swap) [tpSrc, tpDst] = [tpDst, tpSrc];
    out.push(`${name}_src=${tpSrc}`, `${name}_dst=${tpDst}`);
    const flags = s.space(SP.tcp_flags);
    if (name === 'tcp' && flags && !swap) out.push(`tcp_flags=0x${flags.toString(16)}`);
  } else if (name === 'icmp') {
    // Echo request → echo reply.
    const type = swap && tpSrc === 8n ? 0n : tpSrc;
    out.push(`icmp_type=${type}`, `icmp_code=${tpDst}`);
  } else if (name === 'icmp6') {
    const type = swap && tpSrc === 128n ? 129n : tpSrc;
    out.push(`icmpv6_type=${type}`, `icmpv6_code=${tpDst}`);
    if ((type === 135n || type === 136n) && tpDst === 0n) {
      out.push(`nd_target=${formatIpv6(s.space(SP.nd_target))}`);
      if (s.space(SP.arp_sha)) out.push(`nd_sll=${formatMac(s.space(SP.arp_sha))}`);
      if (s.space(SP.arp_tha)) out.push(`nd_tll=${formatMac(s.space(SP.arp_tha))}`);
    }
  }
  return out.join(',');
}

/** The host state of a snapshot host by name (for callers holding only names). */
export function hostByName(view: SnapshotView, name: string): HostState | undefined {
  return view.hosts.find((h) => h.name === name);
}
