import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDumpHeader } from '../../src/parse/ofctl-flows.js';
import { formatGroup, parseGroupLine, parseOfctlGroups } from '../../src/parse/ofctl-groups.js';

const here = dirname(fileURLToPath(import.meta.url));
const OWN = resolve(here, '../fixtures/ofctl');
const files = readdirSync(OWN)
  .filter((f) => f.includes('dump-groups'))
  .map((f) => join(OWN, f));

describe('dump-groups', () => {
  it('has group fixtures', () => expect(files.length).toBeGreaterThanOrEqual(5));

  it.each(files.map((f) => [f.slice(f.lastIndexOf('/') + 1), f]))('%s: every line read, zero diagnostics, exact round-trip', (_n, file) => {
    const text = readFileSync(file, 'utf8');
    const r = parseOfctlGroups(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.value.unparsed).toEqual([]);
    const lines = text.split('\n');
    const content = lines.filter((l) => l.trim() && !l.startsWith('#'));
    expect(r.value.groups.length + r.value.headers.length).toBe(content.length);
    expect(r.value.linesRead).toBe(content.length);
    for (const h of r.value.headers) expect(formatDumpHeader(h)).toBe(lines[h.line - 1].trim());
    for (const g of r.value.groups) expect(formatGroup(g)).toBe(lines[g.line - 1].trim());
  });

  it('reads select groups with hash fields and bucket properties', () => {
    const l = 'group_id=1,type=select,selection_method=hash,fields(ip_src,nw_proto),bucket=bucket_id:0,weight:10,actions=output:1,bucket=bucket_id:1,weight:20,watch_port:2,actions=output:2';
    const g = parseGroupLine(l).value!;
    expect(g).toMatchObject({ groupId: 1, type: 'select', selectionMethod: 'hash' });
    expect(g.fields.map((f) => f.field.mfName)).toEqual(['ip_src', 'nw_proto']);
    expect(g.buckets).toHaveLength(2);
    expect(g.buckets[1]).toMatchObject({ bucketId: 1, weight: 20, watchPort: { kind: 'number', port: 2 } });
    expect(formatGroup(g)).toBe(l);
    const ovn = 'group_id=3,type=select,selection_method=dp_hash,bucket=bucket_id:0,weight:100,actions=ct(commit,table=21,zone=NXM_NX_REG13[0..15],nat(dst=10.0.0.3:80),exec(set_field:0x2/0x2->ct_mark)),bucket=bucket_id:1,weight:100,actions=ct(commit,table=21,zone=NXM_NX_REG13[0..15],nat(dst=10.0.1.3:80),exec(set_field:0x2/0x2->ct_mark))';
    const o = parseGroupLine(ovn).value!;
    expect(o.buckets.map((b) => b.actions[0].type)).toEqual(['ct', 'ct']);
    expect(formatGroup(o)).toBe(ovn);
    expect(formatGroup(parseGroupLine('group_id=9,type=all').value!)).toBe('group_id=9,type=all');
  });

  it('reports bad lines with a position and never throws', () => {
    const r = parseOfctlGroups('OFPST_GROUP_DESC reply (OF1.5) (xid=0x2):\n group_id=x,type=all\n group_id=1,type=weird\n group_id=2,type=all,bucket=actions=frob\n');
    expect(r.value.groups).toHaveLength(1);
    expect(r.diagnostics.map((d) => [d.severity, d.line])).toEqual([
      ['error', 2],
      ['error', 3],
      ['warning', 4],
    ]);
    const lines = files.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.startsWith(' group_id')));
    fc.assert(
      fc.property(fc.constantFrom(...lines), fc.nat(), fc.string({ maxLength: 5 }), (l, cut, junk) => {
        const p = cut % (l.length + 1);
        const r2 = parseGroupLine(l.slice(0, p) + junk + l.slice(p + junk.length), { line: 5 });
        for (const d of r2.diagnostics) {
          expect(d.line).toBe(5);
          expect(d.column).toBeGreaterThanOrEqual(1);
        }
        if (!r2.value) expect(r2.diagnostics.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });
});
