/**
 * The scale sandbox of issue 10, built once and cached under bench/cache/ (gitignored).
 *
 *   bench/cache/scale-<key>/
 *     meta.json      what was built: topology key, description, build time, flow count
 *     sbx/           the persistent OVN sandbox (central + hv1 + hv2), daemons left running
 *     snapshot/      `ovnscope collect` of it (hv1, hv2, NB/SB), made once per build
 *     inventory.yaml the local-transport inventory used for that collection
 *
 * <key> hashes the topology description, the OVS/OVN versions and CACHE_LAYOUT: change any of
 * them and the next run builds afresh (and stops the sandbox of an older key it finds).
 *
 * Reuse is only taken when every daemon of the cached sandbox is still alive and br-int still
 * holds the flow count recorded at build time; otherwise the leftovers are stopped and the
 * sandbox is rebuilt (minutes). The daemons are left running after the bench so the next run
 * takes seconds; stop them with
 *
 *   npx tsx scripts/sandbox.ts down bench/cache/scale-<key>/sbx
 *
 * (or `npx tsx bench/scale/sandbox.ts down`). `npx tsx bench/scale/sandbox.ts up` builds/reuses
 * it without running the bench.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sandboxInventoryYaml } from '../../test/collect/sandbox-inventory.js';
import { isAlive, pollUntil } from '../../test/harness/procs.js';
import { attachSandbox, checkSandboxDeps, type Sandbox } from '../../test/harness/sandbox.js';
import { boundPorts, startTopology, type BoundPort, type Topology } from '../../test/harness/topology.js';
import { scaleTopology } from './topology.js';

/** Bump when what is stored in a cache directory changes meaning. */
const CACHE_LAYOUT = 1;

export const root = resolve(import.meta.dirname, '../..');
export const cacheRoot = join(root, 'bench/cache');

export interface ScaleMeta {
  readonly layout: number;
  readonly key: string;
  readonly description: string;
  readonly versions: string;
  readonly builtAt: string;
  readonly buildMs: number;
  /** br-int flow count on hv1 once converged. */
  readonly flows: number;
}

export interface ScaleEnv {
  readonly dir: string;
  readonly sandbox: Sandbox;
  /** Snapshot directory collected with `ovnscope collect` (local transport). */
  readonly snapshot: string;
  readonly inventoryFile: string;
  readonly topology: Topology;
  readonly bound: readonly BoundPort[];
  readonly meta: ScaleMeta;
  /** 'built' (minutes) or 'reused' (seconds). */
  readonly how: 'built' | 'reused';
}

export type Log = (msg: string) => void;

function toolVersions(): string {
  const v = (bin: string) => {
    try {
      return execFileSync(bin, ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
    } catch {
      return `${bin}: ?`;
    }
  };
  return [v('ovs-vswitchd'), v('ovn-controller'), v('ovn-northd')].join('; ');
}

export function scaleKey(topology: Topology, versions: string): string {
  return createHash('sha256').update(JSON.stringify({ layout: CACHE_LAYOUT, topology, versions })).digest('hex').slice(0, 16);
}

async function flowCount(sb: Sandbox, hv = 'hv1'): Promise<number> {
  const out = await sb.ofctl(hv, 'dump-aggregate', 'br-int');
  const m = /flow_count=(\d+)/.exec(out);
  return m ? Number(m[1]) : -1;
}

function alive(dir: string): Sandbox | undefined {
  try {
    const sb = attachSandbox(dir, { commandTimeoutMs: 300_000 });
    const pids = sb.pids();
    return pids.length > 0 && pids.every(isAlive) ? sb : undefined;
  } catch {
    return undefined;
  }
}

/** Stops the daemons of (and removes) every cached scale sandbox whose key is not `keep`. */
async function retireOthers(keep: string | undefined, log: Log): Promise<void> {
  if (!existsSync(cacheRoot)) return;
  for (const name of readdirSync(cacheRoot)) {
    if (!name.startsWith('scale-') || name === `scale-${keep}`) continue;
    const d = join(cacheRoot, name);
    if (existsSync(join(d, 'sbx/sandbox.json'))) {
      log(`stopping the sandbox of an older cache entry ${name}`);
      await attachSandbox(join(d, 'sbx')).stop().catch((e: unknown) => log(`  (could not stop it cleanly: ${(e as Error).message.split('\n')[0]})`));
    }
    rmSync(d, { recursive: true, force: true });
  }
}

/**
 * Waits until hv1's br-int flow count has not changed for `quietMs` (ovn-controller is done).
 * `--wait=hv sync` already waits for the installed nb_cfg; this guards against later recomputes.
 */
async function waitForStableFlows(sb: Sandbox, log: Log, quietMs = 10_000): Promise<number> {
  let last = -1;
  let since = Date.now();
  return pollUntil(
    'hv1 br-int flow count to settle',
    async () => {
      const n = await flowCount(sb);
      if (n !== last) {
        log(`  hv1 br-int: ${n} flows`);
        last = n;
        since = Date.now();
        return undefined;
      }
      return Date.now() - since >= quietMs && n > 0 ? n : undefined;
    },
    { timeoutMs: 1_200_000, intervalMs: 2000 },
  );
}

/** Builds the scale sandbox, or reuses the cached one when its key matches and it is still running. */
export async function ensureScaleSandbox(log: Log, topology: Topology = scaleTopology()): Promise<ScaleEnv> {
  const deps = checkSandboxDeps();
  if (!deps.ok) throw new Error(deps.message);
  const versions = toolVersions();
  const key = scaleKey(topology, versions);
  const dir = join(cacheRoot, `scale-${key}`);
  const sbxDir = join(dir, 'sbx');
  const metaFile = join(dir, 'meta.json');
  const snapshot = join(dir, 'snapshot');
  const inventoryFile = join(dir, 'inventory.yaml');
  await retireOthers(key, log);

  if (existsSync(metaFile) && existsSync(join(snapshot, 'manifest.json'))) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as ScaleMeta;
    const sb = alive(sbxDir);
    if (sb && meta.key === key) {
      const n = await flowCount(sb).catch(() => -1);
      if (n === meta.flows) {
        log(`REUSING the cached scale sandbox ${dir} (built ${meta.builtAt} in ${(meta.buildMs / 1000).toFixed(0)} s; ${n} flows on hv1)`);
        return { dir, sandbox: sb, snapshot, inventoryFile, topology, bound: boundPorts(topology), meta, how: 'reused' };
      }
      log(`cached scale sandbox has ${n} flows, expected ${meta.flows}: rebuilding`);
    } else log(`cached scale sandbox ${dir} is not running (daemons gone, e.g. after a reboot): rebuilding`);
  }
  if (existsSync(join(sbxDir, 'sandbox.json'))) await attachSandbox(sbxDir).stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  log(`BUILDING the scale sandbox in ${dir} — this takes several minutes (${topology.description})`);
  const t0 = Date.now();
  const { sandbox, applied, timings } = await startTopology(topology, {
    dir: sbxDir,
    persistent: true,
    commandTimeoutMs: 600_000,
    syncTimeoutMs: 1_200_000,
    startTimeoutMs: 120_000,
  });
  log(`  daemons up in ${(timings.startMs / 1000).toFixed(1)} s; NB applied in ${(applied.timings.nbMs / 1000).toFixed(0)} s, ports bound in ${(applied.timings.bindMs / 1000).toFixed(0)} s, converged in ${(applied.timings.syncMs / 1000).toFixed(0)} s`);
  try {
    const flows = await waitForStableFlows(sandbox, log);
    writeFileSync(inventoryFile, sandboxInventoryYaml(sandbox));
    log(`  collecting it with \`ovnscope collect\` into ${snapshot}`);
    execFileSync(process.execPath, [join(root, 'bin/run.js'), 'collect', '--inventory', inventoryFile, '--out', snapshot, '--timeout', '600'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const meta: ScaleMeta = { layout: CACHE_LAYOUT, key, description: topology.description ?? '', versions, builtAt: new Date().toISOString(), buildMs: Date.now() - t0, flows };
    writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n');
    log(`BUILT in ${(meta.buildMs / 1000).toFixed(0)} s: ${flows} flows on hv1; daemons left running for the next run (stop: npx tsx scripts/sandbox.ts down ${sbxDir})`);
    return { dir, sandbox, snapshot, inventoryFile, topology, bound: applied.bound, meta, how: 'built' };
  } catch (e) {
    await sandbox.stop({ keep: true }).catch(() => undefined);
    throw e;
  }
}

// `npx tsx bench/scale/sandbox.ts up|down`
if (import.meta.url === `file://${process.argv[1]}`) {
  const log: Log = (m) => process.stderr.write(`scale: ${m}\n`);
  const cmd = process.argv[2];
  if (cmd === 'up') {
    const env = await ensureScaleSandbox(log);
    process.stdout.write(`${env.dir}\n`);
  } else if (cmd === 'down') {
    await retireOthers(undefined, log);
  } else {
    process.stderr.write('usage: npx tsx bench/scale/sandbox.ts up|down\n');
    process.exit(2);
  }
}
