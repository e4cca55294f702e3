/**
 * One YAML inventory document into the draft: groups with `hosts`, `children`
 * and `vars` at any depth, as Ansible's yaml inventory plugin reads them, but
 * strict: unknown keys, wrong types, conflicting definitions and cycles are
 * errors with their position.
 */
import { isSecretName } from '../secrets/names.js';
import { isDeepStrictEqual } from 'node:util';
import { formatPos, SchemaError, type SourcePos } from '../errors/index.js';
import { joinPointer, type Located } from '../yaml/load.js';
import { validateAt } from '../yaml/validate.js';
import { emptyGroup, emptyHost, type Draft } from './draft.js';
import type { Group, Host } from './types.js';
import { expandHostKey } from './host-pattern.js';
import { setOwn } from './vars.js';

const SECTION_TYPES = ['object', 'string', 'null'];

/** exported for the test that checks the schemas hapb compiles without ajv's meta-schema check */
export const groupSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    hosts: { type: SECTION_TYPES },
    children: { type: SECTION_TYPES },
    vars: { type: ['object', 'null'] },
  },
};

export const hostEntrySchema = { type: ['object', 'null'] };

type Mapping = Record<string, unknown>;

/** Characters that host patterns give a meaning to (or that are plainly accidental). */
const BAD_GROUP_CHAR = /[\s,:!&~*?[\]{}\0]/;
const BAD_HOST_CHAR = /[\s,!&~*?[\]{}\0]/;

function describeChar(c: string): string {
  if (c === ' ') return 'a space';
  if (/\s/.test(c)) return 'a line break or tab';
  if (c === '\0') return 'a NUL byte';
  return `'${c}'`;
}

function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Where a variable was first set in this file, to catch two different values. */
interface Definition {
  value: unknown;
  pos: SourcePos | undefined;
}

class FileParser {
  private readonly defs = new Map<string, Definition>();
  /** hosts of each group as a set, while parsing (large ranges) */
  private readonly members = new Map<Group, Set<string>>();

  constructor(
    private readonly draft: Draft,
    private readonly doc: Located,
  ) {}

  parse(): void {
    const root = this.doc.value;
    if (root === null || root === undefined) {
      this.error('inventory file is empty', this.doc.pos(''), 'start with `all:` and put groups under `children:`');
      return;
    }
    if (!isMapping(root)) {
      this.error(
        'inventory must be a mapping of group names',
        this.doc.pos(''),
        'write `all:` at the top, with `hosts:`, `children:` and `vars:` under it',
      );
      return;
    }
    if (typeof root.plugin === 'string') {
      this.error(
        "this is an inventory plugin configuration ('plugin:'), not a YAML inventory",
        this.doc.keyPos('/plugin'),
        'hapb reads YAML inventories: groups with hosts:, children: and vars:',
      );
      return;
    }
    for (const [name, data] of Object.entries(root)) this.group(name, data, joinPointer('', name));
  }

  private error(detail: string, pos: SourcePos | undefined, hint?: string): void {
    this.draft.errors.push(new SchemaError(detail, pos, hint));
  }

  private group(name: string, data: unknown, ptr: string): void {
    const pos = this.doc.keyPos(ptr);
    if (name.trim() === '') {
      this.error('a group name is empty', pos, 'give the group a name');
      return;
    }
    if (name === 'hosts' || name === 'children' || name === 'vars') {
      this.error(
        `'${name}' is in the place of a group name`,
        pos,
        ptr.lastIndexOf('/') === 0
          ? `put ${name}: under a group, e.g. \`all:\` then \`  ${name}:\``
          : `check the indentation: ${name}: belongs directly under a group, beside hosts:/children:/vars:`,
      );
      return;
    }
    const badChar = BAD_GROUP_CHAR.exec(name)?.[0];
    if (badChar !== undefined) {
      this.error(
        `group name ${JSON.stringify(name)} contains ${describeChar(badChar)}`,
        pos,
        'use letters, digits, _ (and - or .): host patterns cannot name such a group',
      );
      return;
    }
    let group = this.draft.groups.get(name);
    if (!group) {
      group = emptyGroup(name, pos);
      this.draft.groups.set(name, group);
    } else if (!group.pos) {
      group.pos = pos;
    }
    const problems = validateAt(groupSchema, data, this.doc, ptr, `group '${name}'`).map((e) => withTypeHint(e));
    this.draft.errors.push(...problems);
    if (!isMapping(data)) return;
    // in the order written, as Ansible reads them (it decides the order of first definitions)
    for (const key of Object.keys(data)) {
      const section = key === 'vars' ? (isMapping(data.vars) ? data.vars : undefined) : asSection(data[key]);
      if (!section) continue;
      const at = joinPointer(ptr, key);
      if (key === 'vars') this.groupVars(name, section, at);
      else if (key === 'hosts') this.hosts(name, section, at);
      else if (key === 'children') this.children(name, section, at);
    }
  }

  private groupVars(name: string, vars: Mapping, ptr: string): void {
    const group = this.draft.groups.get(name);
    if (!group?.inventoryVars) return;
    for (const [key, value] of Object.entries(vars)) {
      const pos = this.doc.keyPos(joinPointer(ptr, key));
      if (key === 'ansible_group_priority') {
        const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
        if (typeof n !== 'number' || !Number.isInteger(n)) {
          this.error(`ansible_group_priority of group '${name}' must be an integer`, pos, 'for example: ansible_group_priority: 10');
        } else {
          this.define(`g\0${name}\0${key}`, `group '${name}'`, key, n, pos);
          group.priority = n;
        }
        continue;
      }
      if (!this.acceptValue(key, value, pos)) continue;
      if (!this.define(`g\0${name}\0${key}`, `group '${name}'`, key, value, pos)) continue;
      setOwn(group.inventoryVars.vars, key, value);
      if (pos) setOwn(group.inventoryVars.pos, key, pos);
    }
  }

  private hosts(groupName: string, hosts: Mapping, ptr: string): void {
    const group = this.draft.groups.get(groupName);
    if (!group) return;
    for (const [key, entry] of Object.entries(hosts)) {
      const entryPtr = joinPointer(ptr, key);
      const keyPos = this.doc.keyPos(entryPtr);
      let expanded;
      try {
        expanded = expandHostKey(key);
      } catch (err) {
        this.error((err as Error).message, keyPos, 'write ranges as web[1:3] or db-[a:c], or list the hosts one by one');
        continue;
      }
      const problems = validateAt(hostEntrySchema, entry, this.doc, entryPtr, `host '${key}'`).map((e) =>
        withTypeHint(e, key),
      );
      this.draft.errors.push(...problems);
      const bad = this.badHostName(expanded.names, keyPos);
      if (bad) continue;
      const vars: [string, unknown, SourcePos | undefined][] = [];
      if (expanded.port !== undefined) vars.push(['ansible_port', expanded.port, keyPos]);
      for (const [k, v] of Object.entries(isMapping(entry) ? entry : {})) {
        const pos = this.doc.keyPos(joinPointer(entryPtr, k));
        if (this.acceptValue(k, v, pos)) vars.push([k, v, pos]);
      }
      const members = this.membersOf(group);
      for (const name of expanded.names) {
        let host = this.draft.hosts.get(name);
        if (!host) {
          host = emptyHost(name, keyPos);
          this.draft.hosts.set(name, host);
        }
        if (!host.groups.includes(groupName)) host.groups.push(groupName);
        if (!members.has(name)) {
          members.add(name);
          group.hosts.push(name);
        }
        for (const [k, v, pos] of vars) this.hostVar(host, k, v, pos);
      }
    }
  }

  /** Report the first unusable name of a host key; true when there is one. */
  private badHostName(names: string[], pos: SourcePos | undefined): boolean {
    for (const name of names) {
      if (name.trim() === '') {
        this.error('a host name is empty', pos, 'give the host a name');
        return true;
      }
      const badChar = BAD_HOST_CHAR.exec(name)?.[0];
      if (badChar !== undefined) {
        this.error(
          `host name ${JSON.stringify(name)} contains ${describeChar(badChar)}`,
          pos,
          badChar === '[' || badChar === ']'
            ? 'a host range is written web[1:3]'
            : 'a host name is a DNS name or an address; set ansible_host for the address to connect to',
        );
        return true;
      }
    }
    return false;
  }

  private membersOf(group: Group): Set<string> {
    let set = this.members.get(group);
    if (!set) {
      set = new Set(group.hosts);
      this.members.set(group, set);
    }
    return set;
  }

  private hostVar(host: Host, key: string, value: unknown, pos: SourcePos | undefined): void {
    if (!host.inventoryVars) return;
    if (!this.define(`h\0${host.name}\0${key}`, `host '${host.name}'`, key, value, pos)) return;
    setOwn(host.inventoryVars.vars, key, value);
    if (pos) setOwn(host.inventoryVars.pos, key, pos);
  }

  private children(parentName: string, children: Mapping, ptr: string): void {
    const parent = this.draft.groups.get(parentName);
    if (!parent) return;
    for (const [name, data] of Object.entries(children)) {
      const childPtr = joinPointer(ptr, name);
      const pos = this.doc.keyPos(childPtr);
      if (name === 'all') {
        this.error(`'all' cannot be a child of group '${parentName}'`, pos, 'every group is already under all; remove it here');
        continue;
      }
      const loop = name === parentName ? [name, name] : this.path(name, parentName);
      if (loop) {
        const shown = name === parentName ? loop : [...loop, name];
        this.error(
          `group '${name}' would be its own ancestor: ${shown.join(' -> ')}`,
          pos,
          `remove '${name}' from the children of '${parentName}'`,
        );
        continue;
      }
      if (!parent.children.includes(name)) parent.children.push(name);
      this.group(name, data, childPtr);
    }
  }

  /** A chain of children from `from` down to `to`, if there is one. */
  private path(from: string, to: string): string[] | undefined {
    const seen = new Set<string>();
    const walk = (g: string): string[] | undefined => {
      if (g === to) return [g];
      if (seen.has(g)) return undefined;
      seen.add(g);
      for (const c of this.draft.groups.get(g)?.children ?? []) {
        const rest = walk(c);
        if (rest) return [g, ...rest];
      }
      return undefined;
    };
    return walk(from);
  }

  /** Record a variable definition; false (and an error) when this file already gave it another value. */
  private define(id: string, owner: string, key: string, value: unknown, pos: SourcePos | undefined): boolean {
    const first = this.defs.get(id);
    if (!first) {
      this.defs.set(id, { value, pos });
      return true;
    }
    if (isDeepStrictEqual(first.value, value)) return true;
    this.error(
      // a secret's values are never printed, not even in an error
      `${owner} sets '${key}' twice with different values${isSecretName(key) ? '' : ` (${brief(first.value)} and ${brief(value)})`}`,
      pos,
      `the first is at ${formatPos(first.pos)}; define it once (or in group vars)`,
    );
    return false;
  }

  /** Values that refer to themselves (YAML alias of an ancestor) cannot be used as variables. */
  private acceptValue(key: string, value: unknown, pos: SourcePos | undefined): boolean {
    if (!isCircular(value)) return true;
    this.error(`the value of '${key}' contains itself`, pos, 'a YAML alias (*name) must not point to its own anchor');
    return false;
  }
}

export function parseInventoryDoc(draft: Draft, doc: Located): void {
  new FileParser(draft, doc).parse();
}

/** `hosts: web1` is short for `hosts: {web1: null}` (Ansible allows it). */
function asSection(v: unknown): Mapping | undefined {
  if (typeof v === 'string') {
    const m: Mapping = {};
    setOwn(m, v, null);
    return m;
  }
  return isMapping(v) ? v : undefined;
}

/** Whether a value contains itself; shared (aliased) parts are walked once. */
function isCircular(value: unknown, stack = new Set<object>(), done = new WeakSet<object>()): boolean {
  if (typeof value !== 'object' || value === null || done.has(value)) return false;
  if (stack.has(value)) return true;
  stack.add(value);
  const items: unknown[] = Array.isArray(value) ? value : Object.values(value);
  const found = items.some((v) => isCircular(v, stack, done));
  stack.delete(value);
  if (!found) done.add(value);
  return found;
}

function brief(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/** Say "a mapping" instead of ajv's type list, and add a hint for the usual mistakes. */
function withTypeHint(e: SchemaError, hostKey?: string): SchemaError {
  const m = /^(.*) must be of type (.*)$/.exec(e.detail);
  if (!m || e.hint) return e;
  const what = m[1] ?? '';
  const types = m[2] ?? '';
  const nullable = types.includes('null');
  const detail = `${what} must be a mapping${nullable && !types.includes('string') ? ' (or empty)' : ''}`;
  let hint: string;
  if (what.startsWith("'hosts'")) hint = 'list hosts as a mapping, one per line: `hosts:` then `  web1:` and `  web2:`';
  else if (what.startsWith("'children'")) hint = 'list child groups as a mapping: `children:` then `  web:`';
  else if (what.startsWith("'vars'")) hint = 'vars is a mapping of `name: value` lines';
  else if (hostKey !== undefined)
    hint = `write \`${hostKey}:\` alone, or with indented variables under it, e.g. \`ansible_host: 192.168.0.42\``;
  else hint = 'a group is empty or a mapping with hosts:, children: and vars:';
  return new SchemaError(detail, e.pos, hint);
}

