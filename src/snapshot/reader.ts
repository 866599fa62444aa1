import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION, type Manifest, type ManifestCommand } from '../model/manifest.js';
import { fail, ok, type Result } from '../model/result.js';
// pack.ts imports this module too; both only call each other inside functions, so the cycle is safe.
import { resolveSnapshotPath } from './pack.js';

/** An opened snapshot directory: its manifest and a way to read the raw outputs it recorded. */
export interface SnapshotSource {
  readonly dir: string;
  readonly manifest: Manifest;
  /** Text of a host's command output (`.out` only: partial outputs are never read as data). */
  hostOutput(host: string, id: string): Promise<OutputText | undefined>;
  centralOutput(id: string): Promise<OutputText | undefined>;
}

export interface OutputText {
  /** Snapshot-relative path, for diagnostics. */
  readonly file: string;
  readonly text: string;
  readonly command: ManifestCommand;
}

/** Opens a snapshot directory, or a packed fixture (.tar.gz), which is verified and unpacked to a cache. */
/** Fails when `hosts` names a host the snapshot does not have (saying which it has); passes for none. */
export function knownHosts(manifest: { readonly hosts: readonly { readonly name: string }[] }, hosts: readonly string[] | undefined): Result<undefined> {
  if (!hosts?.length) return ok(undefined);
  const known = manifest.hosts.map((h) => h.name);
  const unknown = [...new Set(hosts)].filter((h) => !known.includes(h));
  return unknown.length ? fail(`host ${unknown.join(', ')} is not in the snapshot (it has: ${known.join(', ') || 'no hosts'})`) : ok(undefined);
}

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
  const read = async (cmd: ManifestCommand | undefined): Promise<OutputText | undefined> => {
    if (!cmd?.file || !cmd.file.endsWith('.out')) return undefined;
    try {
      return { file: cmd.file, text: await readFile(join(dir, cmd.file), 'utf8'), command: cmd };
    } catch {
      return undefined;
    }
  };
  return ok({
    dir,
    manifest,
    hostOutput: (host, id) => read(manifest.hosts.find((h) => h.name === host)?.commands.find((c) => c.id === id)),
    centralOutput: (id) => read(manifest.central?.commands.find((c) => c.id === id)),
  });
}

/** Structural check of a manifest; says which field is wrong. */
export function validateManifest(value: unknown): Result<Manifest> {
  if (typeof value !== 'object' || value === null) return fail('manifest is not a JSON object');
  const m = value as Record<string, unknown>;
  if (m.format !== SNAPSHOT_FORMAT) return fail(`"format" is ${JSON.stringify(m.format)}, expected "${SNAPSHOT_FORMAT}"`);
  if (typeof m.formatVersion !== 'number') return fail('"formatVersion" is missing');
  if (m.formatVersion > SNAPSHOT_FORMAT_VERSION)
    return fail(`snapshot format version ${m.formatVersion} is newer than this ovnscope understands (${SNAPSHOT_FORMAT_VERSION}); upgrade ovnscope`);
  if (!Array.isArray(m.hosts)) return fail('"hosts" must be an array');
  for (const [i, h] of (m.hosts as unknown[]).entries()) {
    if (typeof h !== 'object' || h === null || typeof (h as { name?: unknown }).name !== 'string') return fail(`hosts[${i}] has no name`);
    if (!Array.isArray((h as { commands?: unknown }).commands)) return fail(`hosts[${i}].commands must be an array`);
  }
  return ok(value as Manifest);
}
