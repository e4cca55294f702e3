/**
 * Inventory variable precedence, as Ansible's VariableManager (default
 * VARIABLE_PRECEDENCE) merges it, lowest first:
 *   `all` inventory vars, other groups' inventory vars (sorted), group_vars/all,
 *   other groups' group_vars (sorted), host inventory vars, host_vars/.
 * Groups are sorted by depth, then ansible_group_priority, then name.
 * Merging replaces top-level keys (hash_behaviour=replace).
 */
import { dirname } from 'node:path';
import type { SourcePos } from '../errors/index.js';
import type { Vars } from '../core/types.js';
import { markScope, markScopeContainer } from '../template/lazy-vars.js';
import { ancestorsOf, hostsOfGroup, sortGroups } from './graph.js';
import type { Group, Host, Inventory, VarSource } from './types.js';

/** Set a key as an own property, also for names like `__proto__`. */
export function setOwn(target: Vars, key: string, value: unknown): void {
  // only `__proto__` needs defineProperty (an assignment would set the prototype);
  // defineProperty on every key turns objects into slow dictionaries
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

function inventoryLayer(e: Host | Group): VarSource {
  return e.inventoryVars ?? { vars: e.vars, pos: {} };
}

function fileLayer(e: Host | Group): VarSource | undefined {
  return e.fileVars;
}

/** All groups the host belongs to, with ancestors and `all`, in precedence order (lowest first). */
export function groupsOf(inv: Inventory, host: string): string[] {
  const h = inv.hosts.get(host);
  if (!h) return [];
  const names = new Set<string>();
  for (const g of h.groups) {
    names.add(g);
    for (const a of ancestorsOf(inv, g)) names.add(a);
  }
  names.delete('all');
  const groups = [...names].map((n) => inv.groups.get(n)).filter((g): g is Group => g !== undefined);
  return ['all', ...sortGroups(inv, groups).map((g) => g.name)];
}

/** The variable sources for a host, lowest precedence first. */
export function varLayers(inv: Inventory, host: string): VarSource[] {
  const h = inv.hosts.get(host);
  if (!h) return [];
  const all = inv.groups.get('all');
  const groups = groupsOf(inv, host)
    .slice(1)
    .map((n) => inv.groups.get(n))
    .filter((g): g is Group => g !== undefined);
  const layers: (VarSource | undefined)[] = [
    all && inventoryLayer(all),
    ...groups.map(inventoryLayer),
    all && fileLayer(all),
    ...groups.map(fileLayer),
    inventoryLayer(h),
    fileLayer(h),
  ];
  return layers.filter((l): l is VarSource => l !== undefined);
}

const merged = new WeakMap<Inventory, Map<string, Vars>>();

/** The host's inventory variables after precedence (no magic variables): a copy of its own. */
export function hostVars(inv: Inventory, host: string): Vars {
  return { ...hostVarsView(inv, host) };
}

/** The same, without the copy: computed once per host and shared; read it, never change it. */
export function hostVarsView(inv: Inventory, host: string): Readonly<Vars> {
  let perInv = merged.get(inv);
  if (!perInv) {
    perInv = new Map();
    merged.set(inv, perInv);
  }
  const known = perInv.get(host);
  if (known) return known;
  const out: Vars = {};
  for (const layer of varLayers(inv, host)) {
    for (const [k, v] of Object.entries(layer.vars)) setOwn(out, k, v);
  }
  perInv.set(host, out);
  return out;
}

/** Where the winning definition of `key` for `host` is. */
export function winningVarPos(inv: Inventory, host: string, key: string): SourcePos | undefined {
  const layers = varLayers(inv, host);
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (layer && hasOwn(layer.vars, key)) return hasOwn(layer.pos, key) ? layer.pos[key] : undefined;
  }
  return undefined;
}

/** `groups`: every group (with `all` and `ungrouped`) to its hosts, in inventory order. */
export function groupsDict(inv: Inventory): Record<string, string[]> {
  let known = groupsDicts.get(inv);
  if (!known) {
    known = {};
    for (const name of inv.groups.keys()) setOwn(known, name, [...hostsOfGroup(inv, name)]);
    groupsDicts.set(inv, known);
  }
  // a new mapping each time; the lists are shared (built once per inventory, never changed)
  const out: Record<string, string[]> = {};
  for (const [name, hosts] of Object.entries(known)) setOwn(out, name, hosts);
  return out;
}

const groupsDicts = new WeakMap<Inventory, Record<string, string[]>>();

/** `hostvars` of the inventory (no play variables): one object per inventory, each host's entry built on first use. */
function inventoryHostvars(inv: Inventory): Vars {
  let hostvars = hostvarsObjects.get(inv);
  if (hostvars) return hostvars;
  hostvars = {};
  for (const name of inv.hosts.keys()) {
    let cached: Vars | undefined;
    Object.defineProperty(hostvars, name, {
      enumerable: true,
      configurable: true,
      get: () => (cached ??= markScope(hostVars(inv, name))),
    });
  }
  markScopeContainer(hostvars);
  hostvarsObjects.set(inv, hostvars);
  return hostvars;
}

const hostvarsObjects = new WeakMap<Inventory, Vars>();

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-fA-F]*:[0-9a-fA-F:.]*$/;

/**
 * Ansible's magic variables that come from the inventory. `group_names` is
 * sorted and leaves out `all` only, as Ansible does (a host in no group has
 * ['ungrouped']). `hostvars` computes each host's vars on first access.
 */
export function magicVars(inv: Inventory, host: string): Vars {
  const h = inv.hosts.get(host);
  if (!h) return {};
  const groupNames = groupsOf(inv, host)
    .filter((g) => g !== 'all')
    .sort();
  const hostvars = inventoryHostvars(inv);
  const file = h.pos?.file ?? inv.source;
  const short = IPV4.test(host) || IPV6.test(host) ? host : (host.split('.')[0] ?? host);
  return {
    inventory_hostname: host,
    inventory_hostname_short: short,
    group_names: groupNames,
    groups: groupsDict(inv),
    hostvars,
    inventory_file: file,
    inventory_dir: dirname(file),
  };
}
