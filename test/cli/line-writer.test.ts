import { describe, expect, it } from 'vitest';
import { createLineWriter } from '../../src/cli/line-writer.js';

describe('createLineWriter', () => {
  it('gathers lines into one write until maxBytes is reached, then writes them in order', () => {
    const writes: string[] = [];
    const w = createLineWriter((t) => writes.push(t), { maxBytes: 10, maxDelayMs: 1e9, now: () => 0 });
    w.write('abc');
    w.write('def');
    expect(writes).toEqual([]);
    w.write('ghij'); // 4 + 4 + 5 = 13 bytes >= 10
    expect(writes).toEqual(['abc\ndef\nghij\n']);
    w.write('k');
    w.flush();
    expect(writes).toEqual(['abc\ndef\nghij\n', 'k\n']);
    w.flush();
    expect(writes).toHaveLength(2);
  });

  it('writes at once when a line comes maxDelayMs after the last write (a slow batch still streams)', () => {
    const writes: string[] = [];
    let clock = 0;
    const w = createLineWriter((t) => writes.push(t), { maxBytes: 1e9, maxDelayMs: 100, now: () => clock });
    w.write('one');
    clock = 50;
    w.write('two');
    expect(writes).toEqual([]);
    clock = 150;
    w.write('three');
    expect(writes).toEqual(['one\ntwo\nthree\n']);
    clock = 160;
    w.write('four');
    expect(writes).toHaveLength(1);
  });
});
