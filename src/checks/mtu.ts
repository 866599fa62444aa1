/**
 * MTU along a VM-to-VM path and across the cluster (DOMAIN.md "Overhead and MTU", rules H0–H8):
 * the on-call question "small pings work, large transfers stall — where is the MTU too small?".
 *
 * Let O = the GENEVE overhead OVN adds on top of the inner IP packet (58 B on an IPv4 underlay,
 * 78 B on IPv6 or dual stack; +4 on a VLAN-transparent network; +46 with IPsec), M_net = the
 * logical network MTU (DHCP_Options mtu, Neutron `neutron:mtu`, or the platform's configured MTU),
 * U = the smallest IP MTU on a host's egress toward a remote TEP (every ECMP leg, every device
 * below it). An inner packet of size S crosses a leg when S + O ≤ U(leg).
 *
 *   H0 VM/pod NIC (tap/veth, OVS Interface mtu/mtu_request)  mtu(tap) ≤ M_net (FAIL >, WARN <)
 *   H1 logical network                                        M_net + O ≤ U on every pair of chassis
 *   H2 br-int                                                 INFO (internal port, not on the path)
 *   H3 tunnel port / genev_sys_6081                           INFO; WARN when df_default=false
 *   H4 egress device chain (route legs, VLAN/bond/bridge)     every device ≥ M_net + O; VLAN child ≤ parent;
 *                                                             bond slaves = bond; ECMP legs alike (WARN)
 *   H5 underlay switch ports                                  out-of-band (--switch-mtu), else N/A
 *   H6 underlay L3 path (PMTU exceptions, ip route get)       PMTU ≥ M_net + O
 *   H7 north-south gateway                                    gateway_mtu set and ≤ M_net; check_pkt_len
 *   H8 consistency                                            one M_net, one O, no node with a smaller U
 *
 * Pure: the typed MTU view of a snapshot in (`loadMtu`), hop rows and findings out.
 */
import { compareFindings, excerptOf, type Evidence, type Finding, type FindingSeverity } from '../model/finding.js';
import type { NbLogicalRouter, NbLogicalRouterPort, NbLogicalSwitch, NbLogicalSwitchPort } from '../model/ovn.js';
import type { OvsInterface } from '../model/ovs.js';
import { resolveNexthop, routeLegs, type IpLink, type IpRoute } from '../parse/iproute.js';
import { KERNEL_IDS } from '../snapshot/load-bgp.js';
import { egressChain, SHARED_IDS, type ChainRelation, type ChainRole } from '../snapshot/load-offload.js';
import { dhcpv4OptionsOf, legInterface, lookupRoute, MTU_IDS, type MtuCentral, type MtuHostState, type MtuSnapshot, type NbDhcpOptions, type OvnBridgeDatapath } from '../snapshot/load-mtu.js';

// ---------------------------------------------------------------------------------------------
// Overhead

export interface OverheadPart {
  readonly name: string;
  readonly bytes: number;
}

export interface Overhead {
  readonly family: 'inet' | 'inet6';
  /** Bytes added on top of the inner IP packet, against the underlay IP MTU. */
  readonly total: number;
  readonly parts: readonly OverheadPart[];
  readonly vlanTransparent: boolean;
  readonly ipsec: boolean;
}

/** CNO's ESP budget for OVN IPsec (transport mode, AES-GCM). */
export const IPSEC_OVERHEAD = 46;

/**
 * OVN's GENEVE overhead (DOMAIN.md table; ovn-kubernetes GeneveHeaderLengthIPv4 = 58, IPv6 = 78;
 * Neutron max_header_size 38 + IP header).
 */
export function geneveOverhead(o: { readonly ipv6?: boolean; readonly vlanTransparent?: boolean; readonly ipsec?: boolean } = {}): Overhead {
  const parts: OverheadPart[] = [
    { name: 'inner Ethernet header', bytes: 14 },
    ...(o.vlanTransparent ? [{ name: 'inner 802.1Q tag (VLAN-transparent network)', bytes: 4 }] : []),
    { name: 'GENEVE base header', bytes: 8 },
    { name: 'OVN option TLV (4 B header: class 0x0102, type 0x80, len; 4 B data: ingress/egress port keys)', bytes: 8 },
    { name: 'outer UDP header', bytes: 8 },
    { name: o.ipv6 ? 'outer IPv6 header' : 'outer IPv4 header', bytes: o.ipv6 ? 40 : 20 },
    ...(o.ipsec ? [{ name: 'IPsec ESP (transport mode, AES-GCM budget)', bytes: IPSEC_OVERHEAD }] : []),
  ];
  return { family: o.ipv6 ? 'inet6' : 'inet', total: parts.reduce((a, p) => a + p.bytes, 0), parts, vlanTransparent: !!o.vlanTransparent, ipsec: !!o.ipsec };
}

/** Short name of an overhead part: `inner Ethernet`, `GENEVE`, `OVN option`, `UDP`, `IPv4`, … */
export function partName(p: OverheadPart): string {
  const n = p.name;
  if (n.startsWith('inner Ethernet')) return 'inner Ethernet';
  if (n.startsWith('inner 802.1Q')) return 'inner VLAN tag';
  if (n.startsWith('GENEVE')) return 'GENEVE';
  if (n.startsWith('OVN option')) return 'OVN option';
  if (n.startsWith('outer UDP')) return 'UDP';
  if (n.startsWith('outer IPv6')) return 'IPv6';
  if (n.startsWith('outer IPv4')) return 'IPv4';
  if (n.startsWith('IPsec')) return 'IPsec ESP';
  return n;
}

/** `58 B = 14 inner Ethernet + 8 GENEVE + 8 OVN option + 8 UDP + 20 IPv4`. */
export function overheadText(o: Overhead): string {
  return `${o.total} B = ${o.parts.map((p) => `${p.bytes} ${partName(p)}`).join(' + ')}`;
}

// ---------------------------------------------------------------------------------------------
// Options and shapes

export interface MtuCheckOptions {
  /** The platform's configured MTU (OVN-Kubernetes --mtu, Kube-OVN, CNO) when the NB carries none. */
  readonly networkMtu?: number;
  /** OVN IPsec is on (adds the ESP budget to O). */
  readonly ipsec?: boolean;
  /** H5: the underlay switch ports' MTU (out-of-band input). */
  readonly switchMtu?: number;
  /** What --switch-mtu means: `l3` = IP MTU like Linux (default), `l2` = frame size including the Ethernet header (+4 per 802.1Q tag). */
  readonly switchMtuSemantics?: 'l3' | 'l2';
}

export type HopId = 'H0' | 'H1' | 'H2' | 'H3' | 'H4' | 'H5' | 'H6' | 'H7' | 'H8';
export type HopSide = 'source' | 'destination' | 'network' | 'gateway';

/** One row of the hop table (`--json` carries them as they are). */
export interface HopRow {
  readonly hop: HopId;
  readonly side: HopSide;
  /** `reverse`: a row about the replies only (the gateway's check on packets coming in from outside); it never limits the forward direction. */
  readonly direction?: 'reverse';
  readonly host?: string;
  /** What the row is about: `tapm1`, `mtu-in (logical switch)`, `eth1`, `gr1-ext gateway_mtu`. */
  readonly subject: string;
  /** tap, network, br-int, tunnel-port, route-leg, vlan, bond, bond-slave, bridge, bridge-port, nic, veth, macvlan, route-mtu, pmtu, switch, gateway-port, localnet, check_pkt_len … */
  readonly role: string;
  /** ECMP leg this row belongs to: `1/2 via 10.0.1.0 dev eth0`. */
  readonly leg?: string;
  /** Indentation under the leg (0 = the leg device). */
  readonly depth: number;
  /** The configured value this row is about (device MTU, network MTU, gateway_mtu). */
  readonly mtu?: number;
  /** What the rule requires of `mtu` (`≥ required`, or `≤ required` for H0/H7 — see `rule`). */
  readonly required?: number;
  /** The rule in words: `≥ M_net + O = 1458`. */
  readonly rule?: string;
  /** Largest inner IP packet this hop lets through (undefined: it does not limit the packet). */
  readonly maxInner?: number;
  readonly severity: FindingSeverity;
  readonly note: string;
  readonly evidence: Evidence;
}

export interface NetworkMtu {
  /** Logical switch name. */
  readonly network: string;
  readonly value?: number;
  /** `DHCP_Options 10.6.0.0/24 options:mtu`, `Logical_Switch external_ids:neutron:mtu`, `--mtu`. */
  readonly source: string;
  readonly evidence: Evidence;
  /** Every source that gave a value (H8 compares them). */
  readonly candidates: readonly { readonly value: number; readonly source: string; readonly evidence: Evidence }[];
  /** Logical_Switch other_config:vlan-passthru=true (VLAN-transparent: +4 B). */
  readonly vlanTransparent: boolean;
}

// ---------------------------------------------------------------------------------------------
// Evidence

function hostFile(h: MtuHostState, id: string): string {
  return h.files.get(id)?.file ?? h.commands.get(id)?.file ?? `hosts/${h.host}/${id}.out`;
}

/** A verbatim slice of a collected line around `needle` (ip -j prints one long line). */
function sliceEvidence(h: MtuHostState, id: string, line: number | undefined, needle: string, fallback: string): Evidence {
  const f = h.files.get(id);
  if (!f) return { file: hostFile(h, id), excerpt: fallback };
  const text = f.lines[(line ?? 1) - 1] ?? '';
  const at = text.indexOf(needle);
  if (at < 0) return { file: f.file, line, excerpt: fallback };
  const start = Math.max(0, text.lastIndexOf('{', at));
  return { file: f.file, line: line ?? 1, excerpt: excerptOf(text.slice(start, start + 180)) };
}

function linkEvidence(h: MtuHostState, l: IpLink): Evidence {
  return sliceEvidence(h, KERNEL_IDS.link, l.line, `"ifname":"${l.ifname}"`, `${l.ifname} mtu ${l.mtu ?? '?'}`);
}

function routeEvidence(h: MtuHostState, r: IpRoute, id: string = r.family === 'inet6' ? MTU_IDS.route6 : KERNEL_IDS.route): Evidence {
  return sliceEvidence(h, id, r.line, `"dst":"${r.dst}"`, `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`);
}

function ifaceEvidence(h: MtuHostState, i: OvsInterface, what: string): Evidence {
  return { file: hostFile(h, SHARED_IDS.interface), excerpt: excerptOf(`Interface ${i.name}: ${what}`) };
}

function centralEvidence(c: MtuCentral | undefined, id: string, excerpt: string): Evidence {
  return { file: c?.files.get(id) ?? `central/${id}.out`, excerpt: excerptOf(excerpt) };
}

const isV6 = (ip: string) => ip.includes(':');

// ---------------------------------------------------------------------------------------------
// Fix hints of the findings that change nothing: an n/a names the read-only command that shows
// the missing data (or what to collect), an info says "nothing to change" and why (DESIGN.md:
// every finding that is not a pass says what to do).

/** Read-only commands to run on a host by hand, or the collection that runs them. */
const runByHand = (host: string, commands: readonly string[], recipe = 'kernel') => `run ${commands.map((c) => `"${c}"`).join(' and ')} on ${host}, or collect again with this ovnscope (its ${recipe} recipe runs ${commands.length > 1 ? 'them' : 'it'})`;

/** How to learn the network MTU the audit lacks (no DHCP_Options mtu, no neutron:mtu, no --mtu). */
function networkMtuSource(c: MtuCentral | undefined): string {
  return c
    ? "give --mtu with the platform's network MTU (OVN-Kubernetes --mtu, Kube-OVN, CNO; Neutron: openstack network show NET -c mtu): the NB has no DHCP_Options options:mtu or neutron:mtu for this network"
    : 'collect with an "ovn: { via: HOST }" inventory section (the NB\'s DHCP_Options options:mtu / neutron:mtu say what the VMs are told), or give --mtu with the platform\'s network MTU';
}

/** Info of a device, route or path whose MTU is known while the network MTU is not. */
const untilNetworkKnown = (c: MtuCentral | undefined, why: string) => `nothing to change until the network MTU is known (${why}): ${networkMtuSource(c)}`;

/** Where a network's MTU is set, by platform: what tells the VMs their MTU. */
function setNetworkMtu(n: Pick<NetworkMtu, 'network' | 'source'>, value: number): string {
  if (n.source.includes('neutron') || n.network.startsWith('neutron-')) return `openstack network set --mtu ${value} ${n.network.replace(/^neutron-/, '')} (Neutron rewrites DHCP_Options mtu and neutron:mtu; the VMs take it at their next DHCP renewal)`;
  if (n.source.startsWith('OVN-Kubernetes')) return `set the cluster MTU to ${value} (ovnkube --mtu; OpenShift: the CNO MTU migration)`;
  if (n.source.startsWith('--mtu')) return `set the platform's network MTU to ${value} (OVN-Kubernetes: the cluster MTU, ovnkube --mtu; OpenShift: the CNO MTU migration; Kube-OVN: its MTU setting), then give --mtu ${value} here to check it`;
  const cidr = /^DHCP_Options (\S+)/.exec(n.source)?.[1];
  return `ovn-nbctl set DHCP_Options ${cidr ? `$(ovn-nbctl --bare --columns=_uuid find DHCP_Options cidr="${cidr}")` : 'UUID'} options:mtu=${value} (what the VMs of ${n.network} are told; their interfaces' mtu_request to match)`;
}

/**
 * H1 fail: the network MTU does not fit the underlay. Lowering it is done where the platform sets
 * it (setNetworkMtu); --mtu only tells this audit what MTU to assume, so it is offered to check
 * another value, never as the way to lower it.
 */
function networkTooLargeFix(n: NetworkMtu, fits: number, need: number, hosts?: readonly string[]): string {
  return `lower the network MTU to ${fits}: ${setNetworkMtu(n, fits)}; or raise the underlay${hosts?.length ? ` of ${hosts.join(', ')}` : ''} to ${need} where the MTU-H4/H5/H6 findings show it smaller (a device: ip link set DEV mtu ${need}, and persist it). --mtu only sets what this audit assumes: give --mtu N to check another value`;
}

// ---------------------------------------------------------------------------------------------
// Logical network MTU (H1 source)

/** Which logical switch a port is on. */
export function switchOfPort(c: MtuCentral, port: string): NbLogicalSwitch | undefined {
  const lsp = c.switchPorts.find((p) => p.name === port);
  return lsp ? c.switches.find((s) => s.ports.includes(lsp.uuid)) : undefined;
}

/**
 * M_net of a logical switch (or of one of its ports, whose own DHCP options win): DHCP_Options
 * `mtu` the ports use (what the VMs are told), Neutron's `neutron:mtu`, an OVN-Kubernetes gateway
 * router's gateway_mtu (set to the cluster MTU), then `--mtu`.
 */
export function networkMtuOf(c: MtuCentral | undefined, ls: NbLogicalSwitch | undefined, options: MtuCheckOptions = {}, port?: NbLogicalSwitchPort): NetworkMtu {
  const candidates: { value: number; source: string; evidence: Evidence }[] = [];
  const name = ls?.name ?? '(unknown switch)';
  if (c && ls) {
    const dhcpById = new Map(c.dhcpOptions.map((d) => [d.uuid, d] as const));
    const ports = c.switchPorts.filter((p) => ls.ports.includes(p.uuid));
    const used = new Map<string, NbDhcpOptions>();
    for (const p of port ? [port, ...ports.filter((x) => x !== port)] : ports) {
      const id = dhcpv4OptionsOf(p);
      const d = id ? dhcpById.get(id) : undefined;
      if (d?.mtu !== undefined && !used.has(d.uuid)) used.set(d.uuid, d);
    }
    const subnet = ls.otherConfig.subnet;
    if (subnet) for (const d of c.dhcpOptions) if (d.cidr === subnet && d.mtu !== undefined && !used.has(d.uuid)) used.set(d.uuid, d);
    for (const d of used.values())
      candidates.push({ value: d.mtu!, source: `DHCP_Options ${d.cidr} options:mtu`, evidence: centralEvidence(c, 'ovn-nbctl.list.DHCP_Options', `DHCP_Options ${d.uuid.slice(0, 8)} cidr=${d.cidr} options:mtu="${d.options.mtu}"`) });
    const neutron = ls.externalIds['neutron:mtu'];
    if (neutron && /^\d+$/.test(neutron)) candidates.push({ value: Number(neutron), source: 'Logical_Switch external_ids:neutron:mtu', evidence: centralEvidence(c, 'ovn-nbctl.list.Logical_Switch', `Logical_Switch ${ls.name} external_ids:"neutron:mtu"="${neutron}"`) });
    if (!candidates.length) {
      // OVN-Kubernetes: GR_<node> gateway_mtu = config.Default.MTU (unless disabled).
      const gr = c.routers.find((r) => /^GR_/.test(r.name) && c.routerPorts.some((p) => r.ports.includes(p.uuid) && p.gatewayMtu !== undefined));
      const grPort = gr ? c.routerPorts.find((p) => gr.ports.includes(p.uuid) && p.gatewayMtu !== undefined) : undefined;
      if (gr && grPort) candidates.push({ value: grPort.gatewayMtu!, source: `OVN-Kubernetes ${gr.name} ${grPort.name} options:gateway_mtu (= ovnkube --mtu)`, evidence: centralEvidence(c, 'ovn-nbctl.list.Logical_Router_Port', `${grPort.name} options:gateway_mtu=${grPort.gatewayMtu}`) });
    }
  }
  if (options.networkMtu !== undefined) candidates.push({ value: options.networkMtu, source: '--mtu (configured platform MTU)', evidence: { file: '(command line)', excerpt: `--mtu ${options.networkMtu}` } });
  const first = candidates[0];
  return {
    network: name,
    value: first?.value,
    source: first?.source ?? 'unknown: no DHCP_Options mtu, no neutron:mtu (give --mtu)',
    evidence: first?.evidence ?? centralEvidence(c, 'ovn-nbctl.list.DHCP_Options', c ? `no mtu for ${name}` : 'NB not collected'),
    candidates,
    vlanTransparent: ls?.otherConfig['vlan-passthru'] === 'true',
  };
}

// ---------------------------------------------------------------------------------------------
// Egress toward a remote TEP (H4, H6)

export interface LegDevice {
  readonly name: string;
  readonly depth: number;
  readonly relation: ChainRelation;
  readonly role: ChainRole;
  readonly upper?: string;
  readonly kind?: string;
  /** Kernel MTU (`ip -j -d link`), or OVS Interface mtu for DPDK ports. */
  readonly mtu?: number;
  readonly link?: IpLink;
  readonly iface?: OvsInterface;
  /**
   * A backup slave of an active-backup bond (or a device below one): it carries the leg's traffic
   * only after a failover, so it does not limit today's packets. `active` = the slave that does.
   */
  readonly standby?: { readonly bond: string; readonly active?: string };
}

export interface EgressLeg {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
  readonly gateway?: string;
  readonly dev?: string;
  readonly weight?: number;
  /** The leg device and everything below it (VLAN parent, bond slaves, bridge ports, OVS ports). */
  readonly devices: readonly LegDevice[];
  /** Route `mtu` metric (locks the path MTU of the route). */
  readonly routeMtu?: number;
  /** PMTU exception the kernel holds for this leg (`ip route get` answered through it with `mtu N`). */
  readonly pmtu?: number;
  /** Smallest IP MTU of the leg: min over its devices (without standby bond slaves), the route mtu and the PMTU exception. */
  readonly ipMtu?: number;
  /** The leg's IP MTU after a failover onto the smallest standby bond slave, when that is smaller than `ipMtu`. */
  readonly failoverIpMtu?: number;
  readonly failoverDevice?: string;
  readonly limitedBy?: { readonly kind: 'device' | 'route-mtu' | 'pmtu'; readonly name: string };
  /** Text naming the leg: `1/2 via 10.0.1.0 dev eth0`. */
  readonly label: string;
}

export interface TepEgress {
  readonly host: string;
  readonly localTep?: string;
  readonly remoteTep: string;
  readonly family: 'inet' | 'inet6';
  /** How the legs were found. */
  readonly source: 'kernel-route' | 'ovs-status' | 'none';
  readonly route?: IpRoute;
  readonly legs: readonly EgressLeg[];
  /** The geneve port toward the remote TEP. */
  readonly tunnelPort?: OvsInterface;
  /** OVS status:tunnel_egress_iface of that port (what OVS itself resolved). */
  readonly ovsEgress?: string;
  readonly routeGet?: IpRoute;
  readonly notes: readonly string[];
}

const MTU_RELEVANT_ROLES: ReadonlySet<ChainRole> = new Set(['vlan', 'macvlan', 'bond', 'team', 'bridge', 'ovs-bridge', 'veth', 'nic', 'dpdk', 'other', 'unknown']);

/** The device tree below one leg device (egressChain from that device alone). */
function legDevices(h: MtuHostState, dev: string, memo: Map<string, LegDevice[]>): LegDevice[] {
  const known = memo.get(dev);
  if (known) return known;
  const chain = egressChain({ links: h.links, interfaces: [legInterface(dev)], bridgeMap: h.bridgeMap });
  const byName = new Map((h.links ?? []).map((l) => [l.ifname, l] as const));
  const ifaceByName = new Map(h.interfaces.map((i) => [i.name, i] as const));
  const standbyOf = new Map<string, LegDevice['standby']>();
  const out = chain.devices.map((d): LegDevice => {
    const link = byName.get(d.name);
    const iface = ifaceByName.get(d.name);
    const bond = d.relation === 'bond-slave' && d.upper ? byName.get(d.upper) : undefined;
    // Only an active-backup bond has a standby slave; the other modes spread flows over every slave.
    const backup = bond?.bond?.mode === 'active-backup' && link?.bondSlave?.state === 'BACKUP';
    const active = backup ? (bond!.bond?.activeSlave ?? (h.links ?? []).find((l) => l.master === bond!.ifname && l.bondSlave?.state === 'ACTIVE')?.ifname) : undefined;
    const standby = backup ? { bond: bond!.ifname, active } : d.upper ? standbyOf.get(d.upper) : undefined;
    if (standby) standbyOf.set(d.name, standby);
    return { name: d.name, depth: d.depth, relation: d.relation, role: d.role, upper: d.upper, kind: d.kind, mtu: link?.mtu ?? (d.role === 'dpdk' || !link ? iface?.mtu : undefined), link, iface, ...(standby ? { standby } : {}) };
  });
  memo.set(dev, out);
  return out;
}

/** The local TEP a host uses toward `remote` (same family as the remote). */
export function localTepOf(h: MtuHostState, remote: string): string | undefined {
  return h.encapIps.find((ip) => isV6(ip) === isV6(remote));
}

/** Every leg the kernel forwards GENEVE to `remoteTep` over, with the devices below each leg. */
export function egressToward(h: MtuHostState, remoteTep: string, memo = new Map<string, LegDevice[]>()): TepEgress {
  const notes: string[] = [];
  const family = isV6(remoteTep) ? 'inet6' : 'inet';
  const localTep = localTepOf(h, remoteTep);
  const tunnelPort = h.interfaces.find((i) => i.type === 'geneve' && i.remoteIp === remoteTep);
  const ovsEgress = tunnelPort?.tunnelEgressIface;
  const routeGet = h.routeGets.get(remoteTep)?.[0];
  const table = family === 'inet6' ? h.routes6 : h.routes;
  let route: IpRoute | undefined;
  let raw: { gateway?: string; dev?: string; weight?: number }[] = [];
  let source: TepEgress['source'] = 'none';
  if (table) {
    route = lookupRoute(table, remoteTep);
    if (!route) notes.push(`no route to ${remoteTep} in the main table of ${h.host}`);
    else if (route.type !== 'unicast') notes.push(`the route to ${remoteTep} is ${route.type}: GENEVE to it is dropped`);
    else {
      raw = routeLegs(route);
      if (!raw.length && route.nhid !== undefined) raw = resolveNexthop(h.nexthops ?? [], route.nhid).map((n) => ({ gateway: n.gateway, dev: n.dev }));
      if (route.nhid !== undefined && h.nexthops) {
        // weights live in the group
        const group = h.nexthops.find((n) => n.id === route!.nhid)?.group;
        if (group) raw = raw.map((l, i) => ({ ...l, weight: group[i]?.weight }));
      }
      source = 'kernel-route';
      if (!raw.length) notes.push(`the route to ${remoteTep} (${route.dst}) has no next-hop device${route.nhid !== undefined ? ` (nhid ${route.nhid} not in ip nexthop)` : ''}`);
    }
    notes.push(`${family === 'inet6' ? 'IPv6' : 'IPv4'} lookup in the main table only (ip rule is not collected: policy routing is not modelled)`);
  } else {
    // No table: never collected, or collected but damaged (cut, not JSON) — the second is a bad
    // file to name, not a gap in the collection to fill.
    const damaged = h.unreadable.get(family === 'inet6' ? MTU_IDS.route6 : KERNEL_IDS.route);
    const what = family === 'inet6' ? 'IPv6 routes (ip -j -6 route)' : 'kernel routes (ip -j route)';
    const missing = damaged ? `${what} collected on ${h.host} but cannot be read — damaged: ${damaged}` : `${what} not collected on ${h.host}`;
    if (ovsEgress) {
      raw = [{ dev: ovsEgress }];
      source = 'ovs-status';
      notes.push(`${missing}: the single device OVS reported (status:tunnel_egress_iface=${ovsEgress}) stands for the route; other ECMP legs are unknown${damaged ? ', and the route checks (route mtu metric, ECMP legs) are n/a' : ''}`);
    } else notes.push(`${missing}, and no OVS status:tunnel_egress_iface toward ${remoteTep}: the egress devices are unknown${damaged ? ' and the route checks toward it are n/a' : ''}`);
  }
  if (ovsEgress && source === 'kernel-route' && raw.length && !raw.some((l) => l.dev === ovsEgress))
    notes.push(`OVS reports tunnel_egress_iface=${ovsEgress} toward ${remoteTep}, but the kernel route uses ${raw.map((l) => l.dev).join(', ')} (routes changed after OVS resolved it, or policy routing)`);
  if (routeGet?.dev && raw.length && !raw.some((l) => l.dev === routeGet.dev)) notes.push(`ip route get ${remoteTep} answered dev ${routeGet.dev}, which is not a leg of the main-table route (policy routing?)`);
  const count = raw.length;
  const legs = raw.map((l, i): EgressLeg => {
    const devices = l.dev ? legDevices(h, l.dev, memo) : [];
    if (l.dev && h.links && !h.links.some((x) => x.ifname === l.dev)) notes.push(`leg device ${l.dev} is not in ip -j -d link`);
    // `ip route get` prints an `mtu` in two cases: a PMTU exception the kernel learned from an ICMP
    // (it carries `expires`), or the matched route's own `mtu` metric (no `expires`). Only the first
    // is news about the path; the second is the route MTU, listed once.
    const routeGetMtu = routeGet && routeGet.mtu !== undefined && (routeGet.dev === l.dev || count === 1) ? routeGet.mtu : undefined;
    const learned = routeGet?.expires !== undefined;
    const routeMtu = route?.mtu ?? (learned ? undefined : routeGetMtu);
    const pmtu = learned ? routeGetMtu : undefined;
    let ipMtu: number | undefined;
    let limitedBy: EgressLeg['limitedBy'];
    let standbyMin: LegDevice | undefined;
    for (const d of devices) {
      if (d.mtu === undefined || !MTU_RELEVANT_ROLES.has(d.role)) continue;
      if (d.standby) {
        if (!standbyMin || d.mtu < standbyMin.mtu!) standbyMin = d;
        continue;
      }
      if (ipMtu === undefined || d.mtu < ipMtu) {
        ipMtu = d.mtu;
        limitedBy = { kind: 'device', name: d.name };
      }
    }
    if (routeMtu !== undefined && (ipMtu === undefined || routeMtu < ipMtu)) {
      ipMtu = routeMtu;
      limitedBy = { kind: 'route-mtu', name: `route ${route?.dst ?? remoteTep} mtu` };
    }
    if (pmtu !== undefined && (ipMtu === undefined || pmtu < ipMtu)) {
      ipMtu = pmtu;
      limitedBy = { kind: 'pmtu', name: `PMTU exception toward ${remoteTep}` };
    }
    const label = `${i + 1}/${count}${l.gateway ? ` via ${l.gateway}` : ''}${l.dev ? ` dev ${l.dev}` : ''}`;
    const failover = standbyMin && ipMtu !== undefined && standbyMin.mtu! < ipMtu ? { failoverIpMtu: standbyMin.mtu!, failoverDevice: standbyMin.name } : {};
    return { index: i + 1, count, gateway: l.gateway, dev: l.dev, weight: l.weight, devices, routeMtu, pmtu, ipMtu, limitedBy, label, ...failover };
  });
  return { host: h.host, localTep, remoteTep, family, source, route, legs, tunnelPort, ovsEgress, routeGet, notes };
}

/** H5: the IP MTU the underlay switch port behind a leg allows (--switch-mtu; as a frame size, less the Ethernet header and 4 B per 802.1Q tag on the leg). */
export function switchIpMtu(leg: EgressLeg, options: MtuCheckOptions): number | undefined {
  const sw = options.switchMtu;
  if (sw === undefined) return undefined;
  return options.switchMtuSemantics === 'l2' ? sw - 14 - 4 * leg.devices.filter((d) => d.role === 'vlan').length : sw;
}

/** What a flow hashed onto a leg gets: the leg's IP MTU, capped by the switch port behind it when --switch-mtu is given. */
export function legLimit(leg: EgressLeg, options: MtuCheckOptions = {}): { readonly ipMtu?: number; readonly limitedBy?: string } {
  const sw = switchIpMtu(leg, options);
  if (leg.ipMtu === undefined) return {};
  if (sw !== undefined && sw < leg.ipMtu) return { ipMtu: sw, limitedBy: `switch port, --switch-mtu ${options.switchMtu}` };
  return { ipMtu: leg.ipMtu, limitedBy: leg.limitedBy?.name };
}

/** The smallest IP MTU over every leg (what every flow gets), and the largest (the best-hashed flows); with the switch ports when --switch-mtu is given. */
export function egressLimits(e: TepEgress, options: MtuCheckOptions = {}): { min?: number; max?: number; minLeg?: EgressLeg; maxLeg?: EgressLeg } {
  let min: number | undefined;
  let max: number | undefined;
  let minLeg: EgressLeg | undefined;
  let maxLeg: EgressLeg | undefined;
  for (const l of e.legs) {
    const v = legLimit(l, options).ipMtu;
    if (v === undefined) continue;
    if (min === undefined || v < min) [min, minLeg] = [v, l];
    if (max === undefined || v > max) [max, maxLeg] = [v, l];
  }
  return { min, max, minLeg, maxLeg };
}

// ---------------------------------------------------------------------------------------------
// Hop rows

interface RowCtx {
  readonly snap: MtuSnapshot;
  readonly options: MtuCheckOptions;
  readonly overhead: Overhead;
  /** M_net the path must carry (undefined: unknown). */
  readonly mnet?: number;
  readonly rows: HopRow[];
  readonly findings: Finding[];
}

const roleText = (d: LegDevice): string => {
  if (d.relation === 'bond-slave') return 'bond-slave';
  if (d.relation === 'bridge-port') return 'bridge-port';
  if (d.relation === 'ovs-port') return 'ovs-port';
  if (d.relation === 'vlan-parent') return 'vlan-parent';
  if (d.relation === 'team-port') return 'team-port';
  return d.role === 'nic' ? 'nic' : d.role;
};

function finding(ctx: RowCtx, f: Finding): void {
  ctx.findings.push(f);
}

/** H0: the VM/pod side of a logical port on its host (`central`: the NB/SB, when collected — the fix of an unknown network MTU says where to get it). */
export function vifRow(h: MtuHostState | undefined, logicalPort: string, side: HopSide, net: NetworkMtu, central?: MtuCentral): { row: HopRow; finding: Finding } {
  const iface = h?.interfaces.find((i) => i.ifaceId === logicalPort);
  const link = iface ? h?.links?.find((l) => l.ifname === iface.name) : undefined;
  const mtu = link?.mtu ?? iface?.mtuRequest ?? iface?.mtu;
  const subject = iface ? iface.name : logicalPort;
  const what = link ? `${link.kind ?? 'device'} ${link.ifname}` : iface ? `OVS Interface ${iface.name}${iface.type ? ` (type ${iface.type})` : ''}` : `logical port ${logicalPort}`;
  const evidence: Evidence = link && h ? linkEvidence(h, link) : iface && h ? ifaceEvidence(h, iface, `external_ids:iface-id=${logicalPort} mtu=${iface.mtu ?? '[]'} mtu_request=${iface.mtuRequest ?? '[]'}`) : { file: h ? hostFile(h, SHARED_IDS.interface) : 'hosts', excerpt: `no Interface with external_ids:iface-id=${logicalPort}` };
  const mnet = net.value;
  let severity: FindingSeverity;
  let note: string;
  if (!h) {
    severity = 'n-a';
    note = `the host of ${logicalPort} is not in the snapshot`;
  } else if (mtu === undefined) {
    severity = 'n-a';
    note = `no MTU for ${logicalPort}'s interface on ${h.host} (${iface ? 'OVS Interface has no mtu' : 'not bound here'})`;
  } else if (mnet === undefined) {
    severity = 'info';
    note = `${what} mtu ${mtu}; network MTU unknown (${net.source})`;
  } else if (mtu > mnet) {
    severity = 'fail';
    note = `${what} mtu ${mtu} > network MTU ${mnet}: the guest can send packets the overlay was not sized for (os-vif/CNI set the tap to the network MTU)`;
  } else if (mtu < mnet) {
    severity = 'warn';
    note = `${what} mtu ${mtu} < network MTU ${mnet}: packets bigger than ${mtu} toward this port are dropped by OVS (it does not fragment)`;
  } else {
    severity = 'pass';
    note = `${what} mtu ${mtu} = network MTU`;
  }
  if (link && iface?.mtuRequest !== undefined && iface.mtuRequest !== link.mtu) note += `; OVS mtu_request=${iface.mtuRequest} differs from the kernel's ${link.mtu}`;
  const row: HopRow = {
    hop: 'H0',
    side,
    host: h?.host,
    subject,
    role: link?.kind === 'veth' ? 'veth' : link?.kind === 'tun' ? 'tap' : iface?.type === 'dummy' ? 'vif (dummy)' : 'vif',
    depth: 0,
    mtu,
    required: mnet,
    rule: mnet !== undefined ? `= M_net ${mnet}` : undefined,
    // Toward the VM the port's MTU limits delivery (OVS drops what does not fit); from the VM it does not.
    maxInner: side === 'destination' ? mtu : undefined,
    severity,
    note,
    evidence,
  };
  const findIface = `ovs-vsctl --columns=name,mtu,mtu_request find Interface external_ids:iface-id=${logicalPort}`;
  const fix =
    severity === 'fail' || severity === 'warn'
      ? `set the interface MTU to the network MTU${mnet !== undefined ? ` (${mnet})` : ''}: ovs-vsctl set Interface ${subject} mtu_request=${mnet ?? 'M_net'}, or fix the CNI/os-vif setting`
      : !h
        ? `collect the hypervisor ${logicalPort} is bound on too (add it to the inventory); by hand there: ${findIface}; ip -j -d link show`
        : mtu === undefined
          ? iface
            ? `${runByHand(h.host, [`ip -j -d link show ${iface.name}`])}; a DPDK or vhost-user port has no kernel device: ovs-vsctl get Interface ${iface.name} mtu`
            : `run "${findIface}" on ${h.host}: no OVS Interface carries ${logicalPort} there (bound elsewhere, or the Interface listing is missing)`
          : severity === 'info'
            ? untilNetworkKnown(central, `${what} mtu ${mtu} must equal it`)
            : undefined;
  return { row, finding: { id: 'MTU-H0', severity, host: h?.host, subject: `${subject} (${logicalPort})`, message: note, evidence: [evidence], fix } };
}

/** H1 row for a logical network on the path. */
function networkRow(ctx: RowCtx, net: NetworkMtu, underlay: number | undefined): HopRow {
  const need = net.value !== undefined ? net.value + ctx.overhead.total : undefined;
  let severity: FindingSeverity;
  let note: string;
  if (net.value === undefined) {
    severity = 'n-a';
    note = `network MTU unknown: ${net.source.replace(/^unknown: /, '')}`;
  } else if (underlay === undefined) {
    severity = 'info';
    note = `M_net ${net.value} (${net.source}); needs an underlay IP MTU ≥ ${need}, underlay unknown`;
  } else if (need! > underlay) {
    severity = 'fail';
    note = `M_net ${net.value} + O ${ctx.overhead.total} = ${need} > underlay ${underlay}: full-size packets from the VMs cannot cross`;
  } else {
    severity = 'pass';
    note = `M_net ${net.value} + O ${ctx.overhead.total} = ${need} ≤ underlay ${underlay} (${underlay - need!} B headroom)`;
  }
  if (net.candidates.length > 1 && new Set(net.candidates.map((c) => c.value)).size > 1) note += `; sources disagree: ${net.candidates.map((c) => `${c.value} (${c.source})`).join(', ')}`;
  return { hop: 'H1', side: 'network', subject: `${net.network} (logical switch)`, role: 'network', depth: 0, mtu: net.value, required: underlay !== undefined ? underlay - ctx.overhead.total : undefined, rule: underlay !== undefined ? `≤ U − O = ${underlay - ctx.overhead.total}` : undefined, maxInner: net.value, severity, note, evidence: net.evidence };
}

/** The fix of an H1 finding that changes nothing: the network MTU unknown (n/a), or the underlay (info). */
function networkGapFix(c: MtuCentral | undefined, net: NetworkMtu, severity: FindingSeverity, O: number): string | undefined {
  if (severity === 'n-a') return networkMtuSource(c);
  if (severity === 'info')
    return `nothing to change until the underlay is known (M_net ${net.value} + O ${O} = ${net.value! + O} must fit every egress toward the other TEPs): on the hosts whose egress MTU is unknown, by hand: ip -j -d link show; ip -j route show table all (ip -j -6 route show table all on an IPv6 underlay) — or collect again with this ovnscope (its kernel recipe runs them)`;
  return undefined;
}

function brIntRow(h: MtuHostState, side: HopSide): HopRow | undefined {
  const br = h.interfaces.find((i) => i.name === (h.openVswitch?.ovnBridge ?? 'br-int') && i.type === 'internal');
  if (!br) return undefined;
  const link = h.links?.find((l) => l.ifname === br.name);
  const mtu = link?.mtu ?? br.mtu;
  return {
    hop: 'H2',
    side,
    host: h.host,
    subject: br.name,
    role: 'br-int',
    depth: 0,
    mtu,
    severity: 'info',
    note: `internal port, not on the forwarding path (OVS sets it to the smallest MTU of the other ports unless mtu_request${br.mtuRequest !== undefined ? `=${br.mtuRequest} is set` : ' is set'})`,
    evidence: link ? linkEvidence(h, link) : ifaceEvidence(h, br, `mtu=${br.mtu ?? '[]'} mtu_request=${br.mtuRequest ?? '[]'}`),
  };
}

/** H3: the geneve port toward the remote TEP and the kernel's genev_sys_6081. */
function tunnelRows(ctx: RowCtx, h: MtuHostState, e: TepEgress, side: HopSide): HopRow[] {
  const rows: HopRow[] = [];
  const p = e.tunnelPort;
  if (p) {
    const df = p.dfDefault ?? true;
    const severity: FindingSeverity = df ? 'info' : 'warn';
    const note = df
      ? `df_default=${p.dfDefault === undefined ? 'true (default)' : 'true'}: outer packets carry DF — an encapsulated packet over the egress MTU is dropped, not fragmented${p.csum ? '; csum=true' : ''}`
      : 'df_default=false: oversized encapsulated packets are fragmented silently (outer IP fragments, reassembled by the remote TEP: slow, and invisible to PMTUD)';
    const evidence = ifaceEvidence(h, p, `type=geneve options:remote_ip=${p.remoteIp} df_default=${p.dfDefault ?? '(unset)'} csum=${p.csum ?? '(unset)'} mtu=${p.mtu ?? '[]'}`);
    rows.push({ hop: 'H3', side, host: h.host, subject: p.name, role: 'tunnel-port', depth: 0, mtu: p.mtu, severity, note, evidence });
    finding(ctx, { id: 'MTU-H3', severity, host: h.host, subject: `geneve port ${p.name} → ${e.remoteTep}`, message: note, evidence: [evidence], fix: df ? 'nothing to change: DF on the outer header (OVS\'s default) means an encapsulated packet too big for the egress is dropped and shows up in PMTU discovery, instead of being fragmented silently; what fits is the egress MTU (H4)' : `ovs-vsctl remove Interface ${p.name} options df_default   # DF on (the default) makes PMTU problems visible` });
  } else
    rows.push({ hop: 'H3', side, host: h.host, subject: `(no geneve port to ${e.remoteTep})`, role: 'tunnel-port', depth: 0, severity: 'n-a', note: `no OVS geneve port with options:remote_ip=${e.remoteTep} on ${h.host}`, evidence: { file: hostFile(h, SHARED_IDS.interface), excerpt: `no geneve Interface with remote_ip ${e.remoteTep}` } });
  const sys = h.links?.find((l) => l.kind === 'geneve' || /^genev_sys_/.test(l.ifname));
  if (sys)
    rows.push({ hop: 'H3', side, host: h.host, subject: sys.ifname, role: 'tunnel-device', depth: 0, mtu: sys.mtu, severity: 'info', note: `kernel GENEVE device: OVS creates it with MTU 65000 (lib/dpif-netlink-rtnl.c); it never limits the inner packet`, evidence: linkEvidence(h, sys) });
  return rows;
}

/**
 * The fix of a device with problems: the first problem's (the MTU itself comes first), behind
 * "bring it up" when the device is also down — that fix alone would leave the MTU wrong.
 */
function deviceFix(problems: readonly { readonly text: string; readonly fix?: string }[]): string | undefined {
  const up = problems.find((p) => p.text === 'administratively down')?.fix;
  const other = problems.find((p) => p.fix && p.fix !== up)?.fix;
  return up && other ? `${up.replace(/\s+#.*$/, '')}; ${other}` : (other ?? up);
}

/** ECMP legs that differ: raise what limits the smallest leg — a device, the switch port behind it, or the underlay hop a PMTU exception points at. */
function ecmpFix(e: TepEgress, lim: ReturnType<typeof egressLimits>, options: MtuCheckOptions, O: number): string {
  const leg = lim.minLeg!;
  const keep = `; or keep the network MTU at most ${lim.min! - O} (what every leg carries)`;
  if (legLimit(leg, options).limitedBy?.startsWith('switch port')) return `raise the underlay switch ports behind ${leg.dev ?? `leg ${leg.label}`} to match the other legs (IP MTU ${lim.max})${keep}`;
  if (leg.limitedBy?.kind === 'pmtu') return `an underlay hop on leg ${leg.label} is smaller (PMTU ${leg.pmtu}): tracepath -n ${e.remoteTep} over that leg finds it; raise it to ${lim.max}${keep}`;
  if (leg.limitedBy?.kind === 'route-mtu') return `ip route show ${e.route?.dst ?? e.remoteTep}: its mtu metric (${leg.routeMtu}) caps leg ${leg.label}; raise or drop it where the route is configured${keep}`;
  return `give every leg the same MTU: ip link set ${leg.limitedBy?.name ?? leg.dev} mtu ${lim.max}   # and persist it${keep}`;
}

/** What to do when no egress leg toward a remote TEP is known: why there is none decides it. */
function egressUnknownFix(h: MtuHostState, e: TepEgress): string {
  const v6 = e.family === 'inet6';
  const routeId = v6 ? MTU_IDS.route6 : KERNEL_IDS.route;
  const get = `ip route get ${e.remoteTep}${e.localTep ? ` from ${e.localTep}` : ''}`;
  const damaged = h.unreadable.get(routeId);
  if (damaged) return `collect again (or get an intact copy of the snapshot): the route listing was collected but cannot be read — ${damaged}`;
  if (!(v6 ? h.routes6 : h.routes)) return runByHand(h.host, [v6 ? 'ip -j -6 route show table all' : 'ip -j route show table all', 'ip -j -d link show']);
  if (!e.route) return `run "${get}" on ${h.host} (and "ip rule show": policy routing is not collected); if the kernel has no route either, GENEVE to ${e.remoteTep} cannot leave — add the underlay route toward it, or see why the BGP session that should announce it does not (ovnscope bgp)`;
  if (e.route.type !== 'unicast') return `GENEVE to ${e.remoteTep} hits a ${e.route.type} route (${e.route.dst}): remove it where it is configured (ip route del ${e.route.type} ${e.route.dst}) so the underlay route takes over; check with "${get}"`;
  return e.route.nhid !== undefined ? runByHand(h.host, [`ip -j nexthop show id ${e.route.nhid}`]) + ': the route\'s next-hop group is not in the collected ip -j nexthop' : `run "${get}" on ${h.host}: the route names no next-hop device`;
}

/** H4 / H5 / H6 rows of one direction (host → remote TEP); returns the rows and the per-leg limits. */
function egressRows(ctx: RowCtx, h: MtuHostState, e: TepEgress, side: HopSide): HopRow[] {
  const rows: HopRow[] = [];
  const O = ctx.overhead.total;
  const need = ctx.mnet !== undefined ? ctx.mnet + O : undefined;
  const rule = need !== undefined ? `≥ M_net + O = ${need}` : undefined;
  const subjectBase = `${h.host} → ${e.remoteTep}`;
  if (!e.legs.length) {
    const evidence = { file: hostFile(h, e.family === 'inet6' ? MTU_IDS.route6 : KERNEL_IDS.route), excerpt: e.notes[0] ?? 'no route' };
    rows.push({ hop: 'H4', side, host: h.host, subject: `route to ${e.remoteTep}`, role: 'route', depth: 0, severity: 'n-a', note: e.notes.join('; '), evidence });
    finding(ctx, { id: 'MTU-H4', severity: 'n-a', host: h.host, subject: subjectBase, message: `egress toward ${e.remoteTep} unknown: ${e.notes.join('; ')}`, evidence: [evidence], fix: egressUnknownFix(h, e) });
    return rows;
  }
  const routeEv = e.route ? routeEvidence(h, e.route) : { file: hostFile(h, SHARED_IDS.interface), excerpt: `status:tunnel_egress_iface=${e.ovsEgress}` };
  for (const leg of e.legs) {
    const legRow: HopRow = {
      hop: 'H4',
      side,
      host: h.host,
      subject: `route ${e.route?.dst ?? e.remoteTep}${e.route?.nhid !== undefined ? ` nhid ${e.route.nhid}` : ''}`,
      role: e.legs.length > 1 ? 'ecmp-leg' : 'route',
      leg: leg.label,
      depth: 0,
      mtu: leg.ipMtu,
      required: need,
      rule,
      maxInner: leg.ipMtu !== undefined ? leg.ipMtu - O : undefined,
      severity: leg.ipMtu === undefined ? 'n-a' : need === undefined ? 'info' : leg.ipMtu < need ? 'fail' : 'pass',
      note:
        leg.ipMtu === undefined
          ? 'no MTU known for this leg'
          : `leg IP MTU ${leg.ipMtu} (limited by ${leg.limitedBy?.name}) → inner packets up to ${leg.ipMtu - O} B${leg.weight !== undefined ? `; weight ${leg.weight}` : ''}`,
      evidence: routeEv,
    };
    rows.push(legRow);
    const byName = new Map(leg.devices.map((d) => [d.name, d] as const));
    for (const d of leg.devices) {
      const upper = d.upper ? byName.get(d.upper) : undefined;
      const problems: { severity: FindingSeverity; text: string; fix?: string }[] = [];
      // A standby slave fails only after a failover: say so, and name the slave that carries the traffic today.
      const sb = d.standby;
      const standbyText = sb ? `backup slave of active-backup bond ${sb.bond}${sb.active ? ` (today's traffic uses ${sb.active})` : ''}: after a failover, ` : '';
      if (d.mtu !== undefined && need !== undefined && d.mtu < need)
        problems.push({ severity: 'fail', text: `${standbyText}mtu ${d.mtu} < ${need} (M_net ${ctx.mnet} + O ${O}): encapsulated full-size packets ${sb ? 'would not fit' : 'do not fit'}`, fix: `ip link set ${d.name} mtu ${need}   # and persist it; or lower the network MTU to ${d.mtu - O}` });
      if (upper?.mtu !== undefined && d.mtu !== undefined) {
        if ((d.relation === 'vlan-parent' || d.relation === 'lower') && upper.mtu > d.mtu)
          problems.push({ severity: 'fail', text: `${upper.role === 'vlan' ? 'VLAN' : upper.role} child ${upper.name} has mtu ${upper.mtu} > its parent ${d.name} ${d.mtu}: frames between ${d.mtu + 1} and ${upper.mtu} B are dropped at the parent`, fix: `ip link set ${d.name} mtu ${upper.mtu}` });
        if (d.relation === 'bond-slave' && upper.mtu !== d.mtu)
          problems.push({
            severity: d.mtu < upper.mtu ? 'fail' : 'warn',
            text: `bond slave mtu ${d.mtu} ≠ bond ${upper.name} mtu ${upper.mtu}: ${upper.link?.bond?.mode === 'active-backup' ? (sb ? 'after a failover to this slave the bond sees a different MTU' : 'the active slave differs from its bond') : 'flows hashed onto this slave see a different MTU'}`,
            fix: `ip link set ${upper.name} mtu ${upper.mtu}   # re-applies the MTU to every slave`,
          });
        if ((d.relation === 'bridge-port' || d.relation === 'ovs-port') && d.mtu < upper.mtu) problems.push({ severity: 'fail', text: `port mtu ${d.mtu} < bridge ${upper.name} mtu ${upper.mtu}: the bridge accepts packets its port cannot send`, fix: `ip link set ${d.name} mtu ${upper.mtu}` });
      }
      if (d.link && !d.link.adminUp) problems.push({ severity: 'warn', text: 'administratively down', fix: `ip link set ${d.name} up   # if it is meant to carry the tunnel traffic; and persist it` });
      const worst = problems.reduce<FindingSeverity | undefined>((a, p) => (a === 'fail' ? a : p.severity === 'fail' ? 'fail' : a ?? p.severity), undefined);
      const severity: FindingSeverity = worst ?? (d.mtu === undefined ? 'n-a' : need === undefined ? 'info' : 'pass');
      const note = (problems.length ? problems.map((p) => p.text).join('; ') : d.mtu === undefined ? `no MTU known (${d.role})` : need === undefined ? `mtu ${d.mtu} → inner packets up to ${d.mtu - O} B` : `mtu ${d.mtu} ≥ ${need}`) + (sb && !problems.length ? ` (backup slave of ${sb.bond}: carries traffic after a failover)` : '');
      const evidence = d.link ? linkEvidence(h, d.link) : d.iface ? ifaceEvidence(h, d.iface, `mtu=${d.iface.mtu ?? '[]'}`) : { file: hostFile(h, KERNEL_IDS.link), excerpt: `${d.name}: not in ip -j -d link` };
      const role = sb && d.relation === 'bond-slave' ? 'bond-slave (backup)' : roleText(d);
      rows.push({ hop: 'H4', side, host: h.host, subject: d.name, role, leg: leg.label, depth: d.depth + 1, mtu: d.mtu, required: need, rule, maxInner: d.mtu !== undefined && !sb ? d.mtu - O : undefined, severity, note, evidence });
      if (problems.length || severity === 'pass' || severity === 'info')
        finding(ctx, { id: 'MTU-H4', severity, host: h.host, subject: `${d.name} (${role}, leg ${leg.label} toward ${e.remoteTep})`, message: note, evidence: [evidence, routeEv], fix: deviceFix(problems) ?? (severity === 'info' ? untilNetworkKnown(ctx.snap.central, `mtu ${d.mtu} carries inner packets up to ${d.mtu! - O} B`) : undefined) });
    }
    if (leg.routeMtu !== undefined) {
      // A configured `mtu` on the route (ip route … mtu N): the host's own setting, not news from the underlay.
      const fromRouteGet = e.route?.mtu === undefined && e.routeGet !== undefined;
      const ev = fromRouteGet ? routeEvidence(h, e.routeGet!, MTU_IDS.routeGet(e.remoteTep)) : routeEv;
      const dst = e.route?.dst ?? e.remoteTep;
      const severity: FindingSeverity = need !== undefined && leg.routeMtu < need ? 'fail' : need === undefined ? 'info' : 'pass';
      const note =
        severity === 'fail'
          ? `the route to ${dst} carries a configured mtu ${leg.routeMtu} (ip route … mtu ${leg.routeMtu}${fromRouteGet ? ', as ip route get reports it' : ''}) < ${need} (M_net ${ctx.mnet} + O ${O}): the host itself caps encapsulated packets below full size`
          : `the route to ${dst} carries a configured mtu ${leg.routeMtu}${need !== undefined ? ` ≥ ${need}` : ` → inner packets up to ${leg.routeMtu - O} B`}`;
      rows.push({ hop: 'H4', side, host: h.host, subject: `route ${dst} mtu`, role: 'route-mtu', leg: leg.label, depth: 1, mtu: leg.routeMtu, required: need, rule, maxInner: leg.routeMtu - O, severity, note, evidence: ev });
      // One route, one metric: a multipath route's legs share it, so it is one finding.
      if (leg === e.legs.find((l) => l.routeMtu !== undefined)) {
        const nexthops = e.route?.nhid !== undefined ? ` nhid ${e.route.nhid}` : e.legs.length > 1 ? e.legs.map((l) => ` nexthop${l.gateway ? ` via ${l.gateway}` : ''}${l.dev ? ` dev ${l.dev}` : ''}`).join('') : `${leg.gateway ? ` via ${leg.gateway}` : ''}${leg.dev ? ` dev ${leg.dev}` : ''}`;
        finding(ctx, {
          id: 'MTU-H4',
          severity,
          host: h.host,
          subject: `route ${dst} mtu (toward ${e.remoteTep})`,
          message: note,
          evidence: [ev],
          fix: severity === 'fail' ? `ip route replace ${dst}${nexthops} mtu ${need}   # or without the mtu metric, where the route is configured (NetworkManager, netplan, FRR) so it persists; or lower the network MTU to ${leg.routeMtu - O}` : severity === 'info' ? untilNetworkKnown(ctx.snap.central, `the route caps encapsulated packets at ${leg.routeMtu}: inner packets up to ${leg.routeMtu - O} B`) : undefined,
        });
      }
    }
    if (leg.pmtu !== undefined && e.routeGet) {
      const ev = routeEvidence(h, e.routeGet, MTU_IDS.routeGet(e.remoteTep));
      const severity: FindingSeverity = need !== undefined && leg.pmtu < need ? 'fail' : need === undefined ? 'info' : 'pass';
      const expires = e.routeGet.expires !== undefined ? `, expires in ${e.routeGet.expires} s` : '';
      const note = `the kernel learned a PMTU exception of ${leg.pmtu} toward ${e.remoteTep} (ip route get: cache${expires}; from an ICMP "fragmentation needed" sent by an underlay hop): the real path is smaller than the devices say`;
      rows.push({ hop: 'H6', side, host: h.host, subject: `PMTU ${e.localTep ?? ''} → ${e.remoteTep}`.replace('  ', ' '), role: 'pmtu', leg: leg.label, depth: 1, mtu: leg.pmtu, required: need, rule, maxInner: leg.pmtu - O, severity, note, evidence: ev });
      finding(ctx, { id: 'MTU-H6', severity, host: h.host, subject: `PMTU toward ${e.remoteTep} (leg ${leg.label})`, message: note, evidence: [ev], fix: severity === 'fail' ? `find the underlay hop with the smaller MTU (tracepath -n ${e.remoteTep}) and raise it to ${need}, or lower the network MTU to ${leg.pmtu - O}` : severity === 'info' ? untilNetworkKnown(ctx.snap.central, `the path carries inner packets up to ${leg.pmtu - O} B; tracepath -n ${e.remoteTep} shows which underlay hop is smaller`) : undefined });
    }
    // H5: the switch port behind this leg.
    const vlanTags = leg.devices.filter((d) => d.role === 'vlan').length;
    const sw = ctx.options.switchMtu;
    const ipEquivalent = switchIpMtu(leg, ctx.options);
    if (sw !== undefined && ipEquivalent !== undefined) {
      const l2 = ctx.options.switchMtuSemantics === 'l2';
      const severity: FindingSeverity = need !== undefined && ipEquivalent < need ? 'fail' : need === undefined ? 'info' : 'pass';
      const evidence: Evidence = { file: '(command line)', excerpt: `--switch-mtu ${sw}${l2 ? ' --switch-mtu-semantics l2' : ''}` };
      const what = `--switch-mtu ${sw} (${l2 ? `frame size incl. Ethernet header${vlanTags ? ` and ${vlanTags} 802.1Q tag${vlanTags > 1 ? 's' : ''}` : ''}: IP MTU ${ipEquivalent}` : 'IP MTU'})`;
      finding(ctx, {
        id: 'MTU-H5',
        severity,
        host: h.host,
        subject: `underlay switch port behind ${leg.dev ?? '?'} (leg ${leg.label} toward ${e.remoteTep})`,
        message: need === undefined ? `${what} → inner packets up to ${ipEquivalent - O} B; network MTU unknown` : ipEquivalent < need ? `${what} < ${need} (M_net ${ctx.mnet} + O ${O}): encapsulated full-size packets do not fit the switch` : `${what} ≥ ${need}`,
        evidence: [evidence],
        fix: severity === 'fail' ? `raise the switch ports' MTU to ${l2 ? need! + 14 + 4 * vlanTags : need} (${l2 ? 'frame size' : 'IP MTU'}), or lower the network MTU to ${ipEquivalent - O}` : severity === 'info' ? untilNetworkKnown(ctx.snap.central, `the switch ports carry inner packets up to ${ipEquivalent - O} B`) : undefined,
      });
      rows.push({
        hop: 'H5',
        side,
        host: h.host,
        subject: `underlay switch port (${leg.dev ?? '?'})`,
        role: 'switch',
        leg: leg.label,
        depth: 1,
        mtu: sw,
        required: need !== undefined ? (l2 ? need + 14 + 4 * vlanTags : need) : undefined,
        rule: need !== undefined ? (l2 ? `frame ≥ ${need} + 14${vlanTags ? ` + ${4 * vlanTags}` : ''} = ${need + 14 + 4 * vlanTags}` : `≥ ${need}`) : undefined,
        maxInner: ipEquivalent - O,
        severity,
        note: what,
        evidence,
      });
    }
  }
  if (ctx.options.switchMtu === undefined) rows.push({ hop: 'H5', side, host: h.host, subject: 'underlay switch ports', role: 'switch', depth: 0, severity: 'n-a', note: 'not collected (switch configuration is out of band): give --switch-mtu, or probe with ping -M do / tracepath', evidence: { file: '(not collected)', excerpt: 'switch port MTU' } });
  // ECMP legs that differ.
  const lim = egressLimits(e, ctx.options);
  if (e.legs.length > 1 && lim.min !== undefined && lim.max !== undefined && lim.min !== lim.max) {
    const note = `ECMP legs toward ${e.remoteTep} differ: ${e.legs.map((l) => `${l.label} ${legLimit(l, ctx.options).ipMtu ?? '?'}`).join(', ')} — inner packets of ${lim.min - O + 1}–${lim.max - O} B cross only when the flow is hashed onto the larger leg (per-flow, intermittent)`;
    finding(ctx, { id: 'MTU-H4', severity: need !== undefined && lim.min < need ? 'fail' : 'warn', host: h.host, subject: `ECMP legs ${h.host} → ${e.remoteTep}`, message: note, evidence: [routeEv], fix: ecmpFix(e, lim, ctx.options, O) });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Gateway (H7)

export interface GatewayCheck {
  readonly rows: readonly HopRow[];
  readonly findings: readonly Finding[];
}

/** The chassis a router port's gateway runs on: a gateway router's options:chassis, or the DGP's Gateway_Chassis/HA group via its SB chassisredirect binding. */
function gatewayChassisOf(c: MtuCentral, r: NbLogicalRouter, p: NbLogicalRouterPort): string | undefined {
  if (r.options.chassis) return r.options.chassis;
  const cr = c.portBindings.find((b) => b.logicalPort === `cr-${p.name}`);
  const ch = cr?.chassis ? c.chassis.find((x) => x.uuid === cr.chassis) : undefined;
  return ch?.name;
}

/** The localnet port on the switch a router port connects to, and the provider bridge's uplink MTU on the gateway host. */
function localnetOf(c: MtuCentral, p: NbLogicalRouterPort, gwHost: MtuHostState | undefined): { port?: NbLogicalSwitchPort; network?: string; bridge?: string; uplink?: { name: string; mtu?: number; evidence: Evidence }; tagged: boolean } {
  const peerLsp = c.switchPorts.find((x) => x.type === 'router' && x.options['router-port'] === p.name);
  const ls = peerLsp ? c.switches.find((s) => s.ports.includes(peerLsp.uuid)) : undefined;
  const port = ls ? c.switchPorts.find((x) => ls.ports.includes(x.uuid) && x.type === 'localnet') : undefined;
  const network = port?.options.network_name;
  const bridge = network ? gwHost?.bridgeMappings[network] : undefined;
  let uplink: { name: string; mtu?: number; evidence: Evidence } | undefined;
  if (gwHost && bridge) {
    const bp = gwHost.bridgeMap?.bridges.get(bridge);
    for (const port of bp?.ports ?? [])
      for (const i of port.interfaces) {
        if (i.name === bridge || (i.type !== '' && i.type !== 'system' && i.type !== 'dpdk' && i.type !== 'dummy')) continue;
        const link = gwHost.links?.find((l) => l.ifname === i.name);
        const mtu = link?.mtu ?? i.mtu;
        if (!uplink || (mtu !== undefined && (uplink.mtu === undefined || mtu < uplink.mtu))) uplink = { name: i.name, mtu, evidence: link ? linkEvidence(gwHost, link) : ifaceEvidence(gwHost, i, `mtu=${i.mtu ?? '[]'} on ${bridge}`) };
      }
  }
  return { port, network, bridge, uplink, tagged: port?.tag !== undefined };
}

/**
 * H7 for the router ports with a gateway (gateway routers, distributed gateway ports): gateway_mtu
 * set and ≤ M_net when the external side is bigger; check_pkt_len in the gateway's datapath.
 * `ports` limits the check to some router ports (a path); all gateway ports otherwise.
 */
export function checkGateways(snap: MtuSnapshot, mnetOf: (router: NbLogicalRouter) => NetworkMtu | undefined, ports?: ReadonlySet<string>, side: HopSide = 'gateway'): GatewayCheck {
  const c = snap.central;
  const rows: HopRow[] = [];
  const findings: Finding[] = [];
  if (!c) return { rows, findings };
  for (const r of c.routers) {
    for (const p of c.routerPorts.filter((x) => r.ports.includes(x.uuid))) {
      if (ports && !ports.has(p.name)) continue;
      const isGateway = !!r.options.chassis || p.gatewayChassis.length > 0 || p.haChassisGroup !== undefined;
      if (!isGateway) continue;
      const chassis = gatewayChassisOf(c, r, p);
      const gwHost = chassis ? snap.hosts.find((h) => h.chassis === chassis || h.host === chassis) : undefined;
      const ln = localnetOf(c, p, gwHost);
      if (!ln.port && p.gatewayMtu === undefined) continue; // not an external-facing port
      const net = mnetOf(r);
      const mnet = net?.value;
      const ev = centralEvidence(c, 'ovn-nbctl.list.Logical_Router_Port', `${p.name} options:gateway_mtu=${p.gatewayMtu ?? '(unset)'}${r.options.chassis ? ` (router ${r.name} options:chassis=${r.options.chassis})` : ''}`);
      const ext = ln.uplink?.mtu;
      const l2 = ln.tagged ? 18 : 14;
      let severity: FindingSeverity;
      let note: string;
      let fix: string | undefined;
      if (p.gatewayMtu === undefined) {
        if (mnet !== undefined && ext !== undefined && ext <= mnet) {
          severity = 'pass';
          note = `no gateway_mtu, and none needed: the external side (${ln.uplink!.name} mtu ${ext}) is not bigger than M_net ${mnet}`;
        } else {
          severity = 'warn';
          note = `no gateway_mtu on ${p.name}${ext !== undefined ? ` while the external side (${ln.uplink!.name}) has mtu ${ext}` : ''}${mnet !== undefined ? ` and M_net is ${mnet}` : ''}: external hosts send full-size packets that must then be tunnelled; nothing tells them to send less (PMTUD gap)`;
          fix = `ovn-nbctl set Logical_Router_Port ${p.name} options:gateway_mtu=${mnet ?? 'M_net'}`;
        }
      } else if (mnet !== undefined && p.gatewayMtu > mnet) {
        severity = 'warn';
        note = `gateway_mtu ${p.gatewayMtu} > M_net ${mnet}: packets of ${mnet + 1}–${p.gatewayMtu} B pass the check and do not fit the VM network (Neutron: min attached MTU; OVN-K: pod MTU)`;
        fix = `ovn-nbctl set Logical_Router_Port ${p.name} options:gateway_mtu=${mnet}`;
      } else {
        severity = 'pass';
        note = `gateway_mtu ${p.gatewayMtu}${mnet !== undefined ? ` ≤ M_net ${mnet}` : ''}: check_pkt_larger(${p.gatewayMtu + l2}) sends ICMP "fragmentation needed" (mtu ${p.gatewayMtu}) for bigger packets`;
      }
      rows.push({ hop: 'H7', side, host: gwHost?.host, subject: `${p.name} gateway_mtu`, role: 'gateway-port', depth: 0, mtu: p.gatewayMtu, required: mnet, rule: mnet !== undefined ? `≤ M_net ${mnet}` : undefined, maxInner: p.gatewayMtu, severity, note, evidence: ev });
      findings.push({ id: 'MTU-H7', severity, host: gwHost?.host, subject: `gateway port ${p.name} (router ${r.name}${chassis ? ` on ${chassis}` : ''})`, message: note, evidence: [ev], fix });
      if (ln.port)
        rows.push({
          hop: 'H7',
          side,
          host: gwHost?.host,
          subject: `${ln.port.name} (localnet ${ln.network ?? '?'}${ln.bridge ? ` → ${ln.bridge}` : ''})`,
          role: 'localnet',
          depth: 1,
          mtu: ext,
          severity: ext === undefined ? 'n-a' : 'info',
          note: ext === undefined ? `provider bridge uplink MTU unknown${!gwHost ? ' (gateway host not in the snapshot)' : !ln.bridge ? ` (no ovn-bridge-mappings entry for ${ln.network})` : ''}` : `external side: ${ln.uplink!.name} mtu ${ext}${ln.tagged ? ' (VLAN-tagged localnet: check_pkt_larger adds 18)' : ''}`,
          evidence: ln.uplink?.evidence ?? centralEvidence(c, 'ovn-nbctl.list.Logical_Switch_Port', `${ln.port.name} type=localnet options:network_name=${ln.network ?? ''}`),
        });
      if (p.gatewayMtu !== undefined) {
        const dp = gwHost?.dpFeatures;
        const dpEv: Evidence = gwHost ? { file: hostFile(gwHost, MTU_IDS.dpFeatures), line: dp?.line, excerpt: dp?.raw ?? 'Check pkt length action: (not listed)' } : { file: 'hosts', excerpt: 'gateway host not in the snapshot' };
        const sev: FindingSeverity = dp?.checkPktLen === true ? 'pass' : dp?.checkPktLen === false ? 'warn' : 'n-a';
        const n = dp?.checkPktLen === true ? 'the datapath has check_pkt_len: gateway_mtu is enforced' : dp?.checkPktLen === false ? 'the datapath lacks check_pkt_len: gateway_mtu has no effect (no ICMP frag-needed), large packets are dropped or black-holed' : 'dpif/show-dp-features not collected on the gateway host';
        rows.push({ hop: 'H7', side, host: gwHost?.host, subject: 'check_pkt_len', role: 'check_pkt_len', depth: 1, severity: sev, note: n, evidence: dpEv });
        const features = `ovs-appctl dpif/show-dp-features ${gwHost?.openVswitch?.ovnBridge ?? 'br-int'}`;
        const dpFix =
          sev === 'warn'
            ? `give ${gwHost?.host ?? 'the gateway chassis'} a datapath with the check_pkt_len action (the kernel openvswitch module has it since commit 4d5ec89fc8d1; the userspace datapath since OVS 2.12) and restart ovs-vswitchd so it probes again; check: ${features} | grep "Check pkt length"`
            : sev === 'n-a'
              ? gwHost
                ? runByHand(gwHost.host, [`${features} | grep "Check pkt length"`], 'OVS') + ' — "Yes" means gateway_mtu is enforced; no such line: an OVS older than check_pkt_len'
                : `collect the gateway chassis ${chassis ?? '(unknown: no Gateway_Chassis bound)'} too (add its host to the inventory); by hand there: ${features} | grep "Check pkt length"`
              : undefined;
        findings.push({ id: 'MTU-H7', severity: sev, host: gwHost?.host, subject: `check_pkt_len for ${p.name}`, message: n, evidence: [dpEv], fix: dpFix });
      }
    }
  }
  return { rows, findings };
}

// ---------------------------------------------------------------------------------------------
// Path audit

/** One end of a path, as the resolver found it. */
export interface PathEndpoint {
  /** What the user typed. */
  readonly text: string;
  /** Undefined for an address outside the overlay (north-south). */
  readonly logicalPort?: string;
  /** Logical switch name. */
  readonly datapath?: string;
  readonly chassis?: string;
  readonly host?: string;
  readonly ips?: readonly string[];
  /** `vif`, `router`, `external-ip`, `nat`, `lb-vip`, … (the resolver's kind). */
  readonly kind?: string;
}

export interface PathSpec {
  readonly from: PathEndpoint;
  readonly to: PathEndpoint;
  /** Chassis the packet is processed on between the ends (gateway routers, the gateway of a north-south path), in order. */
  readonly gateways?: readonly { readonly chassis: string; readonly host?: string }[];
  /** Router ports whose gateway settings apply (H7): north-south paths only. */
  readonly routerPorts?: readonly string[];
  /** The check_pkt_larger flows northd generated for those ports (SB Logical_Flow); undefined: not collected. */
  readonly pktLenChecks?: readonly PktLenCheck[];
  /** Logical datapaths on the way (for display). */
  readonly datapaths?: readonly string[];
}

/**
 * One `check_pkt_larger(L)` of a router port (ovn-northd build_gateway_mtu_flow): `egress` in
 * lr_in_chk_pkt_len (`outport == P`, packets leaving toward the outside), `ingress` in
 * lr_in_admission (`inport == P`, packets coming in from the outside — OVN ≥ 21.09, ovn-org/ovn#78).
 */
export interface PktLenCheck {
  readonly port: string;
  readonly direction: 'egress' | 'ingress';
  /** L = gateway_mtu + the L2 header (14, 18 with a VLAN-tagged localnet). */
  readonly length: number;
  readonly evidence: Evidence;
}

/** The check_pkt_larger flows in SB logical flows, by port and direction. */
export function pktLenChecksOf(flows: readonly { readonly match: string; readonly actions: string; readonly stageName?: string; readonly pipeline?: string; readonly uuid: string }[], file = 'central/ovn-sbctl.list.Logical_Flow.out'): PktLenCheck[] {
  const out: PktLenCheck[] = [];
  for (const f of flows) {
    const m = /check_pkt_larger\((\d+)\)/.exec(f.actions);
    if (!m) continue;
    const inport = /\binport\s*==\s*"([^"]+)"/.exec(f.match)?.[1];
    const outport = /\boutport\s*==\s*"([^"]+)"/.exec(f.match)?.[1];
    const direction = f.stageName === 'lr_in_admission' || (!outport && inport) ? 'ingress' : 'egress';
    const port = direction === 'ingress' ? inport : outport;
    if (!port) continue;
    if (out.some((x) => x.port === port && x.direction === direction)) continue;
    out.push({ port, direction, length: Number(m[1]), evidence: { file, excerpt: excerptOf(`Logical_Flow ${f.uuid.slice(0, 8)} ${f.stageName ?? f.pipeline ?? ''}: match=(${f.match}) actions=(${f.actions})`) } });
  }
  return out;
}

export interface TunnelSegment {
  readonly fromHost: string;
  readonly toHost?: string;
  readonly toChassis?: string;
  readonly remoteTep?: string;
  readonly egress?: TepEgress;
  /** Reverse direction (the receiving host back toward the sender's TEP). */
  readonly reverse?: TepEgress;
}

export interface PathMtuReport {
  readonly from: PathEndpoint;
  readonly to: PathEndpoint;
  readonly overhead: Overhead;
  readonly networks: readonly NetworkMtu[];
  /** M_net the path carries: the smallest network MTU on it. */
  readonly networkMtu?: number;
  readonly segments: readonly TunnelSegment[];
  readonly rows: readonly HopRow[];
  /** Largest inner IP packet that crosses every ECMP leg and device (forward direction). */
  readonly largestInner?: number;
  /** Largest inner packet that crosses on the best leg (differs from largestInner when legs differ). */
  readonly largestInnerBestLeg?: number;
  /** Same for the reverse direction (replies). */
  readonly largestInnerReverse?: number;
  /** What sets `largestInnerReverse` when it is not the tunnels (`gateway_mtu on lr-ext (check_pkt_larger on packets coming in)`). */
  readonly reverseLimitedBy?: string;
  /** What the tunnels alone carry (every leg): the underlay's limit, without the VIFs and gateway_mtu. */
  readonly underlayInner?: number;
  /** What the tunnels carry on the best ECMP leg of each tunnel. */
  readonly underlayInnerBestLeg?: number;
  /** The smallest VIF/gateway cap, when one limits more than the underlay. */
  readonly checkPktLen?: boolean;
  readonly bottleneck?: HopRow;
  /** What happens to packets above the largest size, one sentence each. */
  readonly breaks: readonly string[];
  readonly verdict: FindingSeverity;
  readonly notes: readonly string[];
  readonly findings: readonly Finding[];
}

const hostOf = (snap: MtuSnapshot, chassisOrHost: string | undefined) => (chassisOrHost ? snap.hosts.find((h) => h.chassis === chassisOrHost || h.host === chassisOrHost) : undefined);

/**
 * The TEP of a chassis: SB Encap (geneve first), else the host's ovn-encap-ip, else the remote_ip
 * of the tunnel port toward it on `from` (external_ids:ovn-chassis-id, or the name OVN gives it:
 * `ovn-<chassis[:6]>-0`).
 */
export function tepOfChassis(snap: MtuSnapshot, chassis: string, family?: 'inet' | 'inet6', from?: MtuHostState): string | undefined {
  const fits = (ip: string) => family === undefined || isV6(ip) === (family === 'inet6');
  const enc = snap.central?.encaps.filter((e) => e.chassisName === chassis && fits(e.ip)) ?? [];
  const e = enc.find((x) => x.type === 'geneve') ?? enc[0];
  if (e) return e.ip;
  const h = hostOf(snap, chassis);
  const own = h?.encapIps.find(fits);
  if (own) return own;
  const port = from?.interfaces.find((i) => i.type === 'geneve' && i.remoteIp && i.remoteIp !== 'flow' && fits(i.remoteIp) && ((i.ovnChassisId && i.ovnChassisId.split('@')[0] === chassis) || i.name === `ovn-${chassis.slice(0, 6)}-0`));
  return port?.remoteIp;
}

/** Underlay family of the overlay: IPv6 (78 B) when any involved chassis encapsulates over IPv6, as OVN-K does for dual stack. */
function familyOf(snap: MtuSnapshot, chassis: readonly (string | undefined)[]): 'inet' | 'inet6' {
  for (const ch of chassis) {
    if (!ch) continue;
    const ips = [...(snap.central?.encaps.filter((e) => e.chassisName === ch).map((e) => e.ip) ?? []), ...(hostOf(snap, ch)?.encapIps ?? [])];
    if (ips.some(isV6)) return 'inet6';
  }
  return 'inet';
}

function breaksAbove(row: HopRow | undefined, report: { largest?: number; bestLeg?: number; df: boolean; checkPktLen?: boolean; kernel?: string; datapath?: OvnBridgeDatapath }, O: number): string[] {
  if (!row || report.largest === undefined) return [];
  const out: string[] = [];
  const n = report.largest;
  switch (row.role === 'pmtu' ? 'H6' : row.hop) {
    case 'H4':
    case 'H6':
    case 'H5': {
      if (report.df) {
        out.push(`inner packets over ${n} B (outer > ${n + O} B) are dropped with DF set at ${row.host ?? '?'} ${row.subject}; the ICMP "fragmentation needed" goes to the hypervisor, not to the VM`);
        const major = /^(\d+)\.(\d+)/.exec(report.kernel ?? '');
        const newKernel = major ? Number(major[1]) > 5 || (Number(major[1]) === 5 && Number(major[2]) >= 9) : undefined;
        const blackHole = 'TCP handshakes and small requests work, bulk transfers, TLS with big certificates and scp stall; large UDP datagrams are lost silently';
        const dp = report.datapath;
        // The kernel's ICMP for bridged packets (≥ 5.9) exists only on the kernel datapath; a userspace one (netdev, dummy) never sends it.
        if (dp && dp.kind !== 'kernel') out.push(`PMTUD black hole: the ${dp.kind === 'dummy' ? 'OVS dummy (test) datapath' : 'userspace (netdev) datapath'} (${dp.source}) does not answer the VM with ICMP "packet too big"; ${blackHole}`);
        else
          out.push(
            newKernel
              ? `kernel ${report.kernel} (≥ 5.9) can answer the VM with ICMP "packet too big" for OVS ports on the kernel datapath${dp ? ` (${dp.source})` : ''} (commits 4cb47a8644cc, c1a800e88dbf); ${dp ? 'not for offloaded flows' : 'with DPDK or offloaded flows it cannot'} — then it is a PMTUD black hole`
              : `PMTUD black hole${report.kernel ? ` (kernel ${report.kernel} < 5.9)` : ''}: ${blackHole}`,
          );
      } else out.push(`inner packets over ${n} B are fragmented on the outer header (df_default=false): they arrive, slower, and reassembly load moves to the remote TEP`);
      if (report.bestLeg !== undefined && report.bestLeg > n) out.push(`inner packets of ${n + 1}–${report.bestLeg} B fail only for flows hashed onto ${row.leg ?? 'the smaller leg'} — per-flow, intermittent ("some connections hang")`);
      break;
    }
    case 'H0':
      out.push(`packets over ${n} B toward ${row.subject} are dropped by OVS at the port (it does not fragment, no ICMP)`);
      break;
    case 'H7':
      out.push(report.checkPktLen === false ? `packets over ${n} B at the gateway get no ICMP (datapath lacks check_pkt_len): dropped or black-holed` : `packets over ${n} B at the gateway get ICMP "fragmentation needed" (mtu ${n}) from OVN (check_pkt_larger): senders that honour PMTUD adapt`);
      break;
    case 'H1':
      out.push(`the VMs are told MTU ${n}: they do not send bigger packets (this is the configured limit, not a fault)`);
      break;
    default:
      break;
  }
  return out;
}

/** Audits one VM-to-VM path, hop by hop, both directions of every tunnel segment. */
export function checkPath(snap: MtuSnapshot, path: PathSpec, options: MtuCheckOptions = {}): PathMtuReport {
  const c = snap.central;
  const notes: string[] = [];
  const lsOf = (e: PathEndpoint) => (c && e.datapath ? c.switches.find((s) => s.name === e.datapath) : undefined) ?? (c && e.logicalPort ? switchOfPort(c, e.logicalPort) : undefined);
  const fromLs = lsOf(path.from);
  const toLs = lsOf(path.to);
  const fromLsp = c?.switchPorts.find((p) => p.name === path.from.logicalPort);
  const toLsp = c?.switchPorts.find((p) => p.name === path.to.logicalPort);
  const networks: NetworkMtu[] = [];
  if (fromLs || !toLs) networks.push(networkMtuOf(c, fromLs, options, fromLsp));
  if (toLs && toLs !== fromLs) networks.push(networkMtuOf(c, toLs, options, toLsp));
  if (!c) notes.push('the NB/SB were not collected (no ovn.via in the inventory): network MTU and gateways unknown');
  const known = networks.filter((n) => n.value !== undefined);
  const mnet = known.length ? Math.min(...known.map((n) => n.value!)) : undefined;
  const vlanTransparent = networks.some((n) => n.vlanTransparent);
  const srcChassis = path.from.chassis;
  const dstChassis = path.to.chassis;
  const gwList = (path.gateways ?? []).filter((g) => g.chassis !== srcChassis && g.chassis !== dstChassis);
  const family = familyOf(snap, [srcChassis, dstChassis, ...(path.gateways ?? []).map((g) => g.chassis)]);
  const overhead = geneveOverhead({ ipv6: family === 'inet6', vlanTransparent, ipsec: options.ipsec });
  const ctx: RowCtx = { snap, options, overhead, mnet, rows: [], findings: [] };
  const srcHost = hostOf(snap, path.from.host ?? srcChassis);
  const dstHost = hostOf(snap, path.to.host ?? dstChassis);
  const gwHosts = (path.gateways ?? []).map((g) => hostOf(snap, g.host ?? g.chassis)).filter((h): h is MtuHostState => !!h);

  // H0 source
  if (path.from.logicalPort) {
    const src = vifRow(srcHost, path.from.logicalPort, 'source', networks[0]!, c);
    ctx.rows.push(src.row);
    ctx.findings.push(src.finding);
  }

  // Tunnel segments: source → (gateways →) destination; a same-chassis path has none.
  const hops: { from?: string; to?: string }[] = [];
  const chain = [srcChassis, ...gwList.map((g) => g.chassis), dstChassis].filter((x): x is string => !!x);
  for (let i = 0; i + 1 < chain.length; i++) if (chain[i] !== chain[i + 1]) hops.push({ from: chain[i], to: chain[i + 1] });
  if (srcChassis && dstChassis && srcChassis === dstChassis && !gwList.length) notes.push(`both ends are on ${srcChassis}: no tunnel on this path, only the VIFs limit it`);
  if (!srcChassis) notes.push(`${path.from.text} is not bound to a chassis (or is outside the overlay): the path starts at the next chassis`);
  const memo = new Map<string, Map<string, LegDevice[]>>();
  const memoOf = (h: MtuHostState) => memo.get(h.host) ?? memo.set(h.host, new Map()).get(h.host)!;
  const segments: TunnelSegment[] = [];
  const forwardLimits: number[] = [];
  const bestLimits: number[] = [];
  const reverseLimits: number[] = [];
  let dfAll = true;
  for (const seg of hops) {
    const hFrom = hostOf(snap, seg.from);
    const hTo = hostOf(snap, seg.to);
    const side: HopSide = seg.from === srcChassis ? 'source' : 'gateway';
    const remoteTep = seg.to ? tepOfChassis(snap, seg.to, family, hFrom) ?? tepOfChassis(snap, seg.to, undefined, hFrom) : undefined;
    if (!hFrom || !remoteTep) {
      notes.push(`segment ${seg.from ?? '?'} → ${seg.to ?? '?'}: ${!hFrom ? `host of chassis ${seg.from} is not in the snapshot` : `no TEP known for chassis ${seg.to}`}`);
      segments.push({ fromHost: hFrom?.host ?? seg.from ?? '?', toChassis: seg.to, toHost: hTo?.host });
      continue;
    }
    const br = brIntRow(hFrom, side);
    if (br) ctx.rows.push(br);
    const egress = egressToward(hFrom, remoteTep, memoOf(hFrom));
    ctx.rows.push(...tunnelRows(ctx, hFrom, egress, side));
    ctx.rows.push(...egressRows(ctx, hFrom, egress, side));
    if (egress.tunnelPort?.dfDefault === false) dfAll = false;
    const lim = egressLimits(egress, options);
    if (lim.min !== undefined) forwardLimits.push(lim.min);
    if (lim.max !== undefined) bestLimits.push(lim.max);
    let reverse: TepEgress | undefined;
    const backTep = tepOfChassis(snap, seg.from!, family, hTo) ?? hFrom.encapIps[0];
    if (hTo && backTep) {
      reverse = egressToward(hTo, backTep, memoOf(hTo));
      const rside: HopSide = seg.to === dstChassis ? 'destination' : 'gateway';
      // Rows of the way back: a gateway's egress toward the source limits the replies, never the forward packet.
      const back = (rows: HopRow[]) => rows.map((r): HopRow => ({ ...r, direction: 'reverse' }));
      ctx.rows.push(...back(tunnelRows(ctx, hTo, reverse, rside)));
      ctx.rows.push(...back(egressRows(ctx, hTo, reverse, rside)));
      const rl = egressLimits(reverse, options);
      if (rl.min !== undefined) reverseLimits.push(rl.min);
    } else notes.push(`reverse direction ${seg.to} → ${seg.from}: ${hTo ? 'no TEP for the source chassis' : `host of chassis ${seg.to} is not in the snapshot`}`);
    segments.push({ fromHost: hFrom.host, toHost: hTo?.host, toChassis: seg.to, remoteTep, egress, reverse });
  }

  // H7 gateway (north-south: the router ports of the path)
  let checkPktLen: boolean | undefined;
  if (path.routerPorts?.length && c) {
    const gw = checkGateways(snap, () => ({ ...networks[0]!, value: mnet }), new Set(path.routerPorts), 'gateway');
    ctx.rows.push(...gw.rows);
    ctx.findings.push(...gw.findings);
    const gwRowHosts = new Set(gw.rows.map((r) => r.host).filter(Boolean));
    checkPktLen = [...gwHosts, ...snap.hosts.filter((h) => gwRowHosts.has(h.host))].map((h) => h.dpFeatures?.checkPktLen).find((x) => x !== undefined);
  }

  // The gateway for the replies: OVN ≥ 21.09 checks packets coming in from the outside as well
  // (lr_in_admission: check_pkt_larger(L) on inport == the gateway port, ICMP "fragmentation
  // needed" from lr_in_ip_input), so replies are capped by gateway_mtu too — when the flows say so.
  const reverseCaps: { cap: number; by: string }[] = [];
  if (path.routerPorts?.length && c) {
    const replyDirection: PktLenCheck['direction'] = path.from.kind === 'external-ip' ? 'egress' : 'ingress';
    for (const name of path.routerPorts) {
      const p = c.routerPorts.find((x) => x.name === name);
      const chk = path.pktLenChecks?.find((x) => x.port === name && x.direction === replyDirection);
      if (!p || (p.gatewayMtu === undefined && !chk)) continue;
      const what = replyDirection === 'ingress' ? `packets coming in from outside through ${name}` : `packets leaving through ${name}`;
      if (!path.pktLenChecks) {
        notes.push(`SB Logical_Flow not collected: whether OVN also checks ${what} (gateway_mtu ${p.gatewayMtu}; OVN ≥ 21.09 does) is unknown, so the reverse direction leaves it out`);
        continue;
      }
      if (!chk) {
        notes.push(`no check_pkt_larger for ${what} in the logical flows (OVN before 21.09 checks only the other direction): replies bigger than gateway_mtu ${p.gatewayMtu} get no ICMP "fragmentation needed" from the gateway`);
        continue;
      }
      // What the flow enforces (L less the L2 header: 14, or 18 behind a VLAN-tagged localnet), not what the NB asks for.
      const cap = chk.length - (localnetOf(c, p, undefined).tagged ? 18 : 14);
      const host = ctx.rows.find((r) => r.hop === 'H7' && r.subject === `${name} gateway_mtu`)?.host;
      const by = `gateway_mtu ${cap} on ${name} (check_pkt_larger(${chk.length}) on ${what})`;
      reverseCaps.push({ cap, by });
      ctx.rows.push({ hop: 'H7', side: 'gateway', direction: 'reverse', host, subject: `${name} gateway_mtu (replies)`, role: 'gateway-port', depth: 0, mtu: cap, maxInner: cap, severity: 'info', note: `replies: check_pkt_larger(${chk.length}) on ${what}; bigger ones get ICMP "fragmentation needed" (mtu ${cap}) from OVN`, evidence: chk.evidence });
    }
  }

  // H0 destination
  if (path.to.logicalPort && (path.to.kind === undefined || path.to.kind === 'vif' || path.to.kind === 'nat')) {
    const dst = vifRow(dstHost, path.to.logicalPort, 'destination', networks[networks.length - 1]!, c);
    ctx.rows.push(dst.row);
    ctx.findings.push(dst.finding);
  }

  // H1 network rows (their verdict needs the underlay)
  const underlay = forwardLimits.length ? Math.min(...forwardLimits, ...reverseLimits) : undefined;
  const netRows = networks.map((n) => networkRow(ctx, n, underlay));
  ctx.rows.splice(path.from.logicalPort ? 1 : 0, 0, ...netRows);
  for (const [i, r] of netRows.entries())
    ctx.findings.push({ id: 'MTU-H1', severity: r.severity, subject: r.subject, message: r.note, evidence: [r.evidence], fix: r.severity === 'fail' && underlay !== undefined ? networkTooLargeFix(networks[i]!, underlay - overhead.total, r.mtu! + overhead.total) : networkGapFix(c, networks[i]!, r.severity, overhead.total) });
  if (networks.length > 1 && known.length > 1 && new Set(known.map((n) => n.value)).size > 1) {
    const larger = known.filter((n) => n.value! > mnet!);
    const f: Finding = { id: 'MTU-H8', severity: 'warn', subject: 'networks on the path', message: `the two ends have different network MTUs (${known.map((n) => `${n.network} ${n.value}`).join(', ')}): the router between them passes packets up to the larger; the smaller side drops them`, evidence: known.map((n) => n.evidence), fix: `give both ends the smaller MTU, ${mnet}: ${larger.map((n) => setNetworkMtu(n, mnet!)).join('; ')}` };
    ctx.findings.push(f);
  }

  // Largest inner packet and bottleneck: physical limits of the forward direction only — tunnel
  // legs and their devices (source and gateway sides), gateway_mtu, the destination VIF. M_net is
  // what the VMs are told, not a limit of the path (H1 compares the two).
  const forwardRows = ctx.rows.filter(
    (r) => r.maxInner !== undefined && r.direction !== 'reverse' && r.role !== 'ecmp-leg' && r.role !== 'route' && (((r.side === 'source' || r.side === 'gateway') && r.hop !== 'H0') || (r.side === 'destination' && r.hop === 'H0')),
  );
  // A tunnel whose egress is unknown leaves the answer unknown (a VIF's MTU alone would mislead).
  const underlayKnown = segments.length === hops.length && segments.every((s) => s.egress && egressLimits(s.egress, options).min !== undefined);
  if (!underlayKnown) {
    // Collected but unreadable is a damaged file, not a gap in the collection: say which and why.
    const unknownFrom = segments.filter((s) => !(s.egress && egressLimits(s.egress, options).min !== undefined)).map((s) => hostOf(snap, s.fromHost));
    const damaged = [...new Set(unknownFrom.flatMap((h) => (h ? [KERNEL_IDS.link, KERNEL_IDS.route, MTU_IDS.route6, KERNEL_IDS.nexthop].flatMap((id) => h.unreadable.get(id) ?? []) : [])))];
    notes.unshift(
      damaged.length
        ? `the largest packet is unknown: the egress MTU of at least one tunnel on the path was collected but cannot be read — damaged: ${damaged.join('; ')} (collect again, or get an intact copy of the snapshot)`
        : 'the largest packet is unknown: the egress MTU of at least one tunnel on the path was not collected (ip -j link/route on the sending host)',
    );
  }
  let bottleneck: HopRow | undefined;
  if (underlayKnown) for (const r of forwardRows) if (!bottleneck || r.maxInner! < bottleneck.maxInner!) bottleneck = r;
  const largestInner = bottleneck?.maxInner;
  const otherCaps = forwardRows.filter((r) => r.hop === 'H0' || r.hop === 'H7').map((r) => r.maxInner!);
  const bestForward = bestLimits.length ? Math.min(...bestLimits) - overhead.total : undefined;
  const largestInnerBestLeg = !underlayKnown ? undefined : bestForward !== undefined ? Math.min(bestForward, ...otherCaps) : largestInner;
  const reverseTunnels = reverseLimits.length ? Math.min(...reverseLimits) - overhead.total : undefined;
  const reverseCap = reverseCaps.reduce<{ cap: number; by: string } | undefined>((a, b) => (!a || b.cap < a.cap ? b : a), undefined);
  const reverseByGateway = reverseCap !== undefined && (reverseTunnels === undefined ? hops.length === 0 : reverseCap.cap < reverseTunnels);
  const largestInnerReverse = reverseByGateway ? reverseCap!.cap : reverseTunnels;
  const reverseLimitedBy = reverseByGateway ? reverseCap!.by : undefined;
  const underlayInner = forwardLimits.length ? Math.min(...forwardLimits) - overhead.total : undefined;
  // The host whose tunnel drops the packet is the one whose kernel could answer with ICMP.
  const dropHost = hostOf(snap, bottleneck?.host) ?? srcHost;
  const breaks = breaksAbove(bottleneck, { largest: largestInner, bestLeg: largestInnerBestLeg, df: dfAll, checkPktLen, kernel: dropHost?.kernelRelease, datapath: dropHost?.datapath }, overhead.total);
  for (const s of segments)
    for (const l of s.egress?.legs ?? [])
      if (l.failoverIpMtu !== undefined && largestInner !== undefined && l.failoverIpMtu - overhead.total < largestInner)
        breaks.push(`after a failover of ${s.fromHost}'s bond onto ${l.failoverDevice} (its backup slave, mtu ${l.failoverIpMtu}), inner packets over ${l.failoverIpMtu - overhead.total} B are dropped${dfAll ? ' with DF set' : ''} there`);
  const announcedByGateway = bottleneck?.hop === 'H7' && checkPktLen !== false;
  if (mnet !== undefined && largestInner !== undefined && mnet > largestInner && !announcedByGateway) breaks.unshift(`the VMs are told MTU ${mnet} but only ${largestInner} B cross: every full-size packet between ${largestInner + 1} and ${mnet} B fails`);
  for (const s of segments) for (const e of [s.egress, s.reverse]) for (const n of e?.notes ?? []) if (!notes.includes(n)) notes.push(n);
  const findings = ctx.findings.sort(compareFindings);
  const verdict = findings.some((f) => f.severity === 'fail') ? 'fail' : findings.some((f) => f.severity === 'warn') ? 'warn' : findings.some((f) => f.severity === 'pass') ? 'pass' : 'n-a';
  return { from: path.from, to: path.to, overhead, networks, networkMtu: mnet, segments, rows: ctx.rows, largestInner, largestInnerBestLeg, largestInnerReverse, reverseLimitedBy, underlayInner, underlayInnerBestLeg: bestForward, checkPktLen, bottleneck, breaks, verdict, notes, findings };
}

// ---------------------------------------------------------------------------------------------
// Cluster audit (--all)

export interface PairRow {
  readonly host: string;
  readonly chassis?: string;
  readonly toChassis: string;
  readonly remoteTep: string;
  readonly legs: readonly { readonly label: string; readonly ipMtu?: number; readonly limitedBy?: string }[];
  /** min over legs. */
  readonly underlay?: number;
  /** The line of the device (or route / PMTU) that sets `underlay`. */
  readonly evidence?: Evidence;
  readonly maxInner?: number;
  readonly source: TepEgress['source'];
}

export interface ClusterMtuReport {
  readonly overhead: Overhead;
  readonly networks: readonly NetworkMtu[];
  readonly pairs: readonly PairRow[];
  /** The smallest underlay MTU over every pair, and where. */
  readonly smallestUnderlay?: { readonly value: number; readonly pair: PairRow };
  /** The largest network MTU the underlay carries everywhere: smallest U − O. */
  readonly maxNetworkMtu?: number;
  readonly rows: readonly HopRow[];
  readonly findings: readonly Finding[];
}

/** The outputs a tunnel's egress is read from (OVS tunnel ports and TEP, the kernel's devices and routes). */
const EGRESS_INPUTS = [SHARED_IDS.openVswitch, SHARED_IDS.interface, KERNEL_IDS.link, KERNEL_IDS.route, MTU_IDS.route6, KERNEL_IDS.nexthop];

/** Cluster-wide rules: H1 (every network fits the smallest underlay between any pair of chassis) and H8 (consistency), plus per host H0/H3/H4/H6/H7. */
export function checkCluster(snap: MtuSnapshot, options: MtuCheckOptions = {}): ClusterMtuReport {
  const c = snap.central;
  const findings: Finding[] = [];
  const rows: HopRow[] = [];
  // Chassis and their TEPs.
  const chassisTeps = new Map<string, string[]>();
  for (const e of c?.encaps ?? []) chassisTeps.set(e.chassisName, [...(chassisTeps.get(e.chassisName) ?? []), e.ip]);
  for (const h of snap.hosts) if (h.chassis && !chassisTeps.has(h.chassis) && h.encapIps.length) chassisTeps.set(h.chassis, [...h.encapIps]);
  for (const h of snap.hosts) for (const i of h.interfaces) if (i.type === 'geneve' && i.remoteIp && i.remoteIp !== 'flow' && ![...chassisTeps.values()].some((t) => t.includes(i.remoteIp!))) chassisTeps.set(`(${i.remoteIp})`, [i.remoteIp]);
  const families = new Map<string, 'inet' | 'inet6'>();
  for (const [ch, ips] of chassisTeps) families.set(ch, ips.some(isV6) ? 'inet6' : 'inet');
  const family = [...families.values()].includes('inet6') ? 'inet6' : 'inet';
  // Networks: every switch with a VIF (or all switches when none is bound).
  const withVifs = (c?.switches ?? []).filter((s) => c!.switchPorts.some((p) => s.ports.includes(p.uuid) && p.type === ''));
  const switches = withVifs.length ? withVifs : (c?.switches ?? []);
  const networks = switches.map((s) => networkMtuOf(c, s, options));
  const vlanTransparent = networks.some((n) => n.vlanTransparent);
  const overhead = geneveOverhead({ ipv6: family === 'inet6', vlanTransparent, ipsec: options.ipsec });
  const O = overhead.total;
  const known = networks.filter((n) => n.value !== undefined);
  const mnetMax = known.length ? Math.max(...known.map((n) => n.value!)) : undefined;
  const ctx: RowCtx = { snap, options, overhead, mnet: mnetMax, rows, findings };

  // Pairs.
  const pairs: PairRow[] = [];
  for (const h of snap.hosts) {
    const memo = new Map<string, LegDevice[]>();
    const br = brIntRow(h, 'source');
    if (br) rows.push(br);
    for (const [ch, ips] of chassisTeps) {
      if (ch === h.chassis || ips.some((ip) => h.encapIps.includes(ip))) continue;
      const tep = ips.find((ip) => h.encapIps.some((l) => isV6(l) === isV6(ip))) ?? ips[0]!;
      const e = egressToward(h, tep, memo);
      rows.push(...tunnelRows(ctx, h, e, 'source'));
      rows.push(...egressRows(ctx, h, e, 'source'));
      const lim = egressLimits(e, options);
      const bySwitch = lim.minLeg !== undefined && lim.min !== lim.minLeg.ipMtu;
      const limiter = bySwitch ? undefined : lim.minLeg?.limitedBy;
      const dev = limiter?.kind === 'device' ? lim.minLeg!.devices.find((d) => d.name === limiter.name)?.link : undefined;
      const evidence = bySwitch ? { file: '(command line)', excerpt: `--switch-mtu ${options.switchMtu}${options.switchMtuSemantics === 'l2' ? ' --switch-mtu-semantics l2' : ''}` } : dev ? linkEvidence(h, dev) : limiter?.kind === 'pmtu' && e.routeGet ? routeEvidence(h, e.routeGet, MTU_IDS.routeGet(tep)) : e.route ? routeEvidence(h, e.route) : undefined;
      pairs.push({ host: h.host, chassis: h.chassis, toChassis: ch, remoteTep: tep, legs: e.legs.map((l) => ({ label: l.label, ...legLimit(l, options) })), underlay: lim.min, evidence, maxInner: lim.min !== undefined ? lim.min - O : undefined, source: e.source });
    }
  }
  // A host whose OVS or kernel listings are collected but unreadable has tunnels and egress
  // devices nobody can see: say so per host (n/a, the file and why) instead of listing nothing.
  for (const h of snap.hosts) {
    const damaged = EGRESS_INPUTS.flatMap((id) => h.unreadable.get(id) ?? []);
    if (!damaged.length) continue;
    for (const id of ['MTU-H3', 'MTU-H4'])
      findings.push({ id, severity: 'n-a', host: h.host, subject: id === 'MTU-H3' ? 'geneve ports' : 'egress toward the other TEPs', message: `not checked on ${h.host}: collected but cannot be read — damaged: ${damaged.join('; ')}`, evidence: [{ file: damaged[0]!.slice(0, damaged[0]!.indexOf(':')), excerpt: excerptOf(damaged[0]!) }], fix: 'collect again (or get an intact copy of the snapshot)' });
  }
  // Nothing to check is said, not left as an empty table.
  if (!pairs.length) {
    const tepless = !chassisTeps.size;
    const why = !snap.hosts.length
      ? 'no host in the snapshot'
      : tepless
        ? `no TEP known: no SB Encap rows${c ? '' : ' (the NB/SB were not collected)'} and no host with an OVS ovn-encap-ip or geneve port${snap.hosts.some((h) => h.interfaces.length) ? '' : ' (OVS was not collected or did not answer)'}`
        : `only one chassis with a TEP (${[...chassisTeps.keys()].join(', ')}): there is no tunnel between chassis`;
    findings.push({ id: 'MTU-H1', severity: 'n-a', subject: 'chassis pairs', message: `no chassis pairs to check: ${why}`, evidence: [centralEvidence(c, 'ovn-sbctl.list.Encap', tepless ? 'no Encap rows' : [...chassisTeps].map(([ch, ips]) => `${ch}: ${ips.join(',')}`).join('; '))], fix: !snap.hosts.length ? 'collect the hypervisors too (ovnscope collect --inventory FILE)' : tepless ? 'collect with the NB/SB (an "ovn: { via: HOST }" inventory section) and with OVS reachable on the hosts' : 'nothing to change: with one chassis no packet is encapsulated, so there is no tunnel MTU to check' });
  }
  if (!networks.length)
    findings.push({ id: 'MTU-H1', severity: 'n-a', subject: 'logical networks', message: `no logical networks to check: ${c ? 'the NB has no logical switch' : 'the NB was not collected'}`, evidence: [centralEvidence(c, 'ovn-nbctl.list.Logical_Switch', c ? 'no Logical_Switch rows' : 'NB not collected')], fix: c ? 'nothing to change: without a logical switch there is no network MTU to compare' : 'collect with an "ovn: { via: HOST }" inventory section' });
  let smallest: ClusterMtuReport['smallestUnderlay'];
  for (const p of pairs) if (p.underlay !== undefined && (!smallest || p.underlay < smallest.value)) smallest = { value: p.underlay, pair: p };
  const maxNetworkMtu = smallest ? smallest.value - O : undefined;

  // H1 per network.
  for (const n of networks) {
    const row = networkRow(ctx, n, smallest?.value);
    rows.push(row);
    const bad = n.value !== undefined ? pairs.filter((p) => p.underlay !== undefined && n.value! + O > p.underlay) : [];
    const message = bad.length
      ? `M_net ${n.value} + O ${O} = ${n.value! + O} does not fit ${bad.length} of ${pairs.length} chassis pairs: ${bad.slice(0, 6).map((p) => `${p.host} → ${p.toChassis} (${p.underlay})`).join(', ')}${bad.length > 6 ? ', …' : ''}`
      : row.note;
    findings.push({ id: 'MTU-H1', severity: bad.length ? 'fail' : row.severity, subject: `network ${n.network}`, message, evidence: [n.evidence], fix: bad.length && maxNetworkMtu !== undefined ? networkTooLargeFix(n, maxNetworkMtu, n.value! + O, [...new Set(bad.map((p) => p.host))]) : bad.length ? undefined : networkGapFix(c, n, row.severity, O) });
  }

  // H8 consistency.
  if (new Set(known.map((n) => n.value)).size > 1) {
    const one = Math.min(...known.map((n) => n.value!), maxNetworkMtu ?? Infinity);
    const change = known.filter((n) => n.value !== one);
    findings.push({
      id: 'MTU-H8',
      severity: 'warn',
      subject: 'network MTUs',
      message: `networks differ: ${[...new Set(known.map((n) => n.value))].map((v) => `${v} (${known.filter((n) => n.value === v).map((n) => n.network).slice(0, 5).join(', ')})`).join('; ')}`,
      evidence: known.slice(0, 6).map((n) => n.evidence),
      fix: `nothing to change where the difference is meant (a provider network at the physical MTU, a jumbo network whose H1 passes); otherwise give them one MTU, ${one}${maxNetworkMtu !== undefined ? ` (≤ ${maxNetworkMtu}, the smallest underlay − O)` : ''}: ${change.slice(0, 3).map((n) => setNetworkMtu(n, one)).join('; ')}${change.length > 3 ? `; … (${change.length - 3} more)` : ''}`,
    });
  }
  for (const n of networks)
    if (n.candidates.length > 1 && new Set(n.candidates.map((x) => x.value)).size > 1) {
      const smallest = Math.min(...n.candidates.map((x) => x.value));
      findings.push({ id: 'MTU-H8', severity: 'warn', subject: `network ${n.network}`, message: `its MTU sources disagree: ${n.candidates.map((x) => `${x.value} (${x.source})`).join(', ')}`, evidence: n.candidates.map((x) => x.evidence), fix: `make them agree (the audit uses ${n.value}, from ${n.source}): ${[...new Set(n.candidates.filter((x) => x.value !== smallest && !x.source.startsWith('--mtu')).map((x) => setNetworkMtu({ network: n.network, source: x.source }, smallest)))].join('; ') || `give --mtu ${smallest}`}` });
    }
  if (new Set(families.values()).size > 1)
    findings.push({ id: 'MTU-H8', severity: 'warn', subject: 'encapsulation family', message: `chassis encapsulate over different IP families (${[...families].map(([ch, f]) => `${ch} ${f === 'inet6' ? 'IPv6' : 'IPv4'}`).join(', ')}): use O = 78 everywhere`, evidence: [centralEvidence(c, 'ovn-sbctl.list.Encap', [...chassisTeps].map(([ch, ips]) => `${ch}: ${ips.join(',')}`).join('; '))], fix: `nothing to change if both families are meant (dual stack): size every network for O = ${O}${maxNetworkMtu !== undefined ? `, at most ${maxNetworkMtu}` : ''} (this audit already does); otherwise give every chassis a TEP of one family: ovs-vsctl set Open_vSwitch . external_ids:ovn-encap-ip=IP on the others` });
  const byHost = new Map<string, number>();
  for (const p of pairs) if (p.underlay !== undefined) byHost.set(p.host, Math.min(byHost.get(p.host) ?? Infinity, p.underlay));
  const hostLimits = [...byHost.values()];
  if (hostLimits.length > 1 && new Set(hostLimits).size > 1) {
    const top = Math.max(...hostLimits);
    const small = [...byHost].filter(([, u]) => u < top);
    findings.push({ id: 'MTU-H8', severity: 'warn', subject: 'underlay MTU per host', message: `hosts with a smaller underlay than the rest (${top}): ${small.map(([h, u]) => `${h} ${u}`).join(', ')} — the cluster MTU must be based on them`, evidence: small.slice(0, 6).flatMap(([h, u]) => pairs.filter((p) => p.host === h && p.underlay === u && p.evidence).slice(0, 1).map((p) => p.evidence!)), fix: `raise the egress of ${small.map(([h]) => h).join(', ')} to ${top} (ip link set DEV mtu ${top} on each device of their MTU-H4 rows, and persist it), or keep every network MTU at most ${Math.min(...small.map(([, u]) => u)) - O}` });
  } else if (hostLimits.length > 1) findings.push({ id: 'MTU-H8', severity: 'pass', subject: 'underlay MTU per host', message: `every host has the same smallest egress MTU (${hostLimits[0]})`, evidence: [] });

  // H0 for every bound VIF.
  if (c)
    for (const pb of c.portBindings) {
      if (pb.type !== '' || !pb.chassis) continue;
      const ch = c.chassis.find((x) => x.uuid === pb.chassis)?.name;
      const h = hostOf(snap, ch);
      if (!h) continue;
      const lsp = c.switchPorts.find((p) => p.name === pb.logicalPort);
      const ls = switchOfPort(c, pb.logicalPort);
      const net = networkMtuOf(c, ls, options, lsp);
      const v = vifRow(h, pb.logicalPort, 'source', net, c);
      rows.push(v.row);
      findings.push(v.finding);
    }

  // H7 all gateway ports.
  const gw = checkGateways(snap, (r) => {
    const lsNames = c!.routerPorts.filter((p) => r.ports.includes(p.uuid)).flatMap((p) => c!.switchPorts.filter((x) => x.options['router-port'] === p.name).map((x) => switchOfPort(c!, x.name)));
    const nets = lsNames.filter((s): s is NbLogicalSwitch => !!s).map((s) => networkMtuOf(c, s, options)).filter((n) => n.value !== undefined);
    return nets.length ? nets.reduce((a, b) => (b.value! < a.value! ? b : a)) : undefined;
  });
  rows.push(...gw.rows);
  findings.push(...gw.findings);
  return { overhead, networks, pairs, smallestUnderlay: smallest, maxNetworkMtu, rows, findings: findings.sort(compareFindings) };
}
