/**
 * Task structure helpers for the loader: what blocks, imports and includes
 * pass down to their tasks (Ansible's inheritance of task keywords), and the
 * files roles and imports name.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Vars } from '../core/types.js';
import { isBlock, isInclude, type Inherited, type Task, type TaskNode } from './types.js';

export function emptyInherited(): Inherited {
  return { when: [], tags: [], vars: {} };
}

/** `outer` around `inner`: conditions and tags add up (outer first), vars merge (inner wins), the rest: inner, else outer. */
export function mergeInherited(outer: Inherited, inner: Inherited): Inherited {
  const out: Inherited = { when: [...outer.when, ...inner.when], tags: union(outer.tags, inner.tags), vars: { ...outer.vars, ...inner.vars } };
  for (const k of DEFAULTS) {
    const v = inheritedValue(k, outer[k], inner[k]);
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** an inherited keyword of an outer level and an inner one: the inner's, but `environment` adds up */
function inheritedValue(k: (typeof DEFAULTS)[number], outer: unknown, inner: unknown): unknown {
  return k === 'environment' ? mergeEnvironment(outer, inner) : (inner ?? outer);
}

/**
 * `environment:` of an outer level (play, block, include) and an inner one:
 * both apply, the inner's names winning name by name (Ansible's environment
 * is a list extended from the parents, merged in order when the task runs).
 */
export function mergeEnvironment(outer: unknown, inner: unknown): unknown {
  if (outer === undefined) return inner;
  if (inner === undefined) return outer;
  return [...(Array.isArray(outer) ? outer : [outer]), ...(Array.isArray(inner) ? inner : [inner])];
}

const DEFAULTS = ['become', 'become_user', 'ignore_errors', 'check_mode', 'diff', 'no_log', 'environment', 'delegate_to', 'delegate_facts', 'run_once', 'any_errors_fatal'] as const;

/** Pass `inh` down to every node (new objects: a role's cached tasks are shared). */
export function inherit(nodes: readonly TaskNode[], inh: Inherited): TaskNode[] {
  if (isEmpty(inh)) return [...nodes];
  return nodes.map((n): TaskNode => {
    if (isBlock(n)) return { ...n, block: inherit(n.block, inh), rescue: inherit(n.rescue, inh), always: inherit(n.always, inh) };
    if (isInclude(n)) return { ...n, when: [...inh.when, ...n.when], tags: union(inh.tags, n.tags), apply: mergeInherited(inh, n.apply) };
    return inheritTask(n, inh);
  });
}

function inheritTask(t: Task, inh: Inherited): Task {
  const out: Task = { ...t, when: [...inh.when, ...t.when], tags: union(inh.tags, t.tags), vars: { ...inh.vars, ...t.vars } };
  const rec = out as unknown as Record<string, unknown>;
  for (const k of DEFAULTS) {
    const v = inheritedValue(k, inh[k], rec[k]);
    if (v !== undefined) rec[k] = v;
  }
  return out;
}

function isEmpty(inh: Inherited): boolean {
  return inh.when.length === 0 && inh.tags.length === 0 && Object.keys(inh.vars).length === 0 && DEFAULTS.every((k) => inh[k] === undefined);
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}

/** A file of a role's sub-folder: `main` or the name given (tasks_from: setup → tasks/setup.yml). */
export function roleFile(roleDir: string, sub: string, name = 'main'): string | undefined {
  const base = join(roleDir, sub, name);
  const candidates = /\.ya?ml$/.test(name) ? [base] : [`${base}.yml`, `${base}.yaml`, base];
  return candidates.find((f) => existsSync(f));
}

/**
 * Where import_tasks/include_tasks look for a relative file: inside a role,
 * its tasks/ folder, then the including file's folder; else the including
 * file's folder, then the playbook's.
 */
export function taskFileCandidates(name: string, dir: string, roleDir: string | undefined, playbookDir: string): string[] {
  if (isAbsolute(name)) return [name];
  const dirs = [...(roleDir ? [join(roleDir, 'tasks')] : []), dir, playbookDir];
  return [...new Set(dirs.map((d) => resolve(d, name)))];
}

/** The keyword values on a block/import/include mapping that it passes down. */
export function inheritedOf(r: Record<string, unknown>, bool: (key: string) => boolean | undefined, conditions: (v: unknown) => string[], list: (v: unknown) => string[]): Inherited {
  const inh: Inherited = { when: conditions(r.when), tags: list(r.tags), vars: { ...((r.vars as Vars | undefined) ?? {}) } };
  for (const k of ['become', 'ignore_errors', 'check_mode', 'diff', 'no_log', 'delegate_facts', 'run_once', 'any_errors_fatal'] as const) {
    const b = bool(k);
    if (b !== undefined) inh[k] = b;
  }
  if (typeof r.become_user === 'string') inh.become_user = r.become_user;
  if (typeof r.delegate_to === 'string') inh.delegate_to = r.delegate_to;
  if (r.environment !== undefined) inh.environment = r.environment;
  return inh;
}

/** Apply `fn` to every task of a tree (new nodes); includes get `onInclude`. */
export function mapTasks(nodes: readonly TaskNode[], fn: (t: Task) => Task, onInclude: (i: import('./types.js').Include) => import('./types.js').Include = (i) => i): TaskNode[] {
  return nodes.map((n): TaskNode => {
    if (isBlock(n)) return { ...n, block: mapTasks(n.block, fn, onInclude), rescue: mapTasks(n.rescue, fn, onInclude), always: mapTasks(n.always, fn, onInclude) };
    if (isInclude(n)) return onInclude(n);
    return fn(n);
  });
}
