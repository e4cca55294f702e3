/**
 * Read-only views of an Inventory that the cluster checks and the render
 * preview need: the hosts of a group (children included) and a host's
 * variables after Ansible's precedence.
 */
import type { Vars } from '../engine/types.js';
import type { Inventory } from '../inventory/types.js';

/** Hosts of `group` and of its descendants: own hosts first, in definition order, no repeats. */
export function hostsOf(inv: Inventory, group: string): string[] {
  if (group === 'all') return [...inv.hosts.keys()];
  const out: string[] = [];
  const seen = new Set<string>();
  const visited = new Set<string>();
  const walk = (name: string): void => {
    if (visited.has(name)) return;
    visited.add(name);
    const g = inv.groups.get(name);
    if (!g) return;
    for (const h of g.hosts) {
      if (!seen.has(h)) {
        seen.add(h);
        out.push(h);
      }
    }
    for (const child of g.children) walk(child);
  };
  walk(group);
  return out;
}

/** Depth of every group below `all` (all = 0), following `children`. */
function groupDepths(inv: Inventory): Map<string, number> {
  const depth = new Map<string, number>([['all', 0]]);
  const queue = ['all'];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    const d = depth.get(name) ?? 0;
    for (const child of inv.groups.get(name)?.children ?? []) {
      if ((depth.get(child) ?? -1) < d + 1) {
        depth.set(child, d + 1);
        queue.push(child);
      }
    }
  }
  return depth;
}

/** Every group that holds `host` (directly or through children), `all` first, then by depth and name. */
export function groupsOfHost(inv: Inventory, host: string): string[] {
  const depth = groupDepths(inv);
  const names = [...inv.groups.keys()].filter((g) => g !== 'all' && hostsOf(inv, g).includes(host));
  names.sort((a, b) => (depth.get(a) ?? 1) - (depth.get(b) ?? 1) || a.localeCompare(b));
  return ['all', ...names];
}

/** The host's inventory variables: group vars (lowest first), then its own. */
export function varsOfHost(inv: Inventory, host: string): Vars {
  const out: Vars = {};
  for (const g of groupsOfHost(inv, host)) Object.assign(out, inv.groups.get(g)?.vars ?? {});
  Object.assign(out, inv.hosts.get(host)?.vars ?? {});
  return out;
}
