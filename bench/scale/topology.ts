// The scale topology of SANDBOX.md: 40 switches × 50 ports bound on one chassis, 10 port groups
// × 100 ports, 400 ACLs using address sets, 200 load balancers — a few hundred thousand OpenFlow
// flows on hv1, for measuring the simulator's per-trace latency.

import type { AclSpec, LoadBalancerSpec, LogicalSwitchSpec, Topology } from '../../test/harness/topology.js';

const hex = (n: number) => n.toString(16).padStart(2, '0');

export function scaleTopology(nSwitches = 40, portsPerSwitch = 50): Topology {
  const switches: LogicalSwitchSpec[] = [];
  const allPorts: string[] = [];
  for (let s = 0; s < nSwitches; s++) {
    const ports = [];
    for (let p = 0; p < portsPerSwitch; p++) {
      const name = `s${s}p${p}`;
      allPorts.push(name);
      ports.push({
        name,
        addresses: [`0a:10:${hex(s)}:00:00:${hex(p + 10)} 10.10.${s}.${p + 10}`],
        portSecurity: [`0a:10:${hex(s)}:00:00:${hex(p + 10)} 10.10.${s}.${p + 10}`],
        bind: { chassis: 'hv1' },
      });
    }
    ports.push({ name: `s${s}-lr`, type: 'router' as const, routerPort: `lr-s${s}`, addresses: ['router'] });
    switches.push({ name: `sw${s}`, subnet: `10.10.${s}.0/24`, ports });
  }
  const addressSets = Array.from({ length: 40 }, (_, i) => ({
    name: `as${i}`,
    addresses: Array.from({ length: 200 }, (_, k) => `10.10.${(i + k) % nSwitches}.${10 + ((i * 7 + k * 3) % portsPerSwitch)}`),
  }));
  const portGroups = Array.from({ length: 10 }, (_, g) => {
    const acls: AclSpec[] = [
      { direction: 'from-lport', priority: 1001, match: `inport == @pg${g} && ip4`, action: 'allow-related' },
      { direction: 'to-lport', priority: 1000, match: `outport == @pg${g} && ip4`, action: 'drop' },
    ];
    for (let k = 0; k < 38; k++) {
      acls.push({
        direction: 'to-lport',
        priority: 1001 + (k % 5),
        match: `outport == @pg${g} && ip4 && ip4.src == $as${(g * 4 + k) % 40} && tcp.dst == ${1000 + k * 7}`,
        action: 'allow-related',
      });
    }
    return { name: `pg${g}`, ports: allPorts.slice(g * 100, g * 100 + 100), acls };
  });
  const loadBalancers: LoadBalancerSpec[] = Array.from({ length: 200 }, (_, i) => ({
    name: `lb${i}`,
    protocol: 'tcp' as const,
    vips: { [`10.99.${Math.floor(i / 200)}.${i % 200 + 1}:80`]: [0, 1, 2].map((b) => `10.10.${(i + b) % nSwitches}.${10 + ((i + b * 3) % portsPerSwitch)}:8080`) },
    switches: Array.from({ length: 8 }, (_, k) => `sw${(i + k * 5) % nSwitches}`),
    routers: ['lr'],
  }));
  return {
    name: 'scale',
    description: `${nSwitches} switches × ${portsPerSwitch} ports on hv1, 10 port groups × 100 ports, 400 ACLs, 40 address sets, 200 load balancers`,
    chassis: [{ name: 'hv1' }, { name: 'hv2' }],
    switches,
    routers: [{ name: 'lr', ports: Array.from({ length: nSwitches }, (_, s) => ({ name: `lr-s${s}`, mac: `0a:10:${hex(s)}:ff:00:01`, networks: [`10.10.${s}.1/24`] })) }],
    addressSets,
    portGroups,
    loadBalancers,
  };
}
