import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openflowVersionName, parseToolVersion } from '../../src/parse/ovs-version.js';
import { compareVersions, versionNumbers } from '../../src/model/ovs.js';

const FIX = new URL('../fixtures/ovs-version/', import.meta.url);
const text = (f: string) => readFileSync(new URL(f, FIX), 'utf8');

describe('--version', () => {
  it('reads ovs-vsctl: OVS version and DB schema', () => {
    const { value, diagnostics } = parseToolVersion(text('ovs-vsctl.txt'));
    expect(diagnostics).toEqual([]);
    expect(value).toEqual({ program: 'ovs-vsctl', package: 'Open vSwitch', version: '3.1.0', ovsLibraryVersion: undefined, dbSchema: '8.3.1', sbDbSchema: undefined, openflowVersions: undefined, dpdkVersion: undefined, other: [] });
  });

  it('reads ovs-ofctl: OpenFlow versions', () => {
    const { value } = parseToolVersion(text('ovs-ofctl.txt'));
    expect(value).toMatchObject({ program: 'ovs-ofctl', version: '3.1.0', openflowVersions: { min: 1, max: 6 } });
    expect(openflowVersionName(value.openflowVersions!.max)).toBe('OpenFlow15');
    expect(openflowVersionName(4)).toBe('OpenFlow13');
    expect(openflowVersionName(9)).toBeUndefined();
  });

  it('reads OVN programs', () => {
    expect(parseToolVersion(text('ovn-controller.txt')).value).toMatchObject({ program: 'ovn-controller', package: undefined, version: '23.03.1', ovsLibraryVersion: '3.1.0', sbDbSchema: '20.27.0', dbSchema: undefined, openflowVersions: { min: 6, max: 6 } });
    expect(parseToolVersion(text('ovn-nbctl.txt')).value).toMatchObject({ version: '23.03.1', dbSchema: '7.0.0' });
    expect(parseToolVersion(text('ovn-sbctl.txt')).value).toMatchObject({ version: '23.03.1', dbSchema: '20.27.0' });
  });

  it('reads ovs-appctl version (the running daemon)', () => {
    expect(parseToolVersion(text('ovs-appctl-version.txt')).value).toMatchObject({ program: 'ovs-vswitchd', package: 'Open vSwitch', version: '3.1.0' });
  });

  it.each(readdirSync(FIX).filter((f) => f.endsWith('.txt')))('%s parses without diagnostics', (f) => {
    const { value, diagnostics } = parseToolVersion(text(f));
    expect(diagnostics).toEqual([]);
    expect(value.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(value.other).toEqual([]);
  });

  it('reads distribution versions and a DPDK line', () => {
    const { value, diagnostics } = parseToolVersion('ovs-vswitchd (Open vSwitch) 2.17.9-0ubuntu0.22.04.1\nDPDK 21.11.4\n');
    expect(diagnostics).toEqual([]);
    expect(value).toMatchObject({ version: '2.17.9-0ubuntu0.22.04.1', dpdkVersion: '21.11.4' });
    expect(versionNumbers(value.version!)).toEqual([2, 17, 9]);
  });

  it('compares versions numerically', () => {
    expect(compareVersions('2.17.9', '3.1.0')).toBe(-1);
    expect(compareVersions('23.03.1', '23.3.1')).toBe(0);
    expect(compareVersions('23.09', '23.03.1')).toBe(1);
    expect(compareVersions('3.1', '3.1.0')).toBe(0);
    expect(versionNumbers('garbage')).toEqual([]);
  });

  it('reports what it cannot read', () => {
    expect(parseToolVersion('').diagnostics[0].message).toMatch(/empty output/);
    const r = parseToolVersion('bash: ovs-vsctl: command not found\n');
    expect(r.diagnostics[0]).toMatchObject({ severity: 'error', line: 1 });
    expect(r.value.version).toBeUndefined();
    expect(parseToolVersion('ovs-vsctl (Open vSwitch) 3.1.0\nsomething new\n').value.other).toEqual(['something new']);
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => void parseToolVersion(s)), { numRuns: 500 });
  });
});
