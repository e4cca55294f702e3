/**
 * A module compares the host's state with the wanted state (check) and
 * returns a plan: what differs, and the steps that make it so, as data.
 * check() only reads: its context has no connection, no upload and no
 * side-effecting exec, only `query`. The steps run later, through
 * runModule (run-module.ts), and only outside check mode: a dry run costs
 * nothing extra, `--check -v` prints the steps, and module tests are tables
 * of facts in, result out.
 */
import type { BecomeOptions, Connection, ExecOptions, ExecResult } from '../connection/types.js';
import type { Clock } from '../core/clock.js';
import type { FileDiff, Vars } from '../core/types.js';

/** What check() may use: it reads the host and the controller, and changes neither. */
export interface CheckContext {
  /** inventory host name */
  host: string;
  /** task name, for error messages */
  task: string;
  /** --check: the plan will not be applied */
  check: boolean;
  /** --diff */
  diff: boolean;
  /** set when check() runs again after the plan's refresh steps (daemon-reload, apt-get update) ran */
  refreshed: boolean;
  /** all variables of this host for this task (templating is already done on args) */
  vars: Vars;
  /**
   * the host is this machine and commands would run as this process's user (the local connection without sudo):
   * the file helpers read and write with node:fs instead of starting commands (modules/in-process.ts)
   */
  inProcess?: boolean;
  /** run a command that only reads the host's state (stat, systemctl show, dpkg-query), with the task's become */
  query(command: string, opts?: Omit<ExecOptions, 'become' | 'stdin'>): Promise<ExecResult>;
  /** locate a role/playbook file for `src:`: kind is the role sub-folder searched first */
  findFile(kind: 'templates' | 'files' | 'vars', name: string): string;
  /** render a template file (a local path) with the host's vars, and `extra` over them (the template module's own) */
  renderTemplate(path: string, extra?: Vars): string;
  /** evaluate a Jinja expression (assert's `that`, debug's `var`) to a native value */
  evaluate(expression: string): unknown;
  warn(message: string): void;
}

/** What the steps run with: the connection itself. Only runModule hands it out. */
export interface ApplyContext extends CheckContext {
  conn: Connection;
  /** the task's become, applied by run() */
  become: BecomeOptions | undefined;
  /** exec on the host with the task's become applied */
  run(command: string, opts?: Omit<ExecOptions, 'become'>): Promise<ExecResult>;
  /** the clock that waits (reboot, retries); the system clock when absent, simulated in unit tests */
  clock?: Clock;
}

/** Run a command on the host (with the task's become). */
export interface RunStep {
  run: string;
  stdin?: string;
  cwd?: string;
  timeoutMs?: number;
  /** what the command does, for its error message: "`doing` failed: <stderr>" */
  doing?: string;
  /** a non-zero rc is not a failure of the step: the plan's report() judges the output (command, shell) */
  keepOutput?: boolean;
  /**
   * What `run` does, done in this process (modules/in-process.ts), used instead of it when ctx.inProcess;
   * false when it could not, having changed nothing `run` would not redo: `run` then runs.
   */
  inProcess?: () => Promise<boolean>;
}

/** Write a file atomically: temp file beside dest, owner/group/mode, validate, rename (files.ts). */
export interface WriteStep {
  write: string;
  content: Buffer;
  mode?: string | undefined;
  owner?: string | undefined;
  group?: string | undefined;
  validate?: string | undefined;
  backup?: boolean | undefined;
}

/** Copy a host file to the controller (fetch): read with the task's become, written atomically (temp + rename). */
export interface FetchStep {
  fetch: string;
  /** the controller path */
  to: string;
}

/**
 * Reboot the host and wait for it (reboot): run `reboot`, then reconnect
 * until `bootId` reads differently, then until `test` succeeds.
 */
export interface RebootStep {
  reboot: string;
  /** the command whose output changes with each boot, and its output before */
  bootIdCommand: string;
  bootId: string;
  test: string;
  timeoutMs: number;
  connectTimeoutMs: number;
  preDelayMs: number;
  postDelayMs: number;
}

export type Step = RunStep | WriteStep | FetchStep | RebootStep;

/** What one step gave: the command's output, or the backup a write made. */
export interface StepOutput {
  rc: number;
  stdout: string;
  stderr: string;
  /** milliseconds */
  ms: number;
  backup?: string;
}

export interface ModulePlan {
  /** would the module change the host (or did it, for modules that only read) */
  changed: boolean;
  /** the module failed (e.g. assert false, a package that does not exist) */
  failed?: boolean;
  msg?: string;
  diff?: FileDiff[];
  /** data returned with the result (available through register) */
  data?: Record<string, unknown>;
  /**
   * Steps that refresh what the host knows without changing what the task
   * manages (systemctl daemon-reload, apt-get update). Outside check mode
   * they run first and check() is called again with `refreshed` set; in
   * check mode they are only shown.
   */
  refresh?: Step[];
  /**
   * What applying the plan does, in order; none when there is nothing to do.
   * Run outside check mode, even when the plan does not change the host
   * (uri's request, wait_for's wait).
   */
  steps?: Step[];
  /** check mode cannot tell what the steps would do without running them: the task is reported skipped (command without creates/removes) */
  skipInCheck?: boolean;
  /** the msg of a task skipped in check mode (default: Ansible's 'skipped, running in check mode') */
  skipMsg?: string;
  /** result data from the steps' outputs, for modules whose output is their result (command: rc, stdout...) */
  report?: (outputs: StepOutput[]) => Record<string, unknown>;
}

/** What a module is, for the engine: it reads these and never a module's name. */
export interface ModuleTraits {
  /** runs on the controller only (debug, set_fact, assert): no connection */
  controllerOnly?: boolean;
  /** its plan writes a whole file's content from the controller (template, copy): `hapb render` keeps that content */
  writesContent?: boolean;
  /** the result's `ansible_facts` become host variables (set_fact); its argument names are those variables */
  setsFacts?: boolean;
  /** an action of the executor, not of a host (meta: flush_handlers) */
  meta?: boolean;
  /**
   * 'full': check() tells what would change; 'none': it cannot without
   * acting (uri, wait_for), so in check mode the task is skipped and check()
   * is not called (Ansible's "skipped, running in check mode").
   */
  checkMode: 'full' | 'none';
  /** the msg of the skipped result when checkMode is 'none' (Ansible's words differ per action plugin) */
  noCheckMsg?: string;
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
  traits: ModuleTraits;
  check(ctx: CheckContext, args: A): Promise<ModulePlan>;
}
