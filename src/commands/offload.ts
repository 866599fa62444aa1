import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { OFFLOAD_JSON, jsonContractSection } from '../cli/json-contract.js';
import { anyFailed } from '../model/finding.js';
import { ExitCode } from '../model/result.js';
import { renderOffload } from '../render/offload.js';
import { auditOffload } from '../services/offload.js';

export default class Offload extends BaseCommand {
  static override summary = 'Audit GENEVE offload on every device of each host\'s tunnel egress chain: is this hypervisor doing GENEVE in software?';
  static override description = `Reads the offload views a collection stored and shows, per host, every device GENEVE packets leave through — from OVS status:tunnel_egress_iface of the geneve ports (or the kernel route to each remote TEP) down through VLAN parents, bond slaves, bridge ports and the physical ports of an OVS bridge to the NICs — with driver, version and firmware (ethtool -i) and a PASS/INFO/WARN/FAIL/N-A per check. Checks O1-O9 cover stateless GENEVE offload; H1-H10 cover OVS TC-flower flow offload and run only when other_config:hw-offload is set (or --expect-hw-offload is given).

ethtool's "[fixed]" and "[requested on|off]" are read exactly as ethtool means them: "off [fixed]" is a missing capability (no ethtool fix; N/A on a virtual NIC), "off" is an administrative choice (fix: ethtool -K), "off [requested on]" is the kernel refusing (a dependency, or an upper device limited by its lower devices). The rules are driver-aware: an mlx5 tunnel table without 6081 is normal, ice and bnxt should list it. Each finding quotes the raw file and line it rests on, and every finding that is not a pass says what to do (fix): the command or setting that fixes it, what to use instead when a capability is missing, or how to get the data an N/A lacks. Devices of the same driver with different firmware, driver version or feature sets across hosts are reported (O8).

The exit code is 1 when any check fails.`;
  static override examples = [
    '<%= config.bin %> offload --snapshot snap',
    '<%= config.bin %> offload --snapshot snap --host hv1 --host hv2',
    '<%= config.bin %> offload --snapshot snap --expect-hw-offload --vf-offload --json',
  ];
  static manSections = [
    {
      title: 'checks',
      body: `Severity policy (the table of DOMAIN.md §3.5): a feature that is off but changeable (switched off, or "off [requested on]" that the kernel refuses) warns — packets still flow, segmented or checksummed in software, and the fix is a command; what breaks forwarding or offload fails. A missing NIC capability ("off [fixed]") is judged per check; on a virtual NIC it is N/A (the hypervisor decides).

O1 tx-udp_tnl-segmentation (GENEVE TSO) on every chain device: on passes; switched off warns (ethtool -K fix); "off [requested on]" warns — on a NIC (a dependency is off), on a bond/VLAN/bridge whose lower device lacks it, and on one that did not inherit it from lower devices that have it (the bonding bug fixed by 77b11c8bf3a2); "off [fixed]" on a physical NIC (no GENEVE TSO in the hardware) warns by default, info with --nic-without-geneve-tso info; N/A on a virtual NIC. An upper device that has the feature warns when one of its lower devices warns or fails (info when the lower NIC's gap is info by policy).

O2 tx-udp_tnl-csum-segmentation, when the geneve ports use csum=true: switched off or "off [requested on]" warns, "off [fixed]" on a physical NIC fails (fix: ovn-encap-csum=false on the remote chassis).

O3 rx-udp_tunnel-port-offload on the NICs: off warns, "off [fixed]" is info.

O4 ethtool --show-tunnels lists "port 6081, geneve": driver-aware (mlx5 N/A by design; ice and bnxt warn when it is missing while a kernel GENEVE socket exists and O3 is on; "device does not report tunnel offload info" is N/A).

O5 geneve ports on a port other than 6081 warn; fail when an mlx5 NIC is on the chain and flow offload is on.

O6 rx-checksumming and TX checksumming (tx-checksum-ip-generic, or ipv4 and ipv6): switched off warns.

O7 large-receive-offload on: fail (a forwarding host).

O8 drift: the same driver with different firmware, driver version or offload features across hosts warns; so do members of one bond or bridge that differ.

O9 bond transmit hash policy (hashing modes: balance-xor, 802.3ad, …): without TC-flower offload, layer2/layer2+3 warn (all traffic between two TEPs on one slave) and layer3+4/encap3+4 pass; with TC-flower offload (hw-offload=true), layer3+4 fails (not supported for offloaded bonds, RHOSP 17.1 §8.9) and every other policy, layer2/layer2+3 included, passes deliberately. active-backup is info (one slave at a time, no hashing).

H1 other_config:hw-offload against the intent (--expect-hw-offload / --no-expect-hw-offload).

H2 restart after the change: offloaded flows prove it, otherwise unknown (warn).

H3 hw-tc-offload on the NICs.

H4 devlink e-switch mode: switchdev passes; legacy warns (fails with --vf-offload).

H5 offloaded datapath flows (ovs-appctl dpctl/dump-flows -m type=offloaded): none fails; none with a tunnel warns.

H6 offload errors in logs: not collected (N/A).

H7 tc -s filter show DEV ingress: filters in_hw pass, only not_in_hw fail, a mix warns.

H8 tc-policy: none passes, skip_hw warns, skip_sw fails when flows are not in hardware.

H9 GENEVE option classes in the br-int TLV map: a second class/type on an mlx5 host fails.

H10 gateway_mtu of gateway routers under hw-offload: missing warns (PMTUD gap), set is noted.`,
    },
    jsonContractSection(OFFLOAD_JSON),
  ];
  static override enableJsonFlag = true;
  static override flags = {
    snapshot: Flags.string({ char: 's', summary: 'Snapshot directory.', required: true }),
    host: Flags.string({ char: 'H', summary: 'Only this host (as named in the snapshot); O8 then compares these hosts only.', multiple: true }),
    'expect-hw-offload': Flags.boolean({ summary: 'OVS TC-flower flow offload is intended (H1 fails when it is not configured; H2-H10 run).', allowNo: true }),
    'vf-offload': Flags.boolean({ summary: 'VF/representor offload is intended: an e-switch in legacy mode fails (H4).' }),
    'nic-without-geneve-tso': Flags.string({ summary: 'Severity of O1 for a physical NIC that cannot do GENEVE TSO at all.', options: ['warn', 'info'], default: 'warn' }),
  };

  async run() {
    const { flags } = await this.parse(Offload);
    const result = await auditOffload({
      snapshot: flags.snapshot,
      hosts: flags.host,
      expectHwOffload: flags['expect-hw-offload'],
      vfOffload: flags['vf-offload'],
      nicWithoutGeneveTso: flags['nic-without-geneve-tso'] as 'warn' | 'info',
    });
    if (!result.ok) this.failWith(result.error);
    if (anyFailed(result.value.findings)) process.exitCode = ExitCode.findingOrDrop;
    this.print(renderOffload(result.value, this.style));
    return result.value;
  }
}
