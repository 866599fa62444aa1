import type { CommandStatus } from '../collect/transport.js';

/** Bumped whenever a reader of an older ovnscope could misread the layout. */
export const SNAPSHOT_FORMAT = 'ovnscope-snapshot';
export const SNAPSHOT_FORMAT_VERSION = 1;

export interface ManifestCommand {
  /** Stable id, also the file name stem: hosts/<host>/<id>.out. */
  readonly id: string;
  /** The command proper, as on the allow-list (without wrapper). */
  readonly argv: readonly string[];
  /** What was actually executed, wrapper included. */
  readonly executed: readonly string[];
  readonly required: boolean;
  readonly status: CommandStatus;
  readonly exitCode: number | null;
  readonly durationMs: number;
  /** Snapshot-relative path of stdout: `.out` when the command completed, `.out.partial` when cut off. */
  readonly file?: string;
  readonly bytes: number;
  readonly sha256?: string;
  /** Snapshot-relative path of stderr when it was not empty. */
  readonly errFile?: string;
  /** Size and sha256 of `errFile` (collections since 0.2; older manifests list the file only). */
  readonly errBytes?: number;
  readonly errSha256?: string;
  readonly error?: string;
}

export interface ManifestHost {
  readonly name: string;
  readonly transport: string;
  readonly wrapper: readonly string[];
  /** ok: every required command succeeded; partial: some failed; unreachable: none could run. */
  readonly status: 'ok' | 'partial' | 'unreachable';
  readonly error?: string;
  readonly bridges: readonly string[];
  readonly commands: readonly ManifestCommand[];
}

export interface Manifest {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly formatVersion: number;
  readonly toolVersion: string;
  readonly created: string;
  readonly finished: string;
  /** False when anything required is missing; `missing` lists what, in words. */
  readonly complete: boolean;
  readonly interrupted: boolean;
  readonly missing: readonly string[];
  readonly options: Record<string, unknown>;
  readonly hosts: readonly ManifestHost[];
  /** NB/SB listings, collected through `ovn.via`. */
  readonly central?: { readonly via: string; readonly nb?: string; readonly sb?: string; readonly commands: readonly ManifestCommand[] };
}
