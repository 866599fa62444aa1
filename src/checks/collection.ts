/**
 * What the snapshot itself lacks (`ovnscope doctor`, checks C1–C7): every other check can only be
 * as good as the collection, so gaps are findings too — they say which answers are missing, and
 * why.
 *
 *   C1  every host was reachable                 C5  the collection was not interrupted
 *   C2  every required output was collected      C6  the raw outputs parsed without diagnostics
 *   C3  optional outputs that are missing (info) C7  the snapshot covers the fleet (path-scoped: info)
 *   C4  the NB/SB were collected                 C8  every output the checks read is intact (not changed after collection)
 *
 * Pure: the manifest and the parser diagnostics in, findings out.
 */
import type { Diagnostic } from '../model/diagnostic.js';
import { excerptOf, type Evidence, type Finding } from '../model/finding.js';
import type { Manifest, ManifestCommand } from '../model/manifest.js';
import { OVN_CONTROLLER_IDS, SOCKET_PERMISSION_DENIED } from '../model/ovn-controller.js';
import { plural } from '../model/plural.js';

export const COLLECTION_CHECKS: Readonly<Record<string, string>> = {
  C1: 'every host of the inventory was reachable',
  C2: 'every required output was collected (not failed, timed out or cut off)',
  C3: 'optional outputs that are missing, and why (not installed, failed)',
  C4: 'the NB/SB databases were collected',
  C5: 'the collection ran to the end (not interrupted)',
  C6: 'every raw output parsed without diagnostics',
  C7: 'the snapshot covers the whole fleet (a path-scoped collection or pack only some hosts)',
  C8: 'every output the checks read (stdout and stderr files) is intact: present, with the size and sha256 it was collected with; fixture pack checks every listed file',
};

/** The path scope recorded in a manifest (collect --from/--to, or fixture pack --only-path). */
export interface RecordedScope {
  readonly from: string;
  readonly to: string;
  readonly by: 'collect' | 'pack';
  readonly hosts: readonly string[];
  /** Hosts there were before scoping (inventory or source snapshot). */
  readonly of?: number;
}

/** Reads the path scope a manifest records, if any (`options.scope` from collect, `options.pathScope` from pack). */
export function recordedScope(m: Manifest): RecordedScope | undefined {
  const pack = m.options['pathScope'] as { from?: unknown; to?: unknown; hosts?: unknown; hostsInSource?: unknown } | undefined;
  if (pack && typeof pack.from === 'string' && typeof pack.to === 'string')
    return { from: pack.from, to: pack.to, by: 'pack', hosts: Array.isArray(pack.hosts) ? (pack.hosts as string[]) : m.hosts.map((h) => h.name), of: typeof pack.hostsInSource === 'number' ? pack.hostsInSource : undefined };
  const col = m.options['scope'] as { from?: unknown; to?: unknown; hostsInInventory?: unknown } | undefined;
  if (col && typeof col.from === 'string' && typeof col.to === 'string')
    return { from: col.from, to: col.to, by: 'collect', hosts: m.hosts.map((h) => h.name), of: typeof col.hostsInInventory === 'number' ? col.hostsInInventory : undefined };
  return undefined;
}


function cmdEvidence(c: ManifestCommand): Evidence {
  return { file: c.errFile ?? c.file ?? 'manifest.json', excerpt: excerptOf(`${c.id}: ${c.status}${c.exitCode !== null && c.exitCode !== 0 ? ` (exit ${c.exitCode})` : ''}${c.error ? ` — ${c.error}` : ''}`) };
}

function why(c: ManifestCommand): string {
  return `${c.id} ${c.status}${c.error ? ` (${c.error})` : ''}`;
}

export interface CollectionInput {
  readonly manifest: Manifest;
  readonly diagnostics: readonly Diagnostic[];
  /** Only these hosts (all when absent). */
  readonly hosts?: readonly string[];
}

/** Parser messages that say the output ended early (empty, or cut off mid-document), not that a line was not understood. */
export const CUT_SHORT = /\bempty output\b|output truncated\?|\bunexpected end of input\b/i;

const CONTROLLER_IDS: ReadonlySet<string> = new Set(Object.values(OVN_CONTROLLER_IDS));

export function checkCollection(input: CollectionInput): Finding[] {
  const m = input.manifest;
  const out: Finding[] = [];
  const wanted = input.hosts?.length ? new Set(input.hosts) : undefined;
  const hosts = m.hosts.filter((h) => !wanted || wanted.has(h.name));

  for (const h of hosts) {
    // C1
    if (h.status === 'unreachable') {
      out.push({
        id: 'C1',
        severity: 'fail',
        host: h.name,
        subject: 'collection',
        message: `host ${h.name} was unreachable over ${h.transport}${h.error ? `: ${h.error}` : ''} — nothing about it is known (a host that is down is one explanation for traffic loss)`,
        evidence: [{ file: 'manifest.json', excerpt: excerptOf(`hosts[${h.name}].status = unreachable${h.error ? `: ${h.error}` : ''}`) }],
        fix: `check that ${h.name} is up and that ovnscope can reach it (ovnscope collect -i INVENTORY --host ${h.name})`,
      });
      continue;
    }
    // C2
    const requiredMissing = h.commands.filter((c) => c.required && c.status !== 'ok');
    if (requiredMissing.length)
      out.push({
        id: 'C2',
        severity: 'warn',
        host: h.name,
        subject: 'collection',
        message: `${plural(requiredMissing.length, 'required output')} missing, so the checks that need ${requiredMissing.length === 1 ? 'it' : 'them'} are n/a or partial: ${requiredMissing.slice(0, 5).map(why).join('; ')}${requiredMissing.length > 5 ? '; …' : ''}`,
        evidence: requiredMissing.slice(0, 3).map(cmdEvidence),
        fix: `re-collect ${h.name} (a timeout: raise --timeout; a failure: see the .err file)`,
      });
    else out.push({ id: 'C2', severity: 'pass', host: h.name, subject: 'collection', message: `${plural(h.commands.filter((c) => c.required).length, 'required output')} collected`, evidence: [] });
    // C3
    const optionalMissing = h.commands.filter((c) => !c.required && c.status !== 'ok');
    if (optionalMissing.length) {
      const byWhy = new Map<string, string[]>();
      // ovn-controller not answering is D17's finding, with its consequences: point there — only
      // when connection-status itself failed or timed out (not refused, interrupted, not
      // installed, or denied by the socket's permissions, which say nothing about the daemon).
      const cs = h.commands.find((c) => c.id === OVN_CONTROLLER_IDS.connectionStatus);
      const silent = cs !== undefined && (cs.status === 'timeout' || (cs.status === 'failed' && !SOCKET_PERMISSION_DENIED.test(cs.error ?? '')));
      for (const c of optionalMissing) {
        let reason = c.status === 'unavailable' ? `not installed${c.error ? ` (${c.error})` : ''}` : `${c.status}${c.error ? ` (${c.error})` : ''}`;
        if (silent && CONTROLLER_IDS.has(c.id) && (c.status === 'failed' || c.status === 'timeout')) reason += ' — ovn-controller did not answer, see D17';
        byWhy.set(reason, [...(byWhy.get(reason) ?? []), c.id]);
      }
      out.push({
        id: 'C3',
        severity: 'info',
        host: h.name,
        subject: 'collection',
        message: `${plural(optionalMissing.length, 'optional output')} missing: ${[...byWhy]
          .slice(0, 4)
          .map(([r, ids]) => `${ids.length > 3 ? `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more` : ids.join(', ')}: ${r}`)
          .join('; ')}`,
        evidence: optionalMissing.slice(0, 2).map(cmdEvidence),
        fix: 'nothing to change if the host does not run those tools (an optional output only feeds the checks that use it, which are n/a); else see the .err files and collect again',
      });
    }
  }

  // The manifest's own list of what is missing, beyond per-host and NB/SB commands (e.g. a chassis
  // on the requested path that the inventory does not have).
  const other = m.missing.filter((x) => !/^host \S+:/.test(x) && !/^central via /.test(x) && !/^no "ovn:" section/.test(x) && !/interrupted/.test(x));
  if (other.length)
    out.push({
      id: 'C2',
      severity: 'warn',
      subject: 'collection',
      message: `the manifest lists what is missing: ${other.slice(0, 5).join('; ')}${other.length > 5 ? '; …' : ''}`,
      evidence: other.slice(0, 3).map((x) => ({ file: 'manifest.json', excerpt: excerptOf(`missing: ${x}`) })),
      fix: 'add what the list names to the inventory (a chassis on the path needs its host) and collect again',
    });

  // C4
  const central = m.central;
  if (!central)
    out.push({
      id: 'C4',
      severity: 'warn',
      subject: 'NB/SB',
      message: 'the snapshot has no NB/SB: port bindings, chassis and tunnels cannot be checked against the SB, and flows are not named',
      evidence: [{ file: 'manifest.json', excerpt: '"central" is absent' }],
      fix: 'collect with an "ovn: { via: HOST }" section in the inventory (or --ovn-via)',
    });
  else {
    const failed = central.commands.filter((c) => c.status !== 'ok' && c.required);
    if (failed.length)
      out.push({
        id: 'C4',
        severity: 'warn',
        subject: `NB/SB via ${central.via}`,
        message: `${plural(failed.length, 'required NB/SB listing')} missing: ${failed.slice(0, 5).map(why).join('; ')}`,
        evidence: failed.slice(0, 3).map(cmdEvidence),
        fix: `check ovn-sbctl/ovn-nbctl on ${central.via} (--db=${central.sb ?? 'default'})`,
      });
    else out.push({ id: 'C4', severity: 'pass', subject: `NB/SB via ${central.via}`, message: `${plural(central.commands.filter((c) => c.status === 'ok').length, 'NB/SB listing')} collected`, evidence: [] });
  }

  // C5
  if (m.interrupted)
    out.push({ id: 'C5', severity: 'warn', subject: 'collection', message: `the collection was interrupted (${m.finished}): what was not reached is missing`, evidence: [{ file: 'manifest.json', excerpt: '"interrupted": true' }], fix: 'collect again and let it finish' });

  // C8: files that changed after collection. Their parser diagnostics (a line cut in two) are
  // the damage speaking, not a parser bug: they are not C6 findings.
  const selected = (d: Diagnostic) => !(wanted && d.host && !wanted.has(d.host) && !d.host.startsWith('central'));
  const damaged = new Map<string, Diagnostic>();
  for (const d of input.diagnostics) if (d.damage && d.file && selected(d) && !damaged.has(d.file)) damaged.set(d.file, d);
  for (const d of damaged.values())
    out.push({
      id: 'C8',
      severity: 'warn',
      ...(d.host && !d.host.startsWith('central') ? { host: d.host } : {}),
      subject: d.file!,
      // A changed file shows as the diagnostic says it ("damaged: ..."); a missing one under its own heading.
      message: `${d.damage === 'missing' ? `missing: ${d.damageDetail ?? d.message}` : d.message}; the checks that read it are n/a or partial`,
      evidence: [{ file: 'manifest.json', excerpt: excerptOf(`${d.file}: ${d.damage === 'missing' ? 'listed, not present' : d.damage === 'size' ? 'bytes differ' : 'sha256 differs'}`) }],
      fix: 'the snapshot was altered after collection (a partial copy, a full disk, an edit): collect again, or get an intact copy (a packed fixture is verified when unpacked)',
    });
  if (!damaged.size) out.push({ id: 'C8', severity: 'pass', subject: 'files', message: 'every output the checks read is present, with the size and sha256 it was collected with', evidence: [] });

  // C6: parser diagnostics, per file.
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of input.diagnostics) {
    if (!selected(d) || (d.file !== undefined && damaged.has(d.file))) continue;
    const k = `${d.host ?? ''}\u0000${d.file ?? '(unknown file)'}`;
    byFile.set(k, [...(byFile.get(k) ?? []), d]);
  }
  for (const [k, ds] of byFile) {
    const [host, file] = k.split('\u0000') as [string, string];
    const errors = ds.filter((d) => d.severity === 'error');
    const shown = (errors[0] ?? ds[0])!;
    out.push({
      id: 'C6',
      severity: errors.length ? 'warn' : 'info',
      ...(host && !host.startsWith('central') ? { host } : {}),
      subject: file,
      message: `${plural(ds.length, 'parser diagnostic')}${errors.length ? ` (${plural(errors.length, 'error')})` : ''}: ${shown.message}${errors.length ? ' — the lines it could not read are ignored by every check' : ''}`,
      evidence: ds.slice(0, 3).map((d) => ({ file: d.file ?? file, ...(d.line !== undefined ? { line: d.line } : {}), excerpt: excerptOf(d.excerpt ?? d.message) })),
      // An empty or cut-short output is what the collection left (a timeout, a killed command, a
      // full disk), not text a parser failed to understand: the advice is to collect it again.
      ...(CUT_SHORT.test(shown.message)
        ? { fix: 'the output is empty or cut short — a collection problem (a timeout, a killed command, a full disk), not a parser bug: collect again (a timeout: raise --timeout; see the .err file)' }
        : errors.length
          ? { fix: 'please report it with the file (ovnscope fixture pack --redact) — a parser should read every line OVS/OVN/FRR prints' }
          : { fix: 'nothing to change: every line was read, the diagnostic notes something unusual in it' }),
    });
  }
  if (!byFile.size) out.push({ id: 'C6', severity: 'pass', subject: 'parsers', message: 'every output parsed without diagnostics', evidence: [] });

  // C7
  const scope = recordedScope(m);
  if (scope)
    out.push({
      id: 'C7',
      severity: 'info',
      subject: `path ${scope.from} → ${scope.to}`,
      message: `path-scoped ${scope.by === 'pack' ? 'fixture' : 'collection'}: only the ${plural(scope.hosts.length, 'host')} on the path between ${scope.from} and ${scope.to} (${scope.hosts.join(', ') || 'none'})${scope.of !== undefined ? ` of ${scope.of}` : ''}; findings about the rest of the fleet are out of reach`,
      evidence: [{ file: 'manifest.json', excerpt: excerptOf(`options.${scope.by === 'pack' ? 'pathScope' : 'scope'}: from=${scope.from} to=${scope.to}`) }],
      fix: `nothing to change for this path; for the whole fleet, ${scope.by === 'pack' ? 'pack the snapshot without --only-path' : 'collect without --from/--to'}`,
    });

  if (m.complete && !m.interrupted && !out.some((f) => f.severity === 'fail' || f.severity === 'warn'))
    out.push({ id: 'C1', severity: 'pass', subject: 'collection', message: `complete: ${plural(hosts.length, 'host')} reached${central ? `, NB/SB via ${central.via}` : ''}`, evidence: [] });
  return out;
}
