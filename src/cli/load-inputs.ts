/** Loads and validates everything a command needs before any host is touched. */
import { resolve } from 'node:path';
import { validateCluster } from '../cluster/validate.js';
import { ansibleConfig } from '../config/index.js';
import { ExitCode, HapbError, InputErrors, SchemaError } from '../errors/index.js';
import type { Vars } from '../engine/types.js';
import { loadInventory } from '../inventory/index.js';
import type { Inventory } from '../inventory/types.js';
import { getModule, moduleNames } from '../modules/index.js';
import { loadPlaybook } from '../playbook/load.js';
import type { Playbook } from '../playbook/types.js';
import { parseExtraVars } from './extra-vars.js';

export interface Inputs {
  inventory: Inventory;
  playbook: Playbook;
  extraVars: Vars;
  warnings: string[];
}

/** -i, else $HAPB_INVENTORY, else ansible.cfg's inventory (or $ANSIBLE_INVENTORY) */
export function requireInventory(path: string | undefined): string {
  const fromConfig = ansibleConfig().inventory;
  if (path === undefined && !process.env.HAPB_INVENTORY && fromConfig && fromConfig.length > 1) {
    const origin = ansibleConfig().origins.inventory ?? 'ansible.cfg';
    throw new HapbError(`${origin} names ${fromConfig.length} inventories; hapb reads one`, { exitCode: ExitCode.invalidInput, hint: 'pass -i INVENTORY' });
  }
  const p = path ?? (process.env.HAPB_INVENTORY || fromConfig?.[0]);
  if (!p) {
    throw new HapbError('no inventory given', { exitCode: ExitCode.invalidInput, hint: 'pass -i INVENTORY (e.g. -i inventory/seed.yml), set HAPB_INVENTORY, or [defaults] inventory in ansible.cfg' });
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
  const config = ansibleConfig();
  const playbook = collect(() => loadPlaybook(resolve(playbookPath), { modules: moduleCatalog, rolesPath: config.rolesPath }));
  // [privilege_escalation] become: the default of plays that do not say
  if (playbook && config.become) for (const play of playbook.plays) play.become ??= true;
  if (playbook && config.origins.become_user !== 'default') for (const play of playbook.plays) play.becomeUser ??= config.becomeUser;
  const extraVars = collect(() => parseExtraVars(extra)) ?? {};
  const warnings: string[] = [...config.warnings];
  if (inventory && playbook && playbook.plays.some((p) => p.roles.some((r) => clusterRoles.has(r.name)))) {
    const checked = validateCluster(inventory);
    errors.push(...checked.errors);
    warnings.push(...checked.warnings);
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new InputErrors(errors);
  if (!inventory || !playbook) throw new HapbError('could not load the inputs', { exitCode: ExitCode.invalidInput });
  return { inventory, playbook, extraVars, warnings };
}
