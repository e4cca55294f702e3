/**
 * previewFiles: every file the playbook's `template` tasks would write, per
 * host, rendered locally with the project's templater and the variables
 * Ansible would give them (role defaults < inventory group vars < host vars <
 * play vars < extra vars, plus the magic variables).
 *
 * A stand-in for the engine's renderPlaybook() (src/engine/render.ts) until it
 * lands: used by this part's golden and validation tests. It renders only
 * `template` tasks whose `when` holds on inventory variables alone.
 */
import { join } from 'node:path';
import type { Vars } from '../engine/types.js';
import { hostVars, magicVars, selectHosts, type Inventory } from '../inventory/index.js';
import { createTemplater, type Templater } from '../template/index.js';
import { loadYamlFile } from '../yaml/load.js';

export interface PreviewFile {
  host: string;
  role: string;
  /** the task's name */
  task: string;
  /** the template, relative to the role's templates/ */
  src: string;
  /** where the task writes it on the host */
  dest: string;
  /** the task's `validate` command, if any (with %s) */
  validate: string | undefined;
  content: string;
}

export interface PreviewOptions {
  /** folder holding roles/ */
  root: string;
  /** playbook file */
  playbook: string;
  inventory: Inventory;
  /** -e vars, highest precedence (a profile file's content) */
  extraVars?: Vars;
}

interface Play {
  hosts: string;
  roles: string[];
  vars: Vars;
}

interface Task {
  name: string;
  when: string[];
  template: { src: string; dest: string; validate?: string } | undefined;
}

export function previewFiles(opts: PreviewOptions): PreviewFile[] {
  const templater = createTemplater();
  const out: PreviewFile[] = [];
  for (const play of readPlays(opts.playbook)) {
    const defaults: Vars = {};
    for (const role of play.roles) Object.assign(defaults, readYaml(join(opts.root, 'roles', role, 'defaults', 'main.yml')) ?? {});
    for (const host of selectHosts(opts.inventory, play.hosts)) {
      const vars: Vars = {
        ...defaults,
        ...hostVars(opts.inventory, host),
        ...play.vars,
        ...(opts.extraVars ?? {}),
        ...magicVars(opts.inventory, host),
      };
      for (const role of play.roles) {
        for (const task of readTasks(join(opts.root, 'roles', role, 'tasks', 'main.yml'))) {
          if (!task.template) continue;
          const label = `${host}: role ${role}, task '${task.name}'`;
          if (!task.when.every((w) => truthy(templater, w, vars, label))) continue;
          const src = text(templater, task.template.src, vars, label);
          out.push({
            host,
            role,
            task: task.name,
            src,
            dest: text(templater, task.template.dest, vars, label),
            validate: task.template.validate,
            content: renderFile(templater, join(opts.root, 'roles', role, 'templates', src), vars, label),
          });
        }
      }
    }
  }
  return out;
}

/** Render a template file; an error says which host, role and task it was for. */
function renderFile(t: Templater, path: string, vars: Vars, label: string): string {
  try {
    return t.renderFile(path, vars);
  } catch (err) {
    if (err instanceof Error) err.message = `${label}: ${err.message}`;
    throw err;
  }
}

function text(t: Templater, value: string, vars: Vars, label: string): string {
  return String(t.templateValue(value, vars, label));
}

function truthy(t: Templater, expr: string, vars: Vars, label: string): boolean {
  return Boolean(t.evaluate(expr, vars, `${label}, when`));
}

function readYaml(file: string): unknown {
  return loadYamlFile(file).value;
}

function readPlays(file: string): Play[] {
  const value = readYaml(file);
  if (!Array.isArray(value)) throw new Error(`${file}: a playbook is a list of plays`);
  return value.map((p: unknown, i) => {
    const play = (p ?? {}) as Record<string, unknown>;
    if (typeof play.hosts !== 'string') throw new Error(`${file}: play ${i + 1} has no hosts`);
    const roles = Array.isArray(play.roles) ? play.roles : [];
    return {
      hosts: play.hosts,
      roles: roles.map((r: unknown) => (typeof r === 'string' ? r : String((r as { role?: unknown }).role))),
      vars: (play.vars ?? {}) as Vars,
    };
  });
}

function readTasks(file: string): Task[] {
  const value = readYaml(file);
  if (!Array.isArray(value)) return [];
  return value.map((t: unknown) => {
    const task = (t ?? {}) as Record<string, unknown>;
    const when = task.when === undefined ? [] : Array.isArray(task.when) ? task.when.map(String) : [String(task.when)];
    const tpl = task.template as { src?: unknown; dest?: unknown; validate?: unknown } | undefined;
    return {
      name: String(task.name ?? ''),
      when,
      template:
        tpl && typeof tpl.src === 'string' && typeof tpl.dest === 'string'
          ? { src: tpl.src, dest: tpl.dest, ...(typeof tpl.validate === 'string' ? { validate: tpl.validate } : {}) }
          : undefined,
    };
  });
}
