// Which algorithms the SSH transport negotiates, read from the real sshd's own log (LogLevel
// DEBUG1 prints "kex: algorithm: …" and "kex: client->server cipher: … MAC: …"): ovnscope's
// cheap defaults, and ssh_config's Ciphers / MACs / KexAlgorithms when the user sets them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassphraseProvider } from '../../src/collect/ssh-auth.js';
import { loadSshConfig, resolveRoute } from '../../src/collect/ssh-config.js';
import { createSshTransport } from '../../src/collect/ssh-transport.js';
import { makeKey, makeWorkspace, sshAvailable, startSshd, writeSshConfig, type KeyPair, type Sshd } from '../ssh/harness.js';

const live = sshAvailable() ? describe : describe.skip;

live('SSH algorithms against a real sshd (defaults, ssh_config honoured)', () => {
  const ws = makeWorkspace('ovs-algo-');
  let key: KeyPair;
  let open: Sshd; // accepts OpenSSH's defaults
  let gcmOnly: Sshd; // Ciphers aes128-gcm@openssh.com only
  const version = join(ws.dir, 'version.out');

  beforeAll(async () => {
    key = await makeKey(ws.dir, 'id_algo');
    writeFileSync(version, 'ovs-vsctl (Open vSwitch) 3.1.0\n');
    const replay = new Map([['ovs-vsctl --version', version]]);
    open = await startSshd(ws.dir, { name: 'open', address: '127.0.4.1', authorizedKeys: [key.publicText], replay, logLevel: 'DEBUG1' });
    gcmOnly = await startSshd(ws.dir, { name: 'gcm', address: '127.0.4.2', authorizedKeys: [key.publicText], replay, logLevel: 'DEBUG1', sshdConfig: ['Ciphers aes128-gcm@openssh.com'] });
  });
  afterAll(async () => {
    await Promise.all([open?.stop(), gcmOnly?.stop()]);
    ws.remove();
  });

  /** Runs `ovs-vsctl --version` on a server with these ssh_config lines; returns the outcome and what sshd logged meanwhile. */
  async function runWith(server: Sshd, lines: readonly string[]) {
    const kh = join(ws.dir, 'known_hosts');
    writeFileSync(kh, `${open.knownHostsLine}\n${gcmOnly.knownHostsLine}\n`);
    const cfgFile = join(ws.dir, `ssh_config`);
    writeSshConfig(cfgFile, [{ alias: server.name, sshd: server, extra: lines }], ['User root', `IdentityFile ${key.private}`, 'IdentitiesOnly yes', `UserKnownHostsFile ${kh}`, 'GlobalKnownHostsFile /dev/null']);
    const cfg = loadSshConfig({ file: cfgFile, home: ws.dir });
    if (!cfg.ok) throw new Error(cfg.error.message);
    const route = resolveRoute(cfg.value, { host: server.name });
    if (!route.ok) throw new Error(route.error.message);
    const before = server.log().length;
    const commandsBefore = server.commands().length;
    let stdout = '';
    const sink = new Writable({ write: (c: Buffer, _e, cb) => ((stdout += c.toString()), cb()) });
    const t = createSshTransport({ host: server.name, route: route.value, wrapper: [], acceptNew: false, passphrases: new PassphraseProvider(), defaultConnectTimeoutMs: 20_000, defaultKeepaliveMs: 0 });
    const outcome = await t.run({ argv: ['ovs-vsctl', '--version'], timeoutMs: 20_000, stdout: sink });
    await t.close();
    await new Promise((r) => setTimeout(r, 200)); // sshd's log lines arrive through a pipe
    return { outcome, stdout, log: server.log().slice(before), ran: server.commands().slice(commandsBefore) };
  }

  it('defaults: curve25519-sha256 key exchange and AES-128-GCM both ways (the cheapest measured), ed25519 host key', async () => {
    const r = await runWith(open, []);
    expect(r.outcome.status).toBe('ok');
    expect(r.stdout).toBe('ovs-vsctl (Open vSwitch) 3.1.0\n');
    expect(r.log).toMatch(/kex: algorithm: curve25519-sha256/);
    expect(r.log).toMatch(/kex: host key algorithm: ssh-ed25519/);
    expect(r.log).toMatch(/kex: client->server cipher: aes128-gcm@openssh\.com/);
    expect(r.log).toMatch(/kex: server->client cipher: aes128-gcm@openssh\.com/);
  });

  it('ssh_config Ciphers, MACs and KexAlgorithms are what the connection uses', async () => {
    const r = await runWith(open, ['Ciphers aes256-ctr', 'MACs hmac-sha2-512-etm@openssh.com', 'KexAlgorithms ecdh-sha2-nistp256']);
    expect(r.outcome.status).toBe('ok');
    expect(r.log).toMatch(/kex: algorithm: ecdh-sha2-nistp256/);
    expect(r.log).toMatch(/kex: server->client cipher: aes256-ctr MAC: hmac-sha2-512-etm@openssh\.com/);
    // ^list puts a cipher first without dropping the others.
    const head = await runWith(open, ['Ciphers ^aes192-ctr']);
    expect(head.log).toMatch(/kex: server->client cipher: aes192-ctr /);
  });

  it('a -list that removes every cipher the server has: refused with what was offered, nothing runs', async () => {
    const r = await runWith(gcmOnly, ['Ciphers -*-gcm@openssh.com']);
    expect(r.outcome.status).toBe('transport-error');
    expect(r.outcome.error).toMatch(/accepts no .*cipher ovnscope offers \(aes128-ctr, aes192-ctr, aes256-ctr, chacha20-poly1305@openssh\.com\)/);
    expect(r.ran).toEqual([]);
    // The same server with the defaults is fine.
    expect((await runWith(gcmOnly, [])).outcome.status).toBe('ok');
  });

  it('only algorithms ovnscope does not implement: a configuration error before anything is sent', async () => {
    const r = await runWith(open, ['KexAlgorithms sntrup761x25519-sha512@openssh.com']);
    expect(r.outcome.status).toBe('transport-error');
    expect(r.outcome.error).toMatch(/KexAlgorithms sntrup761x25519-sha512@openssh\.com.*not implemented/);
    expect(r.log).not.toMatch(/kex: algorithm/);
    expect(r.ran).toEqual([]);
  });
});
