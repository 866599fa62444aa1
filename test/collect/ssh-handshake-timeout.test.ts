// A host that accepts the TCP connection and never speaks, and keeps its side open after ours
// closes (a stuck sshd, a middlebox): collect must report the ConnectTimeout and exit, not wait
// for the peer to close. Real CLI, a real TCP listener on loopback; no SSH server is involved.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';

describe('collect over SSH, handshake timeout', () => {
  const work = mkdtempSync(join(tmpdir(), 'ovnscope-ssh-mute-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('a half-open silent host: exit 3 with the ConnectTimeout soon after it, the listener still open', async () => {
    const sockets: Socket[] = [];
    const silent = createServer({ allowHalfOpen: true }, (s) => {
      sockets.push(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.21', r));
    const port = (silent.address() as { port: number }).port;
    const cfg = join(work, 'ssh_config');
    writeFileSync(cfg, ['Host mute', '  HostName 127.0.0.21', `  Port ${port}`, '  User root', '  ConnectTimeout 1', `  UserKnownHostsFile ${join(work, 'known_hosts')}`, '  GlobalKnownHostsFile /dev/null', ''].join('\n'));
    try {
      const started = Date.now();
      const r = await runCli(['collect', '--host', 'mute', '-F', cfg, '--out', join(work, 'snap')], { env: { SSH_AUTH_SOCK: undefined }, timeoutMs: 20_000 });
      const took = Date.now() - started;
      expect(r.code, `exit ${r.code} after ${took} ms (143: still running after 20 s, killed)`).toBe(3);
      expect(r.stdout + r.stderr).toMatch(/no SSH handshake within 1 s \(ConnectTimeout\)/);
      // Before the fix the process lived on until the peer closed (here: never, until the listener goes).
      expect(took).toBeLessThan(12_000);
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 60_000);
});
