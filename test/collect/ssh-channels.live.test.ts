// Many channels on one SSH connection (real sshd): sshd's MaxSessions (10) channels at once,
// every output arriving whole and in its own stream, and no per-command listener piling up on
// the connection.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/collect/allowlist.js';
import { PassphraseProvider } from '../../src/collect/ssh-auth.js';
import { loadSshConfig, resolveRoute } from '../../src/collect/ssh-config.js';
import { createSshTransport } from '../../src/collect/ssh-transport.js';
import { makeKey, makeWorkspace, sshAvailable, startSshd, writeSshConfig, type Sshd } from '../ssh/harness.js';

const live = sshAvailable() ? describe : describe.skip;

live('SSH channels: 10 at once on one connection (real sshd)', () => {
  const ws = makeWorkspace('ovs-chan-');
  let server: Sshd;
  let cfgFile: string;
  // Allow-listed commands, each answered with its own content (some large enough to need window adjusts).
  const tables = ['Open_vSwitch', 'Bridge', 'Port', 'Interface'];
  const commands = [['ovs-vsctl', '--version'], ['ovs-vsctl', 'list-br'], ['ovs-appctl', 'dpif/show'], ...tables.map((t) => ['ovs-vsctl', '--format=json', 'list', t])];
  const contents = new Map<string, Buffer>();

  beforeAll(async () => {
    const key = await makeKey(ws.dir, 'id_chan');
    const replay = new Map<string, string>();
    commands.forEach((argv, i) => {
      const line = argv.map(shellQuote).join(' ');
      const body = Buffer.from(`${line}\n`.repeat(1 + ((i * 37_000) % 150_000)));
      const file = join(ws.dir, `out-${i}`);
      writeFileSync(file, body);
      replay.set(line, file);
      contents.set(line, body);
    });
    server = await startSshd(ws.dir, { name: 'chan', address: '127.0.4.10', authorizedKeys: [key.publicText], replay });
    const kh = join(ws.dir, 'known_hosts');
    writeFileSync(kh, server.knownHostsLine + '\n');
    cfgFile = join(ws.dir, 'ssh_config');
    writeSshConfig(cfgFile, [{ alias: 'chan', sshd: server }], ['User root', `IdentityFile ${key.private}`, 'IdentitiesOnly yes', `UserKnownHostsFile ${kh}`, 'GlobalKnownHostsFile /dev/null']);
  });
  afterAll(async () => {
    await server?.stop();
    ws.remove();
  });

  it('30 commands with 10 channels open at a time: each output whole and separate, no listener warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const cfg = loadSshConfig({ file: cfgFile, home: ws.dir });
      const route = cfg.ok ? resolveRoute(cfg.value, { host: 'chan' }) : undefined;
      if (!route?.ok) throw new Error('route');
      const t = createSshTransport({ host: 'chan', route: route.value, wrapper: [], acceptNew: false, passphrases: new PassphraseProvider(), defaultConnectTimeoutMs: 20_000, defaultKeepaliveMs: 0, maxChannels: 10 });
      const runs = Array.from({ length: 30 }, (_, i) => commands[i % commands.length]!);
      const results = await Promise.all(
        runs.map(async (argv) => {
          const chunks: Buffer[] = [];
          const stdout = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) });
          const outcome = await t.run({ argv, timeoutMs: 60_000, stdout });
          return { line: argv.map(shellQuote).join(' '), outcome, out: Buffer.concat(chunks) };
        }),
      );
      await t.close();
      await new Promise((r) => setTimeout(r, 50)); // warnings are emitted on the next tick
      for (const r of results) {
        expect(r.outcome.status, r.outcome.error).toBe('ok');
        expect(createHash('sha256').update(r.out).digest('hex')).toBe(createHash('sha256').update(contents.get(r.line)!).digest('hex'));
      }
      // This replaying sshd has no coreutils `timeout`: the commands in flight when the transport
      // learns that (one per open channel at most) were tried under `timeout` first, then once without.
      const probes = server.commands().filter((l) => l.startsWith('timeout '));
      expect(probes.length).toBeGreaterThanOrEqual(1);
      expect(probes.length).toBeLessThanOrEqual(10);
      expect(server.commands().filter((l) => !l.startsWith('timeout ')).sort()).toEqual(runs.map((argv) => argv.map(shellQuote).join(' ')).sort());
      expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
