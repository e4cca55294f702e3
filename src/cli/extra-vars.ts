/** -e KEY=VALUE, -e 'k1=v1 k2=v2', -e '{"json": 1}', -e @file.yml: merged left to right, as Ansible does. */
import { resolve } from 'node:path';
import { ExitCode, HapbError, type SourcePos } from '../errors/index.js';
import type { Vars } from '../engine/types.js';
import { parseKeyValue } from '../playbook/load.js';
import { joinPointer, loadYaml, loadYamlFile } from '../yaml/load.js';

export function parseExtraVars(values: readonly string[]): Vars {
  return parseExtraVarsLocated(values).vars;
}

/** The -e variables and where each was given (the last one given wins, as its value does). */
export function parseExtraVarsLocated(values: readonly string[]): { vars: Vars; pos: Map<string, SourcePos>; files: string[] } {
  const out: Vars = {};
  const pos = new Map<string, SourcePos>();
  const files: string[] = [];
  for (const raw of values) {
    const v = raw.trim();
    if (v.startsWith('@')) {
      const file = resolve(v.slice(1));
      const doc = loadYamlFile(file);
      if (doc.value === null || doc.value === undefined) continue;
      if (typeof doc.value !== 'object' || Array.isArray(doc.value)) {
        throw new HapbError(`-e ${raw}: ${file} must hold a mapping of variable names to values`, { exitCode: ExitCode.invalidInput });
      }
      Object.assign(out, doc.value);
      files.push(file);
      for (const k of Object.keys(doc.value)) pos.set(k, doc.keyPos(joinPointer('', k)) ?? { file, line: 1, col: 1 });
    } else if (v.startsWith('{')) {
      const doc = loadYaml(v, `-e ${raw}`);
      Object.assign(out, doc.value as Vars);
      for (const k of Object.keys((doc.value as Vars | null) ?? {})) pos.set(k, doc.keyPos(joinPointer('', k)) ?? { file: `-e ${raw}`, line: 1, col: 1 });
    } else {
      const kv = parseKeyValue(v);
      if (Object.keys(kv).length === 0) {
        throw new HapbError(`-e ${raw}: expected KEY=VALUE, a JSON/YAML mapping, or @FILE`, { exitCode: ExitCode.badOption, hint: 'for example: -e vip=192.168.0.150 or -e @profiles/tutorial.yml' });
      }
      Object.assign(out, kv);
      for (const k of Object.keys(kv)) pos.set(k, { file: `-e '${v}'`, line: 1, col: Math.max(1, v.indexOf(`${k}=`) + 1) });
    }
  }
  return { vars: out, pos, files };
}
