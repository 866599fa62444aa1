#!/usr/bin/env node
/**
 * Writes oclif.manifest.json from the built commands (dist/commands), as `oclif manifest` does:
 * with it, `ovnscope <command>` loads only that command's modules instead of importing every
 * command to list them (`ovnscope --version`: ~0.4 s → ~0.1 s). Run by `npm run build`.
 *
 * Uses @oclif/core's own Plugin loader — the calls `oclif manifest` makes — rather than the
 * `oclif` CLI package: that one pulls in the AWS SDK (for its publishing commands) and its
 * current major needs Node 22 and @oclif/core 5.
 *
 *   node scripts/oclif-manifest.js [root]   (default: this package)
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';

/** The manifest oclif would read for the package at `root` (from its built commands). */
export async function buildManifest(root) {
  // ignoreManifest: discover the commands (never read an existing manifest); errorOnManifestCreate:
  // a command that fails to load fails the build instead of silently missing from the CLI.
  const plugin = new Plugin({ root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true });
  await plugin.load();
  return plugin.manifest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(fileURLToPath(import.meta.url), '../..'));
  const manifest = await buildManifest(root);
  await writeFile(join(root, 'oclif.manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  process.stdout.write(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands\n`);
}
