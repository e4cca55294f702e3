/**
 * A minimal reader of Ansible's YAML inventory format (groups, children, hosts
 * and their vars, with positions) for this part's tests and render preview.
 * It is a stand-in: src/inventory's loadInventory replaces it once merged.
 */
import type { SourcePos } from '../errors/index.js';
import type { Vars } from '../engine/types.js';
import type { Group, Host, Inventory } from '../inventory/types.js';
import { joinPointer, loadYaml } from '../yaml/load.js';
import { groupsOfHost } from './inventory-view.js';
import { readFileSync } from 'node:fs';

type Positions = Map<string, SourcePos>;

export function readYamlInventory(file: string): Inventory {
  return parseYamlInventory(readFileSync(file, 'utf8'), file);
}

export function parseYamlInventory(text: string, file: string): Inventory {
  const doc = loadYaml(text, file);
  const hosts = new Map<string, Host>();
  const groups = new Map<string, Group>();
  const hostPos = new Map<string, Positions>();
  const groupPos = new Map<string, Positions>();

  const group = (name: string, pos: SourcePos | undefined): Group => {
    let g = groups.get(name);
    if (!g) {
      g = { name, vars: {}, children: [], hosts: [], ...(pos ? { pos } : {}) };
      groups.set(name, g);
      groupPos.set(name, new Map());
    }
    return g;
  };
  group('all', doc.pos(''));
  group('ungrouped', undefined);

  const readVars = (value: unknown, pointer: string, target: Vars, positions: Positions): void => {
    if (!isObject(value)) return;
    for (const [k, v] of Object.entries(value)) {
      target[k] = v;
      const at = doc.keyPos(joinPointer(pointer, k));
      if (at) positions.set(k, at);
    }
  };

  const readGroup = (name: string, body: unknown, pointer: string): void => {
    const g = group(name, doc.keyPos(pointer));
    if (!isObject(body)) return;
    readVars(body.vars, joinPointer(pointer, 'vars'), g.vars, groupPos.get(name) as Positions);
    if (isObject(body.hosts)) {
      for (const [h, hv] of Object.entries(body.hosts)) {
        let host = hosts.get(h);
        if (!host) {
          const pos = doc.keyPos(joinPointer(pointer, 'hosts', h));
          host = { name: h, vars: {}, groups: [], ...(pos ? { pos } : {}) };
          hosts.set(h, host);
          hostPos.set(h, new Map());
        }
        if (!host.groups.includes(name)) host.groups.push(name);
        if (!g.hosts.includes(h)) g.hosts.push(h);
        readVars(hv, joinPointer(pointer, 'hosts', h), host.vars, hostPos.get(h) as Positions);
      }
    }
    if (isObject(body.children)) {
      for (const [child, cv] of Object.entries(body.children)) {
        if (!g.children.includes(child)) g.children.push(child);
        readGroup(child, cv, joinPointer(pointer, 'children', child));
      }
    }
  };

  if (isObject(doc.value)) {
    for (const [name, body] of Object.entries(doc.value)) {
      if (name !== 'all') group('all', undefined).children.push(name);
      readGroup(name, body, joinPointer('', name));
    }
  }
  for (const h of hosts.values()) {
    if (h.groups.length === 0 || (h.groups.length === 1 && h.groups[0] === 'all')) {
      (groups.get('ungrouped') as Group).hosts.push(h.name);
    }
  }
  if (!(groups.get('all') as Group).children.includes('ungrouped')) (groups.get('all') as Group).children.push('ungrouped');

  const inv: Inventory = {
    source: file,
    hosts,
    groups,
    varPos(host: string, key: string): SourcePos | undefined {
      const own = hostPos.get(host)?.get(key);
      if (own) return own;
      const order = groupsOfHost(inv, host).reverse();
      for (const g of order) {
        const hit = groupPos.get(g)?.get(key);
        if (hit) return hit;
      }
      return undefined;
    },
  };
  return inv;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

