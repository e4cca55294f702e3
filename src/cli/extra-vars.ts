/** -e KEY=VALUE, -e 'k1=v1 k2=v2', -e '{"json": 1}', -e @file.yml: merged left to right, as Ansible does. */
import { resolve } from 'node:path';
import { ExitCode, HapbError } from '../errors/index.js';
import type { Vars } from '../engine/types.js';
import { parseKeyValue } from '../playbook/load.js';
import { loadYaml, loadYamlFile } from '../yaml/load.js';

export function parseExtraVars(values: readonly string[]): Vars {
  const out: Vars = {};
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
    } else if (v.startsWith('{')) {
      const doc = loadYaml(v, `-e ${raw}`);
      Object.assign(out, doc.value as Vars);
    } else {
      const kv = parseKeyValue(v);
      if (Object.keys(kv).length === 0) {
        throw new HapbError(`-e ${raw}: expected KEY=VALUE, a JSON/YAML mapping, or @FILE`, { exitCode: ExitCode.invalidInput, hint: 'for example: -e vip=192.168.0.150 or -e @profiles/tutorial.yml' });
      }
      Object.assign(out, kv);
    }
  }
  return out;
}
