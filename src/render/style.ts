import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Colour only for a human at a terminal: NO_COLOR (any value) and non-TTY output turn it off,
 * FORCE_COLOR turns it on (https://no-color.org).
 */
export function makeStyle(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  let level: 0 | 1 | 2 | 3 = stream.isTTY ? 2 : 0;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') level = 0;
  else if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') level = 2;
  return new Chalk({ level });
}
