/**
 * Names every step of a trace in OVN terms: the logical flow behind each cookie (stage, pipeline,
 * match, actions, datapath) and the northbound object behind that (ACL, NAT, load balancer,
 * static route, port), and turns drops into typed reasons with that evidence. A pure pass over a
 * finished trace: the interpreter stays OVN-agnostic and the tree is rebuilt, not mutated.
 */
import type { DropReason, HopStep, LogicalFlowRef, TraceDrop, TraceHop, TraceNode, TraceResult } from '../model/trace.js';
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
  /** The row's main columns. */
  readonly row?: Readonly<Record<string, unknown>>;
}

export function describeNb(o: NbObject): NbDescription {
  switch (o.kind) {
    case 'acl': {
      const a = o.acl;
      const where = o.portGroup ? ` on port group ${o.portGroup}` : o.logicalSwitch ? ` on switch ${o.logicalSwitch}` : '';
      return {
        kind: o.kind,
        uuid: a.uuid,
        text: `ACL ${a.name ? `"${a.name}" ` : ''}${a.direction} priority ${a.priority ?? '?'} \`${a.match}\` ${a.action}${where}`,
        row: { name: a.name, direction: a.direction, priority: a.priority, match: a.match, action: a.action, ...(o.portGroup ? { portGroup: o.portGroup } : {}), ...(o.logicalSwitch ? { logicalSwitch: o.logicalSwitch } : {}), ...(a.log ? { log: true } : {}) },
      };
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
    case 'switch-port':
      return { kind: o.kind, uuid: o.port.uuid, text: `switch port ${o.port.name}`, row: { name: o.port.name, addresses: o.port.addresses, portSecurity: o.port.portSecurity } };
    case 'router-port':
      return { kind: o.kind, uuid: o.port.uuid, text: `router port ${o.port.name}`, row: { name: o.port.name, mac: o.port.mac, networks: o.port.networks } };
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

const LB_STAGES = /^(ls_in_lb|ls_in_pre_stateful|ls_in_pre_lb|lr_in_dnat|lr_in_defrag)$/;

/** A drop's typed reason from the logical stage that dropped it. */
export function classifyDrop(step: StepName | undefined, fallback: DropReason): { reason: DropReason; because: string } {
  const lf = step?.logicalFlow;
  if (!lf?.stage) return { reason: fallback, because: '' };
  if (LB_STAGES.test(lf.stage) && step?.nb?.kind === 'load-balancer' && /(^|;\s*)(drop|reject)\b/.test(lf.actions))
    return { reason: 'LB_NO_BACKEND', because: `the VIP has no backends: ${step.nb.text} \`${lf.match}\` => ${lf.actions}` };
  if (lf.stage === 'lr_in_arp_request') return { reason: 'ARP_UNRESOLVED', because: `next hop MAC unknown \`${lf.match}\`` };
  if (lf.stage === 'lr_in_larger_pkts' || lf.stage === 'lr_in_chk_pkt_len') return { reason: 'MTU_EXCEEDED', because: `packet larger than gateway_mtu \`${lf.match}\`` };
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
  const classified = classifyDrop(step, drop.reason);
  const { reason } = classified;
  let because = classified.because;
  const lf = step?.logicalFlow;
  let nb = step?.nb;
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
    reason === 'NO_MATCH' && !lf ? drop.explanation : `${reason === 'ACL_DROP' ? 'dropped by ' : 'dropped: '}${because || drop.explanation} (${where}${lf?.datapath ? ` on ${lf.datapath}` : ''})`;
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
  if (LB_STAGES.test(lf.stage) && (step?.nb?.kind === 'load-balancer' || reason === 'EVENT')) return { reason: 'LB_NO_BACKEND', because: `the VIP has no backends, ${reason === 'EVENT' ? 'ovn-controller raises an empty_lb_backends event' : 'the connection is rejected'}${step?.nb ? ` (${step.nb.text})` : ''}` };
  if (ACL_STAGES.test(lf.stage) && ['REJECT', 'TCP_RESET', 'ICMP', 'ICMP4_ERROR', 'ICMP6_ERROR', 'SCTP_ABORT'].includes(reason))
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

const ROUTE_STEP_STAGES = /^lr_in_(ip_routing|ip_routing_ecmp|policy)$/;
const NOT_A_ROUTE = /^(1|reg8\[0\.\.15\] == 0)$|mcast/;
const NAT_STAGES = /^lr_(in_unsnat|in_dnat|out_undnat|out_snat|out_post_undnat|in_lb_aff_check|out_post_snat)$/;

function natTuple(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const ip = /(?:nw|ipv6)_dst=\[?([^,\]]+)\]?/.exec(text)?.[1];
  const port = /tp_dst=(\d+)/.exec(text)?.[1];
  return ip ? `${ip}${port && port !== '0' ? `:${port}` : ''}` : undefined;
}

function natSource(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const ip = /(?:nw|ipv6)_src=\[?([^,\]]+)\]?/.exec(text)?.[1];
  const port = /tp_src=(\d+)/.exec(text)?.[1];
  return ip ? `${ip}${port && port !== '0' ? `:${port}` : ''}` : undefined;
}

/**
 * The logical datapaths an annotated trace crossed, in order, and its named decisions: ACLs
 * (with the NB ACL), load balancing (VIP → backend), NAT, routing (static route or connected
 * network), drops and punts. Recirculations re-run stages: each logical flow is listed once.
 */
export function hopDetails(tree: readonly TraceNode[], bridge?: string): { datapaths: string[]; steps: HopStep[] } {
  const datapaths: string[] = [];
  const steps: HopStep[] = [];
  const seen = new Set<string>();
  let lastLb: { i: number } | undefined;
  let lastNat: { i: number } | undefined;
  const push = (key: string, step: HopStep): number => {
    if (seen.has(key)) return -1;
    seen.add(key);
    steps.push(step);
    return steps.length - 1;
  };
  const walk = (nodes: readonly TraceNode[], inBridge: string | undefined) => {
    for (const n of nodes) {
      const lf = n.data?.['logicalFlow'] as LogicalFlowRef | undefined;
      const nb = n.data?.['nb'] as NbDescription | undefined;
      const here = (n.kind === 'bridge' || n.kind === 'table' || n.kind === 'recirc') && typeof n.data?.['bridge'] === 'string' ? (n.data['bridge'] as string) : inBridge;
      if (bridge !== undefined && here !== bridge) {
        walk(n.children, here);
        continue;
      }
      if (n.kind === 'table' && lf) {
        if (lf.datapath && datapaths[datapaths.length - 1] !== lf.datapath) datapaths.push(lf.datapath);
        const table = typeof n.data?.['table'] === 'number' ? (n.data['table'] as number) : lf.tableId;
        const base = { datapath: lf.datapath, stage: lf.stage, table, logicalFlow: lf, ...(nb ? { nb } : {}) };
        const stage = lf.stage ?? '';
        if (nb?.kind === 'acl' && ACL_STAGES.test(stage)) {
          const row = nb.row ?? {};
          push(`acl/${lf.uuid}`, { kind: 'acl', ...base, text: `ACL ${row['name'] ? `"${String(row['name'])}" ` : ''}${String(row['direction'] ?? '')} ${String(row['priority'] ?? '')} ${String(row['action'] ?? '')}${row['portGroup'] ? ` (port group ${String(row['portGroup'])})` : ''}: ${String(row['match'] ?? lf.match)}` });
        } else if (nb?.kind === 'load-balancer' && LB_STAGES.test(stage)) {
          const i = push(`lb/${lf.uuid}`, { kind: 'lb', ...base, text: `load balancer ${String(nb.row?.['name'] ?? nb.uuid.slice(0, 8))}: ${lf.match.replace(/^ct\.new && !ct\.rel && |^ct\.new && /, '')}` });
          if (i >= 0) lastLb = { i };
        } else if (nb?.kind === 'nat' && NAT_STAGES.test(stage)) {
          const i = push(`nat/${nb.uuid}`, { kind: 'nat', ...base, text: nb.text });
          if (i >= 0) lastNat = { i };
          else lastNat = { i: steps.findIndex((x) => x.kind === 'nat' && x.nb?.uuid === nb.uuid) };
        } else if (ROUTE_STEP_STAGES.test(stage) && !NOT_A_ROUTE.test(lf.match)) {
          const out = /outport = "([^"]+)"/.exec(lf.actions)?.[1];
          const nh = /reg0 = ([0-9.]+);/.exec(lf.actions)?.[1] ?? /xxreg0 = ([0-9a-f:]+);/.exec(lf.actions)?.[1];
          const dst = /ip[46]\.dst == ([^ )]+)/.exec(lf.match)?.[1];
          const text = nb?.kind === 'static-route' ? `${nb.text}${out ? ` out ${out}` : ''}` : `route ${dst ?? lf.match}${out ? ` → ${out}` : ''}${nh && nh !== '0.0.0.0' && !/ip4\.dst/.test(lf.actions) ? ` via ${nh}` : ''}`;
          push(`route/${lf.uuid}`, { kind: 'route', ...base, text });
        }
      } else if (n.kind === 'ct' && (n.data?.['nat'] === 'dst' || n.data?.['nat'] === 'src')) {
        const after = n.data['after'];
        if (n.data['nat'] === 'dst' && lastLb && steps[lastLb.i]) {
          const to = natTuple(after);
          if (to && !steps[lastLb.i]!.text.includes(' → backend ')) steps[lastLb.i] = { ...steps[lastLb.i]!, text: `${steps[lastLb.i]!.text} → backend ${to}` };
        } else if (lastNat && steps[lastNat.i]) {
          const to = n.data['nat'] === 'dst' ? natTuple(after) : natSource(after);
          if (to && !steps[lastNat.i]!.text.includes(' ⇒ ')) steps[lastNat.i] = { ...steps[lastNat.i]!, text: `${steps[lastNat.i]!.text} ⇒ ${n.data['nat'] === 'dst' ? 'destination' : 'source'} ${to}` };
        }
      }
      walk(n.children, here);
    }
  };
  walk(tree, undefined);
  return { datapaths, steps };
}
