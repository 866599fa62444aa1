/**
 * Names → endpoints, and endpoints → the chassis a packet between them can touch. Pure functions
 * of a loaded snapshot (only its SB, NB and hosts are read), used by `trace --from/--to`,
 * `collect --from/--to` (src/collect/scope.ts), the MTU audit, `doctor` and
 * `fixture pack --only-path`.
 *
 *   const r = resolveEndpoint(snapshot, 'web-1');           // Result<Endpoint>
 *   const p = chassisPath(snapshot, from, to);              // Result<ChassisPath>
 *   const resolver = createResolver(snapshot);              // indexes built once, for many lookups
 *
 * What `text` may be, tried in this order (the first level with any match wins; several matches
 * on one level are an ambiguity error listing them):
 *   1. an IP address (v4 or v6): a logical port whose Port_Binding/NB addresses hold it (VIF
 *      before router port), a NAT external IP, a load-balancer VIP, else an address outside the
 *      overlay (kind `external-ip`). `IP@DATAPATH` picks among overlapping tenant addresses.
 *      With `options.packet`, a router port's address that is also a VIP the packet matches
 *      (protocol and port: a NodePort) is the VIP, and of several VIPs on one address the one
 *      the packet matches is taken;
 *   2. a MAC address;
 *   3. a logical port name (SB Port_Binding.logical_port, NB switch/router port);
 *   4. an OVS interface name on a collected host (its external_ids:iface-id);
 *   5. `neutron:port_name` (of the NB port, and the SB copy northd makes as external_ids:name);
 *   6. `neutron:device_id` (NB or SB: the VM; several ports of one VM are an ambiguity);
 *   7. a pod: `namespace/name`, `namespace_name` or the bare pod name (OVN-Kubernetes `pod=true`
 *      + `namespace`, Kube-OVN `pod=namespace/name`);
 * Names are compared exactly (OVN's are case-sensitive); MACs and IP text ignore case.
 * Nothing matching: the error suggests the names equal ignoring case, else near names (edit
 * distance, substrings).
 */
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../model/masked.js';
import { lflowDatapaths, loadBalancerAttachments, splitAddresses, type NbLogicalRouterPort, type NbNat, type SbDatapathBinding, type SbPortBinding } from '../model/ovn.js';
import { fail, ok, type Result } from '../model/result.js';
import type { HostState, NorthboundState, SouthboundState } from '../model/snapshot.js';

/** What resolution reads: a loaded Snapshot satisfies it; `collect` passes an SB-only view. */
export interface SnapshotView {
  readonly hosts: readonly HostState[];
  readonly sb?: SouthboundState;
  readonly nb?: NorthboundState;
}

export type EndpointKind =
  /** A VM/pod port (Port_Binding type ""). */
  | 'vif'
  /** A logical router port (the router side of a switch↔router patch, a gateway router port). */
  | 'router'
  | 'localnet'
  | 'localport'
  | 'virtual'
  /** Port_Binding type `external` (baremetal behind a localnet). */
  | 'external'
  | 'l2gateway'
  | 'vtep'
  /** A load-balancer VIP. */
  | 'lb-vip'
  /** The external IP of a NAT rule (dnat / dnat_and_snat). */
  | 'nat'
  /** An address no logical port owns: outside the overlay, reached through a gateway. */
  | 'external-ip';

export type MatchedBy = 'ip' | 'mac' | 'logical-port' | 'interface' | 'neutron-port-name' | 'neutron-device-id' | 'pod' | 'nat' | 'lb-vip' | 'external';

export interface DatapathRef {
  readonly uuid: string;
  /** NB switch/router name (SB external_ids:name); the UUID prefix when the SB has no Datapath_Binding. */
  readonly name: string;
  /** Datapath tunnel key (= OpenFlow metadata, GENEVE VNI). */
  readonly key: number | undefined;
  readonly kind: 'switch' | 'router' | undefined;
}

export interface Endpoint {
  /** The text as given. */
  readonly input: string;
  readonly kind: EndpointKind;
  readonly matchedBy: MatchedBy;
  /** Logical port (SB Port_Binding.logical_port); undefined for `external-ip` and `lb-vip`. */
  readonly logicalPort: string | undefined;
  /** SB Port_Binding type (`""`, `patch`, `l3gateway`, `localnet`, …). */
  readonly portType: string | undefined;
  readonly datapath: DatapathRef | undefined;
  /** Logical port key (reg14/reg15, the halves of tun_metadata0). */
  readonly portKey: number | undefined;
  readonly mac: string | undefined;
  /** Every address of the port, without prefix lengths. */
  readonly ips: readonly string[];
  /** The address to use: the one typed when matched by IP, else the first IPv4 (else IPv6). */
  readonly ip: string | undefined;
  /** CIDRs of a router port (its networks); empty otherwise. */
  readonly networks: readonly string[];
  /** Chassis where the port is bound (for a distributed gateway port: where its chassisredirect port is active). */
  readonly chassis: string | undefined;
  /** Snapshot host that is that chassis (Open_vSwitch external_ids:system-id, hostname or encap IP). */
  readonly host: string | undefined;
  /** Bridge and OpenFlow port of the VIF on that host (Interface external_ids:iface-id). */
  readonly bridge: string | undefined;
  readonly ofport: number | undefined;
  /** OVS interface name on that host (`tapXXXX`, `veth…`). */
  readonly iface: string | undefined;
  /** Names the port carries (for display and for matching). */
  readonly names: {
    readonly neutronPortName?: string;
    readonly neutronDeviceId?: string;
    /** `neutron:device_owner` (`compute:nova` for a VM, `network:distributed` for the metadata port, …). */
    readonly neutronDeviceOwner?: string;
    readonly pod?: string;
  };
  /** For `router`: the router's name. For `vif`: the switch. */
  readonly router?: string;
  /** Gateway chassis of a distributed gateway port (its chassisredirect port). */
  readonly gatewayPort?: string;
  /** kind `lb-vip`: the load balancer, the VIP and its backends. */
  readonly lb?: {
    readonly name: string;
    readonly uuid: string;
    readonly vip: string;
    readonly protocol: string | undefined;
    readonly backends: readonly string[];
    readonly datapaths: readonly string[];
    /**
     * Without the NB Load_Balancer_Group listing: the switches and routers that take load balancers
     * through groups, any of which may carry this one (`datapaths` may then be incomplete).
     */
    readonly groupsUnlistedOn?: readonly string[];
  };
  /**
   * kind `nat`: the NAT rule and the router holding it. `logicalPort` is the rule's, else the port
   * that has its logical IP; `distributed`: the rule has both `logical_port` and `external_mac`, the
   * only case OVN handles on the port's chassis (ovn-nb(5) NAT) — else the gateway chassis does,
   * answering ARP for the external IP with the gateway port's MAC.
   */
  readonly nat?: {
    readonly uuid: string;
    readonly type: string;
    readonly externalIp: string;
    readonly logicalIp: string;
    readonly router: string | undefined;
    readonly logicalPort: string | undefined;
    readonly externalMac?: string;
    readonly distributed: boolean;
  };
  /** How resolution went (not bound, took one of several, …). */
  /**
   * An `external-ip` inside a logical switch's subnet that no port owns: not outside the overlay
   * but an unassigned address there (OVN floods or drops it; nothing answers).
   */
  readonly unassigned?: { readonly switch: string; readonly datapath: string; readonly subnet: string };
  /**
   * kind `localport` (Neutron's metadata port): the snapshot hosts with an OVS interface for it. A
   * localport is never bound in the SB: it is present on every chassis that has its interface, and
   * its traffic never crosses a tunnel. With one such host the endpoint is placed there; with
   * several, the other end (or `PORT@HOST`) says which.
   */
  readonly localportHosts?: readonly string[];
  readonly notes: readonly string[];
}

export interface ResolveOptions {
  /** Prefix of error messages, e.g. `--from` (default: none). */
  readonly label?: string;
  /** Prefer candidates logically connected to this endpoint (for an IP that several tenants use). */
  readonly near?: Endpoint;
  /**
   * The packet that will be sent to the address (`trace --tcp PORT`, `--icmp`, …). A load
   * balancer applies to a packet by its VIP's protocol and port, so this picks the VIP among
   * several on one address, and makes an address that is both a router port's and a VIP's
   * (OVN-Kubernetes NodePort: `NODE_IP:30080` on the gateway router) the VIP when the packet
   * matches one. Without it: the router port, else the first VIP.
   */
  readonly packet?: PacketMatch;
  /**
   * The destination MAC the packet is sent to (`trace --dst-mac`): of several ports that carry an
   * address as an allowed address pair (a keepalived VIP), the one with this MAC.
   */
  readonly dstMac?: string;
}

/** What of a packet decides which load-balancer VIP it meets (structurally, the trace's Protocol). */
export interface PacketMatch {
  readonly kind: 'tcp' | 'udp' | 'sctp' | 'icmp' | 'arp';
  /** Destination port (TCP/UDP/SCTP). */
  readonly port?: number;
}

export type PathRole = 'source' | 'destination' | 'gateway';

/** A chassis as a path names it: its SB hostname and encap IPs, the snapshot host that is it. */
export interface PathChassisRow {
  readonly chassis: string;
  readonly hostname?: string;
  readonly encapIps: readonly string[];
  /** Snapshot host that is this chassis (undefined: not collected). */
  readonly host?: string;
}

/** `R`: the roles a path can give (a traced path adds one, src/services/trace-path-chassis.ts). */
export interface PathChassis<R extends string = PathRole> extends PathChassisRow {
  /** In order source, destination, gateway (a traced path: or alone, transit or flooded). */
  readonly roles: readonly R[];
  readonly why: readonly string[];
}

/** A path's chassis: its row with roles and why (fields in the order --json has always printed them). */
export function pathChassis<R extends string>(row: PathChassisRow, roles: readonly R[], why: readonly string[]): PathChassis<R> {
  const { host, ...named } = row;
  return { ...named, roles, ...(host ? { host } : {}), why };
}

export interface ChassisPath {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly chassis: readonly PathChassis[];
  /** Logical datapaths between them (switch → router → switch), by name. */
  readonly datapaths: readonly string[];
  /** Routers on the way. */
  readonly routers: readonly string[];
  /** Chassis on the path that are not hosts of the snapshot. */
  readonly missing: readonly string[];
  readonly notes: readonly string[];
}

/** The router port a packet from `from` is sent to (the guest's gateway), when the destination is not on its switch. */
export interface Gateway {
  /** Router port name (SB logical_port of the router side). */
  readonly port: string;
  readonly router: string;
  readonly mac: string;
  readonly ips: readonly string[];
  readonly networks: readonly string[];
}

/** A router port that answers ARP/ND for a load-balancer VIP on a guest's switch. */
export interface VipResponder {
  /** Router port name (SB logical_port of the router side). */
  readonly port: string;
  readonly router: string;
  readonly mac: string;
  /** Why we think so: the NB load balancer on the router, or the SB flow that sends the VIP's ARP/ND to the router port. */
  readonly why: string;
}

export interface Resolver {
  resolve(text: string, options?: ResolveOptions): Result<Endpoint>;
  chassisPath(from: Endpoint, to: Endpoint): ChassisPath;
  /** The guest's next hop for `to`: its gateway router port, or undefined when `to` is on its own subnet. */
  gateway(from: Endpoint, to: Endpoint): Gateway | undefined;
  /**
   * The router port on `from`'s switch that answers ARP/ND for load-balancer VIP `ip` (the MAC a
   * guest on that subnet learns for it), or undefined when no router there answers for it.
   */
  vipResponder(from: Endpoint, ip: string): VipResponder | undefined;
  /** Logical datapaths from one datapath to another (by UUID, shortest), or undefined when not connected. */
  datapathPath(fromDp: string, toDp: string): readonly string[] | undefined;
  /** The endpoint of a logical port by name (no fuzzy matching). */
  port(name: string): Endpoint | undefined;
  /** Snapshot host of a chassis name (system-id, hostname or encap IP), if collected. */
  hostOfChassis(chassis: string): string | undefined;
  /** A chassis (by name) as a path lists it, whether or not the SB knows it. */
  chassisRow(chassis: string): PathChassisRow;
  /** Subnets (CIDRs) of the switch an endpoint is on: its router ports' networks, other_config:subnet. */
  subnets(e: Endpoint): readonly string[];
  /**
   * The chassis that answers `mac` on provider network `network` (a packet leaving a provider
   * bridge toward it arrives there): the port's chassis for a distributed floating IP's
   * external_mac, the active chassis of a distributed gateway port for its MAC. Undefined for
   * MACs the snapshot does not place.
   */
  providerMacOwner(network: string, mac: string): { chassis: string; host: string | undefined; why: string } | undefined;
  /** A localport placed on one of the hosts that have its interface (`localportHosts`). */
  onHost(e: Endpoint, host: string): Result<Endpoint>;
}

// ---------------------------------------------------------------------------------------------

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** Canonical text of an IP address (IPv6 compressed), or undefined when `s` is not one. */
export function canonicalIp(s: string): string | undefined {
  const t = s.trim().replace(/^\[(.*)\]$/, '$1');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(t)) return parseIpv4(t) === undefined ? undefined : t.split('.').map((x) => String(Number(x))).join('.');
  if (t.includes(':')) {
    const v = parseIpv6(t);
    return v === undefined ? undefined : formatIpv6(v);
  }
  return undefined;
}

/** `10.0.0.5/24` → { ip: '10.0.0.5', prefix: 24 } (canonical ip). */
function splitCidr(s: string): { ip: string; prefix: number | undefined } | undefined {
  const [a, p] = s.split('/');
  const ip = canonicalIp(a ?? '');
  if (!ip) return undefined;
  return { ip, prefix: p === undefined ? undefined : Number(p) };
}

function ipBits(ip: string): { v: bigint; width: number } | undefined {
  if (ip.includes(':')) {
    const v = parseIpv6(ip);
    return v === undefined ? undefined : { v, width: 128 };
  }
  const v = parseIpv4(ip);
  return v === undefined ? undefined : { v, width: 32 };
}

/** True when `ip` is inside `cidr` (same family). */
export function inCidr(ip: string, cidr: string): boolean {
  const c = splitCidr(cidr);
  const a = ipBits(ip);
  const b = c ? ipBits(c.ip) : undefined;
  if (!a || !b || !c || a.width !== b.width) return false;
  const prefix = c.prefix ?? a.width;
  const shift = BigInt(a.width - prefix);
  return a.v >> shift === b.v >> shift;
}

/** `10.1.1.1/24` (a router port's network) → `10.1.1.0/24`, the subnet it names. */
export function networkOf(cidr: string): string {
  const c = splitCidr(cidr);
  const a = c ? ipBits(c.ip) : undefined;
  if (!c || !a || c.prefix === undefined) return cidr;
  const shift = BigInt(a.width - c.prefix);
  const v = (a.v >> shift) << shift;
  return `${a.width === 32 ? formatIpv4(v) : formatIpv6(v)}/${c.prefix}`;
}

/**
 * The switches and routers that take load balancers through Load_Balancer_Groups when the snapshot
 * has no NB Load_Balancer_Group listing (collected before it was): which load balancers those
 * groups hold is unknown. Empty with the listing.
 */
export function lbGroupsUnlistedOn(nb: Pick<NorthboundState, 'switches' | 'routers' | 'loadBalancerGroups'> | undefined): string[] {
  if (!nb || nb.loadBalancerGroups) return [];
  return [...nb.switches, ...nb.routers].filter((d) => d.loadBalancerGroup.length > 0).map((d) => d.name);
}

/** The caveat of `lbGroupsUnlistedOn`: "the snapshot has no NB Load_Balancer_Group listing, but A, B take load balancers through groups". */
export function lbGroupsUnlistedCaveat(on: readonly string[]): string {
  return `the snapshot has no NB Load_Balancer_Group listing, but ${on.slice(0, 5).join(', ')}${on.length > 5 ? ', …' : ''} take${on.length === 1 ? 's' : ''} load balancers through groups`;
}

/**
 * Where a VIP's load balancer is, for messages that say it is on no router of a switch: "LB is on
 * A, B" — or, when groups the snapshot cannot open may carry it, the caveat instead of "on no
 * switch or router".
 */
export function lbPlacement(lb: NonNullable<Endpoint['lb']>): string {
  const on = lb.datapaths.join(', ');
  if (!lb.groupsUnlistedOn?.length) return `${lb.name} is on ${on || 'no switch or router'}`;
  return `${lb.name} is on ${on || 'no switch or router'} as far as the snapshot shows; ${lbGroupsUnlistedCaveat(lb.groupsUnlistedOn)}, so ${lb.name} may be on those too (collect again with this ovnscope to list the groups)`;
}

/** `10.0.0.1:80`, `10.0.0.1`, `[2001:db8::1]:80`, `2001:db8::1` → canonical IP and port. */
export function splitHostPort(s: string): { ip: string; port: number | undefined } | undefined {
  const t = s.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (v6) {
    const ip = canonicalIp(v6[1]!);
    return ip ? { ip, port: v6[2] !== undefined ? Number(v6[2]) : undefined } : undefined;
  }
  const v4 = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(t);
  if (v4) {
    const ip = canonicalIp(v4[1]!);
    return ip ? { ip, port: v4[2] !== undefined ? Number(v4[2]) : undefined } : undefined;
  }
  const ip = canonicalIp(t);
  return ip ? { ip, port: undefined } : undefined;
}

/** Levenshtein distance (for "did you mean"). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const m = a.length;
  const n = b.length;
  if (!m) return n;
  if (!n) return m;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[n]!;
}

function label(o: ResolveOptions | undefined, text: string): string {
  return o?.label ? `${o.label} ${text}` : JSON.stringify(text);
}

/** One name a port can be found by. */
interface NameEntry {
  readonly level: number;
  readonly name: string;
  readonly pb: SbPortBinding;
  readonly by: MatchedBy;
  readonly what: string;
}

const LEVEL = { port: 3, iface: 4, neutronName: 5, device: 6, pod: 7 } as const;

/** Builds the lookups once; every method is then cheap. */
/** A VIP entry of an NB load balancer on one address, where it applies (`Endpoint.lb`). */
type LbVip = NonNullable<Endpoint['lb']> & { readonly backends: string[]; readonly datapaths: string[]; readonly groupsUnlistedOn?: string[] };

export function createResolver(view: SnapshotView): Resolver {
  const sb = view.sb;
  const nb = view.nb;
  const pbs = sb?.portBindings ?? [];
  const dpByUuid = new Map<string, SbDatapathBinding>((sb?.datapaths ?? []).map((d) => [d.uuid, d]));
  const chassisByUuid = new Map((sb?.chassis ?? []).map((c) => [c.uuid, c] as const));
  const pbByName = new Map<string, SbPortBinding>();
  for (const pb of pbs) pbByName.set(pb.logicalPort, pb);
  const lrpByName = new Map<string, NbLogicalRouterPort>((nb?.routerPorts ?? []).map((p) => [p.name, p]));
  const routerOfLrp = new Map<string, string>();
  for (const r of nb?.routers ?? []) for (const u of r.ports) routerOfLrp.set(u, r.name);
  const lspByName = new Map((nb?.switchPorts ?? []).map((p) => [p.name, p] as const));

  // Chassis ↔ snapshot host.
  const encapsOf = (chassis: string) => (sb?.encaps ?? []).filter((e) => e.chassisName === chassis).map((e) => e.ip);
  const hostOfChassis = (chassis: string): string | undefined => {
    const row = (sb?.chassis ?? []).find((c) => c.name === chassis);
    const names = [chassis, row?.hostname, row?.hostname?.split('.')[0]].filter((x): x is string => !!x);
    const ips = new Set(encapsOf(chassis));
    return (
      view.hosts.find((h) => h.chassis === chassis)?.name ??
      view.hosts.find((h) => names.includes(h.name))?.name ??
      view.hosts.find((h) => h.openVswitch?.hostname && names.includes(h.openVswitch.hostname))?.name ??
      view.hosts.find((h) => (h.encapIp && ips.has(h.encapIp)) || (h.openVswitch?.ovnEncapIps ?? []).some((ip) => ips.has(ip)))?.name
    );
  };
  const chassisRow = (chassis: string): PathChassisRow => {
    const row = (sb?.chassis ?? []).find((c) => c.name === chassis);
    const host = hostOfChassis(chassis);
    return { chassis, ...(row?.hostname ? { hostname: row.hostname } : {}), encapIps: encapsOf(chassis), ...(host ? { host } : {}) };
  };
  const chassisName = (uuid: string | undefined) => (uuid ? chassisByUuid.get(uuid)?.name ?? uuid : undefined);

  const dpRef = (uuid: string | undefined): DatapathRef | undefined => {
    if (!uuid) return undefined;
    const d = dpByUuid.get(uuid);
    const kind = d?.kind ?? (pbs.some((p) => p.datapath === uuid && (p.type === 'chassisredirect' || p.type === 'l3gateway')) ? 'router' : undefined);
    return { uuid, name: d?.name ?? d?.externalIds['name'] ?? uuid.slice(0, 8), key: d?.tunnelKey, kind };
  };
  const isRouterDp = (uuid: string | undefined): boolean => {
    if (!uuid) return false;
    const d = dpByUuid.get(uuid);
    if (d?.kind) return d.kind === 'router';
    // SB-only view: a datapath with router-side ports (addresses "MAC IP/len") is a router.
    return pbs.some((p) => p.datapath === uuid && (p.type === 'patch' || p.type === 'l3gateway') && p.mac.some((m) => /\//.test(m)));
  };

  // Datapath graph through patch / l3gateway peers.
  const neighbours = new Map<string, Set<string>>();
  for (const pb of pbs) {
    if ((pb.type !== 'patch' && pb.type !== 'l3gateway') || !pb.peer || !pb.datapath) continue;
    const peer = pbByName.get(pb.peer);
    if (!peer?.datapath || peer.datapath === pb.datapath) continue;
    for (const [a, b] of [[pb.datapath, peer.datapath], [peer.datapath, pb.datapath]] as const) {
      let s = neighbours.get(a);
      if (!s) neighbours.set(a, (s = new Set()));
      s.add(b);
    }
  }
  const datapathPath = (fromDp: string, toDp: string): string[] | undefined => {
    if (fromDp === toDp) return [fromDp];
    const prev = new Map<string, string>([[fromDp, '']]);
    const queue = [fromDp];
    while (queue.length) {
      const cur = queue.shift()!;
      for (const n of [...(neighbours.get(cur) ?? [])].sort()) {
        if (prev.has(n)) continue;
        prev.set(n, cur);
        if (n === toDp) {
          const path = [n];
          let x = cur;
          while (x) {
            path.unshift(x);
            x = prev.get(x)!;
          }
          return path;
        }
        queue.push(n);
      }
    }
    return undefined;
  };
  const component = (dp: string): Set<string> => {
    const seen = new Set([dp]);
    const queue = [dp];
    while (queue.length) for (const n of neighbours.get(queue.shift()!) ?? []) if (!seen.has(n)) (seen.add(n), queue.push(n));
    return seen;
  };

  // Addresses.
  const addressesOf = (pb: SbPortBinding): { mac: string | undefined; ips: string[]; networks: string[] } => {
    let mac: string | undefined;
    const ips: string[] = [];
    const networks: string[] = [];
    const entries = [...pb.mac];
    const lsp = lspByName.get(pb.logicalPort);
    if (lsp?.dynamicAddresses) entries.push(lsp.dynamicAddresses);
    for (const e of entries) {
      const a = splitAddresses(e);
      if (!a.mac && !a.ips.length) continue;
      mac ??= a.mac?.toLowerCase();
      for (const w of a.ips) {
        const c = splitCidr(w);
        if (!c) continue;
        if (!ips.includes(c.ip)) ips.push(c.ip);
        if (w.includes('/')) networks.push(`${c.ip}/${c.prefix}`);
      }
    }
    const lrp = lrpByName.get(pb.logicalPort);
    if (lrp) {
      mac ??= lrp.mac.toLowerCase();
      for (const n of lrp.networks) {
        const c = splitCidr(n);
        if (!c) continue;
        if (!ips.includes(c.ip)) ips.push(c.ip);
        if (!networks.includes(n)) networks.push(n);
      }
    }
    return { mac, ips, networks };
  };

  const kindOf = (pb: SbPortBinding): EndpointKind => {
    switch (pb.type) {
      case '':
        return 'vif';
      case 'patch':
      case 'l3gateway':
      case 'chassisredirect':
        return 'router';
      case 'localnet':
      case 'localport':
      case 'virtual':
      case 'external':
      case 'l2gateway':
      case 'vtep':
        return pb.type;
      default:
        return 'vif';
    }
  };

  const vifOnHost = (host: string | undefined, port: string): { bridge: string; ofport: number; iface: string } | undefined => {
    const h = view.hosts.find((x) => x.name === host);
    if (!h) return undefined;
    const integration = h.openVswitch?.ovnBridge ?? 'br-int';
    const bridges = [...h.bridges].sort((a, b) => (a.name === integration ? -1 : b.name === integration ? 1 : 0));
    for (const b of bridges) for (const p of b.ports) if (p.ifaceId === port && p.ofport > 0) return { bridge: b.name, ofport: p.ofport, iface: p.name };
    return undefined;
  };

  /** A port binding as an endpoint; switch-side router links become their router port. */
  const endpointOf = (pb0: SbPortBinding, input: string, by: MatchedBy, ip?: string): Endpoint => {
    const notes: string[] = [];
    let pb = pb0;
    if (pb.type === 'patch' && !isRouterDp(pb.datapath) && pb.peer && pbByName.get(pb.peer)) {
      notes.push(`${pb.logicalPort} is the switch side of router port ${pb.peer}`);
      pb = pbByName.get(pb.peer)!;
    }
    let gatewayPort: string | undefined;
    let crChassis: string | undefined;
    if (pb.type === 'chassisredirect') {
      crChassis = chassisName(pb.chassis);
      const dist = pb.options['distributed-port'];
      if (dist && pbByName.get(dist)) {
        notes.push(`${pb.logicalPort} is the chassis-redirect port of ${dist}`);
        gatewayPort = pb.logicalPort;
        pb = pbByName.get(dist)!;
      }
    }
    const kind = kindOf(pb);
    const addr = addressesOf(pb);
    let chassis = chassisName(pb.chassis) ?? crChassis;
    if (kind === 'router' && !gatewayPort) {
      const cr = pb.options['chassis-redirect-port'] ?? pbs.find((p) => p.type === 'chassisredirect' && p.options['distributed-port'] === pb.logicalPort)?.logicalPort;
      if (cr && pbByName.get(cr)) {
        gatewayPort = cr;
        chassis ??= chassisName(pbByName.get(cr)!.chassis);
      }
    }
    if (kind === 'vif' && !chassis) notes.push(`${pb.logicalPort} is not bound to any chassis (VM stopped, pod gone, or ovn-controller down there?)`);
    if (pb.additionalChassis.length) notes.push(`${pb.logicalPort} is also bound to ${pb.additionalChassis.map(chassisName).join(', ')} (live migration?)`);
    let host = chassis ? hostOfChassis(chassis) : undefined;
    if (chassis && !host && view.hosts.length) notes.push(`chassis ${chassis} is not a host of this snapshot`);
    // A localport has no chassis in the SB: it is wherever its interface is.
    const localportHosts = kind === 'localport' ? view.hosts.filter((h) => vifOnHost(h.name, pb.logicalPort)).map((h) => h.name) : undefined;
    if (localportHosts?.length === 1) {
      host = localportHosts[0]!;
      chassis = chassisOfHost(host);
    }
    if (localportHosts && localportHosts.length !== 1)
      notes.push(
        localportHosts.length
          ? `${pb.logicalPort} is a localport (never bound in the SB): it has an interface on ${localportHosts.join(', ')}`
          : `${pb.logicalPort} is a localport (never bound in the SB) and no host of the snapshot has an OVS interface with external_ids:iface-id=${pb.logicalPort}${view.hosts.length ? '' : ' (no hosts collected)'}`,
      );
    const vif = kind !== 'router' ? vifOnHost(host, pb.logicalPort) : undefined;
    if (host && !vif && kind === 'vif') notes.push(`no OVS interface with external_ids:iface-id=${pb.logicalPort} on ${host}`);
    const pod = pb.pod ? (pb.pod.namespace ? `${pb.pod.namespace}/${pb.pod.name}` : pb.pod.name) : undefined;
    const deviceOwner = pb.externalIds['neutron:device_owner'] ?? lspByName.get(pb.logicalPort)?.externalIds['neutron:device_owner'];
    const router = kind === 'router' ? dpRef(pb.datapath)?.name : undefined;
    const chosenIp = ip ?? addr.ips.find((x) => !x.includes(':')) ?? addr.ips[0];
    return {
      input,
      kind,
      matchedBy: by,
      logicalPort: pb.logicalPort,
      portType: pb.type,
      datapath: dpRef(pb.datapath),
      portKey: pb.tunnelKey,
      mac: addr.mac,
      ips: addr.ips,
      ip: chosenIp,
      networks: addr.networks,
      chassis,
      host,
      bridge: vif?.bridge,
      ofport: vif?.ofport,
      iface: vif?.iface,
      names: {
        ...(pb.neutronPortName ? { neutronPortName: pb.neutronPortName } : {}),
        ...(pb.neutronDeviceId ? { neutronDeviceId: pb.neutronDeviceId } : {}),
        ...(deviceOwner ? { neutronDeviceOwner: deviceOwner } : {}),
        ...(pod ? { pod } : {}),
      },
      ...(router ? { router } : {}),
      ...(gatewayPort ? { gatewayPort } : {}),
      ...(localportHosts ? { localportHosts } : {}),
      notes,
    };
  };

  /** The provider network (localnet network_name) of the switch behind a router port, if any. */
  const networkBehind = (lrp: SbPortBinding | undefined): string | undefined => {
    const outside = lrp?.peer ? pbByName.get(lrp.peer)?.datapath : undefined;
    return pbs.find((p) => p.datapath === outside && p.type === 'localnet')?.options['network_name'];
  };

  const providerMacOwner = (network: string, mac0: string): { chassis: string; host: string | undefined; why: string } | undefined => {
    const mac = mac0.toLowerCase();
    for (const n of nb?.nats ?? []) {
      if (n.type !== 'dnat_and_snat' || !n.logicalPort || n.externalMac?.toLowerCase() !== mac) continue;
      const router = (nb?.routers ?? []).find((r) => r.nat.includes(n.uuid));
      const routerDp = [...dpByUuid.values()].find((d) => dpRef(d.uuid)?.name === router?.name)?.uuid;
      const gw = routerDp ? gatewayPortsOf(routerDp).map((g) => (g.pb.type === 'chassisredirect' ? pbByName.get(g.pb.options['distributed-port'] ?? '') : g.pb)) : [];
      if (gw.length && !gw.some((g) => networkBehind(g) === network)) continue;
      const chassis = chassisName(pbByName.get(n.logicalPort)?.chassis);
      if (chassis) return { chassis, host: hostOfChassis(chassis), why: `the external_mac of distributed floating IP ${canonicalIp(n.externalIp) ?? n.externalIp} (${n.logicalPort} is bound on ${chassis})` };
    }
    for (const cr of pbs) {
      if (cr.type !== 'chassisredirect') continue;
      const lrp = pbByName.get(cr.options['distributed-port'] ?? '');
      if (!lrp || addressesOf(lrp).mac !== mac || networkBehind(lrp) !== network) continue;
      const chassis = chassisName(cr.chassis);
      if (chassis) return { chassis, host: hostOfChassis(chassis), why: `the MAC of gateway port ${lrp.logicalPort} (${cr.logicalPort} is active on ${chassis})` };
    }
    return undefined;
  };

  /** The chassis name of a snapshot host (its system-id), else the host's name. */
  const chassisOfHost = (host: string): string => {
    const h = view.hosts.find((x) => x.name === host);
    return h?.chassis ?? (sb?.chassis ?? []).find((c) => hostOfChassis(c.name) === host)?.name ?? host;
  };

  const onHost = (e: Endpoint, host: string): Result<Endpoint> => {
    if (e.kind !== 'localport' || !e.logicalPort) return fail(`${e.input}@${host}: @HOST picks the chassis of a localport (a metadata port), and ${e.logicalPort ?? e.input} is a ${e.kind} port, bound where the SB says`);
    const vif = vifOnHost(host, e.logicalPort);
    if (!vif) return fail(`${e.input}@${host}: ${host} has no OVS interface with external_ids:iface-id=${e.logicalPort}${e.localportHosts?.length ? ` (${e.localportHosts.join(', ')} ${e.localportHosts.length === 1 ? 'has' : 'have'} one)` : ''}`);
    return ok({ ...e, host, chassis: chassisOfHost(host), bridge: vif.bridge, ofport: vif.ofport, iface: vif.iface, notes: e.notes.filter((n) => !n.includes('is a localport (never bound in the SB)')) });
  };

  // Names, for exact and fuzzy lookups.
  const names: NameEntry[] = [];
  for (const pb of pbs) {
    if (pb.type === 'chassisredirect') {
      names.push({ level: LEVEL.port, name: pb.logicalPort, pb, by: 'logical-port', what: `gateway port ${pb.logicalPort}` });
      continue;
    }
    names.push({ level: LEVEL.port, name: pb.logicalPort, pb, by: 'logical-port', what: `logical port ${pb.logicalPort}` });
    // Neutron writes its names into the NB port; northd copies them to the SB binding. Both are
    // read: an SB that lags the NB (or a dump of one side only) must not hide a second port of a
    // VM and let the name resolve silently to the other.
    const nbExt = lspByName.get(pb.logicalPort)?.externalIds ?? {};
    const portNames = new Set([pb.neutronPortName ?? pb.externalIds['name'], nbExt['neutron:port_name']].filter((x): x is string => !!x && x !== pb.logicalPort));
    for (const np of portNames) names.push({ level: LEVEL.neutronName, name: np, pb, by: 'neutron-port-name', what: `neutron port ${np} (${pb.logicalPort})` });
    const devices = new Set([pb.neutronDeviceId, nbExt['neutron:device_id']].filter((x): x is string => !!x));
    for (const vm of devices) names.push({ level: LEVEL.device, name: vm, pb, by: 'neutron-device-id', what: `VM ${vm} (${pb.logicalPort})` });
    if (pb.pod) {
      const full = pb.pod.namespace ? `${pb.pod.namespace}/${pb.pod.name}` : pb.pod.name;
      const forms = new Set([full, pb.pod.name, ...(pb.pod.namespace ? [`${pb.pod.namespace}_${pb.pod.name}`] : [])]);
      for (const f of forms) if (f !== pb.logicalPort) names.push({ level: LEVEL.pod, name: f, pb, by: 'pod', what: `pod ${full} (${pb.logicalPort})` });
    }
  }
  for (const h of view.hosts)
    for (const b of h.bridges)
      for (const p of b.ports) {
        if (!p.ifaceId || p.name === p.ifaceId) continue;
        const pb = pbByName.get(p.ifaceId);
        if (pb) names.push({ level: LEVEL.iface, name: p.name, pb, by: 'interface', what: `interface ${p.name} on ${h.name} (${pb.logicalPort})` });
      }

  const port = (name: string) => {
    const pb = pbByName.get(name);
    return pb ? endpointOf(pb, name, 'logical-port') : undefined;
  };

  const nearFilter = <T extends { pb: SbPortBinding }>(cands: T[], o: ResolveOptions | undefined): T[] => {
    const near = o?.near?.datapath?.uuid;
    if (!near || cands.length < 2) return cands;
    const comp = component(near);
    const close = cands.filter((c) => c.pb.datapath && comp.has(c.pb.datapath));
    return close.length ? close : cands;
  };

  const resolveIp = (input: string, ip: string, dpFilter: string | undefined, o: ResolveOptions | undefined): Result<Endpoint> => {
    const owners: { pb: SbPortBinding }[] = [];
    for (const pb of pbs) {
      if (pb.type === 'chassisredirect') continue;
      if (dpFilter && dpRef(pb.datapath)?.name !== dpFilter) continue;
      if (addressesOf(pb).ips.includes(ip)) owners.push({ pb });
    }
    // The switch side of a router link has addresses "router": its peer holds the IP.
    const rank = (pb: SbPortBinding) => (pb.type === '' || pb.type === 'virtual' || pb.type === 'external' ? 0 : pb.type === 'localport' ? 2 : 1);
    const best = owners.length ? Math.min(...owners.map((x) => rank(x.pb))) : 0;
    const top = nearFilter(owners.filter((x) => rank(x.pb) === best), o);
    if (top.length > 1) {
      const list = top.map((x) => `${x.pb.logicalPort} (${dpRef(x.pb.datapath)?.name ?? '?'})`).join(', ');
      const dp = dpRef(top[0]!.pb.datapath)?.name;
      return fail(`${label(o, input)}: ${ip} is an address of ${top.length} logical ports: ${list}; name the port, or qualify the address with its switch, e.g. ${ip}@${dp}`);
    }
    if (top.length === 1) {
      const owner = endpointOf(top[0]!.pb, input, 'ip', ip);
      if (owner.kind !== 'router') return ok(owner);
      // A VIP on a router port's own address (OVN-Kubernetes NodePort on the gateway router's IP):
      // the router's load balancer takes the packets that match the VIP (lr_in_dnat, before
      // lr_in_ip_input answers for the port); the rest (ICMP echo, ARP, other ports) is the port's.
      const vips = lbVips(ip);
      const hit = o?.packet ? matchingVip(vips, o.packet) : undefined;
      if (hit) return ok(lbEndpoint(input, ip, hit, [`${ip} is also the address of router port ${owner.logicalPort} (${owner.router ?? '?'}); ${packetText(o!.packet!)} matches VIP ${hit.vip}, so the load balancer takes it (another port or protocol would be the router's)`, ...severalVipsNote(ip, vips, hit)]));
      if (!vips.length) return ok(owner);
      const vipList = vips.map((l) => `${l.vip} (${l.name})`).join(', ');
      return ok({ ...owner, notes: [...owner.notes, `${ip} is also VIP ${vipList}: ${o?.packet ? `${packetText(o.packet)} matches none of them, so it is the router port's` : 'a packet to the VIP\'s port and protocol (--tcp/--udp/--sctp PORT) goes to the load balancer instead'}`] });
    }
    if (dpFilter) {
      // IP@SWITCH names an address on that switch: one that is elsewhere (or nowhere) is not an outside address.
      const elsewhere = pbs.filter((pb) => pb.type !== 'chassisredirect' && addressesOf(pb).ips.includes(ip));
      const where = elsewhere.map((pb) => `${dpRef(pb.datapath)?.name ?? '?'}: ${pb.logicalPort}`).join(', ');
      return fail(`${label(o, input)}: ${ip} is not an address on ${dpFilter}${where ? ` (it is on ${where})` : ''}; give ${where ? 'the address with its own switch, or ' : ''}an address of a port of ${dpFilter}`);
    }

    // NAT external IPs (dnat / dnat_and_snat: the address has an owner inside).
    const nats = (nb?.nats ?? []).filter((n) => canonicalIp(n.externalIp) === ip && n.type !== 'snat');
    if (nats.length) return ok(natEndpoint(input, ip, nats[0]!, nats.length > 1 ? [`${ip} is the external IP of ${nats.length} NAT rules; using the first`] : []));
    // Load-balancer VIPs.
    const lbs = lbVips(ip);
    if (lbs.length) {
      const hit = o?.packet ? matchingVip(lbs, o.packet) : undefined;
      return ok(lbEndpoint(input, ip, hit ?? lbs[0]!, severalVipsNote(ip, lbs, hit)));
    }
    // Allowed address pairs: an address only in a port's port_security (how Neutron writes them,
    // e.g. a keepalived VIP). The guest answers ARP for it, so a packet goes to that port's MAC.
    const pairs = nearFilter(allowedPairOwners(ip), o);
    if (pairs.length) return allowedPairEndpoint(input, ip, pairs, o);
    const snat = (nb?.nats ?? []).find((n) => canonicalIp(n.externalIp) === ip);
    const subnet = snat ? undefined : switchSubnetOf(ip);
    if (subnet) {
      const note = `${ip} is in the subnet ${subnet.subnet} of logical switch ${subnet.switch} but no port has it: an unassigned address (OVN floods or drops a packet to it; nothing answers)`;
      return ok({ input, kind: 'external-ip', matchedBy: 'external', logicalPort: undefined, portType: undefined, datapath: undefined, portKey: undefined, mac: undefined, ips: [ip], ip, networks: [], chassis: undefined, host: undefined, bridge: undefined, ofport: undefined, iface: undefined, names: {}, unassigned: subnet, notes: [note] });
    }
    const notes = [
      snat
        ? `${ip} is the SNAT address of router ${routerOfNat(snat) ?? '?'} (${snat.logicalIp}); as a destination it is outside the overlay`
        : `${ip} is not an address of any logical port: it is outside the overlay, reached through a gateway`,
    ];
    return ok({ input, kind: 'external-ip', matchedBy: 'external', logicalPort: undefined, portType: undefined, datapath: undefined, portKey: undefined, mac: undefined, ips: [ip], ip, networks: [], chassis: undefined, host: undefined, bridge: undefined, ofport: undefined, iface: undefined, names: {}, notes });
  };

  /**
   * VIF ports whose port_security (SB, or the NB's when the SB has none) holds `ip` as a host
   * address (`MAC IP…` entries; a whole CIDR there allows a range, it names no address).
   */
  const allowedPairOwners = (ip: string): { pb: SbPortBinding }[] =>
    pbs
      .filter((pb) => pb.type === '' || pb.type === 'virtual')
      .filter((pb) => {
        const entries = pb.portSecurity.length ? pb.portSecurity : (lspByName.get(pb.logicalPort)?.portSecurity ?? []);
        return entries.some((e) =>
          splitAddresses(e).ips.some((w) => {
            const c = splitCidr(w);
            return !!c && c.ip === ip && (c.prefix === undefined || c.prefix === (ip.includes(':') ? 128 : 32));
          }),
        );
      })
      .map((pb) => ({ pb }));

  /**
   * An allowed-address-pair address as the port that has it. Several ports (keepalived on two VMs:
   * the usual case) are told apart as a guest would learn it — by ARP, whose answer the snapshot
   * may hold as a router's MAC_Binding for the address — or by `--dst-mac`; else it is a question
   * for the user.
   */
  const allowedPairEndpoint = (input: string, ip: string, owners: { pb: SbPortBinding }[], o: ResolveOptions | undefined): Result<Endpoint> => {
    const note = (pb: SbPortBinding) => `${ip} is an allowed address pair of ${pb.logicalPort} (in its port_security, not its addresses): its guest answers ARP/ND for it`;
    const at = (pb: SbPortBinding, why: string[]) => {
      const e = endpointOf(pb, input, 'ip', ip);
      return ok({ ...e, ips: e.ips.includes(ip) ? e.ips : [...e.ips, ip], notes: [...e.notes, note(pb), ...why] });
    };
    if (owners.length === 1) return at(owners[0]!.pb, []);
    const macOf = (pb: SbPortBinding) => addressesOf(pb).mac;
    const list = owners.map((x) => `${x.pb.logicalPort} (MAC ${macOf(x.pb) ?? '?'})`).join(', ');
    const want = o?.dstMac?.toLowerCase();
    if (want) {
      const hit = owners.find((x) => macOf(x.pb) === want);
      if (hit) return at(hit.pb, [`${ip} is an allowed address pair of ${list}: --dst-mac ${want} picks ${hit.pb.logicalPort}`]);
    }
    const learned = [...(sb?.macBindings ?? [])].filter((m) => canonicalIp(m.ip) === ip).sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0));
    for (const m of learned) {
      const hit = owners.find((x) => macOf(x.pb) === m.mac.toLowerCase());
      if (hit) return at(hit.pb, [`${ip} is an allowed address pair of ${list}: the active one is whichever answered ARP last, and router port ${m.logicalPort} learned ${m.mac} for it (SB MAC_Binding), which is ${hit.pb.logicalPort}'s`]);
    }
    return fail(
      `${label(o, input)}: ${ip} is an allowed address pair of ${owners.length} ports: ${list} (a keepalived/VRRP VIP?). The one that has it now is whichever answered ARP last, and the snapshot does not say (no router MAC_Binding for ${ip}): pick it with --dst-mac MAC (e.g. --dst-mac ${macOf(owners[0]!.pb) ?? 'MAC'} for ${owners[0]!.pb.logicalPort}), or give the port name`,
    );
  };

  /** The logical switch whose subnet holds `ip` (the most specific one). */
  const switchSubnetOf = (ip: string): { switch: string; datapath: string; subnet: string } | undefined => {
    let best: { switch: string; datapath: string; subnet: string; len: number } | undefined;
    for (const d of dpByUuid.values()) {
      if (isRouterDp(d.uuid)) continue;
      for (const net of subnetsOf(d.uuid)) {
        const len = Number(net.split('/')[1] ?? 0);
        if (inCidr(ip, net) && (!best || len > best.len)) best = { switch: dpRef(d.uuid)!.name, datapath: d.uuid, subnet: networkOf(net), len };
      }
    }
    return best ? { switch: best.switch, datapath: best.datapath, subnet: best.subnet } : undefined;
  };

  const routerOfNat = (n: NbNat): string | undefined => (nb?.routers ?? []).find((r) => r.nat.includes(n.uuid))?.name;

  const natEndpoint = (input: string, ip: string, n: NbNat, notes: string[]): Endpoint => {
    const inner = n.logicalPort ? pbByName.get(n.logicalPort) : pbs.find((p) => p.type === '' && addressesOf(p).ips.includes(canonicalIp(n.logicalIp) ?? ''));
    const router = routerOfNat(n);
    const base = inner ? endpointOf(inner, input, 'nat') : undefined;
    const externalMac = n.externalMac?.toLowerCase();
    const distributed = n.type === 'dnat_and_snat' && !!n.logicalPort && !!externalMac;
    return {
      input,
      kind: 'nat',
      matchedBy: 'nat',
      logicalPort: base?.logicalPort,
      portType: base?.portType,
      datapath: base?.datapath,
      portKey: base?.portKey,
      // The MAC that answers for the external IP: its external_mac when distributed; a centralized
      // one is answered by the gateway port (not the VM: its MAC is no address on the outside).
      mac: distributed ? externalMac : undefined,
      ips: [ip],
      ip,
      networks: [],
      chassis: base?.chassis,
      host: base?.host,
      bridge: base?.bridge,
      ofport: base?.ofport,
      iface: base?.iface,
      names: base?.names ?? {},
      nat: { uuid: n.uuid, type: n.type, externalIp: ip, logicalIp: n.logicalIp, router, logicalPort: n.logicalPort ?? base?.logicalPort, ...(externalMac ? { externalMac } : {}), distributed },
      notes: [
        `${ip} is the ${n.type} address of ${n.logicalIp}${router ? ` on router ${router}` : ''}${n.type === 'dnat_and_snat' ? (distributed ? ` (distributed: external_mac ${externalMac}, handled on the chassis of ${n.logicalPort})` : ' (centralized: handled on the gateway chassis; OVN distributes a floating IP only with both logical_port and external_mac set)') : ''}`,
        ...notes,
      ],
    };
  };

  const lbVips = (ip: string): LbVip[] => {
    const out: LbVip[] = [];
    if (!nb) return out;
    const unlisted = lbGroupsUnlistedOn(nb);
    for (const lb of nb.loadBalancers) {
      for (const [vip, backends] of Object.entries(lb.vips)) {
        if (splitHostPort(vip)?.ip !== ip) continue;
        // Directly or through a Load_Balancer_Group (how OVN-Kubernetes attaches them).
        const on = loadBalancerAttachments(nb, lb.uuid);
        const dps = [...on.switches.map((s) => s.name), ...on.routers.map((r) => r.name)];
        out.push({ name: lb.name || lb.uuid.slice(0, 8), uuid: lb.uuid, vip, protocol: lb.protocol, backends: backends.split(',').map((b) => b.trim()).filter(Boolean), datapaths: dps, ...(unlisted.length ? { groupsUnlistedOn: unlisted } : {}) });
      }
    }
    return out;
  };

  /**
   * The VIP entry a packet meets, as northd's lr_in_dnat / ls_in_lb flows match it: `IP:PORT`
   * takes its load balancer's protocol (default tcp) to that port; a port-less VIP takes every
   * IP packet to the address (its flow matches only `ip4.dst == VIP`). An exact port wins over a
   * port-less VIP. ARP is no IP packet: it meets none.
   */
  const matchingVip = (vips: LbVip[], packet: PacketMatch): LbVip | undefined => {
    if (packet.kind === 'arp') return undefined;
    const exact = vips.find((v) => {
      const port = splitHostPort(v.vip)?.port;
      return port !== undefined && packet.kind !== 'icmp' && (v.protocol ?? 'tcp') === packet.kind && packet.port === port;
    });
    return exact ?? vips.find((v) => splitHostPort(v.vip)?.port === undefined);
  };

  const packetText = (p: PacketMatch): string => (p.kind === 'icmp' || p.kind === 'arp' || p.port === undefined ? p.kind.toUpperCase() : `${p.kind} port ${p.port}`);

  /** Several VIP entries on one address: which one the packet picked, or that its port and protocol pick. */
  const severalVipsNote = (ip: string, vips: LbVip[], hit: LbVip | undefined): string[] => {
    if (vips.length < 2) return [];
    const list = vips.map((l) => `${l.name} (${l.vip})`).join(', ');
    return [hit ? `${ip} is a VIP of ${list}; this packet matches ${hit.vip} of ${hit.name}` : `${ip} is a VIP of ${list}; the port and protocol pick which one applies`];
  };

  const lbEndpoint = (input: string, ip: string, lb: LbVip, notes: string[]): Endpoint => ({
    input,
    kind: 'lb-vip',
    matchedBy: 'lb-vip',
    logicalPort: undefined,
    portType: undefined,
    datapath: undefined,
    portKey: undefined,
    mac: undefined,
    ips: [ip],
    ip,
    networks: [],
    chassis: undefined,
    host: undefined,
    bridge: undefined,
    ofport: undefined,
    iface: undefined,
    names: {},
    lb,
    notes: [`${ip} is VIP ${lb.vip} of load balancer ${lb.name} (${lb.backends.length ? `backends ${lb.backends.join(', ')}` : 'no backends'})`, ...(lb.groupsUnlistedOn ? [`${lbGroupsUnlistedCaveat(lb.groupsUnlistedOn)}: the switches and routers this VIP applies on may be incomplete (collect again with this ovnscope to list the groups)`] : []), ...notes],
  });

  const resolve = (text: string, o?: ResolveOptions): Result<Endpoint> => {
    const input = text.trim();
    if (!input) return fail(`${o?.label ?? 'endpoint'}: empty; give a logical port, VM or pod name, or an IP address`);
    if (!sb) return fail(`${label(o, input)}: the snapshot has no OVN southbound database (collect it with "ovn: { via: HOST }" in the inventory)`, 3);
    // NAME@HOST / IP@HOST: a localport on one of the hosts that have its interface.
    const hostAt = input.lastIndexOf('@');
    const onHostName = hostAt > 0 ? input.slice(hostAt + 1) : undefined;
    if (onHostName && view.hosts.some((h) => h.name === onHostName) && ![...dpByUuid.values()].some((d) => dpRef(d.uuid)?.name === onHostName)) {
      const e = resolve(input.slice(0, hostAt), o);
      return e.ok ? onHost({ ...e.value, input }, onHostName) : e;
    }
    // IP, optionally qualified with its switch.
    const at = input.lastIndexOf('@');
    const ipPart = at > 0 ? input.slice(0, at) : input;
    const ip = canonicalIp(ipPart.replace(/\/\d+$/, ''));
    if (ip) {
      const dp = at > 0 ? input.slice(at + 1) : undefined;
      if (dp && ![...dpByUuid.values()].some((d) => dpRef(d.uuid)?.name === dp)) return fail(`${label(o, input)}: no logical switch or router named ${dp}`);
      return resolveIp(input, ip, dp, o);
    }
    if (MAC_RE.test(input)) {
      const mac = input.toLowerCase();
      const owners = nearFilter(pbs.filter((p) => p.type !== 'chassisredirect' && addressesOf(p).mac === mac).map((pb) => ({ pb })), o);
      const uniq = [...new Map(owners.map((x) => [endpointOf(x.pb, input, 'mac').logicalPort, x])).values()];
      if (uniq.length === 1) return ok(endpointOf(uniq[0]!.pb, input, 'mac'));
      if (uniq.length > 1) return fail(`${label(o, input)}: MAC ${mac} belongs to ${uniq.map((x) => x.pb.logicalPort).join(', ')}; name the port`);
      return fail(`${label(o, input)}: no logical port has MAC ${mac}`);
    }
    // OVN names are case-sensitive (web1 and WEB1 can be two ports): exact matches only; a match
    // ignoring case is only a suggestion.
    for (const level of [LEVEL.port, LEVEL.iface, LEVEL.neutronName, LEVEL.device, LEVEL.pod]) {
      const hits = names.filter((n) => n.level === level && n.name === input);
      const byPort = [...new Map(hits.map((h) => [h.pb.logicalPort, h])).values()];
      if (byPort.length === 1) return ok(endpointOf(byPort[0]!.pb, input, byPort[0]!.by));
      if (byPort.length > 1) {
        const list = byPort.map((h) => {
          const e = endpointOf(h.pb, input, h.by);
          const bound = e.host ?? e.chassis;
          return `${h.what}:${e.ips.length ? ` ${e.ips.join(' ')}` : ''}${e.datapath ? ` on ${e.datapath.name}` : ''}${bound ? `, bound on ${bound}` : ', not bound'}`;
        });
        return fail(`${label(o, input)} is ambiguous: it names ${byPort.length} ports: ${list.join('; ')}. Give the logical port name instead (e.g. ${o?.label ?? '--from'} ${byPort[0]!.pb.logicalPort}).`);
      }
    }
    return fail(`${label(o, input)}: no logical port, VM, pod or interface of that name in the snapshot${suggest(input)}`);
  };

  const suggest = (input: string): string => {
    const low = input.toLowerCase();
    const caseOnly = [...new Set(names.filter((n) => n.name.toLowerCase() === low).map((n) => n.what))].sort();
    if (caseOnly.length) return `; did you mean ${caseOnly.join(', ')}? (names are case-sensitive)`;
    const scored = new Map<string, { d: number; what: string }>();
    for (const n of names) {
      const name = n.name.toLowerCase();
      let d = editDistance(low, name);
      if (name.includes(low) || low.includes(name)) d = Math.min(d, 1 + Math.abs(name.length - low.length) / 8);
      const prev = scored.get(n.what);
      if (!prev || d < prev.d) scored.set(n.what, { d, what: n.what });
    }
    const limit = Math.max(2, Math.floor(input.length / 3));
    const near = [...scored.values()].filter((s) => s.d <= limit).sort((a, b) => a.d - b.d || a.what.localeCompare(b.what)).slice(0, 5);
    if (near.length) return `; did you mean ${near.map((s) => s.what).join(', ')}?`;
    const vifs = pbs.filter((p) => p.type === '').map((p) => p.logicalPort).sort();
    return vifs.length ? ` (VIF ports: ${vifs.slice(0, 12).join(', ')}${vifs.length > 12 ? ', …' : ''})` : '';
  };

  // ------------------------------------------------------------------------------------------
  // Path

  /** Datapaths an endpoint lives on (a VIP: the switches/routers the LB is applied to). */
  const datapathsOf = (e: Endpoint): string[] => {
    if (e.datapath) return [e.datapath.uuid];
    if (e.unassigned) return [e.unassigned.datapath];
    if (e.lb) return [...dpByUuid.values()].filter((d) => e.lb!.datapaths.includes(dpRef(d.uuid)!.name)).map((d) => d.uuid);
    return [];
  };

  const gatewayPortsOf = (routerDp: string): { pb: SbPortBinding; chassis: string | undefined }[] =>
    pbs.filter((p) => p.datapath === routerDp && (p.type === 'chassisredirect' || p.type === 'l3gateway')).map((pb) => ({ pb, chassis: chassisName(pb.chassis) }));

  const chassisPathOf = (from: Endpoint, to: Endpoint): ChassisPath => {
    const notes: string[] = [];
    const roles = new Map<string, { roles: Set<PathRole>; why: string[] }>();
    const add = (chassis: string | undefined, role: PathRole, why: string) => {
      if (!chassis) return;
      const r = roles.get(chassis) ?? { roles: new Set<PathRole>(), why: [] };
      r.roles.add(role);
      if (!r.why.includes(why)) r.why.push(why);
      roles.set(chassis, r);
    };
    const name = (e: Endpoint) => e.logicalPort ?? e.ip ?? e.input;
    if (from.chassis) add(from.chassis, 'source', `${name(from)}${from.logicalPort && from.input !== from.logicalPort ? ` (${from.input})` : ''} is bound there`);
    else if (from.kind !== 'external-ip') notes.push(`${name(from)} is not bound to any chassis`);
    if (to.chassis && to.kind !== 'router') add(to.chassis, 'destination', `${name(to)}${to.logicalPort && to.input !== to.logicalPort ? ` (${to.input})` : ''} is bound there`);
    else if (to.kind === 'router' && !to.gatewayPort) notes.push(`${to.input} is a router port (distributed): no chassis of its own`);
    else if (to.kind === 'vif') notes.push(`${name(to)} is not bound to any chassis`);
    // LB backends are destinations too.
    for (const b of to.lb?.backends ?? []) {
      const bip = splitHostPort(b)?.ip;
      const owner = bip ? pbs.find((p) => p.type === '' && addressesOf(p).ips.includes(bip)) : undefined;
      if (owner) add(chassisName(owner.chassis), 'destination', `backend ${b} of ${to.lb!.name} (${owner.logicalPort}) is bound there`);
    }
    if (to.kind === 'nat' && to.chassis) add(to.chassis, 'destination', `${to.nat!.logicalIp} (${to.logicalPort}) behind ${to.ip} is bound there`);

    const src = datapathsOf(from);
    const dst = datapathsOf(to);
    const onPath = new Set<string>();
    let pathDps: string[] = [];
    if (src.length && dst.length) {
      for (const s of src)
        for (const d of dst) {
          const p = datapathPath(s, d);
          if (p) {
            p.forEach((x) => onPath.add(x));
            if (!pathDps.length) pathDps = p;
          }
        }
      if (!onPath.size) notes.push(`no logical path between ${from.datapath?.name ?? '?'} and ${dst.map((d) => dpRef(d)!.name).join('/')} (not connected through routers)`);
    } else if (src.length || dst.length) {
      // One end outside the overlay: through the nearest router that has a gateway port, out of
      // the switch behind that port. Every router reachable counts for the gateway chassis.
      const inside = (src.length ? src : dst)[0]!;
      const comp = component(inside);
      comp.forEach((x) => onPath.add(x));
      const exits = [...comp]
        .filter((d) => isRouterDp(d) && gatewayPortsOf(d).length)
        .map((d) => ({ d, p: datapathPath(inside, d)! }))
        .sort((a, b) => a.p.length - b.p.length || dpRef(a.d)!.name.localeCompare(dpRef(b.d)!.name));
      const exit = exits[0];
      if (exit) {
        const gw = gatewayPortsOf(exit.d)[0]!.pb;
        const dist = gw.type === 'chassisredirect' ? pbByName.get(gw.options['distributed-port'] ?? '') : gw;
        const outside = dist?.peer ? pbByName.get(dist.peer)?.datapath : undefined;
        pathDps = [...exit.p, ...(outside ? [outside] : [])];
        if (!src.length) pathDps.reverse();
      } else notes.push(`no router with a gateway port is reachable from ${dpRef(inside)!.name}: ${src.length ? to.ip : from.ip} cannot be reached from inside the overlay`);
    }
    const routers = [...onPath].filter((d) => isRouterDp(d));
    const outside = (e: Endpoint) => e.kind === 'external-ip' && !e.unassigned;
    const crosses = outside(from) || outside(to) || src.some((s) => !dst.includes(s)) || dst.some((d) => !src.includes(d));
    if (crosses) {
      for (const r of routers)
        for (const gw of gatewayPortsOf(r)) {
          if (gw.chassis) add(gw.chassis, 'gateway', `${gw.pb.logicalPort} (${gw.pb.type}) is active there`);
          else notes.push(`gateway port ${gw.pb.logicalPort} of ${dpRef(r)!.name} is not active on any chassis`);
        }
    }
    if (to.kind === 'router' && to.gatewayPort) add(to.chassis, 'gateway', `${to.gatewayPort} is active there`);
    const order: PathRole[] = ['source', 'destination', 'gateway'];
    const chassis: PathChassis[] = [...roles].map(([c, r]) => pathChassis(chassisRow(c), order.filter((x) => r.roles.has(x)), r.why));
    const pathNames = pathDps.map((d) => dpRef(d)!.name);
    return {
      from,
      to,
      chassis,
      datapaths: pathNames,
      routers: routers.map((r) => dpRef(r)!.name),
      missing: view.hosts.length || chassis.length ? chassis.filter((c) => !c.host).map((c) => c.chassis) : [],
      notes,
    };
  };

  /** Subnets of a switch: networks of its router ports, and other_config:subnet / ipv6_prefix. */
  const subnetsOf = (switchDp: string): string[] => {
    const out: string[] = [];
    for (const p of pbs) {
      if (p.datapath !== switchDp || (p.type !== 'patch' && p.type !== 'l3gateway') || !p.peer) continue;
      const rp = pbByName.get(p.peer);
      if (rp && isRouterDp(rp.datapath)) out.push(...addressesOf(rp).networks);
    }
    const ls = (nb?.switches ?? []).find((x) => x.name === dpRef(switchDp)?.name);
    if (ls?.otherConfig['subnet']) out.push(ls.otherConfig['subnet']);
    if (ls?.otherConfig['ipv6_prefix']) out.push(`${ls.otherConfig['ipv6_prefix']}/64`);
    return out;
  };

  /**
   * Where the guest sends a packet for `to`: nowhere special (undefined) when the address is on
   * its own subnet (or, without subnet information, on its own switch), else its gateway — the
   * router port on its switch whose network holds its address (toward the destination when
   * several do).
   */
  const gateway = (from: Endpoint, to: Endpoint): Gateway | undefined => {
    const s = from.datapath?.uuid;
    if (!s || isRouterDp(s)) return undefined;
    const dstIp = to.ip;
    const subnets = subnetsOf(s);
    const srcIp = from.ip;
    const mine = subnets.filter((n) => srcIp && inCidr(srcIp, n));
    if (dstIp && mine.some((n) => inCidr(dstIp, n))) return undefined;
    if (!mine.length && to.datapath?.uuid === s) return undefined;
    const dsts = datapathsOf(to);
    const links = pbs
      .filter((p) => p.datapath === s && (p.type === 'patch' || p.type === 'l3gateway') && p.peer)
      .map((p) => pbByName.get(p.peer!))
      .filter((p): p is SbPortBinding => !!p && isRouterDp(p.datapath));
    if (!links.length) return undefined;
    const onMySubnet = (rp: SbPortBinding) => (srcIp && addressesOf(rp).networks.some((n) => inCidr(srcIp, n)) ? 0 : 1);
    const toward = (rp: SbPortBinding): number => {
      if (dsts.length) return Math.min(...dsts.map((d) => datapathPath(rp.datapath!, d)?.length ?? Infinity));
      return [...component(rp.datapath!)].some((d) => gatewayPortsOf(d).length) ? 0 : 1;
    };
    const best = [...links].sort((a, b) => onMySubnet(a) - onMySubnet(b) || toward(a) - toward(b) || a.logicalPort.localeCompare(b.logicalPort))[0]!;
    const a = addressesOf(best);
    if (!a.mac) return undefined;
    return { port: best.logicalPort, router: dpRef(best.datapath)!.name, mac: a.mac, ips: a.ips, networks: a.networks };
  };

  /**
   * OVN's routers answer ARP/ND for the VIPs of their load balancers on every router port
   * (lr_in_ip_input: `arp.tpa == $_rtr_lb_N_ip4` => ARP reply; switches answer for none), so a
   * guest sends to a VIP on its own subnet through the MAC of the router port on its switch. The
   * NB says which router has the LB; without the NB, the SB's ls_in_l2_lkup flow that sends an
   * ARP/NS for the VIP to a router port (`arp.tpa == VIP` => `outport = "<router link>"`) does.
   */
  const vipResponder = (from: Endpoint, ip: string): VipResponder | undefined => {
    const s = from.datapath?.uuid;
    if (!s || isRouterDp(s)) return undefined;
    const links = pbs
      .filter((p) => p.datapath === s && (p.type === 'patch' || p.type === 'l3gateway') && p.peer)
      .map((p) => ({ switchSide: p.logicalPort, rp: pbByName.get(p.peer!) }))
      .filter((x): x is { switchSide: string; rp: SbPortBinding } => !!x.rp && isRouterDp(x.rp.datapath))
      .sort((a, b) => a.rp.logicalPort.localeCompare(b.rp.logicalPort));
    const answer = (rp: SbPortBinding, why: string): VipResponder | undefined => {
      const mac = addressesOf(rp).mac;
      return mac ? { port: rp.logicalPort, router: dpRef(rp.datapath)!.name, mac, why } : undefined;
    };
    const lbs = lbVips(ip);
    for (const { rp } of links) {
      const router = dpRef(rp.datapath)!.name;
      const lb = nb ? lbs.find((l) => loadBalancerAttachments(nb, l.uuid).routers.some((r) => r.name === router)) : undefined;
      const r = lb ? answer(rp, `load balancer ${lb.name} is on router ${router}`) : undefined;
      if (r) return r;
    }
    const groups = new Map((sb?.dpGroups ?? []).map((g) => [g.uuid, g] as const));
    const asks = (m: string) => [...m.matchAll(/\b(?:arp\.tpa|nd\.target)\s*==\s*([0-9a-fA-F:.]+)/g)].some((x) => canonicalIp(x[1]!) === ip);
    for (const f of sb?.logicalFlows ?? []) {
      if (f.stageName !== 'ls_in_l2_lkup' || !asks(f.match)) continue;
      if (!lflowDatapaths(f, groups).includes(s)) continue;
      for (const { switchSide, rp } of links) {
        if (!f.actions.includes(`outport = "${switchSide}"`) && !f.actions.includes(`outport = ${switchSide};`)) continue;
        const r = answer(rp, `the SB sends an ARP/NS for ${ip} on ${dpRef(s)!.name} to ${switchSide} (${f.stageName}, ${f.match})`);
        if (r) return r;
      }
    }
    return undefined;
  };

  return {
    resolve,
    chassisPath: chassisPathOf,
    gateway,
    vipResponder,
    datapathPath: (a, b) => datapathPath(a, b),
    port,
    hostOfChassis,
    chassisRow,
    subnets: (e) => (e.datapath ? subnetsOf(e.datapath.uuid) : []),
    providerMacOwner,
    onHost,
  };
}

/** Resolves `text` (port, VM, pod, interface name or IP) in a snapshot. */
export function resolveEndpoint(view: SnapshotView, text: string, options?: ResolveOptions): Result<Endpoint> {
  return createResolver(view).resolve(text, options);
}

/**
 * The chassis a packet between two endpoints can touch: where the source and the destination are
 * bound, and the gateway chassis (chassisredirect / l3gateway ports) of every router on the
 * logical path — all routers reachable from the inside end when the other end is outside the
 * overlay. Endpoints may be given as text (resolved as by `resolveEndpoint`).
 */
export function chassisPath(view: SnapshotView, from: Endpoint | string, to: Endpoint | string): Result<ChassisPath> {
  const r = createResolver(view);
  const f = typeof from === 'string' ? r.resolve(from, { label: '--from' }) : ok(from);
  if (!f.ok) return f;
  const t = typeof to === 'string' ? r.resolve(to, { label: '--to', near: f.value }) : ok(to);
  if (!t.ok) return t;
  return ok(r.chassisPath(f.value, t.value));
}

/** One line naming an endpoint for humans: `web1 (web, VM web-vm-1) on hv1 ofport 4`. */
export function describeEndpoint(e: Endpoint): string {
  // neutron:device_id names a VM only for compute ports: network:distributed is the metadata port.
  const owner = e.names.neutronDeviceOwner;
  const device = !e.names.neutronDeviceId ? '' : !owner || owner.startsWith('compute:') ? `VM ${e.names.neutronDeviceId}` : owner === 'network:distributed' ? `Neutron metadata port ${e.names.neutronDeviceId}` : `device ${e.names.neutronDeviceId} (${owner})`;
  const extra = [e.names.neutronPortName && e.names.neutronPortName !== e.input ? `port ${e.names.neutronPortName}` : '', device, e.names.pod ? `pod ${e.names.pod}` : '']
    .filter(Boolean)
    .join(', ');
  switch (e.kind) {
    case 'external-ip':
      return e.unassigned ? `${e.ip} (unassigned address on ${e.unassigned.switch}, ${e.unassigned.subnet})` : `${e.ip} (outside the overlay)`;
    case 'lb-vip':
      return `${e.ip} (VIP ${e.lb!.vip} of load balancer ${e.lb!.name})`;
    case 'nat':
      return `${e.ip} (${e.nat!.type} → ${e.nat!.logicalIp}${e.logicalPort ? ` = ${e.logicalPort}` : ''})`;
    default: {
      const where = e.host ? ` on ${e.host}${e.ofport !== undefined ? ` (${e.bridge} ofport ${e.ofport}${e.iface && e.iface !== e.logicalPort ? ` ${e.iface}` : ''})` : ''}` : e.chassis ? ` on chassis ${e.chassis} (not collected)` : '';
      return `${e.logicalPort}${e.kind === 'router' ? ` (router ${e.router ?? e.datapath?.name ?? '?'})` : e.datapath ? ` (${e.datapath.name}${extra ? `, ${extra}` : ''})` : ''}${e.ip ? ` ${e.ip}` : ''}${where}`;
    }
  }
}
