import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

describe('README', () => {
  it('opens with a cross-host --from/--to trace on a bundled fixture that shows a drop explained by an ACL, and npm test', async () => {
    const block = /```sh\n([\s\S]*?)```/.exec(readFileSync(resolve(root, 'README.md'), 'utf8'))![1]!.trim().split('\n');
    expect(block[1]).toBe('npm test');
    const first = block[0]!;
    expect(first.startsWith('npm install && npx ovnscope trace ')).toBe(true);
    expect(first).toMatch(/ --from \S+ --to \S+/);
    // Run it exactly as written, minus the install (npm test has built dist/ already).
    const r = await promisify(execFile)('bash', ['-c', first.replace('npm install && npx ovnscope ', `node ${resolve(root, 'bin/run.js')} `)], { cwd: root }).catch((e: { code: number; stdout: string }) => e);
    expect((r as { code?: number }).code).toBe(1);
    const out = (r as { stdout: string }).stdout;
    // Cross-host: through the tunnel from hv1 to hv2, dropped there by the ACL, with its evidence.
    expect(out).toMatch(/--from web-vm-1|web1 \(web, port web-vm-1-port, VM web-vm-1\)/);
    expect(out).toContain('tunnel hv1 → hv2  GENEVE VNI 0x2 (db)');
    expect(out).toMatch(/Verdict: DROPPED — ACL_DROP: dropped by ACL "pg_db-default-drop" to-lport priority 1000 .*\[hv2 br-int\]$/m);
    expect(out).toMatch(/NB {6}ACL "pg_db-default-drop"/);
  });
});
