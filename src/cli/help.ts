import { CommandHelp, Help, type Command } from '@oclif/core';

/**
 * Command help that keeps each line's indentation when it wraps: oclif's wrapper trims it, so the
 * YAML inventory example in `collect --help` came out flat, wrong to copy. A line is wrapped
 * at the width left after its indentation, and every piece keeps that indentation.
 */
class IndentKeepingCommandHelp extends CommandHelp {
  override wrap(body: string, spacing?: number): string {
    return body
      .split('\n')
      .map((line) => {
        const indent = /^[ \t]*/.exec(line)![0];
        if (!indent) return super.wrap(line, spacing);
        return super
          .wrap(line.slice(indent.length), (spacing ?? this.indentSpacing) + indent.length)
          .split('\n')
          .map((piece) => indent + piece)
          .join('\n');
      })
      .join('\n');
  }
}

export default class OvnscopeHelp extends Help {
  protected override getCommandHelpClass(command: Command.Loadable): CommandHelp {
    return new IndentKeepingCommandHelp(command, this.config, this.opts);
  }
}
