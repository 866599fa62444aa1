// A redacted fixture traces to the same verdicts as the original: every packet of the
// differential corpus (test/sim/cases.ts, built from the fixture's own bindings, routers, NAT and
// load balancers) gives, through the redacted tables, the mapped trace of the original.

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { openSnapshotDir } from '../../src/snapshot/reader.js';
import { redactSnapshotDir } from '../../src/snapshot/redact-snapshot.js';
import { MappingTranslator } from '../../src/snapshot/redact-unmap.js';
import { assertTracesEqualUnderMapping, corpusOf } from './redact-trace.js';

const root = resolve(import.meta.dirname, '../..');

describe.each([
  // "web" is in interface names (tapweb1): the packets' in_port= names are translated too.
  ['l3-acl', ['web'], true],
  // "tenant" is in logical switch names only (NB, SB, logical flows).
  ['lb-nat-3chassis', ['tenant'], false],
] as const)('traces on redacted %s', (name, keywords, inPackets) => {
  it('equal the mapped traces on the original for every packet of the differential corpus', async () => {
    const src = join(root, 'fixtures', name);
    const dst = join(await mkdtemp(join(tmpdir(), 'ovnscope-redact-trace-')), 'snap');
    const opened = await openSnapshotDir(src);
    if (!opened.ok) throw new Error(opened.error.message);
    const red = await redactSnapshotDir(src, dst, opened.value.manifest, { key: Buffer.from(`trace test key for ${name}`), keywords });
    if (!red.ok) throw new Error(red.error.message);
    const [original, redacted] = await Promise.all([loadSnapshot(src), loadSnapshot(dst)]);
    if (!original.ok || !redacted.ok) throw new Error('load failed');
    const packets = corpusOf(original.value, name);
    expect(packets.length).toBeGreaterThan(300);
    expect(packets.some((p) => keywords.some((k) => p.flow.includes(k)))).toBe(inPackets);
    const r = assertTracesEqualUnderMapping(original.value, redacted.value, red.value.redactor, packets);
    expect(r.compared).toBe(packets.length);
    // The corpus reaches every kind of outcome.
    expect(Object.keys(r.verdicts)).toEqual(expect.arrayContaining(['delivered', 'dropped', 'tunnel', 'controller']));
    // The mapping file alone translates the packets whose addresses the snapshot holds.
    const tr = new MappingTranslator(red.value.redactor.mappingFile({ createdAt: '' }));
    const known = packets.filter((p) => tr.forward(p.flow, p.host) === red.value.redactor.forward(p.flow, p.host));
    expect(known.length).toBeGreaterThan(packets.length / 2);
    assertTracesEqualUnderMapping(original.value, redacted.value, tr, known);
  }, 60_000);
});
