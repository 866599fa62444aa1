import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAllowed } from '../../src/collect/allowlist.js';
import { HOST_MODULES } from '../../src/collect/recipe.js';
import { parseInventory } from '../../src/parse/inventory.js';
import { bgpModule, frrAccessFor, kernelModule, MAX_TEPS, tepCandidates, vtysh } from '../../src/collect/recipe-bgp.js';
import { FRR_IDS, KERNEL_IDS } from '../../src/snapshot/load-bgp.js';

const fixtures = resolve(import.meta.dirname, '../fixtures');
const read = (rel: string) => readFileSync(join(fixtures, rel), 'utf8');
// Outputs as the collect service hands them to expand(): raw stdout (no fixture header lines).
const raw = (rel: string) => read(rel).replace(/^#.*\n/gm, '');

describe('FRR access per host', () => {
  it('defaults to plain vtysh, and to the namespace instance when the wrapper enters a namespace', () => {
    expect(frrAccessFor({ wrapper: [] })).toEqual({ prefix: [], how: 'default' });
    expect(frrAccessFor({ wrapper: ['sudo', '-n'] })).toEqual({ prefix: [], how: 'default' });
    expect(frrAccessFor({ wrapper: ['sudo', '-n', 'ip', 'netns', 'exec', 'leaf1'] })).toEqual({ pathspace: 'leaf1', prefix: [], how: 'netns-convention' });
    expect(vtysh(frrAccessFor({ wrapper: ['ip', 'netns', 'exec', 'leaf1'] }), 'show version')).toEqual(['vtysh', '-N', 'leaf1', '-c', 'show version']);
  });

  it('takes an inventory frr: setting over the convention', () => {
    expect(frrAccessFor({ wrapper: [], frr: { netns: 'leaf1' } })).toEqual({ pathspace: 'leaf1', prefix: ['ip', 'netns', 'exec', 'leaf1'], how: 'inventory' });
    expect(frrAccessFor({ wrapper: ['ip', 'netns', 'exec', 'leaf1'], frr: { netns: 'leaf1' } })).toEqual({ pathspace: 'leaf1', prefix: [], how: 'inventory' });
    expect(vtysh(frrAccessFor({ wrapper: ['sudo', '-n'], frr: { wrapper: ['podman', 'exec', 'frr'] } }), 'show version')).toEqual(['podman', 'exec', 'frr', 'vtysh', '-c', 'show version']);
    // frr: {} says "plain vtysh" even inside a namespace wrapper.
    expect(frrAccessFor({ wrapper: ['ip', 'netns', 'exec', 'hv1'], frr: {} })).toEqual({ pathspace: undefined, prefix: [], how: 'inventory' });
  });

  it('reads the setting from the inventory', () => {
    const inv = parseInventory(`hosts:
  leaf1: { transport: local, wrapper: "ip netns exec leaf1", frr: { netns: leaf1 } }
  hv1: { transport: local, wrapper: "sudo -n", frr: { wrapper: "podman exec frr" } }
  hv2: { transport: local, wrapper: "ip netns exec hv2" }
`);
    expect(inv.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const argv = (name: string) => bgpModule.phase1(inv.value.hosts.find((h) => h.name === name))[0]!.argv;
    expect(argv('leaf1')).toEqual(['vtysh', '-N', 'leaf1', '-c', 'show version']);
    expect(argv('hv1')).toEqual(['podman', 'exec', 'frr', 'vtysh', '-c', 'show version']);
    expect(argv('hv2')).toEqual(['vtysh', '-N', 'hv2', '-c', 'show version']);
  });
});

describe('recipe modules', () => {
  it('are registered for every host, FRR optional, kernel views required except next-hop objects', () => {
    expect(HOST_MODULES).toContain(kernelModule);
    expect(HOST_MODULES).toContain(bgpModule);
    expect(kernelModule.phase1().map((c) => [c.id, c.argv.join(' '), c.required])).toEqual([
      [KERNEL_IDS.addr, 'ip -j addr show', true],
      [KERNEL_IDS.route, 'ip -j route show table all', true],
      [KERNEL_IDS.nexthop, 'ip -j nexthop show', false],
      [KERNEL_IDS.link, 'ip -j -d link show', true],
    ]);
    expect(bgpModule.phase1().every((c) => !c.required)).toBe(true);
  });

  it('only sends allow-listed commands, with or without -N', () => {
    for (const host of [undefined, { wrapper: ['ip', 'netns', 'exec', 'ob12ab34-hv1'] }]) {
      const all = [...kernelModule.phase1(), ...bgpModule.phase1(host), ...bgpModule.expand(new Map([[FRR_IDS.rib, raw('frr/lab/healthy/hv1.show_bgp_ipv4_unicast_json.txt')]]), host).commands];
      for (const c of all) expect(checkAllowed(c.argv), c.argv.join(' ')).toMatchObject({ allowed: true });
    }
    expect(bgpModule.phase1({ wrapper: ['ip', 'netns', 'exec', 'hv1'] })[0]!.argv).toEqual(['vtysh', '-N', 'hv1', '-c', 'show version']);
  });
});

describe('per-TEP commands from the expand step', () => {
  it('without OVS: the local /32 on lo and the /32s of the BGP table', () => {
    const outputs = new Map([
      [KERNEL_IDS.addr, raw('frr/lab/iproute/hv1.ip_-j_addr_show.json')],
      [FRR_IDS.rib, raw('frr/lab/healthy/hv1.show_bgp_ipv4_unicast_json.txt')],
      [FRR_IDS.version, raw('frr/lab/healthy/hv1.show_version.txt')],
    ]);
    expect(tepCandidates(outputs)).toEqual({ local: ['192.168.100.1'], remote: ['192.168.100.2'], notes: [] });
    const { commands } = bgpModule.expand(outputs, { wrapper: ['ip', 'netns', 'exec', 'hv1'] });
    expect(commands.map((c) => [c.id, c.argv.join(' ')])).toEqual([
      ['frr.bgp-prefix.192.168.100.1', 'vtysh -N hv1 -c show bgp ipv4 unicast 192.168.100.1/32 json'],
      ['frr.ip-route-prefix.192.168.100.1', 'vtysh -N hv1 -c show ip route 192.168.100.1/32 json'],
      ['frr.bgp-prefix.192.168.100.2', 'vtysh -N hv1 -c show bgp ipv4 unicast 192.168.100.2/32 json'],
      ['frr.ip-route-prefix.192.168.100.2', 'vtysh -N hv1 -c show ip route 192.168.100.2/32 json'],
    ]);
  });

  it('with OVS: ovn-encap-ip and the geneve remote_ips (a TEP missing from BGP is exactly what to look at)', () => {
    const outputs = new Map([
      ['ovs-vsctl.list.Open_vSwitch', read('ovsdb/hv1/Open_vSwitch.json')],
      ['ovs-vsctl.list.Interface', read('ovsdb/hv1/Interface.json')],
      [FRR_IDS.rib, raw('frr/lab/healthy/hv1.show_bgp_ipv4_unicast_json.txt')],
    ]);
    expect(tepCandidates(outputs)).toEqual({ local: ['192.168.0.1'], remote: ['192.168.0.2', '192.168.0.3'], notes: [] });
  });

  it('asks nothing per TEP when FRR did not answer, and caps the number of TEPs', () => {
    expect(bgpModule.expand(new Map([[KERNEL_IDS.addr, raw('frr/lab/iproute/hv1.ip_-j_addr_show.json')]])).commands).toEqual([]);
    const routes = Object.fromEntries(Array.from({ length: MAX_TEPS + 10 }, (_, i) => [`10.${i >> 8}.${i & 255}.1/32`, [{ valid: true, bestpath: true, peerId: '10.0.1.0', path: '65001', nexthops: [] }]]));
    const big = new Map([[FRR_IDS.rib, JSON.stringify({ routes })]]);
    const r = bgpModule.expand(big);
    expect(r.commands).toHaveLength(2 * MAX_TEPS);
    expect(r.notes[0]).toMatch(/266 TEP candidates; per-TEP FRR commands collected for the first 256 only/);
  });
});
