/**
 * Issue 10, part "refused before any host is touched": every conditional and
 * template parsed at load, keyword types, role argument specs for every source
 * of values (-e included), the cluster checks on the final variables, and the
 * `quote` filter for values that reach a shell.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInputs } from '../../src/cli/load-inputs.js';
import { InputErrors, SchemaError } from '../../src/errors/index.js';
import { createTemplater } from '../../src/template/index.js';
import { repoRoot } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hapb-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function write(rel: string, text: string): string {
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const localInv = write('local.yml', 'all:\n  hosts:\n    h1:\n      ansible_connection: local\n');

function errorsOf(playbookText: string, extra: string[] = [], inv = localInv): SchemaError[] {
  const pb = write(`pb-${n++}.yml`, playbookText);
  try {
    loadInputs(pb, inv, extra);
  } catch (e) {
    if (e instanceof InputErrors) return e.errors;
    if (e instanceof SchemaError) return [e];
    throw e;
  }
  return [];
}

function expectError(errs: SchemaError[], message: RegExp, line?: number): SchemaError {
  const e = errs.find((x) => message.test(x.message));
  expect(e, `no error matching ${String(message)} in:\n${errs.map((x) => x.message).join('\n')}`).toBeDefined();
  expect(e?.exitCode).toBe(4);
  expect(e?.pos?.col).toBeGreaterThan(0);
  if (line !== undefined) expect(e?.pos?.line).toBe(line);
  return e as SchemaError;
}

const task = (body: string): string => `- hosts: all\n  gather_facts: false\n  tasks:\n${body}`;

describe('conditionals and templates are parsed at load', () => {
  it.each([
    ['when', '    - debug: msg=hi\n      when: "x ==== 1"\n', /when: syntax error/, 5],
    ['changed_when', '    - command: "true"\n      changed_when: "rc == = 0"\n', /changed_when: syntax error/, 5],
    ['failed_when list item', '    - command: "true"\n      failed_when:\n        - rc != 0\n        - "stdout is"\n', /failed_when: syntax error/, 7],
    ['assert that', '    - assert:\n        that:\n          - "x >"\n', /assert that: syntax error/, 6],
    ['unclosed template in an argument', '    - debug:\n        msg: "{{ x "\n', /debug msg: syntax error/, 5],
    ['unknown filter', '    - debug:\n        msg: "{{ x | to_jsn }}"\n', /filter not found: to_jsn/, 5],
    ['unknown test in when', '    - debug: msg=hi\n      when: x is definedd\n', /test not found: definedd/, 5],
    ['template in a task name', '    - name: "{% if %}"\n      debug: msg=hi\n', /name: syntax error/, 4],
    ['template in task vars', '    - debug: msg=hi\n      vars:\n        a: "{{ b | nope }}"\n', /filter not found: nope/, 6],
  ])('%s', (_name, body, message, line) => {
    const e = expectError(errorsOf(task(body)), message, line);
    expect(e.hint).toBeTruthy();
  });

  it('a role default that does not parse is reported in its file', () => {
    write('roles/broken/defaults/main.yml', 'a: ok\nb: "{{ nope( }}"\n');
    write('roles/broken/tasks/main.yml', '- debug: msg=hi\n');
    const e = expectError(errorsOf('- hosts: all\n  roles: [broken]\n'), /variable: syntax error/, 2);
    expect(e.pos?.file).toMatch(/roles\/broken\/defaults\/main.yml$/);
  });

  it('every template file of a role is parsed, even one no task of this profile writes', () => {
    write('roles/tpl/templates/unused.conf.j2', 'a\nb {{ x }\nc\n');
    write('roles/tpl/tasks/main.yml', '- debug: msg=hi\n');
    const e = expectError(errorsOf('- hosts: all\n  roles: [tpl]\n'), /template: syntax error/, 2);
    expect(e.pos?.file).toMatch(/roles\/tpl\/templates\/unused.conf.j2$/);
  });

  it('Ansible Vault values and files without a vault password are input errors at the value, not used as ciphertext', () => {
    write('vault-value.yml', 'db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6231\n');
    expectError(errorsOf('- hosts: all\n  vars_files: [vault-value.yml]\n  tasks: []\n'), /'db_password' is vault-encrypted \(!vault\): no vault password was given/, 1);
    write('vault-file.yml', '$ANSIBLE_VAULT;1.1;AES256\n6231336539\n');
    expectError(errorsOf('- hosts: all\n  vars_files: [vault-file.yml]\n  tasks: []\n'), /a vault-encrypted file: no vault password was given/, 1);
  });

  it('valid conditionals and templates pass', () => {
    expect(errorsOf(task('    - debug: msg="{{ x | default(1) }}"\n      when: x is not defined or (x | int > 3 and y in [1, 2])\n'))).toEqual([]);
    // a templated serial is rendered when the play starts (src/engine/serial.ts)
    expect(errorsOf('- hosts: all\n  serial: "{{ n | default(1) }}"\n  tasks: []\n')).toEqual([]);
    expect(errorsOf('- hosts: all\n  serial: ["{{ a }}", 2]\n  tasks: []\n')).toEqual([]);
  });
});

describe('keyword types are checked at load', () => {
  it.each([
    ['serial: one', '- hosts: all\n  gather_facts: false\n  serial: one\n  tasks: []\n', /serial: "one"/, 3],
    ['serial: 0', '- hosts: all\n  serial: 0\n  tasks: []\n', /serial/, 2],
    ['serial list with junk', '- hosts: all\n  serial: [1, "x%"]\n  tasks: []\n', /serial: "x%"/, 2],
    ['serial: a template that does not parse', '- hosts: all\n  serial: "{{ n | default(1 }}"\n  tasks: []\n', /serial: syntax error/, 2],
    ['serial: a decimal (Ansible stops on it)', '- hosts: all\n  serial: "1.5"\n  tasks: []\n', /serial: "1\.5"/, 2],
    ['symbolic mode', task('    - file: path=/tmp/x state=touch mode=u+rw\n'), /argument 'mode' must be an octal mode/, 4],
    ['mode as a mapping', task('    - file:\n        path: /tmp/x\n        mode: "rw-r--r--"\n'), /argument 'mode'/, 6],
    ['loop: a number', task('    - debug: msg=x\n      loop: 5\n'), /loop must be a list/, 5],
    ['loop: a plain string', task('    - debug: msg=x\n      loop: abc\n'), /loop must be a list or a template/, 5],
    ['loop: "{{ 5 }}"', task('    - debug: msg={{ item }}\n      loop: "{{ 5 }}"\n'), /loop: "\{\{ 5 \}\}" gives 5/, 5],
    ['become: maybe', task('    - debug: msg=x\n      become: maybe\n'), /expected a boolean/, 5],
  ])('%s', (_name, text, message, line) => {
    expectError(errorsOf(text), message, line);
  });

  it('a loop that needs run-time values is left to run time', () => {
    expect(errorsOf(task('    - command: "true"\n      register: r\n    - debug: msg={{ item }}\n      loop: "{{ r.stdout_lines }}"\n    - debug: msg={{ item }}\n      loop: "{{ range(3) | list }}"\n'))).toEqual([]);
  });
});

describe('role argument specs (meta/argument_specs.yml) on the final variables', () => {
  const seed = join(repoRoot, 'inventory', 'seed.yml');
  const site = join(repoRoot, 'playbooks', 'site.yml');
  const errs = (extra: string[], inv = seed): SchemaError[] => {
    try {
      loadInputs(site, inv, extra);
    } catch (e) {
      if (e instanceof InputErrors) return e.errors;
      if (e instanceof SchemaError) return [e];
      throw e;
    }
    return [];
  };

  it('the shipped inventory and both profiles pass', () => {
    expect(errs([])).toEqual([]);
    expect(errs([`@${join(repoRoot, 'profiles', 'tutorial.yml')}`])).toEqual([]);
    expect(errs([`@${join(repoRoot, 'profiles', 'hapb.yml')}`])).toEqual([]);
  });

  it('a wrong type or choice given with -e is refused, naming the -e', () => {
    const e = expectError(errs(['keepalived_vrrp_version=4']), /'keepalived_vrrp_version' is "4", not one of the choices/);
    expect(e.pos?.file).toBe("-e 'keepalived_vrrp_version=4'");
    expectError(errs(['{"keepalived_syn_drop_ports": [80, "x"]}']), /keepalived_syn_drop_ports' item 1 must be a whole number/);
    expectError(errs(['{"nginx_director_balance": "least_con"}']), /did you mean 'least_conn'/);
    expectError(errs(['{"keepalived_firewall": "maybe"}']), /keepalived_firewall' must be a boolean/);
    expectError(errs(['{"web_backend_packages": {"a": 1}}']), /web_backend_packages' must be a list/);
  });

  it('a -e file points at the line of the bad value', () => {
    const f = write('bad-profile.yml', 'keepalived_preempt: true\nkeepalived_script_interval: [1]\n');
    const e = expectError(errs([`@${f}`]), /keepalived_script_interval' must be a string/);
    expect(e.pos).toEqual({ file: f, line: 2, col: 1 });
  });

  it('an inventory value of the wrong type is refused at its line', () => {
    const inv = write('inv-bad-type/hosts.yml', readInv().replace('keepalived_router_id: 51', 'keepalived_router_id: 51\n        keepalived_preempt_delay: soon'));
    const e = expectError(errs([], inv), /keepalived_preempt_delay' must be a whole number/);
    expect(e.pos?.file).toBe(inv);
  });

  it('a required variable no source sets is refused', () => {
    const inv = write('inv-no-iface/hosts.yml', readInv().replace(/\n\s*keepalived_interface: ens33/, ''));
    expectError(errs([], inv), /role keepalived needs 'keepalived_interface'/);
  });

  it("a variable a role's spec requires, or its loop reads, may come from another role of the play (its defaults or vars are the play's)", () => {
    write('exposed/roles/provider/defaults/main.yml', 'shared_port: 8080\n');
    write('exposed/roles/provider/tasks/main.yml', '- ansible.builtin.debug:\n    msg: provider\n');
    write('exposed/roles/provider/vars/main.yml', 'shared_list: [a, b]\n');
    write('exposed/roles/user/tasks/main.yml', '- ansible.builtin.debug:\n    msg: "{{ shared_port }} {{ item }}"\n  loop: "{{ shared_list | default(\'not a list\') }}"\n');
    write('exposed/roles/user/meta/argument_specs.yml', 'argument_specs:\n  main:\n    options:\n      shared_port:\n        type: int\n        required: true\n');
    const pb = write('exposed/pb.yml', '- hosts: all\n  gather_facts: false\n  roles: [provider, user]\n');
    const alone = write('exposed/alone.yml', '- hosts: all\n  gather_facts: false\n  roles: [user]\n');
    const load = (book: string): SchemaError[] => {
      try {
        loadInputs(book, localInv, []);
      } catch (e) {
        if (e instanceof InputErrors) return e.errors;
        if (e instanceof SchemaError) return [e];
        throw e;
      }
      return [];
    };
    expect(load(pb)).toEqual([]);
    expectError(load(alone), /role user needs 'shared_port'/);
    // the loop check sees the other role's vars too (alone, the default is no list)
    expectError(load(alone), /loop: .* gives "not a list" for host h1, not a list/);
  });

  it('a role-named variable the spec does not know is a warning with a did-you-mean', () => {
    const { warnings } = loadInputs(site, seed, ['keepalived_prority=100']);
    expect(warnings).toContain("-e sets 'keepalived_prority', which role keepalived does not know (did you mean 'keepalived_priority'?): it has no effect");
    expect(loadInputs(site, seed, []).warnings.filter((w) => /does not know/.test(w))).toEqual([]);
  });

  it('the cluster checks run on -e values (VIP outside the subnet, priority out of range)', () => {
    expectError(errs(['keepalived_vip=10.0.0.1/24']), /VIP 10.0.0.1\/24 is outside the subnet of director/);
    expectError(errs(['keepalived_priority=300']), /keepalived_priority must be a whole number from 1 to 255/);
    expectError(errs(['{"keepalived_router_id": 0}']), /keepalived_router_id must be a whole number from 1 to 255/);
  });

  it('values that reach a shell must be safe: interface, script user, paths', () => {
    expectError(errs(['{"keepalived_interface": "eth0;reboot"}']), /keepalived_interface must be a network interface name/);
    expectError(errs(['{"keepalived_script_user": "x $(id)"}']), /keepalived_script_user must be a user name/);
    expectError(errs(['{"keepalived_nginx_down_file": "/run/x\' ; rm -rf / #"}']), /keepalived_nginx_down_file must be an absolute path/);
    expectError(errs(['{"keepalived_remove_vip_delay": "1; reboot"}']), /keepalived_remove_vip_delay must be a number of seconds/);
    expectError(errs(['{"keepalived_script_weight": "1\\n    notify_master /tmp/x"}']), /keepalived_script_weight must be a number/);
  });

  it('a role variable written into a configuration file must not end its directive', () => {
    expectError(errs(['{"nginx_director_proxy_read_timeout": "2s; } server { listen 8080; root /"}']), /nginx_director_proxy_read_timeout of host (backup|master) holds a character the role cannot write safely/);
    expectError(errs(['{"keepalived_auth_pass": "a b"}']), /keepalived_auth_pass of host (backup|master) holds a blank/);
    expect(errs(['{"web_backend_page": "<h1>it\'s {{ inventory_hostname }}; ok</h1>"}'])).toEqual([]);
  });
});

function readInv(): string {
  return readFileSyncUtf8(join(repoRoot, 'inventory', 'seed.yml'));
}

function readFileSyncUtf8(p: string): string {
  return readFileSync(p, 'utf8');
}

describe('the quote filter (shlex.quote)', () => {
  const t = createTemplater();
  it.each([
    ['keepalived_script', 'keepalived_script'],
    ['', "''"],
    ['a b', "'a b'"],
    ["it's", `'it'"'"'s'`],
    ['$(touch x)', "'$(touch x)'"],
    ['http://127.0.0.1:80/hapb-health', 'http://127.0.0.1:80/hapb-health'],
  ])('%j → %s', (value, quoted) => {
    expect(t.renderString('{{ v | quote }}', { v: value })).toBe(quoted);
  });
});
