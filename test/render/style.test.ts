import { describe, expect, it } from 'vitest';
import { makeStyle } from '../../src/render/style.js';

describe('colour', () => {
  it('is on for a terminal, off when piped, off with NO_COLOR, on with FORCE_COLOR', () => {
    expect(makeStyle({ isTTY: true }, {}).level).toBeGreaterThan(0);
    expect(makeStyle({ isTTY: false }, {}).level).toBe(0);
    expect(makeStyle({ isTTY: true }, { NO_COLOR: '1' }).level).toBe(0);
    expect(makeStyle({ isTTY: false }, { FORCE_COLOR: '1' }).level).toBeGreaterThan(0);
    expect(makeStyle({ isTTY: true }, { NO_COLOR: '' }).level).toBeGreaterThan(0);
  });
});
