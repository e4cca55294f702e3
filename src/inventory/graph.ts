/**
 * The group graph: parents, ancestors, depth and the hosts of a group with its
 * descendants, in Ansible's order. Results are cached per inventory object.
 */
import type { Group, Inventory } from './types.js';

interface GraphCache {
  parents: Map<string, string[]>;
  depth: Map<string, number>;
  hostsOf: Map<string, string[]>;
}

const caches = new WeakMap<Inventory, GraphCache>();

function cache(inv: Inventory): GraphCache {
  let c = caches.get(inv);
  if (!c) {
    const parents = new Map<string, string[]>();
    for (const g of inv.groups.values()) {
      for (const child of g.children) {
        const list = parents.get(child) ?? [];
        list.push(g.name);
        parents.set(child, list);
      }
    }
    c = { parents, depth: new Map(), hostsOf: new Map() };
    caches.set(inv, c);
  }
  return c;
}

export function parentsOf(inv: Inventory, group: string): string[] {
  return cache(inv).parents.get(group) ?? [];
}

/** The group's ancestors (not itself), nearest first. */
export function ancestorsOf(inv: Inventory, group: string): string[] {
  return breadthFirst(group, (g) => parentsOf(inv, g));
}

/** Length of the longest parent chain up to `all` (`all` is 0, a top-level group 1). */
export function depthOf(inv: Inventory, group: string): number {
  const c = cache(inv);
  const known = c.depth.get(group);
  if (known !== undefined) return known;
  c.depth.set(group, 0); // guards against a cycle in a hand-made inventory
  let d = 0;
  for (const p of parentsOf(inv, group)) d = Math.max(d, depthOf(inv, p) + 1);
  c.depth.set(group, d);
  return d;
}

/** The group, then its descendants level by level, each level in children order. */
export function descendantsOf(inv: Inventory, group: string): string[] {
  return [group, ...breadthFirst(group, (g) => inv.groups.get(g)?.children ?? [])];
}

/** The groups reachable from `start` (not itself) by `next`, level by level, each once. */
function breadthFirst(start: string, next: (group: string) => readonly string[]): string[] {
  const seen = new Set<string>([start]);
  const out: string[] = [];
  let frontier = [start];
  while (frontier.length > 0) {
    const level: string[] = [];
    for (const g of frontier) {
      for (const n of next(g)) {
        if (seen.has(n)) continue;
        seen.add(n);
        out.push(n);
        level.push(n);
      }
    }
    frontier = level;
  }
  return out;
}

/** Hosts of a group and of all its descendants, without repeats (Ansible's Group.get_hosts). */
export function hostsOfGroup(inv: Inventory, group: string): string[] {
  const c = cache(inv);
  const known = c.hostsOf.get(group);
  if (known) return known;
  const seen = new Set<string>();
  const out: string[] = [];
  for (const g of descendantsOf(inv, group)) {
    for (const h of inv.groups.get(g)?.hosts ?? []) {
      if (seen.has(h)) continue;
      seen.add(h);
      out.push(h);
    }
  }
  c.hostsOf.set(group, out);
  return out;
}

/** Ansible's sort_groups: by depth, then ansible_group_priority, then name. */
export function sortGroups(inv: Inventory, groups: readonly Group[]): Group[] {
  return [...groups].sort((a, b) => {
    const d = depthOf(inv, a.name) - depthOf(inv, b.name);
    if (d !== 0) return d;
    const p = (a.priority ?? 1) - (b.priority ?? 1);
    if (p !== 0) return p;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}
