/**
 * What `ansible-inventory --list` and `--host NAME` print. Without `export`,
 * groups carry only `hosts` and `children` and `_meta.hostvars` holds each
 * host's merged variables; with `export`, groups carry their own `vars` and
 * hostvars only the host's own. Empty keys and empty groups are left out.
 */
import { ExitCode, HapbError } from '../errors/index.js';
import type { Vars } from '../core/types.js';
import { closest } from '../yaml/validate.js';
import { selectHosts } from './patterns.js';
import { pyStr } from '../template/python.js';
import type { Group, Inventory } from './types.js';
import { hostVars, setOwn } from './vars.js';

export interface ListedGroup {
  hosts?: string[];
  children?: string[];
  vars?: Vars;
}

export interface InventoryListing {
  _meta: { hostvars: Record<string, Vars> };
  [group: string]: ListedGroup | { hostvars: Record<string, Vars> };
}

export interface ListOptions {
  /** like --export: group vars on groups, only the host's own vars in hostvars */
  export?: boolean;
  /** top group to list from (ansible-inventory's pattern argument), default `all` */
  top?: string;
}

export function inventoryList(inv: Inventory, opts: ListOptions = {}): InventoryListing {
  const top = opts.top ?? 'all';
  if (!inv.groups.has(top)) throw unknownName(inv, top, 'group', [...inv.groups.keys()]);
  const available = new Set(selectHosts(inv, top));
  const out: Record<string, ListedGroup> = {};
  const seen = new Set<string>();
  const format = (name: string): void => {
    const group = inv.groups.get(name);
    if (!group) return;
    const entry: ListedGroup = {};
    out[name] = entry; // placed before its children, as ansible-inventory does
    if (name !== 'all') {
      const hosts = group.hosts.filter((h) => available.has(h));
      if (hosts.length > 0) entry.hosts = hosts;
    }
    if (group.children.length > 0) entry.children = [...group.children];
    for (const child of group.children) {
      if (seen.has(child)) continue;
      seen.add(child);
      format(child);
    }
    if (opts.export) {
      const vars = groupVars(group);
      if (Object.keys(vars).length > 0) entry.vars = vars;
    }
    if (Object.keys(entry).length === 0) delete out[name];
  };
  seen.add(top);
  format(top);
  const hostvars: Record<string, Vars> = {};
  for (const name of inv.hosts.keys()) {
    const vars = opts.export ? { ...inv.hosts.get(name)?.vars } : hostVars(inv, name);
    if (Object.keys(vars).length > 0) setOwn(hostvars, name, vars);
  }
  const listing: InventoryListing = { _meta: { hostvars } };
  for (const [name, entry] of Object.entries(out)) setOwn(listing, name, entry);
  return listing;
}

export interface GraphOptions {
  /** like --vars: each host's merged variables and each group's own, as `{name = value}` lines */
  vars?: boolean;
}

/**
 * `ansible-inventory --graph [GROUP]`: the group tree, children before hosts,
 * in definition order; a group appears under every parent; `all` shows no hosts.
 */
export function inventoryGraph(inv: Inventory, top = 'all', opts: GraphOptions = {}): string {
  if (!inv.groups.has(top)) throw unknownName(inv, top, 'group', [...inv.groups.keys()]);
  const lines: string[] = [];
  const name = (text: string, depth: number): string => (depth > 0 ? '  |'.repeat(depth) + '--' + text : text);
  const showVars = (vars: Vars, depth: number): void => {
    for (const k of Object.keys(vars).sort()) lines.push(name(`{${k} = ${pyStr(vars[k])}}`, depth));
  };
  const walk = (groupName: string, depth: number, path: Set<string>): void => {
    const group = inv.groups.get(groupName);
    if (!group || path.has(groupName)) return;
    lines.push(name(`@${groupName}:`, depth));
    const inner = new Set(path).add(groupName);
    for (const child of group.children) walk(child, depth + 1, inner);
    if (groupName !== 'all') {
      for (const h of group.hosts) {
        lines.push(name(h, depth + 1));
        if (opts.vars) showVars(hostVars(inv, h), depth + 2);
      }
    }
    if (opts.vars) showVars(groupVars(group), depth + 1);
  };
  walk(top, 0, new Set());
  return lines.join('\n');
}

/** A group's own variables as ansible-inventory shows them (with a priority other than 1). */
function groupVars(group: Group): Vars {
  const vars: Vars = { ...group.vars };
  if (group.priority !== undefined && group.priority !== 1) setOwn(vars, 'ansible_group_priority', group.priority);
  return vars;
}

/**
 * `ansible-inventory --list --yaml`: the tree of groups from `all`, each with
 * `children` then `hosts` (a host's variables written under its first
 * appearance only, `{}` after), as Ansible's yaml_inventory builds it.
 */
export function inventoryYamlTree(inv: Inventory, opts: { export?: boolean } = {}): Vars {
  const seen = new Set<string>();
  const format = (groupName: string): Vars => {
    const group = inv.groups.get(groupName);
    const entry: Vars = {};
    if (!group) return {};
    const children: Vars = {};
    for (const child of group.children) if (child !== 'all') Object.assign(children, format(child));
    const hosts: Vars = {};
    if (groupName !== 'all') {
      for (const h of group.hosts) {
        let vars: Vars = {};
        if (!seen.has(h)) {
          seen.add(h);
          vars = opts.export ? { ...inv.hosts.get(h)?.vars } : hostVars(inv, h);
        }
        setOwn(hosts, h, vars);
      }
    }
    if (Object.keys(children).length > 0) entry.children = children;
    if (Object.keys(hosts).length > 0) entry.hosts = hosts;
    if (opts.export) {
      const vars = groupVars(group);
      if (Object.keys(vars).length > 0) entry.vars = vars;
    }
    const out: Vars = {};
    setOwn(out, groupName, entry);
    return out;
  };
  return format('all');
}

/** `ansible-inventory --host NAME`: the host's merged variables. */
export function inventoryHost(inv: Inventory, name: string): Vars {
  if (!inv.hosts.has(name)) throw unknownName(inv, name, 'host', [...inv.hosts.keys()]);
  return hostVars(inv, name);
}

function unknownName(inv: Inventory, name: string, what: string, known: string[]): HapbError {
  const guess = closest(name, known);
  const hint = guess
    ? `did you mean '${guess}'?`
    : known.length > 0
      ? `${what}s in ${inv.source}: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', ...' : ''}`
      : `${inv.source} defines no ${what}s`;
  return new HapbError(`unknown ${what} '${name}' in inventory ${inv.source}`, {
    exitCode: ExitCode.invalidInput,
    hint,
  });
}

/** JSON as ansible-inventory prints it: keys sorted at every level, 4-space indent. */
export function formatInventoryJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 4);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Vars = {};
  const keys = Object.keys(value).sort();
  for (const k of keys) setOwn(out, k, sortKeys((value as Vars)[k]));
  return out;
}
