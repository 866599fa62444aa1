import { Command } from '@oclif/core';
import type { UserError } from '../model/result.js';
import { makeStyle } from '../render/style.js';

/** Shared behaviour: --json via oclif, user errors as messages with the documented exit code. */
export abstract class BaseCommand extends Command {
  protected style = makeStyle();

  /** Prints a user error (no stack) and exits with its code. */
  protected failWith(error: UserError): never {
    this.error(error.message, { exit: error.exitCode });
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
