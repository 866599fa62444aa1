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
 * Non-IP packets always get `trk|new` (as ofproto/trace's default).
 *
 * A `ct(..., nat)` (any form: a bare `nat` asks for the connection's NAT) on a packet of a
 * connection committed with a NAT rewrites the packet as conntrack does (OVS `handle_nat()`,
 * lib/conntrack.c): the reply is un-NATed — the destination back to the original source for a
 * SNAT (`un_nat_packet`, OVN's lr_in_unsnat), the source back to the original destination (the
 * VIP) for a DNAT — and a packet of the original direction gets the forward translation again
 * (`nat_packet`); the ct_state then carries `dnat` / `snat` as OVS sets it (un-SNAT sets `dnat`:
 * the destination was rewritten). A `ct` without `nat` only reads the state. ofproto/trace cannot
 * do this rewrite (it knows no connection), so a hop replayed there with `--ct-next` agrees only
 * up to the recirculation where the model rewrote differently (see `Xlate` and the hop's `ctNat`).
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
/** ct_state bits OVS adds when conntrack rewrote the source / destination (`CS_SRC_NAT`, `CS_DST_NAT`). */
export const CS_SRC_NAT = 0x40;
export const CS_DST_NAT = 0x80;

export interface Tuple {
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

/** Where a connection was committed: the bridge, and once the cross-host trace knows it, the hop. */
export interface CtOrigin {
  readonly bridge: string;
  readonly host?: string;
  readonly hop?: number;
  /** The trace that committed it (`forward`), when a later trace (the reply) reads the table. */
  readonly trace?: string;
}

export interface CtEntry {
  readonly zone: number;
  readonly orig: string;
  readonly reply: string;
  readonly nat?: NatSpec;
  /** The original direction as committed (before NAT), and the reply it expects (after NAT). */
  readonly tuple: Tuple;
  readonly replyTuple: Tuple;
  /** Set when committed on a bridge; completed (host, hop) in place once the host's trace has run. */
  origin?: CtOrigin;
}

/** What a lookup found: the state, and the connection (with the direction) when there is one. */
export interface CtMatch {
  readonly state: number;
  readonly entry?: CtEntry;
  readonly reply: boolean;
}

/** conntrack's rewrite of a packet of a NATed connection (`nat_packet` / `un_nat_packet`). */
export interface CtNatRewrite {
  readonly kind: 'snat' | 'dnat' | 'un-snat' | 'un-dnat';
  /** The ct_state bit OVS adds: CS_SRC_NAT when the source was rewritten, CS_DST_NAT for the destination. */
  readonly flag: number;
  /** Fields conntrack wrote (some may keep their value: a SNAT without a port range keeps the port). */
  readonly changes: readonly { readonly field: 'src' | 'dst' | 'sport' | 'dport'; readonly from: bigint; readonly to: bigint }[];
  readonly v6: boolean;
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

  /** `ct(commit, zone=Z[, nat(...)])` on the packet as it is now, on `bridge` (where it was committed). */
  commit(zone: number, s: PacketState, nat: NatSpec | null | undefined, bridge?: string): void {
    const t = tupleOf(s);
    if (!t) return;
    const orig = key(t);
    if (this.entries.some((e) => e.zone === zone && (e.orig === orig || e.reply === orig))) return;
    const r = replyTuple(t, nat);
    this.entries.push({ zone, orig, reply: key(t.proto === 1n || t.proto === 58n ? asRequest(r) : r), ...(nat ? { nat } : {}), tuple: t, replyTuple: r, ...(bridge !== undefined ? { origin: { bridge } } : {}) });
  }

  /** The ct_state a lookup in `zone` returns for the packet. */
  lookup(zone: number, s: PacketState): number {
    return this.find(zone, s).state;
  }

  /** The lookup in `zone`: the state, and the connection the packet belongs to (if any). */
  find(zone: number, s: PacketState): CtMatch {
    const t = tupleOf(s);
    if (!t) return NEW_MATCH;
    const k = key(t.proto === 1n || t.proto === 58n ? asRequest(t) : t);
    for (const e of this.entries) {
      if (e.zone !== zone) continue;
      if (e.orig === k) return { state: CS_EST, entry: e, reply: false };
      if (e.reply === k) return { state: CS_EST_RPL, entry: e, reply: true };
    }
    return NEW_MATCH;
  }

  /**
   * Names where the connections committed since entry `from` were made: the cross-host trace
   * knows the host and hop of each bridge only once the host's trace has run.
   */
  placeCommits(from: number, where: { readonly host: string; readonly trace?: string; readonly hopOf: (bridge: string) => number | undefined }): void {
    for (let i = from; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (!e.origin || e.origin.host !== undefined) continue;
      const hop = where.hopOf(e.origin.bridge);
      // In place: the trace tree's nodes read it when they are printed, after this.
      e.origin = { ...e.origin, host: where.host, ...(hop !== undefined ? { hop } : {}), ...(where.trace ? { trace: where.trace } : {}) };
    }
  }
}

const NEW_MATCH: CtMatch = Object.freeze({ state: CS_NEW, reply: false });

/**
 * The rewrite conntrack makes on a packet of `m`'s connection when the `ct` action asks for NAT
 * (OVS `handle_nat()`): undefined when the connection has no NAT. Ports are rewritten for TCP,
 * UDP and SCTP only (ICMP's type and code are not a port; its id is not in the flow).
 */
export function connectionNat(m: CtMatch, s: PacketState): CtNatRewrite | undefined {
  const e = m.entry;
  const kind = e?.nat?.kind;
  if (!e || !kind || e.nat?.addrMin === undefined) return undefined;
  const t = e.tuple;
  const r = e.replyTuple;
  const src = t.v6 ? SP.ipv6_src : SP.nw_src;
  const dst = t.v6 ? SP.ipv6_dst : SP.nw_dst;
  const ports = isPortProto(t.proto);
  const changes: { field: 'src' | 'dst' | 'sport' | 'dport'; from: bigint; to: bigint }[] = [];
  const write = (field: 'src' | 'dst' | 'sport' | 'dport', space: number, to: bigint) => {
    changes.push({ field, from: s.space(space), to });
    s.setSpace(space, to);
  };
  // un_nat_packet() gives a reply the original tuple's addresses back; nat_packet() gives the
  // original direction the reply tuple's. A SNAT's reply and a DNAT's original get their
  // destination rewritten, the other two their source (natFlag says which).
  const from = m.reply ? t : r;
  const nat = kind === 'src' ? 'snat' : 'dnat';
  const flag = natFlag(m);
  if (flag === CS_SRC_NAT) {
    write('src', src, from.dst);
    if (ports) write('sport', SP.tp_src, from.dport);
  } else {
    write('dst', dst, from.src);
    if (ports) write('dport', SP.tp_dst, from.sport);
  }
  return { kind: m.reply ? `un-${nat}` : nat, flag, changes, v6: t.v6 };
}

/** The ct_state bit `connectionNat` will add for `m` (0 when the connection has no NAT). */
export function natFlag(m: CtMatch): number {
  const kind = m.entry?.nat?.addrMin !== undefined ? m.entry.nat.kind : undefined;
  if (!kind) return 0;
  return (kind === 'src') !== m.reply ? CS_SRC_NAT : CS_DST_NAT;
}

/** `un-SNAT dst 172.16.0.10 → 10.2.1.11, tp_dst 40000 → 40000` (unchanged ports left out). */
export function describeNatRewrite(n: CtNatRewrite): string {
  const ip = (v: bigint) => (n.v6 ? formatIpv6(v) : formatIpv4(v));
  const name = { snat: 'SNAT', dnat: 'DNAT', 'un-snat': 'un-SNAT', 'un-dnat': 'un-DNAT' }[n.kind];
  const parts = n.changes.filter((c) => c.from !== c.to || c.field === 'src' || c.field === 'dst').map((c) => (c.field === 'src' || c.field === 'dst' ? `${c.field} ${ip(c.from)} → ${ip(c.to)}` : `${c.field === 'sport' ? 'tp_src' : 'tp_dst'} ${c.from} → ${c.to}`));
  return `${name} ${parts.join(', ')}`;
}

/** `in hop 3 (hv3 br-int) of the forward trace`, or `on br-int` while the hop is not known. */
export function describeOrigin(o: CtOrigin | undefined, currentTrace: string | undefined): string {
  if (!o) return 'in this trace';
  const where = o.host !== undefined ? `${o.host} ${o.bridge}` : o.bridge;
  const of = o.trace !== undefined && o.trace !== currentTrace ? ` of the ${o.trace} trace` : '';
  return o.hop !== undefined ? `in hop ${o.hop} (${where})${of}` : `on ${where}${of}`;
}
