// `fixture pack --redact` and what identifies the person who collected and how they connected:
// user names (home directories, user@host), the jump host's name and SSH host-key fingerprints,
// as the SSH transport writes them into manifest errors and as commands print them on stderr.
// The messages below are the transport's own (copied from a collection over loopback sshd hosts
// whose keys had changed, were unknown, or refused the user), with identifying values swapped in.

import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { pack } from '../../src/services/fixture.js';
import type { MappingFile } from '../../src/snapshot/redact.js';
import { unmapText } from '../../src/snapshot/redact-unmap.js';
import { copyFixture } from '../harness/fixture-copy.js';
import { addCentralOutput } from '../harness/fixture-outputs.js';

const FP_CHANGED_NEW = 'SHA256:qUYi3Ztn3fTK+7XKoaM6woK8CLVPNSkvKVoHaioVU2A';
const FP_CHANGED_OLD = 'SHA256:8rAVFRMxlgKabgpV0KxxofNgNCmxKY4Qw1mwWORxaCA';
const FP_UNKNOWN = 'SHA256:5oJAz/KLJ2+wqH4UNM1MZ4LoUjMpB3ggS3s/WmBCbF4';
const FP_MD5 = 'MD5:0a:00:01:01:00:11:de:ad:be:ef:12:34:56:78:9a:bc';
const BASTION = 'jump-bastion.corp.example';

const CHANGED = [
  '@'.repeat(59),
  '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
  '@'.repeat(59),
  `root@10.20.0.3:22: the host key for 10.20.0.3 is not the one in known_hosts. Someone could be eavesdropping (man-in-the-middle), or the host was reinstalled.`,
  `The server offered ssh-ed25519 ${FP_CHANGED_NEW}; known_hosts has /home/alice.smith/.ssh/known_hosts:5 (ssh-ed25519 ${FP_CHANGED_OLD}).`,
  `ovnscope never connects to a host whose key changed (not even with --accept-new). If the change is expected, remove the old entry with: ssh-keygen -R '10.20.0.3' -f '/home/alice.smith/.ssh/known_hosts'`,
].join('\n');
const UNKNOWN = `ops-alice@${BASTION}:2222 (jump host 1 of 1 for hv4): host key not known. The server offered ssh-ed25519 ${FP_UNKNOWN}, and no known_hosts file (/home/alice.smith/.ssh/known_hosts, /etc/ssh/ssh_known_hosts) has a key for [${BASTION}]:2222. Check the fingerprint out of band, then run again with --accept-new (like StrictHostKeyChecking=accept-new), or add it with: ssh-keyscan -p 2222 ${BASTION} >> /home/alice.smith/.ssh/known_hosts`;
const REFUSED = `bob-admin@10.20.0.5:22: authentication refused. Tried /Users/bob-admin/.ssh/id_ed25519. The server accepts: publickey. Load the right key into ssh-agent or set IdentityFile for this host in ssh_config.`;
const STDERR = `Warning: the ${FP_MD5.slice(0, 3)} key fingerprint is ${FP_MD5}.\nCould not open /home/alice.smith/.config/ovn/ovnnb.crt: No such file\n`;

/** Every identifying string planted, with what it is. */
const IDENTIFYING: readonly string[] = ['alice.smith', 'ops-alice', 'bob-admin', BASTION, 'corp.example', FP_CHANGED_NEW, FP_CHANGED_OLD, FP_UNKNOWN, FP_MD5, FP_MD5.slice(4), ...[FP_CHANGED_NEW, FP_CHANGED_OLD, FP_UNKNOWN].map((f) => f.slice(7))];

interface ManifestCommand { id: string; file?: string; errFile?: string; errBytes?: number; errSha256?: string; [k: string]: unknown }
interface ManifestHost { name: string; commands: ManifestCommand[]; [k: string]: unknown }

/** l3-acl plus three hosts the collection could not reach and a stderr file with a home path and an MD5 fingerprint. */
function snapshotWithSshErrors(): string {
  const dir = copyFixture('l3-acl');
  const path = join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(path, 'utf8')) as { complete: boolean; missing: string[]; hosts: ManifestHost[] };
  const unreachable = (name: string, error: string): ManifestHost => ({
    name, transport: 'ssh', wrapper: [], status: 'unreachable', error, bridges: [],
    commands: [{ id: 'ovs-vsctl.version', argv: ['ovs-vsctl', '--version'], required: true, executed: ['ovs-vsctl', '--version'], status: 'transport-error', exitCode: null, durationMs: 139, bytes: 0, error }],
  });
  m.hosts.push(unreachable('hv3', CHANGED), unreachable('hv4', UNKNOWN), unreachable('hv5', REFUSED));
  m.missing.push(`host hv3: ${CHANGED}`, `host hv4: ${UNKNOWN}`, `host hv5: ${REFUSED}`);
  m.complete = false;
  const cmd = m.hosts[0]!.commands.find((c) => c.id === 'ovs-vsctl.version')!;
  const errFile = cmd.file!.replace(/\.out$/, '.err');
  writeFileSync(join(dir, errFile), STDERR);
  Object.assign(cmd, { errFile, errBytes: Buffer.byteLength(STDERR), errSha256: createHash('sha256').update(STDERR).digest('hex') });
  writeFileSync(path, JSON.stringify(m, null, 2));
  return dir;
}

async function packAndRead(src: string, work: string, name: string): Promise<{ text: string; mapping: MappingFile }> {
  const out = join(work, `${name}.tar.gz`);
  const r = await pack({ snapshot: src, out, redact: { keywords: [], keyFile: join(work, 'site.key') } });
  if (!r.ok) throw new Error(r.error.message);
  const x = join(work, name);
  await mkdir(x);
  await tar.x({ file: out, cwd: x });
  let text = '';
  for (const f of (readdirSync(x, { recursive: true, encoding: 'utf8' }) as string[]).sort()) if (statSync(join(x, f)).isFile()) text += `\n=== ${f}\n${readFileSync(join(x, f), 'utf8')}`;
  return { text, mapping: JSON.parse(readFileSync(`${out}.mapping.json`, 'utf8')) as MappingFile };
}

describe('fixture pack --redact: who collected, and how they connected', () => {
  it('leaves no user name, jump host name or host-key fingerprint anywhere in the pack, and maps each one token for token', async () => {
    const src = snapshotWithSshErrors();
    const work = await mkdtemp(join(tmpdir(), 'ovnscope-redact-id-'));
    writeFileSync(join(work, 'site.key'), 'k'.repeat(32));
    const { text, mapping } = await packAndRead(src, work, 'a');
    // The planted strings did reach the pack's inputs: the manifest errors and the .err file.
    expect(readFileSync(join(src, 'manifest.json'), 'utf8')).toContain('alice.smith');
    for (const s of IDENTIFYING) expect(text.toLowerCase(), s).not.toContain(s.toLowerCase());

    const users = new Map((mapping.entries.user ?? []).map((e) => [e.original, e.mapped]));
    expect(users).toEqual(new Map([['alice.smith', 'user-1'], ['bob-admin', 'user-2'], ['ops-alice', 'user-3']]));
    const fps = new Map((mapping.entries.fingerprint ?? []).map((e) => [e.original, e.mapped]));
    expect([...fps.keys()].sort()).toEqual([FP_MD5, FP_CHANGED_OLD, FP_UNKNOWN, FP_CHANGED_NEW].sort());
    // The kind of fingerprint stays readable; the value is gone.
    for (const [o, m] of fps) expect(m).toMatch(new RegExp(`^${o.split(':')[0]}:fingerprint-\\d+$`));
    expect(new Set(fps.values()).size).toBe(4);
    expect((mapping.entries.hostname ?? []).find((e) => e.original === BASTION)?.mapped).toMatch(/^host-\d+\.domain-\d+\.example$/);

    // Consistent: every occurrence of an original became its one token (the changed-key message
    // is in the host's error, its command's error and the manifest's missing list).
    const count = (t: string, s: string) => t.split(s).length - 1;
    const manifestOf = (t: string) => t.slice(t.indexOf('manifest.json\n'));
    const origManifest = readFileSync(join(src, 'manifest.json'), 'utf8');
    // (four tokens: fingerprint-1 is no prefix of another.)
    for (const [o, m] of fps) if (o !== FP_MD5) expect(count(manifestOf(text), m), o).toBe(count(origManifest, o));
    expect(count(origManifest, FP_CHANGED_OLD)).toBe(3);
    expect(text).toContain(`known_hosts has /home/${users.get('alice.smith')}/.ssh/known_hosts:5 (ssh-ed25519 ${fps.get(FP_CHANGED_OLD)})`);
    expect(text).toContain(`${users.get('ops-alice')}@${mapping.entries.hostname!.find((e) => e.original === BASTION)!.mapped}:2222 (jump host 1 of 1 for host-`);
    expect(text).toContain(`Tried /Users/${users.get('bob-admin')}/.ssh/id_ed25519.`);
    expect(text).toContain(`fingerprint is ${fps.get(FP_MD5)}.`);
    // The standard account is no one's: kept, so the advice still reads right.
    expect(text).toMatch(/root@10\.\d+\.\d+\.\d+:22: the host key/);

    // Same input, same key: the same tokens (the mapping is deterministic).
    const again = await packAndRead(src, work, 'b');
    expect(again.mapping.entries.user).toEqual(mapping.entries.user);
    expect(again.mapping.entries.fingerprint).toEqual(mapping.entries.fingerprint);

    // And back: fixture unmap restores them.
    const back = unmapText(mapping, `${users.get('alice.smith')} ${fps.get(FP_UNKNOWN)} ${fps.get(FP_MD5)}`);
    expect(back.text).toBe(`alice.smith ${FP_UNKNOWN} ${FP_MD5}`);
  });
});

describe('fixture pack --redact: chassis names only an HA_Chassis row holds', () => {
  it('maps the external_ids:chassis-name of an HA_Chassis whose chassis never registered, like the registered ones', async () => {
    // What northd writes for an HA_Chassis_Group member no SB Chassis row has (chassis empty, the
    // NB name in external_ids:chassis-name), next to members that are registered (hv1, hv2).
    const src = copyFixture('l3-acl');
    const chassisRows = JSON.parse(readFileSync(join(src, 'central/ovn-sbctl.list.Chassis.out'), 'utf8')) as { data: unknown[][]; headings: string[] };
    const col = (n: string) => chassisRows.headings.indexOf(n);
    const registered = chassisRows.data.map((r) => ({ uuid: (r[col('_uuid')] as [string, string])[1], name: r[col('name')] as string }));
    const members = [
      [['uuid', 'a1000000-0000-4000-8000-000000000001'], ['set', []], ['map', [['chassis-name', 'gw-rack7-secret']]], 30],
      ...registered.map((c, i) => [['uuid', `a1000000-0000-4000-8000-00000000001${i}`], ['uuid', c.uuid], ['map', [['chassis-name', c.name]]], 20 - i]),
    ];
    const out = `${JSON.stringify({ data: members, headings: ['_uuid', 'chassis', 'external_ids', 'priority'] })}\n`;
    addCentralOutput(src, 'ovn-sbctl.list.HA_Chassis', { argv: ['ovn-sbctl', '--format=json', 'list', 'HA_Chassis'], out });
    const work = await mkdtemp(join(tmpdir(), 'ovnscope-redact-ha-'));
    writeFileSync(join(work, 'site.key'), 'k'.repeat(32));
    const { text, mapping } = await packAndRead(src, work, 'ha');
    expect(text).toContain('=== ovnscope-fixture/snapshot/central/ovn-sbctl.list.HA_Chassis.out');
    expect(text).not.toContain('gw-rack7-secret');
    const chassis = new Map((mapping.entries.chassis ?? []).map((e) => [e.original, e.mapped]));
    expect(chassis.get('gw-rack7-secret')).toMatch(/^chassis-\d+$/);
    expect(text).toContain(`["chassis-name","${chassis.get('gw-rack7-secret')}"]`);
  });
});
