import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Inventory } from '../../src/model/inventory.js';
import { runCli } from '../harness/cli.js';
import type { Sandbox } from '../harness/sandbox.js';

/** The inventory a user would write for a sandbox: local transport, one env wrapper per chassis. */
export function sandboxInventory(sb: Sandbox, via = sb.chassisNames[0]!): Inventory {
  return {
    hosts: sb.chassisNames.map((name) => ({ name, transport: 'local' as const, wrapper: ['env', `OVS_RUNDIR=${sb.chassis[name]!.dir}`, `OVN_RUNDIR=${sb.chassis[name]!.dir}`] })),
    ovn: { via, nb: sb.central.nbSock, sb: sb.central.sbSock },
  };
}

export function sandboxInventoryYaml(sb: Sandbox, via = sb.chassisNames[0]!): string {
  const inv = sandboxInventory(sb, via);
  const hosts = inv.hosts.map((h) => `  ${h.name}: { transport: local, wrapper: "${h.wrapper.join(' ')}" }`).join('\n');
  return `hosts:\n${hosts}\novn:\n  via: ${inv.ovn!.via}\n  nb: ${inv.ovn!.nb}\n  sb: ${inv.ovn!.sb}\n`;
}

/**
 * Collects a running sandbox the way a user would (`ovnscope collect -i INVENTORY --out DIR`, the
 * real CLI) into `dir`: the snapshot the live trace suites compare with the live tools.
 */
export async function collectSandboxWithCli(sb: Sandbox, dir: string): Promise<string> {
  const inv = join(dir, 'inv.yaml');
  await writeFile(inv, sandboxInventoryYaml(sb));
  const snap = join(dir, 'snap');
  const collected = await runCli(['collect', '-i', inv, '--out', snap]);
  // A plain throw, not vitest's expect: the benchmark imports this module outside vitest.
  if (collected.code !== 0) throw new Error(`ovnscope collect exited ${collected.code}: ${collected.stderr}`);
  return snap;
}
