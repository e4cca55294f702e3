/** Bad playbooks are reported with file:line:column and a hint, before any host is touched. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HapbError, InputErrors, SchemaError } from '../../src/errors/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import type { Task } from '../../src/playbook/types.js';
import { catalog } from '../helpers/project.js';
import { prng } from '../helpers/prng.js';
import { rewrite } from '../helpers/rewrite.js';

const dir = mkdtempSync(join(tmpdir(), 'hapb-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

function errorsOf(file: string): SchemaError[] {
  try {
    loadPlaybook(file, { modules: catalog });
  } catch (e) {
    if (e instanceof InputErrors) return e.errors;
    if (e instanceof SchemaError) return [e];
    throw e;
  }
  return [];
}

describe('bad playbooks', () => {
  it.each([
    ['yaml syntax', '- hosts: all\n  tasks: [\n', /YAML syntax error/, 3, undefined],
    ['typo in a task keyword', '- hosts: all\n  tasks:\n    - command: "true"\n      notfiy: x\n', /unknown key or module 'notfiy'/, 4, /did you mean 'notify'/],
    ['unknown module', '- hosts: all\n  tasks:\n    - templat:\n        src: a\n        dest: b\n', /unknown key or module 'templat'/, 3, /did you mean 'template'/],
    ['unknown FQCN module', '- hosts: all\n  tasks:\n    - ansible.builtin.templat:\n        src: a\n        dest: b\n', /unknown key or module 'ansible.builtin.templat'/, 3, /did you mean 'ansible.builtin.template'/],
    ['typo in module argument', '- hosts: all\n  tasks:\n    - copy:\n        content: x\n        dset: /tmp/x\n', /unknown argument 'dset' for module 'copy'/, 5, /did you mean 'dest'/],
    ['wrong type', '- hosts: all\n  tasks:\n    - command: "true"\n      register: [a]\n', /'register' of task must be of type string/, 4, undefined],
    ['unknown handler', '- hosts: all\n  tasks:\n    - command: "true"\n      notify: reload ngnix\n  handlers:\n    - name: reload nginx\n      command: "true"\n', /notifies 'reload ngnix'/, 3, /did you mean 'reload nginx'/],
    ['play key typo', '- hosts: all\n  taks: []\n', /unknown key 'taks' in play/, 2, /did you mean 'tasks'/],
    ['missing hosts', '- name: x\n  tasks: []\n', /missing required key 'hosts'/, 1, undefined],
    ['two modules', '- hosts: all\n  tasks:\n    - command: "true"\n      shell: "true"\n', /names 2: command, shell/, 3, /split/],
    ['role not found', '- hosts: all\n  roles: [nosuchrole]\n', /role 'nosuchrole' not found/, 2, /looked in/],
    ['not a list', 'hosts: all\n', /must be a list of plays/, 1, undefined],
  ])('%s', (_name, text, message, line, hint) => {
    const file = write(`${_name.replace(/\W/g, '-')}.yml`, text);
    const errs = errorsOf(file);
    expect(errs.length).toBeGreaterThanOrEqual(1);
    const e = errs.find((x) => message.test(x.message));
    expect(e, errs.map((x) => x.message).join('\n')).toBeDefined();
    expect(e?.pos?.file).toBe(file);
    expect(e?.pos?.line).toBe(line);
    expect(e?.pos?.col).toBeGreaterThan(0);
    if (hint) expect(e?.hint).toMatch(hint);
    expect(e?.exitCode).toBe(4);
  });

  it('accepts the ansible.builtin. name of every module, meta included', () => {
    const names = ['meta', ...catalog.names().filter((n) => n !== 'meta')];
    const tasks = names.map((n) => `    - ansible.builtin.${n}: ${n === 'meta' ? 'flush_handlers' : '{}'}\n`).join('');
    const errs = errorsOf(write('fqcn.yml', `- hosts: all\n  tasks:\n${tasks}`));
    // arguments may be missing (required ones), but every name is known
    expect(errs.filter((e) => /unknown key or module/.test(e.message)).map((e) => e.message)).toEqual([]);
    const book = loadPlaybook(write('meta.yml', '- hosts: all\n  tasks:\n    - ansible.builtin.meta: flush_handlers\n'), { modules: catalog });
    expect((book.plays[0]?.tasks[0] as Task | undefined)?.module).toBe('meta');
  });

  it('reports every error of a file at once', () => {
    const file = write('many.yml', '- hosts: all\n  tasks:\n    - command: "true"\n      notfiy: x\n    - copy:\n        dset: y\n');
    expect(errorsOf(file).length).toBeGreaterThanOrEqual(2);
  });

  it('loads a role with defaults, tasks and handlers', () => {
    write('roles/r1/defaults/main.yml', 'a: 1\n');
    write('roles/r1/tasks/main.yml', '- name: t\n  command: "true"\n  notify: h\n');
    write('roles/r1/handlers/main.yml', '- name: h\n  command: "true"\n');
    const file = write('ok.yml', '- hosts: all\n  roles: [r1]\n  handlers:\n    - name: play handler\n      command: "true"\n');
    const book = loadPlaybook(file, { modules: catalog });
    const play = book.plays[0]!;
    expect(play.roles[0]?.defaults).toEqual({ a: 1 });
    expect((play.roles[0]?.tasks[0] as Task | undefined)?.notify).toEqual(['h']);
    expect(play.handlers.map((h) => h.name)).toEqual(['h', 'play handler']);
  });
});

describe('role main files behind symbolic links (issue 10)', () => {
  it.each([
    ['looping', (d: string) => symlinkSync(join(d, 'main.yml'), join(d, 'main.yml')), /tasks\/main\.yml of role 'r-looping' is a symbolic link that loops/],
    ['dangling', (d: string) => symlinkSync(join(d, 'gone.yml'), join(d, 'main.yml')), /tasks\/main\.yml of role 'r-dangling' is a symbolic link to nothing/],
    ['directory', (d: string) => mkdirSync(join(d, 'main.yml')), /tasks\/main\.yml of role 'r-directory' is not a file/],
  ])('a %s tasks/main.yml is a load error with the path, not a role without tasks', (kind, make, want) => {
    const tasks = join(dir, `sym-${kind}`, 'roles', `r-${kind}`, 'tasks');
    mkdirSync(tasks, { recursive: true });
    make(tasks);
    const book = write(`sym-${kind}/site.yml`, `- hosts: all\n  roles: [r-${kind}]\n`);
    const errs = errorsOf(book);
    expect(errs.map((e) => e.message).join('\n')).toMatch(want);
    expect(errs[0]?.pos?.file).toBe(join(tasks, 'main.yml'));
  });

  it('a symbolic link to a real file is read', () => {
    const tasks = join(dir, 'sym-ok', 'roles', 'r-ok', 'tasks');
    mkdirSync(tasks, { recursive: true });
    writeFileSync(join(tasks, 'real.yml'), '- command: "true"\n');
    symlinkSync('real.yml', join(tasks, 'main.yml'));
    const book = write('sym-ok/site.yml', '- hosts: all\n  roles: [r-ok]\n');
    expect(loadPlaybook(book, { modules: catalog }).plays[0]?.roles[0]?.tasks).toHaveLength(1);
  });
});

describe('fuzz: random YAML never crashes the loader', () => {
  const keys = ['hosts', 'tasks', 'name', 'roles', 'handlers', 'notify', 'when', 'loop', 'copy', 'template', 'command', 'vars', 'serial', 'become', 'x', '{{', '- a'];
  const scalars = ['1', 'true', 'null', '"{{ x }}"', "'q'", 'all', '[]', '{}', '-1', '0o7', '&a', '*a', '!!binary x', ':', '|'];
  function gen(rnd: () => number, depth: number, indent: string): string {
    const r = rnd();
    if (depth > 3 || r < 0.3) return ' ' + scalars[Math.floor(rnd() * scalars.length)];
    const n = 1 + Math.floor(rnd() * 3);
    let s = '';
    for (let i = 0; i < n; i++) {
      if (r < 0.6) s += `\n${indent}- ${keys[Math.floor(rnd() * keys.length)]}:${gen(rnd, depth + 1, indent + '    ')}`;
      else s += `\n${indent}${keys[Math.floor(rnd() * keys.length)]}:${gen(rnd, depth + 1, indent + '  ')}`;
    }
    return s;
  }
  const valid = '- hosts: all\n  tasks:\n    - name: t\n      copy:\n        content: x\n        dest: /tmp/x\n      notify: h\n  handlers:\n    - name: h\n      command: "true"\n';
  it('600 random and mutated documents give only clean input errors', () => {
    const rnd = prng(42);
    const file = join(dir, 'fuzz.yml');
    let clean = 0;
    for (let i = 0; i < 600; i++) {
      let text: string;
      if (i % 2 === 0) text = gen(rnd, 0, '');
      else {
        const chars = [...valid];
        for (let m = 0; m < 1 + Math.floor(rnd() * 4); m++) {
          const at = Math.floor(rnd() * chars.length);
          const op = rnd();
          if (op < 0.33) chars.splice(at, 1);
          else if (op < 0.66) chars.splice(at, 0, ' :-[]{}"\n\t#&*!|>'[Math.floor(rnd() * 17)] ?? ' ');
          else chars[at] = String.fromCharCode(32 + Math.floor(rnd() * 95));
        }
        text = chars.join('');
      }
      rewrite(file, text);
      try {
        loadPlaybook(file, { modules: catalog });
        clean++;
      } catch (e) {
        if (!(e instanceof SchemaError || e instanceof InputErrors || e instanceof HapbError)) {
          throw new Error(`case ${i} crashed with ${String(e)}:\n${text}`);
        }
        expect((e as HapbError).exitCode).toBe(4);
      }
    }
    expect(clean).toBeLessThan(600); // some were refused
  }, 60_000); // CPU-bound (every template and conditional is parsed too): the 20 s default is tight on a shared 2-core box
});
