// The bundled Neutron fixtures (test/fixtures/neutron/README.md) and the names of their ports, for
// the unit tests that trace through them: one place, taken from the topology they were collected
// from (test/trace/neutron-topology.ts).
import { resolve } from 'node:path';
import { Chalk } from 'chalk';
import type { Snapshot } from '../../src/model/snapshot.js';
import { renderPathHeader } from '../../src/render/trace-path.js';
import type { TraceReport } from '../../src/services/trace.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { LS, U } from '../trace/neutron-topology.js';

const DIR = resolve(import.meta.dirname, '../fixtures/neutron');
/** One gateway chassis (hv3) claims the router's gateway port. */
export const NEUTRON_1GW = resolve(DIR, 'neutron-1gw.tar.gz');
/** Gateway_Chassis hv3 and hv2, BFD down: the chassisredirect port is claimed by no chassis. */
export const NEUTRON_HA_UNCLAIMED = resolve(DIR, 'neutron-ha-unclaimed.tar.gz');
/** The gateway port configured through an HA_Chassis_Group whose members cannot claim it. */
export const NEUTRON_HA_GROUP = resolve(DIR, 'neutron-ha-group.tar.gz');

export const VM1 = U.vm1;
export const VM2 = U.vm2;
export const VMAAP = U.vmaap;
export const VM3 = U.vm3;
export const VM4 = U.vm4;
export const META_A = U.mdA;
export const META_B = U.mdB;
export const NET_A = LS(U.netA);
export const ROUTER = LS(U.router);
/** The router's gateway port and its chassisredirect port. */
export const LRP = `lrp-${U.gw}`;
export const CR = `cr-${LRP}`;

const plain = new Chalk({ level: 0 });

/** A Neutron fixture loaded with its tables (only `hosts` when given). */
export async function loadNeutron(path: string = NEUTRON_1GW, hosts?: string[]): Promise<Snapshot> {
  const r = await loadSnapshot(path, hosts ? { hosts } : {});
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A report's Path chassis as [chassis, roles joined by +]. */
export const pathRoles = (r: TraceReport): string[][] => (r.path?.chassis ?? []).map((c) => [c.chassis, c.roles.join('+')]);

/** The `Path` line of a report's text header. */
export const pathLine = (r: TraceReport): string | undefined => renderPathHeader(r, plain).find((l) => l.startsWith('Path'));
