// `trace --dhcp`: the DHCP client's first message, and whether ovn-controller answers it. The
// answered case needs a port with OVN native DHCP options, which the bundled fixtures have not:
// test/trace/dhcp.live.test.ts traces it on a live sandbox against ovn-trace and ofproto/trace.
// Here: the packet as built (RFC 2131: the client has no address yet, so 0.0.0.0:68 to
// 255.255.255.255:67 from the broadcast MAC; RFC 8415: a Solicit from the link-local address,
// 546 to ff02::1:2 port 547), the unanswered case on l3-acl (no DHCP_Options anywhere), and how
// an answer reads and exits.

import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/model/snapshot.js';
import { verdictLine } from '../../src/render/trace.js';
import { renderPathHeader } from '../../src/render/trace-path.js';
import { makeStyle } from '../../src/render/style.js';
import { dhcpActionArguments, traceEndpointsIn, verdictExitCode, type TraceReport, type TraceRequest } from '../../src/services/trace.js';
import { linkLocalOf } from '../../src/sim/guest.js';
import { loadSnapshot } from '../../src/snapshot/load.js';

const root = resolve(import.meta.dirname, '../..');
const plain = makeStyle({ isTTY: false }, {});

let l3: Snapshot;
beforeAll(async () => {
  const r = await loadSnapshot(join(root, 'fixtures', 'l3-acl'));
  if (!r.ok) throw new Error(r.error.message);
  l3 = r.value;
});

const request = (req: Partial<TraceRequest>): TraceRequest => ({ snapshot: l3.dir, bridge: 'br-int', ctNext: [], detail: 'summary', followTunnels: true, ...req });

function run(req: Partial<TraceRequest>): TraceReport {
  const r = traceEndpointsIn(l3, request(req));
  if (!r.ok) throw new Error(r.error.message);
  return r.value.report;
}

describe('trace --dhcp: the request', () => {
  it('is a DHCPDISCOVER: 0.0.0.0:68 → 255.255.255.255:67 from the port\'s MAC to the broadcast MAC, no --to needed', () => {
    const r = run({ from: 'web1', protocol: { kind: 'dhcp' } });
    expect(r.packet).toMatchObject({ family: 4, dlSrc: '0a:00:01:01:00:11', dlDst: 'ff:ff:ff:ff:ff:ff', nwSrc: '0.0.0.0', nwDst: '255.255.255.255', sport: 68, dport: 67, nextHop: { kind: 'direct' } });
    expect(r.input).toBe('in_port=tapweb1,udp,dl_src=0a:00:01:01:00:11,dl_dst=ff:ff:ff:ff:ff:ff,nw_src=0.0.0.0,nw_dst=255.255.255.255,nw_ttl=64,udp_src=68,udp_dst=67');
    // Answered (or not) on the port's own chassis and switch: no gateway on the path. web1 has no
    // DHCP options, so the request is an ordinary broadcast: flooded to web's other chassis, hv2 (web3).
    expect(r.path).toMatchObject({ datapaths: ['web'] });
    expect(r.path?.chassis.map((c) => [c.chassis, c.roles.join('+')])).toEqual([['hv1', 'source+destination'], ['hv2', 'flooded']]);
    const header = renderPathHeader(r, plain).join('\n');
    expect(header).toContain('To     255.255.255.255 (the DHCP server: OVN\'s native DHCP, ovn-controller on hv1)');
    expect(header).toMatch(/Packet DHCPDISCOVER, udp 68 → 67, 0\.0\.0\.0 → 255\.255\.255\.255, 0a:00:01:01:00:11 → ff:ff:ff:ff:ff:ff \(broadcast on the port's switch\)/);
    expect(header).not.toMatch(/via gateway|outside the overlay/);
  });

  it('--to ff02::1:2 makes it a DHCPv6 Solicit from the EUI-64 link-local address of the port\'s MAC', () => {
    // 0a:00:01:01:00:11: universal/local bit flipped (0a → 08), ff:fe in the middle.
    expect(linkLocalOf('0a:00:01:01:00:11')).toBe('fe80::800:1ff:fe01:11');
    expect(linkLocalOf('fa:16:3e:00:00:12')).toBe('fe80::f816:3eff:fe00:12');
    const r = run({ from: 'web1', to: 'ff02::1:2', protocol: { kind: 'dhcp' } });
    expect(r.packet).toMatchObject({ family: 6, nwSrc: 'fe80::800:1ff:fe01:11', nwDst: 'ff02::1:2', dlDst: '33:33:00:01:00:02', sport: 546, dport: 547 });
    expect(r.input).toMatch(/,udp6,dl_src=0a:00:01:01:00:11,dl_dst=33:33:00:01:00:02,ipv6_src=fe80::800:1ff:fe01:11,ipv6_dst=ff02::1:2,nw_ttl=64,udp_src=546,udp_dst=547$/);
  });

  it('refuses another --to, a source outside the overlay, and --reply', () => {
    const err = (req: Partial<TraceRequest>) => {
      const r = traceEndpointsIn(l3, request(req));
      return r.ok ? undefined : r.error;
    };
    expect(err({ from: 'web1', to: '10.1.1.1', protocol: { kind: 'dhcp' } })).toMatchObject({ exitCode: 2, message: expect.stringMatching(/^--dhcp --to 10\.1\.1\.1: a DHCP client sends its first message to 255\.255\.255\.255 \(DHCPDISCOVER\) or ff02::1:2/) });
    expect(err({ from: '8.8.8.8', protocol: { kind: 'dhcp' } })?.message).toMatch(/--dhcp is the request of a DHCP client, a VM\/pod port/);
    expect(err({ from: 'web1', protocol: { kind: 'dhcp' }, reply: true })?.message).toMatch(/^--reply with --dhcp: .*"dhcpAnswer"/);
  });

  it('--udp 67 by hand is traced as given, with a note pointing at --dhcp', () => {
    const r = run({ from: 'web1', to: '255.255.255.255', protocol: { kind: 'udp', port: 67 } });
    expect(r.packet).toMatchObject({ nwSrc: '10.1.1.11', sport: 40000 });
    expect(r.warnings.join('\n')).toMatch(/udp\/67 is the DHCP server port: this is the packet as given, not a client's DHCPDISCOVER \(0\.0\.0\.0:68 → 255\.255\.255\.255:67, to the broadcast MAC\).*trace that with --dhcp/);
    expect(r.dhcpAnswer).toBeUndefined();
    expect(run({ from: 'web1', to: 'db1', protocol: { kind: 'udp', port: 53 } }).warnings.join('\n')).not.toMatch(/--dhcp/);
  });
});

describe('trace --dhcp: the answer', () => {
  it('nobody answers a port without DHCP options: exit 1, and the verdict says why and what became of the request', () => {
    // l3-acl has no DHCP_Options: northd installs no put_dhcp_opts flow, the DISCOVER is an
    // ordinary broadcast on web, whose copies to the other ports meet pg_web's default-drop
    // to-lport ACL (outport == @pg_web && ip4).
    const r = run({ from: 'web1', protocol: { kind: 'dhcp' } });
    expect(r.verdict).not.toBe('controller');
    expect(r.dhcpAnswer).toMatchObject({ answered: false });
    expect(r.reachedDestination).toBe(false);
    expect(verdictExitCode(r)).toBe(1);
    expect(verdictLine(r, plain)).toMatch(/^ACL_DROP: dropped by ACL "pg_web-default-drop" .* — nobody answers the DHCPDISCOVER: web1 has no DHCPv4 options \(NB Logical_Switch_Port dhcpv4_options is empty\), so OVN installs no put_dhcp_opts flow for it and ovn-controller does not answer; the request was dropped \(ACL_DROP\)\. Set them \(ovn-nbctl lsp-set-dhcpv4-options web1 UUID; Neutron: enable_dhcp on the subnet\)$/);
  });

  it('reads the offer from the put_dhcp_opts arguments (lists and strings keep their commas)', () => {
    // A Neutron logical flow as northd writes it (ovn-northd build_dhcpv4_action).
    const actions = 'reg0[3] = put_dhcp_opts(offerip = 10.0.0.12, classless_static_route = {169.254.169.254/32,10.0.0.2, 0.0.0.0/0,10.0.0.1}, dns_server = {10.0.0.2}, domain_name = "a,b", lease_time = 43200, mtu = 1442, netmask = 255.255.255.0, router = 10.0.0.1, server_id = 10.0.0.1); next;';
    expect(dhcpActionArguments(actions, 'put_dhcp_opts')).toEqual({
      offerip: '10.0.0.12',
      classless_static_route: '{169.254.169.254/32,10.0.0.2, 0.0.0.0/0,10.0.0.1}',
      dns_server: '{10.0.0.2}',
      domain_name: 'a,b',
      lease_time: '43200',
      mtu: '1442',
      netmask: '255.255.255.0',
      router: '10.0.0.1',
      server_id: '10.0.0.1',
    });
    expect(dhcpActionArguments('reg0[3] = put_dhcpv6_opts(ia_addr = 2001:db8::12, server_id = fa:16:3e:ff:00:01); next;', 'put_dhcpv6_opts')).toEqual({ ia_addr: '2001:db8::12', server_id: 'fa:16:3e:ff:00:01' });
    expect(dhcpActionArguments('next;', 'put_dhcp_opts')).toBeUndefined();
  });

  it('an answer is a punt that exits 0, its verdict line says what is offered', () => {
    const base = run({ from: 'web1', protocol: { kind: 'dhcp' } });
    // The punt ls_in_dhcp_options makes for a port with options (see the live suite).
    const answered: TraceReport = {
      ...base,
      verdict: 'controller',
      delivered: [],
      reachedDestination: true,
      dhcpAnswer: { answered: true, action: 'put_dhcp_opts', offer: '10.1.1.11', options: { offerip: '10.1.1.11', router: '10.1.1.1', lease_time: '3600', dns_server: '{10.1.1.2}', server_id: '10.1.1.1' }, stage: 'ls_in_dhcp_options', datapath: 'web' },
    };
    expect(verdictExitCode(answered)).toBe(0);
    expect(verdictLine(answered, plain)).toBe('ovn-controller answers: offer 10.1.1.11 (router 10.1.1.1, DNS 10.1.1.2, lease 3600 s, server 10.1.1.1) — DHCPOFFER back to web1 (put_dhcp_opts from ls_in_dhcp_options on web)');
    // The same punt without an answer (another controller action) stays exit 1.
    expect(verdictExitCode({ ...answered, dhcpAnswer: { answered: false, why: 'x' }, reachedDestination: false })).toBe(1);
  });
});

describe('trace --dhcp: the CLI', () => {
  it('needs no --to with --dhcp (and still does without it), exits 1 when nobody answers, 2 on --dhcp --reply', async () => {
    const { runCli } = await import('../harness/cli.js');
    const snap = join(root, 'fixtures', 'l3-acl');
    const r = await runCli(['trace', '-s', snap, '--from', 'web1', '--dhcp', '--minimal']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/ — nobody answers the DHCPDISCOVER: web1 has no DHCPv4 options/);
    const noTo = await runCli(['trace', '-s', snap, '--from', 'web1', '--minimal']);
    expect(noTo.code).toBe(2);
    expect(noTo.stderr).toMatch(/--from needs --to \(only --dhcp goes without/);
    expect((await runCli(['trace', '-s', snap, '--from', 'web1', '--dhcp', '--reply'])).code).toBe(2);
    expect((await runCli(['trace', '-s', snap, '--from', 'web1', '--dhcp', '--udp', '67'])).code).toBe(2);
  }, 60_000);
});
