/**
 * ovnscope's OpenFlow simulator: replays a packet through the flow tables collected from a host,
 * with the semantics of OVS 3.1 `ovs-appctl ofproto/trace` (checked against the live tool by
 * test/sim/differential.live.test.ts). Public surface.
 *
 *   const compiled = compileHost(host);              // once per snapshot host
 *   const r = traceHost(compiled, 'br-int', 'in_port="vif1",tcp,...,tcp_dst=80', { ctNext: ['trk,est'] });
 *   if (!r.ok) → usage error (exit 2); else r.value: SimTraceResult (a TraceResult)
 *
 * Rules that differ from "just follow the flows", all as ofproto/trace does them:
 *   - conntrack: `ct(table=N)` queues a recirculation resumed after the current pass with the
 *     next `ctNext` state (default `trk|new`), ct_zone set, and NAT simulated by taking the first
 *     address/port of a `nat(src=|dst=...)` range (a bare `nat` changes nothing);
 *   - select groups: see groups.ts — dp_hash groups stop the trace when dp_hash is 0 (verdict
 *     `error`, `incomplete` set) unless `selectBucket` is given or the flow sets `dp_hash`;
 *   - check_pkt_larger: the branch selected by `size` (default: the length of the packet
 *     `ofproto/trace --generate` would build) is followed; the other is shown, not taken;
 *   - the Final flow of a pass is the packet after the top-level actions: changes made inside
 *     clone(), group buckets, patch-port peers and check_pkt_larger are undone afterwards, as in
 *     OVS (each output records the packet as it left);
 *   - NORMAL uses the MAC table passed in `fdb` (`ovs-appctl fdb/show`), else floods.
 *
 * Across chassis (cross.ts): `traceAcross` runs `traceHost` on every host the packet reaches,
 * continuing GENEVE outputs at the remote chassis' tunnel port with OVN's tunnel encoding, with a
 * conntrack model (conntrack.ts) for the states ofproto/trace would need to be told; guest.ts
 * builds packets from resolved endpoints and the far-side/reply flows.
 */
export { traceHost, packetFromMicroflow, parseCtState, composedLength } from './trace.js';
export type { TraceOptions, SimTraceResult, SimOutput, SimController, SimPass } from './trace.js';
export { compileHost, compileBridge } from './compile.js';
export type { CompiledHost, CompiledBridge } from './compile.js';
export { PacketState } from './state.js';
export { formatFlowState } from './format.js';
export { FlowTable } from './classifier.js';
export type { LookupResult, CompiledFlow } from './classifier.js';
export { decodeOvnUserdata, OVN_OPCODES } from './ovn.js';
export type { OvnControllerOp } from './ovn.js';
export { EXECUTORS } from './executors.js';
export type { Executor } from './executors.js';
export type { FdbEntry } from './xlate.js';
export { traceAcross, createCrossContext, dpHashFor, bucketBackend, GENEVE_OVERHEAD } from './cross.js';
export type { CrossContext, CrossOptions, CrossResult, CrossStart, HostRun, LbChoice } from './cross.js';
export { buildGuestPacket, flowFromState } from './guest.js';
export type { GuestPacket, GuestOptions, Protocol, PacketEntry } from './guest.js';
export { ConntrackTable } from './conntrack.js';
export { parseMicroflow } from '../parse/microflow.js';
export type { Microflow, MicroflowResult, MicroflowError } from '../parse/microflow.js';
