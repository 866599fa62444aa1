/**
 * Reads the text of live `ovs-appctl ofproto/trace` — the oracle the differential suites compare
 * ovnscope's interpreter with. Test-side only: it extracts what a comparison needs (per pass: the
 * table steps, Final flow, Datapath actions) and nothing it would have to guess.
 */

export interface OracleStep {
  /** Nesting depth from the indentation (resubmits inside actions are indented). */
  readonly indent: number;
  readonly table: number;
  readonly match: string;
  readonly priority: number | undefined;
  readonly cookie: string | undefined;
  readonly actions: string[];
}

export interface OraclePass {
  readonly flow: string;
  readonly steps: OracleStep[];
  readonly finalFlow?: string;
  readonly megaflow?: string;
  readonly datapathActions?: string;
  /** Set when the pass resumed a recirculation (`recirc(0x12) - resume conntrack with ...`). */
  readonly recircHeader?: string;
}

export interface OracleTrace {
  readonly passes: OraclePass[];
}

const STEP = /^(\s*)(\d+)\. (.*?)(?:, priority (\d+))?(?:, cookie (0x[0-9a-f]+))?$/;

export function parseOfprotoTrace(text: string): OracleTrace {
  const passes: OraclePass[] = [];
  let current: { flow: string; steps: OracleStep[]; finalFlow?: string; megaflow?: string; datapathActions?: string; recircHeader?: string } | undefined;
  let pendingHeader: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line.startsWith('Flow: ')) {
      current = { flow: line.slice(6), steps: [], recircHeader: pendingHeader };
      pendingHeader = undefined;
      passes.push(current);
      continue;
    }
    if (/^recirc\(0x[0-9a-f]+\) - /.test(line)) {
      pendingHeader = line;
      continue;
    }
    if (!current) continue;
    if (line.startsWith('Final flow: ')) current.finalFlow = line.slice(12);
    else if (line.startsWith('Megaflow: ')) current.megaflow = line.slice(10);
    else if (line.startsWith('Datapath actions: ')) current.datapathActions = line.slice(18);
    else {
      const m = STEP.exec(line);
      if (m && (m[4] !== undefined || m[3] === '' || /^[a-z_]/.test(m[3]!) || m[3]!.startsWith('No match'))) {
        current.steps.push({ indent: m[1]!.length, table: Number(m[2]), match: m[3]!, priority: m[4] ? Number(m[4]) : undefined, cookie: m[5], actions: [] });
      } else if (current.steps.length && /^\s+\S/.test(line)) {
        current.steps[current.steps.length - 1]!.actions.push(line.trim());
      }
    }
  }
  return { passes };
}

/** Splits on commas that are not inside parentheses. */
export function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

/** `Final flow:` / `Flow:` as field → value; bare words (tcp, ip, eth) land in `protocols`. */
export function parseFlowFields(flow: string): { fields: Map<string, string>; protocols: string[] } {
  const fields = new Map<string, string>();
  const protocols: string[] = [];
  for (const item of splitTopLevel(flow)) {
    const eq = item.indexOf('=');
    if (eq < 0) protocols.push(item);
    else fields.set(item.slice(0, eq), item.slice(eq + 1));
  }
  return { fields, protocols };
}

export interface DatapathOutput {
  /** Datapath port number (map with `ovs-appctl dpif/show`). */
  readonly dpPort: number;
  /** Tunnel header set before this output, if any (raw `tunnel(...)` contents). */
  readonly tunnel?: string;
}

export interface DatapathSummary {
  readonly outputs: DatapathOutput[];
  /** `userspace(...)` actions: the packet goes to ovn-controller (controller action). */
  readonly userspace: string[];
  readonly recirc: boolean;
  readonly drop: boolean;
}

/** What the datapath would do with the packet, from one or more `Datapath actions:` lines. */
export function summarizeDatapathActions(lines: readonly string[]): DatapathSummary {
  const outputs: DatapathOutput[] = [];
  const userspace: string[] = [];
  let recirc = false;
  let drop = false;
  const walk = (text: string, tunnel: string | undefined): string | undefined => {
    for (const a of splitTopLevel(text)) {
      if (/^\d+$/.test(a)) outputs.push({ dpPort: Number(a), tunnel });
      else if (a.startsWith('set(tunnel(')) tunnel = a.slice('set(tunnel('.length, -2);
      else if (a.startsWith('userspace(')) userspace.push(a);
      else if (a.startsWith('recirc(')) recirc = true;
      else if (a === 'drop') drop = true;
      else if (a.startsWith('clone(')) walk(a.slice(6, -1), tunnel);
    }
    return tunnel;
  };
  for (const l of lines) walk(l, undefined);
  return { outputs, userspace, recirc, drop: drop || (outputs.length === 0 && userspace.length === 0 && !recirc) };
}
