import { cookieOf, lflowDatapaths } from '../model/ovn.js';
import type { SbChassis, SbDatapathBinding, SbLoadBalancer, SbLogicalFlow, SbMacBinding, SbMulticastGroup, SbPortBinding } from '../model/ovn.js';
import type { NbAcl, NbLoadBalancer, NbLogicalRouterPort, NbLogicalSwitchPort, NbNat, NbRouterPolicy, NbStaticRoute } from '../model/ovn.js';
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
  /** SB Chassis row UUID (Port_Binding.chassis) → the chassis. */
  readonly chassisByUuid: ReadonlyMap<string, SbChassis>;
  /** NB row behind a logical flow's `stage-hint` (first 8 hex digits of the NB row UUID). */
  readonly nbByHint: ReadonlyMap<string, NbObject>;
  /** NB logical switch ports by name (port security, addresses). */
  readonly lspByName?: ReadonlyMap<string, NbLogicalSwitchPort>;
  /** SB datapath name (external_ids:name) → datapath. */
  readonly datapathByName?: ReadonlyMap<string, SbDatapathBinding>;
}

/** The northbound object a logical flow was generated from. */
export type NbObject =
  /** `securityGroup`: the Neutron security group of its port group (external_ids:neutron:security_group_id). */
  | { readonly kind: 'acl'; readonly acl: NbAcl; readonly portGroup?: string; readonly logicalSwitch?: string; readonly securityGroup?: string }
  /**
   * `sharing`: the other NAT rows of its router with the same external IP (Neutron writes one snat
   * per subnet): northd makes the flows that match only the external IP (unsnat, ARP, …) once, for
   * one of them, so such a flow's stage hint does not say which row a packet used.
   */
  | { readonly kind: 'nat'; readonly nat: NbNat; readonly sharing?: readonly NbNat[] }
  | { readonly kind: 'load-balancer'; readonly lb: NbLoadBalancer }
  | { readonly kind: 'static-route'; readonly route: NbStaticRoute }
  /** `router`: the router whose `policies` hold it. */
  | { readonly kind: 'router-policy'; readonly policy: NbRouterPolicy; readonly router?: string }
  | { readonly kind: 'switch-port'; readonly port: NbLogicalSwitchPort }
  | { readonly kind: 'router-port'; readonly port: NbLogicalRouterPort };

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
    const dpUuids = lflowDatapaths(f, groups);
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
  const chassisByUuid = new Map((sb?.chassis ?? []).map((c) => [c.uuid, c] as const));
  for (const g of sb?.multicastGroups ?? []) add(g.uuid, { kind: 'multicast-group', group: g });
  for (const lb of sb?.loadBalancers ?? []) add(lb.uuid, { kind: 'load-balancer', lb });
  for (const mb of sb?.macBindings ?? []) add(mb.uuid, { kind: 'mac-binding', binding: mb });
  const nbByHint = new Map<string, NbObject>();
  const nb = snapshot.nb;
  const hint = (uuid: string) => uuid.slice(0, 8);
  if (nb) {
    const pgOfAcl = new Map<string, { name: string; securityGroup?: string }>();
    for (const pg of nb.portGroups) {
      const sg = pg.externalIds['neutron:security_group_name'] ?? pg.externalIds['neutron:security_group_id'];
      for (const a of pg.acls) pgOfAcl.set(a, { name: pg.name, ...(sg ? { securityGroup: sg } : {}) });
    }
    const lsOfAcl = new Map<string, string>();
    for (const ls of nb.switches) for (const a of ls.acls) lsOfAcl.set(a, ls.name);
    for (const acl of nb.acls) {
      const pg = pgOfAcl.get(acl.uuid);
      nbByHint.set(hint(acl.uuid), { kind: 'acl', acl, portGroup: pg?.name, logicalSwitch: lsOfAcl.get(acl.uuid), ...(pg?.securityGroup ? { securityGroup: pg.securityGroup } : {}) });
    }
    const natByUuid = new Map(nb.nats.map((n) => [n.uuid, n] as const));
    const sharing = new Map<string, NbNat[]>();
    for (const r of nb.routers) {
      const byIp = new Map<string, NbNat[]>();
      for (const u of r.nat) {
        const n = natByUuid.get(u);
        if (n) byIp.set(n.externalIp, [...(byIp.get(n.externalIp) ?? []), n]);
      }
      for (const rows of byIp.values()) if (rows.length > 1) for (const n of rows) sharing.set(n.uuid, rows.filter((x) => x !== n));
    }
    for (const nat of nb.nats) nbByHint.set(hint(nat.uuid), { kind: 'nat', nat, ...(sharing.has(nat.uuid) ? { sharing: sharing.get(nat.uuid)! } : {}) });
    for (const lb of nb.loadBalancers) nbByHint.set(hint(lb.uuid), { kind: 'load-balancer', lb });
    for (const route of nb.staticRoutes) nbByHint.set(hint(route.uuid), { kind: 'static-route', route });
    const routerOfPolicy = new Map<string, string>();
    for (const r of nb.routers) for (const u of r.policies) routerOfPolicy.set(u, r.name);
    for (const policy of nb.routerPolicies ?? []) nbByHint.set(hint(policy.uuid), { kind: 'router-policy', policy, ...(routerOfPolicy.has(policy.uuid) ? { router: routerOfPolicy.get(policy.uuid)! } : {}) });
    for (const port of nb.switchPorts) nbByHint.set(hint(port.uuid), { kind: 'switch-port', port });
    for (const port of nb.routerPorts) nbByHint.set(hint(port.uuid), { kind: 'router-port', port });
  }
  const lspByName = new Map((nb?.switchPorts ?? []).map((p) => [p.name, p] as const));
  const datapathByName = new Map<string, SbDatapathBinding>();
  for (const d of sb?.datapaths ?? []) datapathByName.set(datapathName(d), d);
  return { byCookie, datapathByUuid, datapathByKey, portByKeys, portByName, chassisByUuid, nbByHint, lspByName, datapathByName };
}

/** A datapath's human name (NB switch/router name as northd copies it into external_ids:name). */
export function datapathName(dp: SbDatapathBinding | undefined): string {
  if (!dp) return '?';
  return dp.name ?? dp.externalIds['name'] ?? dp.uuid.slice(0, 8);
}
