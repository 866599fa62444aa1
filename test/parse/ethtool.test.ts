import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  countOffloadedFlows,
  ethtoolHasJsonFeatures,
  ethtoolHasShowTunnels,
  featureStatus,
  featureText,
  firmwareOf,
  parseBonding,
  parseDevlinkEswitch,
  parseEthtoolDriverInfo,
  parseEthtoolFeatures,
  parseEthtoolFeaturesJson,
  parseEthtoolTunnels,
  parseEthtoolVersion,
  parseOvsMaps,
  parseTcFilters,
  pciAddressOf,
  tunnelPorts,
  type EthtoolFeatures,
} from '../../src/parse/ethtool.js';

const FIX = new URL('../fixtures/ethtool/', import.meta.url);
const text = (f: string) => readFileSync(new URL(f, FIX), 'utf8');
const list = (dir: string) => readdirSync(new URL(dir, FIX)).map((f) => `${dir}/${f}`);
const status = (r: EthtoolFeatures | undefined, name: string) => {
  const f = r?.features.get(name);
  return f ? featureStatus(f) : undefined;
};
/** Feature lines after the fixture header, counted independently of the parser. */
const featureLines = (t: string) => t.split('\n').filter((l) => !l.startsWith('#') && /: (on|off)( \[[a-z ]+\])?\s*$/.test(l)).length;

const K_TEXT = [...list('public/ethtool-k'), ...list('local').filter((f) => /-k(-|\.)/.test(f) && f.endsWith('.txt') && !f.includes('json'))];
const K_FILTERED = list('public/ethtool-k-filtered');

describe('ethtool -k (text)', () => {
  it.each(K_TEXT)('%s: every feature line is read, with no diagnostics', (f) => {
    const t = text(f);
    const { value, diagnostics } = parseEthtoolFeatures(t, f);
    expect(diagnostics).toEqual([]);
    expect(value?.complete).toBe(true);
    expect(value?.features.size).toBe(featureLines(t));
    // Every feature keeps its line: the raw line at that number is the feature line.
    const lines = t.split('\n');
    for (const feat of value!.features.values()) expect(lines[feat.line - 1]!.trim().replace(/\s+$/, '')).toBe(feat.raw);
  });

  it('reads [fixed], [requested on] and group lines (insights-core bond0, 4-space indent)', () => {
    const { value } = parseEthtoolFeatures(text('public/ethtool-k/insights-core-fixture-bond0-rhel7-legacy-feature-names.txt'));
    expect(value?.ifname).toBe('bond0');
    expect(status(value, 'generic-segmentation-offload')).toBe('off-refused');
    expect(status(value, 'tx-lockless')).toBe('on-fixed');
    expect(status(value, 'large-receive-offload')).toBe('on');
    expect(status(value, 'tx-udp_tnl-segmentation')).toBe('on-fixed');
    expect(status(value, 'rx-checksumming')).toBe('off-fixed');
    expect(value?.features.get('tx-checksumming')).toMatchObject({ group: true, fixed: null, requested: null, active: true });
    expect(value?.features.get('tx-checksum-unneeded')).toMatchObject({ parent: 'tx-checksumming', fixed: true });
    expect(value?.features.get('tx-tcp6-segmentation')?.parent).toBe('tcp-segmentation-offload');
  });

  it('reads 9-space indentation (ixgbe 82599ES) and 8-space indentation (Intel MFD)', () => {
    const ix = parseEthtoolFeatures(text('public/ethtool-k/ixgbe-82599es-em1-macsec-netdev-2020.txt')).value;
    expect(ix?.ifname).toBe('em1');
    expect(ix?.features.get('tx-checksum-fcoe-crc')).toMatchObject({ parent: 'tx-checksumming', active: true, fixed: true });
    expect(status(ix, 'l2-fwd-offload')).toBe('off-admin');
    expect(status(ix, 'tx-udp_tnl-segmentation')).toBe('on');
    expect(status(ix, 'rx-udp_tunnel-port-offload')).toBe('on');
    const mfd = parseEthtoolFeatures(text('public/ethtool-k/intel-mfd-fixture-eth0-intel-nic-sctp-ntuple-udp-tnl.txt')).value;
    expect(status(mfd, 'tx-udp_tnl-csum-segmentation')).toBe('on');
    expect(status(mfd, 'hw-tc-offload')).toBe('off-admin');
    expect(status(mfd, 'tx-checksum-ip-generic')).toBe('off-fixed');
    expect(status(mfd, 'tx-checksum-ipv4')).toBe('on');
  });

  it('reads the mlx5 GENEVE test box and the older igb list', () => {
    const m = parseEthtoolFeatures(text('public/ethtool-k/mlx5-eth2-geneve-gro-regression-lkml-2023.txt')).value;
    expect(['tx-udp_tnl-segmentation', 'tx-udp_tnl-csum-segmentation', 'rx-udp_tunnel-port-offload', 'hw-tc-offload', 'tx-gso-partial'].map((n) => status(m, n))).toEqual(['on', 'on', 'on', 'on', 'on']);
    expect(status(m, 'large-receive-offload')).toBe('off-admin');
    const igb = parseEthtoolFeatures(text('public/ethtool-k/intel-mfd-fixture-igb-enp2s0-older-ethtool.txt')).value;
    expect(status(igb, 'rx-udp_tunnel-port-offload')).toBe('off-fixed');
    expect(status(igb, 'hw-tc-offload')).toBe('off-fixed');
    expect(igb?.features.has('tls-hw-tx-offload')).toBe(false);
  });

  it('reads virtio_net with tabs (6.14: no tx-lockless) and with the indentation lost in the mail', () => {
    const tabs = parseEthtoolFeatures(text('public/ethtool-k/virtio_net-ens18-kernel6.14-no-lltx-netns-local-lkml-2025.txt')).value;
    expect(status(tabs, 'tx-udp_tnl-segmentation')).toBe('off-fixed');
    expect(tabs?.features.has('tx-lockless')).toBe(false);
    const flat = parseEthtoolFeatures(text('public/ethtool-k/virtio_net-kvm-centos9-kernel6.1-no-indent-netdev-2023.txt')).value!;
    expect(flat.features.get('tx-checksum-ipv4')?.parent).toBe('tx-checksumming');
    expect(flat.features.get('tx-scatter-gather-fraglist')?.parent).toBe('scatter-gather');
    expect(flat.features.get('tx-tcp6-segmentation')?.parent).toBe('tcp-segmentation-offload');
    expect(flat.features.get('generic-segmentation-offload')?.parent).toBeUndefined();
    expect(flat.features.get('tcp-segmentation-offload')?.group).toBe(true);
    // Same meaning as the tab-indented capture of the same driver.
    for (const n of ['tx-udp_tnl-segmentation', 'rx-udp_tunnel-port-offload', 'hw-tc-offload', 'rx-gro-hw', 'large-receive-offload']) expect(status(flat, n), n).toBe(status(tabs, n));
  });

  it('reads U+00A0 NBSP/space indentation, CRLF and trailing spaces like tabs', () => {
    // INDEX.md describes a kvm-list mail whose members are indented with NBSP/space pairs; that file is
    // not shipped, so the same bytes are produced from the mlx5 capture.
    const orig = text('public/ethtool-k/mlx5-eth2-geneve-gro-regression-lkml-2023.txt');
    const nbsp = orig.replace(/^ {8}/gm, '\u00a0 \u00a0 \u00a0 \u00a0 ').replace(/\n/g, '  \r\n');
    const a = parseEthtoolFeatures(orig).value!;
    const b = parseEthtoolFeatures(nbsp);
    expect(b.diagnostics).toEqual([]);
    expect([...b.value!.features.values()].map(({ name, active, fixed, requested, group, parent, line }) => ({ name, active, fixed, requested, group, parent, line }))).toEqual(
      [...a.features.values()].map(({ name, active, fixed, requested, group, parent, line }) => ({ name, active, fixed, requested, group, parent, line })),
    );
  });

  it('reads the real [requested on] a kernel gives when TX checksumming is switched off (veth, this machine)', () => {
    const v = parseEthtoolFeatures(text('local/veth-eth1-k-tnl-off-tx-off.txt')).value;
    expect(status(v, 'tx-tcp-segmentation')).toBe('off-refused');
    expect(status(v, 'tx-udp_tnl-segmentation')).toBe('off-admin');
    expect(status(v, 'tx-checksum-ip-generic')).toBe('off-admin');
    // The group line is computed from its members: "on" because one member (accecn) stays on.
    expect(v?.features.get('tcp-segmentation-offload')).toMatchObject({ group: true, active: true, requested: null });
  });

  it.each(K_FILTERED)('%s: grep-filtered output is read and flagged as partial', (f) => {
    const t = text(f);
    const { value, diagnostics } = parseEthtoolFeatures(t, f);
    expect(value?.complete).toBe(false);
    expect(value?.features.size).toBe(featureLines(t));
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'warning', line: 5, message: expect.stringContaining('partial') })]);
  });

  it('keeps the states the bonding fix commit and the igb NAT thread show', () => {
    expect(status(parseEthtoolFeatures(text('public/ethtool-k-filtered/bond0-over-mlx5-grep-udp.txt')).value, 'rx-udp_tunnel-port-offload')).toBe('off-fixed');
    expect(status(parseEthtoolFeatures(text('public/ethtool-k-filtered/mlx5-enp2s0f0np0-bond-slave-grep-udp.txt')).value, 'rx-udp_tunnel-port-offload')).toBe('on');
    expect(status(parseEthtoolFeatures(text('public/ethtool-k-filtered/igb-i211-enp3s0-grep-on-netdev-2020.txt')).value, 'tx-vlan-offload')).toBe('on-unwanted');
  });

  it('reports errors, duplicates and junk with line numbers', () => {
    const { value, diagnostics } = parseEthtoolFeatures('Features for x:\nrx-checksumming: on\nrx-checksumming: off\nwhat is this\nnetlink error: No such device\n\ttx-foo: on\n');
    expect(value?.features.get('rx-checksumming')?.active).toBe(false);
    expect(diagnostics.map((d) => [d.severity, d.line])).toEqual([
      ['warning', 3],
      ['warning', 4],
      ['error', 5],
    ]);
    expect(parseEthtoolFeatures('').value).toBeUndefined();
    expect(parseEthtoolFeatures('netlink error: no device matches name (offset 24)\n').diagnostics[0]).toMatchObject({ severity: 'error', line: 1 });
  });

  it('maps every combination of bits to what ethtool prints', () => {
    const cases: [boolean, boolean | null, boolean | null, string, string][] = [
      [true, false, true, 'on', 'on'],
      [true, true, null, 'on-fixed', 'on [fixed]'],
      [false, true, null, 'off-fixed', 'off [fixed]'],
      [false, false, false, 'off-admin', 'off'],
      [false, false, true, 'off-refused', 'off [requested on]'],
      [true, false, false, 'on-unwanted', 'on [requested off]'],
    ];
    for (const [active, fixed, requested, st, shown] of cases) {
      expect(featureStatus({ active, fixed, requested })).toBe(st);
      expect(featureText({ active, fixed, requested })).toBe(shown);
      // What ethtool prints parses back to the same bits.
      const p = parseEthtoolFeatures(`Features for x:\nfoo: ${shown}\n`).value!.features.get('foo')!;
      expect(featureStatus(p)).toBe(st);
    }
  });
});

describe('ethtool --json -k', () => {
  it('agrees with the text output captured at the same moment (veth, this machine)', () => {
    for (const [t, j] of [
      ['local/veth-eth0-k-default.txt', 'local/veth-eth0-json-k-default.txt'],
      ['local/veth-eth1-k-tnl-off-tx-off.txt', 'local/veth-eth1-json-k-tnl-off-tx-off.txt'],
    ]) {
      const tv = parseEthtoolFeatures(text(t!)).value!;
      const jp = parseEthtoolFeaturesJson(text(j!), j);
      expect(jp.diagnostics).toEqual([]);
      const jv = jp.value!;
      expect(jv.ifname).toBe(tv.ifname);
      expect([...jv.features.keys()].sort()).toEqual([...tv.features.keys()].sort());
      for (const f of jv.features.values()) {
        const x = tv.features.get(f.name)!;
        expect(x.active, f.name).toBe(f.active);
        expect(x.group, f.name).toBe(f.group);
        if (!f.group) expect(x.fixed, f.name).toBe(f.fixed);
        if (x.requested !== null && !f.group) expect(x.requested, f.name).toBe(f.requested);
        if (!f.group) expect(featureStatus(x), f.name).toBe(featureStatus(f));
        expect(x.parent, f.name).toBe(f.parent);
      }
    }
  });

  it('keeps the wanted bit of fixed features, which the text hides', () => {
    const j = parseEthtoolFeaturesJson(text('local/veth-eth1-json-k-tnl-off-tx-off.txt')).value!;
    expect(j.features.get('tx-tcp-segmentation')).toMatchObject({ active: false, fixed: false, requested: true });
    expect(j.features.get('large-receive-offload')).toMatchObject({ active: false, fixed: true, requested: false });
    expect(j.features.get('tx-checksumming')).toMatchObject({ group: true, fixed: null, requested: null });
    expect(j.features.get('tx-udp_tnl-segmentation')?.line).toBeGreaterThan(5);
  });

  it('says what is wrong with bad JSON', () => {
    expect(parseEthtoolFeaturesJson('{"a":').value).toBeUndefined();
    expect(parseEthtoolFeaturesJson('[{"ifname":"x","foo":{"active":"yes"}}]').diagnostics[0]?.message).toMatch(/expected/);
    expect(parseEthtoolFeaturesJson('[]').diagnostics[0]?.message).toMatch(/one object per device/);
  });
});

describe('ethtool --version, -i', () => {
  it('reads the version and what it supports', () => {
    const v = parseEthtoolVersion(text('local/ethtool-version.txt')).value!;
    expect(v).toEqual({ text: '6.1', major: 6, minor: 1 });
    expect(ethtoolHasJsonFeatures(v) && ethtoolHasShowTunnels(v)).toBe(true);
    expect(ethtoolHasJsonFeatures(parseEthtoolVersion('ethtool version 5.16\n').value)).toBe(false);
    expect(ethtoolHasShowTunnels(parseEthtoolVersion('ethtool version 5.10\n').value)).toBe(true);
    expect(ethtoolHasShowTunnels(parseEthtoolVersion('ethtool version 4.8\n').value)).toBe(false);
    expect(parseEthtoolVersion('bash: ethtool: command not found').value).toBeUndefined();
  });

  const I_FILES = [...list('public/ethtool-i'), 'local/veth-i.txt', 'local/bridge-i.txt', 'local/macvlan-i.txt'];
  it.each(I_FILES)('%s: driver, version, firmware and bus-info as printed', (f) => {
    const t = text(f);
    const { value, diagnostics } = parseEthtoolDriverInfo(t, f);
    expect(diagnostics).toEqual([]);
    const field = (k: string) => /^(.*)$/.exec(t.split('\n').find((l) => l.startsWith(`${k}:`))!.slice(k.length + 1).trim())![1];
    expect(value?.driver).toBe(field('driver'));
    expect(value?.version).toBe(field('version'));
    expect(value?.firmwareVersion).toBe(field('firmware-version'));
    expect(value?.busInfo).toBe(field('bus-info'));
  });

  it('normalises what is compared across hosts', () => {
    const i = (f: string) => parseEthtoolDriverInfo(text(`public/ethtool-i/${f}`)).value;
    expect(i('mlx4_en-connectx3-trailing-spaces-ethq-issue21.txt')?.version).toBe('4.0-0');
    expect(firmwareOf(i('virtio_net-kvm-guest-ethq-issue12.txt'))).toBeUndefined();
    expect(firmwareOf(i('iavf-e810-vf-fedora-kernel5.19-ethq-issue27.txt'))).toBeUndefined();
    expect(firmwareOf(i('mlx5-connectx4-fw14.23-ubuntu1804-ethq-issue8.txt'))).toBe('14.23.1020 (MT_2420110034)');
    expect(pciAddressOf(i('mlx5-connectx4lx-fw14.21-netdev-2021.txt'))).toBe('0000:3b:00.0');
    expect(pciAddressOf(i('fsl_dpaa2_eth-nxp-ethq-issue29.txt'))).toBeUndefined();
    expect(i('vlan-8021q-eno4.4000-netdev-2023.txt')?.driver).toBe('802.1Q VLAN Support');
    expect(i('insights-core-fixture-bonding-3.6.0.txt')).toMatchObject({ driver: 'bonding', busInfo: '', supports: { statistics: false } });
    expect(parseEthtoolDriverInfo('Cannot get driver information: No such device\n').diagnostics.map((d) => d.severity)).toEqual(['error', 'error']);
  });
});

describe('ethtool --show-tunnels', () => {
  it('reads the two-table layout with a GENEVE entry', () => {
    const { value, diagnostics } = parseEthtoolTunnels(text('public/ethtool-show-tunnels/dump-all-two-tables-geneve-vxlan-gpe-netdev-2020.txt'));
    expect(diagnostics).toEqual([]);
    expect(value.reported).toBe(true);
    expect(value.devices[0]!.tables.map((t) => [t.index, t.size, t.types, t.entries.length])).toEqual([
      [0, 4, ['vxlan'], 0],
      [1, 4, ['geneve', 'vxlan-gpe'], 2],
    ]);
    expect(tunnelPorts(value).map((e) => [e.port, e.type, e.line])).toEqual([
      [1230, 'vxlan-gpe', 14],
      [6081, 'geneve', 15],
    ]);
  });

  it('reads the mlx5 static IANA VXLAN table (trailing spaces after the table header)', () => {
    const { value, diagnostics } = parseEthtoolTunnels(text('public/ethtool-show-tunnels/mlx5-static-iana-vxlan-table-netdev-2020.txt'));
    expect(diagnostics).toEqual([]);
    expect(value.devices[0]!.tables[1]).toMatchObject({ static: true, types: [], entries: [{ port: 4789, type: 'vxlan' }] });
    expect(tunnelPorts(value).some((e) => e.type === 'geneve')).toBe(false);
    expect(tunnelPorts(parseEthtoolTunnels(text('public/ethtool-show-tunnels/kernel-doc-example-one-entry-vxlan-gpe.txt')).value).map((e) => e.port)).toEqual([1230]);
  });

  it('says "not reported" for a driver without a port table (veth on this machine, stderr)', () => {
    const v = parseEthtoolTunnels('', 'x', text('local/veth-show-tunnels.err')).value;
    expect(v).toEqual({ reported: false, devices: [] });
    expect(parseEthtoolTunnels('garbage\n').diagnostics[0]?.message).toMatch(/before any/);
  });
});

describe('/proc/net/bonding', () => {
  it.each([
    ['insights-core-fixture-balance-xor-layer2+3.txt', 'balance-xor', 'layer2+3', ['eno1', 'eno2'], 0],
    ['insights-core-fixture-802.3ad-layer2-stray-speed-line.txt', '802.3ad', 'layer2', ['eth1', 'eth2'], 1],
    ['insights-core-fixture-active-backup.txt', 'active-backup', undefined, ['enp17s0f0', 'enp17s0f1'], 0],
  ])('%s', (f, mode, policy, slaves, diags) => {
    const { value, diagnostics } = parseBonding(text(`public/bonding/${f}`), f);
    expect(value?.mode).toBe(mode);
    expect(value?.xmitHashPolicy).toBe(policy);
    expect(value?.slaves.map((s) => s.name)).toEqual(slaves);
    expect(diagnostics).toHaveLength(diags);
    if (diags) expect(diagnostics[0]).toMatchObject({ line: 35, excerpt: 'Speed' });
  });

  it('keeps slave details and the line of each setting', () => {
    const b = parseBonding(text('public/bonding/insights-core-fixture-802.3ad-layer2-stray-speed-line.txt')).value!;
    expect(b.slaves[1]).toMatchObject({ miiStatus: 'up', aggregatorId: 2, permanentHwAddr: '00:16:35:5e:02:7e' });
    expect(b.lines).toMatchObject({ mode: 7, xmitHashPolicy: 8 });
    expect(parseBonding(text('public/bonding/insights-core-fixture-active-backup.txt')).value?.activeSlave).toBe('enp17s0f0');
    expect(parseBonding('cat: /proc/net/bonding/bond0: No such file or directory\n').value).toBeUndefined();
  });
});

describe('tc -s filter show dev DEV ingress', () => {
  it('counts the mlx5 flower filter in hardware, not its action block', () => {
    const { value, diagnostics } = parseTcFilters(text('public/tc-filter/mlx5-uplink-rep-enp8s0f0-flower-in_hw-netdev-2021.txt'));
    expect(diagnostics).toEqual([]);
    expect(value).toMatchObject({ filters: 1, inHw: 1, notInHw: 0, skipHw: 0, skipSw: 0 });
    expect(value.records[0]).toMatchObject({ kind: 'flower', pref: 4, inHwCount: 1, line: 6 });
  });

  it('counts u32 nodes, not hash tables, and does not blame skip_hw filters (this machine)', () => {
    const { value } = parseTcFilters(text('local/tc-u32-eth0-ingress.txt'));
    expect(value).toMatchObject({ filters: 2, inHw: 0, notInHw: 1, skipHw: 1 });
    expect(value.records.map((r) => [r.kind, r.pref, r.notInHw, r.skipHw])).toEqual([
      ['u32', 2, true, true],
      ['u32', 49152, true, false],
    ]);
    expect(parseTcFilters('').value.filters).toBe(0);
  });
});

describe('devlink -j dev eswitch show', () => {
  it('reads the documented shapes', () => {
    // Shapes as quoted in the devlink JSON consumers (one device with a mode, and none); no
    // public capture of this command is available, and this machine has no devlink device.
    expect(parseDevlinkEswitch('{"dev":{"pci/0000:03:00.0":{"mode":"switchdev","inline-mode":"none","encap-mode":"basic"}}}').value).toEqual([
      { dev: 'pci/0000:03:00.0', mode: 'switchdev', inlineMode: 'none', encapMode: 'basic', line: 1 },
    ]);
    expect(parseDevlinkEswitch('{"dev":{}}').value).toEqual([]);
  });

  it('turns the stderr of a kernel without devlink into a diagnostic, not a value (this machine)', () => {
    const { value, diagnostics } = parseDevlinkEswitch(text('local/devlink-eswitch.err'));
    expect(value).toBeUndefined();
    expect(diagnostics[0]?.severity).toBe('error');
  });
});

describe('ovs-vsctl get … other_config', () => {
  it('reads the maps of the OVS 3.1 userspace capture', () => {
    const { value, diagnostics } = parseOvsMaps(text('public/ovs-userspace/ovs-vsctl_get_Open_vSwitch_other_config_external_ids.json'));
    expect(diagnostics).toEqual([]);
    expect(value.map((m) => Object.fromEntries(m.map))).toEqual([{ 'hw-offload': 'false' }, { 'ovn-bridge': 'br-int', 'ovn-encap-ip': '192.168.100.1', 'ovn-encap-type': 'geneve', 'system-id': 'hv1' }]);
  });

  it('reads quoting, escapes and the empty map', () => {
    expect(Object.fromEntries(parseOvsMaps('{"a b"="x\\"y", hw-offload="true", tc-policy=skip_sw}').value[0]!.map)).toEqual({ 'a b': 'x"y', 'hw-offload': 'true', 'tc-policy': 'skip_sw' });
    expect(parseOvsMaps('{}').value[0]!.map.size).toBe(0);
    expect(parseOvsMaps('{a=}').diagnostics[0]?.message).toMatch(/not understood/);
    expect(parseOvsMaps('ovs-vsctl: unix:/x: database connection failed').diagnostics[0]?.severity).toBe('error');
  });
});

describe('ovs-appctl dpctl/dump-flows -m type=offloaded', () => {
  it.each([
    ['public/ovs-dpctl-dump-flows-offloaded/kube-ovn-yusur-tc-offloaded-geneve-genev_sys_6081.txt', { flows: 2, tunnel: 2, geneve: 2, partial: 0, byDp: { tc: 2 } }],
    ['public/ovs-dpctl-dump-flows-offloaded/kube-ovn-mellanox-cx5-tc-offloaded-vf-reps.txt', { flows: 2, tunnel: 0, geneve: 0, byDp: { tc: 2 } }],
    ['public/ovs-dpctl-dump-flows-offloaded/kube-ovn-yunsilicon-dpdk-pmd-offloaded-ct-recirc.txt', { flows: 6, tunnel: 0, byDp: { unknown: 6 } }],
    ['public/ovs-userspace/ovs-appctl_dpctl_dump-flows_type_offloaded.txt', { flows: 0, tunnel: 0, byDp: {} }],
  ])('%s', (f, want) => {
    const { value, diagnostics } = countOffloadedFlows(text(f), f);
    expect(diagnostics).toEqual([]);
    expect(value).toMatchObject(want);
  });
});

describe('every parser survives random and truncated input', () => {
  const parsers: ((t: string) => unknown)[] = [
    (t) => parseEthtoolFeatures(t),
    (t) => parseEthtoolFeaturesJson(t),
    (t) => parseEthtoolDriverInfo(t),
    (t) => parseEthtoolTunnels(t, undefined, t),
    (t) => parseEthtoolVersion(t),
    (t) => parseBonding(t),
    (t) => parseTcFilters(t),
    (t) => parseDevlinkEswitch(t),
    (t) => parseOvsMaps(t),
    (t) => countOffloadedFlows(t),
  ];
  const all = [...K_TEXT, ...K_FILTERED, ...list('public/ethtool-i'), ...list('public/ethtool-show-tunnels'), ...list('public/bonding'), ...list('public/tc-filter'), ...list('public/ovs-dpctl-dump-flows-offloaded'), ...list('local')];

  it('random strings (with the characters these formats use)', () => {
    const alphabet = fc.constantFrom(...'abcdefx-_:[]{}"=,.0123456789 \t\n\u00a0onf()#\\'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: alphabet, maxLength: 300 })), (s) => {
        for (const p of parsers) p(s);
      }),
      { numRuns: 400 },
    );
  });

  it('every truncation of every fixture, and a truncated feature list reads as a prefix', () => {
    for (const f of all) {
      const full = text(f);
      for (let i = 0; i <= full.length; i += Math.max(1, Math.floor(full.length / 150))) for (const p of parsers) p(full.slice(0, i));
    }
    const full = text('public/ethtool-k/mlx5-eth2-geneve-gro-regression-lkml-2023.txt');
    const n = parseEthtoolFeatures(full).value!.features.size;
    for (let i = 0; i <= full.length; i += 7) expect(parseEthtoolFeatures(full.slice(0, i)).value?.features.size ?? 0).toBeLessThanOrEqual(n);
  });

  it('reads back any feature list it is given, whatever the indentation style', () => {
    const feature = fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9_-]{0,20}$/),
      active: fc.boolean(),
      fixed: fc.boolean(),
      requested: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.uniqueArray(feature, { selector: (f) => f.name, minLength: 1, maxLength: 30 }), fc.constantFrom('\t', '        ', '         ', '    ', '\u00a0 \u00a0 '), fc.boolean(), (feats, indent, crlf) => {
        const lines = ['Features for dev0:'];
        feats.forEach((f, i) => lines.push(`${i % 3 === 1 ? indent : ''}${f.name}: ${featureText({ active: f.active, fixed: f.fixed, requested: f.fixed ? null : f.requested })}`));
        const { value, diagnostics } = parseEthtoolFeatures(lines.join(crlf ? '\r\n' : '\n') + '\n');
        expect(diagnostics).toEqual([]);
        for (const f of feats) {
          const got = value!.features.get(f.name)!;
          expect(got.active).toBe(f.active);
          if (!got.group) {
            expect(got.fixed).toBe(f.fixed);
            if (!f.fixed) expect(got.requested).toBe(f.requested);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
