/**
 * Learns the secrets of a run's inputs before anything is printed: every
 * secret-named variable of every source (inventory, play vars and vars_files,
 * role defaults, vars and parameters, task vars, set_fact arguments, -e), with
 * templated values resolved per host where they can be, and every value of a
 * secret file (src/secrets/registry.ts says which files).
 */
import type { Vars } from '../core/types.js';
import { hostVars, magicVars } from '../inventory/index.js';
import type { Inventory } from '../inventory/types.js';
import { flatTasks, type Playbook } from '../playbook/types.js';
import { createTemplater } from '../template/index.js';
import { loadYamlFile } from '../yaml/load.js';
import { isSecretFile, type SecretRegistry } from './registry.js';

export interface SecretSources {
  inventory?: Inventory | undefined;
  playbook?: Playbook | undefined;
  extraVars?: Vars | undefined;
  /** files given with -e @FILE */
  extraVarsFiles?: readonly string[] | undefined;
}

export function learnInputSecrets(reg: SecretRegistry, src: SecretSources): void {
  const extra = src.extraVars ?? {};
  reg.addFromVars(extra);
  for (const f of src.extraVarsFiles ?? []) if (isSecretFile(f)) learnFile(reg, f);
  const pb = src.playbook;
  if (pb) {
    for (const play of pb.plays) {
      reg.addFromVars(play.vars);
      for (const f of play.varsFiles) if (isSecretFile(f)) learnFile(reg, f);
      for (const role of play.roles) {
        reg.addFromVars(role.defaults);
        reg.addFromVars(role.vars);
        reg.addFromVars(role.params);
      }
      const tasks = [...flatTasks([...play.preTasks, ...play.roles.flatMap((r) => r.tasks), ...play.tasks, ...play.postTasks]), ...play.roles.flatMap((r) => r.handlers), ...play.handlers];
      for (const t of tasks) {
        reg.addFromVars(t.vars);
        if (t.module === 'set_fact') reg.addFromVars(t.args);
      }
    }
  }
  const inv = src.inventory;
  if (!inv) return;
  const templater = createTemplater();
  for (const host of inv.hosts.keys()) {
    const vars = hostVars(inv, host);
    let ctx: Vars | undefined; // built only for a templated secret
    reg.addFromVars(vars, (v) => {
      ctx ??= { ...vars, ...(pb?.plays[0]?.vars ?? {}), ...extra, ...magicVars(inv, host) };
      return templater.templateValue(v, ctx);
    });
    for (const key of Object.keys(vars)) {
      const file = inv.varPos(host, key)?.file;
      if (file && isSecretFile(file)) reg.addLeaves(vars[key]);
    }
  }
}

function learnFile(reg: SecretRegistry, file: string): void {
  try {
    reg.addLeaves(loadYamlFile(file).value);
  } catch {
    // an unreadable file is reported by its loader; nothing to learn from it
  }
}
