import { matchConstraints, type FlowEntry, type MatchItem } from '../model/flow.js';
import { fail, ok, type Result } from '../model/result.js';
import type { BridgeState } from '../model/snapshot.js';
import { formatActions } from '../parse/ofp-actions.js';
import { formatMatch, parseFlowLine } from '../parse/ofctl-flows.js';
import { loadSnapshot } from '../snapshot/load.js';
import { buildOvnIndex, datapathName, type CookieTarget, type OvnIndex } from '../snapshot/ovn-index.js';
import { flowDumpNotRead } from './flow-dump.js';
import { formatDiagnostic } from '../model/diagnostic.js';

export interface FlowsOptions {
  readonly snapshot: string;
  readonly host: string;
  readonly bridge: string;
  readonly table?: number;
  readonly cookie?: bigint;
  /** Match syntax as `ovs-ofctl dump-flows BRIDGE MATCH` takes it (loose: flows at least this specific). */
  readonly filter?: string;
}

export interface AnnotatedFlow {
  readonly line: number;
  readonly table: number;
  readonly priority: number;
  readonly cookie: string;
  readonly match: string;
  readonly actions: string;
  readonly nPackets?: string;
  /** What the cookie names in the SB: a logical flow (stage, match, actions) or a port/multicast row. */
  readonly ovn?: OvnAnnotation;
}

export type OvnAnnotation =
  | { readonly kind: 'logical-flow'; readonly uuid: string; readonly pipeline: string; readonly tableId?: number; readonly stage?: string; readonly priority?: number; readonly match: string; readonly actions: string; readonly datapaths: readonly string[]; readonly source?: string; readonly stageHint?: string }
  | { readonly kind: 'port-binding'; readonly uuid: string; readonly logicalPort: string; readonly type: string }
  | { readonly kind: 'multicast-group'; readonly uuid: string; readonly name: string }
  | { readonly kind: 'load-balancer'; readonly uuid: string; readonly name: string; readonly vips: Readonly<Record<string, string>> }
  | { readonly kind: 'mac-binding'; readonly uuid: string; readonly logicalPort: string; readonly ip: string; readonly mac: string };

export interface FlowsResult {
  readonly host: string;
  readonly bridge: string;
  readonly total: number;
  readonly flows: readonly AnnotatedFlow[];
  readonly sbCollected: boolean;
  /**
   * The load errors of this bridge's flow dump (damaged file, unreadable lines), formatted: the
   * listing is then incomplete or wrong, and the command exits 3 (incomplete data).
   */
  readonly dumpErrors: readonly string[];
}

export function annotation(target: CookieTarget): OvnAnnotation {
  switch (target.kind) {
    case 'logical-flow': {
      const f = target.flow;
      return { kind: 'logical-flow', uuid: f.uuid, pipeline: f.pipeline, tableId: f.tableId, stage: f.stageName, priority: f.priority, match: f.match, actions: f.actions, datapaths: target.datapaths.map((d) => datapathName(d)), source: f.source, stageHint: f.stageHint };
    }
    case 'port-binding':
      return { kind: 'port-binding', uuid: target.binding.uuid, logicalPort: target.binding.logicalPort, type: target.binding.type };
    case 'multicast-group':
      return { kind: 'multicast-group', uuid: target.group.uuid, name: target.group.name };
    case 'load-balancer':
      return { kind: 'load-balancer', uuid: target.lb.uuid, name: target.lb.name, vips: target.lb.vips };
    case 'mac-binding':
      return { kind: 'mac-binding', uuid: target.binding.uuid, logicalPort: target.binding.logicalPort, ip: target.binding.ip, mac: target.binding.mac };
  }
}

/** A logical flow shared by a datapath group: the flow's exact `metadata` says which datapath this copy is for. */
function narrowToDatapath(a: OvnAnnotation, flow: FlowEntry, index: OvnIndex): OvnAnnotation {
  if (a.kind !== 'logical-flow') return a;
  const md = flow.match.items.find((i) => i.field.name === 'metadata' && i.mask === 0xffffffffffffffffn);
  const dp = md ? index.datapathByKey.get(Number(md.value)) : undefined;
  return dp ? { ...a, datapaths: [datapathName(dp)] } : a;
}

/** Loose match as ovs-ofctl applies a dump-flows filter: the flow constrains every filtered bit the same way. */
function looseMatches(flow: FlowEntry, filter: readonly MatchItem[]): boolean {
  const constraints = matchConstraints(flow.match);
  return filter.every((want) => {
    const have = constraints.find((c) => c.field.storage.space === want.field.storage.space && c.field.storage.offset === want.field.storage.offset && c.field.width === want.field.width);
    return have !== undefined && (have.mask & want.mask) === want.mask && (have.value & want.mask) === want.value;
  });
}

/** A --filter as ovs-ofctl dump-flows reads it: match constraints, and the table when `table=` is given. */
interface FlowFilter {
  readonly items: readonly MatchItem[];
  /** Undefined: every table (no `table=`, or `table=255` as ovs-ofctl reads it). */
  readonly table?: number;
}

/** The keys of a filter outside quoted port names (`in_port="a,table=1"` names a port). */
function filterKeys(text: string): string[] {
  return [...text.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(/(?:^|[\s,])([A-Za-z_][A-Za-z0-9_]*)\s*=/g)].map((m) => m[1]!);
}

function parseFilter(text: string): Result<FlowFilter> {
  const parsed = parseFlowLine(`${text} actions=drop`);
  const bad = parsed.diagnostics.find((d) => d.severity === 'error');
  if (bad || !parsed.value) return fail(`--filter: ${bad?.message ?? 'not a match'}${bad?.column ? ` (column ${bad.column})` : ''}`);
  const keys = filterKeys(text);
  // ovs-ofctl dump-flows takes cookie only as value/mask, which our flow parser does not read:
  // refuse it rather than silently list every flow.
  if (keys.includes('cookie')) return fail('--filter: give the cookie with --cookie 0x... (cookie= is not read in a filter)');
  // The parser reads an absent table as 0: only a written `table=` limits the dump.
  const table = keys.includes('table') && parsed.value.table !== 255 ? parsed.value.table : undefined;
  return ok({ items: matchConstraints(parsed.value.match), ...(table !== undefined ? { table } : {}) });
}

/**
 * Port names in the filter (`in_port=tapweb1`, `in_port="tap-1"`) become the bridge's OpenFlow
 * port numbers, as ovs-ofctl resolves them against the switch's ports (the dumps hold numbers).
 */
function resolvePortNames(items: readonly MatchItem[], bridge: BridgeState, host: string): Result<MatchItem[]> {
  const out: MatchItem[] = [];
  for (const it of items) {
    if (it.port?.kind !== 'name') {
      out.push(it);
      continue;
    }
    const name = it.port.name;
    const port = bridge.ports.find((p) => p.name === name);
    if (!port) return fail(`--filter: ${it.field.name}=${name}: ${host} has no port ${JSON.stringify(name)} on ${bridge.name}${bridge.ports.length ? ` (it has: ${bridge.ports.slice(0, 10).map((p) => p.name).join(', ')}${bridge.ports.length > 10 ? ` and ${bridge.ports.length - 10} more` : ''})` : ' (no ports of it are in the snapshot; give the OpenFlow port number)'}`);
    out.push({ field: it.field, value: BigInt(port.ofport) & it.mask, mask: it.mask });
  }
  return ok(out);
}

export async function listFlows(options: FlowsOptions): Promise<Result<FlowsResult>> {
  let filter: FlowFilter | undefined;
  if (options.filter) {
    const parsed = parseFilter(options.filter);
    if (!parsed.ok) return parsed;
    filter = parsed.value;
  }
  const loaded = await loadSnapshot(options.snapshot, { hosts: [options.host] });
  if (!loaded.ok) return loaded;
  const snapshot = loaded.value;
  const host = snapshot.hosts[0]!;
  const bridge = host.bridges.find((b) => b.name === options.bridge);
  if (!bridge) return fail(`host ${host.name} has no bridge ${options.bridge} in the snapshot (it has: ${host.bridges.map((b) => b.name).join(', ') || 'none'})`);
  // No flows read: a dump that failed (or is not there) is not an empty bridge, whose "0 of 0
  // flows" would read as one. Incomplete data, exit 3, as trace says it.
  const notRead = bridge.flows.length === 0 ? flowDumpNotRead(snapshot, host.name, bridge.name) : undefined;
  if (notRead) return fail(`${host.name}/${bridge.name}: its flows are not in the snapshot: ${notRead} (re-collect ${host.name}; "ovnscope doctor" says what else is missing)`, 3);
  let filterItems: MatchItem[] | undefined;
  if (filter) {
    const resolved = resolvePortNames(filter.items, bridge, host.name);
    if (!resolved.ok) return resolved;
    filterItems = resolved.value;
  }
  const index = buildOvnIndex(snapshot);
  const flows: AnnotatedFlow[] = [];
  for (const f of bridge.flows) {
    if (options.table !== undefined && f.table !== options.table) continue;
    if (filter?.table !== undefined && f.table !== filter.table) continue;
    if (options.cookie !== undefined && f.cookie !== options.cookie) continue;
    if (filterItems && !looseMatches(f, filterItems)) continue;
    const targets = f.cookie !== 0n && f.cookie <= 0xffffffffn ? index.byCookie.get(Number(f.cookie)) : undefined;
    flows.push({
      line: f.line,
      table: f.table,
      priority: f.priority,
      cookie: `0x${f.cookie.toString(16)}`,
      match: formatMatch(f.match),
      actions: formatActions(f.actions),
      nPackets: f.stats?.nPackets.toString(),
      ovn: targets?.[0] ? narrowToDatapath(annotation(targets[0]), f, index) : undefined,
    });
  }
  const dumpFile = snapshot.manifest.hosts.find((h) => h.name === host.name)?.commands.find((c) => c.id === `ovs-ofctl.dump-flows.${bridge.name}`)?.file;
  const dumpErrors = snapshot.diagnostics.filter((d) => d.severity === 'error' && d.host === host.name && d.file !== undefined && d.file === dumpFile).map(formatDiagnostic);
  return ok({ host: host.name, bridge: bridge.name, total: bridge.flows.length, flows, sbCollected: !!snapshot.sb, dumpErrors });
}
