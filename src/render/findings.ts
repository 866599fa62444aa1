import type { ChalkInstance } from 'chalk';
import { formatDiagnostic, type Diagnostic } from '../model/diagnostic.js';
import { compareFindings, type Finding, type FindingSeverity, type SeverityCounts } from '../model/finding.js';
import { plural } from '../model/plural.js';

/** How every audit (offload, bgp, mtu, doctor) prints findings: one shape, one place. */
export function severityLabel(s: FindingSeverity, style: ChalkInstance): string {
  switch (s) {
    case 'fail':
      return style.red.bold('FAIL');
    case 'warn':
      return style.yellow('WARN');
    case 'info':
      return style.cyan('INFO');
    case 'pass':
      return style.green('PASS');
    case 'n-a':
      return style.dim('N/A ');
  }
}

/** One finding with its evidence and fix. */
export function renderFinding(f: Finding, style: ChalkInstance): string {
  const lines = [`${severityLabel(f.severity, style)} ${style.bold(f.id.padEnd(3))} ${f.host ? `${f.host} ` : ''}${f.subject}: ${f.message}`];
  for (const e of f.evidence) lines.push(style.dim(`       ${e.file}${e.line !== undefined ? `:${e.line}` : ''}  ${e.excerpt}`));
  if (f.fix && (f.severity === 'fail' || f.severity === 'warn' || f.severity === 'info' || f.severity === 'n-a')) lines.push(`       ${style.cyan('fix:')} ${f.fix}`);
  return lines.join('\n');
}

/**
 * The findings section every audit ends with: the findings `show` keeps, worst first, the counts,
 * and the first parser diagnostics.
 */
export function renderFindingsSection(
  findings: readonly Finding[],
  counts: SeverityCounts,
  diagnostics: readonly Diagnostic[],
  style: ChalkInstance,
  show: (f: Finding) => boolean = (f) => f.severity === 'fail' || f.severity === 'warn' || f.severity === 'info',
): string[] {
  const out: string[] = ['', style.bold('findings')];
  const shown = [...findings].sort(compareFindings).filter(show);
  const checked = counts.fail + counts.warn + counts.info + counts.pass;
  if (!shown.length) out.push(checked ? style.green('  nothing to report') : style.dim(`  nothing was checked: ${counts['n-a'] ? 'every check is n/a (its data is not in the snapshot; --json says why)' : 'no input for any check'}`));
  for (const f of shown) out.push(renderFinding(f, style));
  out.push(
    '',
    `${style.red(`${counts.fail} fail`)}, ${style.yellow(`${counts.warn} warn`)}, ${style.cyan(`${counts.info} info`)}, ${style.green(`${counts.pass} pass`)}, ${style.dim(`${counts['n-a']} n/a`)}` +
      style.dim('  (--json lists every finding with its evidence)'),
  );
  if (diagnostics.length) {
    out.push('', style.yellow(plural(diagnostics.length, 'parser diagnostic')) + (diagnostics.length > 10 ? ' (first 10)' : ''));
    for (const d of diagnostics.slice(0, 10)) out.push(`  ${formatDiagnostic(d)}`);
  }
  return out;
}
