/**
 * Redaction of OpenFlow dumps (`ovs-ofctl dump-flows` / `dump-groups`) through the project's
 * parser and formatter, so every value is mapped by what it is, not by what it looks like:
 *
 *  - fields whose format is ipv4/ipv6/mac (nw_src, arp_spa, tun_dst, ct_nw_dst, nd_target,
 *    dl_src, arp_sha, ...) in matches, set_field, load (full width), mod_nw_*, mod_dl_*, learn;
 *    masked values are mapped and masked again;
 *  - registers (reg/xreg/xxreg): a value, or the contiguous run of bits a mask selects, is mapped
 *    only when it equals an address the snapshot contains (32 bits: IPv4, 48: MAC, 128: IPv6), or
 *    when it is the top of a 32/128-bit slot matching a network of the snapshot
 *    (`reg0=0xa020000/0xffff0000` for 10.2.0.0/16). Anything else in a register is a flag or a
 *    key and stays;
 *  - `ct(nat(src=…|dst=…))` ranges (each end is mapped; an inverted range is reported);
 *  - `controller(userdata=…)`: OVN's pinctrl payload is decoded (see `walkUserdata`) and the
 *    addresses and strings it carries are rewritten in place;
 *  - port names (with `--names` dumps) and unknown action text go through the name mapper.
 *
 * A line the parser cannot read, or cannot reproduce byte for byte, is mapped as text instead
 * and reported.
 */
import { REGISTER_SPACES, type FieldDef } from '../model/fields.js';
import type { Action, FieldRef, FlowEntry, Group, LearnSpec, MatchItem, NatSpec, PortRef } from '../model/flow.js';
import { cidrBits, isCidrMask, onesMask } from '../model/masked.js';
import { formatFlow, parseOfctlFlows } from '../parse/ofctl-flows.js';
import { formatGroup, parseOfctlGroups } from '../parse/ofctl-groups.js';
import type { AddressKind, Redactor } from './redact.js';
import { rewriteText } from './redact-text.js';

/** What the walkers do with each kind of value (learn it, or map it). */
export interface ValueFx {
  /** An address; with `mask` (not all-ones) the value is masked and the result must be masked too. */
  addr(kind: AddressKind, value: bigint, mask?: bigint): bigint;
  /** A register value (or the bits `mask` selects of it) of a `width`-bit field. */
  reg(value: bigint, mask: bigint, width: number): bigint;
  userdata(data: readonly number[]): readonly number[];
  note(data: readonly number[]): readonly number[];
  port(name: string): string;
  text(t: string): string;
  /** Something the map cannot keep exact (reported, with the flow's line). */
  inexact(what: string): void;
}

export function addressKindOf(f: FieldDef): AddressKind | undefined {
  return f.format === 'ipv4' || f.format === 'ipv6' || f.format === 'mac' ? f.format : undefined;
}

const isRegister = (f: FieldDef) => REGISTER_SPACES.includes(f.storage.space);

function trailingZeros(v: bigint): number {
  let n = 0;
  while (v > 0n && (v & 1n) === 0n) {
    v >>= 1n;
    n++;
  }
  return n;
}

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/**
 * A register value (masked by `mask`) mapped when it holds an address of the snapshot: see the
 * module comment for the rule.
 */
export function mapRegister(r: Redactor, value: bigint, mask: bigint, width: number): bigint {
  if (mask === 0n) return value;
  const lo = trailingZeros(mask);
  const run = mask >> BigInt(lo);
  if ((run & (run + 1n)) !== 0n) return value; // not one contiguous run
  const w = bitLength(run);
  const sub = (value >> BigInt(lo)) & run;
  let img: bigint | undefined;
  if (w === 32 && r.knows('ipv4', sub)) img = r.ipv4(sub);
  else if (w === 48 && r.knows('mac', sub)) img = r.mac(sub);
  else if (w === 128 && r.knows('ipv6', sub)) img = r.ipv6(sub);
  else if (w < 32 && (lo + w) % 32 === 0 && lo + w <= width) {
    const net = sub << BigInt(32 - w);
    if (r.knowsNetwork('ipv4', net, w)) img = r.ipv4(net) >> BigInt(32 - w);
  } else if (w > 32 && w < 128 && lo + w === 128 && width === 128) {
    const net = sub << BigInt(128 - w);
    if (r.knowsNetwork('ipv6', net, w)) img = r.ipv6(net) >> BigInt(128 - w);
  }
  if (img === undefined || img === sub) return value;
  return (value & ~(run << BigInt(lo))) | (img << BigInt(lo));
}

// ---------------------------------------------------------------------------------------------
// Flow structures

function mapPort(p: PortRef | undefined, fx: ValueFx): PortRef | undefined {
  if (!p || p.kind !== 'name') return p;
  const name = fx.port(p.name);
  return name === p.name ? p : { kind: 'name', name };
}

function mapItem(it: MatchItem, fx: ValueFx): MatchItem {
  const f = it.field;
  if (it.port) {
    const port = mapPort(it.port, fx);
    return port === it.port ? it : { ...it, port };
  }
  const kind = addressKindOf(f);
  if (kind) {
    const full = it.mask === onesMask(f.width);
    const v = fx.addr(kind, it.value, full ? undefined : it.mask);
    return v === it.value ? it : { ...it, value: v };
  }
  if (isRegister(f)) {
    const v = fx.reg(it.value, it.mask, f.width);
    return v === it.value ? it : { ...it, value: v };
  }
  return it;
}

/** A value written to a sub-field (`load:V->F[ofs..]`, learn load/match). */
function mapSubfieldValue(value: bigint, dst: FieldRef, fx: ValueFx): bigint {
  const f = dst.field;
  const kind = addressKindOf(f);
  if (kind) {
    if (dst.ofs === 0 && dst.nBits === f.width) return fx.addr(kind, value);
    if (value !== 0n) fx.inexact(`a partial write of ${kind} field ${f.name} (bits ${dst.ofs}..${dst.ofs + dst.nBits - 1}) is left as it is`);
    return value;
  }
  if (isRegister(f)) {
    const shifted = value << BigInt(dst.ofs);
    return fx.reg(shifted, onesMask(dst.nBits) << BigInt(dst.ofs), f.width) >> BigInt(dst.ofs);
  }
  return value;
}

function mapNat(n: NatSpec, fx: ValueFx): NatSpec {
  if (!n.family || n.addrMin === undefined) return n;
  const kind: AddressKind = n.family === 4 ? 'ipv4' : 'ipv6';
  const lo = fx.addr(kind, n.addrMin);
  const hi = n.addrMax !== undefined && n.addrMax !== 0n && n.addrMax !== n.addrMin ? fx.addr(kind, n.addrMax) : undefined;
  if (hi !== undefined && hi < lo) fx.inexact('a ct nat address range whose ends map out of order (ranges are not kept by a prefix-preserving map)');
  if (lo === n.addrMin && (hi === undefined || hi === n.addrMax)) return n;
  return { ...n, addrMin: lo, ...(hi !== undefined ? { addrMax: hi } : {}) };
}

function mapLearnSpec(sp: LearnSpec, fx: ValueFx): LearnSpec {
  switch (sp.kind) {
    case 'match_imm': {
      if (sp.port) {
        const port = mapPort(sp.port, fx);
        return port === sp.port ? sp : { ...sp, port };
      }
      const v = mapSubfieldValue(sp.value, sp.dst, fx);
      return v === sp.value ? sp : { ...sp, value: v };
    }
    case 'load_imm': {
      const v = mapSubfieldValue(sp.value, sp.dst, fx);
      return v === sp.value ? sp : { ...sp, value: v };
    }
    default:
      return sp;
  }
}

export function mapActions(actions: readonly Action[], fx: ValueFx): readonly Action[] {
  let changed = false;
  const out = actions.map((a) => {
    const b = mapAction(a, fx);
    if (b !== a) changed = true;
    return b;
  });
  return changed ? out : actions;
}

function mapAction(a: Action, fx: ValueFx): Action {
  switch (a.type) {
    case 'output':
    case 'enqueue':
    case 'output_trunc': {
      const port = mapPort(a.port, fx)!;
      return port === a.port ? a : { ...a, port };
    }
    case 'resubmit': {
      const port = mapPort(a.port, fx);
      return port === a.port ? a : { ...a, port };
    }
    case 'controller': {
      if (!a.userdata) return a;
      const u = fx.userdata(a.userdata);
      return u === a.userdata ? a : { ...a, userdata: u };
    }
    case 'note': {
      const d = fx.note(a.data);
      return d === a.data ? a : { ...a, data: d };
    }
    case 'load': {
      const v = mapSubfieldValue(a.value, a.dst, fx);
      return v === a.value ? a : { ...a, value: v };
    }
    case 'set_field': {
      if (a.port) {
        const port = mapPort(a.port, fx);
        return port === a.port ? a : { ...a, port };
      }
      const kind = addressKindOf(a.field);
      let v = a.value;
      if (kind) {
        const full = a.mask === undefined || a.mask === onesMask(a.field.width);
        v = fx.addr(kind, a.value, full ? undefined : a.mask);
      } else if (isRegister(a.field)) v = fx.reg(a.value, a.mask ?? onesMask(a.field.width), a.field.width);
      return v === a.value ? a : { ...a, value: v };
    }
    case 'mod_dl_src':
    case 'mod_dl_dst': {
      const mac = fx.addr('mac', a.mac);
      return mac === a.mac ? a : { ...a, mac };
    }
    case 'mod_nw_src':
    case 'mod_nw_dst': {
      const ip = fx.addr('ipv4', a.ip);
      return ip === a.ip ? a : { ...a, ip };
    }
    case 'ct': {
      const nat = a.nat ? mapNat(a.nat, fx) : undefined;
      const exec = mapActions(a.exec, fx);
      return nat === a.nat && exec === a.exec ? a : { ...a, exec, ...(nat ? { nat } : {}) };
    }
    case 'clone':
    case 'write_actions':
    case 'apply_actions': {
      const actions = mapActions(a.actions, fx);
      return actions === a.actions ? a : { ...a, actions };
    }
    case 'learn': {
      let changed = false;
      const specs = a.specs.map((sp) => {
        const m = mapLearnSpec(sp, fx);
        if (m !== sp) changed = true;
        return m;
      });
      return changed ? { ...a, specs } : a;
    }
    case 'bundle': {
      let changed = false;
      const members = a.members.map((p) => {
        const m = mapPort(p, fx)!;
        if (m !== p) changed = true;
        return m;
      });
      return changed ? { ...a, members } : a;
    }
    case 'sample': {
      const samplingPort = mapPort(a.samplingPort, fx);
      return samplingPort === a.samplingPort ? a : { ...a, samplingPort };
    }
    case 'encap':
    case 'decap': {
      const spec = fx.text(a.spec);
      return spec === a.spec ? a : { ...a, spec };
    }
    case 'unknown': {
      const text = fx.text(a.text);
      return text === a.text ? a : { ...a, text };
    }
    default:
      return a;
  }
}

export function mapFlowEntry(f: FlowEntry, fx: ValueFx): FlowEntry {
  let changed = false;
  const items = f.match.items.map((it) => {
    const m = mapItem(it, fx);
    if (m !== it) changed = true;
    return m;
  });
  const actions = mapActions(f.actions, fx);
  if (!changed && actions === f.actions) return f;
  return { ...f, match: { ...f.match, items }, actions };
}

export function mapGroup(g: Group, fx: ValueFx): Group {
  let changed = false;
  const buckets = g.buckets.map((b) => {
    const actions = mapActions(b.actions, fx);
    const watchPort = mapPort(b.watchPort, fx);
    if (actions === b.actions && watchPort === b.watchPort) return b;
    changed = true;
    return { ...b, actions, ...(watchPort ? { watchPort } : {}) };
  });
  return changed ? { ...g, buckets } : g;
}

// ---------------------------------------------------------------------------------------------
// OVN controller userdata

/** What the userdata walker does with the values it finds. */
export interface BytesHandler {
  addr(kind: AddressKind, value: bigint, mask?: bigint): bigint;
  reg(value: bigint, mask: bigint, width: number): bigint;
  text(s: string): string;
  /** Replaces known addresses found in bytes no decoder understood (mapping only). */
  sweep?(buf: number[], touched: Uint8Array): void;
}

/** OVN `enum action_opcode` values whose payload is a nested OpenFlow 1.5 action list. */
const NESTED_OPCODES = new Set([0 /* ARP */, 3 /* ND_NA */, 9 /* ND_NS */, 10 /* ICMP */, 11 /* TCP_RESET */, 12 /* ND_NA_ROUTER */, 14 /* ICMP4_ERROR */, 20 /* ICMP6_ERROR */, 22 /* REJECT */, 24 /* SCTP_ABORT */]);
const OP_PUT_DHCP_OPTS = 2;
const OP_PUT_DHCPV6_OPTS = 5;
const OP_LOG = 7;
const OP_PUT_ND_RA_OPTS = 8;
const OP_EVENT = 15;

type OxmKind = AddressKind | { readonly reg: number };
/** (class << 8 | field) → what the field holds, for the OXM/NXM headers OVN encodes (include/openvswitch/meta-flow.h). */
const OXM_FIELDS: ReadonlyMap<number, OxmKind> = (() => {
  const m = new Map<number, OxmKind>();
  const put = (cls: number, field: number, k: OxmKind) => m.set(cls * 256 + field, k);
  // NXM_OF (class 0x0000)
  put(0, 1, 'mac');
  put(0, 2, 'mac');
  put(0, 7, 'ipv4');
  put(0, 8, 'ipv4');
  put(0, 16, 'ipv4');
  put(0, 17, 'ipv4');
  // NXM_NX (class 0x0001)
  for (let r = 0; r < 16; r++) put(1, r, { reg: 32 });
  put(1, 17, 'mac');
  put(1, 18, 'mac');
  put(1, 19, 'ipv6');
  put(1, 20, 'ipv6');
  put(1, 23, 'ipv6');
  put(1, 24, 'mac');
  put(1, 25, 'mac');
  put(1, 31, 'ipv4');
  put(1, 32, 'ipv4');
  put(1, 109, 'ipv6');
  put(1, 110, 'ipv6');
  for (let r = 0; r < 4; r++) put(1, 111 + r, { reg: 128 });
  put(1, 120, 'ipv4');
  put(1, 121, 'ipv4');
  put(1, 122, 'ipv6');
  put(1, 123, 'ipv6');
  // OXM_OF (class 0x8000)
  put(0x8000, 3, 'mac');
  put(0x8000, 4, 'mac');
  put(0x8000, 11, 'ipv4');
  put(0x8000, 12, 'ipv4');
  put(0x8000, 22, 'ipv4');
  put(0x8000, 23, 'ipv4');
  put(0x8000, 24, 'mac');
  put(0x8000, 25, 'mac');
  put(0x8000, 26, 'ipv6');
  put(0x8000, 27, 'ipv6');
  put(0x8000, 31, 'ipv6');
  put(0x8000, 32, 'mac');
  put(0x8000, 33, 'mac');
  // OXM_OF_PKT_REG (class 0x8001): xreg
  for (let r = 0; r < 16; r++) put(0x8001, r, { reg: 64 });
  return m;
})();

const WIDTH: Readonly<Record<AddressKind, number>> = { ipv4: 4, ipv6: 16, mac: 6 };

function readBig(buf: readonly number[], o: number, len: number): bigint {
  let v = 0n;
  for (let k = 0; k < len; k++) v = (v << 8n) | BigInt(buf[o + k] & 0xff);
  return v;
}

function writeBig(buf: number[], o: number, len: number, v: bigint): void {
  for (let k = len - 1; k >= 0; k--) {
    buf[o + k] = Number(v & 0xffn);
    v >>= 8n;
  }
}

const be16 = (b: readonly number[], o: number) => (b[o] << 8) | b[o + 1];
const be32 = (b: readonly number[], o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/** An OXM/NXM header at `o` and its value; rewrites the value in place. Returns false when unknown. */
function oxmValue(buf: number[], o: number, end: number, h: BytesHandler): boolean {
  if (o + 4 > end) return false;
  const hdr = be32(buf, o);
  const cls = hdr >>> 16;
  const field = (hdr >>> 9) & 0x7f;
  const hm = (hdr >>> 8) & 1;
  const plen = hdr & 0xff;
  const vlen = hm ? plen / 2 : plen;
  const vo = o + 4;
  if (vo + plen > end) return false;
  const kind = OXM_FIELDS.get(cls * 256 + field);
  if (!kind) return true; // a known-harmless field (ports, TTL, ICMP type, ...)
  if (typeof kind === 'string') {
    if (vlen !== WIDTH[kind]) return false;
    const v = readBig(buf, vo, vlen);
    const mask = hm ? readBig(buf, vo + vlen, vlen) : undefined;
    const full = mask === undefined || mask === onesMask(vlen * 8);
    const nv = h.addr(kind, full ? v : v & mask!, full ? undefined : mask);
    if (nv !== v) writeBig(buf, vo, vlen, nv);
    return true;
  }
  if (vlen * 8 !== kind.reg) return false;
  const v = readBig(buf, vo, vlen);
  const mask = hm ? readBig(buf, vo + vlen, vlen) : onesMask(kind.reg);
  const nv = h.reg(v, mask, kind.reg);
  if (nv !== v) writeBig(buf, vo, vlen, nv);
  return true;
}

/** Walks an OpenFlow 1.5 action list in buf[start..end), marking what it understood. */
function walkOfActions(buf: number[], start: number, end: number, h: BytesHandler, touched: Uint8Array, depth: number): void {
  let p = start;
  while (p + 8 <= end) {
    const type = be16(buf, p);
    const len = be16(buf, p + 2);
    if (len < 8 || len % 8 !== 0 || p + len > end) return;
    if (type === 0x19) {
      // OFPAT_SET_FIELD: OXM TLV, then padding.
      if (oxmValue(buf, p + 4, p + len, h)) touched.fill(1, p, p + len);
    } else if (type === 0xffff && len >= 16 && be32(buf, p + 4) === 0x2320) {
      const sub = be16(buf, p + 8);
      if (sub === 7 && len === 24) {
        // NXAST_REG_LOAD: ofs_nbits, dst (NXM header), value (64 bits).
        const ofsNbits = be16(buf, p + 10);
        const ofs = ofsNbits >> 6;
        const nBits = (ofsNbits & 0x3f) + 1;
        const hdr = be32(buf, p + 12);
        const kind = OXM_FIELDS.get((hdr >>> 16) * 256 + ((hdr >>> 9) & 0x7f));
        const v = readBig(buf, p + 16, 8);
        let nv = v;
        if (kind && typeof kind === 'object') nv = h.reg(v << BigInt(ofs), onesMask(nBits) << BigInt(ofs), kind.reg) >> BigInt(ofs);
        else if (kind && ofs === 0 && nBits === WIDTH[kind] * 8) nv = h.addr(kind, v);
        if (nv !== v) writeBig(buf, p + 16, 8, nv);
        touched.fill(1, p, p + len);
      } else if (sub === 33) {
        // NXAST_REG_LOAD2: ext_action_header (16 bytes), then an OXM TLV.
        if (oxmValue(buf, p + 16, p + len, h)) touched.fill(1, p, p + len);
      } else if (sub === 35 && len >= 24 && depth < 8) {
        // NXAST_CT: 24-byte header, then nested actions.
        touched.fill(1, p, p + 24);
        walkOfActions(buf, p + 24, p + len, h, touched, depth + 1);
      } else if (sub === 42 && depth < 8) {
        // NXAST_CLONE: ext_action_header, then nested actions.
        touched.fill(1, p, p + 16);
        walkOfActions(buf, p + 16, p + len, h, touched, depth + 1);
      } else if (sub === 36) {
        // NXAST_NAT: 16-byte header, then the ranges range_present says.
        const present = be16(buf, p + 14);
        let q = p + 16;
        const take = (kind: AddressKind) => {
          const w = WIDTH[kind];
          if (q + w > p + len) return;
          const v = readBig(buf, q, w);
          const nv = h.addr(kind, v);
          if (nv !== v) writeBig(buf, q, w, nv);
          q += w;
        };
        if (present & 1) take('ipv4');
        if (present & 2) take('ipv4');
        if (present & 4) take('ipv6');
        if (present & 8) take('ipv6');
        touched.fill(1, p, p + len);
      } else if (sub === 6 || sub === 14 || sub === 1 || sub === 27 || sub === 28 || sub === 18) {
        // reg_move, resubmit, stack push/pop, dec_ttl: field references only.
        touched.fill(1, p, p + len);
      }
    } else if (type === 0x1c || type === 0 || type === 0x11 || type === 0x12 || type === 0x13 || type === 0x14 || type === 0x15 || type === 0x17 || type === 0x18 || type === 0x1a || type === 0x1b) {
      // copy_field, output, push/pop vlan/mpls, set/dec ttl, group, set_queue: no addresses.
      touched.fill(1, p, p + len);
    }
    p += len;
  }
}

const DHCP4_IPV4_OPTIONS = new Set([1, 3, 6, 7, 9, 16, 21, 28, 32, 41, 42, 44, 54, 150, 253]);
const DHCP4_STRING_OPTIONS = new Set([12, 15, 67, 210, 252, 254]);
const DHCP4_ROUTES = new Set([121, 249]);
const DHCP6_IPV6_OPTIONS = new Set([5, 23]);
const DHCP6_STRING_OPTIONS = new Set([24, 59, 60]);

/** Output under construction: bytes and whether a decoder understood them. */
class Builder {
  readonly bytes: number[] = [];
  readonly known: number[] = [];
  push(bs: readonly number[], understood: boolean): void {
    for (const b of bs) {
      this.bytes.push(b);
      this.known.push(understood ? 1 : 0);
    }
  }
}

const latin1 = (bs: readonly number[]) => Buffer.from(bs).toString('latin1');
const toBytes = (s: string) => [...Buffer.from(s, 'latin1')];
const printable = (bs: readonly number[]) => bs.every((b) => b >= 0x20 && b < 0x7f);

function mapAddrBytes(bs: readonly number[], kind: AddressKind, h: BytesHandler, maskBits?: number): number[] {
  const w = WIDTH[kind];
  const out = [...bs];
  for (let k = 0; k + w <= out.length; k += w) {
    const v = readBig(out, k, w);
    const nv = maskBits === undefined ? h.addr(kind, v) : h.addr(kind, v, maskBits === 0 ? 0n : onesMask(w * 8) ^ onesMask(w * 8 - maskBits));
    writeBig(out, k, w, nv);
  }
  return out;
}

function dhcp4(data: readonly number[], h: BytesHandler, b: Builder): void {
  b.push(data.slice(0, 16), true); // opcode, pad, OXM header of the result bit, its offset
  if (data.length < 20) return b.push(data.slice(16), false);
  b.push(mapAddrBytes(data.slice(16, 20), 'ipv4', h), true); // offerip
  let p = 20;
  while (p + 2 <= data.length) {
    const code = data[p];
    const len = data[p + 1];
    if (p + 2 + len > data.length) break;
    const val = data.slice(p + 2, p + 2 + len);
    if (DHCP4_IPV4_OPTIONS.has(code) && len % 4 === 0) b.push([code, len, ...mapAddrBytes(val, 'ipv4', h)], true);
    else if (code === 66 && len === 4 && !printable(val)) b.push([code, len, ...mapAddrBytes(val, 'ipv4', h)], true);
    else if (DHCP4_STRING_OPTIONS.has(code) || code === 66) {
      const s = toBytes(h.text(latin1(val)));
      if (s.length <= 255) b.push([code, s.length, ...s], true);
      else b.push([code, len, ...val], false);
    } else if (DHCP4_ROUTES.has(code)) {
      // RFC 3442 descriptors: prefix length, significant octets of the destination, router.
      const out: number[] = [];
      let q = 0;
      let okAll = true;
      while (q < len) {
        const plen = val[q];
        const nb = Math.ceil(plen / 8);
        if (plen > 32 || q + 1 + nb + 4 > len) {
          okAll = false;
          break;
        }
        const dest = [...val.slice(q + 1, q + 1 + nb), 0, 0, 0, 0].slice(0, 4);
        const md = mapAddrBytes(dest, 'ipv4', h, plen).slice(0, nb);
        out.push(plen, ...md, ...mapAddrBytes(val.slice(q + 1 + nb, q + 5 + nb), 'ipv4', h));
        q += 1 + nb + 4;
      }
      if (okAll) b.push([code, len, ...out], true);
      else b.push([code, len, ...val], false);
    } else b.push([code, len, ...val], false);
    p += 2 + len;
  }
  b.push(data.slice(p), false);
}

function dhcp6(data: readonly number[], h: BytesHandler, b: Builder): void {
  b.push(data.slice(0, 16), true);
  let p = 16;
  while (p + 4 <= data.length) {
    const code = be16(data, p);
    const len = be16(data, p + 2);
    if (p + 4 + len > data.length) break;
    const val = data.slice(p + 4, p + 4 + len);
    const head = (l: number) => [code >> 8, code & 0xff, l >> 8, l & 0xff];
    if (code === 2 && len === 6) b.push([...head(6), ...mapAddrBytes(val, 'mac', h)], true);
    else if (DHCP6_IPV6_OPTIONS.has(code) && len % 16 === 0) b.push([...head(len), ...mapAddrBytes(val, 'ipv6', h)], true);
    else if (DHCP6_STRING_OPTIONS.has(code)) {
      const s = toBytes(h.text(latin1(val)));
      b.push([...head(s.length), ...s], true);
    } else b.push([...head(len), ...val], false);
    p += 4 + len;
  }
  b.push(data.slice(p), false);
}

function ndRa(data: readonly number[], h: BytesHandler, b: Builder): void {
  b.push(data.slice(0, 32), true); // opcode, pad, OXM header, offset, RA header
  let p = 32;
  while (p + 2 <= data.length) {
    const type = data[p];
    const len = data[p + 1] * 8;
    if (len === 0 || p + len > data.length) break;
    const opt = [...data.slice(p, p + len)];
    let understood = true;
    if (type === 1 && len >= 8) writeBig(opt, 2, 6, h.addr('mac', readBig(opt, 2, 6)));
    else if (type === 3 && len === 32) {
      const plen = opt[2];
      writeBig(opt, 16, 16, h.addr('ipv6', readBig(opt, 16, 16), plen >= 128 ? undefined : onesMask(128) ^ onesMask(128 - plen)));
    } else if (type === 25) {
      for (let q = 8; q + 16 <= len; q += 16) writeBig(opt, q, 16, h.addr('ipv6', readBig(opt, q, 16)));
    } else if (type === 24 && len >= 8) {
      const plen = Math.min(opt[2], 128);
      const bytes = len - 8;
      const v = readBig([...opt.slice(8), ...new Array<number>(16).fill(0)], 0, 16);
      const nv = h.addr('ipv6', v, plen >= 128 ? undefined : onesMask(128) ^ onesMask(128 - plen));
      const nb: number[] = new Array<number>(16).fill(0);
      writeBig(nb, 0, 16, nv);
      for (let k = 0; k < bytes && k < 16; k++) opt[8 + k] = nb[k];
    } else if (type !== 5) understood = false;
    b.push(opt, understood);
    p += len;
  }
  b.push(data.slice(p), false);
}

/**
 * Rewrites the addresses and strings of OVN's `controller(userdata=…)` payload: a 4-byte opcode,
 * 4 bytes of padding, then per opcode (OVN lib/actions.c encoders): nested OpenFlow 1.5 actions
 * (arp, nd_ns, nd_na, icmp4/6, tcp_reset, reject, ...: set_field values by OXM field), DHCPv4
 * options (offer IP, IPv4 options, RFC 3442 routes, strings), DHCPv6 options, router
 * advertisement options (source MAC, prefixes, DNS), the ACL log name, controller-event strings
 * (empty_lb_backends: `vip`, `protocol`, `load_balancer`). Bytes no decoder understood are swept
 * for runs equal to addresses of the snapshot (h.sweep). Strings may change length (their
 * length fields are rewritten).
 */
export function walkUserdata(data: readonly number[], h: BytesHandler): number[] {
  let buf: number[];
  let touched: Uint8Array;
  const op = data.length >= 8 ? be32(data, 0) : -1;
  const built = (fill: (b: Builder) => void) => {
    const b = new Builder();
    fill(b);
    buf = b.bytes;
    touched = Uint8Array.from(b.known);
  };
  if (op === OP_PUT_DHCP_OPTS) built((b) => dhcp4(data, h, b));
  else if (op === OP_PUT_DHCPV6_OPTS) built((b) => dhcp6(data, h, b));
  else if (op === OP_PUT_ND_RA_OPTS && data.length >= 32) built((b) => ndRa(data, h, b));
  else if (op === OP_LOG && data.length >= 10) built((b) => {
    b.push(data.slice(0, 10), true);
    b.push(toBytes(h.text(latin1(data.slice(10)))), true);
  });
  else if (op === OP_EVENT && data.length >= 12) built((b) => {
    b.push(data.slice(0, 12), true);
    let p = 12;
    while (p + 4 <= data.length) {
      const code = be16(data, p);
      const size = be16(data, p + 2);
      if (p + 4 + size > data.length) break;
      const s = toBytes(h.text(latin1(data.slice(p + 4, p + 4 + size))));
      b.push([code >> 8, code & 0xff, s.length >> 8, s.length & 0xff, ...s], true);
      p += 4 + size;
    }
    b.push(data.slice(p), false);
  });
  else {
    buf = [...data];
    touched = new Uint8Array(buf.length);
    if (buf.length >= 8) touched.fill(1, 0, 8);
    if (NESTED_OPCODES.has(op)) walkOfActions(buf, 8, buf.length, h, touched, 0);
  }
  h.sweep?.(buf!, touched!);
  return buf!;
}

// ---------------------------------------------------------------------------------------------
// Value handlers

/** Learns every address the dumps hold (pass 1). */
export function learningFx(r: Redactor): ValueFx {
  const learnText = r.learner();
  const bytes: BytesHandler = {
    addr: (kind, v, mask) => {
      if (mask === undefined) r.learn(kind, v);
      else if (kind !== 'mac' && isCidrMask(mask, kind === 'ipv4' ? 32 : 128)) r.learnNetwork(kind, v & mask, cidrBits(mask, kind === 'ipv4' ? 32 : 128));
      return v;
    },
    reg: (v) => v,
    text: (s) => {
      rewriteText(s, learnText);
      return s;
    },
  };
  return {
    addr: bytes.addr,
    reg: (v) => v,
    userdata: (d) => {
      walkUserdata(d, bytes);
      return d;
    },
    note: (d) => d,
    port: (n) => n,
    text: (t) => {
      rewriteText(t, learnText);
      return t;
    },
    inexact: () => {},
  };
}

/** Maps every value (pass 2). `scope` = the host the dump comes from; `inexact` collects warnings. */
export function mappingFx(r: Redactor, scope: string | undefined, inexact: (what: string) => void): ValueFx {
  const sweep = (buf: number[], touched: Uint8Array) => r.sweepBytes(buf, touched);
  const addr = (kind: AddressKind, v: bigint, mask?: bigint): bigint => {
    if (mask === undefined) return r.address(kind, v);
    const m = r.masked(kind, v, mask);
    if (!m.exact) inexact(`a masked ${kind} value whose mask is not a prefix: only its leading ${cidrBits(mask, kind === 'ipv4' ? 32 : kind === 'ipv6' ? 128 : 48)} bits keep their meaning`);
    return m.value;
  };
  const bytes: BytesHandler = {
    addr,
    reg: (v, mask, width) => mapRegister(r, v, mask, width),
    text: (s) => r.text(s, scope),
    sweep,
  };
  const cmp = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  return {
    addr,
    reg: bytes.reg,
    userdata: (d) => {
      const out = walkUserdata(d, bytes);
      return cmp(out, d) ? d : out;
    },
    note: (d) => {
      const buf = [...d];
      sweep(buf, new Uint8Array(buf.length));
      return cmp(buf, d) ? d : buf;
    },
    port: (n) => r.replaceNames(n, scope),
    text: (t) => r.text(t, scope),
    inexact,
  };
}

// ---------------------------------------------------------------------------------------------
// Whole dumps

export interface DumpRewrite {
  readonly text: string;
  /** 1-based lines mapped as plain text (the parser could not read or reproduce them). */
  readonly fallbackLines: readonly number[];
  /** Values whose meaning the map cannot keep exactly, with their line. */
  readonly inexact: readonly { readonly line: number; readonly what: string }[];
}

type LineKind = 'skip' | 'header';

function classify(trimmed: string): LineKind | undefined {
  if (trimmed === '' || trimmed.startsWith('#')) return 'skip';
  if (/^[A-Z0-9_]+ reply/.test(trimmed)) return 'header';
  return undefined;
}

function rewriteLines<T extends { readonly line: number }>(
  text: string,
  entries: readonly T[],
  format: (e: T) => string,
  map: (e: T) => T,
  textLine: (s: string) => string,
  atLine: (line: number) => void,
): Pick<DumpRewrite, 'text' | 'fallbackLines'> {
  const byLine = new Map<number, T>();
  for (const e of entries) byLine.set(e.line, e);
  const lines = text.split('\n');
  const fallbackLines: number[] = [];
  for (let k = 0; k < lines.length; k++) {
    const raw = lines[k];
    const cr = raw.endsWith('\r') ? '\r' : '';
    const body = cr ? raw.slice(0, -1) : raw;
    const trimmed = body.trim();
    const e = byLine.get(k + 1);
    atLine(k + 1);
    if (e && format(e) === trimmed) {
      const lead = body.slice(0, body.length - body.trimStart().length);
      const tail = body.slice(body.trimEnd().length);
      lines[k] = lead + format(map(e)) + tail + cr;
      continue;
    }
    const kind = classify(trimmed);
    if (kind !== 'skip' && kind !== 'header') fallbackLines.push(k + 1);
    lines[k] = textLine(raw);
  }
  return { text: lines.join('\n'), fallbackLines };
}

/** Learns the addresses of a `dump-flows` output. */
export function learnFlowDump(text: string, r: Redactor): void {
  const fx = learningFx(r);
  const learnText = r.learner();
  const d = parseOfctlFlows(text).value;
  for (const f of d.flows) mapFlowEntry(f, fx);
  for (const u of d.unparsed) rewriteText(u.text, learnText);
}

export function learnGroupDump(text: string, r: Redactor): void {
  const fx = learningFx(r);
  const learnText = r.learner();
  const d = parseOfctlGroups(text).value;
  for (const g of d.groups) mapGroup(g, fx);
  for (const u of d.unparsed) rewriteText(u.text, learnText);
}

export function redactFlowDump(text: string, r: Redactor, scope?: string): DumpRewrite {
  const d = parseOfctlFlows(text).value;
  let line = 0;
  const inexact: { line: number; what: string }[] = [];
  const fx = mappingFx(r, scope, (what) => inexact.push({ line, what }));
  const out = rewriteLines(text, d.flows, formatFlow, (f) => mapFlowEntry(f, fx), (s) => r.text(s, scope), (l) => (line = l));
  return { ...out, inexact };
}

export function redactGroupDump(text: string, r: Redactor, scope?: string): DumpRewrite {
  const d = parseOfctlGroups(text).value;
  let line = 0;
  const inexact: { line: number; what: string }[] = [];
  const fx = mappingFx(r, scope, (what) => inexact.push({ line, what }));
  const out = rewriteLines(text, d.groups, formatGroup, (g) => mapGroup(g, fx), (s) => r.text(s, scope), (l) => (line = l));
  return { ...out, inexact };
}
