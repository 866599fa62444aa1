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
  | 'note';

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
  | 'UNSUPPORTED';

export type OutputKind = 'local' | 'tunnel' | 'patch' | 'physical' | 'reserved';

export interface TraceOutput {
  readonly port: string;
  readonly ofport: number;
  readonly kind: OutputKind;
  readonly tunnel?: { readonly remoteIp: string; readonly chassis?: string; readonly tunId: string; readonly metadata0?: string };
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

export interface TraceDrop {
  readonly table: number;
  readonly priority?: number;
  readonly cookie?: string;
  readonly reason: DropReason;
  readonly explanation: string;
  readonly logicalFlow?: LogicalFlowRef;
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
}

export interface TraceResult {
  readonly input: string;
  readonly verdict: Verdict;
  readonly hops: TraceHop[];
  readonly warnings: string[];
  readonly tree: TraceNode[];
}

const RANK: Record<Detail, number> = { minimal: 0, summary: 1, detailed: 2 };

/**
 * Keeps the nodes at or above `level`; a dropped node's kept descendants move up to its place,
 * so nothing important disappears with its parent. The input tree is not modified.
 */
export function pruneTree(nodes: readonly TraceNode[], level: Detail): TraceNode[] {
  const out: TraceNode[] = [];
  for (const n of nodes) {
    const children = pruneTree(n.children, level);
    if (RANK[n.detail] <= RANK[level]) out.push({ ...n, children });
    else out.push(...children);
  }
  return out;
}
