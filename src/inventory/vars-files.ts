/**
 * group_vars/ and host_vars/ beside the inventory, found as Ansible's
 * host_group_vars plugin finds them: for NAME the first of `NAME` (a file, or a
 * directory read recursively in sorted order), `NAME.yml`, `NAME.yaml`,
 * `NAME.json`. Hidden files and backups (`~`) are skipped. Later files win.
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { SchemaError } from '../errors/index.js';
import { joinPointer, loadYamlFile } from '../yaml/load.js';
import type { Draft } from './draft.js';
import type { VarSource } from './types.js';
import { setOwn } from './vars.js';

const EXTENSIONS = ['.yml', '.yaml', '.json'];

function kind(path: string): 'file' | 'dir' | undefined {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** The names in `dir` (empty when it is missing), to look each host up without a stat per host. */
export function dirEntries(dir: string): Set<string> {
  return new Set(listDir(dir));
}

/** The files holding NAME's variables in `dir`, in load order (`entries`: dirEntries(dir), when known). */
export function findVarsFiles(dir: string, name: string, entries?: Set<string>): string[] {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) return [];
  for (const ext of ['', ...EXTENSIONS]) {
    if (entries && !entries.has(name + ext)) continue;
    const path = join(dir, name + ext);
    const k = kind(path);
    if (k === 'dir') return dirFiles(path);
    if (k === 'file') return [path];
  }
  return [];
}

function dirFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of listDir(dir)) {
    if (entry.startsWith('.') || entry.endsWith('~')) continue;
    const path = join(dir, entry);
    const ext = extname(entry);
    const k = kind(path);
    if (k === 'dir' && !ext) out.push(...dirFiles(path));
    else if (k === 'file' && (!ext || EXTENSIONS.includes(ext))) out.push(path);
  }
  return out;
}

/** Load and merge NAME's variable files; errors go to the draft. */
export function loadVarsFiles(draft: Draft, dir: string, name: string, what: string, entries?: Set<string>): VarSource | undefined {
  const files = findVarsFiles(dir, name, entries);
  if (files.length === 0) return undefined;
  const source: VarSource = { vars: {}, pos: {} };
  for (const file of files) {
    let doc;
    try {
      doc = loadYamlFile(file);
    } catch (err) {
      draft.errors.push(asSchemaError(err, file));
      continue;
    }
    const value = doc.value;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      draft.errors.push(
        new SchemaError(`variables of ${what} must be a mapping`, doc.pos(''), 'write one `name: value` per line'),
      );
      continue;
    }
    for (const [key, v] of Object.entries(value)) {
      setOwn(source.vars, key, v);
      const pos = doc.keyPos(joinPointer('', key));
      if (pos) setOwn(source.pos, key, pos);
    }
  }
  return source;
}

/** Names in `dir` that look like vars files or directories (for "unused file" warnings). */
export function varsFileNames(dir: string): { entry: string; name: string }[] {
  const out: { entry: string; name: string }[] = [];
  for (const entry of listDir(dir)) {
    if (entry.startsWith('.') || entry.endsWith('~')) continue;
    const ext = extname(entry);
    const k = kind(join(dir, entry));
    if (k === 'dir' || !ext) out.push({ entry, name: entry });
    else if (k === 'file' && EXTENSIONS.includes(ext)) out.push({ entry, name: entry.slice(0, -ext.length) });
  }
  return out;
}

/** Anything the YAML layer throws becomes a SchemaError for this file. */
export function asSchemaError(err: unknown, file: string): SchemaError {
  if (err instanceof SchemaError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SchemaError(`cannot read YAML: ${message.split('\n')[0] ?? message}`, { file, line: 1, col: 1 });
}
