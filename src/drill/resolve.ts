/** Turn the command line's scenario names (and plan names) into scenarios. */
import { ExitCode, HapbError } from '../errors/index.js';
import { plans, scenarios } from './scenarios/catalog.js';
import type { Scenario } from './scenarios/types.js';

export function scenarioNames(): string[] {
  return [...scenarios.map((s) => s.name), ...Object.keys(plans)];
}

/**
 * `directors`: the lab's number of directors, when known: a plan leaves out
 * the scenarios that need more; naming one of them is an error.
 */
export function resolveScenarios(names: string[], directors?: number): Scenario[] {
  const wanted = names.length === 0 ? ['all'] : names;
  const out: Scenario[] = [];
  for (const name of wanted) {
    const fromPlan = plans[name] !== undefined;
    const expanded = plans[name] ?? [name];
    for (const n of expanded) {
      const s = scenarios.find((x) => x.name === n);
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
