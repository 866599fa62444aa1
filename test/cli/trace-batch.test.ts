// A --flows-file batch on several threads prints what one thread prints, byte for byte, and loses
// no line when a worker dies. The workers run the built dist/ (npm test builds it first).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { BATCH_CHUNK, runTraceBatch, type BatchRunOptions, type PrintedLine } from '../../src/cli/trace-batch.js';
import type { TraceRequest } from '../../src/services/trace.js';
import { runCli } from '../harness/cli.js';
import { deadHv1 } from '../harness/fixture-outputs.js';

const ovnscope = (...args: string[]) => runCli(args, { env: { NO_COLOR: '' } });

/** Varied packets of l3-acl's web1 (allowed, dropped by ACL, other ports and addresses), comments, blanks and bad lines. */
function batchFile(n: number): { file: string; flows: number; bad: number } {
  const lines: string[] = ['# a batch', ''];
  let flows = 0;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const dst = `10.1.${1 + (i % 2)}.${[11, 12, 13, 21][i % 4]}`;
    const mac = i % 2 ? '0a:00:01:ff:01:01' : '0a:00:01:01:00:13';
    if (i % 97 === 13) {
      lines.push(`in_port=tapweb1,nw_src=999.1.1.${i % 200}`);
      bad++;
    }
    else if (i % 5 === 0) lines.push(`in_port=tapweb1,icmp,dl_src=0a:00:01:01:00:11,dl_dst=${mac},nw_src=10.1.1.11,nw_dst=${dst},nw_ttl=64,icmp_type=8,icmp_code=0`);
    else lines.push(`in_port=tapweb1,tcp,dl_src=0a:00:01:01:00:11,dl_dst=${mac},nw_src=10.1.1.11,nw_dst=${dst},nw_ttl=64,tcp_src=${40000 + i},tcp_dst=${[22, 80, 443, 5432][i % 4]}`);
    flows++;
    if (i % 50 === 7) lines.push('# comment', '   ');
  }
  const dir = mkdtempSync(join(tmpdir(), 'ovnscope-jobs-'));
  const file = join(dir, 'flows.txt');
  writeFileSync(file, lines.join('\n') + '\n');
  return { file, flows, bad };
}

const request = (snapshot: string, flowsFile: string): TraceRequest => ({ snapshot, host: 'hv1', bridge: 'br-int', flowsFile, ctNext: [], detail: 'minimal', followTunnels: true });

async function printedBy(req: TraceRequest, options: Partial<BatchRunOptions> & Pick<BatchRunOptions, 'jobs'>) {
  const lines: PrintedLine[] = [];
  const warnings: string[] = [];
  const run = await runTraceBatch(req, { format: { json: true, colorLevel: 0 }, style: new Chalk({ level: 0 }), print: (l) => lines.push(l), warn: (m) => warnings.push(m), ...options });
  if (!run.result.ok) throw new Error(run.result.error.message);
  return { lines, warnings, stats: run.stats };
}

describe('trace --flows-file --jobs', () => {
  const { file, flows, bad } = batchFile(7 * BATCH_CHUNK + 9);

  it('prints the same stdout, stderr and exit code on three threads as on one, JSON and text (bad lines, warnings once)', async () => {
    const snap = deadHv1(); // stale-flow warnings on every line: text prints each once
    for (const format of [['--json'], []]) {
      const one = await ovnscope('trace', '-s', snap, '-H', 'hv1', '--flows-file', file, '--jobs', '1', ...format);
      const three = await ovnscope('trace', '-s', snap, '-H', 'hv1', '--flows-file', file, '--jobs', '3', ...format);
      expect(one.code, one.stderr).toBe(2); // the bad lines
      expect(one.stdout.trimEnd().split('\n').length).toBe(format.length ? flows : flows - bad);
      expect(three.code).toBe(one.code);
      expect(three.stdout).toBe(one.stdout);
      expect(three.stderr).toBe(one.stderr);
    }
    const text = await ovnscope('trace', '-s', snap, '-H', 'hv1', '--flows-file', file, '--jobs', '2');
    expect(text.stderr.split('\n').filter((l) => /^warning: stale flows/.test(l))).toHaveLength(1);
    expect(text.stderr.split('\n').filter((l) => /flows\.txt:\d+: /.test(l))).toHaveLength(bad);
  });

  it('workers alone trace every line, in file order (this thread only prints)', async () => {
    const req = request('fixtures/l3-acl', file);
    const one = await printedBy(req, { jobs: 1 });
    expect(one.lines).toHaveLength(flows);
    expect(one.lines.filter((l) => l.failed)).toHaveLength(bad);
    const workers = await printedBy(req, { jobs: 3, mainTraces: false });
    expect(workers.lines).toEqual(one.lines);
    expect(workers.warnings).toEqual([]);
    expect(workers.stats.linesByThread[0]).toBe(0);
    expect(workers.stats.linesByThread.reduce((a, b) => a + b, 0)).toBe(flows);
  });

  it('fake fault (a worker thread cannot be made to crash for real on cue): workers that die holding claimed chunks lose no line', async () => {
    const req = request('fixtures/l3-acl', file);
    const one = await printedBy(req, { jobs: 1 });
    const dying = await printedBy(req, { jobs: 3, mainTraces: false, workerExitAfterLines: 5 });
    expect(dying.lines).toEqual(one.lines);
    expect(dying.stats.failedWorkers).toEqual(['batch worker 1: exited with code 7', 'batch worker 2: exited with code 7']);
    expect(dying.warnings).toEqual([`batch worker 1: exited with code 7; batch worker 2: exited with code 7: the flows left untraced (${Math.ceil(flows / BATCH_CHUNK)} chunk(s) of up to ${BATCH_CHUNK}) are traced again on the main thread`]);
    expect(dying.stats.linesByThread[0]).toBe(flows);
  });

  it('a worker out of memory (a real V8 heap limit) is reported, and its share is traced on the main thread', async () => {
    const req = request('fixtures/l3-acl', file);
    const one = await printedBy(req, { jobs: 1 });
    const starved = await printedBy(req, { jobs: 2, mainTraces: false, workerResourceLimits: { maxOldGenerationSizeMb: 2, maxYoungGenerationSizeMb: 1 } });
    expect(starved.lines).toEqual(one.lines);
    expect(starved.stats.failedWorkers).toEqual([expect.stringMatching(/^batch worker 1: .*memory/i)]);
    expect(starved.warnings).toEqual([expect.stringMatching(/memory/i)]);
  });

  it('runs on one thread unless --jobs says otherwise, and never on more threads than the file has chunks', async () => {
    const req = request('fixtures/l3-acl', file);
    expect((await printedBy(req, { jobs: undefined })).stats.linesByThread).toEqual([flows]);
    const small = batchFile(BATCH_CHUNK + 1);
    expect((await printedBy(request('fixtures/l3-acl', small.file), { jobs: 4 })).stats.linesByThread).toHaveLength(2);
  });
});
