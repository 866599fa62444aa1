/**
 * OVN/OVS control-plane health of a snapshot (`ovnscope doctor`, checks D1–D16): do the SB port
 * bindings, chassis and encaps agree with what each hypervisor's OVS actually has? (D17–D18, are
 * each chassis' flows current, live in controller.ts; the catalogue below lists them too.)
 *
 *   D1  bound port bindings are up            D9  tunnel ports lead to a known chassis at its IP
 *   D2  VIF ports are bound                   D10 every host has a tunnel to every other chassis
 *   D3  bound where requested                 D11 tunnel BFD up (where enabled)
 *   D4  every iface-id has a logical port     D12 OVS interfaces without error (ofport ≠ -1)
 *   D5  every plugged port is bound here      D13 ports bound to chassis outside the snapshot (info)
 *   D6  every chassis has an Encap            D14 SB chassis outside the snapshot (info)
 *   D7  every host's chassis is in the SB     D15 no encap IP claimed by two chassis
 *   D8  ovn-encap-ip = the SB Encap IPs       D16 no system-id shared by two hosts
 *
 * Pure: a loaded Snapshot in, findings out. Evidence quotes the OVSDB row (`row N: {…}`, in the
 * notation `--format=json` prints; the whole table is one line) of the raw listing it rests on.
 */
import { excerptOf, type Evidence, type Finding, type FindingSeverity } from '../model/finding.js';
import type { Manifest } from '../model/manifest.js';
import type { SbChassis, SbEncap, SbPortBinding } from '../model/ovn.js';
import { isNamedUuidAtom, isOvsdbMap, isOvsdbSet, isUuidAtom, type OvsdbAtom, type OvsdbRow, type OvsdbValue } from '../model/ovsdb.js';
import { splitOvnChassisId, type OvsInterface, type OvsPort } from '../model/ovs.js';
import type { HostState, Snapshot } from '../model/snapshot.js';
import { plural } from '../model/plural.js';

// ---------------------------------------------------------------------------------------------
// Evidence: OVSDB rows quoted verbatim

function atomText(a: OvsdbAtom): string {
  if (typeof a === 'string') return JSON.stringify(a);
  if (typeof a === 'bigint') return a.toString();
  if (typeof a === 'number' || typeof a === 'boolean') return String(a);
  if (isUuidAtom(a)) return `["uuid","${a.uuid}"]`;
  if (isNamedUuidAtom(a)) return `["named-uuid","${a.name}"]`;
  return JSON.stringify(a);
}

/** An OVSDB value as `--format=json` prints it (map entries optionally restricted to some keys). */
export function ovsdbValueText(v: OvsdbValue, keys?: readonly string[]): string {
  if (isOvsdbSet(v)) return v.items.length === 1 ? atomText(v.items[0]!) : `["set",[${v.items.map(atomText).join(',')}]]`;
  if (isOvsdbMap(v)) {
    const entries = keys ? v.entries.filter(([k]) => typeof k === 'string' && keys.includes(k)) : v.entries;
    return `["map",[${entries.map(([k, x]) => `[${atomText(k)},${atomText(x)}]`).join(',')}]]`;
  }
  return atomText(v);
}

/** A column to quote: its name, or its name and the map keys that matter. */
export type QuotedColumn = string | { readonly column: string; readonly keys: readonly string[] };

/** `row 3: {"name":"tapweb1","ofport":-1,"error":"…"}` — the named columns of one row, verbatim. */
export function quoteRow(row: OvsdbRow, columns: readonly QuotedColumn[]): string {
  const parts: string[] = [];
  for (const c of columns) {
    const name = typeof c === 'string' ? c : c.column;
    const v = row.cells.get(name);
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(name)}:${ovsdbValueText(v, typeof c === 'string' ? undefined : c.keys)}`);
  }
  return `row ${row.index}: {${parts.join(',')}}`;
}

/** Where the snapshot keeps a command's output: the manifest's path, else the conventional one. */
export function outputFile(manifest: Manifest, host: string | undefined, id: string): string {
  if (host === undefined) return manifest.central?.commands.find((c) => c.id === id)?.file ?? `central/${id}.out`;
  return manifest.hosts.find((h) => h.name === host)?.commands.find((c) => c.id === id)?.file ?? `hosts/${host}/${id}.out`;
}

/** Evidence for one row of a host's OVSDB listing (or, without host, of the central NB/SB one). */
export function rowEvidence(manifest: Manifest, host: string | undefined, id: string, row: OvsdbRow, columns: readonly QuotedColumn[]): Evidence {
  return { file: outputFile(manifest, host, id), excerpt: excerptOf(quoteRow(row, columns), 320) };
}

export const HEALTH_IDS = {
  sbChassis: 'ovn-sbctl.list.Chassis',
  sbEncap: 'ovn-sbctl.list.Encap',
  sbPortBinding: 'ovn-sbctl.list.Port_Binding',
  nbSwitchPort: 'ovn-nbctl.list.Logical_Switch_Port',
  openVswitch: 'ovs-vsctl.list.Open_vSwitch',
  interface: 'ovs-vsctl.list.Interface',
  port: 'ovs-vsctl.list.Port',
} as const;

// ---------------------------------------------------------------------------------------------
// Inputs and check catalogue

/** Who a snapshot host is in OVN terms (also for hosts whose full state was not loaded). */
export interface HostIdentity {
  readonly name: string;
  /** `external_ids:system-id`. */
  readonly chassis?: string;
  readonly hostname?: string;
  readonly encapIps: readonly string[];
}

export interface HealthInput {
  /** The loaded snapshot (possibly only some hosts). */
  readonly snapshot: Snapshot;
  /** Every host of the snapshot, loaded or not; default: the loaded ones. Tells "outside the snapshot" from "not selected". */
  readonly fleet?: readonly HostIdentity[];
}

/** One line per check, for renderers, `--help` and the man page. */
export const HEALTH_CHECKS: Readonly<Record<string, string>> = {
  D1: 'port bindings bound to a chassis are up (Port_Binding.up)',
  D2: 'VIF port bindings are bound to a chassis',
  D3: 'ports are bound where options:requested-chassis / requested_chassis asks',
  D4: 'every OVS interface with external_ids:iface-id on the integration bridge has a logical port',
  D5: 'a port plugged on a host (iface-id) is bound to that host\'s chassis',
  D6: 'every SB Chassis has an Encap',
  D7: 'every host\'s chassis (system-id) is registered in the SB',
  D8: 'ovn-encap-ip of each host equals the IPs of its SB Encap rows',
  D9: 'tunnel ports lead to a known chassis, at that chassis\' encap IP',
  D10: 'every host has a tunnel port to every other chassis it shares a transport zone and encap type with',
  D11: 'tunnel BFD (bfd_status) is up where BFD is enabled',
  D12: 'OVS interfaces have no error and an OpenFlow port (ofport ≠ -1)',
  D13: 'ports bound to chassis whose host is not in the snapshot (not checked on the OVS side)',
  D14: 'SB chassis without a host in the snapshot',
  D15: 'no encap IP is claimed by two chassis',
  D16: 'no two hosts share a system-id',
  // D17-D18 are in controller.ts: are each chassis' flows current?
  D17: 'ovn-controller is running (its control socket answers), not paused, and connected to the SB on every host',
  D18: 'every chassis has applied the NB generation northd last put in the SB (Chassis_Private.nb_cfg = SB_Global.nb_cfg)',
};

const TUNNEL_TYPES = new Set(['geneve', 'vxlan', 'stt']);
const BFD_FIX = 'check underlay reachability of the remote TEP (ping -I <local TEP> <remote TEP>) and the remote ovs-vswitchd';
const EXAMPLES = 5;

const list = (xs: readonly string[], max = EXAMPLES) => (xs.length > max ? `${xs.slice(0, max).join(', ')} and ${xs.length - max} more` : xs.join(', '));

// ---------------------------------------------------------------------------------------------
// The checks

interface Ctx {
  readonly snap: Snapshot;
  readonly manifest: Manifest;
  readonly findings: Finding[];
  readonly chassisByUuid: ReadonlyMap<string, SbChassis>;
  readonly chassisByName: ReadonlyMap<string, SbChassis>;
  readonly encapsByChassis: ReadonlyMap<string, readonly SbEncap[]>;
  /** SB chassis name → snapshot host name (loaded or not). */
  readonly hostOfChassis: ReadonlyMap<string, string>;
  /** Loaded host → its SB chassis, when registered. */
  readonly chassisOfHost: ReadonlyMap<string, SbChassis>;
}

function add(ctx: Ctx, id: string, severity: FindingSeverity, host: string | undefined, subject: string, message: string, evidence: readonly Evidence[], fix?: string): void {
  ctx.findings.push({ id, severity, ...(host !== undefined ? { host } : {}), subject, message, evidence, ...(fix ? { fix } : {}) });
}

function pbEvidence(ctx: Ctx, pb: SbPortBinding): Evidence {
  return rowEvidence(ctx.manifest, undefined, HEALTH_IDS.sbPortBinding, pb.raw, ['logical_port', 'type', 'chassis', 'additional_chassis', 'requested_chassis', 'up', { column: 'options', keys: ['requested-chassis'] }]);
}

/** The NB side of a logical port (its `up`, as northd reports it back), when the NB was collected. */
function lspEvidence(ctx: Ctx, name: string): Evidence[] {
  const lsp = ctx.snap.nb?.switchPorts.find((p) => p.name === name);
  return lsp ? [rowEvidence(ctx.manifest, undefined, HEALTH_IDS.nbSwitchPort, lsp.raw, ['name', 'up', 'enabled'])] : [];
}

function chassisEvidence(ctx: Ctx, c: SbChassis): Evidence {
  return rowEvidence(ctx.manifest, undefined, HEALTH_IDS.sbChassis, c.raw, ['name', 'hostname', 'encaps', 'transport_zones']);
}

function encapEvidence(ctx: Ctx, e: SbEncap): Evidence {
  return rowEvidence(ctx.manifest, undefined, HEALTH_IDS.sbEncap, e.raw, ['chassis_name', 'type', 'ip']);
}

function ifaceEvidence(ctx: Ctx, host: string, i: OvsInterface, extra: readonly QuotedColumn[] = []): Evidence {
  return rowEvidence(ctx.manifest, host, HEALTH_IDS.interface, i.raw, ['name', 'type', 'ofport', ...extra]);
}

function ovsEvidence(ctx: Ctx, h: HostState): Evidence {
  return h.openVswitch
    ? rowEvidence(ctx.manifest, h.name, HEALTH_IDS.openVswitch, h.openVswitch.raw, [{ column: 'external_ids', keys: ['system-id', 'hostname', 'ovn-encap-ip', 'ovn-encap-type', 'ovn-remote', 'ovn-transport-zones'] }])
    : { file: outputFile(ctx.manifest, h.name, HEALTH_IDS.openVswitch), excerpt: '(not collected)' };
}

/**
 * Why a check cannot use an output: it was not collected (or its command failed), its file is
 * damaged (missing, or changed after collection: the reader's damage diagnostics), or the parser
 * could not read it (an error diagnostic on the file: empty, cut short, not JSON). Undefined when
 * the output is there and intact. A check whose input is unusable is n/a, never a finding about
 * the host: an absent Interface listing is not "no tunnel ports".
 */
export function unusableOutput(snap: Pick<Snapshot, 'manifest' | 'diagnostics'>, host: string | undefined, id: string): string | undefined {
  const commands = host === undefined ? snap.manifest.central?.commands : snap.manifest.hosts.find((h) => h.name === host)?.commands;
  const cmd = commands?.find((c) => c.id === id);
  const where = host === undefined ? 'the central NB/SB' : host;
  if (!cmd) return `${id} was not collected from ${where}`;
  if (cmd.status !== 'ok' || !cmd.file?.endsWith('.out')) return `${id} was not collected from ${where} (${cmd.status}${cmd.error ? `: ${cmd.error}` : ''})`;
  const damaged = snap.diagnostics.find((d) => d.damage !== undefined && d.file === cmd.file);
  if (damaged) return `its input ${cmd.file} is damaged (${damaged.damage === 'missing' ? 'missing: removed after collection' : 'changed after collection'})`;
  // Intact as collected but not readable (empty, cut short, not JSON): an OVSDB listing the parser
  // could not read whole would make a check judge from what is left — "no tunnel ports", "no
  // system-id" — so the check is n/a, naming the file and the parser's first error (C6 has them all).
  const unreadable = snap.diagnostics.find((d) => d.severity === 'error' && d.file === cmd.file);
  if (unreadable) return `its input ${cmd.file}${unreadable.line !== undefined ? ` (line ${unreadable.line})` : ''} could not be read: ${unreadable.message}`;
  return undefined;
}

/** The first unusable input among `ids`, as unusableOutput says it. */
function firstGap(ctx: Ctx, host: string | undefined, ids: readonly string[]): string | undefined {
  for (const id of ids) {
    const why = unusableOutput(ctx.snap, host, id);
    if (why) return why;
  }
  return undefined;
}

/** One n/a finding per check: not checked, and why (its input is missing or damaged). */
function notChecked(ctx: Ctx, ids: readonly string[], host: string | undefined, subject: string, why: string): void {
  for (const id of ids) add(ctx, id, 'n-a', host, subject, `${HEALTH_CHECKS[id]}: not checked${host ? ` on ${host}` : ''}, ${why}`, [], 'collect again (or get an intact copy of the snapshot)');
}

const chassisLabel = (ctx: Ctx, uuid: string | undefined): string => (uuid === undefined ? '(none)' : (ctx.chassisByUuid.get(uuid)?.name ?? `${uuid.slice(0, 8)} (no such Chassis row)`));

/** Interfaces on the host's integration bridge (ovn-bridge, default br-int), with their Port rows. */
function integrationInterfaces(h: HostState): { iface: OvsInterface; port?: OvsPort }[] {
  const bridgeName = h.openVswitch?.ovnBridge ?? 'br-int';
  const bridge = h.ovsBridges.find((b) => b.name === bridgeName);
  const portByUuid = new Map(h.ovsPorts.map((p) => [p.uuid, p] as const));
  const ifaceByUuid = new Map(h.interfaces.map((i) => [i.uuid, i] as const));
  if (!bridge) {
    // Bridge table not collected: fall back to the loaded bridge's ports (or every interface).
    const b = h.bridges.find((x) => x.name === bridgeName);
    const ifaces = b ? b.ports.map((p) => p.iface).filter((x): x is OvsInterface => !!x) : h.interfaces;
    const portOf = new Map<string, OvsPort>();
    for (const p of h.ovsPorts) for (const u of p.interfaces) portOf.set(u, p);
    return ifaces.map((iface) => ({ iface, port: portOf.get(iface.uuid) }));
  }
  const out: { iface: OvsInterface; port?: OvsPort }[] = [];
  for (const pu of bridge.ports) {
    const port = portByUuid.get(pu);
    for (const iu of port?.interfaces ?? []) {
      const iface = ifaceByUuid.get(iu);
      if (iface) out.push({ iface, port });
    }
  }
  return out;
}

function tunnelChassisId(iface: OvsInterface, port: OvsPort | undefined): string | undefined {
  const id = iface.ovnChassisId ?? port?.ovnChassisId;
  return id ? splitOvnChassisId(id).chassis : undefined;
}

/** `options:requested-chassis` (names or hostnames, comma-separated since 22.06) and the `requested_chassis` column. */
function requestedChassis(ctx: Ctx, pb: SbPortBinding): SbChassis[] | undefined {
  const names = (pb.options['requested-chassis'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const out: SbChassis[] = [];
  if (pb.requestedChassis) {
    const c = ctx.chassisByUuid.get(pb.requestedChassis);
    if (c) out.push(c);
  }
  for (const n of names) {
    const c = ctx.chassisByName.get(n) ?? [...ctx.chassisByName.values()].find((x) => x.hostname === n);
    if (c && !out.includes(c)) out.push(c);
  }
  if (!names.length && !pb.requestedChassis) return undefined;
  return out;
}

function requestedText(pb: SbPortBinding, ctx: Ctx): string {
  return pb.options['requested-chassis'] ?? chassisLabel(ctx, pb.requestedChassis);
}

function portChecks(ctx: Ctx, sbPorts: readonly SbPortBinding[]): void {
  const hostOf = (uuid: string | undefined) => {
    const c = uuid ? ctx.chassisByUuid.get(uuid) : undefined;
    return c ? ctx.hostOfChassis.get(c.name) : undefined;
  };
  // Who plugs each logical port (iface-id on an integration bridge of a loaded host).
  const pluggedOn = new Map<string, { host: HostState; iface: OvsInterface }[]>();
  for (const h of ctx.snap.hosts)
    for (const { iface } of integrationInterfaces(h)) {
      if (!iface.ifaceId) continue;
      const l = pluggedOn.get(iface.ifaceId) ?? [];
      l.push({ host: h, iface });
      pluggedOn.set(iface.ifaceId, l);
    }

  // D1: bound but not up.
  let boundUp = 0;
  for (const pb of sbPorts) {
    if (!pb.chassis || pb.up === undefined) continue;
    if (pb.up) {
      boundUp++;
      continue;
    }
    const vif = pb.type === '';
    const where = chassisLabel(ctx, pb.chassis);
    const host = hostOf(pb.chassis);
    const plug = pluggedOn.get(pb.logicalPort)?.find((p) => p.host.name === host);
    add(
      ctx,
      'D1',
      vif ? 'fail' : 'warn',
      host,
      `port ${pb.logicalPort}${vif ? '' : ` (${pb.type})`}`,
      `bound to chassis ${where} but not up: ovn-controller there claimed it and has not (yet) installed its flows, so traffic to and from it is dropped`,
      [pbEvidence(ctx, pb), ...(plug ? [ifaceEvidence(ctx, plug.host.name, plug.iface, [{ column: 'external_ids', keys: ['iface-id', 'ovn-installed'] }])] : [])],
      `on ${host ?? where}: ovn-appctl -t ovn-controller connection-status; check ovn-controller.log for errors installing flows`,
    );
  }
  if (boundUp && !ctx.findings.some((f) => f.id === 'D1')) add(ctx, 'D1', 'pass', undefined, 'port bindings', `${plural(boundUp, 'bound port')} checked: each is up`, []);

  // D2: VIFs not bound. Fail when something asks for the port (an interface, requested-chassis).
  const idle: SbPortBinding[] = [];
  let bound = 0;
  for (const pb of sbPorts) {
    if (pb.type !== '') continue;
    if (pb.chassis) {
      bound++;
      continue;
    }
    const plugs = pluggedOn.get(pb.logicalPort) ?? [];
    const requested = requestedChassis(ctx, pb);
    if (plugs.length) {
      for (const p of plugs)
        add(
          ctx,
          'D2',
          'fail',
          p.host.name,
          `port ${pb.logicalPort}`,
          `plugged on ${p.host.name} as ${p.iface.name} (iface-id=${pb.logicalPort}) but bound to no chassis: ovn-controller on ${p.host.name} is not running, not connected to the SB, or refuses the port${requested?.length ? ` (requested-chassis is ${requestedText(pb, ctx)})` : ''}`,
          [pbEvidence(ctx, pb), ifaceEvidence(ctx, p.host.name, p.iface, [{ column: 'external_ids', keys: ['iface-id', 'ovn-installed'] }]), ...lspEvidence(ctx, pb.logicalPort)],
          `on ${p.host.name}: systemctl status ovn-controller; ovn-appctl -t ovn-controller connection-status`,
        );
    } else if (requested !== undefined) {
      const host = requested.map((c) => ctx.hostOfChassis.get(c.name)).find((x) => x !== undefined);
      add(
        ctx,
        'D2',
        'fail',
        host,
        `port ${pb.logicalPort}`,
        `requested on chassis ${requestedText(pb, ctx)} but bound nowhere: the VM/pod interface is not plugged there, or ovn-controller there is down`,
        [pbEvidence(ctx, pb)],
        `on ${host ?? requestedText(pb, ctx)}: ovs-vsctl --columns=name,external_ids find Interface external_ids:iface-id=${pb.logicalPort}`,
      );
    } else idle.push(pb);
  }
  if (idle.length)
    add(
      ctx,
      'D2',
      'info',
      undefined,
      'unbound VIF ports',
      `${plural(idle.length, 'VIF port')} ${idle.length === 1 ? 'is' : 'are'} bound nowhere and plugged on no host of this snapshot (a stopped VM, a pod not yet started, or a leftover port): ${list(idle.map((p) => p.logicalPort))}`,
      idle.slice(0, 3).map((pb) => pbEvidence(ctx, pb)),
      'nothing to change while those VMs/pods are meant to be stopped; a port left behind by a deleted VM/pod is removed where it was made (OpenStack, Kubernetes), or with ovn-nbctl lsp-del PORT',
    );
  if (bound && !ctx.findings.some((f) => f.id === 'D2')) add(ctx, 'D2', 'pass', undefined, 'port bindings', `${plural(bound, 'VIF port')} checked: each is bound to a chassis`, []);

  // D3: bound elsewhere than requested.
  let requestedOk = 0;
  const chassisGap = firstGap(ctx, undefined, [HEALTH_IDS.sbChassis]);
  if (chassisGap) notChecked(ctx, ['D3'], undefined, 'requested-chassis', chassisGap);
  for (const pb of chassisGap ? [] : sbPorts) {
    if (!pb.chassis) continue;
    const requested = requestedChassis(ctx, pb);
    if (requested === undefined) continue;
    const boundTo = ctx.chassisByUuid.get(pb.chassis);
    if (boundTo && requested.some((c) => c.uuid === boundTo.uuid)) {
      requestedOk++;
      continue;
    }
    add(
      ctx,
      'D3',
      'fail',
      hostOf(pb.chassis),
      `port ${pb.logicalPort}`,
      `bound to chassis ${chassisLabel(ctx, pb.chassis)} but requested on ${requestedText(pb, ctx)}${requested.length ? '' : ' (no such chassis in the SB)'}: the port is claimed by the wrong hypervisor (a VM running twice, or a migration left half-done)`,
      [pbEvidence(ctx, pb)],
      'find where the VM/pod really runs; remove the stale interface from the other host (ovs-vsctl del-port) or fix requested-chassis',
    );
  }
  if (requestedOk && !ctx.findings.some((f) => f.id === 'D3')) add(ctx, 'D3', 'pass', undefined, 'requested-chassis', `${plural(requestedOk, 'port')} with requested-chassis checked: each is bound there`, []);

  // D4 / D5: per interface on the integration bridge.
  const pbByName = new Map(sbPorts.map((p) => [p.logicalPort, p] as const));
  const lspNames = ctx.snap.nb ? new Set(ctx.snap.nb.switchPorts.map((p) => p.name)) : undefined;
  for (const h of ctx.snap.hosts) {
    const gap = firstGap(ctx, h.name, [HEALTH_IDS.interface]);
    if (gap) {
      notChecked(ctx, ['D4', 'D5'], h.name, 'plugged ports', gap);
      continue;
    }
    const mine = ctx.chassisOfHost.get(h.name);
    let plugged = 0;
    let problems = 0;
    for (const { iface } of integrationInterfaces(h)) {
      if (!iface.ifaceId) continue;
      plugged++;
      const pb = pbByName.get(iface.ifaceId);
      const ev = ifaceEvidence(ctx, h.name, iface, [{ column: 'external_ids', keys: ['iface-id', 'attached-mac', 'vm-uuid', 'ovn-installed'] }]);
      if (!pb) {
        problems++;
        const inNb = lspNames?.has(iface.ifaceId);
        add(
          ctx,
          'D4',
          'fail',
          h.name,
          `interface ${iface.name}`,
          inNb
            ? `iface-id=${iface.ifaceId}: the NB has this logical switch port but the SB has no Port_Binding for it — ovn-northd is not running or is behind; traffic of this interface is dropped`
            : `iface-id=${iface.ifaceId} names no logical port (not in the SB${lspNames ? ' nor the NB' : ''}): whatever is plugged in here has no network — a port deleted while its VM/pod still runs, or a typo in iface-id`,
          [ev],
          inNb ? 'check ovn-northd (ovn-appctl -t ovn-northd status) and its connection to the NB and SB' : `create the logical port (ovn-nbctl lsp-add SWITCH ${iface.ifaceId}) or remove the stale interface (ovs-vsctl del-port ${iface.name})`,
        );
        continue;
      }
      if (pb.type !== '' || !pb.chassis || !mine) continue; // localport/external/...: on every chassis by design; unbound: D2
      if (pb.chassis === mine.uuid || pb.additionalChassis.includes(mine.uuid)) continue;
      problems++;
      const requested = requestedChassis(ctx, pb);
      const requestedElsewhere = requested !== undefined && !requested.some((c) => c.uuid === mine.uuid);
      add(
        ctx,
        'D5',
        requestedElsewhere ? 'warn' : 'fail',
        h.name,
        `interface ${iface.name}`,
        requestedElsewhere
          ? `iface-id=${iface.ifaceId} is plugged here but requested on ${requestedText(pb, ctx)} and bound to ${chassisLabel(ctx, pb.chassis)}: OVN ignores this copy (a migration source not cleaned up?)`
          : `iface-id=${iface.ifaceId} is plugged here (chassis ${mine.name}) but bound to chassis ${chassisLabel(ctx, pb.chassis)}: two hypervisors claim the port and the binding flaps between them`,
        [ev, pbEvidence(ctx, pb)],
        `find where the VM/pod really runs and remove the other interface (ovs-vsctl del-port ${iface.name} on the wrong host)`,
      );
    }
    if (plugged && !problems) add(ctx, 'D4', 'pass', h.name, 'plugged ports', `${plural(plugged, 'interface')} with an iface-id checked: each has a logical port${mine ? ', bound here (or elsewhere by design: localport, external)' : ''}`, []);
  }
}

function chassisChecks(ctx: Ctx, chassis: readonly SbChassis[], encaps: readonly SbEncap[]): void {
  const gap = firstGap(ctx, undefined, [HEALTH_IDS.sbChassis, HEALTH_IDS.sbEncap]);
  if (gap) {
    notChecked(ctx, ['D6', 'D14', 'D15'], undefined, 'chassis', gap);
    return;
  }
  // D6: Chassis without Encap.
  const encapUuids = new Set(encaps.map((e) => e.uuid));
  let withEncap = 0;
  for (const c of chassis) {
    const mine = ctx.encapsByChassis.get(c.name) ?? [];
    const refs = c.encaps.filter((u) => encapUuids.has(u));
    if (mine.length || refs.length) {
      withEncap++;
      continue;
    }
    add(
      ctx,
      'D6',
      'fail',
      ctx.hostOfChassis.get(c.name),
      `chassis ${c.name}`,
      `has no Encap${c.encaps.length ? ` (its encaps column references ${plural(c.encaps.length, 'row')} the Encap table does not have)` : ''}: no other chassis can build a tunnel to it, so ports bound there are unreachable from elsewhere`,
      [chassisEvidence(ctx, c)],
      `on ${c.hostname ?? c.name}: ovs-vsctl get Open_vSwitch . external_ids:ovn-encap-type external_ids:ovn-encap-ip (both must be set); ovn-controller recreates the Encap`,
    );
  }
  if (withEncap && !ctx.findings.some((f) => f.id === 'D6')) add(ctx, 'D6', 'pass', undefined, 'chassis', `${plural(withEncap, 'chassis', 'chassis')} checked: each has an Encap`, []);

  // D15: one encap IP, two chassis.
  const byIp = new Map<string, SbEncap[]>();
  for (const e of encaps) {
    const k = `${e.type}/${e.ip}`;
    byIp.set(k, [...(byIp.get(k) ?? []), e]);
  }
  let dup = false;
  for (const [k, es] of byIp) {
    const names = [...new Set(es.map((e) => e.chassisName))];
    if (names.length < 2) continue;
    dup = true;
    add(
      ctx,
      'D15',
      'fail',
      undefined,
      `encap ${k.slice(k.indexOf('/') + 1)}`,
      `${k.slice(0, k.indexOf('/'))} encap IP ${k.slice(k.indexOf('/') + 1)} is claimed by ${plural(names.length, 'chassis', 'chassis')} (${names.join(', ')}): tunnels to one of them end at the other`,
      es.slice(0, 4).map((e) => encapEvidence(ctx, e)),
      'give every chassis its own ovn-encap-ip; delete the stale chassis: ovn-sbctl chassis-del NAME',
    );
  }
  if (encaps.length && !dup) add(ctx, 'D15', 'pass', undefined, 'encaps', `${plural(encaps.length, 'encap')}, no IP claimed twice`, []);

  // D14: SB chassis without a host in the snapshot.
  const outside = chassis.filter((c) => !ctx.hostOfChassis.has(c.name));
  if (outside.length)
    add(
      ctx,
      'D14',
      'info',
      undefined,
      'chassis outside the snapshot',
      `${plural(outside.length, 'SB chassis', 'SB chassis')} of ${chassis.length} ${outside.length === 1 ? 'has' : 'have'} no host in this snapshot, so ${outside.length === 1 ? 'its' : 'their'} OVS side was not checked: ${list(outside.map((c) => c.name))}`,
      outside.slice(0, 3).map((c) => chassisEvidence(ctx, c)),
      outside.length === chassis.length
        ? 'the snapshot hosts are not OVN chassis, or their system-id differs from the inventory name'
        : 'nothing to change if those hosts were left out on purpose; to check their OVS side, add them to the inventory and collect again',
    );
}

function hostChecks(ctx: Ctx, encaps: readonly SbEncap[], chassis: readonly SbChassis[]): void {
  const encapOwner = new Map<string, SbEncap[]>();
  for (const e of encaps) encapOwner.set(e.ip, [...(encapOwner.get(e.ip) ?? []), e]);
  const sbGap = firstGap(ctx, undefined, [HEALTH_IDS.sbChassis, HEALTH_IDS.sbEncap]);
  for (const h of ctx.snap.hosts) {
    const ovsGap = firstGap(ctx, h.name, [HEALTH_IDS.openVswitch]);
    if (ovsGap ?? sbGap) {
      notChecked(ctx, ['D7', 'D8', 'D9', 'D10'], h.name, 'chassis', (ovsGap ?? sbGap)!);
      continue;
    }
    if (!h.openVswitch) continue;
    const sysId = h.chassis;
    const ovnConfigured = sysId !== undefined && (h.openVswitch.ovnRemote !== undefined || h.openVswitch.ovnEncapIps.length > 0);
    if (!ovnConfigured) continue;
    const mine = ctx.chassisOfHost.get(h.name);

    // D7: registered?
    if (!mine) {
      add(
        ctx,
        'D7',
        'fail',
        h.name,
        `chassis ${sysId}`,
        `system-id ${sysId} has no Chassis row in the SB: ovn-controller on ${h.name} is not running or cannot reach the SB (${h.openVswitch.ovnRemote ?? 'ovn-remote unset'}), so nothing plugged here is bound and no other chassis tunnels here`,
        [ovsEvidence(ctx, h)],
        `on ${h.name}: systemctl status ovn-controller; ovn-appctl -t ovn-controller connection-status`,
      );
    } else add(ctx, 'D7', 'pass', h.name, `chassis ${sysId}`, `registered in the SB${mine.hostname ? ` (hostname ${mine.hostname})` : ''}`, []);

    // D8: ovn-encap-ip vs the SB Encap rows.
    if (mine) {
      const sbIps = [...new Set((ctx.encapsByChassis.get(mine.name) ?? []).map((e) => e.ip))];
      const configured = h.openVswitch.ovnEncapIps;
      const missingInSb = configured.filter((ip) => !sbIps.includes(ip));
      const stale = sbIps.filter((ip) => !configured.includes(ip));
      if (!sbIps.length) {
        // D6 reports the chassis itself.
      } else if (missingInSb.length || stale.length)
        add(
          ctx,
          'D8',
          'fail',
          h.name,
          `chassis ${mine.name}`,
          `ovn-encap-ip is ${configured.join(',') || '(unset)'} but the SB advertises ${sbIps.join(',')}: other chassis tunnel to ${stale.length ? stale.join(',') : sbIps.join(',')}, which this host does not terminate — ovn-controller has not updated the SB (not running, or no SB connection)`,
          [ovsEvidence(ctx, h), ...(ctx.encapsByChassis.get(mine.name) ?? []).slice(0, 3).map((e) => encapEvidence(ctx, e))],
          `on ${h.name}: restart ovn-controller so it re-registers its Encap`,
        );
      else add(ctx, 'D8', 'pass', h.name, `chassis ${mine.name}`, `ovn-encap-ip ${configured.join(',')} matches the SB Encap`, []);
    }

    // D9 / D10 / D11: tunnel ports on the integration bridge.
    const ifaceGap = firstGap(ctx, h.name, [HEALTH_IDS.interface]);
    if (ifaceGap) {
      notChecked(ctx, ['D9', 'D10', 'D11'], h.name, 'tunnel ports', ifaceGap);
      continue;
    }
    const tunnels = integrationInterfaces(h).filter(({ iface }) => TUNNEL_TYPES.has(iface.type));
    let staleOrWrong = 0;
    const reaches = new Set<string>(); // chassis names a tunnel leads to
    for (const { iface, port } of tunnels) {
      const ip = iface.remoteIp;
      const claimed = tunnelChassisId(iface, port);
      const ev = ifaceEvidence(ctx, h.name, iface, [{ column: 'options', keys: ['remote_ip', 'local_ip', 'key'] }, { column: 'external_ids', keys: ['ovn-chassis-id'] }]);
      const portEv = port?.ovnChassisId ? [rowEvidence(ctx.manifest, h.name, HEALTH_IDS.port, port.raw, ['name', { column: 'external_ids', keys: ['ovn-chassis-id'] }])] : [];
      if (!ip || ip === 'flow') {
        if (claimed) reaches.add(claimed);
        continue;
      }
      const owners = [...new Set((encapOwner.get(ip) ?? []).map((e) => e.chassisName))];
      const claimedChassis = claimed ? ctx.chassisByName.get(claimed) : undefined;
      if (claimed && claimedChassis) {
        reaches.add(claimed);
        if (owners.includes(claimed)) continue;
        staleOrWrong++;
        const now = (ctx.encapsByChassis.get(claimed) ?? []).map((e) => e.ip);
        if (!now.length) {
          add(ctx, 'D9', 'warn', h.name, `tunnel ${iface.name}`, `leads to chassis ${claimed} at ${ip}, but ${claimed} has no Encap in the SB (see D6): a tunnel left from before, which OVN does not use`, [ev, ...portEv], `fix chassis ${claimed} first (D6); ovn-controller then rewrites this port`);
          continue;
        }
        add(
          ctx,
          'D9',
          'fail',
          h.name,
          `tunnel ${iface.name}`,
          `leads to chassis ${claimed} at ${ip}, but ${claimed}'s encap is ${now.join(',') || '(none)'}${owners.length ? ` (${ip} belongs to ${owners.join(', ')})` : ''}: traffic for ports on ${claimed} goes to an address that does not terminate it — ovn-controller on ${h.name} has not caught up`,
          [ev, ...portEv, ...(ctx.encapsByChassis.get(claimed) ?? []).slice(0, 2).map((e) => encapEvidence(ctx, e))],
          `on ${h.name}: ovn-appctl -t ovn-controller recompute (or restart ovn-controller); it rewrites its tunnel ports from the SB`,
        );
        continue;
      }
      if (owners.length) {
        for (const o of owners) reaches.add(o);
        if (claimed) {
          staleOrWrong++;
          add(ctx, 'D9', 'warn', h.name, `tunnel ${iface.name}`, `says it leads to chassis ${claimed} (ovn-chassis-id), which is not in the SB, while ${ip} is the encap of ${owners.join(', ')}: a chassis renamed or re-registered, and the port kept its old name`, [ev, ...portEv, ...(encapOwner.get(ip) ?? []).slice(0, 2).map((e) => encapEvidence(ctx, e))], `on ${h.name}: ovn-appctl -t ovn-controller recompute`);
        }
        continue;
      }
      staleOrWrong++;
      add(
        ctx,
        'D9',
        'warn',
        h.name,
        `tunnel ${iface.name}`,
        `${iface.type} port towards ${ip}${claimed ? ` (ovn-chassis-id ${claimed})` : ''}: no chassis in the SB has this encap IP — a stale tunnel (chassis removed, or a port added by hand) that OVN will never use`,
        [ev, ...portEv],
        `ovs-vsctl del-port ${h.openVswitch.ovnBridge ?? 'br-int'} ${port?.name ?? iface.name}   # if nothing but OVN uses ${h.openVswitch.ovnBridge ?? 'br-int'}`,
      );
    }
    if (tunnels.length && !staleOrWrong) add(ctx, 'D9', 'pass', h.name, 'tunnel ports', `${plural(tunnels.length, 'tunnel port')} checked: each leads to an SB chassis at its encap IP`, []);

    // D10: a tunnel to every peer chassis.
    if (mine) {
      const myTypes = new Set(h.openVswitch.ovnEncapTypes.length ? h.openVswitch.ovnEncapTypes : (ctx.encapsByChassis.get(mine.name) ?? []).map((e) => e.type));
      const myZones = mine.transportZones;
      const missing: SbChassis[] = [];
      let peers = 0;
      for (const c of chassis) {
        if (c.uuid === mine.uuid) continue;
        if (c.otherConfig['is-remote'] === 'true' || c.externalIds['is-remote'] === 'true') continue; // interconnection gateways
        const theirs = ctx.encapsByChassis.get(c.name) ?? [];
        if (!theirs.length) continue; // D6
        if (!theirs.some((e) => myTypes.has(e.type))) continue;
        const zonesOk = (!myZones.length && !c.transportZones.length) || myZones.some((z) => c.transportZones.includes(z));
        if (!zonesOk) continue;
        peers++;
        if (!reaches.has(c.name) && !theirs.some((e) => tunnels.some((t) => t.iface.remoteIp === e.ip))) missing.push(c);
      }
      if (missing.length)
        add(
          ctx,
          'D10',
          'fail',
          h.name,
          `chassis ${mine.name}`,
          `no tunnel port to ${plural(missing.length, 'chassis', 'chassis')} (${list(missing.map((c) => `${c.name} ${(ctx.encapsByChassis.get(c.name) ?? []).map((e) => e.ip).join(',')}`))}): packets for ports bound there are dropped here — ovn-controller on ${h.name} is not running or has not processed the new chassis`,
          [ovsEvidence(ctx, h), ...missing.slice(0, 3).map((c) => chassisEvidence(ctx, c))],
          `on ${h.name}: systemctl status ovn-controller; ovs-vsctl --columns=name,options find Interface type=geneve`,
        );
      else if (peers) add(ctx, 'D10', 'pass', h.name, `chassis ${mine.name}`, `${plural(peers, 'peer chassis', 'peer chassis')} checked: a tunnel port to each`, []);
    }

    // D11: tunnel BFD.
    const withBfd = tunnels.filter(({ iface }) => iface.bfd.enable === 'true');
    if (withBfd.length) {
      let bad = 0;
      for (const { iface } of withBfd) {
        const st = iface.bfdStatus;
        if (st.state === 'up' && st.forwarding === 'true') continue;
        bad++;
        const down = st.state === 'down' || st.state === 'admin_down';
        add(
          ctx,
          'D11',
          down ? 'fail' : 'warn',
          h.name,
          `tunnel ${iface.name}`,
          `BFD ${st.state ?? 'state unknown'}${st.forwarding ? `, forwarding=${st.forwarding}` : ''}${st.diagnostic ? ` (${st.diagnostic})` : ''} towards ${iface.remoteIp ?? '?'}: ${down ? 'the peer is unreachable over the underlay, or its ovs-vswitchd is down — gateway HA fails over away from it' : 'the session is not forwarding yet'}`,
          [ifaceEvidence(ctx, h.name, iface, [{ column: 'options', keys: ['remote_ip'] }, 'bfd', 'bfd_status'])],
          BFD_FIX,
        );
      }
      if (!bad) add(ctx, 'D11', 'pass', h.name, 'tunnel BFD', `BFD up and forwarding on ${plural(withBfd.length, 'tunnel')}`, []);
    }
  }
}

function interfaceErrors(ctx: Ctx): void {
  for (const h of ctx.snap.hosts) {
    const gap = firstGap(ctx, h.name, [HEALTH_IDS.interface]);
    if (gap) {
      notChecked(ctx, ['D12'], h.name, 'interfaces', gap);
      continue;
    }
    if (!h.interfaces.length) continue;
    let bad = 0;
    for (const i of h.interfaces) {
      if (i.error === undefined && i.ofport !== -1) continue;
      bad++;
      add(
        ctx,
        'D12',
        'fail',
        h.name,
        `interface ${i.name}`,
        `${i.error ? `OVS reports: ${i.error}` : 'ofport is -1'}${i.ofport === -1 && i.error ? ' (ofport -1)' : ''}: the interface is in the database but not in the datapath, so nothing passes through it${i.ifaceId ? ` (logical port ${i.ifaceId})` : ''}`,
        [ifaceEvidence(ctx, h.name, i, ['error', { column: 'external_ids', keys: ['iface-id'] }])],
        i.type === '' || i.type === 'system' ? `the device ${i.name} must exist in the kernel (ip link show ${i.name}); then ovs-vsctl del-port/add-port it` : `ovs-vsctl list Interface ${i.name}; see ovs-vswitchd.log for the error`,
      );
    }
    if (!bad) add(ctx, 'D12', 'pass', h.name, 'interfaces', `${plural(h.interfaces.length, 'interface')} without error`, []);
  }
}

function outsideBindings(ctx: Ctx, sbPorts: readonly SbPortBinding[]): void {
  const gap = firstGap(ctx, undefined, [HEALTH_IDS.sbChassis]);
  if (gap) return notChecked(ctx, ['D13'], undefined, 'ports bound outside the snapshot', gap);
  const byChassis = new Map<string, SbPortBinding[]>();
  for (const pb of sbPorts) {
    if (!pb.chassis) continue;
    const c = ctx.chassisByUuid.get(pb.chassis);
    if (c && ctx.hostOfChassis.has(c.name)) continue;
    const k = c?.name ?? `${pb.chassis.slice(0, 8)} (no such Chassis row)`;
    byChassis.set(k, [...(byChassis.get(k) ?? []), pb]);
  }
  if (!byChassis.size) return;
  const n = [...byChassis.values()].reduce((a, l) => a + l.length, 0);
  const dangling = [...byChassis.keys()].filter((k) => k.endsWith('(no such Chassis row)'));
  add(
    ctx,
    'D13',
    dangling.length ? 'warn' : 'info',
    undefined,
    'ports bound outside the snapshot',
    `${plural(n, 'port')} ${n === 1 ? 'is' : 'are'} bound to ${plural(byChassis.size, 'chassis', 'chassis')} whose host is not in this snapshot (${list([...byChassis].map(([c, l]) => `${c}: ${l.length}`))}); their OVS side was not checked${dangling.length ? `; ${dangling.length} of those chassis have no Chassis row at all (stale bindings)` : ''}`,
    [...byChassis.values()].flatMap((l) => l.slice(0, 1)).slice(0, 3).map((pb) => pbEvidence(ctx, pb)),
    dangling.length
      ? 'stale bindings to a deleted chassis: northd/ovn-controller should have cleared them; ovn-sbctl lsp-unbind PORT or re-create the port'
      : 'nothing to change if those hosts were left out on purpose; to check their OVS side, add them to the inventory and collect again',
  );
}

function duplicateSystemIds(ctx: Ctx, fleet: readonly HostIdentity[]): void {
  // A host whose Open_vSwitch listing is unusable has no known system-id: D16 cannot say it is distinct.
  for (const h of ctx.snap.hosts) {
    const gap = firstGap(ctx, h.name, [HEALTH_IDS.openVswitch]);
    if (gap) notChecked(ctx, ['D16'], h.name, 'system-id', gap);
  }
  const by = new Map<string, string[]>();
  for (const h of fleet) if (h.chassis) by.set(h.chassis, [...(by.get(h.chassis) ?? []), h.name]);
  let dup = false;
  for (const [id, hosts] of by) {
    if (hosts.length < 2) continue;
    dup = true;
    add(
      ctx,
      'D16',
      'fail',
      undefined,
      `system-id ${id}`,
      `${hosts.length} hosts (${hosts.join(', ')}) use system-id ${id}: their ovn-controllers take the Chassis row and the port bindings from each other (cloned images keep /etc/openvswitch/system-id.conf)`,
      hosts.map((n) => ({ file: outputFile(ctx.manifest, n, HEALTH_IDS.openVswitch), excerpt: `external_ids:system-id=${id}` })),
      'give each host a unique system-id (ovs-vsctl set Open_vSwitch . external_ids:system-id=NEW) and delete the old chassis (ovn-sbctl chassis-del)',
    );
  }
  if (by.size > 1 && !dup) add(ctx, 'D16', 'pass', undefined, 'system-ids', `${plural(by.size, 'host')} with distinct system-ids`, []);
}

/** The OVN identity of a loaded host. */
export function hostIdentity(h: HostState): HostIdentity {
  return { name: h.name, chassis: h.chassis, hostname: h.openVswitch?.hostname, encapIps: h.openVswitch?.ovnEncapIps ?? [] };
}

/** Checks D1–D16 over a loaded snapshot. Without an SB, the SB-side checks are `n-a`. */
export function checkHealth(input: HealthInput): Finding[] {
  const snap = input.snapshot;
  const fleet = input.fleet ?? snap.hosts.map(hostIdentity);
  const sb = snap.sb;
  const chassis = sb?.chassis ?? [];
  const encaps = sb?.encaps ?? [];
  const encapsByChassis = new Map<string, SbEncap[]>();
  for (const e of encaps) encapsByChassis.set(e.chassisName, [...(encapsByChassis.get(e.chassisName) ?? []), e]);
  const chassisByName = new Map(chassis.map((c) => [c.name, c] as const));
  // A chassis is a snapshot host by system-id, else by hostname or encap IP.
  const hostOfChassis = new Map<string, string>();
  for (const h of fleet) if (h.chassis && chassisByName.has(h.chassis)) hostOfChassis.set(h.chassis, h.name);
  for (const c of chassis) {
    if (hostOfChassis.has(c.name)) continue;
    const taken = new Set(hostOfChassis.values());
    const h = fleet.find((x) => !taken.has(x.name) && !x.chassis && (x.name === c.name || (c.hostname !== undefined && (x.hostname === c.hostname || x.name === c.hostname)) || (encapsByChassis.get(c.name) ?? []).some((e) => x.encapIps.includes(e.ip))));
    if (h) hostOfChassis.set(c.name, h.name);
  }
  // Every host whose system-id names a chassis has it: two hosts with one system-id are D16's
  // finding, and D7 must not call the one hostOfChassis did not keep unregistered.
  const chassisOfHost = new Map<string, SbChassis>();
  for (const h of fleet) if (h.chassis && chassisByName.has(h.chassis)) chassisOfHost.set(h.name, chassisByName.get(h.chassis)!);
  for (const [c, h] of hostOfChassis) if (!chassisOfHost.has(h)) chassisOfHost.set(h, chassisByName.get(c)!);
  const ctx: Ctx = {
    snap,
    manifest: snap.manifest,
    findings: [],
    chassisByUuid: new Map(chassis.map((c) => [c.uuid, c] as const)),
    chassisByName,
    encapsByChassis,
    hostOfChassis,
    chassisOfHost,
  };

  interfaceErrors(ctx);
  duplicateSystemIds(ctx, fleet);
  if (!sb) {
    const why = snap.manifest.central
      ? `the SB listings of ${snap.manifest.central.via} could not be read (see the collection findings)`
      : 'the snapshot has no NB/SB (collected without an "ovn:" section in the inventory)';
    for (const id of ['D1', 'D2', 'D3', 'D4', 'D5', 'D6', 'D7', 'D8', 'D9', 'D10', 'D13', 'D14', 'D15'])
      add(ctx, id, 'n-a', undefined, 'southbound', `${HEALTH_CHECKS[id]}: not checked, ${why}`, [], 'collect with an "ovn: { via: HOST }" inventory section');
    // BFD needs no SB.
    for (const h of snap.hosts) {
      const tunnels = integrationInterfaces(h).filter(({ iface }) => TUNNEL_TYPES.has(iface.type) && iface.bfd.enable === 'true');
      for (const { iface } of tunnels) {
        const st = iface.bfdStatus;
        if (st.state === 'up' && st.forwarding === 'true') continue;
        add(ctx, 'D11', st.state === 'down' ? 'fail' : 'warn', h.name, `tunnel ${iface.name}`, `BFD ${st.state ?? 'state unknown'}${st.diagnostic ? ` (${st.diagnostic})` : ''} towards ${iface.remoteIp ?? '?'}`, [ifaceEvidence(ctx, h.name, iface, [{ column: 'options', keys: ['remote_ip'] }, 'bfd', 'bfd_status'])], BFD_FIX);
      }
    }
    return ctx.findings;
  }
  portChecks(ctx, sb.portBindings);
  chassisChecks(ctx, chassis, encaps);
  hostChecks(ctx, encaps, chassis);
  outsideBindings(ctx, sb.portBindings);
  return ctx.findings;
}
