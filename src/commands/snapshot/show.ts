import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { SNAPSHOT_SHOW_JSON, jsonContractSection } from '../../cli/json-contract.js';
import { snapshotArgument } from '../../cli/snapshot-argument.js';
import { renderSnapshotSummary } from '../../render/snapshot.js';
import { showSnapshot } from '../../services/snapshot-show.js';

export default class SnapshotShow extends BaseCommand {
  static override summary = 'Summarise a snapshot: hosts, bridges, flows per table, chassis, encaps, bindings, what failed.';
  static override description = 'Reads a snapshot directory written by "ovnscope collect" and shows what it holds and what is missing from it (failed commands, unreachable hosts, parser diagnostics with file and line). A snapshot whose files changed after collection (missing, or not the size/sha256 its manifest recorded) is shown as DAMAGED, with the files listed, never as complete. Each host\'s row says what its ovn-controller answered, as doctor D17 judges it: connected, not connected, paused, not answering, not running, or not reached (no pidfile where ovn-appctl looked; see doctor D17); "-" when the snapshot did not ask (older ovnscope) or the host is no chassis (--json: "ovnController" in each host, absent then).\n\nThe snapshot is given with --snapshot (-s), as to every other command, or as the argument DIR (the older form, still accepted); both at once must name the same snapshot.';
  static override examples = ['<%= config.bin %> snapshot show --snapshot fixtures/l3-acl', '<%= config.bin %> snapshot show -s snap --json | jq .chassis', '<%= config.bin %> snapshot show fixtures/l3-acl'];
  static manSections = [jsonContractSection(SNAPSHOT_SHOW_JSON)];
  static override enableJsonFlag = true;
  static override args = { dir: Args.string({ description: 'Snapshot directory (the same as --snapshot; kept for compatibility).', required: false }) };
  static override flags = {
    snapshot: Flags.string({ char: 's', summary: 'Snapshot directory or packed fixture (.tar.gz).' }),
  };

  async run() {
    const { args, flags } = await this.parse(SnapshotShow);
    const chosen = snapshotArgument(flags.snapshot, args.dir, { command: 'snapshot show', positional: 'DIR' });
    if (!chosen.ok) this.failWith(chosen.error);
    const result = await showSnapshot(chosen.value);
    if (!result.ok) this.failWith(result.error);
    this.print(renderSnapshotSummary(result.value, this.style));
    return result.value;
  }
}
