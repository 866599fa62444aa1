/**
 * `npm run bench -- collect-ssh`: collection over SSH from 50 real OpenSSH servers on loopback
 * (127.0.1.1-50, one sshd each with its own host key), each serving a realistic dump.
 *
 * The dump: every host's ForceCommand replays the outputs of the bundled lb-nat-3chassis
 * snapshot (hv1, collected from the live OVN sandbox), with its real `ovs-ofctl dump-flows br-int`
 * repeated to about 4 MB (~20,000 flow lines, the size of a busy hypervisor) — so 50 sshd do not
 * need 50 OVS sandboxes. Commands the fixture does not hold (newer recipe modules) answer "not
 * found" (exit 127) at once, as on a host without that tool.
 *
 * Figures: wall time for all 50 hosts with --parallel 50, against the same 50 hosts collected
 * one after another (the anchor), and against the slowest single host collected alone (the
 * issue's goal: ≤ 2×).
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { shellQuote } from '../src/collect/allowlist.js';
import { PassphraseProvider } from '../src/collect/ssh-auth.js';
import { loadSshConfig } from '../src/collect/ssh-config.js';
import type { HostSpec } from '../src/model/inventory.js';
import type { Manifest } from '../src/model/manifest.js';
import { collect } from '../src/services/collect.js';
import { makeKey, makeWorkspace, replayKey, sshAvailable, startSshd, writeSshConfig, type Sshd } from '../test/ssh/harness.js';
// Types only: importing values from run.ts would be an import cycle with its top-level await.
import type { BenchFigure, BenchModule } from './run.js';

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const HOSTS = 50;
const DUMP_BYTES = 4 * 1024 * 1024;
const root = resolve(import.meta.dirname, '..');

async function buildReplay(dir: string): Promise<{ dumpBytes: number; replay: Map<string, string> }> {
  const replay = new Map<string, string>();
  mkdirSync(dir, { recursive: true });
  const fx = join(root, 'fixtures/lb-nat-3chassis');
  const m = JSON.parse(readFileSync(join(fx, 'manifest.json'), 'utf8')) as Manifest;
  const hv1 = m.hosts.find((h) => h.name === 'hv1')!;
  let dumpBytes = 0;
  for (const c of hv1.commands) {
    if (!c.file) continue;
    const line = c.argv.map(shellQuote).join(' ');
    const target = join(dir, `${replayKey(line)}.out`);
    replay.set(line, target);
    if (c.id === 'ovs-ofctl.dump-flows.br-int') {
      const text = readFileSync(join(fx, c.file), 'utf8');
      const [header, ...flows] = text.split('\n');
      const body = flows.filter(Boolean).join('\n') + '\n';
      const reps = Math.max(1, Math.round(DUMP_BYTES / body.length));
      const out = header + '\n' + body.repeat(reps);
      writeFileSync(target, out);
      dumpBytes = out.length;
    } else copyFileSync(join(fx, c.file), target);
  }
  return { dumpBytes, replay };
}

const bench: BenchModule = {
  name: 'collect-ssh',
  async run(): Promise<BenchFigure[]> {
    if (!sshAvailable()) return [{ metric: 'collect over SSH (skipped: no sshd/ssh-keygen)', value: 0, unit: 's' }];
    const ws = makeWorkspace('ovs-bench-');
    const servers: Sshd[] = [];
    try {
      const key = await makeKey(ws.dir, 'id_bench');
      const replay = join(ws.dir, 'replay');
      const log = (m: string) => process.stderr.write(`bench: collect-ssh: ${m}\n`);
      const { dumpBytes, replay: table } = await buildReplay(replay);
      log(`starting ${HOSTS} sshd`);
      for (let i = 0; i < HOSTS; i += 10) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(10, HOSTS - i) }, (_, k) => startSshd(ws.dir, { name: `h${String(i + k + 1).padStart(2, '0')}`, address: `127.0.1.${i + k + 1}`, authorizedKeys: [key.publicText], replay: table })),
        );
        servers.push(...batch);
      }
      const kh = join(ws.dir, 'known_hosts');
      writeFileSync(kh, servers.map((s) => s.knownHostsLine).join('\n') + '\n');
      const cfgFile = join(ws.dir, 'ssh_config');
      writeSshConfig(cfgFile, servers.map((s) => ({ alias: s.name, sshd: s })), ['User root', `IdentityFile ${key.private}`, 'IdentitiesOnly yes', `UserKnownHostsFile ${kh}`, 'GlobalKnownHostsFile /dev/null']);
      const cfg = loadSshConfig({ file: cfgFile, home: ws.dir });
      if (!cfg.ok) throw new Error(cfg.error.message);
      const ssh = { config: cfg.value, acceptNew: false, passphrases: new PassphraseProvider(), connectTimeoutMs: 30_000 };
      const spec = (s: Sshd): HostSpec => ({ name: s.name, transport: 'ssh', wrapper: [], address: s.name });
      let n = 0;
      const once = async (hosts: readonly Sshd[], parallel: number) => {
        const out = join(ws.dir, `snap-${++n}`);
        const t0 = performance.now();
        const r = await collect({ inventory: { hosts: hosts.map(spec) }, out, parallel, perHostConcurrency: 4, transportOptions: { ssh } });
        const wall = performance.now() - t0;
        if (!r.ok) throw new Error(r.error.message);
        const dump = r.value.manifest.hosts.flatMap((h) => h.commands).filter((c) => c.id === 'ovs-ofctl.dump-flows.br-int');
        if (dump.length !== hosts.length || dump.some((c) => c.status !== 'ok' || c.bytes !== dumpBytes)) throw new Error('a dump-flows did not arrive whole');
        rmSync(out, { recursive: true, force: true });
        return wall / 1000;
      };
      log('warm-up');
      await once(servers.slice(0, 2), 2); // warm-up (JIT, page cache)
      log('single hosts');
      // The slowest single host: each of 10 hosts alone, 3 runs each, median per host, max over hosts.
      const singles: number[] = [];
      for (const s of servers.slice(0, 10)) singles.push(median([await once([s], 1), await once([s], 1), await once([s], 1)]));
      const slowestSingle = Math.max(...singles);
      log('all hosts in parallel');
      const cpu0 = process.cpuUsage();
      const parallelRuns = [await once(servers, HOSTS), await once(servers, HOSTS), await once(servers, HOSTS)];
      const cpu = process.cpuUsage(cpu0);
      const clientCpu = (cpu.user + cpu.system) / 1e6 / parallelRuns.length;
      const parallel = median(parallelRuns);
      log('all hosts one after another');
      const sequential = await once(servers, 1);
      const note = `50 sshd on 127.0.1.1-50, each replaying the lb-nat-3chassis fixture (hv1) with its real dump-flows repeated to ${(dumpBytes / 2 ** 20).toFixed(1)} MB; per-host channels 4`;
      return [
        {
          metric: `${HOSTS} hosts, --parallel ${HOSTS}`,
          value: parallel,
          unit: 's',
          anchor: { name: 'the same hosts one after another', value: sequential },
          goal: `≤ 2× the slowest single host (${slowestSingle.toFixed(2)} s → ≤ ${(2 * slowestSingle).toFixed(2)} s)`,
          met: parallel <= 2 * slowestSingle,
          note,
        },
        { metric: 'slowest single host alone', value: slowestSingle, unit: 's', note: 'median of 3 runs per host, max over 10 hosts' },
        {
          metric: `${HOSTS} hosts, ovnscope's own CPU time`,
          value: clientCpu,
          unit: 's',
          note: 'user+sys of the collecting process per parallel run; the rest of the wall time is the 50 sshd (key exchange, one process per command, encryption) sharing the same 2 cores, which a real fleet does not',
        },
        { metric: `${HOSTS} hosts, data collected`, value: (dumpBytes * HOSTS) / 2 ** 20 / parallel, unit: 'MB/s', note: 'dump-flows bytes only, parallel run' },
      ];
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      ws.remove();
    }
  },
};

export default bench;
