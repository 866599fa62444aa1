// PacketState keeps the packet as 32-bit words (fields inside one word are read and written as
// numbers) but its contract is OVS `struct flow` as one value per storage space: every view of a
// space (reg0/xreg0/xxreg0, nw_tos/nw_ecn, tun_metadataN and its present bit, ...) reads and writes
// the same bits. Random operations on every field, checked against that one-bigint-per-space model
// written out here, so that the word paths cannot drift from the bigint ones.

import { describe, expect, it } from 'vitest';
import { FIELDS, type FieldDef } from '../../src/model/fields.js';
import type { FieldRef } from '../../src/model/flow.js';
import { ACCESS, N_SPACES, N_WORDS, PacketState, SP, TUN_MD_INDEX } from '../../src/sim/state.js';
import { rng } from './cases.js';

/** The model: one bigint per space, as OVS's struct flow stores a field's bits. */
class Model {
  v: bigint[] = new Array<bigint>(N_SPACES).fill(0n);
  get(f: FieldDef): bigint {
    const a = ACCESS[f.id];
    return (this.v[a.space] >> BigInt(a.offset)) & a.mask;
  }
  setMasked(f: FieldDef, value: bigint, mask: bigint): void {
    const a = ACCESS[f.id];
    const m = (mask & a.mask) << BigInt(a.offset);
    this.v[a.space] = (this.v[a.space] & ~m) | ((value << BigInt(a.offset)) & m);
    const md = TUN_MD_INDEX[a.space];
    if (md >= 0) this.v[SP.tun_md_present] |= 1n << BigInt(md);
  }
  getSub(r: FieldRef): bigint {
    return (this.get(r.field) >> BigInt(r.ofs)) & ((1n << BigInt(r.nBits)) - 1n);
  }
  setSub(r: FieldRef, value: bigint): void {
    const m = (1n << BigInt(r.nBits)) - 1n;
    this.setMasked(r.field, (value & m) << BigInt(r.ofs), m << BigInt(r.ofs));
  }
}

function randomBits(r: () => number, bits: number): bigint {
  let x = 0n;
  for (let i = 0; i < bits; i += 16) x = (x << 16n) | BigInt(Math.floor(r() * 65536));
  return x & ((1n << BigInt(bits)) - 1n);
}

/** A value for `f`: in range, all ones, or with bits beyond the field (they must be dropped). */
function randomValue(r: () => number, f: FieldDef): bigint {
  const k = r();
  if (k < 0.15) return (1n << BigInt(f.width)) - 1n;
  if (k < 0.3) return randomBits(r, f.width + 40);
  if (k < 0.35) return -randomBits(r, 20) - 1n;
  return randomBits(r, f.width);
}

/** A subfield of `f`: half of them at most 8 bits wide (OVN's flag bits, often in XXREG0[..]). */
function randomRef(r: () => number, f: FieldDef): FieldRef {
  const ofs = Math.floor(r() * f.width);
  const max = r() < 0.5 ? Math.min(8, f.width - ofs) : f.width - ofs;
  const nBits = 1 + Math.floor(r() * max);
  return { field: f, ofs, nBits };
}

function expectSame(s: PacketState, m: Model, what: string): void {
  for (let sp = 0; sp < N_SPACES; sp++) {
    if (s.space(sp) !== m.v[sp]) expect.fail(`${what}: space ${sp} is 0x${s.space(sp).toString(16)}, model 0x${m.v[sp].toString(16)}`);
    for (let k = 0; k < N_WORDS[sp]; k++) {
      const w = Number((m.v[sp] >> BigInt(32 * k)) & 0xffffffffn);
      if (s.word(sp, k) !== w) expect.fail(`${what}: word ${k} of space ${sp} is ${s.word(sp, k)}, model ${w}`);
    }
  }
}

describe('PacketState: 32-bit words behave as one value per storage space', () => {
  it('get/set/setMasked/getSub/setSub/moveSub of every field agree with the bigint model', () => {
    const r = rng('state-words');
    const s = new PacketState();
    const m = new Model();
    const pick = () => FIELDS[Math.floor(r() * FIELDS.length)];
    let inWord = 0;
    for (let i = 0; i < 20000; i++) {
      const f = pick();
      if (ACCESS[f.id].wi >= 0) inWord++;
      const op = Math.floor(r() * 5);
      let what: string;
      if (op === 0) {
        const v = randomValue(r, f);
        s.set(f, v);
        m.setMasked(f, v, ACCESS[f.id].mask);
        what = `set ${f.name} 0x${v.toString(16)}`;
      } else if (op === 1) {
        const v = randomValue(r, f);
        const mask = randomBits(r, f.width);
        s.setMasked(f, v, mask);
        m.setMasked(f, v, mask);
        what = `setMasked ${f.name} 0x${v.toString(16)}/0x${mask.toString(16)}`;
      } else if (op === 2) {
        const ref = randomRef(r, f);
        const v = randomValue(r, f);
        s.setSub(ref, v);
        m.setSub(ref, v);
        what = `setSub ${f.name}[${ref.ofs}..+${ref.nBits}] 0x${v.toString(16)}`;
      } else if (op === 3) {
        const src = randomRef(r, f);
        // A destination of the same width, in this field or another one wide enough.
        const wide = FIELDS.filter((x) => x.width >= src.nBits);
        const g = wide[Math.floor(r() * wide.length)];
        const dst = { field: g, ofs: Math.floor(r() * (g.width - src.nBits + 1)), nBits: src.nBits };
        const v = m.getSub(src);
        s.moveSub(src, dst);
        m.setSub(dst, v);
        what = `moveSub ${f.name}[${src.ofs}..+${src.nBits}] -> ${g.name}[${dst.ofs}..+${dst.nBits}]`;
      } else {
        const v = randomValue(r, f);
        const sp = ACCESS[f.id].space;
        // Whole spaces hold what fits in their words (N_WORDS * 32 bits).
        const kept = BigInt.asUintN(32 * N_WORDS[sp], v);
        s.setSpace(sp, v);
        m.v[sp] = kept;
        what = `setSpace ${sp} 0x${v.toString(16)}`;
      }
      const ref = randomRef(r, f);
      expect(s.get(f), `${what}: get ${f.name}`).toBe(m.get(f));
      expect(s.getSub(ref), `${what}: getSub ${f.name}[${ref.ofs}..+${ref.nBits}]`).toBe(m.getSub(ref));
      if (i % 97 === 0) expectSame(s, m, what);
    }
    expectSame(s, m, 'at the end');
    // The word paths were exercised, not only the bigint ones.
    expect(inWord).toBeGreaterThan(5000);
  });

  it('a subfield reaching past its field writes and reads only the field\'s bits', () => {
    const tpSrc = FIELDS.find((f) => f.name === 'tp_src')!;
    const s = new PacketState();
    s.setSub({ field: tpSrc, ofs: 12, nBits: 8 }, 0xffn);
    expect(s.space(SP.tp_src)).toBe(0xf000n);
    s.setSpace(SP.tp_src, 0xfffffn);
    expect(s.getSub({ field: tpSrc, ofs: 12, nBits: 8 })).toBe(0xfn);
    // dl_src is 48 bits: bits 48.. of its second word are no field's.
    const dlSrc = FIELDS.find((f) => f.name === 'dl_src')!;
    s.setSub({ field: dlSrc, ofs: 44, nBits: 8 }, 0xffn);
    expect(s.space(SP.dl_src)).toBe(0xf00000000000n);
  });

  it('clone, assign and equals copy and compare every space, tun_metadata included', () => {
    const a = new PacketState();
    a.set(FIELDS.find((f) => f.name === 'reg3')!, 0xdeadbeefn);
    a.set(FIELDS.find((f) => f.name === 'tun_metadata5')!, 0x1234n);
    const b = a.clone();
    expect(b.equals(a)).toBe(true);
    b.set(FIELDS.find((f) => f.name === 'tun_metadata5')!, 0x1235n);
    expect(b.equals(a)).toBe(false);
    expect(a.get(FIELDS.find((f) => f.name === 'tun_metadata5')!)).toBe(0x1234n);
    b.assign(a);
    expect(b.equals(a)).toBe(true);
    b.set(FIELDS.find((f) => f.name === 'reg3')!, 1n);
    expect(b.equals(a)).toBe(false);
    expect(a.get(FIELDS.find((f) => f.name === 'reg3')!)).toBe(0xdeadbeefn);
  });

  it('the constructor takes one bigint per space; tun_metadata deletion and presence use the present bits', () => {
    const values = new Array<bigint>(N_SPACES).fill(0n);
    values[SP.ipv6_src] = 0x20010db8000000000000000000000001n;
    values[SP.tun_metadata0] = 0xabcn;
    values[SP.tun_md_present] = 1n;
    const s = new PacketState(values);
    expect(s.space(SP.ipv6_src)).toBe(values[SP.ipv6_src]);
    expect(s.word(SP.ipv6_src, 3)).toBe(0x20010db8);
    expect(s.word(SP.tun_metadata0, 0)).toBe(0xabc);
    expect(s.tunMetadataPresent(0)).toBe(true);
    s.deleteTunMetadata(0);
    expect(s.tunMetadataPresent(0)).toBe(false);
    expect(s.space(SP.tun_metadata0)).toBe(0n);
    s.set(FIELDS.find((f) => f.name === 'tun_metadata40')!, 7n);
    expect(s.tunMetadataPresent(40)).toBe(true);
    expect(s.space(SP.tun_md_present)).toBe(1n << 40n);
    s.clearTunnel();
    expect(s.space(SP.tun_md_present)).toBe(0n);
    expect(s.get(FIELDS.find((f) => f.name === 'tun_metadata40')!)).toBe(0n);
    expect(s.equals(new PacketState(new Array<bigint>(N_SPACES).fill(0n).map((x, i) => (i === SP.ipv6_src ? values[SP.ipv6_src] : x))))).toBe(true);
  });
});
