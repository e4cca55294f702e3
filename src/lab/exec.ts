/** Run a command inside a lab machine: nsenter into all its namespaces. */
import { LabError, requireRoot } from './errors.js';
import { findLeader, machineAlive, machineEnv } from './machine.js';
import { run } from './run.js';
import type { ExecResult } from '../connection/types.js';
import { loadLab, machineOf, type MachineState } from './state.js';

export interface ExecInOptions {
  /** 'pipe' (default) collects output; 'inherit' streams this process's stdio */
  stdio?: 'pipe' | 'inherit';
  input?: string;
  timeoutMs?: number;
}

/** PID 1 of a running machine, as seen from here; throws when the machine is off */
export function leaderOf(lab: string, m: MachineState): number {
  const leader = m.pid !== undefined && machineAlive(m) ? findLeader(m.pid) : undefined;
  if (leader === undefined) throw new LabError(`${m.host} is powered off`, { hint: `hapb lab poweron --name ${lab} ${m.host}` });
  return leader;
}

export function nsenterArgv(leader: number, argv: string[]): string[] {
  return ['nsenter', '-t', String(leader), '-a', ...argv];
}

/**
 * Run argv in `host` of `lab`. Resolves with the exit code (never throws for
 * rc != 0; a command killed by a signal reports 128 + its number, like a shell).
 */
export async function execIn(lab: string, host: string, argv: string[], opts: ExecInOptions = {}): Promise<ExecResult> {
  requireRoot();
  const m = machineOf(loadLab(lab), host);
  const full = nsenterArgv(leaderOf(lab, m), argv);
  const r = await run(full, {
    env: machineEnv(),
    ...(opts.stdio === 'inherit' ? { stdio: 'inherit' as const } : {}),
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  return { rc: r.rc ?? (r.signal ? 128 + signalNumber(r.signal) : 1), stdout: r.stdout, stderr: r.stderr };
}

function signalNumber(sig: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return table[sig] ?? 1;
}
