import { locate, type Diagnostic, type Parsed } from '../model/diagnostic.js';
import { ok, type Result } from '../model/result.js';
import type { FlowEntry } from '../model/flow.js';
import type { OpenVswitch, OvsBridgeMap, OvsInterface } from '../model/ovs.js';
import { splitOvnChassisId } from '../model/ovs.js';
import type { BridgePort, BridgeState, ClassifierCache, HostState, NorthboundState, PortRole, Snapshot, SouthboundState } from '../model/snapshot.js';
import { parseDpifShow } from '../parse/dpif-show.js';
import { parseOfctlFlows } from '../parse/ofctl-flows.js';
import { parseOfctlGroups } from '../parse/ofctl-groups.js';
import { parseOfctlShow } from '../parse/ofctl-show.js';
import {
  buildBridgeMap,
  parseOvsdbRows,
  toNbAcls,
  toNbAddressSets,
  toNbGatewayChassis,
  toNbLoadBalancers,
  toNbLoadBalancerGroups,
  toNbLogicalRouterPorts,
  toNbLogicalRouters,
  toNbLogicalSwitches,
  toNbLogicalSwitchPorts,
  toNbNats,
  toNbPortGroups,
  toNbRouterPolicies,
  toNbStaticRoutes,
  toOpenVswitch,
  toOvsBridges,
  toOvsInterfaces,
  toOvsPorts,
  toSbChassis,
  toSbChassisPrivate,
  toSbGlobal,
  toSbHaChassis,
  toSbHaChassisGroups,
  toSbDatapathBindings,
  toSbEncaps,
  toSbLoadBalancers,
  toSbLogicalDpGroups,
  toSbLogicalFlows,
  toSbMacBindings,
  toSbMulticastGroups,
  toSbPortBindings,
  type RowConverter,
} from '../parse/ovsdb-json.js';
import { parseToolVersion } from '../parse/ovs-version.js';
import { parseTlvMap } from '../parse/tlv-map.js';
import { cachedFlowDump, classifierCache, type CacheOptions, type FlowSource } from './cache.js';
import { loadOvnController } from './load-controller.js';
import { knownHosts, openSnapshot, type OutputText, type SnapshotSource } from './reader.js';

const TUNNEL_TYPES = new Set(['geneve', 'vxlan', 'stt', 'gre', 'erspan', 'ip6gre', 'ip6erspan', 'gtpu', 'bareudp', 'lisp']);

export interface LoadOptions {
  /** Only these hosts (all when absent). */
  readonly hosts?: readonly string[];
  /** Skip the NB/SB (faster when only flows are needed). */
  readonly withoutCentral?: boolean;
  /** The parsed-flows and classifier caches in `<snapshot>/.cache/` (see cache.ts); on by default. */
  readonly cache?: CacheOptions;
  /**
   * Attach each bridge's cached classifier index (and the hook that writes a fresh one): for
   * callers that will trace. Others skip reading it (~26 MB on a 455k-flow bridge).
   */
  readonly classifier?: boolean;
  /**
   * Only these hosts get their OpenFlow tables (flows, groups, classifier); the others are read
   * without them (no flows, no groups): for a trace that reads the tables of the hosts its
   * packets reach, when they reach them. All hosts get them when absent.
   */
  readonly tablesOf?: readonly string[];
}

/** Opens and parses a snapshot directory. Parser problems become diagnostics; only an unreadable snapshot is an error. */
export async function loadSnapshot(dir: string, options: LoadOptions = {}): Promise<Result<Snapshot>> {
  const opened = await openSnapshot(dir);
  if (!opened.ok) return opened;
  return loadOpenedSnapshot(opened.value, dir, options);
}

/** `loadSnapshot` of an opened snapshot (`dir`: the path it was opened as), for callers that read other views of it too. */
export async function loadOpenedSnapshot(source: SnapshotSource, dir: string, options: LoadOptions = {}): Promise<Result<Snapshot>> {
  const diagnostics: Diagnostic[] = [];
  const wanted = options.hosts ? new Set(options.hosts) : undefined;
  const hostsKnown = knownHosts(source.manifest, options.hosts);
  if (!hostsKnown.ok) return hostsKnown;
  const tables = options.tablesOf ? new Set(options.tablesOf) : undefined;
  const hosts = await Promise.all(source.manifest.hosts.filter((h) => !wanted || wanted.has(h.name)).map((h) => loadHost(source, h.name, h.bridges, diagnostics, options.cache, options.classifier === true, !tables || tables.has(h.name))));
  const central = options.withoutCentral ? undefined : await loadCentral(source, diagnostics);
  return ok({ dir, manifest: source.manifest, hosts, sb: central?.sb, nb: central?.nb, diagnostics });
}

/**
 * Every host of the snapshot as its identity only — the Open_vSwitch row (chassis name, hostname,
 * encap IPs), no bridges and no flows: enough to tell which host a tunnel leads to without reading
 * its tables. Problems in those rows are reported when the host is loaded in full.
 */
export async function loadHostIdentities(source: SnapshotSource): Promise<HostState[]> {
  return Promise.all(
    source.manifest.hosts.map(async (h): Promise<HostState> => {
      const ovs = succeeded(source, h.name, 'ovs-vsctl.list.Open_vSwitch') ? rows(await source.hostOutput(h.name, 'ovs-vsctl.list.Open_vSwitch', []), h.name, toOpenVswitch, [])[0] : undefined;
      return { name: h.name, ovsBridges: [], ovsPorts: [], interfaces: [], bridges: [], ...hostIdentity(ovs) };
    }),
  );
}

/** What names a host to OVN: its Open_vSwitch row, the chassis (system-id) and the first encap IP. */
function hostIdentity(openVswitch: OpenVswitch | undefined): Pick<HostState, 'openVswitch' | 'chassis' | 'encapIp'> {
  return { openVswitch, chassis: openVswitch?.systemId, encapIp: openVswitch?.ovnEncapIps[0] };
}

/** Read, and the bytes are those collected. */
function intact(out: OutputText | undefined): boolean {
  return out !== undefined && out.damaged === undefined;
}

function take<T>(out: OutputText | undefined, host: string | undefined, parse: (text: string, file: string) => Parsed<T>, diagnostics: Diagnostic[]): T | undefined {
  if (!out) return undefined;
  const parsed = parse(out.text, out.file);
  diagnostics.push(...locate(parsed.diagnostics, { file: out.file, host }));
  return parsed.value;
}

function rows<T>(out: OutputText | undefined, host: string | undefined, convert: RowConverter<T>, diagnostics: Diagnostic[]): T[] {
  return take(out, host, (text, file) => parseOvsdbRows(text, convert, file), diagnostics) ?? [];
}

/**
 * A host's output as data: only of a command that succeeded. A command that failed may have kept
 * what it printed before failing (`.out`), which is not the listing it was asked for; like the
 * other loaders, it reads as not collected — the manifest says why (status, error), and that is
 * what the checks (`doctor` D-series n/a reasons, C2/C3) and `snapshot show` report.
 */
function succeeded(source: SnapshotSource, host: string, id: string): boolean {
  return source.manifest.hosts.find((h) => h.name === host)?.commands.some((c) => c.id === id && c.status === 'ok') ?? false;
}

async function loadHost(source: SnapshotSource, name: string, bridgeNames: readonly string[], diagnostics: Diagnostic[], cache: CacheOptions | undefined, withClassifier: boolean, withTables = true): Promise<HostState> {
  const out = async (id: string) => (succeeded(source, name, id) ? source.hostOutput(name, id, diagnostics) : undefined);
  const version = take(await out('ovs-vsctl.version'), name, parseToolVersion, diagnostics);
  const openVswitch = rows(await out('ovs-vsctl.list.Open_vSwitch'), name, toOpenVswitch, diagnostics)[0];
  const ovsBridges = rows(await out('ovs-vsctl.list.Bridge'), name, toOvsBridges, diagnostics);
  const portsOut = await out('ovs-vsctl.list.Port');
  const ovsPorts = rows(portsOut, name, toOvsPorts, diagnostics);
  const interfacesOut = await out('ovs-vsctl.list.Interface');
  const interfaces = rows(interfacesOut, name, toOvsInterfaces, diagnostics);
  // A reference into a Port or Interface listing that is missing, failed or damaged dangles
  // because of that input, which is already reported: no warning per row on top of it.
  const bridgeMapParsed = buildBridgeMap(ovsBridges, ovsPorts, interfaces, undefined, { portsIncomplete: !intact(portsOut), interfacesIncomplete: !intact(interfacesOut) });
  diagnostics.push(...locate(bridgeMapParsed.diagnostics, { host: name, file: `hosts/${name}/ovs-vsctl.list.Bridge.out` }));
  const dpif = take(await out('ovs-appctl.dpif-show'), name, parseDpifShow, diagnostics);
  const tlvMap = take(await out('ovs-ofctl.dump-tlv-map.br-int'), name, parseTlvMap, diagnostics);
  const bridges: BridgeState[] = [];
  for (const bridge of bridgeNames) {
    const show = take(await out(`ovs-ofctl.show.${bridge}`), name, parseOfctlShow, diagnostics);
    const { flows, flowsFile, flowSource } = withTables ? await loadFlows(source, name, bridge, diagnostics, cache) : { flows: [] };
    const groups = withTables ? (take(await out(`ovs-ofctl.dump-groups.${bridge}`), name, (t) => parseOfctlGroups(t), diagnostics)?.groups ?? []) : [];
    const ports = bridgePorts(bridge, bridgeMapParsed.value, show?.ports ?? [], dpif);
    const state: BridgeState = { name: bridge, flows, groups, ports, flowsFile, show };
    // The classifier index is cached where the flows are (the same option, the same size threshold).
    const classifier: ClassifierCache | undefined = withClassifier && flowSource ? await classifierCache(source.dir, name, bridge, flowSource, flows, ports, cache) : undefined;
    bridges.push(classifier ? { ...state, classifierCache: classifier } : state);
  }
  const ovnController = await loadOvnController(source, name, diagnostics);
  return {
    name,
    version,
    openVswitch,
    ovsBridges,
    ovsPorts,
    interfaces,
    bridges,
    dpif,
    tlvMap,
    ...hostIdentity(openVswitch),
    ovnController,
  };
}

// ---------------------------------------------------------------------------------------------
// Cache hook: the big `dump-flows` outputs come from <snapshot>/.cache/ when it holds a valid
// parse of the same bytes (cache.ts says what "valid" means); otherwise they are parsed and the
// cache is (best-effort) written. Same result either way, diagnostics included. The classifier
// index of those flows is read here too (async), and attached to the BridgeState for the
// simulator, which writes it back through the attached `save` when it had to build it.

async function loadFlows(
  source: SnapshotSource,
  host: string,
  bridge: string,
  diagnostics: Diagnostic[],
  cache: CacheOptions | undefined,
): Promise<{ flows: readonly FlowEntry[]; flowsFile?: string; flowSource?: FlowSource }> {
  const id = `ovs-ofctl.dump-flows.${bridge}`;
  const command = source.manifest.hosts.find((h) => h.name === host)?.commands.find((c) => c.id === id);
  if (command?.status !== 'ok') return { flows: [] };
  let file: string | undefined;
  const loaded = await cachedFlowDump(
    source.dir,
    host,
    bridge,
    command,
    async () => {
      const out = await source.hostOutput(host, id, diagnostics);
      file = out?.file;
      return out;
    },
    parseOfctlFlows,
    cache,
  );
  if (!loaded) return { flows: [] };
  file ??= command?.file;
  diagnostics.push(...locate(loaded.parsed.diagnostics, { file, host }));
  return { flows: loaded.parsed.value.flows, flowsFile: file, ...(loaded.source ? { flowSource: loaded.source } : {}) };
}

// ---------------------------------------------------------------------------------------------

/** Joins the DB (full names, types, options) with `ovs-ofctl show` (ofports) and dpif/show (datapath ports). */
function bridgePorts(bridge: string, map: OvsBridgeMap, shown: readonly { ofport: number; name: string }[], dpif: ReturnType<typeof parseDpifShow>['value'] | undefined): BridgePort[] {
  const fromDb = map.bridges.get(bridge);
  const dpPorts = new Map<string, number | undefined>();
  for (const dp of dpif?.datapaths ?? []) for (const b of dp.bridges) if (b.name === bridge) for (const p of b.ports) dpPorts.set(p.name, p.dpPort);
  const result = new Map<number, BridgePort>();
  for (const [ofport, iface] of fromDb?.byOfport ?? []) {
    const port = fromDb!.portOfInterface.get(iface.uuid);
    result.set(ofport, { ofport, name: iface.name, role: roleOf(iface, ofport, port?.ovnChassisId), ifaceId: iface.ifaceId, dpPort: dpPorts.get(iface.name), iface });
  }
  // Ports only `ovs-ofctl show` knows (DB listing failed): names may be cut to 15 bytes.
  for (const p of shown) {
    if (result.has(p.ofport)) continue;
    result.set(p.ofport, { ofport: p.ofport, name: p.name, role: p.ofport === 65534 ? { kind: 'local' } : { kind: 'physical' }, dpPort: dpPorts.get(p.name) });
  }
  return [...result.values()].sort((a, b) => a.ofport - b.ofport);
}

function roleOf(iface: OvsInterface, ofport: number, portChassisId: string | undefined): PortRole {
  if (TUNNEL_TYPES.has(iface.type)) {
    const chassisId = iface.ovnChassisId ?? portChassisId;
    return { kind: 'tunnel', tunnelType: iface.type, remoteIp: iface.remoteIp, localIp: iface.localIp, remoteChassis: chassisId ? splitOvnChassisId(chassisId).chassis : undefined };
  }
  if (iface.type === 'patch') return { kind: 'patch', peer: iface.peer };
  if (iface.type === 'internal' || ofport === 65534 || iface.ifaceId) return { kind: 'local' };
  return { kind: 'physical' };
}

/** A central listing that was collected and succeeded. */
function centralOk(central: NonNullable<SnapshotSource['manifest']['central']>, id: string): boolean {
  return central.commands.some((c) => c.id === id && c.status === 'ok');
}

async function loadCentral(source: SnapshotSource, diagnostics: Diagnostic[]): Promise<{ sb?: SouthboundState; nb?: NorthboundState } | undefined> {
  const central = source.manifest.central;
  if (!central) return undefined;
  const sbOut = (t: string) => source.centralOutput(`ovn-sbctl.list.${t}`, diagnostics);
  const nbOut = (t: string) => source.centralOutput(`ovn-nbctl.list.${t}`, diagnostics);
  const host = `central (via ${central.via})`;
  const sb: SouthboundState = {
    chassis: rows(await sbOut('Chassis'), host, toSbChassis, diagnostics),
    encaps: rows(await sbOut('Encap'), host, toSbEncaps, diagnostics),
    portBindings: rows(await sbOut('Port_Binding'), host, toSbPortBindings, diagnostics),
    datapaths: rows(await sbOut('Datapath_Binding'), host, toSbDatapathBindings, diagnostics),
    logicalFlows: rows(await sbOut('Logical_Flow'), host, toSbLogicalFlows, diagnostics),
    dpGroups: rows(await sbOut('Logical_DP_Group'), host, toSbLogicalDpGroups, diagnostics),
    multicastGroups: rows(await sbOut('Multicast_Group'), host, toSbMulticastGroups, diagnostics),
    macBindings: rows(await sbOut('MAC_Binding'), host, toSbMacBindings, diagnostics),
    loadBalancers: rows(await sbOut('Load_Balancer'), host, toSbLoadBalancers, diagnostics),
    // Optional listings: absent (not empty) when not collected, so a check can tell the two apart.
    ...(centralOk(central, 'ovn-sbctl.list.Chassis_Private') ? { chassisPrivate: rows(await sbOut('Chassis_Private'), host, toSbChassisPrivate, diagnostics) } : {}),
    ...(centralOk(central, 'ovn-sbctl.list.SB_Global') ? { global: rows(await sbOut('SB_Global'), host, toSbGlobal, diagnostics)[0] } : {}),
    ...(centralOk(central, 'ovn-sbctl.list.HA_Chassis_Group') ? { haChassisGroups: rows(await sbOut('HA_Chassis_Group'), host, toSbHaChassisGroups, diagnostics) } : {}),
    ...(centralOk(central, 'ovn-sbctl.list.HA_Chassis') ? { haChassis: rows(await sbOut('HA_Chassis'), host, toSbHaChassis, diagnostics) } : {}),
  };
  const nb: NorthboundState = {
    switches: rows(await nbOut('Logical_Switch'), host, toNbLogicalSwitches, diagnostics),
    switchPorts: rows(await nbOut('Logical_Switch_Port'), host, toNbLogicalSwitchPorts, diagnostics),
    routers: rows(await nbOut('Logical_Router'), host, toNbLogicalRouters, diagnostics),
    routerPorts: rows(await nbOut('Logical_Router_Port'), host, toNbLogicalRouterPorts, diagnostics),
    acls: rows(await nbOut('ACL'), host, toNbAcls, diagnostics),
    portGroups: rows(await nbOut('Port_Group'), host, toNbPortGroups, diagnostics),
    addressSets: rows(await nbOut('Address_Set'), host, toNbAddressSets, diagnostics),
    loadBalancers: rows(await nbOut('Load_Balancer'), host, toNbLoadBalancers, diagnostics),
    // Optional (older NBs have no such table, older snapshots no such listing): absent, not empty.
    ...(centralOk(central, 'ovn-nbctl.list.Load_Balancer_Group') ? { loadBalancerGroups: rows(await nbOut('Load_Balancer_Group'), host, toNbLoadBalancerGroups, diagnostics) } : {}),
    nats: rows(await nbOut('NAT'), host, toNbNats, diagnostics),
    staticRoutes: rows(await nbOut('Logical_Router_Static_Route'), host, toNbStaticRoutes, diagnostics),
    ...(centralOk(central, 'ovn-nbctl.list.Logical_Router_Policy') ? { routerPolicies: rows(await nbOut('Logical_Router_Policy'), host, toNbRouterPolicies, diagnostics) } : {}),
    ...(centralOk(central, 'ovn-nbctl.list.Gateway_Chassis') ? { gatewayChassis: rows(await nbOut('Gateway_Chassis'), host, toNbGatewayChassis, diagnostics) } : {}),
  };
  return { sb, nb };
}
