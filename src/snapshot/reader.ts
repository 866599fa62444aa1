import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { damagedFileMessage, type Diagnostic } from '../model/diagnostic.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION, type Manifest, type ManifestCommand } from '../model/manifest.js';
import { fail, ok, type Result } from '../model/result.js';
// pack.ts imports this module too; both only call each other inside functions, so the cycle is safe.
import { resolveSnapshotPath } from './pack.js';

/** An opened snapshot directory: its manifest and a way to read the raw outputs it recorded. */
export interface SnapshotSource {
  readonly dir: string;
  readonly manifest: Manifest;
  /**
   * Text of a host's command output (`.out` only: partial outputs are never read as data). The
   * file is checked against the size and sha256 the manifest recorded; a listed file that is
   * missing or differs is an error diagnostic pushed to `diagnostics` (once per file), so the
   * caller reports it with its parser diagnostics. A missing file reads as undefined; a file that
   * differs is still returned (what it says is all there is), marked `damaged`.
   */
  hostOutput(host: string, id: string, diagnostics: Diagnostic[]): Promise<OutputText | undefined>;
  centralOutput(id: string, diagnostics: Diagnostic[]): Promise<OutputText | undefined>;
  /**
   * What a host's command printed on stderr (its `.err`), checked like `hostOutput`: against
   * `errBytes`/`errSha256` where the manifest recorded them, for presence where it did not (older
   * collections). Undefined when there was none, or the file is missing.
   */
  hostStderr(host: string, id: string, diagnostics: Diagnostic[]): Promise<OutputText | undefined>;
}

export interface OutputText {
  /** Snapshot-relative path, for diagnostics. */
  readonly file: string;
  readonly text: string;
  readonly command: ManifestCommand;
  /** sha256 of the bytes read (the manifest's when they match it). */
  readonly sha256: string;
  /** Set when the file is not what was collected (size or digest differ from the manifest). */
  readonly damaged?: Diagnostic;
}

/** What a damaged-file diagnostic says was wrong with the file. */
export type Damage = NonNullable<Diagnostic['damage']>;

/** A diagnostic about a snapshot file itself (missing, or changed after collection), with its detail. */
export interface DamagedFileDiagnostic extends Diagnostic {
  readonly damage: Damage;
  readonly damageDetail: string;
}

/**
 * Compares the bytes of a listed output with what the manifest recorded; the diagnostic says what
 * differs (the size when it differs, else the digest). The digest is computed either way: the
 * flow cache keys on it when the manifest recorded none.
 */
export function checkOutput(bytes: Uint8Array, cmd: { readonly bytes?: number; readonly sha256?: string }, where: { host?: string; file: string }): { sha256: string; damaged?: DamagedFileDiagnostic } {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (typeof cmd.bytes === 'number' && bytes.length !== cmd.bytes) {
    const shorter = bytes.length < cmd.bytes;
    return {
      sha256,
      damaged: damagedFile(where, 'size', `${bytes.length} bytes where the manifest recorded ${cmd.bytes} — the file changed after collection${shorter ? ' (truncated?)' : ''}; what is read from it is not what the host printed`),
    };
  }
  if (typeof cmd.sha256 === 'string' && sha256 !== cmd.sha256)
    return { sha256, damaged: damagedFile(where, 'digest', `its sha256 is not the one the manifest recorded (same size, other content) — the file changed after collection; what is read from it is not what the host printed`) };
  return { sha256 };
}

/** The diagnostic for a damaged file: `detail` says what is wrong, the message shows it under the `damaged: ` heading. */
export function damagedFile(where: { host?: string; file: string }, damage: Damage, detail: string): DamagedFileDiagnostic {
  return { severity: 'error', ...(where.host !== undefined ? { host: where.host } : {}), file: where.file, message: damagedFileMessage(detail), damage, damageDetail: detail };
}

/** Adds `d` unless the list already says the same about the same file. */
function pushOnce(diagnostics: Diagnostic[], d: Diagnostic): void {
  if (!diagnostics.some((x) => x.file === d.file && x.host === d.host && x.message === d.message)) diagnostics.push(d);
}

/** What the manifest recorded of a command's stderr file, in the shape `checkOutput` compares with. */
export function stderrRecord(cmd: ManifestCommand): { readonly bytes?: number; readonly sha256?: string } {
  return { ...(cmd.errBytes !== undefined ? { bytes: cmd.errBytes } : {}), ...(cmd.errSha256 !== undefined ? { sha256: cmd.errSha256 } : {}) };
}

/** Fails when `hosts` names a host the snapshot does not have (saying which it has); passes for none. */
export function knownHosts(manifest: { readonly hosts: readonly { readonly name: string }[] }, hosts: readonly string[] | undefined): Result<undefined> {
  if (!hosts?.length) return ok(undefined);
  const known = manifest.hosts.map((h) => h.name);
  const unknown = [...new Set(hosts)].filter((h) => !known.includes(h));
  return unknown.length ? fail(`host ${unknown.join(', ')} is not in the snapshot (it has: ${known.join(', ') || 'no hosts'})`) : ok(undefined);
}

/** Opens a snapshot directory, or a packed fixture (.tar.gz), which is verified and unpacked to a cache. */
export async function openSnapshot(path: string): Promise<Result<SnapshotSource>> {
  const resolved = await resolveSnapshotPath(path);
  if (!resolved.ok) return resolved;
  return openSnapshotDir(resolved.value);
}

export async function openSnapshotDir(dir: string): Promise<Result<SnapshotSource>> {
  const manifestPath = join(dir, 'manifest.json');
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) return fail(`${dir} is not a snapshot directory`);
  } catch {
    return fail(`${dir}: no such snapshot directory`);
  }
  let raw: string;
  try {
    raw = await readFile(manifestPath, 'utf8');
  } catch {
    return fail(`${manifestPath} is missing: ${dir} is not an ovnscope snapshot, or its collection never finished`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    return fail(`${manifestPath}: not valid JSON (${(e as Error).message})`);
  }
  const check = validateManifest(parsed);
  if (!check.ok) return fail(`${manifestPath}: ${check.error.message}`);
  const manifest = check.value;
  /** Reads `cmd`'s stdout (`.out` only) or, with `stderr`, its `.err`, checked against the manifest. */
  const read = async (cmd: ManifestCommand | undefined, host: string | undefined, diagnostics: Diagnostic[], stderr = false): Promise<OutputText | undefined> => {
    const file = stderr ? cmd?.errFile : cmd?.file;
    if (!cmd || !file || !file.endsWith(stderr ? '.err' : '.out')) return undefined;
    const expected = stderr ? stderrRecord(cmd) : cmd;
    const what = stderr ? `what ${cmd.id} printed on stderr is unknown` : `${cmd.id} reads as not collected`;
    const where = { host, file };
    let bytes: Buffer;
    try {
      bytes = await readFile(join(dir, file));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      pushOnce(
        diagnostics,
        code === 'ENOENT'
          ? damagedFile(where, 'missing', `listed in the manifest${expected.bytes !== undefined ? ` (${expected.bytes} bytes)` : ''} but missing — the file was removed after collection; ${what}`)
          : damagedFile(where, 'missing', `listed in the manifest but unreadable (${code ?? (e as Error).message}); ${what}`),
      );
      return undefined;
    }
    const checked = checkOutput(bytes, expected, where);
    if (checked.damaged) pushOnce(diagnostics, checked.damaged);
    return { file, text: bytes.toString('utf8'), command: cmd, sha256: checked.sha256, ...(checked.damaged ? { damaged: checked.damaged } : {}) };
  };
  const hostCommand = (host: string, id: string) => manifest.hosts.find((h) => h.name === host)?.commands.find((c) => c.id === id);
  const centralWhere = manifest.central ? `central (via ${manifest.central.via})` : undefined;
  return ok({
    dir,
    manifest,
    hostOutput: (host, id, diagnostics) => read(hostCommand(host, id), host, diagnostics),
    centralOutput: (id, diagnostics) => read(manifest.central?.commands.find((c) => c.id === id), centralWhere, diagnostics),
    hostStderr: (host, id, diagnostics) => read(hostCommand(host, id), host, diagnostics, true),
  });
}

/**
 * Structural check of a manifest; says which field is wrong (`hosts[0].commands[3].file: ...`).
 * Every field ovnscope reads is checked here, once, so a hand-edited or crafted manifest is a
 * usage error rather than a TypeError deep in a loader. Output paths must stay inside the
 * snapshot: relative, without `.`/`..` segments, a host's under `hosts/<host>/`, the central
 * ones under `central/` — every command reads and `fixture pack` copies what they name.
 */
export function validateManifest(value: unknown): Result<Manifest> {
  if (!isObject(value)) return fail('manifest is not a JSON object');
  const m = value;
  if (m.format !== SNAPSHOT_FORMAT) return fail(`"format" is ${JSON.stringify(m.format)}, expected "${SNAPSHOT_FORMAT}"`);
  if (typeof m.formatVersion !== 'number') return fail('"formatVersion" is missing');
  if (m.formatVersion > SNAPSHOT_FORMAT_VERSION)
    return fail(`snapshot format version ${m.formatVersion} is newer than this ovnscope understands (${SNAPSHOT_FORMAT_VERSION}); upgrade ovnscope`);
  if (!Array.isArray(m.hosts)) return fail('"hosts" must be an array');
  const top =
    optional(m, 'toolVersion', 'string') ??
    optional(m, 'created', 'string') ??
    optional(m, 'finished', 'string') ??
    optional(m, 'complete', 'boolean') ??
    optional(m, 'interrupted', 'boolean') ??
    stringArray(m.missing, 'missing', true) ??
    (m.options !== undefined && !isObject(m.options) ? 'options: expected an object' : undefined);
  if (top) return fail(top);
  const names = new Set<string>();
  for (const [i, h] of (m.hosts as unknown[]).entries()) {
    if (!isObject(h) || typeof h.name !== 'string') return fail(isObject(h) ? `hosts[${i}] has no name` : `hosts[${i}]: expected an object`);
    const name = h.name;
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) return fail(`hosts[${i}].name: ${JSON.stringify(name)} cannot be a directory name under hosts/`);
    if (names.has(name)) return fail(`hosts[${i}].name: host ${name} is listed twice`);
    names.add(name);
    if (!Array.isArray(h.commands)) return fail(`hosts[${i}].commands must be an array`);
    const bad =
      optional(h, 'transport', 'string', `hosts[${i}]`) ??
      optional(h, 'status', 'string', `hosts[${i}]`) ??
      optional(h, 'error', 'string', `hosts[${i}]`) ??
      stringArray(h.wrapper, `hosts[${i}].wrapper`, true) ??
      stringArray(h.bridges, `hosts[${i}].bridges`, false) ??
      commandsProblem(h.commands as unknown[], `hosts[${i}]`, `hosts/${name}/`);
    if (bad) return fail(bad);
  }
  if (m.central !== undefined) {
    if (!isObject(m.central)) return fail('central: expected an object');
    const c = m.central;
    const bad =
      (typeof c.via !== 'string' ? 'central.via: expected a string' : undefined) ??
      optional(c, 'nb', 'string', 'central') ??
      optional(c, 'sb', 'string', 'central') ??
      (!Array.isArray(c.commands) ? 'central.commands must be an array' : commandsProblem(c.commands as unknown[], 'central', 'central/'));
    if (bad) return fail(bad);
  }
  // Defaults for what older or hand-made manifests leave out (read as "nothing recorded").
  // Appended, not prepended: a manifest that has them re-serialises byte for byte (fixture pack).
  const withDefaults = <T extends Record<string, unknown>>(o: T, defaults: Record<string, unknown>): T => {
    const out: Record<string, unknown> = { ...o };
    for (const [k, v] of Object.entries(defaults)) if (out[k] === undefined) out[k] = v;
    return out as T;
  };
  return ok(withDefaults({ ...m, hosts: (m.hosts as Record<string, unknown>[]).map((h) => withDefaults(h, { wrapper: [] })) }, { missing: [], options: {} }) as unknown as Manifest);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `where.key` is absent or of `type`; else what is wrong. */
function optional(o: Record<string, unknown>, key: string, type: 'string' | 'boolean' | 'number', where?: string): string | undefined {
  const v = o[key];
  return v === undefined || typeof v === type ? undefined : `${where ? `${where}.` : ''}${key}: expected a ${type}, got ${JSON.stringify(v)}`;
}

function stringArray(v: unknown, where: string, optionalField: boolean): string | undefined {
  if (v === undefined && optionalField) return undefined;
  if (!Array.isArray(v)) return `${where}: expected an array of strings`;
  const i = v.findIndex((x) => typeof x !== 'string');
  return i < 0 ? undefined : `${where}[${i}]: expected a string`;
}

function commandsProblem(commands: readonly unknown[], where: string, dir: string): string | undefined {
  for (const [j, c] of commands.entries()) {
    const at = `${where}.commands[${j}]`;
    if (!isObject(c)) return `${at}: expected an object`;
    if (typeof c.id !== 'string' || c.id === '') return `${at}.id: expected a non-empty string`;
    if (typeof c.status !== 'string') return `${at}.status: expected a string`;
    if (typeof c.bytes !== 'number' || !Number.isSafeInteger(c.bytes) || c.bytes < 0) return `${at}.bytes: expected a byte count, got ${JSON.stringify(c.bytes)}`;
    if (c.exitCode !== undefined && c.exitCode !== null && typeof c.exitCode !== 'number') return `${at}.exitCode: expected a number or null`;
    if (c.sha256 !== undefined && (typeof c.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(c.sha256))) return `${at}.sha256: expected 64 hex digits`;
    if (c.errBytes !== undefined && (typeof c.errBytes !== 'number' || !Number.isSafeInteger(c.errBytes) || c.errBytes < 0)) return `${at}.errBytes: expected a byte count, got ${JSON.stringify(c.errBytes)}`;
    if (c.errSha256 !== undefined && (typeof c.errSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(c.errSha256))) return `${at}.errSha256: expected 64 hex digits`;
    const bad =
      optional(c, 'required', 'boolean', at) ??
      optional(c, 'durationMs', 'number', at) ??
      optional(c, 'error', 'string', at) ??
      stringArray(c.argv, `${at}.argv`, true) ??
      stringArray(c.executed, `${at}.executed`, true) ??
      pathProblem(c.file, `${at}.file`, dir) ??
      pathProblem(c.errFile, `${at}.errFile`, dir);
    if (bad) return bad;
  }
  return undefined;
}

/** An output path must be a plain relative path under `dir` (`hosts/<host>/` or `central/`). */
function pathProblem(file: unknown, where: string, dir: string): string | undefined {
  if (file === undefined) return undefined;
  if (typeof file !== 'string') return `${where}: expected a string, got ${JSON.stringify(file)}`;
  const segments = file.split('/');
  const plain = !file.startsWith('/') && !file.includes('\\') && !file.includes('\0') && segments.every((s) => s !== '' && s !== '.' && s !== '..');
  if (!plain || !file.startsWith(dir)) return `${where}: ${JSON.stringify(file)} is not a path inside the snapshot's ${dir} directory (every output file must be a relative path under ${dir}, without "." or ".." segments)`;
  return undefined;
}
