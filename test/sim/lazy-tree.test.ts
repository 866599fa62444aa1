// The trace tree formats its texts when they are read (src/sim/report.ts), and the annotator
// rebuilds only what it names (src/sim/annotate.ts). What that must not change: a node reads as
// of the moment it was reported, the JSON is what it was, the annotation is the one a plain eager
// rebuild gives — and no per-object getter closures come back (they made V8 keep whole traces
// alive through young-generation collections: the trace p99 of issue 10).

import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/model/snapshot.js';
import { pruneTree, type Detail, type TraceNode } from '../../src/model/trace.js';
import { annotateTrace, annotateWithSummary, nameStep } from '../../src/sim/annotate.js';
import { compileHost, traceHost, type CompiledHost, type SimTraceResult } from '../../src/sim/index.js';
import { copyWith, type SummaryLog } from '../../src/sim/report.js';
import { buildOvnIndex, datapathName, type OvnIndex } from '../../src/snapshot/ovn-index.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { allNodes, outPorts, patchedHost, texts, trace } from './helpers.js';
import { savedLbNatHv3 } from './live-host.js';

const TCP = 'in_port=vif1,tcp,dl_src=0a:00:00:00:00:01,dl_dst=0a:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tcp_src=1234,tcp_dst=80';

describe('lazy texts read as of the moment they were reported', () => {
  it('move and pop say "is now" with the value they wrote, though the field changes later', () => {
    const r = trace(
      'table=0, priority=100,in_port=1 actions=load:0x3->NXM_NX_REG11[],move:NXM_NX_REG11[]->NXM_NX_REG12[],push:NXM_NX_REG11[],load:0x7->NXM_NX_REG12[],pop:NXM_NX_REG13[0..15],load:0x9->NXM_NX_REG13[],output:2',
      TCP,
    );
    const t = texts(r);
    expect(t).toContain('NXM_NX_REG12[] is now 0x3');
    expect(t).toContain('NXM_NX_REG13[0..15] is now 0x3');
    expect(t).not.toContain('NXM_NX_REG12[] is now 0x7');
    expect(t).not.toContain('NXM_NX_REG13[0..15] is now 0x9');
    expect(texts(r, 'set')).toEqual(['reg11: 0 -> 0x3', 'reg12: 0 -> 0x3', 'reg12: 0x3 -> 0x7', 'reg13: 0 -> 0x3', 'reg13: 0x3 -> 0x9']);
  });

  it('an output in a patch peer bridge names that bridge in its data, not the bridge the trace ended in', () => {
    const h = patchedHost('table=0, priority=100,in_port=1 actions=output:5,output:2');
    const r = traceHost(h, 'br-int', TCP, { fdb: { 'br-ex': [] } });
    if (!r.ok) throw new Error(r.error.message);
    const outs = allNodes(r.value.tree).filter((n) => n.kind === 'output');
    expect(outs.map((n) => `${String(n.data?.['bridge'])}/${String(n.data?.['port'])}`)).toEqual(r.value.outputs.map((o) => `${o.bridge}/${o.port}`));
    expect(outs.map((n) => n.data?.['bridge'])).toEqual(['br-ex', 'br-int']);
  });
});

describe('"is now" lines agree with the live ofproto/trace outputs saved from lb-nat-3chassis (hv3)', () => {
  const { live, read, traces } = savedLbNatHv3();
  const compiled = compileHost(live.host);
  it.each(traces)('%s', (f) => {
    const text = read(f);
    const flow = /^# flow: (.*)$/m.exec(text)![1]!;
    const options = /^# options: (.*)$/m.exec(text)![1]!;
    const ctNext = [...options.matchAll(/--ct-next (\S+)/g)].map((m) => m[1]!);
    const r = traceHost(compiled, /^# bridge: (.*)$/m.exec(text)![1]!, flow, { ctNext, fdb: live.fdb });
    if (!r.ok) throw new Error(r.error.message);
    const theirs = [...text.matchAll(/-> (\S+ is now \S+)/g)].map((m) => m[1]);
    expect(theirs.length).toBeGreaterThan(0);
    expect(allNodes(r.value.tree).filter((n) => / is now /.test(n.text)).map((n) => n.text.trim())).toEqual(theirs);
  });
});

// ---------------------------------------------------------------------------------------------
// On the bundled snapshots of real OVN sandboxes

const root = resolve(import.meta.dirname, '../..');
const W1 = 'in_port="tapweb1",dl_src=0a:00:01:01:00:11';
const ROUTER_WEB = 'dl_dst=0a:00:01:ff:01:01';
const LB = 'in_port="a1",dl_src=0a:00:02:01:00:11,tcp,dl_dst=0a:00:02:ff:01:01,nw_src=10.2.1.11,nw_dst=10.2.0.100,nw_ttl=64,tp_src=40000,tp_dst=80';

/** Packets that reach ACL drops, port security, routing, ARP, the TTL punt, tunnels, LB and NAT. */
function packets(snapshot: string): string[] {
  if (snapshot === 'l3-acl') {
    const out: string[] = [];
    for (const [dst, ip] of [[ROUTER_WEB, '10.1.2.12'], [ROUTER_WEB, '10.1.2.11'], ['dl_dst=0a:00:01:01:00:12', '10.1.1.12'], [ROUTER_WEB, '10.9.9.9']])
      for (const port of [22, 80, 5432, 8080]) for (const ttl of [64, 1]) out.push(`${W1},tcp,${dst},nw_src=10.1.1.11,nw_dst=${ip},nw_ttl=${ttl},tp_src=40000,tp_dst=${port}`);
    out.push(`${W1},tcp,dl_dst=0a:00:01:01:00:12,nw_src=10.1.1.99,nw_dst=10.1.1.12,nw_ttl=64,tp_src=40000,tp_dst=80`);
    out.push(`${W1},arp,dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=10.1.1.11,arp_tpa=10.1.1.1,arp_sha=0a:00:01:01:00:11`);
    out.push(`${W1},icmp,${ROUTER_WEB},nw_src=10.1.1.11,nw_dst=10.1.2.12,nw_ttl=64,icmp_type=8,icmp_code=0`);
    return out;
  }
  return [LB, `${LB},dp_hash=1`, `${LB},dp_hash=2`, LB.replace('tp_dst=80', 'tp_dst=81'), LB.replace('10.2.0.100', '8.8.8.8'), LB.replace('nw_ttl=64', 'nw_ttl=1')];
}

interface Loaded {
  readonly snapshot: Snapshot;
  readonly compiled: CompiledHost;
  readonly index: OvnIndex;
}

const loaded = new Map<string, Loaded>();

beforeAll(async () => {
  for (const name of ['l3-acl', 'lb-nat-3chassis']) {
    const r = await loadSnapshot(join(root, 'fixtures', name), { hosts: ['hv1'] });
    if (!r.ok) throw new Error(r.error.message);
    loaded.set(name, { snapshot: r.value, compiled: compileHost(r.value.hosts[0]!), index: buildOvnIndex(r.value) });
  }
});

function traces(name: string, options: { ctNext?: string[]; selectBucket?: number; treeDetail?: Detail } = {}): SimTraceResult[] {
  const l = loaded.get(name)!;
  return packets(name).map((p) => {
    const r = traceHost(l.compiled, 'br-int', p, options);
    if (!r.ok) throw new Error(`${p}: ${r.error.message}`);
    return r.value;
  });
}

/**
 * The annotation as a plain eager rebuild makes it (every node copied with its text and data,
 * a note under each named table): the reference the lazy, sharing annotator must equal.
 */
function referenceAnnotation(nodes: readonly TraceNode[], index: OvnIndex): TraceNode[] {
  return nodes.map((n) => {
    const children = referenceAnnotation(n.children, index);
    const plain = { kind: n.kind, detail: n.detail, text: n.text, data: n.data };
    const cookie = typeof n.data?.['cookie'] === 'string' ? (n.data['cookie'] as string) : undefined;
    if (n.kind !== 'table' || !cookie || cookie === '0x0') return { ...plain, children };
    const m = typeof n.data?.['match'] === 'string' ? /(?:^|,)metadata=(0x[0-9a-f]+|\d+)(?:,|$)/.exec(n.data['match'] as string) : null;
    const step = nameStep(index, cookie, m ? Number(BigInt(m[1]!)) : undefined);
    if (!step) {
      const t = index.byCookie.get(Number(BigInt(cookie)))?.[0];
      let other: string | undefined;
      if (t?.kind === 'port-binding') other = `logical port ${t.binding.logicalPort}${t.binding.type ? ` (${t.binding.type})` : ''} on ${datapathName(t.binding.datapath ? index.datapathByUuid.get(t.binding.datapath) : undefined)}`;
      else if (t?.kind === 'multicast-group') other = `multicast group ${t.group.name}`;
      else if (t?.kind === 'load-balancer') other = `load balancer ${t.lb.name} (hairpin)`;
      else if (t?.kind === 'mac-binding') other = `MAC binding ${t.binding.ip} is ${t.binding.mac} on ${t.binding.logicalPort}`;
      return other ? { ...plain, children: [{ kind: 'note', detail: 'summary', text: other, children: [] }, ...children] } : { ...plain, children };
    }
    const lf = step.logicalFlow;
    const note: TraceNode = {
      kind: 'note',
      detail: 'summary',
      text: `${lf.datapath ?? '?'}: ${lf.pipeline} ${lf.stage ?? `table ${lf.tableId}`} (lflow table ${lf.tableId}) priority ${lf.priority}: ${lf.match} => ${lf.actions}${step.nb ? `  [${step.nb.text}]` : ''}`,
      children: [],
    };
    return { ...plain, data: { ...n.data, logicalFlow: lf, ...(step.nb ? { nb: step.nb } : {}) }, children: [note, ...children] };
  });
}

describe('the lazy tree on real OVN tables', () => {
  it.each(['l3-acl', 'lb-nat-3chassis'])('%s: the annotation equals the eager rebuild, and leaves the trace as it was', (name) => {
    const index = loaded.get(name)!.index;
    const all = [...traces(name), ...traces(name, { ctNext: ['trk,est', 'trk,rpl,est'] }), ...traces(name, { selectBucket: 1 })];
    let named = 0;
    for (const r of all) {
      const before = JSON.stringify(r.tree);
      const a = annotateTrace(r, index);
      expect(JSON.stringify(a.tree)).toBe(JSON.stringify(referenceAnnotation(r.tree, index)));
      expect(JSON.stringify(r.tree)).toBe(before);
      named += allNodes(a.tree).filter((n) => n.kind === 'table' && n.data?.['logicalFlow']).length;
    }
    expect(named).toBeGreaterThan(all.length);
  });

  it.each(['l3-acl', 'lb-nat-3chassis'])('%s: a node prints in JSON as the plain node pruneTree makes of it', (name) => {
    for (const r of traces(name)) {
      const a = annotateTrace(r, loaded.get(name)!.index);
      for (const tree of [r.tree, a.tree]) {
        const json = JSON.stringify(tree);
        expect(json).toBe(JSON.stringify(pruneTree(tree, 'detailed')));
        const first = JSON.parse(json)[0] as Record<string, unknown>;
        expect(Object.keys(first).filter((k) => k !== 'data')).toEqual(['kind', 'detail', 'text', 'children']);
      }
    }
  });

  // The interpreter makes no node of more detail than the caller reads (TraceOptions.treeDetail):
  // their children go where the prune would move them, so the pruned trees, the annotation, the
  // hop summary and the hops are those of the full tree.
  it.each(['l3-acl', 'lb-nat-3chassis'])('%s: a tree made at summary or minimal detail prunes, annotates and summarises as the full one', (name) => {
    const index = loaded.get(name)!.index;
    let nodesFull = 0;
    let nodesKept = 0;
    for (const options of [{}, { ctNext: ['trk,est', 'trk,rpl,est'] }, { selectBucket: 1 }]) {
      const full = traces(name, options);
      for (const keep of ['summary', 'minimal'] as const) {
        const made = traces(name, { ...options, treeDetail: keep });
        full.forEach((f, i) => {
          const a = annotateWithSummary(f, index);
          // At minimal detail the annotation leaves the tree as it is (no table or note shows): same result.
          const b = annotateWithSummary(made[i]!, index, keep);
          for (const level of keep === 'summary' ? (['summary', 'minimal'] as const) : (['minimal'] as const))
            expect(JSON.stringify(pruneTree(b.annotated.tree, level))).toBe(JSON.stringify(pruneTree(a.annotated.tree, level)));
          expect(JSON.stringify(b.annotated.hops)).toBe(JSON.stringify(a.annotated.hops));
          for (const h of f.hops) expect(b.hopDetails(h.bridge)).toEqual(a.hopDetails(h.bridge));
          // And of all bridges at once (datapaths in the order they were crossed, across bridges).
          expect(b.hopDetails()).toEqual(a.hopDetails());
          expect(made[i]!.verdict).toBe(f.verdict);
          nodesFull += allNodes(f.tree).length;
          nodesKept += allNodes(made[i]!.tree).length;
        });
      }
    }
    // And it is worth it: most nodes of a detailed OVN trace are actions and field writes.
    expect(nodesKept).toBeLessThan(nodesFull / 2);
  });

  // A batch annotates ~90 tables a packet from the summary log; fetching each matched flow again
  // (scattered over a 455k-flow dump) to find its annotation was most of that cost. The log keeps
  // the flow's annotation from when it matched: a trace through annotated flows reads no flow.
  it.each(['l3-acl', 'lb-nat-3chassis'])('%s: the annotation of a minimal trace reads its flows as logged, not the flows again', (name) => {
    const index = loaded.get(name)!.index;
    for (const r of traces(name, { treeDetail: 'minimal' })) annotateWithSummary(r, index, 'minimal');
    let read = 0;
    let checked = 0;
    for (const r of traces(name, { treeDetail: 'minimal' })) {
      // Drops and punts are explained from the log's flows (once a packet, not a table at a time).
      if (r.hops.some((h) => h.drop || h.controller)) continue;
      const expected = annotateWithSummary(r, index, 'minimal');
      const log = (r as { summaryLog?: SummaryLog }).summaryLog!;
      for (const e of log.events) {
        if (e.kind !== 'table') continue;
        const flow = e.flow;
        Object.defineProperty(e, 'flow', { get: () => (read++, flow) });
      }
      const b = annotateWithSummary(r, index, 'minimal');
      for (const h of r.hops) expect(b.hopDetails(h.bridge)).toEqual(expected.hopDetails(h.bridge));
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    expect(read).toBe(0);
  });

  it('the same holds where detailed nodes have children: check_pkt_larger branches, recirculation, groups, clone', () => {
    const flows = [
      'table=0, priority=100,in_port=1 actions=check_pkt_larger(100)->NXM_NX_REG9[1],resubmit(,1)',
      'table=1, priority=100,reg9=0x2/0x2,ip actions=ct(commit,zone=5,nat(dst=10.0.0.9:8080),table=2)',
      'table=1, priority=50 actions=group:1',
      'table=2, priority=100 actions=clone(mod_dl_dst:0a:00:00:00:00:09,output:2),learn(table=9,priority=1,NXM_OF_ETH_SRC[]),output:3',
    ].join('\n');
    const groups = 'group_id=1,type=select,bucket=bucket_id:0,actions=output:2,bucket=bucket_id:1,actions=output:3';
    let compared = 0;
    for (const size of [60, 200])
      for (const ctNext of [[], ['trk,est']]) {
        const full = trace(flows, TCP, { size, ctNext, groups, selectBucket: 1 });
        for (const keep of ['summary', 'minimal'] as const) {
          const made = trace(flows, TCP, { size, ctNext, groups, selectBucket: 1, treeDetail: keep });
          for (const level of keep === 'summary' ? (['summary', 'minimal'] as const) : (['minimal'] as const)) {
            expect(JSON.stringify(pruneTree(made.tree, level))).toBe(JSON.stringify(pruneTree(full.tree, level)));
            compared++;
          }
          expect(JSON.stringify(made.hops)).toBe(JSON.stringify(full.hops));
        }
        // Both branches, the bucket and the recirculation are in the full tree (the comparison is not vacuous).
        const t = texts(full);
        expect(t.some((x) => x.includes('(not taken)'))).toBe(true);
        expect(t.some((x) => x.startsWith('recirc('))).toBe(size === 200);
        expect(outPorts(full)).toEqual(size === 200 ? ['vif2', 'vif3'] : ['vif3']);
      }
    expect(compared).toBe(12);
  });

  it('no node, hop, output or pass carries a getter closure of its own', () => {
    const getters = new Map<string, Set<unknown>>();
    const record = (what: string, o: object) => {
      for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(o))) {
        if (!d.get) continue;
        const key = `${what}.${k}`;
        if (!getters.has(key)) getters.set(key, new Set());
        getters.get(key)!.add(d.get);
      }
    };
    for (const name of ['l3-acl', 'lb-nat-3chassis']) {
      for (const r of traces(name)) {
        const a = annotateTrace(r, loaded.get(name)!.index);
        for (const n of [...allNodes(r.tree), ...allNodes(a.tree)]) for (const d of Object.values(Object.getOwnPropertyDescriptors(n))) expect(d.get).toBeUndefined();
        for (const h of [...r.hops, ...a.hops]) {
          record('hop', h);
          for (const o of h.outputs) record('output', o);
        }
        for (const o of r.outputs) record('output', o);
        for (const p of r.passes) record('pass', p);
      }
    }
    // Lazily formatted fields exist (finalFlow, packet, flow), each with one getter for all objects.
    expect([...getters.keys()].sort()).toEqual(['hop.finalFlow', 'output.packet', 'pass.finalFlow', 'pass.flow']);
    for (const [k, fns] of getters) expect(fns.size, k).toBe(1);
  });

  it('lazily formatted fields read the same directly, through a spread, in JSON and through copyWith', () => {
    for (const r of traces('l3-acl')) {
      for (const h of r.hops) {
        const finalFlow = h.finalFlow;
        expect(finalFlow).toMatch(/in_port=/);
        expect({ ...h }.finalFlow).toBe(finalFlow);
        expect((JSON.parse(JSON.stringify(h)) as { finalFlow: string }).finalFlow).toBe(finalFlow);
        const drop = { table: 99, reason: 'EXPLICIT_DROP' as const, explanation: 'test' };
        const c = copyWith(h, { drop });
        expect(Object.keys(c)).toEqual(Object.keys({ ...h, drop }));
        expect(c.finalFlow).toBe(finalFlow);
        expect(c.drop).toBe(drop);
        expect(h.drop).not.toBe(drop);
      }
      for (const o of r.outputs) expect(JSON.stringify(o)).toBe(JSON.stringify({ ...o }));
    }
  });

  it('copyWith keeps every property as it was (getters, hidden and non-enumerable ones, order) but the changed ones', () => {
    const slot = Symbol('slot');
    let reads = 0;
    const o: Record<string | symbol, unknown> = { a: 1 };
    Object.defineProperty(o, 'lazy', { get: () => (reads++, 'text'), enumerable: true, configurable: true });
    Object.defineProperty(o, 'hidden', { value: 'h', enumerable: false, writable: false });
    Object.defineProperty(o, slot, { value: 's', writable: true });
    o['b'] = 2;
    Object.defineProperty(o, '__proto__', { value: 'own', enumerable: true, writable: true, configurable: true });
    const c = copyWith(o, { b: 3, lazy: 'now', c: 4 } as Record<string, unknown>);
    expect(reads).toBe(0);
    expect(Reflect.ownKeys(c)).toEqual(['a', 'lazy', 'hidden', 'b', '__proto__', 'c', slot]);
    expect(Object.getOwnPropertyDescriptor(c, 'lazy')).toEqual({ value: 'now', enumerable: true, writable: true, configurable: true });
    expect(Object.getOwnPropertyDescriptor(c, 'hidden')).toEqual({ value: 'h', enumerable: false, writable: false, configurable: false });
    expect(Object.getOwnPropertyDescriptor(c, slot)).toEqual({ value: 's', enumerable: false, writable: true, configurable: false });
    expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
    expect(JSON.stringify(c)).toBe('{"a":1,"lazy":"now","b":3,"__proto__":"own","c":4}');
    // A getter not changed stays a getter, read only when the copy's property is.
    const d = copyWith(o, { a: 0 });
    expect(reads).toBe(0);
    expect(d['lazy']).toBe('text');
    expect(reads).toBe(1);
  });
});
