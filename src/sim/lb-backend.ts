// Load-balancer backends as OVN writes them into select-group buckets (`ct(nat(dst=IP[:PORT]))`)
// and as the user names one with `--lb-dst`: one reading and one matching rule for every place
// that asks "is this bucket the backend the user named" (the --lb-dst check over the snapshot's
// groups, the bucket chosen where the packet meets a group, the backends listed in hints).

import type { Action, GroupBucket } from '../model/flow.js';
import type { NbLoadBalancer } from '../model/ovn.js';
import { formatIpv4, formatIpv6 } from '../model/masked.js';
import { splitHostPort } from '../snapshot/resolve.js';

/** A backend: its address (canonical text, so the family is in it) and its port, if it has one. */
export interface LbBackend {
  readonly ip: string;
  readonly port: number | undefined;
}

/**
 * `--lb-dst` text → backend: `10.0.0.5`, `10.0.0.5:8080`, `[2001:db8::5]:8080`, `[2001:db8::5]`
 * or `2001:db8::5`. A whole IPv6 address is an address, never address + port: 2001:db8::13:8080
 * is the address 2001:db8::13:8080 (a port needs the brackets), as in OVN's VIPs. Undefined when
 * it is none of those or the port is out of range.
 */
export function parseLbBackend(text: string): LbBackend | undefined {
  const hp = splitHostPort(text);
  if (!hp || (hp.port !== undefined && hp.port > 65535)) return undefined;
  return { ip: hp.ip, port: hp.port };
}

/** The backend a bucket's actions DNAT to: the first `ct(nat(dst=...))`, inside `exec` and `clone` too. */
export function natBackend(actions: readonly Action[]): LbBackend | undefined {
  for (const a of actions) {
    if (a.type === 'ct') {
      if (a.nat?.kind === 'dst' && a.nat.addrMin !== undefined) return { ip: a.nat.family === 6 ? formatIpv6(a.nat.addrMin) : formatIpv4(a.nat.addrMin), port: a.nat.portMin };
      const inner = natBackend(a.exec);
      if (inner) return inner;
    }
    if (a.type === 'clone') {
      const inner = natBackend(a.actions);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** `10.0.0.5:8080`, `10.0.0.5`, `[2001:db8::5]:8080`, `[2001:db8::5]` (as ovn-nbctl writes backends, and --lb-dst takes them). */
export function formatLbBackend(b: LbBackend): string {
  const ip = b.ip.includes(':') ? `[${b.ip}]` : b.ip;
  return b.port !== undefined ? `${ip}:${b.port}` : ip;
}

/**
 * Is `bucket` the backend `wanted` names? The same address (same family), and:
 * - `wanted` without a port (`--lb-dst IP`): any port, or none;
 * - `wanted` with a port (`--lb-dst IP:PORT`): that port only — never a bucket without a port.
 *   A bucket without a port is the backend of a VIP without a port (OVN requires the VIP's and its
 *   backends' ports to be given together): it DNATs the address only and the packet keeps its own
 *   destination port, so it reaches IP:PORT only if the packet was sent to PORT. Matching it would
 *   let `--lb-dst IP:8080` choose a bucket that sends a packet for port 80 to IP:80 — a backend
 *   the user did not name. Such a backend is named by its address (`--lb-dst IP`).
 */
export function lbBackendMatches(wanted: LbBackend, bucket: LbBackend): boolean {
  return wanted.ip === bucket.ip && (wanted.port === undefined || wanted.port === bucket.port);
}

/** `--lb-dst IP` naming several backends of one group: the address on different ports. */
export interface SeveralBackends {
  readonly several: readonly string[];
}

/**
 * The index of the bucket whose backend `wanted` names (`lbBackendMatches`; the first of equal
 * ones), or -1. When `wanted` has no port and the group has its address on several ports (a pod
 * serving a VIP on two ports), the backends it names: choosing one silently would trace a backend
 * the user may not mean.
 */
export function bucketOfBackend(buckets: readonly Pick<GroupBucket, 'actions'>[], wanted: LbBackend): number | SeveralBackends {
  let first = -1;
  const named = new Set<string>();
  buckets.forEach((b, i) => {
    const have = natBackend(b.actions);
    if (have === undefined || !lbBackendMatches(wanted, have)) return;
    if (first < 0) first = i;
    named.add(formatLbBackend(have));
  });
  return named.size > 1 ? { several: [...named] } : first;
}

/** The usage error of `--lb-dst IP` naming several backends of group `groupId`. */
export function severalBackendsError(lbDst: string, groupId: number, where: string, several: SeveralBackends): string {
  return `--lb-dst ${lbDst} names ${several.several.length} backends of load-balancer group ${groupId}${where}: ${several.several.join(', ')}; give one with its port`;
}

/**
 * Why `wanted` (with a port) matches none of `buckets` although one has its address without a
 * port: the hint that it is named by its address. Undefined otherwise.
 */
export function portlessBackendHint(buckets: readonly Pick<GroupBucket, 'actions'>[], wanted: LbBackend): string | undefined {
  return hasPortlessBackend(buckets, wanted) ? `${wanted.ip} is a backend without a port there (of a VIP without a port: the packet keeps its destination port), which --lb-dst ${formatLbBackend(wanted)} does not name: give --lb-dst ${wanted.ip}` : undefined;
}

/** Whether `wanted` (with a port) names a bucket's address that has no port. */
export function hasPortlessBackend(buckets: readonly Pick<GroupBucket, 'actions'>[], wanted: LbBackend): boolean {
  if (wanted.port === undefined) return false;
  return buckets.some((b) => {
    const have = natBackend(b.actions);
    return have !== undefined && have.ip === wanted.ip && have.port === undefined;
  });
}

/**
 * The NB VIPs (`VIP of load balancer NAME`) whose backends are those of `buckets`, as sets: a
 * select group carries no VIP, and naming one back to its load balancer from the backends is
 * cheaper than reading the logical flows. Several VIPs may share their backends (a service's
 * ClusterIP and NodePort): all are named.
 */
export function vipsOfBackends(loadBalancers: readonly Pick<NbLoadBalancer, 'name' | 'uuid' | 'vips'>[], buckets: readonly Pick<GroupBucket, 'actions'>[]): string[] {
  const key = (backends: readonly (LbBackend | undefined)[]): string | undefined => (backends.every((b) => b !== undefined) && backends.length ? [...new Set(backends.map((b) => formatLbBackend(b!)))].sort().join(',') : undefined);
  const group = key(buckets.map((b) => natBackend(b.actions)));
  if (group === undefined) return [];
  const out: string[] = [];
  for (const lb of loadBalancers)
    for (const [vip, backends] of Object.entries(lb.vips))
      if (key(backends.split(',').map((b) => b.trim()).filter(Boolean).map(parseLbBackend)) === group) out.push(`VIP ${vip} of load balancer ${lb.name || lb.uuid.slice(0, 8)}`);
  return out;
}
