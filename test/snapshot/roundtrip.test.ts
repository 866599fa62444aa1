import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFlow, parseOfctlFlows } from '../../src/parse/ofctl-flows.js';
import { formatGroup, parseOfctlGroups } from '../../src/parse/ofctl-groups.js';

const fixturesDir = resolve(import.meta.dirname, '../../fixtures');
const dumps = readdirSync(fixturesDir, { recursive: true, encoding: 'utf8' })
  .filter((f) => /ovs-ofctl\.dump-(flows|groups)\..*\.out$/.test(f))
  .sort();

describe('every dump in the bundled snapshots round-trips', () => {
  it('has dumps to check', () => expect(dumps.length).toBeGreaterThanOrEqual(10));

  it.each(dumps)('%s', (rel) => {
    const text = readFileSync(join(fixturesDir, rel), 'utf8');
    const lines = text.split('\n').filter((l) => l.startsWith(' '));
    if (rel.includes('dump-flows')) {
      const parsed = parseOfctlFlows(text);
      expect(parsed.diagnostics).toEqual([]);
      expect(parsed.value.flows.length).toBe(lines.length);
      expect(parsed.value.flows.map(formatFlow)).toEqual(lines.map((l) => l.trim()));
    } else {
      const parsed = parseOfctlGroups(text);
      expect(parsed.diagnostics).toEqual([]);
      expect(parsed.value.groups.map(formatGroup)).toEqual(lines.map((l) => l.trim()));
    }
  });
});
