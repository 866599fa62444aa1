// The bundle / bundle_load actions (OVS 3.1 lib/bundle.c bundle_execute(), ofproto-dpif-xlate.c
// xlate_bundle_action() / member_enabled_cb()), with member liveness from the Interface rows a
// snapshot holds (`ovs-vsctl --format=json list Interface`): link_state, bfd:enable,
// bfd_status:forwarding. The shape is OVN's L3-HA gateway flow: the chassisredirect port's
// tunnels to the gateway chassis in priority order.

import { describe, expect, it } from 'vitest';
import { parseOfctlFlows } from '../../src/parse/ofctl-flows.js';
import { parseOvsdbRows, toOvsInterfaces } from '../../src/parse/ovsdb-json.js';
import type { BridgePort, HostState } from '../../src/model/snapshot.js';
import { traceHost, type SimTraceResult } from '../../src/sim/index.js';
import { flowHashFields, jhashBytes } from '../../src/sim/bundle.js';
import { hashInt } from '../../src/sim/groups.js';
import { PacketState, SP } from '../../src/sim/state.js';
import { allNodes, texts } from './helpers.js';

interface Member {
  ofport: number;
  name: string;
  chassis: string;
  /** bfd_status:forwarding; undefined = no BFD configured. */
  forwarding?: boolean;
  linkState?: string;
}

/** One Interface row as `ovs-vsctl --format=json list Interface` prints it. */
function interfaceJson(m: Member): string {
  const map = (o: Record<string, string>) => ['map', Object.entries(o)];
  const row = [
    ['uuid', `00000000-0000-4000-8000-${String(m.ofport).padStart(12, '0')}`],
    m.name,
    'geneve',
    m.ofport,
    map({ remote_ip: `192.168.0.${m.ofport + 1}`, key: 'flow', csum: 'true' }),
    map(m.forwarding === undefined ? {} : { enable: 'true' }),
    map(m.forwarding === undefined ? {} : { forwarding: String(m.forwarding), state: m.forwarding ? 'up' : 'down', remote_state: m.forwarding ? 'up' : 'down' }),
    m.linkState ?? 'up',
    'up',
  ];
  return JSON.stringify({ headings: ['_uuid', 'name', 'type', 'ofport', 'options', 'bfd', 'bfd_status', 'link_state', 'admin_state'], data: [row] });
}

const VIF = 'in_port=5,icmp,dl_src=fa:16:3e:00:00:11,dl_dst=fa:16:3e:ff:00:01,nw_src=10.0.0.11,nw_dst=8.8.8.8,nw_ttl=64,icmp_type=8,icmp_code=0';

/** br-int with a VIF (5) and the members' tunnels; `actions` run for packets from the VIF. */
function haHost(actions: string, members: Member[], extraFlows: string[] = []): HostState {
  const flows = parseOfctlFlows([`table=0, priority=100,in_port=5 actions=${actions}`, ...extraFlows].join('\n'));
  const ports: BridgePort[] = members.map((m) => {
    const iface = parseOvsdbRows(interfaceJson(m), toOvsInterfaces).value[0]!;
    expect(iface.name).toBe(m.name);
    return { ofport: m.ofport, name: m.name, role: { kind: 'tunnel', tunnelType: 'geneve', remoteIp: `192.168.0.${m.ofport + 1}`, remoteChassis: m.chassis }, iface };
  });
  ports.push({ ofport: 5, name: 'tap1', role: { kind: 'local' }, ifaceId: 'lp1' });
  return { name: 'hv1', ovsBridges: [], ovsPorts: [], interfaces: [], bridges: [{ name: 'br-int', flows: flows.value.flows, groups: [], ports, flowsFile: 'hosts/hv1/ovs-ofctl.dump-flows.br-int.out' }] };
}

function run(h: HostState, flow = VIF): SimTraceResult {
  const r = traceHost(h, 'br-int', flow);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

// OVN's gateway flow for a cr-lrp with two gateway chassis: hv3 (priority 2, ofport 2) first.
const HA = 'load:0x4->NXM_NX_TUN_ID[0..23],set_field:0x4->tun_metadata0,bundle(eth_src,0,active_backup,ofport,members:2,1)';
const hv3 = (forwarding: boolean): Member => ({ ofport: 2, name: 'ovn-hv3-0', chassis: 'hv3', forwarding });
const hv2 = (forwarding: boolean): Member => ({ ofport: 1, name: 'ovn-hv2-0', chassis: 'hv2', forwarding });

describe('bundle active_backup (OVN L3-HA gateway chassis)', () => {
  it('outputs to the first member whose BFD is forwarding: the highest-priority gateway chassis', () => {
    const r = run(haHost(HA, [hv3(true), hv2(true)]));
    expect(r.verdict).toBe('tunnel');
    expect(r.outputs.map((o) => [o.port, o.tunnel?.chassis])).toEqual([['ovn-hv3-0', 'hv3']]);
    expect(r.unsupported).toBe(false);
    expect(r.warnings).toEqual([]);
  });

  it('takes the standby when the active member is not forwarding (BFD down on the tunnel to hv3)', () => {
    const r = run(haHost(HA, [hv3(false), hv2(true)]));
    expect(r.outputs.map((o) => o.port)).toEqual(['ovn-hv2-0']);
    const why = texts(r).find((t) => t.startsWith('bundle active_backup'));
    expect(why).toContain('member ovn-hv2-0 (ofport 1, chassis hv2)');
    expect(why).toContain('tunnel ovn-hv3-0 (chassis hv3) BFD forwarding false');
  });

  it('a member without carrier is not live even without BFD (port_run(): no carrier, no enable)', () => {
    const r = run(haHost(HA, [{ ofport: 2, name: 'ovn-hv3-0', chassis: 'hv3', linkState: 'down' }, { ofport: 1, name: 'ovn-hv2-0', chassis: 'hv2' }]));
    expect(r.outputs.map((o) => o.port)).toEqual(['ovn-hv2-0']);
  });

  it('no live member: OVS outputs nowhere; a NO_LIVE_MEMBER drop naming every member and its BFD state, not a table miss', () => {
    const r = run(haHost(HA, [hv3(false), hv2(false)], ['table=1, priority=0 actions=drop']));
    expect(r.verdict).toBe('dropped');
    expect(r.outputs).toEqual([]);
    const d = r.hops[0].drop!;
    expect(d.reason).toBe('NO_LIVE_MEMBER');
    expect(d.table).toBe(0);
    expect(d.explanation).toMatch(/^no gateway chassis is reachable: tunnel ovn-hv3-0 \(chassis hv3\) BFD forwarding false .*, tunnel ovn-hv2-0 \(chassis hv2\) BFD forwarding false/);
  });

  it('in the detailed tree, the action line is the bundle as ofproto/trace prints it, and the choice under it', () => {
    const r = run(haHost(HA, [hv3(false), hv2(true)]));
    const action = allNodes(r.tree).find((n) => n.kind === 'action' && n.text.startsWith('bundle('));
    expect(action?.text).toBe('bundle(eth_src,0,active_backup,ofport,members:2,1)');
    expect(action?.children.map((c) => c.kind)).toContain('tunnel');
  });
});

describe('bundle_load', () => {
  it('loads the chosen member into the field instead of outputting ("NXM_NX_REG0[] is now 0x1")', () => {
    const r = run(haHost('bundle_load(eth_src,0,active_backup,ofport,NXM_NX_REG0[],members:2,1),output:NXM_NX_REG0[0..15]', [hv3(false), hv2(true)]));
    expect(texts(r)).toContain('NXM_NX_REG0[] is now 0x1');
    expect(r.outputs.map((o) => o.port)).toEqual(['ovn-hv2-0']);
  });

  it('loads OFPP_NONE (0xffff) when no member is live, and does not drop by itself', () => {
    const r = run(haHost('bundle_load(eth_src,0,active_backup,ofport,NXM_NX_REG0[0..15],members:2,1)', [hv3(false), hv2(false)]));
    expect(texts(r)).toContain('NXM_NX_REG0[0..15] is now 0xffff');
    expect(r.hops[0].drop?.reason).not.toBe('NO_LIVE_MEMBER');
  });
});

describe('bundle hrw', () => {
  // jhash_bytes() is lookup3's hashlittle(): the published lookup3 self-test value of
  // "Four score and seven years ago" with initval 0 is 0x17770551.
  it('jhash_bytes is lookup3 hashlittle', () => {
    expect(jhashBytes(new TextEncoder().encode('Four score and seven years ago'), 0)).toBe(0x17770551);
    expect(jhashBytes(new TextEncoder().encode('Four score and seven years ago'), 1)).toBe(0xcd628161);
    expect(jhashBytes(new Uint8Array(0), 0)).toBe(0xdeadbeef);
  });

  it('chooses the live member with the highest hash_2words(index, flow hash); a dead member is skipped', () => {
    // execute_hrw(): flow_hash = flow_hash_fields(flow, fields, basis); member i scores
    // hash_2words(i, flow_hash) = hash_int(i, flow_hash) (groups.ts, checked against live OVS).
    const members = [hv3(true), hv2(true)];
    const s = new PacketState();
    s.setSpace(SP.dl_src, 0xfa163e000011n);
    const flowHash = flowHashFields(s, 'eth_src', 0)!;
    const scores = members.map((m, i) => ({ ofport: m.ofport, score: hashInt(i, flowHash) }));
    const best = scores.reduce((x, y) => (y.score > x.score ? y : x));
    const other = scores.find((x) => x !== best)!;
    const r = run(haHost('bundle(eth_src,0,hrw,ofport,members:2,1)', members));
    expect(r.outputs.map((o) => o.ofport)).toEqual([best.ofport]);
    expect(texts(r)).toContain(`hrw: flow hash 0x${flowHash.toString(16)} (eth_src, basis 0); ${scores.map((x) => `ofport ${x.ofport} weight 0x${x.score.toString(16)}`).join(', ')}`);
    const dead = run(haHost('bundle(eth_src,0,hrw,ofport,members:2,1)', members.map((m) => (m.ofport === best.ofport ? { ...m, forwarding: false } : m))));
    expect(dead.outputs.map((o) => o.ofport)).toEqual([other.ofport]);
  });
});
