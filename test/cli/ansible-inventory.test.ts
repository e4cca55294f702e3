/**
 * `hapb inventory` and `hapb run --list-*` against the real ansible-inventory
 * and ansible-playbook (Debian's ansible-core): byte-identical stdout on the
 * seed inventory, the INI fixtures (alone, merged with YAML, as a directory)
 * and a host list. Nothing connects to any host.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hapb, repoRoot } from '../helpers/cli.js';

/** an empty ansible.cfg: no setting of this box or of the repository changes the output */
const cfgDir = mkdtempSync(join(tmpdir(), 'hapb-t-ansible-cfg-'));
const cfg = join(cfgDir, 'ansible.cfg');
writeFileSync(cfg, '');
afterAll(() => rmSync(cfgDir, { recursive: true, force: true }));

function ansible(cmd: string, args: string[], cwd = repoRoot): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_CONFIG: cfg, ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False' }, timeout: 120_000 });
  if (r.error) throw new Error(`${cmd} is needed for this test (apt-get install ansible-core): ${r.error.message}`);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const INI = 'test/fixtures/inventory/ini/hosts.ini';
const EXTRA = 'test/fixtures/inventory/ini/extra';
const sources: [string, string[]][] = [
  ['the seed inventory', ['-i', 'inventory/seed.yml']],
  ['the YAML fixture with group_vars and host_vars', ['-i', 'test/fixtures/inventory/seed/hosts.yml']],
  ['an INI inventory', ['-i', INI]],
  ['INI, INI without extension and YAML merged', ['-i', INI, '-i', EXTRA, '-i', 'inventory/seed.yml']],
  ['a host list', ['-i', 'h1,h2:2222,[::1]:23,']],
];
const actions: string[][] = [['--list'], ['--list', '-y'], ['--list', '--export'], ['--list', '-y', '--export'], ['--graph'], ['--graph', '--vars'], ['--host', 'web01']];

describe('hapb inventory prints what ansible-inventory prints', () => {
  for (const [what, src] of sources) {
    for (const action of actions) {
      if (action[0] === '--host' && !src.includes(INI)) continue;
      it(`${what}: ${action.join(' ')}`, () => {
        const want = ansible('ansible-inventory', [...src, ...action]);
        const got = hapb(['inventory', ...src, ...action]);
        expect(want.code).toBe(0);
        expect(got.code).toBe(0);
        expect(got.stdout).toBe(want.stdout);
      });
    }
  }

  it('--graph GROUP starts at that group', () => {
    const src = ['-i', INI, '-i', EXTRA];
    expect(hapb(['inventory', ...src, '--graph', 'web']).stdout).toBe(ansible('ansible-inventory', [...src, '--graph', 'web']).stdout);
  });
});

describe('hapb run --list-hosts/--list-tasks/--list-tags print what ansible-playbook prints', () => {
  const dir = 'test/fixtures/conformance/ini-tags';
  const cases = [
    ['--list-tasks'],
    ['--list-tags'],
    ['--list-tasks', '--list-tags', '--tags', 'tagged'],
    ['--list-tasks', '--skip-tags', 'untagged'],
    ['--list-tasks', '--tags', 'config,debug'],
    ['--list-tasks', '--tags', 'all', '--skip-tags', 'always'],
    ['--list-tasks', '--tags', 'untagged', '--tags', 'port'],
    // one host per play: ansible-playbook prints a Python set, whose order is not stable
    ['--list-hosts', '--list-tasks', '-l', 'h1'],
  ];
  for (const args of cases) {
    it(args.join(' '), () => {
      const want = ansible('ansible-playbook', ['-i', 'inventory.ini', 'playbook.yml', ...args], `${repoRoot}/${dir}`);
      const got = hapb(['run', '-i', 'inventory.ini', 'playbook.yml', ...args], { cwd: `${repoRoot}/${dir}` });
      expect(want.code).toBe(0);
      expect(got.code).toBe(0);
      expect(got.stdout).toBe(want.stdout);
    });
  }
});

describe('hapb run flags against ansible-playbook (local connection, files under a temporary root)', () => {
  it("-i 'localhost,' -c local: the host list and -c as the connection, visible to templates", () => {
    const root = mkdtempSync(join(tmpdir(), 'hapb-t-flags-'));
    try {
      const pb = join(root, 'pb.yml');
      writeFileSync(pb, '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: connection\n      ansible.builtin.copy:\n        dest: "{{ root }}/{{ inventory_hostname }}.txt"\n        content: "{{ ansible_connection }} {{ inventory_hostname }}\\n"\n        mode: "0644"\n');
      for (const [tool, out] of [['ansible', 'a'], ['hapb', 'h']] as const) {
        const args = ['-i', 'localhost,', '-c', 'local', pb, '-e', `root=${join(root, out)}`];
        mkdirSync(join(root, out));
        const r = tool === 'ansible' ? ansible('ansible-playbook', args) : hapb(['run', ...args]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
      }
      expect(readFileSync(join(root, 'h', 'localhost.txt'), 'utf8')).toBe(readFileSync(join(root, 'a', 'localhost.txt'), 'utf8'));
      expect(readFileSync(join(root, 'h', 'localhost.txt'), 'utf8')).toBe('local localhost\n');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
