// Collection over real OpenSSH servers on loopback, with the live OVN sandbox behind them: each
// sshd's ForceCommand logs the command and runs it with that chassis' OVS_RUNDIR, so the
// snapshot is real. Two more sshd are bastions (ProxyJump with two hops), a real ssh-agent holds
// the key, known_hosts files are real. Every fault of issue 4 has a test here.

import { createHash } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse as shellParse } from 'shell-quote';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAllowed } from '../../src/collect/allowlist.js';
import { cmd, HOST_MODULES, ovsModule, type RecipeModule } from '../../src/collect/recipe.js';
import { PassphraseProvider } from '../../src/collect/ssh-auth.js';
import { loadSshConfig } from '../../src/collect/ssh-config.js';
import type { HostSpec, Inventory } from '../../src/model/inventory.js';
import type { Manifest } from '../../src/model/manifest.js';
import { collect, type CollectOptions } from '../../src/services/collect.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { getTopology } from '../harness/topologies.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';
import type { Sandbox } from '../harness/sandbox.js';
import { makeKey, makeWorkspace, restrictedPath, sshAvailable, startAgent, startSshd, writeSshConfig, writeSudoStandin, type Agent, type KeyPair, type Sshd } from '../ssh/harness.js';
import { writeKubectlStandin } from '../ssh/kubectl-standin.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const live = liveSuiteGuard() && sshAvailable();

/** Every command line an sshd logged must be an allow-listed command behind an allowed wrapper. */
function expectAllAllowed(lines: readonly (string | readonly string[])[], who: string): void {
  for (const line of lines) {
    const words = typeof line === 'string' ? shellParse(line).map(String) : [...line];
    const ok = words.some((_, k) => isAllowed(words.slice(0, k), words.slice(k)).allowed) || isAllowed([], words).allowed;
    expect(ok, `${who} ran a command that is not on the allow-list: ${line}`).toBe(true);
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  return out.sort();
}

/** Every manifest promise holds on disk (sizes, digests, .out only for completed commands). */
async function verifyManifest(dir: string, m: Manifest): Promise<void> {
  const files = await listFiles(dir);
  expect(files.filter((f) => f.endsWith('.part'))).toEqual([]);
  const referenced = new Set<string>(['manifest.json']);
  for (const c of [...m.hosts.flatMap((h) => h.commands), ...(m.central?.commands ?? [])]) {
    if (c.file) {
      referenced.add(c.file);
      expect(statSync(join(dir, c.file)).size, c.file).toBe(c.bytes);
      expect(c.file.endsWith('.out'), c.file).toBe(c.status === 'ok' || c.status === 'failed');
    }
    if (c.errFile) referenced.add(c.errFile);
  }
  expect(files.filter((f) => !referenced.has(f))).toEqual([]);
}

const FLOW_LINE = ' cookie=0x9d6f1a2b, duration=812.331s, table=44, n_packets=0, n_bytes=0, idle_age=812, priority=1000,ct_state=-new+est-rpl+trk,ct_mark=0x2/0x2,ip,reg15=0x3,metadata=0x2 actions=load:0x1->NXM_NX_XXREG0[97],resubmit(,45)\n';

describe.skipIf(!live)('collect over SSH from real sshd on loopback (OVN sandbox behind ForceCommand)', () => {
  const sandboxes = useSandboxes();
  let sb: Sandbox;
  let ws: ReturnType<typeof makeWorkspace>;
  let agent: Agent;
  let agentKey: KeyPair;
  let encKey: KeyPair;
  let strangerKey: KeyPair;
  const sshd: Record<string, Sshd> = {};
  let sshConfigFile: string;
  let knownHosts: string;
  let closedPort: number;

  const ENC_PASS = 'correct horse battery staple';

  beforeAll(async () => {
    sb = (await sandboxes.startTopology(getTopology('lb-nat-3chassis'))).sandbox;
    ws = makeWorkspace('ovs-ssh-');
    agentKey = await makeKey(ws.dir, 'id_agent');
    encKey = await makeKey(ws.dir, 'id_enc', { passphrase: ENC_PASS });
    strangerKey = await makeKey(ws.dir, 'id_stranger');
    agent = await startAgent(ws.dir);
    await agent.add(agentKey.private);
    const authorized = [agentKey.publicText, encKey.publicText];
    const env = (hv: string) => sb.chassis[hv]!.env;
    // hv2.hang: the hang replaces the whole command line (a host whose `timeout` does not work);
    // hv2.hang-bounded: only the dump-flows itself hangs, under whatever ovnscope put before it.
    const hv2Hook = `if [ -e '${ws.dir}/hv2.hang' ]; then case "$c" in *'ovs-ofctl --no-names dump-flows'*) exec sleep 60;; esac; fi
if [ -e '${ws.dir}/hv2.hang-bounded' ]; then case "$c" in *'ovs-ofctl --no-names dump-flows'*) c=$(printf '%s' "$c" | sed 's/ovs-ofctl --no-names dump-flows .*/sleep 617/');; esac; fi
if [ -e '${ws.dir}/hv2.slowdump' ]; then case "$c" in *'ovs-ofctl --no-names dump-flows'*) head -c 65536 /dev/zero | tr '\\0' x; exec sleep 60;; esac; fi`;
    const bigHook = `case "$c" in *'ovs-ofctl --no-names dump-flows'*) yes '${FLOW_LINE.trim()}' | head -c 314572800; exit 0;; esac`;
    const sudoBin = join(ws.dir, 'sudo-bin');
    writeSudoStandin(sudoBin);
    const barePath = restrictedPath(join(ws.dir, 'bare-bin'), ['sh', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl', 'cat', 'head', 'md5sum', 'cut', 'sleep', 'env']);
    const specs = [
      { name: 'bastion1', address: '127.0.0.10' },
      { name: 'bastion2', address: '127.0.0.9' },
      { name: 'hv1', address: '127.0.0.11', env: env('hv1') },
      { name: 'hv2', address: '127.0.0.12', env: env('hv2'), hook: hv2Hook },
      { name: 'hv3', address: '127.0.0.13', env: env('hv3') },
      { name: 'big', address: '127.0.0.14', env: env('hv1'), hook: bigHook },
      { name: 'bare', address: '127.0.0.15', env: env('hv1'), path: barePath },
      { name: 'sudo', address: '127.0.0.16', env: env('hv1'), path: `${sudoBin}:/usr/sbin:/usr/bin:/sbin:/bin` },
      { name: 'rotated', address: '127.0.0.17', env: env('hv1') },
      { name: 'unknown', address: '127.0.0.18', env: env('hv1') },
    ];
    await Promise.all(specs.map(async (s) => (sshd[s.name] = await startSshd(ws.dir, { ...s, authorizedKeys: authorized }))));
    // known_hosts: every server but "unknown"; "rotated" is listed with a key it no longer has.
    const oldKey = await makeKey(ws.dir, 'old_host_key');
    knownHosts = join(ws.dir, 'known_hosts');
    writeFileSync(
      knownHosts,
      Object.values(sshd)
        .filter((s) => s.name !== 'unknown')
        .map((s) => (s.name === 'rotated' ? `[${s.address}]:${s.port} ${oldKey.publicText.split(' ').slice(0, 2).join(' ')}` : s.knownHostsLine))
        .join('\n') + '\n',
    );
    // A port nothing listens on.
    const { freePort } = await import('../ssh/harness.js');
    closedPort = await freePort('127.0.0.19');
    sshConfigFile = join(ws.dir, 'ssh_config');
    writeSshConfig(
      sshConfigFile,
      [
        { alias: 'hv1-enc', sshd: sshd.hv1!, extra: [`IdentityFile ${encKey.private}`, 'IdentityAgent none'] },
        { alias: 'hv1-stranger', sshd: sshd.hv1!, extra: [`IdentityFile ${strangerKey.private}`, 'IdentityAgent none'] },
        // The agent holds this key; IdentitiesOnly lets the agent offer only it.
        ...Object.values(sshd).map((s) => ({ alias: s.name, sshd: s, extra: [`IdentityFile ${agentKey.private}`, ...(s.name === 'hv3' ? ['ProxyJump bastion2,bastion1'] : [])] })),
      ],
      ['User root', 'IdentitiesOnly yes', `UserKnownHostsFile ${knownHosts}`, 'GlobalKnownHostsFile /dev/null', 'ServerAliveInterval 5', 'ConnectTimeout 5'],
    );
  });

  afterAll(async () => {
    await Promise.all(Object.values(sshd).map((s) => s.stop()));
    agent?.stop();
    ws?.remove();
  });

  const sshOptions = (over: Partial<{ acceptNew: boolean; passphrases: PassphraseProvider; agent: boolean; knownHostsFile: string }> = {}) => {
    const cfg = loadSshConfig({ file: sshConfigFile, home: ws.dir });
    if (!cfg.ok) throw new Error(cfg.error.message);
    return {
      config: cfg.value,
      acceptNew: over.acceptNew ?? false,
      passphrases: over.passphrases ?? new PassphraseProvider(),
      agentSocket: over.agent === false ? undefined : agent.socket,
      connectTimeoutMs: 5000,
    };
  };
  const host = (name: string, extra: Partial<HostSpec> = {}): HostSpec => ({ name, transport: 'ssh', wrapper: [], address: name, ...extra });
  const inv = (hosts: HostSpec[], via?: string): Inventory => ({ hosts, ovn: via ? { via, nb: sb.central.nbSock, sb: sb.central.sbSock } : undefined });
  let n = 0;
  const out = () => join(ws.dir, `snap-${++n}`);
  const go = (o: Partial<CollectOptions> & { inventory: Inventory }, ssh = sshOptions()) =>
    collect({ out: out(), parallel: 8, perHostConcurrency: 4, ...o, transportOptions: { ...o.transportOptions, ssh } });

  it('collects a complete, real snapshot through agent keys and a two-hop ProxyJump; every command the servers ran is allow-listed', async () => {
    for (const s of Object.values(sshd)) writeFileSync(join(s.dir, 'commands.log'), '');
    const r = await go({ inventory: inv([host('hv1'), host('hv2'), host('hv3')], 'hv1') });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const m = r.value.manifest;
    expect(m.missing).toEqual([]);
    expect(m.complete).toBe(true);
    expect(m.hosts.every((h) => h.status === 'ok' && h.bridges.includes('br-int'))).toBe(true);
    await verifyManifest(r.value.dir, m);
    // What the servers were asked to run, from their own logs.
    for (const name of ['hv1', 'hv2', 'hv3']) {
      const lines = sshd[name]!.commands();
      const sent = [...m.hosts.find((h) => h.name === name)!.commands, ...(name === 'hv1' ? m.central!.commands : [])];
      // On a mismatch, say which manifest entries the server never saw, and how they ended.
      const unseen = sent.filter((c) => !lines.some((l) => l.endsWith(c.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' '))));
      expect(unseen.map((c) => `${c.id} ${c.status} ${c.error ?? ''}`), name).toEqual([]);
      expect(lines.length, name).toBe(sent.length);
      expectAllAllowed(lines, name);
    }
    // The bastions forwarded the connection but ran nothing.
    expect(sshd.bastion1!.commands()).toEqual([]);
    expect(sshd.bastion2!.commands()).toEqual([]);
    // The snapshot is real: it loads and its flows come from the sandbox.
    const loaded = await loadSnapshot(r.value.dir);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.value.diagnostics).toEqual([]);
    for (const h of loaded.value.hosts) expect(h.bridges.find((b) => b.name === 'br-int')!.flows.length, h.name).toBeGreaterThan(100);
    const local = await sb.ofctl('hv3', '--no-names', 'dump-flows', 'br-int');
    expect(readFileSync(join(r.value.dir, 'hosts/hv3/ovs-ofctl.dump-flows.br-int.out'), 'utf8').trimEnd().split('\n').length).toBe(local.trimEnd().split('\n').length);
  });

  it('uses an encrypted key with the passphrase from a file or the environment, asked once, and says so when it is wrong', async () => {
    const passFile = join(ws.dir, 'pass');
    writeFileSync(passFile, `${ENC_PASS}\n`);
    let asked = 0;
    const counting = new PassphraseProvider({ prompt: async () => (asked++, ENC_PASS) });
    const r1 = await go({ inventory: inv([host('hv1', { address: 'hv1-enc' })]) }, sshOptions({ agent: false, passphrases: new PassphraseProvider({ file: passFile }) }));
    expect(r1.ok && r1.value.manifest.hosts[0]!.status).toBe('ok');
    // Three hosts, one key: the "terminal" is asked once.
    const r2 = await go(
      { inventory: inv([host('a', { address: 'hv1-enc' }), host('b', { address: 'hv1-enc' }), host('c', { address: 'hv1-enc' })]) },
      sshOptions({ agent: false, passphrases: counting }),
    );
    expect(r2.ok && r2.value.manifest.hosts.map((h) => h.status)).toEqual(['ok', 'ok', 'ok']);
    expect(asked).toBe(1);
    const bad = await go({ inventory: inv([host('hv1', { address: 'hv1-enc' })]) }, sshOptions({ agent: false, passphrases: new PassphraseProvider({ env: { name: 'OVNSCOPE_SSH_PASSPHRASE', value: 'wrong' } }) }));
    expect(bad.ok).toBe(true);
    if (!bad.ok) return;
    const h = bad.value.manifest.hosts[0]!;
    expect(h.status).toBe('unreachable');
    expect(h.error).toMatch(/authentication refused/);
    expect(h.error).toMatch(/does not decrypt/);
    expect(h.error).toContain('$OVNSCOPE_SSH_PASSPHRASE');
  });

  it('fault: auth refused — the host is unreachable with what was tried; the others are complete', async () => {
    const r = await go({ inventory: inv([host('hv1'), host('stranger', { address: 'hv1-stranger' })]) });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const m = r.value.manifest;
    const s = m.hosts.find((h) => h.name === 'stranger')!;
    expect(s.status).toBe('unreachable');
    expect(s.error).toMatch(/authentication refused\. Tried .*id_stranger/);
    expect(s.commands.every((c) => c.status === 'transport-error')).toBe(true);
    expect(m.hosts.find((h) => h.name === 'hv1')!.status).toBe('ok');
    expect(m.missing.some((x) => x.startsWith('host stranger: ') && /authentication refused/.test(x))).toBe(true);
    await verifyManifest(r.value.dir, m);
  });

  it('fault: host unreachable (nothing listens) and ConnectTimeout (nothing answers) — recorded, others complete', async () => {
    // A TCP listener that accepts and never speaks: the SSH handshake can only time out.
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.20', r));
    const silentPort = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const r = await go({
        inventory: inv([host('hv1'), host('down', { address: '127.0.0.19', port: closedPort, user: 'root' }), host('mute', { address: '127.0.0.20', port: silentPort, user: 'root' })]),
      });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const m = r.value.manifest;
      expect(m.hosts.find((h) => h.name === 'down')).toMatchObject({ status: 'unreachable', error: expect.stringMatching(/cannot connect: .*ECONNREFUSED/) });
      expect(m.hosts.find((h) => h.name === 'mute')).toMatchObject({ status: 'unreachable', error: expect.stringMatching(/no SSH handshake within 5 s \(ConnectTimeout\)/) });
      expect(m.hosts.find((h) => h.name === 'hv1')!.status).toBe('ok');
      expect(m.complete).toBe(false);
      expect(Date.now() - started).toBeLessThan(20_000);
      await verifyManifest(r.value.dir, m);
    } finally {
      silent.close();
    }
  });

  it('fault: unknown host key is refused with its fingerprint and how to accept it; --accept-new records it', async () => {
    const r = await go({ inventory: inv([host('unknown'), host('hv1')]) });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const u = r.value.manifest.hosts.find((h) => h.name === 'unknown')!;
    const fp = (await run('ssh-keygen', ['-l', '-f', sshd.unknown!.hostKey.public])).stdout.split(' ')[1]!;
    expect(u.status).toBe('unreachable');
    expect(u.error).toContain(fp);
    expect(u.error).toMatch(/--accept-new/);
    expect(sshd.unknown!.commands()).toEqual([]);
    expect(r.value.manifest.hosts.find((h) => h.name === 'hv1')!.status).toBe('ok');

    const before = readFileSync(knownHosts, 'utf8');
    const notices: string[] = [];
    const accepted = await go({ inventory: inv([host('unknown')]), transportOptions: { onNotice: (_h, msg) => notices.push(msg) } }, sshOptions({ acceptNew: true }));
    expect(accepted.ok && accepted.value.manifest.hosts[0]!.status).toBe('ok');
    expect(notices.join('\n')).toContain(fp);
    const after = readFileSync(knownHosts, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(after.length).toBeGreaterThan(before.length);
    // From now on, strict checking accepts it (and OpenSSH's own ssh-keygen finds it).
    const strict = await go({ inventory: inv([host('unknown')]) });
    expect(strict.ok && strict.value.manifest.hosts[0]!.status).toBe('ok');
    const found = await run('ssh-keygen', ['-F', `[${sshd.unknown!.address}]:${sshd.unknown!.port}`, '-f', knownHosts]);
    expect(found.stdout).toContain('ssh-ed25519');
  });

  it('fault: a changed host key is refused loudly, even with --accept-new, and nothing is sent', async () => {
    const before = readFileSync(knownHosts, 'utf8');
    const r = await go({ inventory: inv([host('rotated'), host('hv2')]) }, sshOptions({ acceptNew: true }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const h = r.value.manifest.hosts.find((x) => x.name === 'rotated')!;
    expect(h.status).toBe('unreachable');
    expect(h.error).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    // The file in use, not ~/.ssh/known_hosts (all a bare ssh-keygen -R edits).
    expect(h.error).toContain(`ssh-keygen -R '[${sshd.rotated!.address}]:${sshd.rotated!.port}' -f '${knownHosts}'`);
    expect(h.error).toContain(`${knownHosts}:`);
    expect(sshd.rotated!.commands()).toEqual([]);
    expect(readFileSync(knownHosts, 'utf8')).toBe(before);
    expect(r.value.manifest.hosts.find((x) => x.name === 'hv2')!.status).toBe('ok');
  });

  it('fault: a command that hangs past its timeout is abandoned and recorded as such; the rest of the host and the other hosts complete', async () => {
    writeFileSync(join(ws.dir, 'hv2.hang'), '');
    try {
      const started = Date.now();
      // Generous enough that nothing but the hung command times out on a loaded 2-core machine.
      const r = await go({ inventory: inv([host('hv1'), host('hv2')], 'hv1'), timeoutMs: 8000 });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(Date.now() - started).toBeLessThan(30_000);
      const hv2 = r.value.manifest.hosts.find((h) => h.name === 'hv2')!;
      expect(hv2.status).toBe('partial');
      // The hang bypassed the host's `timeout`: ovnscope cannot know the command stopped, and says so.
      expect(hv2.commands.find((c) => c.id === 'ovs-ofctl.dump-flows.br-int')).toMatchObject({
        status: 'timeout',
        error: expect.stringMatching(/^not finished within 8000 ms; abandoned after 16 s: `timeout` on hv2 did not end it either, it may still be running there$/),
      });
      expect(hv2.commands.filter((c) => c.required && c.id !== 'ovs-ofctl.dump-flows.br-int').every((c) => c.status === 'ok')).toBe(true);
      expect(r.value.manifest.hosts.find((h) => h.name === 'hv1')!.status).toBe('ok');
      expect(r.value.manifest.missing).toEqual([expect.stringMatching(/^host hv2: ovs-ofctl.dump-flows.br-int timeout/)]);
      await verifyManifest(r.value.dir, r.value.manifest);
    } finally {
      rmSync(join(ws.dir, 'hv2.hang'));
    }
  });

  it('fault: a command past its timeout is stopped on the host by `timeout`, and the manifest says so (nothing left running)', async () => {
    writeFileSync(join(ws.dir, 'hv2.hang-bounded'), '');
    writeFileSync(join(sshd.hv2!.dir, 'commands.log'), '');
    const leftover = () => run('pgrep', ['-f', 'sleep 617']).then((r) => r.stdout.trim(), () => '');
    try {
      const r = await go({ inventory: inv([host('hv2')]), timeoutMs: 4000 });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const dump = r.value.manifest.hosts[0]!.commands.find((c) => c.id === 'ovs-ofctl.dump-flows.br-int')!;
      expect(dump).toMatchObject({ status: 'timeout', exitCode: 124, error: 'not finished within 4 s: stopped on hv2 by `timeout` (SIGTERM)' });
      expect(dump.executed).toEqual(['timeout', '-k', '5', '4', 'ovs-ofctl', '--no-names', 'dump-flows', 'br-int']);
      expect(dump.durationMs).toBeLessThan(8000);
      expect(await leftover()).toBe('');
      // What was sent is still only allow-listed commands, `timeout` included.
      expectAllAllowed(sshd.hv2!.commands(), 'hv2');
      expect(sshd.hv2!.commands().every((l) => l.startsWith('timeout -k 5 4 '))).toBe(true);
    } finally {
      rmSync(join(ws.dir, 'hv2.hang-bounded'));
      const pids = await leftover();
      for (const pid of pids.split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
    }
  });

  it('a host without coreutils `timeout` is collected all the same, unbounded', async () => {
    for (const s of Object.values(sshd)) writeFileSync(join(s.dir, 'commands.log'), '');
    const r = await go({ inventory: inv([host('bare')]), modules: [ovsModule] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const bare = r.value.manifest.hosts[0]!;
    expect(bare.status).toBe('ok');
    expect(bare.commands.every((c) => c.status === 'ok' && c.executed[0] !== 'timeout')).toBe(true);
    // Found out once: the first command tried `timeout`, the rest went straight.
    const lines = sshd.bare!.commands();
    expect(lines.filter((l) => l.startsWith('timeout ')).length).toBeGreaterThanOrEqual(1);
    expect(lines.filter((l) => l.startsWith('timeout ')).length).toBeLessThan(bare.commands.length);
    expectAllAllowed(lines, 'bare');
  });

  it('fault: a per-host time budget cuts what is left of a slow host and records it as timeout', async () => {
    writeFileSync(join(ws.dir, 'hv2.hang'), '');
    try {
      const r = await go({ inventory: inv([host('hv1'), host('hv2', { hostTimeoutMs: 4000 })]) });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const hv2 = r.value.manifest.hosts.find((h) => h.name === 'hv2')!;
      expect(hv2.commands.find((c) => c.id === 'ovs-ofctl.dump-flows.br-int')).toMatchObject({ status: 'timeout', error: expect.stringMatching(/time budget/) });
      expect(r.value.manifest.hosts.find((h) => h.name === 'hv1')!.status).toBe('ok');
    } finally {
      rmSync(join(ws.dir, 'hv2.hang'));
    }
  });

  it('fault: the SSH server is killed mid-collection — what arrived is kept as .out.partial, the manifest says why, the other hosts are complete', async () => {
    writeFileSync(join(ws.dir, 'hv2.slowdump'), '');
    const victim = await startSshd(ws.dir, { name: 'victim', address: '127.0.0.21', authorizedKeys: [agentKey.publicText], env: sb.chassis['hv2']!.env, hook: `case "$c" in *'ovs-ofctl --no-names dump-flows'*) head -c 65536 /dev/zero | tr '\\0' x; exec sleep 60;; esac` });
    writeFileSync(knownHosts, readFileSync(knownHosts, 'utf8') + victim.knownHostsLine + '\n');
    try {
      const killer = setInterval(() => {
        if (victim.commands().some((l) => l.includes('ovs-ofctl --no-names dump-flows'))) {
          clearInterval(killer);
          setTimeout(() => victim.kill(), 300); // let the first 64 KiB arrive
        }
      }, 20);
      const r = await go({ inventory: inv([host('hv1'), host('victim', { address: '127.0.0.21', port: victim.port, user: 'root', identityFiles: [agentKey.private] })]), perHostConcurrency: 1 });
      clearInterval(killer);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const v = r.value.manifest.hosts.find((h) => h.name === 'victim')!;
      const dump = v.commands.find((c) => c.id === 'ovs-ofctl.dump-flows.br-int')!;
      expect(dump, JSON.stringify(v.commands.map((c) => [c.id, c.status, c.error]))).toBeDefined();
      expect(dump.status).toBe('transport-error');
      expect(dump.file).toBe('hosts/victim/ovs-ofctl.dump-flows.br-int.out.partial');
      expect(dump.bytes).toBe(65536);
      expect(dump.error).toMatch(/connection|closed|lost/);
      expect(v.commands.filter((c) => c.status === 'ok').length).toBeGreaterThan(3); // phase 1 was in before the kill
      expect(v.status).toBe('partial');
      expect(r.value.manifest.hosts.find((h) => h.name === 'hv1')!.status).toBe('ok');
      expect(r.value.manifest.missing.some((x) => x.startsWith('host victim: ovs-ofctl.dump-flows.br-int transport-error'))).toBe(true);
      await verifyManifest(r.value.dir, r.value.manifest);
      expect((await loadSnapshot(r.value.dir)).ok).toBe(true);
    } finally {
      rmSync(join(ws.dir, 'hv2.slowdump'));
      await victim.stop();
    }
  });

  it('fault: a 300 MB dump-flows streams to disk without sitting in memory (RSS grows far less than the output)', async () => {
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
    try {
      const r = await go({ inventory: inv([host('big')]) });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const dump = r.value.manifest.hosts[0]!.commands.find((c) => c.id === 'ovs-ofctl.dump-flows.br-int')!;
      expect(dump.status).toBe('ok');
      expect(dump.bytes).toBe(314572800);
      const digest = createHash('sha256');
      for await (const chunk of (await import('node:fs')).createReadStream(join(r.value.dir, dump.file!))) digest.update(chunk as Buffer);
      expect(digest.digest('hex')).toBe(dump.sha256);
      const growthMb = (peak - rssBefore) / 2 ** 20;
      expect(growthMb, `RSS grew by ${growthMb.toFixed(0)} MB while 300 MB streamed`).toBeLessThan(120);
      rmSync(join(r.value.dir, dump.file!)); // 300 MB less on /tmp
    } finally {
      clearInterval(sampler);
    }
  });

  it('fault: a missing binary (no FRR, no OVN on the via host) is "unavailable", not an error for the rest', async () => {
    const frr: RecipeModule = { name: 'frr-test', phase1: () => [cmd('vtysh.bgp-summary', ['vtysh', '-c', 'show bgp summary json'], false)] };
    // OVS plus an optional FRR command: the PATH of "bare" has the OVS tools and nothing else.
    const r = await go({ inventory: inv([host('hv1'), host('bare')], 'bare'), modules: [ovsModule, frr] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const m = r.value.manifest;
    const bare = m.hosts.find((h) => h.name === 'bare')!;
    expect(bare.commands.find((c) => c.id === 'vtysh.bgp-summary')).toMatchObject({ status: 'unavailable', error: 'vtysh is not installed on bare' });
    expect(bare.status).toBe('ok'); // OVS is there; FRR is optional
    expect(m.central!.commands.every((c) => c.status === 'unavailable' && /ovn-(sb|nb)ctl is not installed on bare/.test(c.error!))).toBe(true);
    expect(m.missing.every((x) => x.startsWith('central via bare:') && /unavailable/.test(x))).toBe(true);
    // hv1 has FRR installed: the same optional command ran there (and failed or not: no bgpd runs).
    expect(m.hosts.find((h) => h.name === 'hv1')!.status).toBe('ok');
    await verifyManifest(r.value.dir, m);
  });

  it('fault: sudo -n that wants a password is reported, never typed (stand-in sudo without NOPASSWD)', async () => {
    const r = await go({ inventory: inv([host('sudo', { wrapper: ['sudo', '-n'] })]) });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const h = r.value.manifest.hosts[0]!;
    expect(h.status).toBe('unreachable');
    expect(h.commands.every((c) => c.status === 'failed' && /wants a password; ovnscope never types one/.test(c.error!))).toBe(true);
    expect(sshd.sudo!.commands().every((l) => l.replace(/^timeout -k 5 \d+ /, '').startsWith('sudo -n '))).toBe(true);
    expectAllAllowed(sshd.sudo!.commands(), 'sudo');
    expect(readFileSync(join(ws.dir, 'sudo-bin', 'stdin.log'), 'utf8')).toBe('');
  });

  it('refuses to send a command that is not on the allow-list (the transport gate), and a wrapper that is not read-only', async () => {
    const evil: RecipeModule = { name: 'evil', phase1: () => [cmd('evil', ['ovs-ofctl', 'del-flows', 'br-int'], false)] };
    const before = sshd.hv1!.commands().length;
    const r = await go({ inventory: inv([host('hv1'), host('hv2', { wrapper: ['bash', '-c'] })]), modules: [...HOST_MODULES, evil] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const hv1 = r.value.manifest.hosts.find((h) => h.name === 'hv1')!;
    expect(hv1.commands.find((c) => c.id === 'evil')).toMatchObject({ status: 'refused', executed: [] });
    expect(sshd.hv1!.commands().slice(before).some((l) => l.includes('del-flows'))).toBe(false);
    expect(r.value.manifest.hosts.find((h) => h.name === 'hv2')!.commands.every((c) => c.status === 'refused')).toBe(true);
  });

  it('path scope: --from/--to reads the SB first and collects only the chassis on the path', async () => {
    const all = [host('hv1'), host('hv2'), host('hv3')];
    const count = () => Object.fromEntries(['hv1', 'hv2', 'hv3'].map((h) => [h, sshd[h]!.commands().length]));
    const cross = await go({ inventory: inv(all, 'hv1'), scope: { from: 'a1', to: '10.2.2.11' } });
    expect(cross.ok).toBe(true);
    if (!cross.ok) return;
    expect(cross.value.manifest.hosts.map((h) => h.name).sort()).toEqual(['hv1', 'hv2', 'hv3']);
    const roles = Object.fromEntries(cross.value.scope!.chassis.map((c) => [c.host, c.roles]));
    expect(roles).toEqual({ hv1: ['source'], hv2: ['destination'], hv3: ['gateway'] });

    const before = count();
    const same = await go({ inventory: inv(all, 'hv1'), scope: { from: 'a1', to: 'a2' } });
    expect(same.ok).toBe(true);
    if (!same.ok) return;
    expect(same.value.manifest.hosts.map((h) => h.name)).toEqual(['hv1']);
    expect(same.value.manifest.complete).toBe(true);
    const after = count();
    expect(after.hv2).toBe(before.hv2);
    expect(after.hv3).toBe(before.hv3);
    expect(same.value.manifest.options['scope']).toMatchObject({ from: 'a1', to: 'a2', hostsCollected: 1, hostsInInventory: 3 });

    const out = await go({ inventory: inv(all, 'hv1'), scope: { from: 'a1', to: '172.16.0.1' } });
    expect(out.ok && out.value.manifest.hosts.map((h) => h.name).sort()).toEqual(['hv1', 'hv3']);

    const bad = await go({ inventory: inv(all, 'hv1'), scope: { from: 'nope', to: 'a2' } });
    expect(!bad.ok && bad.error.message).toMatch(/--from nope: no logical port/);
  });

  it('kubectl transport (stand-in kubectl on PATH forwarding exec to the sandbox): OVN-Kubernetes and Kube-OVN layouts', async () => {
    for (const [layout, ns, sel, container] of [
      ['ovn-kubernetes', 'ovn-kubernetes', 'app=ovnkube-node', 'ovn-controller'],
      ['kube-ovn', 'kube-system', 'app=ovs', 'openvswitch'],
    ] as const) {
      const dir = join(ws.dir, `kube-${layout}`);
      const kubectl = writeKubectlStandin(dir, { namespace: ns, selector: sel, container }, [
        { node: 'worker-1', pod: `${layout}-node-x7k2p`, env: sb.chassis['hv1']!.env },
        { node: 'worker-2', pod: `${layout}-node-q9z3m`, env: sb.chassis['hv2']!.env },
      ]);
      const k = (name: string): HostSpec => ({ name, transport: 'kubectl', wrapper: [], kubectl: { node: name, namespace: ns, selector: sel, container, layout } });
      const r = await collect({ out: out(), parallel: 4, perHostConcurrency: 4, inventory: { hosts: [k('worker-1'), k('worker-2'), k('worker-9')] }, transportOptions: { kubectl } });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const by = Object.fromEntries(r.value.manifest.hosts.map((h) => [h.name, h]));
      expect(by['worker-1']!.status, layout).toBe('ok');
      expect(by['worker-2']!.status, layout).toBe('ok');
      expect(by['worker-9']).toMatchObject({ status: 'unreachable', error: expect.stringMatching(new RegExp(`no running pod matches -n ${ns} -l ${sel} on node worker-9`)) });
      const execd = readFileSync(join(dir, 'kubectl.log'), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\x1f').slice(0, -1));
      expect(execd.length).toBeGreaterThan(10);
      expectAllAllowed(execd, `kubectl ${layout}`);
      const loaded = await loadSnapshot(r.value.dir);
      expect(loaded.ok && loaded.value.hosts.find((h) => h.name === 'worker-2')!.bridges.find((b) => b.name === 'br-int')!.flows.length).toBeGreaterThan(100);
    }
  });
});

describe.skipIf(!live)('ovnscope collect CLI over SSH (built CLI, real sshd)', () => {
  const sandboxes = useSandboxes();
  let sb: Sandbox;
  let ws: ReturnType<typeof makeWorkspace>;
  const sshd: Record<string, Sshd> = {};
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/commands/collect.js'))) throw new Error('run "npm run build" before the CLI tests');
    sb = (await sandboxes.startTopology(getTopology('lb-nat-3chassis'))).sandbox;
    ws = makeWorkspace('ovs-sshcli-');
    // HOME is the workspace: ~/.ssh/config, ~/.ssh/id_ed25519 and ~/.ssh/known_hosts are ssh's defaults there.
    const sshDir = join(ws.dir, '.ssh');
    await run('mkdir', ['-p', sshDir]);
    const pub = (await makeKey(sshDir, 'id_ed25519')).publicText;
    for (const [name, address] of [['hv1', '127.0.0.31'], ['hv2', '127.0.0.32']] as const)
      sshd[name] = await startSshd(ws.dir, {
        name,
        address,
        authorizedKeys: [pub],
        env: sb.chassis[name]!.env,
        hook: `if [ -e '${ws.dir}/slow' ] || [ -e '${ws.dir}/slow.${name}' ]; then case "$c" in *'ovs-ofctl --no-names dump-flows'*) exec sleep 60;; esac; fi`,
      });
    writeFileSync(join(sshDir, 'config'), `Host hv1\n  HostName 127.0.0.31\n  Port ${sshd.hv1!.port}\nHost hv2\n  HostName 127.0.0.32\n  Port ${sshd.hv2!.port}\nHost *\n  User root\n  GlobalKnownHostsFile /dev/null\n`);
    env = { ...process.env, HOME: ws.dir, SSH_AUTH_SOCK: '', OVNSCOPE_SSH_PASSPHRASE: '' };
    delete env.SSH_AUTH_SOCK;
  });
  afterAll(async () => {
    await Promise.all(Object.values(sshd).map((s) => s.stop()));
    ws?.remove();
  });

  const cli = (args: string[]) =>
    run(process.execPath, [join(root, 'bin/run.js'), 'collect', ...args], { env, cwd: ws.dir }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('ad-hoc --host with ~/.ssh/config; unknown keys refused (exit 3) until --accept-new; quiet and ANSI-free when piped', async () => {
    const first = await cli(['--host', 'root@hv1', '--host', 'hv2', '--ovn-via', 'hv1', '--nb', sb.central.nbSock, '--sb', sb.central.sbSock, '--out', join(ws.dir, 's1')]);
    expect(first.code).toBe(3);
    expect(first.stdout).toMatch(/host key not known/);
    expect(first.stdout).toMatch(/--accept-new/);
    expect(first.stderr).not.toMatch(/\x1b\[/);
    const second = await cli(['--host', 'root@hv1', '--host', 'hv2', '--ovn-via', 'hv1', '--nb', sb.central.nbSock, '--sb', sb.central.sbSock, '--accept-new', '--out', join(ws.dir, 's2'), '--json']);
    expect(second.code, second.stderr).toBe(0);
    const json = JSON.parse(second.stdout) as { complete: boolean; dir: string };
    expect(json.complete).toBe(true);
    expect(second.stderr).toBe('');
    expect(readFileSync(join(ws.dir, '.ssh/known_hosts'), 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('path scope from the CLI prints what it chose', async () => {
    const inv = join(ws.dir, 'inv.yaml');
    writeFileSync(inv, `hosts:\n  hv1: {}\n  hv2: {}\novn:\n  via: hv1\n  nb: ${sb.central.nbSock}\n  sb: ${sb.central.sbSock}\n`);
    const r = await cli(['-i', inv, '--from', 'a1', '--to', 'a2', '--out', join(ws.dir, 's3')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/path a1 → a2: collected 1 of 2 inventory hosts \(hv1 source\+destination\)/);
  });

  // Ctrl-C, SIGTERM (`timeout 600 ovnscope collect`), SIGHUP (the bastion session dropped) and an
  // impatient second Ctrl-C all end the same way: a valid snapshot under the --out name, marked
  // interrupted, with every host that finished kept whole; never only a hidden .partial directory.
  it.each([[['SIGINT']], [['SIGTERM']], [['SIGHUP']], [['SIGINT', 'SIGINT']], [['SIGTERM', 'SIGINT', 'SIGHUP']]] as NodeJS.Signals[][][])(
    '%j mid-collection: the snapshot is written, marked interrupted and incomplete (exit 3), finished hosts kept, and it loads',
    async (signals) => {
      const inv = join(ws.dir, 'inv2.yaml');
      writeFileSync(inv, `hosts:\n  hv1: {}\n  hv2: {}\novn:\n  via: hv1\n  nb: ${sb.central.nbSock}\n  sb: ${sb.central.sbSock}\n`);
      writeFileSync(join(ws.dir, 'slow.hv2'), ''); // hv2's dump-flows hangs; hv1 finishes
      for (const s of Object.values(sshd)) writeFileSync(join(s.dir, 'commands.log'), '');
      try {
        const name = `sig-${signals.join('-')}`;
        const outDir = join(ws.dir, name);
        const started = Date.now();
        const child = spawn(process.execPath, [join(root, 'bin/run.js'), 'collect', '-i', inv, '--accept-new', '--out', outDir], { env, cwd: ws.dir, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        let signalledAt = 0;
        const end = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
          let seenAt = 0;
          const poll = setInterval(() => {
            const hv2Hangs = sshd.hv2!.commands().some((l) => l.includes('ovs-ofctl --no-names dump-flows'));
            const hv1Dumped = sshd.hv1!.commands().some((l) => l.includes('ovs-ofctl --no-names dump-flows'));
            if (!seenAt && hv2Hangs && hv1Dumped) seenAt = Date.now();
            // A moment for hv1 to finish its last commands: it is the host that must come out whole.
            if (seenAt && Date.now() - seenAt > 1500 && !signalledAt) {
              clearInterval(poll);
              signalledAt = Date.now();
              // 200 ms apart, as an impatient second Ctrl-C comes (the review's case). KNOWN: a second signal
              // within ~30 ms of the first still kills the process (an unexplained race, see the stop-18 note).
              signals.forEach((sig, i) => setTimeout(() => child.kill(sig), i * 200));
            }
          }, 50);
          child.on('exit', (code, signal) => {
            clearInterval(poll);
            resolveExit({ code, signal });
          });
        });
        expect(signalledAt, `never reached the hung dump-flows; stderr: ${stderr}`).toBeGreaterThan(started);
        expect(end, stderr).toEqual({ code: 3, signal: null });
        // Quick: the abandoned channels are not waited for (sshd does not confirm a close while the command runs).
        expect(Date.now() - signalledAt).toBeLessThan(4000);
        expect(stdout).toMatch(/snapshot INCOMPLETE \(interrupted\)/);
        expect(stdout).toContain(outDir); // the user is told where it is
        // Renamed into place: no hidden work directory left beside it.
        expect((await readdir(ws.dir)).filter((f) => f.startsWith(`.${name}.partial`))).toEqual([]);
        const m = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8')) as Manifest;
        expect(m.interrupted).toBe(true);
        expect(m.complete).toBe(false);
        expect(m.missing[0]).toBe(`collection interrupted (${signals[0] === 'SIGINT' ? 'Ctrl-C' : signals[0]}): the commands still running then were abandoned`);
        const hv1 = m.hosts.find((h) => h.name === 'hv1')!;
        const hv2 = m.hosts.find((h) => h.name === 'hv2')!;
        expect(hv1.status).toBe('ok');
        expect(hv1.commands.find((c) => c.id === 'ovs-ofctl.dump-flows.br-int')).toMatchObject({ status: 'ok', file: 'hosts/hv1/ovs-ofctl.dump-flows.br-int.out' });
        expect(hv2.commands.find((c) => c.id === 'ovs-ofctl.dump-flows.br-int')).toMatchObject({ status: 'interrupted' });
        await verifyManifest(outDir, m); // sizes match, .out only for completed commands, no stray file
        expect((await loadSnapshot(outDir)).ok).toBe(true);
      } finally {
        rmSync(join(ws.dir, 'slow.hv2'));
      }
    },
  );
});
