// Offline regression: tables and live ofproto/trace outputs saved from the lb-nat-3chassis
// sandbox (gateway chassis hv3: br-ex NORMAL + patch port, SNAT/DNAT, dnat_and_snat, LB VIP on
// the gateway router, TTL 1), compared with the same rules as the live differential suite.

import { describe, expect, it } from 'vitest';
import { compileHost, traceHost } from '../../src/sim/index.js';
import { compareWithOracle, oracleView } from './differential-lib.js';
import { savedLbNatHv3 } from './live-host.js';

const { live, read, traces } = savedLbNatHv3();
const compiled = compileHost(live.host);
const roles = new Map<string, string>();
for (const b of live.host.bridges) for (const p of b.ports) roles.set(p.name, p.role.kind);

describe('saved ofproto/trace outputs (lb-nat-3chassis, hv3)', () => {
  it.each(traces)('%s agrees', (f) => {
    const text = read(f);
    const bridge = /^# bridge: (.*)$/m.exec(text)![1];
    const flow = /^# flow: (.*)$/m.exec(text)![1];
    const opts = /^# options: (.*)$/m.exec(text)![1];
    const ctNext = [...opts.matchAll(/--ct-next (\S+)/g)].map((m) => m[1]);
    const r = traceHost(compiled, bridge, flow, { ctNext, fdb: live.fdb });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const o = oracleView(text, live.dpNames, roles, r.value.size);
    expect(compareWithOracle(r.value, o)).toEqual([]);
  });

  it('the host compiles every flow', () => {
    for (const b of compiled.bridges.values()) expect(b.problems).toEqual([]);
    expect(compiled.patchPeers.size).toBe(2);
  });
});

describe('random packets through real OVN tables', () => {
  it('never throw, always have a verdict, and serialize to JSON', async () => {
    const fc = (await import('fast-check')).default;
    const ip = fc.tuple(fc.constantFrom(10, 172, 192), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
    const mac = fc.constantFrom('0a:00:02:ff:00:01', '0a:00:02:ee:00:21', 'ff:ff:ff:ff:ff:ff', '01:00:5e:00:00:01', '0a:00:00:00:99:99');
    const proto = fc.constantFrom('tcp', 'udp', 'icmp', 'arp', 'ip');
    fc.assert(
      fc.property(proto, mac, ip, ip, fc.nat(255), fc.nat(65535), fc.nat(7), fc.constantFrom('br-ex-up', 'patch-br-int-to-ext-localnet', 'ovn-hv1-0'), (p, dst, src, dstIp, ttl, port, dpHash, inPort) => {
        const br = inPort === 'br-ex-up' ? 'br-ex' : 'br-int';
        let flow = `in_port=${inPort},${p},dl_src=0a:00:00:00:99:99,dl_dst=${dst}`;
        if (p === 'arp') flow += `,arp_op=1,arp_spa=${src},arp_tpa=${dstIp}`;
        else flow += `,nw_src=${src},nw_dst=${dstIp},nw_ttl=${ttl}`;
        if (p === 'tcp') flow += `,tcp_dst=${port}`;
        if (p === 'udp') flow += `,udp_dst=${port}`;
        if (dpHash) flow += `,dp_hash=${dpHash}`;
        const r = traceHost(compiled, br, flow, { fdb: live.fdb, ctNext: ['trk,est'] });
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(['delivered', 'dropped', 'controller', 'tunnel', 'error']).toContain(r.value.verdict);
        expect(() => JSON.stringify(r.value)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
