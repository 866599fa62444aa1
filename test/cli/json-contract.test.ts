// Every command's JSON CONTRACT (man page) against what the command really prints with --json on
// a bundled fixture: no field printed that the contract does not list, and every field the
// contract lists as always present is printed. The contracts are data (src/cli/json-contract.ts)
// rendered into the man pages, so this keeps the pages honest.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BGP_JSON, COLLECT_JSON, DOCTOR_JSON, FIXTURE_PACK_JSON, FIXTURE_UNMAP_JSON, FIXTURE_UNPACK_JSON, fieldName, FLOWS_JSON, MTU_JSON, OFFLOAD_JSON, SNAPSHOT_SHOW_JSON, type JsonContract } from '../../src/cli/json-contract.js';
import { renderManPages } from '../../scripts/man.js';
import { repoRoot, runCli } from '../harness/cli.js';

/** The objects found at `at` ('' top level, 'a[]' elements of a, 'a.b' a's field b). */
function objectsAt(json: unknown, at: string): Record<string, unknown>[] {
  let values: unknown[] = [json];
  for (const step of at ? at.split('.') : []) {
    const isList = step.endsWith('[]');
    const key = isList ? step.slice(0, -2) : step;
    values = values.flatMap((v) => {
      const x = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
      return isList ? (Array.isArray(x) ? x : []) : x === undefined ? [] : [x];
    });
  }
  return values.filter((v): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v));
}

function checkContract(json: unknown, contract: JsonContract, mustHave: readonly string[] = ['']): void {
  for (const shape of contract.shapes) {
    const objects = objectsAt(json, shape.at);
    if (mustHave.includes(shape.at)) expect(objects.length, `${shape.at || 'top level'} is in the output`).toBeGreaterThan(0);
    const documented = new Set(shape.fields.map(fieldName));
    const printed = new Set(objects.flatMap((o) => Object.keys(o)));
    expect([...printed].filter((f) => !documented.has(f)), `fields of ${shape.at || 'the top level'} printed but not in the contract`).toEqual([]);
    if (objects.length) {
      const always = shape.fields.filter((f) => !f.endsWith('?'));
      for (const o of objects) expect(always.filter((f) => !(f in o)), `fields of ${shape.at || 'the top level'} the contract says are always there`).toEqual([]);
    }
  }
}

/** What the offload, bgp, mtu and doctor contracts promise beyond the field list: every finding that is not a pass carries a fix. */
function expectFixUnlessPass(json: unknown, contract: JsonContract): void {
  expect(contract.shapes.find((s) => s.at === 'findings[]')?.note).toMatch(/every finding that is not a pass has one/);
  const findings = objectsAt(json, 'findings[]');
  expect(findings.length).toBeGreaterThan(0);
  expect(findings.filter((f) => f.severity !== 'pass' && !(typeof f.fix === 'string' && f.fix.trim())).map((f) => `${String(f.id)} ${String(f.host)} ${String(f.subject)}`), 'findings without a fix').toEqual([]);
}

async function json(...args: string[]): Promise<unknown> {
  const r = await runCli([...args, '--json']);
  expect(r.stderr.includes('"error"') ? r.stderr : '', args.join(' ')).toBe('');
  return JSON.parse(r.stdout) as unknown;
}

describe('JSON contracts of the man pages match what the commands print', () => {
  it('doctor', async () => {
    const out = await json('doctor', '-s', 'fixtures/lb-nat-3chassis', '--severity', 'n-a');
    checkContract(out, DOCTOR_JSON, ['', 'audits[]', 'findings[]', 'findings[].evidence[]', 'counts', 'byHost[]']);
    expectFixUnlessPass(out, DOCTOR_JSON);
  });
  it('offload', async () => {
    const out = await json('offload', '-s', 'fixtures/lb-nat-3chassis');
    checkContract(out, OFFLOAD_JSON, ['', 'hosts[]', 'findings[]', 'counts']);
    expectFixUnlessPass(out, OFFLOAD_JSON);
  });
  it('bgp', async () => {
    const out = await json('bgp', '-s', 'fixtures/lb-nat-3chassis');
    checkContract(out, BGP_JSON, ['', 'hosts[]', 'hosts[].frr', 'matrix', 'matrix.teps[]', 'matrix.rows[]', 'matrix.rows[].cells[]', 'findings[]', 'counts']);
    expectFixUnlessPass(out, BGP_JSON);
    // A snapshot with FRR data and failed OVS outputs: the n/a findings of B12–B14 say how to get the data.
    expectFixUnlessPass(await json('bgp', '-s', 'test/fixtures/frr/snapshots/healthy'), BGP_JSON);
  });
  it('mtu', async () => {
    // Path mode on a fixture without kernel views (n/a and info findings), and --all.
    const path = await json('mtu', '-s', 'fixtures/l3-acl', '--from', 'web1', '--to', 'db1');
    checkContract(path, MTU_JSON, ['', 'findings[]', 'counts']);
    expect(Object.keys(path as object)).toEqual(expect.arrayContaining(['resolved', 'path']));
    expectFixUnlessPass(path, MTU_JSON);
    const all = await json('mtu', '-s', 'fixtures/lb-nat-3chassis', '--all');
    checkContract(all, MTU_JSON, ['', 'findings[]', 'counts']);
    expect(Object.keys(all as object)).toContain('cluster');
    expectFixUnlessPass(all, MTU_JSON);
  });
  it('doctor promises a fix on every finding that is not a pass, the MTU audit\'s included', () => expect(DOCTOR_JSON.shapes.find((s) => s.at === 'findings[]')?.note).not.toMatch(/except/));
  it('flows', async () => checkContract(await json('flows', '-s', 'fixtures/lb-nat-3chassis', '-H', 'hv1'), FLOWS_JSON, ['', 'flows[]', 'flows[].ovn']));
  it('snapshot show', async () => checkContract(await json('snapshot', 'show', '-s', 'fixtures/lb-nat-3chassis'), SNAPSHOT_SHOW_JSON, ['', 'hosts[]', 'hosts[].bridges[]', 'chassis[]', 'diagnostics']));

  it('collect (one local host)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovnscope-contract-'));
    writeFileSync(join(dir, 'inv.yaml'), 'hosts:\n  me: { transport: local }\n');
    // Exit 0 or 3 (whatever this machine runs): the JSON has the same shape either way.
    const r = await runCli(['collect', '-i', join(dir, 'inv.yaml'), '-o', join(dir, 'snap'), '--json'], { timeoutMs: 120_000 });
    expect([0, 3]).toContain(r.code);
    checkContract(JSON.parse(r.stdout), COLLECT_JSON, ['', 'manifest']);
  }, 150_000);

  it('fixture pack --redact, unpack, unmap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovnscope-contract-'));
    const out = join(dir, 'f.tar.gz');
    checkContract(await json('fixture', 'pack', 'fixtures/l3-acl', '-o', out, '--redact'), FIXTURE_PACK_JSON, ['', 'redaction', 'report']);
    checkContract(await json('fixture', 'unpack', out, '-o', join(dir, 'u')), FIXTURE_UNPACK_JSON, ['', 'redaction']);
    const r = await runCli(['fixture', 'unmap', '--mapping', `${out}.mapping.json`, '-', '--json'], { input: 'host-1 10.0.0.1\n' });
    checkContract(JSON.parse(r.stdout), FIXTURE_UNMAP_JSON);
  });

  it('each contract is in its command\'s man page, every field named', async () => {
    const pages = await renderManPages(repoRoot);
    const cases: [string, JsonContract][] = [['doctor', DOCTOR_JSON], ['offload', OFFLOAD_JSON], ['bgp', BGP_JSON], ['flows', FLOWS_JSON], ['collect', COLLECT_JSON], ['snapshot-show', SNAPSHOT_SHOW_JSON], ['fixture-pack', FIXTURE_PACK_JSON], ['fixture-unpack', FIXTURE_UNPACK_JSON], ['fixture-unmap', FIXTURE_UNMAP_JSON]];
    for (const [name, contract] of cases) {
      const page = pages.get(`ovnscope-${name}.1`)!;
      const section = page.slice(page.indexOf('.SH JSON CONTRACT'), page.indexOf('.SH', page.indexOf('.SH JSON CONTRACT') + 1));
      expect(section.length, name).toBeGreaterThan(20);
      for (const s of contract.shapes) for (const f of s.fields) expect(section, `${name}: ${s.at} ${f}`).toContain(`"${fieldName(f).replace(/-/g, '\\-')}"`);
    }
  });
});
