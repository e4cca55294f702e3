/**
 * The drill's view of an operator's inventory: the two directors (by
 * keepalived_priority, highest first), the web backends, the VIP, and the
 * machine the load runs from (a host given with --client, or the controller).
 */
import { ExitCode, HapbError } from '../../errors/index.js';
import { groupsOf, hostVars, type Inventory } from '../../inventory/index.js';
import type { LabTopology } from '../lab-control.js';

/** the pseudo-host that stands for the operator's machine when no --client is given */
export const CONTROLLER = 'controller';

export interface GamedayTopology extends LabTopology {
  /** inventory name → address (ansible_host, else the name) */
  addresses: Record<string, string>;
  /** true when the load runs on the controller itself */
  loadFromController: boolean;
}

export interface TopologyGroups {
  directors: string;
  backends: string;
}

function bad(msg: string, hint: string): HapbError {
  return new HapbError(msg, { exitCode: ExitCode.invalidInput, hint });
}

function inGroup(inv: Inventory, group: string): string[] {
  return [...inv.hosts.keys()].filter((h) => groupsOf(inv, h).includes(group));
}

export function gamedayTopology(inv: Inventory, client: string | undefined, groups: TopologyGroups = { directors: 'directors', backends: 'web' }): GamedayTopology {
  const prio = (h: string): number => {
    const v = Number(hostVars(inv, h)['keepalived_priority']);
    return Number.isFinite(v) ? v : 0;
  };
  const directors = inGroup(inv, groups.directors).sort((a, b) => prio(b) - prio(a));
  const backends = inGroup(inv, groups.backends);
  const [d0, d1, ...more] = directors;
  if (!d0 || !d1 || more.length > 0) {
    throw bad(`${inv.source}: the drill needs exactly 2 hosts in group ${groups.directors}, found ${directors.length}`, 'the drill proves a pair of directors sharing one VIP');
  }
  if (backends.length === 0) throw bad(`${inv.source}: no hosts in group ${groups.backends}`, 'the web backends behind the directors');
  const rawVip = hostVars(inv, d0)['keepalived_vip'];
  const vip = typeof rawVip === 'string' ? rawVip.split('/')[0] : undefined;
  if (!vip || !/^\d{1,3}(\.\d{1,3}){3}$/.test(vip)) throw bad(`${inv.source}: ${d0} has no keepalived_vip`, 'e.g. keepalived_vip: 192.168.0.150/24 in the directors group');
  if (client !== undefined && !inv.hosts.has(client)) throw bad(`--client ${client}: no such host in ${inv.source}`, 'give a host of the inventory (e.g. of a clients group)');
  if (client !== undefined && (directors.includes(client) || backends.includes(client))) {
    throw bad(`--client ${client} is a director or a backend`, 'the load must come from a machine outside the cluster');
  }
  const addresses: Record<string, string> = {};
  for (const h of [...directors, ...backends, ...(client ? [client] : [])]) {
    const a = hostVars(inv, h)['ansible_host'];
    addresses[h] = typeof a === 'string' && a !== '' ? a : h;
  }
  return {
    directors: [d0, d1],
    backends,
    client: client ?? CONTROLLER,
    vip,
    url: `http://${vip}/`,
    addresses,
    loadFromController: client === undefined,
  };
}

/**
 * A lab's inventory reaches its machines through the lab's switch namespace
 * (a ProxyCommand with `ip netns exec hapb-<lab>-sw`): its addresses exist only
 * inside the lab, so load from the controller (the root namespace) must not go
 * there. True when any host of the topology is reached that way.
 */
export function isLabInventory(inv: Inventory, hosts: string[]): boolean {
  return hosts.some((h) => {
    const a = hostVars(inv, h)['ansible_ssh_common_args'];
    return typeof a === 'string' && /ip netns exec hapb-[^ ]*-sw /.test(a);
  });
}
