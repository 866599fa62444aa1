import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import type { CellStatus, MatrixCell, SessionRow } from '../checks/bgp.js';
import type { Finding } from '../model/finding.js';
import { renderFindingsSection } from './findings.js';
import type { BgpAuditResult } from '../services/bgp.js';

const plain = { head: [], border: [] };

function stateCell(s: SessionRow, style: ChalkInstance): string {
  const st = s.established ? style.green(s.state) : style.red(s.state);
  if (!s.peerState || s.peerState === 'OK') return st;
  return `${st} ${s.peerState === 'Policy' || s.peerState === 'PfxCt' || s.peerState === 'Admin' ? style.red(`(${s.peerState})`) : style.yellow(`(${s.peerState})`)}`;
}

function bfdCell(s: SessionRow, style: ChalkInstance): string {
  if (!s.bfd) return style.dim('-');
  const b = s.bfd;
  const text = b.status === 'up' ? style.green('up') : b.status === 'init' ? style.yellow('init') : style.red(b.status);
  const extra = b.status !== 'up' && b.diagnostic && b.diagnostic !== 'ok' ? ` ${b.diagnostic}` : '';
  const downs = b.sessionDown ? style.yellow(` ↓${b.sessionDown}`) : '';
  return `${text}${extra}${downs}`;
}

const CELL_TEXT: Readonly<Record<CellStatus, string>> = {
  ecmp: '',
  degraded: '',
  single: '',
  missing: 'MISSING',
  'not-bgp': 'not BGP',
  'not-installed': 'NOT INSTALLED',
  'no-data': 'no data',
};

function matrixCell(c: MatrixCell | undefined, style: ChalkInstance): string {
  if (!c) return style.dim('—');
  let text: string;
  if (c.status === 'ecmp' || c.status === 'degraded' || c.status === 'single') {
    const body = `${c.uplinks.length}× ${c.uplinks.join(',')}`;
    text = c.status === 'ecmp' ? style.green(body) : style.yellow(body);
  } else if (c.status === 'no-data') text = style.dim(CELL_TEXT[c.status]);
  else text = style.red(CELL_TEXT[c.status]) + (c.fallback ? style.red(`\n→ ${c.fallback}`) : '');
  if (c.agree === false) text += style.red(`\n≠ kernel ${c.kernelLegs?.length ?? 0}`);
  return text;
}

/**
 * FRR keeps lastResetDueTo after the session comes back, so on an Established session it is history:
 * without drops it is start-up noise ("Waiting for peer OPEN", "No AFI/SAFI activated for peer") and is
 * left out; after drops it is what ended the previous session, and says so.
 */
function lastResetCell(s: SessionRow, style: ChalkInstance): string {
  if (!s.lastResetDueTo) return '-';
  if (!s.established) return s.lastResetDueTo;
  return s.connectionsDropped ? style.dim(`earlier: ${s.lastResetDueTo}`) : '-';
}

export function renderBgp(r: BgpAuditResult, style: ChalkInstance): string {
  const out: string[] = [];
  out.push(style.bold(`underlay BGP — ${r.snapshot}`) + style.dim(` (expected uplinks per host: ${r.expectedUplinks}${r.overlayMtu ? `, overlay MTU ${r.overlayMtu}` : ''})`));
  for (const h of r.hosts) {
    if (!h.frr.available) {
      out.push(`${style.bold(h.host)}  ${style.dim(`no FRR data for host ${h.host}: ${h.frr.reason ?? ''}`)}`);
      continue;
    }
    const up = `${h.established}/${h.expectedUplinks} uplinks Established`;
    const upText = h.established >= h.expectedUplinks ? style.green(up) : h.established ? style.yellow(up) : style.red(up);
    out.push(`${style.bold(h.host)}  FRR ${h.frr.version ?? '?'}  TEP ${h.localTep ?? style.red('none')}  ${upText}${h.uplinks > h.established ? style.dim(` (${h.uplinks} configured)`) : ''}`);
  }

  if (r.sessions.length) {
    out.push('', style.bold('sessions'));
    const t = new Table({ head: ['host', 'peer', 'name', 'iface', 'AS', 'state', 'uptime', 'pfx rcv/snt', 'drops', 'BFD', 'last reset'], style: plain });
    for (const s of r.sessions) {
      const where = s.vrf !== 'default' || s.afi !== 'ipv4Unicast' ? style.dim(` ${s.vrf}/${s.afi}`) : '';
      t.push([
        s.host,
        s.peer + where,
        s.hostname ?? '-',
        s.interface ?? '-',
        String(s.remoteAs ?? '-'),
        stateCell(s, style),
        s.uptime ?? (s.downFor ? style.dim(`down ${s.downFor}`) : '-'),
        `${s.pfxRcd ?? '-'}/${s.pfxSnt ?? '-'}`,
        s.connectionsDropped ? style.yellow(String(s.connectionsDropped)) : String(s.connectionsDropped ?? '-'),
        bfdCell(s, style),
        lastResetCell(s, style),
      ]);
    }
    out.push(t.toString());
  }

  const m = r.matrix;
  if (m.rows.length && m.teps.length) {
    out.push('', style.bold('TEP reachability') + style.dim(' (row → column: installed /32, ECMP next hops × uplinks; ≠ = FRR and kernel disagree)'));
    const cols = m.teps;
    const t = new Table({ head: ['from \\ to', ...cols.map((c) => (c.name === c.ip ? c.ip : `${c.name}\n${c.ip}`))], style: plain });
    for (const row of m.rows) t.push([`${row.host}${row.localTep ? `\n${row.localTep}` : ''}`, ...cols.map((c) => (c.ip === row.localTep ? style.dim('self') : matrixCell(row.cells.find((x) => x.tep === c.ip), style)))]);
    out.push(t.toString());
  }

  out.push(...renderFindingsSection(r.findings, r.counts, r.diagnostics, style, (f) => f.severity === 'fail' || f.severity === 'warn' || f.severity === 'info' || (f.severity === 'n-a' && f.subject === 'FRR')));
  return out.join('\n');
}
