/**
 * `trace --format dot`: the path of a cross-host trace as a Graphviz digraph. One cluster per
 * chassis holding its bridges (with the logical datapaths and decisions crossed there), GENEVE
 * edges labelled with VNI, TEPs and logical ports, the source and where the packet ended (a
 * delivered port, an uplink, a drop with its reason). `dot -Tsvg trace.dot > trace.svg`.
 */
import type { TraceHop } from '../model/trace.js';
import type { TraceReport } from '../services/trace.js';
import { describeEndpoint } from '../snapshot/resolve.js';

/** `text` cut to `max` characters, ending in `...` when cut (a label must say it is not all there). */
function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** A DOT double-quoted string. */
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function hopLabel(h: TraceHop): string {
  const lines = [`${h.bridge}@${h.host}`, `in ${h.entry?.port ?? '?'}`];
  if (h.datapaths?.length) lines.push(h.datapaths.join(' → '));
  for (const s of (h.steps ?? []).slice(0, 8)) lines.push(clip(s.text, 90));
  return lines.join('\n');
}

function reportGraph(r: TraceReport, prefix: string, out: string[], title: string): void {
  const id = (s: string) => `${prefix}${s}`;
  out.push(`  subgraph ${q(`cluster_${prefix}trace`)} {`, `    label=${q(title)};`, '    fontname="Helvetica";');
  const src = r.from ? describeEndpoint(r.from) : r.input;
  out.push(`    ${id('src')} [shape=oval, style=filled, fillcolor="#e8f0fe", label=${q(src)}];`);
  const byHost = new Map<string, TraceHop[]>();
  for (const h of r.hops) byHost.set(h.host, [...(byHost.get(h.host) ?? []), h]);
  let c = 0;
  for (const [host, hs] of byHost) {
    out.push(`    subgraph ${q(`cluster_${prefix}${c++}`)} {`, `      label=${q(host)}; style=rounded; color="#888888";`);
    for (const h of hs) {
      const color = h.drop ? '#fde8e8' : '#ffffff';
      out.push(`      ${id(`h${h.index}`)} [shape=box, style="rounded,filled", fillcolor=${q(color)}, fontname="Helvetica", label=${q(hopLabel(h))}];`);
    }
    out.push('    }');
  }
  if (r.hops.length) out.push(`    ${id('src')} -> ${id('h0')} [label=${q(r.hops[0]!.entry?.port ?? '')}];`);
  let n = 0;
  for (const h of r.hops) {
    const from = id(`h${h.index}`);
    for (const h2 of r.hops) if (h2.entry?.kind === 'patch' && h2.entry.fromHop === h.index) out.push(`    ${from} -> ${id(`h${h2.index}`)} [label=${q(`patch ${h2.entry.port}`)}, style=dashed];`);
    for (const o of h.outputs) {
      const nx = o.next;
      if (!nx) continue;
      if (nx.status === 'followed' && o.tunnel) {
        const t = o.tunnel;
        const label = [`GENEVE VNI ${t.tunId}${t.datapath ? ` (${t.datapath})` : ''}`, `${t.tunSrc ?? '?'} → ${t.tunDst ?? t.remoteIp}`, ...(t.metadata0 ? [`md ${t.metadata0}${t.inport || t.outport ? ` ${t.inport ?? '?'} → ${t.outport ?? '?'}` : ''}`] : [])].join('\n');
        out.push(`    ${from} -> ${id(`h${nx.hop}`)} [label=${q(label)}, color="#1a73e8", fontname="Helvetica"];`);
        continue;
      }
      if (nx.status === 'followed') {
        out.push(`    ${from} -> ${id(`h${nx.hop}`)} [label=${q(`${nx.network ? `provider network ${nx.network}` : o.port}${nx.toward ? `\nto ${nx.toward}` : ''}`)}, color="#1a73e8", fontname="Helvetica"];`);
        continue;
      }
      const end = id(`end${n++}`);
      let label: string;
      let color: string;
      switch (nx.status) {
        case 'delivered':
          label = `${o.logicalPort ?? o.port}\n(${h.host} ${o.port})`;
          color = '#e6f4ea';
          break;
        case 'left':
          label = `left ${nx.host} via ${nx.via}${nx.network ? `\n${nx.network}` : ''}`;
          color = '#e6f4ea';
          break;
        case 'dropped':
          label = `${nx.reason}\n${clip(nx.explanation, 120)}`;
          color = '#fde8e8';
          break;
        case 'not-collected':
          label = `REMOTE_NOT_COLLECTED\n${nx.chassis ?? nx.remoteIp ?? '?'}`;
          color = '#fef7e0';
          break;
        case 'not-followed':
          label = `${o.port}\n(not followed)`;
          color = '#fef7e0';
          break;
        case 'loop':
          label = `loop → hop ${nx.hop}`;
          color = '#fde8e8';
          break;
        default:
          continue;
      }
      out.push(`    ${end} [shape=oval, style=filled, fillcolor=${q(color)}, fontname="Helvetica", label=${q(label)}];`);
      out.push(`    ${from} -> ${end} [label=${q(o.port)}];`);
    }
    if (h.drop) {
      const end = id(`drop${h.index}`);
      out.push(`    ${end} [shape=octagon, style=filled, fillcolor="#fde8e8", fontname="Helvetica", label=${q(`${h.drop.reason}\n${clip(h.drop.explanation, 160)}`)}];`);
      out.push(`    ${from} -> ${end} [color="#d93025"];`);
    } else if (h.controller && !h.outputs.length) {
      const end = id(`punt${h.index}`);
      out.push(`    ${end} [shape=note, fontname="Helvetica", label=${q(`ovn-controller\n${clip(h.controllerReason ?? '', 120)}`)}];`);
      out.push(`    ${from} -> ${end};`);
    }
  }
  out.push(`    ${id('verdict')} [shape=plaintext, fontname="Helvetica-Bold", label=${q(`verdict: ${r.verdict.toUpperCase()}${r.drop ? ` (${r.drop.reason})` : ''}`)}];`);
  out.push('  }');
}

export function renderTraceDot(r: TraceReport): string {
  const out = ['digraph ovnscope_trace {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];'];
  reportGraph(r, 'f_', out, `${r.from && r.to ? `${r.from.input} → ${r.to.input}` : r.input}`);
  if (r.reply) reportGraph(r.reply, 'r_', out, 'reply');
  out.push('}');
  return out.join('\n') + '\n';
}
