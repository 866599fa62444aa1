import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { appendKnownHost, fingerprint, hostKeyAlgorithmsFor, keyTypeOf, parseKnownHosts, patternsMatch, verifyHostKey } from '../../src/collect/known-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'ovnscope-kh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function blob(type: string, payload: string): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(payload)]);
}
const KEY_A = blob('ssh-ed25519', 'A'.repeat(32));
const KEY_B = blob('ssh-ed25519', 'B'.repeat(32));
const KEY_R = blob('ssh-rsa', 'R'.repeat(64));
const hashed = (name: string, salt = Buffer.from('0123456789abcdefghij')) => `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;

describe('known_hosts', () => {
  it('matches plain, wildcard, negated, [host]:port and hashed names', () => {
    expect(patternsMatch('hv1,hv2', 'hv2')).toBe(true);
    expect(patternsMatch('hv*,!hv9', 'hv9')).toBe(false);
    expect(patternsMatch('hv?', 'hv7')).toBe(true);
    expect(patternsMatch('[127.0.0.11]:2222', '[127.0.0.11]:2222')).toBe(true);
    expect(patternsMatch('127.0.0.11', '[127.0.0.11]:2222')).toBe(false);
    expect(patternsMatch(hashed('[10.0.0.1]:2200'), '[10.0.0.1]:2200')).toBe(true);
    expect(patternsMatch(hashed('10.0.0.1'), '10.0.0.2')).toBe(false);
  });

  it('tells match, unknown, changed and revoked apart', () => {
    const text = [
      `${hashed('hv1')} ssh-ed25519 ${KEY_A.toString('base64')}`,
      `[hv2]:2222 ssh-ed25519 ${KEY_A.toString('base64')}`,
      `@revoked * ssh-rsa ${KEY_R.toString('base64')}`,
      `@cert-authority *.example ssh-ed25519 ${KEY_B.toString('base64')}`,
      '# comment',
      'garbage line',
    ].join('\n');
    const entries = parseKnownHosts(text, 'kh');
    expect(entries).toHaveLength(4);
    expect(verifyHostKey(entries, 'hv1', 22, KEY_A).kind).toBe('match');
    expect(verifyHostKey(entries, 'hv1', 22, KEY_B)).toMatchObject({ kind: 'changed', entries: [{ file: 'kh', line: 1 }] });
    expect(verifyHostKey(entries, 'hv2', 22, KEY_A).kind).toBe('unknown');
    expect(verifyHostKey(entries, 'hv2', 2222, KEY_A).kind).toBe('match');
    expect(verifyHostKey(entries, 'x.example', 22, KEY_B).kind).toBe('unknown'); // CA lines are never trusted
    expect(verifyHostKey(entries, 'hv3', 22, KEY_R).kind).toBe('revoked');
    expect(hostKeyAlgorithmsFor(entries, 'hv1', 22)).toEqual(['ssh-ed25519']);
    expect(hostKeyAlgorithmsFor(entries, 'hv3', 22)).toBeUndefined();
  });

  it('appends accepted keys (hashed when HashKnownHosts) that verify afterwards', () => {
    const f = join(dir, 'sub', 'known_hosts');
    appendKnownHost(f, '127.0.0.5', 2200, KEY_A, true);
    appendKnownHost(f, 'hv5', 22, KEY_B, false);
    const text = readFileSync(f, 'utf8');
    expect(text).toMatch(/^\|1\|/);
    expect(text).toContain(`hv5 ssh-ed25519 ${KEY_B.toString('base64')}`);
    const entries = parseKnownHosts(text, f);
    expect(verifyHostKey(entries, '127.0.0.5', 2200, KEY_A).kind).toBe('match');
    expect(verifyHostKey(entries, 'hv5', 22, KEY_B).kind).toBe('match');
  });

  it('prints fingerprints like ssh-keygen -l', () => {
    expect(fingerprint(KEY_A)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(keyTypeOf(KEY_R)).toBe('ssh-rsa');
  });

  it('never throws on garbage (fuzz)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (t) => Array.isArray(parseKnownHosts(t, 'x'))), { numRuns: 300 });
  });
});
