import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { BGP_JSON, jsonContractSection } from '../cli/json-contract.js';
import { DEFAULT_EXPECTED_UPLINKS } from '../checks/bgp.js';
import { anyFailed } from '../model/finding.js';
import { ExitCode } from '../model/result.js';
import { renderBgp } from '../render/bgp.js';
import { auditBgp } from '../services/bgp.js';

export default class Bgp extends BaseCommand {
  static override summary = 'Check underlay BGP/BFD sessions and TEP /32 reachability (ECMP over the uplinks) from a snapshot.';
  static override description = `The GENEVE overlay rides on TEP loopbacks (/32) that every hypervisor advertises by eBGP to its ToRs, normally two, with ECMP. This command reads the FRR and kernel views a collection stored (vtysh "show bgp vrf all summary json", neighbors, the BGP table, zebra routes, BFD peers and counters, running-config, version; "ip -j addr/route/nexthop/-d link"; per TEP "show bgp ipv4 unicast <tep>/32 json" and "show ip route <tep>/32 json") and shows, per host, the BGP sessions (state, peerState, uptime only when Established, prefixes received/sent, last reset reason, BFD) and a TEP reachability matrix: for every pair of chassis, whether the remote TEP /32 is installed, through how many ECMP next hops and which uplinks, and whether FRR's view agrees with the kernel's. Checks B1-B14 (below) each report pass/warn/fail/n-a with the raw line they rest on; every finding that is not a pass says what to do (fix): the FRR or kernel command or setting to change, or how to get the data an n-a lacks.

A host where FRR did not answer (not installed, no daemons, not collected) is reported as "no FRR data for host X" (n/a), not as a failure. The exit code is 1 when any check fails.`;
  static override examples = [
    '<%= config.bin %> bgp --snapshot snap',
    '<%= config.bin %> bgp --snapshot snap --host hv1 --host hv2',
    '<%= config.bin %> bgp --snapshot snap --expected-uplinks 4 --overlay-mtu 8942 --json',
  ];
  static manSections = [
    {
      title: 'checks',
      body: `B1 each uplink session Established (fail otherwise, with lastResetDueTo; "Idle (Admin)" = shut down, "Idle (PfxCt)" = held down after maximum-prefix was exceeded: raise the limit or fix the sender, then clear the session; OpenSent/OpenConfirm = the OPEN exchange fails; Idle/Connect/Active = no TCP session: check the link and the peering).

B2 peerState OK; Passive warns; Policy (eBGP-requires-policy without route-maps: Established but nothing exchanged), PfxCt and Admin fail.

B3 Established uplinks: at least --expected-uplinks passes, fewer warns, none fails.

B4 pfxSnt per Established uplink at least 1 (0: the local TEP is not advertised).

B5 the local TEP is a /32 on lo or a dummy device, originated by BGP and advertised to every Established uplink (to fewer: warn).

B6 per remote TEP: a BGP /32 selected and installed with next hops on at least --expected-uplinks distinct interfaces; one left warns; missing (or only a less specific route) fails; missing in FRR while the kernel still holds the /32 fails as a stale kernel route (and B7).

B7 per remote TEP: FRR's fib next hops equal the kernel's (ip -j route show table all, ip -j nexthop show); a mismatch fails (zebra next-hop group out of sync), as does a /32 the kernel still forwards that FRR no longer has.

B8 ECMP configured: multipath-relax when the uplinks are in different ASes, maximum-paths at least 2.

B9 BFD up on every uplink that has it (init warns; down/shutdown fails with the diagnostic); no BFD is info.

B10 flaps: connectionsDropped and BFD session-down; one drop warns, two or more fail.

B11 pfxRcd per Established uplink covers every remote TEP that has a path through that ToR (its host is Established with the same ToR, by router-id or hostname, and advertises its TEP to it), or a default route; fewer warns; 0 fails — when no remote TEP has a path through that ToR (a down session, a single-homed host, a TEP not advertised) it warns and names those findings instead.

B12 OVS status:tunnel_egress_iface of the geneve ports is a BGP uplink.

B13 OVS tunnel BFD (bfd_status) of geneve ports with BFD enabled is up and forwarding.

B14 MTU of every ECMP leg: with --overlay-mtu, at least overlay MTU + 58; without, the legs are compared with each other.`,
    },
    {
      title: 'FRR access',
      body: `How vtysh is reached is decided per host at collection time: an inventory "frr:" setting when present; otherwise a host whose wrapper enters a network namespace ("ip netns exec NS") runs FRR as the instance named after it ("vtysh -N NS"); otherwise plain "vtysh".`,
    },
    jsonContractSection(BGP_JSON),
  ];
  static override enableJsonFlag = true;
  static override flags = {
    snapshot: Flags.string({ char: 's', summary: 'Snapshot directory.', required: true }),
    host: Flags.string({ char: 'H', summary: 'Only this host (as named in the snapshot).', multiple: true }),
    'expected-uplinks': Flags.integer({ summary: 'Uplinks (ECMP legs) every host should have.', default: DEFAULT_EXPECTED_UPLINKS, min: 1 }),
    'overlay-mtu': Flags.integer({ summary: 'Overlay (VM) MTU to check every ECMP leg against (B14); 68..65535 (IPv4 minimum, IP maximum).', min: 68, max: 65535 }),
  };

  async run() {
    const { flags } = await this.parse(Bgp);
    const result = await auditBgp({ snapshot: flags.snapshot, hosts: flags.host, expectedUplinks: flags['expected-uplinks'], overlayMtu: flags['overlay-mtu'] });
    if (!result.ok) this.failWith(result.error);
    if (anyFailed(result.value.findings)) process.exitCode = ExitCode.findingOrDrop;
    this.print(renderBgp(result.value, this.style));
    return result.value;
  }
}
