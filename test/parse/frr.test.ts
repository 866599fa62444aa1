import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ecmpPaths,
  isLocalPath,
  parseBfdCounters,
  parseBfdPeers,
  parseBgpNeighbors,
  parseBgpPrefix,
  parseBgpRib,
  parseBgpSummary,
  parseFrrVersion,
  parseRunningConfig,
  parseZebraRoutes,
  readJson,
  requiresPolicy,
} from '../../src/parse/frr.js';

const dir = resolve(import.meta.dirname, '../fixtures/frr');
const fx = (rel: string) => readFileSync(join(dir, rel), 'utf8');
const lab = (state: string, file: string) => fx(`lab/${state}/${file}`);

describe('readJson (lenient, with line positions)', () => {
  it('repairs the trailing comma of FRR issue #2567 with a warning that names the line', () => {
    const text = fx('public/live-show-bgp-summary-json-INVALID-trailing-comma-frr-issue2567.txt');
    expect(() => JSON.parse(text.replace(/^#.*\n/gm, ''))).toThrow();
    const r = readJson(text, 'x.txt');
    expect(r.value).toBeDefined();
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0]!;
    expect(d).toMatchObject({ severity: 'warning', file: 'x.txt', excerpt: '},' });
    expect(d.message).toMatch(/trailing comma/);
    expect(text.split('\n')[d.line! - 1]!.trim()).toBe('},');
  });

  it('records the line of every key', () => {
    const text = lab('healthy', 'hv1.show_bgp_summary_json.txt');
    const doc = readJson(text).value!;
    const peers = ((doc.value as Record<string, Record<string, unknown>>).ipv4Unicast!.peers as Record<string, Record<string, unknown>>)!;
    const line = doc.lineOf(peers['10.0.2.0'], 'state')!;
    expect(text.split('\n')[line - 1]).toContain('"state":"Established"');
    expect(text.split('\n')[doc.lineOf(peers, '10.0.9.9')! - 1]).toContain('"10.0.9.9"');
  });

  it('turns truncation and garbage into errors, vtysh "%" lines into warnings, and never throws', () => {
    expect(readJson('{"a": [1, 2').diagnostics[0]).toMatchObject({ severity: 'error', message: expect.stringMatching(/truncated/) });
    expect(readJson('{"a" 1}').value).toBeUndefined();
    expect(readJson('').diagnostics[0]!.message).toMatch(/empty output/);
    const pct = readJson('% Unknown command: show nexthop-group rib json\n');
    expect(pct.value).toBeUndefined();
    expect(pct.diagnostics[0]!.message).toMatch(/vtysh said: % Unknown command/);
    expect(readJson('{} trailing').diagnostics[0]!.message).toMatch(/ignored/);
    expect(readJson('[' .repeat(5000)).diagnostics[0]!.message).toMatch(/nesting deeper/);
    // __proto__ keys are data, never prototypes (objects have none).
    const p = readJson('{"__proto__": {"polluted": true}}').value!.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(p)).toBe(null);
    expect(Object.prototype.hasOwnProperty.call(p, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads what JSON.parse reads (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v, null, 1);
        const r = readJson(text);
        expect(r.diagnostics).toEqual([]);
        expect(r.value!.value).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });
});

describe('show bgp … summary json', () => {
  it('reads the default-VRF AF map (show bgp summary json) of the healthy lab', () => {
    const r = parseBgpSummary(lab('healthy', 'hv1.show_bgp_summary_json.txt'));
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.shape).toBe('afi-map');
    const af = r.value!.afs[0]!;
    expect(af).toMatchObject({ vrf: 'default', afi: 'ipv4Unicast', routerId: '192.168.100.1', as: 65101, multiPathRelax: true });
    expect(af.peers.map((p) => [p.peer, p.hostname, p.state, p.peerState, p.pfxRcd, p.pfxSnt])).toEqual([
      ['10.0.1.0', 'tor1', 'Established', 'OK', 1, 2],
      ['10.0.2.0', 'tor2', 'Established', 'OK', 1, 2],
      ['10.0.9.9', undefined, 'Active', 'OK', 0, 0],
    ]);
    expect(af.peers[2]!.peerUptime).toBe('never');
  });

  it('reads the inner object (show bgp ipv4 unicast summary json)', () => {
    const r = parseBgpSummary(lab('healthy', 'hv1.show_bgp_ipv4_unicast_summary_json.txt'));
    expect(r.value!.shape).toBe('afi');
    expect(r.value!.afs[0]!.peers).toHaveLength(3);
  });

  it('reads "show bgp vrf all summary json" with several VRFs and AFs', () => {
    const r = parseBgpSummary(fx('public/bgp_l3vpn_hidden-pe1-show-bgp-vrf-all-summary-json.txt'));
    expect(r.value!.shape).toBe('vrf-all');
    expect(r.value!.afs.map((a) => `${a.vrf}/${a.afi}/${a.peers.map((p) => p.peer).join(',')}`)).toEqual([
      'default/ipv4Vpn/192.168.0.101',
      'default/ipv6Vpn/3fff::192:168:0:101',
      'RED/ipv4Unicast/172.16.1.254',
      'RED/ipv6Unicast/3fff:1::ff',
    ]);
  });

  it('shows the pitfall of the link-down lab: uptime counts the downtime, the old epoch stays', () => {
    const p = parseBgpSummary(lab('tor2-link-down', 'hv1.show_bgp_summary_json.txt')).value!.afs[0]!.peers.find((x) => x.peer === '10.0.2.0')!;
    expect(p).toMatchObject({ state: 'Active', peerUptime: '00:00:04', connectionsDropped: 1, pfxRcd: 0 });
    expect(p.peerUptimeEstablishedEpoch).toBe(1795249402);
  });

  it('reads peerState Policy, Idle (Admin), Idle (PfxCt) and the 2018 field names', () => {
    const policy = parseBgpSummary(lab('hv2-policy-missing', 'hv2.show_bgp_summary_json.txt')).value!.afs[0]!.peers;
    expect(policy.map((p) => [p.state, p.peerState, p.pfxRcd, p.pfxSnt])).toEqual([
      ['Established', 'Policy', 0, 0],
      ['Established', 'Policy', 0, 0],
    ]);
    expect(parseBgpSummary(fx('public/live-show-ip-bgp-summary-json-idle-admin-frr-pr7594.txt')).value!.afs[0]!.peers[0]!.state).toBe('Idle (Admin)');
    const pfx = parseBgpSummary(fx('public/live-show-bgp-summary-json-INVALID-trailing-comma-frr-issue2567.txt'));
    expect(pfx.value!.afs[0]).toMatchObject({ vrf: 'default', peers: [{ peer: '192.0.5.1', state: 'Idle (PfxCt)', pfxRcd: 3 }] });
  });

  it('reads topotest expectations (subsets of the real output)', () => {
    for (const f of ['bfd_topo1-r1-show-ip-bgp-summary-json.txt', 'bgp_confed1-r1-show-ip-bgp-summary-json.txt', 'bgp_features-r1-show-ip-bgp-summary-json.txt']) {
      const r = parseBgpSummary(fx(`public/${f}`));
      expect(r.diagnostics.filter((d) => d.severity === 'error'), f).toEqual([]);
      expect(r.value!.afs.flatMap((a) => a.peers).length, f).toBeGreaterThan(0);
    }
  });

  it('gives an empty list for "{}" (BGP not configured)', () => {
    expect(parseBgpSummary('{}\n').value).toEqual({ shape: 'afi-map', afs: [] });
  });
});

describe('show bgp neighbors json', () => {
  it('reads reset reasons, timers, prefix counters and BFD', () => {
    const r = parseBgpNeighbors(lab('healthy', 'hv1.show_bgp_neighbors_json.txt'));
    expect(r.diagnostics).toEqual([]);
    const n = r.value!;
    expect(n.map((x) => [x.peer, x.bgpState])).toEqual([
      ['10.0.1.0', 'Established'],
      ['10.0.2.0', 'Established'],
      ['10.0.9.9', 'Active'],
    ]);
    expect(n[0]).toMatchObject({ hostname: 'tor1', lastResetDueTo: 'Waiting for peer OPEN', lastResetCode: 32, hostLocal: '10.0.1.1', holdTimeMsecs: 9000, bfd: { status: 'Up', detectMultiplier: 3 } });
    expect(n[0]!.afs.ipv4Unicast).toMatchObject({ acceptedPrefixCounter: 1, sentPrefixCounter: 2 });
  });
});

describe('BGP table and per-prefix detail', () => {
  it('reads the RIB: best path, multipath, local path', () => {
    const rib = parseBgpRib(lab('healthy', 'hv1.show_bgp_ipv4_unicast_json.txt')).value!;
    expect(rib).toMatchObject({ routerId: '192.168.100.1', localAs: 65101 });
    const local = rib.routes.find((r) => r.prefix === '192.168.100.1/32')!;
    expect(local.paths.every(isLocalPath)).toBe(true);
    const remote = rib.routes.find((r) => r.prefix === '192.168.100.2/32')!;
    // The table marks the best path only as best, the other one as multipath: ECMP width 2.
    expect(remote.paths.map((p) => [p.peerId, p.best, p.multipath])).toEqual([
      ['10.0.2.0', false, true],
      ['10.0.1.0', true, false],
    ]);
    expect(ecmpPaths(remote.paths)).toHaveLength(2);
  });

  it('reads the per-prefix view: advertisedTo, every ECMP member marked multipath, the overall best', () => {
    const d = parseBgpPrefix(lab('healthy', 'hv1.show_bgp_ipv4_unicast_192.168.100.2_32_json.txt')).value!;
    expect(d.present).toBe(true);
    expect(d.advertisedTo.map((a) => [a.peer, a.hostname])).toEqual([
      ['10.0.1.0', 'tor1'],
      ['10.0.2.0', 'tor2'],
    ]);
    expect(d.paths.map((p) => [p.peerId, p.asPath, p.multipath, p.best])).toEqual([
      ['10.0.2.0', '65002 65102', true, false],
      ['10.0.1.0', '65001 65102', true, true],
    ]);
    const down = parseBgpPrefix(lab('tor2-link-down', 'hv1.show_bgp_ipv4_unicast_192.168.100.2_32_json.txt')).value!;
    expect(ecmpPaths(down.paths)).toHaveLength(1);
    expect(parseBgpPrefix('{}').value).toMatchObject({ present: false, paths: [] });
  });
});

describe('zebra routes (show ip route json)', () => {
  it('reads next hops with their fib flag and the installed group', () => {
    const r = parseZebraRoutes(lab('nhg-desync-after-flap', 'hv1.show_ip_route_192.168.100.2_32_json.txt')).value!;
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ prefix: '192.168.100.2/32', protocol: 'bgp', selected: true, installed: true, installedNexthopGroupId: 14 });
    expect(r[0]!.nexthops.map((n) => [n.ip, n.interfaceName, n.fib])).toEqual([
      ['10.0.1.0', 'eth0', true],
      ['10.0.2.0', 'eth1', true],
    ]);
  });

  it('gives [] for "{}" (route absent) and reads whole tables', () => {
    expect(parseZebraRoutes(lab('hv2-policy-missing', 'hv1.show_ip_route_192.168.100.2_32_json.txt')).value).toEqual([]);
    const t = parseZebraRoutes(lab('healthy', 'hv1.show_ip_route_json.txt')).value!;
    expect(t.map((x) => `${x.prefix} ${x.protocol}`)).toContain('192.168.100.2/32 bgp');
    for (const f of ['bfd_topo2-r1-show-ip-route-json.txt', 'bgp_features-r1-show-ip-route-json.txt', 'bfd_static_vrf-r1-show-ip-route-vrf-default-json.txt']) {
      const r = parseZebraRoutes(fx(`public/${f}`));
      expect(r.diagnostics.filter((d) => d.severity === 'error'), f).toEqual([]);
      expect(r.value!.length, f).toBeGreaterThan(0);
    }
  });
});

describe('BFD', () => {
  it('reads peers up and down with diagnostics', () => {
    const up = parseBfdPeers(lab('healthy', 'hv1.show_bfd_peers_json.txt')).value!;
    expect(up.map((p) => [p.peer, p.interface, p.status, p.uptime])).toEqual([
      ['10.0.1.0', 'eth0', 'up', 15],
      ['10.0.2.0', 'eth1', 'up', 15],
    ]);
    const down = parseBfdPeers(lab('tor2-link-down', 'hv1.show_bfd_peers_json.txt')).value!.find((p) => p.peer === '10.0.2.0')!;
    expect(down).toMatchObject({ status: 'down', downtime: 4, diagnostic: 'control detection time expired' });
    const topo3 = parseBfdPeers(fx('public/bfd_topo3-r4-show-bfd-peers-json.txt')).value!;
    expect(topo3.map((p) => [p.peer, p.multihop])).toContainEqual(['2001:db8:1::1', true]);
  });

  it('reads counters', () => {
    const c = parseBfdCounters(lab('healthy', 'hv1.show_bfd_peers_counters_json.txt')).value!;
    expect(c.map((x) => [x.peer, x.sessionUp, x.sessionDown, x.controlPacketInput])).toEqual([
      ['10.0.1.0', 1, 0, 57],
      ['10.0.2.0', 1, 0, 57],
    ]);
  });
});

describe('show version and show running-config', () => {
  it('reads the version and the ECMP width zebra was built for', () => {
    const v = parseFrrVersion(lab('healthy', 'hv1.show_version.txt')).value!;
    expect(v).toMatchObject({ version: '8.4.4', hostname: 'vm', multipath: 256 });
    expect(parseFrrVersion('% Unknown command').value).toBeUndefined();
  });

  it('reads router bgp: multipath-relax, policy, maximum-paths, networks and neighbors with peer-groups', () => {
    const text = `Building configuration...

Current configuration:
!
frr version 8.4.4
frr defaults datacenter
hostname hv1
!
router bgp 65101
 bgp router-id 192.168.100.1
 bgp ebgp-requires-policy
 bgp bestpath as-path multipath-relax
 neighbor UPLINKS peer-group
 neighbor UPLINKS bfd
 neighbor 10.0.1.0 remote-as 65001
 neighbor 10.0.1.0 peer-group UPLINKS
 neighbor 10.0.2.0 remote-as 65002
 neighbor 10.0.2.0 shutdown
 !
 address-family ipv4 unicast
  network 192.168.100.1/32
  neighbor UPLINKS route-map TEP-OUT out
  maximum-paths 4
 exit-address-family
exit
!
router bgp 65101 vrf red
exit
!
bfd
 profile fast
  receive-interval 100
 exit
exit
!
end
`;
    const r = parseRunningConfig(text);
    expect(r.diagnostics).toEqual([]);
    const cfg = r.value!;
    expect(cfg).toMatchObject({ frrVersion: '8.4.4', defaultsProfile: 'datacenter', hostname: 'hv1', bfdProfiles: ['fast'] });
    expect(cfg.routers.map((x) => [x.asn, x.vrf])).toEqual([
      ['65101', 'default'],
      ['65101', 'red'],
    ]);
    const b = cfg.routers[0]!;
    expect(b).toMatchObject({ routerId: '192.168.100.1', multipathRelax: true, ebgpRequiresPolicy: true, maximumPaths: { ipv4Unicast: { value: 4, line: 23 } }, networks: [{ prefix: '192.168.100.1/32', afi: 'ipv4Unicast' }] });
    expect(requiresPolicy(cfg, b)).toBe(true);
    expect(requiresPolicy(cfg, cfg.routers[1]!)).toBe(false);
    const n1 = b.neighbors.find((x) => x.name === '10.0.1.0')!;
    expect(n1).toMatchObject({ remoteAs: '65001', peerGroup: 'UPLINKS', bfd: true, routeMapOut: { ipv4Unicast: 'TEP-OUT' }, shutdown: false });
    expect(b.neighbors.find((x) => x.name === '10.0.2.0')).toMatchObject({ shutdown: true, bfd: false });
  });
});

describe('every FRR parser on random and truncated input (property)', () => {
  const parsers = [parseBgpSummary, parseBgpNeighbors, parseBgpRib, parseBgpPrefix, parseZebraRoutes, parseBfdPeers, parseBfdCounters, parseFrrVersion, parseRunningConfig] as const;
  const files = ['lab', 'public'].flatMap((d) => {
    const base = join(dir, d);
    return readdirSync(base, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  });
  const texts = files.map((f) => readFileSync(f, 'utf8'));

  it('never throws on a truncated fixture', () => {
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(...parsers), (text, cut, parse) => {
        const r = (parse as (t: string) => { diagnostics: readonly unknown[] })(text.slice(0, Math.floor(text.length * cut)));
        expect(Array.isArray(r.diagnostics)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random text or random JSON', () => {
    const json = fc.jsonValue().map((v) => JSON.stringify(v));
    const mutated = fc.tuple(fc.constantFrom(...texts), fc.nat(), fc.string({ maxLength: 5 })).map(([t, at, s]) => t.slice(0, at % (t.length + 1)) + s + t.slice(at % (t.length + 1)));
    fc.assert(
      fc.property(fc.oneof(fc.string(), json, mutated), fc.constantFrom(...parsers), (text, parse) => {
        (parse as (t: string) => unknown)(text);
      }),
      { numRuns: 1000 },
    );
  });
});
