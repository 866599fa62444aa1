import type { Diagnostic } from '../model/diagnostic.js';
import type { Result } from '../model/result.js';
import { ok } from '../model/result.js';
import { loadSnapshot } from '../snapshot/load.js';
import { controllerStateText } from '../checks/controller.js';

export interface SnapshotSummary {
  readonly dir: string;
  readonly created: string;
  readonly toolVersion: string;
  /** The manifest says nothing required is missing, and every output the loader read is intact (see `damaged`). */
  readonly complete: boolean;
  /**
   * Listed outputs that are missing, or whose size or sha256 differs from the manifest: changed
   * after collection. What is read from them is not what the hosts printed.
   */
  readonly damaged: readonly { readonly host?: string; readonly file: string; readonly damage: 'missing' | 'size' | 'digest'; readonly message: string; /** The message without its `damaged: ` heading. */ readonly detail: string }[];
  readonly interrupted: boolean;
  readonly missing: readonly string[];
  readonly hosts: readonly {
    readonly name: string;
    readonly status: string;
    readonly chassis?: string;
    readonly encapIp?: string;
    /** `ovs-vsctl --version`, when that command succeeded (it answers without the daemons). */
    readonly ovsVersion?: string;
    /** The OVS database answered (`ovs-vsctl list Open_vSwitch` succeeded): OVS was running. */
    readonly ovsRunning: boolean;
    /**
     * What ovn-controller answered, as doctor D17 judges it: connected, not connected, paused, not
     * answering, not running, or not reached (no pidfile where ovn-appctl looked). Absent when it
     * was not asked (snapshots of older ovnscope) or the host is no chassis.
     */
    readonly ovnController?: string;
    /** Bridges with an OpenFlow output that succeeded; a bridge name the collection only assumed (br-int when list-br failed) is not one. */
    readonly bridges: readonly { readonly name: string; readonly flows: number; readonly groups: number; readonly ports: number; readonly flowsPerTable: Readonly<Record<string, number>> }[];
  }[];
  readonly chassis: readonly { readonly name: string; readonly hostname?: string; readonly encaps: readonly { type: string; ip: string }[]; readonly bindings: readonly string[]; readonly inSnapshot: boolean }[];
  readonly unboundPorts: readonly string[];
  readonly logicalFlows: number;
  /** Parser diagnostics (damaged files are in `damaged`, not here). */
  readonly diagnostics: { readonly count: number; readonly first: readonly Diagnostic[] };
}

export async function showSnapshot(dir: string): Promise<Result<SnapshotSummary>> {
  const loaded = await loadSnapshot(dir);
  if (!loaded.ok) return loaded;
  const s = loaded.value;
  const hostStatus = new Map(s.manifest.hosts.map((h) => [h.name, h.status] as const));
  const collected = (host: string, id: string) => s.manifest.hosts.find((h) => h.name === host)?.commands.some((c) => c.id === id && c.status === 'ok') ?? false;
  const bridgeCollected = (host: string, bridge: string) => ['dump-flows', 'show', 'dump-groups'].some((what) => collected(host, `ovs-ofctl.${what}.${bridge}`));
  const hostsByChassis = new Map(s.hosts.filter((h) => h.chassis).map((h) => [h.chassis!, h.name] as const));
  const bindingsByChassis = new Map<string, string[]>();
  const unbound: string[] = [];
  const chassisNameByUuid = new Map((s.sb?.chassis ?? []).map((c) => [c.uuid, c.name] as const));
  for (const pb of s.sb?.portBindings ?? []) {
    if (pb.type !== '' && pb.type !== 'chassisredirect' && pb.type !== 'l3gateway' && pb.type !== 'virtual' && pb.type !== 'external') continue;
    const ch = pb.chassis ? chassisNameByUuid.get(pb.chassis) : undefined;
    if (!ch) {
      if (pb.type === '') unbound.push(pb.logicalPort);
      continue;
    }
    const list = bindingsByChassis.get(ch) ?? [];
    list.push(pb.logicalPort);
    bindingsByChassis.set(ch, list);
  }
  const encapsByUuid = new Map((s.sb?.encaps ?? []).map((e) => [e.uuid, e] as const));
  const damaged = s.diagnostics.filter((d) => d.damage !== undefined && d.file !== undefined).map((d) => ({ ...(d.host !== undefined ? { host: d.host } : {}), file: d.file!, damage: d.damage!, message: d.message, detail: d.damageDetail ?? d.message }));
  const parserDiagnostics = s.diagnostics.filter((d) => d.damage === undefined);
  return ok({
    dir: s.dir,
    created: s.manifest.created,
    toolVersion: s.manifest.toolVersion,
    complete: s.manifest.complete && !damaged.length,
    damaged,
    interrupted: s.manifest.interrupted,
    missing: s.manifest.missing,
    hosts: s.hosts.map((h) => ({
      name: h.name,
      status: hostStatus.get(h.name) ?? '?',
      chassis: h.chassis,
      encapIp: h.encapIp,
      ...(collected(h.name, 'ovs-vsctl.version') && h.version?.version ? { ovsVersion: h.version.version } : {}),
      ovsRunning: collected(h.name, 'ovs-vsctl.list.Open_vSwitch'),
      ...((state) => (state ? { ovnController: state } : {}))(controllerStateText(s, h)),
      bridges: h.bridges.filter((b) => bridgeCollected(h.name, b.name)).map((b) => {
        const perTable: Record<string, number> = {};
        for (const f of b.flows) perTable[f.table] = (perTable[f.table] ?? 0) + 1;
        return { name: b.name, flows: b.flows.length, groups: b.groups.length, ports: b.ports.length, flowsPerTable: perTable };
      }),
    })),
    chassis: (s.sb?.chassis ?? []).map((c) => ({
      name: c.name,
      hostname: c.hostname,
      encaps: c.encaps.map((u) => encapsByUuid.get(u)).filter((e) => !!e).map((e) => ({ type: e!.type, ip: e!.ip })),
      bindings: (bindingsByChassis.get(c.name) ?? []).sort(),
      inSnapshot: hostsByChassis.has(c.name),
    })),
    unboundPorts: unbound.sort(),
    logicalFlows: s.sb?.logicalFlows.length ?? 0,
    diagnostics: { count: parserDiagnostics.length, first: parserDiagnostics.slice(0, 20) },
  });
}
