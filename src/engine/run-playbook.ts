/**
 * The executor: plays in order, hosts in rolling batches (serial), tasks in
 * order across the batch (linear strategy, up to --forks hosts at once),
 * handlers flushed at Ansible's implicit points. Emits events; returns the
 * recap and the exit code.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Connection, ConnectionFactory, ConnectionOptions } from '../connection/types.js';
import { ExitCode, HapbError, InputErrors, SchemaError, UnreachableError, errorMessage } from '../errors/index.js';
import { globToRegex, limitHosts, selectHosts } from '../inventory/index.js';
import type { Inventory } from '../inventory/types.js';
import type { Module, ModulePlan } from '../modules/types.js';
import { exposedRoleVars } from '../playbook/exposed-roles.js';
import { mapTasks, taskFileCandidates } from '../playbook/structure.js';
import { evaluateTags, taskTags } from '../playbook/tags.js';
import { flatTasks, handlerKey, isBlock, isInclude, roleKey, type Block, type Include, type Play, type Playbook, type Task, type TaskNode } from '../playbook/types.js';
import { runSecrets } from '../secrets/registry.js';
import { createTemplater, isTruthy, markUnsafe, type Templater } from '../template/index.js';
import { markScope } from '../template/lazy-vars.js';
import { mapLimit } from './pool.js';
import { runTask, type TaskEnv, type TaskRunInfo } from './run-task.js';
import { serialBatches, templatedSerial } from './serial.js';
import { newHostState, type HostState } from './state.js';
import { newResult, statusOf, type EngineEvent, type EventListener, type Recap, type TaskResult, type Vars } from './types.js';
import { hostLevelVars, taskVars, type VarScope } from './vars.js';
import { withLoopItems } from './with-loops.js';

export interface RunOptions {
  playbook: Playbook;
  inventory: Inventory;
  modules: { get(name: string): Module | undefined };
  connect: ConnectionFactory;
  connectionOptions?: ConnectionOptions;
  /** gathers facts over a connection (plays with gather_facts) */
  gatherFacts?: (conn: Connection) => Promise<Vars>;
  extraVars?: Vars;
  check?: boolean;
  diff?: boolean;
  /** --limit pattern */
  limit?: string;
  forks?: number;
  /** --tags / --skip-tags (Ansible's special tags all, tagged, untagged, always, never) */
  tags?: string[];
  skipTags?: string[];
  /** --start-at-task: skip the tasks before the first one with this name (a shell glob; `role : name` too) */
  startAtTask?: string;
  listeners?: EventListener[];
  /** `hapb render` and the preflight: no host, no facts, check mode (TaskEnv.offline) */
  offline?: boolean;
  /** every plan a module made */
  onPlan?: (plan: ModulePlan, task: Task, host: string) => void;
  /** every exception the pipeline turned into a result */
  onError?: (err: unknown, task: Task, host: string) => void;
  /** the tasks of every file include_tasks/include_role loaded */
  onInclude?: (nodes: TaskNode[]) => void;
}

export interface RunOutcome {
  recap: Recap;
  exitCode: number;
}

export async function runPlaybook(opts: RunOptions): Promise<RunOutcome> {
  const emit = (e: EngineEvent): void => {
    for (const l of opts.listeners ?? []) l(e);
  };
  const hosts = new Map<string, HostState>();
  /** hosts known only as the target of delegate_facts so far: not in the recap (they ran nothing) */
  const factsOnly = new Set<string>();
  const stateOf = (name: string): HostState => {
    factsOnly.delete(name);
    let st = hosts.get(name);
    if (!st) {
      st = newHostState(name);
      hosts.set(name, st);
    }
    return st;
  };
  const factsStateOf = (name: string): HostState => {
    const known = hosts.get(name);
    if (known) return known;
    const st = newHostState(name);
    hosts.set(name, st);
    factsOnly.add(name);
    return st;
  };
  const limited = opts.limit !== undefined ? limitHosts(opts.inventory, opts.limit) : undefined;
  // only a real run may let lookups run commands or write files (pipe, password)
  const templater = createTemplater({ searchPaths: [opts.playbook.dir], sideEffects: !opts.offline });
  const check = opts.offline ? true : (opts.check ?? false);
  const diff = opts.diff ?? false;
  emit({ type: 'playbook.start', file: opts.playbook.file, check, diff });
  let abort = false;
  const startAt: StartAt = opts.startAtTask === undefined ? { done: true } : { pattern: opts.startAtTask, done: false };
  const delegates = new Map<string, Connection>();
  try {
    for (const loaded of opts.playbook.plays) {
      if (abort) break;
      // the handlers include_role adds are this run's: a preflight (offline run) of the same playbook leaves none behind
      const play: Play = { ...loaded, handlers: [...loaded.handlers] };
      const matched = selectHosts(opts.inventory, play.hosts).filter((h) => !limited || limited.has(h));
      // as in Ansible, a host that failed or was unreachable sits out the rest of the playbook
      const playHosts = matched.filter((h) => !hosts.get(h)?.unreachable && !hosts.get(h)?.failed);
      if (playHosts.length === 0) {
        emit({ type: 'warning', message: `play '${play.name}': no hosts matched '${play.hosts}'${opts.limit ? ` with --limit '${opts.limit}'` : ''}, skipping` });
        continue;
      }
      const playVars = play.vars;
      const exposed = exposedRoleVars(play.exposedRoles);
      const serial = templatedSerial(play.serial, () => markScope({ ...exposed.roleDefaults, ...playVars, ...exposed.roleVars, ...(opts.extraVars ?? {}) }), (v, vars) => templater.templateValue(v, vars), play.pos);
      const batches = serialBatches(playHosts, serial);
      for (const [bi, batch] of batches.entries()) {
        const scope: VarScope = {
          inventory: opts.inventory,
          playbookDir: opts.playbook.dir,
          playVars,
          ...exposed,
          extraVars: opts.extraVars ?? {},
          check,
          diff,
          hosts,
          playHosts,
          batchHosts: batch,
        };
        emit({ type: 'play.start', name: play.name, hosts: batch, pos: play.pos, ...(batches.length > 1 ? { batch: { index: bi + 1, count: batches.length } } : {}) });
        const outcome = await runBatch(opts, play, batch.map(stateOf), scope, templater, emit, startAt, delegates, factsStateOf);
        emit({ type: 'play.end', name: play.name });
        if (outcome === 'abort') {
          abort = true;
          break;
        }
        if (outcome === 'batch-failed') {
          emit({ type: 'warning', message: `play '${play.name}': every host of batch ${bi + 1} failed; the remaining batches are not run` });
          break;
        }
      }
    }
  } finally {
    await Promise.all([...hosts.values()].map((h) => h.connection?.close().catch(() => undefined)));
    await Promise.all([...delegates.values()].map((c) => c.close().catch(() => undefined)));
  }
  if (!startAt.done) {
    emit({ type: 'warning', message: `No matching task "${startAt.pattern ?? ''}" found. Note: --start-at-task can only follow static includes.` });
  }
  const recap: Recap = {};
  for (const [name, st] of hosts) if (!factsOnly.has(name)) recap[name] = st.stats;
  emit({ type: 'playbook.end', recap });
  const anyUnreachable = [...hosts.values()].some((h) => h.unreachable);
  const anyFailed = [...hosts.values()].some((h) => h.failed);
  // as Ansible's strategy: unreachable hosts win over failed ones
  return { recap, exitCode: anyUnreachable ? ExitCode.unreachable : anyFailed ? ExitCode.hostFailed : ExitCode.ok };
}

type BatchOutcome = 'ok' | 'batch-failed' | 'abort';

/** --start-at-task across plays and batches: once found, later plays and batches run whole (as in Ansible). */
interface StartAt {
  pattern?: string;
  done: boolean;
}

/** Where a task runs in the tree of blocks: inside the `block:` of a block that has a `rescue:` (a failure there is rescued). */
interface Frame {
  rescuable: boolean;
  /**
   * the innermost block has an always section the failed host goes to next:
   * its failure does not trigger any_errors_fatal (Ansible's iterator calls
   * the host failed only once the always ran, and then no task fails)
   */
  beforeAlways?: boolean;
}

async function runBatch(
  opts: RunOptions,
  play: Play,
  batch: HostState[],
  scope: VarScope,
  templater: Templater,
  emit: (e: EngineEvent) => void,
  startAt: StartAt,
  delegates: Map<string, Connection>,
  hostState: (name: string) => HostState,
): Promise<BatchOutcome> {
  const forks = opts.forks ?? 5;
  const open = async (name: string, vars: Vars): Promise<Connection> => {
    const conn = opts.connect(name, vars, opts.connectionOptions ?? {});
    try {
      await conn.connect();
    } catch (err) {
      if (err instanceof UnreachableError) throw err;
      throw new UnreachableError(name, errorMessage(err));
    }
    return conn;
  };
  const env: TaskEnv = {
    scope,
    play,
    templater,
    modules: opts.modules,
    check: scope.check,
    diff: scope.diff,
    warn: (message, host) => emit({ type: 'warning', message, ...(host ? { host } : {}) }),
    ...(opts.offline ? { offline: true } : {}),
    ...(opts.onPlan ? { onPlan: opts.onPlan } : {}),
    ...(opts.onError ? { onError: opts.onError } : {}),
    hostState,
    retry: (host, task, retriesLeft, result) => emit({ type: 'host.retry', host, task: task.name, retriesLeft, result }),
    connect: async (host, vars) => {
      if (host.connection) return host.connection;
      host.connection = await open(host.name, vars);
      return host.connection;
    },
    connectTo: async (name) => {
      const known = delegates.get(name);
      if (known) return known;
      // a delegate outside the inventory: localhost is this machine (Ansible's implicit localhost)
      const inInventory = scope.inventory.hosts.has(name);
      if (!inInventory && !LOCALHOST.has(name)) throw new HapbError(`delegate_to: host '${name}' is not in the inventory`, { exitCode: ExitCode.invalidInput });
      const vars = inInventory ? hostLevelVars(scope, name) : { ansible_connection: 'local' };
      const conn = await open(name, vars);
      delegates.set(name, conn);
      return conn;
    },
  };
  const alive = (h: HostState): boolean => !h.failed && !h.unreachable;
  /** roles (folder and params) the play has run: an included role's dependencies run once */
  const rolesRun = new Set(play.roles.map(roleKey));
  const active = (): HostState[] => batch.filter(alive);
  /** any_errors_fatal or max_fail_percentage stopped the play */
  let fatal: string | undefined;
  /** hosts of this batch that failed for good (not rescued, not ignored) */
  const hardFailed = new Set<HostState>();

  /** counts the result in the host's stats the way Ansible's strategy does; true for a failure that is not rescued or ignored */
  const record = (host: HostState, task: Task, handler: boolean, result: TaskResult, frame: Frame, delegatedTo?: string): boolean => {
    const shown = runSecrets.forOutput(result, [task.role?.defaults, task.role?.vars, task.role?.params, task.vars, hostLevelVars(scope, host.name)], task.no_log);
    const status = statusOf(result);
    const s = host.stats;
    let hard = false;
    if (status === 'ok') s.ok++;
    else if (status === 'changed') {
      s.ok++;
      s.changed++;
    } else if (status === 'skipped') s.skipped++;
    else if (status === 'unreachable') {
      s.unreachable++;
      host.unreachable = true;
      hard = true;
    } else if (status === 'failed') {
      if (result.ignored) {
        // Ansible counts an ignored failure as ok (and changed if it changed)
        s.ok++;
        s.ignored++;
        if (result.changed) s.changed++;
      } else {
        host.failed = true;
        if (frame.rescuable && !handler) {
          // inside a block with a rescue: counted as rescued, and the rescue sees what failed
          s.rescued++;
          host.runtime.ansible_failed_task = markUnsafe({ name: task.name, action: task.module, args: task.args, ...(task.role ? { role: task.role.name } : {}) });
          host.runtime.ansible_failed_result = markUnsafe(result);
        } else {
          s.failed++;
          hard = true;
        }
      }
    }
    if (hard) hardFailed.add(host);
    emit({
      type: 'host.result',
      host: host.name,
      task: task.name,
      module: task.module,
      ...(task.role ? { role: task.role.name } : {}),
      ...(delegatedTo !== undefined && delegatedTo !== host.name ? { delegate: delegatedTo } : {}),
      handler,
      status,
      result: shown,
    });
    return hard;
  };

  /** after a task: any_errors_fatal and max_fail_percentage */
  const judge = (task: Task | undefined, failedNow: boolean): void => {
    if (fatal) return;
    if (failedNow && (play.anyErrorsFatal || task?.any_errors_fatal)) fatal = 'any_errors_fatal is set and a host failed';
    else if (play.maxFailPercentage !== undefined && hardFailed.size > 0 && (hardFailed.size / batch.length) * 100 > play.maxFailPercentage) {
      fatal = `${hardFailed.size} of ${batch.length} hosts failed, more than max_fail_percentage ${play.maxFailPercentage}%`;
    }
  };

  const runOnHosts = async (task: Task, targets: HostState[], handler: boolean, frame: Frame): Promise<void> => {
    if (targets.length === 0) return;
    // run_once: the first host runs it; its result is every host's (register, facts, notify)
    const runners = task.run_once ? targets.slice(0, 1) : targets;
    emit({ type: 'task.start', name: task.name, ...(task.role ? { role: task.role.name } : {}), handler, hosts: runners.map((h) => h.name), pos: task.pos });
    let failedNow = false;
    await mapLimit(runners, forks, async (host) => {
      const info: TaskRunInfo = {};
      const others = task.run_once ? targets.slice(1) : [];
      const result = await runTask(env, host, task, others, info);
      if (record(host, task, handler, result, frame, info.delegatedTo) && !frame.beforeAlways) failedNow = true;
      // a run_once task that fails fails every host, as in Ansible
      if (task.run_once && result.failed && !result.ignored) for (const o of others) if (record(o, task, handler, result, frame) && !frame.beforeAlways) failedNow = true;
    });
    judge(task, failedNow);
  };

  /**
   * the handlers notified run in definition order: the one each name went to
   * (handlerNamed) and every handler listening to a topic notified
   */
  const flushHandlers = async (): Promise<void> => {
    const consumed = new Map<HostState, Set<string>>();
    for (const h of play.handlers) {
      const targets = active().filter((st) => st.notifiedHandlers.has(h) || h.listen.some((n) => st.notified.has(n)));
      for (const st of targets) {
        const c = consumed.get(st) ?? new Set<string>();
        consumed.set(st, c);
        for (const n of [h.name, ...h.listen]) if (st.notified.has(n)) c.add(n);
        st.notifiedHandlers.delete(h);
      }
      await runOnHosts(h, targets, true, { rescuable: false });
      if (fatal) break;
    }
    for (const [st, names] of consumed) for (const n of names) st.notified.delete(n);
  };

  /** a task list over `hosts`, in lockstep (linear strategy); hosts drop out as they fail */
  const runNodes = async (nodes: readonly TaskNode[], hosts: HostState[], frame: Frame): Promise<void> => {
    for (const node of nodes) {
      if (fatal) return;
      const targets = hosts.filter(alive);
      if (targets.length === 0) return;
      if (isBlock(node)) await runBlock(node, targets, frame);
      else if (isInclude(node)) {
        // tags on an include select the include itself; --start-at-task passes over it until the task is found
        if (!skipping && selectedByTags(play, node, opts.tags, opts.skipTags)) await runInclude(node, targets, frame);
      } else {
        if (!selectedByTags(play, node, opts.tags, opts.skipTags)) continue;
        if (skipping) {
          if (!matchesStartAt(node, startAt.pattern ?? '')) continue;
          skipping = false;
        }
        if (opts.modules.get(node.module)?.traits.meta) await flushHandlers();
        else await runOnHosts(node, targets, false, frame);
      }
    }
  };

  /**
   * block, then rescue for the hosts that failed in it (they are no longer
   * failed), then always for every host that entered (failed or not); a
   * host that failed and was not rescued stays failed after always.
   */
  const runBlock = async (b: Block, hosts: HostState[], frame: Frame): Promise<void> => {
    const beforeAlways = b.always.length > 0;
    await runNodes(b.block, hosts, { rescuable: frame.rescuable || b.rescue.length > 0, beforeAlways });
    if (fatal) return;
    if (b.rescue.length) {
      const rescuing = hosts.filter((h) => h.failed && !h.unreachable);
      for (const h of rescuing) h.failed = false;
      await runNodes(b.rescue, rescuing, { ...frame, beforeAlways });
      if (fatal) return;
    }
    if (b.always.length) {
      const failed = hosts.filter((h) => h.failed && !h.unreachable);
      for (const h of failed) h.failed = false;
      await runNodes(b.always, hosts.filter((h) => !h.unreachable), { ...frame, beforeAlways: false });
      for (const h of failed) h.failed = true;
    }
  };

  /**
   * include_tasks / include_role: per host, the condition, the loop and the
   * file (templated); hosts that include the same file with the same
   * parameters run its tasks together. The file is loaded and checked now.
   */
  const runInclude = async (inc: Include, hosts: HostState[], frame: Frame): Promise<void> => {
    const pseudo: Task = { name: inc.name, named: true, module: `include_${inc.what}`, args: inc.what === 'role' ? { name: inc.target } : { file: inc.target }, when: inc.when, notify: [], listen: [], vars: inc.params, tags: inc.tags, pos: inc.pos, ...(inc.role ? { role: inc.role } : {}) };
    // Ansible names an include_role task without its role's prefix (an IncludeRole has no role of its own), an include_tasks one with it
    const shownRole = inc.role && inc.what === 'tasks' ? { role: inc.role.name } : {};
    emit({ type: 'task.start', name: inc.name, ...shownRole, handler: false, hosts: hosts.map((h) => h.name), pos: inc.pos });
    const groups = new Map<string, { target: string; params: Vars; hosts: HostState[]; item?: unknown; hasItem: boolean }>();
    /** per host, what it includes (one entry per loop item): its result under the include task */
    const includedBy = new Map<HostState, { target: string; item: unknown }[]>();
    let failedNow = false;
    for (const host of hosts) {
      const vars = taskVars(scope, host.name, pseudo);
      try {
        const skipped = inc.when.find((c) => !isTruthy(templater.evaluate(c, vars)));
        if (skipped !== undefined) {
          record(host, pseudo, false, newResult({ skipped: true, skip_reason: 'Conditional result was False', false_condition: skipped }), frame);
          continue;
        }
        const loopVar = inc.loop_control?.loop_var ?? 'item';
        const looped = inc.loop !== undefined || inc.with !== undefined;
        let items: unknown[] = [undefined];
        if (looped) {
          const list = inc.with ? withLoopItems(inc.with.lookup, templater.templateValue(inc.with.terms, vars), { query: (name, t) => templater.query(name, t, vars) }) : templater.templateValue(inc.loop, vars);
          if (!Array.isArray(list)) throw new HapbError(`loop must be a list, got ${typeof list}: ${JSON.stringify(list)}`);
          items = list;
        }
        for (const [i, item] of items.entries()) {
          const itemVars: Vars = looped ? { ...vars, [loopVar]: item, ...(inc.loop_control?.index_var ? { [inc.loop_control.index_var]: i } : {}) } : vars;
          const target = String(templater.templateValue(inc.target, itemVars));
          const params: Vars = looped ? { ...inc.params, [loopVar]: item, ...(inc.loop_control?.index_var ? { [inc.loop_control.index_var]: i } : {}) } : inc.params;
          const key = `${target}\0${JSON.stringify(params)}`;
          const g = groups.get(key) ?? { target, params, hosts: [], item, hasItem: looped };
          groups.set(key, g);
          g.hosts.push(host);
          includedBy.set(host, [...(includedBy.get(host) ?? []), { target, item }]);
        }
      } catch (err) {
        opts.onError?.(err, pseudo, host.name);
        if (opts.offline) record(host, pseudo, false, newResult({ skipped: true, msg: errorMessage(err) }), frame);
        else if (record(host, pseudo, false, newResult({ failed: true, msg: errorMessage(err), ...(inc.ignore_errors ? { ignored: true } : {}) }), frame) && !frame.beforeAlways) failedNow = true;
      }
    }
    judge(pseudo, failedNow);
    // every host's result of the include task comes first, then the files are loaded, then their tasks run (Ansible's order)
    const includeArgs: Vars =
      inc.what === 'role'
        ? { name: inc.target, ...Object.fromEntries(Object.entries(inc.from).filter(([, v]) => v !== undefined).map(([k, v]) => [`${k}_from`, v])) }
        : {};
    const looped = inc.loop !== undefined || inc.with !== undefined;
    const loopVar = inc.loop_control?.loop_var ?? 'item';
    for (const [host, list] of includedBy) {
      const one = (x: { target: string; item: unknown }): Vars => ({
        ...(inc.what === 'tasks' ? { include: x.target } : {}),
        include_args: includeArgs,
        ...(looped ? { [loopVar]: x.item, ansible_loop_var: loopVar } : {}),
      });
      const result = looped ? newResult({ msg: 'All items completed', results: list.map((x) => newResult(one(x))) }) : newResult(list[0] ? one(list[0]) : {});
      emit({ type: 'include.result', host: host.name, task: inc.name, module: pseudo.module, ...shownRole, result });
    }
    const toRun: { nodes: TaskNode[]; hosts: HostState[] }[] = [];
    for (const g of groups.values()) {
      if (fatal) return;
      let nodes: TaskNode[];
      let file = g.target;
      try {
        if (!opts.playbook.include) throw new HapbError('this playbook was not loaded from files: it cannot include');
        if (inc.what === 'tasks') {
          const candidates = taskFileCandidates(g.target, inc.dir, inc.role?.dir, opts.playbook.dir);
          const found = candidates.find((f) => existsSync(f));
          if (!found) throw new HapbError(`Could not find or access '${g.target}' on the controller`, { hint: `looked for: ${candidates.join(', ')}` });
          file = found;
          nodes = opts.playbook.include.tasks(found, inc.apply, inc.role);
          // the include's vars (and loop item) are parameters of the included tasks
          if (Object.keys(g.params).length) nodes = mapTasks(nodes, (t) => ({ ...t, vars: { ...t.vars, ...g.params } }), (i) => ({ ...i, params: { ...g.params, ...i.params } }));
        } else {
          const loaded = opts.playbook.include.role(g.target, inc.role ? dirname(inc.role.dir) : inc.dir, inc.from, g.params, inc.apply, rolesRun, inc.role);
          nodes = loaded.nodes;
          for (const h of loaded.handlers) if (!play.handlers.some((x) => handlerKey(x) === handlerKey(h))) play.handlers.push(h);
        }
        opts.onInclude?.(nodes);
      } catch (err) {
        opts.onError?.(err, pseudo, g.hosts[0]?.name ?? '');
        // an included file that does not load is invalid input: the run stops (Ansible's parser error); a missing file fails the hosts
        if (!opts.offline && (err instanceof SchemaError || err instanceof InputErrors)) throw err;
        let failedLoad = false;
        for (const host of g.hosts) {
          const r = newResult({ failed: true, msg: errorMessage(err), ...(inc.ignore_errors ? { ignored: true } : {}) });
          if (opts.offline) record(host, pseudo, false, newResult({ skipped: true, msg: r.msg ?? '' }), frame);
          else if (record(host, pseudo, false, r, frame) && !frame.beforeAlways) failedLoad = true;
        }
        judge(pseudo, failedLoad);
        continue;
      }
      // an included task file counts as ok for each host (include_role does not), as in Ansible
      if (inc.what === 'tasks') for (const [i, host] of g.hosts.entries()) {
        host.stats.ok++;
        emit({ type: 'host.result', host: host.name, task: inc.name, module: pseudo.module, ...shownRole, handler: false, status: 'ok', included: file, ...(i === 0 ? { includedFor: g.hosts.map((h) => h.name) } : {}), result: newResult({ include: g.target, include_args: g.params, ...(g.hasItem ? { item: g.item } : {}) }) });
      }
      toRun.push({ nodes, hosts: g.hosts });
    }
    for (const r of toRun) {
      if (fatal) return;
      await runNodes(r.nodes, r.hosts.filter(alive), { ...frame, beforeAlways: false });
    }
  };

  // --start-at-task: the batch starts at the first selected task that matches; without one it runs nothing
  let skipping = false;
  if (!startAt.done && startAt.pattern !== undefined) {
    const pattern = startAt.pattern;
    const found = flatTasks([...play.preTasks, ...play.roles.flatMap((r) => r.tasks), ...play.tasks, ...play.postTasks]).some(
      (t) => selectedByTags(play, t, opts.tags, opts.skipTags) && matchesStartAt(t, pattern),
    );
    if (!found) return 'ok';
    startAt.done = true;
    skipping = true;
  }

  if (play.gatherFacts && opts.gatherFacts && !opts.offline) {
    const gather = opts.gatherFacts;
    const factsTask: Task = { name: 'Gathering Facts', named: true, module: 'setup', args: {}, when: [], notify: [], listen: [], vars: {}, tags: ['always'], pos: play.pos };
    emit({ type: 'task.start', name: factsTask.name, handler: false, hosts: active().map((h) => h.name), pos: play.pos });
    let failedNow = false;
    await mapLimit(active(), forks, async (host) => {
      let result: TaskResult;
      try {
        const conn = await env.connect(host, hostLevelVars(scope, host.name));
        host.facts = markUnsafe(await gather(conn));
        result = newResult({});
      } catch (err) {
        result = err instanceof UnreachableError ? newResult({ unreachable: true, msg: err.format() }) : newResult({ failed: true, msg: `gathering facts: ${errorMessage(err)}` });
      }
      if (record(host, factsTask, false, result, { rescuable: false })) failedNow = true;
    });
    judge(undefined, failedNow);
  }

  const sections: TaskNode[][] = [play.preTasks, [...play.roles.flatMap((r) => r.tasks), ...play.tasks], play.postTasks];
  for (const section of sections) {
    if (fatal || active().length === 0) break;
    await runNodes(section, active(), { rescuable: false });
    if (fatal || active().length === 0) break;
    await flushHandlers();
  }
  if (fatal) {
    for (const h of active()) h.failed = true;
    emit({ type: 'warning', message: `play '${play.name}': ${fatal}; stopping` });
    return 'abort';
  }
  return active().length === 0 ? 'batch-failed' : 'ok';
}

const LOCALHOST = new Set(['localhost', '127.0.0.1', '::1']);

function selectedByTags(play: Play, task: Pick<Task, 'tags' | 'role'>, tags: string[] | undefined, skip: string[] | undefined): boolean {
  return evaluateTags(taskTags(play, task), tags, skip);
}

/** --start-at-task: the task's name or `role : name`, exactly or as a shell glob (Ansible's fnmatch). */
export function matchesStartAt(task: Task, pattern: string): boolean {
  const re = new RegExp('^' + globToRegex(pattern) + '$', 's');
  const full = task.role ? `${task.role.name} : ${task.name}` : task.name;
  return task.name === pattern || full === pattern || (task.named && re.test(task.name)) || re.test(full);
}
