// Unit tests of the pure parts of the harness (no daemons): topology validation, compilation to
// ovn-nbctl/ovs-vsctl commands, batching, and the dependency report.

import { describe, expect, it } from 'vitest';
import { checkSandboxDeps, ovsdbJsonRows, ovsdbMapArgs } from './sandbox.js';
import { batchCommands, boundPorts, compileTopology, validateTopology, type Topology } from './topology.js';
import { getTopology, topologyNames } from './topologies.js';

describe('named topologies', () => {
  it.each(topologyNames)('%s is consistent and binds ports on its chassis', (name) => {
    const t = getTopology(name);
    expect(validateTopology(t)).toEqual([]);
    const bound = boundPorts(t);
    expect(bound.length).toBeGreaterThanOrEqual(3);
    const chassis = new Set(t.chassis.map((c) => c.name));
    for (const b of bound) expect(chassis.has(b.chassis)).toBe(true);
    // every chassis hosts at least one port or is a gateway
    expect(new Set(bound.map((b) => b.chassis)).size).toBeGreaterThanOrEqual(2);
  });

  it('returns fresh objects and rejects unknown names', () => {
    expect(getTopology('l2')).not.toBe(getTopology('l2'));
    expect(() => getTopology('nope')).toThrow(/known: l2, l3-acl/);
  });

  it('lb-nat-3chassis matches the fixture description', () => {
    const t = getTopology('lb-nat-3chassis');
    expect(t.chassis.map((c) => c.name)).toEqual(['hv1', 'hv2', 'hv3']);
    const lr0 = t.routers!.find((r) => r.name === 'lr0')!;
    expect(lr0.ports.find((p) => p.name === 'lr0-ext')!.gatewayChassis).toEqual(['hv3']);
    expect(lr0.nat!.map((n) => n.type).sort()).toEqual(['dnat', 'dnat_and_snat', 'snat']);
    expect(t.loadBalancers!.find((l) => l.name === 'lb-web')!.vips['10.2.0.100:80']).toHaveLength(2);
    expect(t.portGroups!.length).toBeGreaterThan(0);
    expect(t.addressSets!.length).toBeGreaterThan(0);
  });
});

describe('validateTopology', () => {
  it('reports dangling references', () => {
    const t: Topology = {
      name: 'bad',
      chassis: [{ name: 'hv1' }],
      switches: [
        {
          name: 's',
          ports: [
            { name: 'p1', type: 'router', routerPort: 'nope' },
            { name: 'p2', bind: { chassis: 'hv9' }, dhcpv4Options: 'missing' },
            { name: 'p2', type: 'localnet' },
          ],
        },
      ],
      portGroups: [{ name: 'pg', ports: ['ghost'] }],
      routers: [{ name: 'r', ports: [], nat: [{ type: 'dnat_and_snat', externalIp: '1.1.1.1', logicalIp: '10.0.0.1', logicalPort: 'p1' }] }],
    };
    const errs = validateTopology(t).join('\n');
    expect(errs).toMatch(/duplicate switch port p2/);
    expect(errs).toMatch(/router port nope not defined/);
    expect(errs).toMatch(/chassis hv9 not in topology.chassis/);
    expect(errs).toMatch(/DHCP options missing not defined/);
    expect(errs).toMatch(/localnet needs networkName/);
    expect(errs).toMatch(/port group pg: port ghost not defined/);
    expect(errs).toMatch(/needs both logicalPort and externalMac/);
  });
});

describe('compileTopology', () => {
  const t: Topology = {
    name: 'mini',
    chassis: [{ name: 'hv1' }],
    switches: [
      {
        name: 'sw',
        subnet: '10.0.0.0/24',
        ports: [
          { name: 'p1', addresses: ['0a:00:00:00:00:01 10.0.0.1'], portSecurity: ['0a:00:00:00:00:01 10.0.0.1'], externalIds: { 'neutron:port_name': 'vm 1' }, bind: { chassis: 'hv1', iface: 'tap1' } },
          { name: 'ln', type: 'localnet', networkName: 'physnet1' },
        ],
        acls: [{ direction: 'to-lport', priority: 1000, match: 'outport == "p1" && ip4', action: 'drop', name: 'deny' }],
      },
    ],
  };
  const c = compileTopology(t);
  const all = c.nbPhases.flatMap((p) => p.groups.flat());

  it('emits ovn-nbctl commands with ovsdb-quoted map keys and values', () => {
    expect(all).toContainEqual(['ls-add', 'sw']);
    expect(all).toContainEqual(['set', 'Logical_Switch', 'sw', 'other_config:"subnet"="10.0.0.0/24"']);
    expect(all).toContainEqual(['lsp-set-addresses', 'p1', '0a:00:00:00:00:01 10.0.0.1']);
    expect(all).toContainEqual(['lsp-set-port-security', 'p1', '0a:00:00:00:00:01 10.0.0.1']);
    expect(all).toContainEqual(['set', 'Logical_Switch_Port', 'p1', 'external_ids:"neutron:port_name"="vm 1"']);
    expect(all).toContainEqual(['lsp-set-type', 'ln', 'localnet']);
    expect(all).toContainEqual(['lsp-set-addresses', 'ln', 'unknown']);
    expect(all).toContainEqual(['set', 'Logical_Switch_Port', 'ln', 'options:"network_name"="physnet1"']);
  });

  it('creates named ACLs without enabling logging, in one transaction with their attachment', () => {
    const g = c.nbPhases.find((p) => p.name === 'ACLs')!.groups[0];
    expect(g[0]).toEqual(['--id=@acl0', 'create', 'ACL', 'direction=to-lport', 'priority=1000', 'match="outport == \\"p1\\" && ip4"', 'action=drop', 'log=false', 'name="deny"']);
    expect(g[1]).toEqual(['add', 'Logical_Switch', 'sw', 'acls', '@acl0']);
  });

  it('binds with a dummy interface carrying iface-id', () => {
    expect(c.bindings.hv1).toEqual([[['add-port', 'br-int', 'tap1'], ['set', 'Interface', 'tap1', 'type=dummy', 'external_ids:"iface-id"="p1"']]]);
  });
});

describe('batchCommands', () => {
  it('joins with -- and never splits a group', () => {
    const groups = [[['a']], [['b'], ['c']], [['d']]];
    expect(batchCommands(groups, 100)).toEqual([['a', '--', 'b', '--', 'c', '--', 'd']]);
    expect(batchCommands(groups, 2)).toEqual([['a'], ['b', '--', 'c'], ['d']]);
    // a group larger than the batch still goes out whole
    expect(batchCommands([[['x'], ['y'], ['z']]], 2)).toEqual([['x', '--', 'y', '--', 'z']]);
  });

  it('keeps calls near the batch size', () => {
    const groups = Array.from({ length: 250 }, (_, i) => [[`c${i}`]]);
    const out = batchCommands(groups, 100);
    expect(out).toHaveLength(3);
    expect(out[0].filter((a) => a !== '--')).toHaveLength(100);
  });
});

describe('helpers', () => {
  it('ovsdbMapArgs quotes keys and values', () => {
    expect(ovsdbMapArgs('external_ids', { 'a:b': 'x "y"' })).toEqual(['external_ids:"a:b"="x \\"y\\""']);
  });

  it('ovsdbJsonRows decodes sets, maps and uuids', () => {
    const text = JSON.stringify({ headings: ['name', 'options', 'ofport', 'chassis'], data: [['t', ['map', [['remote_ip', '192.168.0.2']]], 3, ['uuid', 'abc']]] });
    expect(ovsdbJsonRows(text)).toEqual([{ name: 't', options: { remote_ip: '192.168.0.2' }, ofport: 3, chassis: 'abc' }]);
  });

  it('checkSandboxDeps names what is missing and how to fix it', () => {
    const r = checkSandboxDeps({ 'ovnscope-no-such-binary': 'some-package', '/nonexistent/schema': 'other-package' });
    expect(r.ok).toBe(false);
    expect(r.missing.map((m) => m.what)).toEqual(['ovnscope-no-such-binary', '/nonexistent/schema']);
    expect(r.message).toMatch(/ovnscope-no-such-binary \(some-package\)/);
    expect(r.message).toMatch(/run scripts\/install-system-deps\.sh/);
  });
});
