/**
 * Problems found in user-supplied input (dumps, JSON, inventories). Parsers return these as
 * values next to whatever they could still read; they never throw on bad input.
 */
export type Severity = 'error' | 'warning';

export interface SourcePosition {
  /** File the text came from (a snapshot-relative path when known, else what the user gave). */
  readonly file?: string;
  /** 1-based line number. */
  readonly line?: number;
  /** 1-based column number. */
  readonly column?: number;
  /** Host the text was collected from, when it came out of a snapshot. */
  readonly host?: string;
}

export interface Diagnostic extends SourcePosition {
  readonly severity: Severity;
  /** What was wrong, and what was expected instead. */
  readonly message: string;
  /** The offending text (a line, or an excerpt of it), kept verbatim. */
  readonly excerpt?: string;
  /**
   * Set when the problem is the file itself, not its text: a snapshot output that is missing, or
   * whose size or sha256 differs from what the manifest recorded (changed after collection).
   */
  readonly damage?: 'missing' | 'size' | 'digest';
  /**
   * With `damage`: what is wrong with the file, without the heading — `message` is
   * `damagedFileMessage(damageDetail)`. Whoever shows the damage under a heading of its own (the
   * file name in fixture pack's refusal, "missing:" in doctor C8) shows this, and strips nothing.
   */
  readonly damageDetail?: string;
}

/** The message of a damaged-file diagnostic: its detail under the `damaged: ` heading. */
export function damagedFileMessage(detail: string): string {
  return `damaged: ${detail}`;
}

/** Value plus whatever went wrong producing it: the shape every parser returns. */
export interface Parsed<T> {
  readonly value: T;
  readonly diagnostics: readonly Diagnostic[];
}

export function formatPosition(p: SourcePosition): string {
  const parts: string[] = [];
  if (p.host) parts.push(`host ${p.host}`);
  let where = p.file ?? '';
  if (p.line !== undefined) where += `${where ? ':' : 'line '}${p.line}`;
  if (p.column !== undefined) where += `:${p.column}`;
  if (where) parts.push(where);
  return parts.join(', ');
}

export function formatDiagnostic(d: Diagnostic): string {
  const pos = formatPosition(d);
  return `${d.severity}${pos ? ` (${pos})` : ''}: ${d.message}`;
}

/** Attaches file/host to diagnostics produced by a parser that only knew line numbers. */
export function locate(diags: readonly Diagnostic[], where: SourcePosition): Diagnostic[] {
  return diags.map((d) => ({ ...where, ...d, file: d.file ?? where.file, host: d.host ?? where.host }));
}
