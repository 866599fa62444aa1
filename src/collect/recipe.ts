import { NB_TABLES, OVS_TABLES, SB_TABLES } from './allowlist.js';

/**
 * The declarative collection recipe: what ovnscope runs, in which phase, and how failure counts.
 * Every argv here must also match the allow-list (a test checks that).
 */
export interface RecipeCommand {
  readonly id: string;
  readonly argv: readonly string[];
  /** A failed required command makes the snapshot incomplete (exit 3). */
  readonly required: boolean;
  readonly timeoutMs: number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

const cmd = (id: string, argv: string[], required = true, timeoutMs = DEFAULT_TIMEOUT_MS): RecipeCommand => ({ id, argv, required, timeoutMs });

/** Phase 1 on every hypervisor: things that do not depend on anything read from the host. */
export function hostCommands(): RecipeCommand[] {
  return [
    cmd('ovs-vsctl.version', ['ovs-vsctl', '--version']),
    cmd('ovs-vsctl.list-br', ['ovs-vsctl', 'list-br']),
    cmd('ovs-appctl.dpif-show', ['ovs-appctl', 'dpif/show']),
    ...OVS_TABLES.map((t) => cmd(`ovs-vsctl.list.${t}`, ['ovs-vsctl', '--format=json', 'list', t])),
  ];
}

/** Phase 2: per bridge reported by `ovs-vsctl list-br` (names validated before use). */
export function bridgeCommands(bridge: string): RecipeCommand[] {
  const list: RecipeCommand[] = [
    cmd(`ovs-ofctl.show.${bridge}`, ['ovs-ofctl', 'show', bridge]),
    cmd(`ovs-ofctl.dump-flows.${bridge}`, ['ovs-ofctl', '--no-names', 'dump-flows', bridge], true, 5 * DEFAULT_TIMEOUT_MS),
    cmd(`ovs-ofctl.dump-groups.${bridge}`, ['ovs-ofctl', '-O', 'OpenFlow15', '--no-names', 'dump-groups', bridge]),
  ];
  if (bridge === 'br-int') {
    list.push(cmd(`ovs-ofctl.dump-tlv-map.${bridge}`, ['ovs-ofctl', 'dump-tlv-map', bridge], false));
    list.push(cmd(`ovs-appctl.dp-features.${bridge}`, ['ovs-appctl', 'dpif/show-dp-features', bridge], false));
  }
  return list;
}

/** Once, through the `ovn.via` host: the SB (what runs) and the NB (what people named). */
export function centralCommands(nb?: string, sb?: string): RecipeCommand[] {
  const db = (remote?: string) => (remote ? [`--db=${remote}`] : []);
  const list = (tool: string, remote: string | undefined, table: string) => [tool, ...db(remote), '--format=json', 'list', table];
  return [
    // Logical_DP_Group exists only in newer schemas' usage; optional.
    ...SB_TABLES.map((t) => cmd(`ovn-sbctl.list.${t}`, list('ovn-sbctl', sb, t), t !== 'Logical_DP_Group', 2 * DEFAULT_TIMEOUT_MS)),
    ...NB_TABLES.map((t) => cmd(`ovn-nbctl.list.${t}`, list('ovn-nbctl', nb, t), !['Logical_Router_Policy', 'DHCP_Options', 'Gateway_Chassis'].includes(t))),
  ];
}
