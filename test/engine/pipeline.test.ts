/**
 * The one task pipeline: render and the preflight take the path `run` takes
 * (loop_control.index_var, copy into a directory, set_fact), the preflight
 * reads TemplateError's fields, and the engine names no module.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preflightTemplates } from '../../src/engine/preflight.js';
import { renderPlaybook } from '../../src/engine/render.js';
import { loadInventory } from '../../src/inventory/index.js';
import { moduleNames } from '../../src/modules/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { catalog, makeProject, type Project } from '../helpers/project.js';

let p: Project;
beforeAll(() => {
  p = makeProject({
    'hosts.yml': 'all:\n  vars: { ansible_connection: local }\n  hosts:\n    h1: {}\n',
    'files/app.ini': 'x=1\n',
    'site.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: numbered
      copy: { content: "{{ i }}:{{ item }}\\n", dest: "/etc/n{{ i }}.conf" }
      loop: [a, b]
      loop_control: { index_var: i }
    - name: into a directory
      copy: { src: app.ini, dest: /etc/app/ }
    - name: a fact
      set_fact: { greeting: "hello {{ inventory_hostname }}" }
    - name: uses the fact
      copy: { content: "{{ greeting }}\\n", dest: /etc/greeting }
    - name: a loop over facts, of a module render does not run
      command: "echo {{ item }}"
      loop: "{{ ansible_interfaces }}"
    - name: a command render does not run
      command: hostname
      register: out
    - name: uses its output
      copy: { content: "{{ out.stdout | default('none') }}\\n", dest: /etc/out }
    - name: skipped
      copy: { content: x, dest: /etc/never }
      when: false
`,
    'undefined.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - command: hostname
      register: later
    - copy: { content: "{{ later.stdout }} {{ ansible_hostname }}", dest: /etc/ok }
    - copy: { content: "{{ typo_var }}", dest: /etc/bad }
`,
  });
});
afterAll(() => p.cleanup());

const load = (file: string): Parameters<typeof renderPlaybook>[0] => ({
  playbook: loadPlaybook(join(p.dir, file), { modules: catalog }),
  inventory: loadInventory(join(p.dir, 'hosts.yml')),
});

describe('render is run --check offline', () => {
  it('index_var, copy into a directory, set_fact, when, registered results; tasks that need the host are not run', async () => {
    const files = await renderPlaybook(load('site.yml'));
    expect(files.map((f) => [f.dest, f.content])).toEqual([
      ['/etc/n0.conf', '0:a\n'],
      ['/etc/n1.conf', '1:b\n'],
      ['/etc/app/app.ini', 'x=1\n'],
      ['/etc/greeting', 'hello h1\n'],
      ['/etc/out', 'none\n'],
    ]);
  });
});

describe('preflight', () => {
  it('reports an undefined variable at its template position, not names that exist at run time', async () => {
    const errors = await preflightTemplates(load('undefined.yml'));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.detail).toBe(`undefined variable 'typo_var' in 'typo_var' (task 'copy' for h1, ${p.path('undefined.yml')}:8)`);
    expect(errors[0]?.pos).toMatchObject({ file: expect.stringMatching(/undefined\.yml$/), line: 8 });
  });
});

describe('the engine names no module', () => {
  const dir = fileURLToPath(new URL('../../src/engine', import.meta.url));
  it.each(readdirSync(dir).filter((f) => f.endsWith('.ts')))('%s', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    // find-file.ts's words for its two search folders are not module names
    const words = text.replace("kind === 'templates' ? 'template' : 'file'", '');
    const named = moduleNames().filter((n) => new RegExp(`['"\`]${n}['"\`]`).test(words));
    expect(named).toEqual([]);
  });
});
