/**
 * A whole drill: for each profile, converge the lab to it, then run the
 * scenarios in order. In mode healthy-start (the default) every scenario
 * starts from the healthy converged state of the profile: after each one the
 * drill repairs what it left broken and records that as the scenario's
 * findings (src/drill/healthy.ts). In mode carry-over each scenario starts from
 * what the previous one left, and paired ones chain through the drill state.
 * With both profiles the tutorial's verdicts are informational: it is the
 * reference being compared against, and the drill's verdict is hapb's.
 */
import { systemClock } from '../core/clock.js';
import { errorMessage } from '../errors/index.js';
import { ensureHealthy, type HealOptions } from './healthy.js';
import type { LabControl } from './lab-control.js';
import { runScenario, type RunOptions, type ScenarioListener } from './scenarios/run-scenario.js';
import { waitStableHolder } from './scenarios/steps.js';
import type { DrillState, Scenario } from './scenarios/types.js';
import { summarize } from './summary.js';
import type { DrillMode, DrillReport, Finding, Profile, ScenarioResult } from './types.js';

export interface DrillListener extends ScenarioListener {
  profileStart?(profile: Profile): void;
  scenarioStart?(scenario: Scenario, profile: Profile): void;
  scenarioEnd?(result: ScenarioResult): void;
}

export interface DrillRunOptions extends RunOptions {
  /** default healthy-start */
  mode?: DrillMode;
  /** timings of the way back to health (tests shorten them) */
  heal?: Omit<HealOptions, 'step' | 'clock'>;
}

export function markInformational(r: ScenarioResult): ScenarioResult {
  return { ...r, verdicts: r.verdicts.map((v) => ({ ...v, informational: true })), pass: r.error === undefined };
}

export function overallPass(results: ScenarioResult[]): boolean {
  return results.every((r) => r.pass);
}

/** a scenario that could not start because the cluster could not be made healthy */
function notStarted(s: Scenario, profile: Profile, lab: LabControl, opts: RunOptions, why: string): ScenarioResult {
  const clock = opts.clock ?? systemClock;
  return {
    scenario: s.name,
    profile,
    description: s.description,
    t0Epoch: clock.now(),
    durationMs: s.durationMs,
    load: { url: lab.topology.url, rate: opts.rate, timeoutMs: opts.timeoutMs, durationMs: s.durationMs, keepalive: opts.keepalive },
    records: [],
    events: [],
    deaths: [],
    windows: [],
    summary: summarize([]),
    verdicts: [],
    pass: false,
    error: `not started: ${why}`,
  };
}

export async function runDrill(
  lab: LabControl,
  list: Scenario[],
  profiles: Profile[],
  opts: DrillRunOptions,
  listener: DrillListener = {},
): Promise<DrillReport> {
  const startedAt = new Date().toISOString();
  const mode: DrillMode = opts.mode ?? 'healthy-start';
  const results: ScenarioResult[] = [];
  const setup: { profile: Profile; findings: Finding[] }[] = [];
  const heal = (profile: Profile, state: DrillState): Promise<Finding[]> =>
    ensureHealthy(lab, profile, state, {
      ...opts.heal,
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(listener.step ? { step: (l: string) => listener.step?.(l) } : {}),
    });
  for (const profile of profiles) {
    listener.profileStart?.(profile);
    await lab.applyProfile(profile);
    await waitStableHolder(lab, opts.settleMs ?? 8000, undefined, opts.clock);
    const state: DrillState = {};
    /** why the cluster is not healthy now (healthy-start mode), else undefined */
    let unhealthy: string | undefined;
    if (mode === 'healthy-start') {
      try {
        const found = await heal(profile, state);
        if (found.length) setup.push({ profile, findings: found });
      } catch (err) {
        unhealthy = errorMessage(err);
      }
    }
    for (const s of list) {
      listener.scenarioStart?.(s, profile);
      if (mode === 'healthy-start' && unhealthy !== undefined) {
        // the previous repair failed: try once more, the scenario runs only from a healthy cluster
        try {
          const found = await heal(profile, state);
          const prev = results[results.length - 1];
          if (prev?.profile === profile) prev.findings = [...(prev.findings ?? []), ...found];
          else if (found.length) setup.push({ profile, findings: found });
          unhealthy = undefined;
        } catch (err) {
          unhealthy = errorMessage(err);
        }
      }
      let r =
        unhealthy !== undefined ? notStarted(s, profile, lab, opts, `the cluster is not healthy: ${unhealthy}`) : await runScenario(lab, s, profile, state, opts, listener);
      if (mode === 'healthy-start' && unhealthy === undefined) {
        // what this scenario left, repaired now: the next one starts healthy
        try {
          r.findings = await heal(profile, state);
        } catch (err) {
          unhealthy = errorMessage(err);
          r.findings = [];
          r.error = [r.error, `the cluster could not be made healthy afterwards: ${unhealthy}`].filter(Boolean).join('; ');
          r.pass = false;
        }
      }
      if (profiles.length > 1 && profile === 'tutorial') r = markInformational(r);
      results.push(r);
      listener.scenarioEnd?.(r);
    }
  }
  return {
    schema: 'hapb-drill/1',
    lab: lab.name,
    startedAt,
    profiles,
    mode,
    ...(setup.length ? { setup } : {}),
    results,
    pass: overallPass(results),
  };
}
