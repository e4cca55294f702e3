/** hapb run reads ansible.cfg as Ansible does: inventory, roles_path, forks, [diff] always, become; ANSIBLE_* override. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hapb } from '../helpers/cli.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), `hapb-t-ansible-cfg-${process.pid}-`));
  const w = (rel: string, text: string): void => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  w('project/inv/hosts.yml', 'all:\n  vars:\n    ansible_connection: local\n  hosts:\n    h1: {}\n');
  // the role lives outside the playbook's folders: only roles_path finds it
  w('shared-roles/writer/tasks/main.yml', '- name: write\n  ansible.builtin.template:\n    src: out.j2\n    dest: "{{ root }}/out.txt"\n    mode: "0644"\n');
  w('shared-roles/writer/templates/out.j2', '{{ ansible_managed }}\n');
  w('project/plays/site.yml', '- hosts: all\n  gather_facts: false\n  roles: [writer]\n');
  w('project/ansible.cfg', '[defaults]\ninventory = inv/hosts.yml\nroles_path = ../shared-roles\nansible_managed = from {file}\n');
  mkdirSync(join(dir, 'out'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('ansible.cfg', () => {
  it('./ansible.cfg gives the inventory, the roles path and ansible_managed', () => {
    const r = hapb(['run', 'plays/site.yml', '-e', `root=${join(dir, 'out')}`], { cwd: join(dir, 'project'), env: { HAPB_INVENTORY: '', ANSIBLE_CONFIG: '' } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out', 'out.txt'), 'utf8')).toBe('from out.j2\n');
  });

  it('without it (another directory) the role is not found, and the error says where hapb looked', () => {
    const r = hapb(['run', join(dir, 'project', 'plays', 'site.yml'), '-i', join(dir, 'project', 'inv', 'hosts.yml')], { cwd: dir, env: { ANSIBLE_CONFIG: '' } });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/role 'writer' not found/);
  });

  it('ANSIBLE_CONFIG points at it from anywhere; ANSIBLE_ROLES_PATH overrides its roles_path', () => {
    const ok = hapb(['run', join(dir, 'project', 'plays', 'site.yml'), '-e', `root=${join(dir, 'out')}`], { cwd: dir, env: { ANSIBLE_CONFIG: join(dir, 'project') } });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const bad = hapb(['run', join(dir, 'project', 'plays', 'site.yml'), '--syntax-check'], { cwd: dir, env: { ANSIBLE_CONFIG: join(dir, 'project'), ANSIBLE_ROLES_PATH: join(dir, 'nowhere') } });
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/role 'writer' not found/);
  });

  it('a bad value stops with the file and line', () => {
    writeFileSync(join(dir, 'bad.cfg'), '[defaults]\nforks = lots\n');
    const r = hapb(['run', join(dir, 'project', 'plays', 'site.yml'), '--syntax-check'], { cwd: dir, env: { ANSIBLE_CONFIG: join(dir, 'bad.cfg') } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`${join(dir, 'bad.cfg')}:2:1: [defaults] forks: expected integer, got 'lots'`);
  });
});
