/** Turn the command line's scenario names (and plan names) into scenarios. */
import { ExitCode, HapbError } from '../errors/index.js';
import { plans, scenarios } from './scenarios/catalog.js';
import type { Scenario } from './scenarios/types.js';
import { gamedayScenarios } from './gameday/scenarios.js';

/** the faults that are not clean deaths (src/drill/gameday/scenarios.ts): on a lab too, by name or as plan new-faults */
const extra: Record<string, readonly string[]> = { 'new-faults': gamedayScenarios.map((s) => s.name) };

export function scenarioNames(): string[] {
  return [...scenarios.map((s) => s.name), ...gamedayScenarios.map((s) => s.name), ...Object.keys(plans), ...Object.keys(extra)];
}

/**
 * `directors`: the lab's number of directors, when known: a plan leaves out
 * the scenarios that need more; naming one of them is an error.
 */
export function resolveScenarios(names: string[], directors?: number): Scenario[] {
  const wanted = names.length === 0 ? ['all'] : names;
  const out: Scenario[] = [];
  for (const name of wanted) {
    const fromPlan = plans[name] !== undefined || extra[name] !== undefined;
    const expanded = plans[name] ?? extra[name] ?? [name];
    for (const n of expanded) {
      const s = scenarios.find((x) => x.name === n) ?? gamedayScenarios.find((x) => x.name === n);
      if (!s) {
        throw new HapbError(`unknown scenario "${name}"`, {
          exitCode: ExitCode.invalidInput,
          hint: `known: ${scenarioNames().join(', ')}`,
        });
      }
      const need = s.minDirectors ?? 2;
      if (directors !== undefined && directors < need) {
        if (fromPlan) continue;
        throw new HapbError(`scenario ${s.name} needs ${need} directors, the lab has ${directors}`, {
          exitCode: ExitCode.invalidInput,
          hint: 'boot a lab with more directors, e.g. hapb lab up -i inventory/active-active.yml',
        });
      }
      out.push(s);
    }
  }
  return out;
}
