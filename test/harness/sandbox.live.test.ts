// Live test of the sandbox harness against real OVS 3.1 / OVN 23.03 processes: every named
// topology is started, applied and checked with the real tools (ovn-sbctl, ovs-vsctl,
// ovs-appctl ofproto/trace, ovn-trace), then stopped with no daemon left behind.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, pollUntil } from './procs.js';
import { startSandbox, type Sandbox } from './sandbox.js';
import { boundPorts, portBindingChassis, type AppliedTopology, type BoundPort, type Topology } from './topology.js';
import { getTopology, topologyNames, type TopologyName } from './topologies.js';
import { liveSuiteGuard, useSandboxes } from './vitest.js';

const here = dirname(fileURLToPath(import.meta.url));
const live = liveSuiteGuard();

// ---------------------------------------------------------------------------------------------
// Helpers over real tool output

/** `ovs-appctl dpif/show` → interface name → datapath port number. */
async function dpPorts(sb: Sandbox, hv: string): Promise<Record<string, number>> {
  const out = await sb.appctl(hv, 'dpif/show');
  const map: Record<string, number> = {};
  for (const m of out.matchAll(/^\s+(\S+) (\d+)\/(\d+):/gm)) map[m[1]] = Number(m[3]);
  return map;
}

/** The last `Datapath actions:` line of an ofproto/trace (the final recirculation pass). */
function lastDatapathActions(trace: string): string {
  const lines = [...trace.matchAll(/^Datapath actions: (.*)$/gm)].map((m) => m[1]);
  expect(lines.length, `no "Datapath actions" in trace:\n${trace}`).toBeGreaterThan(0);
  return lines[lines.length - 1];
}

/** True when the datapath actions output to datapath port `dp` (as a top-level action). */
function outputsTo(actions: string, dp: number): boolean {
  // Split on commas outside parentheses: set(eth(src=..,dst=..)),5
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of actions) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).includes(String(dp));
}

interface TraceCase {
  hv: string;
  from: BoundPort;
  to: BoundPort;
  flow: string;
}

/**
 * A simple L2 frame: a unicast ARP reply from one VIF to another. (An untyped frame, dl_type=0,
 * is dropped by ports with IP port security; an ARP request would be answered by the ARP
 * responder instead of being forwarded; IP would go through conntrack on ACL'd switches.)
 */
function l2Flow(from: BoundPort, to: BoundPort): string {
  return `in_port=${from.iface},arp,dl_src=${from.mac},dl_dst=${to.mac},arp_op=2,arp_spa=${from.ipv4[0]},arp_tpa=${to.ipv4[0] ?? from.ipv4[0]},arp_sha=${from.mac},arp_tha=${to.mac}`;
}

/** Two bound ports with static MACs on the same switch, on the same (or a different) chassis. */
function l2Pair(topo: Topology, sameChassis: boolean): TraceCase | undefined {
  // Sources need a static IPv4 (port security checks arp.spa); destinations only a static MAC.
  const ports = boundPorts(topo).filter((p) => p.mac);
  for (const a of ports.filter((p) => p.ipv4.length))
    for (const b of ports)
      if (a !== b && a.switch === b.switch && (a.chassis === b.chassis) === sameChassis) return { hv: a.chassis, from: a, to: b, flow: l2Flow(a, b) };
  return undefined;
}

/** Cross-chassis case: an L2 pair if the topology has one, else a routed TCP packet (lb-nat). */
function remoteCase(topo: Topology): TraceCase {
  const l2 = l2Pair(topo, false);
  if (l2) return l2;
  const ports = boundPorts(topo);
  const from = ports.find((p) => p.port === 'a1')!;
  const to = ports.find((p) => p.port === 'b1')!;
  expect(from && to, `no cross-chassis trace case for ${topo.name}`).toBeTruthy();
  const routerMac = topo.routers!.flatMap((r) => r.ports).find((p) => p.name === 'lr0-a')!.mac;
  return {
    hv: from.chassis,
    from,
    to,
    flow: `in_port=${from.iface},tcp,dl_src=${from.mac},dl_dst=${routerMac},nw_src=${from.ipv4[0]},nw_dst=${to.ipv4[0]},nw_ttl=64,tp_src=33333,tp_dst=8080`,
  };
}

/** Live processes whose command line mentions `dir` (daemons, the watchdog). */
function processesMentioning(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir) && isAlive(pid);
      } catch {
        return false;
      }
    });
}

const timings: Array<{ what: string; chassis: number; startMs: number; applyMs: number }> = [];

// ---------------------------------------------------------------------------------------------

describe.skipIf(!live)('sandbox harness (live OVS/OVN)', () => {
  const sandboxes = useSandboxes();

  afterAll(() => {
    if (timings.length) {
      console.log(
        `sandbox timings (ms):\n${timings.map((t) => `  ${t.what.padEnd(28)} ${t.chassis} chassis  start ${String(t.startMs).padStart(5)}  apply ${String(t.applyMs).padStart(5)}  total ${String(t.startMs + t.applyMs).padStart(5)}`).join('\n')}`,
      );
    }
  });

  describe.each(topologyNames)('topology %s', (name: TopologyName) => {
    const topo = getTopology(name);
    let sb: Sandbox;
    let applied: AppliedTopology;

    beforeAll(async () => {
      const r = await sandboxes.startTopology(topo);
      sb = r.sandbox;
      applied = r.applied;
      timings.push({ what: name, chassis: topo.chassis.length, ...r.timings });
    });

    it('ovn-sbctl list Port_Binding shows every bound port on its chassis', async () => {
      const pb = await portBindingChassis(sb);
      for (const b of applied.bound) expect(pb[b.port], `Port_Binding ${b.port}`).toBe(b.chassis);
      // and the raw text lists them too
      const raw = await sb.sbctl('list', 'Port_Binding');
      for (const b of applied.bound) expect(raw).toMatch(new RegExp(`^logical_port\\s+: "?${b.port}"?$`, 'm'));
    });

    it('ovs-vsctl shows geneve tunnels to every other chassis', async () => {
      for (const hv of sb.chassisNames) {
        const tunnels = await sb.tunnelPorts(hv);
        const others = sb.chassisNames.filter((n) => n !== hv);
        expect(tunnels.map((t) => t.remoteIp).sort()).toEqual(others.map((n) => sb.chassis[n].encapIp).sort());
        for (const t of tunnels) {
          expect(t.name).toMatch(/^ovn-/);
          expect(t.ofport).toBeGreaterThan(0);
        }
        const show = await sb.vsctl(hv, 'show');
        for (const o of others) expect(show).toContain(`remote_ip="${sb.chassis[o].encapIp}"`);
        expect(show).toContain('type: geneve');
      }
    });

    it('ofproto/trace between two ports on one chassis ends in an output to the destination', async () => {
      const c = l2Pair(topo, true);
      expect(c, 'topology needs two ports with static MACs on one switch and one chassis').toBeDefined();
      const trace = await sb.ofprotoTrace(c!.hv, c!.flow);
      const ofport = await sb.ofport(c!.hv, c!.to.iface);
      expect(trace).toMatch(new RegExp(`^\\s*output:${ofport}$`, 'm'));
      const dp = (await dpPorts(sb, c!.hv))[c!.to.iface];
      const actions = lastDatapathActions(trace);
      expect(outputsTo(actions, dp), `datapath actions "${actions}" should output to ${c!.to.iface} (dp port ${dp})`).toBe(true);
    });

    it('ofproto/trace to a port on another chassis sets tun_id/tun_metadata0 and outputs to the tunnel', async () => {
      const c = remoteCase(topo);
      const trace = await sb.ofprotoTrace(c.hv, c.flow);
      const remoteIp = sb.chassis[c.to.chassis].encapIp;
      const tunnel = (await sb.tunnelPorts(c.hv)).find((t) => t.remoteIp === remoteIp);
      expect(tunnel, `tunnel from ${c.hv} to ${c.to.chassis}`).toBeDefined();
      expect(trace).toMatch(/set_field:0x[0-9a-f]+(\/0x[0-9a-f]+)?->tun_id/);
      expect(trace).toMatch(/set_field:0x[0-9a-f]+(\/0x[0-9a-f]+)?->tun_metadata0/);
      expect(trace).toMatch(new RegExp(`^\\s*output:${tunnel!.ofport}$`, 'm'));
      const dp = (await dpPorts(sb, c.hv))[tunnel!.name];
      expect(outputsTo(lastDatapathActions(trace), dp)).toBe(true);
    });

    it('has the topology-specific effects in the real databases and flows', async () => {
      await topologyEffects[name](sb, applied);
    });

    it('stop() leaves no daemon alive', async () => {
      const pids = sb.pids();
      expect(pids.length).toBe(3 + 3 * topo.chassis.length);
      expect(pids.every(isAlive)).toBe(true);
      await sb.stop();
      expect(pids.filter(isAlive)).toEqual([]);
      expect(processesMentioning(sb.dir)).toEqual([]);
      expect(existsSync(sb.dir)).toBe(false);
    });
  });

  it('two sandboxes started concurrently both work', async () => {
    const t0 = Date.now();
    const [a, b] = await Promise.all([sandboxes.startTopology(getTopology('l2')), sandboxes.startTopology(getTopology('lb-nat-3chassis'))]);
    timings.push({ what: 'concurrent l2 + lb-nat-3chassis', chassis: 5, startMs: Date.now() - t0, applyMs: 0 });
    expect(a.sandbox.dir).not.toBe(b.sandbox.dir);
    for (const { sandbox, applied } of [a, b]) {
      const pb = await portBindingChassis(sandbox);
      for (const port of applied.bound) expect(pb[port.port]).toBe(port.chassis);
      const c = l2Pair(applied.topology, true)!;
      const trace = await sandbox.ofprotoTrace(c.hv, c.flow);
      expect(trace).toMatch(new RegExp(`^\\s*output:${await sandbox.ofport(c.hv, c.to.iface)}$`, 'm'));
      await sandbox.nbctl('ls-add', 'extra-sw');
      await sandbox.sync();
    }
    // Each sandbox only sees its own logical switches.
    expect((await a.sandbox.nbctl('--bare', '--columns=name', 'list', 'Logical_Switch')).split('\n').filter(Boolean).sort()).toEqual(['extra-sw', 'sw0']);
    const pids = [...a.sandbox.pids(), ...b.sandbox.pids()];
    expect(new Set(pids).size).toBe(pids.length);
    await Promise.all([a.sandbox.stop(), b.sandbox.stop()]);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('stop({ failed: true }) keeps the directory when keepOnFailure (OVNSCOPE_KEEP_SANDBOX=1) but kills every daemon', async () => {
    const sb = await sandboxes.start({ chassis: 1, keepOnFailure: true });
    const pids = sb.pids();
    await sb.stop({ failed: true });
    expect(pids.filter(isAlive)).toEqual([]);
    expect(processesMentioning(sb.dir)).toEqual([]);
    expect(existsSync(join(sb.dir, 'hv1', 'ovs-vswitchd.log'))).toBe(true);
    rmSync(sb.dir, { recursive: true, force: true });
  });

  it('a start-up that fails (chassis never registers) throws and leaves no daemon behind', async () => {
    const err = await startSandbox({
      chassis: [{ name: 'hv1', externalIds: { 'ovn-remote': 'unix:/nonexistent/sb.sock' } }],
      startTimeoutMs: 1500,
      keepOnFailure: false,
    }).then(
      async (sb) => {
        await sb.stop();
        return undefined;
      },
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/startSandbox failed in (\/tmp\/ovs-\w+): timed out .* waiting for chassis hv1 in the southbound Chassis table/);
    const dir = /startSandbox failed in (\S+?)[: ]/.exec(err!.message)![1];
    expect(existsSync(dir)).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
  });

  for (const sig of ['SIGTERM', 'SIGINT', 'SIGKILL', 'exit'] as const) {
    const how = sig === 'exit' ? 'that exits without stop()' : `killed by ${sig}`;
    const net = sig === 'SIGKILL' ? 'watchdog' : sig === 'exit' ? 'exit handler' : 'signal handler';
    it(`a test process ${how} leaves no daemon behind (${net})`, async () => {
      const args = [join(here, 'child-sandbox.ts'), '2', ...(sig === 'exit' ? ['exit'] : [])];
      const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      try {
        const line = await pollUntil('child sandbox to start', () => out.split('\n').find((l) => l.startsWith('{')), {
          timeoutMs: 60_000,
          intervalMs: 50,
          abort: () => (child.exitCode !== null && !out.includes('{') ? `child exited ${child.exitCode}: ${err}` : undefined),
        });
        const { dir, pids } = JSON.parse(line) as { dir: string; pids: number[] };
        expect(pids.length).toBe(9);
        if (sig !== 'exit') {
          expect(pids.every(isAlive)).toBe(true);
          child.kill(sig);
        }
        await pollUntil(`daemons of ${dir} to die after ${sig}`, () => pids.every((p) => !isAlive(p)), { timeoutMs: 10_000, intervalMs: 50 });
        await pollUntil(`${dir} to be removed`, () => !existsSync(dir), { timeoutMs: 5_000, intervalMs: 50 });
        await pollUntil(`no process mentioning ${dir}`, () => processesMentioning(dir).length === 0, { timeoutMs: 5_000, intervalMs: 50 });
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Per-topology effects, each checked with the real tools

const ovnTraceOutputs = (trace: string) => [...trace.matchAll(/output\("([^"]+)"\)/g)].map((m) => m[1]);

const topologyEffects: Record<TopologyName, (sb: Sandbox, applied: AppliedTopology) => Promise<void>> = {
  l2: async (sb) => {
    const ids = await sb.nbctl('get', 'Logical_Switch_Port', 'sw0-p1', 'external_ids');
    expect(ids).toContain('"neutron:port_name"=vm1-port');
    const show = await sb.sbctl('show');
    expect(show).toMatch(/Chassis hv2[\s\S]*Port_Binding sw0-p3/);
  },

  'l3-acl': async (sb) => {
    expect(await sb.vsctl('hv1', 'get', 'Interface', 'tapweb1', 'external_ids:iface-id')).toBe('web1');
    const acls = await sb.nbctl('acl-list', 'pg_db');
    expect(acls).toContain('drop');
    expect(acls).toContain('allow-related');
    expect(acls).toContain('$as_web');
    expect(await sb.nbctl('--bare', '--columns=name', 'find', 'ACL', 'action=reject')).toBe('web3-no-udp-to-db');
    const flow = (dport: number) =>
      `inport == "web1" && eth.src == 0a:00:01:01:00:11 && eth.dst == 0a:00:01:ff:01:01 && ip4.src == 10.1.1.11 && ip4.dst == 10.1.2.11 && ip.ttl == 64 && tcp.src == 40000 && tcp.dst == ${dport}`;
    // ovn-trace names ports by external_ids:neutron:port_name when there is one.
    expect(ovnTraceOutputs(await sb.ovnTrace('--minimal', '--ct=new', 'web', flow(5432)))).toEqual(['db-vm-1-port']);
    expect(ovnTraceOutputs(await sb.ovnTrace('--minimal', '--ct=new', 'web', flow(80)))).toEqual([]);
    // The pg ACLs are compiled into OpenFlow on the chassis hosting pg_db members.
    expect(await sb.ofctl('hv2', 'dump-flows', 'br-int')).toMatch(/ct_state=/);
  },

  'lb-nat-3chassis': async (sb) => {
    const pb = await portBindingChassis(sb);
    expect(pb['cr-lr0-ext']).toBe('hv3');
    expect(await sb.vsctl('hv3', 'list-ports', 'br-ex')).toMatch(/patch-ext-localnet-to-br-int/);
    expect((await sb.nbctl('lr-nat-list', 'lr0')).split('\n').filter((l) => /^(snat|dnat|dnat_and_snat)\s/.test(l))).toHaveLength(3);
    const flow = (dst: string, dport: number) =>
      `inport == "a1" && eth.src == 0a:00:02:01:00:11 && eth.dst == 0a:00:02:ff:01:01 && ip4.src == 10.2.1.11 && ip4.dst == ${dst} && ip.ttl == 64 && tcp.src == 40000 && tcp.dst == ${dport}`;
    // LB: the VIP goes to the chosen backend.
    expect(ovnTraceOutputs(await sb.ovnTrace('--minimal', '--ct=new', '--lb-dst=10.2.2.12:8080', 'tenant-a', flow('10.2.0.100', 80)))).toEqual(['b2']);
    // PG/address-set ACLs: 8080 from tenant-a allowed, 22 dropped.
    expect(ovnTraceOutputs(await sb.ovnTrace('--minimal', '--ct=new', 'tenant-a', flow('10.2.2.11', 8080)))).toEqual(['b1']);
    expect(ovnTraceOutputs(await sb.ovnTrace('--minimal', '--ct=new', 'tenant-a', flow('10.2.2.11', 22)))).toEqual([]);
    const lflows = await sb.sbctl('lflow-list', 'lr0');
    expect(lflows).toMatch(/ct_snat(_in_czone)?\(172\.16\.0\.10\)/);
    expect(lflows).toMatch(/ct_dnat(_in_czone)?\(10\.2\.1\.11\)/);
    // SNAT/DNAT of the gateway port only on the gateway chassis; the distributed
    // dnat_and_snat (172.16.0.21 ↔ b1) only where b1 lives.
    const nats = async (hv: string) => new Set((await sb.ofctl(hv, 'dump-flows', 'br-int')).match(/nat\((src|dst)=[^)]*\)/g));
    const [n1, n2, n3] = await Promise.all(['hv1', 'hv2', 'hv3'].map(nats));
    expect(n3.has('nat(src=172.16.0.10)') && n3.has('nat(dst=10.2.1.11)')).toBe(true);
    expect(n1.has('nat(src=172.16.0.10)') || n2.has('nat(src=172.16.0.10)') || n1.has('nat(dst=10.2.1.11)')).toBe(false);
    expect(n2.has('nat(src=172.16.0.21)')).toBe(true);
    expect(n1.has('nat(src=172.16.0.21)') || n3.has('nat(src=172.16.0.21)')).toBe(false);
    // The switch load balancer's DNAT is on the chassis of tenant-a's ports.
    expect(n1.has('nat(dst=10.2.2.11)')).toBe(true);
  },

  'port-security': async (sb) => {
    const arpReply = (inPort: string, mac: string, ip: string, toMac: string, toIp: string) =>
      `in_port=${inPort},arp,dl_src=${mac},dl_dst=${toMac},arp_op=2,arp_spa=${ip},arp_tpa=${toIp},arp_sha=${mac},arp_tha=${toMac}`;
    const dp2 = await dpPorts(sb, 'hv2');
    // ps1 (MAC+IP port security): a spoofed source MAC, or its own MAC with a foreign IP, is dropped.
    expect(lastDatapathActions(await sb.ofprotoTrace('hv1', arpReply('ps1', '0a:00:03:00:00:77', '10.3.0.11', '0a:00:03:00:00:12', '10.3.0.12')))).toBe('drop');
    expect(lastDatapathActions(await sb.ofprotoTrace('hv1', arpReply('ps1', '0a:00:03:00:00:11', '10.3.0.77', '0a:00:03:00:00:12', '10.3.0.12')))).toBe('drop');
    // ps2 (MAC-only port security): a foreign IP with its own MAC passes.
    expect(lastDatapathActions(await sb.ofprotoTrace('hv1', arpReply('ps2', '0a:00:03:00:00:12', '10.3.0.77', '0a:00:03:00:00:11', '10.3.0.11')))).not.toBe('drop');
    // ps4 (none): anything goes, e.g. a spoofed MAC to ps3 on the same chassis.
    const t4 = await sb.ofprotoTrace('hv2', arpReply('ps4', '0a:00:03:00:00:77', '10.3.0.77', '0a:00:03:00:00:13', '10.3.0.13'));
    expect(outputsTo(lastDatapathActions(t4), dp2.ps3)).toBe(true);
    // ps3's second address pair (0a:00:03:00:00:99 10.3.0.99) is accepted as a source.
    const t3 = await sb.ofprotoTrace('hv2', arpReply('ps3', '0a:00:03:00:00:99', '10.3.0.99', '0a:00:03:00:00:14', '10.3.0.14'));
    expect(outputsTo(lastDatapathActions(t3), dp2.ps4)).toBe(true);
    // ps5 (CIDR port security 10.3.0.0/24): any IP in the subnet, none outside.
    expect(lastDatapathActions(await sb.ofprotoTrace('hv1', arpReply('ps5', '0a:00:03:00:00:15', '10.3.0.200', '0a:00:03:00:00:11', '10.3.0.11')))).not.toBe('drop');
    expect(lastDatapathActions(await sb.ofprotoTrace('hv1', arpReply('ps5', '0a:00:03:00:00:15', '10.9.0.1', '0a:00:03:00:00:11', '10.3.0.11')))).toBe('drop');
  },

  'dhcp-arp': async (sb, applied) => {
    const dyn = async (p: string) => JSON.parse(await sb.nbctl('get', 'Logical_Switch_Port', p, 'dynamic_addresses')) as string;
    expect(await dyn('d2')).toMatch(/^0a:00:44:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2} 10\.4\.0\.(2[1-9]|[3-9]\d|1\d\d|2[0-5]\d)$/);
    expect(await dyn('d3')).toMatch(/^0a:00:04:00:00:13 10\.4\.0\.\d+$/);
    expect(applied.dhcpUuids['dhcp-net-v4']).toMatch(/^[0-9a-f-]{36}$/);
    expect(await sb.nbctl('get', 'Logical_Switch_Port', 'd1', 'dhcpv4_options')).toBe(applied.dhcpUuids['dhcp-net-v4']);
    const lflows = await sb.sbctl('lflow-list', 'dhcp-net');
    expect(lflows).toMatch(/put_dhcp_opts\(offerip = 10\.4\.0\.11, .*mtu = 1442/);
    const arpRequest = (tpa: string) => `in_port=d1,arp,dl_src=0a:00:04:00:00:11,dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=10.4.0.11,arp_tpa=${tpa},arp_sha=0a:00:04:00:00:11`;
    const dp1 = await dpPorts(sb, 'hv1');
    // ARP responder: d1 asking for d3's dynamically assigned IP is answered locally with d3's static MAC.
    const d3ip = (await dyn('d3')).split(' ')[1];
    const answered = lastDatapathActions(await sb.ofprotoTrace('hv1', arpRequest(d3ip)));
    expect(answered).toContain(`sip=${d3ip}`);
    expect(answered).toContain('sha=0a:00:04:00:00:13');
    expect(outputsTo(answered, dp1.d1)).toBe(true);
    // …but no responder for d4, whose addresses include "unknown": the request is flooded,
    // including through the tunnel to hv2.
    const flooded = lastDatapathActions(await sb.ofprotoTrace('hv1', arpRequest('10.4.0.14')));
    expect(flooded).not.toContain('set(arp(');
    const tunnel = (await sb.tunnelPorts('hv1'))[0];
    expect(outputsTo(flooded, dp1[tunnel.name])).toBe(true);
  },

  ipv6: async (sb) => {
    const flow = `inport == "v6a1" && eth.src == 0a:00:05:00:00:11 && eth.dst == 0a:00:05:ff:00:01 && ip6.src == 2001:db8:5::11 && ip6.dst == 2001:db8:5:1::11 && ip.ttl == 64 && udp.src == 40000 && udp.dst == 53`;
    expect(ovnTraceOutputs(await sb.ovnTrace('--minimal', 'v6-a', flow))).toEqual(['v6b1']);
    const dyn = JSON.parse(await sb.nbctl('get', 'Logical_Switch_Port', 'v6a4', 'dynamic_addresses')) as string;
    expect(dyn).toMatch(/^0a:00:05:00:00:14 10\.5\.0\.\d+ 2001:db8:5:0:800:5ff:fe00:14$/);
    const lflows = await sb.sbctl('lflow-list', 'lr6');
    expect(lflows).toMatch(/put_nd_ra_opts\(addr_mode = "slaac"/);
    expect(lflows).toMatch(/ip6\.dst == 2001:db8:55::\/64/);
  },

  'gateway-mtu': async (sb) => {
    expect(await sb.sbctl('lflow-list', 'lr-mtu')).toContain('check_pkt_larger(1414)');
    expect(await sb.sbctl('lflow-list', 'gr1')).toContain('check_pkt_larger(1314)');
    expect(await sb.ofctl('hv2', 'dump-flows', 'br-int')).toMatch(/check_pkt_larger\(1414\)/);
    const pb = await portBindingChassis(sb);
    expect(pb['cr-lr-mtu-ext']).toBe('hv2');
    expect(pb['gr1-ext']).toBe('hv2');
    expect(await sb.nbctl('get', 'Logical_Router', 'gr1', 'options:chassis')).toBe('hv2');
    expect(await sb.sbctl('lflow-list', 'mtu-in')).toMatch(/put_dhcp_opts\(offerip = 10\.6\.0\.11, .*mtu = 1400/);
  },
};
