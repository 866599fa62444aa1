import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fail, ok, type Result } from '../model/result.js';
import { loadSnapshot } from '../snapshot/load.js';
import { outputFileProblem, packSnapshot, unpackFixture, type FixtureInfo, type PackPathScope } from '../snapshot/pack.js';
import { chassisPath } from '../snapshot/resolve.js';
import { openSnapshotDir } from '../snapshot/reader.js';
import { validateKeywords, type Redactor } from '../snapshot/redact.js';
import { redactSnapshotDir, type RedactionReport } from '../snapshot/redact-snapshot.js';
import { loadMappingFile, unmapText } from '../snapshot/redact-unmap.js';

export interface RedactRequest {
  /** Key file: read when it exists, created (32 random bytes, mode 0600) when it does not. */
  readonly keyFile?: string;
  readonly keywords?: readonly string[];
  /** File with more keywords, one per line (`#` comments and blank lines ignored). */
  readonly keywordsFile?: string;
  /** Where the mapping goes (default `<out>.mapping.json`); never inside the pack. */
  readonly mappingOut?: string;
}

export interface PackRequest {
  readonly snapshot: string;
  readonly out: string;
  readonly hosts?: readonly string[];
  /** Keep only the hosts on the path between two endpoints (ports, VMs, pods, IPs; see resolve.ts). */
  readonly onlyPath?: { readonly from: string; readonly to: string };
  readonly redact?: RedactRequest;
}

export interface PackResult extends FixtureInfo {
  /** Set when redacting: where the mapping was written. */
  readonly mappingFile?: string;
  /** Set when a key file was created by this pack. */
  readonly keyFileCreated?: string;
  readonly report?: RedactionReport;
}

export const MIN_KEY_BYTES = 16;

/** Reads the key file, or creates it with a fresh random key. */
export async function loadOrCreateKey(path: string): Promise<Result<{ key: Uint8Array; created: boolean }>> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return fail(`--redact-key-file ${path}: ${(e as Error).message}`);
    const key = randomBytes(32).toString('hex');
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(key + '\n');
      await fh.close();
    } catch (err) {
      return fail(`--redact-key-file ${path}: could not create it (${(err as Error).message})`);
    }
    return ok({ key: Buffer.from(key), created: true });
  }
  const key = Buffer.from(raw.toString('latin1').trim(), 'latin1');
  if (key.length < MIN_KEY_BYTES) return fail(`--redact-key-file ${path}: the key must have at least ${MIN_KEY_BYTES} bytes (it has ${key.length}); delete the file to have a new one made`);
  return ok({ key, created: false });
}

async function keywordsOf(req: RedactRequest): Promise<Result<string[]>> {
  const list = [...(req.keywords ?? [])];
  if (req.keywordsFile) {
    let text: string;
    try {
      text = await readFile(req.keywordsFile, 'utf8');
    } catch (e) {
      return fail(`--keywords-file ${req.keywordsFile}: ${(e as Error).message}`);
    }
    for (const line of text.split('\n')) {
      const t = line.replace(/#.*$/, '').trim();
      if (t) list.push(t);
    }
  }
  return validateKeywords(list);
}

function inside(parent: string, child: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}

/** Writes a file atomically with mode 0600 (the mapping holds the real addresses and names). */
async function writePrivate(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(3).toString('hex')}.part`);
  try {
    await writeFile(tmp, text, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * The hosts on the path between two endpoints, from the snapshot's own SB/NB (`chassisPath`): the
 * source's and the destination's chassis and the gateway chassis of the routers between them.
 */
export async function pathScopeOf(snapshot: string, from: string, to: string): Promise<Result<PackPathScope>> {
  const loaded = await loadSnapshot(snapshot);
  if (!loaded.ok) return loaded;
  const snap = loaded.value;
  if (!snap.sb) return fail('--only-path needs the SB to find the path, and this snapshot has none (collected without an "ovn:" section)');
  const p = chassisPath(snap, from, to);
  if (!p.ok) return p;
  const order = snap.manifest.hosts.map((h) => h.name);
  const onPath = new Set(p.value.chassis.map((c) => c.host).filter((h): h is string => h !== undefined));
  const hosts = order.filter((h) => onPath.has(h));
  if (!hosts.length)
    return fail(
      `--only-path: no host of the snapshot is on the path from ${from} to ${to}${p.value.chassis.length ? ` (the path touches ${p.value.chassis.map((c) => c.chassis).join(', ')}, none of them collected)` : ''}${p.value.notes.length ? `; ${p.value.notes.join('; ')}` : ''}`,
    );
  return ok({
    from,
    to,
    hosts,
    hostsInSource: order.length,
    chassis: p.value.chassis.map((c) => ({ chassis: c.chassis, roles: [...c.roles], ...(c.host ? { host: c.host } : {}), why: [...c.why] })),
    missing: [...p.value.missing],
    notes: [...p.value.notes],
    by: 'ovnscope fixture pack --only-path',
  });
}

export async function pack(req: PackRequest): Promise<Result<PackResult>> {
  if (inside(req.snapshot, req.out)) return fail(`-o ${req.out} is inside the snapshot directory; packing never writes into the snapshot`);
  let hosts = req.hosts;
  let pathScope: PackPathScope | undefined;
  if (req.onlyPath) {
    if (req.hosts?.length) return fail('--only-path chooses the hosts itself: give either --hosts or --only-path --from/--to');
    const scope = await pathScopeOf(req.snapshot, req.onlyPath.from, req.onlyPath.to);
    if (!scope.ok) return scope;
    pathScope = scope.value;
    hosts = pathScope.hosts;
  }
  if (!req.redact) return packSnapshot(req.snapshot, req.out, { hosts, pathScope });
  const opened = await openSnapshotDir(req.snapshot);
  if (!opened.ok) return opened;
  const mappingOut = req.redact.mappingOut ?? `${req.out}.mapping.json`;
  if (resolve(mappingOut) === resolve(req.out)) return fail('--mapping-out must not be the fixture file itself');
  if (inside(req.snapshot, mappingOut)) return fail(`--mapping-out ${mappingOut} is inside the snapshot directory; packing never writes into the snapshot`);
  // Checked like -o, before anything (the key file included) is written: the mapping found there
  // may be the only way back from another fixture.
  const mappingProblem = await outputFileProblem(mappingOut, req.redact.mappingOut !== undefined ? '--mapping-out' : 'the mapping file (default of --mapping-out)');
  if (mappingProblem) return fail(mappingProblem);
  const kw = await keywordsOf(req.redact);
  if (!kw.ok) return kw;
  let key: Uint8Array = randomBytes(32);
  let created: string | undefined;
  if (req.redact.keyFile) {
    if (inside(req.snapshot, req.redact.keyFile)) return fail(`--redact-key-file ${req.redact.keyFile} is inside the snapshot directory: it would not stay secret`);
    const k = await loadOrCreateKey(req.redact.keyFile);
    if (!k.ok) return k;
    key = k.value.key;
    if (k.value.created) created = req.redact.keyFile;
  }
  let report: RedactionReport | undefined;
  let redactor: Redactor | undefined;
  const r = await packSnapshot(req.snapshot, req.out, {
    hosts,
    pathScope,
    transform: async ({ dir, out, manifest }) => {
      const red = await redactSnapshotDir(dir, out, manifest, { key, keywords: kw.value, hostOrder: opened.value.manifest.hosts.map((h) => h.name) });
      if (!red.ok) return red;
      report = red.value.report;
      redactor = red.value.redactor;
      return ok({ manifest: red.value.manifest, files: red.value.files, redaction: red.value.summary });
    },
  });
  if (!r.ok) {
    if (created) await rm(created, { force: true });
    return r;
  }
  try {
    await writeMapping(redactor!, mappingOut, req.out);
  } catch (e) {
    await rm(req.out, { force: true });
    return fail(`could not write the mapping to ${mappingOut} (${(e as Error).message}); the fixture was removed, since it could not be translated back`, 4);
  }
  return ok({ ...r.value, mappingFile: mappingOut, ...(created ? { keyFileCreated: created } : {}), report });
}

async function writeMapping(redactor: Redactor, path: string, fixture: string): Promise<void> {
  const mapping = redactor.mappingFile({ createdAt: new Date().toISOString(), fixture: basename(fixture) });
  await writePrivate(path, JSON.stringify(mapping, null, 2) + '\n');
}

export function unpack(file: string, out: string): Promise<Result<FixtureInfo>> {
  return unpackFixture(file, out);
}

export interface UnmapRequest {
  readonly mapping: string;
  readonly text: string;
}

export interface UnmapResult {
  readonly text: string;
  /** Redacted-looking tokens (addresses of a redacted range, host-N, ...) the mapping has no entry for. */
  readonly unknown: readonly string[];
}

/** Translates text printed from a redacted fixture back to the real names and addresses. */
export async function unmap(req: UnmapRequest): Promise<Result<UnmapResult>> {
  try {
    await stat(req.mapping);
  } catch {
    return fail(`--mapping ${req.mapping}: no such file`);
  }
  const m = await loadMappingFile(req.mapping);
  if (!m.ok) return m;
  return ok(unmapText(m.value, req.text));
}
