/**
 * The base types every layer shares: variables, the normalized task result
 * and a file's --diff entry. This folder imports nothing of hapb's: it sits
 * below every other part (eslint.config.js keeps it so).
 */

export type Vars = Record<string, unknown>;

export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

/** A change to one file, for --diff. Secrets are masked before it is emitted. */
export interface FileDiff {
  path: string;
  before: string;
  after: string;
  /** set when the file is binary or too large to show */
  omitted?: string;
}

/** One task's result on one host (Ansible's result dict, normalized). */
export interface TaskResult {
  changed: boolean;
  failed: boolean;
  skipped: boolean;
  unreachable: boolean;
  msg?: string;
  diff?: FileDiff[];
  rc?: number;
  stdout?: string;
  stderr?: string;
  /** per-item results of a loop */
  results?: TaskResult[];
  item?: unknown;
  /** module-specific data, available through `register` */
  [key: string]: unknown;
}

export function newResult(partial: Partial<TaskResult> = {}): TaskResult {
  return { changed: false, failed: false, skipped: false, unreachable: false, ...partial };
}

export function statusOf(r: TaskResult): TaskStatus {
  if (r.unreachable) return 'unreachable';
  if (r.failed) return 'failed';
  if (r.skipped) return 'skipped';
  return r.changed ? 'changed' : 'ok';
}

export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export type Recap = Record<string, HostStats>;
