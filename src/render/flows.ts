import type { ChalkInstance } from 'chalk';
import type { AnnotatedFlow, FlowsResult } from '../services/flows.js';
import { plural } from '../model/plural.js';

export function renderFlow(f: AnnotatedFlow, style: ChalkInstance): string {
  const head = `${style.cyan(`table=${f.table}`)} priority=${f.priority} cookie=${f.cookie}${f.nPackets !== undefined ? ` n_packets=${f.nPackets}` : ''}  ${style.dim(`(line ${f.line})`)}`;
  const lines = [head, `  ${f.match || '(any)'}`, `  actions=${f.actions}`];
  const o = f.ovn;
  if (o?.kind === 'logical-flow') {
    lines.push(style.magenta(`  lflow ${o.uuid.slice(0, 8)} ${o.pipeline}/${o.stage ?? `table ${o.tableId}`} prio ${o.priority} on ${o.datapaths.join(', ') || '?'}${o.stageHint ? ` (NB ${o.stageHint})` : ''}`));
    lines.push(style.magenta(`    match: ${o.match}`), style.magenta(`    actions: ${o.actions}`));
  } else if (o?.kind === 'port-binding') lines.push(style.magenta(`  port binding ${o.logicalPort}${o.type ? ` (${o.type})` : ''}`));
  else if (o?.kind === 'multicast-group') lines.push(style.magenta(`  multicast group ${o.name}`));
  else if (o?.kind === 'mac-binding') lines.push(style.magenta(`  MAC binding ${o.ip} is ${o.mac} on ${o.logicalPort}`));
  else if (o?.kind === 'load-balancer') lines.push(style.magenta(`  load balancer ${o.name} (hairpin) ${Object.entries(o.vips).map(([v, b]) => `${v} -> ${b}`).join('; ')}`));
  return lines.join('\n');
}

export function renderFlows(r: FlowsResult, style: ChalkInstance): string {
  const out = [style.bold(`${r.host}/${r.bridge}: ${r.flows.length} of ${r.total} flows`) + (r.sbCollected ? '' : style.yellow(' (no SB in the snapshot: flows are not named)'))];
  if (r.dumpErrors.length) {
    out.push(style.red(`the dump has ${plural(r.dumpErrors.length, 'error')}: this listing is incomplete or wrong (re-collect ${r.host})`));
    for (const e of r.dumpErrors.slice(0, 5)) out.push(style.red(`  ${e}`));
    if (r.dumpErrors.length > 5) out.push(style.red(`  and ${plural(r.dumpErrors.length - 5, 'more error', 'more errors')} (see "ovnscope doctor")`));
  }
  for (const f of r.flows) out.push('', renderFlow(f, style));
  return out.join('\n');
}
