import { describe, expect, it } from 'vitest';
import { parseOfprotoTrace } from '../oracle/ofproto-trace.js';
import { generateEndpointCases, oracleTunnelOutputs, ovnTraceExpr, ovnTraceOutputs } from './cross-lib.js';

describe('cross-host suite helpers', () => {
  it('generates ≥ 500 deterministic cases covering every name form, replies and variants', () => {
    const a = generateEndpointCases();
    expect(a.length).toBeGreaterThanOrEqual(500);
    expect(generateEndpointCases()).toEqual(a);
    const cats = new Set(a.map((c) => c.category));
    for (const c of ['reply', 'ttl-1', 'size-1500', 'spoof-ip', 'lb-dst', 'from-outside', 'stateless-reply', 'arp', 'icmp']) expect(cats).toContain(c);
  });

  it('ovn-trace --minimal: outputs of the traced packet, not of packets ovn-controller generates', () => {
    const text = `# tcp,reg14=0x2,...
ct_lb_mark {
    ip.ttl--;
    arp {
        eth.dst = ff:ff:ff:ff:ff:ff;
        output("ext-localnet");
    };
    ct_next(ct_state=new|trk) {
        output("b1");
        output("b2");
    };
};`;
    expect(ovnTraceOutputs(text)).toEqual(['b1', 'b2']);
    expect(ovnTraceOutputs('# x\nicmp4 {\n    output("a1");\n};')).toEqual([]);
  });

  it('the ovn-trace expression of a flow', () => {
    expect(ovnTraceExpr('in_port=3,tcp,dl_src=0a:00:00:00:00:01,dl_dst=0a:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tcp_src=40000,tcp_dst=80', 'a1')).toBe(
      'inport == "a1" && eth.src == 0a:00:00:00:00:01 && eth.dst == 0a:00:00:00:00:02 && ip4.src == 10.0.0.1 && ip4.dst == 10.0.0.2 && ip.ttl == 64 && tcp && tcp.src == 40000 && tcp.dst == 80',
    );
    expect(ovnTraceExpr('in_port=3,arp,dl_src=0a:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.254,arp_sha=0a:00:00:00:00:01', 'a1')).toBe(
      'inport == "a1" && eth.src == 0a:00:00:00:00:01 && eth.dst == ff:ff:ff:ff:ff:ff && arp && arp.op == 1 && arp.spa == 10.0.0.1 && arp.tpa == 10.0.0.254 && arp.sha == 0a:00:00:00:00:01',
    );
  });

  it('reads the tunnel header ofproto/trace writes before each tunnel output', () => {
    const text = `Flow: tcp,in_port=3
bridge("br-int")
----------------
 0. in_port=3, priority 100
    set_field:0x3/0xffffff->tun_id
    set_field:0x4->tun_metadata0
    move:NXM_NX_REG14[0..14]->NXM_NX_TUN_METADATA0[16..30]
     -> NXM_NX_TUN_METADATA0[16..30] is now 0x2
    output:1

Final flow: unchanged
Megaflow: recirc_id=0,eth,tcp,in_port=3
Datapath actions: 2
`;
    expect(oracleTunnelOutputs(parseOfprotoTrace(text).passes, new Set([1]))).toEqual([{ ofport: 1, tunId: '0x3', metadata0: '0x20004' }]);
  });
});
