// A real kernel network lab for the live offload suite: one network namespace per "hypervisor",
// each with real veth, bridge and macvlan devices whose offload features are changed with
// `ethtool -K` (real kernel state), and a real OVS 3.1 (ovsdb-server + ovs-vswitchd with the
// userspace netdev datapath, no kernel module) running *inside* the namespace, so OVS computes
// `status:tunnel_egress_iface` of its geneve port from the namespace's own routes.
//
//   hv1: br0 (192.168.0.1/24) ← eth0, eth1 (veth; peers p0, p1 stay in hv1)
//        TEP 192.168.100.1/32 on lo; route 192.168.100.2 via 192.168.0.2 dev br0
//        OVS br-int, geneve port ovn-hv2-0 remote_ip 192.168.100.2 csum=true → egress br0
//   hv2: mv0 (macvlan on br0, 192.168.0.2/24) → br0 ← eth0, eth1 (veth)
//        TEP 192.168.100.2/32 on lo; route 192.168.100.1 via 192.168.0.1 dev mv0
//        OVS br-int, geneve port ovn-hv1-0 remote_ip 192.168.100.1 csum=true → egress mv0
//
// The kernels these tests run on have no bonding, 8021q, dummy or geneve modules (checked in
// `kernelCapabilities`), so bridges stand in for bonds as the "upper device with members".
//
// Isolation: namespace names carry a random per-run prefix; addresses live only inside those
// namespaces; no traffic is sent. Tear-down always runs (stop(), the harness's exit and signal
// handlers, and its detached watchdog that outlives a SIGKILLed test process) and only kills pids
// whose command line names this run's directory.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killPids, pollUntil, registerCleanup, run, spawnDaemon, startWatchdog, whichBinary, type DaemonHandle } from '../harness/procs.js';

export interface LabHost {
  readonly name: string;
  readonly ns: string;
  /** OVS_RUNDIR (and DB, log, sysconf dir) of this host's OVS. */
  readonly dir: string;
  readonly tep: string;
  readonly remoteTep: string;
  /** The device the route to the remote TEP uses (what OVS reports as tunnel_egress_iface). */
  readonly egress: string;
}

export interface NetLab {
  readonly dir: string;
  readonly hosts: readonly LabHost[];
  host(name: string): LabHost;
  /** Runs a command inside a host's namespace. */
  exec(host: string, argv: readonly string[]): Promise<string>;
  /** `ethtool -K DEV feature on|off` inside a host's namespace (real kernel state). */
  setFeature(host: string, dev: string, feature: string, on: boolean): Promise<void>;
  /** ovs-vsctl against a host's OVS. */
  vsctl(host: string, ...args: string[]): Promise<string>;
  /** The inventory a user writes for these hosts: local transport, `ip netns exec NS env OVS_RUNDIR=…` wrapper. */
  inventory(): { hosts: { name: string; transport: 'local'; wrapper: string[] }[] };
  stop(): Promise<void>;
}

const OVS_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

/** What the live suite needs; empty when everything is there. */
export function missingForLab(): string[] {
  const missing: string[] = [];
  for (const b of ['ip', 'ethtool', 'tc', 'ovsdb-tool', 'ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovs-appctl', 'ovs-ofctl']) if (!whichBinary(b)) missing.push(b);
  try {
    execFileSync('test', ['-r', OVS_SCHEMA]);
  } catch {
    missing.push(OVS_SCHEMA);
  }
  if (process.getuid?.() !== 0) missing.push('root (network namespaces)');
  return missing;
}

/** Which device kinds this kernel can create (probed in a throw-away namespace). */
export function kernelCapabilities(): Record<'veth' | 'bridge' | 'macvlan' | 'bond' | 'vlan' | 'dummy', boolean> {
  const ns = `ocap${randomBytes(3).toString('hex')}`;
  const can = (args: string[]) => {
    try {
      execFileSync('ip', ['-n', ns, 'link', 'add', ...args], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    const veth = can(['v0', 'type', 'veth', 'peer', 'name', 'v1']);
    return {
      veth,
      bridge: can(['b0', 'type', 'bridge']),
      macvlan: veth && can(['m0', 'link', 'v0', 'type', 'macvlan']),
      bond: can(['bd0', 'type', 'bond']),
      vlan: veth && can(['v0.5', 'link', 'v0', 'type', 'vlan', 'id', '5']),
      dummy: can(['d0', 'type', 'dummy']),
    };
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
}

export async function startNetLab(): Promise<NetLab> {
  const prefix = `oo${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), `ovnscope-offload-${prefix}-`));
  const specs = [
    { name: 'hv1', tep: '192.168.100.1', remoteTep: '192.168.100.2', addr: '192.168.0.1', gw: '192.168.0.2', egress: 'br0', macvlan: false },
    { name: 'hv2', tep: '192.168.100.2', remoteTep: '192.168.100.1', addr: '192.168.0.2', gw: '192.168.0.1', egress: 'mv0', macvlan: true },
  ];
  const hosts: LabHost[] = specs.map((s) => ({ name: s.name, ns: `${prefix}-${s.name}`, dir: join(dir, s.name), tep: s.tep, remoteTep: s.remoteTep, egress: s.egress }));
  const namespaces = hosts.map((h) => h.ns);
  const daemons: DaemonHandle[] = [];
  // Each host's daemons write their pid files in its own directory.
  const pidDirs = hosts.map((h) => h.dir);
  writeFileSync(join(dir, '.alive'), '');
  const dog = startWatchdog(dir, pidDirs, false, { namespaces });
  const unregister = registerCleanup({ dir, pidDirs, pids: () => daemons.map((d) => d.pid), keepDir: false, namespaces });
  let stopped = false;

  const host = (name: string) => {
    const h = hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no lab host ${name}`);
    return h;
  };
  const ovsEnv = (h: LabHost) => ({ OVS_RUNDIR: h.dir, OVS_LOGDIR: h.dir, OVS_DBDIR: h.dir, OVS_SYSCONFDIR: h.dir });
  const exec = (name: string, argv: readonly string[]) => run('ip', ['netns', 'exec', host(name).ns, ...argv], { timeoutMs: 15_000 });
  const vsctl = (name: string, ...args: string[]) => run('ovs-vsctl', [`--db=unix:${host(name).dir}/db.sock`, '--timeout=10', ...args], { env: ovsEnv(host(name)) });
  const lab: NetLab = {
    dir,
    hosts,
    host,
    exec,
    vsctl,
    setFeature: async (name, dev, feature, on) => {
      await exec(name, ['ethtool', '-K', dev, feature, on ? 'on' : 'off']);
    },
    inventory: () => ({ hosts: hosts.map((h) => ({ name: h.name, transport: 'local' as const, wrapper: ['ip', 'netns', 'exec', h.ns, 'env', `OVS_RUNDIR=${h.dir}`] })) }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const left = await killPids(
        daemons.map((d) => d.pid),
        `${dir}/`,
      );
      for (const ns of namespaces) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
      rmSync(join(dir, '.alive'), { force: true });
      await dog?.stop();
      rmSync(dir, { recursive: true, force: true });
      unregister();
      if (left.length) throw new Error(`OVS daemons still alive after SIGKILL: ${left.join(', ')}`);
    },
  };

  try {
    for (const [i, h] of hosts.entries()) {
      const s = specs[i]!;
      const ip = (...args: string[]) => run('ip', ['-n', h.ns, ...args]);
      await run('ip', ['netns', 'add', h.ns]);
      await ip('link', 'set', 'lo', 'up');
      await ip('addr', 'add', `${h.tep}/32`, 'dev', 'lo');
      await ip('link', 'add', 'br0', 'type', 'bridge');
      for (const n of [0, 1]) {
        await ip('link', 'add', `eth${n}`, 'type', 'veth', 'peer', 'name', `p${n}`);
        await ip('link', 'set', `eth${n}`, 'master', 'br0');
        await ip('link', 'set', `eth${n}`, 'up');
        await ip('link', 'set', `p${n}`, 'up');
      }
      await ip('link', 'set', 'br0', 'up');
      if (s.macvlan) {
        await ip('link', 'add', 'mv0', 'link', 'br0', 'type', 'macvlan', 'mode', 'bridge');
        await ip('link', 'set', 'mv0', 'up');
      }
      await ip('addr', 'add', `${s.addr}/24`, 'dev', s.egress);
      await ip('route', 'add', `${h.remoteTep}/32`, 'via', s.gw, 'dev', s.egress);

      // OVS inside the namespace (userspace datapath: no kernel module needed).
      await run('mkdir', ['-p', h.dir]);
      await run('ovsdb-tool', ['create', join(h.dir, 'conf.db'), OVS_SCHEMA]);
      daemons.push(
        spawnDaemon(`${h.name}/ovsdb-server`, 'ip', ['netns', 'exec', h.ns, 'ovsdb-server', '--no-chdir', `--pidfile=${h.dir}/ovsdb-server.pid`, `--log-file=${h.dir}/ovsdb-server.log`, `--remote=punix:${h.dir}/db.sock`, `--unixctl=${h.dir}/ovsdb-server.ctl`, join(h.dir, 'conf.db')], {
          env: ovsEnv(h),
          outFile: join(h.dir, 'ovsdb-server.out'),
        }),
      );
      await pollUntil(`${h.name} ovsdb-server to listen`, async () => (await run('test', ['-S', `${h.dir}/db.sock`]).then(() => true, () => false)), { timeoutMs: 15_000, abort: () => daemons.find((d) => d.hasExited())?.exitDescription() });
      await vsctl(h.name, '--no-wait', 'init');
      daemons.push(
        spawnDaemon(`${h.name}/ovs-vswitchd`, 'ip', ['netns', 'exec', h.ns, 'ovs-vswitchd', `unix:${h.dir}/db.sock`, '--no-chdir', `--pidfile=${h.dir}/ovs-vswitchd.pid`, `--log-file=${h.dir}/ovs-vswitchd.log`], {
          env: ovsEnv(h),
          outFile: join(h.dir, 'ovs-vswitchd.out'),
        }),
      );
      const peer = hosts.find((x) => x !== h)!;
      await vsctl(
        h.name,
        '--',
        'add-br',
        'br-int',
        '--',
        'set',
        'Bridge',
        'br-int',
        'datapath_type=netdev',
        'fail_mode=secure',
        '--',
        'add-port',
        'br-int',
        `ovn-${peer.name}-0`,
        '--',
        'set',
        'Interface',
        `ovn-${peer.name}-0`,
        'type=geneve',
        `options:remote_ip=${h.remoteTep}`,
        'options:csum=true',
        'options:key=flow',
        '--',
        'set',
        'Open_vSwitch',
        '.',
        `external_ids:system-id=${h.name}`,
        `external_ids:ovn-encap-ip=${h.tep}`,
        'external_ids:ovn-encap-type=geneve',
      );
    }
    for (const h of hosts)
      await pollUntil(
        `${h.name}: OVS to report status:tunnel_egress_iface=${h.egress}`,
        async () => (await vsctl(h.name, 'get', 'Interface', `ovn-${hosts.find((x) => x !== h)!.name}-0`, 'status:tunnel_egress_iface').catch(() => '')).replace(/"/g, '') === h.egress,
        { timeoutMs: 20_000, intervalMs: 100, abort: () => daemons.find((d) => d.hasExited()) && `${daemons.find((d) => d.hasExited())!.name} exited (${daemons.find((d) => d.hasExited())!.exitDescription()}); see ${dir}` },
      );
    return lab;
  } catch (e) {
    await lab.stop().catch(() => undefined);
    throw e;
  }
}
