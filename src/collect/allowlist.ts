/**
 * The read-only allow-list: the one place that decides which commands ovnscope may run on a host.
 * Every transport calls `checkAllowed` before it sends anything; a command that is not matched
 * here cannot be executed. Patterns are whole-argv shapes, not prefixes, so an extra argument
 * (say `del-flows` smuggled into a bridge name) cannot slip through.
 */

/** One token of an argv pattern. */
type Token =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'bridge' } // a bridge name read from the host (validated)
  | { readonly kind: 'iface' } // an interface name read from the host (validated)
  | { readonly kind: 'db' } // an OVSDB remote given by the user (unix:/ssl:/tcp:)
  | { readonly kind: 'table' } // an OVSDB table name from the recipe
  | { readonly kind: 'addr' } // an IPv4/IPv6 address (a TEP), validated
  | { readonly kind: 'frr' }; // a read-only FRR `show ...` command from FRR_SHOW

interface Pattern {
  readonly id: string;
  readonly tokens: readonly Token[];
}

const lit = (text: string): Token => ({ kind: 'literal', text });
const BRIDGE: Token = { kind: 'bridge' };
const DB: Token = { kind: 'db' };
const TABLE: Token = { kind: 'table' };
const IFACE: Token = { kind: 'iface' };
const ADDR: Token = { kind: 'addr' };
const FRR: Token = { kind: 'frr' };

/**
 * FRR commands ovnscope may send through vtysh: only `show` commands, from this list, or the
 * per-prefix forms with a validated address. vtysh would also accept `configure`; we never send it.
 */
const FRR_SHOW = new Set([
  'show version',
  'show running-config',
  'show bgp vrf all summary json',
  'show bgp summary json',
  'show bgp ipv4 unicast summary json',
  'show bgp neighbors json',
  'show bgp ipv4 unicast json',
  'show bgp ipv6 unicast json',
  'show ip route json',
  'show ipv6 route json',
  'show bfd peers json',
  'show bfd peers counters json',
  'show interface json',
  'show nexthop-group rib',
]);
const FRR_PER_PREFIX = /^show (bgp ipv4 unicast|ip route) (\d{1,3}\.){3}\d{1,3}\/32 json$|^show (bgp ipv6 unicast|ipv6 route) [0-9a-fA-F:]+\/128 json$/;
const IP_ADDR = /^((\d{1,3}\.){3}\d{1,3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

function pattern(id: string, ...tokens: (string | Token)[]): Pattern {
  return { id, tokens: tokens.map((t) => (typeof t === 'string' ? lit(t) : t)) };
}

/** Tables whose listing is read-only and that ovnscope knows how to read. */
export const OVS_TABLES = ['Open_vSwitch', 'Bridge', 'Port', 'Interface'] as const;
export const SB_TABLES = [
  'Chassis',
  'Encap',
  'Port_Binding',
  'Datapath_Binding',
  'Logical_Flow',
  'Multicast_Group',
  'MAC_Binding',
  'Load_Balancer',
  'Logical_DP_Group',
  'Chassis_Private',
  'SB_Global',
  'HA_Chassis_Group',
  'HA_Chassis',
] as const;
export const NB_TABLES = [
  'Logical_Switch',
  'Logical_Switch_Port',
  'Logical_Router',
  'Logical_Router_Port',
  'ACL',
  'Port_Group',
  'Address_Set',
  'Load_Balancer',
  'Load_Balancer_Group',
  'NAT',
  'Logical_Router_Static_Route',
  'Logical_Router_Policy',
  'DHCP_Options',
  'Gateway_Chassis',
] as const;

const KNOWN_TABLES = new Set<string>([...OVS_TABLES, ...SB_TABLES, ...NB_TABLES]);

const PATTERNS: readonly Pattern[] = [
  pattern('ovs-vsctl-version', 'ovs-vsctl', '--version'),
  pattern('ovs-vsctl-list-br', 'ovs-vsctl', 'list-br'),
  pattern('ovs-vsctl-list', 'ovs-vsctl', '--format=json', 'list', TABLE),
  pattern('ovs-ofctl-show', 'ovs-ofctl', 'show', BRIDGE),
  pattern('ovs-ofctl-dump-flows', 'ovs-ofctl', '--no-names', 'dump-flows', BRIDGE),
  pattern('ovs-ofctl-dump-groups', 'ovs-ofctl', '-O', 'OpenFlow15', '--no-names', 'dump-groups', BRIDGE),
  pattern('ovs-ofctl-dump-tlv-map', 'ovs-ofctl', 'dump-tlv-map', BRIDGE),
  pattern('ovs-appctl-dpif-show', 'ovs-appctl', 'dpif/show'),
  pattern('ovs-appctl-dp-features', 'ovs-appctl', 'dpif/show-dp-features', BRIDGE),
  // ovn-controller's own answer over its control socket: read-only unixctl commands only (never
  // `exit`, `recompute`, `debug/pause`, `inject-pkt`, `lflow-cache/flush`, ...).
  pattern('ovn-controller-connection-status', 'ovn-appctl', '-t', 'ovn-controller', 'connection-status'),
  pattern('ovn-controller-debug-status', 'ovn-appctl', '-t', 'ovn-controller', 'debug/status'),
  pattern('ovn-controller-version', 'ovn-appctl', '-t', 'ovn-controller', 'version'),
  pattern('ovn-sbctl-list', 'ovn-sbctl', DB, '--format=json', 'list', TABLE),
  pattern('ovn-nbctl-list', 'ovn-nbctl', DB, '--format=json', 'list', TABLE),
  // Kernel view (MTU, routes, ECMP next hops, devices) — `ip -j` is read-only JSON output.
  pattern('ip-link', 'ip', '-j', '-d', 'link', 'show'),
  pattern('ip-addr', 'ip', '-j', 'addr', 'show'),
  pattern('ip-route', 'ip', '-j', 'route', 'show', 'table', 'all'),
  pattern('ip-route6', 'ip', '-j', '-6', 'route', 'show', 'table', 'all'),
  pattern('ip-nexthop', 'ip', '-j', 'nexthop', 'show'),
  pattern('ip-route-get', 'ip', '-j', 'route', 'get', ADDR),
  pattern('ip-route-get-from', 'ip', '-j', 'route', 'get', ADDR, 'from', ADDR),
  pattern('uname', 'uname', '-r'),
  // NIC offload state (ethtool without -K/-s/-G... is read-only).
  pattern('ethtool-version', 'ethtool', '--version'),
  pattern('ethtool-k', 'ethtool', '-k', IFACE),
  pattern('ethtool-json-k', 'ethtool', '--json', '-k', IFACE),
  pattern('ethtool-i', 'ethtool', '-i', IFACE),
  pattern('ethtool-tunnels', 'ethtool', '--show-tunnels', IFACE),
  // `cat /proc/net/bonding/<bond>` is matched in checkAllowed itself.
  pattern('tc-filter', 'tc', '-s', 'filter', 'show', 'dev', IFACE, 'ingress'),
  pattern('devlink-eswitch', 'devlink', '-j', 'dev', 'eswitch', 'show'),
  pattern('ovs-other-config', 'ovs-vsctl', 'get', 'Open_vSwitch', '.', 'other_config'),
  pattern('ovs-offloaded-flows', 'ovs-appctl', 'dpctl/dump-flows', '-m', 'type=offloaded'),
  // FRR (host, container or namespace instance via -N).
  pattern('vtysh', 'vtysh', '-c', FRR),
  pattern('vtysh-netns', 'vtysh', '-N', IFACE, '-c', FRR),
  pattern('ovn-sbctl-list-default-db', 'ovn-sbctl', '--format=json', 'list', TABLE),
  pattern('ovn-nbctl-list-default-db', 'ovn-nbctl', '--format=json', 'list', TABLE),
];

/** Names read from a host before they go into a later command: conservative on purpose. */
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,63}$/;
const SAFE_DB = /^--db=(unix:[A-Za-z0-9_./-]+|(ssl|tcp):[A-Za-z0-9_.:[\]-]+)(,(unix:[A-Za-z0-9_./-]+|(ssl|tcp):[A-Za-z0-9_.:[\]-]+))*$/;

export function isSafeName(name: string): boolean {
  return SAFE_NAME.test(name);
}

function tokenMatches(token: Token, arg: string): boolean {
  switch (token.kind) {
    case 'literal':
      return token.text === arg;
    case 'bridge':
    case 'iface':
      return isSafeName(arg);
    case 'db':
      return SAFE_DB.test(arg);
    case 'table':
      return KNOWN_TABLES.has(arg);
    case 'addr':
      return IP_ADDR.test(arg);
    case 'frr':
      return FRR_SHOW.has(arg) || FRR_PER_PREFIX.test(arg);
  }
}

export type AllowVerdict = { readonly allowed: true; readonly patternId: string } | { readonly allowed: false; readonly reason: string };

/** Is this argv (the command proper, after any wrapper) on the read-only allow-list? */
export function checkAllowed(argv: readonly string[]): AllowVerdict {
  // `cat` is allowed for exactly one kind of file: the bonding driver's status.
  if (argv[0] === 'cat') {
    const m = argv.length === 2 ? /^\/proc\/net\/bonding\/([A-Za-z0-9_.:@-]{1,15})$/.exec(argv[1]!) : null;
    return m ? { allowed: true, patternId: 'bonding' } : { allowed: false, reason: `not on ovnscope's read-only allow-list: ${argv.join(' ')}` };
  }
  // FRR and ovn-controller may sit behind their own wrapper (`podman exec frr vtysh ...`,
  // `ip netns exec X vtysh -N X ...`, `podman exec ovn_controller ovn-appctl ...`): the prefix
  // must be a read-only wrapper shape and the rest a vtysh `show` / ovn-appctl pattern.
  const k = argv.findIndex((w) => w === 'vtysh' || w === 'ovn-appctl');
  if (k > 0) {
    const rest = checkAllowed(argv.slice(k));
    return checkWrapper(argv.slice(0, k)).allowed && rest.allowed ? rest : { allowed: false, reason: `not on ovnscope's read-only allow-list: ${argv.join(' ')}` };
  }
  for (const p of PATTERNS) {
    if (p.tokens.length !== argv.length) continue;
    if (p.tokens.every((t, i) => tokenMatches(t, argv[i]!))) return { allowed: true, patternId: p.id };
  }
  return { allowed: false, reason: `not on ovnscope's read-only allow-list: ${argv.join(' ')}` };
}

/**
 * The variables a wrapper may set with `env`: where OVS/OVN keep their sockets, databases, logs
 * and configuration, the OVSDB remotes, the ctl timeout, and the locale. Nothing else: PATH,
 * LD_PRELOAD, LD_LIBRARY_PATH, BASH_ENV, ... would let an inventory choose which program (or
 * which code inside it) actually runs, and the allow-list checks names, not binaries.
 */
export const ENV_VARIABLES: ReadonlySet<string> = new Set([
  'OVS_RUNDIR',
  'OVS_DBDIR',
  'OVS_LOGDIR',
  'OVS_SYSCONFDIR',
  'OVS_CTL_TIMEOUT',
  'OVN_RUNDIR',
  'OVN_DBDIR',
  'OVN_LOGDIR',
  'OVN_SYSCONFDIR',
  'OVN_NB_DB',
  'OVN_SB_DB',
  'LC_ALL',
  'LANG',
]);

function envRefusal(name: string): string {
  const why = /^(PATH|LD_|DYLD_)/.test(name)
    ? 'it would choose which program or library actually runs'
    : 'ovnscope lets a wrapper set only the OVS/OVN directories, OVSDB remotes and locale';
  return `env may not set ${name}: ${why} (allowed: ${[...ENV_VARIABLES].join(', ')})`;
}

/**
 * Wrappers are prefixes users put in front of every command (`sudo -n`, `podman exec ovn_controller`,
 * `env OVS_RUNDIR=...`, `ip netns exec hv1`). They are allowed only in these read-only shapes, so an
 * inventory cannot turn a wrapper into an arbitrary command.
 */
export function checkWrapper(wrapper: readonly string[]): AllowVerdict {
  let i = 0;
  const at = (k: number) => wrapper[k];
  while (i < wrapper.length) {
    const w = at(i)!;
    if (w === 'env') {
      i++;
      for (let m: RegExpExecArray | null; (m = /^([A-Za-z_][A-Za-z0-9_]*)=[A-Za-z0-9_./:,@=-]*$/.exec(at(i) ?? '')); i++) {
        if (!ENV_VARIABLES.has(m[1]!)) return { allowed: false, reason: envRefusal(m[1]!) };
      }
      continue;
    }
    if (w === 'sudo') {
      if (at(i + 1) !== '-n') return { allowed: false, reason: 'sudo must be used as "sudo -n" (ovnscope never types a password)' };
      i += 2;
      if (at(i) === '-u' && at(i + 1) && isSafeName(at(i + 1)!)) i += 2;
      continue;
    }
    if (w === 'podman' || w === 'docker') {
      if (at(i + 1) !== 'exec') return { allowed: false, reason: `${w} may only be used as "${w} exec CONTAINER"` };
      i += 2;
      while (at(i) === '-i') i++;
      if (!at(i) || !isSafeName(at(i)!)) return { allowed: false, reason: `${w} exec needs a container name` };
      i++;
      continue;
    }
    // coreutils `timeout -k K N`: bounds how long the command may run; it cannot make it do anything else.
    if (w === 'timeout' && at(i + 1) === '-k' && /^[1-9]\d{0,5}$/.test(at(i + 2) ?? '') && /^[1-9]\d{0,5}$/.test(at(i + 3) ?? '')) {
      i += 4;
      continue;
    }
    if (w === 'ip' && at(i + 1) === 'netns' && at(i + 2) === 'exec' && at(i + 3) && isSafeName(at(i + 3)!)) {
      i += 4;
      continue;
    }
    return { allowed: false, reason: `wrapper word "${w}" is not one of: env VAR=value, sudo -n, podman exec, docker exec, ip netns exec, timeout -k K N` };
  }
  return { allowed: true, patternId: 'wrapper' };
}

/**
 * The one gate every transport calls before it sends anything: the wrapper must be a read-only
 * shape and the command proper must be on the allow-list. Nothing that fails here leaves the
 * machine, whatever the transport (local execa, ssh2 channel, kubectl exec).
 */
export function isAllowed(wrapper: readonly string[], argv: readonly string[]): AllowVerdict {
  const w = checkWrapper(wrapper);
  if (!w.allowed) return w;
  return checkAllowed(argv);
}

/** Kubernetes names (namespaces, pods, containers, contexts): DNS-1123 labels/subdomains. */
const K8S_NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
/** Label selectors: `app=ovnkube-node`, `app in (ovs,ovs-ovn)`, `k!=v`, comma-separated. */
const K8S_SELECTOR = /^[A-Za-z0-9_./-]+(\s*(=|==|!=)\s*[A-Za-z0-9_.-]*|\s+(in|notin)\s+\([A-Za-z0-9_., -]*\))?(,[A-Za-z0-9_./-]+(\s*(=|==|!=)\s*[A-Za-z0-9_.-]*|\s+(in|notin)\s+\([A-Za-z0-9_., -]*\))?)*$/;
const K8S_NODE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

export function isK8sName(s: string): boolean {
  return K8S_NAME.test(s);
}
export function isK8sSelector(s: string): boolean {
  return K8S_SELECTOR.test(s) && s.length <= 512;
}
export function isK8sNode(s: string): boolean {
  return K8S_NODE.test(s);
}

/** `--context=NAME`, `--kubeconfig=FILE`, `--request-timeout=30s`: the only global kubectl options ovnscope passes. */
function kubectlGlobals(argv: readonly string[], i: number): number {
  while (i < argv.length) {
    const a = argv[i]!;
    if (/^--context=[A-Za-z0-9_.:@\/-]{1,253}$/.test(a) || /^--kubeconfig=[A-Za-z0-9_.\/~+-]{1,4096}$/.test(a) || /^--request-timeout=\d{1,5}s$/.test(a)) i++;
    else break;
  }
  return i;
}

/**
 * kubectl invocations a transport may run on this machine: the pod lookup
 * (`kubectl [globals] -n NS get pods -l SEL --field-selector spec.nodeName=NODE -o json`) and
 * `kubectl [globals] -n NS exec POD -c CONTAINER -- <wrapper> <allow-listed argv>`.
 */
export function checkKubectl(argv: readonly string[]): AllowVerdict {
  const no = (why: string): AllowVerdict => ({ allowed: false, reason: `kubectl command refused (${why}): ${argv.join(' ')}` });
  if (argv[0] !== 'kubectl') return no('not kubectl');
  let i = kubectlGlobals(argv, 1);
  if (argv[i] !== '-n' || !argv[i + 1] || !isK8sName(argv[i + 1]!)) return no('needs -n NAMESPACE');
  i += 2;
  if (argv[i] === 'get') {
    const rest = argv.slice(i);
    const ok =
      rest.length === 8 &&
      rest[1] === 'pods' &&
      rest[2] === '-l' &&
      isK8sSelector(rest[3]!) &&
      rest[4] === '--field-selector' &&
      /^spec\.nodeName=/.test(rest[5]!) &&
      isK8sNode(rest[5]!.slice('spec.nodeName='.length)) &&
      rest[6] === '-o' &&
      rest[7] === 'json';
    return ok ? { allowed: true, patternId: 'kubectl-get-pods' } : no('only "get pods -l SELECTOR --field-selector spec.nodeName=NODE -o json"');
  }
  if (argv[i] === 'exec') {
    if (!argv[i + 1] || !isK8sName(argv[i + 1]!)) return no('exec needs a pod name');
    if (argv[i + 2] !== '-c' || !argv[i + 3] || !isK8sName(argv[i + 3]!)) return no('exec needs -c CONTAINER');
    if (argv[i + 4] !== '--') return no('exec needs "--" before the command');
    const inner = argv.slice(i + 5);
    // The command inside the pod: a read-only wrapper (possibly empty) then an allow-listed argv.
    for (let k = 0; k <= inner.length; k++) {
      const v = isAllowed(inner.slice(0, k), inner.slice(k));
      if (v.allowed) return { allowed: true, patternId: `kubectl-exec:${v.patternId}` };
    }
    return no('the command inside the pod is not on the allow-list');
  }
  return no('only "get pods" and "exec" are used');
}

/** Quote one argument for a POSIX shell (used by transports that send a command line). */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
