// A real OVN deployment as ordinary processes: OVN central (NB + SB ovsdb-server, ovn-northd)
// and N chassis, each with its own ovsdb-server, `ovs-vswitchd --enable-dummy=override` (userspace
// dummy datapath, no kernel module) and ovn-controller, in a private temp directory, so several
// sandboxes can run side by side (one per vitest worker). See /work/shared/SANDBOX.md.
//
//   const sb = await startSandbox({ chassis: 2 });
//   try { await sb.nbctl('ls-add', 'sw0'); await sb.sync(); ... } finally { await sb.stop(); }
//
// In vitest prefer `useSandboxes()` from ./vitest.js, which stops everything in afterAll and
// keeps the directory of a failed suite when OVNSCOPE_KEEP_SANDBOX=1.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  canConnectUnix,
  isAlive,
  killPids,
  pollUntil,
  PollAbortedError,
  readPidFiles,
  registerCleanup,
  run,
  spawnDaemon,
  startWatchdog,
  whichBinary,
  type DaemonHandle,
  type Watchdog,
} from './procs.js';

export { CommandError } from './procs.js';

// ---------------------------------------------------------------------------------------------
// Types

export interface ChassisSpec {
  /** system-id, hostname and directory name; short (letters, digits, '-'), e.g. "hv1". */
  name: string;
  /** ovn-encap-ip; default 192.168.0.<index+1>. Only written into databases — no traffic. */
  encapIp?: string;
  /** ovn-bridge-mappings, physnet → provider bridge; each bridge is created with a dummy uplink. */
  bridgeMappings?: Record<string, string>;
  /** Extra Open_vSwitch external_ids (e.g. ovn-cms-options). */
  externalIds?: Record<string, string>;
}

export interface SandboxOptions {
  /** Number of chassis (named hv1..hvN) or explicit specs. Default 2. */
  chassis?: number | ReadonlyArray<string | ChassisSpec>;
  /** Use this (empty or absent) directory instead of a fresh mkdtemp under /tmp. Keep it short. */
  dir?: string;
  /** Prefix of the mkdtemp directory; default "/tmp/ovs-". */
  tmpPrefix?: string;
  /**
   * Daemons in their own session, no exit handlers, no watchdog: the sandbox outlives this process
   * until `stop()` (possibly from another process via `attachSandbox`). For scripts/sandbox.ts.
   */
  persistent?: boolean;
  /** Keep the directory when stop({ failed: true }) or the safety net runs. Default: OVNSCOPE_KEEP_SANDBOX=1. */
  keepOnFailure?: boolean;
  /** Per-command timeout (ms); default 30 s. */
  commandTimeoutMs?: number;
  /** Timeout of sync() (ms); default 60 s. */
  syncTimeoutMs?: number;
  /** Budget for daemons to come up and tunnels to appear (ms); default 60 s. */
  startTimeoutMs?: number;
  /**
   * Fresh attempts when a daemon dies during start-up (only with a mkdtemp dir); default 1.
   * Defence in depth — the one such crash seen (ovn-controller SIGSEGV before SB_Global
   * existed) is prevented by the start-up order; a retry prints a WARNING with the cause.
   */
  startRetries?: number;
}

export interface CentralInfo {
  dir: string;
  /** `unix:<dir>/nb.sock` */
  nbSock: string;
  /** `unix:<dir>/sb.sock` */
  sbSock: string;
  nbDb: string;
  sbDb: string;
  /** OVS_* / OVN_* dirs = central dir, plus OVN_NB_DB / OVN_SB_DB. */
  env: Record<string, string>;
}

export interface ChassisInfo {
  name: string;
  dir: string;
  /** OVS_RUNDIR/LOGDIR/DBDIR/SYSCONFDIR and OVN_* equivalents = dir, plus OVN_NB_DB / OVN_SB_DB. */
  env: Record<string, string>;
  encapIp: string;
  bridgeMappings: Record<string, string>;
  /** `unix:<dir>/db.sock` */
  dbSock: string;
}

export interface TunnelPort {
  name: string;
  remoteIp: string;
  ofport: number;
  options: Record<string, string>;
}

export interface StopOptions {
  /** The run failed: keep the directory if keepOnFailure / OVNSCOPE_KEEP_SANDBOX=1. */
  failed?: boolean;
  /** Keep the directory regardless. */
  keep?: boolean;
}

export interface Sandbox {
  readonly dir: string;
  readonly central: CentralInfo;
  readonly chassis: Readonly<Record<string, ChassisInfo>>;
  /** Chassis names in creation order. */
  readonly chassisNames: readonly string[];
  /** `ovn-nbctl --db=<nb> args…` → stdout. */
  nbctl(...args: string[]): Promise<string>;
  /** `ovn-sbctl --db=<sb> args…` → stdout. */
  sbctl(...args: string[]): Promise<string>;
  /** `ovs-vsctl --db=<chassis db> args…` → stdout. */
  vsctl(hv: string, ...args: string[]): Promise<string>;
  /** `ovs-ofctl args…` with the chassis env (br-int.mgmt in its rundir). */
  ofctl(hv: string, ...args: string[]): Promise<string>;
  /** `ovs-appctl args…` against the chassis' ovs-vswitchd (pass -t to target another daemon). */
  appctl(hv: string, ...args: string[]): Promise<string>;
  /** `ovn-appctl -t <chassis>/ovn-controller.<pid>.ctl args…`. */
  controllerAppctl(hv: string, ...args: string[]): Promise<string>;
  /** `ovn-appctl -t <central>/northd.ctl args…`. */
  northdAppctl(...args: string[]): Promise<string>;
  /** Raw text of `ovs-appctl ofproto/trace br-int '<flow>' extraArgs…` on that chassis. */
  ofprotoTrace(hv: string, flow: string, extraArgs?: readonly string[]): Promise<string>;
  /** `ovn-trace --db=<sb> args…`. */
  ovnTrace(...args: string[]): Promise<string>;
  /** `ovn-nbctl --wait=hv sync` (all chassis caught up), bounded by a timeout. */
  sync(timeoutMs?: number): Promise<void>;
  /** Adds dummy interface `iface` to br-int on `hv` with external_ids:iface-id=<logicalPort>. */
  bind(hv: string, iface: string, logicalPort: string, opts?: BindOptions): Promise<void>;
  /** Geneve tunnel interfaces on br-int of `hv`. */
  tunnelPorts(hv: string): Promise<TunnelPort[]>;
  /** OpenFlow port number of an interface on `hv`. */
  ofport(hv: string, iface: string): Promise<number>;
  /** Every daemon pid of this sandbox (spawned, and from the pid files). */
  pids(): number[];
  /** Kills every daemon (SIGTERM, then SIGKILL), removes the dir unless kept. Idempotent. */
  stop(opts?: StopOptions): Promise<void>;
  /** True after stop(). */
  readonly stopped: boolean;
}

export interface BindOptions {
  /** external_ids on the Interface besides iface-id (e.g. attached-mac). */
  externalIds?: Record<string, string>;
  ofportRequest?: number;
}

/** Written to <dir>/sandbox.json so another process can attach (scripts/sandbox.ts down). */
export interface SandboxState {
  version: 1;
  created: string;
  persistent: boolean;
  dir: string;
  central: CentralInfo;
  chassis: ChassisInfo[];
  pids: number[];
}

// ---------------------------------------------------------------------------------------------
// System dependencies

const SCHEMAS = {
  nb: '/usr/share/ovn/ovn-nb.ovsschema',
  sb: '/usr/share/ovn/ovn-sb.ovsschema',
  vswitch: '/usr/share/openvswitch/vswitch.ovsschema',
} as const;

/** Binary (or file) → Debian package that provides it. */
export const SANDBOX_REQUIREMENTS: Readonly<Record<string, string>> = {
  'ovsdb-tool': 'openvswitch-common',
  'ovsdb-server': 'openvswitch-switch',
  'ovs-vswitchd': 'openvswitch-switch',
  'ovs-vsctl': 'openvswitch-switch',
  'ovs-ofctl': 'openvswitch-common',
  'ovs-appctl': 'openvswitch-common',
  'ovn-northd': 'ovn-central',
  'ovn-controller': 'ovn-host',
  'ovn-nbctl': 'ovn-common',
  'ovn-sbctl': 'ovn-common',
  'ovn-trace': 'ovn-common',
  'ovn-appctl': 'ovn-common',
  [SCHEMAS.nb]: 'ovn-common',
  [SCHEMAS.sb]: 'ovn-common',
  [SCHEMAS.vswitch]: 'openvswitch-common',
};

export interface SystemDepsReport {
  ok: boolean;
  /** Missing binaries/files with the package that provides them. */
  missing: Array<{ what: string; package: string }>;
  /** A loud multi-line explanation when something is missing ('' when ok). */
  message: string;
}

/** Checks that the OVS/OVN binaries and schemas the sandbox needs are installed. */
export function checkSandboxDeps(requirements: Readonly<Record<string, string>> = SANDBOX_REQUIREMENTS): SystemDepsReport {
  const missing: Array<{ what: string; package: string }> = [];
  for (const [what, pkg] of Object.entries(requirements)) {
    const found = what.startsWith('/') ? existsSync(what) : whichBinary(what) !== undefined;
    if (!found) missing.push({ what, package: pkg });
  }
  const message = missing.length
    ? [
        '!!! OVS/OVN live tests cannot run: system packages are missing !!!',
        `missing: ${missing.map((m) => `${m.what} (${m.package})`).join(', ')}`,
        `packages: ${[...new Set(missing.map((m) => m.package))].join(' ')}`,
        'fix: run scripts/install-system-deps.sh (as root)',
      ].join('\n')
    : '';
  return { ok: missing.length === 0, missing, message };
}

// ---------------------------------------------------------------------------------------------
// Start

const NAME_RE = /^[A-Za-z][A-Za-z0-9-]{0,14}$/;
/** sun_path is 108 bytes; ovn-controller.<pid>.ctl is the longest name we create. */
const MAX_SOCKET_PATH = 100;

function normalizeChassis(spec: SandboxOptions['chassis']): ChassisSpec[] {
  const list: Array<string | ChassisSpec> =
    spec === undefined ? ['hv1', 'hv2'] : typeof spec === 'number' ? Array.from({ length: spec }, (_, i) => `hv${i + 1}`) : [...spec];
  if (list.length === 0) throw new Error('startSandbox: at least one chassis is required');
  const out = list.map((c, i) => {
    const s = typeof c === 'string' ? { name: c } : { ...c };
    if (!NAME_RE.test(s.name)) throw new Error(`startSandbox: bad chassis name ${JSON.stringify(s.name)} (letters, digits, '-', max 15)`);
    return { ...s, encapIp: s.encapIp ?? `192.168.0.${i + 1}` };
  });
  const names = new Set(out.map((c) => c.name));
  if (names.size !== out.length) throw new Error('startSandbox: duplicate chassis names');
  if (names.has('central')) throw new Error('startSandbox: "central" is reserved');
  return out;
}

function dirEnv(dir: string, nbSock: string, sbSock: string): Record<string, string> {
  return {
    OVS_RUNDIR: dir,
    OVS_LOGDIR: dir,
    OVS_DBDIR: dir,
    OVS_SYSCONFDIR: dir,
    OVN_RUNDIR: dir,
    OVN_LOGDIR: dir,
    OVN_DBDIR: dir,
    OVN_SYSCONFDIR: dir,
    OVN_NB_DB: nbSock,
    OVN_SB_DB: sbSock,
  };
}

/** `k=v` pairs for ovs-vsctl / ovn-nbctl map columns, keys and values quoted as ovsdb strings. */
export function ovsdbMapArgs(column: string, map: Record<string, string>): string[] {
  return Object.entries(map).map(([k, v]) => `${column}:${ovsdbString(k)}=${ovsdbString(v)}`);
}

/** An ovsdb string atom, double-quoted with C/JSON escapes. */
export function ovsdbString(s: string): string {
  return JSON.stringify(s);
}

function tail(file: string, lines = 15): string {
  try {
    const t = readFileSync(file, 'utf8').trimEnd().split('\n');
    return t.slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

interface Internals {
  daemons: DaemonHandle[];
  opts: Required<Pick<SandboxOptions, 'commandTimeoutMs' | 'syncTimeoutMs' | 'startTimeoutMs'>> & { persistent: boolean; keepOnFailure: boolean };
  unregister?: () => void;
  watchdog?: Watchdog;
}

/**
 * Starts OVN central and the chassis (in parallel), waits until every chassis is registered in
 * the SB and has its geneve tunnels to all the others, and returns the Sandbox. On any failure
 * everything started so far is stopped before the error is thrown; when the failure was a daemon
 * dying during start-up, it is retried in a fresh directory (startRetries, default 1).
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const deps = checkSandboxDeps();
  if (!deps.ok) throw new Error(deps.message);
  const retries = options.dir ? 0 : (options.startRetries ?? 1);
  for (let attempt = 0; ; attempt++) {
    try {
      return await startSandboxOnce(options);
    } catch (e) {
      if (!(e instanceof PollAbortedError) || attempt >= retries) throw e;
      process.stderr.write(`[ovnscope sandbox] WARNING: retrying start-up after a daemon died: ${e.message.split('\n')[0]}\n`);
    }
  }
}

async function startSandboxOnce(options: SandboxOptions): Promise<Sandbox> {
  const specs = normalizeChassis(options.chassis);
  const persistent = options.persistent === true;
  const keepOnFailure = options.keepOnFailure ?? process.env.OVNSCOPE_KEEP_SANDBOX === '1';
  const opts: Internals['opts'] = {
    commandTimeoutMs: options.commandTimeoutMs ?? 30_000,
    syncTimeoutMs: options.syncTimeoutMs ?? 60_000,
    startTimeoutMs: options.startTimeoutMs ?? 60_000,
    persistent,
    keepOnFailure,
  };

  let dir: string;
  if (options.dir) {
    dir = resolve(options.dir);
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`startSandbox: ${dir} exists and is not empty`);
    mkdirSync(dir, { recursive: true });
  } else {
    dir = mkdtempSync(options.tmpPrefix ?? '/tmp/ovs-');
  }
  const longest = join(dir, specs.reduce((a, c) => (c.name.length > a.length ? c.name : a), 'central'), 'ovn-controller.4194304.ctl');
  if (longest.length > MAX_SOCKET_PATH) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`startSandbox: directory ${dir} is too long for unix socket paths (${longest.length} > ${MAX_SOCKET_PATH})`);
  }

  const cdir = join(dir, 'central');
  const nbSock = `unix:${cdir}/nb.sock`;
  const sbSock = `unix:${cdir}/sb.sock`;
  const central: CentralInfo = { dir: cdir, nbSock, sbSock, nbDb: join(cdir, 'nb.db'), sbDb: join(cdir, 'sb.db'), env: dirEnv(cdir, nbSock, sbSock) };
  const chassis: Record<string, ChassisInfo> = {};
  for (const s of specs) {
    const d = join(dir, s.name);
    chassis[s.name] = { name: s.name, dir: d, env: dirEnv(d, nbSock, sbSock), encapIp: s.encapIp!, bridgeMappings: { ...s.bridgeMappings }, dbSock: `unix:${d}/db.sock` };
  }
  for (const d of [cdir, ...Object.values(chassis).map((c) => c.dir)]) mkdirSync(d, { recursive: true });
  if (!persistent) writeFileSync(join(dir, '.alive'), `${process.pid}\n`);

  const internals: Internals = { daemons: [], opts };
  const sb = makeSandbox(dir, central, chassis, specs.map((s) => s.name), internals);
  if (!persistent) {
    const pidDirs = [cdir, ...Object.values(chassis).map((c) => c.dir)];
    internals.watchdog = startWatchdog(dir, pidDirs, keepOnFailure);
    // The watchdog is left alone by the exit handlers: once the dir (and .alive) is gone and our
    // end of its pipe closes at exit, it finds nothing to do and ends by itself.
    internals.unregister = registerCleanup({ dir, pidDirs, pids: () => internals.daemons.map((d) => d.pid), keepDir: keepOnFailure });
  }

  const deadline = Date.now() + opts.startTimeoutMs;
  // OVNSCOPE_SANDBOX_DEBUG=1 prints when each start-up phase completed.
  const tStart = Date.now();
  const mark = (what: string) => {
    if (process.env.OVNSCOPE_SANDBOX_DEBUG === '1') process.stderr.write(`[ovnscope sandbox] ${dir}: +${Date.now() - tStart} ms ${what}\n`);
  };
  const left = () => Math.max(1000, deadline - Date.now());
  const daemon = (name: string, file: string, args: string[], env: Record<string, string>, where: string) => {
    const h = spawnDaemon(name, file, ['-vconsole:err', ...args], { env, outFile: join(where, `${name}.out`), persistent });
    internals.daemons.push(h);
    return h;
  };
  const died = (h: DaemonHandle, logFile: string) => () =>
    h.hasExited() || !isAlive(h.pid) ? `${h.name} (pid ${h.pid}) exited during start-up (${h.exitDescription() ?? `not alive: ${procStateOf(h.pid)}`})\n--- ${h.outFile}\n${tail(h.outFile)}\n--- ${logFile}\n${tail(logFile)}` : undefined;
  const waitSock = (what: string, path: string, h: DaemonHandle, logFile: string) =>
    pollUntil(what, () => canConnectUnix(path), { timeoutMs: left(), abort: died(h, logFile) });

  try {
    // Central: NB and SB in parallel, then northd.
    const centralUp = (async () => {
      await Promise.all([
        run('ovsdb-tool', ['create', central.nbDb, SCHEMAS.nb], { env: central.env }),
        run('ovsdb-tool', ['create', central.sbDb, SCHEMAS.sb], { env: central.env }),
      ]);
      const dbs = (['nb', 'sb'] as const).map((n) => {
        const h = daemon(`${n}-ovsdb-server`, 'ovsdb-server', [
          '--no-chdir', `--pidfile=${cdir}/${n}.pid`, `--log-file=${cdir}/${n}.log`,
          `--remote=punix:${cdir}/${n}.sock`, `--unixctl=${cdir}/${n}.ctl`, join(cdir, `${n}.db`),
        ], central.env, cdir);
        return waitSock(`${n.toUpperCase()} ovsdb-server socket`, `${cdir}/${n}.sock`, h, `${cdir}/${n}.log`);
      });
      await Promise.all(dbs);
      const northd = daemon('ovn-northd', 'ovn-northd', [
        '--no-chdir', `--pidfile=${cdir}/northd.pid`, `--log-file=${cdir}/northd.log`, `--unixctl=${cdir}/northd.ctl`,
        `--ovnnb-db=${nbSock}`, `--ovnsb-db=${sbSock}`,
      ], central.env, cdir);
      await waitSock('ovn-northd control socket', `${cdir}/northd.ctl`, northd, `${cdir}/northd.log`);
      // ovn-controller 23.03.1 dies with SIGSEGV when the SB has no SB_Global row yet (it
      // dereferences the missing row; reproducible by starting it against an SB without
      // northd). Under load northd can be that slow, so chassis only start once the row exists.
      await pollUntil(
        'ovn-northd to create SB_Global',
        async () => (await run('ovn-sbctl', [`--db=${sbSock}`, '--bare', '--columns=_uuid', 'list', 'SB_Global'], { env: central.env, timeoutMs: 5000 })).trim() !== '',
        { timeoutMs: left(), intervalMs: 10, abort: died(northd, `${cdir}/northd.log`) },
      );
      mark('central up');
    })();

    const chassisUp = specs.map(async (spec) => {
      const c = chassis[spec.name];
      const d = c.dir;
      const env = c.env;
      await run('ovsdb-tool', ['create', `${d}/conf.db`, SCHEMAS.vswitch], { env });
      const db = daemon('ovsdb-server', 'ovsdb-server', [
        '--no-chdir', `--pidfile=${d}/ovsdb-server.pid`, `--log-file=${d}/ovsdb-server.log`, `--remote=punix:${d}/db.sock`, `${d}/conf.db`,
      ], env, d);
      await waitSock(`${spec.name} ovsdb-server socket`, `${d}/db.sock`, db, `${d}/ovsdb-server.log`);
      // Everything ovs-vswitchd and ovn-controller need is in the database before they start.
      const ext: Record<string, string> = {
        'system-id': spec.name,
        hostname: spec.name,
        'ovn-remote': sbSock,
        'ovn-encap-type': 'geneve',
        'ovn-encap-ip': c.encapIp,
        ...(Object.keys(c.bridgeMappings).length
          ? { 'ovn-bridge-mappings': Object.entries(c.bridgeMappings).map(([n, b]) => `${n}:${b}`).join(',') }
          : {}),
        ...spec.externalIds,
      };
      const bridgeCmds = [...new Set(Object.values(c.bridgeMappings))].flatMap((br) => [
        '--', '--may-exist', 'add-br', br,
        '--', '--may-exist', 'add-port', br, `${br}-up`, '--', 'set', 'Interface', `${br}-up`, 'type=dummy',
      ]);
      // br-int is created here, as ovn-controller would (fail-mode secure, no in-band): if
      // ovn-controller starts before br-int.mgmt exists, its OpenFlow reconnect waits a full second.
      const brInt = ['--', '--may-exist', 'add-br', 'br-int', '--', 'set', 'Bridge', 'br-int', 'fail-mode=secure', 'other-config:disable-in-band=true'];
      await run('ovs-vsctl', [`--db=${c.dbSock}`, '--no-wait', 'init', '--', 'set', 'Open_vSwitch', '.', ...ovsdbMapArgs('external_ids', ext), ...brInt, ...bridgeCmds], {
        env,
        timeoutMs: opts.commandTimeoutMs,
      });
      const vsd = daemon('ovs-vswitchd', 'ovs-vswitchd', [
        '--no-chdir', `--pidfile=${d}/ovs-vswitchd.pid`, `--log-file=${d}/ovs-vswitchd.log`, '--enable-dummy=override', `unix:${d}/db.sock`,
      ], env, d);
      await Promise.all([
        waitSock(`${spec.name} ovs-vswitchd control socket`, `${d}/ovs-vswitchd.${vsd.pid}.ctl`, vsd, `${d}/ovs-vswitchd.log`),
        // Existence is enough (bound and listening in one step); a probe connection would only
        // log "connection dropped" in ovs-vswitchd.log.
        pollUntil(`${spec.name} br-int OpenFlow socket`, () => existsSync(`${d}/br-int.mgmt`), { timeoutMs: left(), abort: died(vsd, `${d}/ovs-vswitchd.log`) }),
        centralUp, // likewise ovn-controller's SB reconnect backoff: start it once SB listens
      ]);
      const ctl = daemon('ovn-controller', 'ovn-controller', [
        `unix:${d}/db.sock`, '--no-chdir', `--pidfile=${d}/ovn-controller.pid`, `--log-file=${d}/ovn-controller.log`,
      ], env, d);
      await waitSock(`${spec.name} ovn-controller control socket`, `${d}/ovn-controller.${ctl.pid}.ctl`, ctl, `${d}/ovn-controller.log`);
      mark(`${spec.name} daemons up`);
    });
    await Promise.all([centralUp, ...chassisUp]);
    writeState(sb, internals);
    mark('all daemons up');

    // Every chassis registered in the SB, and on each chassis a geneve port to every other one.
    const names = specs.map((s) => s.name);
    await pollUntil(
      `chassis ${names.join(', ')} in the southbound Chassis table`,
      async () => {
        const got = (await sb.sbctl('--bare', '--columns=name', 'list', 'Chassis')).split(/\s+/).filter(Boolean);
        return names.every((n) => got.includes(n));
      },
      { timeoutMs: left(), intervalMs: 20, abort: abortIfDead(internals) },
    );
    await Promise.all(
      specs.map((s) =>
        pollUntil(
          `geneve tunnels on ${s.name} to ${names.filter((n) => n !== s.name).join(', ') || '(none)'}`,
          async () => {
            const want = specs.filter((o) => o.name !== s.name).map((o) => chassis[o.name].encapIp);
            const have = (await sb.tunnelPorts(s.name)).filter((t) => t.ofport > 0).map((t) => t.remoteIp);
            return want.every((ip) => have.includes(ip));
          },
          { timeoutMs: left(), intervalMs: 20, abort: abortIfDead(internals) },
        ),
      ),
    );
    mark('chassis registered, tunnels up');
    await sb.sync(left());
    mark('synced');
    writeState(sb, internals);
    return sb;
  } catch (e) {
    await sb.stop({ failed: true }).catch(() => undefined);
    const kept = keepOnFailure ? ' (directory kept, OVNSCOPE_KEEP_SANDBOX=1)' : '';
    const msg = `startSandbox failed in ${dir}${kept}: ${e instanceof Error ? e.message : String(e)}`;
    if (e instanceof Error) {
      e.message = msg;
      throw e;
    }
    throw new Error(msg);
  }
}

function procStateOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').slice(0, 80);
  } catch (e) {
    return (e as Error).message;
  }
}

function abortIfDead(internals: Internals): () => string | undefined {
  return () => {
    const dead = internals.daemons.filter((d) => d.hasExited() || !isAlive(d.pid));
    return dead.length
      ? `daemon(s) died: ${dead.map((d) => `${d.name} pid ${d.pid} [${d.exitDescription() ?? `not alive: ${procStateOf(d.pid)}`}] (${d.outFile}: ${tail(d.outFile, 5)})`).join('; ')}`
      : undefined;
  };
}

function writeState(sb: Sandbox, internals: Internals): void {
  const state: SandboxState = {
    version: 1,
    created: new Date().toISOString(),
    persistent: internals.opts.persistent,
    dir: sb.dir,
    central: sb.central,
    chassis: sb.chassisNames.map((n) => sb.chassis[n]),
    pids: internals.daemons.map((d) => d.pid),
  };
  writeFileSync(join(sb.dir, 'sandbox.json'), `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * Re-opens a running sandbox from its directory (reads <dir>/sandbox.json), e.g. one started by
 * `scripts/sandbox.ts up`. stop() on it kills the daemons by their pid files.
 */
export function attachSandbox(dir: string, options: Pick<SandboxOptions, 'commandTimeoutMs' | 'syncTimeoutMs' | 'keepOnFailure'> = {}): Sandbox {
  const abs = resolve(dir);
  const file = join(abs, 'sandbox.json');
  if (!existsSync(file)) throw new Error(`${abs} is not a sandbox directory (no sandbox.json)`);
  const st = JSON.parse(readFileSync(file, 'utf8')) as SandboxState;
  if (st.version !== 1) throw new Error(`${file}: unsupported version ${String(st.version)}`);
  const chassis: Record<string, ChassisInfo> = {};
  for (const c of st.chassis) chassis[c.name] = c;
  const internals: Internals = {
    daemons: [],
    opts: {
      commandTimeoutMs: options.commandTimeoutMs ?? 30_000,
      syncTimeoutMs: options.syncTimeoutMs ?? 60_000,
      startTimeoutMs: 60_000,
      persistent: st.persistent,
      keepOnFailure: options.keepOnFailure ?? process.env.OVNSCOPE_KEEP_SANDBOX === '1',
    },
  };
  return makeSandbox(abs, st.central, chassis, st.chassis.map((c) => c.name), internals, st.pids);
}

// ---------------------------------------------------------------------------------------------
// The object

/** Parses one cell of `ovs-vsctl --format=json` output into a JS value. */
export function ovsdbJsonValue(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  const [tag, body] = v as [string, unknown];
  if (tag === 'set') return (body as unknown[]).map(ovsdbJsonValue);
  if (tag === 'map') return Object.fromEntries((body as Array<[unknown, unknown]>).map(([k, x]) => [String(ovsdbJsonValue(k)), ovsdbJsonValue(x)]));
  if (tag === 'uuid' || tag === 'named-uuid') return body;
  return v;
}

/** Rows of `--format=json` output as objects keyed by heading. */
export function ovsdbJsonRows(text: string): Array<Record<string, unknown>> {
  const t = JSON.parse(text) as { headings: string[]; data: unknown[][] };
  return t.data.map((row) => Object.fromEntries(t.headings.map((h, i) => [h, ovsdbJsonValue(row[i])])));
}

function makeSandbox(
  dir: string,
  central: CentralInfo,
  chassis: Record<string, ChassisInfo>,
  chassisNames: string[],
  internals: Internals,
  knownPids: number[] = [],
): Sandbox {
  let stopped = false;
  let stopping: Promise<void> | undefined;
  const t = internals.opts.commandTimeoutMs;
  const secs = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));
  const hv = (name: string): ChassisInfo => {
    const c = chassis[name];
    if (!c) throw new Error(`no chassis ${JSON.stringify(name)} in sandbox ${dir} (have: ${chassisNames.join(', ')})`);
    return c;
  };
  const pidFromFile = (file: string): number | undefined => {
    try {
      const p = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
      return Number.isInteger(p) ? p : undefined;
    } catch {
      return undefined;
    }
  };
  const pidDirs = () => [central.dir, ...chassisNames.map((n) => chassis[n].dir)];
  const allPids = () => {
    const s = new Set<number>([...internals.daemons.map((d) => d.pid), ...knownPids]);
    for (const { pid } of readPidFiles(pidDirs())) s.add(pid);
    return [...s];
  };

  const sandbox: Sandbox = {
    dir,
    central,
    chassis,
    chassisNames,
    get stopped() {
      return stopped;
    },
    nbctl: (...args) => run('ovn-nbctl', [`--db=${central.nbSock}`, ...args], { env: central.env, timeoutMs: t }),
    sbctl: (...args) => run('ovn-sbctl', [`--db=${central.sbSock}`, ...args], { env: central.env, timeoutMs: t }),
    vsctl: (name, ...args) => {
      const c = hv(name);
      return run('ovs-vsctl', [`--db=${c.dbSock}`, `--timeout=${secs(t)}`, ...args], { env: c.env, timeoutMs: t + 1000 });
    },
    ofctl: (name, ...args) => run('ovs-ofctl', args, { env: hv(name).env, timeoutMs: t }),
    appctl: (name, ...args) => run('ovs-appctl', [`--timeout=${secs(t)}`, ...args], { env: hv(name).env, timeoutMs: t + 1000 }),
    controllerAppctl: (name, ...args) => {
      const c = hv(name);
      const pid = pidFromFile(join(c.dir, 'ovn-controller.pid'));
      if (pid === undefined) throw new Error(`no ovn-controller pid file in ${c.dir}`);
      return run('ovn-appctl', [`--timeout=${secs(t)}`, '-t', join(c.dir, `ovn-controller.${pid}.ctl`), ...args], { env: c.env, timeoutMs: t + 1000 });
    },
    northdAppctl: (...args) => run('ovn-appctl', [`--timeout=${secs(t)}`, '-t', join(central.dir, 'northd.ctl'), ...args], { env: central.env, timeoutMs: t + 1000 }),
    ofprotoTrace: (name, flow, extraArgs = []) => sandbox.appctl(name, 'ofproto/trace', 'br-int', flow, ...extraArgs),
    ovnTrace: (...args) => run('ovn-trace', [`--db=${central.sbSock}`, ...args], { env: central.env, timeoutMs: t }),
    sync: async (timeoutMs = internals.opts.syncTimeoutMs) => {
      await run('ovn-nbctl', [`--db=${central.nbSock}`, `--timeout=${secs(timeoutMs)}`, '--wait=hv', 'sync'], { env: central.env, timeoutMs: timeoutMs + 2000 });
    },
    bind: async (name, iface, logicalPort, opts = {}) => {
      await sandbox.vsctl(name, ...bindArgs(iface, logicalPort, opts));
    },
    tunnelPorts: async (name) => {
      const out = await sandbox.vsctl(name, '--format=json', '--columns=name,options,ofport', 'find', 'Interface', 'type=geneve');
      return ovsdbJsonRows(out).map((r) => {
        const options = (r.options ?? {}) as Record<string, string>;
        const ofport = typeof r.ofport === 'number' ? r.ofport : -1;
        return { name: String(r.name), remoteIp: options.remote_ip ?? '', ofport, options };
      });
    },
    ofport: async (name, iface) => {
      const v = Number.parseInt((await sandbox.vsctl(name, 'get', 'Interface', iface, 'ofport')).trim(), 10);
      if (!Number.isInteger(v) || v <= 0) throw new Error(`interface ${iface} on ${name} has no OpenFlow port (ofport=${v})`);
      return v;
    },
    pids: allPids,
    stop: (opts = {}) => {
      stopping ??= (async () => {
        // Disarm the watchdog first so it cannot race us.
        try {
          rmSync(join(dir, '.alive'), { force: true });
        } catch {
          /* dir gone */
        }
        await internals.watchdog?.stop();
        // Only pids whose command line names our directory are signalled (see killPids).
        const survivors = await killPids(allPids(), `${dir}/`);
        stopped = true;
        internals.unregister?.();
        const keep = opts.keep === true || (opts.failed === true && internals.opts.keepOnFailure);
        if (keep) process.stderr.write(`[ovnscope sandbox] kept ${dir}\n`);
        else rmSync(dir, { recursive: true, force: true });
        if (survivors.length) throw new Error(`sandbox ${dir}: pids ${survivors.join(', ')} survived SIGKILL`);
      })();
      return stopping;
    },
  };
  return sandbox;
}

/** ovs-vsctl argv that adds a dummy interface bound to a logical port (one `--`-chained group). */
export function bindArgs(iface: string, logicalPort: string, opts: BindOptions = {}): string[] {
  return [
    'add-port', 'br-int', iface, '--', 'set', 'Interface', iface, 'type=dummy',
    ...ovsdbMapArgs('external_ids', { 'iface-id': logicalPort, ...opts.externalIds }),
    ...(opts.ofportRequest ? [`ofport_request=${opts.ofportRequest}`] : []),
  ];
}
