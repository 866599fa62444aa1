import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneTree, unflattenTree, type FlatTraceNode, type TraceNode } from '../../src/model/trace.js';
import { trace } from '../../src/services/trace.js';
import { parseInventory } from '../../src/parse/inventory.js';
import { runCli } from '../harness/cli.js';
import { deadHv1 } from '../harness/fixture-outputs.js';


// NO_COLOR empty: what is checked is that piping alone turns colour off.
const ovnscope = (...args: string[]) => runCli(args, { env: { NO_COLOR: '' } });

describe('ovnscope CLI', () => {
  it('snapshot show --json gives the summary as one JSON object', async () => {
    const r = await ovnscope('snapshot', 'show', 'fixtures/lb-nat-3chassis', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { complete: boolean; hosts: { name: string }[]; chassis: unknown[] };
    expect(j.complete).toBe(true);
    expect(j.hosts.map((h) => h.name)).toEqual(['hv1', 'hv2', 'hv3']);
    expect(j.chassis.length).toBe(3);
  });

  it('snapshot show takes --snapshot/-s like every other command; DIR still works; both must agree', async () => {
    const viaFlag = await ovnscope('snapshot', 'show', '--snapshot', 'fixtures/l3-acl', '--json');
    expect(viaFlag.code, viaFlag.stderr).toBe(0);
    const viaShort = await ovnscope('snapshot', 'show', '-s', 'fixtures/l3-acl', '--json');
    const viaArg = await ovnscope('snapshot', 'show', 'fixtures/l3-acl', '--json');
    // The same snapshot whichever way it is named.
    expect(JSON.parse(viaShort.stdout)).toEqual(JSON.parse(viaFlag.stdout));
    expect(JSON.parse(viaArg.stdout)).toEqual(JSON.parse(viaFlag.stdout));
    expect((JSON.parse(viaFlag.stdout) as { dir: string }).dir).toMatch(/l3-acl$/);
    const same = await ovnscope('snapshot', 'show', 'fixtures/l3-acl', '--snapshot', 'fixtures/l3-acl');
    expect(same.code).toBe(0);
    const differ = await ovnscope('snapshot', 'show', 'fixtures/l3-acl', '--snapshot', 'fixtures/lb-nat-3chassis');
    expect(differ.code).toBe(2);
    // oclif wraps the message at the terminal width with " ›   " margins.
    expect(differ.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')).toMatch(/--snapshot fixtures\/lb-nat-3chassis and DIR fixtures\/l3-acl name different snapshots/);
    const none = await ovnscope('snapshot', 'show');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--snapshot/);
  });

  it('prints no escape codes when piped', async () => {
    const r = await ovnscope('flows', '--snapshot', 'fixtures/l3-acl', '--host', 'hv1', '--table', '0');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('table=0');
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('exits 2 with a message for usage errors', async () => {
    const bad = await ovnscope('flows', '--snapshot', 'fixtures/l3-acl', '--host', 'hv1', '--filter', 'nw_src=300.1.1.1');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--filter/);
    const missing = await ovnscope('snapshot', 'show', '/nonexistent');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such snapshot directory( or fixture file)?/);
    const noInv = await ovnscope('collect', '--inventory', '/nonexistent.yaml', '--out', '/tmp/x');
    expect(noInv.code).toBe(2);
  });

  it('has --help with examples on every command', async () => {
    for (const cmd of [['collect'], ['snapshot', 'show'], ['flows']]) {
      const r = await ovnscope(...cmd, '--help');
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout, cmd.join(' ')).toContain('EXAMPLES');
    }
  });

  it('collect --help: the inventory example keeps its indentation, fits 80 columns, and is a valid inventory', async () => {
    const r = await ovnscope('collect', '--help');
    const lines = r.stdout.split('\n');
    const start = lines.findIndex((l) => l.trim() === 'Inventory (YAML):');
    expect(start).toBeGreaterThan(0);
    const end = lines.findIndex((l, i) => i > start && l.trim() === '');
    const block = lines.slice(start + 1, end);
    expect(block.every((l) => l.length <= 80)).toBe(true);
    const pad = Math.min(...block.map((l) => /^ */.exec(l)![0].length));
    const yamlText = block.map((l) => l.slice(pad)).join('\n');
    const inv = parseInventory(yamlText, 'collect --help');
    expect(inv.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(inv.value.hosts.find((h) => h.name === 'gw1')).toMatchObject({ address: '10.0.0.9', wrapper: ['sudo', '-n', 'podman', 'exec', 'ovn_controller'] });
    expect(inv.value.hosts.find((h) => h.name === 'worker-1')).toMatchObject({ transport: 'kubectl' });
    expect(inv.value.hosts.find((h) => h.name === 'hv4')).toMatchObject({ wrapper: ['sudo', '-n'], ovnController: { wrapper: ['podman', 'exec', 'ovn_controller'] } });
  });
});

describe('ovnscope trace --flows-file (streamed batch)', () => {
  const acl = 'in_port=tapweb1,tcp,dl_src=0a:00:01:01:00:11,dl_dst=0a:00:01:ff:01:01,nw_src=10.1.1.11,nw_dst=10.1.2.11,nw_ttl=64,tcp_src=40000,tcp_dst=22';
  const ping = 'in_port=tapweb1,icmp,dl_src=0a:00:01:01:00:11,dl_dst=0a:00:01:ff:01:01,nw_src=10.1.1.11,nw_dst=10.1.2.11,nw_ttl=64,icmp_type=8,icmp_code=0';
  const file = (lines: string[]): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ovnscope-batch-'));
    const f = join(dir, 'flows.txt');
    writeFileSync(f, lines.join('\n') + '\n');
    return f;
  };

  it('--json: one object per traced line, the same report as --flow gives (minimal tree by default, --detailed on request), with its line, and {line, error} for a bad line (exit 2)', async () => {
    const f = file(['# comment', acl, 'in_port=tapweb1,nw_src=999.1.1.1', '', ping]);
    for (const detail of [[], ['--detailed']]) {
      const r = await ovnscope('trace', '-s', 'fixtures/l3-acl', '-H', 'hv1', '--flows-file', f, '--json', ...detail);
      expect(r.code).toBe(2);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { input?: string; verdict?: string; line?: number; error?: string });
      expect(lines).toHaveLength(3);
      expect(lines[1]).toMatchObject({ line: 3, error: expect.stringMatching(/flows\.txt:3: /) });
      for (const [i, flow, line] of [[0, acl, 2], [2, ping, 5]] as const) {
        const one = await ovnscope('trace', '-s', 'fixtures/l3-acl', '-H', 'hv1', '--flow', flow, '--json', ...(detail.length ? detail : ['--minimal']));
        // The --flow report, with its line in the file.
        expect(lines[i]).toEqual({ line, ...JSON.parse(one.stdout) });
      }
    }
  });

  it('text: "LINE: verdict: where" per line on stdout, bad lines on stderr; the exit code of the worst verdict', async () => {
    const r = await ovnscope('trace', '-s', 'fixtures/l3-acl', '-H', 'hv1', '--flows-file', file([acl, ping]));
    const one = await ovnscope('trace', '-s', 'fixtures/l3-acl', '-H', 'hv1', '--flow', acl, '--json');
    const verdict = (JSON.parse(one.stdout) as { verdict: string }).verdict;
    expect(r.stdout.split('\n').filter(Boolean).map((l) => l.split(':').slice(0, 2).join(':'))).toEqual([`1: ${verdict}`, expect.stringMatching(/^2: \w+$/)]);
    expect(r.code).toBe(one.code);
    expect(r.stderr).toBe('');
  });
});

describe('trace text outputs that end "see warnings" print the warnings', () => {
  const flow = 'in_port=tapweb1,tcp,dl_src=0a:00:01:01:00:11,dl_dst=0a:00:01:01:00:13,nw_src=10.1.1.11,nw_dst=10.1.1.13,nw_ttl=64,tcp_src=40000,tcp_dst=80';
  const STALE = /^warning: stale flows: ovn-controller on hv1 is not running — .* \(doctor D17\)$/;

  it('--minimal and -f … --minimal: the verdict line on stdout, the warning it points at on stderr', async () => {
    const dir = deadHv1();
    for (const args of [['--from', 'web1', '--to', 'web3', '--tcp', '80'], ['-H', 'hv1', '-f', flow]]) {
      const r = await ovnscope('trace', '-s', dir, ...args, '--minimal');
      expect(r.stdout.trimEnd().split('\n'), args.join(' ')).toEqual([expect.stringMatching(/^delivered: .*; see warnings\)$/)]);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toEqual([expect.stringMatching(STALE)]);
    }
  });

  it('--flows-file text: each distinct warning once on stderr, not once per line', async () => {
    const d = mkdtempSync(join(tmpdir(), 'ovnscope-batch-'));
    const f = join(d, 'flows.txt');
    writeFileSync(f, `${flow}\n${flow}\n${flow}\n`);
    const r = await ovnscope('trace', '-s', deadHv1(), '-H', 'hv1', '--flows-file', f);
    expect(r.stdout.trimEnd().split('\n')).toEqual([1, 2, 3].map((n) => expect.stringMatching(new RegExp(`^${n}: delivered: .*; see warnings\\)$`))));
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(STALE)]);
  });
});

describe('trace --json tree', () => {
  const depthOf = (x: unknown): number => (x !== null && typeof x === 'object' ? 1 + Math.max(0, ...Object.values(x).map(depthOf)) : 0);

  it('is flat (pre-order nodes with depths) so JSON tools with nesting limits read it, and is the same tree the service built', async () => {
    const args = ['trace', '-s', 'fixtures/l3-acl', '--from', 'web1', '--to', 'db1', '--tcp', '22', '--reply', '--detailed'];
    const r = await ovnscope(...args, '--json');
    const j = JSON.parse(r.stdout) as { tree: FlatTraceNode[]; reply: { tree: FlatTraceNode[] } };
    // Nested, this trace is over 200 levels deep; jq 1.6 refuses anything past 256.
    expect(depthOf(j)).toBeLessThan(16);
    const maxDepth = Math.max(...j.tree.map((n) => n.depth));
    expect(maxDepth).toBeGreaterThan(50);
    const s = await trace({ snapshot: 'fixtures/l3-acl', bridge: 'br-int', ctNext: [], detail: 'detailed', followTunnels: true, from: 'web1', to: 'db1', protocol: { kind: 'tcp', port: 22 }, reply: true });
    if (!s.ok) throw new Error(s.error.message);
    const plain = (nodes: readonly TraceNode[]) => JSON.parse(JSON.stringify(pruneTree(nodes, 'detailed'))) as unknown;
    expect(unflattenTree(j.tree)).toEqual(plain(s.value.single!.tree));
    expect(unflattenTree(j.reply.tree)).toEqual(plain(s.value.single!.reply!.tree));
  });

  it('a --flows-file line has the flat tree too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovnscope-flat-'));
    const f = join(dir, 'flows.txt');
    writeFileSync(f, 'in_port=tapweb1,tcp,dl_src=0a:00:01:01:00:11,dl_dst=0a:00:01:ff:01:01,nw_src=10.1.1.11,nw_dst=10.1.2.21,nw_ttl=64,tp_dst=22\n');
    const r = await ovnscope('trace', '-s', 'fixtures/l3-acl', '-H', 'hv1', '--flows-file', f, '--json', '--detailed');
    const line = JSON.parse(r.stdout.trim()) as { tree: FlatTraceNode[] };
    expect(line.tree[0]).toMatchObject({ depth: 0, kind: 'hop' });
    expect(line.tree.every((n, i) => i === 0 || n.depth <= line.tree[i - 1]!.depth + 1)).toBe(true);
    expect(depthOf(line)).toBeLessThan(16);
  });
});
