// --from/--to on a Neutron-shaped snapshot (test/fixtures/neutron, topology in
// test/trace/neutron-topology.ts): centralized vs distributed floating IPs, the metadata localport,
// allowed address pairs, and floating IP to floating IP over the provider network. Expected values
// come from the topology and OVN's rules (ovn-nb(5) NAT, localport), not from earlier output.
import { Chalk } from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/model/snapshot.js';
import { renderPathHeader } from '../../src/render/trace-path.js';
import { trace, verdictExitCode, type TraceRequest } from '../../src/services/trace.js';
import { createResolver, describeEndpoint } from '../../src/snapshot/resolve.js';
import { loadWithoutTables } from '../harness/trace-report.js';
import { META_A, META_B, NEUTRON_1GW, VM1, VM2, VM3, VMAAP } from '../harness/neutron-fixture.js';

const GW_MAC = 'fa:16:3e:ff:04:0a';
const FIP3_MAC = 'fa:16:3e:aa:01:01';

function req(from: string, to: string, extra: Partial<TraceRequest> = {}): TraceRequest {
  return { snapshot: NEUTRON_1GW, bridge: 'br-int', ctNext: [], detail: 'summary', followTunnels: true, from, to, ...extra };
}

async function run(from: string, to: string, extra: Partial<TraceRequest> = {}) {
  const r = await trace(req(from, to, extra));
  if (!r.ok) throw new Error(r.error.message);
  if (!r.value.single) throw new Error('no single report');
  return r.value.single;
}

async function usage(from: string, to: string, extra: Partial<TraceRequest> = {}): Promise<{ message: string; exitCode: number | undefined }> {
  const r = await trace(req(from, to, extra));
  if (r.ok) throw new Error(`traced: ${r.value.single?.verdict}`);
  return { message: r.error.message, exitCode: r.error.exitCode };
}

let snapshot: Snapshot;
beforeAll(async () => {
  snapshot = await loadWithoutTables(NEUTRON_1GW);
});

describe('floating IPs from outside: centralized unless logical_port and external_mac are both set', () => {
  it('a centralized FIP (no external_mac) enters the gateway chassis hv3 toward the gateway port MAC, and is delivered', async () => {
    const r = await run('8.8.8.8', '172.24.4.100', { protocol: { kind: 'tcp', port: 22 } });
    expect(r.to?.nat).toMatchObject({ distributed: false });
    // The gateway chassis answers ARP for a centralized FIP with the gateway port's MAC; the VM's
    // MAC is no address on the provider network.
    expect(r.to?.mac).toBeUndefined();
    expect(r.packet?.entry.host).toBe('hv3');
    expect(r.packet?.dlDst).toBe(GW_MAC);
    expect(r.packet?.flow).toContain(`dl_dst=${GW_MAC}`);
    expect(r.verdict).toBe('delivered');
    expect((r.delivered ?? []).some((d) => d.logicalPort === VM1)).toBe(true);
    expect(verdictExitCode(r)).toBe(0);
  });

  it('a distributed FIP enters its VM’s chassis hv2 toward its external_mac, and the packet line says why dl_dst is not the gateway MAC', async () => {
    const r = await run('8.8.8.8', '172.24.4.101', { protocol: { kind: 'tcp', port: 22 } });
    expect(r.to?.nat).toMatchObject({ distributed: true, externalMac: FIP3_MAC });
    expect(r.packet?.entry.host).toBe('hv2');
    expect(r.packet?.dlDst).toBe(FIP3_MAC);
    expect(r.packet?.dlDstWhy).toMatch(/external_mac of distributed floating IP 172\.24\.4\.101/);
    // The Packet line describes the packet built: dl_dst and why it is not the gateway's MAC.
    const line = renderPathHeader(r, new Chalk({ level: 0 })).find((l) => l.startsWith('Packet'));
    expect(line).toContain(`→ ${FIP3_MAC} (via gateway`);
    expect(line).toContain(`not the gateway's MAC ${GW_MAC}`);
    expect((r.delivered ?? []).some((d) => d.logicalPort === VM3)).toBe(true);
  });

  it('--dst-mac is the packet’s dl_dst and the packet line says it is not the gateway’s', async () => {
    const r = await run('8.8.8.8', '172.24.4.100', { protocol: { kind: 'tcp', port: 22 }, dstMac: '0a:00:00:00:00:01' });
    expect(r.packet?.dlDst).toBe('0a:00:00:00:00:01');
    expect(r.packet?.dlDstWhy).toBe('given with --dst-mac');
  });
});

describe('allowed address pairs: an address only in a port’s port_security', () => {
  it('--to the pair’s address resolves to the port, goes unicast to its MAC and is delivered', async () => {
    const r = await run(VM1, '10.0.0.100', { protocol: { kind: 'icmp' } });
    expect(r.to).toMatchObject({ kind: 'vif', logicalPort: VMAAP, ip: '10.0.0.100' });
    expect(r.to?.notes.join('\n')).toMatch(/allowed address pair of 10000003/);
    expect(r.packet?.dlDst).toBe('fa:16:3e:00:00:13');
    expect((r.delivered ?? []).some((d) => d.logicalPort === VMAAP)).toBe(true);
    expect(verdictExitCode(r)).toBe(0);
  });

  it('on two ports (keepalived): a router’s MAC_Binding or --dst-mac picks one, else a usage error lists them', () => {
    // vm2 (fa:16:3e:00:00:12) carries 10.0.0.100 too.
    const sb = snapshot.sb!;
    const portBindings = sb.portBindings.map((pb) => (pb.logicalPort === VM2 ? { ...pb, portSecurity: ['fa:16:3e:00:00:12 10.0.0.12 10.0.0.100'] } : pb));
    const view = { hosts: snapshot.hosts, nb: snapshot.nb, sb: { ...sb, portBindings } };
    const asked = createResolver(view).resolve('10.0.0.100', { label: '--to' });
    expect(asked.ok).toBe(false);
    if (!asked.ok) {
      expect(asked.error.message).toContain(VM2);
      expect(asked.error.message).toContain(VMAAP);
      expect(asked.error.message).toMatch(/--dst-mac/);
    }
    const picked = createResolver(view).resolve('10.0.0.100', { dstMac: 'fa:16:3e:00:00:12' });
    expect(picked.ok && picked.value.logicalPort).toBe(VM2);
    const learned = { ...view, sb: { ...view.sb, macBindings: [...sb.macBindings, { uuid: 'x', logicalPort: 'lrp-30000001-0000-4000-8000-000000000001', ip: '10.0.0.100', mac: 'fa:16:3e:00:00:13', datapath: undefined, timestamp: 1, raw: {} as never }] } };
    const byArp = createResolver(learned).resolve('10.0.0.100');
    expect(byArp.ok && byArp.value.logicalPort).toBe(VMAAP);
  });
});

describe('the metadata localport (never bound in the SB; an interface on hv1 and hv2)', () => {
  it('--from it sends from the chassis of the other end when that chassis has its interface', async () => {
    for (const [to, host] of [[VM1, 'hv1'], [VM2, 'hv2']] as const) {
      const r = await run(META_A, to, { protocol: { kind: 'tcp', port: 22 } });
      expect(r.packet?.entry).toMatchObject({ kind: 'vif', host, port: 'tapmeta-a' });
      expect((r.delivered ?? []).some((d) => d.logicalPort === to)).toBe(true);
      expect(verdictExitCode(r)).toBe(0);
    }
    // By its address too.
    expect((await run('10.0.0.2', '10.0.0.12', { protocol: { kind: 'tcp', port: 22 } })).packet?.entry.host).toBe('hv2');
  });

  it('with no such chassis it asks which, naming the hosts and PORT@HOST; PORT@HOST picks one', async () => {
    const e = await usage(META_A, '8.8.8.8', { protocol: { kind: 'icmp' } });
    expect(e.message).toMatch(/hv1, hv2/);
    expect(e.message).toContain(`--from ${META_A}@HOST`);
    const r = await run(`${META_A}@hv2`, '8.8.8.8', { protocol: { kind: 'icmp' } });
    expect(r.packet?.entry.host).toBe('hv2');
    const other = await usage(`${VM1}@hv2`, VM2);
    expect(other.message).toMatch(/picks the chassis of a localport/);
  });

  it('from a chassis where the other end is not, the drop says localport traffic never crosses a tunnel', async () => {
    const r = await run(`${META_A}@hv2`, VM1, { protocol: { kind: 'icmp' } });
    expect(r.verdict).toBe('dropped');
    expect(r.warnings.join('\n')).toMatch(/never crosses a tunnel/);
  });

  it('--to a localport with no interface on the sender’s chassis says so', async () => {
    const r = await run(VM3, '10.0.1.2', { protocol: { kind: 'icmp' } });
    expect(r.verdict).toBe('dropped');
    expect(r.warnings.join('\n')).toMatch(new RegExp(`metadata port ${META_B}, which has no interface on hv2.*never crosses a tunnel`));
  });

  it('is labelled as Neutron’s metadata port, not a VM', () => {
    const e = createResolver(snapshot).resolve('10.0.0.2');
    if (!e.ok) throw new Error(e.error.message);
    expect(describeEndpoint(e.value)).toMatch(/Neutron metadata port ovnmeta-/);
    expect(describeEndpoint(e.value)).not.toMatch(/VM ovnmeta-/);
  });
});

describe('floating IP to floating IP across chassis: followed over the provider network', () => {
  it('vm1 → vm3’s distributed FIP leaves hv3’s br-ex toward its external_mac and continues on hv2’s br-ex to vm3', async () => {
    const r = await run(VM1, '172.24.4.101', { protocol: { kind: 'tcp', port: 22 } });
    const out = r.hops.flatMap((h) => h.outputs.map((o) => ({ h, o }))).find(({ o }) => o.next?.status === 'followed' && o.next.network !== undefined);
    expect(out?.h.host).toBe('hv3');
    expect(out?.o.next).toMatchObject({ status: 'followed', host: 'hv2', network: 'physnet1', toward: FIP3_MAC });
    const next = r.hops.find((h) => h.host === 'hv2' && h.entry?.kind === 'uplink');
    expect(next?.bridge).toBe('br-ex');
    expect((r.delivered ?? []).some((d) => d.logicalPort === VM3 && d.host === 'hv2')).toBe(true);
    expect(verdictExitCode(r)).toBe(0);
  });
});

describe('the Path names the chassis the packet crossed, the gateway chassis only when it goes through the gateway', () => {
  const roles = (r: Awaited<ReturnType<typeof run>>) => (r.path?.chassis ?? []).map((c) => [c.chassis, c.roles.join('+')]);
  const crossed = (r: Awaited<ReturnType<typeof run>>) => [...new Set(r.hops.map((h) => h.chassis ?? h.host))];

  it('vm1 (hv1, net-a) → vm3 (hv2, net-b) east-west through the distributed router: hv1 and hv2, not the gateway chassis hv3', async () => {
    const r = await run(VM1, VM3);
    expect(r.verdict).toBe('delivered');
    // The router is distributed: routed on hv1, tunnelled straight to hv2 (ovn-architecture(7)).
    expect(crossed(r)).toEqual(['hv1', 'hv2']);
    expect(roles(r)).toEqual([['hv1', 'source'], ['hv2', 'destination']]);
    expect(r.path?.routers).toEqual([expect.stringMatching(/^neutron-cccccccc/)]);
    const header = renderPathHeader(r, new Chalk({ level: 0 })).find((l) => l.startsWith('Path'));
    expect(header).toMatch(/; chassis hv1 \(source\), hv2 \(destination\)$/);
  });

  it('vm2 (hv2) → outside goes through the cr-lrp claimed on hv3 (SNAT there): hv3 is on the path as the gateway', async () => {
    const r = await run(VM2, '8.8.8.8');
    expect(crossed(r)).toEqual(['hv2', 'hv3']);
    expect(roles(r)).toEqual([['hv2', 'source'], ['hv3', 'gateway']]);
  });

  it('vm3 (hv2) → outside with its distributed floating IP leaves hv2 itself: no gateway chassis', async () => {
    const r = await run(VM3, '8.8.8.8');
    expect(crossed(r)).toEqual(['hv2']);
    expect(roles(r)).toEqual([['hv2', 'source']]);
  });
});

describe('ACL steps name the address-set member the packet matched', () => {
  const VM4 = '10000005-0000-4000-8000-000000000005';
  // as_ip4_<sg default> holds 10.0.0.11-13 and 10.0.1.11 (the topology); SG "db" lets it in on 5432.
  const AS = 'as_ip4_11111111_2222_4333_8444_555555555555';
  const aclTexts = (r: Awaited<ReturnType<typeof run>>) => r.hops.flatMap((h) => (h.steps ?? []).filter((s) => s.kind === 'acl').map((s) => s.text));

  it('vm1 (10.0.0.11) → vm4 tcp/5432: the "db" ACL on ip4.src == $as_ip4_… says 10.0.0.11 ∈ it', async () => {
    const r = await run(VM1, VM4, { protocol: { kind: 'tcp', port: 5432 } });
    expect(r.verdict).toBe('delivered');
    const db = aclTexts(r).filter((t) => t.includes(`ip4.src == $${AS}`));
    expect(db).toHaveLength(1);
    expect(db[0]).toMatch(new RegExp(`tcp\\.dst == 5432 \\(10\\.0\\.0\\.11 ∈ ${AS}\\)$`));
  });

  it('vm3 (10.0.1.11, another subnet, routed) → vm4: the source as the ACL saw it, 10.0.1.11', async () => {
    const r = await run(VM3, VM4, { protocol: { kind: 'tcp', port: 5432 } });
    expect(aclTexts(r).find((t) => t.includes(`$${AS}`))).toMatch(new RegExp(`\\(10\\.0\\.1\\.11 ∈ ${AS}\\)$`));
  });

  it('a port group’s own set ($pg_…_ip4, made by northd, in no NB Address_Set) gets no note', async () => {
    const r = await run(VM1, VM2);
    const pg = aclTexts(r).filter((t) => /ip4\.src == \$pg_\w+_ip4/.test(t));
    expect(pg.length).toBeGreaterThan(0);
    for (const t of pg) expect(t).not.toMatch(/[∈∉]/);
  });
});
