/**
 * An INI inventory into the draft, as Ansible's ini inventory plugin reads it:
 * lines before any section are hosts of `ungrouped`; `[group]` lists hosts
 * (`web[01:10]`, `host:port`, then `key=value` words split like a shell),
 * `[group:vars]` holds `key = value` lines, `[group:children]` names child
 * groups (declared before or after). Values are Python literals when they
 * parse as one (`8080`, `True`, `[1, 2]`), strings otherwise. `#` and `;`
 * start comment lines. A later definition of a variable wins, as in Ansible.
 * Every problem is a SchemaError at file:line:col; parsing goes on after one.
 */
import { SchemaError, type SourcePos } from '../errors/index.js';
import { emptyGroup, emptyHost, type Draft } from './draft.js';
import { expandHostKey } from './host-pattern.js';
import { literalEval, shlexSplit } from './python-literal.js';
import type { Group, Host } from './types.js';
import { setOwn } from './vars.js';

/** `[name]` or `[name:type]`, then only blanks or a `#` comment (Ansible's section pattern). */
const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
/** A line of a `:children` section. */
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;
/** Characters that host patterns give a meaning to (same rule as the YAML reader). */
const BAD_GROUP_CHAR = /[\s,:!&~*?[\]{}\0]/;
const BAD_HOST_CHAR = /[\s,!&~*?[\]{}\0]/;

/** Python's str.splitlines: \r\n, \n, \r, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029 end a line. */
function splitLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const isBreak = c === 10 || c === 13 || c === 11 || c === 12 || (c >= 0x1c && c <= 0x1e) || c === 0x85 || c === 0x2028 || c === 0x2029;
    if (!isBreak) continue;
    out.push(text.slice(start, i));
    if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
    start = i + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

interface Pending {
  line: number;
  state: 'vars' | 'children';
  parents: { name: string; pos: SourcePos }[];
}

/** Ansible's `_parse_value`: a Python literal, else the text itself. */
export function iniValue(text: string): unknown {
  const lit = literalEval(text);
  return lit ? lit.value : text;
}

class IniParser {
  private readonly pending = new Map<string, Pending>();
  private lineNo = 0;

  constructor(
    private readonly draft: Draft,
    private readonly file: string,
  ) {}

  private pos(col: number, line = this.lineNo): SourcePos {
    return { file: this.file, line, col };
  }

  private error(detail: string, col: number, hint?: string, line = this.lineNo): void {
    this.draft.errors.push(new SchemaError(detail, this.pos(col, line), hint));
  }

  parse(text: string): void {
    let groupName = 'ungrouped';
    let state = 'hosts';
    for (const raw of splitLines(text)) {
      this.lineNo++;
      const indent = raw.length - raw.replace(/^\s+/, '').length;
      const line = raw.trim();
      if (!line || line[0] === '#' || line[0] === ';') continue;
      const col = indent + 1;
      const m = SECTION.exec(line);
      if (m) {
        groupName = m[1] ?? '';
        state = m[2] ?? 'hosts';
        if (state !== 'hosts' && state !== 'children' && state !== 'vars') {
          this.error(`section [${groupName}:${state}] has unknown type '${state}'`, col + groupName.length + 2, 'a section is [group], [group:vars] or [group:children]');
          state = 'skip';
          continue;
        }
        if (!this.checkGroupName(groupName, col + 1)) {
          state = 'skip';
          continue;
        }
        if (!this.draft.groups.has(groupName)) {
          if (state === 'vars' && !this.pending.has(groupName)) this.pending.set(groupName, { line: this.lineNo, state: 'vars', parents: [] });
          this.draft.groups.set(groupName, emptyGroup(groupName, this.pos(col + 1)));
        }
        const waiting = this.pending.get(groupName);
        if (waiting && state !== 'vars') {
          if (waiting.state === 'children') this.addPendingChildren(groupName);
          else this.pending.delete(groupName);
        }
        continue;
      }
      if (line.startsWith('[') && line.endsWith(']')) {
        this.error(`invalid section entry '${line}'`, col, 'a section header has no spaces: [group], [group:vars] or [group:children]');
        state = 'skip';
        continue;
      }
      if (state === 'hosts') this.hostLine(groupName, line, col);
      else if (state === 'vars') this.varLine(groupName, line, col);
      else if (state === 'children') this.childLine(groupName, line, col);
    }
    for (const [name, p] of this.pending) {
      if (p.state === 'vars') {
        this.error(`section [${name}:vars] is for a group defined nowhere`, 2, `define the group with a [${name}] or [${name}:children] section (or fix the name)`, p.line);
      } else {
        const parent = p.parents[p.parents.length - 1];
        this.draft.errors.push(
          new SchemaError(
            `section [${parent?.name ?? '?'}:children] names group '${name}', which is defined nowhere`,
            parent?.pos,
            `define it with a [${name}] section (it may be empty) or remove the line`,
          ),
        );
      }
    }
  }

  private checkGroupName(name: string, col: number): boolean {
    const bad = BAD_GROUP_CHAR.exec(name)?.[0];
    if (bad === undefined) return true;
    this.error(`group name ${JSON.stringify(name)} contains '${bad}'`, col + name.indexOf(bad), 'use letters, digits, _ (and - or .): host patterns cannot name such a group');
    return false;
  }

  private hostLine(groupName: string, line: string, col: number): void {
    let split;
    try {
      split = shlexSplit(line);
    } catch (err) {
      this.error(`cannot split host line: ${(err as Error).message.toLowerCase()}`, col + line.length, 'close the quote, or escape it with a backslash');
      return;
    }
    const [pattern, ...words] = split.tokens;
    if (pattern === undefined) return;
    const patternCol = col + (split.starts[0] ?? 0);
    if (pattern.trim() === '---') {
      this.error("'---' in an INI inventory: this looks like a YAML file", patternCol, 'name a YAML inventory .yml or .yaml');
      return;
    }
    let expanded;
    try {
      expanded = expandHostKey(pattern);
    } catch (err) {
      this.error((err as Error).message, patternCol, 'write ranges as web[01:10] or db-[a:c], or list the hosts one by one');
      return;
    }
    if (pattern.trim().endsWith(':') && expanded.port === undefined) {
      this.error(`host '${pattern}' ends in ':'`, patternCol + pattern.length - 1, "':' introduces a port, as in web1:2222");
      return;
    }
    for (const name of expanded.names) {
      const bad = BAD_HOST_CHAR.exec(name)?.[0];
      if (name === '' || bad !== undefined) {
        this.error(
          name === '' ? 'a host name is empty' : `host name ${JSON.stringify(name)} contains ${bad === ' ' ? 'a space' : `'${bad}'`}`,
          patternCol,
          bad === '[' || bad === ']' ? 'a host range is written web[01:10]' : 'a host name is a DNS name or an address; set ansible_host for the address to connect to',
        );
        return;
      }
    }
    const vars: [string, unknown, SourcePos][] = [];
    if (expanded.port !== undefined) vars.push(['ansible_port', expanded.port, this.pos(patternCol)]);
    let ok = true;
    words.forEach((word, i) => {
      const at = col + (split.starts[i + 1] ?? 0);
      const eq = word.indexOf('=');
      if (eq < 0) {
        this.error(`expected key=value after the host name, got '${word}'`, at, 'host variables are written key=value; quote values with spaces: key="two words"');
        ok = false;
        return;
      }
      vars.push([word.slice(0, eq), iniValue(word.slice(eq + 1)), this.pos(at)]);
    });
    if (!ok) return;
    const group = this.draft.groups.get(groupName);
    if (!group) return;
    for (const name of expanded.names) {
      let host = this.draft.hosts.get(name);
      if (!host) {
        host = emptyHost(name, this.pos(patternCol));
        this.draft.hosts.set(name, host);
      }
      if (!host.groups.includes(groupName)) host.groups.push(groupName);
      if (!group.hosts.includes(name)) group.hosts.push(name);
      for (const [k, v, pos] of vars) setVar(host, k, v, pos);
    }
  }

  private varLine(groupName: string, line: string, col: number): void {
    const eq = line.indexOf('=');
    if (eq < 0) {
      this.error(`expected key=value in [${groupName}:vars], got '${line}'`, col, 'write one `name = value` per line');
      return;
    }
    const key = line.slice(0, eq).trim();
    if (key === '') {
      this.error(`a variable name is empty in [${groupName}:vars]`, col, 'write one `name = value` per line');
      return;
    }
    const group = this.draft.groups.get(groupName);
    if (!group) return;
    setVar(group, key, iniValue(line.slice(eq + 1).trim()), this.pos(col));
  }

  private childLine(parentName: string, line: string, col: number): void {
    const m = GROUP_NAME.exec(line);
    const child = m?.[1];
    if (child === undefined) {
      this.error(`expected a group name in [${parentName}:children], got '${line}'`, col, 'list one child group per line');
      return;
    }
    if (!this.checkGroupName(child, col)) return;
    const pos = this.pos(col);
    if (!this.draft.groups.has(child)) {
      const p = this.pending.get(child);
      if (p) p.parents.push({ name: parentName, pos });
      else this.pending.set(child, { line: this.lineNo, state: 'children', parents: [{ name: parentName, pos }] });
      return;
    }
    this.addChild(parentName, child, pos);
  }

  private addPendingChildren(group: string): void {
    const p = this.pending.get(group);
    if (!p) return;
    for (const parent of p.parents) {
      this.addChild(parent.name, group, parent.pos);
      if (this.pending.get(parent.name)?.state === 'children') this.addPendingChildren(parent.name);
    }
    this.pending.delete(group);
  }

  private addChild(parentName: string, child: string, pos: SourcePos): void {
    const parent = this.draft.groups.get(parentName);
    if (!parent) return;
    if (child === 'all') {
      this.draft.errors.push(new SchemaError(`'all' cannot be a child of group '${parentName}'`, pos, 'every group is already under all; remove the line'));
      return;
    }
    const loop = child === parentName ? [child, child] : pathDown(this.draft, child, parentName);
    if (loop) {
      this.draft.errors.push(
        new SchemaError(`group '${child}' would be its own ancestor: ${[...loop, ...(child === parentName ? [] : [child])].join(' -> ')}`, pos, `remove '${child}' from [${parentName}:children]`),
      );
      return;
    }
    if (!parent.children.includes(child)) parent.children.push(child);
  }
}

/** A chain of children from `from` down to `to`, if there is one. */
function pathDown(draft: Draft, from: string, to: string): string[] | undefined {
  const seen = new Set<string>();
  const walk = (g: string): string[] | undefined => {
    if (g === to) return [g];
    if (seen.has(g)) return undefined;
    seen.add(g);
    for (const c of draft.groups.get(g)?.children ?? []) {
      const rest = walk(c);
      if (rest) return [g, ...rest];
    }
    return undefined;
  };
  return walk(from);
}

function setVar(entity: Host | Group, key: string, value: unknown, pos: SourcePos): void {
  const source = entity.inventoryVars;
  if (!source) return;
  if (key === 'ansible_group_priority' && 'children' in entity && typeof value === 'number' && Number.isInteger(value)) entity.priority = value;
  setOwn(source.vars, key, value);
  setOwn(source.pos, key, pos);
}

/** Read INI inventory text into the draft. */
export function parseIniInventory(draft: Draft, text: string, file: string): void {
  new IniParser(draft, file).parse(text);
}

/**
 * `-i 'h1,h2,'`: a comma-separated host list (Ansible's host_list plugin):
 * each entry a host of `ungrouped`, `host:port` and `[v6]:port` give the port.
 */
export function parseHostList(draft: Draft, list: string): void {
  const group = draft.groups.get('ungrouped');
  if (!group) return;
  let offset = 0;
  for (const part of list.split(',')) {
    const col = offset + 1 + (part.length - part.trimStart().length);
    offset += part.length + 1;
    const entry = part.trim();
    if (!entry) continue;
    const { name, port } = splitAddress(entry);
    const pos: SourcePos = { file: list, line: 1, col };
    const bad = BAD_HOST_CHAR.exec(name)?.[0];
    if (bad !== undefined) {
      draft.errors.push(new SchemaError(`host name ${JSON.stringify(name)} in the host list contains '${bad}'`, pos, "a host list is names separated by commas: -i 'web1,web2,'"));
      continue;
    }
    if (draft.hosts.has(name)) continue;
    const host = emptyHost(name, pos);
    draft.hosts.set(name, host);
    host.groups.push('ungrouped');
    group.hosts.push(name);
    if (port !== undefined) setVar(host, 'ansible_port', port, pos);
  }
}

/** Ansible's parse_address without ranges: `host`, `host:port`, `[addr]:port`, a bare IPv6 address. */
function splitAddress(entry: string): { name: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed?.[1] !== undefined) return bracketed[2] !== undefined ? { name: bracketed[1], port: Number(bracketed[2]) } : { name: bracketed[1] };
  const m = /^([^:]+):(\d+)$/.exec(entry);
  if (m?.[1] !== undefined && m[2] !== undefined) return { name: m[1], port: Number(m[2]) };
  return { name: entry };
}
