// Small CLI around the live OVS/OVN sandbox harness (test/harness/).
//
//   npx tsx scripts/sandbox.ts up <topology> <dir>   start a persistent sandbox in <dir> and apply
//                                                    the named topology (daemons keep running)
//   npx tsx scripts/sandbox.ts down <dir> [--keep]   kill its daemons; remove <dir> unless --keep
//   npx tsx scripts/sandbox.ts env <dir> [chassis]   print `export …` lines for a shell (central
//                                                    by default, or that chassis' OVS_RUNDIR etc.)
//   npx tsx scripts/sandbox.ts status <dir>          chassis, pids alive, port bindings
//   npx tsx scripts/sandbox.ts list                  the named topologies
//
// <dir> must be short (unix socket paths stay under ~100 characters), e.g. /tmp/sbx1.
// Exit codes: 0 ok, 1 failed, 2 usage error.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { attachSandbox, checkSandboxDeps } from '../test/harness/sandbox.js';
import { isAlive } from '../test/harness/procs.js';
import { portBindingChassis, startTopology } from '../test/harness/topology.js';
import { getTopology, topologies, topologyNames } from '../test/harness/topologies.js';

const USAGE = `usage:
  sandbox.ts up <topology> <dir>
  sandbox.ts down <dir> [--keep]
  sandbox.ts env <dir> [chassis]
  sandbox.ts status <dir>
  sandbox.ts list
topologies: ${topologyNames.join(', ')}`;

function usage(msg?: string): never {
  if (msg) process.stderr.write(`sandbox.ts: ${msg}\n`);
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

async function up(name: string | undefined, dir: string | undefined): Promise<void> {
  if (!name || !dir) usage('up needs <topology> <dir>');
  if (!(name in topologies)) usage(`unknown topology ${name}`);
  const deps = checkSandboxDeps();
  if (!deps.ok) throw new Error(deps.message);
  const t0 = Date.now();
  const { sandbox, applied, timings } = await startTopology(getTopology(name), { dir: resolve(dir), persistent: true });
  const lines = [
    `sandbox ${name} up in ${Date.now() - t0} ms (start ${timings.startMs} ms, apply ${timings.applyMs} ms): ${sandbox.dir}`,
    `  NB ${sandbox.central.nbSock}`,
    `  SB ${sandbox.central.sbSock}`,
    ...sandbox.chassisNames.map((n) => `  ${n}: OVS_RUNDIR=${sandbox.chassis[n].dir} encap-ip ${sandbox.chassis[n].encapIp}`),
    ...applied.bound.map((b) => `  port ${b.port} (${b.switch}) on ${b.chassis} as ${b.iface}${b.mac ? ` ${b.mac}` : ''} ${[...b.ipv4, ...b.ipv6].join(' ')}`),
    `stop with: npx tsx scripts/sandbox.ts down ${shellQuote(sandbox.dir)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function down(dir: string | undefined, keep: boolean): Promise<void> {
  if (!dir) usage('down needs <dir>');
  if (!existsSync(resolve(dir))) throw new Error(`${resolve(dir)} does not exist`);
  const sb = attachSandbox(dir);
  const pids = sb.pids();
  await sb.stop({ keep });
  process.stdout.write(`stopped ${pids.length} daemons${keep ? `; kept ${sb.dir}` : `; removed ${sb.dir}`}\n`);
}

function env(dir: string | undefined, chassis: string | undefined): void {
  if (!dir) usage('env needs <dir>');
  const sb = attachSandbox(dir);
  const vars = chassis ? sb.chassis[chassis]?.env : sb.central.env;
  if (!vars) throw new Error(`no chassis ${chassis} (have: ${sb.chassisNames.join(', ')})`);
  process.stdout.write(`${Object.entries(vars).map(([k, v]) => `export ${k}=${shellQuote(v)}`).join('\n')}\n`);
}

async function status(dir: string | undefined): Promise<void> {
  if (!dir) usage('status needs <dir>');
  const sb = attachSandbox(dir);
  const pids = sb.pids();
  const alive = pids.filter(isAlive);
  process.stdout.write(`${sb.dir}: ${alive.length}/${pids.length} daemons alive; chassis ${sb.chassisNames.join(', ')}\n`);
  if (alive.length) {
    const pb = await portBindingChassis(sb);
    for (const [port, ch] of Object.entries(pb).sort()) process.stdout.write(`  ${port}: ${ch || '(unbound)'}\n`);
  }
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  const flags = rest.filter((a) => a.startsWith('--'));
  const args = rest.filter((a) => !a.startsWith('--'));
  switch (cmd) {
    case 'up':
      return up(args[0], args[1]);
    case 'down':
      return down(args[0], flags.includes('--keep'));
    case 'env':
      return env(args[0], args[1]);
    case 'status':
      return status(args[0]);
    case 'list':
      for (const n of topologyNames) process.stdout.write(`${n}\t${getTopology(n).description ?? ''}\n`);
      return;
    case undefined:
    case '-h':
    case '--help':
      usage();
    default:
      usage(`unknown command ${cmd}`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`sandbox.ts: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
