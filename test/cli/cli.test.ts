/** The command line end to end: exit codes, output, check/diff, render, inventory. */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hapb } from '../helpers/cli.js';
import { makeProject, type Project } from '../helpers/project.js';

let p: Project;
beforeAll(() => {
  p = makeProject({
    'inventory/hosts.yml': `
all:
  vars:
    ansible_connection: local
  children:
    web:
      hosts:
        web1: { port: 8081 }
        web2: { port: 8082 }
`,
    'site.yml': `
- hosts: web
  gather_facts: false
  vars:
    root: "@ROOT@"
  roles: [app]
`,
    'roles/app/defaults/main.yml': 'workers: 2\n',
    'roles/app/tasks/main.yml': `
- name: dir
  file: { path: "{{ root }}/{{ inventory_hostname }}", state: directory }
- name: config
  template: { src: app.conf.j2, dest: "{{ root }}/{{ inventory_hostname }}/app.conf" }
  notify: restart app
`,
    'roles/app/handlers/main.yml': `
- name: restart app
  command: "touch {{ root }}/{{ inventory_hostname }}/restarted"
`,
    'roles/app/templates/app.conf.j2': 'port={{ port }}\nworkers={{ workers }}\n',
    'undefined.yml': `
- hosts: web
  gather_facts: false
  tasks:
    - copy: { content: "{{ not_defined_anywhere }}", dest: "@ROOT@/u" }
`,
    'bad.yml': '- hosts: web\n  tasks:\n    - command: "true"\n      notfiy: x\n',
  });
});
afterAll(() => p.cleanup());

describe('hapb', () => {
  it('--version and --help', () => {
    expect(hapb(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = hapb(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('--check');
  });

  it('converges, then reports changed=0, and --check --diff shows a change without making it', () => {
    const first = hapb(['run', 'site.yml', '-i', 'inventory/hosts.yml'], { cwd: p.dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/TASK \[app : config\]/);
    expect(first.stdout).toMatch(/changed: \[web1\]/);
    expect(first.stdout).toMatch(/RUNNING HANDLER \[app : restart app\]/);
    expect(first.stdout).toMatch(/web1\s+: ok=\d+\s+changed=[1-9]/);
    expect(existsSync(p.path('root/web1/restarted'))).toBe(true);

    const second = hapb(['run', 'site.yml', '-i', 'inventory/hosts.yml'], { cwd: p.dir });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/web1\s+: ok=\d+\s+changed=0/);
    expect(second.stdout).not.toMatch(/RUNNING HANDLER/);

    const check = hapb(['run', 'site.yml', '-i', 'inventory/hosts.yml', '--check', '--diff', '-e', 'workers=8'], { cwd: p.dir });
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('-workers=2');
    expect(check.stdout).toContain('+workers=8');
    expect(readFileSync(p.path('root/web1/app.conf'), 'utf8')).toBe('port=8081\nworkers=2\n');

    // -v shows what the plans would run; the handler's command is skipped in check mode
    const verbose = hapb(['run', 'site.yml', '-i', 'inventory/hosts.yml', '--check', '-v', '-e', 'workers=9'], { cwd: p.dir });
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stdout).toMatch(new RegExp(`would run: write ${p.path('root/web1/app.conf')} \\(20 bytes, sha1 [0-9a-f]{40}\\)`));
    expect(verbose.stdout).toMatch(/skipping: \[web1\]/);
    expect(readFileSync(p.path('root/web1/app.conf'), 'utf8')).toBe('port=8081\nworkers=2\n');
  });

  it("-o json prints Ansible's json callback document on stdout and the log on stderr", () => {
    const r = hapb(['run', 'site.yml', '-i', 'inventory/hosts.yml', '-o', 'json'], { cwd: p.dir });
    expect(r.code).toBe(0);
    type Doc = {
      plays: { play: { name: string; path: string }; tasks: { task: { name: string }; hosts: Record<string, { action: string; changed: boolean }> }[] }[];
      stats: Record<string, { changed: number; failures: number; ok: number }>;
      custom_stats: object;
      global_custom_stats: object;
    };
    const data = JSON.parse(r.stdout) as Doc;
    expect(Object.keys(data)).toEqual(['custom_stats', 'global_custom_stats', 'plays', 'stats']);
    expect(data.stats.web1).toEqual({ changed: 0, failures: 0, ignored: 0, ok: expect.any(Number) as number, rescued: 0, skipped: expect.any(Number) as number, unreachable: 0 });
    expect(data.plays[0]?.play.path).toMatch(/site\.yml:\d+$/);
    const config = data.plays[0]?.tasks.find((t) => t.task.name === 'app : config');
    expect(config?.hosts.web1).toMatchObject({ action: 'template', changed: false });
    expect(r.stderr).toContain('PLAY RECAP');
  });

  it('--limit touches one host only', () => {
    const r = hapb(['run', 'site.yml', '-i', 'inventory/hosts.yml', '--limit', 'web2', '-o', 'json', '-e', 'workers=3'], { cwd: p.dir });
    const data = JSON.parse(r.stdout) as { stats: Record<string, unknown> };
    expect(Object.keys(data.stats)).toEqual(['web2']);
    expect(readFileSync(p.path('root/web2/app.conf'), 'utf8')).toContain('workers=3');
    expect(readFileSync(p.path('root/web1/app.conf'), 'utf8')).toContain('workers=2');
  });

  it('bad input: file:line:col, a hint, exit 4', () => {
    const r = hapb(['run', 'bad.yml', '-i', 'inventory/hosts.yml'], { cwd: p.dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/bad\.yml:4:7: unknown key or module 'notfiy' in task/);
    expect(r.stderr).toMatch(/did you mean 'notify'/);
  });

  it('an undefined variable in a template is an input error before any host is touched', () => {
    const r = hapb(['run', 'undefined.yml', '-i', 'inventory/hosts.yml'], { cwd: p.dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/not_defined_anywhere/);
    expect(r.stderr).toMatch(/undefined\.yml:\d+/);
    expect(existsSync(p.path('root/u'))).toBe(false);
  });

  it('--syntax-check changes nothing', () => {
    const r = hapb(['run', 'site.yml', '-i', 'inventory/hosts.yml', '--syntax-check', '-e', 'workers=9'], { cwd: p.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/syntax ok/);
    expect(readFileSync(p.path('root/web1/app.conf'), 'utf8')).toContain('workers=2');
  });

  it('a missing inventory is exit 4 with a hint', () => {
    // no lab either: an empty lab root (a lab running on this box would be the default)
    const r = hapb(['run', 'site.yml'], { cwd: p.dir, env: { HAPB_INVENTORY: '', HAPB_LAB_VAR: p.path('no-labs'), HAPB_LAB_RUN: p.path('no-labs') } });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/-i INVENTORY/);
  });

  it('inventory --list and --host', () => {
    const list = JSON.parse(hapb(['inventory', '-i', 'inventory/hosts.yml', '--list'], { cwd: p.dir }).stdout) as { _meta: { hostvars: Record<string, { port: number }> } };
    expect(list._meta.hostvars.web2?.port).toBe(8082);
    const host = JSON.parse(hapb(['inventory', '-i', 'inventory/hosts.yml', '--host', 'web1'], { cwd: p.dir }).stdout) as { port: number; ansible_connection: string };
    expect(host).toMatchObject({ port: 8081, ansible_connection: 'local' });
    const bad = hapb(['inventory', '-i', 'inventory/hosts.yml', '--host', 'web3'], { cwd: p.dir });
    expect(bad.code).toBe(4);
    // options that parse but cannot be used together: Ansible's AnsibleOptionsError, exit 5
    expect(hapb(['inventory', '-i', 'inventory/hosts.yml'], { cwd: p.dir }).code).toBe(5);
    // a command line that does not parse: argparse's exit 2 in Ansible
    expect(hapb(['run', 'site.yml', '--no-such-flag'], { cwd: p.dir }).code).toBe(2);
    expect(hapb(['run', 'site.yml', '-i', 'inventory/hosts.yml', '--forks', '0'], { cwd: p.dir }).code).toBe(2);
  });

  it('render writes DIR/HOST/dest without touching hosts', () => {
    const r = hapb(['render', 'site.yml', '-i', 'inventory/hosts.yml', '-o', 'out', '-e', 'workers=5'], { cwd: p.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(p.path(`out/web1${p.path('root/web1/app.conf')}`), 'utf8')).toBe('port=8081\nworkers=5\n');
    expect(readFileSync(p.path('root/web1/app.conf'), 'utf8')).toContain('workers=2');
  });

  it('completion prints a bash script that names the commands', () => {
    const r = hapb(['completion', 'bash']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('complete -o filenames -F _hapb hapb');
    expect(r.stdout).toMatch(/run\) words="[^"]*--check/);
  });
});
