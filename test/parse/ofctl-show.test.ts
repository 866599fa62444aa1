import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseOfctlShow } from '../../src/parse/ofctl-show.js';
import { parseOvsdbRows, toOvsInterfaces, toOvsBridges, toOvsPorts, buildBridgeMap } from '../../src/parse/ovsdb-json.js';

const FIX = new URL('../fixtures/', import.meta.url);
const text = (rel: string) => readFileSync(new URL(rel, FIX), 'utf8');
const FILES = readdirSync(new URL('ofctl-show/', FIX)).filter((f) => f.endsWith('.txt'));

describe('ovs-ofctl show (OF1.0 default)', () => {
  const { value, diagnostics } = parseOfctlShow(text('ofctl-show/hv1-br-int.of10.txt'), 'show.txt');

  it('reads the features reply', () => {
    expect(diagnostics).toEqual([]);
    expect(value).toMatchObject({ ofVersion: undefined, dpid: '00000ee0ac1058ad', nTables: 254, nBuffers: 0 });
    expect(value.capabilities).toEqual(['FLOW_STATS', 'TABLE_STATS', 'PORT_STATS', 'QUEUE_STATS', 'ARP_MATCH_IP']);
    expect(value.actions).toContain('mod_nw_tos');
    expect(value.config).toEqual({ frags: 'normal', miss_send_len: '0' });
  });

  it('reads ports, LOCAL as 65534, and names cut to 15 bytes by OpenFlow', () => {
    expect(value.ports.map((p) => [p.ofport, p.ofportText, p.name])).toEqual([
      [1, '1', 'ovn-hv2-0'],
      [2, '2', 'ovn-hv3-0'],
      [3, '3', 'vif1'],
      [4, '4', 'patch-br-int-to'],
      [65534, 'LOCAL', 'br-int'],
    ]);
    expect(value.ports[0]).toMatchObject({ mac: 'aa:55:aa:55:00:0f', config: [], state: [], speedMbps: 0, maxSpeedMbps: 0, current: undefined, line: 5 });
  });
});

describe('ovs-ofctl -O OpenFlow13/14/15 show', () => {
  it('reads ports from the separate port-description reply', () => {
    const { value, diagnostics } = parseOfctlShow(text('ofctl-show/hv1-br-int.of13.txt'));
    expect(diagnostics).toEqual([]);
    expect(value).toMatchObject({ ofVersion: 'OF1.3', dpid: '00000ee0ac1058ad', nTables: 254, actions: [] });
    expect(value.capabilities).toContain('GROUP_STATS');
    expect(value.ports).toHaveLength(5);
    expect(value.ports.find((p) => p.name === 'vif1')?.state).toEqual(['LIVE']);
  });

  it('reads OF1.4 and OF1.5 the same way', () => {
    expect(parseOfctlShow(text('ofctl-show/hv3-br-test.of14.txt')).value).toMatchObject({ ofVersion: 'OF1.4', capabilities: expect.arrayContaining(['BUNDLES']) });
    const of15 = parseOfctlShow(text('ofctl-show/hv1-br-int.of15.txt'));
    expect(of15.diagnostics).toEqual([]);
    expect(of15.value.ofVersion).toBe('OF1.5');
    expect(of15.value.ports.map((p) => p.ofport)).toEqual([1, 2, 3, 4, 65534]);
  });

  it('reads port features, speeds, PORT_DOWN and LINK_DOWN of a real veth/tap (userspace datapath)', () => {
    const { value, diagnostics } = parseOfctlShow(text('ofctl-show/nd-br-nd.of10.txt'));
    expect(diagnostics).toEqual([]);
    const eth = value.ports.find((p) => p.name === 'nd-eth0')!;
    expect(eth).toMatchObject({ ofport: 1, current: ['10GB-FD', 'COPPER'], speedMbps: 10000, maxSpeedMbps: 0, config: [], state: [] });
    const local = value.ports.find((p) => p.ofportText === 'LOCAL')!;
    expect(local).toMatchObject({ name: 'br-nd', config: ['PORT_DOWN'], state: ['LINK_DOWN'] });
  });
});

describe('joins with the Interface table by ofport', () => {
  it.each(['hv1', 'hv2', 'hv3', 'nd'])('%s', (h) => {
    const ifaces = parseOvsdbRows(text(`ovsdb/${h}/Interface.json`), toOvsInterfaces).value;
    const map = buildBridgeMap(parseOvsdbRows(text(`ovsdb/${h}/Bridge.json`), toOvsBridges).value, parseOvsdbRows(text(`ovsdb/${h}/Port.json`), toOvsPorts).value, ifaces).value;
    const shows = FILES.filter((f) => f.startsWith(`${h}-`));
    expect(shows.length).toBeGreaterThan(0);
    for (const f of shows) {
      const bridge = f.slice(h.length + 1).replace(/\.of\d+\.txt$/, '');
      const show = parseOfctlShow(text(`ofctl-show/${f}`)).value;
      const br = map.bridges.get(bridge)!;
      expect(show.ports).toHaveLength(br.byOfport.size);
      for (const p of show.ports) {
        const iface = br.byOfport.get(p.ofport)!;
        expect(iface.name.startsWith(p.name), `${f} ${p.name}`).toBe(true);
        expect(p.name.length).toBeLessThanOrEqual(15);
        expect(p.name === iface.name).toBe(iface.name.length <= 15);
        expect(p.mac).toBe(iface.macInUse);
      }
    }
  });
});

describe('edge cases', () => {
  it('takes the exact name, parentheses and spaces included', () => {
    const t = `OFPT_FEATURES_REPLY (xid=0x2): dpid:0000000000000001
n_tables:254, n_buffers:0
capabilities: FLOW_STATS
actions: output
 12(a(b) c): addr:02:00:00:00:00:01
     config:     PORT_DOWN NO_FLOOD
     state:      LINK_DOWN
     current:    10GB-FD FIBER AUTO_NEG
     advertised: 1GB-FD 10GB-FD FIBER
     supported:  1GB-FD 10GB-FD FIBER AUTO_NEG AUTO_PAUSE
     peer:       10GB-FD FIBER
     speed: 10000 Mbps now, 10000 Mbps max
 13(x): addr:02:00:00:00:00:02): addr:02:00:00:00:00:03
     config:     0
     state:      0
     speed: 0 Mbps now, 0 Mbps max
OFPT_GET_CONFIG_REPLY (xid=0x4): frags=normal miss_send_len=0
`;
    const { value, diagnostics } = parseOfctlShow(t);
    expect(diagnostics).toEqual([]);
    expect(value.ports[0]).toMatchObject({
      ofport: 12,
      name: 'a(b) c',
      config: ['PORT_DOWN', 'NO_FLOOD'],
      state: ['LINK_DOWN'],
      current: ['10GB-FD', 'FIBER', 'AUTO_NEG'],
      advertised: ['1GB-FD', '10GB-FD', 'FIBER'],
      supported: ['1GB-FD', '10GB-FD', 'FIBER', 'AUTO_NEG', 'AUTO_PAUSE'],
      peer: ['10GB-FD', 'FIBER'],
      speedMbps: 10000,
      maxSpeedMbps: 10000,
      line: 5,
    });
    expect(value.ports[1]).toMatchObject({ name: 'x): addr:02:00:00:00:00:02', mac: '02:00:00:00:00:03' });
  });

  it('says when the output is not ovs-ofctl show', () => {
    const r = parseOfctlShow('ovs-ofctl: br-int is not a bridge or a socket\n');
    expect(r.diagnostics[0]).toMatchObject({ severity: 'error', message: expect.stringContaining('no OFPT_FEATURES_REPLY') });
    expect(r.diagnostics[1]).toMatchObject({ severity: 'warning', line: 1, message: 'unrecognised line' });
    expect(parseOfctlShow('').diagnostics[0].severity).toBe('error');
  });

  it('warns about lines it does not know, with their line number', () => {
    const t = text('ofctl-show/hv1-br-int.of10.txt').replace(' 2(ovn-hv3-0)', 'garbage here\n 2(ovn-hv3-0)');
    const r = parseOfctlShow(t);
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', line: 9, excerpt: 'garbage here' })]);
    expect(r.value.ports).toHaveLength(5);
  });

  it('skips a provenance header and accepts CRLF', () => {
    const t = `# source: x\n# what: y\n\n${text('ofctl-show/hv3-br-test.of10.txt').replace(/\n/g, '\r\n')}`;
    const r = parseOfctlShow(t);
    expect(r.diagnostics).toEqual([]);
    expect(r.value.ports.map((p) => p.name)).toEqual(['acc0', 'trk0', 'bd0a', 'bd0b', 'br-test']);
  });
});

describe('properties', () => {
  it('never throws on random text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => void parseOfctlShow(s)), { numRuns: 500 });
    fc.assert(
      fc.property(fc.array(fc.constantFrom(' 1(', 'LOCAL(', 'x', '): addr:aa:bb:cc:dd:ee:ff', '\n', '     config:', ' 0', '     speed:', ' Mbps now', 'OFPT_FEATURES_REPLY (xid=0x2): dpid:', 'n_tables:', '(', ')'), { maxLength: 40 }), (a) => void parseOfctlShow(a.join(''))),
      { numRuns: 500 },
    );
  });

  it('keeps a consistent prefix of the ports at every truncation of a real capture', () => {
    for (const f of FILES) {
      const full = text(`ofctl-show/${f}`);
      const ports = parseOfctlShow(full).value.ports;
      for (let i = 0; i <= full.length; i += 3) {
        const r = parseOfctlShow(full.slice(0, i));
        r.value.ports.forEach((p, k) => {
          expect(p.ofport).toBe(ports[k].ofport);
          // the last port may be cut inside its name or property lines
          if (k < r.value.ports.length - 1) expect(p).toEqual(ports[k]);
        });
        for (const d of r.diagnostics) if (d.line !== undefined) expect(d.line).toBeGreaterThanOrEqual(1);
      }
    }
  });
});
