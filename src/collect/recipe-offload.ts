/**
 * Recipe module for the GENEVE offload audit (DOMAIN.md "GENEVE offload", checks O1–O9, H1–H10).
 * Read-only and allow-listed, like every recipe.
 *
 * Phase 1 (host-wide): `ethtool --version`, `uname -r`, `ovs-vsctl get Open_vSwitch . other_config`,
 * `devlink -j dev eswitch show`.
 *
 * Expand (per device of the tunnel egress chain, found from phase-1 outputs this and other modules
 * collect — `ovs-vsctl.list.Interface`/`Bridge`/`Port` from the OVS module, `ip.link`/`ip.route`/
 * `ip.nexthop` from the kernel module; nothing is collected twice): `ethtool -k`, `ethtool --json -k`
 * (ethtool ≥ 5.17), `ethtool -i`; on the devices at the bottom of the chain `ethtool --show-tunnels`
 * (ethtool ≥ 5.10) and, when `other_config:hw-offload` is true, `tc -s filter show dev DEV ingress`;
 * `cat /proc/net/bonding/BOND` per bond; host-wide `ovs-appctl dpctl/dump-flows -m type=offloaded`
 * when hw-offload is true (otherwise there is nothing offloaded to count). Device names come from
 * the host and are validated (`isSafeName`) before they go into an argv.
 *
 * None of these commands is required: a host without ethtool or devlink gives N/A findings, not an
 * incomplete snapshot.
 */
import { ethtoolHasJsonFeatures, ethtoolHasShowTunnels, parseEthtoolVersion, parseOvsMaps } from '../parse/ethtool.js';
import { parseIpLinks, parseIpNexthops, parseIpRoutes } from '../parse/iproute.js';
import { buildBridgeMap, parseOvsdbRows, toOpenVswitch, toOvsBridges, toOvsInterfaces, toOvsPorts } from '../parse/ovsdb-json.js';
import { egressChain, MAX_CHAIN_DEVICES, OFFLOAD_IDS, SHARED_IDS } from '../snapshot/load-offload.js';
import { isSafeName } from './allowlist.js';
// recipe.ts imports this file for HOST_MODULES: only types from it (a value import would be a cycle).
import type { PhaseOutputs, RecipeCommand, RecipeModule } from './recipe.js';

const ETHTOOL_TIMEOUT_MS = 15_000;
const OVS_TIMEOUT_MS = 30_000;
/** The allow-list's shape for `cat /proc/net/bonding/<bond>`. */
const BOND_FILE_NAME = /^[A-Za-z0-9_.:@-]{1,15}$/;

const command = (id: string, argv: string[], timeoutMs = ETHTOOL_TIMEOUT_MS): RecipeCommand => ({ id, argv, required: false, timeoutMs });

export interface OffloadModuleOptions {
  /**
   * `ovs-appctl dpctl/dump-flows -m type=offloaded`: `auto` (default) only when
   * other_config:hw-offload is true, `always`, or `never`. The snapshot keeps stdout verbatim;
   * the audit only counts it.
   */
  readonly offloadedFlows?: 'auto' | 'always' | 'never';
}

/** Host-wide commands. */
export function offloadPhase1(): RecipeCommand[] {
  return [
    command(OFFLOAD_IDS.ethtoolVersion, ['ethtool', '--version']),
    command(OFFLOAD_IDS.kernelRelease, ['uname', '-r']),
    command(OFFLOAD_IDS.otherConfig, ['ovs-vsctl', 'get', 'Open_vSwitch', '.', 'other_config'], OVS_TIMEOUT_MS),
    command(OFFLOAD_IDS.devlink, ['devlink', '-j', 'dev', 'eswitch', 'show']),
  ];
}

/** Is OVS flow offload switched on, from what phase 1 returned (the `get` output, else the Open_vSwitch listing)? */
export function hwOffloadFrom(outputs: PhaseOutputs): boolean {
  const oc = outputs.get(OFFLOAD_IDS.otherConfig);
  if (oc !== undefined) {
    const map = parseOvsMaps(oc).value[0]?.map;
    if (map) return map.get('hw-offload') === 'true';
  }
  const ovs = outputs.get(SHARED_IDS.openVswitch);
  if (ovs !== undefined) return parseOvsdbRows(ovs, toOpenVswitch).value[0]?.hwOffload === true;
  return false;
}

/** Per-device commands for the tunnel egress chain found in phase-1 outputs. */
export function offloadExpand(outputs: PhaseOutputs, options: OffloadModuleOptions = {}): { commands: RecipeCommand[]; notes: string[] } {
  const notes: string[] = [];
  const commands: RecipeCommand[] = [];
  const versionText = outputs.get(OFFLOAD_IDS.ethtoolVersion);
  const version = versionText === undefined ? undefined : parseEthtoolVersion(versionText).value;
  const hwOffload = hwOffloadFrom(outputs);
  const flowsWanted = options.offloadedFlows === 'always' || (options.offloadedFlows !== 'never' && hwOffload);
  if (flowsWanted) commands.push(command(OFFLOAD_IDS.offloadedFlows, ['ovs-appctl', 'dpctl/dump-flows', '-m', 'type=offloaded'], OVS_TIMEOUT_MS));
  // Without a working ethtool there is nothing per device to ask (the audit says so per check).
  if (versionText === undefined) return { commands, notes };

  const rows = <T>(id: string, parse: (t: string) => T | undefined): T | undefined => {
    const t = outputs.get(id);
    return t === undefined ? undefined : parse(t);
  };
  const interfaces = rows(SHARED_IDS.interface, (t) => parseOvsdbRows(t, toOvsInterfaces).value) ?? [];
  const bridges = rows(SHARED_IDS.bridge, (t) => parseOvsdbRows(t, toOvsBridges).value) ?? [];
  const ports = rows(SHARED_IDS.port, (t) => parseOvsdbRows(t, toOvsPorts).value) ?? [];
  const chain = egressChain({
    links: rows(SHARED_IDS.link, (t) => parseIpLinks(t).value),
    routes: rows(SHARED_IDS.route, (t) => parseIpRoutes(t).value),
    nexthops: rows(SHARED_IDS.nexthop, (t) => parseIpNexthops(t).value),
    interfaces,
    bridgeMap: bridges.length ? buildBridgeMap(bridges, ports, interfaces).value : undefined,
  });
  if (chain.devices.length >= MAX_CHAIN_DEVICES) notes.push(`tunnel egress chain has more than ${MAX_CHAIN_DEVICES} devices; ethtool collected for the first ${MAX_CHAIN_DEVICES}`);
  const json = ethtoolHasJsonFeatures(version);
  const tunnels = ethtoolHasShowTunnels(version);
  for (const d of chain.devices) {
    if (d.role === 'dpdk') continue; // no kernel netdev: ethtool cannot see it
    if (!isSafeName(d.name)) {
      notes.push(`device name ${JSON.stringify(d.name)} skipped: not a safe name to pass to a command`);
      continue;
    }
    commands.push(command(OFFLOAD_IDS.features(d.name), ['ethtool', '-k', d.name]));
    if (json) commands.push(command(OFFLOAD_IDS.featuresJson(d.name), ['ethtool', '--json', '-k', d.name]));
    commands.push(command(OFFLOAD_IDS.driverInfo(d.name), ['ethtool', '-i', d.name]));
    if (d.lowers.length === 0) {
      if (tunnels) commands.push(command(OFFLOAD_IDS.tunnels(d.name), ['ethtool', '--show-tunnels', d.name]));
      if (hwOffload) commands.push(command(OFFLOAD_IDS.tcIngress(d.name), ['tc', '-s', 'filter', 'show', 'dev', d.name, 'ingress']));
    }
    if (d.role === 'bond' && BOND_FILE_NAME.test(d.name)) commands.push(command(OFFLOAD_IDS.bonding(d.name), ['cat', `/proc/net/bonding/${d.name}`]));
  }
  return { commands, notes };
}

export function makeOffloadModule(options: OffloadModuleOptions = {}): RecipeModule {
  return { name: 'offload', phase1: offloadPhase1, expand: (outputs) => offloadExpand(outputs, options) };
}

/** GENEVE offload audit data on every host (registered in HOST_MODULES). */
export const offloadModule: RecipeModule = makeOffloadModule();
