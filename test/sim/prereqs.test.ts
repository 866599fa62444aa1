// set_field and load check the written field's prerequisites on the packet (OVS
// `mf_are_prereqs_ok()`). prereqsOk tests them on the packet's words; the definition is PREREQS,
// alternatives of (field, value, mask) constraints, plus OVS's rule that a later fragment has no
// L4 header. Every field's prerequisite on packets made of the values these constraints name (and
// values next to them), against that definition evaluated here with bigints.

import { describe, expect, it } from 'vitest';
import { FIELDS, PREREQS, fieldByName, type FieldDef } from '../../src/model/fields.js';
import { onesMask } from '../../src/model/masked.js';
import { PacketState, SP } from '../../src/sim/state.js';
import { prereqsOk } from '../../src/sim/xlate.js';
import { rng } from './cases.js';

function reference(s: PacketState, f: FieldDef): boolean {
  const ok = PREREQS[f.prereq].some((conj) =>
    conj.every((c) => {
      const cf = fieldByName(c.field)!;
      return (s.get(cf) & (c.mask ?? onesMask(cf.width))) === c.value;
    }),
  );
  return ok && !(['tcp', 'udp', 'sctp'].includes(f.prereq) && (s.space(SP.ip_frag) & 2n) !== 0n);
}

describe('prereqsOk', () => {
  it('agrees with PREREQS on every field, for packets built from the values they test', () => {
    // The values each constrained field is tested for, and a neighbour that fails the test.
    const values = new Map<string, bigint[]>();
    for (const alts of Object.values(PREREQS))
      for (const conj of alts)
        for (const c of conj) {
          const list = values.get(c.field) ?? [0n];
          list.push(c.value, c.value ^ 1n, c.value | 0x8000n);
          values.set(c.field, list);
        }
    expect([...values.keys()].sort()).toEqual(['ct_state', 'dl_type', 'icmp_code', 'icmp_type', 'nw_proto', 'vlan_tci']);
    const r = rng('prereqs');
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    let passed = 0;
    let failed = 0;
    const wrong: string[] = [];
    for (let i = 0; i < 400; i++) {
      const s = new PacketState();
      for (const [name, vals] of values) s.set(fieldByName(name)!, pick(vals));
      s.setSpace(SP.ip_frag, pick([0n, 1n, 3n]));
      for (const f of FIELDS) {
        const want = reference(s, f);
        if (prereqsOk(s, f) !== want) wrong.push(`${f.name} (${f.prereq}) on ${s.get(fieldByName('dl_type')!)}/${s.get(fieldByName('nw_proto')!)}: expected ${want}`);
        if (want) passed++;
        else failed++;
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    // Both outcomes occur for the packets above (a test of only one is no test).
    expect(passed).toBeGreaterThan(500);
    expect(failed).toBeGreaterThan(500);
  });
});
