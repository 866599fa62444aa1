// Check fixtures: the ethtool, /proc/net/bonding, tc, TLV-map and dpctl outputs are real (public
// captures under test/fixtures/ethtool/public and test/fixtures/tlv-map, with their sources in the
// file headers, or captures from this machine under test/fixtures/ethtool/local). What ties them
// to one host — the device names in `ip -j -d link` and the OVS Interface rows — is written here,
// since no public capture has a whole host; each scenario says which fixture plays which device.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOffload, type OffloadCheckOptions, type OffloadReport } from '../../src/checks/offload.js';
import type { Finding } from '../../src/model/finding.js';
import { loadOffload } from '../../src/snapshot/load-offload.js';
import { openSnapshot } from '../../src/snapshot/reader.js';
import { fixture, interfacesJson, ipLink, openVswitchJson, writeSnapshot, type HostOutputs } from '../offload/snapshot-builder.js';

const work = mkdtempSync(join(tmpdir(), 'ovnscope-offload-checks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

async function audit(hosts: Record<string, HostOutputs>, options: OffloadCheckOptions = {}, central?: Record<string, string>): Promise<OffloadReport & { diagnostics: unknown[] }> {
  const dir = join(work, `s${n++}`);
  writeSnapshot(dir, hosts, central);
  const opened = await openSnapshot(dir);
  if (!opened.ok) throw new Error(opened.error.message);
  const snap = await loadOffload(opened.value);
  const report = checkOffload(snap, options);
  expectFixOnEveryNonPass(report.findings);
  return { ...report, diagnostics: [...snap.diagnostics] };
}

/**
 * DESIGN.md: every Finding carries a fix hint. Whatever a scenario produces, a finding that is not
 * a pass says what to do (the command or setting, or how to get the data an n/a lacks); checked on
 * every scenario of this file.
 */
function expectFixOnEveryNonPass(findings: readonly Finding[]): void {
  expect(findings.filter((f) => f.severity !== 'pass' && !f.fix?.trim()).map((f) => `${f.id} ${f.severity} ${f.host} ${f.subject}: ${f.message}`), 'findings without a fix').toEqual([]);
  expect(findings.filter((f) => f.severity === 'pass' && f.fix).map((f) => `${f.id} ${f.subject}`), 'a pass has nothing to fix').toEqual([]);
}

const E = 'ethtool/public/';
const L = 'ethtool/local/';
const find = (r: OffloadReport, id: string, host: string | undefined, subject: RegExp): Finding => {
  const f = r.findings.find((x) => x.id === id && x.host === host && subject.test(x.subject));
  if (!f) throw new Error(`no ${id} finding for ${host} ${subject}: ${r.findings.filter((x) => x.id === id).map((x) => `${x.host} ${x.subject}`).join(' | ')}`);
  return f;
};
const sev = (r: OffloadReport, id: string, host: string | undefined, subject: RegExp) => find(r, id, host, subject).severity;
const ipLinks = (...rows: Record<string, unknown>[]) => JSON.stringify(rows) + '\n';
const genevSys = (i: number, port = 6081) => ipLink(i, `genev_sys_${port}`, { kind: 'geneve', master: 'ovs-system', slaveKind: 'openvswitch', data: { external: true, port } });

/** Same outputs for a device: -k text, -i and optionally show-tunnels / JSON. */
function device(name: string, k: string, i: string, more: { tunnels?: string | { stderr: string }; json?: string } = {}): HostOutputs {
  const out: Record<string, HostOutputs[string]> = { [`ethtool.i.${name}`]: fixture(i) };
  if (k) out[`ethtool.k.${name}`] = fixture(k);
  if (more.json) out[`ethtool.json-k.${name}`] = fixture(more.json);
  if (more.tunnels !== undefined) out[`ethtool.tunnels.${name}`] = typeof more.tunnels === 'string' ? fixture(more.tunnels) : { text: '', status: 'failed', stderr: more.tunnels.stderr };
  return out;
}

const BASE = (otherConfig = '{}\n'): HostOutputs => ({ 'ethtool.version': fixture(`${L}ethtool-version.txt`), 'uname.r': '6.6.58-0-lts\n', 'ovs-vsctl.other-config': otherConfig });

describe('bond0.100 over an mlx5 LACP bond (the bonding feature-propagation bug)', () => {
  // bond0 and its slaves: the grep-filtered outputs of commit 77b11c8bf3a2's message; bond0.100:
  // the state that message reports for the VLAN on a kernel without the fix ("off [requested on]"),
  // written with the bond0 capture's lines. Slaves: mlx5 ConnectX-4 Lx ethtool -i.
  const vlanWithoutFix = fixture(`${E}ethtool-k-filtered/bond0-over-mlx5-grep-udp.txt`).replace('tx-udp_tnl-segmentation: on', 'tx-udp_tnl-segmentation: off [requested on]').replace('tx-udp_tnl-csum-segmentation: on', 'tx-udp_tnl-csum-segmentation: off [requested on]');
  const host = (vlanK: string): HostOutputs => ({
    ...BASE(),
    'ovs-vsctl.list.Interface': interfacesJson([{ name: 'ovn-hv2-0', type: 'geneve', options: { csum: 'true', key: 'flow', remote_ip: '10.0.100.2' }, status: { tunnel_egress_iface: 'bond0.100', tunnel_egress_iface_carrier: 'up' } }]),
    'ip.link': ipLinks(
      ipLink(2, 'enp2s0f0np0', { master: 'bond0', slaveKind: 'bond' }),
      ipLink(3, 'enp2s0f1np1', { master: 'bond0', slaveKind: 'bond' }),
      ipLink(4, 'bond0', { kind: 'bond', data: { mode: '802.3ad', xmit_hash_policy: 'layer3+4' } }),
      ipLink(5, 'bond0.100', { kind: 'vlan', link: 'bond0', data: { protocol: '802.1Q', id: 100 } }),
      genevSys(6),
    ),
    ...device('bond0.100', '', `${E}ethtool-i/vlan-8021q-eno4.4000-netdev-2023.txt`),
    'ethtool.k.bond0.100': vlanK,
    ...device('bond0', `${E}ethtool-k-filtered/bond0-over-mlx5-grep-udp.txt`, `${E}ethtool-i/insights-core-fixture-bonding-3.6.0.txt`),
    ...device('enp2s0f0np0', `${E}ethtool-k-filtered/mlx5-enp2s0f0np0-bond-slave-grep-udp.txt`, `${E}ethtool-i/mlx5-connectx4lx-fw14.21-netdev-2021.txt`, { tunnels: `${E}ethtool-show-tunnels/mlx5-static-iana-vxlan-table-netdev-2020.txt` }),
    ...device('enp2s0f1np1', `${E}ethtool-k-filtered/mlx5-enp2s0f1np1-bond-slave-grep-udp.txt`, `${E}ethtool-i/mlx5-connectx4lx-fw14.21-netdev-2021.txt`, { tunnels: `${E}ethtool-show-tunnels/mlx5-static-iana-vxlan-table-netdev-2020.txt` }),
  });

  it('walks OVS tunnel_egress_iface → VLAN parent → bond slaves', async () => {
    const r = await audit({ hv1: host(vlanWithoutFix) });
    expect(r.rows.map((x) => [x.device, x.depth, x.relation, x.role, x.driver])).toEqual([
      ['bond0.100', 0, 'root', 'vlan', '802.1Q VLAN Support'],
      ['bond0', 1, 'vlan-parent', 'bond', 'bonding'],
      ['enp2s0f0np0', 2, 'bond-slave', 'nic', 'mlx5_core'],
      ['enp2s0f1np1', 2, 'bond-slave', 'nic', 'mlx5_core'],
    ]);
    expect(r.hosts[0]!.roots).toEqual([{ device: 'bond0.100', source: 'ovs-status', port: 'ovn-hv2-0', remoteIp: '10.0.100.2' }]);
  });

  it('warns on the VLAN that did not inherit GENEVE TSO although every lower device has it', async () => {
    const r = await audit({ hv1: host(vlanWithoutFix) });
    const f = find(r, 'O1', 'hv1', /^bond0\.100/);
    // DOMAIN.md §3.5: off but not [fixed] ([requested on]) is WARN for O1 and O2 — segmented in software, not broken.
    expect(f.severity).toBe('warn');
    expect(sev(r, 'O2', 'hv1', /^bond0\.100/)).toBe('warn');
    expect(f.message).toMatch(/did not inherit.*77b11c8bf3a2/);
    expect(f.evidence[0]).toMatchObject({ file: 'hosts/hv1/ethtool.k.bond0.100.out', line: 5, excerpt: 'tx-udp_tnl-segmentation: off [requested on]' });
    for (const d of [/^bond0 /, /^enp2s0f0np0/, /^enp2s0f1np1/]) expect(sev(r, 'O1', 'hv1', d)).toBe('pass');
    expect(r.hosts[0]!.verdict).toBe('warn');
  });

  it('passes the same chain on a kernel with the fix; mlx5 without 6081 in its port table is normal', async () => {
    const r = await audit({ hv1: host(fixture(`${E}ethtool-k-filtered/bond0-over-mlx5-grep-udp.txt`)) });
    expect(r.findings.filter((f) => f.id === 'O1').map((f) => f.severity)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(sev(r, 'O2', 'hv1', /^bond0\.100/)).toBe('pass');
    const o4 = find(r, 'O4', 'hv1', /^enp2s0f0np0/);
    expect(o4.severity).toBe('n-a');
    expect(o4.message).toMatch(/mlx5.*by design/);
    expect(sev(r, 'O3', 'hv1', /^enp2s0f0np0/)).toBe('pass');
    // rx-udp_tunnel-port-offload off [fixed] on the bond is normal: O3 is judged on the NICs only.
    expect(r.findings.some((f) => f.id === 'O3' && /^bond0/.test(f.subject))).toBe(false);
    expect(sev(r, 'O9', 'hv1', /bond bond0/)).toBe('pass');
    expect(sev(r, 'O8', 'hv1', /slaves of bond0/)).toBe('pass');
    // The grep-filtered outputs do not list LRO: unknown, not off.
    expect(find(r, 'O7', 'hv1', /^enp2s0f0np0/)).toMatchObject({ severity: 'n-a', message: expect.stringMatching(/partial/) });
    expect(r.hosts[0]!.verdict).toBe('pass');
  });

  it('fails the bond hash policy layer3+4 once TC-flower offload is intended', async () => {
    const r = await audit({ hv1: host(fixture(`${E}ethtool-k-filtered/bond0-over-mlx5-grep-udp.txt`)) }, { expectHwOffload: true });
    expect(find(r, 'O9', 'hv1', /bond bond0/)).toMatchObject({ severity: 'fail', message: expect.stringMatching(/§8\.9/) });
    expect(find(r, 'H1', 'hv1', /hw-offload/)).toMatchObject({ severity: 'fail', fix: expect.stringMatching(/other_config:hw-offload=true/) });
  });
});

describe('a slave that lost GENEVE TSO (ixgbe slaves under a RHEL7 bond)', () => {
  // bond0: insights-core's RHEL7 bond0 (LRO on!); slaves eno1/eno2: the ixgbe 82599ES capture;
  // /proc/net/bonding: insights-core's balance-xor layer2+3 file (its slaves are eno1/eno2).
  const slaveOff = fixture(`${E}ethtool-k/ixgbe-82599es-em1-macsec-netdev-2020.txt`).replace('tx-udp_tnl-segmentation: on', 'tx-udp_tnl-segmentation: off');
  const host = (eno2: string): HostOutputs => ({
    ...BASE(),
    'ovs-vsctl.list.Interface': interfacesJson([{ name: 'ovn-hv2-0', type: 'geneve', options: { csum: 'true', remote_ip: '10.0.0.2' } }]),
    'ip.route': JSON.stringify([{ dst: '10.0.0.0/24', dev: 'bond0', protocol: 'kernel', scope: 'link', prefsrc: '10.0.0.1' }]) + '\n',
    'ip.link': ipLinks(ipLink(2, 'eno1', { master: 'bond0', slaveKind: 'bond' }), ipLink(3, 'eno2', { master: 'bond0', slaveKind: 'bond' }), ipLink(4, 'bond0', { kind: 'bond', data: { mode: 'balance-xor' } })),
    ...device('bond0', `${E}ethtool-k/insights-core-fixture-bond0-rhel7-legacy-feature-names.txt`, `${E}ethtool-i/insights-core-fixture-bonding-3.6.0.txt`),
    'bonding.bond0': fixture(`${E}bonding/insights-core-fixture-balance-xor-layer2+3.txt`),
    ...device('eno1', `${E}ethtool-k/ixgbe-82599es-em1-macsec-netdev-2020.txt`, `${E}ethtool-i/ixgbe-out-of-tree-5.19.6-ubuntu22.04-xdp-newbies-2023.txt`),
    ...device('eno2', '', `${E}ethtool-i/ixgbe-out-of-tree-5.19.6-ubuntu22.04-xdp-newbies-2023.txt`),
    'ethtool.k.eno2': eno2,
  });

  it('finds the chain from the kernel route when OVS reports no tunnel_egress_iface', async () => {
    const r = await audit({ hv1: host(slaveOff) });
    expect(r.hosts[0]!.roots).toEqual([{ device: 'bond0', source: 'route', port: 'ovn-hv2-0', remoteIp: '10.0.0.2' }]);
  });

  it('WARN on the switched-off slave and on its bond, drift between the slaves, and the LRO and hash findings', async () => {
    const r = await audit({ hv1: host(slaveOff) });
    const slave = find(r, 'O1', 'hv1', /^eno2/);
    // Switched off (not [fixed]): WARN with the ethtool -K fix (DOMAIN.md §3.5 O1).
    expect(slave).toMatchObject({ severity: 'warn', fix: expect.stringMatching(/^ethtool -K eno2 tx-udp_tnl-segmentation on/) });
    expect(slave.evidence[0]).toMatchObject({ file: 'hosts/hv1/ethtool.k.eno2.out', line: 39, excerpt: 'tx-udp_tnl-segmentation: off' });
    expect(sev(r, 'O1', 'hv1', /^eno1/)).toBe('pass');
    const bond = find(r, 'O1', 'hv1', /^bond0/);
    expect(bond).toMatchObject({ severity: 'warn', message: expect.stringMatching(/flows hashed to eno2 are segmented in software/) });
    expect(find(r, 'O8', 'hv1', /slaves of bond0/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/tx-udp_tnl-segmentation: eno1 on, eno2 off/) });
    expect(find(r, 'O7', 'hv1', /^bond0/)).toMatchObject({ severity: 'fail', fix: 'ethtool -K bond0 lro off', message: expect.stringMatching(/^large-receive-offload is on, and this host forwards /) });
    expect(find(r, 'O7', 'hv1', /^bond0/).message).not.toMatch(/\bon on\b/);
    const o9 = find(r, 'O9', 'hv1', /bond bond0/);
    expect(o9).toMatchObject({ severity: 'warn', message: expect.stringMatching(/layer2\+3: not L4-aware/) });
    expect(o9.evidence.map((e) => [e.file, e.line])).toEqual([
      ['hosts/hv1/bonding.bond0.out', 7],
      ['hosts/hv1/bonding.bond0.out', 8],
    ]);
    expect(r.rows.find((x) => x.device === 'eno2')!.cells).toMatchObject({ O1: 'warn', O3: 'pass', O6: 'pass', O7: 'pass' });
    expect(r.rows.find((x) => x.device === 'bond0')!.cells).toMatchObject({ O1: 'warn', O7: 'fail' });
  });

  it('tells [requested on] on a NIC apart from switched off', async () => {
    const refused = fixture(`${E}ethtool-k/ixgbe-82599es-em1-macsec-netdev-2020.txt`).replace('tx-udp_tnl-segmentation: on', 'tx-udp_tnl-segmentation: off [requested on]');
    const r = await audit({ hv1: host(refused) });
    expect(find(r, 'O1', 'hv1', /^eno2/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/asked for, but the kernel keeps it off/) });
    expect(find(r, 'O1', 'hv1', /^bond0/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/flows hashed to eno2 are segmented in software/) });
    expect(r.hosts[0]).toMatchObject({ verdict: 'warn', segmentation: 'partly' });
  });

  it('a slave NIC without GENEVE TSO ([fixed]) warns, or informs by policy; its bond says the same at the same level', async () => {
    const fixedOff = fixture(`${E}ethtool-k/ixgbe-82599es-em1-macsec-netdev-2020.txt`).replace('tx-udp_tnl-segmentation: on', 'tx-udp_tnl-segmentation: off [fixed]');
    const r = await audit({ hv1: host(fixedOff) });
    expect(find(r, 'O1', 'hv1', /^eno2/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/NIC lacks GENEVE TSO/) });
    expect(find(r, 'O1', 'hv1', /^bond0/)).toMatchObject({ severity: 'warn' });
    const info = await audit({ hv1: host(fixedOff) }, { nicWithoutGeneveTso: 'info' });
    expect(sev(info, 'O1', 'hv1', /^eno2/)).toBe('info');
    expect(find(info, 'O1', 'hv1', /^bond0/)).toMatchObject({ severity: 'info', message: expect.stringMatching(/eno2 lacks it .*segmented in software/) });
  });
});

describe('NIC capabilities: virtio guests, a NIC without GENEVE TSO', () => {
  it('is N/A on a virtio_net guest NIC whose tunnel offloads are [fixed] off', async () => {
    const r = await audit({
      vm1: {
        ...BASE(),
        'ovs-vsctl.list.Interface': interfacesJson([{ name: 'ovn-hv2-0', type: 'geneve', options: { csum: 'true', remote_ip: '10.0.0.2' }, status: { tunnel_egress_iface: 'ens18' } }]),
        'ip.link': ipLinks(ipLink(2, 'ens18'), genevSys(3)),
        ...device('ens18', `${E}ethtool-k/virtio_net-ens18-kernel6.14-no-lltx-netns-local-lkml-2025.txt`, `${E}ethtool-i/virtio_net-ens18-kernel6.14-lkml-2025.txt`, { tunnels: { stderr: fixture(`${L}veth-show-tunnels.err`) } }),
      },
    });
    for (const id of ['O1', 'O2', 'O3', 'O4']) expect(sev(r, id, 'vm1', /^ens18/), id).toBe('n-a');
    expect(find(r, 'O1', 'vm1', /^ens18/).message).toMatch(/virtual NIC \(virtio_net\)/);
    expect(find(r, 'O4', 'vm1', /^ens18/).message).toMatch(/not applicable to a virtual device/);
    expect(sev(r, 'O6', 'vm1', /^ens18/)).toBe('pass');
    expect(sev(r, 'O7', 'vm1', /^ens18/)).toBe('pass');
    expect(r.hosts[0]!.verdict).toBe('n-a');
  });

  it('warns (or, by policy, informs) when a physical NIC lacks GENEVE TSO: the older igb capture', async () => {
    const noTso = fixture(`${E}ethtool-k/intel-mfd-fixture-igb-enp2s0-older-ethtool.txt`).replace('tx-udp_tnl-segmentation: on', 'tx-udp_tnl-segmentation: off [fixed]');
    const hostOf = (): HostOutputs => ({
      ...BASE(),
      'ovs-vsctl.list.Interface': interfacesJson([{ name: 'ovn-hv2-0', type: 'geneve', options: { remote_ip: '10.0.0.2' }, status: { tunnel_egress_iface: 'enp2s0' } }]),
      'ip.link': ipLinks(ipLink(2, 'enp2s0')),
      'ethtool.k.enp2s0': noTso,
      'ethtool.i.enp2s0': fixture(`${E}ethtool-i/intel-mfd-fixture-igb-5.4.0-k.txt`),
    });
    const r = await audit({ hv1: hostOf() });
    expect(find(r, 'O1', 'hv1', /^enp2s0/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/NIC lacks GENEVE TSO.*a capability, not a setting/) });
    // A missing capability has no ethtool switch: the fix says so and names the alternatives, never "ethtool -K … on".
    expect(find(r, 'O1', 'hv1', /^enp2s0/).fix).toMatch(/^no ethtool setting adds a missing capability: put the tunnel uplink on a NIC with tx-udp_tnl-segmentation/);
    expect(find(r, 'O1', 'hv1', /^enp2s0/).fix).not.toMatch(/ethtool -K/);
    expect(find(r, 'O2', 'hv1', /^enp2s0/)).toMatchObject({ severity: 'n-a', message: expect.stringMatching(/do not set options:csum=true/) });
    expect(find(r, 'O3', 'hv1', /^enp2s0/)).toMatchObject({ severity: 'info', message: expect.stringMatching(/protocol-agnostic/) });
    expect(find(r, 'O4', 'hv1', /^enp2s0/)).toMatchObject({ severity: 'n-a', message: expect.stringMatching(/not collected/) });
    const info = await audit({ hv1: hostOf() }, { nicWithoutGeneveTso: 'info' });
    expect(sev(info, 'O1', 'hv1', /^enp2s0/)).toBe('info');
    // The host line tells where segmentation happens apart from how much the policy minds: all of it in software, either way.
    expect(r.hosts[0]).toMatchObject({ verdict: 'warn', segmentation: 'software' });
    expect(info.hosts[0]).toMatchObject({ verdict: 'info', segmentation: 'software' });
  });
});

describe('driver-aware UDP tunnel port table (ice, E810) and fleet drift', () => {
  // ice -k: Intel's MFD fixture (an ice/i40e feature set; the fixture does not name the driver);
  // ice -i: the two E810 captures (different firmware and kernels); port tables: the two-table
  // layout ice uses (VXLAN table, GENEVE table), one with 6081 listed, one without.
  const ice = (i: string, tunnels: string, extra: Record<string, unknown>[] = [genevSys(3)]): HostOutputs => ({
    ...BASE(),
    'ovs-vsctl.list.Interface': interfacesJson([{ name: 'ovn-hvx-0', type: 'geneve', options: { csum: 'true', remote_ip: '10.0.0.9' }, status: { tunnel_egress_iface: 'eth0' } }]),
    'ip.link': ipLinks(ipLink(2, 'eth0'), ...extra),
    ...device('eth0', `${E}ethtool-k/intel-mfd-fixture-eth0-intel-nic-sctp-ntuple-udp-tnl.txt`, `${E}ethtool-i/${i}`, { tunnels: `${E}ethtool-show-tunnels/${tunnels}` }),
  });

  it('passes when 6081/geneve is programmed, warns on ice when it is missing although a GENEVE socket exists', async () => {
    const r = await audit({
      hv1: ice('ice-e810-alpine-6.6.58-lts-ethernet-linux-ice-issue45.txt', 'dump-all-two-tables-geneve-vxlan-gpe-netdev-2020.txt'),
      hv2: ice('ice-e810-fedora-kernel5.19-ethq-issue27.txt', 'kernel-doc-example-one-entry-vxlan-gpe.txt'),
      hv3: ice('ice-e810-fedora-kernel5.19-ethq-issue27.txt', 'kernel-doc-example-one-entry-vxlan-gpe.txt', []),
    });
    expect(find(r, 'O4', 'hv1', /^eth0/)).toMatchObject({ severity: 'pass', evidence: [{ file: 'hosts/hv1/ethtool.tunnels.eth0.out', line: 15, excerpt: 'port 6081, geneve' }] });
    expect(find(r, 'O4', 'hv2', /^eth0/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/Intel E810 \(ice\) should list "port 6081, geneve"/) });
    // No kernel GENEVE socket (userspace datapath): nothing to program.
    expect(find(r, 'O4', 'hv3', /^eth0/)).toMatchObject({ severity: 'n-a', message: expect.stringMatching(/no kernel GENEVE socket/) });
  });

  it('reports the same driver with different firmware and driver version across hosts', async () => {
    const r = await audit({
      hv1: ice('ice-e810-alpine-6.6.58-lts-ethernet-linux-ice-issue45.txt', 'dump-all-two-tables-geneve-vxlan-gpe-netdev-2020.txt'),
      hv2: ice('ice-e810-fedora-kernel5.19-ethq-issue27.txt', 'dump-all-two-tables-geneve-vxlan-gpe-netdev-2020.txt'),
    });
    const o8 = r.findings.filter((f) => f.id === 'O8' && f.host === undefined);
    expect(o8.map((f) => [f.severity, f.subject, f.message.split(':')[0]])).toEqual([
      ['warn', 'driver ice', 'firmware differs across hosts'],
      ['warn', 'driver ice', 'driver version differs across hosts'],
    ]);
    expect(o8.find((f) => /firmware/.test(f.message))!.message).toContain('2.50 0x800077a8 1.2960.0 on hv1/eth0; 4.22 0x80010446 1.3197.0 on hv2/eth0');
    expect(o8[0]!.evidence.map((e) => e.file)).toEqual(['hosts/hv1/ethtool.i.eth0.out', 'hosts/hv2/ethtool.i.eth0.out']);
  });

  it('compares mlx5 hosts: identical passes, one feature switched off is drift', async () => {
    const mlx = (k: string): HostOutputs => ({
      ...BASE(),
      'ovs-vsctl.list.Interface': interfacesJson([{ name: 'ovn-x-0', type: 'geneve', options: { remote_ip: '10.0.0.9' }, status: { tunnel_egress_iface: 'eth2' } }]),
      'ip.link': ipLinks(ipLink(2, 'eth2')),
      'ethtool.k.eth2': k,
      'ethtool.i.eth2': fixture(`${E}ethtool-i/mlx5-connectx4-fw14.23-ubuntu1804-ethq-issue8.txt`),
    });
    const k = fixture(`${E}ethtool-k/mlx5-eth2-geneve-gro-regression-lkml-2023.txt`);
    const same = await audit({ a: mlx(k), b: mlx(k) });
    expect(find(same, 'O8', undefined, /driver mlx5_core/)).toMatchObject({ severity: 'pass' });
    const drift = await audit({ a: mlx(k), b: mlx(k.replace('rx-udp_tunnel-port-offload: on', 'rx-udp_tunnel-port-offload: off')) });
    const f = find(drift, 'O8', undefined, /driver mlx5_core/);
    expect(f).toMatchObject({ severity: 'warn', message: expect.stringContaining('rx-udp_tunnel-port-offload (a/eth2 on, b/eth2 off)') });
    expect(f.evidence.map((e) => `${e.file}:${e.line}`)).toEqual(['hosts/a/ethtool.k.eth2.out:59', 'hosts/b/ethtool.k.eth2.out:59']);
    expect(sev(drift, 'O3', 'b', /^eth2/)).toBe('warn');
  });
});

describe('OVS TC-flower offload (H1–H10) on an mlx5 uplink', () => {
  const PCI = '0000:af:00.0'; // bus-info of the ConnectX-4 capture used for eth2
  const host = (o: { otherConfig?: string; flows?: string; tc?: string; tlv?: string; devlink?: string; dstPort?: string } = {}): HostOutputs => ({
    ...BASE(o.otherConfig ?? '{hw-offload="true"}\n'),
    'ovs-vsctl.list.Open_vSwitch': openVswitchJson({ 'hw-offload': 'true' }, { 'system-id': 'hv1', 'ovn-encap-ip': '10.0.0.1' }),
    'ovs-vsctl.list.Interface': interfacesJson([{ name: 'ovn-hv2-0', type: 'geneve', options: { csum: 'true', remote_ip: '10.0.0.2', ...(o.dstPort ? { dst_port: o.dstPort } : {}) }, status: { tunnel_egress_iface: 'eth2' } }]),
    'ip.link': ipLinks(ipLink(2, 'eth2'), genevSys(3)),
    ...device('eth2', `${E}ethtool-k/mlx5-eth2-geneve-gro-regression-lkml-2023.txt`, `${E}ethtool-i/mlx5-connectx4-fw14.23-ubuntu1804-ethq-issue8.txt`, { tunnels: `${E}ethtool-show-tunnels/mlx5-static-iana-vxlan-table-netdev-2020.txt` }),
    'devlink.eswitch': o.devlink ?? `{"dev":{"pci/${PCI}":{"mode":"switchdev","inline-mode":"none","encap-mode":"basic"}}}\n`,
    'ovs-appctl.offloaded-flows': o.flows ?? fixture(`${E}ovs-dpctl-dump-flows-offloaded/kube-ovn-yusur-tc-offloaded-geneve-genev_sys_6081.txt`),
    'tc.filter-ingress.eth2': o.tc ?? fixture(`${E}tc-filter/mlx5-uplink-rep-enp8s0f0-flower-in_hw-netdev-2021.txt`),
    'ovs-ofctl.dump-tlv-map.br-int': o.tlv ?? fixture('tlv-map/hv1-br-int.txt'),
  });

  it('passes a working setup: switchdev, in_hw filters, offloaded GENEVE flows, OVN\'s one option class', async () => {
    const r = await audit({ hv1: host() });
    for (const [id, subject] of [
      ['H1', /hw-offload/],
      ['H2', /ovs-vswitchd/],
      ['H3', /^eth2/],
      ['H4', /^eth2/],
      ['H5', /offloaded datapath flows/],
      ['H7', /^eth2/],
      ['H8', /tc-policy/],
      ['H9', /TLV map/],
    ] as const)
      expect(sev(r, id, 'hv1', subject), id).toBe('pass');
    expect(find(r, 'H5', 'hv1', /offloaded/).message).toMatch(/^2 offloaded flows \(2 dp:tc\), 2 with a tunnel match or tunnel set, 2 with a GENEVE option/);
    expect(find(r, 'H7', 'hv1', /^eth2/).evidence[0]).toMatchObject({ file: 'hosts/hv1/tc.filter-ingress.eth2.out', line: 6 });
    expect(find(r, 'H4', 'hv1', /^eth2/).message).toContain(`pci/${PCI} in switchdev mode`);
    expect(sev(r, 'H6', 'hv1', /logs/)).toBe('n-a');
    expect(sev(r, 'H10', 'hv1', /gateway_mtu/)).toBe('n-a');
    expect(r.hosts[0]!.flowOffload).toBe(true);
    expect(r.rows[0]!.cells).toMatchObject({ H3: 'pass', H7: 'pass' });
  });

  it('fails what is broken: no offloaded flow, filters not in hardware, a second GENEVE option class on mlx5, port 6082', async () => {
    const r = await audit(
      {
        hv1: host({
          flows: fixture(`${E}ovs-userspace/ovs-appctl_dpctl_dump-flows_type_offloaded.txt`),
          tc: fixture(`${L}tc-u32-eth0-ingress.txt`),
          tlv: fixture('tlv-map/nd-br-nd-two-mappings.txt'),
          otherConfig: '{hw-offload="true", tc-policy=skip_sw}\n',
          devlink: `{"dev":{"pci/${PCI}":{"mode":"legacy"}}}\n`,
          dstPort: '6082',
        }),
      },
      { vfOffload: true },
    );
    expect(find(r, 'H5', 'hv1', /offloaded/)).toMatchObject({ severity: 'fail', message: expect.stringMatching(/no datapath flow is offloaded/) });
    expect(sev(r, 'H2', 'hv1', /ovs-vswitchd/)).toBe('warn');
    const h7 = find(r, 'H7', 'hv1', /^eth2/);
    expect(h7).toMatchObject({ severity: 'fail', message: expect.stringMatching(/^2 filters: 0 in_hw, 1 not_in_hw, 1 skip_hw/) });
    expect(h7.evidence.map((e) => e.line)).toEqual([11]);
    expect(find(r, 'H8', 'hv1', /tc-policy/)).toMatchObject({ severity: 'fail', message: expect.stringMatching(/dropped/) });
    expect(find(r, 'H9', 'hv1', /TLV/)).toMatchObject({ severity: 'fail', message: expect.stringMatching(/class 0xffff type 0x1 → tun_metadata5.*mlx5_core/) });
    expect(find(r, 'H4', 'hv1', /^eth2/)).toMatchObject({ severity: 'fail', fix: `devlink dev eswitch set pci/${PCI} mode switchdev   # disruptive: unbind the VFs first` });
    expect(find(r, 'O5', 'hv1', /ovn-hv2-0/)).toMatchObject({ severity: 'fail', message: expect.stringMatching(/6082.*mlx5 TC GENEVE offload supports 6081 only/) });
  });

  it('warns when the offloaded flows carry no tunnel (Kube-OVN CX5 VF-to-VF capture) and notes gateway_mtu', async () => {
    const nbRouters = JSON.stringify({ headings: ['_uuid', 'name', 'ports', 'options'], data: [[['uuid', 'aaaaaaaa-0000-4000-8000-000000000001'], 'GR_hv1', ['uuid', 'bbbbbbbb-0000-4000-8000-000000000002'], ['map', [['chassis', 'hv1']]]]] });
    const nbPorts = JSON.stringify({ headings: ['_uuid', 'name', 'mac', 'networks', 'options'], data: [[['uuid', 'bbbbbbbb-0000-4000-8000-000000000002'], 'rtoe-GR_hv1', '0a:00:00:00:00:01', '172.16.0.2/24', ['map', []]]] });
    const r = await audit({ hv1: host({ flows: fixture(`${E}ovs-dpctl-dump-flows-offloaded/kube-ovn-mellanox-cx5-tc-offloaded-vf-reps.txt`) }) }, {}, { 'ovn-nbctl.list.Logical_Router': nbRouters, 'ovn-nbctl.list.Logical_Router_Port': nbPorts });
    expect(find(r, 'H5', 'hv1', /offloaded/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/no tunnel flow is offloaded/) });
    expect(find(r, 'H10', 'hv1', /GR_hv1/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/PMTUD gap/) });
    expect(r.diagnostics).toEqual([]);
  });

  it('skips H2–H10 when hw-offload is not set, and says so in H1', async () => {
    const r = await audit({ hv1: { ...host({ otherConfig: fixture(`${E}ovs-userspace/ovs-vsctl_get_Open_vSwitch_other_config_external_ids.json`) }), 'ovs-vsctl.list.Open_vSwitch': openVswitchJson({ 'hw-offload': 'false' }, {}) } });
    expect(find(r, 'H1', 'hv1', /hw-offload/)).toMatchObject({ severity: 'info', evidence: [{ file: 'hosts/hv1/ovs-vsctl.other-config.out', line: 1, excerpt: '{hw-offload="false"}' }] });
    expect(r.findings.filter((f) => /^H([2-9]|10)$/.test(f.id))).toEqual([]);
    expect(r.hosts[0]!.flowOffload).toBe(false);
  });
});

describe('hosts the audit cannot see', () => {
  it('says N/A with the reason when the offload recipe did not run, and finds the chain from the OVS userspace capture', async () => {
    const r = await audit({ hv1: { 'ovs-vsctl.list.Interface': fixture(`${E}ovs-userspace/ovs-vsctl_list_Interface.json`) } });
    expect(r.hosts[0]).toMatchObject({ collected: false, roots: [{ device: 'eth0', source: 'ovs-status', port: 'ovn-hv2-0', remoteIp: '192.168.100.2' }] });
    expect(find(r, 'O1', 'hv1', /^eth0/)).toMatchObject({ severity: 'n-a', message: expect.stringMatching(/without the offload recipe/) });
    expect(r.hosts[0]!.notes).toContain('ip -j -d link was not collected: the chain stops at the egress device (no VLAN parents, bond slaves or bridge ports)');
  });

  // A damaged or unreadable OVS Interface listing hides the geneve ports: O5 and O2 cannot tell
  // whether there are any (or which port and csum they use), so they are n/a with the file and the
  // reason — never "no geneve port in OVS", which would be a claim about the host.
  const routedHost = (): HostOutputs => ({
    ...BASE(),
    'ip.route': JSON.stringify([{ dst: 'default', gateway: '10.0.0.254', dev: 'eth0', protocol: 'static' }]) + '\n',
    'ip.link': ipLinks(ipLink(2, 'eth0', {})),
    ...device('eth0', `${E}ethtool-k/mlx5-eth2-geneve-gro-regression-lkml-2023.txt`, `${E}ethtool-i/mlx5-connectx4lx-fw14.21-netdev-2021.txt`),
  });
  const geneveRows = interfacesJson([{ name: 'ovn-hv2-0', type: 'geneve', options: { dst_port: '6082', remote_ip: '10.0.0.2' }, status: { tunnel_egress_iface: 'eth0' } }]);
  const expectUnreadable = (r: OffloadReport, reason: RegExp) => {
    const o5 = find(r, 'O5', 'hv1', /geneve ports/);
    expect(o5).toMatchObject({ severity: 'n-a', message: expect.stringMatching(reason), fix: expect.stringMatching(/collect again/) });
    expect(o5.message).toContain('hosts/hv1/ovs-vsctl.list.Interface.out');
    expect(o5.evidence[0]!.file).toBe('hosts/hv1/ovs-vsctl.list.Interface.out');
    expect(find(r, 'O2', 'hv1', /^eth0/)).toMatchObject({ severity: 'n-a', message: expect.stringMatching(/^outer checksum setting unknown: the OVS Interface listing was collected but cannot be read/) });
    expect(r.findings.filter((f) => /no geneve port/.test(f.message)).map((f) => `${f.id} ${f.message}`)).toEqual([]);
    expect(r.hosts[0]!.notes.join('\n')).not.toMatch(/no geneve port/);
    expect(r.hosts[0]!.notes).toContainEqual(expect.stringMatching(/^geneve ports unknown: the OVS Interface listing cannot be read \(hosts\/hv1\/ovs-vsctl\.list\.Interface\.out.*\): audited the devices of the default route instead$/));
  };

  it('an OVS Interface listing cut short (not JSON): O5 is n/a with the file and the parser\'s reason', async () => {
    const r = await audit({ hv1: { ...routedHost(), 'ovs-vsctl.list.Interface': geneveRows.slice(0, 40) } });
    expectUnreadable(r, /^not checked: the OVS Interface listing was collected but cannot be read — hosts\/hv1\/ovs-vsctl\.list\.Interface\.out:\d+: JSON: /);
  });

  it('an OVS Interface listing removed after collection: O5 is n/a with the file and "missing"', async () => {
    const dir = join(work, `s${n++}`);
    writeSnapshot(dir, { hv1: { ...routedHost(), 'ovs-vsctl.list.Interface': geneveRows } });
    rmSync(join(dir, 'hosts/hv1/ovs-vsctl.list.Interface.out'));
    const opened = await openSnapshot(dir);
    if (!opened.ok) throw new Error(opened.error.message);
    const r = checkOffload(await loadOffload(opened.value));
    expectFixOnEveryNonPass(r.findings);
    expectUnreadable(r, /^not checked: the OVS Interface listing was collected but cannot be read — hosts\/hv1\/ovs-vsctl\.list\.Interface\.out: damaged: .*missing/);
  });

  it('an intact listing with the same rows is read: O5 judges the port (the two tests above differ only by the damage)', async () => {
    const r = await audit({ hv1: { ...routedHost(), 'ovs-vsctl.list.Interface': geneveRows } });
    expect(find(r, 'O5', 'hv1', /ovn-hv2-0/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/6082/) });
  });

  it('falls back to the default route without geneve ports, and leaves VM taps and container veths off a bridge', async () => {
    const r = await audit({
      hv1: {
        ...BASE(),
        'ip.route': JSON.stringify([{ dst: 'default', gateway: '10.0.0.254', dev: 'br0', protocol: 'static' }]) + '\n',
        'ip.link': ipLinks(ipLink(2, 'eth0', { master: 'br0', slaveKind: 'bridge' }), ipLink(3, 'br0', { kind: 'bridge' }), ipLink(4, 'tap1', { kind: 'tun', master: 'br0', slaveKind: 'bridge' }), { ...ipLink(5, 'veth9', { kind: 'veth', master: 'br0', slaveKind: 'bridge' }), link_netnsid: 1 }),
        ...device('br0', `${L}bridge-br0-k.txt`, `${L}bridge-i.txt`),
        ...device('eth0', `${L}veth-eth0-k-default.txt`, `${L}veth-i.txt`, { json: `${L}veth-eth0-json-k-default.txt` }),
      },
    });
    expect(r.hosts[0]!.roots.map((x) => [x.device, x.source])).toEqual([['br0', 'default-route']]);
    expect(r.rows.map((x) => x.device)).toEqual(['br0', 'eth0']);
    expect(r.hosts[0]!.excluded.map((x) => x.name)).toEqual(['tap1', 'veth9']);
    // JSON is the state source when collected; the text line stays the first evidence.
    expect(find(r, 'O1', 'hv1', /^eth0/).evidence.map((e) => e.file)).toEqual(['hosts/hv1/ethtool.k.eth0.out', 'hosts/hv1/ethtool.json-k.eth0.out']);
    expect(r.diagnostics).toEqual([]);
  });

  it('descends an OVS bridge (br-ex) to its system ports, and notes DPDK ports ethtool cannot see', async () => {
    const u = (n: number) => ['uuid', `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`];
    const bridges = JSON.stringify({ headings: ['_uuid', 'name', 'ports'], data: [[u(1), 'br-ex', ['set', [u(11), u(12), u(13)]]]] });
    const ports = JSON.stringify({ headings: ['_uuid', 'name', 'interfaces'], data: [[u(11), 'br-ex', u(21)], [u(12), 'eth0', u(22)], [u(13), 'dpdk0', u(23)]] });
    const ifaces = JSON.stringify({
      headings: ['_uuid', 'name', 'type', 'options', 'status'],
      data: [
        [u(21), 'br-ex', 'internal', ['map', []], ['map', []]],
        [u(22), 'eth0', '', ['map', []], ['map', []]],
        [u(23), 'dpdk0', 'dpdk', ['map', [['dpdk-devargs', '0000:5e:00.1']]], ['map', []]],
        [u(24), 'ovn-hv2-0', 'geneve', ['map', [['remote_ip', '10.0.0.2'], ['csum', 'true']]], ['map', [['tunnel_egress_iface', 'br-ex']]]],
      ],
    });
    const r = await audit({
      hv1: {
        ...BASE(),
        'ovs-vsctl.list.Bridge': bridges,
        'ovs-vsctl.list.Port': ports,
        'ovs-vsctl.list.Interface': ifaces,
        'ip.link': ipLinks(ipLink(2, 'eth0', { master: 'ovs-system', slaveKind: 'openvswitch' }), ipLink(3, 'br-ex', { kind: 'openvswitch' })),
        ...device('eth0', `${E}ethtool-k/mlx5-eth2-geneve-gro-regression-lkml-2023.txt`, `${E}ethtool-i/mlx5-connectx4lx-fw14.21-netdev-2021.txt`),
      },
    });
    expect(r.rows.map((x) => [x.device, x.depth, x.relation, x.role])).toEqual([
      ['br-ex', 0, 'root', 'ovs-bridge'],
      ['eth0', 1, 'ovs-port', 'nic'],
      ['dpdk0', 1, 'ovs-port', 'dpdk'],
    ]);
    expect(find(r, 'O1', 'hv1', /^eth0/).severity).toBe('pass');
    expect(find(r, 'O1', 'hv1', /^dpdk0/)).toMatchObject({ severity: 'n-a', message: expect.stringMatching(/DPDK port/) });
    // br-ex was not collected by ethtool here: unknown, and its O1 does not hide eth0's verdict.
    expect(find(r, 'O1', 'hv1', /^br-ex/).severity).toBe('n-a');
  });
});

