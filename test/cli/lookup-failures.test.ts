/**
 * A failed lookup (a missing file, no file found, an unknown plugin) is a
 * run-time failure of the task, as in Ansible (ansible-playbook 2.14: the host
 * fails, exit 2): hapb does not refuse the playbook for it before any host is
 * touched, even when the lookup's terms are literal. --syntax-check passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hapb } from '../helpers/cli.js';
import { makeProject, type Project } from '../helpers/project.js';

let p: Project;
beforeAll(() => {
  p = makeProject({
    'hosts.yml': 'all:\n  vars: { ansible_connection: local }\n  hosts: { h1: {}, h2: {} }\n',
    'site.yml': `
- hosts: all
  gather_facts: false
  vars:
    from_file: "{{ lookup('file', 'missing.txt') }}"
  tasks:
    - name: first
      copy: { content: "first\\n", dest: "@ROOT@/{{ inventory_hostname }}.first" }
    - name: an ignored failed lookup
      debug: { msg: "{{ from_file }}" }
      ignore_errors: true
    - name: an unknown lookup plugin, ignored
      debug: { msg: "{{ lookup('nope', 'x') }}" }
      ignore_errors: true
    - name: fails on h1 only
      debug: { msg: "{{ lookup('template', 'nope.j2') }}" }
      when: inventory_hostname == 'h1'
    - name: last
      copy: { content: "last\\n", dest: "@ROOT@/{{ inventory_hostname }}.last" }
`,
  });
});
afterAll(() => p.cleanup());

const recapLine = (out: string, host: string): string => (out.split('\n').find((l) => l.startsWith(`${host} `)) ?? '').replace(/\s+/g, ' ').trim();

describe('failed lookups fail the task at run time', () => {
  it('--syntax-check passes', () => {
    const r = hapb(['run', 'site.yml', '-i', 'hosts.yml', '--syntax-check'], { cwd: p.dir });
    expect(r.code, r.stderr).toBe(0);
  });

  it('the run fails h1 at the failed lookup (exit 2), h2 runs to the end; recap as ansible-playbook', () => {
    const r = hapb(['run', 'site.yml', '-i', 'hosts.yml'], { cwd: p.dir });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/^ERROR/m);
    expect(r.stdout).toContain('could not locate file in lookup: missing.txt');
    expect(r.stdout).toContain('lookup plugin (nope) not found');
    expect(recapLine(r.stdout, 'h1')).toBe('h1 : ok=3 changed=1 unreachable=0 failed=1 skipped=0 rescued=0 ignored=2');
    expect(recapLine(r.stdout, 'h2')).toBe('h2 : ok=4 changed=2 unreachable=0 failed=0 skipped=1 rescued=0 ignored=2');
  });
});
