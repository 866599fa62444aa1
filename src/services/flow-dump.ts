import type { Snapshot } from '../model/snapshot.js';

/**
 * Why the snapshot holds no flows of `host`/`bridge` that may still have some: its dump-flows
 * failed at collection (the manifest's status and error), was not collected, or its file was
 * removed after collection. Undefined when the dump was read: then the bridge has no flows.
 */
export function flowDumpNotRead(snapshot: Pick<Snapshot, 'manifest' | 'diagnostics'>, host: string, bridge: string): string | undefined {
  const id = `ovs-ofctl.dump-flows.${bridge}`;
  const dump = snapshot.manifest.hosts.find((h) => h.name === host)?.commands.find((c) => c.id === id);
  if (!dump) return `${id} was not collected (see "ovnscope snapshot show")`;
  if (dump.status !== 'ok') return `${id} ${dump.status}${dump.error ? ` (${dump.error})` : ''}, so what it printed is not read`;
  const missing = snapshot.diagnostics.find((d) => d.damage === 'missing' && d.host === host && d.file === dump.file);
  return missing ? `${missing.file}: ${missing.message}` : undefined;
}
