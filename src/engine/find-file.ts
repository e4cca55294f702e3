/** Where `src:` of template/copy is looked for: the role, then the playbook's folder (as Ansible). */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { HapbError } from '../errors/index.js';
import type { Task } from '../playbook/types.js';

export function findTaskFile(task: Task, playbookDir: string, kind: 'templates' | 'files' | 'vars', name: string): string {
  const what = kind === 'vars' ? 'vars file' : kind === 'templates' ? 'template' : 'file';
  if (isAbsolute(name)) {
    if (existsSync(name)) return name;
    throw new HapbError(`${what} '${name}' not found`);
  }
  const dirs = [...(task.role ? [join(task.role.dir, kind), task.role.dir] : []), join(playbookDir, kind), playbookDir];
  const hit = dirs.map((d) => join(d, name)).find((p) => existsSync(p));
  if (!hit) throw new HapbError(`could not find ${what} '${name}'`, { hint: `searched: ${dirs.join(', ')}` });
  return hit;
}
