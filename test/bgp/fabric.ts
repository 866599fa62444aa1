// A real FRR 8.4 underlay in network namespaces for the live BGP suite: three hypervisors and two
// ToRs. hv1 and hv2 are dual-homed (eth0 → tor1, eth1 → tor2), hv3 has a single uplink (eth0 →
// tor1). Every hypervisor has its TEP as a /32 on lo, originates it by eBGP ("network"), and takes
// the other TEPs with ECMP (multipath-relax: the ToRs are in different ASes). zebra, bgpd and bfdd
// run per namespace as FRR instances named after the namespace (-N), in the foreground as our
// children. Short timers: BGP keepalive 1 s / hold 3 s, connect retry 1 s, BFD 100 ms (× 10, so a
// loaded CI machine does not flap the sessions by itself).
//
// Isolation: namespaces and instance names carry a random per-run prefix; every address lives only
// inside those namespaces (10.0.x.0/31 links, 192.168.100.x TEPs); vty TCP ports are disabled
// (-P 0). Tear-down always runs (stop(), the harness's exit and signal handlers, and its watchdog
// that outlives a SIGKILLed test process), and only ever kills pids whose command line names this
// run's directory.

import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { killPids, pollUntil, registerCleanup, run, spawnDaemon, startWatchdog, type DaemonHandle } from '../harness/procs.js';

export const FRR_BIN = '/usr/lib/frr';
const DAEMONS = ['zebra', 'bgpd', 'bfdd'] as const;

export interface Link {
  readonly a: string;
  readonly aIf: string;
  readonly b: string;
  readonly bIf: string;
  /** /31: a gets .1, b gets .0 (the ToR side is the even address, as in the lab captures). */
  readonly net: string;
}

export interface NodeSpec {
  readonly name: string;
  readonly asn: number;
  readonly routerId: string;
  readonly tep?: string;
  readonly tor: boolean;
}

export const NODES: readonly NodeSpec[] = [
  { name: 'hv1', asn: 65101, routerId: '192.168.100.1', tep: '192.168.100.1', tor: false },
  { name: 'hv2', asn: 65102, routerId: '192.168.100.2', tep: '192.168.100.2', tor: false },
  { name: 'hv3', asn: 65103, routerId: '192.168.100.3', tep: '192.168.100.3', tor: false },
  { name: 'tor1', asn: 65001, routerId: '10.255.0.1', tor: true },
  { name: 'tor2', asn: 65002, routerId: '10.255.0.2', tor: true },
];

export const LINKS: readonly Link[] = [
  { a: 'hv1', aIf: 'eth0', b: 'tor1', bIf: 'swp1', net: '10.0.1' },
  { a: 'hv1', aIf: 'eth1', b: 'tor2', bIf: 'swp1', net: '10.0.2' },
  { a: 'hv2', aIf: 'eth0', b: 'tor1', bIf: 'swp2', net: '10.0.3' },
  { a: 'hv2', aIf: 'eth1', b: 'tor2', bIf: 'swp2', net: '10.0.4' },
  { a: 'hv3', aIf: 'eth0', b: 'tor1', bIf: 'swp3', net: '10.0.5' },
];

const node = (name: string) => NODES.find((n) => n.name === name)!;
const peerAddr = (l: Link, side: 'a' | 'b') => `${l.net}.${side === 'a' ? 1 : 0}`;

/** Neighbors of a node: address and AS. */
export function neighborsOf(nodeName: string): { addr: string; asn: number }[] {
  return LINKS.filter((l) => l.a === nodeName || l.b === nodeName).map((l) => (l.a === nodeName ? { addr: peerAddr(l, 'b'), asn: node(l.b).asn } : { addr: peerAddr(l, 'a'), asn: node(l.a).asn }));
}

/**
 * FRR configuration of one node. BFD on the sessions is off at start and switched on once BGP has
 * converged (`withBfd` gives the final configuration): registering BFD on sessions that are still
 * coming up lets one bring-up reset cascade into "Cease/BFD Down" on the neighbours.
 */
export function frrConfig(n: NodeSpec, logFile: string, withBfd = false): string {
  const lines = ['frr defaults datacenter', `hostname ${n.name}`, `log file ${logFile}`, '!'];
  const neighbors = neighborsOf(n.name);
  if (!n.tor) {
    lines.push(
      `ip prefix-list LOCAL-TEP seq 10 permit ${n.tep}/32`,
      'ip prefix-list TEPS seq 10 permit 192.168.100.0/24 ge 32',
      '!',
      'route-map TEP-OUT permit 10',
      ' match ip address prefix-list LOCAL-TEP',
      'exit',
      '!',
      'route-map TEPS-IN permit 10',
      ' match ip address prefix-list TEPS',
      'exit',
      '!',
    );
  }
  lines.push(`router bgp ${n.asn}`, ` bgp router-id ${n.routerId}`, n.tor ? ' no bgp ebgp-requires-policy' : ' bgp ebgp-requires-policy');
  if (!n.tor) lines.push(' bgp bestpath as-path multipath-relax');
  lines.push(' timers bgp 1 3');
  for (const nb of neighbors) lines.push(` neighbor ${nb.addr} remote-as ${nb.asn}`, ` neighbor ${nb.addr} timers connect 1`, ...(withBfd ? [` neighbor ${nb.addr} bfd profile fast`] : []));
  lines.push(' !', ' address-family ipv4 unicast');
  if (!n.tor) {
    lines.push(`  network ${n.tep}/32`);
    for (const nb of neighbors) lines.push(`  neighbor ${nb.addr} route-map TEPS-IN in`, `  neighbor ${nb.addr} route-map TEP-OUT out`);
  }
  lines.push(' exit-address-family', 'exit', '!', 'bfd', ' profile fast', '  receive-interval 100', '  transmit-interval 100', '  detect-multiplier 10', ' exit', 'exit', '!');
  return lines.join('\n') + '\n';
}

export interface Fabric {
  readonly dir: string;
  readonly prefix: string;
  /** Namespace (and FRR instance) name of a node. */
  ns(nodeName: string): string;
  /** Runs a command inside a node's namespace. */
  exec(nodeName: string, argv: readonly string[], timeoutMs?: number): Promise<string>;
  /** vtysh on a node (show commands and, for scenario set-up, configuration). */
  vtysh(nodeName: string, ...commands: string[]): Promise<string>;
  vtyshJson<T = unknown>(nodeName: string, command: string): Promise<T>;
  /** Inventory YAML the way a user writes it for these hosts: local transport, `ip netns exec` wrapper. */
  inventoryYaml(hosts?: readonly string[]): string;
  setLink(nodeName: string, ifname: string, up: boolean): Promise<void>;
  /** Polls until every hypervisor uplink is Established and every TEP is installed with full ECMP. */
  waitConverged(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

type SummaryPeers = { ipv4Unicast?: { peers?: Record<string, { state?: string; peerState?: string; pfxRcd?: number; pfxSnt?: number }> } };

/** Peers of a node's summary (default VRF, IPv4 unicast). */
export async function peersOf(f: Fabric, nodeName: string): Promise<Record<string, { state?: string; peerState?: string; pfxRcd?: number; pfxSnt?: number }>> {
  const j = await f.vtyshJson<SummaryPeers>(nodeName, 'show bgp summary json');
  return j.ipv4Unicast?.peers ?? {};
}

/** Installed next hops (fib) of a /32 on a node, [] when absent. */
export async function fibNexthops(f: Fabric, nodeName: string, tep: string): Promise<string[]> {
  const j = await f.vtyshJson<Record<string, { installed?: boolean; nexthops?: { fib?: boolean; interfaceName?: string }[] }[]>>(nodeName, `show ip route ${tep}/32 json`);
  const r = j[`${tep}/32`]?.find((x) => x.installed);
  return (r?.nexthops ?? []).filter((n) => n.fib).map((n) => n.interfaceName ?? '?');
}

export interface StartOptions {
  /** Deprecated knob kept for scripts: convergence (BGP, then BFD) is always awaited. */
  readonly converge?: boolean;
  /** Extra hosts: namespaces with addresses but no FRR (to see "no FRR data"). */
  readonly bareHosts?: readonly string[];
}

export async function startFabric(options: StartOptions = {}): Promise<Fabric> {
  const prefix = `ob${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), `ovnscope-bgp-${prefix}-`));
  const ns = (n: string) => `${prefix}-${n}`;
  const bare = options.bareHosts ?? [];
  const namespaces = [...NODES.map((n) => n.name), ...bare].map(ns);
  const daemons: DaemonHandle[] = [];
  // The safety net (exit and signal handlers, and a watchdog that outlives a SIGKILL) also
  // deletes the namespaces and FRR's per-namespace socket directories.
  const net = { namespaces, extraDirs: namespaces.map((n) => `/var/run/frr/${n}`) };
  writeFileSync(join(dir, '.alive'), '');
  const dog = startWatchdog(dir, [dir], false, net);
  const unregister = registerCleanup({ dir, pidDirs: [dir], pids: () => daemons.map((d) => d.pid), keepDir: false, ...net });
  let stopped = false;

  const exec = (n: string, argv: readonly string[], timeoutMs = 15_000) => run('ip', ['netns', 'exec', ns(n), ...argv], { timeoutMs });
  const vtysh = (n: string, ...commands: string[]) => exec(n, ['vtysh', '-N', ns(n), ...commands.flatMap((c) => ['-c', c])]);
  const fabric: Fabric = {
    dir,
    prefix,
    ns,
    exec,
    vtysh,
    vtyshJson: async <T>(n: string, command: string) => JSON.parse(await vtysh(n, command)) as T,
    inventoryYaml: (hosts = [...NODES.filter((x) => !x.tor).map((x) => x.name), ...bare]) => `hosts:\n${hosts.map((h) => `  ${h}: { transport: local, wrapper: "ip netns exec ${ns(h)}" }`).join('\n')}\n`,
    setLink: async (n, ifname, up) => {
      await run('ip', ['-n', ns(n), 'link', 'set', ifname, up ? 'up' : 'down']);
    },
    waitConverged: async (timeoutMs = 30_000) => {
      await pollUntil(
        'the BGP fabric to converge (every uplink Established, every TEP installed with ECMP where dual-homed)',
        async () => {
          for (const h of NODES.filter((x) => !x.tor)) {
            const peers = Object.values(await peersOf(fabric, h.name));
            if (!peers.length || peers.some((p) => p.state !== 'Established' || p.peerState !== 'OK')) return false;
            for (const other of NODES.filter((x) => !x.tor && x.name !== h.name)) {
              const legs = await fibNexthops(fabric, h.name, other.tep!);
              const want = Math.min(LINKS.filter((l) => l.a === h.name).length, LINKS.filter((l) => l.a === other.name).length);
              if (legs.length < want) return false;
            }
          }
          return true;
        },
        { timeoutMs, intervalMs: 100, abort: () => daemons.find((d) => d.hasExited()) && `${daemons.find((d) => d.hasExited())!.name} exited (${daemons.find((d) => d.hasExited())!.exitDescription()}); see ${dir}` },
      );
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const left = await killPids(
        daemons.map((d) => d.pid),
        `${dir}/`,
      );
      for (const n of namespaces) {
        await run('ip', ['netns', 'del', n]).catch(() => undefined);
        rmSync(`/var/run/frr/${n}`, { recursive: true, force: true });
      }
      rmSync(join(dir, '.alive'), { force: true });
      await dog?.stop();
      rmSync(dir, { recursive: true, force: true });
      unregister();
      if (left.length) throw new Error(`FRR daemons still alive after SIGKILL: ${left.join(', ')}`);
    },
  };

  try {
    // frr (the daemons' user) must read the configs and write the logs.
    chmodSync(dir, 0o755);
    chownSync(dir, frrUid(), frrGid());
    if (!existsSync('/var/run/frr')) throw new Error('/var/run/frr does not exist: is the frr package installed?');
    for (const n of namespaces) {
      await run('ip', ['netns', 'add', n]);
      await run('ip', ['-n', n, 'link', 'set', 'lo', 'up']);
    }
    for (const l of LINKS) {
      await run('ip', ['-n', ns(l.a), 'link', 'add', l.aIf, 'type', 'veth', 'peer', 'name', l.bIf, 'netns', ns(l.b)]);
      await run('ip', ['-n', ns(l.a), 'addr', 'add', `${peerAddr(l, 'a')}/31`, 'dev', l.aIf]);
      await run('ip', ['-n', ns(l.b), 'addr', 'add', `${peerAddr(l, 'b')}/31`, 'dev', l.bIf]);
      await run('ip', ['-n', ns(l.a), 'link', 'set', l.aIf, 'up']);
      await run('ip', ['-n', ns(l.b), 'link', 'set', l.bIf, 'up']);
    }
    for (const n of NODES) {
      if (n.tep) await run('ip', ['-n', ns(n.name), 'addr', 'add', `${n.tep}/32`, 'dev', 'lo']);
      if (n.tor) await exec(n.name, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      const conf = join(dir, `${n.name}.conf`);
      writeFileSync(conf, frrConfig(n, join(dir, `${n.name}.log`)));
      chownSync(conf, frrUid(), frrGid());
    }
    const startDaemon = (n: NodeSpec, d: (typeof DAEMONS)[number]) => {
      const args = ['netns', 'exec', ns(n.name), join(FRR_BIN, d), '-N', ns(n.name), '-f', join(dir, `${n.name}.conf`), '-u', 'frr', '-g', 'frr', '-P', '0', '-i', join(dir, `${n.name}-${d}.pid`), '--log', `file:${join(dir, `${n.name}-${d}.log`)}`];
      daemons.push(spawnDaemon(`${n.name}/${d}`, 'ip', args, { env: {}, outFile: join(dir, `${n.name}-${d}.out`) }));
    };
    for (const n of NODES) startDaemon(n, 'zebra');
    await pollUntil('zebra to listen in every namespace', () => NODES.every((n) => existsSync(`/var/run/frr/${ns(n.name)}/zebra.vty`)), {
      timeoutMs: 15_000,
      abort: () => daemons.find((d) => d.hasExited())?.exitDescription(),
    });
    // bfdd before bgpd, so BGP's BFD registrations meet a running bfdd (fewer bring-up resets).
    for (const d of ['bfdd', 'bgpd'] as const) {
      for (const n of NODES) startDaemon(n, d);
      await pollUntil(`${d} to listen in every namespace`, () => NODES.every((n) => existsSync(`/var/run/frr/${ns(n.name)}/${d}.vty`)), {
        timeoutMs: 15_000,
        abort: () => daemons.find((x) => x.hasExited())?.exitDescription(),
      });
    }
    await fabric.waitConverged(options.converge === false ? 60_000 : 30_000);
    for (const n of NODES) await vtysh(n.name, 'configure terminal', `router bgp ${n.asn}`, ...neighborsOf(n.name).map((nb) => `neighbor ${nb.addr} bfd profile fast`));
    await pollUntil(
      'BFD up on every session',
      async () => {
        for (const n of NODES) {
          const peers = await fabric.vtyshJson<{ peer: string; status: string }[]>(n.name, 'show bfd peers json');
          if (peers.length !== neighborsOf(n.name).length || peers.some((p) => p.status !== 'up')) return false;
        }
        return true;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    return fabric;
  } catch (e) {
    await fabric.stop().catch(() => undefined);
    throw e;
  }
}

const frrUid = () => Number(execFileSync('id', ['-u', 'frr'], { encoding: 'utf8' }).trim());
const frrGid = () => Number(execFileSync('id', ['-g', 'frr'], { encoding: 'utf8' }).trim());

/** What the live suite needs; empty when everything is there. */
export function missingFrr(): string[] {
  const missing: string[] = [];
  for (const d of DAEMONS) if (!existsSync(join(FRR_BIN, d))) missing.push(join(FRR_BIN, d));
  try {
    execFileSync('sh', ['-c', 'command -v vtysh && command -v ip'], { stdio: 'ignore' });
  } catch {
    missing.push('vtysh or ip');
  }
  try {
    execFileSync('id', ['-u', 'frr'], { stdio: 'ignore' });
  } catch {
    missing.push('user frr');
  }
  if (process.getuid?.() !== 0) missing.push('root (network namespaces)');
  return missing;
}
