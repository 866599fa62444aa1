/**
 * The OpenFlow interpreter: OVS 3.1 `ofproto/ofproto-dpif-xlate.c` semantics, reproduced action
 * by action for what `ovs-appctl ofproto/trace` shows, with our own code.
 *
 * One `Xlate` runs one trace: the first pass, then every conntrack recirculation queued by
 * `ct(table=N)` (resumed with the next `--ct-next` state, default `trk|new`, with NAT simulated
 * the way ofproto/trace does), exactly in ofproto/trace's order. Each action has its executor in
 * `EXECUTORS` (`executors.ts`); this file holds the machinery they share: table lookups and
 * resubmit limits, outputs (patch ports continue in the peer bridge), groups and buckets, clone
 * semantics, freezing, and the events the result is built from.
 */
import { PREREQS, fieldByName, type FieldDef, type Prereq } from '../model/fields.js';
import type { Action, FieldRef, GroupBucket, NatSpec } from '../model/flow.js';
import { formatIpv4, formatIpv6, formatMac, onesMask } from '../model/masked.js';
import type { BridgePort } from '../model/snapshot.js';
import type { Detail, DropReason, OutputKind, TraceNode } from '../model/trace.js';
import { formatAction, formatMatch } from '../parse/ofctl-flows.js';
import type { CompiledFlow, LookupResult } from './classifier.js';
import type { CompiledBridge, CompiledHost } from './compile.js';
import { formatFlowState } from './format.js';
import { bestLiveBucket, bucketAlive, bucketId, hashFieldsBasis, type CompiledGroup } from './groups.js';
import type { OvnControllerOp } from './ovn.js';
import { connectionNat, CS_DST_NAT, CS_SRC_NAT, describeNatRewrite, describeOrigin, natFlag, type ConntrackTable, type CtMatch, type CtNatRewrite, type CtOrigin } from './conntrack.js';
import { ACTION, makeNode, Reporter, SET, SimNode, SummaryLog, TABLE, type Lazy, type NodeFormat } from './report.js';
import { ACCESS, ETH_TYPE_IP, OFPP, SP, type PacketState } from './state.js';

// ---------------------------------------------------------------------------------------------
// Options and events

/** A MAC learning entry of a bridge that uses NORMAL (`ovs-appctl fdb/show BRIDGE`). */
export interface FdbEntry {
  readonly port: number;
  readonly vlan: number;
  readonly mac: bigint;
}

export interface XlateOptions {
  /** ct_state for successive conntrack recirculations (`--ct-next`); then `trk|new`. */
  readonly ctNext: readonly number[];
  /** `--select-bucket N`: bucket id for every select group, or per group id. */
  readonly selectBucket?: number | ReadonlyMap<number, number>;
  /** The flag that chose `selectBucket`, as the trace tree names it (default `--select-bucket`; `--lb-dst IP:PORT`). */
  readonly selectBucketBy?: string;
  /** Packet length in bytes for `check_pkt_larger`. */
  readonly size: number;
  readonly maxResubmits: number;
  readonly maxDepth: number;
  /** Maximum number of passes (first pass + recirculations). */
  readonly maxPasses: number;
  /**
   * The most detail anyone will read of the tree (it is pruned to that level): nodes of more
   * detail are not made, their children going where a prune would move them (`Reporter`); summary
   * nodes always are (the OVN annotation and hop summary read tables and NAT). Default: everything.
   */
  readonly treeDetail?: Detail;
  /** MAC learning tables per bridge, for NORMAL. Without one, NORMAL floods. */
  readonly fdb?: Readonly<Record<string, readonly FdbEntry[]>>;
  /**
   * Conntrack model: once `ctNext` is used up, recirculations resume with the state this table
   * answers (committed connections of the trace) instead of `trk|new`; `ct(commit)` records.
   */
  readonly conntrack?: ConntrackTable;
  /** The name of this trace for the connections it commits (`forward`): a later trace's tree says whose they are. */
  readonly conntrackTrace?: string;
}

/**
 * A rewrite the conntrack model made at a recirculation (un-SNAT / un-DNAT of a reply, the NAT of
 * a later packet of the original direction): what conntrack does and ofproto/trace cannot.
 */
export interface CtNatEvent {
  /** Which recirculation, as an index into the `--ct-next` states (`Xlate.ctUsed`). */
  readonly recirc: number;
  readonly recircId: number;
  readonly bridge: string;
  readonly zone: number;
  readonly reply: boolean;
  readonly rewrite: CtNatRewrite;
  /** Where the connection was committed (completed in place once the cross-host trace knows the hop). */
  readonly origin: () => CtOrigin | undefined;
  /** ofproto/trace, resumed with the same --ct-next state, leaves the packet otherwise: a replay agrees only up to here. */
  readonly diverges: boolean;
}

export interface TunnelInfo {
  readonly remoteIp: string;
  readonly chassis?: string;
  readonly tunId: string;
  readonly metadata0?: string;
}

export interface OutputEvent {
  readonly pass: number;
  readonly bridge: string;
  readonly ofport: number;
  readonly name: string;
  readonly kind: OutputKind;
  readonly port?: BridgePort;
  readonly tunnel?: TunnelInfo;
  /** The packet as it leaves (copy). */
  readonly packet: PacketState;
  /** Set when a patch port's peer bridge was not available, so the packet was not followed. */
  readonly unfollowedPatch?: boolean;
  /** Set when the pass later failed (ofproto/trace drops everything of a failed pass). */
  voided?: boolean;
  readonly where: RuleRef;
}

export interface ControllerEvent {
  readonly pass: number;
  readonly bridge: string;
  /** OVN opcode name when the userdata carries one, else the OpenFlow reason. */
  readonly reason: string;
  readonly op?: OvnControllerOp;
  readonly pause: boolean;
  readonly where: RuleRef;
  /** The packet as it was sent to the controller. */
  readonly packet?: PacketState;
  voided?: boolean;
}

export interface DropEvent {
  readonly pass: number;
  readonly bridge: string;
  readonly reason: DropReason;
  readonly explanation: string;
  readonly where: RuleRef;
  /**
   * The packet where it was dropped (a copy). Not the pass's final flow: a drop inside a clone
   * (OVN's patch ports run the peer datapath's pipeline in one) has the clone's state, which the
   * final flow no longer shows.
   */
  readonly packet: PacketState;
}

export interface RuleRef {
  readonly table: number;
  readonly priority?: number;
  readonly cookie?: bigint;
  readonly line?: number;
}

export interface FreezeEvent {
  readonly pass: number;
  readonly bridge: string;
  readonly reason: 'dp_hash' | 'pause' | 'debug_recirc' | 'mpls' | 'decap';
  readonly text: string;
  readonly groupId?: number;
  readonly where: RuleRef;
}

export interface RecircItem {
  readonly id: number;
  readonly bridge: CompiledBridge;
  readonly state: PacketState;
  readonly table: number;
  readonly nat: NatSpec | null;
  readonly stack: readonly bigint[];
  readonly actionSet: readonly Action[];
  readonly zone: number;
  /** Queued by a check_pkt_larger branch the packet does not take: only consumes a --ct-next state. */
  readonly skip?: boolean;
  /** The conntrack model's answer at the time of the lookup (when a model is in use). */
  readonly modelState?: number;
  /** The model's connection when the `ct` asked for NAT and the connection has one: conntrack rewrites the packet. */
  readonly modelNat?: CtMatch;
}

export interface PassResult {
  readonly index: number;
  /** 0 for the first pass. */
  readonly recircId: number;
  readonly bridge: string;
  readonly initial: PacketState;
  readonly final: PacketState;
  readonly node: TraceNode;
  readonly error?: { readonly message: string; readonly chain: readonly RuleRef[]; readonly loop?: readonly number[] };
  readonly frozen?: FreezeEvent;
  /** Bridges (name → state at the end of the last visit) crossed through patch ports. */
  readonly visited: ReadonlyMap<string, PacketState>;
}

/** What an executor tells the action loop. */
export type Flow = void | 'return' | 'exit';

interface Frame {
  table: number;
  flow: CompiledFlow | undefined;
}

const MISS: RuleRef = { table: -1 };

const EMPTY_ACTIONS: readonly Action[] = Object.freeze([]);

const NO_TABLE: LookupResult = Object.freeze({ flow: undefined, overlaps: Object.freeze([]) });

// ---------------------------------------------------------------------------------------------

export type ExecutorEnv = {
  readonly list: readonly Action[];
  readonly index: number;
  readonly last: boolean;
  readonly inBucket: boolean;
};

export type ActionExecutor = (x: Xlate, a: Action, env: ExecutorEnv) => Flow;

/** The executors table is injected (executors.ts) to keep this file about the machinery. */
export interface ExecutorTableLike {
  readonly [type: string]: ActionExecutor;
}

const CS_TRACKED = 0x20n;

function pad2(n: number): string {
  return n < 10 ? ' ' + n : String(n);
}

/**
 * The `bridge("br-int")` node a pass starts with (p0: the bridge, p1: the pass, p2: the packet as
 * the pass began, formatted into its data only when read).
 */
const PASS: NodeFormat = {
  text: (bridge) => `bridge("${bridge as string}")`,
  data: (bridge, pass, initial) => ({ bridge, pass, flow: formatFlowState(initial as PacketState) }),
  field: (key, bridge, pass, initial) => (key === 'bridge' ? bridge : key === 'pass' ? pass : key === 'flow' ? formatFlowState(initial as PacketState) : undefined),
};

export class Xlate {
  readonly host: CompiledHost;
  readonly opts: XlateOptions;
  private readonly executors: ExecutorTableLike;

  // Trace-wide.
  readonly outputs: OutputEvent[] = [];
  readonly controllers: ControllerEvent[] = [];
  readonly drops: DropEvent[] = [];
  readonly freezes: FreezeEvent[] = [];
  readonly warnings: string[] = [];
  readonly passes: PassResult[] = [];
  readonly recircQueue: RecircItem[] = [];
  readonly ambiguities: { table: number; chosen: CompiledFlow; others: readonly CompiledFlow[] }[] = [];
  private recircCounter = 0;
  private ctNextIndex = 0;
  /** ct_state of every recirculation in queue order (skipped ones too): replays as --ct-next. */
  readonly ctUsed: number[] = [];
  /** Where the conntrack model rewrote a packet (see `CtNatEvent`). */
  readonly ctNats: CtNatEvent[] = [];
  unsupported = false;
  /** The first select group that has no bucket `--select-bucket` names: a usage error, not a drop. */
  missingBucket?: { readonly groupId: number; readonly bucket: number; readonly bridge: string; readonly buckets: readonly number[] };

  // Per pass.
  pass = 0;
  bridge!: CompiledBridge;
  s!: PacketState;
  rep!: Reporter;
  tableId = 0;
  depth = 0;
  resubmits = 0;
  exit = false;
  error: { message: string; chain: RuleRef[]; loop?: number[] } | undefined;
  freezing = false;
  conntracked = false;
  ctNat: NatSpec | null = null;
  stack: bigint[] = [];
  actionSet: Action[] = [];
  actionSetHasGroup = false;
  inActionSet = false;
  frames: Frame[] = [];
  visited = new Map<string, PacketState>();

  /** At `minimal` detail: the tables and NATs the annotation reads, instead of summary nodes. */
  readonly log: SummaryLog | undefined;

  constructor(host: CompiledHost, opts: XlateOptions, executors: ExecutorTableLike) {
    this.host = host;
    this.opts = opts;
    this.executors = executors;
    this.log = opts.treeDetail === 'minimal' ? new SummaryLog() : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Reporting helpers

  report(kind: TraceNode['kind'], detail: TraceNode['detail'], text: Lazy<string>, data?: Lazy<Readonly<Record<string, unknown>>>): TraceNode {
    return this.rep.report(kind, detail, text, data);
  }

  warn(text: string, data?: Readonly<Record<string, unknown>>): TraceNode {
    return this.rep.report('warning', 'minimal', text, data);
  }

  /** The flow whose actions are executing (for drops, outputs, punts). */
  where(): RuleRef {
    const f = this.frames[this.frames.length - 1];
    if (!f) return MISS;
    if (!f.flow) return { table: f.table };
    return { table: f.table, priority: f.flow.priority, cookie: f.flow.entry.cookie, line: f.flow.entry.line };
  }

  /** Reports `field: old -> new` when a write changed a field. */
  changed(f: FieldDef, old: bigint): void {
    if (!this.rep.detailed) return;
    const now = this.s.get(f);
    if (now === old) return;
    this.rep.add(new SimNode('set', 'detailed', SET, f, old, now, fmtField));
  }

  // -------------------------------------------------------------------------------------------
  // Passes

  /** Runs the first pass and every queued recirculation. */
  run(bridge: CompiledBridge, initial: PacketState, root: TraceNode[]): void {
    this.runPass(bridge, initial, undefined, root);
    let shadows = 0;
    while (this.recircQueue.length) {
      if (this.passes.length >= this.opts.maxPasses || shadows >= this.opts.maxPasses * 4) {
        const msg = `more than ${this.opts.maxPasses} recirculations; stopping (a recirculation loop?)`;
        this.warnings.push(msg);
        root.push(makeNode('warning', 'minimal', msg));
        break;
      }
      const item = this.recircQueue.shift()!;
      const st = item.state;
      let ctText: string;
      let cs: number;
      let fromModel = false;
      if (this.ctNextIndex < this.opts.ctNext.length) {
        cs = this.opts.ctNext[this.ctNextIndex++];
        ctText = `resume conntrack with ct_state=${fmtCtState(BigInt(cs))}`;
      } else if (item.modelState !== undefined) {
        cs = item.modelState;
        fromModel = true;
        ctText = `resume conntrack with ct_state=${fmtCtState(BigInt(cs))} (conntrack model: ${cs & 0x01 ? `no connection of this trace matches${cs & 0xc0 ? ', the ct commits one with its NAT' : ''}` : cs & 0x08 ? 'reply of a connection committed earlier' : 'a connection committed earlier'} in zone ${item.zone})`;
      } else {
        cs = 0x21;
        ctText = 'resume conntrack with default ct_state=trk|new (use --ct-next to customize)';
      }
      st.setSpace(SP.ct_state, BigInt(cs));
      this.ctUsed.push(cs);
      if (item.skip) {
        shadows++;
        this.runShadow(item, st, fromModel);
        continue;
      }
      const header = makeNode('recirc', 'summary', () => `recirc(0x${item.id.toString(16)}) - ${ctText}`, {
        recircId: item.id,
        ctState: fmtCtState(st.space(SP.ct_state)),
        zone: item.zone,
        table: item.table,
        bridge: item.bridge.name,
      });
      root.push(header);
      if (item.modelNat && fromModel) {
        const nat = this.modelNat(item, item.modelNat, st, header);
        this.log?.nat(item.bridge.name, nat);
      } else if (item.nat) {
        const nat = simulateNat(item.nat, st, header);
        this.log?.nat(item.bridge.name, nat);
      }
      this.runPass(item.bridge, st, item, header.children);
    }
  }

  /** True while a recirculation of a check_pkt_larger branch the packet does not take runs. */
  private shadow = false;

  /**
   * A recirculation of the check_pkt_larger branch the packet does not take: ofproto/trace
   * resumes it (consuming --ct-next states, forking further recirculations in queue order), so
   * it is run here too — and then forgotten: no outputs, punts, drops, passes or commits.
   */
  private runShadow(item: RecircItem, st: PacketState, fromModel: boolean): void {
    const marks = { o: this.outputs.length, c: this.controllers.length, d: this.drops.length, f: this.freezes.length, w: this.warnings.length, a: this.ambiguities.length, p: this.passes.length, q: this.recircQueue.length };
    const unsupported = this.unsupported;
    const wasShadow = this.shadow;
    this.shadow = true;
    if (item.modelNat && fromModel) connectionNat(item.modelNat, st);
    else if (item.nat) simulateNat(item.nat, st, makeNode('recirc', 'detailed', 'not taken'));
    this.runPass(item.bridge, st, item, []);
    this.shadow = wasShadow;
    this.outputs.length = marks.o;
    this.controllers.length = marks.c;
    this.drops.length = marks.d;
    this.freezes.length = marks.f;
    this.warnings.length = marks.w;
    this.ambiguities.length = marks.a;
    this.passes.length = marks.p;
    this.unsupported = unsupported;
    for (let i = marks.q; i < this.recircQueue.length; i++) this.recircQueue[i] = { ...this.recircQueue[i], skip: true };
  }

  /**
   * conntrack's NAT of a packet of a connection the model knows (un-SNAT / un-DNAT of a reply, the
   * forward NAT again on the original direction), as a node under the recirculation; recorded
   * with whether ofproto/trace, which would run `simulateNat` here, ends up with another packet.
   */
  private modelNat(item: RecircItem, m: CtMatch, st: PacketState, header: TraceNode): TraceNode {
    const family = st.space(SP.dl_type) === ETH_TYPE_IP ? 4 : 6;
    const before = ipFlowText(st, family);
    const theirs = st.clone();
    if (item.nat) simulateNat(item.nat, theirs, makeNode('ct', 'detailed', 'ofproto/trace'));
    const rewrite = connectionNat(m, st)!;
    const after = ipFlowText(st, family);
    const diverges = after !== ipFlowText(theirs, family);
    const entry = m.entry!;
    const trace = this.opts.conntrackTrace;
    this.ctNats.push({ recirc: this.ctUsed.length - 1, recircId: item.id, bridge: item.bridge.name, zone: item.zone, reply: m.reply, rewrite, origin: () => entry.origin, diverges });
    const n = makeNode(
      'ct',
      'minimal',
      () =>
        `conntrack model: ${m.reply ? 'reply of' : 'a packet of'} the connection committed ${describeOrigin(entry.origin, trace)}, zone ${item.zone}: ${describeNatRewrite(rewrite)}${
          diverges ? ' (conntrack rewrites the packet from the connection; ofproto/trace cannot: a --ct-next replay of this hop agrees only up to this recirculation)' : ''
        }`,
      () => ({ nat: 'existing', before, after, conntrack: { rewrite: rewrite.kind, reply: m.reply, zone: item.zone, committed: describeOrigin(entry.origin, trace), replayable: !diverges } }),
    );
    header.children.push(n);
    return n;
  }

  private resetPass(bridge: CompiledBridge, s: PacketState, root: TraceNode[]): void {
    this.bridge = bridge;
    this.s = s;
    this.rep = new Reporter(root, this.opts.treeDetail, this.log !== undefined);
    this.tableId = 0;
    this.depth = 0;
    this.resubmits = 0;
    this.exit = false;
    this.error = undefined;
    this.freezing = false;
    this.conntracked = false;
    this.ctNat = null;
    this.stack = [];
    this.actionSet = [];
    this.actionSetHasGroup = false;
    this.inActionSet = false;
    this.frames = [];
    this.visited = new Map();
  }

  private runPass(bridge: CompiledBridge, s: PacketState, resume: RecircItem | undefined, root: TraceNode[]): void {
    const index = this.passes.length;
    this.pass = index;
    const initial = s.clone();
    const bridgeNode = new SimNode('bridge', 'minimal', PASS, bridge.name, index, initial);
    root.push(bridgeNode);
    this.resetPass(bridge, s, bridgeNode.children);
    // xlate_in_init(): the action set output starts unset.
    s.setSpace(SP.actset_output, BigInt(OFPP.UNSET));
    const nOutputs = this.outputs.length;
    const nFreezes = this.freezes.length;
    const nControllers = this.controllers.length;
    if (resume) {
      const thaw = this.report('recirc', 'detailed', 'thaw');
      this.rep.within(thaw, () => this.report('recirc', 'detailed', `Resuming from table ${resume.table}`));
      this.tableId = resume.table;
      this.conntracked = true;
      this.stack = resume.stack.slice();
      if (resume.actionSet.length) this.writeActions(resume.actionSet);
    } else {
      this.conntracked = (s.space(SP.ct_state) & CS_TRACKED) !== 0n;
    }
    if (!resume && s.space(SP.recirc_id) !== 0n) {
      // A user-given recirc_id names a frozen state only the live datapath has.
      this.setError(`Recirculation context not found for ID ${s.space(SP.recirc_id).toString(16)}`);
    }
    const looked = !this.error;
    const res = looked ? this.lookupRule(s.inPort, this.tableId) : NO_TABLE;
    const tableNode = looked ? this.reportTable(res, this.tableId) : undefined;
    this.frames.push({ table: this.tableId, flow: res.flow });
    if (looked) {
      this.rep.within(tableNode, () => {
        this.doActions(res.flow ? res.flow.entry.actions : EMPTY_ACTIONS, true, false);
        if (!this.error) {
          if (!this.freezing) this.executeActionSet();
          if (this.freezing) this.finishFreezing();
        }
      });
      this.log?.closeTable();
    }
    this.frames.pop();
    let error: PassResult['error'];
    if (this.error) {
      error = this.error;
      const msg = `Translation failed (${this.error.message}), packet is dropped.`;
      this.rep.current = bridgeNode.children;
      this.report('drop', 'minimal', msg, { reason: 'error' });
      for (let i = nOutputs; i < this.outputs.length; i++) this.outputs[i].voided = true;
      for (let i = nControllers; i < this.controllers.length; i++) this.controllers[i].voided = true;
    }
    // One copy for both: passes' states are only read from here on.
    const final = s.clone();
    this.visited.set(bridge.name, final);
    const pass: PassResult = {
      index,
      recircId: resume?.id ?? 0,
      bridge: bridge.name,
      initial,
      final,
      node: bridgeNode,
      ...(error ? { error } : {}),
      ...(this.freezes.length > nFreezes ? { frozen: this.freezes[nFreezes] } : {}),
      visited: this.visited,
    };
    this.passes.push(pass);
  }

  // -------------------------------------------------------------------------------------------
  // Action lists

  /** `do_xlate_actions()`. */
  doActions(list: readonly Action[], isLast: boolean, inBucket: boolean): void {
    if (list.length === 0 || (list.length === 1 && list[0].type === 'drop')) {
      const w = this.where();
      const miss = this.frames.length > 0 && !this.frames[this.frames.length - 1].flow;
      this.report('drop', 'summary', 'drop', { table: w.table, reason: miss ? 'NO_MATCH' : 'EXPLICIT_DROP' });
      this.drops.push({
        pass: this.pass,
        bridge: this.bridge.name,
        reason: miss ? 'NO_MATCH' : 'EXPLICIT_DROP',
        explanation: miss ? `no flow matched in table ${w.table}` : `flow in table ${w.table} has no actions (drop)`,
        where: w,
        packet: this.s.clone(),
      });
      return;
    }
    const env = { list, index: 0, last: false, inBucket };
    const rep = this.rep;
    for (let i = 0; i < list.length; i++) {
      if (this.error || this.exit) break;
      const a = list[i];
      env.index = i;
      env.last = isLast && i === list.length - 1 && this.actionSet.length === 0;
      if (!rep.detailed) {
        // No node per action: what the action reports goes where the prune would put it.
        const r = this.executors[a.type](this, a, env);
        if (r === 'return' || r === 'exit') return;
        continue;
      }
      const node = new SimNode('action', 'detailed', ACTION, a);
      const saved = rep.current;
      saved.push(node);
      rep.current = node.children;
      let r: Flow;
      try {
        r = this.executors[a.type](this, a, env);
      } finally {
        rep.current = saved;
      }
      if (r === 'return' || r === 'exit') return;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Tables

  /** Lookup with OVS's in_port substitution and frag handling (`rule_dpif_lookup_from_table`). */
  lookupRule(inPort: number, table: number): LookupResult {
    const t = this.bridge.tables[table];
    if (!t) return NO_TABLE;
    const s = this.s;
    // in_port as a number (one word of the state): no bigint per lookup.
    const savedIn = s.inPort;
    s.inPort = inPort;
    let savedTp: [bigint, bigint] | undefined;
    if (this.bridge.fragNormal && s.word(SP.ip_frag, 0) & 1 && s.isIp()) {
      savedTp = [s.space(SP.tp_src), s.space(SP.tp_dst)];
      s.setSpace(SP.tp_src, 0n);
      s.setSpace(SP.tp_dst, 0n);
    }
    const r = t.lookup(s);
    s.inPort = savedIn;
    if (savedTp) {
      s.setSpace(SP.tp_src, savedTp[0]);
      s.setSpace(SP.tp_dst, savedTp[1]);
    }
    return r;
  }

  /**
   * A table node: `8. metadata=0x2, priority 50, cookie 0x5b86b5e` or `73. No match.`; undefined
   * when the tree is made at minimal detail (the summary log has the table): what the table's
   * actions report then goes where the prune would move it, the current list.
   */
  reportTable(res: LookupResult, table: number): TraceNode | undefined {
    const f = res.flow;
    const log = this.log;
    // A shadow pass's nodes are not in the tree: nor are its tables in the log.
    log?.openTable(this.shadow ? undefined : this.bridge.name, f, table);
    if (!f) {
      if (log) return undefined;
      const bridge = this.bridge.name;
      return this.report('no-match', 'summary', () => `${pad2(table)}. No match.`, { table, bridge });
    }
    const e = f.entry;
    const node = log ? undefined : this.rep.add(new SimNode('table', 'summary', TABLE, e, table, this.bridge.name, res.conjId));
    if (res.overlaps.length) {
      const others = res.overlaps;
      const differ = others.some((o) => !sameActions(o, f));
      if (differ) this.ambiguities.push({ table, chosen: f, others });
      const text = `equal-priority overlap in table ${table}: ${others.length + 1} flows of priority ${e.priority} match this packet; OVS picks one arbitrarily (this trace uses line ${e.line}). Also matching: ${others
        .map((o) => `line ${o.entry.line} cookie 0x${o.entry.cookie.toString(16)} ${formatMatch(o.entry.match)}${sameActions(o, f) ? ' (same actions)' : ' (DIFFERENT actions)'}`)
        .join('; ')}`;
      // Overlaps whose flows do the same thing cannot change the result: a summary-level note.
      // Different actions make the trace depend on OVS's arbitrary choice: a loud warning.
      if (differ) this.warnings.push(text);
      this.rep.within(node, () => this.report('warning', differ ? 'minimal' : 'summary', text, { table, lines: [e.line, ...others.map((o) => o.entry.line)], sameActions: !differ }));
    }
    return node;
  }

  /** `xlate_resubmit_resource_check()`. */
  resourceCheck(): boolean {
    if (this.depth >= this.opts.maxDepth) {
      this.setError(`over max translation depth ${this.opts.maxDepth}`);
      return false;
    }
    if (this.resubmits >= this.opts.maxResubmits) {
      this.setError(`over ${this.opts.maxResubmits} resubmit actions`);
      return false;
    }
    return true;
  }

  setError(message: string): void {
    const chain: RuleRef[] = this.frames.map((f) => (f.flow ? { table: f.table, priority: f.flow.priority, cookie: f.flow.entry.cookie, line: f.flow.entry.line } : { table: f.table }));
    const loop = findLoop(chain.map((c) => c.table));
    this.error = { message, chain, ...(loop ? { loop } : {}) };
    const text = `${message}${loop ? ` — resubmit loop through tables ${loop.join(' -> ')}` : ''}`;
    this.report('warning', 'minimal', `>>>> ${text} <<<<`, { error: message, chain: chain.map((c) => c.table), ...(loop ? { loop } : {}) });
    this.warnings.push(text);
  }

  /** `xlate_table_action()`: resubmit / goto_table / patch port / output:TABLE. */
  tableAction(inPort: number, table: number, withCtOrig: boolean, isLast: boolean, asClone = false, onCloneEnd?: (s: PacketState) => void): void {
    if (!this.resourceCheck()) return;
    const oldTable = this.tableId;
    this.tableId = table;
    const s = this.s;
    if (withCtOrig) {
      if (s.space(SP.ct_nw_proto) === 0n || !s.isIp()) {
        this.report('warning', 'minimal', '>>>> resubmit(ct) with non-tracked or non-IP packet! <<<<');
        this.tableId = oldTable;
        return;
      }
      tupleSwap(s);
    }
    const res = this.lookupRule(inPort, table);
    if (withCtOrig) tupleSwap(s);
    const node = this.reportTable(res, table);
    this.resubmits++;
    const deepens = table <= oldTable ? 1 : 0;
    this.depth += deepens;
    this.frames.push({ table, flow: res.flow });
    const actions = res.flow ? res.flow.entry.actions : EMPTY_ACTIONS;
    const saved = this.rep.current;
    if (node) this.rep.current = node.children;
    try {
      if (asClone) this.cloneActions(actions, isLast, onCloneEnd);
      else this.doActions(actions, isLast, false);
    } finally {
      this.rep.current = saved;
      this.log?.closeTable();
    }
    this.frames.pop();
    this.depth -= deepens;
    this.tableId = oldTable;
  }

  // -------------------------------------------------------------------------------------------
  // Outputs

  /** `xlate_output_action()`. */
  outputAction(port: number, isLast: boolean, inBucket: boolean): void {
    const s = this.s;
    switch (port) {
      case OFPP.IN_PORT:
        this.composeOutput(s.inPort, true, isLast);
        return;
      case OFPP.TABLE:
        this.tableAction(s.inPort, 0, false, false);
        return;
      case OFPP.NORMAL:
        this.normal();
        return;
      case OFPP.FLOOD:
        this.flood(false, isLast);
        return;
      case OFPP.ALL:
        this.flood(true, isLast);
        return;
      case OFPP.CONTROLLER:
        this.controller(inBucket ? 'group' : this.inActionSet ? 'action_set' : 'action', undefined, false);
        return;
      case OFPP.NONE:
        return;
      default:
        if (port !== s.inPort) this.composeOutput(port, true, isLast);
        else this.warn('skipping output to input port', { port });
    }
  }

  /** `compose_output_action__()`. */
  composeOutput(ofport: number, _checkStp: boolean, isLast: boolean): void {
    const p = this.bridge.portByOfport.get(ofport);
    if (!p) {
      this.warn('Nonexistent output port', { port: ofport });
      return;
    }
    if (p.role.kind === 'patch') {
      const peer = this.host.patchPeers.get(`${this.bridge.name}/${p.name}`);
      if (peer) {
        this.patchOutput(p, peer.bridge, peer.port, isLast);
        return;
      }
      const msg = `output to patch port ${p.name}: peer ${p.role.peer ?? '(unknown)'} is not in the collected bridges, not followed`;
      this.warnings.push(msg);
      this.recordOutput(p, 'patch', undefined, true);
      return;
    }
    if (p.role.kind === 'tunnel') {
      const s = this.s;
      const role = p.role;
      const remoteIp = role.remoteIp && role.remoteIp !== 'flow' ? role.remoteIp : formatIpv4(s.space(SP.tun_dst));
      const tunnel: TunnelInfo = {
        remoteIp,
        ...(role.remoteChassis ? { chassis: role.remoteChassis } : {}),
        tunId: '0x' + s.space(SP.tun_id).toString(16),
        ...(s.tunMetadataPresent(0) ? { metadata0: '0x' + s.space(SP.tun_metadata0).toString(16) } : {}),
      };
      this.recordOutput(p, 'tunnel', tunnel, false);
      return;
    }
    this.recordOutput(p, p.role.kind, undefined, false);
  }

  private recordOutput(p: BridgePort, kind: OutputKind, tunnel: TunnelInfo | undefined, unfollowed: boolean): void {
    const ev: OutputEvent = {
      pass: this.pass,
      bridge: this.bridge.name,
      ofport: p.ofport,
      name: p.name,
      kind,
      port: p,
      packet: this.s.clone(),
      where: this.where(),
      ...(tunnel ? { tunnel } : {}),
      ...(unfollowed ? { unfollowedPatch: true } : {}),
    };
    this.outputs.push(ev);
    const tn = tunnel;
    // Captured now: the thunks below run when the node is read, after the trace.
    const bridge = ev.bridge;
    this.report(
      tunnel ? 'tunnel' : 'output',
      'minimal',
      () =>
        tn
          ? `output to tunnel ${p.name} (remote_ip=${tn.remoteIp}${tn.chassis ? `, chassis ${tn.chassis}` : ''}, tun_id=${tn.tunId}${tn.metadata0 ? `, tun_metadata0=${tn.metadata0}` : ''})`
          : `output to ${kind} port ${p.name} (ofport ${p.ofport}${p.ifaceId ? `, logical port ${p.ifaceId}` : ''})${unfollowed ? ' — peer bridge not collected' : ''}`,
      () => ({ port: p.name, ofport: p.ofport, kind, bridge, ...(tn ? { tunnel: tn } : {}) }),
    );
  }

  /** `patch_port_output()`: continue in the peer bridge, then restore everything. */
  private patchOutput(out: BridgePort, peerBridge: CompiledBridge, peerPort: BridgePort, isLast: boolean): void {
    const s = this.s;
    const oldState = s.clone();
    const oldBridge = this.bridge;
    const oldConntracked = this.conntracked;
    const oldStack = this.stack;
    const oldActionSet = this.actionSet;
    const oldHasGroup = this.actionSetHasGroup;
    const oldTable = this.tableId;
    this.stack = [];
    this.actionSet = [];
    this.actionSetHasGroup = false;
    s.inPort = peerPort.ofport;
    s.setSpace(SP.metadata, 0n);
    s.clearTunnel();
    s.clearRegs();
    s.setSpace(SP.actset_output, BigInt(OFPP.UNSET));
    s.clearConntrack();
    this.conntracked = false;
    const node = this.report('bridge', 'minimal', `bridge("${peerBridge.name}")`, { bridge: peerBridge.name, via: out.name, peerPort: peerPort.name });
    this.bridge = peerBridge;
    let end: PacketState | undefined;
    this.rep.within(node, () => {
      this.tableAction(s.inPort, 0, false, isLast, true, (st) => (end = st.clone()));
      if (!this.freezing) this.executeActionSet();
      if (this.freezing) this.finishFreezing();
    });
    this.visited.set(peerBridge.name, end ?? s.clone());
    this.bridge = oldBridge;
    s.assign(oldState);
    this.actionSet = oldActionSet;
    this.actionSetHasGroup = oldHasGroup;
    this.stack = oldStack;
    this.conntracked = oldConntracked;
    this.tableId = oldTable;
    this.exit = false;
    this.error = undefined;
  }

  /** `clone_xlate_actions()`: run actions, then restore the packet. */
  cloneActions(actions: readonly Action[], isLast: boolean, onEnd?: (s: PacketState) => void): void {
    const s = this.s;
    const oldState = s.clone();
    const oldStack = this.stack;
    const oldActionSet = this.actionSet;
    this.stack = this.stack.slice();
    this.actionSet = this.actionSet.slice();
    const reversible = isLast || actions.every((a) => REVERSIBLE.has(a.type));
    const oldConntracked = this.conntracked;
    this.doActions(actions, reversible ? isLast : true, false);
    if (!this.freezing) this.executeActionSet();
    if (this.freezing) this.finishFreezing();
    if (!reversible) this.conntracked = oldConntracked;
    if (onEnd) onEnd(s);
    this.actionSet = oldActionSet;
    this.stack = oldStack;
    s.assign(oldState);
  }

  /** NORMAL: the L2 learning switch (`xlate_normal()`), with the MAC table given as input. */
  private normal(): void {
    const s = this.s;
    const inPort = s.inPort;
    if (!this.bridge.portByOfport.has(inPort)) {
      this.warn('no input bundle, dropping');
      return;
    }
    const dst = s.space(SP.dl_dst);
    if ((dst & 0xfffffffffff0n) === 0x0180c2000000n) {
      this.report('action', 'summary', 'packet has reserved destination MAC, dropping');
      return;
    }
    const tci = s.space(SP.vlan_tci);
    const vlan = tci & 0x1000n ? Number(tci & 0xfffn) : 0;
    const fdb = this.opts.fdb?.[this.bridge.name];
    const isMulticast = (dst >> 40n) & 1n;
    const entry = !isMulticast && fdb ? fdb.find((e) => e.mac === dst && e.vlan === vlan) : undefined;
    if (entry) {
      if (entry.port === inPort) {
        this.report('action', 'summary', 'learned port is input port, dropping');
        return;
      }
      if (!this.bridge.portByOfport.has(entry.port)) {
        this.warn('learned port is unknown, dropping');
        return;
      }
      this.report('action', 'summary', 'forwarding to learned port');
      this.composeOutput(entry.port, true, false);
      return;
    }
    if (!fdb && !isMulticast) this.warn(`no MAC learning table collected for ${this.bridge.name}: flooding as if ${formatMac(dst)} were unknown`);
    this.report('action', 'summary', 'no learned MAC for destination, flooding');
    for (const p of this.bridge.state.ports) {
      if (p.ofport === inPort) continue;
      this.composeOutput(p.ofport, true, false);
    }
  }

  /** `flood_packets()`: FLOOD / ALL. */
  private flood(all: boolean, _isLast: boolean): void {
    const noFlood = new Set<number>();
    for (const sp of this.bridge.state.show?.ports ?? []) if (sp.config.includes('NO_FLOOD')) noFlood.add(sp.ofport);
    for (const p of this.bridge.state.ports) {
      if (p.ofport === this.s.inPort) continue;
      if (!all && noFlood.has(p.ofport)) continue;
      this.composeOutput(p.ofport, !all, false);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Controller

  controller(reason: string, op: OvnControllerOp | undefined, pause: boolean): void {
    const ev: ControllerEvent = { pass: this.pass, bridge: this.bridge.name, reason: op ? op.name : reason, pause, where: this.where(), packet: this.s.clone(), ...(op ? { op } : {}) };
    this.controllers.push(ev);
    this.report(
      'controller',
      'minimal',
      () =>
        op
          ? `packet to ovn-controller: ${op.name} — ${op.meaning}${pause ? ' (paused: ovn-controller resumes the pipeline)' : ''}`
          : `packet to the controller (reason ${reason})${pause ? ' (paused)' : ''}`,
      { reason: ev.reason, ...(op ? { opcode: op.opcode } : {}), pause },
    );
  }

  // -------------------------------------------------------------------------------------------
  // Freezing (recirculations ofproto/trace does not follow)

  triggerFreeze(ev: Omit<FreezeEvent, 'pass' | 'bridge' | 'where'>): void {
    this.exit = true;
    this.freezing = true;
    const full: FreezeEvent = { ...ev, pass: this.pass, bridge: this.bridge.name, where: this.where() };
    this.freezes.push(full);
  }

  /** `finish_freezing()`: the datapath would recirculate; ofproto/trace stops following here. */
  finishFreezing(): void {
    const fi = this.freezes[this.freezes.length - 1];
    if (fi && fi.reason === 'dp_hash') {
      this.report('recirc', 'summary', () => `datapath: hash + recirculate (${fi.text}); ofproto/trace does not follow this recirculation`, {
        reason: fi.reason,
        groupId: fi.groupId,
      });
    }
    this.freezing = false;
  }

  // -------------------------------------------------------------------------------------------
  // Conntrack

  /** The conntrack model's lookup of the packet in `zone` (commits made earlier in this pass count); undefined without a model. */
  ctLookup(zone: number): CtMatch | undefined {
    return this.opts.conntrack?.find(zone, this.s);
  }

  /**
   * Queues the conntrack recirculation `ct(table=N)` forks, with the conntrack model's lookup made
   * before the action committed (`found`). A ct that asks for NAT of a connection that has one
   * gets that NAT (`modelNat`); one that commits a new connection with a NAT range gets the range
   * (simulateNat, as ofproto/trace); the ct_state says so (snat/dnat), as OVS sets it.
   */
  forkRecirc(table: number, zone: number, found?: CtMatch, committed = false): void {
    const id = ++this.recircCounter;
    const st = this.s.clone();
    st.setSpace(SP.recirc_id, BigInt(id));
    st.setSpace(SP.ct_zone, BigInt(zone));
    const nat = this.ctNat;
    const flag = !found || !nat ? 0 : found.entry ? natFlag(found) : committed && nat.addrMin !== undefined ? (nat.kind === 'src' ? CS_SRC_NAT : nat.kind === 'dst' ? CS_DST_NAT : 0) : 0;
    const modelState = found ? found.state | flag : undefined;
    this.recircQueue.push({
      id,
      bridge: this.bridge,
      state: st,
      table,
      nat: this.ctNat,
      stack: this.stack.slice(),
      actionSet: this.actionSet.slice(),
      zone,
      ...(modelState !== undefined ? { modelState } : {}),
      ...(flag && found?.entry ? { modelNat: found } : {}),
    });
    this.report('recirc', 'summary', () => `A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table ${table}.`, {
      recircId: id,
      table,
      zone,
    });
  }

  /** `ct(commit, ...)`: the conntrack model (if any) records the connection. */
  ctCommit(zone: number, nat: NatSpec | null | undefined): void {
    if (!this.shadow) this.opts.conntrack?.commit(zone, this.s, nat, this.bridge.name);
  }

  // -------------------------------------------------------------------------------------------
  // Groups

  group(groupId: number, isLast: boolean): Flow {
    if (!this.resourceCheck()) return;
    const g = this.bridge.groups.get(groupId);
    if (!g) {
      this.warn(`output to nonexistent group ${groupId}`, { groupId });
      return 'return';
    }
    const grp = g.group;
    if (grp.type === 'all' || grp.type === 'indirect') {
      for (let i = 0; i < grp.buckets.length; i++) this.bucket(g, grp.buckets[i], isLast && i === grp.buckets.length - 1);
      return;
    }
    const b = grp.type === 'select' ? this.pickSelect(g) : grp.buckets.find((x) => bucketAlive(grp, x));
    if (b) {
      this.report('group', 'summary', `using bucket ${bucketId(grp, b)}`, { groupId, bucket: bucketId(grp, b) });
      this.bucket(g, b, isLast);
    } else {
      this.report('group', 'summary', 'no live bucket', { groupId });
    }
    return;
  }

  private pickSelect(g: CompiledGroup): GroupBucket | undefined {
    const grp = g.group;
    const sel = this.opts.selectBucket;
    const forced = typeof sel === 'number' ? sel : sel?.get(grp.groupId);
    if (forced !== undefined) {
      const b = grp.buckets.find((x) => bucketId(grp, x) === forced);
      if (b) {
        this.report('group', 'summary', `bucket ${forced} chosen by ${this.opts.selectBucketBy ?? '--select-bucket'} (OVS would use the datapath hash)`, { groupId: grp.groupId, forced });
        return b;
      }
      // The trace fails with a usage error for it (sim/trace.ts). A branch the packet does not
      // take (shadow) is not where the user's bucket was wrong.
      if (!this.shadow) this.missingBucket ??= { groupId: grp.groupId, bucket: forced, bridge: this.bridge.name, buckets: grp.buckets.map((x) => bucketId(grp, x)) };
      return undefined;
    }
    switch (g.method) {
      case 'dp_hash': {
        const dpHash = Number(this.s.space(SP.dp_hash) & 0xffffffffn);
        if (dpHash === 0) {
          const alg = g.hashAlg === 1 ? 'sym_l4' : 'l4';
          const ids = grp.buckets.map((x) => bucketId(grp, x)).join(', ');
          const text = `hash(${alg}(${g.hashBasis ?? 0}))`;
          const msg = `select group ${grp.groupId} uses dp_hash: the datapath hashes the packet and recirculates, and ofproto/trace stops here. Re-run with dp_hash=<value> in the flow, or --select-bucket N (buckets ${ids}), to follow one backend.`;
          this.warnings.push(msg);
          this.warn(msg, { groupId: grp.groupId, buckets: grp.buckets.map((x) => bucketId(grp, x)) });
          this.triggerFreeze({ reason: 'dp_hash', text, groupId: grp.groupId });
          return undefined;
        }
        const mask = g.hashMask!;
        for (let i = 0; i <= mask; i++) {
          const b = g.hashMap![(dpHash + i) & mask];
          if (bucketAlive(grp, b)) return b;
        }
        return undefined;
      }
      case 'hash': {
        const basis = hashFieldsBasis(grp, this.s, (f) => prereqsOk(this.s, f));
        const r = bestLiveBucket(grp, basis);
        for (const sc of r.scores) this.report('group', 'detailed', `bucket ${sc.id}: score ${sc.score}`);
        return r.bucket;
      }
      default: {
        const b = grp.buckets.find((x) => bucketAlive(grp, x));
        this.warn(`select group ${grp.groupId}: OVS's default selection hash (flow_hash_symmetric_l4) is not reproduced; using the first live bucket`);
        return b;
      }
    }
  }

  /** `xlate_group_bucket()`. */
  private bucket(g: CompiledGroup, b: GroupBucket, isLast: boolean): void {
    const id = bucketId(g.group, b);
    const node = this.report('bucket', 'summary', `bucket ${id}`, { groupId: g.group.groupId, bucket: id });
    const oldState = this.s.clone();
    const list = executeActionSetOrder(b.actions);
    this.rep.within(node, () => {
      this.depth++;
      this.doActions(list, isLast, true);
      this.depth--;
      if (this.freezing) this.finishFreezing();
    });
    this.s.assign(oldState);
    this.exit = false;
  }

  // -------------------------------------------------------------------------------------------
  // Action set

  writeActions(actions: readonly Action[]): void {
    if (!this.actionSetHasGroup) {
      for (const a of actions) {
        if (a.type === 'output' && a.port.kind === 'number') this.s.setSpace(SP.actset_output, BigInt(a.port.port));
        else if (a.type === 'group') {
          this.s.setSpace(SP.actset_output, BigInt(OFPP.UNSET));
          this.actionSetHasGroup = true;
          break;
        }
      }
    }
    this.actionSet.push(...actions);
  }

  /** `xlate_action_set()`. */
  executeActionSet(): void {
    const list = executeActionSetOrder(this.actionSet);
    this.actionSet = [];
    if (!list.length) return;
    this.inActionSet = true;
    const node = this.report('table', 'summary', '--. Executing action set:');
    this.rep.within(node, () => this.doActions(list, true, false));
    this.inActionSet = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

const REVERSIBLE = new Set<string>([
  'bundle', 'clear_actions', 'clone', 'conjunction', 'controller', 'ct_clear', 'debug_recirc', 'debug_slow', 'dec_mpls_ttl',
  'dec_ttl', 'enqueue', 'exit', 'fin_timeout', 'goto_table', 'group', 'learn', 'multipath', 'note', 'output', 'output_reg',
  'pop_mpls', 'pop_queue', 'push_mpls', 'push_vlan', 'move', 'resubmit', 'sample', 'mod_dl_dst', 'mod_dl_src', 'set_field',
  'load', 'mod_nw_tos', 'mod_nw_ecn', 'mod_nw_ttl', 'mod_nw_dst', 'mod_nw_src', 'mod_tp_dst', 'mod_tp_src', 'set_mpls_label',
  'set_mpls_tc', 'set_mpls_ttl', 'set_queue', 'set_tunnel', 'set_vlan_pcp', 'set_vlan_vid', 'pop', 'push', 'pop_vlan',
  'write_actions', 'write_metadata', 'check_pkt_larger', 'delete_field', 'drop', 'apply_actions',
]);

const SLOT_ORDER: readonly string[] = ['pop_vlan', 'pop_mpls', 'decap', 'encap', 'push_mpls', 'push_vlan', 'dec_ttl', 'dec_mpls_ttl', 'dec_nsh_ttl'];
const FINAL_ORDER: readonly string[] = ['ct', 'ct_clear', 'resubmit', 'output', 'group'];
const SET_OR_MOVE = new Set<string>([
  'set_field', 'load', 'move', 'mod_dl_dst', 'mod_dl_src', 'mod_nw_tos', 'mod_nw_ecn', 'mod_nw_ttl', 'mod_nw_dst', 'mod_nw_src',
  'mod_tp_dst', 'mod_tp_src', 'set_mpls_label', 'set_mpls_tc', 'set_mpls_ttl', 'set_queue', 'set_tunnel', 'set_vlan_pcp', 'set_vlan_vid',
]);

/** `ofpacts_execute_action_set()`: an action set (group bucket, write_actions) as an ordered list. */
export function executeActionSetOrder(set: readonly Action[]): Action[] {
  const slots: (Action | undefined)[] = new Array(SLOT_ORDER.length).fill(undefined);
  const setOrMove: Action[] = [];
  let final: Action | undefined;
  let finalClass = -1;
  for (const a of set) {
    const si = SLOT_ORDER.indexOf(a.type);
    if (si >= 0) {
      slots[si] = a;
      continue;
    }
    const fi = FINAL_ORDER.indexOf(a.type === 'output_reg' ? '' : a.type);
    if (fi >= 0) {
      if (fi >= finalClass) {
        final = a;
        finalClass = fi;
      }
      continue;
    }
    if (SET_OR_MOVE.has(a.type)) setOrMove.push(a);
  }
  if (!final) return [];
  const out: Action[] = [];
  for (const s of slots) if (s) out.push(s);
  out.push(...setOrMove, final);
  return out;
}

/** OVS `mf_are_prereqs_ok()` on the packet. */
export function prereqsOk(s: PacketState, f: FieldDef): boolean {
  const alts = PREREQ_WORDS[f.prereq];
  let ok = false;
  for (let i = 0; i < alts.length && !ok; i++) {
    const conj = alts[i];
    ok = true;
    for (let j = 0; j < conj.length && ok; j += 3) ok = (s.w[conj[j]] & conj[j + 1]) === conj[j + 2];
  }
  if (!ok) return false;
  if ((f.prereq === 'tcp' || f.prereq === 'udp' || f.prereq === 'sctp') && s.word(SP.ip_frag, 0) & 2) return false;
  return true;
}

/**
 * PREREQS as integer tests on the packet's words: per alternative, [word, mask, value, ...] with
 * mask and value shifted into the word and as int32 like `PacketState.w`. Every field a
 * prerequisite names lies inside one word (checked here); set_field and load check prerequisites
 * on every write, and the bigint form allocated per check.
 */
const PREREQ_WORDS: Readonly<Record<Prereq, readonly (readonly number[])[]>> = (() => {
  const out = {} as Record<Prereq, number[][]>;
  for (const [name, alts] of Object.entries(PREREQS) as [Prereq, (typeof PREREQS)[Prereq]][]) {
    out[name] = alts.map((conj) =>
      conj.flatMap((c) => {
        const cf = fieldByName(c.field)!;
        const a = ACCESS[cf.id];
        if (a.wi < 0) throw new Error(`prerequisite field ${c.field} is not inside one word of the packet state`);
        const m = Number(c.mask ?? onesMask(cf.width)) & a.wmask;
        return [a.wi, (m << a.wsh) | 0, ((Number(c.value) & m) << a.wsh) | 0];
      }),
    );
  }
  return out;
})();

function tupleSwap(s: PacketState): void {
  const sw = (a: number, b: number) => {
    const t = s.space(a);
    s.setSpace(a, s.space(b));
    s.setSpace(b, t);
  };
  sw(SP.nw_proto, SP.ct_nw_proto);
  if (s.space(SP.dl_type) === ETH_TYPE_IP) {
    sw(SP.nw_src, SP.ct_nw_src);
    sw(SP.nw_dst, SP.ct_nw_dst);
  } else {
    sw(SP.ipv6_src, SP.ct_ipv6_src);
    sw(SP.ipv6_dst, SP.ct_ipv6_dst);
  }
  sw(SP.tp_src, SP.ct_tp_src);
  sw(SP.tp_dst, SP.ct_tp_dst);
}

function sameActions(a: CompiledFlow, b: CompiledFlow): boolean {
  const x = a.entry.actions;
  const y = b.entry.actions;
  if (x === y) return true;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (formatAction(x[i]) !== formatAction(y[i])) return false;
  return true;
}

/** The shortest cycle of tables repeated at the end of the resubmit chain. */
function findLoop(tables: readonly number[]): number[] | undefined {
  const n = tables.length;
  if (n < 4) return undefined;
  for (let len = 1; len <= n / 3; len++) {
    let ok = true;
    for (let k = 0; k < len * 2 && ok; k++) if (tables[n - 1 - k] !== tables[n - 1 - k - len]) ok = false;
    if (ok) return tables.slice(n - len).concat(tables[n - len]);
  }
  return undefined;
}

const CT_NAMES = ['new', 'est', 'rel', 'rpl', 'inv', 'trk', 'snat', 'dnat'];

export function fmtCtState(v: bigint): string {
  const n = Number(v & 0xffn);
  if (!n) return '0';
  const out: string[] = [];
  for (let i = 0; i < 8; i++) if (n & (1 << i)) out.push(CT_NAMES[i]);
  return out.join('|');
}

export function fmtField(f: FieldDef, v: bigint): string {
  switch (f.format) {
    case 'mac':
      return formatMac(v);
    case 'ipv4':
      return formatIpv4(v);
    case 'ipv6':
      return formatIpv6(v);
    case 'decimal':
    case 'ofp_port':
    case 'ofp_port_oxm':
      return v.toString();
    case 'ct_state':
      return fmtCtState(v);
    default:
      return v === 0n ? '0' : '0x' + v.toString(16);
  }
}

/** IP protocols with ports in tp_src/tp_dst: TCP, UDP, SCTP. */
const TRANSPORT_PROTOCOLS: ReadonlySet<bigint> = new Set([6n, 17n, 132n]);

function ipFlowText(s: PacketState, family: 4 | 6 | undefined): string {
  if (family === 4) return `nw_src=${formatIpv4(s.space(SP.nw_src))},tp_src=${s.space(SP.tp_src)},nw_dst=${formatIpv4(s.space(SP.nw_dst))},tp_dst=${s.space(SP.tp_dst)}`;
  if (family === 6) {
    const b = (v: bigint) => `[${formatIpv6(v)}]`;
    return `ipv6_src=${b(s.space(SP.ipv6_src))},tp_src=${s.space(SP.tp_src)},ipv6_dst=${b(s.space(SP.ipv6_dst))},tp_dst=${s.space(SP.tp_dst)}`;
  }
  return '';
}

/**
 * ofproto/trace's NAT simulation on resume (`ofproto_trace_recirc_node()`): the first address
 * and port of the range replace the source (nat(src=...)) or destination (nat(dst=...)). A bare
 * `nat` or `nat(src)` / `nat(dst)` without a range changes nothing (the connection's existing
 * NAT is not known offline).
 */
export function simulateNat(nat: NatSpec, s: PacketState, header: TraceNode): TraceNode {
  const fam = nat.family;
  const before = ipFlowText(s, fam);
  if (nat.kind === 'src') {
    if (fam === 4 && nat.addrMin !== undefined) s.setSpace(SP.nw_src, nat.addrMin);
    else if (fam === 6 && nat.addrMin !== undefined) s.setSpace(SP.ipv6_src, nat.addrMin);
    if (fam && nat.portMin) s.setSpace(SP.tp_src, BigInt(nat.portMin));
  }
  if (nat.kind === 'dst') {
    if (fam === 4 && nat.addrMin !== undefined) s.setSpace(SP.nw_dst, nat.addrMin);
    else if (fam === 6 && nat.addrMin !== undefined) s.setSpace(SP.ipv6_dst, nat.addrMin);
    if (fam && nat.portMin) s.setSpace(SP.tp_dst, BigInt(nat.portMin));
  }
  const after = ipFlowText(s, fam);
  // ICMP's type and code sit in tp_src/tp_dst: `ports` tells the hop summary whether they are ports.
  const ports = TRANSPORT_PROTOCOLS.has(s.space(SP.nw_proto));
  const n = makeNode('ct', 'summary', 'Replacing src/dst IP/ports to simulate NAT:', { nat: nat.kind ?? 'existing', before, after, ports });
  n.children.push(makeNode('set', 'detailed', ` Initial flow: ${before}`), makeNode('set', 'detailed', ` Modified flow: ${after}`));
  header.children.push(n);
  return n;
}

export type { FieldRef };
