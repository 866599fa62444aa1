/**
 * `ovs-ofctl [-O OpenFlowXY] show BRIDGE`.
 *
 * OF1.0 (default): `OFPT_FEATURES_REPLY (xid=0x2): dpid:…`, `n_tables:…, n_buffers:…`,
 * `capabilities: …`, `actions: …`, then the ports, then `OFPT_GET_CONFIG_REPLY (xid=…): …`.
 * OF1.1+: the features reply carries no ports (and no `actions:`); they follow under a separate
 * `OFPST_PORT_DESC reply (OF1.3) (xid=…):` header. A port is a header line
 * ` 1(ovn-hv2-0): addr:aa:55:aa:55:00:0f` (or `LOCAL(br-int)`) followed by indented
 * `config:`/`state:`/`current:`/`advertised:`/`supported:`/`peer:`/`speed:` lines.
 *
 * Port names come from the OpenFlow port description, which holds at most 15 bytes, so longer
 * names are cut (`patch-br-int-to-ln-public` → `patch-br-int-to`). Never throws; unknown lines are
 * warnings with their line number.
 */
import type { Diagnostic, Parsed } from '../model/diagnostic.js';
import { OFPP_LOCAL, type OfctlPort, type OfctlShow } from '../model/ovs.js';

/** Reserved OpenFlow port names as ovs-ofctl prints them (16-bit OVS numbering). */
export const RESERVED_PORTS: Readonly<Record<string, number>> = {
  IN_PORT: 0xfff8,
  TABLE: 0xfff9,
  NORMAL: 0xfffa,
  FLOOD: 0xfffb,
  ALL: 0xfffc,
  CONTROLLER: 0xfffd,
  LOCAL: OFPP_LOCAL,
  NONE: 0xffff,
  ANY: 0xffff,
};

const FEATURES_RE = /^OFPT_FEATURES_REPLY(?: \((OF[\d.]+)\))?(?: \(xid=(0x[0-9a-fA-F]+)\))?:\s*(.*)$/;
const PORT_DESC_RE = /^OFPST_PORT_DESC reply(?: \((OF[\d.]+)\))?(?: \(xid=(0x[0-9a-fA-F]+)\))?:\s*$/;
const GET_CONFIG_RE = /^OFPT_GET_CONFIG_REPLY(?: \((OF[\d.]+)\))?(?: \(xid=(0x[0-9a-fA-F]+)\))?:\s*(.*)$/;
/** Port header: the name is everything between the first "(" and the last "): addr:". */
const PORT_RE = /^\s*(\d+|[A-Z][A-Z_]*)\((.*)\): addr:([0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2}){5})\s*$/;
const PROP_RE = /^\s+([a-z_]+):\s*(.*?)\s*$/;

interface MutablePort {
  ofport: number;
  ofportText: string;
  name: string;
  mac: string;
  config: string[];
  state: string[];
  current: string[] | undefined;
  advertised: string[] | undefined;
  supported: string[] | undefined;
  peer: string[] | undefined;
  speedMbps: number | undefined;
  maxSpeedMbps: number | undefined;
  extra: Record<string, string>;
  line: number;
}

const flags = (s: string): string[] => (s === '0' || s === '' ? [] : s.split(/\s+/).filter((x) => x.length > 0));

export function parseOfctlShow(text: string, file?: string): Parsed<OfctlShow> {
  const diagnostics: Diagnostic[] = [];
  const diag = (line: number, message: string, excerpt?: string, severity: Diagnostic['severity'] = 'warning') => {
    if (diagnostics.length < 200) diagnostics.push({ severity, file, line, message, excerpt });
  };
  let ofVersion: string | undefined;
  let dpid: string | undefined;
  let nTables: number | undefined;
  let nBuffers: number | undefined;
  let capabilities: string[] = [];
  let actions: string[] = [];
  const config = Object.create(null) as Record<string, string>;
  const ports: MutablePort[] = [];
  let sawFeatures = false;
  let port: MutablePort | undefined;

  if (typeof text !== 'string') {
    return { value: { ofVersion, dpid, nTables, nBuffers, capabilities, actions, ports, config }, diagnostics: [{ severity: 'error', file, message: 'expected text' }] };
  }
  const lines = text.split(/\r?\n/);
  let header = true;
  for (let i = 0; i < lines.length; i++) {
    const ln = i + 1;
    const line = lines[i];
    if (line.trim() === '') continue;
    if (header && line.startsWith('#')) continue; // provenance header of public copies
    header = false;

    let m = FEATURES_RE.exec(line);
    if (m) {
      sawFeatures = true;
      port = undefined;
      ofVersion = m[1];
      const d = /dpid:([0-9a-fA-F]+)/.exec(m[3]);
      if (d) dpid = d[1];
      else diag(ln, 'features reply without "dpid:"', line);
      continue;
    }
    if ((m = PORT_DESC_RE.exec(line))) {
      port = undefined;
      ofVersion ??= m[1];
      continue;
    }
    if ((m = GET_CONFIG_RE.exec(line))) {
      port = undefined;
      for (const kv of m[3].split(/\s+/)) {
        const eq = kv.indexOf('=');
        if (eq > 0) config[kv.slice(0, eq)] = kv.slice(eq + 1);
      }
      continue;
    }
    if ((m = PORT_RE.exec(line))) {
      const numText = m[1];
      const num = /^\d+$/.test(numText) ? Number(numText) : RESERVED_PORTS[numText];
      if (num === undefined) {
        diag(ln, `unknown reserved port "${numText}"`, line);
        port = undefined;
        continue;
      }
      if (ports.some((p) => p.ofport === num)) diag(ln, `port number ${numText} appears twice`, line);
      port = {
        ofport: num,
        ofportText: numText,
        name: m[2],
        mac: m[3].toLowerCase(),
        config: [],
        state: [],
        current: undefined,
        advertised: undefined,
        supported: undefined,
        peer: undefined,
        speedMbps: undefined,
        maxSpeedMbps: undefined,
        extra: Object.create(null) as Record<string, string>,
        line: ln,
      };
      ports.push(port);
      continue;
    }
    const prop = PROP_RE.exec(line);
    if (prop && port) {
      const [, key, val] = prop;
      switch (key) {
        case 'config':
          port.config = flags(val);
          break;
        case 'state':
          port.state = flags(val);
          break;
        case 'current':
        case 'advertised':
        case 'supported':
        case 'peer':
          port[key] = flags(val);
          break;
        case 'speed': {
          const now = /(\d+) Mbps now/.exec(val);
          const max = /(\d+) Mbps max/.exec(val);
          port.speedMbps = now ? Number(now[1]) : undefined;
          port.maxSpeedMbps = max ? Number(max[1]) : undefined;
          if (!now && !max) diag(ln, `unrecognised speed "${val}"`, line);
          break;
        }
        default:
          port.extra[key] = val;
      }
      continue;
    }
    if (!line.startsWith(' ')) {
      const kv = /^([a-z_]+):\s*(.*)$/.exec(line);
      if (kv && sawFeatures) {
        const [, key, val] = kv;
        if (key === 'capabilities') capabilities = flags(val);
        else if (key === 'actions') actions = flags(val);
        else if (key === 'n_tables') {
          // "n_tables:254, n_buffers:0"
          for (const part of line.split(',')) {
            const pm = /^\s*([a-z_]+):\s*(\d+)\s*$/.exec(part);
            if (pm?.[1] === 'n_tables') nTables = Number(pm[2]);
            else if (pm?.[1] === 'n_buffers') nBuffers = Number(pm[2]);
          }
        } else diag(ln, `unrecognised features line "${key}"`, line);
        continue;
      }
    }
    diag(ln, 'unrecognised line', line);
  }
  if (!sawFeatures) {
    diagnostics.unshift({ severity: 'error', file, line: 1, message: 'no OFPT_FEATURES_REPLY: not `ovs-ofctl show` output (or the command failed; see its stderr)' });
  }
  const value: OfctlShow = { ofVersion, dpid, nTables, nBuffers, capabilities, actions, ports: ports as OfctlPort[], config };
  return { value, diagnostics };
}
