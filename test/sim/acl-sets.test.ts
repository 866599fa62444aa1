// Address-set members named in ACL steps (src/sim/acl-sets.ts). Expected values follow from the sets
// written here and the ACL match grammar of ovn-sb(5) (ip4.src/ip4.dst/ip6.*, $set, {…} lists).
import { describe, expect, it } from 'vitest';
import type { NbAddressSet } from '../../src/model/ovn.js';
import { aclSetMemo, aclSetNote } from '../../src/sim/acl-sets.js';

const set = (name: string, addresses: string[]): NbAddressSet => ({ uuid: `u-${name}`, name, addresses, externalIds: {}, raw: {} as NbAddressSet['raw'] });
const SETS = [set('as_web', ['10.0.0.11', '10.0.0.12', '10.9.0.0/16']), set('as_v6', ['fd00::11']), set('as_dst', ['192.0.2.1'])];
const packet = { src4: '10.0.0.11', dst4: '192.0.2.1', src6: 'fd00:0:0::11', dst6: 'fd00::99' };
const addr = (p: typeof packet) => (side: 'src' | 'dst', family: 4 | 6) => (family === 6 ? (side === 'src' ? p.src6 : p.dst6) : side === 'src' ? p.src4 : p.dst4);

describe('aclSetNote', () => {
  it('names the set that holds the source of an ip4.src == $set match', () => {
    expect(aclSetNote('outport == @pg && ip4 && ip4.src == $as_web && tcp', aclSetMemo(SETS), addr(packet))).toBe(' (10.0.0.11 ∈ as_web)');
  });

  it('names the prefix member that holds it, and says ∉ when none does', () => {
    const memo = aclSetMemo(SETS);
    expect(aclSetNote('ip4.src == $as_web', memo, addr({ ...packet, src4: '10.9.3.4' }))).toBe(' (10.9.3.4 ∈ as_web: 10.9.0.0/16)');
    expect(aclSetNote('ip4.src != $as_web', memo, addr({ ...packet, src4: '10.1.0.1' }))).toBe(' (10.1.0.1 ∉ as_web)');
  });

  it('tests the destination for .dst, IPv6 (canonical forms) for ip6, and every set of a {…} list', () => {
    const memo = aclSetMemo(SETS);
    expect(aclSetNote('ip4.dst == $as_dst', memo, addr(packet))).toBe(' (192.0.2.1 ∈ as_dst)');
    expect(aclSetNote('ip6.src == $as_v6', memo, addr(packet))).toBe(' (fd00::11 ∈ as_v6)');
    expect(aclSetNote('ip4.src == {$as_web, $as_dst}', memo, addr(packet))).toBe(' (10.0.0.11 ∈ as_web; 10.0.0.11 ∉ as_dst)');
  });

  it('says nothing of a set the NB does not have (a port group’s $pg_…_ip4) or a match without one', () => {
    const memo = aclSetMemo(SETS);
    expect(aclSetNote('outport == @pg_x && ip4 && ip4.src == $pg_x_ip4', memo, addr(packet))).toBe('');
    expect(aclSetNote('inport == @pg_x && ip4', memo, addr(packet))).toBe('');
    expect(aclSetNote('ip4.src == $as_web', aclSetMemo(undefined), addr(packet))).toBe('');
  });

  it('parses a match once: the memo keeps its references for the next packet', () => {
    const memo = aclSetMemo(SETS);
    const m = 'ip4.src == $as_web';
    aclSetNote(m, memo, addr(packet));
    const refs = memo.refs.get(m);
    expect(refs).toEqual([{ set: 'as_web', side: 'src', family: 4 }]);
    aclSetNote(m, memo, addr({ ...packet, src4: '10.0.0.12' }));
    expect(memo.refs.get(m)).toBe(refs);
  });
});
