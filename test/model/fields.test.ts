import { describe, expect, it } from 'vitest';
import { FIELDS, PREREQS, allFieldNames, field, fieldByName, fullMask, subfieldName } from '../../src/model/fields.js';

describe('field registry', () => {
  it('finds fields by every spelling OVS prints', () => {
    const cases: [string, string][] = [
      ['eth_src', 'dl_src'],
      ['NXM_OF_ETH_SRC', 'dl_src'],
      ['OXM_OF_ETH_SRC', 'dl_src'],
      ['ip_src', 'nw_src'],
      ['NXM_OF_IP_SRC', 'nw_src'],
      ['NXM_NX_REG15', 'reg15'],
      ['OXM_OF_PKT_REG4', 'xreg4'],
      ['pkt_reg4', 'xreg4'],
      ['NXM_NX_XXREG0', 'xxreg0'],
      ['NXM_NX_TUN_METADATA0', 'tun_metadata0'],
      ['tun_metadata63', 'tun_metadata63'],
      ['OXM_OF_METADATA', 'metadata'],
      ['tunnel_id', 'tun_id'],
      ['NXM_NX_TUN_ID', 'tun_id'],
      ['ip_frag', 'nw_frag'],
      ['tcp_dst', 'tp_dst'],
      ['NXM_NX_CT_MARK', 'ct_mark'],
      ['NXM_NX_CT_LABEL', 'ct_label'],
      ['NXM_NX_ND_TARGET', 'nd_target'],
      ['NXM_OF_ARP_SPA', 'arp_spa'],
      ['ONFOXM_ET_ACTSET_OUTPUT', 'actset_output'],
      ['NXM_OF_IN_PORT', 'in_port'],
      ['OXM_OF_IN_PORT', 'in_port_oxm'],
      ['NXM_OF_VLAN_TCI', 'vlan_tci'],
      ['dl_type', 'dl_type'],
      ['eth_type', 'dl_type'],
    ];
    for (const [spelling, canonical] of cases) expect(fieldByName(spelling)?.name, spelling).toBe(canonical);
    expect(fieldByName('no_such_field')).toBeUndefined();
  });

  it('covers the fields named in the brief', () => {
    for (const n of [
      'dl_src', 'nw_src', 'reg15', 'metadata', 'tun_id', 'tun_metadata0', 'ct_state', 'ct_label', 'xxreg0', 'ipv6_src',
      'nd_target', 'arp_spa', 'icmp_type', 'tp_dst', 'ct_nw_dst', 'pkt_mark', 'recirc_id', 'dp_hash', 'conj_id',
      'tcp_flags', 'nw_frag', 'vlan_tci', 'dl_vlan', 'in_port', 'actset_output', 'packet_type',
    ])
      expect(fieldByName(n), n).toBeDefined();
  });

  it('has every spelling once and sane widths', () => {
    const names = [...allFieldNames()];
    expect(new Set(names).size).toBe(names.length);
    expect(FIELDS.length).toBeGreaterThan(180);
    FIELDS.forEach((f, i) => {
      expect(f.id).toBe(i);
      expect(f.width).toBeGreaterThan(0);
      expect(f.storage.width).toBe(f.width);
    });
    expect(field('xxreg3').width).toBe(128);
    expect(field('ct_label').width).toBe(128);
    expect(field('metadata').width).toBe(64);
    expect(field('tun_id').width).toBe(64);
    expect(field('dl_src').width).toBe(48);
    expect(field('reg0').width).toBe(32);
    expect(field('tp_dst').width).toBe(16);
    expect(field('nw_ecn').width).toBe(2);
    expect(fullMask(field('reg0'))).toBe(0xffffffffn);
  });

  it('names sub-fields the way OVS prints them', () => {
    expect(subfieldName(field('reg15'))).toBe('NXM_NX_REG15');
    expect(subfieldName(field('metadata'))).toBe('OXM_OF_METADATA');
    expect(subfieldName(field('xreg4'))).toBe('OXM_OF_PKT_REG4');
    expect(subfieldName(field('dl_src'))).toBe('NXM_OF_ETH_SRC');
    expect(subfieldName(field('tun_metadata0'))).toBe('NXM_NX_TUN_METADATA0');
    expect(subfieldName(field('in_port_oxm'))).toBe('OXM_OF_IN_PORT');
    expect(field('dl_src').mfName).toBe('eth_src');
    expect(field('nw_src').mfName).toBe('ip_src');
  });

  describe('register storage', () => {
    // A register file: one bigint per storage space; a view reads bits [offset, offset+width) of its space.
    type File = Readonly<Record<string, bigint>>;
    const read = (file: File, name: string) => {
      const s = field(name).storage;
      return ((file[s.space] ?? 0n) >> BigInt(s.offset)) & ((1n << BigInt(s.width)) - 1n);
    };
    const write = (file: File, name: string, v: bigint): File => {
      const s = field(name).storage;
      const m = ((1n << BigInt(s.width)) - 1n) << BigInt(s.offset);
      return { ...file, [s.space]: ((file[s.space] ?? 0n) & ~m) | ((v << BigInt(s.offset)) & m) };
    };

    it('puts every register view in the space of its xxreg', () => {
      for (const [n, space] of [['reg0', 'xxreg0'], ['reg15', 'xxreg3'], ['xreg0', 'xxreg0'], ['xreg7', 'xxreg3'], ['xxreg0', 'xxreg0'], ['xxreg3', 'xxreg3']]) expect(field(n).storage.space).toBe(space);
    });

    it('xxreg0 overlays reg0 (most significant) .. reg3 (least significant)', () => {
      let file: File = {};
      file = write(file, 'reg0', 0x11111111n);
      file = write(file, 'reg1', 0x22222222n);
      file = write(file, 'reg2', 0x33333333n);
      file = write(file, 'reg3', 0x44444444n);
      expect(read(file, 'xxreg0')).toBe(0x11111111222222223333333344444444n);
      expect(read(file, 'xreg0')).toBe(0x1111111122222222n);
      expect(read(file, 'xreg1')).toBe(0x3333333344444444n);
      expect(read(file, 'pkt_reg1')).toBe(0x3333333344444444n);
    });

    it('xxreg1 overlays reg4..reg7 and xreg2..xreg3', () => {
      let file = write({}, 'xxreg1', 0xaaaaaaaabbbbbbbbccccccccddddddddn);
      expect(read(file, 'reg4')).toBe(0xaaaaaaaan);
      expect(read(file, 'reg7')).toBe(0xddddddddn);
      expect(read(file, 'xreg2')).toBe(0xaaaaaaaabbbbbbbbn);
      expect(read(file, 'xreg3')).toBe(0xccccccccddddddddn);
      expect(read(file, 'reg3')).toBe(0n);
      file = write(file, 'NXM_NX_REG6', 0x12345678n);
      expect(read(file, 'OXM_OF_PKT_REG3')).toBe(0x12345678ddddddddn);
    });

    it('shares storage between overlapping packet fields', () => {
      expect(field('arp_spa').storage.space).toBe(field('nw_src').storage.space);
      expect(field('udp_dst').storage.space).toBe(field('tp_dst').storage.space);
      expect(field('icmp_type').storage.space).toBe('tp_src');
      expect(field('nd_sll').storage.space).toBe(field('arp_sha').storage.space);
      expect(field('ip_dscp').storage).toEqual({ space: 'nw_tos', offset: 2, width: 6 });
      expect(field('nw_ecn').storage).toEqual({ space: 'nw_tos', offset: 0, width: 2 });
      expect(field('dl_vlan_pcp').storage).toEqual({ space: 'vlan_tci', offset: 13, width: 3 });
      expect(field('in_port_oxm').storage.space).toBe('in_port');
    });
  });

  it('describes prerequisites', () => {
    expect(field('nw_src').prereq).toBe('ipv4');
    expect(field('arp_spa').prereq).toBe('arp');
    expect(field('tp_dst').prereq).toBe('tcp');
    expect(field('nd_target').prereq).toBe('nd');
    expect(field('ct_nw_dst').prereq).toBe('ct');
    expect(PREREQS.ipv4).toEqual([[{ field: 'dl_type', value: 0x0800n }]]);
    expect(PREREQS.tcp).toHaveLength(2);
    for (const alts of Object.values(PREREQS)) for (const alt of alts) for (const c of alt) expect(fieldByName(c.field), c.field).toBeDefined();
  });
});
