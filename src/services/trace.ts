import { readFile } from 'node:fs/promises';
import type { Action, Group } from '../model/flow.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../model/masked.js';
import { fail, ok, type Result } from '../model/result.js';
import type { Detail, TraceResult } from '../model/trace.js';
import { pruneTree } from '../model/trace.js';
import { annotateTrace } from '../sim/annotate.js';
import { compileHost, traceHost, type SimTraceResult, type TraceOptions } from '../sim/index.js';
import { loadSnapshot } from '../snapshot/load.js';
import { buildOvnIndex, type OvnIndex } from '../snapshot/ovn-index.js';

export interface TraceRequest {
  readonly snapshot: string;
  readonly host: string;
  readonly bridge: string;
  /** One microflow in ofproto/trace syntax, or a file with one per line. */
  readonly flow?: string;
  readonly flowsFile?: string;
  readonly ctNext: readonly string[];
  readonly selectBucket?: number;
  /** Pick, in every select group, the bucket whose ct(nat(dst=...)) is this backend (IP[:PORT]). */
  readonly lbDst?: string;
  readonly size?: number;
  readonly detail: Detail;
}

/** One traced packet as the JSON contract gives it (man ovnscope-trace). */
export interface TraceReport {
  readonly input: string;
  readonly verdict: TraceResult['verdict'];
  readonly hops: TraceResult['hops'];
  readonly warnings: readonly string[];
  /** Set when the trace stopped where ofproto/trace stops (how to continue is in `hint`). */
  readonly incomplete?: SimTraceResult['incomplete'];
  readonly size: number;
  /** The trace tree at the requested detail. */
  readonly tree: TraceResult['tree'];
}

export interface BatchLine {
  readonly line: number;
  readonly report?: TraceReport;
  /** Why this line could not be traced (usage error), with its column when known. */
  readonly error?: string;
}

export interface TraceServiceResult {
  readonly host: string;
  readonly bridge: string;
  readonly single?: TraceReport;
  readonly batch?: readonly BatchLine[];
}

function natDstMatches(actions: readonly Action[], addr: bigint, port: number | undefined): boolean {
  return actions.some((a) => {
    if (a.type === 'ct') return (a.nat?.kind === 'dst' && a.nat.addrMin === addr && (port === undefined || a.nat.portMin === port)) || natDstMatches(a.exec, addr, port);
    if (a.type === 'clone') return natDstMatches(a.actions, addr, port);
    return false;
  });
}

/** `--lb-dst 10.0.0.5:8080` → group id → bucket id, for every select group that has that backend. */
export function bucketsForBackend(groups: readonly Group[], lbDst: string): Result<Map<number, number>> {
  const m = /^\[?([0-9a-fA-F:.]+?)\]?(?::(\d+))?$/.exec(lbDst.trim());
  const addrText = m?.[1] ?? '';
  const addr = addrText.includes(':') && !/^\d+\.\d+\.\d+\.\d+$/.test(addrText) ? parseIpv6(addrText) : parseIpv4(addrText);
  if (!m || addr === undefined) return fail(`--lb-dst ${lbDst}: expected IP or IP:PORT (IPv6 as [addr]:port)`);
  const port = m[2] !== undefined ? Number(m[2]) : undefined;
  const chosen = new Map<number, number>();
  for (const g of groups) {
    if (g.type !== 'select') continue;
    const i = g.buckets.findIndex((b) => natDstMatches(b.actions, addr, port));
    if (i >= 0) chosen.set(g.groupId, typeof g.buckets[i]!.bucketId === 'number' ? (g.buckets[i]!.bucketId as number) : i);
  }
  if (chosen.size === 0) return fail(`--lb-dst ${lbDst}: no load-balancer group on this bridge has that backend`);
  return ok(chosen);
}

/** Backends (ct nat dst) of a select group, for telling the user what --lb-dst can choose. */
function backendsOf(group: Group | undefined): string[] {
  const out: string[] = [];
  const walk = (actions: readonly Action[]) => {
    for (const a of actions) {
      if (a.type === 'ct' && a.nat?.kind === 'dst' && a.nat.addrMin !== undefined) {
        const ip = a.nat.family === 6 ? `[${formatIpv6(a.nat.addrMin)}]` : formatIpv4(a.nat.addrMin);
        out.push(a.nat.portMin !== undefined ? `${ip}:${a.nat.portMin}` : ip);
      }
      if (a.type === 'ct') walk(a.exec);
      if (a.type === 'clone') walk(a.actions);
    }
  };
  for (const b of group?.buckets ?? []) walk(b.actions);
  return out;
}

function report(input: string, r: SimTraceResult, detail: Detail, index: OvnIndex | undefined, groups: readonly Group[]): TraceReport {
  const named = index ? annotateTrace(r, index) : r;
  let incomplete = r.incomplete;
  if (incomplete?.groupId !== undefined) {
    const backends = backendsOf(groups.find((g) => g.groupId === incomplete!.groupId));
    if (backends.length) incomplete = { ...incomplete, hint: `${incomplete.hint}; or choose a load-balancer backend with --lb-dst (group ${incomplete.groupId}: ${backends.join(', ')})` };
  }
  return {
    input,
    verdict: named.verdict,
    hops: named.hops,
    warnings: named.warnings,
    ...(incomplete ? { incomplete } : {}),
    size: r.size,
    tree: pruneTree(named.tree, detail),
  };
}

export async function trace(req: TraceRequest): Promise<Result<TraceServiceResult>> {
  if (!req.flow === !req.flowsFile) return fail('give exactly one of --flow or --flows-file');
  const loaded = await loadSnapshot(req.snapshot, { hosts: [req.host] });
  if (!loaded.ok) return loaded;
  const snapshot = loaded.value;
  const host = snapshot.hosts[0]!;
  const bridge = host.bridges.find((b) => b.name === req.bridge);
  if (!bridge) return fail(`host ${host.name} has no bridge ${req.bridge} in the snapshot (it has: ${host.bridges.map((b) => b.name).join(', ') || 'none'})`);
  if (bridge.flows.length === 0) return fail(`${host.name}/${req.bridge} has no flows in the snapshot (was ovs-ofctl dump-flows collected? see "ovnscope snapshot show")`, 3);
  let selectBucket: TraceOptions['selectBucket'] = req.selectBucket;
  if (req.lbDst) {
    const chosen = bucketsForBackend(bridge.groups, req.lbDst);
    if (!chosen.ok) return chosen;
    selectBucket = chosen.value;
  }
  const options: TraceOptions = { ctNext: req.ctNext, selectBucket, size: req.size };
  const compiled = compileHost(host);
  const index = snapshot.sb ? buildOvnIndex(snapshot) : undefined;
  if (req.flow !== undefined) {
    const r = traceHost(compiled, req.bridge, req.flow, options);
    if (!r.ok) return r;
    return ok({ host: host.name, bridge: req.bridge, single: report(req.flow, r.value, req.detail, index, bridge.groups) });
  }
  let text: string;
  try {
    text = await readFile(req.flowsFile!, 'utf8');
  } catch (e) {
    return fail(`cannot read --flows-file ${req.flowsFile}: ${(e as Error).message}`);
  }
  const batch: BatchLine[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const flow = raw.trim();
    if (!flow || flow.startsWith('#')) continue;
    const r = traceHost(compiled, req.bridge, flow, options);
    batch.push(r.ok ? { line: i + 1, report: report(flow, r.value, req.detail, index, bridge.groups) } : { line: i + 1, error: `${req.flowsFile}:${i + 1}: ${r.error.message}` });
  }
  return ok({ host: host.name, bridge: req.bridge, batch });
}

/** Exit code for a verdict: 0 delivered (or handed to a tunnel), 1 dropped, punted or stopped. */
export function verdictExitCode(r: TraceReport): number {
  return r.verdict === 'delivered' || r.verdict === 'tunnel' ? 0 : 1;
}
