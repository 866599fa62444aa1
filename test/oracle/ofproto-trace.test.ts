import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFlowFields, parseOfprotoTrace, summarizeDatapathActions } from './ofproto-trace.js';

const publicTrace = (name: string) => readFileSync(`${import.meta.dirname}/../fixtures/public/ovs-appctl-ofproto-trace/${name}`, 'utf8');

describe('ofproto/trace oracle reader', () => {
  it('reads a two-pass OVN-Kubernetes trace with ct recirculation and a geneve output', () => {
    const t = parseOfprotoTrace(publicTrace('ovn-kubernetes-kind-pod-to-pod-geneve-ct-nat-trace.txt'));
    expect(t.passes.length).toBeGreaterThanOrEqual(2);
    expect(t.passes[0]!.steps[0]).toMatchObject({ table: 0, match: 'in_port=7', priority: 100, cookie: '0x6c1d0b4a' });
    expect(t.passes[0]!.datapathActions).toBe('ct(zone=19,nat),recirc(0x12)');
    expect(t.passes[1]!.recircHeader).toContain('resume conntrack');
    const last = t.passes[t.passes.length - 1]!;
    const dp = summarizeDatapathActions([last.datapathActions!]);
    expect(dp.outputs.length).toBe(1);
    expect(dp.outputs[0]!.tunnel).toContain('tun_id=0xff0003');
    expect(parseFlowFields(t.passes[0]!.finalFlow!).fields.get('nw_dst')).toBe('10.244.1.6');
  });

  it('reads nested resubmits with their indentation', () => {
    const t = parseOfprotoTrace(publicTrace('ovn-kubernetes-kind-pod-to-pod-geneve-ct-nat-trace.txt'));
    const nested = t.passes[0]!.steps.find((s) => s.table === 73)!;
    expect(nested.indent).toBeGreaterThan(t.passes[0]!.steps[0]!.indent);
  });

  it('reads an L2 trace ending in an output', () => {
    const t = parseOfprotoTrace(publicTrace('ovn-openstack-devstack-l2-br-int-trace.txt'));
    const last = t.passes[t.passes.length - 1]!;
    expect(summarizeDatapathActions([last.datapathActions!]).outputs.map((o) => o.dpPort)).toEqual([4]);
  });
});
