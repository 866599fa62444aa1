import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkAllowed, checkKubectl, checkWrapper, isAllowed, shellQuote } from '../../src/collect/allowlist.js';
import { bridgeCommands, centralCommands, hostCommands } from '../../src/collect/recipe.js';

describe('read-only allow-list', () => {
  it('accepts every command of the recipe', () => {
    const all = [...hostCommands(), ...bridgeCommands('br-int'), ...bridgeCommands('br-ex'), ...centralCommands('unix:/run/nb.sock', 'ssl:10.0.0.1:6642'), ...centralCommands()];
    for (const c of all) expect(checkAllowed(c.argv), c.argv.join(' ')).toMatchObject({ allowed: true });
  });

  it.each([
    [['ovs-ofctl', 'del-flows', 'br-int']],
    [['ovs-vsctl', 'del-br', 'br-int']],
    [['ovs-vsctl', 'set', 'Open_vSwitch', '.', 'other_config:hw-offload=true']],
    [['ovs-ofctl', '--no-names', 'dump-flows', 'br-int', 'add-flow']],
    [['ovs-ofctl', 'show', 'br-int;reboot']],
    [['ovs-ofctl', 'show', '$(reboot)']],
    [['ovn-nbctl', '--format=json', 'list', 'Logical_Switch', '--', 'ls-del', 'sw0']],
    [['ovn-nbctl', '--db=unix:/x;rm -rf /', '--format=json', 'list', 'ACL']],
    [['ovn-sbctl', '--format=json', 'list', 'Connection']],
    [['sh', '-c', 'ovs-ofctl dump-flows br-int']],
  ])('refuses %j', (argv) => {
    expect(checkAllowed(argv).allowed).toBe(false);
  });

  it('refuses any argv that is not exactly a recipe shape (property)', () => {
    const recipe = [...hostCommands(), ...bridgeCommands('br-int'), ...centralCommands()].map((c) => c.argv);
    fc.assert(
      fc.property(fc.constantFrom(...recipe), fc.string(), fc.nat(6), (argv, extra, pos) => {
        const mutated = [...argv];
        mutated.splice(Math.min(pos, mutated.length), 0, extra);
        // Inserting a word can only be accepted if it turns the argv into another allowed shape,
        // which for these patterns means the inserted word is a known option/table.
        const verdict = checkAllowed(mutated);
        if (verdict.allowed) expect(['--no-names', '--format=json', 'list', 'show', 'OpenFlow15', '-O'].some((w) => mutated.includes(w))).toBe(true);
      }),
    );
  });

  it('asks ovn-controller only read-only questions: connection-status, debug/status, version — all optional', () => {
    const asked = hostCommands().filter((c) => c.argv[0] === 'ovn-appctl');
    expect(asked.map((c) => [c.id, c.argv.join(' '), c.required])).toEqual([
      ['ovn-appctl.connection-status', 'ovn-appctl -t ovn-controller connection-status', false],
      ['ovn-appctl.debug-status', 'ovn-appctl -t ovn-controller debug/status', false],
      ['ovn-appctl.version', 'ovn-appctl -t ovn-controller version', false],
    ]);
    // Its other unixctl commands change state (or inject packets): never.
    for (const c of ['exit', 'recompute', 'inc-engine/recompute', 'debug/pause', 'debug/resume', 'lflow-cache/flush', 'sb-cluster-state-reset', 'inc-engine/clear-stats', 'vlog/set', 'debug/delay-nb-cfg-report'])
      expect(checkAllowed(['ovn-appctl', '-t', 'ovn-controller', c]).allowed, c).toBe(false);
    expect(checkAllowed(['ovn-appctl', '-t', 'ovn-controller', 'inject-pkt', 'inport=="a"']).allowed).toBe(false);
    expect(checkAllowed(['ovn-appctl', '-t', 'ovn-northd', 'connection-status']).allowed).toBe(false);
    // The SB listings that tell whether each chassis applied the latest NB change are optional (OVN < 20.09 has no Chassis_Private).
    expect(centralCommands().filter((c) => /Chassis_Private|SB_Global/.test(c.id)).map((c) => [c.id, c.required])).toEqual([
      ['ovn-sbctl.list.Chassis_Private', false],
      ['ovn-sbctl.list.SB_Global', false],
    ]);
  });

  it('lists NB Load_Balancer_Group read-only, optional (older NB schemas have no such table)', () => {
    const lbg = centralCommands('unix:/run/nb.sock').filter((c) => c.id === 'ovn-nbctl.list.Load_Balancer_Group');
    expect(lbg.map((c) => [c.argv.join(' '), c.required])).toEqual([['ovn-nbctl --db=unix:/run/nb.sock --format=json list Load_Balancer_Group', false]]);
    expect(checkAllowed(lbg[0]!.argv)).toMatchObject({ allowed: true });
    // Listing only: the commands that change a group are not shapes of the allow-list.
    expect(checkAllowed(['ovn-nbctl', '--format=json', 'create', 'Load_Balancer_Group', 'name=g']).allowed).toBe(false);
    expect(checkAllowed(['ovn-nbctl', 'add', 'Logical_Switch', 'sw0', 'load_balancer_group', 'd0ca5d29-88fc-4996-9c1a-c7668a1ef716']).allowed).toBe(false);
  });

  it('lists SB HA_Chassis_Group and HA_Chassis read-only, optional (a snapshot without them stays usable)', () => {
    const ha = centralCommands(undefined, 'unix:/run/sb.sock').filter((c) => /HA_Chassis/.test(c.id));
    expect(ha.map((c) => [c.id, c.argv.join(' '), c.required])).toEqual([
      ['ovn-sbctl.list.HA_Chassis_Group', 'ovn-sbctl --db=unix:/run/sb.sock --format=json list HA_Chassis_Group', false],
      ['ovn-sbctl.list.HA_Chassis', 'ovn-sbctl --db=unix:/run/sb.sock --format=json list HA_Chassis', false],
    ]);
    for (const c of ha) expect(checkAllowed(c.argv), c.argv.join(' ')).toMatchObject({ allowed: true });
    // The commands that change a group are not shapes of the allow-list.
    expect(checkAllowed(['ovn-nbctl', 'ha-chassis-group-add-chassis', 'g', 'hv3', '20']).allowed).toBe(false);
    expect(checkAllowed(['ovn-sbctl', '--format=json', 'destroy', 'HA_Chassis_Group', 'g']).allowed).toBe(false);
  });

  it('puts a host\'s ovn_controller.wrapper before ovn-appctl only, and allows it only in a read-only wrapper shape', () => {
    const host = { name: 'hv1', transport: 'ssh' as const, wrapper: ['sudo', '-n'], ovnController: { wrapper: ['podman', 'exec', 'ovn_controller'] } };
    const cmds = hostCommands(host);
    expect(cmds.find((c) => c.id === 'ovn-appctl.connection-status')!.argv).toEqual(['podman', 'exec', 'ovn_controller', 'ovn-appctl', '-t', 'ovn-controller', 'connection-status']);
    expect(cmds.find((c) => c.id === 'ovs-vsctl.list-br')!.argv).toEqual(['ovs-vsctl', 'list-br']);
    for (const c of cmds) expect(checkAllowed(c.argv), c.argv.join(' ')).toMatchObject({ allowed: true });
    expect(checkAllowed(['podman', 'exec', 'ovn_controller', 'ovn-appctl', '-t', 'ovn-controller', 'exit']).allowed).toBe(false);
    expect(checkAllowed(['bash', '-c', 'x', 'ovn-appctl', '-t', 'ovn-controller', 'connection-status']).allowed).toBe(false);
  });

  it('allows only read-only wrapper shapes', () => {
    expect(checkWrapper(['env', 'OVS_RUNDIR=/tmp/sb/hv1']).allowed).toBe(true);
    expect(checkWrapper(['sudo', '-n']).allowed).toBe(true);
    expect(checkWrapper(['sudo', '-n', 'podman', 'exec', 'ovn_controller']).allowed).toBe(true);
    expect(checkWrapper(['ip', 'netns', 'exec', 'hv1']).allowed).toBe(true);
    expect(checkWrapper(['sudo']).allowed).toBe(false);
    expect(checkWrapper(['bash', '-c']).allowed).toBe(false);
    expect(checkWrapper(['env', 'X=1', 'rm', '-rf']).allowed).toBe(false);
    expect(checkWrapper(['podman', 'run', 'x']).allowed).toBe(false);
  });

  it('lets env set only the OVS/OVN directories, OVSDB remotes and locale: never PATH or the dynamic loader', () => {
    // What the docs and the sandbox inventories use stays allowed.
    expect(checkWrapper(['env', 'OVS_RUNDIR=/tmp/sb/hv1', 'OVN_RUNDIR=/tmp/sb/hv1', 'OVS_DBDIR=/tmp/sb/hv1', 'LC_ALL=C']).allowed).toBe(true);
    expect(checkWrapper(['sudo', '-n', 'env', 'OVN_RUNDIR=/run/ovn']).allowed).toBe(true);
    // Each of these would let the inventory pick the program (or code loaded into it) that runs
    // under an allow-listed name: the reviewer's fake ovs-vsctl earlier in PATH.
    for (const v of ['PATH=/tmp/fakebin:/usr/bin', 'LD_PRELOAD=/tmp/x.so', 'LD_LIBRARY_PATH=/tmp/lib', 'BASH_ENV=/tmp/rc', 'HOME=/tmp', 'PYTHONPATH=/tmp']) {
      const name = v.split('=')[0]!;
      for (const wrapper of [['env', v], ['env', 'OVS_RUNDIR=/x', v], ['sudo', '-n', 'env', v], ['podman', 'exec', 'ovs', 'env', v], ['ip', 'netns', 'exec', 'hv1', 'env', v]]) {
        const verdict = checkWrapper(wrapper);
        expect(verdict, wrapper.join(' ')).toMatchObject({ allowed: false, reason: expect.stringContaining(`env may not set ${name}`) });
        expect(isAllowed(wrapper, ['ovs-vsctl', 'list-br']).allowed, wrapper.join(' ')).toBe(false);
      }
    }
    expect(checkWrapper(['env', 'PATH=/x'])).toMatchObject({ reason: expect.stringMatching(/choose which program or library actually runs/) });
    // The same through the wrapper-before-vtysh/ovn-appctl form and inside a kubectl exec.
    expect(checkAllowed(['env', 'PATH=/tmp/fake', 'vtysh', '-c', 'show version']).allowed).toBe(false);
    expect(checkAllowed(['env', 'LD_PRELOAD=/tmp/x.so', 'ovn-appctl', '-t', 'ovn-controller', 'version']).allowed).toBe(false);
    expect(checkKubectl(['kubectl', '-n', 'ovn', 'exec', 'pod-1', '-c', 'ovs', '--', 'env', 'PATH=/tmp/fake', 'ovs-vsctl', 'list-br']).allowed).toBe(false);
    expect(checkKubectl(['kubectl', '-n', 'ovn', 'exec', 'pod-1', '-c', 'ovs', '--', 'env', 'OVS_RUNDIR=/x', 'ovs-vsctl', 'list-br']).allowed).toBe(true);
  });

  it('refuses options smuggled into the other wrapper forms (sudo, podman/docker exec, ip netns exec, env)', () => {
    const refused = [
      ['sudo', '-n', '-E'], // keep the caller's environment (PATH, LD_PRELOAD) across sudo
      ['sudo', '-n', '-u', '-E'],
      ['sudo', '-n', '-u', 'root', '-E'],
      ['sudo', '-n', '--preserve-env=PATH'],
      ['sudo', '-E', '-n'],
      ['podman', 'exec', '--privileged', 'ovs'],
      ['podman', 'exec', '--privileged'],
      ['docker', 'exec', '-e', 'PATH=/tmp/fake', 'ovs'],
      ['docker', 'exec', '-u', '0', 'ovs'],
      ['ip', 'netns', 'exec', '--all'],
      ['ip', '-n', 'x', 'netns', 'exec', 'hv1'],
      ['env', '-i'],
      ['env', '-S', 'ovs-vsctl'],
      ['env', '-u', 'OVS_RUNDIR'],
    ];
    for (const w of refused) expect(checkWrapper(w).allowed, w.join(' ')).toBe(false);
    expect(checkWrapper(['sudo', '-n', '-u', 'openvswitch']).allowed).toBe(true);
    expect(checkWrapper(['podman', 'exec', '-i', 'ovn_controller']).allowed).toBe(true);
  });

  it('allows coreutils timeout only as "timeout -k K N" (a bound on how long, nothing else)', () => {
    expect(checkWrapper(['timeout', '-k', '5', '60']).allowed).toBe(true);
    expect(checkWrapper(['timeout', '-k', '5', '300', 'sudo', '-n', 'podman', 'exec', 'ovn_controller']).allowed).toBe(true);
    expect(isAllowed(['timeout', '-k', '5', '60'], ['ovs-ofctl', '--no-names', 'dump-flows', 'br-int']).allowed).toBe(true);
    expect(checkAllowed(['timeout', '-k', '5', '60', 'vtysh', '-c', 'show version']).allowed).toBe(true);
    for (const w of [['timeout', '60'], ['timeout', '-k', '5'], ['timeout', '-k', '5', '60s'], ['timeout', '-s', 'KILL', '60'], ['timeout', '--foreground', '-k', '5', '60'], ['timeout', '-k', '0', '60'], ['timeout', '-k', '5', '60', 'rm']])
      expect(checkWrapper(w).allowed, w.join(' ')).toBe(false);
    // It bounds only allow-listed commands: what follows is checked as before.
    expect(isAllowed(['timeout', '-k', '5', '60'], ['ovs-ofctl', 'del-flows', 'br-int']).allowed).toBe(false);
  });

  it('shell-quotes anything that a shell would interpret', () => {
    expect(shellQuote('br-int')).toBe('br-int');
    expect(shellQuote("a'b c")).toBe(`'a'\\''b c'`);
    expect(shellQuote('$(x)')).toBe(`'$(x)'`);
  });
});

describe('allow-list for kernel, ethtool and FRR views', () => {
  it.each([
    [['ip', '-j', '-d', 'link', 'show']],
    [['ip', '-j', 'route', 'get', '192.168.100.2', 'from', '192.168.100.1']],
    [['ethtool', '--json', '-k', 'eth0']],
    [['ethtool', '--show-tunnels', 'ens1f0np0']],
    [['cat', '/proc/net/bonding/bond0']],
    [['tc', '-s', 'filter', 'show', 'dev', 'eth0', 'ingress']],
    [['vtysh', '-c', 'show bgp vrf all summary json']],
    [['vtysh', '-N', 'hv1', '-c', 'show ip route 192.168.100.2/32 json']],
  ])('allows %j', (argv) => expect(checkAllowed(argv).allowed).toBe(true));

  it.each([
    [['ethtool', '-K', 'eth0', 'tso', 'off']],
    [['ethtool', '-k', 'eth0;reboot']],
    [['ip', 'link', 'set', 'eth0', 'mtu', '9000']],
    [['ip', '-j', 'route', 'get', '1.2.3.4; rm']],
    [['cat', '/etc/shadow']],
    [['cat', '/proc/net/bonding/../../../etc/shadow']],
    [['vtysh', '-c', 'configure terminal']],
    [['vtysh', '-c', 'clear bgp *']],
    [['vtysh', '-c', 'show ip route 10.0.0.0/8 json']],
    [['tc', 'filter', 'del', 'dev', 'eth0', 'ingress']],
  ])('refuses %j', (argv) => expect(checkAllowed(argv).allowed).toBe(false));
});

describe('vtysh behind an FRR wrapper', () => {
  it('allows a read-only wrapper before vtysh show commands', () => {
    expect(checkAllowed(['podman', 'exec', 'frr', 'vtysh', '-c', 'show bgp summary json']).allowed).toBe(true);
    expect(checkAllowed(['ip', 'netns', 'exec', 'leaf1', 'vtysh', '-N', 'leaf1', '-c', 'show bfd peers json']).allowed).toBe(true);
  });
  it('still refuses non-show commands and non-wrapper prefixes', () => {
    expect(checkAllowed(['podman', 'exec', 'frr', 'vtysh', '-c', 'configure terminal']).allowed).toBe(false);
    expect(checkAllowed(['bash', '-c', 'x', 'vtysh', '-c', 'show version']).allowed).toBe(false);
    expect(checkAllowed(['podman', 'run', 'frr', 'vtysh', '-c', 'show version']).allowed).toBe(false);
  });
});
