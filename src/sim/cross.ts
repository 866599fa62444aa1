/**
 * Cross-host traces: one packet through every chassis it reaches. Each host is interpreted by
 * `traceHost` (the ofproto/trace-exact simulator, patch ports included); what leaves through a
 * GENEVE port continues on the chassis at the other end:
 *
 *   remote chassis  = the tunnel port's `external_ids:ovn-chassis-id`, else `options:remote_ip`
 *                     ↔ SB Encap.ip ↔ Chassis; the snapshot host that is that chassis
 *                     (system-id, hostname, encap IP);
 *   in_port         = that host's tunnel port whose `options:remote_ip` is the sender's TEP;
 *   tun_id          = the packet's tun_id at output (OVN: the logical datapath key);
 *   tun_src/tun_dst = the sender's TEP (tunnel `options:local_ip`, else `ovn-encap-ip`) / remote_ip;
 *   tun_metadata0   = the packet's tun_metadata0 at output (OVN: logical inport << 16 | outport);
 *   headers         = the packet's L2–L4 headers as they left (pipeline state is not carried);
 *   conntrack       = a new host: the `--ct-next` states start again from the first.
 *
 * Physical ports end the hop ("left hv3 via eth1"), VIF ports deliver. Loops (the same packet
 * entering the same place twice) and too many hops stop the trace. A chassis that is not in the
 * snapshot stops it with REMOTE_NOT_COLLECTED and the collect command that would fetch it.
 *
 * Load balancers: OVN's select groups use dp_hash, where ofproto/trace stops. Here the backend is
 * chosen (`--lb-dst`, else the group's first bucket) and the hop is re-run with the `dp_hash`
 * value that selects it — the hop's `input` is then exactly what ofproto/trace needs to agree.
 */
import { cookieOf, type SbPortBinding } from '../model/ovn.js';
import type { FlowEntry, GroupBucket } from '../model/flow.js';
import { flowKeyOf } from '../model/flow-list.js';
import { fail, ok, type Result, type UserError } from '../model/result.js';
import type { BridgePort, BridgeState, HostState, Snapshot } from '../model/snapshot.js';
import type { Detail, HopCtNat, HopEntry, HopStep, OutputNext, TraceDrop, TraceHop, TraceNode, TraceOutput, TraceResult, TunnelFields, Verdict } from '../model/trace.js';
import { formatIpv4, formatIpv6, formatMac } from '../model/masked.js';
import { formatFlow } from '../parse/ofctl-flows.js';
import { datapathName, type OvnIndex } from '../snapshot/ovn-index.js';
import { splitHostPort, type Resolver } from '../snapshot/resolve.js';
import { annotateWithSummary, classifyPunt, describeNb, hopDetails, nameStep } from './annotate.js';
import { compileHost, type CompiledHost } from './compile.js';
import { ConntrackTable, describeNatRewrite, describeOrigin } from './conntrack.js';
import { formatFlowState } from './format.js';
import { flowFromState } from './guest.js';
import { bucketId, type CompiledGroup } from './groups.js';
import { memberLiveness } from './bundle.js';
import { aclSetMemo, aclSetNote, type AclSetMemo } from './acl-sets.js';
import { bucketOfBackend, formatLbBackend, natBackend, parseLbBackend, portlessBackendHint, severalBackendsError } from './lb-backend.js';
import { ETH_TYPE_IP, ETH_TYPE_IPV6, SP, VLAN_CFI, type PacketState } from './state.js';
import { field } from '../model/fields.js';
import { traceHost, type SimDrop, type SimOutput, type SimTraceResult, type TraceOptions } from './trace.js';
import { plural } from '../model/plural.js';

/** GENEVE overhead on top of the inner IP packet (OVN's option included): IPv4 / IPv6 underlay. */
export const GENEVE_OVERHEAD = { 4: 58, 6: 78 } as const;

export interface CrossContext {
  readonly snapshot: Pick<Snapshot, 'hosts' | 'sb' | 'nb'>;
  readonly resolver: Resolver;
  readonly index?: OvnIndex;
  /**
   * Hosts of the snapshot loaded without their OpenFlow tables (their identity, perhaps their
   * ports): a packet that reaches one stops there, and the result names it in `needHosts`.
   */
  readonly unloaded?: ReadonlySet<string>;
  /** The host compiled once (cached in this context); undefined when not in the snapshot or not loaded. */
  compiled(host: string): CompiledHost | undefined;
  /** The NB address sets and the ACL matches read for them, made once per context (ACL steps name the member matched). */
  aclSets?(): AclSetMemo;
  /**
   * The evidence of drops by bridge and dump line, made once per context: a batch drops thousands
   * of packets at a few flows, and formatting the flow was most of the cost of a drop's evidence.
   */
  readonly evidenceByLine?: WeakMap<BridgeState, Map<number, string>>;
}

export interface CrossContextOptions {
  readonly unloaded?: ReadonlySet<string>;
  /** Compiled hosts to share with an earlier context of the same hosts (one that loaded fewer). */
  readonly compiled?: Map<string, CompiledHost>;
}

export function createCrossContext(snapshot: Pick<Snapshot, 'hosts' | 'sb' | 'nb'>, resolver: Resolver, index?: OvnIndex, options: CrossContextOptions = {}): CrossContext {
  const cache = options.compiled ?? new Map<string, CompiledHost>();
  const unloaded = options.unloaded;
  let aclSets: AclSetMemo | undefined;
  return {
    snapshot,
    resolver,
    aclSets: () => (aclSets ??= aclSetMemo(snapshot.nb?.addressSets)),
    evidenceByLine: new WeakMap(),
    ...(index ? { index } : {}),
    ...(unloaded ? { unloaded } : {}),
    compiled(name: string) {
      if (unloaded?.has(name)) return undefined;
      let c = cache.get(name);
      if (!c) {
        const h = snapshot.hosts.find((x) => x.name === name);
        if (!h) return undefined;
        cache.set(name, (c = compileHost(h)));
      }
      return c;
    },
  };
}

export interface CrossStart {
  readonly host: string;
  readonly bridge: string;
  /** The packet in ofproto/trace flow syntax. */
  readonly flow: string;
  readonly entry: HopEntry;
}

export interface CrossOptions {
  readonly ctNext?: readonly (string | number)[];
  readonly selectBucket?: TraceOptions['selectBucket'];
  /** Backend to choose in load-balancer groups (`IP[:PORT]`); else the first bucket. */
  readonly lbDst?: string;
  /** Frame length for check_pkt_larger and the MTU checks (default: ofproto/trace's). */
  readonly size?: number;
  readonly followTunnels: boolean;
  /** Bound on host traces (default 32). */
  readonly maxHops?: number;
  /** How to tell the user to collect a missing chassis. */
  readonly collectHint?: (chassis: string | undefined, remoteIp: string | undefined) => string;
  /** MAC learning tables of NORMAL bridges per host (`ovs-appctl fdb/show`); without one they flood. */
  readonly fdb?: Readonly<Record<string, TraceOptions['fdb']>>;
  /**
   * Conntrack model per host (see conntrack.ts), used when `ctNext` is empty: pass the tables of
   * a forward trace to trace its reply against the connections it committed. `false`: no model
   * (every recirculation trk|new, as ofproto/trace by default).
   */
  readonly conntrack?: Map<string, ConntrackTable> | false;
  /** This trace's name for the connections it commits (`forward`), which a later trace's nodes name. */
  readonly conntrackTrace?: string;
  /**
   * Does a frame of `frameLength` bytes, encapsulated at a tunnel output of `host` toward
   * `remoteIp`, fit the underlay egress (every ECMP leg)? Injected by the trace service from the
   * snapshot's kernel view (checks/mtu-trace.ts) so the simulator stays free of route lookups.
   * `unknown` (or no function): the OVS Interface MTU of the tunnel's egress is used instead.
   */
  readonly tunnelMtu?: (host: string, remoteIp: string, frameLength: number) => TunnelMtuVerdict;
  /** The most detail the caller reads of the trees (`TraceOptions.treeDetail`); default all. */
  readonly treeDetail?: Detail;
}

/** What `CrossOptions.tunnelMtu` says about one encapsulated packet. */
export interface TunnelMtuVerdict {
  /** `dropped`: exceeds an egress leg with DF set; `fragmented`: exceeds, df_default=false. */
  readonly outcome: 'fits' | 'dropped' | 'fragmented' | 'unknown';
  readonly explanation: string;
}

/** One traced host: what was run there and what the simulator said (for comparisons). */
export interface HostRun {
  readonly host: string;
  readonly bridge: string;
  /** The flow traced (with `dp_hash=` when a load-balancer bucket was chosen). */
  readonly flow: string;
  /** The ct_state of each recirculation, in order: its `--ct-next` replay. */
  readonly ctNext: readonly string[];
  readonly size: number;
  readonly result: SimTraceResult;
  /** Indexes of the hops (one per bridge) this run produced. */
  readonly hops: readonly number[];
  readonly lbChoices: readonly LbChoice[];
}

export interface LbChoice {
  readonly host: string;
  readonly groupId: number;
  readonly bucket: number;
  readonly backend?: string;
  readonly dpHash: number;
  readonly why: string;
}

export interface CrossResult extends TraceResult {
  readonly size: number;
  readonly incomplete?: { readonly reason: string; readonly hint: string; readonly groupId?: number; readonly chassis?: string };
  /** Logical ports (or uplinks) the packet reached. */
  readonly delivered: readonly { readonly hop: number; readonly host: string; readonly port: string; readonly logicalPort?: string; readonly kind: string }[];
  readonly runs: readonly HostRun[];
  readonly lbChoices: readonly LbChoice[];
  /** Connection tables after the trace (per host), when the conntrack model was used. */
  readonly conntrack?: Map<string, ConntrackTable>;
  /**
   * Hosts the packet reached whose tables the context has not loaded (`CrossContext.unloaded`):
   * the result stops short of them; load them and trace again.
   */
  readonly needHosts?: readonly string[];
}

interface Pending {
  readonly host: string;
  readonly bridge: string;
  readonly flow: string;
  readonly entry: HopEntry;
  /** The output this continues (its `next` is filled in when the hop exists). */
  readonly from?: { output: MutableOutput };
  /** Reached over the provider network (not a tunnel): which, toward which MAC, and why there. */
  readonly provider?: { readonly network: string; readonly toward: string; readonly why: string };
}

type MutableOutput = { -readonly [K in keyof TraceOutput]: TraceOutput[K] } & { state?: SimOutput['state'] };
type MutableHop = { -readonly [K in keyof TraceHop]: TraceHop[K] };

/**
 * Where a packet leaving `host` into provider network `network` arrives, when the snapshot knows
 * which chassis answers its destination MAC: that chassis' provider bridge, entered through its
 * uplink (the physical port of the bridge ovn-bridge-mappings names for the network).
 */
function providerNext(ctx: CrossContext, host: string, network: string, out: MutableOutput, idx: number): { kind: 'follow'; pending: Pending } | { kind: 'need'; host: string } | { kind: 'note'; text: string } | undefined {
  const mac = formatMac(out.state!.space(SP.dl_dst));
  const owner = ctx.resolver.providerMacOwner(network, mac);
  if (!owner || owner.host === host) return undefined;
  if (!owner.host) return { kind: 'note', text: `${host}: the packet left on provider network ${network} toward ${mac}, ${owner.why}: chassis ${owner.chassis} is not in the snapshot, so it is traced no further (collect it too)` };
  if (ctx.unloaded?.has(owner.host)) return { kind: 'need', host: owner.host };
  const rc = ctx.compiled(owner.host);
  const bridgeName = rc?.host.openVswitch?.ovnBridgeMappings[network];
  const bridge = bridgeName ? rc?.bridges.get(bridgeName) : undefined;
  const uplink = bridge?.state.ports.find((x) => x.role.kind === 'physical');
  if (!bridge || !uplink) return { kind: 'note', text: `${host}: the packet left on provider network ${network} toward ${mac}, ${owner.why}, but ${owner.host} has no bridge with a physical port for ${network} in the snapshot: traced no further` };
  const flow = flowFromState(out.state!, { inPort: uplink.name });
  return { kind: 'follow', pending: { host: owner.host, bridge: bridge.state.name, flow, entry: { kind: 'uplink', port: uplink.name, ofport: uplink.ofport, fromHop: idx, fromHost: host, fromPort: out.port }, from: { output: out }, provider: { network, toward: mac, why: owner.why } } };
}

function hx(n: number | bigint): string {
  return '0x' + n.toString(16);
}

/** The backend (`ct(nat(dst=IP:PORT))`) a select-group bucket sends to, as --lb-dst writes it. */
export function bucketBackend(b: GroupBucket): string | undefined {
  const backend = natBackend(b.actions);
  return backend ? formatLbBackend(backend) : undefined;
}

/** A dp_hash value that makes a dp_hash select group pick `bucket` (nonzero: 0 means "not hashed yet"). */
export function dpHashFor(g: CompiledGroup, bucket: GroupBucket): number | undefined {
  if (!g.hashMap || g.hashMask === undefined) return undefined;
  const i = g.hashMap.indexOf(bucket);
  if (i < 0) return undefined;
  return i === 0 ? g.hashMask + 1 : i;
}

/** The VIP (`IP:PORT`, IPv6 as `[IP]:PORT`) a packet was sent to when it reached a load-balancer group: its destination then, before the bucket's DNAT. */
function vipOf(result: SimTraceResult): string | undefined {
  const pass = result.passes.find((p) => p.frozen) ?? result.passes[result.passes.length - 1];
  const ff = pass?.finalFlow ?? '';
  const v4 = flowField(ff, 'nw_dst');
  const ip = v4 ?? (flowField(ff, 'ipv6_dst') !== undefined ? `[${flowField(ff, 'ipv6_dst')}]` : undefined);
  if (ip === undefined) return undefined;
  const port = flowField(ff, 'tp_dst');
  return port !== undefined && port !== '0' ? `${ip}:${port}` : ip;
}

/**
 * The NB load balancer whose VIPs include `vip` (`IP:PORT` or `IP`, as `vipOf` writes it) and the
 * VIP key that matched: `vip` itself, else its address alone (a VIP without a port, which takes
 * the packet on whatever port it was sent to).
 */
function loadBalancerOfVip(snapshot: Pick<Snapshot, 'nb'>, vip: string): { name: string; portless: boolean } | undefined {
  const lbs = snapshot.nb?.loadBalancers ?? [];
  const hp = splitHostPort(vip);
  if (!hp) return undefined;
  const having = (port: number | undefined) => lbs.find((lb) => Object.keys(lb.vips).some((k) => { const key = splitHostPort(k); return key?.ip === hp.ip && key.port === port; }));
  const exact = hp.port !== undefined ? having(hp.port) : undefined;
  if (exact) return { name: exact.name, portless: false };
  const portless = having(undefined);
  return portless ? { name: portless.name, portless: true } : undefined;
}

/**
 * The usage error for an --lb-dst that is not a backend of the load-balancer group the packet met
 * on `host` (`result` stopped or was re-run there): names the VIP, its load balancer and the
 * backends it has, so the user can pick one.
 */
export function lbDstNotABackend(lbDst: string, result: SimTraceResult, buckets: readonly GroupBucket[], host: string, groupId: number, snapshot: Pick<Snapshot, 'nb'>): string {
  const vip = vipOf(result);
  const lb = vip ? loadBalancerOfVip(snapshot, vip) : undefined;
  const backends = buckets.map(bucketBackend).filter((b): b is string => b !== undefined);
  // vipOf appends the packet's port; a VIP without a port (the NB says so, or without the NB its
  // backends have none: OVN gives a VIP's and its backends' ports together) is not IP:PORT.
  const noPort = lb ? lb.portless : buckets.length > 0 && buckets.every((b) => { const n = natBackend(b.actions); return n !== undefined && n.port === undefined; });
  const about = [...(noPort ? ['any port'] : []), ...(lb ? [`load balancer ${lb.name}`] : [])];
  const what = vip ? `VIP ${noPort ? vip.replace(/:\d+$/, '') : vip}${about.length ? ` (${about.join('; ')})` : ''}` : `the load balancer of group ${groupId}`;
  const wanted = parseLbBackend(lbDst);
  const hint = wanted ? portlessBackendHint(buckets, wanted) : undefined;
  return `--lb-dst ${lbDst} is not a backend of ${what}, which the packet meets on ${host} (group ${groupId}): its backends are ${backends.join(', ') || '(none named)'}${hint ? `; ${hint}` : ''}`;
}

/** A failure of the user's --lb-dst or --select-bucket choice: the whole trace fails, whichever host it happened on. */
type HostTraceRun = Result<{ result: SimTraceResult; flow: string; choices: LbChoice[]; ct?: ConntrackTable }> | { readonly ok: false; readonly error: UserError; readonly usage: true };

/** Runs one host, choosing load-balancer buckets where OVS would hash. */
function runHost(compiled: CompiledHost, bridge: string, flow: string, base: TraceOptions, lbDst: string | undefined, ct: ConntrackTable | undefined, snapshot: Pick<Snapshot, 'nb'>): HostTraceRun {
  let f = flow;
  const choices: LbChoice[] = [];
  for (let attempt = 0; attempt < 4; attempt++) {
    // Each attempt starts from the table as it was: a re-run must not see its own commits.
    const table = ct?.clone();
    const r = traceHost(compiled, bridge, f, table ? { ...base, conntrack: table } : base);
    if (!r.ok) return 'missingBucket' in r.error ? { ...r, usage: true } : r;
    const inc = r.value.incomplete ?? r.value.dpHashStop;
    const done = { result: r.value, flow: f, choices, ...(table ? { ct: table } : {}) };
    if (inc?.groupId === undefined || /(^|,)dp_hash=/.test(f)) return ok(done);
    let group: CompiledGroup | undefined;
    for (const b of compiled.bridges.values()) group ??= b.groups.get(inc.groupId);
    if (!group) return ok(done);
    const buckets = group.group.buckets;
    const wanted = lbDst !== undefined ? parseLbBackend(lbDst) : undefined;
    const index = wanted ? bucketOfBackend(buckets, wanted) : -1;
    if (typeof index === 'object') return { ...fail(severalBackendsError(lbDst!, inc.groupId, ` on ${compiled.host.name}`, index)), usage: true };
    let bucket = index >= 0 ? buckets[index] : undefined;
    // Another load balancer's backend (or none): tracing the first bucket would answer a question nobody asked.
    if (lbDst && !bucket) return { ...fail(lbDstNotABackend(lbDst, r.value, buckets, compiled.host.name, inc.groupId, snapshot)), usage: true };
    const why = bucket ? `--lb-dst ${lbDst}` : 'the first bucket (OVS would hash the packet; choose with --lb-dst)';
    bucket ??= buckets[0];
    const h = bucket ? dpHashFor(group, bucket) : undefined;
    if (!bucket || h === undefined) return ok(done);
    const backend = bucketBackend(bucket);
    choices.push({ host: compiled.host.name, groupId: inc.groupId, bucket: bucketId(group.group, bucket), ...(backend ? { backend } : {}), dpHash: h, why });
    f = `${f},dp_hash=${hx(h)}`;
  }
  return fail(`could not choose load-balancer buckets on ${compiled.host.name}`, 4);
}

function tunSrcOf(host: HostState, port: BridgePort, ctx: CrossContext): string | undefined {
  if (port.role.kind === 'tunnel' && port.role.localIp && port.role.localIp !== 'flow') return port.role.localIp;
  if (host.encapIp) return host.encapIp;
  const chassis = host.chassis;
  return chassis ? ctx.snapshot.sb?.encaps.find((e) => e.chassisName === chassis)?.ip : undefined;
}

function remoteOf(ctx: CrossContext, out: TraceOutput): { chassis?: string; host?: string } {
  const ip = out.tunnel?.remoteIp;
  let chassis = out.tunnel?.chassis;
  if (!chassis && ip) chassis = ctx.snapshot.sb?.encaps.find((e) => e.ip === ip)?.chassisName;
  let host = chassis ? ctx.resolver.hostOfChassis(chassis) : undefined;
  host ??= ctx.snapshot.hosts.find((h) => h.encapIp === ip || (h.openVswitch?.ovnEncapIps ?? []).includes(ip ?? ''))?.name;
  return { ...(chassis ? { chassis } : {}), ...(host ? { host } : {}) };
}

/** Names of the logical datapath and ports a GENEVE header carries. */
function decodeTunnel(ctx: CrossContext, tunId: string, metadata0: string | undefined): Pick<TunnelFields, 'datapath' | 'inport' | 'outport'> {
  const idx = ctx.index;
  if (!idx) return {};
  const key = Number(BigInt(tunId));
  const dp = idx.datapathByKey.get(key);
  const out: { datapath?: string; inport?: string; outport?: string } = dp ? { datapath: datapathName(dp) } : {};
  if (metadata0 !== undefined) {
    const md = Number(BigInt(metadata0));
    const inKey = (md >> 16) & 0x7fff;
    const outKey = md & 0xffff;
    const name = (k: number) => idx.portByKeys.get(`${key}/${k}`)?.logicalPort ?? ctx.snapshot.sb?.multicastGroups.find((g) => g.datapath === dp?.uuid && g.tunnelKey === k)?.name;
    const i = name(inKey);
    const o = name(outKey);
    if (i) out.inport = i;
    if (o) out.outport = o;
  }
  return out;
}

/** IP packet length of a frame of `size` bytes (undefined for non-IP). */
function ipLength(state: SimOutput['state'], size: number): { len: number; family: 4 | 6 } | undefined {
  if (!state) return undefined;
  const t = state.space(SP.dl_type);
  if (t !== ETH_TYPE_IP && t !== ETH_TYPE_IPV6) return undefined;
  let l2 = 14;
  if (state.space(SP.vlan_tci) & VLAN_CFI) l2 += 4;
  return { len: size - l2, family: t === ETH_TYPE_IP ? 4 : 6 };
}


function flowEvidence(host: HostState, bridge: string, table: number, line: number | undefined, cookie: string | undefined, priority: number | undefined, evidenceByLine?: CrossContext['evidenceByLine']): string | undefined {
  const b = host.bridges.find((x) => x.name === bridge);
  if (!b) return undefined;
  const known = line !== undefined ? evidenceByLine?.get(b)?.get(line) : undefined;
  if (known !== undefined) return known;
  const atLine = line !== undefined ? flowAtLine(b.flows, line) : undefined;
  const entry = atLine ?? flowByKey(b, table, priority, cookie);
  if (!entry) return undefined;
  const text = `${b.flowsFile ?? `${host.name}/${bridge}`}:${entry.line}: ${formatFlow(entry)}`;
  // Only the flow found at its line is that line's (the fallback depends on table, priority, cookie).
  if (atLine && evidenceByLine) {
    let byLine = evidenceByLine.get(b);
    if (!byLine) evidenceByLine.set(b, (byLine = new Map()));
    byLine.set(line!, text);
  }
  return text;
}

/**
 * What a table miss can cite: the table, the dump it was read from and how many flows it has
 * (none matched; 0 says the dump has no flow of that table at all — a cut dump, or a table
 * ovn-controller has not filled).
 */
function tableMissEvidence(compiled: CompiledHost, bridge: string, table: number): Pick<TraceDrop, 'explanation' | 'tableFlows' | 'flowsFile'> | Record<string, never> {
  const b = compiled.bridges.get(bridge);
  if (!b) return {};
  // The classifier's count (the dump's flows of the table, less those that can never match, which
  // it lists apart): not a scan of a 455k-flow dump per drop.
  let n = b.tables[table]?.nFlows ?? 0;
  for (const p of b.problems) if (p.entry.table === table) n++;
  const file = b.state.flowsFile ?? `${compiled.host.name}/${bridge}`;
  return {
    explanation: n === 0 ? `no flow matched in table ${table} (the table is empty)` : `no flow matched in table ${table} (none of its ${plural(n, 'flow')})`,
    tableFlows: n,
    flowsFile: file,
  };
}

/**
 * The flow parsed from dump line `line`: flows are in dump order, so a binary search (batches
 * trace thousands) over the line column, which makes no entry but the one found.
 */
function flowAtLine(flows: readonly FlowEntry[], line: number): FlowEntry | undefined {
  const lineOf = flowKeyOf(flows).line;
  let lo = 0;
  let hi = flows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const l = lineOf(mid);
    if (l === line) return flows[mid];
    if (l < line) lo = mid + 1;
    else hi = mid - 1;
  }
  return flows.find((f) => f.line === line);
}

/** First flow of a table with that priority and cookie (a punt names no line), remembered per bridge. */
const flowsByKey = new WeakMap<BridgeState, Map<string, FlowEntry | undefined>>();
function flowByKey(b: BridgeState, table: number, priority: number | undefined, cookie: string | undefined): FlowEntry | undefined {
  let seen = flowsByKey.get(b);
  if (!seen) flowsByKey.set(b, (seen = new Map()));
  const key = `${table}/${priority ?? ''}/${cookie ?? ''}`;
  if (seen.has(key)) return seen.get(key);
  const c = cookie === undefined ? undefined : BigInt(cookie);
  // Over the key columns: the whole list is not made for one punt.
  const cols = flowKeyOf(b.flows);
  let entry: FlowEntry | undefined;
  for (let i = 0, n = b.flows.length; i < n && !entry; i++) if (cols.table(i) === table && (priority === undefined || cols.priority(i) === priority) && (c === undefined || cols.cookie(i) === c)) entry = b.flows[i];
  seen.set(key, entry);
  return entry;
}

/**
 * The hop summary with each ACL step that tests the packet against an NB address set saying which
 * member held its address, as the ACL saw it: the packet on that ACL's datapath where it ended
 * there (`packetOn`: dropped, or output). A from-lport ACL on the hop's first datapath reads the
 * hop's input (nothing before it rewrote the packet), and so does one whose datapath's packet is
 * unknown; a from-lport ACL on a later datapath (a switch behind a router, in the patch port's
 * clone) sees the router's NAT, which the input does not have. An egress ACL without its packet
 * reads the hop's final flow. (Exported for its tests.)
 */
export function withSetMembers<T extends { datapaths: readonly string[]; steps: HopStep[] }>(summary: T, ctx: Pick<CrossContext, 'aclSets'>, input: string, hop: Pick<TraceHop, 'finalFlow'>, packetOn: (datapath: string | undefined) => PacketState | undefined): T {
  const memo = ctx.aclSets?.();
  if (!memo?.sets.size || !summary.steps.some((s) => s.kind === 'acl')) return summary;
  const first = summary.datapaths[0];
  let steps: HopStep[] | undefined;
  for (const [i, s] of summary.steps.entries()) {
    if (s.kind !== 'acl') continue;
    const match = String(s.nb?.row?.['match'] ?? s.logicalFlow?.match ?? '');
    const egress = s.logicalFlow?.pipeline === 'egress' || s.stage?.startsWith('ls_out') === true;
    const datapath = s.datapath ?? s.logicalFlow?.datapath;
    const seen = egress || (datapath !== undefined && datapath !== first) ? packetOn(datapath) : undefined;
    const note = aclSetNote(match, memo, (side, family) => (seen ? stateAddress(seen, side, family) : flowField(egress ? hop.finalFlow : input, family === 6 ? `ipv6_${side}` : `nw_${side}`)));
    if (note) (steps ??= summary.steps.slice())[i] = { ...s, text: `${s.text}${note}` };
  }
  return steps ? { ...summary, steps } : summary;
}

/**
 * The packet of a hop where it ended on a logical datapath: at its drop, else at an output whose
 * pipeline ran on that datapath — not the hop's final flow, which after a patch port's clone is
 * the first datapath's state again.
 */
function packetOnDatapath(ctx: CrossContext, drop: PacketState | undefined, outputs: readonly TraceOutput[]): (datapath: string | undefined) => PacketState | undefined {
  return (datapath) => {
    const index = ctx.index;
    if (datapath === undefined || !index) return undefined;
    const on = (st: PacketState | undefined): st is PacketState => st !== undefined && datapathName(index.datapathByKey.get(Number(st.get(METADATA)))) === datapath;
    if (on(drop)) return drop;
    for (const o of outputs) {
      const st = (o as SimOutput).state;
      if (on(st)) return st;
    }
    return undefined;
  };
}

/** The IPv4/IPv6 source or destination of a packet state, as a Final-flow text would show it (none for another family). */
function stateAddress(s: PacketState, side: 'src' | 'dst', family: 4 | 6): string | undefined {
  const type = s.space(SP.dl_type);
  if (family === 4) return type === ETH_TYPE_IP ? formatIpv4(s.space(side === 'src' ? SP.nw_src : SP.nw_dst)) : undefined;
  return type === ETH_TYPE_IPV6 ? formatIpv6(s.space(side === 'src' ? SP.ipv6_src : SP.ipv6_dst)) : undefined;
}

const METADATA = field('metadata');
const REG14 = field('reg14');
const REG15 = field('reg15');

/**
 * The packet where a hop's drop happened: the state the interpreter recorded there (`SimDrop`),
 * else the hop's final flow. Registers are read from the state; the flow text (to quote
 * addresses) is made on first use — a batch explains thousands of drops, most never quoting it.
 */
class DropPacket {
  #text: string | undefined;
  constructor(
    private readonly state: PacketState | undefined,
    private readonly hop: TraceHop,
  ) {}

  /** The packet in `Final flow:` syntax. */
  flow(): string {
    return (this.#text ??= this.state ? formatFlowState(this.state) : this.hop.finalFlow);
  }

  /** metadata (the logical datapath's key), reg14 (logical inport), reg15 (outport). */
  key(name: 'metadata' | 'reg14' | 'reg15'): number | undefined {
    if (this.state) return Number(this.state.get(name === 'metadata' ? METADATA : name === 'reg14' ? REG14 : REG15));
    const v = flowField(this.hop.finalFlow, name);
    return v === undefined ? undefined : Number(BigInt(v));
  }
}

/** `regN` / `metadata` / `nw_dst` of a Final-flow text. */
function flowField(flow: string, name: string): string | undefined {
  return new RegExp(`(?:^|,)${name}=([^,]+)`).exec(flow)?.[1];
}

function regIp(flow: string, reg: string): string | undefined {
  const v = flowField(flow, reg);
  if (!v) return undefined;
  const n = Number(BigInt(v));
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Logical inport (reg14) or outport (reg15) of a dropped packet, on its datapath (metadata). */
function logicalPortOf(ctx: CrossContext, packet: DropPacket, reg: 'reg14' | 'reg15'): string | undefined {
  const md = packet.key('metadata');
  const port = packet.key(reg);
  if (md === undefined || !port || !ctx.index) return undefined;
  return ctx.index.portByKeys.get(`${md}/${port}`)?.logicalPort;
}

/** A chassis that may host a gateway port, with its priority (undefined: none configured). */
interface GatewayCandidate {
  readonly chassis: string;
  readonly priority: number | undefined;
}

/** OVN's order of gateway chassis (`ha_chassis_get_ordered()`): highest priority first, equal priorities by name. */
function byPriority(a: GatewayCandidate, b: GatewayCandidate): number {
  return (b.priority ?? 0) - (a.priority ?? 0) || (a.chassis < b.chassis ? -1 : a.chassis > b.chassis ? 1 : 0);
}

/**
 * The chassis that may claim chassisredirect binding `pb` of router port `lrp`, and where the
 * snapshot says so: the NB Gateway_Chassis of the router port; else the members of the SB
 * HA_Chassis_Group the binding names (what Neutron and OVN-Kubernetes configure instead, and
 * what northd writes for Gateway_Chassis too), each named by the SB Chassis row it references or,
 * for a chassis not registered, by the name northd copied into external_ids:chassis-name; else the
 * chassis marked enable-chassis-as-gw. `why` says why an earlier source gave nothing.
 */
function gatewayCandidates(pb: SbPortBinding, lrpName: string | undefined, snapshot: Pick<Snapshot, 'sb' | 'nb'>, index: Pick<OvnIndex, 'chassisByUuid'>): { source: string | undefined; candidates: GatewayCandidate[]; why: string } {
  const { sb, nb } = snapshot;
  const lrp = lrpName ? nb?.routerPorts.find((p) => p.name === lrpName) : undefined;
  const gcs = lrp && nb?.gatewayChassis ? nb.gatewayChassis.filter((g) => lrp.gatewayChassis.includes(g.uuid)) : [];
  if (gcs.length) return { source: `Gateway_Chassis of ${lrpName}`, candidates: gcs.map((g) => ({ chassis: g.chassisName, priority: g.priority })).sort(byPriority), why: '' };
  const noGc = lrp?.gatewayChassis.length && !nb?.gatewayChassis ? 'Gateway_Chassis not in the snapshot' : 'no Gateway_Chassis';
  let noGroup = 'no HA_Chassis_Group';
  if (pb.haChassisGroup !== undefined) {
    const group = sb?.haChassisGroups?.find((g) => g.uuid === pb.haChassisGroup);
    if (!group || !sb?.haChassis) noGroup = 'HA_Chassis_Group not in the snapshot';
    else {
      const members = sb.haChassis.filter((h) => group.haChassis.includes(h.uuid));
      const candidates = members.map((h) => ({ chassis: (h.chassis !== undefined ? index.chassisByUuid.get(h.chassis)?.name : undefined) ?? h.chassisName ?? `HA_Chassis ${h.uuid}`, priority: h.priority }));
      if (candidates.length) return { source: `HA_Chassis_Group ${group.name} of ${lrpName ?? pb.logicalPort}`, candidates: candidates.sort(byPriority), why: '' };
      noGroup = `HA_Chassis_Group ${group.name} without members`;
    }
  }
  const why = `for ${lrpName ?? pb.logicalPort}: ${noGc}, ${noGroup}`;
  const gwChassis = (sb?.chassis ?? []).filter((c) => /enable-chassis-as-gw/.test(`${c.otherConfig['ovn-cms-options'] ?? ''} ${c.externalIds['ovn-cms-options'] ?? ''}`));
  if (gwChassis.length) return { source: `chassis with ovn-cms-options enable-chassis-as-gw (${why})`, candidates: gwChassis.map((c) => ({ chassis: c.name, priority: undefined })), why };
  return { source: undefined, candidates: [], why };
}

/**
 * A packet for a chassisredirect port that no chassis claims (SB Port_Binding.chassis empty) meets
 * no flow that takes it anywhere: the chassis the tunnel or bundle sent it to does not have the
 * port resident and drops it (table 40's default), and a chassis with no way to it at all drops it
 * in its own tables. The words for that: which port, whose gateway, and the candidates
 * (`gatewayCandidates`) by priority with what the snapshot says of each (registered in the SB, the
 * BFD state of this chassis' tunnel to it).
 */
function unclaimedGateway(d: TraceDrop, hop: TraceHop, ctx: CrossContext, ports: readonly BridgePort[], packet: DropPacket): string | undefined {
  const index = ctx.index;
  if (!index || (d.reason !== 'EXPLICIT_DROP' && d.reason !== 'NO_MATCH')) return undefined;
  const md = packet.key('metadata');
  const r15 = packet.key('reg15');
  const byKeys = md !== undefined && r15 ? index.portByKeys.get(`${md}/${r15}`) : undefined;
  const pb = byKeys?.type === 'chassisredirect' ? byKeys : hop.entry?.kind === 'tunnel' && hop.entry.tunnel?.outport ? index.portByName.get(hop.entry.tunnel.outport) : undefined;
  if (!pb || pb.type !== 'chassisredirect' || pb.chassis) return undefined;
  const lrpName = pb.options['distributed-port'];
  const router = pb.datapath ? index.datapathByUuid.get(pb.datapath)?.name : undefined;
  const sb = ctx.snapshot.sb;
  const { source, candidates, why } = gatewayCandidates(pb, lrpName, ctx.snapshot, index);
  const from = hop.chassis ?? hop.host;
  const state = (c: string): string => {
    const registered = (sb?.chassis ?? []).some((x) => x.name === c);
    if (!registered) return 'not registered in the SB (no Chassis row: its ovn-controller never connected, or it was deleted)';
    if (c === from) return `this chassis, which does not claim it`;
    const tunnel = ports.find((p) => p.role.kind === 'tunnel' && p.role.remoteChassis === c);
    if (!tunnel) return `no tunnel from ${from} to it`;
    return `tunnel ${tunnel.name} from ${from}: ${memberLiveness(tunnel.ofport, tunnel).why}`;
  };
  const list = candidates.map((c) => `${c.chassis}${c.priority !== undefined ? ` priority ${c.priority}` : ''} (${state(c.chassis)})`).join(', ');
  const what = `${pb.logicalPort}, the chassisredirect port of gateway port ${lrpName ?? '?'}${router ? ` of router ${router}` : ''}, is claimed by no chassis (its SB Port_Binding has no chassis): no gateway chassis is active for it`;
  const who = source ? `; candidates, by priority (${source}): ${list}` : `; the snapshot names no gateway chassis for it (${why}, no chassis marked enable-chassis-as-gw)`;
  return `dropped: ${what}${who} — ovn-controller on the gateway chassis that should be active (the highest priority whose BFD sessions are up) claims it; until one does, nothing takes the packet out (${d.explanation.replace(/^dropped: /, '')})`;
}

/**
 * Better words and evidence for drops whose logical flow alone says little, read from the packet
 * as it was where it was dropped (`atDrop`; without it, the hop's final flow).
 */
function enrichDrop(d: TraceDrop, hop: TraceHop, ctx: CrossContext, ports: readonly BridgePort[] = [], atDrop?: PacketState): Partial<TraceDrop> {
  const lf = d.logicalFlow;
  const packet = new DropPacket(atDrop, hop);
  const unclaimed = unclaimedGateway(d, hop, ctx, ports, packet);
  if (unclaimed) return { explanation: unclaimed };
  if (d.reason === 'PORT_SECURITY' && !d.nb && ctx.index) {
    // Ingress port security checks what the inport sends, egress what the outport may receive.
    const egress = lf ? lf.pipeline === 'egress' || lf.stage?.startsWith('ls_out_') === true : false;
    const port = logicalPortOf(ctx, packet, egress ? 'reg15' : 'reg14');
    const lsp = port ? ctx.index.lspByName?.get(port) : undefined;
    if (lsp) {
      const flow = packet.flow();
      const side = egress ? 'dst' : 'src';
      const address = [flowField(flow, `dl_${side}`), flowField(flow, `nw_${side}`) ?? flowField(flow, `ipv6_${side}`) ?? flowField(flow, egress ? 'arp_tpa' : 'arp_spa')].filter(Boolean).join(' ');
      return {
        explanation: `dropped: port security of ${lsp.name} allows ${lsp.portSecurity.length ? lsp.portSecurity.map((x) => `"${x}"`).join(', ') : '(nothing configured)'}; the packet ${egress ? 'goes to' : 'comes from'} ${address} (${lf?.stage ?? 'port security'}, table ${d.table}${lf?.datapath ? ` on ${lf.datapath}` : ''})`,
        nb: { kind: 'switch-port', uuid: lsp.uuid, text: `switch port ${lsp.name} port_security ${JSON.stringify(lsp.portSecurity)}`, row: { name: lsp.name, addresses: lsp.addresses, portSecurity: lsp.portSecurity } },
      };
    }
  }
  // A router policy's drop (lr_in_policy) is explained by the policy (classifyDrop), not by the routes.
  if (d.reason === 'NO_ROUTE' && lf?.datapath && lf.stage !== 'lr_in_policy') {
    // The destination the router looked up: after its own DNAT (a stateless NAT rewrites it in the
    // same pass, inside the patch port's clone, which the final flow no longer shows).
    const flow = packet.flow();
    const dst = flowField(flow, 'nw_dst') ?? flowField(flow, 'ipv6_dst') ?? '?';
    const router = ctx.snapshot.nb?.routers.find((r) => r.name === lf.datapath);
    const routes = router ? (ctx.snapshot.nb?.staticRoutes ?? []).filter((x) => router.staticRoutes.includes(x.uuid)) : [];
    const nets = router ? (ctx.snapshot.nb?.routerPorts ?? []).filter((x) => router.ports.includes(x.uuid)).flatMap((x) => x.networks) : [];
    return {
      explanation: `dropped: router ${lf.datapath} has no route for ${dst} (connected ${nets.join(', ') || 'none'}; static routes ${routes.map((x) => `${x.ipPrefix} via ${x.nexthop}`).join(', ') || 'none'}) (${lf.stage ?? 'lr_in_ip_routing'}, table ${d.table})`,
    };
  }
  return {};
}

/** The explanation of a punt that ends the packet (exported for its tests). */
export function puntExplanation(reason: TraceDrop['reason'], because: string, op: string, lf: NonNullable<TraceDrop['logicalFlow']>, flow: string, size: number): string {
  const where = `${lf.stage ?? lf.pipeline} on ${lf.datapath ?? '?'}`;
  switch (reason) {
    case 'TTL_EXPIRED':
      // The controller opcode is ICMP (or ICMP4/6_ERROR): naming it after 'ICMP time exceeded' only repeats it.
      return `TTL ${flowField(flow, 'nw_ttl') ?? '?'} expired at router ${lf.datapath ?? '?'} (${where}): it answers with ICMP time exceeded${/^ICMP/.test(op) ? '' : ` (${op})`}`;
    case 'ARP_UNRESOLVED': {
      const nh = lf.match.includes('ip6') ? undefined : regIp(flow, 'reg0');
      return `router ${lf.datapath ?? '?'} has no MAC for next hop ${nh ?? '?'} (no MAC_Binding, ${where}): ovn-controller sends an ${lf.match.includes('ip6') ? 'ND' : 'ARP'} request and holds the packet until it is answered`;
    }
    case 'MTU_EXCEEDED': {
      const mtu = /frag_mtu = (\d+)/.exec(lf.actions)?.[1];
      // gateway_mtu is an IP MTU; OVN applies it to frames, check_pkt_larger(gateway_mtu + 14,
      // + 18 with a VLAN tag), so say both: the IP packet against gateway_mtu, and the frame limit.
      const l2 = flowField(flow, 'dl_vlan') !== undefined ? 18 : 14;
      const icmp = /\bicmp6\b|ip6/.test(`${lf.match} ${lf.actions}`) ? 'ICMPv6 packet too big' : 'ICMP fragmentation needed';
      const over = mtu ? ` ${size - l2} B > gateway_mtu ${mtu}, i.e. frames over ${Number(mtu) + l2} B` : ` ${size - l2} B is larger than the gateway_mtu`;
      return `IP packet${over} (this one is a ${size}-byte frame) at router ${lf.datapath ?? '?'} (${where}): it answers with ${icmp}${mtu ? ` (mtu ${mtu})` : ''} instead of forwarding`;
    }
    default:
      return `${because} (${op} from ${where}: \`${lf.match}\`)`;
  }
}

function hopNodeText(host: string, bridge: string, e: HopEntry): string {
  switch (e.kind) {
    case 'start':
      return `${host}: ${bridge} ← ${e.port}${e.ofport !== undefined ? ` (ofport ${e.ofport})` : ''}`;
    case 'uplink':
      return `${host}: ${bridge} ← ${e.port} (from the provider network)`;
    case 'patch':
      return `${host}: ${bridge} ← patch ${e.port}`;
    case 'tunnel': {
      const t = e.tunnel;
      const names = t?.datapath ? ` = ${t.datapath}${t.inport || t.outport ? `, ${t.inport ?? '?'} → ${t.outport ?? '?'}` : ''}` : '';
      return `${host}: ${bridge} ← ${e.port} (tunnel from ${e.fromHost ?? '?'}: tun_id=${t?.tunId ?? '?'}, tun_src=${t?.tunSrc ?? '?'}, tun_dst=${t?.tunDst ?? '?'}${t?.metadata0 ? `, tun_metadata0=${t.metadata0}` : ''}${names})`;
    }
  }
}

function hopVerdict(h: TraceHop): Verdict {
  if (h.outputs.some((o) => o.kind !== 'tunnel')) return 'delivered';
  if (h.outputs.length) return 'tunnel';
  if (h.controller) return 'controller';
  if (h.drop?.reason === 'LOOP' || h.drop?.reason === 'UNSUPPORTED') return 'error';
  return 'dropped';
}

/** The conntrack model's rewrites of a host run, as its first hop reports them. */
function hopCtNats(sim: SimTraceResult, trace: string | undefined): HopCtNat[] {
  return sim.ctNats.map((n) => ({
    recirc: n.recirc + 1,
    recircId: n.recircId,
    bridge: n.bridge,
    zone: n.zone,
    rewrite: n.rewrite.kind,
    text: describeNatRewrite(n.rewrite),
    committed: `${n.reply ? 'reply of' : 'a packet of'} the connection committed ${describeOrigin(n.origin(), trace)}`,
    replayable: !n.diverges,
  }));
}

/** Traces a packet from `start` across every chassis it reaches. */
export function traceAcross(ctx: CrossContext, start: CrossStart, o: CrossOptions): Result<CrossResult> {
  const maxHops = o.maxHops ?? 32;
  const ctNext = o.ctNext ?? [];
  const hops: MutableHop[] = [];
  const runs: HostRun[] = [];
  const tree: TraceNode[] = [];
  const warnings: string[] = [];
  const lbChoices: LbChoice[] = [];
  const needHosts = new Set<string>();
  const seen = new Map<string, number>();
  const stops: { hop: number; drop: TraceDrop; verdict: Verdict; incomplete?: CrossResult['incomplete'] }[] = [];
  /** The packet at each hop's drop (by hop index), as the interpreter recorded it. */
  const dropStates = new Map<number, PacketState>();
  const queue: Pending[] = [start];
  let size = o.size;
  const tables = ctNext.length || o.conntrack === false ? undefined : (o.conntrack ?? new Map<string, ConntrackTable>());
  let incompleteDpHash: CrossResult['incomplete'] | undefined;
  const hint = o.collectHint ?? ((c: string | undefined, ip: string | undefined) => `ovnscope collect --host ${ip ?? c ?? '<host>'} --out DIR (or with your inventory: ovnscope collect -i INVENTORY --from SRC --to DST --out DIR)`);

  while (queue.length) {
    const p = queue.shift()!;
    const key = `${p.host}\n${p.bridge}\n${p.flow}`;
    const again = seen.get(key);
    if (again !== undefined) {
      if (p.from) p.from.output.next = { status: 'loop', hop: again };
      const at = p.from ? hops.findIndex((h) => h.outputs.includes(p.from!.output as TraceOutput)) : again;
      stops.push({ hop: at, verdict: 'dropped', drop: { table: 0, reason: 'LOOP', explanation: `loop: the packet enters ${p.host} ${p.bridge} through ${p.entry.port} again, exactly as in hop ${again}`, host: p.host, bridge: p.bridge } });
      continue;
    }
    if (runs.length >= maxHops) {
      const msg = `more than ${maxHops} host traces: stopping (a forwarding loop between chassis?)`;
      warnings.push(msg);
      if (p.from) p.from.output.next = { status: 'not-followed', reason: msg };
      stops.push({ hop: hops.length - 1, verdict: 'dropped', drop: { table: 0, reason: 'LOOP', explanation: msg, host: p.host } });
      break;
    }
    if (ctx.unloaded?.has(p.host)) {
      // Only the entry can be here (a tunnel to an unloaded host stops at the output, below).
      needHosts.add(p.host);
      continue;
    }
    const compiled = ctx.compiled(p.host);
    if (!compiled) return fail(`host ${p.host} is not in the snapshot`, 4);
    const fdb = o.fdb?.[p.host];
    const base: TraceOptions = { ctNext, ...(o.conntrackTrace !== undefined ? { conntrackTrace: o.conntrackTrace } : {}), ...(o.selectBucket !== undefined ? { selectBucket: o.selectBucket } : {}), ...(size !== undefined ? { size } : {}), ...(fdb ? { fdb } : {}), ...(o.treeDetail ? { treeDetail: o.treeDetail } : {}) };
    const committedBefore = tables?.get(p.host)?.size ?? 0;
    const r = runHost(compiled, p.bridge, p.flow, base, o.lbDst, tables ? (tables.get(p.host) ?? new ConntrackTable()) : undefined, ctx.snapshot);
    if (!r.ok) {
      if (!runs.length || 'usage' in r) return fail(r.error.message, r.error.exitCode);
      warnings.push(`${p.host}: ${r.error.message}`);
      if (p.from) p.from.output.next = { status: 'not-followed', reason: r.error.message };
      // The packet went on where it could not be traced: that is a trace stopped early (exit 1),
      // not a packet handed to a tunnel as --no-follow-tunnels asks for.
      const at = p.from ? hops.findIndex((h) => h.outputs.includes(p.from!.output as TraceOutput)) : hops.length - 1;
      const explanation = `the trace could not continue on ${p.host} (${p.bridge}, entering at ${p.entry.port}${p.entry.fromHost ? ` from ${p.entry.fromHost}` : ''}): ${r.error.message.split('\n')[0]}`;
      stops.push({ hop: at, verdict: 'error', drop: { table: 0, reason: 'UNSUPPORTED', explanation, host: p.host, bridge: p.bridge }, incomplete: { reason: explanation, hint: `replay the hop by hand: ovs-appctl ofproto/trace ${p.bridge} '${p.flow}' on ${p.host}` } });
      continue;
    }
    seen.set(key, hops.length);
    if (tables && r.value.ct) tables.set(p.host, r.value.ct);
    const sim = r.value.result;
    size ??= sim.size;
    lbChoices.push(...r.value.choices);
    if (sim.incomplete && !incompleteDpHash) incompleteDpHash = { reason: `${p.host}: ${sim.incomplete.reason}`, hint: sim.incomplete.hint, ...(sim.incomplete.groupId !== undefined ? { groupId: sim.incomplete.groupId } : {}) };
    for (const w of sim.warnings) warnings.push(`${p.host}: ${w}`);
    const named = ctx.index ? annotateWithSummary(sim, ctx.index, o.treeDetail) : undefined;
    const ann = named ? named.annotated : sim;
    const host = compiled.host;
    const first = hops.length;
    // The connections this run committed are named by the hop of their bridge.
    r.value.ct?.placeCommits(committedBefore, { host: p.host, ...(o.conntrackTrace !== undefined ? { trace: o.conntrackTrace } : {}), hopOf: (bridge) => { const i = ann.hops.findIndex((x) => x.bridge === bridge); return i < 0 ? undefined : first + i; } });
    const ctNat = hopCtNats(sim, o.conntrackTrace);
    const indexes: number[] = [];
    for (const [i, h] of ann.hops.entries()) {
      const idx = hops.length;
      indexes.push(idx);
      let entry: HopEntry = p.entry;
      if (i > 0) {
        // Entered through a patch port from another bridge of this host.
        const peer = compiled.bridges.get(h.bridge)?.state.ports.find((x) => x.role.kind === 'patch' && x.role.peer && compiled.patchPeers.get(`${h.bridge}/${x.name}`)?.bridge.name !== h.bridge && compiled.patchPeers.has(`${h.bridge}/${x.name}`));
        const from = peer ? compiled.patchPeers.get(`${h.bridge}/${peer.name}`) : undefined;
        const fromHop = from ? indexes[ann.hops.findIndex((x) => x.bridge === from.bridge.name)] : undefined;
        entry = { kind: 'patch', port: peer?.name ?? '?', ...(peer ? { ofport: peer.ofport } : {}), ...(fromHop !== undefined ? { fromHop } : {}), fromHost: p.host, ...(from ? { fromPort: from.port.name } : {}) };
      }
      const atDrop = (sim.hops[i]?.drop as SimDrop | undefined)?.state;
      if (atDrop) dropStates.set(idx, atDrop);
      const outputs: MutableOutput[] = h.outputs.map((out) => {
        const m: MutableOutput = { ...out };
        Object.defineProperty(m, 'state', { value: (out as SimOutput).state, enumerable: false, writable: true });
        return m;
      });
      const hop: MutableHop = {
        ...h,
        outputs,
        index: idx,
        ...(host.chassis ? { chassis: host.chassis } : {}),
        entry,
        ...(i === 0 ? { input: r.value.flow, ctNext: sim.ctStates, ...(sim.ctStates.length ? { ctBridges: [...new Set(sim.passes.filter((x) => x.recircId !== 0).map((x) => x.bridge))] } : {}), ...(ctNat.length ? { ctNat } : {}) } : {}),
        ...withSetMembers(named ? named.hopDetails(h.bridge) : hopDetails(ann.tree, h.bridge), ctx, r.value.flow, h, packetOnDatapath(ctx, atDrop, h.outputs)),
      };
      hops.push(hop);
    }
    runs.push({ host: p.host, bridge: p.bridge, flow: r.value.flow, ctNext: sim.ctStates, size: sim.size, result: sim, hops: indexes, lbChoices: r.value.choices });
    if (p.from) p.from.output.next = { status: 'followed', hop: first, host: p.host, ...(p.provider ? { network: p.provider.network, toward: p.provider.toward, why: p.provider.why } : {}) };
    tree.push({ kind: 'hop', detail: 'minimal', text: hopNodeText(p.host, p.bridge, p.entry), data: { hop: first, host: p.host, bridge: p.bridge, entry: p.entry, input: r.value.flow }, children: ann.tree });
    for (const c of r.value.choices)
      warnings.push(`load balancer on ${c.host}: group ${c.groupId} bucket ${c.bucket}${c.backend ? ` (backend ${c.backend})` : ''} chosen by ${c.why}; traced with dp_hash=${hx(c.dpHash)}`);

    // What became of each output; punts and drops.
    for (const idx of indexes) {
      const hop = hops[idx]!;
      hop.verdict = hopVerdict(hop);
      for (const out of hop.outputs as MutableOutput[]) {
        const port = compiled.bridges.get(hop.bridge)?.portByName.get(out.port) ?? compiled.bridges.get(hop.bridge)?.portByOfport.get(out.ofport);
        if (out.kind === 'local') {
          if (port?.ifaceId) out.logicalPort = port.ifaceId;
          const ip = ipLength(out.state, size ?? sim.size);
          const mtu = port?.iface?.mtu ?? port?.iface?.mtuRequest;
          if (ip && mtu && port?.ifaceId && ip.len > mtu) {
            const explanation = `a ${size ?? sim.size}-byte frame (${ip.len}-byte IP packet) is larger than the MTU ${mtu} of ${out.port} on ${p.host}: OVS does not fragment, the packet is dropped (and the guest never sees an ICMP error)`;
            out.next = { status: 'dropped', reason: 'MTU_EXCEEDED', explanation };
            stops.push({ hop: idx, verdict: 'dropped', drop: { table: (out as SimOutput).table ?? 0, reason: 'MTU_EXCEEDED', explanation, host: p.host, bridge: hop.bridge } });
          } else out.next = { status: 'delivered', ...(out.logicalPort ? { logicalPort: out.logicalPort } : {}) };
        } else if (out.kind === 'physical' || out.kind === 'patch' || out.kind === 'reserved') {
          const bridge = host.bridges.find((b) => b.name === hop.bridge);
          const physnet = Object.entries(host.openVswitch?.ovnBridgeMappings ?? {}).find(([, br]) => br === hop.bridge)?.[0];
          const localnet = bridge?.ports.map((x) => host.ovsPorts.find((op) => op.name === x.name)?.externalIds['ovn-localnet-port']).find((x): x is string => !!x);
          if (localnet) out.logicalPort = localnet;
          out.next = { status: 'left', host: p.host, via: out.port, ...(physnet ? { network: physnet } : {}) };
          // The provider network carries it on to the chassis that answers its destination MAC
          // (a distributed floating IP's external_mac, a gateway port's MAC): followed there, into
          // that chassis' provider bridge through its uplink, as a tunnel is followed.
          const next = out.kind === 'physical' && physnet && out.state ? providerNext(ctx, p.host, physnet, out, idx) : undefined;
          if (next?.kind === 'follow') queue.push(next.pending);
          else if (next?.kind === 'need') {
            needHosts.add(next.host);
            out.next = { status: 'not-followed', reason: `the tables of ${next.host} are not loaded` };
          } else if (next?.kind === 'note' && !warnings.includes(next.text)) warnings.push(next.text);
        } else if (out.kind === 'tunnel' && out.tunnel) {
          const tunSrc = port ? tunSrcOf(host, port, ctx) : host.encapIp;
          const names = decodeTunnel(ctx, out.tunnel.tunId, out.tunnel.metadata0);
          out.tunnel = { ...out.tunnel, ...(tunSrc ? { tunSrc } : {}), tunDst: out.tunnel.remoteIp, ...names };
          if (names.outport) out.logicalPort = names.outport;
          if (!o.followTunnels) {
            out.next = { status: 'not-followed', reason: 'tunnels are not followed (--no-follow-tunnels)' };
            continue;
          }
          // MTU of the underlay egress (route lookup toward the TEP, every ECMP leg) when the
          // snapshot has the kernel view; else the OVS Interface MTU of the tunnel's egress.
          const frameLength = size ?? sim.size;
          const underlay = o.tunnelMtu?.(p.host, out.tunnel.remoteIp, frameLength);
          if (underlay?.outcome === 'dropped') {
            out.next = { status: 'dropped', reason: 'MTU_EXCEEDED', explanation: underlay.explanation };
            stops.push({ hop: idx, verdict: 'dropped', drop: { table: (out as SimOutput).table ?? 0, reason: 'MTU_EXCEEDED', explanation: underlay.explanation, host: p.host, bridge: hop.bridge } });
            continue;
          }
          if (underlay?.outcome === 'fragmented') warnings.push(`${p.host}: ${underlay.explanation}`);
          const egress = port?.iface?.tunnelEgressIface;
          const egressMtu = egress ? host.interfaces.find((x) => x.name === egress)?.mtu : undefined;
          const ip = ipLength(out.state, size ?? sim.size);
          const v6 = out.tunnel.remoteIp.includes(':');
          if ((!underlay || underlay.outcome === 'unknown') && ip && egressMtu && ip.len + GENEVE_OVERHEAD[v6 ? 6 : 4] > egressMtu) {
            const explanation = `GENEVE adds ${GENEVE_OVERHEAD[v6 ? 6 : 4]} bytes: the ${ip.len}-byte inner IP packet needs an underlay MTU of ${ip.len + GENEVE_OVERHEAD[v6 ? 6 : 4]}, but ${egress} (the egress of ${out.port} on ${p.host}) has ${egressMtu}; with DF set the encapsulated packet is dropped`;
            out.next = { status: 'dropped', reason: 'MTU_EXCEEDED', explanation };
            stops.push({ hop: idx, verdict: 'dropped', drop: { table: (out as SimOutput).table ?? 0, reason: 'MTU_EXCEEDED', explanation, host: p.host, bridge: hop.bridge } });
            continue;
          }
          if (underlay?.outcome === 'unknown' && !(ip && egressMtu)) {
            // --size asked for the underlay check and neither the kernel view nor the OVS egress
            // Interface can answer it: a "delivered" must not read as "fits".
            const w = `${p.host}: the underlay MTU check at ${out.port} could not be made (${underlay.explanation}): whether the ${size ?? sim.size}-byte frame fits once encapsulated is unknown`;
            if (!warnings.includes(w)) warnings.push(w);
          }
          const remote = remoteOf(ctx, out);
          if (!remote.host) {
            const h2 = hint(remote.chassis, out.tunnel.remoteIp);
            out.next = { status: 'not-collected', ...(remote.chassis ? { chassis: remote.chassis } : {}), remoteIp: out.tunnel.remoteIp, hint: h2 };
            const who = remote.chassis ? `chassis ${remote.chassis} (${out.tunnel.remoteIp})` : `the chassis at ${out.tunnel.remoteIp}`;
            const explanation = `the packet left ${p.host} through ${out.port} (tun_id=${out.tunnel.tunId}${out.tunnel.metadata0 ? `, tun_metadata0=${out.tunnel.metadata0}` : ''}${names.outport ? `, for ${names.outport}` : ''}), but ${who} is not in the snapshot`;
            stops.push({ hop: idx, verdict: 'error', drop: { table: (out as SimOutput).table ?? 0, reason: 'REMOTE_NOT_COLLECTED', explanation, host: p.host, bridge: hop.bridge }, incomplete: { reason: `REMOTE_NOT_COLLECTED: ${explanation}`, hint: `collect it: ${h2}`, ...(remote.chassis ? { chassis: remote.chassis } : {}) } });
            continue;
          }
          if (ctx.unloaded?.has(remote.host)) {
            needHosts.add(remote.host);
            out.next = { status: 'not-followed', reason: `the tables of ${remote.host} are not loaded` };
            continue;
          }
          const rc = ctx.compiled(remote.host)!;
          const integration = rc.host.openVswitch?.ovnBridge ?? 'br-int';
          const rb = rc.bridges.get(integration) ?? [...rc.bridges.values()].find((b) => b.state.ports.some((x) => x.role.kind === 'tunnel'));
          const tports = rb?.state.ports.filter((x) => x.role.kind === 'tunnel') ?? [];
          const want = port?.role.kind === 'tunnel' ? port.role.tunnelType : undefined;
          const rport =
            tports.find((x) => x.role.kind === 'tunnel' && x.role.remoteIp === tunSrc && (!want || x.role.tunnelType === want)) ??
            tports.find((x) => x.role.kind === 'tunnel' && x.role.remoteIp === tunSrc) ??
            tports.find((x) => x.role.kind === 'tunnel' && x.role.remoteIp === 'flow');
          if (!rb || !rport || !out.state) {
            const explanation = `${remote.host} has no ${want ?? 'tunnel'} port with options:remote_ip=${tunSrc ?? '?'} on ${rb?.name ?? integration}: OVS there drops packets from ${p.host}'s TEP (ovn-encap-ip or encap type mismatch?)`;
            out.next = { status: 'dropped', reason: 'TUNNEL_NOT_FOUND', explanation };
            stops.push({ hop: idx, verdict: 'dropped', drop: { table: (out as SimOutput).table ?? 0, reason: 'TUNNEL_NOT_FOUND', explanation, host: remote.host, bridge: rb?.name ?? integration } });
            continue;
          }
          const tunnel: TunnelFields = { tunId: out.tunnel.tunId, ...(tunSrc ? { tunSrc } : {}), tunDst: out.tunnel.remoteIp, ...(out.tunnel.metadata0 ? { metadata0: out.tunnel.metadata0 } : {}), ...names };
          const flow = flowFromState(out.state, { inPort: rport.name, tunnel });
          queue.push({ host: remote.host, bridge: rb.name, flow, entry: { kind: 'tunnel', port: rport.name, ofport: rport.ofport, fromHop: idx, fromHost: p.host, fromPort: out.port, tunnel }, from: { output: out } });
        }
      }
      // Drops and punts of this hop, with their evidence. A bridge whose packet went on through a
      // patch port was not where it ended (a drop there is a side branch, e.g. a flood copy).
      const continued = indexes.some((j) => j !== idx && hops[j]?.entry?.kind === 'patch' && hops[j]?.entry?.fromHop === idx);
      if (continued && !hop.outputs.length) {
        delete hop.drop;
        const child = hops.find((x) => x.index !== idx && indexes.includes(x.index!) && x.entry?.kind === 'patch' && x.entry.fromHop === idx);
        hop.verdict = child ? hopVerdict(child) : 'delivered';
      }
      if (hop.drop) {
        const d = hop.drop;
        // A table miss has no flow that decided: citing one (the table's first) would read as if it had.
        const flow = d.reason === 'NO_MATCH' ? undefined : flowEvidence(host, hop.bridge, d.table, d.line, d.cookie, d.priority, ctx.evidenceByLine);
        const miss = d.reason === 'NO_MATCH' ? tableMissEvidence(compiled, hop.bridge, d.table) : {};
        hop.drop = { ...d, host: p.host, bridge: hop.bridge, ...(flow ? { flow } : {}), ...miss, ...enrichDrop(d, hop, ctx, compiled.bridges.get(hop.bridge)?.state.ports, dropStates.get(idx)) };
        // An action the simulator skipped: the trace stops there, and says how to replay that hop live.
        const replay = d.reason === 'UNSUPPORTED' ? { incomplete: { reason: `${p.host}: ${d.explanation}`, hint: `replay the hop by hand: ovs-appctl ofproto/trace ${p.bridge} '${p.flow}' on ${p.host}` } } : {};
        stops.push({ hop: idx, verdict: d.reason === 'LOOP' || d.reason === 'UNSUPPORTED' ? 'error' : 'dropped', drop: hop.drop, ...replay });
      } else if (hop.controller && !hop.outputs.length) {
        const punt = sim.controllers.find((c) => c.bridge === hop.bridge);
        const flow = punt ? flowEvidence(host, hop.bridge, punt.table, undefined, punt.cookie, punt.priority, ctx.evidenceByLine) : undefined;
        const md = flow ? /[ ,]metadata=(0x[0-9a-f]+)/.exec(flow)?.[1] : undefined;
        const step = ctx.index && punt ? nameStep(ctx.index, punt.cookie, md !== undefined ? Number(md) : undefined) : undefined;
        const c = punt ? classifyPunt(punt.reason, step) : undefined;
        const lf = step?.logicalFlow;
        const punted = punt?.state ? formatFlowState(punt.state) : hop.finalFlow;
        const explanation = c && lf ? puntExplanation(c.reason, c.because, punt!.reason, lf, punted, size ?? sim.size) : (hop.controllerReason ?? punt?.reason ?? 'sent to the controller');
        const drop: TraceDrop = {
          table: punt?.table ?? 0,
          ...(punt?.priority !== undefined ? { priority: punt.priority } : {}),
          ...(punt?.cookie ? { cookie: punt.cookie } : {}),
          reason: c?.reason ?? 'EXPLICIT_DROP',
          explanation,
          ...(lf ? { logicalFlow: lf } : {}),
          host: p.host,
          bridge: hop.bridge,
          ...(flow ? { flow } : {}),
          ...(step?.nb ? { nb: step.nb } : {}),
        };
        if (c) hop.drop = drop;
        stops.push({ hop: idx, verdict: c ? 'dropped' : 'controller', drop });
      } else if (!hop.outputs.length && !hop.controller && sim.incomplete) {
        stops.push({ hop: idx, verdict: 'error', drop: { table: 0, reason: 'UNSUPPORTED', explanation: sim.incomplete.reason, host: p.host, bridge: hop.bridge }, incomplete: { reason: sim.incomplete.reason, hint: sim.incomplete.hint, ...(sim.incomplete.groupId !== undefined ? { groupId: sim.incomplete.groupId } : {}) } });
      }
    }
  }

  // NB rows behind drops that lack one (ACL/LB/NAT through the stage hint).
  if (ctx.index) {
    for (const s of stops) {
      if (s.drop.nb || !s.drop.logicalFlow) continue;
      const uuid = s.drop.logicalFlow.uuid;
      const target = ctx.index.byCookie.get(cookieOf(uuid) ?? -1)?.find((t) => t.kind === 'logical-flow');
      const hintId = target?.kind === 'logical-flow' ? target.flow.stageHint : undefined;
      const nbo = hintId ? ctx.index.nbByHint.get(hintId) : undefined;
      if (nbo) s.drop = { ...s.drop, nb: describeNb(nbo) };
      const hop = hops[s.hop];
      if (hop?.drop && hop.drop === s.drop) hop.drop = s.drop;
    }
  }

  const delivered: CrossResult['delivered'][number][] = [];
  let hostStack = false;
  for (const h of hops)
    for (const out of h.outputs) {
      if (out.next?.status === 'delivered' || out.next?.status === 'left') {
        delivered.push({ hop: h.index!, host: h.host, port: out.port, ...(out.logicalPort ? { logicalPort: out.logicalPort } : {}), kind: out.kind });
        // A bridge's own (LOCAL/internal) port only gets flood copies in OVN setups: it decides
        // the verdict only when nothing else does.
        if (out.kind === 'local' && !out.logicalPort) hostStack = true;
      }
    }
  const real = delivered.filter((d) => !(d.kind === 'local' && !d.logicalPort));
  let verdict: Verdict;
  let drop: TraceDrop | undefined;
  let incomplete: CrossResult['incomplete'] | undefined;
  const notFollowed = hops.some((h) => h.outputs.some((x) => x.kind === 'tunnel' && x.next?.status === 'not-followed'));
  if (real.length || (hostStack && !stops.length && !notFollowed)) verdict = 'delivered';
  else if (notFollowed && !stops.length) verdict = 'tunnel';
  else {
    // The decisive stop: the furthest hop; drops before punts, errors last.
    const rank: Record<Verdict, number> = { dropped: 3, controller: 2, error: 1, delivered: 0, tunnel: 0 };
    const best = [...stops].sort((a, b) => b.hop - a.hop || rank[b.verdict] - rank[a.verdict])[0];
    if (best) {
      verdict = best.verdict;
      drop = best.drop;
      incomplete = best.incomplete;
    } else if (notFollowed) verdict = 'tunnel';
    else if (incompleteDpHash) {
      verdict = 'error';
      incomplete = incompleteDpHash;
    } else verdict = 'dropped';
  }
  // A flag that changed nothing must say so: the user believes the trace went to that backend.
  if (o.lbDst !== undefined && !lbChoices.length && !needHosts.size) warnings.push(`--lb-dst ${o.lbDst} was not used: the packet met no load balancer on its path`);
  return ok({
    input: start.flow,
    verdict,
    hops: hops as TraceHop[],
    warnings,
    tree,
    ...(drop && verdict !== 'controller' ? { drop } : {}),
    size: size ?? 0,
    ...(incomplete ? { incomplete } : {}),
    delivered,
    runs,
    lbChoices,
    ...(tables ? { conntrack: tables } : {}),
    ...(needHosts.size ? { needHosts: [...needHosts] } : {}),
  });
}

export type { HopStep, OutputNext };
