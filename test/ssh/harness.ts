// Real OpenSSH servers on loopback for the SSH transport's live tests and the benchmark: key pairs
// made with ssh-keygen, a real ssh-agent, one `sshd -D -e` per "host" on its own 127.0.0.x address
// with its own host key, and a ForceCommand script that logs every command the server is asked to
// run ($SSH_ORIGINAL_COMMAND, one line each) before running it with that host's environment
// (OVS_RUNDIR of a sandbox chassis, a PATH without some binaries, or canned outputs).
// The script is sourced by the login shell sshd starts for every command (`ForceCommand . FILE`),
// not executed: a real host runs `shell -c 'COMMAND'` and then the program, and so does this one
// (shell, then the replayed program) — without a second shell process per command that a real
// host does not have (that process was a sixth of the servers' CPU in the 50-host benchmark).
// See /work/shared/SANDBOX.md "sshd on loopback". Only loopback addresses are used.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export const SSHD = '/usr/sbin/sshd';

export function sshAvailable(): boolean {
  return existsSync(SSHD) && existsSync('/usr/bin/ssh-keygen') && existsSync('/usr/bin/ssh-agent') && existsSync('/usr/bin/ssh-add');
}

export interface KeyPair {
  readonly private: string;
  readonly public: string;
  readonly publicText: string;
}

/** `ssh-keygen -t TYPE` into dir/name (+ .pub), optionally encrypted. */
export async function makeKey(dir: string, name: string, opts: { type?: 'ed25519' | 'ecdsa' | 'rsa'; passphrase?: string } = {}): Promise<KeyPair> {
  const file = join(dir, name);
  await execa('ssh-keygen', ['-q', '-t', opts.type ?? 'ed25519', ...(opts.type === 'rsa' ? ['-b', '2048'] : []), '-N', opts.passphrase ?? '', '-C', name, '-f', file]);
  return { private: file, public: `${file}.pub`, publicText: readFileSync(`${file}.pub`, 'utf8').trim() };
}

/** A free TCP port on a loopback address (bound then released; sshd takes it right after). */
export function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function waitForBanner(address: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = connect({ host: address, port });
      let got = '';
      s.setTimeout(1000);
      const retry = (why: string) => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`sshd on ${address}:${port} did not answer: ${why}`));
        else setTimeout(attempt, 30);
      };
      s.on('data', (d) => {
        got += d.toString();
        if (got.startsWith('SSH-2.0')) {
          s.destroy();
          resolve();
        }
      });
      s.on('error', (e) => retry(e.message));
      s.on('timeout', () => retry('timeout'));
    };
    attempt();
  });
}

export interface SshdOptions {
  /** Short name: directory and log. */
  readonly name: string;
  /** 127.0.0.x */
  readonly address: string;
  readonly authorizedKeys: readonly string[];
  /** Environment for every command this host runs (OVS_RUNDIR=... of a sandbox chassis). */
  readonly env?: Record<string, string>;
  /** PATH for the commands (default: the usual system PATH). */
  readonly path?: string;
  /** Canned outputs: a directory holding `<md5 of the command line>.out` files (see replayKey). */
  readonly replayDir?: string;
  /** Canned outputs by exact command line (cheaper than replayDir: no md5sum per command). */
  readonly replay?: ReadonlyMap<string, string>;
  /** Shell snippet run before the command (e.g. a delay for one command); sees $SSH_ORIGINAL_COMMAND as $c. */
  readonly hook?: string;
  /** Host key type (default ed25519). */
  readonly hostKeyType?: 'ed25519' | 'ecdsa' | 'rsa';
  /** More sshd_config lines (e.g. `Ciphers aes256-ctr`), and LogLevel (default ERROR; DEBUG1 logs the negotiated algorithms). */
  readonly sshdConfig?: readonly string[];
  readonly logLevel?: 'ERROR' | 'INFO' | 'VERBOSE' | 'DEBUG1';
}

export interface Sshd {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly dir: string;
  readonly hostKey: KeyPair;
  /** `[127.0.0.x]:port ssh-ed25519 AAAA...` for a known_hosts file. */
  readonly knownHostsLine: string;
  /** Every command line the server was asked to run, in order. */
  commands(): string[];
  /** What sshd logged on stderr so far (at its LogLevel). */
  log(): string;
  /** sshd's pid: CPU of the server and every session it reaped is in /proc/PID/stat. */
  readonly pid: number;
  /** SIGKILL to sshd and everything it started (its process group): the server dies mid-collection. */
  kill(): void;
  stop(): Promise<void>;
}

/** Key under which a replayed output is stored for a command line. */
export function replayKey(commandLine: string): string {
  return createHash('md5').update(commandLine).digest('hex');
}

function forceCommandScript(o: SshdOptions, dir: string): string {
  const env = Object.entries(o.env ?? {})
    .map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`)
    .join('\n');
  const sq = (t: string) => `'${t.replace(/'/g, `'\\''`)}'`;
  const run = o.replay
    ? `case "$c" in
${[...o.replay].map(([cmd, file]) => `  ${sq(cmd)}) exec cat ${sq(file)} ;;`).join('\n')}
esac
echo "sh: 1: \${c%% *}: not found" >&2; exit 127`
    : o.replayDir
    ? `f='${o.replayDir}'/$(printf '%s' "$c" | md5sum | cut -c1-32).out
if [ -f "$f" ]; then exec cat "$f"; fi
echo "sh: 1: \${c%% *}: not found" >&2; exit 127`
    : `exec /bin/sh -c "$c"`;
  return `#!/bin/sh
# ForceCommand of test sshd "${o.name}" (sourced by the login shell): log, set this host's environment, run.
c="$SSH_ORIGINAL_COMMAND"
printf '%s\\n' "$c" >> '${dir}/commands.log'
export PATH='${o.path ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}'
${env}
${o.hook ?? ''}
${run}
`;
}

/** Starts one sshd in `root/<name>` (its own process group, so kill() takes its sessions too). */
export async function startSshd(root: string, o: SshdOptions): Promise<Sshd> {
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation dir
  const dir = join(root, o.name);
  mkdirSync(dir, { recursive: true });
  const hostKey = await makeKey(dir, 'host_key', { type: o.hostKeyType ?? 'ed25519' });
  writeFileSync(join(dir, 'authorized_keys'), o.authorizedKeys.join('\n') + '\n');
  writeFileSync(join(dir, 'commands.log'), '');
  const force = join(dir, 'force.sh');
  writeFileSync(force, forceCommandScript(o, dir));
  chmodSync(force, 0o755);
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort(o.address);
    const cfg = join(dir, 'sshd_config');
    writeFileSync(
      cfg,
      [
        `Port ${port}`,
        `ListenAddress ${o.address}`,
        `HostKey ${hostKey.private}`,
        `PidFile ${dir}/sshd.pid`,
        `AuthorizedKeysFile ${dir}/authorized_keys`,
        'StrictModes no',
        'UsePAM no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin prohibit-password',
        `ForceCommand . ${force}`,
        'AllowTcpForwarding yes',
        'MaxSessions 10',
        'MaxStartups 200',
        'AcceptEnv LC_ALL',
        // The login shell of root here is bash, which sources ~/.bashrc for ssh commands (~150 ms
        // on these machines): each test host gets its own, empty home instead.
        `SetEnv HOME=${dir}`,
        `LogLevel ${o.logLevel ?? 'ERROR'}`,
        'PrintMotd no',
        ...(o.sshdConfig ?? []),
      ].join('\n') + '\n',
    );
    const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let err = '';
    child.stderr?.on('data', (d) => (err += d.toString()));
    child.unref();
    (child.stderr as unknown as { unref?: () => void })?.unref?.();
    try {
      await Promise.race([
        waitForBanner(o.address, port, 10_000),
        new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`sshd ${o.name} exited (${code}): ${err.trim()}`)))),
      ]);
    } catch (e) {
      lastError = e;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
      continue;
    }
    const pgid = child.pid!;
    const knownHostsLine = `[${o.address}]:${port} ${hostKey.publicText.split(' ').slice(0, 2).join(' ')}`;
    const killGroup = () => {
      // sshd's per-connection children call setsid(): the group alone would leave sessions alive.
      for (const pid of [...descendants(pgid), pgid]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    return {
      name: o.name,
      address: o.address,
      port,
      dir,
      hostKey,
      knownHostsLine,
      commands: () => readFileSync(join(dir, 'commands.log'), 'utf8').split('\n').filter(Boolean),
      log: () => err,
      pid: pgid,
      kill: killGroup,
      stop: async () => {
        killGroup();
        const deadline = Date.now() + 3000;
        while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      },
    };
  }
  throw lastError instanceof Error ? lastError : new Error(`could not start sshd ${o.name}`);
}

/** Every process below `root` (from /proc/<pid>/stat ppid fields), deepest last. */
export function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      /* exited */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) if (pp === p) {
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

export interface Agent {
  readonly socket: string;
  add(key: string): Promise<void>;
  stop(): void;
}

/** A real ssh-agent on a socket of its own (`ssh-agent -D -a SOCK`). */
export async function startAgent(dir: string): Promise<Agent> {
  const socket = join(dir, 'agent.sock');
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore', detached: true });
  child.unref();
  const deadline = Date.now() + 5000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline) throw new Error('ssh-agent did not create its socket');
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    socket,
    add: async (key) => {
      await execa('ssh-add', [key], { env: { SSH_AUTH_SOCK: socket }, stdin: 'ignore' });
    },
    stop: () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    },
  };
}

/** A directory of symlinks to chosen programs: a PATH on which everything else is "not installed". */
export function restrictedPath(dir: string, programs: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  const sys = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const p of programs) {
    const src = sys.map((d) => join(d, p)).find((f) => existsSync(f));
    if (src && !existsSync(join(dir, p))) symlinkSync(src, join(dir, p));
  }
  return dir;
}

/** A test workspace under /tmp (short paths: unix sockets have a 108-byte limit). */
export function makeWorkspace(prefix = 'ovs-ssh-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes an ssh_config for a set of servers: `Host <name>` → HostName/Port/User/keys/known_hosts. */
export function writeSshConfig(
  file: string,
  hosts: readonly { readonly alias: string; readonly sshd: Sshd; readonly extra?: readonly string[] }[],
  common: readonly string[],
): void {
  const lines: string[] = [];
  for (const h of hosts) {
    lines.push(`Host ${h.alias}`, `  HostName ${h.sshd.address}`, `  Port ${h.sshd.port}`, ...(h.extra ?? []).map((l) => `  ${l}`), '');
  }
  lines.push('Host *', ...common.map((l) => `  ${l}`), '');
  writeFileSync(file, lines.join('\n'));
}

/**
 * A stand-in `sudo` for the "sudo wants a password" fault (the machines have no sudo package):
 * it behaves like sudo for a user without a NOPASSWD rule — `sudo -n` says "a password is
 * required" and exits 1 — and records whatever arrives on its stdin, so a test can prove that
 * nothing was typed.
 */
export function writeSudoStandin(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'sudo');
  writeFileSync(
    file,
    `#!/bin/sh
# stand-in sudo (tests only): no NOPASSWD rule for this user
cat >> '${dir}/stdin.log'
if [ "$1" = "-n" ]; then echo "sudo: a password is required" >&2; exit 1; fi
echo "[sudo] password for $(id -un): " >&2
echo "sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper" >&2
exit 1
`,
  );
  chmodSync(file, 0o755);
  writeFileSync(join(dir, 'stdin.log'), '');
  return file;
}
