import { describe, expect, it } from 'vitest';
import { checkTunnelMtu, mtuAtTunnelOutput } from '../../src/checks/mtu-trace.js';
import type { MtuSnapshot } from '../../src/snapshot/load-mtu.js';
import { interfaces, mtuSnapshot, openVswitch, routes } from '../mtu/builder.js';
import { ipLink } from '../offload/snapshot-builder.js';

// hv1 reaches 192.168.0.2 over two ECMP legs: eth0 (9000) and eth1 (1500).
const snapshot = (options: Record<string, string> = {}, tep = '192.168.0.2'): Promise<MtuSnapshot> =>
  mtuSnapshot({
    hv1: {
      'ovs-vsctl.list.Open_vSwitch': openVswitch('hv1', tep.includes(':') ? '2001:db8::1' : '192.168.0.1'),
      'ovs-vsctl.list.Interface': interfaces([{ name: 'ovn-hv2-0', type: 'geneve', options: { remote_ip: tep, ...options } }]),
      'ip.link': JSON.stringify([ipLink(1, 'lo'), { ...ipLink(2, 'eth0'), mtu: 9000 }, { ...ipLink(3, 'eth1'), mtu: 1500 }]) + '\n',
      'ip.route': routes({ dst: '192.168.0.2', protocol: 'static', flags: [], nexthops: [{ gateway: '10.1.1.0', dev: 'eth0', weight: 1, flags: [] }, { gateway: '10.1.2.0', dev: 'eth1', weight: 1, flags: [] }] }),
      'ip.route6': routes({ dst: '2001:db8::/64', dev: 'eth1', protocol: 'kernel', flags: [] }),
    },
  });

describe('packet size at a tunnel output (checkTunnelMtu)', () => {
  it('frame 1456 (inner IP 1442) fits both legs: 1456 + 8 GENEVE + 8 option + 8 UDP + 20 IPv4 = 1500', async () => {
    const r = checkTunnelMtu(await snapshot(), { host: 'hv1', remoteIp: '192.168.0.2', frameLength: 1456 });
    expect(r).toMatchObject({ outcome: 'fits', exceeds: false, innerIpLength: 1442, outerIpLength: 1500, largestFrame: 1456, tunnelPort: 'ovn-hv2-0' });
    expect(r.breakdown.map((p) => p.bytes)).toEqual([1456, 8, 8, 8, 20]);
    expect(r.breakdown.reduce((a, p) => a + p.bytes, 0)).toBe(r.outerIpLength);
    expect(r.explanation).toBe('1456 B frame + 8 GENEVE + 8 OVN option + 8 UDP + 20 IPv4 = 1500 B outer IP packet fits every egress leg toward 192.168.0.2 (smallest IP MTU 1500)');
  });

  it('frame 1457: dropped on the 1500 leg only — MTU_EXCEEDED names the device, the limit and the legs', async () => {
    const r = checkTunnelMtu(await snapshot(), { host: 'hv1', remoteIp: '192.168.0.2', frameLength: 1457 });
    expect(r).toMatchObject({ outcome: 'dropped', exceeds: true, onEveryLeg: false, device: 'eth1', limit: 1500, outerIpLength: 1501, largestFrame: 1456 });
    expect(r.legs.map((l) => [l.dev, l.ipMtu, l.exceeds])).toEqual([
      ['eth0', 9000, false],
      ['eth1', 1500, true],
    ]);
    expect(r.explanation).toMatch(/exceeds eth1 \(IP MTU 1500\) on hv1, ECMP leg 2\/2 via 10.1.2.0 dev eth1 on 1 of 2 ECMP legs \(eth1\): only flows hashed there fail: dropped/);
  });

  it('frames 8956 / 8957 around the jumbo leg: the first still fails only on eth1, the second on every leg', async () => {
    const snap = await snapshot();
    expect(checkTunnelMtu(snap, { host: 'hv1', remoteIp: '192.168.0.2', frameLength: 8956 })).toMatchObject({ outcome: 'dropped', onEveryLeg: false, device: 'eth1' });
    const all = checkTunnelMtu(snap, { host: 'hv1', remoteIp: '192.168.0.2', frameLength: 8957 });
    expect(all).toMatchObject({ outcome: 'dropped', onEveryLeg: true, device: 'eth1', limit: 1500 });
    expect(all.explanation).toMatch(/on every ECMP leg/);
  });

  it('df_default=false: fragmented, not dropped; the trace helper only reports drops', async () => {
    const snap = await snapshot({ df_default: 'false' });
    expect(checkTunnelMtu(snap, { host: 'hv1', remoteIp: '192.168.0.2', frameLength: 2000 })).toMatchObject({ outcome: 'fragmented', exceeds: true, dfDefault: false });
    expect(mtuAtTunnelOutput(snap, 'hv1', [{ kind: 'tunnel', tunnel: { remoteIp: '192.168.0.2' } }], 2000)).toBeUndefined();
  });

  it('IPv6 TEP: 40-byte outer header (frame 1436 fits 1500, 1437 does not)', async () => {
    const snap = await snapshot({}, '2001:db8::2');
    expect(checkTunnelMtu(snap, { host: 'hv1', remoteIp: '2001:db8::2', frameLength: 1436 })).toMatchObject({ outcome: 'fits', outerIpLength: 1500 });
    expect(checkTunnelMtu(snap, { host: 'hv1', remoteIp: '2001:db8::2', frameLength: 1437 })).toMatchObject({ outcome: 'dropped', limit: 1500, largestFrame: 1436 });
  });

  it('unknown host or no egress data: unknown, with the reason', async () => {
    const snap = await snapshot();
    expect(checkTunnelMtu(snap, { host: 'hv9', remoteIp: '192.168.0.2', frameLength: 100 })).toMatchObject({ outcome: 'unknown', explanation: expect.stringMatching(/not in the snapshot/) });
    expect(checkTunnelMtu(snap, { host: 'hv1', remoteIp: '10.9.9.9', frameLength: 100 })).toMatchObject({ outcome: 'unknown', explanation: expect.stringMatching(/no route to 10.9.9.9/) });
  });

  it('mtuAtTunnelOutput: the first dropped tunnel output of a hop, ignoring local outputs', async () => {
    const snap = await snapshot();
    const outs = [{ kind: 'local' }, { kind: 'tunnel', tunnel: { remoteIp: '192.168.0.2' } }];
    expect(mtuAtTunnelOutput(snap, 'hv1', outs, 1456)).toBeUndefined();
    expect(mtuAtTunnelOutput(snap, 'hv1', outs, 1457)).toMatchObject({ outcome: 'dropped', device: 'eth1' });
  });
});
