// fixture unmap given the wrong thing: nothing to read on a terminal.
import { describe, expect, it } from 'vitest';
import { textSource } from '../../src/commands/fixture/unmap.js';

describe('fixture unmap: where the text comes from', () => {
  it('no TEXT on a terminal is a usage error, not a silent wait; piped, it reads standard input', () => {
    const onTerminal = textSource(undefined, true);
    expect('error' in onTerminal && onTerminal.error).toMatch(/^no TEXT to translate, and standard input is a terminal: give the text as an argument, pipe it in .*or give "-"/);
    expect(textSource(undefined, false)).toEqual({ from: 'stdin' });
  });

  it('"-" reads standard input even on a terminal (asked for explicitly, as cat - does); TEXT is taken as given', () => {
    expect(textSource('-', true)).toEqual({ from: 'stdin' });
    expect(textSource('-', false)).toEqual({ from: 'stdin' });
    expect(textSource('dropped on host-2', true)).toEqual({ from: 'argument', text: 'dropped on host-2' });
    expect(textSource('', true)).toEqual({ from: 'argument', text: '' });
  });
});
