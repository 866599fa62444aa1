/**
 * Reads the underlay views of a snapshot (FRR and `ip -j`, collected by the `frr` and `kernel`
 * recipe modules) into typed state per host. Parser problems become diagnostics with host, file
 * and line; a host whose FRR commands did not answer gets `frr.available: false` and the reason.
 */
import { locate, type Diagnostic, type Parsed } from '../model/diagnostic.js';
import type { ManifestCommand } from '../model/manifest.js';
import {
  parseBfdCounters,
  parseBfdPeers,
  parseBgpNeighbors,
  parseBgpPrefix,
  parseBgpRib,
  parseBgpSummary,
  parseFrrVersion,
  parseRunningConfig,
  parseZebraRoutes,
  type BfdCounters,
  type BfdPeer,
  type BgpNeighbor,
  type BgpPrefixDetail,
  type BgpRib,
  type BgpSummary,
  type FrrRunningConfig,
  type FrrVersion,
  type ZebraRoute,
} from '../parse/frr.js';
import { parseIpAddrs, parseIpLinks, parseIpNexthops, parseIpRoutes, type IpAddrLink, type IpLink, type IpNexthop, type IpRoute } from '../parse/iproute.js';
import type { HostState } from '../model/snapshot.js';
import type { SbEncap } from '../model/ovn.js';
import { parseOvsdbRows, toOpenVswitch, toOvsInterfaces, toSbEncaps, type RowConverter } from '../parse/ovsdb-json.js';
import type { OutputText, SnapshotSource } from './reader.js';

// Snapshot layout of the underlay views (`hosts/<host>/<id>.out`); the recipe modules in
// src/collect/recipe-bgp.ts run the commands under these ids.

/** Command ids of the kernel views (files `hosts/<host>/<id>.out`). */
export const KERNEL_IDS = {
  addr: 'ip.addr',
  route: 'ip.route',
  nexthop: 'ip.nexthop',
  link: 'ip.link',
} as const;

/** Command ids of the FRR views. */
export const FRR_IDS = {
  version: 'frr.version',
  runningConfig: 'frr.running-config',
  summary: 'frr.bgp-summary',
  neighbors: 'frr.bgp-neighbors',
  rib: 'frr.bgp-rib',
  routes: 'frr.ip-route',
  bfdPeers: 'frr.bfd-peers',
  bfdCounters: 'frr.bfd-counters',
  /** Per TEP: `frr.bgp-prefix.<ip>` and `frr.ip-route-prefix.<ip>`. */
  bgpPrefix: (ip: string) => `frr.bgp-prefix.${ip}`,
  routePrefix: (ip: string) => `frr.ip-route-prefix.${ip}`,
} as const;

/** A collected output's lines, so findings can quote the line they rest on. */
export interface SourceFile {
  readonly file: string;
  readonly lines: readonly string[];
}

export interface TepViews {
  /** `show bgp ipv4 unicast <tep>/32 json` (present:false for `{}`). */
  readonly bgp?: BgpPrefixDetail;
  /** `show ip route <tep>/32 json` (empty for `{}`). */
  readonly route?: readonly ZebraRoute[];
}

export interface KernelViews {
  readonly addrs?: readonly IpAddrLink[];
  readonly routes?: readonly IpRoute[];
  readonly nexthops?: readonly IpNexthop[];
  readonly links?: readonly IpLink[];
}

export interface FrrAvailability {
  readonly available: boolean;
  /** Why not, in words (from the manifest: not installed, no daemons, not collected). */
  readonly reason?: string;
  /** The vtysh argv that was run (wrapper included), to show how FRR was reached. */
  readonly executed?: readonly string[];
}

export interface BgpHostState {
  readonly host: string;
  readonly frr: FrrAvailability;
  readonly version?: FrrVersion;
  readonly runningConfig?: FrrRunningConfig;
  readonly summary?: BgpSummary;
  readonly neighbors?: readonly BgpNeighbor[];
  readonly rib?: BgpRib;
  readonly routes?: readonly ZebraRoute[];
  readonly bfdPeers?: readonly BfdPeer[];
  readonly bfdCounters?: readonly BfdCounters[];
  /** Per-TEP views by IPv4 address. */
  readonly teps: ReadonlyMap<string, TepViews>;
  readonly kernel: KernelViews;
  /** Outputs read, by command id. */
  readonly files: ReadonlyMap<string, SourceFile>;
}

export interface BgpSnapshot {
  readonly hosts: readonly BgpHostState[];
  readonly diagnostics: readonly Diagnostic[];
}

const FRR_PHASE1 = [FRR_IDS.version, FRR_IDS.runningConfig, FRR_IDS.summary, FRR_IDS.neighbors, FRR_IDS.rib, FRR_IDS.routes, FRR_IDS.bfdPeers, FRR_IDS.bfdCounters];

/** vtysh's stderr lines worth showing first: why it could not answer, not its "can't open vtysh.conf" notice. */
function telling(stderr: string | undefined): string | undefined {
  const lines = (stderr ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /failed to connect|not running|Exiting|No such file|Permission denied|not found/i.test(l) && !/Can't open configuration file/.test(l)) ?? lines.find((l) => !/Can't open configuration file/.test(l));
}

/** Why FRR gave nothing on a host, from its manifest entries (and vtysh's stderr when kept). */
function unavailableReason(commands: readonly ManifestCommand[], stderr: string | undefined, unreachable: boolean): string {
  // Not a vtysh failure: nothing ran on the host (its connection error is on the host, doctor C1).
  if (unreachable) return 'the host was unreachable, nothing ran on it (the reason is the host\'s error, doctor C1)';
  const frr = commands.filter((c) => c.id.startsWith('frr.'));
  if (!frr.length) return 'FRR was not collected on this host (snapshot taken without the FRR recipe)';
  if (frr.every((c) => c.status === 'unavailable')) return frr[0]!.error ?? 'vtysh is not installed';
  const first = frr.find((c) => c.error) ?? frr[0]!;
  const why = first.status === 'failed' ? telling(stderr) : undefined;
  if (why) return `vtysh ${first.status} (exit code ${first.exitCode ?? '?'}): ${why}`;
  return `vtysh ${first.status}${first.error ? `: ${first.error}` : ''}`;
}

/** Reads every host (or the given ones) of an opened snapshot. */
export async function loadBgp(source: SnapshotSource, options: { readonly hosts?: readonly string[] } = {}): Promise<BgpSnapshot> {
  const diagnostics: Diagnostic[] = [];
  const wanted = options.hosts ? new Set(options.hosts) : undefined;
  const hosts: BgpHostState[] = [];
  for (const mh of source.manifest.hosts) {
    if (wanted && !wanted.has(mh.name)) continue;
    hosts.push(await loadHost(source, mh.name, mh.commands, diagnostics, mh.status === 'unreachable'));
  }
  return { hosts, diagnostics };
}

async function loadHost(source: SnapshotSource, host: string, commands: readonly ManifestCommand[], diagnostics: Diagnostic[], unreachable: boolean): Promise<BgpHostState> {
  const files = new Map<string, SourceFile>();
  const read = async <T>(id: string, parse: (text: string, file: string) => Parsed<T | undefined>): Promise<T | undefined> => {
    const out: OutputText | undefined = await source.hostOutput(host, id, diagnostics);
    if (!out) return undefined;
    // A command that exited non-zero keeps its .out; FRR prints "% ..." there. Read only successes.
    if (out.command.status !== 'ok') return undefined;
    files.set(id, { file: out.file, lines: out.text.split('\n') });
    const parsed = parse(out.text, out.file);
    diagnostics.push(...locate(parsed.diagnostics, { file: out.file, host }));
    return parsed.value;
  };
  const version = await read(FRR_IDS.version, parseFrrVersion);
  const runningConfig = await read(FRR_IDS.runningConfig, parseRunningConfig);
  const summary = await read(FRR_IDS.summary, (t, f) => parseBgpSummary(t, f));
  const neighbors = await read(FRR_IDS.neighbors, parseBgpNeighbors);
  const rib = await read(FRR_IDS.rib, parseBgpRib);
  const routes = await read(FRR_IDS.routes, parseZebraRoutes);
  const bfdPeers = await read(FRR_IDS.bfdPeers, parseBfdPeers);
  const bfdCounters = await read(FRR_IDS.bfdCounters, parseBfdCounters);
  const teps = new Map<string, TepViews>();
  const tepIps = new Set<string>();
  for (const c of commands) {
    const m = /^frr\.(?:bgp-prefix|ip-route-prefix)\.(.+)$/.exec(c.id);
    if (m) tepIps.add(m[1]!);
  }
  for (const ip of tepIps) {
    const bgp = await read(FRR_IDS.bgpPrefix(ip), parseBgpPrefix);
    const route = await read(FRR_IDS.routePrefix(ip), parseZebraRoutes);
    if (bgp || route) teps.set(ip, { bgp, route });
  }
  const kernel: KernelViews = {
    addrs: await read(KERNEL_IDS.addr, parseIpAddrs),
    routes: await read(KERNEL_IDS.route, parseIpRoutes),
    nexthops: await read(KERNEL_IDS.nexthop, parseIpNexthops),
    links: await read(KERNEL_IDS.link, parseIpLinks),
  };
  const answered = FRR_PHASE1.some((id) => files.has(id));
  const vtyshCmd = commands.find((c) => c.id === FRR_IDS.version) ?? commands.find((c) => c.id.startsWith('frr.'));
  let stderr: string | undefined;
  if (!answered && vtyshCmd?.errFile) stderr = (await source.hostStderr(host, vtyshCmd.id, diagnostics))?.text;
  return {
    host,
    frr: { available: answered, reason: answered ? undefined : unavailableReason(commands, stderr, unreachable), executed: vtyshCmd?.executed },
    version,
    runningConfig,
    summary,
    neighbors,
    rib,
    routes,
    bfdPeers,
    bfdCounters,
    teps,
    kernel,
    files,
  };
}

// ---------------------------------------------------------------------------------------------
// The OVS/OVN tunnel side, without loading flows

/** What the underlay checks need of OVS/OVN: local TEP, geneve ports, SB encaps. A loaded `Snapshot` fits it too. */
export interface TunnelSide {
  readonly hosts: readonly Pick<HostState, 'name' | 'chassis' | 'encapIp' | 'interfaces'>[];
  readonly sb?: { readonly encaps: readonly SbEncap[] };
}

/**
 * Reads only `Open_vSwitch` and `Interface` per host and the SB `Encap` table: the full snapshot
 * loader would also parse every dump-flows, which a BGP audit does not need.
 */
export async function loadTunnelSide(source: SnapshotSource, diagnostics: Diagnostic[]): Promise<TunnelSide> {
  const rows = async <T>(out: OutputText | undefined, host: string, convert: RowConverter<T>): Promise<T[]> => {
    if (!out) return [];
    const parsed = parseOvsdbRows(out.text, convert, out.file);
    diagnostics.push(...locate(parsed.diagnostics, { file: out.file, host }));
    return parsed.value;
  };
  const hosts = [];
  for (const h of source.manifest.hosts) {
    const ovs = (await rows(await source.hostOutput(h.name, 'ovs-vsctl.list.Open_vSwitch', diagnostics), h.name, toOpenVswitch))[0];
    const interfaces = await rows(await source.hostOutput(h.name, 'ovs-vsctl.list.Interface', diagnostics), h.name, toOvsInterfaces);
    hosts.push({ name: h.name, chassis: ovs?.systemId, encapIp: ovs?.ovnEncapIps[0], interfaces });
  }
  const central = source.manifest.central;
  const encapOut = central ? await source.centralOutput('ovn-sbctl.list.Encap', diagnostics) : undefined;
  return { hosts, sb: encapOut ? { encaps: await rows(encapOut, `central (via ${central!.via})`, toSbEncaps) } : undefined };
}
