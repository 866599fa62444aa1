import { readFile } from 'node:fs/promises';
import type { Group } from '../model/flow.js';
import type { NbLoadBalancer } from '../model/ovn.js';
import { formatDiagnostic } from '../model/diagnostic.js';
import { fail, ok, type Result } from '../model/result.js';
import type { BridgePort, BridgeState, Snapshot } from '../model/snapshot.js';
import type { Detail, HopEntry, TraceDrop, TraceResult } from '../model/trace.js';
import { pruneTree, type TraceNode } from '../model/trace.js';
import { annotateTrace, nameStep } from '../sim/annotate.js';
import { bucketBackend, createCrossContext, lbDstNotABackend, traceAcross, type CrossContext, type CrossOptions, type CrossResult, type LbChoice } from '../sim/cross.js';
import { buildGuestPacket, DEFAULT_TTL, DHCP_SERVER_ADDRESS, flowFromState, type GuestPacket, type Protocol } from '../sim/guest.js';
import { compileHost, traceHost, type CompiledHost, type PacketState, type SimOutput, type SimTraceResult, type TraceOptions } from '../sim/index.js';
import { bucketOfBackend, hasPortlessBackend, parseLbBackend, severalBackendsError, vipsOfBackends } from '../sim/lb-backend.js';
import { checkTunnelMtu } from '../checks/mtu-trace.js';
import { dhcpv4OptionsOf, dhcpv6OptionsOf, loadMtu, type MtuSnapshot } from '../snapshot/load-mtu.js';
import { loadHostIdentities, loadOpenedSnapshot } from '../snapshot/load.js';
import { openSnapshot, type SnapshotSource } from '../snapshot/reader.js';
import { buildOvnIndex, type OvnIndex } from '../snapshot/ovn-index.js';
import { canonicalIp, createResolver, describeEndpoint, lbPlacement, splitHostPort, type Endpoint, type Resolver } from '../snapshot/resolve.js';
import { dataErrorIndex, type DataErrorIndex } from './trace-data-errors.js';
import { flowDumpNotRead } from './flow-dump.js';
import { tracedChassisPath, type TracePath } from './trace-path-chassis.js';
import { staleFlowIndex, staleFlowsReport, type StaleFlowsReport } from './trace-stale-flows.js';

export interface TraceRequest {
  readonly snapshot: string;
  /** `--host` mode: the host and bridge the flow enters. */
  readonly host?: string;
  readonly bridge: string;
  /** One microflow in ofproto/trace syntax, or a file with one per line. */
  readonly flow?: string;
  readonly flowsFile?: string;
  /**
   * Read every host's OpenFlow tables up front instead of those of the hosts the packets reach
   * (the result is the same; for comparisons).
   */
  readonly readAllHosts?: boolean;
  readonly ctNext: readonly string[];
  readonly selectBucket?: number;
  /** Pick, in every select group, the bucket whose ct(nat(dst=...)) is this backend (IP[:PORT]). */
  readonly lbDst?: string;
  readonly size?: number;
  readonly detail: Detail;
  /**
   * Continue tunnel outputs on the remote chassis (one hop per chassis/bridge). The CLI follows
   * by default; a request without it traces one host, as ofproto/trace does.
   */
  readonly followTunnels?: boolean;
  /** `--from/--to` mode: endpoints by port, VM, pod or interface name, or IP. */
  readonly from?: string;
  readonly to?: string;
  /** `--tcp/--udp/--sctp PORT`, `--icmp`, `--arp`; default ICMP echo (TCP to the VIP's port for a load balancer). */
  readonly protocol?: Protocol;
  readonly sport?: number;
  readonly ttl?: number;
  readonly srcMac?: string;
  readonly srcIp?: string;
  readonly dstMac?: string;
  /** Also trace the reply (conntrack est+rpl) back from where the packet arrived. */
  readonly reply?: boolean;
  /**
   * `--flows-file`: which of the file's flows this call traces, by their ordinal among the flows
   * (0 = the first non-blank, non-comment line), asked in increasing order. Parallel batch workers
   * each take a share; a flow left out is neither traced nor handed to `onBatchLine`.
   */
  readonly batchShare?: (ordinal: number) => boolean;
}

/** ct_state of every conntrack recirculation of a reply packet. */
export const REPLY_CT_STATE = 'trk,est,rpl';

/** One traced packet as the JSON contract gives it (man ovnscope-trace). */
export interface TraceReport {
  readonly input: string;
  readonly verdict: TraceResult['verdict'];
  readonly hops: TraceResult['hops'];
  readonly warnings: readonly string[];
  /** Set when the trace stopped early (ofproto/trace's dp_hash stop, a chassis not collected): how to continue is in `hint`. */
  readonly incomplete?: { readonly reason: string; readonly hint: string; readonly groupId?: number; readonly chassis?: string };
  readonly size: number;
  /** The trace tree at the requested detail. */
  readonly tree: TraceResult['tree'];
  // Cross-host traces (optional):
  /** The drop (or stop) that decided the verdict, with its evidence (host, table, flow, logical flow, NB row). */
  readonly drop?: TraceDrop;
  /** Where the packet arrived: logical port (or uplink) per hop. */
  readonly delivered?: CrossResult['delivered'];
  /** Load-balancer buckets chosen where OVS would hash. */
  readonly lbChoices?: readonly LbChoice[];
  /** `--from/--to`: the endpoints as resolved, the packet as built, the chassis on the path. */
  readonly from?: Endpoint;
  readonly to?: Endpoint;
  readonly packet?: GuestPacket;
  readonly path?: TracePath;
  /** `--reply`: the reply's own trace. */
  readonly reply?: TraceReport;
  /** Why the reply was not traced. */
  readonly replySkipped?: string;
  /** Did the packet reach the `--to` endpoint (its port, a LB backend, the uplink for an outside address; for `--arp`, was it answered)? */
  readonly reachedDestination?: boolean;
  /**
   * `--arp`: whether and how the request was answered — `reply` (an ARP reply came back out of the
   * sender's port: OVN's ARP responder or a router), `neighbour-advertisement` (the pipeline hands
   * the solicitation to ovn-controller's nd_na/nd_na_router, which sends the advertisement back),
   * `owner` (delivered to a port that has the address, which answers itself) or `none` (flooded
   * copies at most: nobody answers).
   */
  readonly arpAnswer?: ArpAnswer;
  /** `arpAnswer` `owner`: the ports that got a copy of the request and have the address asked for (they answer it themselves). */
  readonly arpAnsweredBy?: readonly string[];
  /** `--dhcp`: whether ovn-controller answers the DISCOVER (Solicit), with what, or why not. */
  readonly dhcpAnswer?: DhcpAnswer;
  /**
   * Set when files the verdict was computed from (the tables of the hosts the trace read, the
   * central NB/SB) had load errors: how many, and which files. The errors are in `warnings`.
   */
  readonly dataErrors?: { readonly count: number; readonly summary: string };
  /**
   * Set when a host the trace read may hold stale flows (its ovn-controller not running, not
   * answering, paused or not connected; its chassis behind the SB's nb_cfg): which, and why. The
   * details are in `warnings`.
   */
  readonly staleFlows?: StaleFlowsReport;
}

/**
 * The report with the load errors of what it read among its warnings: the hosts its hops crossed
 * (and `hosts`, the entry), the central NB/SB. The reply says its own.
 */
function withDataErrors(r: TraceReport, index: DataErrorIndex, hosts: readonly string[] = []): TraceReport {
  const reply = r.reply ? withDataErrors(r.reply, index) : undefined;
  const base = reply ? { ...r, reply } : r;
  const read = [...hosts, ...r.hops.map((h) => h.host)];
  const e = index.forHosts(read);
  const checked = e ? { ...base, warnings: [...base.warnings, ...e.warnings], dataErrors: { count: e.count, summary: e.summary } } : base;
  const s = index.staleFlows?.forHosts(read);
  return s ? { ...checked, warnings: [...s.warnings, ...checked.warnings], staleFlows: staleFlowsReport(s) } : checked;
}

export interface BatchLine {
  readonly line: number;
  readonly report?: TraceReport;
  /** Why this line could not be traced (usage error), with its column when known. */
  readonly error?: string;
}

export interface TraceServiceResult {
  readonly host: string;
  readonly bridge: string;
  /** `flow` (--host/--flow) or `endpoints` (--from/--to). */
  readonly mode?: 'flow' | 'endpoints';
  readonly single?: TraceReport;
  readonly batch?: readonly BatchLine[];
  /** The hosts whose OpenFlow tables were read: the entry host and those the packets reached. */
  readonly loadedHosts?: readonly string[];
}

/**
 * `--lb-dst 10.0.0.5:8080` → group id → bucket id, for every select group of `bridges` that has
 * that backend. The bridges are all those of a host, not the one the packet enters: OVN's
 * load-balancer groups are in br-int, and a packet entering br-ex reaches them through the patch
 * port. `where` names the bridges in the error ("of hv3's bridges (br-ex, br-int)").
 */
export function bucketsForBackend(bridges: readonly Pick<BridgeState, 'groups'>[], lbDst: string, where: string, loadBalancers: readonly NbLoadBalancer[] = []): Result<Map<number, number>> {
  const wanted = parseLbBackend(lbDst);
  if (!wanted) return fail(`--lb-dst ${lbDst}: expected IP or IP:PORT (IPv6 as addr or [addr]:port)`);
  const chosen = new Map<number, number>();
  // The port-less backends of any group of the snapshot, by the VIPs they serve (found from the
  // backends; '' when none is) → group ids: a hint that did not say whose backend it is would read
  // as advice for the VIP being traced, which may not have that address at all.
  const portless = new Map<string, number[]>();
  for (const b of bridges)
    for (const g of b.groups) {
      if (g.type !== 'select' || chosen.has(g.groupId)) continue;
      const i = bucketOfBackend(g.buckets, wanted);
      if (typeof i === 'object') return fail(severalBackendsError(lbDst, g.groupId, '', i));
      if (i >= 0) chosen.set(g.groupId, typeof g.buckets[i]!.bucketId === 'number' ? (g.buckets[i]!.bucketId as number) : i);
      if (!hasPortlessBackend(g.buckets, wanted)) continue;
      const vips = vipsOfBackends(loadBalancers, g.buckets).join('; ');
      const ids = portless.get(vips) ?? [];
      if (!ids.includes(g.groupId)) portless.set(vips, [...ids, g.groupId]);
    }
  const groupsText = (ids: readonly number[]) => `load-balancer group${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`;
  const hints = [...portless].map(([vips, ids]) =>
    vips
      ? `${wanted.ip} is a backend without a port of ${vips} (${groupsText(ids)}; a VIP without a port keeps the packet's destination port): --lb-dst ${wanted.ip} names it for that VIP`
      : `${wanted.ip} is a backend without a port in ${groupsText(ids)} (of a VIP without a port, which keeps the packet's destination port): --lb-dst ${wanted.ip} names it for that group's VIP`,
  );
  if (chosen.size === 0) {
    const bareV6 = wanted.ip.includes(':') && !lbDst.trim().startsWith('[');
    return fail(`--lb-dst ${lbDst}: no load-balancer group ${where} has that backend${bareV6 ? ` (read as the IPv6 address ${wanted.ip}; an IPv6 backend with a port is written [addr]:port)` : ''}${hints.length ? `; ${hints.join('; ')}` : ''}`);
  }
  return ok(chosen);
}

/** Backends (ct nat dst) of a select group, for telling the user what --lb-dst can choose. */
function backendsOf(group: Group | undefined): string[] {
  return (group?.buckets ?? []).map(bucketBackend).filter((b): b is string => b !== undefined);
}

function report(input: string, r: SimTraceResult, detail: Detail, index: OvnIndex | undefined, groups: readonly Group[]): TraceReport {
  const named = index ? annotateTrace(r, index, detail) : r;
  let incomplete = r.incomplete;
  if (incomplete?.groupId !== undefined) {
    const backends = backendsOf(groups.find((g) => g.groupId === incomplete!.groupId));
    if (backends.length) incomplete = { ...incomplete, hint: `${incomplete.hint}; or choose a load-balancer backend with --lb-dst (group ${incomplete.groupId}: ${backends.join(', ')})` };
  }
  const out = {
    input,
    verdict: named.verdict,
    hops: named.hops,
    warnings: named.warnings,
    ...(incomplete ? { incomplete } : {}),
    size: r.size,
  };
  return withPrunedTree(out, named.tree, detail);
}

interface TreeSlot {
  tree: TraceNode[];
  /** Undefined once pruned. */
  detail: Detail | undefined;
}

const TREE_SLOT = Symbol('tree before pruning');
const PRUNED_TREE: PropertyDescriptor = {
  get(this: { [TREE_SLOT]: TreeSlot }): TraceNode[] {
    const slot = this[TREE_SLOT];
    if (slot.detail !== undefined) {
      slot.tree = pruneTree(slot.tree, slot.detail);
      slot.detail = undefined;
    }
    return slot.tree;
  },
  enumerable: true,
  configurable: true,
};

/**
 * Adds `tree` to a report: the tree pruned to `detail`, pruned on first read. Pruning formats the
 * text and data of every node it keeps, and a --flows-file batch in text prints only the verdict
 * line. One shared getter, the tree in a hidden slot (as `flowTextProperty` in sim/trace.ts).
 */
function withPrunedTree<T extends object>(o: T, tree: TraceNode[], detail: Detail): T & { readonly tree: TraceNode[] } {
  const slot: TreeSlot = { tree, detail };
  Object.defineProperty(o, TREE_SLOT, { value: slot });
  Object.defineProperty(o, 'tree', PRUNED_TREE);
  return o as T & { readonly tree: TraceNode[] };
}

/**
 * Runs a trace request. With `onBatchLine`, a --flows-file batch hands each line over as soon as it
 * is traced and keeps none (the result's `batch` is then empty): 10,000 reports with their trees
 * would otherwise be held until the end.
 */
export async function trace(req: TraceRequest, onBatchLine?: (line: BatchLine) => void): Promise<Result<TraceServiceResult>> {
  if (req.from !== undefined || req.to !== undefined) return traceEndpoints(req);
  if (!req.flow === !req.flowsFile) return fail('give exactly one of --flow or --flows-file (or --from and --to)');
  if (!req.host) return fail('--flow needs --host (the host whose tables the packet enters); or give --from and --to');
  const follow = req.followTunnels === true;
  const opened = await openSnapshot(req.snapshot);
  if (!opened.ok) return opened;
  // Following tunnels, the tables of the other hosts are read when a packet reaches them (below);
  // --lb-dst is checked against every host's groups, so it reads them all up front.
  const everyHost = follow && (req.lbDst !== undefined || req.readAllHosts === true);
  const loaded = await loadOpenedSnapshot(opened.value, req.snapshot, everyHost ? { classifier: true } : { hosts: [req.host], classifier: true });
  if (!loaded.ok) return loaded;
  const snapshot = loaded.value;
  let loadedHosts = (): string[] => snapshot.hosts.map((h) => h.name);
  const host = snapshot.hosts.find((h) => h.name === req.host);
  if (!host) return fail(`host ${req.host} is not in the snapshot (it has: ${snapshot.hosts.map((h) => h.name).join(', ') || 'no hosts'})`);
  const bridge = host.bridges.find((b) => b.name === req.bridge);
  if (!bridge) return fail(`host ${host.name} has no bridge ${req.bridge} in the snapshot (it has: ${host.bridges.map((b) => b.name).join(', ') || 'none'})`);
  if (bridge.flows.length === 0) {
    const notRead = flowDumpNotRead(snapshot, host.name, req.bridge);
    return fail(`${host.name}/${req.bridge} has no flows in the snapshot${notRead ? `: ${notRead}` : ' (was ovs-ofctl dump-flows collected? see "ovnscope snapshot show")'}`, 3);
  }
  const index = snapshot.sb ? buildOvnIndex(snapshot) : undefined;
  const tunnelMtu = await tunnelMtuCheck(req, opened.value, everyHost ? undefined : [host.name]);
  let one: (flow: string) => Result<TraceReport> | Promise<Result<TraceReport>>;
  if (follow) {
    if (req.lbDst) {
      const known = lbBackendCheck(snapshot, req.lbDst);
      if (!known.ok) return known;
    }
    // The hosts not loaded yet stand in the context as their identity (chassis, hostname, encap
    // IPs), so a tunnel resolves to the same host as with every host loaded.
    const start = everyHost ? snapshot : { ...snapshot, hosts: (await loadHostIdentities(opened.value)).map((h) => (h.name === host.name ? host : h)) };
    const tables = hostTables(opened.value, req.snapshot, start, everyHost ? start.hosts.map((h) => h.name) : [host.name], index, tunnelMtu);
    let ctx = tables.context();
    // A node has thousands of ports and a batch thousands of lines: look the in_port up by name or number.
    const portByKey = new Map<string, BridgePort>();
    for (const p of [...bridge.ports].reverse()) portByKey.set(String(p.ofport), p).set(p.name, p);
    one = async (flow) => {
      const port = /(?:^|,)in_port=(?:"([^"]+)"|([^,]+))/.exec(flow);
      const name = port?.[1] ?? port?.[2] ?? '?';
      const bp = portByKey.get(name);
      const entry: HopEntry = { kind: bp?.role.kind === 'physical' ? 'uplink' : 'start', port: bp?.name ?? name, ...(bp ? { ofport: bp.ofport } : {}) };
      for (;;) {
        const r = traceAcross(ctx, { host: host.name, bridge: req.bridge, flow, entry }, { ...crossOptions(req, snapshot, undefined), ...(tunnelMtu ? { tunnelMtu: tunnelMtu.check } : {}) });
        if (!r.ok) return r;
        const read = await tables.read(r.value.needHosts);
        if (!read.ok) return read;
        if (!read.value) return ok(withDataErrors(withViewWarnings(crossReport(flow, r.value, req.detail), tunnelMtu), tables.dataErrors(), [host.name]));
        ctx = tables.context();
      }
    };
    loadedHosts = () => tables.loaded();
  } else {
    let selectBucket: TraceOptions['selectBucket'] = req.selectBucket;
    if (req.lbDst) {
      const chosen = bucketsForBackend(host.bridges, req.lbDst, `of ${host.name}'s bridges (${host.bridges.map((b) => b.name).join(', ')})`, snapshot.nb?.loadBalancers);
      if (!chosen.ok) return chosen;
      selectBucket = chosen.value;
    }
    const options: TraceOptions = { ctNext: req.ctNext, selectBucket, ...(req.lbDst ? { selectBucketBy: `--lb-dst ${req.lbDst}` } : {}), size: req.size, treeDetail: req.detail };
    const compiled = compileHost(host);
    const dataErrors = dataErrorIndex(snapshot.diagnostics, staleFlowIndex(snapshot));
    one = (flow) => {
      const r = traceHost(compiled, req.bridge, flow, options);
      if (!r.ok) return r;
      // --lb-dst chose the buckets of the groups that have its backend; stopping at another
      // group's dp_hash means the packet met a load balancer without it: the same usage error
      // as following tunnels, not a stop that lists backends --lb-dst was not asking about.
      const stop = r.value.dpHashStop;
      if (req.lbDst && stop?.groupId !== undefined && !/(^|,)dp_hash=/.test(flow)) {
        const buckets = host.bridges.find((b) => b.name === stop.bridge)?.groups.find((g) => g.groupId === stop.groupId)?.buckets ?? [];
        return fail(lbDstNotABackend(req.lbDst, r.value, buckets, host.name, stop.groupId, snapshot));
      }
      // The group the trace stopped at is in the bridge it stopped in (br-int, entered from br-ex).
      const stopGroups = host.bridges.find((b) => b.name === (stop?.bridge ?? req.bridge))?.groups ?? [];
      return ok(withDataErrors(withViewWarnings(withTunnelMtu(report(flow, r.value, req.detail, index, stopGroups), tunnelMtu?.check), tunnelMtu), dataErrors, [host.name]));
    };
  }
  if (req.flow !== undefined) {
    const r = await one(req.flow);
    if (!r.ok) return r;
    return ok({ host: host.name, bridge: req.bridge, mode: 'flow', single: r.value, loadedHosts: loadedHosts() });
  }
  let text: string;
  try {
    text = await readFile(req.flowsFile!, 'utf8');
  } catch (e) {
    return fail(`cannot read --flows-file ${req.flowsFile}: ${(e as Error).message}`);
  }
  if (!text.split('\n').some(isBatchFlow)) return fail(`no flows in ${req.flowsFile} (one flow per line; blank lines and lines starting with # are skipped)`);
  const batch: BatchLine[] = [];
  let ordinal = 0;
  for (const [i, raw] of text.split('\n').entries()) {
    if (!isBatchFlow(raw)) continue;
    const flow = raw.trim();
    if (req.batchShare && !req.batchShare(ordinal++)) continue;
    const r = await one(flow);
    const line: BatchLine = r.ok ? { line: i + 1, report: r.value } : { line: i + 1, error: `${req.flowsFile}:${i + 1}: ${r.error.message}` };
    if (onBatchLine) onBatchLine(line);
    else batch.push(line);
  }
  return ok({ host: host.name, bridge: req.bridge, mode: 'flow', batch, loadedHosts: loadedHosts() });
}

/** A --flows-file line that is a flow: not blank, not a # comment. */
function isBatchFlow(raw: string): boolean {
  const t = raw.trim();
  return t !== '' && !t.startsWith('#');
}

/** How many flows a --flows-file holds (0 when it cannot be read: `trace` then says why). */
export async function countBatchFlows(flowsFile: string): Promise<number> {
  try {
    return (await readFile(flowsFile, 'utf8')).split('\n').filter(isBatchFlow).length;
  } catch {
    return 0;
  }
}

/** --lb-dst must be a backend of some load-balancer group of the snapshot. */
function lbBackendCheck(snapshot: Snapshot, lbDst: string): Result<true> {
  const r = bucketsForBackend(snapshot.hosts.flatMap((h) => h.bridges), lbDst, 'in the snapshot', snapshot.nb?.loadBalancers);
  return r.ok ? ok(true) : r;
}

/** What tests (and embedding programs) may add to a trace: MAC tables, no conntrack model. */
export interface TraceExtras {
  readonly fdb?: CrossOptions['fdb'];
  readonly conntrack?: false;
  /** Reuse compiled hosts and indexes across many traces of one snapshot (`createTraceContext`). */
  readonly context?: CrossContext;
  /** Underlay MTU check at tunnel outputs (`tunnelMtuCheck`). */
  readonly tunnelMtu?: CrossOptions['tunnelMtu'];
}

/**
 * With `--size`, the check of every tunnel output against the underlay egress (route lookup
 * toward the remote TEP, every ECMP leg) from the snapshot's kernel view. Without `--size` the
 * packet is ofproto/trace's small default and the kernel view is not read (it costs load time).
 *
 * The check reads the sending host's view only, so it starts with `hosts` (every host when
 * absent) and `read` adds the hosts whose tables a trace reads as its packets reach them: a tunnel
 * output happens only on a host whose tables were read.
 */
export async function tunnelMtuCheck(req: Pick<TraceRequest, 'size'>, source: SnapshotSource, hosts?: readonly string[]): Promise<TunnelMtuCheck | undefined> {
  if (req.size === undefined) return undefined;
  let view: MtuSnapshot = { hosts: [], diagnostics: [] };
  const read = new Set<string>();
  const warnings: string[] = [];
  const readHosts = async (names: readonly string[] | undefined): Promise<void> => {
    const more = names?.filter((h) => !read.has(h));
    if (more && !more.length) return;
    const part = await loadMtu(source, { ...(more ? { hosts: more } : {}), central: false });
    for (const h of more ?? source.manifest.hosts.map((x) => x.name)) read.add(h);
    view = { hosts: [...view.hosts, ...part.hosts], diagnostics: [...view.diagnostics, ...part.diagnostics] };
    // A part of the kernel view that could not be read (a cut-off `ip -j route`, garbage) leaves
    // the check without routes or links there: every later report says which, and where.
    warnings.push(...part.diagnostics.filter((d) => d.severity === 'error').map((d) => `underlay MTU check: ${formatDiagnostic(d)}`));
  };
  await readHosts(hosts);
  return { check: (host, remoteIp, frameLength) => checkTunnelMtu(view, { host, remoteIp, frameLength }), warnings, read: readHosts };
}

/** `tunnelMtuCheck`: the check, and what the reports must say about the kernel view it reads. */
export interface TunnelMtuCheck {
  readonly check: NonNullable<CrossOptions['tunnelMtu']>;
  /** Problems of the kernel view read so far. */
  readonly warnings: readonly string[];
  /** Adds these hosts' kernel view (those not read yet). */
  readonly read: (hosts: readonly string[]) => Promise<void>;
}

/** The report with the kernel view's problems among its warnings. */
function withViewWarnings(r: TraceReport, tunnelMtu: TunnelMtuCheck | undefined): TraceReport {
  return tunnelMtu?.warnings.length ? { ...r, warnings: [...r.warnings, ...tunnelMtu.warnings] } : r;
}

/**
 * One-host traces (no tunnel following): a tunnel output whose encapsulated packet does not fit
 * the underlay egress makes the verdict MTU_EXCEEDED at that hop, as a followed trace would.
 */
function withTunnelMtu(r: TraceReport, tunnelMtu: CrossOptions['tunnelMtu']): TraceReport {
  if (!tunnelMtu || r.verdict !== 'tunnel') return r;
  const warnings = [...r.warnings];
  for (const [i, hop] of r.hops.entries()) {
    for (const out of hop.outputs) {
      if (out.kind !== 'tunnel' || !out.tunnel) continue;
      const v = tunnelMtu(hop.host, out.tunnel.remoteIp, r.size);
      if (v.outcome === 'fragmented') warnings.push(`${hop.host}: ${v.explanation}`);
      if (v.outcome !== 'dropped') continue;
      const drop: TraceDrop = { table: hop.drop?.table ?? 0, reason: 'MTU_EXCEEDED', explanation: v.explanation, host: hop.host, bridge: hop.bridge };
      const outputs = hop.outputs.map((o) => (o === out ? { ...o, next: { status: 'dropped' as const, reason: 'MTU_EXCEEDED' as const, explanation: v.explanation } } : o));
      const hops = r.hops.map((h, j) => (j === i ? { ...h, outputs, drop } : h));
      return { ...r, verdict: 'dropped', hops, drop, warnings };
    }
  }
  return warnings.length === r.warnings.length ? r : { ...r, warnings };
}

/** Compiled hosts, resolver and OVN index of a snapshot, for many traces in a row. */
export function createTraceContext(snapshot: Snapshot): CrossContext {
  return createCrossContext(snapshot, createResolver(snapshot), snapshot.sb ? buildOvnIndex(snapshot) : undefined);
}

function crossOptions(req: TraceRequest, snapshot: Snapshot, ends: { from: string; to: string } | undefined, ctNext: readonly string[] = req.ctNext, extras: TraceExtras = {}): CrossOptions {
  return {
    ...(extras.fdb ? { fdb: extras.fdb } : {}),
    ...(extras.conntrack === false ? { conntrack: false as const } : {}),
    // The connections it commits are the forward's; traceReply names its own.
    conntrackTrace: 'forward',
    ctNext,
    ...(req.selectBucket !== undefined ? { selectBucket: req.selectBucket } : {}),
    ...(req.lbDst ? { lbDst: req.lbDst } : {}),
    ...(req.size !== undefined ? { size: req.size } : {}),
    ...(extras.tunnelMtu ? { tunnelMtu: extras.tunnelMtu } : {}),
    // Every tree leaves this service pruned to req.detail: the interpreter need not make more.
    treeDetail: req.detail,
    followTunnels: req.followTunnels !== false,
    collectHint: (chassis: string | undefined, remoteIp: string | undefined) => collectHint(snapshot, chassis, remoteIp, ends),
  };
}

/** The collect command that would fetch a missing chassis. */
export function collectHint(snapshot: Pick<Snapshot, 'sb'>, chassis: string | undefined, remoteIp: string | undefined, ends: { from: string; to: string } | undefined): string {
  const row = chassis ? snapshot.sb?.chassis.find((c) => c.name === chassis) : undefined;
  const addr = row?.hostname ?? remoteIp ?? chassis ?? '<host>';
  const who = chassis ? `chassis ${chassis}${row?.hostname && row.hostname !== chassis ? ` (hostname ${row.hostname})` : ''}${remoteIp ? `, TEP ${remoteIp}` : ''}` : `the chassis at ${remoteIp}`;
  const scoped = ends ? ` — or only the chassis on this path: ovnscope collect -i INVENTORY --from ${shq(ends.from)} --to ${shq(ends.to)} --out DIR` : '';
  return `${who}: ovnscope collect --host ${addr} --out DIR${scoped}`;
}

function shq(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function crossReport(input: string, r: CrossResult, detail: Detail): TraceReport {
  const out = {
    input,
    verdict: r.verdict,
    hops: r.hops,
    warnings: r.warnings,
    ...(r.incomplete ? { incomplete: r.incomplete } : {}),
    size: r.size,
  };
  return Object.assign(withPrunedTree(out, r.tree, detail), {
    ...(r.drop ? { drop: r.drop } : {}),
    delivered: r.delivered,
    ...(r.lbChoices.length ? { lbChoices: r.lbChoices } : {}),
  });
}

/** Default protocol: TCP to the VIP's port for a load balancer, else ICMP echo. */
function defaultProtocol(to: Endpoint): Protocol {
  if (to.kind === 'lb-vip') {
    const port = /:(\d+)$/.exec(to.lb!.vip)?.[1];
    const proto = (to.lb!.protocol ?? 'tcp') as 'tcp' | 'udp' | 'sctp';
    if (port) return { kind: proto, port: Number(port) };
  }
  return { kind: 'icmp' };
}

interface EndpointTrace {
  readonly report: TraceReport;
  readonly cross: CrossResult;
}

function traceGuest(req: TraceRequest, snapshot: Snapshot, ctx: CrossContext, resolver: Resolver, from: Endpoint, to: Endpoint, protocol: Protocol, opts: { sport?: number; ctNext: readonly string[]; srcIp?: string; extras: TraceExtras }): Result<EndpointTrace> {
  const packet = buildGuestPacket(snapshot, resolver, from, to, {
    protocol,
    ...(opts.sport !== undefined ? { sport: opts.sport } : {}),
    ...(req.ttl !== undefined ? { ttl: req.ttl } : {}),
    ...(req.srcMac && opts.srcIp === undefined ? { srcMac: req.srcMac } : {}),
    ...(opts.srcIp !== undefined ? { srcIp: opts.srcIp } : req.srcIp ? { srcIp: req.srcIp } : {}),
    ...(req.dstMac && opts.srcIp === undefined ? { dstMac: req.dstMac } : {}),
  });
  if (!packet.ok) return packet;
  const p = packet.value;
  const entry: HopEntry = { kind: p.entry.kind === 'vif' ? 'start' : 'uplink', port: p.entry.port, ofport: p.entry.ofport };
  const ends = { from: req.from ?? from.input, to: req.to ?? to.input };
  const r = traceAcross(ctx, { host: p.entry.host, bridge: p.entry.bridge, flow: p.flow, entry }, crossOptions(req, snapshot, ends, opts.ctNext, opts.extras));
  if (!r.ok) return r;
  // A DHCP request is answered on the sender's own chassis and switch: its path is the port's.
  const { chassis, datapaths, routers, missing, notes } = resolver.chassisPath(from, protocol.kind === 'dhcp' ? from : to);
  // The chassis the packet crossed: the static path lists every gateway chassis it could meet.
  const pathRest = tracedChassisPath({ chassis, datapaths, routers, missing, notes }, r.value.hops, ctx.index, resolver);
  const base = crossReport(p.flow, r.value, req.detail);
  const arp = protocol.kind === 'arp' ? arpAnswerOf(r.value, resolver, from, p.nwDst) : undefined;
  const unanswered = arp?.answer === 'none' ? unansweredVip(r.value, resolver, from, to, p) : undefined;
  const dhcp = protocol.kind === 'dhcp' ? dhcpAnswerOf(r.value, ctx.index, snapshot, from, p) : undefined;
  const arrived = dhcp ? dhcp.answered : reached(r.value, resolver, from, to, arp?.answer);
  const localport = arrived ? undefined : localportStop(from, to, p.entry.host);
  const warnings = [...p.notes, ...(unanswered ? [unanswered] : []), ...(localport ? [localport] : []), ...base.warnings];
  return ok({
    cross: r.value,
    report: { ...base, warnings, from, to, packet: p, path: pathRest, reachedDestination: arrived, ...(arp ? { arpAnswer: arp.answer, ...(arp.by.length ? { arpAnsweredBy: arp.by } : {}) } : {}), ...(dhcp ? { dhcpAnswer: dhcp } : {}) },
  });
}

/**
 * Why a packet to or from a localport did not arrive, when that is the reason: OVN keeps localport
 * traffic on the chassis it is sent on (the flows that would tunnel it are not installed: table 40
 * drops it), so a localport is reached only where it has an interface, and reaches only ports there.
 */
function localportStop(from: Endpoint, to: Endpoint, host: string): string | undefined {
  const what = (e: Endpoint) => `${e.names.neutronDeviceOwner === 'network:distributed' ? "Neutron's metadata port" : 'localport'} ${e.logicalPort}`;
  if (to.kind === 'localport' && !to.localportHosts?.includes(host))
    return `${to.ip ?? to.input} is ${what(to)}, which has no interface on ${host} (no${to.names.neutronDeviceOwner === 'network:distributed' ? ' metadata' : ''} tap with external_ids:iface-id=${to.logicalPort}${to.localportHosts?.length ? `; ${to.localportHosts.join(', ')} ${to.localportHosts.length === 1 ? 'has' : 'have'} one` : '; no host of the snapshot has one'}): localport traffic never crosses a tunnel, so ${host} drops the packet`;
  if (from.kind === 'localport' && to.host && to.host !== host)
    return `${what(from)} sends from ${host}, and ${to.logicalPort ?? to.input} is on ${to.host}: localport traffic never crosses a tunnel, so ${host} drops the packet${from.localportHosts?.includes(to.host) ? ` (from ${to.host}'s interface it would arrive: --from ${from.input.replace(/@[^@]*$/, '')}@${to.host})` : ''}`;
  return undefined;
}

export type ArpAnswer = 'reply' | 'neighbour-advertisement' | 'owner' | 'none';

/**
 * `--dhcp`: OVN's native DHCP answers in ovn-controller. ls_in_dhcp_options punts the request
 * (put_dhcp_opts / put_dhcpv6_opts, the options as the action's arguments), ovn-controller fills
 * in the reply and resumes it, and ls_in_dhcp_response sends it back out of the port: the punt
 * is the answer, as ovn-trace shows it delivered to the sender. Without that flow (no
 * DHCP_Options on the port) the request is an ordinary broadcast nobody answers.
 */
export interface DhcpAnswer {
  readonly answered: boolean;
  readonly action?: 'put_dhcp_opts' | 'put_dhcpv6_opts';
  /** The address offered (offerip; DHCPv6 ia_addr); absent for stateless DHCPv6. */
  readonly offer?: string;
  /** The action's arguments as written in the logical flow (router, lease_time, server_id, …). */
  readonly options?: Readonly<Record<string, string>>;
  /** The logical stage and datapath that punted. */
  readonly stage?: string;
  readonly datapath?: string;
  /** Not answered: why. */
  readonly why?: string;
}

/** `put_dhcp_opts(offerip = 10.0.0.12, dns_server = {10.0.0.2}, …)` → its arguments; undefined when the action is not there. */
export function dhcpActionArguments(actions: string, action: 'put_dhcp_opts' | 'put_dhcpv6_opts'): Record<string, string> | undefined {
  const start = actions.indexOf(`${action}(`);
  if (start < 0) return undefined;
  const args: Record<string, string> = {};
  let depth = 0;
  let part = '';
  const flush = () => {
    const eq = part.indexOf('=');
    if (eq > 0) args[part.slice(0, eq).trim()] = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    part = '';
  };
  // Commas inside {…} (lists) and "…" (strings) do not separate arguments.
  let quoted = false;
  for (let i = start + action.length + 1; i < actions.length; i++) {
    const c = actions[i]!;
    if (c === '"' && actions[i - 1] !== '\\') quoted = !quoted;
    if (!quoted && c === '{') depth++;
    if (!quoted && c === '}') depth--;
    if (!quoted && depth === 0 && c === ')') break;
    if (!quoted && depth === 0 && c === ',') flush();
    else part += c;
  }
  flush();
  return args;
}

function dhcpAnswerOf(r: CrossResult, index: OvnIndex | undefined, snapshot: Snapshot, from: Endpoint, p: GuestPacket): DhcpAnswer {
  const v6 = p.family === 6;
  const action = v6 ? 'put_dhcpv6_opts' : 'put_dhcp_opts';
  for (const run of r.runs)
    for (const c of run.result.controllers) {
      if (c.reason !== (v6 ? 'PUT_DHCPV6_OPTS' : 'PUT_DHCP_OPTS')) continue;
      const lf = index ? nameStep(index, c.cookie)?.logicalFlow : undefined;
      const options = lf ? dhcpActionArguments(lf.actions, action) : undefined;
      const offer = options?.[v6 ? 'ia_addr' : 'offerip'];
      return { answered: true, action, ...(offer ? { offer } : {}), ...(options ? { options } : {}), ...(lf?.stage ? { stage: lf.stage } : {}), ...(lf?.datapath ? { datapath: lf.datapath } : {}) };
    }
  return { answered: false, why: dhcpUnanswered(r, snapshot, from, p) };
}

/** Why no put_dhcp_opts (put_dhcpv6_opts) flow took the request: the port's DHCP options in the NB, and what became of it. */
function dhcpUnanswered(r: CrossResult, snapshot: Snapshot, from: Endpoint, p: GuestPacket): string {
  const v = p.family === 6 ? 'v6' : 'v4';
  const action = p.family === 6 ? 'put_dhcpv6_opts' : 'put_dhcp_opts';
  const port = from.logicalPort ?? from.input;
  const lsp = snapshot.nb?.switchPorts.find((x) => x.name === from.logicalPort);
  const uuid = lsp ? (p.family === 6 ? dhcpv6OptionsOf(lsp) : dhcpv4OptionsOf(lsp)) : undefined;
  // What became of the request: flooded copies (nobody on the switch answers DHCP) or a drop.
  const copies = [...new Set(r.delivered.map((d) => d.logicalPort ?? d.port))];
  const fate = copies.length ? `; the request is only flooded (to ${copies.join(', ')})` : r.drop ? `; the request was dropped (${r.drop.reason})` : '';
  if (!lsp) return `no ${action} flow took the request${snapshot.nb ? ` (${port} is not in the NB)` : ' (the snapshot has no NB to tell whether the port has DHCP options)'}${fate}`;
  if (!uuid) return `${port} has no DHCP${v} options (NB Logical_Switch_Port dhcp${v}_options is empty), so OVN installs no ${action} flow for it and ovn-controller does not answer${fate}. Set them (ovn-nbctl lsp-set-dhcp${v}-options ${port} UUID; Neutron: enable_dhcp on the subnet)`;
  return `${port} has DHCP${v} options ${uuid.slice(0, 8)}, but no ${action} flow took the request${fate}. ovn-northd installs that flow only when the DHCP_Options row has ${p.family === 6 ? 'server_id' : 'server_id, server_mac and lease_time'} and the port has an address inside its cidr`;
}

/**
 * How an ARP request or neighbour solicitation for `target` was answered. A copy delivered back to
 * the sender's port with arp.op = 2 is an answer (OVN never floods a packet back out of its inport:
 * that is ls_in_arp_rsp's or lr_in_ip_input's reply, `outport = inport; flags.loopback = 1`); an
 * NA is built by ovn-controller (nd_na, nd_na_router), so the answer is the punt; a copy delivered
 * to a port that has the address is answered by that guest. Flooded copies to ports without the
 * address are the request, not an answer.
 */
function arpAnswerOf(r: CrossResult, resolver: Resolver, from: Endpoint, target: string): { answer: ArpAnswer; by: string[] } {
  const packetOf = (d: CrossResult['delivered'][number]) => (r.hops[d.hop]?.outputs.find((o) => o.port === d.port) as Partial<SimOutput> | undefined)?.packet ?? '';
  if (r.delivered.some((d) => d.logicalPort !== undefined && d.logicalPort === from.logicalPort && /(^|,)arp_op=2(,|$)/.test(packetOf(d)))) return { answer: 'reply', by: [] };
  if (r.runs.some((run) => run.result.controllers.some((c) => c.reason === 'ND_NA' || c.reason === 'ND_NA_ROUTER'))) return { answer: 'neighbour-advertisement', by: [] };
  const owner = (lp: string) => resolver.port(lp)?.ips.some((ip) => canonicalIp(ip) === target) === true;
  const owners = [...new Set(r.delivered.flatMap((d) => (d.logicalPort !== undefined && d.logicalPort !== from.logicalPort && owner(d.logicalPort) ? [d.logicalPort] : [])))];
  return owners.length ? { answer: 'owner', by: owners } : { answer: 'none', by: [] };
}

/**
 * `--arp` to a load-balancer VIP that nobody answered: why (the load balancer is on no router
 * with a port on the sender's switch: OVN's switches answer ARP/ND for no VIP), and that the
 * flooded copies are not an answer.
 */
function unansweredVip(r: CrossResult, resolver: Resolver, from: Endpoint, to: Endpoint, p: GuestPacket): string | undefined {
  if (to.kind !== 'lb-vip' || p.nextHop.kind !== 'direct') return undefined;
  const lb = to.lb!;
  const sw = from.datapath?.name ?? 'the source switch';
  const what = p.family === 6 ? 'neighbour solicitation' : 'ARP request';
  const copies = [...new Set(r.delivered.flatMap((d) => (d.logicalPort ? [d.logicalPort] : [])))];
  const flooded = copies.length ? ` The ${what} is flooded: the copies that reach ${copies.join(', ')} are not answers (none of those ports has ${p.nwDst}).` : '';
  const responder = resolver.vipResponder(from, p.nwDst);
  const check = `${flooded} Check that the load balancer is on a router with a port on ${sw} (ovn-nbctl lr-lb-add ROUTER ${lb.name}, or add a Load_Balancer_Group that holds it to the router's load_balancer_group, as OVN-Kubernetes does).`;
  if (responder)
    return `nobody answered the ${what} for ${p.nwDst} (VIP ${lb.vip} of load balancer ${lb.name}): router ${responder.router} should answer it on ${responder.port} (${responder.why}), but this trace shows no answer — see where the copy sent to ${responder.router} went.${flooded}`;
  if (lb.groupsUnlistedOn?.length)
    return `nobody answered the ${what} for ${p.nwDst} on ${sw}: it is VIP ${lb.vip} of load balancer ${lb.name}, on no router with a port on ${sw} that the snapshot shows: ${lbPlacement(lb)}. OVN's switches answer ARP/ND for no VIP, its routers answer for the VIPs of their load balancers.${check}`;
  return `nobody answers ${p.family === 6 ? 'ND' : 'ARP'} for ${p.nwDst} on ${sw}: it is VIP ${lb.vip} of load balancer ${lb.name}, which is on no router with a port on ${sw} (it is on ${lb.datapaths.join(', ') || 'no switch or router'}; OVN's switches answer ARP/ND for no VIP, its routers answer for the VIPs of their load balancers).${check}`;
}

/** Whether the packet arrived where --to said: its port, a backend of its VIP, the port behind its NAT address, or the uplink for outside. */
function reached(r: CrossResult, resolver: Resolver, from: Endpoint, to: Endpoint, arp: ArpAnswer | undefined): boolean {
  // An unassigned address of a switch subnet: no port has it, nothing can receive the packet.
  if (to.unassigned) return false;
  if (to.kind === 'external-ip') return r.delivered.some((d) => d.kind === 'physical' || d.kind === 'patch');
  // An ARP request (NS) reaches its destination when it is answered: a VIP is no port's address,
  // so the flooded copies that reach its backends are not.
  if (arp !== undefined) return arp !== 'none';
  if (to.kind === 'lb-vip') {
    const backends = new Set<string>();
    for (const b of to.lb!.backends) {
      const ip = splitHostPort(b)?.ip;
      const e = ip ? resolver.resolve(ip, { near: from }) : undefined;
      if (e?.ok && e.value.logicalPort) backends.add(e.value.logicalPort);
    }
    return r.delivered.some((d) => d.logicalPort !== undefined && backends.has(d.logicalPort));
  }
  // A router port answers (ICMP echo) back to the sender.
  if (to.kind === 'router') return r.delivered.some((d) => d.logicalPort === from.logicalPort) || r.delivered.some((d) => d.logicalPort !== undefined && d.logicalPort === to.logicalPort);
  return r.delivered.some((d) => d.logicalPort !== undefined && d.logicalPort === to.logicalPort);
}

/**
 * `--arp` with `--reply`: the ARP request's answer (OVN's ARP responder, a router, the guest that
 * has the address) is part of the forward trace (`arpAnswer`). A reply trace would take the
 * answered request for "did not arrive" and send another request from the destination.
 */
function arpReplyError(req: Pick<TraceRequest, 'protocol' | 'reply'>): Result<never> | undefined {
  if (req.reply && req.protocol?.kind === 'dhcp')
    return fail('--reply with --dhcp: ovn-controller\'s answer to the DHCP request is part of the forward trace ("dhcpAnswer"): there is no reply to trace; drop --reply');
  if (req.reply && req.protocol?.kind === 'arp')
    return fail('--reply with --arp: the answer to an ARP request or neighbour solicitation (OVN\'s ARP responder, a router port, the port that has the address) is part of the forward trace ("arpAnswer"): there is no reply to trace; drop --reply');
  return undefined;
}

/** `trace --from A --to B`: resolve both ends, build the guest's packet, follow it across chassis. */
async function traceEndpoints(req: TraceRequest): Promise<Result<TraceServiceResult>> {
  if (req.from === undefined || (req.to === undefined && req.protocol?.kind !== 'dhcp')) return fail('give both --from and --to');
  // Before the snapshot is loaded (traceEndpointsIn checks again for callers without a load).
  const arpReply = arpReplyError(req);
  if (arpReply) return arpReply;
  if (req.flow !== undefined || req.flowsFile !== undefined) return fail('--from/--to build the packet themselves: do not give --flow or --flows-file with them');
  const opened = await openSnapshot(req.snapshot);
  if (!opened.ok) return opened;
  // Resolving the ends reads every host's ports, not its flows: the OpenFlow tables of a host are
  // read when a packet reaches it, and the trace is run again (--lb-dst looks the backend up in
  // every host's groups: it reads them all up front).
  const everyHost = req.lbDst !== undefined || req.readAllHosts === true;
  const loaded = await loadOpenedSnapshot(opened.value, req.snapshot, everyHost ? { classifier: true } : { classifier: true, tablesOf: [] });
  if (!loaded.ok) return loaded;
  const tunnelMtu = await tunnelMtuCheck(req, opened.value, everyHost ? undefined : []);
  const tables = hostTables(opened.value, req.snapshot, loaded.value, everyHost ? loaded.value.hosts.map((h) => h.name) : [], loaded.value.sb ? buildOvnIndex(loaded.value) : undefined, tunnelMtu);
  for (;;) {
    const r = traceEndpointsIn(tables.snapshot(), req, { context: tables.context(), ...(tunnelMtu ? { tunnelMtu: tunnelMtu.check } : {}) });
    if (!r.ok) return r;
    const read = await tables.read(r.value.needHosts);
    if (!read.ok) return read;
    if (read.value) continue;
    const entry = r.value.report.packet!.entry;
    const single = withDataErrors(withViewWarnings(r.value.report, tunnelMtu), tables.dataErrors(), [entry.host]);
    return ok({ host: entry.host, bridge: entry.bridge, mode: 'endpoints', single, loadedHosts: tables.loaded() });
  }
}

/**
 * The hosts of a trace, whose OpenFlow tables are read when a packet reaches them. `start` holds
 * every host: those in `withTables` in full, the others without their tables (as their identity,
 * or with their ports). A context marks the latter unloaded; a trace that reaches one names it
 * (needHosts), `read` loads their tables in place (and their kernel view, for `--size`), and
 * the caller traces again.
 */
function hostTables(source: SnapshotSource, dir: string, start: Snapshot, withTables: readonly string[], index: OvnIndex | undefined, tunnelMtu: TunnelMtuCheck | undefined) {
  let snapshot = start;
  const full = new Set(withTables);
  // Shared by the contexts made as hosts are read: a host is compiled once.
  const compiled = new Map<string, CompiledHost>();
  // The load errors by host, indexed once per set of hosts read (not once per batch line).
  let dataErrors: { of: Snapshot; index: DataErrorIndex } | undefined;
  return {
    snapshot: (): Snapshot => snapshot,
    dataErrors: (): DataErrorIndex => {
      if (dataErrors?.of !== snapshot) dataErrors = { of: snapshot, index: dataErrorIndex(snapshot.diagnostics, staleFlowIndex(snapshot)) };
      return dataErrors.index;
    },
    /** Hosts whose tables were read, in snapshot order. */
    loaded: (): string[] => snapshot.hosts.filter((h) => full.has(h.name)).map((h) => h.name),
    context: (): CrossContext => createCrossContext(snapshot, createResolver(snapshot), index, { compiled, unloaded: new Set(snapshot.hosts.filter((h) => !full.has(h.name)).map((h) => h.name)) }),
    /** Reads the tables of `hosts` not read yet; true when there were any (trace again). */
    read: async (hosts: readonly string[] | undefined): Promise<Result<boolean>> => {
      const need = (hosts ?? []).filter((h) => !full.has(h));
      if (!need.length) return ok(false);
      const more = await loadOpenedSnapshot(source, dir, { hosts: need, classifier: true, withoutCentral: true });
      if (!more.ok) return more;
      const byName = new Map(more.value.hosts.map((h) => [h.name, h] as const));
      snapshot = { ...snapshot, hosts: snapshot.hosts.map((h) => byName.get(h.name) ?? h), diagnostics: [...snapshot.diagnostics, ...more.value.diagnostics] };
      for (const h of need) full.add(h);
      await tunnelMtu?.read(need);
      return ok(true);
    },
  };
}

/** The outcome of `--from/--to` with what the report leaves out: every host run (for replays and comparisons). */
export interface EndpointTraceDetail {
  readonly report: TraceReport;
  readonly forward: CrossResult;
  readonly reply?: CrossResult;
  /** Hosts the packets reached whose tables the context has not loaded: load them and trace again. */
  readonly needHosts?: readonly string[];
}

/** A name that did not resolve while the NB/SB lists it is looked up in had errors: say so, it may be in the part lost. */
function withCentralErrors<T>(r: Result<T> & { ok: false }, snapshot: Snapshot): Result<T> {
  const central = dataErrorIndex(snapshot.diagnostics).central;
  if (!central) return r;
  return fail(`${r.error.message} — but the snapshot's NB/SB data is damaged (${central.summary}: ${central.listed.join('; ')}${central.count > central.listed.length ? `; and ${central.count - central.listed.length} more` : ''}), so the name may be in what could not be read`, r.error.exitCode);
}

/** `--from/--to` on a loaded snapshot (the service without I/O). */
export function traceEndpointsIn(snapshot: Snapshot, req: TraceRequest, extras: TraceExtras = {}): Result<EndpointTraceDetail> {
  if (req.from === undefined || (req.to === undefined && req.protocol?.kind !== 'dhcp')) return fail('give both --from and --to');
  const arpReply = arpReplyError(req);
  if (arpReply) return arpReply;
  const ctx = extras.context ?? createTraceContext(snapshot);
  const resolver = ctx.resolver;
  const fromText = resolver.resolve(req.from, { label: '--from' });
  if (!fromText.ok) return withCentralErrors(fromText, snapshot);
  if (req.protocol?.kind === 'dhcp') return traceDhcp(snapshot, req, ctx, fromText.value, extras);
  if (req.to === undefined) return fail('give both --from and --to');
  // The packet's protocol and port pick the load-balancer VIP an address is (NodePort on a router's
  // own IP, two load balancers on one VIP address).
  const to = resolver.resolve(req.to, { label: '--to', near: fromText.value, ...(req.protocol ? { packet: req.protocol } : {}), ...(req.dstMac ? { dstMac: req.dstMac } : {}) });
  if (!to.ok) return withCentralErrors(to, snapshot);
  const from = placeLocalport(resolver, fromText.value, to.value, req.from);
  if (!from.ok) return from;
  // A port to itself meets ovn-controller's loopback check (table 41 drops outport == inport),
  // which reads as an unexplained drop: say so. Traced all the same, since what comes before it
  // (port security against a spoofed address, TTL) is worth seeing; its own NAT address or a VIP
  // it backs is a hairpin, not this.
  const samePort =
    from.value.kind === 'vif' && to.value.kind === 'vif' && from.value.logicalPort !== undefined && from.value.logicalPort === to.value.logicalPort
      ? `--from ${req.from} and --to ${req.to} are the same logical port (${from.value.logicalPort}): a packet switched back to the port it came in on is dropped by ovn-controller's loopback check (OpenFlow table 41: outport == inport) unless something earlier decides; for a hairpin, --to the port's NAT address or a load-balancer VIP it backs`
      : undefined;
  if (req.lbDst) {
    const known = lbBackendCheck(snapshot, req.lbDst);
    if (!known.ok) return known;
  }
  const protocol = req.protocol ?? defaultProtocol(to.value);
  const fwd = traceGuest(req, snapshot, ctx, resolver, from.value, to.value, protocol, { ...(req.sport !== undefined ? { sport: req.sport } : {}), ctNext: req.ctNext, extras });
  if (!fwd.ok) return fwd;
  if (fwd.value.cross.needHosts?.length) return ok({ report: fwd.value.report, forward: fwd.value.cross, needHosts: fwd.value.cross.needHosts });
  // udp/67 (547) by hand is rarely what a DHCP client sends: point at --dhcp.
  const dhcpPort = protocol.kind === 'udp' && (protocol.port === 67 || protocol.port === 547) ? protocol.port : undefined;
  const dhcpHint =
    dhcpPort !== undefined
      ? `udp/${dhcpPort} is the DHCP${dhcpPort === 547 ? 'v6' : ''} server port: this is the packet as given, not a client's ${dhcpPort === 547 ? 'Solicit ([link-local]:546 → [ff02::1:2]:547' : 'DHCPDISCOVER (0.0.0.0:68 → 255.255.255.255:67'}, to the broadcast MAC), which is what OVN's native DHCP answers: trace that with --dhcp`
      : undefined;
  const early = [...(samePort ? [samePort] : []), ...(dhcpHint ? [dhcpHint] : [])];
  let single = early.length ? { ...fwd.value.report, warnings: [...early, ...fwd.value.report.warnings] } : fwd.value.report;
  let reply: CrossResult | undefined;
  if (req.reply && to.value.kind === 'router' && fwd.value.report.reachedDestination) {
    single = { ...single, replySkipped: `${to.value.input} is a router port: its answer (echo reply, ARP reply) is the packet the forward trace delivered back to ${from.value.logicalPort ?? from.value.input}` };
  } else if (req.reply) {
    const rep = traceReply(req, snapshot, ctx, resolver, from.value, to.value, protocol, fwd.value, extras);
    if (rep.ok) reply = rep.value.cross;
    single = rep.ok ? { ...single, reply: rep.value.report } : { ...single, replySkipped: rep.error.message };
  }
  return ok({ report: single, forward: fwd.value.cross, ...(reply ? { reply } : {}), ...(reply?.needHosts?.length ? { needHosts: reply.needHosts } : {}) });
}

/**
 * `--from` a localport (Neutron's metadata port, on every chassis that has its interface): on the
 * chassis of the other end when that is one of them (localport traffic never crosses a tunnel),
 * on the only one, else a question.
 */
function placeLocalport(resolver: Resolver, from: Endpoint, to: Endpoint, text: string): Result<Endpoint> {
  const hosts = from.localportHosts;
  if (from.kind !== 'localport' || from.host || !hosts || hosts.length < 2) return ok(from);
  if (to.host && hosts.includes(to.host)) {
    const e = resolver.onHost(from, to.host);
    return e.ok ? ok({ ...e.value, notes: [...e.value.notes, `${from.logicalPort} is a localport with an interface on ${hosts.join(', ')}: sending from ${to.host}, where ${to.logicalPort ?? to.input} is (localport traffic never crosses a tunnel)`] }) : e;
  }
  return fail(`--from ${text}: ${from.logicalPort} is a localport (Neutron's metadata port is one) with an interface on ${hosts.length} hosts, ${hosts.join(', ')}, and its traffic never leaves the chassis it is sent on: say which with --from ${text}@HOST (e.g. --from ${text}@${hosts[0]})`);
}

/**
 * `--dhcp`: the DHCP client's first message from `from` (src/sim/guest.ts `dhcpPacket`), to the
 * broadcast or ff02::1:2 — `--to` names which when given (an IPv6 --src-ip picks IPv6), else
 * IPv4 when the port has an IPv4 address.
 */
function traceDhcp(snapshot: Snapshot, req: TraceRequest, ctx: CrossContext, from: Endpoint, extras: TraceExtras): Result<EndpointTraceDetail> {
  const typed = req.to !== undefined ? canonicalIp(req.to) : undefined;
  const fam: 4 | 6 | undefined = typed === DHCP_SERVER_ADDRESS[4] ? 4 : typed === DHCP_SERVER_ADDRESS[6] ? 6 : undefined;
  if (req.to !== undefined && fam === undefined)
    return fail(`--dhcp --to ${req.to}: a DHCP client sends its first message to ${DHCP_SERVER_ADDRESS[4]} (DHCPDISCOVER) or ${DHCP_SERVER_ADDRESS[6]} (DHCPv6 Solicit), whoever the server is: give one of those, or leave --to out`);
  const srcFam = req.srcIp !== undefined && canonicalIp(req.srcIp) ? (canonicalIp(req.srcIp)!.includes(':') ? 6 : 4) : undefined;
  if (fam !== undefined && srcFam !== undefined && fam !== srcFam) return fail(`--src-ip ${req.srcIp} is IPv${srcFam} and --to ${req.to} is IPv${fam}: a packet has one family`);
  const family = fam ?? srcFam ?? (from.ips.some((ip) => !ip.includes(':')) || !from.ips.length ? 4 : 6);
  const ip = DHCP_SERVER_ADDRESS[family];
  const server: Endpoint = {
    input: req.to ?? ip,
    kind: 'external-ip',
    matchedBy: 'external',
    logicalPort: undefined,
    portType: undefined,
    datapath: from.datapath,
    portKey: undefined,
    mac: undefined,
    ips: [ip],
    ip,
    networks: [],
    chassis: from.chassis,
    host: from.host,
    bridge: undefined,
    ofport: undefined,
    iface: undefined,
    names: {},
    notes: [],
  };
  const fwd = traceGuest(req, snapshot, ctx, ctx.resolver, from, server, { kind: 'dhcp' }, { ctNext: req.ctNext, extras });
  if (!fwd.ok) return fwd;
  return ok({ report: fwd.value.report, forward: fwd.value.cross, ...(fwd.value.cross.needHosts?.length ? { needHosts: fwd.value.cross.needHosts } : {}) });
}

/**
 * The reply: swapped from the packet as it was delivered (so NAT and LB rewrites are kept, as
 * the replying guest sees them), entering where it arrived, with every conntrack recirculation
 * resumed as est+rpl; built from the endpoints when the forward packet did not arrive.
 */
function traceReply(req: TraceRequest, snapshot: Snapshot, ctx: CrossContext, resolver: Resolver, from: Endpoint, to: Endpoint, protocol: Protocol, fwd: EndpointTrace, extras: TraceExtras): Result<EndpointTrace> {
  const ctNext = Array.from({ length: 32 }, () => REPLY_CT_STATE);
  const cross = fwd.cross;
  // With the forward's connection tables, each lookup answers what the forward committed there.
  const model = cross.conntrack;
  const arrival =
    cross.delivered.find((d) => d.logicalPort !== undefined && d.logicalPort === to.logicalPort) ??
    cross.delivered.find((d) => d.kind === 'local' && d.logicalPort !== undefined && d.logicalPort !== from.logicalPort) ??
    (to.kind === 'external-ip' ? cross.delivered.find((d) => d.kind === 'physical') : undefined);
  if (arrival) {
    const hop = cross.hops[arrival.hop]!;
    const out = hop.outputs.find((o) => o.port === arrival.port) as { state?: PacketState } | undefined;
    if (out?.state) {
      const replier = arrival.logicalPort ? resolver.port(arrival.logicalPort) : undefined;
      const flow = flowFromState(out.state, { inPort: arrival.port, reply: true, ttl: req.ttl ?? DEFAULT_TTL, ...(replier?.mac ? { replyMac: replier.mac } : {}) });
      const entry: HopEntry = { kind: arrival.kind === 'physical' ? 'uplink' : 'start', port: arrival.port };
      const ends = { from: req.to ?? to.input, to: req.from ?? from.input };
      const opts = model && extras.conntrack !== false ? { ...crossOptions(req, snapshot, ends, [], extras), conntrack: model } : crossOptions(req, snapshot, ends, ctNext, extras);
      const r = traceAcross(ctx, { host: hop.host, bridge: hop.bridge, flow, entry }, { ...opts, lbDst: undefined, conntrackTrace: 'reply' });
      if (!r.ok) return r;
      const back = arrival.logicalPort ? resolver.port(arrival.logicalPort) : undefined;
      const base = crossReport(flow, r.value, req.detail);
      const how = model
        ? 'each conntrack lookup answers from the connections the forward packet committed on that host (est+rpl where it did, new where it did not: an asymmetric path shows up as new), and a ct(nat) of a connection committed with a NAT undoes it as conntrack does (un-SNAT, un-DNAT: each named in its hop; ofproto/trace cannot, so a --ct-next replay of such a hop agrees only up to that recirculation)'
        : `conntrack state ${REPLY_CT_STATE} at every recirculation. Without the conntrack model (--ct-next) NAT and load-balancer rewrites are not undone on the reply, as in ofproto/trace`;
      return ok({
        cross: r.value,
        report: {
          ...base,
          warnings: [`reply built from the packet as it arrived at ${arrival.logicalPort ?? arrival.port} on ${hop.host}, source and destination swapped; ${how}`, ...base.warnings],
          ...(back ? { from: back } : {}),
          to: from,
          reachedDestination: r.value.delivered.some((d) => (from.logicalPort ? d.logicalPort === from.logicalPort : d.kind === 'physical')),
        },
      });
    }
  }
  // Not delivered: the reply the destination would send if it had got the packet.
  let replier = to;
  if (to.kind === 'lb-vip') {
    const backend = cross.lbChoices[0]?.backend ?? req.lbDst ?? to.lb!.backends[0];
    const ip = backend ? splitHostPort(backend)?.ip : undefined;
    const b = ip ? resolver.resolve(ip) : undefined;
    if (!b?.ok) return fail(`the forward packet did not arrive and the backend of ${to.lb!.name} is not a logical port: no reply to trace`);
    replier = b.value;
  } else if (to.kind === 'nat' && to.logicalPort) {
    const inner = resolver.port(to.logicalPort);
    if (inner) replier = inner;
  }
  if (replier.kind === 'router') return fail(`the forward packet did not arrive; ${to.input} is a router port, which does not originate replies of its own`);
  if (replier.kind !== 'external-ip' && !replier.host) return fail(`the forward packet did not arrive and ${describeEndpoint(replier)} is not on a collected host: no reply to trace`);
  const fsport = fwd.report.packet?.sport;
  const rproto: Protocol = protocol.kind === 'tcp' || protocol.kind === 'udp' || protocol.kind === 'sctp' ? { kind: protocol.kind, port: fsport ?? 40000 } : protocol.kind === 'icmp' ? { kind: 'icmp', reply: true } : protocol;
  const sport = protocol.kind === 'tcp' || protocol.kind === 'udp' || protocol.kind === 'sctp' ? protocol.port : undefined;
  if (replier.kind === 'external-ip' && from.kind === 'external-ip') return fail('both ends are outside the overlay');
  const r = traceGuest({ ...req, lbDst: undefined, from: req.to, to: req.from, srcMac: undefined, dstMac: undefined, srcIp: undefined }, snapshot, ctx, resolver, replier, from, rproto, { ...(sport !== undefined ? { sport } : {}), ctNext, extras });
  if (!r.ok) return r;
  return ok({ cross: r.value.cross, report: { ...r.value.report, warnings: [`the forward packet did not arrive: this is the reply ${describeEndpoint(replier)} would send, conntrack state ${REPLY_CT_STATE}`, ...r.value.report.warnings] } });
}

/**
 * Exit code for a verdict: 0 delivered (or handed to a tunnel), 1 dropped, punted or stopped, and
 * for --from/--to also delivered somewhere that is not --to (the reply too, with --reply): a
 * script asking "does A reach B" must not read a packet that left through the uplink as yes.
 */
export function verdictExitCode(r: TraceReport): number {
  // An --arp trace succeeds when the request is answered, whatever the verdict: IPv6 routers
  // answer a neighbour solicitation through ovn-controller (nd_na_router), a punt.
  // A --dhcp trace, when ovn-controller answers (put_dhcp_opts): also a punt.
  const answered = (x: TraceReport) => (x.arpAnswer !== undefined && x.arpAnswer !== 'none' && x.reachedDestination === true) || x.dhcpAnswer?.answered === true;
  const one = (x: TraceReport) => ((x.verdict === 'delivered' && x.reachedDestination !== false) || x.verdict === 'tunnel' || answered(x) ? 0 : 1);
  return Math.max(one(r), r.reply ? one(r.reply) : 0);
}
