import { expect } from 'vitest';
import type { Finding } from '../../src/model/finding.js';

/**
 * DESIGN.md: every Finding carries a fix hint. A finding that is not a pass says what to do — the
 * command or setting; for an n/a, how to get the data it lacks (the read-only command to run by
 * hand, or what to collect); for an info, "nothing to change" and why — and a pass has nothing to
 * fix. The same rule as the offload and BGP checks (test/checks/offload.test.ts, bgp.test.ts).
 */
export function expectFixOnEveryNonPass(findings: readonly Finding[]): void {
  expect(findings.filter((f) => f.severity !== 'pass' && !f.fix?.trim()).map((f) => `${f.id} ${f.severity} ${f.host} ${f.subject}: ${f.message}`), 'findings without a fix').toEqual([]);
  expect(findings.filter((f) => f.severity === 'pass' && f.fix).map((f) => `${f.id} ${f.subject}`), 'a pass has nothing to fix').toEqual([]);
}
