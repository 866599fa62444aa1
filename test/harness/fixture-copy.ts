// A bundled fixture copied to a temporary directory, without its .cache/, for tests that damage
// or edit a snapshot (the bundled one stays untouched). Removed after each test of the file.

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach } from 'vitest';

const copies: string[] = [];
afterEach(() => {
  for (const d of copies.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh copy of `fixtures/<name>` (a bundled fixture's name) in a temporary directory. */
export function copyFixture(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `ovnscope-${name}-`));
  copies.push(d);
  cpSync(resolve(import.meta.dirname, '../../fixtures', name), d, { recursive: true });
  rmSync(join(d, '.cache'), { recursive: true, force: true });
  return d;
}
