/**
 * Recipe module for the MTU audit (DOMAIN.md "Overhead and MTU", H4/H6). Read-only, allow-listed.
 *
 * Phase 1: `ip -j -6 route show table all` (the kernel module's `ip -j route show table all` lists
 * IPv4 only; IPv6 underlays need this for the route lookup toward an IPv6 TEP).
 * Expand: per remote TEP (OVS geneve `options:remote_ip`), `ip -j route get REMOTE from LOCAL`
 * (LOCAL = the host's `ovn-encap-ip` of the same family): the route the kernel really picks for
 * the TEP pair, with its PMTU exception (`mtu N`, `expires`) when the underlay sent "fragmentation
 * needed". Addresses come from the host and are validated before they go into an argv.
 *
 * Nothing here is required: a host without IPv6 routes or without geneve ports is "no data", not an
 * incomplete snapshot.
 */
import { parseOvsdbRows, toOpenVswitch, toOvsInterfaces } from '../parse/ovsdb-json.js';
import { MTU_IDS } from '../snapshot/load-mtu.js';
import { SHARED_IDS } from '../snapshot/load-offload.js';
// recipe.ts imports this file for HOST_MODULES: only types from it (a value import would be a cycle).
import type { PhaseOutputs, RecipeCommand, RecipeModule } from './recipe.js';

const IP_TIMEOUT_MS = 30_000;
/** Past this many remote TEPs the rest is noted, not collected. */
export const MAX_ROUTE_GETS = 256;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/;
const isAddress = (s: string) => IPV4.test(s) || (IPV6.test(s) && s.length <= 45);

const command = (id: string, argv: string[]): RecipeCommand => ({ id, argv, required: false, timeoutMs: IP_TIMEOUT_MS });

/** `ip -j route get` for every remote TEP of the geneve ports found in phase 1. */
export function mtuExpand(outputs: PhaseOutputs): { commands: RecipeCommand[]; notes: string[] } {
  const notes: string[] = [];
  const ifText = outputs.get(SHARED_IDS.interface);
  const ovsText = outputs.get(SHARED_IDS.openVswitch);
  const locals = ovsText === undefined ? [] : (parseOvsdbRows(ovsText, toOpenVswitch).value[0]?.ovnEncapIps ?? []).filter(isAddress);
  const remotes = new Set<string>();
  if (ifText !== undefined)
    for (const i of parseOvsdbRows(ifText, toOvsInterfaces).value) {
      if (i.type !== 'geneve' || !i.remoteIp || i.remoteIp === 'flow') continue;
      if (isAddress(i.remoteIp)) remotes.add(i.remoteIp);
      else notes.push(`geneve port ${i.name}: remote_ip ${JSON.stringify(i.remoteIp)} skipped: not an address`);
    }
  const list = [...remotes];
  if (list.length > MAX_ROUTE_GETS) notes.push(`${list.length} remote TEPs; ip route get collected for the first ${MAX_ROUTE_GETS} only`);
  const commands = list.slice(0, MAX_ROUTE_GETS).map((remote) => {
    const local = locals.find((l) => l.includes(':') === remote.includes(':'));
    return command(MTU_IDS.routeGet(remote), ['ip', '-j', 'route', 'get', remote, ...(local ? ['from', local] : [])]);
  });
  return { commands, notes };
}

export const mtuModule = {
  name: 'mtu',
  phase1: (): RecipeCommand[] => [command(MTU_IDS.route6, ['ip', '-j', '-6', 'route', 'show', 'table', 'all'])],
  expand: (outputs: PhaseOutputs) => mtuExpand(outputs),
} satisfies RecipeModule;
