/**
 * iproute2 JSON views (`ip -j -d link show`, `ip -j addr show`, `ip -j route show table all`,
 * `ip -j route get …`, `ip -j nexthop show`) as typed rows: the kernel's truth for routes, ECMP
 * next hops, device MTUs and the device hierarchy (VLAN on bond on NICs, bridge ports, veth peers).
 * Kept general on purpose: the BGP, MTU and offload audits all read these rows.
 *
 * iproute2 prints one line of JSON (or pretty JSON with -p); both are read with the same lenient
 * reader as FRR output, so every row knows its line for evidence and bad input is a diagnostic.
 */
import type { Diagnostic, Parsed } from '../model/diagnostic.js';
import { readJson, type JsonDoc } from './frr.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Obj, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
const num = (o: Obj, k: string): number | undefined => (typeof o[k] === 'number' && Number.isFinite(o[k]) ? (o[k] as number) : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Reads the top-level JSON array every `ip -j` command prints. */
function rowsOf<T>(text: string, file: string | undefined, what: string, convert: (o: Obj, line: number | undefined, doc: JsonDoc) => T | undefined): Parsed<T[] | undefined> {
  const read = readJson(text, file);
  const diagnostics: Diagnostic[] = [...read.diagnostics];
  const doc = read.value;
  if (!doc) return { value: undefined, diagnostics };
  if (!Array.isArray(doc.value)) {
    diagnostics.push({ severity: 'error', file, line: doc.lineOf(doc.value), message: `expected a JSON array from "${what}"` });
    return { value: undefined, diagnostics };
  }
  const arr = doc.value;
  const out: T[] = [];
  arr.forEach((o, idx) => {
    const line = doc.lineOf(arr, idx);
    if (!isObj(o)) {
      diagnostics.push({ severity: 'warning', file, line, message: `entry ${idx} of "${what}" is not an object` });
      return;
    }
    const v = convert(o, line, doc);
    if (v === undefined) diagnostics.push({ severity: 'warning', file, line, message: `entry ${idx} of "${what}" lacks its key fields; skipped` });
    else out.push(v);
  });
  return { value: out, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// ip -j -d link show

export interface IpLink {
  readonly ifindex: number;
  readonly ifname: string;
  readonly flags: readonly string[];
  readonly mtu?: number;
  readonly minMtu?: number;
  readonly maxMtu?: number;
  /** `UP`, `DOWN`, `LOWERLAYERDOWN`, `UNKNOWN` (lo, tunnels), … */
  readonly operstate?: string;
  /** `ether`, `loopback`, `none`, … */
  readonly linkType?: string;
  readonly address?: string;
  /** Administratively up (flag UP). */
  readonly adminUp: boolean;
  /** Carrier (flag LOWER_UP and not NO-CARRIER). */
  readonly carrier: boolean;
  /** `linkinfo.info_kind`: vlan, bond, bridge, veth, dummy, geneve, vxlan, openvswitch, team, macvlan…; absent for plain NICs. */
  readonly kind?: string;
  /** `linkinfo.info_slave_kind` when enslaved: bond, bridge, openvswitch, team. */
  readonly slaveKind?: string;
  /** Bond/bridge/VRF/OVS this device is enslaved to. */
  readonly master?: string;
  /** Parent device (`link`): the lower device of a VLAN/macvlan, the peer of a veth in the same namespace. */
  readonly link?: string;
  readonly linkIndex?: number;
  /** Set when `link` lives in another network namespace (veth to a container). */
  readonly linkNetnsid?: number;
  readonly vlan?: { readonly id?: number; readonly protocol?: string };
  readonly bond?: { readonly mode?: string; readonly miimon?: number; readonly xmitHashPolicy?: string; readonly activeSlave?: string };
  readonly bondSlave?: { readonly state?: string; readonly miiStatus?: string };
  readonly gsoMaxSize?: number;
  readonly tsoMaxSize?: number;
  readonly numTxQueues?: number;
  readonly numRxQueues?: number;
  /** `parentbus`/`parentdev` (e.g. pci 0000:3b:00.0) when the kernel reports them. */
  readonly parentBus?: string;
  readonly parentDev?: string;
  readonly altnames: readonly string[];
  /** `linkinfo.info_data` as printed (kind-specific: geneve remote/id/port, bridge timers, …). */
  readonly infoData?: Readonly<Record<string, unknown>>;
  readonly line?: number;
}

export function parseIpLinks(text: string, file?: string): Parsed<IpLink[] | undefined> {
  return rowsOf(text, file, 'ip -j -d link show', (o, line) => {
    const ifname = str(o, 'ifname');
    const ifindex = num(o, 'ifindex');
    if (ifname === undefined || ifindex === undefined) return undefined;
    const flags = strings(o.flags);
    const li = isObj(o.linkinfo) ? o.linkinfo : undefined;
    const data = li && isObj(li.info_data) ? li.info_data : undefined;
    const slaveData = li && isObj(li.info_slave_data) ? li.info_slave_data : undefined;
    const kind = li ? str(li, 'info_kind') : undefined;
    const slaveKind = li ? str(li, 'info_slave_kind') : undefined;
    return {
      ifindex,
      ifname,
      flags,
      mtu: num(o, 'mtu'),
      minMtu: num(o, 'min_mtu'),
      maxMtu: num(o, 'max_mtu'),
      operstate: str(o, 'operstate'),
      linkType: str(o, 'link_type'),
      address: str(o, 'address'),
      adminUp: flags.includes('UP'),
      carrier: flags.includes('LOWER_UP') && !flags.includes('NO-CARRIER'),
      kind,
      slaveKind,
      master: str(o, 'master'),
      link: str(o, 'link') ?? undefined,
      linkIndex: num(o, 'link_index'),
      linkNetnsid: num(o, 'link_netnsid'),
      vlan: kind === 'vlan' && data ? { id: num(data, 'id'), protocol: str(data, 'protocol') } : undefined,
      bond:
        kind === 'bond' && data
          ? { mode: str(data, 'mode'), miimon: num(data, 'miimon'), xmitHashPolicy: str(data, 'xmit_hash_policy'), activeSlave: str(data, 'active_slave') }
          : undefined,
      bondSlave: slaveKind === 'bond' && slaveData ? { state: str(slaveData, 'state'), miiStatus: str(slaveData, 'mii_status') } : undefined,
      gsoMaxSize: num(o, 'gso_max_size'),
      tsoMaxSize: num(o, 'tso_max_size'),
      numTxQueues: num(o, 'num_tx_queues'),
      numRxQueues: num(o, 'num_rx_queues'),
      parentBus: str(o, 'parentbus'),
      parentDev: str(o, 'parentdev'),
      altnames: strings(o.altnames),
      infoData: data,
      line,
    };
  });
}

/** Devices enslaved to `master` (bond slaves, bridge ports, VRF members), by name. */
export function slavesOf(links: readonly IpLink[], master: string, slaveKind?: string): IpLink[] {
  return links.filter((l) => l.master === master && (slaveKind === undefined || l.slaveKind === slaveKind || (slaveKind === 'bond' && l.slaveKind === undefined)));
}

export function bondSlaves(links: readonly IpLink[], bond: string): IpLink[] {
  return slavesOf(links, bond, 'bond');
}

/**
 * The devices a packet sent on `name` really leaves through, top-down: a VLAN's parent, a bond's
 * slaves, recursively (`bond0.100` → `bond0` → `ens1f0`, `ens1f1`). Bridges are not descended
 * (the egress port depends on the FDB). Cycles are cut.
 */
export function lowerChain(links: readonly IpLink[], name: string): IpLink[] {
  const byName = new Map(links.map((l) => [l.ifname, l] as const));
  const out: IpLink[] = [];
  const seen = new Set<string>();
  const walk = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    const l = byName.get(n);
    if (!l) return;
    out.push(l);
    if (l.kind === 'vlan' || l.kind === 'macvlan' || l.kind === 'ipvlan') {
      if (l.link && l.linkNetnsid === undefined) walk(l.link);
    } else if (l.kind === 'bond' || l.kind === 'team') for (const s of slavesOf(links, l.ifname)) walk(s.ifname);
  };
  walk(name);
  return out;
}

// ---------------------------------------------------------------------------------------------
// ip -j addr show

export interface IpAddress {
  /** `inet` / `inet6`. */
  readonly family: string;
  readonly local: string;
  readonly prefixlen: number;
  readonly scope?: string;
  readonly label?: string;
  readonly broadcast?: string;
  /** Point-to-point peer (`address`). */
  readonly peer?: string;
  readonly dynamic: boolean;
  readonly secondary: boolean;
}

export interface IpAddrLink {
  readonly ifindex: number;
  readonly ifname: string;
  readonly flags: readonly string[];
  readonly mtu?: number;
  readonly operstate?: string;
  readonly linkType?: string;
  readonly master?: string;
  readonly addresses: readonly IpAddress[];
  readonly line?: number;
}

export function parseIpAddrs(text: string, file?: string): Parsed<IpAddrLink[] | undefined> {
  return rowsOf(text, file, 'ip -j addr show', (o, line) => {
    const ifname = str(o, 'ifname');
    const ifindex = num(o, 'ifindex');
    if (ifname === undefined || ifindex === undefined) return undefined;
    const infos = Array.isArray(o.addr_info) ? o.addr_info.filter(isObj) : [];
    return {
      ifindex,
      ifname,
      flags: strings(o.flags),
      mtu: num(o, 'mtu'),
      operstate: str(o, 'operstate'),
      linkType: str(o, 'link_type'),
      master: str(o, 'master'),
      addresses: infos.flatMap((a) => {
        const local = str(a, 'local');
        const prefixlen = num(a, 'prefixlen');
        if (local === undefined || prefixlen === undefined) return [];
        return [{ family: str(a, 'family') ?? (local.includes(':') ? 'inet6' : 'inet'), local, prefixlen, scope: str(a, 'scope'), label: str(a, 'label'), broadcast: str(a, 'broadcast'), peer: str(a, 'address'), dynamic: a.dynamic === true, secondary: a.secondary === true }];
      }),
      line,
    };
  });
}

/** Which device holds `address` (as a local address), if any. */
export function deviceOfAddress(links: readonly IpAddrLink[], address: string): { link: IpAddrLink; addr: IpAddress } | undefined {
  for (const link of links) for (const addr of link.addresses) if (addr.local === address) return { link, addr };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// ip -j route show table all / ip -j route get

export interface IpRouteNexthop {
  readonly gateway?: string;
  readonly dev?: string;
  readonly weight?: number;
  readonly flags: readonly string[];
}

export interface IpRoute {
  /** `unicast` (iproute2 omits it), `local`, `broadcast`, `blackhole`, `unreachable`, `prohibit`, `multicast`. */
  readonly type: string;
  /** As printed: `default`, `10.0.1.0/31`, `192.168.100.2` (a host route prints without /32). */
  readonly dst: string;
  /** Normalised CIDR: `0.0.0.0/0`, `192.168.100.2/32`, `::/0`. */
  readonly prefix: string;
  readonly family: 'inet' | 'inet6';
  /** `main` when iproute2 omits it (it does for the main table). */
  readonly table: string;
  readonly protocol?: string;
  readonly scope?: string;
  readonly dev?: string;
  readonly gateway?: string;
  readonly prefsrc?: string;
  readonly metric?: number;
  /** Kernel next-hop object (`ip nexthop`) the route uses, when zebra installs with nexthop groups. */
  readonly nhid?: number;
  readonly flags: readonly string[];
  /** Legs of a multipath route as the kernel reports them (`nexthops`). */
  readonly nexthops: readonly IpRouteNexthop[];
  /** Route MTU metric (`metrics: [{mtu}]`) or the PMTU of `ip route get`. */
  readonly mtu?: number;
  /**
   * Seconds left on a cached exception (`expires`): `ip route get` prints it only when the answer is
   * a PMTU exception the kernel learned (ICMP "fragmentation needed" / "packet too big"), in both
   * families; a route's own `mtu` metric comes without it (iproute2 6.1, kernel 6.x).
   */
  readonly expires?: number;
  readonly line?: number;
  /** The row as printed (for evidence excerpts). */
  readonly raw: Readonly<Record<string, unknown>>;
}

export function normalizePrefix(dst: string, family?: string): { prefix: string; family: 'inet' | 'inet6' } {
  const fam: 'inet' | 'inet6' = family === 'inet6' || family === 'ipv6' || dst.includes(':') ? 'inet6' : 'inet';
  if (dst === 'default') return { prefix: fam === 'inet' ? '0.0.0.0/0' : '::/0', family: fam };
  if (dst.includes('/')) return { prefix: dst, family: fam };
  return { prefix: `${dst}/${fam === 'inet' ? 32 : 128}`, family: fam };
}

export function parseIpRoutes(text: string, file?: string): Parsed<IpRoute[] | undefined> {
  return rowsOf(text, file, 'ip -j route show', (o, line) => {
    const dst = str(o, 'dst');
    if (dst === undefined) return undefined;
    const { prefix, family } = normalizePrefix(dst, str(o, 'family'));
    const metrics = Array.isArray(o.metrics) ? o.metrics.filter(isObj) : [];
    const mtu = num(o, 'mtu') ?? metrics.map((m) => num(m, 'mtu')).find((x) => x !== undefined);
    const tableRaw = o.table;
    return {
      type: str(o, 'type') ?? 'unicast',
      dst,
      prefix,
      family,
      table: typeof tableRaw === 'number' ? String(tableRaw) : (str(o, 'table') ?? 'main'),
      protocol: str(o, 'protocol'),
      scope: str(o, 'scope'),
      dev: str(o, 'dev'),
      gateway: str(o, 'gateway'),
      prefsrc: str(o, 'prefsrc'),
      metric: num(o, 'metric'),
      nhid: num(o, 'nhid'),
      flags: strings(o.flags),
      nexthops: (Array.isArray(o.nexthops) ? o.nexthops.filter(isObj) : []).map((h) => ({ gateway: str(h, 'gateway'), dev: str(h, 'dev'), weight: num(h, 'weight'), flags: strings(h.flags) })),
      mtu,
      expires: num(o, 'expires'),
      line,
      raw: o,
    };
  });
}

/** The legs the kernel forwards a route over, as the route itself reports them. */
export function routeLegs(r: IpRoute): IpRouteNexthop[] {
  if (r.nexthops.length) return [...r.nexthops];
  if (r.gateway !== undefined || r.dev !== undefined) return [{ gateway: r.gateway, dev: r.dev, flags: r.flags }];
  return [];
}

/** Table names as iproute2 prints them, for the table numbers FRR reports. */
export function tableName(id: number | string | undefined): string {
  if (id === undefined || id === 254 || id === '254') return 'main';
  if (id === 255 || id === '255') return 'local';
  if (id === 253 || id === '253') return 'default';
  return String(id);
}

function ipv4ToInt(a: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/** Is IPv4 `addr` inside `prefix` (CIDR)? */
export function ipv4InPrefix(addr: string, prefix: string): boolean {
  const [net, lenText] = prefix.split('/');
  const len = Number(lenText ?? 32);
  const a = ipv4ToInt(addr);
  const b = ipv4ToInt(net ?? '');
  if (a === undefined || b === undefined || !(len >= 0 && len <= 32)) return false;
  if (len === 0) return true;
  const mask = len === 32 ? 0xffffffff : ~((1 << (32 - len)) - 1) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

/** Longest-prefix match of an IPv4 address among unicast routes of one table (default `main`). */
export function lookupIpv4(routes: readonly IpRoute[], addr: string, table = 'main'): IpRoute | undefined {
  let best: IpRoute | undefined;
  let bestLen = -1;
  for (const r of routes) {
    if (r.family !== 'inet' || r.table !== table || (r.type !== 'unicast' && r.type !== 'blackhole' && r.type !== 'unreachable' && r.type !== 'prohibit')) continue;
    const len = Number(r.prefix.split('/')[1]);
    if (len > bestLen && ipv4InPrefix(addr, r.prefix)) {
      best = r;
      bestLen = len;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// ip -j nexthop show

export interface IpNexthop {
  readonly id: number;
  readonly gateway?: string;
  readonly dev?: string;
  readonly scope?: string;
  readonly protocol?: string;
  readonly flags: readonly string[];
  /** Members of a group (`group: [{id, weight?}]`); absent for a single next hop. */
  readonly group?: readonly { readonly id: number; readonly weight?: number }[];
  readonly blackhole: boolean;
  readonly fdb: boolean;
  readonly line?: number;
  readonly raw: Readonly<Record<string, unknown>>;
}

export function parseIpNexthops(text: string, file?: string): Parsed<IpNexthop[] | undefined> {
  return rowsOf(text, file, 'ip -j nexthop show', (o, line) => {
    const id = num(o, 'id');
    if (id === undefined) return undefined;
    const group = Array.isArray(o.group)
      ? o.group.filter(isObj).flatMap((g) => {
          const gid = num(g, 'id');
          return gid === undefined ? [] : [{ id: gid, weight: num(g, 'weight') }];
        })
      : undefined;
    return {
      id,
      gateway: str(o, 'gateway'),
      dev: str(o, 'dev'),
      scope: str(o, 'scope'),
      protocol: str(o, 'protocol'),
      flags: strings(o.flags),
      group,
      blackhole: o.blackhole === true || o.blackhole === null,
      fdb: o.fdb === true || o.fdb === null,
      line,
      raw: o,
    };
  });
}

/** The single next hops a next-hop object stands for (groups expanded, recursively; cycles cut). */
export function resolveNexthop(nexthops: readonly IpNexthop[], id: number): IpNexthop[] {
  const byId = new Map(nexthops.map((n) => [n.id, n] as const));
  const out: IpNexthop[] = [];
  const seen = new Set<number>();
  const walk = (nid: number) => {
    if (seen.has(nid)) return;
    seen.add(nid);
    const nh = byId.get(nid);
    if (!nh) return;
    if (nh.group) for (const g of nh.group) walk(g.id);
    else out.push(nh);
  };
  walk(id);
  return out;
}
