// Declarative OVN topologies for the live sandbox. A Topology is plain data (JSON-compatible);
// applyTopology() turns it into batched `ovn-nbctl` transactions (`--` between commands, about a
// hundred per call), binds the ports with batched `ovs-vsctl add-port` per chassis, and waits
// until every chassis has caught up (`--wait=hv sync`) and every bound port is claimed.

import { bindArgs, ovsdbMapArgs, ovsdbString, startSandbox, type ChassisSpec, type Sandbox, type SandboxOptions } from './sandbox.js';
import { pollUntil } from './procs.js';

// ---------------------------------------------------------------------------------------------
// The description

export interface Topology {
  name: string;
  description?: string;
  /** The chassis this topology needs (the sandbox is started with exactly these). */
  chassis: ChassisSpec[];
  switches?: LogicalSwitchSpec[];
  routers?: LogicalRouterSpec[];
  addressSets?: AddressSetSpec[];
  portGroups?: PortGroupSpec[];
  loadBalancers?: LoadBalancerSpec[];
  dhcpOptions?: DhcpOptionsSpec[];
  /** NB_Global options, e.g. { mac_prefix: '0a:00:44' } so dynamic MACs are reproducible. */
  nbGlobalOptions?: Record<string, string>;
  /** Escape hatch: raw ovn-nbctl commands (argv without the program), applied last. */
  nbctl?: string[][];
}

export interface LogicalSwitchSpec {
  name: string;
  /** other_config:subnet (IPv4 CIDR, needed for `dynamic` addresses). */
  subnet?: string;
  /** other_config:ipv6_prefix. */
  ipv6Prefix?: string;
  /** other_config:exclude_ips. */
  excludeIps?: string;
  otherConfig?: Record<string, string>;
  externalIds?: Record<string, string>;
  ports: SwitchPortSpec[];
  /** ACLs on the switch itself. */
  acls?: AclSpec[];
}

export type SwitchPortType = '' | 'router' | 'localnet' | 'localport' | 'l2gateway' | 'vtep' | 'external' | 'virtual';

export interface SwitchPortSpec {
  name: string;
  /** Each entry one `addresses` value: "MAC IP [IP6…]", "MAC", "dynamic", "MAC dynamic", "unknown", "router". */
  addresses?: string[];
  /** Each entry one port_security value, e.g. "MAC IP". */
  portSecurity?: string[];
  type?: SwitchPortType;
  /** type=router: options:router-port (default addresses "router"). */
  routerPort?: string;
  /** type=localnet: options:network_name (default addresses "unknown"). */
  networkName?: string;
  /** VLAN tag (localnet). */
  tag?: number;
  options?: Record<string, string>;
  /** e.g. { 'neutron:port_name': 'vm1', 'neutron:device_id': '…' } or { pod: 'true', namespace: 'ns' }. */
  externalIds?: Record<string, string>;
  /** Name of a DhcpOptionsSpec. */
  dhcpv4Options?: string;
  dhcpv6Options?: string;
  enabled?: boolean;
  /** Bind to a chassis: a `type=dummy` interface on its br-int with external_ids:iface-id=<name>. */
  bind?: PortBindingSpec;
}

export interface PortBindingSpec {
  chassis: string;
  /** Interface name on br-int; default the logical port name. */
  iface?: string;
  /** Extra Interface external_ids (e.g. attached-mac, vm-uuid). */
  externalIds?: Record<string, string>;
  ofportRequest?: number;
}

export interface LogicalRouterSpec {
  name: string;
  /** Gateway router: options:chassis. */
  chassis?: string;
  options?: Record<string, string>;
  externalIds?: Record<string, string>;
  ports: RouterPortSpec[];
  staticRoutes?: StaticRouteSpec[];
  nat?: NatSpec[];
}

export interface RouterPortSpec {
  name: string;
  mac: string;
  /** CIDRs, e.g. ["10.0.0.1/24", "2001:db8::1/64"]. */
  networks: string[];
  /** Router-to-router peer port. */
  peer?: string;
  /** Distributed gateway port: gateway chassis, highest priority first unless priorities are given. */
  gatewayChassis?: Array<string | { chassis: string; priority: number }>;
  /** options:gateway_mtu. */
  gatewayMtu?: number;
  options?: Record<string, string>;
  ipv6RaConfigs?: Record<string, string>;
  externalIds?: Record<string, string>;
}

export interface StaticRouteSpec {
  prefix: string;
  nexthop: string;
  outputPort?: string;
  policy?: 'dst-ip' | 'src-ip';
  ecmp?: boolean;
}

export interface NatSpec {
  type: 'snat' | 'dnat' | 'dnat_and_snat';
  externalIp: string;
  logicalIp: string;
  /** Distributed dnat_and_snat: the logical port where logicalIp lives … */
  logicalPort?: string;
  /** … and the MAC answering for externalIp there. */
  externalMac?: string;
  gatewayPort?: string;
  stateless?: boolean;
}

export type AclAction = 'allow' | 'allow-related' | 'allow-stateless' | 'drop' | 'reject' | 'pass';

export interface AclSpec {
  direction: 'from-lport' | 'to-lport';
  priority: number;
  match: string;
  action: AclAction;
  /** ACL name (without enabling logging, unlike `acl-add --name`). */
  name?: string;
  log?: boolean;
  severity?: 'alert' | 'warning' | 'notice' | 'info' | 'debug';
  label?: number;
  options?: Record<string, string>;
  externalIds?: Record<string, string>;
}

export interface PortGroupSpec {
  name: string;
  ports: string[];
  acls?: AclSpec[];
  externalIds?: Record<string, string>;
}

export interface AddressSetSpec {
  name: string;
  addresses: string[];
  externalIds?: Record<string, string>;
}

export interface LoadBalancerSpec {
  name: string;
  protocol?: 'tcp' | 'udp' | 'sctp';
  /** VIP ("10.0.0.100:80" or "10.0.0.100") → backends ("10.0.1.2:8080"). */
  vips: Record<string, string[]>;
  switches?: string[];
  routers?: string[];
  options?: Record<string, string>;
  externalIds?: Record<string, string>;
}

export interface DhcpOptionsSpec {
  /** Referenced by ports' dhcpv4Options/dhcpv6Options; stored as external_ids:name. */
  name: string;
  cidr: string;
  /** e.g. { lease_time: '3600', router: '10.0.0.1', server_id: '10.0.0.1', server_mac: '…', mtu: '1442' }. */
  options: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Derived views

export interface BoundPort {
  port: string;
  switch: string;
  chassis: string;
  iface: string;
  /** First static MAC, if any (undefined for "dynamic"). */
  mac?: string;
  ipv4: string[];
  ipv6: string[];
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** Every port with a `bind`, with its first static MAC/IPs — handy for picking trace endpoints. */
export function boundPorts(topo: Topology): BoundPort[] {
  const out: BoundPort[] = [];
  for (const sw of topo.switches ?? []) {
    for (const p of sw.ports) {
      if (!p.bind) continue;
      const words = (p.addresses ?? []).flatMap((a) => a.split(/\s+/)).filter(Boolean);
      const mac = words.find((w) => MAC_RE.test(w));
      const ips = words.filter((w) => !MAC_RE.test(w) && /[.:]/.test(w));
      out.push({
        port: p.name,
        switch: sw.name,
        chassis: p.bind.chassis,
        iface: p.bind.iface ?? p.name,
        mac,
        ipv4: ips.filter((w) => w.includes('.')),
        ipv6: ips.filter((w) => w.includes(':')),
      });
    }
  }
  return out;
}

/** Problems with a description (dangling references, duplicates); empty when it is consistent. */
export function validateTopology(topo: Topology): string[] {
  const errs: string[] = [];
  const chassis = new Set(topo.chassis.map((c) => c.name));
  const dup = (kind: string, names: string[]) => {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) errs.push(`duplicate ${kind} ${n}`);
      seen.add(n);
    }
  };
  const switches = topo.switches ?? [];
  const routers = topo.routers ?? [];
  const lsps = switches.flatMap((s) => s.ports);
  const lrps = routers.flatMap((r) => r.ports);
  dup('switch', switches.map((s) => s.name));
  dup('router', routers.map((r) => r.name));
  dup('switch port', lsps.map((p) => p.name));
  dup('router port', lrps.map((p) => p.name));
  dup('port group', (topo.portGroups ?? []).map((p) => p.name));
  dup('address set', (topo.addressSets ?? []).map((a) => a.name));
  dup('load balancer', (topo.loadBalancers ?? []).map((l) => l.name));
  dup('DHCP options', (topo.dhcpOptions ?? []).map((d) => d.name));
  const lspNames = new Set(lsps.map((p) => p.name));
  const lrpNames = new Set(lrps.map((p) => p.name));
  const dhcp = new Set((topo.dhcpOptions ?? []).map((d) => d.name));
  const ifaces = new Map<string, string>();
  for (const p of lsps) {
    if (p.type === 'router' && (!p.routerPort || !lrpNames.has(p.routerPort))) errs.push(`switch port ${p.name}: router port ${p.routerPort ?? '(missing)'} not defined`);
    if (p.type === 'localnet' && !p.networkName) errs.push(`switch port ${p.name}: localnet needs networkName`);
    for (const d of [p.dhcpv4Options, p.dhcpv6Options]) if (d && !dhcp.has(d)) errs.push(`switch port ${p.name}: DHCP options ${d} not defined`);
    if (p.bind) {
      if (!chassis.has(p.bind.chassis)) errs.push(`switch port ${p.name}: chassis ${p.bind.chassis} not in topology.chassis`);
      const key = `${p.bind.chassis}/${p.bind.iface ?? p.name}`;
      if (ifaces.has(key)) errs.push(`switch port ${p.name}: interface ${key} already used by ${ifaces.get(key)}`);
      ifaces.set(key, p.name);
    }
  }
  for (const r of routers) {
    if (r.chassis && !chassis.has(r.chassis)) errs.push(`router ${r.name}: gateway chassis ${r.chassis} not in topology.chassis`);
    for (const p of r.ports) {
      if (p.peer && !lrpNames.has(p.peer)) errs.push(`router port ${p.name}: peer ${p.peer} not defined`);
      for (const g of p.gatewayChassis ?? []) {
        const c = typeof g === 'string' ? g : g.chassis;
        if (!chassis.has(c)) errs.push(`router port ${p.name}: gateway chassis ${c} not in topology.chassis`);
      }
    }
    for (const n of r.nat ?? []) {
      if (n.logicalPort && !lspNames.has(n.logicalPort)) errs.push(`router ${r.name}: NAT logical port ${n.logicalPort} not defined`);
      if ((n.logicalPort === undefined) !== (n.externalMac === undefined)) errs.push(`router ${r.name}: NAT ${n.externalIp} needs both logicalPort and externalMac, or neither`);
    }
  }
  for (const g of topo.portGroups ?? []) for (const p of g.ports) if (!lspNames.has(p)) errs.push(`port group ${g.name}: port ${p} not defined`);
  const swNames = new Set(switches.map((s) => s.name));
  const lrNames = new Set(routers.map((r) => r.name));
  for (const lb of topo.loadBalancers ?? []) {
    for (const s of lb.switches ?? []) if (!swNames.has(s)) errs.push(`load balancer ${lb.name}: switch ${s} not defined`);
    for (const r of lb.routers ?? []) if (!lrNames.has(r)) errs.push(`load balancer ${lb.name}: router ${r} not defined`);
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Compilation to commands

/** An ovn-nbctl command group that must stay in one transaction (e.g. `--id=@x create` + its use). */
export type CommandGroup = string[][];

export interface CompiledTopology {
  /** Phases applied in order; each phase is chunked into transactions of ≈batchSize commands. */
  nbPhases: Array<{ name: string; groups: CommandGroup[] }>;
  /** DHCP options to create (phase of their own: their UUIDs are needed by the ports). */
  dhcp: Array<{ spec: DhcpOptionsSpec; ports: Array<{ port: string; column: 'dhcpv4_options' | 'dhcpv6_options' }> }>;
  /** Per chassis: ovs-vsctl command groups (one per bound port). */
  bindings: Record<string, CommandGroup[]>;
}

function mapSet(table: string, record: string, column: string, map: Record<string, string> | undefined): string[][] {
  return map && Object.keys(map).length ? [['set', table, record, ...ovsdbMapArgs(column, map)]] : [];
}

function aclCreate(acl: AclSpec, id: string): string[] {
  const cols = [
    `direction=${acl.direction}`,
    `priority=${acl.priority}`,
    `match=${ovsdbString(acl.match)}`,
    `action=${acl.action}`,
    `log=${acl.log === true}`,
  ];
  if (acl.name !== undefined) cols.push(`name=${ovsdbString(acl.name)}`);
  if (acl.severity) cols.push(`severity=${acl.severity}`);
  if (acl.label !== undefined) cols.push(`label=${acl.label}`);
  cols.push(...ovsdbMapArgs('options', acl.options ?? {}), ...ovsdbMapArgs('external_ids', acl.externalIds ?? {}));
  return [`--id=@${id}`, 'create', 'ACL', ...cols];
}

/** Pure: the commands applyTopology runs. */
export function compileTopology(topo: Topology): CompiledTopology {
  const switches = topo.switches ?? [];
  const routers = topo.routers ?? [];
  const phases: CompiledTopology['nbPhases'] = [];
  const phase = (name: string, groups: CommandGroup[]) => {
    if (groups.length) phases.push({ name, groups });
  };

  phase(
    'switches+routers',
    [
      ...(topo.nbGlobalOptions && Object.keys(topo.nbGlobalOptions).length ? [mapSet('NB_Global', '.', 'options', topo.nbGlobalOptions)] : []),
      ...switches.map((s) => [
        ['ls-add', s.name],
        ...mapSet('Logical_Switch', s.name, 'other_config', {
          ...(s.subnet ? { subnet: s.subnet } : {}),
          ...(s.ipv6Prefix ? { ipv6_prefix: s.ipv6Prefix } : {}),
          ...(s.excludeIps ? { exclude_ips: s.excludeIps } : {}),
          ...s.otherConfig,
        }),
        ...mapSet('Logical_Switch', s.name, 'external_ids', s.externalIds),
      ]),
      ...routers.map((r) => [
        ['lr-add', r.name],
        ...mapSet('Logical_Router', r.name, 'options', { ...(r.chassis ? { chassis: r.chassis } : {}), ...r.options }),
        ...mapSet('Logical_Router', r.name, 'external_ids', r.externalIds),
      ]),
    ],
  );

  phase(
    'router ports',
    routers.flatMap((r) =>
      r.ports.map((p) => {
        const g: CommandGroup = [['lrp-add', r.name, p.name, p.mac, ...p.networks, ...(p.peer ? [`peer=${p.peer}`] : [])]];
        const gws = p.gatewayChassis ?? [];
        gws.forEach((gw, i) => {
          const c = typeof gw === 'string' ? gw : gw.chassis;
          const prio = typeof gw === 'string' ? (gws.length - i) * 10 : gw.priority;
          g.push(['lrp-set-gateway-chassis', p.name, c, String(prio)]);
        });
        g.push(...mapSet('Logical_Router_Port', p.name, 'options', { ...(p.gatewayMtu ? { gateway_mtu: String(p.gatewayMtu) } : {}), ...p.options }));
        g.push(...mapSet('Logical_Router_Port', p.name, 'ipv6_ra_configs', p.ipv6RaConfigs));
        g.push(...mapSet('Logical_Router_Port', p.name, 'external_ids', p.externalIds));
        return g;
      }),
    ),
  );

  phase(
    'switch ports',
    switches.flatMap((s) =>
      s.ports.map((p) => {
        const g: CommandGroup = [['lsp-add', s.name, p.name]];
        const type = p.type ?? '';
        if (type) g.push(['lsp-set-type', p.name, type]);
        const addresses = p.addresses ?? (type === 'router' ? ['router'] : type === 'localnet' ? ['unknown'] : []);
        if (addresses.length) g.push(['lsp-set-addresses', p.name, ...addresses]);
        if (p.portSecurity?.length) g.push(['lsp-set-port-security', p.name, ...p.portSecurity]);
        const options = {
          ...(type === 'router' && p.routerPort ? { 'router-port': p.routerPort } : {}),
          ...(type === 'localnet' && p.networkName ? { network_name: p.networkName } : {}),
          ...p.options,
        };
        g.push(...mapSet('Logical_Switch_Port', p.name, 'options', options));
        if (p.tag !== undefined) g.push(['set', 'Logical_Switch_Port', p.name, `tag_request=${p.tag}`]);
        if (p.enabled === false) g.push(['lsp-set-enabled', p.name, 'disabled']);
        g.push(...mapSet('Logical_Switch_Port', p.name, 'external_ids', p.externalIds));
        return g;
      }),
    ),
  );

  phase(
    'address sets + port groups',
    [
      ...(topo.addressSets ?? []).map((a) => [
        [
          'create', 'Address_Set', `name=${ovsdbString(a.name)}`,
          ...(a.addresses.length ? [`addresses=${a.addresses.map(ovsdbString).join(',')}`] : []),
          ...ovsdbMapArgs('external_ids', a.externalIds ?? {}),
        ],
      ]),
      ...(topo.portGroups ?? []).map((pg) => [['pg-add', pg.name, ...pg.ports], ...mapSet('Port_Group', pg.name, 'external_ids', pg.externalIds)]),
    ],
  );

  let aclN = 0;
  phase('ACLs', [
    ...switches.flatMap((s) => (s.acls ?? []).map((a) => { const id = `acl${aclN++}`; return [aclCreate(a, id), ['add', 'Logical_Switch', s.name, 'acls', `@${id}`]]; })),
    ...(topo.portGroups ?? []).flatMap((pg) => (pg.acls ?? []).map((a) => { const id = `acl${aclN++}`; return [aclCreate(a, id), ['add', 'Port_Group', pg.name, 'acls', `@${id}`]]; })),
  ]);

  phase(
    'load balancers',
    (topo.loadBalancers ?? []).map((lb) => [
      ...Object.entries(lb.vips).map(([vip, backends]) => ['lb-add', lb.name, vip, backends.join(','), ...(lb.protocol ? [lb.protocol] : [])]),
      ...mapSet('Load_Balancer', lb.name, 'options', lb.options),
      ...mapSet('Load_Balancer', lb.name, 'external_ids', lb.externalIds),
      ...(lb.switches ?? []).map((s) => ['ls-lb-add', s, lb.name]),
      ...(lb.routers ?? []).map((r) => ['lr-lb-add', r, lb.name]),
    ]),
  );

  phase(
    'NAT + routes',
    routers.flatMap((r) => [
      ...(r.nat ?? []).map((n) => [
        [
          ...(n.stateless ? ['--stateless'] : []),
          ...(n.gatewayPort ? [`--gateway-port=${n.gatewayPort}`] : []),
          'lr-nat-add', r.name, n.type, n.externalIp, n.logicalIp,
          ...(n.logicalPort && n.externalMac ? [n.logicalPort, n.externalMac] : []),
        ],
      ]),
      ...(r.staticRoutes ?? []).map((rt) => [
        [
          ...(rt.policy ? [`--policy=${rt.policy}`] : []),
          ...(rt.ecmp ? ['--ecmp'] : []),
          'lr-route-add', r.name, rt.prefix, rt.nexthop, ...(rt.outputPort ? [rt.outputPort] : []),
        ],
      ]),
    ]),
  );

  phase('raw nbctl', (topo.nbctl ?? []).map((c) => [c]));

  const dhcp = (topo.dhcpOptions ?? []).map((spec) => ({
    spec,
    ports: switches.flatMap((s) =>
      s.ports.flatMap((p) => [
        ...(p.dhcpv4Options === spec.name ? [{ port: p.name, column: 'dhcpv4_options' as const }] : []),
        ...(p.dhcpv6Options === spec.name ? [{ port: p.name, column: 'dhcpv6_options' as const }] : []),
      ]),
    ),
  }));

  const bindings: Record<string, CommandGroup[]> = {};
  for (const b of boundPortsWithSpec(topo)) {
    (bindings[b.bind.chassis] ??= []).push(splitDashDash(bindArgs(b.bind.iface ?? b.port, b.port, { externalIds: b.bind.externalIds, ofportRequest: b.bind.ofportRequest })));
  }
  return { nbPhases: phases, dhcp, bindings };
}

function boundPortsWithSpec(topo: Topology): Array<{ port: string; bind: PortBindingSpec }> {
  return (topo.switches ?? []).flatMap((s) => s.ports.flatMap((p) => (p.bind ? [{ port: p.name, bind: p.bind }] : [])));
}

/** Joins command groups into `--`-separated argv chunks of about `batchSize` commands. */
export function batchCommands(groups: readonly CommandGroup[], batchSize = 100): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let n = 0;
  for (const g of groups) {
    if (n > 0 && n + g.length > batchSize) {
      out.push(cur);
      cur = [];
      n = 0;
    }
    for (const cmd of g) {
      if (n > 0) cur.push('--');
      cur.push(...cmd);
      n++;
    }
  }
  if (n > 0) out.push(cur);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Applying

export interface ApplyOptions {
  /** Commands per ovn-nbctl / ovs-vsctl call; default 100. */
  batchSize?: number;
  /** Wait for `--wait=hv sync` and for every bound port to be claimed; default true. */
  wait?: boolean;
}

export interface AppliedTopology {
  topology: Topology;
  /** DHCP options name → DHCP_Options UUID. */
  dhcpUuids: Record<string, string>;
  bound: BoundPort[];
  /** Milliseconds spent: NB transactions, OVS bindings, convergence. */
  timings: { nbMs: number; bindMs: number; syncMs: number };
}

/** Applies a topology to a running sandbox (its chassis must include the topology's chassis). */
export async function applyTopology(sb: Sandbox, topo: Topology, opts: ApplyOptions = {}): Promise<AppliedTopology> {
  const errs = validateTopology(topo);
  for (const c of topo.chassis) if (!sb.chassis[c.name]) errs.push(`chassis ${c.name} is not running in sandbox ${sb.dir}`);
  if (errs.length) throw new Error(`topology ${topo.name} is inconsistent:\n  ${errs.join('\n  ')}`);
  const batch = opts.batchSize ?? 100;
  const compiled = compileTopology(topo);

  const t0 = Date.now();
  for (const ph of compiled.nbPhases) {
    for (const argv of batchCommands(ph.groups, batch)) await sb.nbctl(...argv);
  }
  const dhcpUuids: Record<string, string> = {};
  if (compiled.dhcp.length) {
    const creates = compiled.dhcp.map(({ spec }) => [
      ['create', 'DHCP_Options', `cidr=${ovsdbString(spec.cidr)}`, ...ovsdbMapArgs('options', spec.options), ...ovsdbMapArgs('external_ids', { name: spec.name })],
    ]);
    const uuids: string[] = [];
    for (const argv of batchCommands(creates, batch)) uuids.push(...(await sb.nbctl(...argv)).split('\n').map((l) => l.trim()).filter(Boolean));
    if (uuids.length !== compiled.dhcp.length) throw new Error(`DHCP_Options create returned ${uuids.length} UUIDs for ${compiled.dhcp.length} rows`);
    compiled.dhcp.forEach(({ spec }, i) => (dhcpUuids[spec.name] = uuids[i]));
    const sets = compiled.dhcp.flatMap(({ spec, ports }) => ports.map((p) => [['set', 'Logical_Switch_Port', p.port, `${p.column}=${dhcpUuids[spec.name]}`]]));
    for (const argv of batchCommands(sets, batch)) await sb.nbctl(...argv);
  }
  const nbMs = Date.now() - t0;

  const t1 = Date.now();
  await Promise.all(
    Object.entries(compiled.bindings).map(async ([hv, groups]) => {
      for (const argv of batchCommands(groups, batch)) await sb.vsctl(hv, ...argv);
    }),
  );
  const bindMs = Date.now() - t1;

  const t2 = Date.now();
  const bound = boundPorts(topo);
  if (opts.wait !== false) {
    await sb.sync();
    await waitForBindings(sb, bound);
  }
  return { topology: topo, dhcpUuids, bound, timings: { nbMs, bindMs, syncMs: Date.now() - t2 } };
}

/** `['a', 'x', '--', 'b']` → `[['a', 'x'], ['b']]`, so bind groups batch like nbctl groups. */
export function splitDashDash(argv: string[]): string[][] {
  const out: string[][] = [[]];
  for (const a of argv) {
    if (a === '--') out.push([]);
    else out[out.length - 1].push(a);
  }
  return out.filter((c) => c.length);
}

/** Polls the SB until each bound port's Port_Binding has the expected chassis. */
export async function waitForBindings(sb: Sandbox, bound: readonly BoundPort[], timeoutMs = 60_000): Promise<void> {
  if (!bound.length) return;
  await pollUntil(
    `port bindings ${bound.map((b) => `${b.port}@${b.chassis}`).join(', ')}`,
    async () => {
      const got = await portBindingChassis(sb);
      return bound.every((b) => got[b.port] === b.chassis);
    },
    { timeoutMs, intervalMs: 30 },
  );
}

/** logical_port → chassis name (or '' when unbound), from `ovn-sbctl list Port_Binding`/Chassis. */
export async function portBindingChassis(sb: Sandbox): Promise<Record<string, string>> {
  const chassisRows = JSON.parse(await sb.sbctl('--format=json', '--columns=_uuid,name', 'list', 'Chassis')) as { data: Array<[[string, string], string]> };
  const byUuid = new Map(chassisRows.data.map(([[, uuid], name]) => [uuid, name]));
  const pbRows = JSON.parse(await sb.sbctl('--format=json', '--columns=logical_port,chassis', 'list', 'Port_Binding')) as {
    data: Array<[string, [string, unknown]]>;
  };
  const out: Record<string, string> = {};
  for (const [lp, ch] of pbRows.data) out[lp] = ch[0] === 'uuid' ? (byUuid.get(ch[1] as string) ?? '?') : '';
  return out;
}

/** startSandbox with the topology's chassis, then applyTopology; stops the sandbox if applying fails. */
export async function startTopology(
  topo: Topology,
  options: Omit<SandboxOptions, 'chassis'> & ApplyOptions = {},
): Promise<{ sandbox: Sandbox; applied: AppliedTopology; timings: { startMs: number; applyMs: number } }> {
  const t0 = Date.now();
  const sandbox = await startSandbox({ ...options, chassis: topo.chassis });
  const startMs = Date.now() - t0;
  try {
    const applied = await applyTopology(sandbox, topo, options);
    return { sandbox, applied, timings: { startMs, applyMs: Date.now() - t0 - startMs } };
  } catch (e) {
    await sandbox.stop({ failed: true }).catch(() => undefined);
    throw e;
  }
}
