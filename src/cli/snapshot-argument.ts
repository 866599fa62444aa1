import { fail, ok, type Result } from '../model/result.js';

/**
 * The snapshot a command works on: --snapshot like every other command, or the positional argument
 * some commands took first (kept so existing scripts go on working). Both naming different
 * snapshots is a usage error rather than a silent choice of one; neither is one too.
 * `command` and `positional` name them in the message ("snapshot show", "DIR").
 */
export function snapshotArgument(flag: string | undefined, arg: string | undefined, names: { readonly command: string; readonly positional: string; readonly what?: string }): Result<string> {
  if (flag !== undefined && arg !== undefined && flag !== arg) return fail(`${names.command}: --snapshot ${flag} and ${names.positional} ${arg} name different ${names.what ?? 'snapshot'}s; give one of them`);
  const chosen = flag ?? arg;
  return chosen === undefined ? fail(`${names.command}: which ${names.what ?? 'snapshot'}? Give --snapshot ${names.positional} (or ${names.positional})`) : ok(chosen);
}
