/**
 * The chassis a traced packet crossed, for the Path line of `trace --from/--to` (and its JSON
 * `path`). `chassisPath` (src/snapshot/resolve.ts) says which chassis a packet between two
 * endpoints *can* touch — every gateway chassis of every router on the logical path, which is what
 * collection and path-scoped packs need — but a trace knows which it *did*: an east-west packet
 * through a distributed router never meets the gateway chassis, and one sent to a chassisredirect
 * port that no chassis claims meets a chassis `chassisPath` cannot name.
 */
import type { TraceHop } from '../model/trace.js';
import type { OvnIndex } from '../snapshot/ovn-index.js';
import { pathChassis, type ChassisPath, type PathChassis, type PathRole, type Resolver } from '../snapshot/resolve.js';

/**
 * A traced path's roles: a static path's; `transit` — a chassis a unicast tunnel (or the provider
 * network) took the packet to that is none of its endpoints' nor a gateway it went through (a
 * --dst-mac of a port on another chassis than --to's, a packet delivered to another port than
 * --to); and `flooded` — a chassis the packet reached only as copies OVN sent to a multicast group
 * (a broadcast flooded with _MC_flood, an unknown destination MAC with _MC_unknown), on no unicast
 * path of the packet.
 */
export type TracedRole = PathRole | 'transit' | 'flooded';

/** The Path of a traced packet (`TraceReport.path`). */
export type TracePath = Omit<ChassisPath, 'from' | 'to' | 'chassis'> & { readonly chassis: readonly PathChassis<TracedRole>[] };

/** A router's way out: a distributed gateway port's chassisredirect port, or a gateway router's l3gateway port. */
interface GatewayPort {
  readonly port: string;
  readonly type: 'chassisredirect' | 'l3gateway';
  readonly router: string;
  /** The switch behind the distributed gateway port (its peer's), where the packet is once through the gateway. */
  readonly outside?: string;
  /** SB chassis name of its Port_Binding.chassis (undefined: claimed by none). */
  readonly chassis?: string;
}

/** The gateway ports of the snapshot, read from the trace context's OVN index (built once per snapshot). */
function gatewayPorts(index: OvnIndex | undefined): GatewayPort[] {
  if (!index) return [];
  const { datapathByUuid, portByName, chassisByUuid } = index;
  const out: GatewayPort[] = [];
  for (const pb of portByName.values()) {
    if (pb.type !== 'chassisredirect' && pb.type !== 'l3gateway') continue;
    const dp = pb.datapath ? datapathByUuid.get(pb.datapath) : undefined;
    // The switch side of a gateway router's link is an l3gateway binding too: the router side says it.
    if (!dp?.name || (pb.type === 'l3gateway' && dp.kind !== 'router')) continue;
    const dist = pb.type === 'chassisredirect' ? portByName.get(pb.options['distributed-port'] ?? '') : undefined;
    const peer = dist?.peer ? portByName.get(dist.peer) : undefined;
    const outside = peer?.datapath ? datapathByUuid.get(peer.datapath)?.name : undefined;
    const chassis = pb.chassis ? chassisByUuid.get(pb.chassis)?.name : undefined;
    out.push({ port: pb.logicalPort, type: pb.type, router: dp.name, ...(outside ? { outside } : {}), ...(chassis ? { chassis } : {}) });
  }
  return out;
}

/**
 * The gateway port the packet went through on `chassis`, judged from its hops there: sent to the
 * chassisredirect port over a tunnel (tun_metadata0's outport) where it is resident or that no
 * chassis claims, or, on the chassis that claims it, run through the router and on into the
 * switch behind its gateway port (a VM on the gateway chassis going out, a packet from outside
 * coming in); a gateway router's pipeline runs only on its chassis. A packet sent for a port that
 * another chassis claims (an HA bundle whose BFD-chosen member is not the active gateway) does not
 * go through the gateway there: that chassis only ran it (`transit`).
 */
function gatewayCrossed(chassis: string, hops: readonly TraceHop[], chassisOf: (h: TraceHop) => string, gateways: readonly GatewayPort[]): GatewayPort | undefined {
  for (const g of gateways) {
    const residentHere = g.chassis === undefined || g.chassis === chassis;
    for (const h of hops) {
      const sentHere = h.outputs.some((o) => o.tunnel?.outport === g.port && (o.next?.status === 'not-collected' ? o.next.chassis === chassis : o.tunnel?.chassis === chassis));
      if (sentHere && residentHere) return g;
      if (chassisOf(h) !== chassis) continue;
      if (h.entry?.kind === 'tunnel' && h.entry.tunnel?.outport === g.port && residentHere) return g;
      const dps = h.datapaths ?? [];
      // Only where the chassisredirect port is resident: elsewhere router → outside switch is a
      // distributed floating IP, which does not go through the gateway.
      if (g.type === 'l3gateway' ? dps.includes(g.router) : g.chassis === chassis && dps.includes(g.router) && g.outside !== undefined && dps.includes(g.outside)) return g;
    }
  }
  return undefined;
}

/**
 * The multicast group a GENEVE copy was sent to, or undefined for a unicast one: OVN gives
 * multicast groups the logical port keys 32768–65535 (ovn-sb(5), Multicast_Group tunnel_key), and
 * the egress key is the low 16 bits of tun_metadata0. Named as the trace decoded it when it could.
 */
function multicastGroupOf(t: TunnelKeys | undefined): string | undefined {
  const key = egressKey(t);
  if (key === undefined || key < 0x8000) return undefined;
  return `${t?.outport ?? `multicast group ${key}`}${t?.datapath ? ` of ${t.datapath}` : ''}`;
}

/** What a hop's tunnel entry or output decoded of tun_metadata0. */
type TunnelKeys = { readonly metadata0?: string; readonly outport?: string; readonly datapath?: string };

/** The logical egress port key a GENEVE copy carries: the low 16 bits of tun_metadata0 (undefined: none, or unreadable). */
function egressKey(t: TunnelKeys | undefined): number | undefined {
  if (t?.metadata0 === undefined) return undefined;
  try {
    return Number(BigInt(t.metadata0) & 0xffffn);
  } catch {
    return undefined;
  }
}

/**
 * Why the packet ran on the chassis of `hops[i]`, from how the hop was entered: a unicast tunnel
 * (the logical outport it carried), the provider network (the MAC it was sent toward), or the
 * start. Undefined for a hop entered through a patch port (its chassis is its parent hop's) and for
 * a copy sent to a multicast group (`flooded`'s, not the packet's own way).
 */
function ranThereWhy(hops: readonly TraceHop[], i: number, chassisOf: (h: TraceHop) => string, gateways: readonly GatewayPort[]): string | undefined {
  const h = hops[i]!;
  const e = h.entry;
  const from = e?.fromHop !== undefined && hops[e.fromHop] ? chassisOf(hops[e.fromHop]!) : e?.fromHost;
  switch (e?.kind) {
    case 'tunnel':
      return multicastGroupOf(e.tunnel) ? undefined : `tunnel ${e.port} from ${from ?? '?'} carried it there${carriedTo(e.tunnel, chassisOf(h), gateways)}`;
    case 'uplink': {
      const out = e.fromHop !== undefined ? hops[e.fromHop]?.outputs.find((o) => o.next?.status === 'followed' && o.next.hop === i) : undefined;
      const n = out?.next?.status === 'followed' ? out.next : undefined;
      return `${n?.network ? `provider network ${n.network}` : 'the provider network'} carried it there from ${from ?? '?'} (in at ${e.port})${n?.toward ? `, toward ${n.toward}${n.why ? ` (${n.why})` : ''}` : ''}`;
    }
    case 'start':
      return `the packet enters there at ${e.port}`;
    default:
      return undefined;
  }
}

/**
 * `, to logical port P of D` for a tunnel's decoded egress port (its key when the SB had no name),
 * and for a gateway port another chassis claims than `to`, where the sender's bundle should have
 * sent it: `which is active on C`.
 */
function carriedTo(t: TunnelKeys | undefined, to: string | undefined, gateways: readonly GatewayPort[]): string {
  const key = egressKey(t);
  const port = t?.outport ?? (key !== undefined ? `key ${key}` : undefined);
  const active = gateways.find((g) => g.port === port && g.chassis !== undefined && g.chassis !== to)?.chassis;
  return port === undefined ? '' : `, to logical port ${port}${t?.datapath ? ` of ${t.datapath}` : ''}${active ? `, which is active on ${active}` : ''}`;
}

/**
 * `path` (from `chassisPath`) cut to what the trace did: the endpoints' chassis keep their roles
 * (source, destination: where the packet starts and is headed), the gateway role stays only where
 * the packet went through the gateway, and a chassis where it went through a gateway that `path`
 * lacks is added (a chassisredirect port no chassis claims still has the packet sent to one of its
 * gateway chassis). A tunnel to a chassis not in the snapshot counts as crossing it. Any other
 * chassis a hop ran on — a unicast tunnel or the provider network took the packet there — is
 * added next as `transit`, with how it got there: the packet's own path, every chassis of it named
 * (a --dst-mac of a port on a third chassis, a delivery to another port than --to). A chassis that
 * only copies for a multicast group reached (a broadcast, an unknown destination: flooded to every
 * chassis with a port of the switch) is added last as `flooded`, judged from the tunnels the trace
 * took, so a reader of the Path sees every chassis the packet reached and which of them only as a
 * flooded copy.
 */
export function tracedChassisPath(path: Omit<ChassisPath, 'from' | 'to'>, hops: readonly TraceHop[], index: OvnIndex | undefined, resolver: Pick<Resolver, 'chassisRow'>): TracePath {
  const gateways = gatewayPorts(index);
  const chassisOf = (h: TraceHop) => h.chassis ?? h.host;
  const crossed: string[] = [];
  const cross = (c: string | undefined) => {
    if (c !== undefined && !crossed.includes(c)) crossed.push(c);
  };
  /** Chassis a multicast copy went to (followed, or to a chassis not in the snapshot) → why. */
  const flooded = new Map<string, string[]>();
  /** Chassis the packet itself ran on (or was sent to, not in the snapshot) → how it got there. */
  const ran = new Map<string, string[]>();
  const ranOn = (c: string | undefined, why: string | undefined) => {
    if (c === undefined || why === undefined) return;
    const whys = ran.get(c) ?? [];
    if (!whys.includes(why)) ran.set(c, [...whys, why]);
  };
  for (const [i, h] of hops.entries()) {
    cross(chassisOf(h));
    ranOn(chassisOf(h), ranThereWhy(hops, i, chassisOf, gateways));
    for (const o of h.outputs) {
      if (o.next?.status === 'not-collected') cross(o.next.chassis ?? o.tunnel?.chassis);
      const group = o.kind === 'tunnel' ? multicastGroupOf(o.tunnel) : undefined;
      const notCollected = o.next?.status === 'not-collected' ? (o.next.chassis ?? o.tunnel?.chassis) : undefined;
      if (o.kind === 'tunnel' && !group && notCollected !== undefined) ranOn(notCollected, `tunnel ${o.port} from ${chassisOf(h)} sent it there${carriedTo(o.tunnel, notCollected, gateways)}`);
      if (!group) continue;
      const followed = o.next?.status === 'followed' ? hops[o.next.hop] : undefined;
      const to = followed ? chassisOf(followed) : o.next?.status === 'not-collected' ? (o.next.chassis ?? o.tunnel?.chassis) : undefined;
      if (to === undefined) continue;
      const why = `a copy for ${group} is sent there from ${chassisOf(h)} over a tunnel`;
      const whys = flooded.get(to) ?? [];
      if (!whys.includes(why)) flooded.set(to, [...whys, why]);
    }
  }
  const through = new Map(crossed.map((c) => [c, gatewayCrossed(c, hops, chassisOf, gateways)] as const));
  const chassis: PathChassis<TracedRole>[] = [];
  for (const c of path.chassis) {
    const gw = through.get(c.chassis);
    const roles = c.roles.filter((r) => r !== 'gateway' || gw !== undefined);
    if (gw && !roles.includes('gateway')) roles.push('gateway');
    if (!roles.length) continue;
    // The gateway reasons of a chassis that lost the role no longer apply.
    const why = c.roles.includes('gateway') && !roles.includes('gateway') ? c.why.filter((w) => !/ is active there$/.test(w)) : c.why;
    chassis.push({ ...c, roles, why: gw && !c.roles.includes('gateway') ? [...why, gatewayWhy(gw)] : why });
  }
  for (const c of crossed) {
    const gw = through.get(c);
    if (!gw || chassis.some((x) => x.chassis === c)) continue;
    chassis.push(pathChassis(resolver.chassisRow(c), ['gateway'], [gatewayWhy(gw)]));
  }
  // Then every other chassis the packet ran on, in the order the trace met them.
  for (const [c, why] of ran) if (!chassis.some((x) => x.chassis === c)) chassis.push(pathChassis(resolver.chassisRow(c), ['transit'], why));
  // Flooded last: a chassis with a role on the packet's own path keeps just that role.
  for (const [c, why] of flooded) if (!chassis.some((x) => x.chassis === c)) chassis.push(pathChassis(resolver.chassisRow(c), ['flooded'], why));
  return { ...path, chassis, missing: chassis.filter((c) => !c.host).map((c) => c.chassis) };
}

function gatewayWhy(g: GatewayPort): string {
  return g.chassis ? `the packet goes through ${g.port} (${g.type}) there` : `the packet is sent there for ${g.port} (${g.type}), which no chassis claims`;
}
