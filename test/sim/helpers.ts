// Builds small hosts for unit tests from `ovs-ofctl dump-flows` / `dump-groups` text, with the
// real parsers, so every test flow is exactly what a snapshot would hold.

import { expect } from 'vitest';
import { parseOfctlFlows } from '../../src/parse/ofctl-flows.js';
import { parseOfctlGroups } from '../../src/parse/ofctl-groups.js';
import type { BridgePort, BridgeState, HostState, PortRole } from '../../src/model/snapshot.js';
import type { TraceNode } from '../../src/model/trace.js';
import { traceHost, type SimTraceResult, type TraceOptions } from '../../src/sim/index.js';

export interface PortSpec {
  ofport: number;
  name: string;
  role?: PortRole;
  ifaceId?: string;
}

export interface BridgeSpec {
  name: string;
  flows: string;
  groups?: string;
  ports: PortSpec[];
}

export function bridge(spec: BridgeSpec): BridgeState {
  const f = parseOfctlFlows(spec.flows);
  expect(f.diagnostics.filter((d) => d.severity === 'error'), 'flow text must parse').toEqual([]);
  const g = spec.groups ? parseOfctlGroups(spec.groups) : undefined;
  if (g) expect(g.diagnostics.filter((d) => d.severity === 'error'), 'group text must parse').toEqual([]);
  const ports: BridgePort[] = spec.ports.map((p) => ({ ofport: p.ofport, name: p.name, role: p.role ?? { kind: 'local' }, ...(p.ifaceId ? { ifaceId: p.ifaceId } : {}) }));
  return { name: spec.name, flows: f.value.flows, groups: g?.value.groups ?? [], ports };
}

export function host(...bridges: BridgeSpec[]): HostState {
  return { name: 'hv1', ovsBridges: [], ovsPorts: [], interfaces: [], bridges: bridges.map(bridge) };
}

/** Standard test ports: vif1..vif3 local (1..3), a geneve tunnel (10), LOCAL. */
export const PORTS: PortSpec[] = [
  { ofport: 1, name: 'vif1', ifaceId: 'lp1' },
  { ofport: 2, name: 'vif2', ifaceId: 'lp2' },
  { ofport: 3, name: 'vif3', ifaceId: 'lp3' },
  { ofport: 10, name: 'ovn-hv2-0', role: { kind: 'tunnel', tunnelType: 'geneve', remoteIp: '192.168.0.2', remoteChassis: 'hv2' } },
  { ofport: 65534, name: 'br0', role: { kind: 'local' } },
];

/**
 * br-int (the standard VIFs and the tunnel, ofport 5 a patch port to br-ex) with these flows,
 * and br-ex: NORMAL between the uplink eth0 (1) and the peer patch port (2).
 */
export function patchedHost(brIntFlows: string): HostState {
  return host(
    { name: 'br-int', flows: brIntFlows, ports: [...PORTS.filter((p) => p.ofport !== 65534), { ofport: 5, name: 'patch-int', role: { kind: 'patch', peer: 'patch-ex' } }] },
    {
      name: 'br-ex',
      flows: 'table=0, priority=0 actions=NORMAL',
      ports: [
        { ofport: 1, name: 'eth0', role: { kind: 'physical' } },
        { ofport: 2, name: 'patch-ex', role: { kind: 'patch', peer: 'patch-int' } },
      ],
    },
  );
}

/** Traces on a one-bridge host `br0` built from flow lines. */
export function trace(flows: string, flow: string, options: TraceOptions & { groups?: string; ports?: PortSpec[] } = {}): SimTraceResult {
  const { groups, ports, ...opts } = options;
  const h = host({ name: 'br0', flows, ...(groups ? { groups } : {}), ports: ports ?? PORTS });
  const r = traceHost(h, 'br0', flow, opts);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Every node of the tree, depth first. */
export function allNodes(nodes: readonly TraceNode[]): TraceNode[] {
  const out: TraceNode[] = [];
  const walk = (ns: readonly TraceNode[]) => {
    for (const n of ns) {
      out.push(n);
      walk(n.children);
    }
  };
  walk(nodes);
  return out;
}

export function texts(r: SimTraceResult, kind?: TraceNode['kind']): string[] {
  return allNodes(r.tree)
    .filter((n) => !kind || n.kind === kind)
    .map((n) => n.text);
}

export function outPorts(r: SimTraceResult): string[] {
  return r.outputs.map((o) => o.port);
}

export function fieldOf(flowText: string, name: string): string | undefined {
  for (const part of flowText.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === name) return part.slice(eq + 1);
  }
  return undefined;
}
