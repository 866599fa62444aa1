import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MtuAuditResult } from '../../src/services/mtu.js';
import { central, interfaces, mtuFixture, openVswitch, routes, snapshotDir } from './builder.js';
import { runCli } from '../harness/cli.js';
import { expectFixOnEveryNonPass } from '../harness/findings.js';
import { copyFixture } from '../harness/fixture-copy.js';
import { addHostOutput } from '../harness/fixture-outputs.js';


const ovnscope = (...args: string[]) => runCli(args, { env: { NO_COLOR: '1' } });

describe('ovnscope mtu (CLI)', () => {
  const dirs: string[] = [];
  // The OpenStack compute capture (public-data) with this test's route toward the other chassis.
  const snap = (mtu: number) => {
    const d = snapshotDir(
      {
        compute1: {
          'ovs-vsctl.list.Open_vSwitch': openVswitch('compute1', '192.168.100.1'),
          'ovs-vsctl.list.Interface': interfaces([
            { name: 'tap704a9e45-54', externalIds: { 'iface-id': 'vm-port' }, mtu: 1442 },
            { name: 'ovn-compu2-0', type: 'geneve', options: { remote_ip: '192.168.100.2' } },
          ]),
          'ip.link': mtuFixture('openstack-ovn-compute.ip-link.json'),
          'ip.route': routes({ dst: '192.168.100.2', gateway: '10.10.0.254', dev: 'eth1', protocol: 'static' }),
        },
      },
      central({
        switches: [{ name: 'net1', ports: ['vm-port'], externalIds: { 'neutron:mtu': String(mtu) } }],
        switchPorts: [{ name: 'vm-port' }],
        chassis: [
          { name: 'compute1', encaps: [{ ip: '192.168.100.1' }] },
          { name: 'compute2', encaps: [{ ip: '192.168.100.2' }] },
        ],
        bindings: [{ port: 'vm-port', chassis: 'compute1' }],
      }),
    );
    dirs.push(d);
    return d;
  };
  let ok1442: string;
  let bad1443: string;
  beforeAll(() => {
    ok1442 = snap(1442);
    bad1443 = snap(1443);
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('--all: the pair table, the network table and the overhead breakdown; exit 0 at 1442, 1 at 1443', async () => {
    const good = await ovnscope('mtu', '--snapshot', ok1442, '--all');
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('GENEVE overhead O = 58 B = 14 inner Ethernet + 8 GENEVE + 8 OVN option + 8 UDP + 20 IPv4 (IPv4 underlay)');
    expect(good.stdout).toMatch(/compute1 .*compute2 .*192\.168\.100\.2 .*1\/1 via 10\.10\.0\.254 dev eth1: 1500 \(eth1\) .*1500 .*1442/);
    expect(good.stdout).toMatch(/Smallest underlay: 1500 \(compute1 → compute2\) → the largest network MTU every pair carries is 1442/);
    const bad = await ovnscope('mtu', '--snapshot', bad1443, '--all');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL MTU-H1 network net1: M_net 1443 \+ O 58 = 1501 does not fit/);
    expect(bad.stdout).toMatch(/FAIL MTU-H4 compute1 eth1 .*mtu 1500 < 1501/);
  });

  it('--json carries the hop rows, the overhead parts and the pairs', async () => {
    const r = await ovnscope('mtu', '--snapshot', bad1443, '--all', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as MtuAuditResult;
    expect(j.mode).toBe('all');
    expect(j.cluster!.overhead).toMatchObject({ family: 'inet', total: 58 });
    expect(j.cluster!.overhead.parts.map((p) => p.bytes)).toEqual([14, 8, 8, 8, 20]);
    expect(j.cluster!.pairs[0]).toMatchObject({ host: 'compute1', toChassis: 'compute2', underlay: 1500, maxInner: 1442 });
    const eth1 = j.cluster!.rows.find((x) => x.subject === 'eth1')!;
    expect(eth1).toMatchObject({ hop: 'H4', role: 'nic', mtu: 1500, required: 1501, maxInner: 1442, severity: 'fail', evidence: { file: 'hosts/compute1/ip.link.out', line: 6 } });
    expect(j.counts.fail).toBeGreaterThan(0);
    expectFixOnEveryNonPass(j.findings);
  });

  it('path mode on the bundled l3-acl fixture (no kernel views): resolves the ends, says the underlay is unknown', async () => {
    const r = await ovnscope('mtu', '--snapshot', 'fixtures/l3-acl', '--from', 'web1', '--to', 'db1', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as MtuAuditResult;
    expect(j.resolved).toMatchObject({ datapaths: ['web', 'lr0', 'db'], chassis: [{ chassis: 'hv1', roles: ['source'] }, { chassis: 'hv2', roles: ['destination'] }] });
    expect(j.path!.largestInner).toBeUndefined();
    expect(j.path!.notes[0]).toMatch(/largest packet is unknown/);
    expectFixOnEveryNonPass(j.findings);
    expect(j.path!.rows.map((x) => `${x.hop} ${x.side} ${x.subject}`)).toEqual([
      'H0 source tapweb1',
      'H1 network web (logical switch)',
      'H1 network db (logical switch)',
      'H2 source br-int',
      'H3 source ovn-hv2-0',
      'H4 source route to 192.168.0.2',
      'H3 destination ovn-hv1-0',
      'H4 destination route to 192.168.0.1',
      'H0 destination tapdb1',
    ]);
    // --mtu 1400: the dummy VIFs at 1500 are bigger than the network: H0 fails, exit 1.
    const m = await ovnscope('mtu', '--snapshot', 'fixtures/l3-acl', '--from', 'web1', '--to', 'db1', '--mtu', '1400');
    expect(m.code).toBe(1);
    expect(m.stdout).toMatch(/FAIL MTU-H0 hv1 tapweb1 \(web1\): OVS Interface tapweb1 \(type dummy\) mtu 1500 > network MTU 1400/);
  });

  it('path mode: an egress device listing collected but unreadable (empty ip -j link) is called damaged, with the file and why, not "not collected"', async () => {
    const dir = copyFixture('l3-acl');
    addHostOutput(dir, 'hv1', 'ip.link', { argv: ['ip', '-j', '-d', 'link'], out: '' });
    const r = await ovnscope('mtu', '--snapshot', dir, '--from', 'web1', '--to', 'db1', '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as MtuAuditResult;
    expect(j.path!.largestInner).toBeUndefined();
    expect(j.path!.notes[0]).toMatch(/largest packet is unknown: the egress MTU of at least one tunnel on the path was collected but cannot be read — damaged: hosts\/hv1\/ip\.link\.out:1: empty output/);
    expect(j.path!.notes.join('\n')).not.toMatch(/was not collected/);
    expectFixOnEveryNonPass(j.findings);
    const t = await ovnscope('mtu', '--snapshot', dir, '--from', 'web1', '--to', 'db1');
    expect(t.stdout).toContain('Largest inner packet: unknown (an egress MTU on the path is unknown; see the notes)');
    expect(t.stdout).toContain('damaged: hosts/hv1/ip.link.out');
    // --all (doctor's MTU audit): hv1's tunnels are n/a, saying why, not left out.
    const all = JSON.parse((await ovnscope('mtu', '--snapshot', dir, '--all', '--json')).stdout) as MtuAuditResult;
    const hv1 = all.findings.filter((f) => f.host === 'hv1' && (f.id === 'MTU-H3' || f.id === 'MTU-H4') && /damaged/.test(f.message));
    expect(hv1.map((f) => `${f.severity} ${f.id}`)).toEqual(['n-a MTU-H3', 'n-a MTU-H4']);
    expect(hv1[1]!.message).toMatch(/^not checked on hv1: collected but cannot be read — damaged: hosts\/hv1\/ip\.link\.out:1: empty output/);
    expect(hv1[1]!.evidence[0]!.file).toBe('hosts/hv1/ip.link.out');
    expectFixOnEveryNonPass(all.findings);
  });

  it('path mode: a route listing collected but not valid JSON makes H4 n/a as damaged (the file and why, route checks n/a), not "not collected"', async () => {
    const dir = copyFixture('l3-acl');
    // Cut mid-object, as a full disk or a killed ip would leave it; the manifest agrees with the file, so only the parse sees the damage.
    addHostOutput(dir, 'hv1', 'ip.route', { argv: ['ip', '-j', 'route', 'show', 'table', 'all'], out: '[{"dst":"192.168.0.0/24","dev"\n' });
    const r = await ovnscope('mtu', '--snapshot', dir, '--from', 'web1', '--to', 'db1', '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as MtuAuditResult;
    const h4 = j.findings.filter((f) => f.id === 'MTU-H4' && f.host === 'hv1');
    expect(h4.map((f) => `${f.severity} ${f.subject}`)).toEqual(['n-a hv1 → 192.168.0.2']);
    expect(h4[0]!.message).toMatch(/^egress toward 192\.168\.0\.2 unknown: kernel routes \(ip -j route\) collected on hv1 but cannot be read — damaged: hosts\/hv1\/ip\.route\.out:\d+: .*the route checks toward it are n\/a/);
    expect(h4[0]!.message).not.toMatch(/not collected on hv1/);
    expect(h4[0]!.evidence[0]!.file).toBe('hosts/hv1/ip.route.out');
    expect(h4[0]!.fix).toMatch(/^collect again \(or get an intact copy of the snapshot\)/);
    // hv2 collected no routes at all: its H4 still says so.
    expect(j.findings.find((f) => f.id === 'MTU-H4' && f.host === 'hv2')!.message).toMatch(/kernel routes \(ip -j route\) not collected on hv2/);
    expectFixOnEveryNonPass(j.findings);
  });

  it('usage errors exit 2 and say what to give', async () => {
    const none = await ovnscope('mtu', '--snapshot', ok1442);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give --from A --to B .* or --all/);
    expect((await ovnscope('mtu', '--snapshot', ok1442, '--from', 'vm-port')).code).toBe(2);
    const unknown = await ovnscope('mtu', '--snapshot', 'fixtures/l3-acl', '--from', 'web9', '--to', 'db1');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--from web9: no logical port/);
    expect((await ovnscope('mtu', '--snapshot', ok1442, '--all', '--host', 'nope')).code).toBe(2);
  });
  it('north-south: the end outside the overlay is named by its address in both directions, never "undefined"', async () => {
    const out = await ovnscope('mtu', '--snapshot', 'fixtures/lb-nat-3chassis', '--from', 'a1', '--to', '8.8.8.8', '--mtu', '1400');
    expect(out.stdout.split('\n')[0]).toBe('MTU a1 on hv1 → 8.8.8.8 (outside the overlay) — fixtures/lb-nat-3chassis');
    const back = await ovnscope('mtu', '--snapshot', 'fixtures/lb-nat-3chassis', '--from', '8.8.8.8', '--to', 'a1', '--mtu', '1400');
    expect(back.stdout.split('\n')[0]).toBe('MTU 8.8.8.8 (outside the overlay) → a1 on hv1 — fixtures/lb-nat-3chassis');
  });

  it('no rendered text of any mode prints undefined, NaN or [object Object]', async () => {
    const runs = [
      ['mtu', '--snapshot', 'fixtures/lb-nat-3chassis', '--from', 'a1', '--to', '8.8.8.8', '--mtu', '1400'],
      ['mtu', '--snapshot', 'fixtures/lb-nat-3chassis', '--from', '8.8.8.8', '--to', 'a1'],
      ['mtu', '--snapshot', 'fixtures/lb-nat-3chassis', '--from', 'a1', '--to', 'a2'],
      ['mtu', '--snapshot', 'fixtures/lb-nat-3chassis', '--all', '--switch-mtu', '1400', '--switch-mtu-semantics', 'l2'],
      ['mtu', '--snapshot', 'fixtures/l3-acl', '--all'],
      ['mtu', '--snapshot', ok1442, '--all', '--mtu', '1400', '--switch-mtu', '1400'],
      ['mtu', '--snapshot', bad1443, '--from', 'vm-port', '--to', '192.168.100.2'],
      ['offload', '--snapshot', 'fixtures/lb-nat-3chassis'],
      ['bgp', '--snapshot', 'fixtures/lb-nat-3chassis'],
      ['doctor', '--snapshot', 'fixtures/lb-nat-3chassis', '--severity', 'n-a'],
      ['doctor', '--snapshot', ok1442, '--severity', 'n-a'],
    ];
    for (const args of runs) {
      const r = await ovnscope(...args);
      expect(r.stdout.length, args.join(' ')).toBeGreaterThan(0);
      expect(r.stdout, args.join(' ')).not.toMatch(/undefined|NaN|\[object /);
    }
  });
});
