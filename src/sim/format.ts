/**
 * Text forms of the packet state, byte for byte as OVS 3.1 prints them:
 *   - `formatFlowState`: OVS `flow_format()` — the `Flow:` and `Final flow:` lines of
 *     ofproto/trace (`match_format()` over the wildcards of `flow_wildcards_init_for_packet()`,
 *     with zero-valued context fields omitted);
 *   - `formatSubfieldNow`: the `X is now Y` detail of `xlate_report_subfield()`.
 */
import { CT_STATE_BITS, formatFieldValue, formatFlagsMasked, formatIpv4, formatIpv6, formatMac, formatPort, TCP_FLAG_BITS, TUN_FLAG_BITS } from '../model/masked.js';
import type { FieldRef } from '../model/flow.js';
import { formatFieldRef } from '../parse/ofp-actions.js';
import { ETH_TYPE_ARP, ETH_TYPE_IP, ETH_TYPE_IPV6, ETH_TYPE_RARP, REG_SPACES, SP, spaceIndex, type PacketState } from './state.js';

/** `%#x`: `0` for zero. */
function hx(v: bigint): string {
  return v === 0n ? '0' : '0x' + v.toString(16);
}

/** OVS `ds_put_hex()` of a big-endian byte string: `0x` + minimal hex, `0` for zero. */
export function putHex(v: bigint): string {
  // The first non-zero byte is printed with %x, the rest with %02x: the minimal hex of the value.
  return v === 0n ? '0' : '0x' + v.toString(16);
}

const REG_NAMES = Array.from({ length: 16 }, (_, i) => `reg${i}`);
/** Shift of register 4q + j within its xxreg space. */
const REG_SHIFTS = [96n, 64n, 32n, 0n];
const TUN_MD_SPACES = Array.from({ length: 64 }, (_, i) => spaceIndex(`tun_metadata${i}`));

const CS_NEW = 0x01n;
const CS_ESTABLISHED = 0x02n;
const CS_REPLY_DIR = 0x08n;

const IPPROTO_ICMP = 1n;
const IPPROTO_IGMP = 2n;
const IPPROTO_TCP = 6n;
const IPPROTO_UDP = 17n;
const IPPROTO_ICMPV6 = 58n;
const IPPROTO_SCTP = 132n;

function isNd(s: PacketState): boolean {
  return (
    s.v[SP.dl_type] === ETH_TYPE_IPV6 &&
    s.v[SP.nw_proto] === IPPROTO_ICMPV6 &&
    s.v[SP.tp_dst] === 0n &&
    (s.v[SP.tp_src] === 135n || s.v[SP.tp_src] === 136n)
  );
}

function fmtVlan(out: string[], tci: bigint, suffix: string): void {
  const cfi = (tci & 0x1000n) !== 0n;
  if (cfi) {
    out.push(`dl_vlan${suffix}=${tci & 0xfffn}`, `dl_vlan_pcp${suffix}=${(tci >> 13n) & 7n}`);
  } else {
    out.push(`vlan_tci${suffix}=0x${tci.toString(16).padStart(4, '0')}`);
  }
}

/**
 * OVS `flow_format()` of the packet state: what ofproto/trace prints after `Flow:` and
 * `Final flow:`. Ports print as numbers (ofproto/trace without --names).
 */
export function formatFlowState(s: PacketState): string {
  const v = s.v;
  const out: string[] = [];
  const dlType = v[SP.dl_type];
  const nwProto = v[SP.nw_proto];
  const isEth = v[SP.packet_type] === 0n;
  const recirc = v[SP.recirc_id];

  if (v[SP.pkt_mark]) out.push(`pkt_mark=${hx(v[SP.pkt_mark])}`);
  if (recirc) out.push(`recirc_id=${hx(recirc)}`);
  if (v[SP.dp_hash]) out.push(`dp_hash=${hx(v[SP.dp_hash])}`);
  if (v[SP.skb_priority]) out.push(`skb_priority=${hx(v[SP.skb_priority])}`);
  const ctState = v[SP.ct_state] & 0xffn;
  if (ctState) out.push(`ct_state=${formatFlagsMasked(CT_STATE_BITS, Number(ctState), 0xff, 0xff)}`);
  if (v[SP.ct_zone]) out.push(`ct_zone=${v[SP.ct_zone]}`);
  if (v[SP.ct_mark]) out.push(`ct_mark=${hx(v[SP.ct_mark])}`);
  if (v[SP.ct_label]) out.push(`ct_label=${putHex(v[SP.ct_label])}`);

  // Conntrack original-direction tuple: only for valid tracked IP packets with ct_nw_proto.
  const ctValid = (ctState & (CS_NEW | CS_ESTABLISHED | CS_REPLY_DIR)) !== 0n;
  if (ctValid && v[SP.ct_nw_proto] && isEth && (dlType === ETH_TYPE_IP || dlType === ETH_TYPE_IPV6)) {
    if (dlType === ETH_TYPE_IP) {
      out.push(`ct_nw_src=${formatIpv4(v[SP.ct_nw_src])}`, `ct_nw_dst=${formatIpv4(v[SP.ct_nw_dst])}`);
    } else if (!isNd(s)) {
      out.push(`ct_ipv6_src=${formatIpv6(v[SP.ct_ipv6_src])}`, `ct_ipv6_dst=${formatIpv6(v[SP.ct_ipv6_dst])}`);
    }
    out.push(`ct_nw_proto=${v[SP.ct_nw_proto]}`, `ct_tp_src=${v[SP.ct_tp_src]}`, `ct_tp_dst=${v[SP.ct_tp_dst]}`);
  }

  let pt = v[SP.packet_type];
  let effDlType = dlType;
  if (!isEth || recirc) {
    if (pt === 0n) out.push('eth');
    else {
      const ns = pt >> 16n;
      const type = pt & 0xffffn;
      const u16 = (x: bigint) => (x > 9n ? '0x' + x.toString(16) : x.toString());
      out.push(`packet_type=(${u16(ns)},${u16(type)})`);
      if (ns === 1n) effDlType = type;
    }
  }
  pt = 0n;

  // Protocol shorthand (dl_type is always part of a packet's wildcards for Ethernet).
  let skipType = false;
  let skipProto = false;
  const dlTypeMasked = isEth;
  const nwProtoMasked = isEth && (effDlType === ETH_TYPE_IP || effDlType === ETH_TYPE_IPV6 || effDlType === ETH_TYPE_ARP || effDlType === ETH_TYPE_RARP);
  if (dlTypeMasked) {
    skipType = true;
    if (effDlType === ETH_TYPE_IP) {
      skipProto = true;
      if (nwProto === IPPROTO_ICMP) out.push('icmp');
      else if (nwProto === IPPROTO_TCP) out.push('tcp');
      else if (nwProto === IPPROTO_UDP) out.push('udp');
      else if (nwProto === IPPROTO_SCTP) out.push('sctp');
      else {
        out.push('ip');
        skipProto = false;
      }
    } else if (effDlType === ETH_TYPE_IPV6) {
      skipProto = true;
      if (nwProto === IPPROTO_ICMPV6) out.push('icmp6');
      else if (nwProto === IPPROTO_TCP) out.push('tcp6');
      else if (nwProto === IPPROTO_UDP) out.push('udp6');
      else if (nwProto === IPPROTO_SCTP) out.push('sctp6');
      else {
        out.push('ipv6');
        skipProto = false;
      }
    } else if (effDlType === ETH_TYPE_ARP) out.push('arp');
    else if (effDlType === ETH_TYPE_RARP) out.push('rarp');
    else if (effDlType === 0x8847n) out.push('mpls');
    else if (effDlType === 0x8848n) out.push('mplsm');
    else skipType = false;
  }

  for (let q = 0; q < 4; q++) {
    const regs = v[REG_SPACES[q]];
    if (!regs) continue;
    for (let j = 0; j < 4; j++) {
      const r = (regs >> REG_SHIFTS[j]) & 0xffffffffn;
      if (r) out.push(`${REG_NAMES[4 * q + j]}=${hx(r)}`);
    }
  }

  // Tunnel.
  const tunDstSet = v[SP.tun_dst] !== 0n || v[SP.tun_ipv6_dst] !== 0n;
  if (tunDstSet) {
    const flags = v[SP.tun_flags];
    if (flags & 0x8n) out.push(`tun_id=${hx(v[SP.tun_id])}`);
    out.push(`tun_src=${formatIpv4(v[SP.tun_src])}`, `tun_dst=${formatIpv4(v[SP.tun_dst])}`);
    out.push(`tun_ipv6_src=${formatIpv6(v[SP.tun_ipv6_src])}`, `tun_ipv6_dst=${formatIpv6(v[SP.tun_ipv6_dst])}`);
    out.push(`tun_gbp_id=${v[SP.tun_gbp_id]}`, `tun_gbp_flags=${hx(v[SP.tun_gbp_flags])}`);
    out.push(`tun_tos=${v[SP.tun_tos].toString(16)}`, `tun_ttl=${v[SP.tun_ttl]}`);
    const ever = v[SP.tun_erspan_ver];
    out.push(`tun_erspan_ver=${ever}`);
    if (ever === 1n) out.push(`tun_erspan_idx=${hx(v[SP.tun_erspan_idx])}`);
    if (ever === 2n) out.push(`tun_erspan_dir=${v[SP.tun_erspan_dir]}`, `tun_erspan_hwid=${hx(v[SP.tun_erspan_hwid])}`);
    out.push(`gtpu_flags=${hx(v[SP.tun_gtpu_flags])}`, `gtpu_msgtype=${v[SP.tun_gtpu_msgtype]}`);
    out.push(`tun_flags=${formatFlagsMasked(TUN_FLAG_BITS, Number(flags & 0xfn), 0xf, 0xf)}`);
    const present = v[SP.tun_md_present];
    if (present) {
      for (let i = 0; i < 64; i++) {
        if ((present >> BigInt(i)) & 1n) out.push(`tun_metadata${i}=${putHex(v[TUN_MD_SPACES[i]])}`);
      }
    }
  } else if (v[SP.tun_id]) {
    out.push(`tun_id=${hx(v[SP.tun_id])}`);
  }

  if (v[SP.metadata]) out.push(`metadata=${hx(v[SP.metadata])}`);
  if (v[SP.in_port]) out.push(`in_port=${formatPort({ kind: 'number', port: Number(v[SP.in_port]) })}`);

  if (isEth) {
    const tci0 = v[SP.vlan_tci];
    fmtVlan(out, tci0, '');
    if (tci0 !== 0n) fmtVlan(out, v[SP.vlan_tci1], '1');
    out.push(`dl_src=${formatMac(v[SP.dl_src])}`, `dl_dst=${formatMac(v[SP.dl_dst])}`);
    if (!skipType) out.push(`dl_type=0x${dlType.toString(16).padStart(4, '0')}`);
  }

  const isIpv4 = effDlType === ETH_TYPE_IP;
  const isIpv6 = effDlType === ETH_TYPE_IPV6;
  const isArp = effDlType === ETH_TYPE_ARP || effDlType === ETH_TYPE_RARP;
  if (isIpv6) {
    out.push(`ipv6_src=${formatIpv6(v[SP.ipv6_src])}`, `ipv6_dst=${formatIpv6(v[SP.ipv6_dst])}`);
    out.push(`ipv6_label=0x${v[SP.ipv6_label].toString(16).padStart(5, '0')}`);
  } else if (isArp) {
    out.push(`arp_spa=${formatIpv4(v[SP.nw_src])}`, `arp_tpa=${formatIpv4(v[SP.nw_dst])}`);
  } else if (isIpv4) {
    out.push(`nw_src=${formatIpv4(v[SP.nw_src])}`, `nw_dst=${formatIpv4(v[SP.nw_dst])}`);
  }
  if (!skipProto && nwProtoMasked) out.push(isArp ? `arp_op=${nwProto}` : `nw_proto=${nwProto}`);
  if (isArp) out.push(`arp_sha=${formatMac(v[SP.arp_sha])}`, `arp_tha=${formatMac(v[SP.arp_tha])}`);
  if (isIpv4 || isIpv6) {
    const tos = v[SP.nw_tos];
    out.push(`nw_tos=${tos & 0xfcn}`, `nw_ecn=${tos & 3n}`, `nw_ttl=${v[SP.nw_ttl]}`);
  }
  if (effDlType === 0x8847n || effDlType === 0x8848n) {
    const lse = v[SP.mpls_lse0];
    out.push(`mpls_label=${(lse >> 12n) & 0xfffffn}`, `mpls_tc=${(lse >> 9n) & 7n}`, `mpls_ttl=${lse & 0xffn}`, `mpls_bos=${(lse >> 8n) & 1n}`);
  }
  if (isIpv4 || isIpv6) {
    const frag = v[SP.ip_frag] & 3n;
    out.push(`nw_frag=${frag & 1n ? (frag & 2n ? 'later' : 'first') : frag & 2n ? '<error>' : 'no'}`);
    const l4 =
      (frag & 2n) === 0n &&
      (nwProto === IPPROTO_ICMP || nwProto === IPPROTO_ICMPV6 || nwProto === IPPROTO_TCP || nwProto === IPPROTO_UDP || nwProto === IPPROTO_SCTP || nwProto === IPPROTO_IGMP);
    if (l4) {
      if (isIpv4 && nwProto === IPPROTO_ICMP) {
        out.push(`icmp_type=${v[SP.tp_src]}`, `icmp_code=${v[SP.tp_dst]}`);
      } else if (isIpv6 && nwProto === IPPROTO_ICMPV6) {
        out.push(`icmp_type=${v[SP.tp_src]}`, `icmp_code=${v[SP.tp_dst]}`);
        if (isNd(s)) {
          out.push(`nd_target=${formatIpv6(v[SP.nd_target])}`, `nd_sll=${formatMac(v[SP.arp_sha])}`, `nd_tll=${formatMac(v[SP.arp_tha])}`);
        }
      } else {
        out.push(`tp_src=${v[SP.tp_src]}`, `tp_dst=${v[SP.tp_dst]}`);
      }
      if (nwProto === IPPROTO_TCP) out.push(`tcp_flags=${formatFlagsMasked(TCP_FLAG_BITS, Number(v[SP.tcp_flags] & 0xfffn), 0xfff, 0xfff)}`);
    }
  }
  void pt;
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
