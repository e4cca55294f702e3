/**
 * Loads a playbook and the roles it names, validating everything before any
 * host is touched. All input errors are collected and reported together.
 */
import { existsSync, lstatSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, HapbError, InputErrors, SchemaError, type SourcePos } from '../errors/index.js';
import { parseBoolean } from '../core/bool.js';
import type { Vars } from '../core/types.js';
import { patternProblem } from '../inventory/patterns.js';
import { joinPointer, loadYamlFile, type Located } from '../yaml/load.js';
import { closest, validateAt } from '../yaml/validate.js';
import { checkPlaySyntax, checkRoleRefSyntax, checkRoleTemplates, checkTaskSyntax, checkVarsSyntax } from '../validate/load-checks.js';
import { loadArgumentSpecs } from '../validate/argument-specs.js';
import { createTemplater, TemplateError, type Templater } from '../template/index.js';
import { blockSchema, includeKeywords, includeRoleArgs, includeTasksArgs, playSchema, roleRefSchema, taskKeywords, taskSchema, withLoops } from './keywords.js';
import { emptyInherited, inherit, inheritedOf, mapTasks, mergeInherited, roleFile, taskFileCandidates } from './structure.js';
import { flatTasks, handlerKey, roleKey, type Include, type Inherited, type LoopControl, type Play, type Playbook, type Role, type SerialSpec, type Task, type TaskNode, type WithLoop } from './types.js';

/** Where a task list sits: the folder relative files are found from, its role, how deep in imports. */
interface Where {
  dir: string;
  role?: Role;
  depth: number;
}

const MAX_DEPTH = 32;
const STATIC = ['import_tasks', 'ansible.builtin.import_tasks', 'import_role', 'ansible.builtin.import_role'];
const DYNAMIC = ['include_tasks', 'ansible.builtin.include_tasks', 'include_role', 'ansible.builtin.include_role'];

/** What the loader needs to know about modules (kept abstract so the loader has no engine dependency). */
export interface ModuleCatalog {
  /** canonical module for a name (aliases and ansible.builtin.* accepted), or undefined */
  lookup(name: string): { name: string; schema: Record<string, unknown>; freeForm?: boolean } | undefined;
  names(): string[];
}

export interface LoadOptions {
  modules: ModuleCatalog;
  /** extra directories searched for roles (after the playbook's own) */
  rolesPath?: string[];
}

/** hapb's own roles, shipped beside src/ (dist/ when built). */
export const builtinRolesDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'roles');

export function loadPlaybook(file: string, opts: LoadOptions): Playbook {
  const loader = new Loader(opts);
  const playbook = loader.playbook(resolve(file));
  throwErrors(loader.errors);
  playbook.include = {
    tasks: (f, inh, role) => loader.fresh(() => loader.includedTasks(f, inh, role)),
    role: (name, fromDir, from, params, inh, rolesRun, parent) => loader.fresh(() => loader.includedRole(name, fromDir, from, params, inh, rolesRun, parent)),
  };
  return playbook;
}

function throwErrors(errors: SchemaError[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new InputErrors(errors);
}

/** one templater for every load: it only parses conditions (creating one registers every filter) */
let shared: Templater | undefined;
function parser(): Templater {
  shared ??= createTemplater({});
  return shared;
}

class Loader {
  errors: SchemaError[] = [];
  private readonly roleCache = new Map<string, Role>();
  private playbookDir = '.';
  /** handlers of roles imported or included in the play being loaded */
  private roleHandlers: Task[] = [];
  /** handlers of roles include_role names literally: checked against notify, but the play has them only once included (run time) */
  private includedRoleHandlers: Task[] = [];
  /** the play being loaded: the roles whose defaults and vars all its tasks see (Play.exposedRoles) */
  private exposedRoles: Role[] | undefined;
  /** roles (with their params) the play runs so far: dependencies run once */
  private rolesRun = new Set<string>();
  constructor(private readonly opts: LoadOptions) {}

  /** run a load at run time (an include): its own error list, thrown if not empty */
  fresh<T>(fn: () => T): T {
    const saved = this.errors;
    this.errors = [];
    try {
      const out = fn();
      throwErrors(this.errors);
      return out;
    } finally {
      this.errors = saved;
    }
  }

  includedTasks(file: string, inh: Inherited, role: Role | undefined): TaskNode[] {
    const nodes = this.taskFile(file, false, { dir: dirname(file), ...(role ? { role } : {}), depth: 0 });
    return inherit(nodes, inh);
  }

  includedRole(name: string, fromDir: string, from: Include['from'], params: Vars, inh: Inherited, rolesRun: Set<string>, parent?: Role): { nodes: TaskNode[]; handlers: Task[] } {
    this.roleHandlers = [];
    this.rolesRun = rolesRun;
    const nodes = this.roleNodes(name, fromDir, from, params, inh, undefined, 0, false, parent);
    return { nodes, handlers: this.roleHandlers };
  }

  playbook(file: string): Playbook {
    const dir = dirname(file);
    this.playbookDir = dir;
    const book: Playbook = { file, dir, plays: [] };
    const doc = this.yaml(file);
    if (!doc) return book;
    if (!Array.isArray(doc.value)) {
      this.errors.push(
        new SchemaError('a playbook must be a list of plays', doc.pos(''), 'start each play with "- hosts: GROUP"'),
      );
      return book;
    }
    doc.value.forEach((raw, i) => {
      const play = this.play(raw, doc, joinPointer('', i), dir);
      if (play) book.plays.push(play);
    });
    return book;
  }

  private play(raw: unknown, doc: Located, ptr: string, dir: string): Play | undefined {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      this.errors.push(new SchemaError('a play must be a mapping', doc.pos(ptr), 'start it with "- hosts: GROUP"'));
      return undefined;
    }
    const r = raw as Record<string, unknown>;
    if ('import_playbook' in r) {
      this.errors.push(new SchemaError('import_playbook is not supported by hapb', doc.keyPos(joinPointer(ptr, 'import_playbook')), 'list the plays in one file'));
      return undefined;
    }
    const errs = validateAt(playSchema, r, doc, ptr, 'play');
    if (errs.length) {
      this.errors.push(...errs);
      return undefined;
    }
    const hostsProblem = patternProblem(Array.isArray(r.hosts) ? (r.hosts as string[]) : String(r.hosts));
    if (hostsProblem) {
      this.errors.push(
        new SchemaError(`invalid host pattern ${JSON.stringify(r.hosts)}: ${hostsProblem}`, doc.pos(joinPointer(ptr, 'hosts')), "name hosts or groups: 'all', 'web', 'directors:!master'"),
      );
      return undefined;
    }
    this.errors.push(...checkPlaySyntax(r, doc, ptr));
    const hosts = Array.isArray(r.hosts) ? (r.hosts as string[]).join(',') : String(r.hosts);
    const play: Play = {
      name: typeof r.name === 'string' ? r.name : hosts,
      hosts,
      vars: { ...((r.vars as Vars | null) ?? {}) },
      varsFiles: toList(r.vars_files).map((f) => (isAbsolute(f) ? f : join(dir, f))),
      gatherFacts: r.gather_facts === undefined ? true : this.bool(r.gather_facts, doc, joinPointer(ptr, 'gather_facts')),
      anyErrorsFatal: this.bool(r.any_errors_fatal ?? false, doc, joinPointer(ptr, 'any_errors_fatal')),
      roles: [],
      exposedRoles: [],
      preTasks: [],
      tasks: [],
      postTasks: [],
      handlers: [],
      tags: toList(r.tags),
      pos: doc.pos(ptr) ?? { file: doc.file, line: 1, col: 1 },
    };
    // vars_files are loaded now (so a missing one is reported before any host is touched)
    // and take precedence over vars, as in Ansible.
    for (const f of play.varsFiles) Object.assign(play.vars, this.varsFile(f));
    if (r.become !== undefined) play.become = this.bool(r.become, doc, joinPointer(ptr, 'become'));
    if (typeof r.become_user === 'string') play.becomeUser = r.become_user;
    if (r.environment !== undefined && r.environment !== null) play.environment = r.environment;
    if (r.serial !== undefined) play.serial = r.serial as SerialSpec;
    if (r.max_fail_percentage !== undefined) {
      const pct = Number(r.max_fail_percentage);
      if (Number.isFinite(pct) && pct >= 0 && pct <= 100) play.maxFailPercentage = pct;
      else this.errors.push(new SchemaError(`max_fail_percentage must be a number from 0 to 100, got ${JSON.stringify(r.max_fail_percentage)}`, doc.pos(joinPointer(ptr, 'max_fail_percentage'))));
    }
    this.roleHandlers = [];
    this.includedRoleHandlers = [];
    const roleRefs = (r.roles as unknown[] | null) ?? [];
    // a role (with the same parameters) runs once per play, dependencies first, unless allow_duplicates
    const seen = new Set<string>();
    this.rolesRun = seen;
    roleRefs.forEach((ref, i) => {
      for (const role of this.roleRef(ref, doc, joinPointer(ptr, 'roles', i), dir, 0)) {
        const key = roleKey(role);
        if (seen.has(key) && !role.allowDuplicates) continue;
        seen.add(key);
        play.roles.push(role);
      }
    });
    play.exposedRoles.push(...play.roles);
    this.exposedRoles = play.exposedRoles;
    const where: Where = { dir, depth: 0 };
    play.preTasks = this.tasks(r.pre_tasks, doc, joinPointer(ptr, 'pre_tasks'), false, where);
    play.tasks = this.tasks(r.tasks, doc, joinPointer(ptr, 'tasks'), false, where);
    play.postTasks = this.tasks(r.post_tasks, doc, joinPointer(ptr, 'post_tasks'), false, where);
    const ownHandlers = flatTasks(this.tasks(r.handlers, doc, joinPointer(ptr, 'handlers'), true, where));
    // Ansible's order: the roles: section's handlers, the play's own, then those of import_role
    const roleHandlers = play.roles.flatMap((role) => role.handlers);
    // a handler runs once per notification even when its role is listed, imported or included several times;
    // a role's handlers of another file (handlers_from) are other handlers
    const handlerKeys = new Set<string>();
    play.handlers = [...roleHandlers, ...ownHandlers, ...this.roleHandlers].filter((h) => {
      const key = handlerKey(h);
      if (handlerKeys.has(key)) return false;
      handlerKeys.add(key);
      return true;
    });
    this.checkNotifications(play, this.includedRoleHandlers);
    return play;
  }

  /** every notify must name a handler (by name or listen) of the play */
  private checkNotifications(play: Play, later: Task[]): void {
    const known = new Set<string>();
    for (const h of [...play.handlers, ...later]) {
      known.add(h.name);
      for (const l of h.listen) known.add(l);
    }
    const all = [...flatTasks([...play.preTasks, ...play.roles.flatMap((r) => r.tasks), ...play.tasks, ...play.postTasks]), ...play.handlers];
    for (const t of all) {
      for (const n of t.notify) {
        if (!known.has(n)) {
          const guess = closest(n, [...known]);
          this.errors.push(
            new SchemaError(
              `task '${t.name}' notifies '${n}', but no handler has that name or listens to it`,
              t.pos,
              guess ? `did you mean '${guess}'?` : known.size ? `handlers of this play: ${[...known].join(', ')}` : 'add a handler with that name under handlers:',
            ),
          );
        }
      }
    }
  }

  /** a role as listed in a play or a meta/main.yml: its dependencies first, then itself */
  private roleRef(ref: unknown, doc: Located, ptr: string, dir: string, depth: number): Role[] {
    let name: string;
    let params: Vars = {};
    let extraWhen: string[] = [];
    let tags: string[] = [];
    let become: boolean | undefined;
    if (typeof ref === 'string') {
      name = ref;
    } else {
      const errs = validateAt(roleRefSchema, ref, doc, ptr, 'role reference');
      if (errs.length) {
        this.errors.push(...errs);
        return [];
      }
      const r = ref as Record<string, unknown>;
      this.errors.push(...checkRoleRefSyntax(r, doc, ptr));
      name = String(r.role);
      const { role: _role, name: _name, vars, tags: t, when, become: b, ...rest } = r;
      params = { ...rest, ...((vars as Vars | undefined) ?? {}) };
      tags = toList(t);
      extraWhen = toConditions(when);
      if (b !== undefined) become = this.bool(b, doc, joinPointer(ptr, 'become'));
    }
    if (depth > MAX_DEPTH) {
      this.errors.push(new SchemaError(`role '${name}': dependencies nest more than ${MAX_DEPTH} deep (a cycle?)`, doc.pos(ptr)));
      return [];
    }
    const roleDir = this.findRole(name, dir);
    if (!roleDir) {
      this.errors.push(
        new SchemaError(`role '${name}' not found`, doc.pos(ptr), `looked in: ${this.rolePaths(dir).join(', ')}`),
      );
      return [];
    }
    const base = this.loadRole(name, roleDir);
    const deps = this.roleDependencies(roleDir, depth);
    // A role listed with its own params/when/tags gets its own copy of the tasks.
    const role: Role = { ...base, params, tags };
    const adapt = (t: Task): Task => {
      const copy: Task = { ...t, role, when: [...extraWhen, ...t.when], tags: [...tags, ...t.tags] };
      if (become !== undefined && copy.become === undefined) copy.become = become;
      return copy;
    };
    role.tasks = mapTasks(base.tasks, adapt, (i) => ({ ...i, role, when: [...extraWhen, ...i.when], tags: [...tags, ...i.tags], apply: become !== undefined && i.apply.become === undefined ? { ...i.apply, become } : i.apply }));
    role.handlers = base.handlers.map(adapt);
    // dependencies inherit the when and tags of the role that needs them, as in Ansible
    const depAdapt = (d: Role): Role => (extraWhen.length || tags.length ? { ...d, tasks: inherit(d.tasks, { when: extraWhen, tags, vars: {} }) } : d);
    return [...deps.map(depAdapt), role];
  }

  /** meta/main.yml: `dependencies` (roles listed as in a play) */
  private roleDependencies(roleDir: string, depth: number): Role[] {
    const file = roleFile(roleDir, 'meta');
    const doc = file ? this.yaml(file) : undefined;
    if (!doc || doc.value === null || doc.value === undefined) return [];
    const meta = doc.value as Record<string, unknown>;
    if (typeof meta !== 'object' || Array.isArray(meta)) {
      this.errors.push(new SchemaError('meta/main.yml must be a mapping', doc.pos('')));
      return [];
    }
    const deps = meta.dependencies;
    if (deps === undefined || deps === null) return [];
    if (!Array.isArray(deps)) {
      this.errors.push(new SchemaError('dependencies must be a list of roles', doc.pos('/dependencies')));
      return [];
    }
    return deps.flatMap((d, i) => this.roleRef(d, doc, joinPointer('/dependencies', i), dirname(roleDir), depth + 1));
  }

  /**
   * import_role / include_role: the role's tasks (tasks_from), after its
   * dependencies', with the params and the inherited keywords; its handlers
   * join the play's.
   */
  private roleNodes(name: string, fromDir: string, from: Include['from'], params: Vars, inh: Inherited, at: { doc: Located; ptr: string } | undefined, depth: number, expose = false, parent?: Role): TaskNode[] {
    const roleDir = this.findRole(name, fromDir);
    const pos = at ? at.doc.pos(at.ptr) : undefined;
    if (!roleDir) {
      this.errors.push(new SchemaError(`role '${name}' not found`, pos, `looked in: ${this.rolePaths(fromDir).join(', ')}`));
      return [];
    }
    const base = this.loadRole(name, roleDir);
    const role: Role = { ...base, params, ...(parent ? { parent } : {}) };
    if (from.defaults) role.defaults = this.varsFile(this.roleSubFile(roleDir, 'defaults', from.defaults, pos));
    if (from.vars) role.vars = this.varsFile(this.roleSubFile(roleDir, 'vars', from.vars, pos));
    let tasks = base.tasks;
    if (from.tasks) {
      const f = this.roleSubFile(roleDir, 'tasks', from.tasks, pos);
      tasks = f ? this.taskFile(f, false, { dir: dirname(f), role: base, depth: depth + 1 }) : [];
    }
    let handlers = base.handlers;
    if (from.handlers) {
      const f = this.roleSubFile(roleDir, 'handlers', from.handlers, pos);
      handlers = f ? flatTasks(this.taskFile(f, true, { dir: dirname(f), role: base, depth: depth + 1 })) : [];
    }
    const adapt = (t: Task): Task => ({ ...t, role });
    role.tasks = mapTasks(tasks, adapt, (i) => ({ ...i, role }));
    role.handlers = handlers.map(adapt);
    this.roleHandlers.push(...role.handlers);
    const deps = this.roleDependencies(roleDir, depth).filter((d) => {
      const key = roleKey(d);
      if (this.rolesRun.has(key) && !d.allowDuplicates) return false;
      this.rolesRun.add(key);
      return true;
    });
    for (const d of deps) this.roleHandlers.push(...d.handlers);
    if (expose) this.exposedRoles?.push(...deps, role);
    return inherit([...deps.flatMap((d) => d.tasks), ...role.tasks], inh);
  }

  private roleSubFile(roleDir: string, sub: string, name: string, pos: SourcePos | undefined): string | undefined {
    const f = roleFile(roleDir, sub, name);
    if (!f) this.errors.push(new SchemaError(`role file '${sub}/${name}' not found in ${roleDir}`, pos));
    return f;
  }

  private rolePaths(dir: string): string[] {
    return [join(dir, 'roles'), join(dir, '..', 'roles'), ...(this.opts.rolesPath ?? []), builtinRolesDir].map((p) => resolve(p));
  }

  private findRole(name: string, dir: string): string | undefined {
    if (name.includes('/') || name.startsWith('.')) {
      const p = resolve(dir, name);
      return isDir(p) ? p : undefined;
    }
    return this.rolePaths(dir)
      .map((p) => join(p, name))
      .find(isDir);
  }

  private loadRole(name: string, dir: string): Role {
    const cached = this.roleCache.get(dir);
    if (cached) return cached;
    const role: Role = { name, dir, defaults: {}, vars: {}, tasks: [], handlers: [], params: {}, tags: [] };
    this.roleCache.set(dir, role);
    const main = (sub: string): string | undefined => {
      try {
        return mainFile(dir, sub);
      } catch (err) {
        if (!(err instanceof SchemaError)) throw err;
        this.errors.push(err);
        return undefined;
      }
    };
    role.defaults = this.varsFile(main('defaults'));
    role.vars = this.varsFile(main('vars'));
    const specs = loadArgumentSpecs(dir);
    if (specs.errors.length) this.errors.push(...specs.errors);
    if (specs.spec) role.argumentSpecs = specs.spec;
    this.errors.push(...checkRoleTemplates(dir));
    const metaFile = roleFile(dir, 'meta');
    const meta = metaFile ? this.yaml(metaFile)?.value : undefined;
    if (meta && typeof meta === 'object' && (meta as Record<string, unknown>).allow_duplicates !== undefined) {
      role.allowDuplicates = parseBoolean((meta as Record<string, unknown>).allow_duplicates) ?? false;
    }
    const tasksFile = main('tasks');
    if (tasksFile) role.tasks = this.taskFile(tasksFile, false, { dir: dirname(tasksFile), role, depth: 0 });
    const handlersFile = main('handlers');
    if (handlersFile) role.handlers = flatTasks(this.taskFile(handlersFile, true, { dir: dirname(handlersFile), role, depth: 0 }));
    for (const t of role.handlers) t.role = role;
    return role;
  }

  /** a yes/no value; anything else is reported at its position */
  private bool(v: unknown, doc: Located, ptr: string): boolean {
    try {
      return asBool(v);
    } catch {
      this.errors.push(new SchemaError(`expected a boolean (true/false, yes/no, on/off, 1/0), got ${JSON.stringify(v)}`, doc.pos(ptr)));
      return false;
    }
  }

  private varsFile(file: string | undefined): Vars {
    const doc = file ? this.yaml(file) : undefined;
    if (!doc || doc.value === null || doc.value === undefined) return {};
    if (typeof doc.value !== 'object' || Array.isArray(doc.value)) {
      this.errors.push(new SchemaError('a vars file must be a mapping of variable names to values', doc.pos('')));
      return {};
    }
    this.errors.push(...checkVarsSyntax(doc.value, doc));
    return doc.value as Vars;
  }

  /** a YAML file, or undefined with its error recorded */
  private yaml(file: string): Located | undefined {
    try {
      return loadYamlFile(file);
    } catch (e) {
      if (e instanceof SchemaError) {
        this.errors.push(e);
        return undefined;
      }
      throw e;
    }
  }

  private taskFile(file: string, handlers: boolean, where: Where): TaskNode[] {
    const doc = this.yaml(file);
    if (!doc || doc.value === null) return [];
    return this.tasks(doc.value, doc, '', handlers, where);
  }

  private tasks(raw: unknown, doc: Located, ptr: string, handlers: boolean, where: Where): TaskNode[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) {
      this.errors.push(new SchemaError('expected a list of tasks', doc.pos(ptr), 'start each task with "- name: ..."'));
      return [];
    }
    const out: TaskNode[] = [];
    raw.forEach((t, i) => {
      const node = this.node(t, doc, joinPointer(ptr, i), handlers, where);
      if (node) out.push(node);
    });
    return out;
  }

  /** one entry of a task list: a block, an import (expanded now), an include (kept for run time) or a task */
  private node(raw: unknown, doc: Located, ptr: string, handler: boolean, where: Where): TaskNode | undefined {
    const pos: SourcePos = doc.pos(ptr) ?? { file: doc.file, line: 1, col: 1 };
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      this.errors.push(new SchemaError('a task must be a mapping', pos, 'write "- name: ..." followed by one module'));
      return undefined;
    }
    const r = raw as Record<string, unknown>;
    if ('block' in r) return this.block(r, doc, ptr, handler, where);
    const structural = Object.keys(r).find((k) => STATIC.includes(k) || DYNAMIC.includes(k));
    if (structural) return this.importOrInclude(structural, r, doc, ptr, where);
    return this.task(r, doc, ptr, handler, where);
  }

  private block(r: Record<string, unknown>, doc: Located, ptr: string, handler: boolean, where: Where): TaskNode | undefined {
    const errs = validateAt(blockSchema, r, doc, ptr, 'block');
    if (errs.length) {
      this.errors.push(...errs);
      return undefined;
    }
    const inh = this.inheritedAt(r, doc, ptr);
    const list = (k: string): TaskNode[] => inherit(this.tasks(r[k], doc, joinPointer(ptr, k), handler, where), inh);
    return {
      kind: 'block',
      name: typeof r.name === 'string' ? r.name : 'block',
      block: list('block'),
      rescue: list('rescue'),
      always: list('always'),
      pos: doc.pos(ptr) ?? { file: doc.file, line: 1, col: 1 },
    };
  }

  private inheritedAt(r: Record<string, unknown>, doc: Located, ptr: string): Inherited {
    this.checkConditions(r.when, doc, joinPointer(ptr, 'when'), 'when');
    return inheritedOf(
      r,
      (k) => (r[k] === undefined ? undefined : this.bool(r[k], doc, joinPointer(ptr, k))),
      toConditions,
      toList,
    );
  }

  /** import_tasks/import_role expand now (their files are checked now); include_tasks/include_role are kept for run time */
  private importOrInclude(key: string, r: Record<string, unknown>, doc: Located, ptr: string, where: Where): TaskNode | undefined {
    const pos: SourcePos = doc.pos(ptr) ?? { file: doc.file, line: 1, col: 1 };
    const short = key.replace(/^ansible\.builtin\./, '');
    const before = this.errors.length;
    for (const k of Object.keys(r)) {
      if (k === key || includeKeywords.includes(k)) continue;
      const guess = closest(k, [...includeKeywords, key]);
      this.errors.push(new SchemaError(`'${k}' is not valid on ${short}`, doc.keyPos(joinPointer(ptr, k)), guess ? `did you mean '${guess}'?` : `keywords of ${short}: ${includeKeywords.join(', ')}`));
    }
    const argsPtr = joinPointer(ptr, key);
    const isRole = short.endsWith('_role');
    // include_role: name=x tasks_from=y (key=value, as Ansible takes it); include_tasks: FILE
    const given = isRole && typeof r[key] === 'string' ? parseKeyValue(r[key]) : r[key];
    this.errors.push(...validateAt(isRole ? includeRoleArgs : includeTasksArgs, given, doc, argsPtr, short));
    if (r.loop !== undefined && withKeys(r).length) this.errors.push(new SchemaError('use either loop or one with_* form, not both', pos));
    if (this.errors.length > before) return undefined;
    const args = (typeof given === 'string' ? { file: given } : given) as Record<string, unknown>;
    const inh = this.inheritedAt(r, doc, ptr);
    const apply = args.apply ? this.inheritedAt(args.apply as Record<string, unknown>, doc, joinPointer(argsPtr, 'apply')) : emptyInherited();
    const target = String(isRole ? args.name : args.file);
    const from: Include['from'] = {};
    for (const k of ['tasks', 'vars', 'defaults', 'handlers'] as const) if (typeof args[`${k}_from`] === 'string') from[k] = args[`${k}_from`] as string;
    if (short.startsWith('import_')) {
      if (r.loop !== undefined || withKeys(r).length) {
        this.errors.push(new SchemaError(`${short} cannot loop: it is expanded when the playbook loads`, pos, `use ${short.replace('import_', 'include_')} to loop`));
        return undefined;
      }
      if (target.includes('{{')) {
        this.errors.push(new SchemaError(`${short} is expanded when the playbook loads, so its file cannot come from a variable: '${target}'`, doc.pos(argsPtr), `use ${short.replace('import_', 'include_')}`));
        return undefined;
      }
      if (where.depth > MAX_DEPTH) {
        this.errors.push(new SchemaError(`${short} nests more than ${MAX_DEPTH} deep (a file importing itself?)`, pos));
        return undefined;
      }
      let nodes: TaskNode[];
      if (isRole) {
        const { vars, ...rest } = inh;
        // an imported role's defaults and vars are the whole play's, as the roles: section's
        nodes = this.roleNodes(target, where.role ? dirname(where.role.dir) : where.dir, from, vars, { ...rest, vars: {} }, { doc, ptr: argsPtr }, where.depth + 1, true, where.role);
        // import_role's vars are the role's params; the other keywords pass down
        void vars;
      } else {
        const file = taskFileCandidates(target, where.dir, where.role?.dir, this.playbookDir).find((f) => existsSync(f));
        if (!file) {
          this.errors.push(new SchemaError(`${short}: file '${target}' not found`, doc.pos(argsPtr), `looked for: ${taskFileCandidates(target, where.dir, where.role?.dir, this.playbookDir).join(', ')}`));
          return undefined;
        }
        nodes = inherit(this.taskFile(file, false, { ...where, dir: dirname(file), depth: where.depth + 1 }), inh);
      }
      return { kind: 'block', name: typeof r.name === 'string' ? r.name : short, block: nodes, rescue: [], always: [], pos };
    }
    // include: the include's own when/tags/loop; its vars are parameters of the included tasks
    const { when, tags, vars, ...passDown } = inh;
    const node: Include = {
      kind: 'include',
      what: isRole ? 'role' : 'tasks',
      name: typeof r.name === 'string' ? r.name : short,
      target,
      from,
      params: vars,
      apply: mergeInherited({ ...passDown, when: [], tags: [], vars: {} }, apply),
      when,
      tags,
      ...(passDown.ignore_errors !== undefined ? { ignore_errors: passDown.ignore_errors } : {}),
      dir: where.dir,
      ...(where.role ? { role: where.role } : {}),
      pos,
    };
    const loop = this.loopOf(r, doc, ptr);
    if (loop.loop !== undefined) node.loop = loop.loop;
    if (loop.with) node.with = loop.with;
    if (r.loop_control) node.loop_control = r.loop_control as LoopControl;
    // a role named literally is checked now, and its handlers can be notified
    if (isRole && !target.includes('{{')) {
      const saved = this.rolesRun;
      this.rolesRun = new Set(saved);
      const handlersBefore = this.roleHandlers.length;
      this.roleNodes(target, where.role ? dirname(where.role.dir) : where.dir, from, {}, emptyInherited(), { doc, ptr: argsPtr }, where.depth + 1, false, where.role);
      // its handlers join the play when the role is included (Ansible finds a handler by name among those loaded so far)
      this.includedRoleHandlers.push(...this.roleHandlers.splice(handlersBefore));
      this.rolesRun = saved;
    }
    return node;
  }

  /** loop: or one with_<lookup>: */
  private loopOf(r: Record<string, unknown>, doc: Located, ptr: string): { loop?: unknown; with?: WithLoop } {
    const withs = withKeys(r);
    if (withs.length > 1) this.errors.push(new SchemaError(`a task loops once, this one names ${withs.join(', ')}`, doc.pos(ptr)));
    if (r.loop !== undefined) return { loop: r.loop };
    const w = withs[0];
    if (w) return { with: { lookup: w.slice(5), terms: r[w] } };
    return {};
  }

  /** conditions are parsed now: a syntax error or an unknown filter/test is an input error at load */
  private checkConditions(v: unknown, doc: Located, ptr: string, what: string): void {
    if (v === undefined || v === null) return;
    for (const [i, c] of (Array.isArray(v) ? v : [v]).entries()) {
      if (typeof c !== 'string') continue;
      const problem = this.expressionProblem(c);
      if (problem) this.errors.push(new SchemaError(`${what}: ${problem}`, doc.pos(Array.isArray(v) ? joinPointer(ptr, i) : ptr), 'write a Jinja expression, e.g. "result.rc == 0"'));
    }
  }

  private expressionProblem(expr: string): string | undefined {
    try {
      parser().checkExpression(expr);
      return undefined;
    } catch (e) {
      return e instanceof TemplateError ? e.detail : String(e);
    }
  }

  private task(r: Record<string, unknown>, doc: Located, ptr: string, handler: boolean, where: Where): Task | undefined {
    const pos: SourcePos = doc.pos(ptr) ?? { file: doc.file, line: 1, col: 1 };
    if ('local_action' in r || 'action' in r) {
      const key = 'local_action' in r ? 'local_action' : 'action';
      const expanded = expandAction(r, key);
      if (typeof expanded === 'string') {
        this.errors.push(new SchemaError(expanded, doc.keyPos(joinPointer(ptr, key))));
        return undefined;
      }
      const t = this.task(expanded.task, doc, ptr, handler, where);
      return t ? { ...t, ...(key === 'local_action' ? { delegate_to: 'localhost' } : {}) } : undefined;
    }
    const before = this.errors.length;
    this.errors.push(...validateAt(taskSchema, r, doc, ptr, 'task'));
    const moduleKeys = Object.keys(r).filter((k) => !(k in taskKeywords));
    const candidates = [...Object.keys(taskKeywords), ...this.opts.modules.names(), 'meta'];
    const known = moduleKeys.filter((k) => k === 'meta' || this.opts.modules.lookup(k));
    for (const k of moduleKeys.filter((k) => !known.includes(k))) {
      // `ansible.builtin.copi`: guess among the names under the same collection
      const collection = /^(\w+\.\w+\.)\w*$/.exec(k)?.[1];
      const guess = collection ? closest(k, this.opts.modules.names().map((n) => collection + n)) : closest(k, candidates);
      this.errors.push(
        new SchemaError(
          `unknown key or module '${k}' in task`,
          doc.keyPos(joinPointer(ptr, k)),
          guess ? `did you mean '${guess}'?` : `task keywords: ${Object.keys(taskKeywords).join(', ')}; modules: ${this.opts.modules.names().join(', ')}`,
        ),
      );
    }
    if (known.length > 1) {
      this.errors.push(new SchemaError(`a task runs one module, this one names ${known.length}: ${known.join(', ')}`, pos, 'split it into several tasks'));
    }
    if (known.length === 0 && moduleKeys.length === 0) {
      this.errors.push(new SchemaError('task has no module', pos, `add one of: ${this.opts.modules.names().join(', ')}`));
    }
    if (this.errors.length > before) return undefined;
    const moduleKey = known[0] as string;
    const argsPtr = joinPointer(ptr, moduleKey);
    const args = this.moduleArgs(moduleKey, r[moduleKey], doc, argsPtr);
    if (!args) return undefined;
    const canonical = moduleKey === 'meta' ? 'meta' : (this.opts.modules.lookup(moduleKey)?.name ?? moduleKey);
    this.errors.push(...checkTaskSyntax(r, moduleKey, canonical, args, doc, ptr));
    const named = typeof r.name === 'string';
    const task: Task = {
      name: named ? (r.name as string) : canonical,
      named,
      module: canonical,
      args,
      when: toConditions(r.when),
      notify: toList(r.notify),
      listen: toList(r.listen),
      vars: (r.vars as Vars | undefined) ?? {},
      tags: toList(r.tags),
      pos,
    };
    if (!handler && task.listen.length) {
      this.errors.push(new SchemaError("'listen' belongs on handlers, not tasks", doc.keyPos(joinPointer(ptr, 'listen'))));
    }
    if (where.role) task.role = where.role;
    if (r.loop !== undefined && withKeys(r).length) this.errors.push(new SchemaError('use either loop or one with_* form, not both', pos));
    const loop = this.loopOf(r, doc, ptr);
    if (loop.loop !== undefined) task.loop = loop.loop;
    if (loop.with) task.with = loop.with;
    const loopKey = r.loop !== undefined ? 'loop' : withKeys(r)[0];
    const loopPos = loopKey !== undefined ? doc.pos(joinPointer(ptr, loopKey)) : undefined;
    if ((task.loop !== undefined || task.with !== undefined) && loopPos) task.loopPos = loopPos;
    if (r.loop_control) task.loop_control = r.loop_control as LoopControl;
    this.checkConditions(r.when, doc, joinPointer(ptr, 'when'), 'when');
    this.checkConditions(r.changed_when, doc, joinPointer(ptr, 'changed_when'), 'changed_when');
    this.checkConditions(r.failed_when, doc, joinPointer(ptr, 'failed_when'), 'failed_when');
    if (r.until !== undefined) {
      this.checkConditions(r.until, doc, joinPointer(ptr, 'until'), 'until');
      task.until = String(r.until);
    }
    if (r.retries !== undefined) task.retries = r.retries;
    if (r.delay !== undefined) task.delay = r.delay;
    if (r.environment !== undefined) task.environment = r.environment;
    if (typeof r.delegate_to === 'string') task.delegate_to = r.delegate_to;
    if (r.delegate_facts !== undefined) task.delegate_facts = this.bool(r.delegate_facts, doc, joinPointer(ptr, 'delegate_facts'));
    if (r.run_once !== undefined) task.run_once = this.bool(r.run_once, doc, joinPointer(ptr, 'run_once'));
    if (r.any_errors_fatal !== undefined) task.any_errors_fatal = this.bool(r.any_errors_fatal, doc, joinPointer(ptr, 'any_errors_fatal'));
    if (typeof r.register === 'string') task.register = r.register;
    if (r.changed_when !== undefined) task.changed_when = r.changed_when;
    if (r.failed_when !== undefined) task.failed_when = r.failed_when;
    if (r.ignore_errors !== undefined) task.ignore_errors = this.bool(r.ignore_errors, doc, joinPointer(ptr, 'ignore_errors'));
    if (r.become !== undefined) task.become = this.bool(r.become, doc, joinPointer(ptr, 'become'));
    if (typeof r.become_user === 'string') task.become_user = r.become_user;
    if (r.check_mode !== undefined) task.check_mode = this.bool(r.check_mode, doc, joinPointer(ptr, 'check_mode'));
    if (r.diff !== undefined) task.diff = this.bool(r.diff, doc, joinPointer(ptr, 'diff'));
    if (r.no_log !== undefined) task.no_log = this.bool(r.no_log, doc, joinPointer(ptr, 'no_log'));
    return task;
  }

  private moduleArgs(key: string, value: unknown, doc: Located, ptr: string): Record<string, unknown> | undefined {
    if (key === 'meta') {
      if (value !== 'flush_handlers') {
        this.errors.push(new SchemaError(`meta: '${String(value)}' is not supported`, doc.pos(ptr), "hapb supports 'meta: flush_handlers'"));
        return undefined;
      }
      return { _raw_params: value };
    }
    const mod = this.opts.modules.lookup(key);
    if (!mod) return undefined;
    let args: Record<string, unknown>;
    if (value === null || value === undefined) args = {};
    else if (typeof value === 'string') args = mod.freeForm ? { _raw_params: value } : parseKeyValue(value);
    else if (typeof value === 'object' && !Array.isArray(value)) args = { ...(value as Record<string, unknown>) };
    else {
      this.errors.push(new SchemaError(`arguments of '${key}' must be a mapping`, doc.pos(ptr)));
      return undefined;
    }
    // Names of arguments are checked now; their types once templated, at run time.
    const props = (mod.schema.properties ?? {}) as Record<string, unknown>;
    if (mod.schema.additionalProperties === false) {
      for (const k of Object.keys(args)) {
        if (!(k in props) && k !== '_raw_params') {
          const guess = closest(k, Object.keys(props));
          this.errors.push(
            new SchemaError(
              `unknown argument '${k}' for module '${mod.name}'`,
              doc.keyPos(joinPointer(ptr, k)),
              guess ? `did you mean '${guess}'?` : `arguments of ${mod.name}: ${Object.keys(props).join(', ')}`,
            ),
          );
        }
      }
    }
    for (const req of (mod.schema.required as string[] | undefined) ?? []) {
      if (!(req in args)) {
        this.errors.push(new SchemaError(`module '${mod.name}' needs argument '${req}'`, doc.pos(ptr), `add '${req}:'`));
      }
    }
    return args;
  }
}

function withKeys(r: Record<string, unknown>): string[] {
  return Object.keys(r).filter((k) => k.startsWith('with_') && (withLoops as readonly string[]).includes(k.slice(5)));
}

/** `local_action: copy src=a dest=b` or `local_action: { module: copy, src: a }` → a task with the module as a key */
function expandAction(r: Record<string, unknown>, key: string): { task: Record<string, unknown> } | string {
  const { [key]: value, ...rest } = r;
  if (typeof value === 'string') {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(value);
    if (!m) return `${key}: name a module`;
    return { task: { ...rest, [m[1] as string]: m[2] ? m[2] : null } };
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const { module, ...args } = value as Record<string, unknown>;
    if (typeof module !== 'string') return `${key}: give the module as 'module: NAME'`;
    return { task: { ...rest, [module]: args } };
  }
  return `${key} must be a string or a mapping`;
}

/**
 * The role's `SUB/main.yml` (or `.yaml`). Anything at that path counts: a
 * dangling or looping symbolic link, or a directory, is an error (thrown as a
 * SchemaError naming the path), not a role without that part.
 */
function mainFile(roleDir: string, sub: string): string | undefined {
  for (const name of ['main.yml', 'main.yaml']) {
    const path = join(roleDir, sub, name);
    try {
      lstatSync(path);
    } catch {
      continue;
    }
    let st;
    try {
      st = statSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ELOOP' ? 'a symbolic link that loops' : code === 'ENOENT' ? 'a symbolic link to nothing' : `unreadable (${code ?? String(err)})`;
      throw new SchemaError(`${sub}/${name} of role '${basename(roleDir)}' is ${why}`, { file: path, line: 1, col: 1 }, 'point the link at a file, or remove it');
    }
    if (!st.isFile()) throw new SchemaError(`${sub}/${name} of role '${basename(roleDir)}' is not a file`, { file: path, line: 1, col: 1 }, `a role's ${sub} are read from ${sub}/main.yml`);
    return path;
  }
  return undefined;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function toList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

function toConditions(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  // a YAML boolean becomes the template literal (nunjucks knows true/false, not Python's True/False)
  return (Array.isArray(v) ? v : [v]).map((c) => String(c));
}

/** Ansible's boolean (core/bool.ts); throws an input error for anything else. */
export function asBool(v: unknown): boolean {
  const b = parseBoolean(v);
  if (b === undefined) throw new HapbError(`not a boolean: ${JSON.stringify(v)}`, { exitCode: ExitCode.invalidInput });
  return b;
}

/** `src=a dest="b c" msg={{ x }}` → { src: 'a', dest: 'b c', msg: '{{ x }}' } */
export function parseKeyValue(s: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // an unquoted value runs to the next blank outside {{ }} and {% %} (msg={{ item }}, as Ansible reads it)
  const re = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|(?:\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\S)*)/g;
  for (const m of s.matchAll(re)) {
    const key = m[1] as string;
    let val = m[2] as string;
    if ((val.startsWith('"') && val.endsWith('"')) || (val.startsWith("'") && val.endsWith("'"))) val = val.slice(1, -1);
    out[key] = val;
  }
  return out;
}
