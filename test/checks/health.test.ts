import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHealth, quoteRow, type HostIdentity } from '../../src/checks/health.js';
import type { Finding } from '../../src/model/finding.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { healthy, withHost, writeSynthetic, type SynthSpec } from '../doctor/synthetic.js';
import { expectFixOnEveryNonPass } from '../harness/findings.js';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'ovnscope-health-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function health(spec: SynthSpec | string, fleet?: HostIdentity[]): Promise<Finding[]> {
  const dir = typeof spec === 'string' ? spec : writeSynthetic(spec, work);
  const r = await loadSnapshot(dir);
  if (!r.ok) throw new Error(r.error.message);
  expect(r.value.diagnostics).toEqual([]);
  return checked(checkHealth({ snapshot: r.value, ...(fleet ? { fleet } : {}) }));
}

/** Every scenario of this file: a finding that is not a pass has a fix, a pass has none. */
function checked(fs: Finding[]): Finding[] {
  expectFixOnEveryNonPass(fs);
  return fs;
}

const of = (fs: Finding[], id: string) => fs.filter((f) => f.id === id);
const bad = (fs: Finding[]) => fs.filter((f) => f.severity === 'fail' || f.severity === 'warn').map((f) => `${f.severity} ${f.id} ${f.host ?? '-'} ${f.subject}`);

/** The evidence excerpt really is in the file it names (the OVSDB table is one JSON line). */
function expectQuoted(dir: string, f: Finding): void {
  for (const e of f.evidence) {
    const text = readFileSync(join(dir, e.file), 'utf8');
    const body = /^row \d+: \{(.*)\}$/.exec(e.excerpt)?.[1];
    expect(body, e.excerpt).toBeDefined();
    // Every "column":value pair quoted appears in the raw row (value as --format=json prints it).
    for (const m of body!.matchAll(/"([a-z_]+)":((?:\["(?:map|set)",\[.*?\]\])|\["uuid","[^"]+"\]|"[^"]*"|-?\d+|true|false)(?=,"[a-z_]+":|$)/g)) {
      const value = m[2]!;
      if (value.startsWith('["map"')) for (const kv of value.matchAll(/\["([^"]+)","([^"]*)"\]/g)) expect(text).toContain(`["${kv[1]}","${kv[2]}"]`);
      else expect(text, `${m[1]}=${value}`).toContain(value);
    }
  }
}

describe('health checks on the bundled fixtures', () => {
  it.each(['fixtures/l3-acl', 'fixtures/lb-nat-3chassis'])('%s: nothing fails or warns, every check that applies passes', async (fx) => {
    const fs = await health(join(root, fx));
    expect(bad(fs)).toEqual([]);
    for (const id of ['D1', 'D2', 'D4', 'D6', 'D7', 'D8', 'D9', 'D10', 'D12', 'D15', 'D16']) expect(of(fs, id).some((f) => f.severity === 'pass'), id).toBe(true);
  });
});

describe('health checks seed by seed', () => {
  it('a healthy synthetic deployment passes; the SB chassis outside the snapshot are info', async () => {
    const fs = await health(healthy());
    expect(bad(fs)).toEqual([]);
    expect(of(fs, 'D14').map((f) => [f.severity, f.message.includes('hv3')])).toEqual([['info', true]]);
    expect(of(fs, 'D13').map((f) => [f.severity, /1 port is bound to 1 chassis.*hv3: 1/.test(f.message)])).toEqual([['info', true]]);
  });

  it('D1: a VIF bound but not up fails on the host it is bound to, quoting the Port_Binding row and the interface', async () => {
    const spec = healthy();
    const dir = writeSynthetic({ ...spec, sb: { ...spec.sb!, ports: spec.sb!.ports.map((p) => (p.name === 'vm1' ? { ...p, up: false } : p)) } }, work);
    const fs = await health(dir);
    const d1 = of(fs, 'D1');
    expect(d1.map((f) => [f.severity, f.host, f.subject])).toEqual([['fail', 'hv1', 'port vm1']]);
    expect(d1[0]!.evidence[0]).toMatchObject({ file: 'central/ovn-sbctl.list.Port_Binding.out' });
    expect(d1[0]!.evidence[0]!.excerpt).toContain('"logical_port":"vm1"');
    expect(d1[0]!.evidence[0]!.excerpt).toContain('"up":false');
    expect(d1[0]!.evidence[1]).toMatchObject({ file: 'hosts/hv1/ovs-vsctl.list.Interface.out' });
    expectQuoted(dir, d1[0]!);
  });

  it('D2: plugged but unbound fails on the plugging host; requested but unbound fails; idle unbound VIFs are one info', async () => {
    const spec = healthy();
    const fs = await health({
      ...spec,
      sb: {
        ...spec.sb!,
        ports: [
          ...spec.sb!.ports.map((p) => (p.name === 'vm2' ? { ...p, chassis: undefined } : p)),
          { name: 'vm4', requestedChassis: 'hv1' },
          { name: 'idle1' },
          { name: 'idle2' },
        ],
      },
    });
    expect(of(fs, 'D2').map((f) => [f.severity, f.host, f.subject])).toEqual([
      ['fail', 'hv2', 'port vm2'],
      ['fail', 'hv1', 'port vm4'],
      ['info', undefined, 'unbound VIF ports'],
    ]);
    expect(of(fs, 'D2')[0]!.message).toMatch(/plugged on hv2 as tap2 .*bound to no chassis: ovn-controller on hv2 is not running/);
    expect(of(fs, 'D2')[0]!.evidence.map((e) => e.file)).toEqual(['central/ovn-sbctl.list.Port_Binding.out', 'hosts/hv2/ovs-vsctl.list.Interface.out', 'central/ovn-nbctl.list.Logical_Switch_Port.out']);
    expect(of(fs, 'D2')[2]!.message).toMatch(/2 VIF ports are bound nowhere.*idle1, idle2/);
  });

  it('D3: bound elsewhere than requested-chassis fails', async () => {
    const spec = healthy();
    const fs = await health({ ...spec, sb: { ...spec.sb!, ports: spec.sb!.ports.map((p) => (p.name === 'vm1' ? { ...p, requestedChassis: 'hv2' } : p)) } });
    expect(of(fs, 'D3').map((f) => [f.severity, f.host, f.subject])).toEqual([['fail', 'hv1', 'port vm1']]);
    expect(of(fs, 'D3')[0]!.message).toMatch(/bound to chassis hv1 but requested on hv2/);
  });

  it('D4: an iface-id with no logical port fails; with an NB port but no SB binding it blames northd', async () => {
    const spec = withHost(healthy(), 'hv1', (h) => ({ ...h, interfaces: [...h.interfaces, { name: 'tapghost', type: 'dummy', ofport: 7, ifaceId: 'ghost' }, { name: 'tapnew', type: 'dummy', ofport: 8, ifaceId: 'fresh' }] }));
    const dir = writeSynthetic({ ...spec, nbPorts: [...spec.nbPorts!, { name: 'fresh' }] }, work);
    const fs = await health(dir);
    const d4 = of(fs, 'D4').filter((f) => f.severity !== 'pass');
    expect(d4.map((f) => [f.severity, f.host, f.subject])).toEqual([
      ['fail', 'hv1', 'interface tapghost'],
      ['fail', 'hv1', 'interface tapnew'],
    ]);
    expect(d4[0]!.message).toMatch(/iface-id=ghost names no logical port \(not in the SB nor the NB\)/);
    expect(d4[1]!.message).toMatch(/the NB has this logical switch port but the SB has no Port_Binding.*ovn-northd/);
    expect(d4[0]!.fix).toContain('ovs-vsctl del-port tapghost');
    expectQuoted(dir, d4[0]!);
  });

  it('D5: a port plugged on one host but bound to another fails; requested elsewhere only warns; additional_chassis is fine', async () => {
    const plugged = withHost(healthy(), 'hv2', (h) => ({ ...h, interfaces: [...h.interfaces, { name: 'tapdup', type: 'dummy', ofport: 9, ifaceId: 'vm1' }] }));
    const fs = await health(plugged);
    expect(of(fs, 'D5').map((f) => [f.severity, f.host, f.subject])).toEqual([['fail', 'hv2', 'interface tapdup']]);
    expect(of(fs, 'D5')[0]!.message).toMatch(/plugged here \(chassis hv2\) but bound to chassis hv1/);
    const requested = await health({ ...plugged, sb: { ...plugged.sb!, ports: plugged.sb!.ports.map((p) => (p.name === 'vm1' ? { ...p, requestedChassis: 'hv1' } : p)) } });
    expect(of(requested, 'D5').map((f) => f.severity)).toEqual(['warn']);
    const migrating = await health({ ...plugged, sb: { ...plugged.sb!, ports: plugged.sb!.ports.map((p) => (p.name === 'vm1' ? { ...p, additionalChassis: ['hv2'] } : p)) } });
    expect(of(migrating, 'D5')).toEqual([]);
  });

  it('D6: a chassis without Encap fails (and then needs no tunnel)', async () => {
    const spec = healthy();
    const fs = await health({ ...spec, sb: { ...spec.sb!, chassis: spec.sb!.chassis.map((c) => (c.name === 'hv3' ? { ...c, encaps: [] } : c)) } });
    expect(of(fs, 'D6').map((f) => [f.severity, f.subject])).toEqual([['fail', 'chassis hv3']]);
    expect(bad(fs)).toEqual(['fail D6 - chassis hv3', 'warn D9 hv1 tunnel ovn-hv3-0', 'warn D9 hv2 tunnel ovn-hv3-0']);
  });

  it('D7: a host whose system-id is not in the SB fails', async () => {
    const spec = healthy();
    const fs = await health({ ...spec, sb: { ...spec.sb!, chassis: spec.sb!.chassis.filter((c) => c.name !== 'hv2'), ports: spec.sb!.ports.map((p) => (p.name === 'vm2' ? { ...p, chassis: undefined } : p)) } });
    expect(of(fs, 'D7').map((f) => [f.severity, f.host])).toEqual([
      ['pass', 'hv1'],
      ['fail', 'hv2'],
    ]);
    expect(of(fs, 'D7')[1]!.evidence[0]!.excerpt).toContain('["system-id","hv2"]');
  });

  it('D8: ovn-encap-ip differing from the SB Encap fails', async () => {
    const fs = await health(withHost(healthy(), 'hv1', (h) => ({ ...h, encapIp: '192.168.0.11' })));
    expect(of(fs, 'D8').filter((f) => f.severity === 'fail').map((f) => [f.host, /ovn-encap-ip is 192\.168\.0\.11 but the SB advertises 192\.168\.0\.1/.test(f.message)])).toEqual([['hv1', true]]);
  });

  it('D9: a tunnel towards no chassis warns; a tunnel to a known chassis at its old IP fails', async () => {
    const spec = withHost(healthy(), 'hv1', (h) => ({
      ...h,
      interfaces: [...h.interfaces.filter((i) => i.name !== 'ovn-hv3-0'), { name: 'ovn-hv3-0', type: 'geneve', ofport: 2, options: { remote_ip: '192.168.0.33' }, ovnChassisId: 'hv3@192.168.0.33' }, { name: 'stale0', type: 'geneve', ofport: 5, options: { remote_ip: '192.168.0.99' } }],
    }));
    const dir = writeSynthetic(spec, work);
    const fs = await health(dir);
    expect(of(fs, 'D9').map((f) => [f.severity, f.host, f.subject])).toEqual([
      ['fail', 'hv1', 'tunnel ovn-hv3-0'],
      ['warn', 'hv1', 'tunnel stale0'],
      ['pass', 'hv2', 'tunnel ports'],
    ]);
    expect(of(fs, 'D9')[0]!.message).toMatch(/leads to chassis hv3 at 192\.168\.0\.33, but hv3's encap is 192\.168\.0\.3/);
    expect(of(fs, 'D9')[1]!.message).toMatch(/towards 192\.168\.0\.99: no chassis in the SB has this encap IP/);
    expect(of(fs, 'D9')[1]!.evidence[0]!.excerpt).toContain('["remote_ip","192.168.0.99"]');
    expectQuoted(dir, of(fs, 'D9')[1]!);
    // The tunnel with the old IP still counts as "a tunnel to hv3" for D10 (D9 says what is wrong with it).
    expect(of(fs, 'D10').filter((f) => f.severity === 'fail')).toEqual([]);
  });

  it('D10: a missing tunnel to a peer fails; chassis in other transport zones are not peers', async () => {
    const spec = withHost(healthy(), 'hv2', (h) => ({ ...h, interfaces: h.interfaces.filter((i) => i.name !== 'ovn-hv3-0') }));
    const fs = await health(spec);
    expect(of(fs, 'D10').filter((f) => f.severity === 'fail').map((f) => [f.host, /no tunnel port to 1 chassis \(hv3 192\.168\.0\.3\)/.test(f.message)])).toEqual([['hv2', true]]);
    const zoned = await health({ ...spec, sb: { ...spec.sb!, chassis: spec.sb!.chassis.map((c) => (c.name === 'hv3' ? { ...c, transportZones: ['tz-b'] } : c)) } });
    expect(of(zoned, 'D10').filter((f) => f.severity === 'fail')).toEqual([]);
  });

  it('D11: tunnel BFD down fails, init warns, up passes', async () => {
    const bfd = (state: string, forwarding: string) => ({ bfd: { enable: 'true' }, bfdStatus: { state, forwarding, diagnostic: state === 'down' ? 'Control Detection Time Expired' : 'No Diagnostic' } });
    const spec = withHost(healthy(), 'hv1', (h) => ({ ...h, interfaces: h.interfaces.map((i) => (i.name === 'ovn-hv2-0' ? { ...i, ...bfd('down', 'false') } : i.name === 'ovn-hv3-0' ? { ...i, ...bfd('init', 'false') } : i)) }));
    const fs = await health(withHost(spec, 'hv2', (h) => ({ ...h, interfaces: h.interfaces.map((i) => (i.name === 'ovn-hv1-0' ? { ...i, ...bfd('up', 'true') } : i)) })));
    expect(of(fs, 'D11').map((f) => [f.severity, f.host, f.subject])).toEqual([
      ['fail', 'hv1', 'tunnel ovn-hv2-0'],
      ['warn', 'hv1', 'tunnel ovn-hv3-0'],
      ['pass', 'hv2', 'tunnel BFD'],
    ]);
    expect(of(fs, 'D11')[0]!.message).toMatch(/BFD down, forwarding=false \(Control Detection Time Expired\) towards 192\.168\.0\.2/);
  });

  it('D12: an interface with an error / ofport -1 fails', async () => {
    const dir = writeSynthetic(withHost(healthy(), 'hv2', (h) => ({ ...h, interfaces: [...h.interfaces, { name: 'tapgone', ofport: -1, ifaceId: 'vm2b', error: 'could not open network device tapgone (No such device)' }] })), work);
    const fs = await health(dir);
    expect(of(fs, 'D12').filter((f) => f.severity === 'fail').map((f) => [f.host, f.subject, f.message.startsWith('OVS reports: could not open network device tapgone (No such device) (ofport -1)')])).toEqual([['hv2', 'interface tapgone', true]]);
    expectQuoted(dir, of(fs, 'D12').find((f) => f.severity === 'fail')!);
  });

  it('D13/D14: bindings to a chassis row that no longer exists warn', async () => {
    const spec = healthy();
    const fs = await health({ ...spec, sb: { ...spec.sb!, ports: [...spec.sb!.ports, { name: 'orphan', chassis: 'hv9' }] } });
    expect(of(fs, 'D13').map((f) => [f.severity, /no Chassis row at all/.test(f.message)])).toEqual([['warn', true]]);
  });

  it('D15: one encap IP claimed by two chassis fails; D16: two hosts with one system-id fails', async () => {
    const spec = healthy();
    const dup = await health({ ...spec, sb: { ...spec.sb!, chassis: spec.sb!.chassis.map((c) => (c.name === 'hv3' ? { ...c, encaps: [{ ip: '192.168.0.2' }] } : c)) } });
    expect(of(dup, 'D15').map((f) => [f.severity, f.subject, /claimed by 2 chassis \(hv2, hv3\)/.test(f.message)])).toEqual([['fail', 'encap 192.168.0.2', true]]);
    const clone = await health(withHost(healthy(), 'hv2', (h) => ({ ...h, systemId: 'hv1' })));
    expect(of(clone, 'D16').map((f) => [f.severity, f.subject])).toEqual([['fail', 'system-id hv1']]);
    // Both hosts have the Chassis row of their system-id: D7 does not call either unregistered.
    expect(of(clone, 'D7').filter((f) => f.severity === 'fail')).toEqual([]);
  });

  it('without an SB: the SB-side checks are n/a with the reason, the OVS-side ones still run', async () => {
    const fs = await health({ hosts: healthy().hosts });
    expect(of(fs, 'D1').map((f) => [f.severity, /no NB\/SB/.test(f.message)])).toEqual([['n-a', true]]);
    expect(of(fs, 'D12').map((f) => f.severity)).toEqual(['pass', 'pass']);
    expect(bad(fs)).toEqual([]);
  });

  it('with a fleet identity, chassis of hosts that are in the snapshot but not loaded are not "outside"', async () => {
    const spec = healthy();
    const dir = writeSynthetic({ ...spec, hosts: spec.hosts.filter((h) => h.name === 'hv1') }, work);
    const fs = await health(dir, [
      { name: 'hv1', chassis: 'hv1', encapIps: ['192.168.0.1'] },
      { name: 'hv2', chassis: 'hv2', encapIps: ['192.168.0.2'] },
    ]);
    expect(of(fs, 'D14')[0]!.message).toMatch(/1 SB chassis of 3 .*: hv3$/);
  });
});

describe('quoteRow', () => {
  it('prints cells in the notation of --format=json, restricted to the named columns and map keys', () => {
    const row = {
      index: 4,
      uuid: 'u',
      cells: new Map<string, never>([
        ['name', 'tap1' as never],
        ['ofport', -1 as never],
        ['external_ids', { kind: 'map', entries: [['iface-id', 'vm1'], ['attached-mac', 'aa']] } as never],
        ['chassis', { kind: 'uuid', uuid: 'c1' } as never],
        ['encaps', { kind: 'set', items: [] } as never],
      ]),
    };
    expect(quoteRow(row, ['name', 'ofport', { column: 'external_ids', keys: ['iface-id'] }, 'chassis', 'encaps', 'absent'])).toBe('row 4: {"name":"tap1","ofport":-1,"external_ids":["map",[["iface-id","vm1"]]],"chassis":["uuid","c1"],"encaps":["set",[]]}');
  });
});

describe('checks whose input is missing or damaged are n/a, not findings about the host', () => {
  function l3Without(...files: string[]): string {
    const dir = mkdtempSync(join(work, 'l3-'));
    cpSync(join(root, 'fixtures/l3-acl'), dir, { recursive: true });
    rmSync(join(dir, '.cache'), { recursive: true, force: true });
    for (const f of files) rmSync(join(dir, f));
    return dir;
  }

  it("D10: hv1's Interface listing missing → n/a saying so, not 'ovn-controller on hv1 is not running'", async () => {
    const r = await loadSnapshot(l3Without('hosts/hv1/ovs-vsctl.list.Interface.out', 'hosts/hv1/ovs-ofctl.dump-flows.br-int.out'), { cache: { enabled: false } });
    if (!r.ok) throw new Error(r.error.message);
    const fs = checked(checkHealth({ snapshot: r.value }));
    expect(bad(fs)).toEqual([]);
    for (const id of ['D4', 'D9', 'D10', 'D12']) {
      const hv1 = of(fs, id).filter((f) => f.host === 'hv1');
      expect(hv1.map((f) => f.severity), id).toEqual(['n-a']);
      expect(hv1[0]!.message).toContain('hosts/hv1/ovs-vsctl.list.Interface.out is damaged (missing: removed after collection)');
    }
    // hv2 is still checked.
    expect(of(fs, 'D10').filter((f) => f.host === 'hv2').map((f) => f.severity)).toEqual(['pass']);
  });

  it('a damaged SB Chassis listing makes D6/D7/D15 n/a rather than "no Chassis row"', async () => {
    const dir = l3Without();
    writeFileSync(join(dir, 'central/ovn-sbctl.list.Chassis.out'), readFileSync(join(dir, 'central/ovn-sbctl.list.Chassis.out'), 'utf8').slice(0, 40));
    const r = await loadSnapshot(dir, { cache: { enabled: false } });
    if (!r.ok) throw new Error(r.error.message);
    const fs = checked(checkHealth({ snapshot: r.value }));
    expect(bad(fs), JSON.stringify(fs.filter((f) => f.severity === 'fail' || f.severity === 'warn'))).toEqual([]);
    for (const id of ['D6', 'D7', 'D15']) expect(of(fs, id).length, id).toBeGreaterThan(0);
    for (const id of ['D6', 'D7', 'D15']) expect(of(fs, id).every((f) => f.severity === 'n-a' && f.message.includes('central/ovn-sbctl.list.Chassis.out is damaged')), id).toBe(true);
  });
});
