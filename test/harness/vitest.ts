// vitest glue for live suites: a loud guard when the OVS/OVN packages are missing (a failure under
// CI=true, a visible skip elsewhere), and afterAll-based tear-down of every sandbox a suite starts.
//
//   const live = liveSuiteGuard();
//   describe.skipIf(!live)('my live suite', () => {
//     const sandboxes = useSandboxes();
//     let sb: Sandbox;
//     beforeAll(async () => { sb = (await sandboxes.startTopology(getTopology('l3-acl'))).sandbox; });
//     it('…', async () => { … });
//   });

import { afterAll, it } from 'vitest';
import type { RunnerTask } from 'vitest';
import { checkSandboxDeps, startSandbox, type Sandbox, type SandboxOptions, type SystemDepsReport } from './sandbox.js';
import { startTopology, type ApplyOptions, type Topology } from './topology.js';

/**
 * Checks the system packages. When something is missing it prints a banner naming the binaries
 * and `scripts/install-system-deps.sh`, and registers a test that FAILS under CI=true (so CI can
 * never silently skip the live suites) or is reported as skipped otherwise. Returns availability.
 */
export function liveSuiteGuard(report: SystemDepsReport = checkSandboxDeps()): boolean {
  if (report.ok) return true;
  const banner = `\n${'!'.repeat(78)}\n${report.message}\n${'!'.repeat(78)}\n`;
  console.error(banner);
  if (process.env.CI === 'true') {
    it('OVS/OVN system packages are installed (required under CI=true)', () => {
      throw new Error(report.message);
    });
  } else {
    it.skip(`OVS/OVN live tests SKIPPED — missing ${report.missing.map((m) => m.what).join(', ')}; run scripts/install-system-deps.sh`, () => undefined);
  }
  return false;
}

function anyFailed(task: RunnerTask): boolean {
  if (task.result?.state === 'fail') return true;
  return 'tasks' in task && Array.isArray(task.tasks) ? task.tasks.some(anyFailed) : false;
}

export interface SandboxTracker {
  start(options?: SandboxOptions): Promise<Sandbox>;
  startTopology(topo: Topology, options?: Omit<SandboxOptions, 'chassis'> & ApplyOptions): ReturnType<typeof startTopology>;
  /** Tracks a sandbox started elsewhere. */
  track(sb: Sandbox): Sandbox;
}

/**
 * Call inside a describe (or at file level): every sandbox started through the returned tracker
 * is stopped in afterAll — with { failed: true } if any test of the suite failed, so
 * OVNSCOPE_KEEP_SANDBOX=1 keeps the directories of failed runs for inspection.
 */
export function useSandboxes(): SandboxTracker {
  const live: Sandbox[] = [];
  afterAll(async (suite) => {
    const failed = anyFailed(suite as RunnerTask);
    const results = await Promise.allSettled(live.splice(0).map((sb) => sb.stop({ failed })));
    const errs = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    if (errs.length) throw new AggregateError(errs, 'stopping sandboxes failed');
  });
  const track = (sb: Sandbox) => {
    live.push(sb);
    return sb;
  };
  return {
    start: async (options) => track(await startSandbox(options)),
    startTopology: async (topo, options) => {
      const r = await startTopology(topo, options);
      track(r.sandbox);
      return r;
    },
    track,
  };
}
