// A drop by an NB Logical_Router_Policy (action drop): northd writes it into lr_in_policy with the
// policy's priority, match and `drop;`, its stage hint the row's UUID (build_routing_policy_flow).
// No bundled fixture has a policy (their Logical_Router_Policy listings are empty), so the row is
// added to a copy of lb-nat-3chassis' NB listing and router lr0's `policies`, and the drop's
// classification is checked on that logical flow.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { buildOvnIndex } from '../../src/snapshot/ovn-index.js';
import { classifyDrop, describeNb } from '../../src/sim/annotate.js';
import type { LogicalFlowRef } from '../../src/model/trace.js';
import { copyFixture } from '../harness/fixture-copy.js';

const POLICY = '5e1f0a11-0000-4000-8000-000000000001';
const MATCH = 'ip4.src == 10.2.1.0/24 && ip4.dst == 10.2.2.0/24';

function editNb(dir: string, table: string, edit: (j: { headings: string[]; data: unknown[][] }) => void): void {
  const file = join(dir, 'central', `ovn-nbctl.list.${table}.out`);
  const j = JSON.parse(readFileSync(file, 'utf8')) as { headings: string[]; data: unknown[][] };
  edit(j);
  writeFileSync(file, JSON.stringify(j));
}

async function withPolicy() {
  const dir = copyFixture('lb-nat-3chassis');
  editNb(dir, 'Logical_Router_Policy', (j) => {
    const row: Record<string, unknown> = { _uuid: ['uuid', POLICY], action: 'drop', external_ids: ['map', []], match: MATCH, nexthop: ['set', []], nexthops: ['set', []], options: ['map', []], priority: 1000 };
    j.data.push(j.headings.map((h) => row[h]));
  });
  editNb(dir, 'Logical_Router', (j) => {
    const [name, policies] = [j.headings.indexOf('name'), j.headings.indexOf('policies')];
    for (const r of j.data) if (r[name] === 'lr0') r[policies] = ['uuid', POLICY];
  });
  const loaded = await loadSnapshot(dir);
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value;
}

const policyFlow: LogicalFlowRef = { uuid: '9a000000-0000-4000-8000-000000000001', pipeline: 'ingress', tableId: 12, stage: 'lr_in_policy', priority: 1000, match: MATCH, actions: 'drop;', datapath: 'lr0' };

describe('a router policy drop', () => {
  it('loads the NB row and finds it by the stage hint, with its router', async () => {
    const snap = await withPolicy();
    expect(snap.nb?.routerPolicies).toEqual([expect.objectContaining({ uuid: POLICY, priority: 1000, match: MATCH, action: 'drop', nexthops: [] })]);
    expect(buildOvnIndex(snap).nbByHint.get(POLICY.slice(0, 8))).toMatchObject({ kind: 'router-policy', router: 'lr0', policy: { uuid: POLICY } });
  });

  it('is explained by the policy (priority, match, action, router), not as a missing route', async () => {
    const snap = await withPolicy();
    const nb = describeNb(buildOvnIndex(snap).nbByHint.get(POLICY.slice(0, 8))!);
    const c = classifyDrop({ logicalFlow: policyFlow, nb }, 'EXPLICIT_DROP');
    expect(c).toEqual({ reason: 'NO_ROUTE', because: `router policy priority 1000 \`${MATCH}\` drop on router lr0 drops it` });
    expect(nb.row).toEqual({ priority: 1000, match: MATCH, action: 'drop', router: 'lr0' });
  });

  it('without the NB row (not collected), by the logical flow', () => {
    const c = classifyDrop({ logicalFlow: policyFlow }, 'EXPLICIT_DROP');
    expect(c.reason).toBe('NO_ROUTE');
    expect(c.because).toBe(`a router policy drops it \`${MATCH}\` (no NB Logical_Router_Policy row in the snapshot names it)`);
    expect(c.because).not.toMatch(/no route/);
  });
});
