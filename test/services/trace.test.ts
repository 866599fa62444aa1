import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bucketsForBackend, trace, type TraceReport } from '../../src/services/trace.js';
import { parseOfctlGroups } from '../../src/parse/ofctl-groups.js';
import { verdictLine } from '../../src/render/trace.js';
import { makeStyle } from '../../src/render/style.js';
import { copyFixture } from '../harness/fixture-copy.js';

const root = resolve(import.meta.dirname, '../..');
const fixture = (name: string) => join(root, 'fixtures', name);
const plain = makeStyle({ isTTY: false }, {});

async function traceOne(snapshot: string, host: string, flow: string, extra: Partial<Parameters<typeof trace>[0]> = {}): Promise<TraceReport> {
  const r = await trace({ snapshot: fixture(snapshot), host, bridge: 'br-int', flow, ctNext: [], detail: 'minimal', ...extra });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.single!;
}

/**
 * Golden minimal outcomes. Each expectation follows from the topology that produced the fixture
 * (test/harness/topologies.ts): its ACLs, port security, addressing and bindings — not from an
 * earlier run of ovnscope. (The differential suite separately checks the interpreter against
 * live ofproto/trace.)
 */
const W1 = 'in_port="tapweb1",dl_src=0a:00:01:01:00:11';
const ROUTER_WEB = 'dl_dst=0a:00:01:ff:01:01';
const GOLDEN: { why: string; snapshot: string; host: string; flow: string; ctNext?: string[]; lbDst?: string; expect: RegExp }[] = [
  { why: 'db allows 5432 from $as_web (routed web → db on the same chassis)', snapshot: 'l3-acl', host: 'hv1', flow: `${W1},tcp,${ROUTER_WEB},nw_src=10.1.1.11,nw_dst=10.1.2.12,nw_ttl=64,tp_src=40000,tp_dst=5432`, expect: /^delivered: delivered to tapdb2 / },
  { why: 'db allows 22 only from $as_admin: default drop', snapshot: 'l3-acl', host: 'hv1', flow: `${W1},tcp,${ROUTER_WEB},nw_src=10.1.1.11,nw_dst=10.1.2.12,nw_ttl=64,tp_src=40000,tp_dst=22`, expect: /^dropped: ACL_DROP: dropped by ACL "pg_db-default-drop" to-lport priority 1000 `outport == @pg_db && ip4` drop on port group pg_db \(ls_out_acl, table \d+ on db\)$/ },
  { why: 'web allows 80 (same switch)', snapshot: 'l3-acl', host: 'hv1', flow: `${W1},tcp,dl_dst=0a:00:01:01:00:12,nw_src=10.1.1.11,nw_dst=10.1.1.12,nw_ttl=64,tp_src=40000,tp_dst=80`, expect: /^delivered: delivered to tapweb2 / },
  { why: 'web drops 8080', snapshot: 'l3-acl', host: 'hv1', flow: `${W1},tcp,dl_dst=0a:00:01:01:00:12,nw_src=10.1.1.11,nw_dst=10.1.1.12,nw_ttl=64,tp_src=40000,tp_dst=8080`, expect: /^dropped: ACL_DROP: dropped by ACL "pg_web-default-drop"/ },
  { why: 'web1 has MAC+IP port security: a spoofed source is dropped', snapshot: 'l3-acl', host: 'hv1', flow: `${W1},tcp,dl_dst=0a:00:01:01:00:12,nw_src=10.1.1.99,nw_dst=10.1.1.12,nw_ttl=64,tp_src=40000,tp_dst=80`, expect: /^dropped: PORT_SECURITY: .*ls_in_apply_port_sec/ },
  { why: 'a spoofed source MAC is dropped too', snapshot: 'l3-acl', host: 'hv1', flow: 'in_port="tapweb1",dl_src=0a:00:01:01:00:99,tcp,dl_dst=0a:00:01:01:00:12,nw_src=10.1.1.11,nw_dst=10.1.1.12,nw_ttl=64,tp_src=40000,tp_dst=80', expect: /^dropped: PORT_SECURITY: / },
  { why: 'db1 is bound on hv2: the packet leaves through the tunnel with the db datapath key', snapshot: 'l3-acl', host: 'hv1', flow: `${W1},tcp,${ROUTER_WEB},nw_src=10.1.1.11,nw_dst=10.1.2.11,nw_ttl=64,tp_src=40000,tp_dst=5432`, expect: /^tunnel: sent into the tunnel ovn-hv2-0 → hv2 \(tun_id 0x2, tun_metadata0 0x\d+\)$/ },
  { why: 'TTL 1 through the router: ICMP time exceeded from lr_in_ip_input', snapshot: 'l3-acl', host: 'hv1', flow: `${W1},tcp,${ROUTER_WEB},nw_src=10.1.1.11,nw_dst=10.1.2.12,nw_ttl=1,tp_src=40000,tp_dst=5432`, expect: /^controller: punted to ovn-controller: TTL_EXPIRED: .*lr_in_ip_input on lr0/ },
  { why: 'ARP for the router IP is answered by the ARP responder, back out of the ingress port', snapshot: 'l3-acl', host: 'hv1', flow: `${W1},arp,dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=10.1.1.11,arp_tpa=10.1.1.1,arp_sha=0a:00:01:01:00:11`, expect: /^delivered: delivered to tapweb1 / },
  { why: 'lr0 has no route for 10.9.9.9 (no default route in l3-acl)', snapshot: 'l3-acl', host: 'hv1', flow: `${W1},tcp,${ROUTER_WEB},nw_src=10.1.1.11,nw_dst=10.9.9.9,nw_ttl=64,tp_src=40000,tp_dst=80`, expect: /^dropped: NO_ROUTE: .*lr_in_ip_routing.* on lr0\)$/ },
  { why: 'the LB VIP uses a dp_hash group: the trace stops like ofproto/trace and names the backends', snapshot: 'lb-nat-3chassis', host: 'hv1', flow: 'in_port="a1",dl_src=0a:00:02:01:00:11,tcp,dl_dst=0a:00:02:ff:01:01,nw_src=10.2.1.11,nw_dst=10.2.0.100,nw_ttl=64,tp_src=40000,tp_dst=80', expect: /^error: trace stopped: .*--lb-dst \(group \d+: 10\.2\.2\.11:8080, 10\.2\.2\.12:8080\)$/ },
  { why: '--lb-dst picks the backend on tenant-b (hv2): DNAT then the tunnel to hv2', snapshot: 'lb-nat-3chassis', host: 'hv1', lbDst: '10.2.2.12:8080', flow: 'in_port="a1",dl_src=0a:00:02:01:00:11,tcp,dl_dst=0a:00:02:ff:01:01,nw_src=10.2.1.11,nw_dst=10.2.0.100,nw_ttl=64,tp_src=40000,tp_dst=80', expect: /^tunnel: sent into the tunnel ovn-hv2-0 → hv2 \(tun_id 0x\d+, tun_metadata0 0x\d+\)$/ },
];

describe('trace: golden minimal outcomes on the bundled fixtures', () => {
  it.each(GOLDEN)('$snapshot $host: $why', async (g) => {
    const r = await traceOne(g.snapshot, g.host, g.flow, { ctNext: g.ctNext ?? [], lbDst: g.lbDst });
    expect(`${r.verdict}: ${verdictLine(r, plain)}`).toMatch(g.expect);
  });

  it('the tree says which flag chose a select bucket: --lb-dst or --select-bucket', async () => {
    const texts = (nodes: TraceReport['tree']): string[] => nodes.flatMap((n) => [n.text, ...texts(n.children)]);
    const byLb = texts((await traceOne('lb-nat-3chassis', 'hv1', GOLDEN[11]!.flow, { lbDst: '10.2.2.12:8080', detail: 'summary' })).tree).filter((t) => /chosen by/.test(t));
    expect(byLb).toEqual([expect.stringMatching(/^bucket \d+ chosen by --lb-dst 10\.2\.2\.12:8080 \(OVS would use the datapath hash\)$/)]);
    const bySelect = texts((await traceOne('lb-nat-3chassis', 'hv1', GOLDEN[11]!.flow, { selectBucket: 1, detail: 'summary' })).tree).filter((t) => /chosen by/.test(t));
    expect(bySelect).toEqual(['bucket 1 chosen by --select-bucket (OVS would use the datapath hash)']);
  });

  it('the --lb-dst choice really rewrites the destination to the backend', async () => {
    const r = await traceOne('lb-nat-3chassis', 'hv1', GOLDEN[11]!.flow, { lbDst: '10.2.2.12:8080', detail: 'detailed' });
    expect(JSON.stringify(r.tree)).toMatch(/Modified flow: [^"]*nw_dst=10\.2\.2\.12,tp_dst=8080/);
  });
});

describe('trace --host on br-ex: --lb-dst looks the backend up in the groups of every bridge of the host', () => {
  // lb-nat-3chassis: hv3 is the gateway; its br-ex (uplink br-ex-up, NORMAL) is patched to br-int,
  // where OVN put the load-balancer groups: lb-ext (VIP 172.16.0.100:80 → 10.2.1.11:80, 10.2.1.12:80,
  // group 3) and lb-web (10.2.0.100:80 → 10.2.2.11:8080, 10.2.2.12:8080). br-ex has no groups.
  const FROM_OUTSIDE = 'in_port=br-ex-up,tcp,dl_src=02:00:00:00:00:99,dl_dst=0a:00:02:ff:00:01,nw_src=172.16.0.99,nw_dst=172.16.0.100,nw_ttl=64,tcp_src=40000,tcp_dst=80';
  const base = { snapshot: fixture('lb-nat-3chassis'), host: 'hv3', bridge: 'br-ex', flow: FROM_OUTSIDE, ctNext: [], detail: 'minimal' as const };

  it('without following tunnels, the backend chosen in br-int is the destination the packet leaves br-int with', async () => {
    for (const [lbDst, ip] of [['10.2.1.11:80', '10.2.1.11'], ['10.2.1.12:80', '10.2.1.12']] as const) {
      const r = await trace({ ...base, lbDst, followTunnels: false });
      if (!r.ok) throw new Error(r.error.message);
      const int = r.value.single!.hops.find((h) => h.bridge === 'br-int')!;
      // Both backends are on tenant-a (a1, a2 on hv1): DNAT to the backend, then the tunnel to hv1.
      expect(int.outputs).toEqual([expect.objectContaining({ kind: 'tunnel', port: 'ovn-hv1-0', packet: expect.stringMatching(new RegExp(`,nw_dst=${ip.replace(/\./g, '\\.')},.*tp_dst=80,`)) })]);
    }
  });

  it('following tunnels, the packet reaches the chosen backend', async () => {
    const r = await trace({ ...base, lbDst: '10.2.1.11:80', followTunnels: true });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.single!.lbChoices).toEqual([expect.objectContaining({ host: 'hv3', groupId: 3, backend: '10.2.1.11:80' })]);
    expect(verdictLine(r.value.single!, plain)).toBe('delivered to a1 (hv1 a1)');
  });

  it('the usage errors stay: another VIP\'s backend names the VIP met in br-int; a backend of no group names the bridges looked in', async () => {
    const msg = '--lb-dst 10.2.2.12:8080 is not a backend of VIP 172.16.0.100:80 (load balancer lb-ext), which the packet meets on hv3 (group 3): its backends are 10.2.1.11:80, 10.2.1.12:80';
    for (const followTunnels of [false, true]) {
      const other = await trace({ ...base, lbDst: '10.2.2.12:8080', followTunnels });
      expect(!other.ok && other.error).toMatchObject({ exitCode: 2, message: msg });
    }
    const none = await trace({ ...base, lbDst: '10.9.9.9:1', followTunnels: false });
    expect(!none.ok && none.error).toMatchObject({ exitCode: 2, message: "--lb-dst 10.9.9.9:1: no load-balancer group of hv3's bridges (br-ex, br-int) has that backend" });
  });

  it('a trace that stops at br-int\'s dp_hash group lists that group\'s backends for --lb-dst', async () => {
    // br-ex sending the uplink's packets to the patch port only (as NORMAL does once it has
    // learned the router's MAC there): nothing else is output, so the dp_hash stop decides the verdict.
    const dir = copyFixture('lb-nat-3chassis');
    const rel = 'hosts/hv3/ovs-ofctl.dump-flows.br-ex.out';
    const text = 'NXST_FLOW reply (xid=0x4):\n cookie=0x0, duration=1.352s, table=0, n_packets=0, n_bytes=0, idle_age=1, priority=0 actions=output:2\n';
    writeFileSync(join(dir, rel), text);
    const manifestPath = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    for (const h of m.hosts) for (const c of h.commands) if (c.file === rel) Object.assign(c, { bytes: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex') });
    writeFileSync(manifestPath, JSON.stringify(m, null, 2));
    const r = await trace({ ...base, snapshot: dir, followTunnels: false });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.single!.verdict).toBe('error');
    expect(r.value.single!.incomplete?.hint).toMatch(/; or choose a load-balancer backend with --lb-dst \(group 3: 10\.2\.1\.11:80, 10\.2\.1\.12:80\)$/);
  });
});

describe('trace: JSON contract', () => {
  it('has the documented shape, with the ACL behind a drop', async () => {
    const r = await traceOne('l3-acl', 'hv1', GOLDEN[1]!.flow);
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['input', 'verdict', 'hops', 'warnings', 'tree']));
    expect(r.input).toBe(GOLDEN[1]!.flow);
    expect(r.hops).toHaveLength(1);
    const hop = r.hops[0]!;
    expect(hop).toMatchObject({ host: 'hv1', bridge: 'br-int', outputs: [], controller: false });
    expect(hop.finalFlow).toMatch(/^recirc_id=0x\d+,ct_state=new\|trk,.*nw_dst=10\.1\.2\.12/);
    expect(hop.drop).toMatchObject({ reason: 'ACL_DROP', cookie: expect.stringMatching(/^0x[0-9a-f]+$/), logicalFlow: { stage: 'ls_out_acl', pipeline: 'egress', datapath: 'db', match: 'reg0[9] == 1 && (outport == @pg_db && ip4)' } });
  });

  it('describes a tunnel output with VNI, metadata and remote chassis', async () => {
    const r = await traceOne('l3-acl', 'hv1', GOLDEN[6]!.flow);
    expect(r.hops[0]!.outputs).toEqual([expect.objectContaining({ port: 'ovn-hv2-0', kind: 'tunnel', tunnel: expect.objectContaining({ remoteIp: '192.168.0.2', chassis: 'hv2', tunId: '0x2' }) })]);
    // tun_metadata0 = (logical ingress port << 16) | logical egress port, as OVN encodes it.
    const md = Number(r.hops[0]!.outputs[0]!.tunnel!.metadata0);
    expect(md >> 16).toBeGreaterThan(0);
    expect(md & 0xffff).toBeGreaterThan(0);
  });

  it('prunes the same tree to detailed ⊇ summary ⊇ minimal', async () => {
    const count = (nodes: TraceReport['tree']): number => nodes.reduce((a, n) => a + 1 + count(n.children), 0);
    const sizes = await Promise.all((['detailed', 'summary', 'minimal'] as const).map(async (detail) => count((await traceOne('l3-acl', 'hv1', GOLDEN[1]!.flow, { detail })).tree)));
    expect(sizes[0]).toBeGreaterThan(sizes[1]!);
    expect(sizes[1]).toBeGreaterThan(sizes[2]!);
  });
});

describe('trace: usage errors and batch', () => {
  it('points at the column of an unparsable flow', async () => {
    const r = await trace({ snapshot: fixture('l3-acl'), host: 'hv1', bridge: 'br-int', flow: 'in_port=4,tcp,nw_dst=10.1.2.300', ctNext: [], detail: 'minimal' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.exitCode).toBe(2);
      expect(r.error.message).toMatch(/column \d+/);
    }
  });

  it('refuses an invalid --ct-next and an unknown --lb-dst backend', async () => {
    const bad = await trace({ snapshot: fixture('l3-acl'), host: 'hv1', bridge: 'br-int', flow: GOLDEN[0]!.flow, ctNext: ['est'], detail: 'minimal' });
    expect(!bad.ok && bad.error.message).toMatch(/if "trk" is unset/);
    const lb = await trace({ snapshot: fixture('lb-nat-3chassis'), host: 'hv1', bridge: 'br-int', flow: GOLDEN[10]!.flow, ctNext: [], lbDst: '10.9.9.9:1', detail: 'minimal' });
    expect(!lb.ok && lb.error).toMatchObject({ exitCode: 2, message: "--lb-dst 10.9.9.9:1: no load-balancer group of hv1's bridges (br-int) has that backend" });
  });

  it('--flows-file traces every line, reports bad lines by number, and keeps going', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ovnscope-trace-'));
    const file = join(dir, 'flows.txt');
    await writeFile(file, `# comment\n${GOLDEN[0]!.flow}\n\nin_port=4,tcp,nw_dst=garbage\n${GOLDEN[1]!.flow}\n`);
    const r = await trace({ snapshot: fixture('l3-acl'), host: 'hv1', bridge: 'br-int', flowsFile: file, ctNext: [], detail: 'minimal' });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.batch!.map((b) => [b.line, b.report?.verdict ?? 'error'])).toEqual([[2, 'delivered'], [4, 'error'], [5, 'dropped']]);
    expect(r.value.batch![1]!.error).toMatch(/flows\.txt:4: .*column/);
  });
});

describe('trace CLI', () => {
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, [join(root, 'bin/run.js'), 'trace', ...args], { cwd: root, maxBuffer: 256 * 1024 * 1024 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('exits 0 when delivered, 1 when dropped, 2 on a bad flow; --json is one object', async () => {
    expect((await run('-s', 'fixtures/l3-acl', '-H', 'hv1', '--minimal', '--flow', GOLDEN[0]!.flow)).code).toBe(0);
    const dropped = await run('-s', 'fixtures/l3-acl', '-H', 'hv1', '--json', '--flow', GOLDEN[1]!.flow);
    expect(dropped.code).toBe(1);
    expect(JSON.parse(dropped.stdout).hops[0].drop.reason).toBe('ACL_DROP');
    const bad = await run('-s', 'fixtures/l3-acl', '-H', 'hv1', '--flow', 'in_port=4,tcp,nw_dst=10.1.2.300');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/column/);
  });

  it('--flows-file --json: every object carries its input line, so duplicate lines stay apart; an empty file is a usage error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ovnscope-trace-'));
    const file = join(dir, 'flows.txt');
    await writeFile(file, `${GOLDEN[0]!.flow}\n# again\n${GOLDEN[0]!.flow}\nin_port=4,foo=bar\n`);
    const r = await run('-s', 'fixtures/l3-acl', '-H', 'hv1', '--json', '--flows-file', file);
    const objects = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { line: number; verdict?: string; error?: string });
    expect(objects.map((o) => [o.line, o.verdict ?? 'error'])).toEqual([[1, 'delivered'], [3, 'delivered'], [4, 'error']]);
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '# only a comment\n\n');
    const none = await run('-s', 'fixtures/l3-acl', '-H', 'hv1', '--flows-file', empty);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no flows in .*empty\.txt/);
    expect(none.stdout).toBe('');
  });

  it('the detailed text names every table by its logical flow and ends with the verdict', async () => {
    const r = await run('-s', 'fixtures/l3-acl', '-H', 'hv1', '--flow', GOLDEN[1]!.flow);
    expect(r.stdout).toMatch(/^Flow: /);
    expect(r.stdout).toMatch(/web: ingress ls_in_check_port_sec/);
    expect(r.stdout).toMatch(/reg14: 0 -> 0x4/);
    expect(r.stdout).toMatch(/Verdict: DROPPED — ACL_DROP: dropped by ACL "pg_db-default-drop"/);
  });
});

describe('bucketsForBackend: parsing --lb-dst', () => {
  // Two groups as OVS 3.1 / OVN 23.03 dump them (the ipv6 sandbox with an IPv4 and an IPv6 VIP):
  // group 1 balances [2001:db8:5::13]:8080 and [2001:db8:5:1::11]:8080, group 3 10.5.0.13:8080
  // and 10.5.1.11:8080.
  const groups = parseOfctlGroups(
    [
      'OFPST_GROUP_DESC reply (OF1.5) (xid=0x2):',
      ' group_id=1,type=select,selection_method=dp_hash,bucket=bucket_id:0,weight:100,actions=ct(commit,table=21,zone=NXM_NX_REG13[0..15],nat(dst=[2001:db8:5::13]:8080),exec(set_field:0x2/0x2->ct_mark)),bucket=bucket_id:1,weight:100,actions=ct(commit,table=21,zone=NXM_NX_REG13[0..15],nat(dst=[2001:db8:5:1::11]:8080),exec(set_field:0x2/0x2->ct_mark))',
      ' group_id=3,type=select,selection_method=dp_hash,bucket=bucket_id:0,weight:100,actions=ct(commit,table=16,zone=NXM_NX_REG11[0..15],nat(dst=10.5.0.13:8080),exec(set_field:0x2/0x2->ct_mark)),bucket=bucket_id:1,weight:100,actions=ct(commit,table=16,zone=NXM_NX_REG11[0..15],nat(dst=10.5.1.11:8080),exec(set_field:0x2/0x2->ct_mark))',
    ].join('\n'),
  ).value.groups;
  const pick = (lbDst: string) => {
    const r = bucketsForBackend([{ groups }], lbDst, 'of hv1');
    return r.ok ? Object.fromEntries(r.value) : r.error;
  };

  it('a bare IPv6 address is a backend of any port, like [addr]; [addr]:port picks the port', () => {
    expect(groups.map((g) => g.groupId)).toEqual([1, 3]);
    for (const lbDst of ['2001:db8:5:1::11', '[2001:db8:5:1::11]', '[2001:db8:5:1::11]:8080', '2001:DB8:5:1:0::11']) expect(pick(lbDst), lbDst).toEqual({ 1: 1 });
    expect(pick('2001:db8:5::13')).toEqual({ 1: 0 });
    expect(pick('[2001:db8:5:1::11]:80')).toMatchObject({ exitCode: 2, message: '--lb-dst [2001:db8:5:1::11]:80: no load-balancer group of hv1 has that backend' });
    for (const lbDst of ['10.5.1.11', '10.5.1.11:8080']) expect(pick(lbDst), lbDst).toEqual({ 3: 1 });
  });

  it('an address that could be read as addr:port is the IPv6 address it spells, and the error says how to give a port', () => {
    // 2001:db8:5::13:8080 is a valid IPv6 address (…:0:13:8080), not 2001:db8:5::13 port 8080.
    expect(pick('2001:db8:5::13:8080')).toMatchObject({
      exitCode: 2,
      message: '--lb-dst 2001:db8:5::13:8080: no load-balancer group of hv1 has that backend (read as the IPv6 address 2001:db8:5::13:8080; an IPv6 backend with a port is written [addr]:port)',
    });
    for (const bad of ['web-1', '10.5.1', '[10.5.1.11', '2001:db8::1::2', '10.5.1.11:99999']) expect(pick(bad), bad).toMatchObject({ exitCode: 2, message: expect.stringContaining('expected IP or IP:PORT (IPv6 as addr or [addr]:port)') });
  });
});
