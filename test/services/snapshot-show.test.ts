import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Chalk } from 'chalk';
import { afterEach, describe, expect, it } from 'vitest';
import { renderSnapshotSummary } from '../../src/render/snapshot.js';
import { showSnapshot } from '../../src/services/snapshot-show.js';

const L3 = resolve(import.meta.dirname, '../../fixtures/l3-acl');
const plain = new Chalk({ level: 0 });
const work: string[] = [];
afterEach(() => {
  for (const d of work.splice(0)) rmSync(d, { recursive: true, force: true });
});

function copyOfL3(): string {
  const d = mkdtempSync(join(tmpdir(), 'ovnscope-show-'));
  work.push(d);
  cpSync(L3, d, { recursive: true });
  rmSync(join(d, '.cache'), { recursive: true, force: true });
  return d;
}

async function show(dir: string) {
  const r = await showSnapshot(dir);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('snapshot show of a damaged snapshot', () => {
  it('an intact snapshot is complete, with nothing damaged', async () => {
    const s = await show(copyOfL3());
    expect(s.complete).toBe(true);
    expect(s.damaged).toEqual([]);
    expect(renderSnapshotSummary(s, plain).split('\n')[1]).toBe('complete');
  });

  it('is not "complete" when listed files are missing or truncated: it says DAMAGED and lists them', async () => {
    const dir = copyOfL3();
    rmSync(join(dir, 'hosts/hv1/ovs-vsctl.list.Interface.out'));
    const dump = 'hosts/hv2/ovs-ofctl.dump-flows.br-int.out';
    writeFileSync(join(dir, dump), readFileSync(join(dir, dump), 'utf8').split('\n').slice(0, 300).join('\n') + '\n');
    const s = await show(dir);
    expect(s.complete).toBe(false);
    expect(s.damaged.map((d) => [d.host, d.file, d.damage])).toEqual([
      ['hv1', 'hosts/hv1/ovs-vsctl.list.Interface.out', 'missing'],
      ['hv2', dump, 'size'],
    ]);
    // Damage is not counted as parser diagnostics.
    expect(s.diagnostics.first.some((d) => d.damage)).toBe(false);
    const text = renderSnapshotSummary(s, plain);
    expect(text).not.toMatch(/^complete$/m);
    expect(text).toMatch(/^DAMAGED: 2 files changed after collection/m);
    expect(text).toContain('hv1: hosts/hv1/ovs-vsctl.list.Interface.out: listed in the manifest');
    expect(text).toMatch(/hv2: hosts\/hv2\/ovs-ofctl\.dump-flows\.br-int\.out: \d+ bytes where the manifest recorded \d+ .*truncated\?/);
  });
});
