import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareFindings, type Finding } from '../../src/model/finding.js';
import { FRR_IDS } from '../../src/snapshot/load-bgp.js';
import { packSnapshot } from '../../src/snapshot/pack.js';
import { renderDoctor } from '../../src/render/doctor.js';
import { makeStyle } from '../../src/render/style.js';
import { runDoctor, type DoctorResult } from '../../src/services/doctor.js';
import { fixture } from '../offload/snapshot-builder.js';
import { copyFixture } from '../harness/fixture-copy.js';
import { rewriteCollectedOutput } from '../harness/fixture-outputs.js';
import { healthy, withHost, writeSynthetic, type SynthSpec } from './synthetic.js';

const root = resolve(import.meta.dirname, '../..');

/** The built CLI, as a user runs it (npm test builds dist/ first). */
function ovnscope(args: string[], cwd = root): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'bin/run.js'), ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const flowLine = (table: number, priority: number, match: string, actions: string) => ` cookie=0x0, duration=1.000s, table=${table}, n_packets=0, n_bytes=0, idle_age=1, priority=${priority}${match ? `,${match}` : ''} actions=${actions}`;

/** hv1: a ghost iface-id and a stale tunnel; hv2: its ovn-controller gone (chassis deleted, ports unbound), flows to a removed port. */
function broken(): SynthSpec {
  const base = healthy();
  let spec = withHost(base, 'hv1', (h) => ({
    ...h,
    // hv1's ovn-controller removed its tunnel to the deleted chassis hv2, as it does.
    interfaces: [...h.interfaces.filter((i) => i.name !== 'ovn-hv2-0'), { name: 'tapghost', type: 'dummy', ofport: 6, ifaceId: 'ghost' }, { name: 'stale0', type: 'geneve', ofport: 7, options: { remote_ip: '192.168.0.99' } }],
  }));
  spec = withHost(spec, 'hv2', (h) => ({
    ...h,
    interfaces: h.interfaces.filter((i) => i.type !== 'geneve'),
    flows: ['NXST_FLOW reply (xid=0x4):', flowLine(0, 100, 'in_port=3', 'load:0x1->OXM_OF_METADATA[],resubmit(,39)'), flowLine(39, 100, 'reg15=0x1,metadata=0x1', 'load:0x1->NXM_NX_TUN_ID[0..23],output:1'), flowLine(0, 0, '', 'drop')].join('\n') + '\n',
  }));
  return {
    ...spec,
    sb: { ...spec.sb!, chassis: spec.sb!.chassis.filter((c) => c.name !== 'hv2'), ports: spec.sb!.ports.map((p) => (p.name === 'vm2' ? { ...p, chassis: undefined } : p)) },
  };
}

const line = (f: Finding) => `${f.severity} ${f.id} ${f.host ?? '-'} ${f.subject}`;

describe('ovnscope doctor', () => {
  let work: string;
  let brokenDir: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ovnscope-doctor-test-'));
    brokenDir = writeSynthetic(broken(), work);
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the bundled fixtures: health, flow tables and collection ran and passed, the other audits are n/a with the reason; exit 0', async () => {
    const r = await ovnscope(['doctor', '--snapshot', 'fixtures/lb-nat-3chassis']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ran OVN\/OVS health \(D1-D18\)\s+0 fail, 0 warn/);
    expect(r.stdout).toMatch(/n\/a GENEVE offload .*— no offload data on any host/);
    expect(r.stdout).toMatch(/n\/a underlay BGP\/BFD .*— no FRR data on any host: FRR was not collected \(snapshot taken without the FRR recipe\)$/m);
    expect(r.stdout).toContain('no check failed');
    const json = await ovnscope(['doctor', '-s', 'fixtures/l3-acl', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const j = JSON.parse(json.stdout) as DoctorResult;
    expect(j.failed).toBe(false);
    expect(j.audits.map((a) => [a.name, a.ran])).toEqual([
      ['health', true],
      ['flow-tables', true],
      ['collection', true],
      ['offload', false],
      ['bgp', false],
      ['mtu', j.audits.find((a) => a.name === 'mtu')!.ran],
    ]);
    expect(j.counts.fail).toBe(0);
    expect(j.findings.every((f) => ['fail', 'warn', 'info'].includes(f.severity))).toBe(true);
    expect(j.hidden).toBe(j.counts.pass + j.counts['n-a']);
  });

  it('a broken deployment: every anomaly found, most severe first, grouped by host; exit 1', async () => {
    const r = await runDoctor({ snapshot: brokenDir });
    if (!r.ok) throw new Error(r.error.message);
    const v = r.value;
    expect(v.failed).toBe(true);
    expect([...v.findings].sort(compareFindings)).toEqual(v.findings);
    const got = v.findings.filter((f) => f.severity === 'fail' || f.severity === 'warn').map(line);
    expect(got).toEqual([
      'fail D2 hv2 port vm2',
      'fail D4 hv1 interface tapghost',
      'fail D7 hv2 chassis hv2',
      'warn D9 hv1 tunnel stale0',
      'warn F5 hv2 br-int port 1',
    ]);
    expect(v.byHost.map((h) => [h.host ?? 'fleet', h.worst])).toEqual([
      ['fleet', 'info'],
      ['hv1', 'fail'],
      ['hv2', 'fail'],
    ]);

    const cli = await ovnscope(['doctor', '-s', brokenDir]);
    expect(cli.code).toBe(1);
    const text = cli.stdout;
    // Grouped: fleet first, then hosts, each group worst first; the evidence is quoted under each finding.
    expect(text.indexOf('fleet (SB/NB, collection)')).toBeLessThan(text.indexOf('\nhv1  '));
    expect(text.indexOf('\nhv1  ')).toBeLessThan(text.indexOf('\nhv2  '));
    expect(text).toMatch(/FAIL D4  interface tapghost: iface-id=ghost names no logical port[^\n]*\n\s+hosts\/hv1\/ovs-vsctl\.list\.Interface\.out  row \d+: \{"name":"tapghost"/);
    expect(text).toMatch(/FAILED: at least one check failed \(exit status 1\)/);
    expect(text).toMatch(/│ hv2 +│ FAIL +│ 2 /);
  });

  it('quotes the raw dump line as evidence for flow findings', async () => {
    const r = await runDoctor({ snapshot: brokenDir, severity: 'warn' });
    if (!r.ok) throw new Error(r.error.message);
    const f5 = r.value.findings.find((f) => f.id === 'F5')!;
    const raw = readFileSync(join(brokenDir, 'hosts/hv2/ovs-ofctl.dump-flows.br-int.out'), 'utf8').split('\n');
    expect(f5.evidence.map((e) => [e.file, e.excerpt])).toEqual([['hosts/hv2/ovs-ofctl.dump-flows.br-int.out', raw[f5.evidence[0]!.line! - 1]!.trim()]]);
    expect(f5.evidence[0]!.excerpt).toContain('duration=1.000s');
  });

  it('--host keeps that host and the fleet-wide findings; --severity lists less but counts and the exit status cover all', async () => {
    const only = await runDoctor({ snapshot: brokenDir, hosts: ['hv1'] });
    if (!only.ok) throw new Error(only.error.message);
    expect(new Set(only.value.findings.map((f) => f.host))).toEqual(new Set([undefined, 'hv1']));
    expect(only.value.hosts).toEqual(['hv1']);
    // hv2 is still "in the snapshot": its chassis is not reported as outside.
    expect(only.value.findings.filter((f) => f.id === 'D14').map((f) => f.message)).toEqual([expect.stringMatching(/: hv3$/)]);

    const fails = await ovnscope(['doctor', '-s', brokenDir, '--severity', 'fail', '--json']);
    expect(fails.code).toBe(1);
    const j = JSON.parse(fails.stdout) as DoctorResult;
    expect(j.findings.every((f) => f.severity === 'fail')).toBe(true);
    expect(j.counts.warn).toBe(2);
    expect(j.hidden).toBe(j.counts.warn + j.counts.info + j.counts.pass + j.counts['n-a']);
    const all = await runDoctor({ snapshot: brokenDir, severity: 'n-a' });
    if (!all.ok) throw new Error(all.error.message);
    expect(all.value.hidden).toBe(0);
    expect(all.value.findings.length).toBe(Object.values(all.value.counts).reduce((a, b) => a + b, 0));
  });

  it('takes a packed fixture as --snapshot', async () => {
    const packed = join(work, 'broken.tar.gz');
    const p = await packSnapshot(brokenDir, packed);
    expect(p.ok).toBe(true);
    const r = await ovnscope(['doctor', '-s', packed, '--json']);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as DoctorResult).findings.filter((f) => f.severity === 'fail').map(line)).toEqual(['fail D2 hv2 port vm2', 'fail D4 hv1 interface tapghost', 'fail D7 hv2 chassis hv2']);
  });

  it('runs the offload, BGP and MTU audits when their data is in the snapshot', async () => {
    const L = 'ethtool/local/';
    const lab = (f: string) => fixture(`frr/lab/tor2-link-down/${f}`);
    const spec = withHost(healthy(), 'hv1', (h) => ({
      ...h,
      extra: {
        'ethtool.version': fixture(`${L}ethtool-version.txt`),
        'uname.r': '6.1.0-13-amd64\n',
        'ovs-vsctl.other-config': '{}\n',
        [FRR_IDS.summary]: lab('hv1.show_bgp_summary_json.txt'),
        [FRR_IDS.bfdPeers]: lab('hv1.show_bfd_peers_json.txt'),
        [FRR_IDS.routePrefix('192.168.100.2')]: lab('hv1.show_ip_route_192.168.100.2_32_json.txt'),
        'ip.link': fixture('frr/lab/iproute/hv1.ip_-j_-d_link_show.json'),
      },
    }));
    const r = await runDoctor({ snapshot: writeSynthetic(spec, work), severity: 'n-a' });
    if (!r.ok) throw new Error(r.error.message);
    const audits = Object.fromEntries(r.value.audits.map((a) => [a.name, a]));
    expect(audits['offload']!.ran).toBe(true);
    expect(audits['offload']!.why).toBe('offload data on 1 of 2 hosts');
    expect(audits['bgp']!.ran).toBe(true);
    expect(audits['bgp']!.why).toBe('FRR answered on 1 of 2 hosts');
    expect(audits['mtu']!.ran).toBe(true);
    expect(audits['mtu']!.why).toBe('kernel link data on 1 of 2 hosts');
    expect(r.value.findings.some((f) => f.id.startsWith('MTU-'))).toBe(true);
    expect(r.value.findings.some((f) => f.id === 'H1' && f.host === 'hv1')).toBe(true);
    // tor2 link down: the session to tor2 is not Established.
    expect(r.value.findings.filter((f) => f.id === 'B1' && f.host === 'hv1' && f.severity === 'fail').length).toBeGreaterThan(0);
    expect(r.value.findings.find((f) => f.id === 'B1' && f.host === 'hv2')!.severity).toBe('n-a');
    expect(r.value.failed).toBe(true);
  });

  it('--host hv1: the other hosts\' TEPs keep their host names in hv1\'s findings', async () => {
    // hv3's TEP is known from hv3's own FRR/kernel data, which --host hv1 does not list but must still read.
    const j = JSON.parse((await ovnscope(['doctor', '--snapshot', 'test/fixtures/frr/snapshots/healthy', '--host', 'hv1', '--severity', 'n-a', '--json'])).stdout) as DoctorResult;
    const b6 = j.findings.filter((f) => f.id === 'B6' && f.host === 'hv1').map((f) => f.subject);
    expect(b6.sort()).toEqual(['TEP 192.168.100.2/32 (hv2)', 'TEP 192.168.100.3/32 (hv3)']);
    expect(j.findings.every((f) => f.host === undefined || f.host === 'hv1')).toBe(true);
  });

  it('an audit that could check nothing says n/a with the reason; the header shows n/a counts', async () => {
    // FRR and the kernel were collected, OVS and the NB/SB were not: no TEP, so no chassis pair for MTU; offload finds no egress chain.
    const snap = 'test/fixtures/frr/snapshots/healthy';
    const r = await ovnscope(['doctor', '--snapshot', snap]);
    expect(r.stdout).toMatch(/^ {2}n\/a MTU \(MTU-H0…H8, cluster-wide\)\s+— no chassis pairs to check: no TEP known: no SB Encap rows \(the NB\/SB were not collected\)/m);
    expect(r.stdout).toMatch(/^ {2}n\/a GENEVE offload \(O1-O9, H1-H10\)\s+0 fail, 0 warn, 0 info, 0 pass, 8 n\/a$/m);
    expect(r.stdout).toMatch(/^ {2}ran underlay BGP\/BFD \(B1-B14\)\s+0 fail, \d+ warn, 0 info, \d+ pass, \d+ n\/a/m);
    const j = JSON.parse((await ovnscope(['doctor', '--snapshot', snap, '--json'])).stdout) as DoctorResult;
    expect(j.audits.find((a) => a.name === 'mtu')).toMatchObject({ ran: false, why: expect.stringMatching(/^no chassis pairs to check/), counts: { 'n-a': 1 } });
    const mtu = await ovnscope(['mtu', '--snapshot', snap, '--all']);
    expect(mtu.code).toBe(0);
    expect(mtu.stdout).toMatch(/underlay between chassis\n {2}n\/a — no chassis pairs to check/);
    expect(mtu.stdout).toMatch(/logical networks\n {2}n\/a — no logical networks to check: the NB was not collected/);
    expect(mtu.stdout).toMatch(/^N\/A {2}MTU-H1 chassis pairs: no chassis pairs to check/m);
    expect(mtu.stdout).not.toContain('nothing to report');
    const offload = await ovnscope(['offload', '--snapshot', snap]);
    expect(offload.stdout).toContain('nothing was checked: every check is n/a');
  });

  it('text: every fail and warn, but of one check\'s info findings on one host only the first three and a count', async () => {
    const r = await runDoctor({ snapshot: brokenDir });
    if (!r.ok) throw new Error(r.error.message);
    const info = (i: number): Finding => ({ id: 'MTU-H0', severity: 'info', host: 'hv1', subject: `tap${i}`, message: 'network MTU unknown', evidence: [] });
    const many = { ...r.value, findings: [...r.value.findings, ...Array.from({ length: 10 }, (_, i) => info(i))].sort(compareFindings) };
    const text = renderDoctor(many, makeStyle({ isTTY: false }, {}));
    expect(text.match(/INFO MTU-H0 tap\d/g)).toEqual(['INFO MTU-H0 tap0', 'INFO MTU-H0 tap1', 'INFO MTU-H0 tap2']);
    expect(text).toContain('INFO MTU-H0 … and 7 more like these (--json lists every finding)');
    expect(text.match(/^FAIL /gm)!.length).toBe(r.value.counts.fail);
  });

  it('usage errors exit 2: unknown host, bad severity, no snapshot in the current directory', async () => {
    const host = await ovnscope(['doctor', '-s', 'fixtures/l3-acl', '--host', 'hv9']);
    expect(host.code).toBe(2);
    expect(host.stderr).toMatch(/host hv9 is not in the snapshot \(it has: hv1, hv2\)/);
    expect((await ovnscope(['doctor', '-s', 'fixtures/l3-acl', '--severity', 'loud'])).code).toBe(2);
    const none = await ovnscope(['doctor'], work);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no --snapshot given and the current directory is not a snapshot/);
    const here = await ovnscope(['doctor', '--severity', 'fail'], join(root, 'fixtures/l3-acl'));
    expect(here.code, here.stderr).toBe(0);
  });
});

describe('doctor keeps the diagnostics of the offload and BGP loaders when those audits do not run', () => {
  /** l3-acl (no FRR, no offload recipe) with these commands added to hv1's manifest entry and their files written. */
  function withHv1Commands(cmds: readonly { id: string; status: 'ok' | 'failed'; out?: string; err?: { collected: string; now: string } }[]): string {
    const dir = copyFixture('l3-acl');
    const mf = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8'));
    const sha = (t: string) => createHash('sha256').update(t).digest('hex');
    for (const c of cmds) {
      const file = `hosts/hv1/${c.id}.out`;
      const out = c.out ?? '';
      const entry: Record<string, unknown> = { id: c.id, argv: [c.id], executed: [c.id], required: false, status: c.status, exitCode: c.status === 'ok' ? 0 : 1, durationMs: 1, file, bytes: Buffer.byteLength(out), sha256: sha(out) };
      writeFileSync(join(dir, file), out);
      if (c.err) {
        const errFile = `hosts/hv1/${c.id}.err`;
        // Recorded as collected, then changed on disk.
        Object.assign(entry, { errFile, errBytes: Buffer.byteLength(c.err.collected), errSha256: sha(c.err.collected), error: c.err.collected.trim() });
        writeFileSync(join(dir, errFile), c.err.now);
      }
      m.hosts[0].commands.push(entry);
    }
    writeFileSync(mf, JSON.stringify(m));
    return dir;
  }

  it('BGP: FRR did not answer (vtysh failed) and its stderr file changed after collection: C8 and the diagnostics say so', async () => {
    const dir = withHv1Commands([{ id: FRR_IDS.version, status: 'failed', err: { collected: 'Exiting: failed to connect to any daemons.\n', now: 'Exiting: failed\n' } }]);
    const r = await runDoctor({ snapshot: dir, severity: 'n-a' });
    if (!r.ok) throw new Error(r.error.message);
    // The BGP audit does not run: no host answered.
    expect(r.value.audits.find((a) => a.name === 'bgp')).toMatchObject({ ran: false, why: expect.stringMatching(/^no FRR data on any host/) });
    const err = 'hosts/hv1/frr.version.err';
    expect(r.value.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ host: 'hv1', file: err, damage: 'size' })]));
    expect(r.value.findings.filter((f) => f.id === 'C8' && f.severity !== 'pass').map((f) => [f.host, f.subject])).toEqual([['hv1', err]]);
  });

  it('offload: a listed offload output (uname -r) removed after collection, the audit not run (no ethtool --version or other_config listed): C8 says so', async () => {
    const dir = withHv1Commands([{ id: 'uname.r', status: 'ok', out: '6.1.0-18-amd64\n' }]);
    rmSync(join(dir, 'hosts/hv1/uname.r.out'));
    const r = await runDoctor({ snapshot: dir, severity: 'n-a' });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.audits.find((a) => a.name === 'offload')).toMatchObject({ ran: false });
    const out = 'hosts/hv1/uname.r.out';
    expect(r.value.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ host: 'hv1', file: out, damage: 'missing' })]));
    expect(r.value.findings.filter((f) => f.id === 'C8' && f.severity !== 'pass').map((f) => [f.host, f.subject])).toEqual([['hv1', out]]);
  });
});

describe('doctor on outputs collected intact but unreadable (empty, cut short, garbage): every check still appears', () => {
  const key = (f: Finding) => `${f.id} ${f.host ?? '-'}`;

  it('hv1 with an empty Interface listing, a cut-short Open_vSwitch listing and an unparseable flow line: D4/D5/D7-D10/D12/D16 are n/a naming the file; C6 says re-collect for the cut-short ones', async () => {
    const intact = await runDoctor({ snapshot: copyFixture('l3-acl'), severity: 'n-a' });
    const dir = copyFixture('l3-acl');
    rewriteCollectedOutput(dir, 'hosts/hv1/ovs-vsctl.list.Interface.out', '');
    rewriteCollectedOutput(dir, 'hosts/hv1/ovs-vsctl.list.Open_vSwitch.out', '{"garbage":\n');
    const dump = 'hosts/hv1/ovs-ofctl.dump-flows.br-int.out';
    rewriteCollectedOutput(dir, dump, `${readFileSync(join(dir, dump), 'utf8')} cookie=0x0, duration=1.000s, table=zz, n_packets=0, n_bytes=0, priority=1 actions=drop\n`);
    const r = await runDoctor({ snapshot: dir, severity: 'n-a' });
    expect(intact.ok && r.ok).toBe(true);
    if (!intact.ok || !r.ok) return;
    // The digests match: this is not C8's "changed after collection".
    expect(r.value.findings.filter((f) => f.id === 'C8').map((f) => f.severity)).toEqual(['pass']);

    // Every health check the intact copy reports about hv1 is still reported about hv1.
    const before = intact.value.findings.filter((f) => /^D\d+$/.test(f.id) && f.host === 'hv1').map(key);
    const after = new Set(r.value.findings.map(key));
    expect(before.length).toBeGreaterThan(5);
    expect(before.filter((k) => !after.has(k))).toEqual([]);

    const hv1 = (id: string) => r.value.findings.filter((f) => f.id === id && f.host === 'hv1');
    for (const id of ['D4', 'D5', 'D12']) {
      expect(hv1(id).map((f) => f.severity), id).toEqual(['n-a']);
      expect(hv1(id)[0]!.message, id).toMatch(/not checked on hv1, its input hosts\/hv1\/ovs-vsctl\.list\.Interface\.out could not be read: empty output/);
    }
    for (const id of ['D7', 'D8', 'D9', 'D10', 'D16']) {
      expect(hv1(id).map((f) => f.severity), id).toEqual(['n-a']);
      expect(hv1(id)[0]!.message, id).toMatch(/its input hosts\/hv1\/ovs-vsctl\.list\.Open_vSwitch\.out \(line 2\) could not be read: JSON: unexpected end of input/);
    }
    // hv2 is untouched: still checked.
    expect(r.value.findings.find((f) => f.id === 'D7' && f.host === 'hv2')?.severity).toBe('pass');

    // C6: a cut-short or empty output is a collection problem (collect again); a line the parser does not understand is a parser bug (report it).
    const c6 = (file: string) => r.value.findings.find((f) => f.id === 'C6' && f.subject === file)!;
    for (const file of ['hosts/hv1/ovs-vsctl.list.Interface.out', 'hosts/hv1/ovs-vsctl.list.Open_vSwitch.out']) {
      expect(c6(file).fix, file).toMatch(/empty or cut short — a collection problem .*collect again/);
      expect(c6(file).fix, file).not.toMatch(/report/);
    }
    expect(c6(dump).message).toContain('table=zz');
    expect(c6(dump).fix).toMatch(/please report it/);
  });
});

describe('doctor on an incomplete snapshot exits 3, not 0 ("doctor && echo healthy" must not pass it)', () => {
  /** l3-acl as an interrupted collection leaves it: hv2's dump-flows never finished (no file, status timeout). */
  function interrupted(): string {
    const dir = copyFixture('l3-acl');
    const file = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8')) as { complete: boolean; interrupted: boolean; missing: string[]; hosts: { name: string; commands: Record<string, unknown>[] }[] };
    const hv2 = m.hosts.find((h) => h.name === 'hv2')!;
    hv2.commands = hv2.commands.map((c) => (c['id'] === 'ovs-ofctl.dump-flows.br-int' ? { ...c, status: 'timeout', exitCode: null, file: undefined, bytes: 0, sha256: undefined, error: 'interrupted' } : c));
    rmSync(join(dir, 'hosts/hv2/ovs-ofctl.dump-flows.br-int.out'));
    Object.assign(m, { complete: false, interrupted: true, missing: ['host hv2: ovs-ofctl.dump-flows.br-int timeout (interrupted)', 'collection interrupted by the user (Ctrl-C)'] });
    writeFileSync(file, JSON.stringify(m, null, 2));
    return dir;
  }

  it('no check fails, but hv2\'s flow table was never read: exit 3, the summary says what is missing; --host hv1 alone is complete for hv1 but the interruption still counts', async () => {
    const dir = interrupted();
    // flows, on the same snapshot, exits 3 for the missing dump: doctor agrees.
    expect((await ovnscope(['flows', '-s', dir, '--host', 'hv2'])).code).toBe(3);
    const t = await ovnscope(['doctor', '-s', dir]);
    expect(t.code, t.stderr).toBe(3);
    expect(t.stdout).toContain('INCOMPLETE: no check failed, but the snapshot is incomplete, so not everything was checked (exit status 3)');
    expect(t.stdout).toContain('  host hv2: ovs-ofctl.dump-flows.br-int timeout (interrupted)');
    expect(t.stdout).not.toContain('no check failed\n');
    const j = await ovnscope(['doctor', '-s', dir, '--json']);
    expect(j.code).toBe(3);
    const v = JSON.parse(j.stdout) as DoctorResult;
    expect(v.failed).toBe(false);
    expect(v.incomplete).toEqual(['host hv2: ovs-ofctl.dump-flows.br-int timeout (interrupted)', 'collection interrupted by the user (Ctrl-C)']);
    // Only hv1: hv2's gap is not hv1's, the interrupted collection is everyone's.
    const only = await runDoctor({ snapshot: dir, hosts: ['hv1'] });
    expect(only.ok && only.value.incomplete).toEqual(['collection interrupted by the user (Ctrl-C)']);
    // The intact fixture: complete, exit 0.
    const intact = await runDoctor({ snapshot: copyFixture('l3-acl') });
    expect(intact.ok && intact.value.incomplete).toEqual([]);
  });

  it('a failing check still exits 1 on an incomplete snapshot (a finding outranks the gap), and the gap is still listed', async () => {
    const dir = interrupted();
    // hv1's tunnel to hv2 removed: D10 fails on hv1.
    const ifaces = 'hosts/hv1/ovs-vsctl.list.Interface.out';
    const listing = JSON.parse(readFileSync(join(dir, ifaces), 'utf8')) as { headings: string[]; data: unknown[][] };
    const typeAt = listing.headings.indexOf('type');
    rewriteCollectedOutput(dir, ifaces, JSON.stringify({ ...listing, data: listing.data.filter((r) => r[typeAt] !== 'geneve') }));
    const t = await ovnscope(['doctor', '-s', dir]);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain('FAILED: at least one check failed (exit status 1)');
    expect(t.stdout).toMatch(/missing from the snapshot \(the checks did not see everything\):\n {2}host hv2: ovs-ofctl\.dump-flows\.br-int timeout/);
  });
});
