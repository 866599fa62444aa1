/**
 * One executor per OpenFlow action (`Action['type']`), following the corresponding case of OVS
 * 3.1 `do_xlate_actions()`. The table is typed so that adding an action type to the model
 * without an executor here fails to compile.
 */
import type { FieldDef } from '../model/fields.js';
import type { Action, ActionType, FieldRef, PortRef } from '../model/flow.js';
import { bigOf, formatFieldValue } from '../model/masked.js';
import { bundleExecute, type BundleChoice, type MemberLiveness } from './bundle.js';
import { formatSubfieldValue } from './format.js';
import { decodeOvnUserdata } from './ovn.js';
import { ETH_TYPE_IP, F, OFPP, SP, VLAN_CFI } from './state.js';
import { prereqsOk, type ExecutorEnv, type Flow, type Xlate } from './xlate.js';

/**
 * The action variant(s) whose `type` can be T. (The model's `ActionOf` uses `Extract`, which
 * yields `never` for members that share one object type, such as mod_dl_src/mod_dl_dst.)
 */
export type ActionFor<T extends ActionType> = Action extends infer A ? (A extends { readonly type: infer U } ? (T extends U ? A : never) : never) : never;

export type Executor<T extends ActionType = ActionType> = (x: Xlate, a: ActionFor<T>, env: ExecutorEnv) => Flow;

/** Resolves a port reference against the current bridge (names, numbers, reserved ports). */
function portNumber(x: Xlate, p: PortRef): number | undefined {
  if (p.kind === 'number') return p.port;
  const bp = x.bridge.portByName.get(p.name);
  if (!bp) {
    x.warn(`port "${p.name}" is not a port of bridge ${x.bridge.name}`);
    return undefined;
  }
  return bp.ofport;
}

/** The fields setFieldValue writes through the VLAN TCI rather than as plain bits. */
const VLAN_SPECIAL: ReadonlySet<string> = new Set(['dl_vlan', 'vlan_vid', 'dl_vlan_pcp', 'vlan_pcp']);

/** Sets a field as OVS `mf_set_flow_value_masked()` does, with the VLAN special cases. */
function setFieldValue(x: Xlate, f: FieldDef, value: bigint, mask: bigint | undefined): void {
  const s = x.s;
  // The old value only feeds the `set` node of a detailed tree (x.changed ignores it otherwise).
  const old = x.rep.detailed ? s.get(f) : 0n;
  switch (f.name) {
    case 'dl_vlan': {
      const tci = s.space(SP.vlan_tci);
      // flow_set_dl_vlan(): 0xffff (OFP10_VLAN_NONE) removes the tag.
      if (value === 0xffffn) s.setSpace(SP.vlan_tci, 0n);
      else s.setSpace(SP.vlan_tci, (tci & ~0xfffn) | (value & 0xfffn) | VLAN_CFI);
      break;
    }
    case 'vlan_vid': {
      // flow_set_vlan_vid(): bit 12 (OFPVID_PRESENT) becomes CFI.
      const tci = s.space(SP.vlan_tci);
      s.setSpace(SP.vlan_tci, (tci & ~0x1fffn) | (value & 0xfffn) | (value & 0x1000n ? VLAN_CFI : 0n));
      break;
    }
    case 'dl_vlan_pcp':
    case 'vlan_pcp': {
      const tci = s.space(SP.vlan_tci);
      s.setSpace(SP.vlan_tci, (tci & ~0xe000n) | ((value & 7n) << 13n) | VLAN_CFI);
      break;
    }
    default:
      if (mask === undefined) s.set(f, value);
      else s.setMasked(f, value, mask);
  }
  x.changed(f, old);
}

/** `set_field` / `load` (OVS 3.1 decodes both into OFPACT_SET_FIELD). */
function execSetField(x: Xlate, f: FieldDef, value: bigint, mask: bigint | undefined): Flow {
  if (!prereqsOk(x.s, f)) {
    x.warn(`unmet prerequisites for ${f.mfName}, set_field ignored`, { field: f.name });
    return;
  }
  setFieldValue(x, f, value, mask);
}

/** `r`'s bits in field coordinates, made once per (offset, width): OVN loads single bits of registers all the time. */
const SUB_MASKS = new Map<number, bigint>();
function subMask(r: FieldRef): bigint {
  const key = r.ofs * 4096 + r.nBits;
  let m = SUB_MASKS.get(key);
  if (m === undefined) SUB_MASKS.set(key, (m = ((1n << BigInt(r.nBits)) - 1n) << BigInt(r.ofs)));
  return m;
}

function ifIpv4(x: Xlate, fn: () => void): void {
  if (x.s.space(SP.dl_type) === ETH_TYPE_IP) fn();
}

function ifIp(x: Xlate, fn: () => void): void {
  if (x.s.isIp()) fn();
}

function setSpaceReport(x: Xlate, f: FieldDef, value: bigint): void {
  const old = x.rep.detailed ? x.s.get(f) : 0n;
  x.s.set(f, value);
  x.changed(f, old);
}

/**
 * An action ovnscope does not simulate: a warning, and a drop of reason UNSUPPORTED at the flow
 * that holds it, so that a packet going nowhere afterwards reads as "the trace could not follow
 * it here" (verdict error), never as a table miss further on that the skipped action may have
 * caused or avoided.
 */
function unsupported(x: Xlate, what: string): Flow {
  const msg = `action ${what} is not simulated by ovnscope: ignored (the trace may differ from OVS from here)`;
  x.warnings.push(msg);
  x.unsupported = true;
  x.warn(msg);
  recordUnsupported(x, `action ${what} is not simulated by ovnscope`);
}

function recordUnsupported(x: Xlate, what: string): void {
  const w = x.where();
  const file = x.bridge.state.flowsFile;
  const at = w.line !== undefined ? ` (table ${w.table}, ${file ? `${file}:${w.line}` : `line ${w.line}`})` : ` (table ${w.table})`;
  x.drops.push({ pass: x.pass, bridge: x.bridge.name, reason: 'UNSUPPORTED', explanation: `${what}${at}: the trace cannot say where the packet goes from here`, where: w, packet: x.s.clone() });
}

function memberText(m: MemberLiveness): string {
  const name = m.name ?? `port ${m.ofport}`;
  return `${m.chassis ? `tunnel ${name} (chassis ${m.chassis})` : name} ${m.why}`;
}

/** `xlate_bundle_action()`: choose a member (bundle.ts), then output to it or load it into a field. */
function execBundle(x: Xlate, a: ActionFor<'bundle'>, env: ExecutorEnv): Flow {
  const ports = a.members.map((m) => portNumber(x, m) ?? 0);
  const c: BundleChoice = bundleExecute(a, ports, x.s, (p) => x.bridge.portByOfport.get(p));
  const chosen = c.members.find((m) => m.ofport === c.port);
  const name = a.dst ? 'bundle_load' : 'bundle';
  x.report('action', 'summary', () => `${name} ${a.algorithm}: ${chosen ? `member ${chosen.name ?? chosen.ofport} (ofport ${chosen.ofport}${chosen.chassis ? `, chassis ${chosen.chassis}` : ''})` : 'no live member'} — ${c.members.map(memberText).join('; ')}`, {
    algorithm: a.algorithm,
    chosen: c.port,
    members: c.members,
  });
  if (c.hrw && x.rep.detailed) {
    const hrw = c.hrw;
    x.report('action', 'detailed', () => `hrw: flow hash 0x${hrw.flowHash.toString(16)} (${a.fields}, basis ${a.basis}); ${hrw.scores.map((sc) => `ofport ${sc.ofport} weight 0x${sc.score.toString(16)}`).join(', ')}`);
  }
  for (const m of c.members) {
    if (!m.assumed) continue;
    const msg = `${name}: liveness of member ${m.name ?? m.ofport} is not in the snapshot (${m.why}); OVS may choose another member`;
    x.warnings.push(msg);
    x.warn(msg);
  }
  if (c.notReproduced) {
    const msg = `${name}(${a.fields},${a.basis},hrw): ${c.notReproduced}; OVS may choose another member`;
    x.warnings.push(msg);
    x.warn(msg);
  }
  if (a.dst) {
    // nxm_reg_load(): the port number, OFPP_NONE (0xffff) when no member is live.
    const old = x.s.get(a.dst.field);
    x.s.setSub(a.dst, BigInt(c.port));
    if (x.rep.detailed) {
      const now = x.s.get(a.dst.field);
      const dst = a.dst;
      x.report('action', 'detailed', () => formatSubfieldValue(dst, now));
    }
    x.changed(a.dst.field, old);
    return;
  }
  if (c.port === OFPP.NONE) {
    // xlate_output_action(OFPP_NONE) outputs nothing: with no other output the packet is dropped.
    const tunnels = c.members.length > 0 && c.members.every((m) => m.chassis);
    const what = tunnels ? 'no gateway chassis is reachable' : `no member of ${name}(${a.algorithm}) is live`;
    x.drops.push({
      pass: x.pass,
      bridge: x.bridge.name,
      reason: 'NO_LIVE_MEMBER',
      explanation: `${what}: ${c.members.map(memberText).join(', ')} — OVS outputs the packet nowhere`,
      where: x.where(),
      packet: x.s.clone(),
    });
    return;
  }
  x.outputAction(c.port, env.last, env.inBucket);
}

const executors = {
  output: (x, a, env) => {
    const p = portNumber(x, a.port);
    if (p !== undefined) x.outputAction(p, env.last, env.inBucket);
  },
  output_reg: (x, a, env) => {
    const port = x.s.getSub(a.src);
    if (port <= 0xffffn) {
      x.report('action', 'detailed', () => `output port is ${port}`);
      x.outputAction(Number(port), env.last, env.inBucket);
    } else x.warn(`output port ${port} is out of range`);
  },
  output_trunc: (x, a, env) => {
    const p = portNumber(x, a.port);
    if (p !== undefined) x.outputAction(p, env.last, env.inBucket);
  },
  enqueue: (x, a, env) => {
    const p = portNumber(x, a.port);
    if (p !== undefined) x.outputAction(p === OFPP.IN_PORT ? x.s.inPort : p, env.last, env.inBucket);
  },
  controller: (x, a) => {
    const op = decodeOvnUserdata(a.userdata);
    x.controller(a.reason, op, a.pause);
    if (a.pause) {
      x.triggerFreeze({ reason: 'pause', text: 'controller(pause): ovn-controller gets the packet and resumes the pipeline' });
      return 'exit';
    }
  },
  resubmit: (x, a, env) => {
    let inPort = x.s.inPort;
    if (a.port) {
      const p = portNumber(x, a.port);
      if (p === undefined) return;
      if (p !== OFPP.IN_PORT) inPort = p;
    }
    const table = a.table ?? x.tableId;
    x.tableAction(inPort, table, a.ct, env.last);
  },
  goto_table: (x, a, env) => {
    x.tableAction(x.s.inPort, a.table, false, env.last);
  },
  load: (x, a) => {
    const r = a.dst;
    if (r.ofs === 0 && r.nBits === r.field.width) return execSetField(x, r.field, a.value, undefined);
    if (VLAN_SPECIAL.has(r.field.name)) return execSetField(x, r.field, a.value << bigOf(r.ofs), subMask(r));
    // A subfield of a plain field (OVN: bits of registers): setSub writes it as a word.
    const f = r.field;
    if (!prereqsOk(x.s, f)) {
      x.warn(`unmet prerequisites for ${f.mfName}, set_field ignored`, { field: f.name });
      return;
    }
    const old = x.rep.detailed ? x.s.get(f) : 0n;
    x.s.setSub(r, a.value);
    x.changed(f, old);
  },
  set_field: (x, a) => {
    let value = a.value;
    if (a.port) {
      const p = portNumber(x, a.port);
      if (p === undefined) return;
      value = BigInt(p);
    }
    return execSetField(x, a.field, value, a.mask);
  },
  move: (x, a) => {
    const old = x.rep.detailed ? x.s.get(a.dst.field) : 0n;
    x.s.moveSub(a.src, a.dst);
    // The value now, formatted when read (the packet will have moved on by then). Detailed
    // nodes only exist in a detailed tree: elsewhere not even their thunks are made.
    if (x.rep.detailed) {
      const now = x.s.get(a.dst.field);
      x.report('action', 'detailed', () => formatSubfieldValue(a.dst, now));
    }
    x.changed(a.dst.field, old);
  },
  push: (x, a) => {
    x.stack.push(x.s.getSub(a.src));
  },
  pop: (x, a) => {
    const v = x.stack.pop();
    if (v === undefined) {
      x.warn('stack underflow');
      return;
    }
    const old = x.s.get(a.dst.field);
    x.s.setSub(a.dst, v);
    if (x.rep.detailed) {
      const now = x.s.get(a.dst.field);
      x.report('action', 'detailed', () => formatSubfieldValue(a.dst, now));
    }
    x.changed(a.dst.field, old);
  },
  drop: () => undefined,
  ct: (x, a, env) => {
    let zone = 0;
    if (typeof a.zone === 'number') zone = a.zone;
    else if (a.zone) zone = Number(x.s.getSub(a.zone));
    x.ctNat = null;
    // The datapath looks the connection up before this action commits it: a connection this ct
    // creates is new to the packet that creates it.
    const found = a.table !== undefined ? x.ctLookup(zone) : undefined;
    if (a.commit) x.ctCommit(zone, a.nat);
    // Nested actions: nat(...) then exec(...), as OVS keeps them inside the ct action (an
    // empty nested list prints "drop" in ofproto/trace, which drops nothing).
    if (a.nat) {
      const nat = a.nat;
      if (x.rep.detailed) x.report('ct', 'detailed', () => natText(nat), { nat: nat.kind ?? 'existing' });
      x.ctNat = nat;
    } else if (!a.exec.length && x.rep.detailed) x.report('action', 'detailed', 'drop');
    if (a.exec.length) x.doActions(a.exec, env.last, false);
    if (a.table !== undefined) {
      x.conntracked = true;
      x.forkRecirc(a.table, zone, found, a.commit);
    }
    x.ctNat = null;
    x.s.clearConntrack();
    if (x.rep.detailed)
      x.report('ct', 'detailed', 'Sets the packet to an untracked state, and clears all the conntrack fields.', {
        zone,
        commit: a.commit,
        ...(a.table !== undefined ? { table: a.table } : {}),
      });
    x.conntracked = false;
  },
  ct_clear: (x) => {
    if (x.conntracked) {
      x.conntracked = false;
      x.s.clearConntrack();
    }
  },
  conjunction: (x) => {
    x.warn('executing no-op conjunction action');
  },
  group: (x, a, env) => x.group(a.groupId, env.last),
  clone: (x, a, env) => {
    x.cloneActions(a.actions, env.last);
  },
  dec_ttl: (x, a) => {
    const s = x.s;
    if (!s.isIp()) return;
    const ttl = s.space(SP.nw_ttl);
    if (ttl > 1n) {
      setSpaceReport(x, F.nw_ttl, ttl - 1n);
      return;
    }
    for (const id of a.cntIds ?? []) x.controller(`invalid_ttl (controller ${id})`, undefined, false);
    const v = s.space(SP.dl_type) === ETH_TYPE_IP ? 4 : 6;
    x.warn(`IPv${v} decrement TTL exception`, { ttl: Number(ttl) });
    x.drops.push({ pass: x.pass, bridge: x.bridge.name, reason: 'TTL_EXPIRED', explanation: `TTL ${ttl} cannot be decremented (dec_ttl)`, where: x.where(), packet: x.s.clone() });
    return 'return';
  },
  mod_dl_src: (x, a) => setSpaceReport(x, F.dl_src, a.mac),
  mod_dl_dst: (x, a) => setSpaceReport(x, F.dl_dst, a.mac),
  mod_nw_src: (x, a) => ifIpv4(x, () => setSpaceReport(x, F.nw_src, a.ip)),
  mod_nw_dst: (x, a) => ifIpv4(x, () => setSpaceReport(x, F.nw_dst, a.ip)),
  mod_nw_tos: (x, a) => ifIp(x, () => setSpaceReport(x, F.nw_tos, BigInt(a.value))),
  mod_nw_ecn: (x, a) => ifIp(x, () => setSpaceReport(x, F.nw_ecn, BigInt(a.value))),
  mod_nw_ttl: (x, a) => ifIp(x, () => setSpaceReport(x, F.nw_ttl, BigInt(a.value))),
  mod_tp_src: (x, a) => ifIp(x, () => (x.s.space(SP.ip_frag) & 2n ? undefined : setSpaceReport(x, F.tp_src, BigInt(a.port)))),
  mod_tp_dst: (x, a) => ifIp(x, () => (x.s.space(SP.ip_frag) & 2n ? undefined : setSpaceReport(x, F.tp_dst, BigInt(a.port)))),
  push_vlan: (x) => {
    const s = x.s;
    const old = s.space(SP.vlan_tci);
    s.setSpace(SP.vlan_tci1, old);
    s.setSpace(SP.vlan_tci, VLAN_CFI);
    x.changed(F.vlan_tci, old);
  },
  pop_vlan: (x) => {
    const s = x.s;
    const old = s.space(SP.vlan_tci);
    if (old === 0n) return;
    s.setSpace(SP.vlan_tci, s.space(SP.vlan_tci1));
    s.setSpace(SP.vlan_tci1, 0n);
    x.changed(F.vlan_tci, old);
  },
  set_vlan_vid: (x, a) => {
    const s = x.s;
    const tci = s.space(SP.vlan_tci);
    if (tci & VLAN_CFI || a.pushIfNeeded) setSpaceReport(x, F.vlan_tci, (tci & ~0xfffn) | BigInt(a.vid & 0xfff) | VLAN_CFI);
  },
  set_vlan_pcp: (x, a) => {
    const s = x.s;
    const tci = s.space(SP.vlan_tci);
    if (tci & VLAN_CFI || a.pushIfNeeded) setSpaceReport(x, F.vlan_tci, (tci & ~0xe000n) | (BigInt(a.pcp & 7) << 13n) | VLAN_CFI);
  },
  set_tunnel: (x, a) => setSpaceReport(x, F.tun_id, a.tunId),
  check_pkt_larger: (x, a, env) => {
    const larger = x.opts.size > a.pktLen;
    const remaining = env.list.slice(env.index + 1);
    const dst = a.dst;
    const s = x.s;
    const oldState = s.clone();
    const oldStack = x.stack;
    const oldActionSet = x.actionSet;
    const oldConntracked = x.conntracked;
    // OVS translates both branches (greater, then less-or-equal) into check_pkt_len(); the
    // packet takes one of them. We follow the one its length selects and show the other
    // as not taken. The packet state is restored afterwards, as OVS does.
    const runBranch = (bit: 0n | 1n, node: ReturnType<Xlate['report']>, taken: boolean) => {
      x.stack = oldStack.slice();
      x.actionSet = oldActionSet.slice();
      s.assign(oldState);
      x.conntracked = oldConntracked;
      const mark = x.outputs.length;
      const cmark = x.controllers.length;
      const dmark = x.drops.length;
      const qmark = x.recircQueue.length;
      const fmark = x.freezes.length;
      x.rep.within(node, () => {
        const old = s.get(dst.field);
        s.setSub(dst, bit);
        x.changed(dst.field, old);
        x.doActions(remaining, true, false);
        if (!x.freezing) x.executeActionSet();
        if (x.freezing) x.finishFreezing();
      });
      if (!taken) {
        x.outputs.length = mark;
        x.controllers.length = cmark;
        x.drops.length = dmark;
        x.freezes.length = fmark;
        // Recirculations of the branch not taken are not followed, but ofproto/trace still
        // resumes them in queue order (consuming --ct-next states): keep them as placeholders.
        for (let i = qmark; i < x.recircQueue.length; i++) x.recircQueue[i] = { ...x.recircQueue[i], skip: true };
      }
    };
    const summary = x.report(
      'action',
      'summary',
      () => `packet length ${x.opts.size} ${larger ? '>' : '<='} ${a.pktLen}: ${formatSubfieldNowText(dst)} = ${larger ? 1 : 0}`,
      { size: x.opts.size, pktLen: a.pktLen, larger },
    );
    const gt = makeBranch(x, summary, `if larger than ${a.pktLen}${larger ? '' : ' (not taken)'}`, larger ? 'summary' : 'detailed');
    runBranch(1n, gt, larger);
    const exitAfterGt = x.exit;
    x.exit = false;
    const le = makeBranch(x, summary, `if not larger than ${a.pktLen}${larger ? ' (not taken)' : ''}`, larger ? 'detailed' : 'summary');
    runBranch(0n, le, !larger);
    x.actionSet = oldActionSet;
    x.stack = oldStack;
    x.conntracked = oldConntracked;
    s.assign(oldState);
    x.exit = exitAfterGt;
    return 'exit';
  },
  learn: (x, a) => {
    x.report('note', 'detailed', () => `learn: would add a flow to table ${a.table}${a.priority !== undefined ? ` priority ${a.priority}` : ''} (not applied by the trace)`, {
      table: a.table,
    });
  },
  note: () => undefined,
  meter: () => undefined,
  sample: () => undefined,
  fin_timeout: () => undefined,
  exit: (x) => {
    x.exit = true;
  },
  set_queue: (x, a) => {
    x.report('note', 'detailed', () => `queue ${a.queue} (QoS only, no effect on forwarding in the trace)`);
  },
  pop_queue: () => undefined,
  multipath: (x) => unsupported(x, 'multipath'),
  bundle: execBundle,
  encap: (x) => unsupported(x, 'encap'),
  decap: (x) => unsupported(x, 'decap'),
  write_metadata: (x, a) => {
    const old = x.s.get(F.metadata);
    x.s.setMasked(F.metadata, a.value, a.mask ?? 0xffffffffffffffffn);
    x.changed(F.metadata, old);
  },
  clear_actions: (x) => {
    x.actionSet = [];
    x.actionSetHasGroup = false;
    x.s.setSpace(SP.actset_output, BigInt(OFPP.UNSET));
  },
  write_actions: (x, a) => {
    x.writeActions(a.actions);
  },
  apply_actions: (x, a, env) => {
    x.doActions(a.actions, env.last, env.inBucket);
  },
  dec_nsh_ttl: (x) => unsupported(x, 'dec_nsh_ttl'),
  dec_mpls_ttl: (x) => unsupported(x, 'dec_mpls_ttl'),
  set_mpls_label: (x) => unsupported(x, 'set_mpls_label'),
  set_mpls_tc: (x) => unsupported(x, 'set_mpls_tc'),
  set_mpls_ttl: (x) => unsupported(x, 'set_mpls_ttl'),
  push_mpls: (x) => unsupported(x, 'push_mpls'),
  pop_mpls: (x) => unsupported(x, 'pop_mpls'),
  debug_recirc: (x) => {
    x.triggerFreeze({ reason: 'debug_recirc', text: 'debug_recirc' });
    return 'exit';
  },
  debug_slow: () => undefined,
  delete_field: (x, a) => {
    const m = /^tun_metadata(\d+)$/.exec(a.field.name);
    if (m) x.s.deleteTunMetadata(Number(m[1]));
    else x.warn(`delete_field: ${a.field.name} cannot be deleted`);
  },
  unknown: (x, a) => {
    const msg = `UNKNOWN ACTION "${a.text}": ovnscope could not read it, so it was NOT executed — the trace is unreliable from here`;
    x.warnings.push(msg);
    x.unsupported = true;
    x.warn(msg, { action: a.text });
    recordUnsupported(x, `action "${a.text}" could not be read by ovnscope`);
  },
} satisfies { readonly [K in ActionType]: Executor<K> };

/** Every action type has an executor (checked at compile time by the `satisfies` above). */
export const EXECUTORS: Readonly<Record<Action['type'], Executor>> = executors as unknown as Readonly<Record<Action['type'], Executor>>;

function makeBranch(x: Xlate, parent: ReturnType<Xlate['report']>, text: string, detail: 'summary' | 'detailed') {
  return x.rep.within(parent, () => x.report('action', detail, text));
}

function formatSubfieldNowText(r: FieldRef): string {
  const name = r.field.nxmName ?? r.field.mfName;
  return r.nBits === 1 ? `${name}[${r.ofs}]` : `${name}[${r.ofs}..${r.ofs + r.nBits - 1}]`;
}

function natText(n: NonNullable<ActionFor<'ct'>['nat']>): string {
  if (!n.kind) return 'nat';
  let out = 'nat(' + n.kind;
  if (n.family && n.addrMin !== undefined) {
    const f = (v: bigint) => formatFieldValue(n.family === 4 ? F.nw_src : F.ipv6_src, v);
    out += '=' + f(n.addrMin);
    if (n.addrMax !== undefined && n.addrMax !== n.addrMin && n.addrMax !== 0n) out += '-' + f(n.addrMax);
    if (n.portMin) out += ':' + n.portMin + (n.portMax && n.portMax !== n.portMin ? '-' + n.portMax : '');
  }
  return out + ')';
}

