/**
 * The trace tree: built once during interpretation (through the interpreter's report API) and
 * rendered by non-destructive prunes, as ovn-trace does with --detailed/--summary/--minimal.
 */

/**
 * How much a node matters: `minimal` nodes are the outcome (outputs, drops, punts, packet
 * rewrites), `summary` adds the decisions (tables matched, logical stages, ct, groups),
 * `detailed` is everything (each field write, resubmit, note).
 */
export type Detail = 'minimal' | 'summary' | 'detailed';

export type TraceNodeKind =
  | 'bridge' // entering a bridge (a hop)
  | 'table' // a flow matched in a table
  | 'no-match' // table miss
  | 'action' // an action with no more specific kind
  | 'set' // a field changed: field, from, to
  | 'resubmit'
  | 'ct' // conntrack: zone, commit, nat, recirculation
  | 'recirc' // a resumed recirculation pass
  | 'group'
  | 'bucket'
  | 'output'
  | 'drop'
  | 'controller'
  | 'tunnel'
  | 'warning'
  | 'note'
  | 'hop'; // one host's part of a cross-host trace (children: that host's trace)

/**
 * A node of the trace tree. The simulator's nodes compute `text` and `data` when first read
 * (getters, not own properties: copy nodes with `pruneTree`, not with a spread); nodes built by
 * hand as plain objects are nodes too.
 */
export interface TraceNode {
  readonly kind: TraceNodeKind;
  readonly detail: Detail;
  /** One line, as it should read in the detailed rendering. */
  readonly text: string;
  /** Structured payload (table, priority, cookie, logical flow, field/from/to, port, ...). */
  readonly data?: Readonly<Record<string, unknown>>;
  readonly children: TraceNode[];
}

export type Verdict = 'delivered' | 'dropped' | 'controller' | 'tunnel' | 'error';

export type DropReason =
  | 'ACL_DROP'
  | 'PORT_SECURITY'
  | 'NO_ROUTE'
  | 'TTL_EXPIRED'
  | 'NO_MATCH'
  | 'ARP_UNRESOLVED'
  | 'LB_NO_BACKEND'
  | 'MTU_EXCEEDED'
  | 'REMOTE_NOT_COLLECTED'
  | 'EXPLICIT_DROP'
  | 'LOOP'
  | 'UNSUPPORTED'
  /** The receiving chassis has no tunnel port for the sender's encap IP: OVS drops the packet. */
  | 'TUNNEL_NOT_FOUND'
  /**
   * A `bundle` action (OVN: L3-HA gateway chassis, reached over BFD-monitored tunnels) has no live
   * member: OVS outputs to no port.
   */
  | 'NO_LIVE_MEMBER';

export type OutputKind = 'local' | 'tunnel' | 'patch' | 'physical' | 'reserved';

/** The tunnel header of a GENEVE hop, as OVN encodes it. */
export interface TunnelFields {
  /** VNI = logical datapath key. */
  readonly tunId: string;
  /** Sending TEP (the sender's encap IP). */
  readonly tunSrc?: string;
  readonly tunDst?: string;
  /** (logical ingress port key << 16) | logical egress port key. */
  readonly metadata0?: string;
  /** Names decoded through the SB: the datapath of tunId, the ports of metadata0. */
  readonly datapath?: string;
  readonly inport?: string;
  readonly outport?: string;
}

/** What became of an output in a cross-host trace. */
export type OutputNext =
  /**
   * Continued on `host`: through a tunnel, or (with `network`) over the provider network to the
   * chassis that answers the packet's destination MAC `toward` (`why`: a distributed floating IP's
   * external_mac, a gateway port's MAC).
   */
  | { readonly status: 'followed'; readonly hop: number; readonly host: string; readonly network?: string; readonly toward?: string; readonly why?: string }
  | { readonly status: 'not-followed'; readonly reason: string }
  | { readonly status: 'not-collected'; readonly chassis?: string; readonly remoteIp?: string; readonly hint: string }
  | { readonly status: 'loop'; readonly hop: number }
  | { readonly status: 'delivered'; readonly logicalPort?: string }
  | { readonly status: 'left'; readonly host: string; readonly via: string; readonly network?: string }
  | { readonly status: 'dropped'; readonly reason: DropReason; readonly explanation: string };

export interface TraceOutput {
  readonly port: string;
  readonly ofport: number;
  readonly kind: OutputKind;
  readonly tunnel?: { readonly remoteIp: string; readonly chassis?: string; readonly tunId: string; readonly metadata0?: string } & Partial<TunnelFields>;
  /** OVN logical port behind the OpenFlow port (iface-id; the localnet port of a provider bridge). */
  readonly logicalPort?: string;
  /** Cross-host traces: where the packet went from here. */
  readonly next?: OutputNext;
}

export interface LogicalFlowRef {
  readonly uuid: string;
  readonly pipeline: string;
  readonly tableId: number;
  readonly stage?: string;
  readonly priority: number;
  readonly match: string;
  readonly actions: string;
  readonly datapath?: string;
}

/** The northbound row behind a step (ACL, load balancer, NAT, static route, port). */
export interface NbRef {
  readonly kind: string;
  readonly uuid: string;
  readonly text: string;
  /** The row's main columns (ACL: name, direction, priority, match, action, port group, ...). */
  readonly row?: Readonly<Record<string, unknown>>;
}

export interface TraceDrop {
  readonly table: number;
  readonly priority?: number;
  readonly cookie?: string;
  readonly reason: DropReason;
  readonly explanation: string;
  readonly logicalFlow?: LogicalFlowRef;
  /** Line of the dropping flow in the host's dump-flows output. */
  readonly line?: number;
  /** Evidence (cross-host traces): where, the OpenFlow flow (file:line and text), the NB row. */
  readonly host?: string;
  readonly bridge?: string;
  readonly flow?: string;
  /** NO_MATCH: how many flows the missed table has (0: none at all), and the dump they were read from. */
  readonly tableFlows?: number;
  readonly flowsFile?: string;
  readonly nb?: NbRef;
}

/** How a hop of a cross-host trace was entered. */
export interface HopEntry {
  readonly kind: 'start' | 'tunnel' | 'patch' | 'uplink';
  /** The OpenFlow port the packet came in through. */
  readonly port: string;
  readonly ofport?: number;
  readonly fromHop?: number;
  readonly fromHost?: string;
  readonly fromPort?: string;
  readonly tunnel?: TunnelFields;
}

/** A named decision inside a hop: the logical flow and the NB object that made it. */
export interface HopStep {
  readonly kind: 'acl' | 'lb' | 'nat' | 'route' | 'port-security' | 'drop' | 'punt' | 'output' | 'stage';
  readonly datapath?: string;
  readonly stage?: string;
  readonly table: number;
  /** One line for people: `ACL "pg_db-default-drop" to-lport 1000 drop`. */
  readonly text: string;
  readonly logicalFlow?: LogicalFlowRef;
  readonly nb?: NbRef;
}

/** One conntrack NAT of the model at a recirculation (`TraceHop.ctNat`). */
export interface HopCtNat {
  /** Which recirculation: the position (from 1) of its state in the hop's `ctNext`. */
  readonly recirc: number;
  readonly recircId: number;
  readonly bridge: string;
  readonly zone: number;
  readonly rewrite: 'snat' | 'dnat' | 'un-snat' | 'un-dnat';
  /** `un-SNAT dst 172.16.0.10 → 10.2.1.11` */
  readonly text: string;
  /** Where the connection was committed: `reply of the connection committed in hop 3 (hv3 br-int) of the forward trace`. */
  readonly committed: string;
  /** Whether ofproto/trace, resumed with the same state, rewrites the packet the same way. */
  readonly replayable: boolean;
}

export interface TraceHop {
  readonly host: string;
  readonly bridge: string;
  readonly outputs: TraceOutput[];
  readonly controller: boolean;
  readonly controllerReason?: string;
  /** Field values at the end of the pipeline, in ofproto/trace "Final flow:" syntax. */
  readonly finalFlow: string;
  readonly drop?: TraceDrop;
  // Cross-host traces (all optional):
  /** Position in `hops`. */
  readonly index?: number;
  readonly chassis?: string;
  readonly entry?: HopEntry;
  /** The packet entering this hop, in ofproto/trace flow syntax (replay it there). */
  readonly input?: string;
  /** The ct_state of each conntrack recirculation of this host's trace, in order (replay: `--ct-next` each). */
  readonly ctNext?: readonly string[];
  /**
   * With `ctNext`: the bridges of this host whose tables ran those recirculations (br-int after an
   * entry on br-ex): the conntrack states are shown under their hop, replayed from this one.
   */
  readonly ctBridges?: readonly string[];
  /**
   * With `ctNext`: the recirculations where the conntrack model rewrote the packet as conntrack
   * does from the connection it belongs to (un-SNAT / un-DNAT of a reply). ofproto/trace knows no
   * connection: where `replayable` is false, a replay with `input` and `ctNext` agrees with this
   * hop only up to that recirculation.
   */
  readonly ctNat?: readonly HopCtNat[];
  /** Logical datapaths crossed in this hop, in order. */
  readonly datapaths?: readonly string[];
  readonly steps?: readonly HopStep[];
  readonly verdict?: Verdict;
}

export interface TraceResult {
  readonly input: string;
  readonly verdict: Verdict;
  readonly hops: TraceHop[];
  readonly warnings: string[];
  readonly tree: TraceNode[];
  /** Cross-host traces: the drop that decided the verdict, with its evidence. */
  readonly drop?: TraceDrop;
}

/**
 * Keeps the nodes at or above `level`; a dropped node's kept descendants move up to its place,
 * so nothing important disappears with its parent. The input tree is not modified.
 *
 * The result is plain objects (`kind`, `detail`, `text`, `data`, `children`): a node's text and
 * data are read here, once, and only for the nodes kept — the simulator formats them lazily.
 */
export function pruneTree(nodes: readonly TraceNode[], level: Detail): TraceNode[] {
  const out: TraceNode[] = [];
  pruneInto(nodes, detailRank(level), out);
  return out;
}

/** minimal 0, summary 1, detailed 2 — compared, not looked up: a prune visits every node of every trace. */
export function detailRank(d: Detail): number {
  return d === 'minimal' ? 0 : d === 'summary' ? 1 : 2;
}

function pruneInto(nodes: readonly TraceNode[], rank: number, out: TraceNode[]): void {
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (detailRank(n.detail) <= rank) {
      const children: TraceNode[] = [];
      if (n.children.length) pruneInto(n.children, rank, children);
      out.push({ kind: n.kind, detail: n.detail, text: n.text, data: n.data, children });
    } else if (n.children.length) pruneInto(n.children, rank, out);
  }
}

/**
 * A node of the trace tree as `--json` prints it: the tree in pre-order, each node with its
 * depth (0: a root) instead of nested `children`. Nested, an OVN pipeline is one level per
 * resubmit (~200), more than JSON tools parse (jq 1.6 stops at 256 levels).
 */
export interface FlatTraceNode {
  readonly depth: number;
  readonly kind: TraceNodeKind;
  readonly detail: Detail;
  readonly text: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** The tree in pre-order with depths (`FlatTraceNode`); `unflattenTree` gives it back. */
export function flattenTree(nodes: readonly TraceNode[]): FlatTraceNode[] {
  const out: FlatTraceNode[] = [];
  // An explicit stack, not recursion: the depth is the pipeline's.
  const stack: { nodes: readonly TraceNode[]; i: number }[] = [{ nodes, i: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.nodes.length) {
      stack.pop();
      continue;
    }
    const n = top.nodes[top.i++]!;
    const data = n.data;
    out.push(data === undefined ? { depth: stack.length - 1, kind: n.kind, detail: n.detail, text: n.text } : { depth: stack.length - 1, kind: n.kind, detail: n.detail, text: n.text, data });
    if (n.children.length) stack.push({ nodes: n.children, i: 0 });
  }
  return out;
}

/** The nested tree of a flattened one (for consumers and tests); undefined when the depths are not a pre-order. */
export function unflattenTree(flat: readonly FlatTraceNode[]): TraceNode[] | undefined {
  const roots: TraceNode[] = [];
  const path: TraceNode[][] = [roots];
  for (const f of flat) {
    if (!Number.isInteger(f.depth) || f.depth < 0 || f.depth >= path.length) return undefined;
    path.length = f.depth + 1;
    const node: TraceNode = { kind: f.kind, detail: f.detail, text: f.text, ...(f.data !== undefined ? { data: f.data } : {}), children: [] };
    path[f.depth]!.push(node);
    path.push(node.children);
  }
  return roots;
}
