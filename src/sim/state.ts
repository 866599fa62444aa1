/**
 * Packet state for the interpreter: one bigint per storage space of the field registry
 * (`src/model/fields.ts`), so every view of overlapping fields (reg0/xreg0/xxreg0, tp_src/
 * icmp_type, nw_src/arp_spa, vlan_tci/dl_vlan/vlan_pcp, ...) reads and writes the same bits, the
 * way OVS's `struct flow` stores them.
 *
 * A few spaces exist only in the simulator (they are not OpenFlow fields but are part of OVS's
 * flow state and change what `ofproto/trace` prints or matches):
 *   - `tun_flags` is widened to OVS's internal flag word (oam 0x1, df 0x2, csum 0x4, key 0x8);
 *     the OpenFlow `tun_flags` field is its low bit only.
 *   - `tun_md_present`: bit N set when tun_metadataN is present (OVS `metadata.present.map`).
 *   - `vlan_tci1`: the second (inner) VLAN header, so push/pop_vlan keep two tags as OVS does.
 */
import { FIELDS, REGISTER_SPACES, field, type FieldDef } from '../model/fields.js';
import type { FieldRef } from '../model/flow.js';

export interface SpaceDef {
  readonly index: number;
  readonly name: string;
  readonly width: number;
}

const EXTRA_SPACES: readonly (readonly [string, number])[] = [
  ['tun_md_present', 64],
  ['vlan_tci1', 16],
];

/** Spaces wider than the widest field view that uses them. */
const WIDENED: Readonly<Record<string, number>> = { tun_flags: 16 };

function buildSpaces(): { spaces: SpaceDef[]; byName: Map<string, SpaceDef> } {
  const widths = new Map<string, number>();
  for (const f of FIELDS) {
    const w = f.storage.offset + f.storage.width;
    widths.set(f.storage.space, Math.max(widths.get(f.storage.space) ?? 0, w));
  }
  for (const [n, w] of Object.entries(WIDENED)) widths.set(n, Math.max(widths.get(n) ?? 0, w));
  for (const [n, w] of EXTRA_SPACES) widths.set(n, w);
  const spaces: SpaceDef[] = [];
  const byName = new Map<string, SpaceDef>();
  for (const [name, width] of widths) {
    const d = { index: spaces.length, name, width };
    spaces.push(d);
    byName.set(name, d);
  }
  return { spaces, byName };
}

const BUILT = buildSpaces();
export const SPACES: readonly SpaceDef[] = BUILT.spaces;
export const N_SPACES = SPACES.length;

export function spaceIndex(name: string): number {
  const s = BUILT.byName.get(name);
  if (!s) throw new Error(`unknown storage space ${name}`);
  return s.index;
}

/** Where a field lives: space index, bit offset, and the bits it owns (unshifted). */
export interface FieldAccess {
  readonly space: number;
  readonly offset: number;
  readonly shift: bigint;
  /** Mask of the field's own bits, not shifted (all-ones of its width, nw_tos: 0xfc). */
  readonly mask: bigint;
  /** `mask << shift` and its complement, precomputed: writes of whole fields allocate less. */
  readonly smask: bigint;
  readonly nsmask: bigint;
}

function buildAccess(): FieldAccess[] {
  return FIELDS.map((f) => {
    let mask = (1n << BigInt(f.storage.width)) - 1n;
    // nw_tos (OVS MFF_IP_DSCP) is the DSCP part of the TOS byte: reads and writes bits 2..7.
    if (f.name === 'nw_tos') mask = 0xfcn;
    const shift = BigInt(f.storage.offset);
    return { space: spaceIndex(f.storage.space), offset: f.storage.offset, shift, mask, smask: mask << shift, nsmask: ~(mask << shift) };
  });
}

export const ACCESS: readonly FieldAccess[] = buildAccess();

export function access(f: FieldDef): FieldAccess {
  return ACCESS[f.id];
}

// Frequently used spaces/fields, resolved once.
export const SP = {
  metadata: spaceIndex('metadata'),
  in_port: spaceIndex('in_port'),
  dl_type: spaceIndex('dl_type'),
  dl_src: spaceIndex('dl_src'),
  dl_dst: spaceIndex('dl_dst'),
  nw_proto: spaceIndex('nw_proto'),
  nw_src: spaceIndex('nw_src'),
  nw_dst: spaceIndex('nw_dst'),
  ipv6_src: spaceIndex('ipv6_src'),
  ipv6_dst: spaceIndex('ipv6_dst'),
  ipv6_label: spaceIndex('ipv6_label'),
  nw_ttl: spaceIndex('nw_ttl'),
  nw_tos: spaceIndex('nw_tos'),
  ip_frag: spaceIndex('ip_frag'),
  tp_src: spaceIndex('tp_src'),
  tp_dst: spaceIndex('tp_dst'),
  tcp_flags: spaceIndex('tcp_flags'),
  vlan_tci: spaceIndex('vlan_tci'),
  vlan_tci1: spaceIndex('vlan_tci1'),
  arp_sha: spaceIndex('arp_sha'),
  arp_tha: spaceIndex('arp_tha'),
  nd_target: spaceIndex('nd_target'),
  recirc_id: spaceIndex('recirc_id'),
  dp_hash: spaceIndex('dp_hash'),
  conj_id: spaceIndex('conj_id'),
  ct_state: spaceIndex('ct_state'),
  ct_zone: spaceIndex('ct_zone'),
  ct_mark: spaceIndex('ct_mark'),
  ct_label: spaceIndex('ct_label'),
  ct_nw_proto: spaceIndex('ct_nw_proto'),
  ct_nw_src: spaceIndex('ct_nw_src'),
  ct_nw_dst: spaceIndex('ct_nw_dst'),
  ct_ipv6_src: spaceIndex('ct_ipv6_src'),
  ct_ipv6_dst: spaceIndex('ct_ipv6_dst'),
  ct_tp_src: spaceIndex('ct_tp_src'),
  ct_tp_dst: spaceIndex('ct_tp_dst'),
  tun_id: spaceIndex('tun_id'),
  tun_src: spaceIndex('tun_src'),
  tun_dst: spaceIndex('tun_dst'),
  tun_ipv6_src: spaceIndex('tun_ipv6_src'),
  tun_ipv6_dst: spaceIndex('tun_ipv6_dst'),
  tun_flags: spaceIndex('tun_flags'),
  tun_tos: spaceIndex('tun_tos'),
  tun_ttl: spaceIndex('tun_ttl'),
  tun_gbp_id: spaceIndex('tun_gbp_id'),
  tun_gbp_flags: spaceIndex('tun_gbp_flags'),
  tun_erspan_ver: spaceIndex('tun_erspan_ver'),
  tun_erspan_idx: spaceIndex('tun_erspan_idx'),
  tun_erspan_dir: spaceIndex('tun_erspan_dir'),
  tun_erspan_hwid: spaceIndex('tun_erspan_hwid'),
  tun_gtpu_flags: spaceIndex('tun_gtpu_flags'),
  tun_gtpu_msgtype: spaceIndex('tun_gtpu_msgtype'),
  tun_metadata0: spaceIndex('tun_metadata0'),
  tun_md_present: spaceIndex('tun_md_present'),
  pkt_mark: spaceIndex('pkt_mark'),
  skb_priority: spaceIndex('skb_priority'),
  packet_type: spaceIndex('packet_type'),
  actset_output: spaceIndex('actset_output'),
  mpls_lse0: spaceIndex('mpls_lse0'),
  igmp_group_ip4: spaceIndex('igmp_group_ip4'),
} as const;

/** tun_metadataN space index → N (or -1). */
export const TUN_MD_INDEX: readonly number[] = (() => {
  const out = new Array<number>(N_SPACES).fill(-1);
  for (let i = 0; i < 64; i++) out[spaceIndex(`tun_metadata${i}`)] = i;
  return out;
})();

/** OVS `struct flow` conntrack fields, cleared by `ct` and `ct_clear`. */
const CT_SPACES: readonly number[] = [
  SP.ct_state,
  SP.ct_zone,
  SP.ct_mark,
  SP.ct_label,
  SP.ct_nw_proto,
  SP.ct_nw_src,
  SP.ct_nw_dst,
  SP.ct_ipv6_src,
  SP.ct_ipv6_dst,
  SP.ct_tp_src,
  SP.ct_tp_dst,
];

/** Tunnel metadata (OVS `flow->tunnel`), cleared when crossing a patch port. */
/** The register spaces, xxreg0 first: register N is word 3 - N % 4 of space N / 4. */
export const REG_SPACES: readonly number[] = REGISTER_SPACES.map(spaceIndex);

const TUNNEL_SPACES: readonly number[] = SPACES.filter((s) => s.name.startsWith('tun_')).map((s) => s.index);

export const ETH_TYPE_IP = 0x0800n;
export const ETH_TYPE_IPV6 = 0x86ddn;
export const ETH_TYPE_ARP = 0x0806n;
export const ETH_TYPE_RARP = 0x8035n;
export const VLAN_CFI = 0x1000n;

/** OVS reserved port numbers (16-bit). */
export const OFPP = {
  IN_PORT: 0xfff8,
  TABLE: 0xfff9,
  NORMAL: 0xfffa,
  FLOOD: 0xfffb,
  ALL: 0xfffc,
  CONTROLLER: 0xfffd,
  LOCAL: 0xfffe,
  NONE: 0xffff,
  UNSET: 0xfff7,
} as const;

function subMask(nBits: number): bigint {
  return (1n << BigInt(nBits)) - 1n;
}

/**
 * The packet (OVS `struct flow`) as the interpreter sees it. Mutable; `clone()` makes an
 * independent copy for clone/bucket/patch-port restores and recirculation.
 */
/** 32-bit words of each space (the classifier keys on words: number-keyed Maps are fast). */
export const N_WORDS: readonly number[] = SPACES.map((sp) => Math.ceil(sp.width / 32));

/** `BigInt(32 * i)`: the shift of word i, made once. */
const WORD_SHIFT: readonly bigint[] = Array.from({ length: Math.max(...N_WORDS) }, (_, i) => BigInt(32 * i));

/**
 * The 32-bit words of multi-word spaces, made per word on demand (a lookup reads a few words of
 * `regs`, not all sixteen). One cache per space for the whole process, keyed by the space's value
 * (bigints compare by value): the states a trace clones share their values, so a per-state cache
 * made a Uint32Array per clone and space (~18 KB a packet on an OVN node) to hold the same words.
 * Valid while `CACHED_VALUE[space] === v[space]`, for the words whose bit is set in `CACHED_VALID`.
 */
const CACHED_VALUE: (bigint | undefined)[] = new Array<bigint | undefined>(N_SPACES).fill(undefined);
const CACHED_WORDS: readonly Uint32Array[] = N_WORDS.map((n) => new Uint32Array(n));
const CACHED_VALID = new Uint32Array(N_SPACES);

export class PacketState {
  readonly v: bigint[];

  constructor(values?: readonly bigint[]) {
    this.v = values ? values.slice() : new Array<bigint>(N_SPACES).fill(0n);
  }

  /** Word `idx` (0 = least significant 32 bits) of a space, as an unsigned number. */
  word(space: number, idx: number): number {
    const x = this.v[space];
    if (N_WORDS[space] === 1) return Number(x);
    if (CACHED_VALUE[space] !== x) {
      CACHED_VALUE[space] = x;
      CACHED_VALID[space] = 0;
    }
    const bit = 1 << idx;
    const w = CACHED_WORDS[space];
    if (CACHED_VALID[space] & bit) return w[idx];
    const n = Number(BigInt.asUintN(32, idx === 0 ? x : x >> WORD_SHIFT[idx]));
    w[idx] = n;
    CACHED_VALID[space] |= bit;
    return n;
  }

  clone(): PacketState {
    return new PacketState(this.v);
  }

  /** Copies every space of `other` into this state (in place). */
  assign(other: PacketState): void {
    const a = this.v;
    const b = other.v;
    for (let i = 0; i < a.length; i++) a[i] = b[i];
  }

  equals(other: PacketState): boolean {
    const a = this.v;
    const b = other.v;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** Value of a field. */
  get(f: FieldDef): bigint {
    const a = ACCESS[f.id];
    const x = this.v[a.space];
    return a.offset === 0 ? x & a.mask : (x >> a.shift) & a.mask;
  }

  /** Sets a field (value truncated to its width). */
  set(f: FieldDef, value: bigint): void {
    this.setMasked(f, value, ACCESS[f.id].mask);
  }

  /** `field = (field & ~mask) | (value & mask)`, mask in field coordinates. */
  setMasked(f: FieldDef, value: bigint, mask: bigint): void {
    const a = ACCESS[f.id];
    let m: bigint;
    let nm: bigint;
    if (mask === a.mask) {
      m = a.smask;
      nm = a.nsmask;
    } else {
      m = (mask & a.mask) << a.shift;
      nm = ~m;
    }
    const cur = this.v[a.space];
    this.v[a.space] = (cur & nm) | ((a.offset === 0 ? value : value << a.shift) & m);
    const md = TUN_MD_INDEX[a.space];
    if (md >= 0) this.v[SP.tun_md_present] |= 1n << BigInt(md);
  }

  /** Value of bits [ofs, ofs+nBits) of a field. */
  getSub(r: FieldRef): bigint {
    return (this.get(r.field) >> BigInt(r.ofs)) & subMask(r.nBits);
  }

  /** Writes bits [ofs, ofs+nBits) of a field. */
  setSub(r: FieldRef, value: bigint): void {
    const m = subMask(r.nBits);
    this.setMasked(r.field, (value & m) << BigInt(r.ofs), m << BigInt(r.ofs));
  }

  space(i: number): bigint {
    return this.v[i];
  }

  setSpace(i: number, value: bigint): void {
    this.v[i] = value;
  }

  get dlType(): bigint {
    return this.v[SP.dl_type];
  }

  get nwProto(): bigint {
    return this.v[SP.nw_proto];
  }

  isIp(): boolean {
    const t = this.v[SP.dl_type];
    return t === ETH_TYPE_IP || t === ETH_TYPE_IPV6;
  }

  get inPort(): number {
    return Number(this.v[SP.in_port]);
  }

  set inPort(p: number) {
    this.v[SP.in_port] = BigInt(p);
  }

  /** OVS `flow_clear_conntrack`. */
  clearConntrack(): void {
    for (const i of CT_SPACES) this.v[i] = 0n;
  }

  /** Zeroes the tunnel metadata (OVS does this when a packet crosses a patch port). */
  clearTunnel(): void {
    for (const i of TUNNEL_SPACES) this.v[i] = 0n;
    this.v[SP.tun_md_present] = 0n;
  }

  clearRegs(): void {
    for (const i of REG_SPACES) this.v[i] = 0n;
  }

  /** True when tun_metadataN is present. */
  tunMetadataPresent(n: number): boolean {
    return ((this.v[SP.tun_md_present] >> BigInt(n)) & 1n) === 1n;
  }

  /** Deletes tun_metadataN (OVS `delete_field`). */
  deleteTunMetadata(n: number): void {
    this.v[SP.tun_md_present] &= ~(1n << BigInt(n));
    this.v[spaceIndex(`tun_metadata${n}`)] = 0n;
  }
}

/** Field definitions the interpreter refers to by name. */
export const F = {
  in_port: field('in_port'),
  metadata: field('metadata'),
  dl_src: field('dl_src'),
  dl_dst: field('dl_dst'),
  dl_type: field('dl_type'),
  nw_src: field('nw_src'),
  nw_dst: field('nw_dst'),
  ipv6_src: field('ipv6_src'),
  ipv6_dst: field('ipv6_dst'),
  nw_ttl: field('nw_ttl'),
  nw_tos: field('nw_tos'),
  nw_ecn: field('nw_ecn'),
  nw_proto: field('nw_proto'),
  tp_src: field('tp_src'),
  tp_dst: field('tp_dst'),
  tun_id: field('tun_id'),
  tun_metadata0: field('tun_metadata0'),
  reg14: field('reg14'),
  reg15: field('reg15'),
  ct_state: field('ct_state'),
  ct_zone: field('ct_zone'),
  recirc_id: field('recirc_id'),
  dp_hash: field('dp_hash'),
  vlan_tci: field('vlan_tci'),
  skb_priority: field('skb_priority'),
} as const;
