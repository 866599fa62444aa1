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

/** tun_metadataN space index → N (or -1). */
export const TUN_MD_INDEX: readonly number[] = (() => {
  const out = new Array<number>(N_SPACES).fill(-1);
  for (let i = 0; i < 64; i++) out[spaceIndex(`tun_metadata${i}`)] = i;
  return out;
})();

/** 32-bit words of each space (the classifier keys on words: number-keyed Maps are fast). */
export const N_WORDS: readonly number[] = SPACES.map((sp) => Math.ceil(sp.width / 32));

/**
 * Where the words of each space start in `PacketState.w`, -1 for tun_metadataN. Those 64 spaces
 * are 31 words each (1984 of the 2099 words): as words they would make every clone copy 8 KB,
 * so they stay bigints, in an array a state allocates on its first write of one.
 */
export const WORD_OFF: readonly number[] = (() => {
  let n = 0;
  return N_WORDS.map((w, i) => {
    if (TUN_MD_INDEX[i] >= 0) return -1;
    const o = n;
    n += w;
    return o;
  });
})();

/** Length of `PacketState.w`. */
const N_STATE_WORDS = WORD_OFF.reduce((n, o, i) => (o >= 0 ? n + N_WORDS[i] : n), 0);

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
  /**
   * For a field inside one 32-bit word of the packet's words (registers, ports, addresses,
   * eth_type, ct_state, ...): that word's index in `PacketState.w`, else -1. Such fields are
   * read and written with integer operations, no bigint.
   */
  readonly wi: number;
  /** Bit position of the field in word `wi`, and its mask (`mask` as a number). */
  readonly wsh: number;
  readonly wmask: number;
}

function buildAccess(): FieldAccess[] {
  return FIELDS.map((f) => {
    let mask = (1n << BigInt(f.storage.width)) - 1n;
    // nw_tos (OVS MFF_IP_DSCP) is the DSCP part of the TOS byte: reads and writes bits 2..7.
    if (f.name === 'nw_tos') mask = 0xfcn;
    const shift = BigInt(f.storage.offset);
    const space = spaceIndex(f.storage.space);
    const off = f.storage.offset;
    const inWord = WORD_OFF[space] >= 0 && Math.floor(off / 32) === Math.floor((off + f.storage.width - 1) / 32);
    const wi = inWord ? WORD_OFF[space] + Math.floor(off / 32) : -1;
    return { space, offset: off, shift, mask, smask: mask << shift, nsmask: ~(mask << shift), wi, wsh: off % 32, wmask: inWord ? Number(mask) : 0 };
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

/** The low `nBits` (1..32) bits set. */
function subMaskWord(nBits: number): number {
  return 0xffffffff >>> (32 - nBits);
}

/** The low 32 bits of a bigint as a number (no allocation for the usual 0 <= v < 2^32). */
function low32(v: bigint): number {
  // Number() first: two bigint comparisons cost more than the conversion (microbenchmark: 22 ns
  // against 35). It is exact below 2^32, and no larger or negative value rounds into range.
  const n = Number(v);
  return n >= 0 && n <= 0xffffffff ? n : Number(BigInt.asUintN(32, v));
}

/** `BigInt(32 * i)`: the shift of word i, made once. */
const WORD_SHIFT: readonly bigint[] = Array.from({ length: Math.max(...N_WORDS) }, (_, i) => BigInt(32 * i));

/**
 * The 32-bit words of the tun_metadataN values, made per word on demand. One cache per space for
 * the whole process, keyed by the space's value (bigints compare by value): the states a trace
 * clones share their values. Valid while `CACHED_VALUE[space]` is the value, for the words whose
 * bit is set in `CACHED_VALID`.
 */
const CACHED_VALUE: (bigint | undefined)[] = new Array<bigint | undefined>(N_SPACES).fill(undefined);
const CACHED_WORDS: readonly Uint32Array[] = N_WORDS.map((n) => new Uint32Array(n));
const CACHED_VALID = new Uint32Array(N_SPACES);

/** Indexes in `PacketState.w` of the words of some spaces. */
function wordsOf(spaces: readonly number[]): number[] {
  return spaces.flatMap((sp) => (WORD_OFF[sp] < 0 ? [] : Array.from({ length: N_WORDS[sp] }, (_, k) => WORD_OFF[sp] + k)));
}

/**
 * Where bits [ofs, ofs+nBits) of a field are when they lie inside one word of `PacketState.w`
 * (OVN writes single bits and bytes of registers, often through NXM_NX_XXREG0[..]): the word's
 * index * 32 + the bit position in it, else -1.
 */
function subWordPos(r: FieldRef): number {
  const a = ACCESS[r.field.id];
  const o = WORD_OFF[a.space];
  if (o < 0 || r.ofs + r.nBits > r.field.width) return -1;
  const pos = a.offset + r.ofs;
  const lo = pos >>> 5;
  if ((pos + r.nBits - 1) >>> 5 !== lo) return -1;
  return (o + lo) * 32 + (pos & 31);
}

/** The mask of a subfield subWordPos places: its nBits, and the field's own bits (nw_tos). */
function subWordMask(r: FieldRef): number {
  const a = ACCESS[r.field.id];
  const m = subMaskWord(r.nBits);
  return a.wi >= 0 ? m & (a.wmask >>> r.ofs) : m;
}

const CT_WORDS: readonly number[] = wordsOf(CT_SPACES);
const TUNNEL_WORDS: readonly number[] = wordsOf(TUNNEL_SPACES);
const REG_WORDS: readonly number[] = wordsOf(REG_SPACES);
const IN_PORT_WORD = WORD_OFF[SP.in_port];
const TUN_MD_PRESENT_WORD = WORD_OFF[SP.tun_md_present];
if (N_WORDS[SP.in_port] !== 1 || N_WORDS[SP.tun_md_present] !== 2) throw new Error('unexpected width of in_port or tun_md_present');

/**
 * All words 0, built by push so that V8 keeps it (and its copies) PACKED_SMI_ELEMENTS: `new
 * Array(n).fill(0)` is HOLEY, whose reads check for holes.
 */
const ZERO_WORDS: number[] = [];
for (let i = 0; i < N_STATE_WORDS; i++) ZERO_WORDS.push(0);

/**
 * The packet (OVS `struct flow`) as the interpreter sees it. Mutable; `clone()` makes an
 * independent copy for clone/bucket/patch-port restores and recirculation.
 *
 * Stored as the 32-bit words of every space (`w`, least significant word of a space first), not
 * as one bigint per space: the classifier reads words, and most writes (registers, ports,
 * addresses, ct_state) are of fields inside one word, so neither needs a bigint. The words are
 * int32 (`x | 0`) so that `w` keeps small-integer elements, which V8 copies and compares fastest.
 */
export class PacketState {
  /** The words of every space but tun_metadataN (see WORD_OFF), as int32. */
  readonly w: number[];
  /** tun_metadataN by N, allocated on the first write of one (most packets have none). */
  private md: bigint[] | undefined;

  /** A zero packet, the packet of `values` (one bigint per space), or a copy of a state. */
  constructor(from?: readonly bigint[] | PacketState) {
    if (from instanceof PacketState) {
      this.w = from.w.slice();
      this.md = from.md?.slice();
      return;
    }
    this.w = ZERO_WORDS.slice();
    this.md = undefined;
    if (from) for (let i = 0; i < N_SPACES; i++) if (from[i] !== 0n) this.setSpace(i, from[i]);
  }

  /** Word `idx` (0 = least significant 32 bits) of a space, as an unsigned number. */
  word(space: number, idx: number): number {
    const o = WORD_OFF[space];
    return o >= 0 ? this.w[o + idx] >>> 0 : this.mdWord(space, idx);
  }

  /** Sets word `idx` of a space (not of tun_metadataN). */
  setWord(space: number, idx: number, value: number): void {
    this.w[WORD_OFF[space] + idx] = value | 0;
  }

  private mdWord(space: number, idx: number): number {
    const x = this.md === undefined ? 0n : this.md[TUN_MD_INDEX[space]];
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
    return new PacketState(this);
  }

  /** Copies every space of `other` into this state (in place). */
  assign(other: PacketState): void {
    const a = this.w;
    const b = other.w;
    for (let i = 0; i < a.length; i++) a[i] = b[i];
    this.md = other.md?.slice();
  }

  equals(other: PacketState): boolean {
    const a = this.w;
    const b = other.w;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    for (let n = 0; n < 64; n++) if ((this.md?.[n] ?? 0n) !== (other.md?.[n] ?? 0n)) return false;
    return true;
  }

  /** Value of a field. */
  get(f: FieldDef): bigint {
    const a = ACCESS[f.id];
    if (a.wi >= 0) return BigInt(((this.w[a.wi] >>> a.wsh) & a.wmask) >>> 0);
    const x = this.space(a.space);
    return a.offset === 0 ? x & a.mask : (x >> a.shift) & a.mask;
  }

  /** Sets a field (value truncated to its width). */
  set(f: FieldDef, value: bigint): void {
    this.setMasked(f, value, ACCESS[f.id].mask);
  }

  /** `field = (field & ~mask) | (value & mask)`, mask in field coordinates. */
  setMasked(f: FieldDef, value: bigint, mask: bigint): void {
    const a = ACCESS[f.id];
    if (a.wi >= 0) {
      this.setInWord(a, low32(value), mask === a.mask ? a.wmask : low32(mask & a.mask));
      return;
    }
    let m: bigint;
    let nm: bigint;
    if (mask === a.mask) {
      m = a.smask;
      nm = a.nsmask;
    } else {
      m = (mask & a.mask) << a.shift;
      nm = ~m;
    }
    const cur = this.space(a.space);
    this.setSpace(a.space, (cur & nm) | ((a.offset === 0 ? value : value << a.shift) & m));
    const md = TUN_MD_INDEX[a.space];
    if (md >= 0) this.w[TUN_MD_PRESENT_WORD + (md >> 5)] |= 1 << (md & 31);
  }

  /** setMasked of a field inside one word: `value` and `mask` in field coordinates, 32 bits. */
  private setInWord(a: FieldAccess, value: number, mask: number): void {
    const m = (mask & a.wmask) << a.wsh;
    this.w[a.wi] = (this.w[a.wi] & ~m) | ((value << a.wsh) & m);
  }

  /** Value of bits [ofs, ofs+nBits) of a field. */
  getSub(r: FieldRef): bigint {
    const pos = subWordPos(r);
    if (pos >= 0) return BigInt(((this.w[pos >>> 5] >>> (pos & 31)) & subWordMask(r)) >>> 0);
    return (this.get(r.field) >> BigInt(r.ofs)) & subMask(r.nBits);
  }

  /** Writes bits [ofs, ofs+nBits) of a field. */
  setSub(r: FieldRef, value: bigint): void {
    const pos = subWordPos(r);
    if (pos >= 0) {
      this.setSubWord(pos, subWordMask(r), low32(value));
      return;
    }
    const m = subMask(r.nBits);
    this.setMasked(r.field, (value & m) << BigInt(r.ofs), m << BigInt(r.ofs));
  }

  /** Bits `m` (unshifted) of word `pos >>> 5` at bit `pos & 31` become those of `value`. */
  private setSubWord(pos: number, m: number, value: number): void {
    const i = pos >>> 5;
    const sh = pos & 31;
    this.w[i] = (this.w[i] & ~(m << sh)) | ((value & m) << sh);
  }

  /** `dst = src` of two subfields of equal width (the `move` action). */
  moveSub(src: FieldRef, dst: FieldRef): void {
    const a = subWordPos(src);
    const b = subWordPos(dst);
    if (a >= 0 && b >= 0 && src.nBits === dst.nBits) {
      this.setSubWord(b, subWordMask(dst), (this.w[a >>> 5] >>> (a & 31)) & subWordMask(src));
      return;
    }
    this.setSub(dst, this.getSub(src));
  }

  /** The value of a whole space. */
  space(i: number): bigint {
    const o = WORD_OFF[i];
    if (o < 0) return this.md === undefined ? 0n : this.md[TUN_MD_INDEX[i]];
    const w = this.w;
    const n = N_WORDS[i];
    if (n === 1) return BigInt(w[o] >>> 0);
    let x = BigInt(w[o + n - 1] >>> 0);
    for (let k = n - 2; k >= 0; k--) x = (x << 32n) | BigInt(w[o + k] >>> 0);
    return x;
  }

  /** True when every bit of a space is 0 (without making its bigint). */
  isZero(i: number): boolean {
    const o = WORD_OFF[i];
    if (o < 0) return this.space(i) === 0n;
    for (let k = 0; k < N_WORDS[i]; k++) if (this.w[o + k] !== 0) return false;
    return true;
  }

  /** Sets a whole space (its value truncated to the space's words). */
  setSpace(i: number, value: bigint): void {
    const o = WORD_OFF[i];
    if (o < 0) {
      (this.md ??= new Array<bigint>(64).fill(0n))[TUN_MD_INDEX[i]] = BigInt.asUintN(32 * N_WORDS[i], value);
      return;
    }
    const w = this.w;
    w[o] = low32(value) | 0;
    for (let k = 1; k < N_WORDS[i]; k++) w[o + k] = low32(value >> WORD_SHIFT[k]) | 0;
  }

  get dlType(): bigint {
    return this.space(SP.dl_type);
  }

  get nwProto(): bigint {
    return this.space(SP.nw_proto);
  }

  isIp(): boolean {
    const t = this.word(SP.dl_type, 0);
    return t === 0x0800 || t === 0x86dd;
  }

  get inPort(): number {
    return this.w[IN_PORT_WORD] >>> 0;
  }

  set inPort(p: number) {
    this.w[IN_PORT_WORD] = p | 0;
  }

  /** OVS `flow_clear_conntrack`. */
  clearConntrack(): void {
    for (const i of CT_WORDS) this.w[i] = 0;
  }

  /** Zeroes the tunnel metadata (OVS does this when a packet crosses a patch port). */
  clearTunnel(): void {
    for (const i of TUNNEL_WORDS) this.w[i] = 0;
    this.md = undefined;
    this.w[TUN_MD_PRESENT_WORD] = 0;
    this.w[TUN_MD_PRESENT_WORD + 1] = 0;
  }

  clearRegs(): void {
    for (const i of REG_WORDS) this.w[i] = 0;
  }

  /** True when tun_metadataN is present. */
  tunMetadataPresent(n: number): boolean {
    return ((this.w[TUN_MD_PRESENT_WORD + (n >> 5)] >>> (n & 31)) & 1) === 1;
  }

  /** Deletes tun_metadataN (OVS `delete_field`). */
  deleteTunMetadata(n: number): void {
    this.w[TUN_MD_PRESENT_WORD + (n >> 5)] &= ~(1 << (n & 31));
    if (this.md !== undefined) this.md[n] = 0n;
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
