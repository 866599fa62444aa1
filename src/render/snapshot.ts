import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import { formatDiagnostic } from '../model/diagnostic.js';
import { plural } from '../model/plural.js';
import type { SnapshotSummary } from '../services/snapshot-show.js';

const plain = { head: [], border: [] };

/** The OVS version collected, and whether OVS answered at all (`ovs-vsctl --version` works without the daemons). */
function ovsCell(h: SnapshotSummary['hosts'][number], style: ChalkInstance): string {
  if (h.ovsRunning || h.status === 'unreachable') return h.ovsVersion ?? '-';
  return style.yellow(h.ovsVersion ? `${h.ovsVersion}, not running` : 'not running');
}

/** ovn-controller's state, coloured by what it means for the flows (see doctor D17). */
function controllerCell(h: SnapshotSummary['hosts'][number], style: ChalkInstance): string {
  const state = h.ovnController;
  if (state === undefined) return '-';
  if (state === 'connected') return state;
  return state === 'not running' || state === 'paused' ? style.red(state) : style.yellow(state);
}

export function renderSnapshotSummary(s: SnapshotSummary, style: ChalkInstance): string {
  const out: string[] = [];
  out.push(`${style.bold('snapshot')} ${s.dir}  (created ${s.created} by ovnscope ${s.toolVersion})`);
  if (s.damaged.length) {
    out.push(style.red(`DAMAGED: ${s.damaged.length === 1 ? '1 file' : `${s.damaged.length} files`} changed after collection (missing, or not the size/sha256 the manifest recorded); what is read from them is not what the hosts printed`));
    for (const d of s.damaged) out.push(`  ${d.host ? `${d.host}: ` : ''}${d.file}: ${d.detail}`);
  }
  if (!s.damaged.length || s.missing.length || s.interrupted) out.push(s.complete ? style.green('complete') : style.yellow(`INCOMPLETE${s.interrupted ? ' (interrupted)' : ''}`));
  for (const m of s.missing) out.push(`  missing: ${m}`);
  out.push('', style.bold('hosts'));
  const hosts = new Table({ head: ['host', 'status', 'chassis', 'encap ip', 'OVS', 'ovn-controller', 'bridge', 'flows', 'groups', 'ports', 'tables'], style: plain });
  for (const h of s.hosts) {
    const bridges = h.bridges.length ? h.bridges : [{ name: '-', flows: 0, groups: 0, ports: 0, flowsPerTable: {} }];
    for (const [i, b] of bridges.entries()) {
      const status = h.status === 'ok' ? style.green('ok') : h.status === 'partial' ? style.yellow('partial') : style.red(h.status);
      hosts.push([i === 0 ? h.name : '', i === 0 ? status : '', i === 0 ? (h.chassis ?? '-') : '', i === 0 ? (h.encapIp ?? '-') : '', i === 0 ? ovsCell(h, style) : '', i === 0 ? controllerCell(h, style) : '', b.name, b.flows, b.groups, b.ports, Object.keys(b.flowsPerTable).length]);
    }
  }
  out.push(hosts.toString());
  if (s.hosts.some((h) => h.bridges.some((b) => b.flows > 0))) {
    out.push('', style.bold('flows per table'));
    for (const h of s.hosts)
      for (const b of h.bridges) {
        if (!b.flows) continue;
        const cells = Object.entries(b.flowsPerTable).map(([t, n]) => `${t}:${n}`);
        out.push(`  ${h.name}/${b.name}: ${cells.join(' ')}`);
      }
  }
  out.push('', style.bold('chassis (SB)'));
  if (!s.chassis.length) out.push('  (no southbound data in this snapshot)');
  else {
    const ch = new Table({ head: ['chassis', 'hostname', 'encaps', 'bound ports', 'in snapshot'], style: plain, wordWrap: true, colWidths: [null, null, null, 50, null] as unknown as number[] });
    for (const c of s.chassis) ch.push([c.name, c.hostname ?? '-', c.encaps.map((e) => `${e.type} ${e.ip}`).join('\n') || style.red('none'), c.bindings.join(' ') || '-', c.inSnapshot ? 'yes' : style.yellow('no')]);
    out.push(ch.toString());
    out.push(`logical flows: ${s.logicalFlows}`);
    if (s.unboundPorts.length) out.push(style.yellow(`unbound VIF ports: ${s.unboundPorts.join(' ')}`));
  }
  if (s.diagnostics.count) {
    out.push('', style.yellow(plural(s.diagnostics.count, 'parser diagnostic')) + (s.diagnostics.count > s.diagnostics.first.length ? ` (first ${s.diagnostics.first.length})` : ''));
    for (const d of s.diagnostics.first) out.push(`  ${formatDiagnostic(d)}`);
  }
  return out.join('\n');
}
