/**
 * Parser for the flow syntax of `ovs-appctl ofproto/trace BRIDGE FLOW` (OVS 3.1
 * `parse_ofp_exact_flow()`): comma- or blank-separated `field=value` pairs and protocol
 * shorthands, e.g. `in_port="vif1",tcp,dl_src=..,dl_dst=..,nw_src=..,nw_dst=..,nw_ttl=64,tcp_dst=80`.
 *
 * Semantics reproduced from OVS:
 *   - every field not given is zero (so `nw_ttl` is 0 and `vlan_tci` is 0x0000 unless given);
 *     `in_port` defaults to OFPP_NONE (printed `ANY`);
 *   - a protocol shorthand sets dl_type (and nw_proto): ip/ipv4/ip4, ipv6/ip6, icmp, icmp6,
 *     tcp, tcp6, udp, udp6, sctp, sctp6, arp, rarp, mpls, mplsm;
 *   - prerequisites are checked in the order written (`tcp_dst=80,tcp` is an error, as is
 *     `tp_src=68` on a UDP packet: use `udp_src`), a field may be set only once, and values
 *     may not be masked.
 *
 * Port names are kept as written; the simulator resolves them against the bridge's ports.
 * Never throws: bad input comes back as a user error (exit code 2) naming the column.
 */
import { fieldByName, PREREQS, type FieldDef } from '../model/fields.js';
import type { PortRef } from '../model/flow.js';
import { byteWidth, onesMask, parseFieldValue } from '../model/masked.js';
import type { UserError } from '../model/result.js';

export interface MicroflowField {
  readonly field: FieldDef;
  /** Value (0 for a port given by name until the simulator resolves it). */
  readonly value: bigint;
  /** A port-valued field written as a name (or number). */
  readonly port?: PortRef;
  /** 1-based column of the `field=` key in the text. */
  readonly column: number;
}

export interface Microflow {
  readonly text: string;
  /** Protocol shorthand as written (`tcp`, `ip4`, ...), if any. */
  readonly protocol?: string;
  readonly dlType?: number;
  readonly nwProto?: number;
  /** Field assignments in the order written. */
  readonly fields: readonly MicroflowField[];
}

export interface MicroflowError extends UserError {
  /** 1-based column where the problem starts. */
  readonly column: number;
  /** The offending `key=value` (or key) text. */
  readonly token: string;
}

export type MicroflowResult = { readonly ok: true; readonly value: Microflow } | { readonly ok: false; readonly error: MicroflowError };

/** Protocol shorthands accepted by `ofp_parse_protocol()`. */
export const MICROFLOW_PROTOCOLS: Readonly<Record<string, { readonly dlType: number; readonly nwProto: number }>> = {
  ip: { dlType: 0x0800, nwProto: 0 },
  ipv4: { dlType: 0x0800, nwProto: 0 },
  ip4: { dlType: 0x0800, nwProto: 0 },
  arp: { dlType: 0x0806, nwProto: 0 },
  icmp: { dlType: 0x0800, nwProto: 1 },
  tcp: { dlType: 0x0800, nwProto: 6 },
  udp: { dlType: 0x0800, nwProto: 17 },
  sctp: { dlType: 0x0800, nwProto: 132 },
  ipv6: { dlType: 0x86dd, nwProto: 0 },
  ip6: { dlType: 0x86dd, nwProto: 0 },
  icmp6: { dlType: 0x86dd, nwProto: 58 },
  tcp6: { dlType: 0x86dd, nwProto: 6 },
  udp6: { dlType: 0x86dd, nwProto: 17 },
  sctp6: { dlType: 0x86dd, nwProto: 132 },
  rarp: { dlType: 0x8035, nwProto: 0 },
  mpls: { dlType: 0x8847, nwProto: 0 },
  mplsm: { dlType: 0x8848, nwProto: 0 },
};

const EXAMPLE = 'e.g. in_port="vif1",tcp,dl_src=0a:00:00:00:00:01,dl_dst=0a:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tcp_dst=80';

const FLOW_PREFIX = '  flow: ';

function error(text: string, column: number, token: string, what: string): { ok: false; error: MicroflowError } {
  return {
    ok: false,
    error: {
      kind: 'user-error',
      exitCode: 2,
      column,
      token,
      // The caret sits under the column: past the "  flow: " that precedes the text.
      message: `bad flow at column ${column} ("${token}"): ${what}\n${FLOW_PREFIX}${text}\n${' '.repeat(FLOW_PREFIX.length + column - 1)}^`,
    },
  };
}

/** `,` and blanks separate pairs (char codes: a batch parses every line, and Set lookups per character showed). */
function isSkip(c: number): boolean {
  return c === 44 || c === 32 || c === 9 || c === 13 || c === 10;
}

/** A key ends at `:`, `=`, `(` or a separator. */
function isKeyEnd(c: number): boolean {
  return c === 58 || c === 61 || c === 40 || isSkip(c);
}

interface Token {
  readonly key: string;
  readonly value: string | undefined;
  readonly start: number;
  readonly end: number;
  /** Parenthesised value (`key(...)`), which this syntax never uses. */
  readonly paren: boolean;
}

/** `ofputil_parse_key_value()`, plus double-quoted values kept whole. */
function tokenize(s: string): Token[] | { at: number; what: string } {
  const out: Token[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && isSkip(s.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isKeyEnd(s.charCodeAt(i))) i++;
    const key = s.slice(start, i);
    const delim = i < n ? s[i] : '';
    if (delim !== ':' && delim !== '=' && delim !== '(') {
      out.push({ key, value: undefined, start, end: i, paren: false });
      continue;
    }
    i++; // past the delimiter
    const vstart = i;
    if (delim === '(') {
      let depth = 1;
      while (i < n && depth > 0) {
        if (s[i] === '(') depth++;
        else if (s[i] === ')') depth--;
        if (depth > 0) i++;
      }
      if (depth > 0) return { at: start, what: `unbalanced parenthesis after "${key}"` };
      out.push({ key, value: s.slice(vstart, i), start, end: i + 1, paren: true });
      i++;
      continue;
    }
    while (i < n && !isSkip(s.charCodeAt(i))) {
      if (s[i] === '"') {
        i++;
        while (i < n && s[i] !== '"') {
          if (s[i] === '\\') i++;
          i++;
        }
        if (i >= n) return { at: vstart, what: 'unterminated quoted string' };
        i++;
      } else if (s[i] === '(') {
        let depth = 0;
        do {
          if (s[i] === '(') depth++;
          else if (s[i] === ')') depth--;
          i++;
        } while (i < n && depth > 0);
      } else i++;
    }
    out.push({ key, value: s.slice(vstart, i), start, end: i, paren: false });
  }
  return out;
}

/** Values seen so far, by storage space, to check prerequisites the way OVS does. */
class MiniFlow {
  private readonly spaces = new Map<string, bigint>();

  read(f: FieldDef): bigint {
    const v = this.spaces.get(f.storage.space) ?? 0n;
    return (v >> BigInt(f.storage.offset)) & onesMask(f.storage.width);
  }

  write(f: FieldDef, value: bigint): void {
    const sh = BigInt(f.storage.offset);
    const m = onesMask(f.storage.width) << sh;
    const cur = this.spaces.get(f.storage.space) ?? 0n;
    this.spaces.set(f.storage.space, (cur & ~m) | ((value << sh) & m));
  }

  prereqsOk(f: FieldDef): boolean {
    const alts = PREREQS[f.prereq];
    return alts.some((conj) =>
      conj.every((c) => {
        const cf = fieldByName(c.field)!;
        const mask = c.mask ?? onesMask(cf.width);
        return (this.read(cf) & mask) === c.value;
      }),
    );
  }
}

const PREREQ_HINT: Readonly<Record<string, string>> = {
  ipv4: 'an IPv4 packet (put "ip", "tcp", "udp" or "icmp" first)',
  ipv6: 'an IPv6 packet (put "ipv6", "tcp6", "udp6" or "icmp6" first)',
  ip_any: 'an IP packet (put "ip" or "ipv6" first)',
  arp: 'an ARP packet (put "arp" first)',
  tcp: 'a TCP packet (put "tcp" or "tcp6" first; for UDP use udp_src/udp_dst)',
  udp: 'a UDP packet (put "udp" or "udp6" first)',
  sctp: 'an SCTP packet (put "sctp" first)',
  icmpv4: 'an ICMP packet (put "icmp" first)',
  icmpv6: 'an ICMPv6 packet (put "icmp6" first)',
  nd: 'an ICMPv6 neighbour discovery packet (icmp6 with icmp_type=135 or 136, icmp_code=0, first)',
  nd_solicit: 'an ICMPv6 neighbour solicitation (icmp6,icmp_type=135 first)',
  nd_advert: 'an ICMPv6 neighbour advertisement (icmp6,icmp_type=136 first)',
  mpls: 'an MPLS packet (put "mpls" first)',
  vlan_vid: 'a VLAN-tagged packet (set vlan_tci with the 0x1000 bit first)',
  ct: 'a tracked connection (ct_state with +trk first)',
  nsh: 'an NSH packet (dl_type=0x894f first)',
};

function isMaskedText(f: FieldDef, v: string): boolean {
  if (v.startsWith('"')) return false;
  if (v.includes('/')) return true;
  if ((f.format === 'ct_state' || f.format === 'tcp_flags' || f.format === 'tun_flags') && (v.startsWith('+') || v.startsWith('-'))) return true;
  return false;
}

/** Parses an ofproto/trace flow. */
export function parseMicroflow(text: string): MicroflowResult {
  const toks = tokenize(text);
  if (!Array.isArray(toks)) return error(text, toks.at + 1, text.slice(toks.at, toks.at + 20), toks.what);
  if (toks.length === 0) return error(text, 1, text, `empty flow (${EXAMPLE})`);
  const mini = new MiniFlow();
  const fields: MicroflowField[] = [];
  let protocol: string | undefined;
  let dlType: number | undefined;
  let nwProto: number | undefined;
  const dlTypeField = fieldByName('dl_type')!;
  const nwProtoField = fieldByName('nw_proto')!;
  for (const t of toks) {
    const col = t.start + 1;
    const tokText = text.slice(t.start, t.end);
    if (t.paren) return error(text, col, tokText, `"${t.key}(...)" is datapath flow syntax; give OpenFlow fields as field=value (${EXAMPLE})`);
    const proto = Object.hasOwn(MICROFLOW_PROTOCOLS, t.key) ? MICROFLOW_PROTOCOLS[t.key] : undefined;
    if (proto && t.value === undefined) {
      if (mini.read(dlTypeField) !== 0n) return error(text, col, tokText, 'Ethernet type set multiple times');
      mini.write(dlTypeField, BigInt(proto.dlType));
      dlType = proto.dlType;
      if (proto.nwProto) {
        if (mini.read(nwProtoField) !== 0n) return error(text, col, tokText, 'network protocol set multiple times');
        mini.write(nwProtoField, BigInt(proto.nwProto));
        nwProto = proto.nwProto;
      }
      protocol = t.key;
      continue;
    }
    if (t.key.length === 0) return error(text, col, tokText, 'missing field name before "="');
    const f = fieldByName(t.key);
    if (!f) {
      const what = t.value === undefined ? `unknown protocol or field "${t.key}" (protocols: ${Object.keys(MICROFLOW_PROTOCOLS).join(', ')})` : `unknown field "${t.key}"`;
      return error(text, col, tokText, what);
    }
    if (t.value === undefined || t.value.length === 0) return error(text, col, tokText, `missing value for ${t.key} (expected ${t.key}=VALUE)`);
    if (!mini.prereqsOk(f)) return error(text, col, tokText, `prerequisites not met for setting ${t.key}: it needs ${PREREQ_HINT[f.prereq] ?? f.prereq}`);
    const already = f.storage.space.startsWith('tun_metadata')
      ? fields.some((x) => x.field.storage.space === f.storage.space)
      : mini.read(f) !== 0n || fields.some((x) => x.port !== undefined && x.field.storage.space === f.storage.space);
    if (already) return error(text, col, tokText, `field ${t.key} set multiple times`);
    if (isMaskedText(f, t.value)) return error(text, col, tokText, `value for ${t.key} may not be masked (the trace needs one exact packet)`);
    const r = parseFieldValue(f, t.value);
    if (typeof r === 'string') return error(text, col + t.key.length + 1, tokText, r);
    if (!r.port && r.mask !== onesMask(f.width) && r.mask !== onesMask(byteWidth(f.width)) && f.format !== 'ct_state' && f.format !== 'tcp_flags' && f.format !== 'tun_flags' && f.format !== 'frag')
      return error(text, col, tokText, `value for ${t.key} may not be masked (the trace needs one exact packet)`);
    if (f.format === 'frag' && r.mask !== 3n) return error(text, col, tokText, `nw_frag must be one of no, first, later`);
    mini.write(f, r.value);
    if (f === dlTypeField) dlType = Number(r.value);
    if (f === nwProtoField) nwProto = Number(r.value);
    fields.push(r.port ? { field: f, value: r.value, port: r.port, column: col } : { field: f, value: r.value, column: col });
  }
  return {
    ok: true,
    value: {
      text,
      ...(protocol !== undefined ? { protocol } : {}),
      ...(dlType !== undefined ? { dlType } : {}),
      ...(nwProto !== undefined ? { nwProto } : {}),
      fields,
    },
  };
}
