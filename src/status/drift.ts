/**
 * Drift: a check-mode converge of the cluster's playbook (as `hapb run
 * --check`), in this process, recording per host which tasks would change.
 */
import type { ConnectionFactory, ConnectionOptions } from '../connection/types.js';
import { runPlaybook } from '../engine/run-playbook.js';
import type { EngineEvent, Vars } from '../engine/types.js';
import { errorMessage } from '../errors/index.js';
import { gatherFacts } from '../facts/gather.js';
import type { Inventory } from '../inventory/types.js';
import { getModule } from '../modules/index.js';
import type { Playbook } from '../playbook/types.js';
import type { DriftStatus } from './types.js';

export interface DriftOptions {
  playbook: Playbook;
  inventory: Inventory;
  extraVars: Vars;
  connect: ConnectionFactory;
  connectionOptions: ConnectionOptions;
  forks: number;
}

/** the tasks that would change and the hosts that failed, from the engine's events */
export function driftCollector(): { listener: (e: EngineEvent) => void; changes: Record<string, string[]>; errors: Record<string, string> } {
  const changes: Record<string, string[]> = {};
  const errors: Record<string, string> = {};
  const listener = (e: EngineEvent): void => {
    if (e.type !== 'host.result') return;
    const task = e.role ? `${e.role} : ${e.task}` : e.task;
    if (e.status === 'changed') (changes[e.host] ??= []).push(task);
    else if (e.status === 'failed' && !e.result.ignored) errors[e.host] ??= `task "${task}" failed: ${String(e.result.msg ?? '').split('\n')[0] ?? ''}`;
    else if (e.status === 'unreachable') errors[e.host] ??= `unreachable: ${String(e.result.msg ?? '').split('\n')[0] ?? ''}`;
  };
  return { listener, changes, errors };
}

export async function checkDrift(opts: DriftOptions): Promise<DriftStatus> {
  const c = driftCollector();
  const base = { playbook: opts.playbook.file };
  try {
    const outcome = await runPlaybook({
      playbook: opts.playbook,
      inventory: opts.inventory,
      modules: { get: getModule },
      connect: opts.connect,
      connectionOptions: opts.connectionOptions,
      gatherFacts,
      extraVars: opts.extraVars,
      check: true,
      diff: false,
      forks: opts.forks,
      listeners: [c.listener],
    });
    for (const host of Object.keys(outcome.recap)) c.changes[host] ??= [];
    return { ...base, changes: c.changes, errors: c.errors };
  } catch (e) {
    return { ...base, changes: c.changes, errors: c.errors, error: errorMessage(e) };
  }
}
