import type { HostSpec } from '../model/inventory.js';
import { splitAddresses, type SbChassis, type SbEncap, type SbPortBinding } from '../model/ovn.js';
import { parseOvsdbRows, toSbChassis, toSbEncaps, toSbPortBindings } from '../parse/ovsdb-json.js';

/**
 * Path-scoped collection (`collect --from PORT --to IP|PORT`): from the SB alone, which chassis
 * a packet between two endpoints can touch — the source's chassis, the destination's chassis,
 * and the gateway chassis of the routers on the way (chassisredirect / l3gateway ports of every
 * router attached to the source's or destination's switch) — and which inventory hosts they are.
 * On a 5,000-hypervisor fleet this turns 5,000 collections into three.
 */

export type PathRole = 'source' | 'destination' | 'gateway';

export interface PathChassis {
  readonly chassis: string;
  readonly hostname?: string;
  readonly roles: readonly PathRole[];
  /** Inventory host that is this chassis, when one matches (name, hostname or encap IP). */
  readonly host?: string;
  /** Why it is on the path, in words. */
  readonly why: readonly string[];
}

export interface PathScope {
  readonly from: string;
  readonly to: string;
  readonly chassis: readonly PathChassis[];
  /** Inventory hosts to collect. */
  readonly hosts: readonly string[];
  readonly notes: readonly string[];
}

export interface SbTexts {
  readonly portBinding: string;
  readonly chassis: string;
  readonly encap?: string;
}

const IP = /^((\d{1,3}\.){3}\d{1,3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

export function selectPath(sb: SbTexts, from: string, to: string, hosts: readonly HostSpec[]): { ok: true; scope: PathScope } | { ok: false; error: string } {
  const pbs = parseOvsdbRows(sb.portBinding, toSbPortBindings).value;
  const chassisRows = parseOvsdbRows(sb.chassis, toSbChassis).value;
  const encaps = sb.encap ? parseOvsdbRows(sb.encap, toSbEncaps).value : [];
  const chassisByUuid = new Map(chassisRows.map((c) => [c.uuid, c] as const));
  const byName = new Map(pbs.map((p) => [p.logicalPort, p] as const));
  const notes: string[] = [];

  const src = byName.get(from);
  if (!src) return { ok: false, error: `--from ${from}: no logical port of that name in the SB Port_Binding table (use the logical port name, e.g. the NB Logical_Switch_Port)` };

  let dst: SbPortBinding | undefined = byName.get(to);
  if (!dst && IP.test(to)) {
    const owners = pbs.filter((p) => p.mac.some((m) => splitAddresses(m).ips.some((ip) => ip.split('/')[0] === to)));
    const vif = owners.find((p) => p.type === '' || p.type === 'virtual' || p.type === 'external') ?? owners[0];
    if (vif) dst = vif;
    else notes.push(`--to ${to}: no logical port has this address; assuming it is outside the overlay (reached through a gateway)`);
  } else if (!dst) return { ok: false, error: `--to ${to}: neither a logical port in the SB nor an IP address` };

  const roles = new Map<string, { roles: Set<PathRole>; why: string[] }>();
  const add = (chassisUuid: string | undefined, role: PathRole, why: string) => {
    if (!chassisUuid) return;
    const r = roles.get(chassisUuid) ?? { roles: new Set(), why: [] };
    r.roles.add(role);
    r.why.push(why);
    roles.set(chassisUuid, r);
  };
  if (src.chassis) add(src.chassis, 'source', `${from} is bound there`);
  else notes.push(`--from ${from} is not bound to any chassis (port down?)`);
  if (dst) {
    if (dst.chassis) add(dst.chassis, 'destination', `${dst.logicalPort}${dst.logicalPort === to ? '' : ` (${to})`} is bound there`);
    else if (dst.type === 'router' || dst.type === 'patch') notes.push(`--to ${to} is a router port (distributed): no chassis of its own`);
    else notes.push(`--to ${to} (${dst.logicalPort}) is not bound to any chassis`);
  }

  // Gateways: crossing a router (different datapaths) or leaving the overlay.
  const crosses = !dst || dst.datapath !== src.datapath;
  if (crosses) {
    for (const dp of new Set([src.datapath, dst?.datapath].filter((d): d is string => !!d))) {
      for (const router of routersOf(dp, pbs, byName)) {
        for (const gw of pbs.filter((p) => p.datapath === router && (p.type === 'chassisredirect' || p.type === 'l3gateway')))
          add(gw.chassis, 'gateway', `${gw.logicalPort} (${gw.type}) is active there`);
      }
    }
  }

  const chassis: PathChassis[] = [];
  for (const [uuid, r] of roles) {
    const row = chassisByUuid.get(uuid);
    const name = row?.name ?? uuid;
    const host = row ? hostFor(row, encaps, hosts) : undefined;
    if (!host) notes.push(`chassis ${name}${row?.hostname ? ` (${row.hostname})` : ''} is on the path (${[...r.roles].join(', ')}) but no inventory host matches it`);
    chassis.push({ chassis: name, hostname: row?.hostname, roles: [...r.roles], host, why: r.why });
  }
  const selected = [...new Set(chassis.map((c) => c.host).filter((h): h is string => !!h))];
  return { ok: true, scope: { from, to, chassis, hosts: selected, notes } };
}

/** Router datapaths attached to a switch datapath (patch port → peer → its datapath). */
function routersOf(switchDp: string, pbs: readonly SbPortBinding[], byName: ReadonlyMap<string, SbPortBinding>): Set<string> {
  const out = new Set<string>();
  for (const p of pbs) {
    if (p.datapath !== switchDp || (p.type !== 'patch' && p.type !== 'l3gateway')) continue;
    const peer = p.peer ? byName.get(p.peer) : undefined;
    if (peer?.datapath) out.add(peer.datapath);
  }
  return out;
}

function hostFor(row: SbChassis, encaps: readonly SbEncap[], hosts: readonly HostSpec[]): string | undefined {
  const ips = new Set(encaps.filter((e) => e.chassisName === row.name).map((e) => e.ip));
  const names = [row.name, row.hostname, row.hostname?.split('.')[0]].filter((x): x is string => !!x);
  return (
    hosts.find((h) => names.includes(h.name))?.name ??
    hosts.find((h) => h.address && names.includes(h.address))?.name ??
    hosts.find((h) => h.kubectl && names.includes(h.kubectl.node))?.name ??
    hosts.find((h) => h.address && ips.has(h.address))?.name
  );
}
