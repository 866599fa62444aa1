import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import type { Manifest } from '../model/manifest.js';

export function renderCollectSummary(dir: string, manifest: Manifest, style: ChalkInstance): string {
  const table = new Table({ head: ['host', 'status', 'commands ok', 'bytes', 'slowest'], style: { head: [], border: [] } });
  for (const h of manifest.hosts) {
    const okCount = h.commands.filter((c) => c.status === 'ok').length;
    const bytes = h.commands.reduce((a, c) => a + c.bytes, 0);
    const slowest = h.commands.reduce((a, c) => (c.durationMs > a.durationMs ? c : a), { durationMs: 0, id: '-' } as { durationMs: number; id: string });
    const status = h.status === 'ok' ? style.green('ok') : h.status === 'partial' ? style.yellow('partial') : style.red('unreachable');
    table.push([h.name, status, `${okCount}/${h.commands.length}`, formatBytes(bytes), slowest.durationMs ? `${slowest.id} ${slowest.durationMs} ms` : '-']);
  }
  if (manifest.central) {
    const c = manifest.central.commands;
    const okCount = c.filter((x) => x.status === 'ok').length;
    table.push([`central (via ${manifest.central.via})`, okCount === c.length ? style.green('ok') : style.yellow('partial'), `${okCount}/${c.length}`, formatBytes(c.reduce((a, x) => a + x.bytes, 0)), '']);
  }
  const lines = [table.toString(), ''];
  if (manifest.complete) lines.push(style.green(`snapshot complete: ${dir}`));
  else {
    lines.push(style.yellow(`snapshot INCOMPLETE: ${dir}`));
    for (const m of manifest.missing) lines.push(`  missing: ${m}`);
  }
  return lines.join('\n');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
