/**
 * Varied packets for the scale topology, in ofproto/trace flow syntax: every one enters hv1 at a
 * bound VM port with that VM's MAC and IP (so port security lets it in) and goes somewhere the
 * pipeline has to decide: another VM on the same switch, a VM behind the router, a load-balancer
 * VIP, TCP ports the port-group ACLs name (allowed via address sets, or dropped), UDP, ICMP, ARP
 * for the router. Deterministic for a given seed. UDP ports are written udp_src/udp_dst (as
 * ofproto/trace wants them) and VIP packets carry a dp_hash so the select group picks a backend.
 */
import { rng } from '../lib.js';

const hex = (n: number) => n.toString(16).padStart(2, '0');

interface Vm {
  readonly iface: string;
  readonly mac: string;
  readonly ip: string;
  readonly sw: number;
}

function vm(s: number, p: number): Vm {
  return { iface: `s${s}p${p}`, mac: `0a:10:${hex(s)}:00:00:${hex(p + 10)}`, ip: `10.10.${s}.${p + 10}`, sw: s };
}

const routerMac = (s: number) => `0a:10:${hex(s)}:ff:00:01`;

/** `n` flows over a topology of `nSwitches` × `portsPerSwitch` bound VMs (see topology.ts). */
export function scalePackets(n: number, seed = 1, nSwitches = 40, portsPerSwitch = 50, nLbs = 200): string[] {
  const r = rng(seed);
  const int = (k: number) => Math.floor(r() * k);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const src = vm(int(nSwitches), int(portsPerSwitch));
    const base = `in_port="${src.iface}",dl_src=${src.mac}`;
    const l4 = () => {
      const k = int(4);
      // ACL ports (1000 + 7k) are where the address-set ACLs allow; others hit the drop ACL.
      const dport = k === 0 ? 22 : k === 1 ? 80 : 1000 + 7 * int(38);
      return `tp_src=${1024 + int(60000)},tp_dst=${dport}`;
    };
    switch (int(8)) {
      case 0:
      case 1: {
        const dst = vm(src.sw, int(portsPerSwitch));
        out.push(`${base},tcp,dl_dst=${dst.mac},nw_src=${src.ip},nw_dst=${dst.ip},nw_ttl=64,${l4()}`);
        break;
      }
      case 2:
      case 3: {
        const dst = vm(int(nSwitches), int(portsPerSwitch));
        out.push(`${base},tcp,dl_dst=${routerMac(src.sw)},nw_src=${src.ip},nw_dst=${dst.ip},nw_ttl=64,${l4()}`);
        break;
      }
      case 4: {
        const lb = int(nLbs);
        // dp_hash given: OVN's LB select groups hash on it (without it ofproto/trace stops there).
        out.push(`${base},tcp,dl_dst=${routerMac(src.sw)},nw_src=${src.ip},nw_dst=10.99.${Math.floor(lb / 200)}.${(lb % 200) + 1},nw_ttl=64,tp_src=${1024 + int(60000)},tp_dst=80,dp_hash=${1 + int(0xffff)}`);
        break;
      }
      case 5: {
        const dst = vm(int(nSwitches), int(portsPerSwitch));
        const sameSw = dst.sw === src.sw;
        out.push(`${base},udp,dl_dst=${sameSw ? dst.mac : routerMac(src.sw)},nw_src=${src.ip},nw_dst=${dst.ip},nw_ttl=64,udp_src=${1024 + int(60000)},udp_dst=53`);
        break;
      }
      case 6: {
        const dst = vm(int(nSwitches), int(portsPerSwitch));
        out.push(`${base},icmp,dl_dst=${dst.sw === src.sw ? dst.mac : routerMac(src.sw)},nw_src=${src.ip},nw_dst=${dst.ip},nw_ttl=64,icmp_type=8,icmp_code=0`);
        break;
      }
      default:
        out.push(`${base},arp,dl_dst=ff:ff:ff:ff:ff:ff,arp_op=1,arp_spa=${src.ip},arp_tpa=10.10.${src.sw}.1,arp_sha=${src.mac}`);
    }
  }
  return out;
}
