// fixture unmap given the wrong thing: a mapping file that is not one (empty, garbage, binary, a
// directory, another format version), or nothing to read on a terminal.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textSource } from '../../src/commands/fixture/unmap.js';
import { MAPPING_FORMAT, MAPPING_FORMAT_VERSION } from '../../src/snapshot/redact.js';
import { runCli } from '../harness/cli.js';

// oclif wraps the message at the terminal width with " ›   " margins.
const flat = (s: string) => s.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ');

describe('fixture unmap: where the text comes from', () => {
  it('no TEXT on a terminal is a usage error, not a silent wait; piped, it reads standard input', () => {
    const onTerminal = textSource(undefined, true);
    expect('error' in onTerminal && onTerminal.error).toMatch(/^no TEXT to translate, and standard input is a terminal: give the text as an argument, pipe it in .*or give "-"/);
    expect(textSource(undefined, false)).toEqual({ from: 'stdin' });
  });

  it('"-" reads standard input even on a terminal (asked for explicitly, as cat - does); TEXT is taken as given', () => {
    expect(textSource('-', true)).toEqual({ from: 'stdin' });
    expect(textSource('-', false)).toEqual({ from: 'stdin' });
    expect(textSource('dropped on host-2', true)).toEqual({ from: 'argument', text: 'dropped on host-2' });
    expect(textSource('', true)).toEqual({ from: 'argument', text: '' });
  });
});

describe('fixture unmap: a mapping file that is not one is a usage error that says what it is', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ovnscope-unmap-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const mapping = (name: string, content: string | Buffer) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  const valid = { format: MAPPING_FORMAT, formatVersion: MAPPING_FORMAT_VERSION, entries: { hostname: [{ original: 'hv2', mapped: 'host-2' }] } };
  const unmap = (file: string) => runCli(['fixture', 'unmap', '--mapping', file, 'dropped on host-2']);

  it('a valid one translates (the baseline the broken ones below are edits of)', async () => {
    const r = await unmap(mapping('valid.json', JSON.stringify(valid)));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('dropped on hv2\n');
  });

  const broken: [string, string | Buffer, RegExp][] = [
    ['empty.json', '', /empty\.json: empty, not a mapping file; give the \.mapping\.json written by `ovnscope fixture pack --redact`/],
    ['garbage.json', 'host-2 = hv2\n', /garbage\.json: not JSON, so not a mapping file \(.*\); give the \.mapping\.json written by/],
    ['older.json', JSON.stringify({ ...valid, formatVersion: MAPPING_FORMAT_VERSION - 1 }), new RegExp(`older\\.json: mapping format version ${MAPPING_FORMAT_VERSION - 1} was never written by ovnscope \\(this one reads version ${MAPPING_FORMAT_VERSION}\\)`)],
    ['newer.json', JSON.stringify({ ...valid, formatVersion: MAPPING_FORMAT_VERSION + 1 }), new RegExp(`newer\\.json: mapping format version ${MAPPING_FORMAT_VERSION + 1} is newer than this ovnscope understands \\(${MAPPING_FORMAT_VERSION}\\); upgrade ovnscope`)],
    ['string-version.json', JSON.stringify({ ...valid, formatVersion: String(MAPPING_FORMAT_VERSION) }), /string-version\.json: formatVersion is "1", not a version number/],
    ['other-format.json', JSON.stringify({ ...valid, format: 'ovnscope-snapshot' }), /other-format\.json: format is "ovnscope-snapshot", not ovnscope-redaction-mapping/],
  ];
  for (const [name, content, message] of broken)
    it(`${name}: exit 2, nothing translated`, async () => {
      const r = await unmap(mapping(name, content));
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(flat(r.stderr)).toMatch(message);
    });

  it('binary garbage: the message does not put its bytes on the terminal', async () => {
    // 0xff never occurs in UTF-8: the decoded text has U+FFFD, and JSON.parse quotes it.
    const r = await unmap(mapping('binary.json', Buffer.concat([Buffer.from([0xff, 0x00, 0x1b]), randomBytes(64)])));
    expect(r.code).toBe(2);
    expect(flat(r.stderr)).toMatch(/binary\.json: not JSON, so not a mapping file/);
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/);
  });

  it('a directory: cannot read it, says so', async () => {
    const d = join(dir, 'a-directory.json');
    mkdirSync(d);
    const r = await unmap(d);
    expect(r.code).toBe(2);
    expect(flat(r.stderr)).toMatch(/a-directory\.json: cannot read the mapping file \(EISDIR/);
  });
});
