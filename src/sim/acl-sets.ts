/**
 * Which member of an address set an ACL matched the packet by: `ip4.src == $as_ip4_…` says little
 * at 2 a.m. until it says `(10.0.0.11 ∈ as_ip4_…)`. Only for the address sets the snapshot's NB
 * Address_Set has (a port group's `$pg_…_ip4` is made by northd and is in no NB table: nothing is
 * said of it).
 *
 * Made for every ACL step of every traced packet (10,000-line batches too): the match is parsed
 * once per text and the sets once per snapshot (`AclSetMemo`); per packet only the membership test.
 */
import type { NbAddressSet } from '../model/ovn.js';
import { canonicalIp, inCidr } from '../snapshot/resolve.js';

/** One `$set` reference of a match: whose address it tests. */
interface SetRef {
  readonly set: string;
  readonly side: 'src' | 'dst';
  readonly family: 4 | 6;
}

interface AddressSetIndex {
  /** Canonical single addresses. */
  readonly exact: ReadonlySet<string>;
  /** Members with a prefix, as written. */
  readonly cidrs: readonly string[];
}

export interface AclSetMemo {
  readonly refs: Map<string, readonly SetRef[]>;
  readonly sets: ReadonlyMap<string, AddressSetIndex>;
}

export function aclSetMemo(addressSets: readonly NbAddressSet[] | undefined): AclSetMemo {
  const sets = new Map<string, AddressSetIndex>();
  for (const s of addressSets ?? []) {
    const exact = new Set<string>();
    const cidrs: string[] = [];
    for (const a of s.addresses) {
      const [ip, prefix] = a.split('/');
      const c = canonicalIp(ip ?? '');
      if (c && (prefix === undefined || Number(prefix) === (c.includes(':') ? 128 : 32))) exact.add(c);
      else if (c) cidrs.push(a);
    }
    sets.set(s.name, { exact, cidrs });
  }
  return { refs: new Map(), sets };
}

const FIELD_SET = /\bip([46])\.(src|dst)\s*(?:==|!=)\s*(\{[^}]*\}|\$[\w.-]+)/g;

/** The `$set` references of a match whose sets the snapshot has (memoised per match text). */
function refsOf(match: string, memo: AclSetMemo): readonly SetRef[] {
  let refs = memo.refs.get(match);
  if (refs) return refs;
  const out: SetRef[] = [];
  if (match.includes('$'))
    for (const m of match.matchAll(FIELD_SET))
      for (const n of m[3]!.matchAll(/\$([\w.-]+)/g)) {
        const ref: SetRef = { set: n[1]!, side: m[2] as 'src' | 'dst', family: m[1] === '6' ? 6 : 4 };
        if (memo.sets.has(ref.set) && !out.some((r) => r.set === ref.set && r.side === ref.side)) out.push(ref);
      }
  refs = out;
  memo.refs.set(match, refs);
  return refs;
}

/**
 * ` (10.0.0.11 ∈ as_x)` for each NB address set `match` tests the packet's address against — the
 * member prefix when that is what holds it (`∈ as_x: 10.0.0.0/24`), `∉` when none does — or ''
 * when the match names none. `address(side, family)` is the packet's source or destination as the
 * ACL saw it; undefined skips the reference.
 */
export function aclSetNote(match: string, memo: AclSetMemo, address: (side: 'src' | 'dst', family: 4 | 6) => string | undefined): string {
  const refs = refsOf(match, memo);
  if (!refs.length) return '';
  const parts: string[] = [];
  for (const r of refs) {
    const raw = address(r.side, r.family);
    const ip = raw !== undefined ? canonicalIp(raw) : undefined;
    if (!ip) continue;
    const set = memo.sets.get(r.set)!;
    if (set.exact.has(ip)) {
      parts.push(`${ip} ∈ ${r.set}`);
      continue;
    }
    const held = set.cidrs.filter((c) => inCidr(ip, c));
    parts.push(held.length ? `${ip} ∈ ${r.set}: ${held.join(', ')}` : `${ip} ∉ ${r.set}`);
  }
  return parts.length ? ` (${parts.join('; ')})` : '';
}
