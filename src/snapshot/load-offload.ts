/**
 * The GENEVE offload audit's view of a snapshot: per host, the tunnel egress chain (which devices
 * GENEVE packets leave through) and, per device of that chain, what ethtool, /proc/net/bonding and
 * tc said; host-wide the OVS offload settings, devlink e-switch modes, offloaded flow counts and
 * the GENEVE TLV map. Parser problems become diagnostics with host, file and line.
 *
 * The chain computation (`egressChain`) lives here, not in the checks, because collection needs
 * it too: the recipe's expand step runs `ethtool` on exactly the devices this function returns
 * for the phase-1 outputs, and the loader recomputes it from the same outputs.
 */
import { locate, type Diagnostic, type Parsed } from '../model/diagnostic.js';
import type { ManifestCommand } from '../model/manifest.js';
import type { NbLogicalRouter, NbLogicalRouterPort } from '../model/ovn.js';
import type { OpenVswitch, OvsBridge, OvsBridgeMap, OvsInterface, OvsPort, TlvMap } from '../model/ovs.js';
import {
  countOffloadedFlows,
  parseBonding,
  parseDevlinkEswitch,
  parseEthtoolDriverInfo,
  parseEthtoolFeatures,
  parseEthtoolFeaturesJson,
  parseEthtoolTunnels,
  parseEthtoolVersion,
  parseOvsMaps,
  parseTcFilters,
  NOT_REPORTED_RE,
  type BondingStatus,
  type DriverInfo,
  type EswitchDevice,
  type EthtoolFeatures,
  type EthtoolVersion,
  type OffloadedFlowCounts,
  type OvsMapValue,
  type TcFilterCounts,
  type TunnelInfo,
} from '../parse/ethtool.js';
import { lookupIpv4, parseIpLinks, parseIpNexthops, parseIpRoutes, resolveNexthop, routeLegs, type IpLink, type IpNexthop, type IpRoute } from '../parse/iproute.js';
import { buildBridgeMap, parseOvsdbRows, toNbLogicalRouterPorts, toNbLogicalRouters, toOpenVswitch, toOvsBridges, toOvsInterfaces, toOvsPorts, type RowConverter } from '../parse/ovsdb-json.js';
import { parseTlvMap } from '../parse/tlv-map.js';
import { KERNEL_IDS } from './load-bgp.js';
import type { SnapshotSource } from './reader.js';

// ---------------------------------------------------------------------------------------------
// Command ids (files `hosts/<host>/<id>.out`)

/** Outputs the offload recipe module collects. Per-device ids end with the device name. */
export const OFFLOAD_IDS = {
  ethtoolVersion: 'ethtool.version',
  kernelRelease: 'uname.r',
  otherConfig: 'ovs-vsctl.other-config',
  devlink: 'devlink.eswitch',
  offloadedFlows: 'ovs-appctl.offloaded-flows',
  features: (dev: string) => `ethtool.k.${dev}`,
  featuresJson: (dev: string) => `ethtool.json-k.${dev}`,
  driverInfo: (dev: string) => `ethtool.i.${dev}`,
  tunnels: (dev: string) => `ethtool.tunnels.${dev}`,
  bonding: (bond: string) => `bonding.${bond}`,
  tcIngress: (dev: string) => `tc.filter-ingress.${dev}`,
} as const;

/** Outputs other recipe modules collect that the audit reads (never collected twice). */
export const SHARED_IDS = {
  link: KERNEL_IDS.link,
  route: KERNEL_IDS.route,
  nexthop: KERNEL_IDS.nexthop,
  openVswitch: 'ovs-vsctl.list.Open_vSwitch',
  bridge: 'ovs-vsctl.list.Bridge',
  port: 'ovs-vsctl.list.Port',
  interface: 'ovs-vsctl.list.Interface',
  tlvMap: 'ovs-ofctl.dump-tlv-map.br-int',
} as const;

/** Past this many devices on one host's chain the rest is noted, not audited. */
export const MAX_CHAIN_DEVICES = 64;
const MAX_DEPTH = 8;

// ---------------------------------------------------------------------------------------------
// The tunnel egress chain

export type ChainRole = 'vlan' | 'macvlan' | 'bond' | 'team' | 'bridge' | 'ovs-bridge' | 'veth' | 'nic' | 'dpdk' | 'tunnel' | 'other' | 'unknown';
export type ChainRelation = 'root' | 'vlan-parent' | 'lower' | 'bond-slave' | 'team-port' | 'bridge-port' | 'ovs-port';

export interface ChainDevice {
  readonly name: string;
  readonly depth: number;
  /** The upper device it was reached from (absent for a root). */
  readonly upper?: string;
  readonly relation: ChainRelation;
  readonly role: ChainRole;
  /** `linkinfo.info_kind` (absent for plain NICs). */
  readonly kind?: string;
  /** Devices right below it (VLAN parent, bond slaves, bridge ports). */
  readonly lowers: readonly string[];
}

export interface ChainRoot {
  readonly device: string;
  /** ovs-status: OVS `status:tunnel_egress_iface`; route: the kernel route to the remote TEP; default-route: no geneve port at all. */
  readonly source: 'ovs-status' | 'route' | 'default-route';
  /** The geneve port (ovs-status, route) or nothing (default-route). */
  readonly port?: string;
  readonly remoteIp?: string;
  /** The route row used (source route/default-route). */
  readonly route?: IpRoute;
}

export interface EgressChain {
  readonly roots: readonly ChainRoot[];
  /** Top-down, each root followed by what is below it (depth-first). */
  readonly devices: readonly ChainDevice[];
  /** Devices seen but left out, and why (VM taps on a bridge, container veths, the limit). */
  readonly excluded: readonly { readonly name: string; readonly why: string }[];
  readonly notes: readonly string[];
}

export interface ChainInput {
  readonly links?: readonly IpLink[];
  readonly routes?: readonly IpRoute[];
  readonly nexthops?: readonly IpNexthop[];
  readonly interfaces: readonly OvsInterface[];
  /** Why the OVS Interface listing cannot be read (`FILE: why`), when it was collected but is damaged or unreadable. */
  readonly interfacesUnreadable?: string;
  readonly bridgeMap?: OvsBridgeMap;
}

const roleOfKind = (kind: string | undefined): ChainRole => {
  switch (kind) {
    case undefined:
      return 'nic';
    case 'vlan':
      return 'vlan';
    case 'macvlan':
    case 'macvtap':
    case 'ipvlan':
    case 'ipvtap':
      return 'macvlan';
    case 'bond':
      return 'bond';
    case 'team':
      return 'team';
    case 'bridge':
      return 'bridge';
    case 'openvswitch':
      return 'ovs-bridge';
    case 'veth':
      return 'veth';
    case 'geneve':
    case 'vxlan':
    case 'gretap':
    case 'ip6gretap':
      return 'tunnel';
    default:
      return 'other';
  }
};

/** Legs (devices) of the kernel route to an IPv4 address in the main table; next-hop objects resolved. */
function routeDevices(nexthops: readonly IpNexthop[] | undefined, route: IpRoute): string[] {
  const legs = routeLegs(route).flatMap((l) => (l.dev ? [l.dev] : []));
  if (!legs.length && route.nhid !== undefined && nexthops) return resolveNexthop(nexthops, route.nhid).flatMap((n) => (n.dev ? [n.dev] : []));
  return legs;
}

/**
 * Which devices GENEVE traffic leaves through, from the tunnel egress interface down to the NICs:
 * roots from OVS `status:tunnel_egress_iface` of every geneve port (or, without it, the kernel
 * route to the port's `options:remote_ip`; without any geneve port, the default route), then VLAN
 * parents, macvlan lowers, bond/team slaves, Linux bridge ports and the physical ports of an OVS
 * bridge (`br-ex`). VM taps and container veths on a bridge are not uplinks and are left out.
 */
export function egressChain(input: ChainInput, limit = MAX_CHAIN_DEVICES): EgressChain {
  const notes: string[] = [];
  const excluded: { name: string; why: string }[] = [];
  const links = input.links ?? [];
  const byName = new Map(links.map((l) => [l.ifname, l] as const));
  const roots: ChainRoot[] = [];
  const addRoot = (r: ChainRoot) => {
    if (!roots.some((x) => x.device === r.device)) roots.push(r);
  };
  const geneve = input.interfaces.filter((i) => i.type === 'geneve');
  for (const i of geneve) {
    if (i.tunnelEgressIface) {
      addRoot({ device: i.tunnelEgressIface, source: 'ovs-status', port: i.name, remoteIp: i.remoteIp });
      continue;
    }
    if (!i.remoteIp || i.remoteIp === 'flow') {
      notes.push(`geneve port ${i.name}: no status:tunnel_egress_iface and no fixed remote_ip; its egress device is unknown`);
      continue;
    }
    if (!input.routes) {
      notes.push(`geneve port ${i.name}: no status:tunnel_egress_iface and no kernel routes collected; its egress device is unknown`);
      continue;
    }
    if (i.remoteIp.includes(':')) {
      notes.push(`geneve port ${i.name}: IPv6 remote ${i.remoteIp} without status:tunnel_egress_iface is not resolved (no IPv6 route lookup)`);
      continue;
    }
    const route = lookupIpv4(input.routes, i.remoteIp);
    const devs = route ? routeDevices(input.nexthops, route) : [];
    if (!devs.length) notes.push(`geneve port ${i.name}: no route with a device to ${i.remoteIp} in the main table`);
    for (const d of devs) addRoot({ device: d, source: 'route', port: i.name, remoteIp: i.remoteIp, route });
  }
  if (!geneve.length) {
    const def = input.routes?.find((r) => r.family === 'inet' && r.table === 'main' && r.prefix === '0.0.0.0/0' && r.type === 'unicast');
    const devs = def ? routeDevices(input.nexthops, def) : [];
    // An unreadable listing hides the geneve ports; it does not show there are none.
    const why = input.interfacesUnreadable ? `geneve ports unknown: the OVS Interface listing cannot be read (${input.interfacesUnreadable})` : 'no geneve port in OVS';
    if (devs.length) notes.push(`${why}: audited the devices of the default route instead`);
    else notes.push(`${why}, and no default route: no tunnel egress chain`);
    for (const d of devs) addRoot({ device: d, source: 'default-route', route: def });
  }

  const devices: ChainDevice[] = [];
  const seen = new Set<string>();
  const ovsBridgeOf = (name: string) => input.bridgeMap?.bridges.get(name);
  const walk = (name: string, depth: number, upper: string | undefined, relation: ChainRelation) => {
    if (seen.has(name)) return;
    if (devices.length >= limit) {
      excluded.push({ name, why: `more than ${limit} devices on the chain` });
      return;
    }
    seen.add(name);
    const link = byName.get(name);
    const ovsBridge = ovsBridgeOf(name);
    let role: ChainRole = link ? roleOfKind(link.kind) : 'unknown';
    if (ovsBridge && (role === 'ovs-bridge' || role === 'unknown' || role === 'other')) role = 'ovs-bridge';
    const lowers: { name: string; relation: ChainRelation }[] = [];
    if (depth < MAX_DEPTH && link) {
      if ((role === 'vlan' || role === 'macvlan') && link.link) {
        if (link.linkNetnsid !== undefined) excluded.push({ name: link.link, why: `lower device of ${name} is in another network namespace` });
        else lowers.push({ name: link.link, relation: role === 'vlan' ? 'vlan-parent' : 'lower' });
      } else if (role === 'bond' || role === 'team') {
        for (const s of links.filter((l) => l.master === name)) lowers.push({ name: s.ifname, relation: role === 'bond' ? 'bond-slave' : 'team-port' });
      } else if (role === 'bridge') {
        for (const s of links.filter((l) => l.master === name)) {
          if (s.kind === 'tun') excluded.push({ name: s.ifname, why: `tap device on bridge ${name} (a VM port, not an uplink)` });
          else if (s.kind === 'veth' && s.linkNetnsid !== undefined) excluded.push({ name: s.ifname, why: `veth on bridge ${name} whose peer is in another namespace (a container port, not an uplink)` });
          else lowers.push({ name: s.ifname, relation: 'bridge-port' });
        }
      }
    }
    if (depth < MAX_DEPTH && role === 'ovs-bridge' && ovsBridge) {
      for (const bp of ovsBridge.ports)
        for (const iface of bp.interfaces) {
          if (iface.name === name) continue;
          if (iface.type === '' || iface.type === 'system') lowers.push({ name: iface.name, relation: 'ovs-port' });
          else if (iface.type === 'dpdk') lowers.push({ name: iface.name, relation: 'ovs-port' });
        }
    }
    const device: ChainDevice = { name, depth, upper, relation, role, kind: link?.kind, lowers: lowers.map((l) => l.name) };
    devices.push(device);
    for (const l of lowers) {
      const iface = ovsBridge?.byName.get(l.name);
      if (iface?.type === 'dpdk') {
        if (!seen.has(l.name)) {
          seen.add(l.name);
          devices.push({ name: l.name, depth: depth + 1, upper: name, relation: 'ovs-port', role: 'dpdk', lowers: [] });
        }
        continue;
      }
      walk(l.name, depth + 1, name, l.relation);
    }
  };
  for (const r of roots) walk(r.device, 0, undefined, 'root');
  if (!input.links) notes.push('ip -j -d link was not collected: the chain stops at the egress device (no VLAN parents, bond slaves or bridge ports)');
  for (const d of devices) if (input.links && d.role === 'unknown') notes.push(`device ${d.name} is not in ip -j -d link (gone, or in another namespace)`);
  return { roots, devices, excluded, notes };
}

/** Devices at the bottom of the chain (they put frames on the wire). */
export function chainLeaves(chain: EgressChain): ChainDevice[] {
  return chain.devices.filter((d) => d.lowers.length === 0);
}

// ---------------------------------------------------------------------------------------------
// Loading

/** A collected output's lines, so findings can quote the line they rest on. */
export interface OffloadSourceFile {
  readonly file: string;
  readonly lines: readonly string[];
}

export interface TunnelView {
  /** Parsed tables (absent when the command did not run or failed for another reason). */
  readonly info?: TunnelInfo;
  /** The driver has no UDP tunnel port table ("device does not report tunnel offload info"). */
  readonly notReported: boolean;
  readonly status?: ManifestCommand['status'];
  readonly error?: string;
}

export interface DeviceViews {
  readonly name: string;
  /** The state the checks use: `--json -k` when it parsed, else the text. */
  readonly features?: EthtoolFeatures;
  readonly featuresText?: EthtoolFeatures;
  readonly featuresJson?: EthtoolFeatures;
  readonly driver?: DriverInfo;
  readonly tunnels?: TunnelView;
  readonly bonding?: BondingStatus;
  readonly tc?: TcFilterCounts;
}

export interface OffloadHostState {
  readonly host: string;
  /** The offload recipe module ran on this host (its phase-1 ids are in the manifest). */
  readonly collected: boolean;
  readonly kernelRelease?: string;
  readonly ethtoolVersion?: EthtoolVersion;
  readonly openVswitch?: OpenVswitch;
  /** `ovs-vsctl get Open_vSwitch . other_config`. */
  readonly otherConfig?: OvsMapValue;
  readonly interfaces: readonly OvsInterface[];
  readonly links?: readonly IpLink[];
  readonly chain: EgressChain;
  readonly devices: ReadonlyMap<string, DeviceViews>;
  readonly devlink?: { readonly devices?: readonly EswitchDevice[]; readonly error?: string };
  readonly offloadedFlows?: OffloadedFlowCounts;
  readonly tlvMap?: TlvMap;
  /** Outputs read, by command id. */
  readonly files: ReadonlyMap<string, OffloadSourceFile>;
  /** Manifest entries, by command id (status and error of what failed). */
  readonly commands: ReadonlyMap<string, ManifestCommand>;
  /**
   * Outputs that were collected but cannot be read, by command id: `FILE: why` (changed or
   * removed after collection, empty, cut short, not JSON). What they would say is unknown, not empty.
   */
  readonly unreadable: ReadonlyMap<string, string>;
}

export interface OffloadSnapshot {
  readonly hosts: readonly OffloadHostState[];
  /** NB gateway routers and their ports (H10), when the NB was collected. */
  readonly nb?: { readonly routers: readonly NbLogicalRouter[]; readonly routerPorts: readonly NbLogicalRouterPort[]; readonly file?: string };
  readonly diagnostics: readonly Diagnostic[];
}

/** Reads every host (or the given ones) of an opened snapshot. */
export async function loadOffload(source: SnapshotSource, options: { readonly hosts?: readonly string[] } = {}): Promise<OffloadSnapshot> {
  const diagnostics: Diagnostic[] = [];
  const wanted = options.hosts?.length ? new Set(options.hosts) : undefined;
  const hosts: OffloadHostState[] = [];
  for (const mh of source.manifest.hosts) {
    if (wanted && !wanted.has(mh.name)) continue;
    hosts.push(await loadHost(source, mh.name, mh.commands, diagnostics));
  }
  let nb: OffloadSnapshot['nb'];
  if (source.manifest.central) {
    const lr = await source.centralOutput('ovn-nbctl.list.Logical_Router', diagnostics);
    const lrp = await source.centralOutput('ovn-nbctl.list.Logical_Router_Port', diagnostics);
    if (lr && lrp) {
      const where = `central (via ${source.manifest.central.via})`;
      const rows = <T>(text: string, file: string, convert: RowConverter<T>) => {
        const p = parseOvsdbRows(text, convert, file);
        diagnostics.push(...locate(p.diagnostics, { file, host: where }));
        return p.value;
      };
      nb = { routers: rows(lr.text, lr.file, toNbLogicalRouters), routerPorts: rows(lrp.text, lrp.file, toNbLogicalRouterPorts), file: lrp.file };
    }
  }
  return { hosts, nb, diagnostics };
}

async function loadHost(source: SnapshotSource, host: string, manifestCommands: readonly ManifestCommand[], diagnostics: Diagnostic[]): Promise<OffloadHostState> {
  const files = new Map<string, OffloadSourceFile>();
  const commands = new Map(manifestCommands.map((c) => [c.id, c] as const));
  const unreadable = new Map<string, string>();
  /** Reads and parses one output; only commands that succeeded unless `anyStatus`. Damaged or unreadable ones are noted in `unreadable`, as load-mtu does. */
  const read = async <T>(id: string, parse: (text: string, file: string) => Parsed<T>, anyStatus = false): Promise<T | undefined> => {
    const before = diagnostics.length;
    const out = await source.hostOutput(host, id, diagnostics);
    const damage = diagnostics.slice(before).find((d) => d.damage !== undefined);
    if (damage?.file) unreadable.set(id, `${damage.file}: ${damage.message}`);
    if (!out) return undefined;
    if (out.command.status !== 'ok' && !anyStatus) return undefined;
    files.set(id, { file: out.file, lines: out.text.split('\n') });
    const parsed = parse(out.text, out.file);
    diagnostics.push(...locate(parsed.diagnostics, { file: out.file, host }));
    const bad = parsed.diagnostics.find((d) => d.severity === 'error' || /^empty output\b/.test(d.message));
    if (bad && !unreadable.has(id)) unreadable.set(id, `${out.file}${bad.line !== undefined ? `:${bad.line}` : ''}: ${bad.message}`);
    return parsed.value;
  };
  const stderrOf = async (id: string): Promise<string> => {
    const c = commands.get(id);
    const err = await source.hostStderr(host, id, diagnostics);
    return `${c?.error ?? ''}${err ? `\n${err.text}` : ''}`;
  };

  const openVswitch = (await read(SHARED_IDS.openVswitch, (t, f) => parseOvsdbRows(t, toOpenVswitch, f)))?.[0];
  const interfaces = (await read(SHARED_IDS.interface, (t, f) => parseOvsdbRows(t, toOvsInterfaces, f))) ?? [];
  const bridges: OvsBridge[] = (await read(SHARED_IDS.bridge, (t, f) => parseOvsdbRows(t, toOvsBridges, f))) ?? [];
  const ports: OvsPort[] = (await read(SHARED_IDS.port, (t, f) => parseOvsdbRows(t, toOvsPorts, f))) ?? [];
  const bridgeMap = bridges.length ? buildBridgeMap(bridges, ports, interfaces).value : undefined;
  const links = await read(SHARED_IDS.link, parseIpLinks);
  const routes = await read(SHARED_IDS.route, parseIpRoutes);
  const nexthops = await read(SHARED_IDS.nexthop, parseIpNexthops);
  const tlvMap = await read(SHARED_IDS.tlvMap, parseTlvMap);

  const ethtoolVersion = await read(OFFLOAD_IDS.ethtoolVersion, parseEthtoolVersion);
  const kernelRelease = await read(OFFLOAD_IDS.kernelRelease, (t) => ({ value: t.trim() || undefined, diagnostics: [] }));
  const otherConfig = (await read(OFFLOAD_IDS.otherConfig, parseOvsMaps))?.[0];
  let devlink: OffloadHostState['devlink'];
  if (commands.has(OFFLOAD_IDS.devlink)) {
    const c = commands.get(OFFLOAD_IDS.devlink)!;
    if (c.status === 'ok') devlink = { devices: await read(OFFLOAD_IDS.devlink, parseDevlinkEswitch) };
    else devlink = { error: (await stderrOf(OFFLOAD_IDS.devlink)).trim() || c.status };
  }
  const offloadedFlows = await read(OFFLOAD_IDS.offloadedFlows, countOffloadedFlows);

  const chain = egressChain({ links, routes, nexthops, interfaces, interfacesUnreadable: unreadable.get(SHARED_IDS.interface), bridgeMap });
  const devices = new Map<string, DeviceViews>();
  for (const d of chain.devices) {
    const featuresText = await read(OFFLOAD_IDS.features(d.name), parseEthtoolFeatures);
    const featuresJson = await read(OFFLOAD_IDS.featuresJson(d.name), parseEthtoolFeaturesJson);
    const driver = await read(OFFLOAD_IDS.driverInfo(d.name), parseEthtoolDriverInfo);
    let tunnels: TunnelView | undefined;
    const tid = OFFLOAD_IDS.tunnels(d.name);
    const tc = commands.get(tid);
    if (tc) {
      const stderr = tc.status === 'ok' ? '' : await stderrOf(tid);
      const notReported = NOT_REPORTED_RE.test(stderr);
      const info = tc.status === 'ok' ? await read(tid, (t, f) => parseEthtoolTunnels(t, f)) : undefined;
      tunnels = { info, notReported, status: tc.status, error: tc.status === 'ok' ? undefined : stderr.trim() || tc.status };
    }
    const bonding = d.role === 'bond' ? await read(OFFLOAD_IDS.bonding(d.name), parseBonding) : undefined;
    const tcCounts = await read(OFFLOAD_IDS.tcIngress(d.name), parseTcFilters);
    devices.set(d.name, { name: d.name, features: featuresJson ?? featuresText, featuresText, featuresJson, driver, tunnels, bonding, tc: tcCounts });
  }
  return {
    host,
    collected: commands.has(OFFLOAD_IDS.ethtoolVersion) || commands.has(OFFLOAD_IDS.otherConfig),
    kernelRelease,
    ethtoolVersion,
    openVswitch,
    otherConfig,
    interfaces,
    links,
    chain,
    devices,
    devlink,
    offloadedFlows,
    tlvMap,
    files,
    commands,
    unreadable,
  };
}
