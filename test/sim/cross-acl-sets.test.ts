// Which packet an ACL step's address-set note reads (withSetMembers, src/sim/cross.ts). A synthetic
// hop: no bundled fixture has a from-lport ACL on an address set behind a router that NATs (their
// address-set ACLs are all to-lport). The hop is the one of test/trace/drop-in-clone.live.test.ts:
// 172.16.7.50 → 172.16.7.100 enters on switch ext, router lr's stateless dnat_and_snat rewrites
// the destination to 10.7.1.11 and switch out runs in the patch port's clone — so out's ACLs see
// 10.7.1.11 while the hop's input (and its final flow, restored after the clone) say 172.16.7.100.
import { describe, expect, it } from 'vitest';
import type { NbAddressSet } from '../../src/model/ovn.js';
import type { HopStep } from '../../src/model/trace.js';
import { aclSetMemo } from '../../src/sim/acl-sets.js';
import { withSetMembers } from '../../src/sim/cross.js';
import { ETH_TYPE_IP, PacketState, SP } from '../../src/sim/state.js';

const set = (name: string, addresses: string[]): NbAddressSet => ({ uuid: `u-${name}`, name, addresses, externalIds: {}, raw: {} as NbAddressSet['raw'] });
const ctx = { aclSets: () => aclSetMemo([set('as_guarded', ['10.7.1.11'])]) };
const INPUT = 'tcp,in_port=1,dl_src=0a:00:00:00:00:50,dl_dst=0a:00:07:ff:02:01,nw_src=172.16.7.50,nw_dst=172.16.7.100,nw_ttl=64,tp_src=40000,tp_dst=22';
const hop = { finalFlow: INPUT };
const MATCH = 'ip4.dst == $as_guarded && tcp.dst == 22';

/** The packet as it is on a datapath: IPv4 from `src` to `dst`. */
function ipv4(src: number[], dst: number[]): PacketState {
  const s = new PacketState();
  s.setSpace(SP.dl_type, ETH_TYPE_IP);
  s.setSpace(SP.nw_src, BigInt(src.reduce((a, b) => a * 256 + b, 0)));
  s.setSpace(SP.nw_dst, BigInt(dst.reduce((a, b) => a * 256 + b, 0)));
  return s;
}

const acl = (datapath: string, pipeline: 'ingress' | 'egress'): HopStep => ({
  kind: 'acl',
  datapath,
  stage: pipeline === 'ingress' ? 'ls_in_acl_eval' : 'ls_out_acl_eval',
  table: pipeline === 'ingress' ? 9 : 4,
  text: `ACL "no-ssh-to-guarded" ${pipeline === 'ingress' ? 'from-lport' : 'to-lport'} 1000 drop: ${MATCH}`,
  logicalFlow: { uuid: 'u', datapath, pipeline, stage: pipeline === 'ingress' ? 'ls_in_acl_eval' : 'ls_out_acl_eval', tableId: 9, priority: 2000, match: MATCH, actions: 'drop;' } as HopStep['logicalFlow'],
});

describe('withSetMembers: the address an ACL step tests is the one on its datapath', () => {
  const natted = ipv4([172, 16, 7, 50], [10, 7, 1, 11]);
  const onOut = (dp: string | undefined) => (dp === 'out' ? natted : undefined);

  it('a from-lport ACL on the switch behind the NATing router reads the packet there (10.7.1.11), not the hop input (172.16.7.100)', () => {
    const r = withSetMembers({ datapaths: ['ext', 'lr', 'out'], steps: [acl('out', 'ingress')] }, ctx, INPUT, hop, onOut);
    expect(r.steps[0]!.text).toMatch(/ \(10\.7\.1\.11 ∈ as_guarded\)$/);
  });

  it('a to-lport ACL there reads it too', () => {
    const r = withSetMembers({ datapaths: ['ext', 'lr', 'out'], steps: [acl('out', 'egress')] }, ctx, INPUT, hop, onOut);
    expect(r.steps[0]!.text).toMatch(/ \(10\.7\.1\.11 ∈ as_guarded\)$/);
  });

  it('a from-lport ACL on the hop’s first datapath reads the input: nothing rewrote it yet (the packet at the end of that datapath may be after its LB)', () => {
    const r = withSetMembers({ datapaths: ['out'], steps: [acl('out', 'ingress')] }, ctx, INPUT, hop, onOut);
    expect(r.steps[0]!.text).toMatch(/ \(172\.16\.7\.100 ∉ as_guarded\)$/);
  });

  it('falls back to the input where the packet on the ACL’s datapath is unknown', () => {
    const r = withSetMembers({ datapaths: ['ext', 'lr', 'out'], steps: [acl('out', 'ingress')] }, ctx, INPUT, hop, () => undefined);
    expect(r.steps[0]!.text).toMatch(/ \(172\.16\.7\.100 ∉ as_guarded\)$/);
  });
});
