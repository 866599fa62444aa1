import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderManPages } from '../scripts/man.js';

const root = resolve(import.meta.dirname, '..');

describe('man pages', () => {
  it('are up to date with the command metadata (run `npm run man` after changing a command)', async () => {
    const pages = await renderManPages(root);
    const onDisk = (await readdir(join(root, 'man'))).filter((f) => f.endsWith('.1')).sort();
    expect(onDisk).toEqual([...pages.keys()].sort());
    for (const [name, text] of pages) expect(await readFile(join(root, 'man', name), 'utf8'), name).toBe(text);
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { man: string[] };
    expect(pkg.man).toEqual(onDisk.map((n) => `./man/${n}`));
  });

  it('document every command with examples and the exit codes', async () => {
    const pages = await renderManPages(root);
    for (const [name, text] of pages) {
      expect(text, name).toContain('.SH EXIT STATUS');
      if (name !== 'ovnscope.1') expect(text, name).toContain('.SH EXAMPLES');
    }
  });
});
