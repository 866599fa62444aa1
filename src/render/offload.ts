import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import { DEVICE_CHECKS, type ChainRow, type DeviceCheck, type Segmentation } from '../checks/offload.js';
import type { FindingSeverity } from '../model/finding.js';
import type { OffloadAuditResult } from '../services/offload.js';
import { renderFindingsSection, severityLabel } from './findings.js';

const plain = { head: [], border: [] };

const SOURCE_TEXT: Readonly<Record<string, string>> = {
  'ovs-status': 'OVS status:tunnel_egress_iface',
  route: 'kernel route',
  'default-route': 'default route (no geneve port)',
};

function cell(s: FindingSeverity | undefined, style: ChalkInstance): string {
  return s === undefined ? style.dim('-') : severityLabel(s, style).trim();
}

function deviceCell(r: ChainRow, style: ChalkInstance): string {
  const pad = '  '.repeat(r.depth);
  const via = r.depth ? style.dim(`${r.relation === 'bond-slave' ? '└ slave ' : r.relation === 'bridge-port' ? '└ port ' : r.relation === 'vlan-parent' ? '└ parent ' : r.relation === 'ovs-port' ? '└ ovs port ' : '└ '}`) : '';
  return `${pad}${via}${r.device}`;
}

/** What GENEVE segmentation looks like on a host, in a few words: the words say where it happens, the colour how much the policy minds. */
function verdictText(h: { readonly verdict: FindingSeverity; readonly segmentation: Segmentation }, style: ChalkInstance): string {
  const colour = { pass: style.green, info: style.cyan, warn: style.yellow, fail: style.red.bold, 'n-a': style.dim }[h.verdict];
  switch (h.segmentation) {
    case 'offloaded':
      return colour(h.verdict === 'pass' ? 'GENEVE segmentation offloaded on the whole chain' : 'GENEVE segmentation offloaded (notes below)');
    case 'partly':
      return colour('part of the GENEVE traffic is segmented in software');
    case 'software':
      return colour('GENEVE is segmented in software');
    case 'unknown':
      return style.dim('no verdict (data missing or virtual NICs only)');
  }
}

export function renderOffload(r: OffloadAuditResult, style: ChalkInstance): string {
  const out: string[] = [];
  out.push(style.bold(`GENEVE offload — ${r.snapshot}`));
  for (const h of r.hosts) {
    out.push('');
    const hw = h.hwOffload === undefined ? 'hw-offload unset' : `hw-offload=${h.hwOffload}`;
    const facts = [h.kernel ? `kernel ${h.kernel}` : undefined, h.ethtool ? `ethtool ${h.ethtool}` : undefined, hw, h.tcPolicy ? `tc-policy=${h.tcPolicy}` : undefined].filter(Boolean).join('  ');
    out.push(`${style.bold(h.host)}  ${style.dim(facts)}  ${verdictText(h, style)}`);
    if (!h.collected) out.push(style.dim('  offload data was not collected on this host (snapshot taken without the offload recipe)'));
    for (const root of h.roots) out.push(style.dim(`  egress ${root.device} ← ${SOURCE_TEXT[root.source] ?? root.source}${root.port ? ` of ${root.port}` : ''}${root.remoteIp ? ` → ${root.remoteIp}` : ''}`));
    for (const n of h.notes) out.push(style.dim(`  note: ${n}`));
    if (h.excluded.length) out.push(style.dim(`  left out: ${h.excluded.map((e) => `${e.name} (${e.why})`).join('; ')}`));
    const rows = r.rows.filter((x) => x.host === h.host);
    if (!rows.length) continue;
    const checks: DeviceCheck[] = DEVICE_CHECKS.filter((c) => !c.startsWith('H') || h.flowOffload);
    const t = new Table({ head: ['device', 'role', 'driver', 'version', 'firmware', 'bus', ...checks], style: plain });
    for (const row of rows)
      t.push([deviceCell(row, style), row.role === 'nic' ? row.class : row.role, row.driver ?? style.dim('?'), row.driverVersion ?? '', row.firmware ?? '', row.busInfo ?? '', ...checks.map((c) => cell(row.cells[c], style))]);
    out.push(t.toString());
  }

  out.push(...renderFindingsSection(r.findings, r.counts, r.diagnostics, style));
  return out.join('\n');
}
