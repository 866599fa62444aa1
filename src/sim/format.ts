/**
 * Text forms of the packet state, byte for byte as OVS 3.1 prints them:
 *   - `formatFlowState`: OVS `flow_format()` — the `Flow:` and `Final flow:` lines of
 *     ofproto/trace (`match_format()` over the wildcards of `flow_wildcards_init_for_packet()`,
 *     with zero-valued context fields omitted);
 *   - `formatSubfieldNow`: the `X is now Y` detail of `xlate_report_subfield()`.
 */
import { CT_STATE_BITS, formatFieldValue, formatFlagsMasked, formatIpv4, formatIpv6, formatPort, TCP_FLAG_BITS, TUN_FLAG_BITS } from '../model/masked.js';
import type { FieldRef } from '../model/flow.js';
import { formatFieldRef } from '../parse/ofp-actions.js';
import { ETH_TYPE_ARP, ETH_TYPE_IP, ETH_TYPE_IPV6, ETH_TYPE_RARP, N_WORDS, REG_SPACES, SP, spaceIndex, type PacketState } from './state.js';

/** `%#x`: `0` for zero. */
function hx(v: bigint | number): string {
  return !v ? '0' : '0x' + v.toString(16);
}

/** OVS `ds_put_hex()` of a big-endian byte string: `0x` + minimal hex, `0` for zero. */
export function putHex(v: bigint): string {
  // The first non-zero byte is printed with %x, the rest with %02x: the minimal hex of the value.
  return v === 0n ? '0' : '0x' + v.toString(16);
}

const REG_NAMES = Array.from({ length: 16 }, (_, i) => `reg${i}`);
const TUN_MD_SPACES = Array.from({ length: 64 }, (_, i) => spaceIndex(`tun_metadata${i}`));

const ETH_IP = Number(ETH_TYPE_IP);
const ETH_IPV6 = Number(ETH_TYPE_IPV6);
const ETH_ARP = Number(ETH_TYPE_ARP);
const ETH_RARP = Number(ETH_TYPE_RARP);

const CS_NEW = 0x01;
const CS_ESTABLISHED = 0x02;
const CS_REPLY_DIR = 0x08;

const IPPROTO_ICMP = 1;
const IPPROTO_IGMP = 2;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_SCTP = 132;

/**
 * The spaces formatFlowState reads as one word (`word(space, 0)`): the packet's words read as
 * numbers, with no bigint made per field (the format of every Flow/Final flow line).
 */
const ONE_WORD: readonly number[] = [
  SP.dl_type, SP.nw_proto, SP.packet_type, SP.recirc_id, SP.pkt_mark, SP.dp_hash, SP.skb_priority, SP.ct_state, SP.ct_zone, SP.ct_mark, SP.ct_nw_proto,
  SP.ct_nw_src, SP.ct_nw_dst, SP.ct_tp_src, SP.ct_tp_dst, SP.tun_src, SP.tun_dst, SP.tun_flags, SP.tun_gbp_id, SP.tun_gbp_flags, SP.tun_tos, SP.tun_ttl,
  SP.tun_erspan_ver, SP.tun_erspan_idx, SP.tun_erspan_dir, SP.tun_erspan_hwid, SP.tun_gtpu_flags, SP.tun_gtpu_msgtype, SP.in_port, SP.vlan_tci, SP.vlan_tci1,
  SP.ipv6_label, SP.nw_src, SP.nw_dst, SP.nw_tos, SP.nw_ttl, SP.mpls_lse0, SP.ip_frag, SP.tp_src, SP.tp_dst, SP.tcp_flags,
];
if (ONE_WORD.some((sp) => N_WORDS[sp] !== 1)) throw new Error('formatFlowState reads a multi-word space as one word');
for (const sp of [SP.dl_src, SP.dl_dst, SP.arp_sha, SP.arp_tha, SP.metadata, SP.tun_id]) if (N_WORDS[sp] !== 2) throw new Error('formatFlowState reads a MAC, metadata or tun_id space as two words');

/** Two lowercase hex digits of each byte value. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** formatMac of a 48-bit space, from its two words (no bigint or double made per address). */
function mac(s: PacketState, sp: number): string {
  const hi = s.word(sp, 1);
  const lo = s.word(sp, 0);
  return `${HEX2[(hi >>> 8) & 255]}:${HEX2[hi & 255]}:${HEX2[lo >>> 24]}:${HEX2[(lo >>> 16) & 255]}:${HEX2[(lo >>> 8) & 255]}:${HEX2[lo & 255]}`;
}

/** hx of a 64-bit space (metadata, tun_id) from its two words. */
function hx64(s: PacketState, sp: number): string {
  const hi = s.word(sp, 1);
  const lo = s.word(sp, 0);
  return hi ? `0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}` : hx(lo);
}

function isNd(s: PacketState): boolean {
  const tpSrc = s.word(SP.tp_src, 0);
  return s.word(SP.dl_type, 0) === ETH_IPV6 && s.word(SP.nw_proto, 0) === IPPROTO_ICMPV6 && s.word(SP.tp_dst, 0) === 0 && (tpSrc === 135 || tpSrc === 136);
}

function fmtVlan(out: string[], tci: number, suffix: string): void {
  const cfi = (tci & 0x1000) !== 0;
  if (cfi) {
    out.push(`dl_vlan${suffix}=${tci & 0xfff}`, `dl_vlan_pcp${suffix}=${(tci >>> 13) & 7}`);
  } else {
    out.push(`vlan_tci${suffix}=0x${tci.toString(16).padStart(4, '0')}`);
  }
}

/**
 * OVS `flow_format()` of the packet state: what ofproto/trace prints after `Flow:` and
 * `Final flow:`. Ports print as numbers (ofproto/trace without --names).
 */
export function formatFlowState(s: PacketState): string {
  const u = (sp: number): number => s.word(sp, 0);
  const out: string[] = [];
  const dlType = u(SP.dl_type);
  const nwProto = u(SP.nw_proto);
  const isEth = u(SP.packet_type) === 0;
  const recirc = u(SP.recirc_id);

  if (u(SP.pkt_mark)) out.push(`pkt_mark=${hx(u(SP.pkt_mark))}`);
  if (recirc) out.push(`recirc_id=${hx(recirc)}`);
  if (u(SP.dp_hash)) out.push(`dp_hash=${hx(u(SP.dp_hash))}`);
  if (u(SP.skb_priority)) out.push(`skb_priority=${hx(u(SP.skb_priority))}`);
  const ctState = u(SP.ct_state) & 0xff;
  if (ctState) out.push(`ct_state=${formatFlagsMasked(CT_STATE_BITS, ctState, 0xff, 0xff)}`);
  if (u(SP.ct_zone)) out.push(`ct_zone=${u(SP.ct_zone)}`);
  if (u(SP.ct_mark)) out.push(`ct_mark=${hx(u(SP.ct_mark))}`);
  if (!s.isZero(SP.ct_label)) out.push(`ct_label=${putHex(s.space(SP.ct_label))}`);

  // Conntrack original-direction tuple: only for valid tracked IP packets with ct_nw_proto.
  const ctValid = (ctState & (CS_NEW | CS_ESTABLISHED | CS_REPLY_DIR)) !== 0;
  if (ctValid && u(SP.ct_nw_proto) && isEth && (dlType === ETH_IP || dlType === ETH_IPV6)) {
    if (dlType === ETH_IP) {
      out.push(`ct_nw_src=${formatIpv4(u(SP.ct_nw_src))}`, `ct_nw_dst=${formatIpv4(u(SP.ct_nw_dst))}`);
    } else if (!isNd(s)) {
      out.push(`ct_ipv6_src=${formatIpv6(s.space(SP.ct_ipv6_src))}`, `ct_ipv6_dst=${formatIpv6(s.space(SP.ct_ipv6_dst))}`);
    }
    out.push(`ct_nw_proto=${u(SP.ct_nw_proto)}`, `ct_tp_src=${u(SP.ct_tp_src)}`, `ct_tp_dst=${u(SP.ct_tp_dst)}`);
  }

  const pt = u(SP.packet_type);
  let effDlType = dlType;
  if (!isEth || recirc) {
    if (pt === 0) out.push('eth');
    else {
      const ns = pt >>> 16;
      const type = pt & 0xffff;
      const u16 = (x: number) => (x > 9 ? '0x' + x.toString(16) : x.toString());
      out.push(`packet_type=(${u16(ns)},${u16(type)})`);
      if (ns === 1) effDlType = type;
    }
  }

  // Protocol shorthand (dl_type is always part of a packet's wildcards for Ethernet).
  let skipType = false;
  let skipProto = false;
  const dlTypeMasked = isEth;
  const nwProtoMasked = isEth && (effDlType === ETH_IP || effDlType === ETH_IPV6 || effDlType === ETH_ARP || effDlType === ETH_RARP);
  if (dlTypeMasked) {
    skipType = true;
    if (effDlType === ETH_IP) {
      skipProto = true;
      if (nwProto === IPPROTO_ICMP) out.push('icmp');
      else if (nwProto === IPPROTO_TCP) out.push('tcp');
      else if (nwProto === IPPROTO_UDP) out.push('udp');
      else if (nwProto === IPPROTO_SCTP) out.push('sctp');
      else {
        out.push('ip');
        skipProto = false;
      }
    } else if (effDlType === ETH_IPV6) {
      skipProto = true;
      if (nwProto === IPPROTO_ICMPV6) out.push('icmp6');
      else if (nwProto === IPPROTO_TCP) out.push('tcp6');
      else if (nwProto === IPPROTO_UDP) out.push('udp6');
      else if (nwProto === IPPROTO_SCTP) out.push('sctp6');
      else {
        out.push('ipv6');
        skipProto = false;
      }
    } else if (effDlType === ETH_ARP) out.push('arp');
    else if (effDlType === ETH_RARP) out.push('rarp');
    else if (effDlType === 0x8847) out.push('mpls');
    else if (effDlType === 0x8848) out.push('mplsm');
    else skipType = false;
  }

  // Register 4q + j is word 3 - j of space xxreg q.
  for (let q = 0; q < 4; q++) {
    for (let j = 0; j < 4; j++) {
      const r = s.word(REG_SPACES[q], 3 - j);
      if (r) out.push(`${REG_NAMES[4 * q + j]}=${hx(r)}`);
    }
  }

  // Tunnel.
  const tunDstSet = u(SP.tun_dst) !== 0 || !s.isZero(SP.tun_ipv6_dst);
  if (tunDstSet) {
    const flags = u(SP.tun_flags);
    if (flags & 0x8) out.push(`tun_id=${hx64(s, SP.tun_id)}`);
    out.push(`tun_src=${formatIpv4(u(SP.tun_src))}`, `tun_dst=${formatIpv4(u(SP.tun_dst))}`);
    out.push(`tun_ipv6_src=${formatIpv6(s.space(SP.tun_ipv6_src))}`, `tun_ipv6_dst=${formatIpv6(s.space(SP.tun_ipv6_dst))}`);
    out.push(`tun_gbp_id=${u(SP.tun_gbp_id)}`, `tun_gbp_flags=${hx(u(SP.tun_gbp_flags))}`);
    out.push(`tun_tos=${u(SP.tun_tos).toString(16)}`, `tun_ttl=${u(SP.tun_ttl)}`);
    const ever = u(SP.tun_erspan_ver);
    out.push(`tun_erspan_ver=${ever}`);
    if (ever === 1) out.push(`tun_erspan_idx=${hx(u(SP.tun_erspan_idx))}`);
    if (ever === 2) out.push(`tun_erspan_dir=${u(SP.tun_erspan_dir)}`, `tun_erspan_hwid=${hx(u(SP.tun_erspan_hwid))}`);
    out.push(`gtpu_flags=${hx(u(SP.tun_gtpu_flags))}`, `gtpu_msgtype=${u(SP.tun_gtpu_msgtype)}`);
    out.push(`tun_flags=${formatFlagsMasked(TUN_FLAG_BITS, flags & 0xf, 0xf, 0xf)}`);
    for (let i = 0; i < 64; i++) {
      if ((s.word(SP.tun_md_present, i >>> 5) >>> (i & 31)) & 1) out.push(`tun_metadata${i}=${putHex(s.space(TUN_MD_SPACES[i]))}`);
    }
  } else if (!s.isZero(SP.tun_id)) {
    out.push(`tun_id=${hx64(s, SP.tun_id)}`);
  }

  if (!s.isZero(SP.metadata)) out.push(`metadata=${hx64(s, SP.metadata)}`);
  if (u(SP.in_port)) out.push(`in_port=${formatPort({ kind: 'number', port: u(SP.in_port) })}`);

  if (isEth) {
    const tci0 = u(SP.vlan_tci);
    fmtVlan(out, tci0, '');
    if (tci0 !== 0) fmtVlan(out, u(SP.vlan_tci1), '1');
    out.push(`dl_src=${mac(s, SP.dl_src)}`, `dl_dst=${mac(s, SP.dl_dst)}`);
    if (!skipType) out.push(`dl_type=0x${dlType.toString(16).padStart(4, '0')}`);
  }

  const isIpv4 = effDlType === ETH_IP;
  const isIpv6 = effDlType === ETH_IPV6;
  const isArp = effDlType === ETH_ARP || effDlType === ETH_RARP;
  if (isIpv6) {
    out.push(`ipv6_src=${formatIpv6(s.space(SP.ipv6_src))}`, `ipv6_dst=${formatIpv6(s.space(SP.ipv6_dst))}`);
    out.push(`ipv6_label=0x${u(SP.ipv6_label).toString(16).padStart(5, '0')}`);
  } else if (isArp) {
    out.push(`arp_spa=${formatIpv4(u(SP.nw_src))}`, `arp_tpa=${formatIpv4(u(SP.nw_dst))}`);
  } else if (isIpv4) {
    out.push(`nw_src=${formatIpv4(u(SP.nw_src))}`, `nw_dst=${formatIpv4(u(SP.nw_dst))}`);
  }
  if (!skipProto && nwProtoMasked) out.push(isArp ? `arp_op=${nwProto}` : `nw_proto=${nwProto}`);
  if (isArp) out.push(`arp_sha=${mac(s, SP.arp_sha)}`, `arp_tha=${mac(s, SP.arp_tha)}`);
  if (isIpv4 || isIpv6) {
    const tos = u(SP.nw_tos);
    out.push(`nw_tos=${tos & 0xfc}`, `nw_ecn=${tos & 3}`, `nw_ttl=${u(SP.nw_ttl)}`);
  }
  if (effDlType === 0x8847 || effDlType === 0x8848) {
    const lse = u(SP.mpls_lse0);
    out.push(`mpls_label=${(lse >>> 12) & 0xfffff}`, `mpls_tc=${(lse >>> 9) & 7}`, `mpls_ttl=${lse & 0xff}`, `mpls_bos=${(lse >>> 8) & 1}`);
  }
  if (isIpv4 || isIpv6) {
    const frag = u(SP.ip_frag) & 3;
    out.push(`nw_frag=${frag & 1 ? (frag & 2 ? 'later' : 'first') : frag & 2 ? '<error>' : 'no'}`);
    const l4 =
      (frag & 2) === 0 &&
      (nwProto === IPPROTO_ICMP || nwProto === IPPROTO_ICMPV6 || nwProto === IPPROTO_TCP || nwProto === IPPROTO_UDP || nwProto === IPPROTO_SCTP || nwProto === IPPROTO_IGMP);
    if (l4) {
      if (isIpv4 && nwProto === IPPROTO_ICMP) {
        out.push(`icmp_type=${u(SP.tp_src)}`, `icmp_code=${u(SP.tp_dst)}`);
      } else if (isIpv6 && nwProto === IPPROTO_ICMPV6) {
        out.push(`icmp_type=${u(SP.tp_src)}`, `icmp_code=${u(SP.tp_dst)}`);
        if (isNd(s)) {
          out.push(`nd_target=${formatIpv6(s.space(SP.nd_target))}`, `nd_sll=${mac(s, SP.arp_sha)}`, `nd_tll=${mac(s, SP.arp_tha)}`);
        }
      } else {
        out.push(`tp_src=${u(SP.tp_src)}`, `tp_dst=${u(SP.tp_dst)}`);
      }
      if (nwProto === IPPROTO_TCP) out.push(`tcp_flags=${formatFlagsMasked(TCP_FLAG_BITS, u(SP.tcp_flags) & 0xfff, 0xfff, 0xfff)}`);
    }
  }
  return out.join(',');
}

/** `NXM_NX_REG15[0..15] is now 0x2` (OVS `xlate_report_subfield()`). */
export function formatSubfieldNow(r: FieldRef, s: PacketState): string {
  return formatSubfieldValue(r, s.get(r.field));
}

/** formatSubfieldNow for the value `fieldValue` of the whole field (kept to format later). */
export function formatSubfieldValue(r: FieldRef, fieldValue: bigint): string {
  let val: string;
  if (r.ofs === 0 && r.nBits >= r.field.width) val = formatFieldValue(r.field, fieldValue);
  else val = putHex((fieldValue >> BigInt(r.ofs)) & ((1n << BigInt(r.nBits)) - 1n));
  return `${formatFieldRef(r)} is now ${val}`;
}
