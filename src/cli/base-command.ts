import { Command } from '@oclif/core';
import { ExitCode, type UserError } from '../model/result.js';
import { makeStyle } from '../render/style.js';

/** What oclif attaches to the errors it raises (CLIError, parse errors, ExitError). */
interface OclifErrorFields {
  readonly oclif?: { readonly exit?: number };
  readonly code?: string;
}

/** The one shape of an error under --json (documented in the man pages' EXIT STATUS). */
export interface JsonError {
  readonly error: { readonly message: string; readonly exitCode: number };
}

/**
 * The exit code an error ends the process with: the one it carries (user errors, flag-parse
 * errors: 2), otherwise internal — an exception nobody raised on purpose is a bug, and exit 1
 * would read as "a check failed / the packet was dropped".
 */
export function errorExitCode(err: unknown): number {
  const exit = (err as OclifErrorFields | undefined)?.oclif?.exit;
  return typeof exit === 'number' ? exit : ExitCode.internal;
}

/** Shared behaviour: --json via oclif, user errors as messages with the documented exit code. */
export abstract class BaseCommand extends Command {
  protected style = makeStyle();

  /** Prints a user error (no stack) and exits with its code. */
  protected failWith(error: UserError): never {
    this.error(error.message, { exit: error.exitCode });
  }

  /**
   * Every error of every command ends here. oclif's own handler ends --json runs with exit 1 and
   * prints the whole error object (a parse error carries the config, package.json and every
   * command definition): we print {error: {message, exitCode}} and exit with the error's code.
   */
  override async catch(err: Error & OclifErrorFields): Promise<unknown> {
    const exitCode = errorExitCode(err);
    if (!this.jsonEnabled()) {
      // oclif's handler prints the message and exits with err.oclif.exit, 1 when absent.
      if (err instanceof Error && err.oclif?.exit === undefined) Object.assign(err, { oclif: { ...err.oclif, exit: exitCode } });
      return super.catch(err);
    }
    process.exitCode = exitCode;
    if (err?.code === 'EEXIT') return; // this.exit(n): an exit, not an error
    // A bug: its stack goes to stderr for the report, never into the JSON on stdout.
    if (err?.oclif?.exit === undefined && err?.stack) process.stderr.write(err.stack + '\n');
    const message = err instanceof Error ? err.message : String(err);
    this.logJson({ error: { message, exitCode } } satisfies JsonError);
  }

  /**
   * --json output: indented for a person at a terminal, compact when piped (a deep trace tree
   * indented is megabytes of spaces; scripts parse it either way).
   */
  override logJson(json: unknown): void {
    process.stdout.write(JSON.stringify(json, null, process.stdout.isTTY ? 2 : undefined) + '\n');
  }

  /** Writes text to stdout unless --json is active (oclif prints the returned object then). */
  protected print(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }
}
