/**
 * The one-word answers of ovn-controller's control socket:
 *   `ovn-appctl -t ovn-controller connection-status` → `connected` | `not connected`
 *   `ovn-appctl -t ovn-controller debug/status`      → `running` | `paused`
 * Anything else is an error diagnostic at line 1 (the value is undefined). Never throws.
 */
import type { Diagnostic, Parsed } from '../model/diagnostic.js';

/** The first non-blank line, trimmed, and its 1-based number. */
function firstLine(text: string): { line: string; number: number } | undefined {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) if (lines[i]!.trim() !== '') return { line: lines[i]!.trim(), number: i + 1 };
  return undefined;
}

function oneWord<T>(text: unknown, file: string | undefined, what: string, answers: Readonly<Record<string, T>>): Parsed<T | undefined> {
  const expected = Object.keys(answers).map((a) => `"${a}"`).join(' or ');
  if (typeof text !== 'string') return { value: undefined, diagnostics: [{ severity: 'error', file, message: `${what}: expected text` }] };
  const first = firstLine(text);
  if (!first) return { value: undefined, diagnostics: [{ severity: 'error', file, line: 1, message: `${what}: empty output, expected ${expected}` }] };
  if (Object.hasOwn(answers, first.line)) return { value: answers[first.line], diagnostics: [] };
  const diagnostics: Diagnostic[] = [{ severity: 'error', file, line: first.number, message: `${what}: expected ${expected}`, excerpt: first.line.slice(0, 120) }];
  return { value: undefined, diagnostics };
}

/** `connection-status`: true when connected to the SB. */
export function parseConnectionStatus(text: string, file?: string): Parsed<boolean | undefined> {
  return oneWord(text, file, 'ovn-controller connection-status', { connected: true, 'not connected': false });
}

/** `debug/status`: true when paused (`debug/pause`), false when running. */
export function parseDebugStatus(text: string, file?: string): Parsed<boolean | undefined> {
  return oneWord(text, file, 'ovn-controller debug/status', { running: false, paused: true });
}
