// `collect` stopped by signals, with the real CLI process: the local transport runs stand-ins for
// the OVS/OVN tools (first in PATH) that hang, as on a host whose ovs-vswitchd no longer answers.
// However the signals come (Ctrl-C pressed twice, systemd's SIGTERM after a SIGHUP, a burst), the
// snapshot must be renamed into place with "interrupted": true and the exit code must be 3.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../harness/cli.js';

const TOOLS = ['ovs-vsctl', 'ovs-ofctl', 'ovs-appctl', 'ovn-appctl', 'ovn-sbctl', 'ovn-nbctl', 'ethtool', 'ip', 'vtysh'];

let root: string;
let bin: string;
let inventory: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ovnscope-collect-signals-'));
  bin = join(root, 'bin');
  mkdirSync(bin);
  // Each stand-in says it started (so the first signal is not sent before collect handles
  // signals), then hangs; collect kills its process group when it abandons it.
  for (const tool of TOOLS) {
    writeFileSync(join(bin, tool), '#!/bin/sh\n: > "$OVNSCOPE_TEST_STARTED"\nexec sleep 120\n');
    chmodSync(join(bin, tool), 0o755);
  }
  inventory = join(root, 'inventory.yaml');
  writeFileSync(inventory, 'hosts:\n  lab: { transport: local }\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly interrupted: unknown;
  /** What is left beside the snapshot (a `.snap.partial-*` work directory would be). */
  readonly leftovers: readonly string[];
}

/**
 * Runs `collect` into a fresh directory and, once a command hangs, sends `signal`, then the same
 * signal again `after` ms later each; with `burst`, again every millisecond until the process is
 * gone, from the first signal on or from when manifest.json is in place.
 */
function collectAndSignal(signal: NodeJS.Signals, after: readonly number[], burst?: { from: 'first-signal' | 'snapshot-written' }): Promise<Ended> {
  const dir = mkdtempSync(join(root, 'run-'));
  const out = join(dir, 'snap');
  const started = join(dir, 'started');
  const child = spawn(process.execPath, [resolve(repoRoot, 'bin/run.js'), 'collect', '--inventory', inventory, '--out', out], {
    cwd: repoRoot,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, OVNSCOPE_TEST_STARTED: started, NO_COLOR: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdout.resume();
  let gone = false;
  const send = () => {
    if (!gone) child.kill(signal);
  };
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, tick: (stop: () => void) => void) => {
    const t = setInterval(() => tick(() => clearInterval(t)), ms);
    timers.push(t);
  };
  every(5, (stop) => {
    if (!existsSync(started)) return;
    stop();
    send();
    for (const ms of after) timers.push(setTimeout(send, ms));
    if (burst?.from === 'first-signal') every(1, send);
    if (burst?.from === 'snapshot-written')
      every(1, (stopWatching) => {
        if (!existsSync(join(out, 'manifest.json'))) return;
        stopWatching();
        every(1, send);
      });
  });
  return new Promise((done) => {
    child.on('exit', (code, sig) => {
      gone = true;
      for (const t of timers) clearTimeout(t);
      const manifest = join(out, 'manifest.json');
      done({
        code,
        signal: sig,
        stderr,
        interrupted: existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { interrupted: unknown }).interrupted : 'no manifest',
        leftovers: readdirSync(dir).filter((f) => f !== 'snap' && f !== 'started'),
      });
    });
  });
}

function expectWrittenAsInterrupted(r: Ended): void {
  expect({ code: r.code, signal: r.signal, interrupted: r.interrupted, leftovers: r.leftovers }, r.stderr).toEqual({ code: 3, signal: null, interrupted: true, leftovers: [] });
}

describe('collect: signals stop it, never kill it', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    it(`${signal} twice, 0/10/30/100 ms apart: the snapshot is in place as interrupted, exit 3`, { timeout: 90_000 }, async () => {
      const runs: Ended[] = [];
      for (const ms of [0, 10, 30, 100]) runs.push(await collectAndSignal(signal, [ms]));
      for (const r of runs) expectWrittenAsInterrupted(r);
      expect(runs[0]!.stderr).toMatch(signal === 'SIGINT' ? /interrupted: abandoning the running commands/ : new RegExp(`got ${signal}: abandoning`));
    });

  // Signals every millisecond from the first until the process is gone: one of them is bound to
  // arrive while Node tears the process down after the snapshot is written, when no JavaScript
  // handler runs any more (before the fix, the default action killed it: 130, 143, 129).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    it(`${signal} repeated every millisecond from the first: still exit 3 with the snapshot in place`, async () => {
      expectWrittenAsInterrupted(await collectAndSignal(signal, [], { from: 'first-signal' }));
    });

  it('once the snapshot is written, a signal every millisecond: the process still ends with exit 3', { timeout: 60_000 }, async () => {
    const runs = await Promise.all((['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => collectAndSignal(signal, [], { from: 'snapshot-written' })));
    for (const r of runs) expectWrittenAsInterrupted(r);
  });
});
