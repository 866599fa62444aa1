// ACL steps and drops name the Neutron security group (and rule) behind a port group, and say
// what neutron_pg_drop means. Neutron marks its port groups with
// external_ids:neutron:security_group_id and each ACL with neutron:security_group_rule_id; its
// default-drop group (every port with port security) is neutron_pg_drop. The bundled l3-acl
// fixture has neither: its NB rows are given those columns here (the SB flows, which name the
// port group by its ACLs' stage hints, are unchanged).

import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/model/snapshot.js';
import type { TraceReport, TraceRequest } from '../../src/services/trace.js';
import { loadSnapshot } from '../../src/snapshot/load.js';
import { endpointReport } from '../harness/trace-report.js';

const root = resolve(import.meta.dirname, '../..');
let l3: Snapshot;
beforeAll(async () => {
  const r = await loadSnapshot(join(root, 'fixtures', 'l3-acl'));
  if (!r.ok) throw new Error(r.error.message);
  l3 = r.value;
});

const run = (snapshot: Snapshot, req: Partial<TraceRequest>): TraceReport => endpointReport(snapshot, req);

/** l3-acl with Neutron's marks: pg_db is security group sg-db (its ACLs rules), pg_web renamed neutron_pg_drop. */
function neutronShaped(): Snapshot {
  const nb = l3.nb!;
  const db = nb.portGroups.find((pg) => pg.name === 'pg_db')!;
  return {
    ...l3,
    nb: {
      ...nb,
      portGroups: nb.portGroups.map((pg) =>
        pg.name === 'pg_db' ? { ...pg, externalIds: { ...pg.externalIds, 'neutron:security_group_id': 'sg-db' } } : pg.name === 'pg_web' ? { ...pg, name: 'neutron_pg_drop' } : pg,
      ),
      acls: nb.acls.map((a) => (db.acls.includes(a.uuid) ? { ...a, externalIds: { ...a.externalIds, 'neutron:security_group_rule_id': `rule-${a.name ?? '?'}` } } : a)),
    },
  };
}

// web-vm-1 is 10.1.1.11, a member of the fixture's NB Address_Set as_web (10.1.1.11-13): an ACL on
// $as_web ends with that member.
const aclSteps = (r: TraceReport) => r.hops.flatMap((h) => h.steps ?? []).filter((s) => s.kind === 'acl').map((s) => s.text);

describe('ACL names on a Neutron deployment', () => {
  it('an allowing ACL names its security group and rule', () => {
    const r = run(neutronShaped(), { from: 'web-vm-1', to: 'db2', protocol: { kind: 'tcp', port: 5432 } });
    expect(aclSteps(r)).toContain('ACL "web-to-db" to-lport 1001 allow-related (security group sg-db rule rule-web-to-db, port group pg_db): outport == @pg_db && ip4 && ip4.src == $as_web && tcp.dst == 5432 (10.1.1.11 ∈ as_web)');
    const acl = r.hops.flatMap((h) => h.steps ?? []).find((s) => s.kind === 'acl' && s.text.includes('web-to-db'));
    expect(acl?.nb?.row).toMatchObject({ portGroup: 'pg_db', securityGroup: 'sg-db', securityGroupRule: 'rule-web-to-db' });
  });

  it('a drop by neutron_pg_drop says no rule of the port\'s security groups allowed it', () => {
    const r = run(neutronShaped(), { from: 'web1', to: 'web2' });
    expect(r.drop?.reason).toBe('ACL_DROP');
    expect(r.drop?.explanation).toMatch(/^dropped by ACL "pg_web-default-drop" to-lport priority 1000 `outport == @pg_web && ip4` drop on port group neutron_pg_drop: Neutron's default drop, no rule of the port's security groups allowed it \(ls_out_acl/);
    expect(aclSteps(r)).toContain('ACL "pg_web-default-drop" to-lport 1000 drop (port group neutron_pg_drop: Neutron\'s default drop, no rule of the port\'s security groups allowed it): outport == @pg_web && ip4');
  });

  it('a port group without Neutron\'s marks reads as before', () => {
    const r = run(l3, { from: 'web-vm-1', to: 'db2', protocol: { kind: 'tcp', port: 5432 } });
    expect(aclSteps(r)).toContain('ACL "web-to-db" to-lport 1001 allow-related (port group pg_db): outport == @pg_db && ip4 && ip4.src == $as_web && tcp.dst == 5432 (10.1.1.11 ∈ as_web)');
  });
});
