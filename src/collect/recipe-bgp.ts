/**
 * Recipe modules for the underlay: the kernel's view (`ip -j …`) and FRR's (`vtysh -c 'show …'`),
 * for the TEP-/32-over-eBGP design (DOMAIN.md §5). Both are read-only and allow-listed.
 *
 * FRR access per host. FRR runs on the host (`vtysh`), in a container (`podman exec frr vtysh`) or
 * as one instance per network namespace started with `-N NAME` (`vtysh -N NAME`). Which one is a
 * per-host setting, resolved by `frrAccessFor`:
 *   1. an inventory `frr:` setting (`{ netns: leaf1 }` or `{ wrapper: "podman exec frr" }`), when
 *      the host spec carries one;
 *   2. otherwise the convention: a host whose wrapper enters a network namespace
 *      (`ip netns exec NS`) runs FRR as the instance named after that namespace → `vtysh -N NS`;
 *   3. otherwise plain `vtysh`.
 * The module's `phase1`/`expand` take the host as an optional last argument; a caller that gives
 * none gets plain `vtysh`.
 *
 * Per-TEP commands come from the expand step: the local TEP /32s (`ip -j addr` on lo/dummy, OVS
 * `ovn-encap-ip`) and the remote ones (OVS geneve `options:remote_ip`; without OVS data, the /32s
 * of FRR's BGP table).
 */
import type { HostSpec } from '../model/inventory.js';
import { parseBgpRib } from '../parse/frr.js';
import { parseIpAddrs } from '../parse/iproute.js';
import { parseOvsdbRows, toOpenVswitch, toOvsInterfaces } from '../parse/ovsdb-json.js';
import { FRR_IDS, KERNEL_IDS } from '../snapshot/load-bgp.js';
import { isSafeName } from './allowlist.js';
import type { PhaseOutputs, RecipeCommand, RecipeModule } from './recipe.js';

// recipe.ts imports this file for HOST_MODULES: take only types from it (a value import would be
// a cycle that breaks whichever of the two is loaded first).
const FRR_TIMEOUT_MS = 30_000;
const IP_TIMEOUT_MS = 30_000;
/** Per-TEP commands are two per TEP; past this many TEPs the rest is noted, not collected. */
export const MAX_TEPS = 256;

const command = (id: string, argv: string[], required: boolean, timeoutMs: number): RecipeCommand => ({ id, argv, required, timeoutMs });

// ---------------------------------------------------------------------------------------------
// Kernel

/** `ip -j` views: addresses, every routing table, next-hop objects, devices with details. */
export const kernelModule: RecipeModule = {
  name: 'kernel',
  phase1: () => [
    command(KERNEL_IDS.addr, ['ip', '-j', 'addr', 'show'], true, IP_TIMEOUT_MS),
    command(KERNEL_IDS.route, ['ip', '-j', 'route', 'show', 'table', 'all'], true, IP_TIMEOUT_MS),
    // Next-hop objects need kernel ≥ 5.3 and a recent iproute2: optional.
    command(KERNEL_IDS.nexthop, ['ip', '-j', 'nexthop', 'show'], false, IP_TIMEOUT_MS),
    command(KERNEL_IDS.link, ['ip', '-j', '-d', 'link', 'show'], true, IP_TIMEOUT_MS),
  ],
};

// ---------------------------------------------------------------------------------------------
// FRR access

/** The per-host inventory setting `frr:` (see the file comment). */
export type { FrrSettings } from '../model/inventory.js';

/** What `frrAccessFor` needs of a host: its wrapper, and the FRR setting when the inventory has one. */
export type FrrHost = Pick<HostSpec, 'wrapper'> & Partial<Pick<HostSpec, 'name' | 'frr'>>;

/** How vtysh is invoked on one host. */
export interface FrrAccess {
  /** `-N` instance name, when FRR runs as a named instance. */
  readonly pathspace?: string;
  /** Words before `vtysh` (on top of the host's wrapper). */
  readonly prefix: readonly string[];
  /** How this was decided (for tests and debugging). */
  readonly how: 'inventory' | 'netns-convention' | 'default';
}

/** The namespace a wrapper enters (`… ip netns exec NS …`), if any. */
export function wrapperNetns(wrapper: readonly string[]): string | undefined {
  for (let i = 0; i + 3 < wrapper.length; i++) if (wrapper[i] === 'ip' && wrapper[i + 1] === 'netns' && wrapper[i + 2] === 'exec') return wrapper[i + 3];
  return undefined;
}

/**
 * An `frr:` setting, even an empty one (`frr: {}` = plain vtysh), overrides the convention; the
 * convention only applies to hosts without one.
 */
export function frrAccessFor(host?: FrrHost): FrrAccess {
  const frr = host?.frr;
  if (frr) {
    const pathspace = frr.pathspace ?? frr.netns;
    const prefix = [...(frr.wrapper ?? [])];
    // Enter the namespace unless the host's wrapper already does.
    if (frr.netns && wrapperNetns(host?.wrapper ?? []) !== frr.netns && wrapperNetns(prefix) !== frr.netns) prefix.unshift('ip', 'netns', 'exec', frr.netns);
    return { pathspace, prefix, how: 'inventory' };
  }
  const ns = wrapperNetns(host?.wrapper ?? []);
  if (ns) return { pathspace: ns, prefix: [], how: 'netns-convention' };
  return { prefix: [], how: 'default' };
}

/** argv for one vtysh command with this access. */
export function vtysh(access: FrrAccess, show: string): string[] {
  return [...access.prefix, 'vtysh', ...(access.pathspace ? ['-N', access.pathspace] : []), '-c', show];
}

// ---------------------------------------------------------------------------------------------
// FRR commands

const FRR_SHOWS: readonly (readonly [string, string])[] = [
  [FRR_IDS.version, 'show version'],
  [FRR_IDS.runningConfig, 'show running-config'],
  [FRR_IDS.summary, 'show bgp vrf all summary json'],
  [FRR_IDS.neighbors, 'show bgp neighbors json'],
  [FRR_IDS.rib, 'show bgp ipv4 unicast json'],
  [FRR_IDS.routes, 'show ip route json'],
  [FRR_IDS.bfdPeers, 'show bfd peers json'],
  [FRR_IDS.bfdCounters, 'show bfd peers counters json'],
];

/** FRR is optional on a host: none of its commands is required (a host without FRR is "no FRR data", not an incomplete snapshot). */
export function frrPhase1(access: FrrAccess): RecipeCommand[] {
  return FRR_SHOWS.map(([id, show]) => command(id, vtysh(access, show), false, FRR_TIMEOUT_MS));
}

/** Per-TEP commands for one IPv4 TEP. */
export function tepCommands(access: FrrAccess, ip: string): RecipeCommand[] {
  return [command(FRR_IDS.bgpPrefix(ip), vtysh(access, `show bgp ipv4 unicast ${ip}/32 json`), false, FRR_TIMEOUT_MS), command(FRR_IDS.routePrefix(ip), vtysh(access, `show ip route ${ip}/32 json`), false, FRR_TIMEOUT_MS)];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
export const isIpv4 = (s: string): boolean => IPV4.test(s);

/** Devices a TEP /32 lives on in this design: loopback or dummy. */
const TEP_DEVICE = (ifname: string, linkType?: string) => ifname === 'lo' || linkType === 'loopback' || /^(dummy|lo)/.test(ifname);

export interface TepCandidates {
  readonly local: readonly string[];
  readonly remote: readonly string[];
  readonly notes: readonly string[];
}

/**
 * TEPs worth a per-prefix look, from phase-1 outputs: local /32s on lo/dummy and OVS
 * `ovn-encap-ip`; remote TEPs from OVS geneve ports, or (without them) the BGP table's /32s.
 */
export function tepCandidates(outputs: PhaseOutputs): TepCandidates {
  const notes: string[] = [];
  const local = new Set<string>();
  const remote = new Set<string>();
  const addrText = outputs.get(KERNEL_IDS.addr);
  if (addrText !== undefined) {
    for (const link of parseIpAddrs(addrText).value ?? [])
      for (const a of link.addresses) if (a.family === 'inet' && a.prefixlen === 32 && TEP_DEVICE(link.ifname, link.linkType) && !a.local.startsWith('127.')) local.add(a.local);
  }
  const ovsText = outputs.get('ovs-vsctl.list.Open_vSwitch');
  if (ovsText !== undefined) for (const ovs of parseOvsdbRows(ovsText, toOpenVswitch).value) for (const ip of ovs.ovnEncapIps) if (isIpv4(ip)) local.add(ip);
  const ifText = outputs.get('ovs-vsctl.list.Interface');
  if (ifText !== undefined)
    for (const i of parseOvsdbRows(ifText, toOvsInterfaces).value) if (i.type === 'geneve' && i.remoteIp && isIpv4(i.remoteIp)) remote.add(i.remoteIp);
  if (remote.size === 0) {
    const ribText = outputs.get(FRR_IDS.rib);
    if (ribText !== undefined)
      for (const r of parseBgpRib(ribText).value?.routes ?? []) {
        const m = /^(.+)\/32$/.exec(r.prefix);
        if (m && isIpv4(m[1]!)) remote.add(m[1]!);
      }
  }
  for (const l of local) remote.delete(l);
  const all = [...local, ...remote];
  if (all.length > MAX_TEPS) notes.push(`${all.length} TEP candidates; per-TEP FRR commands collected for the first ${MAX_TEPS} only`);
  return { local: [...local], remote: [...remote], notes };
}

/** True when FRR answered on this host (any of its phase-1 views came back). */
export function frrAnswered(outputs: PhaseOutputs): boolean {
  return FRR_SHOWS.some(([id]) => outputs.has(id));
}

/** FRR on every host: sessions, RIB, zebra routes, BFD; per TEP the prefix detail and route. */
export const bgpModule = {
  name: 'frr',
  phase1: (host?: FrrHost): RecipeCommand[] => frrPhase1(frrAccessFor(host)),
  expand: (outputs: PhaseOutputs, host?: FrrHost): { commands: RecipeCommand[]; notes: string[] } => {
    if (!frrAnswered(outputs)) return { commands: [], notes: [] };
    const access = frrAccessFor(host);
    const { local, remote, notes } = tepCandidates(outputs);
    const teps = [...local, ...remote].filter((ip) => isIpv4(ip) && isSafeName(ip)).slice(0, MAX_TEPS);
    return { commands: teps.flatMap((ip) => tepCommands(access, ip)), notes: [...notes] };
  },
} satisfies RecipeModule;
