import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseInventory, splitWords } from '../../src/parse/inventory.js';

describe('inventory YAML', () => {
  it('reads the documented keys', () => {
    const text = `hosts:
  hv1: { transport: local, wrapper: "env OVS_RUNDIR=/tmp/sb/hv1" }
  hv2: { transport: local, wrapper: "sudo -n podman exec ovn_controller", timeout: 5 }
  hv3: { address: 10.0.0.3, user: root, port: 2222 }
ovn:
  via: hv1
  nb: unix:/tmp/sb/central/nb.sock
  sb: unix:/tmp/sb/central/sb.sock
`;
    const { value, diagnostics } = parseInventory(text);
    expect(diagnostics).toEqual([]);
    expect(value.hosts).toEqual([
      { name: 'hv1', transport: 'local', wrapper: ['env', 'OVS_RUNDIR=/tmp/sb/hv1'], address: undefined, user: undefined, port: undefined, timeoutMs: undefined },
      { name: 'hv2', transport: 'local', wrapper: ['sudo', '-n', 'podman', 'exec', 'ovn_controller'], address: undefined, user: undefined, port: undefined, timeoutMs: 5000 },
      { name: 'hv3', transport: 'ssh', wrapper: [], address: '10.0.0.3', user: 'root', port: 2222, timeoutMs: undefined },
    ]);
    expect(value.ovn).toEqual({ via: 'hv1', nb: 'unix:/tmp/sb/central/nb.sock', sb: 'unix:/tmp/sb/central/sb.sock' });
  });

  it('says what is wrong and on which line', () => {
    const text = `hosts:\n  hv1: { transport: telnet }\n  hv2: { transport: local, wrapper: "echo hi; reboot" }\novn:\n  via: hv9\n`;
    const { diagnostics } = parseInventory(text, 'inv.yaml');
    expect(diagnostics.map((d) => [d.line, d.message])).toEqual([
      [2, expect.stringContaining('transport "telnet"')],
      [3, 'host "hv2": wrapper: the shell operator ";" is not allowed in a wrapper; give plain words'],
      [5, expect.stringContaining('ovn.via "hv9" is not one of the hosts')],
    ]);
    expect(diagnostics.every((d) => d.file === 'inv.yaml')).toBe(true);
  });

  it('names the shell syntax a wrapper may not contain in words, not as an internal object', () => {
    expect(splitWords('sudo -n; rm').error).toBe('the shell operator ";" is not allowed in a wrapper; give plain words');
    expect(splitWords('sudo -n | tee x').error).toMatch(/^the shell operator "\|"/);
    expect(splitWords('sudo -n 2>&1').error).toMatch(/^the shell operator ">&"/);
    expect(splitWords('podman exec ovn*').error).toMatch(/^the shell glob "ovn\*"/);
    expect(splitWords('sudo -n # root').error).toMatch(/^a shell comment \("# root"\)/);
    expect(splitWords('env A=1 sudo -n')).toEqual({ words: ['env', 'A=1', 'sudo', '-n'] });
  });

  it('refuses a shell variable in a wrapper instead of dropping it (env X=$HOME must not become env X=); single-quoted it is a plain word', () => {
    for (const w of ['env X=$HOME sudo -n', 'env X="$HOME" sudo -n', 'env X=${HOME}/run sudo -n'])
      expect(splitWords(w).error, w).toMatch(/^the shell variable "\$HOME" \(a wrapper runs without a shell/);
    expect(splitWords("env X='$HOME' sudo -n")).toEqual({ words: ['env', 'X=$HOME', 'sudo', '-n'] });
  });

  it('says why a host name is refused: it must start with a letter, digit or "_" (so "..", ".hidden" and "-x" are refused)', () => {
    const text = `hosts:\n  "..": { transport: local }\n  .hidden: { transport: local }\n  -x: { transport: local }\n  hv_1.a-b: { transport: local }\n`;
    const { value, diagnostics } = parseInventory(text, 'inv.yaml');
    expect(value.hosts.map((h) => h.name)).toEqual(['hv_1.a-b']);
    expect(diagnostics.map((d) => [d.line, d.message])).toEqual(
      ['..', '.hidden', '-x'].map((n, i) => [i + 2, `host name "${n}" must start with a letter, digit or "_", then letters, digits, ".", "_" or "-" (it becomes the snapshot directory hosts/<name>/)`]),
    );
  });

  it('reports every bad setting of a host, each at its own line and column, not only the first', () => {
    const text = `hosts:
  hv1:
    transport: telnet
    port: 0
    timeout: -5
    host_timeout: abc
    proxy_jump: "a b"
    kubectl: { layout: calico }
  hv2: { transport: local }
`;
    const { value, diagnostics } = parseInventory(text, 'inv.yaml');
    // Position of each value: the line it is on, the column where the value starts after "key: ".
    const lines = text.split('\n');
    const pos = (key: string): [number, number] => {
      const i = lines.findIndex((l) => l.trimStart().startsWith(`${key}:`));
      return [i + 1, lines[i]!.indexOf(`${key}:`) + key.length + 3];
    };
    expect(diagnostics.map((d) => [d.severity, d.file, d.line, d.column, d.message])).toEqual([
      ['error', 'inv.yaml', ...pos('transport'), 'host "hv1": transport "telnet" is not one of local, ssh, kubectl'],
      ['error', 'inv.yaml', ...pos('port'), 'host "hv1": port must be 1-65535'],
      ['error', 'inv.yaml', ...pos('timeout'), 'host "hv1": timeout is in seconds and must be > 0'],
      ['error', 'inv.yaml', ...pos('host_timeout'), 'host "hv1": host_timeout is in seconds and must be > 0'],
      ['error', 'inv.yaml', ...pos('proxy_jump'), expect.stringMatching(/^host "hv1": proxy_jump must look like/)],
      ['error', 'inv.yaml', pos('kubectl')[0], lines[pos('kubectl')[0] - 1]!.indexOf('calico') + 1, expect.stringMatching(/^host "hv1": kubectl.layout "calico"/)],
    ]);
    expect(value.hosts.map((h) => h.name)).toEqual(['hv2']); // a host with errors is not collected
  });

  it('a group with errors: every error reported, its member list still checked, hosts naming it not blamed for an undefined group', () => {
    const text = `groups:
  g: { timeout: 0, port: x, hosts: [hv1, "bad host"] }
hosts:
  hv2: { group: g }
  hv3: { group: nope }
`;
    const { value, diagnostics } = parseInventory(text, 'inv.yaml');
    expect(diagnostics.map((d) => [d.line, d.message])).toEqual([
      [2, 'group "g": port must be 1-65535'],
      [2, 'group "g": timeout is in seconds and must be > 0'],
      [2, expect.stringMatching(/^group "g": host "bad host": expected \[user@\]host\[:port\]/)],
      [5, 'host "hv3": group "nope" is not defined under "groups:"'],
    ]);
    expect(value.hosts).toEqual([]);
  });

  it('reports YAML syntax errors with a line', () => {
    const { diagnostics } = parseInventory('hosts:\n  hv1: { transport: local\n');
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics[0]!.line).toBeGreaterThan(0);
  });

  it('never throws on garbage (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const r = parseInventory(text);
        expect(Array.isArray(r.value.hosts)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('inventory frr settings', () => {
  it('reads frr: per host and from defaults', () => {
    const text = `defaults:\n  frr: { wrapper: "podman exec frr" }\nhosts:\n  hv1: { transport: local, frr: { netns: leaf1 } }\n  hv2: { transport: local }\n`;
    const { value, diagnostics } = parseInventory(text);
    expect(diagnostics).toEqual([]);
    expect(value.hosts.find((h) => h.name === 'hv1')!.frr).toEqual({ netns: 'leaf1' });
    expect(value.hosts.find((h) => h.name === 'hv2')!.frr).toEqual({ wrapper: ['podman', 'exec', 'frr'] });
  });

  it('refuses shell syntax and odd names in frr settings', () => {
    const { diagnostics } = parseInventory(`hosts:\n  hv1: { transport: local, frr: { netns: "a b", wrapper: "x; y" } }\n`);
    expect(diagnostics.some((d) => /frr\.netns must be a plain name/.test(d.message))).toBe(true);
  });
});

describe('inventory ovn_controller settings', () => {
  it('reads ovn_controller.wrapper per host and from defaults (a host setting wins)', () => {
    const text = `defaults:\n  ovn_controller: { wrapper: "podman exec ovn_controller" }\nhosts:\n  hv1: { transport: local, ovn_controller: { wrapper: "env OVN_RUNDIR=/var/lib/openvswitch/ovn" } }\n  hv2: { transport: local }\n`;
    const { value, diagnostics } = parseInventory(text);
    expect(diagnostics).toEqual([]);
    expect(value.hosts.find((h) => h.name === 'hv1')!.ovnController).toEqual({ wrapper: ['env', 'OVN_RUNDIR=/var/lib/openvswitch/ovn'] });
    expect(value.hosts.find((h) => h.name === 'hv2')!.ovnController).toEqual({ wrapper: ['podman', 'exec', 'ovn_controller'] });
  });

  it('refuses shell syntax, warns about unknown keys, and checks the wrapper shape like every other wrapper', () => {
    const bad = parseInventory(`hosts:\n  hv1: { transport: local, ovn_controller: { wrapper: "podman exec x; reboot" } }\n`);
    expect(bad.diagnostics.some((d) => d.severity === 'error' && /ovn_controller\.wrapper: the shell operator ";"/.test(d.message))).toBe(true);
    const odd = parseInventory(`hosts:\n  hv1: { transport: local, ovn_controller: { container: ovn_controller } }\n`);
    expect(odd.diagnostics.map((d) => [d.severity, d.message])).toEqual([['warning', 'host "hv1": unknown ovn_controller key "container" (known: wrapper)']]);
    const refused = parseInventory(`hosts:\n  hv1: { transport: local, ovn_controller: { wrapper: "bash -c" } }\n`, 'inv.yaml', { checkWrapper: (w) => (w[0] === 'bash' ? { allowed: false, reason: 'no shells' } : { allowed: true }) });
    expect(refused.diagnostics.some((d) => d.severity === 'error' && /no shells/.test(d.message))).toBe(true);
  });
});
