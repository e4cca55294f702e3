/**
 * hostvars['other'] in a task: the other host's templated variables resolve in
 * that host's own scope (issue 10: the hostvars entries were fresh objects no
 * render session knew, so `{{ hostvars['h1'].a }}` printed the raw `x{{ b }}`).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, type Project } from '../helpers/project.js';

let p: Project;
beforeAll(() => {
  p = makeProject({
    'hosts.yml': `
all:
  vars: { ansible_connection: local }
  hosts:
    h1: { b: 1, a: "x{{ b }}" }
    h2: { b: 2 }
`,
    'site.yml': `
- hosts: h2
  gather_facts: false
  tasks:
    - copy:
        content: "{{ hostvars['h1'].a }} {{ hostvars.h1.a }} {{ ansible_play_hosts | join(',') }} {{ groups['all'] | length }}\\n"
        dest: "@ROOT@/out"
`,
  });
});
afterAll(() => p.cleanup());

describe('hostvars entries are lazy scopes of their own host', () => {
  it("{{ hostvars['h1'].a }} templates a with h1's b", async () => {
    const r = await p.run();
    expect(r.exitCode).toBe(0);
    expect(readFileSync(p.path('root/out'), 'utf8')).toBe('x1 x1 h2 2\n');
  });
});
