/**
 * Typed rows of the OVN Southbound (`ovn-sb(5)`) and Northbound (`ovn-nb(5)`) databases, as far as
 * ovnscope uses them. Same conventions as `ovs.ts`: missing column or empty optional → undefined,
 * map columns always present, `uuid` = the row's `_uuid`, `raw` = the generic row.
 */
import type { OvsdbRow } from './ovsdb.js';
import type { StringMap } from './ovs.js';

// ---------------------------------------------------------------------------------------------
// Southbound

export interface SbChassis {
  readonly uuid: string;
  readonly name: string;
  readonly hostname: string | undefined;
  readonly encaps: readonly string[];
  readonly externalIds: StringMap;
  /** Since OVN 22.x the chassis' configuration (bridge mappings, iface-types, …) is here. */
  readonly otherConfig: StringMap;
  readonly nbCfg: number | undefined;
  readonly transportZones: readonly string[];
  readonly raw: OvsdbRow;
}

/**
 * SB `Chassis_Private` (OVN ≥ 20.09): what a chassis' ovn-controller writes back. `nb_cfg` is the
 * last `SB_Global.nb_cfg` it has applied to its flows; `nb_cfg_timestamp` (ms since the epoch)
 * when it did.
 */
export interface SbChassisPrivate {
  readonly uuid: string;
  readonly name: string;
  /** The Chassis row (uuid), when the chassis has one. */
  readonly chassis: string | undefined;
  readonly nbCfg: number | undefined;
  readonly nbCfgTimestamp: number | undefined;
  readonly raw: OvsdbRow;
}

/** SB `SB_Global`: `nb_cfg` is the NB generation northd has put in the SB (`ovn-nbctl --wait` bumps it). */
export interface SbGlobal {
  readonly uuid: string;
  readonly nbCfg: number | undefined;
  readonly raw: OvsdbRow;
}

/**
 * SB `HA_Chassis_Group`: the chassis that may host a port (a distributed gateway port's
 * chassisredirect binding, an external port), by priority. northd writes one per NB
 * HA_Chassis_Group a CMS configured (Neutron, OVN-Kubernetes), and one named after the router
 * port for a port configured through NB Gateway_Chassis.
 */
export interface SbHaChassisGroup {
  readonly uuid: string;
  readonly name: string;
  /** HA_Chassis rows (uuids). */
  readonly haChassis: readonly string[];
  readonly externalIds: StringMap;
  readonly raw: OvsdbRow;
}

/** SB `HA_Chassis`: one member of an HA_Chassis_Group. */
export interface SbHaChassis {
  readonly uuid: string;
  /** The Chassis row (uuid); undefined while no chassis of that name is registered in the SB. */
  readonly chassis: string | undefined;
  /** `external_ids:chassis-name`: the NB member's chassis name, which northd copies here (kept when the chassis is not registered). */
  readonly chassisName: string | undefined;
  readonly priority: number | undefined;
  readonly externalIds: StringMap;
  readonly raw: OvsdbRow;
}

export interface SbEncap {
  readonly uuid: string;
  /** `geneve`, `vxlan`, `stt`. */
  readonly type: string;
  readonly ip: string;
  readonly chassisName: string;
  readonly options: StringMap;
  /** `options:csum` (OVN writes `"true"` unless the chassis sets ovn-encap-csum=false). */
  readonly csum: boolean | undefined;
  readonly dstPort: number | undefined;
  readonly raw: OvsdbRow;
}

export interface SbPortBinding {
  readonly uuid: string;
  readonly logicalPort: string;
  /** `""` (VIF), `patch`, `router`, `localnet`, `l3gateway`, `chassisredirect`, `localport`, `virtual`, `external`, `vtep`. */
  readonly type: string;
  readonly tunnelKey: number | undefined;
  readonly datapath: string | undefined;
  readonly chassis: string | undefined;
  readonly additionalChassis: readonly string[];
  readonly requestedChassis: string | undefined;
  readonly encap: string | undefined;
  /** `mac` set: each entry `"MAC IP…"`, or `router`, `unknown`, `dynamic`. */
  readonly mac: readonly string[];
  readonly portSecurity: readonly string[];
  readonly natAddresses: readonly string[];
  readonly options: StringMap;
  readonly externalIds: StringMap;
  /** `external_ids:neutron:port_name` (northd also copies it to `external_ids:name`). */
  readonly neutronPortName: string | undefined;
  readonly neutronDeviceId: string | undefined;
  /** Kubernetes pod behind the port (OVN-Kubernetes `pod=true` + `namespace`, or Kube-OVN `pod=ns/name`). */
  readonly pod: { readonly namespace: string | undefined; readonly name: string } | undefined;
  readonly up: boolean | undefined;
  readonly gatewayChassis: readonly string[];
  readonly haChassisGroup: string | undefined;
  readonly parentPort: string | undefined;
  readonly tag: number | undefined;
  readonly virtualParent: string | undefined;
  /** `options:peer` of patch / l3gateway ports. */
  readonly peer: string | undefined;
  readonly raw: OvsdbRow;
}

export interface SbDatapathBinding {
  readonly uuid: string;
  /** The datapath key (= GENEVE VNI / `tun_id`, = OpenFlow `metadata`). */
  readonly tunnelKey: number | undefined;
  readonly externalIds: StringMap;
  readonly name: string | undefined;
  /** NB Logical_Switch uuid (`external_ids:logical-switch`). */
  readonly logicalSwitch: string | undefined;
  /** NB Logical_Router uuid (`external_ids:logical-router`). */
  readonly logicalRouter: string | undefined;
  readonly kind: 'switch' | 'router' | undefined;
  /** Deprecated column (empty in 23.03, which uses Load_Balancer.datapath_group). */
  readonly loadBalancers: readonly string[];
  readonly raw: OvsdbRow;
}

export interface SbLogicalFlow {
  readonly uuid: string;
  /** Set when the flow applies to a single datapath. */
  readonly logicalDatapath: string | undefined;
  /** Set when the flow is shared by several datapaths (see SbLogicalDpGroup). */
  readonly logicalDpGroup: string | undefined;
  readonly pipeline: 'ingress' | 'egress' | string;
  readonly tableId: number | undefined;
  readonly priority: number | undefined;
  readonly match: string;
  readonly actions: string;
  readonly externalIds: StringMap;
  readonly stageName: string | undefined;
  /** `northd.c:6470` style origin. */
  readonly source: string | undefined;
  /** First 8 hex digits of the NB row (ACL, NAT, LB, route, …) behind the flow. */
  readonly stageHint: string | undefined;
  readonly controllerMeter: string | undefined;
  readonly tags: StringMap;
  /** OpenFlow cookie ovn-controller installs for this flow (`cookieOf(uuid)`). */
  readonly cookie: number | undefined;
  readonly raw: OvsdbRow;
}

export interface SbLogicalDpGroup {
  readonly uuid: string;
  readonly datapaths: readonly string[];
  readonly raw: OvsdbRow;
}

export interface SbMulticastGroup {
  readonly uuid: string;
  readonly name: string;
  readonly datapath: string | undefined;
  readonly tunnelKey: number | undefined;
  readonly ports: readonly string[];
  readonly raw: OvsdbRow;
}

export interface SbMacBinding {
  readonly uuid: string;
  readonly logicalPort: string;
  readonly ip: string;
  readonly mac: string;
  readonly datapath: string | undefined;
  readonly timestamp: number | undefined;
  readonly raw: OvsdbRow;
}

export interface SbLoadBalancer {
  readonly uuid: string;
  readonly name: string;
  /** `"VIP[:port]"` → `"backend[:port],…"`. */
  readonly vips: StringMap;
  readonly protocol: string | undefined;
  /** Deprecated in 23.03 in favour of datapathGroup. */
  readonly datapaths: readonly string[];
  readonly datapathGroup: string | undefined;
  readonly options: StringMap;
  readonly externalIds: StringMap;
  /** NB Load_Balancer uuid (`external_ids:lb_id`). */
  readonly nbUuid: string | undefined;
  readonly raw: OvsdbRow;
}

// ---------------------------------------------------------------------------------------------
// Northbound

export interface NbLogicalSwitch {
  readonly uuid: string;
  readonly name: string;
  readonly ports: readonly string[];
  readonly acls: readonly string[];
  readonly loadBalancer: readonly string[];
  readonly loadBalancerGroup: readonly string[];
  readonly otherConfig: StringMap;
  readonly externalIds: StringMap;
  readonly raw: OvsdbRow;
}

export interface NbLogicalSwitchPort {
  readonly uuid: string;
  readonly name: string;
  readonly type: string;
  readonly addresses: readonly string[];
  readonly dynamicAddresses: string | undefined;
  readonly portSecurity: readonly string[];
  readonly options: StringMap;
  readonly externalIds: StringMap;
  readonly tag: number | undefined;
  readonly parentName: string | undefined;
  readonly up: boolean | undefined;
  readonly enabled: boolean | undefined;
  readonly raw: OvsdbRow;
}

export interface NbLogicalRouter {
  readonly uuid: string;
  readonly name: string;
  readonly ports: readonly string[];
  readonly nat: readonly string[];
  readonly staticRoutes: readonly string[];
  readonly policies: readonly string[];
  readonly loadBalancer: readonly string[];
  readonly loadBalancerGroup: readonly string[];
  readonly options: StringMap;
  readonly externalIds: StringMap;
  readonly enabled: boolean | undefined;
  readonly raw: OvsdbRow;
}

export interface NbLogicalRouterPort {
  readonly uuid: string;
  readonly name: string;
  readonly mac: string;
  readonly networks: readonly string[];
  readonly peer: string | undefined;
  readonly options: StringMap;
  /** `options:gateway_mtu`. */
  readonly gatewayMtu: number | undefined;
  readonly gatewayChassis: readonly string[];
  readonly haChassisGroup: string | undefined;
  readonly externalIds: StringMap;
  readonly enabled: boolean | undefined;
  readonly raw: OvsdbRow;
}

export interface NbAcl {
  readonly uuid: string;
  readonly name: string | undefined;
  readonly direction: 'from-lport' | 'to-lport' | string;
  readonly priority: number | undefined;
  readonly match: string;
  /** `allow`, `allow-related`, `allow-stateless`, `drop`, `reject`, (24.x: `pass`). */
  readonly action: string;
  readonly label: number | undefined;
  readonly log: boolean | undefined;
  readonly meter: string | undefined;
  readonly severity: string | undefined;
  readonly options: StringMap;
  readonly externalIds: StringMap;
  /** `tier` (absent before OVN 23.06). */
  readonly tier: number | undefined;
  readonly raw: OvsdbRow;
}

export interface NbPortGroup {
  readonly uuid: string;
  readonly name: string;
  readonly ports: readonly string[];
  readonly acls: readonly string[];
  readonly externalIds: StringMap;
  readonly raw: OvsdbRow;
}

/** NB `Gateway_Chassis`: a chassis that may host a distributed gateway port, by priority (the highest alive claims it). */
export interface NbGatewayChassis {
  readonly uuid: string;
  readonly name: string;
  readonly chassisName: string;
  readonly priority: number | undefined;
  readonly raw: OvsdbRow;
}

export interface NbAddressSet {
  readonly uuid: string;
  readonly name: string;
  readonly addresses: readonly string[];
  readonly externalIds: StringMap;
  readonly raw: OvsdbRow;
}

export interface NbLoadBalancer {
  readonly uuid: string;
  readonly name: string;
  readonly vips: StringMap;
  /** `tcp` | `udp` | `sctp`; undefined = tcp. */
  readonly protocol: string | undefined;
  readonly options: StringMap;
  readonly externalIds: StringMap;
  readonly selectionFields: readonly string[];
  readonly healthCheck: readonly string[];
  readonly raw: OvsdbRow;
}

/**
 * NB `Load_Balancer_Group`: a set of load balancers that switches and routers take all at once
 * through their `load_balancer_group` column (OVN-Kubernetes attaches nearly every load balancer
 * this way, not through `load_balancer`).
 */
export interface NbLoadBalancerGroup {
  readonly uuid: string;
  readonly name: string;
  readonly loadBalancer: readonly string[];
  readonly raw: OvsdbRow;
}

export interface NbNat {
  readonly uuid: string;
  /** `snat`, `dnat`, `dnat_and_snat`. */
  readonly type: string;
  readonly externalIp: string;
  readonly logicalIp: string;
  readonly logicalPort: string | undefined;
  readonly externalMac: string | undefined;
  readonly externalPortRange: string | undefined;
  readonly gatewayPort: string | undefined;
  readonly options: StringMap;
  readonly externalIds: StringMap;
  readonly raw: OvsdbRow;
}

/** An NB Logical_Router_Policy: `action` allow, drop, reroute (to `nexthop`/`nexthops`) or jump. */
export interface NbRouterPolicy {
  readonly uuid: string;
  readonly priority: number | undefined;
  readonly match: string;
  readonly action: string;
  readonly nexthops: readonly string[];
  readonly options: StringMap;
  readonly externalIds: StringMap;
  readonly raw: OvsdbRow;
}

export interface NbStaticRoute {
  readonly uuid: string;
  readonly ipPrefix: string;
  readonly nexthop: string;
  readonly outputPort: string | undefined;
  /** `dst-ip` (default when unset) or `src-ip`. */
  readonly policy: string | undefined;
  readonly routeTable: string | undefined;
  readonly bfd: string | undefined;
  readonly options: StringMap;
  readonly externalIds: StringMap;
  readonly raw: OvsdbRow;
}

// ---------------------------------------------------------------------------------------------
// Helpers

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

/**
 * The OpenFlow cookie ovn-controller gives the flows of an SB row (Logical_Flow, Port_Binding,
 * Multicast_Group, …): the first 32 bits of the row UUID, as a number (0 … 2^32−1). Also accepts a
 * bare 8-hex-digit prefix (a `stage-hint`). undefined when the text does not start with 8 hex digits.
 */
export function cookieOf(uuid: string): number | undefined {
  const m = /^([0-9a-fA-F]{8})(?:$|-)/.exec(uuid);
  return m ? Number.parseInt(m[1], 16) : undefined;
}

/** `cookieOf` as `ovs-ofctl` prints it: `0x1f913155` (no leading zeros). */
export function cookieHex(uuid: string): string | undefined {
  const c = cookieOf(uuid);
  return c === undefined ? undefined : `0x${c.toString(16)}`;
}

/** Splits `"MAC IP IP…"` entries of a Port_Binding/LSP address set into MAC and IPs. */
export function splitAddresses(entry: string): { mac: string | undefined; ips: string[]; keyword: string | undefined } {
  const words = entry.trim().split(/\s+/).filter((w) => w.length > 0);
  if (words.length === 1 && ['router', 'unknown', 'dynamic'].includes(words[0])) return { mac: undefined, ips: [], keyword: words[0] };
  const mac = words[0] && /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(words[0]) ? words[0] : undefined;
  return { mac, ips: mac ? words.slice(1) : words, keyword: undefined };
}

/** The datapaths a logical flow applies to: its `logical_datapath`, or the members of its `logical_dp_group`. */
export function lflowDatapaths(flow: Pick<SbLogicalFlow, 'logicalDatapath' | 'logicalDpGroup'>, groups: ReadonlyMap<string, Pick<SbLogicalDpGroup, 'datapaths'>>): readonly string[] {
  if (flow.logicalDatapath !== undefined) return [flow.logicalDatapath];
  if (flow.logicalDpGroup !== undefined) return groups.get(flow.logicalDpGroup)?.datapaths ?? [];
  return [];
}

/** The switches and routers a load balancer is applied to: directly, or through a load balancer group. */
export interface LoadBalancerAttachments {
  readonly switches: readonly NbLogicalSwitch[];
  readonly routers: readonly NbLogicalRouter[];
}

/**
 * Where NB load balancer `lbUuid` applies: every switch and router that lists it in
 * `load_balancer`, or lists a `Load_Balancer_Group` that holds it (northd applies both alike). A
 * group reference with no row (the groups were not collected) attaches nothing.
 */
export function loadBalancerAttachments(
  nb: { readonly switches: readonly NbLogicalSwitch[]; readonly routers: readonly NbLogicalRouter[]; readonly loadBalancerGroups?: readonly NbLoadBalancerGroup[] },
  lbUuid: string,
): LoadBalancerAttachments {
  const groups = new Set((nb.loadBalancerGroups ?? []).filter((g) => g.loadBalancer.includes(lbUuid)).map((g) => g.uuid));
  const carries = (d: { readonly loadBalancer: readonly string[]; readonly loadBalancerGroup: readonly string[] }) => d.loadBalancer.includes(lbUuid) || d.loadBalancerGroup.some((g) => groups.has(g));
  return { switches: nb.switches.filter(carries), routers: nb.routers.filter(carries) };
}
