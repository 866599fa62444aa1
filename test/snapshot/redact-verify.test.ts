// The last line of defence: the scan that refuses a pack when an original token survives, in
// whatever form, and the text fallback that must not mistake userdata bytes for addresses.

import { describe, expect, it } from 'vitest';
import { formatIpv4, parseIpv4, parseIpv6, parseMac } from '../../src/model/masked.js';
import { Redactor } from '../../src/snapshot/redact.js';
import { needlesOf, scanForOriginals } from '../../src/snapshot/redact-verify.js';

function redactor() {
  const r = new Redactor({ key: Buffer.from('verify-test-key-0123456789abcdef'), keywords: ['acme'] });
  r.learn('ipv4', parseIpv4('10.1.1.11')!);
  r.learn('ipv6', parseIpv6('2001:db8:1::5')!);
  r.learn('mac', parseMac('0a:00:01:01:00:11')!);
  r.learnNetwork('ipv4', parseIpv4('10.1.1.0')!, 24);
  r.setName('hostname', 'compute-7', 'host-1');
  r.setName('tunnel-port', 'ovn-comput-0', 'ovn-host-1-0', 'hv2');
  r.freeze();
  return r;
}

describe('scan for original tokens', () => {
  const r = redactor();
  const n = needlesOf(r);
  const found = (text: string, kind: 'flows' | 'other' = 'other', scope?: string) => scanForOriginals('f', text, n, { kind, scope }).map((x) => `${x.line}:${x.kind}:${x.form}`);

  it('finds every form of an address, network, name and keyword', () => {
    expect(found('a 10.1.1.11 b')).toEqual(['1:ipv4:dotted']);
    expect(found('x\nip4.dst == 10.1.1.0/24')).toEqual(['2:ipv4:dotted']);
    expect(found('reg0 = 0xa01010b;')).toEqual(['1:ipv4:hex']);
    expect(found('2001:0db8:0001:0000:0000:0000:0000:0005 and 2001:DB8:1::5')).toEqual(['1:ipv6:text', '1:ipv6:text']);
    expect(found('0A:00:01:01:00:11 0a-00-01-01-00-11 0a00.0101.0011 dpid:00000a0001010011')).toEqual(['1:mac:colons', '1:mac:datapath id', '1:mac:dashes', '1:mac:dotted hex']);
    expect(found('controller(userdata=00.00.00.0a.00.00.00.00.0a.01.01.0b.00)')).toEqual(['1:ipv4:bytes']);
    expect(found('on Compute-7.example.com, acme-web')).toEqual(['1:hostname:text', '1:keyword:text']);
    expect(found(`log(name="${Buffer.from('acme').toString('hex').match(/../g)!.join('.')}")`)).toEqual([]);
    expect(found('userdata=00.00.00.07.00.00.00.00.01.04.61.63.6d.65')).toEqual(['1:keyword:bytes (text)']);
    // Tunnel port names only in the files of their host.
    expect(found('ovn-comput-0', 'other', 'hv2')).toEqual(['1:tunnel-port:text']);
    expect(found('ovn-comput-0', 'other', 'hv1')).toEqual([]);
  });

  it('checks register values in OpenFlow dumps the way they are mapped', () => {
    const line = ' cookie=0xa01010b, duration=1s, table=0, n_packets=0, n_bytes=0, idle_age=1, priority=1,reg0=0xa01010b actions=load:0xa0001010011->NXM_NX_XXREG0[64..111]';
    expect(found(line, 'flows')).toEqual(['1:ipv4:register', '1:mac:register']);
  });

  it('finds nothing in redacted text', () => {
    const text = r.text('10.1.1.11 10.1.1.0/24 0a:00:01:01:00:11 2001:db8:1::5 compute-7 acme 0xa01010b');
    expect(text).not.toContain('10.1.1.11');
    expect(found(text)).toEqual([]);
  });
});

describe('text fallback', () => {
  it('maps known address runs inside dotted userdata bytes and never reads them as IPv4', () => {
    const r = redactor();
    const ip = r.ipv4(parseIpv4('10.1.1.11')!);
    const bytes = ip.toString(16).padStart(8, '0').match(/../g)!.join('.');
    expect(r.text('garbled controller(userdata=00.00.00.63.00.00.00.00.0a.01.01.0b.01.01.00.00) 10.1.1.11')).toBe(
      `garbled controller(userdata=00.00.00.63.00.00.00.00.${bytes}.01.01.00.00) ${formatIpv4(ip)}`,
    );
  });
});
