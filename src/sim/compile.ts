/**
 * One-time compilation of a host's bridges for tracing: per-table classifier indexes, groups
 * with their select tables, port maps and patch-port peers. Build once (`compileHost`) and reuse
 * for every trace; nothing here depends on the packet.
 *
 * The classifier index is the costly part (seconds for 455k flows); when the loader attached
 * `BridgeState.classifierCache`, the index comes from `<snapshot>/.cache/` instead, or is built
 * and handed back to be written there. Synchronous, without I/O: the loader did the reading and
 * owns the writing (a callback), so callers of compileHost/compileBridge need not change.
 */
import type { BridgePort, BridgeState, HostState } from '../model/snapshot.js';
import { bridgeIndexFromStored, buildBridgeIndex, storeBridgeIndex, type BridgeIndex, type FlowProblem, type FlowTable } from './classifier.js';
import { compileGroup, type CompiledGroup } from './groups.js';

export interface CompiledBridge {
  readonly name: string;
  readonly state: BridgeState;
  /** Index = table id (0..255). */
  readonly tables: readonly (FlowTable | undefined)[];
  readonly groups: ReadonlyMap<number, CompiledGroup>;
  readonly portByOfport: ReadonlyMap<number, BridgePort>;
  readonly portByName: ReadonlyMap<string, BridgePort>;
  /** `frags=normal` (the default): transport ports read as 0 in lookups of IP fragments. */
  readonly fragNormal: boolean;
  /** Flows that can never match (unknown port name, contradictory match). */
  readonly problems: readonly FlowProblem[];
  readonly nFlows: number;
}

export interface CompiledHost {
  readonly host: HostState;
  readonly bridges: ReadonlyMap<string, CompiledBridge>;
  /** `bridge/port` of a patch port → its peer bridge and port. */
  readonly patchPeers: ReadonlyMap<string, { readonly bridge: CompiledBridge; readonly port: BridgePort }>;
}

/** Builds the per-table indexes of one bridge. */
export function compileBridge(state: BridgeState): CompiledBridge {
  const portByOfport = new Map<number, BridgePort>();
  const portByName = new Map<string, BridgePort>();
  for (const p of state.ports) {
    portByOfport.set(p.ofport, p);
    portByName.set(p.name, p);
  }
  // Names `ovs-ofctl show` truncates to 15 bytes still resolve.
  for (const p of state.ports) if (p.name.length > 15 && !portByName.has(p.name.slice(0, 15))) portByName.set(p.name.slice(0, 15), p);
  const resolvePort = (name: string): number | undefined => portByName.get(name)?.ofport;
  const { tables, problems, nFlows } = classifierOf(state, resolvePort);
  const groups = new Map<number, CompiledGroup>();
  for (const g of state.groups) groups.set(g.groupId, compileGroup(g));
  const frags = state.show?.config?.frags;
  return {
    name: state.name,
    state,
    tables,
    groups,
    portByOfport,
    portByName,
    fragNormal: frags === undefined || frags === 'normal',
    problems,
    nFlows,
  };
}

/**
 * The bridge's index: from the cache when it was made for exactly these flows and ports (the
 * loader keyed the file on the dump's hash and the ports; a copy of the BridgeState with other
 * flows or ports holds the same `classifierCache` object, hence the identity check), otherwise
 * built — and then saved when the cache belongs to these flows and ports.
 */
function classifierOf(state: BridgeState, resolvePort: (name: string) => number | undefined): BridgeIndex {
  const cache = state.classifierCache;
  const mine = cache !== undefined && cache.flows === state.flows && cache.ports === state.ports;
  let rejected: string | undefined;
  if (mine && cache.stored) {
    const restored = bridgeIndexFromStored(cache.stored, state.flows);
    if (typeof restored !== 'string') return restored;
    rejected = restored;
  }
  const built = buildBridgeIndex(state.flows, resolvePort);
  if (mine) cache.save(storeBridgeIndex(built), rejected);
  return built;
}

/** Compiles every bridge of a host and links patch ports to their peers. */
export function compileHost(host: HostState): CompiledHost {
  const bridges = new Map<string, CompiledBridge>();
  for (const b of host.bridges) bridges.set(b.name, compileBridge(b));
  const byPortName = new Map<string, { bridge: CompiledBridge; port: BridgePort }>();
  for (const b of bridges.values()) for (const p of b.state.ports) byPortName.set(p.name, { bridge: b, port: p });
  const patchPeers = new Map<string, { bridge: CompiledBridge; port: BridgePort }>();
  for (const b of bridges.values()) {
    for (const p of b.state.ports) {
      if (p.role.kind !== 'patch' || !p.role.peer) continue;
      const peer = byPortName.get(p.role.peer);
      if (peer && peer.bridge !== b) patchPeers.set(`${b.name}/${p.name}`, peer);
    }
  }
  return { host, bridges, patchPeers };
}
