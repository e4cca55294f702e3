/**
 * Variable precedence, lowest first (documented in docs/inventory.md):
 *   role defaults < inventory group vars < inventory host vars < facts
 *   < play vars (vars, vars_files) < role vars < role params < task vars
 *   < set_fact / register < extra vars (-e)
 * plus the magic variables (inventory_hostname, groups, hostvars, ...).
 * As in Ansible (private_role_vars off), every task sees the defaults and the
 * vars of all the play's roles (Play.exposedRoles, later ones winning), and
 * its own role's above them at each level.
 */
import { hostVarsView, magicVars } from '../inventory/index.js';
import type { Inventory } from '../inventory/types.js';
import { markScope, markScopeContainer } from '../template/lazy-vars.js';
import type { Role, Task } from '../playbook/types.js';
import { hostsDownVersion, type HostState } from './state.js';
import type { Vars } from './types.js';

/** Ansible's placeholder: an argument templated to `omit` is left out. */
export const OMIT = '__omit_place_holder__hapb__';

export interface VarScope {
  inventory: Inventory;
  playbookDir: string;
  playVars: Vars;
  /** the defaults of the play's roles, merged in order (exposedRoles) */
  roleDefaults: Vars;
  /** the vars of the play's roles, merged in order (exposedRoles) */
  roleVars: Vars;
  extraVars: Vars;
  check: boolean;
  diff: boolean;
  hosts: Map<string, HostState>;
  playHosts: string[];
  batchHosts: string[];
}

/** The variables of `host` as other hosts see them through hostvars[...]. */
export function hostLevelVars(scope: VarScope, host: string): Vars {
  const st = scope.hosts.get(host);
  return {
    ...scope.roleDefaults,
    ...hostVarsView(scope.inventory, host),
    ...(st?.facts ?? {}),
    ...(st?.facts && Object.keys(st.facts).length ? { ansible_facts: stripPrefix(st.facts) } : {}),
    ...scope.playVars,
    ...scope.roleVars,
    ...(st?.runtime ?? {}),
    ...scope.extraVars,
  };
}

function stripPrefix(facts: Vars): Vars {
  const out: Vars = {};
  for (const [k, v] of Object.entries(facts)) out[k.startsWith('ansible_') ? k.slice(8) : k] = v;
  return out;
}

/** All variables for one task on one host. */
export function taskVars(scope: VarScope, host: string, task?: Task, role?: Role): Vars {
  const st = scope.hosts.get(host);
  const r = role ?? task?.role;
  // each host's entry is built on first use (never all of them: that is the
  // whole inventory for every task), then kept, and templated lazily in its own scope
  const entries = new Map<string, Vars>();
  const entry = (name: string): Vars => {
    let v = entries.get(name);
    if (!v) entries.set(name, (v = markScope(hostLevelVars(scope, name))));
    return v;
  };
  const hostvars = markScopeContainer(new Proxy({} as Vars, {
    get: (_t, name) => (typeof name === 'string' && scope.inventory.hosts.has(name) ? entry(name) : undefined),
    has: (_t, name) => typeof name === 'string' && scope.inventory.hosts.has(name),
    ownKeys: () => [...scope.inventory.hosts.keys()],
    getOwnPropertyDescriptor: (_t, name) =>
      typeof name === 'string' && scope.inventory.hosts.has(name)
        ? { enumerable: true, configurable: true, value: entry(name) }
        : undefined,
  }));
  // one object (this runs for every task and host): the variables by precedence, then the magic ones
  const chain = parentsOf(r);
  const out: Vars = {
    ...scope.roleDefaults,
    ...(chain.length ? Object.assign({}, ...chain.map((p) => p.defaults)) as Vars : {}),
    ...(r?.defaults ?? {}),
    ...hostVarsView(scope.inventory, host),
    ...(st?.facts ?? {}),
    ...scope.playVars,
    ...scope.roleVars,
    ...(chain.length ? Object.assign({}, ...chain.map((p) => p.vars)) as Vars : {}),
    ...(r?.vars ?? {}),
    ...(r?.params ?? {}),
    ...(task?.vars ?? {}),
    ...(st?.runtime ?? {}),
    ...scope.extraVars,
    ...magicVars(scope.inventory, host),
    hostvars,
    ansible_facts: st ? stripPrefix(st.facts) : {},
    playbook_dir: scope.playbookDir,
    role_path: r?.dir,
    role_name: r?.name,
    ansible_check_mode: scope.check,
    ansible_diff_mode: scope.diff,
    ansible_play_hosts_all: scope.playHosts,
    ansible_play_batch: scope.batchHosts,
    omit: OMIT,
  };
  out.ansible_play_hosts = activePlayHosts(scope);
  return out;
}

const activeCache = new WeakMap<VarScope, { version: number; hosts: string[] }>();

/** The play's hosts not failed or unreachable, computed again only when a host went down (it is as long as the play). */
function activePlayHosts(scope: VarScope): string[] {
  const version = hostsDownVersion();
  const known = activeCache.get(scope);
  if (known?.version === version) return known.hosts;
  const hosts = scope.playHosts.filter((h) => !scope.hosts.get(h)?.failed && !scope.hosts.get(h)?.unreachable);
  activeCache.set(scope, { version, hosts });
  return hosts;
}

/** Remove arguments whose value is the omit placeholder. */
export function dropOmitted(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) if (v !== OMIT) out[k] = v;
  return out;
}

/** the roles that imported or included `r`, outermost first (Ansible's dep chain) */
function parentsOf(r: Role | undefined): Role[] {
  const out: Role[] = [];
  for (let p = r?.parent; p !== undefined && out.length < 64; p = p.parent) out.unshift(p);
  return out;
}
