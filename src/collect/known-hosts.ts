import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * known_hosts, as sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT" describes it: `[marker] hostpatterns
 * keytype base64key [comment]`; patterns with `*`/`?`/`!negation`, `[host]:port` for ports other
 * than 22, hashed names `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`; `@revoked` lines.
 * `@cert-authority` lines are read but never trusted (ovnscope does not verify host certificates).
 */

export interface KnownHostEntry {
  readonly file: string;
  readonly line: number;
  readonly marker?: '@revoked' | '@cert-authority';
  readonly patterns: string;
  readonly keyType: string;
  /** Raw key blob (what the server sends). */
  readonly key: Buffer;
}

export type HostKeyVerdict =
  | { readonly kind: 'match'; readonly entry: KnownHostEntry }
  /** No entry names this host at all. */
  | { readonly kind: 'unknown' }
  /** Entries name this host, but none holds the key offered: a changed key (or a MITM). */
  | { readonly kind: 'changed'; readonly entries: readonly KnownHostEntry[] }
  | { readonly kind: 'revoked'; readonly entry: KnownHostEntry };

/** `SHA256:...` as OpenSSH prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Key type name from the start of an SSH public key blob. */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const n = key.readUInt32BE(0);
  return n > 0 && n < 64 && key.length >= 4 + n ? key.subarray(4, 4 + n).toString('latin1') : 'unknown';
}

/** The name under which a host is stored: `host`, or `[host]:port` when the port is not 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const words = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (words[0] === '@revoked' || words[0] === '@cert-authority') marker = words.shift() as KnownHostEntry['marker'];
    else if (words[0]?.startsWith('@')) return;
    if (words.length < 3) return;
    const [patterns, keyType, b64] = words as [string, string, string];
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return;
    out.push({ file, line: i + 1, marker, patterns, keyType, key: Buffer.from(b64, 'base64') });
  });
  return out;
}

function globToRegExp(p: string): RegExp {
  return new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
}

function hashedMatches(pattern: string, name: string): boolean {
  const m = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(pattern);
  if (!m) return false;
  const mac = createHmac('sha1', Buffer.from(m[1]!, 'base64')).update(name).digest('base64');
  return mac === m[2];
}

/** Does a host-pattern field name `name` (already in `[host]:port` form when needed)? */
export function patternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|')) return hashedMatches(patterns, name);
  let matched = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (globToRegExp(p.slice(1)).test(name)) return false;
    } else if (globToRegExp(p).test(name)) matched = true;
  }
  return matched;
}

export function readKnownHosts(files: readonly string[]): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    out.push(...parseKnownHosts(text, f));
  }
  return out;
}

/** Entries that name this host (any key type), excluding @cert-authority lines. */
export function entriesFor(entries: readonly KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const name = knownHostsName(host, port);
  return entries.filter((e) => e.marker !== '@cert-authority' && patternsMatch(e.patterns, name));
}

/**
 * Checks an offered key. Like ssh with StrictHostKeyChecking, a host we have keys for that offers
 * a key we do not have is "changed" — ovnscope asks the server for the key types it already
 * knows (see hostKeyAlgorithmsFor), so a different type cannot be used to slip past this.
 */
export function verifyHostKey(entries: readonly KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const mine = entriesFor(entries, host, port);
  const revoked = entries.find((e) => e.marker === '@revoked' && e.key.equals(key));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const match = mine.find((e) => !e.marker && e.key.equals(key));
  if (match) return { kind: 'match', entry: match };
  const known = mine.filter((e) => !e.marker);
  return known.length ? { kind: 'changed', entries: known } : { kind: 'unknown' };
}

/** Server host key algorithms to offer, known types first (as ssh does); only known types when some are known. */
export function hostKeyAlgorithmsFor(entries: readonly KnownHostEntry[], host: string, port: number): string[] | undefined {
  const types = new Set(entriesFor(entries, host, port).filter((e) => !e.marker).map((e) => e.keyType));
  if (types.size === 0) return undefined;
  const algos: string[] = [];
  for (const t of types) {
    if (t === 'ssh-rsa') algos.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else algos.push(t);
  }
  return algos;
}

/** Appends `name keytype base64` (hashed if asked) to a known_hosts file, creating ~/.ssh if needed. */
export function appendKnownHost(file: string, host: string, port: number, key: Buffer, hashed: boolean): string {
  const name = knownHostsName(host, port);
  let field = name;
  if (hashed) {
    const salt = randomBytes(20);
    field = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  const line = `${field} ${keyTypeOf(key)} ${key.toString('base64')}\n`;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, line, { mode: 0o600 });
  return line;
}
