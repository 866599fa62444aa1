import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { MTU_JSON, jsonContractSection } from '../cli/json-contract.js';
import type { ManSection } from '../cli/man-section.js';
import { anyFailed } from '../model/finding.js';
import { ExitCode } from '../model/result.js';
import { renderMtu } from '../render/mtu.js';
import { auditMtu } from '../services/mtu.js';

export default class Mtu extends BaseCommand {
  static override summary = 'MTU along a VM-to-VM path, hop by hop, or across the cluster: "small pings work, large transfers stall".';
  static override description = `With --from and --to, resolves both ends (logical port, VM or pod name, interface name or IP), finds the chassis the path crosses (source, destination, and the gateway of a north-south path or gateway router) and walks it: the VM/pod interface (tap/veth, OVS Interface mtu and mtu_request), the logical network MTU (DHCP_Options mtu, Neutron neutron:mtu, OVN-Kubernetes gateway_mtu, or --mtu), br-int, the geneve port (df_default, csum), the egress device chain toward the remote TEP on every ECMP leg of the kernel route (ip -j route / ip -j nexthop; VLAN parents, bond slaves, bridge ports, OVS bridge uplinks; the route's mtu metric and the PMTU exception ip route get reports), the same from the destination back, and the gateway (gateway_mtu on router ports, the localnet uplink, check_pkt_len in the datapath).

The GENEVE overhead O is OVN's exact one: 58 B on an IPv4 underlay (14 inner Ethernet + 8 GENEVE + 8 OVN option TLV + 8 UDP + 20 IPv4), 78 B on IPv6 or dual stack, +4 on a VLAN-transparent network (vlan-passthru), +46 with --ipsec. It is printed with its breakdown.

The result is the largest inner IP packet that crosses every leg (and the best leg when ECMP legs differ), the bottleneck hop, and what happens above it: dropped with DF and a PMTUD black hole, fragmentation when df_default=false, only the flows hashed onto one ECMP leg, ICMP from the gateway.

With --all, the cluster-wide rules: every logical network must fit the smallest underlay MTU between any pair of chassis (H1), and networks, encapsulation families and per-host underlay MTUs must agree (H8); every host's egress toward every other chassis, every VIF and every gateway port are listed too.

The exit code is 1 when any check fails.`;
  static override examples = [
    '<%= config.bin %> mtu --snapshot snap --from vm1 --to vm2',
    '<%= config.bin %> mtu -s snap --from 10.6.0.11 --to 10.6.0.13 --json',
    '<%= config.bin %> mtu -s snap --from g1 --to 172.16.6.1',
    '<%= config.bin %> mtu -s snap --all --mtu 1400',
    '<%= config.bin %> mtu -s snap --all --switch-mtu 9216 --switch-mtu-semantics l2',
  ];
  static manSections: readonly ManSection[] = [
    {
      title: 'rules',
      body: `O = 58 (IPv4 TEP) or 78 (IPv6 TEP, or any IPv6 TEP in the cluster), +4 VLAN-transparent, +46 IPsec; M_net = the logical network MTU; U = the smallest IP MTU on a host's egress toward a remote TEP.

H0 VM/pod NIC: mtu(tap) = M_net; larger fails (the guest sends what the overlay was not sized for), smaller warns (OVS drops bigger packets toward it).

H1 logical network: M_net + O ≤ U on every pair of chassis (path: on the path; --all: every pair).

H2 br-int: information only (internal port, not on the forwarding path).

H3 geneve port: df_default=false warns (silent outer fragmentation); the kernel genev_sys_6081 device (MTU 65000) never limits.

H4 egress device chain: every device of every ECMP leg ≥ M_net + O; a VLAN (or macvlan) child bigger than its parent fails; a bond slave that differs from its bond warns (fails when smaller); the backup slave of an active-backup bond (ip -d link state BACKUP) does not limit today's packets — it is checked all the same and reported as what happens after a failover; a bridge port smaller than its bridge fails; ECMP legs with different MTUs warn (fail when the smaller is too small).

H5 underlay switch ports: out of band — --switch-mtu (IP MTU, or frame size with --switch-mtu-semantics l2: M_net + O + 14 + 4 per 802.1Q tag); N/A without it. With it, the switch port caps every leg, in path mode and with --all (so H1 and the largest packet count it).

H6 underlay L3 path: a PMTU exception the kernel learned (ip route get answers "cache expires N mtu M": an ICMP "fragmentation needed" from an underlay hop) below M_net + O fails. An mtu without "expires" is the route's own configured mtu metric: it is told once, as the route MTU under H4 (fails below M_net + O).

H7 north-south gateway: gateway_mtu on the router ports of the path set and ≤ M_net when the external side is bigger (missing warns), and the gateway's datapath has check_pkt_len (Check pkt length action: Yes). The replies of a north-south path are capped by the gateway too when the SB logical flows check packets coming in from the outside (check_pkt_larger in lr_in_admission, OVN ≥ 21.09): the reverse direction says so; without that flow (older OVN) or without the Logical_Flow table, a note says why it is left out.

H8 consistency (--all): one network MTU, one encapsulation family, no host with a smaller underlay than the rest.`,
    },
    jsonContractSection(MTU_JSON),
  ];
  static override enableJsonFlag = true;
  static override flags = {
    snapshot: Flags.string({ char: 's', summary: 'Snapshot directory or packed fixture (.tar.gz).', required: true }),
    from: Flags.string({ summary: 'Source: logical port, VM or pod name, interface name or IP.', exclusive: ['all'], dependsOn: ['to'] }),
    to: Flags.string({ summary: 'Destination: logical port, VM or pod name, interface name or IP (outside the overlay for north-south).', exclusive: ['all'], dependsOn: ['from'] }),
    all: Flags.boolean({ summary: 'Cluster-wide rules (H1, H8) and every host\'s egress toward every other chassis.', exclusive: ['from', 'to'] }),
    host: Flags.string({ char: 'H', summary: 'With --all: only the egress of this host (repeatable).', multiple: true }),
    mtu: Flags.integer({ summary: 'The platform\'s configured network MTU (OVN-Kubernetes --mtu, Kube-OVN, CNO) when the NB carries none.', min: 68, max: 65535 }),
    ipsec: Flags.boolean({ summary: 'OVN IPsec is on: add the 46 B ESP budget to the overhead.' }),
    'switch-mtu': Flags.integer({ summary: 'H5: the underlay switch ports\' MTU (out-of-band input).', min: 68, max: 65535 }),
    'switch-mtu-semantics': Flags.string({ summary: 'What --switch-mtu means: l3 = IP MTU (Linux), l2 = frame size including the Ethernet header.', options: ['l3', 'l2'], default: 'l3' }),
  };

  async run() {
    const { flags } = await this.parse(Mtu);
    const result = await auditMtu({
      snapshot: flags.snapshot,
      from: flags.from,
      to: flags.to,
      all: flags.all,
      hosts: flags.host,
      networkMtu: flags.mtu,
      ipsec: flags.ipsec,
      switchMtu: flags['switch-mtu'],
      switchMtuSemantics: flags['switch-mtu-semantics'] as 'l3' | 'l2',
    });
    if (!result.ok) this.failWith(result.error);
    if (anyFailed(result.value.findings)) process.exitCode = ExitCode.findingOrDrop;
    this.print(renderMtu(result.value, this.style));
    return result.value;
  }
}
