// The snapshot writer as the SSH transport drives it: stdout chunks of any size streamed into one
// output file, hashed as they pass. (src/snapshot/writer.ts; here because collection owns the
// per-byte output path.)
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandOutcome } from '../../src/collect/transport.js';
import { SnapshotWriter } from '../../src/snapshot/writer.js';

const root = mkdtempSync(join(tmpdir(), 'ovnscope-writer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newWriter = () => SnapshotWriter.create(join(root, `snap-${++n}`));

const outcome = (status: CommandOutcome['status'], stderr = ''): CommandOutcome => ({ status, exitCode: status === 'ok' ? 0 : status === 'failed' ? 1 : null, durationMs: 1, stderr });

/** Writes chunks with backpressure, as `channel.pipe(stream)` does. */
async function feed(stream: NodeJS.WritableStream, chunks: readonly Buffer[]): Promise<void> {
  for (const c of chunks) if (!stream.write(c)) await new Promise((r) => stream.once('drain', r));
}

describe('snapshot writer: per-command output files', () => {
  it('the file holds exactly the bytes written, and sha256/bytes in the manifest are those of the file (any chunking)', async () => {
    const writer = await newWriter();
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 0, maxLength: 70_000 }), { maxLength: 12 }), async (parts) => {
        const stem = `hosts/hv1/cmd-${++k}`;
        const sink = await writer.open(stem);
        const chunks = parts.map((p) => Buffer.from(p));
        await feed(sink.stream, chunks);
        const r = await sink.finish(outcome('ok'));
        const expected = Buffer.concat(chunks);
        expect(r.file).toBe(`${stem}.out`);
        const onDisk = readFileSync(join(writer.workDir, r.file!));
        expect(onDisk.equals(expected)).toBe(true);
        expect(r.bytes).toBe(onDisk.length);
        expect(r.sha256).toBe(createHash('sha256').update(onDisk).digest('hex'));
      }),
      { numRuns: 40 },
    );
    await writer.abandon();
  });

  it('4 MB in 32 KB channel packets with backpressure: written whole, stream pauses above its buffer', async () => {
    const writer = await newWriter();
    const sink = await writer.open('hosts/hv1/ovs-ofctl.dump-flows.br-int');
    const packet = Buffer.alloc(32 * 1024);
    const chunks = Array.from({ length: 128 }, (_, i) => Buffer.from(packet.fill(i % 251)));
    let refused = 0;
    for (const c of chunks) if (!sink.stream.write(c)) (refused++, await new Promise((r) => sink.stream.once('drain', r)));
    const r = await sink.finish(outcome('ok'));
    expect(refused).toBeGreaterThan(0); // a slow disk slows the channel instead of filling memory
    expect(r.bytes).toBe(4 * 1024 * 1024);
    expect(r.sha256).toBe(createHash('sha256').update(Buffer.concat(chunks)).digest('hex'));
    await writer.abandon();
  });

  it('no stdout: a failed command leaves no file at all (not even a .part), a successful one an empty .out', async () => {
    const writer = await newWriter();
    const pending = await writer.open('hosts/hv1/vtysh.version');
    await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(join(writer.workDir, 'hosts/hv1'))).toEqual([]); // nothing created before the first byte
    const failed = await pending.finish(outcome('unavailable', 'sh: 1: vtysh: not found\n'));
    // The .err is recorded with its size and sha256, so a reader can tell when it changed.
    const stderr = 'sh: 1: vtysh: not found\n';
    expect(failed).toEqual({ file: undefined, bytes: 0, sha256: undefined, errFile: 'hosts/hv1/vtysh.version.err', errBytes: Buffer.byteLength(stderr), errSha256: createHash('sha256').update(stderr).digest('hex') });
    const empty = await (await writer.open('hosts/hv1/ip.nexthop')).finish(outcome('ok'));
    expect(empty).toMatchObject({ file: 'hosts/hv1/ip.nexthop.out', bytes: 0, sha256: createHash('sha256').digest('hex') });
    expect(readdirSync(join(writer.workDir, 'hosts/hv1')).sort()).toEqual(['ip.nexthop.out', 'vtysh.version.err']);
    expect(readFileSync(join(writer.workDir, 'hosts/hv1/vtysh.version.err'), 'utf8')).toBe('sh: 1: vtysh: not found\n');
    await writer.abandon();
  });

  it('output of a command that was cut off is kept as .out.partial without a digest; a failed command with output is complete', async () => {
    const writer = await newWriter();
    const cut = await writer.open('hosts/hv1/dump');
    await feed(cut.stream, [Buffer.from('cookie=0x1, table=0\n')]);
    expect(await cut.finish(outcome('timeout'))).toMatchObject({ file: 'hosts/hv1/dump.out.partial', bytes: 20, sha256: undefined });
    const failed = await writer.open('hosts/hv1/show');
    await feed(failed.stream, [Buffer.from('partial table\n')]);
    expect(await failed.finish(outcome('failed', 'error\n'))).toMatchObject({ file: 'hosts/hv1/show.out', bytes: 14, errFile: 'hosts/hv1/show.err' });
    expect(readdirSync(join(writer.workDir, 'hosts/hv1')).sort()).toEqual(['dump.out.partial', 'show.err', 'show.out']);
    await writer.abandon();
  });

  it('fault: the output file cannot be created (a directory is in the way) — finish rejects, no silent loss', async () => {
    const writer = await newWriter();
    mkdirSync(join(writer.workDir, 'hosts/hv1/blocked.part'), { recursive: true });
    const sink = await writer.open('hosts/hv1/blocked');
    sink.stream.on('error', () => undefined); // the pipe's source would see it; finish reports it
    sink.stream.write(Buffer.from('data'));
    await expect(sink.finish(outcome('ok'))).rejects.toThrow(/EISDIR/);
    await writer.abandon();
  });
});
