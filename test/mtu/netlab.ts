// A real kernel underlay for the live MTU suite: network namespaces standing for two hypervisors
// and two ToRs, with real veth, bridge and macvlan devices, real ECMP routes (a multipath route on
// hv1, nexthop objects and a group on hv2) and real MTUs. No OVS runs here: the OVS/OVN side of
// each hypervisor is the OVN sandbox's chassis (ovsdb-server + ovs-vswitchd with the dummy
// datapath), and `ovnscope collect` reaches both through one wrapper per host,
// `ip netns exec <ns> env OVS_RUNDIR=<chassis dir>`: OVS commands talk to the sandbox chassis over
// its unix socket, `ip -j …` sees the namespace. The sandbox's encap IPs (192.168.0.1, .2) are the
// TEP /32s on the namespaces' loopbacks, so the kernel routes toward each geneve port's remote_ip
// are the namespaces' routes.
//
//         tor1 (jumbo 9000 both sides)                 tor2 (1500 toward hv1, 9000 toward hv2)
//        /                          \                  /                            \
//   hv1 eth0 10.1.1.1/31 mtu 9000    hv2 br0 ← mv1 → eth0   hv1 eth1 10.1.2.1/31 1500   hv2 mv0 (macvlan on eth1)
//                                    10.2.1.1/31, all 9000                              10.2.2.1/31 9000
//   hv1: 192.168.0.2/32 nexthop via 10.1.1.0 dev eth0 nexthop via 10.1.2.0 dev eth1   (multipath route)
//   hv2: nexthop id 1 via 10.2.1.0 dev br0, id 2 via 10.2.2.0 dev mv0, id 10 group 1/2;
//        192.168.0.1/32 nhid 10
//
// This kernel has no bonding, 8021q, dummy or geneve modules (probed by `kernelCapabilities` of
// the offload lab): the "upper device bigger than its lower device" case is a bridge whose MTU was
// set above its port's (the kernel allows that for a bridge, unlike for VLAN/macvlan children);
// VLAN and bond rules are covered by fixtures from real public captures. The bridge's port is a
// passthru macvlan on the veth to tor1: a veth whose peer is in another namespace would be taken
// for a container port by the egress-chain walk (load-offload.ts), as it should on a real host.
//
// Isolation: namespace names carry a random per-run prefix; addresses exist only inside them; the
// only traffic is one UDP datagram between two of these namespaces (to make a ToR answer "needs
// fragmentation" for the PMTU case). Tear-down always runs: stop(), the harness's exit and signal
// handlers, and its detached watchdog that deletes the namespaces when the test process dies.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerCleanup, run, startWatchdog } from '../harness/procs.js';

export interface MtuLabHost {
  readonly name: 'hv1' | 'hv2' | 'tor1' | 'tor2';
  readonly ns: string;
}

export interface MtuLab {
  readonly prefix: string;
  readonly hosts: readonly MtuLabHost[];
  ns(name: MtuLabHost['name']): string;
  /** `ip -n NS …`. */
  ip(name: MtuLabHost['name'], ...args: string[]): Promise<string>;
  /** Runs a command inside a namespace. */
  exec(name: MtuLabHost['name'], argv: readonly string[]): Promise<string>;
  /** Sets the MTU of both ends of a veth (or of one device when `peer` is not given). */
  setMtu(name: MtuLabHost['name'], dev: string, mtu: number): Promise<void>;
  /**
   * Sends one UDP datagram of `bytes` payload from `from`'s TEP to `toIp` with the kernel's
   * default PMTU discovery (DF set when it is not fragmented locally): a router on the way whose
   * egress is smaller answers with ICMP "fragmentation needed", which the sender caches.
   */
  sendUdp(from: MtuLabHost['name'], src: string, toIp: string, bytes: number): Promise<void>;
  stop(): Promise<void>;
}

const TEP = { hv1: '192.168.0.1', hv2: '192.168.0.2' } as const;

/** What the lab needs; empty when everything is there. */
export function missingForMtuLab(): string[] {
  const missing: string[] = [];
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    missing.push('ip (iproute2)');
  }
  if (process.getuid?.() !== 0) missing.push('root (network namespaces)');
  return missing;
}

export async function startMtuLab(): Promise<MtuLab> {
  const prefix = `om${randomBytes(3).toString('hex')}`;
  const names = ['hv1', 'hv2', 'tor1', 'tor2'] as const;
  const hosts: MtuLabHost[] = names.map((name) => ({ name, ns: `${prefix}-${name}` }));
  const namespaces = hosts.map((h) => h.ns);
  // No daemons here: the directory only holds the watchdog's ".alive" mark.
  const dir = mkdtempSync(join(tmpdir(), `ovnscope-mtu-${prefix}-`));
  writeFileSync(join(dir, '.alive'), '');
  const dog = startWatchdog(dir, [], false, { namespaces });
  const unregister = registerCleanup({ dir, pidDirs: [], pids: () => [], keepDir: false, namespaces });
  let stopped = false;
  const nsOf = (name: MtuLabHost['name']) => hosts.find((h) => h.name === name)!.ns;
  const ip = (name: MtuLabHost['name'], ...args: string[]) => run('ip', ['-n', nsOf(name), ...args]);
  const exec = (name: MtuLabHost['name'], argv: readonly string[]) => run('ip', ['netns', 'exec', nsOf(name), ...argv], { timeoutMs: 15_000 });
  const lab: MtuLab = {
    prefix,
    hosts,
    ns: nsOf,
    ip,
    exec,
    setMtu: async (name, dev, mtu) => {
      await ip(name, 'link', 'set', dev, 'mtu', String(mtu));
    },
    sendUdp: async (from, src, toIp, bytes) => {
      const code = `const s=require('dgram').createSocket('udp4');s.bind({address:${JSON.stringify(src)}},()=>{s.send(Buffer.alloc(${bytes}),6081,${JSON.stringify(toIp)},(e)=>{if(e)console.error(e.message);setTimeout(()=>s.close(),300)})})`;
      await exec(from, [process.execPath, '-e', code]);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const ns of namespaces) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
      rmSync(join(dir, '.alive'), { force: true });
      await dog?.stop();
      rmSync(dir, { recursive: true, force: true });
      unregister();
    },
  };
  try {
    for (const h of hosts) {
      await run('ip', ['netns', 'add', h.ns]);
      await ip(h.name, 'link', 'set', 'lo', 'up');
    }
    await ip('hv1', 'addr', 'add', `${TEP.hv1}/32`, 'dev', 'lo');
    await ip('hv2', 'addr', 'add', `${TEP.hv2}/32`, 'dev', 'lo');
    // veth pairs: [host, dev, peer ns, peer dev, mtu]
    const pairs: [MtuLabHost['name'], string, MtuLabHost['name'], string, number][] = [
      ['hv1', 'eth0', 'tor1', 'hv1', 9000],
      ['hv1', 'eth1', 'tor2', 'hv1', 1500],
      ['hv2', 'eth0', 'tor1', 'hv2', 9000],
      ['hv2', 'eth1', 'tor2', 'hv2', 9000],
    ];
    for (const [h, dev, peer, pdev, mtu] of pairs) {
      await ip(h, 'link', 'add', dev, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', pdev, 'netns', nsOf(peer), 'mtu', String(mtu));
      await ip(h, 'link', 'set', dev, 'up');
      await ip(peer, 'link', 'set', pdev, 'up');
    }
    // hv2: br0 (explicit MTU 9000) ← mv1 (passthru macvlan) → eth0; macvlan mv0 over eth1.
    await ip('hv2', 'link', 'add', 'br0', 'type', 'bridge');
    await ip('hv2', 'link', 'add', 'mv1', 'link', 'eth0', 'mtu', '9000', 'type', 'macvlan', 'mode', 'passthru');
    await ip('hv2', 'link', 'set', 'mv1', 'master', 'br0');
    await ip('hv2', 'link', 'set', 'mv1', 'up');
    await ip('hv2', 'link', 'set', 'br0', 'mtu', '9000');
    await ip('hv2', 'link', 'set', 'br0', 'up');
    await ip('hv2', 'link', 'add', 'mv0', 'link', 'eth1', 'mtu', '9000', 'type', 'macvlan', 'mode', 'bridge');
    await ip('hv2', 'link', 'set', 'mv0', 'up');
    // Addresses.
    const addrs: [MtuLabHost['name'], string, string][] = [
      ['hv1', 'eth0', '10.1.1.1/31'],
      ['tor1', 'hv1', '10.1.1.0/31'],
      ['hv1', 'eth1', '10.1.2.1/31'],
      ['tor2', 'hv1', '10.1.2.0/31'],
      ['hv2', 'br0', '10.2.1.1/31'],
      ['tor1', 'hv2', '10.2.1.0/31'],
      ['hv2', 'mv0', '10.2.2.1/31'],
      ['tor2', 'hv2', '10.2.2.0/31'],
    ];
    for (const [h, dev, a] of addrs) await ip(h, 'addr', 'add', a, 'dev', dev);
    for (const t of ['tor1', 'tor2'] as const) await exec(t, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    // Routes toward the TEPs.
    await ip('hv1', 'route', 'add', `${TEP.hv2}/32`, 'src', TEP.hv1, 'proto', 'static', 'nexthop', 'via', '10.1.1.0', 'dev', 'eth0', 'nexthop', 'via', '10.1.2.0', 'dev', 'eth1');
    await ip('hv2', 'nexthop', 'add', 'id', '1', 'via', '10.2.1.0', 'dev', 'br0');
    await ip('hv2', 'nexthop', 'add', 'id', '2', 'via', '10.2.2.0', 'dev', 'mv0');
    await ip('hv2', 'nexthop', 'add', 'id', '10', 'group', '1/2');
    await ip('hv2', 'route', 'add', `${TEP.hv1}/32`, 'nhid', '10', 'src', TEP.hv2, 'proto', 'static');
    await ip('tor1', 'route', 'add', `${TEP.hv1}/32`, 'via', '10.1.1.1');
    await ip('tor1', 'route', 'add', `${TEP.hv2}/32`, 'via', '10.2.1.1');
    await ip('tor2', 'route', 'add', `${TEP.hv1}/32`, 'via', '10.1.2.1');
    await ip('tor2', 'route', 'add', `${TEP.hv2}/32`, 'via', '10.2.2.1');
    return lab;
  } catch (e) {
    await lab.stop().catch(() => undefined);
    throw e;
  }
}
