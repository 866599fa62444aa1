// What `trace --help` (and its man page, generated from it) says about sizes must be what the
// trace computes.
import { describe, expect, it } from 'vitest';
import { checkTunnelMtu } from '../../src/checks/mtu-trace.js';
import Trace from '../../src/commands/trace.js';

describe('trace --help on --size', () => {
  it('states the outer IP packet as the --size frame plus the bytes the underlay check adds (IPv4 and IPv6 TEPs)', () => {
    // --size is the frame (inner Ethernet header included), so OVN's 58/78 B overhead on an IP
    // packet is 44/64 B on a frame; the check computes 1457 → 1501 over IPv4.
    const said = /frame \+ (\d+) B[^—]*?(\d+) B over IPv6/.exec(Trace.description ?? '');
    expect(said, 'the help states the tunnel overhead on a --size frame').not.toBeNull();
    const added = (remoteIp: string) => checkTunnelMtu({ hosts: [], diagnostics: [] }, { host: 'hv1', remoteIp, frameLength: 1457 }).outerIpLength - 1457;
    expect(Number(said![1])).toBe(added('192.0.2.2'));
    expect(Number(said![2])).toBe(added('2001:db8::2'));
  });
});
