/** What the engine knows about each host during a run. */
import type { Connection } from '../connection/types.js';
import type { Task } from '../playbook/types.js';
import type { HostStats, Vars } from './types.js';

export interface HostState {
  name: string;
  /** gathered facts (ansible_* names) */
  facts: Vars;
  /** set_fact and register results: above play vars, below -e */
  runtime: Vars;
  /** handler names and listen topics notified and not yet run */
  notified: Set<string>;
  /** the handlers those names went to when notified (handlerNamed: one per name) */
  notifiedHandlers: Set<Task>;
  failed: boolean;
  unreachable: boolean;
  connection?: Connection;
  stats: HostStats;
}

let downs = 0;

/** A number that changes whenever a host is marked failed or unreachable (or no longer). */
export function hostsDownVersion(): number {
  return downs;
}

export function newHostState(name: string): HostState {
  let failed = false;
  let unreachable = false;
  return {
    name,
    facts: {},
    runtime: {},
    notified: new Set(),
    notifiedHandlers: new Set(),
    get failed() {
      return failed;
    },
    set failed(v: boolean) {
      if (v !== failed) downs++;
      failed = v;
    },
    get unreachable() {
      return unreachable;
    },
    set unreachable(v: boolean) {
      if (v !== unreachable) downs++;
      unreachable = v;
    },
    stats: { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 },
  };
}
