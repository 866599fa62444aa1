/**
 * Names every step of a trace in OVN terms: the logical flow behind each cookie (stage, pipeline,
 * match, actions, datapath) and the northbound object behind that (ACL, NAT, load balancer,
 * static route, port), and turns drops into typed reasons with that evidence. A pure pass over a
 * finished trace: the interpreter stays OVN-agnostic and the tree is rebuilt, not mutated.
 *
 * Cheap per trace: the rebuilt tree shares every subtree without a named table, the names are
 * looked up from the matched flow itself (cookie, metadata) without formatting it, and the
 * texts (the note under each table, the NB object's description) are made when read.
 */
import { field } from '../model/fields.js';
import type { CompiledFlow } from './classifier.js';
import type { FlowEntry, Match } from '../model/flow.js';
import type { Detail, DropReason, HopStep, LogicalFlowRef, TraceDrop, TraceHop, TraceNode, TraceResult } from '../model/trace.js';
import type { NbNat, SbDatapathBinding, SbLogicalFlow } from '../model/ovn.js';
import { datapathName, type CookieTarget, type NbObject, type OvnIndex } from '../snapshot/ovn-index.js';
import { canonicalIp, inCidr } from '../snapshot/resolve.js';
import { copyWith, nodeField, SimNode, tableEntry, type NodeFormat, type SummaryLog } from './report.js';

export interface StepName {
  readonly logicalFlow: LogicalFlowRef;
  readonly nb?: NbDescription;
}

/** The NB object behind a logical flow, in words and as data. */
export interface NbDescription {
  readonly kind: NbObject['kind'];
  readonly uuid: string;
  readonly text: string;
  /** The row's main columns. */
  readonly row?: Readonly<Record<string, unknown>>;
}

export function describeNb(o: NbObject): NbDescription {
  switch (o.kind) {
    case 'acl': {
      const a = o.acl;
      const rule = a.externalIds['neutron:security_group_rule_id'];
      const row = { name: a.name, direction: a.direction, priority: a.priority, match: a.match, action: a.action, ...(o.portGroup ? { portGroup: o.portGroup } : {}), ...(o.securityGroup ? { securityGroup: o.securityGroup } : {}), ...(rule ? { securityGroupRule: rule } : {}), ...(o.logicalSwitch ? { logicalSwitch: o.logicalSwitch } : {}), ...(a.log ? { log: true } : {}) };
      const where = o.portGroup ? ` on ${aclOwner(row)}` : o.logicalSwitch ? ` on switch ${o.logicalSwitch}` : '';
      return { kind: o.kind, uuid: a.uuid, text: `ACL ${a.name ? `"${a.name}" ` : ''}${a.direction} priority ${a.priority ?? '?'} \`${a.match}\` ${a.action}${where}`, row };
    }
    case 'nat':
      return {
        kind: o.kind,
        uuid: o.nat.uuid,
        text: `NAT ${o.nat.type} ${o.nat.externalIp} <-> ${o.nat.logicalIp}${o.nat.logicalPort ? ` (port ${o.nat.logicalPort})` : ''}`,
        row: { type: o.nat.type, externalIp: o.nat.externalIp, logicalIp: o.nat.logicalIp, ...(o.nat.logicalPort ? { logicalPort: o.nat.logicalPort } : {}), ...(o.nat.externalMac ? { externalMac: o.nat.externalMac } : {}) },
      };
    case 'load-balancer':
      return {
        kind: o.kind,
        uuid: o.lb.uuid,
        text: `load balancer ${o.lb.name || o.lb.uuid.slice(0, 8)} ${Object.entries(o.lb.vips).map(([v, b]) => `${v} -> ${b || '(no backends)'}`).join('; ')}`,
        row: { name: o.lb.name, vips: o.lb.vips, protocol: o.lb.protocol ?? 'tcp', ...(Object.keys(o.lb.options).length ? { options: o.lb.options } : {}) },
      };
    case 'static-route':
      return {
        kind: o.kind,
        uuid: o.route.uuid,
        text: `static route ${o.route.ipPrefix} via ${o.route.nexthop}${o.route.outputPort ? ` port ${o.route.outputPort}` : ''}`,
        row: { ipPrefix: o.route.ipPrefix, nexthop: o.route.nexthop, ...(o.route.outputPort ? { outputPort: o.route.outputPort } : {}), policy: o.route.policy ?? 'dst-ip' },
      };
    case 'router-policy': {
      const p = o.policy;
      const to = p.nexthops.length ? ` ${p.nexthops.join(', ')}` : '';
      return {
        kind: o.kind,
        uuid: p.uuid,
        text: `router policy priority ${p.priority ?? '?'} \`${p.match}\` ${p.action}${to}${o.router ? ` on router ${o.router}` : ''}`,
        row: { priority: p.priority, match: p.match, action: p.action, ...(p.nexthops.length ? { nexthops: p.nexthops } : {}), ...(o.router ? { router: o.router } : {}) },
      };
    }
    case 'switch-port':
      return { kind: o.kind, uuid: o.port.uuid, text: `switch port ${o.port.name}`, row: { name: o.port.name, addresses: o.port.addresses, portSecurity: o.port.portSecurity } };
    case 'router-port':
      return { kind: o.kind, uuid: o.port.uuid, text: `router port ${o.port.name}`, row: { name: o.port.name, mac: o.port.mac, networks: o.port.networks } };
  }
}

/** Neutron's port group of every port with port security: its ACLs drop what no security group allowed. */
const NEUTRON_DROP_GROUP = 'neutron_pg_drop';

/**
 * Who an ACL belongs to, from its NB description's row: the Neutron security group (and rule) of
 * its port group when the NB says, else the port group; neutron_pg_drop in words.
 */
export function aclOwner(row: Readonly<Record<string, unknown>>): string {
  const pg = typeof row['portGroup'] === 'string' ? row['portGroup'] : undefined;
  if (pg === NEUTRON_DROP_GROUP) return `port group ${pg}: Neutron's default drop, no rule of the port's security groups allowed it`;
  const sg = typeof row['securityGroup'] === 'string' ? row['securityGroup'] : undefined;
  const rule = typeof row['securityGroupRule'] === 'string' ? row['securityGroupRule'] : undefined;
  if (sg) return `security group ${sg}${rule ? ` rule ${rule}` : ''}, port group ${pg ?? '?'}`;
  return pg ? `port group ${pg}` : '';
}

function logicalFlowRef(f: SbLogicalFlow, datapath: string | undefined): LogicalFlowRef {
  return { uuid: f.uuid, pipeline: f.pipeline, tableId: f.tableId ?? -1, stage: f.stageName, priority: f.priority ?? 0, match: f.match, actions: f.actions, datapath };
}

type LogicalFlowTarget = Extract<CookieTarget, { kind: 'logical-flow' }>;

/**
 * A StepName made of references — the index, the logical flow, where the datapath key comes from
 * — whose datapath, logical flow reference and NB description are looked up and made on first read.
 */
class NamedStep implements StepName {
  readonly #index: OvnIndex;
  readonly #target: LogicalFlowTarget;
  /** The packet's datapath key (OpenFlow metadata), or the match to read it from. */
  readonly #metadata: number | Match | undefined;
  #datapath: string | undefined | null = null;
  #lf: LogicalFlowRef | undefined;
  #nb: NbDescription | undefined | null = null;
  #decision: StageDecision | null = null;
  #hopStep: StageStep | undefined | null = null;

  constructor(index: OvnIndex, target: LogicalFlowTarget, metadata: number | Match | undefined) {
    this.#index = index;
    this.#target = target;
    this.#metadata = metadata;
  }

  /** The logical datapath's name: the one of the metadata, or every datapath of the flow. */
  get datapath(): string | undefined {
    if (this.#datapath !== null) return this.#datapath;
    const m = this.#metadata;
    const metadata = typeof m === 'object' ? matchMetadata(m) : m;
    const all = this.#target.datapaths;
    const dp = metadata !== undefined ? this.#index.datapathByKey.get(metadata) : all.length === 1 ? all[0] : undefined;
    return (this.#datapath = dp ? datapathName(dp) : all.map((d) => datapathName(d)).join(', ') || undefined);
  }

  get logicalFlow(): LogicalFlowRef {
    return (this.#lf ??= logicalFlowRef(this.#target.flow, this.datapath));
  }

  get nb(): NbDescription | undefined {
    if (this.#nb !== null) return this.#nb;
    const hint = this.#target.flow.stageHint;
    const o = hint ? this.#index.nbByHint.get(hint) : undefined;
    return (this.#nb = o ? describeNb(o) : undefined);
  }

  /** The stage, read without building the reference. */
  get stage(): string | undefined {
    return this.#target.flow.stageName;
  }

  /** Which decision of the hop summary the stage makes (steps are shared by traces: asked once). */
  get decision(): StageDecision {
    // undefined is an answer (no decision): null means not asked yet.
    if (this.#decision === null) this.#decision = stageDecision(this.stage ?? '');
    return this.#decision;
  }

  /** The hop-summary step this flow makes in table `table` (its own table: the same every time), made once. */
  hopStep(table: number): StageStep | undefined {
    if (this.#hopStep === null) this.#hopStep = stageStep(this.decision, this.logicalFlow, this.nb, table);
    return this.#hopStep;
  }
}

/** The hop summary's kinds of logical stages (`hopDetails`); undefined: none of them. */
type StageDecision = { readonly acl: boolean; readonly lb: boolean; readonly nat: boolean; readonly route: boolean } | undefined;

function stageDecision(stage: string): StageDecision {
  const d = { acl: ACL_STAGES.has(stage), lb: LB_STAGES.has(stage), nat: NAT_STAGES.has(stage), route: ROUTE_STEP_STAGES.has(stage) };
  return d.acl || d.lb || d.nat || d.route ? d : undefined;
}

/** nameStep for a cookie's first 32 bits (`index.byCookie`'s key). */
function stepOf(index: OvnIndex, c: number, metadata: number | Match | undefined): NamedStep | undefined {
  const targets = index.byCookie.get(c);
  if (!targets) return undefined;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (t.kind === 'logical-flow') return new NamedStep(index, t, metadata);
  }
  return undefined;
}

/** The logical flow (and NB object) behind an OpenFlow cookie, narrowed to the datapath in `metadata`. */
export function nameStep(index: OvnIndex, cookie: string | undefined, metadata?: number): StepName | undefined {
  if (!cookie) return undefined;
  return stepOf(index, Number(BigInt(cookie)), metadata);
}

// Logical stages by name (sets, not patterns: the hop summary asks about every table's stage).
const bothDirections = (names: readonly string[]) => names.flatMap((n) => [`ls_in_${n}`, `ls_out_${n}`]);
const PORT_SECURITY_STAGES: ReadonlySet<string> = new Set(bothDirections(['port_sec_l2', 'port_sec_ip', 'port_sec_nd', 'check_port_sec', 'apply_port_sec']));
const ACL_STAGES: ReadonlySet<string> = new Set(bothDirections(['acl', 'acl_eval', 'acl_action', 'acl_after_lb', 'acl_after_lb_eval', 'acl_after_lb_action']));
const ROUTE_STAGES: ReadonlySet<string> = new Set(['lr_in_ip_routing', 'lr_in_ip_routing_ecmp', 'lr_in_policy', 'lr_in_policy_ecmp']);

const LB_STAGES: ReadonlySet<string> = new Set(['ls_in_lb', 'ls_in_pre_stateful', 'ls_in_pre_lb', 'lr_in_dnat', 'lr_in_defrag']);

/** A drop's typed reason from the logical stage that dropped it. */
export function classifyDrop(step: StepName | undefined, fallback: DropReason): { reason: DropReason; because: string } {
  const lf = step?.logicalFlow;
  if (!lf?.stage) return { reason: fallback, because: '' };
  if (LB_STAGES.has(lf.stage) && step?.nb?.kind === 'load-balancer' && /(^|;\s*)(drop|reject)\b/.test(lf.actions))
    return { reason: 'LB_NO_BACKEND', because: `the VIP has no backends: ${step.nb.text} \`${lf.match}\` => ${lf.actions}` };
  if (lf.stage === 'lr_in_arp_request') return { reason: 'ARP_UNRESOLVED', because: `next hop MAC unknown \`${lf.match}\`` };
  if (lf.stage === 'lr_in_larger_pkts' || lf.stage === 'lr_in_chk_pkt_len') return { reason: 'MTU_EXCEEDED', because: `packet larger than gateway_mtu \`${lf.match}\`` };
  if (ACL_STAGES.has(lf.stage)) return { reason: 'ACL_DROP', because: step?.nb?.kind === 'acl' ? step.nb.text : `an ACL stage flow \`${lf.match}\`` };
  if (PORT_SECURITY_STAGES.has(lf.stage)) return { reason: 'PORT_SECURITY', because: `port security \`${lf.match}\`` };
  if (lf.stage === 'lr_in_ip_input' && /ip\.ttl|ip4\.ttl|ip6\.hop_limit/.test(lf.match)) return { reason: 'TTL_EXPIRED', because: `TTL expired \`${lf.match}\`` };
  // A Logical_Router_Policy with action drop: the router does not forward it, as NO_ROUTE says,
  // but by a rule someone wrote, not for want of a route (lr_in_policy's own default is next).
  if (lf.stage === 'lr_in_policy' && /(^|;\s*)drop;/.test(lf.actions))
    return { reason: 'NO_ROUTE', because: step?.nb?.kind === 'router-policy' ? `${step.nb.text} drops it` : `a router policy drops it \`${lf.match}\` (no NB Logical_Router_Policy row in the snapshot names it)` };
  if (ROUTE_STAGES.has(lf.stage)) return { reason: 'NO_ROUTE', because: `no route \`${lf.match}\`` };
  return { reason: fallback, because: `\`${lf.match}\`` };
}

function metadataOf(node: TraceNode): number | undefined {
  const m = typeof node.data?.['match'] === 'string' ? /(?:^|,)metadata=(0x[0-9a-f]+|\d+)(?:,|$)/.exec(node.data['match'] as string) : null;
  return m ? Number(BigInt(m[1]!)) : undefined;
}

const METADATA_ID = field('metadata').id;
const METADATA_ONES = 0xffffffffffffffffn;

/** metadataOf, from the match itself: the first exact `metadata=` (a masked one does not name a datapath). */
function matchMetadata(m: Match): number | undefined {
  const items = m.items;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.field.id === METADATA_ID && it.mask === METADATA_ONES) return Number(it.value);
  }
  return undefined;
}

/**
 * A node of the annotated tree that stands for a node of the trace (same kind, detail, text) with
 * new children (p0: the trace's node). For a table whose cookie names a logical flow, also
 * p1: the step (its logical flow and NB object are added to the data) and p2: the cookie.
 */
const ANNOTATED: NodeFormat = {
  text: (source) => (source as TraceNode).text,
  data: (source, step) => {
    const d = (source as TraceNode).data;
    if (!step) return d;
    const st = step as NamedStep;
    const nb = st.nb;
    return { ...d, logicalFlow: st.logicalFlow, ...(nb ? { nb } : {}) };
  },
  field: (key, source, step) => {
    if (step && key === 'logicalFlow') return (step as NamedStep).logicalFlow;
    if (step && key === 'nb') return (step as NamedStep).nb;
    return nodeField(source as TraceNode, key);
  },
};

/** The note under a named table (p0: the step): the logical flow, its stage and datapath, and the NB object. */
const STEP_NOTE: NodeFormat = {
  text: (step) => {
    const st = step as NamedStep;
    const lf = st.logicalFlow;
    const nb = st.nb;
    return `${lf.datapath ?? '?'}: ${lf.pipeline} ${lf.stage ?? `table ${lf.tableId}`} (lflow table ${lf.tableId}) priority ${lf.priority}: ${lf.match} => ${lf.actions}${nb ? `  [${nb.text}]` : ''}`;
  },
  data: () => undefined,
};

/** The note under a table whose cookie is another SB row (p0: the index, p1: the row): port binding, multicast group, ... */
const ROW_NOTE: NodeFormat = {
  text: (index, target) => describeTarget(index as OvnIndex, target as CookieTarget) ?? '',
  data: () => undefined,
};

/**
 * What the hop summary (`hopDetails`) and the drop and punt explanations read of an annotated
 * tree, collected while annotating, in the tree's pre-order: the named tables and the ct nodes,
 * each with the bridge it is in. Reading these instead of walking the tree again saves two walks
 * of ~1,000 nodes per packet.
 */
type SummaryEvent = TableEvent | StepEvent | CtEvent;

interface TableEvent {
  readonly kind: 'table';
  readonly bridge: string | undefined;
  /** The step (annotated here) or the logical flow a plain node's data carries. */
  readonly named: NamedStep | LogicalFlowRef;
  /** The node as annotated, or the tree's own when it is not rebuilt (set once its children are). */
  node: TraceNode | undefined;
  /** Its position in the tree's post-order (set with `node`). */
  post: number;
  readonly table: unknown;
  readonly cookie: bigint | undefined;
}

/**
 * A named table of a summary log, as the hop summary reads it: its datapath and hop-summary step,
 * made once per flow (`FlowAnnotation`). Only the tables that add to the summary are listed — a
 * decision, or a datapath the bridge's list does not end with — and the drop and punt
 * explanations search the log itself (`loggedStep`).
 */
interface StepEvent {
  readonly kind: 'step';
  readonly bridge: string;
  readonly datapath: string | undefined;
  readonly made: StageStep | undefined;
}

interface CtEvent {
  readonly kind: 'ct';
  readonly bridge: string | undefined;
  readonly node: TraceNode;
}

interface AnnotateWalk {
  readonly index: OvnIndex;
  readonly memo: FlowStepMemo;
  readonly events: SummaryEvent[];
  post: number;
  /** False: collect the events only, leave the tree as it is (see `annotateWithSummary`). */
  readonly rebuild: boolean;
  /** The summary log the events were read from (a tree made at minimal detail). */
  log?: SummaryLog;
}

/** The bridge a node says it is in (bridge, table and recirc nodes), else the one around it. */
function bridgeOf(n: TraceNode, around: string | undefined): string | undefined {
  if (n.kind === 'bridge' || n.kind === 'table' || n.kind === 'recirc') {
    const b = nodeField(n, 'bridge');
    if (typeof b === 'string') return b;
  }
  return around;
}

/** The annotated nodes; `nodes` itself when none of them changed (subtrees are shared). */
function annotateNodes(nodes: readonly TraceNode[], w: AnnotateWalk, bridge: string | undefined): readonly TraceNode[] {
  let out: TraceNode[] | undefined;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    const a = annotateNode(n, w, bridge);
    // A copy of the whole list, made once at its final size (not grown by pushes).
    if (a !== n) (out ??= nodes.slice())[i] = a;
  }
  return out ?? nodes;
}

/** The name of a flow's table step and its note node, made once per flow: every trace through the flow shares them. */
interface FlowStep {
  readonly step: NamedStep;
  readonly note: SimNode;
}

/**
 * Per index: flow → its step (null: the cookie names no logical flow). Found by the flow's dump
 * line — an array index, ~90 lookups a packet — and checked by identity, since the dumps of
 * several bridges and hosts share line numbers; the flows that lose that slot go to a Map. Not a
 * WeakMap: the flows live as long as the index, and thousands of weak entries slowed every GC.
 */
interface FlowStepMemo {
  readonly byLine: ({ readonly entry: FlowEntry; readonly step: FlowStep | null } | undefined)[];
  readonly others: Map<FlowEntry, FlowStep | null>;
}

const flowSteps = new WeakMap<OvnIndex, FlowStepMemo>();

function flowStepsOf(index: OvnIndex): FlowStepMemo {
  let m = flowSteps.get(index);
  if (!m) flowSteps.set(index, (m = { byLine: [], others: new Map() }));
  return m;
}

function flowStep(index: OvnIndex, memo: FlowStepMemo, entry: FlowEntry): FlowStep | null {
  const line = entry.line;
  const slot = line < memo.byLine.length ? memo.byLine[line] : undefined;
  if (slot !== undefined && slot.entry === entry) return slot.step;
  const known = slot === undefined ? undefined : memo.others.get(entry);
  if (known !== undefined) return known;
  const step = entry.cookie !== 0n ? stepOf(index, Number(entry.cookie), entry.match) : undefined;
  const s = step ? { step, note: new SimNode('note', 'summary', STEP_NOTE, step) } : null;
  if (slot === undefined) {
    // Grown densely (holes would turn the array into a dictionary).
    while (memo.byLine.length <= line) memo.byLine.push(undefined);
    memo.byLine[line] = { entry, step: s };
  } else memo.others.set(entry, s);
  return s;
}

function annotateNode(n: TraceNode, w: AnnotateWalk, around: string | undefined): TraceNode {
  const here = bridgeOf(n, around);
  if (n.kind === 'ct') w.events.push({ kind: 'ct', bridge: here, node: n });
  if (n.kind !== 'table') {
    const children = n.children.length ? annotateNodes(n.children, w, here) : n.children;
    // A changed list is always a new array (annotateNodes): it becomes the new node's own.
    return children === n.children ? n : new SimNode(n.kind, n.detail, ANNOTATED, n, undefined, undefined, undefined, children as TraceNode[]);
  }
  const index = w.index;
  let step: NamedStep | undefined;
  let note: SimNode | undefined;
  let cookie: bigint | undefined;
  const entry = tableEntry(n);
  if (entry) {
    // Shared across traces: the step and its note are immutable (their texts are made once).
    const named = flowStep(index, w.memo, entry);
    cookie = entry.cookie;
    if (named) ({ step, note } = named);
  } else {
    const text = n.data?.['cookie'];
    if (typeof text === 'string' && text) {
      cookie = BigInt(text);
      step = cookie !== 0n ? stepOf(index, Number(cookie), metadataOf(n)) : undefined;
      if (step) note = new SimNode('note', 'summary', STEP_NOTE, step);
    }
  }
  let event: TableEvent | undefined;
  if (step) {
    event = { kind: 'table', bridge: here, named: step, node: undefined, post: -1, table: nodeField(n, 'table'), cookie };
    w.events.push(event);
  } else {
    // A plain node (a tree read back from JSON) may carry its logical flow in its data.
    const lf = nodeField(n, 'logicalFlow') as LogicalFlowRef | undefined;
    if (lf) w.events.push({ kind: 'table', bridge: here, named: lf, node: n, post: -1, table: nodeField(n, 'table'), cookie: undefined });
  }
  const children = n.children.length ? annotateNodes(n.children, w, here) : n.children;
  if (!w.rebuild) {
    if (event) {
      event.node = n;
      event.post = w.post++;
    }
    return n;
  }
  if (step) {
    const a = new SimNode(n.kind, n.detail, ANNOTATED, n, step, cookie, undefined, withFirst(note!, children));
    event!.node = a;
    event!.post = w.post++;
    return a;
  }
  if (cookie !== undefined && cookie !== 0n) {
    const other = otherRow(index, Number(cookie));
    if (other) return new SimNode(n.kind, n.detail, ANNOTATED, n, undefined, undefined, undefined, withFirst(new SimNode('note', 'summary', ROW_NOTE, index, other), children));
  }
  return children === n.children ? n : new SimNode(n.kind, n.detail, ANNOTATED, n, undefined, undefined, undefined, children as TraceNode[]);
}

/**
 * What the annotation and the hop summary read of a compiled flow for one index, kept on the
 * flow itself (`CompiledFlow.annotation`): its step, and the step's datapath and hop-summary step.
 * None of these depends on the packet; reading them from one object per flow, instead of through
 * the step, spares the cache misses of ~90 tables a packet.
 */
interface FlowAnnotation {
  readonly index: OvnIndex;
  readonly step: NamedStep | undefined;
  readonly datapath: string | undefined;
  readonly made: StageStep | undefined;
}

function flowAnnotation(f: CompiledFlow, w: AnnotateWalk, table: number): FlowAnnotation {
  const a = f.annotation as FlowAnnotation | undefined;
  if (a?.index === w.index) return a;
  const step = flowStep(w.index, w.memo, f.entry)?.step;
  const made: FlowAnnotation = { index: w.index, step, datapath: step?.datapath, made: step?.hopStep(table) };
  f.annotation = made;
  return made;
}

/**
 * The summary events of a trace's summary log: what `annotateNodes` collects from a summary tree,
 * less the tables that add nothing to the hop summary (see `StepEvent`).
 */
function eventsFromLog(log: SummaryLog, w: AnnotateWalk): void {
  w.log = log;
  // The last datapath listed, per bridge (a host has one or two) and of all bridges (the summary
  // of every bridge): a table in the datapath both already end with adds nothing to either.
  const bridges: string[] = [];
  const lastDatapath: (string | undefined)[] = [];
  let lastOfAll: string | undefined;
  for (const e of log.events) {
    if (e.kind === 'ct') {
      w.events.push({ kind: 'ct', bridge: e.bridge, node: e.node });
      continue;
    }
    const logged = e.annotation as FlowAnnotation | undefined;
    const a = logged?.index === w.index ? logged : flowAnnotation(e.flow, w, e.table);
    if (!a.step) continue;
    const datapath = a.datapath;
    let b = bridges.indexOf(e.bridge);
    if (b < 0) {
      b = bridges.push(e.bridge) - 1;
      lastDatapath.push(undefined);
    }
    const listed = !datapath || (datapath === lastDatapath[b] && datapath === lastOfAll);
    if (listed && !a.made) continue;
    if (datapath) lastDatapath[b] = lastOfAll = datapath;
    w.events.push({ kind: 'step', bridge: e.bridge, datapath, made: a.made });
  }
}

/** `namedStep` over a summary log: the step of the last `table`/`cookie` table in post-order. */
function loggedStep(log: SummaryLog, w: AnnotateWalk, table: number, want: bigint): NamedStep | undefined {
  let found: NamedStep | undefined;
  let post = -1;
  for (const e of log.events) {
    if (e.kind !== 'table' || e.table !== table || e.flow.entry.cookie !== want || e.post <= post) continue;
    const step = flowAnnotation(e.flow, w, e.table).step;
    if (step) {
      found = step;
      post = e.post;
    }
  }
  return found;
}

/** `[first, ...rest]`, allocated at its size. */
function withFirst(first: TraceNode, rest: readonly TraceNode[]): TraceNode[] {
  const out = new Array<TraceNode>(rest.length + 1);
  out[0] = first;
  for (let i = 0; i < rest.length; i++) out[i + 1] = rest[i];
  return out;
}

/**
 * The step the annotation named for `table`/`cookie` — of the last such table in the tree's
 * post-order, as the drop and punt explanations have always used.
 */
function namedStep(w: AnnotateWalk, table: number, cookie: string | undefined): NamedStep | undefined {
  if (!cookie) return undefined;
  const want = BigInt(cookie);
  if (w.log) return loggedStep(w.log, w, table, want);
  let found: NamedStep | undefined;
  let post = -1;
  for (const e of w.events) {
    if (e.kind === 'table' && e.cookie === want && e.table === table && e.post > post && e.named instanceof NamedStep) {
      found = e.named;
      post = e.post;
    }
  }
  return found;
}

/** Cookies that are not logical flows: port bindings (table 0, output), multicast groups, LBs, MAC bindings. */
function otherRow(index: OvnIndex, c: number): CookieTarget | undefined {
  const t = index.byCookie.get(c)?.[0];
  return t && t.kind !== 'logical-flow' ? t : undefined;
}

function describeTarget(index: OvnIndex, t: CookieTarget): string | undefined {
  switch (t.kind) {
    case 'port-binding': {
      const dp = t.binding.datapath ? index.datapathByUuid.get(t.binding.datapath) : undefined;
      return `logical port ${t.binding.logicalPort}${t.binding.type ? ` (${t.binding.type})` : ''} on ${datapathName(dp)}`;
    }
    case 'multicast-group':
      return `multicast group ${t.group.name}`;
    case 'load-balancer':
      return `load balancer ${t.lb.name} (hairpin)`;
    case 'mac-binding':
      return `MAC binding ${t.binding.ip} is ${t.binding.mac} on ${t.binding.logicalPort}`;
    case 'logical-flow':
      return undefined;
  }
}

/** The NB description a trace gives a logical flow's NB object (`natRowOf`: which NAT row this packet used). */
export type NbFor = (nb: NbDescription | undefined, lf: LogicalFlowRef) => NbDescription | undefined;

const ADDRESS_IN_FLOW = /(?:nw_src|nw_dst|ipv6_src|ipv6_dst)=\[?([0-9a-fA-F.:]+)\]?/g;

/**
 * A flow's stage hint names one NB row; when that row is a NAT sharing its external IP with
 * other rows of the router (Neutron: one snat per subnet), a flow that matches only the external
 * IP (lr_in_unsnat, lr_in_arp_resolve, …) was made once for all of them. The row this packet used
 * is the one whose logical_ip holds an address the packet had (its input on each hop, the
 * addresses before and after each NAT): the most specific such row; when none does, all of them
 * are named. A flow that names the row's own logical_ip (lr_out_snat) is that row's.
 */
export function natRowOf(index: OvnIndex, hops: readonly TraceHop[], events: readonly SummaryEvent[]): NbFor {
  let seen: string[] | undefined;
  const addresses = (): string[] => {
    if (seen) return seen;
    const texts = [...hops.map((h) => h.input ?? ''), ...events.flatMap((e) => (e.kind === 'ct' ? [String(nodeField(e.node, 'before') ?? ''), String(nodeField(e.node, 'after') ?? '')] : []))];
    const all = new Set<string>();
    for (const t of texts) for (const m of t.matchAll(ADDRESS_IN_FLOW)) all.add(canonicalIp(m[1]!) ?? m[1]!);
    return (seen = [...all]);
  };
  return (nb, lf) => {
    if (nb?.kind !== 'nat') return nb;
    const o = index.nbByHint.get(nb.uuid.slice(0, 8));
    if (o?.kind !== 'nat' || !o.sharing?.length) return nb;
    const own = o.nat.logicalIp;
    if (new RegExp(`(^|[\\s(])${own.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[\\s)])`).test(lf.match)) return nb;
    const rows = [o.nat, ...o.sharing];
    const holds = (row: NbNat, ip: string) => (row.logicalIp.includes('/') ? inCidr(ip, row.logicalIp) : canonicalIp(row.logicalIp) === ip);
    const prefix = (row: NbNat) => Number(row.logicalIp.split('/')[1] ?? 128);
    const used = rows.filter((row) => addresses().some((ip) => holds(row, ip))).sort((a, b) => prefix(b) - prefix(a));
    if (used[0]) return used[0] === o.nat ? nb : describeNb({ kind: 'nat', nat: used[0] });
    const types = [...new Set(rows.map((r) => r.type))].join('/');
    return { ...nb, text: `NAT ${types} ${o.nat.externalIp} <-> ${rows.map((r) => r.logicalIp).join(' or ')} (one logical flow for the ${rows.length} NAT rows with external IP ${o.nat.externalIp}: which one the connection used, the packet does not show)`, row: { ...nb.row, sharedBy: rows.map((r) => ({ uuid: r.uuid, type: r.type, logicalIp: r.logicalIp })) } };
  };
}

/** The drop of a hop, explained by the logical flow and NB object that caused it. */
function explainDrop(drop: TraceDrop, w: AnnotateWalk, nbFor: NbFor = (nb) => nb): TraceDrop {
  const index = w.index;
  const step = namedStep(w, drop.table, drop.cookie) ?? nameStep(index, drop.cookie);
  const classified = classifyDrop(step, drop.reason);
  const { reason } = classified;
  let because = classified.because;
  const lf = step?.logicalFlow;
  let nb = lf ? nbFor(step?.nb, lf) : step?.nb;
  if (reason === 'PORT_SECURITY' && lf) {
    // The port whose port_security refused the packet, and what it allows.
    const port = /\b(?:inport|outport) == "([^"]+)"/.exec(lf.match)?.[1];
    const lsp = port ? index.lspByName?.get(port) : undefined;
    if (lsp) {
      because += `; port_security of ${lsp.name}: ${lsp.portSecurity.length ? lsp.portSecurity.map((x) => `"${x}"`).join(', ') : '(none)'}`;
      nb ??= { kind: 'switch-port', uuid: lsp.uuid, text: `switch port ${lsp.name}`, row: { name: lsp.name, addresses: lsp.addresses, portSecurity: lsp.portSecurity } };
    }
  }
  const where = lf ? `${lf.stage ?? lf.pipeline}, table ${drop.table}` : `table ${drop.table}`;
  const explanation =
    (reason === 'NO_MATCH' && !lf) || reason === 'UNSUPPORTED' ? drop.explanation : `${reason === 'ACL_DROP' ? 'dropped by ' : 'dropped: '}${because || drop.explanation} (${where}${lf?.datapath ? ` on ${lf.datapath}` : ''})`;
  return { ...drop, reason, explanation, ...(lf ? { logicalFlow: lf } : {}), ...(nb ? { nb } : {}) };
}

/**
 * When a punt to ovn-controller means the packet itself goes no further (ovn-controller answers
 * with an ICMP error, an ARP request, a TCP reset), the reason in drop terms; undefined for punts
 * that are the service itself (DHCP, DNS, learning, logging).
 */
export function classifyPunt(reason: string, step: StepName | undefined): { reason: DropReason; because: string } | undefined {
  const lf = step?.logicalFlow;
  if (!lf?.stage) return undefined;
  if (lf.stage === 'lr_in_ip_input' && /ip\.ttl|ip6\.hop_limit/.test(lf.match)) return { reason: 'TTL_EXPIRED', because: 'router answers with ICMP time exceeded' };
  if (lf.stage === 'lr_in_arp_request') return { reason: 'ARP_UNRESOLVED', because: 'next hop MAC unknown, router sends an ARP/ND request' };
  if (lf.stage === 'lr_in_larger_pkts' || lf.stage === 'lr_in_chk_pkt_len' || (lf.stage === 'lr_in_admission' && /REGBIT_PKT_LARGER|reg9\[1\]/.test(lf.match)))
    return { reason: 'MTU_EXCEEDED', because: 'router answers with ICMP fragmentation needed' };
  if (LB_STAGES.has(lf.stage) && (step?.nb?.kind === 'load-balancer' || reason === 'EVENT')) return { reason: 'LB_NO_BACKEND', because: `the VIP has no backends, ${reason === 'EVENT' ? 'ovn-controller raises an empty_lb_backends event' : 'the connection is rejected'}${step?.nb ? ` (${step.nb.text})` : ''}` };
  if (ACL_STAGES.has(lf.stage) && ['REJECT', 'TCP_RESET', 'ICMP', 'ICMP4_ERROR', 'ICMP6_ERROR', 'SCTP_ABORT'].includes(reason))
    return { reason: 'ACL_DROP', because: `rejected by ${step?.nb?.kind === 'acl' ? step.nb.text : `an ACL stage flow \`${lf.match}\``}` };
  return undefined;
}

/** What a punt to ovn-controller means in OVN terms: which stage sent it, and for which reason. */
export function explainPunt(reason: string, step: StepName | undefined): string {
  const lf = step?.logicalFlow;
  if (!lf) return reason;
  const c = classifyPunt(reason, step);
  const kind = c ? `${c.reason}: ${c.because}; ` : '';
  return `${kind}${reason} from ${lf.stage ?? lf.pipeline} on ${lf.datapath ?? '?'}: \`${lf.match}\` => ${lf.actions}`;
}

export function annotateTrace<T extends TraceResult>(result: T, index: OvnIndex, treeDetail: Detail = 'detailed'): T {
  return annotateWithSummary(result, index, treeDetail).annotated;
}

/**
 * `annotateTrace`, and the hop summary of the annotated tree (`hopDetails` for one of its bridges)
 * from what the annotation collected, without walking the tree again.
 *
 * `treeDetail`: the most detail anyone will read of the tree. At `minimal` no table, note or
 * logical flow shows, so the tree is left as it is: only the hops (drops and punts explained)
 * and the hop summary are made.
 */
export function annotateWithSummary<T extends TraceResult>(result: T, index: OvnIndex, treeDetail: Detail = 'detailed'): { annotated: T; hopDetails: (bridge?: string) => HopSummary } {
  const w: AnnotateWalk = { index, memo: flowStepsOf(index), events: [], post: 0, rebuild: treeDetail !== 'minimal' };
  // A tree made at minimal detail has no tables to walk: its summary log says what they were.
  const log = treeDetail === 'minimal' ? (result as { summaryLog?: SummaryLog }).summaryLog : undefined;
  const annotated = log ? (eventsFromLog(log, w), result.tree) : annotateNodes(result.tree, w, undefined);
  const tree = annotated === result.tree ? annotated.slice() : (annotated as TraceNode[]);
  // The interpreter lists every punt with the flow that issued it (SimTraceResult.controllers).
  const punts = (result as { controllers?: readonly { bridge: string; table: number; cookie?: string; reason: string }[] }).controllers ?? [];
  const nbFor = natRowOf(index, result.hops, w.events);
  const hops: TraceHop[] = result.hops.map((h) => {
    // copyWith, not a spread: the hop's finalFlow stays unformatted until read.
    let hop = h.drop ? copyWith(h, { drop: explainDrop(h.drop, w, nbFor) }) : h;
    const punt = punts.find((p) => p.bridge === h.bridge);
    if (h.controller && punt) hop = copyWith(hop, { controllerReason: explainPunt(h.controllerReason ?? punt.reason, namedStep(w, punt.table, punt.cookie) ?? nameStep(index, punt.cookie)) });
    return hop;
  });
  return { annotated: { ...result, tree, hops }, hopDetails: (bridge) => summarize(w.events, bridge, nbFor) };
}

const ROUTE_STEP_STAGES: ReadonlySet<string> = new Set(['lr_in_ip_routing', 'lr_in_ip_routing_ecmp', 'lr_in_policy']);
const NOT_A_ROUTE = /^(1|reg8\[0\.\.15\] == 0)$|mcast/;
const NAT_STAGES: ReadonlySet<string> = new Set(['lr_in_unsnat', 'lr_in_dnat', 'lr_out_undnat', 'lr_out_snat', 'lr_out_post_undnat', 'lr_in_lb_aff_check', 'lr_out_post_snat']);

/**
 * The destination a NAT node's `after` text names: IP[:PORT]. `ports` false (the ct node's
 * `ports`: ICMP, whose type and code ofproto/trace's text shows as tp_src/tp_dst) prints no port.
 */
function natTuple(text: unknown, ports = true): string | undefined {
  if (typeof text !== 'string') return undefined;
  const ip = /(?:nw|ipv6)_dst=\[?([^,\]]+)\]?/.exec(text)?.[1];
  const port = ports ? /tp_dst=(\d+)/.exec(text)?.[1] : undefined;
  return ip ? `${ip}${port && port !== '0' ? `:${port}` : ''}` : undefined;
}

/** natTuple for the source. */
function natSource(text: unknown, ports = true): string | undefined {
  if (typeof text !== 'string') return undefined;
  const ip = /(?:nw|ipv6)_src=\[?([^,\]]+)\]?/.exec(text)?.[1];
  const port = ports ? /tp_src=(\d+)/.exec(text)?.[1] : undefined;
  return ip ? `${ip}${port && port !== '0' ? `:${port}` : ''}` : undefined;
}

/**
 * The logical datapaths an annotated trace crossed, in order, and its named decisions: ACLs
 * (with the NB ACL), load balancing (VIP → backend), NAT, routing (static route or connected
 * network), drops and punts. Recirculations re-run stages: each logical flow is listed once.
 */
export function hopDetails(tree: readonly TraceNode[], bridge?: string): HopSummary {
  return summarize(summaryEvents(tree), bridge);
}

export interface HopSummary {
  datapaths: string[];
  steps: HopStep[];
}

/** A step of the hop summary as a stage makes it (before the NAT it leads to is known), and the key that lists it once. */
interface StageStep {
  readonly key: string;
  readonly step: HopStep;
}

/** The hop-summary step of a logical flow in a stage that decides (ACL, LB, NAT, route); undefined: it names none. */
function stageStep(decision: StageDecision, lf: LogicalFlowRef, nb: NbDescription | undefined, table: number): StageStep | undefined {
  if (!decision) return undefined;
  const { acl, lb, nat, route } = decision;
  const base = { datapath: lf.datapath, stage: lf.stage, table, logicalFlow: lf, ...(nb ? { nb } : {}) };
  if (nb?.kind === 'acl' && acl) {
    const row = nb.row ?? {};
    return { key: `acl/${lf.uuid}`, step: { kind: 'acl', ...base, text: `ACL ${row['name'] ? `"${String(row['name'])}" ` : ''}${String(row['direction'] ?? '')} ${String(row['priority'] ?? '')} ${String(row['action'] ?? '')}${row['portGroup'] ? ` (${aclOwner(row)})` : ''}: ${String(row['match'] ?? lf.match)}` } };
  }
  if (nb?.kind === 'load-balancer' && lb) return { key: `lb/${lf.uuid}`, step: { kind: 'lb', ...base, text: `load balancer ${String(nb.row?.['name'] ?? nb.uuid.slice(0, 8))}: ${lf.match.replace(/^ct\.new && !ct\.rel && |^ct\.new && /, '')}` } };
  if (nb?.kind === 'nat' && nat) return { key: `nat/${nb.uuid}`, step: { kind: 'nat', ...base, text: nb.text } };
  if (route && !NOT_A_ROUTE.test(lf.match)) {
    const out = /outport = "([^"]+)"/.exec(lf.actions)?.[1];
    const nh = /reg0 = ([0-9.]+);/.exec(lf.actions)?.[1] ?? /xxreg0 = ([0-9a-f:]+);/.exec(lf.actions)?.[1];
    const dst = /ip[46]\.dst == ([^ )]+)/.exec(lf.match)?.[1];
    const text = nb?.kind === 'static-route' ? `${nb.text}${out ? ` out ${out}` : ''}` : `route ${dst ?? lf.match}${out ? ` → ${out}` : ''}${nh && nh !== '0.0.0.0' && !/ip4\.dst/.test(lf.actions) ? ` via ${nh}` : ''}`;
    return { key: `route/${lf.uuid}`, step: { kind: 'route', ...base, text } };
  }
  return undefined;
}

function summarize(events: readonly SummaryEvent[], bridge: string | undefined, nbFor: NbFor = (nb) => nb): HopSummary {
  const datapaths: string[] = [];
  const steps: HopStep[] = [];
  const seen = new Set<string>();
  let lastLb: { i: number } | undefined;
  let lastNat: { i: number } | undefined;
  const lookedUp = new Set<number>();
  const push = (key: string, step: HopStep): number => {
    if (seen.has(key)) return -1;
    seen.add(key);
    steps.push(step);
    return steps.length - 1;
  };
  for (const e of events) {
    if (bridge !== undefined && e.bridge !== bridge) continue;
    if (e.kind === 'table' || e.kind === 'step') {
      // A named table of the annotator: its datapath and stage without building the reference.
      const named = e.kind === 'table' && e.named instanceof NamedStep ? e.named : undefined;
      const datapath = e.kind === 'step' ? e.datapath : e.named.datapath;
      if (datapath && datapaths[datapaths.length - 1] !== datapath) datapaths.push(datapath);
      let made: StageStep | undefined;
      if (e.kind === 'step') made = e.made;
      else if (named) made = named.hopStep(typeof e.table === 'number' ? e.table : named.logicalFlow.tableId);
      else {
        const lfOf = e.named;
        const decision = stageDecision(lfOf.stage ?? '');
        if (!decision) continue;
        const lf = lfOf as LogicalFlowRef;
        // The NB object is described only for the stages that name one.
        made = stageStep(decision, lf, nodeField(e.node!, 'nb') as NbDescription | undefined, typeof e.table === 'number' ? e.table : lf.tableId);
      }
      if (!made) continue;
      // A NAT flow shared by several rows: the row this packet used.
      if (made.step.kind === 'nat' && made.step.logicalFlow) {
        const nb = nbFor(made.step.nb as NbDescription | undefined, made.step.logicalFlow);
        if (nb && nb !== made.step.nb) made = { key: nb.uuid === made.step.nb?.uuid ? `${made.key}/${nb.text}` : `nat/${nb.uuid}`, step: { ...made.step, nb, text: nb.text } };
      }
      const i = push(made.key, made.step);
      if (made.step.kind === 'lb') {
        if (i >= 0) lastLb = { i };
      } else if (made.step.kind === 'nat') {
        const uuid = made.step.nb?.uuid;
        lastNat = { i: i >= 0 ? i : steps.findIndex((x) => x.kind === 'nat' && x.nb?.uuid === uuid) };
      }
    } else {
      const nat = nodeField(e.node, 'nat');
      // A bare ct(nat) (lr_out_undnat's ct_dnat_in_czone on a new connection) looks the
      // connection up and rewrites nothing: its NAT step must not read as applied.
      if (nat === 'existing' && lastNat && nodeField(e.node, 'before') === nodeField(e.node, 'after')) lookedUp.add(lastNat.i);
      if (nat === 'dst' || nat === 'src') {
        const after = nodeField(e.node, 'after');
        const ports = nodeField(e.node, 'ports') !== false;
        if (nat === 'dst' && lastLb && steps[lastLb.i]) {
          const to = natTuple(after, ports);
          if (to && !steps[lastLb.i]!.text.includes(' → backend ')) steps[lastLb.i] = { ...steps[lastLb.i]!, text: `${steps[lastLb.i]!.text} → backend ${to}` };
        } else if (lastNat && steps[lastNat.i]) {
          const to = nat === 'dst' ? natTuple(after, ports) : natSource(after, ports);
          if (to && !steps[lastNat.i]!.text.includes(' ⇒ ')) steps[lastNat.i] = { ...steps[lastNat.i]!, text: `${steps[lastNat.i]!.text} ⇒ ${nat === 'dst' ? 'destination' : 'source'} ${to}` };
        }
      }
    }
  }
  for (const i of lookedUp) if (steps[i] && !steps[i]!.text.includes(' ⇒ ')) steps[i] = { ...steps[i]!, text: `${steps[i]!.text} — lookup only, the packet is not rewritten` };
  return { datapaths, steps };
}

/** The summary events of a tree `annotateTrace` did not make (one read back from JSON, or annotated elsewhere). */
function summaryEvents(tree: readonly TraceNode[]): SummaryEvent[] {
  const events: SummaryEvent[] = [];
  const walk = (nodes: readonly TraceNode[], around: string | undefined) => {
    for (const n of nodes) {
      const here = bridgeOf(n, around);
      if (n.kind === 'table') {
        const step = n instanceof SimNode && n.format === ANNOTATED ? (n.p1 as NamedStep | undefined) : undefined;
        const named = step ?? (nodeField(n, 'logicalFlow') as LogicalFlowRef | undefined);
        if (named) events.push({ kind: 'table', bridge: here, named, node: n, post: -1, table: nodeField(n, 'table'), cookie: step ? (n as SimNode).p2 as bigint : undefined });
      } else if (n.kind === 'ct') events.push({ kind: 'ct', bridge: here, node: n });
      walk(n.children, here);
    }
  };
  walk(tree, undefined);
  return events;
}
