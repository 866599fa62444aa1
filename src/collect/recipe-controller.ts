/**
 * ovn-controller's own view, over its control socket: is it running, is it connected to the SB,
 * is it paused. Read-only unixctl commands only (see the allow-list). All optional: a failure is
 * data, not a collection failure — `ovn-appctl` that gets no answer is how a dead ovn-controller
 * shows (src/snapshot/load-controller.ts reads the failure and its stderr).
 */
import type { HostSpec } from '../model/inventory.js';
import { OVN_CONTROLLER_IDS } from '../model/ovn-controller.js';
import type { RecipeCommand, RecipeModule } from './recipe.js';

// recipe.ts imports this file for HOST_MODULES: take only types from it (a value import would be a cycle).
/** Short: a live ovn-controller answers at once; one busy in a long recompute answers late, which is worth knowing too. */
export const OVN_CONTROLLER_TIMEOUT_MS = 15_000;

/** `ovn-appctl -t ovn-controller COMMAND`, behind the host's `ovn_controller.wrapper` when it has one (`podman exec ovn_controller`). */
function appctl(host: HostSpec | undefined, id: string, command: string): RecipeCommand {
  return { id, argv: [...(host?.ovnController?.wrapper ?? []), 'ovn-appctl', '-t', 'ovn-controller', command], required: false, timeoutMs: OVN_CONTROLLER_TIMEOUT_MS };
}

export const ovnControllerModule: RecipeModule = {
  name: 'ovn-controller',
  phase1: (host?: HostSpec) => [appctl(host, OVN_CONTROLLER_IDS.connectionStatus, 'connection-status'), appctl(host, OVN_CONTROLLER_IDS.debugStatus, 'debug/status'), appctl(host, OVN_CONTROLLER_IDS.version, 'version')],
};
