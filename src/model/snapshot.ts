/**
 * A snapshot as the analysis layers see it: the raw outputs of a collection, parsed and joined.
 * Pure types; `src/snapshot/load.ts` builds it from a snapshot directory.
 */
import type { Diagnostic } from './diagnostic.js';
import type { FlowEntry, Group } from './flow.js';
import type { Manifest } from './manifest.js';
import type {
  NbAcl,
  NbAddressSet,
  NbGatewayChassis,
  NbLoadBalancer,
  NbLoadBalancerGroup,
  NbLogicalRouter,
  NbLogicalRouterPort,
  NbLogicalSwitch,
  NbLogicalSwitchPort,
  NbNat,
  NbPortGroup,
  NbRouterPolicy,
  NbStaticRoute,
  SbChassis,
  SbChassisPrivate,
  SbGlobal,
  SbHaChassis,
  SbHaChassisGroup,
  SbDatapathBinding,
  SbEncap,
  SbLoadBalancer,
  SbLogicalDpGroup,
  SbLogicalFlow,
  SbMacBinding,
  SbMulticastGroup,
  SbPortBinding,
} from './ovn.js';
import type { OvnControllerState } from './ovn-controller.js';
import type { DpifShow, OfctlShow, OpenVswitch, OvsBridge, OvsInterface, OvsPort, TlvMap, ToolVersion } from './ovs.js';

/** What an OpenFlow port is, for following a packet out of it. */
export type PortRole =
  | { readonly kind: 'local' } // a VIF or internal port on this host (OVN: Interface external_ids:iface-id)
  | { readonly kind: 'tunnel'; readonly tunnelType: string; readonly remoteIp?: string; readonly localIp?: string; readonly remoteChassis?: string }
  | { readonly kind: 'patch'; readonly peer?: string }
  | { readonly kind: 'physical' }
  | { readonly kind: 'reserved' };

export interface BridgePort {
  readonly ofport: number;
  /** Full OVS name (from the DB when known; `ovs-ofctl show` truncates names to 15 bytes). */
  readonly name: string;
  readonly role: PortRole;
  /** OVN logical port bound here (Interface external_ids:iface-id). */
  readonly ifaceId?: string;
  /** Datapath port number (`ovs-appctl dpif/show`), used to compare with ofproto/trace output. */
  readonly dpPort?: number;
  readonly iface?: OvsInterface;
}

export interface BridgeState {
  readonly name: string;
  readonly flows: readonly FlowEntry[];
  readonly groups: readonly Group[];
  readonly ports: readonly BridgePort[];
  /** Snapshot-relative file the flows came from (for evidence and diagnostics). */
  readonly flowsFile?: string;
  readonly show?: OfctlShow;
  /** The simulator's index of these flows as `<snapshot>/.cache/` holds it (set by the loader when the cache is in use). */
  readonly classifierCache?: ClassifierCache;
}

/** Derived data as typed arrays plus JSON-compatible data: what a `.cache/` file holds. */
export interface DerivedArrays {
  readonly data: unknown;
  readonly sections: Readonly<Record<string, Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>>;
}

/**
 * A bridge's classifier index from (and for) `.cache/`. Plain data and a callback: the loader
 * reads the file and supplies `save`; the simulator decides whether to use `stored` and calls
 * `save` after building — so the simulator stays synchronous and does no I/O of its own.
 */
export interface ClassifierCache {
  /**
   * The flows and ports the cache is keyed on (the dump's hash, the `name=ofport` of every
   * port). A BridgeState with other flows or ports (a modified copy) must neither use nor save it.
   */
  readonly flows: readonly FlowEntry[];
  readonly ports: readonly BridgePort[];
  /** The index read from `.cache/`, present when its key matched. Still to be checked against `flows` before use. */
  readonly stored?: DerivedArrays;
  /**
   * Stores a freshly built index (synchronous, best-effort: never throws, at most once per load).
   * `rejected` says why `stored` could not be used, when it was present.
   */
  readonly save: (index: DerivedArrays, rejected?: string) => void;
}

export interface HostState {
  readonly name: string;
  readonly version?: ToolVersion;
  readonly openVswitch?: OpenVswitch;
  readonly ovsBridges: readonly OvsBridge[];
  readonly ovsPorts: readonly OvsPort[];
  readonly interfaces: readonly OvsInterface[];
  readonly bridges: readonly BridgeState[];
  readonly dpif?: DpifShow;
  readonly tlvMap?: TlvMap;
  /** OVN chassis name of this host (Open_vSwitch external_ids:system-id). */
  readonly chassis?: string;
  /** Local tunnel endpoint (external_ids:ovn-encap-ip). */
  readonly encapIp?: string;
  /** What its ovn-controller answered over its control socket (absent: a host loaded as its identity only). */
  readonly ovnController?: OvnControllerState;
}

export interface SouthboundState {
  readonly chassis: readonly SbChassis[];
  readonly encaps: readonly SbEncap[];
  readonly portBindings: readonly SbPortBinding[];
  readonly datapaths: readonly SbDatapathBinding[];
  readonly logicalFlows: readonly SbLogicalFlow[];
  readonly dpGroups: readonly SbLogicalDpGroup[];
  readonly multicastGroups: readonly SbMulticastGroup[];
  readonly macBindings: readonly SbMacBinding[];
  readonly loadBalancers: readonly SbLoadBalancer[];
  /** Absent when not collected (older snapshots, or an SB without the table: OVN before 20.09). */
  readonly chassisPrivate?: readonly SbChassisPrivate[];
  readonly global?: SbGlobal;
  /**
   * Absent when not collected (older snapshots): a chassisredirect binding's `haChassisGroup` then
   * names a group whose members are unknown.
   */
  readonly haChassisGroups?: readonly SbHaChassisGroup[];
  readonly haChassis?: readonly SbHaChassis[];
}

export interface NorthboundState {
  readonly switches: readonly NbLogicalSwitch[];
  readonly switchPorts: readonly NbLogicalSwitchPort[];
  readonly routers: readonly NbLogicalRouter[];
  readonly routerPorts: readonly NbLogicalRouterPort[];
  readonly acls: readonly NbAcl[];
  readonly portGroups: readonly NbPortGroup[];
  readonly addressSets: readonly NbAddressSet[];
  readonly loadBalancers: readonly NbLoadBalancer[];
  /**
   * Absent when not collected (older snapshots, or an NB without the table); a switch's or router's
   * `loadBalancerGroup` then names groups whose members are unknown.
   */
  readonly loadBalancerGroups?: readonly NbLoadBalancerGroup[];
  readonly nats: readonly NbNat[];
  readonly staticRoutes: readonly NbStaticRoute[];
  /** Absent when not collected (older snapshots; the listing is optional): a router's `policies` then names rows that are unknown. */
  readonly routerPolicies?: readonly NbRouterPolicy[];
  /** Absent when not collected (older snapshots, an NB without the listing). */
  readonly gatewayChassis?: readonly NbGatewayChassis[];
}

export interface Snapshot {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly hosts: readonly HostState[];
  readonly sb?: SouthboundState;
  readonly nb?: NorthboundState;
  /** Everything the parsers complained about, with host/file/line. */
  readonly diagnostics: readonly Diagnostic[];
}
