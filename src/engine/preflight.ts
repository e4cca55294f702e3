/**
 * Before any host is touched: take every task through the pipeline offline
 * (as `hapb render` does) and report undefined variables as input errors.
 * Names that only exist at run time are not held against a template:
 * facts (ansible_*), registered results, facts set by modules that set facts
 * (set_fact) and loop variables.
 */
import { ExitCode, HapbError, SchemaError } from '../errors/index.js';
import { getModule } from '../modules/index.js';
import type { Module } from '../modules/types.js';
import type { Playbook, Task } from '../playbook/types.js';
import { TemplateError } from '../template/index.js';
import { renderPlaybook, type RenderOptions } from './render.js';

export function runtimeNames(playbook: Playbook, modules: { get(name: string): Module | undefined }): Set<string> {
  const names = new Set<string>(['item']);
  const tasks: Task[] = playbook.plays.flatMap((p) => [...p.preTasks, ...p.roles.flatMap((r) => [...r.tasks, ...r.handlers]), ...p.tasks, ...p.postTasks, ...p.handlers]);
  for (const t of tasks) {
    if (t.register) names.add(t.register);
    if (t.loop_control?.loop_var) names.add(t.loop_control.loop_var);
    if (t.loop_control?.index_var) names.add(t.loop_control.index_var);
    if (modules.get(t.module)?.traits.setsFacts) for (const k of Object.keys(t.args)) names.add(k);
  }
  return names;
}

export async function preflightTemplates(opts: Omit<RenderOptions, 'onError'>): Promise<SchemaError[]> {
  const modules = opts.modules ?? { get: getModule };
  const runtime = runtimeNames(opts.playbook, modules);
  const errors: SchemaError[] = [];
  const seen = new Set<string>();
  await renderPlaybook({
    ...opts,
    modules,
    onError: (err, task, host) => {
      // only input errors count here; anything else shows at run time
      if (!(err instanceof HapbError) || err.exitCode !== ExitCode.invalidInput) return;
      const template = err instanceof TemplateError ? err : undefined;
      const name = template?.undefinedName;
      if (name !== undefined && (name.startsWith('ansible_') || runtime.has(name.split('.')[0] ?? name))) return;
      const key = err.message;
      if (seen.has(key)) return;
      seen.add(key);
      const detail = template?.detail ?? (err instanceof SchemaError ? err.detail : err.message);
      errors.push(new SchemaError(`${detail} (task '${task.name}' for ${host}, ${task.pos.file}:${task.pos.line})`, template?.pos ?? task.pos, err.hint));
    },
  });
  return errors;
}
