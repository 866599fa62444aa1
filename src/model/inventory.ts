/** What the user told ovnscope about the fleet (inventory.yaml or --host flags). */
export type TransportKind = 'local' | 'ssh' | 'kubectl';

export interface HostSpec {
  /** Name used in the snapshot (hosts/<name>/). */
  readonly name: string;
  readonly transport: TransportKind;
  /** Prefix for every command, split into words (e.g. ["sudo", "-n"]). */
  readonly wrapper: readonly string[];
  /** ssh: address to connect to (HostName), user, port. */
  readonly address?: string;
  readonly user?: string;
  readonly port?: number;
  /** Per-command timeout override in ms. */
  readonly timeoutMs?: number;
}

export interface OvnCentralSpec {
  /** Host that runs ovn-nbctl / ovn-sbctl. */
  readonly via: string;
  /** OVSDB remotes passed as --db=. Absent: the tools' defaults on that host. */
  readonly nb?: string;
  readonly sb?: string;
}

export interface Inventory {
  readonly hosts: readonly HostSpec[];
  readonly ovn?: OvnCentralSpec;
}
