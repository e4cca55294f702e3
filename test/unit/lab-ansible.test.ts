/** The lab's Python image recipe and the ansible-playbook converge's command line and environment. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRecipe, labRecipe, PYTHON_PACKAGES, recipeHash } from '../../src/lab/image.js';
import { ansibleArgv, ansibleControlDir, ansibleEnv } from '../../src/lab/ansible-converge.js';
import { convergeArgv, packageRoot } from '../../src/lab/converge.js';

describe('lab image recipe with Python', () => {
  it('adds python3 and python3-apt, and so has its own cache key', () => {
    const py = labRecipe({ python: true });
    expect(py.packages).toEqual([...defaultRecipe.packages, 'python3', 'python3-apt']);
    expect(PYTHON_PACKAGES).toEqual(['python3', 'python3-apt']);
    expect(recipeHash(py)).not.toBe(recipeHash(defaultRecipe));
  });

  it('leaves the default image as it was: hapb needs no Python', () => {
    expect(labRecipe()).toBe(defaultRecipe);
    expect(labRecipe({ python: false })).toBe(defaultRecipe);
    expect(defaultRecipe.packages.filter((p) => p.startsWith('python'))).toEqual([]);
  });
});

describe('ansible-playbook converge', () => {
  const req = { lab: 'demo', inventory: '/var/lib/hapb/labs/demo/inventory.yml', playbook: 'playbooks/site.yml', profile: 'tutorial' as const };

  it('runs the same playbook, inventory and profile file as hapb run', () => {
    const argv = ansibleArgv(req, ['--check']);
    expect(argv[0]).toBe('ansible-playbook');
    expect(argv.slice(1)).toEqual([...convergeArgv(req).slice(2), '--check']);
    expect(argv[argv.indexOf('-e') + 1]).toMatch(/^@(.*\/)?profiles\/tutorial\.yml$/);
  });

  it("a fresh lab's converge: both engines get -e hapb_director_serial=100% after the profile (site.yml's serial)", async () => {
    const { FRESH_VARS } = await import('../../src/lab/up.js');
    const fresh = { ...req, extraVars: FRESH_VARS };
    const a = ansibleArgv(fresh);
    expect(a.slice(-4)).toEqual(['-e', expect.stringMatching(/profiles\/tutorial\.yml$/), '-e', 'hapb_director_serial=100%']);
    expect(a.slice(1)).toEqual(convergeArgv(fresh).slice(2));
    expect(ansibleArgv(req)).not.toContain('hapb_director_serial=100%');
  });

  it("keeps Ansible's SSH control sockets in the lab's run dir", () => {
    const env = ansibleEnv('demo', {}, packageRoot());
    expect(env['ANSIBLE_SSH_CONTROL_PATH_DIR']).toBe(ansibleControlDir('demo'));
    expect(ansibleControlDir('demo')).toMatch(/\/labs\/demo\/cp$/);
  });

  it("names the package's ansible.cfg only when none is in the working directory and ANSIBLE_CONFIG is unset", () => {
    const empty = mkdtempSync(join(tmpdir(), 'hapb-t-ansenv-'));
    expect(ansibleEnv('demo', {}, empty)['ANSIBLE_CONFIG']).toBe(join(packageRoot(), 'ansible.cfg'));
    expect(ansibleEnv('demo', { ANSIBLE_CONFIG: '/x/ansible.cfg' }, empty)['ANSIBLE_CONFIG']).toBe('/x/ansible.cfg');
    const own = mkdtempSync(join(tmpdir(), 'hapb-t-ansenv-'));
    writeFileSync(join(own, 'ansible.cfg'), '[defaults]\n');
    expect(ansibleEnv('demo', {}, own)['ANSIBLE_CONFIG']).toBeUndefined();
  });

  it('keeps a python interpreter setting given by the caller', () => {
    expect(ansibleEnv('demo', {}, packageRoot())['ANSIBLE_PYTHON_INTERPRETER']).toBe('auto_silent');
    expect(ansibleEnv('demo', { ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3' }, packageRoot())['ANSIBLE_PYTHON_INTERPRETER']).toBe('/usr/bin/python3');
  });

  it('pipelines modules over SSH unless the caller says otherwise', () => {
    expect(ansibleEnv('demo', {}, packageRoot())['ANSIBLE_PIPELINING']).toBe('True');
    expect(ansibleEnv('demo', { ANSIBLE_PIPELINING: 'False' }, packageRoot())['ANSIBLE_PIPELINING']).toBe('False');
  });
});
