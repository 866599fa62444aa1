import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditBgp } from '../../src/services/bgp.js';
import { runDoctor } from '../../src/services/doctor.js';
import { auditMtu } from '../../src/services/mtu.js';
import { auditOffload } from '../../src/services/offload.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { knownHosts, openSnapshot, validateManifest } from '../../src/snapshot/reader.js';
import { loadOffload } from '../../src/snapshot/load-offload.js';
import { packSnapshot, unpackFixture } from '../../src/snapshot/pack.js';
import { pack } from '../../src/services/fixture.js';
import { renderSnapshotSummary } from '../../src/render/snapshot.js';
import { showSnapshot } from '../../src/services/snapshot-show.js';
import { copyFixture } from '../harness/fixture-copy.js';

async function snapshotWith(manifest: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ovnscope-reader-'));
  await writeFile(join(dir, 'manifest.json'), manifest);
  return dir;
}

describe('snapshot reader', () => {
  it('says what is wrong with a missing, garbage or foreign manifest', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'ovnscope-reader-'));
    await mkdir(join(empty, 'hosts'));
    const cases: [string, RegExp][] = [
      [empty, /manifest\.json is missing/],
      [await snapshotWith('{"format": "ovnscope-snapshot", "formatVer'), /not valid JSON/],
      [await snapshotWith('{"format": "sosreport"}'), /"format" is "sosreport"/],
      [await snapshotWith('{"format": "ovnscope-snapshot", "formatVersion": 99, "hosts": []}'), /newer than this ovnscope understands/],
      [await snapshotWith('{"format": "ovnscope-snapshot", "formatVersion": 1, "hosts": [{"commands": []}]}'), /hosts\[0\] has no name/],
      ['/nonexistent/snap', /no such snapshot directory/],
    ];
    for (const [dir, message] of cases) {
      const r = await openSnapshot(dir);
      expect(r.ok, dir).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(message);
    }
  });

  it('never throws on arbitrary JSON as a manifest (fuzz)', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
        expect(typeof validateManifest(v).ok).toBe("boolean");
      }), { numRuns: 1000 });
  });
});

describe('hosts named on the command line', () => {
  const FIXTURE = join(import.meta.dirname, '../../fixtures/lb-nat-3chassis');

  it('are checked against the manifest: unknown ones named, with the hosts the snapshot has', () => {
    const manifest = { hosts: [{ name: 'hv1' }, { name: 'hv2' }] };
    expect(knownHosts(manifest, undefined).ok).toBe(true);
    expect(knownHosts(manifest, ['hv2', 'hv2']).ok).toBe(true);
    const r = knownHosts(manifest, ['hv9', 'hv1', 'hv8']);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe('host hv9, hv8 is not in the snapshot (it has: hv1, hv2)');
  });

  it('are refused the same way by doctor, bgp, offload, mtu and the loader', async () => {
    const refusals = [
      runDoctor({ snapshot: FIXTURE, hosts: ['nope'] }),
      auditBgp({ snapshot: FIXTURE, hosts: ['nope'] }),
      auditOffload({ snapshot: FIXTURE, hosts: ['nope'] }),
      auditMtu({ snapshot: FIXTURE, hosts: ['nope'], all: true }),
      loadSnapshot(FIXTURE, { hosts: ['nope'] }),
    ];
    for (const r of await Promise.all(refusals)) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/^host nope is not in the snapshot \(it has: hv1, hv2, hv3\)$/);
    }
  });
});

describe('outputs are checked against the manifest as they are read', () => {
  const L3 = join(import.meta.dirname, '../../fixtures/l3-acl');
  const HV1_FLOWS = 'hosts/hv1/ovs-ofctl.dump-flows.br-int.out';
  const HV1_IFACES = 'hosts/hv1/ovs-vsctl.list.Interface.out';
  const HV2_FLOWS = 'hosts/hv2/ovs-ofctl.dump-flows.br-int.out';

  async function loadedDiagnostics(dir: string) {
    const r = await loadSnapshot(dir, { cache: { enabled: false } });
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  }

  it('an intact snapshot has no damage diagnostics', async () => {
    const s = await loadedDiagnostics(copyFixture('l3-acl'));
    expect(s.diagnostics.filter((d) => d.damage)).toEqual([]);
  });

  it('a listed file that is missing is an error naming host and file, and reads as not collected', async () => {
    const dir = copyFixture('l3-acl');
    rmSync(join(dir, HV1_FLOWS));
    rmSync(join(dir, HV1_IFACES));
    const s = await loadedDiagnostics(dir);
    const damaged = s.diagnostics.filter((d) => d.damage);
    expect(damaged.map((d) => [d.severity, d.host, d.file, d.damage])).toEqual(
      expect.arrayContaining([
        ['error', 'hv1', HV1_FLOWS, 'missing'],
        ['error', 'hv1', HV1_IFACES, 'missing'],
      ]),
    );
    expect(damaged).toHaveLength(2);
    expect(damaged[0]!.message).toMatch(/missing — the file was removed after collection/);
    expect(s.hosts.find((h) => h.name === 'hv1')!.interfaces).toEqual([]);
  });

  it('a file cut at a line boundary is a size error saying "truncated?"', async () => {
    const dir = copyFixture('l3-acl');
    const full = readFileSync(join(L3, HV2_FLOWS), 'utf8');
    const cut = full.split('\n').slice(0, 300).join('\n') + '\n';
    writeFileSync(join(dir, HV2_FLOWS), cut);
    const s = await loadedDiagnostics(dir);
    const damaged = s.diagnostics.filter((d) => d.damage);
    expect(damaged).toHaveLength(1);
    expect(damaged[0]).toMatchObject({ severity: 'error', host: 'hv2', file: HV2_FLOWS, damage: 'size' });
    expect(damaged[0]!.message).toContain(`${Buffer.byteLength(cut)} bytes where the manifest recorded ${Buffer.byteLength(full)}`);
    expect(damaged[0]!.message).toContain('truncated?');
  });

  it('a file edited in place (same size) is a digest error', async () => {
    const dir = copyFixture('l3-acl');
    const text = readFileSync(join(L3, HV2_FLOWS), 'utf8');
    const edited = text.replace('priority=100', 'priority=101');
    expect(edited.length).toBe(text.length);
    expect(edited).not.toBe(text);
    writeFileSync(join(dir, HV2_FLOWS), edited);
    const s = await loadedDiagnostics(dir);
    const damaged = s.diagnostics.filter((d) => d.damage);
    expect(damaged.map((d) => [d.severity, d.host, d.file, d.damage])).toEqual([['error', 'hv2', HV2_FLOWS, 'digest']]);
    expect(damaged[0]!.message).toMatch(/sha256 .*changed after collection/);
  });

  it('the other audits report damage in their diagnostics too', async () => {
    const dir = copyFixture('l3-acl');
    rmSync(join(dir, HV1_IFACES));
    const doctor = await runDoctor({ snapshot: dir });
    const mtu = await auditMtu({ snapshot: dir, all: true });
    const offload = await auditOffload({ snapshot: dir });
    for (const r of [doctor, mtu, offload]) {
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.value.diagnostics.filter((d) => d.damage).map((d) => [d.host, d.file])).toEqual([['hv1', HV1_IFACES]]);
    }
  });
});

describe('stderr files (.err) are checked against the manifest as they are read', () => {
  const L3 = join(import.meta.dirname, '../../fixtures/l3-acl');
  const ERR = 'hosts/hv1/devlink.eswitch.err';
  const STDERR = 'Error: devlink: no devices found\n';

  /** A copy of l3-acl whose hv1 ran `devlink dev eswitch show` and failed, its stderr kept (recorded with size and digest unless `legacy`). */
  function withFailedDevlink(legacy = false): string {
    const dir = mkdtempSync(join(tmpdir(), 'ovnscope-err-'));
    cpSync(L3, dir, { recursive: true });
    rmSync(join(dir, '.cache'), { recursive: true, force: true });
    const mf = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8'));
    m.hosts[0].commands.push({
      id: 'devlink.eswitch', argv: ['devlink', '-j', 'dev', 'eswitch', 'show'], executed: ['devlink', '-j', 'dev', 'eswitch', 'show'], required: false,
      status: 'failed', exitCode: 1, durationMs: 3, bytes: 0, errFile: ERR, error: 'exit 1',
      ...(legacy ? {} : { errBytes: Buffer.byteLength(STDERR), errSha256: createHash('sha256').update(STDERR).digest('hex') }),
    });
    writeFileSync(mf, JSON.stringify(m));
    writeFileSync(join(dir, ERR), STDERR);
    return dir;
  }
  const offloadOf = async (dir: string) => {
    const src = await openSnapshot(dir);
    if (!src.ok) throw new Error(src.error.message);
    return loadOffload(src.value);
  };

  it('an intact .err is read as the command said it, with no damage', async () => {
    const o = await offloadOf(withFailedDevlink());
    expect(o.hosts.find((h) => h.host === 'hv1')!.devlink).toEqual({ error: 'exit 1\nError: devlink: no devices found' });
    expect(o.diagnostics.filter((d) => d.damage)).toEqual([]);
  });

  it('an edited, cut or missing .err is a damage diagnostic naming host and file', async () => {
    const edited = withFailedDevlink();
    writeFileSync(join(edited, ERR), STDERR.replace('no', 'NO'));
    const cut = withFailedDevlink();
    writeFileSync(join(cut, ERR), STDERR.slice(0, 10));
    const gone = withFailedDevlink();
    rmSync(join(gone, ERR));
    const damage = async (dir: string) => (await offloadOf(dir)).diagnostics.filter((d) => d.damage).map((d) => [d.severity, d.host, d.file, d.damage]);
    expect(await damage(edited)).toEqual([['error', 'hv1', ERR, 'digest']]);
    expect(await damage(cut)).toEqual([['error', 'hv1', ERR, 'size']]);
    expect(await damage(gone)).toEqual([['error', 'hv1', ERR, 'missing']]);
  });

  it('a manifest from before errBytes/errSha256: a missing .err is still found', async () => {
    const gone = withFailedDevlink(true);
    rmSync(join(gone, ERR));
    expect((await offloadOf(gone)).diagnostics.filter((d) => d.damage).map((d) => [d.file, d.damage])).toEqual([[ERR, 'missing']]);
  });

  it('a redacted pack records the rewritten .err with its new size and sha256: the replayed fixture is intact', async () => {
    const dir = withFailedDevlink();
    const withIp = 'Error: devlink: no devices found on 192.168.0.1\n';
    const mf = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8'));
    Object.assign(m.hosts[0].commands.at(-1), { errBytes: Buffer.byteLength(withIp), errSha256: createHash('sha256').update(withIp).digest('hex') });
    writeFileSync(mf, JSON.stringify(m));
    writeFileSync(join(dir, ERR), withIp);
    const work = mkdtempSync(join(tmpdir(), 'ovnscope-err-redact-'));
    const r = await pack({ snapshot: dir, out: join(work, 'r.tar.gz'), redact: {} });
    if (!r.ok) throw new Error(r.error.message);
    const u = await unpackFixture(join(work, 'r.tar.gz'), join(work, 'u'));
    if (!u.ok) throw new Error(u.error.message);
    const o = await offloadOf(join(work, 'u'));
    expect(o.diagnostics.filter((d) => d.damage)).toEqual([]);
    const devlink = o.hosts.map((h) => h.devlink).find((d) => d !== undefined) as { error: string }; // host names are redacted too
    expect(devlink.error).toMatch(/^exit 1\nError: devlink: no devices found on \d+\.\d+\.\d+\.\d+$/);
    expect(devlink.error).not.toContain('192.168.0.1');
  });

  it('fixture pack refuses a snapshot whose .err changed after collection', async () => {
    const edited = withFailedDevlink();
    writeFileSync(join(edited, ERR), STDERR.replace('no', 'NO'));
    const out = join(mkdtempSync(join(tmpdir(), 'ovnscope-err-pack-')), 'x.tar.gz');
    const r = await packSnapshot(edited, out);
    expect(!r.ok && r.error.message).toMatch(/hosts\/hv1\/devlink\.eswitch\.err: its sha256 is not the one the manifest recorded/);
  });
});

describe('manifest entries are validated when the snapshot is opened', () => {
  const L3 = join(import.meta.dirname, '../../fixtures/l3-acl');

  /** A copy of l3-acl whose manifest went through `edit`; a file outside it to be (not) read. */
  function withManifest(edit: (m: { hosts: { name: string; commands: unknown[] }[]; central: { commands: unknown[] } }) => void): string {
    const parent = mkdtempSync(join(tmpdir(), 'ovnscope-manifest-'));
    const dir = join(parent, 'snap');
    cpSync(L3, dir, { recursive: true });
    rmSync(join(dir, '.cache'), { recursive: true, force: true });
    writeFileSync(join(parent, 'outside.out'), 'SECRET outside the snapshot\n');
    const mf = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8'));
    edit(m);
    writeFileSync(mf, JSON.stringify(m));
    return dir;
  }
  const setFile = (id: string, file: unknown) => (m: { hosts: { name: string; commands: unknown[] }[] }) => {
    for (const c of m.hosts[0]!.commands as { id: string; file?: unknown }[]) if (c.id === id) c.file = file;
  };

  it('malformed entries are usage errors (exit 2) naming the entry, not TypeErrors', async () => {
    const cases: [(m: { hosts: { name: string; commands: unknown[] }[]; central: { commands: unknown[] } }) => void, string][] = [
      [(m) => (m.hosts[0]!.commands[0] = null), 'hosts[0].commands[0]: expected an object'],
      [(m) => (m.hosts[0]!.commands[2] = 'ovs-vsctl.version'), 'hosts[0].commands[2]: expected an object'],
      [setFile('ovs-vsctl.list.Interface', 123), 'hosts[0].commands[6].file: expected a string, got 123'],
      [(m) => ((m.hosts[0]!.commands[0] as Record<string, unknown>).id = 7), 'hosts[0].commands[0].id: expected a non-empty string'],
      [(m) => ((m.hosts[0]!.commands[1] as Record<string, unknown>).bytes = 'many'), 'hosts[0].commands[1].bytes: expected a byte count, got "many"'],
      [(m) => ((m.hosts[1]! as unknown as Record<string, unknown>).bridges = 'br-int'), 'hosts[1].bridges: expected an array of strings'],
      [(m) => (m.central.commands[0] = null), 'central.commands[0]: expected an object'],
      [(m) => ((m as unknown as Record<string, unknown>).missing = [1]), 'missing[0]: expected a string'],
    ];
    for (const [edit, message] of cases) {
      const r = await openSnapshot(withManifest(edit));
      expect(r.ok, message).toBe(false);
      if (!r.ok) {
        expect(r.error.message).toBe(`${r.error.message.split(': ')[0]}: ${message}`);
        expect(r.error.message.split(': ')[0]).toMatch(/manifest\.json$/);
        expect(r.error.exitCode).toBe(2);
      }
    }
  });

  it('an output path outside the snapshot (or outside its host) is refused before anything is read', async () => {
    const escapes: [string, unknown][] = [
      ['ovs-vsctl.list.Interface', 'hosts/hv1/../../../outside.out'],
      ['ovs-vsctl.list.Interface', '/etc/passwd'],
      ['ovs-vsctl.list.Interface', 'hosts/hv2/ovs-vsctl.list.Interface.out'],
      ['ovs-vsctl.list.Interface', 'hosts/hv1/./ovs-vsctl.list.Interface.out'],
      ['ovs-vsctl.list.Interface', 'central/ovn-sbctl.list.Chassis.out'],
    ];
    for (const [id, file] of escapes) {
      const dir = withManifest(setFile(id, file));
      const r = await openSnapshot(dir);
      expect(r.ok, String(file)).toBe(false);
      if (r.ok) continue;
      expect(r.error.message).toContain(`hosts[0].commands[6].file: ${JSON.stringify(file)} is not a path inside the snapshot's hosts/hv1/ directory`);
      expect(r.error.exitCode).toBe(2);
      const mtu = await auditMtu({ snapshot: dir, all: true });
      expect(mtu.ok).toBe(false);
    }
    const central = await openSnapshot(withManifest((m) => ((m.central.commands[0] as Record<string, unknown>).file = 'hosts/hv1/ovs-vsctl.version.out')));
    expect(!central.ok && central.error.message).toMatch(/central\.commands\[0\]\.file: .* is not a path inside the snapshot's central\/ directory/);
    // The unedited copy opens (the checks are not simply refusing everything).
    expect((await openSnapshot(withManifest(() => undefined))).ok).toBe(true);
  });
});

describe('a damaged file: the reader says what is wrong once, each place shows it under its own heading', () => {
  it('fixture pack lists it after the file name, doctor C8 under "damaged:" or "missing:", snapshot show after the file name', async () => {
    const dir = copyFixture('l3-acl');
    const cut = 'hosts/hv2/ovs-ofctl.dump-flows.br-int.out';
    const full = readFileSync(join(dir, cut));
    writeFileSync(join(dir, cut), full.subarray(0, 1000));
    // Same size, other content: one counter changed.
    const edited = 'hosts/hv1/ovs-ofctl.dump-flows.br-int.out';
    const text = readFileSync(join(dir, edited), 'utf8');
    expect(text).toContain('n_packets=0');
    writeFileSync(join(dir, edited), text.replace('n_packets=0', 'n_packets=9'));
    const gone = 'hosts/hv1/ovs-vsctl.list.Interface.out';
    const goneBytes = readFileSync(join(dir, gone)).length;
    rmSync(join(dir, gone));

    const sizeDetail = `1000 bytes where the manifest recorded ${full.length} — the file changed after collection (truncated?); what is read from it is not what the host printed`;
    const digestDetail = 'its sha256 is not the one the manifest recorded (same size, other content) — the file changed after collection; what is read from it is not what the host printed';
    const goneDetail = `listed in the manifest (${goneBytes} bytes) but missing — the file was removed after collection; ovs-vsctl.list.Interface reads as not collected`;

    // The reader: the diagnostic's message is the detail under the "damaged: " heading.
    const loaded = await loadSnapshot(dir, { cache: { enabled: false } });
    if (!loaded.ok) throw new Error(loaded.error.message);
    const byFile = new Map(loaded.value.diagnostics.filter((d) => d.damage).map((d) => [d.file, [d.message, d.damageDetail]]));
    expect(Object.fromEntries(byFile)).toEqual({
      [cut]: [`damaged: ${sizeDetail}`, sizeDetail],
      [edited]: [`damaged: ${digestDetail}`, digestDetail],
      [gone]: [`damaged: ${goneDetail}`, goneDetail],
    });

    // fixture pack: every damaged file, the file name then what is wrong (pack checks presence itself).
    const packed = await pack({ snapshot: dir, out: join(mkdtempSync(join(tmpdir(), 'ovnscope-pack-')), 'f.tar.gz') });
    expect(packed.ok).toBe(false);
    const lines = (!packed.ok && packed.error.message.split('\n')) || [];
    expect(lines).toEqual(expect.arrayContaining([`  ${edited}: ${digestDetail}`, `  ${cut}: ${sizeDetail}`, `  ${gone}: listed in the manifest but missing`]));

    // doctor C8: a changed file under "damaged:", a missing one under "missing:".
    const doctor = await runDoctor({ snapshot: dir });
    if (!doctor.ok) throw new Error(doctor.error.message);
    const c8 = Object.fromEntries(doctor.value.findings.filter((f) => f.id === 'C8').map((f) => [f.subject, f.message]));
    expect(c8).toEqual({
      [cut]: `damaged: ${sizeDetail}; the checks that read it are n/a or partial`,
      [edited]: `damaged: ${digestDetail}; the checks that read it are n/a or partial`,
      [gone]: `missing: ${goneDetail}; the checks that read it are n/a or partial`,
    });

    // snapshot show: the host, the file name, then what is wrong.
    const shown = await showSnapshot(dir);
    if (!shown.ok) throw new Error(shown.error.message);
    const showText = renderSnapshotSummary(shown.value, new Chalk({ level: 0 })).split('\n');
    expect(showText).toEqual(expect.arrayContaining([`  hv2: ${cut}: ${sizeDetail}`, `  hv1: ${edited}: ${digestDetail}`, `  hv1: ${gone}: ${goneDetail}`]));
  });
});
