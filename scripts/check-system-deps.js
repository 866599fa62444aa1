#!/usr/bin/env node
// Checks that the Debian packages the live suites need are installed. Locally a missing package
// is a loud warning (the live suites then fail with the same message); under CI=true it fails.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const needs = {
  'openvswitch-switch': ['ovs-vswitchd', 'ovsdb-server', 'ovsdb-tool', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl'],
  'ovn-central': ['ovn-northd'],
  'ovn-host': ['ovn-controller'],
  'ovn-common': ['ovn-nbctl', 'ovn-sbctl', 'ovn-trace'],
  frr: ['vtysh', '/usr/lib/frr/zebra', '/usr/lib/frr/bgpd', '/usr/lib/frr/bfdd'],
  'openssh-server': ['/usr/sbin/sshd'],
  'openssh-client': ['ssh', 'ssh-keygen', 'ssh-agent', 'ssh-add'],
  ethtool: ['ethtool'],
  iproute2: ['ip'],
};

function found(bin) {
  const candidates = bin.startsWith('/') ? [bin] : (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']).map((d) => join(d, bin));
  return candidates.some((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const missing = Object.entries(needs).filter(([, bins]) => bins.some((b) => !found(b)));
if (missing.length === 0) process.exit(0);
const names = missing.map(([pkg, bins]) => `${pkg} (${bins.filter((b) => !found(b)).join(', ')})`).join('; ');
const msg = `\n*** Missing Debian packages for the live test suites: ${names}\n*** Install them with: sudo scripts/install-system-deps.sh\n`;
if (process.env.CI === 'true') {
  console.error(msg + '*** CI=true: this is a failure.\n');
  process.exit(1);
}
console.error(msg + '*** The live suites will fail and say so.\n');
