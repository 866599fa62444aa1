import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/model/manifest.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { pack } from '../../src/services/fixture.js';
import { runDoctor } from '../../src/services/doctor.js';
import { traceHost, type SimTraceResult } from '../../src/sim/index.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { unpackFixture, type FixtureInfo } from '../../src/snapshot/pack.js';

const root = resolve(import.meta.dirname, '../..');
const fixture = join(root, 'fixtures/lb-nat-3chassis');

function ovnscope(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'bin/run.js'), ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

async function readFixtureJson(file: string): Promise<FixtureInfo> {
  let text = '';
  await tar.list({ file, onReadEntry: (e) => (e.path.endsWith('FIXTURE.json') ? e.on('data', (c: Buffer) => (text += c.toString())) : e.resume()) });
  return JSON.parse(text) as FixtureInfo;
}

async function load(path: string): Promise<Snapshot> {
  const r = await loadSnapshot(path);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A TCP packet from a1 (hv1) to lr0-ext's address 172.16.0.10, whose gateway port is on hv3. */
const A1_TO_GATEWAY = 'in_port="a1",tcp,dl_src=0a:00:02:01:00:11,dl_dst=0a:00:02:ff:01:01,nw_src=10.2.1.11,nw_dst=172.16.0.10,nw_ttl=64,tp_src=40000,tp_dst=80';

/** Traces on hv1, then continues on the chassis the tunnel leads to, as the packet would arrive there. */
function traceAcross(s: Snapshot): { first: SimTraceResult; second: SimTraceResult; chassis: string } {
  const hv1 = s.hosts.find((h) => h.name === 'hv1')!;
  const t1 = traceHost(hv1, 'br-int', A1_TO_GATEWAY, { ctNext: ['trk,new'] });
  if (!t1.ok) throw new Error(t1.error.message);
  const out = t1.value.outputs.find((o) => o.kind === 'tunnel');
  if (!out?.tunnel?.chassis) throw new Error(`no tunnel output: ${t1.value.verdict}`);
  const remote = s.hosts.find((h) => h.chassis === out.tunnel!.chassis);
  if (!remote) throw new Error(`chassis ${out.tunnel.chassis} is not in the snapshot`);
  const tunnel = remote.bridges.find((b) => b.name === 'br-int')!.ports.find((p) => p.role.kind === 'tunnel' && p.role.remoteChassis === 'hv1')!;
  const keep = out.packet.split(',').filter((kv) => /^(ip|tcp|udp|icmp|dl_src|dl_dst|nw_src|nw_dst|nw_ttl|nw_tos|nw_ecn|tp_src|tp_dst|tcp_flags|vlan_tci)(=|$)/.test(kv));
  const flow = [`in_port=${tunnel.ofport}`, `tun_id=${out.tunnel.tunId}`, `tun_src=${hv1.encapIp}`, `tun_dst=${out.tunnel.remoteIp}`, `tun_metadata0=${out.tunnel.metadata0}`, ...keep].join(',');
  const t2 = traceHost(remote, 'br-int', flow, { ctNext: ['trk,new'] });
  if (!t2.ok) throw new Error(`${flow}: ${t2.error.message}`);
  return { first: t1.value, second: t2.value, chassis: remote.name };
}

const view = (r: SimTraceResult) => ({ verdict: r.verdict, outputs: r.outputs.map((o) => [o.port, o.kind, o.tunnel?.chassis ?? null, o.packet]), drops: r.hops.map((h) => (h.drop ? [h.drop.table, h.drop.priority, h.drop.reason] : null)) });

describe('fixture pack --only-path', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ovnscope-only-path-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('keeps only the hosts on the path (source, destination, gateways) and records the scope in the manifest and FIXTURE.json', async () => {
    const out = join(work, 'a1-gw.tar.gz');
    const r = await pack({ snapshot: fixture, out, onlyPath: { from: 'a1', to: '172.16.0.10' } });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.hosts).toEqual(['hv1', 'hv3']);
    expect(r.value.pathScope).toMatchObject({ from: 'a1', to: '172.16.0.10', hosts: ['hv1', 'hv3'], hostsInSource: 3, by: 'ovnscope fixture pack --only-path', missing: [] });
    expect(r.value.pathScope!.chassis.map((c) => [c.chassis, c.roles, c.host])).toEqual([
      ['hv1', ['source'], 'hv1'],
      ['hv3', ['gateway'], 'hv3'],
    ]);
    expect(await readFixtureJson(out)).toMatchObject({ hosts: ['hv1', 'hv3'], pathScope: { from: 'a1', to: '172.16.0.10', hosts: ['hv1', 'hv3'] } });

    const unpacked = join(work, 'a1-gw');
    const u = await unpackFixture(out, unpacked);
    expect(u.ok).toBe(true);
    const m = JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8')) as Manifest;
    expect(m.hosts.map((h) => h.name)).toEqual(['hv1', 'hv3']);
    expect(m.options['pathScope']).toMatchObject({ from: 'a1', to: '172.16.0.10' });
    // The NB/SB stay whole: every SB chassis and binding, also those of hv2.
    const s = await load(unpacked);
    const original = await load(fixture);
    expect(s.sb!.chassis.length).toBe(3);
    expect(s.sb!.portBindings.length).toBe(original.sb!.portBindings.length);
    expect(s.nb!.switchPorts.length).toBe(original.nb!.switchPorts.length);
  });

  it('the packed fixture traces the path like the full snapshot: hv1, through the tunnel, into hv3', async () => {
    const out = join(work, 'trace.tar.gz');
    const r = await pack({ snapshot: fixture, out, onlyPath: { from: 'a1', to: '172.16.0.10' } });
    if (!r.ok) throw new Error(r.error.message);
    const packed = traceAcross(await load(out));
    const full = traceAcross(await load(fixture));
    expect(packed.first.verdict).toBe('tunnel');
    expect(packed.chassis).toBe('hv3');
    expect(view(packed.first)).toEqual(view(full.first));
    expect(view(packed.second)).toEqual(view(full.second));
  });

  it('a path inside one host keeps that host only', async () => {
    const r = await pack({ snapshot: fixture, out: join(work, 'a1-a2.tar.gz'), onlyPath: { from: 'a1', to: 'a2' } });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.hosts).toEqual(['hv1']);
    expect(r.value.pathScope!.chassis.map((c) => [c.chassis, c.roles])).toEqual([['hv1', ['source', 'destination']]]);
  });

  it('redacts the scope like the rest and still verifies; doctor reads the pack as path-scoped', async () => {
    const out = join(work, 'red.tar.gz');
    const r = await pack({ snapshot: fixture, out, onlyPath: { from: 'a1', to: '172.16.0.10' }, redact: { keyFile: join(work, 'site.key') } });
    if (!r.ok) throw new Error(r.error.message);
    // Host names follow the source snapshot's order (hv1 → host-1, hv3 → host-3), as for --hosts.
    expect(r.value.hosts).toEqual(['host-1', 'host-3']);
    const info = await readFixtureJson(out);
    expect(info.redacted).toBe(true);
    expect(info.pathScope!.from).toBe('a1');
    expect(info.pathScope!.to).not.toBe('172.16.0.10');
    expect(info.pathScope!.to).toMatch(/^172\.(1[6-9]|2\d|3[01])\.\d+\.\d+$/);
    expect(info.pathScope!.hosts).toEqual(['host-1', 'host-3']);
    expect(JSON.stringify(info)).not.toMatch(/\bhv[123]\b|172\.16\.0\.10\b|192\.168\.0\./);
    const d = await runDoctor({ snapshot: out, severity: 'info' });
    if (!d.ok) throw new Error(d.error.message);
    expect(d.value.scope).toEqual({ from: 'a1', to: info.pathScope!.to, by: 'pack', hosts: ['host-1', 'host-3'], of: 3 });
    expect(d.value.findings.find((f) => f.id === 'C7')!.message).toMatch(/^path-scoped fixture: only the 2 hosts on the path/);
    expect(d.value.failed).toBe(false);
  });

  it('from the command line: prints the path; refuses --hosts with --only-path, unknown endpoints, and --only-path without --to', async () => {
    const ok = await ovnscope(['fixture', 'pack', 'fixtures/lb-nat-3chassis', '-o', join(work, 'cli.tar.gz'), '--only-path', '--from', 'a1', '--to', '172.16.0.10']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('path a1 → 172.16.0.10: kept 2 of 3 hosts (hv1 source, hv3 gateway); NB/SB whole');
    const both = await ovnscope(['fixture', 'pack', 'fixtures/lb-nat-3chassis', '-o', join(work, 'x.tar.gz'), '--hosts', 'hv1', '--only-path', '--from', 'a1', '--to', 'a2']);
    expect(both.code).toBe(2);
    const unknown = await ovnscope(['fixture', 'pack', 'fixtures/lb-nat-3chassis', '-o', join(work, 'y.tar.gz'), '--only-path', '--from', 'a9', '--to', 'a2']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--from a9: no logical port.*did you mean/s);
    const half = await ovnscope(['fixture', 'pack', 'fixtures/lb-nat-3chassis', '-o', join(work, 'z.tar.gz'), '--only-path', '--from', 'a1']);
    expect(half.code).toBe(2);
  });
});
