import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../harness/cli.js';

const root = repoRoot;

const ovnscope = (args: string[], input?: string) => runCli(args, { env: { NO_COLOR: '' }, ...(input !== undefined ? { input } : {}) });

describe('ovnscope fixture pack --redact / fixture unmap', () => {
  let work: string;
  let out: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ovnscope-fixture-cli-'));
    out = join(work, 'bug.tar.gz');
  });

  it('packs a redacted fixture, reports what it replaced, and writes a private mapping', async () => {
    const r = await ovnscope(['fixture', 'pack', 'fixtures/lb-nat-3chassis', '-o', out, '--redact', '--keyword', 'tenant', '--redact-key-file', join(work, 'site.key'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { out: string; redacted: boolean; hosts: string[]; mappingFile: string; keyFileCreated: string; report: { counts: Record<string, number> } };
    expect(j.redacted).toBe(true);
    expect(j.hosts).toEqual(['host-1', 'host-2', 'host-3']);
    expect(j.mappingFile).toBe(`${out}.mapping.json`);
    expect(j.keyFileCreated).toBe(join(work, 'site.key'));
    expect(j.report.counts.ipv4).toBeGreaterThan(10);
    expect(j.report.counts.keyword).toBe(1);
    expect(statSync(j.mappingFile).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(j)).not.toMatch(/"hv1"|10\.2\.2\.11/);

    const text = await ovnscope(['fixture', 'pack', 'fixtures/l3-acl', '-o', join(work, 'l3.tar.gz'), '--redact']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/redacted: \d+ ipv4, .*\d+ mac, .*2 hostname/);
    expect(text.stdout).toMatch(/mapping written to .*l3\.tar\.gz\.mapping\.json \(PRIVATE/);
  });

  it('replays with every command under the mapped names, and unmap translates the answers back', async () => {
    const show = await ovnscope(['snapshot', 'show', out]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('host-3');
    expect(show.stdout).not.toMatch(/\bhv[123]\b|192\.168\.0\.[123]\b/);
    const back = await ovnscope(['fixture', 'unmap', '--mapping', `${out}.mapping.json`, '-'], show.stdout);
    expect(back.code, back.stderr).toBe(0);
    const original = await ovnscope(['snapshot', 'show', 'fixtures/lb-nat-3chassis']);
    // Table borders are as wide as the (redacted) names were: compare the cells.
    const lines = (t: string) =>
      t
        .split('\n')
        .filter((l) => !/^snapshot /.test(l))
        .map((l) => l.replace(/[─│┌┐└┘├┤┬┴┼]/g, ' ').replace(/\s+/g, ' ').trim())
        .filter(Boolean)
        .sort();
    expect(lines(back.stdout)).toEqual(lines(original.stdout));

    const flows = await ovnscope(['flows', '--snapshot', out, '--host', 'host-3', '--table', '0']);
    expect(flows.code, flows.stderr).toBe(0);
    const arg = await ovnscope(['fixture', 'unmap', '--mapping', `${out}.mapping.json`, 'dropped on host-2 via ovn-host-1-0 and host-7']);
    expect(arg.stdout).toBe('dropped on hv2 via ovn-hv1-0 and host-7\n');
    expect(arg.stderr).toMatch(/not in the mapping: host-7/);
  });

  it('exits 2 on usage errors: redaction flags without --redact, bad keywords, bad mapping files', async () => {
    const noRedact = await ovnscope(['fixture', 'pack', 'fixtures/l3-acl', '-o', join(work, 'x.tar.gz'), '--keyword', 'acme']);
    expect(noRedact.code).toBe(2);
    expect(noRedact.stderr).toMatch(/--redact/);
    const bad = await ovnscope(['fixture', 'pack', 'fixtures/l3-acl', '-o', join(work, 'y.tar.gz'), '--redact', '--keyword', 'cafe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/hex digits/);
    expect(existsSync(join(work, 'y.tar.gz'))).toBe(false);
    const noMap = await ovnscope(['fixture', 'unmap', '--mapping', join(work, 'nope.json'), 'x']);
    expect(noMap.code).toBe(2);
    expect(noMap.stderr).toMatch(/no such file/);
    const notMap = await ovnscope(['fixture', 'unmap', '--mapping', join(root, 'fixtures/l3-acl/manifest.json'), 'x']);
    expect(notMap.code).toBe(2);
    expect(notMap.stderr).toMatch(/not ovnscope-redaction-mapping/);
  });

  it('has --help with examples', async () => {
    for (const cmd of [['fixture', 'pack'], ['fixture', 'unmap']]) {
      const r = await ovnscope([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('EXAMPLES');
    }
    expect(readFileSync(join(root, 'man/ovnscope-fixture-pack.1'), 'utf8')).toContain('REDACTION');
  });
});
