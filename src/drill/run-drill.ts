/**
 * A whole drill: for each profile, converge the lab to it, then run the
 * scenarios in order (paired ones chain through the drill state).
 * With both profiles the tutorial's verdicts are informational: it is the
 * reference being compared against, and the drill's verdict is hapb's.
 */
import type { LabControl } from './lab-control.js';
import { runScenario, type RunOptions, type ScenarioListener } from './scenarios/run-scenario.js';
import type { Scenario } from './scenarios/types.js';
import type { DrillReport, Profile, ScenarioResult } from './types.js';

export interface DrillListener extends ScenarioListener {
  profileStart?(profile: Profile): void;
  scenarioStart?(scenario: Scenario, profile: Profile): void;
  scenarioEnd?(result: ScenarioResult): void;
}

export function markInformational(r: ScenarioResult): ScenarioResult {
  return { ...r, verdicts: r.verdicts.map((v) => ({ ...v, informational: true })), pass: r.error === undefined };
}

export function overallPass(results: ScenarioResult[]): boolean {
  return results.every((r) => r.pass);
}

export async function runDrill(
  lab: LabControl,
  list: Scenario[],
  profiles: Profile[],
  opts: RunOptions,
  listener: DrillListener = {},
): Promise<DrillReport> {
  const startedAt = new Date().toISOString();
  const results: ScenarioResult[] = [];
  for (const profile of profiles) {
    listener.profileStart?.(profile);
    await lab.applyProfile(profile);
    const state = {};
    for (const s of list) {
      listener.scenarioStart?.(s, profile);
      let r = await runScenario(lab, s, profile, state, opts, listener);
      if (profiles.length > 1 && profile === 'tutorial') r = markInformational(r);
      results.push(r);
      listener.scenarioEnd?.(r);
    }
  }
  return { schema: 'hapb-drill/1', lab: lab.name, startedAt, profiles, results, pass: overallPass(results) };
}
