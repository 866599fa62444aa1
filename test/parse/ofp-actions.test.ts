import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/model/flow.js';
import { formatActions, parseActions, parseFieldRef, formatFieldRef } from '../../src/parse/ofp-actions.js';

function one(text: string): Action {
  const r = parseActions(text);
  expect(r.diagnostics, text).toEqual([]);
  expect(r.value).toHaveLength(1);
  expect(formatActions(r.value), 'round-trip').toBe(text);
  return r.value[0];
}

// Every action kind: text as OVS 3.1 prints it, and the parsed type.
const CASES: [string, Action['type']][] = [
  ['output:1', 'output'],
  ['output:"patch-br-int-to"', 'output'],
  ['output:vif1', 'output'],
  ['output:"vm long name"', 'output'],
  ['NORMAL', 'output'],
  ['LOCAL', 'output'],
  ['IN_PORT', 'output'],
  ['FLOOD', 'output'],
  ['ALL', 'output'],
  ['CONTROLLER:65535', 'controller'],
  ['CONTROLLER:128', 'controller'],
  ['output:NXM_NX_REG15[]', 'output_reg'],
  ['output:NXM_NX_REG0[16..31]', 'output_reg'],
  ['output(port=1,max_len=100)', 'output_trunc'],
  ['enqueue:1:2', 'enqueue'],
  ['resubmit(,8)', 'resubmit'],
  ['resubmit(1,8)', 'resubmit'],
  ['resubmit:3', 'resubmit'],
  ['resubmit:LOCAL', 'resubmit'],
  ['resubmit(,8,ct)', 'resubmit'],
  ['goto_table:7', 'goto_table'],
  ['load:0x1->NXM_NX_REG10[16]', 'load'],
  ['load:0->NXM_NX_REG13[16..31]', 'load'],
  ['load:0x3->OXM_OF_METADATA[]', 'load'],
  ['load:0x20201213->NXM_NX_XXREG0[64..111]', 'load'],
  ['load:0xfd00000000000000->NXM_NX_IPV6_DST[64..127]', 'load'],
  ['set_field:0xa->reg13', 'set_field'],
  ['set_field:0x1/0x1->reg10', 'set_field'],
  ['set_field:00:00:20:20:12:13->eth_src', 'set_field'],
  ['set_field:0x2/0x2->ct_mark', 'set_field'],
  ['set_field:10.0.0.0/8->ip_dst', 'set_field'],
  ['set_field:10.0.0.0/255.0.255.0->ip_dst', 'set_field'],
  ['set_field:fd00::/16->ipv6_src', 'set_field'],
  ['set_field:2/0x3->nw_ecn', 'set_field'],
  ['set_field:4101->vlan_vid', 'set_field'],
  ['set_field:0x12345678901234567890->ct_label', 'set_field'],
  ['set_field:0x5->tun_metadata0', 'set_field'],
  ['set_field:0x5->xreg4', 'set_field'],
  ['move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]', 'move'],
  ['move:NXM_NX_TUN_ID[0..23]->OXM_OF_METADATA[0..23]', 'move'],
  ['move:NXM_NX_TUN_METADATA0[16..30]->NXM_NX_REG14[0..14]', 'move'],
  ['move:NXM_NX_REG10[12]->NXM_NX_XXREG0[111]', 'move'],
  ['push:NXM_NX_XXREG0[]', 'push'],
  ['pop:NXM_OF_ETH_SRC[]', 'pop'],
  ['drop', 'drop'],
  ['controller(userdata=00.00.00.04.00.00.00.00)', 'controller'],
  ['controller(userdata=00.01.02,pause,meter_id=3)', 'controller'],
  ['controller(reason=no_match,max_len=100,id=5)', 'controller'],
  ['controller(reason=invalid_ttl)', 'controller'],
  ['ct(table=9,zone=NXM_NX_REG13[0..15])', 'ct'],
  ['ct(commit,zone=NXM_NX_REG13[0..15],exec(set_field:0/0x1->ct_mark))', 'ct'],
  ['ct(commit,table=21,zone=NXM_NX_REG13[0..15],nat(dst=10.0.0.3:80),exec(set_field:0x2/0x2->ct_mark))', 'ct'],
  ['ct(commit,table=2,zone=NXM_NX_REG13[0..15],nat(src=10.0.0.1-10.0.0.5:1000-2000,persistent,random),exec(set_field:0x1->ct_mark))', 'ct'],
  ['ct(commit,force,zone=5,nat(dst=[fd00::1]-[fd00::5]:80,hash),alg=ftp)', 'ct'],
  ['ct(commit,nat(src=fd00::1))', 'ct'],
  ['ct(nat(dst=[fd00::1]:8080))', 'ct'],
  ['ct(commit,nat(src))', 'ct'],
  ['ct(commit,alg=tftp)', 'ct'],
  ['ct(nat)', 'ct'],
  ['ct(table=3)', 'ct'],
  ['ct_clear', 'ct_clear'],
  ['conjunction(100,2/2)', 'conjunction'],
  ['group:1', 'group'],
  ['clone(mod_dl_src:00:00:00:00:00:01,output:1)', 'clone'],
  ['clone(ct_clear,load:0->NXM_NX_REG11[],resubmit(,8))', 'clone'],
  ['dec_ttl', 'dec_ttl'],
  ['dec_ttl(1,2,3)', 'dec_ttl'],
  ['mod_dl_src:00:00:00:00:00:01', 'mod_dl_src'],
  ['mod_dl_dst:02:42:ac:12:00:03', 'mod_dl_dst'],
  ['mod_nw_src:1.2.3.4', 'mod_nw_src'],
  ['mod_nw_dst:5.6.7.8', 'mod_nw_dst'],
  ['mod_nw_tos:16', 'mod_nw_tos'],
  ['mod_nw_ecn:2', 'mod_nw_ecn'],
  ['mod_nw_ttl:9', 'mod_nw_ttl'],
  ['mod_tp_src:10', 'mod_tp_src'],
  ['mod_tp_dst:11', 'mod_tp_dst'],
  ['push_vlan:0x8100', 'push_vlan'],
  ['pop_vlan', 'pop_vlan'],
  ['strip_vlan', 'pop_vlan'],
  ['mod_vlan_vid:5', 'set_vlan_vid'],
  ['set_vlan_vid:5', 'set_vlan_vid'],
  ['mod_vlan_pcp:3', 'set_vlan_pcp'],
  ['set_tunnel:0x5', 'set_tunnel'],
  ['set_tunnel64:0x5', 'set_tunnel'],
  ['set_tunnel64:0x123456789', 'set_tunnel'],
  ['check_pkt_larger(1414)->OXM_OF_PKT_REG4[1]', 'check_pkt_larger'],
  ['learn(table=78,idle_timeout=60,delete_learned,OXM_OF_METADATA[],eth_type=0x800,NXM_OF_IP_SRC[],ip_dst=10.0.0.100,nw_proto=6,tcp_dst=80,load:0x1->NXM_NX_REG10[14],load:0xa000003->NXM_NX_REG4[],load:0x50->NXM_NX_REG8[0..15])', 'learn'],
  ['learn(table=20,hard_timeout=300,priority=1,cookie=0x8a8d4d7575036c1a,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:OXM_OF_IN_PORT[])', 'learn'],
  ['learn(table=10,idle_timeout=10,hard_timeout=20,fin_idle_timeout=2,fin_hard_timeout=4,priority=5,send_flow_rem,delete_learned,cookie=0x123,limit=5,result_dst=NXM_NX_REG1[0],NXM_NX_REG0[0..3]=0x5)', 'learn'],
  ['note:01.02.03.04.05.06', 'note'],
  ['meter:1', 'meter'],
  ['sample(probability=100,collector_set_id=1,obs_domain_id=2,obs_point_id=3)', 'sample'],
  ['sample(probability=5,collector_set_id=1,obs_domain_id=2,obs_point_id=3,sampling_port=1,ingress)', 'sample'],
  ['fin_timeout(idle_timeout=5,hard_timeout=10)', 'fin_timeout'],
  ['exit', 'exit'],
  ['set_queue:3', 'set_queue'],
  ['pop_queue', 'pop_queue'],
  ['multipath(symmetric_l4,50,modulo_n,1,0,NXM_NX_REG0[0..3])', 'multipath'],
  ['bundle(eth_src,0,hrw,ofport,members:1,2)', 'bundle'],
  ['bundle_load(eth_src,0,active_backup,ofport,NXM_NX_REG0[],members:1,2)', 'bundle'],
  ['encap(nsh(md_type=1))', 'encap'],
  ['encap(ethernet)', 'encap'],
  ['decap()', 'decap'],
  ['write_metadata:0x5', 'write_metadata'],
  ['write_metadata:0x5/0xff', 'write_metadata'],
  ['clear_actions', 'clear_actions'],
  ['write_actions(output:1,set_field:0x5->reg0)', 'write_actions'],
  ['apply_actions(output:1)', 'apply_actions'],
  ['dec_nsh_ttl', 'dec_nsh_ttl'],
  ['dec_mpls_ttl', 'dec_mpls_ttl'],
  ['set_mpls_label(10)', 'set_mpls_label'],
  ['set_mpls_tc(3)', 'set_mpls_tc'],
  ['set_mpls_ttl(5)', 'set_mpls_ttl'],
  ['push_mpls:0x8847', 'push_mpls'],
  ['pop_mpls:0x0800', 'pop_mpls'],
  ['debug_recirc', 'debug_recirc'],
  ['debug_slow', 'debug_slow'],
  ['delete_field:tun_metadata0', 'delete_field'],
];

describe('actions', () => {
  it.each(CASES)('%s parses as %s and formats back', (text, type) => {
    expect(one(text).type).toBe(type);
  });

  it('keeps the structure of common OVN actions', () => {
    expect(one('resubmit(,8)')).toEqual({ type: 'resubmit', ct: false, table: 8 });
    expect(one('resubmit(1,8)')).toMatchObject({ port: { kind: 'number', port: 1 }, table: 8 });
    expect(one('resubmit:3')).toEqual({ type: 'resubmit', ct: false, port: { kind: 'number', port: 3 } });
    const load = one('load:0x1->NXM_NX_REG10[16]');
    expect(load).toMatchObject({ type: 'load', value: 1n, dst: { ofs: 16, nBits: 1 } });
    if (load.type === 'load') expect(load.dst.field.name).toBe('reg10');
    const sf = one('set_field:0x1/0x1->reg10');
    expect(sf).toMatchObject({ type: 'set_field', value: 1n, mask: 1n });
    const ct = one('ct(commit,table=21,zone=NXM_NX_REG13[0..15],nat(dst=10.0.0.3:80),exec(set_field:0x2/0x2->ct_mark))');
    expect(ct).toMatchObject({ type: 'ct', commit: true, table: 21, nat: { kind: 'dst', family: 4, addrMin: 0x0a000003n, portMin: 80 } });
    if (ct.type === 'ct') {
      expect(ct.exec).toHaveLength(1);
      expect(ct.exec[0].type).toBe('set_field');
      expect(typeof ct.zone === 'object' && ct.zone.field.name).toBe('reg13');
    }
    expect(one('conjunction(100,2/2)')).toEqual({ type: 'conjunction', id: 100, clause: 2, nClauses: 2 });
    const ctl = one('controller(userdata=00.01.02,pause,meter_id=3)');
    expect(ctl).toMatchObject({ userdata: [0, 1, 2], pause: true, meterId: 3 });
    const learn = one('learn(table=20,hard_timeout=300,priority=1,cookie=0x8a8d4d7575036c1a,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:OXM_OF_IN_PORT[])');
    if (learn.type === 'learn') expect(learn.specs.map((s) => s.kind)).toEqual(['match_field', 'match_field', 'load_imm', 'load_field', 'output']);
  });

  it('parses nested lists recursively', () => {
    const r = parseActions('clone(ct(commit,exec(clone(output:1))),write_actions(group:2))');
    expect(r.diagnostics).toEqual([]);
    const c = r.value[0];
    expect(c.type).toBe('clone');
    if (c.type === 'clone' && c.actions[0].type === 'ct') expect(c.actions[0].exec[0].type).toBe('clone');
    expect(formatActions(r.value)).toBe('clone(ct(commit,exec(clone(output:1))),write_actions(group:2))');
  });

  it('normalises input-only spellings to what OVS prints', () => {
    const norm = (t: string) => formatActions(parseActions(t).value);
    expect(norm('controller(max_len=65535)')).toBe('CONTROLLER:65535');
    expect(norm('resubmit(IN_PORT,5)')).toBe('resubmit(,5)');
    expect(norm('ct(commit,zone=0)')).toBe('ct(commit)');
    expect(norm('set_tunnel:0x123456789')).toBe('set_tunnel64:0x123456789');
    expect(norm('ct(alg=21)')).toBe('ct(alg=ftp)');
    expect(formatActions([])).toBe('drop');
    expect(norm('output:"tap1"')).toBe('output:tap1');
    expect(norm('set_field:10.0.0.0/255.0.0.0->ip_dst')).toBe('set_field:10.0.0.0/8->ip_dst');
  });

  it('turns unknown or malformed actions into {type: unknown} with a warning', () => {
    for (const bad of ['frobnicate', 'frob:1', 'frob(1)', 'load:0x1', 'load:zz->NXM_NX_REG0[]', 'move:NXM_NX_REG0[]->NXM_NX_REG1[0..3]', 'set_field:1->nosuch', 'output:NXM_NX_REGX[]', 'conjunction(1,3/2)', 'ct(bogus)', 'load:0x100->NXM_NX_REG0[0..7]', 'resubmit(,300)']) {
      const r = parseActions(`resubmit(,8),${bad},drop`, { line: 7, column: 10 });
      expect(r.value.map((a) => a.type), bad).toEqual(['resubmit', 'unknown', 'drop']);
      expect(r.value[1]).toEqual({ type: 'unknown', text: bad });
      expect(r.diagnostics).toHaveLength(1);
      expect(r.diagnostics[0]).toMatchObject({ severity: 'warning', line: 7, column: 10 + 13 });
      expect(formatActions(r.value)).toBe(`resubmit(,8),${bad},drop`);
    }
  });

  it('flags unbalanced text instead of guessing', () => {
    const r = parseActions('ct(commit,exec(set_field:0x1->ct_mark)');
    expect(r.value).toEqual([{ type: 'unknown', text: 'ct(commit,exec(set_field:0x1->ct_mark)' }]);
    expect(r.diagnostics[0].severity).toBe('warning');
  });

  it('parses and formats field references', () => {
    for (const t of ['NXM_NX_REG13[0..15]', 'NXM_NX_REG13[]', 'OXM_OF_PKT_REG4[1]', 'NXM_NX_XXREG0[64..111]', 'NXM_NX_TUN_METADATA0[16..30]']) {
      const r = parseFieldRef(t);
      if (typeof r === 'string') throw new Error(r);
      expect(formatFieldRef(r)).toBe(t);
    }
    expect(formatFieldRef(parseFieldRef('reg13[0..31]') as never)).toBe('NXM_NX_REG13[]');
    expect(typeof parseFieldRef('NXM_NX_REG13[0..32]')).toBe('string');
    expect(typeof parseFieldRef('NXM_NX_REG13[5..3]')).toBe('string');
  });
});
