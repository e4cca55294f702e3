/**
 * Before any host is touched: render every template the playbook would write
 * (as `hapb render` does) and report undefined variables as input errors.
 * Names that only exist at run time are not held against a template:
 * facts (ansible_*), registered results, set_fact names and loop variables.
 */
import { ExitCode, HapbError, SchemaError } from '../errors/index.js';
import type { Playbook, Task } from '../playbook/types.js';
import { renderPlaybook, type RenderOptions } from './render.js';

export function runtimeNames(playbook: Playbook): Set<string> {
  const names = new Set<string>(['item']);
  const tasks: Task[] = playbook.plays.flatMap((p) => [...p.preTasks, ...p.roles.flatMap((r) => [...r.tasks, ...r.handlers]), ...p.tasks, ...p.postTasks, ...p.handlers]);
  for (const t of tasks) {
    if (t.register) names.add(t.register);
    if (t.loop_control?.loop_var) names.add(t.loop_control.loop_var);
    if (t.module === 'set_fact') for (const k of Object.keys(t.args)) names.add(k);
  }
  return names;
}

export function preflightTemplates(opts: Omit<RenderOptions, 'onError'>): SchemaError[] {
  const runtime = runtimeNames(opts.playbook);
  const errors: SchemaError[] = [];
  const seen = new Set<string>();
  renderPlaybook({
    ...opts,
    onError: (err, task, host) => {
      if (!(err instanceof HapbError) || err.exitCode !== ExitCode.invalidInput) return;
      const name = /undefined variable '([^']+)'/.exec(err.message)?.[1];
      if (name && (name.startsWith('ansible_') || runtime.has(name.split('.')[0] ?? name))) return;
      const key = err.message;
      if (seen.has(key)) return;
      seen.add(key);
      const pos = (err as { pos?: SchemaError['pos'] }).pos ?? task.pos;
      const detail = err.message.replace(/^\S+:\d+:\d+: /, '');
      errors.push(new SchemaError(`${detail} (task '${task.name}' for ${host}, ${task.pos.file}:${task.pos.line})`, pos, err.hint));
    },
  });
  return errors;
}
