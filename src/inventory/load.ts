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
import { parseInventoryDoc } from './parse-yaml.js';
import type { Inventory, VarSource } from './types.js';
import { asSchemaError, dirEntries, loadVarsFiles, varsFileNames } from './vars-files.js';
import { winningVarPos } from './vars.js';

const INVENTORY_EXTENSIONS = ['.yml', '.yaml', '.json'];

/** Load an inventory file, or every .yml/.yaml/.json file of a directory in sorted order. */
export function loadInventory(path: string): Inventory {
  const draft = newDraft(path);
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SchemaError(
      code === 'ENOENT' ? 'inventory not found' : `cannot read inventory (${code ?? String(err)})`,
      { file: path, line: 0, col: 0 },
      'give the inventory file with -i PATH (for example inventory/lab.yml)',
    );
  }
  const files = isDir ? inventoryFilesIn(path) : [path];
  if (isDir && files.length === 0) {
    throw new SchemaError('no inventory files (.yml, .yaml, .json) in this directory', { file: path, line: 0, col: 0 });
  }
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      draft.errors.push(new SchemaError(`cannot read inventory (${code})`, { file, line: 0, col: 0 }));
      continue;
    }
    parseText(draft, text, file);
  }
  return finish(draft, isDir ? path : dirname(path));
}

/** Build an inventory from YAML text (no group_vars/host_vars unless `varsDir` is given). */
export function inventoryFromYaml(text: string, file: string, varsDir?: string): Inventory {
  const draft = newDraft(file);
  parseText(draft, text, file);
  return finish(draft, varsDir);
}

function parseText(draft: Draft, text: string, file: string): void {
  const ini = INI_SECTION.exec(text);
  if (ini) {
    const line = text.slice(0, ini.index).split('\n').length;
    draft.errors.push(
      new SchemaError(
        `this looks like an INI inventory (section ${ini[0].trim()})`,
        { file, line, col: 1 },
        'hapb reads YAML inventories; `ansible-inventory -i FILE --list -y` converts one',
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

/** An INI section header alone on a line (`[web]`, `[web:vars]`): never a YAML inventory. */
const INI_SECTION = /^\[[A-Za-z0-9_.:-]+\][ \t]*$/m;

function inventoryFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .filter((e) => !e.startsWith('.') && !e.endsWith('~') && e !== 'group_vars' && e !== 'host_vars')
    .filter((e) => INVENTORY_EXTENSIONS.includes(extname(e)))
    .map((e) => join(dir, e))
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
}

function finish(draft: Draft, varsDir: string | undefined): Inventory {
  reconcile(draft);
  checkNameClashes(draft);
  if (varsDir !== undefined) loadAllVarsFiles(draft, varsDir);
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
  const attach = (entity: { fileVars?: VarSource }, source: VarSource | undefined): void => {
    if (source) entity.fileVars = source;
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
