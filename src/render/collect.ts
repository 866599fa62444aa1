import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import type { Manifest, ManifestHost } from '../model/manifest.js';
import { plural } from '../model/plural.js';

/** Hosts shown one per row in the summary; beyond that, failed hosts first and a count of the rest. */
const SUMMARY_ROWS = 60;

export function renderCollectSummary(dir: string, manifest: Manifest, style: ChalkInstance): string {
  const table = new Table({ head: ['host', 'via', 'status', 'commands ok', 'bytes', 'slowest', 'problem'], style: { head: [], border: [] }, wordWrap: true, colWidths: [null, null, null, null, null, null, 60] as unknown as number[] });
  const order = (h: ManifestHost) => (h.status === 'unreachable' ? 0 : h.status === 'partial' ? 1 : 2);
  const hosts = [...manifest.hosts].sort((a, b) => order(a) - order(b));
  const shown = manifest.hosts.length > SUMMARY_ROWS ? hosts.filter((h, i) => h.status !== 'ok' || i < SUMMARY_ROWS) : manifest.hosts;
  for (const h of shown) {
    const okCount = h.commands.filter((c) => c.status === 'ok').length;
    const bytes = h.commands.reduce((a, c) => a + c.bytes, 0);
    // Among the commands that ran: a refused connection's 2 ms is not a slow command.
    const slowest = h.commands.filter((c) => c.status === 'ok').reduce((a, c) => (c.durationMs > a.durationMs ? c : a), { durationMs: 0, id: '-' } as { durationMs: number; id: string });
    const status = h.status === 'ok' ? style.green('ok') : h.status === 'partial' ? style.yellow('partial') : style.red('unreachable');
    table.push([h.name, h.transport, status, `${okCount}/${h.commands.length}`, formatBytes(bytes), slowest.durationMs ? `${slowest.id} ${slowest.durationMs} ms` : '-', hostProblem(h)]);
  }
  if (shown.length < manifest.hosts.length) table.push([`… ${manifest.hosts.length - shown.length} more ok`, '', style.green('ok'), '', '', '', '']);
  if (manifest.central) {
    const c = manifest.central.commands;
    const okCount = c.filter((x) => x.status === 'ok').length;
    const firstBad = c.find((x) => x.required && x.status !== 'ok');
    // Nothing answered (the via host unreachable): say so, as for a host.
    const status = okCount === c.length ? style.green('ok') : okCount === 0 && c.length ? style.red('unreachable') : style.yellow('partial');
    table.push([`central (via ${manifest.central.via})`, '', status, `${okCount}/${c.length}`, formatBytes(c.reduce((a, x) => a + x.bytes, 0)), '', firstBad ? `${firstBad.id}: ${firstBad.error ?? firstBad.status}` : '']);
  }
  const lines = [table.toString(), ''];
  const scope = manifest.options['scope'] as { from: string; to: string; hostsCollected: number; hostsInInventory: number; chassis: { chassis: string; roles: string[]; host?: string }[] } | undefined;
  if (scope)
    lines.push(
      `path ${scope.from} → ${scope.to}: collected ${scope.hostsCollected} of ${scope.hostsInInventory} inventory hosts (${scope.chassis.map((c) => `${c.host ?? c.chassis} ${c.roles.join('+')}`).join(', ') || 'no chassis'})`,
    );
  if (manifest.complete) lines.push(style.green(`snapshot complete: ${dir}`));
  else {
    lines.push(style.yellow(`snapshot INCOMPLETE${manifest.interrupted ? ' (interrupted)' : ''}: ${dir}`));
    const max = 40;
    const missing = groupMissing(manifest.missing);
    for (const m of missing.slice(0, max)) lines.push(`  missing: ${m}`);
    if (missing.length > max) lines.push(`  … and ${missing.length - max} more (manifest.json lists them all)`);
  }
  return lines.join('\n');
}

/**
 * The manifest's missing list with the central commands that failed for one reason on one line
 * (`central via hv1: 22 commands transport-error (…)`), and a reason already given for a host
 * referred to, not repeated (an unknown host key banner is ~400 characters).
 */
export function groupMissing(missing: readonly string[]): string[] {
  const central = /^central via (\S+): (\S+) (\S+)(?: \((.*)\))?$/s;
  const groups = new Map<string, { via: string; status: string; reason: string | undefined; ids: string[] }>();
  const out: (string | { key: string })[] = [];
  for (const m of missing) {
    const c = central.exec(m);
    if (!c) {
      out.push(m);
      continue;
    }
    const [, via, id, status, reason] = c;
    const key = `${via}\0${status}\0${reason ?? ''}`;
    const g = groups.get(key);
    if (g) g.ids.push(id!);
    else {
      groups.set(key, { via: via!, status: status!, reason, ids: [id!] });
      out.push({ key });
    }
  }
  return out.map((x) => {
    if (typeof x === 'string') return x;
    const g = groups.get(x.key)!;
    if (g.ids.length === 1) return `central via ${g.via}: ${g.ids[0]} ${g.status}${g.reason ? ` (${g.reason})` : ''}`;
    const said = g.reason ? missing.find((m) => m.startsWith(`host ${g.via}: `) && m.endsWith(g.reason!)) : undefined;
    const why = !g.reason ? '' : said ? ` (as for host ${g.via} above)` : ` (${g.reason})`;
    return `central via ${g.via}: ${plural(g.ids.length, 'command')} ${g.status}${why}: ${g.ids.join(', ')}`;
  });
}

function hostProblem(h: ManifestHost): string {
  if (h.status === 'ok') return '';
  const bad = h.commands.filter((c) => c.required && c.status !== 'ok');
  const first = h.error && h.status === 'unreachable' ? h.error : bad[0] ? `${bad[0].id}: ${bad[0].error ?? bad[0].status}` : (h.error ?? '');
  // Multi-line messages (a changed host key banner) are summarised in the table; the manifest has them whole.
  const line = first.split('\n').find((l) => l.trim() && !/^@+$/.test(l.trim()) && !/WARNING: REMOTE HOST/.test(l)) ?? first;
  const changed = /REMOTE HOST IDENTIFICATION HAS CHANGED/.test(first) ? 'HOST KEY CHANGED — ' : '';
  return `${changed}${line}${h.status === 'partial' && bad.length > 1 ? ` (+${bad.length - 1} more)` : ''}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

// ---------------------------------------------------------------------------------------------
// Live progress

export interface ProgressEvent {
  readonly host: string;
  readonly state: 'pending' | 'connecting' | 'running' | 'done' | 'failed';
  readonly done: number;
  readonly total: number;
  readonly error?: string;
}

export interface ProgressStream {
  write(text: string): unknown;
  readonly columns?: number;
  readonly rows?: number;
}

/**
 * The per-host live display on a terminal: a header with counts, then one line per host that is
 * connecting or running (and the most recent failures), redrawn in place at most 10 times a
 * second. Finished hosts fold into the counts, so 5,000 hosts take as many lines as the terminal
 * has. Plain ANSI (cursor up + erase line): a library would add nothing this needs.
 */
export class ProgressDisplay {
  private readonly hosts = new Map<string, ProgressEvent>();
  private readonly failedOrder: string[] = [];
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  private readonly started = Date.now();

  constructor(
    private readonly stream: ProgressStream,
    private readonly style: ChalkInstance,
    private readonly title: string,
  ) {}

  update(e: ProgressEvent): void {
    const prev = this.hosts.get(e.host);
    this.hosts.set(e.host, e);
    if (e.state === 'failed' && prev?.state !== 'failed') this.failedOrder.push(e.host);
    this.schedule();
  }

  /** Clears the display (before a passphrase prompt or other output); resume() draws it again. */
  pause(): void {
    this.paused = true;
    this.clear();
  }

  resume(): void {
    this.paused = false;
    this.draw();
  }

  /** Clears the display for good. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.paused = true;
    this.clear();
  }

  private schedule(): void {
    if (this.timer || this.paused) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, 100);
    this.timer.unref?.();
  }

  private clear(): void {
    if (this.drawn === 0) return;
    this.stream.write(`\r\x1b[2K${'\x1b[1A\x1b[2K'.repeat(this.drawn - 1)}\r`);
    this.drawn = 0;
  }

  /** The lines to draw now (exported through render() for tests). */
  lines(): string[] {
    const s = this.style;
    const all = [...this.hosts.values()];
    const count = (st: ProgressEvent['state']) => all.filter((h) => h.state === st).length;
    const secs = Math.round((Date.now() - this.started) / 1000);
    const width = Math.max(40, (this.stream.columns ?? 100) - 1);
    const header = `${this.title}  ${s.green(`${count('done')} done`)} · ${count('failed') ? s.red(`${count('failed')} failed`) : '0 failed'} · ${count('connecting') + count('running')} active · ${count('pending')} waiting · ${plural(all.length, 'host')} · ${secs}s`;
    const active = all.filter((h) => h.state === 'connecting' || h.state === 'running');
    const failed = this.failedOrder.slice(-5).map((n) => this.hosts.get(n)!);
    const room = Math.max(3, (this.stream.rows ?? 24) - 3);
    const nameWidth = Math.min(24, Math.max(4, ...[...active, ...failed].map((h) => h.host.length)));
    const row = (h: ProgressEvent) => {
      const name = h.host.padEnd(nameWidth);
      const what =
        h.state === 'connecting'
          ? s.cyan('connecting')
          : h.state === 'running'
            ? `running ${h.done} of ${h.total}`
            : h.state === 'failed'
              ? `${s.red('failed')}  ${(h.error ?? '').split('\n').find((l) => l.trim() && !/^@+$/.test(l.trim())) ?? ''}`
              : h.state;
      return truncate(`  ${name}  ${what}`, width);
    };
    const body = [...active.slice(0, room - failed.length).map(row), ...(active.length > room - failed.length ? [`  … ${active.length - (room - failed.length)} more active`] : []), ...failed.map(row)];
    return [truncate(header, width + 40), ...body];
  }

  private draw(): void {
    if (this.paused) return;
    const lines = this.lines();
    this.clear();
    this.stream.write(lines.join('\n'));
    this.drawn = lines.length;
  }
}

function truncate(s: string, width: number): string {
  // eslint-disable-next-line no-control-regex
  const visible = s.replace(/\x1b\[[0-9;]*m/g, '');
  return visible.length <= width ? s : visible.slice(0, width - 1) + '…';
}
