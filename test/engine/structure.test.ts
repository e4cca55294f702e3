/**
 * Task structure against the local connection: blocks (rescue, always,
 * rescued count, ansible_failed_*), static imports and dynamic includes of
 * tasks and roles, role dependencies, with_* loops, until/retries,
 * environment, delegate_to, run_once, any_errors_fatal, max_fail_percentage,
 * listen topics, and the same structure offline (render). Each expectation
 * was first taken from ansible-playbook 2.14 on the same playbook (see
 * test/fixtures/conformance/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderPlaybook } from '../../src/engine/render.js';
import { HapbError } from '../../src/errors/index.js';
import { loadInventory } from '../../src/inventory/index.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { catalog, makeProject, type Project } from '../helpers/project.js';

const hosts = `
all:
  hosts:
    h1: { ansible_connection: local, label: one }
    h2: { ansible_connection: local, label: two }
`;

let project: Project | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

function make(files: Record<string, string>): Project {
  project = makeProject({ 'hosts.yml': hosts, ...files });
  return project;
}

const play = (tasks: string, extra = ''): string => `
- hosts: all
  gather_facts: false
${extra}  tasks:
${tasks.replace(/^/gm, '    ')}
`;

const read = (p: Project, rel: string): string => readFileSync(p.path(join('root', rel)), 'utf8');

describe('block, rescue, always', () => {
  it('a failure in the block runs the rescue (counted rescued, not failed), always runs for every host, the rescue sees the failed task', async () => {
    const p = make({
      'site.yml': play(`
- block:
    - name: fails on h1
      command: /bin/false
      when: inventory_hostname == 'h1'
    - name: after
      command: "touch @ROOT@/{{ inventory_hostname }}.after"
  rescue:
    - name: rescue
      copy: { content: "{{ ansible_failed_task.name }} rc={{ ansible_failed_result.rc }}", dest: "@ROOT@/{{ inventory_hostname }}.rescued" }
  always:
    - name: always
      command: "touch @ROOT@/{{ inventory_hostname }}.always"
`),
    });
    const r = await p.run();
    expect(r.exitCode).toBe(0);
    expect(r.recap.h1).toMatchObject({ ok: 2, changed: 2, failed: 0, rescued: 1, skipped: 0 });
    expect(r.recap.h2).toMatchObject({ ok: 2, changed: 2, failed: 0, rescued: 0, skipped: 1 });
    expect(read(p, 'h1.rescued')).toBe('fails on h1 rc=1');
    expect(existsSync(p.path('root/h2.rescued'))).toBe(false);
    expect(existsSync(p.path('root/h1.after'))).toBe(false);
    expect(existsSync(p.path('root/h1.always')) && existsSync(p.path('root/h2.always'))).toBe(true);
  });

  it('without a rescue the host stays failed after always; a nested failure reaches the outer rescue after the inner always', async () => {
    const p = make({
      'site.yml': play(`
- block:
    - command: /bin/false
  always:
    - command: "touch @ROOT@/{{ inventory_hostname }}.always"
- name: never
  command: "touch @ROOT@/never"
`),
    });
    const r = await p.run();
    expect(r.exitCode).toBe(2);
    expect(r.recap.h1).toMatchObject({ ok: 1, failed: 1, rescued: 0 });
    expect(existsSync(p.path('root/h1.always'))).toBe(true);
    expect(existsSync(p.path('root/never'))).toBe(false);

    p.write('nested.yml', play(`
- block:
    - block:
        - command: /bin/false
      always:
        - command: "touch @ROOT@/inner-always"
  rescue:
    - command: "touch @ROOT@/outer-rescue"
`));
    const n = await p.run({ playbook: 'nested.yml', limit: 'h1' });
    expect(n.exitCode).toBe(0);
    expect(n.recap.h1).toMatchObject({ ok: 2, failed: 0, rescued: 1 });
    expect(existsSync(p.path('root/inner-always')) && existsSync(p.path('root/outer-rescue'))).toBe(true);
  });

  it('passes when, vars, become-like keywords and tags down to its tasks', async () => {
    const p = make({
      'site.yml': play(`
- when: inventory_hostname == 'h2'
  vars: { word: from-block }
  tags: [b]
  block:
    - copy: { content: "{{ word }}", dest: "@ROOT@/{{ inventory_hostname }}.word" }
- name: untagged
  command: "touch @ROOT@/untagged"
`),
    });
    const r = await p.run({ tags: ['b'] });
    expect(r.exitCode).toBe(0);
    expect(read(p, 'h2.word')).toBe('from-block');
    expect(existsSync(p.path('root/h1.word'))).toBe(false);
    expect(existsSync(p.path('root/untagged'))).toBe(false);
  });
});

describe('imports and includes', () => {
  const files = {
    'write.yml': '- copy: { content: "{{ what }}", dest: "@ROOT@/{{ inventory_hostname }}.{{ what }}" }\n',
    'h1.yml': '- command: "touch @ROOT@/h1.own"\n',
    'h2.yml': '- command: "touch @ROOT@/h2.own"\n- command: "touch @ROOT@/h2.second"\n',
    'roles/base/tasks/main.yml': '- lineinfile: { path: "@ROOT@/{{ inventory_hostname }}.base", line: "base {{ base_word | default(\'x\') }}", create: true }\n',
    'roles/web/meta/main.yml': 'dependencies:\n  - base\n',
    'roles/web/defaults/main.yml': 'word: default\n',
    'roles/web/tasks/main.yml': '- command: "touch @ROOT@/{{ inventory_hostname }}.web"\n',
    'roles/web/tasks/extra.yml': '- copy: { content: "{{ word }}", dest: "@ROOT@/{{ inventory_hostname }}.extra-{{ word }}" }\n',
  };

  it('import_tasks is expanded at load with its when; include_tasks resolves its file per host at run time, with vars and a loop', async () => {
    const p = make({
      ...files,
      'site.yml': play(`
- import_tasks: write.yml
  vars: { what: imported }
  when: inventory_hostname == 'h1'
- include_tasks: "{{ inventory_hostname }}.yml"
- include_tasks: write.yml
  vars: { what: "looped-{{ item }}" }
  loop: [a, b]
`),
    });
    const book = loadPlaybook(p.path('site.yml'), { modules: catalog });
    // the import is a block of the file's tasks (when passed down); the include stays for run time
    expect(book.plays[0]?.tasks.map((n) => ('kind' in n ? n.kind : 'task'))).toEqual(['block', 'include', 'include']);
    const r = await p.run();
    expect(r.exitCode).toBe(0);
    expect(read(p, 'h1.imported')).toBe('imported');
    expect(existsSync(p.path('root/h2.imported'))).toBe(false);
    expect(existsSync(p.path('root/h1.own')) && existsSync(p.path('root/h2.second'))).toBe(true);
    expect(existsSync(p.path('root/h1.second'))).toBe(false);
    expect(read(p, 'h2.looped-b')).toBe('looped-b');
    // Ansible counts each included file as ok: 1 (import) + 1+1 (include) + 2+2 (loop) on h1
    expect(r.recap.h1).toMatchObject({ ok: 7, changed: 4, skipped: 0 });
    expect(r.recap.h2).toMatchObject({ ok: 7, changed: 4, skipped: 1 });
    const included = r.events.filter((e) => e.type === 'host.result' && e.included);
    expect(included).toHaveLength(6);
  });

  it('import_role/include_role take tasks_from and vars; a dependency runs once per play', async () => {
    const p = make({
      ...files,
      'site.yml': `
- hosts: all
  gather_facts: false
  roles: [web, base]
  tasks:
    - import_role: { name: web, tasks_from: extra }
      vars: { word: imported }
    - include_role: { name: web, tasks_from: extra }
      vars: { word: included }
`,
    });
    const r = await p.run();
    expect(r.exitCode).toBe(0);
    expect(read(p, 'h1.base')).toBe('base x\n');
    expect(read(p, 'h1.extra-imported')).toBe('imported');
    expect(read(p, 'h2.extra-included')).toBe('included');
    // base (dep), web, import extra, include extra: include_role itself counts nothing
    expect(r.recap.h1).toMatchObject({ ok: 4, changed: 4 });
  });

  it('a role with allow_duplicates runs again with other params', async () => {
    const p = make({
      ...files,
      'roles/base/meta/main.yml': 'allow_duplicates: true\n',
      'site.yml': `
- hosts: h1
  gather_facts: false
  roles:
    - base
    - base
    - { role: base, base_word: y }
`,
    });
    const r = await p.run();
    expect(r.exitCode).toBe(0);
    expect(read(p, 'h1.base')).toBe('base x\nbase y\n');
    expect(r.lines.filter((l) => l.includes('lineinfile'))).toHaveLength(3);
  });

  it('a missing include file fails only the hosts that include it; an invalid included file stops the run as invalid input', async () => {
    const p = make({
      'bad.yml': '- debug: msg=hi\n  whenn: true\n',
      'site.yml': play(`
- include_tasks: "{{ inventory_hostname }}-missing.yml"
  when: inventory_hostname == 'h1'
- command: "touch @ROOT@/{{ inventory_hostname }}.on"
`),
    });
    const r = await p.run();
    expect(r.exitCode).toBe(2);
    expect(r.recap.h1).toMatchObject({ failed: 1, ok: 0 });
    expect(existsSync(p.path('root/h2.on'))).toBe(true);
    p.write('invalid.yml', play('- include_tasks: bad.yml\n'));
    await expect(p.run({ playbook: 'invalid.yml' })).rejects.toThrow(/bad\.yml:2:3: unknown key or module 'whenn'/);
  });

  it('blocks and includes render offline like they run', async () => {
    const p = make({
      ...files,
      'site.yml': play(`
- block:
    - include_tasks: write.yml
      vars: { what: in-block }
  rescue:
    - debug: msg=no
- import_role: { name: web, tasks_from: extra }
`),
    });
    const rendered = await renderPlaybook({
      playbook: loadPlaybook(p.path('site.yml'), { modules: catalog }),
      inventory: loadInventory(p.path('hosts.yml')),
      extraVars: { root: p.path('root') },
    });
    expect(rendered.map((f) => `${f.host} ${f.dest.slice(p.path('root').length)} ${f.content}`).sort()).toEqual([
      'h1 /h1.extra-default default',
      'h1 /h1.in-block in-block',
      'h2 /h2.extra-default default',
      'h2 /h2.in-block in-block',
    ]);
  });
});

describe('task keywords', () => {
  it('until retries with attempts; environment reaches the command; delegate_to localhost keeps the task host vars; run_once registers for every host', async () => {
    const p = make({
      'site.yml': play(`
- shell: "n=$(cat @ROOT@/{{ inventory_hostname }}.n 2>/dev/null || echo 0); echo $((n+1)) | tee @ROOT@/{{ inventory_hostname }}.n"
  register: c
  until: c.stdout | int >= 3
  retries: 4
  delay: 0
- copy: { content: "{{ c.attempts }}", dest: "@ROOT@/{{ inventory_hostname }}.attempts" }
- shell: "echo $GREETING > @ROOT@/{{ inventory_hostname }}.env"
  environment: { GREETING: "hi {{ label }}" }
- copy: { content: "{{ label }}", dest: "@ROOT@/{{ inventory_hostname }}.delegated" }
  delegate_to: localhost
- command: "echo {{ inventory_hostname }}"
  register: once
  run_once: true
- copy: { content: "{{ once.stdout }}", dest: "@ROOT@/{{ inventory_hostname }}.once" }
- command: /bin/false
  register: never
  until: never.rc == 0
  retries: 1
  delay: 0
  ignore_errors: true
- copy: { content: "{{ never.attempts }}", dest: "@ROOT@/{{ inventory_hostname }}.never" }
`),
    });
    const r = await p.run();
    expect(r.exitCode).toBe(0);
    expect(read(p, 'h1.attempts')).toBe('3');
    expect(read(p, 'h2.env')).toBe('hi two\n');
    expect(read(p, 'h2.delegated')).toBe('two');
    expect(read(p, 'h2.once')).toBe('h1');
    // Ansible's count: retries exhausted reports attempts = retries
    expect(read(p, 'h1.never')).toBe('1');
    expect(r.events.filter((e) => e.type === 'host.retry' && e.host === 'h1')).toHaveLength(2 + 1);
    expect(r.events.some((e) => e.type === 'host.result' && e.delegate === 'localhost')).toBe(true);
    // run_once: only the first host shows (and counts) the result; the ignored failure counts ok and ignored
    expect(r.recap.h1).toMatchObject({ ok: 8, ignored: 1, failed: 0 });
    expect(r.recap.h2).toMatchObject({ ok: 7, ignored: 1, failed: 0 });
  });

  it('with_* forms make the lists Ansible makes', async () => {
    const p = make({
      'site.yml': play(`
- lineinfile: { path: "@ROOT@/items", line: "{{ item | string }}", create: true }
  with_items: [[a, b], c, [d, [e]]]
  run_once: true
- lineinfile: { path: "@ROOT@/dict", line: "{{ item.key }}={{ item.value }}", create: true }
  with_dict: { x: 1, y: 2 }
  run_once: true
- lineinfile: { path: "@ROOT@/seq", line: "{{ item }}", create: true }
  with_sequence: start=1 end=7 stride=3 format=n%02d
  run_once: true
- lineinfile: { path: "@ROOT@/nested", line: "{{ item.0 }}{{ item.1 }}", create: true }
  with_nested: [[1, 2], [a, b]]
  run_once: true
`),
    });
    const r = await p.run();
    expect(r.exitCode).toBe(0);
    expect(read(p, 'items')).toBe("a\nb\nc\nd\n['e']\n");
    expect(read(p, 'dict')).toBe('x=1\ny=2\n');
    expect(read(p, 'seq')).toBe('n01\nn04\nn07\n');
    expect(read(p, 'nested')).toBe('1a\n1b\n2a\n2b\n');
  });

  it('with_file, with_template and with_first_found run the lookups of the same name (values from ansible-playbook 2.14)', async () => {
    const p = make({
      'files/a.txt': 'one\n',
      'files/b.txt': 'two\n\n',
      'templates/t.j2': 'host={{ inventory_hostname }} item={{ item | default("none") }}\n',
      'site.yml': play(`
- copy: { content: "{{ item }}", dest: "@ROOT@/{{ inventory_hostname }}.file{{ i }}" }
  with_file: [a.txt, b.txt]
  loop_control: { index_var: i }
- copy: { content: "{{ item }}", dest: "@ROOT@/{{ inventory_hostname }}.template" }
  with_template: t.j2
- copy: { content: "{{ item }}", dest: "@ROOT@/{{ inventory_hostname }}.found" }
  with_first_found: [missing.txt, b.txt, a.txt]
- copy: { content: "{{ item }}", dest: "@ROOT@/{{ inventory_hostname }}.paths" }
  with_first_found:
    - files: [nope.txt, a.txt]
      paths: [files]
- copy: { content: "{{ item }}", dest: "@ROOT@/never" }
  with_first_found:
    - files: [nope.txt]
      skip: true
`),
    });
    const r = await p.run();
    expect(r.exitCode).toBe(0);
    // the file lookup strips trailing whitespace, the template lookup does not
    expect(read(p, 'h1.file0')).toBe('one');
    expect(read(p, 'h2.file1')).toBe('two');
    expect(read(p, 'h2.template')).toBe('host=h2 item=none\n');
    expect(read(p, 'h1.found')).toBe(p.path('files/b.txt'));
    expect(read(p, 'h1.paths')).toBe(p.path('files/a.txt'));
    // skip: true with nothing found is an empty loop: the task is skipped
    expect(existsSync(p.path('root/never'))).toBe(false);
    expect(r.recap.h1).toMatchObject({ ok: 4, changed: 4, skipped: 1, failed: 0 });
  });

  it('a with_file whose file is missing fails the task with the lookup\'s message (Ansible\'s), ignore_errors ignores it', async () => {
    const p = make({
      'files/a.txt': 'one\n',
      'site.yml': play(`
- debug: { msg: "{{ item }}" }
  with_file: [a.txt, missing.txt]
  ignore_errors: true
- include_tasks: "{{ lookup('first_found', ['nope.yml']) }}"
  ignore_errors: true
- debug: { msg: "{{ item }}" }
  with_first_found: [nope1, nope2]
`),
    });
    const r = await p.run();
    expect(r.exitCode).toBe(2);
    expect(r.recap.h1).toMatchObject({ ok: 2, ignored: 2, failed: 1 });
    const results = r.events.flatMap((e) => (e.type === 'host.result' && e.host === 'h1' && e.status === 'failed' ? [String(e.result.msg)] : []));
    expect(results[0]).toBe('could not locate file in lookup: missing.txt');
    expect(results[2]).toBe('No file was found when using first_found.');
  });

  it('delegate_facts: set_fact and include_vars give their facts to the delegate host, also outside the play; without it they stay with the task host (as ansible-playbook 2.14)', async () => {
    const p = make({
      'hosts.yml': 'all:\n  hosts:\n    h1: { ansible_connection: local }\n    h2: { ansible_connection: local }\n    h3: { ansible_connection: local }\n',
      'v.yml': 'from_file: 42\n',
      'site.yml': `
- hosts: h1:h2
  gather_facts: false
  tasks:
    - set_fact: { mark: "set by {{ inventory_hostname }}" }
      delegate_to: h3
      delegate_facts: true
    - set_fact: { other: "from {{ inventory_hostname }}" }
      delegate_to: h2
      delegate_facts: true
      run_once: true
    - set_fact: { plain: "from {{ inventory_hostname }}" }
      delegate_to: h2
    - include_vars: v.yml
      delegate_to: h3
      delegate_facts: true
      run_once: true
    - copy:
        content: "other={{ other | default('none') }} plain={{ plain }} mark={{ mark | default('none') }} h3={{ hostvars.h3.mark }} {{ hostvars.h3.from_file }} ff={{ from_file | default('none') }}"
        dest: "@ROOT@/{{ inventory_hostname }}"
- hosts: h3
  gather_facts: false
  tasks:
    - copy: { content: "{{ mark }} {{ from_file }}", dest: "@ROOT@/h3" }
`,
    });
    const r = await p.run();
    expect(r.exitCode).toBe(0);
    expect(read(p, 'h1')).toBe('other=none plain=from h1 mark=none h3=set by h2 42 ff=none');
    expect(read(p, 'h2')).toBe('other=from h1 plain=from h2 mark=none h3=set by h2 42 ff=none');
    expect(read(p, 'h3')).toBe('set by h2 42');
  });

  it('a host that only received delegated facts is not in the recap', async () => {
    const p = make({
      'hosts.yml': 'all:\n  hosts:\n    h1: { ansible_connection: local }\n    h3: { ansible_connection: local }\n',
      'site.yml': play(`
- set_fact: { mark: 1 }
  delegate_to: h3
  delegate_facts: true
`).replace('hosts: all', 'hosts: h1'),
    });
    const r = await p.run();
    expect(Object.keys(r.recap)).toEqual(['h1']);
  });

  it('any_errors_fatal stops every host; max_fail_percentage stops the play past the percentage', async () => {
    const p = make({
      'site.yml': play(`
- command: /bin/false
  when: inventory_hostname == 'h1'
  any_errors_fatal: true
- command: "touch @ROOT@/{{ inventory_hostname }}.after"
`),
    });
    const r = await p.run();
    expect(r.exitCode).toBe(2);
    expect(r.recap.h2).toMatchObject({ failed: 0, skipped: 1, ok: 0 });
    expect(existsSync(p.path('root/h2.after'))).toBe(false);

    p.write('pct.yml', play(`
- command: /bin/false
  when: inventory_hostname == 'h1'
- command: "touch @ROOT@/{{ inventory_hostname }}.pct"
`, '  max_fail_percentage: 49\n'));
    const q = await p.run({ playbook: 'pct.yml' });
    expect(q.exitCode).toBe(2);
    expect(existsSync(p.path('root/h2.pct'))).toBe(false);
    p.write('pct50.yml', play(`
- command: /bin/false
  when: inventory_hostname == 'h1'
- command: "touch @ROOT@/{{ inventory_hostname }}.pct50"
`, '  max_fail_percentage: 50\n'));
    expect((await p.run({ playbook: 'pct50.yml' })).exitCode).toBe(2);
    expect(existsSync(p.path('root/h2.pct50'))).toBe(true);
  });

  it('every handler listening to a notified topic runs', async () => {
    const p = make({
      'site.yml': `
- hosts: h1
  gather_facts: false
  tasks:
    - command: "true"
      notify: topic
  handlers:
    - name: first
      command: "touch @ROOT@/first"
      listen: topic
    - name: second
      command: "touch @ROOT@/second"
      listen: topic
`,
    });
    const r = await p.run();
    expect(r.lines).toEqual(['changed h1 command', 'changed h1 handler:first', 'changed h1 handler:second']);
  });
});

describe('refused at load, before any host is touched', () => {
  const cases: [string, string, RegExp][] = [
    ['an unknown block keyword', "- block:\n    - debug: msg=x\n  rescu:\n    - debug: msg=y\n", /site\.yml:7:7: unknown key 'rescu' in block/],
    ['a missing import', '- import_tasks: nope.yml\n', /site\.yml:5:21: import_tasks: file 'nope\.yml' not found/],
    ['a bad until', '- command: "true"\n  register: r\n  until: r.rc ==\n', /site\.yml:7:14: until: syntax error/],
    ['a bad when', '- debug: msg=x\n  when: x ==\n', /site\.yml:6:13: when: syntax error/],
    ['loop and with_items together', '- debug: msg=x\n  loop: [1]\n  with_items: [2]\n', /use either loop or one with_\* form/],
    ['an import with a loop', '- import_tasks: x.yml\n  loop: [1]\n', /import_tasks cannot loop/],
    ['an unknown keyword on include_tasks', '- include_tasks: x.yml\n  whenn: true\n', /'whenn' is not valid on include_tasks/],
    ['a missing include_role role', '- include_role: { name: nope }\n', /role 'nope' not found/],
  ];
  it.each(cases)('%s', (_what, tasks, message) => {
    const p = make({ 'x.yml': '- debug: msg=x\n', 'site.yml': play(tasks) });
    let err: unknown;
    try {
      loadPlaybook(p.path('site.yml'), { modules: catalog });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HapbError);
    expect((err as HapbError).exitCode).toBe(4);
    expect((err as HapbError).message).toMatch(message);
  });
});
