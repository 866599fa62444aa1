import { describe, expect, it } from 'vitest';
import { checkAllowed } from '../../src/collect/allowlist.js';
import { HOST_MODULES, bridgeCommands, ovsModule } from '../../src/collect/recipe.js';
import { kernelModule } from '../../src/collect/recipe-bgp.js';
import { MAX_ROUTE_GETS, mtuExpand, mtuModule } from '../../src/collect/recipe-mtu.js';
import { MTU_IDS } from '../../src/snapshot/load-mtu.js';
import { SHARED_IDS } from '../../src/snapshot/load-offload.js';
import { interfaces, openVswitch } from './builder.js';

const outputs = (ifaces: Parameters<typeof interfaces>[0], encapIp = '192.168.0.1') =>
  new Map([
    [SHARED_IDS.interface, interfaces(ifaces)],
    [SHARED_IDS.openVswitch, openVswitch('hv1', encapIp)],
  ]);

describe('mtu recipe module', () => {
  it('is registered once in HOST_MODULES, after the OVS and kernel modules', () => {
    const names = HOST_MODULES.map((m) => m.name);
    expect(names.filter((n) => n === 'mtu')).toHaveLength(1);
    expect(names.indexOf('mtu')).toBeGreaterThan(names.indexOf('kernel'));
    expect(names.indexOf('mtu')).toBeGreaterThan(names.indexOf('ovs'));
    expect(HOST_MODULES).toContain(mtuModule);
  });

  it('phase 1 adds the IPv6 routes only; nothing another module collects; nothing required', () => {
    const p1 = mtuModule.phase1();
    expect(p1.map((c) => [c.id, c.argv.join(' '), c.required])).toEqual([[MTU_IDS.route6, 'ip -j -6 route show table all', false]]);
    const others = [...ovsModule.phase1(), ...kernelModule.phase1(), ...bridgeCommands('br-int')];
    for (const c of p1) expect(others.some((o) => o.id === c.id || o.argv.join(' ') === c.argv.join(' '))).toBe(false);
  });

  it('expands to ip -j route get REMOTE from LOCAL per geneve remote_ip (same family), all allow-listed', () => {
    const r = mtuExpand(
      outputs([
        { name: 'ovn-hv2-0', type: 'geneve', options: { remote_ip: '192.168.0.2' } },
        { name: 'ovn-hv3-0', type: 'geneve', options: { remote_ip: '192.168.0.3' } },
        { name: 'ovn-hv6-0', type: 'geneve', options: { remote_ip: '2001:db8::6' } },
        { name: 'flowbased', type: 'geneve', options: { remote_ip: 'flow' } },
        { name: 'vif1', type: '' },
      ]),
    );
    expect(r.commands.map((c) => [c.id, c.argv.join(' '), c.required])).toEqual([
      ['ip.route-get.192.168.0.2', 'ip -j route get 192.168.0.2 from 192.168.0.1', false],
      ['ip.route-get.192.168.0.3', 'ip -j route get 192.168.0.3 from 192.168.0.1', false],
      ['ip.route-get.2001_db8__6', 'ip -j route get 2001:db8::6', false],
    ]);
    for (const c of [...r.commands, ...mtuModule.phase1()]) expect(checkAllowed(c.argv), c.argv.join(' ')).toMatchObject({ allowed: true });
  });

  it('skips a remote_ip that is not an address, and caps the number of TEPs', () => {
    const bad = mtuExpand(outputs([{ name: 'evil', type: 'geneve', options: { remote_ip: '1.2.3.4;reboot' } }]));
    expect(bad.commands).toEqual([]);
    expect(bad.notes[0]).toMatch(/not an address/);
    const many = mtuExpand(outputs(Array.from({ length: MAX_ROUTE_GETS + 3 }, (_, i) => ({ name: `t${i}`, type: 'geneve', options: { remote_ip: `10.${(i >> 8) & 255}.${i & 255}.1` } }))));
    expect(many.commands).toHaveLength(MAX_ROUTE_GETS);
    expect(many.notes[0]).toMatch(/first 256/);
    expect(mtuExpand(new Map()).commands).toEqual([]);
  });
});
