// Small synthetic OVN deployments written as real snapshot directories (manifest + the raw
// `--format=json list` and `dump-flows` texts), so the doctor checks run through the same loader
// as after a collection. Each test starts from a healthy deployment and seeds one anomaly.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSnapshot, type HostOutputs } from '../offload/snapshot-builder.js';

type Json = unknown;

const set = (...xs: Json[]): Json => (xs.length === 1 ? xs[0] : ['set', xs]);
const map = (m: Readonly<Record<string, string>> = {}): Json => ['map', Object.entries(m)];
const ref = (u: string): Json => ['uuid', u];
const refs = (us: readonly string[]): Json => (us.length === 1 ? ref(us[0]!) : ['set', us.map(ref)]);
const opt = (x: Json | undefined): Json => (x === undefined ? ['set', []] : x);

/** Deterministic UUIDs: `uuid('chassis', 2)` → `c0000000-…-000000000002`; prefix picks the first hex digits. */
export function uuid(kind: string, n: number): string {
  const p = { chassis: 'c', encap: 'e', pb: 'b', iface: 'a', port: 'd', bridge: 'f', lsp: '5', dp: '9', lflow: '7', acl: '3', ovs: '6' }[kind] ?? '0';
  return `${p}${String(n).padStart(7, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

function table(headings: readonly string[], rows: readonly Json[][]): string {
  return JSON.stringify({ data: rows, headings }) + '\n';
}

export interface SynthInterface {
  readonly name: string;
  readonly type?: string;
  readonly ofport?: number;
  readonly ifaceId?: string;
  readonly options?: Readonly<Record<string, string>>;
  readonly error?: string;
  readonly bfd?: Readonly<Record<string, string>>;
  readonly bfdStatus?: Readonly<Record<string, string>>;
  /** external_ids:ovn-chassis-id of the Port (as OVN 23.03 sets it on tunnel ports). */
  readonly ovnChassisId?: string;
}

export interface SynthHost {
  readonly name: string;
  /** system-id; default the host name. `null`: none. */
  readonly systemId?: string | null;
  readonly encapIp?: string;
  readonly ovnRemote?: string;
  readonly transportZones?: string;
  readonly interfaces: readonly SynthInterface[];
  /** `ovs-ofctl dump-flows br-int` text; default: one priority-0 drop in table 0. */
  readonly flows?: string;
  readonly groups?: string;
  /** Extra raw outputs (command id → text). */
  readonly extra?: HostOutputs;
}

export interface SynthChassis {
  readonly name: string;
  readonly hostname?: string;
  /** Encaps; default one geneve at 192.168.0.<n>. `[]`: none. */
  readonly encaps?: readonly { readonly type?: string; readonly ip: string }[];
  readonly transportZones?: readonly string[];
}

export interface SynthPort {
  readonly name: string;
  readonly type?: string;
  /** Chassis name it is bound to. */
  readonly chassis?: string;
  readonly additionalChassis?: readonly string[];
  readonly up?: boolean;
  readonly requestedChassis?: string;
  readonly options?: Readonly<Record<string, string>>;
  readonly tunnelKey?: number;
}

export interface SynthSpec {
  readonly hosts: readonly SynthHost[];
  /** Without `sb`, the snapshot has no central section. */
  readonly sb?: { readonly chassis: readonly SynthChassis[]; readonly ports: readonly SynthPort[]; readonly extra?: Readonly<Record<string, string>> };
  /** NB Logical_Switch_Port names (with their `up`). */
  readonly nbPorts?: readonly { readonly name: string; readonly up?: boolean }[];
  readonly nbExtra?: Readonly<Record<string, string>>;
}

export const DEFAULT_FLOWS = 'NXST_FLOW reply (xid=0x4):\n cookie=0x0, duration=1.234s, table=0, n_packets=0, n_bytes=0, idle_age=1, priority=0 actions=drop\n';

let counter = 0;

function hostOutputs(h: SynthHost, index: number): HostOutputs {
  const base = index * 100;
  const ifaces = [{ name: 'br-int', type: 'internal', ofport: 65534 } as SynthInterface, ...h.interfaces];
  const ifaceRows = ifaces.map((i, k) => [
    ref(uuid('iface', base + k)),
    i.name,
    i.type ?? '',
    opt(i.ofport),
    map(i.options),
    map(i.ifaceId ? { 'iface-id': i.ifaceId } : {}),
    opt(i.error),
    map(i.bfd),
    map(i.bfdStatus),
    'up',
    'up',
  ]);
  const portRows = ifaces.map((i, k) => [ref(uuid('port', base + k)), i.name, ref(uuid('iface', base + k)), map(i.ovnChassisId ? { 'ovn-chassis-id': i.ovnChassisId } : {})]);
  const ext: Record<string, string> = { hostname: h.name };
  const sys = h.systemId === undefined ? h.name : h.systemId;
  if (sys !== null) ext['system-id'] = sys;
  if (h.encapIp) ext['ovn-encap-ip'] = h.encapIp;
  ext['ovn-encap-type'] = 'geneve';
  ext['ovn-remote'] = h.ovnRemote ?? 'unix:/run/ovn/ovnsb_db.sock';
  if (h.transportZones) ext['ovn-transport-zones'] = h.transportZones;
  return {
    'ovs-vsctl.list.Open_vSwitch': table(['_uuid', 'bridges', 'external_ids', 'other_config'], [[ref(uuid('ovs', base)), ref(uuid('bridge', base)), map(ext), map()]]),
    'ovs-vsctl.list.Bridge': table(['_uuid', 'name', 'ports', 'fail_mode', 'external_ids'], [[ref(uuid('bridge', base)), 'br-int', refs(portRows.map((_, k) => uuid('port', base + k))), 'secure', map()]]),
    'ovs-vsctl.list.Port': table(['_uuid', 'name', 'interfaces', 'external_ids'], portRows),
    'ovs-vsctl.list.Interface': table(['_uuid', 'name', 'type', 'ofport', 'options', 'external_ids', 'error', 'bfd', 'bfd_status', 'link_state', 'admin_state'], ifaceRows),
    'ovs-ofctl.dump-flows.br-int': h.flows ?? DEFAULT_FLOWS,
    'ovs-ofctl.dump-groups.br-int': h.groups ?? 'OFPST_GROUP_DESC reply (OF1.5) (xid=0x2):\n',
    ...(h.extra ?? {}),
  };
}

function sbOutputs(sb: NonNullable<SynthSpec['sb']>): Record<string, string> {
  const chassisRows: Json[][] = [];
  const encapRows: Json[][] = [];
  let e = 0;
  const chassisUuid = new Map<string, string>();
  sb.chassis.forEach((c, i) => {
    const u = uuid('chassis', i + 1);
    chassisUuid.set(c.name, u);
    // Default encap IP: 192.168.0.N for a chassis named …N (hv3 → .3), else by position.
    const n = /(\d+)$/.exec(c.name)?.[1];
    const encaps = c.encaps ?? [{ type: 'geneve', ip: `192.168.0.${n ?? i + 1}` }];
    const eu = encaps.map(() => uuid('encap', ++e));
    encaps.forEach((x, k) => encapRows.push([ref(eu[k]!), c.name, x.ip, map({ csum: 'true' }), x.type ?? 'geneve']));
    chassisRows.push([ref(u), eu.length ? refs(eu) : ['set', []], map(), c.hostname ?? c.name, c.name, 0, map(), ['set', [...(c.transportZones ?? [])]]]);
  });
  const pbRows = sb.ports.map((p, i) => [
    ref(uuid('pb', i + 1)),
    p.additionalChassis?.length ? refs(p.additionalChassis.map((c) => chassisUuid.get(c) ?? uuid('chassis', 99))) : ['set', []],
    p.chassis ? ref(chassisUuid.get(p.chassis) ?? uuid('chassis', 99)) : ['set', []],
    ref(uuid('dp', 1)),
    map(),
    p.name,
    ['set', []],
    map({ ...(p.requestedChassis ? { 'requested-chassis': p.requestedChassis } : {}), ...(p.options ?? {}) }),
    p.tunnelKey ?? i + 1,
    p.type ?? '',
    p.up === undefined ? ['set', []] : p.up,
  ]);
  return {
    'ovn-sbctl.list.Chassis': table(['_uuid', 'encaps', 'external_ids', 'hostname', 'name', 'nb_cfg', 'other_config', 'transport_zones'], chassisRows),
    'ovn-sbctl.list.Encap': table(['_uuid', 'chassis_name', 'ip', 'options', 'type'], encapRows),
    'ovn-sbctl.list.Port_Binding': table(['_uuid', 'additional_chassis', 'chassis', 'datapath', 'external_ids', 'logical_port', 'mac', 'options', 'tunnel_key', 'type', 'up'], pbRows),
    'ovn-sbctl.list.Datapath_Binding': table(['_uuid', 'external_ids', 'tunnel_key'], [[ref(uuid('dp', 1)), map({ name: 'sw0' }), 1]]),
    ...(sb.extra ?? {}),
  };
}

/** Writes the deployment as a snapshot directory under a fresh temp dir; returns its path. */
export function writeSynthetic(spec: SynthSpec, parent = mkdtempSync(join(tmpdir(), 'ovnscope-doctor-'))): string {
  const dir = join(parent, `snap${counter++}`);
  const hosts: Record<string, HostOutputs> = {};
  spec.hosts.forEach((h, i) => (hosts[h.name] = hostOutputs(h, i)));
  let central: Record<string, string> | undefined;
  if (spec.sb) {
    central = sbOutputs(spec.sb);
    if (spec.nbPorts)
      central['ovn-nbctl.list.Logical_Switch_Port'] = table(['_uuid', 'name', 'up', 'enabled', 'addresses', 'type'], spec.nbPorts.map((p, i) => [ref(uuid('lsp', i + 1)), p.name, p.up === undefined ? ['set', []] : p.up, ['set', []], ['set', []], '']));
    Object.assign(central, spec.nbExtra ?? {});
  }
  writeSnapshot(dir, hosts, central);
  return dir;
}

/** A healthy two-host deployment (hv1, hv2 collected; hv3 only in the SB) to break one thing at a time. */
export function healthy(): SynthSpec {
  return {
    hosts: [
      {
        name: 'hv1',
        encapIp: '192.168.0.1',
        interfaces: [
          { name: 'ovn-hv2-0', type: 'geneve', ofport: 1, options: { csum: 'true', key: 'flow', remote_ip: '192.168.0.2' }, ovnChassisId: 'hv2@192.168.0.2' },
          { name: 'ovn-hv3-0', type: 'geneve', ofport: 2, options: { csum: 'true', key: 'flow', remote_ip: '192.168.0.3' }, ovnChassisId: 'hv3@192.168.0.3' },
          { name: 'tap1', type: 'dummy', ofport: 3, ifaceId: 'vm1' },
        ],
      },
      {
        name: 'hv2',
        encapIp: '192.168.0.2',
        interfaces: [
          { name: 'ovn-hv1-0', type: 'geneve', ofport: 1, options: { csum: 'true', key: 'flow', remote_ip: '192.168.0.1' }, ovnChassisId: 'hv1@192.168.0.1' },
          { name: 'ovn-hv3-0', type: 'geneve', ofport: 2, options: { csum: 'true', key: 'flow', remote_ip: '192.168.0.3' }, ovnChassisId: 'hv3@192.168.0.3' },
          { name: 'tap2', type: 'dummy', ofport: 3, ifaceId: 'vm2' },
        ],
      },
    ],
    sb: {
      chassis: [{ name: 'hv1' }, { name: 'hv2' }, { name: 'hv3' }],
      ports: [
        { name: 'vm1', chassis: 'hv1', up: true },
        { name: 'vm2', chassis: 'hv2', up: true },
        { name: 'vm3', chassis: 'hv3', up: true },
        { name: 'sw0-lr0', type: 'patch', up: false, options: { peer: 'lr0-sw0' } },
      ],
    },
    nbPorts: [{ name: 'vm1', up: true }, { name: 'vm2', up: true }, { name: 'vm3', up: true }],
  };
}

/** `healthy()` with one host's fields changed. */
export function withHost(spec: SynthSpec, name: string, change: (h: SynthHost) => SynthHost): SynthSpec {
  return { ...spec, hosts: spec.hosts.map((h) => (h.name === name ? change(h) : h)) };
}
