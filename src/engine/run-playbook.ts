/**
 * The executor: plays in order, hosts in rolling batches (serial), tasks in
 * order across the batch (linear strategy, up to --forks hosts at once),
 * handlers flushed at Ansible's implicit points. Emits events; returns the
 * recap and the exit code.
 */
import type { Connection, ConnectionFactory, ConnectionOptions } from '../connection/types.js';
import { ExitCode, UnreachableError, errorMessage } from '../errors/index.js';
import { globToRegex, limitHosts, selectHosts } from '../inventory/index.js';
import type { Inventory } from '../inventory/types.js';
import type { Module, ModulePlan } from '../modules/types.js';
import { evaluateTags, taskTags } from '../playbook/tags.js';
import type { Play, Playbook, Task } from '../playbook/types.js';
import { runSecrets } from '../secrets/registry.js';
import { createTemplater, markUnsafe, type Templater } from '../template/index.js';
import { mapLimit } from './pool.js';
import { runTask, type TaskEnv } from './run-task.js';
import { serialBatches } from './serial.js';
import { newHostState, type HostState } from './state.js';
import { newResult, statusOf, type EngineEvent, type EventListener, type Recap, type TaskResult, type Vars } from './types.js';
import { hostLevelVars, type VarScope } from './vars.js';

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
  const stateOf = (name: string): HostState => {
    let st = hosts.get(name);
    if (!st) {
      st = newHostState(name);
      hosts.set(name, st);
    }
    return st;
  };
  const limited = opts.limit !== undefined ? limitHosts(opts.inventory, opts.limit) : undefined;
  const templater = createTemplater({ searchPaths: [opts.playbook.dir] });
  const check = opts.offline ? true : (opts.check ?? false);
  const diff = opts.diff ?? false;
  emit({ type: 'playbook.start', file: opts.playbook.file, check, diff });
  let abort = false;
  const startAt: StartAt = opts.startAtTask === undefined ? { done: true } : { pattern: opts.startAtTask, done: false };
  try {
    for (const play of opts.playbook.plays) {
      if (abort) break;
      const matched = selectHosts(opts.inventory, play.hosts).filter((h) => !limited || limited.has(h));
      // as in Ansible, a host that failed or was unreachable sits out the rest of the playbook
      const playHosts = matched.filter((h) => !hosts.get(h)?.unreachable && !hosts.get(h)?.failed);
      if (playHosts.length === 0) {
        emit({ type: 'warning', message: `play '${play.name}': no hosts matched '${play.hosts}'${opts.limit ? ` with --limit '${opts.limit}'` : ''}, skipping` });
        continue;
      }
      const playVars = play.vars;
      const batches = serialBatches(playHosts, play.serial);
      for (const [bi, batch] of batches.entries()) {
        const scope: VarScope = {
          inventory: opts.inventory,
          playbookDir: opts.playbook.dir,
          playVars,
          extraVars: opts.extraVars ?? {},
          check,
          diff,
          hosts,
          playHosts,
          batchHosts: batch,
        };
        emit({ type: 'play.start', name: play.name, hosts: batch, pos: play.pos, ...(batches.length > 1 ? { batch: { index: bi + 1, count: batches.length } } : {}) });
        const outcome = await runBatch(opts, play, batch.map(stateOf), scope, templater, emit, startAt);
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
  }
  if (!startAt.done) {
    emit({ type: 'warning', message: `No matching task "${startAt.pattern ?? ''}" found. Note: --start-at-task can only follow static includes.` });
  }
  const recap: Recap = {};
  for (const [name, st] of hosts) recap[name] = st.stats;
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

async function runBatch(
  opts: RunOptions,
  play: Play,
  batch: HostState[],
  scope: VarScope,
  templater: Templater,
  emit: (e: EngineEvent) => void,
  startAt: StartAt,
): Promise<BatchOutcome> {
  const forks = opts.forks ?? 5;
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
    connect: async (host, vars) => {
      if (host.connection) return host.connection;
      const conn = opts.connect(host.name, vars, opts.connectionOptions ?? {});
      try {
        await conn.connect();
      } catch (err) {
        if (err instanceof UnreachableError) throw err;
        throw new UnreachableError(host.name, errorMessage(err));
      }
      host.connection = conn;
      return conn;
    },
  };
  const active = (): HostState[] => batch.filter((h) => !h.failed && !h.unreachable);
  let fatal = false;

  const record = (host: HostState, task: Task, handler: boolean, result: TaskResult): void => {
    const shown = runSecrets.forOutput(result, [task.role?.defaults, task.role?.vars, task.role?.params, task.vars, hostLevelVars(scope, host.name)], task.no_log);
    const status = statusOf(result);
    const s = host.stats;
    if (status === 'ok') s.ok++;
    else if (status === 'changed') {
      s.ok++;
      s.changed++;
    } else if (status === 'skipped') s.skipped++;
    else if (status === 'unreachable') {
      s.unreachable++;
      host.unreachable = true;
    } else if (status === 'failed') {
      // as Ansible: an ignored failure counts as ok (and changed when it changed)
      if (result.ignored) {
        s.ignored++;
        s.ok++;
        if (result.changed) s.changed++;
      } else {
        s.failed++;
        host.failed = true;
      }
    }
    emit({ type: 'host.result', host: host.name, task: task.name, module: task.module, ...(task.role ? { role: task.role.name } : {}), handler, status, result: shown });
  };

  const runOnHosts = async (task: Task, targets: HostState[], handler: boolean): Promise<void> => {
    if (targets.length === 0) return;
    emit({ type: 'task.start', name: task.name, ...(task.role ? { role: task.role.name } : {}), handler, hosts: targets.map((h) => h.name), pos: task.pos });
    await mapLimit(targets, forks, async (host) => {
      const result = await runTask(env, host, task);
      record(host, task, handler, result);
    });
    if (play.anyErrorsFatal && targets.some((h) => h.failed || h.unreachable)) fatal = true;
  };

  const flushHandlers = async (): Promise<void> => {
    for (const h of play.handlers) {
      const names = [h.name, ...h.listen];
      const targets = active().filter((st) => names.some((n) => st.notified.has(n)));
      for (const st of targets) for (const n of names) st.notified.delete(n);
      await runOnHosts(h, targets, true);
      if (fatal) return;
    }
  };

  // --start-at-task: the batch starts at the first selected task that matches; without one it runs nothing
  let skipping = false;
  if (!startAt.done && startAt.pattern !== undefined) {
    const pattern = startAt.pattern;
    const found = [...play.preTasks, ...play.roles.flatMap((r) => r.tasks), ...play.tasks, ...play.postTasks].some(
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
    await mapLimit(active(), forks, async (host) => {
      let result: TaskResult;
      try {
        const conn = await env.connect(host, hostLevelVars(scope, host.name));
        host.facts = markUnsafe(await gather(conn));
        result = newResult({});
      } catch (err) {
        result = err instanceof UnreachableError ? newResult({ unreachable: true, msg: err.format() }) : newResult({ failed: true, msg: `gathering facts: ${errorMessage(err)}` });
      }
      record(host, factsTask, false, result);
    });
    if (play.anyErrorsFatal && batch.some((h) => h.failed || h.unreachable)) fatal = true;
  }

  const sections: Task[][] = [play.preTasks, [...play.roles.flatMap((r) => r.tasks), ...play.tasks], play.postTasks];
  for (const section of sections) {
    for (const task of section) {
      if (fatal || active().length === 0) break;
      if (!selectedByTags(play, task, opts.tags, opts.skipTags)) continue;
      if (skipping) {
        if (!matchesStartAt(task, startAt.pattern ?? '')) continue;
        skipping = false;
      }
      if (opts.modules.get(task.module)?.traits.meta) {
        await flushHandlers();
        continue;
      }
      await runOnHosts(task, active(), false);
    }
    if (fatal || active().length === 0) break;
    await flushHandlers();
  }
  if (fatal) {
    for (const h of active()) h.failed = true;
    emit({ type: 'warning', message: `play '${play.name}': any_errors_fatal is set and a host failed; stopping` });
    return 'abort';
  }
  return active().length === 0 ? 'batch-failed' : 'ok';
}

function selectedByTags(play: Play, task: Task, tags: string[] | undefined, skip: string[] | undefined): boolean {
  return evaluateTags(taskTags(play, task), tags, skip);
}

/** --start-at-task: the task's name or `role : name`, exactly or as a shell glob (Ansible's fnmatch). */
export function matchesStartAt(task: Task, pattern: string): boolean {
  const re = new RegExp('^' + globToRegex(pattern) + '$', 's');
  const full = task.role ? `${task.role.name} : ${task.name}` : task.name;
  return task.name === pattern || full === pattern || (task.named && re.test(task.name)) || re.test(full);
}
