import { formatDiagnostic, type Diagnostic } from '../model/diagnostic.js';
import { plural } from '../model/plural.js';
import type { StaleFlowIndex } from './trace-stale-flows.js';

/**
 * What a trace report says about damaged input: the error diagnostics of the files its verdict
 * was computed from (the tables of the hosts it read, the central NB/SB), so a verdict over a cut
 * dump or a garbage Port_Binding list is never given with `warnings: []`.
 */
export interface DataErrors {
  /** Distinct error diagnostics behind the verdict. */
  readonly count: number;
  /** Which files, for the verdict line: "hv2's br-int flow dump has 1 error". */
  readonly summary: string;
  /** The diagnostics as report warnings: the first few, then how many more. */
  readonly warnings: readonly string[];
  /** The first few diagnostics, formatted, for an error message. */
  readonly listed: readonly string[];
}

/** How a damaged-input warning begins in a report's `warnings` (the renderer finds them by it). */
export const DATA_ERROR_WARNING = 'damaged input: ';

/** Diagnostics listed one by one in a report; the rest are counted. */
export const DATA_ERRORS_LISTED = 3;

/** The errors of the central NB/SB dumps: their host is "central (via …)", their files central/…. */
function isCentral(d: Diagnostic): boolean {
  return (d.file !== undefined && /^central\//.test(d.file)) || /^central\b/.test(d.host ?? '');
}

/** "hv2's br-int flow dump", "the SB Port_Binding list": what a person calls the file. */
export function describeDataFile(file: string | undefined, host: string | undefined): string {
  const base = file?.split('/').pop()?.replace(/\.(out|err)$/, '') ?? '';
  let m: RegExpExecArray | null;
  if ((m = /^ovn-(sb|nb)ctl\.list\.(.+)$/.exec(base))) return `the ${m[1]!.toUpperCase()} ${m[2]} list`;
  const who = host && !/^central\b/.test(host) ? `${host}'s ` : '';
  if ((m = /^ovs-ofctl\.dump-flows\.(.+)$/.exec(base))) return `${who}${m[1]} flow dump`;
  if ((m = /^ovs-ofctl\.dump-groups\.(.+)$/.exec(base))) return `${who}${m[1]} group dump`;
  if ((m = /^ovs-vsctl\.list\.(.+)$/.exec(base))) return `${who}OVS ${m[1]} list`;
  if (base) return `${who}${base}`;
  return host ? `${host}'s data` : 'the snapshot';
}

function summarize(diags: readonly Diagnostic[]): string {
  const byFile = new Map<string, number>();
  for (const d of diags) {
    const what = describeDataFile(d.file, d.host);
    byFile.set(what, (byFile.get(what) ?? 0) + 1);
  }
  const parts = [...byFile].map(([what, n]) => `${what} has ${plural(n, 'error')}`);
  return parts.length <= 2 ? parts.join('; ') : `${parts.slice(0, 2).join('; ')}; and ${plural(parts.length - 2, 'more file', 'more files')}`;
}

function dataErrorsOf(diags: readonly Diagnostic[]): DataErrors | undefined {
  const seen = new Set<string>();
  const unique: Diagnostic[] = [];
  const texts: string[] = [];
  for (const d of diags) {
    const text = formatDiagnostic(d);
    if (seen.has(text)) continue;
    seen.add(text);
    unique.push(d);
    texts.push(text);
  }
  if (!unique.length) return undefined;
  const listed = texts.slice(0, DATA_ERRORS_LISTED).map((t) => `${DATA_ERROR_WARNING}${t}`);
  if (texts.length > DATA_ERRORS_LISTED) listed.push(`${DATA_ERROR_WARNING}and ${plural(texts.length - DATA_ERRORS_LISTED, 'more error', 'more errors')} (see "ovnscope doctor" or "ovnscope snapshot show")`);
  return { count: unique.length, summary: summarize(unique), warnings: listed, listed: texts.slice(0, DATA_ERRORS_LISTED) };
}

/**
 * The error diagnostics of a loaded snapshot, by host, asked per host set. Built once per loaded
 * set of diagnostics and memoized per host set: a 10,000-line batch reaching the same hosts pays
 * for it once.
 */
export interface DataErrorIndex {
  /** The errors behind a verdict read from these hosts' tables (and the central NB/SB). */
  forHosts(hosts: Iterable<string>): DataErrors | undefined;
  /** The errors of the central NB/SB alone (names are resolved from them). */
  readonly central: DataErrors | undefined;
  /** Hosts whose flows may be stale (ovn-controller out, nb_cfg lag), when the caller knows. */
  readonly staleFlows?: StaleFlowIndex;
}

export function dataErrorIndex(diagnostics: readonly Diagnostic[], staleFlows?: StaleFlowIndex): DataErrorIndex {
  const byHost = new Map<string, Diagnostic[]>();
  const central: Diagnostic[] = [];
  for (const d of diagnostics) {
    if (d.severity !== 'error') continue;
    if (isCentral(d)) central.push(d);
    else if (d.host !== undefined) byHost.set(d.host, [...(byHost.get(d.host) ?? []), d]);
  }
  const memo = new Map<string, DataErrors | undefined>();
  return {
    ...(staleFlows ? { staleFlows } : {}),
    central: dataErrorsOf(central),
    forHosts(hosts) {
      const names = [...new Set(hosts)].filter((h) => byHost.has(h)).sort();
      const key = names.join('\n');
      if (!memo.has(key)) memo.set(key, dataErrorsOf([...names.flatMap((h) => byHost.get(h)!), ...central]));
      return memo.get(key);
    },
  };
}
