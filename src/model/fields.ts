/**
 * Registry of every OpenFlow/NXM/OXM field Open vSwitch 3.1 can print, once.
 *
 * Names: `name` is the spelling `ovs-ofctl dump-flows` prints in a match (`dl_src`, `nw_src`,
 * `tp_dst`, `nw_frag`, ...); `mfName` is OVS's own primary name, printed by `set_field:...->NAME`
 * and in `learn(NAME=value)`; `nxmName` is the NXM/OXM header name printed in sub-field
 * references (`load:...->NXM_NX_REG15[]`, `move:OXM_OF_METADATA[0..23]->...`). Every other
 * spelling OVS accepts (`eth_src`, `ip_src`, `OXM_OF_ETH_SRC`, `pkt_reg4`, ...) is an alias.
 *
 * Storage: fields that overlap in the datapath flow share a `storage.space` and differ by bit
 * offset/width, so an interpreter that keeps one bigint per space reads and writes every view
 * consistently. The 16 32-bit registers live in four 128-bit spaces, one per `xxregN`:
 * `xxregN` overlays reg(4N) (most significant) .. reg(4N+3) (least significant) and `xregN`
 * reg(2N) (most significant half) and reg(2N+1), as ovs-fields(7) documents, so every register
 * view lies within one space. (Not one 512-bit space: OVN writes registers in nearly every table,
 * and each write then made a 512-bit bigint.) `pkt_regN`/`OXM_OF_PKT_REGN` are aliases of `xregN`.
 * Other shared spaces: `tp_src`/`tp_dst` (tcp/udp/sctp ports and ICMP type/code), `nw_src`/
 * `nw_dst` (IPv4 and ARP SPA/TPA), `nw_proto` (also ARP opcode), `arp_sha`/`arp_tha` (also ND
 * SLL/TLL), `nw_tos` (DSCP bits 2..7, ECN bits 0..1), `vlan_tci` (VID bits 0..11, CFI 12, PCP
 * 13..15), `mpls_lse0`, `in_port` (OF1.0 and OXM port), `nsh_path_hdr`.
 */

/** How a value is written by `set_field`/`learn` (OVS `mf_format`). */
export type ValueFormat =
  | 'decimal'
  | 'hex'
  | 'mac'
  | 'ipv4'
  | 'ipv6'
  | 'ofp_port'
  | 'ofp_port_oxm'
  | 'ct_state'
  | 'tcp_flags'
  | 'frag'
  | 'tun_flags'
  | 'packet_type';

/** How a value is written inside a flow's match (OVS `match_format`), which differs per field. */
export type MatchStyle =
  | 'hex' // %#x, mask /%#x when not exact (regs, metadata, tun_id, pkt_mark, ct_mark, ...)
  | 'decimal' // %u, never masked
  | 'dec_hexmask' // %u when exact, else 0x%x/0x%x (ports, icmp type/code, ct_zone)
  | 'dec_hex08mask' // %u when exact, else 0x%08x/0x%08x
  | 'hex02mask' // %u when exact, else 0x%02x/0x%02x (NSH bytes)
  | 'hexmask' // 0x%x[/0x%x] (NSH spi / context)
  | 'hexbytes' // 0x + hex without leading zeros [/mask] (ct_label, xxreg, tun_metadata)
  | 'hexbare' // %x without 0x (tun_tos)
  | 'hex04' // 0x%04x[/0x%04x] (vlan_tci, dl_type)
  | 'hex05' // 0x%05x[/0x%05x] (ipv6_label)
  | 'nw_tos' // decimal DSCP bits (tos & 0xfc)
  | 'port'
  | 'mac'
  | 'ipv4'
  | 'ipv6'
  | 'ct_state'
  | 'tcp_flags'
  | 'tun_flags'
  | 'frag'
  | 'packet_type';

/** Prerequisite classes, as ovs-fields(7) names them. */
export type Prereq =
  | 'none'
  | 'ipv4'
  | 'ipv6'
  | 'ip_any'
  | 'arp'
  | 'tcp'
  | 'udp'
  | 'sctp'
  | 'icmpv4'
  | 'icmpv6'
  | 'nd'
  | 'nd_solicit'
  | 'nd_advert'
  | 'mpls'
  | 'vlan_vid'
  | 'ct'
  | 'nsh';

export interface FieldStorage {
  /** Underlying storage shared by overlapping fields (`regs`, `tp_src`, `nw_src`, ...). */
  readonly space: string;
  /** Bit offset of the field's least significant bit inside the space. */
  readonly offset: number;
  /** Width in bits of the view. */
  readonly width: number;
}

/** The storage spaces of the registers, xxreg0's first. */
export const REGISTER_SPACES: readonly string[] = ['xxreg0', 'xxreg1', 'xxreg2', 'xxreg3'];

export interface FieldDef {
  /** Dense index into FIELDS; stable for a given build, use it for arrays/bitsets. */
  readonly id: number;
  /** Name printed in `dump-flows` matches (canonical). */
  readonly name: string;
  /** OVS primary name, printed by `set_field:...->` and in `learn()` specs. */
  readonly mfName: string;
  /** NXM/OXM name printed in sub-field references (`NXM_NX_REG15[]`), when the field has one. */
  readonly nxmName: string | undefined;
  /** Every other accepted spelling. */
  readonly aliases: readonly string[];
  /** Width in bits. */
  readonly width: number;
  readonly maskable: boolean;
  readonly format: ValueFormat;
  readonly matchStyle: MatchStyle;
  readonly prereq: Prereq;
  readonly writable: boolean;
  readonly storage: FieldStorage;
}

type Row = [
  name: string,
  mfName: string,
  nxmName: string | undefined,
  aliases: string[],
  width: number,
  maskable: boolean,
  format: ValueFormat,
  matchStyle: MatchStyle,
  prereq: Prereq,
  writable: boolean,
  space: string,
  offset: number,
];

// Facts from ovs-fields(7) / meta-flow.h of OVS 3.1: name, OVS name, NXM/OXM name, aliases,
// width, maskable, value format, match style, prerequisites, writable, storage space, offset.
const ROWS: readonly Row[] = [
  ['dp_hash', 'dp_hash', 'NXM_NX_DP_HASH', ['NXM_NX_DP_HASH', 'NXOXM_ET_DP_HASH'], 32, true, 'hex', 'hex', 'none', false, 'dp_hash', 0],
  ['recirc_id', 'recirc_id', 'NXM_NX_RECIRC_ID', ['NXM_NX_RECIRC_ID'], 32, false, 'decimal', 'hex', 'none', false, 'recirc_id', 0],
  ['packet_type', 'packet_type', 'OXM_OF_PACKET_TYPE', ['OXM_OF_PACKET_TYPE'], 32, false, 'packet_type', 'packet_type', 'none', false, 'packet_type', 0],
  ['conj_id', 'conj_id', 'NXM_NX_CONJ_ID', ['NXM_NX_CONJ_ID'], 32, false, 'decimal', 'decimal', 'none', false, 'conj_id', 0],
  ['tun_id', 'tun_id', 'NXM_NX_TUN_ID', ['tunnel_id', 'NXM_NX_TUN_ID', 'OXM_OF_TUNNEL_ID'], 64, true, 'hex', 'hex', 'none', true, 'tun_id', 0],
  ['tun_src', 'tun_src', 'NXM_NX_TUN_IPV4_SRC', ['NXM_NX_TUN_IPV4_SRC'], 32, true, 'ipv4', 'ipv4', 'none', true, 'tun_src', 0],
  ['tun_dst', 'tun_dst', 'NXM_NX_TUN_IPV4_DST', ['NXM_NX_TUN_IPV4_DST'], 32, true, 'ipv4', 'ipv4', 'none', true, 'tun_dst', 0],
  ['tun_ipv6_src', 'tun_ipv6_src', 'NXM_NX_TUN_IPV6_SRC', ['NXM_NX_TUN_IPV6_SRC'], 128, true, 'ipv6', 'ipv6', 'none', true, 'tun_ipv6_src', 0],
  ['tun_ipv6_dst', 'tun_ipv6_dst', 'NXM_NX_TUN_IPV6_DST', ['NXM_NX_TUN_IPV6_DST'], 128, true, 'ipv6', 'ipv6', 'none', true, 'tun_ipv6_dst', 0],
  ['tun_flags', 'tun_flags', 'NXM_NX_TUN_FLAGS', ['NXM_NX_TUN_FLAGS'], 1, true, 'tun_flags', 'tun_flags', 'none', true, 'tun_flags', 0],
  ['tun_ttl', 'tun_ttl', undefined, [], 8, false, 'decimal', 'decimal', 'none', false, 'tun_ttl', 0],
  ['tun_tos', 'tun_tos', undefined, [], 8, false, 'decimal', 'hexbare', 'none', false, 'tun_tos', 0],
  ['tun_gbp_id', 'tun_gbp_id', 'NXM_NX_TUN_GBP_ID', ['NXM_NX_TUN_GBP_ID'], 16, true, 'decimal', 'dec_hexmask', 'none', true, 'tun_gbp_id', 0],
  ['tun_gbp_flags', 'tun_gbp_flags', 'NXM_NX_TUN_GBP_FLAGS', ['NXM_NX_TUN_GBP_FLAGS'], 8, true, 'hex', 'hex', 'none', true, 'tun_gbp_flags', 0],
  ['tun_erspan_idx', 'tun_erspan_idx', 'NXOXM_ET_ERSPAN_IDX', ['NXOXM_ET_ERSPAN_IDX'], 20, true, 'hex', 'hex', 'none', true, 'tun_erspan_idx', 0],
  ['tun_erspan_ver', 'tun_erspan_ver', 'NXOXM_ET_ERSPAN_VER', ['NXOXM_ET_ERSPAN_VER'], 4, true, 'decimal', 'decimal', 'none', true, 'tun_erspan_ver', 0],
  ['tun_erspan_dir', 'tun_erspan_dir', 'NXOXM_ET_ERSPAN_DIR', ['NXOXM_ET_ERSPAN_DIR'], 1, true, 'decimal', 'decimal', 'none', true, 'tun_erspan_dir', 0],
  ['tun_erspan_hwid', 'tun_erspan_hwid', 'NXOXM_ET_ERSPAN_HWID', ['NXOXM_ET_ERSPAN_HWID'], 6, true, 'hex', 'hex', 'none', true, 'tun_erspan_hwid', 0],
  ['tun_gtpu_flags', 'tun_gtpu_flags', 'NXOXM_ET_GTPU_FLAGS', ['NXOXM_ET_GTPU_FLAGS'], 8, true, 'hex', 'hex', 'none', false, 'tun_gtpu_flags', 0],
  ['tun_gtpu_msgtype', 'tun_gtpu_msgtype', 'NXOXM_ET_GTPU_MSGTYPE', ['NXOXM_ET_GTPU_MSGTYPE'], 8, true, 'decimal', 'decimal', 'none', false, 'tun_gtpu_msgtype', 0],
  ['tun_metadata0', 'tun_metadata0', 'NXM_NX_TUN_METADATA0', ['NXM_NX_TUN_METADATA0'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata0', 0],
  ['tun_metadata1', 'tun_metadata1', 'NXM_NX_TUN_METADATA1', ['NXM_NX_TUN_METADATA1'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata1', 0],
  ['tun_metadata2', 'tun_metadata2', 'NXM_NX_TUN_METADATA2', ['NXM_NX_TUN_METADATA2'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata2', 0],
  ['tun_metadata3', 'tun_metadata3', 'NXM_NX_TUN_METADATA3', ['NXM_NX_TUN_METADATA3'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata3', 0],
  ['tun_metadata4', 'tun_metadata4', 'NXM_NX_TUN_METADATA4', ['NXM_NX_TUN_METADATA4'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata4', 0],
  ['tun_metadata5', 'tun_metadata5', 'NXM_NX_TUN_METADATA5', ['NXM_NX_TUN_METADATA5'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata5', 0],
  ['tun_metadata6', 'tun_metadata6', 'NXM_NX_TUN_METADATA6', ['NXM_NX_TUN_METADATA6'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata6', 0],
  ['tun_metadata7', 'tun_metadata7', 'NXM_NX_TUN_METADATA7', ['NXM_NX_TUN_METADATA7'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata7', 0],
  ['tun_metadata8', 'tun_metadata8', 'NXM_NX_TUN_METADATA8', ['NXM_NX_TUN_METADATA8'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata8', 0],
  ['tun_metadata9', 'tun_metadata9', 'NXM_NX_TUN_METADATA9', ['NXM_NX_TUN_METADATA9'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata9', 0],
  ['tun_metadata10', 'tun_metadata10', 'NXM_NX_TUN_METADATA10', ['NXM_NX_TUN_METADATA10'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata10', 0],
  ['tun_metadata11', 'tun_metadata11', 'NXM_NX_TUN_METADATA11', ['NXM_NX_TUN_METADATA11'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata11', 0],
  ['tun_metadata12', 'tun_metadata12', 'NXM_NX_TUN_METADATA12', ['NXM_NX_TUN_METADATA12'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata12', 0],
  ['tun_metadata13', 'tun_metadata13', 'NXM_NX_TUN_METADATA13', ['NXM_NX_TUN_METADATA13'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata13', 0],
  ['tun_metadata14', 'tun_metadata14', 'NXM_NX_TUN_METADATA14', ['NXM_NX_TUN_METADATA14'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata14', 0],
  ['tun_metadata15', 'tun_metadata15', 'NXM_NX_TUN_METADATA15', ['NXM_NX_TUN_METADATA15'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata15', 0],
  ['tun_metadata16', 'tun_metadata16', 'NXM_NX_TUN_METADATA16', ['NXM_NX_TUN_METADATA16'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata16', 0],
  ['tun_metadata17', 'tun_metadata17', 'NXM_NX_TUN_METADATA17', ['NXM_NX_TUN_METADATA17'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata17', 0],
  ['tun_metadata18', 'tun_metadata18', 'NXM_NX_TUN_METADATA18', ['NXM_NX_TUN_METADATA18'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata18', 0],
  ['tun_metadata19', 'tun_metadata19', 'NXM_NX_TUN_METADATA19', ['NXM_NX_TUN_METADATA19'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata19', 0],
  ['tun_metadata20', 'tun_metadata20', 'NXM_NX_TUN_METADATA20', ['NXM_NX_TUN_METADATA20'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata20', 0],
  ['tun_metadata21', 'tun_metadata21', 'NXM_NX_TUN_METADATA21', ['NXM_NX_TUN_METADATA21'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata21', 0],
  ['tun_metadata22', 'tun_metadata22', 'NXM_NX_TUN_METADATA22', ['NXM_NX_TUN_METADATA22'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata22', 0],
  ['tun_metadata23', 'tun_metadata23', 'NXM_NX_TUN_METADATA23', ['NXM_NX_TUN_METADATA23'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata23', 0],
  ['tun_metadata24', 'tun_metadata24', 'NXM_NX_TUN_METADATA24', ['NXM_NX_TUN_METADATA24'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata24', 0],
  ['tun_metadata25', 'tun_metadata25', 'NXM_NX_TUN_METADATA25', ['NXM_NX_TUN_METADATA25'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata25', 0],
  ['tun_metadata26', 'tun_metadata26', 'NXM_NX_TUN_METADATA26', ['NXM_NX_TUN_METADATA26'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata26', 0],
  ['tun_metadata27', 'tun_metadata27', 'NXM_NX_TUN_METADATA27', ['NXM_NX_TUN_METADATA27'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata27', 0],
  ['tun_metadata28', 'tun_metadata28', 'NXM_NX_TUN_METADATA28', ['NXM_NX_TUN_METADATA28'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata28', 0],
  ['tun_metadata29', 'tun_metadata29', 'NXM_NX_TUN_METADATA29', ['NXM_NX_TUN_METADATA29'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata29', 0],
  ['tun_metadata30', 'tun_metadata30', 'NXM_NX_TUN_METADATA30', ['NXM_NX_TUN_METADATA30'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata30', 0],
  ['tun_metadata31', 'tun_metadata31', 'NXM_NX_TUN_METADATA31', ['NXM_NX_TUN_METADATA31'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata31', 0],
  ['tun_metadata32', 'tun_metadata32', 'NXM_NX_TUN_METADATA32', ['NXM_NX_TUN_METADATA32'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata32', 0],
  ['tun_metadata33', 'tun_metadata33', 'NXM_NX_TUN_METADATA33', ['NXM_NX_TUN_METADATA33'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata33', 0],
  ['tun_metadata34', 'tun_metadata34', 'NXM_NX_TUN_METADATA34', ['NXM_NX_TUN_METADATA34'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata34', 0],
  ['tun_metadata35', 'tun_metadata35', 'NXM_NX_TUN_METADATA35', ['NXM_NX_TUN_METADATA35'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata35', 0],
  ['tun_metadata36', 'tun_metadata36', 'NXM_NX_TUN_METADATA36', ['NXM_NX_TUN_METADATA36'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata36', 0],
  ['tun_metadata37', 'tun_metadata37', 'NXM_NX_TUN_METADATA37', ['NXM_NX_TUN_METADATA37'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata37', 0],
  ['tun_metadata38', 'tun_metadata38', 'NXM_NX_TUN_METADATA38', ['NXM_NX_TUN_METADATA38'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata38', 0],
  ['tun_metadata39', 'tun_metadata39', 'NXM_NX_TUN_METADATA39', ['NXM_NX_TUN_METADATA39'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata39', 0],
  ['tun_metadata40', 'tun_metadata40', 'NXM_NX_TUN_METADATA40', ['NXM_NX_TUN_METADATA40'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata40', 0],
  ['tun_metadata41', 'tun_metadata41', 'NXM_NX_TUN_METADATA41', ['NXM_NX_TUN_METADATA41'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata41', 0],
  ['tun_metadata42', 'tun_metadata42', 'NXM_NX_TUN_METADATA42', ['NXM_NX_TUN_METADATA42'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata42', 0],
  ['tun_metadata43', 'tun_metadata43', 'NXM_NX_TUN_METADATA43', ['NXM_NX_TUN_METADATA43'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata43', 0],
  ['tun_metadata44', 'tun_metadata44', 'NXM_NX_TUN_METADATA44', ['NXM_NX_TUN_METADATA44'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata44', 0],
  ['tun_metadata45', 'tun_metadata45', 'NXM_NX_TUN_METADATA45', ['NXM_NX_TUN_METADATA45'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata45', 0],
  ['tun_metadata46', 'tun_metadata46', 'NXM_NX_TUN_METADATA46', ['NXM_NX_TUN_METADATA46'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata46', 0],
  ['tun_metadata47', 'tun_metadata47', 'NXM_NX_TUN_METADATA47', ['NXM_NX_TUN_METADATA47'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata47', 0],
  ['tun_metadata48', 'tun_metadata48', 'NXM_NX_TUN_METADATA48', ['NXM_NX_TUN_METADATA48'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata48', 0],
  ['tun_metadata49', 'tun_metadata49', 'NXM_NX_TUN_METADATA49', ['NXM_NX_TUN_METADATA49'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata49', 0],
  ['tun_metadata50', 'tun_metadata50', 'NXM_NX_TUN_METADATA50', ['NXM_NX_TUN_METADATA50'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata50', 0],
  ['tun_metadata51', 'tun_metadata51', 'NXM_NX_TUN_METADATA51', ['NXM_NX_TUN_METADATA51'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata51', 0],
  ['tun_metadata52', 'tun_metadata52', 'NXM_NX_TUN_METADATA52', ['NXM_NX_TUN_METADATA52'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata52', 0],
  ['tun_metadata53', 'tun_metadata53', 'NXM_NX_TUN_METADATA53', ['NXM_NX_TUN_METADATA53'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata53', 0],
  ['tun_metadata54', 'tun_metadata54', 'NXM_NX_TUN_METADATA54', ['NXM_NX_TUN_METADATA54'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata54', 0],
  ['tun_metadata55', 'tun_metadata55', 'NXM_NX_TUN_METADATA55', ['NXM_NX_TUN_METADATA55'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata55', 0],
  ['tun_metadata56', 'tun_metadata56', 'NXM_NX_TUN_METADATA56', ['NXM_NX_TUN_METADATA56'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata56', 0],
  ['tun_metadata57', 'tun_metadata57', 'NXM_NX_TUN_METADATA57', ['NXM_NX_TUN_METADATA57'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata57', 0],
  ['tun_metadata58', 'tun_metadata58', 'NXM_NX_TUN_METADATA58', ['NXM_NX_TUN_METADATA58'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata58', 0],
  ['tun_metadata59', 'tun_metadata59', 'NXM_NX_TUN_METADATA59', ['NXM_NX_TUN_METADATA59'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata59', 0],
  ['tun_metadata60', 'tun_metadata60', 'NXM_NX_TUN_METADATA60', ['NXM_NX_TUN_METADATA60'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata60', 0],
  ['tun_metadata61', 'tun_metadata61', 'NXM_NX_TUN_METADATA61', ['NXM_NX_TUN_METADATA61'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata61', 0],
  ['tun_metadata62', 'tun_metadata62', 'NXM_NX_TUN_METADATA62', ['NXM_NX_TUN_METADATA62'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata62', 0],
  ['tun_metadata63', 'tun_metadata63', 'NXM_NX_TUN_METADATA63', ['NXM_NX_TUN_METADATA63'], 992, true, 'hex', 'hexbytes', 'none', true, 'tun_metadata63', 0],
  ['metadata', 'metadata', 'OXM_OF_METADATA', ['OXM_OF_METADATA'], 64, true, 'hex', 'hex', 'none', true, 'metadata', 0],
  ['in_port', 'in_port', 'NXM_OF_IN_PORT', ['NXM_OF_IN_PORT'], 16, false, 'ofp_port', 'port', 'none', true, 'in_port', 0],
  ['in_port_oxm', 'in_port_oxm', 'OXM_OF_IN_PORT', ['OXM_OF_IN_PORT'], 32, false, 'ofp_port_oxm', 'port', 'none', true, 'in_port', 0],
  ['actset_output', 'actset_output', 'ONFOXM_ET_ACTSET_OUTPUT', ['ONFOXM_ET_ACTSET_OUTPUT'], 32, false, 'ofp_port_oxm', 'port', 'none', false, 'actset_output', 0],
  ['skb_priority', 'skb_priority', undefined, [], 32, false, 'hex', 'hex', 'none', false, 'skb_priority', 0],
  ['pkt_mark', 'pkt_mark', 'NXM_NX_PKT_MARK', ['NXM_NX_PKT_MARK'], 32, true, 'hex', 'hex', 'none', true, 'pkt_mark', 0],
  ['ct_state', 'ct_state', 'NXM_NX_CT_STATE', ['NXM_NX_CT_STATE'], 32, true, 'ct_state', 'ct_state', 'none', false, 'ct_state', 0],
  ['ct_zone', 'ct_zone', 'NXM_NX_CT_ZONE', ['NXM_NX_CT_ZONE'], 16, false, 'hex', 'dec_hexmask', 'none', false, 'ct_zone', 0],
  ['ct_mark', 'ct_mark', 'NXM_NX_CT_MARK', ['NXM_NX_CT_MARK'], 32, true, 'hex', 'hex', 'none', true, 'ct_mark', 0],
  ['ct_label', 'ct_label', 'NXM_NX_CT_LABEL', ['NXM_NX_CT_LABEL'], 128, true, 'hex', 'hexbytes', 'none', true, 'ct_label', 0],
  ['ct_nw_proto', 'ct_nw_proto', 'NXM_NX_CT_NW_PROTO', ['NXM_NX_CT_NW_PROTO'], 8, false, 'decimal', 'decimal', 'ct', false, 'ct_nw_proto', 0],
  ['ct_nw_src', 'ct_nw_src', 'NXM_NX_CT_NW_SRC', ['NXM_NX_CT_NW_SRC'], 32, true, 'ipv4', 'ipv4', 'ct', false, 'ct_nw_src', 0],
  ['ct_nw_dst', 'ct_nw_dst', 'NXM_NX_CT_NW_DST', ['NXM_NX_CT_NW_DST'], 32, true, 'ipv4', 'ipv4', 'ct', false, 'ct_nw_dst', 0],
  ['ct_ipv6_src', 'ct_ipv6_src', 'NXM_NX_CT_IPV6_SRC', ['NXM_NX_CT_IPV6_SRC'], 128, true, 'ipv6', 'ipv6', 'ct', false, 'ct_ipv6_src', 0],
  ['ct_ipv6_dst', 'ct_ipv6_dst', 'NXM_NX_CT_IPV6_DST', ['NXM_NX_CT_IPV6_DST'], 128, true, 'ipv6', 'ipv6', 'ct', false, 'ct_ipv6_dst', 0],
  ['ct_tp_src', 'ct_tp_src', 'NXM_NX_CT_TP_SRC', ['NXM_NX_CT_TP_SRC'], 16, true, 'decimal', 'dec_hexmask', 'ct', false, 'ct_tp_src', 0],
  ['ct_tp_dst', 'ct_tp_dst', 'NXM_NX_CT_TP_DST', ['NXM_NX_CT_TP_DST'], 16, true, 'decimal', 'dec_hexmask', 'ct', false, 'ct_tp_dst', 0],
  ['reg0', 'reg0', 'NXM_NX_REG0', ['NXM_NX_REG0'], 32, true, 'hex', 'hex', 'none', true, 'xxreg0', 96],
  ['reg1', 'reg1', 'NXM_NX_REG1', ['NXM_NX_REG1'], 32, true, 'hex', 'hex', 'none', true, 'xxreg0', 64],
  ['reg2', 'reg2', 'NXM_NX_REG2', ['NXM_NX_REG2'], 32, true, 'hex', 'hex', 'none', true, 'xxreg0', 32],
  ['reg3', 'reg3', 'NXM_NX_REG3', ['NXM_NX_REG3'], 32, true, 'hex', 'hex', 'none', true, 'xxreg0', 0],
  ['reg4', 'reg4', 'NXM_NX_REG4', ['NXM_NX_REG4'], 32, true, 'hex', 'hex', 'none', true, 'xxreg1', 96],
  ['reg5', 'reg5', 'NXM_NX_REG5', ['NXM_NX_REG5'], 32, true, 'hex', 'hex', 'none', true, 'xxreg1', 64],
  ['reg6', 'reg6', 'NXM_NX_REG6', ['NXM_NX_REG6'], 32, true, 'hex', 'hex', 'none', true, 'xxreg1', 32],
  ['reg7', 'reg7', 'NXM_NX_REG7', ['NXM_NX_REG7'], 32, true, 'hex', 'hex', 'none', true, 'xxreg1', 0],
  ['reg8', 'reg8', 'NXM_NX_REG8', ['NXM_NX_REG8'], 32, true, 'hex', 'hex', 'none', true, 'xxreg2', 96],
  ['reg9', 'reg9', 'NXM_NX_REG9', ['NXM_NX_REG9'], 32, true, 'hex', 'hex', 'none', true, 'xxreg2', 64],
  ['reg10', 'reg10', 'NXM_NX_REG10', ['NXM_NX_REG10'], 32, true, 'hex', 'hex', 'none', true, 'xxreg2', 32],
  ['reg11', 'reg11', 'NXM_NX_REG11', ['NXM_NX_REG11'], 32, true, 'hex', 'hex', 'none', true, 'xxreg2', 0],
  ['reg12', 'reg12', 'NXM_NX_REG12', ['NXM_NX_REG12'], 32, true, 'hex', 'hex', 'none', true, 'xxreg3', 96],
  ['reg13', 'reg13', 'NXM_NX_REG13', ['NXM_NX_REG13'], 32, true, 'hex', 'hex', 'none', true, 'xxreg3', 64],
  ['reg14', 'reg14', 'NXM_NX_REG14', ['NXM_NX_REG14'], 32, true, 'hex', 'hex', 'none', true, 'xxreg3', 32],
  ['reg15', 'reg15', 'NXM_NX_REG15', ['NXM_NX_REG15'], 32, true, 'hex', 'hex', 'none', true, 'xxreg3', 0],
  ['xreg0', 'xreg0', 'OXM_OF_PKT_REG0', ['OXM_OF_PKT_REG0', 'pkt_reg0'], 64, true, 'hex', 'hex', 'none', true, 'xxreg0', 64],
  ['xreg1', 'xreg1', 'OXM_OF_PKT_REG1', ['OXM_OF_PKT_REG1', 'pkt_reg1'], 64, true, 'hex', 'hex', 'none', true, 'xxreg0', 0],
  ['xreg2', 'xreg2', 'OXM_OF_PKT_REG2', ['OXM_OF_PKT_REG2', 'pkt_reg2'], 64, true, 'hex', 'hex', 'none', true, 'xxreg1', 64],
  ['xreg3', 'xreg3', 'OXM_OF_PKT_REG3', ['OXM_OF_PKT_REG3', 'pkt_reg3'], 64, true, 'hex', 'hex', 'none', true, 'xxreg1', 0],
  ['xreg4', 'xreg4', 'OXM_OF_PKT_REG4', ['OXM_OF_PKT_REG4', 'pkt_reg4'], 64, true, 'hex', 'hex', 'none', true, 'xxreg2', 64],
  ['xreg5', 'xreg5', 'OXM_OF_PKT_REG5', ['OXM_OF_PKT_REG5', 'pkt_reg5'], 64, true, 'hex', 'hex', 'none', true, 'xxreg2', 0],
  ['xreg6', 'xreg6', 'OXM_OF_PKT_REG6', ['OXM_OF_PKT_REG6', 'pkt_reg6'], 64, true, 'hex', 'hex', 'none', true, 'xxreg3', 64],
  ['xreg7', 'xreg7', 'OXM_OF_PKT_REG7', ['OXM_OF_PKT_REG7', 'pkt_reg7'], 64, true, 'hex', 'hex', 'none', true, 'xxreg3', 0],
  ['xxreg0', 'xxreg0', 'NXM_NX_XXREG0', ['NXM_NX_XXREG0'], 128, true, 'hex', 'hexbytes', 'none', true, 'xxreg0', 0],
  ['xxreg1', 'xxreg1', 'NXM_NX_XXREG1', ['NXM_NX_XXREG1'], 128, true, 'hex', 'hexbytes', 'none', true, 'xxreg1', 0],
  ['xxreg2', 'xxreg2', 'NXM_NX_XXREG2', ['NXM_NX_XXREG2'], 128, true, 'hex', 'hexbytes', 'none', true, 'xxreg2', 0],
  ['xxreg3', 'xxreg3', 'NXM_NX_XXREG3', ['NXM_NX_XXREG3'], 128, true, 'hex', 'hexbytes', 'none', true, 'xxreg3', 0],
  ['dl_src', 'eth_src', 'NXM_OF_ETH_SRC', ['eth_src', 'NXM_OF_ETH_SRC', 'OXM_OF_ETH_SRC'], 48, true, 'mac', 'mac', 'none', true, 'dl_src', 0],
  ['dl_dst', 'eth_dst', 'NXM_OF_ETH_DST', ['eth_dst', 'NXM_OF_ETH_DST', 'OXM_OF_ETH_DST'], 48, true, 'mac', 'mac', 'none', true, 'dl_dst', 0],
  ['dl_type', 'eth_type', 'NXM_OF_ETH_TYPE', ['eth_type', 'NXM_OF_ETH_TYPE', 'OXM_OF_ETH_TYPE'], 16, false, 'hex', 'hex04', 'none', false, 'dl_type', 0],
  ['vlan_tci', 'vlan_tci', 'NXM_OF_VLAN_TCI', ['NXM_OF_VLAN_TCI'], 16, true, 'hex', 'hex04', 'none', true, 'vlan_tci', 0],
  ['dl_vlan', 'dl_vlan', undefined, [], 12, false, 'decimal', 'decimal', 'none', true, 'vlan_tci', 0],
  ['vlan_vid', 'vlan_vid', 'OXM_OF_VLAN_VID', ['OXM_OF_VLAN_VID'], 12, true, 'decimal', 'dec_hexmask', 'none', true, 'vlan_tci', 0],
  ['dl_vlan_pcp', 'dl_vlan_pcp', undefined, [], 3, false, 'decimal', 'decimal', 'none', true, 'vlan_tci', 13],
  ['vlan_pcp', 'vlan_pcp', 'OXM_OF_VLAN_PCP', ['OXM_OF_VLAN_PCP'], 3, false, 'decimal', 'decimal', 'vlan_vid', true, 'vlan_tci', 13],
  ['mpls_label', 'mpls_label', 'OXM_OF_MPLS_LABEL', ['OXM_OF_MPLS_LABEL'], 20, false, 'decimal', 'decimal', 'mpls', true, 'mpls_lse0', 12],
  ['mpls_tc', 'mpls_tc', 'OXM_OF_MPLS_TC', ['OXM_OF_MPLS_TC'], 3, false, 'decimal', 'decimal', 'mpls', true, 'mpls_lse0', 9],
  ['mpls_bos', 'mpls_bos', 'OXM_OF_MPLS_BOS', ['OXM_OF_MPLS_BOS'], 1, false, 'decimal', 'decimal', 'mpls', false, 'mpls_lse0', 8],
  ['mpls_ttl', 'mpls_ttl', 'NXM_NX_MPLS_TTL', ['NXM_NX_MPLS_TTL'], 8, false, 'decimal', 'decimal', 'mpls', true, 'mpls_lse0', 0],
  ['nw_src', 'ip_src', 'NXM_OF_IP_SRC', ['ip_src', 'NXM_OF_IP_SRC', 'OXM_OF_IPV4_SRC'], 32, true, 'ipv4', 'ipv4', 'ipv4', true, 'nw_src', 0],
  ['nw_dst', 'ip_dst', 'NXM_OF_IP_DST', ['ip_dst', 'NXM_OF_IP_DST', 'OXM_OF_IPV4_DST'], 32, true, 'ipv4', 'ipv4', 'ipv4', true, 'nw_dst', 0],
  ['ipv6_src', 'ipv6_src', 'NXM_NX_IPV6_SRC', ['NXM_NX_IPV6_SRC', 'OXM_OF_IPV6_SRC'], 128, true, 'ipv6', 'ipv6', 'ipv6', true, 'ipv6_src', 0],
  ['ipv6_dst', 'ipv6_dst', 'NXM_NX_IPV6_DST', ['NXM_NX_IPV6_DST', 'OXM_OF_IPV6_DST'], 128, true, 'ipv6', 'ipv6', 'ipv6', true, 'ipv6_dst', 0],
  ['ipv6_label', 'ipv6_label', 'NXM_NX_IPV6_LABEL', ['NXM_NX_IPV6_LABEL', 'OXM_OF_IPV6_FLABEL'], 20, true, 'hex', 'hex05', 'ipv6', true, 'ipv6_label', 0],
  ['nw_proto', 'nw_proto', 'NXM_OF_IP_PROTO', ['ip_proto', 'NXM_OF_IP_PROTO', 'OXM_OF_IP_PROTO'], 8, false, 'decimal', 'decimal', 'ip_any', false, 'nw_proto', 0],
  ['nw_tos', 'nw_tos', 'NXM_OF_IP_TOS', ['NXM_OF_IP_TOS'], 8, false, 'decimal', 'nw_tos', 'ip_any', true, 'nw_tos', 0],
  ['ip_dscp', 'ip_dscp', 'OXM_OF_IP_DSCP', ['OXM_OF_IP_DSCP'], 6, false, 'decimal', 'decimal', 'ip_any', true, 'nw_tos', 2],
  ['nw_ecn', 'nw_ecn', 'NXM_NX_IP_ECN', ['ip_ecn', 'NXM_NX_IP_ECN', 'OXM_OF_IP_ECN'], 2, false, 'decimal', 'decimal', 'ip_any', true, 'nw_tos', 0],
  ['nw_ttl', 'nw_ttl', 'NXM_NX_IP_TTL', ['NXM_NX_IP_TTL'], 8, false, 'decimal', 'decimal', 'ip_any', true, 'nw_ttl', 0],
  ['nw_frag', 'ip_frag', 'NXM_NX_IP_FRAG', ['ip_frag', 'NXM_NX_IP_FRAG'], 2, true, 'frag', 'frag', 'ip_any', false, 'ip_frag', 0],
  ['arp_op', 'arp_op', 'NXM_OF_ARP_OP', ['NXM_OF_ARP_OP', 'OXM_OF_ARP_OP'], 16, false, 'decimal', 'decimal', 'arp', true, 'nw_proto', 0],
  ['arp_spa', 'arp_spa', 'NXM_OF_ARP_SPA', ['NXM_OF_ARP_SPA', 'OXM_OF_ARP_SPA'], 32, true, 'ipv4', 'ipv4', 'arp', true, 'nw_src', 0],
  ['arp_tpa', 'arp_tpa', 'NXM_OF_ARP_TPA', ['NXM_OF_ARP_TPA', 'OXM_OF_ARP_TPA'], 32, true, 'ipv4', 'ipv4', 'arp', true, 'nw_dst', 0],
  ['arp_sha', 'arp_sha', 'NXM_NX_ARP_SHA', ['NXM_NX_ARP_SHA', 'OXM_OF_ARP_SHA'], 48, true, 'mac', 'mac', 'arp', true, 'arp_sha', 0],
  ['arp_tha', 'arp_tha', 'NXM_NX_ARP_THA', ['NXM_NX_ARP_THA', 'OXM_OF_ARP_THA'], 48, true, 'mac', 'mac', 'arp', true, 'arp_tha', 0],
  ['tp_src', 'tcp_src', 'NXM_OF_TCP_SRC', ['tcp_src', 'NXM_OF_TCP_SRC', 'OXM_OF_TCP_SRC'], 16, true, 'decimal', 'dec_hexmask', 'tcp', true, 'tp_src', 0],
  ['tp_dst', 'tcp_dst', 'NXM_OF_TCP_DST', ['tcp_dst', 'NXM_OF_TCP_DST', 'OXM_OF_TCP_DST'], 16, true, 'decimal', 'dec_hexmask', 'tcp', true, 'tp_dst', 0],
  ['tcp_flags', 'tcp_flags', 'NXM_NX_TCP_FLAGS', ['NXM_NX_TCP_FLAGS', 'ONFOXM_ET_TCP_FLAGS'], 12, true, 'tcp_flags', 'tcp_flags', 'tcp', false, 'tcp_flags', 0],
  ['udp_src', 'udp_src', 'NXM_OF_UDP_SRC', ['NXM_OF_UDP_SRC', 'OXM_OF_UDP_SRC'], 16, true, 'decimal', 'dec_hexmask', 'udp', true, 'tp_src', 0],
  ['udp_dst', 'udp_dst', 'NXM_OF_UDP_DST', ['NXM_OF_UDP_DST', 'OXM_OF_UDP_DST'], 16, true, 'decimal', 'dec_hexmask', 'udp', true, 'tp_dst', 0],
  ['sctp_src', 'sctp_src', 'OXM_OF_SCTP_SRC', ['OXM_OF_SCTP_SRC'], 16, true, 'decimal', 'dec_hexmask', 'sctp', true, 'tp_src', 0],
  ['sctp_dst', 'sctp_dst', 'OXM_OF_SCTP_DST', ['OXM_OF_SCTP_DST'], 16, true, 'decimal', 'dec_hexmask', 'sctp', true, 'tp_dst', 0],
  ['icmp_type', 'icmp_type', 'NXM_OF_ICMP_TYPE', ['NXM_OF_ICMP_TYPE', 'OXM_OF_ICMPV4_TYPE'], 8, false, 'decimal', 'dec_hexmask', 'icmpv4', true, 'tp_src', 0],
  ['icmp_code', 'icmp_code', 'NXM_OF_ICMP_CODE', ['NXM_OF_ICMP_CODE', 'OXM_OF_ICMPV4_CODE'], 8, false, 'decimal', 'dec_hexmask', 'icmpv4', true, 'tp_dst', 0],
  ['icmpv6_type', 'icmpv6_type', 'NXM_NX_ICMPV6_TYPE', ['NXM_NX_ICMPV6_TYPE', 'OXM_OF_ICMPV6_TYPE'], 8, false, 'decimal', 'dec_hexmask', 'icmpv6', true, 'tp_src', 0],
  ['icmpv6_code', 'icmpv6_code', 'NXM_NX_ICMPV6_CODE', ['NXM_NX_ICMPV6_CODE', 'OXM_OF_ICMPV6_CODE'], 8, false, 'decimal', 'dec_hexmask', 'icmpv6', true, 'tp_dst', 0],
  ['nd_target', 'nd_target', 'NXM_NX_ND_TARGET', ['NXM_NX_ND_TARGET', 'OXM_OF_IPV6_ND_TARGET'], 128, true, 'ipv6', 'ipv6', 'nd', true, 'nd_target', 0],
  ['nd_sll', 'nd_sll', 'NXM_NX_ND_SLL', ['NXM_NX_ND_SLL', 'OXM_OF_IPV6_ND_SLL'], 48, true, 'mac', 'mac', 'nd_solicit', true, 'arp_sha', 0],
  ['nd_tll', 'nd_tll', 'NXM_NX_ND_TLL', ['NXM_NX_ND_TLL', 'OXM_OF_IPV6_ND_TLL'], 48, true, 'mac', 'mac', 'nd_advert', true, 'arp_tha', 0],
  ['nd_reserved', 'nd_reserved', 'ERICOXM_OF_ICMPV6_ND_RESERVED', ['ERICOXM_OF_ICMPV6_ND_RESERVED'], 32, false, 'decimal', 'dec_hex08mask', 'nd', true, 'igmp_group_ip4', 0],
  ['nd_options_type', 'nd_options_type', 'ERICOXM_OF_ICMPV6_ND_OPTIONS_TYPE', ['ERICOXM_OF_ICMPV6_ND_OPTIONS_TYPE'], 8, false, 'decimal', 'dec_hexmask', 'nd', true, 'tcp_flags', 0],
  ['nsh_flags', 'nsh_flags', 'NXOXM_NSH_FLAGS', ['NXOXM_NSH_FLAGS'], 8, true, 'decimal', 'hex02mask', 'nsh', true, 'nsh_flags', 0],
  ['nsh_mdtype', 'nsh_mdtype', 'NXOXM_NSH_MDTYPE', ['NXOXM_NSH_MDTYPE'], 8, false, 'decimal', 'hex02mask', 'nsh', false, 'nsh_mdtype', 0],
  ['nsh_np', 'nsh_np', 'NXOXM_NSH_NP', ['NXOXM_NSH_NP'], 8, false, 'decimal', 'hex02mask', 'nsh', false, 'nsh_np', 0],
  ['nsh_spi', 'nsh_spi', 'NXOXM_NSH_SPI', ['nsp', 'NXOXM_NSH_SPI'], 24, false, 'hex', 'hexmask', 'nsh', true, 'nsh_path_hdr', 8],
  ['nsh_si', 'nsh_si', 'NXOXM_NSH_SI', ['nsi', 'NXOXM_NSH_SI'], 8, false, 'decimal', 'hex02mask', 'nsh', true, 'nsh_path_hdr', 0],
  ['nsh_c1', 'nsh_c1', 'NXOXM_NSH_C1', ['nshc1', 'NXOXM_NSH_C1'], 32, true, 'hex', 'hexmask', 'nsh', true, 'nsh_c1', 0],
  ['nsh_c2', 'nsh_c2', 'NXOXM_NSH_C2', ['nshc2', 'NXOXM_NSH_C2'], 32, true, 'hex', 'hexmask', 'nsh', true, 'nsh_c2', 0],
  ['nsh_c3', 'nsh_c3', 'NXOXM_NSH_C3', ['nshc3', 'NXOXM_NSH_C3'], 32, true, 'hex', 'hexmask', 'nsh', true, 'nsh_c3', 0],
  ['nsh_c4', 'nsh_c4', 'NXOXM_NSH_C4', ['nshc4', 'NXOXM_NSH_C4'], 32, true, 'hex', 'hexmask', 'nsh', true, 'nsh_c4', 0],
  ['nsh_ttl', 'nsh_ttl', 'NXOXM_NSH_TTL', ['NXOXM_NSH_TTL'], 8, false, 'decimal', 'hex02mask', 'nsh', true, 'nsh_ttl', 0],
];

export const FIELDS: readonly FieldDef[] = ROWS.map((r, id) =>
  Object.freeze({
    id,
    name: r[0],
    mfName: r[1],
    nxmName: r[2],
    aliases: Object.freeze(r[3].slice()),
    width: r[4],
    maskable: r[5],
    format: r[6],
    matchStyle: r[7],
    prereq: r[8],
    writable: r[9],
    storage: Object.freeze({ space: r[10], offset: r[11], width: r[4] }),
  }),
);

function buildIndex(): Map<string, FieldDef> {
  const m = new Map<string, FieldDef>();
  const add = (k: string, f: FieldDef): void => {
    const prev = m.get(k);
    if (prev && prev !== f) throw new Error(`field name ${k} defined twice (${prev.name}, ${f.name})`);
    m.set(k, f);
  };
  for (const f of FIELDS) {
    add(f.name, f);
    add(f.mfName, f);
    if (f.nxmName) add(f.nxmName, f);
    for (const a of f.aliases) add(a, f);
  }
  return m;
}

const BY_NAME: ReadonlyMap<string, FieldDef> = buildIndex();

/** Looks a field up by any spelling (match name, OVS name, NXM/OXM name, alias). O(1). */
export function fieldByName(name: string): FieldDef | undefined {
  return BY_NAME.get(name);
}

/** Every spelling the registry knows, for completion and tests. */
export function allFieldNames(): IterableIterator<string> {
  return BY_NAME.keys();
}

/** Same as fieldByName but throws: for code that names fields as constants. */
export function field(name: string): FieldDef {
  const f = BY_NAME.get(name);
  if (!f) throw new Error(`unknown field ${name}`);
  return f;
}

/** All-ones mask of a field's width. */
export function fullMask(f: FieldDef): bigint {
  return (1n << BigInt(f.width)) - 1n;
}

/** Name printed for a sub-field reference (`NXM_NX_REG15`, else the OVS name). */
export function subfieldName(f: FieldDef): string {
  return f.nxmName ?? f.mfName;
}

/** One constraint a prerequisite imposes: (storage value & mask) == value. */
export interface PrereqConstraint {
  readonly field: string;
  readonly value: bigint;
  readonly mask?: bigint;
}

/**
 * Prerequisites as alternatives of conjunctions: a field is usable when, for at least one
 * alternative, every constraint holds. `none` has one empty alternative.
 */
export const PREREQS: Readonly<Record<Prereq, readonly (readonly PrereqConstraint[])[]>> = (() => {
  const ip4 = { field: 'dl_type', value: 0x0800n };
  const ip6 = { field: 'dl_type', value: 0x86ddn };
  const proto = (p: bigint) => ({ field: 'nw_proto', value: p });
  const icmp6 = [ip6, proto(58n)];
  return {
    none: [[]],
    ipv4: [[ip4]],
    ipv6: [[ip6]],
    ip_any: [[ip4], [ip6]],
    arp: [[{ field: 'dl_type', value: 0x0806n }], [{ field: 'dl_type', value: 0x8035n }]],
    tcp: [[ip4, proto(6n)], [ip6, proto(6n)]],
    udp: [[ip4, proto(17n)], [ip6, proto(17n)]],
    sctp: [[ip4, proto(132n)], [ip6, proto(132n)]],
    icmpv4: [[ip4, proto(1n)]],
    icmpv6: [icmp6],
    nd: [
      [...icmp6, { field: 'icmp_type', value: 135n }, { field: 'icmp_code', value: 0n }],
      [...icmp6, { field: 'icmp_type', value: 136n }, { field: 'icmp_code', value: 0n }],
    ],
    nd_solicit: [[...icmp6, { field: 'icmp_type', value: 135n }, { field: 'icmp_code', value: 0n }]],
    nd_advert: [[...icmp6, { field: 'icmp_type', value: 136n }, { field: 'icmp_code', value: 0n }]],
    mpls: [[{ field: 'dl_type', value: 0x8847n }], [{ field: 'dl_type', value: 0x8848n }]],
    vlan_vid: [[{ field: 'vlan_tci', value: 0x1000n, mask: 0x1000n }]],
    ct: [[{ field: 'ct_state', value: 0x20n, mask: 0x20n }]],
    nsh: [[{ field: 'dl_type', value: 0x894fn }]],
  };
})();
