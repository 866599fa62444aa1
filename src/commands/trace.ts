import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { createLineWriter } from '../cli/line-writer.js';
import { runTraceBatch, type PrintedLine } from '../cli/trace-batch.js';
import type { ManSection } from '../cli/man-section.js';
import { ExitCode } from '../model/result.js';
import type { Detail } from '../model/trace.js';
import { renderTrace, renderVerdictWarnings, traceReportJson } from '../render/trace.js';
import { renderTraceDot } from '../render/trace-dot.js';
import { trace, verdictExitCode, type TraceRequest } from '../services/trace.js';
import type { Protocol } from '../sim/guest.js';

export default class Trace extends BaseCommand {
  static override summary = 'Trace a packet offline through the collected OpenFlow tables of every chassis it crosses (following GENEVE tunnels), from names or a raw flow, and say which ACL, LB, NAT, route or port security decided.';
  static override description = `Two ways to give the packet:

--from A --to B builds it the way a guest would send it. A and B are a logical switch port, a VM or pod name found in the port's external_ids (neutron:port_name, neutron:device_id, OVN-Kubernetes pod=true + namespace as NAMESPACE/POD or NAMESPACE_POD, Kube-OVN pod=NAMESPACE/POD), an OVS interface name, a MAC, or an IP address (a port's address, a router port, a NAT external IP, a load-balancer VIP, or an address outside the overlay; IP@SWITCH picks among overlapping tenants). --to IP that is a load-balancer VIP is the VIP the packet matches: its load balancer's protocol (default tcp) and port as given with --tcp/--udp/--sctp PORT (a VIP without a port takes every IP packet to the address; an exact port wins) — of two load balancers on one address with different ports, the one with the packet's port; a router port's own address that is also a VIP (an OVN-Kubernetes NodePort on the gateway router's IP) is that VIP for a packet matching it (delivered to a backend: exit 0) and the router port otherwise (--icmp, --arp, another port or protocol). Ambiguous names list the candidates; unknown names suggest near matches. A and B naming the same port is traced with a warning: OVN's loopback check drops a packet sent back to its inport, unless something earlier decides (port security against a spoofed --src-ip); --to the port's NAT address or a VIP it backs traces a hairpin. The source MAC/IP come from the binding; an IP address typed for A or B (or --src-ip) sets the packet's family, IPv4 or IPv6, and the other end uses its address of that family (one without is a usage error, as are addresses of both families); names alone send IPv4 when the source has an IPv4 address. The destination MAC is the destination's on the same subnet, else the guest's gateway (the router port on its switch); a load-balancer VIP on the guest's own subnet gets the MAC of the router port on its switch that answers ARP/ND for it (OVN's routers answer for the VIPs of their load balancers), and one nobody answers for (a load balancer on the switch only) is not traced: exit 1, since the guest's ARP goes unanswered and it never sends the packet (--dst-mac traces it anyway); TTL 64 (--ttl); source port 40000 (--sport); --tcp/--udp/--sctp PORT, --icmp (echo request, the default), --arp (an IPv6 source sends a neighbour solicitation; broadcast — to the solicited-node group — unless --dst-mac makes it the unicast request a guest sends to refresh a cache entry: to that MAC, and for IPv6 to the target's own address; OVN's responders answer both) or --dhcp (see below). The packet enters at the source's OpenFlow port on the chassis where it is bound; from an outside address it enters at the provider-network uplink of the gateway chassis toward the gateway port's MAC — for a distributed floating IP (a dnat_and_snat NAT with both logical_port and external_mac: OVN distributes no other) at the uplink of the port's own chassis, toward its external_mac. A localport (Neutron's metadata port, 10.0.0.2-style) is never bound in the SB: --from it sends from the chassis of the other end when that chassis has its interface (localport traffic never crosses a tunnel), from the only host with its interface, else asks: --from PORT@HOST (or IP@HOST) names the host. An address found only in a port's port_security (a Neutron allowed address pair, a keepalived VIP) is that port's; on several ports, the one whose MAC a router learned for it (SB MAC_Binding) or --dst-mac picks, else it is a usage error listing them. A packet leaving a provider bridge toward a MAC the snapshot places on another chassis (a distributed floating IP's external_mac, the gateway port's MAC where its chassis-redirect port is active) is followed there, into that chassis' provider bridge through its uplink, as tunnels are (floating IP to floating IP). --src-mac, --src-ip and --dst-mac override what the binding says (spoofing, port security).

--dhcp sends what a DHCP client sends first: a DHCPDISCOVER from 0.0.0.0:68 to 255.255.255.255:67 with the port's MAC to ff:ff:ff:ff:ff:ff, or a DHCPv6 Solicit from the link-local address of the port's MAC, port 546, to ff02::1:2 port 547 (MAC 33:33:00:01:00:02). --to is optional: 255.255.255.255 or ff02::1:2 picks the family (any other --to is a usage error), else IPv4 when the port has an IPv4 address; --src-ip and --dst-mac still override. OVN's native DHCP answers in ovn-controller: the switch's ls_in_dhcp_options stage punts the request with put_dhcp_opts (put_dhcpv6_opts) carrying the offer, and ovn-controller sends the reply back to the port — that punt is the answer (the verdict line reads "ovn-controller answers: offer 10.0.0.12 (router …, lease … s, server …)", exit 0, "dhcpAnswer"). A port without DHCP options (NB Logical_Switch_Port dhcpv4_options/dhcpv6_options) gets no such flow: its request is flooded or dropped and nobody answers (exit 1, the verdict line says why). --udp 67 (547) traces the packet as given, with a note pointing at --dhcp. --dhcp with --reply is a usage error: the answer is part of the forward trace ("dhcpAnswer").

--host H --flow FLOW takes a packet in the syntax of "ovs-appctl ofproto/trace": field=value pairs, protocol shorthands (tcp, udp, icmp, arp, ip, ipv6, icmp6, tcp6, udp6), port names in quotes or OpenFlow port numbers; unspecified fields are zero, as there.

Each host is interpreted like ovs-vswitchd's translation (checked against live ofproto/trace by ovnscope's differential suites): conntrack recirculations are resumed with the --ct-next states in order; without --ct-next a conntrack model answers them (trk,new — also for the packet whose ct commits the connection, with snat/dnat when that commit sets up a NAT — or trk,est / trk,est,rpl when the packet meets a connection the trace itself committed on that host — the router's echo reply, a hairpin, the reply — and a ct(nat) of such a connection rewrites the packet as conntrack does, see --reply); check_pkt_larger is decided by --size. Load balancers: OVS hashes (dp_hash) and ofproto/trace stops there; ovnscope picks the bucket of --lb-dst IP[:PORT] (--lb-dst IP names that address with any port or none — a usage error when a group has it on several ports, listing them; --lb-dst IP:PORT that port only, never a backend without a port — the backend of a VIP without a port, which keeps the packet's own destination port, is named by its address; else the first backend; the backend is looked up in the groups of every bridge of the host — a packet entering br-ex meets OVN's groups in br-int through the patch port — and, following tunnels, of every host) and continues with the dp_hash value that selects it, and says so. An --lb-dst that is not a backend of the VIP the packet meets is a usage error listing that VIP's backends; one no load balancer on the path used is a warning in the report. Gateway chassis (L3-HA): OVN reaches a router port with several gateway chassis through bundle(...,active_backup,...) over the tunnels to them in priority order; ovnscope takes the first live member as OVS does (hrw: the highest hash_2words(member index, flow hash), the hash reproduced for eth_src, nw_src, nw_dst, symmetric_l3, symmetric_l4, symmetric_l3l4[+udp]). A member is live when its Interface has carrier (link_state up) and, with BFD enabled (bfd:enable=true), BFD is forwarding (bfd_status:forwarding in the collected Interface list): the snapshot's state at collection time. The trace says which member was chosen and why the others were not; bundle_load writes the chosen port (0xffff when none is live) to its field.

Following tunnels (default; --no-follow-tunnels stops at the tunnel port): a packet leaving through a GENEVE port continues on the chassis at the other end (the tunnel's ovn-chassis-id, or options:remote_ip = SB Encap.ip → Chassis) at its tunnel port for the sender's TEP, with tun_id (datapath key), tun_src, tun_dst (tun_ipv6_src, tun_ipv6_dst between IPv6 TEPs) and tun_metadata0 ((logical inport << 16) | outport) as OVN encodes them and the packet's headers as they left. Patch ports continue in the peer bridge; a physical port ends the path ("left hv3 via eth1"). Loops are detected. A chassis that is not in the snapshot stops the trace (verdict error, REMOTE_NOT_COLLECTED) with the collect command that would fetch it; so does a hop ovnscope cannot trace on the chassis it reached (verdict error, UNSUPPORTED, saying why), and an action it does not simulate (multipath, encap, decap, the MPLS and NSH actions, an action it could not read) that the packet meets before going nowhere: verdict error, UNSUPPORTED, naming the action and its flow (file:line), never a table miss the skipped action may have caused. Only the OpenFlow tables of the hosts the packets reach are read, when they reach them (with --lb-dst, every host's: the backend is looked up in all their groups). Every hop's input and --ct-next states are printed, so each can be replayed with ofproto/trace on that chassis. When a file the verdict was computed from could not be read cleanly (the flow dump of a host the packet reached, the central NB/SB lists: a cut or garbage file), its errors are among the warnings and the verdict line says the verdict may be wrong.

Every step is named: the logical datapath, the logical flow (stage, match, actions) behind each cookie, and the northbound object behind that — ACL (name, direction, priority, match, port group), load balancer (VIP → chosen backend), NAT rule, static route, router policy, port security. A packet that does not arrive carries a typed reason with its evidence (host, table, OpenFlow flow with file:line, logical flow, NB row): ACL_DROP (drop or reject ACL), PORT_SECURITY, NO_ROUTE (no route; or a router policy that drops it, named with its priority, match and router), TTL_EXPIRED, NO_MATCH, ARP_UNRESOLVED (next hop without MAC binding: the router asks), LB_NO_BACKEND (VIP without backends), MTU_EXCEEDED (gateway_mtu, a VIF's MTU, or the underlay: with --size, at every tunnel output the encapsulated packet — an outer IP packet of the --size frame + 44 B (8 GENEVE, 8 OVN option, 8 UDP, 20 IPv4), + 64 B over IPv6 (40 IPv6): OVN's 58/78 B overhead less the 14 B inner Ethernet header the frame already holds — is checked against the collected route toward the remote TEP and the MTU of every ECMP leg's device chain, as "ovnscope mtu" does; a packet that exceeds a leg with DF set is dropped there, with the leg named), REMOTE_NOT_COLLECTED, TUNNEL_NOT_FOUND, NO_LIVE_MEMBER (a bundle action — OVN's way to a router port with several gateway chassis, L3-HA — with no live member: every gateway chassis named with its tunnel's BFD state), LOOP, EXPLICIT_DROP.

--reply also traces the answer: the delivered packet with source and destination swapped, entering where it arrived, its conntrack lookups answered by the connections the forward trace committed (est+rpl where it did; an asymmetric path meets new state and shows the drop). Where such a lookup is a ct(nat) (OVN's lr_in_unsnat, a load balancer's ct_lb_mark, ct_dnat) and the connection was committed with a NAT, the reply is un-NATed as conntrack does: the destination back to the original source for a SNAT (a pod's egress through a gateway router), the source back to the VIP and its port for a DNAT (a load balancer, a NodePort); the ct_state then carries dnat or snat, as OVS sets it. Each such rewrite is named in its hop ("⇄ conntrack: un-SNAT dst 172.16.0.10 → 10.2.1.11", "ctNat" in --json); ofproto/trace cannot un-NAT from a connection, so that hop's input and --ct-next states replay it in ofproto/trace only up to that recirculation. With --ct-next there is no conntrack model: the reply is traced with those states and nothing is un-NATed, as in ofproto/trace. When the forward packet did not arrive, the reply is built from the endpoints with trk,est,rpl. --reply with --arp is a usage error: the answer to the ARP request or neighbour solicitation is part of the forward trace ("arpAnswer").

With --flows-file each non-blank line (not starting with #) is one flow, traced and printed as soon as it is read (a verdict line each; --json: one JSON object per line, with the minimal tree unless --summary or --detailed asks for more). --jobs N traces the batch on N threads, for machines with cores to spare: each thread loads the snapshot again (about a second of CPU and 300 MB on a 455k-flow node), so it pays on large batches with free physical cores — on a 2-vCPU machine it does not, and the default is one thread. The output is the same, in file order. A thread that dies (out of memory) is reported on stderr and the flows it left are traced by the others.`;
  static override examples = [
    `<%= config.bin %> trace --snapshot fixtures/l3-acl --from web-vm-1 --to db2 --tcp 22`,
    `<%= config.bin %> trace --snapshot fixtures/lb-nat-3chassis --from team-a/a1 --to 10.2.2.12 --tcp 8080 --reply`,
    `<%= config.bin %> trace -s snap --from web-1 --to 172.30.0.1 --tcp 80 --lb-dst 10.10.1.13:8080 --format dot | dot -Tsvg > path.svg`,
    `<%= config.bin %> trace -s snap --from sw0-p1 --to 8.8.8.8 --icmp --size 1500 --json`,
    `<%= config.bin %> trace -s snap --from vm2 --dhcp`,
    `<%= config.bin %> trace --snapshot fixtures/l3-acl --host hv1 --flow 'in_port="tapweb1",tcp,dl_src=0a:00:01:01:00:11,dl_dst=0a:00:01:ff:01:01,nw_src=10.1.1.11,nw_dst=10.1.2.12,nw_ttl=64,tp_src=40000,tp_dst=22'`,
    `<%= config.bin %> trace -s snap -H hv1 --flow 'in_port=4,tcp,nw_src=10.1.1.11,nw_dst=10.1.2.12,tp_dst=5432' --ct-next trk,est --summary --no-follow-tunnels`,
    '<%= config.bin %> trace -s snap -H hv1 --flows-file flows.txt --json > verdicts.jsonl',
  ];
  static manSections: readonly ManSection[] = [
    {
      title: 'Exit codes of a trace',
      body: `0: the packet was delivered — with --from/--to, to the --to endpoint (its port, a backend of its VIP, the port behind its NAT address, the router port that answers, or out of an uplink for an address outside the overlay; for --arp, an answer: an ARP reply back to the sender, ovn-controller's neighbour advertisement, or a copy delivered to the port that has the address; for --dhcp, ovn-controller's answer: a put_dhcp_opts/put_dhcpv6_opts punt with the offer) — or, with --no-follow-tunnels, handed to a tunnel. 1: dropped, punted to ovn-controller, stopped early, (--from/--to) a packet the guest would never send (a VIP on its subnet no router answers ARP/ND for), or delivered somewhere that is not --to (the verdict line ends "— not to B"; "reachedDestination": false) — for --arp, nobody answered (the verdict line ends "— nobody answered the ARP request for IP": e.g. a VIP of a load balancer on no router with a port on the sender's switch, whose request is only flooded, its copies reaching ports that do not have the address); for --dhcp, nobody answers (the verdict line ends "— nobody answers the DHCPDISCOVER: why", e.g. the port has no DHCP options); with --reply, the worse of the packet and its reply; with --flows-file, the worst line. 2: usage error (also a --flows-file line that could not be parsed). 3: the snapshot lacks what the trace needs.`,
    },
    {
      title: 'Output formats',
      body: `For --from/--to the text output is the path: the endpoints as resolved, the packet as built, the chassis on the packet's path (source, destination, and a gateway chassis only where the packet went through the gateway: not for an east-west packet through a distributed router; then, as "transit", any other chassis the packet ran on: a unicast tunnel or the provider network took it there, e.g. --dst-mac of a port on another chassis than --to's) and, after "flooded copies to", the chassis only flooded copies reached (a broadcast such as an ARP request or a DHCP request nobody answers locally, an unknown destination: OVN sends a copy over a tunnel to every chassis with a port of the switch), then source → each bridge@chassis (the logical datapaths crossed, each named decision: ✓/✗ ACLs — one that tests the packet against an NB address set says which member held its address, "(10.0.0.11 ∈ as_ip4_…)" —, ⇄ load balancer and NAT, → routes) → each tunnel (VNI and datapath, TEPs, tun_metadata0 and the logical ports it carries) → where the packet ended, a drop with its evidence, and the verdict. --detailed adds the full trace tree of every host (every table with the flow that matched, the logical flow behind its cookie, every field change as "field: old -> new", recirculations), --summary the tables and decisions without field writes; --minimal prints only the verdict line (the stable form for regression tests). A verdict line that ends "see warnings" (stale flows, damaged input) has those warnings printed with it: in the path and tree views as "warning:" lines, with --minimal and --flows-file on stderr ("warning: …"; a batch prints each distinct warning once, when it first appears), so stdout keeps one line per verdict. All are prunes of the same trace tree. --flow traces print the tree by default (--detailed), with the path when tunnels are followed. --format dot writes the path as a Graphviz digraph (one cluster per chassis, tunnels as labelled edges).`,
    },
    {
      title: 'JSON contract',
      body: `--json prints one object per traced packet:

  { "input": "<flow of the first hop>",
    "verdict": "delivered" | "dropped" | "controller" | "tunnel" | "error",
    "hops": [ { "host": "hv1", "bridge": "br-int",
                "outputs": [ { "port": "<OpenFlow port name>", "ofport": 3,
                               "kind": "local" | "tunnel" | "patch" | "physical" | "reserved",
                               "tunnel": { "remoteIp": "...", "chassis": "hv2",
                                           "tunId": "0x1", "metadata0": "0x10002",
                                           "tunSrc", "tunDst", "datapath", "inport", "outport" },
                               "logicalPort": "db1",
                               "next": { "status": "followed", "hop": 1, "host": "hv2",
                                         "network", "toward", "why" }  (network: over the
                                           provider network to the chassis that answers MAC toward)
                                     | { "status": "delivered", "logicalPort" }
                                     | { "status": "left", "host", "via", "network" }
                                     | { "status": "dropped", "reason", "explanation" }
                                     | { "status": "not-collected", "chassis", "remoteIp", "hint" }
                                     | { "status": "not-followed", "reason" }
                                     | { "status": "loop", "hop" } } ],
                "controller": true | false, "controllerReason": "...",
                "finalFlow": "<ofproto/trace Final flow: syntax>",
                "drop": { "table": 44, "priority": 1000, "cookie": "0x...", "line": 563,
                          "reason": "ACL_DROP", "explanation": "...",
                          "logicalFlow": { "uuid", "pipeline", "tableId", "stage",
                                           "priority", "match", "actions", "datapath" },
                          "nb": { "kind": "acl", "uuid", "text", "row": { ... } },
                          "host", "bridge", "flow": "<file>:<line>: <OpenFlow flow>",
                          "tableFlows": 12, "flowsFile": "<file>" },
                   (NO_MATCH: no flow decided, so no "flow"; "tableFlows" is how many flows
                    the missed table has in "flowsFile", 0 when it has none)
                "index": 0, "chassis": "hv1", "verdict": "tunnel",
                "entry": { "kind": "start" | "tunnel" | "patch" | "uplink", "port", "ofport",
                           "fromHop", "fromHost", "fromPort", "tunnel": { ... } },
                "input": "<this hop's flow, for ofproto/trace>", "ctNext": [ "new,trk", ... ],
                "ctBridges": [ "br-int" ],
                "ctNat": [ { "recirc": 1, "recircId": 1, "bridge": "br-int", "zone": 5,
                             "rewrite": "un-snat" | "un-dnat" | "snat" | "dnat",
                             "text": "un-SNAT dst 172.16.0.10 → 10.2.1.11",
                             "committed": "reply of the connection committed in hop 2 (hv3 br-int) of the forward trace",
                             "replayable": false } ],
                (input and ctNext only on the hop where the packet entered a host: a hop entered
                 through a patch port is part of that replay; ctBridges: the bridges whose tables
                 ran those conntrack recirculations, when there were any; ctNat: where the
                 conntrack model rewrote the packet from its connection — recirc is the position
                 of its state in ctNext — and, with "replayable": false, the recirculation up to
                 which ofproto/trace, which cannot do that, agrees with a replay of the hop)
                "datapaths": [ "web", "lr0", "db" ],
                "steps": [ { "kind": "acl" | "lb" | "nat" | "route" | ..., "datapath", "stage",
                             "table", "text", "logicalFlow", "nb" } ] } ],
    "warnings": [ "..." ],
    "incomplete": { "reason", "hint" },      (only when the trace stopped early)
    "size": 98,
    "tree": [ { "depth": 0, "kind": "hop", "detail", "text", "data" }, ... ],
             (the trace tree at the requested detail, in pre-order: a node's children follow it
              with depth + 1; flat because nested it is one level per resubmit, ~200 on an OVN
              pipeline, deeper than jq 1.6 parses; kind "hop" per host traced)
    "drop": { <the drop that decided the verdict, with host, flow, logicalFlow, nb> },
    "delivered": [ { "hop", "host", "port", "logicalPort", "kind" } ],
    "lbChoices": [ { "host", "groupId", "bucket", "backend", "dpHash", "why" } ],
    "from": { <endpoint> }, "to": { <endpoint> },       (--from/--to)
    "packet": { "entry", "flow", "family", "protocol", "dlSrc", "dlDst", "nwSrc", "nwDst",
                "sport", "dport", "ttl", "nextHop", "dlDstWhy", "notes" },
    "path": { "chassis": [ { "chassis", "roles", "host", "why" } ], "datapaths", "routers",
              "missing", "notes" },  (chassis: those the packet crossed, with roles "source",
             "destination" (the endpoints' chassis, also when the packet stopped before) and
             "gateway" (only where it went through a gateway port: sent to its chassisredirect port
             where that is active or claimed by no chassis, or routed out through it there), then
             every other chassis a hop of the trace ran on, with role "transit" (a unicast tunnel
             or the provider network took the packet there: a --dst-mac of a port on another
             chassis, a delivery to a port that is not --to, an L3-HA bundle's member that is not
             the active gateway chassis; "why" says how it got there), then the chassis only
             flooded copies reached, with role "flooded" (a broadcast or an unknown destination: a
             copy for a multicast group such as _MC_flood or _MC_unknown sent over a tunnel; the
             text Path line lists them after "; flooded copies to"); missing: those of them not in the snapshot;
             datapaths: the logical path)
    "reachedDestination": true | false,
    "arpAnswer": "reply" | "neighbour-advertisement" | "owner" | "none",  (--arp: how the request was
             answered — an ARP reply back out of the sender's port, ovn-controller's nd_na/nd_na_router,
             delivered to the port that has the address — or "none": flooded copies at most)
    "arpAnsweredBy": ["web3"],  (with "owner": the ports that got the request and have the address)
    "dhcpAnswer": { "answered": true | false, "action": "put_dhcp_opts" | "put_dhcpv6_opts",
                    "offer": "10.0.0.12", "options": { "router": "10.0.0.1", "lease_time": "43200", ... },
                    "stage", "datapath", "why" },  (--dhcp: whether ovn-controller answers the request,
             the offer (offerip; DHCPv6 ia_addr, absent when stateless) and the action's arguments as
             the logical flow writes them; "why" when nobody answers)
    "dataErrors": { "count", "summary" },  (only when a file the verdict was computed from had load errors)
    "staleFlows": { "hosts", "summary",
                    "causes": [ { "host": "hv1", "kind": "not-running" | "unresponsive" | "paused"
                                    | "not-connected" | "nb-cfg-lag",
                                  "check": "D17" | "D18", "text": "ovn-controller not running" } ] },
             (only when a host the trace read may hold stale flows: its ovn-controller not running,
              not answering, paused or not connected to the SB, or its chassis behind
              SB_Global.nb_cfg, not in flight; doctor D17/D18, whose finding on that host has the
              detail. One "causes" entry per host and cause. The trace is still right about the
              datapath; ovn-trace shows what the SB says now)
    "reply": { <the same object for the reply> }, "replySkipped": "..." }

An endpoint is { "input", "kind": "vif" | "router" | "lb-vip" | "nat" | "external-ip" | "localnet" | ..., "matchedBy", "logicalPort", "portType", "datapath": { "uuid", "name", "key", "kind" }, "portKey", "mac", "ips", "ip", "networks", "chassis", "host", "bridge", "ofport", "iface", "names", "lb", "nat", "localportHosts", "notes" }.

With --flows-file and --json the command prints one JSON object per traced line, as soon as it is traced: the report object above with "line" (the line number in FILE) added, or { "line", "error" } for a line that could not be traced. Without --json it prints one verdict line per flow ("LINE: VERDICT: where it ended"), errors and the warnings verdict lines point at ("see warnings", each once) on stderr. A file without any flow (only blank and # lines) is a usage error. Fields may be added in later versions; existing ones keep their meaning.`,
    },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    snapshot: Flags.string({ char: 's', summary: 'Snapshot directory or packed fixture (.tar.gz).', required: true }),
    from: Flags.string({ summary: 'Source: logical port, VM or pod name, interface, MAC, or IP (also outside the overlay).', exclusive: ['flow', 'flows-file', 'host'] }),
    to: Flags.string({ summary: 'Destination: logical port, VM or pod name, interface, MAC, IP, router IP, NAT IP, LB VIP or an outside address.', dependsOn: ['from'] }),
    tcp: Flags.integer({ summary: 'TCP to this destination port.', min: 0, max: 65535, exclusive: ['udp', 'sctp', 'icmp', 'arp', 'dhcp'] }),
    udp: Flags.integer({ summary: 'UDP to this destination port.', min: 0, max: 65535, exclusive: ['tcp', 'sctp', 'icmp', 'arp', 'dhcp'] }),
    sctp: Flags.integer({ summary: 'SCTP to this destination port.', min: 0, max: 65535, exclusive: ['tcp', 'udp', 'icmp', 'arp', 'dhcp'] }),
    icmp: Flags.boolean({ summary: 'ICMP (v6) echo request (the default, TCP to the VIP port for a load balancer).', exclusive: ['tcp', 'udp', 'sctp', 'arp', 'dhcp'] }),
    arp: Flags.boolean({ summary: 'ARP request for the destination (or the gateway); IPv6: neighbour solicitation.', exclusive: ['tcp', 'udp', 'sctp', 'icmp', 'dhcp'] }),
    dhcp: Flags.boolean({ summary: 'A DHCP client\'s DHCPDISCOVER (0.0.0.0:68 → 255.255.255.255:67, broadcast MAC) from --from; IPv6: a DHCPv6 Solicit to ff02::1:2. --to is optional (255.255.255.255 or ff02::1:2 picks the family).', exclusive: ['tcp', 'udp', 'sctp', 'icmp', 'arp'] }),
    sport: Flags.integer({ summary: 'Source port of --tcp/--udp/--sctp packets.', min: 0, max: 65535, default: 40000 }),
    ttl: Flags.integer({ summary: 'IP TTL / hop limit of the packet.', min: 0, max: 255, default: 64 }),
    'src-mac': Flags.string({ summary: 'Send with this source MAC instead of the binding\'s (port security tests).', dependsOn: ['from'] }),
    'src-ip': Flags.string({ summary: 'Send with this source IP instead of the binding\'s.', dependsOn: ['from'] }),
    'dst-mac': Flags.string({ summary: 'Send to this destination MAC instead of the one the guest would use (with --arp: a unicast ARP request or neighbour solicitation to it, as a guest refreshing a cache entry sends).', dependsOn: ['from'] }),
    reply: Flags.boolean({ summary: 'Also trace the reply back (conntrack est+rpl where the forward packet committed), to see asymmetric drops. Not with --arp or --dhcp: the answer is in the forward trace.' }),
    host: Flags.string({ char: 'H', summary: 'With --flow: the host whose tables the packet enters (as named in the snapshot).' }),
    bridge: Flags.string({ char: 'b', summary: 'With --flow: the bridge the packet enters.', default: 'br-int' }),
    flow: Flags.string({ char: 'f', summary: 'The packet, in ofproto/trace flow syntax (with --host).', exclusive: ['flows-file'] }),
    'flows-file': Flags.string({ summary: 'Trace every flow in this file (one per line, with --host).', exclusive: ['flow'] }),
    'ct-next': Flags.string({ summary: 'ct_state for the next conntrack recirculation (e.g. trk,est); repeat for later ones. Replaces the conntrack model.', multiple: true, default: [] }),
    'select-bucket': Flags.integer({ summary: 'Use this bucket id in select groups instead of the one OVS would pick (a select group the packet meets without that bucket is a usage error).', min: 0 }),
    'lb-dst': Flags.string({ summary: 'Choose the load-balancer bucket whose backend is IP[:PORT]: IP matches that address with any port or none (a group with it on several ports needs IP:PORT), IP:PORT only that port (a port-less backend, of a VIP without a port, is named by IP); IPv6 as ADDR or [ADDR]:PORT (2001:db8::13:8080 is one IPv6 address, not ADDR:PORT).' }),
    size: Flags.integer({ summary: 'Frame length in bytes (Ethernet header included) for check_pkt_larger and the MTU checks (default: the length ofproto/trace would generate).', min: 14 }),
    format: Flags.string({ summary: 'Output format: text, or dot (the path as Graphviz).', options: ['text', 'dot'], default: 'text' }),
    detailed: Flags.boolean({ summary: 'Every table, logical flow and field change.', exclusive: ['summary', 'minimal'] }),
    summary: Flags.boolean({ summary: 'Tables and decisions only.', exclusive: ['detailed', 'minimal'] }),
    minimal: Flags.boolean({ summary: 'Only the outcome.', exclusive: ['detailed', 'summary'] }),
    jobs: Flags.integer({ summary: 'With --flows-file: trace on this many threads (default 1). Each thread loads the snapshot again, so memory grows with it; the output is the same.', min: 1, dependsOn: ['flows-file'] }),
    'no-follow-tunnels': Flags.boolean({ summary: 'Stop at the tunnel port instead of continuing on the remote chassis (one host, like ofproto/trace).' }),
  };

  async run() {
    const { flags } = await this.parse(Trace);
    const endpoints = flags.from !== undefined || flags.to !== undefined;
    if (!endpoints && !flags.flow && !flags['flows-file']) this.error('give --from A --to B, or --host H with --flow FLOW or --flows-file FILE', { exit: ExitCode.usage });
    if (!endpoints && !flags.host) this.error('--flow and --flows-file need --host (the host whose tables the packet enters)', { exit: ExitCode.usage });
    if (flags.from !== undefined && flags.to === undefined && !flags.dhcp) this.error('--from needs --to (only --dhcp goes without: its request is a broadcast)', { exit: ExitCode.usage });
    for (const f of ['tcp', 'udp', 'sctp', 'icmp', 'arp', 'dhcp', 'reply'] as const) if (!endpoints && flags[f] !== undefined && flags[f] !== false) this.error(`--${f} builds a packet: it needs --from and --to (with --flow, write the packet yourself)`, { exit: ExitCode.usage });
    const explicit: Detail | undefined = flags.minimal ? 'minimal' : flags.summary ? 'summary' : flags.detailed ? 'detailed' : undefined;
    // A batch prints a verdict per line: its JSON trees are minimal unless asked for (a detailed
    // tree is ~80 KB a packet on a 455k-flow node; 10,000 of them would be most of the run).
    const detail: Detail = explicit ?? (endpoints ? 'summary' : flags['flows-file'] ? 'minimal' : 'detailed');
    const protocol: Protocol | undefined =
      flags.tcp !== undefined ? { kind: 'tcp', port: flags.tcp } : flags.udp !== undefined ? { kind: 'udp', port: flags.udp } : flags.sctp !== undefined ? { kind: 'sctp', port: flags.sctp } : flags.icmp ? { kind: 'icmp' } : flags.arp ? { kind: 'arp' } : flags.dhcp ? { kind: 'dhcp' } : undefined;
    const json = this.jsonEnabled();
    const request: TraceRequest = {
      snapshot: flags.snapshot,
      host: flags.host,
      bridge: flags.bridge,
      flow: flags.flow,
      flowsFile: flags['flows-file'],
      ctNext: flags['ct-next'],
      selectBucket: flags['select-bucket'],
      lbDst: flags['lb-dst'],
      size: flags.size,
      detail,
      followTunnels: !flags['no-follow-tunnels'],
      ...(endpoints
        ? {
            from: flags.from,
            to: flags.to,
            ...(protocol ? { protocol } : {}),
            sport: flags.sport,
            ttl: flags.ttl,
            ...(flags['src-mac'] ? { srcMac: flags['src-mac'] } : {}),
            ...(flags['src-ip'] ? { srcIp: flags['src-ip'] } : {}),
            ...(flags['dst-mac'] ? { dstMac: flags['dst-mac'] } : {}),
            reply: flags.reply,
          }
        : {}),
    };
    if (request.flowsFile !== undefined && !endpoints) {
      // Printed line by line as traced (JSON: one object per line — streams into jq and grep, and a
      // bad line does not hide the rest); nothing is held until the end.
      let batchExit = 0;
      let lineError = false;
      const stdoutLines = createLineWriter((text) => process.stdout.write(text));
      // The warnings a text verdict line's "see warnings" points at go to stderr, each once: a
      // 10,000-line batch over a host with stale flows says so once, not 10,000 times.
      const warned = new Set<string>();
      const print = (line: PrintedLine): void => {
        if (line.stdout !== undefined) stdoutLines.write(line.stdout);
        const fresh = line.warnings.filter((w) => !warned.has(w));
        if (fresh.length || line.error !== undefined) {
          stdoutLines.flush();
          for (const w of fresh) {
            warned.add(w);
            this.logToStderr(w);
          }
          if (line.error !== undefined) this.logToStderr(line.error);
        }
        batchExit = Math.max(batchExit, line.exit);
        if (line.failed) lineError = true;
      };
      const batch = await runTraceBatch(request, { jobs: flags.jobs, format: { json, colorLevel: this.style.level }, style: this.style, print, warn: (m) => this.warn(m) }).finally(() => stdoutLines.flush());
      if (!batch.result.ok) this.failWith(batch.result.error);
      process.exitCode = lineError ? ExitCode.usage : batchExit;
      return undefined;
    }
    const r = await trace(request);
    if (!r.ok) this.failWith(r.error);
    const result = r.value;
    if (!result.single) throw new Error('trace without --flows-file gave a batch');
    process.exitCode = verdictExitCode(result.single);
    if (flags.format === 'dot' && !this.jsonEnabled()) {
      if (!result.single) this.error('--format dot draws one packet: use --flow or --from/--to, not --flows-file', { exit: ExitCode.usage });
      if (result.single.delivered === undefined) this.error('--format dot draws the path across chassis: it needs tunnels followed (drop --no-follow-tunnels)', { exit: ExitCode.usage });
      process.stdout.write(renderTraceDot(result.single));
      return result.single;
    }
    if (this.jsonEnabled()) return traceReportJson(result.single);
    this.print(renderTrace(result, this.style, { minimal: detail === 'minimal', tree: explicit !== undefined || !endpoints }));
    // --minimal prints the verdict line alone: what its "see warnings" points at goes to stderr.
    if (detail === 'minimal') for (const w of renderVerdictWarnings(result.single, this.style)) this.logToStderr(w);
    return result.single;
  }
}
