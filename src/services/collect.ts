import { setMaxListeners } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { bridgesOf, centralCommands, HOST_MODULES, type RecipeCommand, type RecipeModule } from '../collect/recipe.js';
import { selectPath, type PathScope } from '../collect/scope.js';
import { HostDeadline, interruptionName, type CommandOutcome, type Transport } from '../collect/transport.js';
import { createTransport, type TransportFactoryOptions } from '../collect/transports.js';
import type { HostSpec, Inventory } from '../model/inventory.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION, type Manifest, type ManifestCommand, type ManifestHost } from '../model/manifest.js';
import { fail, ok, type Result } from '../model/result.js';
import { pathExists, SnapshotWriter } from '../snapshot/writer.js';
import { TOOL_VERSION } from '../version.js';

export interface CollectOptions {
  readonly inventory: Inventory;
  readonly out: string;
  /** Hosts collected at the same time. */
  readonly parallel: number;
  /** Commands in flight per host. */
  readonly perHostConcurrency: number;
  /** Overrides every recipe timeout (ms). */
  readonly timeoutMs?: number;
  /** Budget for one host, connection included (ms); the inventory's host_timeout overrides it. */
  readonly hostTimeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: CollectProgress) => void;
  readonly transportOptions?: TransportFactoryOptions;
  /** `--from/--to`: collect only the chassis on that path (needs `ovn.via`). */
  readonly scope?: { readonly from: string; readonly to: string };
  /** Told where the outputs are written until the snapshot is renamed into place (for a crash message). */
  readonly onWorkDir?: (dir: string) => void;
  /** The host recipe (default HOST_MODULES). */
  readonly modules?: readonly RecipeModule[];
}

export interface CollectProgress {
  readonly host: string;
  readonly state: 'pending' | 'connecting' | 'running' | 'done' | 'failed';
  readonly done: number;
  readonly total: number;
  /** Why a host failed (first error), for the live display. */
  readonly error?: string;
}

export interface CollectResult {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly scope?: PathScope;
}

type Scope = { readonly host: string; readonly relDir: string; readonly wrapper: readonly string[] };

/** Runs the read-only recipe on every host (and the NB/SB once) and writes a snapshot. */
export async function collect(options: CollectOptions): Promise<Result<CollectResult>> {
  if (options.inventory.hosts.length === 0) return fail('the inventory names no hosts');
  if (options.scope && !options.inventory.ovn) return fail('--from/--to need the SB: give "ovn: { via: HOST }" in the inventory (or --ovn-via)');
  if (await pathExists(options.out)) return fail(`${options.out} already exists; choose a new --out directory (ovnscope never overwrites a snapshot)`);
  // Every command in flight listens on the one Ctrl-C signal; that is by design, not a leak.
  if (options.signal) setMaxListeners(0, options.signal);
  const created = new Date().toISOString();
  const writer = await SnapshotWriter.create(options.out);
  options.onWorkDir?.(writer.workDir);
  try {
    return await collectInto(writer, created, options);
  } catch (e) {
    // A bug, not a user error: keep what was collected and say where it is (no manifest, so no
    // command would read it as a snapshot, but the raw outputs are worth having at 2 a.m.).
    return fail(`internal error while collecting: ${(e as Error).stack ?? String(e)}\nThe outputs collected so far are in ${writer.workDir} (no manifest.json: not a snapshot).`, 4);
  }
}

async function collectInto(writer: SnapshotWriter, created: string, options: CollectOptions): Promise<Result<CollectResult>> {
  const modules = options.modules ?? HOST_MODULES;

  // One transport (one SSH connection) per host, shared by its recipe and the central commands.
  const transports = new Map<string, Result<Transport>>();
  const transportFor = (spec: HostSpec): Result<Transport> => {
    let t = transports.get(spec.name);
    if (!t) {
      t = createTransport(spec, options.transportOptions);
      transports.set(spec.name, t);
    }
    return t;
  };

  const runOne = async (transport: Transport | undefined, scope: Scope, recipe: RecipeCommand, signal: AbortSignal | undefined, why?: string): Promise<ManifestCommand> => {
    const relStem = `${scope.relDir}/${recipe.id}`;
    const base = { id: recipe.id, argv: recipe.argv, required: recipe.required };
    if (!transport) return { ...base, executed: [], status: 'transport-error', exitCode: null, durationMs: 0, bytes: 0, error: why ?? `no transport for ${scope.host}` };
    if (signal?.aborted) {
      const timeout = signal.reason instanceof HostDeadline;
      return { ...base, executed: [], status: timeout ? 'timeout' : 'interrupted', exitCode: null, durationMs: 0, bytes: 0, error: timeout ? `not started: the host's time budget ran out` : 'interrupted before it started' };
    }
    const sink = await writer.open(relStem);
    let outcome: CommandOutcome;
    try {
      outcome = await transport.run({ argv: recipe.argv, timeoutMs: options.timeoutMs ?? recipe.timeoutMs, stdout: sink.stream, signal });
    } catch (e) {
      outcome = { status: 'transport-error', exitCode: null, durationMs: 0, stderr: '', error: (e as Error).message };
    }
    const written = await sink.finish(outcome);
    return {
      ...base,
      executed: outcome.status === 'refused' ? [] : (outcome.executed ?? [...scope.wrapper, ...recipe.argv]),
      status: outcome.status,
      exitCode: outcome.exitCode,
      durationMs: outcome.durationMs,
      file: written.file,
      bytes: written.bytes,
      sha256: written.sha256,
      errFile: written.errFile,
      errBytes: written.errBytes,
      errSha256: written.errSha256,
      error: outcome.error,
    };
  };

  const runMany = async (transport: Transport | undefined, scope: Scope, recipes: RecipeCommand[], signal: AbortSignal | undefined, why?: string, progress?: () => void) => {
    const limit = pLimit(Math.max(1, options.perHostConcurrency));
    // The first command alone: it opens the connection, and if that fails the others fail fast.
    const out: ManifestCommand[] = [];
    if (!recipes.length) return out;
    const first = await runOne(transport, scope, recipes[0]!, signal, why);
    progress?.();
    out.push(first);
    const rest = await Promise.all(
      recipes.slice(1).map((r) =>
        limit(async () => {
          const m = await runOne(transport, scope, r, signal, why);
          progress?.();
          return m;
        }),
      ),
    );
    return [...out, ...rest];
  };

  const collectHost = async (spec: HostSpec): Promise<ManifestHost> => {
    const report = (state: CollectProgress['state'], done: number, total: number, error?: string) => options.onProgress?.({ host: spec.name, state, done, total, error });
    report('connecting', 0, 0);
    const made = transportFor(spec);
    const scope = { host: spec.name, relDir: `hosts/${spec.name}`, wrapper: spec.wrapper };
    if (!made.ok) {
      report('failed', 0, 0, made.error.message);
      return { name: spec.name, transport: spec.transport, wrapper: spec.wrapper, status: 'unreachable', error: made.error.message, bridges: [], commands: [] };
    }
    const transport = made.value;
    // The host's own budget: when it runs out, what is still running is cut (timeout) and the rest is not started.
    const budget = spec.hostTimeoutMs ?? options.hostTimeoutMs;
    const hostAbort = new AbortController();
    setMaxListeners(0, hostAbort.signal);
    const onGlobal = () => hostAbort.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onGlobal, { once: true });
    if (options.signal?.aborted) hostAbort.abort(options.signal.reason);
    const timer = budget ? setTimeout(() => hostAbort.abort(new HostDeadline(budget)), budget) : undefined;
    try {
      const phase1 = modules.flatMap((m) => m.phase1(spec));
      let done = 0;
      let total = phase1.length;
      const tick = () => report('running', ++done, total);
      const commands = await runMany(transport, scope, phase1, hostAbort.signal, undefined, tick);
      const connectError = commands.every((c) => c.status === 'transport-error') ? commands[0]?.error : undefined;
      // The connection's failure (a host-key banner is 6 lines) is said once, on the host; each command points to it.
      if (connectError) for (const [i, c] of commands.entries()) if (c.error === connectError) commands[i] = { ...c, error: UNREACHABLE_COMMAND_ERROR };
      const notes: string[] = [];
      const phase2: RecipeCommand[] = [];
      let bridges: string[] = [];
      if (!connectError) {
        const outputs = await okOutputs(writer.workDir, commands);
        for (const m of modules) {
          const expanded = m.expand?.(outputs, spec);
          if (!expanded) continue;
          phase2.push(...expanded.commands);
          notes.push(...expanded.notes);
        }
        bridges = bridgesOf(outputs);
        total += phase2.length;
        commands.push(...(await runMany(transport, scope, phase2, hostAbort.signal, undefined, tick)));
      }
      const failedRequired = commands.filter((c) => c.required && c.status !== 'ok');
      const allFailed = commands.every((c) => c.status !== 'ok');
      const error = connectError ?? (allFailed ? firstError(commands) : notes.join('; ') || undefined);
      report(failedRequired.length ? 'failed' : 'done', done, total, failedRequired.length ? (allFailed ? error : `${failedRequired.length} required command(s) failed`) : undefined);
      return { name: spec.name, transport: spec.transport, wrapper: spec.wrapper, status: allFailed ? 'unreachable' : failedRequired.length ? 'partial' : 'ok', error, bridges, commands };
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onGlobal);
    }
  };

  const ovn = options.inventory.ovn;
  const runCentral = async () => {
    if (!ovn) return undefined;
    const spec = options.inventory.hosts.find((h) => h.name === ovn.via)!;
    const made = transportFor(spec);
    const commands = await runMany(made.ok ? made.value : undefined, { host: ovn.via, relDir: 'central', wrapper: spec.wrapper }, centralCommands(ovn.nb, ovn.sb), options.signal, made.ok ? undefined : made.error.message);
    return { via: ovn.via, nb: ovn.nb, sb: ovn.sb, commands };
  };

  // Path scope: the SB first, then only the chassis on the path.
  let pathScope: PathScope | undefined;
  let hostSpecs = options.inventory.hosts;
  let centralPromise: Promise<Manifest['central']>;
  const scopeMissing: string[] = [];
  if (options.scope) {
    for (const h of hostSpecs) options.onProgress?.({ host: h.name, state: 'pending', done: 0, total: 0 });
    const central = await runCentral();
    centralPromise = Promise.resolve(central);
    const text = async (id: string) => {
      const c = central?.commands.find((x) => x.id === id);
      return c?.status === 'ok' && c.file ? readFile(join(writer.workDir, c.file), 'utf8') : undefined;
    };
    const [pb, ch, enc] = await Promise.all([text('ovn-sbctl.list.Port_Binding'), text('ovn-sbctl.list.Chassis'), text('ovn-sbctl.list.Encap')]);
    if (pb === undefined || ch === undefined) {
      const why = central?.commands.find((x) => x.id === 'ovn-sbctl.list.Port_Binding')?.error ?? 'not collected';
      await closeAll(transports);
      await writer.abandon();
      return fail(`--from/--to: could not read the SB through ${ovn!.via} (${why}); nothing else was collected`, 3);
    }
    const sel = selectPath({ portBinding: pb, chassis: ch, encap: enc }, options.scope.from, options.scope.to, hostSpecs);
    if (!sel.ok) {
      await closeAll(transports);
      await writer.abandon();
      return fail(sel.error);
    }
    pathScope = sel.scope;
    const wanted = new Set(pathScope.hosts);
    hostSpecs = hostSpecs.filter((h) => wanted.has(h.name));
    for (const c of pathScope.chassis) if (!c.host) scopeMissing.push(`chassis ${c.chassis} (${c.roles.join(', ')} on the path ${pathScope.from} → ${pathScope.to}) is not in the inventory`);
  } else centralPromise = runCentral();

  const hostLimit = pLimit(Math.max(1, options.parallel));
  for (const h of hostSpecs) options.onProgress?.({ host: h.name, state: 'pending', done: 0, total: 0 });
  const hostsPromise = Promise.all(hostSpecs.map((h) => hostLimit(() => collectHost(h))));
  const [hosts, centralAsRun] = await Promise.all([hostsPromise, centralPromise]);
  await closeAll(transports);
  // The central commands failed for the same reason as their host: point to it there too.
  const viaHost = centralAsRun && hosts.find((h) => h.name === centralAsRun.via && h.status === 'unreachable' && h.error);
  const central = viaHost
    ? { ...centralAsRun, commands: centralAsRun.commands.map((c) => (c.status === 'transport-error' && c.error === viaHost.error ? { ...c, error: `host ${viaHost.name} unreachable (see the host's error)` } : c)) }
    : centralAsRun;

  const missing: string[] = [];
  for (const h of hosts) {
    if (h.status === 'unreachable') missing.push(`host ${h.name}: ${h.error ?? 'unreachable'}`);
    else for (const c of h.commands) if (c.required && c.status !== 'ok') missing.push(`host ${h.name}: ${c.id} ${c.status}${c.error ? ` (${c.error})` : ''}`);
  }
  for (const c of central?.commands ?? []) if (c.required && c.status !== 'ok') missing.push(`central via ${central!.via}: ${c.id} ${c.status}${c.error ? ` (${c.error})` : ''}`);
  if (!ovn) missing.push('no "ovn:" section in the inventory: NB/SB not collected, so flows cannot be named');
  missing.push(...scopeMissing);
  const interrupted = options.signal?.aborted ?? false;
  if (interrupted) missing.unshift(`collection interrupted (${interruptionName(options.signal?.reason)}): the commands still running then were abandoned`);

  const manifest: Manifest = {
    format: SNAPSHOT_FORMAT,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    toolVersion: TOOL_VERSION,
    created,
    finished: new Date().toISOString(),
    complete: missing.length === 0,
    interrupted,
    missing,
    options: {
      parallel: options.parallel,
      perHostConcurrency: options.perHostConcurrency,
      timeoutMs: options.timeoutMs ?? null,
      hostTimeoutMs: options.hostTimeoutMs ?? null,
      ...(pathScope
        ? {
            scope: {
              from: pathScope.from,
              to: pathScope.to,
              chassis: pathScope.chassis,
              notes: pathScope.notes,
              hostsInInventory: options.inventory.hosts.length,
              hostsCollected: pathScope.hosts.length,
            },
          }
        : {}),
    },
    hosts,
    central,
  };
  try {
    const dir = await writer.commit(manifest);
    return ok({ dir, manifest, scope: pathScope });
  } catch (e) {
    // Not abandoned: the outputs (and the manifest, if it got written) are all there is.
    return fail(`could not write the snapshot to ${options.out}: ${(e as Error).message}; what was collected is in ${writer.workDir}`, 4);
  }
}

/** A command's error when its host could not be reached at all: the reason is the host's `error`. */
export const UNREACHABLE_COMMAND_ERROR = "host unreachable (see the host's error)";

async function closeAll(transports: ReadonlyMap<string, Result<Transport>>): Promise<void> {
  await Promise.all([...transports.values()].map((t) => (t.ok ? t.value.close().catch(() => undefined) : undefined)));
}

function firstError(commands: readonly ManifestCommand[]): string {
  return commands.find((c) => c.error)?.error ?? 'no command succeeded';
}

/** Text of every phase-1 command that succeeded, for the modules' expand step. */
async function okOutputs(workDir: string, commands: readonly ManifestCommand[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const c of commands) if (c.status === 'ok' && c.file) out.set(c.id, await readFile(join(workDir, c.file), 'utf8'));
  return out;
}
