/**
 * Reads what a host's ovn-controller answered over its control socket (collected by the
 * `ovn-controller` recipe module) into an `OvnControllerState`. The command's failure is data:
 * `ovn-appctl` that ran and got no answer means the daemon is not running — the one signal that
 * its OpenFlow flows are stale — so the manifest's status and the `.err` text are read here, not
 * only the `.out`.
 */
import { locate, type Diagnostic } from '../model/diagnostic.js';
import type { ManifestCommand } from '../model/manifest.js';
import { OVN_CONTROLLER_IDS, SOCKET_PERMISSION_DENIED, type ControllerEvidence, type OvnControllerState } from '../model/ovn-controller.js';
import { parseConnectionStatus, parseDebugStatus } from '../parse/ovn-controller.js';
import { parseToolVersion } from '../parse/ovs-version.js';
import type { SnapshotSource } from './reader.js';


const firstLineOf = (s: string | undefined): string | undefined => s?.split('\n').map((l) => l.trim()).find((l) => l !== '');

/**
 * What ovn-appctl said on stderr, in one line: its own `ovn-appctl: …` line. A missing pidfile
 * comes with a vlog line first (`…|daemon_unix|WARN|…/ovn-controller.pid: open: No such file or
 * directory`); without an `ovn-appctl:` line, the last line (where a tool's verdict usually is).
 */
function appctlError(stderr: string | undefined): string | undefined {
  const lines = (stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.find((l) => l.startsWith('ovn-appctl:')) ?? lines.at(-1);
}


/** What the host's ovn-controller said, or why nothing can be said. */
export async function loadOvnController(source: SnapshotSource, host: string, diagnostics: Diagnostic[]): Promise<OvnControllerState> {
  const commands = source.manifest.hosts.find((h) => h.name === host)?.commands ?? [];
  const command = (id: string): ManifestCommand | undefined => commands.find((c) => c.id === id);
  const cs = command(OVN_CONTROLLER_IDS.connectionStatus);
  if (!cs) return { kind: 'unknown', why: `ovn-controller was not asked on ${host} (connection-status is not in the snapshot: collected by an older ovnscope)` };
  const where = cs.file ?? `hosts/${host}/${cs.id}.out`;
  switch (cs.status) {
    case 'ok': {
      const out = await source.hostOutput(host, cs.id, diagnostics);
      if (!out || out.damaged) return { kind: 'unknown', why: `${where} is damaged or missing (changed after collection)` };
      const parsed = parseConnectionStatus(out.text, out.file);
      diagnostics.push(...locate(parsed.diagnostics, { file: out.file, host }));
      const evidence: ControllerEvidence = { file: out.file, text: firstLineOf(out.text) ?? '(empty)' };
      if (parsed.value === undefined) return { kind: 'unknown', why: `connection-status printed what ovnscope cannot read (${JSON.stringify(evidence.text.slice(0, 60))})`, evidence };
      const paused = await pausedState(source, host, command(OVN_CONTROLLER_IDS.debugStatus), diagnostics);
      const version = await versionOf(source, host, command(OVN_CONTROLLER_IDS.version), diagnostics);
      return { kind: 'running', connected: parsed.value, ...(paused ? { paused: paused.paused, pausedEvidence: paused.evidence } : {}), ...(version ? { version } : {}), evidence };
    }
    case 'failed': {
      const err = await source.hostStderr(host, cs.id, diagnostics);
      const said = appctlError(err?.text) ?? cs.error ?? `exit code ${cs.exitCode}`;
      const evidence: ControllerEvidence = { file: err?.file ?? cs.errFile ?? 'manifest.json', text: said };
      if (SOCKET_PERMISSION_DENIED.test(said)) return { kind: 'unknown', why: `ovn-appctl could not open ovn-controller's control socket (${said}): collect as a user that can (root, or a wrapper "sudo -n")`, evidence };
      return { kind: 'not-running', error: said, evidence };
    }
    case 'timeout':
      return { kind: 'unresponsive', error: cs.error ?? 'no answer before the timeout', evidence: { file: 'manifest.json', text: `${cs.id}: ${cs.status}${cs.error ? ` (${cs.error})` : ''}` } };
    case 'unavailable':
      return { kind: 'unknown', why: cs.error ?? `ovn-appctl is not installed on ${host}`, evidence: { file: 'manifest.json', text: `${cs.id}: unavailable` } };
    default:
      return { kind: 'unknown', why: `connection-status was not answered on ${host} (${cs.status}${cs.error ? `: ${cs.error}` : ''})`, evidence: { file: 'manifest.json', text: `${cs.id}: ${cs.status}` } };
  }
}

async function pausedState(source: SnapshotSource, host: string, cmd: ManifestCommand | undefined, diagnostics: Diagnostic[]): Promise<{ paused: boolean; evidence: ControllerEvidence } | undefined> {
  if (cmd?.status !== 'ok') return undefined;
  const out = await source.hostOutput(host, cmd.id, diagnostics);
  if (!out || out.damaged) return undefined;
  const parsed = parseDebugStatus(out.text, out.file);
  diagnostics.push(...locate(parsed.diagnostics, { file: out.file, host }));
  return parsed.value === undefined ? undefined : { paused: parsed.value, evidence: { file: out.file, text: firstLineOf(out.text)! } };
}

async function versionOf(source: SnapshotSource, host: string, cmd: ManifestCommand | undefined, diagnostics: Diagnostic[]): Promise<string | undefined> {
  if (cmd?.status !== 'ok') return undefined;
  const out = await source.hostOutput(host, cmd.id, diagnostics);
  if (!out || out.damaged) return undefined;
  const parsed = parseToolVersion(out.text, out.file);
  diagnostics.push(...locate(parsed.diagnostics, { file: out.file, host }));
  const v = parsed.value;
  return v.program && v.version ? `${v.program} ${v.version}` : firstLineOf(out.text);
}
