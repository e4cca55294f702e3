/**
 * The normalized task result and the events the engine emits. The progress
 * display, the recap, -o json and the tests all listen to these events.
 */
import type { SourcePos } from '../errors/index.js';

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

export type EngineEvent =
  | { type: 'playbook.start'; file: string; check: boolean; diff: boolean }
  | { type: 'play.start'; name: string; hosts: string[]; batch?: { index: number; count: number } }
  | { type: 'task.start'; name: string; role?: string; handler: boolean; hosts: string[]; pos?: SourcePos }
  | {
      type: 'host.result';
      host: string;
      task: string;
      role?: string;
      /** canonical module name */
      module?: string;
      handler: boolean;
      status: TaskStatus;
      result: TaskResult;
    }
  | { type: 'warning'; message: string; host?: string }
  | { type: 'play.end'; name: string }
  | { type: 'playbook.end'; recap: Recap };

export type EventListener = (event: EngineEvent) => void;
