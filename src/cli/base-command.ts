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

  /** Writes text to stdout unless --json is active (oclif prints the returned object then). */
  protected print(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }
}
