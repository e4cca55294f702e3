/**
 * Issue 10, part A: hapb never does what the operator did not ask for.
 * render -o never replaces what it did not write; host patterns are strict;
 * --limit matching nothing is an error; --limit @FILE works.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hapb, repoRoot } from '../helpers/cli.js';
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
        web1: {}
        web2: {}
`,
    'site.yml': `
- hosts: web
  gather_facts: false
  tasks:
    - name: mark
      copy: { content: "{{ inventory_hostname }}\\n", dest: "@ROOT@/{{ inventory_hostname }}.txt" }
`,
  });
});
afterAll(() => p.cleanup());

const run = (args: string[]) => hapb(args, { cwd: p.dir });
const touched = (): string[] => readdirSync(p.path('root')).sort();

describe('render -o DIR replaces only what hapb render wrote', () => {
  it('refuses the current directory, and a directory holding the inputs, even with --force', () => {
    for (const out of ['.', p.dir, 'inventory']) {
      for (const force of [[], ['--force']]) {
        const r = run(['render', 'site.yml', '-i', 'inventory/hosts.yml', '-o', out, ...force]);
        expect(r.code, r.stderr).toBe(4);
        expect(r.stderr).toMatch(/refusing to render into/);
      }
    }
    expect(readFileSync(p.path('inventory/hosts.yml'), 'utf8')).toContain('web1');
    expect(existsSync(p.path('site.yml'))).toBe(true);
  });

  it('refuses a path that is a file, and leaves the file alone', () => {
    p.write('notes.txt', 'keep me\n');
    const r = run(['render', 'site.yml', '-i', 'inventory/hosts.yml', '-o', 'notes.txt']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/notes\.txt exists and is not a directory/);
    expect(lstatSync(p.path('notes.txt')).isFile()).toBe(true);
    expect(readFileSync(p.path('notes.txt'), 'utf8')).toBe('keep me\n');
  });

  it('refuses a non-empty directory it did not write; --force replaces it', () => {
    p.write('mine/precious.txt', 'mine\n');
    const r = run(['render', 'site.yml', '-i', 'inventory/hosts.yml', '-o', 'mine']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/mine is not empty and was not written by hapb render/);
    expect(r.stderr).toMatch(/--force/);
    expect(readFileSync(p.path('mine/precious.txt'), 'utf8')).toBe('mine\n');
    const forced = run(['render', 'site.yml', '-i', 'inventory/hosts.yml', '-o', 'mine', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(p.path('mine/precious.txt'))).toBe(false);
    expect(existsSync(p.path('mine/.hapb-render'))).toBe(true);
  });

  it('refuses a symbolic link', () => {
    mkdirSync(p.path('target'), { recursive: true });
    symlinkSync(p.path('target'), p.path('link'));
    const r = run(['render', 'site.yml', '-i', 'inventory/hosts.yml', '-o', 'link']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/link is a symbolic link/);
    expect(lstatSync(p.path('link')).isSymbolicLink()).toBe(true);
  });

  it('writes a new directory with its marker, and replaces it on the next render', () => {
    const first = run(['render', 'site.yml', '-i', 'inventory/hosts.yml', '-o', 'out/r']);
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(p.path('out/r/.hapb-render'))).toBe(true);
    writeFileSync(p.path('out/r/stale.txt'), 'old\n');
    const again = run(['render', 'site.yml', '-i', 'inventory/hosts.yml', '-o', 'out/r', '--limit', 'web1']);
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(p.path('out/r/stale.txt'))).toBe(false);
    expect(readdirSync(p.path('out/r')).sort()).toEqual(['.hapb-render', 'web1']);
    // no temp or old copies left beside it
    expect(readdirSync(p.path('out'))).toEqual(['r']);
  });

  it('a failed render changes nothing at DIR', () => {
    const before = readdirSync(p.path('out/r')).sort();
    const r = run(['render', 'site.yml', '-i', 'inventory/hosts.yml', '-o', 'out/r', '--limit', 'nope']);
    // a limit leaving no host: Ansible's exit 1
    expect(r.code).toBe(1);
    expect(readdirSync(p.path('out/r')).sort()).toEqual(before);
    expect(readdirSync(p.path('out'))).toEqual(['r']);
  });
});

describe('host patterns are strict', () => {
  it.each(['[', ':', ' ', '~[', ''])('--limit %j is exit 4 with the pattern shown, and touches no host', (limit) => {
    const r = run(['run', 'site.yml', '-i', 'inventory/hosts.yml', '--limit', limit]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain(`invalid --limit pattern ${JSON.stringify(limit)}`);
    expect(touched()).toEqual([]);
  });

  it.each([
    ['""', /the pattern is empty/],
    ['" "', /the pattern is blank/],
    ['[]', /the list of patterns is empty/],
    ['"~["', /'\[' without '\]'/],
  ])('a play with hosts: %s is exit 4 at file:line:col', (hosts, why) => {
    p.write('empty-hosts.yml', `- hosts: ${hosts}\n  gather_facts: false\n  tasks:\n    - copy: { content: x, dest: "@ROOT@/x" }\n`);
    for (const extra of [[], ['--syntax-check']]) {
      const r = run(['run', 'empty-hosts.yml', '-i', 'inventory/hosts.yml', ...extra]);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/empty-hosts\.yml:1:10: invalid host pattern/);
      expect(r.stderr).toMatch(why);
    }
    expect(touched()).toEqual([]);
  });

  it("a --limit that matches no host is an error with Ansible's exit code 1, with a did-you-mean", () => {
    const r = run(['run', 'site.yml', '-i', 'inventory/hosts.yml', '--limit', 'wbe1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--limit "wbe1" leaves no host of the inventory to target/);
    expect(r.stderr).toMatch(/did you mean 'web1'/);
    expect(touched()).toEqual([]);
  });

  it('--limit @FILE reads the hosts from the file (a retry file)', () => {
    p.write('site.retry', 'web2\n');
    const r = run(['run', 'site.yml', '-i', 'inventory/hosts.yml', '--limit', '@site.retry']);
    expect(r.code, r.stderr).toBe(0);
    expect(touched()).toEqual(['web2.txt']);
  });
});

describe('the transport', () => {
  it('a host name with $(...) in a ProxyCommand %h is refused, never run by a shell', () => {
    const marker = p.path('root-pwned');
    p.write(
      'inventory/proxy.yml',
      `all:\n  hosts:\n    evil:\n      ansible_host: "127.0.0.1$(touch ${marker})"\n      ansible_ssh_common_args: "-o ProxyCommand='true %h %p'"\n`,
    );
    p.write('proxy.yml', '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: "true"\n');
    const r = run(['run', 'proxy.yml', '-i', 'inventory/proxy.yml', '--ssh-config', '/dev/null', '--known-hosts', p.path('known_hosts')]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/refusing to put the host name \(%h\)/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('a closed stdout or stderr (| head -1)', () => {
  const five = ['a', 'b', 'c', 'd', 'e'].map((t) => `    - command: touch @ROOT@/pipe-{{ inventory_hostname }}-${t}\n`).join('');
  const sh = (cmd: string): { stdout: string; stderr: string } => {
    const r = spawnSync('bash', ['-c', `${cmd}; echo "rc=\${PIPESTATUS[0]}" >&2`], { cwd: p.dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
    return { stdout: r.stdout, stderr: r.stderr };
  };
  const bin = `${process.execPath} ${repoRoot}/bin/hapb`;

  it('hapb run | head -1 runs every task, ends cleanly, and gives the recap on stderr', () => {
    p.write('pipe.yml', `- hosts: web\n  gather_facts: false\n  tasks:\n${five}`);
    const r = sh(`${bin} run pipe.yml -i inventory/hosts.yml | head -1`);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|at .*\.js:\d+/);
    expect(r.stderr).toMatch(/PLAY RECAP/);
    expect(r.stderr).toMatch(/web1 +: ok=5 +changed=5/);
    expect(r.stderr).toMatch(/rc=0/);
    expect(readdirSync(p.path('root')).filter((f) => f.startsWith('pipe-')).length).toBe(10);
  });

  it('a closed stderr (-o json 2>&1 >file | head -1) ends cleanly too, with the JSON on stdout', () => {
    p.write('pipe2.yml', `- hosts: web\n  gather_facts: false\n  tasks:\n${five.replaceAll('pipe-', 'pipe2-')}`);
    const r = sh(`${bin} run pipe2.yml -i inventory/hosts.yml -o json 2>&1 >json.out | head -1`);
    expect(r.stderr).toMatch(/rc=0/);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
    const data = JSON.parse(readFileSync(p.path('json.out'), 'utf8')) as { stats: Record<string, { changed: number }> };
    expect(data.stats.web2?.changed).toBe(5);
  });
});
