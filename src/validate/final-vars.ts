/**
 * Checks of the FINAL variables of every host, before any host is touched:
 * for each play and each of its hosts, the variables a role's tasks would see
 * (role defaults < inventory < play vars < role vars < role params < -e),
 * templated where they can be without facts or results, are checked against
 * the role's meta/argument_specs.yml, and the cluster checks
 * (src/cluster/validate.ts) run on them. A constant `loop:` that is not a list
 * is refused here too.
 */
import { ClusterVars, ROLE_PREFIXES, ShellSafe, validateCluster } from '../cluster/validate.js';
import { SchemaError, type SourcePos } from '../errors/index.js';
import type { Vars } from '../core/types.js';
import { dirname } from 'node:path';
import { hostsOfGroup } from '../inventory/graph.js';
import { groupsOf, hostVars, magicVars, selectHosts } from '../inventory/index.js';
import type { Inventory } from '../inventory/types.js';
import { exposedRoleVars } from '../playbook/exposed-roles.js';
import { flatTasks, type Play, type Playbook, type Role, type Task } from '../playbook/types.js';
import { createTemplater, type Templater } from '../template/index.js';
import { closest } from '../yaml/validate.js';
import { checkRoleArguments } from './argument-specs.js';

export interface FinalVarsInput {
  playbook: Playbook;
  inventory: Inventory;
  extraVars: Vars;
  /** where each -e variable was given */
  extraVarsPos?: (name: string) => SourcePos | undefined;
  /** roles whose presence in a play turns on the cluster checks */
  clusterRoles?: ReadonlySet<string>;
}

export interface FinalVarsReport {
  errors: SchemaError[];
  warnings: string[];
}

const defaultClusterRoles = new Set(['keepalived', 'nginx_director', 'web_backend']);

export function checkFinalVars(input: FinalVarsInput): FinalVarsReport {
  const { playbook, inventory: inv, extraVars } = input;
  const templater = createTemplater({ searchPaths: [playbook.dir] });
  const errors: SchemaError[] = [];
  const seen = new Set<string>();
  const push = (e: SchemaError): void => {
    const key = `${e.detail.replace(/ \(host [^)]*\)$/, '')}|${e.pos ? `${e.pos.file}:${e.pos.line}` : ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    errors.push(e);
  };
  const clusterRoles = input.clusterRoles ?? defaultClusterRoles;
  const finalByHost = new Map<string, Vars>();
  const sourceByHost = new Map<string, Map<string, SourcePos | undefined>>();
  let cluster = false;

  for (const play of playbook.plays) {
    let hosts: string[];
    try {
      hosts = selectHosts(inv, play.hosts);
    } catch {
      continue; // the pattern itself is reported where the run selects hosts
    }
    if (play.roles.some((r) => clusterRoles.has(r.name))) cluster = true;
    // the play's roles' defaults and vars, as every task sees them (a task's own role ranks above)
    const exposed = exposedRoleVars(play.exposedRoles);
    for (const host of hosts) {
      const base = hostVars(inv, host);
      const finals = finalByHost.get(host) ?? {};
      const sources = sourceByHost.get(host) ?? new Map<string, SourcePos | undefined>();
      for (const role of play.roles) {
        const layers = roleLayers(play, exposed, role, base, extraVars, inv, host, input.extraVarsPos);
        const merged: Vars = {};
        const from = new Map<string, SourcePos | undefined>();
        for (const l of layers) for (const [k, v] of Object.entries(l.vars)) {
          merged[k] = v;
          from.set(k, l.pos(k));
        }
        const resolve = resolver(templater, merged, inv, host, playbook.dir, role);
        for (const k of Object.keys(merged)) {
          // the cluster checks see the final values of the variables they check
          if (!clusterKey(k)) continue;
          if (!(k in finals) || from.get(k) !== undefined) {
            const r = resolve(k);
            if (r) {
              finals[k] = r.value;
              sources.set(k, from.get(k));
            }
          }
        }
        if (role.argumentSpecs) {
          for (const e of checkRoleArguments({ role: role.name, spec: role.argumentSpecs, host, value: resolve, source: (k) => from.get(k) })) push(e);
        }
      }
      // vars with no role (play vars, -e) on hosts of plays without roles
      for (const [k, v] of Object.entries({ ...play.vars, ...extraVars })) {
        if (!(k in finals)) finals[k] = v;
      }
      finalByHost.set(host, finals);
      sourceByHost.set(host, sources);
      for (const task of playTasks(play)) if (typeof task.loop === 'string') checkLoop(templater, task, { ...exposed.roleDefaults, ...(task.role?.defaults ?? {}), ...base, ...play.vars, ...exposed.roleVars, ...(task.role ? { ...task.role.vars, ...task.role.params } : {}), ...task.vars, ...extraVars }, inv, host, playbook.dir, push);
    }
  }

  const warnings: string[] = [...unknownRoleVars(playbook, inv, extraVars)];
  if (cluster) {
    const vars = new Map<string, Vars>();
    for (const h of inv.hosts.keys()) vars.set(h, { ...hostVars(inv, h), ...(finalByHost.get(h) ?? {}), ...extraVars });
    const report = validateCluster(inv, {}, {
      vars,
      pos: (host, key) => (key in extraVars ? input.extraVarsPos?.(key) : sourceByHost.get(host)?.get(key)) ?? inv.varPos(host, key),
    });
    for (const e of report.errors) push(e);
    warnings.push(...report.warnings);
  }
  return { errors, warnings };
}

interface Layer {
  vars: Vars;
  pos(key: string): SourcePos | undefined;
}

function roleLayers(play: Play, exposed: { roleDefaults: Vars; roleVars: Vars }, role: Role, base: Vars, extra: Vars, inv: Inventory, host: string, extraPos?: (k: string) => SourcePos | undefined): Layer[] {
  const specPos = (k: string): SourcePos | undefined => role.argumentSpecs?.options[k]?.pos;
  const owner = (k: string, what: 'defaults' | 'vars'): string => {
    const r = [...play.exposedRoles].reverse().find((x) => k in x[what]);
    return `${r?.dir ?? role.dir}/${what}/main.yml`;
  };
  return [
    { vars: exposed.roleDefaults, pos: (k) => ({ file: owner(k, 'defaults'), line: 1, col: 1 }) },
    { vars: role.defaults, pos: (k) => specPos(k) ?? { file: `${role.dir}/defaults/main.yml`, line: 1, col: 1 } },
    { vars: base, pos: (k) => inv.varPos(host, k) },
    { vars: play.vars, pos: () => play.pos },
    { vars: exposed.roleVars, pos: (k) => ({ file: owner(k, 'vars'), line: 1, col: 1 }) },
    { vars: role.vars, pos: () => ({ file: `${role.dir}/vars/main.yml`, line: 1, col: 1 }) },
    { vars: role.params, pos: () => play.pos },
    { vars: extra, pos: (k) => extraPos?.(k) ?? { file: '-e', line: 1, col: 1 } },
  ];
}

const clusterKeys = new Set<string>([...Object.values(ClusterVars), ...Object.keys(ShellSafe)]);

/** the variables validateCluster reads */
function clusterKey(k: string): boolean {
  return clusterKeys.has(k) || k === 'port' || k.endsWith('_port') || k.endsWith('_ports') || ROLE_PREFIXES.some((p) => k.startsWith(p));
}

/** Templates a variable when it can be without facts or results; undefined when it cannot. */
function resolver(t: Templater, merged: Vars, inv: Inventory, host: string, playbookDir: string, role: Role): (name: string) => { value: unknown } | undefined {
  let ctx: Vars | undefined; // built only for a templated value
  const cache = new Map<string, { value: unknown } | undefined>();
  return (name) => {
    if (cache.has(name)) return cache.get(name);
    let out: { value: unknown } | undefined;
    if (!(name in merged)) out = undefined;
    else if (!hasTemplate(merged[name])) out = { value: merged[name] };
    else {
      try {
        ctx ??= context(merged, inv, host, playbookDir, role, mentionsHostvars(merged));
        out = { value: t.templateValue(merged[name], ctx, name) };
      } catch {
        out = undefined; // depends on facts or results, or broken: the template checks report it
      }
    }
    cache.set(name, out);
    return out;
  };
}

function hasTemplate(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('{{') || v.includes('{%');
  if (Array.isArray(v)) return v.some(hasTemplate);
  if (v && typeof v === 'object') return Object.values(v).some(hasTemplate);
  return false;
}

/** hostvars is costly to offer (every host's variables): only when some value names it */
function mentionsHostvars(vars: Vars): boolean {
  const walk = (v: unknown): boolean =>
    typeof v === 'string' ? v.includes('hostvars') : Array.isArray(v) ? v.some(walk) : v && typeof v === 'object' ? Object.values(v).some(walk) : false;
  return Object.values(vars).some(walk);
}

function context(vars: Vars, inv: Inventory, host: string, playbookDir: string, role?: Role, withHostvars = true): Vars {
  if (!withHostvars) return { ...vars, ...lightMagicVars(inv, host), playbook_dir: playbookDir, ...(role ? { role_path: role.dir, role_name: role.name } : {}), omit: '__omit_place_holder__hapb__' };
  const hostvars = new Proxy({} as Vars, {
    get: (_t, name) => (typeof name === 'string' && inv.hosts.has(name) ? hostVars(inv, name) : undefined),
    has: (_t, name) => typeof name === 'string' && inv.hosts.has(name),
    ownKeys: () => [...inv.hosts.keys()],
    getOwnPropertyDescriptor: (_t, name) => (typeof name === 'string' && inv.hosts.has(name) ? { enumerable: true, configurable: true, value: hostVars(inv, name) } : undefined),
  });
  return { ...vars, ...magicVars(inv, host), hostvars, playbook_dir: playbookDir, ...(role ? { role_path: role.dir, role_name: role.name } : {}), omit: '__omit_place_holder__hapb__' };
}

/**
 * A variable named like a role's (`keepalived_prority`) that the role's
 * argument spec does not list is most likely a typo, silently ignored by the
 * role: warn, with the closest option.
 */
function unknownRoleVars(playbook: Playbook, inv: Inventory, extraVars: Vars): string[] {
  const specs = new Map<string, string[]>();
  for (const play of playbook.plays) for (const r of play.roles) if (r.argumentSpecs) specs.set(`${r.name}_`, Object.keys(r.argumentSpecs.options));
  if (specs.size === 0) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  const check = (key: string, where: string): void => {
    if (seen.has(key)) return;
    for (const [prefix, options] of specs) {
      if (!key.startsWith(prefix) || options.includes(key)) continue;
      const role = prefix.slice(0, -1);
      const defaults = playbook.plays.flatMap((p) => p.roles).find((r) => r.name === role)?.defaults ?? {};
      if (key in defaults) continue;
      seen.add(key);
      const guess = closest(key, options);
      out.push(`${where} sets '${key}', which role ${role} does not know${guess ? ` (did you mean '${guess}'?)` : ''}: it has no effect`);
    }
  };
  for (const k of Object.keys(extraVars)) check(k, '-e');
  for (const play of playbook.plays) for (const k of Object.keys(play.vars)) check(k, `play '${play.name}'`);
  for (const h of inv.hosts.keys()) {
    for (const k of Object.keys(hostVars(inv, h))) {
      if (seen.has(k)) continue;
      const pos = inv.varPos(h, k);
      check(k, pos ? `${pos.file}:${pos.line}` : `host ${h}`);
    }
  }
  return out;
}

const groupsCache = new WeakMap<Inventory, Record<string, string[]>>();

/** magicVars without hostvars (costly: every host's variables), groups computed once per inventory */
function lightMagicVars(inv: Inventory, host: string): Vars {
  let groups = groupsCache.get(inv);
  if (!groups) {
    groups = Object.create(null) as Record<string, string[]>;
    for (const g of inv.groups.keys()) groups[g] = hostsOfGroup(inv, g);
    groupsCache.set(inv, groups);
  }
  const file = inv.hosts.get(host)?.pos?.file ?? inv.source;
  return {
    inventory_hostname: host,
    inventory_hostname_short: /^[\d.]+$|:/.test(host) ? host : (host.split('.')[0] ?? host),
    group_names: groupsOf(inv, host).filter((g) => g !== 'all').sort(),
    groups,
    inventory_file: file,
    inventory_dir: dirname(file),
  };
}

function playTasks(play: Play): Task[] {
  return [...flatTasks([...play.preTasks, ...play.roles.flatMap((r) => r.tasks), ...play.tasks, ...play.postTasks]), ...play.roles.flatMap((r) => r.handlers), ...play.handlers];
}

/** A loop that templates, without facts or results, to something other than a list. */
function checkLoop(t: Templater, task: Task, vars: Vars, inv: Inventory, host: string, dir: string, push: (e: SchemaError) => void): void {
  if (typeof task.loop !== 'string') return;
  let value: unknown;
  try {
    value = t.templateValue(task.loop, context(vars, inv, host, dir, task.role, task.loop.includes('hostvars')), 'loop');
  } catch {
    return;
  }
  if (!Array.isArray(value)) {
    push(new SchemaError(`loop: ${JSON.stringify(task.loop)} gives ${JSON.stringify(value)} for host ${host}, not a list`, task.loopPos ?? task.pos, 'loop needs a list: a YAML list, or a template giving one ("{{ range(5) | list }}")'));
  }
}
