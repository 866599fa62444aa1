// D17/D18 over copies of the bundled l3-acl fixture (collected before ovnscope asked ovn-controller
// anything) with ovn-controller's answers and the SB nb_cfg listings added as a collection records
// them. The outputs are OVN 23.03's, verbatim (see test/harness/fixture-outputs.ts).

import { describe, expect, it } from 'vitest';
import { checkControllers, staleFlowCauses } from '../../src/checks/controller.js';
import type { Finding } from '../../src/model/finding.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { copyFixture } from '../harness/fixture-copy.js';
import { expectFixOnEveryNonPass } from '../harness/findings.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addCentralOutput, addControllerAnswers, addNbCfg, DEAD_PIDFILE, HEALTHY, KILLED } from '../harness/fixture-outputs.js';

const HV1 = '104ab27f-754d-435c-a7c8-28a096618492';
const HV2 = '004d4b97-d569-4718-b796-08d00754e0e0';
// The fixture was collected at 2026-11-21T08:44:59.091Z; hv1 last applied 12 minutes before.
const CREATED = Date.parse('2026-11-21T08:44:59.091Z');

async function findings(dir: string): Promise<Finding[]> {
  const r = await loadSnapshot(dir);
  if (!r.ok) throw new Error(r.error.message);
  return checked(checkControllers({ snapshot: r.value }));
}

/** Every scenario of this file: a finding that is not a pass has a fix, a pass has none. */
function checked(fs: Finding[]): Finding[] {
  expectFixOnEveryNonPass(fs);
  return fs;
}

const pick = (fs: readonly Finding[], id: string, host?: string) => fs.filter((f) => f.id === id && f.host === host);

describe('D17: ovn-controller answers on every host', () => {
  it('a SIGKILLed ovn-controller (its pidfile names a dead process) fails on that host, quoting what ovn-appctl said; the other passes', async () => {
    const dir = copyFixture('l3-acl');
    addControllerAnswers(dir, 'hv1', { connection: { argv: [], status: 'failed', err: DEAD_PIDFILE('/var/run/ovn'), error: 'exit code 1: ovn-appctl: cannot read pidfile' }, debug: { argv: [], status: 'failed', err: DEAD_PIDFILE('/var/run/ovn') } });
    addControllerAnswers(dir, 'hv2', HEALTHY);
    const fs = await findings(dir);
    const [hv1] = pick(fs, 'D17', 'hv1');
    expect(hv1!.severity).toBe('fail');
    expect(hv1!.message).toContain('ovn-controller is not running on hv1: its control socket did not answer (ovn-appctl: cannot read pidfile "/var/run/ovn/ovn-controller.pid" (No such process))');
    // The sentence an engineer needs at 2 a.m.: the flows are stale, and which tool shows what.
    expect(hv1!.message).toContain('its OpenFlow flows are what it last installed; NB/SB changes since then are not applied here — traces of this chassis show the stale datapath, ovn-trace shows what the SB says now');
    expect(hv1!.evidence[0]).toEqual({ file: 'hosts/hv1/ovn-appctl.connection-status.err', excerpt: 'ovn-appctl: cannot read pidfile "/var/run/ovn/ovn-controller.pid" (No such process)' });
    // A stale pidfile is conclusive: no "looked in the wrong place" caveat.
    expect(hv1!.message).not.toMatch(/own container/);
    expect(pick(fs, 'D17', 'hv2').map((f) => [f.severity, f.message])).toEqual([['pass', 'running, not paused, and connected to the SB (ovn-controller 23.03.1)']]);
  });

  // The containerised case without ovn_controller.wrapper (or an inventory without OVN_RUNDIR):
  // ovn-appctl looks in /var/run/ovn, where a healthy ovn-controller in its own container leaves
  // no pidfile. The SB says whether that chassis is applying changes.
  const NO_PIDFILE = { connection: { argv: [], status: 'failed' as const, err: '2026-11-21T08:44:59Z|00001|daemon_unix|WARN|/var/run/ovn/ovn-controller.pid: open: No such file or directory\novn-appctl: cannot read pidfile "/var/run/ovn/ovn-controller.pid" (No such file or directory)\n' } };

  it('no pidfile, but the SB shows the chassis applied the latest nb_cfg seconds before collection: a warning that it probably runs elsewhere, not "not running"', async () => {
    const dir = copyFixture('l3-acl');
    addControllerAnswers(dir, 'hv1', NO_PIDFILE);
    addControllerAnswers(dir, 'hv2', NO_PIDFILE);
    // hv1 is at the SB's nb_cfg; hv2 one behind but applied one 4 s before the collection started.
    addNbCfg(dir, 7, [
      { name: 'hv1', chassisUuid: HV1, nbCfg: 7, timestamp: CREATED - 20 * 60_000 },
      { name: 'hv2', chassisUuid: HV2, nbCfg: 6, timestamp: CREATED - 4000 },
    ]);
    const fs = await findings(dir);
    for (const host of ['hv1', 'hv2']) {
      const d17 = pick(fs, 'D17', host);
      expect(d17.map((f) => f.severity), host).toEqual(['warn']);
      // hv2 applied a generation seconds before: alive, elsewhere. hv1 is at the latest, applied
      // 20 min before: it was running then — nb_cfg moves only when something bumps it.
      const says =
        host === 'hv2'
          ? 'the SB says chassis hv2 is applying NB changes — it last applied nb_cfg \\d .* so it probably runs elsewhere \\(in its own container, or with another OVN_RUNDIR\\)'
          : "chassis hv1 has applied the SB's latest nb_cfg \\(last applied nb_cfg 7 at .*\\), so its ovn-controller was running then; nothing newer says whether it runs now .*: it may have stopped since, or run in its own container or with another OVN_RUNDIR";
      expect(d17[0]!.message, host).toMatch(new RegExp(`^could not reach ovn-controller on ${host} \\(no pidfile at /var/run/ovn/ovn-controller\\.pid\\): ${says}`));
      expect(d17[0]!.message, host).not.toMatch(/not running|stale/);
      expect(d17[0]!.fix, host).toMatch(/^set OVN_RUNDIR in the host's wrapper, or give the host an inventory setting ovn_controller: \{ wrapper: "podman exec ovn_controller" \}/);
      if (host === 'hv2') expect(d17[0]!.fix).not.toMatch(/if it is stopped/);
      expect(d17[0]!.evidence[0]).toEqual({ file: `hosts/${host}/ovn-appctl.connection-status.err`, excerpt: 'ovn-appctl: cannot read pidfile "/var/run/ovn/ovn-controller.pid" (No such file or directory)' });
    }
    expect(pick(fs, 'D17', 'hv1')[0]!.message).toContain("(last applied nb_cfg 7 at 2026-11-21T08:24:59Z (20 min before collection))");
    expect(pick(fs, 'D17', 'hv1')[0]!.message).not.toMatch(/probably runs elsewhere/);
    expect(pick(fs, 'D17', 'hv1')[0]!.fix).toMatch(/^set OVN_RUNDIR in the host's wrapper.*; if it is stopped: on hv1, systemctl status ovn-controller and start it$/);
    expect(pick(fs, 'D17', 'hv2')[0]!.message).not.toMatch(/running then/);
    expect(fs.filter((f) => f.severity === 'fail')).toEqual([]);
  });

  it('no pidfile and nothing in the SB says the chassis is applying changes: a warning that it may be stopped or elsewhere; a leftover pidfile or a refused socket still fail', async () => {
    const dir = copyFixture('l3-acl');
    addControllerAnswers(dir, 'hv1', NO_PIDFILE);
    addControllerAnswers(dir, 'hv2', { connection: { argv: [], status: 'failed', err: 'ovn-appctl: cannot connect to "/var/run/ovn/ovn-controller.1931.ctl" (Connection refused)\n' } });
    // Without the SB listings: nothing to tell.
    let fs = await findings(dir);
    const [hv1] = pick(fs, 'D17', 'hv1');
    expect(hv1!.severity).toBe('warn');
    expect(hv1!.message).toBe('could not reach ovn-controller on hv1 (no pidfile at /var/run/ovn/ovn-controller.pid): it may be stopped, or run in its own container or with another OVN_RUNDIR where this ovn-appctl did not look');
    expect(hv1!.fix).toMatch(/; if it is stopped: on hv1, systemctl status ovn-controller and start it$/);
    const [hv2] = pick(fs, 'D17', 'hv2');
    expect([hv2!.severity, hv2!.message]).toEqual(['fail', expect.stringMatching(/^ovn-controller is not running on hv2: its control socket did not answer \(ovn-appctl: cannot connect to .*\(Connection refused\)\)/)]);

    // Behind the SB, last applied 12 min before collection: no sign of life either.
    addNbCfg(dir, 5, [{ name: 'hv1', chassisUuid: HV1, nbCfg: 4, timestamp: CREATED - 12 * 60_000 }]);
    fs = await findings(dir);
    expect(pick(fs, 'D17', 'hv1').map((f) => [f.severity, f.message])).toEqual([['warn', expect.stringMatching(/: it may be stopped, or run in its own container or with another OVN_RUNDIR where this ovn-appctl did not look; it last applied nb_cfg 4 at .* \(12 min before collection\)$/)]]);
    // D18 does not call it dead either.
    const [d18] = pick(fs, 'D18', 'hv1');
    expect(d18!.message).toMatch(/ — its ovn-controller could not be reached \(D17\)/);
    expect(d18!.message).not.toMatch(/not running/);
  });

  it('no pidfile and the chassis gone from the SB Chassis (and Chassis_Private) list: a clean exit (ovn-appctl exit), so it fails as not running, and a trace warns', async () => {
    const dir = copyFixture('l3-acl');
    addControllerAnswers(dir, 'hv2', NO_PIDFILE);
    addControllerAnswers(dir, 'hv1', HEALTHY);
    // What a clean exit leaves: ovn-controller deleted hv2's Chassis row on its way out.
    const chassisFile = join(dir, 'central/ovn-sbctl.list.Chassis.out');
    const listing = JSON.parse(readFileSync(chassisFile, 'utf8')) as { headings: string[]; data: unknown[][] };
    const nameAt = listing.headings.indexOf('name');
    const kept = { ...listing, data: listing.data.filter((r) => r[nameAt] !== 'hv2') };
    expect(kept.data).toHaveLength(listing.data.length - 1);
    addCentralOutput(dir, 'ovn-sbctl.list.Chassis', { argv: ['ovn-sbctl', '--format=json', 'list', 'Chassis'], out: JSON.stringify(kept) });
    const fs = await findings(dir);
    const [hv2] = pick(fs, 'D17', 'hv2');
    expect(hv2!.severity).toBe('fail');
    expect(hv2!.message).toMatch(/^ovn-controller is not running on hv2: its control socket did not answer \(ovn-appctl: cannot read pidfile "\/var\/run\/ovn\/ovn-controller\.pid" \(No such file or directory\)\), and chassis hv2 has no Chassis or Chassis_Private row in the SB \(D7\): ovn-controller deletes both when it exits cleanly; /);
    expect(pick(fs, 'D17', 'hv1').map((f) => f.severity)).toEqual(['pass']);
    const r = await loadSnapshot(dir);
    if (!r.ok) throw new Error(r.error.message);
    expect(staleFlowCauses(r.value).get('hv2')?.map((c) => c.kind)).toEqual(['not-running']);
    // The same missing pidfile with hv2 still in the SB stays a warning (the container case above).
    const kept2 = copyFixture('l3-acl');
    addControllerAnswers(kept2, 'hv2', NO_PIDFILE);
    expect(pick(await findings(kept2), 'D17', 'hv2').map((f) => f.severity)).toEqual(['warn']);
  });

  it('no pidfile in the run directory the inventory gives (OVN_RUNDIR in the wrapper; a snapshot edit of what a live SIGTERM collection recorded): stopped, so it fails as not running and a trace warns, even with the latest nb_cfg applied', async () => {
    // SIGTERM: ovn-controller removes its pidfile and exits; its Chassis/Chassis_Private rows stay.
    // ovn-appctl's stderr and the executed command verbatim from such a collection (OVN 23.03, l3-acl sandbox).
    const stopped = (rundir: string) => ({
      connection: {
        argv: [],
        executed: ['env', 'OVS_RUNDIR=/run/sbx/hv2', `OVN_RUNDIR=${rundir}`],
        status: 'failed' as const,
        err: '2026-11-22T02:08:34Z|00001|daemon_unix|WARN|/run/sbx/hv2/ovn-controller.pid: open: No such file or directory\novn-appctl: cannot read pidfile "/run/sbx/hv2/ovn-controller.pid" (No such file or directory)\n',
      },
    });
    const dir = copyFixture('l3-acl');
    addControllerAnswers(dir, 'hv1', HEALTHY);
    addControllerAnswers(dir, 'hv2', stopped('/run/sbx/hv2'));
    // hv2 applied the SB's latest nb_cfg 20 min before: without the run directory that alone would only warn.
    addNbCfg(dir, 7, [
      { name: 'hv1', chassisUuid: HV1, nbCfg: 7, timestamp: CREATED - 20 * 60_000 },
      { name: 'hv2', chassisUuid: HV2, nbCfg: 7, timestamp: CREATED - 20 * 60_000 },
    ]);
    const fs = await findings(dir);
    const [hv2] = pick(fs, 'D17', 'hv2');
    expect(hv2!.severity).toBe('fail');
    expect(hv2!.message).toMatch(/^ovn-controller is not running on hv2: its control socket did not answer \(ovn-appctl: cannot read pidfile "\/run\/sbx\/hv2\/ovn-controller\.pid" \(No such file or directory\)\); the pidfile is missing from the run directory the inventory gives \(OVN_RUNDIR=\/run\/sbx\/hv2\), and ovn-controller removes it when it stops; its OpenFlow flows are what it last installed/);
    expect(hv2!.message).not.toMatch(/container|no Chassis or Chassis_Private row/);
    expect(hv2!.fix).toMatch(/^on hv2: systemctl status ovn-controller .*start it .*\(if it runs with another run directory than \/run\/sbx\/hv2, correct OVN_RUNDIR in the inventory and collect again\)$/);
    expect(hv2!.fix).not.toMatch(/^set OVN_RUNDIR/);
    const r = await loadSnapshot(dir);
    if (!r.ok) throw new Error(r.error.message);
    expect(staleFlowCauses(r.value).get('hv2')?.map((c) => c.kind)).toEqual(['not-running']);

    // An OVN_RUNDIR that is not where ovn-appctl looked (the pidfile elsewhere) proves nothing: still a warning.
    const other = copyFixture('l3-acl');
    addControllerAnswers(other, 'hv2', stopped('/run/elsewhere'));
    expect(pick(await findings(other), 'D17', 'hv2').map((f) => f.severity)).toEqual(['warn']);
  });

  it('not connected to the SB warns and names ovn-remote; paused fails; a timeout warns', async () => {
    const dir = copyFixture('l3-acl');
    addControllerAnswers(dir, 'hv1', { connection: { argv: [], out: 'not connected\n' }, debug: { argv: [], out: 'running\n' } });
    addControllerAnswers(dir, 'hv2', { connection: { argv: [], out: 'connected\n' }, debug: { argv: [], out: 'paused\n' } });
    let fs = await findings(dir);
    const [hv1] = pick(fs, 'D17', 'hv1');
    expect(hv1!.severity).toBe('warn');
    expect(hv1!.message).toMatch(/^ovn-controller on hv1 runs but is not connected to the SB \(ovn-remote unix:.*sb\.sock\)/);
    expect(hv1!.evidence.map((e) => e.file)).toEqual(['hosts/hv1/ovn-appctl.connection-status.out', 'hosts/hv1/ovn-appctl.debug-status.out', 'hosts/hv1/ovs-vsctl.list.Open_vSwitch.out']);
    const [hv2] = pick(fs, 'D17', 'hv2');
    expect([hv2!.severity, hv2!.fix]).toEqual(['fail', 'on hv2: ovn-appctl -t ovn-controller debug/resume']);
    expect(hv2!.evidence[1]).toEqual({ file: 'hosts/hv2/ovn-appctl.debug-status.out', excerpt: 'paused' });

    addControllerAnswers(dir, 'hv1', { connection: { argv: [], status: 'timeout', error: 'no output for 15000 ms: killed' } });
    fs = await findings(dir);
    expect(pick(fs, 'D17', 'hv1').map((f) => f.severity)).toEqual(['warn']);
    expect(pick(fs, 'D17', 'hv1')[0]!.message).toMatch(/did not answer on its control socket \(no output for 15000 ms: killed\): busy in a long recompute, or hung/);
  });

  it('n/a with the reason when nothing can be said: older snapshots, ovn-appctl not installed, a socket it may not open', async () => {
    const old = await findings(copyFixture('l3-acl'));
    expect(pick(old, 'D17', 'hv1').map((f) => f.severity)).toEqual(['n-a']);
    expect(pick(old, 'D17', 'hv1')[0]!.message).toMatch(/not checked on hv1, ovn-controller was not asked on hv1 \(connection-status is not in the snapshot: collected by an older ovnscope\)/);

    const dir = copyFixture('l3-acl');
    addControllerAnswers(dir, 'hv1', { connection: { argv: [], status: 'unavailable', exitCode: 127, err: 'env: ‘ovn-appctl’: No such file or directory\n', error: 'ovn-appctl is not installed on hv1' } });
    addControllerAnswers(dir, 'hv2', { connection: { argv: [], status: 'failed', err: 'ovn-appctl: cannot connect to "/var/run/ovn/ovn-controller.1931.ctl" (Permission denied)\n' } });
    const fs = await findings(dir);
    expect(pick(fs, 'D17', 'hv1').map((f) => [f.severity, f.message])).toEqual([['n-a', expect.stringMatching(/not checked on hv1, ovn-appctl is not installed on hv1$/)]]);
    expect(pick(fs, 'D17', 'hv2').map((f) => [f.severity, f.message])).toEqual([['n-a', expect.stringMatching(/could not open ovn-controller's control socket \(.*\(Permission denied\)\): collect as a user that can/)]]);
  });
});

describe('D18: every chassis applied the SB nb_cfg', () => {
  it('warns for each chassis behind (one generation is enough), with how many and when it last applied; none for the chassis in step', async () => {
    const dir = copyFixture('l3-acl');
    const at = CREATED - 12 * 60_000;
    addNbCfg(dir, 5, [
      { name: 'hv1', chassisUuid: HV1, nbCfg: 2, timestamp: at },
      { name: 'hv2', chassisUuid: HV2, nbCfg: 5, timestamp: CREATED - 1000 },
      // A chassis whose host is not in the snapshot: still a finding, about no host.
      { name: 'gw1', chassisUuid: '11111111-2222-4333-8444-555555555555', nbCfg: 4, timestamp: CREATED - 90_000 },
    ]);
    const fs = await findings(dir);
    const d18 = fs.filter((f) => f.id === 'D18');
    expect(d18.map((f) => [f.severity, f.host, f.subject])).toEqual([
      ['warn', 'hv1', 'chassis hv1'],
      ['warn', undefined, 'chassis gw1'],
    ]);
    expect(d18[1]!.message).toMatch(/^chassis gw1 has applied nb_cfg 4 while the SB is at 5 \(1 generation behind; last applied at .*, 90 s before collection\)/);
    expect(d18[0]!.message).toContain(`chassis hv1 has applied nb_cfg 2 while the SB is at 5 (3 generations behind; last applied at ${new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z')}, 12 min before collection)`);
    expect(d18[0]!.evidence.map((e) => e.file)).toEqual(['central/ovn-sbctl.list.Chassis_Private.out', 'central/ovn-sbctl.list.SB_Global.out']);
    expect(d18[0]!.evidence[0]!.excerpt).toBe(`row 0: {"name":"hv1","nb_cfg":2,"nb_cfg_timestamp":${at}}`);
    expect(d18[0]!.evidence[1]!.excerpt).toBe('row 0: {"nb_cfg":5}');
  });

  it('the time is when the chassis applied its generation, not how old the pending change is: the advice says so, and how to tell', async () => {
    const dir = copyFixture('l3-acl');
    addNbCfg(dir, 5, [{ name: 'hv1', chassisUuid: HV1, nbCfg: 4, timestamp: CREATED - 12 * 60_000 }]);
    const [d18] = (await findings(dir)).filter((f) => f.id === 'D18');
    expect(d18!.severity).toBe('warn');
    expect(d18!.message).not.toMatch(/an old timestamp cannot/);
    expect(d18!.message).toMatch(/The time is when the chassis applied nb_cfg 4, not how old the pending change is \(SB_Global keeps no time\): a change made just before the collection may still be in flight$/);
    expect(d18!.fix).toMatch(/^ovn-sbctl get SB_Global \. nb_cfg; ovn-sbctl --columns=name,nb_cfg,nb_cfg_timestamp list Chassis_Private hv1 — still behind a few seconds later/);
  });

  it('a lag while the chassis was applying changes during the collection (nb_cfg bumped between the two listings) is in flight: info and pass, not a warning; a trace says nothing', async () => {
    const dir = copyFixture('l3-acl');
    addControllerAnswers(dir, 'hv1', HEALTHY);
    addControllerAnswers(dir, 'hv2', HEALTHY);
    // Chassis_Private was listed before a periodic bump, SB_Global after: hv1 applied nb_cfg 6
    // 2 s into the collection, hv2 3 s before it started (nb_cfg_timestamp is ms since the epoch).
    addNbCfg(dir, 7, [
      { name: 'hv1', chassisUuid: HV1, nbCfg: 6, timestamp: CREATED + 2000 },
      { name: 'hv2', chassisUuid: HV2, nbCfg: 6, timestamp: CREATED - 3000 },
    ]);
    const r = await loadSnapshot(dir);
    if (!r.ok) throw new Error(r.error.message);
    const d18 = checked(checkControllers({ snapshot: r.value })).filter((f) => f.id === 'D18');
    expect(d18.map((f) => [f.severity, f.host ?? ''])).toEqual([
      ['info', 'hv1'],
      ['info', 'hv2'],
      ['pass', ''],
    ]);
    expect(d18[0]!.message).toBe('chassis hv1 has applied nb_cfg 6 while the SB is at 7, but it applied that one at 2026-11-21T08:45:01Z, during the collection: it was applying changes while Chassis_Private and SB_Global were listed (at different instants), so the lag is a change in flight, not a stuck chassis');
    expect(d18[2]!.message).toBe('2 chassis checked: each has applied nb_cfg 7, or was applying changes during the collection (2 in flight)');
    expect(staleFlowCauses(r.value).size).toBe(0);
  });

  it('a recent timestamp is no excuse when the chassis\' ovn-controller says it is out (killed right after applying), nor when it is old', async () => {
    const dir = copyFixture('l3-acl');
    addControllerAnswers(dir, 'hv1', KILLED);
    addControllerAnswers(dir, 'hv2', HEALTHY);
    addNbCfg(dir, 7, [
      { name: 'hv1', chassisUuid: HV1, nbCfg: 6, timestamp: CREATED - 1000 },
      { name: 'hv2', chassisUuid: HV2, nbCfg: 6, timestamp: CREATED - 10_000 },
    ]);
    const r = await loadSnapshot(dir);
    if (!r.ok) throw new Error(r.error.message);
    const d18 = checked(checkControllers({ snapshot: r.value })).filter((f) => f.id === 'D18');
    expect(d18.map((f) => [f.severity, f.host])).toEqual([
      ['warn', 'hv1'],
      ['warn', 'hv2'],
    ]);
    expect([...staleFlowCauses(r.value)].map(([h, cs]) => [h, cs.map((c) => c.kind)])).toEqual([
      ['hv1', ['not-running', 'nb-cfg-lag']],
      ['hv2', ['nb-cfg-lag']],
    ]);
  });

  it('a chassis behind whose ovn-controller D17 flags says which cause, "(D17)", and D17\'s fix, for every cause', async () => {
    const dir = copyFixture('l3-acl');
    addNbCfg(dir, 5, [
      { name: 'hv1', chassisUuid: HV1, nbCfg: 3, timestamp: CREATED - 12 * 60_000 },
      { name: 'hv2', chassisUuid: HV2, nbCfg: 3, timestamp: CREATED - 12 * 60_000 },
    ]);
    const cases: [string, Parameters<typeof addControllerAnswers>[2], string][] = [
      ['paused', { connection: { argv: [], out: 'connected\n' }, debug: { argv: [], out: 'paused\n' } }, 'is paused'],
      ['not connected', { connection: { argv: [], out: 'not connected\n' }, debug: { argv: [], out: 'running\n' } }, 'is not connected to the SB'],
      ['unresponsive', { connection: { argv: [], status: 'timeout', error: 'no output for 15000 ms: killed' } }, 'does not answer'],
      ['dead', KILLED, 'is not running'],
      ['no pidfile', { connection: { argv: [], status: 'failed', err: 'ovn-appctl: cannot read pidfile "/var/run/ovn/ovn-controller.pid" (No such file or directory)\n' } }, 'could not be reached'],
    ];
    for (const [name, answers, clause] of cases) {
      addControllerAnswers(dir, 'hv1', answers);
      const fs = await findings(dir);
      const [d17] = pick(fs, 'D17', 'hv1');
      const [d18] = pick(fs, 'D18', 'hv1');
      expect(d18!.message, name).toContain(`(2 generations behind; last applied at 2026-11-21T08:32:59Z, 12 min before collection): the NB changes since then are not in its flows — its ovn-controller ${clause} (D17).`);
      expect(d18!.fix, name).toBe(`as D17: ${d17!.fix}`);
    }
    // The paused one's fix is the resume, not connection-status.
    addControllerAnswers(dir, 'hv1', cases[0]![1]);
    expect(pick(await findings(dir), 'D18', 'hv1')[0]!.fix).toBe('as D17: on hv1: ovn-appctl -t ovn-controller debug/resume');
  });

  it('passes when every chassis is at SB_Global.nb_cfg; n/a when nb_cfg was never bumped or the listings are not in the snapshot', async () => {
    const dir = copyFixture('l3-acl');
    addNbCfg(dir, 3, [
      { name: 'hv1', chassisUuid: HV1, nbCfg: 3, timestamp: CREATED },
      { name: 'hv2', chassisUuid: HV2, nbCfg: 3, timestamp: CREATED },
    ]);
    expect((await findings(dir)).filter((f) => f.id === 'D18').map((f) => [f.severity, f.message])).toEqual([['pass', '2 chassis checked: each has applied nb_cfg 3']]);
    addNbCfg(dir, 0, [{ name: 'hv1', chassisUuid: HV1, nbCfg: 0, timestamp: 0 }]);
    expect((await findings(dir)).filter((f) => f.id === 'D18').map((f) => f.severity)).toEqual(['n-a']);
    const old = (await findings(copyFixture('l3-acl'))).filter((f) => f.id === 'D18');
    expect(old.map((f) => [f.severity, f.message])).toEqual([['n-a', expect.stringMatching(/not checked, ovn-sbctl\.list\.Chassis_Private was not collected from the central NB\/SB$/)]]);
  });
});
