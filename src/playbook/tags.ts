/**
 * Tag selection as Ansible's Taggable.evaluate_tags does it. A task's tags
 * are its own with those of its role and play; a task without tags counts as
 * tagged `untagged`. Special names: `all` (every task but `never` ones),
 * `tagged`, `untagged`, `always` (runs unless skipped by name), `never` (runs
 * only when one of its other tags is asked for).
 */
import type { Play, Task } from './types.js';

/** The task's tags with those it inherits from its role and play, without repeats. */
export function taskTags(play: Pick<Play, 'tags'> | undefined, task: Pick<Task, 'tags' | 'role'>): string[] {
  return [...new Set([...(play?.tags ?? []), ...(task.role?.tags ?? []), ...task.tags])];
}

/** --tags / --skip-tags values: comma-separated, repeatable, trimmed; empty --tags means all. */
export function splitTags(values: readonly string[] | string | undefined): string[] {
  const list = values === undefined ? [] : typeof values === 'string' ? [values] : values;
  return [...new Set(list.flatMap((v) => v.split(',')).map((t) => t.trim()).filter((t) => t !== ''))];
}

/** Whether a task with these tags runs under --tags `only` and --skip-tags `skip`. */
export function evaluateTags(tags: readonly string[], only: readonly string[] | undefined, skip: readonly string[] | undefined): boolean {
  const t = new Set(tags.length > 0 ? tags : ['untagged']);
  const untagged = tags.length === 0;
  const onlyTags = only && only.length > 0 ? only : ['all'];
  let run = false;
  if (t.has('always')) run = true;
  else if (onlyTags.includes('all') && !t.has('never')) run = true;
  else if (onlyTags.some((x) => t.has(x))) run = true;
  else if (onlyTags.includes('tagged') && !untagged && !t.has('never')) run = true;
  if (run && skip && skip.length > 0) {
    if (skip.includes('all')) {
      if (!t.has('always') || skip.includes('always')) run = false;
    } else if (skip.some((x) => t.has(x))) run = false;
    else if (skip.includes('tagged') && !untagged) run = false;
  }
  return run;
}
