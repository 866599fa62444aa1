// Live: the MTU audit and the packet-size check of traces on a real kernel underlay and a real OVN.
//
// Combined honestly: the OVS/OVN side of each hypervisor is the OVN sandbox's chassis (topology
// gateway-mtu: DHCP mtu 1400, a distributed gateway port with gateway_mtu 1400, a gateway router
// port with gateway_mtu 1300, dummy datapath), the kernel side is a network namespace of
// netlab.ts (veth, bridge and macvlan devices, a multipath route, next-hop objects, two ToR
// namespaces). `ovnscope collect` reaches each host through `ip netns exec <ns> env
// OVS_RUNDIR=<chassis dir>`, exactly as an inventory would: OVS/OVN commands answer from the
// sandbox, `ip -j …` from the namespace. The sandbox's encap IPs are the namespaces' TEP /32s.
//
// Trace verdicts: the trace service replays the packet through the collected flows (the sandbox's
// real OpenFlow tables; check_pkt_larger decided by --size) and, at every tunnel output, checks the
// encapsulated packet against the collected routes and devices toward the remote TEP
// (checks/mtu-trace.ts): MTU_EXCEEDED when it does not fit.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAllowed, checkWrapper } from '../../src/collect/allowlist.js';
import { mtuAtTunnelOutput } from '../../src/checks/mtu-trace.js';
import type { Finding } from '../../src/model/finding.js';
import { collect } from '../../src/services/collect.js';
import { auditMtu, type MtuAuditResult } from '../../src/services/mtu.js';
import { trace } from '../../src/services/trace.js';
import { loadMtu, type MtuSnapshot } from '../../src/snapshot/load-mtu.js';
import { openSnapshot } from '../../src/snapshot/reader.js';
import { expectFixOnEveryNonPass } from '../harness/findings.js';
import type { Sandbox } from '../harness/sandbox.js';
import { getTopology } from '../harness/topologies.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';
import { missingForMtuLab, startMtuLab, type MtuLab } from './netlab.js';

const root = resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

const live = liveSuiteGuard();
const missing = missingForMtuLab();
if (live && missing.length) {
  const msg = `mtu live suite: missing ${missing.join(', ')} (run as root with iproute2)`;
  console.error(`\n${'!'.repeat(78)}\n${msg}\n${'!'.repeat(78)}\n`);
  if (process.env.CI === 'true')
    it('mtu live suite prerequisites are present (required under CI=true)', () => {
      throw new Error(msg);
    });
  else it.skip(`mtu live tests SKIPPED — ${msg}`, () => undefined);
}

const find = (r: { findings: readonly Finding[] }, id: string, subject: RegExp, host?: string): Finding => {
  const f = r.findings.find((x) => x.id === id && subject.test(x.subject) && (host === undefined || x.host === host));
  if (!f) throw new Error(`no ${id} ${subject}: ${r.findings.filter((x) => x.id === id).map((x) => `${x.host} ${x.subject} ${x.severity}`).join(' | ')}`);
  return f;
};

// m1 (hv1) → m3 (hv2), same switch mtu-in; and m1 → outside through lr-mtu's gateway port.
const M1_TO_M3 = 'in_port="m1",ip,dl_src=0a:00:06:00:00:11,dl_dst=0a:00:06:00:00:13,nw_src=10.6.0.11,nw_dst=10.6.0.13,nw_ttl=64';
const M1_OUT = 'in_port="m1",ip,dl_src=0a:00:06:00:00:11,dl_dst=0a:00:06:ff:00:01,nw_src=10.6.0.11,nw_dst=172.16.6.1,nw_ttl=64';

describe.skipIf(!live || missing.length > 0)('MTU on a real kernel underlay (namespaces) with a real OVN (sandbox)', () => {
  const sandboxes = useSandboxes();
  let sb: Sandbox;
  let lab: MtuLab;
  let work: string;
  let n = 0;
  const executed: string[][] = [];

  const snapshot = async (): Promise<string> => {
    const dir = join(work, `snap${n++}`);
    const inventory = {
      hosts: sb.chassisNames.map((name) => ({ name, transport: 'local' as const, wrapper: ['ip', 'netns', 'exec', lab.ns(name as 'hv1' | 'hv2'), 'env', `OVS_RUNDIR=${sb.chassis[name]!.dir}`] })),
      ovn: { via: 'hv1', nb: sb.central.nbSock, sb: sb.central.sbSock },
    };
    const r = await collect({ inventory, out: dir, parallel: 2, perHostConcurrency: 4, transportOptions: { onExec: (_h, argv) => executed.push([...argv]) } });
    if (!r.ok) throw new Error(r.error.message);
    for (const h of r.value.manifest.hosts) expect(h.status, `${h.name}: ${h.error}`).not.toBe('unreachable');
    return dir;
  };
  const audit = async (options: Omit<Parameters<typeof auditMtu>[0], 'snapshot'>, dir?: string): Promise<MtuAuditResult> => {
    const r = await auditMtu({ snapshot: dir ?? (await snapshot()), ...options });
    if (!r.ok) throw new Error(r.error.message);
    // Every audit of a real underlay holds to the rule of the unit scenarios (mtu-fix-hints.test.ts).
    expectFixOnEveryNonPass(r.value.findings);
    return r.value;
  };
  const mtuView = async (dir: string): Promise<MtuSnapshot> => {
    const o = await openSnapshot(dir);
    if (!o.ok) throw new Error(o.error.message);
    return loadMtu(o.value);
  };
  /** `trace --host hv1 --flow … --size N` (one host) and the pure check behind its verdict, for its details. */
  const traceSized = async (dir: string, flow: string, size: number) => {
    const t = await trace({ snapshot: dir, host: 'hv1', bridge: 'br-int', flow, ctNext: [], detail: 'minimal', size });
    if (!t.ok) throw new Error(t.error.message);
    const report = t.value.single!;
    const hop = report.hops[0]!;
    const mtu = mtuAtTunnelOutput(await mtuView(dir), hop.host, hop.outputs, report.size);
    return { report, mtu, verdict: report.verdict === 'dropped' ? (report.drop?.reason ?? 'dropped') : report.verdict };
  };
  /** `trace --from m1 --to m3 --size N`: the packet built from the endpoints, followed across the tunnel. */
  const traceEnds = async (dir: string, size: number) => {
    const t = await trace({ snapshot: dir, bridge: 'br-int', from: 'm1', to: 'm3', ctNext: [], detail: 'minimal', size });
    if (!t.ok) throw new Error(t.error.message);
    return t.value.single!;
  };
  const dhcpUuid = async () => (await sb.nbctl('--bare', '--columns=_uuid', 'find', 'DHCP_Options', 'cidr=10.6.0.0/24')).trim();
  const setDhcpMtu = async (mtu: number) => {
    await sb.nbctl('set', 'DHCP_Options', await dhcpUuid(), `options:mtu=${mtu}`);
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ovnscope-mtu-live-'));
    sb = (await sandboxes.startTopology(getTopology('gateway-mtu'))).sandbox;
    // os-vif sets the tap to the network MTU: do the same for the VIFs (DHCP mtu 1400).
    for (const [hv, port] of [['hv1', 'm1'], ['hv1', 'm2'], ['hv2', 'm3'], ['hv1', 'g1']] as const) await sb.vsctl(hv, 'set', 'Interface', port, 'mtu_request=1400');
    lab = await startMtuLab();
  });
  afterAll(async () => {
    try {
      if (lab) await lab.stop();
    } finally {
      if (work) rmSync(work, { recursive: true, force: true });
    }
  });

  it('m1 → m3: every ECMP leg (9000 via tor1, 1500 via tor2); 1442 B crosses every leg, 8942 the jumbo one; M_net 1400 fits', async () => {
    const dir = await snapshot();
    const r = await audit({ from: 'm1', to: 'm3' }, dir);
    const p = r.path!;
    expect(p.overhead.total).toBe(58);
    expect(p.networkMtu).toBe(1400);
    expect(p.networks[0]).toMatchObject({ network: 'mtu-in', source: 'DHCP_Options 10.6.0.0/24 options:mtu' });
    const src = p.segments[0]!.egress!;
    expect(src.legs.map((l) => [l.label, l.ipMtu])).toEqual([
      ['1/2 via 10.1.1.0 dev eth0', 9000],
      ['2/2 via 10.1.2.0 dev eth1', 1500],
    ]);
    // hv2 back to hv1: the next-hop group 10 = {1: br0 → mv1 → eth0, 2: mv0 → eth1}.
    const back = p.segments[0]!.reverse!;
    expect(back.route?.nhid).toBe(10);
    expect(back.legs.map((l) => [l.label, l.devices.map((d) => `${d.name}:${d.relation}:${d.mtu}`).join(' ')])).toEqual([
      ['1/2 via 10.2.1.0 dev br0', 'br0:root:9000 mv1:bridge-port:9000 eth0:lower:9000'],
      ['2/2 via 10.2.2.0 dev mv0', 'mv0:root:9000 eth1:lower:9000'],
    ]);
    expect(p.underlayInner).toBe(1442);
    expect(p.largestInnerReverse).toBe(8942);
    expect(p.bottleneck).toMatchObject({ hop: 'H0', subject: 'm3', mtu: 1400 });
    expect(p.largestInner).toBe(1400);
    expect(find(r, 'MTU-H4', /ECMP legs hv1 → 192.168.0.2/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/1443–8942 B cross only when the flow is hashed onto the larger leg/) });
    expect(find(r, 'MTU-H1', /mtu-in/)).toMatchObject({ severity: 'pass', message: expect.stringMatching(/1458 ≤ underlay 1500 \(42 B headroom\)/) });
    expect(find(r, 'MTU-H0', /^m1 /).severity).toBe('pass');
    expect(r.counts.fail).toBe(0);
    // The PMTU view was collected per remote TEP; IPv6 routes too; everything allow-listed.
    expect(executed.some((a) => a.join(' ').endsWith('ip -j route get 192.168.0.2 from 192.168.0.1'))).toBe(true);
    expect(executed.some((a) => a.join(' ').endsWith('ip -j -6 route show table all'))).toBe(true);
    for (const argv of executed) {
      const cut = argv.indexOf('env') + 1 + argv.slice(argv.indexOf('env') + 1).findIndex((w) => !w.includes('='));
      expect(checkWrapper(argv.slice(0, cut)).allowed, argv.join(' ')).toBe(true);
      expect(checkAllowed(argv.slice(cut)), argv.join(' ')).toMatchObject({ allowed: true });
    }
    // The CLI: exit 0 (warnings only), the table, and the JSON hop table.
    const text = await exec(process.execPath, [join(root, 'bin/run.js'), 'mtu', '--snapshot', dir, '--from', 'm1', '--to', 'm3'], { env: { ...process.env, NO_COLOR: '1' } });
    expect(text.stdout).toContain('GENEVE overhead O = 58 B = 14 inner Ethernet + 8 GENEVE + 8 OVN option + 8 UDP + 20 IPv4');
    expect(text.stdout).toMatch(/Tunnels alone carry: 1442 B on every leg, 8942 B on the best ECMP leg/);
    const json = JSON.parse((await exec(process.execPath, [join(root, 'bin/run.js'), 'mtu', '--snapshot', dir, '--from', '10.6.0.11', '--to', '10.6.0.13', '--json'])).stdout) as MtuAuditResult;
    expect(json.path!.rows.filter((x) => x.hop === 'H4' && x.side === 'source').map((x) => [x.subject, x.leg, x.mtu, x.maxInner])).toEqual([
      ['route 192.168.0.2', '1/2 via 10.1.1.0 dev eth0', 9000, 8942],
      ['eth0', '1/2 via 10.1.1.0 dev eth0', 9000, 8942],
      ['route 192.168.0.2', '2/2 via 10.1.2.0 dev eth1', 1500, 1442],
      ['eth1', '2/2 via 10.1.2.0 dev eth1', 1500, 1442],
    ]);
  });

  it('network MTU just at and just above the 1500 leg: 1442 passes (0 B headroom), 1443 fails H1 and H4 on hv1 eth1 (path and --all)', async () => {
    try {
      await setDhcpMtu(1442);
      const at = await audit({ from: 'm1', to: 'm3' });
      expect(find(at, 'MTU-H1', /mtu-in/)).toMatchObject({ severity: 'pass', message: expect.stringMatching(/1500 ≤ underlay 1500 \(0 B headroom\)/) });
      expect(find(at, 'MTU-H4', /^eth1 /, 'hv1').severity).toBe('pass');
      await setDhcpMtu(1443);
      const dir = await snapshot();
      const over = await audit({ from: 'm1', to: 'm3' }, dir);
      expect(find(over, 'MTU-H1', /mtu-in/)).toMatchObject({ severity: 'fail', fix: expect.stringMatching(/lower the network MTU to 1442/) });
      expect(find(over, 'MTU-H4', /^eth1 /, 'hv1')).toMatchObject({ severity: 'fail', message: 'mtu 1500 < 1501 (M_net 1443 + O 58): encapsulated full-size packets do not fit' });
      expect(find(over, 'MTU-H4', /^eth0 /, 'hv1').severity).toBe('pass');
      expect(find(over, 'MTU-H4', /ECMP legs hv1/).severity).toBe('fail');
      expect(over.path!.breaks.join('\n')).toMatch(/the VMs are told MTU 1443 but only 1400 B cross|1443–8942 B fail only for flows hashed onto 2\/2 via 10.1.2.0 dev eth1/);
      const all = await audit({ all: true }, dir);
      expect(find(all, 'MTU-H1', /network mtu-in/)).toMatchObject({ severity: 'fail', message: expect.stringMatching(/does not fit 1 of 2 chassis pairs: hv1 → hv2 \(1500\)/) });
      const cli = await exec(process.execPath, [join(root, 'bin/run.js'), 'mtu', '--snapshot', dir, '--all'], { env: { ...process.env, NO_COLOR: '1' } }).catch((e) => e as { code: number; stdout: string });
      expect((cli as { code?: number }).code).toBe(1);
    } finally {
      await setDhcpMtu(1400);
    }
  });

  it('trace --size around the limits: 1456/1457 at the 1500 leg (only flows hashed onto eth1), 8956/8957 at the jumbo leg (every leg)', async () => {
    const dir = await snapshot();
    const fits = await traceSized(dir, M1_TO_M3, 1456);
    expect(fits.report.verdict).toBe('tunnel');
    expect(fits.verdict).toBe('tunnel');
    const over = await traceSized(dir, M1_TO_M3, 1457);
    expect(over.verdict).toBe('MTU_EXCEEDED');
    expect(over.mtu).toMatchObject({ host: 'hv1', remoteIp: '192.168.0.2', device: 'eth1', limit: 1500, outerIpLength: 1501, onEveryLeg: false, tunnelPort: 'ovn-hv2-0' });
    expect(over.mtu!.breakdown.map((b) => b.bytes)).toEqual([1457, 8, 8, 8, 20]);
    expect((await traceSized(dir, M1_TO_M3, 8956)).mtu).toMatchObject({ onEveryLeg: false, device: 'eth1' });
    expect(over.report.drop).toMatchObject({ reason: 'MTU_EXCEEDED', host: 'hv1', bridge: 'br-int' });
    expect(over.report.drop!.explanation).toContain('exceeds eth1 (IP MTU 1500) on hv1, ECMP leg');
    expect(over.report.hops[0]!.outputs.find((o) => o.kind === 'tunnel')?.next).toMatchObject({ status: 'dropped', reason: 'MTU_EXCEEDED' });
    expect((await traceSized(dir, M1_TO_M3, 8956)).mtu).toMatchObject({ onEveryLeg: false, device: 'eth1' });
    const jumbo = await traceSized(dir, M1_TO_M3, 8957);
    expect(jumbo.verdict).toBe('MTU_EXCEEDED');
    expect(jumbo.mtu).toMatchObject({ onEveryLeg: true, legs: [{ dev: 'eth0', exceeds: true }, { dev: 'eth1', exceeds: true }] });
    expect(jumbo.report.drop!.explanation).toContain('on every ECMP leg');
  });

  it('trace --from m1 --to m3 --size across the tunnel: 1414 reaches m3; 1415 crosses the underlay but not m3 (VIF MTU 1400); 1457 stops at hv1 (underlay)', async () => {
    const dir = await snapshot();
    const fits = await traceEnds(dir, 1414);
    expect(fits.verdict).toBe('delivered');
    expect(fits.reachedDestination).toBe(true);
    expect(fits.hops.map((h) => h.host)).toEqual(['hv1', 'hv2']);
    const vif = await traceEnds(dir, 1415);
    expect(vif.verdict).toBe('dropped');
    expect(vif.drop).toMatchObject({ reason: 'MTU_EXCEEDED', host: 'hv2' });
    expect(vif.drop!.explanation).toContain('MTU 1400 of m3');
    const over = await traceEnds(dir, 1457);
    expect(over.verdict).toBe('dropped');
    expect(over.reachedDestination).toBe(false);
    expect(over.drop).toMatchObject({ reason: 'MTU_EXCEEDED', host: 'hv1' });
    expect(over.drop!.explanation).toMatch(/1457 B frame \+ .* = 1501 B outer IP packet exceeds eth1 \(IP MTU 1500\)/);
    expect(over.hops.map((h) => h.host)).toEqual(['hv1']);
    // Without --size the kernel view is not consulted: ofproto/trace's default packet crosses.
    const t = await trace({ snapshot: dir, bridge: 'br-int', from: 'm1', to: 'm3', ctNext: [], detail: 'minimal' });
    expect(t.ok && t.value.single!.verdict).toBe('delivered');
    expect(over.warnings.filter((w) => w.startsWith('underlay MTU check'))).toEqual([]);
  });

  it('trace --size on a snapshot whose hv1 route table was cut off: every report names the file and line, the trace still completes', async () => {
    const dir = await snapshot();
    const o = await openSnapshot(dir);
    if (!o.ok) throw new Error(o.error.message);
    const route = o.value.manifest.hosts.find((h) => h.name === 'hv1')!.commands.find((c) => c.id === 'ip.route')!;
    const file = join(dir, route.file!);
    const text = readFileSync(file, 'utf8');
    expect(text.length).toBeGreaterThan(100);
    writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
    const named = (warnings: readonly string[]) => warnings.filter((w) => w.startsWith('underlay MTU check: error') && w.includes(route.file!));
    // Two warnings, each once: the file is not what was collected (the reader's size check), and
    // what is left of it is not valid JSON (the parser, with the line).
    const cutOff = (warnings: readonly string[]) => {
      const w = named(warnings);
      expect(w).toHaveLength(2);
      expect(w.filter((x) => /damaged: \d+ bytes where the manifest recorded \d+ .*\(truncated\?\)/.test(x))).toHaveLength(1);
      return w.find((x) => /not valid JSON/.test(x));
    };
    const ends = await traceEnds(dir, 1457);
    // "underlay MTU check: error (host hv1, hosts/hv1/ip.route.out:1): not valid JSON: …"
    expect(cutOff(ends.warnings)).toMatch(/\(host hv1, hosts\/hv1\/ip\.route\.out:\d+\): not valid JSON/);
    const one = await trace({ snapshot: dir, host: 'hv1', bridge: 'br-int', flow: M1_TO_M3, ctNext: [], detail: 'minimal', size: 1457 });
    if (!one.ok) throw new Error(one.error.message);
    expect(cutOff(one.value.single!.warnings)).toBeDefined();
    // Without --size nothing reads the kernel view, and nothing is said about it.
    const unsized = await trace({ snapshot: dir, bridge: 'br-int', from: 'm1', to: 'm3', ctNext: [], detail: 'minimal' });
    expect(unsized.ok && named(unsized.value.single!.warnings)).toEqual([]);
  });

  it('trace --size reads the kernel view of the hosts the packet reaches: a cut-off route table on hv2 is named only when the packet gets there', async () => {
    const dir = await snapshot();
    const o = await openSnapshot(dir);
    if (!o.ok) throw new Error(o.error.message);
    const route = o.value.manifest.hosts.find((h) => h.name === 'hv2')!.commands.find((c) => c.id === 'ip.route')!;
    const file = join(dir, route.file!);
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 40));
    const named = (warnings: readonly string[]) => warnings.filter((w) => w.startsWith('underlay MTU check: error') && w.includes(route.file!));
    // 1457 B stops at hv1's 1500 leg: hv2's tables and kernel view are never read.
    const stopped = await trace({ snapshot: dir, bridge: 'br-int', from: 'm1', to: 'm3', ctNext: [], detail: 'minimal', size: 1457 });
    if (!stopped.ok) throw new Error(stopped.error.message);
    expect(stopped.value.single!.drop?.reason).toBe('MTU_EXCEEDED');
    expect(stopped.value.loadedHosts).toEqual(['hv1']);
    expect(named(stopped.value.single!.warnings)).toEqual([]);
    // 1414 B crosses to hv2: its cut-off route table is named, once, with its file and line.
    const crossed = await trace({ snapshot: dir, bridge: 'br-int', from: 'm1', to: 'm3', ctNext: [], detail: 'minimal', size: 1414 });
    if (!crossed.ok) throw new Error(crossed.error.message);
    expect(crossed.value.loadedHosts).toEqual(['hv1', 'hv2']);
    // Named as damaged (cut after collection) and as not valid JSON, each once.
    const hv2 = named(crossed.value.single!.warnings);
    expect(hv2).toHaveLength(2);
    expect(hv2.filter((w) => /\(host hv2, hosts\/hv2\/ip\.route\.out\): damaged: 40 bytes where the manifest recorded \d+/.test(w))).toHaveLength(1);
    expect(hv2.filter((w) => /\(host hv2, hosts\/hv2\/ip\.route\.out:\d+\): not valid JSON/.test(w))).toHaveLength(1);
    // Reading every host up front gives the same report for the packet that crosses.
    const all = await trace({ snapshot: dir, bridge: 'br-int', from: 'm1', to: 'm3', ctNext: [], detail: 'minimal', size: 1414, readAllHosts: true });
    expect(all.ok && JSON.stringify(all.value.single)).toBe(JSON.stringify(crossed.value.single));
  });

  it('gateway: check_pkt_larger(1414) of lr-mtu-ext decides by --size (1414 crosses, 1415 gets ICMP frag-needed); the audit shows gateway_mtu and check_pkt_len', async () => {
    await sb.nbctl('static-mac-binding-add', 'lr-mtu-ext', '172.16.6.1', '0a:00:06:aa:00:01');
    await sb.sync();
    try {
      const dir = await snapshot();
      const at = await traceSized(dir, M1_OUT, 1414);
      expect(at.verdict).toBe('tunnel');
      expect(at.report.hops[0]!.outputs[0]).toMatchObject({ kind: 'tunnel', tunnel: { remoteIp: '192.168.0.2', chassis: 'hv2' } });
      const above = await traceSized(dir, M1_OUT, 1415);
      expect(above.verdict).toBe('controller');
      expect(above.report.hops[0]!.controllerReason).toMatch(/^MTU_EXCEEDED: router answers with ICMP fragmentation needed.*icmp4.frag_mtu = 1400/);
      const r = await audit({ from: 'm1', to: '172.16.6.1' }, dir);
      expect(r.resolved!.viaGateway).toBe(true);
      expect(r.path!.rows.filter((x) => x.hop === 'H7').map((x) => [x.subject, x.mtu, x.severity])).toEqual([
        ['lr-mtu-ext gateway_mtu', 1400, 'pass'],
        ['mtu-ext-localnet (localnet physnet1 → br-ex)', 1500, 'info'],
        ['check_pkt_len', undefined, 'pass'],
        ['lr-mtu-ext gateway_mtu (replies)', 1400, 'info'],
      ]);
      expect(r.path!.largestInner).toBe(1400);
      // OVN 23.03 also checks packets coming in through lr-mtu-ext (lr_in_admission check_pkt_larger(1414)): the replies are capped as well.
      expect(r.path!.largestInnerReverse).toBe(1400);
      expect(r.path!.reverseLimitedBy).toMatch(/^gateway_mtu 1400 on lr-mtu-ext \(check_pkt_larger\(1414\) on packets coming in from outside through lr-mtu-ext\)$/);
      // The gateway router gr1 (gateway_mtu 1300) on hv2: g1 → outside; with the platform MTU given.
      const g = await audit({ from: 'g1', to: '172.16.6.1', networkMtu: 1400 }, dir);
      expect(g.path!.bottleneck).toMatchObject({ hop: 'H7', subject: 'gr1-ext gateway_mtu', mtu: 1300 });
      expect(g.path!.largestInnerReverse).toBe(1300);
      expect(g.path!.breaks).toEqual(['packets over 1300 B at the gateway get ICMP "fragmentation needed" (mtu 1300) from OVN (check_pkt_larger): senders that honour PMTUD adapt']);
      // gateway_mtu one byte above M_net: warns.
      await sb.nbctl('set', 'Logical_Router_Port', 'gr1-ext', 'options:gateway_mtu=1401');
      const g2 = await audit({ from: 'g1', to: '172.16.6.1', networkMtu: 1400 });
      expect(find(g2, 'MTU-H7', /gateway port gr1-ext/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/gateway_mtu 1401 > M_net 1400/) });
    } finally {
      await sb.nbctl('set', 'Logical_Router_Port', 'gr1-ext', 'options:gateway_mtu=1300');
      await sb.nbctl('static-mac-binding-del', 'lr-mtu-ext', '172.16.6.1').catch(() => undefined);
    }
  });

  it('a bridge above its port (hv2 br0 raised to 9000 over mv1 1500 — what the kernel allows; VLAN/macvlan children above their parent it refuses): the return leg fails on the port', async () => {
    // Lowering the port drags the bridge down; raising the bridge afterwards leaves it above its port.
    await lab.setMtu('hv2', 'mv1', 1500);
    await lab.setMtu('hv2', 'br0', 9000);
    expect(await lab.ip('hv2', '-j', 'link', 'show', 'br0')).toContain('"mtu":9000');
    try {
      const r = await audit({ from: 'm1', to: 'm3' });
      expect(find(r, 'MTU-H4', /^mv1 \(bridge-port/, 'hv2')).toMatchObject({ severity: 'fail', message: expect.stringMatching(/port mtu 1500 < bridge br0 mtu 9000: the bridge accepts packets its port cannot send/), fix: 'ip link set mv1 mtu 9000' });
      const back = r.path!.segments[0]!.reverse!;
      expect(back.legs.map((l) => [l.dev, l.ipMtu, l.limitedBy?.name])).toEqual([
        ['br0', 1500, 'mv1'],
        ['mv0', 9000, 'mv0'],
      ]);
      expect(r.path!.largestInnerReverse).toBe(1442);
      expect(find(r, 'MTU-H4', /ECMP legs hv2 → 192.168.0.1/).severity).toBe('warn');
    } finally {
      await lab.setMtu('hv2', 'mv1', 9000);
      await lab.setMtu('hv2', 'br0', 9000);
    }
  });

  it('PMTU exception (H6): tor1 forwards to hv2 at 1400; a DF datagram from hv1 gets "fragmentation needed"; ip route get reports mtu 1400', async () => {
    await lab.ip('hv1', 'route', 'replace', '192.168.0.2/32', 'via', '10.1.1.0', 'dev', 'eth0', 'src', '192.168.0.1', 'proto', 'static');
    await lab.setMtu('tor1', 'hv2', 1400);
    try {
      await lab.sendUdp('hv1', '192.168.0.1', '192.168.0.2', 3000);
      const got = await lab.ip('hv1', '-j', 'route', 'get', '192.168.0.2', 'from', '192.168.0.1');
      expect(got).toContain('"mtu":1400');
      const r = await audit({ from: 'm1', to: 'm3' });
      expect(find(r, 'MTU-H6', /PMTU toward 192.168.0.2/, 'hv1')).toMatchObject({ severity: 'fail', evidence: [{ excerpt: expect.stringContaining('"metrics":[{"mtu":1400}]') }] });
      expect(r.path!.underlayInner).toBe(1342);
      expect(r.path!.bottleneck).toMatchObject({ hop: 'H6', mtu: 1400 });
      // M_net 1400 needs 1458 > 1400: fails; the out-of-band switch MTU (H5) agrees.
      expect(find(r, 'MTU-H1', /mtu-in/).severity).toBe('fail');
      const h5 = await audit({ from: 'm1', to: 'm3', switchMtu: 1400 });
      expect(h5.path!.rows.find((x) => x.hop === 'H5' && x.host === 'hv1')).toMatchObject({ mtu: 1400, severity: 'fail' });
    } finally {
      await lab.setMtu('tor1', 'hv2', 9000);
      await lab.ip('hv1', 'route', 'replace', '192.168.0.2/32', 'src', '192.168.0.1', 'proto', 'static', 'nexthop', 'via', '10.1.1.0', 'dev', 'eth0', 'nexthop', 'via', '10.1.2.0', 'dev', 'eth1');
      await lab.ip('hv1', 'route', 'flush', 'cache');
    }
  });

  it('--all: H1 per network and H8 (hv1 has the smaller underlay); a VIF at 9000 fails H0', async () => {
    await sb.vsctl('hv2', 'set', 'Interface', 'm3', 'mtu_request=9000');
    try {
      const r = await audit({ all: true, networkMtu: 1400 });
      const c = r.cluster!;
      expect(c.pairs.map((p) => [p.host, p.toChassis, p.underlay, p.maxInner])).toEqual([
        ['hv1', 'hv2', 1500, 1442],
        ['hv2', 'hv1', 9000, 8942],
      ]);
      expect(c.maxNetworkMtu).toBe(1442);
      expect(find(r, 'MTU-H1', /network mtu-in/).severity).toBe('pass');
      expect(find(r, 'MTU-H8', /underlay MTU per host/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/hv1 1500/), evidence: [{ file: 'hosts/hv1/ip.link.out', excerpt: expect.stringContaining('"ifname":"eth1"') }] });
      expect(find(r, 'MTU-H0', /^m3 /, 'hv2')).toMatchObject({ severity: 'fail', message: expect.stringMatching(/mtu 9000 > network MTU 1400/) });
      expect(find(r, 'MTU-H7', /gateway port gr1-ext/).severity).toBe('pass');
    } finally {
      await sb.vsctl('hv2', 'set', 'Interface', 'm3', 'mtu_request=1400');
    }
  });
});
