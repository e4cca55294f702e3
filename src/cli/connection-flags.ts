/**
 * ansible-playbook's connection and privilege flags, with Ansible's
 * precedence: a command-line value is the lowest of all. `-u`, `-c` and
 * `--private-key` apply only where no variable (inventory, group_vars, play
 * vars, -e...) sets `ansible_user`, `ansible_connection` or the key file;
 * `-b` and `--become-user` only where the play says nothing (a task's
 * `become:` and `ansible_become` still win over both).
 */
import type { ConnectionFactory } from '../connection/types.js';
import type { Inventory } from '../inventory/types.js';
import type { Playbook } from '../playbook/types.js';

export interface ConnectionFlags {
  user?: string;
  privateKey?: string;
  connection?: string;
  become?: boolean;
  becomeUser?: string;
}

/** Variable names that set the same thing (the first is what the flag sets). */
const SAME: Record<string, string[]> = {
  ansible_user: ['ansible_user', 'ansible_ssh_user'],
  ansible_connection: ['ansible_connection'],
  ansible_ssh_private_key_file: ['ansible_ssh_private_key_file', 'ansible_private_key_file'],
};

/** The host's connection variables with the flags filled in where no variable is set. */
export function withFlagDefaults(vars: Record<string, unknown>, flags: ConnectionFlags): Record<string, unknown> {
  const given: Record<string, string | undefined> = {
    ansible_user: flags.user,
    ansible_connection: flags.connection,
    ansible_ssh_private_key_file: flags.privateKey,
  };
  let out = vars;
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const set = (SAME[key] ?? [key]).some((k) => vars[k] !== undefined && vars[k] !== null && vars[k] !== '');
    if (set) continue;
    if (out === vars) out = { ...vars };
    out[key] = value;
  }
  return out;
}

/** The connection factory with the flags as lowest-precedence defaults. */
export function flagConnections(connect: ConnectionFactory, flags: ConnectionFlags): ConnectionFactory {
  if (flags.user === undefined && flags.connection === undefined && flags.privateKey === undefined) return connect;
  return (host, vars, opts) => connect(host, withFlagDefaults(vars, flags), opts);
}

/** -b / --become-user on every play that sets neither itself. */
export function applyBecomeFlags(playbook: Playbook, flags: ConnectionFlags): void {
  for (const play of playbook.plays) {
    if (flags.become && play.become === undefined) play.become = true;
    if (flags.becomeUser !== undefined && play.becomeUser === undefined) play.becomeUser = flags.becomeUser;
  }
}

/**
 * Make -u / -c / --private-key visible to templates as Ansible does
 * (`{{ ansible_connection }}` is `local` under `-c local`): as variables of
 * `all` from the inventory, the lowest inventory layer, where `all` does not
 * set them itself. Call before any host's variables are resolved (they are
 * cached per inventory).
 */
export function flagVarsIntoInventory(inv: Inventory, flags: ConnectionFlags): void {
  const all = inv.groups.get('all');
  if (!all) return;
  const own = { ...all.inventoryVars?.vars, ...all.fileVars?.vars };
  const added = withFlagDefaults(own, flags);
  for (const [k, v] of Object.entries(added)) {
    if (own[k] !== undefined) continue;
    if (all.inventoryVars) all.inventoryVars.vars[k] = v;
    else all.inventoryVars = { vars: { [k]: v }, pos: {} };
    all.vars[k] = v;
  }
}
