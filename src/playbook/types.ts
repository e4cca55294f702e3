/** Plays, tasks and roles as loaded and validated, before any templating. */
import type { SourcePos } from '../errors/index.js';
import type { Vars } from '../core/types.js';

export interface LoopControl {
  loop_var?: string;
  label?: string;
  index_var?: string;
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
  loop_control?: LoopControl;
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

export interface Role {
  name: string;
  dir: string;
  defaults: Vars;
  vars: Vars;
  tasks: Task[];
  handlers: Task[];
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

export interface Play {
  name: string;
  hosts: string;
  vars: Vars;
  /** paths of vars_files, resolved */
  varsFiles: string[];
  gatherFacts: boolean;
  become?: boolean;
  becomeUser?: string;
  serial?: SerialSpec;
  anyErrorsFatal: boolean;
  roles: Role[];
  preTasks: Task[];
  tasks: Task[];
  postTasks: Task[];
  /** its roles' handlers, then the play's own, in definition order (as Ansible compiles them) */
  handlers: Task[];
  tags: string[];
  pos: SourcePos;
}

export interface Playbook {
  file: string;
  dir: string;
  plays: Play[];
}
