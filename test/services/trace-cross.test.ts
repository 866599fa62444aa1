// Cross-host traces on the bundled fixtures (snapshots of real OVN sandboxes): --from/--to from
// names, tunnel continuation with OVN's encoding, typed drops with their evidence, --reply, the
// path picture, DOT and the CLI. Expectations follow from the topologies that produced the
// fixtures (test/harness/topologies.ts); the live suite test/trace/cross-host.live.test.ts checks
// the same machinery against ofproto/trace and ovn-trace.

import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lazyFlowList } from '../../src/model/flow-list.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { formatFlow, parseOfctlFlows } from '../../src/parse/ofctl-flows.js';
import { renderTrace, verdictLine } from '../../src/render/trace.js';
import { renderTraceDot } from '../../src/render/trace-dot.js';
import { renderPathHeader } from '../../src/render/trace-path.js';
import { makeStyle } from '../../src/render/style.js';
import { trace, traceEndpointsIn, verdictExitCode, type TraceReport, type TraceRequest } from '../../src/services/trace.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { runCli } from '../harness/cli.js';
import { endpointReport } from '../harness/trace-report.js';

const root = resolve(import.meta.dirname, '../..');
const fixture = (name: string) => join(root, 'fixtures', name);
const plain = makeStyle({ isTTY: false }, {});

async function load(name: string, hosts?: string[]): Promise<Snapshot> {
  const r = await loadSnapshot(fixture(name), hosts ? { hosts } : {});
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const run = (snapshot: Snapshot, req: Partial<TraceRequest> & Pick<TraceRequest, 'from' | 'to'>): TraceReport => endpointReport(snapshot, req);

let l3: Snapshot;
let lb: Snapshot;
beforeAll(async () => {
  [l3, lb] = await Promise.all([load('l3-acl'), load('lb-nat-3chassis')]);
});

describe('trace --from/--to: the packet a guest sends', () => {
  it('is built from the bindings: MACs, IPs, the gateway\'s MAC off-subnet, TTL 64, source port 40000', () => {
    const r = run(l3, { from: 'web-vm-1', to: 'db1', protocol: { kind: 'tcp', port: 5432 } });
    expect(r.packet).toMatchObject({
      entry: { kind: 'vif', host: 'hv1', bridge: 'br-int', port: 'tapweb1', ofport: 4 },
      family: 4,
      dlSrc: '0a:00:01:01:00:11',
      dlDst: '0a:00:01:ff:01:01',
      nwSrc: '10.1.1.11',
      nwDst: '10.1.2.11',
      sport: 40000,
      dport: 5432,
      ttl: 64,
      nextHop: { kind: 'gateway', port: 'lr0-web', router: 'lr0' },
    });
    expect(r.input).toBe('in_port=tapweb1,tcp,dl_src=0a:00:01:01:00:11,dl_dst=0a:00:01:ff:01:01,nw_src=10.1.1.11,nw_dst=10.1.2.11,nw_ttl=64,tcp_src=40000,tcp_dst=5432');
    expect(r.from).toMatchObject({ logicalPort: 'web1', matchedBy: 'neutron-device-id' });
    expect(r.path).toMatchObject({ datapaths: ['web', 'lr0', 'db'], chassis: [{ chassis: 'hv1', roles: ['source'] }, { chassis: 'hv2', roles: ['destination'] }] });
  });

  it('same subnet: straight to the destination MAC; ARP asks for the destination (or the gateway)', () => {
    const same = run(l3, { from: 'web1', to: 'web3', protocol: { kind: 'icmp' } });
    expect(same.packet).toMatchObject({ dlDst: '0a:00:01:01:00:13', nextHop: { kind: 'direct' } });
    expect(same.input).toMatch(/,icmp,.*icmp_type=8,icmp_code=0$/);
    const arp = run(l3, { from: 'web1', to: 'db1', protocol: { kind: 'arp' } });
    expect(arp.input).toBe('in_port=tapweb1,arp,dl_src=0a:00:01:01:00:11,dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=10.1.1.11,arp_tpa=10.1.1.1,arp_sha=0a:00:01:01:00:11');
    // The ARP responder answers for the router, back out of the source port.
    expect(arp.verdict).toBe('delivered');
    expect(arp.delivered).toEqual([expect.objectContaining({ logicalPort: 'web1', host: 'hv1' })]);
    expect(arp.reachedDestination).toBe(true);
  });

  it('--arp --dst-mac sends a unicast ARP request (a guest refreshing its cache entry) to that MAC; the responder answers it as a broadcast one', () => {
    // OVN's ARP responder (ls_in_arp_rsp `arp.tpa == 10.1.1.1 && arp.op == 1`) does not look at
    // eth.dst, so the unicast request to lr0-web's MAC is answered like the broadcast one above.
    const arp = run(l3, { from: 'web1', to: 'db1', protocol: { kind: 'arp' }, dstMac: '0A:00:01:FF:01:01' });
    expect(arp.input).toBe('in_port=tapweb1,arp,dl_src=0a:00:01:01:00:11,dl_dst=0a:00:01:ff:01:01,arp_op=1,arp_spa=10.1.1.11,arp_tpa=10.1.1.1,arp_sha=0a:00:01:01:00:11');
    expect(arp.packet).toMatchObject({ dlDst: '0a:00:01:ff:01:01' });
    expect(arp).toMatchObject({ verdict: 'delivered', arpAnswer: 'reply', reachedDestination: true });
    expect(arp.delivered).toEqual([expect.objectContaining({ logicalPort: 'web1', host: 'hv1' })]);
  });

  it('the Packet line of an ARP request has no TTL and is not "via gateway": it asks for the gateway', () => {
    const packetLine = (r: TraceReport) => renderPathHeader(r, plain).find((l) => l.startsWith('Packet'))!;
    const off = packetLine(run(l3, { from: 'web1', to: 'db1', protocol: { kind: 'arp' } }));
    expect(off).toBe('Packet arp who-has 10.1.1.1, 10.1.1.11 → 10.1.1.1, 0a:00:01:01:00:11 → ff:ff:ff:ff:ff:ff (asks for the gateway lr0-web (lr0): the destination is off-subnet), 42 B');
    expect(packetLine(run(l3, { from: 'web1', to: 'web2', protocol: { kind: 'arp' } }))).toMatch(/\(same subnet\), 42 B$/);
    // An IP packet keeps both.
    expect(packetLine(run(l3, { from: 'web1', to: 'db1', protocol: { kind: 'icmp' } }))).toMatch(/\(via gateway lr0-web \(lr0\) 0a:00:01:ff:01:01\), TTL 64, \d+ B$/);
  });

  it('--sport, --ttl and the address overrides are used as given', () => {
    const r = run(l3, { from: 'web1', to: 'db2', protocol: { kind: 'udp', port: 53 }, sport: 5353, ttl: 9, srcMac: '0a:00:01:01:00:99' });
    expect(r.input).toBe('in_port=tapweb1,udp,dl_src=0a:00:01:01:00:99,dl_dst=0a:00:01:ff:01:01,nw_src=10.1.1.11,nw_dst=10.1.2.12,nw_ttl=9,udp_src=5353,udp_dst=53');
  });
});

describe('trace --arp to a load-balancer VIP on the sender\'s subnet', () => {
  // l3-acl plus a load balancer on switch web only, its VIP in web's subnet and backed by web3:
  // OVN adds no ARP flow for a switch-only VIP (ls_in_arp_rsp answers for port addresses, a router's
  // lr_in_ip_input for the VIPs of the router's own load balancers; see ovn-northd(8)), so the
  // fixture's flows are what OVN would install for it, and the request is flooded. The router case
  // is checked against the live system in test/trace/lb-vip-subnet.live.test.ts.
  const switchOnlyLb = (): Snapshot => {
    const lb = { uuid: '0b0b0b0b-0000-4000-8000-000000000001', name: 'lbsw', vips: { '10.1.1.200:80': '10.1.1.13:8080' }, protocol: 'tcp', options: {}, externalIds: {}, selectionFields: [], healthCheck: [], raw: { index: 0, uuid: '0b0b0b0b-0000-4000-8000-000000000001', cells: new Map() } };
    const nb = l3.nb!;
    return { ...l3, nb: { ...nb, loadBalancers: [...nb.loadBalancers, lb], switches: nb.switches.map((sw) => (sw.name === 'web' ? { ...sw, loadBalancer: [...sw.loadBalancer, lb.uuid] } : sw)) } };
  };

  it('nobody answers: the flooded copy that reaches a backend is not an answer — not reached, exit 1, and the note says what to check', () => {
    const r = run(switchOnlyLb(), { from: 'web1', to: '10.1.1.200', protocol: { kind: 'arp' } });
    expect(r.to).toMatchObject({ kind: 'lb-vip', lb: { name: 'lbsw' } });
    expect(r.input).toMatch(/,arp,.*arp_op=1,arp_spa=10\.1\.1\.11,arp_tpa=10\.1\.1\.200,/);
    // The request is flooded on web: web3 (the backend) gets a copy, and so does web2.
    expect(r.delivered!.map((d) => d.logicalPort).sort()).toEqual(['web2', 'web3']);
    expect(r.arpAnswer).toBe('none');
    expect(r.reachedDestination).toBe(false);
    expect(verdictExitCode(r)).toBe(1);
    expect(verdictLine(r, plain)).toMatch(/ — nobody answered the ARP request for 10\.1\.1\.200 \(only the flooded request was delivered\)$/);
    const note = r.warnings.find((w) => w.startsWith('nobody answers ARP for 10.1.1.200 on web'));
    expect(note, r.warnings.join('\n')).toMatch(/VIP 10\.1\.1\.200:80 of load balancer lbsw, which is on no router with a port on web .*the copies that reach web2, web3 are not answers .*ovn-nbctl lr-lb-add ROUTER lbsw/);
    // The "a guest would ARP first" note is for the packets after the ARP, not for the ARP itself.
    expect(r.warnings.join('\n')).not.toMatch(/a guest would ARP first/);
  });

  it('an ARP answered by the port that has the address: the verdict line names it among the flooded copies', () => {
    // web3 given a second address, 10.1.1.201, that OVN's ARP responder has no flow for (the
    // fixture's flows predate it, as for a secondary IP the guest itself owns): the request is
    // flooded to web2 and web3, and web3 answers it itself (arpAnswer owner).
    const v: Snapshot = { ...l3, sb: { ...l3.sb!, portBindings: l3.sb!.portBindings.map((pb) => (pb.logicalPort === 'web3' ? { ...pb, mac: pb.mac.map((m) => `${m} 10.1.1.201`) } : pb)) } };
    const r = run(v, { from: 'web1', to: '10.1.1.201', protocol: { kind: 'arp' } });
    expect(r.to).toMatchObject({ kind: 'vif', logicalPort: 'web3' });
    expect(r.delivered!.map((d) => d.logicalPort).sort()).toEqual(['web2', 'web3']);
    expect(r).toMatchObject({ arpAnswer: 'owner', reachedDestination: true });
    expect(verdictLine(r, plain)).toMatch(/^answered by web3 \(has 10\.1\.1\.201; the other ports got the flooded request\): delivered to (web2|web3) .*, (web2|web3) /);
  });

  it('an ARP answered by ports that have the address: the verdict line names those the service found (arpAnsweredBy), not its own guess', () => {
    const v: Snapshot = { ...l3, sb: { ...l3.sb!, portBindings: l3.sb!.portBindings.map((pb) => (pb.logicalPort === 'web3' ? { ...pb, mac: pb.mac.map((m) => `${m} 10.1.1.201`) } : pb)) } };
    const r = run(v, { from: 'web1', to: '10.1.1.201', protocol: { kind: 'arp' } });
    expect(r.arpAnsweredBy).toEqual(['web3']);
    // Two owners (a duplicate address): the line names both, whichever one --to resolved to.
    expect(verdictLine({ ...r, arpAnsweredBy: ['web2', 'web3'] }, plain)).toMatch(/^answered by web2, web3 \(has 10\.1\.1\.201\): delivered to /);
  });

  it('an ARP for a port\'s address is answered by the ARP responder, back to the sender (reply), and is reached', () => {
    const r = run(switchOnlyLb(), { from: 'web1', to: 'web3', protocol: { kind: 'arp' } });
    expect(r).toMatchObject({ arpAnswer: 'reply', reachedDestination: true });
    expect(r.delivered).toEqual([expect.objectContaining({ logicalPort: 'web1' })]);
  });
});

describe('a VIP on the sender\'s subnet in a snapshot without the NB Load_Balancer_Group listing', () => {
  // l3-acl (collected without the listing) plus a load balancer attached directly nowhere, and web
  // and lr0 taking load balancers through a group: the group may hold it, so "on no switch or
  // router" is not known. The messages carry the caveat of the VIP endpoint's note instead.
  const unlisted = (): Snapshot => {
    const lb = { uuid: '0b0b0b0b-0000-4000-8000-000000000002', name: 'lbgrp', vips: { '10.1.1.200:80': '10.1.1.13:8080' }, protocol: 'tcp', options: {}, externalIds: {}, selectionFields: [], healthCheck: [], raw: { index: 0, uuid: '0b0b0b0b-0000-4000-8000-000000000002', cells: new Map() } };
    const nb = l3.nb!;
    const G = '0c0c0c0c-0000-4000-8000-000000000001';
    return {
      ...l3,
      nb: {
        ...nb,
        loadBalancers: [...nb.loadBalancers, lb],
        switches: nb.switches.map((sw) => (sw.name === 'web' ? { ...sw, loadBalancerGroup: [G] } : sw)),
        routers: nb.routers.map((r) => (r.name === 'lr0' ? { ...r, loadBalancerGroup: [G] } : r)),
      },
    };
  };
  const caveat = 'lbgrp is on no switch or router as far as the snapshot shows; the snapshot has no NB Load_Balancer_Group listing, but web, lr0 take load balancers through groups, so lbgrp may be on those too (collect again with this ovnscope to list the groups)';

  it('the premise: the listing is absent and the load balancer is attached directly nowhere', () => {
    const v = unlisted();
    expect(v.nb!.loadBalancerGroups).toBeUndefined();
    expect([...v.nb!.switches, ...v.nb!.routers].filter((d) => d.loadBalancer.includes('0b0b0b0b-0000-4000-8000-000000000002'))).toEqual([]);
  });

  it('the packet a guest would not send: the refusal says no router is known to answer, not that the load balancer is on none', () => {
    const r = traceEndpointsIn(unlisted(), { snapshot: l3.dir, bridge: 'br-int', ctNext: [], detail: 'minimal', followTunnels: true, from: 'web1', to: '10.1.1.200', protocol: { kind: 'tcp', port: 80 } });
    if (r.ok) throw new Error(`traced ${r.value.report.input}`);
    expect(r.error.exitCode).toBe(1);
    expect(r.error.message).toContain(`--to 10.1.1.200: 10.1.1.200 is on web's subnet, but no router port on web is known to answer ARP/ND for it: ${caveat}. OVN's switches answer for no VIP: if no router on web has lbgrp,`);
    expect(r.error.message).not.toMatch(/is on no switch or router[,)]/);
  });

  it('--arp that nobody answered: the note says where the snapshot shows it, with the caveat', () => {
    const r = run(unlisted(), { from: 'web1', to: '10.1.1.200', protocol: { kind: 'arp' } });
    expect(r.arpAnswer).toBe('none');
    const note = r.warnings.find((w) => w.startsWith('nobody answered the ARP request for 10.1.1.200 on web'));
    expect(note, r.warnings.join('\n')).toContain(`VIP 10.1.1.200:80 of load balancer lbgrp, on no router with a port on web that the snapshot shows: ${caveat}.`);
    expect(r.warnings.join('\n')).not.toMatch(/is on no switch or router;/);
  });
});

describe('trace --from/--to: which IP family the packet has', () => {
  // l3-acl with web1 and web3 made dual-stack (as the ipv6 topology's ports are): the family is
  // the typed address's; names alone keep the port's first IPv4 (test/trace/ipv6.live.test.ts
  // checks the verdicts against ofproto/trace on the ipv6 sandbox).
  const dualStack = (): Snapshot => {
    const v6: Record<string, string> = { web1: 'fd01::11', web3: 'fd01::13' };
    return { ...l3, sb: { ...l3.sb!, portBindings: l3.sb!.portBindings.map((pb) => (v6[pb.logicalPort] ? { ...pb, mac: pb.mac.map((m) => `${m} ${v6[pb.logicalPort]}`) } : pb)) } };
  };
  const refused = (snapshot: Snapshot, req: Partial<TraceRequest> & Pick<TraceRequest, 'from' | 'to'>) => {
    const r = traceEndpointsIn(snapshot, { snapshot: snapshot.dir, bridge: 'br-int', ctNext: [], detail: 'minimal', followTunnels: true, ...req });
    if (r.ok) throw new Error(`traced ${r.value.report.input}`);
    return r.error;
  };

  it('an IPv6 address on either side makes it IPv6, from the other side\'s IPv6 address of the same port', () => {
    const s = dualStack();
    for (const [from, to] of [['web1', 'fd01::13'], ['fd01::11', 'web3'], ['fd01::11', 'fd01::13']] as const) {
      const r = run(s, { from, to, protocol: { kind: 'tcp', port: 22 } });
      expect(r.packet, `${from} → ${to}`).toMatchObject({ family: 6, nwSrc: 'fd01::11', nwDst: 'fd01::13' });
      expect(r.input).toMatch(/,tcp6,.*,ipv6_src=fd01::11,ipv6_dst=fd01::13,/);
    }
    // --arp toward an IPv6 address is a neighbour solicitation, not an ARP request.
    expect(run(s, { from: 'web1', to: 'fd01::13', protocol: { kind: 'arp' } }).input).toMatch(/,icmp6,.*,icmpv6_type=135,icmpv6_code=0,nd_target=fd01::13,/);
    // With --dst-mac, the unicast solicitation of neighbour unreachability detection (RFC 4861
    // 7.3.1): to the target's own address and MAC, not the solicited-node group.
    expect(run(s, { from: 'web1', to: 'fd01::13', protocol: { kind: 'arp' }, dstMac: '0a:00:01:01:00:13' }).input).toMatch(/,icmp6,dl_src=0a:00:01:01:00:11,dl_dst=0a:00:01:01:00:13,ipv6_src=fd01::11,ipv6_dst=fd01::13,nw_ttl=255,icmpv6_type=135,icmpv6_code=0,nd_target=fd01::13,/);
    // An IPv4 address keeps IPv4; names alone keep the port's first IPv4 (today's default).
    expect(run(s, { from: 'web1', to: '10.1.1.13' }).packet).toMatchObject({ family: 4, nwSrc: '10.1.1.11', nwDst: '10.1.1.13' });
    expect(run(s, { from: 'web1', to: 'web3' }).packet).toMatchObject({ family: 4, nwSrc: '10.1.1.11', nwDst: '10.1.1.13' });
  });

  it('addresses of two families, or an IPv6 --to from a port without IPv6, are usage errors naming what is missing', () => {
    const s = dualStack();
    expect(refused(s, { from: '10.1.1.11', to: 'fd01::13' })).toMatchObject({ exitCode: 2, message: '--from 10.1.1.11 is IPv4 and --to fd01::13 is IPv6: a packet has one family; give addresses of the same family (or a name on one side)' });
    expect(refused(s, { from: 'web1', to: 'fd01::13', srcIp: '10.1.1.11' })).toMatchObject({ exitCode: 2, message: expect.stringMatching(/^--src-ip 10\.1\.1\.11 is IPv4 and --to fd01::13 is IPv6: /) });
    // web2 has no IPv6 address.
    expect(refused(s, { from: 'web2', to: 'fd01::13' })).toMatchObject({ exitCode: 2, message: '--from web2: web2 has no IPv6 address, and --to fd01::13 is IPv6: give --src-ip, or an IPv4 --to' });
  });
});

describe('following GENEVE tunnels', () => {
  it('continues on the remote chassis at its tunnel port with tun_id, tun_src, tun_dst and tun_metadata0 as OVN encodes them', () => {
    const r = run(l3, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 } });
    expect(r.verdict).toBe('delivered');
    expect(r.hops.map((h) => `${h.host}/${h.bridge}/${h.entry?.kind}/${h.verdict}`)).toEqual(['hv1/br-int/start/tunnel', 'hv2/br-int/tunnel/delivered']);
    const out = r.hops[0]!.outputs[0]!;
    // db is datapath 2 (the VNI); db-lr0 (key 1) → db1 (key 3): (1 << 16) | 3.
    expect(out).toMatchObject({ port: 'ovn-hv2-0', kind: 'tunnel', logicalPort: 'db1', tunnel: { tunId: '0x2', tunSrc: '192.168.0.1', tunDst: '192.168.0.2', remoteIp: '192.168.0.2', chassis: 'hv2', metadata0: '0x10003', datapath: 'db', inport: 'db-lr0', outport: 'db1' }, next: { status: 'followed', hop: 1, host: 'hv2' } });
    const hop2 = r.hops[1]!;
    expect(hop2.entry).toMatchObject({ kind: 'tunnel', port: 'ovn-hv1-0', ofport: 1, fromHop: 0, fromHost: 'hv1', fromPort: 'ovn-hv2-0', tunnel: { tunId: '0x2', tunSrc: '192.168.0.1', tunDst: '192.168.0.2', metadata0: '0x10003' } });
    // The remote hop's input is a flow ofproto/trace takes as is: the tunnel metadata and the headers as they left hv1.
    expect(hop2.input).toBe('in_port="ovn-hv1-0",tun_id=0x2,tun_src=192.168.0.1,tun_dst=192.168.0.2,tun_metadata0=0x10003,tcp,dl_src=0a:00:01:ff:02:01,dl_dst=0a:00:01:02:00:11,nw_src=10.1.1.11,nw_dst=10.1.2.11,nw_ttl=63,tcp_src=40000,tcp_dst=5432');
    expect(hop2.outputs).toEqual([expect.objectContaining({ port: 'tapdb1', kind: 'local', logicalPort: 'db1', next: { status: 'delivered', logicalPort: 'db1' } })]);
    expect(r.delivered).toEqual([{ hop: 1, host: 'hv2', port: 'tapdb1', logicalPort: 'db1', kind: 'local' }]);
    expect(r.reachedDestination).toBe(true);
    // Each hop says how to replay it: its flow and the ct states of its recirculations.
    expect(r.hops[0]!.ctNext?.length).toBeGreaterThan(0);
    expect(r.tree.filter((n) => n.kind === 'hop').map((n) => n.text)).toEqual(['hv1: br-int ← tapweb1 (ofport 4)', 'hv2: br-int ← ovn-hv1-0 (tunnel from hv1: tun_id=0x2, tun_src=192.168.0.1, tun_dst=192.168.0.2, tun_metadata0=0x10003 = db, db-lr0 → db1)']);
  });

  it('names every step: datapaths, ACLs with their NB rows, routes, load balancers with the backend chosen', () => {
    const r = run(l3, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 } });
    expect(r.hops[0]!.datapaths).toEqual(['web', 'lr0', 'db']);
    expect(r.hops[0]!.steps!.map((s) => s.text)).toEqual(['ACL "pg_web-egress" from-lport 1001 allow-related (port group pg_web): inport == @pg_web && ip4', 'route 10.1.2.0/24 → lr0-db']);
    expect(r.hops[1]!.steps![0]).toMatchObject({ kind: 'acl', datapath: 'db', stage: 'ls_out_acl', nb: { kind: 'acl', row: { name: 'web-to-db', direction: 'to-lport', priority: 1001, portGroup: 'pg_db' } } });
    const viaLb = run(lb, { from: 'a1', to: '10.2.0.100', protocol: { kind: 'tcp', port: 80 }, lbDst: '10.2.2.12:8080' });
    expect(viaLb.verdict).toBe('delivered');
    expect(viaLb.delivered).toEqual([expect.objectContaining({ logicalPort: 'b2', host: 'hv2' })]);
    expect(viaLb.lbChoices).toEqual([expect.objectContaining({ host: 'hv1', backend: '10.2.2.12:8080', why: '--lb-dst 10.2.2.12:8080' })]);
    expect(viaLb.hops[0]!.steps!.some((s) => s.kind === 'lb' && /load balancer lb-web: .*10\.2\.0\.100.* → backend 10\.2\.2\.12:8080$/.test(s.text))).toBe(true);
    expect(viaLb.hops[0]!.input).toMatch(/,dp_hash=0x[0-9a-f]+$/);
    expect(viaLb.reachedDestination).toBe(true);
    // Without --lb-dst the first backend is taken, and the choice is said.
    const first = run(lb, { from: 'a1', to: '10.2.0.100', protocol: { kind: 'tcp', port: 80 } });
    expect(first.delivered).toEqual([expect.objectContaining({ logicalPort: 'b1' })]);
    expect(first.warnings.join('\n')).toMatch(/bucket 0 \(backend 10\.2\.2\.11:8080\) chosen by the first bucket .*choose with --lb-dst/);
  });

  it('a chassis not in the snapshot ends the trace with REMOTE_NOT_COLLECTED and the collect command', async () => {
    const only = await load('l3-acl', ['hv1']);
    const r = run(only, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 } });
    expect(r.verdict).toBe('error');
    expect(r.drop).toMatchObject({ reason: 'REMOTE_NOT_COLLECTED', host: 'hv1' });
    expect(r.incomplete).toMatchObject({ chassis: 'hv2', hint: 'collect it: chassis hv2, TEP 192.168.0.2: ovnscope collect --host hv2 --out DIR — or only the chassis on this path: ovnscope collect -i INVENTORY --from web1 --to db1 --out DIR' });
    expect(r.hops[0]!.outputs[0]!.next).toMatchObject({ status: 'not-collected', chassis: 'hv2', remoteIp: '192.168.0.2' });
    expect(verdictLine(r, plain)).toMatch(/^trace stopped: REMOTE_NOT_COLLECTED: the packet left hv1 through ovn-hv2-0 \(tun_id=0x2, tun_metadata0=0x10003, for db1\), but chassis hv2 \(192\.168\.0\.2\) is not in the snapshot\. collect it: /);
  });

  it('an action ovnscope does not simulate where the packet would leave: verdict error, UNSUPPORTED at that flow (file:line) with the hop to replay, not a table miss', () => {
    // hv1's flow that sends db1's packets into the tunnel, with its output replaced by an action
    // the simulator does not follow (as OVN's L3-HA `bundle` once was).
    const hv1 = l3.hosts.find((h) => h.name === 'hv1')!;
    const tunnel = hv1.bridges.find((b) => b.name === 'br-int')!.ports.find((p) => p.name === 'ovn-hv2-0')!.ofport;
    const lines: number[] = [];
    const hosts = l3.hosts.map((h) =>
      h !== hv1
        ? h
        : {
            ...h,
            bridges: h.bridges.map((b) => ({
              ...b,
              flows: Array.from({ length: b.flows.length }, (_, i) => {
                const f = b.flows[i]!;
                if (!f.actions.some((a) => a.type === 'output' && a.port.kind === 'number' && a.port.port === tunnel)) return f;
                lines.push(f.line);
                const text = formatFlow(f).replace(new RegExp(`output:${tunnel}\\b`), 'multipath(eth_src,50,modulo_n,1,0,NXM_NX_REG0[])');
                return { ...parseOfctlFlows(text).value.flows[0]!, line: f.line };
              }),
            })),
          },
    );
    expect(lines.length).toBeGreaterThan(0);
    const r = run({ ...l3, hosts }, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 } });
    expect(r.verdict).toBe('error');
    expect(r.drop).toMatchObject({ reason: 'UNSUPPORTED', host: 'hv1' });
    expect(lines).toContain(r.drop!.line);
    expect(r.drop!.explanation).toContain(`action multipath is not simulated by ovnscope (table ${r.drop!.table}, hosts/hv1/ovs-ofctl.dump-flows.br-int.out:${r.drop!.line})`);
    expect(r.incomplete?.hint).toMatch(/^replay the hop by hand: ovs-appctl ofproto\/trace br-int 'in_port=tapweb1,tcp,.*' on hv1$/);
    expect(verdictLine(r, plain)).toMatch(/^trace stopped: hv1: action multipath is not simulated by ovnscope/);
  });

  it('a receiving chassis without a tunnel port for the sender drops it (TUNNEL_NOT_FOUND)', () => {
    const hosts = l3.hosts.map((h) => (h.name !== 'hv2' ? h : { ...h, bridges: h.bridges.map((b) => ({ ...b, ports: b.ports.filter((p) => p.role.kind !== 'tunnel') })) }));
    const r = run({ ...l3, hosts }, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 } });
    expect(r.verdict).toBe('dropped');
    expect(r.drop).toMatchObject({ reason: 'TUNNEL_NOT_FOUND', host: 'hv2', explanation: expect.stringMatching(/hv2 has no geneve port with options:remote_ip=192\.168\.0\.1/) });
  });

  it('--no-follow-tunnels stops at the tunnel port (verdict tunnel)', () => {
    const r = run(l3, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 }, followTunnels: false });
    expect(r.verdict).toBe('tunnel');
    expect(r.hops).toHaveLength(1);
    expect(r.hops[0]!.outputs[0]!.next).toMatchObject({ status: 'not-followed' });
  });
});

describe('typed drops with their evidence', () => {
  it('ACL_DROP: the NB ACL (name, direction, priority, match, port group), the logical flow and the OpenFlow flow with file:line', () => {
    const r = run(l3, { from: 'web-vm-1', to: 'db2', protocol: { kind: 'tcp', port: 22 } });
    expect(r.verdict).toBe('dropped');
    expect(r.drop).toMatchObject({
      reason: 'ACL_DROP',
      host: 'hv1',
      bridge: 'br-int',
      flow: expect.stringMatching(/^hosts\/hv1\/ovs-ofctl\.dump-flows\.br-int\.out:\d+: cookie=0x[0-9a-f]+, .*table=\d+, .*actions=drop$/),
      logicalFlow: { stage: 'ls_out_acl', datapath: 'db', pipeline: 'egress' },
      nb: { kind: 'acl', row: { name: 'pg_db-default-drop', direction: 'to-lport', priority: 1000, match: 'outport == @pg_db && ip4', action: 'drop', portGroup: 'pg_db' } },
    });
    expect(verdictLine(r, plain)).toMatch(/^ACL_DROP: dropped by ACL "pg_db-default-drop" to-lport priority 1000 `outport == @pg_db && ip4` drop on port group pg_db \(ls_out_acl, table \d+ on db\) \[hv1 br-int\]$/);
  });

  it('ACL_DROP by a reject ACL (the punt is the reject, not a delivery)', () => {
    const r = run(l3, { from: 'web3', to: 'db1', protocol: { kind: 'udp', port: 53 } });
    expect(r).toMatchObject({ verdict: 'dropped', drop: { reason: 'ACL_DROP', host: 'hv2', nb: { row: { name: 'web3-no-udp-to-db', action: 'reject' } } } });
    expect(r.drop!.explanation).toMatch(/^rejected by ACL "web3-no-udp-to-db"/);
  });

  it('PORT_SECURITY names the port and what it allows', () => {
    const r = run(l3, { from: 'web1', to: 'web2', protocol: { kind: 'tcp', port: 80 }, srcIp: '10.1.1.99' });
    expect(r.drop).toMatchObject({ reason: 'PORT_SECURITY', nb: { kind: 'switch-port', row: { name: 'web1', portSecurity: ['0a:00:01:01:00:11 10.1.1.11'] } } });
    expect(r.drop!.explanation).toMatch(/port security of web1 allows "0a:00:01:01:00:11 10\.1\.1\.11"; the packet comes from 0a:00:01:01:00:11 10\.1\.1\.99/);
  });

  it('PORT_SECURITY at egress names the outport and what the packet is sent to, not the sender', () => {
    // To web2's MAC with an address web2's port security does not hold: ls_l2_lkup sends it to web2,
    // and web2's egress port security (ls_out_apply_port_sec) drops it. web1's own is not involved.
    const r = run(l3, { from: 'web1', to: '10.1.1.99', protocol: { kind: 'tcp', port: 80 }, dstMac: '0a:00:01:01:00:12' });
    expect(r.drop).toMatchObject({ reason: 'PORT_SECURITY', logicalFlow: { stage: 'ls_out_apply_port_sec', pipeline: 'egress' }, nb: { kind: 'switch-port', row: { name: 'web2', portSecurity: ['0a:00:01:01:00:12 10.1.1.12'] } } });
    expect(r.drop!.explanation).toMatch(/^dropped: port security of web2 allows "0a:00:01:01:00:12 10\.1\.1\.12"; the packet goes to 0a:00:01:01:00:12 10\.1\.1\.99 \(ls_out_apply_port_sec, table \d+ on web\)$/);
  });

  it('NO_ROUTE lists what the router has', () => {
    const r = run(l3, { from: 'web1', to: '10.9.9.9', protocol: { kind: 'icmp' } });
    expect(r.drop).toMatchObject({ reason: 'NO_ROUTE', logicalFlow: { stage: 'lr_in_ip_routing', datapath: 'lr0' } });
    expect(r.drop!.explanation).toMatch(/router lr0 has no route for 10\.9\.9\.9 \(connected 10\.1\.(1|2)\.1\/24, 10\.1\.(1|2)\.1\/24; static routes none\)/);
  });

  it('TTL_EXPIRED and ARP_UNRESOLVED are punts that end the packet, typed', () => {
    const ttl = run(l3, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 }, ttl: 1 });
    expect(ttl).toMatchObject({ verdict: 'dropped', drop: { reason: 'TTL_EXPIRED', host: 'hv1', logicalFlow: { stage: 'lr_in_ip_input', datapath: 'lr0' } } });
    expect(ttl.drop!.explanation).toBe('TTL 1 expired at router lr0 (lr_in_ip_input on lr0): it answers with ICMP time exceeded');
    expect(ttl.hops[0]!.controller).toBe(true);
    // A punt names no dump line: its evidence is the first flow of its table, priority and cookie.
    const b = l3.hosts.find((h) => h.name === 'hv1')!.bridges.find((x) => x.name === 'br-int')!;
    const first = b.flows.find((f) => f.table === ttl.drop!.table && f.priority === ttl.drop!.priority && `0x${f.cookie.toString(16)}` === ttl.drop!.cookie)!;
    expect(ttl.drop!.flow).toBe(`${b.flowsFile}:${first.line}: ${formatFlow(first)}`);
    // The same over a flow list decoded on demand (as from .cache/), found through its key columns.
    const lazyHosts = l3.hosts.map((h) => ({
      ...h,
      bridges: h.bridges.map((x) => ({
        ...x,
        flows: lazyFlowList(
          x.flows.length,
          (i) => x.flows[i]!,
          { table: (i) => x.flows[i]!.table, priority: (i) => x.flows[i]!.priority, cookie: (i) => x.flows[i]!.cookie, line: (i) => x.flows[i]!.line },
        ),
      })),
    }));
    const lazyTtl = run({ ...l3, hosts: lazyHosts }, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 }, ttl: 1 });
    expect(lazyTtl.drop).toEqual(ttl.drop);
    // lb-nat-3chassis has a default route via 172.16.0.1 and no MAC_Binding for it.
    const arp = run(lb, { from: 'a1', to: '8.8.8.8', protocol: { kind: 'tcp', port: 443 } });
    expect(arp).toMatchObject({ verdict: 'dropped', drop: { reason: 'ARP_UNRESOLVED', logicalFlow: { stage: 'lr_in_arp_request' } } });
    expect(arp.drop!.explanation).toMatch(/^router lr0 has no MAC for next hop 172\.16\.0\.1 /);
  });

  it('MTU_EXCEEDED at a VIF whose MTU is smaller than the packet (OVS does not fragment)', () => {
    const hosts = l3.hosts.map((h) => (h.name !== 'hv2' ? h : { ...h, bridges: h.bridges.map((b) => ({ ...b, ports: b.ports.map((p) => (p.name === 'tapdb1' ? { ...p, iface: { ...p.iface!, mtu: 1400 } } : p)) })) }));
    const r = run({ ...l3, hosts }, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 }, size: 1500 });
    expect(r).toMatchObject({ verdict: 'dropped', drop: { reason: 'MTU_EXCEEDED', host: 'hv2' } });
    expect(r.drop!.explanation).toMatch(/a 1500-byte frame \(1486-byte IP packet\) is larger than the MTU 1400 of tapdb1 on hv2/);
    expect(run({ ...l3, hosts }, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 }, size: 1400 }).verdict).toBe('delivered');
  });

  it('MTU_EXCEEDED at the tunnel when the underlay egress device is too small for the GENEVE overhead', () => {
    const hosts = l3.hosts.map((h) => {
      if (h.name !== 'hv1') return h;
      const eth = { ...h.interfaces[0]!, name: 'eth1', mtu: 1500 };
      return { ...h, interfaces: [...h.interfaces, eth], bridges: h.bridges.map((b) => ({ ...b, ports: b.ports.map((p) => (p.role.kind === 'tunnel' ? { ...p, iface: { ...p.iface!, tunnelEgressIface: 'eth1' } } : p)) })) };
    });
    const r = run({ ...l3, hosts }, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 }, size: 1500 });
    expect(r).toMatchObject({ verdict: 'dropped', drop: { reason: 'MTU_EXCEEDED', host: 'hv1' } });
    expect(r.drop!.explanation).toMatch(/GENEVE adds 58 bytes: the 1486-byte inner IP packet needs an underlay MTU of 1544, but eth1 .* has 1500/);
  });
});

describe('--reply', () => {
  it('swaps the delivered packet and traces it back, conntrack answering from what the forward committed', () => {
    const r = run(l3, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 }, reply: true });
    expect(r.reply).toBeDefined();
    const back = r.reply!;
    expect(back.input).toBe('in_port=tapdb1,tcp,dl_src=0a:00:01:02:00:11,dl_dst=0a:00:01:ff:02:01,nw_src=10.1.2.11,nw_dst=10.1.1.11,nw_ttl=64,tcp_src=5432,tcp_dst=40000');
    expect(back.verdict).toBe('delivered');
    expect(back.delivered).toEqual([expect.objectContaining({ logicalPort: 'web1', host: 'hv1' })]);
    expect(back.reachedDestination).toBe(true);
    // db1's zone on hv2 saw the forward connection: the reply is est+rpl there.
    expect(back.hops[0]!.ctNext).toContain('est,rpl,trk');
  });

  it('the reply of a load-balanced connection is un-DNATed in the client’s zone, as conntrack does: a1 gets it from the VIP, and the hop says ofproto/trace cannot replay that', () => {
    // a1 → lb-web 10.2.0.100:80, DNATed to b1 10.2.2.11:8080 in a1's zone on hv1 (tenant-a's ls_in_lb).
    const r = run(lb, { from: 'a1', to: '10.2.0.100', protocol: { kind: 'tcp', port: 80 }, reply: true });
    // The packet that creates the connection is new to it; the DNAT its commit sets up is flagged.
    expect(r.hops[0]!.ctNext).toEqual(['new,trk', 'new,trk,dnat']);
    const back = r.reply!;
    expect(back).toMatchObject({ verdict: 'delivered', reachedDestination: true });
    const hv1 = back.hops.find((h) => h.host === 'hv1')!;
    // tenant-a's egress ct_lb_mark (ct(nat)) in a1's zone meets the reply of the DNATed connection:
    // un_nat_packet() gives it the VIP as source, and ct_state gets snat (it is the source it rewrote).
    expect(hv1.ctNext).toEqual(['est,rpl,trk,snat']);
    expect(hv1.ctNat).toEqual([
      { recirc: 1, recircId: 1, bridge: 'br-int', zone: expect.any(Number), rewrite: 'un-dnat', text: 'un-DNAT src 10.2.2.11 → 10.2.0.100, tp_src 8080 → 80', committed: 'reply of the connection committed in hop 0 (hv1 br-int) of the forward trace', replayable: false },
    ]);
    expect(hv1.finalFlow).toMatch(/(^|,)nw_src=10\.2\.0\.100,.*tp_src=80(,|$)/);
    const text = renderTrace({ host: 'hv2', bridge: 'br-int', mode: 'endpoints', single: back }, plain, { minimal: false, tree: false });
    expect(text).toMatch(/⇄ conntrack: un-DNAT src 10\.2\.2\.11 → 10\.2\.0\.100, tp_src 8080 → 80 \(reply of the connection committed in hop 0 \(hv1 br-int\) of the forward trace, zone \d+\)\n.*ofproto\/trace cannot un-NAT from a connection: a replay with this hop's --ct-next states agrees only up to recirculation 1/);
    expect(back.warnings.join('\n')).toMatch(/a ct\(nat\) of a connection committed with a NAT undoes it as conntrack does/);
  });

  it('an echo request that did not arrive: the reply traced is the echo reply the destination would send', () => {
    const r = run(l3, { from: 'web1', to: 'db1', protocol: { kind: 'icmp' }, reply: true });
    // db's ACLs drop ICMP from web: the forward request does not arrive.
    expect(r.verdict).toBe('dropped');
    const back = r.reply!;
    expect(back.warnings[0]).toMatch(/the forward packet did not arrive/);
    expect(back.input).toMatch(/^in_port=tapdb1,icmp,.*nw_src=10\.1\.2\.11,nw_dst=10\.1\.1\.11,.*icmp_type=0,icmp_code=0$/);
    const text = renderTrace({ host: 'hv1', bridge: 'br-int', mode: 'endpoints', single: r }, plain, { minimal: false, tree: false });
    expect(text).toMatch(/icmp echo reply/);
  });

  it('a router answers itself: its echo reply is what the forward trace delivered', () => {
    const r = run(l3, { from: 'web1', to: '10.1.1.1', protocol: { kind: 'icmp' }, reply: true });
    expect(r.verdict).toBe('delivered');
    expect(r.delivered).toEqual([expect.objectContaining({ logicalPort: 'web1' })]);
    expect(r.replySkipped).toMatch(/is a router port/);
    // What reaches web1 is lr0's echo reply, not the request bounced back: the verdict says so.
    expect(verdictLine(r, plain)).toBe('router lr0 answered (echo reply back to the sender): delivered to web1 (hv1 tapweb1)');
    expect(verdictLine(run(l3, { from: 'web1', to: '10.1.1.1', protocol: { kind: 'arp' } }), plain)).toMatch(/^router lr0 answered \(ARP reply back to the sender\): delivered to web1 /);
    // A VIF answering is not a router: its own delivery line is unchanged.
    expect(verdictLine(run(l3, { from: 'web1', to: 'web2', protocol: { kind: 'tcp', port: 80 } }), plain)).toMatch(/^delivered to web2 /);
  });
});

describe('rendering', () => {
  it('an endpoint note (the destination is bound to no chassis) is printed under its To line', () => {
    const unbound: Snapshot = { ...l3, sb: { ...l3.sb!, portBindings: l3.sb!.portBindings.map((pb) => (pb.logicalPort === 'db1' ? { ...pb, chassis: undefined } : pb)) } };
    const r = run(unbound, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 22 } });
    const lines = renderTrace({ host: 'hv1', bridge: 'br-int', mode: 'endpoints', single: r }, plain, { minimal: false, tree: false }).split('\n');
    const to = lines.findIndex((l) => l.startsWith('To '));
    expect(lines[to + 1]).toMatch(/^ +note: db1 is not bound to any chassis \(VM stopped, pod gone, or ovn-controller down there\?\)$/);
    // Printed once: not again among the warnings.
    expect(lines.filter((l) => l.includes('db1 is not bound to any chassis (VM stopped')).length).toBe(1);
  });

  it('the path picture: source → bridge@chassis with decisions → tunnel (VNI, TEPs, ports) → destination, and the verdict', () => {
    const r = run(l3, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 } });
    const text = renderTrace({ host: 'hv1', bridge: 'br-int', mode: 'endpoints', single: r }, plain, { minimal: false, tree: false });
    expect(text).toContain('├─▶ br-int@hv1  in tapweb1 (ofport 4)');
    expect(text).toContain('│     web → lr0 → db');
    expect(text).toContain('│     ✓ web: ACL "pg_web-egress" from-lport 1001 allow-related (port group pg_web): inport == @pg_web && ip4');
    expect(text).toContain('├─▶ tunnel hv1 → hv2  GENEVE VNI 0x2 (db)  192.168.0.1 → 192.168.0.2  tun_metadata0 0x10003 (db-lr0 → db1)');
    expect(text).toContain('├─▶ br-int@hv2  in ovn-hv1-0 (ofport 1)');
    expect(text).toContain('│     ● delivered to db1 (tapdb1) on hv2');
    expect(text).toMatch(/Verdict: DELIVERED — delivered to db1 \(hv2 tapdb1\)$/);
    expect(text).not.toContain('bridge("br-int")');
  });

  it('an unassigned address of a switch subnet is named as such, its path is the switch, and it is never reached', () => {
    // 10.1.1.99 is in web's 10.1.1.0/24 but no port has it (l3-acl has .11-.13).
    const r = run(l3, { from: 'web1', to: '10.1.1.99' });
    const text = renderTrace({ host: 'hv1', bridge: 'br-int', mode: 'endpoints', single: r }, plain, { minimal: false, tree: false });
    expect(text).toContain('To     10.1.1.99 (unassigned address on web, 10.1.1.0/24)');
    // Sent to the broadcast MAC (no port has the address), it is flooded to web's other chassis,
    // hv2 (web3): named apart from the packet's own path.
    expect(text).toMatch(/^Path {3}web; chassis hv1 \(source\); flooded copies to hv2$/m);
    expect(r.reachedDestination).toBe(false);
    // l3-acl has no gateway router: an outside address has no logical path, and the line says why instead of "?".
    const out = renderTrace({ host: 'hv1', bridge: 'br-int', mode: 'endpoints', single: run(l3, { from: 'web1', to: '10.9.9.9' }) }, plain, { minimal: false, tree: false });
    expect(out).toMatch(/^Path {3}no logical path \(no router with a gateway port is reachable from web/m);
    expect(out).not.toMatch(/^Path {3}\?/m);
  });

  it('a NAT step whose ct(nat) only looked the connection up (undnat on a new outbound connection) does not read as applied', () => {
    // a1 → b1's floating IP from the inside: on the gateway (hv3) lr_out_undnat runs ct_dnat_in_czone for
    // a1's own dnat rule, a bare ct(nat) on a new connection (no rewrite); then lr_out_snat rewrites the source.
    const r = run(lb, { from: 'a1', to: '172.16.0.21', protocol: { kind: 'tcp', port: 22 } });
    const nat = r.hops.filter((h) => h.host === 'hv3').flatMap((h) => h.steps ?? []).filter((s) => s.kind === 'nat').map((s) => s.text);
    expect(nat).toEqual(['NAT dnat 172.16.0.20 <-> 10.2.1.11 — lookup only, the packet is not rewritten', 'NAT snat 172.16.0.10 <-> 10.2.0.0/16 ⇒ source 172.16.0.10:40000']);
    // A NAT that rewrites keeps its ⇒ and no lookup note.
    const dnat = run(lb, { from: '172.16.0.99', to: '172.16.0.21', protocol: { kind: 'tcp', port: 22 } });
    expect(dnat.hops.flatMap((h) => h.steps ?? []).filter((s) => s.kind === 'nat').map((s) => s.text)).toEqual(['NAT dnat_and_snat 172.16.0.21 <-> 10.2.2.11 (port b1) ⇒ destination 10.2.2.11:22']);
  });

  it('the reply\'s Packet line is formatted like the forward one, its flow on the enters line', () => {
    const r = run(l3, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 }, reply: true });
    const back = r.reply!;
    expect(back.packet).toBeUndefined(); // swapped from the delivered packet, not built from endpoints
    const lines = renderPathHeader(back, plain);
    // db1 answers web1: ports and addresses swapped, db1's MAC to its gateway lr0-db's.
    expect(lines).toContain('Packet tcp 5432 → 40000, 10.1.2.11 → 10.1.1.11, 0a:00:01:02:00:11 → 0a:00:01:ff:02:01, TTL 64, 118 B');
    expect(lines).toContain(`       enters hv2 br-int at tapdb1: ${back.input}`);
  });

  it('on an entry through br-ex the conntrack line is under br-int, whose tables ran ct, not under br-ex', () => {
    const r = run(lb, { from: '172.16.0.99', to: '172.16.0.21', protocol: { kind: 'tcp', port: 22 } });
    const [ex, int] = r.hops;
    expect([ex!.bridge, int!.bridge, int!.entry!.kind]).toEqual(['br-ex', 'br-int', 'patch']);
    // The replay data stays on the run's first hop (ofproto/trace starts on br-ex); ct ran in br-int.
    expect(ex!.ctNext!.length).toBeGreaterThan(0);
    expect(ex!.ctBridges).toEqual(['br-int']);
    const text = renderTrace({ host: 'hv3', bridge: 'br-ex', mode: 'endpoints', single: r }, plain, { minimal: false, tree: false });
    const block = (bridge: string) => text.split('├─▶ ').find((b) => b.startsWith(`${bridge}@hv3`))!;
    expect(block('br-ex')).not.toContain('conntrack:');
    expect(block('br-int')).toContain(`conntrack: `);
    // A host entered on br-int keeps it on its own hop (the reply on hv2 meets the forward's connections).
    const back = run(lb, { from: 'a1', to: 'b1', protocol: { kind: 'tcp', port: 22 }, reply: true }).reply!;
    expect(renderTrace({ host: 'hv2', bridge: 'br-int', mode: 'endpoints', single: back }, plain, { minimal: false, tree: false })).toMatch(/├─▶ br-int@hv\d .*\n(│ .*\n)*│ {5}conntrack: est,rpl,trk/);
  });

  it('--size with no kernel view and no tunnel egress Interface: the underlay check could not be made, and the report says so', async () => {
    // l3-acl has no `ip -j link/route` and no status:tunnel_egress_iface: "ovnscope mtu" calls the largest packet unknown.
    const r = await trace({ snapshot: fixture('l3-acl'), bridge: 'br-int', ctNext: [], detail: 'minimal', from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 }, size: 1514 });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.single!.verdict).toBe('delivered');
    expect(r.value.single!.warnings).toEqual([expect.stringMatching(/^hv1: the underlay MTU check at ovn-hv2-0 could not be made \(.*not collected on hv1.*\): whether the 1514-byte frame fits once encapsulated is unknown$/)]);
  });

  it('a drop shows its evidence under the hop', () => {
    const r = run(l3, { from: 'web1', to: 'db2', protocol: { kind: 'tcp', port: 22 } });
    const text = renderTrace({ host: 'hv1', bridge: 'br-int', mode: 'endpoints', single: r }, plain, { minimal: false, tree: false });
    expect(text).toMatch(/✗ ACL_DROP: dropped by ACL "pg_db-default-drop"/);
    expect(text).toMatch(/flow {4}hosts\/hv1\/ovs-ofctl\.dump-flows\.br-int\.out:\d+: /);
    expect(text).toMatch(/lflow {3}db egress ls_out_acl \(table \d+\) priority \d+: /);
    expect(text).toMatch(/NB {6}ACL "pg_db-default-drop" to-lport priority 1000/);
  });

  it('DOT: one cluster per chassis, GENEVE edges labelled, the end and the verdict', () => {
    const r = run(l3, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 }, reply: true });
    const dot = renderTraceDot(r);
    expect(dot.startsWith('digraph ovnscope_trace {')).toBe(true);
    expect(dot).toContain('label="hv1"');
    expect(dot).toContain('label="hv2"');
    expect(dot).toMatch(/f_h0 -> f_h1 \[label="GENEVE VNI 0x2 \(db\)\\n192\.168\.0\.1 → 192\.168\.0\.2\\nmd 0x10003 db-lr0 → db1"/);
    expect(dot).toContain('verdict: DELIVERED');
    expect(dot).toContain('cluster_r_trace');
    expect(dot.trim().endsWith('}')).toBe(true);
  });

  it('DOT: a drop explanation too long for its label is cut with "..." (not mid-word without a sign)', () => {
    const r = run(l3, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 22 } });
    const long = 'x'.repeat(300);
    const dot = renderTraceDot({ ...r, hops: r.hops.map((h) => (h.drop ? { ...h, drop: { ...h.drop, explanation: long } } : h)) });
    expect(dot).toContain(`\\n${'x'.repeat(157)}..."`);
    expect(dot).not.toContain('x'.repeat(158));
  });
});

describe('trace service: --from/--to errors and the --flow mode following tunnels', () => {
  it('unknown and ambiguous names are usage errors (exit 2) with suggestions', async () => {
    const r = await trace({ snapshot: fixture('l3-acl'), bridge: 'br-int', from: 'web9', to: 'db1', ctNext: [], detail: 'minimal' });
    expect(!r.ok && r.error).toMatchObject({ exitCode: 2, message: expect.stringMatching(/^--from web9: no logical port, VM, pod or interface of that name in the snapshot; did you mean logical port web1/) });
    const router = await trace({ snapshot: fixture('l3-acl'), bridge: 'br-int', from: '10.1.1.1', to: 'db1', ctNext: [], detail: 'minimal' });
    expect(!router.ok && router.error.message).toMatch(/is a router port: it sends no packets of its own/);
    const noRoute = await trace({ snapshot: fixture('l3-acl'), bridge: 'br-int', from: 'web1', to: 'db1', ctNext: [], detail: 'minimal', lbDst: '10.9.9.9:1' });
    expect(!noRoute.ok && noRoute.error.message).toMatch(/no load-balancer group in the snapshot has that backend/);
  });

  it('--lb-dst naming a backend of another load balancer is a usage error naming the VIP and its backends', async () => {
    // 10.2.1.12:80 is a backend of lb-ext (172.16.0.100:80), not of lb-web (10.2.0.100:80 → 10.2.2.11:8080, 10.2.2.12:8080).
    const base = { snapshot: fixture('lb-nat-3chassis'), bridge: 'br-int', ctNext: [], detail: 'minimal' as const, lbDst: '10.2.1.12:80' };
    const msg = '--lb-dst 10.2.1.12:80 is not a backend of VIP 10.2.0.100:80 (load balancer lb-web), which the packet meets on hv1 (group 1): its backends are 10.2.2.11:8080, 10.2.2.12:8080';
    const ends = await trace({ ...base, from: 'a1', to: '10.2.0.100', protocol: { kind: 'tcp', port: 80 } });
    expect(!ends.ok && ends.error).toMatchObject({ exitCode: 2, message: msg });
    const flow = await trace({ ...base, host: 'hv1', flow: 'in_port=a1,tcp,dl_src=0a:00:02:01:00:11,dl_dst=0a:00:02:ff:01:01,nw_src=10.2.1.11,nw_dst=10.2.0.100,nw_ttl=64,tcp_src=40000,tcp_dst=80', followTunnels: true });
    expect(!flow.ok && flow.error).toMatchObject({ exitCode: 2, message: msg });
  });

  it('--lb-dst naming a backend of another load balancer on the same bridge: the same usage error without following tunnels', async () => {
    // hv3 (the gateway) has lb-web's groups (backends 10.2.2.11:8080, 10.2.2.12:8080) and lb-ext's
    // (172.16.0.100:80 → 10.2.1.11:80, 10.2.1.12:80) on br-int; a packet from outside to lb-ext's VIP
    // meets lb-ext's group, where lb-web's backend cannot be chosen.
    const base = { snapshot: fixture('lb-nat-3chassis'), bridge: 'br-int', ctNext: [], detail: 'minimal' as const, lbDst: '10.2.2.12:8080' };
    const msg = '--lb-dst 10.2.2.12:8080 is not a backend of VIP 172.16.0.100:80 (load balancer lb-ext), which the packet meets on hv3 (group 3): its backends are 10.2.1.11:80, 10.2.1.12:80';
    const flow = 'in_port="patch-br-int-to-ext-localnet",tcp,dl_src=02:00:00:00:00:99,dl_dst=0a:00:02:ff:00:01,nw_src=172.16.0.99,nw_dst=172.16.0.100,nw_ttl=64,tcp_src=40000,tcp_dst=80';
    const oneHost = await trace({ ...base, host: 'hv3', flow, followTunnels: false });
    expect(!oneHost.ok && oneHost.error).toMatchObject({ exitCode: 2, message: msg });
    const ends = await trace({ ...base, bridge: 'br-int', from: '172.16.0.99', to: '172.16.0.100', protocol: { kind: 'tcp', port: 80 } });
    expect(!ends.ok && ends.error).toMatchObject({ exitCode: 2, message: msg });
  });

  it('--lb-dst on a path without a load balancer is not silently ignored: the report warns that it was not used', () => {
    const r = run(lb, { from: 'a1', to: 'b1', protocol: { kind: 'tcp', port: 80 }, lbDst: '10.2.2.12:8080' });
    expect(r.lbChoices ?? []).toEqual([]);
    expect(r.warnings).toContain('--lb-dst 10.2.2.12:8080 was not used: the packet met no load balancer on its path');
    const used = run(lb, { from: 'a1', to: '10.2.0.100', protocol: { kind: 'tcp', port: 80 }, lbDst: '10.2.2.12:8080' });
    expect(used.warnings.filter((w) => w.includes('was not used'))).toEqual([]);
  });

  it('--from X --to X (the same logical port by any of its names) is traced, and a warning explains the loopback drop; a hairpin through its NAT address is not warned about', async () => {
    for (const to of ['web1', 'web-vm-1', '10.1.1.11']) {
      const r = await trace({ snapshot: fixture('l3-acl'), bridge: 'br-int', from: 'web1', to, ctNext: [], detail: 'minimal' });
      if (!r.ok) throw new Error(r.error.message);
      const rep = r.value.single!;
      expect(rep.warnings[0]).toMatch(new RegExp(`^--from web1 and --to ${to.replace(/\./g, '\\.')} are the same logical port \\(web1\\): .*loopback check \\(OpenFlow table 41: outport == inport\\)`));
      // What the warning says happens: dropped in table 41.
      expect(rep.verdict).toBe('dropped');
      expect(rep.drop?.table).toBe(41);
    }
    // Port security comes first: a spoofed source is dropped there, before the loopback check.
    const spoofed = await trace({ snapshot: fixture('l3-acl'), bridge: 'br-int', from: 'web1', to: 'web1', srcIp: '10.1.1.99', ctNext: [], detail: 'minimal' });
    expect(spoofed.ok && spoofed.value.single!.drop?.reason).toBe('PORT_SECURITY');
    // 172.16.0.21 is b1's own floating IP: a hairpin, not the same port.
    const hairpin = await trace({ snapshot: fixture('lb-nat-3chassis'), bridge: 'br-int', from: 'b1', to: '172.16.0.21', protocol: { kind: 'tcp', port: 22 }, ctNext: [], detail: 'minimal' });
    expect(hairpin.ok && hairpin.value.single!.warnings.filter((w) => w.includes('same logical port'))).toEqual([]);
  });

  it('--flow with followTunnels continues on the remote chassis too', async () => {
    const flow = 'in_port="tapweb1",dl_src=0a:00:01:01:00:11,tcp,dl_dst=0a:00:01:ff:01:01,nw_src=10.1.1.11,nw_dst=10.1.2.11,nw_ttl=64,tp_src=40000,tp_dst=5432';
    const r = await trace({ snapshot: fixture('l3-acl'), host: 'hv1', bridge: 'br-int', flow, ctNext: [], detail: 'minimal', followTunnels: true });
    if (!r.ok) throw new Error(r.error.message);
    const rep = r.value.single!;
    expect(rep.verdict).toBe('delivered');
    expect(rep.hops.map((h) => h.host)).toEqual(['hv1', 'hv2']);
    expect(verdictLine(rep, plain)).toBe('delivered to db1 (hv2 tapdb1)');
  });
});

describe('trace CLI with --from/--to', () => {
  const cli = (...args: string[]) => runCli(['trace', ...args]);

  it('delivered somewhere that is not --to exits 1, not 0', async () => {
    // 172.16.0.21 is b1's floating IP; from a1 on the inside the packet leaves hv3's uplink instead of reaching b1.
    const r = await cli('-s', 'fixtures/lb-nat-3chassis', '--from', 'a1', '--to', '172.16.0.21', '--tcp', '22', '--minimal');
    expect(r.stdout).toMatch(/^delivered: left hv3 via br-ex-up .* — not to 172\.16\.0\.21$/m);
    expect(r.code).toBe(1);
  });

  it('--select-bucket N of a group without bucket N is a usage error (exit 2), with --from/--to and with --host/--flow', async () => {
    // lb-web's group 1 on hv1 has buckets 0 and 1 (backends 10.2.2.11:8080, 10.2.2.12:8080).
    const msg = /--select-bucket 7: select group 1 on hv1 br-int has 2 buckets \(bucket ids 0, 1\)/;
    const ends = await cli('-s', 'fixtures/lb-nat-3chassis', '--from', 'a1', '--to', '10.2.0.100', '--tcp', '80', '--select-bucket', '7');
    expect(ends.code).toBe(2);
    expect(ends.stderr.replace(/\s*›\s*/g, ' ')).toMatch(msg);
    const flow = 'in_port=a1,tcp,dl_src=0a:00:02:01:00:11,dl_dst=0a:00:02:ff:01:01,nw_src=10.2.1.11,nw_dst=10.2.0.100,nw_ttl=64,tcp_src=40000,tcp_dst=80';
    for (const follow of [[], ['--no-follow-tunnels']]) {
      const one = await cli('-s', 'fixtures/lb-nat-3chassis', '-H', 'hv1', '--flow', flow, '--select-bucket', '7', ...follow);
      expect(one.code).toBe(2);
      expect(one.stderr.replace(/\s*›\s*/g, ' ')).toMatch(msg);
    }
    const good = await cli('-s', 'fixtures/lb-nat-3chassis', '--from', 'a1', '--to', '10.2.0.100', '--tcp', '80', '--select-bucket', '1', '--minimal');
    expect(good.stdout).toMatch(/^delivered: delivered to b2/m);
  });

  it('--arp with --reply is a usage error (exit 2): the ARP answer is part of the forward trace', async () => {
    // web1 → web2 on one switch: ls_in_arp_rsp answers the request (arpAnswer: reply). A reply
    // trace took that for "the forward packet did not arrive" and sent an ARP request from web2.
    const forward = run(l3, { from: 'web1', to: 'web2', protocol: { kind: 'arp' } });
    expect(forward.arpAnswer).toBe('reply');
    const r = traceEndpointsIn(l3, { snapshot: l3.dir, bridge: 'br-int', ctNext: [], detail: 'summary', followTunnels: true, from: 'web1', to: 'web2', protocol: { kind: 'arp' }, reply: true });
    expect(!r.ok && r.error.exitCode).toBe(2);
    const c = await cli('-s', 'fixtures/l3-acl', '--from', 'web1', '--to', 'web2', '--arp', '--reply');
    expect(c.code).toBe(2);
    expect(c.stderr.replace(/\s*›\s*/g, ' ')).toMatch(/--reply with --arp: the answer to an ARP request .* is part of the forward trace \("arpAnswer"\): there is no reply to trace; drop --reply/);
    expect(c.stdout).toBe('');
  });

  it('verdictExitCode: delivered counts only when the destination was reached', () => {
    const base = run(l3, { from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 5432 } });
    expect(base.reachedDestination).toBe(true);
    expect(verdictExitCode(base)).toBe(0);
    expect(verdictExitCode({ ...base, reachedDestination: false })).toBe(1);
    // --host/--flow reports carry no destination: delivered is 0.
    const { reachedDestination: _, ...flowMode } = base;
    expect(verdictExitCode(flowMode)).toBe(0);
    // The reply counts too.
    expect(verdictExitCode({ ...base, reply: { ...base, reachedDestination: false } })).toBe(1);
    // --arp: answered is 0 whatever the verdict (an IPv6 router's neighbour advertisement comes
    // from ovn-controller: a punt), unanswered is 1 even when flooded copies were delivered.
    expect(verdictExitCode({ ...base, verdict: 'controller', reachedDestination: true, arpAnswer: 'neighbour-advertisement' })).toBe(0);
    expect(verdictExitCode({ ...base, verdict: 'controller', reachedDestination: false, arpAnswer: 'none' })).toBe(1);
    expect(verdictExitCode({ ...base, verdict: 'delivered', reachedDestination: false, arpAnswer: 'none' })).toBe(1);
    expect(verdictExitCode({ ...base, verdict: 'dropped', reachedDestination: false })).toBe(1);
  });

  it('prints the path and exits 1 on a drop, 0 when delivered; --json carries the contract; --format dot', async () => {
    const drop = await cli('-s', 'fixtures/l3-acl', '--from', 'web-vm-1', '--to', 'db2', '--tcp', '22');
    expect(drop.code).toBe(1);
    expect(drop.stdout).toMatch(/^From {3}web1 \(web, port web-vm-1-port, VM web-vm-1\) 10\.1\.1\.11 on hv1 \(br-int ofport 4 tapweb1\)$/m);
    expect(drop.stdout).toMatch(/Verdict: DROPPED — ACL_DROP: dropped by ACL "pg_db-default-drop" to-lport priority 1000/);
    const ok = await cli('-s', 'fixtures/l3-acl', '--from', 'web1', '--to', 'db1', '--tcp', '5432', '--json');
    expect(ok.code).toBe(0);
    const json = JSON.parse(ok.stdout) as TraceReport;
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['input', 'verdict', 'hops', 'warnings', 'size', 'tree', 'delivered', 'from', 'to', 'packet', 'path', 'reachedDestination']));
    expect(json.hops[1]!.entry!.tunnel).toMatchObject({ tunId: '0x2', metadata0: '0x10003' });
    const dot = await cli('-s', 'fixtures/l3-acl', '--from', 'web1', '--to', 'db1', '--tcp', '5432', '--format', 'dot');
    expect(dot.stdout).toMatch(/^digraph ovnscope_trace \{/);
    const minimal = await cli('-s', 'fixtures/l3-acl', '--from', 'web1', '--to', 'db1', '--tcp', '5432', '--reply', '--minimal');
    expect(minimal.stdout.trim().split('\n')).toEqual(['delivered: delivered to db1 (hv2 tapdb1)', 'reply delivered: delivered to web1 (hv1 tapweb1)']);
  });

  it('refuses flags that do not go together', async () => {
    const r = await cli('-s', 'fixtures/l3-acl', '--host', 'hv1', '--flow', 'in_port=1', '--tcp', '80');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--tcp builds a packet: it needs --from and --to/);
    const none = await cli('-s', 'fixtures/l3-acl');
    expect(none.code).toBe(2);
  });
});

describe('--to a load-balancer VIP: the packet’s protocol and port pick the load balancer', () => {
  // lb-nat-3chassis: lb-web balances 10.2.0.100:80 to b1/b2 (10.2.2.11/12:8080) on tenant-a and lr0;
  // a1 and a2 are 10.2.1.11/12. The collected flows stay as they are; only the NB is edited, so the
  // packet goes where it always did and what changes is what --to says it is aiming at.
  it('NodePort: a VIP that is also a router port’s own address is the load balancer for a packet matching it (exit 0), the router port for ICMP', () => {
    const nb = lb.nb!;
    // OVN-Kubernetes NodePort: the VIP is the (gateway) router's own IP. Here lr0-b also gets
    // lb-web's VIP address as a network of its own.
    const np: Snapshot = { ...lb, nb: { ...nb, routerPorts: nb.routerPorts.map((p) => (p.name === 'lr0-b' ? { ...p, networks: [...p.networks, '10.2.0.100/24'] } : p)) } };
    const r = run(np, { from: 'a1', to: '10.2.0.100', protocol: { kind: 'tcp', port: 80 }, lbDst: '10.2.2.12:8080' });
    expect(r.to).toMatchObject({ kind: 'lb-vip', lb: { name: 'lb-web', vip: '10.2.0.100:80' } });
    expect(r.delivered).toEqual([expect.objectContaining({ logicalPort: 'b2' })]);
    expect(r.reachedDestination).toBe(true);
    expect(verdictExitCode(r)).toBe(0);
    expect(verdictLine(r, plain)).toMatch(/^delivered to b2 \(hv2 b2\)$/);
    // ICMP echo to that address is the router port's to answer.
    expect(run(np, { from: 'a1', to: '10.2.0.100', protocol: { kind: 'icmp' } }).to).toMatchObject({ kind: 'router', logicalPort: 'lr0-b' });
  });

  it('two load balancers on one VIP address with different ports: the one whose port the packet has (exit 0), whichever is listed first', () => {
    const nb = lb.nb!;
    const web = nb.loadBalancers.find((l) => l.name === 'lb-web')!;
    // Another Service on the same ClusterIP, port 81, listed ahead of lb-web, attached where lb-web is.
    const other = { ...web, uuid: '00000000-0000-4000-8000-000000000081', name: 'lb-web81', vips: { '10.2.0.100:81': '10.2.1.12:81' } };
    const attach = <T extends { loadBalancer: readonly string[] }>(d: T): T => (d.loadBalancer.includes(web.uuid) ? { ...d, loadBalancer: [other.uuid, ...d.loadBalancer] } : d);
    const two: Snapshot = { ...lb, nb: { ...nb, loadBalancers: [other, ...nb.loadBalancers], switches: nb.switches.map(attach), routers: nb.routers.map(attach) } };
    const r = run(two, { from: 'a1', to: '10.2.0.100', protocol: { kind: 'tcp', port: 80 }, lbDst: '10.2.2.11:8080' });
    expect(r.to!.lb).toMatchObject({ name: 'lb-web', vip: '10.2.0.100:80' });
    expect(r.delivered).toEqual([expect.objectContaining({ logicalPort: 'b1' })]);
    expect(r.reachedDestination).toBe(true);
    expect(verdictExitCode(r)).toBe(0);
    expect(r.warnings.join('\n')).not.toMatch(/does not match the VIP/);
  });
});
