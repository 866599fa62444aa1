import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bondSlaves,
  deviceOfAddress,
  ipv4InPrefix,
  lookupIpv4,
  lowerChain,
  normalizePrefix,
  parseIpAddrs,
  parseIpLinks,
  parseIpNexthops,
  parseIpRoutes,
  resolveNexthop,
  routeLegs,
  tableName,
} from '../../src/parse/iproute.js';

const dir = resolve(import.meta.dirname, '../fixtures/frr/lab');
const fx = (rel: string) => readFileSync(join(dir, rel), 'utf8');

describe('ip -j -d link show', () => {
  it('reads MTU, kind, veth peers in other namespaces, carrier', () => {
    const r = parseIpLinks(fx('iproute/hv1.ip_-j_-d_link_show.json'));
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.map((l) => [l.ifname, l.mtu, l.kind, l.linkNetnsid, l.carrier])).toEqual([
      ['lo', 65536, undefined, undefined, true],
      ['eth0', 9000, 'veth', 0, true],
      ['eth1', 1500, 'veth', 1, true],
    ]);
    expect(r.value![1]).toMatchObject({ linkType: 'ether', operstate: 'UP', minMtu: 68, maxMtu: 65535, adminUp: true, gsoMaxSize: 65536, numTxQueues: 2 });
  });

  it('follows VLAN → bond → slaves, and reads bridge ports and bond slave state', () => {
    const text = JSON.stringify([
      { ifindex: 2, ifname: 'ens1f0', flags: ['BROADCAST', 'MULTICAST', 'SLAVE', 'UP', 'LOWER_UP'], mtu: 9000, master: 'bond0', operstate: 'UP', linkinfo: { info_slave_kind: 'bond', info_slave_data: { state: 'ACTIVE', mii_status: 'UP' } }, parentbus: 'pci', parentdev: '0000:3b:00.0' },
      { ifindex: 3, ifname: 'ens1f1', flags: ['BROADCAST', 'MULTICAST', 'SLAVE', 'UP', 'NO-CARRIER'], mtu: 9000, master: 'bond0', operstate: 'DOWN', linkinfo: { info_slave_kind: 'bond', info_slave_data: { state: 'BACKUP', mii_status: 'DOWN' } } },
      { ifindex: 4, ifname: 'bond0', flags: ['BROADCAST', 'MULTICAST', 'MASTER', 'UP', 'LOWER_UP'], mtu: 9000, linkinfo: { info_kind: 'bond', info_data: { mode: '802.3ad', miimon: 100, xmit_hash_policy: 'layer3+4' } } },
      { ifindex: 5, link: 'bond0', ifname: 'bond0.100', flags: ['UP', 'LOWER_UP'], mtu: 8950, linkinfo: { info_kind: 'vlan', info_data: { protocol: '802.1Q', id: 100 } } },
      { ifindex: 6, ifname: 'br-ex', flags: ['UP'], mtu: 1500, linkinfo: { info_kind: 'bridge' } },
      { ifindex: 7, ifname: 'veth1', link: 'veth0', master: 'br-ex', flags: ['UP', 'LOWER_UP'], mtu: 1500, linkinfo: { info_kind: 'veth', info_slave_kind: 'bridge' } },
      { ifindex: 8, ifname: 'dummy0', flags: ['UP', 'LOWER_UP'], mtu: 1500, linkinfo: { info_kind: 'dummy' } },
    ]);
    const links = parseIpLinks(text).value!;
    expect(lowerChain(links, 'bond0.100').map((l) => `${l.ifname}:${l.mtu}`)).toEqual(['bond0.100:8950', 'bond0:9000', 'ens1f0:9000', 'ens1f1:9000']);
    expect(bondSlaves(links, 'bond0').map((l) => [l.ifname, l.bondSlave?.state, l.carrier])).toEqual([
      ['ens1f0', 'ACTIVE', true],
      ['ens1f1', 'BACKUP', false],
    ]);
    expect(links.find((l) => l.ifname === 'bond0')!.bond).toEqual({ mode: '802.3ad', miimon: 100, xmitHashPolicy: 'layer3+4', activeSlave: undefined });
    expect(links.find((l) => l.ifname === 'bond0.100')!.vlan).toEqual({ id: 100, protocol: '802.1Q' });
    expect(links.find((l) => l.ifname === 'veth1')).toMatchObject({ kind: 'veth', slaveKind: 'bridge', master: 'br-ex', link: 'veth0' });
    expect(links.find((l) => l.ifname === 'ens1f0')).toMatchObject({ parentBus: 'pci', parentDev: '0000:3b:00.0' });
    expect(lowerChain(links, 'br-ex').map((l) => l.ifname)).toEqual(['br-ex']);
  });

  it('reads the public geneve linkinfo sample as a diagnostic (not an array), without throwing', () => {
    const text = readFileSync(resolve(import.meta.dirname, '../fixtures/frr/public/ip-link-json-geneve-linkinfo-port-range.txt'), 'utf8');
    const r = parseIpLinks(text);
    expect(r.value).toBeUndefined();
    expect(r.diagnostics[0]!.message).toMatch(/expected a JSON array/);
  });
});

describe('ip -j addr show', () => {
  it('reads addresses per device and finds the TEP on lo', () => {
    const r = parseIpAddrs(fx('iproute/hv1.ip_-j_addr_show.json'));
    expect(r.diagnostics).toEqual([]);
    const lo = r.value!.find((l) => l.ifname === 'lo')!;
    expect(lo.addresses.map((a) => `${a.family} ${a.local}/${a.prefixlen}`)).toEqual(['inet 127.0.0.1/8', 'inet 192.168.100.1/32', 'inet6 ::1/128']);
    expect(deviceOfAddress(r.value!, '10.0.2.1')?.link.ifname).toBe('eth1');
    expect(deviceOfAddress(r.value!, '10.9.9.9')).toBeUndefined();
  });
});

describe('ip -j route / ip -j nexthop', () => {
  it('reads a route on a one-member next-hop group (the desync lab) and resolves the group', () => {
    const routes = parseIpRoutes(fx('nhg-desync-after-flap/hv1.ip_-j_route_show.json')).value!;
    const tep = routes.find((r) => r.prefix === '192.168.100.2/32')!;
    expect(tep).toMatchObject({ dst: '192.168.100.2', table: 'main', type: 'unicast', protocol: 'bgp', nhid: 14, metric: 20, family: 'inet' });
    expect(routeLegs(tep)).toEqual([{ gateway: '10.0.1.0', dev: 'eth0', flags: [] }]);
    const nhs = parseIpNexthops(fx('nhg-desync-after-flap/hv1.ip_-j_nexthop_show.json')).value!;
    expect(nhs.find((n) => n.id === 14)!.group).toEqual([{ id: 15, weight: undefined }]);
    expect(resolveNexthop(nhs, 14).map((n) => [n.id, n.gateway, n.dev])).toEqual([[15, '10.0.1.0', 'eth0']]);
    expect(resolveNexthop(nhs, 99)).toEqual([]);
  });

  it('reads multipath legs, tables, metrics, and the pretty-printed form', () => {
    const text = JSON.stringify([
      { dst: '192.168.100.2', nhid: 14, protocol: 'bgp', metric: 20, flags: [], nexthops: [{ gateway: '10.0.1.0', dev: 'eth0', weight: 1, flags: [] }, { gateway: '10.0.2.0', dev: 'eth1', weight: 1, flags: [] }] },
      { type: 'local', dst: '10.0.1.1', dev: 'eth0', table: 'local', protocol: 'kernel', scope: 'host', prefsrc: '10.0.1.1', flags: [] },
      { dst: 'default', gateway: '172.16.0.1', dev: 'mgmt0', protocol: 'dhcp', metric: 100, flags: [], metrics: [{ mtu: 1400 }] },
      { dst: '10.8.0.0/16', dev: 'eth9', table: 100, flags: [] },
      { dst: 'fe80::/64', dev: 'eth0', protocol: 'kernel', metric: 256, flags: [], pref: 'medium' },
    ]);
    const routes = parseIpRoutes(text).value!;
    expect(routeLegs(routes[0]!).map((l) => l.dev)).toEqual(['eth0', 'eth1']);
    expect(routes.map((r) => [r.prefix, r.table, r.type, r.family])).toEqual([
      ['192.168.100.2/32', 'main', 'unicast', 'inet'],
      ['10.0.1.1/32', 'local', 'local', 'inet'],
      ['0.0.0.0/0', 'main', 'unicast', 'inet'],
      ['10.8.0.0/16', '100', 'unicast', 'inet'],
      ['fe80::/64', 'main', 'unicast', 'inet6'],
    ]);
    expect(routes[2]!.mtu).toBe(1400);
    // Longest prefix match in main: a TEP without its /32 falls back to the default route.
    expect(lookupIpv4(routes, '192.168.100.3')?.dev).toBe('mgmt0');
    expect(lookupIpv4(routes, '192.168.100.2')?.nhid).toBe(14);
    expect(lookupIpv4(routes, '10.8.1.1')?.dev).toBe('mgmt0');
    expect(lookupIpv4(routes, '10.8.1.1', '100')?.dev).toBe('eth9');
    const pretty = parseIpRoutes(fx('iproute/hv1.ip_-j_route_show_192.168.100.2.json')).value!;
    expect(pretty[0]!.line).toBe(4);
  });

  it('has the prefix helpers right', () => {
    expect(normalizePrefix('default')).toEqual({ prefix: '0.0.0.0/0', family: 'inet' });
    expect(normalizePrefix('default', 'inet6')).toEqual({ prefix: '::/0', family: 'inet6' });
    expect(normalizePrefix('2001:db8::1')).toEqual({ prefix: '2001:db8::1/128', family: 'inet6' });
    expect(ipv4InPrefix('10.0.1.1', '10.0.1.0/31')).toBe(true);
    expect(ipv4InPrefix('10.0.1.2', '10.0.1.0/31')).toBe(false);
    expect(ipv4InPrefix('1.2.3.4', '0.0.0.0/0')).toBe(true);
    expect(ipv4InPrefix('300.1.1.1', '0.0.0.0/0')).toBe(false);
    expect([tableName(254), tableName(undefined), tableName(255), tableName(100)]).toEqual(['main', 'main', 'local', '100']);
  });
});

describe('every iproute parser on random and truncated input (property)', () => {
  const parsers = [parseIpLinks, parseIpAddrs, parseIpRoutes, parseIpNexthops] as const;
  const texts = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.includes('ip_-j'))
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'));

  it('never throws on truncated, mutated or random input', () => {
    const mutated = fc.tuple(fc.constantFrom(...texts), fc.nat(), fc.string({ maxLength: 4 })).map(([t, at, s]) => t.slice(0, at % (t.length + 1)) + s + t.slice((at % (t.length + 1)) + 1));
    const truncated = fc.tuple(fc.constantFrom(...texts), fc.nat()).map(([t, n]) => t.slice(0, n % (t.length + 1)));
    const json = fc.jsonValue().map((v) => JSON.stringify(Array.isArray(v) ? v : [v]));
    fc.assert(
      fc.property(fc.oneof(fc.string(), json, mutated, truncated), fc.constantFrom(...parsers), (text, parse) => {
        const r = (parse as (t: string) => { diagnostics: readonly unknown[] })(text);
        expect(Array.isArray(r.diagnostics)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('keeps every row of valid output whatever its extra fields (property)', () => {
    const row = fc.record({ ifindex: fc.nat(), ifname: fc.string({ minLength: 1, maxLength: 15 }), mtu: fc.nat(), flags: fc.array(fc.constantFrom('UP', 'LOWER_UP', 'NO-CARRIER')) }, { requiredKeys: ['ifindex', 'ifname'] });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 20 }), (rows) => {
        const r = parseIpLinks(JSON.stringify(rows));
        expect(r.value!.map((l) => l.ifname)).toEqual(rows.map((x) => x.ifname));
      }),
    );
  });
});
