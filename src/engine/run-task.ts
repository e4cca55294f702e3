/**
 * One task on one host: when, loop, templating of arguments, the module's
 * check and apply, changed_when/failed_when, register, set_fact and notify.
 * Returns one normalized TaskResult; never throws for a host-level problem.
 */
import { Ajv } from 'ajv';
import type { BecomeOptions, Connection } from '../connection/types.js';
import { HapbError, UnreachableError, errorMessage } from '../errors/index.js';
import type { Module, ModuleContext } from '../modules/types.js';
import { asBool } from '../playbook/load.js';
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
}

export async function runTask(env: TaskEnv, host: HostState, task: Task): Promise<TaskResult> {
  const vars = taskVars(env.scope, host.name, task);
  try {
    let result: TaskResult;
    if (task.loop !== undefined) {
      const items = env.templater.templateValue(task.loop, vars);
      if (!Array.isArray(items)) {
        return newResult({ failed: true, msg: `loop must be a list, got ${typeof items}: ${JSON.stringify(items)}` });
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
      result = newResult({
        changed: results.some((r) => r.changed),
        failed: results.some((r) => r.failed),
        unreachable: results.some((r) => r.unreachable),
        skipped: results.length > 0 && results.every((r) => r.skipped),
        results,
        msg: results.some((r) => r.failed) ? 'One or more items failed' : 'All items completed',
      });
      if (results.length === 0) result.skipped = true;
    } else {
      result = await runOnce(env, host, task, vars);
    }
    // registered data is never templated again (command output may hold '{{')
    if (task.register) host.runtime[task.register] = markUnsafe(result);
    if (result.changed && !result.failed) for (const n of task.notify) host.notified.add(n);
    return result;
  } catch (err) {
    return errorResult(err);
  }
}

function errorResult(err: unknown): TaskResult {
  if (err instanceof UnreachableError) return newResult({ unreachable: true, msg: err.format() });
  return newResult({ failed: true, msg: errorMessage(err) });
}

async function runOnce(env: TaskEnv, host: HostState, task: Task, vars: Vars): Promise<TaskResult> {
  const t = env.templater;
  for (const cond of task.when) {
    if (!truthy(t.evaluate(cond, vars))) {
      return newResult({ skipped: true, skip_reason: 'Conditional result was False', false_condition: cond });
    }
  }
  const mod = env.modules.get(task.module);
  if (!mod) return newResult({ failed: true, msg: `unknown module '${task.module}'` });
  const args = dropOmitted(t.templateValue(task.args, vars) as Record<string, unknown>);
  const invalid = validateArgs(mod, args);
  if (invalid) return newResult({ failed: true, msg: `${mod.name}: ${invalid}` });

  const check = task.check_mode ?? env.check;
  const diff = task.diff ?? env.diff;
  const become = becomeFor(env.play, task, vars);
  let conn: Connection | undefined;
  if (!mod.controllerOnly) conn = await env.connect(host, vars);

  const ctx: ModuleContext = {
    host: host.name,
    task: task.name,
    check,
    diff,
    vars,
    get conn(): Connection {
      if (!conn) throw new HapbError(`module ${mod.name} runs on the controller and has no connection`);
      return conn;
    },
    become,
    run: (command, opts) => {
      if (!conn) throw new HapbError(`module ${mod.name} runs on the controller and has no connection`);
      return conn.exec(command, { ...opts, ...(become ? { become } : {}) });
    },
    findFile: (kind, name) => findTaskFile(task, env.scope.playbookDir, kind, name),
    renderTemplate: (path) => t.renderFile(path, vars),
    evaluate: (expr) => t.evaluate(expr, vars),
    warn: (m) => env.warn(m, host.name),
  };

  const plan = await mod.check(ctx, args);
  const result = newResult({ changed: plan.changed, ...(plan.data ?? {}) });
  if (plan.msg !== undefined) result.msg = plan.msg;
  if (plan.failed) result.failed = true;
  if (diff && plan.diff && plan.diff.length) result.diff = plan.diff;
  if (!result.failed && plan.changed) {
    if (check) {
      if (plan.skipInCheck) {
        result.skipped = true;
        result.changed = false;
        result.msg = 'skipped, running in check mode';
      }
    } else if (plan.apply) {
      const data = await plan.apply();
      if (data) Object.assign(result, data);
    }
  }
  if (mod.name === 'set_fact' && !result.failed) {
    const facts = result.ansible_facts;
    if (facts && typeof facts === 'object') Object.assign(host.runtime, facts as Vars);
  }

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
  const on = task.become ?? (fromVars !== undefined ? asBool(fromVars) : undefined) ?? play.become ?? false;
  if (!on) return undefined;
  const user = task.become_user ?? (vars.ansible_become_user as string | undefined) ?? play.becomeUser ?? 'root';
  const password = (vars.ansible_become_password ?? vars.ansible_become_pass) as string | undefined;
  return password !== undefined ? { user, password } : { user };
}
