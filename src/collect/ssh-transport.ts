import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthenticationType, AuthHandlerMiddleware, ClientChannel, ConnectConfig, NextAuthHandler } from 'ssh2';
import { isAllowed, shellQuote } from './allowlist.js';
import { appendKnownHost, fingerprint, hostKeyAlgorithmsFor, keyTypeOf, knownHostsName, readKnownHosts, verifyHostKey, type KnownHostEntry } from './known-hosts.js';
import { FilteredAgent, identityPublicBlob, loadIdentity, type PassphraseProvider } from './ssh-auth.js';
import { applyAlgorithmSpec, describeEndpoint, type AlgorithmCatalogue, type SshEndpoint, type SshRoute } from './ssh-config.js';
import { fail, ok, type Result } from '../model/result.js';
import { abortKind, appendBounded, classifyExit, type CommandOutcome, type RunRequest, type Transport } from './transport.js';

const { Client } = ssh2;

/** ssh2's own tables of what it implements on this Node/OpenSSL (no public API exposes them). */
interface Ssh2Constants {
  readonly DEFAULT_KEX: readonly string[];
  readonly SUPPORTED_KEX: readonly string[];
  readonly DEFAULT_SERVER_HOST_KEY: readonly string[];
  readonly SUPPORTED_SERVER_HOST_KEY: readonly string[];
  readonly SUPPORTED_CIPHER: readonly string[];
  readonly DEFAULT_MAC: readonly string[];
  readonly SUPPORTED_MAC: readonly string[];
}
const ssh2Constants = createRequire(import.meta.url)('ssh2/lib/protocol/constants.js') as Ssh2Constants;

/**
 * Ciphers in the order ovnscope offers them (the server takes the first it also has): AES-GCM
 * first — measured cheapest on both ends (OpenSSL AES-NI, cipher and MAC in one pass: client
 * 1.5–1.7 ms/MB, sshd 1.3–1.4 ms/MB on loopback, against 2.0/2.2 for chacha20-poly1305 and
 * 2.3/2.0 for aes128-ctr + hmac-sha2-256-etm) — then CTR (always native), chacha20-poly1305
 * last (ssh2 runs it in JavaScript when its optional native binding is missing). ssh2's own
 * default order depends on which optional modules loaded; this one does not.
 */
const CIPHER_PREFERENCE = ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'chacha20-poly1305@openssh.com'];

/** Per algorithm kind: ovnscope's preferred order, and all ssh2 implements here. */
export const SSH_ALGORITHMS: Readonly<Record<'cipher' | 'kex' | 'hmac' | 'serverHostKey', AlgorithmCatalogue>> = {
  // curve25519 first (Node's native X25519), as OpenSSH prefers among what ssh2 offers.
  // ecdh-sha2-nistp256 measured ~2 ms cheaper per connection on sshd (OpenSSH computes X25519 in
  // its own portable C), ~4 % of a host's server CPU here: not worth preferring a NIST curve.
  kex: { preferred: ssh2Constants.DEFAULT_KEX, supported: ssh2Constants.SUPPORTED_KEX },
  cipher: { preferred: CIPHER_PREFERENCE.filter((c) => ssh2Constants.SUPPORTED_CIPHER.includes(c)), supported: ssh2Constants.SUPPORTED_CIPHER },
  hmac: { preferred: ssh2Constants.DEFAULT_MAC, supported: ssh2Constants.SUPPORTED_MAC },
  serverHostKey: { preferred: ssh2Constants.DEFAULT_SERVER_HOST_KEY, supported: ssh2Constants.SUPPORTED_SERVER_HOST_KEY },
};

type Algorithms = NonNullable<ConnectConfig['algorithms']>;

/**
 * The algorithms offered to one server: ssh_config's Ciphers/KexAlgorithms/MACs/HostKeyAlgorithms
 * over ovnscope's defaults, and host key algorithms narrowed to the key types known_hosts holds for
 * the host (a known host offering another type is refused as changed, so offering it would only
 * turn a configuration mistake into a false alarm).
 */
export function algorithmsFor(ep: SshEndpoint, knownHostKeyAlgorithms: readonly string[] | undefined): Result<Algorithms> {
  const cipher = applyAlgorithmSpec(ep.algorithms.ciphers, SSH_ALGORITHMS.cipher, 'Ciphers');
  if (!cipher.ok) return cipher;
  const kex = applyAlgorithmSpec(ep.algorithms.kex, SSH_ALGORITHMS.kex, 'KexAlgorithms');
  if (!kex.ok) return kex;
  const hmac = applyAlgorithmSpec(ep.algorithms.macs, SSH_ALGORITHMS.hmac, 'MACs');
  if (!hmac.ok) return hmac;
  const hostKeys = applyAlgorithmSpec(ep.algorithms.hostKeys, SSH_ALGORITHMS.serverHostKey, 'HostKeyAlgorithms');
  if (!hostKeys.ok) return hostKeys;
  let serverHostKey = [...hostKeys.value.list];
  if (knownHostKeyAlgorithms) {
    // Without HostKeyAlgorithms: the known types, in known_hosts' order (as today). With it: its order, known types only.
    serverHostKey = ep.algorithms.hostKeys === undefined ? [...knownHostKeyAlgorithms] : serverHostKey.filter((a) => knownHostKeyAlgorithms.includes(a));
    if (!serverHostKey.length)
      return fail(
        `ssh config "HostKeyAlgorithms ${ep.algorithms.hostKeys}" for ${describeEndpoint(ep)} excludes every key type known_hosts holds for it (${knownHostKeyAlgorithms.join(', ')}); allow one of them`,
      );
  }
  return ok({
    cipher: [...cipher.value.list] as Algorithms['cipher'],
    kex: [...kex.value.list] as Algorithms['kex'],
    hmac: [...hmac.value.list] as Algorithms['hmac'],
    serverHostKey: serverHostKey as Algorithms['serverHostKey'],
  });
}

/** How strictly host keys are checked. ssh's StrictHostKeyChecking, with "ask" treated as "yes". */
export type HostKeyPolicy = 'strict' | 'accept-new';

export interface SshTransportOptions {
  /** Inventory name (snapshot directory, messages). */
  readonly host: string;
  readonly route: SshRoute;
  /** Prefix for every command (`sudo -n`, `podman exec ovn_controller`), already split. */
  readonly wrapper: readonly string[];
  /** `--accept-new`: record unknown keys (never changed ones). Else ssh_config decides (accept-new or strict). */
  readonly acceptNew: boolean;
  readonly passphrases: PassphraseProvider;
  /** $SSH_AUTH_SOCK (IdentityAgent in ssh_config overrides it). */
  readonly agentSocket?: string;
  /** Used when ssh_config has no ConnectTimeout. */
  readonly defaultConnectTimeoutMs: number;
  /** Used when ssh_config has no ServerAliveInterval (0 = none). */
  readonly defaultKeepaliveMs: number;
  /** Channels open at the same time on the one connection (sshd's MaxSessions is 10 by default). */
  readonly maxChannels?: number;
  readonly onExec?: (argv: readonly string[]) => void;
  /** Called with a line of text worth telling the user (a key was added to known_hosts). */
  readonly onNotice?: (message: string) => void;
}

/** A failure to reach or log in to a host: the connection is not retried for the other commands. */
export class SshConnectError extends Error {
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'timeout' | 'host-key-unknown' | 'host-key-changed' | 'auth' | 'config',
  ) {
    super(message);
    this.name = 'SshConnectError';
  }
}

interface Connection {
  readonly clients: InstanceType<typeof Client>[];
  readonly target: InstanceType<typeof Client>;
  /** Set when the target connection closed or failed after it was ready. */
  lost?: string;
  /** Commands in flight, told when the connection closes (one listener on the client, not one per command). */
  readonly onClose: Set<() => void>;
}

/**
 * One SSH connection per host (through its ProxyJump hops), commands multiplexed over channels.
 * Every command is checked against the allow-list here, before a channel is opened: a command
 * that is not on it cannot be sent. Arguments are shell-quoted (the server runs the command line
 * through the user's shell). No pty is requested and stdin is closed at once, so a program that
 * asks for a password (sudo without NOPASSWD) fails instead of waiting — and nothing is typed.
 */
export function createSshTransport(options: SshTransportOptions): Transport {
  let connecting: Promise<Connection> | undefined;
  let closed = false;
  const waiting: (() => void)[] = [];
  let open = 0;
  const maxChannels = Math.max(1, Math.min(options.maxChannels ?? 8, 10));
  const acquire = async () => {
    while (open >= maxChannels) await new Promise<void>((r) => waiting.push(r));
    open++;
  };
  const release = () => {
    open--;
    waiting.shift()?.();
  };

  const connection = () => {
    connecting ??= connectRoute(options);
    return connecting;
  };
  // Whether the host has coreutils `timeout`: assumed until a command says it has not.
  let hostHasTimeout = true;

  return {
    host: options.host,
    kind: 'ssh',
    async run(request: RunRequest): Promise<CommandOutcome> {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      const allowed = isAllowed(options.wrapper, request.argv);
      if (!allowed.allowed) return { status: 'refused', exitCode: null, durationMs: 0, stderr: '', error: allowed.reason };
      if (request.signal?.aborted) return aborted(request.signal, 0, '', request.timeoutMs);
      let conn: Connection;
      try {
        conn = await raceAbort(connection(), request.signal);
      } catch (e) {
        if (request.signal?.aborted) return aborted(request.signal, elapsed(), '', request.timeoutMs);
        return { status: 'transport-error', exitCode: null, durationMs: elapsed(), stderr: '', error: (e as Error).message };
      }
      if (closed) return { status: 'transport-error', exitCode: null, durationMs: 0, stderr: '', error: 'transport closed' };
      if (conn.lost) return { status: 'transport-error', exitCode: null, durationMs: 0, stderr: '', error: conn.lost };
      await acquire();
      try {
        // sshd refuses a channel while it still counts closed sessions against MaxSessions (10);
        // under load that lags, so a refused open is retried with backoff before it counts as an error.
        for (let attempt = 0; ; attempt++) {
          const bounded = hostHasTimeout;
          let outcome = await execOne(conn, options, request, started, bounded ? remoteBound(request.timeoutMs) : []);
          if (bounded && lacksTimeout(outcome)) {
            // No coreutils `timeout` on this host: run it unbounded (ovnscope's own timer still abandons it).
            hostHasTimeout = false;
            outcome = await execOne(conn, options, request, started, []);
          }
          const refusedOpen = outcome.status === 'transport-error' && /could not open a channel.*open failed/.test(outcome.error ?? '');
          if (!refusedOpen || attempt >= 8 || conn.lost || request.signal?.aborted || elapsed() + 1000 > request.timeoutMs) return outcome;
          await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        }
      } finally {
        release();
      }
    },
    async close() {
      closed = true;
      if (!connecting) return;
      // Not awaited: a login still in progress (say, waiting out ConnectTimeout) must not hold up
      // writing the snapshot; its connection is ended once it is up.
      void connecting.then(
        (conn) => {
          for (const c of [...conn.clients].reverse()) c.end();
        },
        () => undefined,
      );
    },
  };
}

function aborted(signal: AbortSignal, durationMs: number, stderr: string, timeoutMs: number): CommandOutcome {
  return abortKind(signal) === 'host-timeout'
    ? { status: 'timeout', exitCode: null, durationMs, stderr, error: `the host's time budget ran out (per-host timeout)` }
    : { status: 'interrupted', exitCode: null, durationMs, stderr, error: 'interrupted by the user' };
  void timeoutMs;
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Seconds coreutils `timeout` waits after its SIGTERM before it sends SIGKILL. */
const KILL_AFTER_S = 5;

/**
 * The words that bound a command on the host itself: `timeout -k 5 N`. ovnscope cannot stop a
 * remote command over SSH: the channel's stdin is closed at once (so ssh2 no longer sends a
 * `signal` request), and OpenSSH refuses signal requests for root logins and ForceCommand
 * sessions anyway. Without this every timeout or retry would leave an ovs-ofctl or vtysh hanging
 * on the hypervisor. The words are on the allow-list (checkWrapper) like any wrapper.
 */
export function remoteBound(timeoutMs: number): string[] {
  return ['timeout', '-k', String(KILL_AFTER_S), String(Math.max(1, Math.ceil(timeoutMs / 1000)))];
}

/** The host's shell saying there is no `timeout` program (not `timeout` failing to start the command). */
function lacksTimeout(outcome: CommandOutcome): boolean {
  return outcome.exitCode === 127 && /(^|\n)[^\n]*\btimeout: (command )?not found/.test(outcome.stderr);
}

/** Runs one command on an open connection; stdout streams into request.stdout with backpressure. */
function execOne(conn: Connection, options: SshTransportOptions, request: RunRequest, started: number, bound: readonly string[]): Promise<CommandOutcome> {
  const elapsed = () => Math.round(performance.now() - started);
  const full = [...bound, ...options.wrapper, ...request.argv];
  const line = full.map(shellQuote).join(' ');
  const boundS = bound.length ? Number(bound[3]) : undefined;
  // What becomes of a command ovnscope stops waiting for: said as it is, never "killed".
  const leftRunning = boundS !== undefined ? `\`timeout\` on ${options.host} is set to stop it ${boundS} s after it started` : `it may still be running on ${options.host} (no \`timeout\` there to stop it)`;
  return new Promise<CommandOutcome>((resolve) => {
    let stderr = '';
    let settled = false;
    let channel: ClientChannel | undefined;
    let exit: { code: number | null; signal?: string } | undefined;
    let cut: CommandOutcome | undefined;
    const finish = (outcome: CommandOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      conn.onClose.delete(onLost);
      resolve({ executed: full, ...outcome });
    };
    /** `graceMs`: how long to wait for the server to confirm the close (and flush what it had) before giving up on it. */
    const kill = (outcome: CommandOutcome, graceMs = 2000) => {
      cut ??= outcome;
      if (!channel) return finish(cut);
      // No channel.signal('KILL'): it sends nothing on a channel whose stdin is closed, and sshd
      // refuses it for root and ForceCommand sessions. The remote `timeout` is what stops it.
      channel.close();
      if (graceMs === 0) {
        // Nothing more is wanted from this channel: stop writing into the sink before it is closed.
        channel.unpipe(request.stdout);
        return finish(cut);
      }
      // If the server never answers the close, do not wait for it.
      setTimeout(() => finish(cut!), graceMs).unref();
    };
    // With a remote `timeout` the host ends the command and we hear how (exit 124/137); this
    // timer is the backstop for a host that does not answer. Without one, it is the only bound.
    const backstopMs = boundS !== undefined ? boundS * 1000 + (KILL_AFTER_S + 3) * 1000 : request.timeoutMs;
    const timer = setTimeout(
      () =>
        kill({
          status: 'timeout',
          exitCode: null,
          durationMs: elapsed(),
          stderr,
          error: `not finished within ${request.timeoutMs} ms; abandoned after ${Math.round(backstopMs / 1000)} s: ${boundS !== undefined ? `\`timeout\` on ${options.host} did not end it either, it may still be running there` : leftRunning}`,
        }),
      backstopMs,
    );
    // Interrupted (Ctrl-C, SIGTERM, SIGHUP): the collection is ending, do not wait for sshd to
    // confirm the close (it does not while the command still runs): a second signal must not find us waiting.
    const onAbort = () => {
      const why = aborted(request.signal!, elapsed(), stderr, request.timeoutMs);
      kill({ ...why, error: `${why.error}; abandoned: ${leftRunning}` }, abortKind(request.signal!) === 'interrupted' ? 0 : 2000);
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const onLost = () =>
      finish(cut ?? { status: 'transport-error', exitCode: null, durationMs: elapsed(), stderr, error: conn.lost ?? `connection to ${options.host} lost` });
    conn.onClose.add(onLost);

    conn.target.exec(line, { env: { LC_ALL: 'C' } }, (err, ch) => {
      if (err) {
        return finish({ status: 'transport-error', exitCode: null, durationMs: elapsed(), stderr, error: `could not open a channel on ${options.host}: ${err.message}` });
      }
      options.onExec?.(full); // only once the server has accepted the channel
      channel = ch;
      if (settled || cut) {
        kill(cut ?? { status: 'interrupted', exitCode: null, durationMs: elapsed(), stderr, error: 'interrupted' });
        return;
      }
      ch.end(); // no stdin: nothing is ever typed into a prompt
      ch.stderr.setEncoding('utf8');
      ch.stderr.on('data', (c: string) => (stderr = appendBounded(stderr, c)));
      ch.pipe(request.stdout, { end: false });
      ch.on('exit', (code: number | null, signal?: string) => (exit = { code, signal }));
      ch.on('close', () => {
        ch.unpipe(request.stdout);
        if (cut) return finish({ ...cut, stderr, durationMs: elapsed() });
        if (!exit) return finish({ status: 'transport-error', exitCode: null, durationMs: elapsed(), stderr, error: conn.lost ?? `connection to ${options.host} lost before the command ended` });
        if (exit.code === null) return finish({ status: 'failed', exitCode: null, durationMs: elapsed(), stderr, error: `killed by signal ${exit.signal ?? '?'}` });
        // coreutils timeout: 124 = it sent SIGTERM and the command ended, 137 = it had to send SIGKILL.
        if (boundS !== undefined && (exit.code === 124 || exit.code === 137) && elapsed() >= boundS * 1000 - 1000)
          return finish({
            status: 'timeout',
            exitCode: exit.code,
            durationMs: elapsed(),
            stderr,
            error: `not finished within ${boundS} s: stopped on ${options.host} by \`timeout\` (${exit.code === 124 ? 'SIGTERM' : `SIGKILL, ${KILL_AFTER_S} s after SIGTERM`})`,
          });
        finish({ ...classifyExit(exit.code, stderr, elapsed(), request.argv[0]!, (bound.length ? options.wrapper[0] ?? request.argv[0] : full[0])!, options.host) });
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Connecting

async function connectRoute(options: SshTransportOptions): Promise<Connection> {
  const hops = [...options.route.jumps, options.route.target];
  const clients: InstanceType<typeof Client>[] = [];
  let sock: Duplex | undefined;
  try {
    for (let i = 0; i < hops.length; i++) {
      const ep = hops[i]!;
      const client = await handshake(ep, sock, options, i < hops.length - 1 ? `jump host ${i + 1} of ${hops.length - 1} for ${options.host}` : undefined);
      clients.push(client);
      const next = hops[i + 1];
      if (next) sock = await forward(client, ep, next);
    }
  } catch (e) {
    for (const c of clients.reverse()) c.end();
    throw e;
  }
  const target = clients[clients.length - 1]!;
  const conn: Connection = { clients, target, onClose: new Set() };
  const describe = describeEndpoint(options.route.target);
  target.on('error', (e: Error) => (conn.lost ??= `connection to ${describe} lost: ${e.message}`));
  target.on('close', () => {
    conn.lost ??= `connection to ${describe} closed by the server`;
    for (const f of [...conn.onClose]) f();
  });
  // A hop going away takes the target connection with it.
  for (const c of clients.slice(0, -1)) c.on('close', () => (conn.lost ??= `connection to a jump host of ${options.host} lost`));
  return conn;
}

function forward(client: InstanceType<typeof Client>, via: SshEndpoint, next: SshEndpoint): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, next.hostname, next.port, (err, stream) => {
      if (err) reject(new SshConnectError(`jump host ${describeEndpoint(via)} could not open a connection to ${next.hostname}:${next.port}: ${err.message}`, 'unreachable'));
      else resolve(stream);
    });
  });
}

function handshake(ep: SshEndpoint, sock: Duplex | undefined, options: SshTransportOptions, role: string | undefined): Promise<InstanceType<typeof Client>> {
  const who = `${describeEndpoint(ep)}${role ? ` (${role})` : ''}`;
  const keyHost = ep.hostKeyAlias ?? ep.hostname;
  const keyPort = ep.hostKeyAlias ? 22 : ep.port;
  const knownFiles = [...ep.userKnownHostsFiles, ...ep.globalKnownHostsFiles];
  const entries = readKnownHosts(knownFiles);
  const acceptNew = options.acceptNew || ep.strictHostKeyChecking === 'accept-new' || ep.strictHostKeyChecking === 'no';
  const connectTimeoutMs = ep.connectTimeoutMs ?? options.defaultConnectTimeoutMs;
  const keepaliveMs = ep.serverAliveIntervalMs || options.defaultKeepaliveMs;
  const knownAlgorithms = hostKeyAlgorithmsFor(entries, keyHost, keyPort);
  const algorithms = algorithmsFor(ep, knownAlgorithms);
  if (!algorithms.ok) return Promise.reject(new SshConnectError(`${who}: ${algorithms.error.message}`, 'config'));

  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKeyProblem: SshConnectError | undefined;
    let authSummary = '';
    let settled = false;
    let phaseTimer: NodeJS.Timeout | undefined;
    /** `close`: how to let go of the connection: `end` says goodbye to a server that is talking; a silent one gets `destroy`. */
    const fail = (e: SshConnectError, close: 'end' | 'destroy' = 'end') => {
      if (settled) return;
      settled = true;
      clearTimeout(phaseTimer);
      client.removeAllListeners('ready');
      client.on('error', () => undefined);
      // Not end() then destroy(): after end() the socket is half-closed, ssh2's destroy() no longer
      // acts on it, and a peer that never closes its side keeps the process alive.
      if (close === 'destroy') client.destroy();
      else client.end();
      reject(e);
    };
    const armTimer = (ms: number, what: string) => {
      clearTimeout(phaseTimer);
      phaseTimer = setTimeout(() => {
        fail(new SshConnectError(`${who}: ${what} within ${Math.round(ms / 1000)} s (ConnectTimeout); is the host up and is sshd answering?`, 'timeout'), 'destroy');
      }, ms);
    };
    armTimer(connectTimeoutMs, 'no SSH handshake');

    const hostVerifier = (key: Buffer, verify: (ok: boolean) => void) => {
      const verdict = verifyHostKey(entries, keyHost, keyPort, key);
      const fp = fingerprint(key);
      const type = keyTypeOf(key);
      const name = knownHostsName(keyHost, keyPort);
      switch (verdict.kind) {
        case 'match':
          return verify(true);
        case 'revoked':
          hostKeyProblem = new SshConnectError(`${who}: the host key ${type} ${fp} is marked @revoked in ${verdict.entry.file}:${verdict.entry.line}; refusing to connect`, 'host-key-changed');
          return verify(false);
        case 'changed':
          hostKeyProblem = new SshConnectError(changedKeyMessage(who, name, type, fp, verdict.entries), 'host-key-changed');
          return verify(false);
        case 'unknown':
          if (acceptNew) {
            const file = ep.userKnownHostsFiles[0]!;
            try {
              appendKnownHost(file, keyHost, keyPort, key, ep.hashKnownHosts);
              options.onNotice?.(`added ${type} ${fp} for ${name} to ${file} (--accept-new)`);
            } catch (e) {
              options.onNotice?.(`accepted ${type} ${fp} for ${name} but could not write ${file}: ${(e as Error).message}`);
            }
            return verify(true);
          }
          hostKeyProblem = new SshConnectError(
            `${who}: host key not known. The server offered ${type} ${fp}, and no known_hosts file (${knownFiles.join(', ')}) has a key for ${name}. ` +
              `Check the fingerprint out of band, then run again with --accept-new (like StrictHostKeyChecking=accept-new), or add it with: ssh-keyscan -p ${keyPort} ${keyHost} >> ${ep.userKnownHostsFiles[0]}`,
            'host-key-unknown',
          );
          return verify(false);
      }
    };

    const config: ConnectConfig = {
      host: ep.hostname,
      port: ep.port,
      username: ep.user,
      sock: sock as ConnectConfig['sock'],
      readyTimeout: 0, // our own timers: connect/handshake, then each authentication step
      keepaliveInterval: keepaliveMs,
      keepaliveCountMax: ep.serverAliveCountMax,
      hostVerifier,
      authHandler: makeAuthHandler(ep, options, (s) => (authSummary = s), (waiting) => (waiting ? clearTimeout(phaseTimer) : armTimer(connectTimeoutMs, 'no answer to authentication'))),
      algorithms: algorithms.value,
    };
    client.once('handshake', () => armTimer(connectTimeoutMs, 'no answer to authentication'));
    client.once('ready', () => {
      if (settled) return;
      client.setNoDelay(true); // many small request/reply exchanges: Nagle would add ~40 ms to each
      settled = true;
      clearTimeout(phaseTimer);
      client.removeAllListeners('error');
      resolve(client);
    });
    client.on('error', (e: Error & { level?: string; code?: string }) => {
      if (hostKeyProblem) return fail(hostKeyProblem);
      if (e.level === 'client-authentication' || /authentication methods failed/i.test(e.message))
        return fail(new SshConnectError(`${who}: authentication refused. ${authSummary || 'No key was accepted.'} Load the right key into ssh-agent or set IdentityFile for this host in ssh_config.`, 'auth'));
      if (/no matching host key/i.test(e.message) && knownAlgorithms)
        return fail(
          new SshConnectError(
            `${who}: HOST KEY CHANGED? known_hosts has only ${[...new Set(entriesKeyTypes(entries, keyHost, keyPort))].join(', ')} for ${knownHostsName(keyHost, keyPort)}, and the server offers none of them. Refusing to connect. If the host was reinstalled, remove the old entry (ssh-keygen -R '${knownHostsName(keyHost, keyPort)}') and run again.`,
            'host-key-changed',
          ),
        );
      const noMatch = /no matching (.*)/i.exec(e.message);
      if (noMatch)
        return fail(
          new SshConnectError(
            `${who}: the server accepts no ${noMatch[1]} ovnscope offers (${offeredFor(noMatch[1]!, algorithms.value).join(', ')}); check Ciphers/KexAlgorithms/MACs in ssh_config and on the server`,
            'config',
          ),
        );
      const code = e.code ? ` (${e.code})` : '';
      const unreachable = ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET'].includes(e.code ?? '');
      fail(new SshConnectError(`${who}: cannot connect: ${e.message}${unreachable ? '' : code}`, unreachable ? 'unreachable' : 'unreachable'));
    });
    client.once('close', () => fail(hostKeyProblem ?? new SshConnectError(`${who}: the server closed the connection during login`, 'unreachable')));
    try {
      client.connect(config);
    } catch (e) {
      fail(new SshConnectError(`${who}: ${(e as Error).message}`, 'config'));
    }
  });
}

/** The list ovnscope offered for the kind named in ssh2's "no matching …" message. */
function offeredFor(what: string, algorithms: Algorithms): readonly string[] {
  const list = /cipher/i.test(what) ? algorithms.cipher : /mac/i.test(what) ? algorithms.hmac : /key exchange/i.test(what) ? algorithms.kex : /compression/i.test(what) ? algorithms.compress : algorithms.serverHostKey;
  return Array.isArray(list) ? (list as string[]) : [];
}

function entriesKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  return (hostKeyAlgorithmsFor(entries, host, port) ?? []).filter((a) => !a.startsWith('rsa-sha2'));
}

function changedKeyMessage(who: string, name: string, type: string, fp: string, known: readonly KnownHostEntry[]): string {
  const bar = '@'.repeat(59);
  const where = known.map((e) => `${e.file}:${e.line} (${e.keyType} ${fingerprint(e.key)})`).join('; ');
  return [
    bar,
    '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
    bar,
    `${who}: the host key for ${name} is not the one in known_hosts. Someone could be eavesdropping (man-in-the-middle), or the host was reinstalled.`,
    `The server offered ${type} ${fp}; known_hosts has ${where}.`,
    // -f: the entries may be in a UserKnownHostsFile other than ~/.ssh/known_hosts, which is all a bare -R edits.
    `ovnscope never connects to a host whose key changed (not even with --accept-new). If the change is expected, remove the old entry with: ${[...new Set(known.map((e) => e.file))].map((f) => `ssh-keygen -R '${name}' -f '${f}'`).join('; ') || `ssh-keygen -R '${name}'`}`,
  ].join('\n');
}

/**
 * ssh's order: agent keys (only those matching IdentityFile when IdentitiesOnly), then each
 * IdentityFile not already offered through the agent (decrypting it when needed, asking for the
 * passphrase only then). Nothing else: no password or keyboard-interactive authentication.
 */
function makeAuthHandler(
  ep: SshEndpoint,
  options: SshTransportOptions,
  summarize: (s: string) => void,
  waitingForUser: (waiting: boolean) => void,
): AuthHandlerMiddleware {
  const agentPath = ep.identityAgent === 'none' ? undefined : ep.identityAgent && ep.identityAgent !== 'SSH_AUTH_SOCK' ? ep.identityAgent : options.agentSocket;
  const idBlobs = ep.identityFiles.map((f) => ({ file: f, blob: identityPublicBlob(f) }));
  const offered: Buffer[] = [];
  const tried: string[] = [];
  const skipped: string[] = [];
  const steps: (() => Promise<AnyAuthMethod | undefined>)[] = [];
  if (agentPath) {
    steps.push(async () => {
      const allow = ep.identitiesOnly ? (blob: Buffer) => idBlobs.some((i) => i.blob?.equals(blob)) : undefined;
      tried.push(`ssh-agent at ${agentPath}${ep.identitiesOnly ? ' (IdentitiesOnly: only keys matching IdentityFile)' : ''}`);
      return { type: 'agent', username: ep.user, agent: new FilteredAgent(agentPath, allow, (b) => offered.push(b)) } satisfies AnyAuthMethod;
    });
  }
  for (const { file, blob } of idBlobs) {
    steps.push(async () => {
      if (blob && offered.some((o) => o.equals(blob))) return undefined; // already offered through the agent
      waitingForUser(true);
      const id = await loadIdentity(file, options.passphrases);
      waitingForUser(false);
      if (!id.ok) {
        if (!id.missing || ep.identityFilesExplicit) skipped.push(`${file}: ${id.reason}`);
        return undefined;
      }
      tried.push(file);
      return { type: 'publickey', username: ep.user, key: id.key } satisfies AnyAuthMethod;
    });
  }
  return (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: NextAuthHandler) => {
    const serverMethods: string[] = methodsLeft ?? ['publickey'];
    const advance = async () => {
      while (steps.length) {
        const step = steps.shift()!;
        const auth = await step();
        summarize(`Tried ${tried.join(', ') || 'nothing'}${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}. The server accepts: ${serverMethods.join(', ')}.`);
        if (auth) return next(auth);
      }
      summarize(`Tried ${tried.join(', ') || 'no key at all'}${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}. The server accepts: ${serverMethods.join(', ')}.`);
      next(false as unknown as AuthenticationType);
    };
    if (!serverMethods.includes('publickey')) {
      summarize(`The server does not accept public keys (it accepts: ${serverMethods.join(', ')}); ovnscope never sends passwords.`);
      next(false as unknown as AuthenticationType);
      return;
    }
    void advance();
  };
}
