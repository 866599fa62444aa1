/**
 * OpenFlow flow model: Match, the Action union, FlowEntry and Group, as read from
 * `ovs-ofctl dump-flows` / `dump-groups`. Pure types plus a few helpers; no I/O.
 */
import { field, type FieldDef } from './fields.js';
import type { PortRef } from './masked.js';

export type { PortRef } from './masked.js';

/** A bit range of a field, as in `NXM_NX_REG13[0..15]` (ofs = 0, nBits = 16). */
export interface FieldRef {
  readonly field: FieldDef;
  readonly ofs: number;
  readonly nBits: number;
}

/** One constraint of a match: `(packet[field] & mask) === value`. `value` is pre-masked. */
export interface MatchItem {
  readonly field: FieldDef;
  readonly value: bigint;
  /** All-ones of the field width for an exact match. */
  readonly mask: bigint;
  /** Port-valued fields written as a port name (`--names`); `value` is 0 until resolved. */
  readonly port?: PortRef;
}

/** Protocol shorthands `match_format` prints instead of dl_type/nw_proto. */
export type ProtocolShorthand =
  | 'ip'
  | 'ipv6'
  | 'icmp'
  | 'icmp6'
  | 'tcp'
  | 'tcp6'
  | 'udp'
  | 'udp6'
  | 'sctp'
  | 'sctp6'
  | 'arp'
  | 'rarp'
  | 'mpls'
  | 'mplsm';

/** dl_type / nw_proto implied by each shorthand. */
export const PROTOCOLS: Readonly<Record<ProtocolShorthand, { readonly dlType: number; readonly nwProto?: number }>> = {
  ip: { dlType: 0x0800 },
  ipv6: { dlType: 0x86dd },
  icmp: { dlType: 0x0800, nwProto: 1 },
  icmp6: { dlType: 0x86dd, nwProto: 58 },
  tcp: { dlType: 0x0800, nwProto: 6 },
  tcp6: { dlType: 0x86dd, nwProto: 6 },
  udp: { dlType: 0x0800, nwProto: 17 },
  udp6: { dlType: 0x86dd, nwProto: 17 },
  sctp: { dlType: 0x0800, nwProto: 132 },
  sctp6: { dlType: 0x86dd, nwProto: 132 },
  arp: { dlType: 0x0806 },
  rarp: { dlType: 0x8035 },
  mpls: { dlType: 0x8847 },
  mplsm: { dlType: 0x8848 },
};

export interface Match {
  /** Field constraints in the order they were written. */
  readonly items: readonly MatchItem[];
  /** Protocol shorthand (`tcp`, `arp`, `ipv6`, ...) when one was used. */
  readonly protocol?: ProtocolShorthand;
  /** Index in `items` before which the shorthand was written (0 = first). */
  readonly protocolIndex?: number;
}

/**
 * Every constraint of a match, including the dl_type/nw_proto a protocol shorthand implies
 * (placed first). This is what a classifier needs.
 */
export function matchConstraints(m: Match): MatchItem[] {
  if (!m.protocol) return m.items.slice();
  const p = PROTOCOLS[m.protocol];
  const out: MatchItem[] = [{ field: DL_TYPE, value: BigInt(p.dlType), mask: 0xffffn }];
  if (p.nwProto !== undefined) out.push({ field: NW_PROTO, value: BigInt(p.nwProto), mask: 0xffn });
  for (const it of m.items) out.push(it);
  return out;
}

const DL_TYPE = field('dl_type');
const NW_PROTO = field('nw_proto');

// ---------------------------------------------------------------------------------------------
// Actions

export interface NatSpec {
  /** `src` or `dst`; absent for a bare `nat` (use the connection's existing NAT). */
  readonly kind?: 'src' | 'dst';
  /** Address family of the range, when a range is given. */
  readonly family?: 4 | 6;
  /** Range as bigints (IPv4 32-bit, IPv6 128-bit); max omitted when equal to min. */
  readonly addrMin?: bigint;
  readonly addrMax?: bigint;
  readonly portMin?: number;
  readonly portMax?: number;
  readonly persistent?: boolean;
  readonly hash?: boolean;
  readonly random?: boolean;
}

/** One element of a `learn(...)` action's flow template. */
export type LearnSpec =
  /** `dst` matched against the learning packet's `src` (`NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[]`). */
  | { readonly kind: 'match_field'; readonly dst: FieldRef; readonly src: FieldRef }
  /** `dst` matched against a constant (`eth_type=0x800` or `NXM_NX_REG0[0..3]=0x5`). */
  | { readonly kind: 'match_imm'; readonly dst: FieldRef; readonly value: bigint; readonly port?: PortRef }
  | { readonly kind: 'load_imm'; readonly value: bigint; readonly dst: FieldRef }
  | { readonly kind: 'load_field'; readonly src: FieldRef; readonly dst: FieldRef }
  | { readonly kind: 'output'; readonly src: FieldRef };

export type ControllerReason = 'action' | 'no_match' | 'invalid_ttl' | 'action_set' | 'group' | 'packet_out';

export type Action =
  | { readonly type: 'output'; readonly port: PortRef }
  | { readonly type: 'output_reg'; readonly src: FieldRef }
  | { readonly type: 'output_trunc'; readonly port: PortRef; readonly maxLen: number }
  | { readonly type: 'enqueue'; readonly port: PortRef; readonly queue: number }
  | {
      readonly type: 'controller';
      readonly reason: ControllerReason | string;
      readonly maxLen: number;
      readonly controllerId: number;
      /** Userdata bytes (printed as `00.01.02`). */
      readonly userdata?: readonly number[];
      readonly pause: boolean;
      readonly meterId?: number;
    }
  | {
      readonly type: 'resubmit';
      /** Absent = the packet's current in_port (OVS OFPP_IN_PORT). */
      readonly port?: PortRef;
      /** Absent = the current table. */
      readonly table?: number;
      /** `resubmit(,T,ct)`: match on the conntrack original direction tuple. */
      readonly ct: boolean;
    }
  | { readonly type: 'goto_table'; readonly table: number }
  | { readonly type: 'load'; readonly value: bigint; readonly dst: FieldRef }
  | {
      readonly type: 'set_field';
      readonly field: FieldDef;
      readonly value: bigint;
      /** Present when a mask was written (`set_field:0x1/0x1->reg10`). */
      readonly mask?: bigint;
      readonly port?: PortRef;
    }
  | { readonly type: 'move'; readonly src: FieldRef; readonly dst: FieldRef }
  | { readonly type: 'push'; readonly src: FieldRef }
  | { readonly type: 'pop'; readonly dst: FieldRef }
  | { readonly type: 'drop' }
  | {
      readonly type: 'ct';
      readonly commit: boolean;
      readonly force: boolean;
      readonly table?: number;
      /** Immediate zone or a field range (`zone=NXM_NX_REG13[0..15]`). */
      readonly zone?: number | FieldRef;
      readonly nat?: NatSpec;
      /** Nested `exec(...)` actions. */
      readonly exec: readonly Action[];
      /** Helper: `ftp`, `tftp` or a port number. */
      readonly alg?: number;
    }
  | { readonly type: 'ct_clear' }
  | { readonly type: 'conjunction'; readonly id: number; readonly clause: number; readonly nClauses: number }
  | { readonly type: 'group'; readonly groupId: number }
  | { readonly type: 'clone'; readonly actions: readonly Action[] }
  | { readonly type: 'dec_ttl'; readonly cntIds?: readonly number[] }
  | { readonly type: 'mod_dl_src' | 'mod_dl_dst'; readonly mac: bigint }
  | { readonly type: 'mod_nw_src' | 'mod_nw_dst'; readonly ip: bigint }
  | { readonly type: 'mod_nw_tos' | 'mod_nw_ecn' | 'mod_nw_ttl'; readonly value: number }
  | { readonly type: 'mod_tp_src' | 'mod_tp_dst'; readonly port: number }
  | { readonly type: 'push_vlan'; readonly ethertype: number }
  /** `strip_vlan` (OF1.0 spelling) and `pop_vlan` (OF1.1+) keep their spelling. */
  | { readonly type: 'pop_vlan'; readonly spelling: 'pop_vlan' | 'strip_vlan' }
  /** `mod_vlan_vid` pushes a tag if none; `set_vlan_vid` does not. */
  | { readonly type: 'set_vlan_vid'; readonly vid: number; readonly pushIfNeeded: boolean }
  | { readonly type: 'set_vlan_pcp'; readonly pcp: number; readonly pushIfNeeded: boolean }
  | { readonly type: 'set_tunnel'; readonly tunId: bigint; readonly is64: boolean }
  | { readonly type: 'check_pkt_larger'; readonly pktLen: number; readonly dst: FieldRef }
  | {
      readonly type: 'learn';
      readonly table: number;
      readonly idleTimeout?: number;
      readonly hardTimeout?: number;
      readonly finIdleTimeout?: number;
      readonly finHardTimeout?: number;
      readonly priority?: number;
      readonly sendFlowRem: boolean;
      readonly deleteLearned: boolean;
      readonly cookie?: bigint;
      readonly limit?: number;
      readonly resultDst?: FieldRef;
      readonly specs: readonly LearnSpec[];
    }
  | { readonly type: 'note'; readonly data: readonly number[] }
  | { readonly type: 'meter'; readonly meterId: number }
  | {
      readonly type: 'sample';
      readonly probability: number;
      readonly collectorSetId: number;
      readonly obsDomainId: number;
      readonly obsPointId: number;
      readonly samplingPort?: PortRef;
      readonly direction?: 'ingress' | 'egress';
    }
  | { readonly type: 'fin_timeout'; readonly idleTimeout?: number; readonly hardTimeout?: number }
  | { readonly type: 'exit' }
  | { readonly type: 'set_queue'; readonly queue: number }
  | { readonly type: 'pop_queue' }
  | {
      readonly type: 'multipath';
      readonly fields: string;
      readonly basis: number;
      readonly algorithm: string;
      readonly nLinks: number;
      readonly arg: number;
      readonly dst: FieldRef;
    }
  | {
      readonly type: 'bundle';
      readonly fields: string;
      readonly basis: number;
      readonly algorithm: string;
      /** Present for `bundle_load`. */
      readonly dst?: FieldRef;
      readonly members: readonly PortRef[];
    }
  /** `encap(...)`: the argument text is kept verbatim. */
  | { readonly type: 'encap'; readonly spec: string }
  /** `decap(...)`: the argument text (`packet_type(ns=..,type=..)` or empty), verbatim. */
  | { readonly type: 'decap'; readonly spec: string }
  | { readonly type: 'write_metadata'; readonly value: bigint; readonly mask?: bigint }
  | { readonly type: 'clear_actions' }
  | { readonly type: 'write_actions'; readonly actions: readonly Action[] }
  /** Input-only OpenFlow 1.1+ instruction form; OVS prints the actions without it. */
  | { readonly type: 'apply_actions'; readonly actions: readonly Action[] }
  | { readonly type: 'dec_nsh_ttl' }
  | { readonly type: 'dec_mpls_ttl' }
  | { readonly type: 'set_mpls_label'; readonly label: number }
  | { readonly type: 'set_mpls_tc'; readonly tc: number }
  | { readonly type: 'set_mpls_ttl'; readonly ttl: number }
  | { readonly type: 'push_mpls' | 'pop_mpls'; readonly ethertype: number }
  | { readonly type: 'debug_recirc' }
  | { readonly type: 'debug_slow' }
  | { readonly type: 'delete_field'; readonly field: FieldDef }
  /** Anything the parser does not understand, verbatim (a warning diagnostic goes with it). */
  | { readonly type: 'unknown'; readonly text: string };

export type ActionType = Action['type'];

/** The action variant with a given `type`. */
export type ActionOf<T extends ActionType> = Extract<Action, { type: T }>;

// ---------------------------------------------------------------------------------------------
// Flow entries

export type FlowFlag =
  | 'send_flow_rem'
  | 'check_overlap'
  | 'reset_counts'
  | 'no_packet_counts'
  | 'no_byte_counts'
  | 'allow_hidden_fields'
  | 'no_readonly_table';

export const FLOW_FLAGS: readonly FlowFlag[] = [
  'send_flow_rem',
  'check_overlap',
  'reset_counts',
  'no_packet_counts',
  'no_byte_counts',
  'allow_hidden_fields',
  'no_readonly_table',
];

export interface FlowStats {
  readonly durationSec: number;
  /** Nanoseconds part of the duration (printed as 3 or up to 9 decimals). */
  readonly durationNsec: number;
  /** 2^64-1 means "unknown" (printed `?`). */
  readonly nPackets: bigint;
  readonly nBytes: bigint;
  /** Printed only by OpenFlow 1.0 (NXST) replies. */
  readonly idleAge?: number;
  readonly hardAge?: number;
}

export const OFP_DEFAULT_PRIORITY = 32768;

export interface FlowEntry {
  /** 1-based line in the source text. */
  readonly line: number;
  readonly cookie: bigint;
  readonly table: number;
  readonly priority: number;
  /** Absent for `--no-stats` dumps. */
  readonly stats?: FlowStats;
  readonly idleTimeout?: number;
  readonly hardTimeout?: number;
  readonly importance?: number;
  readonly flags: readonly FlowFlag[];
  readonly match: Match;
  readonly actions: readonly Action[];
}

// ---------------------------------------------------------------------------------------------
// Groups

export type GroupType = 'all' | 'select' | 'indirect' | 'ff';

export interface GroupBucket {
  /** OpenFlow 1.5 bucket id; absent when not printed (OpenFlow 1.1-1.4). */
  readonly bucketId?: number | 'first' | 'last' | 'all';
  /** Absent when the default (1 for select groups, 0 otherwise) applies. */
  readonly weight?: number;
  readonly watchPort?: PortRef;
  readonly watchGroup?: number;
  readonly actions: readonly Action[];
}

/** A field of a `selection_method=hash` group, optionally masked (`ip_src=255.255.0.0`). */
export interface GroupSelectionField {
  readonly field: FieldDef;
  readonly mask?: bigint;
}

export interface Group {
  readonly line: number;
  readonly groupId: number;
  readonly type: GroupType;
  readonly selectionMethod?: string;
  readonly selectionMethodParam?: bigint;
  /** Hash fields; printed `fields=a` for one, `fields(a,b,...)` for more. */
  readonly fields: readonly GroupSelectionField[];
  readonly buckets: readonly GroupBucket[];
}
