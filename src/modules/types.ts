/**
 * A module compares the host's state with the wanted state (check) and
 * returns a plan: what differs, and an apply() that makes it so. Check mode
 * stops after check(): a dry run costs nothing extra, and module tests are
 * tables of facts in, changes out.
 */
import type { BecomeOptions, Connection, ExecOptions, ExecResult } from '../connection/types.js';
import type { FileDiff, Vars } from '../core/types.js';

export interface ModuleContext {
  /** inventory host name */
  host: string;
  /** task name, for error messages */
  task: string;
  /** --check */
  check: boolean;
  /** --diff */
  diff: boolean;
  /** all variables of this host for this task (templating is already done on args) */
  vars: Vars;
  conn: Connection;
  /** the task's become, applied by run() */
  become: BecomeOptions | undefined;
  /** exec on the host with the task's become applied */
  run(command: string, opts?: Omit<ExecOptions, 'become'>): Promise<ExecResult>;
  /** locate a role/playbook file for `src:`: kind is the role sub-folder searched first */
  findFile(kind: 'templates' | 'files', name: string): string;
  /** render a template file (a local path) with the host's vars */
  renderTemplate(path: string): string;
  /** evaluate a Jinja expression (assert's `that`, debug's `var`) to a native value */
  evaluate(expression: string): unknown;
  warn(message: string): void;
}

export interface ModulePlan {
  /** would the module change the host (or did it, for modules that only read) */
  changed: boolean;
  /** the module failed (e.g. assert false, command rc != 0) */
  failed?: boolean;
  msg?: string;
  diff?: FileDiff[];
  /** data returned with the result (available through register) */
  data?: Record<string, unknown>;
  /** report the task as skipped in check mode (command/shell without creates/removes) */
  skipInCheck?: boolean;
  /**
   * Make the change. Called only when changed and not in check mode. Returns
   * data merged into the result; may set `failed`/`msg`/`rc`/... by returning them.
   */
  apply?: () => Promise<Record<string, unknown> | void>;
}

export interface Module<A = Record<string, unknown>> {
  /** Ansible's short name: template, copy, service... */
  name: string;
  /** other accepted names, e.g. ansible.builtin.template, systemd */
  aliases?: string[];
  /** JSON schema (ajv) of the arguments; unknown keys are errors */
  schema: Record<string, unknown>;
  /** accepts a free-form string (`command: ls -l`), passed as `_raw_params` */
  freeForm?: boolean;
  /** runs on the controller only (debug, set_fact, assert): no connection needed */
  controllerOnly?: boolean;
  check(ctx: ModuleContext, args: A): Promise<ModulePlan>;
}
