import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import { formatDiagnostic } from '../model/diagnostic.js';
import { compareFindings, type Finding, type FindingSeverity, type SeverityCounts } from '../model/finding.js';
import { plural } from '../model/plural.js';
import type { DoctorResult } from '../services/doctor.js';
import { renderFinding, severityLabel } from './findings.js';

const plain = { head: [], border: [] };

function countsText(c: SeverityCounts, style: ChalkInstance): string {
  return `${style.red(`${c.fail} fail`)}, ${style.yellow(`${c.warn} warn`)}, ${style.cyan(`${c.info} info`)}, ${style.green(`${c.pass} pass`)}, ${style.dim(`${c['n-a']} n/a`)}`;
}

function cell(n: number, s: FindingSeverity, style: ChalkInstance): string {
  if (!n) return style.dim('0');
  const t = String(n);
  return s === 'fail' ? style.red.bold(t) : s === 'warn' ? style.yellow(t) : s === 'info' ? style.cyan(t) : s === 'pass' ? style.green(t) : style.dim(t);
}

const FLEET = 'fleet (SB/NB, collection)';
/** Info/pass/n-a findings of one check shown per host before the rest is summarised in one line. */
const REPEAT_LIMIT = 3;

/**
 * `ovnscope doctor`: which audits ran, then the findings at or above the threshold grouped by
 * host (fleet-wide first, then hosts worst first), each group most severe first, then per-host
 * counts and the totals.
 */
export function renderDoctor(r: DoctorResult, style: ChalkInstance): string {
  const out: string[] = [];
  out.push(
    style.bold(`doctor — ${r.snapshot}`) +
      style.dim(`  (collected ${r.created}, ${plural(r.hosts.length, 'host')}${r.complete ? '' : ', collection INCOMPLETE'}${r.scope ? `, path-scoped ${r.scope.from} → ${r.scope.to}` : ''})`),
  );
  for (const a of r.audits) {
    // An audit that ran but could check nothing (every finding n/a) reads as n/a, not as a clean run.
    const checked = a.counts.fail + a.counts.warn + a.counts.info + a.counts.pass > 0;
    const state = a.ran && checked ? (a.counts.fail ? style.red('ran') : a.counts.warn ? style.yellow('ran') : style.green('ran')) : style.dim('n/a');
    const counts = a.ran ? style.dim(`  ${a.counts.fail} fail, ${a.counts.warn} warn, ${a.counts.info} info, ${a.counts.pass} pass, ${a.counts['n-a']} n/a`) : '';
    out.push(`  ${state.padEnd(3)} ${a.title} ${style.dim(`(${a.checks})`)}${counts}${a.why ? style.dim(`  — ${a.why}`) : ''}`);
  }

  const groups = new Map<string | undefined, Finding[]>();
  for (const f of r.findings) groups.set(f.host, [...(groups.get(f.host) ?? []), f]);
  const order = r.byHost.map((h) => h.host).filter((h) => groups.has(h));
  for (const h of groups.keys()) if (!order.includes(h)) order.push(h);
  if (!r.findings.length) out.push('', style.green(`nothing at or above ${r.threshold}`));
  for (const host of order) {
    const fs = [...groups.get(host)!].sort(compareFindings);
    const hc = r.byHost.find((x) => x.host === host);
    out.push('', `${style.bold(host ?? FLEET)}${hc ? `  ${style.dim(countsText(hc.counts, style))}` : ''}`);
    // Every fail and warn; of one check's info/pass/n-a findings on one host, the first few.
    const shownPerId = new Map<string, number>();
    const elided = new Map<string, number>();
    for (const f of fs) {
      if (f.severity !== 'fail' && f.severity !== 'warn') {
        const k = `${f.severity} ${f.id}`;
        const n = shownPerId.get(k) ?? 0;
        shownPerId.set(k, n + 1);
        if (n >= REPEAT_LIMIT) {
          elided.set(k, (elided.get(k) ?? 0) + 1);
          continue;
        }
      }
      out.push(renderFinding(host === undefined ? f : { ...f, host: undefined }, style));
    }
    for (const [k, n] of elided) {
      const [sev, id] = k.split(' ') as [FindingSeverity, string];
      out.push(style.dim(`${severityLabel(sev, style)} ${id.padEnd(3)} … and ${n} more like these (--json lists every finding)`));
    }
  }

  out.push('', style.bold('summary'));
  const t = new Table({ head: ['', 'worst', 'fail', 'warn', 'info', 'pass', 'n/a'], style: plain });
  for (const h of r.byHost) t.push([h.host ?? 'fleet', severityLabel(h.worst, style).trim(), ...(['fail', 'warn', 'info', 'pass', 'n-a'] as const).map((s) => cell(h.counts[s], s, style))]);
  out.push(t.toString());
  out.push(
    `${countsText(r.counts, style)}` +
      style.dim(`  (listed: ${r.threshold === 'n-a' ? 'everything' : `${r.threshold} and worse`}${r.hidden ? `; ${r.hidden} more below that: --severity n-a lists everything` : ''})`),
  );
  out.push(r.failed ? style.red.bold('FAILED: at least one check failed (exit status 1)') : r.incomplete.length ? style.yellow.bold('INCOMPLETE: no check failed, but the snapshot is incomplete, so not everything was checked (exit status 3)') : style.green('no check failed'));
  if (r.incomplete.length) {
    out.push(style.yellow(`missing from the snapshot${r.failed ? ' (the checks did not see everything)' : ''}:`));
    for (const m of r.incomplete.slice(0, 8)) out.push(`  ${m}`);
    if (r.incomplete.length > 8) out.push(style.dim(`  … and ${r.incomplete.length - 8} more (--json: "incomplete")`));
  }
  if (r.diagnostics.length) {
    out.push('', style.yellow(plural(r.diagnostics.length, 'parser diagnostic')) + (r.diagnostics.length > 5 ? ' (first 5; see C6)' : ''));
    for (const d of r.diagnostics.slice(0, 5)) out.push(`  ${formatDiagnostic(d)}`);
  }
  return out.join('\n');
}
