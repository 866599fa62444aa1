import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCollection as checkCollectionUnchecked, recordedScope } from '../../src/checks/collection.js';
import type { Finding } from '../../src/model/finding.js';
import type { Manifest, ManifestCommand, ManifestHost } from '../../src/model/manifest.js';
import { expectFixOnEveryNonPass } from '../harness/findings.js';

/** Every scenario of this file: a finding that is not a pass has a fix, a pass has none. */
function checkCollection(input: Parameters<typeof checkCollectionUnchecked>[0]): Finding[] {
  const fs = checkCollectionUnchecked(input);
  expectFixOnEveryNonPass(fs);
  return fs;
}

const root = resolve(import.meta.dirname, '../..');
const fixtureManifest = (name: string) => JSON.parse(readFileSync(resolve(root, 'fixtures', name, 'manifest.json'), 'utf8')) as Manifest;

const cmd = (id: string, status: ManifestCommand['status'] = 'ok', required = true, error?: string): ManifestCommand => ({
  id,
  argv: [id],
  executed: [id],
  required,
  status,
  exitCode: status === 'ok' ? 0 : status === 'failed' ? 1 : null,
  durationMs: 1,
  file: `hosts/hv/${id}.out`,
  bytes: 1,
  ...(status !== 'ok' ? { errFile: `hosts/hv/${id}.err`, error: error ?? `${status}` } : {}),
});
const host = (name: string, commands: ManifestCommand[], status: ManifestHost['status'] = 'ok', error?: string): ManifestHost => ({ name, transport: 'ssh', wrapper: [], status, bridges: ['br-int'], commands, ...(error ? { error } : {}) });

function manifest(over: Partial<Manifest>): Manifest {
  return {
    format: 'ovnscope-snapshot',
    formatVersion: 1,
    toolVersion: 'test',
    created: '2026-01-01T00:00:00Z',
    finished: '2026-01-01T00:00:01Z',
    complete: true,
    interrupted: false,
    missing: [],
    options: {},
    hosts: [host('hv1', [cmd('ovs-vsctl.version'), cmd('ovs-ofctl.dump-flows.br-int')])],
    central: { via: 'hv1', commands: [cmd('ovn-sbctl.list.Chassis')] },
    ...over,
  };
}
const ids = (fs: Finding[]) => fs.filter((f) => f.severity !== 'pass').map((f) => `${f.severity} ${f.id} ${f.host ?? '-'}`);

describe('collection checks', () => {
  it('the bundled fixtures are complete: only passes', () => {
    for (const fx of ['l3-acl', 'lb-nat-3chassis']) {
      const fs = checkCollection({ manifest: fixtureManifest(fx), diagnostics: [] });
      expect(ids(fs)).toEqual([]);
      expect(fs.find((f) => f.id === 'C1')!.message).toMatch(/^complete: \d hosts reached, NB\/SB via hv1$/);
    }
  });

  it('C1: an unreachable host fails with the transport error', () => {
    const fs = checkCollection({
      manifest: manifest({ complete: false, missing: ['host hv2: connect ECONNREFUSED'], hosts: [host('hv1', [cmd('a')]), host('hv2', [], 'unreachable', 'connect ECONNREFUSED 10.0.0.2:22')] }),
      diagnostics: [],
    });
    expect(ids(fs)).toEqual(['fail C1 hv2']);
    expect(fs.find((f) => f.id === 'C1')!.message).toMatch(/host hv2 was unreachable over ssh: connect ECONNREFUSED 10\.0\.0\.2:22/);
  });

  it('C2: required outputs missing warn (with the .err file as evidence); C3: optional ones are one info per host, grouped by reason', () => {
    const fs = checkCollection({
      manifest: manifest({
        complete: false,
        hosts: [
          host(
            'hv1',
            [
              cmd('ovs-ofctl.dump-flows.br-int', 'timeout', true, 'timed out after 300s'),
              cmd('frr.version', 'unavailable', false, 'vtysh: not found'),
              cmd('frr.bgp-summary', 'unavailable', false, 'vtysh: not found'),
              cmd('devlink.eswitch', 'failed', false, 'exit code 1'),
            ],
            'partial',
          ),
        ],
      }),
      diagnostics: [],
    });
    expect(ids(fs)).toEqual(['warn C2 hv1', 'info C3 hv1']);
    const c2 = fs.find((f) => f.id === 'C2')!;
    expect(c2.message).toMatch(/1 required output missing.*ovs-ofctl\.dump-flows\.br-int timeout \(timed out after 300s\)/);
    expect(c2.evidence[0]).toEqual({ file: 'hosts/hv/ovs-ofctl.dump-flows.br-int.err', excerpt: 'ovs-ofctl.dump-flows.br-int: timeout — timed out after 300s' });
    expect(fs.find((f) => f.id === 'C3')!.message).toBe('3 optional outputs missing: frr.version, frr.bgp-summary: not installed (vtysh: not found); devlink.eswitch: failed (exit code 1)');
  });

  it('C3: ovn-controller answers that are missing point at D17, which says why', () => {
    const fs = checkCollection({
      manifest: manifest({ hosts: [host('hv1', [cmd('ovn-appctl.connection-status', 'failed', false, 'exit code 1'), cmd('ovn-appctl.version', 'failed', false, 'exit code 1'), cmd('devlink.eswitch', 'failed', false, 'exit code 1')])] }),
      diagnostics: [],
    });
    expect(fs.find((f) => f.id === 'C3')!.message).toBe('3 optional outputs missing: ovn-appctl.connection-status, ovn-appctl.version: failed (exit code 1) — ovn-controller did not answer, see D17; devlink.eswitch: failed (exit code 1)');
  });

  it('C3: no pointer at D17 when the outputs do not say ovn-controller is silent', () => {
    const c3 = (...cmds: ManifestCommand[]) => checkCollection({ manifest: manifest({ hosts: [host('hv1', cmds)] }), diagnostics: [] }).find((f) => f.id === 'C3')!.message;
    // Not installed, denied by the socket's permissions, or interrupted: nothing about the daemon.
    expect(c3(cmd('ovn-appctl.connection-status', 'unavailable', false, 'ovn-appctl: not found'))).not.toMatch(/D17/);
    expect(c3(cmd('ovn-appctl.connection-status', 'failed', false, 'exit code 1: ovn-appctl: cannot connect to "/var/run/ovn/ovn-controller.7.ctl" (Permission denied)'))).not.toMatch(/D17/);
    expect(c3(cmd('ovn-appctl.connection-status', 'interrupted', false))).not.toMatch(/D17/);
    // connection-status answered: a failed version is only that.
    expect(c3(cmd('ovn-appctl.connection-status'), cmd('ovn-appctl.version', 'failed', false, 'exit code 1'))).not.toMatch(/D17/);
    // A timeout is silence.
    expect(c3(cmd('ovn-appctl.connection-status', 'timeout', false, 'timed out after 10s'))).toMatch(/ — ovn-controller did not answer, see D17$/);
  });

  it('C4: no NB/SB warns, a failed SB listing warns; C5: an interrupted collection warns', () => {
    expect(ids(checkCollection({ manifest: manifest({ central: undefined }), diagnostics: [] }))).toEqual(['warn C4 -']);
    expect(ids(checkCollection({ manifest: manifest({ central: { via: 'hv1', commands: [cmd('ovn-sbctl.list.Port_Binding', 'failed', true, 'database connection failed')] } }), diagnostics: [] }))).toEqual(['warn C4 -']);
    expect(ids(checkCollection({ manifest: manifest({ interrupted: true, complete: false }), diagnostics: [] }))).toEqual(['warn C5 -']);
  });

  it('C6: parser diagnostics per file: errors warn, warnings are info; --host keeps central ones', () => {
    const fs = checkCollection({
      manifest: manifest({ hosts: [host('hv1', [cmd('a')]), host('hv2', [cmd('a')])] }),
      diagnostics: [
        { severity: 'error', host: 'hv1', file: 'hosts/hv1/ovs-ofctl.dump-flows.br-int.out', line: 12, message: 'unknown action "frobnicate"', excerpt: 'actions=frobnicate' },
        { severity: 'warning', host: 'central (via hv1)', file: 'central/ovn-sbctl.list.Chassis.out', message: 'column "x": expected a string' },
        { severity: 'warning', host: 'hv2', file: 'hosts/hv2/ip.link.out', message: 'odd' },
      ],
      hosts: ['hv1'],
    });
    expect(ids(fs)).toEqual(['warn C6 hv1', 'info C6 -']);
    expect(fs.find((f) => f.id === 'C6')!.evidence).toEqual([{ file: 'hosts/hv1/ovs-ofctl.dump-flows.br-int.out', line: 12, excerpt: 'actions=frobnicate' }]);
    expect(fs.find((f) => f.id === 'C6')!.message).toMatch(/^1 parser diagnostic \(1 error\): unknown action/);
  });

  it('C7: a path-scoped collection or pack is info; a chassis on the path missing from the inventory warns', () => {
    const collected = manifest({
      complete: false,
      missing: ['chassis hv9 (gateway on the path web1 → 8.8.8.8) is not in the inventory'],
      options: { scope: { from: 'web1', to: '8.8.8.8', chassis: [], notes: [], hostsInInventory: 40, hostsCollected: 1 } },
    });
    const fs = checkCollection({ manifest: collected, diagnostics: [] });
    expect(ids(fs)).toEqual(['warn C2 -', 'info C7 -']);
    expect(fs.find((f) => f.id === 'C7')!.message).toMatch(/path-scoped collection: only the 1 host on the path between web1 and 8\.8\.8\.8 \(hv1\) of 40/);
    const packed = manifest({ options: { pathScope: { from: 'web1', to: 'db1', hosts: ['hv1'], hostsInSource: 3, by: 'ovnscope fixture pack --only-path' } } });
    expect(recordedScope(packed)).toEqual({ from: 'web1', to: 'db1', by: 'pack', hosts: ['hv1'], of: 3 });
    expect(checkCollection({ manifest: packed, diagnostics: [] }).find((f) => f.id === 'C7')!.message).toMatch(/^path-scoped fixture: only the 1 host on the path between web1 and db1 \(hv1\) of 3/);
  });
});

describe('C8: damaged files', () => {
  const damage = (file: string, kind: 'missing' | 'size' | 'digest', message: string) => ({ severity: 'error' as const, host: 'hv1', file, damage: kind, message });
  const FLOWS = 'hosts/hv/ovs-ofctl.dump-flows.br-int.out';

  it('a damaged file is a C8 warning naming the file, and its parser diagnostics are not a C6 "parser bug"', () => {
    const fs = checkCollection({
      manifest: manifest({}),
      diagnostics: [
        damage(FLOWS, 'size', 'damaged: 100 bytes where the manifest recorded 200 — the file changed after collection (truncated?); what is read from it is not what the host printed'),
        // The line the truncation cut in two, as the parser sees it.
        { severity: 'error', host: 'hv1', file: FLOWS, line: 3, message: 'unparsable flow', excerpt: ' cookie=0x0, tab' },
      ],
    });
    const c8 = fs.filter((f) => f.id === 'C8');
    expect(c8.map((f) => [f.severity, f.host, f.subject])).toEqual([['warn', 'hv1', FLOWS]]);
    expect(c8[0]!.message).toMatch(/^damaged: 100 bytes where the manifest recorded 200 .*truncated\?/);
    expect(c8[0]!.fix).toMatch(/collect again/);
    expect(fs.filter((f) => f.id === 'C6' && f.subject === FLOWS)).toEqual([]);
    expect(fs.some((f) => /please report it/.test(f.fix ?? ''))).toBe(false);
    // Not "complete".
    expect(fs.some((f) => f.id === 'C1' && f.severity === 'pass')).toBe(false);
  });

  it('a missing file says missing; an intact snapshot passes C8', () => {
    const missing = checkCollection({ manifest: manifest({}), diagnostics: [damage(FLOWS, 'missing', 'damaged: listed in the manifest (200 bytes) but missing — the file was removed after collection')] });
    expect(missing.filter((f) => f.id === 'C8').map((f) => f.message.split(':')[0])).toEqual(['missing']);
    const intact = checkCollection({ manifest: manifest({}), diagnostics: [] });
    expect(intact.filter((f) => f.id === 'C8').map((f) => f.severity)).toEqual(['pass']);
  });
});
