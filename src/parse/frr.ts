/**
 * FRR (vtysh) outputs: BGP summaries (`show bgp [vrf all] [ipv4 unicast] summary json`), neighbors,
 * the BGP RIB and per-prefix detail, zebra routes, BFD peers and counters, `show version` and
 * `show running-config`. Shapes are those of FRR 8.4 (DOMAIN.md §5.2); older releases are read
 * where they differ only in names (`prefixReceivedCount`).
 *
 * FRR has emitted invalid JSON (a trailing comma after the last peer, FRR issue #2567), and a
 * collection can be cut off, so JSON is read by the shared lenient reader (json-text.ts) that
 * records the line of every key (for evidence), repairs trailing commas with a warning and turns
 * everything else into diagnostics. Nothing here throws on input.
 */
import type { Diagnostic, Parsed } from '../model/diagnostic.js';
import { JsonReader } from './json-text.js';

// ---------------------------------------------------------------------------------------------
// Lenient JSON with line positions

/** Parsed JSON plus where each key sits in the text. */
export interface JsonDoc {
  readonly value: unknown;
  /** 1-based line of `key` in `container` (object key or array index); of the container itself without key. */
  lineOf(container: unknown, key?: string | number): number | undefined;
}

/** Line of each key of one JSON object, for evidence. */
export type FieldLines = Readonly<Record<string, number>>;

/**
 * Reads one JSON value (the shared reader, json-text.ts, with key positions and trailing commas
 * read past). Lines before it that start with `#` (fixture headers) are skipped; lines that start
 * with `%` are vtysh messages (`% Unknown command`, `% bgpd is not running`) and become warnings.
 * A trailing comma is repaired with a warning; anything else wrong is an error and the value is
 * undefined. Text after the value is ignored with a warning.
 */
export function readJson(text: string, file?: string): Parsed<JsonDoc | undefined> {
  const diagnostics: Diagnostic[] = [];
  const newlines: number[] = [];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) newlines.push(i);
  const lineAt = (offset: number): number => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  const lineText = (line: number) => text.slice(line === 1 ? 0 : newlines[line - 2]! + 1, newlines[line - 1] ?? text.length);
  const diag = (severity: Diagnostic['severity'], offset: number, message: string) => {
    const line = lineAt(offset);
    diagnostics.push({ severity, file, line, message, excerpt: lineText(line).trim().slice(0, 200) });
  };

  let i = 0;
  const n = text.length;
  // Leading comment / message lines.
  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r' || text[i] === '\n')) i++;
    if (text[i] !== '#' && text[i] !== '%') break;
    const end = text.indexOf('\n', i);
    const lineEnd = end === -1 ? n : end;
    if (text[i] === '%') diag('warning', i, `vtysh said: ${text.slice(i, lineEnd).trim()}`);
    i = lineEnd;
  }
  if (i >= n) {
    if (!diagnostics.length) diag('warning', Math.max(0, n - 1), 'empty output: expected JSON');
    return { value: undefined, diagnostics };
  }

  const reader = new JsonReader(text, { positions: true, trailingCommas: true }, i);
  const value = reader.value(0);
  for (const t of reader.trailingCommas) diag('warning', t.offset, `invalid JSON: trailing comma before "${t.close}" (an FRR bug, see FRR issue #2567); read leniently`);
  if (reader.error) {
    diag('error', Math.min(reader.error.offset, Math.max(0, n - 1)), `not valid JSON: ${reader.error.message}`);
    return { value: undefined, diagnostics };
  }
  reader.ws();
  if (reader.pos < n) diag('warning', reader.pos, `text after the JSON value ignored: ${JSON.stringify(text.slice(reader.pos, reader.pos + 40))}`);
  const doc: JsonDoc = {
    value,
    lineOf: (container, key) => {
      if (typeof container !== 'object' || container === null) return undefined;
      const offset = key === undefined ? reader.starts.get(container) : reader.positions.get(container)?.get(key);
      return offset === undefined ? undefined : lineAt(offset);
    },
  };
  return { value: doc, diagnostics };
}

// ---------------------------------------------------------------------------------------------
// Field helpers

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Obj, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
const num = (o: Obj, k: string): number | undefined => {
  const v = o[k];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
};
const bool = (o: Obj, k: string): boolean | undefined => {
  const v = o[k];
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
};
/** ASNs are numbers, but unnumbered/dynamic peers say "external"/"internal". */
const asn = (o: Obj, k: string): number | string | undefined => num(o, k) ?? str(o, k);

function linesOf(doc: JsonDoc, o: Obj): FieldLines {
  const out: Record<string, number> = {};
  for (const k of Object.keys(o)) {
    const l = doc.lineOf(o, k);
    if (l !== undefined) out[k] = l;
  }
  return out;
}

function unexpected(file: string | undefined, doc: JsonDoc, container: unknown, message: string): Diagnostic {
  return { severity: 'warning', file, line: doc.lineOf(container), message };
}

/** Reads JSON and hands the root to `convert`; the shape every parser below shares. */
function withJson<T>(text: string, file: string | undefined, convert: (doc: JsonDoc, diagnostics: Diagnostic[]) => T | undefined): Parsed<T | undefined> {
  const read = readJson(text, file);
  const diagnostics: Diagnostic[] = [...read.diagnostics];
  if (!read.value) return { value: undefined, diagnostics };
  try {
    return { value: convert(read.value, diagnostics), diagnostics };
  } catch (e) {
    // A converter bug must not take the whole command down; report it as what it is.
    diagnostics.push({ severity: 'error', file, message: `internal error reading this output: ${(e as Error).message}` });
    return { value: undefined, diagnostics };
  }
}

// ---------------------------------------------------------------------------------------------
// show bgp [vrf all] [ipv4 unicast] summary json

export interface BgpPeerSummary {
  /** Peer address, or interface name for unnumbered peers. */
  readonly peer: string;
  readonly vrf: string;
  /** Address family key as FRR names it: `ipv4Unicast`, `ipv6Unicast`, `l2VpnEvpn`, … */
  readonly afi: string;
  readonly hostname?: string;
  readonly remoteAs?: number | string;
  readonly localAs?: number;
  /** FSM state (`Established`, `Active`, `Connect`, `Idle`, …) or `Idle (Admin)` / `Idle (PfxCt)`. */
  readonly state: string;
  /** `OK`, `Admin`, `PfxCt`, `Passive`, `NSF passive`, `Policy`. */
  readonly peerState?: string;
  /** Up/Down time: since Established when the state is Established, else since it went down. */
  readonly peerUptime?: string;
  readonly peerUptimeMsec?: number;
  readonly peerUptimeEstablishedEpoch?: number;
  readonly pfxRcd?: number;
  readonly pfxSnt?: number;
  readonly msgRcvd?: number;
  readonly msgSent?: number;
  readonly outq?: number;
  readonly inq?: number;
  readonly connectionsEstablished?: number;
  readonly connectionsDropped?: number;
  readonly desc?: string;
  readonly idType?: string;
  /** Line of the peer's key. */
  readonly line?: number;
  readonly at: FieldLines;
}

export interface BgpAfSummary {
  readonly vrf: string;
  readonly afi: string;
  readonly routerId?: string;
  readonly as?: number;
  readonly vrfId?: number;
  /** `bestPath.multiPathRelax` ("as-path multipath-relax"). */
  readonly multiPathRelax?: boolean;
  readonly failedPeers?: number;
  readonly totalPeers?: number;
  readonly peers: readonly BgpPeerSummary[];
  readonly line?: number;
  readonly at: FieldLines;
}

export interface BgpSummary {
  /** Which command shape was seen: `show bgp vrf all summary json`, `show bgp summary json`, or the inner AF object. */
  readonly shape: 'vrf-all' | 'afi-map' | 'afi';
  /** Empty when BGP is not configured (FRR prints `{}`). */
  readonly afs: readonly BgpAfSummary[];
}

const AFI_KEY = /^(ipv4|ipv6|l2Vpn|l2vpn)[A-Za-z]*$/;
const looksLikeAf = (v: unknown) => isObj(v) && ('peers' in v || 'routerId' in v || 'totalPeers' in v || 'as' in v);
const normVrf = (v: string | undefined) => (v === undefined || /^default$/i.test(v) ? 'default' : v);

/** `afiHint` names the AF when the output is the inner object (`show bgp ipv4 unicast summary json`). */
export function parseBgpSummary(text: string, file?: string, afiHint = 'ipv4Unicast'): Parsed<BgpSummary | undefined> {
  return withJson(text, file, (doc, diagnostics) => {
    const root = doc.value;
    if (!isObj(root)) {
      diagnostics.push(unexpected(file, doc, root, 'expected a JSON object from "show bgp … summary json"'));
      return undefined;
    }
    const afs: BgpAfSummary[] = [];
    const readAf = (vrfKey: string | undefined, afi: string, o: unknown) => {
      if (!isObj(o)) return;
      const vrf = normVrf(vrfKey ?? str(o, 'vrfName'));
      const peersObj = o.peers;
      const peers: BgpPeerSummary[] = [];
      if (isObj(peersObj)) {
        for (const [peer, p] of Object.entries(peersObj)) {
          if (!isObj(p)) continue;
          const state = str(p, 'state');
          if (state === undefined) diagnostics.push({ severity: 'warning', file, line: doc.lineOf(peersObj, peer), message: `peer ${peer} has no "state"` });
          peers.push({
            peer,
            vrf,
            afi,
            hostname: str(p, 'hostname'),
            remoteAs: asn(p, 'remoteAs'),
            localAs: num(p, 'localAs'),
            state: state ?? 'unknown',
            peerState: str(p, 'peerState'),
            peerUptime: str(p, 'peerUptime'),
            peerUptimeMsec: num(p, 'peerUptimeMsec'),
            peerUptimeEstablishedEpoch: num(p, 'peerUptimeEstablishedEpoch'),
            pfxRcd: num(p, 'pfxRcd') ?? num(p, 'prefixReceivedCount'),
            pfxSnt: num(p, 'pfxSnt'),
            msgRcvd: num(p, 'msgRcvd'),
            msgSent: num(p, 'msgSent'),
            outq: num(p, 'outq'),
            inq: num(p, 'inq'),
            connectionsEstablished: num(p, 'connectionsEstablished'),
            connectionsDropped: num(p, 'connectionsDropped'),
            desc: str(p, 'desc'),
            idType: str(p, 'idType'),
            line: doc.lineOf(peersObj, peer),
            at: linesOf(doc, p),
          });
        }
      }
      const bestPath = o.bestPath;
      afs.push({
        vrf,
        afi,
        routerId: str(o, 'routerId'),
        as: num(o, 'as'),
        vrfId: num(o, 'vrfId'),
        multiPathRelax: isObj(bestPath) ? bool(bestPath, 'multiPathRelax') : undefined,
        failedPeers: num(o, 'failedPeers'),
        totalPeers: num(o, 'totalPeers'),
        peers,
        line: doc.lineOf(o),
        at: linesOf(doc, o),
      });
    };
    const keys = Object.keys(root);
    if (looksLikeAf(root)) {
      readAf(undefined, afiHint, root);
      return { shape: 'afi', afs };
    }
    if (keys.length > 0 && keys.every((k) => AFI_KEY.test(k))) {
      for (const k of keys) readAf(undefined, k, root[k]);
      return { shape: 'afi-map', afs };
    }
    for (const vrf of keys) {
      const v = root[vrf];
      if (!isObj(v)) continue;
      for (const [afi, o] of Object.entries(v)) if (AFI_KEY.test(afi)) readAf(vrf, afi, o);
    }
    return { shape: keys.length ? 'vrf-all' : 'afi-map', afs };
  });
}

// ---------------------------------------------------------------------------------------------
// show bgp neighbors json

export interface BgpNeighborAf {
  readonly acceptedPrefixCounter?: number;
  readonly sentPrefixCounter?: number;
  readonly routeMapIn?: string;
  readonly routeMapOut?: string;
  /** FRR's text when eBGP-requires-policy blocks updates ("Inbound updates discarded due to missing policy"). */
  readonly inboundPolicyBlock?: string;
  readonly outboundPolicyBlock?: string;
}

export interface BgpNeighborBfd {
  readonly type?: string;
  readonly status?: string;
  readonly detectMultiplier?: number;
  readonly rxMinInterval?: number;
  readonly txMinInterval?: number;
  readonly lastUpdate?: string;
}

export interface BgpNeighbor {
  readonly peer: string;
  readonly remoteAs?: number | string;
  readonly localAs?: number;
  readonly hostname?: string;
  readonly remoteRouterId?: string;
  readonly localRouterId?: string;
  readonly bgpState?: string;
  readonly bgpTimerUpMsec?: number;
  readonly bgpTimerUpString?: string;
  readonly bgpTimerUpEstablishedEpoch?: number;
  readonly connectionsEstablished?: number;
  readonly connectionsDropped?: number;
  readonly lastResetDueTo?: string;
  readonly lastResetCode?: number;
  readonly lastResetTimerMsecs?: number;
  /** NOTIFICATION behind the last reset ("Cease/BFD Down", "Hold Timer Expired/Unspecific"), and its code/subcode ("060A"). */
  readonly lastNotificationReason?: string;
  readonly lastErrorCodeSubcode?: string;
  readonly hostLocal?: string;
  readonly hostForeign?: string;
  readonly nbrExternalLink?: boolean;
  readonly externalBgpNbrMaxHopsAway?: number;
  readonly holdTimeMsecs?: number;
  readonly keepaliveMsecs?: number;
  /** `prefixesConfigExceedMax`: the peer sent more prefixes than `maximum-prefix` allows (the session is held down). */
  readonly prefixesExceeded?: boolean;
  /** `restartInTimerMsec`: with `maximum-prefix … restart N`, when FRR brings the session back by itself. */
  readonly prefixRestartInMsec?: number;
  /** Address families by FRR key (`ipv4Unicast`, …). */
  readonly afs: Readonly<Record<string, BgpNeighborAf>>;
  readonly bfd?: BgpNeighborBfd;
  readonly line?: number;
  readonly at: FieldLines;
}

export function parseBgpNeighbors(text: string, file?: string): Parsed<BgpNeighbor[] | undefined> {
  return withJson(text, file, (doc, diagnostics) => {
    const root = doc.value;
    if (!isObj(root)) {
      diagnostics.push(unexpected(file, doc, root, 'expected a JSON object keyed by peer from "show bgp neighbors json"'));
      return undefined;
    }
    const out: BgpNeighbor[] = [];
    for (const [peer, p] of Object.entries(root)) {
      if (!isObj(p) || !('bgpState' in p || 'remoteAs' in p)) continue;
      const afs: Record<string, BgpNeighborAf> = {};
      if (isObj(p.addressFamilyInfo))
        for (const [afi, a] of Object.entries(p.addressFamilyInfo)) {
          if (!isObj(a)) continue;
          afs[afi] = {
            acceptedPrefixCounter: num(a, 'acceptedPrefixCounter'),
            sentPrefixCounter: num(a, 'sentPrefixCounter'),
            routeMapIn: str(a, 'routeMapForIncomingAdvertisements'),
            routeMapOut: str(a, 'routeMapForOutgoingAdvertisements'),
            inboundPolicyBlock: str(a, 'inboundEbgpRequiresPolicy'),
            outboundPolicyBlock: str(a, 'outboundEbgpRequiresPolicy'),
          };
        }
      const b = p.peerBfdInfo;
      out.push({
        peer,
        remoteAs: asn(p, 'remoteAs'),
        localAs: num(p, 'localAs'),
        hostname: str(p, 'hostname'),
        remoteRouterId: str(p, 'remoteRouterId'),
        localRouterId: str(p, 'localRouterId'),
        bgpState: str(p, 'bgpState'),
        bgpTimerUpMsec: num(p, 'bgpTimerUpMsec'),
        bgpTimerUpString: str(p, 'bgpTimerUpString'),
        bgpTimerUpEstablishedEpoch: num(p, 'bgpTimerUpEstablishedEpoch'),
        connectionsEstablished: num(p, 'connectionsEstablished'),
        connectionsDropped: num(p, 'connectionsDropped'),
        lastResetDueTo: str(p, 'lastResetDueTo'),
        lastResetCode: num(p, 'lastResetCode'),
        lastResetTimerMsecs: num(p, 'lastResetTimerMsecs'),
        lastNotificationReason: str(p, 'lastNotificationReason'),
        lastErrorCodeSubcode: str(p, 'lastErrorCodeSubcode'),
        hostLocal: str(p, 'hostLocal'),
        hostForeign: str(p, 'hostForeign'),
        nbrExternalLink: bool(p, 'nbrExternalLink'),
        externalBgpNbrMaxHopsAway: num(p, 'externalBgpNbrMaxHopsAway'),
        holdTimeMsecs: num(p, 'bgpTimerHoldTimeMsecs'),
        keepaliveMsecs: num(p, 'bgpTimerKeepAliveIntervalMsecs'),
        prefixesExceeded: bool(p, 'prefixesConfigExceedMax'),
        prefixRestartInMsec: num(p, 'restartInTimerMsec'),
        afs,
        bfd: isObj(b)
          ? { type: str(b, 'type'), status: str(b, 'status'), detectMultiplier: num(b, 'detectMultiplier'), rxMinInterval: num(b, 'rxMinInterval'), txMinInterval: num(b, 'txMinInterval'), lastUpdate: str(b, 'lastUpdate') }
          : undefined,
        line: doc.lineOf(root, peer),
        at: linesOf(doc, p),
      });
    }
    if (!out.length && Object.keys(root).length) diagnostics.push(unexpected(file, doc, root, 'no peer objects (with "bgpState") found in "show bgp neighbors json"'));
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// show bgp ipv4 unicast json  /  show bgp ipv4 unicast <p> json

export interface BgpNexthop {
  readonly ip?: string;
  readonly hostname?: string;
  readonly afi?: string;
  readonly used?: boolean;
  readonly accessible?: boolean;
  readonly metric?: number;
}

/** One path of a prefix, normalised across the table view and the per-prefix view. */
export interface BgpPath {
  readonly valid: boolean;
  /** Selected as best (table: `bestpath:true`; per-prefix: `bestpath.overall`). */
  readonly best: boolean;
  /** Part of the ECMP set (per-prefix marks every member; the table marks all but the best). */
  readonly multipath: boolean;
  readonly selectionReason?: string;
  /** `(unspec)` (table) or `0.0.0.0`/absent for a locally originated path. */
  readonly peerId?: string;
  readonly peerHostname?: string;
  /** `external`, `internal`, `confed-external`, … (per-prefix view). */
  readonly peerType?: string;
  readonly routerId?: string;
  /** AS path as text ("65001 65102"; "" for a local path). */
  readonly asPath?: string;
  readonly origin?: string;
  readonly weight?: number;
  readonly metric?: number;
  readonly locPrf?: number;
  readonly nexthops: readonly BgpNexthop[];
  readonly lastUpdateEpoch?: number;
  readonly line?: number;
}

export interface BgpRibRoute {
  readonly prefix: string;
  readonly paths: readonly BgpPath[];
  readonly line?: number;
}

export interface BgpRib {
  readonly vrfName?: string;
  readonly routerId?: string;
  readonly localAs?: number;
  readonly routes: readonly BgpRibRoute[];
}

function nexthopsOf(v: unknown): BgpNexthop[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).map((h) => ({ ip: str(h, 'ip'), hostname: str(h, 'hostname'), afi: str(h, 'afi'), used: bool(h, 'used'), accessible: bool(h, 'accessible'), metric: num(h, 'metric') }));
}

function tablePath(doc: JsonDoc, arr: unknown[], idx: number, p: Obj): BgpPath {
  return {
    valid: bool(p, 'valid') === true,
    best: bool(p, 'bestpath') === true,
    multipath: bool(p, 'multipath') === true,
    selectionReason: str(p, 'selectionReason'),
    peerId: str(p, 'peerId'),
    asPath: str(p, 'path') ?? str(p, 'aspath'),
    origin: str(p, 'origin'),
    weight: num(p, 'weight'),
    metric: num(p, 'metric'),
    locPrf: num(p, 'locPrf'),
    nexthops: nexthopsOf(p.nexthops),
    line: doc.lineOf(arr, idx),
  };
}

export function parseBgpRib(text: string, file?: string): Parsed<BgpRib | undefined> {
  return withJson(text, file, (doc, diagnostics) => {
    const root = doc.value;
    if (!isObj(root)) {
      diagnostics.push(unexpected(file, doc, root, 'expected a JSON object from "show bgp ipv4 unicast json"'));
      return undefined;
    }
    const routes: BgpRibRoute[] = [];
    const r = root.routes;
    if (isObj(r)) {
      for (const [prefix, paths] of Object.entries(r)) {
        if (!Array.isArray(paths)) continue;
        routes.push({ prefix, paths: paths.flatMap((p, idx) => (isObj(p) ? [tablePath(doc, paths, idx, p)] : [])), line: doc.lineOf(r, prefix) });
      }
    } else if (Object.keys(root).length) diagnostics.push(unexpected(file, doc, root, 'no "routes" object in "show bgp ipv4 unicast json"'));
    return { vrfName: str(root, 'vrfName'), routerId: str(root, 'routerId'), localAs: num(root, 'localAS'), routes };
  });
}

export interface BgpPrefixDetail {
  /** False when FRR printed `{}` (prefix not in the BGP table). */
  readonly present: boolean;
  readonly prefix?: string;
  readonly advertisedTo: readonly { readonly peer: string; readonly hostname?: string; readonly line?: number }[];
  readonly paths: readonly BgpPath[];
  readonly line?: number;
  readonly at: FieldLines;
}

export function parseBgpPrefix(text: string, file?: string): Parsed<BgpPrefixDetail | undefined> {
  return withJson(text, file, (doc, diagnostics) => {
    const root = doc.value;
    if (!isObj(root)) {
      diagnostics.push(unexpected(file, doc, root, 'expected a JSON object from "show bgp ipv4 unicast <prefix> json"'));
      return undefined;
    }
    if (!Object.keys(root).length) return { present: false, advertisedTo: [], paths: [], at: {} };
    const adv = root.advertisedTo;
    const advertisedTo = isObj(adv) ? Object.entries(adv).map(([peer, v]) => ({ peer, hostname: isObj(v) ? str(v, 'hostname') : undefined, line: doc.lineOf(adv, peer) })) : [];
    const pathsArr = Array.isArray(root.paths) ? root.paths : [];
    const paths: BgpPath[] = pathsArr.flatMap((p, idx) => {
      if (!isObj(p)) return [];
      const bp = p.bestpath;
      const peer = isObj(p.peer) ? p.peer : {};
      const asp = p.aspath;
      const lu = p.lastUpdate;
      return [
        {
          valid: bool(p, 'valid') === true,
          best: isObj(bp) ? bool(bp, 'overall') === true : bool(p, 'bestpath') === true,
          multipath: bool(p, 'multipath') === true,
          selectionReason: isObj(bp) ? str(bp, 'selectionReason') : str(p, 'selectionReason'),
          peerId: str(peer, 'peerId'),
          peerHostname: str(peer, 'hostname'),
          peerType: str(peer, 'type'),
          routerId: str(peer, 'routerId'),
          asPath: isObj(asp) ? str(asp, 'string') : str(p, 'path'),
          origin: str(p, 'origin'),
          weight: num(p, 'weight'),
          metric: num(p, 'metric'),
          locPrf: num(p, 'locPrf'),
          nexthops: nexthopsOf(p.nexthops),
          lastUpdateEpoch: isObj(lu) ? num(lu, 'epoch') : undefined,
          line: doc.lineOf(pathsArr, idx),
        },
      ];
    });
    return { present: true, prefix: str(root, 'prefix'), advertisedTo, paths, line: doc.lineOf(root), at: linesOf(doc, root) };
  });
}

/** "BGP Notification send (Cease/BFD Down)": the reset reason with the NOTIFICATION behind it, when there is one. */
export function resetReason(n: Pick<BgpNeighbor, 'lastResetDueTo' | 'lastNotificationReason'> | undefined): string | undefined {
  if (!n?.lastResetDueTo) return undefined;
  return n.lastNotificationReason && /Notification/i.test(n.lastResetDueTo) ? `${n.lastResetDueTo} (${n.lastNotificationReason})` : n.lastResetDueTo;
}

/** Paths in the ECMP set: the best plus the multipaths (the table view marks the best only as best). */
export function ecmpPaths(paths: readonly BgpPath[]): BgpPath[] {
  return paths.filter((p) => p.valid && (p.best || p.multipath));
}

/** A path this router originated (`network`/`redistribute`): peer "(unspec)"/0.0.0.0, empty AS path. */
export function isLocalPath(p: BgpPath): boolean {
  if (p.peerId === '(unspec)' || p.peerId === '0.0.0.0') return true;
  if (p.peerId === undefined && p.asPath === '' && p.nexthops.some((h) => h.ip === '0.0.0.0')) return true;
  return p.asPath === '' && p.weight === 32768;
}

// ---------------------------------------------------------------------------------------------
// show ip route [<p>] json (zebra)

export interface ZebraNexthop {
  readonly ip?: string;
  readonly afi?: string;
  readonly interfaceName?: string;
  readonly interfaceIndex?: number;
  /** Installed in the kernel FIB, as far as zebra believes. */
  readonly fib: boolean;
  readonly active: boolean;
  readonly directlyConnected: boolean;
  readonly recursive: boolean;
  readonly duplicate: boolean;
  readonly weight?: number;
  readonly flags?: number;
  readonly line?: number;
}

export interface ZebraRoute {
  readonly prefix: string;
  readonly protocol?: string;
  readonly vrfName?: string;
  readonly selected: boolean;
  readonly destSelected: boolean;
  readonly installed: boolean;
  readonly queued: boolean;
  readonly failed: boolean;
  readonly offloaded: boolean;
  readonly distance?: number;
  readonly metric?: number;
  readonly table?: number;
  readonly internalNextHopNum?: number;
  readonly internalNextHopActiveNum?: number;
  readonly nexthopGroupId?: number;
  readonly installedNexthopGroupId?: number;
  readonly uptime?: string;
  readonly nexthops: readonly ZebraNexthop[];
  readonly line?: number;
  readonly at: FieldLines;
}

/** `{ "<prefix>": [route, …] }`; `{}` (route absent) gives an empty list. */
export function parseZebraRoutes(text: string, file?: string): Parsed<ZebraRoute[] | undefined> {
  return withJson(text, file, (doc, diagnostics) => {
    const root = doc.value;
    if (!isObj(root)) {
      diagnostics.push(unexpected(file, doc, root, 'expected a JSON object keyed by prefix from "show ip route json"'));
      return undefined;
    }
    const out: ZebraRoute[] = [];
    for (const [prefix, list] of Object.entries(root)) {
      if (!Array.isArray(list)) continue;
      for (const r of list) {
        if (!isObj(r)) continue;
        const nhArr = Array.isArray(r.nexthops) ? r.nexthops : [];
        out.push({
          prefix: str(r, 'prefix') ?? prefix,
          protocol: str(r, 'protocol'),
          vrfName: str(r, 'vrfName'),
          selected: bool(r, 'selected') === true,
          destSelected: bool(r, 'destSelected') === true,
          installed: bool(r, 'installed') === true,
          queued: bool(r, 'queued') === true,
          failed: bool(r, 'failed') === true,
          offloaded: bool(r, 'offloaded') === true,
          distance: num(r, 'distance'),
          metric: num(r, 'metric'),
          table: num(r, 'table'),
          internalNextHopNum: num(r, 'internalNextHopNum'),
          internalNextHopActiveNum: num(r, 'internalNextHopActiveNum'),
          nexthopGroupId: num(r, 'nexthopGroupId'),
          installedNexthopGroupId: num(r, 'installedNexthopGroupId'),
          uptime: str(r, 'uptime'),
          nexthops: nhArr.flatMap((h, idx) =>
            isObj(h)
              ? [
                  {
                    ip: str(h, 'ip'),
                    afi: str(h, 'afi'),
                    interfaceName: str(h, 'interfaceName'),
                    interfaceIndex: num(h, 'interfaceIndex'),
                    fib: bool(h, 'fib') === true,
                    active: bool(h, 'active') === true,
                    directlyConnected: bool(h, 'directlyConnected') === true,
                    recursive: bool(h, 'recursive') === true,
                    duplicate: bool(h, 'duplicate') === true,
                    weight: num(h, 'weight'),
                    flags: num(h, 'flags'),
                    line: doc.lineOf(nhArr, idx),
                  },
                ]
              : [],
          ),
          line: doc.lineOf(root, prefix),
          at: linesOf(doc, r),
        });
      }
    }
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// show bfd peers json / show bfd peers counters json

export interface BfdPeer {
  readonly peer: string;
  readonly local?: string;
  readonly vrf?: string;
  readonly interface?: string;
  readonly multihop: boolean;
  /** `up`, `down`, `init`, `shutdown`, `unknown`. */
  readonly status?: string;
  /** Seconds up (when up) / down (when down). */
  readonly uptime?: number;
  readonly downtime?: number;
  readonly diagnostic?: string;
  readonly remoteDiagnostic?: string;
  readonly receiveInterval?: number;
  readonly transmitInterval?: number;
  readonly detectMultiplier?: number;
  readonly passiveMode?: boolean;
  /** `configured` / `dynamic` (newer FRR). */
  readonly type?: string;
  readonly profile?: string;
  readonly line?: number;
  readonly at: FieldLines;
}

export interface BfdCounters {
  readonly peer: string;
  readonly local?: string;
  readonly vrf?: string;
  readonly interface?: string;
  readonly multihop: boolean;
  readonly controlPacketInput?: number;
  readonly controlPacketOutput?: number;
  readonly sessionUp?: number;
  readonly sessionDown?: number;
  readonly zebraNotifications?: number;
  readonly line?: number;
  readonly at: FieldLines;
}

function bfdArray<T>(text: string, file: string | undefined, what: string, convert: (doc: JsonDoc, o: Obj, arr: unknown[], idx: number) => T | undefined): Parsed<T[] | undefined> {
  return withJson(text, file, (doc, diagnostics) => {
    const root = doc.value;
    if (!Array.isArray(root)) {
      // FRR prints `{}`-less nothing or an object when bfdd has no peers in some versions.
      if (isObj(root) && !Object.keys(root).length) return [];
      diagnostics.push(unexpected(file, doc, root, `expected a JSON array from "${what}"`));
      return undefined;
    }
    const out: T[] = [];
    root.forEach((o, idx) => {
      if (!isObj(o)) return;
      const v = convert(doc, o, root, idx);
      if (v) out.push(v);
      else diagnostics.push({ severity: 'warning', file, line: doc.lineOf(root, idx), message: `entry ${idx} has no "peer"` });
    });
    return out;
  });
}

export function parseBfdPeers(text: string, file?: string): Parsed<BfdPeer[] | undefined> {
  return bfdArray(text, file, 'show bfd peers json', (doc, o, arr, idx) => {
    const peer = str(o, 'peer');
    if (peer === undefined) return undefined;
    return {
      peer,
      local: str(o, 'local'),
      vrf: str(o, 'vrf'),
      interface: str(o, 'interface'),
      multihop: bool(o, 'multihop') === true,
      status: str(o, 'status'),
      uptime: num(o, 'uptime'),
      downtime: num(o, 'downtime'),
      diagnostic: str(o, 'diagnostic'),
      remoteDiagnostic: str(o, 'remote-diagnostic'),
      receiveInterval: num(o, 'receive-interval'),
      transmitInterval: num(o, 'transmit-interval'),
      detectMultiplier: num(o, 'detect-multiplier'),
      passiveMode: bool(o, 'passive-mode'),
      type: str(o, 'type'),
      profile: str(o, 'profile'),
      line: doc.lineOf(arr, idx),
      at: linesOf(doc, o),
    };
  });
}

export function parseBfdCounters(text: string, file?: string): Parsed<BfdCounters[] | undefined> {
  return bfdArray(text, file, 'show bfd peers counters json', (doc, o, arr, idx) => {
    const peer = str(o, 'peer');
    if (peer === undefined) return undefined;
    return {
      peer,
      local: str(o, 'local'),
      vrf: str(o, 'vrf'),
      interface: str(o, 'interface'),
      multihop: bool(o, 'multihop') === true,
      controlPacketInput: num(o, 'control-packet-input'),
      controlPacketOutput: num(o, 'control-packet-output'),
      sessionUp: num(o, 'session-up'),
      sessionDown: num(o, 'session-down'),
      zebraNotifications: num(o, 'zebra-notifications'),
      line: doc.lineOf(arr, idx),
      at: linesOf(doc, o),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// show version

export interface FrrVersion {
  /** `8.4.4`. */
  readonly version: string;
  /** What FRR calls the host (`vm` in "FRRouting 8.4.4 (vm) on Linux(…)"). */
  readonly hostname?: string;
  readonly os?: string;
  /** `--enable-multipath=N` (maximum ECMP width zebra was built for); absent when not shown. */
  readonly multipath?: number;
  readonly configureArgs: readonly string[];
  readonly line: number;
}

export function parseFrrVersion(text: string, file?: string): Parsed<FrrVersion | undefined> {
  const diagnostics: Diagnostic[] = [];
  const lines = text.split('\n');
  const idx = lines.findIndex((l) => /^FRRouting\s+\S+/.test(l.trim()));
  if (idx === -1) {
    const first = lines.find((l) => l.trim() && !l.startsWith('#'));
    diagnostics.push({ severity: 'error', file, line: first ? lines.indexOf(first) + 1 : 1, message: 'not "show version" output of FRR (no "FRRouting <version>" line)', excerpt: first?.trim().slice(0, 200) });
    return { value: undefined, diagnostics };
  }
  const m = /^FRRouting\s+(\S+)(?:\s+\(([^)]*)\))?(?:\s+on\s+(.*?))?\.?$/.exec(lines[idx]!.trim());
  const configureArgs = [...text.matchAll(/'(--[^']*)'/g)].map((x) => x[1]!);
  const mp = configureArgs.map((a) => /^--enable-multipath=(\d+)$/.exec(a)).find(Boolean);
  return {
    value: { version: m?.[1] ?? '', hostname: m?.[2], os: m?.[3], multipath: mp ? Number(mp[1]) : undefined, configureArgs, line: idx + 1 },
    diagnostics,
  };
}

// ---------------------------------------------------------------------------------------------
// show running-config (the parts the BGP checks need)

export interface BgpNeighborConfig {
  /** Address, interface (unnumbered) or peer-group name. */
  readonly name: string;
  readonly isPeerGroup: boolean;
  readonly remoteAs?: string;
  readonly peerGroup?: string;
  readonly bfd: boolean;
  readonly bfdProfile?: string;
  readonly shutdown: boolean;
  /** Per address family: route-map in/out, activate. */
  readonly routeMapIn: Readonly<Record<string, string>>;
  readonly routeMapOut: Readonly<Record<string, string>>;
  readonly line: number;
}

export interface BgpRouterConfig {
  readonly asn: string;
  readonly vrf: string;
  readonly line: number;
  readonly routerId?: string;
  readonly multipathRelax: boolean;
  readonly multipathRelaxLine?: number;
  /** Explicit `bgp ebgp-requires-policy` / `no bgp ebgp-requires-policy`; undefined = the profile's default. */
  readonly ebgpRequiresPolicy?: boolean;
  readonly ebgpRequiresPolicyLine?: number;
  /** `maximum-paths N` (eBGP) per address family, with its line. */
  readonly maximumPaths: Readonly<Record<string, { readonly value: number; readonly line: number }>>;
  readonly maximumPathsIbgp: Readonly<Record<string, { readonly value: number; readonly line: number }>>;
  readonly networks: readonly { readonly afi: string; readonly prefix: string; readonly line: number }[];
  readonly redistribute: readonly { readonly afi: string; readonly what: string; readonly line: number }[];
  /** Neighbors with peer-group settings folded in (what FRR applies). */
  readonly neighbors: readonly BgpNeighborConfig[];
}

export interface FrrRunningConfig {
  readonly frrVersion?: string;
  /** `frr defaults datacenter|traditional`. */
  readonly defaultsProfile?: string;
  readonly hostname?: string;
  readonly routers: readonly BgpRouterConfig[];
  readonly bfdProfiles: readonly string[];
}

/** Effective eBGP-requires-policy of a router: explicit setting, else the profile default (datacenter: off). */
export function requiresPolicy(cfg: FrrRunningConfig, r: BgpRouterConfig): boolean {
  return r.ebgpRequiresPolicy ?? cfg.defaultsProfile !== 'datacenter';
}

const afKey = (words: string[]): string => {
  // "address-family ipv4 unicast" -> ipv4Unicast; "l2vpn evpn" -> l2VpnEvpn
  const [a = '', b = 'unicast'] = words;
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return a === 'l2vpn' ? `l2Vpn${cap(b)}` : `${a}${cap(b)}`;
};

export function parseRunningConfig(text: string, file?: string): Parsed<FrrRunningConfig | undefined> {
  const diagnostics: Diagnostic[] = [];
  const lines = text.split('\n');
  let frrVersion: string | undefined;
  let defaultsProfile: string | undefined;
  let hostname: string | undefined;
  const bfdProfiles: string[] = [];
  type MutRouter = {
    asn: string;
    vrf: string;
    line: number;
    routerId?: string;
    multipathRelax: boolean;
    multipathRelaxLine?: number;
    ebgpRequiresPolicy?: boolean;
    ebgpRequiresPolicyLine?: number;
    maximumPaths: Record<string, { value: number; line: number }>;
    maximumPathsIbgp: Record<string, { value: number; line: number }>;
    networks: { afi: string; prefix: string; line: number }[];
    redistribute: { afi: string; what: string; line: number }[];
    neighbors: Map<string, { name: string; isPeerGroup: boolean; remoteAs?: string; peerGroup?: string; bfd: boolean; bfdProfile?: string; shutdown: boolean; routeMapIn: Record<string, string>; routeMapOut: Record<string, string>; line: number }>;
  };
  const routers: MutRouter[] = [];
  let router: MutRouter | undefined;
  let af = 'ipv4Unicast';
  let inBfd = false;
  let sawConfig = false;
  lines.forEach((raw, idx) => {
    const lineNo = idx + 1;
    const line = raw.replace(/\s+$/, '');
    const t = line.trim();
    if (!t || t === '!' || t.startsWith('#')) return;
    const indented = /^\s/.test(line);
    const w = t.split(/\s+/);
    if (!indented) {
      if (router && t === 'exit') {
        router = undefined;
        return;
      }
      router = undefined;
      inBfd = false;
      if (/^(Building configuration|Current configuration|end$)/.test(t)) {
        sawConfig = true;
        return;
      }
      if (w[0] === 'frr' && w[1] === 'version') frrVersion = w[2];
      else if (w[0] === 'frr' && w[1] === 'defaults') defaultsProfile = w[2];
      else if (w[0] === 'hostname' && hostname === undefined) hostname = w[1];
      else if (w[0] === 'router' && w[1] === 'bgp') {
        router = {
          asn: w[2] ?? '',
          vrf: w[3] === 'vrf' && w[4] ? w[4] : 'default',
          line: lineNo,
          multipathRelax: false,
          maximumPaths: {},
          maximumPathsIbgp: {},
          networks: [],
          redistribute: [],
          neighbors: new Map(),
        };
        routers.push(router);
        af = 'ipv4Unicast';
      } else if (w[0] === 'bfd') inBfd = true;
      sawConfig = true;
      return;
    }
    if (inBfd) {
      if (w[0] === 'profile' && w[1]) bfdProfiles.push(w[1]);
      return;
    }
    if (!router) return;
    if (w[0] === 'address-family') {
      af = afKey(w.slice(1));
      return;
    }
    if (w[0] === 'exit-address-family') {
      af = 'ipv4Unicast';
      return;
    }
    if (w[0] === 'bgp' && w[1] === 'router-id') router.routerId = w[2];
    else if (t === 'bgp bestpath as-path multipath-relax' || t.startsWith('bgp bestpath as-path multipath-relax ')) {
      router.multipathRelax = true;
      router.multipathRelaxLine = lineNo;
    } else if (t === 'bgp ebgp-requires-policy' || t === 'no bgp ebgp-requires-policy') {
      router.ebgpRequiresPolicy = w[0] !== 'no';
      router.ebgpRequiresPolicyLine = lineNo;
    } else if (w[0] === 'maximum-paths') {
      const ibgp = w[1] === 'ibgp';
      const v = Number(ibgp ? w[2] : w[1]);
      if (Number.isInteger(v)) (ibgp ? router.maximumPathsIbgp : router.maximumPaths)[af] = { value: v, line: lineNo };
      else diagnostics.push({ severity: 'warning', file, line: lineNo, message: 'maximum-paths without a number', excerpt: t });
    } else if (w[0] === 'network' && w[1]) router.networks.push({ afi: af, prefix: w[1], line: lineNo });
    else if (w[0] === 'redistribute' && w[1]) router.redistribute.push({ afi: af, what: w[1], line: lineNo });
    else if (w[0] === 'neighbor' && w[1]) {
      const name = w[1];
      let nb = router.neighbors.get(name);
      if (!nb) {
        nb = { name, isPeerGroup: false, bfd: false, shutdown: false, routeMapIn: {}, routeMapOut: {}, line: lineNo };
        router.neighbors.set(name, nb);
      }
      const rest = w.slice(2);
      if (rest[0] === 'peer-group' && rest.length === 1) nb.isPeerGroup = true;
      else if (rest[0] === 'peer-group' && rest[1]) nb.peerGroup = rest[1];
      else if (rest[0] === 'interface' && rest[1] === 'peer-group' && rest[2]) nb.peerGroup = rest[2];
      else if (rest[0] === 'interface' && rest[1] === 'remote-as' && rest[2]) nb.remoteAs = rest[2];
      else if (rest[0] === 'remote-as' && rest[1]) nb.remoteAs = rest[1];
      else if (rest[0] === 'bfd') {
        nb.bfd = true;
        if (rest[1] === 'profile' && rest[2]) nb.bfdProfile = rest[2];
      } else if (rest[0] === 'shutdown') nb.shutdown = true;
      else if (rest[0] === 'route-map' && rest[1] && (rest[2] === 'in' || rest[2] === 'out')) (rest[2] === 'in' ? nb.routeMapIn : nb.routeMapOut)[af] = rest[1];
    }
  });
  if (!sawConfig && !routers.length) {
    diagnostics.push({ severity: 'warning', file, line: 1, message: 'no configuration found in "show running-config" output', excerpt: lines.find((l) => l.trim())?.trim().slice(0, 200) });
  }
  const value: FrrRunningConfig = {
    frrVersion,
    defaultsProfile,
    hostname,
    bfdProfiles,
    routers: routers.map((r) => {
      const all = [...r.neighbors.values()];
      const neighbors = all.map((nb) => {
        const g = nb.peerGroup ? r.neighbors.get(nb.peerGroup) : undefined;
        if (!g) return nb;
        return {
          ...nb,
          remoteAs: nb.remoteAs ?? g.remoteAs,
          bfd: nb.bfd || g.bfd,
          bfdProfile: nb.bfdProfile ?? g.bfdProfile,
          shutdown: nb.shutdown || g.shutdown,
          routeMapIn: { ...g.routeMapIn, ...nb.routeMapIn },
          routeMapOut: { ...g.routeMapOut, ...nb.routeMapOut },
        };
      });
      const { neighbors: _drop, ...rest } = r;
      return { ...rest, neighbors };
    }),
  };
  return { value, diagnostics };
}
