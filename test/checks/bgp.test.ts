import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkBgp, type BgpReport } from '../../src/checks/bgp.js';
import type { Manifest, ManifestCommand } from '../../src/model/manifest.js';
import type { OvsInterface } from '../../src/model/ovs.js';
import type { SbEncap } from '../../src/model/ovn.js';
import { FRR_IDS, KERNEL_IDS, loadBgp, type TunnelSide } from '../../src/snapshot/load-bgp.js';
import type { SnapshotSource } from '../../src/snapshot/reader.js';

const dir = resolve(import.meta.dirname, '../fixtures/frr');
const LAB = (state: string, file: string) => `lab/${state}/${file}`;

/** command id → fixture path, inline text (an edited copy of a capture), or a failed status. */
type HostFiles = Record<string, string | { text: string } | { status: ManifestCommand['status']; error?: string }>;

/** A snapshot made of fixture files: command id → fixture path (or a failed status). */
function source(hosts: Record<string, HostFiles>): SnapshotSource {
  const manifest = {
    format: 'ovnscope-snapshot',
    formatVersion: 1,
    hosts: Object.entries(hosts).map(([name, files]) => ({
      name,
      transport: 'local',
      wrapper: [],
      status: 'ok',
      bridges: [],
      commands: Object.entries(files).map(([id, f]) =>
        typeof f === 'string' || 'text' in f
          ? { id, argv: [], executed: ['vtysh', '-c', id], required: false, status: 'ok', exitCode: 0, durationMs: 1, file: `hosts/${name}/${id}.out`, bytes: 1 }
          : { id, argv: [], executed: ['vtysh', '-c', id], required: false, status: f.status, exitCode: f.status === 'unavailable' ? 127 : 1, durationMs: 1, bytes: 0, error: f.error },
      ),
    })),
  } as unknown as Manifest;
  return {
    dir: '/fixtures',
    manifest,
    hostOutput: async (host, id) => {
      const cmd = manifest.hosts.find((h) => h.name === host)?.commands.find((c) => c.id === id);
      const f = hosts[host]?.[id];
      if (!cmd || f === undefined || (typeof f !== 'string' && !('text' in f))) return undefined;
      return { file: cmd.file!, text: typeof f === 'string' ? readFileSync(join(dir, f), 'utf8') : f.text, command: cmd, sha256: '' };
    },
    centralOutput: async () => undefined,
    hostStderr: async () => undefined,
  };
}

async function audit(hosts: Record<string, HostFiles>, options: { expectedUplinks?: number; overlayMtu?: number; tunnel?: TunnelSide } = {}): Promise<BgpReport & { diagnostics: string[] }> {
  const bgp = await loadBgp(source(hosts));
  const report = checkBgp({ bgp, snapshot: options.tunnel }, { expectedUplinks: options.expectedUplinks ?? 2, overlayMtu: options.overlayMtu });
  // DESIGN.md: every Finding carries a fix hint — checked on every scenario of this file.
  expect(report.findings.filter((f) => f.severity !== 'pass' && !f.fix?.trim()).map((f) => `${f.id} ${f.severity} ${f.host} ${f.subject}: ${f.message}`), 'findings without a fix').toEqual([]);
  expect(report.findings.filter((f) => f.severity === 'pass' && f.fix).map((f) => `${f.id} ${f.subject}`), 'a pass has nothing to fix').toEqual([]);
  return { ...report, diagnostics: bgp.diagnostics.map((d) => `${d.severity} ${d.file}:${d.line} ${d.message}`) };
}

const pick = (r: BgpReport, id: string, host: string, subject?: string) => r.findings.filter((f) => f.id === id && f.host === host && (subject === undefined || f.subject.includes(subject)));
const sev = (r: BgpReport, id: string, host: string, subject?: string) => pick(r, id, host, subject).map((f) => f.severity);

const healthyHv1: HostFiles = {
  [FRR_IDS.version]: LAB('healthy', 'hv1.show_version.txt'),
  [FRR_IDS.summary]: LAB('healthy', 'hv1.show_bgp_summary_json.txt'),
  [FRR_IDS.neighbors]: LAB('healthy', 'hv1.show_bgp_neighbors_json.txt'),
  [FRR_IDS.rib]: LAB('healthy', 'hv1.show_bgp_ipv4_unicast_json.txt'),
  [FRR_IDS.routes]: LAB('healthy', 'hv1.show_ip_route_json.txt'),
  [FRR_IDS.bfdPeers]: LAB('healthy', 'hv1.show_bfd_peers_json.txt'),
  [FRR_IDS.bfdCounters]: LAB('healthy', 'hv1.show_bfd_peers_counters_json.txt'),
  [FRR_IDS.bgpPrefix('192.168.100.2')]: LAB('healthy', 'hv1.show_bgp_ipv4_unicast_192.168.100.2_32_json.txt'),
  [FRR_IDS.routePrefix('192.168.100.2')]: LAB('healthy', 'hv1.show_ip_route_192.168.100.2_32_json.txt'),
  [KERNEL_IDS.addr]: LAB('iproute', 'hv1.ip_-j_addr_show.json'),
  [KERNEL_IDS.link]: LAB('iproute', 'hv1.ip_-j_-d_link_show.json'),
};

describe('B1–B14 on the FRR 8.4.4 lab captures', () => {
  it('healthy: both ToR sessions, BFD and ECMP pass; the stale 10.0.9.9 neighbor fails B1; the legs differ in MTU', async () => {
    const r = await audit({ hv1: healthyHv1 });
    expect(r.diagnostics).toEqual([]);
    expect(sev(r, 'B1', 'hv1', '10.0.1.0')).toEqual(['pass']);
    expect(sev(r, 'B1', 'hv1', '10.0.2.0')).toEqual(['pass']);
    const stale = pick(r, 'B1', 'hv1', '10.0.9.9')[0]!;
    expect(stale).toMatchObject({ severity: 'fail', message: 'not Established: state Active, never came up; last reset: Waiting for NHT' });
    expect(stale.evidence[0]).toMatchObject({ file: 'hosts/hv1/frr.bgp-summary.out', excerpt: '"state":"Active",' });
    expect(readFileSync(join(dir, healthyHv1[FRR_IDS.summary] as string), 'utf8').split('\n')[stale.evidence[0]!.line! - 1]!.trim()).toBe('"state":"Active",');
    expect(sev(r, 'B2', 'hv1')).toEqual(['pass', 'pass', 'n-a']);
    expect(pick(r, 'B3', 'hv1')[0]).toMatchObject({ severity: 'pass', message: '2 of 2 expected uplinks Established (tor1, tor2)' });
    expect(sev(r, 'B4', 'hv1')).toEqual(['pass', 'pass']);
    expect(pick(r, 'B5', 'hv1')[0]).toMatchObject({ severity: 'pass', subject: 'local TEP 192.168.100.1/32' });
    expect(pick(r, 'B6', 'hv1')[0]).toMatchObject({ severity: 'pass', subject: 'TEP 192.168.100.2/32 (192.168.100.2)', message: 'installed via 2 ECMP next hops: 10.0.1.0 on eth0, 10.0.2.0 on eth1' });
    expect(sev(r, 'B7', 'hv1')).toEqual(['n-a']);
    expect(pick(r, 'B8', 'hv1')[0]).toMatchObject({ severity: 'pass', message: expect.stringContaining('multipath-relax on') });
    expect(sev(r, 'B9', 'hv1', '10.0.1.0')).toEqual(['pass']);
    expect(sev(r, 'B10', 'hv1', '10.0.1.0')).toEqual(['pass']);
    expect(sev(r, 'B11', 'hv1', '10.0.1.0')).toEqual(['pass']);
    // eth0 9000 vs eth1 1500: flows hashed onto eth1 get the smaller path MTU.
    expect(pick(r, 'B14', 'hv1')[0]).toMatchObject({ severity: 'warn', message: expect.stringContaining('eth0 9000, eth1 1500') });
    expect(r.matrix.rows[0]).toMatchObject({ host: 'hv1', localTep: '192.168.100.1', cells: [{ tep: '192.168.100.2', status: 'ecmp', uplinks: ['eth0', 'eth1'] }] });
    expect(r.sessions.map((s) => [s.peer, s.interface, s.uptime, s.bfd?.status])).toEqual([
      ['10.0.1.0', 'eth0', '00:00:16', 'up'],
      ['10.0.2.0', 'eth1', '00:00:16', 'up'],
      ['10.0.9.9', undefined, undefined, undefined],
    ]);
  });

  it('B14 against an overlay MTU: 1442 fits both legs, 1500 does not fit eth1', async () => {
    expect(sev(await audit({ hv1: healthyHv1 }, { overlayMtu: 1442 }), 'B14', 'hv1')).toEqual(['pass']);
    const r = await audit({ hv1: healthyHv1 }, { overlayMtu: 1500 });
    expect(pick(r, 'B14', 'hv1')[0]).toMatchObject({ severity: 'fail', message: expect.stringContaining('eth1 1500') });
  });

  it('tor2 link down: session Active (uptime not shown), BFD down with its diagnostic, one next hop left', async () => {
    const r = await audit({
      hv1: {
        [FRR_IDS.summary]: LAB('tor2-link-down', 'hv1.show_bgp_summary_json.txt'),
        [FRR_IDS.bfdPeers]: LAB('tor2-link-down', 'hv1.show_bfd_peers_json.txt'),
        [FRR_IDS.bgpPrefix('192.168.100.2')]: LAB('tor2-link-down', 'hv1.show_bgp_ipv4_unicast_192.168.100.2_32_json.txt'),
        [FRR_IDS.routePrefix('192.168.100.2')]: LAB('tor2-link-down', 'hv1.show_ip_route_192.168.100.2_32_json.txt'),
        [KERNEL_IDS.addr]: LAB('iproute', 'hv1.ip_-j_addr_show.json'),
      },
    });
    expect(pick(r, 'B1', 'hv1', '10.0.2.0')[0]).toMatchObject({ severity: 'fail', message: 'not Established: state Active for 00:00:04', fix: expect.stringContaining('"show interface eth1"') });
    expect(pick(r, 'B9', 'hv1', '10.0.2.0')[0]).toMatchObject({ severity: 'fail', message: 'BFD down for 4 s; diagnostic: control detection time expired' });
    expect(pick(r, 'B9', 'hv1', '10.0.2.0')[0]!.evidence.map((e) => e.excerpt)).toEqual(['"status":"down",', '"diagnostic":"control detection time expired",']);
    expect(pick(r, 'B3', 'hv1')[0]).toMatchObject({ severity: 'warn', message: expect.stringContaining('only 1 of 2') });
    expect(pick(r, 'B6', 'hv1')[0]).toMatchObject({ severity: 'warn', message: expect.stringContaining('10.0.1.0 on eth0') });
    expect(pick(r, 'B10', 'hv1', '10.0.2.0')[0]).toMatchObject({ severity: 'warn', message: expect.stringContaining('currently Active') });
    const s = r.sessions.find((x) => x.peer === '10.0.2.0')!;
    expect(s).toMatchObject({ established: false, uptime: undefined, downFor: '00:00:04', bfd: { status: 'down', diagnostic: 'control detection time expired' } });
    expect(r.matrix.rows[0]!.cells[0]).toMatchObject({ status: 'single', uplinks: ['eth0'] });
  });

  it('--expected-uplinks 1 accepts a single-homed host', async () => {
    const r = await audit({ hv1: { [FRR_IDS.summary]: LAB('tor2-link-down', 'hv1.show_bgp_summary_json.txt'), [FRR_IDS.routePrefix('192.168.100.2')]: LAB('tor2-link-down', 'hv1.show_ip_route_192.168.100.2_32_json.txt') } }, { expectedUplinks: 1 });
    expect(sev(r, 'B3', 'hv1')).toEqual(['pass']);
    expect(sev(r, 'B6', 'hv1')).toEqual(['pass']);
  });

  it('eBGP policy missing on hv2: Established but Policy, nothing sent or received; hv1 has no route to hv2', async () => {
    const r = await audit({
      hv1: { [FRR_IDS.summary]: LAB('hv2-policy-missing', 'hv1.show_bgp_summary_json.txt'), [FRR_IDS.routePrefix('192.168.100.2')]: LAB('hv2-policy-missing', 'hv1.show_ip_route_192.168.100.2_32_json.txt') },
      hv2: { [FRR_IDS.summary]: LAB('hv2-policy-missing', 'hv2.show_bgp_summary_json.txt') },
    });
    expect(sev(r, 'B1', 'hv2')).toEqual(['pass', 'pass']);
    const b2 = pick(r, 'B2', 'hv2');
    expect(b2.map((f) => f.severity)).toEqual(['fail', 'fail']);
    expect(b2[0]!.message).toMatch(/^peerState Policy: eBGP-requires-policy \(RFC 8212\) with no route-map in\/out — Established but nothing is exchanged \(pfxRcd 0, pfxSnt 0\)$/);
    expect(b2[0]!.fix).toContain('route-map');
    expect(sev(r, 'B4', 'hv2')).toEqual(['fail', 'fail']);
    expect(sev(r, 'B11', 'hv2')).toEqual(['fail', 'fail']);
    // hv1 is Established with both ToRs and advertises its TEP: it has a path through each, so nothing received is a failure.
    expect(pick(r, 'B11', 'hv2')[0]!.message).toMatch(/^receives nothing on an Established session \(pfxRcd 0; 1 remote TEP expected through tor1\)$/);
    const b6 = pick(r, 'B6', 'hv1')[0]!;
    expect(b6).toMatchObject({ severity: 'fail', subject: 'TEP 192.168.100.2/32 (192.168.100.2)' });
    expect(b6.evidence[0]).toMatchObject({ file: 'hosts/hv1/frr.ip-route-prefix.192.168.100.2.out', excerpt: '{}' });
    expect(r.matrix.rows.find((x) => x.host === 'hv1')!.cells[0]!.status).toBe('missing');
    // hv1's own peers are fine, but tor2's session dropped once before.
    expect(sev(r, 'B10', 'hv1', '10.0.2.0')).toEqual(['warn']);
  });

  it('FRR lost the /32 but the kernel still holds it: a stale route (B7), not a less specific one', async () => {
    // hv2-policy-missing's `show ip route 192.168.100.2/32 json` = {} on hv1, with the kernel table of the healthy lab (which still has the /32).
    const kernel = readFileSync(join(dir, 'snapshots/healthy/hosts/hv1/ip.route.out'), 'utf8');
    const hv1 = (routes: string): HostFiles => ({ ...healthyHv1, [FRR_IDS.routePrefix('192.168.100.2')]: LAB('hv2-policy-missing', 'hv1.show_ip_route_192.168.100.2_32_json.txt'), [KERNEL_IDS.route]: { text: routes } });
    const r = await audit({ hv1: hv1(kernel) });
    const b6 = pick(r, 'B6', 'hv1', '192.168.100.2')[0]!;
    expect(b6).toMatchObject({ severity: 'fail', message: expect.stringContaining('the kernel still holds 192.168.100.2/32 via 10.0.1.0 dev eth0, via 10.0.2.0 dev eth1 proto bgp') });
    expect(b6.message).not.toMatch(/less specific/);
    expect(b6.evidence[1]!.excerpt).toContain('"dst":"192.168.100.2"');
    expect(pick(r, 'B7', 'hv1', '192.168.100.2')[0]).toMatchObject({ severity: 'fail', message: expect.stringMatching(/^FRR and the kernel disagree: FRR has no route to 192.168.100.2\/32/), fix: expect.stringContaining('ip route del 192.168.100.2/32') });
    expect(r.matrix.rows[0]!.cells.find((c) => c.tep === '192.168.100.2')).toMatchObject({ status: 'missing', agree: false, fallback: undefined, kernelLegs: [{ via: '10.0.1.0', interface: 'eth0' }, { via: '10.0.2.0', interface: 'eth1' }] });
    // Without the /32 in the kernel, a default route is what the traffic leaks through.
    const leaked = await audit({ hv1: hv1('[{"dst":"default","gateway":"172.16.0.1","dev":"mgmt0","protocol":"static","flags":[]}]\n') });
    expect(pick(leaked, 'B6', 'hv1', '192.168.100.2')[0]).toMatchObject({ severity: 'fail', message: expect.stringContaining('the kernel would use 0.0.0.0/0 via 172.16.0.1 dev mgmt0') });
    expect(pick(leaked, 'B6', 'hv1', '192.168.100.2')[0]!.message).toMatch(/leaks via a less specific route/);
    expect(pick(leaked, 'B7', 'hv1', '192.168.100.2')).toEqual([]);
  });

  it('B5 says why an originated TEP reaches no uplink: no session up, or none of the listed peers is an Established uplink', async () => {
    const H = 'snapshots/healthy/hosts/hv2/';
    const prefix = readFileSync(join(dir, `${H}frr.bgp-prefix.192.168.100.2.out`), 'utf8');
    const hv2 = (files: HostFiles): HostFiles => ({ [FRR_IDS.bgpPrefix('192.168.100.2')]: `${H}frr.bgp-prefix.192.168.100.2.out`, [KERNEL_IDS.addr]: `${H}ip.addr.out`, ...files });
    // hv2's uplink sessions replaced by the issue-2567 capture (one peer, "Idle (PfxCt)"): advertisedTo still lists tor1 and tor2.
    const down = pick(await audit({ hv2: hv2({ [FRR_IDS.summary]: 'public/live-show-bgp-summary-json-INVALID-trailing-comma-frr-issue2567.txt' }) }), 'B5', 'hv2')[0]!;
    expect(down).toMatchObject({ severity: 'fail', message: 'originated by BGP, but no uplink session is Established (B1, B3), so no ToR learns it (advertisedTo lists 10.0.3.0, 10.0.4.0, none of which is an Established uplink)', fix: 'bring the uplink sessions up (see B1)' });
    // Both sessions Established (healthy capture) but advertisedTo names another peer.
    const other = pick(await audit({ hv2: hv2({ [FRR_IDS.summary]: `${H}frr.bgp-summary.out`, [FRR_IDS.bgpPrefix('192.168.100.2')]: { text: prefix.replace('"10.0.3.0":', '"10.0.9.9":').replace(/"10\.0\.4\.0":\{\s*"hostname":"tor2"\s*\},?/, '') } }) }), 'B5', 'hv2')[0]!;
    expect(other).toMatchObject({ severity: 'fail', message: 'originated by BGP, but not advertised to any Established uplink (tor1, tor2; advertisedTo lists 10.0.9.9, none of which is an Established uplink)' });
    expect(other.message).not.toMatch(/advertised to no uplink \(advertisedTo/);
  });

  it('next-hop-group desync: FRR reports 2 fib next hops, the kernel group holds 1 → B7 fails with both sides as evidence', async () => {
    const r = await audit({
      hv1: {
        [FRR_IDS.version]: LAB('nhg-desync-after-flap', 'hv1.show_version.txt'),
        [FRR_IDS.routePrefix('192.168.100.2')]: LAB('nhg-desync-after-flap', 'hv1.show_ip_route_192.168.100.2_32_json.txt'),
        [KERNEL_IDS.route]: LAB('nhg-desync-after-flap', 'hv1.ip_-j_route_show.json'),
        [KERNEL_IDS.nexthop]: LAB('nhg-desync-after-flap', 'hv1.ip_-j_nexthop_show.json'),
      },
    });
    const b7 = pick(r, 'B7', 'hv1')[0]!;
    expect(b7.severity).toBe('fail');
    expect(b7.message).toBe('FRR and the kernel disagree: FRR has 2 next hops marked fib (10.0.1.0 eth0, 10.0.2.0 eth1, NHG 14), the kernel forwards over 1 (10.0.1.0 eth0, nhid 14 → 15)');
    expect(b7.evidence.map((e) => e.file)).toEqual(['hosts/hv1/frr.ip-route-prefix.192.168.100.2.out', 'hosts/hv1/ip.route.out', 'hosts/hv1/ip.nexthop.out']);
    expect(b7.evidence[2]!.excerpt).toBe('{"id":14,"group":[{"id":15}],"protocol":"zebra","flags":[]}');
    expect(b7.fix).toContain('#18374');
    expect(r.matrix.rows[0]!.cells[0]).toMatchObject({ status: 'ecmp', agree: false, kernelLegs: [{ via: '10.0.1.0', interface: 'eth0' }] });
  });

  it('reads the invalid trailing-comma summary with a warning and still judges the peer', async () => {
    const r = await audit({ sw01: { [FRR_IDS.summary]: 'public/live-show-bgp-summary-json-INVALID-trailing-comma-frr-issue2567.txt' } });
    expect(r.diagnostics).toEqual([expect.stringMatching(/^warning hosts\/sw01\/frr.bgp-summary.out:32 invalid JSON: trailing comma/)]);
    expect(pick(r, 'B1', 'sw01')[0]).toMatchObject({ severity: 'fail', message: expect.stringContaining('Idle (PfxCt)') });
    // PfxCt = maximum-prefix exceeded (FRR holds the session down itself): the advice is the limit and a clear, not the link.
    const b1 = pick(r, 'B1', 'sw01')[0]!;
    expect(b1.message).toMatch(/more prefixes than "neighbor 192.0.5.1 maximum-prefix" allows/);
    expect(b1.fix).toMatch(/maximum-prefix/);
    expect(b1.fix).toMatch(/clear bgp 192.0.5.1/);
    expect(b1.fix).not.toMatch(/ip link|show interface/);
    expect(sev(r, 'B2', 'sw01')).toEqual(['n-a']);
    expect(pick(r, 'B3', 'sw01')[0]).toMatchObject({ severity: 'fail', message: expect.stringContaining('0 of 2') });
  });

  it('each FSM state FRR prints gets its own advice, and an unknown interface is never printed empty', async () => {
    // The issue-2567 capture with its state edited to the other strings FRR 8.4 bgp_vty.c prints (bgp_status_msg).
    const capture = readFileSync(join(dir, 'public/live-show-bgp-summary-json-INVALID-trailing-comma-frr-issue2567.txt'), 'utf8');
    const withState = async (state: string) => {
      const r = await audit({ sw01: { [FRR_IDS.summary]: { text: capture.replace('"state":"Idle (PfxCt)"', `"state":"${state}"`) } } });
      return pick(r, 'B1', 'sw01')[0]!;
    };
    for (const state of ['Idle', 'Connect', 'Active']) {
      const f = await withState(state);
      expect(f).toMatchObject({ severity: 'fail', message: expect.stringContaining(`state ${state}`) });
      // No local interface known for 192.0.5.1 (no neighbors, BFD or routes collected): name the peer instead.
      expect(f.fix).toMatch(/ip route get 192.0.5.1/);
      expect(f.fix).not.toMatch(/show interface\s*"/);
      expect(f.fix).not.toMatch(/maximum-prefix/);
    }
    expect((await withState('OpenSent')).fix).toMatch(/OPEN exchange does not complete: compare remote-as, router-id/);
    expect((await withState('OpenConfirm')).fix).toMatch(/OPEN exchange/);
    expect((await withState('Clearing')).fix).toMatch(/being reset or removed right now/);
    expect((await withState('Idle (Admin)')).fix).toMatch(/no neighbor 192.0.5.1 shutdown.*no bgp shutdown/);
    // FRR 8.4 "show bgp neighbors json" for a held-down peer (bgp_vty.c: prefixesConfigExceedMax, restartInTimerMsec with "maximum-prefix N restart M").
    const r = await audit({
      sw01: {
        [FRR_IDS.summary]: { text: capture.replace('"state":"Idle (PfxCt)"', '"state":"Idle"') },
        [FRR_IDS.neighbors]: { text: '{"192.0.5.1":{"remoteAs":1000,"bgpState":"Idle","lastResetDueTo":"Reached received prefix count","prefixesConfigExceedMax":true,"reducePrefixNumFrom":true,"restartInTimerMsec":42000}}' },
      },
    });
    const f = pick(r, 'B1', 'sw01')[0]!;
    expect(f.message).toMatch(/maximum-prefix" allows .*FRR restarts it in 42 s/);
    expect(f.fix).toMatch(/clear bgp 192.0.5.1/);
  });

  it('a shut neighbor ("Idle (Admin)") fails B1 with the "no neighbor … shutdown" fix', async () => {
    const r = await audit({ spine1: { [FRR_IDS.summary]: 'public/live-show-ip-bgp-summary-json-idle-admin-frr-pr7594.txt' } });
    expect(pick(r, 'B1', 'spine1')[0]).toMatchObject({ severity: 'fail', message: 'administratively shut down (state "Idle (Admin)")', fix: expect.stringContaining('no neighbor 192.168.0.1 shutdown') });
  });
});

describe('hosts without FRR', () => {
  it('says "no FRR data for host X" (n/a, not a failure) and why', async () => {
    const r = await audit({
      hv1: healthyHv1,
      hv8: { [FRR_IDS.version]: { status: 'unavailable', error: 'vtysh is not installed on hv8' }, [FRR_IDS.summary]: { status: 'unavailable', error: 'vtysh is not installed on hv8' } },
      hv9: { [FRR_IDS.version]: { status: 'failed', error: 'exit code 1: Exiting: failed to connect to any daemons.' } },
      old: { 'ovs-vsctl.version': { status: 'failed' } },
    });
    expect(pick(r, 'B1', 'hv8')).toMatchObject([{ severity: 'n-a', subject: 'FRR', message: 'no FRR data for host hv8: vtysh is not installed on hv8' }]);
    expect(pick(r, 'B1', 'hv9')[0]!.message).toBe('no FRR data for host hv9: vtysh failed: exit code 1: Exiting: failed to connect to any daemons.');
    expect(pick(r, 'B1', 'old')[0]!.message).toContain('FRR was not collected on this host');
    expect(r.findings.filter((f) => f.host === 'hv8').map((f) => f.id)).toEqual(['B1']);
    expect(r.hosts.find((h) => h.host === 'hv9')).toMatchObject({ frr: { available: false } });
    expect(r.matrix.rows.find((x) => x.host === 'hv9')!.cells.every((c) => c.status === 'no-data')).toBe(true);
  });
});

describe('the OVS side: local TEP, chassis names, tunnel egress (B12) and tunnel BFD (B13)', () => {
  const iface = (o: Partial<OvsInterface>): OvsInterface => ({ options: {}, externalIds: {}, status: {}, bfd: {}, bfdStatus: {}, otherConfig: {}, statistics: {}, type: 'geneve', ...o }) as OvsInterface;
  const tunnel: TunnelSide = {
    hosts: [
      {
        name: 'hv1',
        chassis: 'chassis-1',
        encapIp: '192.168.100.1',
        interfaces: [
          iface({ name: 'ovn-chassis-2-0', remoteIp: '192.168.100.2', tunnelEgressIface: 'eth0', bfd: { enable: 'true' }, bfdStatus: { state: 'up', forwarding: 'true' } }),
          iface({ name: 'ovn-chassis-3-0', remoteIp: '192.168.100.3', tunnelEgressIface: 'mgmt0', bfd: { enable: 'true' }, bfdStatus: { state: 'down', forwarding: 'false', diagnostic: 'Control Detection Time Expired' } }),
        ],
      },
    ],
    sb: {
      encaps: [
        { ip: '192.168.100.1', chassisName: 'chassis-1', type: 'geneve' },
        { ip: '192.168.100.2', chassisName: 'chassis-2', type: 'geneve' },
        { ip: '192.168.100.3', chassisName: 'chassis-3', type: 'geneve' },
      ] as SbEncap[],
    },
  };

  it('names TEPs by chassis, checks every SB TEP, and judges the geneve ports', async () => {
    const r = await audit({ hv1: healthyHv1 }, { tunnel });
    expect(r.matrix.teps.map((t) => [t.ip, t.name, t.host ?? null])).toEqual([
      ['192.168.100.1', 'hv1', 'hv1'],
      ['192.168.100.2', 'chassis-2', null],
      ['192.168.100.3', 'chassis-3', null],
    ]);
    expect(pick(r, 'B6', 'hv1', 'chassis-2')[0]!.severity).toBe('pass');
    // chassis-3's TEP is in the SB but hv1 has no route: missing, and the tunnel leaks via mgmt0.
    expect(pick(r, 'B6', 'hv1', 'chassis-3')[0]).toMatchObject({ severity: 'fail', subject: 'TEP 192.168.100.3/32 (chassis-3)' });
    expect(pick(r, 'B12', 'hv1')[0]).toMatchObject({ severity: 'fail', message: expect.stringContaining('ovn-chassis-3-0 → mgmt0 (remote 192.168.100.3)') });
    expect(pick(r, 'B13', 'hv1')[0]).toMatchObject({ severity: 'fail', message: 'tunnel BFD down on ovn-chassis-3-0 (remote 192.168.100.3)' });
    expect(pick(r, 'B11', 'hv1', '10.0.1.0')[0]).toMatchObject({ severity: 'warn', message: expect.stringContaining('192.168.100.3 (chassis-3)') });
  });

  it('is n/a without OVS data', async () => {
    const r = await audit({ hv1: healthyHv1 });
    expect(pick(r, 'B12', 'hv1')[0]).toMatchObject({ severity: 'n-a', message: 'no OVS data for this host' });
    expect(sev(r, 'B13', 'hv1')).toEqual(['n-a']);
  });
});

describe('robustness (property)', () => {
  it('never throws, whatever subset of outputs is there and however each one is cut', async () => {
    const ids = Object.keys(healthyHv1);
    const texts = new Map(ids.map((id) => [id, readFileSync(join(dir, healthyHv1[id] as string), 'utf8')]));
    await fc.assert(
      fc.asyncProperty(fc.subarray(ids), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: ids.length, maxLength: ids.length }), fc.integer({ min: 1, max: 4 }), async (present, cuts, expectedUplinks) => {
        const src = source({ hv1: Object.fromEntries(present.map((id) => [id, healthyHv1[id]!])) });
        const cut: SnapshotSource = {
          ...src,
          hostOutput: async (host, id, diagnostics) => {
            const out = await src.hostOutput(host, id, diagnostics);
            if (!out) return undefined;
            const t = texts.get(id)!;
            return { ...out, text: t.slice(0, Math.floor(t.length * cuts[ids.indexOf(id)]!)) };
          },
        };
        const r = checkBgp({ bgp: await loadBgp(cut) }, { expectedUplinks });
        for (const f of r.findings) expect(['pass', 'info', 'warn', 'fail', 'n-a']).toContain(f.severity);
      }),
      { numRuns: 200 },
    );
  });
});
