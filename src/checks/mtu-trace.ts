/**
 * Packet size at a tunnel output of a trace: does the packet still fit once OVN has wrapped it in
 * GENEVE? A pure function of the MTU view of a snapshot (`loadMtu`) and one hop's tunnel output.
 *
 * The trace's packet length (`--size`, ofproto/trace's packet length) is the inner *frame*: it
 * includes the inner Ethernet header (14 B) and any VLAN tags. On the wire the outer IP packet is
 *
 *   outer IP = frame + 8 GENEVE + 8 OVN option TLV + 8 UDP + 20 IPv4 (40 IPv6) [+ 46 IPsec]
 *            = (frame − 14) + 58 on an IPv4 underlay (78 on IPv6)
 *
 * and it must fit the IP MTU of every device the kernel sends it through toward the remote TEP —
 * on every ECMP leg, since the trace cannot know which leg the flow hashes onto. With the tunnel
 * port's `df_default` true (OVS's default) an outer packet that does not fit is dropped
 * (MTU_EXCEEDED); with df_default=false it is fragmented.
 *
 * Where the trace calls it: at every output whose kind is `tunnel` (SimOutput.tunnel.remoteIp), on
 * the host that output happens on, with the trace's `size` — see `mtuAtTunnelOutput`.
 */
import type { OverheadPart } from './mtu.js';
import { egressLimits, egressToward, geneveOverhead, partName, type EgressLeg } from './mtu.js';
import type { MtuSnapshot } from '../snapshot/load-mtu.js';

export interface TunnelHopInput {
  /** Snapshot host name (or OVN chassis name) the tunnel output happens on. */
  readonly host: string;
  /** The remote TEP (`options:remote_ip` of the tunnel port, `tun_dst`). */
  readonly remoteIp: string;
  /** Inner frame length in bytes, as the trace's --size (includes the 14-byte Ethernet header and VLAN tags). */
  readonly frameLength: number;
  /** OVN IPsec on this tunnel (adds the 46 B ESP budget). */
  readonly ipsec?: boolean;
}

export interface MtuTraceLeg {
  readonly label: string;
  readonly dev?: string;
  readonly gateway?: string;
  /** IP MTU of the leg (smallest device, route mtu, PMTU exception). */
  readonly ipMtu?: number;
  /** What sets `ipMtu`: a device name, the route's mtu, a PMTU exception. */
  readonly limitedBy?: string;
  readonly exceeds?: boolean;
}

export type MtuTraceOutcome = 'fits' | 'dropped' | 'fragmented' | 'unknown';

export interface MtuTraceResult {
  /**
   * `dropped`: the encapsulated packet exceeds the MTU on at least one leg and DF is set (the trace
   * should end with MTU_EXCEEDED); `fragmented`: exceeds, but df_default=false; `fits`: fits on
   * every leg; `unknown`: no egress data for this host/TEP (the reason is in `explanation`).
   */
  readonly outcome: MtuTraceOutcome;
  /** Exceeds on at least one leg. */
  readonly exceeds: boolean;
  /** Exceeds on every leg (false when only some ECMP legs are too small). */
  readonly onEveryLeg: boolean;
  readonly host: string;
  readonly remoteIp: string;
  readonly frameLength: number;
  /** frame − 14 (− 4 per VLAN tag is already inside the frame length, counted as payload of the outer packet). */
  readonly innerIpLength: number;
  readonly outerIpLength: number;
  /** How the outer length is built, part by part (first the inner frame). */
  readonly breakdown: readonly OverheadPart[];
  /** The device (or route mtu / PMTU) that is exceeded — on the smallest leg that is exceeded. */
  readonly device?: string;
  /** Its IP MTU. */
  readonly limit?: number;
  /** Largest frame length that fits every leg (limit − 24 − outer IP header). */
  readonly largestFrame?: number;
  readonly legs: readonly MtuTraceLeg[];
  readonly dfDefault: boolean;
  readonly tunnelPort?: string;
  /** One sentence for the trace (drop explanation or note). */
  readonly explanation: string;
}

/**
 * Does a frame of `frameLength` bytes, sent by OVN over GENEVE from `host` to `remoteIp`, fit the
 * egress device chain (every ECMP leg)? Pure.
 */
export function checkTunnelMtu(snapshot: MtuSnapshot, hop: TunnelHopInput): MtuTraceResult {
  const h = snapshot.hosts.find((x) => x.host === hop.host || x.chassis === hop.host);
  const ipv6 = hop.remoteIp.includes(':');
  const o = geneveOverhead({ ipv6, ipsec: hop.ipsec });
  // The frame carries the inner Ethernet header (and any tags): overhead beyond it is O − 14.
  const wrap = o.parts.filter((p) => !p.name.startsWith('inner'));
  const wrapBytes = wrap.reduce((a, p) => a + p.bytes, 0);
  const outerIpLength = hop.frameLength + wrapBytes;
  const breakdown: OverheadPart[] = [{ name: `inner frame (--size: ${hop.frameLength - 14} B IP packet + 14 B Ethernet header)`, bytes: hop.frameLength }, ...wrap];
  const base = { host: hop.host, remoteIp: hop.remoteIp, frameLength: hop.frameLength, innerIpLength: hop.frameLength - 14, outerIpLength, breakdown };
  if (!h)
    return { ...base, outcome: 'unknown', exceeds: false, onEveryLeg: false, legs: [], dfDefault: true, explanation: `host ${hop.host} is not in the snapshot: egress MTU unknown` };
  const e = egressToward(h, hop.remoteIp);
  const dfDefault = e.tunnelPort?.dfDefault ?? true;
  const legs: MtuTraceLeg[] = e.legs.map((l: EgressLeg) => ({ label: l.label, dev: l.dev, gateway: l.gateway, ipMtu: l.ipMtu, limitedBy: l.limitedBy?.name, exceeds: l.ipMtu === undefined ? undefined : outerIpLength > l.ipMtu }));
  const known = legs.filter((l) => l.ipMtu !== undefined);
  if (!known.length)
    return { ...base, outcome: 'unknown', exceeds: false, onEveryLeg: false, legs, dfDefault, tunnelPort: e.tunnelPort?.name, explanation: `egress MTU toward ${hop.remoteIp} unknown on ${h.host}: ${e.notes.join('; ') || 'no device MTU'}` };
  const over = known.filter((l) => l.exceeds);
  const lim = egressLimits(e);
  const largestFrame = lim.min !== undefined ? lim.min - wrapBytes : undefined;
  const smallestOver = over.reduce<MtuTraceLeg | undefined>((a, l) => (!a || l.ipMtu! < a.ipMtu! ? l : a), undefined);
  const partsText = `${hop.frameLength} B frame + ${wrap.map((p) => `${p.bytes} ${partName(p)}`).join(' + ')} = ${outerIpLength} B outer IP packet`;
  if (!over.length)
    return { ...base, outcome: 'fits', exceeds: false, onEveryLeg: false, legs, dfDefault, tunnelPort: e.tunnelPort?.name, largestFrame, explanation: `${partsText} fits every egress leg toward ${hop.remoteIp} (smallest IP MTU ${lim.min}${known.length < legs.length ? '; some legs unknown' : ''})` };
  const onEveryLeg = over.length === legs.length;
  const where = `${smallestOver!.limitedBy ?? smallestOver!.dev} (IP MTU ${smallestOver!.ipMtu}) on ${h.host}${legs.length > 1 ? `, ECMP leg ${smallestOver!.label}` : ''}`;
  const legsText = legs.length > 1 ? (onEveryLeg ? ' on every ECMP leg' : ` on ${over.length} of ${legs.length} ECMP legs (${over.map((l) => l.dev).join(', ')}): only flows hashed there fail`) : '';
  return {
    ...base,
    outcome: dfDefault ? 'dropped' : 'fragmented',
    exceeds: true,
    onEveryLeg,
    legs,
    dfDefault,
    tunnelPort: e.tunnelPort?.name,
    device: smallestOver!.limitedBy ?? smallestOver!.dev,
    limit: smallestOver!.ipMtu,
    largestFrame,
    explanation: dfDefault
      ? `${partsText} exceeds ${where}${legsText}: dropped (outer DF set by df_default); frames up to ${largestFrame} B fit every leg`
      : `${partsText} exceeds ${where}${legsText}: fragmented on the outer header (df_default=false)`,
  };
}

/** What the trace service needs from one tunnel output (a `SimOutput` with `kind: 'tunnel'`). */
export interface TunnelOutputLike {
  readonly kind: string;
  readonly tunnel?: { readonly remoteIp: string };
}

/**
 * The MTU check for every tunnel output of a traced hop: the first output that would be dropped,
 * or undefined when every tunnel output fits (or there is none). Convenience for the trace service.
 */
export function mtuAtTunnelOutput(snapshot: MtuSnapshot, host: string, outputs: readonly TunnelOutputLike[], frameLength: number): MtuTraceResult | undefined {
  for (const o of outputs) {
    if (o.kind !== 'tunnel' || !o.tunnel?.remoteIp) continue;
    const r = checkTunnelMtu(snapshot, { host, remoteIp: o.tunnel.remoteIp, frameLength });
    if (r.outcome === 'dropped') return r;
  }
  return undefined;
}
