/**
 * The `bundle` / `bundle_load` actions as OVS 3.1 executes them (`lib/bundle.c`
 * `bundle_execute()`, `ofproto/ofproto-dpif-xlate.c` `xlate_bundle_action()` /
 * `member_enabled_cb()`), with member liveness read from the collected Interface rows.
 *
 * OVN uses `bundle(eth_src,0,active_backup,ofport,members:...)` to reach a chassisredirect port
 * with several gateway chassis (L3-HA): the members are the tunnels to the gateway chassis in
 * priority order, and BFD on those tunnels decides which one is live.
 *
 * Liveness is OVS's `may_enable` of the port (`ofproto-dpif.c` `port_run()` /
 * `may_enable_port()`): the netdev has carrier (Interface `link_state`), and when BFD is enabled
 * on it (`bfd:enable=true`) BFD says `forwarding` (Interface `bfd_status:forwarding`). CFM and
 * LACP, which can also veto a port, are not used by OVN and not read here.
 */
import type { ActionFor } from './executors.js';
import type { BridgePort } from '../model/snapshot.js';
import { bigToBytes, hashAdd, hashFinish, hashInt } from './groups.js';
import { ETH_TYPE_IP, ETH_TYPE_IPV6, OFPP, SP, type PacketState } from './state.js';

export type BundleAction = ActionFor<'bundle'>;

/** Why a bundle member is, or is not, live. */
export interface MemberLiveness {
  readonly ofport: number;
  /** Port name on the bridge; undefined for a reserved port or a port the bridge lacks. */
  readonly name?: string;
  /** Remote chassis of a tunnel member (OVN's `ovn-chassis-id`). */
  readonly chassis?: string;
  readonly live: boolean;
  /** What the liveness was read from, as a person reads it: "BFD forwarding true", "link down". */
  readonly why: string;
  /** Set when the snapshot does not say (no Interface row): the member is taken as live, like a port without BFD. */
  readonly assumed?: boolean;
}

const RESERVED_LIVE = new Set<number>([OFPP.IN_PORT, OFPP.TABLE, OFPP.NORMAL, OFPP.FLOOD, OFPP.ALL, OFPP.NONE]);

/** `member_enabled_cb()`: is OpenFlow port `ofport` of the bridge live (`xport->may_enable`)? */
export function memberLiveness(ofport: number, port: BridgePort | undefined): MemberLiveness {
  if (RESERVED_LIVE.has(ofport)) return { ofport, live: true, why: 'reserved port' };
  if (ofport === OFPP.CONTROLLER) return { ofport, live: false, why: 'CONTROLLER is not supported by bundle' };
  if (!port) return { ofport, live: false, why: 'not a port of the bridge' };
  const chassis = port.role.kind === 'tunnel' ? port.role.remoteChassis : undefined;
  const base = { ofport, name: port.name, ...(chassis ? { chassis } : {}) };
  const iface = port.iface;
  if (!iface) return { ...base, live: true, assumed: true, why: 'no Interface row collected: assumed live' };
  // port_run(): no carrier, no enable.
  if (iface.linkState !== undefined && iface.linkState !== 'up') return { ...base, live: false, why: `link ${iface.linkState}` };
  // may_enable_port(): with BFD configured, BFD must say forwarding.
  if (iface.bfd['enable'] === 'true') {
    const fwd = iface.bfdStatus['forwarding'];
    if (fwd === undefined) return { ...base, live: true, assumed: true, why: 'BFD enabled but no bfd_status collected: assumed live' };
    const state = iface.bfdStatus['state'];
    return { ...base, live: fwd === 'true', why: `BFD forwarding ${fwd}${state ? ` (state ${state}${iface.bfdStatus['remote_state'] ? `, remote ${iface.bfdStatus['remote_state']}` : ''})` : ''}` };
  }
  return { ...base, live: true, why: iface.linkState === undefined ? 'no BFD (link state not collected)' : 'link up, no BFD' };
}

export interface BundleChoice {
  /** The chosen member, or OFPP_NONE when no member is live. */
  readonly port: number;
  readonly members: readonly MemberLiveness[];
  /** hrw: the flow hash and each live member's score (`hash_2words(i, flow_hash)`). */
  readonly hrw?: { readonly flowHash: number; readonly scores: readonly { readonly ofport: number; readonly score: number }[] };
  /** hrw over fields whose hash is not reproduced: what was chosen instead, and why. */
  readonly notReproduced?: string;
}

/** `bundle_execute()`: active_backup (first live member in list order) or hrw (highest random weight). */
export function bundleExecute(a: BundleAction, memberPorts: readonly number[], s: PacketState, portOf: (ofport: number) => BridgePort | undefined): BundleChoice {
  const members = memberPorts.map((p) => memberLiveness(p, portOf(p)));
  if (a.algorithm === 'hrw') {
    const flowHash = flowHashFields(s, a.fields, a.basis);
    if (flowHash === undefined) {
      const first = members.find((m) => m.live);
      return { port: first?.ofport ?? OFPP.NONE, members, notReproduced: `the ${a.fields} hash is not reproduced by ovnscope: using the first live member` };
    }
    let best = -1;
    let bestHash = 0;
    const scores: { ofport: number; score: number }[] = [];
    for (let i = 0; i < members.length; i++) {
      if (!members[i].live) continue;
      const h = hashInt(i, flowHash); // hash_2words(i, flow_hash)
      scores.push({ ofport: members[i].ofport, score: h });
      if (best < 0 || h > bestHash) {
        bestHash = h;
        best = i;
      }
    }
    return { port: best >= 0 ? members[best].ofport : OFPP.NONE, members, hrw: { flowHash, scores } };
  }
  // active_backup (the parser accepts only the two algorithms OVS knows).
  const first = members.find((m) => m.live);
  return { port: first?.ofport ?? OFPP.NONE, members };
}

// ---------------------------------------------------------------------------------------------
// flow_hash_fields() (lib/flow.c), x86-64 generic hash build (as groups.ts).

function jhashRot(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** `jhash_mix()` on r = [a, b, c] (32-bit words; a Uint32Array wraps every write). */
function jhashMix(r: Uint32Array): void {
  const step = (x: number, y: number, z: number, k: number) => {
    r[x] -= r[z];
    r[x] ^= jhashRot(r[z], k);
    r[z] += r[y];
  };
  step(0, 1, 2, 4);
  step(1, 2, 0, 6);
  step(2, 0, 1, 8);
  step(0, 1, 2, 16);
  step(1, 2, 0, 19);
  step(2, 0, 1, 4);
}

/** `jhash_final()` on r = [a, b, c]. */
function jhashFinal(r: Uint32Array): void {
  const step = (x: number, y: number, k: number) => {
    r[x] ^= r[y];
    r[x] -= jhashRot(r[y], k);
  };
  step(2, 1, 14);
  step(0, 2, 11);
  step(1, 0, 25);
  step(2, 1, 16);
  step(0, 2, 4);
  step(1, 0, 14);
  step(2, 1, 24);
}

/** `jhash_bytes()`: Bob Jenkins' lookup3 over little-endian 32-bit words of the bytes (x86). */
export function jhashBytes(p: Uint8Array, basis: number): number {
  let n = p.length;
  const r = new Uint32Array(3).fill((0xdeadbeef + n + basis) >>> 0);
  let off = 0;
  while (n >= 12) {
    for (let k = 0; k < 3; k++) r[k] += leWord(p, off + 4 * k);
    jhashMix(r);
    n -= 12;
    off += 12;
  }
  if (n) {
    // The tail, zero-padded to three words.
    const tmp = new Uint8Array(12);
    tmp.set(p.subarray(off, off + n));
    for (let k = 0; k < 3; k++) r[k] += leWord(tmp, 4 * k);
    jhashFinal(r);
  }
  return r[2];
}

/** A network-order 32-bit value read as a host (little-endian) word, as `hash_add()` sees a be32. */
function leWord(bytes: Uint8Array, off = 0): number {
  return (bytes[off] | (bytes[off + 1] << 8) | (bytes[off + 2] << 16) | (bytes[off + 3] << 24)) >>> 0;
}

function swap16(v: number): number {
  return ((v & 0xff) << 8) | ((v >> 8) & 0xff);
}

const VLAN_VID_MASK = 0x0fffn;
const IPPROTO_TCP = 6n;
const IPPROTO_UDP = 17n;
const IPPROTO_SCTP = 132n;

/** `flow_hash_fields()` for the `fields` of a bundle action; undefined for fields it does not know. */
export function flowHashFields(s: PacketState, fields: string, basis: number): number | undefined {
  const dlType = s.space(SP.dl_type);
  switch (fields) {
    case 'eth_src':
      return jhashBytes(bigToBytes(s.space(SP.dl_src), 6), basis);
    case 'nw_src':
    case 'nw_dst': {
      if (dlType === ETH_TYPE_IP) return jhashBytes(bigToBytes(s.space(fields === 'nw_src' ? SP.nw_src : SP.nw_dst), 4), basis);
      if (dlType === ETH_TYPE_IPV6) return jhashBytes(bigToBytes(s.space(fields === 'nw_src' ? SP.ipv6_src : SP.ipv6_dst), 16), basis);
      return basis;
    }
    case 'symmetric_l4':
      return symmetricL4(s, basis);
    case 'symmetric_l3':
      return symmetricL3(s, basis);
    case 'symmetric_l3l4':
    case 'symmetric_l3l4+udp':
      return symmetricL3L4(s, basis, fields === 'symmetric_l3l4+udp');
    default:
      return undefined;
  }
}

/** The xor of both VLAN headers' VIDs, as `flow_hash_symmetric_l4/l2` fold them. */
function vlanXor(s: PacketState): bigint {
  return (s.space(SP.vlan_tci) & VLAN_VID_MASK) ^ (s.space(SP.vlan_tci1) & VLAN_VID_MASK);
}

/** `flow_hash_symmetric_l4()`: jhash of a zeroed 32-byte struct {addr union(16), eth_type, vlan_tci, tp_port, eth_addr(6), ip_proto}. */
function symmetricL4(s: PacketState, basis: number): number {
  const f = new Uint8Array(32);
  f.set(bigToBytes(s.space(SP.dl_src) ^ s.space(SP.dl_dst), 6), 22);
  f.set(bigToBytes(vlanXor(s), 2), 18);
  const dlType = s.space(SP.dl_type);
  f.set(bigToBytes(dlType, 2), 16);
  const proto = s.space(SP.nw_proto);
  const ports = () => {
    if (proto === IPPROTO_TCP || proto === IPPROTO_SCTP) f.set(bigToBytes(s.space(SP.tp_src) ^ s.space(SP.tp_dst), 2), 20);
  };
  if (dlType === ETH_TYPE_IP) {
    f.set(bigToBytes(s.space(SP.nw_src) ^ s.space(SP.nw_dst), 4), 0);
    f[28] = Number(proto & 0xffn);
    ports();
  } else if (dlType === ETH_TYPE_IPV6) {
    f.set(bigToBytes(s.space(SP.ipv6_src) ^ s.space(SP.ipv6_dst), 16), 0);
    f[28] = Number(proto & 0xffn);
    ports();
  }
  return jhashBytes(f, basis);
}

/** `flow_hash_symmetric_l3()`: jhash of a zeroed 20-byte struct {addr union(16), eth_type}. */
function symmetricL3(s: PacketState, basis: number): number {
  const f = new Uint8Array(20);
  const dlType = s.space(SP.dl_type);
  f.set(bigToBytes(dlType, 2), 16);
  if (dlType === ETH_TYPE_IP) f.set(bigToBytes(s.space(SP.nw_src) ^ s.space(SP.nw_dst), 4), 0);
  else if (dlType === ETH_TYPE_IPV6) f.set(bigToBytes(s.space(SP.ipv6_src) ^ s.space(SP.ipv6_dst), 16), 0);
  return jhashBytes(f, basis);
}

/** `flow_hash_symmetric_l2()`: hash_add of the three words {eth_type, vlan_tci, eth_addr(6), pad}. */
function symmetricL2(s: PacketState, basis: number): number {
  const f = new Uint8Array(12);
  f.set(bigToBytes(s.space(SP.dl_type), 2), 0);
  f.set(bigToBytes(vlanXor(s), 2), 2);
  f.set(bigToBytes(s.space(SP.dl_src) ^ s.space(SP.dl_dst), 6), 4);
  let hash = basis >>> 0;
  for (let i = 0; i < 12; i += 4) hash = hashAdd(hash, leWord(f, i));
  return hashFinish(hash, basis);
}

/** `flow_hash_symmetric_l3l4()`. */
function symmetricL3L4(s: PacketState, basis: number, incUdp: boolean): number {
  const dlType = s.space(SP.dl_type);
  let hash = basis >>> 0;
  if (dlType === ETH_TYPE_IP) {
    hash = hashAdd(hash, leWord(bigToBytes(s.space(SP.nw_src) ^ s.space(SP.nw_dst), 4)));
  } else if (dlType === ETH_TYPE_IPV6) {
    // hash_add64() of the two native 64-bit words of the xor: low word, then high word.
    const x = bigToBytes(s.space(SP.ipv6_src) ^ s.space(SP.ipv6_dst), 16);
    for (let i = 0; i < 16; i += 8) {
      hash = hashAdd(hash, leWord(x, i));
      hash = hashAdd(hash, leWord(x, i + 4));
    }
  } else return symmetricL2(s, basis);
  const proto = s.space(SP.nw_proto);
  hash = hashAdd(hash, Number(proto & 0xffn));
  const frag = s.space(SP.ip_frag) & 3n;
  if (!frag && (proto === IPPROTO_TCP || proto === IPPROTO_SCTP || (incUdp && proto === IPPROTO_UDP))) {
    hash = hashAdd(hash, swap16(Number((s.space(SP.tp_src) ^ s.space(SP.tp_dst)) & 0xffffn)));
  }
  return hashFinish(hash, basis);
}
