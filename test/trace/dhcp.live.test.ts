// `trace --dhcp`: a DHCP client's DISCOVER (0.0.0.0:68 → 255.255.255.255:67, broadcast MAC) from a
// port with OVN native DHCP options (dhcp-arp's d1) and from one without (d4). OVN answers in
// ovn-controller: ls_in_dhcp_options punts the request with put_dhcp_opts(offerip = …, …),
// ovn-controller fills in the reply and ls_in_dhcp_response sends it back out of the port — the
// punt is the answer (exit 0), as ovn-trace shows the reply delivered to the sender. Without
// options there is no such flow: the request is flooded and nobody answers (exit 1). Collected
// with the real CLI; each host run checked with live ofproto/trace, the answer with live ovn-trace.
//
//   npx vitest run --project live test/trace/dhcp.live.test.ts

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { collectSandboxWithCli } from '../collect/sandbox-inventory.js';
import { runCli } from '../harness/cli.js';
import { dhcpArp } from '../harness/topologies.js';
import { liveSuiteGuard, useSandboxes } from '../harness/vitest.js';
import { runCase } from './cross-compare.js';

const live = liveSuiteGuard();

/** The DISCOVER as ovn-trace takes it (the same packet `--dhcp` builds). */
const discover = (port: string, mac: string) =>
  `inport == "${port}" && eth.src == ${mac} && eth.dst == ff:ff:ff:ff:ff:ff && ip4.src == 0.0.0.0 && ip4.dst == 255.255.255.255 && ip.ttl == 64 && udp && udp.src == 68 && udp.dst == 67`;

describe.skipIf(!live)('trace --dhcp', () => {
  const sandboxes = useSandboxes();
  let work: string | undefined;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('counts ovn-controller’s DHCP offer as the answer (exit 0) and says why nobody answers a port without DHCP options (exit 1), as ovn-trace says', async () => {
    const { sandbox: sb } = await sandboxes.startTopology(dhcpArp());
    work = await mkdtemp(join(tmpdir(), 'ovnscope-dhcp-'));
    const snap = await collectSandboxWithCli(sb, work);

    // The premise, from live ovn-trace: d1's DISCOVER is answered (put_dhcp_opts with its
    // address, the reply output back to d1); d4's (no DHCP options) is only flooded.
    const answered = await sb.ovnTrace('--minimal', 'dhcp-net', discover('d1', '0a:00:04:00:00:11'));
    expect(answered).toMatch(/put_dhcp_opts\(offerip = 10\.4\.0\.11, /);
    expect(answered).toContain('output("d1")');
    const flooded = await sb.ovnTrace('--minimal', 'dhcp-net', discover('d4', '0a:00:04:00:00:14'));
    expect(flooded).not.toMatch(/put_dhcp_opts|output\("d4"\)/);

    const d1 = await runCli(['trace', '-s', snap, '--from', 'd1', '--dhcp', '--json']);
    const d1Line = (await runCli(['trace', '-s', snap, '--from', 'd1', '--dhcp', '--minimal'])).stdout.trim();
    expect(d1.code, d1Line).toBe(0);
    const j1 = JSON.parse(d1.stdout);
    expect(j1.packet).toMatchObject({ nwSrc: '0.0.0.0', nwDst: '255.255.255.255', dlDst: 'ff:ff:ff:ff:ff:ff', sport: 68, dport: 67 });
    expect(j1).toMatchObject({ verdict: 'controller', reachedDestination: true, dhcpAnswer: { answered: true, action: 'put_dhcp_opts', offer: '10.4.0.11', stage: 'ls_in_dhcp_options', datapath: 'dhcp-net' } });
    // The options as the topology's DHCP_Options row sets them.
    expect(j1.dhcpAnswer.options).toMatchObject({ router: '10.4.0.1', lease_time: '3600', server_id: '10.4.0.1', mtu: '1442' });
    expect(d1Line).toMatch(/^controller: ovn-controller answers: offer 10\.4\.0\.11 \(.*router 10\.4\.0\.1, .*lease 3600 s, MTU 1442, server 10\.4\.0\.1\) — DHCPOFFER back to d1 \(put_dhcp_opts from ls_in_dhcp_options on dhcp-net\)$/);

    const d4 = await runCli(['trace', '-s', snap, '--from', 'd4', '--dhcp', '--json']);
    const d4Line = (await runCli(['trace', '-s', snap, '--from', 'd4', '--dhcp', '--minimal'])).stdout.trim();
    expect(d4.code, d4Line).toBe(1);
    expect(JSON.parse(d4.stdout)).toMatchObject({ reachedDestination: false, dhcpAnswer: { answered: false } });
    expect(d4Line).toMatch(/ — nobody answers the DHCPDISCOVER: d4 has no DHCPv4 options \(NB Logical_Switch_Port dhcpv4_options is empty\), so OVN installs no put_dhcp_opts flow for it and ovn-controller does not answer; the request is only flooded \(to /);

    // Every host run against live ofproto/trace; d4's flooded copies against ovn-trace's outputs.
    // (d1's logical outcome is ovn-controller's reply, which ofproto/trace does not run: the
    // premise above checks it.)
    const loaded = await loadSnapshot(snap);
    if (!loaded.ok) throw new Error(loaded.error.message);
    for (const from of ['d1', 'd4']) {
      const o = await runCase(sb, loaded.value, undefined, { id: `dhcp-${from}`, category: 'dhcp', req: { from, protocol: { kind: 'dhcp' as const } } });
      expect(o.error, from).toBeUndefined();
      expect(o.hopDiffs, from).toEqual([]);
      if (from === 'd4') {
        expect(o.logicalDiffs, from).toEqual([]);
        expect(o.logicalCompared, `${from}: ${o.notComparable.join('; ')}`).toBeGreaterThan(0);
      }
    }
  }, 300_000);
});
