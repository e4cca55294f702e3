/**
 * ansible-playbook's flags in hapb run: tag selection (Ansible's
 * evaluate_tags), --start-at-task matching, and the precedence of -u, -c,
 * --private-key, -b and --become-user (a command-line value is the lowest).
 */
import { describe, expect, it } from 'vitest';
import { applyBecomeFlags, flagConnections, flagVarsIntoInventory, withFlagDefaults } from '../../src/cli/connection-flags.js';
import { hostVars, inventoryFromIni } from '../../src/inventory/index.js';
import type { ConnectionFactory } from '../../src/connection/types.js';
import { matchesStartAt } from '../../src/engine/run-playbook.js';
import { evaluateTags, splitTags, taskTags } from '../../src/playbook/tags.js';
import type { Play, Playbook, Role, Task } from '../../src/playbook/types.js';

const pos = { file: 'p.yml', line: 1, col: 1 };
function task(name: string, tags: string[] = [], role?: Role, named = true): Task {
  return { name, named, module: 'ansible.builtin.debug', args: {}, when: [], notify: [], listen: [], vars: {}, tags, pos, ...(role ? { role } : {}) };
}
function play(over: Partial<Play> = {}): Play {
  return { name: 'p', hosts: 'all', vars: {}, varsFiles: [], gatherFacts: false, anyErrorsFatal: false, roles: [], exposedRoles: [], preTasks: [], tasks: [], postTasks: [], handlers: [], tags: [], pos, ...over };
}

describe('evaluateTags (Ansible 2.14 Taggable.evaluate_tags)', () => {
  // [task tags, --tags, --skip-tags, runs]
  const table: [string[], string[], string[], boolean][] = [
    [[], [], [], true],
    [['x'], [], [], true],
    [['never'], [], [], false],
    [['never', 'debug'], ['debug'], [], true],
    [['never', 'debug'], ['all'], [], false],
    [['always'], ['other'], [], true],
    [['always'], [], ['always'], false],
    [['always'], ['all'], ['x'], true],
    [[], ['tagged'], [], false],
    [['x'], ['tagged'], [], true],
    [['never', 'x'], ['tagged'], [], false],
    [[], ['untagged'], [], true],
    [['x'], ['untagged'], [], false],
    [['x'], [], ['untagged'], true],
    [[], [], ['untagged'], false],
    [['x'], [], ['tagged'], false],
    [[], [], ['tagged'], true],
    [['x', 'y'], ['y'], ['x'], false],
    [['config'], ['config', 'port'], [], true],
    [['x'], [], ['all'], false],
  ];
  it.each(table)('tags %j, --tags %j, --skip-tags %j: %s', (tags, only, skip, runs) => {
    expect(evaluateTags(tags, only, skip)).toBe(runs);
  });

  it('always survives --skip-tags all, unless always is skipped too', () => {
    expect(evaluateTags(['always'], [], ['all'])).toBe(true);
    expect(evaluateTags(['x'], [], ['all'])).toBe(false);
    expect(evaluateTags(['always', 'x'], ['x'], ['all', 'always'])).toBe(false);
  });

  it('splits repeated, comma-separated values and drops repeats and blanks', () => {
    expect(splitTags(['a,b', ' c ', 'a', ''])).toEqual(['a', 'b', 'c']);
    expect(splitTags(undefined)).toEqual([]);
  });

  it("a task inherits its play's and role's tags", () => {
    const role: Role = { name: 'app', dir: '/r', defaults: {}, vars: {}, tasks: [], handlers: [], params: {}, tags: ['approle'] };
    expect(taskTags(play({ tags: ['second'] }), task('t', ['own', 'approle'], role))).toEqual(['second', 'approle', 'own']);
  });
});

describe('--start-at-task', () => {
  const role: Role = { name: 'app', dir: '/r', defaults: {}, vars: {}, tasks: [], handlers: [], params: {}, tags: [] };
  it('matches the name or `role : name`, exactly or as a glob', () => {
    expect(matchesStartAt(task('port file'), 'port file')).toBe(true);
    expect(matchesStartAt(task('port file'), 'port*')).toBe(true);
    expect(matchesStartAt(task('port file'), 'Port*')).toBe(false);
    expect(matchesStartAt(task('config', [], role), 'app : config')).toBe(true);
    expect(matchesStartAt(task('config', [], role), 'app : *')).toBe(true);
    expect(matchesStartAt(task('config', [], role), 'other : config')).toBe(false);
  });
});

describe('connection flags are the lowest precedence', () => {
  it('-u, -c and --private-key fill in only what no variable sets', () => {
    const flags = { user: 'cli', connection: 'local', privateKey: '/k' };
    expect(withFlagDefaults({}, flags)).toEqual({ ansible_user: 'cli', ansible_connection: 'local', ansible_ssh_private_key_file: '/k' });
    expect(withFlagDefaults({ ansible_user: 'inv', ansible_connection: 'ssh', ansible_private_key_file: '/inv' }, flags)).toEqual({
      ansible_user: 'inv',
      ansible_connection: 'ssh',
      ansible_private_key_file: '/inv',
    });
    expect(withFlagDefaults({ ansible_ssh_user: 'old' }, flags)).toMatchObject({ ansible_ssh_user: 'old' });
    expect(withFlagDefaults({ ansible_ssh_user: 'old' }, flags).ansible_user).toBeUndefined();
  });

  it('the connection factory sees the merged variables; without flags it is the same factory', () => {
    const seen: Record<string, unknown>[] = [];
    const factory = ((_h: string, vars: Record<string, unknown>) => {
      seen.push(vars);
      return {} as ReturnType<ConnectionFactory>;
    }) as ConnectionFactory;
    flagConnections(factory, { user: 'cli' })('h1', { ansible_host: '127.0.0.1' }, {});
    flagConnections(factory, { user: 'cli' })('h2', { ansible_user: 'inv' }, {});
    expect(seen).toEqual([{ ansible_host: '127.0.0.1', ansible_user: 'cli' }, { ansible_user: 'inv' }]);
    expect(flagConnections(factory, {})).toBe(factory);
  });

  it('-b and --become-user apply to plays that do not set become / become_user', () => {
    const pb: Playbook = { file: 'p.yml', dir: '/', plays: [play(), play({ become: false }), play({ become: true, becomeUser: 'www' })] };
    applyBecomeFlags(pb, { become: true, becomeUser: 'ops' });
    expect(pb.plays.map((p) => [p.become, p.becomeUser])).toEqual([
      [true, 'ops'],
      [false, 'ops'],
      [true, 'www'],
    ]);
  });

  it('templates see the flags as the lowest inventory variables: any inventory value wins', () => {
    const inv = inventoryFromIni('h1\nh2 ansible_user=inv\n[g]\nh3\n[g:vars]\nansible_connection=ssh\n', 'hosts');
    flagVarsIntoInventory(inv, { user: 'cli', connection: 'local' });
    expect(hostVars(inv, 'h1')).toEqual({ ansible_user: 'cli', ansible_connection: 'local' });
    expect(hostVars(inv, 'h2')).toEqual({ ansible_user: 'inv', ansible_connection: 'local' });
    expect(hostVars(inv, 'h3')).toEqual({ ansible_user: 'cli', ansible_connection: 'ssh' });
  });

  it('an `all` variable of the inventory is not replaced by the flag', () => {
    const inv = inventoryFromIni('h1\n[all:vars]\nansible_user=deploy\n', 'hosts');
    flagVarsIntoInventory(inv, { user: 'cli' });
    expect(hostVars(inv, 'h1')).toEqual({ ansible_user: 'deploy' });
  });
});

