import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { Manifest, ManifestCommand } from '../../src/model/manifest.js';
import { groupMissing, renderCollectSummary } from '../../src/render/collect.js';

const KEY = 'root@127.0.0.2:42201: host key not known. The server offered ssh-ed25519 SHA256:At3u…, and no known_hosts file has a key for [127.0.0.2]:42201.';

describe('collect summary when the ovn.via host is unreachable', () => {
  const missing = [
    `host hv1: ${KEY}`,
    'host hv2: root@127.0.0.3:42202: connection refused',
    ...['ovn-sbctl.list.Chassis', 'ovn-sbctl.list.Encap', 'ovn-nbctl.list.ACL'].map((id) => `central via hv1: ${id} transport-error (${KEY})`),
    'central via hv1: ovn-sbctl.list.Port_Binding timeout (not finished within 5000 ms (killed))',
  ];

  it('one line for the central commands that failed for one reason, which refers to the host line instead of repeating it', () => {
    expect(groupMissing(missing)).toEqual([
      `host hv1: ${KEY}`,
      'host hv2: root@127.0.0.3:42202: connection refused',
      'central via hv1: 3 commands transport-error (as for host hv1 above): ovn-sbctl.list.Chassis, ovn-sbctl.list.Encap, ovn-nbctl.list.ACL',
      'central via hv1: ovn-sbctl.list.Port_Binding timeout (not finished within 5000 ms (killed))',
    ]);
  });

  it('the central row is unreachable when none of its commands ran, and no failed command is called the slowest', () => {
    const cmd = (id: string, status: ManifestCommand['status'], durationMs: number): ManifestCommand => ({ id, argv: [id], executed: [id], required: true, status, exitCode: status === 'ok' ? 0 : null, durationMs, bytes: 0, ...(status === 'ok' ? {} : { error: KEY }) }) as ManifestCommand;
    const manifest = {
      format: 'ovnscope-snapshot',
      formatVersion: 1,
      toolVersion: '0.1.0',
      created: '2026-11-21T00:00:00Z',
      complete: false,
      interrupted: false,
      missing,
      options: {},
      hosts: [{ name: 'hv1', transport: 'ssh', wrapper: [], status: 'unreachable', error: KEY, bridges: [], commands: [cmd('ovs-vsctl.version', 'transport-error', 57)] }],
      central: { via: 'hv1', commands: [cmd('ovn-sbctl.list.Chassis', 'transport-error', 3), cmd('ovn-sbctl.list.Encap', 'transport-error', 2)] },
    } as unknown as Manifest;
    const text = renderCollectSummary('snap', manifest, new Chalk({ level: 0 }));
    const row = (name: string) => text.split('\n').find((l) => l.includes(name))!;
    expect(row('central (via hv1)')).toMatch(/unreachable\s*│\s*0\/2/);
    expect(row('│ hv1 ')).not.toMatch(/ovs-vsctl\.version 57 ms/);
  });
});
