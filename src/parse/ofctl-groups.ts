/**
 * Parser and formatter for `ovs-ofctl [-O OpenFlow1X] dump-groups` output (OVS 3.1), following
 * `ofp_print_group()`: `group_id=N,type=T[,selection_method=M[,selection_method_param=P]
 * [,fields=F|,fields(F,...)]][,bucket=[bucket_id:I,][weight:W,][watch_port:P,][watch_group:G,]
 * actions=...]...`. Never throws; unreadable lines come back with an error diagnostic.
 */
import type { Diagnostic, Parsed } from '../model/diagnostic.js';
import { fieldByName } from '../model/fields.js';
import type { Group, GroupBucket, GroupSelectionField, GroupType, PortRef } from '../model/flow.js';
import { byteWidth, formatFieldValue, formatPort, onesMask, parseFieldValue, parsePort, parseUint } from '../model/masked.js';
import { parseDumpHeader, type DumpHeader } from './ofctl-flows.js';
import { actionContext, formatActions, parseActionList } from './ofp-actions.js';
import { parseDecimal, splitTopLevel } from './scan.js';

export interface GroupDump {
  readonly headers: readonly DumpHeader[];
  readonly groups: readonly Group[];
  readonly unparsed: readonly { readonly line: number; readonly text: string }[];
  readonly linesRead: number;
}

const GROUP_TYPES: readonly GroupType[] = ['all', 'select', 'indirect', 'ff'];

/** Parses a whole `dump-groups` output (headers, groups; `#` comments and blank lines skipped). */
export function parseOfctlGroups(text: string): Parsed<GroupDump> {
  const diags: Diagnostic[] = [];
  const headers: DumpHeader[] = [];
  const groups: Group[] = [];
  const unparsed: { line: number; text: string }[] = [];
  let linesRead = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const t = raw.trim();
    if (!t || t.startsWith('#')) continue;
    linesRead++;
    const h = parseDumpHeader(t, i + 1);
    if (h) {
      headers.push(h);
      continue;
    }
    const col0 = raw.length - raw.trimStart().length;
    const g = parseGroupText(t, i + 1, col0, diags);
    if (g) groups.push(g);
    else unparsed.push({ line: i + 1, text: t });
  }
  return { value: { headers, groups, unparsed, linesRead }, diagnostics: diags };
}

/** Parses one group line. */
export function parseGroupLine(line: string, opts: { line?: number } = {}): Parsed<Group | undefined> {
  const diags: Diagnostic[] = [];
  const t = line.trim();
  const col0 = line.length - line.trimStart().length;
  return { value: parseGroupText(t, opts.line ?? 1, col0, diags), diagnostics: diags };
}

function fail(diags: Diagnostic[], line: number, col0: number, at: number, message: string, t: string): undefined {
  diags.push({ severity: 'error', line, column: col0 + at + 1, message, excerpt: t });
  return undefined;
}

/** Top-level offsets of ",bucket=" (not inside parentheses or quotes). */
function bucketStarts(t: string): number[] {
  const out: number[] = [];
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 34) {
      i++;
      while (i < t.length && t.charCodeAt(i) !== 34) {
        if (t.charCodeAt(i) === 92) i++;
        i++;
      }
    } else if (c === 40) depth++;
    else if (c === 41) depth--;
    else if (c === 44 && depth === 0 && t.startsWith('bucket=', i + 1)) out.push(i + 1);
  }
  return out;
}

function parseGroupText(t: string, line: number, col0: number, diags: Diagnostic[]): Group | undefined {
  if (!t.startsWith('group_id=')) return fail(diags, line, col0, 0, 'not a group: expected "group_id="', t);
  const starts = bucketStarts(t);
  const headEnd = starts.length ? starts[0] - 1 : t.length;
  let groupId = -1;
  let type: GroupType | undefined;
  let selectionMethod: string | undefined;
  let selectionMethodParam: bigint | undefined;
  const fields: GroupSelectionField[] = [];
  const parts = splitTopLevel(t, 0, headEnd);
  for (let k = 0; k < parts.length; k += 2) {
    const a = parts[k];
    const p = t.slice(a, parts[k + 1]);
    if (p.startsWith('group_id=')) {
      groupId = parseDecimal(p, 9, p.length);
      if (groupId < 0 || groupId > 0xffffffff) return fail(diags, line, col0, a, 'bad group_id', t);
    } else if (p.startsWith('type=')) {
      const ty = p.slice(5) as GroupType;
      if (!GROUP_TYPES.includes(ty)) return fail(diags, line, col0, a, `unknown group type "${p.slice(5)}"`, t);
      type = ty;
    } else if (p.startsWith('selection_method=')) {
      selectionMethod = p.slice(17);
    } else if (p.startsWith('selection_method_param=')) {
      const v = parseUint(p.slice(23));
      if (v === undefined) return fail(diags, line, col0, a, 'bad selection_method_param', t);
      selectionMethodParam = v;
    } else if (p.startsWith('fields=') || (p.startsWith('fields(') && p.endsWith(')'))) {
      const list = p.startsWith('fields=') ? [p.slice(7)] : p.slice(7, -1).split(',');
      for (const item of list) {
        const eq = item.indexOf('=');
        const f = fieldByName(eq < 0 ? item : item.slice(0, eq));
        if (!f) return fail(diags, line, col0, a, `unknown selection field "${item}"`, t);
        if (eq < 0) fields.push({ field: f });
        else {
          const m = parseFieldValue(f, item.slice(eq + 1));
          if (typeof m === 'string') return fail(diags, line, col0, a, m, t);
          fields.push({ field: f, mask: m.value });
        }
      }
    } else return fail(diags, line, col0, a, `unknown group property "${p}"`, t);
  }
  if (groupId < 0) return fail(diags, line, col0, 0, 'missing group_id', t);
  if (!type) return fail(diags, line, col0, 0, 'missing type=', t);

  const buckets: GroupBucket[] = [];
  for (let b = 0; b < starts.length; b++) {
    const bs = starts[b] + 7; // after "bucket="
    const be = b + 1 < starts.length ? starts[b + 1] - 1 : t.length;
    const act = t.indexOf('actions=', bs);
    if (act < 0 || act > be) return fail(diags, line, col0, starts[b], 'bucket without actions=', t);
    let bucketId: GroupBucket['bucketId'];
    let weight: number | undefined;
    let watchPort: PortRef | undefined;
    let watchGroup: number | undefined;
    if (act > bs) {
      const props = t.slice(bs, act - 1).split(',');
      for (const pr of props) {
        const c = pr.indexOf(':');
        const k = c < 0 ? pr : pr.slice(0, c);
        const v = c < 0 ? '' : pr.slice(c + 1);
        if (k === 'bucket_id') {
          if (v === 'first' || v === 'last' || v === 'all') bucketId = v;
          else {
            const n = parseDecimal(v, 0, v.length);
            if (n < 0) return fail(diags, line, col0, bs, 'bad bucket_id', t);
            bucketId = n;
          }
        } else if (k === 'weight') {
          weight = parseDecimal(v, 0, v.length);
          if (weight < 0 || weight > 0xffff) return fail(diags, line, col0, bs, 'bad bucket weight', t);
        } else if (k === 'watch_port') {
          const p = parsePort(v);
          if (typeof p === 'string') return fail(diags, line, col0, bs, p, t);
          watchPort = p;
        } else if (k === 'watch_group') {
          watchGroup = parseDecimal(v, 0, v.length);
          if (watchGroup < 0) return fail(diags, line, col0, bs, 'bad watch_group', t);
        } else return fail(diags, line, col0, bs, `unknown bucket property "${pr}"`, t);
      }
    }
    const actions = parseActionList(t, act + 8, be, actionContext(line, col0 + 1, diags));
    buckets.push({
      actions,
      ...(bucketId !== undefined ? { bucketId } : {}),
      ...(weight !== undefined ? { weight } : {}),
      ...(watchPort ? { watchPort } : {}),
      ...(watchGroup !== undefined ? { watchGroup } : {}),
    });
  }
  return {
    line,
    groupId,
    type,
    fields,
    buckets,
    ...(selectionMethod !== undefined ? { selectionMethod } : {}),
    ...(selectionMethodParam !== undefined ? { selectionMethodParam } : {}),
  };
}

function formatSelectionField(sf: GroupSelectionField): string {
  if (sf.mask === undefined || sf.mask === onesMask(byteWidth(sf.field.width))) return sf.field.mfName;
  return `${sf.field.mfName}=${formatFieldValue(sf.field, sf.mask)}`;
}

/** Formats a group exactly as `ovs-ofctl dump-groups` prints it (without the leading space). */
export function formatGroup(g: Group): string {
  let out = `group_id=${g.groupId},type=${g.type}`;
  if (g.selectionMethod) {
    out += `,selection_method=${g.selectionMethod}`;
    if (g.selectionMethodParam) out += `,selection_method_param=${g.selectionMethodParam}`;
    if (g.fields.length === 1) out += `,fields=${formatSelectionField(g.fields[0])}`;
    else if (g.fields.length > 1) out += `,fields(${g.fields.map(formatSelectionField).join(',')})`;
  }
  if (!g.buckets.length) return out;
  const defaultWeight = g.type === 'select' ? 1 : 0;
  for (const b of g.buckets) {
    out += ',bucket=';
    if (b.bucketId !== undefined) out += `bucket_id:${b.bucketId},`;
    if (b.weight !== undefined && b.weight !== defaultWeight) out += `weight:${b.weight},`;
    if (b.watchPort && !(b.watchPort.kind === 'number' && b.watchPort.port === 0xffff)) out += `watch_port:${formatPort(b.watchPort)},`;
    if (b.watchGroup !== undefined && b.watchGroup !== 0xffffffff) out += `watch_group:${b.watchGroup},`;
    out += 'actions=' + formatActions(b.actions);
  }
  return out;
}
