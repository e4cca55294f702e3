/**
 * The task pipeline, the one path every task takes in `run`, `run --check`,
 * `render` and the preflight: variables, loop, when, templated arguments,
 * the module (plan, then check or apply: modules/run-module.ts),
 * changed_when/failed_when, facts, register and notify. Returns one
 * normalized TaskResult; never throws for a host-level problem. The engine
 * reads a module's traits and never its name.
 */
import { Ajv } from 'ajv';
import type { BecomeOptions, Connection } from '../connection/types.js';
import { parseBoolean } from '../core/bool.js';
import { HapbError, UnreachableError, errorMessage } from '../errors/index.js';
import { EmptyHost } from '../modules/empty-host.js';
import { runModule } from '../modules/run-module.js';
import type { ApplyContext, Module, ModulePlan } from '../modules/types.js';
import type { Play, Task } from '../playbook/types.js';
import { isTruthy, markUnsafe, type Templater } from '../template/index.js';
import { findTaskFile } from './find-file.js';
import type { HostState } from './state.js';
import { newResult, type TaskResult, type Vars } from './types.js';
import { dropOmitted, taskVars, type VarScope } from './vars.js';

const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, coerceTypes: true });
const validators = new WeakMap<object, ReturnType<typeof ajv.compile>>();

export interface TaskEnv {
  scope: VarScope;
  play: Play;
  templater: Templater;
  modules: { get(name: string): Module | undefined };
  /** opens (once) and returns the host's connection; throws UnreachableError */
  connect(host: HostState, vars: Vars): Promise<Connection>;
  check: boolean;
  diff: boolean;
  warn(message: string, host?: string): void;
  /**
   * `hapb render` and the preflight: no host and no facts. Check mode always;
   * a `when` that cannot be decided warns and counts as true; modules that
   * need the host (neither controllerOnly nor writesContent) are not run;
   * content plans see an empty host. A failure does not stop the host: it
   * goes to onError (exceptions) or to warn (failed results).
   */
  offline?: boolean;
  /** every plan a module made, with the task and host (render keeps the content of write steps) */
  onPlan?: (plan: ModulePlan, task: Task, host: string) => void;
  /** an exception the pipeline turned into a failed result (a template error, a module's) */
  onError?: (err: unknown, task: Task, host: string) => void;
}

export async function runTask(env: TaskEnv, host: HostState, task: Task): Promise<TaskResult> {
  const traits = env.modules.get(task.module)?.traits;
  // without a host, a module that needs one is not run at all (nor its loop or when)
  if (env.offline && traits && !traits.controllerOnly && !traits.writesContent) {
    return settle(env, host, task, newResult({ skipped: true, msg: `${task.module} needs the host: not run without one` }));
  }
  const vars = taskVars(env.scope, host.name, task);
  try {
    if (task.loop === undefined) return settle(env, host, task, await runOnce(env, host, task, vars));
    const items = env.templater.templateValue(task.loop, vars);
    if (!Array.isArray(items)) {
      return settle(env, host, task, newResult({ failed: true, msg: `loop must be a list, got ${typeof items}: ${JSON.stringify(items)}` }));
    }
    const loopVar = task.loop_control?.loop_var ?? 'item';
    const results: TaskResult[] = [];
    for (const [i, item] of items.entries()) {
      const itemVars: Vars = { ...vars, [loopVar]: item, ansible_loop_var: loopVar };
      if (task.loop_control?.index_var) itemVars[task.loop_control.index_var] = i;
      const r = await runOnce(env, host, task, itemVars);
      r.item = item;
      r.ansible_loop_var = loopVar;
      results.push(r);
      if (r.unreachable) break;
    }
    const result = newResult({
      changed: results.some((r) => r.changed),
      failed: results.some((r) => r.failed),
      unreachable: results.some((r) => r.unreachable),
      skipped: results.every((r) => r.skipped),
      results,
      msg: results.some((r) => r.failed) ? 'One or more items failed' : 'All items completed',
    });
    return settle(env, host, task, result);
  } catch (err) {
    env.onError?.(err, task, host.name);
    if (env.offline) return newResult({ skipped: true, msg: errorMessage(err) });
    if (err instanceof UnreachableError) return newResult({ unreachable: true, msg: err.format() });
    return newResult({ failed: true, msg: errorMessage(err) });
  }
}

/** The end of every task: offline failures warn instead of failing, register, notify. */
function settle(env: TaskEnv, host: HostState, task: Task, result: TaskResult): TaskResult {
  if (env.offline && result.failed && !result.ignored) {
    env.warn(`${where(task)}: ${result.msg ?? 'failed'}; going on without the host`, host.name);
    result = newResult({ skipped: true, msg: `failed without the host: ${result.msg ?? ''}` });
  }
  // registered data is never templated again (command output may hold '{{')
  if (task.register) host.runtime[task.register] = markUnsafe(registered(result));
  if (result.changed && !result.failed) for (const n of task.notify) host.notified.add(n);
  return result;
}

/**
 * The registered value holds Ansible's keys: hapb's own (plan, ignored) are
 * left out, and skipped/unreachable only when true (Ansible's registered
 * results have `failed` and `changed` always, `skipped` when skipped).
 */
function registered(result: TaskResult): TaskResult {
  const { plan: _plan, ignored: _ignored, ...rest } = result;
  const out = { ...rest } as TaskResult;
  if (!out.skipped) delete (out as Partial<TaskResult>).skipped;
  if (!out.unreachable) delete (out as Partial<TaskResult>).unreachable;
  if (Array.isArray(out.results)) out.results = out.results.map(registered);
  return out;
}

function where(task: Task): string {
  return `${task.pos.file}:${task.pos.line}: task '${task.name}'`;
}

/** The host a content plan sees without a host: empty, one per host name. */
const emptyHosts = new Map<string, Connection>();
function emptyHost(name: string): Connection {
  let c = emptyHosts.get(name);
  if (!c) emptyHosts.set(name, (c = new EmptyHost(name)));
  return c;
}

async function runOnce(env: TaskEnv, host: HostState, task: Task, vars: Vars): Promise<TaskResult> {
  const t = env.templater;
  for (const cond of task.when) {
    let holds: boolean;
    try {
      holds = truthy(t.evaluate(cond, vars));
    } catch (err) {
      if (!env.offline) throw err;
      env.warn(`${where(task)}: 'when' cannot be decided without the host (${errorMessage(err).split('\n')[0]}); going on as if true`, host.name);
      holds = true;
    }
    if (!holds) return newResult({ skipped: true, skip_reason: 'Conditional result was False' });
  }
  const mod = env.modules.get(task.module);
  if (!mod) return newResult({ failed: true, msg: `unknown module '${task.module}'` });
  const traits = mod.traits;
  const args = dropOmitted(t.templateValue(task.args, vars) as Record<string, unknown>);
  const invalid = validateArgs(mod, args);
  if (invalid) return newResult({ failed: true, msg: `${mod.name}: ${invalid}` });

  const check = env.offline ? true : (task.check_mode ?? env.check);
  const diff = task.diff ?? env.diff;
  const become = becomeFor(env.play, task, vars);
  let conn: Connection | undefined;
  if (!traits.controllerOnly) conn = env.offline ? emptyHost(host.name) : await env.connect(host, vars);
  const noConn = (): never => {
    throw new HapbError(`module ${mod.name} runs on the controller and has no connection`);
  };

  const ctx: ApplyContext = {
    host: host.name,
    task: task.name,
    check,
    diff,
    refreshed: false,
    vars,
    get conn(): Connection {
      return conn ?? noConn();
    },
    become,
    run: (command, opts) => (conn ?? noConn()).exec(command, { ...opts, ...(become ? { become } : {}) }),
    query: (command, opts) => (conn ?? noConn()).exec(command, { ...opts, ...(become ? { become } : {}) }),
    findFile: (kind, name) => findTaskFile(task, env.scope.playbookDir, kind, name),
    renderTemplate: (path, extra) => t.renderFile(path, extra ? { ...vars, ...extra } : vars),
    evaluate: (expr) => t.evaluate(expr, vars),
    warn: (m) => env.warn(m, host.name),
  };

  const { result, plan } = await runModule(mod, ctx, args);
  // modules that run on the host report their arguments, as Ansible's do (shown at -vvv)
  if (!traits.controllerOnly && !('invocation' in result)) result.invocation = { module_args: args };
  if (plan) env.onPlan?.(plan, task, host.name);
  if (traits.setsFacts && !result.failed) {
    const facts = result.ansible_facts;
    if (facts && typeof facts === 'object') Object.assign(host.runtime, facts as Vars);
  }

  // a skipped result (check mode) has nothing to judge, as in Ansible
  if (result.skipped) return result;
  // changed_when / failed_when see the result under its register name and as `result`.
  const withResult: Vars = { ...vars, ...(task.register ? { [task.register]: result } : {}), ...flatResult(result) };
  if (task.changed_when !== undefined) result.changed = allTrue(t, task.changed_when, withResult);
  if (task.failed_when !== undefined) {
    result.failed = allTrue(t, task.failed_when, withResult);
    if (!result.failed) delete result.msg;
    else if (result.msg === undefined) result.msg = 'failed_when condition was true';
  }
  if (result.failed && task.ignore_errors) result.ignored = true;
  return result;
}

/** Result fields addressable directly in changed_when/failed_when (rc, stdout...). */
function flatResult(r: TaskResult): Vars {
  const out: Vars = {};
  for (const k of ['rc', 'stdout', 'stderr', 'stdout_lines', 'stderr_lines'] as const) if (k in r) out[k] = r[k];
  return out;
}

function allTrue(t: Templater, cond: unknown, vars: Vars): boolean {
  const list = Array.isArray(cond) ? cond : [cond];
  return list.every((c) => (typeof c === 'boolean' ? c : truthy(t.evaluate(String(c), vars))));
}

/** Python truthiness, as Ansible's conditionals use it. */
export const truthy = isTruthy;

function validateArgs(mod: Module, args: Record<string, unknown>): string | undefined {
  let fn = validators.get(mod.schema);
  if (!fn) {
    fn = ajv.compile(mod.schema);
    validators.set(mod.schema, fn);
  }
  if (fn(args)) return undefined;
  return (fn.errors ?? [])
    .map((e) => `${e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') + ' ' : ''}${e.message ?? 'invalid'}${e.keyword === 'additionalProperties' ? `: ${String((e.params as { additionalProperty: string }).additionalProperty)}` : ''}`)
    .join('; ');
}

function becomeFor(play: Play, task: Task, vars: Vars): BecomeOptions | undefined {
  const fromVars = vars.ansible_become;
  const fromVarsBool = fromVars === undefined ? undefined : parseBoolean(fromVars);
  if (fromVars !== undefined && fromVarsBool === undefined) throw new HapbError(`ansible_become must be a boolean, got ${JSON.stringify(fromVars)}`);
  const on = task.become ?? fromVarsBool ?? play.become ?? false;
  if (!on) return undefined;
  const user = task.become_user ?? (vars.ansible_become_user as string | undefined) ?? play.becomeUser ?? 'root';
  const password = (vars.ansible_become_password ?? vars.ansible_become_pass) as string | undefined;
  return password !== undefined ? { user, password } : { user };
}
