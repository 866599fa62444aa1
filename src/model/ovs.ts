/**
 * Typed rows of the Open_vSwitch database (`ovs-vswitchd.conf.db(5)`) as ovnscope reads them, plus
 * the per-bridge port map and the output of `ovs-ofctl show`, `ovs-appctl dpif/show`,
 * `ovs-ofctl dump-tlv-map` and `--version`.
 *
 * Conventions: a column that is absent from the output, or an optional column holding the empty
 * set, is `undefined`; map columns are always present (empty record when absent). Every typed row
 * keeps its `_uuid` as `uuid` and the generic row it came from as `raw`.
 */
import type { OvsdbRow } from './ovsdb.js';

/** A string→string map column (`options`, `external_ids`, `other_config`, `status`, …). */
export type StringMap = Readonly<Record<string, string>>;

export interface OpenVswitch {
  readonly uuid: string;
  readonly bridges: readonly string[];
  readonly externalIds: StringMap;
  readonly otherConfig: StringMap;
  /** `ovs_version` column: set by the distribution's start scripts (`ovs-ctl`); often absent. */
  readonly ovsVersion: string | undefined;
  readonly dbVersion: string | undefined;
  readonly systemType: string | undefined;
  readonly systemVersion: string | undefined;
  readonly datapathTypes: readonly string[];
  readonly ifaceTypes: readonly string[];
  readonly dpdkInitialized: boolean | undefined;
  /** `external_ids:system-id` = the OVN chassis name. */
  readonly systemId: string | undefined;
  readonly hostname: string | undefined;
  /** `external_ids:ovn-encap-ip` verbatim (OVN accepts a comma-separated list). */
  readonly ovnEncapIp: string | undefined;
  readonly ovnEncapIps: readonly string[];
  /** `external_ids:ovn-encap-type` verbatim, e.g. `geneve` or `geneve,vxlan`. */
  readonly ovnEncapType: string | undefined;
  readonly ovnEncapTypes: readonly string[];
  readonly ovnEncapCsum: boolean | undefined;
  readonly ovnRemote: string | undefined;
  /** `external_ids:ovn-bridge` (integration bridge; OVN's default is br-int when unset). */
  readonly ovnBridge: string | undefined;
  /** `external_ids:ovn-bridge-mappings` verbatim. */
  readonly ovnBridgeMappingsText: string | undefined;
  /** Parsed `physnet:bridge,physnet2:bridge2`. */
  readonly ovnBridgeMappings: StringMap;
  /** `other_config:hw-offload` (`"true"`/`"false"`; undefined when unset, which means false). */
  readonly hwOffload: boolean | undefined;
  /** `other_config:tc-policy`: `none`, `skip_sw`, `skip_hw` (undefined when unset = none). */
  readonly tcPolicy: string | undefined;
  readonly raw: OvsdbRow;
}

export interface OvsBridge {
  readonly uuid: string;
  readonly name: string;
  readonly ports: readonly string[];
  /** `datapath_type`: `""` or `system` (kernel), `netdev` (userspace); undefined when the column is absent. */
  readonly datapathType: string | undefined;
  readonly datapathId: string | undefined;
  /** `fail_mode`: `standalone` | `secure`; undefined = unset (standalone behaviour). */
  readonly failMode: string | undefined;
  /** `protocols`, e.g. `OpenFlow10`, `OpenFlow13`; empty = the default set. */
  readonly protocols: readonly string[];
  readonly controller: readonly string[];
  readonly externalIds: StringMap;
  readonly otherConfig: StringMap;
  readonly status: StringMap;
  /**
   * Conntrack zones ovn-controller assigned, from `external_ids:ct-zone-<key>` on the integration
   * bridge: key is a logical port name (`sw0-p1`) or `<datapath uuid>_dnat` / `_snat`.
   */
  readonly ovnCtZones: Readonly<Record<string, number>>;
  readonly raw: OvsdbRow;
}

export interface OvsPort {
  readonly uuid: string;
  readonly name: string;
  readonly interfaces: readonly string[];
  /** Access VLAN (`tag`). */
  readonly tag: number | undefined;
  /** Trunk VLANs; empty = all VLANs (when `tag` is unset). */
  readonly trunks: readonly number[];
  readonly vlanMode: string | undefined;
  readonly bondMode: string | undefined;
  readonly bondActiveSlave: string | undefined;
  readonly lacp: string | undefined;
  readonly otherConfig: StringMap;
  readonly externalIds: StringMap;
  /** `external_ids:ovn-chassis-id` of an OVN tunnel port, e.g. `hv2@192.168.0.2` (OVN 23.03 sets it on the Port). */
  readonly ovnChassisId: string | undefined;
  readonly raw: OvsdbRow;
}

export interface OvsInterface {
  readonly uuid: string;
  readonly name: string;
  /** `type`: `""` (system/netdev), `internal`, `geneve`, `vxlan`, `patch`, `dpdk`, `dummy`, … */
  readonly type: string;
  /** OpenFlow port number; -1 when OVS failed to add it; undefined before it is assigned. */
  readonly ofport: number | undefined;
  readonly ofportRequest: number | undefined;
  readonly options: StringMap;
  /** Tunnel options (from `options`). */
  readonly remoteIp: string | undefined;
  readonly localIp: string | undefined;
  readonly key: string | undefined;
  readonly csum: boolean | undefined;
  readonly dstPort: number | undefined;
  readonly dfDefault: boolean | undefined;
  /** Patch port peer (`options:peer`). */
  readonly peer: string | undefined;
  readonly externalIds: StringMap;
  /** `external_ids:iface-id` = OVN logical port name (SB Port_Binding.logical_port). */
  readonly ifaceId: string | undefined;
  /** `external_ids:ovn-chassis-id` when the Interface carries it (23.03 puts it on the Port). */
  readonly ovnChassisId: string | undefined;
  readonly status: StringMap;
  readonly tunnelEgressIface: string | undefined;
  readonly tunnelEgressIfaceCarrier: string | undefined;
  readonly mtu: number | undefined;
  readonly mtuRequest: number | undefined;
  readonly bfd: StringMap;
  readonly bfdStatus: StringMap;
  readonly linkState: string | undefined;
  readonly adminState: string | undefined;
  readonly linkSpeed: number | undefined;
  readonly duplex: string | undefined;
  readonly mac: string | undefined;
  readonly macInUse: string | undefined;
  readonly ifindex: number | undefined;
  readonly error: string | undefined;
  readonly otherConfig: StringMap;
  /** `statistics` counters (string→integer map). Counters beyond 2^53 are kept as bigint. */
  readonly statistics: Readonly<Record<string, number | bigint>>;
  readonly raw: OvsdbRow;
}

/** One port of a bridge with its interfaces resolved (a bond has several). */
export interface OvsBridgePort {
  readonly port: OvsPort;
  readonly interfaces: readonly OvsInterface[];
}

/** A bridge with its ports and interfaces resolved, and the lookups traces need. */
export interface OvsBridgePorts {
  readonly bridge: OvsBridge;
  readonly ports: readonly OvsBridgePort[];
  /** ofport → interface (65534 is the bridge's LOCAL/internal port). */
  readonly byOfport: ReadonlyMap<number, OvsInterface>;
  readonly byName: ReadonlyMap<string, OvsInterface>;
  /** Interface uuid → the Port row that holds it. */
  readonly portOfInterface: ReadonlyMap<string, OvsPort>;
}

/** All bridges of a host. */
export interface OvsBridgeMap {
  readonly bridges: ReadonlyMap<string, OvsBridgePorts>;
  /** Interface name → bridge name. */
  readonly bridgeOfInterface: ReadonlyMap<string, string>;
}

/** `external_ids:ovn-chassis-id` = `<chassis>@<encap ip>` (or just the chassis name on older OVN). */
export function splitOvnChassisId(id: string): { chassis: string; ip: string | undefined } {
  const at = id.lastIndexOf('@');
  return at < 0 ? { chassis: id, ip: undefined } : { chassis: id.slice(0, at), ip: id.slice(at + 1) };
}

// ---------------------------------------------------------------------------------------------
// ovs-ofctl show

/** OpenFlow LOCAL port number (`LOCAL(br-int)` in ovs-ofctl output). */
export const OFPP_LOCAL = 65534;

export interface OfctlPort {
  /** Port number; `LOCAL` is 65534 (OFPP_LOCAL). */
  readonly ofport: number;
  /** The port number as printed (`1`, `LOCAL`). */
  readonly ofportText: string;
  /**
   * Name as printed. OpenFlow carries at most 15 bytes of name, so longer OVS port names are cut
   * (`patch-br-int-to-ln-public` shows as `patch-br-int-to`): join with the DB by ofport.
   */
  readonly name: string;
  readonly mac: string;
  /** `config:` flags, e.g. `[]` for `0`, `['PORT_DOWN']`. */
  readonly config: readonly string[];
  /** `state:` flags, e.g. `[]` for `0`, `['LINK_DOWN']`, `['LIVE']`. */
  readonly state: readonly string[];
  readonly current: readonly string[] | undefined;
  readonly advertised: readonly string[] | undefined;
  readonly supported: readonly string[] | undefined;
  readonly peer: readonly string[] | undefined;
  /** `speed: N Mbps now, M Mbps max`. */
  readonly speedMbps: number | undefined;
  readonly maxSpeedMbps: number | undefined;
  /** Any other `key: value` property line under the port, verbatim. */
  readonly extra: StringMap;
  /** 1-based line of the port's header line. */
  readonly line: number;
}

export interface OfctlShow {
  /** OpenFlow version label printed in the replies (`OF1.3`); undefined for the OF1.0 default. */
  readonly ofVersion: string | undefined;
  /** Datapath id as printed (16 hex digits). */
  readonly dpid: string | undefined;
  readonly nTables: number | undefined;
  readonly nBuffers: number | undefined;
  readonly capabilities: readonly string[];
  /** `actions:` (OF1.0 only). */
  readonly actions: readonly string[];
  readonly ports: readonly OfctlPort[];
  /** `OFPT_GET_CONFIG_REPLY`: `frags=normal miss_send_len=0` as a record. */
  readonly config: StringMap;
}

// ---------------------------------------------------------------------------------------------
// ovs-appctl dpif/show and dpctl/show

export interface DpifShowPort {
  readonly name: string;
  readonly ofport: number;
  /** Datapath port number; undefined for `none` (patch ports have no datapath port). */
  readonly dpPort: number | undefined;
  readonly type: string;
  /** Netdev config shown after the type, e.g. `{csum: 'true', key: 'flow', remote_ip: '…'}`. */
  readonly config: StringMap;
  readonly line: number;
}

export interface DpifShowBridge {
  readonly name: string;
  readonly ports: readonly DpifShowPort[];
}

export interface DpifShowDatapath {
  /** `system@ovs-system` → type `system`, name `ovs-system`. */
  readonly type: string;
  readonly name: string;
  /** Counters on the header line (`hit`, `missed`, …). */
  readonly stats: Readonly<Record<string, number>>;
  readonly bridges: readonly DpifShowBridge[];
  readonly line: number;
}

export interface DpifShow {
  readonly datapaths: readonly DpifShowDatapath[];
}

export interface DpctlShowPort {
  readonly dpPort: number;
  readonly name: string;
  /** Type in parentheses; undefined when none is printed (a plain system netdev). */
  readonly type: string | undefined;
  readonly config: StringMap;
  /** `-s` statistics lines (`RX packets`, `TX bytes`, …); `?` values are omitted. */
  readonly stats: Readonly<Record<string, number>>;
  readonly line: number;
}

export interface DpctlShowDatapath {
  readonly type: string;
  readonly name: string;
  /** `lookups:`, `masks:`, `cache:`, `flows:` … lines as records of numbers (`hit-rate` in percent). */
  readonly lookups: Readonly<Record<string, number>>;
  readonly masks: Readonly<Record<string, number>>;
  readonly cache: Readonly<Record<string, number>>;
  readonly flows: number | undefined;
  readonly ports: readonly DpctlShowPort[];
  readonly line: number;
}

export interface DpctlShow {
  readonly datapaths: readonly DpctlShowDatapath[];
}

// ---------------------------------------------------------------------------------------------
// ovs-ofctl dump-tlv-map

export interface TlvMapping {
  /** GENEVE option class (OVN: 0x0102). */
  readonly class: number;
  /** Option type (OVN: 0x80). */
  readonly type: number;
  /** Option data length in bytes (OVN: 4). */
  readonly length: number;
  /** N of `tun_metadataN`. */
  readonly index: number;
  readonly field: string;
  readonly line: number;
}

export interface TlvMap {
  readonly maxOptionSpace: number | undefined;
  readonly maxFields: number | undefined;
  readonly allocatedOptionSpace: number | undefined;
  readonly mappings: readonly TlvMapping[];
}

// ---------------------------------------------------------------------------------------------
// --version

export interface ToolVersion {
  /** Program name on the first line (`ovs-vsctl`, `ovn-controller`). */
  readonly program: string | undefined;
  /** `Open vSwitch` for OVS programs (`prog (Open vSwitch) 3.1.0`), undefined for OVN's `prog 23.03.1`. */
  readonly package: string | undefined;
  /** Version string verbatim, e.g. `3.1.0`, `2.17.7-0ubuntu0.22.04.1`, `23.03.1`. */
  readonly version: string | undefined;
  /** The OVS library an OVN program links (`Open vSwitch Library 3.1.0`). */
  readonly ovsLibraryVersion: string | undefined;
  /** `DB Schema 8.3.1` (vswitch schema for ovs-vsctl, NB/SB schema for ovn-nbctl/ovn-sbctl). */
  readonly dbSchema: string | undefined;
  /** `SB DB Schema 20.27.0` (ovn-controller). */
  readonly sbDbSchema: string | undefined;
  /** `OpenFlow versions 0x1:0x6` → { min: 1, max: 6 } (wire versions: 1 = OF1.0 … 6 = OF1.5). */
  readonly openflowVersions: { readonly min: number; readonly max: number } | undefined;
  readonly dpdkVersion: string | undefined;
  /** Any other line, verbatim. */
  readonly other: readonly string[];
}

/** `3.1.0` → [3, 1, 0]; distribution suffixes after the numeric part are ignored. */
export function versionNumbers(v: string): number[] {
  const m = /^v?(\d+(?:\.\d+)*)/.exec(v.trim());
  return m ? m[1].split('.').map((x) => Number(x)) : [];
}

/** Compares two dotted versions numerically (`2.17.7` < `3.1.0`); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const x = versionNumbers(a);
  const y = versionNumbers(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
