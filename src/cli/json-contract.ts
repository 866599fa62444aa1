/**
 * The JSON contract of a command as data: which objects its --json output holds, where, and
 * their fields. scripts/man.ts prints it as the man page's JSON CONTRACT section (through
 * `jsonContractSection`), and test/cli/json-contract.test.ts runs each command on a bundled
 * fixture and compares the fields it really emits with these lists, so the page cannot drift.
 */
import type { ManSection } from './man-section.js';

export interface JsonShape {
  /** Where the object is: '' the top level, 'hosts[]' each element of "hosts", 'matrix.rows[].cells[]' deeper. */
  readonly at: string;
  /** Its fields; a trailing '?' marks one that is absent when it does not apply. */
  readonly fields: readonly string[];
  /** What the fields hold, where their names do not say it. */
  readonly note?: string;
}

export interface JsonContract {
  readonly intro: string;
  readonly shapes: readonly JsonShape[];
  readonly outro?: string;
}

/** A field name without its optional mark. */
export const fieldName = (f: string): string => f.replace(/\?$/, '');

export function jsonContractSection(c: JsonContract): ManSection {
  const lines = c.shapes.map((s) => `  ${s.at === '' ? '(top level)' : s.at}: { ${s.fields.map((f) => `"${fieldName(f)}"${f.endsWith('?') ? '?' : ''}`).join(', ')} }`);
  const notes = c.shapes.filter((s) => s.note).map((s) => `${s.at === '' ? 'Top level' : s.at}: ${s.note}`);
  return {
    title: 'JSON contract',
    body: [c.intro, lines.join('\n'), 'A field marked ? is absent when it does not apply.', ...notes, c.outro, 'Fields may be added in later versions; existing ones keep their meaning.'].filter(Boolean).join('\n\n'),
  };
}

const FINDING: JsonShape['fields'] = ['id', 'severity', 'host?', 'subject', 'message', 'evidence', 'fix?'];
const EVIDENCE: JsonShape['fields'] = ['file', 'line?', 'excerpt'];
const COUNTS: JsonShape['fields'] = ['fail', 'warn', 'info', 'pass', 'n-a'];
const FINDING_NOTE = 'severity is one of fail, warn, info, pass, n-a; host is absent for a cluster-wide finding; evidence points at the raw file (snapshot-relative) and line the finding was read from; fix says what to do.';
/** offload and bgp promise more: a fix on every finding that is not a pass (test/checks/{offload,bgp}.test.ts hold them to it). */
const AUDIT_FINDING_NOTE = FINDING_NOTE.replace('fix says what to do.', 'fix says what to do — the command or setting to change, or for an n-a how to get the data it lacks; every finding that is not a pass has one.');
/**
 * doctor (its own checks D, F, C, an audit's "not run", and the audits it includes) and the MTU
 * audit promise the same, with info findings too (test/doctor/fix-hints.test.ts,
 * test/checks/mtu-fix-hints.test.ts and the check tests hold them to it).
 */
const FIX_ON_EVERY_NON_PASS_NOTE = FINDING_NOTE.replace('fix says what to do.', 'fix says what to do — the command or setting to change, for an n-a how to get the data it lacks, for an info "nothing to change" and why; every finding that is not a pass has one.');
const DOCTOR_FINDING_NOTE = FIX_ON_EVERY_NON_PASS_NOTE;

export const DOCTOR_JSON: JsonContract = {
  intro: '--json prints one object:',
  shapes: [
    { at: '', fields: ['snapshot', 'created', 'complete', 'hosts', 'scope?', 'threshold', 'audits', 'findings', 'counts', 'byHost', 'hidden', 'failed', 'incomplete', 'diagnostics'], note: 'hosts: the hosts checked; scope: the path scope the snapshot was collected with (collect --from/--to), when it was; threshold: the --severity below which findings are hidden (hidden counts them); failed: some finding failed (exit 1); incomplete: what the snapshot lacks (missing outputs of the selected hosts, files damaged after collection (C8), outputs empty or cut short (C6)); empty when complete, else exit 3 unless a check failed; diagnostics: parser diagnostics of the snapshot.' },
    { at: 'audits[]', fields: ['name', 'title', 'checks', 'ran', 'why?', 'counts'], note: 'one per audit doctor includes (see AUDITS INCLUDED); why says why one did not run.' },
    { at: 'findings[]', fields: FINDING, note: DOCTOR_FINDING_NOTE },
    { at: 'findings[].evidence[]', fields: EVIDENCE },
    { at: 'counts', fields: COUNTS, note: 'findings per severity (audits[].counts and byHost[].counts alike).' },
    { at: 'byHost[]', fields: ['host?', 'worst', 'counts'], note: 'per host, its worst severity; the entry without host holds the cluster-wide findings.' },
  ],
};

export const MTU_JSON: JsonContract = {
  intro: '--json prints one object:',
  shapes: [
    {
      at: '',
      fields: ['snapshot', 'mode', 'resolved?', 'path?', 'cluster?', 'findings', 'counts', 'diagnostics'],
      note: 'mode: path (--from/--to: resolved and path) or all (--all: cluster). path.rows is the hop table: { "hop": "H0".."H8", "side": "source" | "destination" | "network" | "gateway", "direction": "reverse" (rows about the replies only), "host", "subject", "role", "leg", "depth", "mtu", "required", "rule", "maxInner", "severity", "note", "evidence": { "file", "line", "excerpt" } }; path.overhead { "family", "total", "parts": [ { "name", "bytes" } ] }; path.largestInner, largestInnerBestLeg, largestInnerReverse (and reverseLimitedBy when the gateway, not the tunnels, sets it), bottleneck (a row), breaks (sentences), networks, segments (per tunnel: the legs with their devices). cluster.pairs: { "host", "toChassis", "remoteTep", "legs": [ { "label", "ipMtu", "limitedBy" } ], "underlay", "maxInner" }.',
    },
    { at: 'findings[]', fields: FINDING, note: FIX_ON_EVERY_NON_PASS_NOTE },
    { at: 'findings[].evidence[]', fields: EVIDENCE },
    { at: 'counts', fields: COUNTS },
  ],
};

export const OFFLOAD_JSON: JsonContract = {
  intro: '--json prints one object:',
  shapes: [
    { at: '', fields: ['snapshot', 'hosts', 'rows', 'findings', 'counts', 'diagnostics'] },
    { at: 'hosts[]', fields: ['host', 'collected', 'kernel?', 'ethtool?', 'hwOffload?', 'tcPolicy?', 'flowOffload', 'roots', 'notes', 'excluded', 'verdict', 'segmentation'], note: 'roots: the devices the tunnel egress chains start from, { "device", "source", "port"?, "remoteIp"? }; excluded: { "name", "why" } of devices left out; verdict: the host\'s worst severity; segmentation: offloaded, partly, software or unknown.' },
    { at: 'rows[]', fields: ['host', 'device', 'depth', 'upper?', 'relation', 'role', 'class', 'driver?', 'driverVersion?', 'firmware?', 'busInfo?', 'cells'], note: 'one per device of a chain (depth 0 the root, upper the device above it); cells: check id (O1..O7, H3, H7) → severity.' },
    { at: 'findings[]', fields: FINDING, note: AUDIT_FINDING_NOTE },
    { at: 'findings[].evidence[]', fields: EVIDENCE },
    { at: 'counts', fields: COUNTS },
  ],
};

export const BGP_JSON: JsonContract = {
  intro: '--json prints one object:',
  shapes: [
    { at: '', fields: ['snapshot', 'expectedUplinks', 'overlayMtu?', 'hosts', 'sessions', 'matrix', 'findings', 'counts', 'diagnostics'] },
    { at: 'hosts[]', fields: ['host', 'frr', 'localTep?', 'established', 'uplinks', 'expectedUplinks'], note: 'frr: { "available", "reason"?, "version"?, "how"? } — whether vtysh answered, and how it was reached.' },
    { at: 'hosts[].frr', fields: ['available', 'reason?', 'version?', 'how?'] },
    { at: 'sessions[]', fields: ['host', 'vrf', 'afi', 'peer', 'hostname?', 'remoteAs?', 'interface?', 'state', 'peerState?', 'established', 'uptime?', 'downFor?', 'pfxRcd?', 'pfxSnt?', 'connectionsEstablished?', 'connectionsDropped?', 'lastResetDueTo?', 'bfd?'], note: 'one per BGP session; bfd: { "status", "diagnostic"?, "uptime"?, "downtime"?, "sessionDown"? }.' },
    { at: 'matrix', fields: ['teps', 'rows'], note: 'the TEP reachability matrix: a row per host, a cell per remote TEP.' },
    { at: 'matrix.teps[]', fields: ['ip', 'name', 'host?', 'source'], note: 'source: sb-encap, ovs, kernel or bgp.' },
    { at: 'matrix.rows[]', fields: ['host', 'localTep?', 'frr', 'cells'] },
    { at: 'matrix.rows[].cells[]', fields: ['from', 'to', 'tep', 'status', 'protocol?', 'legs', 'uplinks', 'kernelLegs?', 'agree?', 'fallback?'], note: 'status: ecmp, degraded, single, missing, not-bgp, not-installed or no-data; legs: { "via"?, "interface"?, "fib", "mtu"? }.' },
    { at: 'findings[]', fields: FINDING, note: AUDIT_FINDING_NOTE },
    { at: 'findings[].evidence[]', fields: EVIDENCE },
    { at: 'counts', fields: COUNTS },
  ],
};

export const FLOWS_JSON: JsonContract = {
  intro: '--json prints one object:',
  shapes: [
    { at: '', fields: ['host', 'bridge', 'total', 'flows', 'sbCollected', 'dumpErrors'], note: 'total: flows in the dump before filtering; sbCollected: the SB tables were collected (without them there is no "ovn"); dumpErrors: the load errors of this bridge\'s flow dump (damaged file, unreadable lines), as messages; when there are any the listing is incomplete and the command exits 3.' },
    { at: 'flows[]', fields: ['line', 'table', 'priority', 'cookie', 'match', 'actions', 'nPackets?', 'ovn?'], note: 'line: the line in the dump file; cookie in hex.' },
    { at: 'flows[].ovn', fields: ['kind', 'uuid', 'pipeline?', 'tableId?', 'stage?', 'priority?', 'match?', 'actions?', 'datapaths?', 'source?', 'stageHint?', 'logicalPort?', 'type?', 'name?', 'vips?', 'ip?', 'mac?'], note: 'what the cookie names, by kind: logical-flow (uuid, pipeline, tableId, stage, priority, match, actions, datapaths, source, stageHint), port-binding (uuid, logicalPort, type), multicast-group (uuid, name), load-balancer (uuid, name, vips), mac-binding (uuid, logicalPort, ip, mac).' },
  ],
};

export const SNAPSHOT_SHOW_JSON: JsonContract = {
  intro: '--json prints one object:',
  shapes: [
    { at: '', fields: ['dir', 'created', 'toolVersion', 'complete', 'damaged', 'interrupted', 'missing', 'hosts', 'chassis', 'unboundPorts', 'logicalFlows', 'diagnostics'], note: 'complete: the manifest says nothing required is missing and no file is damaged; missing: what the manifest says is missing; unboundPorts: VIF ports bound to no chassis; logicalFlows: rows of the SB Logical_Flow table.' },
    { at: 'damaged[]', fields: ['host?', 'file', 'damage', 'message', 'detail'], note: 'damage: missing, size or digest.' },
    { at: 'hosts[]', fields: ['name', 'status', 'chassis?', 'encapIp?', 'ovsVersion?', 'ovsRunning', 'ovnController?', 'bridges'], note: 'ovnController: what ovn-controller answered, as doctor D17 judges it.' },
    { at: 'hosts[].bridges[]', fields: ['name', 'flows', 'groups', 'ports', 'flowsPerTable'], note: 'flowsPerTable: table number → flows.' },
    { at: 'chassis[]', fields: ['name', 'hostname?', 'encaps', 'bindings', 'inSnapshot'], note: 'encaps: { "type", "ip" }; bindings: the logical ports bound there; inSnapshot: a host of the snapshot is this chassis.' },
    { at: 'diagnostics', fields: ['count', 'first'], note: 'parser diagnostics: how many, and the first ones ({ "severity", "message", "file", "line", ... }).' },
  ],
};

export const COLLECT_JSON: JsonContract = {
  intro: '--json prints one object when collection ends (the exit code says whether it is complete):',
  shapes: [
    { at: '', fields: ['dir', 'complete', 'interrupted', 'missing', 'scope?', 'manifest'], note: 'dir: the snapshot written; missing: what could not be collected (a host, a command), with the reason; scope: the path scope of --from/--to; manifest: the manifest.json of the snapshot (see ovnscope(1), SNAPSHOT FORMAT).' },
    { at: 'manifest', fields: ['format', 'formatVersion', 'toolVersion', 'created', 'finished', 'complete', 'interrupted', 'missing', 'options', 'hosts', 'central?'] },
  ],
};

const FIXTURE_FIELDS: JsonShape['fields'] = ['out', 'format', 'formatVersion', 'toolVersion', 'packedAt', 'snapshotCreated', 'hosts', 'pathScope?', 'redacted', 'redaction?', 'files'];
const REDACTION_SUMMARY: JsonShape = { at: 'redaction', fields: ['kinds', 'counts', 'textFallbackLines', 'kept'], note: 'kinds: the kinds of tokens replaced (ipv4, ipv4-network, ipv6, ipv6-network, mac, hostname, domain, chassis, tunnel-port, user, fingerprint, keyword), counts: how many distinct ones of each; kept: what is deliberately left as it is.' };

export const FIXTURE_PACK_JSON: JsonContract = {
  intro: '--json prints one object: what FIXTURE.json in the pack says, where it was written, and with --redact where the mapping went and what the redaction did:',
  shapes: [
    { at: '', fields: [...FIXTURE_FIELDS, 'mappingFile?', 'keyFileCreated?', 'report?'], note: 'out: the fixture file; hosts: the hosts packed; pathScope: with --only-path, the path it was cut to; files: file in the pack → sha256; mappingFile: the private mapping (never in the pack); keyFileCreated: the key file created by this run.' },
    REDACTION_SUMMARY,
    { at: 'report', fields: ['counts', 'textFallbackLines', 'fallbacks', 'inexact', 'inexactCount', 'notes'], note: 'counts: every kind, 0 when none; fallbacks: file:line of OpenFlow lines mapped as plain text; inexact: values whose meaning the map cannot keep exactly (non-prefix masks).' },
  ],
};

export const FIXTURE_UNPACK_JSON: JsonContract = {
  intro: '--json prints one object: the fixture\'s FIXTURE.json and where it was unpacked:',
  shapes: [{ at: '', fields: FIXTURE_FIELDS, note: 'out: the snapshot directory written; files: file in the pack → sha256, each verified.' }, REDACTION_SUMMARY],
};

export const FIXTURE_UNMAP_JSON: JsonContract = {
  intro: '--json prints one object:',
  shapes: [{ at: '', fields: ['text', 'unknown'], note: 'text: the input with every redacted token the mapping knows translated back; unknown: tokens that look redacted (host-N, kwN, ...) but are not in the mapping.' }],
};
