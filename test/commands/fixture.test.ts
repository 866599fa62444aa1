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

  // Every other command takes its snapshot as --snapshot/-s; pack and unpack do too, and keep the
  // positional of their first form, as snapshot show does: the same result either way, a usage
  // error (exit 2, nothing written) when the two name different ones or when neither is given.
  it('fixture pack takes --snapshot/-s and --out; DIR still works; both must agree', async () => {
    const viaFlag = await ovnscope(['fixture', 'pack', '--snapshot', join(root, 'fixtures/l3-acl'), '--out', join(work, 'flag.tar.gz'), '--json']);
    expect(viaFlag.code, viaFlag.stderr).toBe(0);
    const viaShort = await ovnscope(['fixture', 'pack', '-s', join(root, 'fixtures/l3-acl'), '-o', join(work, 'short.tar.gz'), '--json']);
    const viaArg = await ovnscope(['fixture', 'pack', join(root, 'fixtures/l3-acl'), '-o', join(work, 'arg.tar.gz'), '--json']);
    const same = await ovnscope(['fixture', 'pack', join(root, 'fixtures/l3-acl'), '-s', join(root, 'fixtures/l3-acl'), '-o', join(work, 'same.tar.gz'), '--json']);
    const filesOf = (r: { stdout: string }) => (JSON.parse(r.stdout) as { files: Record<string, string> }).files;
    // The same snapshot packed whichever way it is named: the same files with the same digests.
    for (const r of [viaShort, viaArg, same]) {
      expect(r.code, r.stderr).toBe(0);
      expect(filesOf(r)).toEqual(filesOf(viaFlag));
    }
    const differ = await ovnscope(['fixture', 'pack', join(root, 'fixtures/l3-acl'), '-s', join(root, 'fixtures/lb-nat-3chassis'), '-o', join(work, 'differ.tar.gz')]);
    expect(differ.code).toBe(2);
    expect(differ.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')).toMatch(/fixture pack: --snapshot \S*fixtures\/lb-nat-3chassis and DIR \S*fixtures\/l3-acl name different snapshots/);
    expect(existsSync(join(work, 'differ.tar.gz'))).toBe(false);
    const none = await ovnscope(['fixture', 'pack', '-o', join(work, 'none.tar.gz')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--snapshot/);
    expect(existsSync(join(work, 'none.tar.gz'))).toBe(false);
  });

  it('fixture unpack takes --snapshot/-s (the packed file) and --out; FILE still works; both must agree', async () => {
    const packed = join(work, 'to-unpack.tar.gz');
    expect((await ovnscope(['fixture', 'pack', '-s', join(root, 'fixtures/l3-acl'), '-o', packed])).code).toBe(0);
    const viaFlag = await ovnscope(['fixture', 'unpack', '--snapshot', packed, '--out', join(work, 'u-flag'), '--json']);
    expect(viaFlag.code, viaFlag.stderr).toBe(0);
    const viaShort = await ovnscope(['fixture', 'unpack', '-s', packed, '-o', join(work, 'u-short'), '--json']);
    const viaArg = await ovnscope(['fixture', 'unpack', packed, '-o', join(work, 'u-arg'), '--json']);
    const same = await ovnscope(['fixture', 'unpack', packed, '-s', packed, '-o', join(work, 'u-same'), '--json']);
    for (const [r, dir] of [[viaShort, 'u-short'], [viaArg, 'u-arg'], [same, 'u-same']] as const) {
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ ...JSON.parse(viaFlag.stdout), out: join(work, dir) });
      expect(readFileSync(join(work, dir, 'manifest.json'), 'utf8')).toBe(readFileSync(join(work, 'u-flag', 'manifest.json'), 'utf8'));
    }
    const differ = await ovnscope(['fixture', 'unpack', packed, '-s', join(work, 'flag.tar.gz'), '-o', join(work, 'u-differ')]);
    expect(differ.code).toBe(2);
    expect(differ.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')).toMatch(/fixture unpack: --snapshot \S*flag\.tar\.gz and FILE \S*to-unpack\.tar\.gz name different fixtures/);
    expect(existsSync(join(work, 'u-differ'))).toBe(false);
    const none = await ovnscope(['fixture', 'unpack', '-o', join(work, 'u-none')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--snapshot/);
  });
});
