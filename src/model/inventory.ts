/** What the user told ovnscope about the fleet (inventory.yaml or --host flags). */
export type TransportKind = 'local' | 'ssh' | 'kubectl';

/** Where the OVS/OVN tools of a Kubernetes node run: a pod found by namespace + label selector. */
export interface KubectlTarget {
  /** Node name as Kubernetes knows it (spec.nodeName). Default: the host name. */
  readonly node: string;
  readonly namespace: string;
  /** Label selector of the per-node pods, e.g. `app=ovnkube-node`. */
  readonly selector: string;
  readonly container: string;
  readonly context?: string;
  readonly kubeconfig?: string;
  /** The preset these values came from, for the manifest (`ovn-kubernetes`, `kube-ovn`, `custom`). */
  readonly layout: string;
}

export interface HostSpec {
  /** Name used in the snapshot (hosts/<name>/). */
  readonly name: string;
  readonly transport: TransportKind;
  /** Prefix for every command, split into words (e.g. ["sudo", "-n"]). */
  readonly wrapper: readonly string[];
  /** ssh: what to connect to (a Host alias of ssh_config or an address); default: the name. */
  readonly address?: string;
  /** ssh: overrides ssh_config's User / Port (like `ssh -l` / `-p`). */
  readonly user?: string;
  readonly port?: number;
  /** ssh: overrides ssh_config's ProxyJump (`bastion`, `ops@b1:2222,b2`, `none`). */
  readonly proxyJump?: string;
  /** ssh: identity files tried before ssh_config's. */
  readonly identityFiles?: readonly string[];
  /** kubectl: where the node's OVS/OVN pod is. */
  readonly kubectl?: KubectlTarget;
  /** Per-command timeout override in ms. */
  readonly timeoutMs?: number;
  /** Budget for the whole host (connect + every command) in ms. */
  readonly hostTimeoutMs?: number;
  /** Group the settings came from (inventory `groups:`), for the manifest. */
  readonly group?: string;
  /** Where FRR runs on this host, when not plain `vtysh` (inventory `frr:`). */
  readonly frr?: FrrSettings;
  /** Where ovn-controller answers `ovn-appctl`, when not where the OVS commands run (inventory `ovn_controller:`). */
  readonly ovnController?: OvnControllerSettings;
}

/**
 * Inventory `ovn_controller: { wrapper: "podman exec ovn_controller" }`: words put before
 * `ovn-appctl` (on top of the host's wrapper) when ovn-controller runs in its own container, as in
 * TripleO/kolla, where the OVS commands' wrapper does not reach its control socket.
 */
export interface OvnControllerSettings {
  readonly wrapper?: readonly string[];
}

/** Inventory `frr: { netns: leaf1 }` or `frr: { wrapper: "podman exec frr" }`. */
export interface FrrSettings {
  /** FRR instance started with `-N NAME` inside network namespace NAME. */
  readonly netns?: string;
  /** Instance name when it differs from the namespace (`vtysh -N pathspace`). */
  readonly pathspace?: string;
  /** Words put before `vtysh` for FRR commands only, e.g. "podman exec frr". */
  readonly wrapper?: readonly string[];
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

/** Presets for the per-node pods of the two common OVN-on-Kubernetes layouts. */
export const KUBE_LAYOUTS: Readonly<Record<string, { readonly namespace: string; readonly selector: string; readonly container: string }>> = {
  // OVN-Kubernetes (upstream): ovnkube-node runs ovn-controller with the host's OVS sockets mounted.
  'ovn-kubernetes': { namespace: 'ovn-kubernetes', selector: 'app=ovnkube-node', container: 'ovn-controller' },
  // OpenShift's OVN-Kubernetes.
  openshift: { namespace: 'openshift-ovn-kubernetes', selector: 'app=ovnkube-node', container: 'ovn-controller' },
  // Kube-OVN: the ovs-ovn DaemonSet runs OVS and ovn-controller in one container.
  'kube-ovn': { namespace: 'kube-system', selector: 'app=ovs', container: 'openvswitch' },
};
