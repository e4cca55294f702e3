/** The inventory while it is being built from files, with the errors found so far. */
import type { SchemaError, SourcePos } from '../errors/index.js';
import type { Group, Host } from './types.js';

export interface Draft {
  source: string;
  hosts: Map<string, Host>;
  groups: Map<string, Group>;
  errors: SchemaError[];
  warnings: string[];
}

export function newDraft(source: string): Draft {
  const groups = new Map<string, Group>();
  for (const name of ['all', 'ungrouped']) groups.set(name, emptyGroup(name));
  groups.get('all')?.children.push('ungrouped');
  return { source, hosts: new Map(), groups, errors: [], warnings: [] };
}

export function emptyGroup(name: string, pos?: SourcePos): Group {
  const g: Group = { name, vars: {}, children: [], hosts: [], inventoryVars: { vars: {}, pos: {} } };
  if (pos) g.pos = pos;
  return g;
}

export function emptyHost(name: string, pos: SourcePos | undefined): Host {
  const h: Host = { name, vars: {}, groups: [], inventoryVars: { vars: {}, pos: {} } };
  if (pos) h.pos = pos;
  return h;
}
