import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { FLOWS_JSON, jsonContractSection } from '../cli/json-contract.js';
import { ExitCode } from '../model/result.js';
import { renderFlows } from '../render/flows.js';
import { listFlows } from '../services/flows.js';

export default class Flows extends BaseCommand {
  static override summary = 'List the OpenFlow flows of a host, each named by the OVN logical flow behind its cookie.';
  static override description = 'Parses the collected dump-flows of one bridge and annotates each flow with the SB row its cookie points at (the first 32 bits of the row UUID): for a logical flow its pipeline, stage, match and actions and the datapath it belongs to. --filter takes the match syntax of "ovs-ofctl dump-flows BRIDGE MATCH" and, like it, keeps flows that are at least as specific; table=N limits it to one table (255: all) and port names (in_port=tap1 or in_port="tap-1") are the bridge\'s ports. A bridge whose dump-flows failed at collection (or whose file was removed since) is not listed as empty: the command says why its flows are missing, from the manifest, and exits 3 (incomplete data). A dump that changed after collection (cut, edited: its size or digest differs from the manifest\'s) or has unreadable lines is listed as far as it can be read, with its errors under the header (--json: "dumpErrors"), and the command exits 3 too.';
  static override examples = [
    '<%= config.bin %> flows --snapshot fixtures/l3-acl --host hv1 --table 44',
    '<%= config.bin %> flows --snapshot snap --host hv1 --filter "ip,reg15=0x2,metadata=0x1"',
    '<%= config.bin %> flows --snapshot snap --host hv2 --cookie 0x6c1d0b4a --json',
  ];
  static manSections = [jsonContractSection(FLOWS_JSON)];
  static override enableJsonFlag = true;
  static override flags = {
    snapshot: Flags.string({ char: 's', summary: 'Snapshot directory.', required: true }),
    host: Flags.string({ char: 'H', summary: 'Host (as named in the snapshot).', required: true }),
    bridge: Flags.string({ char: 'b', summary: 'Bridge.', default: 'br-int' }),
    table: Flags.integer({ char: 't', summary: 'Only this OpenFlow table.', min: 0, max: 254 }),
    cookie: Flags.string({ char: 'c', summary: 'Only flows with this cookie (hex 0x... or decimal).' }),
    filter: Flags.string({ char: 'f', summary: 'Match filter as ovs-ofctl dump-flows takes it, e.g. "table=44,ip,metadata=0x1,reg15=0x2" or "in_port=tapweb1".' }),
  };

  async run() {
    const { flags } = await this.parse(Flows);
    let cookie: bigint | undefined;
    if (flags.cookie !== undefined) {
      try {
        cookie = BigInt(flags.cookie);
      } catch {
        this.error(`--cookie ${flags.cookie}: expected a number such as 0x6c1d0b4a`, { exit: 2 });
      }
    }
    const result = await listFlows({ snapshot: flags.snapshot, host: flags.host, bridge: flags.bridge, table: flags.table, cookie, filter: flags.filter });
    if (!result.ok) this.failWith(result.error);
    this.print(renderFlows(result.value, this.style));
    // A damaged dump still lists what could be read, but is incomplete data.
    if (result.value.dumpErrors.length) process.exitCode = ExitCode.incomplete;
    return result.value;
  }
}
