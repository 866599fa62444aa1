/**
 * What a host's ovn-controller said about itself over its control socket (`ovn-appctl -t
 * ovn-controller connection-status | debug/status | version`), or why it said nothing. A dead
 * ovn-controller leaves the OpenFlow flows it last installed in place: the datapath keeps
 * forwarding by them while the NB/SB move on, and nothing in the flows tells it.
 */

/** Where a statement about ovn-controller rests: the file and the line it printed (or its error). */
export interface ControllerEvidence {
  /** Snapshot-relative path (`.out`, or the `.err` of a command that failed). */
  readonly file: string;
  /** What it printed, verbatim (first line), or the manifest's error when there was no text. */
  readonly text: string;
}

export type OvnControllerState =
  /** The control socket answered: the daemon runs. */
  | {
      readonly kind: 'running';
      /** `connection-status`: `connected` to the SB, or `not connected`. */
      readonly connected: boolean;
      /** `debug/status` said `paused` (someone ran `debug/pause`): it processes nothing. Undefined: not asked or no answer. */
      readonly paused?: boolean;
      /** `version`'s first line (`ovn-controller 23.03.1`). */
      readonly version?: string;
      readonly evidence: ControllerEvidence;
      readonly pausedEvidence?: ControllerEvidence;
    }
  /** `ovn-appctl` ran and its control socket did not answer (no pidfile, stale pidfile, connection refused): not running. */
  | { readonly kind: 'not-running'; readonly error: string; readonly evidence: ControllerEvidence }
  /** `ovn-appctl` was killed after its timeout: the daemon is there but does not serve its socket (a long recompute, or hung). */
  | { readonly kind: 'unresponsive'; readonly error: string; readonly evidence: ControllerEvidence }
  /** Nothing can be said: not collected (older snapshot), ovn-appctl not installed, refused, the connection broke, or an answer ovnscope cannot read. */
  | { readonly kind: 'unknown'; readonly why: string; readonly evidence?: ControllerEvidence };

/**
 * Command ids (files `hosts/<host>/<id>.out`): src/collect/recipe-controller.ts runs them,
 * src/snapshot/load-controller.ts reads them, doctor C3 points their absence at D17.
 */
export const OVN_CONTROLLER_IDS = {
  connectionStatus: 'ovn-appctl.connection-status',
  debugStatus: 'ovn-appctl.debug-status',
  version: 'ovn-appctl.version',
} as const;

/**
 * `ovn-appctl` refused by the socket's permissions says nothing about the daemon: it may well be
 * running. Every other failure of a command that ran (no pidfile, a pidfile of a dead process,
 * connection refused, no socket) means nothing answered.
 */
export const SOCKET_PERMISSION_DENIED = /Permission denied|Operation not permitted/;
