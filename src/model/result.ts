/** Errors the user can cause are values (DESIGN.md); `Error` is for bugs. */
export interface UserError {
  readonly kind: 'user-error';
  /** What went wrong and what to do about it. */
  readonly message: string;
  /** Process exit code the command should end with (2 usage, 3 incomplete collection, ...). */
  readonly exitCode: number;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: UserError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export function fail(message: string, exitCode = 2): { ok: false; error: UserError } {
  return { ok: false, error: { kind: 'user-error', message, exitCode } };
}

/** Exit codes documented in man/ovnscope.1. */
export const ExitCode = {
  ok: 0,
  findingOrDrop: 1,
  usage: 2,
  incomplete: 3,
  internal: 4,
} as const;
