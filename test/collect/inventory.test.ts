// Wrappers are checked against the allow-list's shapes when the inventory is read: a wrapper the
// transports would refuse is an inventory error (exit 2, nothing collected), not a host that
// looks unreachable because every one of its commands was refused.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/collect/inventory.js';
import { runCli } from '../harness/cli.js';

describe('loadInventory: wrappers against the allow-list', () => {
  it('refuses env setting PATH or LD_PRELOAD in a wrapper, on its line, naming the variable and why', () => {
    const text = `hosts:
  hv1: { transport: local, wrapper: "env OVS_RUNDIR=/tmp/hv1 LC_ALL=C" }
  lab: { transport: local, wrapper: "env PATH=/tmp/fakebin:/usr/bin:/bin OVS_RUNDIR=/tmp/x" }
  hv2: { transport: local, wrapper: "sudo -n env LD_PRELOAD=/tmp/none.so" }
`;
    const { diagnostics } = loadInventory(text, 'inv.yaml');
    expect(diagnostics.map((d) => [d.severity, d.file, d.line, d.message])).toEqual([
      ['error', 'inv.yaml', 3, expect.stringMatching(/^host "lab": wrapper "env PATH=.*" is not allowed: env may not set PATH: it would choose which program or library actually runs/)],
      ['error', 'inv.yaml', 4, expect.stringMatching(/^host "hv2": wrapper "sudo -n env LD_PRELOAD=.*" is not allowed: env may not set LD_PRELOAD/)],
    ]);
  });

  it('refuses a wrapper the transports would refuse, wherever it is set, naming the host and the wrapper, on its line', () => {
    const text = `defaults: { wrapper: "nsenter -t 1" }
groups:
  g: { wrapper: "sudo whoami", hosts: [hv9] }
hosts:
  hv1: { transport: local, wrapper: "rm" }
  hv2: { transport: local, frr: { wrapper: "bash -c" } }
`;
    // 1-based line and column of the quoted wrapper value in the text.
    const at = (quoted: string): [number, number] => {
      const lines = text.split('\n');
      const i = lines.findIndex((l) => l.includes(quoted));
      return [i + 1, lines[i]!.indexOf(quoted) + 1];
    };
    const { diagnostics } = loadInventory(text, 'inv.yaml');
    expect(diagnostics.map((d) => [d.severity, d.file, d.line, d.column, d.message])).toEqual([
      ['error', 'inv.yaml', ...at('"nsenter -t 1"'), expect.stringMatching(/^defaults: wrapper "nsenter -t 1" is not allowed: wrapper word "nsenter" is not one of/)],
      ['error', 'inv.yaml', ...at('"sudo whoami"'), expect.stringMatching(/^group "g": wrapper "sudo whoami" is not allowed: sudo must be used as "sudo -n"/)],
      ['error', 'inv.yaml', ...at('"rm"'), expect.stringMatching(/^host "hv1": wrapper "rm" is not allowed: wrapper word "rm" is not one of/)],
      ['error', 'inv.yaml', ...at('"bash -c"'), expect.stringMatching(/^host "hv2": frr.wrapper "bash -c" is not allowed: wrapper word "bash"/)],
    ]);
  });

  it('accepts the documented read-only shapes', () => {
    const text = `defaults: { wrapper: "sudo -n" }
hosts:
  hv1: { transport: local, wrapper: "env OVS_RUNDIR=/tmp/sb/hv1" }
  hv2: { transport: local, wrapper: "sudo -n podman exec ovn_controller", frr: { wrapper: "ip netns exec leaf1" } }
  hv3: { transport: local, wrapper: "docker exec -i ovs" }
`;
    const { value, diagnostics } = loadInventory(text, 'inv.yaml');
    expect(diagnostics).toEqual([]);
    expect(value.hosts.map((h) => h.wrapper.join(' '))).toEqual(['env OVS_RUNDIR=/tmp/sb/hv1', 'sudo -n podman exec ovn_controller', 'docker exec -i ovs']);
  });
});

describe('collect with a disallowed wrapper', () => {
  it('--inventory: exit 2 before collecting anything; the message names host, wrapper and file:line:col', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovnscope-inv-'));
    const inv = join(dir, 'inv.yaml');
    writeFileSync(inv, 'hosts:\n  hv1: { transport: local, wrapper: "rm" }\n');
    const r = await runCli(['collect', '--inventory', inv, '--out', join(dir, 'snap')], { env: { NO_COLOR: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${inv}:2:${'  hv1: { transport: local, wrapper: '.length + 1}`);
    expect(r.stderr).toMatch(/host "hv1": wrapper "rm" is not allowed/);
    expect(r.stderr).toMatch(/nothing was collected/);
    expect(readdirSync(dir)).toEqual(['inv.yaml']); // no snapshot, no temporary directory
  });

  it('--json: the inventory errors are in the JSON message (nothing is printed "above" under --json)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovnscope-inv-'));
    const inv = join(dir, 'inv.yaml');
    writeFileSync(inv, 'hosts:\n  hv1: { transport: local, wrapper: "rm", timeout: -5 }\n');
    const r = await runCli(['collect', '--inventory', inv, '--out', join(dir, 'snap'), '--json'], { env: { NO_COLOR: '' } });
    expect(r.code).toBe(2);
    const { error } = JSON.parse(r.stdout) as { error: { message: string; exitCode: number } };
    expect(error.exitCode).toBe(2);
    const [head, ...rest] = error.message.split('\n');
    expect(head).toBe('the inventory has errors; nothing was collected');
    expect(rest).toEqual([expect.stringMatching(/^error \(.*inv\.yaml:2:\d+\): host "hv1": wrapper "rm" is not allowed/), expect.stringMatching(/^error \(.*inv\.yaml:2:\d+\): host "hv1": timeout is in seconds/)]);
    expect(readdirSync(dir)).toEqual(['inv.yaml']);
  });

  it('--wrapper for --host hosts is checked the same way (no connection is attempted)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovnscope-inv-'));
    const r = await runCli(['collect', '--host', '127.0.0.1', '--wrapper', 'rm -rf', '-F', 'none', '--connect-timeout', '1', '--out', join(dir, 'snap')], { env: { NO_COLOR: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--wrapper "rm -rf" is not allowed: wrapper word "rm"/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
