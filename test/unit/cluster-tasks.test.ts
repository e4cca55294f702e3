/**
 * Every expression in the roles' tasks and handlers works with the project's
 * templater, for every host of the seed inventory under both profiles: each
 * `when` evaluates, each `assert` holds, and every templated argument renders
 * (arguments that read a registered result are left to the engine).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Vars } from '../../src/engine/types.js';
import { hostVars, loadInventory, magicVars, selectHosts } from '../../src/inventory/index.js';
import { createTemplater } from '../../src/template/index.js';
import { loadYamlFile } from '../../src/yaml/load.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const templater = createTemplater();
const inventory = loadInventory(join(root, 'inventory', 'seed.yml'));
const plays = loadYamlFile<{ hosts: string; roles: string[]; vars?: Vars }[]>(join(root, 'playbooks', 'site.yml')).value;

type Task = Record<string, unknown>;
const readList = (file: string): Task[] => (loadYamlFile<Task[] | null>(file).value ?? []);

/** Strings anywhere inside a value, with their path. */
function strings(value: unknown, path: string, out: [string, string][] = []): [string, string][] {
  if (typeof value === 'string') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) strings(v, `${path}.${k}`, out);
  return out;
}

/** a play's roles and the roles their tasks include (include_role), each once */
function rolesOf(roles: string[]): string[] {
  const out: string[] = [];
  const visit = (role: string): void => {
    if (out.includes(role)) return;
    out.push(role);
    for (const task of readList(join(root, 'roles', role, 'tasks', 'main.yml'))) {
      const inc = task['ansible.builtin.include_role'] ?? task['include_role'];
      if (inc && typeof inc === 'object' && typeof (inc as Task)['name'] === 'string') visit((inc as Task)['name'] as string);
    }
  };
  roles.forEach(visit);
  return out;
}

const cases: [string, string, string, Task, Vars][] = [];
for (const profile of ['hapb', 'tutorial']) {
  const extra = loadYamlFile<Vars>(join(root, 'profiles', `${profile}.yml`)).value;
  for (const play of plays) {
    const defaults: Vars = {};
    const roles = rolesOf(play.roles);
    for (const role of roles) Object.assign(defaults, loadYamlFile<Vars>(join(root, 'roles', role, 'defaults', 'main.yml')).value);
    for (const host of selectHosts(inventory, play.hosts)) {
      const vars = { ...defaults, ...hostVars(inventory, host), ...(play.vars ?? {}), ...extra, ...magicVars(inventory, host) };
      for (const role of roles) {
        const dir = join(root, 'roles', role);
        for (const kind of readdirSync(dir).filter((d) => d === 'tasks' || d === 'handlers')) {
          for (const task of readList(join(dir, kind, 'main.yml'))) {
            cases.push([profile, host, `${role}/${kind}: ${String(task.name)}`, task, vars]);
          }
        }
      }
    }
  }
}

describe('role task expressions', () => {
  it('covers every task of every role', () => {
    // keepalived, nginx_director and web_backend: tasks and handlers; prometheus_exporters (included by both): tasks and handlers
    expect(new Set(cases.map((c) => c[2].split(':')[0])).size).toBe(8);
  });

  it.each(cases)('%s %s %s', (_profile, _host, _name, task, vars) => {
    const registered = cases.map((c) => c[3].register).filter((r): r is string => typeof r === 'string');
    const when = task.when === undefined ? [] : Array.isArray(task.when) ? task.when : [task.when];
    for (const w of when) expect(typeof templater.evaluate(String(w), vars)).toBe('boolean');
    const assertion = task.assert as { that?: string[] } | undefined;
    const active = when.every((w) => templater.evaluate(String(w), vars) === true);
    if (assertion?.that && active) {
      for (const that of assertion.that) expect(templater.evaluate(that, vars), that).toBe(true);
    }
    const { when: _w, name: _n, register: _r, changed_when: _c, failed_when: _f, notify: _no, loop, ...rest } = task;
    const items = loop === undefined ? [undefined] : (templater.templateValue(loop, vars) as unknown[]);
    expect(Array.isArray(items)).toBe(true);
    for (const item of items) {
      const scope = item === undefined ? vars : { ...vars, item };
      for (const [path, text] of strings(rest, 'task')) {
        if (registered.some((r) => text.includes(r)) || path.startsWith('task.assert')) continue;
        if (!active) continue;
        expect(() => templater.templateValue(text, scope), path).not.toThrow();
      }
    }
  });
});
