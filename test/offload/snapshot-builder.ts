// Writes a snapshot directory (manifest + hosts/<host>/<id>.out) from fixture texts, so the offload
// loader and checks run on real outputs exactly as they would after a collection.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION, type Manifest, type ManifestCommand } from '../../src/model/manifest.js';

export interface FakeOutput {
  readonly text: string;
  readonly status?: ManifestCommand['status'];
  /** stderr (written to .err) for failed commands. */
  readonly stderr?: string;
}

export type HostOutputs = Readonly<Record<string, FakeOutput | string>>;

const FIX = new URL('../fixtures/', import.meta.url);
/** A fixture file's text (path relative to test/fixtures/). */
export const fixture = (path: string): string => readFileSync(new URL(path, FIX), 'utf8');

export function writeSnapshot(dir: string, hosts: Readonly<Record<string, HostOutputs>>, central?: Readonly<Record<string, string>>): void {
  const manifestHosts: Manifest['hosts'][number][] = [];
  const write = (rel: string, text: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  const entry = (relDir: string, id: string, o: FakeOutput | string): ManifestCommand => {
    const out = typeof o === 'string' ? { text: o } : o;
    const status = out.status ?? 'ok';
    const file = `${relDir}/${id}.out`;
    write(file, out.text);
    let errFile: string | undefined;
    if (out.stderr) {
      errFile = `${relDir}/${id}.err`;
      write(errFile, out.stderr);
    }
    const firstErr = out.stderr?.split('\n').find((l) => l.trim() && !l.startsWith('#'));
    return {
      id,
      argv: [id],
      executed: [id],
      required: false,
      status,
      exitCode: status === 'ok' ? 0 : 1,
      durationMs: 1,
      file,
      bytes: Buffer.byteLength(out.text),
      sha256: createHash('sha256').update(out.text).digest('hex'),
      errFile,
      error: status === 'ok' ? undefined : `exit code 1${firstErr ? `: ${firstErr.trim()}` : ''}`,
    };
  };
  for (const [name, outputs] of Object.entries(hosts)) {
    const commands = Object.entries(outputs).map(([id, o]) => entry(`hosts/${name}`, id, o));
    manifestHosts.push({ name, transport: 'local', wrapper: [], status: 'ok', bridges: ['br-int'], commands });
  }
  const manifest: Manifest = {
    format: SNAPSHOT_FORMAT,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    toolVersion: 'test',
    created: '2026-01-01T00:00:00.000Z',
    finished: '2026-01-01T00:00:01.000Z',
    complete: true,
    interrupted: false,
    missing: [],
    options: {},
    hosts: manifestHosts,
    central: central ? { via: Object.keys(hosts)[0]!, commands: Object.entries(central).map(([id, t]) => entry('central', id, t)) } : undefined,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

/** `ovs-vsctl --format=json list Interface` with the columns the audit reads. */
export function interfacesJson(rows: readonly { name: string; type: string; options?: Record<string, string>; status?: Record<string, string> }[]): string {
  const map = (m: Record<string, string> = {}) => ['map', Object.entries(m)];
  return JSON.stringify({ headings: ['name', 'type', 'options', 'status'], data: rows.map((r) => [r.name, r.type, map(r.options), map(r.status)]) }) + '\n';
}

/** `ovs-vsctl --format=json list Open_vSwitch` (other_config and external_ids only). */
export function openVswitchJson(otherConfig: Record<string, string>, externalIds: Record<string, string>): string {
  const map = (m: Record<string, string>) => ['map', Object.entries(m)];
  return JSON.stringify({ headings: ['_uuid', 'other_config', 'external_ids'], data: [[['uuid', '5f1c0a56-0000-4000-8000-000000000001'], map(otherConfig), map(externalIds)]] }) + '\n';
}

/** One `ip -j -d link show` row, in iproute2 6.1's shape. */
export function ipLink(ifindex: number, ifname: string, extra: { kind?: string; master?: string; slaveKind?: string; link?: string; data?: Record<string, unknown>; up?: boolean } = {}): Record<string, unknown> {
  const linkinfo: Record<string, unknown> = {};
  if (extra.kind) linkinfo.info_kind = extra.kind;
  if (extra.data) linkinfo.info_data = extra.data;
  if (extra.slaveKind) linkinfo.info_slave_kind = extra.slaveKind;
  return {
    ifindex,
    ifname,
    flags: extra.up === false ? ['BROADCAST', 'MULTICAST'] : ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    mtu: 1500,
    operstate: extra.up === false ? 'DOWN' : 'UP',
    link_type: 'ether',
    ...(extra.master ? { master: extra.master } : {}),
    ...(extra.link ? { link: extra.link } : {}),
    ...(Object.keys(linkinfo).length ? { linkinfo } : {}),
  };
}
