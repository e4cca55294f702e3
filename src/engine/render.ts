/**
 * `hapb render`: every file a playbook would write with template or copy, for
 * every host, computed without connecting to any host (no facts).
 */
import { readFileSync } from 'node:fs';
import { HapbError, errorMessage } from '../errors/index.js';
import { selectHosts } from '../inventory/index.js';
import type { Inventory } from '../inventory/types.js';
import type { Playbook, Task } from '../playbook/types.js';
import { createTemplater } from '../template/index.js';
import { findTaskFile } from './find-file.js';
import { truthy } from './run-task.js';
import { newHostState, type HostState } from './state.js';
import type { Vars } from './types.js';
import { dropOmitted, taskVars, type VarScope } from './vars.js';

export interface RenderedFile {
  host: string;
  /** destination path on the host */
  dest: string;
  content: string;
  mode?: string;
  /** the task that writes it */
  task: string;
  /** the template or source file, when there is one */
  src?: string;
}

export interface RenderOptions {
  playbook: Playbook;
  inventory: Inventory;
  extraVars?: Vars;
  limit?: string;
  warn?: (message: string) => void;
  /** called instead of throwing when a file cannot be rendered; rendering goes on */
  onError?: (err: unknown, task: Task, host: string) => void;
}

export function renderPlaybook(opts: RenderOptions): RenderedFile[] {
  const templater = createTemplater({ searchPaths: [opts.playbook.dir] });
  const limited = opts.limit ? new Set(selectHosts(opts.inventory, opts.limit)) : undefined;
  const out: RenderedFile[] = [];
  const hosts = new Map<string, HostState>();
  for (const play of opts.playbook.plays) {
    const playHosts = selectHosts(opts.inventory, play.hosts).filter((h) => !limited || limited.has(h));
    for (const h of playHosts) if (!hosts.has(h)) hosts.set(h, newHostState(h));
    const scope: VarScope = {
      inventory: opts.inventory,
      playbookDir: opts.playbook.dir,
      playVars: play.vars,
      extraVars: opts.extraVars ?? {},
      check: true,
      diff: false,
      hosts,
      playHosts,
      batchHosts: playHosts,
    };
    const tasks: Task[] = [...play.preTasks, ...play.roles.flatMap((r) => r.tasks), ...play.tasks, ...play.postTasks, ...play.handlers];
    for (const host of playHosts) {
      for (const task of tasks) {
        if (task.module !== 'template' && task.module !== 'copy') continue;
        const base = taskVars(scope, host, task);
        const items: (Vars | undefined)[] = task.loop === undefined ? [undefined] : asItems(templater.templateValue(task.loop, base), task);
        for (const item of items) {
          const vars = item ? { ...base, ...item } : base;
          const where = `${task.pos.file}:${task.pos.line}: task '${task.name}' for ${host}`;
          try {
            if (!task.when.every((c) => truthy(templater.evaluate(c, vars)))) continue;
          } catch (err) {
            opts.warn?.(`${where}: 'when' cannot be decided without the host (${errorMessage(err).split('\n')[0]}); rendering anyway`);
          }
          try {
            const args = dropOmitted(templater.templateValue(task.args, vars) as Record<string, unknown>);
            const dest = String(args.dest ?? '');
            let content: string;
            let src: string | undefined;
            if (task.module === 'template') {
              src = findTaskFile(task, opts.playbook.dir, 'templates', String(args.src));
              content = templater.renderFile(src, vars);
            } else if (args.content !== undefined) {
              content = typeof args.content === 'string' ? args.content : JSON.stringify(args.content);
            } else {
              src = findTaskFile(task, opts.playbook.dir, 'files', String(args.src));
              content = readFileSync(src, 'utf8');
            }
            out.push({ host, dest, content, task: task.name, ...(args.mode !== undefined ? { mode: String(args.mode) } : {}), ...(src ? { src } : {}) });
          } catch (err) {
            if (opts.onError) {
              opts.onError(err, task, host);
              continue;
            }
            if (err instanceof HapbError) throw new HapbError(`rendering ${task.module} for ${host} (${task.pos.file}:${task.pos.line}): ${err.message}`, { exitCode: err.exitCode, ...(err.hint ? { hint: err.hint } : {}), cause: err });
            throw err;
          }
        }
      }
    }
  }
  return out;
}

function asItems(value: unknown, task: Task): Vars[] {
  if (!Array.isArray(value)) throw new HapbError(`${task.pos.file}:${task.pos.line}: loop must be a list`);
  const loopVar = task.loop_control?.loop_var ?? 'item';
  return value.map((item) => ({ [loopVar]: item }));
}
