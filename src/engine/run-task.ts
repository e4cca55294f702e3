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
import { join } from 'node:path';
import { ExitCode, HapbError, UnreachableError, errorMessage } from '../errors/index.js';
import { EmptyHost } from '../modules/empty-host.js';
import { runModule } from '../modules/run-module.js';
import type { ApplyContext, Module, ModulePlan } from '../modules/types.js';
import { mergeEnvironment } from '../playbook/structure.js';
import { handlerNamed, type Play, type Task } from '../playbook/types.js';
import { isTruthy, markUnsafe, type Templater } from '../template/index.js';
import { findTaskFile } from './find-file.js';
import { withLoopItems } from './with-loops.js';
import type { HostState } from './state.js';
import { newResult, type TaskResult, type Vars } from './types.js';
import { dropOmitted, taskVars, type VarScope } from './vars.js';

// compiled cheaply, once per module used (see yaml/validate.ts; test/unit/schemas.test.ts checks the schemas)
const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, coerceTypes: true, code: { optimize: false }, validateSchema: false });
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
  /** opens (once per run) a connection to a delegate host (delegate_to), with that host's connection variables */
  connectTo(name: string): Promise<Connection>;
  /** the state of any inventory host (delegate_facts gives facts to the delegate, which may be outside the play) */
  hostState?(name: string): HostState;
  /** an `until` that did not hold yet: the task runs again */
  retry?: (host: string, task: Task, retriesLeft: number, result: TaskResult) => void;
}

/** What a task's run tells the executor beside its result. */
export interface TaskRunInfo {
  /** the host the task ran on, when delegated (templated delegate_to) */
  delegatedTo?: string;
}

export async function runTask(env: TaskEnv, host: HostState, task: Task, alsoFor: HostState[] = [], info: TaskRunInfo = {}): Promise<TaskResult> {
  const traits = env.modules.get(task.module)?.traits;
  // without a host, a module that needs one is not run at all (nor its loop or when)
  if (env.offline && traits && !traits.controllerOnly && !traits.writesContent) {
    return settle(env, host, task, newResult({ skipped: true, msg: `${task.module} needs the host: not run without one` }), alsoFor);
  }
  const vars = taskVars(env.scope, host.name, task);
  // check_mode: on the task is the task's ansible_check_mode
  if (task.check_mode !== undefined && !env.offline) vars.ansible_check_mode = task.check_mode;
  try {
    if (task.loop === undefined && task.with === undefined) return settle(env, host, task, await runAttempts(env, host, task, vars, info), alsoFor);
    const items = loopItems(env, task, vars);
    if (!Array.isArray(items)) {
      return settle(env, host, task, newResult({ failed: true, msg: `loop must be a list, got ${typeof items}: ${JSON.stringify(items)}` }), alsoFor);
    }
    const lc = task.loop_control ?? {};
    const loopVar = lc.loop_var ?? 'item';
    const pause = lc.pause === undefined ? 0 : Number(env.templater.templateValue(lc.pause, vars));
    const extended = lc.extended === undefined ? false : parseBoolean(lc.extended) === true;
    const results: TaskResult[] = [];
    for (const [i, item] of items.entries()) {
      if (i > 0 && pause > 0 && !env.offline) await sleep(pause * 1000);
      const itemVars: Vars = { ...vars, [loopVar]: item, ansible_loop_var: loopVar };
      if (lc.index_var) itemVars[lc.index_var] = i;
      if (extended) itemVars.ansible_loop = loopInfo(items, i);
      const r = await runAttempts(env, host, task, itemVars, info);
      r.item = item;
      r.ansible_loop_var = loopVar;
      if (lc.index_var) r.ansible_index_var = lc.index_var;
      if (lc.label !== undefined) r._ansible_item_label = env.templater.templateValue(lc.label, itemVars);
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
    if (results.some((r) => r.failed) && task.ignore_errors) {
      result.failed = true;
      result.ignored = true;
    }
    return settle(env, host, task, result, alsoFor);
  } catch (err) {
    env.onError?.(err, task, host.name);
    if (env.offline) return newResult({ skipped: true, msg: errorMessage(err) });
    if (err instanceof UnreachableError) return newResult({ unreachable: true, msg: err.format() });
    return newResult({ failed: true, msg: errorMessage(err), ...(task.ignore_errors ? { ignored: true } : {}) });
  }
}

/** the list a task loops over: `loop:` as templated, or what a `with_<lookup>:` makes of its terms */
function loopItems(env: TaskEnv, task: Task, vars: Vars): unknown {
  if (task.with) {
    const terms = env.templater.templateValue(task.with.terms, vars);
    const dirs = [...(task.role ? [join(task.role.dir, 'files'), task.role.dir] : []), join(env.scope.playbookDir, 'files'), env.scope.playbookDir];
    return withLoopItems(task.with.lookup, terms, { filesDirs: dirs, query: (name, t) => env.templater.query(name, t, vars) });
  }
  return env.templater.templateValue(task.loop, vars);
}

/** ansible_loop with loop_control.extended */
function loopInfo(items: unknown[], i: number): Vars {
  const n = items.length;
  return {
    allitems: items,
    index: i + 1,
    index0: i,
    revindex: n - i,
    revindex0: n - i - 1,
    first: i === 0,
    last: i === n - 1,
    length: n,
    ...(i > 0 ? { previtem: items[i - 1] } : {}),
    ...(i < n - 1 ? { nextitem: items[i + 1] } : {}),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One run of the module, again while `until` does not hold (Ansible's
 * retries: the first run plus `retries`, default 3; `delay` seconds between,
 * default 5; the result carries `attempts`).
 */
async function runAttempts(env: TaskEnv, host: HostState, task: Task, vars: Vars, info: TaskRunInfo): Promise<TaskResult> {
  if (task.until === undefined) return runOnce(env, host, task, vars, info);
  const t = env.templater;
  const retries = task.retries === undefined ? 3 : Math.max(0, Number(t.templateValue(task.retries, vars)));
  const delay = task.delay === undefined ? 5 : Math.max(0, Number(t.templateValue(task.delay, vars)));
  if (!Number.isFinite(retries) || !Number.isFinite(delay)) throw new HapbError(`retries and delay must be numbers (task '${task.name}')`, { exitCode: ExitCode.invalidInput });
  const total = 1 + retries;
  let result = newResult();
  for (let attempt = 1; attempt <= total; attempt++) {
    result = await runOnce(env, host, task, vars, info);
    // a false `when` skips before any attempt; a check-mode skip is judged by until, as in Ansible
    if (result.unreachable || (result.skipped && result.skip_reason !== undefined)) return result;
    result.attempts = attempt;
    const withResult: Vars = { ...vars, ...(task.register ? { [task.register]: result } : {}) };
    let holds: boolean;
    try {
      holds = truthy(t.evaluate(task.until, withResult));
    } catch (err) {
      if (!env.offline) throw err;
      return result;
    }
    if (holds) return result;
    if (env.offline) return result;
    if (attempt < total) {
      env.retry?.(host.name, task, total - attempt, result);
      if (delay > 0) await sleep(delay * 1000);
    }
  }
  result.attempts = total - 1;
  result.failed = true;
  if (task.ignore_errors) result.ignored = true;
  return result;
}

/** The end of every task: offline failures warn instead of failing, register, notify (for the host, and the others of run_once). */
function settle(env: TaskEnv, host: HostState, task: Task, result: TaskResult, alsoFor: HostState[] = []): TaskResult {
  if (env.offline && result.failed && !result.ignored) {
    env.warn(`${where(task)}: ${result.msg ?? 'failed'}; going on without the host`, host.name);
    result = newResult({ skipped: true, msg: `failed without the host: ${result.msg ?? ''}` });
  }
  // delegated facts went to the delegate host only (runOnce), never to the other hosts of run_once
  const delegatedFacts = task.delegate_facts === true && task.delegate_to !== undefined;
  const facts = env.modules.get(task.module)?.traits.setsFacts && !result.failed && !delegatedFacts ? (result.ansible_facts as Vars | undefined) : undefined;
  for (const h of [host, ...alsoFor]) {
    if (h !== host && facts && typeof facts === 'object') Object.assign(h.runtime, facts);
    // registered data is never templated again (command output may hold '{{')
    if (task.register) h.runtime[task.register] = markUnsafe(registered(result));
    if (result.changed && !result.failed) {
      for (const n of task.notify) {
        h.notified.add(n);
        // a name goes to one handler, the one Ansible finds as the task notifies
        const target = handlerNamed(env.play.handlers, n);
        if (target) h.notifiedHandlers.add(target);
      }
    }
  }
  return result;
}

/**
 * The registered value holds Ansible's keys (ansible-core 2.14's strategy:
 * a copy without `invocation` at the top; hapb's own `plan` and `ignored`
 * left out). A task's result has `changed` always, `failed` unless it was
 * skipped, `skipped` only when true; a loop's has `changed` and `skipped`
 * always, `failed` only when an item failed, and its items keep their
 * `invocation`; an empty loop says `skipped_reason`, no `msg`.
 */
function registered(result: TaskResult, item = false): TaskResult {
  const { plan: _plan, ignored: _ignored, ...rest } = result;
  const out = { ...rest } as Partial<TaskResult> & Record<string, unknown>;
  if (!item) delete out.invocation;
  if (!out.unreachable) delete out.unreachable;
  if (Array.isArray(out.results)) {
    out.skipped = Boolean(out.skipped);
    if (!out.failed) delete out.failed;
    if (out.results.length === 0 && out.skipped) {
      delete out.msg;
      out.skipped_reason = 'No items in the list';
    }
    out.results = out.results.map((r) => registered(r, true));
  } else if (out.skipped) delete out.failed;
  else delete out.skipped;
  return out as TaskResult;
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

async function runOnce(env: TaskEnv, host: HostState, task: Task, vars: Vars, info: TaskRunInfo = {}): Promise<TaskResult> {
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
  const environment = environmentOf(t, mergeEnvironment(env.play.environment, task.environment), vars);
  let conn: Connection | undefined;
  const delegate = task.delegate_to === undefined ? undefined : String(t.templateValue(task.delegate_to, vars));
  if (delegate !== undefined) info.delegatedTo = delegate;
  if (!traits.controllerOnly) {
    if (env.offline) conn = emptyHost(delegate ?? host.name);
    // delegated: the delegate's connection, the task's host's variables
    else if (delegate !== undefined && delegate !== host.name) conn = await env.connectTo(delegate);
    else conn = await env.connect(host, vars);
  }
  const execOpts = <O extends { env?: Record<string, string> }>(opts: O | undefined): O & { become?: BecomeOptions } =>
    ({ ...(opts ?? ({} as O)), ...(environment ? { env: { ...environment, ...(opts?.env ?? {}) } } : {}), ...(become ? { become } : {}) });
  const noConn = (): never => {
    throw new HapbError(`module ${mod.name} runs on the controller and has no connection`);
  };

  const ctx: ApplyContext = {
    host: host.name,
    task: task.name,
    check,
    diff,
    refreshed: false,
    ...(conn?.inProcess?.(become) ? { inProcess: true } : {}),
    vars,
    get conn(): Connection {
      return conn ?? noConn();
    },
    become,
    run: (command, opts) => (conn ?? noConn()).exec(command, execOpts(opts)),
    query: (command, opts) => (conn ?? noConn()).exec(command, execOpts(opts)),
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
    // delegate_facts: the facts are the delegate host's (Ansible's get_delegated_hosts)
    const target = task.delegate_facts && delegate !== undefined && delegate !== host.name && env.hostState ? env.hostState(delegate) : host;
    if (facts && typeof facts === 'object') Object.assign(target.runtime, facts as Vars);
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

/** `environment:` (the play's, then the task's) templated: one mapping, or a list of them merged */
function environmentOf(t: Templater, environment: unknown, vars: Vars): Record<string, string> | undefined {
  if (environment === undefined) return undefined;
  const v = t.templateValue(environment, vars);
  const out: Record<string, string> = {};
  for (const m of Array.isArray(v) ? v : [v]) {
    if (m === null || m === undefined) continue;
    if (typeof m !== 'object' || Array.isArray(m)) throw new HapbError(`environment must be a mapping of names to values, got ${JSON.stringify(m)}`, { exitCode: ExitCode.invalidInput });
    for (const [k, x] of Object.entries(m as Record<string, unknown>)) out[k] = typeof x === 'string' ? x : JSON.stringify(x);
  }
  return out;
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
