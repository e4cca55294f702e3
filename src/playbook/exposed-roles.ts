/** What every task of a play sees of its roles (Play.exposedRoles), as Ansible with private_role_vars off. */
import type { Vars } from '../core/types.js';
import type { Role } from './types.js';

/** the defaults and the vars of the play's roles, each merged in order (the later role wins), as every task sees them */
export function exposedRoleVars(roles: readonly Role[]): { roleDefaults: Vars; roleVars: Vars } {
  const roleDefaults: Vars = {};
  const roleVars: Vars = {};
  for (const r of roles) {
    Object.assign(roleDefaults, r.defaults);
    Object.assign(roleVars, r.vars);
  }
  return { roleDefaults, roleVars };
}
