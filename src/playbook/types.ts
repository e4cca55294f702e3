/** Plays, tasks and roles as loaded and validated, before any templating. */
import type { SourcePos } from '../errors/index.js';
import type { Vars } from '../core/types.js';

export interface LoopControl {
  loop_var?: string;
  label?: string;
  index_var?: string;
  /** seconds between items */
  pause?: number;
  extended?: boolean;
}

/** `with_<lookup>: terms`: Ansible's older loop forms, turned into a list at run time (engine/with-loops.ts). */
export interface WithLoop {
  lookup: string;
  terms: unknown;
}

export interface Task {
  /** the name shown in output (defaults to the module name) */
  name: string;
  /** whether `name` was given (handlers are found by it) */
  named: boolean;
  /** module name as written (e.g. template, ansible.builtin.copy); 'meta' for meta tasks */
  module: string;
  /** module arguments, untemplated; free-form strings arrive as { _raw_params } */
  args: Record<string, unknown>;
  when: string[];
  loop?: unknown;
  /** where the loop is written (errors about its value point there) */
  loopPos?: SourcePos;
  /** with_items, with_dict...: the loop's list is made from these terms at run time */
  with?: WithLoop;
  loop_control?: LoopControl;
  /** retry until this condition holds (register holds the attempt) */
  until?: string;
  retries?: unknown;
  delay?: unknown;
  /** environment variables for the module's commands (templated) */
  environment?: unknown;
  /** run over this host's connection, with the task's host's variables */
  delegate_to?: string;
  /** with delegate_to: facts the task sets (set_fact, include_vars) go to the delegate host, not the task's host */
  delegate_facts?: boolean;
  /** run on the first host of the batch only; its result goes to every host */
  run_once?: boolean;
  /** any failure of this task stops the play for every host */
  any_errors_fatal?: boolean;
  register?: string;
  notify: string[];
  changed_when?: unknown;
  failed_when?: unknown;
  ignore_errors?: boolean;
  become?: boolean;
  become_user?: string;
  check_mode?: boolean;
  diff?: boolean;
  no_log?: boolean;
  vars: Vars;
  tags: string[];
  /** handlers: other names this handler answers to */
  listen: string[];
  /** role that holds the task, if any */
  role?: Role;
  pos: SourcePos;
}

/**
 * Keywords a block (or an import/include) passes down to its tasks, as
 * Ansible does: conditions and tags add up, the others are defaults.
 */
export interface Inherited {
  when: string[];
  tags: string[];
  vars: Vars;
  become?: boolean;
  become_user?: string;
  ignore_errors?: boolean;
  check_mode?: boolean;
  diff?: boolean;
  no_log?: boolean;
  environment?: unknown;
  delegate_to?: string;
  delegate_facts?: boolean;
  run_once?: boolean;
  any_errors_fatal?: boolean;
}

/** `block:` with its `rescue:` and `always:` (keywords already passed down to the tasks). */
export interface Block {
  kind: 'block';
  name: string;
  block: TaskNode[];
  rescue: TaskNode[];
  always: TaskNode[];
  pos: SourcePos;
}

/**
 * `include_tasks` / `include_role`: resolved at run time, per host (the file
 * name may be templated, the task may loop). The included file is loaded
 * and checked when it is included.
 */
export interface Include {
  kind: 'include';
  what: 'tasks' | 'role';
  name: string;
  /** the file (include_tasks) or role name (include_role), untemplated */
  target: string;
  /** include_role: tasks_from, vars_from, defaults_from, handlers_from */
  from: { tasks?: string; vars?: string; defaults?: string; handlers?: string };
  /** `vars:` of the include: parameters of the included tasks */
  params: Vars;
  /** `apply:` keywords for the included tasks, plus what enclosing blocks pass down */
  apply: Inherited;
  /** conditions, loop and tags of the include itself */
  when: string[];
  loop?: unknown;
  with?: WithLoop;
  loop_control?: LoopControl;
  tags: string[];
  /** ignore_errors of the include itself (or an enclosing block): a failed include is ignored */
  ignore_errors?: boolean;
  /** folder a relative file is found from (the including file's folder) */
  dir: string;
  /** role of the including file */
  role?: Role;
  pos: SourcePos;
}

/** One entry of a task list. */
export type TaskNode = Task | Block | Include;

export function isBlock(n: TaskNode): n is Block {
  return (n as Block).kind === 'block';
}

export function isInclude(n: TaskNode): n is Include {
  return (n as Include).kind === 'include';
}

/** Every task of a tree of nodes (blocks opened; includes stay unopened). */
export function flatTasks(nodes: readonly TaskNode[]): Task[] {
  const out: Task[] = [];
  const walk = (list: readonly TaskNode[]): void => {
    for (const n of list) {
      if (isBlock(n)) {
        walk(n.block);
        walk(n.rescue);
        walk(n.always);
      } else if (!isInclude(n)) out.push(n);
    }
  };
  walk(nodes);
  return out;
}

/** What the engine asks of the loader for dynamic includes (a new load, checked as a static one). */
/** a role with its params, as a play runs it once: `dir\0params` */
export function roleKey(r: Pick<Role, 'dir' | 'params'>): string {
  return `${r.dir}\0${JSON.stringify(r.params)}`;
}

export interface IncludeLoader {
  /** the tasks of a file, with `inherit` passed down; throws an input error */
  tasks(file: string, inherit: Inherited, role?: Role): TaskNode[];
  /** a role for include_role: its dependencies' tasks then its own, and the handlers that join the play's; throws an input error */
  role(name: string, fromDir: string, from: Include['from'], params: Vars, inherit: Inherited, rolesRun: Set<string>, parent?: Role): { nodes: TaskNode[]; handlers: Task[] };
}

export interface Role {
  name: string;
  dir: string;
  defaults: Vars;
  vars: Vars;
  /**
   * the role whose task imported or included this one: its defaults and vars
   * rank above the play's roles' and below this role's own (Ansible's dep chain)
   */
  parent?: Role;
  tasks: TaskNode[];
  handlers: Task[];
  /** meta/main.yml allow_duplicates */
  allowDuplicates?: boolean;
  /** parameters given where the role is listed in the play (`- role: x` with vars) */
  params: Vars;
  tags: string[];
  /** the `main` entry point of meta/argument_specs.yml, when the role has one */
  argumentSpecs?: RoleArgumentSpec;
}

/** One option of a role's argument spec (Ansible's format, meta/argument_specs.yml). */
export interface ArgumentOption {
  type: string;
  required?: boolean;
  default?: unknown;
  choices?: unknown[];
  elements?: string;
  options?: Record<string, ArgumentOption>;
  description?: unknown;
  pos?: SourcePos;
}

export interface RoleArgumentSpec {
  file: string;
  options: Record<string, ArgumentOption>;
}

export type SerialSpec = number | string | (number | string)[];
/** a `serial` string Ansible accepts: a whole number of hosts, or a whole percentage of them ("30%") */
export const SERIAL_VALUE = /^\s*(\d+)\s*(%?)\s*$/;
export const SERIAL_HINT = 'use serial: 1, serial: "30%" or a list of them';

export interface Play {
  name: string;
  hosts: string;
  vars: Vars;
  /** paths of vars_files, resolved */
  varsFiles: string[];
  gatherFacts: boolean;
  become?: boolean;
  becomeUser?: string;
  /** the play's `environment:` (templated per task, below the task's own) */
  environment?: unknown;
  serial?: SerialSpec;
  anyErrorsFatal: boolean;
  /** stop the play when more than this percentage of a batch's hosts failed */
  maxFailPercentage?: number;
  roles: Role[];
  /**
   * the roles whose defaults and vars every task of the play sees, in load
   * order (Ansible's play.get_roles(), private_role_vars off): those of the
   * `roles:` section, dependencies first, and those of import_role. A role
   * brought in by include_role is not among them (its own tasks see it).
   */
  exposedRoles: Role[];
  preTasks: TaskNode[];
  tasks: TaskNode[];
  postTasks: TaskNode[];
  /** its roles' handlers, then the play's own, in definition order (as Ansible compiles them) */
  handlers: Task[];
  tags: string[];
  pos: SourcePos;
}

export interface Playbook {
  file: string;
  dir: string;
  plays: Play[];
  /** loads the files of include_tasks / include_role at run time */
  include?: IncludeLoader;
}

/** what makes a handler the same one when its role is loaded again: its role's file (handlers/main.yml or handlers_from) and its name */
export function handlerKey(h: Task): string {
  return `${h.role ? h.pos.file : ''}\0${h.name}`;
}

/**
 * The handler a notification by name goes to, as Ansible's
 * search_handler_blocks_by_name: the handlers file loaded last that has one of
 * that name (the play's own handlers come after its roles'), and in it the
 * first of that name. Undefined when no handler has that name (a listen topic).
 */
export function handlerNamed(handlers: readonly Task[], name: string): Task | undefined {
  const named = handlers.filter((h) => h.name === name);
  const last = named[named.length - 1];
  return last && named.find((h) => h.pos.file === last.pos.file && h.role?.dir === last.role?.dir);
}
