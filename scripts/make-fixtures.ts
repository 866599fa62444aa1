/**
 * Regenerates the bundled snapshots in fixtures/ by running real OVN sandboxes and collecting them
 * with `ovnscope collect` itself (the built CLI, exactly as a user runs it).
 *
 *   npm run build && npx tsx scripts/make-fixtures.ts [name ...]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { startTopology } from '../test/harness/topology.js';
import { getTopology } from '../test/harness/topologies.js';
import { sandboxInventoryYaml } from '../test/collect/sandbox-inventory.js';

export const FIXTURES = {
  /** 2 chassis: two switches and a distributed router, ACLs (allow-related, drop) on port groups and address sets. */
  'l3-acl': 'l3-acl',
  /** 3 chassis: tenant switches on different chassis, distributed router, gateway port with localnet, LB, SNAT/DNAT. */
  'lb-nat-3chassis': 'lb-nat-3chassis',
} as const;

const root = resolve(new URL('..', import.meta.url).pathname);

async function make(name: keyof typeof FIXTURES): Promise<void> {
  const { sandbox } = await startTopology(getTopology(FIXTURES[name]));
  const work = mkdtempSync(join(tmpdir(), 'ovnscope-fixture-'));
  try {
    const inventory = join(work, 'inventory.yaml');
    writeFileSync(inventory, sandboxInventoryYaml(sandbox));
    const out = join(work, 'snapshot');
    execFileSync(process.execPath, [join(root, 'bin/run.js'), 'collect', '--inventory', inventory, '--out', out], { stdio: 'inherit' });
    const dest = join(root, 'fixtures', name);
    if (existsSync(dest)) rmSync(dest, { recursive: true });
    renameSync(out, dest);
    console.log(`fixtures/${name}: collected from topology ${FIXTURES[name]}`);
  } finally {
    await sandbox.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

const wanted = (process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(FIXTURES)) as (keyof typeof FIXTURES)[];
for (const n of wanted) {
  if (!(n in FIXTURES)) throw new Error(`unknown fixture ${n}; known: ${Object.keys(FIXTURES).join(', ')}`);
  await make(n);
}
