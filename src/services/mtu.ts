import { checkCluster, checkPath, pktLenChecksOf, type ClusterMtuReport, type MtuCheckOptions, type PathEndpoint, type PathMtuReport, type PathSpec } from '../checks/mtu.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { countBySeverity, type Finding, type SeverityCounts } from '../model/finding.js';
import { fail, ok, type Result } from '../model/result.js';
import type { Snapshot } from '../model/snapshot.js';
import { loadOpenedSnapshot } from '../snapshot/load.js';
import { loadMtu } from '../snapshot/load-mtu.js';
import { knownHosts, openSnapshot } from '../snapshot/reader.js';
import { createResolver, describeEndpoint, type ChassisPath, type Endpoint } from '../snapshot/resolve.js';

export interface MtuAuditOptions extends MtuCheckOptions {
  readonly snapshot: string;
  /** Path mode: both ends (logical port, VM, pod, interface name or IP). */
  readonly from?: string;
  readonly to?: string;
  /** Cluster mode (H1, H8 and every host's egress). */
  readonly all?: boolean;
  /** Cluster mode: only these hosts' egress (pairs from them). */
  readonly hosts?: readonly string[];
}

/** How the two ends were resolved and which chassis the path uses (from `snapshot/resolve.ts`). */
export interface ResolvedPath {
  readonly from: string;
  readonly to: string;
  readonly chassis: ChassisPath['chassis'];
  readonly datapaths: readonly string[];
  readonly routers: readonly string[];
  /** The path goes through a gateway (north-south or a gateway router). */
  readonly viaGateway: boolean;
  readonly notes: readonly string[];
}

export interface MtuAuditResult {
  readonly snapshot: string;
  readonly mode: 'path' | 'all';
  readonly resolved?: ResolvedPath;
  readonly path?: PathMtuReport;
  readonly cluster?: ClusterMtuReport;
  readonly findings: readonly Finding[];
  readonly counts: SeverityCounts;
  readonly diagnostics: readonly Diagnostic[];
}

const NORTH_SOUTH = new Set(['external-ip', 'nat']);

function endpointOf(e: Endpoint, chassis: string | undefined, host: string | undefined): PathEndpoint {
  return { text: e.input, logicalPort: e.logicalPort, datapath: e.datapath?.kind === 'switch' || e.datapath?.kind === undefined ? e.datapath?.name : undefined, chassis, host, ips: e.ips, kind: e.kind };
}

/**
 * The path the MTU audit walks, from the resolver: both ends' chassis; the gateway chassis when
 * the path is north-south (an end outside the overlay, a NAT address) or crosses a gateway router
 * (options:chassis: all its traffic is processed there); the router ports whose gateway_mtu
 * applies (north-south only).
 */
export function pathSpecOf(snapshot: Snapshot, from: string, to: string): Result<{ spec: PathSpec; resolved: ResolvedPath }> {
  const r = createResolver(snapshot);
  const f = r.resolve(from, { label: '--from' });
  if (!f.ok) return f;
  const t = r.resolve(to, { label: '--to', near: f.value });
  if (!t.ok) return t;
  const cp = r.chassisPath(f.value, t.value);
  const roleHost = (role: 'source' | 'destination') => cp.chassis.find((c) => c.roles.includes(role));
  const src = roleHost('source');
  const dst = t.value.kind === 'lb-vip' ? roleHost('destination') : t.value.chassis ? cp.chassis.find((c) => c.chassis === t.value.chassis) : roleHost('destination');
  const northSouth = NORTH_SOUTH.has(f.value.kind) || NORTH_SOUTH.has(t.value.kind);
  const nbRouters = snapshot.nb?.routers ?? [];
  // Routers the logical path goes through (the resolver's `routers` can be every router reachable from an end outside the overlay).
  const onPath = nbRouters.filter((x) => cp.routers.includes(x.name) && (!cp.datapaths.length || cp.datapaths.includes(x.name)));
  const gatewayRouters = onPath.filter((x) => x.options.chassis);
  const gateways: { chassis: string; host?: string }[] = [];
  const addGw = (chassis: string) => {
    if (!gateways.some((g) => g.chassis === chassis)) gateways.push({ chassis, host: r.hostOfChassis(chassis) });
  };
  for (const g of gatewayRouters) addGw(g.options.chassis!);
  const routerPorts = northSouth ? (snapshot.nb?.routerPorts ?? []).filter((p) => onPath.some((x) => x.ports.includes(p.uuid))).map((p) => p.name) : [];
  if (northSouth) {
    // The gateway chassis of the router ports on the path (a DGP's chassisredirect, a gateway router's chassis).
    const crs = new Set(routerPorts.map((p) => `cr-${p}`));
    for (const pb of snapshot.sb?.portBindings ?? []) {
      const ch = crs.has(pb.logicalPort) && pb.chassis ? snapshot.sb!.chassis.find((c) => c.uuid === pb.chassis)?.name : undefined;
      if (ch) addGw(ch);
    }
    if (!gateways.length) for (const c of cp.chassis) if (c.roles.includes('gateway')) addGw(c.chassis);
  }
  const spec: PathSpec = {
    from: endpointOf(f.value, src?.chassis ?? f.value.chassis, src?.host ?? f.value.host),
    to: endpointOf(t.value, dst?.chassis, dst?.host ?? t.value.host),
    gateways,
    routerPorts,
    datapaths: cp.datapaths,
  };
  return ok({
    spec,
    resolved: { from: describeEndpoint(f.value), to: describeEndpoint(t.value), chassis: cp.chassis, datapaths: cp.datapaths, routers: cp.routers, viaGateway: gateways.length > 0, notes: [...f.value.notes, ...t.value.notes, ...cp.notes] },
  });
}

/** `ovnscope mtu`: the MTU audit of one path (`--from/--to`) or of the whole cluster (`--all`). */
export async function auditMtu(options: MtuAuditOptions): Promise<Result<MtuAuditResult>> {
  const pathMode = options.from !== undefined || options.to !== undefined;
  if (pathMode && options.all) return fail('give either --from and --to (one path) or --all (the cluster), not both');
  if (!pathMode && !options.all) return fail('give --from A --to B (the path between two VMs/pods) or --all (cluster-wide rules)');
  if (pathMode && (options.from === undefined || options.to === undefined)) return fail('--from and --to go together: give both ends of the path');
  const opened = await openSnapshot(options.snapshot);
  if (!opened.ok) return opened;
  const source = opened.value;
  const hostsKnown = knownHosts(source.manifest, options.hosts);
  if (!hostsKnown.ok) return hostsKnown;
  const check: MtuCheckOptions = { networkMtu: options.networkMtu, ipsec: options.ipsec, switchMtu: options.switchMtu, switchMtuSemantics: options.switchMtuSemantics };
  if (pathMode) {
    // Resolving the ends reads ports, bindings and the NB/SB, never the OpenFlow tables (on a
    // large node they are most of the load).
    const loaded = await loadOpenedSnapshot(source, options.snapshot, { tablesOf: [] });
    if (!loaded.ok) return loaded;
    const p = pathSpecOf(loaded.value, options.from!, options.to!);
    if (!p.ok) return p;
    const snap = await loadMtu(source);
    // The gateway's check_pkt_larger flows decide both directions of a north-south path (SB Logical_Flow, when collected).
    const lflows = loaded.value.sb?.logicalFlows ?? [];
    const spec = p.value.spec.routerPorts?.length && lflows.length ? { ...p.value.spec, pktLenChecks: pktLenChecksOf(lflows) } : p.value.spec;
    const report = checkPath(snap, spec, check);
    return ok({ snapshot: options.snapshot, mode: 'path', resolved: p.value.resolved, path: report, findings: report.findings, counts: countBySeverity(report.findings), diagnostics: snap.diagnostics });
  }
  const snap = await loadMtu(source, options.hosts?.length ? { hosts: options.hosts } : {});
  const report = checkCluster(snap, check);
  return ok({ snapshot: options.snapshot, mode: 'all', cluster: report, findings: report.findings, counts: countBySeverity(report.findings), diagnostics: snap.diagnostics });
}
