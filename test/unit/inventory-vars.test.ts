import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupsOf, hostVars, inventoryFromYaml, loadInventory, magicVars } from '../../src/inventory/index.js';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), `hapb-t-inventory-${process.pid}-`));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const lines = (...l: string[]): string => l.join('\n') + '\n';

/** Each case: files, then the value of `x` for host `h` and where it was defined (file, line). */
const precedence: [string, Record<string, string>, unknown, string, number][] = [
  [
    'a child group beats its parent, the parent beats all',
    {
      'hosts.yml': lines(
        'all:',
        '  vars: {x: all}',
        '  children:',
        '    parent:',
        '      vars: {x: parent}',
        '      children:',
        '        child:',
        '          vars: {x: child}',
        '          hosts: {h: null}',
      ),
    },
    'child',
    'hosts.yml',
    8,
  ],
  [
    'depth counts, not the order of definition',
    {
      'hosts.yml': lines('child:', '  vars: {x: child}', '  hosts: {h: null}', 'parent:', '  vars: {x: parent}', '  children: {child: null}'),
    },
    'child',
    'hosts.yml',
    2,
  ],
  [
    'the longest path gives the depth',
    {
      'hosts.yml': lines(
        'a:',
        '  children:',
        '    b:',
        '      children:',
        '        c:',
        '          vars: {x: c}',
        '          hosts: {h: null}',
        'x1:',
        '  children:',
        '    d:',
        '      vars: {x: d}',
        '      hosts: {h: null}',
        'top:',
        '  children: {c: null}',
      ),
    },
    'c',
    'hosts.yml',
    6,
  ],
  [
    'same depth: alphabetical, the later name wins',
    { 'hosts.yml': lines('beta:', '  vars: {x: beta}', '  hosts: {h: null}', 'alpha:', '  vars: {x: alpha}', '  hosts: {h: null}') },
    'beta',
    'hosts.yml',
    2,
  ],
  [
    'same depth: a higher ansible_group_priority wins over the name',
    {
      'hosts.yml': lines(
        'beta:',
        '  vars: {x: beta}',
        '  hosts: {h: null}',
        'alpha:',
        '  vars: {x: alpha, ansible_group_priority: 10}',
        '  hosts: {h: null}',
      ),
    },
    'alpha',
    'hosts.yml',
    5,
  ],
  [
    'priority does not beat depth',
    {
      'hosts.yml': lines(
        'parent:',
        '  vars: {x: parent, ansible_group_priority: 100}',
        '  children:',
        '    child:',
        '      vars: {x: child}',
        '      hosts: {h: null}',
      ),
    },
    'child',
    'hosts.yml',
    5,
  ],
  [
    'host vars beat group vars',
    { 'hosts.yml': lines('web:', '  vars: {x: group}', '  hosts:', '    h:', '      x: host') },
    'host',
    'hosts.yml',
    5,
  ],
  [
    'host_vars/ beats inventory host vars',
    { 'hosts.yml': lines('web:', '  hosts:', '    h:', '      x: inventory'), 'host_vars/h.yml': 'x: file\n' },
    'file',
    'host_vars/h.yml',
    1,
  ],
  [
    'inventory host vars beat group_vars/',
    { 'hosts.yml': lines('web:', '  hosts:', '    h:', '      x: host'), 'group_vars/web.yml': 'x: file\n' },
    'host',
    'hosts.yml',
    4,
  ],
  [
    'group_vars/all beats group vars written in the inventory',
    { 'hosts.yml': lines('web:', '  vars: {x: inventory}', '  hosts: {h: null}'), 'group_vars/all.yml': 'x: all-file\n' },
    'all-file',
    'group_vars/all.yml',
    1,
  ],
  [
    'group_vars/GROUP beats group_vars/all',
    { 'hosts.yml': lines('web:', '  hosts: {h: null}'), 'group_vars/all.yml': 'x: all\n', 'group_vars/web.yml': 'y: 1\nx: web\n' },
    'web',
    'group_vars/web.yml',
    2,
  ],
  [
    "a parent's group_vars file beats a child's inventory vars",
    {
      'hosts.yml': lines('parent:', '  children:', '    child:', '      vars: {x: child-inventory}', '      hosts: {h: null}'),
      'group_vars/parent.yml': 'x: parent-file\n',
    },
    'parent-file',
    'group_vars/parent.yml',
    1,
  ],
  [
    'among group_vars files, depth then name',
    {
      'hosts.yml': lines('parent:', '  children:', '    child:', '      hosts: {h: null}', 'zeta:', '  hosts: {h: null}'),
      'group_vars/parent.yml': 'x: parent\n',
      'group_vars/zeta.yml': 'x: zeta\n',
      'group_vars/child.yml': 'x: child\n',
    },
    'child',
    'group_vars/child.yml',
    1,
  ],
  [
    'all inventory vars are the lowest',
    { 'hosts.yml': lines('all:', '  vars: {x: all}', 'web:', '  vars: {x: web}', '  hosts: {h: null}') },
    'web',
    'hosts.yml',
    4,
  ],
];

describe('variable precedence (Ansible order)', () => {
  it.each(precedence)('%s', (_what, files, value, file, line) => {
    const root = tree(files);
    const inv = loadInventory(join(root, 'hosts.yml'));
    expect(hostVars(inv, 'h').x).toBe(value);
    const pos = inv.varPos('h', 'x');
    expect(pos?.file).toBe(join(root, file));
    expect(pos?.line).toBe(line);
  });

  it('does not expose ansible_group_priority as a variable', () => {
    const inv = inventoryFromYaml('web:\n  vars: {ansible_group_priority: 3, a: 1}\n  hosts: {h: null}\n', 'i.yml');
    expect(hostVars(inv, 'h')).toEqual({ a: 1 });
    expect(inv.groups.get('web')?.priority).toBe(3);
  });

  it('replaces whole values (no deep merge), like hash_behaviour=replace', () => {
    const inv = inventoryFromYaml('all:\n  vars: {d: {a: 1, b: 2}}\nweb:\n  vars: {d: {a: 9}}\n  hosts: {h: null}\n', 'i.yml');
    expect(hostVars(inv, 'h').d).toEqual({ a: 9 });
  });

  it('varPos is undefined for an unknown host or an unset key', () => {
    const inv = inventoryFromYaml('web:\n  hosts: {h: {a: 1}}\n', 'i.yml');
    expect(inv.varPos('h', 'nope')).toBeUndefined();
    expect(inv.varPos('nobody', 'a')).toBeUndefined();
    expect(inv.varPos('h', 'a')).toEqual({ file: 'i.yml', line: 2, col: 15 });
  });

  it('the seed: directors get keepalived_state from group_vars, master overrides it from host_vars', () => {
    const inv = loadInventory('test/fixtures/inventory/seed/hosts.yml');
    expect(hostVars(inv, 'backup').keepalived_state).toBe('BACKUP');
    expect(hostVars(inv, 'master').keepalived_state).toBe('MASTER');
    expect(hostVars(inv, 'master').vip).toBe('192.168.0.100');
    expect(inv.varPos('master', 'vrrp_priority')).toEqual({ file: 'test/fixtures/inventory/seed/hosts.yml', line: 11, col: 11 });
  });
});

describe('groupsOf', () => {
  const inv = inventoryFromYaml(
    lines('prod:', '  children:', '    web:', '      hosts: {web1: null}', '    lb:', '      hosts: {web1: null}', 'solo:', '  hosts: {s: null}'),
    'i.yml',
  );
  it.each([
    ['web1', ['all', 'prod', 'lb', 'web']],
    ['s', ['all', 'solo']],
    ['nobody', []],
  ])('%s -> %j', (host, groups) => {
    expect(groupsOf(inv, host)).toEqual(groups);
  });
});

describe('magicVars', () => {
  const inv = inventoryFromYaml(
    lines(
      'all:',
      '  hosts:',
      '    lonely.example.com:',
      '  children:',
      '    prod:',
      '      children:',
      '        web:',
      '          hosts:',
      '            web1.example.com: {port: 80}',
      '            192.168.0.42:',
    ),
    'i.yml',
  );

  it('gives inventory_hostname, the short name and sorted group_names without all', () => {
    const m = magicVars(inv, 'web1.example.com');
    expect(m.inventory_hostname).toBe('web1.example.com');
    expect(m.inventory_hostname_short).toBe('web1');
    expect(m.group_names).toEqual(['prod', 'web']);
    expect(m.inventory_file).toBe('i.yml');
    expect(magicVars(inv, '192.168.0.42').inventory_hostname_short).toBe('192.168.0.42');
  });

  it("gives a host in no group ['ungrouped'], as Ansible does", () => {
    expect(magicVars(inv, 'lonely.example.com').group_names).toEqual(['ungrouped']);
  });

  it('gives groups with all and ungrouped, and hostvars of every host', () => {
    const m = magicVars(inv, 'web1.example.com');
    expect(m.groups).toEqual({
      all: ['lonely.example.com', 'web1.example.com', '192.168.0.42'],
      ungrouped: ['lonely.example.com'],
      prod: ['web1.example.com', '192.168.0.42'],
      web: ['web1.example.com', '192.168.0.42'],
    });
    const hv = m.hostvars as Record<string, Record<string, unknown>>;
    expect(Object.keys(hv)).toEqual(['lonely.example.com', 'web1.example.com', '192.168.0.42']);
    expect(hv['web1.example.com']).toEqual({ port: 80 });
  });

  it('is empty for an unknown host', () => {
    expect(magicVars(inv, 'nobody')).toEqual({});
  });
});
