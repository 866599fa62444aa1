// One or more tests per action executor, each on flows written as `ovs-ofctl dump-flows` prints
// them and read by the real parser. Expected values follow OVS 3.1 ofproto/trace.

import { describe, expect, it } from 'vitest';
import { ACTION_TYPES_FOR_TEST } from './action-types.js';
import { EXECUTORS } from '../../src/sim/index.js';
import { allNodes, fieldOf, host, outPorts, patchedHost, PORTS, texts, trace } from './helpers.js';
import { traceHost } from '../../src/sim/index.js';

const IN1 = 'in_port=vif1';
const TCP = `${IN1},tcp,dl_src=0a:00:00:00:00:01,dl_dst=0a:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tcp_src=1234,tcp_dst=80`;

describe('executor table', () => {
  it('has an executor for every action type of the model', () => {
    expect(Object.keys(EXECUTORS).sort()).toEqual([...ACTION_TYPES_FOR_TEST].sort());
  });
});

describe('output', () => {
  it('outputs to a port and reports the role', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=output:2', TCP);
    expect(r.verdict).toBe('delivered');
    expect(r.outputs).toMatchObject([{ port: 'vif2', ofport: 2, kind: 'local' }]);
    expect(r.hops[0].outputs[0].port).toBe('vif2');
  });

  it('skips output to the ingress port unless via IN_PORT', () => {
    const skip = trace('table=0, priority=100,in_port=1 actions=output:1', TCP);
    expect(skip.verdict).toBe('dropped');
    expect(texts(skip, 'warning')).toContain('skipping output to input port');
    const via = trace('table=0, priority=100,in_port=1 actions=IN_PORT', TCP);
    expect(outPorts(via)).toEqual(['vif1']);
  });

  it('allows output to the ingress port after in_port is cleared (OVN ARP responder pattern)', () => {
    const r = trace(
      ['table=0, priority=100,in_port=1 actions=load:0x1->NXM_NX_REG15[],resubmit(,65)', 'table=65, priority=100,reg15=0x1 actions=push:NXM_OF_IN_PORT[],load:0xffff->NXM_OF_IN_PORT[],output:1,pop:NXM_OF_IN_PORT[]'].join('\n'),
      TCP,
    );
    expect(outPorts(r)).toEqual(['vif1']);
    expect(fieldOf(r.passes[0].finalFlow, 'in_port')).toBe('1');
    expect(texts(r)).toContain('NXM_OF_IN_PORT[] is now 1');
  });

  it('warns on a nonexistent port', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=output:77', TCP);
    expect(r.verdict).toBe('dropped');
    expect(texts(r, 'warning')).toContain('Nonexistent output port');
  });

  it('output:reg reads the port from a register', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=load:0x3->NXM_NX_REG15[],output:NXM_NX_REG15[]', TCP);
    expect(outPorts(r)).toEqual(['vif3']);
    expect(texts(r)).toContain('output port is 3');
  });

  it('tunnel outputs carry tun_id, tun_metadata0 and the remote IP', () => {
    const r = trace(
      'table=0, priority=100,in_port=1 actions=load:0x5->NXM_NX_TUN_ID[0..23],set_field:0x10002->tun_metadata0,move:NXM_NX_REG14[0..14]->NXM_NX_TUN_METADATA0[16..30],output:10',
      TCP,
    );
    expect(r.verdict).toBe('tunnel');
    expect(r.outputs[0]).toMatchObject({ kind: 'tunnel', port: 'ovn-hv2-0', tunnel: { remoteIp: '192.168.0.2', chassis: 'hv2', tunId: '0x5', metadata0: '0x2' } });
    // tun_metadata0 is not printed without a tunnel destination, tun_id is.
    expect(r.passes[0].finalFlow).toContain('tun_id=0x5');
    expect(r.passes[0].finalFlow).not.toContain('tun_metadata0');
  });

  it('reserved ports: CONTROLLER punts, LOCAL delivers, FLOOD/ALL skip the ingress port', () => {
    expect(trace('table=0, priority=100,in_port=1 actions=CONTROLLER:65535', TCP).verdict).toBe('controller');
    expect(outPorts(trace('table=0, priority=100,in_port=1 actions=LOCAL', TCP))).toEqual(['br0']);
    expect(outPorts(trace('table=0, priority=100,in_port=1 actions=FLOOD', TCP)).sort()).toEqual(['br0', 'ovn-hv2-0', 'vif2', 'vif3']);
    expect(outPorts(trace('table=0, priority=100,in_port=1 actions=ALL', TCP)).sort()).toEqual(['br0', 'ovn-hv2-0', 'vif2', 'vif3']);
  });

  it('NORMAL forwards to a learned port and floods unknown destinations', () => {
    const flows = 'table=0, priority=0 actions=NORMAL';
    const learned = trace(flows, TCP, { fdb: { br0: [{ port: 3, vlan: 0, mac: 0x0a0000000002n }] } });
    expect(outPorts(learned)).toEqual(['vif3']);
    expect(texts(learned)).toContain('forwarding to learned port');
    const flooded = trace(flows, TCP, { fdb: { br0: [] } });
    expect(outPorts(flooded).sort()).toEqual(['br0', 'ovn-hv2-0', 'vif2', 'vif3']);
    expect(texts(flooded)).toContain('no learned MAC for destination, flooding');
    const back = trace(flows, TCP, { fdb: { br0: [{ port: 1, vlan: 0, mac: 0x0a0000000002n }] } });
    expect(back.outputs).toEqual([]);
  });
});

describe('resubmit and goto_table', () => {
  it('resubmit(,T) continues in table T; a miss there is "No match." and processing goes on', () => {
    const r = trace(
      ['table=0, priority=100,in_port=1 actions=resubmit(,73),resubmit(,8)', 'table=8, priority=10 actions=output:2'].join('\n'),
      TCP,
    );
    expect(texts(r, 'no-match')).toEqual(['73. No match.']);
    expect(outPorts(r)).toEqual(['vif2']);
  });

  it('resubmit:PORT looks up with a different in_port', () => {
    const r = trace(['table=0, priority=100,in_port=1 actions=resubmit:2', 'table=0, priority=100,in_port=2 actions=output:3'].join('\n'), TCP);
    expect(outPorts(r)).toEqual(['vif3']);
    expect(fieldOf(r.passes[0].finalFlow, 'in_port')).toBe('1');
  });

  it('resubmit(,T,ct) on an untracked packet is an error node and a no-op', () => {
    const r = trace(['table=0, priority=100,in_port=1 actions=resubmit(,8,ct),output:2', 'table=8, priority=10 actions=output:3'].join('\n'), TCP);
    expect(texts(r, 'warning').join()).toContain('resubmit(ct) with non-tracked or non-IP packet!');
    expect(outPorts(r)).toEqual(['vif2']);
  });

  it('goto_table continues in the later table', () => {
    const r = trace(['table=0, priority=100,in_port=1 actions=goto_table:5', 'table=5, priority=1 actions=output:2'].join('\n'), TCP);
    expect(outPorts(r)).toEqual(['vif2']);
  });

  it('a resubmit loop hits the depth limit: error verdict with the loop', () => {
    const r = trace(['table=0, priority=100,in_port=1 actions=resubmit(,8)', 'table=8, priority=1 actions=output:2,resubmit(,9)', 'table=9, priority=1 actions=resubmit(,8)'].join('\n'), TCP);
    expect(r.verdict).toBe('error');
    expect(r.outputs).toEqual([]);
    expect(r.warnings.join()).toContain('over max translation depth 64');
    expect(r.warnings.join()).toMatch(/resubmit loop through tables (8 -> 9 -> 8|9 -> 8 -> 9)/);
    expect(r.hops[0].drop?.reason).toBe('LOOP');
    expect(r.passes[0].errorChain!.length).toBeGreaterThan(64);
    expect(r.passes[0].loop?.length).toBe(3);
  });

  it('honours maxResubmits', () => {
    const flows = ['table=0, priority=100,in_port=1 actions=resubmit(,1),resubmit(,1),resubmit(,1)', 'table=1, priority=1 actions=resubmit(,2)', 'table=2, priority=1 actions=drop'].join('\n');
    const r = trace(flows, TCP, { maxResubmits: 4 });
    expect(r.verdict).toBe('error');
    expect(r.warnings.join()).toContain('over 4 resubmit actions');
  });
});

describe('set_field, load, move', () => {
  it('writes sub-fields through overlapping views (reg/xreg/xxreg)', () => {
    const r = trace(
      'table=0, priority=100,in_port=1 actions=load:0x1->NXM_NX_XXREG0[96],set_field:0x4/0x4->xreg0,load:0xa020064->NXM_NX_XXREG0[64..95],move:NXM_NX_REG1[0..15]->NXM_NX_REG2[16..31]',
      TCP,
    );
    // xxreg0 = reg0 (most significant) .. reg3; xreg0 = reg0 (high half) : reg1 (low half).
    expect(fieldOf(r.passes[0].finalFlow, 'reg0')).toBe('0x1');
    expect(fieldOf(r.passes[0].finalFlow, 'reg1')).toBe('0xa020064');
    expect(fieldOf(r.passes[0].finalFlow, 'reg2')).toBe('0x640000');
    const sets = allNodes(r.tree).filter((n) => n.kind === 'set');
    expect(sets.map((n) => n.text)).toContain('xxreg0: 0 -> 0x1000000000000000000000000');
  });

  it('set_field with a mask and named fields', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=set_field:0a:00:00:00:00:ff->eth_dst,set_field:10.9.9.9->ip_dst,set_field:0x8/0xc->reg10', TCP);
    expect(fieldOf(r.passes[0].finalFlow, 'dl_dst')).toBe('0a:00:00:00:00:ff');
    expect(fieldOf(r.passes[0].finalFlow, 'nw_dst')).toBe('10.9.9.9');
    expect(fieldOf(r.passes[0].finalFlow, 'reg10')).toBe('0x8');
  });

  it('set_field with unmet prerequisites is ignored with a warning', () => {
    const arp = `${IN1},arp,dl_src=0a:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.2`;
    const r = trace('table=0, priority=100,in_port=1 actions=set_field:80->tcp_dst,output:2', arp);
    expect(texts(r, 'warning')).toContain('unmet prerequisites for tcp_dst, set_field ignored');
    expect(outPorts(r)).toEqual(['vif2']);
  });

  it('move reports "is now" like ofproto/trace', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=load:0x3->OXM_OF_METADATA[0..23],move:OXM_OF_METADATA[0..23]->NXM_NX_REG11[0..23],move:NXM_NX_REG11[]->NXM_NX_REG12[]', TCP);
    expect(texts(r)).toContain('NXM_NX_REG11[0..23] is now 0x3');
    expect(texts(r)).toContain('NXM_NX_REG12[] is now 0x3');
  });

  it('nw_tos writes only the DSCP bits', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=set_field:0xff->nw_tos', `${TCP},nw_ecn=3`);
    expect(fieldOf(r.passes[0].finalFlow, 'nw_tos')).toBe('252');
    expect(fieldOf(r.passes[0].finalFlow, 'nw_ecn')).toBe('3');
  });
});

describe('push and pop', () => {
  it('pop restores a pushed value; underflow is reported', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=load:0x7->NXM_NX_REG5[],push:NXM_NX_REG5[],load:0->NXM_NX_REG5[],pop:NXM_NX_REG6[]', TCP);
    expect(fieldOf(r.passes[0].finalFlow, 'reg6')).toBe('0x7');
    const u = trace('table=0, priority=100,in_port=1 actions=pop:NXM_NX_REG6[]', TCP);
    expect(texts(u, 'warning')).toContain('stack underflow');
  });
});

describe('drops', () => {
  it('an explicit drop flow decides the drop', () => {
    const r = trace(['table=0, priority=100,in_port=1 actions=resubmit(,44)', 'cookie=0x3c83d708, table=44, priority=1000,tcp actions=drop'].join('\n'), TCP);
    expect(r.verdict).toBe('dropped');
    expect(r.hops[0].drop).toMatchObject({ table: 44, priority: 1000, cookie: '0x3c83d708', reason: 'EXPLICIT_DROP' });
  });

  it('a table miss at table 0 is NO_MATCH', () => {
    const r = trace('table=0, priority=100,in_port=2 actions=output:3', TCP);
    expect(r.verdict).toBe('dropped');
    expect(texts(r, 'no-match')).toEqual([' 0. No match.']);
    expect(r.hops[0].drop).toMatchObject({ table: 0, reason: 'NO_MATCH' });
  });
});

describe('controller', () => {
  it('decodes the OVN opcode from userdata (pause: PUT_DHCP_OPTS)', () => {
    const r = trace(
      'table=0, priority=100,in_port=1 actions=controller(userdata=00.00.00.02.00.00.00.00.00.01.de.10.00.00.00.63.0a.04.00.0b,pause),output:2',
      `${IN1},udp,dl_src=0a:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff,nw_src=0.0.0.0,nw_dst=255.255.255.255,nw_ttl=64,udp_src=68,udp_dst=67`,
    );
    expect(r.verdict).toBe('controller');
    expect(r.controllers).toMatchObject([{ reason: 'PUT_DHCP_OPTS', opcode: 2, pause: true }]);
    expect(r.hops[0].controllerReason).toBe('PUT_DHCP_OPTS');
    // A paused controller action freezes translation: nothing after it runs in this pass.
    expect(r.outputs).toEqual([]);
  });

  it('non-paused OVN actions (ICMP) keep going', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=controller(userdata=00.00.00.0a.00.00.00.00.00.19.00.10.80.00.26.01.0b.00.00.00),output:2', TCP);
    expect(r.controllers.map((c) => c.reason)).toEqual(['ICMP']);
    expect(outPorts(r)).toEqual(['vif2']);
    expect(r.verdict).toBe('delivered');
  });
});

describe('ct', () => {
  const flows = [
    'table=0, priority=100,in_port=1 actions=load:0x7->NXM_NX_REG13[0..15],ct(table=15,zone=NXM_NX_REG13[0..15],nat)',
    'table=15, priority=7,ct_state=+new-est+trk actions=resubmit(,20)',
    'table=15, priority=7,ct_state=-new+est-rpl+trk actions=output:3',
    'table=15, priority=7,ct_state=+est+rpl+trk actions=output:10',
    'table=20, priority=1 actions=ct(commit,table=21,zone=NXM_NX_REG13[0..15],nat(dst=10.0.0.9:8080),exec(set_field:0x2/0x2->ct_mark))',
    'table=21, priority=1,ct_mark=0x2/0x2 actions=output:2',
  ].join('\n');

  it('recirculates with the default ct_state trk|new and simulates NAT like ofproto/trace', () => {
    const r = trace(flows, TCP);
    expect(r.passes).toHaveLength(3);
    expect(r.passes[1].flow).toContain('ct_state=new|trk,ct_zone=7');
    expect(texts(r, 'recirc')).toContain('recirc(0x1) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)');
    expect(texts(r, 'recirc')).toContain('A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 15.');
    // ct(...,nat(dst=10.0.0.9:8080)): the resumed pass sees the first address and port of the range.
    expect(fieldOf(r.passes[2].flow, 'nw_dst')).toBe('10.0.0.9');
    expect(fieldOf(r.passes[2].flow, 'tp_dst')).toBe('8080');
    expect(fieldOf(r.passes[2].flow, 'ct_mark')).toBe('0x2');
    expect(outPorts(r)).toEqual(['vif2']);
    // ct clears the conntrack fields of the current pass.
    expect(r.passes[0].finalFlow).not.toContain('ct_');
  });

  it('--ct-next states are consumed in order', () => {
    expect(outPorts(trace(flows, TCP, { ctNext: ['trk,est'] }))).toEqual(['vif3']);
    expect(outPorts(trace(flows, TCP, { ctNext: ['trk,rpl,est'] }))).toEqual(['ovn-hv2-0']);
    const two = trace(flows, TCP, { ctNext: ['trk,new', 'trk,est'] });
    expect(two.passes[2].flow).toContain('ct_state=est|trk');
  });

  it('rejects invalid --ct-next states like OVS', () => {
    const h = host({ name: 'br0', flows, ports: PORTS });
    const bad = traceHost(h, 'br0', TCP, { ctNext: ['trk,new,est'] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toContain('"new" and "est" are mutually exclusive');
    expect(traceHost(h, 'br0', TCP, { ctNext: ['bogus'] }).ok).toBe(false);
  });

  it('ct without table commits and does not recirculate; an empty nested list prints "drop"', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=ct(commit,zone=5),output:2', TCP);
    expect(r.passes).toHaveLength(1);
    expect(outPorts(r)).toEqual(['vif2']);
    expect(texts(r)).toContain('Sets the packet to an untracked state, and clears all the conntrack fields.');
  });

  it('ct_clear clears conntrack state only when the packet is tracked', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=ct_clear,resubmit(,1)\ntable=1, priority=1,ct_state=+trk actions=output:2\ntable=1, priority=0 actions=output:3', `${TCP},ct_state=trk|est,ct_zone=3`);
    expect(outPorts(r)).toEqual(['vif3']);
    expect(r.passes[0].finalFlow).not.toContain('ct_state');
  });
});

describe('conjunction', () => {
  const flows = [
    'table=0, priority=100,in_port=1 actions=resubmit(,46)',
    'table=46, priority=2001,ip,nw_src=10.0.0.1 actions=conjunction(7,1/2)',
    'table=46, priority=2001,ip,nw_src=10.0.0.3 actions=conjunction(7,1/2)',
    'table=46, priority=2001,tcp,tp_dst=80 actions=conjunction(7,2/2)',
    'cookie=0x45944d0, table=46, priority=2001,conj_id=7,ip actions=output:2',
    'table=46, priority=1 actions=output:3',
  ].join('\n');

  it('matches the conj_id flow when every clause matches', () => {
    const r = trace(flows, TCP);
    expect(outPorts(r)).toEqual(['vif2']);
    const t = allNodes(r.tree).find((n) => n.kind === 'table' && n.text.startsWith('46.'))!;
    expect(t.text).toBe('46. conj_id=7,ip, priority 2001, cookie 0x45944d0');
    expect(t.data).toMatchObject({ conjId: 7 });
  });

  it('falls back to lower priorities when a clause does not match', () => {
    expect(outPorts(trace(flows, TCP.replace('tcp_dst=80', 'tcp_dst=81')))).toEqual(['vif3']);
    expect(outPorts(trace(flows, TCP.replace('nw_src=10.0.0.1', 'nw_src=10.0.0.2')))).toEqual(['vif3']);
  });

  it('a lone conjunction flow never matches by itself', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=conjunction(1,1/2)', TCP);
    expect(texts(r, 'no-match')).toEqual([' 0. No match.']);
  });
});

describe('groups', () => {
  const g = 'group_id=1,type=select,selection_method=dp_hash,bucket=bucket_id:0,weight:100,actions=output:2,bucket=bucket_id:1,weight:100,actions=output:3';
  const flows = 'table=0, priority=100,in_port=1 actions=group:1';

  it('select with dp_hash=0 stops like ofproto/trace (incomplete, error verdict, hint)', () => {
    const r = trace(flows, TCP, { groups: g });
    expect(r.verdict).toBe('error');
    expect(r.incomplete?.groupId).toBe(1);
    expect(texts(r)).toContain('no live bucket');
    expect(r.warnings.join()).toContain('--select-bucket N');
  });

  it('select with dp_hash picks the Webster hash-table bucket', () => {
    expect(outPorts(trace(flows, `${TCP},dp_hash=1`, { groups: g }))).toEqual(['vif3']);
    expect(outPorts(trace(flows, `${TCP},dp_hash=2`, { groups: g }))).toEqual(['vif2']);
    const weighted = 'group_id=1,type=select,selection_method=dp_hash,bucket=bucket_id:0,weight:300,actions=output:2,bucket=bucket_id:1,weight:100,actions=output:3';
    const picks = Array.from({ length: 16 }, (_, i) => outPorts(trace(flows, `${TCP},dp_hash=${i + 16}`, { groups: weighted }))[0]);
    expect(picks.filter((p) => p === 'vif2').length).toBe(12);
  });

  it('--select-bucket overrides', () => {
    expect(outPorts(trace(flows, TCP, { groups: g, selectBucket: 1 }))).toEqual(['vif3']);
    expect(outPorts(trace(flows, `${TCP},dp_hash=1`, { groups: g, selectBucket: new Map([[1, 0]]) }))).toEqual(['vif2']);
  });

  it('--select-bucket naming a bucket the select group does not have is a usage error naming the group and its buckets', () => {
    const h = host({ name: 'br0', flows, groups: g, ports: PORTS });
    const r = traceHost(h, 'br0', TCP, { selectBucket: 7 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ exitCode: 2, message: '--select-bucket 7: select group 1 on hv1 br0 has 2 buckets (bucket ids 0, 1); give one of those' });
  });

  it('all groups run every bucket on a copy of the packet', () => {
    const all = 'group_id=2,type=all,bucket=bucket_id:0,actions=set_field:0a:00:00:00:00:99->eth_dst,output:2,bucket=bucket_id:1,actions=output:3';
    const r = trace('table=0, priority=100,in_port=1 actions=group:2', TCP, { groups: all });
    expect(outPorts(r)).toEqual(['vif2', 'vif3']);
    expect(fieldOf(r.outputs[0].packet, 'dl_dst')).toBe('0a:00:00:00:00:99');
    expect(fieldOf(r.outputs[1].packet, 'dl_dst')).toBe('0a:00:00:00:00:02');
    expect(fieldOf(r.passes[0].finalFlow, 'dl_dst')).toBe('0a:00:00:00:00:02');
  });

  it('a missing group ends the action list with a warning', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=group:9,output:2', TCP);
    expect(texts(r, 'warning')).toContain('output to nonexistent group 9');
    expect(r.outputs).toEqual([]);
  });
});

describe('clone', () => {
  it('restores the packet after the clone', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=clone(set_field:0a:00:00:00:00:99->eth_src,output:2),output:3', TCP);
    expect(fieldOf(r.outputs[0].packet, 'dl_src')).toBe('0a:00:00:00:00:99');
    expect(fieldOf(r.outputs[1].packet, 'dl_src')).toBe('0a:00:00:00:00:01');
  });
});

describe('dec_ttl', () => {
  const flows = 'table=0, priority=100,in_port=1 actions=dec_ttl,output:2';
  it('decrements', () => {
    expect(fieldOf(trace(flows, TCP).outputs[0].packet, 'nw_ttl')).toBe('63');
  });
  it('TTL 1 and 0: exception, the table stops, TTL_EXPIRED', () => {
    for (const ttl of [1, 0]) {
      const r = trace(flows, TCP.replace('nw_ttl=64', `nw_ttl=${ttl}`));
      expect(r.verdict).toBe('dropped');
      expect(texts(r, 'warning')).toContain('IPv4 decrement TTL exception');
      expect(r.hops[0].drop?.reason).toBe('TTL_EXPIRED');
    }
  });
  it('does nothing for non-IP', () => {
    const r = trace(flows, `${IN1},arp,dl_src=0a:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1`);
    expect(outPorts(r)).toEqual(['vif2']);
  });
});

describe('mod_* and vlan actions', () => {
  it('mod_dl/nw/tp', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=mod_dl_src:0a:00:00:00:00:aa,mod_dl_dst:0a:00:00:00:00:bb,mod_nw_src:10.1.1.1,mod_nw_dst:10.2.2.2,mod_tp_src:1,mod_tp_dst:2,mod_nw_ttl:9,output:2', TCP);
    const p = r.outputs[0].packet;
    expect([fieldOf(p, 'dl_src'), fieldOf(p, 'dl_dst'), fieldOf(p, 'nw_src'), fieldOf(p, 'nw_dst'), fieldOf(p, 'tp_src'), fieldOf(p, 'tp_dst'), fieldOf(p, 'nw_ttl')]).toEqual([
      '0a:00:00:00:00:aa',
      '0a:00:00:00:00:bb',
      '10.1.1.1',
      '10.2.2.2',
      '1',
      '2',
      '9',
    ]);
  });

  it('push_vlan / mod_vlan_vid / strip_vlan', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=mod_vlan_vid:100,output:2,strip_vlan,output:3', TCP);
    expect(r.outputs[0].packet).toContain('dl_vlan=100,dl_vlan_pcp=0,vlan_tci1=0x0000');
    expect(r.outputs[1].packet).toContain('vlan_tci=0x0000');
  });

  it('set_tunnel sets tun_id', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=set_tunnel:0x2a,output:10', TCP);
    expect(r.outputs[0].tunnel?.tunId).toBe('0x2a');
  });
});

describe('check_pkt_larger', () => {
  const flows = [
    'table=0, priority=100,in_port=1 actions=check_pkt_larger(1414)->NXM_NX_REG9[1],resubmit(,1)',
    'table=1, priority=100,reg9=0x2/0x2 actions=controller(userdata=00.00.00.0e.00.00.00.00)',
    'table=1, priority=50 actions=output:2',
  ].join('\n');

  it('follows the branch the packet length selects (default: the generated packet, 118 bytes)', () => {
    const small = trace(flows, TCP);
    expect(small.size).toBe(118);
    expect(outPorts(small)).toEqual(['vif2']);
    const big = trace(flows, TCP, { size: 1500 });
    expect(big.verdict).toBe('controller');
    expect(big.controllers[0].reason).toBe('ICMP4_ERROR');
    // The other branch is shown, not taken; the flow is restored afterwards as in OVS.
    expect(texts(big).some((t) => t.includes('(not taken)'))).toBe(true);
    expect(big.passes[0].finalFlow).not.toContain('reg9');
  });
});

describe('actions without forwarding effect', () => {
  it('learn, note, meter, sample, fin_timeout are shown and change nothing', () => {
    const r = trace(
      'table=0, priority=100,in_port=1 actions=learn(table=69,delete_learned,cookie=0x1,OXM_OF_METADATA[],NXM_OF_ETH_SRC[],load:0x1->NXM_NX_REG10[5]),note:00.01,meter:1,sample(probability=65535,collector_set_id=1,obs_domain_id=2,obs_point_id=3),fin_timeout(idle_timeout=10),output:2',
      TCP,
    );
    expect(outPorts(r)).toEqual(['vif2']);
    expect(texts(r).some((t) => t.startsWith('learn: would add a flow to table 69'))).toBe(true);
    expect(r.passes[0].finalFlow).toBe(r.passes[0].flow);
  });

  it('exit stops the whole pipeline', () => {
    const r = trace(['table=0, priority=100,in_port=1 actions=resubmit(,1),output:3', 'table=1, priority=1 actions=exit,output:2'].join('\n'), TCP);
    expect(r.outputs).toEqual([]);
  });

  it('an unknown action is a loud warning, never a silent skip', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=frobnicate(7),output:2', TCP);
    expect(r.unsupported).toBe(true);
    expect(r.warnings.join()).toContain('UNKNOWN ACTION "frobnicate(7)"');
    expect(allNodes(r.tree).some((n) => n.kind === 'warning' && n.detail === 'minimal' && n.text.includes('frobnicate'))).toBe(true);
    expect(outPorts(r)).toEqual(['vif2']);
  });
});

describe('an action ovnscope does not simulate', () => {
  // A skipped action can be what would have made the packet go somewhere (or nowhere): the
  // packet going nowhere after it is "cannot trace", not a miss of whatever table came next.
  it('then nothing output: verdict error, UNSUPPORTED at the flow holding it (line), not the table miss that follows', () => {
    const r = trace(['table=0, priority=100,in_port=1 actions=multipath(eth_src,50,modulo_n,1,0,NXM_NX_REG0[]),resubmit(,1)', 'table=1, priority=100,reg0=0x7 actions=output:2'].join('\n'), TCP);
    expect(r.unsupported).toBe(true);
    expect(r.verdict).toBe('error');
    const d = r.hops[0].drop!;
    expect(d).toMatchObject({ reason: 'UNSUPPORTED', table: 0, line: 1 });
    expect(d.explanation).toMatch(/^action multipath is not simulated by ovnscope \(table 0, line 1\): the trace cannot say where the packet goes from here$/);
  });

  it('an action that could not be read, then nothing output: the same', () => {
    const r = trace(['table=0, priority=100,in_port=1 actions=frobnicate(7),resubmit(,1)', 'table=2, priority=1 actions=output:2'].join('\n'), TCP);
    expect(r.verdict).toBe('error');
    expect(r.hops[0].drop).toMatchObject({ reason: 'UNSUPPORTED', table: 0, explanation: expect.stringContaining('"frobnicate(7)" could not be read') });
  });

  it('a later explicit drop does not hide it either', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=encap(nsh),resubmit(,1)\ntable=1, priority=1 actions=drop', TCP);
    expect(r.verdict).toBe('error');
    expect(r.hops[0].drop?.reason).toBe('UNSUPPORTED');
  });
});

describe('patch ports', () => {
  it('continue in the peer bridge, then restore the packet', () => {
    const h = patchedHost('table=0, priority=100,in_port=1 actions=load:0x5->NXM_NX_REG15[],output:5,output:2');
    const r = traceHost(h, 'br-int', TCP, { fdb: { 'br-ex': [] } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.outputs.map((o) => `${o.bridge}/${o.port}`)).toEqual(['br-ex/eth0', 'br-int/vif2']);
    expect(r.value.hops.map((x) => x.bridge)).toEqual(['br-int', 'br-ex']);
    // Registers are zeroed in the peer and restored afterwards.
    expect(fieldOf(r.value.hops[1].finalFlow, 'reg15')).toBeUndefined();
    expect(fieldOf(r.value.passes[0].finalFlow, 'reg15')).toBe('0x5');
    expect(texts(r.value, 'bridge')).toEqual(['bridge("br-int")', 'bridge("br-ex")']);
  });
});

describe('equal-priority overlaps', () => {
  it('produce a warning naming the other flow', () => {
    const r = trace(['table=0, priority=100,in_port=1 actions=output:2', 'table=0, priority=100,tcp actions=output:3'].join('\n'), TCP);
    expect(r.ambiguous).toBe(true);
    expect(r.warnings.join()).toContain('equal-priority overlap in table 0');
    expect(r.warnings.join()).toContain('DIFFERENT actions');
  });
});

describe('usage errors', () => {
  it('unknown bridge, unknown port, bad flow', () => {
    const h = host({ name: 'br0', flows: 'table=0, priority=0 actions=drop', ports: PORTS });
    const a = traceHost(h, 'br-nope', TCP);
    expect(!a.ok && a.error.exitCode).toBe(2);
    const b = traceHost(h, 'br0', 'in_port=nope,tcp');
    expect(!b.ok && b.error.message).toContain('"nope" is not a port of bridge br0');
    const c = traceHost(h, 'br0', 'in_port=vif1,tcp_dst=80');
    expect(!c.ok && c.error.message).toContain('column 14');
  });
});

describe('recirc_id in the flow', () => {
  it('is a translation failure, as ofproto/trace says when the frozen state does not exist', () => {
    const r = trace('table=0, priority=100,in_port=1 actions=output:2', `${TCP},recirc_id=0x5`);
    expect(r.verdict).toBe('error');
    expect(r.warnings.join()).toContain('Recirculation context not found for ID 5');
  });
});

describe('equal-priority overlaps with the same actions', () => {
  it('are a summary-level note, not a warning, and not ambiguous', () => {
    const r = trace(['table=0, priority=100,in_port=1 actions=output:2', 'table=0, priority=100,tcp actions=output:2'].join('\n'), TCP);
    expect(r.ambiguous).toBe(false);
    expect(r.warnings).toEqual([]);
    const n = allNodes(r.tree).find((x) => x.kind === 'warning')!;
    expect(n.detail).toBe('summary');
    expect(n.text).toContain('(same actions)');
  });
});
