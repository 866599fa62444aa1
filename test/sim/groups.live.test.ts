// Select-group bucket choice against live OVS 3.1: a plain bridge with selection_method=hash
// (OVS's hash of the masked fields + best-score bucket), selection_method=dp_hash with uneven
// weights (Webster table), and no selection method (dp_hash with sym_l4), traced with many
// packets / dp_hash values. ovnscope must name the same bucket every time.

import { describe, expect, it } from 'vitest';
import { parseOfctlFlows } from '../../src/parse/ofctl-flows.js';
import { parseOfctlGroups } from '../../src/parse/ofctl-groups.js';
import { traceHost } from '../../src/sim/index.js';
import type { HostState } from '../../src/model/snapshot.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';

const live = liveSuiteGuard();

const GROUPS = [
  'group_id=1,type=select,selection_method=hash,fields(ip_src,ip_dst),bucket=bucket_id:0,actions=output:1,bucket=bucket_id:1,actions=output:2,bucket=bucket_id:2,actions=output:3',
  'group_id=2,type=select,selection_method=dp_hash,bucket=bucket_id:0,weight:30,actions=output:1,bucket=bucket_id:1,weight:50,actions=output:2,bucket=bucket_id:2,weight:20,actions=output:3',
  'group_id=3,type=select,bucket=bucket_id:0,weight:7,actions=output:1,bucket=bucket_id:1,weight:3,actions=output:2',
  'group_id=4,type=select,selection_method=hash,fields(ip_src=255.255.255.0,tcp_dst),bucket=bucket_id:0,weight:10,actions=output:1,bucket=bucket_id:1,weight:20,actions=output:2,bucket=bucket_id:2,weight:30,actions=output:3',
];

describe.skipIf(!live)('select groups vs live ofproto/trace', () => {
  const sandboxes = useSandboxes();

  it('picks the bucket OVS picks', async () => {
    const sb = await sandboxes.start({ chassis: 1 });
    const hv = sb.chassisNames[0];
    await sb.vsctl(hv, 'add-br', 'br-test', '--', ...[1, 2, 3, 4].flatMap((i) => ['--', 'add-port', 'br-test', `t${i}`, '--', 'set', 'Interface', `t${i}`, 'type=dummy', `ofport_request=${i}`]));
    for (const g of GROUPS) await sb.ofctl(hv, '-O', 'OpenFlow15', 'add-group', 'br-test', g);
    for (const [tos, gid] of [
      [0, 1],
      [4, 2],
      [8, 3],
      [12, 4],
    ])
      await sb.ofctl(hv, 'add-flow', 'br-test', `table=0,priority=10,ip,nw_tos=${tos} actions=group:${gid}`);
    const flows = parseOfctlFlows(await sb.ofctl(hv, '--no-names', 'dump-flows', 'br-test')).value.flows;
    const groups = parseOfctlGroups(await sb.ofctl(hv, '-O', 'OpenFlow15', '--no-names', 'dump-groups', 'br-test')).value.groups;
    expect(groups).toHaveLength(GROUPS.length);
    const host: HostState = {
      name: hv,
      ovsBridges: [],
      ovsPorts: [],
      interfaces: [],
      bridges: [{ name: 'br-test', flows, groups, ports: [1, 2, 3, 4].map((i) => ({ ofport: i, name: `t${i}`, role: { kind: 'physical' as const } })) }],
    };
    const cases: string[] = [];
    for (let i = 1; i <= 40; i++) cases.push(`in_port=t4,ip,nw_tos=0,nw_src=10.0.${i}.${(i * 7) % 250},nw_dst=10.1.0.${i}`);
    for (let h = 1; h <= 40; h++) cases.push(`in_port=t4,ip,nw_tos=4,dp_hash=${h * 7919}`);
    for (let h = 1; h <= 20; h++) cases.push(`in_port=t4,ip,nw_tos=8,dp_hash=${h}`);
    for (let i = 1; i <= 40; i++) cases.push(`in_port=t4,tcp,nw_tos=12,nw_src=10.9.${i % 5}.${i},tcp_dst=${1000 + i * 13}`);
    let agree = 0;
    const bad: string[] = [];
    for (const f of cases) {
      const text = await sb.appctl(hv, 'ofproto/trace', 'br-test', f);
      const theirs = /using bucket (\d+)/.exec(text)?.[1];
      const r = traceHost(host, 'br-test', f);
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      const ours = r.value.outputs[0]?.port.replace('t', '');
      const oursBucket = ours === undefined ? undefined : String(Number(ours) - 1);
      if (theirs === oursBucket) agree++;
      else bad.push(`${f}: OVS bucket ${theirs}, ovnscope ${oursBucket}`);
    }
    console.log(`select groups: ${agree}/${cases.length} bucket choices agree with ofproto/trace`);
    expect(bad).toEqual([]);
  });
});
