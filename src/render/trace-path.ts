/**
 * The path picture of a cross-host trace: source → each bridge/chassis crossed (its logical
 * datapaths and named decisions) → tunnels (VNI, TEPs, logical ports) → where the packet ended,
 * with the drop and its evidence. Pure text (chalk for colour); `trace-dot.ts` draws the same
 * structure as Graphviz.
 */
import type { ChalkInstance } from 'chalk';
import type { HopCtNat, HopStep, TraceDrop, TraceHop, TraceOutput } from '../model/trace.js';
import type { TraceReport } from '../services/trace.js';
import { describeEndpoint } from '../snapshot/resolve.js';
import { plural } from '../model/plural.js';

function stepMark(s: HopStep, style: ChalkInstance): string {
  switch (s.kind) {
    case 'acl': {
      const action = String(s.nb?.row?.['action'] ?? '');
      return /^(drop|reject)$/.test(action) ? style.red('✗') : style.green('✓');
    }
    case 'lb':
    case 'nat':
      return style.cyan('⇄');
    case 'route':
      return style.cyan('→');
    default:
      return '·';
  }
}

function ctSummary(states: readonly string[]): string {
  const out: string[] = [];
  for (const s of states) {
    const last = out[out.length - 1];
    const m = last ? /^(.*?)(?: ×(\d+))?$/.exec(last) : null;
    if (m && m[1] === s) out[out.length - 1] = `${s} ×${Number(m[2] ?? 1) + 1}`;
    else out.push(s);
  }
  return out.join(', ');
}

function tunnelLine(o: TraceOutput, from: string, to: string): string {
  const t = o.tunnel!;
  const dp = t.datapath ? ` (${t.datapath})` : '';
  const ports = t.inport || t.outport ? ` (${t.inport ?? '?'} → ${t.outport ?? '?'})` : '';
  return `tunnel ${from} → ${to}  GENEVE VNI ${t.tunId}${dp}  ${t.tunSrc ?? '?'} → ${t.tunDst ?? t.remoteIp}${t.metadata0 ? `  tun_metadata0 ${t.metadata0}${ports}` : ''}`;
}

/** Evidence lines of a drop: where, the OpenFlow flow, the logical flow, the NB row. */
export function dropEvidence(d: TraceDrop, style: ChalkInstance): string[] {
  const out: string[] = [];
  if (d.flow) out.push(`${style.dim('flow   ')} ${d.flow}`);
  else if (d.tableFlows !== undefined)
    out.push(`${style.dim('table  ')} ${d.table}${d.flowsFile ? ` of ${d.flowsFile}` : ''}: ${d.tableFlows === 0 ? 'empty (no flow of this table in the dump)' : `no flow matched (the table has ${plural(d.tableFlows, 'flow')})`}`);
  else out.push(`${style.dim('flow   ')} table ${d.table}${d.priority !== undefined ? ` priority ${d.priority}` : ''}${d.cookie ? ` cookie ${d.cookie}` : ''}`);
  const lf = d.logicalFlow;
  if (lf) out.push(`${style.dim('lflow  ')} ${lf.datapath ?? '?'} ${lf.pipeline} ${lf.stage ?? ''} (table ${lf.tableId}) priority ${lf.priority}: ${lf.match} => ${lf.actions}  [${lf.uuid.slice(0, 8)}]`);
  if (d.nb) out.push(`${style.dim('NB     ')} ${d.nb.text}  [${d.nb.uuid.slice(0, 8)}]`);
  return out;
}

function outputLine(h: TraceHop, o: TraceOutput, style: ChalkInstance): string | undefined {
  const n = o.next;
  switch (n?.status) {
    case 'delivered':
      return o.logicalPort
        ? style.green(`● delivered to ${o.logicalPort}${o.logicalPort !== o.port ? ` (${o.port})` : ''} on ${h.host}`)
        : style.dim(`· a copy to ${o.port} (${h.bridge}'s own port, the host stack)`);
    case 'left':
      return style.green(`⇥ left ${n.host} via ${n.via}${n.network ? ` (provider network ${n.network}${o.logicalPort ? `, localnet ${o.logicalPort}` : ''})` : ''}`);
    case 'dropped':
      return style.red(`✗ ${n.reason}: ${n.explanation}`);
    case 'not-collected':
      return style.yellow(`? ${o.port} → ${n.chassis ?? n.remoteIp}: not in the snapshot. Collect ${n.hint}`);
    case 'not-followed':
      return style.yellow(`→ ${o.port} (tunnel to ${o.tunnel?.chassis ?? o.tunnel?.remoteIp ?? '?'}, tun_id ${o.tunnel?.tunId ?? '?'}${o.tunnel?.metadata0 ? `, tun_metadata0 ${o.tunnel.metadata0}` : ''}): ${n.reason}`);
    case 'loop':
      return style.red(`↺ ${o.port}: loop (the packet enters hop ${n.hop} again)`);
    default:
      return undefined;
  }
}

/** The picture, one line per element, hops in the order the packet met them. */
export function renderPath(r: TraceReport, style: ChalkInstance): string[] {
  const lines: string[] = [];
  const hops = r.hops;
  const children = (i: number) => hops.filter((h) => h.entry && h.entry.kind === 'patch' && h.entry.fromHop === i);
  const rendered = new Set<number>();
  /** The --ct-next states of hop i: its host run's (on the run's first hop), if its bridge ran them. */
  const conntrackOf = (i: number): readonly string[] | undefined => {
    const h = hops[i]!;
    let head = h;
    for (let n = 0; head.entry?.kind === 'patch' && head.entry.fromHop !== undefined && hops[head.entry.fromHop] && n < hops.length; n++) head = hops[head.entry.fromHop]!;
    if (!head.ctNext) return undefined;
    if (!head.ctBridges) return head === h ? head.ctNext : undefined;
    return head.ctBridges.includes(h.bridge) ? head.ctNext : undefined;
  };
  /** The conntrack model's rewrites of hop i's host run, under the hop whose bridge made them. */
  const ctNatOf = (i: number): readonly HopCtNat[] | undefined => {
    const h = hops[i]!;
    let head = h;
    for (let n = 0; head.entry?.kind === 'patch' && head.entry.fromHop !== undefined && hops[head.entry.fromHop] && n < hops.length; n++) head = hops[head.entry.fromHop]!;
    return head.ctNat?.filter((n) => n.bridge === h.bridge);
  };
  const renderHop = (i: number, pad: string): void => {
    const h = hops[i];
    if (!h || rendered.has(i)) return;
    rendered.add(i);
    const e = h.entry;
    const inText = e ? `${e.kind === 'patch' ? 'patch ' : ''}${e.port}${e.ofport !== undefined && e.kind !== 'patch' ? ` (ofport ${e.ofport})` : ''}` : '?';
    lines.push(`${pad}├─▶ ${style.bold(`${h.bridge}@${h.host}`)}  ${style.dim(`in ${inText}`)}`);
    const inner = `${pad}│     `;
    if (h.datapaths?.length) lines.push(`${inner}${style.magenta(h.datapaths.join(' → '))}`);
    // Conntrack states, when the trace met its own connections (est/rpl): what decided the ACLs.
    // They belong to the hop whose tables ran ct, which is not the entry hop after a patch port.
    const ct = conntrackOf(i);
    if (ct?.some((c) => c !== 'new,trk')) lines.push(`${inner}${style.dim(`conntrack: ${ctSummary(ct)}`)}`);
    // The model's un-SNAT / un-DNAT: what conntrack does to the reply, and where a replay of the hop
    // in ofproto/trace (which knows no connection) stops agreeing.
    for (const n of ctNatOf(i) ?? []) {
      lines.push(`${inner}${style.cyan('⇄')} conntrack: ${n.text} (${n.committed}, zone ${n.zone})`);
      if (!n.replayable) lines.push(`${inner}${style.dim(`  ofproto/trace cannot ${n.rewrite.startsWith('un-') ? 'un-NAT' : 'NAT'} from a connection: a replay with this hop's --ct-next states agrees only up to recirculation ${n.recirc}`)}`);
    }
    for (const s of h.steps ?? []) lines.push(`${inner}${stepMark(s, style)} ${s.datapath ? style.dim(`${s.datapath}: `) : ''}${s.text}`);
    if (h.drop) {
      lines.push(`${inner}${style.red(`✗ ${h.drop.reason}: ${h.drop.explanation}`)}`);
      for (const ev of dropEvidence(h.drop, style)) lines.push(`${inner}    ${ev}`);
    } else if (h.controller && !h.outputs.length) lines.push(`${inner}${style.yellow(`⚑ punted to ovn-controller: ${h.controllerReason ?? ''}`)}`);
    // This hop's own outputs first, then the hops its followed tunnels and provider networks lead
    // to: those print at this hop's level, and an output listed after them would read as theirs
    // (a flooded ARP's local copy under the remote chassis).
    const onward: (typeof h.outputs)[number][] = [];
    for (const o of h.outputs) {
      if (o.kind === 'patch' && o.next === undefined) continue;
      if (o.next?.status === 'followed' && (o.kind === 'tunnel' || o.next.network)) {
        onward.push(o);
        continue;
      }
      const l = outputLine(h, o, style);
      if (l) lines.push(`${inner}${l}`);
    }
    for (const o of onward) {
      if (o.next?.status !== 'followed') continue;
      lines.push(`${inner}out ${o.port}`);
      lines.push(`${pad}│`);
      const via = o.kind === 'tunnel' ? tunnelLine(o, h.host, o.next.host) : `provider network ${o.next.network} ${h.host} → ${o.next.host}  to ${o.next.toward ?? '?'}${o.next.why ? `: ${o.next.why}` : ''}`;
      lines.push(`${pad}├─▶ ${style.cyan(via)}`);
      lines.push(`${pad}│`);
      renderHop(o.next.hop, pad);
    }
    for (const c of children(i)) {
      lines.push(`${pad}│`);
      renderHop(c.index ?? hops.indexOf(c), pad);
    }
  };
  const h0 = hops[0];
  const start = r.from ? `${describeEndpoint(r.from)}` : h0 ? `the packet enters ${h0.host} ${h0.bridge} at ${h0.entry?.port ?? '?'}` : r.input;
  lines.push(`${style.bold('●')} ${start}`);
  lines.push('│');
  if (hops.length) renderHop(0, '');
  // Hops reached another way (a flood through several tunnels is already nested above).
  for (let i = 0; i < hops.length; i++) if (!rendered.has(i)) renderHop(i, '');
  return lines;
}

/** `tcp 5432 → 40000, 10.1.2.11 → 10.1.1.11, MAC → MAC, TTL 64` from an ofproto/trace flow; undefined when it is not an IP packet with addresses. */
export function describeFlowPacket(flow: string): string | undefined {
  const field = (name: string) => new RegExp(`(?:^|,)${name}=([^,]+)`).exec(flow)?.[1];
  const v6 = /(?:^|,)(?:ipv6|tcp6|udp6|sctp6|icmp6)(?:,|$)/.test(flow) || field('ipv6_src') !== undefined;
  const src = v6 ? field('ipv6_src') : field('nw_src');
  const dst = v6 ? field('ipv6_dst') : field('nw_dst');
  if (src === undefined || dst === undefined) return undefined;
  const proto = /(?:^|,)(tcp|udp|sctp|icmp)6?(?:,|$)/.exec(flow)?.[1];
  let l4: string;
  if (proto === 'tcp' || proto === 'udp' || proto === 'sctp') l4 = `${proto} ${field(`${proto}_src`) ?? field('tp_src') ?? '?'} → ${field(`${proto}_dst`) ?? field('tp_dst') ?? '?'}`;
  else if (proto === 'icmp') {
    const type = field(v6 ? 'icmpv6_type' : 'icmp_type');
    const echo: Record<string, string> = v6 ? { '128': 'echo request', '129': 'echo reply' } : { '8': 'echo request', '0': 'echo reply' };
    l4 = `${v6 ? 'icmp6' : 'icmp'}${type !== undefined ? ` ${echo[type] ?? `type ${type}`}` : ''}`;
  } else l4 = v6 ? 'ipv6' : 'ip';
  const macs = field('dl_src') && field('dl_dst') ? `, ${field('dl_src')} → ${field('dl_dst')}` : '';
  const ttl = field('nw_ttl');
  return `${l4}, ${src} → ${dst}${macs}${ttl !== undefined ? `, TTL ${ttl}` : ''}`;
}

/** Header lines: the endpoints as resolved, the packet as built, the chassis on the path. */
export function renderPathHeader(r: TraceReport, style: ChalkInstance): string[] {
  const out: string[] = [];
  // An endpoint's notes say what resolution found out (not bound to any chassis, matched by MAC,
  // ...): often the reason for the verdict below. Those the warnings repeat are left to them.
  const endpointNotes = (e: NonNullable<TraceReport['from']>) => (e.notes ?? []).filter((n) => !r.warnings.includes(n)).map((n) => style.dim(`       note: ${n}`));
  if (r.from) out.push(`${style.bold('From  ')} ${describeEndpoint(r.from)}`, ...endpointNotes(r.from));
  const p = r.packet;
  const dhcp = p?.protocol.kind === 'dhcp';
  // A DHCP request goes to the broadcast, not outside the overlay: ovn-controller is its server.
  if (r.to) out.push(`${style.bold('To    ')} ${dhcp ? `${r.to.ip} (the DHCP${p!.family === 6 ? 'v6' : ''} server: OVN's native DHCP, ovn-controller on ${r.from?.chassis ?? 'the port\'s chassis'})` : describeEndpoint(r.to)}`, ...endpointNotes(r.to));
  if (p) {
    const l4 = dhcp ? `${p.family === 6 ? 'DHCPv6 Solicit' : 'DHCPDISCOVER'}, udp ${p.sport} → ${p.dport}` : p.protocol.kind === 'icmp' ? `${p.family === 6 ? 'icmp6' : 'icmp'} echo ${p.protocol.reply ? 'reply' : 'request'}` : p.protocol.kind === 'arp' ? (p.family === 6 ? `neighbour solicitation for ${p.nwDst}` : `arp who-has ${p.nwDst}`) : `${p.protocol.kind} ${p.sport} → ${p.dport}`;
    // ARP and neighbour solicitation are not routed: they ask for the gateway, they do not go via it;
    // ARP has no TTL, and an NS is always sent with hop limit 255 (RFC 4861), whatever --ttl says.
    const arp = p.protocol.kind === 'arp';
    const nh =
      dhcp
        ? "broadcast on the port's switch"
        : p.nextHop.kind === 'gateway'
          ? arp
            ? `asks for the gateway ${p.nextHop.port} (${p.nextHop.router}): the destination is off-subnet`
            : // The line describes the packet built: a dl_dst other than the gateway's MAC says why.
              `via gateway ${p.nextHop.port} (${p.nextHop.router})${p.dlDstWhy ? `, sent to ${p.dlDst}: ${p.dlDstWhy}, not the gateway's MAC ${p.nextHop.mac}` : ` ${p.nextHop.mac}`}`
          : 'same subnet';
    const ttl = !arp ? `TTL ${p.ttl}, ` : p.family === 6 ? 'hop limit 255, ' : '';
    out.push(`${style.bold('Packet')} ${l4}, ${p.nwSrc} → ${p.nwDst}, ${p.dlSrc} → ${p.dlDst} (${nh}), ${ttl}${r.size} B`);
    out.push(`${style.dim(`       enters ${p.entry.host} ${p.entry.bridge} at ${p.entry.port}: ${r.input}`)}`);
  }
  if (!p && r.hops[0] && r.from) {
    // A packet not built from endpoints (the reply, swapped from the delivered one): described
    // from its flow like the forward Packet line, the flow itself on the 'enters' line.
    const h = r.hops[0];
    const described = describeFlowPacket(r.input);
    out.push(`${style.bold('Packet')} ${described ? `${described}${r.size ? `, ${r.size} B` : ''}` : r.input}`);
    out.push(style.dim(`       enters ${h.host} ${h.bridge} at ${h.entry?.port ?? '?'}${described ? `: ${r.input}` : r.size ? `, ${r.size} B` : ''}`));
  }
  if (r.path) {
    // Chassis only flooded copies reached (a broadcast, an unknown destination) are named apart:
    // the packet's own path is the chassis before them (transit ones included: the packet ran there).
    const own = r.path.chassis.filter((c) => !c.roles.includes('flooded'));
    const flooded = r.path.chassis.filter((c) => c.roles.includes('flooded'));
    const chassis = own.map((c) => `${c.chassis} (${c.roles.join('+')}${c.host ? '' : ', not collected'})`).join(', ');
    const copies = flooded.length ? `; flooded copies to ${flooded.map((c) => `${c.chassis}${c.host ? '' : ' (not collected)'}`).join(', ')}` : '';
    // No logical path known (an outside address with no gateway router in reach): say so, with why.
    const dps = r.path.datapaths.join(' → ') || `no logical path${r.path.notes.length ? ` (${r.path.notes.join('; ')})` : ''}`;
    out.push(`${style.bold('Path  ')} ${dps}; chassis ${chassis || 'none'}${copies}`);
  }
  return out;
}
