/** Loads and validates everything a command needs before any host is touched. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ansibleConfig } from '../config/index.js';
import { ExitCode, HapbError, InputErrors, SchemaError } from '../errors/index.js';
import type { Vars } from '../engine/types.js';
import { loadInventory } from '../inventory/index.js';
import { labInventoryPath, listLabs } from '../lab/index.js';
import type { Inventory } from '../inventory/types.js';
import { getModule, moduleNames } from '../modules/index.js';
import { loadPlaybook } from '../playbook/load.js';
import type { Playbook } from '../playbook/types.js';
import { runSecrets } from '../secrets/registry.js';
import { learnInputSecrets } from '../secrets/sources.js';
import { checkFinalVars } from '../validate/final-vars.js';
import { applyBecomeFlags, flagVarsIntoInventory, type ConnectionFlags } from './connection-flags.js';
import { parseExtraVarsLocated } from './extra-vars.js';

export interface Inputs {
  inventory: Inventory;
  playbook: Playbook;
  extraVars: Vars;
  warnings: string[];
}

/**
 * The inventory sources: every `-i` in order (merged as Ansible merges them),
 * else $HAPB_INVENTORY, else ansible.cfg's inventory (or $ANSIBLE_INVENTORY),
 * else the inventory of the running lab ($HAPB_LAB, or
 * the only lab running). Never a default file: inventory/seed.yml's
 * addresses exist only inside a lab. A `-i` with a comma that is not a file
 * is a host list and stays as typed.
 */
export function requireInventory(given: string | readonly string[] | undefined): string[] {
  const list = given === undefined ? [] : typeof given === 'string' ? [given] : [...given];
  if (list.length > 0) return list.map(asSource);
  const env = process.env.HAPB_INVENTORY;
  if (env) return [asSource(env)];
  const fromConfig = ansibleConfig().inventory;
  if (fromConfig && fromConfig.length > 0) return fromConfig.map(asSource);
  const lab = runningLabInventory();
  if (lab) return [lab];
  throw new HapbError('no inventory given', {
    exitCode: ExitCode.invalidInput,
    hint: "pass -i INVENTORY (a YAML or INI file, a directory, or hosts as -i 'web1,web2,'), set HAPB_INVENTORY, or start a lab (hapb lab up): its inventory is the default while it runs",
  });
}

function asSource(path: string): string {
  return path.includes(',') && !existsSync(path) ? path : resolve(path);
}

/** The inventory of the running lab, when there is exactly one to choose. */
function runningLabInventory(): string | undefined {
  let labs;
  try {
    labs = listLabs().filter((l) => l.running > 0);
  } catch {
    return undefined;
  }
  const wanted = process.env.HAPB_LAB;
  if (wanted) {
    const lab = labs.find((l) => l.name === wanted);
    if (!lab) throw new HapbError(`no inventory given and lab '${wanted}' ($HAPB_LAB) is not running`, { exitCode: ExitCode.invalidInput, hint: `start it (hapb lab up --name ${wanted}) or pass -i INVENTORY` });
    return existsOrUndefined(labInventoryPath(lab.name));
  }
  if (labs.length > 1) {
    throw new HapbError(`no inventory given and ${labs.length} labs are running (${labs.map((l) => l.name).join(', ')})`, { exitCode: ExitCode.invalidInput, hint: 'choose one with HAPB_LAB=NAME, or pass -i INVENTORY' });
  }
  const only = labs[0];
  return only ? existsOrUndefined(labInventoryPath(only.name)) : undefined;
}

function existsOrUndefined(path: string): string | undefined {
  return existsSync(path) ? path : undefined;
}

/** The loader's view of the module registry. */
export const moduleCatalog = { lookup: getModule, names: moduleNames };

const clusterRoles = new Set(['keepalived', 'nginx_director', 'web_backend']);

export function loadInputs(playbookPath: string, inventoryPath: string | readonly string[] | undefined, extra: readonly string[], flags: ConnectionFlags = {}): Inputs {
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
  if (inventory) flagVarsIntoInventory(inventory, flags);
  const config = ansibleConfig();
  const playbook = collect(() => loadPlaybook(resolve(playbookPath), { modules: moduleCatalog, rolesPath: config.rolesPath }));
  if (playbook) {
    // -b / --become-user first, then ansible.cfg's [privilege_escalation]: both only for plays that do not say
    applyBecomeFlags(playbook, flags);
    if (config.become) for (const play of playbook.plays) play.become ??= true;
    if (config.origins.become_user !== 'default') for (const play of playbook.plays) play.becomeUser ??= config.becomeUser;
  }
  const extra_ = collect(() => parseExtraVarsLocated(extra));
  const extraVars = extra_?.vars ?? {};
  // secrets are known before anything (an error message included) is printed
  learnInputSecrets(runSecrets, { inventory, playbook, extraVars, extraVarsFiles: extra_?.files });
  const warnings: string[] = [...config.warnings];
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
