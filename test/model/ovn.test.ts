// Where a load balancer applies: the switches and routers that list it in `load_balancer`, or list a
// Load_Balancer_Group holding it in `load_balancer_group` (ovn-nb(5): a group holds "load balancers
// that must be associated to the same set of logical switches and/or logical routers"; northd applies
// a group's members to every datapath that lists the group, as the live test
// test/trace/lb-group.live.test.ts shows with ofproto/trace and ovn-trace).

import { describe, expect, it } from 'vitest';
import { loadBalancerAttachments, type NbLoadBalancerGroup, type NbLogicalRouter, type NbLogicalSwitch } from '../../src/model/ovn.js';

const LB_DIRECT = '6ade20d1-5e52-4e20-bccf-b7be7a0816c2';
const LB_GROUPED = 'ee66ae9e-0e30-4932-9a2d-7bee97e365a7';
const LB_NOWHERE = '11111111-2222-4333-8444-555555555555';
const G_CLUSTER = 'd0ca5d29-88fc-4996-9c1a-c7668a1ef716';
const G_EMPTY = '3c86a34e-d26a-4138-ba17-9d3f13ad8d89';
const G_UNKNOWN = 'e40ced13-6ab4-4974-b189-5bb24e121220';

const sw = (name: string, loadBalancer: string[], loadBalancerGroup: string[]) => ({ uuid: `sw-${name}`, name, loadBalancer, loadBalancerGroup }) as unknown as NbLogicalSwitch;
const lr = (name: string, loadBalancer: string[], loadBalancerGroup: string[]) => ({ uuid: `lr-${name}`, name, loadBalancer, loadBalancerGroup }) as unknown as NbLogicalRouter;
const group = (uuid: string, name: string, loadBalancer: string[]) => ({ uuid, name, loadBalancer }) as unknown as NbLoadBalancerGroup;

const nb = {
  switches: [sw('direct', [LB_DIRECT], []), sw('grouped', [], [G_CLUSTER]), sw('empty-group', [], [G_EMPTY]), sw('both', [LB_DIRECT], [G_CLUSTER]), sw('dangling', [], [G_UNKNOWN])],
  routers: [lr('gw', [], [G_CLUSTER]), lr('plain', [], [])],
  loadBalancerGroups: [group(G_CLUSTER, 'clusterLBGroup', [LB_GROUPED, LB_DIRECT]), group(G_EMPTY, 'clusterSwitchLBGroup', [])],
};
const names = (a: { switches: readonly { name: string }[]; routers: readonly { name: string }[] }) => ({ switches: a.switches.map((s) => s.name), routers: a.routers.map((r) => r.name) });

describe('loadBalancerAttachments', () => {
  it('a load balancer only in a group applies where the group is attached, switches and routers alike', () => {
    expect(names(loadBalancerAttachments(nb, LB_GROUPED))).toEqual({ switches: ['grouped', 'both'], routers: ['gw'] });
  });

  it('listed directly and through a group: each switch or router once', () => {
    expect(names(loadBalancerAttachments(nb, LB_DIRECT))).toEqual({ switches: ['direct', 'grouped', 'both'], routers: ['gw'] });
  });

  it('a load balancer in no group and listed nowhere applies nowhere; an empty or unknown group attaches nothing', () => {
    expect(names(loadBalancerAttachments(nb, LB_NOWHERE))).toEqual({ switches: [], routers: [] });
  });

  it('groups not collected (older snapshots): only the direct attachments are known', () => {
    const { loadBalancerGroups: _, ...withoutGroups } = nb;
    expect(names(loadBalancerAttachments(withoutGroups, LB_DIRECT))).toEqual({ switches: ['direct', 'both'], routers: [] });
    expect(names(loadBalancerAttachments(withoutGroups, LB_GROUPED))).toEqual({ switches: [], routers: [] });
  });
});
