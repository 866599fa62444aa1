import { readFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { formatDiagnostic } from '../model/diagnostic.js';
import { ExitCode } from '../model/result.js';
import { parseInventory } from '../parse/inventory.js';
import { renderCollectSummary } from '../render/collect.js';
import { collect } from '../services/collect.js';

export default class Collect extends BaseCommand {
  static override summary = 'Collect flows, bindings and OVS/OVN state from hypervisors into a snapshot directory.';
  static override description = `Runs a fixed, read-only set of commands (ovs-ofctl dump-flows/show/dump-groups, ovs-vsctl list, ovs-appctl dpif/show on every host; ovn-sbctl/ovn-nbctl list once through the "ovn.via" host) and stores the raw outputs verbatim with a manifest. The snapshot is written to a temporary directory and renamed into place at the end. A command that fails is recorded and the rest goes on; the exit code is 3 when the snapshot is incomplete, and the manifest says what is missing and why.

Inventory (YAML):
  hosts:
    hv1: { transport: local, wrapper: "env OVS_RUNDIR=/tmp/sb/hv1" }
    hv2: { transport: local, wrapper: "sudo -n" }
  ovn:
    via: hv1
    nb: unix:/var/run/ovn/ovnnb_db.sock
    sb: unix:/var/run/ovn/ovnsb_db.sock`;
  static override examples = [
    '<%= config.bin %> collect --inventory inventory.yaml --out snap-$(date +%s)',
    '<%= config.bin %> collect --inventory inventory.yaml --out snap --parallel 8 --timeout 30 --json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    inventory: Flags.string({ char: 'i', summary: 'Inventory YAML file (hosts, transports, wrappers, ovn.via/nb/sb).', required: true }),
    out: Flags.string({ char: 'o', summary: 'Snapshot directory to create (must not exist).', required: true }),
    parallel: Flags.integer({ summary: 'Hosts collected at the same time.', default: 16, min: 1 }),
    'per-host': Flags.integer({ summary: 'Commands in flight per host.', default: 4, min: 1 }),
    timeout: Flags.integer({ summary: 'Timeout per command in seconds (default: per command, 60 s; 300 s for dump-flows).', min: 1 }),
  };

  async run() {
    const { flags } = await this.parse(Collect);
    let text: string;
    try {
      text = await readFile(flags.inventory, 'utf8');
    } catch (e) {
      this.error(`cannot read inventory ${flags.inventory}: ${(e as Error).message}`, { exit: ExitCode.usage });
    }
    const inventory = parseInventory(text, flags.inventory);
    for (const d of inventory.diagnostics) this.logToStderr(formatDiagnostic(d));
    if (inventory.diagnostics.some((d) => d.severity === 'error')) this.error('the inventory has errors (above); nothing was collected', { exit: ExitCode.usage });

    const abort = new AbortController();
    const onSigint = () => {
      this.logToStderr('interrupted: finishing the snapshot as incomplete…');
      abort.abort();
    };
    process.once('SIGINT', onSigint);
    const showProgress = !this.jsonEnabled() && process.stderr.isTTY;
    const result = await collect({
      inventory: inventory.value,
      out: flags.out,
      parallel: flags.parallel,
      perHostConcurrency: flags['per-host'],
      timeoutMs: flags.timeout ? flags.timeout * 1000 : undefined,
      signal: abort.signal,
      onProgress: showProgress ? (e) => process.stderr.write(`\r\x1b[K${e.host}: ${e.state}${e.total ? ` ${e.done}/${e.total}` : ''}`) : undefined,
    });
    process.off('SIGINT', onSigint);
    if (showProgress) process.stderr.write('\r\x1b[K');
    if (!result.ok) this.failWith(result.error);
    const { manifest, dir } = result.value;
    if (!manifest.complete) process.exitCode = ExitCode.incomplete;
    this.print(renderCollectSummary(dir, manifest, this.style));
    return { dir, complete: manifest.complete, missing: manifest.missing, manifest };
  }
}
