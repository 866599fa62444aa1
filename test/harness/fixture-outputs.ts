// Adds command outputs to a copied snapshot (copyFixture) the way a collection records them: the
// file(s) under hosts/<host>/ or central/, and a manifest entry with status, exit code, size and
// sha256. For tests of outputs the bundled fixtures were collected without.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandStatus } from '../../src/collect/transport.js';
import type { Manifest, ManifestCommand } from '../../src/model/manifest.js';
import { copyFixture } from './fixture-copy.js';

export interface RecordedOutput {
  readonly argv: readonly string[];
  /** What ran, wrapper included (default: argv). */
  readonly executed?: readonly string[];
  readonly status?: CommandStatus;
  readonly exitCode?: number | null;
  /** stdout (written when the command completed: ok or failed). */
  readonly out?: string;
  readonly err?: string;
  readonly error?: string;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function entry(dir: string, base: string, id: string, o: RecordedOutput): ManifestCommand {
  const status = o.status ?? 'ok';
  const out = o.out ?? (status === 'ok' || status === 'failed' ? '' : undefined);
  if (out !== undefined) writeFileSync(join(dir, base, `${id}.out`), out);
  if (o.err) writeFileSync(join(dir, base, `${id}.err`), o.err);
  return {
    id,
    argv: o.argv,
    executed: o.executed ?? o.argv,
    required: false,
    status,
    exitCode: o.exitCode !== undefined ? o.exitCode : status === 'ok' ? 0 : status === 'failed' ? 1 : null,
    durationMs: 3,
    ...(out !== undefined ? { file: `${base}/${id}.out`, bytes: Buffer.byteLength(out), sha256: sha(out) } : { bytes: 0 }),
    ...(o.err ? { errFile: `${base}/${id}.err`, errBytes: Buffer.byteLength(o.err), errSha256: sha(o.err) } : {}),
    ...(o.error ? { error: o.error } : {}),
  };
}

function editManifest(dir: string, edit: (m: { -readonly [K in keyof Manifest]: Manifest[K] }) => void): void {
  const file = join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  edit(m);
  writeFileSync(file, JSON.stringify(m, null, 2));
}

/** Records `id` as collected from `host`. */
export function addHostOutput(dir: string, host: string, id: string, o: RecordedOutput): void {
  const e = entry(dir, `hosts/${host}`, id, o);
  editManifest(dir, (m) => {
    const h = m.hosts.find((x) => x.name === host)!;
    (h as { commands: readonly ManifestCommand[] }).commands = [...h.commands.filter((c) => c.id !== id), e];
  });
}

/** Records `id` as collected centrally (NB/SB). */
export function addCentralOutput(dir: string, id: string, o: RecordedOutput): void {
  const e = entry(dir, 'central', id, o);
  editManifest(dir, (m) => {
    const c = m.central!;
    (c as { commands: readonly ManifestCommand[] }).commands = [...c.commands.filter((x) => x.id !== id), e];
  });
}

/** The `ovn-appctl -t ovn-controller …` outputs of a host, as the recipe records them. */
export function addControllerAnswers(dir: string, host: string, answers: { connection?: RecordedOutput; debug?: RecordedOutput; version?: RecordedOutput }): void {
  const argv = (c: string) => ['ovn-appctl', '-t', 'ovn-controller', c];
  if (answers.connection) addHostOutput(dir, host, 'ovn-appctl.connection-status', { ...answers.connection, argv: argv('connection-status'), ...(answers.connection.executed ? { executed: [...answers.connection.executed, ...argv('connection-status')] } : {}) });
  if (answers.debug) addHostOutput(dir, host, 'ovn-appctl.debug-status', { ...answers.debug, argv: argv('debug/status') });
  if (answers.version) addHostOutput(dir, host, 'ovn-appctl.version', { ...answers.version, argv: argv('version') });
}

/** What `ovn-appctl` prints when the pidfile names a process that is gone (SIGKILL, crash): verbatim from OVN 23.03. */
export const DEAD_PIDFILE = (rundir: string) => `ovn-appctl: cannot read pidfile "${rundir}/ovn-controller.pid" (No such process)\n`;

/** An ovn-controller that answers: connected, running, 23.03.1 (verbatim outputs of OVN 23.03). */
export const HEALTHY = {
  connection: { argv: [], out: 'connected\n' },
  debug: { argv: [], out: 'running\n' },
  version: { argv: [], out: 'ovn-controller 23.03.1\nOpen vSwitch Library 3.1.0\n' },
} as const;

/** A SIGKILLed ovn-controller: connection-status fails on a pidfile naming a dead process. */
export const KILLED = { connection: { argv: [], status: 'failed' as const, err: DEAD_PIDFILE('/var/run/ovn') } };

/** A copy of l3-acl with hv1's ovn-controller killed (stale pidfile) and hv2's answering. */
export function deadHv1(): string {
  const dir = copyFixture('l3-acl');
  addControllerAnswers(dir, 'hv1', KILLED);
  addControllerAnswers(dir, 'hv2', HEALTHY);
  return dir;
}

/** SB Chassis_Private and SB_Global listings (`ovn-sbctl --format=json list …`, the shape OVN 23.03 prints). */
export function addNbCfg(dir: string, global: number, chassis: readonly { name: string; chassisUuid: string; nbCfg: number; timestamp: number }[]): void {
  const priv = {
    data: chassis.map((c, i) => [['uuid', `00000000-0000-4000-8000-00000000000${i}`], ['uuid', c.chassisUuid], ['map', []], c.name, c.nbCfg, c.timestamp]),
    headings: ['_uuid', 'chassis', 'external_ids', 'name', 'nb_cfg', 'nb_cfg_timestamp'],
  };
  const glob = { data: [[['uuid', 'e3ff3eeb-6f6f-4fc5-8660-9b699668085b'], ['set', []], ['map', []], false, global, ['map', []], ['set', []]]], headings: ['_uuid', 'connections', 'external_ids', 'ipsec', 'nb_cfg', 'options', 'ssl'] };
  addCentralOutput(dir, 'ovn-sbctl.list.Chassis_Private', { argv: ['ovn-sbctl', '--format=json', 'list', 'Chassis_Private'], out: `${JSON.stringify(priv)}\n` });
  addCentralOutput(dir, 'ovn-sbctl.list.SB_Global', { argv: ['ovn-sbctl', '--format=json', 'list', 'SB_Global'], out: `${JSON.stringify(glob)}\n` });
}

/**
 * Replaces an output file of a copied snapshot and records its new size and sha256 in the
 * manifest, as if it had been collected that way (an empty or cut-short output, garbage): the
 * reader sees an intact file, only the parser can tell.
 */
export function rewriteCollectedOutput(dir: string, file: string, text: string): void {
  writeFileSync(join(dir, file), text);
  editManifest(dir, (m) => {
    for (const h of [...m.hosts, ...(m.central ? [m.central] : [])])
      (h as { commands: readonly ManifestCommand[] }).commands = h.commands.map((c) => (c.file === file ? { ...c, bytes: Buffer.byteLength(text), sha256: sha(text) } : c));
  });
}
