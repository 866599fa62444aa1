/**
 * `ovs-appctl dpif/show` and `ovs-dpctl show` / `ovs-appctl dpctl/show [-s]`.
 *
 * dpif/show (OpenFlow port ↔ datapath port, per bridge):
 * ```
 * system@ovs-system: hit:0 missed:1
 *   br-int:
 *     br-int 65534/1: (dummy-internal)
 *     ovn-hv2-0 1/2: (geneve: csum=true, key=flow, remote_ip=192.168.0.2)
 *     patch-br-int-to-ln-public 4/none: (patch: peer=patch-ln-public-to-br-int)
 * ```
 * dpctl/show (datapath view, no bridges or OpenFlow numbers):
 * ```
 * system@ovs-system:
 *   lookups: hit:350805055 missed:21983648 lost:73
 *   flows: 105
 *   masks: hit:1970748791 total:22 hit/pkt:5.29
 *   cache: hit:418 hit-rate:45.83%
 *   caches:
 *     masks-cache: size:256
 *   port 4: genev_sys_6081 (geneve: packet_type=ptap)
 *     RX packets:0 errors:? dropped:? overruns:? frame:?      (with -s)
 * ```
 * Leading `#` lines (the provenance header of public copies) are skipped. Never throws.
 */
import type { Diagnostic, Parsed } from '../model/diagnostic.js';
import type { DpctlShow, DpctlShowDatapath, DpifShow, DpifShowDatapath, DpifShowPort, StringMap } from '../model/ovs.js';

const DATAPATH_RE = /^([A-Za-z0-9_-]+)@(\S+?):\s*(.*?)\s*$/;
const DPIF_PORT_RE = /^\s+(.+) (\d+)\/(\d+|none): \((.*)\)\s*$/;
const BRIDGE_RE = /^\s+(\S.*):\s*$/;
const DPCTL_PORT_RE = /^\s+port (\d+): (.+?)(?: \((.*)\))?\s*$/;

/** `geneve: csum=true, key=flow, remote_ip=192.168.0.2` → type + config record. */
export function splitTypeAndConfig(s: string): { type: string; config: StringMap } {
  const config = Object.create(null) as Record<string, string>;
  const colon = s.indexOf(': ');
  if (colon < 0) return { type: s.trim(), config };
  const type = s.slice(0, colon).trim();
  let last: string | undefined;
  for (const piece of s.slice(colon + 2).split(', ')) {
    const eq = piece.indexOf('=');
    if (eq > 0 && /^[A-Za-z0-9_:.-]+$/.test(piece.slice(0, eq))) {
      last = piece.slice(0, eq);
      config[last] = piece.slice(eq + 1);
    } else if (last !== undefined) {
      config[last] += `, ${piece}`; // a value that itself contained ", "
    } else if (piece.trim() !== '') {
      config[piece.trim()] = '';
    }
  }
  return { type, config };
}

/** `hit:0 missed:1` → { hit: 0, missed: 1 }; `hit-rate:45.83%` → 45.83. Non-numbers are skipped. */
function counters(s: string): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  for (const m of s.matchAll(/([A-Za-z/_-]+):(-?[0-9.]+)%?/g)) {
    const n = Number(m[2]);
    if (Number.isFinite(n)) out[m[1]] = n;
  }
  return out;
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

export function parseDpifShow(text: string, file?: string): Parsed<DpifShow> {
  const diagnostics: Diagnostic[] = [];
  const diag = (line: number, message: string, excerpt?: string, severity: Diagnostic['severity'] = 'warning') => {
    if (diagnostics.length < 200) diagnostics.push({ severity, file, line, message, excerpt });
  };
  const datapaths: { type: string; name: string; stats: Record<string, number>; bridges: { name: string; ports: DpifShowPort[] }[]; line: number }[] = [];
  if (typeof text !== 'string') return { value: { datapaths: [] }, diagnostics: [{ severity: 'error', file, message: 'expected text' }] };
  let dp: (typeof datapaths)[number] | undefined;
  let br: { name: string; ports: DpifShowPort[] } | undefined;
  let header = true;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const ln = i + 1;
    const line = lines[i];
    if (line.trim() === '') continue;
    if (header && line.startsWith('#')) continue;
    header = false;
    let m: RegExpExecArray | null;
    if (!/^\s/.test(line) && (m = DATAPATH_RE.exec(line))) {
      dp = { type: m[1], name: m[2], stats: counters(m[3]), bridges: [], line: ln };
      datapaths.push(dp);
      br = undefined;
      continue;
    }
    if ((m = DPIF_PORT_RE.exec(line))) {
      if (!br) {
        diag(ln, 'port line outside a bridge', line);
        continue;
      }
      const { type, config } = splitTypeAndConfig(m[4]);
      br.ports.push({ name: m[1], ofport: Number(m[2]), dpPort: m[3] === 'none' ? undefined : Number(m[3]), type, config, line: ln });
      continue;
    }
    if ((m = BRIDGE_RE.exec(line))) {
      if (!dp) {
        diag(ln, 'bridge line before any datapath line', line);
        continue;
      }
      br = { name: m[1], ports: [] };
      dp.bridges.push(br);
      continue;
    }
    diag(ln, /^\s+port \d+:/.test(line) ? 'this looks like `dpctl/show` output; use parseDpctlShow' : 'unrecognised line', line);
  }
  if (datapaths.length === 0 && lines.some((l) => l.trim() !== '' && !l.startsWith('#'))) {
    diagnostics.unshift({ severity: 'error', file, line: 1, message: 'no "type@name:" datapath line: not `ovs-appctl dpif/show` output' });
  }
  return { value: { datapaths: datapaths as DpifShowDatapath[] }, diagnostics };
}

const STAT_NAMES: Readonly<Record<string, string>> = { RX: 'rx', TX: 'tx' };

export function parseDpctlShow(text: string, file?: string): Parsed<DpctlShow> {
  const diagnostics: Diagnostic[] = [];
  const diag = (line: number, message: string, excerpt?: string, severity: Diagnostic['severity'] = 'warning') => {
    if (diagnostics.length < 200) diagnostics.push({ severity, file, line, message, excerpt });
  };
  if (typeof text !== 'string') return { value: { datapaths: [] }, diagnostics: [{ severity: 'error', file, message: 'expected text' }] };
  type MDp = { type: string; name: string; lookups: Record<string, number>; masks: Record<string, number>; cache: Record<string, number>; flows: number | undefined; ports: MPort[]; line: number };
  type MPort = { dpPort: number; name: string; type: string | undefined; config: StringMap; stats: Record<string, number>; line: number };
  const datapaths: MDp[] = [];
  let dp: MDp | undefined;
  let port: MPort | undefined;
  let inCaches = false;
  let header = true;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const ln = i + 1;
    const line = lines[i];
    if (line.trim() === '') continue;
    if (header && line.startsWith('#')) continue;
    header = false;
    let m: RegExpExecArray | null;
    if (!/^\s/.test(line) && (m = DATAPATH_RE.exec(line))) {
      dp = { type: m[1], name: m[2], lookups: counters(m[3]), masks: Object.create(null), cache: Object.create(null), flows: undefined, ports: [], line: ln };
      datapaths.push(dp);
      port = undefined;
      inCaches = false;
      continue;
    }
    if (!dp) {
      diag(ln, 'line before any "type@name:" datapath line', line);
      continue;
    }
    if ((m = DPCTL_PORT_RE.exec(line))) {
      inCaches = false;
      let type: string | undefined;
      let config: StringMap = Object.create(null) as StringMap;
      if (m[3] !== undefined) ({ type, config } = splitTypeAndConfig(m[3]));
      port = { dpPort: Number(m[1]), name: m[2], type, config, stats: Object.create(null), line: ln };
      dp.ports.push(port);
      continue;
    }
    const t = line.trim();
    const kv = /^([A-Za-z-]+):\s*(.*)$/.exec(t);
    if (kv && !port) {
      const [, key, rest] = kv;
      if (key === 'lookups') Object.assign(dp.lookups, counters(rest));
      else if (key === 'masks') Object.assign(dp.masks, counters(rest));
      else if (key === 'cache') Object.assign(dp.cache, counters(rest));
      else if (key === 'flows') dp.flows = /^\d+$/.test(rest) ? Number(rest) : undefined;
      else if (key === 'caches') inCaches = true;
      else if (inCaches) for (const [k, v] of Object.entries(counters(rest))) dp.cache[`${key}.${k}`] = v;
      else diag(ln, `unrecognised datapath line "${key}"`, line);
      continue;
    }
    if (port) {
      // -s statistics: "RX packets:0 errors:? …", "collisions:?", "RX bytes:0  TX bytes:1782 (1.7 KiB)"
      const known = /^(RX|TX) (packets|bytes):|^collisions:/.test(t);
      if (known) {
        for (const sm of t.matchAll(/(?:(RX|TX) )?([a-z]+):(\d+|\?)/g)) {
          if (sm[3] === '?') continue;
          const prefix = sm[1] ? STAT_NAMES[sm[1]] : undefined;
          // "errors", "dropped", … follow "RX packets:" on the same line and share its prefix
          const linePrefix = /^(RX|TX) /.exec(t)?.[1];
          const p = prefix ?? (linePrefix ? STAT_NAMES[linePrefix] : undefined);
          port.stats[p ? `${p}_${sm[2]}` : sm[2]] = Number(sm[3]);
        }
        continue;
      }
    }
    diag(ln, /\d+\/(\d+|none): \(/.test(line) ? 'this looks like `dpif/show` output; use parseDpifShow' : 'unrecognised line', line);
  }
  if (datapaths.length === 0 && lines.some((l) => l.trim() !== '' && !l.startsWith('#'))) {
    diagnostics.unshift({ severity: 'error', file, line: 1, message: 'no "type@name:" datapath line: not `ovs-dpctl show` output' });
  }
  return { value: { datapaths: datapaths as DpctlShowDatapath[] }, diagnostics };
}
