// DESIGN.md: every Finding carries a fix hint — the rule the offload and BGP audits follow, here
// for everything doctor reports (D1-D18, F1-F5, C1-C8, the MTU audit's MTU-H0…H8 and the n/a of
// an audit that did not run). Every scenario runs the whole doctor at --severity n-a: the bundled
// fixtures, and copies and synthetic deployments made so that each n/a path is taken at least once.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import type { Manifest } from '../../src/model/manifest.js';
import { runDoctor } from '../../src/services/doctor.js';
import { copyFixture } from '../harness/fixture-copy.js';
import { expectFixOnEveryNonPass } from '../harness/findings.js';
import { addControllerAnswers, addNbCfg, KILLED, rewriteCollectedOutput } from '../harness/fixture-outputs.js';
import { DEFAULT_FLOWS, healthy, withHost, writeSynthetic, type SynthSpec } from './synthetic.js';

const root = resolve(import.meta.dirname, '../..');
const flowLine = (table: number, priority: number, match: string, actions: string) => ` cookie=0x0, duration=1.000s, table=${table}, n_packets=0, n_bytes=0, idle_age=1, priority=${priority}${match ? `,${match}` : ''} actions=${actions}`;

/** Records `id` on `host` as the collection left it when the command did not complete: no output file. */
function notCompleted(dir: string, host: string, id: string, status: 'timeout' | 'failed' = 'timeout'): void {
  const file = join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  const h = m.hosts.find((x) => x.name === host)!;
  const cmd = h.commands.find((c) => c.id === id)!;
  rmSync(join(dir, cmd.file!), { force: true });
  Object.assign(cmd, { status, exitCode: null, file: undefined, bytes: 0, sha256: undefined, error: `${status} (test)` });
  writeFileSync(file, JSON.stringify(m, null, 2));
}

const key = (f: Finding) => `${f.severity} ${f.id}`;

describe('doctor: every finding that is not a pass has a fix, no pass has one', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ovnscope-doctor-fix-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });
  const synthetic = (spec: SynthSpec) => writeSynthetic(spec, work);

  /** Scenario name → snapshot directory (made when the test runs: copies are removed after each test). */
  const scenarios: Record<string, () => string> = {
    'bundled l3-acl': () => resolve(root, 'fixtures/l3-acl'),
    'bundled lb-nat-3chassis': () => resolve(root, 'fixtures/lb-nat-3chassis'),
    // D1-D15 n/a (no SB), D18 n/a, the MTU audit without chassis pairs.
    'no NB/SB': () => synthetic({ hosts: healthy().hosts }),
    // D2 info (a VIF bound nowhere), D13/D14 info (hv3 is only in the SB).
    'healthy two of three hosts, an idle port': () => synthetic({ ...healthy(), sb: { ...healthy().sb!, ports: [...healthy().sb!.ports, { name: 'vm-idle' }] } }),
    // F4 n/a: flows use a group, the group dump did not complete.
    'group dump not collected': () => {
      const dir = synthetic(withHost(healthy(), 'hv1', (h) => ({ ...h, flows: ['NXST_FLOW reply (xid=0x4):', flowLine(0, 100, 'in_port=3', 'group:7'), flowLine(0, 0, '', 'drop')].join('\n') + '\n' })));
      notCompleted(dir, 'hv1', 'ovs-ofctl.dump-groups.br-int');
      return dir;
    },
    // F1 n/a: dump-flows did not complete; C3 info.
    'dump-flows timed out': () => {
      const dir = synthetic(healthy());
      notCompleted(dir, 'hv1', 'ovs-ofctl.dump-flows.br-int');
      return dir;
    },
    // F5 n/a and D4/D5/D9-D12 n/a: the Interface listing did not complete.
    'Interface listing failed': () => {
      const dir = synthetic(withHost(healthy(), 'hv1', (h) => ({ ...h, flows: DEFAULT_FLOWS })));
      notCompleted(dir, 'hv1', 'ovs-vsctl.list.Interface', 'failed');
      notCompleted(dir, 'hv1', 'ovs-vsctl.list.Port', 'failed');
      return dir;
    },
    // D7-D10, D16 n/a (Open_vSwitch cut short), D4/D5/D9-D12 n/a (Interface empty), C6.
    'unreadable listings': () => {
      const dir = copyFixture('l3-acl');
      rewriteCollectedOutput(dir, 'hosts/hv1/ovs-vsctl.list.Interface.out', '');
      rewriteCollectedOutput(dir, 'hosts/hv1/ovs-vsctl.list.Open_vSwitch.out', '{"garbage":\n');
      return dir;
    },
    // D17 fail on hv1; D17 n/a on hv2 (its answer is not one ovnscope knows); D18 n/a (nb_cfg never bumped).
    'ovn-controller killed, nb_cfg 0': () => {
      const dir = copyFixture('l3-acl');
      addControllerAnswers(dir, 'hv1', KILLED);
      addControllerAnswers(dir, 'hv2', { connection: { argv: [], status: 'failed', err: 'ovn-appctl: something nobody has seen\n' } });
      addNbCfg(dir, 0, []);
      return dir;
    },
    // The MTU audit runs (kernel links on hv1): MTU-H3 info (df_default), MTU-H4 n/a toward hv2 (no
    // route to it) and info on eth0 toward hv3 (routed, but the network MTU is unknown: no NB).
    'the MTU audit with kernel links on hv1': () =>
      synthetic(
        withHost(healthy(), 'hv1', (h) => ({
          ...h,
          extra: {
            'ip.link': JSON.stringify([{ ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], mtu: 65536, operstate: 'UNKNOWN', link_type: 'loopback' }, { ifindex: 2, ifname: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', link_type: 'ether' }]) + '\n',
            'ip.route': JSON.stringify([{ dst: '192.168.0.3', dev: 'eth0', protocol: 'kernel', scope: 'link', flags: [] }]) + '\n',
          },
        })),
      ),
    // D17 n/a: a host that is no OVN chassis (no system-id) and no ovn-controller answered.
    'a host without system-id': () => {
      const dir = synthetic(withHost(healthy(), 'hv2', (h) => ({ ...h, systemId: null })));
      addControllerAnswers(dir, 'hv2', KILLED);
      return dir;
    },
  };

  for (const [name, make] of Object.entries(scenarios))
    it(name, async () => {
      const r = await runDoctor({ snapshot: make(), severity: 'n-a' });
      if (!r.ok) throw new Error(r.error.message);
      expectFixOnEveryNonPass(r.value.findings);
    });

  it('the scenarios above take every n/a path doctor has (so the rule is checked on each)', async () => {
    const seen = new Set<string>();
    for (const make of Object.values(scenarios)) {
      const r = await runDoctor({ snapshot: make(), severity: 'n-a' });
      if (!r.ok) throw new Error(r.error.message);
      for (const f of r.value.findings) seen.add(key(f));
    }
    const na = [...seen].filter((k) => k.startsWith('n-a ')).map((k) => k.slice(4));
    for (const id of ['D1', 'D2', 'D3', 'D4', 'D5', 'D6', 'D7', 'D8', 'D9', 'D10', 'D11', 'D12', 'D13', 'D14', 'D15', 'D16', 'D17', 'D18', 'F1', 'F4', 'F5', 'OFFLOAD', 'BGP', 'MTU']) expect(na, id).toContain(id);
    for (const k of ['info D2', 'info D13', 'info D14', 'info F2', 'info C3', 'info C6', 'warn C6', 'info MTU-H3', 'n-a MTU-H4', 'info MTU-H4']) expect([...seen], k).toContain(k);
  });
});
