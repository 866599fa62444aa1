import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import type { ManSection } from '../cli/man-section.js';
import { ExitCode } from '../model/result.js';
import type { Detail } from '../model/trace.js';
import { renderTrace } from '../render/trace.js';
import { trace, verdictExitCode } from '../services/trace.js';

export default class Trace extends BaseCommand {
  static override summary = 'Replay a packet offline through a host\'s collected OpenFlow tables, like ovs-appctl ofproto/trace, and say which ACL, LB, NAT or route decided.';
  static override description = `The flow uses the syntax of "ovs-appctl ofproto/trace": field=value pairs, protocol shorthands (tcp, udp, icmp, arp, ip, ipv6, icmp6, tcp6, udp6), port names in quotes or OpenFlow port numbers; unspecified fields are zero, as there. The pipeline is interpreted like ovs-vswitchd's translation (checked against live ofproto/trace by ovnscope's differential test suite): conntrack recirculations are resumed with the --ct-next states in order (default trk,new), select groups pick the bucket OVS would pick (or --select-bucket / --lb-dst), check_pkt_larger is decided by --size.

Every table visited is named by the OVN logical flow behind its cookie (stage, match, actions, datapath) and the northbound object behind that (ACL, NAT, load balancer, static route, port), and a drop carries a typed reason: ACL_DROP, PORT_SECURITY, NO_ROUTE, TTL_EXPIRED, NO_MATCH, EXPLICIT_DROP, ...

With --flows-file each non-blank line (not starting with #) is one flow; --json then prints one JSON object per line.`;
  static override examples = [
    `<%= config.bin %> trace --snapshot fixtures/l3-acl --host hv1 --flow 'in_port="tapweb1",tcp,dl_src=0a:00:01:01:00:11,dl_dst=0a:00:01:ff:01:01,nw_src=10.1.1.11,nw_dst=10.1.2.12,nw_ttl=64,tp_src=40000,tp_dst=22'`,
    `<%= config.bin %> trace -s snap -H hv1 --flow 'in_port=4,tcp,nw_src=10.1.1.11,nw_dst=10.1.2.12,tp_dst=5432' --ct-next trk,est --summary`,
    `<%= config.bin %> trace -s snap -H hv1 --flow 'in_port=3,tcp,nw_dst=10.2.0.100,tp_dst=80' --lb-dst 10.2.2.11:8080 --json`,
    '<%= config.bin %> trace -s snap -H hv1 --flows-file flows.txt --json > verdicts.jsonl',
  ];
  static manSections: readonly ManSection[] = [
    {
      title: 'Output formats',
      body: `--detailed (default) prints every table visited with the flow that matched (priority, cookie, match), the logical flow behind the cookie, every field change as "field: old -> new", recirculations as their own sections, then the verdict. --summary keeps the tables and decisions without field writes; --minimal prints only the outcome (the stable form for regression tests). All three are prunes of the same trace tree.`,
    },
    {
      title: 'JSON contract',
      body: `--json prints one object per traced flow:

  { "input": "<flow as given>",
    "verdict": "delivered" | "dropped" | "controller" | "tunnel" | "error",
    "hops": [ { "host": "hv1", "bridge": "br-int",
                "outputs": [ { "port": "<OpenFlow port name>", "ofport": 3,
                               "kind": "local" | "tunnel" | "patch" | "physical" | "reserved",
                               "tunnel": { "remoteIp": "...", "chassis": "hv2",
                                           "tunId": "0x1", "metadata0": "0x10002" } } ],
                "controller": true | false, "controllerReason": "...",
                "finalFlow": "<ofproto/trace Final flow: syntax>",
                "drop": { "table": 44, "priority": 1000, "cookie": "0x...",
                          "reason": "ACL_DROP", "explanation": "...",
                          "logicalFlow": { "uuid", "pipeline", "tableId", "stage",
                                           "priority", "match", "actions", "datapath" } } } ],
    "warnings": [ "..." ],
    "incomplete": { "reason", "hint" },      (only when the trace stopped early)
    "size": 98,
    "tree": [ <trace nodes at the requested detail> ] }

With --flows-file the command prints { "host", "bridge", "batch": [ { "line", "report" | "error" } ] }, or with --json one report object per line. Fields may be added in later versions; existing ones keep their meaning.`,
    },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    snapshot: Flags.string({ char: 's', summary: 'Snapshot directory or packed fixture (.tar.gz).', required: true }),
    host: Flags.string({ char: 'H', summary: 'Host whose tables to trace through (as named in the snapshot).', required: true }),
    bridge: Flags.string({ char: 'b', summary: 'Bridge.', default: 'br-int' }),
    flow: Flags.string({ char: 'f', summary: 'The packet, in ofproto/trace flow syntax.', exclusive: ['flows-file'] }),
    'flows-file': Flags.string({ summary: 'Trace every flow in this file (one per line).', exclusive: ['flow'] }),
    'ct-next': Flags.string({ summary: 'ct_state for the next conntrack recirculation (e.g. trk,est); repeat for later ones.', multiple: true, default: [] }),
    'select-bucket': Flags.integer({ summary: 'Use this bucket id in select groups instead of the one OVS would pick.', min: 0 }),
    'lb-dst': Flags.string({ summary: 'Choose the load-balancer bucket whose backend is IP[:PORT].' }),
    size: Flags.integer({ summary: 'Packet length in bytes for check_pkt_larger (default: the length ofproto/trace would generate).', min: 14 }),
    detailed: Flags.boolean({ summary: 'Every table, logical flow and field change (default).', exclusive: ['summary', 'minimal'] }),
    summary: Flags.boolean({ summary: 'Tables and decisions only.', exclusive: ['detailed', 'minimal'] }),
    minimal: Flags.boolean({ summary: 'Only the outcome.', exclusive: ['detailed', 'summary'] }),
    'no-follow-tunnels': Flags.boolean({ summary: 'Stop at the tunnel port (one hop). Following tunnels into the remote chassis is not available in this version; the trace stops there either way.' }),
  };

  async run() {
    const { flags } = await this.parse(Trace);
    if (!flags.flow && !flags['flows-file']) this.error('give --flow FLOW or --flows-file FILE', { exit: ExitCode.usage });
    const detail: Detail = flags.minimal ? 'minimal' : flags.summary ? 'summary' : 'detailed';
    const r = await trace({
      snapshot: flags.snapshot,
      host: flags.host,
      bridge: flags.bridge,
      flow: flags.flow,
      flowsFile: flags['flows-file'],
      ctNext: flags['ct-next'],
      selectBucket: flags['select-bucket'],
      lbDst: flags['lb-dst'],
      size: flags.size,
      detail,
    });
    if (!r.ok) this.failWith(r.error);
    const result = r.value;
    const reports = result.single ? [result.single] : (result.batch ?? []).flatMap((b) => (b.report ? [b.report] : []));
    const lineErrors = (result.batch ?? []).filter((b) => b.error);
    process.exitCode = lineErrors.length ? ExitCode.usage : Math.max(0, ...reports.map(verdictExitCode));
    if (this.jsonEnabled() && result.batch) {
      // One object per line: streams into jq and grep, and a bad line does not hide the rest.
      for (const b of result.batch) process.stdout.write(JSON.stringify(b.report ?? { line: b.line, error: b.error }) + '\n');
      return undefined;
    }
    this.print(renderTrace(result, this.style, detail === 'minimal'));
    for (const b of lineErrors) this.logToStderr(b.error!);
    return result.single ?? result;
  }
}
