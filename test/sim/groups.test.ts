import { describe, expect, it } from 'vitest';
import { parseOfctlGroups } from '../../src/parse/ofctl-groups.js';
import { compileGroup, hashInt, hashUint64, hashBytes } from '../../src/sim/groups.js';

describe('OVS hash functions (generic build)', () => {
  // The P0/P1 constants next to hash_boolean() in lib/hash.h ("hash_int(1, 0)") predate the
  // murmur-based hash and no longer hold. These values are what OVS 3.1 computes: the live
  // select-group suite (groups.live.test.ts) checks bucket choices made with them.
  it('hash_int matches OVS 3.1 (mhash)', () => {
    expect(hashInt(1, 0)).toBe(3935659133);
    expect(hashInt(2, 0)).toBe(2714478798);
  });
  it('hash_bytes and hash_uint64 are deterministic 32-bit values', () => {
    expect(hashBytes(new Uint8Array([1, 2, 3, 4, 5]), 0)).toBe(hashBytes(new Uint8Array([1, 2, 3, 4, 5]), 0));
    expect(hashUint64(0n)).toBeGreaterThanOrEqual(0);
    expect(hashUint64(1n)).toBeLessThan(2 ** 32);
  });
});

describe('dp_hash select table (Webster method)', () => {
  const group = (text: string) => compileGroup(parseOfctlGroups(text).value.groups[0]);
  it('two equal buckets alternate over 16 hash values', () => {
    const g = group('group_id=1,type=select,selection_method=dp_hash,bucket=bucket_id:0,weight:100,actions=output:1,bucket=bucket_id:1,weight:100,actions=output:2');
    expect(g.method).toBe('dp_hash');
    expect(g.hashMask).toBe(15);
    expect(g.hashMap!.map((b) => b.bucketId)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
  });
  it('weights 3:1 give 12 of 16 slots to the heavy bucket; no selection method uses dp_hash too', () => {
    const g = group('group_id=1,type=select,bucket=bucket_id:0,weight:300,actions=output:1,bucket=bucket_id:1,weight:100,actions=output:2');
    expect(g.method).toBe('dp_hash');
    expect(g.hashMap!.filter((b) => b.bucketId === 0).length).toBe(12);
  });
  it('selection_method=hash with fields uses the fields hash', () => {
    const g = group('group_id=1,type=select,selection_method=hash,fields(ip_src,ip_dst),bucket=bucket_id:0,actions=output:1,bucket=bucket_id:1,actions=output:2');
    expect(g.method).toBe('hash');
  });
});
