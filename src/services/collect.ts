import { setMaxListeners } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { bridgesOf, centralCommands, HOST_MODULES, type RecipeCommand } from '../collect/recipe.js';
import type { CommandOutcome, Transport } from '../collect/transport.js';
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
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: CollectProgress) => void;
  readonly transportOptions?: TransportFactoryOptions;
}

export interface CollectProgress {
  readonly host: string;
  readonly state: 'connecting' | 'running' | 'done' | 'failed';
  readonly done: number;
  readonly total: number;
}

export interface CollectResult {
  readonly dir: string;
  readonly manifest: Manifest;
}

type Scope = { readonly host: string; readonly relDir: string };

/** Runs the read-only recipe on every host (and the NB/SB once) and writes a snapshot. */
export async function collect(options: CollectOptions): Promise<Result<CollectResult>> {
  if (options.inventory.hosts.length === 0) return fail('the inventory names no hosts');
  if (await pathExists(options.out)) return fail(`${options.out} already exists; choose a new --out directory (ovnscope never overwrites a snapshot)`);
  // Every command in flight listens on the one Ctrl-C signal; that is by design, not a leak.
  if (options.signal) setMaxListeners(0, options.signal);
  const created = new Date().toISOString();
  const writer = await SnapshotWriter.create(options.out);
  const hostLimit = pLimit(Math.max(1, options.parallel));
  const transports = new Map<string, Transport>();

  const runOne = async (transport: Transport | undefined, scope: Scope, recipe: RecipeCommand): Promise<ManifestCommand> => {
    const relStem = `${scope.relDir}/${recipe.id}`;
    const base = { id: recipe.id, argv: recipe.argv, required: recipe.required };
    if (!transport) return { ...base, executed: [], status: 'transport-error', exitCode: null, durationMs: 0, bytes: 0, error: `no transport for ${scope.host}` };
    if (options.signal?.aborted) return { ...base, executed: [], status: 'interrupted', exitCode: null, durationMs: 0, bytes: 0, error: 'interrupted before it started' };
    const sink = await writer.open(relStem);
    let outcome: CommandOutcome;
    try {
      outcome = await transport.run({ argv: recipe.argv, timeoutMs: options.timeoutMs ?? recipe.timeoutMs, stdout: sink.stream, signal: options.signal });
    } catch (e) {
      outcome = { status: 'transport-error', exitCode: null, durationMs: 0, stderr: '', error: (e as Error).message };
    }
    const written = await sink.finish(outcome);
    return {
      ...base,
      executed: [...wrapperOf(scope.host, options.inventory), ...recipe.argv],
      status: outcome.status,
      exitCode: outcome.exitCode,
      durationMs: outcome.durationMs,
      file: written.file,
      bytes: written.bytes,
      sha256: written.sha256,
      errFile: written.errFile,
      error: outcome.error,
    };
  };

  const runMany = (transport: Transport | undefined, scope: Scope, recipes: RecipeCommand[], progress?: () => void) => {
    const limit = pLimit(Math.max(1, options.perHostConcurrency));
    return Promise.all(recipes.map((r) => limit(async () => {
      const m = await runOne(transport, scope, r);
      progress?.();
      return m;
    })));
  };

  const collectHost = async (spec: HostSpec): Promise<ManifestHost> => {
    const report = (state: CollectProgress['state'], done: number, total: number) => options.onProgress?.({ host: spec.name, state, done, total });
    report('connecting', 0, 0);
    const made = createTransport(spec, options.transportOptions);
    if (!made.ok) {
      report('failed', 0, 0);
      return { name: spec.name, transport: spec.transport, wrapper: spec.wrapper, status: 'unreachable', error: made.error.message, bridges: [], commands: [] };
    }
    const transport = made.value;
    transports.set(spec.name, transport);
    const scope = { host: spec.name, relDir: `hosts/${spec.name}` };
    const phase1 = HOST_MODULES.flatMap((m) => m.phase1());
    let done = 0;
    let total = phase1.length;
    const tick = () => report('running', ++done, total);
    report('running', 0, total);
    const commands = await runMany(transport, scope, phase1, tick);
    const outputs = await okOutputs(writer.workDir, commands);
    const notes: string[] = [];
    const phase2: RecipeCommand[] = [];
    for (const m of HOST_MODULES) {
      const expanded = m.expand?.(outputs);
      if (!expanded) continue;
      phase2.push(...expanded.commands);
      notes.push(...expanded.notes);
    }
    const bridges = bridgesOf(outputs);
    total += phase2.length;
    commands.push(...(await runMany(transport, scope, phase2, tick)));
    const failedRequired = commands.filter((c) => c.required && c.status !== 'ok');
    const allFailed = commands.every((c) => c.status !== 'ok');
    report(failedRequired.length ? 'failed' : 'done', done, total);
    return {
      name: spec.name,
      transport: spec.transport,
      wrapper: spec.wrapper,
      status: allFailed ? 'unreachable' : failedRequired.length ? 'partial' : 'ok',
      error: allFailed ? firstError(commands) : notes.join('; ') || undefined,
      bridges,
      commands,
    };
  };

  const hostsPromise = Promise.all(options.inventory.hosts.map((h) => hostLimit(() => collectHost(h))));
  const ovn = options.inventory.ovn;
  const centralPromise = ovn
    ? (async () => {
        const spec = options.inventory.hosts.find((h) => h.name === ovn.via)!;
        // The central commands get their own transport so they run alongside the host recipe.
        const made = createTransport(spec, options.transportOptions);
        const transport = made.ok ? made.value : undefined;
        try {
          const commands = await runMany(transport, { host: ovn.via, relDir: 'central' }, centralCommands(ovn.nb, ovn.sb));
          return { via: ovn.via, nb: ovn.nb, sb: ovn.sb, commands };
        } finally {
          await transport?.close();
        }
      })()
    : Promise.resolve(undefined);

  const [hosts, central] = await Promise.all([hostsPromise, centralPromise]);
  await Promise.all([...transports.values()].map((t) => t.close().catch(() => undefined)));

  const missing: string[] = [];
  for (const h of hosts) {
    if (h.status === 'unreachable') missing.push(`host ${h.name}: ${h.error ?? 'unreachable'}`);
    else for (const c of h.commands) if (c.required && c.status !== 'ok') missing.push(`host ${h.name}: ${c.id} ${c.status}${c.error ? ` (${c.error})` : ''}`);
  }
  for (const c of central?.commands ?? []) if (c.required && c.status !== 'ok') missing.push(`central via ${central!.via}: ${c.id} ${c.status}${c.error ? ` (${c.error})` : ''}`);
  if (!ovn) missing.push('no "ovn:" section in the inventory: NB/SB not collected, so flows cannot be named');

  const manifest: Manifest = {
    format: SNAPSHOT_FORMAT,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    toolVersion: TOOL_VERSION,
    created,
    finished: new Date().toISOString(),
    complete: missing.length === 0,
    interrupted: options.signal?.aborted ?? false,
    missing,
    options: { parallel: options.parallel, perHostConcurrency: options.perHostConcurrency, timeoutMs: options.timeoutMs ?? null },
    hosts,
    central,
  };
  try {
    const dir = await writer.commit(manifest);
    return ok({ dir, manifest });
  } catch (e) {
    await writer.abandon();
    return fail(`could not write the snapshot to ${options.out}: ${(e as Error).message}`, 4);
  }
}

function wrapperOf(host: string, inventory: Inventory): readonly string[] {
  return inventory.hosts.find((h) => h.name === host)?.wrapper ?? [];
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
