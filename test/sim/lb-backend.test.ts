// --lb-dst against the backends of select-group buckets: one reading and one rule (src/sim/lb-backend.ts)
// for the check over the snapshot's groups (services' bucketsForBackend) and for the bucket chosen
// where the packet meets a group (sim/cross.ts). Before, the two disagreed on buckets without a
// port (the check refused --lb-dst IP:PORT for them, the choice took them) and on the family (the
// check compared bare integers, so the IPv6 ::a02:20b matched the IPv4 bucket 10.2.2.11).

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Group } from '../../src/model/flow.js';
import { parseGroupLine } from '../../src/parse/ofctl-groups.js';
import { bucketsForBackend, trace, type TraceRequest } from '../../src/services/trace.js';
import { bucketOfBackend, formatLbBackend, lbBackendMatches, natBackend, parseLbBackend, vipsOfBackends } from '../../src/sim/lb-backend.js';
import { copyFixture } from '../harness/fixture-copy.js';

/** A select group of one bucket per backend, as OVN writes them (`ct(nat(dst=...))`). */
function group(id: number, ...backends: string[]): Group {
  const buckets = backends.map((b, i) => `bucket=bucket_id:${i},weight:100,actions=ct(commit,table=21,zone=NXM_NX_REG13[0..15],nat(dst=${b}),exec(set_field:0x2/0x2->ct_mark))`);
  const g = parseGroupLine(`group_id=${id},type=select,selection_method=dp_hash,${buckets.join(',')}`).value;
  if (!g) throw new Error(`not a group: ${backends.join(', ')}`);
  return g;
}

describe('--lb-dst IP[:PORT] against a bucket’s ct(nat(dst=...))', () => {
  it('reads --lb-dst and the buckets the same way: IPv4, [IPv6]:PORT, a bare IPv6 address is all address', () => {
    expect(parseLbBackend('10.0.0.5')).toEqual({ ip: '10.0.0.5', port: undefined });
    expect(parseLbBackend('10.0.0.5:8080')).toEqual({ ip: '10.0.0.5', port: 8080 });
    expect(parseLbBackend('[2001:db8::5]:8080')).toEqual({ ip: '2001:db8::5', port: 8080 });
    expect(parseLbBackend('[2001:db8::5]')).toEqual({ ip: '2001:db8::5', port: undefined });
    expect(parseLbBackend('2001:db8:0::5')).toEqual({ ip: '2001:db8::5', port: undefined });
    // The last group of a bare IPv6 address is part of it, as in OVN's VIPs.
    expect(parseLbBackend('2001:db8::5:8080')).toEqual({ ip: '2001:db8::5:8080', port: undefined });
    expect(parseLbBackend('10.0.0.5:70000')).toBeUndefined();
    expect(parseLbBackend('web1')).toBeUndefined();
    // OVS prints an IPv6 nat address with brackets; the backend read is the same as --lb-dst's.
    expect(natBackend(group(1, '[2001:db8::5]:8080').buckets[0]!.actions)).toEqual({ ip: '2001:db8::5', port: 8080 });
    expect(natBackend(group(1, '10.0.0.5').buckets[0]!.actions)).toEqual({ ip: '10.0.0.5', port: undefined });
    expect(['10.0.0.5:8080', '10.0.0.5', '[2001:db8::5]:8080', '[2001:db8::5]'].map((b) => formatLbBackend(natBackend(group(1, b).buckets[0]!.actions)!))).toEqual(['10.0.0.5:8080', '10.0.0.5', '[2001:db8::5]:8080', '[2001:db8::5]']);
  });

  // IPv4 and IPv6 × --lb-dst with and without a port × a bucket with and without a port. The rule:
  // the same address (and family); a port in --lb-dst must be the bucket's — a bucket without a
  // port (a VIP without a port: the packet keeps its destination port) is named by its address only.
  const cases: [lbDst: string, bucket: string, matches: boolean][] = [
    ['10.0.0.5', '10.0.0.5:8080', true],
    ['10.0.0.5', '10.0.0.5', true],
    ['10.0.0.5:8080', '10.0.0.5:8080', true],
    ['10.0.0.5:8080', '10.0.0.5:80', false],
    ['10.0.0.5:8080', '10.0.0.5', false],
    ['10.0.0.6', '10.0.0.5', false],
    ['2001:db8::5', '[2001:db8::5]:8080', true],
    ['[2001:db8::5]', '[2001:db8::5]:8080', true],
    ['2001:db8::5', '[2001:db8::5]', true],
    ['[2001:db8::5]:8080', '[2001:db8::5]:8080', true],
    ['[2001:db8::5]:8080', '[2001:db8::5]:80', false],
    ['[2001:db8::5]:8080', '[2001:db8::5]', false],
    // Not [2001:db8::5]:8080: a bare IPv6 address has no port.
    ['2001:db8::5:8080', '[2001:db8::5]:8080', false],
    // The family is part of the address: ::a00:5 has the same 32 low bits as 10.0.0.5.
    ['::a00:5', '10.0.0.5', false],
    ['10.0.0.5', '[::a00:5]', false],
  ];

  it('the rule: same address; --lb-dst IP any port or none; --lb-dst IP:PORT that port, never a port-less bucket', () => {
    for (const [lbDst, bucket, matches] of cases) expect(lbBackendMatches(parseLbBackend(lbDst)!, natBackend(group(1, bucket).buckets[0]!.actions)!), `${lbDst} vs ${bucket}`).toBe(matches);
  });

  it('the --lb-dst check over the groups and the choice in a group agree on every case', () => {
    for (const [lbDst, bucket, matches] of cases) {
      // Another backend first, so a match must pick bucket 1.
      const g = group(7, bucket.includes('[') ? '[2001:db8::99]:1' : '192.0.2.99:1', bucket);
      const checked = bucketsForBackend([{ groups: [g] }], lbDst, 'here');
      expect(checked.ok ? checked.value.get(7) : -1, `check: ${lbDst} vs ${bucket}`).toBe(matches ? 1 : -1);
      expect(bucketOfBackend(g.buckets, parseLbBackend(lbDst)!), `choice: ${lbDst} vs ${bucket}`).toBe(matches ? 1 : -1);
    }
  });
});

describe('--lb-dst with a backend that is port-less in one load balancer and has a port in another', () => {
  // lb-nat-3chassis with lb-web's switch group (group 1, met by a1 → 10.2.0.100 on hv1) made
  // port-less, as OVN writes a VIP without a port; the router's group 2 on hv3 keeps
  // 10.2.2.11:8080. Before, the check passed (group 2 has 10.2.2.11:8080) and the choice on hv1
  // took the port-less 10.2.2.11, which sends the packet to 10.2.2.11:80 — not the backend named.
  const portless = (): string => {
    const dir = copyFixture('lb-nat-3chassis');
    for (const host of readdirSync(join(dir, 'hosts'))) {
      const file = join(dir, 'hosts', host, 'ovs-ofctl.dump-groups.br-int.out');
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.split('\n').map((l) => (/^\s*group_id=1,/.test(l) ? l.replace(/nat\(dst=(10\.2\.2\.1[12]):8080\)/g, 'nat(dst=$1)') : l)).join('\n'));
    }
    return dir;
  };
  const req = (snapshot: string, lbDst: string): TraceRequest => ({ snapshot, bridge: 'br-int', ctNext: [], detail: 'minimal', from: 'a1', to: '10.2.0.100', protocol: { kind: 'tcp', port: 80 }, lbDst });

  it('--lb-dst IP:PORT does not choose the port-less bucket: a usage error saying to name it by its address', async () => {
    const dir = portless();
    const r = await trace(req(dir, '10.2.2.11:8080'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.exitCode).toBe(2);
    expect(r.error.message).toBe(
      '--lb-dst 10.2.2.11:8080 is not a backend of VIP 10.2.0.100:80 (load balancer lb-web), which the packet meets on hv1 (group 1): its backends are 10.2.2.11, 10.2.2.12; 10.2.2.11 is a backend without a port there (of a VIP without a port: the packet keeps its destination port), which --lb-dst 10.2.2.11:8080 does not name: give --lb-dst 10.2.2.11',
    );
  });

  it('--lb-dst IP chooses it, and the choice names it without a port', async () => {
    const r = await trace(req(portless(), '10.2.2.11'));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.single!.lbChoices).toEqual([expect.objectContaining({ host: 'hv1', groupId: 1, bucket: 0, backend: '10.2.2.11', why: '--lb-dst 10.2.2.11' })]);
  });

  it('an IPv6 address whose low bits are an IPv4 backend is no backend (the check refuses it up front)', async () => {
    const r = await trace(req(portless(), '::a02:20b'));
    expect(!r.ok && r.error.message).toBe('--lb-dst ::a02:20b: no load-balancer group in the snapshot has that backend (read as the IPv6 address ::10.2.2.11; an IPv6 backend with a port is written [addr]:port)');
  });
});

describe('--lb-dst IP when the group has that address on several ports', () => {
  // A pod serving one VIP on two ports: `--lb-dst IP` names two backends. Taking the first would
  // trace a backend the user may not mean; both the check and the choice say so instead.
  it('bucketOfBackend lists them; the same backend twice, or IP:PORT, is one', () => {
    const g = group(7, '10.0.0.5:80', '10.0.0.6:80', '10.0.0.5:8080');
    expect(bucketOfBackend(g.buckets, parseLbBackend('10.0.0.5')!)).toEqual({ several: ['10.0.0.5:80', '10.0.0.5:8080'] });
    expect(bucketOfBackend(g.buckets, parseLbBackend('10.0.0.5:8080')!)).toBe(2);
    expect(bucketOfBackend(g.buckets, parseLbBackend('10.0.0.6')!)).toBe(1);
    expect(bucketOfBackend(group(8, '10.0.0.5:80', '10.0.0.5:80').buckets, parseLbBackend('10.0.0.5')!)).toBe(0);
    const checked = bucketsForBackend([{ groups: [g] }], '10.0.0.5', 'here');
    expect(!checked.ok && checked.error.message).toBe('--lb-dst 10.0.0.5 names 2 backends of load-balancer group 7: 10.0.0.5:80, 10.0.0.5:8080; give one with its port');
  });

  it('a trace with --lb-dst IP that meets such a group is a usage error naming them; IP:PORT chooses', async () => {
    // lb-nat-3chassis: lb-web's group 1 (met by a1 → 10.2.0.100:80 on hv1) gets 10.2.2.11 on port 8081 as its second backend.
    const dir = copyFixture('lb-nat-3chassis');
    for (const host of readdirSync(join(dir, 'hosts'))) {
      const file = join(dir, 'hosts', host, 'ovs-ofctl.dump-groups.br-int.out');
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.split('\n').map((l) => (/^\s*group_id=1,/.test(l) ? l.replace('nat(dst=10.2.2.12:8080)', 'nat(dst=10.2.2.11:8081)') : l)).join('\n'));
    }
    const req = (lbDst: string): TraceRequest => ({ snapshot: dir, bridge: 'br-int', ctNext: [], detail: 'minimal', from: 'a1', to: '10.2.0.100', protocol: { kind: 'tcp', port: 80 }, lbDst });
    const r = await trace(req('10.2.2.11'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.exitCode).toBe(2);
    expect(r.error.message).toMatch(/^--lb-dst 10\.2\.2\.11 names 2 backends of load-balancer group 1: 10\.2\.2\.11:8080, 10\.2\.2\.11:8081; give one with its port$/);
    const chosen = await trace(req('10.2.2.11:8081'));
    if (!chosen.ok) throw new Error(chosen.error.message);
    expect(chosen.value.single!.lbChoices).toEqual([expect.objectContaining({ host: 'hv1', groupId: 1, bucket: 1, backend: '10.2.2.11:8081' })]);
  });
});

describe('the snapshot-wide --lb-dst check: a port-less backend of another load balancer', () => {
  // As in the reviewer's snapshot: the traced VIP 10.2.0.102:80 (lb-dup) has 10.2.2.11 on ports
  // 8080 and 8081; lb-noport's VIP 10.2.0.150 (no port) has 10.2.2.11 and 10.2.2.12 without a
  // port, in a switch group (6) and a router group (13). --lb-dst 10.2.2.11:9999 is nobody's
  // backend; the hint about 10.2.2.11 comes from lb-noport and must say so, not "there".
  const groups = [group(5, '10.2.2.11:8080', '10.2.2.11:8081'), group(6, '10.2.2.11', '10.2.2.12'), group(13, '10.2.2.11', '10.2.2.12')];
  const nbLb = (name: string, vips: Record<string, string>) => ({ name, uuid: `${name}-uuid`, vips, protocol: undefined, options: {}, externalIds: {}, selectionFields: [], healthCheck: [], raw: {} as never });
  const loadBalancers = [nbLb('lb-dup', { '10.2.0.102:80': '10.2.2.11:8080,10.2.2.11:8081' }), nbLb('lb-noport', { '10.2.0.150': '10.2.2.11,10.2.2.12' })];

  it('names the VIP and load balancer the port-less backend belongs to (found from the group\'s backends), once for its groups', () => {
    const r = bucketsForBackend([{ groups }], '10.2.2.11:9999', 'in the snapshot', loadBalancers);
    expect(!r.ok && r.error.message).toBe(
      "--lb-dst 10.2.2.11:9999: no load-balancer group in the snapshot has that backend; 10.2.2.11 is a backend without a port of VIP 10.2.0.150 of load balancer lb-noport (load-balancer groups 6, 13; a VIP without a port keeps the packet's destination port): --lb-dst 10.2.2.11 names it for that VIP",
    );
  });

  it('without an NB VIP of those backends, names the groups', () => {
    const r = bucketsForBackend([{ groups }], '10.2.2.11:9999', 'in the snapshot');
    expect(!r.ok && r.error.message).toBe(
      "--lb-dst 10.2.2.11:9999: no load-balancer group in the snapshot has that backend; 10.2.2.11 is a backend without a port in load-balancer groups 6, 13 (of a VIP without a port, which keeps the packet's destination port): --lb-dst 10.2.2.11 names it for that group's VIP",
    );
  });

  it('vipsOfBackends matches the backends as sets, in any order and spelling', () => {
    expect(vipsOfBackends(loadBalancers, group(9, '10.2.2.12', '10.2.2.11').buckets)).toEqual(['VIP 10.2.0.150 of load balancer lb-noport']);
    expect(vipsOfBackends(loadBalancers, group(9, '10.2.2.11').buckets)).toEqual([]);
  });
});

describe('--lb-dst not a backend of a VIP without a port', () => {
  // lb-nat-3chassis with lb-web's VIP made port-less in the NB ("10.2.0.100" → 10.2.2.11,
  // 10.2.2.12) and in its switch group 1, met by a1 → 10.2.0.100 on hv1. The packet goes to port
  // 80, but the VIP takes any port: "VIP 10.2.0.100:80" names a VIP that does not exist.
  const portlessVip = (nbVip: string): string => {
    const dir = copyFixture('lb-nat-3chassis');
    for (const host of readdirSync(join(dir, 'hosts'))) {
      const file = join(dir, 'hosts', host, 'ovs-ofctl.dump-groups.br-int.out');
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.split('\n').map((l) => (/^\s*group_id=1,/.test(l) ? l.replace(/nat\(dst=(10\.2\.2\.1[12]):8080\)/g, 'nat(dst=$1)') : l)).join('\n'));
    }
    const nb = join(dir, 'central', 'ovn-nbctl.list.Load_Balancer.out');
    const text = readFileSync(nb, 'utf8');
    const edited = text.replace('"10.2.0.100:80","10.2.2.11:8080,10.2.2.12:8080"', `"${nbVip}","10.2.2.11,10.2.2.12"`);
    if (edited === text) throw new Error('lb-web VIP not found in the fixture NB');
    writeFileSync(nb, edited);
    return dir;
  };
  const req = (snapshot: string): TraceRequest => ({ snapshot, bridge: 'br-int', ctNext: [], detail: 'minimal', from: 'a1', to: '10.2.0.100', protocol: { kind: 'tcp', port: 80 }, lbDst: '10.2.2.12:8080', followTunnels: true });

  it('says "VIP IP (any port)" when the NB VIP has no port', async () => {
    const r = await trace(req(portlessVip('10.2.0.100')));
    expect(!r.ok && r.error.message).toMatch(/^--lb-dst 10\.2\.2\.12:8080 is not a backend of VIP 10\.2\.0\.100 \(any port; load balancer lb-web\), which the packet meets on hv1 \(group 1\): its backends are 10\.2\.2\.11, 10\.2\.2\.12;/);
  });

  it('without the VIP in the NB, the port-less buckets say it has no port', async () => {
    // The VIP moved to another address: the NB no longer names 10.2.0.100, the group still serves it.
    const r = await trace(req(portlessVip('10.2.0.199')));
    expect(!r.ok && r.error.message).toMatch(/^--lb-dst 10\.2\.2\.12:8080 is not a backend of VIP 10\.2\.0\.100 \(any port\), which the packet meets on hv1 \(group 1\)/);
  });
});
