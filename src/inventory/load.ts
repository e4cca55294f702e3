/**
 * loadInventory: an Ansible YAML inventory file (or a directory of them) plus
 * group_vars/ and host_vars/ beside it. Every problem is a SchemaError with
 * file:line:col; all are collected and thrown together (InputErrors when more
 * than one).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { formatPos, InputErrors, SchemaError } from '../errors/index.js';
import { loadYaml, type Located } from '../yaml/load.js';
import { newDraft, type Draft } from './draft.js';
import { parseHostList, parseIniInventory } from './parse-ini.js';
import { parseInventoryDoc } from './parse-yaml.js';
import type { Inventory, VarSource } from './types.js';
import { asSchemaError, dirEntries, loadVarsFiles, varsFileNames } from './vars-files.js';
import { setOwn, winningVarPos } from './vars.js';

/**
 * Load one inventory source, or several merged in order as Ansible merges
 * repeated `-i`: each a YAML or INI file, a directory of them, or a host
 * list (`web1,web2,` : a comma and no such file). group_vars/ and host_vars/
 * are read beside each file source (in the directory itself for a directory).
 */
export function loadInventory(paths: string | readonly string[]): Inventory {
  const sources = typeof paths === 'string' ? [paths] : [...paths];
  const draft = newDraft(sources.join(','));
  const varsDirs: string[] = [];
  for (const path of sources) {
    const dir = loadSource(draft, path);
    if (dir !== undefined && !varsDirs.includes(dir)) varsDirs.push(dir);
  }
  return finish(draft, varsDirs);
}

/** One source into the draft; returns the directory its vars files sit in (none for a host list). */
function loadSource(draft: Draft, path: string): string | undefined {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && path.includes(',')) {
      // Ansible's host_list plugin: a source with a comma that is no file
      parseHostList(draft, path);
      return undefined;
    }
    throw new SchemaError(
      code === 'ENOENT' ? 'inventory not found' : `cannot read inventory (${code ?? String(err)})`,
      { file: path, line: 0, col: 0 },
      "give the inventory file with -i PATH (for example inventory/lab.yml), or hosts as a list: -i 'web1,web2,'",
    );
  }
  if (isDir) {
    const files = inventoryFilesIn(path);
    if (files.length === 0) {
      throw new SchemaError('no inventory files in this directory', { file: path, line: 0, col: 0 }, 'put YAML (.yml, .yaml, .json) or INI (no extension) inventory files in it');
    }
    for (const file of files) readSource(draft, file, true);
    return path;
  }
  readSource(draft, path, false);
  return dirname(path);
}

function readSource(draft: Draft, file: string, inDir: boolean): void {
  let text: string;
  try {
    if (statSync(file).isDirectory()) {
      for (const f of inventoryFilesIn(file)) readSource(draft, f, true);
      return;
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    draft.errors.push(new SchemaError(`cannot read inventory (${code})`, { file, line: 0, col: 0 }));
    return;
  }
  parseText(draft, text, file, inDir);
}

/** Build an inventory from YAML text (no group_vars/host_vars unless `varsDir` is given). */
export function inventoryFromYaml(text: string, file: string, varsDir?: string): Inventory {
  const draft = newDraft(file);
  parseText(draft, text, file, false);
  return finish(draft, varsDir === undefined ? [] : [varsDir]);
}

/** Build an inventory from INI text (no group_vars/host_vars unless `varsDir` is given). */
export function inventoryFromIni(text: string, file: string, varsDir?: string): Inventory {
  const draft = newDraft(file);
  parseIniInventory(draft, text, file);
  return finish(draft, varsDir === undefined ? [] : [varsDir]);
}

/**
 * YAML for .yml/.yaml/.json; INI for .ini and for any other name whose text
 * is not a YAML mapping or has an INI section line (Ansible tries its yaml
 * plugin, then its ini plugin).
 */
function parseText(draft: Draft, text: string, file: string, inDir: boolean): void {
  const ext = extname(file);
  if (ext === '.ini' || (!YAML_EXTENSIONS.includes(ext) && looksIni(text, file))) {
    parseIniInventory(draft, text, file);
    return;
  }
  const ini = INI_SECTION.exec(text);
  if (ini) {
    const line = text.slice(0, ini.index).split('\n').length;
    draft.errors.push(
      new SchemaError(
        `this looks like an INI inventory (section ${ini[0].trim()})`,
        { file, line, col: 1 },
        inDir ? 'in an inventory directory an INI file has no extension (Ansible skips .ini there)' : `INI inventories are read from files named .ini or without extension, not ${ext}`,
      ),
    );
    return;
  }
  let doc: Located;
  try {
    doc = loadYaml(text, file);
  } catch (err) {
    draft.errors.push(asSchemaError(err, file));
    return;
  }
  parseInventoryDoc(draft, doc);
}

function looksIni(text: string, file: string): boolean {
  if (INI_SECTION.test(text)) return true;
  try {
    const v = loadYaml(text, file).value;
    return typeof v !== 'object' || v === null || Array.isArray(v);
  } catch {
    return true;
  }
}

/** An INI section header alone on a line (`[web]`, `[web:vars]`): never a YAML inventory. */
const INI_SECTION = /^\[[^:\]\s]+(?::\w+)?\][ \t]*(?:#.*)?$/m;

const YAML_EXTENSIONS = ['.yml', '.yaml', '.json'];

/**
 * Files of an inventory directory as Ansible reads them: sorted, hidden
 * entries, group_vars/, host_vars/ and vars_plugins/ skipped, and names with
 * INVENTORY_IGNORE_EXTS (.ini, .cfg, .md, .txt, backups...) skipped.
 */
function inventoryFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .filter((e) => !e.startsWith('.') && e !== 'group_vars' && e !== 'host_vars' && e !== 'vars_plugins')
    .filter((e) => !IGNORED_EXTS.some((x) => e.endsWith(x)))
    .map((e) => join(dir, e));
}

/** Ansible's default INVENTORY_IGNORE_EXTS. */
const IGNORED_EXTS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.ini', '.cfg', '.retry'];

function finish(draft: Draft, varsDirs: readonly string[]): Inventory {
  reconcile(draft);
  checkNameClashes(draft);
  for (const dir of varsDirs) loadAllVarsFiles(draft, dir);
  if (draft.errors.length > 0) throw collected(draft.errors);
  for (const entity of [...draft.groups.values(), ...draft.hosts.values()]) {
    entity.vars = { ...entity.inventoryVars?.vars, ...entity.fileVars?.vars };
  }
  const inv: Inventory = {
    source: draft.source,
    hosts: draft.hosts,
    groups: draft.groups,
    varPos: (host, key) => winningVarPos(inv, host, key),
    warnings: draft.warnings,
  };
  return inv;
}

/** Ansible's reconcile_inventory: top-level groups go under `all`; hosts in no group go to `ungrouped`. */
function reconcile(draft: Draft): void {
  const all = draft.groups.get('all');
  const ungrouped = draft.groups.get('ungrouped');
  if (!all || !ungrouped) return;
  const hasParent = new Set<string>();
  for (const g of draft.groups.values()) for (const c of g.children) hasParent.add(c);
  for (const g of draft.groups.values()) {
    if (g.name !== 'all' && !hasParent.has(g.name)) all.children.push(g.name);
  }
  for (const host of draft.hosts.values()) {
    const real = host.groups.filter((g) => g !== 'all' && g !== 'ungrouped');
    if (real.length > 0 && host.groups.includes('ungrouped')) {
      host.groups = host.groups.filter((g) => g !== 'ungrouped');
      ungrouped.hosts = ungrouped.hosts.filter((h) => h !== host.name);
    } else if (real.length === 0 && !host.groups.includes('ungrouped')) {
      host.groups.push('ungrouped');
      ungrouped.hosts.push(host.name);
    }
  }
}

/** A name may not be both a group and a host: patterns and group_vars would be ambiguous. */
function checkNameClashes(draft: Draft): void {
  for (const host of draft.hosts.values()) {
    const group = draft.groups.get(host.name);
    if (!group) continue;
    const where = group.pos ? `the group is defined at ${formatPos(group.pos)}` : `'${host.name}' is a built-in group`;
    draft.errors.push(
      new SchemaError(`'${host.name}' is used both as a host and as a group`, host.pos, `${where}; rename one of them`),
    );
  }
}

function loadAllVarsFiles(draft: Draft, dir: string): void {
  const groupDir = join(dir, 'group_vars');
  const hostDir = join(dir, 'host_vars');
  // a later source's files win over an earlier one's, key by key
  const attach = (entity: { fileVars?: VarSource }, source: VarSource | undefined): void => {
    if (!source) return;
    if (!entity.fileVars) entity.fileVars = source;
    else {
      for (const [k, v] of Object.entries(source.vars)) setOwn(entity.fileVars.vars, k, v);
      for (const [k, p] of Object.entries(source.pos)) setOwn(entity.fileVars.pos, k, p);
    }
  };
  const groupEntries = dirEntries(groupDir);
  const hostEntries = dirEntries(hostDir);
  for (const g of draft.groups.values()) attach(g, loadVarsFiles(draft, groupDir, g.name, `group '${g.name}'`, groupEntries));
  for (const h of draft.hosts.values()) attach(h, loadVarsFiles(draft, hostDir, h.name, `host '${h.name}'`, hostEntries));
  for (const { entry, name } of varsFileNames(groupDir)) {
    if (!draft.groups.has(name)) draft.warnings.push(`${join(groupDir, entry)}: no group '${name}' in the inventory; file ignored`);
  }
  for (const { entry, name } of varsFileNames(hostDir)) {
    if (!draft.hosts.has(name)) draft.warnings.push(`${join(hostDir, entry)}: no host '${name}' in the inventory; file ignored`);
  }
}

function collected(errors: SchemaError[]): SchemaError | InputErrors {
  const sorted = [...errors].sort((a, b) => {
    const pa = a.pos;
    const pb = b.pos;
    if (!pa || !pb) return pa ? -1 : pb ? 1 : 0;
    if (pa.file !== pb.file) return pa.file < pb.file ? -1 : 1;
    return pa.line - pb.line || pa.col - pb.col;
  });
  const first = sorted[0];
  return sorted.length === 1 && first ? first : new InputErrors(sorted);
}
