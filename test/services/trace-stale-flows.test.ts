// A trace that reads the tables of a host whose ovn-controller is out (or whose chassis lags the
// SB's nb_cfg) says so in its warnings and verdict line, the way damaged inputs are told. Copies of
// the bundled l3-acl fixture get ovn-controller's answers added as a collection records them.

import { describe, expect, it } from 'vitest';
import { makeStyle } from '../../src/render/style.js';
import { traceReportJson, verdictLine } from '../../src/render/trace.js';
import { trace, type TraceReport, type TraceRequest } from '../../src/services/trace.js';
import { copyFixture } from '../harness/fixture-copy.js';
import { addControllerAnswers, addNbCfg, deadHv1, HEALTHY } from '../harness/fixture-outputs.js';

const plain = makeStyle({ isTTY: false }, {});
const HV1 = '104ab27f-754d-435c-a7c8-28a096618492';
const HV2 = '004d4b97-d569-4718-b796-08d00754e0e0';

async function traceIn(snapshot: string, req: Partial<TraceRequest>): Promise<TraceReport> {
  const r = await trace({ snapshot, bridge: 'br-int', ctNext: [], detail: 'minimal', followTunnels: true, ...req });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.single!;
}

const STALE = /^stale flows: ovn-controller on hv1 is not running — its control socket did not answer \(ovn-appctl: cannot read pidfile "\/var\/run\/ovn\/ovn-controller\.pid" \(No such process\)\): its OpenFlow flows are what it last installed; .* \(doctor D17\)$/;

describe('trace over a chassis whose flows may be stale', () => {
  it('entering the dead chassis: the verdict stands (the datapath forwards by its flows) and the warnings and verdict line say why it may not be what the NB says', async () => {
    const dir = deadHv1();
    const r = await traceIn(dir, { from: 'web1', to: 'web3', protocol: { kind: 'tcp', port: 80 } });
    expect(r.hops.map((h) => h.host)).toEqual(['hv1', 'hv2']);
    expect(r.staleFlows).toEqual({ hosts: ['hv1'], summary: 'stale flows on hv1 — ovn-controller not running', causes: [{ host: 'hv1', kind: 'not-running', check: 'D17', text: 'ovn-controller not running' }] });
    expect(r.warnings.filter((w) => STALE.test(w))).toHaveLength(1);
    expect(verdictLine(r, plain)).toMatch(/ \(stale flows on hv1 — ovn-controller not running: this is what the datapath does, not what the NB\/SB say now; see warnings\)$/);
    // The same packet over the same tables without the dead controller: same verdict, no warning.
    const healthy = copyFixture('l3-acl');
    addControllerAnswers(healthy, 'hv1', HEALTHY);
    addControllerAnswers(healthy, 'hv2', HEALTHY);
    const h = await traceIn(healthy, { from: 'web1', to: 'web3', protocol: { kind: 'tcp', port: 80 } });
    expect(h.verdict).toBe(r.verdict);
    expect(h.staleFlows).toBeUndefined();
    expect(h.warnings.filter((w) => w.startsWith('stale flows'))).toEqual([]);
  });

  it('reaching the dead chassis across a tunnel says it too; a trace that stays on the healthy chassis says nothing', async () => {
    const dir = deadHv1();
    const back = await traceIn(dir, { from: 'web3', to: 'web1', protocol: { kind: 'tcp', port: 80 } });
    expect(back.hops.map((h) => h.host)).toEqual(['hv2', 'hv1']);
    expect(back.staleFlows?.hosts).toEqual(['hv1']);
    const local = await traceIn(dir, { from: 'web3', to: 'db1', protocol: { kind: 'tcp', port: 5432 } });
    expect(local.hops.map((h) => h.host)).toEqual(['hv2']);
    expect(local.staleFlows).toBeUndefined();
    expect(local.warnings.filter((w) => w.startsWith('stale flows'))).toEqual([]);
  });

  it('--host/--flow on the dead chassis (one host, or following tunnels) carries it', async () => {
    const dir = deadHv1();
    const flow = 'in_port=4,tcp,dl_src=0a:00:01:01:00:11,dl_dst=0a:00:01:01:00:13,nw_src=10.1.1.11,nw_dst=10.1.1.13,tp_dst=80';
    for (const followTunnels of [false, true]) {
      const r = await traceIn(dir, { host: 'hv1', flow, followTunnels });
      expect(r.staleFlows?.hosts, `followTunnels=${followTunnels}`).toEqual(['hv1']);
      expect(r.warnings.some((w) => STALE.test(w))).toBe(true);
    }
  });

  it('no pidfile where ovn-appctl looked (ovn-controller in its own container) is not a cause: no warning, no verdict-line suffix', async () => {
    const dir = copyFixture('l3-acl');
    addControllerAnswers(dir, 'hv1', { connection: { argv: [], status: 'failed', err: 'ovn-appctl: cannot read pidfile "/var/run/ovn/ovn-controller.pid" (No such file or directory)\n' } });
    addControllerAnswers(dir, 'hv2', HEALTHY);
    const r = await traceIn(dir, { from: 'web1', to: 'web3', protocol: { kind: 'tcp', port: 80 } });
    expect(r.hops.map((h) => h.host)).toEqual(['hv1', 'hv2']);
    expect(r.staleFlows).toBeUndefined();
    expect(r.warnings.filter((w) => w.startsWith('stale flows'))).toEqual([]);
    expect(verdictLine(r, plain)).not.toMatch(/stale flows/);
  });

  it('a chassis behind the SB nb_cfg is a cause of its own, listed with the controller one', async () => {
    const dir = deadHv1();
    addNbCfg(dir, 4, [
      { name: 'hv1', chassisUuid: HV1, nbCfg: 3, timestamp: Date.parse('2026-11-21T08:30:00Z') },
      { name: 'hv2', chassisUuid: HV2, nbCfg: 4, timestamp: Date.parse('2026-11-21T08:44:58Z') },
    ]);
    const r = await traceIn(dir, { from: 'web1', to: 'web3', protocol: { kind: 'tcp', port: 80 } });
    // --json: one structured entry per host and cause (jq: .staleFlows.causes[] | select(.check == "D17")).
    expect(r.staleFlows).toEqual({
      hosts: ['hv1'],
      summary: 'stale flows on hv1 — ovn-controller not running, 1 nb_cfg generation behind',
      causes: [
        { host: 'hv1', kind: 'not-running', check: 'D17', text: 'ovn-controller not running' },
        { host: 'hv1', kind: 'nb-cfg-lag', check: 'D18', text: '1 nb_cfg generation behind' },
      ],
    });
    expect(JSON.parse(JSON.stringify(traceReportJson(r))).staleFlows).toEqual(r.staleFlows);
    expect(r.warnings.filter((w) => w.startsWith('stale flows'))).toEqual([expect.stringMatching(STALE), expect.stringMatching(/^stale flows: chassis hv1 has applied nb_cfg 3 while the SB is at 4 \(1 generation behind; last applied at 2026-11-21T08:30:00Z, 15 min before collection\).* \(doctor D18\)$/)]);
  });
});
