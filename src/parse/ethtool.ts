/**
 * Parsers for the NIC offload views the GENEVE offload audit reads (DOMAIN.md "GENEVE offload"):
 *
 * - `ethtool -k DEV` (text) and `ethtool --json -k DEV` → feature states with the exact meaning of
 *   `[fixed]` / `[requested on|off]` (ethtool `netlink/features.c`, `dump_feature()`):
 *   `[fixed]` = not in `hw_features` or never-change; `[requested X]` = wanted ≠ active.
 * - `ethtool -i DEV` → driver, version, firmware, bus-info.
 * - `ethtool --show-tunnels DEV` → UDP tunnel port tables (or "device does not report tunnel
 *   offload info", which is N/A, not a failure).
 * - `ethtool --version`.
 * - `/proc/net/bonding/<bond>` → mode, transmit hash policy, slaves.
 * - `tc -s filter show dev DEV ingress` → filter counts in_hw / not_in_hw / skip_sw / skip_hw.
 * - `devlink -j dev eswitch show` → e-switch mode per devlink device.
 * - `ovs-vsctl get Open_vSwitch . other_config` → the map, key by key, with lines.
 * - `ovs-appctl dpctl/dump-flows -m type=offloaded` → counts (flows, tunnel flows, per dp).
 *
 * Every parser returns value + diagnostics with 1-based line numbers and never throws. Text
 * outputs are read as people paste them too: tab, 8- or 9-space, NBSP (U+00A0) or lost
 * indentation, trailing spaces, CRLF, `#` fixture headers before the output.
 */
import type { Diagnostic, Parsed } from '../model/diagnostic.js';
import { readJson } from './frr.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_DIAGNOSTICS = 200;

/** Leading whitespace as pasted: spaces, tabs and no-break spaces (U+00A0, U+202F, U+2007). */
const INDENT = /^[ \t\u00a0\u2007\u202f]*/;
const TRAILING = /[ \t\u00a0\u2007\u202f\r]+$/;

interface TextLine {
  /** 1-based. */
  readonly no: number;
  readonly indent: string;
  /** Without indentation and trailing whitespace. */
  readonly text: string;
}

/** Splits text into lines; skips a leading block of `#` lines (fixture headers) and blank lines. */
function textLines(text: string): TextLine[] {
  const out: TextLine[] = [];
  const raw = typeof text === 'string' ? text.split('\n') : [];
  let header = true;
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i]!.replace(TRAILING, '');
    const indent = INDENT.exec(line)![0];
    const body = line.slice(indent.length);
    if (body === '') continue;
    if (header && body.startsWith('#')) continue;
    header = false;
    out.push({ no: i + 1, indent, text: body });
  }
  return out;
}

function diagSink(file: string | undefined) {
  const diagnostics: Diagnostic[] = [];
  const add = (severity: Diagnostic['severity'], line: number | undefined, message: string, excerpt?: string) => {
    if (diagnostics.length < MAX_DIAGNOSTICS) diagnostics.push({ severity, file, line, message, excerpt: excerpt?.slice(0, 200) });
  };
  return { diagnostics, add };
}

// ---------------------------------------------------------------------------------------------
// ethtool -k / --json -k

export interface FeatureState {
  readonly name: string;
  /** The feature is on now (ethtool's "on"/"off"; JSON `active`). */
  readonly active: boolean;
  /**
   * Not changeable by the administrator (`[fixed]`; JSON `fixed`): the driver does not offer it
   * in this mode, or it is a never-change feature. `null` for legacy group lines in JSON.
   */
  readonly fixed: boolean | null;
  /**
   * What the administrator asked for (the kernel's `wanted` bit; JSON `requested`). In text it is
   * known when not fixed: `[requested on|off]` when it differs from `active`, else equal to it.
   * `null` when unknown (text of a fixed feature, legacy groups).
   */
  readonly requested: boolean | null;
  /** A legacy group line (`tx-checksumming`, `scatter-gather`, `tcp-segmentation-offload`). */
  readonly group: boolean;
  /** The group line this feature is listed under, when known. */
  readonly parent?: string;
  readonly line: number;
  /** The line as printed (trimmed). */
  readonly raw: string;
}

export interface EthtoolFeatures {
  /** Device name from the header (`Features for eth0:`) or the JSON `ifname`. */
  readonly ifname?: string;
  readonly features: ReadonlyMap<string, FeatureState>;
  /** The header was there: the output is a whole `ethtool -k`, not a grep of it. */
  readonly complete: boolean;
  readonly format: 'text' | 'json';
}

/** How ethtool's bits read for an operator. */
export type FeatureStatus =
  | 'on' // active, changeable
  | 'on-fixed' // active and cannot be turned off
  | 'off-fixed' // capability missing (or not in this mode): not a misconfiguration
  | 'off-admin' // off because someone turned it off: actionable with `ethtool -K`
  | 'off-refused' // `off [requested on]`: asked for, kernel refused (dependency, upper device limited by lower)
  | 'on-unwanted'; // `on [requested off]`: asked off, kernel keeps it on

export function featureStatus(f: Pick<FeatureState, 'active' | 'fixed' | 'requested'>): FeatureStatus {
  if (f.fixed === true) return f.active ? 'on-fixed' : 'off-fixed';
  if (f.active) return f.requested === false ? 'on-unwanted' : 'on';
  return f.requested === true ? 'off-refused' : 'off-admin';
}

/** The suffix ethtool prints for these bits (for messages). */
export function featureText(f: Pick<FeatureState, 'active' | 'fixed' | 'requested'>): string {
  const v = f.active ? 'on' : 'off';
  if (f.fixed === true) return `${v} [fixed]`;
  if (f.requested !== null && f.requested !== f.active) return `${v} [requested ${f.requested ? 'on' : 'off'}]`;
  return v;
}

/** Legacy group lines and how their members are named (used when indentation was lost). */
const GROUPS: ReadonlyArray<readonly [string, RegExp]> = [
  ['tx-checksumming', /^tx-checksum-/],
  ['scatter-gather', /^tx-scatter-gather/],
  ['tcp-segmentation-offload', /^tx-tcp[0-9a-z-]*-segmentation$/],
];
const GROUP_NAMES = new Set(GROUPS.map(([g]) => g));

const FEATURE_RE = /^([A-Za-z0-9][A-Za-z0-9_.+-]*(?: [A-Za-z0-9_.+-]+)*):[ \t\u00a0]+(on|off)(?:[ \t\u00a0]+\[(fixed|requested on|requested off|not requested)\])?$/;
const HEADER_RE = /^(?:Features|Offload parameters) for (\S+?):$/;

/** `ethtool -k DEV` as printed (netlink ethtool ≥ 5.6, and the older ioctl form). */
export function parseEthtoolFeatures(text: string, file?: string): Parsed<EthtoolFeatures | undefined> {
  const { diagnostics, add } = diagSink(file);
  const features = new Map<string, FeatureState>();
  let ifname: string | undefined;
  let complete = false;
  let lastTop: { name: string; line: number } | undefined;
  let anyIndented = false;
  const pendingGroups = new Set<string>();
  const lines = textLines(text);
  for (const l of lines) if (l.indent) anyIndented = true;
  let stop = false;
  for (const l of lines) {
    if (stop) break;
    const h = HEADER_RE.exec(l.text);
    if (h) {
      if (ifname !== undefined) {
        add('warning', l.no, `a second device (${h[1]}) in one "ethtool -k" output; only ${ifname} is read`, l.text);
        stop = true;
        continue;
      }
      ifname = h[1];
      complete = true;
      continue;
    }
    const m = FEATURE_RE.exec(l.text);
    if (!m) {
      if (/^(netlink error|Cannot get|Cannot |ethtool: )/i.test(l.text)) add('error', l.no, `ethtool said: ${l.text}`, l.text);
      else add('warning', l.no, 'unrecognised line (expected "feature: on|off [fixed|requested on|requested off]")', l.text);
      continue;
    }
    const name = m[1]!;
    const active = m[2] === 'on';
    const suffix = m[3];
    if (suffix === 'not requested') add('warning', l.no, '"[not requested]" belongs to the "Actual changes:" output of ethtool -K, not to ethtool -k', l.text);
    const fixed = suffix === 'fixed';
    const requested = fixed ? null : suffix === 'requested on' ? true : suffix === 'requested off' ? false : active;
    let parent: string | undefined;
    if (l.indent) {
      if (lastTop) {
        parent = lastTop.name;
        pendingGroups.add(lastTop.name);
      } else add('warning', l.no, 'indented feature with no group line above it', l.text);
    } else {
      // Lost indentation: members still follow their group line and carry its naming pattern.
      const g = !anyIndented && lastTop ? GROUPS.find(([gname]) => gname === lastTop!.name) : undefined;
      if (g && g[1].test(name)) parent = g[0];
      else lastTop = { name, line: l.no };
    }
    if (features.has(name)) add('warning', l.no, `feature ${name} listed twice; the later line wins`, l.text);
    features.set(name, { name, active, fixed, requested, group: false, parent, line: l.no, raw: l.text });
  }
  for (const [name, f] of features) {
    if (pendingGroups.has(name) || (GROUP_NAMES.has(name) && !f.parent)) {
      // A group line's value is computed from its members; it has no fixed/wanted bits of its own.
      features.set(name, { ...f, group: true, fixed: f.fixed === true ? true : null, requested: null });
    }
  }
  if (!lines.length) add('warning', undefined, 'empty output: expected "Features for DEV:" and feature lines');
  else if (!complete && features.size) add('warning', lines[0]!.no, 'no "Features for DEV:" header: a partial (filtered) output; features not listed are unknown, not off');
  if (!features.size) return { value: undefined, diagnostics };
  return { value: { ifname, features, complete, format: 'text' }, diagnostics };
}

/** `ethtool --json -k DEV` (ethtool ≥ 5.17): `[{"ifname": …, "<feature>": {active, fixed, requested}}]`. */
export function parseEthtoolFeaturesJson(text: string, file?: string): Parsed<EthtoolFeatures | undefined> {
  const read = readJson(text, file);
  const diagnostics: Diagnostic[] = [...read.diagnostics];
  const doc = read.value;
  if (!doc) return { value: undefined, diagnostics };
  const top = doc.value;
  const obj = Array.isArray(top) ? top.find(isObj) : isObj(top) ? top : undefined;
  if (!obj) {
    diagnostics.push({ severity: 'error', file, line: doc.lineOf(top), message: 'expected a JSON array with one object per device from "ethtool --json -k"' });
    return { value: undefined, diagnostics };
  }
  if (Array.isArray(top) && top.filter(isObj).length > 1) diagnostics.push({ severity: 'warning', file, line: doc.lineOf(top, 1), message: 'more than one device in the output; only the first is read' });
  const features = new Map<string, FeatureState>();
  const ifname = typeof obj.ifname === 'string' ? obj.ifname : undefined;
  let lastGroup: string | undefined;
  for (const [name, v] of Object.entries(obj)) {
    if (name === 'ifname') continue;
    const line = doc.lineOf(obj, name) ?? 1;
    if (!isObj(v) || typeof v.active !== 'boolean') {
      diagnostics.push({ severity: 'warning', file, line, message: `feature ${JSON.stringify(name)}: expected {"active": bool, "fixed": bool|null, "requested": bool|null}` });
      continue;
    }
    const fixed = typeof v.fixed === 'boolean' ? v.fixed : null;
    const requested = typeof v.requested === 'boolean' ? v.requested : null;
    const group = v.fixed === null && v.requested === null;
    if (group) lastGroup = name;
    const member = !group && lastGroup !== undefined ? GROUPS.find(([g]) => g === lastGroup) : undefined;
    const parent = member && member[1].test(name) ? lastGroup : undefined;
    if (!group && !parent) lastGroup = undefined;
    features.set(name, { name, active: v.active, fixed, requested, group, parent, line, raw: `${name}: ${JSON.stringify(v)}` });
  }
  if (!features.size) {
    diagnostics.push({ severity: 'warning', file, line: doc.lineOf(obj), message: 'no features in the JSON output' });
    return { value: undefined, diagnostics };
  }
  return { value: { ifname, features, complete: true, format: 'json' }, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// ethtool --version

export interface EthtoolVersion {
  readonly text: string;
  readonly major: number;
  readonly minor: number;
}

export function parseEthtoolVersion(text: string, file?: string): Parsed<EthtoolVersion | undefined> {
  const { diagnostics, add } = diagSink(file);
  for (const l of textLines(text)) {
    const m = /^ethtool version (\d+)\.(\d+)/.exec(l.text);
    if (m) return { value: { text: l.text.replace(/^ethtool version /, ''), major: Number(m[1]), minor: Number(m[2]) }, diagnostics };
  }
  add('warning', 1, 'no "ethtool version X.Y" line');
  return { value: undefined, diagnostics };
}

/** `ethtool --json -k` exists from ethtool 5.17 ("features: add --json support", 2022). */
export function ethtoolHasJsonFeatures(v: EthtoolVersion | undefined): boolean {
  return v !== undefined && (v.major > 5 || (v.major === 5 && v.minor >= 17));
}

/** `ethtool --show-tunnels` exists from ethtool 5.10 (kernel ≥ 5.9 for the data). */
export function ethtoolHasShowTunnels(v: EthtoolVersion | undefined): boolean {
  return v !== undefined && (v.major > 5 || (v.major === 5 && v.minor >= 10));
}

// ---------------------------------------------------------------------------------------------
// ethtool -i

export interface DriverInfo {
  readonly driver?: string;
  readonly version?: string;
  /** As printed (may be empty, `N/A`, or carry a PSID: `14.23.1020 (MT_2420110034)`). */
  readonly firmwareVersion?: string;
  readonly expansionRomVersion?: string;
  /** PCI address (`0000:3b:00.0`), another bus id (`dprc.1`), empty or `N/A` for software devices. */
  readonly busInfo?: string;
  readonly supports: Readonly<Record<string, boolean>>;
  /** Line of each field, for evidence. */
  readonly lines: Readonly<Record<string, number>>;
}

const INFO_KEYS: Readonly<Record<string, keyof Omit<DriverInfo, 'supports' | 'lines'>>> = {
  driver: 'driver',
  version: 'version',
  'firmware-version': 'firmwareVersion',
  'expansion-rom-version': 'expansionRomVersion',
  'bus-info': 'busInfo',
};

export function parseEthtoolDriverInfo(text: string, file?: string): Parsed<DriverInfo | undefined> {
  const { diagnostics, add } = diagSink(file);
  const out: Record<string, string> = {};
  const supports: Record<string, boolean> = {};
  const lines: Record<string, number> = {};
  for (const l of textLines(text)) {
    const m = /^([a-z][a-z-]*):(?:[ \t\u00a0]+(.*))?$/.exec(l.text);
    if (!m) {
      if (/^(netlink error|Cannot |ethtool: )/i.test(l.text)) add('error', l.no, `ethtool said: ${l.text}`, l.text);
      else add('warning', l.no, 'unrecognised line (expected "key: value")', l.text);
      continue;
    }
    const key = m[1]!;
    const value = (m[2] ?? '').trim();
    if (key in lines) add('warning', l.no, `${key} listed twice; the later line wins`, l.text);
    lines[key] = l.no;
    const field = INFO_KEYS[key];
    if (field) out[field] = value;
    else if (key.startsWith('supports-')) {
      if (value === 'yes' || value === 'no') supports[key.slice('supports-'.length)] = value === 'yes';
      else add('warning', l.no, `${key}: expected yes or no`, l.text);
    }
  }
  if (out.driver === undefined || out.driver === '') {
    if (Object.keys(lines).length || textLines(text).length) add('error', undefined, 'no "driver:" line: not "ethtool -i" output');
    return { value: undefined, diagnostics };
  }
  return { value: { ...out, supports, lines }, diagnostics };
}

/** Firmware as a comparable value: empty and `N/A` mean "none reported". */
export function firmwareOf(info: DriverInfo | undefined): string | undefined {
  const f = info?.firmwareVersion?.trim();
  return f && f !== 'N/A' ? f : undefined;
}

/** A PCI bus address (`0000:3b:00.0`), as devlink names the device (`pci/0000:3b:00.0`). */
export function pciAddressOf(info: DriverInfo | undefined): string | undefined {
  const b = info?.busInfo?.trim();
  return b && /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/.test(b) ? b.toLowerCase() : undefined;
}

// ---------------------------------------------------------------------------------------------
// ethtool --show-tunnels

export interface TunnelEntry {
  readonly port: number;
  readonly type: string;
  readonly line: number;
}

export interface TunnelTable {
  readonly index: number;
  readonly size?: number;
  /** `vxlan`, `geneve`, `vxlan-gpe`; empty for a static table (`Types: none (static entries)`). */
  readonly types: readonly string[];
  /** NIC-hard-coded entries (mlx5's IANA VXLAN 4789). */
  readonly static: boolean;
  readonly entries: readonly TunnelEntry[];
  readonly line: number;
}

export interface DeviceTunnels {
  readonly ifname: string;
  readonly tables: readonly TunnelTable[];
  readonly line: number;
}

export interface TunnelInfo {
  /**
   * False when the driver has no UDP tunnel port table (`netlink error: device does not report
   * tunnel offload info`, seen on virtio_net, veth, bridges): the check does not apply.
   */
  readonly reported: boolean;
  readonly devices: readonly DeviceTunnels[];
}

export const NOT_REPORTED_RE = /device does not report tunnel offload info/;

/**
 * `ethtool --show-tunnels DEV` (or `\*` for every device). `stderr` is searched for "device does
 * not report tunnel offload info" (ethtool writes it there and exits 1).
 */
export function parseEthtoolTunnels(text: string, file?: string, stderr = ''): Parsed<TunnelInfo> {
  const { diagnostics, add } = diagSink(file);
  const devices: { ifname: string; tables: { index: number; size?: number; types: string[]; static: boolean; entries: TunnelEntry[]; line: number }[]; line: number }[] = [];
  const notReported = NOT_REPORTED_RE.test(typeof stderr === 'string' ? stderr : '') || NOT_REPORTED_RE.test(typeof text === 'string' ? text : '');
  let dev: (typeof devices)[number] | undefined;
  let table: (typeof devices)[number]['tables'][number] | undefined;
  let inEntries = false;
  for (const l of textLines(text)) {
    let m: RegExpExecArray | null;
    if ((m = /^Tunnel information for (\S+?):$/.exec(l.text))) {
      dev = { ifname: m[1]!, tables: [], line: l.no };
      devices.push(dev);
      table = undefined;
      inEntries = false;
      continue;
    }
    if (NOT_REPORTED_RE.test(l.text) || /^netlink error:/.test(l.text)) continue;
    if (!dev) {
      add('warning', l.no, 'line before any "Tunnel information for DEV:" header', l.text);
      continue;
    }
    if ((m = /^UDP port table (\d+):$/.exec(l.text))) {
      table = { index: Number(m[1]), types: [], static: false, entries: [], line: l.no };
      dev.tables.push(table);
      inEntries = false;
      continue;
    }
    if (!table) {
      add('warning', l.no, 'line outside a "UDP port table N:" block', l.text);
      continue;
    }
    if ((m = /^Size: (\d+)$/.exec(l.text))) table.size = Number(m[1]);
    else if ((m = /^Types: (.*)$/.exec(l.text))) {
      const t = m[1]!.trim();
      if (/^none \(static entries\)$/.test(t) || t === 'none') table.static = true;
      else table.types = t.split(/,\s*/).filter(Boolean);
    } else if (l.text === 'No entries') inEntries = false;
    else if (/^Entries \(\d+\):$/.test(l.text)) inEntries = true;
    else if ((m = /^port (\d+), (\S+)$/.exec(l.text))) {
      if (!inEntries) add('warning', l.no, 'port entry outside an "Entries (N):" list', l.text);
      const port = Number(m[1]);
      if (port > 65535) add('warning', l.no, 'UDP port out of range', l.text);
      table.entries.push({ port, type: m[2]!, line: l.no });
    } else add('warning', l.no, 'unrecognised line in a UDP port table', l.text);
  }
  if (!devices.length && !notReported && (typeof text === 'string' ? text.trim() : '')) add('warning', 1, 'no "Tunnel information for DEV:" header: not "ethtool --show-tunnels" output');
  return { value: { reported: !notReported || devices.length > 0, devices }, diagnostics };
}

/** The entries of every table of a device (or of all devices). */
export function tunnelPorts(info: TunnelInfo, ifname?: string): TunnelEntry[] {
  return info.devices.filter((d) => ifname === undefined || d.ifname === ifname).flatMap((d) => d.tables.flatMap((t) => t.entries));
}

// ---------------------------------------------------------------------------------------------
// /proc/net/bonding/<bond>

export interface BondSlave {
  readonly name: string;
  readonly miiStatus?: string;
  readonly speed?: string;
  readonly duplex?: string;
  readonly linkFailureCount?: number;
  readonly permanentHwAddr?: string;
  readonly aggregatorId?: number;
  readonly line: number;
}

export interface BondingStatus {
  readonly driverVersion?: string;
  /** Kernel mode name: balance-rr, active-backup, balance-xor, broadcast, 802.3ad, balance-tlb, balance-alb. */
  readonly mode?: string;
  /** As printed: "IEEE 802.3ad Dynamic link aggregation". */
  readonly modeText?: string;
  /** layer2, layer2+3, layer3+4, encap2+3, encap3+4, vlan+srcmac (absent in modes that do not hash). */
  readonly xmitHashPolicy?: string;
  readonly miiStatus?: string;
  readonly activeSlave?: string;
  readonly lacpRate?: string;
  readonly slaves: readonly BondSlave[];
  readonly lines: Readonly<Record<string, number>>;
}

const BOND_MODES: ReadonlyArray<readonly [RegExp, string]> = [
  [/round-robin/, 'balance-rr'],
  [/active-backup/, 'active-backup'],
  [/\(xor\)/, 'balance-xor'],
  [/broadcast/, 'broadcast'],
  [/802\.3ad/, '802.3ad'],
  [/^transmit load balancing/, 'balance-tlb'],
  [/^adaptive load balancing/, 'balance-alb'],
];

export function parseBonding(text: string, file?: string): Parsed<BondingStatus | undefined> {
  const { diagnostics, add } = diagSink(file);
  const lines: Record<string, number> = {};
  const top: { driverVersion?: string; mode?: string; modeText?: string; xmitHashPolicy?: string; miiStatus?: string; activeSlave?: string; lacpRate?: string } = {};
  const slaves: { name: string; miiStatus?: string; speed?: string; duplex?: string; linkFailureCount?: number; permanentHwAddr?: string; aggregatorId?: number; line: number }[] = [];
  let slave: (typeof slaves)[number] | undefined;
  let sawHeader = false;
  for (const l of textLines(text)) {
    let m: RegExpExecArray | null;
    if ((m = /^Ethernet Channel Bonding Driver: (.*)$/.exec(l.text))) {
      top.driverVersion = m[1]!.trim();
      sawHeader = true;
      lines.driver = l.no;
      continue;
    }
    if (/^(cat: |No such file)/.test(l.text)) {
      add('error', l.no, `not a bonding status: ${l.text}`, l.text);
      continue;
    }
    if ((m = /^Slave Interface: (\S+)$/.exec(l.text))) {
      slave = { name: m[1]!, line: l.no };
      slaves.push(slave);
      continue;
    }
    m = /^([^:]+):[ \t]*(.*)$/.exec(l.text);
    if (!m) {
      // Section titles ("802.3ad info") are expected; anything else is noted and skipped.
      if (!/^802\.3ad info$/.test(l.text)) add('warning', l.no, 'line without "key: value"; skipped', l.text);
      continue;
    }
    const key = m[1]!.trim();
    const value = m[2]!.trim();
    if (slave && !l.indent) {
      if (key === 'MII Status') slave.miiStatus = value;
      else if (key === 'Speed') slave.speed = value;
      else if (key === 'Duplex') slave.duplex = value;
      else if (key === 'Link Failure Count') slave.linkFailureCount = /^\d+$/.test(value) ? Number(value) : undefined;
      else if (key === 'Permanent HW addr') slave.permanentHwAddr = value;
      else if (key === 'Aggregator ID') slave.aggregatorId = /^\d+$/.test(value) ? Number(value) : undefined;
      continue;
    }
    if (l.indent) continue; // LACP details of the aggregator / partner
    if (key === 'Bonding Mode') {
      top.modeText = value;
      top.mode = BOND_MODES.find(([re]) => re.test(value))?.[1];
      lines.mode = l.no;
      if (!top.mode) add('warning', l.no, `unknown bonding mode "${value}"`, l.text);
    } else if (key === 'Transmit Hash Policy') {
      top.xmitHashPolicy = value.replace(/\s*\(\d+\)$/, '');
      lines.xmitHashPolicy = l.no;
    } else if (key === 'MII Status') {
      top.miiStatus = value;
      lines.miiStatus = l.no;
    } else if (key === 'Currently Active Slave') {
      top.activeSlave = value;
      lines.activeSlave = l.no;
    } else if (key === 'LACP rate') top.lacpRate = value;
  }
  if (!sawHeader && !top.modeText) {
    if (textLines(text).length) add('error', 1, 'no "Bonding Mode:" line: not a /proc/net/bonding file');
    return { value: undefined, diagnostics };
  }
  return { value: { ...top, slaves, lines }, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// tc -s filter show dev DEV ingress

export interface TcFilterRecord {
  readonly line: number;
  /** flower, u32, bpf, matchall, … */
  readonly kind?: string;
  readonly pref?: number;
  readonly inHw: boolean;
  readonly notInHw: boolean;
  readonly inHwCount?: number;
  readonly skipHw: boolean;
  readonly skipSw: boolean;
  readonly raw: string;
}

export interface TcFilterCounts {
  readonly filters: number;
  readonly inHw: number;
  /** Filters not in hardware that were not asked to stay in software (`skip_hw`). */
  readonly notInHw: number;
  readonly skipHw: number;
  readonly skipSw: number;
  readonly records: readonly TcFilterRecord[];
}

/**
 * Counts filters and their offload flags. A filter is a `filter …` line with a handle (flower,
 * matchall: `handle 0x1`; u32 nodes: `fh 800::800`; bpf: `handle 0x1`); chain headers and u32
 * hash tables (`fh 800: ht divisor 1`) are not filters. Flags are read from the header line and
 * the indented lines before the first `action order` (action blocks carry their own in_hw).
 */
export function parseTcFilters(text: string, file?: string): Parsed<TcFilterCounts> {
  const { diagnostics, add } = diagSink(file);
  const records: { line: number; kind?: string; pref?: number; inHw: boolean; notInHw: boolean; inHwCount?: number; skipHw: boolean; skipSw: boolean; raw: string }[] = [];
  let cur: (typeof records)[number] | undefined;
  let inActions = false;
  const flagsFrom = (words: string, r: (typeof records)[number]) => {
    const w = words.split(/\s+/);
    for (let i = 0; i < w.length; i++) {
      if (w[i] === 'in_hw') r.inHw = true;
      else if (w[i] === 'not_in_hw') r.notInHw = true;
      else if (w[i] === 'skip_hw') r.skipHw = true;
      else if (w[i] === 'skip_sw') r.skipSw = true;
      else if (w[i] === 'in_hw_count' && /^\d+$/.test(w[i + 1] ?? '')) r.inHwCount = Number(w[i + 1]);
    }
  };
  for (const l of textLines(text)) {
    if (/^filter /.test(l.text)) {
      inActions = false;
      const isFilter = /\bhandle \S+/.test(l.text) || /\bfh [0-9a-f]+:[0-9a-f]*:[0-9a-f]+\b/.test(l.text);
      if (!isFilter) {
        cur = undefined;
        continue;
      }
      const kind = /\bpref \d+ (\S+)/.exec(l.text)?.[1];
      const pref = /\bpref (\d+)/.exec(l.text)?.[1];
      cur = { line: l.no, kind, pref: pref === undefined ? undefined : Number(pref), inHw: false, notInHw: false, skipHw: false, skipSw: false, raw: l.text };
      records.push(cur);
      flagsFrom(l.text, cur);
      continue;
    }
    if (/^(Error|RTNETLINK|We have an error|Cannot find device)/.test(l.text)) {
      add('error', l.no, `tc said: ${l.text}`, l.text);
      continue;
    }
    if (!cur) continue;
    if (/^action order \d+:/.test(l.text)) inActions = true;
    if (!inActions) flagsFrom(l.text, cur);
  }
  const inHw = records.filter((r) => r.inHw).length;
  const notInHw = records.filter((r) => r.notInHw && !r.skipHw).length;
  return {
    value: { filters: records.length, inHw, notInHw, skipHw: records.filter((r) => r.skipHw).length, skipSw: records.filter((r) => r.skipSw).length, records },
    diagnostics,
  };
}

// ---------------------------------------------------------------------------------------------
// devlink -j dev eswitch show

export interface EswitchDevice {
  /** devlink handle, e.g. `pci/0000:03:00.0`. */
  readonly dev: string;
  /** `legacy` | `switchdev` (absent when the device has no e-switch mode). */
  readonly mode?: string;
  readonly inlineMode?: string;
  readonly encapMode?: string;
  readonly line?: number;
}

/** `{"dev":{"pci/0000:03:00.0":{"mode":"switchdev","inline-mode":"none","encap-mode":"basic"}}}`; `{"dev":{}}` when none. */
export function parseDevlinkEswitch(text: string, file?: string): Parsed<EswitchDevice[] | undefined> {
  const read = readJson(text, file);
  const diagnostics: Diagnostic[] = [...read.diagnostics];
  const doc = read.value;
  if (!doc) return { value: undefined, diagnostics };
  const top = doc.value;
  const dev = isObj(top) ? top.dev : undefined;
  if (!isObj(dev)) {
    diagnostics.push({ severity: 'error', file, line: doc.lineOf(top), message: 'expected {"dev": {"<bus>/<address>": {"mode": …}}} from "devlink -j dev eswitch show"' });
    return { value: undefined, diagnostics };
  }
  const out: EswitchDevice[] = [];
  for (const [handle, v] of Object.entries(dev)) {
    const line = doc.lineOf(dev, handle);
    if (!isObj(v)) {
      diagnostics.push({ severity: 'warning', file, line, message: `${handle}: expected an object` });
      continue;
    }
    const s = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
    out.push({ dev: handle, mode: s('mode'), inlineMode: s('inline-mode'), encapMode: s('encap-mode'), line });
  }
  return { value: out, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// ovs-vsctl get Open_vSwitch . other_config

export interface OvsMapValue {
  readonly map: ReadonlyMap<string, string>;
  /** Line of the map (ovs-vsctl prints a map on one line). */
  readonly line: number;
  readonly raw: string;
}

/**
 * An OVSDB map as `ovs-vsctl get` prints it: `{hw-offload="true", tc-policy=none}`, `{}` when
 * empty. Keys and values are bare words or C-style quoted strings. Several maps (one per
 * column asked for) come on successive lines.
 */
export function parseOvsMaps(text: string, file?: string): Parsed<OvsMapValue[]> {
  const { diagnostics, add } = diagSink(file);
  const out: OvsMapValue[] = [];
  for (const l of textLines(text)) {
    const s = l.text;
    if (!s.startsWith('{') || !s.endsWith('}')) {
      add(/^ovs-vsctl:/.test(s) ? 'error' : 'warning', l.no, /^ovs-vsctl:/.test(s) ? `ovs-vsctl said: ${s}` : 'expected a map "{key=value, …}"', s);
      continue;
    }
    const map = new Map<string, string>();
    let i = 1;
    const end = s.length - 1;
    const ws = () => {
      while (i < end && (s[i] === ' ' || s[i] === '\t')) i++;
    };
    const atom = (): string | undefined => {
      ws();
      if (s[i] === '"') {
        let v = '';
        i++;
        while (i < end && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < end) {
            const c = s[i + 1]!;
            v += c === 'n' ? '\n' : c === 't' ? '\t' : c;
            i += 2;
          } else v += s[i++];
        }
        if (s[i] !== '"') return undefined;
        i++;
        return v;
      }
      const start = i;
      while (i < end && s[i] !== '=' && s[i] !== ',' && s[i] !== ' ') i++;
      return i > start ? s.slice(start, i) : undefined;
    };
    let bad = false;
    ws();
    while (i < end) {
      const k = atom();
      ws();
      if (k === undefined || s[i] !== '=') {
        bad = true;
        break;
      }
      i++;
      const v = atom();
      if (v === undefined) {
        bad = true;
        break;
      }
      if (map.has(k)) add('warning', l.no, `key ${k} twice in one map`, s);
      map.set(k, v);
      ws();
      if (s[i] === ',') i++;
      else if (i < end) {
        bad = true;
        break;
      }
      ws();
    }
    if (bad) add('warning', l.no, `map not understood from column ${i + 1} on; the keys before it are kept`, s);
    out.push({ map, line: l.no, raw: s });
  }
  return { value: out, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// ovs-appctl dpctl/dump-flows -m type=offloaded

export interface OffloadedFlowCounts {
  /** Datapath flows listed (every one is offloaded: the command asks for type=offloaded). */
  readonly flows: number;
  /** Flows matching or setting a tunnel (`tunnel(` in the match, `set(tunnel(` in actions). */
  readonly tunnel: number;
  /** Flows with a GENEVE option (`geneve(`). */
  readonly geneve: number;
  /** `offloaded:partial` (DPDK partial offload). */
  readonly partial: number;
  /** By `dp:` (tc, dpdk, ovs); flows without dp: under "unknown". */
  readonly byDp: Readonly<Record<string, number>>;
  /** Line of the first flow, for evidence. */
  readonly firstLine?: number;
  readonly firstFlow?: string;
}

export function countOffloadedFlows(text: string, file?: string): Parsed<OffloadedFlowCounts> {
  const { diagnostics, add } = diagSink(file);
  let flows = 0;
  let tunnel = 0;
  let geneve = 0;
  let partial = 0;
  const byDp: Record<string, number> = {};
  let firstLine: number | undefined;
  let firstFlow: string | undefined;
  for (const l of textLines(text)) {
    if (/^flow-dump from /.test(l.text)) continue;
    if (!/\bactions:/.test(l.text)) {
      add(/^(ovs-appctl|dpif|ovs-vswitchd)/.test(l.text) ? 'error' : 'warning', l.no, 'not a datapath flow (no "actions:")', l.text);
      continue;
    }
    flows++;
    if (firstLine === undefined) {
      firstLine = l.no;
      firstFlow = l.text;
    }
    const [match = '', actions = ''] = l.text.split(/\bactions:/, 2);
    if (/(^|[,\s])tunnel\(/.test(match) || /set\(tunnel\(/.test(actions)) tunnel++;
    if (/geneve\(/.test(l.text)) geneve++;
    if (/\boffloaded:partial\b/.test(l.text)) partial++;
    const dp = /\bdp:([a-z]+)/.exec(l.text)?.[1] ?? 'unknown';
    byDp[dp] = (byDp[dp] ?? 0) + 1;
  }
  return { value: { flows, tunnel, geneve, partial, byDp, firstLine, firstFlow }, diagnostics };
}
