import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Manifest, ManifestCommand } from '../model/manifest.js';
import { fail, ok, type Result } from '../model/result.js';
import { TOOL_VERSION } from '../version.js';
import { checkOutput, openSnapshotDir, stderrRecord, validateManifest } from './reader.js';
import type { RedactionSummary } from './redact-snapshot.js';

/**
 * A fixture is a snapshot packed into one .tar.gz a person can attach to a ticket. It holds the
 * snapshot under `snapshot/`, a `FIXTURE.json` describing the pack, and a README on replaying it.
 */
export const FIXTURE_FORMAT = 'ovnscope-fixture';
export const FIXTURE_FORMAT_VERSION = 1;
const ROOT = 'ovnscope-fixture';

/**
 * A pack limited to the hosts on the path between two endpoints (`fixture pack --only-path`):
 * recorded in the packed manifest (`options.pathScope`) and in FIXTURE.json.
 */
export interface PackPathScope {
  readonly from: string;
  readonly to: string;
  /** Packed hosts (the chassis on the path that the snapshot has). */
  readonly hosts: readonly string[];
  /** Hosts the source snapshot had. */
  readonly hostsInSource: number;
  /** The chassis on the path, their roles and why, as `chassisPath` found them. */
  readonly chassis: readonly { readonly chassis: string; readonly roles: readonly string[]; readonly host?: string; readonly why: readonly string[] }[];
  /** Chassis on the path the source snapshot did not have (not collected). */
  readonly missing: readonly string[];
  readonly notes: readonly string[];
  readonly by: 'ovnscope fixture pack --only-path';
}

export interface FixtureInfo {
  readonly format: typeof FIXTURE_FORMAT;
  readonly formatVersion: number;
  readonly toolVersion: string;
  readonly packedAt: string;
  readonly snapshotCreated: string;
  readonly hosts: readonly string[];
  /** Set for a path-scoped pack: the endpoints and the hosts kept (NB/SB are always whole). */
  readonly pathScope?: PackPathScope;
  readonly redacted: boolean;
  /** What was redacted (kinds, counts, what is deliberately kept); never the key or the mapping. */
  readonly redaction?: RedactionSummary;
  /** sha256 of every packed file, so unpacking can prove nothing was lost or altered. */
  readonly files: Readonly<Record<string, string>>;
}

function readme(info: FixtureInfo): string {
  return `# ovnscope fixture

Packed ${info.packedAt} by ovnscope ${info.toolVersion} from a snapshot collected ${info.snapshotCreated}
(hosts: ${info.hosts.join(', ')}${info.redacted ? '; addresses and names are redacted' : ''}).
${info.pathScope ? pathNote(info.pathScope) : ''}${info.redacted ? redactedNote(info) : ''}
Replay it with any ovnscope command, passing this file as --snapshot, for example:

    npx ovnscope snapshot show --snapshot THIS-FILE.tar.gz
    npx ovnscope flows --snapshot THIS-FILE.tar.gz --host ${info.hosts[0] ?? 'HOST'} --table 0

or unpack it first: npx ovnscope fixture unpack --snapshot THIS-FILE.tar.gz --out DIR
`;
}

function pathNote(p: PackPathScope): string {
  return `
This fixture is PATH-SCOPED: it holds only the ${p.hosts.length} of ${p.hostsInSource} hosts on the path
between ${p.from} and ${p.to} (${p.chassis.map((c) => `${c.host ?? c.chassis}: ${c.roles.join('+')}`).join(', ')}).
The NB and SB databases are whole.${p.missing.length ? ` Chassis on the path that were not collected: ${p.missing.join(', ')}.` : ''}
`;
}

function redactedNote(info: FixtureInfo): string {
  const kinds = info.redaction?.kinds.join(', ') ?? 'addresses and names';
  return `
This fixture is REDACTED. Replaced consistently across all files: ${kinds}.
IP and MAC addresses are mapped prefix-preservingly, so subnets, masks, routes and ACL matches
mean the same and traces give the same verdicts. The mapping back to the real values is not in
this pack: whoever packed it kept it, and can translate answers with \`ovnscope fixture unmap\`.
`;
}

/** tar is imported when a fixture is packed or unpacked: every command reads snapshots through this module. */
const loadTar = () => import('tar');

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface PackOptions {
  readonly hosts?: readonly string[];
  /** Record the pack as path-scoped (the caller chose `hosts` from the path). */
  readonly pathScope?: PackPathScope;
  /**
   * Rewrites the staged copy before it is packed (redaction): reads `dir` (a private copy of the
   * packed files and manifest.json), writes the snapshot to pack into `out` (manifest.json
   * included) and returns its manifest and files (snapshot-relative, manifest.json excluded).
   */
  readonly transform?: (staged: { readonly dir: string; readonly out: string; readonly manifest: Manifest }) => Promise<
    Result<{ readonly manifest: Manifest; readonly files: readonly string[]; readonly redaction?: RedactionSummary }>
  >;
}

/** Why `out` cannot be written as a new file: it exists (never overwritten), or its directory does not. */
export async function outputFileProblem(out: string, flag = '-o'): Promise<string | undefined> {
  try {
    await stat(out);
    return `${flag} ${out} already exists; fixture pack never overwrites a file: choose another name or remove it first`;
  } catch {
    // expected: it must not exist
  }
  try {
    if (!(await stat(dirname(out))).isDirectory()) return `${flag} ${out}: ${dirname(out)} is not a directory`;
  } catch {
    return `${flag} ${out}: directory ${dirname(out)} does not exist`;
  }
  return undefined;
}

/**
 * Packs a snapshot directory (read-only on the source) into `out`, written via a temporary name.
 * A damaged snapshot (a listed file missing, or not the size/sha256 its manifest recorded) is
 * refused, naming the files: FIXTURE.json would vouch for the damaged bytes, and whoever replays
 * the fixture could no longer tell.
 */
export async function packSnapshot(dir: string, out: string, options: PackOptions = {}): Promise<Result<FixtureInfo>> {
  const outProblem = await outputFileProblem(out);
  if (outProblem) return fail(outProblem);
  const opened = await openSnapshotDir(dir);
  if (!opened.ok) return opened;
  const m = opened.value.manifest;
  const hostNames = m.hosts.map((h) => h.name);
  const wanted = options.hosts ?? hostNames;
  const unknown = wanted.filter((h) => !hostNames.includes(h));
  if (unknown.length) return fail(`--hosts: ${unknown.join(', ')} not in the snapshot (it has: ${hostNames.join(', ')})`);
  // The packed manifest lists only the packed hosts, so the fixture is self-consistent.
  const manifest: Manifest = {
    ...m,
    hosts: m.hosts.filter((h) => wanted.includes(h.name)),
    ...(options.pathScope ? { options: { ...m.options, pathScope: options.pathScope } } : {}),
  };
  const relFiles = ['manifest.json'];
  /** Each listed output with the manifest entry that vouches for it (stderr files: by errBytes/errSha256, presence only where older manifests lack them). */
  const listed = new Map<string, { cmd: ManifestCommand; host?: string; isOutput: boolean }>();
  const list = (cmd: ManifestCommand, host: string | undefined) => {
    for (const [rel, isOutput] of [[cmd.file, true], [cmd.errFile, false]] as const)
      if (rel) {
        relFiles.push(rel);
        listed.set(rel, { cmd, host, isOutput });
      }
  };
  for (const h of manifest.hosts) for (const c of h.commands) list(c, h.name);
  for (const c of manifest.central?.commands ?? []) list(c, undefined);
  const damaged: string[] = [];

  const stage = await mkdtemp(join(tmpdir(), 'ovnscope-pack-'));
  try {
    const root = join(stage, ROOT);
    const packDir = join(root, 'snapshot');
    const copyDir = options.transform ? join(stage, 'original') : packDir;
    for (const rel of relFiles) {
      const dest = join(copyDir, rel);
      await mkdir(dirname(dest), { recursive: true });
      if (rel === 'manifest.json') await writeFile(dest, JSON.stringify(manifest, null, 2) + '\n');
      else {
        let bytes: Buffer;
        try {
          bytes = await readFile(join(dir, rel));
        } catch (e) {
          damaged.push(`${rel}: listed in the manifest but ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `unreadable (${(e as Error).message})`}`);
          continue;
        }
        const entry = listed.get(rel)!;
        const d = checkOutput(bytes, entry.isOutput ? entry.cmd : stderrRecord(entry.cmd), { host: entry.host, file: rel }).damaged;
        if (d) damaged.push(`${rel}: ${d.damageDetail}`);
        await writeFile(dest, bytes);
      }
    }
    if (damaged.length)
      return fail(
        `${dir} is damaged: ${damaged.length === 1 ? 'a file' : `${damaged.length} files`} changed after collection, and a fixture would vouch for ${damaged.length === 1 ? 'it' : 'them'}; nothing was written:\n${damaged.map((d) => `  ${d}`).join('\n')}\ncollect again, or pack an intact copy (ovnscope snapshot show lists what is damaged)`,
      );
    let packed: Manifest = manifest;
    let packedFiles: readonly string[] = relFiles;
    let redaction: RedactionSummary | undefined;
    if (options.transform) {
      await mkdir(packDir, { recursive: true });
      const t = await options.transform({ dir: copyDir, out: packDir, manifest });
      if (!t.ok) return t;
      packed = t.value.manifest;
      packedFiles = ['manifest.json', ...t.value.files];
      redaction = t.value.redaction;
      await writeFile(join(packDir, 'manifest.json'), JSON.stringify(packed, null, 2) + '\n');
      await rm(copyDir, { recursive: true, force: true });
    }
    const files: Record<string, string> = {};
    for (const rel of packedFiles) files[`snapshot/${rel}`] = await sha256File(join(packDir, rel));
    const info: FixtureInfo = {
      format: FIXTURE_FORMAT,
      formatVersion: FIXTURE_FORMAT_VERSION,
      toolVersion: TOOL_VERSION,
      packedAt: new Date().toISOString(),
      snapshotCreated: m.created,
      hosts: packed.hosts.map((h) => h.name),
      // From the packed manifest: redacted like everything else in it.
      ...(options.pathScope ? { pathScope: packed.options['pathScope'] as PackPathScope } : {}),
      redacted: redaction !== undefined,
      ...(redaction ? { redaction } : {}),
      files,
    };
    await writeFile(join(root, 'FIXTURE.json'), JSON.stringify(info, null, 2) + '\n');
    await writeFile(join(root, 'README.md'), readme(info));
    const tmpOut = join(dirname(out), `.${basename(out)}.${randomBytes(3).toString('hex')}.part`);
    try {
      const tar = await loadTar();
      await tar.create({ gzip: true, file: tmpOut, cwd: stage, portable: true }, [ROOT]);
      await rename(tmpOut, out);
    } catch (e) {
      await rm(tmpOut, { force: true });
      // A path, a permission, a full disk: the user's to fix (exit 2); anything else is a bug.
      return fail(`could not write ${out}: ${(e as Error).message}`, (e as NodeJS.ErrnoException).code ? 2 : 4);
    }
    return ok(info);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** Unpacks a fixture into `outDir` (must not exist), checking every entry and every file's digest. */
export async function unpackFixture(file: string, outDir: string): Promise<Result<FixtureInfo>> {
  try {
    await stat(outDir);
    return fail(`${outDir} already exists; choose a new directory`);
  } catch {
    // expected: it must not exist
  }
  const stage = join(dirname(outDir), `.${basename(outDir)}.unpack-${randomBytes(3).toString('hex')}`);
  await mkdir(stage, { recursive: true });
  try {
    const extracted = await extractChecked(file, stage);
    if (!extracted.ok) return extracted;
    const info = extracted.value;
    await rename(join(stage, ROOT, 'snapshot'), outDir);
    return ok(info);
  } finally {
    // tar may still be flushing entries after it rejected a broken pack: retry the cleanup.
    await rm(stage, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  }
}

async function extractChecked(file: string, stage: string): Promise<Result<FixtureInfo>> {
  let bad: string | undefined;
  try {
    const tar = await loadTar();
    await tar.extract({
      file,
      cwd: stage,
      strict: true,
      filter: (path, entry) => {
        const type = (entry as { type?: string }).type;
        const okPath = path === ROOT || path === `${ROOT}/` || (path.startsWith(`${ROOT}/`) && !path.split('/').includes('..'));
        const okType = type === 'File' || type === 'Directory' || type === 'OldFile';
        if (!okPath || !okType) bad ??= `${path} (${type ?? 'unknown'})`;
        return okPath && okType;
      },
    });
  } catch (e) {
    return fail(`${file}: not a readable ovnscope fixture (${(e as Error).message}); was it truncated or is it another kind of file?`);
  }
  if (bad) return fail(`${file}: unexpected entry ${bad}; an ovnscope fixture only holds files under ${ROOT}/`);
  let info: FixtureInfo;
  try {
    info = JSON.parse(await readFile(join(stage, ROOT, 'FIXTURE.json'), 'utf8')) as FixtureInfo;
  } catch {
    return fail(`${file}: FIXTURE.json is missing or not JSON; this is not an ovnscope fixture`);
  }
  if (info.format !== FIXTURE_FORMAT) return fail(`${file}: format is ${JSON.stringify(info.format)}, not ${FIXTURE_FORMAT}`);
  if (typeof info.formatVersion !== 'number' || info.formatVersion > FIXTURE_FORMAT_VERSION)
    return fail(`${file}: fixture format version ${String(info.formatVersion)} is newer than this ovnscope understands (${FIXTURE_FORMAT_VERSION}); upgrade ovnscope`);
  for (const [rel, digest] of Object.entries(info.files ?? {})) {
    let actual: string;
    try {
      actual = await sha256File(join(stage, ROOT, rel));
    } catch {
      return fail(`${file}: ${rel} is listed in FIXTURE.json but missing from the pack (truncated?)`);
    }
    if (actual !== digest) return fail(`${file}: ${rel} does not match its sha256 in FIXTURE.json (corrupted)`);
  }
  // Every file must be vouched for: FIXTURE.json lists the snapshot's, README.md and itself are the pack's own.
  const listed = new Set([...Object.keys(info.files ?? {}), 'FIXTURE.json', 'README.md']);
  const present = (await readdir(join(stage, ROOT), { recursive: true, withFileTypes: true })).filter((e) => !e.isDirectory());
  const unlisted = present.map((e) => relative(join(stage, ROOT), join(e.parentPath, e.name)).split(sep).join('/')).filter((rel) => !listed.has(rel));
  if (unlisted.length) return fail(`${file}: ${unlisted.slice(0, 5).join(', ')}${unlisted.length > 5 ? ` and ${unlisted.length - 5} more` : ''} ${unlisted.length === 1 ? 'is' : 'are'} not listed in FIXTURE.json: an ovnscope fixture holds only files whose sha256 it records (was it altered after packing?)`);
  const manifest = validateManifest(JSON.parse(await readFile(join(stage, ROOT, 'snapshot', 'manifest.json'), 'utf8').catch(() => 'null')));
  if (!manifest.ok) return fail(`${file}: snapshot/manifest.json: ${manifest.error.message}`);
  return ok(info);
}

/**
 * Lets every analysis command take a packed fixture as --snapshot: a file is unpacked (verified) into
 * a cache directory keyed by its digest and reused on the next run.
 */
export async function resolveSnapshotPath(path: string): Promise<Result<string>> {
  let st;
  try {
    st = await stat(path);
  } catch {
    return fail(`${path}: no such snapshot directory or fixture file`);
  }
  if (st.isDirectory()) return ok(path);
  const digest = await sha256File(path);
  const cached = join(tmpdir(), 'ovnscope-fixtures', digest.slice(0, 32));
  try {
    await stat(join(cached, 'manifest.json'));
    return ok(cached);
  } catch {
    await mkdir(dirname(cached), { recursive: true });
    const r = await unpackFixture(path, cached);
    if (!r.ok) {
      // Another process may have unpacked the same file at the same time.
      try {
        await stat(join(cached, 'manifest.json'));
        return ok(cached);
      } catch {
        return r;
      }
    }
    return ok(cached);
  }
}
