/**
 * `ovs-vsctl|ovn-nbctl|ovn-sbctl --format=json list <table>` → generic OVSDB table → typed rows.
 *
 * Output shape: `{"data":[[cell,…],…],"headings":["_uuid",…]}` on one line, cells in RFC 7047
 * notation (see model/ovsdb.ts). Nothing here throws on bad input: a JSON syntax error (for example a
 * dump cut short by a timeout) becomes a diagnostic with line/column, every complete row before it is
 * kept; a cell of the wrong shape becomes a diagnostic naming its JSON path (`data[3][5]`) and the
 * row is kept without that cell. Headings come last in the output, so a truncated dump has none: when
 * the caller says which table it is (`table` option), the column list of OVS 3.1 / OVN 23.03 is used
 * if the row width matches.
 */
import type { Diagnostic, Parsed } from '../model/diagnostic.js';
import {
  asInt,
  asString,
  asBool,
  asUuid,
  asReal,
  asStringSet,
  asUuidSet,
  asIntSet,
  asMap,
  atomText,
  EMPTY_MAP,
  EMPTY_SET,
  isEmpty,
  isOvsdbMap,
  isOvsdbSet,
  type OvsdbAtom,
  type OvsdbRow,
  type OvsdbTable,
  type OvsdbValue,
} from '../model/ovsdb.js';
import type {
  OpenVswitch,
  OvsBridge,
  OvsBridgeMap,
  OvsBridgePort,
  OvsBridgePorts,
  OvsInterface,
  OvsPort,
  StringMap,
} from '../model/ovs.js';
import type {
  NbAcl,
  NbAddressSet,
  NbGatewayChassis,
  NbLoadBalancer,
  NbLoadBalancerGroup,
  NbLogicalRouter,
  NbLogicalRouterPort,
  NbLogicalSwitch,
  NbLogicalSwitchPort,
  NbNat,
  NbPortGroup,
  NbRouterPolicy,
  NbStaticRoute,
  SbChassis,
  SbChassisPrivate,
  SbGlobal,
  SbHaChassis,
  SbHaChassisGroup,
  SbDatapathBinding,
  SbEncap,
  SbLoadBalancer,
  SbLogicalDpGroup,
  SbLogicalFlow,
  SbMacBinding,
  SbMulticastGroup,
  SbPortBinding,
} from '../model/ovn.js';
import { cookieOf } from '../model/ovn.js';
import { JsonReader, MAX_JSON_DEPTH, type Json } from './json-text.js';

// =============================================================================================
// JSON reading with positions

/** A JSON path: `['data', 3, 5]` prints as `data[3][5]`. */
export type JsonPath = readonly (string | number)[];

const MAX_DIAGNOSTICS = 200;

export function formatJsonPath(path: JsonPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out || '(top level)';
}

/** True for `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex digits, either case). */
function isUuidText(u: string): boolean {
  if (u.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = u.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!((c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102))) return false;
  }
  return true;
}

/** Skips one JSON value starting at `pos` (after whitespace); returns the position after it. */
function skipValue(s: string, pos: number): number {
  let p = skipWs(s, pos);
  let depth = 0;
  while (p < s.length) {
    const c = s.charCodeAt(p);
    if (c === 0x22) {
      p++;
      while (p < s.length) {
        const d = s.charCodeAt(p);
        if (d === 0x5c) p += 2;
        else if (d === 0x22) break;
        else p++;
      }
      p++;
      if (depth === 0) return p;
      continue;
    }
    if (c === 0x5b || c === 0x7b) {
      depth++;
      p++;
      continue;
    }
    if (c === 0x5d || c === 0x7d) {
      if (depth === 0) return p;
      depth--;
      p++;
      if (depth === 0) return p;
      continue;
    }
    if (depth === 0) {
      // scalar: runs until a delimiter
      while (p < s.length && !',]}: \t\r\n'.includes(s[p])) p++;
      return p;
    }
    p++;
  }
  return p;
}

function skipWs(s: string, p: number): number {
  while (p < s.length) {
    const c = s.charCodeAt(p);
    if (c === 32 || c === 10 || c === 13 || c === 9) p++;
    else break;
  }
  return p;
}

interface Trie {
  key: string | undefined;
  readonly children: Map<string | number, Trie>;
}

/** Offsets of the values at `paths`, found in one pass over the text (tolerates broken JSON). */
export function locateJsonPaths(text: string, paths: readonly JsonPath[]): Map<string, number> {
  const root: Trie = { key: undefined, children: new Map() };
  for (const path of paths) {
    let node = root;
    for (const seg of path) {
      let next = node.children.get(seg);
      if (!next) {
        next = { key: undefined, children: new Map() };
        node.children.set(seg, next);
      }
      node = next;
    }
    node.key = JSON.stringify(path);
  }
  const out = new Map<string, number>();
  const visit = (node: Trie, pos: number, depth: number): number => {
    pos = skipWs(text, pos);
    if (node.key !== undefined) out.set(node.key, pos);
    if (node.children.size === 0 || depth > MAX_JSON_DEPTH) return skipValue(text, pos);
    const c = text.charCodeAt(pos);
    if (c === 0x5b) {
      let p = pos + 1;
      for (let i = 0; ; i++) {
        p = skipWs(text, p);
        if (p >= text.length || text.charCodeAt(p) === 0x5d) break;
        const child = node.children.get(i);
        const end = child ? visit(child, p, depth + 1) : skipValue(text, p);
        if (end <= p) break;
        p = skipWs(text, end);
        if (text.charCodeAt(p) === 0x2c) p++;
        else break;
      }
      p = skipWs(text, p);
      return text.charCodeAt(p) === 0x5d ? p + 1 : p;
    }
    if (c === 0x7b) {
      let p = pos + 1;
      for (;;) {
        p = skipWs(text, p);
        if (p >= text.length || text.charCodeAt(p) !== 0x22) break;
        const r = new JsonReader(text, {}, p);
        const key = r.string();
        if (key === undefined) return text.length;
        p = skipWs(text, r.pos);
        if (text.charCodeAt(p) !== 0x3a) break;
        p++;
        const child = node.children.get(key);
        const end = child ? visit(child, p, depth + 1) : skipValue(text, p);
        if (end <= p) break;
        p = skipWs(text, end);
        if (text.charCodeAt(p) === 0x2c) p++;
        else break;
      }
      p = skipWs(text, p);
      return text.charCodeAt(p) === 0x7d ? p + 1 : p;
    }
    return skipValue(text, pos);
  };
  visit(root, 0, 0);
  return out;
}

/** 1-based line and column (UTF-16 units) of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let p = text.indexOf('\n'); p !== -1 && p < end; p = text.indexOf('\n', p + 1)) {
    line++;
    lineStart = p + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

// =============================================================================================
// Diagnostics collected with JSON paths, positioned at the end

interface Pending {
  readonly severity: Diagnostic['severity'];
  readonly message: string;
  readonly path?: JsonPath;
  readonly offset?: number;
  readonly excerpt?: string;
}

class Problems {
  readonly list: Pending[] = [];
  dropped = 0;
  /** A cell held an integer that is not exact as a double (beyond 2^53): see readJson. */
  inexact = false;

  add(p: Pending): void {
    if (this.list.length < MAX_DIAGNOSTICS) this.list.push(p);
    else this.dropped++;
  }

  at(path: JsonPath, message: string, severity: Diagnostic['severity'] = 'error'): void {
    this.add({ severity, message: `${formatJsonPath(path)}: ${message}`, path });
  }

  /** Turns pending problems into diagnostics, with line/column when the text is known. */
  resolve(text: string | undefined, file: string | undefined): Diagnostic[] {
    const unplaced = this.list.filter((p) => p.path && p.offset === undefined).map((p) => p.path as JsonPath);
    // Locating paths walks the whole text: only when there is something to locate.
    const offsets = text === undefined || unplaced.length === 0 ? new Map<string, number>() : locateJsonPaths(text, unplaced);
    const out: Diagnostic[] = this.list.map((p) => {
      const off = p.offset ?? (p.path ? offsets.get(JSON.stringify(p.path)) : undefined);
      const pos = text !== undefined && off !== undefined ? lineColumn(text, off) : undefined;
      const window = text !== undefined && off !== undefined && p.path ? text.slice(off, off + 200) : undefined;
      const excerpt = p.excerpt ?? (window !== undefined ? window.slice(0, Math.min(skipValue(window, 0), 80)) : undefined);
      return { severity: p.severity, message: p.message, file, line: pos?.line, column: pos?.column, excerpt: excerpt || undefined };
    });
    if (this.dropped > 0) out.push({ severity: 'warning', file, message: `${this.dropped} more problem(s) not shown` });
    return out;
  }
}

function describeJson(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return `string ${truncate(JSON.stringify(v))}`;
  if (typeof v === 'number' || typeof v === 'bigint') return `number ${String(v)}`;
  if (typeof v === 'boolean') return `boolean ${v}`;
  let text: string;
  try {
    text = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)) ?? String(v);
  } catch {
    text = '?';
  }
  return `${Array.isArray(v) ? 'array' : 'object'} ${truncate(text)}`;
}

function truncate(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

function describeValue(v: OvsdbValue): string {
  if (isOvsdbSet(v)) return `a set of ${v.items.length} (${truncate(v.items.map(atomText).join(', '))})`;
  if (isOvsdbMap(v)) return `a map of ${v.entries.length}`;
  if (typeof v === 'string') return `string ${truncate(JSON.stringify(v))}`;
  if (typeof v === 'object') return v.kind === 'uuid' ? `uuid ${v.uuid}` : `named-uuid ${v.name}`;
  return `${typeof v === 'bigint' ? 'number' : typeof v} ${String(v)}`;
}

// =============================================================================================
// Generic table

/** Column lists of `list <table>` in OVS 3.1.0 / OVN 23.03.1 (used only when headings are missing). */
export const KNOWN_HEADINGS = {
  ovs: {
    Bridge: '_uuid auto_attach controller datapath_id datapath_type datapath_version external_ids fail_mode flood_vlans flow_tables ipfix mcast_snooping_enable mirrors name netflow other_config ports protocols rstp_enable rstp_status sflow status stp_enable',
    Interface: '_uuid admin_state bfd bfd_status cfm_fault cfm_fault_status cfm_flap_count cfm_health cfm_mpid cfm_remote_mpids cfm_remote_opstate duplex error external_ids ifindex ingress_policing_burst ingress_policing_kpkts_burst ingress_policing_kpkts_rate ingress_policing_rate lacp_current link_resets link_speed link_state lldp mac mac_in_use mtu mtu_request name ofport ofport_request options other_config statistics status type',
    Open_vSwitch: '_uuid bridges cur_cfg datapath_types datapaths db_version dpdk_initialized dpdk_version external_ids iface_types manager_options next_cfg other_config ovs_version ssl statistics system_type system_version',
    Port: '_uuid bond_active_slave bond_downdelay bond_fake_iface bond_mode bond_updelay cvlans external_ids fake_bridge interfaces lacp mac name other_config protected qos rstp_statistics rstp_status statistics status tag trunks vlan_mode',
  },
  sb: {
    Chassis: '_uuid encaps external_ids hostname name nb_cfg other_config transport_zones vtep_logical_switches',
    Datapath_Binding: '_uuid external_ids load_balancers tunnel_key',
    Encap: '_uuid chassis_name ip options type',
    HA_Chassis: '_uuid chassis external_ids priority',
    HA_Chassis_Group: '_uuid external_ids ha_chassis name ref_chassis',
    Load_Balancer: '_uuid datapath_group datapaths external_ids name options protocol vips',
    Logical_DP_Group: '_uuid datapaths',
    Logical_Flow: '_uuid actions controller_meter external_ids logical_datapath logical_dp_group match pipeline priority table_id tags hash',
    MAC_Binding: '_uuid datapath ip logical_port mac timestamp',
    Multicast_Group: '_uuid datapath name ports tunnel_key',
    Port_Binding: '_uuid additional_chassis additional_encap chassis datapath encap external_ids gateway_chassis ha_chassis_group logical_port mac mirror_rules nat_addresses options parent_port port_security requested_additional_chassis requested_chassis tag tunnel_key type up virtual_parent',
  },
  nb: {
    ACL: '_uuid action direction external_ids label log match meter name options priority severity',
    Address_Set: '_uuid addresses external_ids name',
    Gateway_Chassis: '_uuid chassis_name external_ids name options priority',
    Load_Balancer: '_uuid external_ids health_check ip_port_mappings name options protocol selection_fields vips',
    Load_Balancer_Group: '_uuid load_balancer name',
    Logical_Router: '_uuid copp enabled external_ids load_balancer load_balancer_group name nat options policies ports static_routes',
    Logical_Router_Port: '_uuid enabled external_ids gateway_chassis ha_chassis_group ipv6_prefix ipv6_ra_configs mac name networks options peer',
    Logical_Router_Static_Route: '_uuid bfd external_ids ip_prefix nexthop options output_port policy route_table',
    Logical_Switch: '_uuid acls copp dns_records external_ids forwarding_groups load_balancer load_balancer_group name other_config ports qos_rules',
    Logical_Switch_Port: '_uuid addresses dhcpv4_options dhcpv6_options dynamic_addresses enabled external_ids ha_chassis_group mirror_rules name options parent_name port_security tag tag_request type up',
    Meter: '_uuid bands external_ids fair name unit',
    NAT: '_uuid allowed_ext_ips exempted_ext_ips external_ids external_ip external_mac external_port_range gateway_port logical_ip logical_port options type',
    Port_Group: '_uuid acls external_ids name ports',
  },
} as const satisfies Record<'ovs' | 'sb' | 'nb', Record<string, string>>;

export type OvsdbDbName = keyof typeof KNOWN_HEADINGS;

export interface OvsdbParseOptions {
  /**
   * Which table this is, e.g. `{ db: 'sb', table: 'Logical_Flow' }`: lets a dump whose headings were
   * lost (truncated output) still be read, when the row width matches KNOWN_HEADINGS.
   */
  readonly table?: { readonly db: OvsdbDbName; readonly table: string };
  /** Headings to use when the output has none (takes precedence over `table`). */
  readonly fallbackHeadings?: readonly string[];
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function readJson(text: string, native: boolean): { value: Json | undefined; native?: true; error?: { offset: number; message: string }; incomplete?: WeakSet<object> } {
  // Fast path: the native parser. A dump cut short does not end with "}": skip the native attempt
  // (it would parse it all to fail). An integer beyond 2^53 loses digits in JSON.parse: the cells
  // decoder notices (`Problems.inexact`) and the caller reads the text again with the reader below.
  if (native && /\}\s*$/.test(text.slice(-64))) {
    try {
      return { value: JSON.parse(text) as Json, native: true };
    } catch {
      // fall through to the tolerant reader, which says where and keeps what it can
    }
  }
  const r = new JsonReader(text, { bigints: true });
  const value = r.document();
  return { value, error: r.error, incomplete: r.incomplete };
}

/** Parses one `--format=json` table. */
export function parseOvsdbJson(text: string, file?: string, options: OvsdbParseOptions = {}): Parsed<OvsdbTable> {
  let problems = new Problems();
  let value: Json | undefined;
  let incomplete: WeakSet<object> | undefined;
  if (typeof text !== 'string') {
    problems.add({ severity: 'error', message: `expected text, got ${describeJson(text)}` });
    return { value: { headings: [], rows: [] }, diagnostics: problems.resolve(undefined, file) };
  }
  if (text.trim() === '') {
    problems.add({ severity: 'error', message: 'empty output: expected {"data":[…],"headings":[…]}' });
    return { value: { headings: [], rows: [] }, diagnostics: problems.resolve(text, file) };
  }
  for (let native = true; ; native = false) {
    const r = readJson(text, native);
    value = r.value;
    incomplete = r.incomplete;
    if (r.error) problems.add({ severity: 'error', message: `JSON: ${r.error.message}`, offset: r.error.offset, excerpt: text.slice(Math.max(0, r.error.offset - 20), r.error.offset + 20) });
    const table = tableFromJson(value, incomplete, problems, options);
    // A cell held an integer beyond 2^53 that JSON.parse rounded: again, exactly (bigint).
    if (r.native && problems.inexact) {
      problems = new Problems();
      continue;
    }
    return { value: table, diagnostics: problems.resolve(text, file) };
  }
}

/** Same as parseOvsdbJson for an already-parsed JSON value (positions are then JSON paths only). */
export function ovsdbTableFromJson(value: unknown, file?: string, options: OvsdbParseOptions = {}): Parsed<OvsdbTable> {
  const problems = new Problems();
  const table = tableFromJson(value as Json, undefined, problems, options);
  return { value: table, diagnostics: problems.resolve(undefined, file) };
}

function tableFromJson(value: Json | undefined, incomplete: WeakSet<object> | undefined, problems: Problems, options: OvsdbParseOptions): OvsdbTable {
  if (value === undefined) return { headings: [], rows: [] };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.at([], `expected an object {"data":[…],"headings":[…]}, got ${describeJson(value)}`);
    return { headings: [], rows: [] };
  }
  // headings
  let headings: string[] | undefined;
  let partialHeadings: string[] | undefined;
  const rawHeadings = hasOwn(value, 'headings') ? value.headings : undefined;
  if (rawHeadings !== undefined) {
    if (!Array.isArray(rawHeadings)) {
      problems.at(['headings'], `expected an array of column names, got ${describeJson(rawHeadings)}`);
    } else {
      headings = rawHeadings.map((h, i) => {
        if (typeof h === 'string') return h;
        problems.at(['headings', i], `expected a column name (string), got ${describeJson(h)}`);
        return `#${i}`;
      });
      const seen = new Set<string>();
      for (const [i, h] of headings.entries()) {
        if (seen.has(h)) problems.at(['headings', i], `column "${h}" appears twice; the later one wins`, 'warning');
        seen.add(h);
      }
      if (incomplete?.has(rawHeadings)) {
        // The output ends inside the headings: keep the names read so far, fill in the rest below.
        partialHeadings = headings;
        headings = undefined;
      }
    }
  }
  // data
  const rawData = hasOwn(value, 'data') ? value.data : undefined;
  let data: Json[] = [];
  if (rawData === undefined) {
    problems.at([], incomplete?.has(value) ? 'no "data" member (output truncated?)' : 'no "data" member: expected {"data":[…],"headings":[…]}');
  } else if (!Array.isArray(rawData)) {
    problems.at(['data'], `expected an array of rows, got ${describeJson(rawData)}`);
  } else data = rawData;

  if (headings === undefined) {
    const width = data.find((r): r is Json[] => Array.isArray(r) && !incomplete?.has(r))?.length;
    const known = options.table ? (KNOWN_HEADINGS[options.table.db] as Record<string, string>)[options.table.table]?.split(' ') : undefined;
    const truncated = incomplete?.has(value) ?? false;
    const what = partialHeadings ? `"headings" incomplete (${partialHeadings.length} read)` : `no "headings"${truncated ? ' (output truncated?)' : ''}`;
    const partial = partialHeadings ?? [];
    const isPrefix = (full: readonly string[]) => partial.length <= full.length && partial.every((h, i) => full[i] === h);
    if (options.fallbackHeadings && isPrefix(options.fallbackHeadings)) {
      headings = [...options.fallbackHeadings];
      problems.at([], `${what}; using the ${headings.length} column names given by the caller`, 'warning');
    } else if (known && (width === undefined || width === known.length) && isPrefix(known)) {
      headings = known;
      problems.at([], `${what}; assuming the ${known.length} columns of ${options.table!.table} in OVS 3.1 / OVN 23.03 (rows have the same width)`, 'warning');
    } else {
      headings = [...partial, ...Array.from({ length: Math.max(0, (width ?? 0) - partial.length) }, (_, i) => `#${partial.length + i}`)];
      if (rawHeadings === undefined || partialHeadings) {
        problems.at(
          partialHeadings ? ['headings'] : [],
          `${what}; ${partial.length ? 'the other columns' : 'columns'} are named #${partial.length}, #${partial.length + 1}, …${known ? ` (rows have ${width} cells, ${options.table!.table} in OVS 3.1 / OVN 23.03 has ${known.length})` : ''}`,
          partialHeadings ? 'warning' : 'error',
        );
      }
    }
  }

  const rows: OvsdbRow[] = [];
  const hIndex = new Map<string, number>();
  headings.forEach((h, i) => hIndex.set(h, i));
  for (let i = 0; i < data.length; i++) {
    const raw = data[i];
    if (!Array.isArray(raw)) {
      problems.at(['data', i], `expected a row (array of cells), got ${describeJson(raw)}`);
      continue;
    }
    if (incomplete?.has(raw)) {
      problems.at(['data', i], `row ${i} is incomplete (output ends inside it); skipped`, 'warning');
      continue;
    }
    if (raw.length !== headings.length) {
      problems.at(['data', i], `row has ${raw.length} cells but there are ${headings.length} headings`);
    }
    const cells = new Map<string, OvsdbValue>();
    const n = Math.min(raw.length, headings.length);
    for (let c = 0; c < n; c++) {
      const v = decodeValue(raw[c], i, c, problems);
      if (v !== undefined) cells.set(headings[c], v);
    }
    const u = cells.get('_uuid');
    const uuid = u === undefined ? undefined : asUuid(u);
    if (u !== undefined && uuid === undefined) problems.at(['data', i, hIndex.get('_uuid') ?? 0], `"_uuid" should be ["uuid","…"], got ${describeValue(u)}`);
    rows.push({ index: i, uuid, cells });
  }
  return { headings, rows };
}

const BAD_ATOM = Symbol('bad atom');

/** One atom, or BAD_ATOM; the caller reports it with the path it knows. */
function decodeAtom(j: Json): OvsdbAtom | typeof BAD_ATOM {
  switch (typeof j) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return j;
    case 'number':
      return Number.isFinite(j) ? j : BAD_ATOM;
    default:
      break;
  }
  if (Array.isArray(j) && j.length === 2 && typeof j[1] === 'string') {
    if (j[0] === 'uuid') return { kind: 'uuid', uuid: j[1] };
    if (j[0] === 'named-uuid') return { kind: 'named-uuid', name: j[1] };
  }
  return BAD_ATOM;
}

/** Decodes the atom at data[row][col] (or data[row][col][1][k] / …[1][k][e] inside a set or map). */
function atomAt(j: Json, problems: Problems, row: number, col: number, k = -1, e = -1): OvsdbAtom | undefined {
  const a = decodeAtom(j);
  if (typeof a === 'number' && !Number.isSafeInteger(a) && Number.isInteger(a)) problems.inexact = true;
  if (a === BAD_ATOM || (typeof a === 'object' && a.kind === 'uuid' && !isUuidText(a.uuid))) return atomProblem(j, a, problems, row, col, k, e);
  return a;
}

function atomProblem(j: Json, a: OvsdbAtom | typeof BAD_ATOM, problems: Problems, row: number, col: number, k: number, e: number): OvsdbAtom | undefined {
  const path: (string | number)[] = ['data', row, col];
  if (k >= 0) path.push(1, k);
  if (e >= 0) path.push(e);
  if (a === BAD_ATOM) {
    problems.at(path, typeof j === 'number' ? 'number out of range' : `expected an atom (string, number, boolean, ["uuid",…] or ["named-uuid",…]), got ${describeJson(j)}`);
    return undefined;
  }
  if (typeof a === 'object' && a.kind === 'uuid') problems.at(path, `"${truncate(a.uuid, 40)}" is not a UUID (kept as is)`, 'warning');
  return a;
}

function decodeValue(j: Json, row: number, col: number, problems: Problems): OvsdbValue | undefined {
  if (Array.isArray(j) && j.length >= 1 && (j[0] === 'set' || j[0] === 'map')) {
    const tag = j[0];
    const payload = j[1];
    if (j.length !== 2 || !Array.isArray(payload)) {
      problems.at(['data', row, col], `expected ["${tag}", […]], got ${describeJson(j)}`);
      return undefined;
    }
    // Empty sets and maps (most optional columns) share one frozen value. Otherwise the arrays
    // JSON.parse made (used nowhere else) are taken over as they are when every atom in them is
    // already what it decodes to (strings, numbers, booleans): less garbage to collect.
    if (payload.length === 0) return tag === 'set' ? EMPTY_SET : EMPTY_MAP;
    if (tag === 'set') {
      let items: OvsdbAtom[] | undefined;
      for (let k = 0; k < payload.length; k++) {
        const a = atomAt(payload[k], problems, row, col, k);
        if (items === undefined && a !== payload[k]) items = (payload as OvsdbAtom[]).slice(0, k);
        if (items !== undefined && a !== undefined) items.push(a);
      }
      return { kind: 'set', items: items ?? (payload as OvsdbAtom[]) };
    }
    let entries: (readonly [OvsdbAtom, OvsdbAtom])[] | undefined;
    for (let k = 0; k < payload.length; k++) {
      const pair = payload[k];
      if (!Array.isArray(pair) || pair.length !== 2) {
        problems.at(['data', row, col, 1, k], `expected a [key, value] pair, got ${describeJson(pair)}`);
        entries ??= (payload as [OvsdbAtom, OvsdbAtom][]).slice(0, k);
        continue;
      }
      const key = atomAt(pair[0], problems, row, col, k, 0);
      const val = atomAt(pair[1], problems, row, col, k, 1);
      const same = key === pair[0] && val === pair[1];
      if (entries === undefined && !same) entries = (payload as [OvsdbAtom, OvsdbAtom][]).slice(0, k);
      if (entries !== undefined && key !== undefined && val !== undefined) entries.push(same ? (pair as [OvsdbAtom, OvsdbAtom]) : [key, val]);
    }
    return { kind: 'map', entries: entries ?? (payload as [OvsdbAtom, OvsdbAtom][]) };
  }
  return atomAt(j, problems, row, col);
}

// =============================================================================================
// Typed rows

export interface ConvertOptions {
  /** File the table came from, copied into diagnostics. */
  readonly file?: string;
  /** The table's JSON text, to give diagnostics a line and column. */
  readonly text?: string;
}

/** A converter from a generic table to typed rows. */
export type RowConverter<T> = (table: OvsdbTable, options?: ConvertOptions) => Parsed<T[]>;

const boolText = (s: string | undefined): boolean | undefined => (s === 'true' ? true : s === 'false' ? false : undefined);
const intText = (s: string | undefined): number | undefined => (s !== undefined && /^-?\d{1,15}$/.test(s.trim()) ? Number(s.trim()) : undefined);
const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s);
const emptyMap = (): StringMap => Object.create(null) as StringMap;

/** Reads cells of one row by column name; wrong types become warnings, never throws. */
class RowReader {
  constructor(
    private readonly tableName: string,
    private readonly headingIndex: ReadonlyMap<string, number>,
    readonly row: OvsdbRow,
    private readonly problems: Problems,
  ) {}

  get uuid(): string {
    return this.row.uuid ?? '';
  }

  private bad(col: string, expected: string, v: OvsdbValue): void {
    const who = `${this.tableName} row ${this.row.index}${this.row.uuid ? ` (${this.row.uuid})` : ''}`;
    this.problems.at(['data', this.row.index, this.headingIndex.get(col) ?? col], `${who}: column "${col}": expected ${expected}, got ${describeValue(v)}`, 'warning');
  }

  private read<T>(col: string, expected: string, conv: (v: OvsdbValue) => T | undefined): T | undefined {
    const v = this.row.cells.get(col);
    if (v === undefined || (isOvsdbSet(v) && v.items.length === 0)) return undefined;
    const x = conv(v);
    if (x === undefined) this.bad(col, expected, v);
    return x;
  }

  str(col: string): string | undefined {
    return this.read(col, 'a string', asString);
  }

  /** Required string column: '' when absent (the OVSDB default of a string column). */
  text(col: string): string {
    return this.str(col) ?? '';
  }

  int(col: string): number | undefined {
    return this.read(col, 'an integer', asInt);
  }

  real(col: string): number | undefined {
    return this.read(col, 'a number', asReal);
  }

  bool(col: string): boolean | undefined {
    return this.read(col, 'a boolean', asBool);
  }

  ref(col: string): string | undefined {
    return this.read(col, 'a ["uuid",…] reference', asUuid);
  }

  strSet(col: string): string[] {
    return this.read(col, 'a set of strings', asStringSet) ?? [];
  }

  refSet(col: string): string[] {
    return this.read(col, 'a set of ["uuid",…] references', asUuidSet) ?? [];
  }

  intSet(col: string): number[] {
    return this.read(col, 'a set of integers', asIntSet) ?? [];
  }

  map(col: string): StringMap {
    const v = this.row.cells.get(col);
    if (v === undefined || isEmpty(v)) return emptyMap();
    const m = asMap(v);
    if (m === undefined) {
      this.bad(col, 'a map', v);
      return emptyMap();
    }
    return m;
  }

  intMap(col: string): Readonly<Record<string, number | bigint>> {
    const out = Object.create(null) as Record<string, number | bigint>;
    const v = this.row.cells.get(col);
    if (v === undefined || isEmpty(v)) return out;
    if (!isOvsdbMap(v)) {
      this.bad(col, 'a map', v);
      return out;
    }
    for (const [k, x] of v.entries) {
      if (typeof x === 'number' || typeof x === 'bigint') out[atomText(k)] = x;
      else if (typeof x === 'string' && /^-?\d+$/.test(x)) out[atomText(k)] = Number.isSafeInteger(Number(x)) ? Number(x) : BigInt(x);
    }
    return out;
  }

  /** A string→string map key whose text must be a boolean `"true"`/`"false"`. */
  mapBool(m: StringMap, col: string, key: string): boolean | undefined {
    const s = m[key];
    if (s === undefined) return undefined;
    const b = boolText(s);
    if (b === undefined) this.problems.at(['data', this.row.index, this.headingIndex.get(col) ?? col], `${this.tableName} row ${this.row.index}: ${col}:${key}="${truncate(s, 40)}" is not "true" or "false"`, 'warning');
    return b;
  }

  mapInt(m: StringMap, col: string, key: string): number | undefined {
    const s = m[key];
    if (s === undefined) return undefined;
    const n = intText(s);
    if (n === undefined) this.problems.at(['data', this.row.index, this.headingIndex.get(col) ?? col], `${this.tableName} row ${this.row.index}: ${col}:${key}="${truncate(s, 40)}" is not an integer`, 'warning');
    return n;
  }
}

function converter<T>(tableName: string, build: (r: RowReader) => T): RowConverter<T> {
  return (table, options = {}) => {
    const problems = new Problems();
    const out: T[] = [];
    if (!table || !Array.isArray(table.rows) || !Array.isArray(table.headings)) {
      problems.add({ severity: 'error', message: `${tableName}: expected an OVSDB table, got ${describeJson(table)}` });
      return { value: out, diagnostics: problems.resolve(undefined, options.file) };
    }
    const headingIndex = new Map<string, number>();
    table.headings.forEach((h, i) => headingIndex.set(h, i));
    for (const row of table.rows) out.push(build(new RowReader(tableName, headingIndex, row, problems)));
    return { value: out, diagnostics: problems.resolve(options.text, options.file) };
  };
}

/** Parses the text and converts it in one step; diagnostics of both steps carry line/column. */
export function parseOvsdbRows<T>(text: string, convert: RowConverter<T>, file?: string, options: OvsdbParseOptions = {}): Parsed<T[]> {
  const table = parseOvsdbJson(text, file, options);
  const typed = convert(table.value, { file, text: typeof text === 'string' ? text : undefined });
  return { value: typed.value, diagnostics: [...table.diagnostics, ...typed.diagnostics] };
}

const splitList = (s: string | undefined): string[] => (s === undefined ? [] : s.split(',').map((x) => x.trim()).filter((x) => x.length > 0));

/** `physnet1:br-phys,physnet2:br-ex` → { physnet1: 'br-phys', physnet2: 'br-ex' }. */
export function parseBridgeMappings(s: string | undefined): StringMap {
  const out = Object.create(null) as Record<string, string>;
  for (const item of splitList(s)) {
    const i = item.indexOf(':');
    if (i > 0) out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

// ---- OVS -------------------------------------------------------------------------------------

export const toOpenVswitch: RowConverter<OpenVswitch> = converter('Open_vSwitch', (r) => {
  const ext = r.map('external_ids');
  const other = r.map('other_config');
  return {
    uuid: r.uuid,
    bridges: r.refSet('bridges'),
    externalIds: ext,
    otherConfig: other,
    ovsVersion: r.str('ovs_version'),
    dbVersion: r.str('db_version'),
    systemType: r.str('system_type'),
    systemVersion: r.str('system_version'),
    datapathTypes: r.strSet('datapath_types'),
    ifaceTypes: r.strSet('iface_types'),
    dpdkInitialized: r.bool('dpdk_initialized'),
    systemId: ext['system-id'],
    hostname: ext.hostname,
    ovnEncapIp: ext['ovn-encap-ip'],
    ovnEncapIps: splitList(ext['ovn-encap-ip']),
    ovnEncapType: ext['ovn-encap-type'],
    ovnEncapTypes: splitList(ext['ovn-encap-type']),
    ovnEncapCsum: r.mapBool(ext, 'external_ids', 'ovn-encap-csum'),
    ovnRemote: ext['ovn-remote'],
    ovnBridge: ext['ovn-bridge'],
    ovnBridgeMappingsText: ext['ovn-bridge-mappings'],
    ovnBridgeMappings: parseBridgeMappings(ext['ovn-bridge-mappings']),
    hwOffload: r.mapBool(other, 'other_config', 'hw-offload'),
    tcPolicy: other['tc-policy'],
    raw: r.row,
  };
});

export const toOvsBridges: RowConverter<OvsBridge> = converter('Bridge', (r) => {
  const ext = r.map('external_ids');
  const ovnCtZones = Object.create(null) as Record<string, number>;
  for (const [k, v] of Object.entries(ext)) {
    const zone = intText(v);
    if (k.startsWith('ct-zone-') && zone !== undefined) ovnCtZones[k.slice('ct-zone-'.length)] = zone;
  }
  return {
    uuid: r.uuid,
    name: r.text('name'),
    ports: r.refSet('ports'),
    datapathType: r.str('datapath_type'),
    datapathId: r.str('datapath_id'),
    failMode: r.str('fail_mode'),
    protocols: r.strSet('protocols'),
    controller: r.refSet('controller'),
    externalIds: ext,
    otherConfig: r.map('other_config'),
    status: r.map('status'),
    ovnCtZones,
    raw: r.row,
  };
});

export const toOvsPorts: RowConverter<OvsPort> = converter('Port', (r) => {
  const ext = r.map('external_ids');
  return {
    uuid: r.uuid,
    name: r.text('name'),
    interfaces: r.refSet('interfaces'),
    tag: r.int('tag'),
    trunks: r.intSet('trunks'),
    vlanMode: r.str('vlan_mode'),
    bondMode: r.str('bond_mode'),
    bondActiveSlave: r.str('bond_active_slave'),
    lacp: r.str('lacp'),
    otherConfig: r.map('other_config'),
    externalIds: ext,
    ovnChassisId: ext['ovn-chassis-id'],
    raw: r.row,
  };
});

export const toOvsInterfaces: RowConverter<OvsInterface> = converter('Interface', (r) => {
  const options = r.map('options');
  const ext = r.map('external_ids');
  const status = r.map('status');
  return {
    uuid: r.uuid,
    name: r.text('name'),
    type: r.text('type'),
    ofport: r.int('ofport'),
    ofportRequest: r.int('ofport_request'),
    options,
    remoteIp: options.remote_ip,
    localIp: options.local_ip,
    key: options.key,
    csum: r.mapBool(options, 'options', 'csum'),
    dstPort: r.mapInt(options, 'options', 'dst_port'),
    dfDefault: r.mapBool(options, 'options', 'df_default'),
    peer: options.peer,
    externalIds: ext,
    ifaceId: ext['iface-id'],
    ovnChassisId: ext['ovn-chassis-id'],
    status,
    tunnelEgressIface: status.tunnel_egress_iface,
    tunnelEgressIfaceCarrier: status.tunnel_egress_iface_carrier,
    mtu: r.int('mtu'),
    mtuRequest: r.int('mtu_request'),
    bfd: r.map('bfd'),
    bfdStatus: r.map('bfd_status'),
    linkState: r.str('link_state'),
    adminState: r.str('admin_state'),
    linkSpeed: r.int('link_speed'),
    duplex: r.str('duplex'),
    mac: r.str('mac'),
    macInUse: r.str('mac_in_use'),
    ifindex: r.int('ifindex'),
    error: r.str('error'),
    otherConfig: r.map('other_config'),
    statistics: r.intMap('statistics'),
    raw: r.row,
  };
});

/**
 * Resolves Bridge → Port → Interface references into per-bridge port lists with ofport/name
 * lookups. Dangling references (rows missing from a partial dump) are warnings, except into a
 * listing the caller says is incomplete (not collected, or damaged): every reference into it may
 * dangle, and the cause is reported once, where the listing is read.
 */
export function buildBridgeMap(
  bridges: readonly OvsBridge[],
  ports: readonly OvsPort[],
  interfaces: readonly OvsInterface[],
  file?: string,
  inputs: { readonly portsIncomplete?: boolean; readonly interfacesIncomplete?: boolean } = {},
): Parsed<OvsBridgeMap> {
  const diagnostics: Diagnostic[] = [];
  const warn = (message: string) => {
    if (diagnostics.length < MAX_DIAGNOSTICS) diagnostics.push({ severity: 'warning', file, message });
  };
  const portsByUuid = new Map(ports.map((p) => [p.uuid, p] as const));
  const ifacesByUuid = new Map(interfaces.map((i) => [i.uuid, i] as const));
  const claimedPort = new Map<string, string>();
  const out = new Map<string, OvsBridgePorts>();
  const bridgeOfInterface = new Map<string, string>();
  for (const bridge of bridges) {
    const bports: OvsBridgePort[] = [];
    const byOfport = new Map<number, OvsInterface>();
    const byName = new Map<string, OvsInterface>();
    const portOfInterface = new Map<string, OvsPort>();
    for (const pu of bridge.ports) {
      const port = portsByUuid.get(pu);
      if (!port) {
        if (!inputs.portsIncomplete) warn(`bridge ${bridge.name}: port ${pu} is not in the Port table`);
        continue;
      }
      const prev = claimedPort.get(pu);
      if (prev !== undefined) warn(`port ${port.name} is in bridges ${prev} and ${bridge.name}`);
      claimedPort.set(pu, bridge.name);
      const ifs: OvsInterface[] = [];
      for (const iu of port.interfaces) {
        const iface = ifacesByUuid.get(iu);
        if (!iface) {
          if (!inputs.interfacesIncomplete) warn(`bridge ${bridge.name}, port ${port.name}: interface ${iu} is not in the Interface table`);
          continue;
        }
        ifs.push(iface);
        portOfInterface.set(iface.uuid, port);
        byName.set(iface.name, iface);
        bridgeOfInterface.set(iface.name, bridge.name);
        if (iface.ofport !== undefined && iface.ofport >= 0) {
          const other = byOfport.get(iface.ofport);
          if (other && other !== iface) warn(`bridge ${bridge.name}: ofport ${iface.ofport} is used by ${other.name} and ${iface.name}`);
          byOfport.set(iface.ofport, iface);
        }
      }
      bports.push({ port, interfaces: ifs });
    }
    if (out.has(bridge.name)) warn(`bridge name ${bridge.name} appears twice`);
    out.set(bridge.name, { bridge, ports: bports, byOfport, byName, portOfInterface });
  }
  return { value: { bridges: out, bridgeOfInterface }, diagnostics };
}

// ---- SB --------------------------------------------------------------------------------------

export const toSbChassis: RowConverter<SbChassis> = converter('Chassis', (r) => ({
  uuid: r.uuid,
  name: r.text('name'),
  hostname: r.str('hostname'),
  encaps: r.refSet('encaps'),
  externalIds: r.map('external_ids'),
  otherConfig: r.map('other_config'),
  nbCfg: r.int('nb_cfg'),
  transportZones: r.strSet('transport_zones'),
  raw: r.row,
}));

export const toSbChassisPrivate: RowConverter<SbChassisPrivate> = converter('Chassis_Private', (r) => ({
  uuid: r.uuid,
  name: r.text('name'),
  chassis: r.ref('chassis'),
  nbCfg: r.int('nb_cfg'),
  nbCfgTimestamp: r.int('nb_cfg_timestamp'),
  raw: r.row,
}));

export const toSbGlobal: RowConverter<SbGlobal> = converter('SB_Global', (r) => ({ uuid: r.uuid, nbCfg: r.int('nb_cfg'), raw: r.row }));

export const toSbHaChassisGroups: RowConverter<SbHaChassisGroup> = converter('HA_Chassis_Group', (r) => ({
  uuid: r.uuid,
  name: r.text('name'),
  haChassis: r.refSet('ha_chassis'),
  externalIds: r.map('external_ids'),
  raw: r.row,
}));

export const toSbHaChassis: RowConverter<SbHaChassis> = converter('HA_Chassis', (r) => {
  const externalIds = r.map('external_ids');
  return { uuid: r.uuid, chassis: r.ref('chassis'), chassisName: nonEmpty(externalIds['chassis-name']), priority: r.int('priority'), externalIds, raw: r.row };
});

export const toSbEncaps: RowConverter<SbEncap> = converter('Encap', (r) => {
  const options = r.map('options');
  return {
    uuid: r.uuid,
    type: r.text('type'),
    ip: r.text('ip'),
    chassisName: r.text('chassis_name'),
    options,
    csum: r.mapBool(options, 'options', 'csum'),
    dstPort: r.mapInt(options, 'options', 'dst_port'),
    raw: r.row,
  };
});

function podOf(logicalPort: string, ext: StringMap): SbPortBinding['pod'] {
  const pod = ext.pod;
  if (pod === undefined || pod === '' || pod === 'false') return undefined;
  if (pod.includes('/')) {
    // Kube-OVN: pod = "namespace/name"
    const i = pod.indexOf('/');
    return { namespace: pod.slice(0, i), name: pod.slice(i + 1) };
  }
  // OVN-Kubernetes: pod=true, namespace=<ns>, port name "<ns>_<pod>"
  const ns = nonEmpty(ext.namespace);
  if (ns && logicalPort.startsWith(`${ns}_`)) return { namespace: ns, name: logicalPort.slice(ns.length + 1) };
  const i = logicalPort.indexOf('_');
  if (pod === 'true' && i > 0) return { namespace: ns ?? logicalPort.slice(0, i), name: logicalPort.slice(i + 1) };
  return { namespace: ns, name: pod === 'true' ? logicalPort : pod };
}

export const toSbPortBindings: RowConverter<SbPortBinding> = converter('Port_Binding', (r) => {
  const options = r.map('options');
  const ext = r.map('external_ids');
  const logicalPort = r.text('logical_port');
  return {
    uuid: r.uuid,
    logicalPort,
    type: r.text('type'),
    tunnelKey: r.int('tunnel_key'),
    datapath: r.ref('datapath'),
    chassis: r.ref('chassis'),
    additionalChassis: r.refSet('additional_chassis'),
    requestedChassis: r.ref('requested_chassis'),
    encap: r.ref('encap'),
    mac: r.strSet('mac'),
    portSecurity: r.strSet('port_security'),
    natAddresses: r.strSet('nat_addresses'),
    options,
    externalIds: ext,
    neutronPortName: ext['neutron:port_name'],
    neutronDeviceId: ext['neutron:device_id'],
    pod: podOf(logicalPort, ext),
    up: r.bool('up'),
    gatewayChassis: r.refSet('gateway_chassis'),
    haChassisGroup: r.ref('ha_chassis_group'),
    parentPort: r.str('parent_port'),
    tag: r.int('tag'),
    virtualParent: r.str('virtual_parent'),
    peer: options.peer,
    raw: r.row,
  };
});

export const toSbDatapathBindings: RowConverter<SbDatapathBinding> = converter('Datapath_Binding', (r) => {
  const ext = r.map('external_ids');
  const ls = ext['logical-switch'];
  const lr = ext['logical-router'];
  return {
    uuid: r.uuid,
    tunnelKey: r.int('tunnel_key'),
    externalIds: ext,
    name: ext.name,
    logicalSwitch: ls,
    logicalRouter: lr,
    kind: ls !== undefined ? 'switch' : lr !== undefined ? 'router' : undefined,
    loadBalancers: r.refSet('load_balancers'),
    raw: r.row,
  };
});

export const toSbLogicalFlows: RowConverter<SbLogicalFlow> = converter('Logical_Flow', (r) => {
  const ext = r.map('external_ids');
  return {
    uuid: r.uuid,
    logicalDatapath: r.ref('logical_datapath'),
    logicalDpGroup: r.ref('logical_dp_group'),
    pipeline: r.text('pipeline'),
    tableId: r.int('table_id'),
    priority: r.int('priority'),
    match: r.text('match'),
    actions: r.text('actions'),
    externalIds: ext,
    stageName: ext['stage-name'],
    source: ext.source,
    stageHint: ext['stage-hint'],
    controllerMeter: r.str('controller_meter'),
    tags: r.map('tags'),
    cookie: cookieOf(r.uuid),
    raw: r.row,
  };
});

export const toSbLogicalDpGroups: RowConverter<SbLogicalDpGroup> = converter('Logical_DP_Group', (r) => ({
  uuid: r.uuid,
  datapaths: r.refSet('datapaths'),
  raw: r.row,
}));

export const toSbMulticastGroups: RowConverter<SbMulticastGroup> = converter('Multicast_Group', (r) => ({
  uuid: r.uuid,
  name: r.text('name'),
  datapath: r.ref('datapath'),
  tunnelKey: r.int('tunnel_key'),
  ports: r.refSet('ports'),
  raw: r.row,
}));

export const toSbMacBindings: RowConverter<SbMacBinding> = converter('MAC_Binding', (r) => ({
  uuid: r.uuid,
  logicalPort: r.text('logical_port'),
  ip: r.text('ip'),
  mac: r.text('mac'),
  datapath: r.ref('datapath'),
  timestamp: r.int('timestamp'),
  raw: r.row,
}));

export const toSbLoadBalancers: RowConverter<SbLoadBalancer> = converter('Load_Balancer', (r) => {
  const ext = r.map('external_ids');
  return {
    uuid: r.uuid,
    name: r.text('name'),
    vips: r.map('vips'),
    protocol: r.str('protocol'),
    datapaths: r.refSet('datapaths'),
    datapathGroup: r.ref('datapath_group'),
    options: r.map('options'),
    externalIds: ext,
    nbUuid: ext.lb_id,
    raw: r.row,
  };
});

// ---- NB --------------------------------------------------------------------------------------

export const toNbLogicalSwitches: RowConverter<NbLogicalSwitch> = converter('Logical_Switch', (r) => ({
  uuid: r.uuid,
  name: r.text('name'),
  ports: r.refSet('ports'),
  acls: r.refSet('acls'),
  loadBalancer: r.refSet('load_balancer'),
  loadBalancerGroup: r.refSet('load_balancer_group'),
  otherConfig: r.map('other_config'),
  externalIds: r.map('external_ids'),
  raw: r.row,
}));

export const toNbLogicalSwitchPorts: RowConverter<NbLogicalSwitchPort> = converter('Logical_Switch_Port', (r) => ({
  uuid: r.uuid,
  name: r.text('name'),
  type: r.text('type'),
  addresses: r.strSet('addresses'),
  dynamicAddresses: r.str('dynamic_addresses'),
  portSecurity: r.strSet('port_security'),
  options: r.map('options'),
  externalIds: r.map('external_ids'),
  tag: r.int('tag'),
  parentName: r.str('parent_name'),
  up: r.bool('up'),
  enabled: r.bool('enabled'),
  raw: r.row,
}));

export const toNbLogicalRouters: RowConverter<NbLogicalRouter> = converter('Logical_Router', (r) => ({
  uuid: r.uuid,
  name: r.text('name'),
  ports: r.refSet('ports'),
  nat: r.refSet('nat'),
  staticRoutes: r.refSet('static_routes'),
  policies: r.refSet('policies'),
  loadBalancer: r.refSet('load_balancer'),
  loadBalancerGroup: r.refSet('load_balancer_group'),
  options: r.map('options'),
  externalIds: r.map('external_ids'),
  enabled: r.bool('enabled'),
  raw: r.row,
}));

export const toNbLogicalRouterPorts: RowConverter<NbLogicalRouterPort> = converter('Logical_Router_Port', (r) => {
  const options = r.map('options');
  return {
    uuid: r.uuid,
    name: r.text('name'),
    mac: r.text('mac'),
    networks: r.strSet('networks'),
    peer: r.str('peer'),
    options,
    gatewayMtu: r.mapInt(options, 'options', 'gateway_mtu'),
    gatewayChassis: r.refSet('gateway_chassis'),
    haChassisGroup: r.ref('ha_chassis_group'),
    externalIds: r.map('external_ids'),
    enabled: r.bool('enabled'),
    raw: r.row,
  };
});

export const toNbAcls: RowConverter<NbAcl> = converter('ACL', (r) => ({
  uuid: r.uuid,
  name: r.str('name'),
  direction: r.text('direction'),
  priority: r.int('priority'),
  match: r.text('match'),
  action: r.text('action'),
  label: r.int('label'),
  log: r.bool('log'),
  meter: r.str('meter'),
  severity: r.str('severity'),
  options: r.map('options'),
  externalIds: r.map('external_ids'),
  tier: r.int('tier'),
  raw: r.row,
}));

export const toNbPortGroups: RowConverter<NbPortGroup> = converter('Port_Group', (r) => ({
  uuid: r.uuid,
  name: r.text('name'),
  ports: r.refSet('ports'),
  acls: r.refSet('acls'),
  externalIds: r.map('external_ids'),
  raw: r.row,
}));

export const toNbGatewayChassis: RowConverter<NbGatewayChassis> = converter('Gateway_Chassis', (r) => ({
  uuid: r.uuid,
  name: r.text('name'),
  chassisName: r.text('chassis_name'),
  priority: r.int('priority'),
  raw: r.row,
}));

export const toNbAddressSets: RowConverter<NbAddressSet> = converter('Address_Set', (r) => ({
  uuid: r.uuid,
  name: r.text('name'),
  addresses: r.strSet('addresses'),
  externalIds: r.map('external_ids'),
  raw: r.row,
}));

export const toNbLoadBalancers: RowConverter<NbLoadBalancer> = converter('Load_Balancer', (r) => ({
  uuid: r.uuid,
  name: r.text('name'),
  vips: r.map('vips'),
  protocol: r.str('protocol'),
  options: r.map('options'),
  externalIds: r.map('external_ids'),
  selectionFields: r.strSet('selection_fields'),
  healthCheck: r.refSet('health_check'),
  raw: r.row,
}));

export const toNbLoadBalancerGroups: RowConverter<NbLoadBalancerGroup> = converter('Load_Balancer_Group', (r) => ({
  uuid: r.uuid,
  name: r.text('name'),
  loadBalancer: r.refSet('load_balancer'),
  raw: r.row,
}));

export const toNbNats: RowConverter<NbNat> = converter('NAT', (r) => ({
  uuid: r.uuid,
  type: r.text('type'),
  externalIp: r.text('external_ip'),
  logicalIp: r.text('logical_ip'),
  logicalPort: r.str('logical_port'),
  externalMac: r.str('external_mac'),
  externalPortRange: nonEmpty(r.str('external_port_range')),
  gatewayPort: r.ref('gateway_port'),
  options: r.map('options'),
  externalIds: r.map('external_ids'),
  raw: r.row,
}));

export const toNbRouterPolicies: RowConverter<NbRouterPolicy> = converter('Logical_Router_Policy', (r) => {
  // nexthop is the deprecated single next hop; nexthops replaced it (OVN 21.03).
  const one = r.str('nexthop');
  const many = r.strSet('nexthops');
  return { uuid: r.uuid, priority: r.int('priority'), match: r.text('match'), action: r.text('action'), nexthops: many.length ? many : one ? [one] : [], options: r.map('options'), externalIds: r.map('external_ids'), raw: r.row };
});

export const toNbStaticRoutes: RowConverter<NbStaticRoute> = converter('Logical_Router_Static_Route', (r) => ({
  uuid: r.uuid,
  ipPrefix: r.text('ip_prefix'),
  nexthop: r.text('nexthop'),
  outputPort: r.str('output_port'),
  policy: r.str('policy'),
  routeTable: nonEmpty(r.str('route_table')),
  bfd: r.ref('bfd'),
  options: r.map('options'),
  externalIds: r.map('external_ids'),
  raw: r.row,
}));
