import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, interfacesJson, ipLink, writeSnapshot } from './snapshot-builder.js';
import { runCli } from '../harness/cli.js';
import { copyFixture } from '../harness/fixture-copy.js';


const ovnscope = (...args: string[]) => runCli(args, { env: { NO_COLOR: '1' } });

describe('ovnscope offload (CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ovnscope-offload-cli-'));
    const E = 'ethtool/public/';
    const host = (slaveK: string) => ({
      'ethtool.version': 'ethtool version 6.1\n',
      'ovs-vsctl.other-config': '{}\n',
      'ovs-vsctl.list.Interface': interfacesJson([{ name: 'ovn-hv2-0', type: 'geneve', options: { csum: 'true', remote_ip: '10.0.0.2' }, status: { tunnel_egress_iface: 'bond0' } }]),
      'ip.link': JSON.stringify([ipLink(2, 'eno1', { master: 'bond0' }), ipLink(3, 'eno2', { master: 'bond0' }), ipLink(4, 'bond0', { kind: 'bond', data: { mode: 'balance-xor' } })]),
      'ethtool.k.bond0': fixture(`${E}ethtool-k/insights-core-fixture-bond0-rhel7-legacy-feature-names.txt`).replace('large-receive-offload: on', 'large-receive-offload: off'),
      'ethtool.i.bond0': fixture(`${E}ethtool-i/insights-core-fixture-bonding-3.6.0.txt`),
      'bonding.bond0': fixture(`${E}bonding/insights-core-fixture-balance-xor-layer2+3.txt`),
      'ethtool.k.eno1': fixture(`${E}ethtool-k/ixgbe-82599es-em1-macsec-netdev-2020.txt`),
      'ethtool.i.eno1': fixture(`${E}ethtool-i/ixgbe-out-of-tree-5.19.6-ubuntu22.04-xdp-newbies-2023.txt`),
      'ethtool.k.eno2': slaveK,
      'ethtool.i.eno2': fixture(`${E}ethtool-i/ixgbe-out-of-tree-5.19.6-ubuntu22.04-xdp-newbies-2023.txt`),
    });
    const k = fixture(`${E}ethtool-k/ixgbe-82599es-em1-macsec-netdev-2020.txt`);
    // hv1's eno2: GENEVE TSO switched off (O1 warns, DOMAIN.md §3.5) and LRO on in a bond that OVS forwards through (O7 fails).
    writeSnapshot(join(dir, 'bad'), { hv1: host(k.replace('tx-udp_tnl-segmentation: on', 'tx-udp_tnl-segmentation: off').replace('large-receive-offload: off', 'large-receive-offload: on')), hv2: host(k) });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the chain table per host and exits 1 when a check fails', async () => {
    const r = await ovnscope('offload', '--snapshot', join(dir, 'bad'));
    expect(r.code).toBe(1);
    // balance-xor over eno1 (GENEVE TSO on) and eno2 (off): only the flows hashed onto eno2 are segmented in software.
    expect(r.stdout).toMatch(/^hv1 .*part of the GENEVE traffic is segmented in software$/m);
    expect(r.stdout).toMatch(/│ {3}└ slave eno2 +│ physical +│ ixgbe +│ 5\.19\.6 +│ 0x80000887, 1\.2688\.0 +│ 0000:04:00\.0 +│ WARN /);
    expect(r.stdout).toMatch(/WARN O1 {2}hv1 eno2 \(ixgbe\): tx-udp_tnl-segmentation is switched off/);
    expect(r.stdout).toMatch(/FAIL O7 {2}hv1 eno2 \(ixgbe\): large-receive-offload is on/);
    expect(r.stdout).toContain('hosts/hv1/ethtool.k.eno2.out:39  tx-udp_tnl-segmentation: off');
    expect(r.stdout).toContain('fix: ethtool -K eno2 tx-udp_tnl-segmentation on');
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('--json gives the findings with evidence; --host narrows it (exit 0 when nothing fails)', async () => {
    const r = await ovnscope('offload', '--snapshot', join(dir, 'bad'), '--host', 'hv2', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { hosts: { host: string }[]; findings: { id: string; severity: string; evidence: unknown[] }[]; counts: Record<string, number> };
    expect(j.hosts.map((h) => h.host)).toEqual(['hv2']);
    expect(j.counts.fail).toBe(0);
    expect(j.findings.every((f) => f.evidence.length > 0)).toBe(true);
    expect(j.findings.find((f) => f.id === 'O9')?.severity).toBe('warn');
  });

  it('exits 2 on usage errors and documents itself', async () => {
    expect((await ovnscope('offload', '--snapshot', join(dir, 'bad'), '--host', 'nope')).code).toBe(2);
    expect((await ovnscope('offload', '--snapshot', join(dir, 'bad'), '--nic-without-geneve-tso', 'loud')).code).toBe(2);
    expect((await ovnscope('offload', '--snapshot', '/nonexistent')).stderr).toMatch(/no such snapshot directory/);
    const help = await ovnscope('offload', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('EXAMPLES');
    expect(help.stdout).toContain('--expect-hw-offload');
  });

  it('a damaged OVS Interface listing (bundled fixture, copied and cut short): n/a with the file and why, never "no geneve port"', async () => {
    const dir = copyFixture('lb-nat-3chassis');
    const file = join(dir, 'hosts/hv1/ovs-vsctl.list.Interface.out');
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 300));
    const r = await ovnscope('offload', '--snapshot', dir, '--host', 'hv1', '--json');
    const out = JSON.parse(r.stdout) as { hosts: { notes: string[] }[]; findings: { id: string; severity: string; message: string; evidence: { file: string }[]; fix?: string }[] };
    const o5 = out.findings.find((f) => f.id === 'O5');
    expect(o5).toMatchObject({ severity: 'n-a', message: expect.stringMatching(/^not checked: the OVS Interface listing was collected but cannot be read — hosts\/hv1\/ovs-vsctl\.list\.Interface\.out: damaged: 300 bytes where the manifest recorded \d+/), fix: expect.stringMatching(/collect again/) });
    expect(o5!.evidence[0]!.file).toBe('hosts/hv1/ovs-vsctl.list.Interface.out');
    expect(out.findings.find((f) => f.id === 'O1')).toMatchObject({ severity: 'n-a', message: expect.stringMatching(/geneve ports unknown: the OVS Interface listing cannot be read \(hosts\/hv1\/ovs-vsctl\.list\.Interface\.out: damaged/) });
    expect(JSON.stringify(out)).not.toMatch(/no geneve port/);
  });

  it('prints the fix of every finding it lists, as doctor does (bundled fixture: hw-offload unset)', async () => {
    const r = await ovnscope('offload', '--snapshot', 'fixtures/lb-nat-3chassis', '--host', 'hv1');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^INFO H1 +hv1 other_config:hw-offload: hw-offload unset \(= false\).*\n {7}hosts\/hv1\/ovs-vsctl\.list\.Open_vSwitch\.out .*\n {7}fix: nothing to do unless flow offload is wanted: then ovs-vsctl set Open_vSwitch \. other_config:hw-offload=true/m);
  });
});
