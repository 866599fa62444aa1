// `fixture pack --redact` on the bundled snapshots: zero original tokens anywhere in the pack
// (collected independently of the redactor, scanned in every form), same structure under the
// mapping, consistency of every representation, determinism with a key file, refusals, and a
// source snapshot that is never touched.

import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar';
import { beforeAll, describe, expect, it } from 'vitest';
import { cidrMask, formatIpv4, formatIpv6, formatMac, parseIpv4, parseIpv6, parseMac } from '../../src/model/masked.js';
import { parseOfctlFlows } from '../../src/parse/ofctl-flows.js';
import { pack } from '../../src/services/fixture.js';
import { listFlows } from '../../src/services/flows.js';
import { showSnapshot } from '../../src/services/snapshot-show.js';
import { unpackFixture } from '../../src/snapshot/pack.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import type { MappingFile } from '../../src/snapshot/redact.js';
import { MappingTranslator, unmapText } from '../../src/snapshot/redact-unmap.js';

const FIXTURES = ['l3-acl', 'lb-nat-3chassis'] as const;
const root = resolve(import.meta.dirname, '../..');
const KEYWORDS = ['tenant-a', 'web-vm'];

function treeDigest(dir: string): string {
  const h = createHash('sha256');
  for (const f of (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).sort()) {
    const p = join(dir, f);
    if (statSync(p).isFile()) h.update(f).update(readFileSync(p));
  }
  return h.digest('hex');
}

function filesOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).sort()) {
    const p = join(dir, f);
    if (statSync(p).isFile()) out.set(f, readFileSync(p, 'utf8'));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// An independent collector of the sensitive tokens of a snapshot (no redactor code involved).

interface Sensitive {
  ipv4: Set<bigint>;
  ipv6: Set<bigint>;
  mac: Set<bigint>;
  /** Networks (`A/len` with no host bits) that the spec does not keep. */
  networks: Set<string>;
  names: Set<string>;
}

/** Kept on purpose (the spec): multicast, broadcast, loopback, link-local 169.254, unspecified, netmasks. */
function keptIpv4(v: bigint): boolean {
  const inside = (cidr: string) => {
    const [a, l] = cidr.split('/');
    const m = cidrMask(Number(l), 32);
    return (v & m) === (parseIpv4(a)! & m);
  };
  return ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/3'].some(inside);
}
const keptIpv6 = (v: bigint) => v === 0n || v === 1n || v >> 120n === 0xffn;
const keptMac = (v: bigint) => v === 0n || v === 0xffffffffffffn || v >> 24n === 0x01005en || v >> 32n === 0x3333n || v >> 24n === 0x0180c2n;

function collectSensitive(dir: string): Sensitive {
  const s: Sensitive = { ipv4: new Set(), ipv6: new Set(), mac: new Set(), networks: new Set(), names: new Set() };
  for (const [rel, text] of filesOf(dir)) {
    // Addresses in text, wherever they are (masks — the token right after a '/' — are not addresses).
    for (const m of text.matchAll(/(?<![\d.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?![\d]|\.\d)(\/\d{1,2}(?!\d))?/g)) {
      if (text[m.index! - 1] === '/') continue;
      const v = parseIpv4(m[1]);
      if (v === undefined || keptIpv4(v)) continue;
      const len = m[2] ? Number(m[2].slice(1)) : 32;
      if (len < 32 && (v & cidrMask(len, 32)) === v) s.networks.add(`${m[1]}/${len}`);
      else s.ipv4.add(v);
    }
    for (const m of text.matchAll(/(?<![0-9a-fA-F:])([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})(?![0-9a-fA-F:])/g)) {
      if (text[m.index! - 1] === '/' || text[m.index! + m[1].length] === '/') continue;
      const v = parseMac(m[1])!;
      if (!keptMac(v)) s.mac.add(v);
    }
    for (const m of text.matchAll(/(?<![0-9a-zA-Z:.])([0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7})(?![0-9a-zA-Z:])(\/\d{1,3}(?!\d))?/g)) {
      if (text[m.index! - 1] === '/') continue;
      const v = parseIpv6(m[1]);
      if (v === undefined || keptIpv6(v)) continue;
      const len = m[2] ? Number(m[2].slice(1)) : 128;
      // A network inside fe80::/64 (the link-local prefix) is kept as it is, by design.
      if (len < 128 && (v & cidrMask(len, 128)) === v) {
        if (!(v >> 64n === 0xfe80000000000000n || (v >> 118n === 0x3fan && len <= 64))) s.networks.add(`${formatIpv6(v)}/${len}`);
      } else s.ipv6.add(v);
    }
    // Values of address fields in the flow dumps (exact ones; masked ones are networks).
    if (rel.includes('dump-flows')) {
      for (const f of parseOfctlFlows(text).value.flows) {
        for (const it of f.match.items) {
          const full = it.mask === (1n << BigInt(it.field.width)) - 1n;
          if (!full) continue;
          if (it.field.format === 'ipv4' && !keptIpv4(it.value)) s.ipv4.add(it.value);
          if (it.field.format === 'ipv6' && !keptIpv6(it.value)) s.ipv6.add(it.value);
          if (it.field.format === 'mac' && !keptMac(it.value)) s.mac.add(it.value);
        }
      }
    }
    // Names.
    if (rel === 'manifest.json') for (const h of JSON.parse(text).hosts as { name: string }[]) s.names.add(h.name);
    for (const m of text.matchAll(/\["(?:hostname|system-id)","([^"]+)"\]/g)) s.names.add(m[1]);
    if (rel.endsWith('ovn-sbctl.list.Chassis.out')) {
      const j = JSON.parse(text) as { data: unknown[][]; headings: string[] };
      for (const row of j.data) for (const col of ['name', 'hostname']) s.names.add(row[j.headings.indexOf(col)] as string);
    }
    if (rel.endsWith('ovs-vsctl.list.Interface.out')) {
      const j = JSON.parse(text) as { data: unknown[][]; headings: string[] };
      for (const row of j.data) if (row[j.headings.indexOf('type')] === 'geneve') s.names.add(row[j.headings.indexOf('name')] as string);
    }
  }
  return s;
}

const hexBytes = (v: bigint, w: number) => v.toString(16).padStart(w * 2, '0').match(/../g)!.join('.');

/** Every place `haystack` (the bytes of a whole pack, as latin1) still holds a sensitive token. */
function residues(haystack: string, s: Sensitive, keywords: readonly string[]): string[] {
  const lower = haystack.toLowerCase();
  const found: string[] = [];
  const has = (needle: string, re?: RegExp) => (re ? re.test(haystack) : lower.includes(needle.toLowerCase()));
  const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const v of s.ipv4) {
    const d = formatIpv4(v);
    if (has(d, new RegExp(`(?<![\\d.])${esc(d)}(?![\\d]|\\.\\d)`))) found.push(`ipv4 ${d} (dotted)`);
    for (const h of [v.toString(16), v.toString(16).padStart(8, '0')])
      if (has(h, new RegExp(`0x${h}(?![0-9a-f])`, 'i'))) found.push(`ipv4 ${d} (0x${h})`);
    if (has('', new RegExp(`(?<![0-9a-f])${esc(hexBytes(v, 4))}(?![0-9a-f])`, 'i'))) found.push(`ipv4 ${d} (bytes)`);
  }
  for (const v of s.ipv6) {
    const c = formatIpv6(v);
    const full = v.toString(16).padStart(32, '0').match(/.{4}/g)!;
    for (const form of [c, full.join(':'), full.map((g) => g.replace(/^0+(?=.)/, '')).join(':')])
      if (has(form, new RegExp(`(?<![0-9a-f:])${esc(form)}(?![0-9a-f:])`, 'i'))) found.push(`ipv6 ${c} (${form})`);
    if (has('', new RegExp(`0x0*${v.toString(16)}(?![0-9a-f])`, 'i'))) found.push(`ipv6 ${c} (hex)`);
    if (has('', new RegExp(`(?<![0-9a-f])${esc(hexBytes(v, 16))}(?![0-9a-f])`, 'i'))) found.push(`ipv6 ${c} (bytes)`);
  }
  for (const v of s.mac) {
    const m = formatMac(v);
    if (has(m)) found.push(`mac ${m}`);
    if (has(m.replace(/:/g, '-'))) found.push(`mac ${m} (dashes)`);
    if (has('', new RegExp(`0x0*${v.toString(16)}(?![0-9a-f])`, 'i'))) found.push(`mac ${m} (hex)`);
    if (has('', new RegExp(`(?<![0-9a-f])${v.toString(16).padStart(16, '0')}(?![0-9a-f])`, 'i'))) found.push(`mac ${m} (datapath id)`);
    if (has('', new RegExp(`(?<![0-9a-f])${esc(hexBytes(v, 6))}(?![0-9a-f])`, 'i'))) found.push(`mac ${m} (bytes)`);
  }
  for (const n of s.networks) if (has(n, new RegExp(`(?<![0-9a-f.:])${esc(n)}(?![0-9])`, 'i'))) found.push(`network ${n}`);
  for (const n of s.names) if (has(n)) found.push(`name ${n}`);
  for (const k of keywords) if (has(k)) found.push(`keyword ${k}`);
  return found;
}

function packBytes(file: string): string {
  return gunzipSync(readFileSync(file)).toString('latin1');
}

// ---------------------------------------------------------------------------------------------

interface Packed {
  src: string;
  digest: string;
  out: string;
  mapping: MappingFile;
  unpacked: string;
}

let work: string;
const packed = new Map<string, Packed>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ovnscope-redact-test-'));
  writeFileSync(join(work, 'site.key'), 'a fixed test key, 32 bytes long..\n');
  for (const f of FIXTURES) {
    const src = join(work, `src-${f}`);
    cpSync(join(root, 'fixtures', f), src, { recursive: true });
    const digest = treeDigest(src);
    const out = join(work, `${f}.tar.gz`);
    const r = await pack({ snapshot: src, out, redact: { keywords: KEYWORDS, keyFile: join(work, 'site.key') } });
    if (!r.ok) throw new Error(r.error.message);
    const mapping = JSON.parse(readFileSync(r.value.mappingFile!, 'utf8')) as MappingFile;
    const unpacked = join(work, `unpacked-${f}`);
    const u = await unpackFixture(out, unpacked);
    if (!u.ok) throw new Error(u.error.message);
    packed.set(f, { src, digest, out, mapping, unpacked });
  }
}, 60_000);

describe.each(FIXTURES)('redacted %s', (f) => {
  it('leaves zero original IPs, MACs, host names and keywords anywhere in the pack, in any form', () => {
    const p = packed.get(f)!;
    const s = collectSensitive(p.src);
    expect(s.ipv4.size).toBeGreaterThan(5);
    expect(s.mac.size).toBeGreaterThan(5);
    expect(s.ipv6.size).toBeGreaterThanOrEqual(2);
    expect(s.networks.size).toBeGreaterThan(1);
    expect([...s.names]).toEqual(expect.arrayContaining(['hv1', 'hv2', 'ovn-hv1-0']));
    expect(residues(packBytes(p.out), s, KEYWORDS)).toEqual([]);
    // The scanner does find them in the original.
    const original = [...filesOf(p.src).values()].join('\n');
    expect(residues(original, s, KEYWORDS).length).toBeGreaterThan(s.ipv4.size);
  });

  it('never modifies the source snapshot', () => {
    const p = packed.get(f)!;
    expect(treeDigest(p.src)).toBe(p.digest);
    expect(readdirSync(p.src).sort()).toEqual(['central', 'hosts', 'manifest.json']);
  });

  it('loads with zero diagnostics and the same structure under the mapping (snapshot show, flows)', async () => {
    const p = packed.get(f)!;
    const tr = new MappingTranslator(p.mapping);
    const loaded = await loadSnapshot(p.out);
    expect(loaded.ok && loaded.value.diagnostics).toEqual([]);
    const a = await showSnapshot(p.src);
    const b = await showSnapshot(p.out);
    if (!a.ok || !b.ok) throw new Error('show failed');
    expect(b.value.hosts.map((h) => h.name)).toEqual(a.value.hosts.map((h) => tr.forward(h.name)));
    expect(b.value.hosts.map((h) => ({ chassis: h.chassis, encapIp: h.encapIp, bridges: h.bridges }))).toEqual(
      a.value.hosts.map((h) => ({ chassis: tr.forward(h.chassis!), encapIp: tr.forward(h.encapIp!), bridges: h.bridges.map((br) => ({ ...br, name: tr.forward(br.name) })) })),
    );
    const bindings = (s: typeof a.value) => Object.fromEntries(s.chassis.map((c) => [c.name, c.bindings.length]));
    expect(bindings(b.value)).toEqual(Object.fromEntries(Object.entries(bindings(a.value)).map(([k, v]) => [tr.forward(k), v])));
    expect(b.value.chassis.flatMap((c) => c.bindings).sort()).toEqual(a.value.chassis.flatMap((c) => c.bindings.map((x) => tr.forward(x))).sort());
    expect(b.value.logicalFlows).toBe(a.value.logicalFlows);
    for (const h of a.value.hosts) {
      const fa = await listFlows({ snapshot: p.src, host: h.name, bridge: 'br-int' });
      const fb = await listFlows({ snapshot: p.out, host: tr.forward(h.name), bridge: 'br-int' });
      if (!fa.ok || !fb.ok) throw new Error('flows failed');
      expect(fb.value.flows.length).toBe(fa.value.flows.length);
      // Every flow still names the same logical flow (cookies are kept).
      expect(fb.value.flows.map((x) => x.ovn?.kind ?? 'none')).toEqual(fa.value.flows.map((x) => x.ovn?.kind ?? 'none'));
    }
  });

  it('says in FIXTURE.json and the README that it is redacted, with no key and no mapping inside', async () => {
    const p = packed.get(f)!;
    const info = JSON.parse(readFileSync(join(work, `unpacked-${f}`, 'manifest.json'), 'utf8')) as { hosts: { name: string }[] };
    expect(info.hosts.map((h) => h.name)).toEqual(f === 'l3-acl' ? ['host-1', 'host-2'] : ['host-1', 'host-2', 'host-3']);
    const listing: string[] = [];
    await tar.list({ file: p.out, onReadEntry: (e) => listing.push(e.path) });
    expect(listing.some((x) => /mapping|\.key/.test(x))).toBe(false);
    const stage = join(work, `stage-${f}`);
    await mkdir(stage);
    await tar.extract({ file: p.out, cwd: stage });
    const fixture = JSON.parse(readFileSync(join(stage, 'ovnscope-fixture/FIXTURE.json'), 'utf8')) as Record<string, unknown> & { redaction: { kinds: string[] } };
    expect(fixture.redacted).toBe(true);
    expect(fixture.redaction.kinds).toEqual(expect.arrayContaining(['ipv4', 'ipv6', 'mac', 'hostname', 'tunnel-port', 'keyword']));
    expect(JSON.stringify(fixture)).not.toMatch(/"original"|"mapped"|"entries"|fixed test key/);
    expect(readFileSync(join(stage, 'ovnscope-fixture/README.md'), 'utf8')).toMatch(/REDACTED/);
    const bytes = packBytes(p.out);
    expect(bytes).not.toContain('a fixed test key');
    for (const e of p.mapping.entries.ipv4 ?? []) expect(bytes).not.toMatch(new RegExp(`(?<![\\d.])${e.original.replace(/\./g, '\\.')}(?![\\d]|\\.\\d)`));
  });

  it('keeps the mapping private: mode 0600, next to the pack, complete enough to translate back', () => {
    const p = packed.get(f)!;
    const file = `${p.out}.mapping.json`;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const names = (p.mapping.entries.hostname ?? []).map((e) => [e.original, e.mapped]);
    expect(names).toEqual(expect.arrayContaining([['hv1', 'host-1'], ['hv2', 'host-2']]));
    expect((p.mapping.entries.keyword ?? []).map((e) => e.mapped)).toEqual(['kw1', 'kw2']);
    expect((p.mapping.entries['tunnel-port'] ?? []).find((e) => e.original === 'ovn-hv2-0')?.mapped).toBe('ovn-host-2-0');
  });
});

describe('consistency of every representation (lb-nat-3chassis)', () => {
  it('maps an address and a MAC the same in JSON, flows, registers, groups and userdata', () => {
    const p = packed.get('lb-nat-3chassis')!;
    const tr = new MappingTranslator(p.mapping);
    const files = filesOf(p.unpacked);
    const all = [...files.values()].join('\n');
    const ip = tr.forward('10.2.2.11');
    const ipHex = '0x' + parseIpv4(ip)!.toString(16);
    expect(ip).not.toBe('10.2.2.11');
    expect(files.get('central/ovn-nbctl.list.NAT.out')).toContain(`"${ip}"`);
    expect(files.get('central/ovn-nbctl.list.Load_Balancer.out')).toContain(`${ip}:8080`);
    expect(files.get('central/ovn-sbctl.list.Logical_Flow.out')).toContain(ip);
    const flows = files.get('hosts/host-3/ovs-ofctl.dump-flows.br-int.out')!;
    expect(flows).toContain(`reg0=${ipHex}`);
    expect(flows).toContain(`load:${ipHex}->NXM_OF_ARP_SPA[]`);
    expect(files.get('hosts/host-3/ovs-ofctl.dump-groups.br-int.out')).toContain(`nat(dst=${ip}:8080)`);

    const mac = tr.forward('0a:00:02:ff:02:01');
    const macV = parseMac(mac)!;
    expect(files.get('central/ovn-nbctl.list.Logical_Router_Port.out')).toContain(`"${mac}"`);
    expect(flows).toContain(`dl_dst=${mac}`);
    expect(flows).toContain(`load:0x${macV.toString(16)}->NXM_NX_XXREG0[64..111]`);
    expect(flows).toContain(`80.00.08.06.${hexBytes(macV, 6)}`); // userdata set_field eth_src
    // The router's link-local address follows its MAC (EUI-64), in text and in userdata.
    const hi = (macV >> 24n) ^ 0x020000n;
    const lla = (0xfe80n << 112n) | (hi << 40n) | (0xfffen << 24n) | (macV & 0xffffffn);
    expect(tr.forward('fe80::800:2ff:feff:201')).toBe(formatIpv6(lla));
    expect(all).toContain(`ipv6_dst=${formatIpv6(lla)}`);
    expect(all).toContain(`nd_target=${formatIpv6(lla)}`);
    expect(flows).toContain(`80.00.34.10.${hexBytes(lla, 16)}`);
    // And its solicited-node address follows the link-local one.
    expect(all).toContain(`ff02::1:ff${hexBytes(lla & 0xffffffn, 3).replace(/\./g, '').replace(/^(..)/, '$1:')}`);
    // Chassis ids, tunnel ports and encap IPs agree with each other.
    const encap = tr.forward('192.168.0.2');
    expect(files.get('hosts/host-3/ovs-vsctl.list.Port.out')).toContain(`"host-2@${encap}"`);
    expect(files.get('hosts/host-3/ovs-vsctl.list.Interface.out')).toContain(`["remote_ip","${encap}"]`);
    expect(files.get('hosts/host-3/ovs-appctl.dpif-show.out')).toContain('ovn-host-2-0');
    expect(files.get('hosts/host-3/ovs-ofctl.show.br-int.out')).toContain('(ovn-host-2-0)');
    expect(files.get('central/ovn-nbctl.list.Gateway_Chassis.out')).toContain('"lr0-ext-host-3"');
  });
});

describe('keys, --hosts and refusals', () => {
  it('maps the same way again with the same key file, differently without one', async () => {
    const src = join(root, 'fixtures', 'l3-acl');
    const again = join(work, 'again.tar.gz');
    const r = await pack({ snapshot: src, out: again, redact: { keywords: KEYWORDS, keyFile: join(work, 'site.key') } });
    expect(r.ok).toBe(true);
    const first = JSON.parse(readFileSync(join(work, 'l3-acl.tar.gz.mapping.json'), 'utf8')) as MappingFile;
    const second = JSON.parse(readFileSync(`${again}.mapping.json`, 'utf8')) as MappingFile;
    expect(second.entries).toEqual(first.entries);
    const out = join(work, 'again-unpacked');
    expect((await unpackFixture(again, out)).ok).toBe(true);
    const a = filesOf(packed.get('l3-acl')!.unpacked);
    const b = filesOf(out);
    for (const [rel, text] of a) if (rel !== 'manifest.json') expect(b.get(rel), rel).toBe(text);

    const random = join(work, 'random.tar.gz');
    const r2 = await pack({ snapshot: src, out: random, redact: {} });
    expect(r2.ok).toBe(true);
    const third = JSON.parse(readFileSync(`${random}.mapping.json`, 'utf8')) as MappingFile;
    expect(third.entries.ipv4).not.toEqual(first.entries.ipv4);
    expect(third.entries.hostname).toEqual(first.entries.hostname);
  });

  it('creates a missing key file (0600) and refuses a short one', async () => {
    const keyFile = join(work, 'new.key');
    const r = await pack({ snapshot: join(root, 'fixtures', 'l3-acl'), out: join(work, 'newkey.tar.gz'), redact: { keyFile } });
    expect(r.ok && r.value.keyFileCreated).toBe(keyFile);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    writeFileSync(join(work, 'short.key'), 'short');
    const bad = await pack({ snapshot: join(root, 'fixtures', 'l3-acl'), out: join(work, 'short.tar.gz'), redact: { keyFile: join(work, 'short.key') } });
    expect(!bad.ok && bad.error.message).toMatch(/at least 16 bytes/);
  });

  it('works with --hosts: host numbers stay those of the whole snapshot', async () => {
    const out = join(work, 'hv3.tar.gz');
    const r = await pack({ snapshot: join(root, 'fixtures', 'lb-nat-3chassis'), out, hosts: ['hv3'], redact: { keyFile: join(work, 'site.key') } });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.hosts).toEqual(['host-3']);
    const loaded = await loadSnapshot(out);
    if (!loaded.ok) throw new Error(loaded.error.message);
    expect(loaded.value.hosts.map((h) => h.name)).toEqual(['host-3']);
    expect(loaded.value.diagnostics).toEqual([]);
    expect(loaded.value.sb!.chassis.map((c) => c.name).sort()).toEqual(['host-1', 'host-2', 'host-3']);
    expect(residues(packBytes(out), collectSensitive(join(root, 'fixtures', 'lb-nat-3chassis')), [])).toEqual([]);
  });

  it('refuses, writing nothing, when a keyword would break the snapshot (it matches OVS vocabulary)', async () => {
    const out = join(work, 'broken.tar.gz');
    const r = await pack({ snapshot: packed.get('l3-acl')!.src, out, redact: { keywords: ['geneve'] } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toMatch(/redaction refused; nothing was written/);
      expect(r.error.message).toMatch(/same structure/);
      expect(r.error.message).toMatch(/more specific/);
      expect(r.error.exitCode).toBe(2);
    }
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.mapping.json`)).toBe(false);
    expect(treeDigest(packed.get('l3-acl')!.src)).toBe(packed.get('l3-acl')!.digest);
    expect((await readdir(work)).filter((x) => x.includes('.part'))).toEqual([]);
  });

  it('refuses bad keywords and a mapping or pack inside the snapshot', async () => {
    const src = packed.get('l3-acl')!.src;
    const short = await pack({ snapshot: src, out: join(work, 'x.tar.gz'), redact: { keywords: ['ab'] } });
    expect(!short.ok && short.error.message).toMatch(/too short/);
    const inside = await pack({ snapshot: src, out: join(work, 'y.tar.gz'), redact: { mappingOut: join(src, 'm.json') } });
    expect(!inside.ok && inside.error.message).toMatch(/inside the snapshot/);
    const insidePack = await pack({ snapshot: src, out: join(src, 'p.tar.gz'), redact: {} });
    expect(!insidePack.ok && insidePack.error.message).toMatch(/inside the snapshot/);
    expect(treeDigest(src)).toBe(packed.get('l3-acl')!.digest);
  });

  it('never overwrites an existing mapping file, like -o: exit 2 before anything is written', async () => {
    const src = packed.get('l3-acl')!.src;
    const mapping = join(work, 'existing.mapping.json');
    writeFileSync(mapping, 'keep me');
    const keyFile = join(work, 'never-created.key');
    const out = join(work, 'm-exists.tar.gz');
    const r = await pack({ snapshot: src, out, redact: { mappingOut: mapping, keyFile } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.exitCode, r.error.message]).toEqual([2, `--mapping-out ${mapping} already exists; fixture pack never overwrites a file: choose another name or remove it first`]);
    expect(readFileSync(mapping, 'utf8')).toBe('keep me');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(keyFile)).toBe(false);
    // The default mapping path (<out>.mapping.json) is refused the same way, and says it is the default.
    const out2 = join(work, 'm-default.tar.gz');
    writeFileSync(`${out2}.mapping.json`, 'keep me too');
    const d = await pack({ snapshot: src, out: out2, redact: {} });
    expect(!d.ok && [d.error.exitCode, d.error.message]).toEqual([2, `the mapping file (default of --mapping-out) ${out2}.mapping.json already exists; fixture pack never overwrites a file: choose another name or remove it first`]);
    expect(readFileSync(`${out2}.mapping.json`, 'utf8')).toBe('keep me too');
    expect(existsSync(out2)).toBe(false);
  });

  it('gives clear errors for corrupt, truncated and newer-format redacted packs', async () => {
    const p = packed.get('lb-nat-3chassis')!;
    const bytes = readFileSync(p.out);
    const truncated = join(work, 'r-truncated.tar.gz');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const stage = join(work, 'r-stage');
    await mkdir(stage);
    await tar.extract({ file: p.out, cwd: stage });
    const flows = join(stage, 'ovnscope-fixture/snapshot/hosts/host-1/ovs-ofctl.dump-flows.br-int.out');
    writeFileSync(flows, readFileSync(flows, 'utf8').replace('table=0', 'table=1'));
    const corrupt = join(work, 'r-corrupt.tar.gz');
    await tar.create({ gzip: true, file: corrupt, cwd: stage }, ['ovnscope-fixture']);
    const infoPath = join(stage, 'ovnscope-fixture/FIXTURE.json');
    writeFileSync(infoPath, JSON.stringify({ ...JSON.parse(readFileSync(infoPath, 'utf8')), formatVersion: 7 }));
    const newer = join(work, 'r-newer.tar.gz');
    await tar.create({ gzip: true, file: newer, cwd: stage }, ['ovnscope-fixture']);
    for (const [file, re] of [
      [truncated, /not a readable ovnscope fixture|missing from the pack|FIXTURE\.json is missing/],
      [corrupt, /does not match its sha256/],
      [newer, /newer than this ovnscope understands/],
    ] as const) {
      const r = await loadSnapshot(file);
      expect(r.ok, file).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(re);
    }
  });
});

describe('fixture unmap', () => {
  it('translates what ovnscope prints on the redacted fixture back to the original', async () => {
    const p = packed.get('lb-nat-3chassis')!;
    const a = await showSnapshot(p.src);
    const b = await showSnapshot(p.out);
    if (!a.ok || !b.ok) throw new Error('show failed');
    const strip = (x: typeof a.value) => ({ ...x, dir: '' });
    const back = JSON.parse(unmapText(p.mapping, JSON.stringify(strip(b.value))).text) as typeof a.value;
    const sortDeep = (x: unknown): unknown => (Array.isArray(x) ? x.map(sortDeep).sort((u, v) => JSON.stringify(u).localeCompare(JSON.stringify(v))) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, sortDeep(v)])) : x);
    expect(sortDeep(back)).toEqual(sortDeep(strip(a.value)));
  });

  it('refuses a mapping file of another format or a newer version', async () => {
    const { validateMapping } = await import('../../src/snapshot/redact-unmap.js');
    const m = packed.get('l3-acl')!.mapping;
    expect(validateMapping({ ...m, formatVersion: 9 }).ok).toBe(false);
    const r = validateMapping({ ...m, formatVersion: 9 });
    expect(!r.ok && r.error.message).toMatch(/newer than this ovnscope understands/);
    expect(!validateMapping({ format: 'x' }).ok).toBe(true);
    expect(validateMapping(m).ok).toBe(true);
  });

  it('translates networks, hex register values and names, and lists unknown redacted names', () => {
    const p = packed.get('lb-nat-3chassis')!;
    const tr = new MappingTranslator(p.mapping);
    const net = tr.forward('10.2.0.0/16');
    const hexIp = '0x' + parseIpv4(tr.forward('10.2.2.11'))!.toString(16);
    const r = unmapText(p.mapping, `dropped on host-3 (${tr.forward('ovn-hv1-0', 'hv3')}) for ${net}: reg0=${hexIp}, kw1-net on host-9`);
    expect(r.text).toBe('dropped on hv3 (ovn-hv1-0) for 10.2.0.0/16: reg0=0xa02020b, tenant-a-net on host-9');
    expect(r.unknown).toEqual(['host-9']);
  });
});

describe('sites that look like production', () => {
  const CHASSIS1 = '5b8e2d6a-1c3f-4e2b-9a7d-0c1e2f3a4b5c';

  /** l3-acl as an OpenStack site would have it: FQDN host names, UUID chassis, an SSL remote, kernel and FRR JSON. */
  function variant(): string {
    const dir = join(work, `variant-${Math.random().toString(36).slice(2)}`);
    cpSync(join(root, 'fixtures', 'l3-acl'), dir, { recursive: true });
    const edit = (rel: string, f: (t: string) => string) => writeFileSync(join(dir, rel), f(readFileSync(join(dir, rel), 'utf8')));
    edit('central/ovn-sbctl.list.Chassis.out', (t) => t.replace('"hv1","hv1",0', `"hv1.prod.acme.com","${CHASSIS1}",0`));
    edit('central/ovn-sbctl.list.Encap.out', (t) => t.replace('"hv1","192.168.0.1"', `"${CHASSIS1}","192.168.0.1"`));
    edit('hosts/hv1/ovs-vsctl.list.Open_vSwitch.out', (t) =>
      t
        .replace('["hostname","hv1"]', '["hostname","hv1.prod.acme.com"]')
        .replace('["system-id","hv1"]', `["system-id","${CHASSIS1}"]`)
        .replace(/\["ovn-remote","[^"]*"\]/, '["ovn-remote","ssl:ovn-central.prod.acme.com:6642"]'),
    );
    for (const rel of ['hosts/hv2/ovs-vsctl.list.Port.out', 'hosts/hv2/ovs-vsctl.list.Interface.out', 'hosts/hv2/ovs-appctl.dpif-show.out', 'hosts/hv2/ovs-ofctl.show.br-int.out'])
      edit(rel, (t) => t.replace(/ovn-hv1-0/g, `ovn-${CHASSIS1.slice(0, 6)}-0`).replace(/"hv1@/g, `"${CHASSIS1}@`));
    const ipAddr = '[{"ifindex":2,"ifname":"eth0","address":"52:54:00:12:34:56","addr_info":[{"family":"inet","local":"192.168.0.1","prefixlen":24},{"family":"inet6","local":"2001:db8:77::1","prefixlen":64}]}]\n';
    const frr = '{"ipv4Unicast":{"routerId":"192.168.0.1","peers":{"10.0.1.0":{"hostname":"tor1.prod.acme.com","state":"Established"}}}}\n';
    // OVSDB map syntax: looks like JSON, is not; the chassis name is inside a key (ovn-controller writes it).
    const otherConfig = `{hw-offload="true", ovn-chassis-idx-${CHASSIS1}="", vlan-limit="0"}\n`;
    writeFileSync(join(dir, 'hosts/hv1/ip.addr.out'), ipAddr);
    writeFileSync(join(dir, 'hosts/hv1/vtysh.bgp-summary.out'), frr);
    writeFileSync(join(dir, 'hosts/hv1/ovs-vsctl.other-config.out'), otherConfig);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { hosts: { commands: Record<string, unknown>[] }[]; central?: { commands: Record<string, unknown>[] } };
    const cmd = (id: string, text: string) => ({ id, argv: [id], executed: [id], required: false, status: 'ok', exitCode: 0, durationMs: 1, file: `hosts/hv1/${id}.out`, bytes: text.length });
    m.hosts[0].commands.push(cmd('ip.addr', ipAddr), cmd('vtysh.bgp-summary', frr), cmd('ovs-vsctl.other-config', otherConfig));
    // As collected: the manifest records the size and digest of every edited output (else it reads as damaged).
    for (const h of [...m.hosts, ...(m.central ? [m.central] : [])])
      for (const c of h.commands) {
        if (typeof c.file !== 'string' || !c.file.endsWith('.out')) continue;
        const bytes = readFileSync(join(dir, c.file));
        Object.assign(c, { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
      }
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
    return dir;
  }

  it('maps FQDNs, their domain, UUID chassis (and the tunnel ports named after them), remotes and FRR peers', async () => {
    const src = variant();
    const before = treeDigest(src);
    const out = join(work, 'variant.tar.gz');
    const r = await pack({ snapshot: src, out, redact: { keywords: ['acme'] } });
    if (!r.ok) throw new Error(r.error.message);
    expect(treeDigest(src)).toBe(before);
    const mapping = JSON.parse(readFileSync(`${out}.mapping.json`, 'utf8')) as MappingFile;
    const pairs = (k: keyof MappingFile['entries']) => Object.fromEntries((mapping.entries[k] ?? []).map((e) => [e.original, e.mapped]));
    expect(pairs('hostname')).toMatchObject({ hv1: 'host-1', 'hv1.prod.acme.com': 'host-1.domain-1.example', 'ovn-central.prod.acme.com': expect.stringMatching(/^host-\d+\.domain-1\.example$/), 'tor1.prod.acme.com': expect.stringMatching(/^host-\d+\.domain-1\.example$/) });
    expect(pairs('domain')).toEqual({ 'prod.acme.com': 'domain-1.example' });
    expect(pairs('chassis')).toEqual({ [CHASSIS1]: 'chassis-1' });
    expect((mapping.entries['tunnel-port'] ?? []).find((e) => e.scope === 'hv2')).toMatchObject({ original: `ovn-${CHASSIS1.slice(0, 6)}-0`, mapped: 'ovn-chassi-0' });
    const bytes = packBytes(out);
    for (const t of ['acme', 'prod.', CHASSIS1.slice(0, 6), 'tor1', 'ovn-central', '52:54:00:12:34:56', '2001:db8:77::1', '"10.0.1.0"', '192.168.0.1"']) expect(bytes, t).not.toContain(t);
    const s = collectSensitive(src);
    expect(residues(bytes, s, ['acme'])).toEqual([]);
    const loaded = await loadSnapshot(out);
    if (!loaded.ok) throw new Error(loaded.error.message);
    expect(loaded.value.diagnostics).toEqual([]);
    expect(loaded.value.hosts.map((h) => h.chassis)).toEqual(['chassis-1', 'host-2']);
    const tunnel = loaded.value.hosts[1].bridges[0].ports.find((p) => p.role.kind === 'tunnel');
    expect(tunnel?.name).toBe('ovn-chassi-0');
    expect(tunnel?.role.kind === 'tunnel' && tunnel.role.remoteChassis).toBe('chassis-1');
    // The kernel and FRR JSON: keys and values mapped, the structure untouched.
    const un = join(work, 'variant-unpacked');
    expect((await unpackFixture(out, un)).ok).toBe(true);
    const frr = JSON.parse(readFileSync(join(un, 'hosts/host-1/vtysh.bgp-summary.out'), 'utf8')) as { ipv4Unicast: { routerId: string; peers: Record<string, { hostname: string }> } };
    const tr = new MappingTranslator(mapping);
    expect(frr.ipv4Unicast.routerId).toBe(tr.forward('192.168.0.1'));
    expect(Object.keys(frr.ipv4Unicast.peers)).toEqual([tr.forward('10.0.1.0')]);
    expect(Object.values(frr.ipv4Unicast.peers)[0].hostname).toBe(pairs('hostname')['tor1.prod.acme.com']);
  });
});
