// The loader of ovn-controller's answers: a failed command is data (its stderr is the evidence),
// an answer it cannot read is a located diagnostic, a damaged file is not read as an answer.

import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { copyFixture } from '../harness/fixture-copy.js';
import { addControllerAnswers, addNbCfg, DEAD_PIDFILE, HEALTHY } from '../harness/fixture-outputs.js';

async function load(dir: string) {
  const r = await loadSnapshot(dir);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('loading ovn-controller state', () => {
  it('running: connection, paused and version from the three answers', async () => {
    const dir = copyFixture('l3-acl');
    addControllerAnswers(dir, 'hv1', HEALTHY);
    const hv1 = (await load(dir)).hosts.find((h) => h.name === 'hv1')!;
    expect(hv1.ovnController).toEqual({ kind: 'running', connected: true, paused: false, version: 'ovn-controller 23.03.1', evidence: { file: 'hosts/hv1/ovn-appctl.connection-status.out', text: 'connected' }, pausedEvidence: { file: 'hosts/hv1/ovn-appctl.debug-status.out', text: 'running' } });
  });

  it('a failed connection-status is "not running", with the .err line as evidence', async () => {
    const dir = copyFixture('l3-acl');
    addControllerAnswers(dir, 'hv1', { connection: { argv: [], status: 'failed', err: DEAD_PIDFILE('/run/ovn') } });
    const hv1 = (await load(dir)).hosts.find((h) => h.name === 'hv1')!;
    expect(hv1.ovnController).toEqual({ kind: 'not-running', error: 'ovn-appctl: cannot read pidfile "/run/ovn/ovn-controller.pid" (No such process)', evidence: { file: 'hosts/hv1/ovn-appctl.connection-status.err', text: 'ovn-appctl: cannot read pidfile "/run/ovn/ovn-controller.pid" (No such process)' } });
  });

  it('a missing pidfile: ovn-appctl\'s own line, not the vlog warning printed before it (OVN 23.03, verbatim)', async () => {
    const dir = copyFixture('l3-acl');
    const err = '2026-11-21T21:06:36Z|00001|daemon_unix|WARN|/run/ovn/ovn-controller.pid: open: No such file or directory\novn-appctl: cannot read pidfile "/run/ovn/ovn-controller.pid" (No such file or directory)\n';
    addControllerAnswers(dir, 'hv1', { connection: { argv: [], status: 'failed', err } });
    const hv1 = (await load(dir)).hosts.find((h) => h.name === 'hv1')!;
    expect(hv1.ovnController).toMatchObject({ kind: 'not-running', error: 'ovn-appctl: cannot read pidfile "/run/ovn/ovn-controller.pid" (No such file or directory)' });
  });

  it('an answer it cannot read is unknown plus an error diagnostic at its file and line; a damaged file is unknown', async () => {
    const dir = copyFixture('l3-acl');
    addControllerAnswers(dir, 'hv1', { connection: { argv: [], out: 'connecting\n' } });
    addControllerAnswers(dir, 'hv2', HEALTHY);
    appendFileSync(join(dir, 'hosts/hv2/ovn-appctl.connection-status.out'), 'x');
    const snap = await load(dir);
    expect(snap.hosts.find((h) => h.name === 'hv1')!.ovnController?.kind).toBe('unknown');
    expect(snap.diagnostics.filter((d) => d.file === 'hosts/hv1/ovn-appctl.connection-status.out')).toEqual([expect.objectContaining({ severity: 'error', host: 'hv1', line: 1, excerpt: 'connecting' })]);
    const hv2 = snap.hosts.find((h) => h.name === 'hv2')!.ovnController;
    expect(hv2).toMatchObject({ kind: 'unknown', why: expect.stringMatching(/damaged/) });
  });

  it('SB Chassis_Private and SB_Global: absent when not collected, read when they are', async () => {
    expect((await load(copyFixture('l3-acl'))).sb?.chassisPrivate).toBeUndefined();
    const dir = copyFixture('l3-acl');
    addNbCfg(dir, 7, [{ name: 'hv1', chassisUuid: '104ab27f-754d-435c-a7c8-28a096618492', nbCfg: 6, timestamp: 1795293616797 }]);
    const sb = (await load(dir)).sb!;
    expect(sb.chassisPrivate?.map((r) => [r.name, r.chassis, r.nbCfg, r.nbCfgTimestamp])).toEqual([['hv1', '104ab27f-754d-435c-a7c8-28a096618492', 6, 1795293616797]]);
    expect(sb.global?.nbCfg).toBe(7);
  });
});
