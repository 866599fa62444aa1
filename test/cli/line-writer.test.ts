import { describe, expect, it } from 'vitest';
import { createLineWriter } from '../../src/cli/line-writer.js';

/** A chunk `out` received, as text. */
const text = (chunk: string | Uint8Array): string => (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));

describe('createLineWriter', () => {
  it('gathers lines into one write until maxBytes is reached, then writes them in order', () => {
    const writes: string[] = [];
    const w = createLineWriter((t) => writes.push(text(t)), { maxBytes: 10, maxDelayMs: 1e9, now: () => 0 });
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
    const w = createLineWriter((t) => writes.push(text(t)), { maxBytes: 1e9, maxDelayMs: 100, now: () => clock });
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

  it('hands out each batch as UTF-8 bytes (a two-byte line is encoded as it is written), never touched again', () => {
    const chunks: (string | Uint8Array)[] = [];
    const w = createLineWriter((t) => chunks.push(t), { maxBytes: 16, maxDelayMs: 1e9, now: () => 0 });
    w.write('hv1: br-int ← p1'); // '←' is 3 bytes in UTF-8: 18 + 1 bytes >= 16
    w.write('✓ acl');
    w.write('x'.repeat(20));
    w.flush();
    expect(chunks.every((c) => c instanceof Uint8Array)).toBe(true);
    // Later writes into a fresh buffer leave the bytes already handed out as they were.
    expect(chunks.map(text)).toEqual(['hv1: br-int ← p1\n', '✓ acl\n' + 'x'.repeat(20) + '\n']);
    expect(Buffer.concat(chunks as Uint8Array[]).equals(Buffer.from('hv1: br-int ← p1\n✓ acl\n' + 'x'.repeat(20) + '\n', 'utf8'))).toBe(true);
  });

  it('writes a line longer than its buffer after what was buffered, in order', () => {
    const writes: string[] = [];
    const w = createLineWriter((t) => writes.push(text(t)), { maxBytes: 4, maxDelayMs: 1e9, now: () => 0 });
    w.write('a');
    const long = '→'.repeat(400); // 1,200 bytes: more than the writer's buffer (2 × maxBytes + 1 KB)
    w.write(long);
    w.write('b');
    w.flush();
    expect(writes.join('')).toBe(`a\n${long}\nb\n`);
    expect(writes[0]).toBe('a\n');
  });
});
