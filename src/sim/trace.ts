/**
 * Entry point of the simulator: trace one packet through one host's bridges and build the
 * `TraceResult` (verdict, hops, warnings, trace tree) the rest of ovnscope renders.
 */
import type { FieldDef } from '../model/fields.js';
import { fail, ok, type Result, type UserError } from '../model/result.js';
import type { HostState } from '../model/snapshot.js';
import type { Detail, DropReason, TraceDrop, TraceHop, TraceNode, TraceOutput, TraceResult, Verdict } from '../model/trace.js';
import { parseMicroflow, type Microflow } from '../parse/microflow.js';
import { compileHost, type CompiledBridge, type CompiledHost } from './compile.js';
import type { ConntrackTable } from './conntrack.js';
import { EXECUTORS } from './executors.js';
import { formatFlowState } from './format.js';
import { makeNode, type SummaryLog } from './report.js';
import { ETH_TYPE_IP, ETH_TYPE_IPV6, OFPP, PacketState, SP, VLAN_CFI } from './state.js';
import { Xlate, fmtCtState, type ControllerEvent, type CtNatEvent, type DropEvent, type ExecutorTableLike, type FdbEntry, type OutputEvent, type PassResult } from './xlate.js';
import { plural } from '../model/plural.js';

export interface TraceOptions {
  /**
   * ct_state for the successive conntrack recirculations, like repeated `--ct-next`
   * (`'trk,est'`, `'trk|rpl|est'`, or a number); the default for the others is `trk|new`.
   */
  readonly ctNext?: readonly (string | number)[];
  /** `--select-bucket N`: use bucket N of every select group (or per group id). */
  readonly selectBucket?: number | ReadonlyMap<number, number>;
  /** The flag that chose `selectBucket`, named in the trace tree (default `--select-bucket`; `--lb-dst IP:PORT` when a backend chose the buckets). */
  readonly selectBucketBy?: string;
  /** Packet length in bytes for `check_pkt_larger`; default: the length of the packet
   * `ofproto/trace --generate` would build for this flow (64 bytes of payload). */
  readonly size?: number;
  /** OVS limits: 4096 resubmits, depth 64. */
  readonly maxResubmits?: number;
  readonly maxDepth?: number;
  /** MAC learning tables for bridges with NORMAL flows (`ovs-appctl fdb/show`). */
  readonly fdb?: Readonly<Record<string, readonly FdbEntry[]>>;
  /** Conntrack model (see conntrack.ts): states of recirculations beyond `ctNext`; commits are recorded in it. */
  readonly conntrack?: ConntrackTable;
  /** This trace's name for the connections it commits (`forward`), which a later trace's tree names. */
  readonly conntrackTrace?: string;
  /** The most detail anyone will read of the tree (`XlateOptions.treeDetail`); default all of it. */
  readonly treeDetail?: Detail;
}

/** An output with where it happened and the packet as it left. */
export interface SimOutput extends TraceOutput {
  readonly bridge: string;
  /** 0 = first pass, then one per followed recirculation. */
  readonly pass: number;
  /** The packet at output, in `Final flow:` syntax (formatted on first read). */
  readonly packet: string;
  readonly table: number;
  readonly priority?: number;
  readonly cookie?: string;
  /**
   * The packet as it left, as state (not enumerable: JSON and equality ignore it). Used to
   * continue the trace on the far side of a tunnel.
   */
  readonly state?: PacketState;
}

export interface SimController {
  readonly bridge: string;
  readonly pass: number;
  readonly reason: string;
  readonly opcode?: number;
  readonly pause: boolean;
  readonly table: number;
  readonly priority?: number;
  readonly cookie?: string;
  /** The packet as it was punted (not enumerable). */
  readonly state?: PacketState;
}

/** A hop's drop with the packet as it was where it was dropped. */
export interface SimDrop extends TraceDrop {
  /**
   * The packet at the drop, as state (not enumerable: JSON and equality ignore it, and a spread
   * of the drop does not carry it). Where the drop happened inside a clone — OVN runs the
   * pipeline of the datapath behind a patch port in one, so a router's and the next switch's
   * drops are — the hop's `finalFlow` is the state restored after the clone (the first
   * datapath's metadata, ports, addresses), not this.
   */
  readonly state?: PacketState;
}

export interface SimPass {
  readonly index: number;
  /** recirc_id of the pass (0 for the first). */
  readonly recircId: number;
  readonly bridge: string;
  readonly flow: string;
  readonly finalFlow: string;
  readonly error?: string;
  /** The resubmit chain (outermost first) when the pass failed, and the repeating tables if it loops. */
  readonly errorChain?: readonly { readonly table: number; readonly priority?: number; readonly cookie?: string }[];
  readonly loop?: readonly number[];
  /** Why the pass stopped early without a followed recirculation (dp_hash select group, pause). */
  readonly frozen?: string;
}

/** TraceResult plus what the simulator knows beyond the JSON contract. */
export interface SimTraceResult extends TraceResult {
  readonly outputs: readonly SimOutput[];
  readonly controllers: readonly SimController[];
  readonly passes: readonly SimPass[];
  /** Set when the trace stopped where ofproto/trace stops (dp_hash select group). */
  readonly incomplete?: { readonly reason: string; readonly groupId?: number; readonly hint: string };
  /** Some table had equal-priority overlapping matches (see warnings). */
  readonly ambiguous: boolean;
  /** An action was not understood or not simulated (see warnings). */
  readonly unsupported: boolean;
  /** Packet length used for check_pkt_larger. */
  readonly size: number;
  /** The ct_state of every conntrack recirculation, in order: `--ct-next` values that replay this trace. */
  readonly ctStates: readonly string[];
  /**
   * Where the conntrack model rewrote the packet at a recirculation (un-SNAT/un-DNAT of a reply):
   * with `diverges`, a `--ct-next` replay in ofproto/trace agrees only up to that recirculation.
   */
  readonly ctNats: readonly CtNatEvent[];
  /** A dp_hash select group stopped a pass (as in ofproto/trace), whatever the verdict. */
  readonly dpHashStop?: { readonly groupId?: number; readonly bridge: string };
  /**
   * A trace made at `minimal` detail has no summary nodes: the tables and NATs the annotation
   * reads of them are here instead (not enumerable; a copy of the result has none).
   */
  readonly summaryLog?: SummaryLog;
}

const CT_FLAGS: Readonly<Record<string, number>> = { new: 0x01, est: 0x02, rel: 0x04, rpl: 0x08, inv: 0x10, trk: 0x20, snat: 0x40, dnat: 0x80 };

/** `--ct-next` value (OVS `parse_ct_state()` + `validate_ct_state()`). */
export function parseCtState(v: string | number): Result<number> {
  let state = 0;
  if (typeof v === 'number') state = v;
  else {
    for (const w of v.split(/[,|\s]+/).filter(Boolean)) {
      const name = w.replace(/^\+/, '');
      const bit = Object.hasOwn(CT_FLAGS, name) ? CT_FLAGS[name] : 0;
      if (!bit) return fail(`--ct-next ${v}: "${w}" is not a connection tracking state flag (expected some of ${Object.keys(CT_FLAGS).join(', ')}, e.g. trk,est)`);
      state |= bit;
    }
  }
  const txt = fmtCtState(BigInt(state));
  if (state && !(state & 0x20)) return fail(`--ct-next ${v}: invalid connection state ${txt}: if "trk" is unset, no other flags may be set`);
  if (state & 0x10 && state & ~0x30) return fail(`--ct-next ${v}: invalid connection state ${txt}: when "inv" is set, only "trk" may also be set`);
  if (state & 0x01 && state & 0x02) return fail(`--ct-next ${v}: invalid connection state ${txt}: "new" and "est" are mutually exclusive`);
  if (state & 0x01 && state & 0x08) return fail(`--ct-next ${v}: invalid connection state ${txt}: "new" and "rpl" are mutually exclusive`);
  return ok(state);
}

/** Packet state for a parsed microflow, with port names resolved on `bridge`. */
export function packetFromMicroflow(mf: Microflow, bridge: CompiledBridge): Result<PacketState> {
  const s = new PacketState();
  for (const f of mf.fields) {
    let value = f.value;
    if (f.port && f.port.kind === 'name') {
      const p = bridge.portByName.get(f.port.name);
      if (!p) {
        const names = bridge.state.ports.map((x) => x.name).join(', ');
        return fail(`bad flow at column ${f.column}: ${f.field.name}="${f.port.name}" is not a port of bridge ${bridge.name} (ports: ${names})`);
      }
      value = BigInt(p.ofport);
    }
    writeMicroflowField(s, f.field, value);
  }
  if (mf.dlType !== undefined) s.setSpace(SP.dl_type, BigInt(mf.dlType));
  if (mf.nwProto) s.setSpace(SP.nw_proto, BigInt(mf.nwProto));
  if (s.space(SP.in_port) === 0n) s.setSpace(SP.in_port, BigInt(OFPP.NONE));
  return ok(s);
}

function writeMicroflowField(s: PacketState, f: FieldDef, value: bigint): void {
  const tci = s.space(SP.vlan_tci);
  switch (f.name) {
    case 'dl_vlan':
      s.setSpace(SP.vlan_tci, value === 0xffffn ? 0n : (tci & ~0xfffn) | (value & 0xfffn) | VLAN_CFI);
      return;
    case 'vlan_vid':
      s.setSpace(SP.vlan_tci, (tci & ~0x1fffn) | (value & 0xfffn) | (value & 0x1000n ? VLAN_CFI : 0n));
      return;
    case 'dl_vlan_pcp':
    case 'vlan_pcp':
      s.setSpace(SP.vlan_tci, (tci & ~0xe000n) | ((value & 7n) << 13n) | VLAN_CFI);
      return;
    default:
      s.set(f, value);
  }
}

/**
 * Length of the packet `ofproto/trace --generate` builds for this flow (OVS `flow_compose()`
 * with 64 bytes of L7 payload): what `check_pkt_larger` compares with by default.
 */
export function composedLength(s: PacketState): number {
  let len = 14;
  if (s.space(SP.vlan_tci) & VLAN_CFI) len += 4;
  if (s.space(SP.vlan_tci1) & VLAN_CFI) len += 4;
  const dlType = s.space(SP.dl_type);
  const l7 = 64;
  const proto = s.space(SP.nw_proto);
  const later = (s.space(SP.ip_frag) & 3n) === 3n;
  const l4 = (): number => {
    if (later) return 0;
    const type = s.space(SP.tp_src);
    const code = s.space(SP.tp_dst);
    switch (proto) {
      case 6n:
        return 20 + (s.space(SP.tcp_flags) & 0x7n ? 0 : l7);
      case 17n:
        return 8 + l7;
      case 132n:
        return 12;
      case 1n:
        return 8 + ((type === 8n || type === 0n) && code === 0n ? l7 : 0);
      case 2n:
        return 8;
      case 58n: {
        let n = 8;
        if (code === 0n && (type === 135n || type === 136n)) {
          n += 16;
          if (s.space(SP.arp_sha)) n += 8;
          if (s.space(SP.arp_tha)) n += 8;
        } else if (code === 0n && (type === 128n || type === 129n)) n += l7;
        return n;
      }
      default:
        return 0;
    }
  };
  if (dlType === ETH_TYPE_IP) return len + 20 + l4();
  if (dlType === ETH_TYPE_IPV6) return len + 40 + l4();
  if (dlType === 0x0806n || dlType === 0x8035n) return len + 28;
  return len;
}

function cookieText(c: bigint | undefined): string | undefined {
  return c === undefined ? undefined : '0x' + c.toString(16);
}

/**
 * Defines `key` on an object as an own, enumerable string formatted from a packet state on first
 * read (`Final flow:` texts cost more than the trace itself). The getter is one shared function
 * per property name that reads the state from a hidden slot (a symbol, not enumerable): getter
 * closures made per object keep whole traces alive through V8's young-generation collections
 * (see report.ts).
 */
function flowTextProperty(key: string): (o: object, state: PacketState | undefined) => void {
  const slot = Symbol(key);
  function get(this: Record<symbol, PacketState | string | undefined>): string {
    const v = this[slot];
    if (typeof v === 'string') return v;
    const text = v ? formatFlowState(v) : '';
    this[slot] = text;
    return text;
  }
  const descriptor: PropertyDescriptor = { get, enumerable: true, configurable: true };
  return (o, state) => {
    Object.defineProperty(o, slot, { value: state, writable: true });
    Object.defineProperty(o, key, descriptor);
  };
}

const definePacket = flowTextProperty('packet');
const defineFinalFlow = flowTextProperty('finalFlow');
const defineFlow = flowTextProperty('flow');

function toSimOutput(o: OutputEvent): SimOutput {
  // `packet` first: the key order JSON output has always had.
  const out = {} as SimOutput;
  definePacket(out, o.packet);
  Object.assign(out, {
    port: o.name,
    ofport: o.ofport,
    kind: o.kind,
    ...(o.tunnel ? { tunnel: o.tunnel } : {}),
    bridge: o.bridge,
    pass: o.pass,
    table: o.where.table,
    ...(o.where.priority !== undefined ? { priority: o.where.priority } : {}),
    ...(o.where.cookie !== undefined ? { cookie: cookieText(o.where.cookie) } : {}),
  });
  Object.defineProperty(out, 'state', { value: o.packet, enumerable: false });
  return out;
}

function toSimController(c: ControllerEvent): SimController {
  const out: SimController = {
    bridge: c.bridge,
    pass: c.pass,
    reason: c.reason,
    ...(c.op ? { opcode: c.op.opcode } : {}),
    pause: c.pause,
    table: c.where.table,
    ...(c.where.priority !== undefined ? { priority: c.where.priority } : {}),
    ...(c.where.cookie !== undefined ? { cookie: cookieText(c.where.cookie) } : {}),
  };
  Object.defineProperty(out, 'state', { value: c.packet, enumerable: false });
  return out;
}

const DROP_PRIORITY: Readonly<Record<DropReason, number>> = {
  LOOP: 5,
  UNSUPPORTED: 4,
  TTL_EXPIRED: 3,
  EXPLICIT_DROP: 1,
  NO_MATCH: 1,
  ACL_DROP: 1,
  PORT_SECURITY: 1,
  NO_ROUTE: 1,
  ARP_UNRESOLVED: 1,
  LB_NO_BACKEND: 1,
  MTU_EXCEEDED: 1,
  REMOTE_NOT_COLLECTED: 1,
  TUNNEL_NOT_FOUND: 1,
  NO_LIVE_MEMBER: 1,
};

function decisiveDrop(drops: readonly DropEvent[]): DropEvent | undefined {
  let best: DropEvent | undefined;
  for (const d of drops) if (!best || DROP_PRIORITY[d.reason] >= DROP_PRIORITY[best.reason]) best = d;
  return best;
}

function toTraceDrop(d: DropEvent): SimDrop {
  const out: SimDrop = {
    table: d.where.table,
    ...(d.where.priority !== undefined ? { priority: d.where.priority } : {}),
    ...(d.where.cookie !== undefined ? { cookie: cookieText(d.where.cookie) } : {}),
    reason: d.reason,
    explanation: d.explanation,
    ...(d.where.line !== undefined ? { line: d.where.line } : {}),
  };
  return Object.defineProperty(out, 'state', { value: d.packet, enumerable: false });
}

function buildResult(x: Xlate, input: string, entry: string, tree: TraceNode[], size: number): SimTraceResult {
  const outputs = x.outputs.filter((o) => !o.voided);
  const controllers = x.controllers.filter((c) => !c.voided);
  const passes = x.passes;
  const lastPass = passes[passes.length - 1];
  const errorPass = passes.find((p) => p.error);
  const dpHashFreeze = x.freezes.find((f) => f.reason === 'dp_hash');

  // Hops: the entry bridge, then every other bridge the packet was in, in order of appearance.
  const order: string[] = [entry];
  const addBridge = (b: string) => {
    if (!order.includes(b)) order.push(b);
  };
  for (const p of passes) {
    addBridge(p.bridge);
    for (const b of p.visited.keys()) addBridge(b);
  }
  const lastState = new Map<string, PacketState>();
  for (const p of passes) {
    for (const [b, st] of p.visited) lastState.set(b, st);
    lastState.set(p.bridge, p.final);
  }
  const hops: TraceHop[] = order.map((b) => {
    const outs = outputs.filter((o) => o.bridge === b);
    const ctl = controllers.filter((c) => c.bridge === b);
    const drops = x.drops.filter((d) => d.bridge === b);
    const st = lastState.get(b);
    const hop = {
      host: x.host.host.name,
      bridge: b,
      outputs: outs.map(toSimOutput),
      controller: ctl.length > 0,
      ...(ctl.length ? { controllerReason: ctl[0].reason } : {}),
    } as Omit<TraceHop, 'finalFlow'> as TraceHop;
    defineFinalFlow(hop, st);
    const stopped = x.freezes.some((f) => f.bridge === b && (f.reason === 'dp_hash' || f.reason === 'pause'));
    if (!outs.length && !ctl.length && !stopped) {
      const errPass = passes.find((p) => p.error && p.bridge === b);
      if (errPass?.error) {
        return {
          ...hop,
          finalFlow: hop.finalFlow,
          drop: {
            table: errPass.error.chain.length ? errPass.error.chain[errPass.error.chain.length - 1].table : 0,
            reason: errPass.error.loop ? 'LOOP' : 'UNSUPPORTED',
            explanation: `translation failed: ${errPass.error.message}${errPass.error.loop ? ` (loop through tables ${errPass.error.loop.join(' -> ')})` : ''}`,
          },
        };
      }
      const d = decisiveDrop(drops);
      if (d) return Object.defineProperty(hop, 'drop', { value: toTraceDrop(d), enumerable: true });
    }
    return hop;
  });

  let verdict: Verdict;
  if (outputs.some((o) => o.kind !== 'tunnel')) verdict = 'delivered';
  else if (outputs.length) verdict = 'tunnel';
  else if (controllers.length) verdict = 'controller';
  else if (errorPass || dpHashFreeze) verdict = 'error';
  // An action the simulator skipped, and then the packet went nowhere: not a drop it can explain.
  else if (x.drops.some((d) => d.reason === 'UNSUPPORTED')) verdict = 'error';
  else verdict = 'dropped';

  const simPasses: SimPass[] = passes.map((p: PassResult) => {
    const sp = {
      index: p.index,
      recircId: p.recircId,
      bridge: p.bridge,
      ...(p.error
        ? {
            error: p.error.message,
            errorChain: p.error.chain.map((c) => ({
              table: c.table,
              ...(c.priority !== undefined ? { priority: c.priority } : {}),
              ...(c.cookie !== undefined ? { cookie: cookieText(c.cookie) } : {}),
            })),
            ...(p.error.loop ? { loop: p.error.loop } : {}),
          }
        : {}),
      ...(p.frozen ? { frozen: p.frozen.text } : {}),
    } as SimPass;
    defineFlow(sp, p.initial);
    defineFinalFlow(sp, p.final);
    return sp;
  });
  void lastPass;
  const incomplete =
    dpHashFreeze && verdict === 'error'
      ? {
          reason: `select group ${dpHashFreeze.groupId} uses dp_hash; ofproto/trace stops at the datapath hash + recirculation`,
          groupId: dpHashFreeze.groupId,
          hint: 'set dp_hash=<value> in the flow, or use --select-bucket N, to follow one bucket',
        }
      : undefined;
  return {
    input,
    verdict,
    hops,
    warnings: x.warnings.slice(),
    tree,
    outputs: outputs.map(toSimOutput),
    controllers: controllers.map(toSimController),
    passes: simPasses,
    ...(incomplete ? { incomplete } : {}),
    ambiguous: x.ambiguities.length > 0,
    unsupported: x.unsupported,
    size,
    ...(dpHashFreeze ? { dpHashStop: { ...(dpHashFreeze.groupId !== undefined ? { groupId: dpHashFreeze.groupId } : {}), bridge: dpHashFreeze.bridge } } : {}),
    ctStates: x.ctUsed.map((cs) => fmtCtState(BigInt(cs)).replace(/\|/g, ',')),
    ctNats: x.ctNats.slice(),
  };
}

function isCompiled(h: HostState | CompiledHost): h is CompiledHost {
  return (h as CompiledHost).patchPeers !== undefined;
}

/** `--select-bucket` named a bucket the select group lacks: the user's choice, so it fails the whole trace, on whichever host the group is. */
export interface MissingBucketError extends UserError {
  readonly missingBucket: true;
}

/**
 * Traces `microflow` (ofproto/trace flow syntax, or a prepared PacketState) entering `bridge` of
 * `host`. Pass a `CompiledHost` (from `compileHost`) to reuse the indexes across traces.
 * User mistakes (bad flow, unknown bridge or port, bad --ct-next) come back as `ok: false`.
 */
export function traceHost(host: HostState | CompiledHost, bridge: string, microflow: string | PacketState, options: TraceOptions = {}): Result<SimTraceResult> {
  const ch = isCompiled(host) ? host : compileHost(host);
  const br = ch.bridges.get(bridge);
  if (!br) return fail(`bridge ${bridge} not found on host ${ch.host.name} (bridges: ${[...ch.bridges.keys()].join(', ') || 'none'})`);
  let state: PacketState;
  let input: string;
  if (typeof microflow === 'string') {
    const mf = parseMicroflow(microflow);
    if (!mf.ok) return mf;
    const st = packetFromMicroflow(mf.value, br);
    if (!st.ok) return st;
    state = st.value;
    input = microflow;
  } else {
    state = microflow.clone();
    input = formatFlowState(state);
  }
  const ctNext: number[] = [];
  for (const c of options.ctNext ?? []) {
    const r = parseCtState(c);
    if (!r.ok) return r;
    ctNext.push(r.value);
  }
  const size = options.size ?? composedLength(state);
  if (!Number.isInteger(size) || size < 0) return fail(`--size ${options.size}: expected a packet length in bytes`);
  const x = new Xlate(
    ch,
    {
      ctNext,
      ...(options.selectBucket !== undefined ? { selectBucket: options.selectBucket } : {}),
      ...(options.selectBucketBy !== undefined ? { selectBucketBy: options.selectBucketBy } : {}),
      size,
      maxResubmits: options.maxResubmits ?? 4096,
      maxDepth: options.maxDepth ?? 64,
      maxPasses: 64,
      ...(options.fdb ? { fdb: options.fdb } : {}),
      ...(options.conntrack ? { conntrack: options.conntrack } : {}),
      ...(options.conntrackTrace !== undefined ? { conntrackTrace: options.conntrackTrace } : {}),
      ...(options.treeDetail ? { treeDetail: options.treeDetail } : {}),
    },
    EXECUTORS as unknown as ExecutorTableLike,
  );
  const tree: TraceNode[] = [];
  if (br.problems.length) {
    tree.push(makeNode('warning', 'summary', `${br.problems.length} flow(s) of ${br.name} can never match (see data)`, { problems: br.problems.map((p) => ({ line: p.entry.line, message: p.message })) }));
  }
  x.run(br, state, tree);
  // The bucket was the user's choice: a group without it is a usage error, not a drop to explain.
  const mb = x.missingBucket;
  if (mb) {
    const n = mb.buckets.length;
    const error: MissingBucketError = { ...fail(`--select-bucket ${mb.bucket}: select group ${mb.groupId} on ${ch.host.name} ${mb.bridge} has ${plural(n, 'bucket')} (bucket ids ${mb.buckets.join(', ') || 'none'}); give one of those`).error, missingBucket: true };
    return { ok: false, error };
  }
  const result = buildResult(x, input, bridge, tree, size);
  if (x.log) Object.defineProperty(result, 'summaryLog', { value: x.log, enumerable: false });
  return ok(result);
}

