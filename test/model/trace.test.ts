import { describe, expect, it } from 'vitest';
import { pruneTree, type TraceNode } from '../../src/model/trace.js';

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
