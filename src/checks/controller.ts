/**
 * Is each chassis' OpenFlow state current? (`ovnscope doctor`, checks D17–D18, part of the health
 * audit.) A chassis whose ovn-controller died (SIGKILL, a crash) or lost the SB keeps the flows it
 * last installed: the datapath forwards by them, the SB Chassis row stays, and nothing in the flow
 * dump says they are stale. Two signals say it:
 *
 *   D17 ovn-controller's control socket answers, it is not paused, and it is connected to the SB
 *       (`ovn-appctl -t ovn-controller connection-status | debug/status`, collected per host);
 *   D18 every chassis has applied the NB generation northd last put in the SB
 *       (`Chassis_Private.nb_cfg` vs `SB_Global.nb_cfg`, what `ovn-nbctl --wait=hv` waits for).
 *
 * `staleFlowCauses` gives the same facts per host for trace reports (src/services/trace-stale-flows.ts).
 * Pure: a loaded Snapshot in, findings out.
 */
import type { Evidence, Finding } from '../model/finding.js';
import type { SbChassisPrivate, SbGlobal } from '../model/ovn.js';
import { OVN_CONTROLLER_IDS, type ControllerEvidence } from '../model/ovn-controller.js';
import type { HostState, Snapshot } from '../model/snapshot.js';
import { plural } from '../model/plural.js';
import { HEALTH_CHECKS, rowEvidence, unusableOutput, type HostIdentity } from './health.js';

const IDS = { chassisPrivate: 'ovn-sbctl.list.Chassis_Private', sbGlobal: 'ovn-sbctl.list.SB_Global', openVswitch: 'ovs-vsctl.list.Open_vSwitch' } as const;

/** What a trace or a person must know about one host's flows. */
export interface StaleFlowsCause {
  readonly host: string;
  /** `not-running`, `unresponsive`, `paused`, `not-connected`: from ovn-controller; `nb-cfg-lag`: from the SB. */
  readonly kind: 'not-running' | 'unresponsive' | 'paused' | 'not-connected' | 'nb-cfg-lag';
  /** Short, for a verdict line: "ovn-controller not running", "1 nb_cfg generation behind". */
  readonly short: string;
  /** The whole sentence, with what the host said. */
  readonly detail: string;
  readonly check: 'D17' | 'D18';
}

/** What happens to a chassis' flows when its ovn-controller is out: said once, for doctor and trace alike. */
export const STALE_FLOWS =
  'its OpenFlow flows are what it last installed; NB/SB changes since then are not applied here — traces of this chassis show the stale datapath, ovn-trace shows what the SB says now';

/**
 * No pidfile where ovn-appctl looked: stopped cleanly (ovn-controller removes its pidfile on exit)
 * — or, far more often on a healthy chassis, it runs in its own container or with another
 * OVN_RUNDIR, where this ovn-appctl does not look. Not conclusive, unlike a pidfile naming a dead
 * process ("No such process") or a socket that refuses the connection.
 */
const NO_PIDFILE = /cannot read pidfile "?([^"]*?)"? \(No such file or directory\)/;

/** Where ovn-appctl looked for a pidfile it did not find; undefined when the answer was another one. */
function missingPidfile(st: HostState['ovnController']): string | undefined {
  if (st?.kind !== 'not-running') return undefined;
  const m = NO_PIDFILE.exec(st.error);
  return m ? m[1] || 'where ovn-appctl looked' : undefined;
}

/**
 * No pidfile, and the chassis has neither a Chassis nor a Chassis_Private row in an SB listing
 * that was read: what a clean exit (ovn-appctl exit) leaves, since ovn-controller deletes both on
 * its way out. That makes the missing pidfile conclusive; in a container it runs, and keeps its rows.
 */
type SbView = Pick<Snapshot, 'sb' | 'manifest' | 'diagnostics'>;
function stoppedCleanly(snap: SbView, h: HostState): boolean {
  const st = h.ovnController;
  if (st?.kind !== 'not-running' || missingPidfile(st) === undefined || h.chassis === undefined || !snap.sb) return false;
  if (unusableOutput(snap, undefined, 'ovn-sbctl.list.Chassis') !== undefined) return false;
  if (snap.sb.chassis.some((c) => c.name === h.chassis)) return false;
  return !(snap.sb.chassisPrivate ?? []).some((r) => r.name === h.chassis);
}

/**
 * The run directory the inventory pointed ovn-appctl at — `OVN_RUNDIR=DIR` in the host's wrapper
 * or its ovn_controller wrapper, as the manifest records the executed command — when the pidfile
 * ovn-appctl did not find is in it. Then "it runs with another OVN_RUNDIR" is ruled out by the
 * user's own setting, and no pidfile there means stopped (ovn-controller removes its pidfile on
 * exit, SIGTERM included). Undefined when no run directory was given (the default /var/run/ovn).
 */
export function givenRundir(snap: Pick<Snapshot, 'manifest'>, h: HostState): string | undefined {
  const pidfile = missingPidfile(h.ovnController);
  if (pidfile === undefined) return undefined;
  const cmd = snap.manifest.hosts.find((x) => x.name === h.name)?.commands.find((c) => c.id === OVN_CONTROLLER_IDS.connectionStatus);
  const executed = cmd?.executed ?? [];
  const appctl = executed.indexOf('ovn-appctl');
  const dir = executed
    .slice(0, appctl < 0 ? 0 : appctl)
    .map((a) => /^OVN_RUNDIR=(.+)$/.exec(a)?.[1])
    .filter((d): d is string => d !== undefined)
    .pop();
  return dir !== undefined && pidfile.startsWith(`${dir.replace(/\/+$/, '')}/`) ? dir : undefined;
}

/**
 * D17's judgement of a host's ovn-controller, made here once for the check, D18's wording, trace
 * warnings and `snapshot show`. `not-running`: a pidfile naming a dead process, a refused socket,
 * a clean exit, or no pidfile in the run directory the inventory gave; `not-reached`: no pidfile
 * where ovn-appctl looked by default (inconclusive). Undefined
 * when nothing was asked (older snapshots) or nothing can be told (not a chassis).
 */
export type ControllerVerdict = 'connected' | 'not-connected' | 'paused' | 'unresponsive' | 'not-running' | 'not-reached';

export function controllerVerdict(snap: SbView, h: HostState): ControllerVerdict | undefined {
  const st = h.ovnController;
  switch (st?.kind) {
    case 'running':
      return st.paused ? 'paused' : st.connected ? 'connected' : 'not-connected';
    case 'unresponsive':
      return 'unresponsive';
    case 'not-running':
      if (h.chassis === undefined) return undefined;
      return missingPidfile(st) === undefined || stoppedCleanly(snap, h) || givenRundir(snap, h) !== undefined ? 'not-running' : 'not-reached';
    default:
      return undefined;
  }
}

const VERDICT_TEXT: Record<ControllerVerdict, string> = {
  connected: 'connected',
  'not-connected': 'not connected',
  paused: 'paused',
  unresponsive: 'not answering',
  'not-running': 'not running',
  'not-reached': 'not reached',
};

/** A host's ovn-controller in a word or two (for listings such as `snapshot show`), as D17 judges it. */
export function controllerStateText(snap: SbView, h: HostState): string | undefined {
  const v = controllerVerdict(snap, h);
  return v && VERDICT_TEXT[v];
}

/** What ovn-appctl said when the control socket did not answer ('' otherwise). */
function answerError(h: HostState): string {
  const st = h.ovnController;
  return st?.kind === 'not-running' || st?.kind === 'unresponsive' ? st.error : '';
}

/** How long before the collection a chassis' last applied nb_cfg still says "its ovn-controller was working then". */
const RECENT_MS = 60_000;

/**
 * What the SB says of a chassis whose ovn-controller ovn-appctl could not find: `recent`, it
 * applied an nb_cfg about when the collection started (alive, somewhere else); `latest`, it has
 * applied the SB's latest, longer ago — weaker: nb_cfg moves only when something bumps it
 * (ovn-nbctl --wait=hv, a CMS liveness check), so that says it was running then, not now;
 * undefined: neither.
 */
function appliedLately(row: SbChassisPrivate | undefined, global: SbGlobal | undefined, created: string): 'recent' | 'latest' | undefined {
  if (row?.nbCfg === undefined) return undefined;
  const at = Date.parse(created);
  if (row.nbCfgTimestamp !== undefined && row.nbCfgTimestamp > 0 && !Number.isNaN(at) && row.nbCfgTimestamp >= at - RECENT_MS) return 'recent';
  if (global?.nbCfg !== undefined && global.nbCfg > 0 && row.nbCfg === global.nbCfg) return 'latest';
  return undefined;
}

/** "(error)" of a control socket that did not answer. */
function noAnswer(error: string): string {
  return `its control socket did not answer (${error})`;
}

/** What to set so that ovn-appctl reaches an ovn-controller in its own container or run directory. */
const REACH_IT = 'set OVN_RUNDIR in the host\'s wrapper, or give the host an inventory setting ovn_controller: { wrapper: "podman exec ovn_controller" } (or "env OVN_RUNDIR=DIR"), and collect again';

const evidenceOf = (e: ControllerEvidence): Evidence => ({ file: e.file, excerpt: e.text.slice(0, 320) });

function isoOf(ms: number | undefined): string | undefined {
  if (ms === undefined || ms <= 0) return undefined;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** "12 min before collection" from two instants (ms, and the manifest's ISO `created`). */
function ageBefore(ms: number | undefined, created: string): string | undefined {
  const at = Date.parse(created);
  if (ms === undefined || ms <= 0 || Number.isNaN(at) || at < ms) return undefined;
  const s = Math.round((at - ms) / 1000);
  if (s < 120) return `${s} s before collection`;
  if (s < 7200) return `${Math.round(s / 60)} min before collection`;
  if (s < 172800) return `${Math.round(s / 3600)} h before collection`;
  return `${Math.round(s / 86400)} days before collection`;
}

/** The chassis' last applied nb_cfg, as a clause: "it last applied nb_cfg 2 at 2026-11-21T20:40:16Z (12 min before collection)". */
function lastApplied(row: SbChassisPrivate | undefined, created: string): string | undefined {
  if (row?.nbCfg === undefined) return undefined;
  const at = isoOf(row.nbCfgTimestamp);
  const age = ageBefore(row.nbCfgTimestamp, created);
  return `it last applied nb_cfg ${row.nbCfg}${at ? ` at ${at}${age ? ` (${age})` : ''}` : ''}`;
}

interface NbCfgLag {
  readonly row: SbChassisPrivate;
  readonly global: SbGlobal;
  readonly behind: number;
  /**
   * The chassis applied a generation at or after the collection started (less IN_FLIGHT_SLACK_MS):
   * it was applying changes while the two listings were taken at different instants, so the SB
   * moving on between them (a CMS bumping nb_cfg periodically) is a lag in flight, not a stuck chassis.
   */
  readonly inFlight: boolean;
}

/**
 * `ovn-sbctl list Chassis_Private` and `list SB_Global` run seconds apart, and the collection
 * start is the collecting host's clock while nb_cfg_timestamp is the chassis' (ms since the
 * epoch, what ovn-controller writes from time_wall_msec): a few seconds of slack for both.
 */
const IN_FLIGHT_SLACK_MS = 5_000;

/**
 * What D17 found wrong with a host's ovn-controller, in words D18 repeats for the same chassis:
 * the clause after "its ovn-controller" and D17's fix. Undefined when D17 found nothing wrong (or
 * could not tell).
 */
function d17Cause(snap: SbView, h: HostState): { readonly clause: string; readonly fix: string } | undefined {
  switch (controllerVerdict(snap, h)) {
    case 'not-reached':
      return { clause: 'could not be reached', fix: `${REACH_IT}; if it is stopped: on ${h.name}, systemctl status ovn-controller and start it` };
    case 'not-running':
      return { clause: 'is not running', fix: `on ${h.name}: systemctl status ovn-controller (why it stopped: ovn-controller.log, journalctl, a core dump); start it — it recomputes and replaces the stale flows` };
    case 'unresponsive':
      return { clause: 'does not answer', fix: `on ${h.name}: ovn-appctl -t ovn-controller connection-status again; top -p $(pidof ovn-controller); ovn-controller.log` };
    case 'paused':
      return { clause: 'is paused', fix: `on ${h.name}: ovn-appctl -t ovn-controller debug/resume` };
    case 'not-connected':
      return { clause: 'is not connected to the SB', fix: `on ${h.name}: check that ${h.openVswitch?.ovnRemote ?? 'ovn-remote'} is reachable (and its SSL/RBAC setup); ovn-controller.log says why it disconnected` };
    default:
      return undefined;
  }
}

/** ovn-controller said (conclusively) that it applies nothing now: not running, not answering, paused, not connected. */
function controllerOut(snap: SbView, h: HostState): boolean {
  const v = controllerVerdict(snap, h);
  return v === 'not-running' || v === 'unresponsive' || v === 'paused' || v === 'not-connected';
}

/**
 * Chassis_Private rows behind SB_Global.nb_cfg, by chassis name. A lag is in flight only when the
 * chassis' own ovn-controller did not say it is out: one killed seconds after applying a change
 * has a recent timestamp too.
 */
function nbCfgLags(snap: Pick<Snapshot, 'sb' | 'manifest' | 'hosts' | 'diagnostics'>): Map<string, NbCfgLag> {
  const out = new Map<string, NbCfgLag>();
  const global = snap.sb?.global;
  const target = global?.nbCfg;
  if (!global || target === undefined || target <= 0) return out;
  const started = Date.parse(snap.manifest.created);
  const controllersOut = new Set(snap.hosts.filter((h) => h.chassis !== undefined && controllerOut(snap, h)).map((h) => h.chassis!));
  for (const row of snap.sb?.chassisPrivate ?? []) {
    if (row.nbCfg === undefined || row.nbCfg >= target) continue;
    const inFlight = !controllersOut.has(row.name) && row.nbCfgTimestamp !== undefined && row.nbCfgTimestamp > 0 && !Number.isNaN(started) && row.nbCfgTimestamp >= started - IN_FLIGHT_SLACK_MS;
    out.set(row.name, { row, global, behind: target - row.nbCfg, inFlight });
  }
  return out;
}

function lagSentence(lag: NbCfgLag, created: string): string {
  const at = isoOf(lag.row.nbCfgTimestamp);
  const age = ageBefore(lag.row.nbCfgTimestamp, created);
  return `chassis ${lag.row.name} has applied nb_cfg ${lag.row.nbCfg} while the SB is at ${lag.global.nbCfg} (${plural(lag.behind, 'generation')} behind${at ? `; last applied at ${at}${age ? `, ${age}` : ''}` : ''}): the NB changes since then are not in its flows`;
}

/** Why a host's flows may not be what the NB/SB say now; empty when nothing says so (or nothing is known). */
export function staleFlowCauses(snap: Pick<Snapshot, 'hosts' | 'sb' | 'manifest' | 'diagnostics'>): Map<string, StaleFlowsCause[]> {
  const out = new Map<string, StaleFlowsCause[]>();
  const push = (c: StaleFlowsCause) => out.set(c.host, [...(out.get(c.host) ?? []), c]);
  const lags = nbCfgLags(snap);
  for (const h of snap.hosts) {
    // A missing pidfile ('not-reached') is not conclusive (see NO_PIDFILE): on a containerised
    // deployment it would be on every trace, and it is D17's warning to make, not a trace's.
    switch (controllerVerdict(snap, h)) {
      case 'not-running':
        push({ host: h.name, kind: 'not-running', check: 'D17', short: 'ovn-controller not running', detail: `ovn-controller on ${h.name} is not running — ${noAnswer(answerError(h))}: ${STALE_FLOWS}` });
        break;
      case 'unresponsive':
        push({ host: h.name, kind: 'unresponsive', check: 'D17', short: 'ovn-controller not answering', detail: `ovn-controller on ${h.name} did not answer (${answerError(h)}): busy in a long recompute, or hung; while it is, it applies no NB/SB change, so its flows may be stale` });
        break;
      case 'paused':
        push({ host: h.name, kind: 'paused', check: 'D17', short: 'ovn-controller paused', detail: `ovn-controller on ${h.name} is paused (debug/pause): ${STALE_FLOWS}` });
        break;
      case 'not-connected':
        push({ host: h.name, kind: 'not-connected', check: 'D17', short: 'ovn-controller not connected to the SB', detail: `ovn-controller on ${h.name} is not connected to the SB: it keeps the flows it installed, but no SB change since the connection dropped is in them` });
        break;
    }
    const lag = h.chassis !== undefined ? lags.get(h.chassis) : undefined;
    if (lag && !lag.inFlight) push({ host: h.name, kind: 'nb-cfg-lag', check: 'D18', short: `${plural(lag.behind, 'nb_cfg generation')} behind`, detail: lagSentence(lag, snap.manifest.created) });
  }
  return out;
}

export interface ControllerInput {
  readonly snapshot: Snapshot;
  /** Every host of the snapshot (loaded or not): which host a chassis is. Default: the loaded ones. */
  readonly fleet?: readonly HostIdentity[];
}

/** Checks D17 (per loaded host) and D18 (per chassis of the SB). */
export function checkControllers(input: ControllerInput): Finding[] {
  const snap = input.snapshot;
  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);
  const privateByName = new Map((snap.sb?.chassisPrivate ?? []).map((r) => [r.name, r] as const));
  const privateEvidence = (row: SbChassisPrivate): Evidence => rowEvidence(snap.manifest, undefined, IDS.chassisPrivate, row.raw, ['name', 'nb_cfg', 'nb_cfg_timestamp']);
  const ovsEvidence = (h: HostState): Evidence[] => (h.openVswitch ? [rowEvidence(snap.manifest, h.name, IDS.openVswitch, h.openVswitch.raw, [{ column: 'external_ids', keys: ['system-id', 'ovn-remote'] }])] : []);

  // D17: per host, what its ovn-controller answered.
  for (const h of snap.hosts) {
    const st = h.ovnController;
    if (!st) continue;
    const row = h.chassis !== undefined ? privateByName.get(h.chassis) : undefined;
    const last = lastApplied(row, snap.manifest.created);
    const rowEv = row ? [privateEvidence(row)] : [];
    const subject = `ovn-controller${h.chassis ? ` (chassis ${h.chassis})` : ''}`;
    switch (st.kind) {
      case 'unknown':
        add({ id: 'D17', severity: 'n-a', host: h.name, subject, message: `${HEALTH_CHECKS.D17}: not checked on ${h.name}, ${st.why}`, evidence: st.evidence ? [evidenceOf(st.evidence)] : [], fix: 'collect again with this ovnscope (it asks ovn-controller over its control socket)' });
        break;
      case 'not-running':
        if (h.chassis === undefined) {
          add({ id: 'D17', severity: 'n-a', host: h.name, subject, message: `${HEALTH_CHECKS.D17}: not checked on ${h.name}, not an OVN chassis (no external_ids:system-id) and no ovn-controller answered`, evidence: [evidenceOf(st.evidence)], fix: `nothing to change if ${h.name} is not meant to be an OVN chassis; if it is: on ${h.name}, ovs-vsctl get Open_vSwitch . external_ids (system-id, ovn-remote and ovn-encap-ip must be set) and systemctl status ovn-controller` });
          break;
        }
        const pidfile = missingPidfile(st);
        const rundir = givenRundir(snap, h);
        if (controllerVerdict(snap, h) === 'not-reached') {
          const elsewhere = appliedLately(row, snap.sb?.global, snap.manifest.created);
          const latest = row?.nbCfg === snap.sb?.global?.nbCfg ? ', the SB\'s latest' : '';
          add({
            id: 'D17',
            severity: 'warn',
            host: h.name,
            subject,
            message: `could not reach ovn-controller on ${h.name} (no pidfile at ${pidfile}): ${
              elsewhere === 'recent'
                ? `the SB says chassis ${h.chassis} is applying NB changes${last ? ` — ${last}${latest} —` : ''} so it probably runs elsewhere (in its own container, or with another OVN_RUNDIR) where this ovn-appctl did not look`
                : elsewhere === 'latest'
                  ? `chassis ${h.chassis} has applied the SB's latest nb_cfg${last ? ` (${last.replace(/^it /, '')})` : ''}, so its ovn-controller was running then; nothing newer says whether it runs now (nb_cfg moves only when something bumps it: ovn-nbctl --wait=hv, a CMS liveness check): it may have stopped since, or run in its own container or with another OVN_RUNDIR where this ovn-appctl did not look`
                  : `it may be stopped, or run in its own container or with another OVN_RUNDIR where this ovn-appctl did not look${last ? `; ${last}` : ''}`
            }`,
            evidence: [evidenceOf(st.evidence), ...rowEv, ...ovsEvidence(h)],
            // Running then, maybe not now: how to reach it, and what to do if it has stopped.
            fix: elsewhere === 'recent' ? REACH_IT : d17Cause(snap, h)!.fix,
          });
          break;
        }
        add({
          id: 'D17',
          severity: 'fail',
          host: h.name,
          subject,
          message: `ovn-controller is not running on ${h.name}: ${noAnswer(st.error)}${
            pidfile === undefined
              ? ''
              : stoppedCleanly(snap, h)
                ? `, and chassis ${h.chassis} has no Chassis or Chassis_Private row in the SB (D7): ovn-controller deletes both when it exits cleanly`
                : `; the pidfile is missing from the run directory the inventory gives (OVN_RUNDIR=${rundir}), and ovn-controller removes it when it stops`
          }; ${STALE_FLOWS}${last ? `. ${last[0]!.toUpperCase()}${last.slice(1)}` : ''}`,
          evidence: [evidenceOf(st.evidence), ...rowEv, ...ovsEvidence(h)],
          fix: `${d17Cause(snap, h)!.fix}${rundir !== undefined && !stoppedCleanly(snap, h) ? ` (if it runs with another run directory than ${rundir}, correct OVN_RUNDIR in the inventory and collect again)` : ''}`,
        });
        break;
      case 'unresponsive':
        add({ id: 'D17', severity: 'warn', host: h.name, subject, message: `ovn-controller on ${h.name} did not answer on its control socket (${st.error}): busy in a long recompute, or hung — while it is, it applies no NB/SB change${last ? `; ${last}` : ''}`, evidence: [evidenceOf(st.evidence), ...rowEv], fix: d17Cause(snap, h)!.fix });
        break;
      case 'running': {
        const ev = [evidenceOf(st.evidence), ...(st.pausedEvidence ? [evidenceOf(st.pausedEvidence)] : [])];
        if (st.paused) add({ id: 'D17', severity: 'fail', host: h.name, subject, message: `ovn-controller on ${h.name} is paused (debug/status: paused): ${STALE_FLOWS}${last ? `. ${last[0]!.toUpperCase()}${last.slice(1)}` : ''}`, evidence: [...ev, ...rowEv], fix: d17Cause(snap, h)!.fix });
        else if (!st.connected) {
          const remote = h.openVswitch?.ovnRemote;
          add({
            id: 'D17',
            severity: 'warn',
            host: h.name,
            subject,
            message: `ovn-controller on ${h.name} runs but is not connected to the SB${remote ? ` (ovn-remote ${remote})` : ''}: it keeps the flows it installed, but no SB change since the connection dropped is in them${last ? `; ${last}` : ''}`,
            evidence: [...ev, ...ovsEvidence(h), ...rowEv],
            fix: d17Cause(snap, h)!.fix,
          });
        } else add({ id: 'D17', severity: 'pass', host: h.name, subject, message: `running${st.paused === false ? ', not paused,' : ''} and connected to the SB${st.version ? ` (${st.version})` : ''}`, evidence: [] });
        break;
      }
    }
  }

  // D18: per chassis of the SB, against SB_Global.nb_cfg.
  const sb = snap.sb;
  const gap = !sb ? 'the snapshot has no SB' : (unusableOutput(snap, undefined, IDS.chassisPrivate) ?? unusableOutput(snap, undefined, IDS.sbGlobal));
  if (gap || !sb?.chassisPrivate || !sb.global) {
    add({ id: 'D18', severity: 'n-a', subject: 'Chassis_Private.nb_cfg', message: `${HEALTH_CHECKS.D18}: not checked, ${gap ?? 'SB_Global has no row'}`, evidence: [], fix: 'collect again with this ovnscope (it lists SB Chassis_Private and SB_Global; OVN before 20.09 has no Chassis_Private)' });
    return findings;
  }
  const target = sb.global.nbCfg;
  const globalEv = rowEvidence(snap.manifest, undefined, IDS.sbGlobal, sb.global.raw, ['nb_cfg']);
  if (target === undefined || target <= 0) {
    add({ id: 'D18', severity: 'n-a', subject: 'Chassis_Private.nb_cfg', message: `${HEALTH_CHECKS.D18}: not checked, SB_Global.nb_cfg is ${target ?? 'unset'} — nothing has used "ovn-nbctl --wait" (or a CMS liveness check) yet, so there is no generation to compare`, evidence: [globalEv], fix: 'nothing to change; to compare now: ovn-nbctl --wait=hv --timeout=60 sync (it raises nb_cfg and returns once every chassis has applied it), then collect again' });
    return findings;
  }
  const fleet = input.fleet ?? snap.hosts.map((h) => ({ name: h.name, chassis: h.chassis, encapIps: [] }));
  const hostOf = new Map(fleet.filter((h) => h.chassis).map((h) => [h.chassis!, h.name] as const));
  const lags = [...nbCfgLags(snap).values()];
  for (const lag of lags) {
    const host = hostOf.get(lag.row.name);
    const subject = `chassis ${lag.row.name}`;
    const evidence = [privateEvidence(lag.row), globalEv];
    if (lag.inFlight) {
      const at = isoOf(lag.row.nbCfgTimestamp);
      add({ id: 'D18', severity: 'info', ...(host !== undefined ? { host } : {}), subject, message: `chassis ${lag.row.name} has applied nb_cfg ${lag.row.nbCfg} while the SB is at ${lag.global.nbCfg}, but it applied that one at ${at}, during the collection: it was applying changes while Chassis_Private and SB_Global were listed (at different instants), so the lag is a change in flight, not a stuck chassis`, evidence, fix: `nothing to change; to be sure: ovn-sbctl --columns=name,nb_cfg list Chassis_Private ${lag.row.name} a few seconds later shows SB_Global's nb_cfg (ovn-sbctl get SB_Global . nb_cfg)` });
      continue;
    }
    const loaded = host !== undefined ? snap.hosts.find((h) => h.name === host) : undefined;
    const cause = loaded ? d17Cause(snap, loaded) : undefined;
    const why = cause ? ` — its ovn-controller ${cause.clause} (D17)` : '';
    add({
      id: 'D18',
      severity: 'warn',
      ...(host !== undefined ? { host } : {}),
      subject,
      message: `${lagSentence(lag, snap.manifest.created)}${why}. "ovn-nbctl --wait=hv" hangs on it. The time is when the chassis applied nb_cfg ${lag.row.nbCfg}, not how old the pending change is (SB_Global keeps no time): a change made just before the collection may still be in flight`,
      evidence,
      fix: cause ? `as D17: ${cause.fix}` : `ovn-sbctl get SB_Global . nb_cfg; ovn-sbctl --columns=name,nb_cfg,nb_cfg_timestamp list Chassis_Private ${lag.row.name} — still behind a few seconds later, it is not applying changes: on ${host ?? lag.row.name}: ovn-appctl -t ovn-controller connection-status; ovn-controller.log (errors installing flows, a long recompute)`,
    });
  }
  const checked = sb.chassisPrivate.filter((r) => r.nbCfg !== undefined).length;
  const inFlight = lags.filter((l) => l.inFlight).length;
  if (checked && inFlight === lags.length) add({ id: 'D18', severity: 'pass', subject: 'Chassis_Private.nb_cfg', message: `${plural(checked, 'chassis', 'chassis')} checked: each has applied nb_cfg ${target}${inFlight ? `, or was applying changes during the collection (${inFlight} in flight)` : ''}`, evidence: [] });
  return findings;
}

