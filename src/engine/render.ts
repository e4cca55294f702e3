/**
 * `hapb render`: every file a playbook would write, for every host, without
 * connecting to any host (no facts). It is `run --check` through the same
 * task pipeline, offline (run-task.ts), keeping the content of the write
 * steps of plans from modules that write whole files (traits.writesContent).
 */
import { TemplateError } from '../template/index.js';
import { HapbError } from '../errors/index.js';
import type { Inventory } from '../inventory/types.js';
import { getModule } from '../modules/index.js';
import type { Module, WriteStep } from '../modules/types.js';
import type { Playbook, Task, TaskNode } from '../playbook/types.js';
import { runPlaybook } from './run-playbook.js';
import type { Vars } from './types.js';

export interface RenderedFile {
  host: string;
  /** destination path on the host */
  dest: string;
  content: string;
  mode?: string;
  /** the command that validates it on the host (%s is the file), when the task has one */
  validate?: string;
  /** the task that writes it */
  task: string;
}

export interface RenderOptions {
  playbook: Playbook;
  inventory: Inventory;
  extraVars?: Vars;
  limit?: string;
  /** the module registry (default: hapb's) */
  modules?: { get(name: string): Module | undefined };
  warn?: (message: string) => void;
  /** called instead of throwing when a task fails with an exception; rendering goes on */
  onError?: (err: unknown, task: Task, host: string) => void;
  /** the tasks of every file an include loaded */
  onInclude?: (nodes: TaskNode[]) => void;
}

export async function renderPlaybook(opts: RenderOptions): Promise<RenderedFile[]> {
  const modules = opts.modules ?? { get: getModule };
  const byHost = new Map<string, RenderedFile[]>();
  let first: { err: unknown; task: Task; host: string } | undefined;
  await runPlaybook({
    playbook: opts.playbook,
    inventory: opts.inventory,
    modules,
    connect: () => {
      throw new HapbError('hapb render connects to no host');
    },
    extraVars: opts.extraVars ?? {},
    ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
    offline: true,
    ...(opts.onInclude ? { onInclude: opts.onInclude } : {}),
    // one host at a time keeps each host's files in task order
    forks: 1,
    listeners: [(e) => void (e.type === 'warning' && opts.warn?.(e.host ? `${e.host}: ${e.message}` : e.message))],
    onPlan: (plan, task, host) => {
      if (!modules.get(task.module)?.traits.writesContent) return;
      for (const step of plan.steps ?? []) {
        if (!('write' in step)) continue;
        const w: WriteStep = step;
        const list = byHost.get(host) ?? [];
        byHost.set(host, list);
        list.push({ host, dest: w.write, content: w.content.toString('utf8'), task: task.name, ...(w.mode !== undefined ? { mode: w.mode } : {}), ...(w.validate !== undefined ? { validate: w.validate } : {}) });
      }
    },
    onError: (err, task, host) => {
      if (opts.onError) opts.onError(err, task, host);
      else if (err instanceof TemplateError && err.undefinedName?.startsWith('lookup(')) {
        // a lookup only a real run performs (pipe, a new password file): that file is known at run time only
        opts.warn?.(`${host}: task '${task.name}' (${task.pos.file}:${task.pos.line}) not rendered: ${err.detail}`);
      } else first ??= { err, task, host };
    },
  });
  if (first) {
    const { err, task, host } = first;
    const msg = `rendering task '${task.name}' for ${host} (${task.pos.file}:${task.pos.line})`;
    if (err instanceof HapbError) throw new HapbError(`${msg}: ${err.message}`, { exitCode: err.exitCode, ...(err.hint ? { hint: err.hint } : {}), cause: err });
    throw err;
  }
  return [...byHost.values()].flat();
}
