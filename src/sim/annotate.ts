/**
 * Names every step of a trace in OVN terms: the logical flow behind each cookie (stage, pipeline,
 * match, actions, datapath) and the northbound object behind that (ACL, NAT, load balancer,
 * static route, port), and turns drops into typed reasons with that evidence. A pure pass over a
 * finished trace: the interpreter stays OVN-agnostic and the tree is rebuilt, not mutated.
 */
import type { DropReason, LogicalFlowRef, TraceDrop, TraceHop, TraceNode, TraceResult } from '../model/trace.js';
import type { SbLogicalFlow } from '../model/ovn.js';
import { datapathName, type NbObject, type OvnIndex } from '../snapshot/ovn-index.js';

export interface StepName {
  readonly logicalFlow: LogicalFlowRef;
  readonly nb?: NbDescription;
}

/** The NB object behind a logical flow, in words and as data. */
export interface NbDescription {
  readonly kind: NbObject['kind'];
  readonly uuid: string;
  readonly text: string;
}

function describeNb(o: NbObject): NbDescription {
  switch (o.kind) {
    case 'acl': {
      const a = o.acl;
      const where = o.portGroup ? ` on port group ${o.portGroup}` : o.logicalSwitch ? ` on switch ${o.logicalSwitch}` : '';
      return { kind: o.kind, uuid: a.uuid, text: `ACL ${a.name ? `"${a.name}" ` : ''}${a.direction} priority ${a.priority ?? '?'} \`${a.match}\` ${a.action}${where}` };
    }
    case 'nat':
      return { kind: o.kind, uuid: o.nat.uuid, text: `NAT ${o.nat.type} ${o.nat.externalIp} <-> ${o.nat.logicalIp}${o.nat.logicalPort ? ` (port ${o.nat.logicalPort})` : ''}` };
    case 'load-balancer':
      return { kind: o.kind, uuid: o.lb.uuid, text: `load balancer ${o.lb.name || o.lb.uuid.slice(0, 8)} ${Object.entries(o.lb.vips).map(([v, b]) => `${v} -> ${b}`).join('; ')}` };
    case 'static-route':
      return { kind: o.kind, uuid: o.route.uuid, text: `static route ${o.route.ipPrefix} via ${o.route.nexthop}${o.route.outputPort ? ` port ${o.route.outputPort}` : ''}` };
    case 'switch-port':
      return { kind: o.kind, uuid: o.port.uuid, text: `switch port ${o.port.name}` };
    case 'router-port':
      return { kind: o.kind, uuid: o.port.uuid, text: `router port ${o.port.name}` };
  }
}

function logicalFlowRef(f: SbLogicalFlow, datapath: string | undefined): LogicalFlowRef {
  return { uuid: f.uuid, pipeline: f.pipeline, tableId: f.tableId ?? -1, stage: f.stageName, priority: f.priority ?? 0, match: f.match, actions: f.actions, datapath };
}

/** The logical flow (and NB object) behind an OpenFlow cookie, narrowed to the datapath in `metadata`. */
export function nameStep(index: OvnIndex, cookie: string | undefined, metadata?: number): StepName | undefined {
  if (!cookie) return undefined;
  const c = Number(BigInt(cookie));
  const target = index.byCookie.get(c)?.find((t) => t.kind === 'logical-flow');
  if (!target || target.kind !== 'logical-flow') return undefined;
  const dp = metadata !== undefined ? index.datapathByKey.get(metadata) : target.datapaths.length === 1 ? target.datapaths[0] : undefined;
  const datapath = dp ? datapathName(dp) : target.datapaths.map((d) => datapathName(d)).join(', ') || undefined;
  const hint = target.flow.stageHint;
  const nbObj = hint ? index.nbByHint.get(hint) : undefined;
  return { logicalFlow: logicalFlowRef(target.flow, datapath), nb: nbObj ? describeNb(nbObj) : undefined };
}

const PORT_SECURITY_STAGES = /^ls_(in|out)_(port_sec_(l2|ip|nd)|check_port_sec|apply_port_sec)$/;
const ACL_STAGES = /^ls_(in|out)_acl(_eval|_action|_after_lb|_after_lb_eval|_after_lb_action)?$/;
const ROUTE_STAGES = /^lr_in_(ip_routing|ip_routing_ecmp|policy|policy_ecmp)$/;

/** A drop's typed reason from the logical stage that dropped it. */
export function classifyDrop(step: StepName | undefined, fallback: DropReason): { reason: DropReason; because: string } {
  const lf = step?.logicalFlow;
  if (!lf?.stage) return { reason: fallback, because: '' };
  if (ACL_STAGES.test(lf.stage)) return { reason: 'ACL_DROP', because: step?.nb?.kind === 'acl' ? step.nb.text : `an ACL stage flow \`${lf.match}\`` };
  if (PORT_SECURITY_STAGES.test(lf.stage)) return { reason: 'PORT_SECURITY', because: `port security \`${lf.match}\`` };
  if (lf.stage === 'lr_in_ip_input' && /ip\.ttl|ip4\.ttl|ip6\.hop_limit/.test(lf.match)) return { reason: 'TTL_EXPIRED', because: `TTL expired \`${lf.match}\`` };
  if (ROUTE_STAGES.test(lf.stage)) return { reason: 'NO_ROUTE', because: `no route \`${lf.match}\`` };
  return { reason: fallback, because: `\`${lf.match}\`` };
}

function metadataOf(node: TraceNode): number | undefined {
  const m = typeof node.data?.['match'] === 'string' ? /(?:^|,)metadata=(0x[0-9a-f]+|\d+)(?:,|$)/.exec(node.data['match'] as string) : null;
  return m ? Number(BigInt(m[1]!)) : undefined;
}

function annotateNodes(nodes: readonly TraceNode[], index: OvnIndex, named: Map<string, StepName>): TraceNode[] {
  return nodes.map((n) => {
    const children = annotateNodes(n.children, index, named);
    const cookie = typeof n.data?.['cookie'] === 'string' ? (n.data['cookie'] as string) : undefined;
    if (n.kind !== 'table' || !cookie || cookie === '0x0') return { ...n, children };
    const step = nameStep(index, cookie, metadataOf(n));
    if (!step) {
      const other = describeOtherRow(index, cookie);
      return other ? { ...n, children: [{ kind: 'note', detail: 'summary', text: other, children: [] }, ...children] } : { ...n, children };
    }
    named.set(`${n.data?.['table']}/${cookie}`, step);
    const lf = step.logicalFlow;
    const note: TraceNode = {
      kind: 'note',
      detail: 'summary',
      text: `${lf.datapath ?? '?'}: ${lf.pipeline} ${lf.stage ?? `table ${lf.tableId}`} (lflow table ${lf.tableId}) priority ${lf.priority}: ${lf.match} => ${lf.actions}${step.nb ? `  [${step.nb.text}]` : ''}`,
      children: [],
    };
    return { ...n, data: { ...n.data, logicalFlow: lf, ...(step.nb ? { nb: step.nb } : {}) }, children: [note, ...children] };
  });
}

/** Cookies that are not logical flows: port bindings (table 0, output), multicast groups, LBs, MAC bindings. */
function describeOtherRow(index: OvnIndex, cookie: string): string | undefined {
  const t = index.byCookie.get(Number(BigInt(cookie)))?.[0];
  if (!t) return undefined;
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

/** The drop of a hop, explained by the logical flow and NB object that caused it. */
function explainDrop(drop: TraceDrop, named: Map<string, StepName>, index: OvnIndex): TraceDrop {
  const step = named.get(`${drop.table}/${drop.cookie}`) ?? nameStep(index, drop.cookie);
  const { reason, because } = classifyDrop(step, drop.reason);
  const lf = step?.logicalFlow;
  const where = lf ? `${lf.stage ?? lf.pipeline}, table ${drop.table}` : `table ${drop.table}`;
  const explanation =
    reason === 'NO_MATCH' && !lf ? drop.explanation : `${reason === 'ACL_DROP' ? 'dropped by ' : 'dropped: '}${because || drop.explanation} (${where}${lf?.datapath ? ` on ${lf.datapath}` : ''})`;
  return { ...drop, reason, explanation, ...(lf ? { logicalFlow: lf } : {}) };
}

/** What a punt to ovn-controller means in OVN terms: which stage sent it, and for which reason. */
export function explainPunt(reason: string, step: StepName | undefined): string {
  const lf = step?.logicalFlow;
  if (!lf) return reason;
  let kind = '';
  if (lf.stage === 'lr_in_ip_input' && /ip\.ttl|ip6\.hop_limit/.test(lf.match)) kind = 'TTL_EXPIRED: router answers with ICMP time exceeded; ';
  else if (lf.stage === 'lr_in_arp_request') kind = 'ARP_UNRESOLVED: next hop MAC unknown, router sends an ARP/ND request; ';
  else if (lf.stage === 'lr_in_larger_pkts' || lf.stage === 'lr_in_chk_pkt_len') kind = 'MTU_EXCEEDED: router answers with ICMP fragmentation needed; ';
  return `${kind}${reason} from ${lf.stage ?? lf.pipeline} on ${lf.datapath ?? '?'}: \`${lf.match}\` => ${lf.actions}`;
}

export function annotateTrace<T extends TraceResult>(result: T, index: OvnIndex): T {
  const named = new Map<string, StepName>();
  const tree = annotateNodes(result.tree, index, named);
  // The interpreter lists every punt with the flow that issued it (SimTraceResult.controllers).
  const punts = (result as { controllers?: readonly { bridge: string; table: number; cookie?: string; reason: string }[] }).controllers ?? [];
  const hops: TraceHop[] = result.hops.map((h) => {
    let hop = h.drop ? { ...h, drop: explainDrop(h.drop, named, index) } : h;
    const punt = punts.find((p) => p.bridge === h.bridge);
    if (h.controller && punt) hop = { ...hop, controllerReason: explainPunt(h.controllerReason ?? punt.reason, named.get(`${punt.table}/${punt.cookie}`) ?? nameStep(index, punt.cookie)) };
    return hop;
  });
  return { ...result, tree, hops };
}
