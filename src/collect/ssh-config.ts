import { readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import SSHConfig from 'ssh-config';
import { fail, ok, type Result } from '../model/result.js';

/**
 * OpenSSH client configuration, the way `ssh` reads it: `-F FILE` or `~/.ssh/config` followed by
 * `/etc/ssh/ssh_config`, first obtained value wins, `Include` expanded in place. Parsing and Host
 * pattern matching (`*`, `?`, `!negation`, `Match host/user`) are the `ssh-config` package's;
 * this module adds what `ssh` does around it: Include, tokens (%h %p %r %u %d %%, ~), defaults,
 * and ProxyJump chains (each hop resolved through the same configuration, like `ssh -J`).
 */

/** One SSH server to connect to, with everything ssh_config said about it. */
export interface SshEndpoint {
  /** What the user asked for (matched against Host patterns). */
  readonly alias: string;
  readonly hostname: string;
  readonly port: number;
  readonly user: string;
  /** Absolute paths, in the order ssh tries them. */
  readonly identityFiles: readonly string[];
  /** True when the IdentityFile list came from the configuration (not ssh's default list). */
  readonly identityFilesExplicit: boolean;
  readonly identitiesOnly: boolean;
  /** IdentityAgent: a socket path, "none", or undefined (= SSH_AUTH_SOCK). */
  readonly identityAgent?: string;
  readonly connectTimeoutMs?: number;
  /** 0 = no keepalive. */
  readonly serverAliveIntervalMs: number;
  readonly serverAliveCountMax: number;
  readonly strictHostKeyChecking: 'yes' | 'accept-new' | 'no' | 'ask';
  readonly userKnownHostsFiles: readonly string[];
  readonly globalKnownHostsFiles: readonly string[];
  readonly hashKnownHosts: boolean;
  readonly hostKeyAlias?: string;
  /** Set when ssh_config asks for a ProxyCommand (not supported: ovnscope runs no local commands). */
  readonly proxyCommand?: string;
  readonly proxyJump?: string;
  /** Ciphers, KexAlgorithms, MACs, HostKeyAlgorithms as written (see applyAlgorithmSpec); absent = ovnscope's defaults. */
  readonly algorithms: AlgorithmSpecs;
}

/** The algorithm options of ssh_config, each as written: `a,b`, `+a`, `-pattern`, `^a`. */
export interface AlgorithmSpecs {
  readonly ciphers?: string;
  readonly kex?: string;
  readonly macs?: string;
  readonly hostKeys?: string;
}

/** The hops to go through, then the target. */
export interface SshRoute {
  readonly jumps: readonly SshEndpoint[];
  readonly target: SshEndpoint;
}

export interface SshConfigSource {
  /** Configuration files in the order they are read (`-F` alone replaces both defaults). */
  readonly files: readonly string[];
  readonly configs: readonly SSHConfig[];
  readonly home: string;
  readonly localUser: string;
}

export interface LoadSshConfigOptions {
  /** `-F FILE`: only this file is read (as with ssh). "none" reads nothing. */
  readonly file?: string;
  readonly home?: string;
  readonly localUser?: string;
}

/** Requested by the inventory or --host; overrides ssh_config like ssh's command-line options. */
export interface SshRequest {
  readonly host: string;
  readonly user?: string;
  readonly port?: number;
  readonly proxyJump?: string;
  readonly identityFiles?: readonly string[];
}

const MAX_INCLUDE_DEPTH = 16;
const MAX_JUMP_DEPTH = 8;

export function loadSshConfig(options: LoadSshConfigOptions = {}): Result<SshConfigSource> {
  const home = options.home ?? homedir();
  const localUser = options.localUser ?? safeUser();
  const files = options.file ? (options.file === 'none' ? [] : [options.file]) : [join(home, '.ssh', 'config'), '/etc/ssh/ssh_config'];
  const configs: SSHConfig[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      // A missing default file is normal; a missing -F file is the user's mistake.
      if (options.file) return fail(`cannot read ssh config ${f}: ${(e as Error).message}`);
      continue;
    }
    const base = f === '/etc/ssh/ssh_config' ? '/etc/ssh' : join(home, '.ssh');
    try {
      configs.push(SSHConfig.parse(expandIncludes(text, base, home, 0)));
    } catch (e) {
      return fail(`cannot parse ssh config ${f}: ${(e as Error).message}`);
    }
  }
  return ok({ files, configs, home, localUser });
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

/** Replaces `Include` lines by the files they name (glob in the last component), like ssh. */
function expandIncludes(text: string, base: string, home: string, depth: number): string {
  if (depth > MAX_INCLUDE_DEPTH) return text;
  return text
    .split('\n')
    .map((line) => {
      const m = /^\s*Include\s+(.+?)\s*$/i.exec(line);
      if (!m) return line;
      const parts: string[] = [];
      for (const raw of m[1]!.split(/\s+/)) {
        const word = raw.replace(/^"(.*)"$/, '$1');
        const path = word.startsWith('~') ? join(home, word.slice(1)) : isAbsolute(word) ? word : join(base, word);
        for (const f of globFiles(path)) {
          try {
            parts.push(expandIncludes(readFileSync(f, 'utf8'), base, home, depth + 1));
          } catch {
            /* unreadable include: ssh skips it too */
          }
        }
      }
      return parts.join('\n');
    })
    .join('\n');
}

function globFiles(path: string): string[] {
  if (!/[*?]/.test(path)) return [path];
  const dir = dirname(path);
  const pattern = path.slice(dir.length + 1);
  const re = patternRegExp(pattern);
  try {
    return readdirSync(dir)
      .filter((n) => re.test(n))
      .sort()
      .map((n) => join(dir, n))
      .filter((p) => statSync(p).isFile());
  } catch {
    return [];
  }
}

type Computed = Record<string, string | string[]>;

function compute(source: SshConfigSource, host: string, user?: string): Computed {
  const out: Computed = {};
  for (const cfg of source.configs) {
    // Match exec is not evaluated: ovnscope runs no local commands from configuration.
    const c = cfg.compute(user ? { Host: host, User: user } : { Host: host }, { ignoreCase: true, matchExec: false }) as Computed;
    for (const [k, v] of Object.entries(c)) {
      if (k === 'identityfile' || k === 'certificatefile') {
        const prev = out[k];
        out[k] = [...(Array.isArray(prev) ? prev : prev ? [prev] : []), ...(Array.isArray(v) ? v : [v])];
      } else if (!(k in out)) out[k] = v;
    }
  }
  return out;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v.flatMap((x) => x.split(/\s+/)) : v.split(/\s+/)).filter(Boolean);
const yes = (v: string | undefined) => v !== undefined && /^(yes|true)$/i.test(v);

function expandTokens(s: string, t: { home: string; localUser: string; host: string; port: number; user: string; alias: string }): string {
  let out = s.startsWith('~/') || s === '~' ? t.home + s.slice(1) : s;
  out = out.replace(/%([%dhprunL])/g, (_, c: string) => {
    switch (c) {
      case '%':
        return '%';
      case 'd':
        return t.home;
      case 'h':
        return t.host;
      case 'p':
        return String(t.port);
      case 'r':
        return t.user;
      case 'u':
        return t.localUser;
      case 'n':
        return t.alias;
      default:
        return `%${c}`;
    }
  });
  return out;
}

/** ssh's default identity files, in its order. */
const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_dsa'];

/** What ssh_config says about one host (no ProxyJump expansion). */
export function resolveEndpoint(source: SshConfigSource, request: SshRequest): SshEndpoint {
  const c = compute(source, request.host, request.user);
  const alias = request.host;
  const rawHostname = first(c.hostname) ?? alias;
  const port = request.port ?? (first(c.port) !== undefined ? Number(first(c.port)) : 22);
  const user = request.user ?? first(c.user) ?? source.localUser;
  const tokens = { home: source.home, localUser: source.localUser, host: alias, port, user, alias };
  const hostname = expandTokens(rawHostname, tokens);
  const tk = { ...tokens, host: hostname };
  const configured = [...(request.identityFiles ?? []), ...list(c.identityfile)].map((f) => expandTokens(f, tk));
  const identityFiles = configured.length ? configured : DEFAULT_IDENTITIES.map((n) => join(source.home, '.ssh', n));
  const intervalS = Number(first(c.serveraliveinterval) ?? 0);
  const countMax = Number(first(c.serveralivecountmax) ?? 3);
  const connectS = first(c.connecttimeout) !== undefined ? Number(first(c.connecttimeout)) : undefined;
  const strictText = (first(c.stricthostkeychecking) ?? 'ask').toLowerCase();
  const strict = strictText === 'accept-new' ? 'accept-new' : /^(no|off)$/.test(strictText) ? 'no' : /^(yes|true)$/.test(strictText) ? 'yes' : 'ask';
  const ukh = list(c.userknownhostsfile).map((f) => expandTokens(f, tk));
  const gkh = list(c.globalknownhostsfile).map((f) => expandTokens(f, tk));
  const agent = first(c.identityagent);
  return {
    alias,
    hostname,
    port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 22,
    user,
    identityFiles,
    identityFilesExplicit: configured.length > 0,
    identitiesOnly: yes(first(c.identitiesonly)),
    identityAgent: agent === undefined ? undefined : agent === 'none' || agent === 'SSH_AUTH_SOCK' ? agent : expandTokens(agent, tk),
    connectTimeoutMs: connectS !== undefined && connectS > 0 ? connectS * 1000 : undefined,
    serverAliveIntervalMs: intervalS > 0 ? intervalS * 1000 : 0,
    serverAliveCountMax: countMax > 0 ? countMax : 3,
    strictHostKeyChecking: strict,
    userKnownHostsFiles: ukh.length ? ukh : [join(source.home, '.ssh', 'known_hosts'), join(source.home, '.ssh', 'known_hosts2')],
    globalKnownHostsFiles: gkh.length ? gkh : ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
    hashKnownHosts: yes(first(c.hashknownhosts)),
    hostKeyAlias: first(c.hostkeyalias),
    proxyCommand: first(c.proxycommand) !== undefined && first(c.proxycommand) !== 'none' ? list(c.proxycommand).join(' ') : undefined,
    proxyJump: request.proxyJump ?? first(c.proxyjump),
    algorithms: {
      ciphers: algorithmText(c.ciphers),
      kex: algorithmText(c.kexalgorithms),
      macs: algorithmText(c.macs),
      hostKeys: algorithmText(c.hostkeyalgorithms),
    },
  };
}

const algorithmText = (v: string | string[] | undefined): string | undefined => {
  const t = list(v).join(',');
  return t === '' ? undefined : t;
};

/** What a client can do for one algorithm kind: the order it prefers, and everything it implements. */
export interface AlgorithmCatalogue {
  readonly preferred: readonly string[];
  readonly supported: readonly string[];
}

export interface AlgorithmChoice {
  /** In preference order; never empty. */
  readonly list: readonly string[];
  /** Names the configuration asked for that this client does not implement (OpenSSH-only ones such as sntrup761x25519-sha512@openssh.com). */
  readonly ignored: readonly string[];
}

/**
 * One of Ciphers/KexAlgorithms/MACs/HostKeyAlgorithms applied the way ssh does (ssh_config(5)):
 * a plain list replaces the defaults, `+list` appends to them, `^list` puts the names first,
 * `-list` removes every default matching a pattern (`*`, `?`). Names this client does not
 * implement are dropped, as ssh drops what it was not built with; nothing left is an error the
 * user can fix, never a silent fallback to algorithms they excluded.
 */
export function applyAlgorithmSpec(spec: string | undefined, catalogue: AlgorithmCatalogue, option: string): Result<AlgorithmChoice> {
  if (spec === undefined || spec.trim() === '') return ok({ list: [...catalogue.preferred], ignored: [] });
  const text = spec.trim();
  const op = '+-^'.includes(text[0]!) ? text[0]! : '';
  const names = (op ? text.slice(1) : text).split(',').map((n) => n.trim()).filter(Boolean);
  const ignored: string[] = [];
  // A name or a pattern, expanded against what the client implements (in the client's order).
  const expand = (name: string): string[] => {
    const rx = patternRegExp(name);
    const hits = catalogue.supported.filter((a) => rx.test(a));
    if (!hits.length) ignored.push(name);
    return hits;
  };
  let picked: string[];
  switch (op) {
    case '-': {
      const rxs = names.map(patternRegExp);
      picked = catalogue.preferred.filter((a) => !rxs.some((rx) => rx.test(a)));
      break;
    }
    case '+':
      picked = [...catalogue.preferred, ...names.flatMap(expand)];
      break;
    case '^':
      picked = [...names.flatMap(expand), ...catalogue.preferred];
      break;
    default:
      picked = names.flatMap(expand);
  }
  const unique = [...new Set(picked)];
  if (!unique.length)
    return fail(
      `ssh config "${option} ${text}" leaves no algorithm ovnscope can use` +
        (ignored.length ? ` (${ignored.join(', ')}: not implemented by ovnscope's SSH client)` : '') +
        `; it implements: ${catalogue.supported.join(', ')}`,
    );
  return ok({ list: unique, ignored });
}

/** ssh's pattern syntax for algorithm names: `*` any run, `?` one character, the rest literal. */
function patternRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]`, one hop of ProxyJump. */
export function parseJumpSpec(spec: string): SshRequest | undefined {
  const m = /^(?:ssh:\/\/)?(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d+))?$/.exec(spec.trim());
  if (!m) return undefined;
  return { host: m[2]!.replace(/^\[(.*)\]$/, '$1'), user: m[1], port: m[3] ? Number(m[3]) : undefined };
}

/**
 * The full route to a host: ProxyJump `a,b` means "reach b through a, then the target through b",
 * and each hop's own settings (user, port, keys, known_hosts, its own ProxyJump when it is the
 * first hop) come from ssh_config as they would for `ssh -J`.
 */
export function resolveRoute(source: SshConfigSource, request: SshRequest): Result<SshRoute> {
  const hops: SshEndpoint[] = [];
  const walk = (req: SshRequest, jumpsOverride: readonly string[] | undefined, depth: number): string | undefined => {
    if (depth > MAX_JUMP_DEPTH) return `ProxyJump chain for ${request.host} is deeper than ${MAX_JUMP_DEPTH} hops (a loop?)`;
    const ep = resolveEndpoint(source, jumpsOverride === undefined ? req : { ...req, proxyJump: jumpsOverride.length ? jumpsOverride.join(',') : 'none' });
    const jumpText = ep.proxyJump;
    if (ep.proxyCommand && (!jumpText || jumpText === 'none'))
      return `ssh config asks for "ProxyCommand ${ep.proxyCommand}" for ${ep.alias}: ovnscope does not run local commands; use ProxyJump instead`;
    const jumps = jumpText && jumpText !== 'none' ? jumpText.split(',').map((s) => s.trim()).filter(Boolean) : [];
    if (jumps.length) {
      const last = parseJumpSpec(jumps[jumps.length - 1]!);
      if (!last) return `cannot read ProxyJump "${jumpText}" for ${ep.alias}: expected [user@]host[:port],...`;
      const rest = jumps.slice(0, -1);
      const why = walk(last, rest.length ? rest : undefined, depth + 1);
      if (why) return why;
    }
    hops.push(ep);
    return undefined;
  };
  const why = walk(request, undefined, 0);
  if (why) return fail(why);
  const target = hops.pop()!;
  return ok({ jumps: hops, target });
}

/** `user@host:port` for messages. */
export function describeEndpoint(ep: SshEndpoint): string {
  const host = ep.hostname.includes(':') ? `[${ep.hostname}]` : ep.hostname;
  return `${ep.user}@${host}${ep.port === 22 ? '' : `:${ep.port}`}`;
}
