// Every Action['type'] of the model, checked both ways at compile time: `satisfies` rejects a
// missing type and (object literal) an extra one. Used to check the executor table at run time,
// and to prove at type level that a table missing an executor does not compile.

import type { ActionType } from '../../src/model/flow.js';
import type { Executor } from '../../src/sim/index.js';
import { EXECUTORS } from '../../src/sim/index.js';

const ALL = {
  apply_actions: 1, bundle: 1, check_pkt_larger: 1, clear_actions: 1, clone: 1, conjunction: 1, controller: 1, ct: 1,
  ct_clear: 1, debug_recirc: 1, debug_slow: 1, dec_mpls_ttl: 1, dec_nsh_ttl: 1, dec_ttl: 1, decap: 1, delete_field: 1,
  drop: 1, encap: 1, enqueue: 1, exit: 1, fin_timeout: 1, goto_table: 1, group: 1, learn: 1, load: 1, meter: 1,
  mod_dl_dst: 1, mod_dl_src: 1, mod_nw_dst: 1, mod_nw_ecn: 1, mod_nw_src: 1, mod_nw_tos: 1, mod_nw_ttl: 1, mod_tp_dst: 1,
  mod_tp_src: 1, move: 1, multipath: 1, note: 1, output: 1, output_reg: 1, output_trunc: 1, pop: 1, pop_mpls: 1,
  pop_queue: 1, pop_vlan: 1, push: 1, push_mpls: 1, push_vlan: 1, resubmit: 1, sample: 1, set_field: 1, set_mpls_label: 1,
  set_mpls_tc: 1, set_mpls_ttl: 1, set_queue: 1, set_tunnel: 1, set_vlan_pcp: 1, set_vlan_vid: 1, unknown: 1,
  write_actions: 1, write_metadata: 1,
} as const satisfies Record<ActionType, 1>;

export const ACTION_TYPES_FOR_TEST = Object.keys(ALL) as ActionType[];

// Type-level check (run by `npm run typecheck`): dropping one executor must fail to compile.
const { note: _note, ...withoutNote } = EXECUTORS;
// @ts-expect-error — 'note' is missing, so this is not a complete executor table.
export const incompleteTable: Record<ActionType, Executor> = withoutNote;
void _note;
