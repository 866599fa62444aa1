/**
 * `--version` of OVS and OVN programs, e.g.
 * ```
 * ovs-vsctl (Open vSwitch) 3.1.0          ovn-controller 23.03.1
 * DB Schema 8.3.1                         Open vSwitch Library 3.1.0
 *                                         OpenFlow versions 0x6:0x6
 *                                         SB DB Schema 20.27.0
 * ```
 * and `ovs-appctl version` (`ovs-vswitchd (Open vSwitch) 3.1.0`). Also distribution versions
 * (`2.17.9-0ubuntu0.22.04.1`) and a `DPDK 22.11.1` line. Never throws.
 */
import type { Diagnostic, Parsed } from '../model/diagnostic.js';
import type { ToolVersion } from '../model/ovs.js';

const FIRST_OVS_RE = /^(\S+) \(([^)]+)\) (\S+)\s*$/;
const FIRST_OVN_RE = /^(\S+) (v?\d\S*)\s*$/;

export function parseToolVersion(text: string, file?: string): Parsed<ToolVersion> {
  const diagnostics: Diagnostic[] = [];
  let program: string | undefined;
  let pkg: string | undefined;
  let version: string | undefined;
  let ovsLibraryVersion: string | undefined;
  let dbSchema: string | undefined;
  let sbDbSchema: string | undefined;
  let openflowVersions: ToolVersion['openflowVersions'];
  let dpdkVersion: string | undefined;
  const other: string[] = [];
  const value = (): ToolVersion => ({ program, package: pkg, version, ovsLibraryVersion, dbSchema, sbDbSchema, openflowVersions, dpdkVersion, other });
  if (typeof text !== 'string') return { value: value(), diagnostics: [{ severity: 'error', file, message: 'expected text' }] };
  const lines = text.split(/\r?\n/);
  let first = true;
  for (let i = 0; i < lines.length; i++) {
    const ln = i + 1;
    const line = lines[i].trim();
    if (line === '' || (first && line.startsWith('#'))) continue;
    let m: RegExpExecArray | null;
    if (first) {
      first = false;
      if ((m = FIRST_OVS_RE.exec(line))) {
        [, program, pkg, version] = m;
        continue;
      }
      if ((m = FIRST_OVN_RE.exec(line))) {
        [, program, version] = m;
        continue;
      }
      diagnostics.push({ severity: 'error', file, line: ln, message: 'first line is not "<program> (Open vSwitch) <version>" or "<program> <version>"', excerpt: line });
    }
    if ((m = /^Open vSwitch Library (\S+)$/.exec(line))) ovsLibraryVersion = m[1];
    else if ((m = /^SB DB Schema (\S+)$/.exec(line))) sbDbSchema = m[1];
    else if ((m = /^DB Schema (\S+)$/.exec(line))) dbSchema = m[1];
    else if ((m = /^OpenFlow versions (0x[0-9a-fA-F]+):(0x[0-9a-fA-F]+)$/.exec(line))) openflowVersions = { min: Number.parseInt(m[1].slice(2), 16), max: Number.parseInt(m[2].slice(2), 16) };
    else if ((m = /^DPDK (\S+)$/.exec(line))) dpdkVersion = m[1];
    else other.push(line);
  }
  if (first) diagnostics.push({ severity: 'error', file, line: 1, message: 'empty output: expected "<program> (Open vSwitch) <version>"' });
  return { value: value(), diagnostics };
}

/** OpenFlow wire version → name: 1 → `OpenFlow10`, 4 → `OpenFlow13`, 6 → `OpenFlow15`. */
export function openflowVersionName(wire: number): string | undefined {
  return wire >= 1 && wire <= 6 ? `OpenFlow1${wire - 1}` : undefined;
}
