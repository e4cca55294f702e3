/**
 * The engine against the local connection in temporary roots: idempotency,
 * check mode, diffs, handlers, limit, precedence, serial and failures.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/types.js';
import { makeProject, type Project } from '../helpers/project.js';

const inventory = `
all:
  vars:
    greeting: from-all
  children:
    web:
      vars:
        greeting: from-web
      hosts:
        web1:
          port: 8081
        web2:
          port: 8082
    db:
      hosts:
        db1:
          greeting: from-host
`;

const site = `
- name: configure
  hosts: web
  gather_facts: false
  roles:
    - app
  handlers:
    - name: reload app
      command: "touch {{ root }}/{{ inventory_hostname }}.reloaded"
`;

const role = {
  'roles/app/defaults/main.yml': 'app_name: demo\nworkers: 2\n',
  'roles/app/tasks/main.yml': `
- name: config dir
  file:
    path: "{{ root }}/{{ inventory_hostname }}/etc"
    state: directory
    mode: "0755"
- name: config file
  template:
    src: app.conf.j2
    dest: "{{ root }}/{{ inventory_hostname }}/etc/app.conf"
    mode: "0640"
  notify: reload app
- name: banner
  copy:
    content: "welcome to {{ inventory_hostname }}\\n"
    dest: "{{ root }}/{{ inventory_hostname }}/etc/banner"
  notify: reload app
`,
  'roles/app/templates/app.conf.j2': 'name={{ app_name }}\nport={{ port }}\nworkers={{ workers }}\ngreeting={{ greeting }}\n',
};

let project: Project | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

function handlerRuns(events: EngineEvent[], host: string): number {
  return events.filter((e) => e.type === 'host.result' && e.handler && e.host === host && e.status === 'changed').length;
}

describe('converge with the local connection', () => {
  it('changes on the first run, reports changed=0 on the second, and runs the handler once and only on change', async () => {
    project = makeProject({ 'hosts.yml': inventory, 'site.yml': site, ...role });
    const first = await project.run();
    expect(first.exitCode).toBe(0);
    expect(first.recap.web1?.changed).toBeGreaterThanOrEqual(3);
    expect(handlerRuns(first.events, 'web1')).toBe(1); // notified twice, ran once
    expect(readFileSync(project.path('root/web1/etc/app.conf'), 'utf8')).toBe('name=demo\nport=8081\nworkers=2\ngreeting=from-web\n');
    expect(readFileSync(project.path('root/web2/etc/app.conf'), 'utf8')).toContain('port=8082');
    expect(Object.keys(first.recap).sort()).toEqual(['web1', 'web2']);

    const second = await project.run();
    expect(second.exitCode).toBe(0);
    expect(second.recap.web1?.changed).toBe(0);
    expect(second.recap.web2?.changed).toBe(0);
    expect(handlerRuns(second.events, 'web1')).toBe(0);
  });

  it('check mode reports the change with a diff and writes nothing', async () => {
    project = makeProject({ 'hosts.yml': inventory, 'site.yml': site, ...role });
    await project.run();
    const before = readFileSync(project.path('root/web1/etc/app.conf'), 'utf8');
    const check = await project.run({ check: true, diff: true, extraVars: { workers: 8 } });
    expect(check.exitCode).toBe(0);
    expect(check.recap.web1?.changed).toBeGreaterThanOrEqual(1);
    const changed = check.events.find((e) => e.type === 'host.result' && e.task === 'config file' && e.host === 'web1');
    expect(changed?.type === 'host.result' && changed.status).toBe('changed');
    const diff = changed?.type === 'host.result' ? changed.result.diff?.[0] : undefined;
    expect(diff?.before).toContain('workers=2');
    expect(diff?.after).toContain('workers=8');
    expect(readFileSync(project.path('root/web1/etc/app.conf'), 'utf8')).toBe(before);
    // the handler is reported in check mode too, but must not have touched anything
    const touched = check.events.filter((e) => e.type === 'host.result' && e.handler);
    expect(touched.length).toBeGreaterThan(0);
    expect(touched.every((e) => e.type === 'host.result' && (e.status === 'skipped' || e.status === 'changed'))).toBe(true);
  });

  it('check mode on a fresh root creates nothing', async () => {
    project = makeProject({ 'hosts.yml': inventory, 'site.yml': site, ...role });
    const check = await project.run({ check: true });
    expect(check.exitCode).toBe(0);
    expect(check.recap.web1?.changed).toBeGreaterThanOrEqual(1);
    expect(existsSync(project.path('root/web1'))).toBe(false);
  });
});

describe('handlers', () => {
  const play = (tasks: string, handlers: string): string => `
- hosts: web1
  gather_facts: false
  tasks:
${tasks}
  handlers:
${handlers}
`;
  const handlers = `
    - name: first
      command: "sh -c 'echo first >> {{ root }}/order'"
    - name: second
      command: "sh -c 'echo second >> {{ root }}/order'"
      listen: restart everything
`;
  it('run in definition order, not in notification order, once each', async () => {
    project = makeProject({
      'hosts.yml': inventory,
      'site.yml': play(`
    - command: "true"
      changed_when: true
      notify: [restart everything, first]
    - command: "true"
      changed_when: true
      notify: first
`, handlers),
    });
    const r = await project.run();
    expect(r.exitCode).toBe(0);
    expect(readFileSync(project.path('root/order'), 'utf8')).toBe('first\nsecond\n');
  });

  it('are not run when the notifying task did not change', async () => {
    project = makeProject({
      'hosts.yml': inventory,
      'site.yml': play(`
    - command: "true"
      changed_when: false
      notify: first
`, handlers),
    });
    const r = await project.run();
    expect(r.exitCode).toBe(0);
    expect(existsSync(project.path('root/order'))).toBe(false);
  });

  it('flush at meta: flush_handlers, before later tasks', async () => {
    project = makeProject({
      'hosts.yml': inventory,
      'site.yml': play(`
    - command: "true"
      changed_when: true
      notify: first
    - meta: flush_handlers
    - command: "sh -c 'echo task >> {{ root }}/order'"
`, handlers),
    });
    await project.run();
    expect(readFileSync(project.path('root/order'), 'utf8')).toBe('first\ntask\n');
  });

  it('do not run on a host that failed after being notified', async () => {
    project = makeProject({
      'hosts.yml': inventory,
      'site.yml': play(`
    - command: "true"
      changed_when: true
      notify: first
    - command: "false"
`, handlers),
    });
    const r = await project.run();
    expect(r.exitCode).toBe(2);
    expect(existsSync(project.path('root/order'))).toBe(false);
  });
});

describe('hosts, --limit and precedence', () => {
  const report = `
- hosts: all
  gather_facts: false
  vars:
    from_play: play
  roles:
    - show
`;
  const showRole = {
    'roles/show/defaults/main.yml': 'greeting: from-role-default\nonly_default: role-default\nfrom_play: role-default\n',
    'roles/show/tasks/main.yml': `
- copy:
    content: "{{ greeting }} {{ only_default }} {{ from_play }}\\n"
    dest: "{{ root }}/{{ inventory_hostname }}.txt"
`,
  };
  it.each([
    ['all', ['db1', 'web1', 'web2']],
    ['web', ['web1', 'web2']],
    ['web:!web2', ['web1']],
    ['web*', ['web1', 'web2']],
    ['db1:web2', ['db1', 'web2']],
  ])('--limit %s touches exactly %j', async (limit, hosts) => {
    project = makeProject({ 'hosts.yml': inventory, 'site.yml': report, ...showRole });
    const r = await project.run({ limit });
    expect(Object.keys(r.recap).sort()).toEqual(hosts);
    for (const h of ['db1', 'web1', 'web2']) expect(existsSync(project.path(`root/${h}.txt`))).toBe(hosts.includes(h));
  });

  it('role defaults < group vars < host vars < play vars < extra vars', async () => {
    project = makeProject({ 'hosts.yml': inventory, 'site.yml': report, ...showRole });
    await project.run();
    expect(readFileSync(project.path('root/web1.txt'), 'utf8')).toBe('from-web role-default play\n');
    expect(readFileSync(project.path('root/db1.txt'), 'utf8')).toBe('from-host role-default play\n');
    await project.run({ extraVars: { greeting: 'from-e', from_play: 'e' } });
    expect(readFileSync(project.path('root/db1.txt'), 'utf8')).toBe('from-e role-default e\n');
  });
});

describe('serial and failures', () => {
  const rolling = (serial: string, failOn: string, fatal = false) => `
- hosts: web:db
  gather_facts: false
  serial: ${serial}
  any_errors_fatal: ${fatal}
  tasks:
    - name: step one
      command: "sh -c 'echo {{ inventory_hostname }} >> {{ root }}/one'"
    - name: maybe fail
      command: "{{ 'false' if inventory_hostname == '${failOn}' else 'true' }}"
    - name: step two
      command: "sh -c 'echo {{ inventory_hostname }} >> {{ root }}/two'"
`;
  it('serial: 1 works on one host at a time, in inventory order', async () => {
    project = makeProject({ 'hosts.yml': inventory, 'site.yml': rolling('1', 'none') });
    const r = await project.run();
    expect(r.exitCode).toBe(0);
    const batches = r.events.flatMap((e) => (e.type === 'play.start' ? [e.hosts.join(',')] : []));
    expect(batches).toEqual(['web1', 'web2', 'db1']);
    expect(readFileSync(project.path('root/one'), 'utf8')).toBe('web1\nweb2\ndb1\n');
  });

  it('a batch whose every host failed stops the rollout', async () => {
    project = makeProject({ 'hosts.yml': inventory, 'site.yml': rolling('1', 'web2') });
    const r = await project.run();
    expect(r.exitCode).toBe(2);
    expect(readFileSync(project.path('root/one'), 'utf8')).toBe('web1\nweb2\n'); // db1 never touched
    expect(r.recap.web2?.failed).toBe(1);
    expect(r.recap.db1).toBeUndefined();
  });

  it('a failed host stops; the others go on', async () => {
    project = makeProject({ 'hosts.yml': inventory, 'site.yml': rolling('3', 'web2') });
    const r = await project.run();
    expect(r.exitCode).toBe(2);
    expect(readFileSync(project.path('root/two'), 'utf8').split('\n').filter(Boolean).sort()).toEqual(['db1', 'web1']);
  });

  it('a host that failed sits out the later plays; the others go on', async () => {
    project = makeProject({
      'hosts.yml': inventory,
      'site.yml': `
- hosts: web
  gather_facts: false
  tasks:
    - command: "{{ 'false' if inventory_hostname == 'web1' else 'true' }}"
- hosts: web:db
  gather_facts: false
  serial: 1
  tasks:
    - command: "sh -c 'echo {{ inventory_hostname }} >> {{ root }}/second'"
`,
    });
    const r = await project.run();
    expect(r.exitCode).toBe(2);
    expect(readFileSync(project.path('root/second'), 'utf8').split('\n').filter(Boolean).sort()).toEqual(['db1', 'web2']);
    expect(r.recap.web1?.failed).toBe(1);
  });

  it('any_errors_fatal stops every host', async () => {
    project = makeProject({ 'hosts.yml': inventory, 'site.yml': rolling('3', 'web2', true) });
    const r = await project.run();
    expect(r.exitCode).toBe(2);
    expect(existsSync(project.path('root/two'))).toBe(false);
  });
});

describe('task keywords', () => {
  it('when, loop, register, changed_when, failed_when, set_fact, ignore_errors', async () => {
    project = makeProject({
      'hosts.yml': inventory,
      'site.yml': `
- hosts: web1
  gather_facts: false
  tasks:
    - name: loop
      copy:
        content: "{{ item }}\\n"
        dest: "{{ root }}/{{ item }}"
      loop: [a, b]
    - name: read
      command: cat {{ root }}/a
      register: out
      changed_when: false
    - set_fact:
        seen: "{{ out.stdout }}"
    - name: only when seen is a
      copy:
        content: "yes\\n"
        dest: "{{ root }}/when-true"
      when: seen == 'a'
    - name: skipped
      copy:
        content: "no\\n"
        dest: "{{ root }}/when-false"
      when: seen != 'a'
    - name: rc 1 is fine here
      command: "false"
      failed_when: out.rc > 1
    - name: ignored failure
      command: "false"
      ignore_errors: true
    - name: still running
      copy:
        content: "end\\n"
        dest: "{{ root }}/end"
`,
    });
    const r = await project.run();
    expect(r.exitCode).toBe(0);
    expect(readFileSync(project.path('root/b'), 'utf8')).toBe('b\n');
    expect(existsSync(project.path('root/when-true'))).toBe(true);
    expect(existsSync(project.path('root/when-false'))).toBe(false);
    expect(existsSync(project.path('root/end'))).toBe(true);
    expect(r.recap.web1?.ignored).toBe(1);
    expect(r.recap.web1?.skipped).toBe(1);
    // as Ansible: the ignored failure (a command, so changed) counts in ok and changed too
    expect(r.recap.web1).toMatchObject({ ok: 7, changed: 5, failed: 0, ignored: 1 });
  });

  it('an undefined variable at run time fails that host with the variable named', async () => {
    project = makeProject({
      'hosts.yml': inventory,
      'site.yml': `
- hosts: web1
  gather_facts: false
  tasks:
    - copy:
        content: "{{ nope }}"
        dest: "{{ root }}/x"
`,
    });
    const r = await project.run();
    expect(r.exitCode).toBe(2);
    const failed = r.events.find((e) => e.type === 'host.result' && e.status === 'failed');
    expect(failed?.type === 'host.result' && String(failed.result.msg)).toMatch(/nope/);
  });
});

describe('atomic writes', () => {
  it('a failed validate keeps the old file', async () => {
    project = makeProject({
      'hosts.yml': inventory,
      'site.yml': `
- hosts: web1
  gather_facts: false
  tasks:
    - copy:
        content: "{{ body }}\\n"
        dest: "{{ root }}/conf"
        validate: "grep -q good %s"
`,
    });
    expect((await project.run({ extraVars: { body: 'good' } })).exitCode).toBe(0);
    const r = await project.run({ extraVars: { body: 'bad' } });
    expect(r.exitCode).toBe(2);
    expect(readFileSync(project.path('root/conf'), 'utf8')).toBe('good\n');
    writeFileSync(project.path('root/marker'), '');
  });
});
