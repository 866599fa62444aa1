/**
 * `ovs-ofctl [-O OpenFlowXY] dump-tlv-map BRIDGE`:
 * ```
 * NXT_TLV_TABLE_REPLY (xid=0x2):
 *  max option space=256 max fields=64
 *  allocated option space=4
 *
 *  mapping table:
 *   class  type  length  match field
 *  ------  ----  ------  --------------
 *   0x102  0x80       4  tun_metadata0
 * ```
 * With no mapping the table is just the two header lines. OVN maps its one GENEVE option
 * (class 0x0102, type 0x80, 4 bytes) to `tun_metadata0` on br-int. Never throws.
 */
import type { Diagnostic, Parsed } from '../model/diagnostic.js';
import type { TlvMap, TlvMapping } from '../model/ovs.js';

const REPLY_RE = /^NXT_TLV_TABLE_REPLY(?: \((OF[\d.]+)\))?(?: \(xid=(0x[0-9a-fA-F]+)\))?:\s*$/;
const NUM = '(0x[0-9a-fA-F]+|\\d+)';
const ROW_RE = new RegExp(`^\\s*${NUM}\\s+${NUM}\\s+${NUM}\\s+(tun_metadata(\\d+))\\s*$`);

/** OVN's GENEVE option: class 0x0102, type 0x80, 4 bytes of data. */
export const OVN_GENEVE_OPTION = { class: 0x0102, type: 0x80, length: 4 } as const;

const num = (s: string): number => (s.startsWith('0x') ? Number.parseInt(s.slice(2), 16) : Number(s));

export function parseTlvMap(text: string, file?: string): Parsed<TlvMap> {
  const diagnostics: Diagnostic[] = [];
  const diag = (line: number, message: string, excerpt?: string, severity: Diagnostic['severity'] = 'warning') => {
    if (diagnostics.length < 200) diagnostics.push({ severity, file, line, message, excerpt });
  };
  let maxOptionSpace: number | undefined;
  let maxFields: number | undefined;
  let allocatedOptionSpace: number | undefined;
  const mappings: TlvMapping[] = [];
  if (typeof text !== 'string') return { value: { maxOptionSpace, maxFields, allocatedOptionSpace, mappings }, diagnostics: [{ severity: 'error', file, message: 'expected text' }] };
  let sawReply = false;
  let header = true;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const ln = i + 1;
    const line = lines[i];
    const t = line.trim();
    if (t === '') continue;
    if (header && line.startsWith('#')) continue;
    header = false;
    if (REPLY_RE.test(line)) {
      if (sawReply) diag(ln, 'a second NXT_TLV_TABLE_REPLY; mappings are merged', line);
      sawReply = true;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^max option space=(\d+)\s+max fields=(\d+)$/.exec(t))) {
      maxOptionSpace = Number(m[1]);
      maxFields = Number(m[2]);
      continue;
    }
    if ((m = /^allocated option space=(\d+)$/.exec(t))) {
      allocatedOptionSpace = Number(m[1]);
      continue;
    }
    if (t === 'mapping table:' || /^class\s+type\s+length\s+match field$/.test(t) || /^-+(\s+-+)*$/.test(t)) continue;
    if ((m = ROW_RE.exec(line))) {
      const mapping: TlvMapping = { class: num(m[1]), type: num(m[2]), length: num(m[3]), index: Number(m[5]), field: m[4], line: ln };
      if (mapping.class > 0xffff || mapping.type > 0xff || mapping.length > 124) diag(ln, 'class, type or length out of range for a GENEVE option', line);
      if (mappings.some((x) => x.index === mapping.index)) diag(ln, `${mapping.field} is mapped twice`, line);
      mappings.push(mapping);
      continue;
    }
    diag(ln, 'unrecognised line', line);
  }
  if (!sawReply) diagnostics.unshift({ severity: 'error', file, line: 1, message: 'no NXT_TLV_TABLE_REPLY: not `ovs-ofctl dump-tlv-map` output (or the command failed; see its stderr)' });
  return { value: { maxOptionSpace, maxFields, allocatedOptionSpace, mappings }, diagnostics };
}

/** The mapping that carries OVN's logical ingress/egress port keys, if present. */
export function ovnTlvMapping(map: TlvMap): TlvMapping | undefined {
  return map.mappings.find((m) => m.class === OVN_GENEVE_OPTION.class && m.type === OVN_GENEVE_OPTION.type);
}
