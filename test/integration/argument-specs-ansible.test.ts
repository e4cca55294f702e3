/**
 * The roles' meta/argument_specs.yml are Ansible's own format: real Ansible
 * (ansible-core, installed by scripts/setup.sh) documents them, accepts each
 * role's defaults and both profiles against them, and refuses a bad value.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasCommand } from '../helpers/env.js';
import { repoRoot } from '../helpers/cli.js';

const env = { ...process.env, HAPB_REPO: repoRoot, ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false', ANSIBLE_NOCOLOR: '1' };

describe('argument specs under real Ansible', () => {
  it('ansible-core is installed (scripts/setup.sh installs it)', () => {
    expect(hasCommand('ansible-playbook')).toBe(true);
  });

  it.each(['keepalived', 'nginx_director', 'web_backend', 'prometheus_exporters'])('ansible-doc reads the spec of role %s', (role) => {
    const r = spawnSync('ansible-doc', ['-t', 'role', '-r', join(repoRoot, 'roles'), role], { encoding: 'utf8', env, timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('ENTRY POINT: main');
  });

  it('validate_argument_spec accepts the defaults and profiles, refuses keepalived_vrrp_version: 4', () => {
    const r = spawnSync('ansible-playbook', [join(repoRoot, 'test', 'fixtures', 'ansible', 'argument-specs.yml')], { encoding: 'utf8', env, timeout: 120_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ok=3 +changed=0 +unreachable=0 +failed=0/);
    expect(r.stdout).toContain('value of keepalived_vrrp_version must be one of: 2, 3, got: 4');
  }, 180_000);
});
