import { describe, expect, it } from 'vitest';
import { checkPath } from '../../src/checks/mtu.js';
import { countBySeverity } from '../../src/model/finding.js';
import { renderMtu } from '../../src/render/mtu.js';
import { makeStyle } from '../../src/render/style.js';
import { expectFixOnEveryNonPass } from '../harness/findings.js';
import { central, interfaces, mtuSnapshot, openVswitch, routes } from '../mtu/builder.js';

const plain = makeStyle({ isTTY: false }, {});

describe('mtu path text', () => {
  it('without a network MTU: the verdict says why it is N/A, and the findings list shows the n/a reason instead of "nothing to report"', async () => {
    const links = JSON.stringify([{ ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], mtu: 65536 }, { ifindex: 2, ifname: 'eth0', flags: ['BROADCAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP' }]) + '\n';
    const snap = await mtuSnapshot(
      {
        hv1: {
          'ovs-vsctl.list.Open_vSwitch': openVswitch('hv1', '192.168.0.1'),
          'ovs-vsctl.list.Interface': interfaces([{ name: 'ovn-hv2-0', type: 'geneve', options: { remote_ip: '192.168.0.2' } }]),
          'ip.link': links,
          'ip.route': routes({ dst: '192.168.0.2', gateway: '10.0.1.0', dev: 'eth0', flags: [] }),
        },
      },
      // A switch without DHCP_Options mtu or neutron:mtu, and no --mtu.
      central({ switches: [{ name: 'net', ports: ['p'] }], switchPorts: [{ name: 'p' }], chassis: [{ name: 'hv1', encaps: [{ ip: '192.168.0.1' }] }, { name: 'hv2', encaps: [{ ip: '192.168.0.2' }] }] }),
    );
    const path = checkPath(snap, { from: { text: 'a', chassis: 'hv1', host: 'hv1', datapath: 'net' }, to: { text: 'b', chassis: 'hv2', datapath: 'net' } });
    expect(path.verdict).toBe('n-a');
    const text = renderMtu({ snapshot: 's', mode: 'path', path, findings: path.findings, counts: countBySeverity(path.findings), diagnostics: [] }, plain);
    // eth0 1500 − 58: the path is measured, only not judged.
    expect(text).toContain('Verdict: N/A — network MTU unknown (no DHCP_Options mtu or neutron:mtu; give --mtu): the path carries 1442 B, but nothing says what the VMs send');
    expect(text).toContain('N/A  MTU-H1 net (logical switch): network MTU unknown: no DHCP_Options mtu, no neutron:mtu (give --mtu)');
    // The n/a says how to get what it lacks (the NB was collected: it has no MTU, so --mtu).
    expectFixOnEveryNonPass(path.findings);
    expect(text).toContain("fix: give --mtu with the platform's network MTU");
    expect(text).not.toContain('nothing to report');
    expect(text).not.toMatch(/unknown: unknown/);
  });
});
