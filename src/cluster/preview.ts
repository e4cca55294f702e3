/**
 * previewFiles: every file the playbook's `template` tasks would write, per
 * host, rendered locally with plain nunjucks and the variables Ansible would
 * give them (role defaults < inventory group vars < host vars < play vars <
 * extra vars, plus inventory_hostname, groups, hostvars, group_names).
 *
 * A stand-in for the engine's renderPlaybook() (src/engine/render.ts) until it
 * lands: used by this part's golden and validation tests. It renders only
 * `template` tasks whose `when` holds on inventory variables alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import type { Vars } from '../engine/types.js';
import type { Inventory } from '../inventory/types.js';
import { loadYamlFile } from '../yaml/load.js';
import { hostsOf, groupsOfHost, varsOfHost } from './inventory-view.js';
import { ipaddr } from './ipv4.js';

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
  const env = templateEnv();
  const out: PreviewFile[] = [];
  for (const play of readPlays(opts.playbook)) {
    const defaults: Vars = {};
    for (const role of play.roles) Object.assign(defaults, readYaml(join(opts.root, 'roles', role, 'defaults', 'main.yml')) ?? {});
    for (const host of matchHosts(opts.inventory, play.hosts)) {
      const vars = resolveVars(env, {
        ...defaults,
        ...varsOfHost(opts.inventory, host),
        ...play.vars,
        ...(opts.extraVars ?? {}),
        ...magicVars(opts.inventory, host),
      }, host);
      for (const role of play.roles) {
        for (const task of readTasks(join(opts.root, 'roles', role, 'tasks', 'main.yml'))) {
          if (!task.template) continue;
          const label = `${host}: role ${role}, task '${task.name}'`;
          if (!task.when.every((w) => evaluate(env, w, vars, label))) continue;
          const src = render(env, task.template.src, vars, label);
          const path = join(opts.root, 'roles', role, 'templates', src);
          out.push({
            host,
            role,
            task: task.name,
            src,
            dest: render(env, task.template.dest, vars, label),
            validate: task.template.validate,
            content: render(env, readFileSync(path, 'utf8'), vars, `${label}, template ${src}`),
          });
        }
      }
    }
  }
  return out;
}

/** The nunjucks environment the preview renders with: Ansible's settings and the filters the roles use. */
export function templateEnv(): nunjucks.Environment {
  const env = new nunjucks.Environment(null, { autoescape: false, trimBlocks: true, throwOnUndefined: true });
  env.addFilter('bool', (v: unknown) => {
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v === 1;
    return ['yes', 'on', '1', 'true', 'y'].includes(String(v).trim().toLowerCase());
  });
  env.addFilter('ternary', (v: unknown, yes: unknown, no: unknown) => (v ? yes : no));
  env.addFilter('to_json', (v: unknown) => JSON.stringify(v));
  env.addFilter('ipaddr', (v: unknown, query?: string) => ipaddr(v, query ?? ''));
  return env;
}

/**
 * Variables whose value is a template ("{{ inventory_hostname }}") are
 * rendered against the others, as Ansible does lazily; a few passes resolve
 * chains of them.
 */
function resolveVars(env: nunjucks.Environment, vars: Vars, host: string): Vars {
  const out: Vars = { ...vars };
  for (let pass = 0; pass < 5; pass++) {
    let changed = false;
    for (const [k, v] of Object.entries(out)) {
      if (typeof v === 'string' && /{{|{%/.test(v)) {
        out[k] = render(env, v, out, `${host}: variable ${k}`);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return out;
}

function render(env: nunjucks.Environment, text: string, vars: Vars, label: string): string {
  try {
    return env.renderString(text, vars);
  } catch (err) {
    throw new Error(`rendering ${label}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function evaluate(env: nunjucks.Environment, expr: string, vars: Vars, label: string): boolean {
  return render(env, `{% if ${expr} %}true{% else %}false{% endif %}`, vars, `${label}, when: ${expr}`) === 'true';
}

function magicVars(inv: Inventory, host: string): Vars {
  const groups: Record<string, string[]> = {};
  for (const g of inv.groups.keys()) groups[g] = hostsOf(inv, g);
  const hostvars: Record<string, Vars> = {};
  for (const h of inv.hosts.keys()) hostvars[h] = { ...varsOfHost(inv, h), inventory_hostname: h };
  return {
    inventory_hostname: host,
    groups,
    hostvars,
    group_names: groupsOfHost(inv, host).filter((g) => g !== 'all' && g !== 'ungrouped'),
  };
}

function matchHosts(inv: Inventory, pattern: string): string[] {
  const out: string[] = [];
  for (const part of pattern.split(/[:,]/).map((p) => p.trim()).filter(Boolean)) {
    const hosts = inv.groups.has(part) || part === 'all' ? hostsOf(inv, part) : inv.hosts.has(part) ? [part] : [];
    for (const h of hosts) if (!out.includes(h)) out.push(h);
  }
  return out;
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
