/** Loads and validates everything a command needs before any host is touched. */
import { resolve } from 'node:path';
import { ExitCode, HapbError, InputErrors, SchemaError } from '../errors/index.js';
import type { Vars } from '../engine/types.js';
import { loadInventory } from '../inventory/index.js';
import type { Inventory } from '../inventory/types.js';
import { getModule, moduleNames } from '../modules/index.js';
import { loadPlaybook } from '../playbook/load.js';
import type { Playbook } from '../playbook/types.js';
import { runSecrets } from '../secrets/registry.js';
import { learnInputSecrets } from '../secrets/sources.js';
import { checkFinalVars } from '../validate/final-vars.js';
import { parseExtraVarsLocated } from './extra-vars.js';

export interface Inputs {
  inventory: Inventory;
  playbook: Playbook;
  extraVars: Vars;
  warnings: string[];
}

export function requireInventory(path: string | undefined): string {
  const p = path ?? process.env.HAPB_INVENTORY;
  if (!p) {
    throw new HapbError('no inventory given', { exitCode: ExitCode.invalidInput, hint: 'pass -i INVENTORY (e.g. -i inventory/seed.yml) or set HAPB_INVENTORY' });
  }
  return resolve(p);
}

/** The loader's view of the module registry. */
export const moduleCatalog = { lookup: getModule, names: moduleNames };

const clusterRoles = new Set(['keepalived', 'nginx_director', 'web_backend']);

export function loadInputs(playbookPath: string, inventoryPath: string | undefined, extra: readonly string[]): Inputs {
  const errors: SchemaError[] = [];
  const collect = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof InputErrors) errors.push(...e.errors);
      else if (e instanceof SchemaError) errors.push(e);
      else throw e;
      return undefined;
    }
  };
  const invPath = requireInventory(inventoryPath);
  const inventory = collect(() => loadInventory(invPath));
  const playbook = collect(() => loadPlaybook(resolve(playbookPath), { modules: moduleCatalog }));
  const extra_ = collect(() => parseExtraVarsLocated(extra));
  const extraVars = extra_?.vars ?? {};
  // secrets are known before anything (an error message included) is printed
  learnInputSecrets(runSecrets, { inventory, playbook, extraVars, extraVarsFiles: extra_?.files });
  const warnings: string[] = [];
  if (inventory && playbook) {
    // role argument specs and cluster checks, on the final variables (-e included)
    const checked = checkFinalVars({ playbook, inventory, extraVars, extraVarsPos: (k) => extra_?.pos.get(k), clusterRoles });
    errors.push(...checked.errors);
    warnings.push(...checked.warnings);
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new InputErrors(errors);
  if (!inventory || !playbook) throw new HapbError('could not load the inputs', { exitCode: ExitCode.invalidInput });
  return { inventory, playbook, extraVars, warnings };
}
