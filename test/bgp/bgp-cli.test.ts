// `ovnscope bgp` as a user runs it (built CLI), on snapshots collected from the live FRR fabric
// (test/fixtures/frr/snapshots/): no FRR needed here. `npm test` builds dist/ first.

import { describe, expect, it } from 'vitest';
import type { BgpAuditResult } from '../../src/services/bgp.js';
import { runCli } from '../harness/cli.js';

const snap = (name: string) => `test/fixtures/frr/snapshots/${name}`;

const ovnscope = (...args: string[]) => runCli(args, { env: { NO_COLOR: '1', FORCE_COLOR: undefined } });

/** The distinct values of the sessions table's last column. */
const lastResetsOf = (stdout: string) => [...new Set(stdout.split('\n').filter((l) => /^│ hv\d +│ \d+\.\d+\.\d+\.\d+ +│/.test(l)).map((l) => l.split('│').at(-2)!.trim()))];

const json = async (...args: string[]) => {
  const r = await ovnscope('bgp', ...args, '--json');
  return { code: r.code, report: JSON.parse(r.stdout) as BgpAuditResult };
};

describe('ovnscope bgp', () => {
  it('healthy: exit 0, sessions, the matrix and only the single-homed host warns', async () => {
    const r = await ovnscope('bgp', '--snapshot', snap('healthy'));
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\x1b\[/);
    expect(r.stdout).toMatch(/hv1 +FRR 8\.4\.4 +TEP 192\.168\.100\.1 +2\/2 uplinks Established/);
    expect(r.stdout).toContain('no FRR data for host hv4: vtysh failed (exit code 1): Exiting: failed to connect to any daemons.');
    expect(r.stdout).toMatch(/│ hv1 +│ 10\.0\.2\.0 │ tor2 │ eth1 +│ 65002 │ Established │ \d\d:\d\d:\d\d │ 1\/1 +│ 0 +│ up +│/);
    // FRR still reports the start-up reset reasons (lastResetDueTo) on these Established, never-dropped sessions: history, not shown.
    expect(lastResetsOf(r.stdout)).toEqual(['-']);
    expect(r.stdout).not.toMatch(/Waiting for peer OPEN|No AFI\/SAFI activated for peer/);
    expect(r.stdout).toMatch(/│ hv1 +│ self +│ 2× eth0,eth1 +│ 1× eth0 +│/);
    expect(r.stdout).toContain('WARN B3  hv3 uplinks: only 1 of 2 expected uplinks Established (tor1): no redundancy');
    expect(r.stdout).toMatch(/0 fail, 7 warn, 0 info, 47 pass, 7 n\/a/);
  });

  it('--json carries the findings with evidence, the sessions and the matrix', async () => {
    const { code, report } = await json('--snapshot', snap('healthy'));
    expect(code).toBe(0);
    expect(report.counts).toEqual({ pass: 47, info: 0, warn: 7, fail: 0, 'n-a': 7 });
    expect(report.matrix.teps.map((t) => `${t.name} ${t.ip}`)).toEqual(['hv1 192.168.100.1', 'hv2 192.168.100.2', 'hv3 192.168.100.3']);
    expect(report.matrix.rows.map((r) => r.host)).toEqual(['hv1', 'hv2', 'hv3', 'hv4']);
    const c = report.matrix.rows[0]!.cells.find((x) => x.tep === '192.168.100.2')!;
    expect(c).toMatchObject({ from: 'hv1', to: 'hv2', status: 'ecmp', protocol: 'bgp', uplinks: ['eth0', 'eth1'], agree: true, kernelLegs: [{ via: '10.0.1.0', interface: 'eth0' }, { via: '10.0.2.0', interface: 'eth1' }] });
    const b7 = report.findings.find((f) => f.id === 'B7' && f.host === 'hv1' && f.subject.includes('192.168.100.2'))!;
    expect(b7.evidence.map((e) => e.file)).toEqual(['hosts/hv1/frr.ip-route-prefix.192.168.100.2.out', 'hosts/hv1/ip.route.out']);
    expect(b7.evidence[1]!.excerpt).toContain('"nhid":');
    expect(report.hosts.find((h) => h.host === 'hv4')).toMatchObject({ frr: { available: false } });
    expect(report.sessions).toHaveLength(5);
  });

  it('link down: exit 1, the session and BFD fail with their raw lines', async () => {
    const r = await ovnscope('bgp', '--snapshot', snap('link-down'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL B1  hv1 peer 10\.0\.2\.0 \(tor2, eth1\): not Established: state (Active|Connect|Idle)/);
    expect(r.stdout).toMatch(/FAIL B9  hv1 peer 10\.0\.2\.0 \(tor2, eth1\): BFD down for \d+ s; diagnostic: /);
    expect(r.stdout).toMatch(/hosts\/hv1\/frr\.bfd-peers\.out:\d+ +"status":"down",/);
    expect(r.stdout).toMatch(/│ hv1 +│ 10\.0\.2\.0 │ tor2 │ eth1 +│ 65002 │ (Active|Connect|Idle) +│ down \d\d:\d\d:\d\d │/);
  });

  it('--host keeps the rows and findings of those hosts, the matrix columns of all', async () => {
    const { report } = await json('--snapshot', snap('link-down'), '--host', 'hv2', '--host', 'hv3');
    expect([...new Set(report.findings.map((f) => f.host))]).toEqual(['hv2', 'hv3']);
    expect(report.matrix.rows.map((r) => r.host)).toEqual(['hv2', 'hv3']);
    expect(report.matrix.teps).toHaveLength(3);
    expect(report.matrix.rows[0]!.cells.find((c) => c.to === 'hv1')).toMatchObject({ status: 'single', uplinks: ['eth0'] });
  });

  it('a TEP not advertised: B5/B4 on its host, B6 everywhere else', async () => {
    const { code, report } = await json('--snapshot', snap('tep-not-advertised'));
    expect(code).toBe(1);
    const f = (id: string, host: string) => report.findings.filter((x) => x.id === id && x.host === host);
    expect(f('B5', 'hv2')[0]).toMatchObject({ severity: 'fail', message: '192.168.100.2/32 is not originated by BGP (not in the BGP table as a local path): no uplink learns this TEP' });
    expect(f('B4', 'hv2').map((x) => x.severity)).toEqual(['fail', 'fail']);
    expect(f('B6', 'hv1').find((x) => x.subject.includes('hv2'))!.severity).toBe('fail');
  });

  it('B11 does not blame a ToR for TEPs that have no path through it: it names the finding that explains why', async () => {
    // link-down: hv1's session to tor2 is down and hv3 peers with tor1 only, so tor2 has no TEP to give hv2.
    const down = await json('--snapshot', snap('link-down'));
    const b11 = down.report.findings.find((x) => x.id === 'B11' && x.host === 'hv2' && x.subject.includes('10.0.4.0'))!;
    expect(b11.severity).toBe('warn');
    expect(b11.message).toBe("receives nothing (pfxRcd 0), and no remote TEP has a path through tor2: 192.168.100.1 (hv1): hv1's session with tor2 is down (B1 on hv1); 192.168.100.3 (hv3): hv3 has no session with tor2 (single-homed)");
    expect(b11.fix).not.toMatch(/outbound policy/);
    expect(down.report.findings.find((x) => x.id === 'B1' && x.host === 'hv1' && x.subject.includes('10.0.2.0'))!.severity).toBe('fail');
    // tep-not-advertised: hv2 originates nothing (B5) and hv3 is single-homed, so tor2 has nothing for hv1.
    const adv = await json('--snapshot', snap('tep-not-advertised'));
    const b11b = adv.report.findings.find((x) => x.id === 'B11' && x.host === 'hv1' && x.subject.includes('10.0.2.0'))!;
    expect(b11b).toMatchObject({ severity: 'warn', message: expect.stringContaining('192.168.100.2 (hv2): hv2 advertises nothing to tor2 (B4/B5 on hv2)') });
    // doctor --host hv2 still sees the other hosts' sessions.
    const doc = await ovnscope('doctor', '--snapshot', snap('link-down'), '--host', 'hv2', '--json');
    const d11 = (JSON.parse(doc.stdout) as { findings: { id: string; severity: string; message: string }[] }).findings.find((x) => x.id === 'B11' && x.message.includes('pfxRcd 0'))!;
    expect(d11.severity).toBe('warn');
  });

  it('flapping: B10 fails, and B7 catches FRR\'s next-hop group out of sync with the kernel', async () => {
    const { code, report } = await json('--snapshot', snap('flapping'));
    expect(code).toBe(1);
    const b10 = report.findings.find((x) => x.id === 'B10' && x.host === 'hv1' && x.subject.includes('10.0.2.0'))!;
    expect(b10.severity).toBe('fail');
    expect(b10.message).toMatch(/^flapping: [4-9] session drops, \d+ BFD session-downs? \(Established again for \d\d:\d\d:\d\d\); last reset: /);
    const b7 = report.findings.find((x) => x.id === 'B7' && x.host === 'hv1' && x.subject.includes('192.168.100.2'))!;
    expect(b7.severity).toBe('fail');
    expect(b7.message).toMatch(/^FRR and the kernel disagree: FRR has 2 next hops marked fib \(10\.0\.1\.0 eth0, 10\.0\.2\.0 eth1, NHG \d+\), the kernel forwards over 1 \(10\.0\.1\.0 eth0, nhid \d+ → \d+\)$/);
    const text = await ovnscope('bgp', '--snapshot', snap('flapping'), '--host', 'hv1');
    expect(text.stdout).toMatch(/2× eth0,eth1\s*│[\s\S]*≠ kernel 1/);
    // The session that dropped 7 times and is up again: its reset reason is what ended the previous session, marked as such.
    expect(text.stdout).toMatch(/│ hv1 +│ 10\.0\.2\.0 │ tor2 │ eth1 +│ 65002 │ Established │ [^│]+│ [^│]+│ 7 +│ [^│]+│ earlier: Waiting for peer OPEN +│/);
    expect(text.stdout).toMatch(/│ hv1 +│ 10\.0\.1\.0 │ tor1 │ eth0 +│ 65001 │ Established │ [^│]+│ [^│]+│ 0 +│ [^│]+│ - +│/);
  });

  it('--expected-uplinks and --overlay-mtu change the verdicts', async () => {
    // One uplink is enough now: hv3 and the TEPs behind it no longer warn; B11 (tor2 does not know
    // hv3's TEP) does not depend on the expected uplink count.
    const one = await json('--snapshot', snap('healthy'), '--expected-uplinks', '1');
    expect(one.report.findings.filter((f) => f.severity === 'warn').map((f) => f.id)).toEqual(['B11', 'B11']);
    const mtu = await json('--snapshot', snap('healthy'), '--overlay-mtu', '1500');
    expect(mtu.code).toBe(1);
    expect(mtu.report.findings.filter((f) => f.id === 'B14').map((f) => f.severity)).toEqual(['fail', 'fail', 'fail']);
  });

  it('usage errors exit 2 with a message', async () => {
    const unknown = await ovnscope('bgp', '--snapshot', snap('healthy'), '--host', 'hv9');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/host hv9 is not in the snapshot \(it has: hv1, hv2, hv3, hv4\)/);
    expect((await ovnscope('bgp', '--snapshot', '/nonexistent')).code).toBe(2);
    expect((await ovnscope('bgp', '--snapshot', snap('healthy'), '--expected-uplinks', '0')).code).toBe(2);
    // An MTU is 68..65535 (IPv4 minimum, IP maximum): 99999999 is a typo, not an overlay MTU.
    const huge = await ovnscope('bgp', '--snapshot', snap('healthy'), '--overlay-mtu', '99999999');
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/65535/);
    expect((await ovnscope('bgp', '--snapshot', snap('healthy'), '--overlay-mtu', '67')).code).toBe(2);
    // mtu's MTU flags have the same range.
    expect((await ovnscope('mtu', '--snapshot', snap('healthy'), '--all', '--mtu', '65536')).code).toBe(2);
    expect((await ovnscope('mtu', '--snapshot', snap('healthy'), '--all', '--switch-mtu', '99999999')).code).toBe(2);
    const help = await ovnscope('bgp', '--help');
    expect(help.stdout).toContain('EXAMPLES');
  });
});
