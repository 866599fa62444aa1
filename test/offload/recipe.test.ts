import { describe, expect, it } from 'vitest';
import { checkAllowed } from '../../src/collect/allowlist.js';
import { HOST_MODULES, bridgeCommands, ovsModule } from '../../src/collect/recipe.js';
import { kernelModule } from '../../src/collect/recipe-bgp.js';
import { hwOffloadFrom, makeOffloadModule, offloadExpand, offloadModule, offloadPhase1 } from '../../src/collect/recipe-offload.js';
import { OFFLOAD_IDS, SHARED_IDS } from '../../src/snapshot/load-offload.js';
import { fixture, interfacesJson, ipLink } from './snapshot-builder.js';

const L = 'ethtool/local/';
/** Phase-1 outputs of a host like the live lab's hv2: mv0 (macvlan) on br0 with veth ports eth0, eth1. */
const outputs = (over: Record<string, string | undefined> = {}): Map<string, string> => {
  const base: Record<string, string | undefined> = {
    [OFFLOAD_IDS.ethtoolVersion]: fixture(`${L}ethtool-version.txt`),
    [OFFLOAD_IDS.otherConfig]: '{}\n',
    [SHARED_IDS.link]: fixture(`${L}ip-j-d-link-bridge-veth-macvlan.json`),
    [SHARED_IDS.interface]: interfacesJson([{ name: 'ovn-hv1-0', type: 'geneve', options: { remote_ip: '192.168.100.1', csum: 'true' }, status: { tunnel_egress_iface: 'mv0' } }]),
    ...over,
  };
  return new Map(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined));
};
const argvs = (cmds: { argv: readonly string[] }[]) => cmds.map((c) => c.argv.join(' '));

describe('offload recipe module', () => {
  it('is registered once in HOST_MODULES, after the modules whose outputs it reads', () => {
    const names = HOST_MODULES.map((m) => m.name);
    expect(names.filter((n) => n === 'offload')).toHaveLength(1);
    expect(names.indexOf('offload')).toBeGreaterThan(names.indexOf('kernel'));
    expect(HOST_MODULES).toContain(offloadModule);
  });

  it('collects nothing another module already collects (ids and argv)', () => {
    const others = [...ovsModule.phase1(), ...kernelModule.phase1(), ...bridgeCommands('br-int')];
    const mine = [...offloadPhase1(), ...offloadExpand(outputs({ [OFFLOAD_IDS.otherConfig]: '{hw-offload="true"}' })).commands];
    const ids = new Set(others.map((c) => c.id));
    const lines = new Set(argvs(others));
    for (const c of mine) {
      expect(ids.has(c.id), c.id).toBe(false);
      expect(lines.has(c.argv.join(' ')), c.argv.join(' ')).toBe(false);
    }
    expect(new Set(mine.map((c) => c.id)).size).toBe(mine.length);
    // What it reads from the others is really theirs.
    for (const id of [SHARED_IDS.link, SHARED_IDS.route, SHARED_IDS.nexthop]) expect(ids.has(id), id).toBe(true);
    for (const id of [SHARED_IDS.interface, SHARED_IDS.bridge, SHARED_IDS.port, SHARED_IDS.openVswitch, SHARED_IDS.tlvMap]) expect(ids.has(id), id).toBe(true);
  });

  it('runs per device of the chain: every device -k/--json -k/-i, the bottom devices --show-tunnels', () => {
    const { commands, notes } = offloadExpand(outputs());
    expect(notes).toEqual([]);
    expect(argvs(commands)).toEqual([
      'ethtool -k mv0',
      'ethtool --json -k mv0',
      'ethtool -i mv0',
      'ethtool -k br0',
      'ethtool --json -k br0',
      'ethtool -i br0',
      'ethtool -k eth0',
      'ethtool --json -k eth0',
      'ethtool -i eth0',
      'ethtool --show-tunnels eth0',
      'ethtool -k eth1',
      'ethtool --json -k eth1',
      'ethtool -i eth1',
      'ethtool --show-tunnels eth1',
    ]);
    for (const c of [...offloadPhase1(), ...commands]) {
      expect(checkAllowed(c.argv), c.argv.join(' ')).toMatchObject({ allowed: true });
      expect(c.required).toBe(false);
    }
  });

  it('adds tc filter counts and the offloaded flows only with hw-offload=true (read from the get output or the Open_vSwitch listing)', () => {
    const on = outputs({ [OFFLOAD_IDS.otherConfig]: '{hw-offload="true", tc-policy=none}\n' });
    expect(hwOffloadFrom(on)).toBe(true);
    const cmds = argvs(offloadExpand(on).commands);
    expect(cmds[0]).toBe('ovs-appctl dpctl/dump-flows -m type=offloaded');
    expect(cmds.filter((c) => c.startsWith('tc '))).toEqual(['tc -s filter show dev eth0 ingress', 'tc -s filter show dev eth1 ingress']);
    const listing = JSON.stringify({ headings: ['other_config'], data: [[['map', [['hw-offload', 'true']]]]] });
    expect(hwOffloadFrom(outputs({ [OFFLOAD_IDS.otherConfig]: undefined, [SHARED_IDS.openVswitch]: listing }))).toBe(true);
    expect(argvs(makeOffloadModule({ offloadedFlows: 'always' }).expand!(outputs()).commands)).toContain('ovs-appctl dpctl/dump-flows -m type=offloaded');
    expect(argvs(makeOffloadModule({ offloadedFlows: 'never' }).expand!(on).commands)).not.toContain('ovs-appctl dpctl/dump-flows -m type=offloaded');
  });

  it('follows the ethtool version: no --json before 5.17, no --show-tunnels before 5.10, nothing without ethtool', () => {
    expect(argvs(offloadExpand(outputs({ [OFFLOAD_IDS.ethtoolVersion]: 'ethtool version 5.16\n' })).commands).some((c) => c.includes('--json'))).toBe(false);
    const old = argvs(offloadExpand(outputs({ [OFFLOAD_IDS.ethtoolVersion]: 'ethtool version 5.4\n' })).commands);
    expect(old.some((c) => c.includes('--show-tunnels'))).toBe(false);
    expect(old).toContain('ethtool -k eth0');
    expect(offloadExpand(outputs({ [OFFLOAD_IDS.ethtoolVersion]: undefined })).commands).toEqual([]);
  });

  it('reads bonds from /proc/net/bonding and never passes an unsafe name', () => {
    const links = JSON.stringify([
      ipLink(2, 'ens1f0', { master: 'bond0' }),
      ipLink(3, 'ens1f1', { master: 'bond0' }),
      ipLink(4, 'bond0', { kind: 'bond', data: { mode: '802.3ad' } }),
      ipLink(5, 'bad;reboot', { master: 'bond0' }),
    ]);
    const { commands, notes } = offloadExpand(outputs({ [SHARED_IDS.link]: links, [SHARED_IDS.interface]: interfacesJson([{ name: 'g', type: 'geneve', status: { tunnel_egress_iface: 'bond0' } }]) }));
    expect(argvs(commands)).toContain('cat /proc/net/bonding/bond0');
    expect(argvs(commands).some((c) => c.includes('reboot'))).toBe(false);
    expect(notes).toEqual(['device name "bad;reboot" skipped: not a safe name to pass to a command']);
    for (const c of commands) expect(checkAllowed(c.argv).allowed, c.argv.join(' ')).toBe(true);
  });
});
