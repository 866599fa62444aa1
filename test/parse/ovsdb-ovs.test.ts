import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildBridgeMap,
  parseBridgeMappings,
  parseOvsdbJson,
  parseOvsdbRows,
  toOpenVswitch,
  toOvsBridges,
  toOvsInterfaces,
  toOvsPorts,
  type RowConverter,
} from '../../src/parse/ovsdb-json.js';
import { splitOvnChassisId, type OvsInterface } from '../../src/model/ovs.js';

const FIX = new URL('../fixtures/ovsdb/', import.meta.url);
const text = (rel: string) => readFileSync(new URL(rel, FIX), 'utf8');

function rows<T>(rel: string, conv: RowConverter<T>): T[] {
  const r = parseOvsdbRows(text(rel), conv, rel);
  expect(r.diagnostics).toEqual([]);
  return r.value;
}
const byName = <T extends { name: string }>(list: T[], name: string): T => {
  const x = list.find((i) => i.name === name);
  if (!x) throw new Error(`no ${name}`);
  return x;
};
const host = (h: string) => ({
  ovs: rows(`${h}/Open_vSwitch.json`, toOpenVswitch)[0],
  bridges: rows(`${h}/Bridge.json`, toOvsBridges),
  ports: rows(`${h}/Port.json`, toOvsPorts),
  interfaces: rows(`${h}/Interface.json`, toOvsInterfaces),
});

describe('Interface', () => {
  const hv1 = rows('hv1/Interface.json', toOvsInterfaces);
  const hv3 = rows('hv3/Interface.json', toOvsInterfaces);
  const nd = rows('nd/Interface.json', toOvsInterfaces);

  it('reads an OVN geneve tunnel port', () => {
    const t = byName(hv1, 'ovn-hv2-0');
    expect(t).toMatchObject({
      type: 'geneve',
      ofport: 1,
      ofportRequest: undefined,
      remoteIp: '192.168.0.2',
      localIp: undefined,
      key: 'flow',
      csum: true,
      dstPort: undefined,
      dfDefault: undefined,
      linkState: 'up',
      adminState: 'up',
      macInUse: 'aa:55:aa:55:00:0f',
      mtu: 1500,
      mtuRequest: undefined,
      ifaceId: undefined,
      error: undefined,
    });
    expect(t.uuid).toBe('ed4e7e43-9ef7-4b81-8e66-e202a68bfcd9');
    expect(t.options).toEqual({ csum: 'true', key: 'flow', remote_ip: '192.168.0.2' });
    expect(t.bfd).toEqual({ check_tnl_key: 'true', enable: 'true' });
    expect(t.bfdStatus).toMatchObject({ state: 'down', forwarding: 'false', diagnostic: 'No Diagnostic', flap_count: '0' });
    expect(t.statistics.tx_packets).toBeTypeOf('number');
    expect(t.raw.uuid).toBe(t.uuid);
    expect(t.raw.cells.get('name')).toBe('ovn-hv2-0');
  });

  it('reads csum=false and df_default=false set by a chassis with ovn-encap-csum/df_default=false', () => {
    expect(byName(hv1, 'ovn-hv3-0').csum).toBe(false);
    expect(byName(hv3, 'ovn-hv1-0')).toMatchObject({ csum: true, dfDefault: false });
  });

  it('reads a bound VIF', () => {
    const v = byName(hv1, 'vif1');
    expect(v).toMatchObject({ type: 'dummy', ofport: 3, ifaceId: 'sw0-p1', mtu: 1442, mtuRequest: 1442 });
    expect(v.externalIds).toMatchObject({ 'attached-mac': '50:54:00:00:00:01', 'iface-id': 'sw0-p1', 'ovn-installed': 'true' });
  });

  it('reads internal and patch ports', () => {
    expect(byName(hv1, 'br-int')).toMatchObject({ type: 'internal', ofport: 65534, mtu: 1442 });
    expect(byName(hv1, 'patch-br-int-to-ln-public')).toMatchObject({ type: 'patch', peer: 'patch-ln-public-to-br-int', mtu: undefined });
  });

  it('reads a real userspace-datapath host: tunnel egress iface, empty mtu on tunnels, link speed', () => {
    expect(byName(nd, 'gnv0')).toMatchObject({ type: 'geneve', remoteIp: '10.99.0.2', csum: true, tunnelEgressIface: 'nd-peer0', tunnelEgressIfaceCarrier: 'up', mtu: undefined, linkSpeed: undefined });
    expect(byName(nd, 'vx0')).toMatchObject({ type: 'vxlan', dstPort: 4790, localIp: '10.99.0.1', remoteIp: '10.99.0.3', dfDefault: false });
    expect(byName(nd, 'nd-eth0')).toMatchObject({ type: '', mtu: 1500, linkSpeed: 10_000_000_000, duplex: 'full', ifindex: 3 });
    expect(byName(nd, 'nd-eth0').status).toMatchObject({ driver_name: 'veth' });
  });

  it('reads the public copy, which was listed without _uuid', () => {
    const pub = rows('public/ovs-vsctl_list_Interface.json', toOvsInterfaces);
    const t = byName(pub, 'ovn-hv2-0');
    expect(t.uuid).toBe('');
    expect(t).toMatchObject({ tunnelEgressIface: 'eth0', tunnelEgressIfaceCarrier: 'up', remoteIp: '192.168.100.2', csum: true, mtu: undefined, linkState: 'up', ofport: 1 });
    expect(t.adminState).toBeUndefined(); // column not listed
    expect(byName(pub, 'vm1-tap').ifaceId).toBe('lsp-vm1');
  });

  it('gives undefined (not a throw) for columns that were not listed', () => {
    const r = parseOvsdbRows('{"data":[["eth9"]],"headings":["name"]}', toOvsInterfaces);
    expect(r.diagnostics).toEqual([]);
    const i: OvsInterface = r.value[0];
    expect(i).toMatchObject({ uuid: '', name: 'eth9', type: '', ofport: undefined, mtu: undefined, remoteIp: undefined, linkState: undefined });
    expect(i.options).toEqual({});
    expect(i.statistics).toEqual({});
  });

  it('keeps ofport -1 (failed to add)', () => {
    const r = parseOvsdbRows('{"data":[["bad0",-1,"could not open network device bad0 (No such device)"]],"headings":["name","ofport","error"]}', toOvsInterfaces);
    expect(r.value[0]).toMatchObject({ ofport: -1, error: 'could not open network device bad0 (No such device)' });
  });
});

describe('Port', () => {
  const hv3 = rows('hv3/Port.json', toOvsPorts);

  it('reads access, trunk and bond ports', () => {
    expect(byName(hv3, 'acc0')).toMatchObject({ tag: 10, trunks: [], bondMode: undefined });
    expect(byName(hv3, 'trk0')).toMatchObject({ tag: undefined, trunks: [10, 20, 30] });
    const bond = byName(hv3, 'bond0');
    expect(bond).toMatchObject({ bondMode: 'active-backup', bondActiveSlave: 'aa:55:aa:55:00:16', lacp: undefined });
    expect(bond.interfaces).toHaveLength(2);
    expect(bond.otherConfig).toEqual({ 'bond-detect-mode': 'miimon', 'bond-miimon-interval': '100' });
  });

  it('reads ovn-chassis-id, which OVN 23.03 puts on the Port (not the Interface)', () => {
    const p = byName(hv3, 'ovn-hv2-0');
    expect(p.ovnChassisId).toBe('hv2@192.168.0.2');
    expect(splitOvnChassisId(p.ovnChassisId!)).toEqual({ chassis: 'hv2', ip: '192.168.0.2' });
    expect(splitOvnChassisId('hv2')).toEqual({ chassis: 'hv2', ip: undefined });
    expect(byName(rows('hv3/Interface.json', toOvsInterfaces), 'ovn-hv2-0').ovnChassisId).toBeUndefined();
  });
});

describe('Bridge', () => {
  const hv1 = rows('hv1/Bridge.json', toOvsBridges);

  it('reads the integration bridge set up by ovn-controller', () => {
    const b = byName(hv1, 'br-int');
    expect(b).toMatchObject({ failMode: 'secure', datapathType: 'system', datapathId: '00000ee0ac1058ad', protocols: [] });
    expect(b.ports).toHaveLength(5);
    expect(b.otherConfig).toMatchObject({ 'disable-in-band': 'true' });
    expect(b.ovnCtZones['sw0-p1']).toBe(10);
    expect(b.ovnCtZones['cr-lr0-public']).toBe(11);
    expect(b.ovnCtZones['2324566e-733a-45da-b550-02c41ccaa9b2_dnat']).toBe(2);
  });

  it('reads fail_mode, protocols and external_ids of a provider bridge', () => {
    const b = byName(hv1, 'br-phys');
    expect(b).toMatchObject({ failMode: 'standalone', datapathType: '', protocols: ['OpenFlow10', 'OpenFlow13'] });
    expect(b.externalIds).toEqual({ purpose: 'provider' });
    expect(b.ovnCtZones).toEqual({});
    expect(byName(rows('nd/Bridge.json', toOvsBridges), 'br-nd')).toMatchObject({ datapathType: 'netdev', failMode: undefined });
  });
});

describe('Open_vSwitch', () => {
  it('reads the OVN chassis configuration', () => {
    const o = rows('hv1/Open_vSwitch.json', toOpenVswitch)[0];
    expect(o).toMatchObject({
      systemId: 'hv1',
      hostname: 'hv1-host',
      ovnEncapIp: '192.168.0.1',
      ovnEncapIps: ['192.168.0.1'],
      ovnEncapType: 'geneve',
      ovnEncapTypes: ['geneve'],
      ovnEncapCsum: undefined,
      ovnRemote: 'unix:/tmp/ovnscope-sbx/central/sb.sock',
      ovnBridge: undefined,
      ovnBridgeMappingsText: 'physnet1:br-phys',
      hwOffload: false,
      tcPolicy: 'none',
      dpdkInitialized: false,
      datapathTypes: ['dummy', 'netdev', 'system'],
      // set by distribution start scripts (ovs-ctl), not by a bare ovsdb-server/ovs-vswitchd
      ovsVersion: undefined,
      dbVersion: undefined,
      systemType: undefined,
    });
    expect(o.ovnBridgeMappings).toEqual({ physnet1: 'br-phys' });
    expect(o.bridges).toHaveLength(2);
    expect(o.ifaceTypes).toContain('geneve');
  });

  it('reads ovn-encap-csum=false; hw-offload unset is undefined', () => {
    const o = rows('hv3/Open_vSwitch.json', toOpenVswitch)[0];
    expect(o).toMatchObject({ ovnEncapCsum: false, hwOffload: undefined, tcPolicy: undefined });
    expect(o.externalIds['ovn-encap-df_default']).toBe('false');
  });

  it('splits multi-valued settings', () => {
    const t = JSON.stringify({
      data: [[['uuid', 'e99ecd48-9252-49a0-83ab-38237a956b78'], ['map', [['ovn-encap-ip', '10.0.0.1,10.0.0.2'], ['ovn-encap-type', 'geneve,vxlan'], ['ovn-bridge-mappings', 'physnet1:br-ex, physnet2:br-vlan'], ['ovn-bridge', 'br-ovn']]], ['map', [['hw-offload', 'true'], ['tc-policy', 'skip_sw']]], '3.1.0']],
      headings: ['_uuid', 'external_ids', 'other_config', 'ovs_version'],
    });
    const o = parseOvsdbRows(t, toOpenVswitch).value[0];
    expect(o).toMatchObject({ ovnEncapIps: ['10.0.0.1', '10.0.0.2'], ovnEncapTypes: ['geneve', 'vxlan'], ovnBridge: 'br-ovn', hwOffload: true, tcPolicy: 'skip_sw', ovsVersion: '3.1.0' });
    expect(o.ovnBridgeMappings).toEqual({ physnet1: 'br-ex', physnet2: 'br-vlan' });
    expect(parseBridgeMappings(undefined)).toEqual({});
    expect(parseBridgeMappings('bad,also:ok')).toEqual({ also: 'ok' });
  });

  it('warns about a non-boolean hw-offload and keeps going', () => {
    const t = '{"data":[[["map",[["hw-offload","yes"]]]]],"headings":["other_config"]}';
    const r = parseOvsdbRows(t, toOpenVswitch, 'ovs.json');
    expect(r.value[0].hwOffload).toBeUndefined();
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', file: 'ovs.json', line: 1, column: 11, message: 'data[0][0]: Open_vSwitch row 0: other_config:hw-offload="yes" is not "true" or "false"' })]);
  });
});

describe('bridge port map', () => {
  it('resolves bridges → ports → interfaces and looks up by ofport and name', () => {
    const h = host('hv1');
    const { value, diagnostics } = buildBridgeMap(h.bridges, h.ports, h.interfaces);
    expect(diagnostics).toEqual([]);
    expect([...value.bridges.keys()].sort()).toEqual(['br-int', 'br-phys']);
    const brInt = value.bridges.get('br-int')!;
    expect([...brInt.byOfport.entries()].map(([n, i]) => [n, i.name]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [1, 'ovn-hv2-0'],
      [2, 'ovn-hv3-0'],
      [3, 'vif1'],
      [4, 'patch-br-int-to-ln-public'],
      [65534, 'br-int'],
    ]);
    expect(brInt.byName.get('vif1')?.ifaceId).toBe('sw0-p1');
    const tunnel = brInt.byName.get('ovn-hv2-0')!;
    expect(brInt.portOfInterface.get(tunnel.uuid)?.ovnChassisId).toBe('hv2@192.168.0.2');
    expect(value.bridges.get('br-phys')!.byOfport.get(1)?.name).toBe('eth1');
    expect(value.bridgeOfInterface.get('eth1')).toBe('br-phys');
    expect(value.bridgeOfInterface.get('vif1')).toBe('br-int');
  });

  it('keeps a bond as one port with two interfaces', () => {
    const h = host('hv3');
    const { value, diagnostics } = buildBridgeMap(h.bridges, h.ports, h.interfaces);
    expect(diagnostics).toEqual([]);
    const bond = value.bridges.get('br-test')!.ports.find((p) => p.port.name === 'bond0')!;
    expect(bond.interfaces.map((i) => i.name).sort()).toEqual(['bd0a', 'bd0b']);
    expect(value.bridges.get('br-test')!.byOfport.get(3)?.name).toBe('bd0a');
  });

  it('reports dangling references from a partial dump instead of failing', () => {
    const h = host('hv1');
    const ports = h.ports.filter((p) => p.name !== 'vif1');
    const ifaces = h.interfaces.filter((i) => i.name !== 'eth1');
    const { value, diagnostics } = buildBridgeMap(h.bridges, ports, ifaces, 'hv1');
    expect(diagnostics.map((d) => d.message).sort()).toEqual([
      expect.stringMatching(/^bridge br-int: port [0-9a-f-]+ is not in the Port table$/),
      expect.stringMatching(/^bridge br-phys, port eth1: interface [0-9a-f-]+ is not in the Interface table$/),
    ]);
    expect(diagnostics.every((d) => d.severity === 'warning' && d.file === 'hv1')).toBe(true);
    expect(value.bridges.get('br-int')!.byName.has('vif1')).toBe(false);
    expect(value.bridges.get('br-int')!.byName.has('ovn-hv2-0')).toBe(true);
  });

  it('flags two interfaces claiming one ofport', () => {
    const h = host('hv1');
    const ifaces = h.interfaces.map((i) => (i.name === 'vif1' ? { ...i, ofport: 1 } : i));
    const { diagnostics } = buildBridgeMap(h.bridges, h.ports, ifaces);
    expect(diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/^bridge br-int: ofport 1 is used by (ovn-hv2-0 and vif1|vif1 and ovn-hv2-0)$/)]);
  });
});

describe('every captured OVS table converts without diagnostics', () => {
  it.each(['hv1', 'hv2', 'hv3', 'nd'])('%s', (h) => {
    const x = host(h);
    expect(x.interfaces.every((i) => i.uuid && i.name)).toBe(true);
    const map = buildBridgeMap(x.bridges, x.ports, x.interfaces);
    expect(map.diagnostics).toEqual([]);
    // every interface lands in exactly one bridge
    expect(map.value.bridgeOfInterface.size).toBe(x.interfaces.length);
    expect(parseOvsdbJson(text(`${h}/Interface.json`)).value.rows).toHaveLength(x.interfaces.length);
  });
});
