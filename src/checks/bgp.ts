/**
 * Underlay BGP/BFD health for the TEP-/32 design (DOMAIN.md §5.3, checks B1–B14): every
 * hypervisor advertises its GENEVE tunnel endpoint as a /32 over eBGP to (normally) two ToRs and
 * learns the other TEPs with ECMP over both uplinks. Pure: typed snapshot state in, findings and a
 * chassis-pair reachability matrix out.
 *
 * Uplinks are the BGP peers of the default VRF's IPv4 unicast family (where the TEP /32s live).
 */
import { excerptOf, type Evidence, type Finding, type FindingSeverity } from '../model/finding.js';
import { splitOvnChassisId } from '../model/ovs.js';
import { ecmpPaths, isLocalPath, resetReason, type BfdCounters, type BfdPeer, type BgpNeighbor, type BgpPeerSummary, type ZebraRoute } from '../parse/frr.js';
import { deviceOfAddress, ipv4InPrefix, lookupIpv4, resolveNexthop, routeLegs, tableName, type IpLink, type IpRoute } from '../parse/iproute.js';
import { FRR_IDS, KERNEL_IDS, type BgpHostState, type BgpSnapshot, type SourceFile, type TunnelSide } from '../snapshot/load-bgp.js';
import { plural } from '../model/plural.js';

export interface BgpCheckOptions {
  /** Uplinks (ECMP legs) every host should have; DOMAIN.md's design has 2. */
  readonly expectedUplinks: number;
  /** Overlay (VM) MTU for B14; without it B14 only compares the legs with each other. */
  readonly overlayMtu?: number;
  /** Drops of one session at which B10 turns from warn into fail ("repeated"). Default 2. */
  readonly flapFailAt?: number;
}

export const DEFAULT_EXPECTED_UPLINKS = 2;
/** GENEVE overhead over the inner frame on an IPv4 underlay (DOMAIN.md §4.1). */
export const GENEVE_OVERHEAD_V4 = 58;

export interface BgpCheckInput {
  readonly bgp: BgpSnapshot;
  /** The OVS/OVN side of the same snapshot (local TEP, SB encaps, geneve ports); a loaded `Snapshot` fits. */
  readonly snapshot?: TunnelSide;
  /** Rows to evaluate (all hosts of `bgp` when absent); every host still contributes its TEP. */
  readonly hosts?: readonly string[];
}

export interface SessionRow {
  readonly host: string;
  readonly vrf: string;
  readonly afi: string;
  readonly peer: string;
  readonly hostname?: string;
  readonly remoteAs?: number | string;
  /** Local interface the session runs over. */
  readonly interface?: string;
  readonly state: string;
  readonly peerState?: string;
  readonly established: boolean;
  /** Time Established — only when Established (FRR's Up/Down column otherwise counts the downtime). */
  readonly uptime?: string;
  /** Time since the session went down, when it is not Established and was up before. */
  readonly downFor?: string;
  readonly pfxRcd?: number;
  readonly pfxSnt?: number;
  readonly connectionsEstablished?: number;
  readonly connectionsDropped?: number;
  readonly lastResetDueTo?: string;
  readonly bfd?: { readonly status: string; readonly diagnostic?: string; readonly uptime?: number; readonly downtime?: number; readonly sessionDown?: number };
}

export interface TepInfo {
  readonly ip: string;
  /** Chassis or host name when known, else the address. */
  readonly name: string;
  /** Snapshot host whose local TEP this is. */
  readonly host?: string;
  readonly source: 'sb-encap' | 'ovs' | 'kernel' | 'bgp';
}

export interface MatrixLeg {
  readonly via?: string;
  readonly interface?: string;
  /** FRR says installed in the FIB. */
  readonly fib: boolean;
  readonly mtu?: number;
}

export type CellStatus = 'ecmp' | 'degraded' | 'single' | 'missing' | 'not-bgp' | 'not-installed' | 'no-data';

export interface MatrixCell {
  readonly from: string;
  readonly to: string;
  readonly tep: string;
  readonly status: CellStatus;
  readonly protocol?: string;
  /** Next hops of FRR's route (fib:true ones are forwarding). */
  readonly legs: readonly MatrixLeg[];
  /** Distinct uplink interfaces of the installed legs. */
  readonly uplinks: readonly string[];
  /** Kernel's legs for the /32 (undefined: kernel routes not collected). */
  readonly kernelLegs?: readonly { readonly via?: string; readonly interface?: string }[];
  /** FRR's FIB view and the kernel agree (undefined: not comparable). */
  readonly agree?: boolean;
  /** Where the kernel would send it without the /32 (default route, mgmt). */
  readonly fallback?: string;
}

export interface MatrixRow {
  readonly host: string;
  readonly localTep?: string;
  readonly frr: boolean;
  readonly cells: readonly MatrixCell[];
}

export interface TepMatrix {
  readonly teps: readonly TepInfo[];
  readonly rows: readonly MatrixRow[];
}

export interface HostBgpSummary {
  readonly host: string;
  readonly frr: { readonly available: boolean; readonly reason?: string; readonly version?: string; readonly how?: readonly string[] };
  readonly localTep?: string;
  readonly established: number;
  readonly uplinks: number;
  readonly expectedUplinks: number;
}

export interface BgpReport {
  readonly expectedUplinks: number;
  readonly overlayMtu?: number;
  readonly hosts: readonly HostBgpSummary[];
  readonly sessions: readonly SessionRow[];
  readonly matrix: TepMatrix;
  readonly findings: readonly Finding[];
}

// ---------------------------------------------------------------------------------------------

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/;
const isTepDevice = (ifname: string, kind?: string) => ifname === 'lo' || kind === 'dummy' || /^(dummy|lo)/.test(ifname);
const msToClock = (ms: number) => {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

/** Evidence builders over one host's outputs. */
function evidenceOf(h: BgpHostState) {
  const fileOf = (id: string): SourceFile | undefined => h.files.get(id);
  return {
    /** A line of a collected output, quoted. */
    line(id: string, line: number | undefined, fallback?: string): Evidence {
      const f = fileOf(id);
      if (!f) return { file: `hosts/${h.host}/${id}.out`, excerpt: fallback ?? '(not collected)' };
      const text = line !== undefined ? f.lines[line - 1] : undefined;
      return { file: f.file, line: text !== undefined ? line : undefined, excerpt: excerptOf(text ?? fallback ?? f.lines.find((l) => l.trim()) ?? '') };
    },
    /** A JSON row of an `ip -j` output (one long line): quote the row, not the line. */
    row(id: string, line: number | undefined, raw: unknown): Evidence {
      const f = fileOf(id);
      return { file: f?.file ?? `hosts/${h.host}/${id}.out`, line, excerpt: excerptOf(JSON.stringify(raw), 240) };
    },
    has: (id: string) => h.files.has(id),
  };
}

interface Uplink {
  readonly peer: string;
  readonly summary?: BgpPeerSummary;
  readonly neighbor?: BgpNeighbor;
  readonly interface?: string;
  readonly name: string;
  readonly established: boolean;
  readonly bfd?: BfdPeer;
  readonly bfdCounters?: BfdCounters;
}

function peerLabel(u: Pick<Uplink, 'peer' | 'summary' | 'neighbor' | 'interface'>): string {
  const hn = u.summary?.hostname ?? u.neighbor?.hostname;
  const extra = [hn, u.interface && u.interface !== u.peer ? u.interface : undefined].filter(Boolean);
  return `peer ${u.peer}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

function uplinksOf(h: BgpHostState): Uplink[] {
  const afs = h.summary?.afs.filter((a) => a.vrf === 'default' && a.afi === 'ipv4Unicast') ?? [];
  const byPeer = new Map<string, BgpPeerSummary>();
  for (const a of afs) for (const p of a.peers) byPeer.set(p.peer, p);
  const neighbors = new Map((h.neighbors ?? []).map((n) => [n.peer, n] as const));
  const peers = byPeer.size ? [...byPeer.keys()] : [...neighbors.keys()];
  return peers.map((peer) => {
    const summary = byPeer.get(peer);
    const neighbor = neighbors.get(peer);
    const bfd = h.bfdPeers?.find((b) => b.peer === peer && (b.vrf === undefined || b.vrf === 'default'));
    const bfdCounters = h.bfdCounters?.find((b) => b.peer === peer && (b.vrf === undefined || b.vrf === 'default'));
    const state = summary?.state ?? neighbor?.bgpState ?? 'unknown';
    return { peer, summary, neighbor, interface: interfaceOfPeer(h, peer, neighbor, bfd), name: summary?.hostname ?? neighbor?.hostname ?? peer, established: state === 'Established', bfd, bfdCounters };
  });
}

/** The local interface a session runs over: unnumbered peer name, hostLocal's device, BFD's interface, or the connected route. */
function interfaceOfPeer(h: BgpHostState, peer: string, n: BgpNeighbor | undefined, bfd: BfdPeer | undefined): string | undefined {
  if (!IPV4.test(peer) && !peer.includes(':')) return peer;
  if (n?.hostLocal && h.kernel.addrs) {
    const d = deviceOfAddress(h.kernel.addrs, n.hostLocal);
    if (d) return d.link.ifname;
  }
  if (bfd?.interface) return bfd.interface;
  const connected = h.routes?.find((r) => r.protocol === 'connected' && IPV4.test(peer) && ipv4InPrefix(peer, r.prefix));
  if (connected?.nexthops[0]?.interfaceName) return connected.nexthops[0].interfaceName;
  if (h.kernel.routes && IPV4.test(peer)) return lookupIpv4(h.kernel.routes, peer)?.dev;
  return undefined;
}

/** This host's TEP: OVS ovn-encap-ip, else a /32 on lo/dummy that BGP originates, else any such /32. */
function localTepOf(h: BgpHostState, snapshot: BgpCheckInput['snapshot']): { ip: string; source: TepInfo['source'] } | undefined {
  const ovs = snapshot?.hosts.find((x) => x.name === h.host)?.encapIp;
  if (ovs && IPV4.test(ovs)) return { ip: ovs, source: 'ovs' };
  const onLo: string[] = [];
  for (const l of h.kernel.addrs ?? [])
    for (const a of l.addresses) if (a.family === 'inet' && a.prefixlen === 32 && isTepDevice(l.ifname, l.linkType === 'loopback' ? 'dummy' : undefined) && !a.local.startsWith('127.')) onLo.push(a.local);
  const originated = new Set((h.rib?.routes ?? []).filter((r) => r.paths.some(isLocalPath)).map((r) => r.prefix.replace(/\/32$/, '')));
  const pick = onLo.find((ip) => originated.has(ip)) ?? onLo[0];
  if (pick) return { ip: pick, source: 'kernel' };
  const bgpLocal = [...originated].find((p) => IPV4.test(p));
  return bgpLocal ? { ip: bgpLocal, source: 'bgp' } : undefined;
}

/** Chassis TEPs: SB encaps, OVS geneve remote_ips and every host's local TEP; without OVS/SB, also the per-TEP views collected. */
function tepUniverse(bgp: BgpSnapshot, snapshot: BgpCheckInput['snapshot'], locals: ReadonlyMap<string, { ip: string; source: TepInfo['source'] }>): TepInfo[] {
  // ip → what we know: the snapshot host it belongs to wins as a name (it matches the matrix rows), then the chassis.
  const known = new Map<string, { host?: string; chassis?: string; source: TepInfo['source'] }>();
  const add = (ip: string, info: { host?: string; chassis?: string; source: TepInfo['source'] }) => {
    const prev = known.get(ip);
    known.set(ip, { host: prev?.host ?? info.host, chassis: prev?.chassis ?? info.chassis, source: prev?.source ?? info.source });
  };
  let ovnKnown = false;
  for (const e of snapshot?.sb?.encaps ?? []) {
    if (!IPV4.test(e.ip)) continue;
    ovnKnown = true;
    add(e.ip, { chassis: e.chassisName || undefined, host: snapshot?.hosts.find((x) => x.chassis && x.chassis === e.chassisName)?.name, source: 'sb-encap' });
  }
  for (const hs of snapshot?.hosts ?? [])
    for (const i of hs.interfaces)
      if (i.type === 'geneve' && i.remoteIp && IPV4.test(i.remoteIp)) {
        ovnKnown = true;
        add(i.remoteIp, { chassis: i.ovnChassisId ? splitOvnChassisId(i.ovnChassisId).chassis : undefined, source: 'ovs' });
      }
  for (const [host, t] of locals) add(t.ip, { host, source: t.source });
  if (!ovnKnown) for (const h of bgp.hosts) for (const ip of h.teps.keys()) if (IPV4.test(ip)) add(ip, { source: 'bgp' });
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...known.entries()]
    .map(([ip, k]) => ({ ip, name: k.host ?? k.chassis ?? ip, host: k.host, source: k.source }))
    .sort((a, b) => Number(a.host === undefined) - Number(b.host === undefined) || byText(a.name, b.name) || byText(a.ip, b.ip));
}

/** FRR's route for a /32: the per-prefix view when collected, else the full table. */
function frrRouteFor(h: BgpHostState, ip: string): { route?: ZebraRoute; id: string; known: boolean } {
  const per = h.teps.get(ip)?.route;
  if (per) return { route: per.find((r) => r.selected) ?? per[0], id: FRR_IDS.routePrefix(ip), known: true };
  const all = h.routes?.filter((r) => r.prefix === `${ip}/32`);
  if (h.routes) return { route: all?.find((r) => r.selected) ?? all?.[0], id: FRR_IDS.routes, known: true };
  return { id: FRR_IDS.routePrefix(ip), known: false };
}

function kernelRouteFor(h: BgpHostState, ip: string, table: string): IpRoute | undefined {
  return h.kernel.routes?.find((r) => r.family === 'inet' && r.prefix === `${ip}/32` && r.table === table && r.type === 'unicast');
}

const legKey = (via: string | undefined, dev: string | undefined) => `${via ?? '-'}%${dev ?? '-'}`;

/** What identifies the router behind an uplink across hosts: its BGP router-id, its hostname (peer addresses differ per host). */
function routerKeys(u: Uplink): string[] {
  const rid = u.neighbor?.remoteRouterId;
  const name = u.summary?.hostname ?? u.neighbor?.hostname;
  return [...(rid && rid !== '0.0.0.0' ? [`rid:${rid}`] : []), ...(name ? [`name:${name}`] : [])];
}

/**
 * Whether a remote TEP can reach this host through the router behind uplink `u`: its host must
 * have an Established session with the same router and advertise its TEP on it. `undefined` when
 * that cannot be told (the TEP's host has no FRR data, the router has no id or hostname); otherwise
 * the reason it cannot, naming the finding that reports it.
 */
function pathThroughRouter(u: Uplink, t: TepInfo, uplinksByHost: ReadonlyMap<string, readonly Uplink[]>): { readonly has: boolean; readonly reason?: string } | undefined {
  const keys = routerKeys(u);
  const theirs = t.host !== undefined ? uplinksByHost.get(t.host) : undefined;
  if (!keys.length || !theirs) return undefined;
  const v = theirs.find((x) => routerKeys(x).some((k) => keys.includes(k)));
  if (!v) return { has: false, reason: `${t.host} has no session with ${u.name} (single-homed)` };
  if (!v.established) return { has: false, reason: `${t.host}'s session with ${u.name} is down (B1 on ${t.host})` };
  const snt = v.summary?.pfxSnt ?? v.neighbor?.afs.ipv4Unicast?.sentPrefixCounter;
  if (snt === 0) return { has: false, reason: `${t.host} advertises nothing to ${u.name} (B4/B5 on ${t.host})` };
  return { has: true };
}

// ---------------------------------------------------------------------------------------------

/** Runs B1–B14 over every host (or the selected ones) and builds the TEP matrix. */
export function checkBgp(input: BgpCheckInput, options: BgpCheckOptions): BgpReport {
  const expected = Math.max(1, options.expectedUplinks);
  const flapFailAt = options.flapFailAt ?? 2;
  const findings: Finding[] = [];
  const sessions: SessionRow[] = [];
  const summaries: HostBgpSummary[] = [];
  const rows: MatrixRow[] = [];

  const locals = new Map<string, { ip: string; source: TepInfo['source'] }>();
  for (const h of input.bgp.hosts) {
    const t = localTepOf(h, input.snapshot);
    if (t) locals.set(h.host, t);
  }
  const teps = tepUniverse(input.bgp, input.snapshot, locals);
  const selected = input.hosts ? new Set(input.hosts) : undefined;
  // Every host's uplinks, also of hosts not selected: B11 asks whether a remote TEP has a path through a ToR.
  const uplinksByHost = new Map(input.bgp.hosts.filter((h) => h.frr.available).map((h) => [h.host, uplinksOf(h)] as const));

  for (const h of input.bgp.hosts) {
    if (selected && !selected.has(h.host)) continue;
    const add = (id: string, severity: FindingSeverity, subject: string, message: string, evidence: Evidence[], fix?: string) =>
      findings.push({ id, severity, host: h.host, subject, message, evidence, fix });
    const ev = evidenceOf(h);
    const local = locals.get(h.host);

    if (!h.frr.available) {
      add('B1', 'n-a', 'FRR', `no FRR data for host ${h.host}: ${h.frr.reason ?? 'FRR did not answer'}`, [{ file: 'manifest.json', excerpt: excerptOf(`${(h.frr.executed ?? []).join(' ')} → ${h.frr.reason ?? ''}`) }], 'if this host runs FRR, check how ovnscope reaches it (inventory wrapper, or the netns/container convention) and re-collect');
      summaries.push({ host: h.host, frr: { available: false, reason: h.frr.reason, how: h.frr.executed }, localTep: local?.ip, established: 0, uplinks: 0, expectedUplinks: expected });
      rows.push({ host: h.host, localTep: local?.ip, frr: false, cells: teps.filter((t) => t.ip !== local?.ip).map((t) => ({ from: h.host, to: t.name, tep: t.ip, status: 'no-data' as const, legs: [], uplinks: [] })) });
      continue;
    }

    const uplinks = uplinksOf(h);
    const established = uplinks.filter((u) => u.established);
    const uplinkIfaces = new Set(uplinks.map((u) => u.interface).filter((x): x is string => !!x));
    const remoteTeps = teps.filter((t) => t.ip !== local?.ip);

    // Sessions table (every VRF/AF), and the per-peer checks on the uplinks.
    for (const a of h.summary?.afs ?? [])
      for (const p of a.peers) {
        const u = uplinks.find((x) => x.peer === p.peer && a.vrf === 'default' && a.afi === 'ipv4Unicast');
        const n = h.neighbors?.find((x) => x.peer === p.peer);
        const isUp = p.state === 'Established';
        const bfd = u?.bfd ?? h.bfdPeers?.find((b) => b.peer === p.peer);
        const counters = u?.bfdCounters ?? h.bfdCounters?.find((b) => b.peer === p.peer);
        sessions.push({
          host: h.host,
          vrf: a.vrf,
          afi: a.afi,
          peer: p.peer,
          hostname: p.hostname ?? n?.hostname,
          remoteAs: p.remoteAs,
          interface: u?.interface ?? interfaceOfPeer(h, p.peer, n, bfd),
          state: p.state,
          peerState: p.peerState,
          established: isUp,
          uptime: isUp ? p.peerUptime ?? (p.peerUptimeMsec !== undefined ? msToClock(p.peerUptimeMsec) : undefined) : undefined,
          downFor: !isUp && p.peerUptime && p.peerUptime !== 'never' && (p.connectionsEstablished ?? 1) > 0 ? p.peerUptime : undefined,
          pfxRcd: p.pfxRcd,
          pfxSnt: p.pfxSnt,
          connectionsEstablished: p.connectionsEstablished,
          connectionsDropped: p.connectionsDropped,
          lastResetDueTo: resetReason(n),
          bfd: bfd?.status ? { status: bfd.status, diagnostic: bfd.diagnostic, uptime: bfd.uptime, downtime: bfd.downtime, sessionDown: counters?.sessionDown } : n?.bfd?.status ? { status: n.bfd.status.toLowerCase() } : undefined,
        });
      }

    const sumEv = (u: Uplink, field: string) => ev.line(FRR_IDS.summary, u.summary?.at[field] ?? u.summary?.line, u.summary ? undefined : `${u.peer}`);
    const nbrEv = (u: Uplink, field: string) => ev.line(FRR_IDS.neighbors, u.neighbor?.at[field] ?? u.neighbor?.line);

    for (const u of uplinks) {
      const label = peerLabel(u);
      const state = u.summary?.state ?? u.neighbor?.bgpState ?? 'unknown';
      const reset = resetReason(u.neighbor);
      const stateEv = u.summary ? sumEv(u, 'state') : nbrEv(u, 'bgpState');
      const resetEv = reset ? [nbrEv(u, 'lastResetDueTo')] : [];
      // B1 session state
      // FRR 8.4 bgp_vty.c prints the FSM state (Idle, Connect, Active, OpenSent, OpenConfirm, Established,
      // Clearing, Deleted) or, for a session it holds down itself, "Idle (Admin)" (neighbor or whole
      // instance shut) and "Idle (PfxCt)" (maximum-prefix exceeded). Each needs its own advice.
      const prefixOverflow = state === 'Idle (PfxCt)' || u.summary?.peerState === 'PfxCt' || u.neighbor?.prefixesExceeded === true || u.neighbor?.lastResetDueTo === 'Reached received prefix count';
      if (u.established) add('B1', 'pass', label, `Established for ${u.summary?.peerUptime ?? u.neighbor?.bgpTimerUpString ?? '?'}`, [stateEv]);
      else if (state === 'Idle (Admin)' || u.summary?.peerState === 'Admin')
        add('B1', 'fail', label, `administratively shut down (state "${state}")`, [stateEv, ...resetEv], `the session is shut on this side: "no neighbor ${u.peer} shutdown" under "router bgp" (or "no bgp shutdown" if the whole instance is shut) if that was not intended`);
      else if (prefixOverflow) {
        const restart = u.neighbor?.prefixRestartInMsec;
        const rcvd = u.summary?.pfxRcd;
        add(
          'B1',
          'fail',
          label,
          `held down by FRR (state "${state}"): ${u.name} sent more prefixes than "neighbor ${u.peer} maximum-prefix" allows${rcvd !== undefined ? ` (pfxRcd ${rcvd})` : ''}, so the session was torn down${restart !== undefined ? `; FRR restarts it in ${Math.round(restart / 1000)} s (maximum-prefix … restart)` : ' and stays down until it is cleared'}${reset ? `; last reset: ${reset}` : ''}`,
          [stateEv, ...resetEv, ...(u.neighbor?.prefixesExceeded ? [nbrEv(u, 'prefixesConfigExceedMax')] : [])],
          `raise "neighbor ${u.peer} maximum-prefix" under "address-family ipv4 unicast" if the limit is too tight, or fix ${u.name}'s outbound policy if it sends more than it should (a leaked full table); then "clear bgp ${u.peer}" to bring the session back`,
        );
      } else {
        const never = (u.summary?.connectionsEstablished ?? u.neighbor?.connectionsEstablished) === 0 || u.summary?.peerUptime === 'never';
        const since = !never && u.summary?.peerUptime ? ` for ${u.summary.peerUptime}` : '';
        const link = u.interface ? `the link on ${u.interface} ("ip link show ${u.interface}", "show interface ${u.interface}", "show bfd peers")` : `the path to ${u.peer} ("ip route get ${u.peer}", "show bfd peers")`;
        const fix =
          state === 'OpenSent' || state === 'OpenConfirm'
            ? `TCP to ${u.peer} works but the OPEN exchange does not complete: compare remote-as, router-id (must differ), hold time and capabilities on both ends ("show bgp neighbors ${u.peer}", the bgpd log for the NOTIFICATION)`
            : state === 'Clearing' || state === 'Deleted'
              ? `the session is being reset or removed right now (${state}): collect again in a few seconds; if it persists, look at "show bgp neighbors ${u.peer}" and the bgpd log`
              : never
                ? `check the peering: address and remote-as on both ends ("show bgp neighbors ${u.peer}"), and ${link}`
                : `check ${link} and the ToR ${u.name}`;
        add('B1', 'fail', label, `not Established: state ${state}${since}${never ? ', never came up' : ''}${reset ? `; last reset: ${reset}` : ''}`, [stateEv, ...resetEv], fix);
      }
      // B2 peerState
      const ps = u.summary?.peerState;
      if (ps === undefined) add('B2', 'n-a', label, 'no peerState in the summary (FRR older than 7.5?)', [stateEv], `read the session's state by hand: vtysh -c "show bgp neighbors ${u.peer}" (FRR ≥ 7.5 reports peerState in "show bgp summary json")`);
      else if (ps === 'OK') add('B2', u.established ? 'pass' : 'n-a', label, u.established ? 'peerState OK' : 'peerState OK, but the session is not Established (see B1)', [sumEv(u, 'peerState')], u.established ? undefined : 'bring the session up first (see B1)');
      else if (ps === 'Passive' || ps === 'NSF passive') add('B2', 'warn', label, `peerState ${ps}: this side waits for the ToR to connect`, [sumEv(u, 'peerState')], 'fine if intended; otherwise remove "neighbor ... passive"');
      else if (ps === 'Policy')
        add(
          'B2',
          'fail',
          label,
          `peerState Policy: eBGP-requires-policy (RFC 8212) with no route-map in/out — Established but nothing is exchanged (pfxRcd ${u.summary?.pfxRcd ?? '?'}, pfxSnt ${u.summary?.pfxSnt ?? '?'})`,
          [sumEv(u, 'peerState')],
          `add "neighbor ${u.peer} route-map <IN> in" and "... route-map <OUT> out" under "address-family ipv4 unicast" (or "no bgp ebgp-requires-policy")`,
        );
      else if (ps === 'PfxCt') add('B2', 'fail', label, 'peerState PfxCt: the maximum-prefix limit was exceeded and the session was torn down', [sumEv(u, 'peerState')], `raise "neighbor ${u.peer} maximum-prefix", then "clear bgp ${u.peer}"`);
      else if (ps === 'Admin') add('B2', 'fail', label, 'peerState Admin: shut down by configuration', [sumEv(u, 'peerState')], `"no neighbor ${u.peer} shutdown" if that was not intended`);
      else add('B2', 'warn', label, `peerState ${ps}`, [sumEv(u, 'peerState')], `vtysh -c "show bgp neighbors ${u.peer}" says why FRR holds the session in ${ps}`);
      // B4 pfxSnt
      if (u.established) {
        const snt = u.summary?.pfxSnt ?? u.neighbor?.afs.ipv4Unicast?.sentPrefixCounter;
        if (snt === undefined) add('B4', 'n-a', label, 'pfxSnt not reported', [stateEv], `vtysh -c "show bgp ipv4 unicast neighbors ${u.peer} advertised-routes" on the host`);
        else if (snt >= 1) add('B4', 'pass', label, `sends ${plural(snt, 'prefix', 'prefixes')}`, [sumEv(u, 'pfxSnt')]);
        else add('B4', 'fail', label, `sends nothing (pfxSnt 0): the local TEP${local ? ` ${local.ip}/32` : ''} is not advertised to ${u.name}`, [sumEv(u, 'pfxSnt')], `check B5 and the outbound policy towards ${u.peer} ("show bgp ipv4 unicast neighbors ${u.peer} advertised-routes")`);
      }
      // B9 BFD
      const cfgNbr = h.runningConfig?.routers.find((r) => r.vrf === 'default')?.neighbors.find((x) => x.name === u.peer);
      const bfdConfigured = !!u.neighbor?.bfd || !!cfgNbr?.bfd || !!u.bfd;
      if (!bfdConfigured) add('B9', 'info', label, `no BFD on this uplink: failover waits for the BGP hold timer (${u.neighbor?.holdTimeMsecs !== undefined ? `${u.neighbor.holdTimeMsecs / 1000} s` : 'hold time'})`, [stateEv], `"neighbor ${u.peer} bfd" for sub-second failover`);
      else if (u.bfd) {
        const b = u.bfd;
        const bEv = ev.line(FRR_IDS.bfdPeers, b.at.status ?? b.line);
        const st = b.status ?? 'unknown';
        if (st === 'up') add('B9', 'pass', label, `BFD up for ${b.uptime ?? '?'} s (${b.receiveInterval ?? '?'}/${b.transmitInterval ?? '?'} ms ×${b.detectMultiplier ?? '?'})`, [bEv]);
        else if (st === 'init') add('B9', 'warn', label, 'BFD session in init: the ToR does not answer BFD yet', [bEv], `check that ${u.name} has BFD enabled for this peer`);
        else
          add(
            'B9',
            'fail',
            label,
            `BFD ${st}${b.downtime !== undefined ? ` for ${b.downtime} s` : ''}; diagnostic: ${b.diagnostic ?? '?'}${b.remoteDiagnostic && b.remoteDiagnostic !== 'ok' ? `, remote: ${b.remoteDiagnostic}` : ''}`,
            [bEv, ...(b.at.diagnostic ? [ev.line(FRR_IDS.bfdPeers, b.at.diagnostic)] : [])],
            st === 'shutdown' ? 'BFD is administratively down for this peer ("no shutdown" under "bfd peer")' : `the path to ${u.name} on ${u.interface ?? 'this uplink'} drops packets or is down: check the link and the ToR`,
          );
      } else if (u.neighbor?.bfd?.status) {
        const st = u.neighbor.bfd.status.toLowerCase();
        const nEv = nbrEv(u, 'peerBfdInfo');
        add(
          'B9',
          st === 'up' ? 'pass' : st === 'init' ? 'warn' : 'fail',
          label,
          `BFD ${st} (from "show bgp neighbors"; bfdd's own view was not collected)`,
          [nEv],
          st === 'up' ? undefined : st === 'init' ? `check that ${u.name} has BFD enabled for this peer` : `the path to ${u.name} on ${u.interface ?? 'this uplink'} drops packets or is down: check the link and the ToR ("show bfd peers" for the diagnostic)`,
        );
      } else add('B9', 'warn', label, 'BFD is configured for this neighbor but bfdd has no session for it', [stateEv], 'check that bfdd runs ("show bfd peers")');
      // B10 flaps
      const drops = u.summary?.connectionsDropped ?? u.neighbor?.connectionsDropped;
      const bfdDowns = u.bfdCounters?.sessionDown;
      const flaps = Math.max(drops ?? 0, bfdDowns ?? 0);
      if (drops === undefined && bfdDowns === undefined) add('B10', 'n-a', label, 'no connectionsDropped or BFD counters', [stateEv], `vtysh -c "show bgp neighbors ${u.peer} json" (connectionsDropped) and "show bfd peers counters" on the host`);
      else {
        const parts = [`${plural(drops ?? 0, 'session drop')}`, ...(bfdDowns !== undefined ? [`${plural(bfdDowns, 'BFD session-down')}`] : [])];
        const fEv = [u.summary ? sumEv(u, 'connectionsDropped') : nbrEv(u, 'connectionsDropped'), ...(u.bfdCounters ? [ev.line(FRR_IDS.bfdCounters, u.bfdCounters.at['session-down'] ?? u.bfdCounters.line)] : []), ...resetEv];
        const now = u.established ? `Established again for ${u.summary?.peerUptime ?? '?'}` : `currently ${state}`;
        if (flaps === 0) add('B10', 'pass', label, `no flaps (${parts.join(', ')})`, fEv);
        else if (flaps < flapFailAt) add('B10', 'warn', label, `flapped once (${parts.join(', ')}; ${now})${reset ? `; last reset: ${reset}` : ''}`, fEv, 'watch it: a second drop turns this into a failure');
        else add('B10', 'fail', label, `flapping: ${parts.join(', ')} (${now})${reset ? `; last reset: ${reset}` : ''}`, fEv, `find the cause on ${u.interface ?? 'the link'} to ${u.name} (errors, optics, LACP, CPU on the ToR); BFD timers too aggressive for the path also cause this`);
      }
      // B11 pfxRcd vs remote TEPs
      if (u.established) {
        const rcd = u.summary?.pfxRcd ?? u.neighbor?.afs.ipv4Unicast?.acceptedPrefixCounter;
        const fromPeer = (prefix: string) => h.rib?.routes.find((r) => r.prefix === prefix)?.paths.some((p) => p.valid && (p.peerId === u.peer || p.nexthops.some((nh) => nh.ip === u.peer)));
        // Only TEPs whose host reaches this ToR can come from it; the others are another finding (a down session, a single-homed host, a TEP not advertised).
        const through = new Map(remoteTeps.map((t) => [t.ip, pathThroughRouter(u, t, uplinksByHost)] as const));
        const noPath = (t: TepInfo) => through.get(t.ip)?.has === false;
        const why = (ts: readonly TepInfo[]) => ts.map((t) => `${t.ip} (${t.name}): ${through.get(t.ip)!.reason}`).join('; ');
        const expectedHere = remoteTeps.filter((t) => !noPath(t));
        const excused = remoteTeps.filter(noPath);
        if (rcd === undefined) add('B11', 'n-a', label, 'pfxRcd not reported', [stateEv], `vtysh -c "show bgp ipv4 unicast summary" on the host (PfxRcd of ${u.peer})`);
        else if (rcd === 0 && expectedHere.length)
          add(
            'B11',
            'fail',
            label,
            `receives nothing on an Established session (pfxRcd 0; ${plural(expectedHere.length, 'remote TEP')} expected through ${u.name}${excused.length ? `, not counting ${why(excused)}` : ''})`,
            [sumEv(u, 'pfxRcd')],
            `check ${u.name}'s outbound policy and this side's inbound policy (B2 Policy) — "show bgp ipv4 unicast neighbors ${u.peer} received-routes" needs soft-reconfiguration`,
          );
        else if (rcd === 0)
          add('B11', 'warn', label, `receives nothing (pfxRcd 0), and no remote TEP has a path through ${u.name}: ${why(excused)}`, [sumEv(u, 'pfxRcd')], `not ${u.name}'s policy: see the findings named here`);
        else if (!h.rib)
          add(
            'B11',
            rcd >= remoteTeps.length ? 'pass' : 'warn',
            label,
            `receives ${plural(rcd, 'prefix', 'prefixes')} for ${plural(remoteTeps.length, 'remote TEP')}`,
            [sumEv(u, 'pfxRcd')],
            rcd >= remoteTeps.length ? undefined : `see which TEPs are missing: vtysh -c "show bgp ipv4 unicast neighbors ${u.peer} routes"; then check that those hosts advertise them (B4/B5 on them) and ${u.name}'s outbound policy`,
          );
        else {
          const missing = remoteTeps.filter((t) => !fromPeer(`${t.ip}/32`));
          const dflt = fromPeer('0.0.0.0/0');
          const unexplained = missing.filter((t) => !noPath(t));
          if (!missing.length) add('B11', 'pass', label, `receives all ${plural(remoteTeps.length, 'remote TEP')} (pfxRcd ${rcd})`, [sumEv(u, 'pfxRcd')]);
          else if (dflt) add('B11', 'pass', label, `receives a default route (pfxRcd ${rcd}); ${missing.length} of ${remoteTeps.length} remote TEPs only via that default`, [sumEv(u, 'pfxRcd')]);
          else
            add(
              'B11',
              'warn',
              label,
              `receives ${remoteTeps.length - missing.length} of ${plural(remoteTeps.length, 'remote TEP')} (pfxRcd ${rcd}); not from ${u.name}: ${missing.map((t) => (noPath(t) ? `${t.ip} (${t.name}): ${through.get(t.ip)!.reason}` : `${t.ip} (${t.name})`)).join(', ')}`,
              [sumEv(u, 'pfxRcd')],
              unexplained.length ? `those TEPs have no path through ${u.name}: single-homed hosts, or ${u.name} does not learn/advertise them` : `not ${u.name}'s policy: see the findings named here`,
            );
        }
      }
    }

    // B3 established uplinks
    const b3Ev = uplinks.map((u) => (u.summary ? sumEv(u, 'state') : nbrEv(u, 'bgpState')));
    if (!uplinks.length) add('B3', 'fail', 'uplinks', 'no BGP peers in the default VRF (IPv4 unicast): the TEP cannot be advertised', [ev.line(FRR_IDS.summary, undefined)], 'configure "router bgp" with a neighbor per ToR');
    else if (established.length >= expected) add('B3', 'pass', 'uplinks', `${established.length} of ${expected} expected uplinks Established (${established.map((u) => u.name).join(', ')})`, b3Ev);
    else if (established.length >= 1)
      add('B3', 'warn', 'uplinks', `only ${established.length} of ${expected} expected uplinks Established (${established.map((u) => u.name).join(', ')}): no redundancy`, b3Ev, `bring back ${uplinks.filter((u) => !u.established).map((u) => u.name).join(', ') || 'a second uplink'} (see B1)`);
    else add('B3', 'fail', 'uplinks', `no uplink Established (0 of ${expected}): this host's TEP is unreachable`, b3Ev, 'see B1 for each peer');

    // B5 local TEP
    if (!local) add('B5', 'fail', 'local TEP', 'no TEP found: no OVS ovn-encap-ip, no /32 on lo or a dummy device, no locally originated /32 in BGP', [ev.line(KERNEL_IDS.addr, undefined)], 'put the TEP on lo as a /32 ("ip addr add <tep>/32 dev lo") and "network <tep>/32" under address-family ipv4 unicast');
    else {
      const subject = `local TEP ${local.ip}/32`;
      const dev = h.kernel.addrs ? deviceOfAddress(h.kernel.addrs, local.ip) : undefined;
      const devEv = dev ? ev.row(KERNEL_IDS.addr, dev.link.line, { ifname: dev.link.ifname, local: dev.addr.local, prefixlen: dev.addr.prefixlen }) : ev.line(KERNEL_IDS.addr, undefined);
      const detail = h.teps.get(local.ip)?.bgp;
      const ribRoute = h.rib?.routes.find((r) => r.prefix === `${local.ip}/32`);
      const localPath = detail?.present ? detail.paths.some(isLocalPath) : ribRoute?.paths.some(isLocalPath);
      const bgpEv = detail ? ev.line(FRR_IDS.bgpPrefix(local.ip), detail.at.advertisedTo ?? detail.line, detail.present ? undefined : '{}') : ev.line(FRR_IDS.rib, ribRoute?.line);
      if (h.kernel.addrs && !dev) add('B5', 'fail', subject, `${local.ip} is not configured on this host (ip addr)`, [devEv], `"ip addr add ${local.ip}/32 dev lo"`);
      else if (dev && (dev.addr.prefixlen !== 32 || !isTepDevice(dev.link.ifname)))
        add('B5', 'fail', subject, `${local.ip} is on ${dev.link.ifname} as /${dev.addr.prefixlen}, not a /32 on lo or a dummy device`, [devEv], 'the TEP-/32 design puts the TEP on lo (or a dummy) so it survives the loss of any one uplink');
      else if (localPath === false || (localPath === undefined && (h.rib || detail)))
        add('B5', 'fail', subject, `${local.ip}/32 is not originated by BGP (not in the BGP table as a local path): no uplink learns this TEP`, [bgpEv, devEv], `add "network ${local.ip}/32" under "address-family ipv4 unicast" (or redistribute connected with a route-map)`);
      else if (localPath === undefined) add('B5', 'n-a', subject, 'BGP table not collected', [devEv], `vtysh -c "show bgp ipv4 unicast ${local.ip}/32 json" on the host, or collect again with this ovnscope`);
      else if (!detail?.present) add('B5', 'pass', subject, `${local.ip}/32 on ${dev?.link.ifname ?? 'lo'} and originated by BGP (advertisement not collected per prefix)`, [bgpEv, devEv]);
      else {
        const advertised = new Set(detail.advertisedTo.map((a) => a.peer));
        const to = established.filter((u) => advertised.has(u.peer));
        const notTo = established.filter((u) => !advertised.has(u.peer));
        if (established.length && !notTo.length) add('B5', 'pass', subject, `on ${dev?.link.ifname ?? 'lo'}, originated by BGP and advertised to ${to.map((u) => u.name).join(', ')}`, [bgpEv, devEv]);
        else if (to.length) add('B5', 'warn', subject, `advertised to ${to.length} of ${established.length} Established uplinks (${to.map((u) => u.name).join(', ')}); not to ${notTo.map((u) => u.name).join(', ')}`, [bgpEv, devEv], `check the outbound policy towards ${notTo.map((u) => u.peer).join(', ')}`);
        else {
          // advertisedTo lists the update-group members FRR would send to, Established or not: say which ones are not Established uplinks.
          const listed = advertised.size ? `advertisedTo lists ${[...advertised].join(', ')}, none of which is an Established uplink` : 'advertisedTo is empty';
          if (!established.length) add('B5', 'fail', subject, `originated by BGP, but no uplink session is Established (B1, B3), so no ToR learns it (${listed})`, [bgpEv, devEv], 'bring the uplink sessions up (see B1)');
          else add('B5', 'fail', subject, `originated by BGP, but not advertised to any Established uplink (${established.map((u) => u.name).join(', ')}; ${listed})`, [bgpEv, devEv], `check the outbound route-maps / eBGP-requires-policy (B2) and B4 towards ${established.map((u) => u.peer).join(', ')}`);
        }
      }
    }

    // B8 ECMP configuration
    {
      const af = h.summary?.afs.find((a) => a.vrf === 'default' && a.afi === 'ipv4Unicast');
      const router = h.runningConfig?.routers.find((r) => r.vrf === 'default');
      const asns = new Set(uplinks.map((u) => String(u.summary?.remoteAs ?? u.neighbor?.remoteAs ?? '')).filter(Boolean));
      const needRelax = asns.size > 1;
      const relax = af?.multiPathRelax ?? router?.multipathRelax;
      const maxPaths = router?.maximumPaths.ipv4Unicast;
      const built = h.version?.multipath;
      const effMax = maxPaths?.value ?? built;
      const problems: string[] = [];
      if (needRelax && relax === false) problems.push(`"bgp bestpath as-path multipath-relax" is off while the uplinks are in ${asns.size} different ASes (${[...asns].join(', ')})`);
      if (effMax !== undefined && effMax < 2) problems.push(maxPaths ? `maximum-paths ${maxPaths.value}` : `FRR built with --enable-multipath=${built}`);
      const relaxEv = af ? ev.line(FRR_IDS.summary, af.at.bestPath ?? af.line) : ev.line(FRR_IDS.runningConfig, router?.multipathRelaxLine ?? router?.line);
      const evs = [relaxEv, ...(maxPaths ? [ev.line(FRR_IDS.runningConfig, maxPaths.line)] : []), ...(built !== undefined && !maxPaths ? [ev.line(FRR_IDS.version, undefined, `--enable-multipath=${built}`)] : [])];
      const narrowed = remoteTeps.some((t) => {
        const paths = h.teps.get(t.ip)?.bgp?.paths ?? h.rib?.routes.find((r) => r.prefix === `${t.ip}/32`)?.paths ?? [];
        return paths.filter((p) => p.valid && !isLocalPath(p)).length >= 2 && ecmpPaths(paths).length < 2;
      });
      if (relax === undefined && !router) add('B8', 'n-a', 'ECMP', 'neither the summary nor the running-config was collected', [relaxEv], 'vtysh -c "show running-config" on the host (maximum-paths, bgp bestpath as-path multipath-relax), or collect again with this ovnscope');
      else if (!problems.length)
        add('B8', 'pass', 'ECMP', `ECMP enabled: ${needRelax ? 'multipath-relax on (uplinks in different ASes)' : 'uplinks in one AS'}; maximum-paths ${maxPaths ? maxPaths.value : `default${built ? ` (${built})` : ''}`}`, evs);
      else if (narrowed) add('B8', 'fail', 'ECMP', `${problems.join('; ')} — and routes with two valid paths use only one`, evs, '"bgp bestpath as-path multipath-relax" under "router bgp", and "maximum-paths 2" (or more) under "address-family ipv4 unicast"');
      else add('B8', 'warn', 'ECMP', `${problems.join('; ')} (no route shows the effect yet)`, evs, '"bgp bestpath as-path multipath-relax" under "router bgp", and "maximum-paths 2" (or more) under "address-family ipv4 unicast"');
    }

    // B6/B7 per remote TEP, and the matrix row
    const cells: MatrixCell[] = [];
    const legDevices = new Map<string, { mtu?: number; line?: number; raw?: unknown; teps: string[] }>();
    const linkOf = (name: string | undefined): IpLink | undefined => (name ? h.kernel.links?.find((l) => l.ifname === name) : undefined);
    for (const t of remoteTeps) {
      const subject = `TEP ${t.ip}/32 (${t.name})`;
      const { route, id, known } = frrRouteFor(h, t.ip);
      const routeEv = route ? ev.line(id, route.at.protocol ?? route.line) : ev.line(id, undefined, '{}');
      const kernelTable = tableName(route?.table);
      const kroute = h.kernel.routes ? kernelRouteFor(h, t.ip, kernelTable) : undefined;
      const kernelMatch = !route && h.kernel.routes ? lookupIpv4(h.kernel.routes, t.ip) : undefined;
      // The kernel still holding the exact /32 FRR no longer has is not a less specific route: it is a
      // stale entry (zebra did not remove it, or something else installed it) — FRR and the kernel disagree.
      const staleRoute = kernelMatch?.prefix === `${t.ip}/32` && kernelMatch.type === 'unicast' ? kernelMatch : undefined;
      const fallbackRoute = staleRoute ? undefined : kernelMatch;
      const routeText = (r: IpRoute) => {
        const legs = routeLegs(r);
        return `${r.prefix}${legs.length ? ` ${legs.map((l) => `${l.gateway ? `via ${l.gateway}` : ''}${l.dev ? ` dev ${l.dev}` : ''}`.trim()).join(', ')}` : r.nhid !== undefined ? ` nhid ${r.nhid}` : ''}${r.protocol ? ` proto ${r.protocol}` : ''}`;
      };
      const fallback = fallbackRoute ? `${fallbackRoute.prefix}${fallbackRoute.gateway ? ` via ${fallbackRoute.gateway}` : ''}${fallbackRoute.dev ? ` dev ${fallbackRoute.dev}` : ''}` : undefined;
      const legs: MatrixLeg[] = (route?.nexthops ?? []).filter((n) => !n.duplicate).map((n) => ({ via: n.ip, interface: n.interfaceName, fib: n.fib, mtu: linkOf(n.interfaceName)?.mtu }));
      const fibLegs = legs.filter((l) => l.fib);
      const ifaces = [...new Set(fibLegs.map((l) => l.interface ?? l.via ?? '?'))];
      let status: CellStatus;
      if (!known) status = 'no-data';
      else if (!route) status = 'missing';
      else if (route.protocol !== 'bgp') status = 'not-bgp';
      else if (!(route.selected && route.installed) || !fibLegs.length) status = 'not-installed';
      else status = ifaces.length >= expected ? 'ecmp' : ifaces.length === 1 ? 'single' : 'degraded';
      // B6
      const legText = fibLegs.map((l) => `${l.via ?? 'direct'} on ${l.interface ?? '?'}`).join(', ');
      if (status === 'no-data') add('B6', 'n-a', subject, 'zebra routes not collected', [routeEv], `vtysh -c "show ip route ${t.ip}/32 json" on the host, or collect again with this ovnscope`);
      else if (status === 'ecmp') add('B6', 'pass', subject, `installed via ${ifaces.length} ECMP next hops: ${legText}`, [routeEv]);
      else if (status === 'single' || status === 'degraded')
        add(
          'B6',
          'warn',
          subject,
          `installed via ${plural(ifaces.length, 'uplink')} only (${legText}) of ${expected} expected: no redundancy for this TEP`,
          [routeEv],
          established.length < expected ? `${h.host} itself has ${plural(established.length, 'Established uplink')} (B3)` : `${t.name} is reachable through fewer uplinks: is it dual-homed, and are its sessions up (ovnscope bgp --host ${t.host ?? t.name})?`,
        );
      else if (status === 'missing' && staleRoute)
        add('B6', 'fail', subject, `no route to ${t.ip}/32 in FRR, yet the kernel still holds ${routeText(staleRoute)}: GENEVE traffic to ${t.name} follows a stale route FRR no longer maintains (see B7) and stops when it is removed`, [routeEv, ev.row(KERNEL_IDS.route, staleRoute.line, staleRoute.raw)], `check that ${t.name} advertises its TEP (ovnscope bgp --host ${t.host ?? t.name}: B4/B5) and that this host's uplinks accept it (B2, B11)`);
      else if (status === 'missing')
        add('B6', 'fail', subject, `no route to ${t.ip}/32 in FRR${fallback ? `; the kernel would use ${fallback}` : h.kernel.routes ? '; the kernel has no route to it either' : ''}: GENEVE traffic to ${t.name} ${fallback ? 'leaks via a less specific route' : 'is dropped'}`, [routeEv, ...(fallbackRoute ? [ev.row(KERNEL_IDS.route, fallbackRoute.line, fallbackRoute.raw)] : [])], `check that ${t.name} advertises its TEP (ovnscope bgp --host ${t.host ?? t.name}: B4/B5) and that this host's uplinks accept it (B2, B11)`);
      else if (status === 'not-bgp') add('B6', route!.protocol === 'kernel' || route!.protocol === 'static' ? 'warn' : 'fail', subject, `route to ${t.ip}/32 comes from ${route!.protocol}, not BGP`, [routeEv], 'the TEP design expects the /32 from BGP; remove the static/kernel route if it shadows BGP');
      else add('B6', 'fail', subject, `BGP route to ${t.ip}/32 is not installed (selected ${route!.selected}, installed ${route!.installed}${route!.queued ? ', queued' : ''}${route!.failed ? ', FAILED' : ''})`, [routeEv], 'look at zebra ("show ip route … json", the zebra log) for why the install failed');
      // B7 RIB vs FIB
      let kernelLegs: { via?: string; interface?: string }[] | undefined;
      let agree: boolean | undefined;
      if (h.kernel.routes && route && route.protocol === 'bgp' && route.installed) {
        kernelLegs = kroute ? routeLegs(kroute).map((l) => ({ via: l.gateway, interface: l.dev })) : [];
        const nhLegs = kroute?.nhid !== undefined && h.kernel.nexthops ? resolveNexthop(h.kernel.nexthops, kroute.nhid) : undefined;
        const frrSet = new Set(fibLegs.map((l) => legKey(l.via, l.interface)));
        const kSet = new Set(kernelLegs.map((l) => legKey(l.via, l.interface)));
        agree = frrSet.size === kSet.size && [...frrSet].every((k) => kSet.has(k));
        const kEv = kroute ? [ev.row(KERNEL_IDS.route, kroute.line, kroute.raw)] : [ev.line(KERNEL_IDS.route, undefined, `no ${t.ip}/32 in table ${kernelTable}`)];
        const nhEv = kroute?.nhid !== undefined && h.kernel.nexthops ? h.kernel.nexthops.filter((n) => n.id === kroute.nhid).map((n) => ev.row(KERNEL_IDS.nexthop, n.line, n.raw)) : [];
        const describe = (ls: { via?: string; interface?: string }[]) => (ls.length ? ls.map((l) => `${l.via ?? 'direct'} ${l.interface ?? ''}`.trim()).join(', ') : 'none');
        if (agree) add('B7', 'pass', subject, `FRR and the kernel agree: ${plural(kSet.size, 'next hop')} (${describe(kernelLegs)})${nhLegs && nhLegs.length !== kernelLegs.length ? `; note: nexthop object ${kroute!.nhid} resolves to ${nhLegs.length}` : ''}`, [routeEv, ...kEv]);
        else
          add(
            'B7',
            'fail',
            subject,
            `FRR and the kernel disagree: FRR has ${plural(fibLegs.length, 'next hop')} marked fib (${describe(fibLegs)}${route.installedNexthopGroupId !== undefined ? `, NHG ${route.installedNexthopGroupId}` : ''}), the kernel forwards over ${kernelLegs.length} (${describe(kernelLegs)}${kroute?.nhid !== undefined ? `, nhid ${kroute.nhid}${nhLegs ? ` → ${nhLegs.map((n) => n.id).join(',')}` : ''}` : ''})`,
            [routeEv, ...kEv, ...nhEv],
            'zebra\'s next-hop group is out of sync with the kernel (seen with FRR 8.4 after a link flap; FRR issues #12239, #14160, #15505, fixed by PR #18374): reinstall the route (restart FRR or bounce the uplink in a maintenance window) and upgrade FRR',
          );
      } else if (route && route.protocol === 'bgp' && route.installed) add('B7', 'n-a', subject, 'kernel routes (ip -j route show table all) not collected', [routeEv], `compare by hand: "ip route show ${t.ip}/32 table all" against FRR's "show ip route ${t.ip}/32", or collect again with this ovnscope`);
      else if (status === 'missing' && staleRoute) {
        kernelLegs = routeLegs(staleRoute).map((l) => ({ via: l.gateway, interface: l.dev }));
        agree = false;
        add(
          'B7',
          'fail',
          subject,
          `FRR and the kernel disagree: FRR has no route to ${t.ip}/32, the kernel still forwards it (${routeText(staleRoute)})`,
          [routeEv, ev.row(KERNEL_IDS.route, staleRoute.line, staleRoute.raw)],
          staleRoute.protocol === 'bgp' || staleRoute.protocol === 'zebra' || staleRoute.protocol === '186'
            ? `zebra did not remove this route when FRR lost the /32 (the kernel and zebra are out of sync): once B6 is fixed, zebra installs the /32 again and replaces it; if it is to stay withdrawn, remove it ("ip route del ${t.ip}/32${staleRoute.table !== 'main' ? ` table ${staleRoute.table}` : ''}") or restart FRR in a maintenance window`
            : `the kernel route (proto ${staleRoute.protocol ?? 'boot'}) was not installed by FRR: remove it if the /32 should come from BGP ("ip route del ${t.ip}/32${staleRoute.table !== 'main' ? ` table ${staleRoute.table}` : ''}")`,
        );
      }
      // B14 legs
      for (const l of fibLegs) {
        if (!l.interface) continue;
        const link = linkOf(l.interface);
        const entry = legDevices.get(l.interface) ?? { mtu: link?.mtu, line: link?.line, raw: link ? { ifname: link.ifname, mtu: link.mtu, kind: link.kind, operstate: link.operstate } : undefined, teps: [] };
        entry.teps.push(t.ip);
        legDevices.set(l.interface, entry);
      }
      cells.push({ from: h.host, to: t.name, tep: t.ip, status, protocol: route?.protocol, legs, uplinks: ifaces, kernelLegs, agree, fallback: route ? undefined : fallback });
    }
    rows.push({ host: h.host, localTep: local?.ip, frr: true, cells });

    // B14 MTU per ECMP leg (per host: the legs are the uplinks, shared by every TEP route)
    {
      const legs = [...legDevices.entries()];
      const withMtu = legs.filter(([, v]) => v.mtu !== undefined);
      const evs = withMtu.map(([, v]) => ev.row(KERNEL_IDS.link, v.line, v.raw));
      if (!legs.length) add('B14', 'n-a', 'ECMP legs MTU', 'no installed TEP route, so no legs to measure', [], 'install the TEP routes first (see B6)');
      else if (!withMtu.length) add('B14', 'n-a', 'ECMP legs MTU', `no MTU known for ${legs.map(([n]) => n).join(', ')} (ip -j -d link not collected)`, [], `"ip link show ${legs.map(([n]) => n).join(' / ')}" on the host, or collect again with this ovnscope`);
      else {
        const mtus = withMtu.map(([n, v]) => ({ n, mtu: v.mtu! }));
        const min = Math.min(...mtus.map((m) => m.mtu));
        const list = mtus.map((m) => `${m.n} ${m.mtu}`).join(', ');
        if (options.overlayMtu !== undefined) {
          const need = options.overlayMtu + GENEVE_OVERHEAD_V4;
          const small = mtus.filter((m) => m.mtu < need);
          if (small.length) add('B14', 'fail', 'ECMP legs MTU', `legs below ${need} (overlay MTU ${options.overlayMtu} + ${GENEVE_OVERHEAD_V4}): ${small.map((m) => `${m.n} ${m.mtu}`).join(', ')} — large packets hashed onto them are dropped`, evs, `raise the MTU of ${small.map((m) => m.n).join(', ')} (and the ToR ports) to ≥ ${need}, or lower the overlay MTU to ${min - GENEVE_OVERHEAD_V4}`);
          else add('B14', 'pass', 'ECMP legs MTU', `every leg fits overlay MTU ${options.overlayMtu} + ${GENEVE_OVERHEAD_V4}: ${list}`, evs);
        } else if (new Set(mtus.map((m) => m.mtu)).size > 1)
          add('B14', 'warn', 'ECMP legs MTU', `ECMP legs differ in MTU (${list}): flows hashed onto the smaller leg see a smaller path MTU; the overlay MTU must fit ${min} − ${GENEVE_OVERHEAD_V4} = ${min - GENEVE_OVERHEAD_V4}`, evs, 'make the uplinks\' MTUs equal (pass --overlay-mtu to check against the overlay)');
        else add('B14', 'pass', 'ECMP legs MTU', `legs have MTU ${min} (${list}): overlay MTU up to ${min - GENEVE_OVERHEAD_V4}`, evs);
      }
    }

    // B12/B13 OVS tunnel side (needs the OVS views of the same host)
    {
      const hs = input.snapshot?.hosts.find((x) => x.name === h.host);
      const geneve = hs?.interfaces.filter((i) => i.type === 'geneve') ?? [];
      const ifEvidence = (name: string, text: string): Evidence => ({ file: `hosts/${h.host}/ovs-vsctl.list.Interface.out`, excerpt: excerptOf(`${name}: ${text}`) });
      const noOvsFix = 'collect the OVS side too: this ovnscope collects "ovs-vsctl list Interface" on every host (check that ovsdb-server runs there)';
      const noGeneveFix = 'is ovn-controller running on this chassis? It creates a geneve port per remote chassis when external_ids:ovn-encap-type is geneve';
      if (!hs || !hs.interfaces.length) add('B12', 'n-a', 'tunnel egress', 'no OVS data for this host', [], noOvsFix);
      else if (!geneve.length) add('B12', 'n-a', 'tunnel egress', 'no geneve ports in OVS', [], noGeneveFix);
      else {
        const known = geneve.filter((g) => g.tunnelEgressIface);
        const bad = known.filter((g) => !uplinkIfaces.has(g.tunnelEgressIface!));
        if (!known.length) add('B12', 'n-a', 'tunnel egress', 'OVS reports no status:tunnel_egress_iface on the geneve ports', [], 'compare by hand: "ip route get REMOTE_IP" for each remote TEP must leave through a BGP uplink (OVS fills tunnel_egress_iface only when it resolves the route)');
        else if (!bad.length) add('B12', 'pass', 'tunnel egress', `all ${plural(known.length, 'geneve port')} leave through BGP uplinks (${[...new Set(known.map((g) => g.tunnelEgressIface!))].join(', ')})`, known.slice(0, 3).map((g) => ifEvidence(g.name, `tunnel_egress_iface=${g.tunnelEgressIface}`)));
        else
          add('B12', 'fail', 'tunnel egress', `${plural(bad.length, 'geneve port')} leave through a non-uplink interface: ${bad.slice(0, 5).map((g) => `${g.name} → ${g.tunnelEgressIface} (remote ${g.remoteIp ?? '?'})`).join(', ')} — TEP reachability leaks via another route (default/mgmt)`, bad.slice(0, 5).map((g) => ifEvidence(g.name, `tunnel_egress_iface=${g.tunnelEgressIface}`)), 'fix the missing TEP /32 routes (B6) so the tunnels follow the uplinks');
      }
      const withBfd = geneve.filter((g) => g.bfd.enable === 'true');
      if (!withBfd.length) add('B13', 'n-a', 'tunnel BFD', hs && hs.interfaces.length ? 'no geneve port has BFD enabled (only gateway chassis use it)' : 'no OVS data for this host', [], hs && hs.interfaces.length ? 'nothing to check: OVN enables tunnel BFD only between a gateway chassis and the chassis it serves (HA chassis groups)' : noOvsFix);
      else {
        const down = withBfd.filter((g) => g.bfdStatus.state === 'down');
        const notUp = withBfd.filter((g) => g.bfdStatus.state !== 'up' || g.bfdStatus.forwarding !== 'true');
        const evs = (gs: typeof withBfd) => gs.slice(0, 5).map((g) => ifEvidence(g.name, `bfd_status state=${g.bfdStatus.state ?? '?'} forwarding=${g.bfdStatus.forwarding ?? '?'} diagnostic="${g.bfdStatus.diagnostic ?? ''}"`));
        if (down.length) add('B13', 'fail', 'tunnel BFD', `tunnel BFD down on ${down.map((g) => `${g.name} (remote ${g.remoteIp ?? '?'})`).join(', ')}`, evs(down), 'the remote chassis is unreachable over the underlay (see B6 for its TEP) or its ovs-vswitchd is down');
        else if (notUp.length) add('B13', 'warn', 'tunnel BFD', `tunnel BFD not forwarding on ${notUp.map((g) => g.name).join(', ')}`, evs(notUp), '"ovs-appctl bfd/show" on this host gives the state and diagnostic of each session; the remote chassis or the underlay path to it (B6) is the usual cause');
        else add('B13', 'pass', 'tunnel BFD', `tunnel BFD up and forwarding on ${plural(withBfd.length, 'geneve port')}`, evs(withBfd));
      }
    }

    summaries.push({
      host: h.host,
      frr: { available: true, version: h.version?.version, how: h.frr.executed },
      localTep: local?.ip,
      established: established.length,
      uplinks: uplinks.length,
      expectedUplinks: expected,
    });
  }
  return { expectedUplinks: expected, overlayMtu: options.overlayMtu, hosts: summaries, sessions, matrix: { teps, rows }, findings };
}
