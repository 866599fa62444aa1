/**
 * GENEVE offload audit along the tunnel egress chain (DOMAIN.md "GENEVE offload" §3.5): the
 * on-call question "is this hypervisor doing GENEVE in software?".
 *
 * Stateless offload, on every device of the chain (OVS `status:tunnel_egress_iface` → VLAN
 * parent → bond slaves / bridge ports → NICs):
 *   O1 tx-udp_tnl-segmentation, O2 tx-udp_tnl-csum-segmentation (when the geneve ports carry
 *   csum=true), O3 rx-udp_tunnel-port-offload, O4 the NIC's UDP tunnel port table lists GENEVE,
 *   O5 non-standard GENEVE port, O6 checksum offloads, O7 LRO off, O8 drift (fleet: same driver
 *   with different firmware/driver/features; host: members of one bond/bridge that differ),
 *   O9 bond transmit hash policy.
 * OVS TC-flower flow offload, only when `other_config:hw-offload` is set (or intended):
 *   H1 hw-offload vs intent, H2 restart after the change, H3 hw-tc-offload, H4 devlink e-switch
 *   mode, H5 offloaded datapath flows, H6 offload errors in logs, H7 tc filters in_hw, H8
 *   tc-policy, H9 GENEVE option classes (mlx5: one), H10 gateway_mtu vs offload.
 *
 * `[fixed]` / `[requested on|off]` are read exactly as ethtool means them (see
 * `featureStatus`): `off [fixed]` is a missing capability (no ethtool fix), `off` is an
 * administrative choice (fix: `ethtool -K`), `off [requested on]` is a refusal by the kernel
 * (a dependency, or an upper device limited by its lower devices).
 *
 * Pure: typed snapshot state in, findings and per-host chain tables out. Driver knowledge is the
 * `DRIVER_RULES` table; severities that DOMAIN.md leaves to policy are options.
 */
import { compareFindings, excerptOf, SEVERITY_RANK, type Evidence, type Finding, type FindingSeverity } from '../model/finding.js';
import { featureStatus, featureText, firmwareOf, pciAddressOf, tunnelPorts, type DriverInfo, type EthtoolFeatures, type FeatureState, type FeatureStatus } from '../parse/ethtool.js';
import { OVN_GENEVE_OPTION } from '../parse/tlv-map.js';
import { chainLeaves, OFFLOAD_IDS, SHARED_IDS, type ChainDevice, type DeviceViews, type OffloadHostState, type OffloadSnapshot } from '../snapshot/load-offload.js';
import { plural } from '../model/plural.js';

// ---------------------------------------------------------------------------------------------
// Driver knowledge

export interface DriverRule {
  readonly label: string;
  /**
   * What `ethtool --show-tunnels` shows for GENEVE: `lists-geneve` (a GENEVE table the driver
   * programs with the port of every kernel GENEVE socket), `vxlan-only` (no GENEVE entry by
   * design), or `unknown`.
   */
  readonly tunnelTable: 'lists-geneve' | 'vxlan-only' | 'unknown';
  /** UDP_TUNNEL_NIC_INFO_OPEN_ONLY: ports are programmed only while the netdev is up. */
  readonly openOnly?: boolean;
  /** TC-flower GENEVE offload only on destination port 6081. */
  readonly tcGeneve6081Only?: boolean;
  /** One GENEVE option class/type combination per device (32-bit data, value ≠ 0). */
  readonly oneGeneveOptionClass?: boolean;
  /** GENEVE option (TLV) matching is not in the TC offload input sets: OVN flows stay in software. */
  readonly noGeneveOptionMatch?: boolean;
  readonly why: string;
}

/** Per-driver facts the checks need (DOMAIN.md §3.3, §3.4). Keyed by `ethtool -i` driver. */
export const DRIVER_RULES: Readonly<Record<string, DriverRule>> = {
  mlx5_core: {
    label: 'NVIDIA ConnectX (mlx5)',
    tunnelTable: 'vxlan-only',
    tcGeneve6081Only: true,
    oneGeneveOptionClass: true,
    why: 'mlx5 registers only a VXLAN table (UDP_TUNNEL_NIC_INFO_STATIC_IANA_VXLAN, 4789); GENEVE TX offload is mlx5_geneve_tx_allowed() and RX/TC matching uses a flex parser for 6081, so 6081 is never listed; TC GENEVE decap: port 6081 only, one option class/type per device',
  },
  ice: {
    label: 'Intel E810 (ice)',
    tunnelTable: 'lists-geneve',
    noGeneveOptionMatch: true,
    why: 'ice: tables[0] VXLAN, tables[1] GENEVE, filled from the kernel GENEVE socket port; E810 TC input sets have no GENEVE option match (switchdev guide 645272)',
  },
  bnxt_en: {
    label: 'Broadcom NetXtreme-E (bnxt_en)',
    tunnelTable: 'lists-geneve',
    openOnly: true,
    why: 'bnxt: one VXLAN and one GENEVE entry, UDP_TUNNEL_NIC_INFO_OPEN_ONLY (programmed only while the device is up)',
  },
};

/** Para-virtual NICs: their offload capabilities are the hypervisor's, so `off [fixed]` is N/A. */
export const VIRTUAL_DRIVERS: ReadonlySet<string> = new Set(['virtio_net', 'veth', 'vmxnet3', 'hv_netvsc', 'ena', 'gve', 'xen_netfront', 'vif', 'tun', 'ibmveth']);
/** Software devices (uppers and pseudo devices), by `ethtool -i` driver. */
export const SOFTWARE_DRIVERS: ReadonlySet<string> = new Set(['bonding', '802.1Q VLAN Support', 'bridge', 'macvlan', 'ipvlan', 'team', 'openvswitch', 'vxlan', 'geneve', 'dummy']);

export type DeviceClass = 'physical' | 'virtual' | 'software';

export function deviceClass(d: Pick<ChainDevice, 'role' | 'lowers'>, driver: string | undefined): DeviceClass {
  if (d.lowers.length || ['bond', 'team', 'bridge', 'vlan', 'macvlan', 'ovs-bridge', 'tunnel'].includes(d.role)) return 'software';
  if (driver && VIRTUAL_DRIVERS.has(driver)) return 'virtual';
  if (d.role === 'veth') return 'virtual';
  if (driver && SOFTWARE_DRIVERS.has(driver)) return 'software';
  if (d.role === 'other') return 'software';
  return 'physical';
}

// ---------------------------------------------------------------------------------------------
// Options and report shapes

export interface OffloadCheckOptions {
  /** Is OVS TC-flower flow offload intended? Undefined: the host's configuration is taken as the intent. */
  readonly expectHwOffload?: boolean;
  /** VF/representor offload is intended: H4 `legacy` fails instead of warning. */
  readonly vfOffload?: boolean;
  /** O1 for a physical NIC that cannot do GENEVE TSO at all (`off [fixed]`); DOMAIN.md leaves it to policy. Default warn. */
  readonly nicWithoutGeneveTso?: 'warn' | 'info';
}

/** Per-device checks shown as table columns. */
export const DEVICE_CHECKS = ['O1', 'O2', 'O3', 'O4', 'O6', 'O7', 'H3', 'H7'] as const;
export type DeviceCheck = (typeof DEVICE_CHECKS)[number];

export interface ChainRow {
  readonly host: string;
  readonly device: string;
  readonly depth: number;
  readonly upper?: string;
  readonly relation: string;
  readonly role: string;
  readonly class: DeviceClass;
  readonly driver?: string;
  readonly driverVersion?: string;
  readonly firmware?: string;
  readonly busInfo?: string;
  /** Severity per check; absent when the check does not apply to this device. */
  readonly cells: Partial<Record<DeviceCheck, FindingSeverity>>;
}

export interface HostOffloadSummary {
  readonly host: string;
  readonly collected: boolean;
  readonly kernel?: string;
  readonly ethtool?: string;
  /** `other_config:hw-offload` (undefined: not set or not collected). */
  readonly hwOffload?: boolean;
  readonly tcPolicy?: string;
  /** Flow offload checks ran (configured or intended). */
  readonly flowOffload: boolean;
  readonly roots: readonly { readonly device: string; readonly source: string; readonly port?: string; readonly remoteIp?: string }[];
  readonly notes: readonly string[];
  readonly excluded: readonly { readonly name: string; readonly why: string }[];
  /** Severity of that answer: the worst O1/O2 of the chain. */
  readonly verdict: FindingSeverity;
  /**
   * The answer to "is GENEVE segmented in software here?", apart from how severe the policy finds it:
   * `software` (every packet leaving the chain root), `partly` (flows hashed onto some lower devices),
   * `offloaded`, `unknown` (no feature data, or virtual NICs whose hypervisor decides).
   */
  readonly segmentation: Segmentation;
}

export type Segmentation = 'offloaded' | 'partly' | 'software' | 'unknown';

export interface OffloadReport {
  readonly hosts: readonly HostOffloadSummary[];
  readonly rows: readonly ChainRow[];
  readonly findings: readonly Finding[];
}

// ---------------------------------------------------------------------------------------------
// Evidence

function evidenceOf(h: OffloadHostState) {
  const fileOf = (id: string) => h.files.get(id);
  const pathOf = (id: string) => fileOf(id)?.file ?? h.commands.get(id)?.file ?? `hosts/${h.host}/${id}.out`;
  return {
    line(id: string, line: number | undefined, fallback?: string): Evidence {
      const f = fileOf(id);
      if (!f) return { file: pathOf(id), excerpt: fallback ?? '(not collected)' };
      const text = line !== undefined ? f.lines[line - 1] : undefined;
      return { file: f.file, line: text !== undefined ? line : undefined, excerpt: excerptOf(text ?? fallback ?? f.lines.find((l) => l.trim() && !l.startsWith('#')) ?? '') };
    },
    /** Where a command's output would be, with its failure when it failed. */
    missing(id: string, what: string): Evidence {
      const c = h.commands.get(id);
      return { file: pathOf(id), excerpt: c ? `${what}: ${c.status}${c.error ? ` (${c.error})` : ''}` : `${what}: not collected` };
    },
    has: (id: string) => h.files.has(id),
  };
}


// ---------------------------------------------------------------------------------------------
// Per host

interface Ctx {
  readonly h: OffloadHostState;
  readonly ev: ReturnType<typeof evidenceOf>;
  readonly findings: Finding[];
  readonly cells: Map<string, Partial<Record<DeviceCheck, FindingSeverity>>>;
  readonly options: OffloadCheckOptions;
  readonly flowOffload: boolean;
  readonly hwOffload?: boolean;
}

function driverOf(v: DeviceViews | undefined): string | undefined {
  return v?.driver?.driver;
}

function subjectOf(d: ChainDevice, v: DeviceViews | undefined): string {
  const drv = driverOf(v);
  return `${d.name}${drv ? ` (${drv})` : d.kind ? ` (${d.kind})` : ''}`;
}

function add(ctx: Ctx, f: Omit<Finding, 'host'>, device?: string, cell?: DeviceCheck): void {
  const finding: Finding = { ...f, host: ctx.h.host };
  ctx.findings.push(finding);
  if (device && cell) {
    const c = ctx.cells.get(device) ?? {};
    c[cell] = f.severity;
    ctx.cells.set(device, c);
  }
}

/** Evidence lines for one feature of a device: the text line and, when collected, the JSON key. */
function featureEvidence(ctx: Ctx, dev: string, name: string): Evidence[] {
  const v = ctx.h.devices.get(dev);
  const out: Evidence[] = [];
  const t = v?.featuresText?.features.get(name);
  if (t) out.push(ctx.ev.line(OFFLOAD_IDS.features(dev), t.line, t.raw));
  const j = v?.featuresJson?.features.get(name);
  // A JSON feature spans several lines: quote the record, point at its key.
  if (j) out.push({ file: ctx.h.files.get(OFFLOAD_IDS.featuresJson(dev))?.file ?? `hosts/${ctx.h.host}/${OFFLOAD_IDS.featuresJson(dev)}.out`, line: j.line, excerpt: excerptOf(j.raw) });
  if (!out.length) out.push(v?.featuresText || v?.featuresJson ? ctx.ev.line(OFFLOAD_IDS.features(dev), undefined, `${name}: not listed`) : ctx.ev.missing(OFFLOAD_IDS.features(dev), 'ethtool -k'));
  return out;
}

/** Why a device's features are unknown (for N/A findings). */
function noFeatures(ctx: Ctx, d: ChainDevice): string {
  if (d.role === 'dpdk') return 'a DPDK port (no kernel netdev for ethtool)';
  const c = ctx.h.commands.get(OFFLOAD_IDS.features(d.name));
  if (!c) return ctx.h.collected ? 'ethtool -k was not collected for it' : 'the offload data was not collected on this host (snapshot taken without the offload recipe)';
  return `ethtool -k ${c.status}${c.error ? `: ${c.error}` : ''}`;
}

/** The fix of a finding whose input is missing: the read-only command to run on the host, or a new collection. */
const readByHand = (command: string) => `run "${command}" on the host, or collect again with this ovnscope (its offload recipe runs it)`;

/** What to do when a device's ethtool features are unknown (the n/a of O1–O3, O6, O7, H3). */
function noFeaturesFix(d: ChainDevice, feature: string): string {
  if (d.role === 'dpdk') return `ethtool cannot see a DPDK port: read its offloads with "ovs-vsctl get Interface ${d.name} status" (OVS reports a DPDK port's offload capabilities there)`;
  return readByHand(`ethtool -k ${d.name} | grep ${feature}`);
}

interface FeatureVerdict {
  readonly severity: FindingSeverity;
  readonly message: string;
  readonly fix?: string;
  readonly evidence: Evidence[];
}

/** The feature's status, or the reason it has none. */
function featureOf(ctx: Ctx, d: ChainDevice, name: string): { f: FeatureState; status: FeatureStatus; features: EthtoolFeatures } | { reason: string } {
  const v = ctx.h.devices.get(d.name);
  if (!v?.features) return { reason: noFeatures(ctx, d) };
  const f = v.features.features.get(name);
  if (!f) return { reason: v.features.complete ? `${name} is not listed by this kernel/ethtool` : `${name} is not in the (partial) output` };
  return { f, status: featureStatus(f), features: v.features };
}

// ---- O1 / O2 -------------------------------------------------------------------------------

/**
 * Segmentation features (O1, O2) are judged bottom-up: a leaf by its own bits, an upper device by
 * its own bits and by what its lower devices can do (a bond whose slave lacks GENEVE TSO sends the
 * flows hashed to that slave through software segmentation, whatever the bond itself says).
 */
function segmentationCheck(ctx: Ctx, id: 'O1' | 'O2', feature: string, what: string, chainByName: ReadonlyMap<string, ChainDevice>): Segmentation {
  const memo = new Map<string, FindingSeverity>();
  const segOf = new Map<string, Segmentation>();
  /** Where a device's GENEVE is segmented: its own bit, then what its lower devices do. */
  const segmentation = (d: ChainDevice, st: ReturnType<typeof featureOf>, cls: DeviceClass): Segmentation => {
    if ('reason' in st) return 'unknown';
    // A virtual NIC's [fixed] bits are the hypervisor's to decide (O1 N/A); switched off, it segments in software like any other.
    if (!st.f.active) return cls === 'virtual' && st.f.fixed === true ? 'unknown' : 'software';
    const lowers = d.lowers.map((n) => segOf.get(n) ?? 'unknown').filter((x) => x !== 'unknown');
    if (!lowers.length || lowers.every((x) => x === 'offloaded')) return 'offloaded';
    return lowers.every((x) => x === 'software') ? 'software' : 'partly';
  };
  const policyFixed: FindingSeverity = id === 'O1' ? (ctx.options.nicWithoutGeneveTso ?? 'warn') : 'fail';
  const verdict = (d: ChainDevice): FindingSeverity => {
    const known = memo.get(d.name);
    if (known) return known;
    memo.set(d.name, 'n-a'); // cycle guard
    const lowerVerdicts = d.lowers.map((n) => chainByName.get(n)).filter((x): x is ChainDevice => !!x).map((l) => ({ l, s: verdict(l) }));
    const v = ctx.h.devices.get(d.name);
    const cls = deviceClass(d, driverOf(v));
    const st = featureOf(ctx, d, feature);
    let out: FeatureVerdict;
    if ('reason' in st) out = { severity: 'n-a', message: `${what} unknown: ${st.reason}`, fix: noFeaturesFix(d, feature), evidence: featureEvidence(ctx, d.name, feature) };
    else {
      const ev = featureEvidence(ctx, d.name, feature);
      const shown = featureText(st.f);
      const failing = lowerVerdicts.filter((x) => x.s === 'fail' || x.s === 'warn');
      const accepted = lowerVerdicts.filter((x) => x.s === 'info');
      const names = failing.map((x) => x.l.name).join(', ');
      switch (st.status) {
        case 'on':
        case 'on-fixed':
        case 'on-unwanted':
          if (failing.length) {
            const how = d.role === 'bond' || d.role === 'team' ? `flows hashed to ${names} are segmented in software` : d.role === 'bridge' ? `GENEVE leaving through ${names} is segmented in software` : `its lower device ${names} segments in software`;
            out = { severity: 'warn', message: `${feature} is ${shown} on ${d.name}, but ${plural(failing.length, 'lower device')} (${names}) ${failing.length === 1 ? 'lacks' : 'lack'} it: ${how}`, fix: `fix ${names} (see ${id} on ${failing.length === 1 ? 'it' : 'them'})`, evidence: ev };
          } else if (accepted.length)
            // A lower NIC whose missing capability the policy reports as info (--nic-without-geneve-tso info): say so, at the same level.
            out = {
              severity: 'info',
              message: `${feature} is ${shown} on ${d.name}; ${accepted.map((x) => x.l.name).join(', ')} ${accepted.length === 1 ? 'lacks' : 'lack'} it (a NIC capability, reported as info by policy): GENEVE through ${accepted.length === 1 ? 'it' : 'them'} is segmented in software`,
              fix: `no ethtool setting adds a missing capability: to offload it, move ${accepted.map((x) => x.l.name).join(', ')} to NICs with ${feature}; otherwise nothing to do (accepted by --nic-without-geneve-tso info)`,
              evidence: ev,
            };
          else out = { severity: 'pass', message: `${feature} ${shown}`, evidence: ev };
          break;
        // DOMAIN.md §3.5: a segmentation feature that is off but not [fixed] — switched off, or
        // [requested on] and refused — warns (O1 and O2 alike): packets still flow, segmented in
        // software; only O2's missing capability ([fixed] with csum=true) fails.
        case 'off-admin':
          out = {
            severity: 'warn',
            message: `${feature} is switched off (${shown}, changeable): ${id === 'O1' ? 'the kernel segments every GENEVE-encapsulated TCP stream in software (GSO) on this host' : 'GENEVE with outer UDP checksum (csum=true) is checksummed and segmented in software'}`,
            fix: `ethtool -K ${d.name} ${feature} on   # and persist it (NetworkManager/udev/os-net-config)`,
            evidence: ev,
          };
          break;
        case 'off-refused': {
          if (d.lowers.length && failing.length)
            out = { severity: 'warn', message: `${feature} is ${shown} on ${d.name}: the kernel limits it to what its lower devices can do, and ${names} ${failing.length === 1 ? 'lacks' : 'lack'} it`, fix: `fix ${names} first; ${d.name} picks the feature up from its lower devices`, evidence: ev };
          else if (d.lowers.length)
            out = {
              severity: 'warn',
              message: `${feature} is ${shown} on ${d.name} although every lower device has it: the upper device did not inherit the feature (the bonding bug fixed upstream by 77b11c8bf3a2 "bonding: Fix feature propagation of NETIF_F_GSO_ENCAP_ALL" shows exactly this)`,
              fix: `upgrade the kernel to one with 77b11c8bf3a2; as a workaround re-apply: ethtool -K ${d.name} ${feature} on`,
              evidence: ev,
            };
          else
            out = { severity: 'warn', message: `${feature} is ${shown}: asked for, but the kernel keeps it off (a feature it depends on is off, e.g. TX checksumming)`, fix: `ethtool -k ${d.name} | grep -E 'tx-checksum|${feature}'   # switch the dependency on, then: ethtool -K ${d.name} ${feature} on`, evidence: ev };
          break;
        }
        case 'off-fixed':
          if (cls === 'virtual')
            out = { severity: 'n-a', message: `${feature} ${shown} on a virtual NIC (${driverOf(v) ?? d.role}): the hypervisor decides; nothing to change in the guest`, fix: `nothing to change on this host: ask the operator of the hypervisor for a vNIC that offers ${feature}`, evidence: ev };
          else if (cls === 'software')
            out = {
              severity: 'warn',
              message: `${feature} ${shown} on ${d.role} device ${d.name}: it cannot pass GENEVE segmentation down, so it is done in software here`,
              fix: `this kernel's ${d.role} driver cannot pass ${feature} down ([fixed]): send the tunnel over a device that can (the NIC itself, or a VLAN/bond over it), or run a kernel whose ${d.role} driver offers it`,
              evidence: ev,
            };
          else
            out = {
              severity: policyFixed,
              message:
                id === 'O1'
                  ? `NIC lacks GENEVE TSO (${feature} ${shown}): a capability, not a setting — the kernel segments GENEVE in software (more CPU on the sender)`
                  : `NIC lacks checksum+segmentation for UDP tunnels with outer checksum (${feature} ${shown}) while the geneve ports use csum=true: TX checksum and TSO happen in software`,
              fix:
                id === 'O2'
                  ? 'on the remote chassis set external_ids:ovn-encap-csum=false (ovn-controller copies it onto this host\'s geneve ports as options:csum), or use a NIC with tx-udp_tnl-csum-segmentation'
                  : `no ethtool setting adds a missing capability: put the tunnel uplink on a NIC with ${feature}, or accept the CPU cost (--nic-without-geneve-tso info reports it as info)`,
              evidence: ev,
            };
          break;
      }
    }
    add(ctx, { id, severity: out.severity, subject: subjectOf(d, v), message: out.message, evidence: out.evidence, fix: out.fix }, d.name, id);
    memo.set(d.name, out.severity);
    segOf.set(d.name, segmentation(d, st, cls));
    return out.severity;
  };
  for (const d of ctx.h.chain.devices) verdict(d);
  const roots = ctx.h.chain.devices.filter((d) => d.depth === 0).map((d) => segOf.get(d.name) ?? 'unknown');
  const known = roots.filter((x) => x !== 'unknown');
  if (!known.length) return 'unknown';
  return known.includes('software') ? 'software' : known.includes('partly') ? 'partly' : 'offloaded';
}

// ---- O3 / O6 / O7 / H3 ---------------------------------------------------------------------

function simpleFeatureCheck(
  ctx: Ctx,
  d: ChainDevice,
  id: DeviceCheck,
  feature: string,
  rules: { onFixedOff: (cls: DeviceClass) => FindingSeverity; adminOff: FindingSeverity; wantOn: boolean; message: (shown: string, status: FeatureStatus) => string; fix?: string; fixedFix?: string },
): void {
  const v = ctx.h.devices.get(d.name);
  const st = featureOf(ctx, d, feature);
  if ('reason' in st) {
    add(ctx, { id, severity: 'n-a', subject: subjectOf(d, v), message: `${feature} unknown: ${st.reason}`, evidence: featureEvidence(ctx, d.name, feature), fix: noFeaturesFix(d, feature) }, d.name, id);
    return;
  }
  const cls = deviceClass(d, driverOf(v));
  const shown = featureText(st.f);
  const good = rules.wantOn ? st.f.active : !st.f.active;
  let severity: FindingSeverity;
  if (good) severity = 'pass';
  else if (st.f.fixed === true) severity = rules.onFixedOff(cls);
  else severity = rules.adminOff;
  const fix = severity === 'pass' ? undefined : st.f.fixed === true ? rules.fixedFix : rules.fix;
  add(ctx, { id, severity, subject: subjectOf(d, v), message: rules.message(shown, st.status), evidence: featureEvidence(ctx, d.name, feature), fix: fix?.replace(/DEV/g, d.name) }, d.name, id);
}

function o3(ctx: Ctx, d: ChainDevice): void {
  simpleFeatureCheck(ctx, d, 'O3', 'rx-udp_tunnel-port-offload', {
    wantOn: true,
    adminOff: 'warn',
    onFixedOff: (cls) => (cls === 'physical' ? 'info' : 'n-a'),
    message: (shown, status) =>
      status === 'on' || status === 'on-fixed' || status === 'on-unwanted'
        ? `rx-udp_tunnel-port-offload ${shown}: the NIC parses GENEVE on the programmed UDP ports (inner checksum, inner RSS)`
        : status === 'off-fixed'
          ? `rx-udp_tunnel-port-offload ${shown}: not offered by this driver — only needed by NICs without protocol-agnostic RX offloads`
          : `rx-udp_tunnel-port-offload ${shown}: switched off, so no UDP tunnel port is programmed into the NIC`,
    fix: 'ethtool -K DEV rx-udp_tunnel-port-offload on',
    fixedFix: 'nothing to switch on: DEV has no UDP tunnel port table to program ([fixed]); NICs with protocol-agnostic RX offloads do not need one',
  });
}

function o6(ctx: Ctx, d: ChainDevice): void {
  const v = ctx.h.devices.get(d.name);
  const feats = v?.features;
  if (!feats) {
    add(ctx, { id: 'O6', severity: 'n-a', subject: subjectOf(d, v), message: `checksum offloads unknown: ${noFeatures(ctx, d)}`, evidence: [ctx.ev.missing(OFFLOAD_IDS.features(d.name), 'ethtool -k')], fix: noFeaturesFix(d, 'checksum') }, d.name, 'O6');
    return;
  }
  const cls = deviceClass(d, driverOf(v));
  const get = (n: string) => feats.features.get(n);
  const rx = get('rx-checksumming');
  const gen = get('tx-checksum-ip-generic');
  const v4 = get('tx-checksum-ipv4');
  const v6 = get('tx-checksum-ipv6');
  const txOk = gen?.active === true || (v4?.active === true && v6?.active === true);
  const txKnown = gen !== undefined || (v4 !== undefined && v6 !== undefined);
  const txAdminOff = !txOk && [gen, v4, v6].some((f) => f && !f.active && f.fixed !== true);
  const rxOk = rx?.active === true;
  const rxAdminOff = rx !== undefined && !rx.active && rx.fixed !== true;
  const problems: string[] = [];
  const naOnly: string[] = [];
  const fixes: string[] = [];
  let severity: FindingSeverity = 'pass';
  const raise = (s: FindingSeverity) => {
    const rank: Record<FindingSeverity, number> = { fail: 0, warn: 1, info: 2, pass: 3, 'n-a': 4 };
    if (rank[s] < rank[severity]) severity = s;
  };
  if (!txKnown && rx === undefined) {
    add(ctx, { id: 'O6', severity: 'n-a', subject: subjectOf(d, v), message: 'checksum features not in the output', evidence: featureEvidence(ctx, d.name, 'rx-checksumming'), fix: noFeaturesFix(d, 'checksum') }, d.name, 'O6');
    return;
  }
  if (txKnown && !txOk) {
    if (txAdminOff) {
      raise('warn');
      problems.push(`TX checksum offload switched off (${[gen, v4, v6].filter(Boolean).map((f) => `${f!.name} ${featureText(f!)}`).join(', ')}): inner checksums and TSO fall back to software`);
      fixes.push(`ethtool -K ${d.name} tx on`);
    } else if (cls === 'physical') {
      raise('info');
      problems.push(`no TX checksum offload (${[gen, v4, v6].filter(Boolean).map((f) => `${f!.name} ${featureText(f!)}`).join(', ')})`);
      fixes.push(`no ethtool setting adds TX checksum offload to ${d.name} ([fixed]): a NIC capability`);
    } else if (cls === 'virtual') naOnly.push(`TX checksum offload not offered by the virtual NIC (${[gen, v4, v6].filter(Boolean).map((f) => `${f!.name} ${featureText(f!)}`).join(', ')})`);
    // An upper device's fixed checksum bits say nothing: its lower devices checksum.
  }
  // RX checksumming matters where packets arrive from the wire: the devices at the bottom.
  if (rx && !rxOk && d.lowers.length === 0) {
    if (rxAdminOff) {
      raise('warn');
      problems.push(`rx-checksumming ${featureText(rx)}: switched off, every received GENEVE packet is checksummed in software`);
      fixes.push(`ethtool -K ${d.name} rx on`);
    } else if (cls === 'physical') {
      raise('info');
      problems.push(`rx-checksumming ${featureText(rx)}: not offered`);
      fixes.push(`no ethtool setting adds RX checksum offload to ${d.name} ([fixed]): a NIC capability`);
    } else naOnly.push(`rx-checksumming ${featureText(rx)} on a ${cls} device`);
  }
  const evidence = [...(rx ? featureEvidence(ctx, d.name, 'rx-checksumming') : []), ...(gen ? featureEvidence(ctx, d.name, 'tx-checksum-ip-generic') : []), ...(!gen && v4 ? featureEvidence(ctx, d.name, 'tx-checksum-ipv4') : [])];
  if (!problems.length && naOnly.length) {
    add(ctx, { id: 'O6', severity: 'n-a', subject: subjectOf(d, v), message: naOnly.join('; '), evidence, fix: `nothing to change on ${d.name}: ${cls === 'virtual' ? 'the hypervisor decides what a virtual NIC offers' : 'the devices below it do the checksumming (see O6 on them)'}` }, d.name, 'O6');
    return;
  }
  const message = problems.length ? problems.join('; ') : `checksum offloads on (${[rx, txOk && gen?.active ? gen : undefined, !gen?.active && v4 ? v4 : undefined, !gen?.active && v6 ? v6 : undefined].filter(Boolean).map((f) => `${f!.name} ${featureText(f!)}`).join(', ')})`;
  add(ctx, { id: 'O6', severity, subject: subjectOf(d, v), message, evidence, fix: severity !== 'pass' && fixes.length ? fixes.join('; ') : undefined }, d.name, 'O6');
}

function o7(ctx: Ctx, d: ChainDevice): void {
  simpleFeatureCheck(ctx, d, 'O7', 'large-receive-offload', {
    wantOn: false,
    adminOff: 'fail',
    onFixedOff: () => 'fail',
    message: (shown) =>
      shown.startsWith('on')
        ? `large-receive-offload is ${shown}, and this host forwards (a device of the tunnel egress chain): LRO merges segments the host then forwards (to VMs, into tunnels), which breaks forwarding and PMTU`
        : `large-receive-offload ${shown}`,
    fix: 'ethtool -K DEV lro off',
    fixedFix: 'the driver keeps LRO on ([fixed]): update the driver/firmware, or do not bridge/forward through DEV',
  });
}

function h3(ctx: Ctx, d: ChainDevice): void {
  simpleFeatureCheck(ctx, d, 'H3', 'hw-tc-offload', {
    wantOn: true,
    adminOff: 'fail',
    onFixedOff: () => 'fail',
    message: (shown, status) =>
      status === 'on' || status === 'on-fixed' || status === 'on-unwanted'
        ? `hw-tc-offload ${shown}: TC flower rules can go to the NIC`
        : status === 'off-fixed'
          ? `hw-tc-offload ${shown}: this device cannot take TC flower rules, so OVS flow offload stays in software here`
          : `hw-tc-offload ${shown}: OVS's TC flower rules are not pushed to the NIC`,
    fix: 'ethtool -K DEV hw-tc-offload on',
    fixedFix: 'DEV cannot offload TC rules: put the tunnel on a switchdev-capable NIC, or set other_config:hw-offload=false',
  });
}

// ---- O4 ------------------------------------------------------------------------------------

function o4(ctx: Ctx, d: ChainDevice, geneveSocketPorts: readonly number[]): void {
  const v = ctx.h.devices.get(d.name);
  const drv = driverOf(v);
  const cls = deviceClass(d, drv);
  const subject = subjectOf(d, v);
  const id = OFFLOAD_IDS.tunnels(d.name);
  const rule = drv ? DRIVER_RULES[drv] : undefined;
  const put = (severity: FindingSeverity, message: string, evidence: Evidence[], fix?: string) => add(ctx, { id: 'O4', severity, subject, message, evidence, fix }, d.name, 'O4');
  if (cls !== 'physical') return put('n-a', `UDP tunnel port table: not applicable to a ${cls} device`, [ctx.ev.missing(id, 'ethtool --show-tunnels')], cls === 'virtual' ? 'nothing to change: a virtual NIC has no tunnel port table this host programs' : `nothing to change on ${d.name}: the NICs below it hold the tunnel port table (see O4 on them)`);
  const t = v?.tunnels;
  const oldEthtool = ctx.h.ethtoolVersion && !(ctx.h.ethtoolVersion.major > 5 || (ctx.h.ethtoolVersion.major === 5 && ctx.h.ethtoolVersion.minor >= 10));
  if (!t) return put('n-a', `UDP tunnel port table unknown: ethtool --show-tunnels was not collected${oldEthtool ? ` (ethtool ${ctx.h.ethtoolVersion!.text} < 5.10)` : ''}`, [ctx.ev.missing(id, 'ethtool --show-tunnels')], oldEthtool ? `install ethtool ≥ 5.10 on the host (--show-tunnels is new in 5.10), then: ethtool --show-tunnels ${d.name}` : readByHand(`ethtool --show-tunnels ${d.name}`));
  if (t.notReported)
    return put('n-a', 'the driver reports no UDP tunnel port table ("device does not report tunnel offload info")', [{ file: ctx.h.commands.get(id)?.errFile ?? ctx.h.commands.get(id)?.file ?? `hosts/${ctx.h.host}/${id}.err`, excerpt: excerptOf(t.error ?? 'netlink error: device does not report tunnel offload info') }], `nothing to change: ${drv ?? 'this driver'} keeps no UDP tunnel port table; O1 and O3 say what it offloads`);
  if (!t.info) return put('n-a', `UDP tunnel port table unknown: ${t.error ?? t.status ?? 'no output'}`, [ctx.ev.missing(id, 'ethtool --show-tunnels')], readByHand(`ethtool --show-tunnels ${d.name}`));
  const entries = tunnelPorts(t.info);
  const wanted = geneveSocketPorts.length ? geneveSocketPorts : [6081];
  const hit = entries.find((e) => e.type === 'geneve' && wanted.includes(e.port));
  if (hit) return put('pass', `port ${hit.port}, geneve is programmed in the NIC's UDP tunnel port table`, [ctx.ev.line(id, hit.line)]);
  const evidence = [ctx.ev.line(id, t.info.devices[0]?.line, 'Tunnel information')];
  if (rule?.tunnelTable === 'vxlan-only') return put('n-a', `${rule.label}: no GENEVE entry by design (${rule.why.split(';')[0]})`, evidence, `nothing to change: ${rule.label} never lists 6081 here; O1 and O3 say whether GENEVE is offloaded`);
  if (!geneveSocketPorts.length)
    return put('n-a', 'no kernel GENEVE socket on this host (no geneve device in ip -d link: userspace/DPDK datapath, or OVS not running): nothing for the NIC to learn', evidence, 'nothing to program while OVS has no kernel GENEVE port: check "ovs-appctl dpif/show" (a system@ovs-system datapath with genev_sys_6081) if the kernel datapath is expected');
  const o3f = featureOf(ctx, d, 'rx-udp_tunnel-port-offload');
  const o3on = !('reason' in o3f) && o3f.f.active;
  if (!('reason' in o3f) && !o3f.f.active) return put('info', `GENEVE port ${wanted.join('/')} not listed: rx-udp_tunnel-port-offload is off (see O3), so no port is programmed`, evidence, o3f.f.fixed === true ? `nothing to switch on: ${d.name} has no UDP tunnel port offload (O3)` : `ethtool -K ${d.name} rx-udp_tunnel-port-offload on   # see O3`);
  if (rule?.tunnelTable === 'lists-geneve') {
    const link = ctx.h.links?.find((l) => l.ifname === d.name);
    if (rule.openOnly && link && !link.adminUp) return put('n-a', `${rule.label} programs tunnel ports only while the device is up, and ${d.name} is down`, evidence, `ip link set ${d.name} up   # if it should carry the tunnel; the driver programs the ports then`);
    if (o3on) return put('warn', `${rule.label} should list "port ${wanted[0]}, geneve" (a kernel GENEVE socket exists and rx-udp_tunnel-port-offload is on), but the table has no such entry: GENEVE RX parsing offload is not in use`, evidence, `ethtool -K ${d.name} rx-udp_tunnel-port-offload off; ethtool -K ${d.name} rx-udp_tunnel-port-offload on   # re-programs the ports; check dmesg for ${drv} tunnel port errors`);
  }
  return put(
    'info',
    `GENEVE port ${wanted.join('/')} not listed${entries.length ? ` (entries: ${entries.map((e) => `${e.port}/${e.type}`).join(', ')})` : ''}; whether ${drv ?? 'this driver'} should list it is not in ovnscope's driver table`,
    evidence,
    `compare "ethtool --show-tunnels ${d.name}" with a host where ${drv ?? 'this driver'} offloads GENEVE; if it should list the port: ethtool -K ${d.name} rx-udp_tunnel-port-offload off; ethtool -K ${d.name} rx-udp_tunnel-port-offload on   # re-programs the ports`,
  );
}

// ---- host-level --------------------------------------------------------------------------------

const NO_GENEVE_FIX = 'is ovn-controller running on this chassis? It creates a geneve port per remote chassis when external_ids:ovn-encap-type is geneve ("ovs-vsctl get Open_vSwitch . external_ids")';

/**
 * Why the OVS Interface listing says nothing about the geneve ports: collected but unreadable
 * (`FILE: why`), or not collected. Undefined when it was read; then an empty listing means none.
 */
function interfacesGap(h: OffloadHostState): { readonly why: string; readonly evidence: Evidence } | undefined {
  const damaged = h.unreadable.get(SHARED_IDS.interface);
  if (damaged) return { why: `the OVS Interface listing was collected but cannot be read — ${damaged}`, evidence: { file: damaged.slice(0, damaged.indexOf(':')), excerpt: excerptOf(damaged) } };
  if (h.files.has(SHARED_IDS.interface)) return undefined;
  const c = h.commands.get(SHARED_IDS.interface);
  return { why: `the OVS Interface listing was not collected${c ? ` (${c.status}${c.error ? `: ${c.error}` : ''})` : ''}`, evidence: evidenceOf(h).missing(SHARED_IDS.interface, 'ovs-vsctl list Interface') };
}

function o5(ctx: Ctx, leaves: readonly ChainDevice[]): void {
  const geneve = ctx.h.interfaces.filter((i) => i.type === 'geneve');
  const ev = (extra?: string) => [ctx.ev.line(SHARED_IDS.interface, undefined, extra)];
  const gap = interfacesGap(ctx.h);
  if (gap) {
    add(ctx, { id: 'O5', severity: 'n-a', subject: 'geneve ports', message: `not checked: ${gap.why}`, evidence: [gap.evidence], fix: 'collect again (or get an intact copy of the snapshot)' });
    return;
  }
  if (!geneve.length) {
    add(ctx, { id: 'O5', severity: 'n-a', subject: 'geneve ports', message: 'no geneve port in OVS', evidence: ev('(no geneve Interface row)'), fix: NO_GENEVE_FIX });
    return;
  }
  const odd = geneve.filter((i) => i.dstPort !== undefined && i.dstPort !== 6081);
  if (!odd.length) {
    add(ctx, { id: 'O5', severity: 'pass', subject: 'geneve ports', message: `all ${plural(geneve.length, 'geneve port')} use the IANA port 6081`, evidence: ev(geneve.slice(0, 3).map((i) => `${i.name} options:${JSON.stringify(i.options)}`).join('; ')) });
    return;
  }
  const mlx5 = leaves.filter((d) => driverOf(ctx.h.devices.get(d.name)) === 'mlx5_core');
  const fail = mlx5.length > 0 && ctx.flowOffload;
  add(ctx, {
    id: 'O5',
    severity: fail ? 'fail' : 'warn',
    subject: `geneve port${odd.length > 1 ? 's' : ''} ${odd.map((i) => i.name).join(', ')}`,
    message: `non-standard GENEVE destination port ${[...new Set(odd.map((i) => i.dstPort))].join(', ')}: NIC parsers and tunnel port tables expect 6081${fail ? `; mlx5 TC GENEVE offload supports 6081 only, so flow offload on ${mlx5.map((d) => d.name).join(', ')} will fail` : ''}`,
    evidence: ev(odd.map((i) => `${i.name} options:dst_port=${i.dstPort}`).join('; ')),
    fix: 'use the IANA port 6081 (drop the Encap options:dst_port / ovn-encap-port setting on the chassis)',
  });
}

const HASHING_MODES = new Set(['balance-xor', '802.3ad', 'balance-tlb', 'balance-alb']);

function o9(ctx: Ctx, d: ChainDevice): void {
  const v = ctx.h.devices.get(d.name);
  const link = ctx.h.links?.find((l) => l.ifname === d.name);
  const b = v?.bonding;
  const mode = b?.mode ?? link?.bond?.mode;
  const policy = b?.xmitHashPolicy ?? link?.bond?.xmitHashPolicy;
  const bid = OFFLOAD_IDS.bonding(d.name);
  const evidence: Evidence[] = b
    ? [ctx.ev.line(bid, b.lines.mode), ...(b.lines.xmitHashPolicy ? [ctx.ev.line(bid, b.lines.xmitHashPolicy)] : [])]
    : [{ file: ctx.h.files.get(SHARED_IDS.link)?.file ?? `hosts/${ctx.h.host}/${SHARED_IDS.link}.out`, line: link?.line, excerpt: excerptOf(JSON.stringify({ ifname: d.name, mode, xmit_hash_policy: policy })) }];
  const subject = `bond ${d.name}`;
  if (!mode) {
    add(ctx, { id: 'O9', severity: 'n-a', subject, message: 'bond mode unknown (/proc/net/bonding and ip -d link give none)', evidence, fix: readByHand(`cat /proc/net/bonding/${d.name}`) });
    return;
  }
  if (!HASHING_MODES.has(mode)) {
    add(ctx, {
      id: 'O9',
      severity: mode === 'active-backup' ? 'info' : 'n-a',
      subject,
      message: mode === 'active-backup' ? 'active-backup: one slave carries all tunnel traffic at a time (no hashing, no load sharing)' : `mode ${mode} does not hash flows onto slaves`,
      evidence,
      fix: `fine for failover; to share the load, make ${d.name} mode 802.3ad with xmit_hash_policy layer3+4 (LACP on the switch ports; the mode changes only while the bond is down)`,
    });
    return;
  }
  const l4 = policy === 'layer3+4' || policy === 'encap3+4';
  if (ctx.flowOffload && policy === 'layer3+4') {
    add(ctx, { id: 'O9', severity: 'fail', subject, message: `${mode} with xmit_hash_policy layer3+4 together with OVS TC-flower offload: not supported for offloaded bonds (RHOSP 17.1 NFV guide §8.9)`, evidence, fix: `ip link set ${d.name} type bond xmit_hash_policy layer2+3   # or persist it in the bond options` });
    return;
  }
  if (ctx.flowOffload) {
    add(ctx, { id: 'O9', severity: 'pass', subject, message: `${mode}, xmit_hash_policy ${policy ?? 'layer2 (default)'}: a policy supported with TC-flower offload`, evidence });
    return;
  }
  if (l4) add(ctx, { id: 'O9', severity: 'pass', subject, message: `${mode}, xmit_hash_policy ${policy}: L4-aware, GENEVE's per-flow UDP source port spreads tunnel flows over the slaves`, evidence });
  else
    add(ctx, {
      id: 'O9',
      severity: 'warn',
      subject,
      message: `${mode}, xmit_hash_policy ${policy ?? 'layer2 (default)'}: not L4-aware, so all GENEVE traffic between two TEPs lands on one slave`,
      evidence,
      fix: `ip link set ${d.name} type bond xmit_hash_policy layer3+4   # and persist it in the bond options`,
    });
}

/** Relevant feature states, for drift comparisons (O8). */
const DRIFT_FEATURES = ['tx-udp_tnl-segmentation', 'tx-udp_tnl-csum-segmentation', 'rx-udp_tunnel-port-offload', 'tx-gso-partial', 'rx-checksumming', 'tx-checksum-ip-generic', 'large-receive-offload', 'generic-receive-offload', 'rx-gro-hw', 'hw-tc-offload'];

function featureSignature(f: EthtoolFeatures | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!f) return out;
  for (const n of DRIFT_FEATURES) {
    const x = f.features.get(n);
    if (x) out.set(n, featureText(x));
  }
  return out;
}

/** Features whose state differs between signatures, with each member's state. */
function differingFeatures(members: readonly { name: string; sig: Map<string, string> }[]): { feature: string; states: string }[] {
  const out: { feature: string; states: string }[] = [];
  for (const n of DRIFT_FEATURES) {
    const vals = members.map((m) => m.sig.get(n));
    if (vals.some((x) => x === undefined)) continue;
    if (new Set(vals).size > 1) out.push({ feature: n, states: members.map((m) => `${m.name} ${m.sig.get(n)}`).join(', ') });
  }
  return out;
}

/** O8 inside one host: the lower devices of one bond/bridge should be alike. */
function o8Members(ctx: Ctx, d: ChainDevice, chainByName: ReadonlyMap<string, ChainDevice>): void {
  const members = d.lowers.map((n) => chainByName.get(n)).filter((x): x is ChainDevice => !!x && x.role !== 'dpdk');
  if (members.length < 2) return;
  const views = members.map((m) => ({ name: m.name, v: ctx.h.devices.get(m.name) }));
  if (views.some((x) => !x.v?.features && !x.v?.driver)) return;
  const problems: string[] = [];
  const evidence: Evidence[] = [];
  const drivers = new Set(views.map((x) => x.v?.driver?.driver ?? '?'));
  if (drivers.size > 1) problems.push(`drivers differ: ${views.map((x) => `${x.name} ${x.v?.driver?.driver ?? '?'}`).join(', ')}`);
  const fws = new Set(views.map((x) => firmwareOf(x.v?.driver) ?? ''));
  if (drivers.size === 1 && fws.size > 1) {
    problems.push(`firmware differs: ${views.map((x) => `${x.name} ${firmwareOf(x.v?.driver) ?? '(none)'}`).join(', ')}`);
    for (const x of views) if (x.v?.driver?.lines['firmware-version']) evidence.push(ctx.ev.line(OFFLOAD_IDS.driverInfo(x.name), x.v.driver.lines['firmware-version']));
  }
  const diff = differingFeatures(views.map((x) => ({ name: x.name, sig: featureSignature(x.v?.features) })));
  for (const f of diff) {
    problems.push(`${f.feature}: ${f.states}`);
    for (const x of views) evidence.push(...featureEvidence(ctx, x.name, f.feature).slice(0, 1));
  }
  const subject = `${d.role === 'bond' || d.role === 'team' ? 'slaves' : 'ports'} of ${d.name}`;
  if (!problems.length) add(ctx, { id: 'O8', severity: 'pass', subject, message: `${members.map((m) => m.name).join(', ')}: same driver, firmware and offload features`, evidence: views.flatMap((x) => (x.v?.driver ? [ctx.ev.line(OFFLOAD_IDS.driverInfo(x.name), x.v.driver.lines.driver)] : [])).slice(0, 4) });
  else add(ctx, { id: 'O8', severity: 'warn', subject, message: `members differ — ${problems.join('; ')}: traffic behaves differently depending on the member a flow is hashed to`, evidence: evidence.slice(0, 8), fix: 'make the members identical (same NIC model, firmware and ethtool -K settings)' });
}

// ---- H checks --------------------------------------------------------------------------------

function hwOffloadSetting(h: OffloadHostState): { value?: boolean; raw?: string; evidence: (ev: Ctx['ev']) => Evidence } {
  const oc = h.otherConfig;
  if (oc) {
    const raw = oc.map.get('hw-offload');
    return { value: raw === undefined ? undefined : raw === 'true', raw, evidence: (ev) => ev.line(OFFLOAD_IDS.otherConfig, oc.line) };
  }
  if (h.openVswitch) return { value: h.openVswitch.hwOffload, raw: h.openVswitch.otherConfig['hw-offload'], evidence: (ev) => ev.line(SHARED_IDS.openVswitch, undefined, `other_config:${JSON.stringify(h.openVswitch!.otherConfig)}`) };
  return { evidence: (ev) => ev.missing(OFFLOAD_IDS.otherConfig, 'ovs-vsctl get Open_vSwitch . other_config') };
}

function tcPolicyOf(h: OffloadHostState): string | undefined {
  return h.otherConfig?.map.get('tc-policy') ?? h.openVswitch?.tcPolicy;
}

function h1(ctx: Ctx, intended: boolean | undefined): void {
  const s = hwOffloadSetting(ctx.h);
  const evidence = [s.evidence(ctx.ev)];
  const subject = 'other_config:hw-offload';
  if (s.value === undefined && !ctx.h.otherConfig && !ctx.h.openVswitch) {
    add(ctx, { id: 'H1', severity: intended ? 'fail' : 'n-a', subject, message: 'OVS configuration not collected (ovs-vsctl failed or OVS is not running)', evidence, fix: `check that ovsdb-server and ovs-vswitchd run ("systemctl status openvswitch-switch"), then ${readByHand('ovs-vsctl get Open_vSwitch . other_config')}` });
    return;
  }
  const shown = s.raw === undefined ? 'unset (= false)' : `"${s.raw}"`;
  if (intended === undefined) {
    if (s.value) add(ctx, { id: 'H1', severity: 'pass', subject, message: `hw-offload=${shown}: OVS offloads datapath flows to TC flower; H2–H10 check that it works`, evidence });
    else
      add(ctx, {
        id: 'H1',
        severity: 'info',
        subject,
        message: `hw-offload ${shown}: OVS flow offload is off (only stateless NIC offloads apply); H2–H10 skipped`,
        evidence,
        fix: 'nothing to do unless flow offload is wanted: then ovs-vsctl set Open_vSwitch . other_config:hw-offload=true && systemctl restart openvswitch-switch, and audit with --expect-hw-offload',
      });
    return;
  }
  if (intended && !s.value)
    add(ctx, { id: 'H1', severity: 'fail', subject, message: `flow offload is intended but hw-offload is ${shown}`, evidence, fix: 'ovs-vsctl set Open_vSwitch . other_config:hw-offload=true && systemctl restart openvswitch-switch   # the setting needs a restart of ovs-vswitchd' });
  else if (!intended && s.value) add(ctx, { id: 'H1', severity: 'warn', subject, message: `hw-offload=${shown} although flow offload is not intended`, evidence, fix: 'ovs-vsctl remove Open_vSwitch . other_config hw-offload && systemctl restart openvswitch-switch' });
  else add(ctx, { id: 'H1', severity: 'pass', subject, message: `hw-offload ${shown}, as intended`, evidence });
}

function hostFlowChecks(ctx: Ctx, leaves: readonly ChainDevice[], nb: OffloadSnapshot['nb']): void {
  const h = ctx.h;
  const flows = h.offloadedFlows;
  const flowsId = OFFLOAD_IDS.offloadedFlows;
  const flowsEvidence = (): Evidence[] => (flows ? [ctx.ev.line(flowsId, flows.firstLine, flows.flows ? undefined : '(no offloaded flow)')] : [ctx.ev.missing(flowsId, 'ovs-appctl dpctl/dump-flows -m type=offloaded')]);

  // H2
  if (flows && flows.flows > 0) add(ctx, { id: 'H2', severity: 'pass', subject: 'ovs-vswitchd', message: `ovs-vswitchd has ${plural(flows.flows, 'offloaded flow')}, so it runs with hw-offload enabled (restarted after the change)`, evidence: flowsEvidence() });
  else
    add(ctx, {
      id: 'H2',
      severity: 'warn',
      subject: 'ovs-vswitchd',
      message: 'unknown whether ovs-vswitchd was restarted after other_config:hw-offload was set (no offloaded flow proves it, and the daemon start time is not collected)',
      evidence: [hwOffloadSetting(h).evidence(ctx.ev), ...flowsEvidence()],
      fix: 'compare `systemctl show -p ActiveEnterTimestamp ovs-vswitchd` with when hw-offload was set; the log says "netdev: Flow API Enabled" after a restart with it',
    });

  // H4
  const dl = h.devlink;
  if (!leaves.some((d) => deviceClass(d, driverOf(h.devices.get(d.name))) === 'physical'))
    add(ctx, { id: 'H4', severity: 'n-a', subject: 'e-switch mode', message: 'no physical NIC on the tunnel egress chain: no e-switch to check', evidence: [dl?.devices ? ctx.ev.line(OFFLOAD_IDS.devlink, undefined) : ctx.ev.missing(OFFLOAD_IDS.devlink, 'devlink -j dev eswitch show')], fix: 'nothing to check here: flow offload needs a physical NIC (with an e-switch) on the tunnel path' });
  for (const d of leaves) {
    const v = h.devices.get(d.name);
    if (deviceClass(d, driverOf(v)) !== 'physical') continue;
    const subject = subjectOf(d, v);
    const pci = pciAddressOf(v?.driver);
    const devId = OFFLOAD_IDS.devlink;
    if (!dl) {
      add(ctx, { id: 'H4', severity: 'n-a', subject, message: 'devlink e-switch mode not collected', evidence: [ctx.ev.missing(devId, 'devlink -j dev eswitch show')], fix: readByHand('devlink -j dev eswitch show') });
      continue;
    }
    if (!dl.devices) {
      add(ctx, { id: 'H4', severity: 'n-a', subject, message: `devlink gave no answer (${dl.error ?? 'no output'})`, evidence: [ctx.ev.missing(devId, 'devlink -j dev eswitch show')], fix: `run "devlink dev eswitch show${pci ? ` pci/${pci}` : ''}" on the host (the devlink tool is in iproute2; the e-switch mode needs an SR-IOV capable driver)` });
      continue;
    }
    const e = pci ? dl.devices.find((x) => x.dev === `pci/${pci}`) : undefined;
    if (!e?.mode) {
      add(ctx, {
        id: 'H4',
        severity: 'n-a',
        subject,
        message: pci ? `no e-switch mode for pci/${pci} (no SR-IOV e-switch on this device)` : 'no PCI address in ethtool -i: cannot match a devlink device',
        evidence: [ctx.ev.line(devId, undefined, '{"dev":{}}')],
        fix: pci ? `nothing to switch: pci/${pci} has no e-switch; VF/representor offload needs a NIC with one (mlx5, ice in switchdev mode)` : `match ${d.name} to its devlink device by hand ("devlink dev show", "ethtool -i ${d.name}" bus-info), then "devlink dev eswitch show pci/…"`,
      });
      continue;
    }
    const evidence = [ctx.ev.line(devId, e.line, `${e.dev} mode ${e.mode}`)];
    if (e.mode === 'switchdev') add(ctx, { id: 'H4', severity: 'pass', subject, message: `e-switch ${e.dev} in switchdev mode: VF representors can carry offloaded flows`, evidence });
    else
      add(ctx, {
        id: 'H4',
        severity: ctx.options.vfOffload ? 'fail' : 'warn',
        subject,
        message: `e-switch ${e.dev} in ${e.mode} mode: VF/representor flows cannot be offloaded${ctx.options.vfOffload ? '' : ' (fine if only this PF\'s own flows are meant to be offloaded)'}`,
        evidence,
        fix: `devlink dev eswitch set ${e.dev} mode switchdev   # disruptive: unbind the VFs first`,
      });
  }

  // H5
  if (!flows) add(ctx, { id: 'H5', severity: 'n-a', subject: 'offloaded datapath flows', message: 'ovs-appctl dpctl/dump-flows -m type=offloaded was not collected', evidence: flowsEvidence(), fix: readByHand('ovs-appctl dpctl/dump-flows -m type=offloaded') });
  else if (flows.flows === 0)
    add(ctx, { id: 'H5', severity: 'fail', subject: 'offloaded datapath flows', message: 'no datapath flow is offloaded although hw-offload=true: everything runs in software', evidence: flowsEvidence(), fix: 'look for "failed to offload flow" in the ovs-vswitchd log and for driver TC errors in dmesg; check H3, H4 and H7' });
  else {
    const dps = Object.entries(flows.byDp).map(([k, n]) => `${n} dp:${k}`).join(', ');
    const msg = `${plural(flows.flows, 'offloaded flow')} (${dps}${flows.partial ? `, ${flows.partial} partial` : ''}), ${flows.tunnel} with a tunnel match or tunnel set, ${flows.geneve} with a GENEVE option; the offloaded share needs type=non-offloaded, which is not collected`;
    add(ctx, {
      id: 'H5',
      severity: flows.tunnel > 0 ? 'pass' : 'warn',
      subject: 'offloaded datapath flows',
      message: flows.tunnel > 0 ? msg : `${msg}: no tunnel flow is offloaded, so GENEVE traffic stays in software`,
      evidence: flowsEvidence(),
      fix: flows.tunnel > 0 ? undefined : 'look for "failed to offload flow" on tunnel flows in the ovs-vswitchd log; check H3 (hw-tc-offload on the uplink), H7 (filters in_hw) and H9 (GENEVE options the NIC cannot match)',
    });
  }

  // H6
  add(ctx, {
    id: 'H6',
    severity: 'n-a',
    subject: 'offload errors in logs',
    message: 'the ovs-vswitchd log ("failed to offload flow") and dmesg are not collected (no allow-listed command reads them)',
    evidence: [{ file: `hosts/${h.host}`, excerpt: 'not collected' }],
    fix: 'on the host: grep "failed to offload flow" /var/log/openvswitch/ovs-vswitchd.log; dmesg | grep -iE "mlx5|ice|bnxt|tc"',
  });

  // H7
  for (const d of leaves) {
    const v = h.devices.get(d.name);
    const id = OFFLOAD_IDS.tcIngress(d.name);
    const subject = subjectOf(d, v);
    const tc = v?.tc;
    if (!tc) {
      add(ctx, { id: 'H7', severity: 'n-a', subject, message: 'tc -s filter show … ingress not collected', evidence: [ctx.ev.missing(id, 'tc -s filter show dev DEV ingress')], fix: readByHand(`tc -s filter show dev ${d.name} ingress`) }, d.name, 'H7');
      continue;
    }
    const evidence = tc.records.slice(0, 4).map((r) => ctx.ev.line(id, r.line, r.raw));
    if (!tc.filters) {
      add(ctx, { id: 'H7', severity: 'info', subject, message: 'no TC filter on the ingress: OVS has offloaded no flow through this device', evidence: [ctx.ev.line(id, undefined, '(no filter)')], fix: `nothing to do while no traffic enters through ${d.name}; if traffic does, see H5 and look for "failed to offload flow" in the ovs-vswitchd log` }, d.name, 'H7');
      continue;
    }
    const counts = `${tc.filters} filters: ${tc.inHw} in_hw, ${tc.notInHw} not_in_hw${tc.skipHw ? `, ${tc.skipHw} skip_hw` : ''}${tc.skipSw ? `, ${tc.skipSw} skip_sw` : ''}`;
    if (tc.inHw > 0 && tc.notInHw === 0) add(ctx, { id: 'H7', severity: 'pass', subject, message: `${counts}: the filters are in hardware`, evidence }, d.name, 'H7');
    else if (tc.inHw === 0 && tc.notInHw > 0)
      add(ctx, { id: 'H7', severity: 'fail', subject, message: `${counts}: nothing is in hardware`, evidence: tc.records.filter((r) => r.notInHw && !r.skipHw).slice(0, 4).map((r) => ctx.ev.line(id, r.line, r.raw)), fix: `dmesg | grep -i ${driverOf(v) ?? 'tc'}; ovs-appctl vlog/set netdev_offload_tc:dbg   # find why the driver refuses the rules` }, d.name, 'H7');
    else if (tc.notInHw > 0)
      add(ctx, { id: 'H7', severity: 'warn', subject, message: `${counts}: some filters stayed in software`, evidence: tc.records.filter((r) => r.notInHw && !r.skipHw).slice(0, 4).map((r) => ctx.ev.line(id, r.line, r.raw)), fix: `dmesg | grep -i ${driverOf(v) ?? 'tc'}; ovs-appctl vlog/set netdev_offload_tc:dbg   # find which matches or actions the driver refuses` }, d.name, 'H7');
    else add(ctx, { id: 'H7', severity: 'info', subject, message: `${counts}: only skip_hw filters (software by request)`, evidence, fix: 'the filters are software by request: other_config:tc-policy=none lets them go to hardware (H8)' }, d.name, 'H7');
  }

  // H8
  const policy = tcPolicyOf(h);
  const pev = [h.otherConfig ? ctx.ev.line(OFFLOAD_IDS.otherConfig, h.otherConfig.line) : ctx.ev.line(SHARED_IDS.openVswitch, undefined, `tc-policy=${policy ?? 'unset'}`)];
  const stuck = leaves.some((d) => (h.devices.get(d.name)?.tc?.notInHw ?? 0) > 0) || flows?.flows === 0;
  if (!policy || policy === 'none') add(ctx, { id: 'H8', severity: 'pass', subject: 'other_config:tc-policy', message: `tc-policy ${policy ?? 'unset (= none)'}: rules go to hardware when the NIC takes them, to software otherwise`, evidence: pev });
  else if (policy === 'skip_hw') add(ctx, { id: 'H8', severity: 'warn', subject: 'other_config:tc-policy', message: 'tc-policy=skip_hw: TC rules stay in software, flow offload is effectively off', evidence: pev, fix: 'ovs-vsctl set Open_vSwitch . other_config:tc-policy=none && systemctl restart openvswitch-switch' });
  else if (policy === 'skip_sw')
    add(ctx, { id: 'H8', severity: stuck ? 'fail' : 'warn', subject: 'other_config:tc-policy', message: `tc-policy=skip_sw: a flow the NIC cannot take is not installed at all${stuck ? ' — and some are not in hardware (H5/H7): their packets are dropped' : ''}`, evidence: pev, fix: 'ovs-vsctl set Open_vSwitch . other_config:tc-policy=none && systemctl restart openvswitch-switch' });
  else add(ctx, { id: 'H8', severity: 'warn', subject: 'other_config:tc-policy', message: `unknown tc-policy "${policy}" (expected none, skip_sw or skip_hw)`, evidence: pev, fix: 'ovs-vsctl set Open_vSwitch . other_config:tc-policy=none && systemctl restart openvswitch-switch' });

  // H9
  const tlv = h.tlvMap;
  const tid = SHARED_IDS.tlvMap;
  const drivers = new Set(leaves.map((d) => driverOf(h.devices.get(d.name))).filter((x): x is string => !!x));
  const oneClass = [...drivers].filter((x) => DRIVER_RULES[x]?.oneGeneveOptionClass);
  const noMatch = [...drivers].filter((x) => DRIVER_RULES[x]?.noGeneveOptionMatch);
  if (!tlv) add(ctx, { id: 'H9', severity: 'n-a', subject: 'GENEVE option classes (br-int TLV map)', message: 'ovs-ofctl dump-tlv-map br-int not collected', evidence: [ctx.ev.missing(tid, 'ovs-ofctl dump-tlv-map br-int')], fix: readByHand('ovs-ofctl dump-tlv-map br-int') });
  else {
    const ovn = tlv.mappings.filter((m) => m.class === OVN_GENEVE_OPTION.class && m.type === OVN_GENEVE_OPTION.type);
    const other = tlv.mappings.filter((m) => !(m.class === OVN_GENEVE_OPTION.class && m.type === OVN_GENEVE_OPTION.type));
    const ev = tlv.mappings.map((m) => ctx.ev.line(tid, m.line));
    const classes = new Set(tlv.mappings.map((m) => `${m.class}/${m.type}`));
    if (!tlv.mappings.length) add(ctx, { id: 'H9', severity: 'info', subject: 'GENEVE option classes (br-int TLV map)', message: 'no TLV mapping on br-int (OVN has not installed its option yet)', evidence: [ctx.ev.line(tid, undefined)], fix: 'ovn-controller installs the mapping when it connects: check "ovn-appctl -t ovn-controller connection-status" (doctor D17)' });
    else if (other.length && classes.size > 1 && oneClass.length)
      add(ctx, {
        id: 'H9',
        severity: 'fail',
        subject: 'GENEVE option classes (br-int TLV map)',
        message: `${classes.size} GENEVE option class/type combinations (${other.map((m) => `class 0x${m.class.toString(16)} type 0x${m.type.toString(16)} → ${m.field}`).join(', ')} besides OVN's 0x102/0x80) on a host whose uplink is ${oneClass.join(', ')}: it offloads one class/type per device, so flows with the other option will not be offloaded`,
        evidence: ev,
        fix: 'remove the extra TLV mapping (ovs-ofctl del-tlv-map br-int …) or move the other GENEVE user to another NIC',
      });
    else if (other.length)
      add(ctx, {
        id: 'H9',
        severity: 'info',
        subject: 'GENEVE option classes (br-int TLV map)',
        message: `GENEVE options besides OVN's: ${other.map((m) => `0x${m.class.toString(16)}/0x${m.type.toString(16)}`).join(', ')} (no uplink driver here is known to allow only one class)`,
        evidence: ev,
        fix: 'nothing to change on these NICs; on an mlx5 uplink (one class/type per device) remove the extra mapping (ovs-ofctl del-tlv-map br-int …) or move the other GENEVE user to another NIC',
      });
    else if (ovn.length && noMatch.length)
      add(ctx, {
        id: 'H9',
        severity: 'info',
        subject: 'GENEVE option classes (br-int TLV map)',
        message: `OVN's option 0x102/0x80 only, but ${noMatch.map((x) => DRIVER_RULES[x]!.label).join(', ')} has no GENEVE option match in its TC input sets: OVN flows matching tun_metadata0 are expected to stay in software`,
        evidence: ev,
        fix: 'no setting changes this: offloading OVN\'s tunnel flows needs a NIC whose TC offload matches GENEVE options (mlx5: one class/type per device)',
      });
    else add(ctx, { id: 'H9', severity: 'pass', subject: 'GENEVE option classes (br-int TLV map)', message: "one mapping: OVN's class 0x102 type 0x80 (4 bytes)", evidence: ev });
  }

  // H10
  if (!nb) add(ctx, { id: 'H10', severity: 'n-a', subject: 'gateway_mtu', message: 'the NB was not collected (no ovn.via in the inventory)', evidence: [{ file: 'central/ovn-nbctl.list.Logical_Router_Port.out', excerpt: 'not collected' }], fix: 'collect with an "ovn: { via: HOST }" inventory section (or --ovn-via)' });
  else {
    const chassis = h.openVswitch?.systemId;
    const grs = nb.routers.filter((r) => r.options.chassis && (!chassis || r.options.chassis === chassis));
    if (!grs.length) add(ctx, { id: 'H10', severity: 'n-a', subject: 'gateway_mtu', message: `no gateway router is bound to ${chassis ? `chassis ${chassis}` : 'this host'}`, evidence: [{ file: nb.file ?? 'central', excerpt: 'Logical_Router options:chassis' }], fix: 'nothing to check on this host: gateway_mtu matters on the chassis of a gateway router' });
    for (const r of grs) {
      const lrps = nb.routerPorts.filter((p) => r.ports.includes(p.uuid));
      const withMtu = lrps.filter((p) => p.gatewayMtu !== undefined);
      const evidence = [{ file: nb.file ?? 'central', excerpt: excerptOf(withMtu.length ? withMtu.map((p) => `${p.name} options:gateway_mtu=${p.gatewayMtu}`).join('; ') : `${r.name}: ${lrps.map((p) => p.name).join(', ')} (no gateway_mtu)`) }];
      if (withMtu.length)
        add(ctx, {
          id: 'H10',
          severity: 'info',
          subject: `gateway router ${r.name}`,
          message: `gateway_mtu set on ${withMtu.map((p) => p.name).join(', ')}: check_pkt_larger flows are not fully offloaded (noted)`,
          evidence,
          fix: `keep it if north-south PMTUD matters more than offloading those flows; otherwise: ovn-nbctl remove Logical_Router_Port ${withMtu[0]!.name} options gateway_mtu (and keep the overlay MTU within every external path)`,
        });
      else
        add(ctx, {
          id: 'H10',
          severity: 'warn',
          subject: `gateway router ${r.name}`,
          message: 'no gateway_mtu on the gateway router with hw-offload=true (OVN-Kubernetes disables it under hardware offload): large north-south packets get no ICMP "fragmentation needed" — a PMTUD gap',
          evidence,
          fix: `keep the overlay MTU within every external path, or: ovn-nbctl set Logical_Router_Port ${lrps[0]?.name ?? 'LRP'} options:gateway_mtu=OVERLAY_MTU (OVN-Kubernetes removes it again while hw-offload is on)`,
        });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fleet

interface FleetMember {
  readonly host: string;
  readonly device: string;
  readonly driver: string;
  readonly version?: string;
  readonly firmware?: string;
  readonly sig: Map<string, string>;
  readonly evidence: Evidence;
  /** Evidence line of each drift feature on this device. */
  readonly featureEvidence: ReadonlyMap<string, Evidence>;
}

function fleetDrift(members: readonly FleetMember[], findings: Finding[]): void {
  const byDriver = new Map<string, FleetMember[]>();
  for (const m of members) byDriver.set(m.driver, [...(byDriver.get(m.driver) ?? []), m]);
  let compared = 0;
  for (const [driver, list] of [...byDriver].sort(([a], [b]) => a.localeCompare(b))) {
    const hosts = new Set(list.map((m) => m.host));
    if (hosts.size < 2) continue;
    compared++;
    const who = (m: FleetMember) => `${m.host}/${m.device}`;
    const groups = (key: (m: FleetMember) => string) => {
      const g = new Map<string, FleetMember[]>();
      for (const m of list) g.set(key(m), [...(g.get(key(m)) ?? []), m]);
      return g;
    };
    const fw = groups((m) => m.firmware ?? '(none)');
    const ver = groups((m) => m.version ?? '(none)');
    const diff = differingFeatures(list.map((m) => ({ name: who(m), sig: m.sig })));
    const evidence = list.slice(0, 8).map((m) => m.evidence);
    const subject = `driver ${driver}`;
    let drift = false;
    if (fw.size > 1) {
      drift = true;
      findings.push({ id: 'O8', severity: 'warn', subject, message: `firmware differs across hosts: ${[...fw].map(([f, ms]) => `${f} on ${ms.map(who).join(', ')}`).join('; ')}`, evidence, fix: 'align the NIC firmware (vendor tool: mstflint/mlxup, nvmupdate, bnxtnvm) across the fleet' });
    }
    if (ver.size > 1) {
      drift = true;
      findings.push({ id: 'O8', severity: 'warn', subject, message: `driver version differs across hosts: ${[...ver].map(([v, ms]) => `${v} on ${ms.map(who).join(', ')}`).join('; ')}`, evidence, fix: 'run the same kernel / driver package on every hypervisor' });
    }
    if (diff.length) {
      drift = true;
      const fev = diff.flatMap((d) => list.map((m) => m.featureEvidence.get(d.feature)).filter((e): e is Evidence => !!e)).slice(0, 8);
      findings.push({ id: 'O8', severity: 'warn', subject, message: `offload features differ across hosts: ${diff.map((d) => `${d.feature} (${d.states})`).join('; ')}`, evidence: fev.length ? fev : evidence, fix: 'apply the same ethtool -K settings on every hypervisor' });
    }
    if (!drift) findings.push({ id: 'O8', severity: 'pass', subject, message: `${list.length} ${driver} devices on ${hosts.size} hosts: same firmware, driver version and offload features`, evidence: evidence.slice(0, 3) });
  }
  if (!compared && members.length)
    findings.push({ id: 'O8', severity: 'n-a', subject: 'fleet', message: 'no driver is on two or more of the audited hosts: nothing to compare', evidence: members.slice(0, 2).map((m) => m.evidence), fix: 'to compare NICs across hosts, collect the hosts with the same NICs into one snapshot and audit them together (without --host)' });
}

// ---------------------------------------------------------------------------------------------


/** Audits every host of the offload snapshot (or the given ones). */
export function checkOffload(snapshot: OffloadSnapshot, options: OffloadCheckOptions = {}, onlyHosts?: readonly string[]): OffloadReport {
  const findings: Finding[] = [];
  const rows: ChainRow[] = [];
  const hosts: HostOffloadSummary[] = [];
  const fleet: FleetMember[] = [];
  const wanted = onlyHosts?.length ? new Set(onlyHosts) : undefined;
  for (const h of snapshot.hosts) {
    if (wanted && !wanted.has(h.host)) continue;
    const hw = hwOffloadSetting(h).value;
    const flowOffload = hw === true || options.expectHwOffload === true;
    const ctx: Ctx = { h, ev: evidenceOf(h), findings: [], cells: new Map(), options, flowOffload, hwOffload: hw };
    const chainByName = new Map(h.chain.devices.map((d) => [d.name, d] as const));
    const leaves = chainLeaves(h.chain);

    let segmentation: Segmentation = 'unknown';
    if (!h.chain.devices.length) {
      const gap = interfacesGap(h);
      add(ctx, {
        id: 'O1',
        severity: 'n-a',
        subject: 'tunnel egress chain',
        message: `no tunnel egress device found: ${h.chain.notes.join('; ') || 'no geneve port and no route'}`,
        evidence: [gap ? gap.evidence : ctx.ev.line(SHARED_IDS.interface, undefined, '(no tunnel_egress_iface)')],
        fix: h.unreadable.has(SHARED_IDS.interface)
          ? 'collect again (or get an intact copy of the snapshot)'
          : 'find the egress device by hand: "ovs-vsctl --columns=name,options,status find Interface type=geneve" (status:tunnel_egress_iface) or "ip route get REMOTE_IP" for a remote TEP; collect again with this ovnscope to record the kernel routes and links',
      });
      // O5 needs no chain, only the geneve ports: a listing collected but unreadable is said here too
      // (one not collected at all is C2's and O1's to report).
      if (h.unreadable.has(SHARED_IDS.interface)) o5(ctx, []);
    } else {
      segmentation = segmentationCheck(ctx, 'O1', 'tx-udp_tnl-segmentation', 'GENEVE TSO', chainByName);
      const csum = h.interfaces.some((i) => i.type === 'geneve' && i.csum === true);
      if (csum) {
        const withCsum = segmentationCheck(ctx, 'O2', 'tx-udp_tnl-csum-segmentation', 'GENEVE TSO with outer checksum', chainByName);
        const rank: Record<Segmentation, number> = { unknown: 0, offloaded: 1, partly: 2, software: 3 };
        if (rank[withCsum] > rank[segmentation]) segmentation = withCsum;
      }
      else
        for (const d of h.chain.devices)
        {
          const gap = interfacesGap(h);
          add(
            ctx,
            {
              id: 'O2',
              severity: 'n-a',
              subject: subjectOf(d, h.devices.get(d.name)),
              message: gap ? `outer checksum setting unknown: ${gap.why}` : h.interfaces.some((i) => i.type === 'geneve') ? 'the geneve ports do not set options:csum=true: outer UDP checksum off, csum segmentation not needed' : 'no geneve port: outer checksum setting unknown',
              evidence: [gap ? gap.evidence : ctx.ev.line(SHARED_IDS.interface, undefined, '(no geneve port with csum=true)')],
              fix: gap ? (h.unreadable.has(SHARED_IDS.interface) ? 'collect again (or get an intact copy of the snapshot)' : readByHand('ovs-vsctl --columns=name,options find Interface type=geneve')) : h.interfaces.some((i) => i.type === 'geneve') ? 'nothing to do: csum segmentation matters only with options:csum=true (set through external_ids:ovn-encap-csum on the chassis)' : NO_GENEVE_FIX,
            },
            d.name,
            'O2',
          );
        }
      const geneveSocketPorts = (h.links ?? []).filter((l) => l.kind === 'geneve').map((l) => (typeof l.infoData?.port === 'number' ? (l.infoData.port as number) : 6081));
      for (const d of h.chain.devices) {
        if (d.lowers.length === 0) {
          o3(ctx, d);
          o4(ctx, d, [...new Set(geneveSocketPorts)]);
        }
        o6(ctx, d);
        o7(ctx, d);
        if (d.role === 'bond' || d.role === 'team') o9(ctx, d);
        if (d.lowers.length > 1) o8Members(ctx, d, chainByName);
      }
      o5(ctx, leaves);
    }

    h1(ctx, options.expectHwOffload);
    if (flowOffload && h.chain.devices.length) {
      for (const d of leaves) h3(ctx, d);
      hostFlowChecks(ctx, leaves, snapshot.nb);
    } else if (flowOffload) hostFlowChecks(ctx, [], snapshot.nb);

    for (const d of h.chain.devices) {
      const v = h.devices.get(d.name);
      const drv = driverOf(v);
      const cls = deviceClass(d, drv);
      rows.push({
        host: h.host,
        device: d.name,
        depth: d.depth,
        upper: d.upper,
        relation: d.relation,
        role: d.role,
        class: cls,
        driver: drv,
        driverVersion: v?.driver?.version,
        firmware: firmwareOf(v?.driver),
        busInfo: v?.driver?.busInfo && v.driver.busInfo !== 'N/A' ? v.driver.busInfo : undefined,
        cells: ctx.cells.get(d.name) ?? {},
      });
      if (d.lowers.length === 0 && drv && cls !== 'software')
        fleet.push({
          host: h.host,
          device: d.name,
          driver: drv,
          version: v?.driver?.version,
          firmware: firmwareOf(v?.driver),
          sig: featureSignature(v?.features),
          evidence: ctx.ev.line(OFFLOAD_IDS.driverInfo(d.name), v?.driver?.lines['firmware-version'] ?? v?.driver?.lines.driver),
          featureEvidence: new Map(DRIFT_FEATURES.filter((n) => v?.features?.features.has(n)).map((n) => [n, featureEvidence(ctx, d.name, n)[0]!] as const)),
        });
    }
    // The answer to "is GENEVE segmented in software here?": the worst O1/O2 of the chain.
    const seg = ctx.findings.filter((f) => (f.id === 'O1' || f.id === 'O2') && f.severity !== 'n-a').map((f) => f.severity);
    const verdict = seg.reduce<FindingSeverity>((a, b) => (SEVERITY_RANK[b] < SEVERITY_RANK[a] ? b : a), seg.length ? 'pass' : 'n-a');
    hosts.push({
      host: h.host,
      collected: h.collected,
      kernel: h.kernelRelease,
      ethtool: h.ethtoolVersion?.text,
      hwOffload: hw,
      tcPolicy: tcPolicyOf(h),
      flowOffload,
      roots: h.chain.roots.map((r) => ({ device: r.device, source: r.source, port: r.port, remoteIp: r.remoteIp })),
      notes: h.chain.notes,
      excluded: h.chain.excluded,
      verdict,
      segmentation,
    });
    findings.push(...ctx.findings);
  }
  fleetDrift(fleet, findings);
  return { hosts, rows, findings: findings.sort(compareFindings) };
}
