/**
 * Lookups that run a command or write a file on the controller (pipe, a
 * password lookup creating its file) run only when hapb runs the play:
 * never in --syntax-check, `hapb render` or the preflight before a run, so a
 * pipe command runs once per use, not once more for the checks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hapb } from '../helpers/cli.js';
import { makeProject, type Project } from '../helpers/project.js';

let p: Project;
beforeAll(() => {
  p = makeProject({
    'hosts.yml': `
all:
  vars:
    ansible_connection: local
  hosts:
    h1: {}
`,
    'site.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: a command's output
      copy:
        content: "{{ lookup('pipe', 'echo ran >> @ROOT@/../pipe-runs; echo out') }}\\n"
        dest: "@ROOT@/pipe.txt"
    - name: a generated password
      copy:
        content: "{{ lookup('password', '@ROOT@/../creds/pw length=12') }}\\n"
        dest: "@ROOT@/pw.txt"
`,
  });
});
afterAll(() => p.cleanup());

const run = (args: string[]) => hapb(args, { cwd: p.dir });
const pipeRuns = (): number => (existsSync(p.path('pipe-runs')) ? readFileSync(p.path('pipe-runs'), 'utf8').split('\n').filter(Boolean).length : 0);

describe('side-effect lookups run only in a real run', () => {
  it('--syntax-check runs no pipe command and writes no password file', () => {
    const r = run(['run', 'site.yml', '-i', 'hosts.yml', '--syntax-check']);
    expect(r.code, r.stderr).toBe(0);
    expect(pipeRuns()).toBe(0);
    expect(existsSync(p.path('creds'))).toBe(false);
  });

  it('render neither: the files that need them are left for the run', () => {
    const r = run(['render', 'site.yml', '-i', 'hosts.yml', '-o', 'rendered']);
    expect(r.code, r.stderr).toBe(0);
    expect(pipeRuns()).toBe(0);
    expect(existsSync(p.path('creds'))).toBe(false);
  });

  it('a run performs each lookup once (the preflight before it performs none)', () => {
    const r = run(['run', 'site.yml', '-i', 'hosts.yml']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(pipeRuns()).toBe(1);
    expect(readFileSync(p.path('root/pipe.txt'), 'utf8')).toBe('out\n');
    const pw = readFileSync(p.path('creds/pw'), 'utf8').trim();
    expect(pw).toMatch(/^[A-Za-z0-9.,:_-]{12}$/);
    expect(readFileSync(p.path('root/pw.txt'), 'utf8')).toBe(`${pw}\n`);
    expect(readdirSync(p.path('creds'))).toEqual(['pw']);
  });
});
