/**
 * A conntrack model for traces that follow a packet (and its reply) through several hosts.
 *
 * ofproto/trace resumes every conntrack recirculation with a state given by hand (`--ct-next`,
 * default `trk|new`), so a packet that meets its own connection again — the router's ICMP echo
 * reply coming back through the sender's zone, a load-balancer hairpin, the reply of a traced
 * connection — is treated as new. This table remembers what the trace committed (`ct(commit)`,
 * per host and zone, with the NAT it set up) and answers the lookup of each recirculation:
 *   - the packet's tuple is a committed connection's original direction → `trk|est`;
 *   - it is the reply direction (the original reversed, after NAT)      → `trk|est|rpl`;
 *   - otherwise                                                           → `trk|new`.
 * Non-IP packets always get `trk|new` (as ofproto/trace's default). NAT is not undone on replies
 * (ofproto/trace cannot either): the states are the model, the rewriting stays ofproto/trace's.
 *
 * The states used are recorded per host trace, so the very same hop can be replayed with
 * `ovs-appctl ofproto/trace ... --ct-next S1 --ct-next S2 ...`.
 */
import type { NatSpec } from '../model/flow.js';
import { formatIpv4, formatIpv6 } from '../model/masked.js';
import { ETH_TYPE_IP, ETH_TYPE_IPV6, SP, type PacketState } from './state.js';

export const CS_NEW = 0x21;
export const CS_EST = 0x22;
export const CS_EST_RPL = 0x2a;

interface Tuple {
  readonly v6: boolean;
  readonly proto: bigint;
  src: bigint;
  dst: bigint;
  sport: bigint;
  dport: bigint;
}

const ICMP_PAIRS: Readonly<Record<string, bigint>> = { '1/8': 0n, '1/13': 14n, '1/15': 16n, '1/17': 18n, '58/128': 129n };

function tupleOf(s: PacketState): Tuple | undefined {
  const t = s.space(SP.dl_type);
  if (t !== ETH_TYPE_IP && t !== ETH_TYPE_IPV6) return undefined;
  const v6 = t === ETH_TYPE_IPV6;
  return {
    v6,
    proto: s.space(SP.nw_proto),
    src: s.space(v6 ? SP.ipv6_src : SP.nw_src),
    dst: s.space(v6 ? SP.ipv6_dst : SP.nw_dst),
    sport: s.space(SP.tp_src),
    dport: s.space(SP.tp_dst),
  };
}

function isPortProto(p: bigint): boolean {
  return p === 6n || p === 17n || p === 132n;
}

/** Canonical key of a tuple; ICMP replies are keyed by their request type. */
function key(t: Tuple): string {
  const ip = (v: bigint) => (t.v6 ? formatIpv6(v) : formatIpv4(v));
  if (isPortProto(t.proto)) return `${t.proto}|${ip(t.src)}|${t.sport}|${ip(t.dst)}|${t.dport}`;
  if (t.proto === 1n || t.proto === 58n) return `${t.proto}|${ip(t.src)}|${ip(t.dst)}|${t.sport}`;
  return `${t.proto}|${ip(t.src)}|${ip(t.dst)}`;
}

/** The tuple of the reply a connection expects: reversed, after the NAT it was committed with. */
function replyTuple(t: Tuple, nat: NatSpec | null | undefined): Tuple {
  const r: Tuple = { ...t, src: t.dst, dst: t.src, sport: t.dport, dport: t.sport };
  if (nat?.kind === 'dst' && nat.addrMin !== undefined) {
    r.src = nat.addrMin;
    if (nat.portMin !== undefined) r.sport = BigInt(nat.portMin);
  } else if (nat?.kind === 'src' && nat.addrMin !== undefined) {
    r.dst = nat.addrMin;
    if (nat.portMin !== undefined) r.dport = BigInt(nat.portMin);
  }
  if (t.proto === 1n || t.proto === 58n) {
    const reply = ICMP_PAIRS[`${t.proto}/${t.sport}`];
    r.sport = reply ?? t.sport;
    r.dport = t.dport;
  }
  return r;
}

/** The request type an ICMP reply answers (for keying replies like their requests). */
function asRequest(t: Tuple): Tuple {
  if (t.proto !== 1n && t.proto !== 58n) return t;
  for (const [k, v] of Object.entries(ICMP_PAIRS)) {
    const [p, req] = k.split('/');
    if (BigInt(p!) === t.proto && v === t.sport) return { ...t, sport: BigInt(req!) };
  }
  return t;
}

export interface CtEntry {
  readonly zone: number;
  readonly orig: string;
  readonly reply: string;
  readonly nat?: NatSpec;
}

/** One host's connection table. */
export class ConntrackTable {
  private readonly entries: CtEntry[];

  constructor(entries: readonly CtEntry[] = []) {
    this.entries = [...entries];
  }

  clone(): ConntrackTable {
    return new ConntrackTable(this.entries);
  }

  get size(): number {
    return this.entries.length;
  }

  /** `ct(commit, zone=Z[, nat(...)])` on the packet as it is now. */
  commit(zone: number, s: PacketState, nat: NatSpec | null | undefined): void {
    const t = tupleOf(s);
    if (!t) return;
    const orig = key(t);
    if (this.entries.some((e) => e.zone === zone && (e.orig === orig || e.reply === orig))) return;
    const r = replyTuple(t, nat);
    this.entries.push({ zone, orig, reply: key(t.proto === 1n || t.proto === 58n ? asRequest(r) : r), ...(nat ? { nat } : {}) });
  }

  /** The ct_state a lookup in `zone` returns for the packet. */
  lookup(zone: number, s: PacketState): number {
    const t = tupleOf(s);
    if (!t) return CS_NEW;
    const k = key(t.proto === 1n || t.proto === 58n ? asRequest(t) : t);
    for (const e of this.entries) {
      if (e.zone !== zone) continue;
      if (e.orig === k) return CS_EST;
      if (e.reply === k) return CS_EST_RPL;
    }
    return CS_NEW;
  }
}
