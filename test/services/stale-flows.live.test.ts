// A chassis whose ovn-controller was SIGKILLed keeps the flows it last installed. After a drop ACL
// is added in the NB, the datapath of that chassis still forwards (live ofproto/trace, the oracle,
// says so hop by hop) while ovn-trace drops. ovnscope, collecting with the real CLI, must say
// why: doctor D17 fails for that host only, and the trace that enters it delivers — agreeing with
// ofproto/trace — and carries the stale-flows warning.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorResult } from '../../src/services/doctor.js';
import type { TraceReport } from '../../src/services/trace.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { sandboxInventoryYaml } from '../collect/sandbox-inventory.js';
import { isAlive, pollUntil } from '../harness/procs.js';
import type { Sandbox } from '../harness/sandbox.js';
import { getTopology } from '../harness/topologies.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';
import { runCase } from '../trace/cross-compare.js';

const root = resolve(import.meta.dirname, '../..');
const live = liveSuiteGuard();

function ovnscope(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'bin/run.js'), ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe.skipIf(!live)('a chassis whose ovn-controller was killed: stale flows, said by doctor and trace', () => {
  const sandboxes = useSandboxes();
  let sb: Sandbox;
  let work: string;
  let snap: string;

  beforeAll(async () => {
    sb = (await sandboxes.startTopology(getTopology('l3-acl'))).sandbox;
    work = await mkdtemp(join(tmpdir(), 'ovnscope-stale-live-'));
    const inventory = join(work, 'inventory.yaml');
    await writeFile(inventory, sandboxInventoryYaml(sb));

    // SIGKILL: no cleanup, so the SB Chassis row stays and hv1's flows stay installed.
    const pid = Number(readFileSync(join(sb.chassis['hv1']!.dir, 'ovn-controller.pid'), 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    await pollUntil('hv1 ovn-controller is gone', () => !isAlive(pid), { timeoutMs: 10_000 });
    // The NB changes: web's ingress drops TCP to port 80. --wait=sb bumps nb_cfg; hv2 applies it, hv1 cannot.
    await sb.nbctl('--wait=sb', 'acl-add', 'web', 'from-lport', '2000', 'ip4 && tcp.dst == 80', 'drop');
    const nbCfg = async (table: string, name?: string) => Number((await sb.sbctl('--bare', '--columns=nb_cfg', 'find', table, ...(name ? [`name=${name}`] : []))).trim());
    const target = await nbCfg('SB_Global');
    await pollUntil('hv2 applies the new nb_cfg', async () => (await nbCfg('Chassis_Private', 'hv2')) === target, { timeoutMs: 30_000 });
    expect(await nbCfg('Chassis_Private', 'hv1')).toBeLessThan(target);

    snap = join(work, 'snap');
    const c = await ovnscope(['collect', '-i', inventory, '-o', snap, '--json']);
    // A dead ovn-controller is data, not an incomplete collection.
    expect(c.code, c.stderr).toBe(0);
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('doctor fails D17 on hv1 only, with what ovn-appctl said, and warns D18 that hv1 lags nb_cfg', async () => {
    const r = await ovnscope(['doctor', '-s', snap, '--severity', 'n-a', '--json']);
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as DoctorResult;
    const d17 = result.findings.filter((f) => f.id === 'D17');
    expect(d17.map((f) => [f.host, f.severity]).sort()).toEqual([
      ['hv1', 'fail'],
      ['hv2', 'pass'],
    ]);
    const hv1 = d17.find((f) => f.host === 'hv1')!;
    expect(hv1.message).toMatch(/^ovn-controller is not running on hv1: its control socket did not answer \(ovn-appctl: cannot read pidfile ".*\/hv1\/ovn-controller\.pid" \(No such process\)\); its OpenFlow flows are what it last installed/);
    expect(hv1.evidence[0]!.file).toBe('hosts/hv1/ovn-appctl.connection-status.err');
    expect(readFileSync(join(snap, hv1.evidence[0]!.file), 'utf8')).toContain(hv1.evidence[0]!.excerpt);
    const d18 = result.findings.filter((f) => f.id === 'D18' && f.severity !== 'pass');
    expect(d18.map((f) => [f.host, f.severity])).toEqual([['hv1', 'warn']]);
    expect(d18[0]!.message).toMatch(/chassis hv1 has applied nb_cfg \d+ while the SB is at \d+ \(1 generation behind; last applied at .*\).* its ovn-controller is not running \(D17\)/);
    const text = await ovnscope(['doctor', '-s', snap]);
    expect(text.stdout).toMatch(/FAIL D17 +ovn-controller \(chassis hv1\): ovn-controller is not running on hv1/);
  });

  it('a trace entering hv1 delivers, as live ofproto/trace does on each chassis (ovn-trace drops), and says the flows are stale', async () => {
    const req = { from: 'web1', to: 'web3', protocol: { kind: 'tcp' as const, port: 80 } };
    const r = await ovnscope(['trace', '-s', snap, '--from', 'web1', '--to', 'web3', '--tcp', '80', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as TraceReport;
    expect(report.verdict).toBe('delivered');
    expect(report.hops.map((h) => h.host)).toEqual(['hv1', 'hv2']);
    expect(report.staleFlows).toEqual({
      hosts: ['hv1'],
      summary: 'stale flows on hv1 — ovn-controller not running, 1 nb_cfg generation behind',
      causes: [
        { host: 'hv1', kind: 'not-running', check: 'D17', text: 'ovn-controller not running' },
        { host: 'hv1', kind: 'nb-cfg-lag', check: 'D18', text: '1 nb_cfg generation behind' },
      ],
    });
    expect(report.warnings.filter((w) => w.startsWith('stale flows: ovn-controller on hv1 is not running'))).toHaveLength(1);

    // The oracles: every host trace replayed with live ofproto/trace agrees; ovn-trace (the SB now) drops.
    const loaded = await loadSnapshot(snap);
    if (!loaded.ok) throw new Error(loaded.error.message);
    const cmp = await runCase(sb, loaded.value, undefined, { id: 'stale', category: 'stale', req });
    expect(cmp.error).toBeUndefined();
    expect(cmp.verdict).toBe('delivered');
    expect(cmp.hopDiffs).toEqual([]);
    expect(cmp.hops).toBe(2);
    expect(cmp.logicalDiffs).toEqual([expect.stringMatching(/^forward logical outcome: ours \[web3\] \(delivered\), ovn-trace \[\]/)]);

    const text = await ovnscope(['trace', '-s', snap, '--from', 'web1', '--to', 'web3', '--tcp', '80']);
    expect(text.stdout).toMatch(/\(stale flows on hv1 — ovn-controller not running, 1 nb_cfg generation behind: this is what the datapath does, not what the NB\/SB say now; see warnings\)/);
  });

  it('ovn-controller reached through its own wrapper (inventory ovn_controller.wrapper): only ovn-appctl gets it, and the answer is read', async () => {
    // The host's wrapper alone does not reach hv2's ovn-controller (no OVN_RUNDIR): as with
    // ovn-controller in its own container, only its setting does.
    const hv2 = sb.chassis['hv2']!;
    const inventory = join(work, 'own-wrapper.yaml');
    await writeFile(inventory, `hosts:\n  hv2: { transport: local, wrapper: "env OVS_RUNDIR=${hv2.dir}", ovn_controller: { wrapper: "env OVN_RUNDIR=${hv2.dir}" } }\n`);
    const out = join(work, 'own-wrapper');
    const c = await ovnscope(['collect', '-i', inventory, '-o', out, '--json']);
    // Exit 3: without an "ovn:" section the snapshot has no NB/SB, which is all that is missing.
    expect(c.code, c.stderr).toBe(3);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { missing: string[]; hosts: { commands: { id: string; executed: string[]; status: string }[] }[] };
    expect(manifest.missing).toEqual([expect.stringMatching(/^no "ovn:" section in the inventory/)]);
    const cmds = manifest.hosts[0]!.commands;
    expect(cmds.find((x) => x.id === 'ovn-appctl.connection-status')).toMatchObject({ status: 'ok', executed: ['env', `OVS_RUNDIR=${hv2.dir}`, 'env', `OVN_RUNDIR=${hv2.dir}`, 'ovn-appctl', '-t', 'ovn-controller', 'connection-status'] });
    expect(cmds.find((x) => x.id === 'ovs-vsctl.list-br')!.executed).toEqual(['env', `OVS_RUNDIR=${hv2.dir}`, 'ovs-vsctl', 'list-br']);
    const loaded = await loadSnapshot(out);
    if (!loaded.ok) throw new Error(loaded.error.message);
    expect(loaded.value.hosts[0]!.ovnController).toMatchObject({ kind: 'running', connected: true, paused: false });
  });

  it('a healthy ovn-controller that ovn-appctl looks for in the wrong run directory (no OVN_RUNDIR, no ovn_controller.wrapper): D17 warns it could not be reached, probably runs elsewhere; no FAIL, no stale-flows warning', async () => {
    const hv2 = sb.chassis['hv2']!;
    const inventory = join(work, 'no-ovn-rundir.yaml');
    await writeFile(inventory, `hosts:\n  hv2: { transport: local, wrapper: "env OVS_RUNDIR=${hv2.dir}" }\novn:\n  via: hv2\n  nb: ${sb.central.nbSock}\n  sb: ${sb.central.sbSock}\n`);
    const out = join(work, 'no-ovn-rundir');
    const c = await ovnscope(['collect', '-i', inventory, '-o', out, '--json']);
    expect(c.code, c.stderr).toBe(0);
    const r = await ovnscope(['doctor', '-s', out, '--severity', 'n-a', '--json']);
    const result = JSON.parse(r.stdout) as DoctorResult;
    const d17 = result.findings.filter((f) => f.id === 'D17');
    // What the real ovn-appctl says when it looks in its default run directory.
    expect(d17.map((f) => [f.host, f.severity])).toEqual([['hv2', 'warn']]);
    // Which of the two depends on whether hv2 applied an nb_cfg within 60 s of the collection
    // (the suite's last --wait=hv): both are true of an ovn-controller that runs elsewhere.
    expect(d17[0]!.message).toMatch(
      /^could not reach ovn-controller on hv2 \(no pidfile at \/.*\/ovn-controller\.pid\): (the SB says chassis hv2 is applying NB changes — it last applied nb_cfg \d+ .*the SB's latest — so it probably runs elsewhere|chassis hv2 has applied the SB's latest nb_cfg .*: it may have stopped since, or run in its own container or with another OVN_RUNDIR)/,
    );
    expect(result.findings.filter((f) => f.severity === 'fail' && (f.id === 'D17' || f.id === 'D18'))).toEqual([]);
    const t = await ovnscope(['trace', '-s', out, '--from', 'web3', '--to', 'db1', '--tcp', '5432', '--json']);
    expect((JSON.parse(t.stdout) as TraceReport).staleFlows).toBeUndefined();
  });

  it('a trace that stays on hv2 says nothing about stale flows', async () => {
    const r = await ovnscope(['trace', '-s', snap, '--from', 'web3', '--to', 'db1', '--tcp', '5432', '--json']);
    const report = JSON.parse(r.stdout) as TraceReport;
    expect(report.hops.map((h) => h.host)).toEqual(['hv2']);
    expect(report.staleFlows).toBeUndefined();
  });
});
