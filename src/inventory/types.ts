/** The resolved inventory: hosts, groups and their variables, with source positions. */
import type { SourcePos } from '../errors/index.js';
import type { Vars } from '../core/types.js';

/** Variables from one source, with where each key was defined. */
export interface VarSource {
  vars: Vars;
  /** position of each key's definition (the key, not the value) */
  pos: Record<string, SourcePos>;
}

export interface Host {
  name: string;
  /** the host's own variables (inventory `hosts:` entry, then host_vars/NAME.yml) */
  vars: Vars;
  /** groups that list this host directly */
  groups: string[];
  pos?: SourcePos;
  /** the `vars` split by source, for precedence: inventory file, then host_vars/ */
  inventoryVars?: VarSource;
  fileVars?: VarSource;
}

export interface Group {
  name: string;
  /** the group's own variables (`vars:`, then group_vars/NAME.yml) */
  vars: Vars;
  children: string[];
  hosts: string[];
  pos?: SourcePos;
  /** `ansible_group_priority` from the inventory file (default 1): orders groups of the same depth */
  priority?: number;
  /** the `vars` split by source, for precedence: inventory file, then group_vars/ */
  inventoryVars?: VarSource;
  fileVars?: VarSource;
}

export interface Inventory {
  /** path of the inventory file (or directory) it was loaded from */
  source: string;
  /** in order of first definition */
  hosts: Map<string, Host>;
  /** always holds `all` and `ungrouped` */
  groups: Map<string, Group>;
  /**
   * Where the variable `key` that is in effect for `host` was defined (the
   * winning definition under precedence), for error messages.
   */
  varPos(host: string, key: string): SourcePos | undefined;
  /** things worth telling the user that are not errors (an unused group_vars file...) */
  warnings?: string[];
}
