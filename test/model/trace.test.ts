import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flattenTree, pruneTree, unflattenTree, type TraceNode } from '../../src/model/trace.js';

const node = (kind: TraceNode['kind'], detail: TraceNode['detail'], text: string, children: TraceNode[] = []): TraceNode => ({ kind, detail, text, children });

describe('trace tree prunes', () => {
  const tree = [
    node('bridge', 'summary', 'bridge br-int', [
      node('table', 'summary', 'table 0', [node('set', 'detailed', 'reg14: 0 -> 1'), node('resubmit', 'detailed', 'resubmit(,8)', [node('table', 'summary', 'table 8', [node('drop', 'minimal', 'drop')])])]),
    ]),
  ];

  it('detailed keeps everything', () => {
    expect(pruneTree(tree, 'detailed')).toEqual(tree);
  });

  it('summary lifts kept nodes out of dropped parents', () => {
    const s = pruneTree(tree, 'summary');
    expect(s[0]!.children[0]!.children.map((c) => c.text)).toEqual(['table 8']);
  });

  it('minimal keeps only outcomes, and does not modify the input', () => {
    const before = JSON.stringify(tree);
    expect(pruneTree(tree, 'minimal').map((n) => n.text)).toEqual(['drop']);
    expect(JSON.stringify(tree)).toBe(before);
  });
});

describe('flat trace tree (--json)', () => {
  const arbTree: fc.Arbitrary<TraceNode[]> = fc.letrec<{ nodes: TraceNode[]; node: TraceNode }>((tie) => ({
    nodes: fc.oneof({ maxDepth: 6 }, fc.constant<TraceNode[]>([]), fc.array(tie('node'), { maxLength: 3 })),
    node: fc.record({
      kind: fc.constantFrom<TraceNode['kind']>('table', 'resubmit', 'set', 'output'),
      detail: fc.constantFrom<TraceNode['detail']>('minimal', 'summary', 'detailed'),
      text: fc.string({ maxLength: 6 }),
      children: tie('nodes'),
    }) as fc.Arbitrary<TraceNode>,
  })).nodes;

  it('flattening is a pre-order with depths, and unflattening gives the tree back', () => {
    fc.assert(
      fc.property(arbTree, (tree) => {
        const flat = flattenTree(tree);
        const count = (ns: readonly TraceNode[]): number => ns.reduce((a, n) => a + 1 + count(n.children), 0);
        expect(flat).toHaveLength(count(tree));
        if (flat.length) expect(flat[0]!.depth).toBe(0);
        flat.forEach((n, i) => i > 0 && expect(n.depth).toBeLessThanOrEqual(flat[i - 1]!.depth + 1));
        expect(unflattenTree(flat)).toEqual(tree);
      }),
    );
  });

  it('a chain deeper than the call stack flattens (no recursion), with data kept', () => {
    let deep: TraceNode = { kind: 'output', detail: 'minimal', text: 'out', data: { port: 1 }, children: [] };
    for (let i = 0; i < 20000; i++) deep = { kind: 'resubmit', detail: 'detailed', text: `r${i}`, children: [deep] };
    const flat = flattenTree([deep]);
    expect(flat).toHaveLength(20001);
    expect(flat[20000]).toEqual({ depth: 20000, kind: 'output', detail: 'minimal', text: 'out', data: { port: 1 } });
  });

  it('refuses depths that are not a pre-order', () => {
    expect(unflattenTree([{ depth: 1, kind: 'set', detail: 'detailed', text: 'x' }])).toBeUndefined();
    expect(unflattenTree([{ depth: 0, kind: 'set', detail: 'detailed', text: 'x' }, { depth: 2, kind: 'set', detail: 'detailed', text: 'y' }])).toBeUndefined();
  });
});
