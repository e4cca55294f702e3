/** ansible.cfg: Ansible's search order, its INI dialect, ANSIBLE_* overrides, types and paths. */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfigFile, loadAnsibleConfig } from '../../src/config/index.js';
import { parseIni } from '../../src/config/ini.js';
import { SchemaError } from '../../src/errors/index.js';

function dirs(): { root: string; cwd: string; home: string; other: string } {
  const root = mkdtempSync(join(tmpdir(), 'hapb-config-'));
  const d = { root, cwd: join(root, 'project'), home: join(root, 'home'), other: join(root, 'other') };
  for (const p of [d.cwd, d.home, d.other]) mkdirSync(p);
  return d;
}

describe('search order', () => {
  it('ANSIBLE_CONFIG, then ./ansible.cfg, then ~/.ansible.cfg; the first readable file wins', () => {
    const d = dirs();
    const cwdCfg = join(d.cwd, 'ansible.cfg');
    const homeCfg = join(d.home, '.ansible.cfg');
    const envCfg = join(d.other, 'custom.cfg');
    writeFileSync(homeCfg, '[defaults]\n');
    expect(findConfigFile({ env: {}, cwd: d.cwd, home: d.home }).file).toBe(homeCfg);
    writeFileSync(cwdCfg, '[defaults]\n');
    expect(findConfigFile({ env: {}, cwd: d.cwd, home: d.home }).file).toBe(cwdCfg);
    writeFileSync(envCfg, '[defaults]\n');
    expect(findConfigFile({ env: { ANSIBLE_CONFIG: envCfg }, cwd: d.cwd, home: d.home }).file).toBe(envCfg);
    // a directory means its ansible.cfg; a missing file falls through to the next place
    writeFileSync(join(d.other, 'ansible.cfg'), '[defaults]\n');
    expect(findConfigFile({ env: { ANSIBLE_CONFIG: d.other }, cwd: d.cwd, home: d.home }).file).toBe(join(d.other, 'ansible.cfg'));
    expect(findConfigFile({ env: { ANSIBLE_CONFIG: join(d.other, 'nope.cfg') }, cwd: d.cwd, home: d.home }).file).toBe(cwdCfg);
  });

  it('skips ./ansible.cfg in a world-writable directory, with a warning', () => {
    const d = dirs();
    writeFileSync(join(d.cwd, 'ansible.cfg'), '[defaults]\n');
    chmodSync(d.cwd, 0o777);
    const found = findConfigFile({ env: {}, cwd: d.cwd, home: d.home });
    expect(found.file === undefined || found.file === '/etc/ansible/ansible.cfg').toBe(true);
    expect(found.warnings.join()).toMatch(/world writable directory/);
  });
});

describe('settings', () => {
  it("Ansible's defaults for what a file does not set", () => {
    const d = dirs();
    const empty = join(d.other, 'empty.cfg');
    writeFileSync(empty, '[defaults]\n');
    const cfg = loadAnsibleConfig({ env: { ANSIBLE_CONFIG: empty }, cwd: d.cwd, home: d.home });
    expect(cfg.file).toBe(empty);
    expect(cfg).toMatchObject({ forks: 5, timeout: 10, hostKeyChecking: true, become: false, becomeUser: 'root', becomeMethod: 'sudo', ansibleManaged: 'Ansible managed', inventory: undefined, remoteUser: undefined });
    expect(cfg.rolesPath).toEqual([join(d.home, '.ansible/roles'), '/usr/share/ansible/roles', '/etc/ansible/roles']);
  });

  it('reads the file: paths relative to it, types converted, comments and continuation lines', () => {
    const d = dirs();
    const file = join(d.other, 'ansible.cfg');
    writeFileSync(
      file,
      [
        '# a comment',
        '; another',
        '[defaults]',
        'roles_path = roles:/abs/roles:~/more',
        'INVENTORY: inv/a.yml, inv/b.yml',
        'forks = 12 ; inline comment',
        "remote_user = 'deploy'",
        'private_key_file = keys/id_ed25519',
        'host_key_checking = False',
        'ansible_managed = Managed by {uid} on {host}:',
        '  second line',
        '',
        '[privilege_escalation]',
        'become = yes',
        'become_user = admin',
        '[diff]',
        'always = true',
      ].join('\n'),
    );
    const cfg = loadAnsibleConfig({ env: {}, cwd: d.cwd, home: d.home, file });
    expect(cfg.file).toBe(file);
    expect(cfg.rolesPath).toEqual([join(d.other, 'roles'), '/abs/roles', join(d.home, 'more')]);
    expect(cfg.inventory).toEqual([join(d.other, 'inv/a.yml'), join(d.other, 'inv/b.yml')]);
    expect(cfg).toMatchObject({ forks: 12, remoteUser: 'deploy', privateKeyFile: join(d.other, 'keys/id_ed25519'), hostKeyChecking: false, become: true, becomeUser: 'admin', diffAlways: true });
    expect(cfg.ansibleManaged).toBe('Managed by {uid} on {host}:\nsecond line');
    expect(cfg.origins.forks).toBe(file);
    expect(cfg.origins.timeout).toBe('default');
  });

  it('ANSIBLE_* variables override the file; their relative paths are relative to the current directory', () => {
    const d = dirs();
    const file = join(d.other, 'ansible.cfg');
    writeFileSync(file, '[defaults]\nforks = 12\nroles_path = roles\n');
    const cfg = loadAnsibleConfig({ env: { ANSIBLE_FORKS: '3', ANSIBLE_ROLES_PATH: 'r1:r2', ANSIBLE_BECOME: 'true', ANSIBLE_INVENTORY: 'hosts.yml' }, cwd: d.cwd, home: d.home, file });
    expect(cfg.forks).toBe(3);
    expect(cfg.rolesPath).toEqual([join(d.cwd, 'r1'), join(d.cwd, 'r2')]);
    expect(cfg.become).toBe(true);
    expect(cfg.inventory).toEqual([join(d.cwd, 'hosts.yml')]);
    expect(cfg.origins.forks).toBe('env: ANSIBLE_FORKS');
  });

  it('a bad value names the file and line', () => {
    const d = dirs();
    const file = join(d.other, 'ansible.cfg');
    writeFileSync(file, '[defaults]\n\nforks = many\n');
    const err = (() => {
      try {
        loadAnsibleConfig({ env: {}, cwd: d.cwd, home: d.home, file });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(SchemaError);
    expect((err as SchemaError).pos).toMatchObject({ file, line: 3 });
    expect((err as SchemaError).message).toMatch(/forks: expected integer, got 'many'/);
    expect((err as SchemaError).exitCode).toBe(4);
  });
});

describe('INI dialect', () => {
  it.each([
    ['option before any section', 'forks = 5\n', /before any \[section\]/, 1],
    ['a line that is no option', '[defaults]\njust words\n', /expected 'key = value'/, 2],
    ['an option twice', '[defaults]\nforks = 5\nFORKS = 6\n', /appears twice/, 3],
    ['a section twice', '[defaults]\n[diff]\n[defaults]\n', /section 'defaults' appears twice/, 3],
  ])('%s', (_name, text, message, line) => {
    expect(() => parseIni(text, 'x.cfg')).toThrow(message);
    try {
      parseIni(text, 'x.cfg');
    } catch (e) {
      expect((e as SchemaError).pos?.line).toBe(line);
    }
  });

  it("keeps a ';' without a space before it, and '#' inside a value", () => {
    const ini = parseIni('[defaults]\na = x;y # not a comment\nb=\n', 'x.cfg');
    expect(ini.get('defaults')?.get('a')?.value).toBe('x;y # not a comment');
    expect(ini.get('defaults')?.get('b')?.value).toBe('');
  });
});
