/**
 * OVN's use of `controller(userdata=...)`: the first 4 bytes of the userdata are OVN's pinctrl
 * opcode (`include/ovn/actions.h` `enum action_opcode`, OVN 23.03, big-endian `ovs_be32` in
 * `struct action_header`), followed by 4 pad bytes and opcode-specific data.
 */

/** `enum action_opcode` of OVN 23.03, in order (the value is the index). */
export const OVN_OPCODES: readonly string[] = [
  'ARP',
  'PUT_ARP',
  'PUT_DHCP_OPTS',
  'ND_NA',
  'PUT_ND',
  'PUT_DHCPV6_OPTS',
  'DNS_LOOKUP',
  'LOG',
  'PUT_ND_RA_OPTS',
  'ND_NS',
  'ICMP',
  'TCP_RESET',
  'ND_NA_ROUTER',
  'PUT_ICMP4_FRAG_MTU',
  'ICMP4_ERROR',
  'EVENT',
  'IGMP',
  'BIND_VPORT',
  'HANDLE_SVC_CHECK',
  'DHCP6_SERVER',
  'ICMP6_ERROR',
  'PUT_ICMP6_FRAG_MTU',
  'REJECT',
  'BFD_MSG',
  'SCTP_ABORT',
  'PUT_FDB',
  'ACTIVATION_STRATEGY_RARP',
];

/** What each opcode asks ovn-controller to do, for the trace text. */
const OPCODE_MEANING: Readonly<Record<string, string>> = {
  ARP: 'generate an ARP request (arp { ... })',
  PUT_ARP: 'learn a MAC binding from an ARP packet (put_arp)',
  PUT_DHCP_OPTS: 'answer DHCPv4 (put_dhcp_opts)',
  ND_NA: 'generate a neighbour advertisement (nd_na)',
  PUT_ND: 'learn a MAC binding from ND (put_nd)',
  PUT_DHCPV6_OPTS: 'answer DHCPv6 (put_dhcpv6_opts)',
  DNS_LOOKUP: 'answer DNS (dns_lookup)',
  LOG: 'log an ACL verdict (log)',
  PUT_ND_RA_OPTS: 'answer a router solicitation (put_nd_ra_opts)',
  ND_NS: 'generate a neighbour solicitation (nd_ns)',
  ICMP: 'generate an ICMP reply/error (icmp4/icmp6 { ... })',
  TCP_RESET: 'generate a TCP RST (tcp_reset)',
  ND_NA_ROUTER: 'generate a router neighbour advertisement (nd_na_router)',
  PUT_ICMP4_FRAG_MTU: 'set the ICMPv4 frag MTU',
  ICMP4_ERROR: 'generate an ICMPv4 error (icmp4_error, e.g. fragmentation needed)',
  EVENT: 'raise a controller event (trigger_event)',
  IGMP: 'snoop IGMP (igmp)',
  BIND_VPORT: 'bind a virtual port (bind_vport)',
  HANDLE_SVC_CHECK: 'handle a load-balancer health check reply',
  DHCP6_SERVER: 'answer DHCPv6 (handle_dhcpv6_reply)',
  ICMP6_ERROR: 'generate an ICMPv6 error (icmp6_error)',
  PUT_ICMP6_FRAG_MTU: 'set the ICMPv6 frag MTU',
  REJECT: 'reject the packet (reject { ... })',
  BFD_MSG: 'handle a BFD message',
  SCTP_ABORT: 'generate an SCTP ABORT (sctp_abort)',
  PUT_FDB: 'learn an FDB entry (put_fdb)',
  ACTIVATION_STRATEGY_RARP: 'activation strategy RARP',
};

export interface OvnControllerOp {
  readonly opcode: number;
  /** `PUT_DHCP_OPTS`, `ICMP`, ...; `OPCODE_<n>` for numbers this OVN version does not define. */
  readonly name: string;
  readonly meaning: string;
}

/** Decodes the OVN opcode from `controller(userdata=...)` bytes; undefined when too short. */
export function decodeOvnUserdata(userdata: readonly number[] | undefined): OvnControllerOp | undefined {
  if (!userdata || userdata.length < 4) return undefined;
  const opcode = ((userdata[0] << 24) | (userdata[1] << 16) | (userdata[2] << 8) | userdata[3]) >>> 0;
  const name = OVN_OPCODES[opcode] ?? `OPCODE_${opcode}`;
  return { opcode, name, meaning: OPCODE_MEANING[name] ?? 'unknown OVN controller opcode' };
}
