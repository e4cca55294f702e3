/**
 * Loads a playbook and the roles it names, validating everything before any
 * host is touched. All input errors are collected and reported together.
 */
import { lstatSync, statSync } from 'node:fs';
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
import { playSchema, roleRefSchema, taskKeywords, taskSchema } from './keywords.js';
import type { LoopControl, Play, Playbook, Role, SerialSpec, Task } from './types.js';

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
  if (loader.errors.length === 1) throw loader.errors[0];
  if (loader.errors.length > 1) throw new InputErrors(loader.errors);
  return playbook;
}

class Loader {
  readonly errors: SchemaError[] = [];
  private readonly roleCache = new Map<string, Role>();
  constructor(private readonly opts: LoadOptions) {}

  playbook(file: string): Playbook {
    const dir = dirname(file);
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
    if (r.serial !== undefined) play.serial = r.serial as SerialSpec;
    const roleRefs = (r.roles as unknown[] | null) ?? [];
    roleRefs.forEach((ref, i) => {
      const role = this.roleRef(ref, doc, joinPointer(ptr, 'roles', i), dir);
      if (role) play.roles.push(role);
    });
    play.preTasks = this.tasks(r.pre_tasks, doc, joinPointer(ptr, 'pre_tasks'), false);
    play.tasks = this.tasks(r.tasks, doc, joinPointer(ptr, 'tasks'), false);
    play.postTasks = this.tasks(r.post_tasks, doc, joinPointer(ptr, 'post_tasks'), false);
    const ownHandlers = this.tasks(r.handlers, doc, joinPointer(ptr, 'handlers'), true);
    play.handlers = [...play.roles.flatMap((role) => role.handlers), ...ownHandlers];
    this.checkNotifications(play);
    return play;
  }

  /** every notify must name a handler (by name or listen) of the play */
  private checkNotifications(play: Play): void {
    const known = new Set<string>();
    for (const h of play.handlers) {
      known.add(h.name);
      for (const l of h.listen) known.add(l);
    }
    const all = [...play.preTasks, ...play.roles.flatMap((r) => r.tasks), ...play.tasks, ...play.postTasks, ...play.handlers];
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

  private roleRef(ref: unknown, doc: Located, ptr: string, dir: string): Role | undefined {
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
        return undefined;
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
    const roleDir = this.findRole(name, dir);
    if (!roleDir) {
      this.errors.push(
        new SchemaError(`role '${name}' not found`, doc.pos(ptr), `looked in: ${this.rolePaths(dir).join(', ')}`),
      );
      return undefined;
    }
    const base = this.loadRole(name, roleDir);
    // A role listed with its own params/when/tags gets its own copy of the tasks.
    const role: Role = { ...base, params, tags };
    const adapt = (t: Task): Task => {
      const copy: Task = { ...t, role, when: [...extraWhen, ...t.when], tags: [...tags, ...t.tags] };
      if (become !== undefined && copy.become === undefined) copy.become = become;
      return copy;
    };
    role.tasks = base.tasks.map(adapt);
    role.handlers = base.handlers.map(adapt);
    return role;
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
    const tasksFile = main('tasks');
    if (tasksFile) role.tasks = this.taskFile(tasksFile, false);
    const handlersFile = main('handlers');
    if (handlersFile) role.handlers = this.taskFile(handlersFile, true);
    for (const t of [...role.tasks, ...role.handlers]) t.role = role;
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

  private taskFile(file: string, handlers: boolean): Task[] {
    const doc = this.yaml(file);
    if (!doc || doc.value === null) return [];
    return this.tasks(doc.value, doc, '', handlers);
  }

  private tasks(raw: unknown, doc: Located, ptr: string, handlers: boolean): Task[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) {
      this.errors.push(new SchemaError('expected a list of tasks', doc.pos(ptr), 'start each task with "- name: ..."'));
      return [];
    }
    const out: Task[] = [];
    raw.forEach((t, i) => {
      const task = this.task(t, doc, joinPointer(ptr, i), handlers);
      if (task) out.push(task);
    });
    return out;
  }

  private task(raw: unknown, doc: Located, ptr: string, handler: boolean): Task | undefined {
    const pos: SourcePos = doc.pos(ptr) ?? { file: doc.file, line: 1, col: 1 };
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      this.errors.push(new SchemaError('a task must be a mapping', pos, 'write "- name: ..." followed by one module'));
      return undefined;
    }
    const r = raw as Record<string, unknown>;
    if ('block' in r) {
      this.errors.push(new SchemaError('block is not supported by hapb yet', doc.keyPos(joinPointer(ptr, 'block')), 'list the tasks one by one'));
      return undefined;
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
    if (r.loop !== undefined) task.loop = r.loop;
    else if (r.with_items !== undefined) task.loop = r.with_items;
    const loopPos = doc.pos(joinPointer(ptr, r.loop !== undefined ? 'loop' : 'with_items'));
    if (task.loop !== undefined && loopPos) task.loopPos = loopPos;
    if (r.loop_control) task.loop_control = r.loop_control as LoopControl;
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
  const re = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|(?:\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\S)+)/g;
  for (const m of s.matchAll(re)) {
    const key = m[1] as string;
    let val = m[2] as string;
    if ((val.startsWith('"') && val.endsWith('"')) || (val.startsWith("'") && val.endsWith("'"))) val = val.slice(1, -1);
    out[key] = val;
  }
  return out;
}
