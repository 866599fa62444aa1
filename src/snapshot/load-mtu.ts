/**
 * The MTU audit's view of a snapshot (DOMAIN.md "Overhead and MTU"): per host the kernel's devices,
 * addresses, routes (IPv4, and IPv6 when the mtu recipe module collected them), next-hop objects,
 * the PMTU answers of `ip -j route get <remote TEP> from <local TEP>`, the OVS interfaces (VIF
 * taps, br-int, geneve ports with `df_default`/`csum`), `ovn-encap-ip` and bridge mappings, the
 * datapath features (`Check pkt length action`); centrally the NB switches, switch ports, routers,
 * router ports (`gateway_mtu`), DHCP_Options (`mtu`, read here: the generic loader does not
 * know that table) and the SB bindings, chassis and encaps.
 *
 * The egress device chain below a route's device is `egressChain` of load-offload.ts, the same
 * function the offload audit and the recipe use (per ECMP leg device, so that every leg gets its
 * own VLAN parents, bond slaves and bridge ports).
 */
import { locate, type Diagnostic, type Parsed } from '../model/diagnostic.js';
import type { ManifestCommand } from '../model/manifest.js';
import type { NbLogicalRouter, NbLogicalRouterPort, NbLogicalSwitch, NbLogicalSwitchPort, SbChassis, SbDatapathBinding, SbEncap, SbPortBinding } from '../model/ovn.js';
import type { DpifShow, OpenVswitch, OvsBridgeMap, OvsInterface, StringMap } from '../model/ovs.js';
import { parseDpifShow } from '../parse/dpif-show.js';
import { asMap, asString, asUuid, type OvsdbRow, type OvsdbValue } from '../model/ovsdb.js';
import { parseIpv4, parseIpv6 } from '../model/masked.js';
import { parseIpAddrs, parseIpLinks, parseIpNexthops, parseIpRoutes, type IpAddrLink, type IpLink, type IpNexthop, type IpRoute } from '../parse/iproute.js';
import {
  buildBridgeMap,
  parseOvsdbJson,
  parseOvsdbRows,
  toNbLogicalRouterPorts,
  toNbLogicalRouters,
  toNbLogicalSwitches,
  toNbLogicalSwitchPorts,
  toOpenVswitch,
  toOvsBridges,
  toOvsInterfaces,
  toOvsPorts,
  toSbChassis,
  toSbDatapathBindings,
  toSbEncaps,
  toSbPortBindings,
  type RowConverter,
} from '../parse/ovsdb-json.js';
import { KERNEL_IDS } from './load-bgp.js';
import { egressChain, OFFLOAD_IDS, SHARED_IDS, type EgressChain } from './load-offload.js';
import type { SnapshotSource } from './reader.js';

// ---------------------------------------------------------------------------------------------
// Command ids

/** Outputs the mtu recipe module collects (`src/collect/recipe-mtu.ts`). */
export const MTU_IDS = {
  /** `ip -j -6 route show table all` (the kernel module's `ip -j route show table all` is IPv4 only). */
  route6: 'ip.route6',
  /** `ip -j route get REMOTE [from LOCAL]`, one per remote TEP (colons of IPv6 written as `_`). */
  routeGet: (remote: string) => `ip.route-get.${remote.replace(/:/g, '_')}`,
  /** Collected by the OVS module for br-int. */
  dpFeatures: 'ovs-appctl.dp-features.br-int',
} as const;

// ---------------------------------------------------------------------------------------------
// Types

export interface MtuSourceFile {
  readonly file: string;
  readonly lines: readonly string[];
}

/** `ovs-appctl dpif/show-dp-features br-int`: the check_pkt_len answer (DOMAIN.md H7). */
export interface DpFeatures {
  /** `Check pkt length action: Yes|No`; undefined when the line is missing (older OVS). */
  readonly checkPktLen?: boolean;
  readonly line?: number;
  readonly raw?: string;
}

export interface MtuHostState {
  readonly host: string;
  /** OVN chassis name (Open_vSwitch external_ids:system-id). */
  readonly chassis?: string;
  readonly openVswitch?: OpenVswitch;
  /** `ovn-encap-ip` (a list when OVN is given several). */
  readonly encapIps: readonly string[];
  readonly bridgeMappings: StringMap;
  readonly interfaces: readonly OvsInterface[];
  readonly bridgeMap?: OvsBridgeMap;
  readonly links?: readonly IpLink[];
  readonly addrs?: readonly IpAddrLink[];
  /** IPv4 routes of every table. */
  readonly routes?: readonly IpRoute[];
  /** IPv6 routes of every table (mtu recipe module). */
  readonly routes6?: readonly IpRoute[];
  readonly nexthops?: readonly IpNexthop[];
  /** `ip -j route get REMOTE from LOCAL` rows, by remote TEP. */
  readonly routeGets: ReadonlyMap<string, readonly IpRoute[]>;
  /** The offload audit's chain from OVS status:tunnel_egress_iface / the route to each remote_ip. */
  readonly chain: EgressChain;
  readonly dpFeatures?: DpFeatures;
  /** `uname -r` when the offload module collected it (PMTUD for bridged packets needs ≥ 5.9). */
  readonly kernelRelease?: string;
  /** Which datapath runs the integration bridge: only the kernel's answers a VM with ICMP "packet too big" (Linux ≥ 5.9). */
  readonly datapath?: OvnBridgeDatapath;
  readonly files: ReadonlyMap<string, MtuSourceFile>;
  readonly commands: ReadonlyMap<string, ManifestCommand>;
  /**
   * Outputs that were collected but cannot be read, by command id: `FILE: why` (changed or
   * removed after collection, empty, cut short, not JSON). What is missing for that reason is
   * "damaged", not "not collected".
   */
  readonly unreadable: ReadonlyMap<string, string>;
}

export interface OvnBridgeDatapath {
  /** `kernel` (system), `userspace` (netdev: DPDK or AF_XDP/tap), `dummy` (OVS's test datapath: ports of type dummy). */
  readonly kind: 'kernel' | 'userspace' | 'dummy';
  /** What told: `dpif/show: system@ovs-system, br-int ports of type dummy`, `Bridge br-int datapath_type=netdev`. */
  readonly source: string;
}

/**
 * The datapath of the integration bridge: `ovs-appctl dpif/show` when collected (it also shows the
 * dummy datapath ovs-vswitchd --enable-dummy puts under the name `system`), else Bridge datapath_type.
 */
export function ovnBridgeDatapath(bridgeName: string, bridgeType: string | undefined, dpif: DpifShow | undefined): OvnBridgeDatapath | undefined {
  const dp = dpif?.datapaths.find((d) => d.bridges.some((b) => b.name === bridgeName));
  if (dp) {
    const ports = dp.bridges.find((b) => b.name === bridgeName)!.ports;
    if (ports.some((p) => /^dummy/.test(p.type))) return { kind: 'dummy', source: `dpif/show: ${dp.type}@${dp.name}, ${bridgeName} ports of type dummy` };
    if (dp.type === 'netdev') return { kind: 'userspace', source: `dpif/show: ${dp.type}@${dp.name}` };
    if (dp.type === 'system') return { kind: 'kernel', source: `dpif/show: ${dp.type}@${dp.name}` };
  }
  if (bridgeType === 'netdev') return { kind: 'userspace', source: `Bridge ${bridgeName} datapath_type=netdev` };
  if (bridgeType === '' || bridgeType === 'system') return { kind: 'kernel', source: `Bridge ${bridgeName} datapath_type=${bridgeType || '"" (system)'}` };
  return undefined;
}

/** One NB DHCP_Options row. */
export interface NbDhcpOptions {
  readonly uuid: string;
  readonly cidr: string;
  readonly options: StringMap;
  readonly externalIds: StringMap;
  /** `options:mtu` as a number (DHCPv4 option 26). */
  readonly mtu?: number;
  readonly raw: OvsdbRow;
}

export interface MtuCentral {
  readonly switches: readonly NbLogicalSwitch[];
  readonly switchPorts: readonly NbLogicalSwitchPort[];
  readonly routers: readonly NbLogicalRouter[];
  readonly routerPorts: readonly NbLogicalRouterPort[];
  readonly dhcpOptions: readonly NbDhcpOptions[];
  readonly portBindings: readonly SbPortBinding[];
  readonly datapaths: readonly SbDatapathBinding[];
  readonly chassis: readonly SbChassis[];
  readonly encaps: readonly SbEncap[];
  /** Snapshot-relative file per table (`ovn-nbctl.list.DHCP_Options` → `central/…out`). */
  readonly files: ReadonlyMap<string, string>;
}

export interface MtuSnapshot {
  readonly hosts: readonly MtuHostState[];
  readonly central?: MtuCentral;
  readonly diagnostics: readonly Diagnostic[];
}

// ---------------------------------------------------------------------------------------------
// Readers

/** `dpif/show-dp-features` text → the check_pkt_len line. */
export function parseDpFeatures(text: string): Parsed<DpFeatures> {
  const lines = text.split('\n');
  for (const [i, l] of lines.entries()) {
    const m = /^\s*Check pkt length action:\s*(\S+)/i.exec(l);
    if (m) return { value: { checkPktLen: /^yes$/i.test(m[1]!), line: i + 1, raw: l.trim() }, diagnostics: [] };
  }
  return { value: {}, diagnostics: [] };
}

const mtuText = (s: string | undefined): number | undefined => (s !== undefined && /^\d{2,6}$/.test(s.trim()) ? Number(s.trim()) : undefined);

/** `ovn-nbctl --format=json list DHCP_Options` → typed rows (never throws; bad cells are skipped with a diagnostic). */
export function parseDhcpOptions(text: string, file?: string): Parsed<NbDhcpOptions[]> {
  const table = parseOvsdbJson(text, file, { fallbackHeadings: ['_uuid', 'cidr', 'external_ids', 'options'] });
  const diagnostics: Diagnostic[] = [...table.diagnostics];
  const out: NbDhcpOptions[] = [];
  const rows = Array.isArray(table.value?.rows) ? table.value.rows : [];
  for (const row of rows) {
    const get = (c: string): OvsdbValue | undefined => row.cells.get(c);
    const options = asMap(get('options')) ?? {};
    const mtu = mtuText(options.mtu);
    if (options.mtu !== undefined && mtu === undefined) diagnostics.push({ severity: 'warning', file, message: `DHCP_Options row ${row.index}: options:mtu="${options.mtu}" is not a number` });
    out.push({ uuid: row.uuid ?? '', cidr: asString(get('cidr')) ?? '', options, externalIds: asMap(get('external_ids')) ?? {}, mtu, raw: row });
  }
  return { value: out, diagnostics };
}

/** The DHCP_Options uuid a switch port uses for DHCPv4 (the NB model does not carry the column). */
export function dhcpv4OptionsOf(port: NbLogicalSwitchPort): string | undefined {
  return asUuid(port.raw.cells.get('dhcpv4_options'));
}

export function dhcpv6OptionsOf(port: NbLogicalSwitchPort): string | undefined {
  return asUuid(port.raw.cells.get('dhcpv6_options'));
}

// ---------------------------------------------------------------------------------------------
// Route lookup (IPv4 via the kernel table, IPv6 here)

const addrValue = (a: string): { v: bigint; bits: 32 | 128 } | undefined => {
  if (a.includes(':')) {
    const v = parseIpv6(a);
    return v === undefined ? undefined : { v, bits: 128 };
  }
  const v = parseIpv4(a);
  return v === undefined ? undefined : { v, bits: 32 };
};

/** Is `addr` inside `prefix` (IPv4 or IPv6 CIDR)? */
export function inPrefix(addr: string, prefix: string): boolean {
  const [net, lenText] = prefix.split('/');
  const a = addrValue(addr);
  const n = addrValue(net ?? '');
  if (!a || !n || a.bits !== n.bits) return false;
  const len = Number(lenText ?? a.bits);
  if (!(len >= 0 && len <= a.bits)) return false;
  const shift = BigInt(a.bits - len);
  return a.v >> shift === n.v >> shift;
}

/**
 * Longest-prefix match among the unicast (and blackhole/unreachable/prohibit) routes of one
 * table; lowest metric wins among equal prefixes. Works for both families.
 */
export function lookupRoute(routes: readonly IpRoute[], addr: string, table = 'main'): IpRoute | undefined {
  const family = addr.includes(':') ? 'inet6' : 'inet';
  let best: IpRoute | undefined;
  let bestLen = -1;
  for (const r of routes) {
    if (r.family !== family || r.table !== table || !['unicast', 'blackhole', 'unreachable', 'prohibit'].includes(r.type)) continue;
    const len = Number(r.prefix.split('/')[1]);
    if (!inPrefix(addr, r.prefix)) continue;
    if (len > bestLen || (len === bestLen && (r.metric ?? 0) < (best?.metric ?? 0))) {
      best = r;
      bestLen = len;
    }
  }
  return best;
}

/** An OVS Interface row standing for "GENEVE leaves through `dev`", to walk `egressChain` from one leg device. */
export function legInterface(dev: string): OvsInterface {
  const row: OvsdbRow = {
    index: 0,
    uuid: '00000000-0000-0000-0000-000000000000',
    cells: new Map<string, OvsdbValue>([
      ['name', `leg:${dev}`],
      ['type', 'geneve'],
      ['status', { kind: 'map', entries: [['tunnel_egress_iface', dev]] }],
    ]),
  };
  return toOvsInterfaces({ headings: ['_uuid', 'name', 'type', 'status'], rows: [row] }).value[0]!;
}

// ---------------------------------------------------------------------------------------------
// Loading

/**
 * Reads every host (`hosts` absent) or the given ones, and the central NB/SB of an opened snapshot
 * (`central: false` skips it: the tunnel check of a trace reads only the sending host).
 */
export async function loadMtu(source: SnapshotSource, options: { readonly hosts?: readonly string[]; readonly central?: boolean } = {}): Promise<MtuSnapshot> {
  const diagnostics: Diagnostic[] = [];
  const wanted = options.hosts ? new Set(options.hosts) : undefined;
  const hosts: MtuHostState[] = [];
  for (const mh of source.manifest.hosts) {
    if (wanted && !wanted.has(mh.name)) continue;
    hosts.push(await loadHost(source, mh.name, mh.commands, diagnostics));
  }
  const central = options.central === false ? undefined : await loadCentral(source, diagnostics);
  return { hosts, ...(central ? { central } : {}), diagnostics };
}

async function loadCentral(source: SnapshotSource, diagnostics: Diagnostic[]): Promise<MtuCentral | undefined> {
  const central = source.manifest.central;
  if (!central) return undefined;
  const where = `central (via ${central.via})`;
  const files = new Map<string, string>();
  const read = async <T>(id: string, parse: (text: string, file: string) => Parsed<T[]>): Promise<T[]> => {
    const out = await source.centralOutput(id, diagnostics);
    if (!out) return [];
    files.set(id, out.file);
    const p = parse(out.text, out.file);
    diagnostics.push(...locate(p.diagnostics, { file: out.file, host: where }));
    return p.value;
  };
  const rows = <T>(convert: RowConverter<T>) => (text: string, file: string) => parseOvsdbRows(text, convert, file);
  return {
    switches: await read('ovn-nbctl.list.Logical_Switch', rows(toNbLogicalSwitches)),
    switchPorts: await read('ovn-nbctl.list.Logical_Switch_Port', rows(toNbLogicalSwitchPorts)),
    routers: await read('ovn-nbctl.list.Logical_Router', rows(toNbLogicalRouters)),
    routerPorts: await read('ovn-nbctl.list.Logical_Router_Port', rows(toNbLogicalRouterPorts)),
    dhcpOptions: await read('ovn-nbctl.list.DHCP_Options', parseDhcpOptions),
    portBindings: await read('ovn-sbctl.list.Port_Binding', rows(toSbPortBindings)),
    datapaths: await read('ovn-sbctl.list.Datapath_Binding', rows(toSbDatapathBindings)),
    chassis: await read('ovn-sbctl.list.Chassis', rows(toSbChassis)),
    encaps: await read('ovn-sbctl.list.Encap', rows(toSbEncaps)),
    files,
  };
}

async function loadHost(source: SnapshotSource, host: string, manifestCommands: readonly ManifestCommand[], diagnostics: Diagnostic[]): Promise<MtuHostState> {
  const files = new Map<string, MtuSourceFile>();
  const commands = new Map(manifestCommands.map((c) => [c.id, c] as const));
  const unreadable = new Map<string, string>();
  const read = async <T>(id: string, parse: (text: string, file: string) => Parsed<T>): Promise<T | undefined> => {
    const before = diagnostics.length;
    const out = await source.hostOutput(host, id, diagnostics);
    const damage = diagnostics.slice(before).find((d) => d.damage !== undefined);
    if (damage?.file) unreadable.set(id, `${damage.file}: ${damage.message}`);
    if (!out || out.command.status !== 'ok') return undefined;
    files.set(id, { file: out.file, lines: out.text.split('\n') });
    const parsed = parse(out.text, out.file);
    diagnostics.push(...locate(parsed.diagnostics, { file: out.file, host }));
    const bad = parsed.diagnostics.find((d) => d.severity === 'error' || /^empty output\b/.test(d.message));
    if (bad && !unreadable.has(id)) unreadable.set(id, `${out.file}${bad.line !== undefined ? `:${bad.line}` : ''}: ${bad.message}`);
    return parsed.value;
  };
  const openVswitch = (await read(SHARED_IDS.openVswitch, (t, f) => parseOvsdbRows(t, toOpenVswitch, f)))?.[0];
  const interfaces = (await read(SHARED_IDS.interface, (t, f) => parseOvsdbRows(t, toOvsInterfaces, f))) ?? [];
  const bridges = (await read(SHARED_IDS.bridge, (t, f) => parseOvsdbRows(t, toOvsBridges, f))) ?? [];
  const ports = (await read(SHARED_IDS.port, (t, f) => parseOvsdbRows(t, toOvsPorts, f))) ?? [];
  const bridgeMap = bridges.length ? buildBridgeMap(bridges, ports, interfaces).value : undefined;
  const links = await read(KERNEL_IDS.link, parseIpLinks);
  const addrs = await read(KERNEL_IDS.addr, parseIpAddrs);
  const routes = await read(KERNEL_IDS.route, parseIpRoutes);
  const routes6 = await read(MTU_IDS.route6, parseIpRoutes);
  const nexthops = await read(KERNEL_IDS.nexthop, parseIpNexthops);
  const dpFeatures = await read(MTU_IDS.dpFeatures, parseDpFeatures);
  const kernelRelease = await read(OFFLOAD_IDS.kernelRelease, (t) => ({ value: t.trim() || undefined, diagnostics: [] }));
  const routeGets = new Map<string, readonly IpRoute[]>();
  for (const c of manifestCommands) {
    if (!c.id.startsWith('ip.route-get.')) continue;
    const rows = await read(c.id, parseIpRoutes);
    if (rows?.length) routeGets.set(rows[0]!.dst, rows);
  }
  const chain = egressChain({ links, routes, nexthops, interfaces, bridgeMap });
  const ovnBridge = openVswitch?.ovnBridge ?? 'br-int';
  const dpif = await read('ovs-appctl.dpif-show', parseDpifShow);
  const datapath = ovnBridgeDatapath(ovnBridge, bridges.find((b) => b.name === ovnBridge)?.datapathType, dpif);
  return {
    host,
    chassis: openVswitch?.systemId,
    openVswitch,
    encapIps: openVswitch?.ovnEncapIps ?? [],
    bridgeMappings: openVswitch?.ovnBridgeMappings ?? {},
    interfaces,
    bridgeMap,
    links,
    addrs,
    routes,
    routes6,
    nexthops,
    routeGets,
    chain,
    dpFeatures,
    kernelRelease,
    ...(datapath ? { datapath } : {}),
    files,
    commands,
    unreadable,
  };
}
