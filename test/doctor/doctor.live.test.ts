// doctor against a live OVN sandbox broken the OVN way: a chassis' ovn-controller stops (its ports
// lose their binding, its Chassis row goes away), a stale geneve port towards an address no chassis
// has is added to br-int by hand, and an interface is plugged with an iface-id no logical port has.
// The snapshot is taken by `ovnscope collect` (local transport, env wrapper), exactly as a user would.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import type { DoctorResult } from '../../src/services/doctor.js';
import { sandboxInventoryYaml } from '../collect/sandbox-inventory.js';
import { isAlive, pollUntil } from '../harness/procs.js';
import type { Sandbox } from '../harness/sandbox.js';
import { getTopology } from '../harness/topologies.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';

const root = resolve(import.meta.dirname, '../..');
const live = liveSuiteGuard();

function ovnscope(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'bin/run.js'), ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const ids = (fs: readonly Finding[], pred: (f: Finding) => boolean = () => true) => fs.filter(pred).map((f) => `${f.severity} ${f.id} ${f.host ?? '-'} ${f.subject}`);
const ours = (f: Finding) => /^[DFC]\d+$/.test(f.id);

describe.skipIf(!live)('doctor on a live sandbox broken the OVN way', () => {
  const sandboxes = useSandboxes();
  let sb: Sandbox;
  let work: string;
  let inventory: string;

  async function collect(name: string): Promise<string> {
    const out = join(work, name);
    const r = await ovnscope(['collect', '-i', inventory, '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    return out;
  }

  async function doctor(dir: string, extra: string[] = []): Promise<{ code: number; result: DoctorResult; text: string }> {
    const j = await ovnscope(['doctor', '-s', dir, '--severity', 'n-a', '--json', ...extra]);
    const t = await ovnscope(['doctor', '-s', dir, ...extra]);
    expect(t.code).toBe(j.code);
    return { code: j.code, result: JSON.parse(j.stdout) as DoctorResult, text: t.stdout };
  }

  beforeAll(async () => {
    sb = (await sandboxes.startTopology(getTopology('l3-acl'))).sandbox;
    work = await mkdtemp(join(tmpdir(), 'ovnscope-doctor-live-'));
    inventory = join(work, 'inventory.yaml');
    await writeFile(inventory, sandboxInventoryYaml(sb));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a healthy deployment: no health, flow-table or collection check fails or warns', async () => {
    const { result } = await doctor(await collect('healthy'));
    expect(ids(result.findings, (f) => ours(f) && (f.severity === 'fail' || f.severity === 'warn'))).toEqual([]);
    for (const id of ['D1', 'D2', 'D4', 'D6', 'D7', 'D8', 'D9', 'D10', 'D12', 'D17', 'F1', 'F5', 'C1']) expect(result.findings.some((f) => f.id === id && f.severity === 'pass'), id).toBe(true);
    // A real collection has the offload and kernel views: those audits run; FRR has no daemons here.
    const audits = Object.fromEntries(result.audits.map((a) => [a.name, a]));
    expect([audits['health']!.ran, audits['offload']!.ran, audits['mtu']!.ran, audits['bgp']!.ran]).toEqual([true, true, true, false]);
    expect(audits['bgp']!.why).toMatch(/no FRR data on any host: vtysh/);
  });

  it('finds each breakage, with evidence from the collected files, and exits 1', async () => {
    // 1. hv2's ovn-controller stops gracefully: it deletes its Chassis and releases its ports.
    const hv2 = sb.chassis['hv2']!;
    const pid = Number(readFileSync(join(hv2.dir, 'ovn-controller.pid'), 'utf8').trim());
    await sb.controllerAppctl('hv2', 'exit');
    await pollUntil('hv2 ovn-controller exits', () => !isAlive(pid), { timeoutMs: 30_000 });
    await pollUntil('hv2 leaves the SB', async () => !(await sb.sbctl('--bare', '--columns=name', 'list', 'Chassis')).split('\n').includes('hv2'), { timeoutMs: 30_000 });
    // 2. A stale geneve port on hv1 towards an address no chassis has.
    await sb.vsctl('hv1', 'add-port', 'br-int', 'stale0', '--', 'set', 'Interface', 'stale0', 'type=geneve', 'options:remote_ip=192.168.0.99', 'options:key=flow');
    // 3. An interface on hv1 whose iface-id names no logical port.
    await sb.bind('hv1', 'tapghost', 'ghost-port');
    await sb.sync();

    const dir = await collect('broken');
    const { code, result, text } = await doctor(dir);
    expect(code).toBe(1);
    expect(result.failed).toBe(true);
    const f = result.findings;

    // The chassis whose ovn-controller stopped: not registered, and its plugged ports bound nowhere.
    const d7 = f.find((x) => x.id === 'D7' && x.host === 'hv2')!;
    expect(d7.severity).toBe('fail');
    expect(d7.message).toMatch(/system-id hv2 has no Chassis row in the SB: ovn-controller on hv2 is not running/);
    expect(d7.evidence[0]!.file).toBe('hosts/hv2/ovs-vsctl.list.Open_vSwitch.out');
    expect(ids(f, (x) => x.id === 'D2' && x.severity === 'fail').sort()).toEqual(['fail D2 hv2 port db1', 'fail D2 hv2 port web3']);
    const d2 = f.find((x) => x.id === 'D2' && x.subject === 'port web3')!;
    expect(d2.message).toMatch(/plugged on hv2 as tapweb3 \(iface-id=web3\) but bound to no chassis/);
    expect(d2.evidence.map((e) => e.file)).toEqual(['central/ovn-sbctl.list.Port_Binding.out', 'hosts/hv2/ovs-vsctl.list.Interface.out', 'central/ovn-nbctl.list.Logical_Switch_Port.out']);
    // northd reports the port down in the NB.
    expect(d2.evidence[2]!.excerpt).toContain('"up":false');
    // Its flows still point at the tunnel port ovn-controller removed on the way out.
    expect(f.some((x) => x.id === 'F5' && x.host === 'hv2' && x.severity === 'warn')).toBe(true);

    // ovn-controller itself: its control socket is gone with it (a clean exit removes the pidfile),
    // and so are its SB rows, which is what makes the missing pidfile conclusive.
    const d17 = f.find((x) => x.id === 'D17' && x.host === 'hv2')!;
    expect(d17.severity).toBe('fail');
    expect(d17.message).toMatch(/^ovn-controller is not running on hv2: its control socket did not answer \(ovn-appctl: cannot read pidfile ".*" \(No such file or directory\)\), and chassis hv2 has no Chassis or Chassis_Private row in the SB \(D7\)/);

    // The stale tunnel.
    const d9 = f.find((x) => x.id === 'D9' && x.subject === 'tunnel stale0')!;
    expect([d9.severity, d9.host]).toEqual(['warn', 'hv1']);
    expect(d9.message).toMatch(/towards 192\.168\.0\.99: no chassis in the SB has this encap IP/);
    expect(d9.evidence[0]!.excerpt).toContain('["remote_ip","192.168.0.99"]');

    // The iface-id without a logical port.
    const d4 = f.find((x) => x.id === 'D4' && x.subject === 'interface tapghost')!;
    expect([d4.severity, d4.host]).toEqual(['fail', 'hv1']);
    expect(d4.message).toMatch(/iface-id=ghost-port names no logical port \(not in the SB nor the NB\)/);

    // Every evidence row of these findings is in the file it names.
    for (const x of [d7, d2, d9, d4]) for (const e of x.evidence) expect(existsSync(join(dir, e.file)), e.file).toBe(true);
    expect(readFileSync(join(dir, d9.evidence[0]!.file), 'utf8')).toContain('"stale0"');

    // hv1 itself is otherwise healthy: registered, encap in sync, no tunnel missing.
    expect(ids(f, (x) => x.host === 'hv1' && ours(x) && (x.severity === 'fail' || x.severity === 'warn'))).toEqual(['fail D4 hv1 interface tapghost', 'warn D9 hv1 tunnel stale0']);

    // The text report: the failures, grouped per host, and the verdict.
    expect(text).toMatch(/FAIL D7  chassis hv2: system-id hv2 has no Chassis row/);
    expect(text).toMatch(/WARN D9  tunnel stale0: geneve port towards 192\.168\.0\.99/);
    expect(text).toContain('FAILED: at least one check failed (exit status 1)');

    // --host hv1 leaves hv2's findings out.
    const only = await doctor(dir, ['--host', 'hv1']);
    expect(only.result.findings.some((x) => x.host === 'hv2')).toBe(false);
    expect(only.code).toBe(1);
  });
});
