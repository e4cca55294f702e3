/**
 * Issue 10, "secrets never printed": a converge (local connection into a temp
 * root) with a secret planted in every source, run with every output option,
 * and ALL of its output (stdout + stderr) searched for every secret.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hapb, repoRoot } from '../helpers/cli.js';
import { hasCommand } from '../helpers/env.js';

const SECRETS = {
  roleDefault: 'RoleDefaultSecret1',
  roleVars: 'RoleVarsSecret2',
  taskVars: 'TaskVarsSecret3',
  registered: 'RegisteredSecret4',
  noLog: 'NoLogOutputSecret5',
  setFact: 'SetFactSecret6',
  inventoryHost: 'InventoryHostSecret7',
  inventoryGroup: 'InventoryGroupSecret8',
  playVars: 'PlayVarsSecret9',
  extraVars: 'ExtraVarSecret10',
  vaultFile: 'VaultFileSecret11',
  extraFile: 'ExtraFileSecret12',
  oldDiff: 'OLDauthSECRET13',
  roleParam: 'RoleParamSecret14',
  templated: 'TemplatedSecret15',
  jsonError: 'Hunter2Secret16',
  groupVarsVault: 'GroupVarsVaultSecret18',
} as const;

let dir = '';
let root = '';

function write(rel: string, text: string): void {
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hapb-secrets-'));
  root = join(dir, 'root');
  mkdirSync(root);
  write('hosts.yml', `all:
  vars:
    group_password: ${SECRETS.inventoryGroup}
    plain_source: ${SECRETS.templated}
  hosts:
    h1:
      ansible_connection: local
      host_api_token: ${SECRETS.inventoryHost}
      templated_password: "{{ plain_source }}"
`);
  write('group_vars/all/vault.yml', `db_host_value: ${SECRETS.groupVarsVault}\n`);
  write('roles/app/defaults/main.yml', `app_auth_pass: ${SECRETS.roleDefault}\n`);
  write('roles/app/vars/main.yml', `app_vars_token: ${SECRETS.roleVars}\n`);
  write('roles/app/templates/app.conf.j2', 'name app\nauth_pass {{ app_auth_pass }}\nend\n');
  write('roles/app/tasks/main.yml', `- name: write the config (diff old and new side)
  template:
    src: app.conf.j2
    dest: "{{ root }}/app.conf"
- name: print every secret (all masked)
  debug:
    msg: "{{ app_auth_pass }} {{ app_vars_token }} {{ app_param_secret }} {{ group_password }} {{ host_api_token }} {{ templated_password }}"
`);
  write('vault.yml', `backend_value: ${SECRETS.vaultFile}\n`);
  write('secrets.yml', `other_value: ${SECRETS.extraFile}\n`);
  write('site.yml', `- hosts: all
  gather_facts: false
  vars_files: [vault.yml]
  vars:
    play_secret: ${SECRETS.playVars}
  roles:
    - role: app
      app_param_secret: ${SECRETS.roleParam}
  tasks:
    - name: task vars
      debug:
        msg: "{{ my_secret }} {{ play_secret }} {{ backend_value }} {{ other_value }} {{ extra_token }} {{ db_host_value }}"
      vars:
        my_secret: ${SECRETS.taskVars}
    - name: registered output under a secret name
      command: echo ${SECRETS.registered}
      register: db_password_out
      changed_when: false
      check_mode: false
    - name: the registered secret printed
      debug:
        var: db_password_out.stdout
    - name: a no_log task
      command: echo ${SECRETS.noLog}
      register: plain_out
      no_log: true
      changed_when: false
      check_mode: false
    - name: its output printed later
      debug:
        msg: "{{ plain_out.stdout }}"
    - name: set_fact of a secret
      set_fact:
        db_password: "${SECRETS.setFact}"
    - name: the fact printed
      debug:
        msg: "{{ db_password }}"
`);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function plantOld(): void {
  writeFileSync(join(root, 'app.conf'), `name app\nauth_pass ${SECRETS.oldDiff}\nend\n`);
}

function leaks(text: string): string[] {
  return Object.values(SECRETS).filter((s) => text.includes(s));
}

const base = (): string[] => ['run', join(dir, 'site.yml'), '-i', join(dir, 'hosts.yml'), '-e', `extra_token=${SECRETS.extraVars}`, '-e', `@${join(dir, 'secrets.yml')}`, '-e', `root=${root}`];

describe('no secret is printed, whatever the output', () => {
  it.each([
    ['plain', [] as string[]],
    ['--diff -vvvv', ['--diff', '-vvvv']],
    ['-o json --diff', ['-o', 'json', '--diff']],
    ['-o json -vvv', ['-o', 'json', '-vvv']],
    ['--check --diff -v', ['--check', '--diff', '-v']],
    ['--syntax-check', ['--syntax-check']],
  ])('%s', (_name, flags) => {
    plantOld();
    const r = hapb([...base(), ...flags]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
    if (!flags.includes('--syntax-check')) {
      // the run did happen and printed masks where the secrets were
      expect(r.stdout + r.stderr).toContain('********');
      if (flags.some((f) => /^-v|^json$/.test(f))) expect(r.stdout + r.stderr).toContain("the output has been hidden due to the fact that 'no_log: true' was specified for this result");
    }
    if (flags.includes('--diff')) expect(r.stdout + r.stderr).toMatch(/-auth_pass \*{8}\n\+auth_pass \*{8} \(changed\)/);
    if (!flags.includes('--check') && !flags.includes('--syntax-check')) {
      // masking is for output only: the file holds the real value
      expect(readFileSync(join(root, 'app.conf'), 'utf8')).toContain(SECRETS.roleDefault);
    }
  });

  it('listr2 progress (--progress) on a terminal (under script(1))', () => {
    expect(hasCommand('script')).toBe(true);
    plantOld();
    const cmd = [process.execPath, join(repoRoot, 'bin', 'hapb'), ...base(), '--diff', '--progress'].map((a) => `'${a.replace(/'/g, `'"'"'`)}'`).join(' ');
    const r = spawnSync('script', ['-qec', `stty cols 120 2>/dev/null; ${cmd}`, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('PLAY RECAP');
    expect(r.stdout).toContain('PLAY [all] (done)'); // the listr2 display, not plain lines
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
  });

  it('an error message quoting a secret (from_json of a secret) does not print it, at load or at run time', () => {
    write('error-load.yml', `- hosts: all
  gather_facts: false
  tasks:
    - name: an error message holding a secret, found before the run
      vars:
        json_secret: '{"a": ${SECRETS.jsonError}}'
      debug:
        msg: "{{ json_secret | from_json }}"
`);
    write('error-run.yml', `- hosts: all
  gather_facts: false
  tasks:
    - name: a secret read at run time
      command: >-
        echo '{"a": ${SECRETS.jsonError}}'
      register: api_token_out
      changed_when: false
    - name: an error message holding it
      debug:
        msg: "{{ api_token_out.stdout | from_json }}"
`);
    for (const [file, code] of [['error-load.yml', 4], ['error-run.yml', 2]] as const) {
      for (const flags of [[], ['-vvv'], ['-o', 'json']]) {
        const r = hapb(['run', join(dir, file), '-i', join(dir, 'hosts.yml'), ...flags]);
        expect(r.code, r.stdout + r.stderr).toBe(code);
        expect(r.stdout + r.stderr).toContain('from_json: not valid JSON');
        expect(leaks(r.stdout + r.stderr)).toEqual([]);
      }
    }
  });

  it('an input error quoting a secret (a become password set twice) does not print it', () => {
    write('twice.yml', `all:\n  children:\n    a:\n      hosts:\n        h1:\n          ansible_become_password: ${SECRETS.inventoryHost}\n    b:\n      hosts:\n        h1:\n          ansible_become_password: ${SECRETS.inventoryGroup}\n`);
    const r = hapb(['run', join(dir, 'site.yml'), '-i', join(dir, 'twice.yml'), '--syntax-check']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/sets 'ansible_become_password' twice with different values/);
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
  });

  it('a bad argument-spec value of a secret variable is not printed', () => {
    const r = hapb([...base(), '-e', '{"app_auth_pass": ["HiddenListSecret17"]}', '--syntax-check']);
    expect(r.stdout + r.stderr).not.toContain('HiddenListSecret17');
  });
});
