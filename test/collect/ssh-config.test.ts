import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyAlgorithmSpec, loadSshConfig, parseJumpSpec, resolveEndpoint, resolveRoute } from '../../src/collect/ssh-config.js';
import { algorithmsFor, SSH_ALGORITHMS } from '../../src/collect/ssh-transport.js';

const home = mkdtempSync(join(tmpdir(), 'ovnscope-sshcfg-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function load(text: string, extra: Record<string, string> = {}) {
  mkdirSync(join(home, '.ssh'), { recursive: true });
  for (const [f, t] of Object.entries(extra)) writeFileSync(join(home, '.ssh', f), t);
  const file = join(home, '.ssh', 'test_config');
  writeFileSync(file, text);
  const r = loadSshConfig({ file, home, localUser: 'me' });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('ssh_config resolution (ssh-config package + OpenSSH semantics)', () => {
  it('first obtained value wins across Host patterns; negation; IdentityFile accumulates', () => {
    const cfg = load(`
Host hv* !hv9
  User ops
  Port 2222
  IdentityFile ~/.ssh/fleet
Host hv1
  HostName 10.0.0.1
  User root
  IdentityFile %d/.ssh/hv1_%r
Host *
  IdentitiesOnly yes
  ServerAliveInterval 15
  ConnectTimeout 7
  StrictHostKeyChecking accept-new
  UserKnownHostsFile ~/.ssh/kh1 ~/.ssh/kh2
`);
    const hv1 = resolveEndpoint(cfg, { host: 'hv1' });
    expect(hv1).toMatchObject({ hostname: '10.0.0.1', user: 'ops', port: 2222, identitiesOnly: true, serverAliveIntervalMs: 15000, connectTimeoutMs: 7000, strictHostKeyChecking: 'accept-new' });
    expect(hv1.identityFiles).toEqual([join(home, '.ssh/fleet'), join(home, '.ssh/hv1_ops')]);
    expect(hv1.userKnownHostsFiles).toEqual([join(home, '.ssh/kh1'), join(home, '.ssh/kh2')]);
    const hv9 = resolveEndpoint(cfg, { host: 'hv9' });
    expect(hv9).toMatchObject({ hostname: 'hv9', user: 'me', port: 22, identityFilesExplicit: false });
    expect(hv9.identityFiles[0]).toBe(join(home, '.ssh/id_rsa'));
    // Command-line style overrides (inventory user/port) beat the file.
    expect(resolveEndpoint(cfg, { host: 'hv1', user: 'admin', port: 22 })).toMatchObject({ user: 'admin', port: 22 });
  });

  it('expands Include (relative to ~/.ssh, with globs) in place', () => {
    const cfg = load('Include conf.d/*.conf\nHost *\n  User fallback\n', {});
    mkdirSync(join(home, '.ssh/conf.d'), { recursive: true });
    writeFileSync(join(home, '.ssh/conf.d/a.conf'), 'Host inc1\n  HostName 192.0.2.1\n  User inc\n');
    const again = load('Include conf.d/*.conf\nHost *\n  User fallback\n');
    expect(resolveEndpoint(again, { host: 'inc1' })).toMatchObject({ hostname: '192.0.2.1', user: 'inc' });
    expect(resolveEndpoint(cfg, { host: 'other' }).user).toBe('fallback');
  });

  it('resolves ProxyJump chains hop by hop, each hop with its own settings', () => {
    const cfg = load(`
Host target
  HostName 10.1.0.5
  ProxyJump jump1,ops@jump2:2200
Host jump1
  HostName 198.51.100.1
  User j1
Host jump2
  HostName 198.51.100.2
  ProxyJump should-be-ignored
Host deep
  ProxyJump jump3
Host jump3
  HostName 198.51.100.3
  ProxyJump jump1
`);
    const r = resolveRoute(cfg, { host: 'target' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.jumps.map((j) => `${j.user}@${j.hostname}:${j.port}`)).toEqual(['j1@198.51.100.1:22', 'ops@198.51.100.2:2200']);
    expect(r.value.target.hostname).toBe('10.1.0.5');
    // A single jump uses that hop's own ProxyJump (nested), like ssh does.
    const deep = resolveRoute(cfg, { host: 'deep' });
    expect(deep.ok && deep.value.jumps.map((j) => j.hostname)).toEqual(['198.51.100.1', '198.51.100.3']);
    // The inventory can turn it off.
    const none = resolveRoute(cfg, { host: 'target', proxyJump: 'none' });
    expect(none.ok && none.value.jumps).toEqual([]);
  });

  it('refuses ProxyCommand and jump loops with a message', () => {
    const cfg = load('Host pc\n  ProxyCommand nc %h %p\nHost loop\n  ProxyJump loop2\nHost loop2\n  ProxyJump loop\n');
    const pc = resolveRoute(cfg, { host: 'pc' });
    expect(!pc.ok && pc.error.message).toMatch(/ProxyCommand.*use ProxyJump/);
    const loop = resolveRoute(cfg, { host: 'loop' });
    expect(!loop.ok && loop.error.message).toMatch(/deeper than/);
  });

  it('parses jump specs', () => {
    expect(parseJumpSpec('ops@b1:2222')).toEqual({ host: 'b1', user: 'ops', port: 2222 });
    expect(parseJumpSpec('ssh://[fd00::1]:22')).toEqual({ host: 'fd00::1', user: undefined, port: 22 });
    expect(parseJumpSpec('a b')).toBeUndefined();
  });

  it('says which -F file it cannot read', () => {
    const r = loadSshConfig({ file: join(home, 'nope') });
    expect(!r.ok && r.error.message).toMatch(/cannot read ssh config/);
  });
});

describe('Ciphers / KexAlgorithms / MACs / HostKeyAlgorithms (ssh_config(5) semantics over ovnscope defaults)', () => {
  const cipher = SSH_ALGORITHMS.cipher;
  const list = (spec: string | undefined) => {
    const r = applyAlgorithmSpec(spec, cipher, 'Ciphers');
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };

  it('defaults to AES-GCM first (cheapest measured on both ends), every default implemented by ssh2', () => {
    expect(cipher.preferred.slice(0, 2)).toEqual(['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']);
    for (const kind of Object.values(SSH_ALGORITHMS)) for (const a of kind.preferred) expect(kind.supported).toContain(a);
    expect(SSH_ALGORITHMS.kex.preferred[0]).toMatch(/^curve25519-sha256/);
    expect(list(undefined).list).toEqual(cipher.preferred);
  });

  it('a plain list replaces the defaults, in the order written; names ssh2 lacks are dropped and reported', () => {
    const r = list('aes256-ctr,sntrup-not-here@openssh.com,aes128-ctr');
    expect(r.list).toEqual(['aes256-ctr', 'aes128-ctr']);
    expect(r.ignored).toEqual(['sntrup-not-here@openssh.com']);
  });

  it('+ appends, ^ puts first, - removes defaults matching patterns', () => {
    const plus = list('+aes128-cbc').list;
    expect(plus.slice(0, -1)).toEqual(cipher.preferred);
    expect(plus.at(-1)).toBe('aes128-cbc');
    const head = list('^aes256-ctr').list;
    expect(head[0]).toBe('aes256-ctr');
    expect(head.filter((a) => a === 'aes256-ctr')).toHaveLength(1); // not listed twice
    expect(new Set(head)).toEqual(new Set(cipher.preferred));
    const minus = list('-aes*-gcm@openssh.com,chacha20-poly1305@openssh.com').list;
    expect(minus).toEqual(cipher.preferred.filter((a) => !/gcm|chacha/.test(a)));
    expect(minus.length).toBeGreaterThan(0);
  });

  it('nothing usable left is an error naming what was asked and what is implemented', () => {
    const r = applyAlgorithmSpec('sntrup761x25519-sha512@openssh.com', SSH_ALGORITHMS.kex, 'KexAlgorithms');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toMatch(/KexAlgorithms sntrup761x25519-sha512@openssh.com.*not implemented.*curve25519-sha256/);
    const none = applyAlgorithmSpec('-*', cipher, 'Ciphers');
    expect(!none.ok && none.error.message).toMatch(/leaves no algorithm/);
  });

  it('reads the four options from ssh_config per host (first obtained value wins) and hands them to the connection', () => {
    const cfg = load(`
Host fast
  Ciphers aes256-ctr,aes128-ctr
  MACs hmac-sha2-512-etm@openssh.com
  KexAlgorithms ecdh-sha2-nistp256
  HostKeyAlgorithms ecdsa-sha2-nistp256,ssh-ed25519
Host *
  Ciphers aes128-gcm@openssh.com
`);
    const fast = resolveEndpoint(cfg, { host: 'fast' });
    expect(fast.algorithms).toEqual({ ciphers: 'aes256-ctr,aes128-ctr', macs: 'hmac-sha2-512-etm@openssh.com', kex: 'ecdh-sha2-nistp256', hostKeys: 'ecdsa-sha2-nistp256,ssh-ed25519' });
    expect(resolveEndpoint(cfg, { host: 'other' }).algorithms).toEqual({ ciphers: 'aes128-gcm@openssh.com', kex: undefined, macs: undefined, hostKeys: undefined });
    const a = algorithmsFor(fast, undefined);
    expect(a.ok && a.value).toMatchObject({ cipher: ['aes256-ctr', 'aes128-ctr'], hmac: ['hmac-sha2-512-etm@openssh.com'], kex: ['ecdh-sha2-nistp256'], serverHostKey: ['ecdsa-sha2-nistp256', 'ssh-ed25519'] });
    // known_hosts narrows host key algorithms to the known types, in the configured order...
    const known = algorithmsFor(fast, ['ssh-ed25519']);
    expect(known.ok && known.value.serverHostKey).toEqual(['ssh-ed25519']);
    // ...and a configuration that excludes every known type is refused, not turned into a "key changed" alarm.
    const excluded = algorithmsFor(fast, ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(!excluded.ok && excluded.error.message).toMatch(/HostKeyAlgorithms.*excludes every key type known_hosts holds.*rsa-sha2-512/);
    // Without HostKeyAlgorithms the known types are offered as known_hosts lists them (as before).
    const plain = algorithmsFor(resolveEndpoint(cfg, { host: 'other' }), ['ecdsa-sha2-nistp256']);
    expect(plain.ok && plain.value).toMatchObject({ serverHostKey: ['ecdsa-sha2-nistp256'], cipher: ['aes128-gcm@openssh.com'], kex: SSH_ALGORITHMS.kex.preferred });
  });
});
