/** What the engine knows about each host during a run. */
import type { Connection } from '../connection/types.js';
import type { HostStats, Vars } from './types.js';

export interface HostState {
  name: string;
  /** gathered facts (ansible_* names) */
  facts: Vars;
  /** set_fact and register results: above play vars, below -e */
  runtime: Vars;
  /** handler names notified and not yet run */
  notified: Set<string>;
  failed: boolean;
  unreachable: boolean;
  connection?: Connection;
  stats: HostStats;
}

export function newHostState(name: string): HostState {
  return {
    name,
    facts: {},
    runtime: {},
    notified: new Set(),
    failed: false,
    unreachable: false,
    stats: { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 },
  };
}
