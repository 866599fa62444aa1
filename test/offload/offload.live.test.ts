// Live: real network namespaces with real veth, bridge and macvlan devices whose offload features
// are changed with `ethtool -K` (real kernel state), a real OVS in each namespace computing
// status:tunnel_egress_iface, collected by ovnscope through an `ip netns exec` wrapper, audited.
// See netlab.ts for the topology and for why bridges stand in for bonds on this kernel.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAllowed, checkWrapper } from '../../src/collect/allowlist.js';
import type { Finding } from '../../src/model/finding.js';
import { featureStatus } from '../../src/parse/ethtool.js';
import { collect } from '../../src/services/collect.js';
import { auditOffload, type OffloadAuditResult } from '../../src/services/offload.js';
import { loadOffload } from '../../src/snapshot/load-offload.js';
import { openSnapshot } from '../../src/snapshot/reader.js';
import { kernelCapabilities, missingForLab, startNetLab, type NetLab } from './netlab.js';

const root = resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

const missing = missingForLab();
if (missing.length) {
  const msg = `offload live suite: missing ${missing.join(', ')} (install with scripts/install-system-deps.sh; run as root)`;
  console.error(`\n${'!'.repeat(78)}\n${msg}\n${'!'.repeat(78)}\n`);
  if (process.env.CI === 'true')
    it('offload live suite prerequisites are installed (required under CI=true)', () => {
      throw new Error(msg);
    });
  else it.skip(`offload live tests SKIPPED — ${msg}`, () => undefined);
}

const find = (r: OffloadAuditResult, id: string, host: string | undefined, subject: RegExp): Finding => {
  const f = r.findings.find((x) => x.id === id && x.host === host && subject.test(x.subject));
  if (!f) throw new Error(`no ${id} finding for ${host} ${subject}: ${r.findings.filter((x) => x.id === id).map((x) => `${x.host} ${x.subject} ${x.severity}`).join(' | ')}`);
  return f;
};

describe.skipIf(missing.length > 0)('offload audit of real kernel devices in network namespaces', () => {
  let lab: NetLab;
  let work: string;
  let n = 0;
  const executed: string[][] = [];

  /** Collects both lab hosts through their `ip netns exec` wrappers and audits the snapshot. */
  const snapshot = async (): Promise<{ dir: string; audit: OffloadAuditResult }> => {
    const dir = join(work, `snap${n++}`);
    const r = await collect({ inventory: lab.inventory(), out: dir, parallel: 2, perHostConcurrency: 4, transportOptions: { onExec: (_h, argv) => executed.push([...argv]) } });
    if (!r.ok) throw new Error(r.error.message);
    for (const h of r.value.manifest.hosts) expect(h.status, `${h.name}: ${h.error}`).not.toBe('unreachable');
    const a = await auditOffload({ snapshot: dir });
    if (!a.ok) throw new Error(a.error.message);
    return { dir, audit: a.value };
  };

  beforeAll(async () => {
    const caps = kernelCapabilities();
    console.error(`offload live suite: this kernel can create ${Object.entries(caps).map(([k, v]) => `${k}=${v ? 'yes' : 'NO'}`).join(' ')}`);
    work = mkdtempSync(join(tmpdir(), 'ovnscope-offload-live-'));
    lab = await startNetLab();
  });
  afterAll(async () => {
    try {
      if (lab) await lab.stop();
    } finally {
      if (work) rmSync(work, { recursive: true, force: true });
    }
  });

  it('baseline: the chain from OVS tunnel_egress_iface down to the veth ports, offloaded end to end', async () => {
    const { audit: r } = await snapshot();
    expect(r.hosts.map((h) => [h.host, h.roots.map((x) => `${x.device}:${x.source}`)])).toEqual([
      ['hv1', ['br0:ovs-status']],
      ['hv2', ['mv0:ovs-status']],
    ]);
    expect(r.rows.filter((x) => x.host === 'hv2').map((x) => [x.device, x.depth, x.relation, x.driver])).toEqual([
      ['mv0', 0, 'root', 'macvlan'],
      ['br0', 1, 'lower', 'bridge'],
      ['eth0', 2, 'bridge-port', 'veth'],
      ['eth1', 2, 'bridge-port', 'veth'],
    ]);
    for (const h of ['hv1', 'hv2']) {
      expect(r.findings.filter((f) => f.host === h && (f.id === 'O1' || f.id === 'O2')).every((f) => f.severity === 'pass'), h).toBe(true);
      expect(r.hosts.find((x) => x.host === h)!.verdict).toBe('pass');
    }
    // veth: no UDP tunnel port table, rx-udp_tunnel-port-offload [fixed] off on a virtual NIC.
    expect(find(r, 'O4', 'hv1', /^eth0/).severity).toBe('n-a');
    expect(find(r, 'O3', 'hv1', /^eth0/).severity).toBe('n-a');
    expect(find(r, 'O7', 'hv1', /^eth0/).severity).toBe('pass');
    expect(find(r, 'O8', undefined, /driver veth/).severity).toBe('pass');
    expect(find(r, 'H1', 'hv1', /hw-offload/).severity).toBe('info');
    expect(r.counts.fail).toBe(0);
    expect(r.diagnostics).toEqual([]);
    // Every command that ran was a read-only, allow-listed shape behind an allowed wrapper.
    for (const argv of executed) {
      const cut = argv.indexOf('env') + 1 + argv.slice(argv.indexOf('env') + 1).findIndex((w) => !w.includes('='));
      expect(checkWrapper(argv.slice(0, cut)).allowed, argv.join(' ')).toBe(true);
      expect(checkAllowed(argv.slice(cut)), argv.join(' ')).toMatchObject({ allowed: true });
    }
    expect(executed.some((a) => a.includes('--show-tunnels'))).toBe(true);
  });

  it('tx-udp_tnl-segmentation switched off on a bridge port: WARN on the port (DOMAIN.md §3.5: off, not fixed) and on the bridge, drift', async () => {
    await lab.setFeature('hv1', 'eth1', 'tx-udp_tnl-segmentation', false);
    try {
      const { dir, audit: r } = await snapshot();
      const port = find(r, 'O1', 'hv1', /^eth1 \(veth\)$/);
      expect(port).toMatchObject({ severity: 'warn', fix: expect.stringMatching(/^ethtool -K eth1 tx-udp_tnl-segmentation on/) });
      expect(port.evidence[0]).toMatchObject({ file: 'hosts/hv1/ethtool.k.eth1.out', excerpt: 'tx-udp_tnl-segmentation: off' });
      expect(port.evidence[1]).toMatchObject({ file: 'hosts/hv1/ethtool.json-k.eth1.out', excerpt: expect.stringContaining('"active":false,"fixed":false,"requested":false') });
      expect(find(r, 'O1', 'hv1', /^br0/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/eth1.*segmented in software/) });
      expect(find(r, 'O1', 'hv1', /^eth0/).severity).toBe('pass');
      expect(find(r, 'O8', 'hv1', /ports of br0/)).toMatchObject({ severity: 'warn', message: expect.stringContaining('tx-udp_tnl-segmentation: eth0 on, eth1 off') });
      expect(find(r, 'O8', undefined, /driver veth/)).toMatchObject({ severity: 'warn', message: expect.stringContaining('hv1/eth1 off') });
      expect(r.hosts.find((h) => h.host === 'hv1')!).toMatchObject({ verdict: 'warn', segmentation: 'partly' });
      expect(r.hosts.find((h) => h.host === 'hv2')!.verdict).toBe('pass');

      // The CLI on that snapshot: exit 0 (nothing fails), the table, and --json with the findings.
      const text = await exec(process.execPath, [join(root, 'bin/run.js'), 'offload', '--snapshot', dir], { env: { ...process.env, NO_COLOR: '1' } }).catch((e) => e as { code: number; stdout: string });
      expect((text as { code?: number }).code ?? 0).toBe(0);
      expect((text as { stdout: string }).stdout).toMatch(/└ port eth1 .*WARN/);
      const json = await exec(process.execPath, [join(root, 'bin/run.js'), 'offload', '--snapshot', dir, '--host', 'hv1', '--json']).catch((e) => e as { code: number; stdout: string });
      expect((json as { code?: number }).code ?? 0).toBe(0);
      const j = JSON.parse((json as { stdout: string }).stdout) as OffloadAuditResult;
      expect(j.hosts.map((h) => h.host)).toEqual(['hv1']);
      expect(j.findings.find((f) => f.id === 'O1' && f.subject.startsWith('eth1'))?.severity).toBe('warn');
    } finally {
      await lab.setFeature('hv1', 'eth1', 'tx-udp_tnl-segmentation', true);
    }
  });

  it('TX and RX checksumming switched off: O6 warns with the fix, and the kernel\'s [requested on] is kept', async () => {
    await lab.setFeature('hv2', 'eth0', 'tx', false);
    await lab.setFeature('hv2', 'eth1', 'rx', false);
    try {
      const { dir, audit: r } = await snapshot();
      // The kernel drops TSO without TX checksumming but keeps the wish: "off [requested on]" in the
      // text, requested:true in the JSON — both collected and read as a refusal, not a choice.
      const opened = await openSnapshot(dir);
      if (!opened.ok) throw new Error(opened.error.message);
      const eth0 = (await loadOffload(opened.value, { hosts: ['hv2'] })).hosts[0]!.devices.get('eth0')!;
      expect(featureStatus(eth0.featuresText!.features.get('tx-tcp-segmentation')!)).toBe('off-refused');
      expect(eth0.featuresJson!.features.get('tx-tcp-segmentation')).toMatchObject({ active: false, fixed: false, requested: true });
      expect(eth0.features).toBe(eth0.featuresJson);
      expect(find(r, 'O6', 'hv2', /^eth0/)).toMatchObject({ severity: 'warn', fix: 'ethtool -K eth0 tx on', message: expect.stringMatching(/TX checksum offload switched off/) });
      expect(find(r, 'O6', 'hv2', /^eth1/)).toMatchObject({ severity: 'warn', fix: 'ethtool -K eth1 rx on', message: expect.stringMatching(/rx-checksumming off/) });
      expect(find(r, 'O8', 'hv2', /ports of br0/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/rx-checksumming: eth0 on, eth1 off/) });
      // GENEVE TSO itself is untouched by these switches on veth.
      expect(find(r, 'O1', 'hv2', /^eth0/).severity).toBe('pass');
    } finally {
      await lab.setFeature('hv2', 'eth0', 'tx', true);
      await lab.setFeature('hv2', 'eth1', 'rx', true);
    }
  });

  it('hw-offload=true on a host whose ports cannot offload TC: H3/H5/H7 fail, tc-policy skip_sw fails H8, an extra TLV class is noted', async () => {
    const h = lab.host('hv2');
    await lab.vsctl('hv2', 'set', 'Open_vSwitch', '.', 'other_config:hw-offload=true', 'other_config:tc-policy=skip_sw');
    await lab.exec('hv2', ['tc', 'qdisc', 'add', 'dev', 'eth0', 'ingress']);
    await lab.exec('hv2', ['tc', 'filter', 'add', 'dev', 'eth0', 'ingress', 'protocol', 'ip', 'u32', 'match', 'ip', 'dst', `${h.remoteTep}/32`, 'action', 'mirred', 'egress', 'redirect', 'dev', 'eth1']);
    await lab.exec('hv2', ['env', `OVS_RUNDIR=${h.dir}`, 'ovs-ofctl', 'add-tlv-map', 'br-int', '{class=0x102,type=0x80,len=4}->tun_metadata0,{class=0xffff,type=0x1,len=8}->tun_metadata5']);
    try {
      const { audit: r } = await snapshot();
      expect(r.hosts.find((x) => x.host === 'hv2')).toMatchObject({ hwOffload: true, tcPolicy: 'skip_sw', flowOffload: true });
      expect(find(r, 'H1', 'hv2', /hw-offload/).severity).toBe('pass');
      expect(find(r, 'H3', 'hv2', /^eth0/)).toMatchObject({ severity: 'fail', message: expect.stringMatching(/hw-tc-offload off \[fixed\]/) });
      expect(find(r, 'H5', 'hv2', /offloaded/)).toMatchObject({ severity: 'fail' });
      expect(find(r, 'H2', 'hv2', /ovs-vswitchd/).severity).toBe('warn');
      expect(find(r, 'H7', 'hv2', /^eth0/)).toMatchObject({ severity: 'fail', message: expect.stringMatching(/^1 filters: 0 in_hw, 1 not_in_hw/) });
      expect(find(r, 'H7', 'hv2', /^eth1/).severity).toBe('info');
      expect(find(r, 'H8', 'hv2', /tc-policy/)).toMatchObject({ severity: 'fail', message: expect.stringMatching(/skip_sw/) });
      expect(find(r, 'H9', 'hv2', /TLV/)).toMatchObject({ severity: 'info', message: expect.stringMatching(/0xffff\/0x1/) });
      expect(find(r, 'H4', 'hv2', /e-switch/).severity).toBe('n-a');
      // hv1 has no hw-offload: no H2–H10 there.
      expect(r.findings.filter((f) => f.host === 'hv1' && /^H([2-9]|10)$/.test(f.id))).toEqual([]);
    } finally {
      await lab.vsctl('hv2', 'remove', 'Open_vSwitch', '.', 'other_config', 'hw-offload', 'tc-policy');
      await lab.exec('hv2', ['tc', 'qdisc', 'del', 'dev', 'eth0', 'ingress']);
    }
  });

  it('a geneve port on a non-standard UDP port: O5 warns', async () => {
    await lab.vsctl('hv1', 'set', 'Interface', 'ovn-hv2-0', 'options:dst_port=6082');
    try {
      const { audit: r } = await snapshot();
      expect(find(r, 'O5', 'hv1', /ovn-hv2-0/)).toMatchObject({ severity: 'warn', message: expect.stringMatching(/6082/) });
      expect(find(r, 'O5', 'hv2', /geneve ports/).severity).toBe('pass');
    } finally {
      await lab.vsctl('hv1', 'remove', 'Interface', 'ovn-hv2-0', 'options', 'dst_port');
    }
  });
});
