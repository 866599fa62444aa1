import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectPath } from '../../src/collect/scope.js';
import type { HostSpec } from '../../src/model/inventory.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { canonicalIp, chassisPath, createResolver, describeEndpoint, editDistance, inCidr, resolveEndpoint, splitHostPort, type Endpoint, type PacketMatch, type SnapshotView } from '../../src/snapshot/resolve.js';

const root = resolve(import.meta.dirname, '../..');
const fixture = (name: string) => join(root, 'fixtures', name);

async function load(name: string, hosts?: string[]): Promise<Snapshot> {
  const r = await loadSnapshot(fixture(name), hosts ? { hosts } : {});
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function must(view: SnapshotView, text: string, near?: Endpoint): Endpoint {
  const r = resolveEndpoint(view, text, { label: '--x', ...(near ? { near } : {}) });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function error(view: SnapshotView, text: string): string {
  const r = resolveEndpoint(view, text, { label: '--from' });
  if (r.ok) throw new Error(`${text} resolved to ${r.value.logicalPort}`);
  return r.error.message;
}

let l3: Snapshot;
let lb: Snapshot;
beforeAll(async () => {
  [l3, lb] = await Promise.all([load('l3-acl'), load('lb-nat-3chassis')]);
});

describe('resolveEndpoint: names (fixtures/l3-acl, Neutron-style external_ids)', () => {
  it('a logical port name gives the binding: datapath, key, MAC, IPs, chassis, host and ofport', () => {
    expect(must(l3, 'web1')).toMatchObject({
      kind: 'vif',
      matchedBy: 'logical-port',
      logicalPort: 'web1',
      datapath: { name: 'web', key: 1, kind: 'switch' },
      portKey: 4,
      mac: '0a:00:01:01:00:11',
      ips: ['10.1.1.11'],
      ip: '10.1.1.11',
      chassis: 'hv1',
      host: 'hv1',
      bridge: 'br-int',
      ofport: 4,
      iface: 'tapweb1',
      names: { neutronPortName: 'web-vm-1-port', neutronDeviceId: 'web-vm-1' },
    });
    expect(must(l3, 'db1')).toMatchObject({ chassis: 'hv2', host: 'hv2', ofport: 3, iface: 'tapdb1', datapath: { name: 'db', key: 2 } });
  });

  it('the OVS interface, neutron:port_name and neutron:device_id name the same port', () => {
    for (const [text, by] of [
      ['tapweb1', 'interface'],
      ['web-vm-1-port', 'neutron-port-name'],
      ['web-vm-1', 'neutron-device-id'],
    ] as const)
      expect(must(l3, text)).toMatchObject({ logicalPort: 'web1', matchedBy: by, input: text });
  });

  it('names are case-sensitive (as in OVN): a match ignoring case is only a "did you mean"; MACs and IPv6 text are not names', () => {
    expect(error(l3, 'WEB1')).toBe('--from WEB1: no logical port, VM, pod or interface of that name in the snapshot; did you mean logical port web1? (names are case-sensitive)');
    expect(error(l3, 'Web-VM-1')).toMatch(/; did you mean VM web-vm-1 \(web1\)\? \(names are case-sensitive\)$/);
    expect(error(l3, 'TAPWEB1')).toMatch(/; did you mean interface tapweb1 .*\? \(names are case-sensitive\)$/);
    expect(must(l3, '0A:00:01:01:00:11').logicalPort).toBe('web1');
    expect(canonicalIp('FD00::A')).toBe(canonicalIp('fd00::a'));
  });

  it('a router port, and the switch side of a router link, give the router port', () => {
    expect(must(l3, 'lr0-web')).toMatchObject({ kind: 'router', router: 'lr0', mac: '0a:00:01:ff:01:01', ips: ['10.1.1.1'], networks: ['10.1.1.1/24'], chassis: undefined, datapath: { name: 'lr0', kind: 'router' } });
    const sw = must(l3, 'web-lr0');
    expect(sw.logicalPort).toBe('lr0-web');
    expect(sw.notes.join()).toMatch(/switch side of router port lr0-web/);
  });

  it('unknown names suggest near matches; the message keeps "no logical port" for collect', () => {
    expect(error(l3, 'web9')).toMatch(/^--from web9: no logical port, VM, pod or interface of that name in the snapshot; did you mean logical port web1, logical port web2, logical port web3\?$/);
    expect(error(l3, 'web-vm-4')).toMatch(/did you mean .*VM web-vm-1 \(web1\)/);
    expect(error(l3, 'zzzzzzzzzzzz')).toMatch(/\(VIF ports: db1, db2, web1, web2, web3\)$/);
  });

  it('a name several ports carry is ambiguous and lists the candidates', () => {
    // A second port of the same VM (device_id), as Neutron does for a VM with two NICs.
    const web1 = l3.sb!.portBindings.find((p) => p.logicalPort === 'web1')!;
    const db = l3.sb!.portBindings.find((p) => p.logicalPort === 'db2')!;
    const nic2 = { ...web1, uuid: '99999999-0000-0000-0000-000000000001', logicalPort: 'web1-nic2', datapath: db.datapath, tunnelKey: 9, mac: ['0a:00:01:02:00:99 10.1.2.99'], neutronPortName: 'web-vm-1-port2' };
    const view: SnapshotView = { ...l3, sb: { ...l3.sb!, portBindings: [...l3.sb!.portBindings, nic2] } };
    const msg = error(view, 'web-vm-1');
    expect(msg).toMatch(/^--from web-vm-1 is ambiguous: it names 2 ports: /);
    expect(msg).toMatch(/VM web-vm-1 \(web1\): 10\.1\.1\.11 on web, bound on hv1/);
    expect(msg).toMatch(/VM web-vm-1 \(web1-nic2\): 10\.1\.2\.99 on db, bound on hv1/);
    expect(msg).toMatch(/Give the logical port name instead \(e\.g\. --from web1\)\./);
  });

  it('the Neutron names of the NB port count too: a second NIC named only in the NB is an ambiguity, not a silent pick', () => {
    // Neutron writes the NB; northd copies to the SB. An SB that lags (or differs) must not hide the NB's names.
    const nbOnly = (key: string, value: string): SnapshotView => ({
      ...l3,
      nb: { ...l3.nb!, switchPorts: l3.nb!.switchPorts.map((p) => (p.name === 'db2' ? { ...p, externalIds: { ...p.externalIds, [key]: value } } : p)) },
    });
    const vm = error(nbOnly('neutron:device_id', 'web-vm-1'), 'web-vm-1');
    expect(vm).toMatch(/^--from web-vm-1 is ambiguous: it names 2 ports: /);
    expect(vm).toMatch(/VM web-vm-1 \(db2\): 10\.1\.2\.12 on db, bound on hv1/);
    expect(vm).toMatch(/VM web-vm-1 \(web1\): 10\.1\.1\.11 on web, bound on hv1/);
    const port = error(nbOnly('neutron:port_name', 'web-vm-1-port'), 'web-vm-1-port');
    expect(port).toMatch(/neutron port web-vm-1-port \(db2\).*neutron port web-vm-1-port \(web1\)/);
  });

  it('an empty text and a snapshot without SB are usage errors that say what to do', () => {
    expect(error(l3, '  ')).toMatch(/empty; give a logical port, VM or pod name, or an IP address/);
    const r = resolveEndpoint({ hosts: l3.hosts }, 'web1');
    expect(!r.ok && r.error).toMatchObject({ exitCode: 3, message: expect.stringMatching(/no OVN southbound database/) });
  });
});

describe('resolveEndpoint: pods (fixtures/lb-nat-3chassis, OVN-Kubernetes pod=true + namespace) and addresses', () => {
  it('namespace/name, namespace_name and the bare pod name', () => {
    for (const t of ['team-a/a2', 'team-a_a2', 'a2']) expect(must(lb, t)).toMatchObject({ logicalPort: 'a2', names: { pod: 'team-a/a2' }, chassis: 'hv1', ofport: 4 });
    expect(must(lb, 'team-a/a2').matchedBy).toBe('pod');
  });

  it('a Kube-OVN pod (pod=namespace/name) resolves by its pod name', () => {
    const b1 = lb.sb!.portBindings.find((p) => p.logicalPort === 'b1')!;
    const kube = { ...b1, logicalPort: 'web-x.team-b', externalIds: { pod: 'team-b/web-x', vendor: 'kube-ovn' }, pod: { namespace: 'team-b', name: 'web-x' } };
    const view: SnapshotView = { ...lb, sb: { ...lb.sb!, portBindings: lb.sb!.portBindings.map((p) => (p === b1 ? kube : p)) } };
    expect(must(view, 'team-b/web-x')).toMatchObject({ logicalPort: 'web-x.team-b', kind: 'vif', chassis: 'hv2' });
    expect(must(view, 'web-x').logicalPort).toBe('web-x.team-b');
  });

  it('an IP: the VIF that owns it, a router port, a NAT address, a LB VIP, or outside the overlay', () => {
    expect(must(lb, '10.2.2.12')).toMatchObject({ kind: 'vif', matchedBy: 'ip', logicalPort: 'b2', ip: '10.2.2.12', host: 'hv2' });
    expect(must(lb, '10.2.1.1')).toMatchObject({ kind: 'router', logicalPort: 'lr0-a', router: 'lr0', chassis: undefined });
    // The distributed gateway port lives where its chassisredirect port is active.
    expect(must(lb, '172.16.0.10')).toMatchObject({ kind: 'router', logicalPort: 'lr0-ext', gatewayPort: 'cr-lr0-ext', chassis: 'hv3', host: 'hv3' });
    expect(must(lb, 'cr-lr0-ext')).toMatchObject({ logicalPort: 'lr0-ext', chassis: 'hv3' });
    expect(must(lb, '172.16.0.21')).toMatchObject({ kind: 'nat', logicalPort: 'b1', chassis: 'hv2', mac: '0a:00:02:ee:00:21', nat: { type: 'dnat_and_snat', logicalIp: '10.2.2.11', router: 'lr0' } });
    expect(must(lb, '172.16.0.20')).toMatchObject({ kind: 'nat', logicalPort: 'a1', nat: { type: 'dnat' } });
    expect(must(lb, '10.2.0.100')).toMatchObject({ kind: 'lb-vip', logicalPort: undefined, lb: { name: 'lb-web', vip: '10.2.0.100:80', protocol: 'tcp', backends: ['10.2.2.11:8080', '10.2.2.12:8080'], datapaths: ['tenant-a', 'lr0'] } });
    const ext = must(lb, '8.8.8.8');
    expect(ext).toMatchObject({ kind: 'external-ip', ip: '8.8.8.8', logicalPort: undefined, chassis: undefined });
    expect(ext.notes.join()).toMatch(/outside the overlay/);
    expect(ext.unassigned).toBeUndefined();
  });

  it('IP@SWITCH for an address that is on another switch (or none) is an error, not an outside address', () => {
    // 10.2.1.11 is a1's, on tenant-a (topology lb-nat-3chassis); tenant-b is 10.2.2.0/24.
    expect(error(lb, '10.2.1.11@tenant-b')).toMatch(/^--from 10\.2\.1\.11@tenant-b: 10\.2\.1\.11 is not an address on tenant-b \(it is on tenant-a: a1\)/);
    expect(error(lb, '10.2.2.99@tenant-b')).toMatch(/10\.2\.2\.99 is not an address on tenant-b; give an address of a port of tenant-b/);
  });

  it('an address inside a switch subnet that no port has is an unassigned address of that switch, not outside', () => {
    // web is 10.1.1.0/24 (lr0-web 10.1.1.1/24); web1..web3 are .11-.13.
    const e = must(l3, '10.1.1.99');
    expect(e.unassigned).toMatchObject({ switch: 'web', subnet: '10.1.1.0/24' });
    expect(e.notes.join()).toMatch(/in the subnet 10\.1\.1\.0\/24 of logical switch web but no port has it/);
    expect(describeEndpoint(e)).toBe('10.1.1.99 (unassigned address on web, 10.1.1.0/24)');
    // Its path is the switch, not "?": the packet stays on web.
    const p = chassisPath(l3, must(l3, 'web1'), e);
    expect(p.ok && p.value.datapaths).toEqual(['web']);
  });

  it('a MAC names its port', () => {
    expect(must(lb, '0A:00:02:02:00:11').logicalPort).toBe('b1');
    expect(error(lb, '0a:00:02:02:00:99')).toMatch(/no logical port has MAC 0a:00:02:02:00:99/);
  });

  it('an address two tenants use is ambiguous unless qualified with its switch or near the other end', () => {
    const b1 = lb.sb!.portBindings.find((p) => p.logicalPort === 'b1')!;
    const a1 = lb.sb!.portBindings.find((p) => p.logicalPort === 'a1')!;
    // An isolated switch (no router) reusing 10.2.1.11.
    const iso = { ...b1, uuid: '99999999-0000-0000-0000-000000000002', logicalPort: 'iso1', datapath: '99999999-0000-0000-0000-00000000d00d', mac: ['0a:00:09:00:00:11 10.2.1.11'] };
    const dp = { ...lb.sb!.datapaths[0]!, uuid: iso.datapath, tunnelKey: 99, name: 'isolated', externalIds: { name: 'isolated' }, kind: 'switch' as const };
    const view: SnapshotView = { ...lb, sb: { ...lb.sb!, portBindings: [...lb.sb!.portBindings, iso], datapaths: [...lb.sb!.datapaths, dp] } };
    expect(error(view, '10.2.1.11')).toMatch(/10\.2\.1\.11 is an address of 2 logical ports: .*a1 \(tenant-a\).*iso1 \(isolated\).*e\.g\. 10\.2\.1\.11@/);
    expect(must(view, '10.2.1.11@isolated').logicalPort).toBe('iso1');
    expect(must(view, '10.2.1.11@tenant-a').logicalPort).toBe('a1');
    expect(error(view, '10.2.1.11@nowhere')).toMatch(/no logical switch or router named nowhere/);
    // From b2 (tenant-b, routed to tenant-a by lr0) the connected one wins.
    const from = must(view, 'b2');
    expect(must(view, '10.2.1.11', from).logicalPort).toBe(a1.logicalPort);
  });

  it('a port whose chassis is not collected has no host, and says so', async () => {
    const only = await load('lb-nat-3chassis', ['hv1']);
    const b1 = must(only, 'b1');
    expect(b1).toMatchObject({ chassis: 'hv2', host: undefined, ofport: undefined });
    expect(b1.notes.join()).toMatch(/chassis hv2 is not a host of this snapshot/);
    expect(describeEndpoint(b1)).toBe('b1 (tenant-b, pod team-b/b1) 10.2.2.11 on chassis hv2 (not collected)');
  });
});

describe('chassisPath', () => {
  it('east-west through a distributed router: source, destination and the router\'s gateway chassis', () => {
    const r = chassisPath(lb, 'a1', '10.2.2.11');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.chassis.map((c) => [c.chassis, c.roles, c.host])).toEqual([
      ['hv1', ['source'], 'hv1'],
      ['hv2', ['destination'], 'hv2'],
      ['hv3', ['gateway'], 'hv3'],
    ]);
    expect(r.value.datapaths).toEqual(['tenant-a', 'lr0', 'tenant-b']);
    expect(r.value.routers).toEqual(['lr0']);
    expect(r.value.missing).toEqual([]);
    expect(r.value.chassis[2]!.why).toEqual(['cr-lr0-ext (chassisredirect) is active there']);
    expect(r.value.chassis[0]!.encapIps).toEqual(['192.168.0.1']);
  });

  it('same switch, same chassis: one chassis with both roles', () => {
    const r = chassisPath(lb, 'a1', 'a2');
    expect(r.ok && r.value.chassis.map((c) => [c.chassis, c.roles])).toEqual([['hv1', ['source', 'destination']]]);
    expect(r.ok && r.value.datapaths).toEqual(['tenant-a']);
  });

  it('out of the overlay: through the router with a gateway port, out of the switch behind it', () => {
    const r = chassisPath(lb, 'a1', '8.8.8.8');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.chassis.map((c) => [c.chassis, c.roles])).toEqual([
      ['hv1', ['source']],
      ['hv3', ['gateway']],
    ]);
    expect(r.value.datapaths).toEqual(['tenant-a', 'lr0', 'ext']);
  });

  it('a LB VIP: the chassis of its backends are destinations', () => {
    const r = chassisPath(lb, 'a1', '10.2.0.100');
    expect(r.ok && r.value.chassis.map((c) => [c.chassis, c.roles])).toEqual([
      ['hv1', ['source']],
      ['hv2', ['destination']],
      ['hv3', ['gateway']],
    ]);
  });

  it('l3-acl has no gateway: only both ends', () => {
    const r = chassisPath(l3, 'web-vm-1', 'db1');
    expect(r.ok && r.value.chassis.map((c) => [c.chassis, c.roles])).toEqual([
      ['hv1', ['source']],
      ['hv2', ['destination']],
    ]);
  });

  it('lists the chassis on the path that the snapshot does not have', async () => {
    const r = chassisPath(await load('lb-nat-3chassis', ['hv1']), 'a1', 'b1');
    expect(r.ok && r.value.missing).toEqual(['hv2', 'hv3']);
  });

  it('resolution errors carry the --from/--to label', () => {
    const r = chassisPath(lb, 'a1', 'nope');
    expect(!r.ok && r.error.message).toMatch(/^--to nope: no logical port/);
  });
});

describe('gateway (the guest\'s next hop)', () => {
  it('is the router port on the source switch toward the destination; none on the same switch', () => {
    const R = createResolver(lb);
    const at = (t: string) => {
      const r = R.resolve(t);
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    expect(R.gateway(at('a1'), at('b1'))).toMatchObject({ port: 'lr0-a', router: 'lr0', mac: '0a:00:02:ff:01:01', ips: ['10.2.1.1'] });
    expect(R.gateway(at('a1'), at('8.8.8.8'))).toMatchObject({ port: 'lr0-a' });
    // lb-web is applied on tenant-a itself, but the VIP is off the guest's subnet: to its gateway.
    expect(R.gateway(at('a1'), at('10.2.0.100'))).toMatchObject({ port: 'lr0-a' });
    expect(R.subnets(at('a1'))).toEqual(['10.2.1.1/24', '10.2.1.0/24']);
    expect(R.gateway(at('a1'), at('a2'))).toBeUndefined();
    expect(R.gateway(at('b1'), at('a2'))).toMatchObject({ port: 'lr0-b', mac: '0a:00:02:ff:02:01' });
  });
});

describe('collect --from/--to reuses the resolver (src/collect/scope.ts)', () => {
  const central = (f: string) => readFileSync(join(fixture('lb-nat-3chassis'), 'central', `ovn-sbctl.list.${f}.out`), 'utf8');
  const texts = { portBinding: central('Port_Binding'), chassis: central('Chassis'), encap: central('Encap') };
  const hosts: HostSpec[] = ['hv1', 'hv2', 'hv3'].map((name) => ({ name, transport: 'local', wrapper: [] }) as unknown as HostSpec);
  it('keeps the roles and the inventory mapping, from the SB texts alone', () => {
    const cross = selectPath(texts, 'a1', '10.2.2.11', hosts);
    expect(cross.ok && cross.scope.chassis.map((c) => [c.host, c.roles])).toEqual([
      ['hv1', ['source']],
      ['hv2', ['destination']],
      ['hv3', ['gateway']],
    ]);
    const same = selectPath(texts, 'team-a/a1', 'a2', hosts);
    expect(same.ok && same.scope.hosts).toEqual(['hv1']);
    const out = selectPath(texts, 'a1', '172.16.0.1', hosts);
    expect(out.ok && [...out.scope.hosts].sort()).toEqual(['hv1', 'hv3']);
    const bad = selectPath(texts, 'nope', 'a2', hosts);
    expect(!bad.ok && bad.error).toMatch(/^--from nope: no logical port/);
    const partial = selectPath(texts, 'a1', 'b1', hosts.slice(0, 1));
    expect(partial.ok && partial.scope.notes.join('\n')).toMatch(/chassis hv2 \(hv2\) is on the path \(destination\) but no inventory host matches it/);
  });
});

describe('address helpers', () => {
  it('canonical IPs, CIDR membership, host:port, edit distance', () => {
    expect(canonicalIp('2001:DB8:0:0::1')).toBe('2001:db8::1');
    expect(canonicalIp('010.1.1.1')).toBe('10.1.1.1');
    expect(canonicalIp('10.1.1.300')).toBeUndefined();
    expect(canonicalIp('web1')).toBeUndefined();
    expect(inCidr('10.2.1.77', '10.2.1.1/24')).toBe(true);
    expect(inCidr('10.2.2.77', '10.2.1.1/24')).toBe(false);
    expect(inCidr('2001:db8:5::9', '2001:db8:5::1/64')).toBe(true);
    expect(inCidr('10.2.1.1', '2001:db8:5::1/64')).toBe(false);
    expect(splitHostPort('[2001:db8::1]:80')).toEqual({ ip: '2001:db8::1', port: 80 });
    expect(splitHostPort('10.0.0.1:8080')).toEqual({ ip: '10.0.0.1', port: 8080 });
    expect(splitHostPort('10.0.0.1')).toEqual({ ip: '10.0.0.1', port: undefined });
    expect(editDistance('web9', 'web1')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('vipResponder: the router port that answers ARP/ND for a load-balancer VIP on a switch (fixtures/lb-nat-3chassis)', () => {
  // lb-ext (172.16.0.100:80) is on router lr0 only; lr0-ext (0a:00:02:ff:00:01, 172.16.0.10/24) is
  // on switch ext, whose only other port is the localnet. The fixture's SB has northd's
  // ls_in_l2_lkup flow on ext `arp.tpa == 172.16.0.100` => `clone {outport = "ext-lr0"; ...}`.
  it('from the NB: the router with the load balancer and a port on the switch', () => {
    const r = createResolver(lb);
    const from = r.port('ext-localnet')!;
    expect(r.vipResponder(from, '172.16.0.100')).toEqual({ port: 'lr0-ext', router: 'lr0', mac: '0a:00:02:ff:00:01', why: 'load balancer lb-ext is on router lr0' });
    // Not a VIP: nobody answers for it.
    expect(r.vipResponder(from, '172.16.0.101')).toBeUndefined();
  });

  it('from the SB alone (no NB collected): the ls_in_l2_lkup flow that sends the VIP’s ARP to the router port', () => {
    const r = createResolver({ hosts: lb.hosts, sb: lb.sb! });
    const from = r.port('ext-localnet')!;
    const got = r.vipResponder(from, '172.16.0.100');
    expect(got).toMatchObject({ port: 'lr0-ext', router: 'lr0', mac: '0a:00:02:ff:00:01' });
    expect(got!.why).toMatch(/ls_in_l2_lkup, .*arp\.tpa == 172\.16\.0\.100/);
    // tenant-a's router port is lr0-a, but the SB sends no ARP for 172.16.0.100 there.
    expect(r.vipResponder(r.port('a1')!, '172.16.0.100')).toBeUndefined();
  });
});

describe('load balancers attached through a Load_Balancer_Group (OVN-Kubernetes style NB, fixtures/lb-nat-3chassis)', () => {
  // The fixture lists lb-web on tenant-a and lr0 and lb-ext on lr0 in load_balancer. The same NB with
  // every load balancer moved into groups on the same switches and routers means the same to northd,
  // so it must resolve to the same datapaths, router answer and chassis as the direct attachment.
  const G_ALL = '0b5c3b6e-8f3a-4d53-9c39-6f1c2a7d9e01';
  function grouped(withGroups = true): SnapshotView {
    const nb = lb.nb!;
    // One group per attachment set, as OVN-Kubernetes does: what tenant-a lists (also on lr0) goes
    // into G_ALL, taken by both; what only lr0 lists (lb-ext) into G_LR0, taken by lr0 alone.
    const onTenantA = nb.switches.find((s) => s.name === 'tenant-a')!.loadBalancer;
    const onLr0 = nb.routers.find((r) => r.name === 'lr0')!.loadBalancer;
    const G_LR0 = '7f0e4c1d-2a6b-4e8f-9d3c-5b1a0e2f4c6d';
    const raw = nb.loadBalancers[0]!.raw; // (not read by the resolver)
    const groups = [
      { uuid: G_ALL, name: 'clusterLBGroup', loadBalancer: [...onTenantA], raw },
      { uuid: G_LR0, name: 'clusterRouterLBGroup', loadBalancer: onLr0.filter((u) => !onTenantA.includes(u)), raw },
    ];
    const move = <T extends { name: string; loadBalancer: readonly string[]; loadBalancerGroup: readonly string[] }>(d: T, gs: string[]): T => ({ ...d, loadBalancer: [], loadBalancerGroup: gs });
    return {
      ...lb,
      nb: {
        ...nb,
        switches: nb.switches.map((s) => (s.loadBalancer.length ? move(s, s.name === 'tenant-a' ? [G_ALL] : []) : s)),
        routers: nb.routers.map((r) => (r.loadBalancer.length ? move(r, r.name === 'lr0' ? [G_ALL, G_LR0] : []) : r)),
        ...(withGroups ? { loadBalancerGroups: groups } : {}),
      },
    };
  }

  it('the premise: in the rewritten NB no switch or router lists a load balancer directly', () => {
    const v = grouped();
    expect([...v.nb!.switches, ...v.nb!.routers].flatMap((d) => d.loadBalancer)).toEqual([]);
    expect(v.nb!.switches.find((s) => s.name === 'tenant-a')!.loadBalancerGroup).toEqual([G_ALL]);
  });

  it('a VIP endpoint carries the datapaths of its group, as when listed directly', () => {
    const direct = must(lb, '10.2.0.100');
    expect(direct.lb!.datapaths).toEqual(['tenant-a', 'lr0']);
    expect(must(grouped(), '10.2.0.100').lb).toEqual(direct.lb);
    expect(must(grouped(), '172.16.0.100').lb!.datapaths).toEqual(['lr0']);
  });

  it('vipResponder: the router whose group holds the load balancer answers, from the NB', () => {
    const r = createResolver(grouped());
    expect(r.vipResponder(r.port('ext-localnet')!, '172.16.0.100')).toEqual({ port: 'lr0-ext', router: 'lr0', mac: '0a:00:02:ff:00:01', why: 'load balancer lb-ext is on router lr0' });
    expect(r.vipResponder(r.port('ext-localnet')!, '172.16.0.101')).toBeUndefined();
  });

  it('the chassis path to a grouped VIP is the direct one (its backends are destinations)', () => {
    const path = (v: SnapshotView) => {
      const r = chassisPath(v, 'a1', '10.2.0.100');
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    expect(path(grouped())).toEqual(path(lb));
  });

  it('groups referenced but not collected (an older snapshot): the VIP applies nowhere known, and the endpoint says why', () => {
    const e = must(grouped(false), '10.2.0.100');
    expect(e.lb!.datapaths).toEqual([]);
    expect(e.notes.join('\n')).toMatch(/no NB Load_Balancer_Group listing, but tenant-a, lr0 take load balancers through groups/);
    // The SB still says which router port the VIP's ARP goes to.
    const r = createResolver(grouped(false));
    expect(r.vipResponder(r.port('ext-localnet')!, '172.16.0.100')).toMatchObject({ port: 'lr0-ext', router: 'lr0', why: expect.stringMatching(/ls_in_l2_lkup/) });
    // A direct NB with no groups anywhere has no such note.
    expect(must(lb, '10.2.0.100').notes.join('\n')).not.toMatch(/Load_Balancer_Group/);
  });
});

describe('--to IP that is a load-balancer VIP: the packet’s protocol and port pick the VIP (fixtures/lb-nat-3chassis)', () => {
  // The fixture's lr0-ext is 172.16.0.10/24 on lr0 (the gateway port), and lb-web's VIP is
  // 10.2.0.100:80. The NB below adds what OVN-Kubernetes makes: a NodePort load balancer whose VIP
  // is the gateway router's own address, and two Services on one ClusterIP with different ports.
  function withLbs(extra: { name: string; vips: Record<string, string>; protocol?: string }[]): SnapshotView {
    const nb = lb.nb!;
    const template = nb.loadBalancers[0]!;
    const added = extra.map((x, i) => ({ ...template, uuid: `00000000-0000-4000-8000-00000000000${i}`, name: x.name, vips: x.vips, protocol: x.protocol }));
    const uuids = added.map((x) => x.uuid);
    // Ahead of the fixture's own, so that "the first VIP on the address" is one of them.
    return {
      ...lb,
      nb: { ...nb, loadBalancers: [...added, ...nb.loadBalancers], routers: nb.routers.map((r) => (r.name === 'lr0' ? { ...r, loadBalancer: [...uuids, ...r.loadBalancer] } : r)) },
    };
  }
  const resolveWith = (v: SnapshotView, text: string, packet?: PacketMatch): Endpoint => {
    const r = resolveEndpoint(v, text, { label: '--to', ...(packet ? { packet } : {}) });
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };

  describe('NodePort: a VIP on a router port’s own address', () => {
    const np = () => withLbs([{ name: 'lb-np', vips: { '172.16.0.10:30080': '10.2.1.11:80' }, protocol: 'tcp' }]);

    it('the premise: without load balancers there, 172.16.0.10 is router port lr0-ext', () => {
      expect(resolveWith(lb, '172.16.0.10', { kind: 'tcp', port: 30080 })).toMatchObject({ kind: 'router', logicalPort: 'lr0-ext', router: 'lr0' });
    });

    it('a packet matching the VIP’s protocol and port is the load balancer’s (lr_in_dnat takes it before the router answers)', () => {
      const e = resolveWith(np(), '172.16.0.10', { kind: 'tcp', port: 30080 });
      expect(e).toMatchObject({ kind: 'lb-vip', matchedBy: 'lb-vip', ip: '172.16.0.10', logicalPort: undefined, lb: { name: 'lb-np', vip: '172.16.0.10:30080', backends: ['10.2.1.11:80'], datapaths: ['lr0'] } });
      expect(e.notes.join('\n')).toContain('172.16.0.10 is also the address of router port lr0-ext (lr0); tcp port 30080 matches VIP 172.16.0.10:30080');
    });

    it('anything else to that address is the router port’s: ICMP, ARP, another port, another protocol, or no packet given', () => {
      for (const packet of [{ kind: 'icmp' }, { kind: 'arp' }, { kind: 'tcp', port: 30081 }, { kind: 'udp', port: 30080 }, undefined] as const) {
        const e = resolveWith(np(), '172.16.0.10', packet);
        expect(e, JSON.stringify(packet)).toMatchObject({ kind: 'router', logicalPort: 'lr0-ext' });
        expect(e.notes.join('\n'), JSON.stringify(packet)).toContain('172.16.0.10 is also VIP 172.16.0.10:30080 (lb-np)');
      }
    });

    it('a port-less VIP on the address takes every IP packet, as its flow matches only the address', () => {
      const v = withLbs([{ name: 'lb-all', vips: { '172.16.0.10': '10.2.1.11' } }]);
      expect(resolveWith(v, '172.16.0.10', { kind: 'icmp' })).toMatchObject({ kind: 'lb-vip', lb: { name: 'lb-all' } });
      expect(resolveWith(v, '172.16.0.10', { kind: 'arp' })).toMatchObject({ kind: 'router' });
    });
  });

  describe('several load balancers on one VIP address', () => {
    const two = () => withLbs([
      { name: 'lb-s2', vips: { '10.2.0.104:81': '10.2.2.12:8080' }, protocol: 'tcp' },
      { name: 'lb-s1', vips: { '10.2.0.104:80': '10.2.2.11:8080' }, protocol: 'tcp' },
    ]);

    it('the one whose port and protocol match the packet, whichever is listed first', () => {
      const e80 = resolveWith(two(), '10.2.0.104', { kind: 'tcp', port: 80 });
      expect(e80.lb).toMatchObject({ name: 'lb-s1', vip: '10.2.0.104:80', backends: ['10.2.2.11:8080'] });
      expect(e80.notes.join('\n')).toContain('this packet matches 10.2.0.104:80 of lb-s1');
      expect(resolveWith(two(), '10.2.0.104', { kind: 'tcp', port: 81 }).lb).toMatchObject({ name: 'lb-s2', vip: '10.2.0.104:81' });
    });

    it('the protocol counts: UDP to port 80 is not a TCP VIP’s', () => {
      const v = withLbs([
        { name: 'lb-dns-tcp', vips: { '10.2.0.105:53': '10.2.2.11:53' }, protocol: 'tcp' },
        { name: 'lb-dns-udp', vips: { '10.2.0.105:53': '10.2.2.12:53' }, protocol: 'udp' },
      ]);
      expect(resolveWith(v, '10.2.0.105', { kind: 'udp', port: 53 }).lb!.name).toBe('lb-dns-udp');
      expect(resolveWith(v, '10.2.0.105', { kind: 'tcp', port: 53 }).lb!.name).toBe('lb-dns-tcp');
    });

    it('an exact port wins over a port-less VIP, which takes the other ports', () => {
      const v = withLbs([
        { name: 'lb-any', vips: { '10.2.0.104': '10.2.2.12' } },
        { name: 'lb-s1', vips: { '10.2.0.104:80': '10.2.2.11:8080' }, protocol: 'tcp' },
      ]);
      expect(resolveWith(v, '10.2.0.104', { kind: 'tcp', port: 80 }).lb!.name).toBe('lb-s1');
      expect(resolveWith(v, '10.2.0.104', { kind: 'tcp', port: 82 }).lb!.name).toBe('lb-any');
    });

    it('no VIP matching (or no packet given): the first, with the note that the port and protocol pick', () => {
      for (const packet of [{ kind: 'tcp', port: 82 } as const, undefined]) {
        const e = resolveWith(two(), '10.2.0.104', packet);
        expect(e.lb!.name).toBe('lb-s2');
        expect(e.notes.join('\n')).toContain('10.2.0.104 is a VIP of lb-s2 (10.2.0.104:81), lb-s1 (10.2.0.104:80); the port and protocol pick which one applies');
      }
    });
  });
});
