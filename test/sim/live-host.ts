// Test-side collection of one sandbox chassis into a HostState (the snapshot loader's job in the
// product): dump-flows / dump-groups / show per bridge, dpif/show, ovs-vsctl list Interface/Port,
// plus the MAC learning tables of bridges (fdb/show) that NORMAL needs.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDpifShow } from '../../src/parse/dpif-show.js';
import { parseOfctlFlows } from '../../src/parse/ofctl-flows.js';
import { parseOfctlGroups } from '../../src/parse/ofctl-groups.js';
import { parseOfctlShow } from '../../src/parse/ofctl-show.js';
import { parseOvsdbRows, toOvsInterfaces, toOvsPorts } from '../../src/parse/ovsdb-json.js';
import { splitOvnChassisId, type OvsInterface, type OvsPort } from '../../src/model/ovs.js';
import type { BridgePort, BridgeState, HostState, PortRole } from '../../src/model/snapshot.js';
import { parseMac } from '../../src/model/masked.js';
import type { FdbEntry } from '../../src/sim/index.js';
import type { Sandbox } from '../harness/sandbox.js';

export interface LiveHost {
  readonly host: HostState;
  /** Datapath port number → interface name (from dpif/show), to read ofproto/trace outputs. */
  readonly dpNames: ReadonlyMap<number, string>;
  readonly fdb: Record<string, FdbEntry[]>;
  /** Raw dumps, for debugging a disagreement. */
  readonly raw: Record<string, string>;
}

const TUNNEL_TYPES = new Set(['geneve', 'vxlan', 'stt', 'gre', 'erspan', 'ip6gre', 'ip6erspan', 'gtpu', 'bareudp']);

export function portRole(iface: OvsInterface | undefined, port: OvsPort | undefined, bridge: string): PortRole {
  if (!iface) return { kind: 'reserved' };
  if (TUNNEL_TYPES.has(iface.type)) {
    const chassisId = port?.ovnChassisId ?? iface.ovnChassisId;
    return {
      kind: 'tunnel',
      tunnelType: iface.type,
      ...(iface.remoteIp ? { remoteIp: iface.remoteIp } : {}),
      ...(iface.localIp ? { localIp: iface.localIp } : {}),
      ...(chassisId ? { remoteChassis: splitOvnChassisId(chassisId).chassis } : {}),
    };
  }
  if (iface.type === 'patch') return { kind: 'patch', ...(iface.peer ? { peer: iface.peer } : {}) };
  if (iface.ifaceId || iface.type === 'internal' || iface.name === bridge) return { kind: 'local' };
  return { kind: 'physical' };
}

/** `ovs-appctl fdb/show BRIDGE` → entries. */
export function parseFdbShow(text: string): FdbEntry[] {
  const out: FdbEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+)\s+(\d+)\s+([0-9a-f:]{17})\s+\d+/i.exec(line);
    if (!m) continue;
    const port = m[1] === 'LOCAL' ? 65534 : Number(m[1]);
    const mac = parseMac(m[3].toLowerCase());
    if (Number.isFinite(port) && mac !== undefined) out.push({ port, vlan: Number(m[2]), mac });
  }
  return out;
}

export interface BridgeDumps {
  readonly name: string;
  readonly flows: string;
  readonly groups: string;
  readonly show: string;
  /** `ovs-vsctl list-ifaces BRIDGE` */
  readonly ifaces: string;
  /** `ovs-appctl fdb/show BRIDGE` */
  readonly fdb: string;
}

export interface HostDumps {
  readonly name: string;
  readonly bridges: readonly BridgeDumps[];
  readonly dpif: string;
  /** `ovs-vsctl --format=json list Interface` / `list Port` */
  readonly interfacesJson: string;
  readonly portsJson: string;
}

/** Builds the HostState (and the lookups the oracle needs) from raw command outputs. */
export function hostFromDumps(d: HostDumps): LiveHost {
  const raw: Record<string, string> = { dpif: d.dpif };
  const ifaces = parseOvsdbRows(d.interfacesJson, toOvsInterfaces).value;
  const ovsPorts = parseOvsdbRows(d.portsJson, toOvsPorts).value;
  const portOfIface = new Map<string, OvsPort>();
  for (const p of ovsPorts) for (const i of p.interfaces) portOfIface.set(i, p);
  const dp = parseDpifShow(d.dpif).value;
  const dpNames = new Map<number, string>();
  const dpPortOf = new Map<string, number>();
  for (const x of dp.datapaths)
    for (const b of x.bridges)
      for (const p of b.ports)
        if (p.dpPort !== undefined) {
          dpNames.set(p.dpPort, p.name);
          dpPortOf.set(p.name, p.dpPort);
        }
  const fdb: Record<string, FdbEntry[]> = {};
  const states: BridgeState[] = [];
  for (const bd of d.bridges) {
    const br = bd.name;
    raw[`${br}.flows`] = bd.flows;
    raw[`${br}.groups`] = bd.groups;
    raw[`${br}.show`] = bd.show;
    raw[`${br}.fdb`] = bd.fdb;
    fdb[br] = parseFdbShow(bd.fdb);
    const members = new Set([br, ...bd.ifaces.split('\n').map((x) => x.trim()).filter(Boolean)]);
    const showV = parseOfctlShow(bd.show).value;
    const ports: BridgePort[] = [];
    for (const sp of showV.ports) {
      // ofctl show truncates names to 15 bytes: join with the DB by bridge membership and ofport.
      const iface = ifaces.find((i) => members.has(i.name) && i.ofport === sp.ofport);
      const name = sp.ofport === 65534 ? br : (iface?.name ?? sp.name);
      const ifc = sp.ofport === 65534 ? ifaces.find((i) => i.name === br) : iface;
      const p = ifc ? portOfIface.get(ifc.uuid) : undefined;
      ports.push({
        ofport: sp.ofport,
        name,
        role: portRole(ifc, p, br),
        ...(ifc?.ifaceId ? { ifaceId: ifc.ifaceId } : {}),
        ...(dpPortOf.has(name) ? { dpPort: dpPortOf.get(name)! } : {}),
        ...(ifc ? { iface: ifc } : {}),
      });
    }
    states.push({
      name: br,
      flows: parseOfctlFlows(bd.flows).value.flows,
      groups: parseOfctlGroups(bd.groups).value.groups,
      ports,
      show: showV,
    });
  }
  const host: HostState = { name: d.name, ovsBridges: [], ovsPorts, interfaces: ifaces, bridges: states, dpif: dp, chassis: d.name };
  return { host, dpNames, fdb, raw };
}

export async function collectLiveHost(sb: Sandbox, hv: string): Promise<LiveHost> {
  const names = (await sb.vsctl(hv, 'list-br')).split('\n').map((s) => s.trim()).filter(Boolean);
  const [interfacesJson, portsJson, dpif] = await Promise.all([
    sb.vsctl(hv, '--format=json', 'list', 'Interface'),
    sb.vsctl(hv, '--format=json', 'list', 'Port'),
    sb.appctl(hv, 'dpif/show'),
  ]);
  const bridges = await Promise.all(
    names.map(async (br) => {
      const [flows, groups, show, fdb, ifaces] = await Promise.all([
        sb.ofctl(hv, '--no-names', 'dump-flows', br),
        sb.ofctl(hv, '-O', 'OpenFlow15', '--no-names', 'dump-groups', br),
        sb.ofctl(hv, 'show', br),
        sb.appctl(hv, 'fdb/show', br),
        sb.vsctl(hv, 'list-ifaces', br),
      ]);
      return { name: br, flows, groups, show, fdb, ifaces };
    }),
  );
  return hostFromDumps({ name: hv, bridges, dpif, interfacesJson, portsJson });
}

/**
 * The tables and live ofproto/trace outputs saved from the lb-nat-3chassis sandbox's gateway
 * chassis hv3 (test/sim/fixtures/lb-nat-hv3): the host, a reader of its files, and the saved
 * traces (`traces/*`, sorted).
 */
export function savedLbNatHv3(): { readonly live: LiveHost; readonly read: (file: string) => string; readonly traces: readonly string[] } {
  const dir = join(import.meta.dirname, 'fixtures', 'lb-nat-hv3');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const live = hostFromDumps({
    name: 'hv3',
    bridges: ['br-int', 'br-ex'].map((name) => ({
      name,
      flows: read(`${name}.flows`),
      groups: read(`${name}.groups`),
      show: read(`${name}.show`),
      ifaces: read(`${name}.ifaces`),
      fdb: name === 'br-ex' ? read('br-ex.fdb') : '',
    })),
    dpif: read('dpif-show.txt'),
    interfacesJson: read('interfaces.json'),
    portsJson: read('ports.json'),
  });
  return { live, read, traces: readdirSync(join(dir, 'traces')).sort().map((f) => join('traces', f)) };
}
