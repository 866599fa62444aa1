import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMicroflow } from '../../src/parse/microflow.js';

function fieldsOf(text: string): Record<string, string> {
  const r = parseMicroflow(text);
  if (!r.ok) throw new Error(r.error.message);
  const out: Record<string, string> = {};
  for (const f of r.value.fields) out[f.field.name] = f.port ? (f.port.kind === 'name' ? `name:${f.port.name}` : `num:${f.port.port}`) : f.value.toString();
  return out;
}

describe('parseMicroflow (ofproto/trace flow syntax)', () => {
  it('reads the usual OVN trace flow', () => {
    const r = parseMicroflow('in_port="vif1",tcp,dl_src=0a:00:00:00:00:01,dl_dst=0a:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tcp_dst=80');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.protocol).toBe('tcp');
    expect(r.value.dlType).toBe(0x0800);
    expect(r.value.nwProto).toBe(6);
    expect(r.value.fields.map((f) => f.field.name)).toEqual(['in_port', 'dl_src', 'dl_dst', 'nw_src', 'nw_dst', 'nw_ttl', 'tp_dst']);
    expect(r.value.fields[0].port).toEqual({ kind: 'name', name: 'vif1' });
    expect(r.value.fields[3].value).toBe(0x0a000001n);
  });

  it('accepts bare and quoted port names, numbers and reserved ports', () => {
    expect(fieldsOf('in_port=vif1').in_port).toBe('name:vif1');
    expect(fieldsOf('in_port="patch-br-int-to-ln"').in_port).toBe('name:patch-br-int-to-ln');
    expect(fieldsOf('in_port=3').in_port).toBe('num:3');
    expect(fieldsOf('in_port=LOCAL').in_port).toBe(`num:${0xfffe}`);
  });

  it('accepts every protocol shorthand of ofp_parse_protocol()', () => {
    for (const [p, dl, proto] of [
      ['ip', 0x800, undefined],
      ['ipv4', 0x800, undefined],
      ['ip4', 0x800, undefined],
      ['icmp', 0x800, 1],
      ['udp', 0x800, 17],
      ['sctp', 0x800, 132],
      ['ipv6', 0x86dd, undefined],
      ['ip6', 0x86dd, undefined],
      ['icmp6', 0x86dd, 58],
      ['tcp6', 0x86dd, 6],
      ['udp6', 0x86dd, 17],
      ['arp', 0x806, undefined],
      ['rarp', 0x8035, undefined],
      ['mpls', 0x8847, undefined],
    ] as const) {
      const r = parseMicroflow(p);
      expect(r.ok && r.value.dlType).toBe(dl);
      expect(r.ok && r.value.nwProto).toBe(proto);
    }
  });

  it('reads tunnel, conntrack, register and metadata fields', () => {
    const f = fieldsOf('in_port=1,tun_id=0x3,tun_src=192.168.0.1,tun_dst=192.168.0.2,tun_metadata0=0x10002,ct_state=trk|est,ct_zone=5,recirc_id=0x7,reg14=0x1,metadata=0x2,dp_hash=9');
    expect(f).toMatchObject({ tun_id: '3', tun_src: String(0xc0a80001), tun_metadata0: String(0x10002), ct_state: String(0x22), ct_zone: '5', recirc_id: '7', reg14: '1', metadata: '2', dp_hash: '9' });
  });

  it('separators: commas and blanks', () => {
    expect(Object.keys(fieldsOf('in_port=1 , tcp  tcp_dst=80,,nw_ttl=3'))).toEqual(['in_port', 'tp_dst', 'nw_ttl']);
  });

  it('checks prerequisites in the order written, as OVS does', () => {
    const a = parseMicroflow('in_port=1,tcp_dst=80,tcp');
    expect(a.ok).toBe(false);
    if (!a.ok) {
      expect(a.error.column).toBe(11);
      expect(a.error.exitCode).toBe(2);
      expect(a.error.message).toContain('prerequisites not met for setting tcp_dst');
    }
    const b = parseMicroflow('udp,tp_src=68');
    expect(!b.ok && b.error.message).toContain('for UDP use udp_src/udp_dst');
    expect(parseMicroflow('udp,udp_src=68').ok).toBe(true);
    expect(parseMicroflow('icmp6,icmp_type=128').ok).toBe(false);
    expect(parseMicroflow('icmp6,icmpv6_type=135,icmpv6_code=0,nd_target=2001:db8::1').ok).toBe(true);
  });

  it('the caret in the message sits under the offending token, whatever precedes the flow on its line', () => {
    const r = parseMicroflow('in_port=4,foo=bar');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.column).toBe(11);
    const [, flowLine, caretLine] = r.error.message.split('\n') as [string, string, string];
    const caretAt = caretLine.indexOf('^');
    expect(caretLine.trimEnd()).toBe(' '.repeat(caretAt) + '^');
    // The character above the caret is the token's first one, at the column the error names.
    expect(flowLine.slice(caretAt)).toBe('foo=bar');
    expect(flowLine.slice(0, caretAt).endsWith('in_port=4,')).toBe(true);
  });

  it('rejects duplicates, masks, unknown fields and bad values with the column', () => {
    expect(parseMicroflow('tcp,udp').ok).toBe(false);
    const dup = parseMicroflow('nw_ttl=3,ip,nw_ttl=4');
    expect(dup.ok).toBe(false);
    const twice = parseMicroflow('ip,nw_ttl=3,nw_ttl=4');
    expect(!twice.ok && twice.error.message).toContain('nw_ttl set multiple times');
    const mask = parseMicroflow('ip,nw_src=10.0.0.0/8');
    expect(!mask.ok && mask.error.message).toContain('may not be masked');
    const unk = parseMicroflow('ip,frob=1');
    expect(!unk.ok && unk.error.column).toBe(4);
    expect(!unk.ok && unk.error.message).toContain('unknown field "frob"');
    const bad = parseMicroflow('ip,nw_src=10.0.0.300');
    expect(!bad.ok && bad.error.message).toContain('bad IPv4 address');
    const odp = parseMicroflow('in_port(3),eth(src=00:00:00:00:00:01)');
    expect(!odp.ok && odp.error.message).toContain('datapath flow syntax');
    expect(parseMicroflow('').ok).toBe(false);
    expect(parseMicroflow('nw_ttl=').ok).toBe(false);
  });

  it('never throws on random or truncated input', () => {
    const good = 'in_port="vif1",tcp,dl_src=0a:00:00:00:00:01,dl_dst=0a:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tcp_dst=80,tun_metadata0=0x1,ct_state=trk';
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const r = parseMicroflow(s);
        return typeof r.ok === 'boolean';
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.nat(good.length), fc.nat(good.length), (a, b) => {
        const r = parseMicroflow(good.slice(Math.min(a, b), Math.max(a, b)));
        if (!r.ok) expect(r.error.column).toBeGreaterThanOrEqual(1);
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});
