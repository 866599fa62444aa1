import type { Result } from '../model/result.js';
import { packSnapshot, unpackFixture, type FixtureInfo } from '../snapshot/pack.js';

export interface PackRequest {
  readonly snapshot: string;
  readonly out: string;
  readonly hosts?: readonly string[];
}

export function pack(req: PackRequest): Promise<Result<FixtureInfo>> {
  return packSnapshot(req.snapshot, req.out, { hosts: req.hosts });
}

export function unpack(file: string, out: string): Promise<Result<FixtureInfo>> {
  return unpackFixture(file, out);
}
