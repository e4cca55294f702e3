/**
 * Before any host is touched: take every task through the pipeline offline
 * (as `hapb render` does) and report undefined variables as input errors.
 * Names that only exist at run time are not held against a template:
 * facts (ansible_*), registered results, facts set by modules that set facts
 * (set_fact) and loop variables.
 */
import { ExitCode, HapbError, InputErrors, SchemaError } from '../errors/index.js';
import { getModule } from '../modules/index.js';
import type { Module } from '../modules/types.js';
import { flatTasks, type Playbook, type Task } from '../playbook/types.js';
import { TemplateError } from '../template/index.js';
import { renderPlaybook, type RenderOptions } from './render.js';

export function runtimeNames(playbook: Playbook, modules: { get(name: string): Module | undefined }): Set<string> {
  const names = new Set<string>(['item']);
  const tasks: Task[] = playbook.plays.flatMap((p) => [...flatTasks([...p.preTasks, ...p.roles.flatMap((r) => r.tasks), ...p.tasks, ...p.postTasks]), ...p.roles.flatMap((r) => r.handlers), ...p.handlers]);
  addRuntimeNames(names, tasks, modules);
  return names;
}

/** the names tasks make at run time: register, loop and index variables, facts set by modules */
function addRuntimeNames(names: Set<string>, tasks: Task[], modules: { get(name: string): Module | undefined }): void {
  for (const t of tasks) {
    if (t.register) names.add(t.register);
    if (t.loop_control?.loop_var) names.add(t.loop_control.loop_var);
    if (t.loop_control?.index_var) names.add(t.loop_control.index_var);
    if (modules.get(t.module)?.traits.setsFacts) for (const k of Object.keys(t.args)) names.add(k);
  }
}

export async function preflightTemplates(opts: Omit<RenderOptions, 'onError'>): Promise<SchemaError[]> {
  const modules = opts.modules ?? { get: getModule };
  const runtime = runtimeNames(opts.playbook, modules);
  const errors: SchemaError[] = [];
  const seen = new Set<string>();
  await renderPlaybook({
    ...opts,
    modules,
    // names made by included tasks are known once their file is included (before its tasks run)
    onInclude: (nodes) => addRuntimeNames(runtime, flatTasks(nodes), modules),
    onError: (err, task, host) => {
      // only input errors count here; anything else shows at run time
      if (!(err instanceof HapbError) || err.exitCode !== ExitCode.invalidInput) return;
      // a file an include loads: its own errors, at their own positions
      if (task.module.startsWith('include_') && (err instanceof InputErrors || (err instanceof SchemaError && !(err instanceof TemplateError)))) {
        for (const e of err instanceof InputErrors ? err.errors : [err]) {
          if (seen.has(e.message)) continue;
          seen.add(e.message);
          errors.push(new SchemaError(`${e.detail} (included by '${task.name}', ${task.pos.file}:${task.pos.line})`, e.pos, e.hint));
        }
        return;
      }
      const template = err instanceof TemplateError ? err : undefined;
      const name = template?.undefinedName;
      // facts, registered names, lookups that only a real run performs (pipe, a new password file),
      // and failed lookups: Ansible fails the task when it runs, it does not refuse the playbook
      if (name !== undefined && (name.startsWith('ansible_') || name.startsWith('lookup(') || name.startsWith('lookup-failed(') || runtime.has(name.split('.')[0] ?? name))) return;
      const key = err.message;
      if (seen.has(key)) return;
      seen.add(key);
      const detail = template?.detail ?? (err instanceof SchemaError ? err.detail : err.message);
      errors.push(new SchemaError(`${detail} (task '${task.name}' for ${host}, ${task.pos.file}:${task.pos.line})`, template?.pos ?? task.pos, err.hint));
    },
  });
  return errors;
}
