import { cookieOf } from '../model/ovn.js';
import type { SbDatapathBinding, SbLoadBalancer, SbLogicalFlow, SbMacBinding, SbMulticastGroup, SbPortBinding } from '../model/ovn.js';
import type { Snapshot } from '../model/snapshot.js';

/** What an OpenFlow cookie installed by ovn-controller points at (first 32 bits of an SB row UUID). */
export type CookieTarget =
  | { readonly kind: 'logical-flow'; readonly flow: SbLogicalFlow; readonly datapaths: readonly SbDatapathBinding[] }
  | { readonly kind: 'port-binding'; readonly binding: SbPortBinding }
  | { readonly kind: 'multicast-group'; readonly group: SbMulticastGroup }
  /** Hairpin flows (tables 68-70) carry the SB Load_Balancer UUID. */
  | { readonly kind: 'load-balancer'; readonly lb: SbLoadBalancer }
  /** Learned neighbours (flows in the MAC lookup tables carry the MAC_Binding UUID). */
  | { readonly kind: 'mac-binding'; readonly binding: SbMacBinding };

/** Lookups that name OpenFlow things in OVN terms. Pure function of a snapshot's SB. */
export interface OvnIndex {
  /** Cookie → every SB row whose UUID starts with it (normally one). */
  readonly byCookie: ReadonlyMap<number, readonly CookieTarget[]>;
  readonly datapathByUuid: ReadonlyMap<string, SbDatapathBinding>;
  /** Datapath tunnel key (OpenFlow metadata, GENEVE VNI) → datapath. */
  readonly datapathByKey: ReadonlyMap<number, SbDatapathBinding>;
  /** `${datapathKey}/${portKey}` → port binding (reg14/reg15 values). */
  readonly portByKeys: ReadonlyMap<string, SbPortBinding>;
  readonly portByName: ReadonlyMap<string, SbPortBinding>;
}

export function buildOvnIndex(snapshot: Snapshot): OvnIndex {
  const sb = snapshot.sb;
  const byCookie = new Map<number, CookieTarget[]>();
  const add = (uuid: string, target: CookieTarget) => {
    const c = cookieOf(uuid);
    if (c === undefined) return;
    const list = byCookie.get(c);
    if (list) list.push(target);
    else byCookie.set(c, [target]);
  };
  const datapathByUuid = new Map((sb?.datapaths ?? []).map((d) => [d.uuid, d] as const));
  const datapathByKey = new Map<number, SbDatapathBinding>();
  for (const d of sb?.datapaths ?? []) if (d.tunnelKey !== undefined) datapathByKey.set(d.tunnelKey, d);
  const groups = new Map((sb?.dpGroups ?? []).map((g) => [g.uuid, g] as const));
  for (const f of sb?.logicalFlows ?? []) {
    const dpUuids = f.logicalDatapath ? [f.logicalDatapath] : (f.logicalDpGroup ? groups.get(f.logicalDpGroup)?.datapaths ?? [] : []);
    add(f.uuid, { kind: 'logical-flow', flow: f, datapaths: dpUuids.map((u) => datapathByUuid.get(u)).filter((d): d is SbDatapathBinding => !!d) });
  }
  const portByKeys = new Map<string, SbPortBinding>();
  const portByName = new Map<string, SbPortBinding>();
  for (const pb of sb?.portBindings ?? []) {
    add(pb.uuid, { kind: 'port-binding', binding: pb });
    portByName.set(pb.logicalPort, pb);
    const dp = pb.datapath ? datapathByUuid.get(pb.datapath) : undefined;
    if (dp?.tunnelKey !== undefined && pb.tunnelKey !== undefined) portByKeys.set(`${dp.tunnelKey}/${pb.tunnelKey}`, pb);
  }
  for (const g of sb?.multicastGroups ?? []) add(g.uuid, { kind: 'multicast-group', group: g });
  for (const lb of sb?.loadBalancers ?? []) add(lb.uuid, { kind: 'load-balancer', lb });
  for (const mb of sb?.macBindings ?? []) add(mb.uuid, { kind: 'mac-binding', binding: mb });
  return { byCookie, datapathByUuid, datapathByKey, portByKeys, portByName };
}

/** A datapath's human name (NB switch/router name as northd copies it into external_ids:name). */
export function datapathName(dp: SbDatapathBinding | undefined): string {
  if (!dp) return '?';
  return dp.name ?? dp.externalIds['name'] ?? dp.uuid.slice(0, 8);
}
