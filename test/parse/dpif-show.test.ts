import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseDpctlShow, parseDpifShow, splitTypeAndConfig } from '../../src/parse/dpif-show.js';
import { buildBridgeMap, parseOvsdbRows, toOvsBridges, toOvsInterfaces, toOvsPorts } from '../../src/parse/ovsdb-json.js';

const FIX = new URL('../fixtures/', import.meta.url);
const text = (rel: string) => readFileSync(new URL(rel, FIX), 'utf8');
const PUBLIC_DPCTL = readdirSync(new URL('dpif-show/public/', FIX)).filter((f) => f !== 'ovs-appctl_dpif_show.txt');

describe('ovs-appctl dpif/show', () => {
  it('reads a sandbox chassis: datapath, bridges, ofport/dpport, patch ports with no datapath port', () => {
    const { value, diagnostics } = parseDpifShow(text('dpif-show/hv1.dpif-show.txt'), 'hv1');
    expect(diagnostics).toEqual([]);
    expect(value.datapaths).toHaveLength(1);
    const dp = value.datapaths[0];
    // --enable-dummy=override keeps the "system" name for the dummy datapath
    expect(dp).toMatchObject({ type: 'system', name: 'ovs-system', stats: { hit: 0, missed: 1 }, line: 1 });
    expect(dp.bridges.map((b) => b.name)).toEqual(['br-int', 'br-phys']);
    const brInt = dp.bridges[0].ports;
    expect(brInt.map((p) => [p.name, p.ofport, p.dpPort, p.type])).toEqual([
      ['br-int', 65534, 1, 'dummy-internal'],
      ['ovn-hv2-0', 1, 2, 'geneve'],
      ['ovn-hv3-0', 2, 3, 'geneve'],
      ['patch-br-int-to-ln-public', 4, undefined, 'patch'],
      ['vif1', 3, 4, 'dummy'],
    ]);
    expect(brInt[3].config).toEqual({ peer: 'patch-ln-public-to-br-int' });
    // the dummy netdev class prints no tunnel options
    expect(brInt[1].config).toEqual({});
  });

  it('reads tunnel options on a real userspace datapath', () => {
    const { value, diagnostics } = parseDpifShow(text('dpif-show/nd.dpif-show.txt'));
    expect(diagnostics).toEqual([]);
    expect(value.datapaths[0]).toMatchObject({ type: 'netdev', name: 'ovs-netdev', stats: { hit: 3, missed: 2 } });
    const ports = value.datapaths[0].bridges[0].ports;
    expect(ports.find((p) => p.name === 'gnv0')).toMatchObject({ ofport: 2, dpPort: 3, type: 'geneve', config: { csum: 'true', key: 'flow', remote_ip: '10.99.0.2' } });
    expect(ports.find((p) => p.name === 'vx0')).toMatchObject({ type: 'vxlan', config: { df_default: 'false', dst_port: '4790', local_ip: '10.99.0.1', remote_ip: '10.99.0.3' } });
    expect(ports.find((p) => p.name === 'br-nd')).toMatchObject({ ofport: 65534, type: 'tap' });
    expect(ports.find((p) => p.name === 'nd-eth0')).toMatchObject({ type: 'system', config: {} });
  });

  it('reads the public copy', () => {
    const { value, diagnostics } = parseDpifShow(text('dpif-show/public/ovs-appctl_dpif_show.txt'));
    expect(diagnostics).toEqual([]);
    expect(value.datapaths[0].bridges[0].ports.find((p) => p.name === 'ovn-hv2-0')).toMatchObject({ ofport: 1, dpPort: 2, config: { csum: 'true', key: 'flow', remote_ip: '192.168.100.2' } });
  });

  it.each(['hv1', 'hv2', 'hv3', 'nd'])('agrees with the OVS database on %s (ofport and bridge of every interface)', (h) => {
    const ifaces = parseOvsdbRows(text(`ovsdb/${h}/Interface.json`), toOvsInterfaces).value;
    const map = buildBridgeMap(parseOvsdbRows(text(`ovsdb/${h}/Bridge.json`), toOvsBridges).value, parseOvsdbRows(text(`ovsdb/${h}/Port.json`), toOvsPorts).value, ifaces).value;
    const dp = parseDpifShow(text(`dpif-show/${h}.dpif-show.txt`)).value.datapaths;
    const seen = dp.flatMap((d) => d.bridges.flatMap((b) => b.ports.map((p) => ({ ...p, bridge: b.name }))));
    expect(seen).toHaveLength(ifaces.length);
    for (const p of seen) {
      expect(map.bridgeOfInterface.get(p.name)).toBe(p.bridge);
      expect(map.bridges.get(p.bridge)!.byName.get(p.name)!.ofport).toBe(p.ofport);
    }
  });

  it('keeps option values that contain ", "', () => {
    expect(splitTypeAndConfig('geneve: key=flow, remote_ip=flow, weird=a, b, c=d')).toEqual({ type: 'geneve', config: { key: 'flow', remote_ip: 'flow', weird: 'a, b', c: 'd' } });
    expect(splitTypeAndConfig('internal')).toEqual({ type: 'internal', config: {} });
  });

  it('reads several datapaths and port names with spaces', () => {
    const t = 'netdev@ovs-netdev: hit:10 missed:2\n  br0:\n    my port 1/2: (system)\ndummy@ovs-dummy: hit:0 missed:0\n  br1:\n    p 3/4: (dummy-internal)\n';
    const { value, diagnostics } = parseDpifShow(t);
    expect(diagnostics).toEqual([]);
    expect(value.datapaths.map((d) => [d.type, d.bridges[0].name, d.bridges[0].ports[0].name, d.line])).toEqual([
      ['netdev', 'br0', 'my port', 1],
      ['dummy', 'br1', 'p', 4],
    ]);
  });

  it('says when the text is something else', () => {
    expect(parseDpifShow('ovs-appctl: cannot connect to "/var/run/openvswitch/ovs-vswitchd.123.ctl"\n').diagnostics[0]).toMatchObject({ severity: 'error', message: expect.stringContaining('not `ovs-appctl dpif/show`') });
    const r = parseDpifShow(text('dpif-show/hv1.dpctl-show.txt'));
    expect(r.diagnostics.some((d) => d.message.includes('use parseDpctlShow'))).toBe(true);
    expect(parseDpifShow('').diagnostics).toEqual([]);
  });
});

describe('ovs-dpctl show / ovs-appctl dpctl/show', () => {
  it('reads the sandbox output', () => {
    const { value, diagnostics } = parseDpctlShow(text('dpif-show/hv1.dpctl-show.txt'));
    expect(diagnostics).toEqual([]);
    const dp = value.datapaths[0];
    expect(dp).toMatchObject({ type: 'system', name: 'ovs-system', lookups: { hit: 0, missed: 1, lost: 0 }, flows: 0 });
    expect(dp.ports.map((p) => [p.dpPort, p.name, p.type])).toEqual([
      [0, 'ovs-system', 'dummy-internal'],
      [1, 'br-int', 'dummy-internal'],
      [2, 'ovn-hv2-0', 'geneve'],
      [3, 'ovn-hv3-0', 'geneve'],
      [4, 'vif1', 'dummy'],
      [5, 'br-phys', 'dummy-internal'],
      [6, 'eth1', 'dummy'],
    ]);
  });

  it('reads -s statistics, leaving "?" out', () => {
    const { value, diagnostics } = parseDpctlShow(text('dpif-show/hv3.dpctl-show-s.txt'));
    expect(diagnostics).toEqual([]);
    const p = value.datapaths[0].ports.find((x) => x.name === 'ovn-hv1-0')!;
    expect(p.stats).toEqual({ rx_packets: 0, tx_packets: 37, rx_bytes: 0, tx_bytes: 2442 });
  });

  it('reads the userspace datapath with its genev_sys port', () => {
    const { value } = parseDpctlShow(text('dpif-show/nd.dpctl-show.txt'));
    expect(value.datapaths[0].ports.find((p) => p.name === 'genev_sys_6081')).toMatchObject({ dpPort: 3, type: 'geneve', config: { packet_type: 'ptap' } });
    expect(value.datapaths[0].ports.find((p) => p.name === 'nd-eth0')).toMatchObject({ type: undefined, config: {} });
  });

  it.each(PUBLIC_DPCTL)('reads the public copy %s (provenance header skipped)', (f) => {
    const t = text(`dpif-show/public/${f}`);
    const { value, diagnostics } = parseDpctlShow(t);
    expect(diagnostics).toEqual([]);
    expect(value.datapaths).toHaveLength(1);
    const dp = value.datapaths[0];
    expect(dp.type).toBe('system');
    expect(dp.lookups.hit).toBeGreaterThan(0);
    expect(dp.flows).toBeGreaterThanOrEqual(0);
    expect(dp.masks.total).toBeGreaterThanOrEqual(0);
    const portLines = t.split('\n').filter((l) => /^\s+port \d+:/.test(l));
    expect(dp.ports).toHaveLength(portLines.length);
    expect(dp.ports[0]).toMatchObject({ dpPort: 0, name: 'ovs-system', type: 'internal' });
  });

  it('reads OVS 3.3 cache lines and tunnel ports of real hosts', () => {
    const a = parseDpctlShow(text('dpif-show/public/openstack-ml2ovs-compute-vxlan_sys_4789.txt')).value.datapaths[0];
    expect(a.cache).toEqual({ hit: 418, 'hit-rate': 45.83, 'masks-cache.size': 256 });
    expect(a.masks).toEqual({ hit: 1870, total: 0, 'hit/pkt': 2.05 });
    expect(a.ports.find((p) => p.name === 'vxlan_sys_4789')).toMatchObject({ dpPort: 7, type: 'vxlan', config: { packet_type: 'ptap' } });
    const b = parseDpctlShow(text('dpif-show/public/kube-ovn-node-stt-sys-7471-ptap.txt')).value.datapaths[0];
    expect(b.lookups).toEqual({ hit: 350805055, missed: 21983648, lost: 73 });
    expect(b.ports.find((p) => p.name === 'eeb4d9e51b5d_h')).toMatchObject({ dpPort: 5, type: undefined });
    // 8-space indentation as posted
    const c = parseDpctlShow(text('dpif-show/public/ovn-openstack-devstack-br-int-br-ex-taps.txt')).value.datapaths[0];
    expect(c.ports.map((p) => p.name)).toEqual(['ovs-system', 'br-int', 'br-ex', 'tap820c0888-13', 'tapc29d4120-20']);
  });

  it('says when it is given dpif/show instead', () => {
    const r = parseDpctlShow(text('dpif-show/hv1.dpif-show.txt'));
    expect(r.diagnostics.some((d) => d.message.includes('use parseDpifShow'))).toBe(true);
  });
});

describe('properties', () => {
  const all = ['dpif-show/hv1.dpif-show.txt', 'dpif-show/nd.dpif-show.txt', 'dpif-show/hv3.dpctl-show-s.txt', ...PUBLIC_DPCTL.map((f) => `dpif-show/public/${f}`)];

  it('never throws on random text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        parseDpifShow(s);
        parseDpctlShow(s);
      }),
      { numRuns: 500 },
    );
    const tok = fc.constantFrom('system@ovs-system:', ' hit:', '1', '\n', '  ', 'br-int:', ' 1/2: (', 'geneve', ': ', 'a=b', ', ', ')', 'port 3: ', '(', 'lookups:', 'RX packets:', '?');
    fc.assert(
      fc.property(fc.array(tok, { maxLength: 50 }), (a) => {
        parseDpifShow(a.join(''));
        parseDpctlShow(a.join(''));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on any truncation of the captures, and line numbers stay in range', () => {
    for (const f of all) {
      const full = text(f);
      for (let i = 0; i <= full.length; i++) {
        const cut = full.slice(0, i);
        const nLines = cut.split('\n').length;
        for (const r of [parseDpifShow(cut), parseDpctlShow(cut)]) for (const d of r.diagnostics) if (d.line !== undefined) expect(d.line).toBeLessThanOrEqual(nLines);
      }
    }
  });
});
