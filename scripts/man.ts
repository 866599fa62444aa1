/**
 * Generates man/ovnscope.1 and man/ovnscope-<command>.1 from the oclif command metadata, so the
 * man pages cannot drift from --help. `npm run man` writes them; test/man.test.ts fails when the
 * committed pages differ from what this generates.
 */
import { Config, type Command } from '@oclif/core';

import type { ManSection } from '../src/cli/man-section.js';

export type { ManSection };

const DATE = 'ovnscope';

const JSON_ERRORS = `With --json, an error is one JSON object on standard output, {"error": {"message": "...", "exitCode": N}}, and the process exits with that N (never 1 for an error: 1 is a failed check or a dropped packet); details of an internal error go to standard error only.`;

function esc(text: string): string {
  return text.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1').replace(/-/g, '\\-');
}

function paragraphs(body: string): string {
  const out: string[] = [];
  for (const block of body.trim().split(/\n\s*\n/)) {
    // Runs of lines indented by two spaces are literal (examples, YAML); the rest is prose.
    let prose: string[] = [];
    let literal: string[] = [];
    const flush = () => {
      if (prose.length) out.push('.PP', esc(prose.join(' ').replace(/\s+/g, ' ').trim()));
      if (literal.length) out.push('.PP', '.nf', '.RS 4', ...literal.map((l) => esc(l.slice(2))), '.RE', '.fi');
      prose = [];
      literal = [];
    };
    for (const line of block.split('\n')) {
      if (/^ {2}/.test(line)) {
        if (prose.length) flush();
        literal.push(line);
      } else {
        if (literal.length) flush();
        prose.push(line);
      }
    }
    flush();
  }
  return out.join('\n');
}

function substitute(text: string, bin: string): string {
  return text.replace(/<%= config\.bin %>/g, bin).replace(/<%= command\.id %>/g, '');
}

type Loaded = Command.Class & { manSections?: readonly ManSection[] };

function commandPage(bin: string, cmd: Command.Loadable, loaded: Loaded, version: string): string {
  const words = cmd.id.split(':');
  const name = `${bin}-${words.join('-')}`;
  const lines: string[] = [];
  lines.push(`.TH ${esc(name.toUpperCase())} 1 "${DATE}" "ovnscope ${version}" "ovnscope manual"`);
  lines.push('.SH NAME', `${esc(name)} \\- ${esc(cmd.summary ?? '')}`);
  lines.push('.SH SYNOPSIS', `.B ${esc(`${bin} ${words.join(' ')}`)}`);
  const flags = Object.entries(cmd.flags ?? {}).filter(([, f]) => !f.hidden);
  const args = Object.entries(cmd.args ?? {});
  const synopsis = [
    ...args.map(([n, a]) => (a.required ? n.toUpperCase() : `[${n.toUpperCase()}]`)),
    ...flags.map(([n, f]) => {
      const v = f.type === 'option' ? ` ${(f.helpValue as string | undefined) ?? n.toUpperCase()}` : '';
      return f.required ? `--${n}${v}` : `[--${n}${v}]`;
    }),
  ];
  lines.push(esc(synopsis.join(' ')));
  lines.push('.SH DESCRIPTION', paragraphs(cmd.description ?? cmd.summary ?? ''));
  if (args.length) {
    lines.push('.SH ARGUMENTS');
    for (const [n, a] of args) lines.push('.TP', `.B ${esc(n.toUpperCase())}`, esc(a.description ?? ''));
  }
  if (flags.length) {
    lines.push('.SH OPTIONS');
    for (const [n, f] of flags.sort(([a], [b]) => a.localeCompare(b))) {
      const short = f.char ? `\\-${f.char}, ` : '';
      const v = f.type === 'option' ? ` ${esc((f.helpValue as string | undefined) ?? n.toUpperCase())}` : '';
      const extra: string[] = [];
      if (f.type === 'option' && f.default !== undefined && typeof f.default !== 'function') extra.push(`Default: ${String(f.default)}.`);
      if (f.type === 'option' && f.options) extra.push(`One of: ${f.options.join(', ')}.`);
      if (f.type === 'option' && f.multiple) extra.push('May be given more than once.');
      lines.push('.TP', `.B ${short}\\-\\-${esc(n)}${v}`, esc([f.summary ?? f.description ?? '', ...extra].join(' ').trim()));
    }
  }
  for (const s of loaded.manSections ?? []) lines.push(`.SH ${esc(s.title.toUpperCase())}`, paragraphs(s.body));
  const examples = (cmd.examples ?? []).map((e) => (typeof e === 'string' ? e : e.command));
  if (examples.length) {
    lines.push('.SH EXAMPLES');
    for (const e of examples) lines.push('.PP', '.nf', '.RS 4', esc(substitute(e, bin)), '.RE', '.fi');
  }
  lines.push('.SH EXIT STATUS', '0 ok or delivered; 1 a finding failed or the packet was dropped; 2 usage error; 3 collection incomplete; greater than 3 internal error.', '.PP', esc(JSON_ERRORS));
  lines.push('.SH SEE ALSO', `.BR ${bin} (1)`);
  return lines.join('\n') + '\n';
}

function mainPage(bin: string, commands: Command.Loadable[], version: string): string {
  const lines: string[] = [];
  lines.push(`.TH ${bin.toUpperCase()} 1 "${DATE}" "ovnscope ${version}" "ovnscope manual"`);
  lines.push('.SH NAME', `${bin} \\- trace packets offline through collected OVN/OVS flows and audit GENEVE overlays`);
  lines.push('.SH SYNOPSIS', `.B ${bin}`, '.I command', '[options]');
  lines.push(
    '.SH DESCRIPTION',
    paragraphs(`ovnscope connects to hypervisors, collects ovs-ofctl flows, ovn-sbctl bindings and OVS/OVN state into a snapshot directory (read-only: every command is checked against one allow-list), and then works offline on that snapshot: it lists the flows with the logical flow behind each cookie, replays synthetic packets through the OpenFlow tables, and audits the overlay.

The snapshot is the seam: collection is the only part that touches hosts, everything else is a pure function of a snapshot, so results are reproducible and shareable.`),
  );
  lines.push('.SH COMMANDS');
  for (const c of [...commands].sort((a, b) => a.id.localeCompare(b.id))) {
    lines.push('.TP', `.BR ${bin}\\-${esc(c.id.split(':').join('-'))} (1)`, esc(c.summary ?? ''));
  }
  lines.push(
    '.SH SNAPSHOT FORMAT',
    paragraphs(`A snapshot is a directory:

  manifest.json                    format, formatVersion, toolVersion, created, complete,
                                   missing[], hosts[] (per command: id, argv, executed,
                                   status, exitCode, durationMs, file, bytes, sha256,
                                   errFile, errBytes, errSha256, error)
  hosts/<host>/<command-id>.out    stdout verbatim
  hosts/<host>/<command-id>.err    stderr, when not empty
  hosts/<host>/<id>.out.partial    output of a command that was cut off (never read as data)
  central/<command-id>.out         NB/SB listings collected through ovn.via

It is written to a hidden temporary directory next to the destination and renamed into place when collection ends; an interrupted collection still produces a valid snapshot whose manifest has "complete": false and says what is missing.`),
  );
  lines.push(
    '.SH EXIT STATUS',
    paragraphs(`0: ok, or the packet was delivered.

1: a finding failed, or the packet was dropped or punted to the controller (so scripts can branch on it).

2: usage error (bad flags, unreadable inventory, unparsable flow).

3: collection incomplete (the snapshot was written; its manifest says what is missing).

Greater than 3: internal error (a bug; please report it with the snapshot).

${JSON_ERRORS}`),
  );
  lines.push('.SH ENVIRONMENT', paragraphs('NO_COLOR: when set to any non-empty value, no colour is used. FORCE_COLOR: colour even when output is not a terminal.'));
  return lines.join('\n') + '\n';
}

export async function renderManPages(root: string): Promise<Map<string, string>> {
  const config = await Config.load(root);
  const bin = config.bin;
  const pages = new Map<string, string>();
  const commands = config.commands.filter((c) => !c.hidden);
  pages.set(`${bin}.1`, mainPage(bin, commands, config.version));
  for (const c of commands) {
    const loaded = (await c.load()) as Loaded;
    pages.set(`${bin}-${c.id.split(':').join('-')}.1`, commandPage(bin, c, loaded, config.version));
  }
  return pages;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { mkdir, readdir, rm, writeFile } = await import('node:fs/promises');
  const { join, resolve } = await import('node:path');
  const root = resolve(new URL('..', import.meta.url).pathname);
  const pages = await renderManPages(root);
  await mkdir(join(root, 'man'), { recursive: true });
  for (const f of await readdir(join(root, 'man'))) if (f.endsWith('.1') && !pages.has(f)) await rm(join(root, 'man', f));
  for (const [name, text] of pages) await writeFile(join(root, 'man', name), text);
  // npm installs what package.json "man" lists: keep it equal to the generated set.
  const { readFile } = await import('node:fs/promises');
  const pkgPath = join(root, 'package.json');
  const pkg = JSON.parse(await readFile(pkgPath, 'utf8')) as Record<string, unknown>;
  pkg.man = [...pages.keys()].sort().map((n) => `./man/${n}`);
  await writeFile(pkgPath, JSON.stringify(pkg, null, 2) + '\n');
  console.log(`wrote ${pages.size} man pages to man/`);
}
