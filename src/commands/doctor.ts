import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { DOCTOR_JSON, jsonContractSection } from '../cli/json-contract.js';
import type { ManSection } from '../cli/man-section.js';
import { COLLECTION_CHECKS } from '../checks/collection.js';
import { DEFAULT_MAX_COMPARISONS, FLOW_TABLE_CHECKS } from '../checks/flow-table.js';
import { HEALTH_CHECKS } from '../checks/health.js';
import { FINDING_SEVERITIES, type FindingSeverity } from '../model/finding.js';
import { ExitCode } from '../model/result.js';
import { renderDoctor } from '../render/doctor.js';
import { runDoctor } from '../services/doctor.js';

const catalogue = (checks: Readonly<Record<string, string>>) =>
  Object.entries(checks)
    .map(([id, what]) => `${id} ${what}.`)
    .join('\n\n');

export default class Doctor extends BaseCommand {
  static override summary = 'Run every check ovnscope has over one snapshot — port bindings, chassis, tunnels, flow tables, collection gaps, offload, MTU, BGP — ordered by severity.';
  static override description = `One run for "what is wrong here?": the OVN/OVS health checks D1-D18 (port bindings unbound or down, chassis without encaps, tunnel ports towards unknown chassis, tunnel BFD down, interface errors, ovn-encap-ip drift, and whether each chassis' flows are current: ovn-controller not running, paused or not connected to the SB, a chassis behind SB_Global.nb_cfg), the flow-table checks F1-F5 (tables flows continue into but that have no flows, equal-priority overlapping flows, flows that can never match, missing groups, ports flows use that the bridge lacks), the collection checks C1-C8 (unreachable hosts, missing outputs, parser diagnostics, path scope, files damaged after collection), and the GENEVE offload (O1-O9, H1-H10), MTU (MTU-H0…H8, cluster-wide) and underlay BGP (B1-B14) audits when the snapshot holds their data. An audit or check whose data is not in the snapshot, is in a file damaged after collection, or is in an output the parser cannot read (empty, cut short, not JSON), is reported as n/a for each host it applies to, with the reason naming the file, never as a failure and never left out.

Findings are grouped by host (fleet-wide SB/NB and collection findings first), most severe first; every one quotes the raw file and line (or OVSDB row) it rests on and says what to do. The exit status is 1 when any check fails, so scripts and CI can use it; otherwise 3 when the snapshot is incomplete for the selected hosts — what makes collect exit 3 (a host unreachable, a required output such as dump-flows failed or timed out, the collection interrupted, no NB/SB) or an output changed after collection (C8) or collected empty or cut short (C6) — because the checks did not see everything: "doctor && echo healthy" never passes a fleet whose flow tables were not looked at. The summary names what is missing (--json: "incomplete"). 0 only when every check ran on complete input and none failed; --severity only changes what is listed.`;
  static override examples = [
    '<%= config.bin %> doctor --snapshot snap',
    '<%= config.bin %> doctor --snapshot bug-1234.tar.gz --host hv1 --host hv2',
    '<%= config.bin %> doctor -s snap --severity warn',
    '<%= config.bin %> doctor -s snap --json | jq \'.findings[] | select(.severity=="fail")\'',
  ];
  static manSections: readonly ManSection[] = [
    {
      title: 'Health checks',
      body: `${catalogue(HEALTH_CHECKS)}\n\nD17 rests on "ovn-appctl -t ovn-controller connection-status" (and debug/status, version), asked on every host: a control socket that does not answer — a pidfile naming a dead process, a connection refused — fails (the daemon is not running: its flows are the ones it last installed, and traces of that chassis show that stale datapath while ovn-trace shows what the SB says now); "not connected" or no answer before the timeout warns; paused fails. ovn-appctl finds ovn-controller through OVN_RUNDIR (default /var/run/ovn): when ovn-controller runs in its own container or with another run directory, give the host an inventory setting ovn_controller: { wrapper: "podman exec ovn_controller" } (or "env OVN_RUNDIR=DIR"; put before ovn-appctl only). When the host's wrapper or ovn_controller wrapper sets OVN_RUNDIR and ovn-appctl finds no pidfile in that directory, ovn-controller has stopped (it removes its pidfile on exit, SIGTERM included): that fails as not running, and "ovnscope trace" warns that this host's flows may be stale. Without a run directory ovn-appctl looks in the default one, and no pidfile there cannot tell "stopped" from "runs elsewhere": that warns "could not reach ovn-controller" — saying it probably runs elsewhere when the SB shows the chassis applied the latest nb_cfg, or one within a minute of the collection — and "ovnscope trace" does not count it as stale flows — unless the chassis also has no Chassis and no Chassis_Private row in the SB, which is what a clean exit (ovn-appctl exit) leaves: that fails as not running. D18 compares SB Chassis_Private.nb_cfg with SB_Global.nb_cfg (what "ovn-nbctl --wait=hv" waits for): a chassis behind warns, with how many generations and when it applied the generation it is at (nb_cfg_timestamp: that time, not the age of the pending change); a chassis behind that applied a generation during the collection (the two listings are taken seconds apart while a CMS may bump nb_cfg) is a change in flight, info, unless its ovn-controller is out per D17; n/a when nothing has bumped nb_cfg yet. Both are n/a, with the reason, on snapshots collected without these outputs (older ovnscope, the bundled fixtures). "ovnscope trace" warns when it reads the tables of a host these checks flag.`,
    },
    { title: 'Flow-table checks', body: `${catalogue(FLOW_TABLE_CHECKS)}\n\nA resubmit in the middle of an action list is a lookup (MAC bindings, FDB, port security, hairpin): it returns, so an empty lookup table is a miss by design and is not reported. Overlaps are attributed through the flow cookies: two NB ACLs of equal priority with opposite verdicts warn, flows with cookies the SB does not know warn, overlaps between different logical flows of ovn-northd are info. The pairwise comparisons are bounded per bridge (--max-flow-comparisons); a bridge where the bound was hit gets an info finding naming the table/priority groups left unchecked.` },
    { title: 'Collection checks', body: catalogue(COLLECTION_CHECKS) },
    {
      title: 'Audits included',
      body: `GENEVE offload (see ovnscope-offload(1)) runs when at least one host has offload data (the offload recipe's ethtool/other_config outputs). Underlay BGP (see ovnscope-bgp(1)) runs when FRR answered on at least one host, with the default of 2 expected uplinks. MTU (see ovnscope-mtu(1)) runs in its cluster mode (as "ovnscope mtu --all") when at least one host has "ip -j -d link" output. An audit whose data is on no host is one n/a finding (id OFFLOAD, BGP or MTU) saying why; hosts without the data get the audit's own n/a findings. The MTU audit with no pair of chassis to measure (no SB Encap, no OVS TEP) is n/a with that reason. The header counts n/a findings too; an audit whose every finding is n/a is shown as n/a, not as a clean run.`,
    },
    jsonContractSection(DOCTOR_JSON),
  ];
  static override enableJsonFlag = true;
  static override flags = {
    snapshot: Flags.string({ char: 's', summary: 'Snapshot directory or packed fixture (.tar.gz); default: the current directory.' }),
    host: Flags.string({ char: 'H', summary: 'Only findings about this host (repeatable); fleet-wide findings stay.', multiple: true }),
    severity: Flags.string({ summary: 'List findings at least this severe (the exit status still covers all).', options: [...FINDING_SEVERITIES], default: 'info' }),
    'max-flow-comparisons': Flags.integer({ summary: `Bound on the pairwise flow comparisons per bridge for the overlap check (F2).`, default: DEFAULT_MAX_COMPARISONS, min: 1 }),
  };

  async run() {
    const { flags } = await this.parse(Doctor);
    const result = await runDoctor({ snapshot: flags.snapshot, hosts: flags.host, severity: flags.severity as FindingSeverity, maxFlowComparisons: flags['max-flow-comparisons'] });
    if (!result.ok) this.failWith(result.error);
    if (result.value.failed) process.exitCode = ExitCode.findingOrDrop;
    else if (result.value.incomplete.length) process.exitCode = ExitCode.incomplete;
    this.print(renderDoctor(result.value, this.style));
    return result.value;
  }
}
