import type { HostSpec } from '../model/inventory.js';
import { NB_TABLES, OVS_TABLES, SB_TABLES, isSafeName } from './allowlist.js';
import { bgpModule, kernelModule } from './recipe-bgp.js';
import { offloadModule } from './recipe-offload.js';
import { mtuModule } from './recipe-mtu.js';
import { ovnControllerModule } from './recipe-controller.js';

/**
 * The declarative collection recipe: what ovnscope runs, in which phase, and how failure counts.
 * Every argv here must also match the allow-list (a test checks that).
 *
 * A recipe is a list of modules. Each module gives commands that need nothing from the host
 * (phase 1) and may `expand` into more commands once phase 1's outputs are in (phase 2: one
 * dump-flows per bridge `ovs-vsctl list-br` reports, one `ethtool -k` per device of the tunnel
 * egress chain, ...). Names taken from outputs are validated before they go into an argv.
 */
export interface RecipeCommand {
  readonly id: string;
  readonly argv: readonly string[];
  /** A failed required command makes the snapshot incomplete (exit 3). */
  readonly required: boolean;
  readonly timeoutMs: number;
}

/** Outputs of phase 1, by command id (text of `.out` when the command succeeded). */
export type PhaseOutputs = ReadonlyMap<string, string>;

export interface RecipeModule {
  readonly name: string;
  /** The host lets a module honour per-host settings (e.g. where FRR runs); absent = defaults. */
  readonly phase1: (host?: HostSpec) => RecipeCommand[];
  /** Phase-2 commands from phase-1 outputs, plus notes for the manifest (e.g. a name that was skipped). */
  readonly expand?: (outputs: PhaseOutputs, host?: HostSpec) => { commands: RecipeCommand[]; notes: string[] };
}

export const DEFAULT_TIMEOUT_MS = 60_000;

export const cmd = (id: string, argv: string[], required = true, timeoutMs = DEFAULT_TIMEOUT_MS): RecipeCommand => ({ id, argv, required, timeoutMs });

/** Lines of an output that are safe names, and notes for those that are not. */
export function safeNames(text: string | undefined, what: string): { names: string[]; notes: string[] } {
  const names: string[] = [];
  const notes: string[] = [];
  for (const n of (text ?? '').split('\n').map((l) => l.trim()).filter(Boolean)) {
    if (isSafeName(n)) names.push(n);
    else notes.push(`${what} ${JSON.stringify(n)} skipped: not a safe name to pass to a command`);
  }
  return { names, notes };
}

/** Phase-2 commands for one bridge reported by `ovs-vsctl list-br`. */
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

/** OVS on every hypervisor: DB tables, datapath ports, and per bridge the OpenFlow state. */
export const ovsModule: RecipeModule = {
  name: 'ovs',
  phase1: () => [
    cmd('ovs-vsctl.version', ['ovs-vsctl', '--version']),
    cmd('ovs-vsctl.list-br', ['ovs-vsctl', 'list-br']),
    cmd('ovs-appctl.dpif-show', ['ovs-appctl', 'dpif/show']),
    ...OVS_TABLES.map((t) => cmd(`ovs-vsctl.list.${t}`, ['ovs-vsctl', '--format=json', 'list', t])),
  ],
  expand: (outputs) => {
    const listBr = outputs.get('ovs-vsctl.list-br');
    if (listBr === undefined) return { commands: bridgeCommands('br-int'), notes: ['ovs-vsctl list-br failed; assumed br-int'] };
    const { names, notes } = safeNames(listBr, 'bridge name');
    return { commands: names.flatMap(bridgeCommands), notes };
  },
};

/** The host recipe: every module that runs on each hypervisor. Capabilities add their module here. */
export const HOST_MODULES: readonly RecipeModule[] = [ovsModule, ovnControllerModule, kernelModule, bgpModule, offloadModule, mtuModule];

/** Bridges a host's phase-1 outputs name (for the manifest). */
export function bridgesOf(outputs: PhaseOutputs): string[] {
  const listBr = outputs.get('ovs-vsctl.list-br');
  return listBr === undefined ? ['br-int'] : safeNames(listBr, 'bridge').names;
}

/** SB listings a snapshot stays usable without (see centralCommands). */
const SB_OPTIONAL: readonly string[] = ['Logical_DP_Group', 'Chassis_Private', 'SB_Global', 'HA_Chassis_Group', 'HA_Chassis'];

/** Once, through the `ovn.via` host: the SB (what runs) and the NB (what people named). */
export function centralCommands(nb?: string, sb?: string): RecipeCommand[] {
  const db = (remote?: string) => (remote ? [`--db=${remote}`] : []);
  const list = (tool: string, remote: string | undefined, table: string) => [tool, ...db(remote), '--format=json', 'list', table];
  return [
    // Logical_DP_Group is only used by some northd versions; Chassis_Private (OVN ≥ 20.09) and
    // SB_Global only tell whether each chassis applied the latest NB change; HA_Chassis_Group and
    // HA_Chassis only name the candidate chassis of a gateway port nobody claims: optional.
    ...SB_TABLES.map((t) => cmd(`ovn-sbctl.list.${t}`, list('ovn-sbctl', sb, t), !SB_OPTIONAL.includes(t), 2 * DEFAULT_TIMEOUT_MS)),
    // Load_Balancer_Group (OVN-Kubernetes attaches nearly every load balancer through it) is
    // missing from older NB schemas: optional, like the other tables not every NB has.
    ...NB_TABLES.map((t) => cmd(`ovn-nbctl.list.${t}`, list('ovn-nbctl', nb, t), !['Logical_Router_Policy', 'DHCP_Options', 'Gateway_Chassis', 'Load_Balancer_Group'].includes(t))),
  ];
}

/** Phase-1 commands of every host module for a host (tests use it to check the allow-list). */
export function hostCommands(host: HostSpec = { name: 'hv', transport: 'local', wrapper: [] }): RecipeCommand[] {
  return HOST_MODULES.flatMap((m) => m.phase1(host));
}
