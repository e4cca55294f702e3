/** A scenario: fault steps and recovery under load, then verdicts. */
import type { Clock } from '../../core/clock.js';
import type { LabControl } from '../lab-control.js';
import type { BackoffSighting, Profile, RequestRecord, TimelineEvent, Verdict } from '../types.js';

/**
 * What earlier scenarios left broken, so paired scenarios (lb-nginx-killed then
 * lb-recover) chain, and a lone one first brings its precondition about.
 */
export interface DrillState {
  nginxDown?: string;
  backendStopped?: string;
  poweredOff?: string;
  /** set before a fault is made and cleared once undone, so a failed step is still repaired */
  linkCut?: string;
  partitioned?: boolean;
  keepalivedDown?: string;
  /** a second director powered off while the first still is (lb-two-fail) */
  secondPoweredOff?: string;
}

/**
 * A fault the scenarios make, declared with its undo beside its inject (in
 * catalog.ts): `key` is the DrillState entry that says it is in place, so an
 * interrupted scenario's fault is still undone (restoreHealthy).
 */
export interface Fault {
  readonly key: keyof DrillState;
  /** make it (each fault takes its own arguments: a host, two groups) */
  inject(lab: LabControl, ...args: never[]): Promise<unknown>;
  /** undo it on the host DrillState names (a partition: '') */
  undo(lab: LabControl, host: string): Promise<unknown>;
}

export interface ScenarioContext {
  lab: LabControl;
  profile: Profile;
  state: DrillState;
  /** the time the scenario runs on; untimed waits (prepare) sleep on it */
  clock: Clock;
  /** ms since the load's t0 */
  now(): number;
  /** wait until `ms` after t0 */
  at(ms: number): Promise<void>;
  /** record a timeline event now; returns its time */
  mark(kind: 'fault' | 'recover' | 'note', label: string): number;
  /**
   * the director `host` lost every connection it held (nginx killed, power
   * lost, link cut): `from` is ctx.now() before the fault was made, `atEpoch`
   * the epoch ms it was done (default: now). See src/drill/deaths.ts.
   */
  died(host: string, what: string, from: number, atEpoch?: number | void, opts?: { untilVipTaken?: boolean }): void;
  /** declare a failover window for the latency verdict */
  window(from: number, to: number, label: string): void;
  /** the single director holding the VIP, or the first director if unclear */
  vipHolder(): Promise<string>;
  /** remember a value for the verdicts (the faulted host, the fault time) */
  facts: Record<string, string | number>;
  /** connections sampled waiting for a lost segment (a lossy link, tcp-backoff.ts); kept in the result as `tcpBackoff` */
  sawBackoff(sightings: readonly BackoffSighting[]): void;
}

export interface VerdictInput {
  records: RequestRecord[];
  events: TimelineEvent[];
  windows: { from: number; to: number; label: string }[];
  facts: Record<string, string | number>;
  durationMs: number;
  lab: LabControl;
  /** what the scenario sampled with sawBackoff (empty when it sampled nothing) */
  tcpBackoff: readonly BackoffSighting[];
}

export interface Scenario {
  name: string;
  description: string;
  /** length of the load, ms */
  durationMs: number;
  /** the directors it needs (default 2): plans leave it out on a smaller lab */
  minDirectors?: number;
  /** the load stops as soon as the steps end (durationMs is a ceiling) */
  endsWithSteps?: boolean;
  /** before the load starts, not timed: bring about the precondition */
  prepare?(ctx: ScenarioContext): Promise<void>;
  /** the fault and recovery steps, timed against t0 */
  run(ctx: ScenarioContext): Promise<void>;
  verdicts(input: VerdictInput): Verdict[];
}
