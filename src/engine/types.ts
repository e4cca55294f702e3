/**
 * The events the engine emits. The progress display, the recap, -o json and
 * the tests all listen to these events. The result types live in core/.
 */
import type { FileDiff, HostStats, Recap, TaskResult, TaskStatus, Vars } from '../core/types.js';
import type { SourcePos } from '../errors/index.js';

export { newResult, statusOf } from '../core/types.js';
export type { FileDiff, HostStats, Recap, TaskResult, TaskStatus, Vars };

export type EngineEvent =
  | { type: 'playbook.start'; file: string; check: boolean; diff: boolean }
  | { type: 'play.start'; name: string; hosts: string[]; batch?: { index: number; count: number }; pos?: SourcePos }
  | { type: 'task.start'; name: string; role?: string; handler: boolean; hosts: string[]; pos?: SourcePos }
  | {
      type: 'host.result';
      host: string;
      task: string;
      role?: string;
      /** canonical module name */
      module?: string;
      /** delegate_to: the host the task ran on for `host` (Ansible shows "[host -> delegate]") */
      delegate?: string;
      /** include_tasks/include_role: the file included (Ansible shows "included: FILE for HOSTS") */
      included?: string;
      /** on the first host's event of an included file only: every host that includes it (one "included:" line for them all) */
      includedFor?: string[];
      handler: boolean;
      status: TaskStatus;
      result: TaskResult;
    }
  /**
   * include_tasks/include_role: the include task's own result for a host (what
   * Ansible's json callback records under the include task, before any file
   * is loaded); counted nowhere, and the text output shows nothing for it
   */
  | { type: 'include.result'; host: string; task: string; role?: string; module: string; result: TaskResult }
  | { type: 'host.retry'; host: string; task: string; retriesLeft: number; result: TaskResult }
  | { type: 'warning'; message: string; host?: string }
  | { type: 'play.end'; name: string }
  | { type: 'playbook.end'; recap: Recap };

export type EventListener = (event: EngineEvent) => void;
