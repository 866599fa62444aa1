import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';

const { OpenSSHAgent, utils } = ssh2;

/**
 * Where passphrases of encrypted private keys come from: a file (`--passphrase-file`), an
 * environment variable (`OVNSCOPE_SSH_PASSPHRASE` by default), or a question on the terminal —
 * asked once per key file for the whole run, kept in memory only, never written anywhere.
 */
export interface PassphraseSourceOptions {
  /** File whose first line is the passphrase. */
  readonly file?: string;
  /** The value of the environment variable, and its name (for messages). */
  readonly env?: { readonly name: string; readonly value: string | undefined };
  /** Asks on a terminal; undefined when there is none (then encrypted keys without a passphrase are skipped). */
  readonly prompt?: (question: string) => Promise<string | undefined>;
}

export class PassphraseProvider {
  private readonly cache = new Map<string, Promise<string | undefined>>();
  private queue: Promise<unknown> = Promise.resolve();
  constructor(private readonly options: PassphraseSourceOptions = {}) {}

  /** Where the passphrase for `keyFile` came from, for messages. */
  describe(): string {
    if (this.options.file) return `--passphrase-file ${this.options.file}`;
    if (this.options.env?.value !== undefined) return `$${this.options.env.name}`;
    return this.options.prompt ? 'the terminal' : 'nowhere (no terminal, no --passphrase-file, no $OVNSCOPE_SSH_PASSPHRASE)';
  }

  /** The passphrase for one key file; the same promise for every host that uses that key. */
  get(keyFile: string): Promise<string | undefined> {
    let p = this.cache.get(keyFile);
    if (!p) {
      p = this.fetch(keyFile);
      this.cache.set(keyFile, p);
    }
    return p;
  }

  private async fetch(keyFile: string): Promise<string | undefined> {
    if (this.options.file) {
      try {
        return readFileSync(this.options.file, 'utf8').split('\n')[0];
      } catch {
        return undefined;
      }
    }
    if (this.options.env?.value !== undefined) return this.options.env.value;
    const prompt = this.options.prompt;
    if (!prompt) return undefined;
    // One question at a time on the terminal, even when 50 hosts need the same or other keys.
    const next = this.queue.then(() => prompt(`Enter passphrase for key '${keyFile}': `));
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** An identity file read from disk: its private key (decrypted) or why it cannot be used. */
export type LoadedIdentity =
  | { readonly ok: true; readonly file: string; readonly key: ParsedKey }
  | { readonly ok: false; readonly file: string; readonly reason: string; readonly missing?: boolean };

/** Public key blob of an identity (from `FILE.pub`, or the unencrypted private key), for IdentitiesOnly and dedup. */
export function identityPublicBlob(file: string): Buffer | undefined {
  for (const [path, isPub] of [[`${file}.pub`, true], [file, false]] as const) {
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch {
      continue;
    }
    const k = utils.parseKey(data);
    const key = Array.isArray(k) ? k[0] : k;
    if (key && !(key instanceof Error)) return key.getPublicSSH();
    if (isPub) continue;
  }
  return undefined;
}

export async function loadIdentity(file: string, passphrases: PassphraseProvider): Promise<LoadedIdentity> {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (e) {
    return { ok: false, file, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, missing: (e as NodeJS.ErrnoException).code === 'ENOENT' };
  }
  const plain = utils.parseKey(data);
  const first = (k: ReturnType<typeof utils.parseKey>) => (Array.isArray(k) ? k[0] : k);
  const p = first(plain);
  if (p && !(p instanceof Error)) return p.isPrivateKey() ? { ok: true, file, key: p } : { ok: false, file, reason: 'not a private key' };
  if (!(p instanceof Error) || !/encrypted|passphrase/i.test(p.message)) return { ok: false, file, reason: p instanceof Error ? p.message : 'unreadable key' };
  const pass = await passphrases.get(file);
  if (pass === undefined) return { ok: false, file, reason: `encrypted, and no passphrase from ${passphrases.describe()}` };
  const dec = first(utils.parseKey(data, pass));
  if (!dec || dec instanceof Error) return { ok: false, file, reason: `the passphrase from ${passphrases.describe()} does not decrypt it` };
  return { ok: true, file, key: dec };
}

/**
 * ssh-agent client that only offers some keys (IdentitiesOnly: the ones whose public half matches
 * an IdentityFile), like ssh does.
 */
export class FilteredAgent extends OpenSSHAgent {
  constructor(
    socketPath: string,
    private readonly allow: ((blob: Buffer) => boolean) | undefined,
    private readonly seen: (blob: Buffer) => void,
  ) {
    super(socketPath);
  }
  override getIdentities(cb: Parameters<InstanceType<typeof OpenSSHAgent>['getIdentities']>[0]): void {
    super.getIdentities((err, found) => {
      if (err || !found) return cb(err, found);
      // The OpenSSH agent client always answers parsed keys.
      const keys = found as ParsedKey[];
      const offered = keys.filter((k) => !this.allow || this.allow(k.getPublicSSH()));
      for (const k of offered) this.seen(k.getPublicSSH());
      cb(undefined, offered);
    });
  }
}
