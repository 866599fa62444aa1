// Snapshot pieces for the MTU tests: OVSDB `--format=json` tables with the columns the MTU loader
// reads, written through the offload suite's snapshot writer (manifest + hosts/<host>/<id>.out).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMtu, type MtuSnapshot } from '../../src/snapshot/load-mtu.js';
import { openSnapshot } from '../../src/snapshot/reader.js';
import { writeSnapshot, type HostOutputs } from '../offload/snapshot-builder.js';

type Cell = unknown;
const map = (m: Record<string, string> = {}) => ['map', Object.entries(m)];
const uuid = (u: string) => ['uuid', u];
const set = (xs: readonly unknown[]) => (xs.length === 1 ? xs[0] : ['set', xs]);
const optInt = (n: number | undefined) => (n === undefined ? ['set', []] : n);

export function table(headings: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return JSON.stringify({ headings, data: rows }) + '\n';
}

/** A deterministic UUID from a short label. */
export function u(label: string): string {
  let h = 0;
  for (const c of label) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const hex = h.toString(16).padStart(8, '0');
  return `${hex}-0000-4000-8000-${hex}0000`.slice(0, 36);
}

export interface IfaceSpec {
  name: string;
  type?: string;
  options?: Record<string, string>;
  status?: Record<string, string>;
  externalIds?: Record<string, string>;
  mtu?: number;
  mtuRequest?: number;
}

export function interfaces(rows: readonly IfaceSpec[]): string {
  return table(
    ['_uuid', 'name', 'type', 'options', 'status', 'external_ids', 'mtu', 'mtu_request'],
    rows.map((r) => [uuid(u(`if-${r.name}`)), r.name, r.type ?? '', map(r.options), map(r.status), map(r.externalIds), optInt(r.mtu), optInt(r.mtuRequest)]),
  );
}

export function openVswitch(systemId: string, encapIp: string, extra: Record<string, string> = {}): string {
  return table(['_uuid', 'other_config', 'external_ids'], [[uuid(u(`ovs-${systemId}`)), map({}), map({ 'system-id': systemId, 'ovn-encap-ip': encapIp, 'ovn-encap-type': 'geneve', ...extra })]]);
}

/** A fixture file under test/fixtures/mtu/ (a real public capture with its `# source:` header). */
export function mtuFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/mtu/${name}`, import.meta.url), 'utf8');
}

/** Rewrites fields of devices in an `ip -j -d link` fixture (keeps the header lines). */
export function editLinks(text: string, edits: Record<string, Record<string, unknown>>): string {
  const lines = text.split('\n');
  const header = lines.filter((l) => l.startsWith('#'));
  const body = JSON.parse(lines.filter((l) => !l.startsWith('#')).join('\n')) as Record<string, unknown>[];
  for (const d of body) Object.assign(d, edits[d.ifname as string] ?? {});
  return [...header, JSON.stringify(body)].join('\n') + '\n';
}

// ---- central ---------------------------------------------------------------------------------

export interface CentralSpec {
  switches?: { name: string; ports: string[]; externalIds?: Record<string, string>; otherConfig?: Record<string, string> }[];
  /** Switch ports by name; `dhcp` names a DHCP_Options row. */
  switchPorts?: { name: string; type?: string; options?: Record<string, string>; dhcp?: string; tag?: number }[];
  dhcp?: { name: string; cidr: string; options: Record<string, string> }[];
  routers?: { name: string; ports: string[]; options?: Record<string, string> }[];
  routerPorts?: { name: string; options?: Record<string, string>; gatewayChassis?: string[] }[];
  chassis?: { name: string; encaps: { ip: string; type?: string }[] }[];
  /** VIF bindings: logical port → chassis. */
  bindings?: { port: string; chassis?: string; type?: string }[];
}

export function central(c: CentralSpec): Record<string, string> {
  const out: Record<string, string> = {};
  out['ovn-nbctl.list.Logical_Switch'] = table(
    ['_uuid', 'name', 'ports', 'acls', 'load_balancer', 'load_balancer_group', 'other_config', 'external_ids'],
    (c.switches ?? []).map((s) => [uuid(u(`ls-${s.name}`)), s.name, set(s.ports.map((p) => uuid(u(`lsp-${p}`)))), set([]), set([]), set([]), map(s.otherConfig), map(s.externalIds)]),
  );
  out['ovn-nbctl.list.Logical_Switch_Port'] = table(
    ['_uuid', 'name', 'type', 'addresses', 'options', 'external_ids', 'dhcpv4_options', 'tag'],
    (c.switchPorts ?? []).map((p) => [uuid(u(`lsp-${p.name}`)), p.name, p.type ?? '', set([]), map(p.options), map({}), p.dhcp ? uuid(u(`dhcp-${p.dhcp}`)) : ['set', []], optInt(p.tag)]),
  );
  out['ovn-nbctl.list.DHCP_Options'] = table(
    ['_uuid', 'cidr', 'external_ids', 'options'],
    (c.dhcp ?? []).map((d) => [uuid(u(`dhcp-${d.name}`)), d.cidr, map({ name: d.name }), map(d.options)]),
  );
  out['ovn-nbctl.list.Logical_Router'] = table(
    ['_uuid', 'name', 'ports', 'nat', 'static_routes', 'policies', 'load_balancer', 'load_balancer_group', 'options', 'external_ids'],
    (c.routers ?? []).map((r) => [uuid(u(`lr-${r.name}`)), r.name, set(r.ports.map((p) => uuid(u(`lrp-${p}`)))), set([]), set([]), set([]), set([]), set([]), map(r.options), map({})]),
  );
  out['ovn-nbctl.list.Logical_Router_Port'] = table(
    ['_uuid', 'name', 'mac', 'networks', 'options', 'gateway_chassis', 'external_ids'],
    (c.routerPorts ?? []).map((p) => [uuid(u(`lrp-${p.name}`)), p.name, '0a:00:00:00:00:01', set([]), map(p.options), set((p.gatewayChassis ?? []).map((g) => uuid(u(`gwc-${g}`)))), map({})]),
  );
  const chassis = c.chassis ?? [];
  out['ovn-sbctl.list.Chassis'] = table(['_uuid', 'name', 'hostname', 'encaps', 'external_ids', 'other_config'], chassis.map((ch) => [uuid(u(`ch-${ch.name}`)), ch.name, ch.name, set(ch.encaps.map((e) => uuid(u(`enc-${ch.name}-${e.ip}`)))), map({}), map({})]));
  out['ovn-sbctl.list.Encap'] = table(['_uuid', 'chassis_name', 'ip', 'type', 'options'], chassis.flatMap((ch) => ch.encaps.map((e) => [uuid(u(`enc-${ch.name}-${e.ip}`)), ch.name, e.ip, e.type ?? 'geneve', map({ csum: 'true' })])));
  out['ovn-sbctl.list.Port_Binding'] = table(
    ['_uuid', 'logical_port', 'type', 'chassis', 'datapath', 'tunnel_key', 'mac', 'options', 'external_ids'],
    (c.bindings ?? []).map((b) => [uuid(u(`pb-${b.port}`)), b.port, b.type ?? '', b.chassis ? uuid(u(`ch-${b.chassis}`)) : ['set', []], ['set', []], 1, set([]), map({}), map({})]),
  );
  for (const t of ['Datapath_Binding']) out[`ovn-sbctl.list.${t}`] = table(['_uuid', 'tunnel_key', 'external_ids'], []);
  return out;
}

/** Writes a snapshot, loads its MTU view, removes the directory. */
export async function mtuSnapshot(hosts: Readonly<Record<string, HostOutputs>>, centralTables?: Record<string, string>): Promise<MtuSnapshot> {
  const dir = mkdtempSync(join(tmpdir(), 'ovnscope-mtu-unit-'));
  try {
    writeSnapshot(dir, hosts, centralTables);
    const opened = await openSnapshot(dir);
    if (!opened.ok) throw new Error(opened.error.message);
    return await loadMtu(opened.value);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a snapshot directory that stays (for CLI tests); returns its path. */
export function snapshotDir(hosts: Readonly<Record<string, HostOutputs>>, centralTables?: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ovnscope-mtu-cli-'));
  writeSnapshot(dir, hosts, centralTables);
  return dir;
}

export const routes = (...rows: Record<string, unknown>[]): string => JSON.stringify(rows) + '\n';
