/** The module registry: Ansible's names (and ansible.builtin.NAME) to modules. */
import { assembleModule } from './assemble.js';
import { authorizedKeyModule } from './authorized-key.js';
import { debconfModule } from './debconf.js';
import { getUrlModule } from './get-url.js';
import { unarchiveModule } from './unarchive.js';
import { blockinfileModule } from './blockinfile.js';
import { fetchModule } from './fetch.js';
import { groupModule } from './group.js';
import { rebootModule } from './reboot.js';
import { replaceModule } from './replace.js';
import { slurpModule } from './slurp.js';
import { statModule } from './stat.js';
import { userModule } from './user.js';
import { commandModule, shellModule } from './command.js';
import { assertModule, debugModule, failModule, metaModule, setFactModule } from './controller.js';
import { copyModule } from './copy.js';
import { fileModule } from './file.js';
import { includeVarsModule } from './include-vars.js';
import { lineinfileModule } from './lineinfile.js';
import { packageModule } from './package.js';
import { serviceModule } from './service.js';
import { sysctlModule } from './sysctl.js';
import { templateModule } from './template.js';
import type { Module } from './types.js';
import { uriModule } from './uri.js';
import { waitForModule } from './wait-for.js';

export type AnyModule = Module<Record<string, unknown>>;

const ALL: readonly AnyModule[] = [
  templateModule,
  copyModule,
  fileModule,
  lineinfileModule,
  packageModule,
  serviceModule,
  commandModule,
  shellModule,
  sysctlModule,
  waitForModule,
  uriModule,
  assertModule,
  debugModule,
  setFactModule,
  includeVarsModule,
  failModule,
  metaModule,
  userModule,
  groupModule,
  statModule,
  slurpModule,
  blockinfileModule,
  replaceModule,
  fetchModule,
  assembleModule,
  getUrlModule,
  authorizedKeyModule,
  unarchiveModule,
  debconfModule,
  rebootModule,
];

const byName = new Map<string, AnyModule>();
for (const m of ALL) {
  for (const n of [m.name, ...(m.aliases ?? [])]) {
    if (byName.has(n)) throw new Error(`module name registered twice: ${n}`);
    byName.set(n, m);
  }
}

const PREFIXES = ['ansible.builtin.', 'ansible.legacy.', 'ansible.posix.', 'community.general.'];

/** The module for a task keyword (`copy`, `ansible.builtin.copy`, `systemd`); undefined when unknown. */
export function getModule(name: string): AnyModule | undefined {
  const direct = byName.get(name);
  if (direct) return direct;
  for (const p of PREFIXES) if (name.startsWith(p)) return byName.get(name.slice(p.length));
  return undefined;
}

/** Every accepted short name, aliases included, sorted (for "did you mean"). */
export function moduleNames(): string[] {
  return [...byName.keys()].sort();
}

export type { ApplyContext, CheckContext, Module, ModulePlan, ModuleTraits, Step } from './types.js';
export { runModule, type ModuleOutcome } from './run-module.js';
