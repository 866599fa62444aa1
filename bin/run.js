#!/usr/bin/env node
// With oclif.manifest.json (written by `npm run build`) oclif loads only the invoked command's
// modules. A manifest older than the built commands (dist/ rebuilt without `npm run build`) would
// list stale commands and flags: then the commands are discovered as without a manifest.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config, execute, Plugin } from '@oclif/core';

const root = fileURLToPath(new URL('..', import.meta.url));

function manifestIsCurrent() {
  let manifest;
  try {
    manifest = statSync(join(root, 'oclif.manifest.json')).mtimeMs;
  } catch {
    return true; // none: oclif discovers the commands by itself
  }
  try {
    const dir = join(root, 'dist/commands');
    for (const f of readdirSync(dir, { recursive: true })) if (statSync(join(dir, f)).mtimeMs > manifest) return false;
  } catch {
    return false;
  }
  return true;
}

if (manifestIsCurrent()) await execute({ dir: import.meta.url });
else {
  const plugin = new Plugin({ root, isRoot: true, ignoreManifest: true });
  await plugin.load();
  await execute({ loadOptions: await Config.load({ root, plugins: new Map([[plugin.name, plugin]]) }) });
}
