import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConnectionStatus, parseDebugStatus } from '../../src/parse/ovn-controller.js';

describe('ovn-controller one-word answers', () => {
  it('reads connection-status as OVN 23.03 prints it', () => {
    expect(parseConnectionStatus('connected\n')).toEqual({ value: true, diagnostics: [] });
    expect(parseConnectionStatus('not connected\n')).toEqual({ value: false, diagnostics: [] });
    // Leading blank lines and CRLF (a Windows-edited copy) do not change the answer.
    expect(parseConnectionStatus('\r\nnot connected\r\n').value).toBe(false);
  });

  it('reads debug/status', () => {
    expect(parseDebugStatus('running\n').value).toBe(false);
    expect(parseDebugStatus('paused\n').value).toBe(true);
  });

  it('anything else is an error at its line, with the text kept, and no value', () => {
    const r = parseConnectionStatus('\nconnecting\n', 'hosts/hv1/ovn-appctl.connection-status.out');
    expect(r.value).toBeUndefined();
    expect(r.diagnostics).toEqual([{ severity: 'error', file: 'hosts/hv1/ovn-appctl.connection-status.out', line: 2, message: 'ovn-controller connection-status: expected "connected" or "not connected"', excerpt: 'connecting' }]);
    expect(parseDebugStatus('').diagnostics[0]).toMatchObject({ severity: 'error', line: 1, message: expect.stringMatching(/empty output/) });
    // A prototype key is not an answer.
    expect(parseConnectionStatus('constructor').value).toBeUndefined();
  });

  it('never throws, and a value comes with no diagnostics (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom('connected', 'not connected', 'running', 'paused').chain((w) => fc.tuple(fc.string(), fc.string()).map(([a, b]) => `${a}${w}${b}`))), (text) => {
        for (const r of [parseConnectionStatus(text), parseDebugStatus(text)]) expect(r.value === undefined).toBe(r.diagnostics.length > 0);
      }),
    );
    fc.assert(fc.property(fc.constantFrom('connected\n', 'not connected\n'), fc.nat(14), (t, n) => void parseConnectionStatus(t.slice(0, n))));
  });
});
