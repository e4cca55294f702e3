import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputErrors, SchemaError } from '../../src/errors/index.js';
import { expandHostKey, inventoryFromYaml, loadInventory } from '../../src/inventory/index.js';

const SEED = 'test/fixtures/inventory/seed/hosts.yml';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** Write files (path -> text) under a fresh temporary directory; returns its path. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), `hapb-t-inventory-${process.pid}-`));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('loadInventory on the seed inventory', () => {
  const inv = loadInventory(SEED);

  it('has the hosts in order of definition and the groups with all and ungrouped', () => {
    expect([...inv.hosts.keys()]).toEqual(['master', 'backup', 'web1', 'web2', 'client']);
    expect([...inv.groups.keys()]).toEqual(['all', 'ungrouped', 'directors', 'web', 'clients']);
    expect(inv.groups.get('all')?.children).toEqual(['ungrouped', 'directors', 'web', 'clients']);
    expect(inv.groups.get('directors')?.hosts).toEqual(['master', 'backup']);
    expect(inv.hosts.get('web2')?.groups).toEqual(['web']);
    expect(inv.groups.get('ungrouped')?.hosts).toEqual([]);
  });

  it('keeps own vars per host and group, inventory then files', () => {
    expect(inv.hosts.get('master')?.vars).toEqual({
      ansible_host: '192.168.0.40',
      vrrp_priority: 150,
      keepalived_state: 'MASTER',
    });
    expect(inv.groups.get('all')?.vars).toEqual({ ansible_user: 'root', vip: '192.168.0.100', http_port: 80 });
    expect(inv.groups.get('directors')?.vars).toEqual({ vrrp_router_id: 51, keepalived_state: 'BACKUP' });
  });

  it('records where each host was first defined', () => {
    expect(inv.hosts.get('web1')?.pos).toEqual({ file: SEED, line: 17, col: 9 });
    expect(inv.groups.get('web')?.pos).toEqual({ file: SEED, line: 15, col: 5 });
  });

  it('reports no warnings for a clean inventory', () => {
    expect(inv.warnings).toEqual([]);
  });
});

describe('YAML inventory structure', () => {
  it('accepts a host in several groups, nested children and null entries', () => {
    const inv = inventoryFromYaml(
      [
        'all:',
        '  children:',
        '    lb:',
        '      hosts:',
        '        master:',
        '          ansible_host: 192.168.0.40',
        '    prod:',
        '      children:',
        '        lb:',
        '        web:',
        '          hosts:',
        '            web1:',
        '            master:',
        '',
      ].join('\n'),
      'i.yml',
    );
    expect(inv.hosts.get('master')?.groups).toEqual(['lb', 'web']);
    expect(inv.groups.get('prod')?.children).toEqual(['lb', 'web']);
    expect(inv.groups.get('all')?.children).toEqual(['ungrouped', 'lb', 'prod']);
    expect(inv.hosts.get('master')?.vars).toEqual({ ansible_host: '192.168.0.40' });
  });

  it('puts hosts of no group (or only all) into ungrouped, and groups of no parent under all', () => {
    const inv = inventoryFromYaml('all:\n  hosts:\n    lonely:\nweb:\n  hosts:\n    web1:\n', 'i.yml');
    expect(inv.groups.get('ungrouped')?.hosts).toEqual(['lonely']);
    expect(inv.groups.get('all')?.hosts).toEqual(['lonely']);
    expect(inv.hosts.get('lonely')?.groups).toEqual(['all', 'ungrouped']);
    expect(inv.groups.get('all')?.children).toEqual(['ungrouped', 'web']);
  });

  it('drops a host from ungrouped when it is also in a real group', () => {
    const inv = inventoryFromYaml('ungrouped:\n  hosts:\n    h1:\nweb:\n  hosts:\n    h1:\n', 'i.yml');
    expect(inv.groups.get('ungrouped')?.hosts).toEqual([]);
    expect(inv.hosts.get('h1')?.groups).toEqual(['web']);
  });

  it('takes `hosts: name` as a one-host mapping and a port from `name:port`', () => {
    const inv = inventoryFromYaml('web:\n  hosts: web1\ndb:\n  hosts:\n    db1:2222:\n', 'i.yml');
    expect(inv.groups.get('web')?.hosts).toEqual(['web1']);
    expect(inv.hosts.get('db1')?.vars).toEqual({ ansible_port: 2222 });
  });

  it('expands host ranges', () => {
    const inv = inventoryFromYaml('web:\n  hosts:\n    web[1:3]:\n      role: web\n', 'i.yml');
    expect([...inv.hosts.keys()]).toEqual(['web1', 'web2', 'web3']);
    expect(inv.hosts.get('web3')?.vars).toEqual({ role: 'web' });
  });

  it('reads the keys of a group in the order written', () => {
    const inv = inventoryFromYaml('web:\n  children:\n    sub:\n      hosts: {a: null}\n  hosts: {b: null}\n', 'i.yml');
    expect([...inv.hosts.keys()]).toEqual(['a', 'b']);
    expect([...inv.groups.keys()]).toEqual(['all', 'ungrouped', 'web', 'sub']);
  });

  it('accepts the same value for a variable given twice', () => {
    const text = 'a:\n  hosts:\n    h:\n      x: 1\nb:\n  hosts:\n    h:\n      x: 1\n';
    expect(inventoryFromYaml(text, 'i.yml').hosts.get('h')?.vars).toEqual({ x: 1 });
  });

  it('stores a variable named __proto__ as a plain key', () => {
    const inv = inventoryFromYaml('web:\n  hosts:\n    h:\n      __proto__: 1\n', 'i.yml');
    expect(Object.keys(inv.hosts.get('h')?.vars ?? {})).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(inv.hosts.get('h')?.vars)).toBe(Object.prototype);
  });
});

describe('expandHostKey', () => {
  it.each([
    ['web1', ['web1'], undefined],
    ['web1:2222', ['web1'], 2222],
    ['web[1:3]', ['web1', 'web2', 'web3'], undefined],
    ['www[01:03].example.com', ['www01.example.com', 'www02.example.com', 'www03.example.com'], undefined],
    ['db-[a:c]', ['db-a', 'db-b', 'db-c'], undefined],
    ['n[0:6:3]', ['n0', 'n3', 'n6'], undefined],
    ['r[1:2]-[a:b]', ['r1-a', 'r1-b', 'r2-a', 'r2-b'], undefined],
    ['web[1:2]:22', ['web1', 'web2'], 22],
    ['fe80::1', ['fe80::1'], undefined],
    ['[fe80::1]:2222', ['fe80::1'], 2222],
    ['192.168.0.40', ['192.168.0.40'], undefined],
  ])('%s', (key, names, port) => {
    expect(expandHostKey(key)).toEqual(port === undefined ? { names } : { names, port });
  });

  it.each(['web[3:1]', 'web[1:]', 'web[01:100]', 'web[a:3]', 'web[1:9:0]', 'web[1:2:3:4]', 'w[1:100000]'])(
    'rejects %s',
    (key) => {
      expect(() => expandHostKey(key)).toThrow(/host range/);
    },
  );
});

describe('bad inventories: one SchemaError each, at file:line:col with a hint', () => {
  it.each([
    ['YAML syntax', 'all:\n\thosts:\n', 'f.yml:2:1: YAML syntax error: Tabs are not allowed as indentation', /tabs/],
    ['empty file', '# only a comment\n', 'f.yml:1:1: inventory file is empty', /all:/],
    ['a list at the top', '- web1\n- web2\n', 'f.yml:1:1: inventory must be a mapping of group names', /all:/],
    [
      'host: instead of hosts:',
      'all:\n  children:\n    web:\n      host:\n        web1:\n',
      "f.yml:4:7: unknown key 'host' in group 'web'",
      /did you mean 'hosts'\?/,
    ],
    [
      'an unknown key far from any',
      'web:\n  xyzzy: 1\n',
      "f.yml:2:3: unknown key 'xyzzy' in group 'web'",
      /allowed keys: hosts, children, vars/,
    ],
    [
      'hosts as a list',
      'all:\n  children:\n    web:\n      hosts:\n        - web1\n',
      "f.yml:5:9: 'hosts' of group 'web' must be a mapping",
      /one per line/,
    ],
    [
      'a host with a bare address',
      'web:\n  hosts:\n    web1: 192.168.0.42\n',
      "f.yml:3:11: host 'web1' must be a mapping (or empty)",
      /ansible_host: 192\.168\.0\.42/,
    ],
    ['vars as a list', 'web:\n  vars:\n    - a\n', "f.yml:3:5: 'vars' of group 'web' must be a mapping (or empty)", /name: value/],
    ['children as a list', 'web:\n  children:\n    - a\n', "f.yml:3:5: 'children' of group 'web' must be a mapping", /children:/],
    ['a group as a list', 'web:\n  - web1\n', "f.yml:2:3: group 'web' must be a mapping (or empty)", /hosts:/],
    [
      'one host, two values for a var',
      'all:\n  children:\n    web:\n      hosts:\n        web1:\n          ansible_host: 192.168.0.42\n    lb:\n      hosts:\n        web1:\n          ansible_host: 192.168.0.99\n',
      'f.yml:10:11: host \'web1\' sets \'ansible_host\' twice with different values ("192.168.0.42" and "192.168.0.99")',
      /first is at f\.yml:6:11/,
    ],
    [
      'one group, two values for a var',
      'web:\n  vars:\n    port: 80\nlb:\n  children:\n    web:\n      vars:\n        port: 8080\n',
      "f.yml:8:9: group 'web' sets 'port' twice with different values (80 and 8080)",
      /first is at f\.yml:3:5/,
    ],
    [
      'a port in the key and a different ansible_port',
      'web:\n  hosts:\n    web1:2222:\n      ansible_port: 22\n',
      "f.yml:4:7: host 'web1' sets 'ansible_port' twice with different values (2222 and 22)",
      /first is at f\.yml:3:5/,
    ],
    [
      'a name used as host and group',
      'all:\n  children:\n    web:\n      hosts:\n        db:\n    db:\n      hosts:\n        db1:\n',
      "f.yml:5:9: 'db' is used both as a host and as a group",
      /group is defined at f\.yml:6:5/,
    ],
    ['a host named all', 'web:\n  hosts:\n    all:\n', "f.yml:3:5: 'all' is used both as a host and as a group", /built-in/],
    [
      'a cycle through two groups',
      'all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n',
      "f.yml:7:13: group 'a' would be its own ancestor: a -> b -> a",
      /remove 'a' from the children of 'b'/,
    ],
    ['a group its own child', 'a:\n  children:\n    a:\n', "f.yml:3:5: group 'a' would be its own ancestor: a -> a", /remove/],
    [
      'a cycle across top-level groups',
      'a:\n  children:\n    b:\nb:\n  children:\n    c:\nc:\n  children:\n    a:\n',
      "f.yml:9:5: group 'a' would be its own ancestor: a -> b -> c -> a",
      /children of 'c'/,
    ],
    ['a cycle by YAML alias', 'all: &x\n  children:\n    web: *x\n', "f.yml:3:5: group 'web' would be its own ancestor: web -> web", /remove/],
    ['all as a child', 'web:\n  children:\n    all:\n', "f.yml:3:5: 'all' cannot be a child of group 'web'", /already under all/],
    ['a reversed range', 'web:\n  hosts:\n    web[3:1]:\n', 'f.yml:3:5: host range [3:1] begins after it ends', /web\[1:3\]/],
    [
      'a priority that is not a number',
      'web:\n  vars:\n    ansible_group_priority: high\n',
      "f.yml:3:5: ansible_group_priority of group 'web' must be an integer",
      /ansible_group_priority: 10/,
    ],
    ['a self-referencing value', 'web:\n  vars: &v\n    a: *v\n', "f.yml:3:5: the value of 'a' contains itself", /alias/],
    ['hosts at the top level', 'hosts:\n  web1:\n', "f.yml:1:1: 'hosts' is in the place of a group name", /under a group, e.g. `all:`/],
    [
      'vars indented one level too deep',
      'all:\n  children:\n    web:\n    vars:\n      x: 1\n',
      "f.yml:4:5: 'vars' is in the place of a group name",
      /indentation/,
    ],
    ['an INI inventory', '# hosts\n[web]\nweb1 ansible_host=192.168.0.42\n', 'f.yml:2:1: this looks like an INI inventory (section [web])', /named \.ini or without extension/],
    ['a plugin config', 'plugin: aws_ec2\n', "f.yml:1:1: this is an inventory plugin configuration ('plugin:'), not a YAML inventory", /YAML inventories/],
    ['an empty group name', '"":\n  hosts:\n    x:\n', 'f.yml:1:1: a group name is empty', /name/],
    ['a group name with a colon', 'web:prod:\n  hosts:\n    x:\n', 'f.yml:1:1: group name "web:prod" contains \':\'', /patterns/],
    ['a group name with a space', 'all:\n  children:\n    web servers:\n', 'f.yml:3:5: group name "web servers" contains a space', /patterns/],
    ['a host name with brackets but no range', 'web:\n  hosts:\n    web[1]:\n', 'f.yml:3:5: host name "web[1]" contains \'[\'', /web\[1:3\]/],
    ['a host name with a comma', 'web:\n  hosts:\n    "a,b":\n', 'f.yml:3:5: host name "a,b" contains \',\'', /DNS name/],
  ])('%s', (_what, text, message, hint) => {
    const e = thrown(() => inventoryFromYaml(text, 'f.yml'));
    expect(e).toBeInstanceOf(SchemaError);
    expect((e as SchemaError).message).toBe(message);
    expect((e as SchemaError).hint).toMatch(hint);
  });

  it('collects every error, in file order, into InputErrors', () => {
    const text = 'all:\n  children:\n    web:\n      host:\n        web1:\n    db:\n      hosts:\n        - db1\n    a:\n      children:\n        a:\n';
    const e = thrown(() => inventoryFromYaml(text, 'f.yml'));
    expect(e).toBeInstanceOf(InputErrors);
    expect((e as InputErrors).errors.map((x) => x.message)).toEqual([
      "f.yml:4:7: unknown key 'host' in group 'web'",
      "f.yml:8:9: 'hosts' of group 'db' must be a mapping",
      "f.yml:11:9: group 'a' would be its own ancestor: a -> a",
    ]);
    expect((e as InputErrors).exitCode).toBe(4);
  });

  it('turns a YAML alias bomb into an input error, quickly', () => {
    const lines = ['web:', '  hosts: {h: null}', '  vars:', '    a: &a [x, x, x, x, x, x, x, x, x, x]'];
    let prev = 'a';
    for (const n of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']) {
      lines.push(`    ${n}: &${n} [${Array(10).fill('*' + prev).join(', ')}]`);
      prev = n;
    }
    const e = thrown(() => inventoryFromYaml(lines.join('\n') + '\n', 'bomb.yml'));
    expect(e).toBeInstanceOf(SchemaError);
    expect((e as SchemaError).message).toMatch(/^bomb\.yml:1:1: cannot read YAML: Excessive alias count/);
  });

  it('names a missing inventory file', () => {
    const e = thrown(() => loadInventory('/nonexistent/hapb/inventory.yml'));
    expect(e).toBeInstanceOf(SchemaError);
    expect((e as SchemaError).message).toBe('/nonexistent/hapb/inventory.yml:0:0: inventory not found');
  });
});

describe('group_vars and host_vars beside the inventory', () => {
  const inventory = 'all:\n  children:\n    web:\n      hosts:\n        web1:\n        web2:\n';

  it.each([
    ['NAME.yml', { 'group_vars/web.yml': 'port: 80\n' }, { port: 80 }],
    ['NAME.yaml', { 'group_vars/web.yaml': 'port: 81\n' }, { port: 81 }],
    ['NAME.json', { 'group_vars/web.json': '{"port": 82}' }, { port: 82 }],
    ['NAME without extension', { 'group_vars/web': 'port: 83\n' }, { port: 83 }],
    [
      'NAME/ directory, files merged in sorted order, recursively',
      {
        'group_vars/web/a.yml': 'port: 1\nname: a\n',
        'group_vars/web/b.yml': 'port: 2\n',
        'group_vars/web/c/d.yaml': 'deep: true\n',
        'group_vars/web/.hidden.yml': 'port: 99\n',
        'group_vars/web/e.yml~': 'port: 98\n',
        'group_vars/web/notes.txt': 'port: 97\n',
      },
      { port: 2, name: 'a', deep: true },
    ],
    [
      'a directory wins over NAME.yml (looked up first, as Ansible)',
      { 'group_vars/web/x.yml': 'port: 1\n', 'group_vars/web.yml': 'port: 2\n' },
      { port: 1 },
    ],
    ['NAME.yml wins over NAME.yaml', { 'group_vars/web.yml': 'port: 1\n', 'group_vars/web.yaml': 'port: 2\n' }, { port: 1 }],
    ['an empty file', { 'group_vars/web.yml': '' }, {}],
  ])('group_vars: %s', (_what, files, want) => {
    const root = tree({ 'hosts.yml': inventory, ...files });
    expect(loadInventory(join(root, 'hosts.yml')).groups.get('web')?.vars).toEqual(want);
  });

  it('host_vars: a file per host, and a directory', () => {
    const root = tree({
      'hosts.yml': inventory,
      'host_vars/web1.yml': 'weight: 1\n',
      'host_vars/web2/main.yml': 'weight: 2\n',
      'host_vars/web2/more.yml': 'extra: x\n',
    });
    const inv = loadInventory(join(root, 'hosts.yml'));
    expect(inv.hosts.get('web1')?.vars).toEqual({ weight: 1 });
    expect(inv.hosts.get('web2')?.vars).toEqual({ weight: 2, extra: 'x' });
    expect(inv.varPos('web2', 'extra')).toEqual({ file: join(root, 'host_vars/web2/more.yml'), line: 1, col: 1 });
  });

  it('warns about vars files that match no group or host', () => {
    const root = tree({ 'hosts.yml': inventory, 'group_vars/wbe.yml': 'x: 1\n', 'host_vars/web9.yml': 'x: 1\n' });
    const inv = loadInventory(join(root, 'hosts.yml'));
    expect(inv.warnings).toEqual([
      `${join(root, 'group_vars/wbe.yml')}: no group 'wbe' in the inventory; file ignored`,
      `${join(root, 'host_vars/web9.yml')}: no host 'web9' in the inventory; file ignored`,
    ]);
  });

  it('reports a vars file that is not a mapping, and a syntax error, with their positions', () => {
    const root = tree({
      'hosts.yml': inventory,
      'group_vars/web.yml': '- a\n- b\n',
      'host_vars/web1.yml': 'a: [1\n',
    });
    const e = thrown(() => loadInventory(join(root, 'hosts.yml')));
    expect(e).toBeInstanceOf(InputErrors);
    const messages = (e as InputErrors).errors.map((x) => x.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toBe(`${join(root, 'group_vars/web.yml')}:1:1: variables of group 'web' must be a mapping`);
    expect(messages[1]).toMatch(new RegExp(`^${join(root, 'host_vars/web1.yml')}:\\d+:\\d+: YAML syntax error`));
  });

  it('loads a directory of inventory files in sorted order, with its group_vars', () => {
    const root = tree({
      'inv/20-web.yml': 'web:\n  hosts:\n    web1:\n',
      'inv/10-lb.yaml': 'lb:\n  hosts:\n    master:\n',
      'inv/notes.txt': 'not: [an inventory\n',
      'inv/group_vars/web.yml': 'port: 80\n',
    });
    const inv = loadInventory(join(root, 'inv'));
    expect([...inv.hosts.keys()]).toEqual(['master', 'web1']);
    expect(inv.groups.get('web')?.vars).toEqual({ port: 80 });
  });
});
