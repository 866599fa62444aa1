// Trace equality under a redaction mapping: a packet traced through the original snapshot and the
// same packet, translated, traced through the redacted snapshot must give the same trace once the
// original's names and addresses go through the map — same verdict, same outputs (ports, tunnels,
// rewritten packet headers), same drops (table, priority, cookie, reason), same controller
// punts, same passes, same tree shape (kinds, tables, priorities, cookies).
//
// Register values are left out of the packet comparison: a MAC kept in xxreg0[64..111] is split
// over reg0 and reg1 in the printed packet, and no text translation can follow that; the flows
// that use the registers are compared through the decisions they lead to instead.

import { compileHost, traceHost, type CompiledHost, type SimTraceResult } from '../../src/sim/index.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import type { TraceNode } from '../../src/model/trace.js';
import type { ForwardTranslator } from '../../src/snapshot/redact.js';
import type { Topology } from '../harness/topology.js';
import { externalCases, generateCases, type PortInfo, type TraceCase } from '../sim/cases.js';

export interface TracePacket {
  readonly id?: string;
  /** Host, bridge and microflow in the original snapshot's terms. */
  readonly host: string;
  readonly bridge: string;
  readonly flow: string;
  readonly ctNext?: readonly string[];
  readonly size?: number;
}

export interface TraceEquality {
  readonly compared: number;
  readonly verdicts: Readonly<Record<string, number>>;
  readonly mismatches: readonly string[];
}

type Tr = (text: string) => string;

/** Keys of the printed packet left out (see the header comment). */
const SKIPPED_KEYS = /^(x{0,2}reg\d+|ct_label)$/;

function packetView(flow: string, tr: Tr): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of flow.split(',')) {
    const eq = kv.indexOf('=');
    if (eq < 0) {
      out[kv] = '';
      continue;
    }
    const k = kv.slice(0, eq);
    if (SKIPPED_KEYS.test(k)) continue;
    out[k] = tr(kv.slice(eq + 1));
  }
  return out;
}

function treeView(nodes: readonly TraceNode[]): unknown[] {
  return nodes.map((n) => {
    const data: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n.data ?? {})) {
      if (typeof v === 'number' || typeof v === 'boolean') data[k] = v;
      else if (k === 'cookie' && typeof v === 'string') data[k] = v;
    }
    return { kind: n.kind, detail: n.detail, data, children: treeView(n.children) };
  });
}

function view(r: SimTraceResult, tr: Tr): unknown {
  return {
    verdict: r.verdict,
    outputs: r.outputs.map((o) => ({
      bridge: tr(o.bridge),
      port: tr(o.port),
      ofport: o.ofport,
      kind: o.kind,
      pass: o.pass,
      table: o.table,
      priority: o.priority ?? null,
      cookie: o.cookie ?? null,
      tunnel: o.tunnel ? { remoteIp: tr(o.tunnel.remoteIp), chassis: o.tunnel.chassis ? tr(o.tunnel.chassis) : null, tunId: o.tunnel.tunId, metadata0: o.tunnel.metadata0 ?? null } : null,
      packet: packetView(o.packet, tr),
    })),
    controllers: r.controllers.map((c) => ({ bridge: tr(c.bridge), pass: c.pass, reason: c.reason, opcode: c.opcode ?? null, pause: c.pause, table: c.table, priority: c.priority ?? null, cookie: c.cookie ?? null })),
    hops: r.hops.map((h) => ({
      host: tr(h.host),
      bridge: tr(h.bridge),
      controller: h.controller,
      controllerReason: h.controllerReason ?? null,
      finalFlow: packetView(h.finalFlow, tr),
      drop: h.drop ? { table: h.drop.table, priority: h.drop.priority ?? null, cookie: h.drop.cookie ?? null, reason: h.drop.reason } : null,
    })),
    passes: r.passes.map((p) => ({ index: p.index, recircId: p.recircId, bridge: tr(p.bridge), error: p.error !== undefined, loop: p.loop ?? null, frozen: p.frozen !== undefined })),
    tree: treeView(r.tree),
    warnings: r.warnings.length,
    ambiguous: r.ambiguous,
    unsupported: r.unsupported,
    incomplete: r.incomplete?.groupId ?? null,
    size: r.size,
  };
}

function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}/${k}`);
      if (d) return d;
    }
  }
  return `${path || '/'}: ${JSON.stringify(a)?.slice(0, 300)} ≠ ${JSON.stringify(b)?.slice(0, 300)}`;
}

/**
 * Traces every packet through both snapshots and compares the traces under `mapping`. Returns
 * the tally; throws with the first mismatches when any packet's traces differ.
 */
export function assertTracesEqualUnderMapping(original: Snapshot, redacted: Snapshot, mapping: ForwardTranslator, packets: readonly TracePacket[]): TraceEquality {
  const compiled = new Map<string, CompiledHost>();
  const hostOf = (s: Snapshot, name: string, side: string): CompiledHost => {
    const key = `${side}/${name}`;
    let c = compiled.get(key);
    if (!c) {
      const h = s.hosts.find((x) => x.name === name);
      if (!h) throw new Error(`${side} snapshot has no host ${name} (hosts: ${s.hosts.map((x) => x.name).join(', ')})`);
      c = compileHost(h);
      compiled.set(key, c);
    }
    return c;
  };
  const mismatches: string[] = [];
  const verdicts: Record<string, number> = {};
  for (const p of packets) {
    const tr: Tr = (t) => mapping.forward(t, p.host);
    const opts = { ...(p.ctNext ? { ctNext: p.ctNext } : {}), ...(p.size !== undefined ? { size: p.size } : {}) };
    const o = traceHost(hostOf(original, p.host, 'original'), p.bridge, p.flow, opts);
    const rHost = mapping.forward(p.host);
    const r = traceHost(hostOf(redacted, rHost, 'redacted'), tr(p.bridge), tr(p.flow), opts);
    const label = `${p.id ?? ''} ${p.host} ${p.bridge} ${p.flow}${p.ctNext ? ` --ct-next ${p.ctNext.join(' ')}` : ''}`;
    if (o.ok !== r.ok) {
      mismatches.push(`${label}: ${o.ok ? 'traces' : o.error.message} on the original, ${r.ok ? 'traces' : r.error.message} on the redacted`);
      continue;
    }
    if (!o.ok || !r.ok) continue;
    verdicts[o.value.verdict] = (verdicts[o.value.verdict] ?? 0) + 1;
    const d = firstDifference(view(o.value, tr), view(r.value, (t) => t));
    if (d) mismatches.push(`${label}: ${d}`);
  }
  if (mismatches.length) throw new Error(`${mismatches.length} of ${packets.length} traces differ under the mapping:\n${mismatches.slice(0, 10).join('\n')}`);
  return { compared: packets.length, verdicts, mismatches };
}

/**
 * The differential corpus (test/sim/cases.ts) for a snapshot, built from what it contains: ports
 * from the SB port bindings (MAC/IP) joined with the OVS interfaces (iface-id) of the hosts, router
 * interfaces, NAT and load balancers from the NB.
 */
export function corpusOf(s: Snapshot, name: string): TracePacket[] {
  const nb = s.nb!;
  const sb = s.sb!;
  const chassisByUuid = new Map(sb.chassis.map((c) => [c.uuid, c.name] as const));
  const hostByChassis = new Map(s.hosts.filter((h) => h.chassis).map((h) => [h.chassis!, h.name] as const));
  const ifaceByPort = new Map<string, string>();
  for (const h of s.hosts) for (const i of h.interfaces) if (i.ifaceId) ifaceByPort.set(i.ifaceId, i.name);
  const lspByUuid = new Map(nb.switchPorts.map((p) => [p.uuid, p] as const));
  const switchOf = new Map<string, string>();
  for (const sw of nb.switches) for (const u of sw.ports) switchOf.set(lspByUuid.get(u)?.name ?? '', sw.name);
  const ports: PortInfo[] = [];
  for (const pb of sb.portBindings) {
    if (pb.type !== '' || !pb.chassis) continue;
    const chassis = chassisByUuid.get(pb.chassis);
    const host = chassis ? hostByChassis.get(chassis) : undefined;
    const iface = ifaceByPort.get(pb.logicalPort);
    const words = (pb.mac[0] ?? '').split(/\s+/);
    if (!host || !iface || !words[0]) continue;
    ports.push({
      port: pb.logicalPort,
      switch: switchOf.get(pb.logicalPort) ?? '',
      chassis: host,
      iface,
      mac: words[0],
      ipv4: words.slice(1).filter((w) => w.includes('.')),
      ipv6: words.slice(1).filter((w) => w.includes(':')),
    });
  }
  ports.sort((a, b) => a.port.localeCompare(b.port));
  const lrpByUuid = new Map(nb.routerPorts.map((p) => [p.uuid, p] as const));
  const natByUuid = new Map(nb.nats.map((n) => [n.uuid, n] as const));
  const lbByUuid = new Map(nb.loadBalancers.map((l) => [l.uuid, l] as const));
  const topo: Topology = {
    name,
    chassis: [],
    switches: nb.switches.map((sw) => ({
      name: sw.name,
      ports: sw.ports
        .map((u) => lspByUuid.get(u))
        .filter((p) => !!p)
        .map((p) => ({ name: p!.name, type: p!.type === 'router' ? ('router' as const) : ('' as const), ...(p!.options['router-port'] ? { routerPort: p!.options['router-port'] } : {}) })),
    })),
    routers: nb.routers.map((r) => ({
      name: r.name,
      ports: r.ports.map((u) => lrpByUuid.get(u)).filter((p) => !!p).map((p) => ({ name: p!.name, mac: p!.mac, networks: [...p!.networks] })),
      nat: r.nat.map((u) => natByUuid.get(u)).filter((n) => !!n).map((n) => ({ type: n!.type as 'snat', externalIp: n!.externalIp, logicalIp: n!.logicalIp, ...(n!.externalMac ? { externalMac: n!.externalMac } : {}) })),
    })),
    loadBalancers: nb.loadBalancers.map((lb) => ({
      name: lb.name,
      vips: Object.fromEntries(Object.entries(lb.vips).map(([v, b]) => [v, b.split(',')])),
      switches: nb.switches.filter((sw) => sw.loadBalancer.includes(lb.uuid)).map((sw) => sw.name),
      routers: nb.routers.filter((r) => r.loadBalancer.includes(lb.uuid)).map((r) => r.name),
    })),
  };
  void lbByUuid;
  const cases: TraceCase[] = generateCases(topo, ports);
  for (const h of s.hosts) {
    const ex = h.bridges.find((b) => b.name === 'br-ex');
    const uplink = ex?.ports.find((p) => p.role.kind === 'physical');
    if (ex && uplink) cases.push(...externalCases(topo, h.name, uplink.name));
  }
  return cases.map((c) => ({ id: c.id, host: c.hv, bridge: c.bridge, flow: c.flow, ...(c.ctNext ? { ctNext: c.ctNext } : {}), ...(c.size ? { size: c.size } : {}) }));
}
