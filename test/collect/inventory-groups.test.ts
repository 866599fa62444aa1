import { describe, expect, it } from 'vitest';
import { checkKubectl, isAllowed } from '../../src/collect/allowlist.js';
import { classifyExit } from '../../src/collect/transport.js';
import { parseHostArg, parseInventory } from '../../src/parse/inventory.js';
import { ProgressDisplay, renderCollectSummary } from '../../src/render/collect.js';
import { makeStyle } from '../../src/render/style.js';
import type { Manifest } from '../../src/model/manifest.js';

describe('inventory: defaults, groups, kubectl, ssh keys', () => {
  it('merges defaults < group < host and adds group members', () => {
    const text = `defaults: { wrapper: "sudo -n", host_timeout: 120 }
groups:
  computes:
    wrapper: "sudo -n podman exec ovn_controller"
    proxy_jump: bastion
    hosts: [hv1, root@hv2:2222]
  k8s:
    transport: kubectl
    kubectl: { layout: kube-ovn, context: prod }
    hosts: [worker-1]
hosts:
  hv3: { group: computes, user: ops, identity_file: [~/.ssh/a, ~/.ssh/b], proxy_jump: none }
  hv4: {}
  node-x: { transport: kubectl, node: ip-10-0-0-7.ec2.internal, kubectl: { namespace: ovn-kubernetes, selector: "app in (ovnkube-node)", container: ovnkube-controller } }
ovn: { via: hv3 }
`;
    const { value, diagnostics } = parseInventory(text);
    expect(diagnostics).toEqual([]);
    const by = Object.fromEntries(value.hosts.map((h) => [h.name, h]));
    expect(by.hv3).toMatchObject({ transport: 'ssh', wrapper: ['sudo', '-n', 'podman', 'exec', 'ovn_controller'], user: 'ops', proxyJump: 'none', identityFiles: ['~/.ssh/a', '~/.ssh/b'], hostTimeoutMs: 120000, group: 'computes', address: 'hv3' });
    expect(by.hv4).toMatchObject({ transport: 'ssh', wrapper: ['sudo', '-n'] });
    expect(by.hv1).toMatchObject({ proxyJump: 'bastion', group: 'computes', address: 'hv1' });
    expect(by.hv2).toMatchObject({ user: 'root', port: 2222, address: 'hv2' });
    expect(by['worker-1']!.kubectl).toEqual({ node: 'worker-1', namespace: 'kube-system', selector: 'app=ovs', container: 'openvswitch', context: 'prod', kubeconfig: undefined, layout: 'kube-ovn' });
    expect(by['node-x']!.kubectl).toMatchObject({ node: 'ip-10-0-0-7.ec2.internal', namespace: 'ovn-kubernetes', container: 'ovnkube-controller', layout: 'ovn-kubernetes+custom' });
    expect(value.hosts.map((h) => h.name)).toEqual(['hv3', 'hv4', 'node-x', 'hv1', 'hv2', 'worker-1']);
  });

  it('reports unknown groups, bad layouts and duplicate hosts on their lines', () => {
    const text = `groups:\n  g: { hosts: [hv1, "bad host"] }\nhosts:\n  hv1: {}\n  hv2: { group: nope }\n  hv3: { transport: kubectl, kubectl: { layout: calico } }\n`;
    const { diagnostics } = parseInventory(text, 'inv.yaml');
    expect(diagnostics.map((d) => [d.line, d.message])).toEqual([
      [2, expect.stringContaining('expected [user@]host[:port]')],
      [5, expect.stringContaining('group "nope" is not defined')],
      [6, expect.stringContaining('kubectl.layout "calico"')],
    ]);
  });

  it('reads --host values', () => {
    expect(parseHostArg('root@hv1')).toMatchObject({ ok: true, spec: { name: 'hv1', user: 'root', address: 'hv1', transport: 'ssh' } });
    expect(parseHostArg('hv2:2222')).toMatchObject({ ok: true, spec: { name: 'hv2', port: 2222 } });
    expect(parseHostArg('[fd00::3]:22')).toMatchObject({ ok: true, spec: { name: 'fd00__3', address: 'fd00::3', port: 22 } });
    expect(parseHostArg('hv1;reboot').ok).toBe(false);
    expect(parseHostArg('hv1:70000').ok).toBe(false);
  });
});

describe('allow-list gate for transports', () => {
  it('isAllowed checks wrapper and command together', () => {
    expect(isAllowed(['sudo', '-n'], ['ovs-vsctl', 'list-br']).allowed).toBe(true);
    expect(isAllowed(['sudo'], ['ovs-vsctl', 'list-br']).allowed).toBe(false);
    expect(isAllowed(['docker', 'exec', 'ovs'], ['ovs-ofctl', 'del-flows', 'br-int']).allowed).toBe(false);
  });

  it('accepts only the two kubectl shapes, with validated names', () => {
    expect(checkKubectl(['kubectl', '--context=prod', '-n', 'kube-system', 'get', 'pods', '-l', 'app=ovs', '--field-selector', 'spec.nodeName=node-1', '-o', 'json']).allowed).toBe(true);
    expect(checkKubectl(['kubectl', '-n', 'ovn-kubernetes', 'exec', 'ovnkube-node-x7k2p', '-c', 'ovn-controller', '--', 'ovs-ofctl', '--no-names', 'dump-flows', 'br-int']).allowed).toBe(true);
    expect(checkKubectl(['kubectl', '-n', 'ovn-kubernetes', 'exec', 'ovnkube-node-x7k2p', '-c', 'ovn-controller', '--', 'sudo', '-n', 'ovs-vsctl', 'list-br']).allowed).toBe(true);
    expect(checkKubectl(['kubectl', '-n', 'ovn-kubernetes', 'exec', 'pod;rm', '-c', 'c', '--', 'ovs-vsctl', 'list-br']).allowed).toBe(false);
    expect(checkKubectl(['kubectl', '-n', 'kube-system', 'exec', 'p', '-c', 'c', '--', 'sh', '-c', 'ovs-vsctl list-br']).allowed).toBe(false);
    expect(checkKubectl(['kubectl', '-n', 'kube-system', 'delete', 'pod', 'p']).allowed).toBe(false);
    expect(checkKubectl(['kubectl', '-n', 'kube-system', 'get', 'pods', '-l', 'app=ovs;x', '--field-selector', 'spec.nodeName=n', '-o', 'json']).allowed).toBe(false);
  });
});

describe('how an exit is recorded', () => {
  it('names a sudo password prompt as such (never typed)', () => {
    const r = classifyExit(1, 'sudo: a password is required\n', 5, 'ovs-vsctl', 'sudo', 'hv1');
    expect(r).toMatchObject({ status: 'failed', error: expect.stringContaining('wants a password; ovnscope never types one') });
  });
  it('records a missing program as unavailable', () => {
    expect(classifyExit(127, 'sh: 1: vtysh: not found\n', 5, 'vtysh', 'vtysh', 'hv1')).toMatchObject({ status: 'unavailable', error: 'vtysh is not installed on hv1' });
    expect(classifyExit(126, 'exec: "vtysh": executable file not found in $PATH', 5, 'vtysh', 'vtysh', 'n1')).toMatchObject({ status: 'unavailable' });
    expect(classifyExit(2, 'boom', 5, 'x', 'x', 'h')).toMatchObject({ status: 'failed', error: 'exit code 2: boom' });
  });
});

describe('progress and summary rendering', () => {
  it('shows active hosts and recent failures, folding finished ones into counts', () => {
    const writes: string[] = [];
    const d = new ProgressDisplay({ write: (t: string) => writes.push(t), columns: 100, rows: 10 }, makeStyle({ isTTY: false }), 'collect → snap');
    for (let i = 0; i < 30; i++) d.update({ host: `hv${i}`, state: i < 20 ? 'done' : 'running', done: 3, total: 9 });
    d.update({ host: 'hv99', state: 'failed', done: 0, total: 0, error: 'hv99: cannot connect: connect ECONNREFUSED 127.0.0.1:1' });
    d.update({ host: 'hv98', state: 'connecting', done: 0, total: 0 });
    const lines = d.lines();
    expect(lines[0]).toMatch(/20 done · 1 failed · 11 active · 0 waiting · 32 hosts/);
    expect(lines.length).toBeLessThanOrEqual(10);
    expect(lines.some((l) => /hv2\d +running 3 of 9/.test(l))).toBe(true);
    expect(lines.some((l) => /more active/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/hv99 +failed +hv99: cannot connect/);
    d.stop();
  });

  it('summarises a changed host key without the banner', () => {
    const m = {
      format: 'ovnscope-snapshot', formatVersion: 1, toolVersion: 'x', created: '', finished: '', complete: false, interrupted: false,
      missing: ['host hv2: …'], options: {},
      hosts: [{ name: 'hv2', transport: 'ssh', wrapper: [], status: 'unreachable', bridges: [], commands: [], error: '@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@\nroot@127.0.0.12:2222: the host key for [127.0.0.12]:2222 is not the one in known_hosts.' }],
    } as unknown as Manifest;
    const text = renderCollectSummary('snap', m, makeStyle({ isTTY: false }));
    expect(text).toContain('HOST KEY CHANGED');
    expect(text).toContain('snapshot INCOMPLETE');
  });
});
