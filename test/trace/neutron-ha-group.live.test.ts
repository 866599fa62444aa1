// A router gateway port configured the way Neutron and OVN-Kubernetes do it, through an NB
// HA_Chassis_Group (`ha-chassis-group-add`, `ha-chassis-group-add-chassis`, `set
// Logical_Router_Port … ha_chassis_group=<uuid>`), with no member able to claim its
// chassisredirect port: `gw-absent` (priority 30) is a chassis name that never registers, and hv3
// (priority 20), the only registered member, has its ovn-controller killed before the group is
// set (SIGKILL: its SB Chassis row stays, as after a crash). northd writes the SB HA_Chassis_Group
// and HA_Chassis rows the cr-lrp Port_Binding references; nobody claims the port. Collected with
// the real CLI (local transport); the trace of vm1 → outside must name the group's members in
// priority order with their state, and agree hop by hop with live ofproto/trace.
//
//   npx vitest run --project live test/trace/neutron-ha-group.live.test.ts

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/model/manifest.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { collectSandboxWithCli } from '../collect/sandbox-inventory.js';
import { runCli } from '../harness/cli.js';
import { isAlive, pollUntil } from '../harness/procs.js';
import type { Sandbox } from '../harness/sandbox.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';
import { runCase } from './cross-compare.js';
import { neutron, U } from './neutron-topology.js';

const live = liveSuiteGuard();
const GROUP = `neutron-ha-${U.router}`;
const LRP = `lrp-${U.gw}`;
const CR = `cr-${LRP}`;

describe.skipIf(!live)('a gateway port whose HA_Chassis_Group has no member that can claim it', () => {
  const sandboxes = useSandboxes();
  let sb: Sandbox;
  let work: string | undefined;
  let snap: string;
  let snapshot: Snapshot;

  beforeAll(async () => {
    sb = (await sandboxes.startTopology(neutron({ noGatewayChassis: true }))).sandbox;
    const pid = Number(readFileSync(join(sb.chassis['hv3']!.dir, 'ovn-controller.pid'), 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    await pollUntil('hv3 ovn-controller is gone', () => !isAlive(pid), { timeoutMs: 10_000 });

    // The upstream router 172.24.4.1 learnt (as in neutron.live.test.ts), so nothing waits on ARP.
    const dp = (await sb.sbctl('--bare', '--columns=_uuid', 'find', 'Datapath_Binding', `external_ids:name=neutron-${U.router}`)).trim();
    await sb.sbctl('create', 'MAC_Binding', `logical_port=${LRP}`, 'ip=172.24.4.1', 'mac="0a:00:00:00:ff:01"', `datapath=${dp}`);
    await sb.nbctl('ha-chassis-group-add', GROUP);
    await sb.nbctl('ha-chassis-group-add-chassis', GROUP, 'hv3', '20');
    await sb.nbctl('ha-chassis-group-add-chassis', GROUP, 'gw-absent', '30');
    const group = (await sb.nbctl('--bare', '--columns=_uuid', 'find', 'HA_Chassis_Group', `name=${GROUP}`)).trim();
    await sb.nbctl('--wait=sb', 'set', 'Logical_Router_Port', LRP, `ha_chassis_group=${group}`);
    // --wait=hv would wait for hv3 forever: wait for the chassis that run.
    const nbCfg = async (table: string, name?: string) => Number((await sb.sbctl('--bare', '--columns=nb_cfg', 'find', table, ...(name ? [`name=${name}`] : []))).trim());
    const target = await nbCfg('SB_Global');
    for (const hv of ['hv1', 'hv2']) await pollUntil(`${hv} applies nb_cfg ${target}`, async () => (await nbCfg('Chassis_Private', hv)) >= target, { timeoutMs: 30_000 });

    work = await mkdtemp(join(tmpdir(), 'ovnscope-ha-group-'));
    snap = await collectSandboxWithCli(sb, work);
    const loaded = await loadSnapshot(snap);
    if (!loaded.ok) throw new Error(loaded.error.message);
    snapshot = loaded.value;
  }, 300_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('collect lists SB HA_Chassis_Group and HA_Chassis, and the snapshot has the group the cr-lrp binding names', () => {
    const m = JSON.parse(readFileSync(join(snap, 'manifest.json'), 'utf8')) as Manifest;
    expect(m.central!.commands.filter((c) => /HA_Chassis/.test(c.id)).map((c) => [c.id, c.status, c.required])).toEqual([
      ['ovn-sbctl.list.HA_Chassis_Group', 'ok', false],
      ['ovn-sbctl.list.HA_Chassis', 'ok', false],
    ]);
    const cr = snapshot.sb!.portBindings.find((p) => p.logicalPort === CR)!;
    expect(cr).toMatchObject({ type: 'chassisredirect', chassis: undefined, gatewayChassis: [] });
    const group = snapshot.sb!.haChassisGroups!.find((g) => g.uuid === cr.haChassisGroup)!;
    expect(group.name).toBe(GROUP);
    const hv3 = snapshot.sb!.chassis.find((c) => c.name === 'hv3')!.uuid;
    const members = snapshot.sb!.haChassis!.filter((h) => group.haChassis.includes(h.uuid));
    // northd's rows: the registered member references its Chassis row; the other keeps only its name.
    expect(members.map((h) => [h.chassisName, h.chassis, h.priority]).sort()).toEqual([
      ['gw-absent', undefined, 30],
      ['hv3', hv3, 20],
    ]);
    // No NB Gateway_Chassis: the group is all there is.
    expect(snapshot.nb!.gatewayChassis).toEqual([]);
  });

  it('trace vm1 → outside drops naming the HA_Chassis_Group members by priority with their state, as live ofproto/trace agrees', async () => {
    const r = await runCli(['trace', '-s', snap, '--from', U.vm1, '--to', '8.8.8.8', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { verdict: string; drop?: { host?: string; reason: string; explanation: string } };
    expect(report.verdict).toBe('dropped');
    const e = report.drop!.explanation;
    expect(e).toContain(`${CR}, the chassisredirect port of gateway port ${LRP} of router neutron-${U.router}, is claimed by no chassis`);
    // hv1 has no flow to the port (no chassis claims it, one registered member): it drops it in
    // its own tables; hv3 is reached through a BFD-monitored tunnel (BFD never comes up on dummy ports).
    expect(report.drop).toMatchObject({ host: 'hv1', reason: 'EXPLICIT_DROP' });
    expect(e).toMatch(new RegExp(`candidates, by priority \\(HA_Chassis_Group ${GROUP} of ${LRP}\\): gw-absent priority 30 \\(not registered in the SB [^)]*\\)\\), hv3 priority 20 \\(tunnel ovn-hv3-0 from hv1: BFD forwarding `));
    expect(e).not.toMatch(/enable-chassis-as-gw|not collected/);

    const o = await runCase(sb, snapshot, undefined, { id: 'ha-group', category: 'neutron', req: { from: U.vm1, to: '8.8.8.8', protocol: { kind: 'icmp' } } });
    expect(o.error).toBeUndefined();
    expect(o.hopDiffs).toEqual([]);
    expect(o.verdict).toBe('dropped');
  }, 120_000);
});
