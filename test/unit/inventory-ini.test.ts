/**
 * INI inventories, host lists and merged sources: what Ansible's ini and
 * host_list plugins make of them (values checked against ansible-inventory
 * 2.14 by hand; test/cli/inventory-ansible.test.ts compares whole outputs).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputErrors, SchemaError } from '../../src/errors/index.js';
import { hostVars, inventoryFromIni, loadInventory } from '../../src/inventory/index.js';
import { iniValue } from '../../src/inventory/parse-ini.js';
import { literalEval, shlexSplit } from '../../src/inventory/python-literal.js';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), `hapb-t-ini-${process.pid}-`));
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

const SAMPLE = `# comment
; another comment
alpha ansible_host=127.0.0.1
beta:2222 user=admin

[web]
web[01:03] http_port=8080 flag=True name="two words" q='5' lst=[1,2] d={'a':1} f=1.5 n=None yes=yes
web04 ansible_connection=local

[db]
db-[a:c]

[web:vars]
ntp = pool.ntp.org # not a comment
quoted = "5"
empty =
num=42 # a Python comment

[prod:children]
web
db

[prod:vars]
env=prod
`;

describe('INI inventory', () => {
  const inv = inventoryFromIni(SAMPLE, 'hosts');

  it('hosts before any section are ungrouped; ranges expand; groups in order of definition', () => {
    expect([...inv.hosts.keys()]).toEqual(['alpha', 'beta', 'web01', 'web02', 'web03', 'web04', 'db-a', 'db-b', 'db-c']);
    expect([...inv.groups.keys()]).toEqual(['all', 'ungrouped', 'web', 'db', 'prod']);
    expect(inv.groups.get('ungrouped')?.hosts).toEqual(['alpha', 'beta']);
    expect(inv.groups.get('all')?.children).toEqual(['ungrouped', 'prod']);
    expect(inv.groups.get('prod')?.children).toEqual(['web', 'db']);
  });

  it("reads values as Ansible does: shell words for host lines, Python literals, the rest as text", () => {
    expect(hostVars(inv, 'web01')).toEqual({
      d: '{a:1}', // the shell split took the quotes away: not a literal any more
      empty: '',
      env: 'prod',
      f: 1.5,
      flag: true,
      http_port: 8080,
      lst: [1, 2],
      n: null,
      name: 'two words',
      ntp: 'pool.ntp.org # not a comment',
      num: 42,
      q: 5, // '5' on a host line is the number 5 (shlex removes the quotes)
      quoted: '5', // "5" in a vars section stays a string
      yes: 'yes',
    });
    expect(hostVars(inv, 'beta')).toEqual({ ansible_port: 2222, user: 'admin' });
  });

  it('gives the hosts of one line the same value objects (ansible-inventory -y anchors them)', () => {
    expect(inv.hosts.get('web01')?.vars.lst).toBe(inv.hosts.get('web02')?.vars.lst);
  });

  it('accepts children declared before their group, and [group:vars] for a group defined later', () => {
    const later = inventoryFromIni('[top:children]\nmid\n[mid:vars]\nx=1\n[mid:children]\nleaf\n[leaf]\nh1\n', 'f');
    expect(later.groups.get('top')?.children).toEqual(['mid']);
    expect(later.groups.get('mid')?.children).toEqual(['leaf']);
    expect(hostVars(later, 'h1')).toEqual({ x: 1 });
  });

  it('sets ansible_group_priority from [group:vars]', () => {
    const p = inventoryFromIni('[a]\nh\n[a:vars]\nansible_group_priority=10\n', 'f');
    expect(p.groups.get('a')?.priority).toBe(10);
  });

  it.each([
    ['an unknown section type', '[web:things]\nh\n', "f:1:6: section [web:things] has unknown type 'things'", /\[group:vars\]/],
    ['a section with a space', '[web servers]\n', "f:1:1: invalid section entry '[web servers]'", /no spaces/],
    ['a host word without =', '[web]\nweb1 ansible_host\n', "f:2:6: expected key=value after the host name, got 'ansible_host'", /key="two words"/],
    ['an unclosed quote', '[web]\nweb1 a="x\n', 'f:2:10: cannot split host line: no closing quotation', /close the quote/],
    ['a vars line without =', '[web]\nh\n[web:vars]\n  just text\n', "f:4:3: expected key=value in [web:vars], got 'just text'", /name = value/],
    ['vars of a group defined nowhere', '[ghost:vars]\nx=1\n', 'f:1:2: section [ghost:vars] is for a group defined nowhere', /\[ghost\]/],
    ['a child group defined nowhere', '[top:children]\nmissing\n', "f:2:1: section [top:children] names group 'missing', which is defined nowhere", /\[missing\] section/],
    ['a bad range', '[web]\nweb[3:1]\n', 'f:2:1: host range [3:1] begins after it ends', /web\[01:10\]/],
    ['a host ending in a colon', '[web]\nweb1:\n', "f:2:5: host 'web1:' ends in ':'", /port/],
    ['a YAML document', '---\n', "f:1:1: '---' in an INI inventory: this looks like a YAML file", /\.yml/],
    ['a group its own child', '[a]\nh\n[a:children]\na\n', "f:4:1: group 'a' would be its own ancestor: a -> a", /remove 'a'/],
    ['all as a child', '[a:children]\nall\n[a]\n', "f:2:1: 'all' cannot be a child of group 'a'", /already under all/],
    ['a group name with a comma', '[a,b]\nh\n', 'f:1:3: group name "a,b" contains \',\'', /patterns/],
  ])('%s is an error at file:line:col', (_what, text, message, hint) => {
    const e = thrown(() => inventoryFromIni(text, 'f'));
    expect(e).toBeInstanceOf(SchemaError);
    expect((e as SchemaError).message).toBe(message);
    expect((e as SchemaError).hint).toMatch(hint);
    expect((e as SchemaError).exitCode).toBe(4);
  });

  it('reports every bad line, not only the first', () => {
    const e = thrown(() => inventoryFromIni('[web]\nweb1 x\nweb2 y\n[web:oops]\n', 'f'));
    expect(e).toBeInstanceOf(InputErrors);
    expect((e as InputErrors).errors.map((x) => x.message.split(': ')[0])).toEqual(['f:2:6', 'f:3:6', 'f:4:6']);
  });
});

describe('Python literals and shell words (the INI value rules)', () => {
  it.each([
    ['42', 42],
    ['-7', -7],
    ['0x1F', 31],
    ['1_000', 1000],
    ['1.5e3', 1500],
    ['True', true],
    ['None', null],
    ["'a' 'b'", 'ab'],
    ['"tab\\there"', 'tab\there'],
    ["r'\\d'", '\\d'],
    ["b'bytes'", 'bytes'],
    ['[1, (2, 3), {4}]', [1, [2, 3], [4]]],
    ["{'a': [1, {'b': None}], 2: 'x',}", { a: [1, { b: null }], 2: 'x' }],
    ['()', []],
    ['(5)', 5],
    ['5 # comment', 5],
  ])('literalEval(%s)', (text, value) => {
    expect(literalEval(text)).toEqual({ value });
  });

  it.each(['true', 'yes', '0123', '1+2j', 'a.b', '-True', "f'x'", '[1,', '{[1]: 2}', '5 6', ''])('%s is not a literal (kept as text)', (text) => {
    expect(literalEval(text)).toBeUndefined();
    expect(iniValue(text)).toBe(text);
  });

  it('splits like shlex.split(comments=True)', () => {
    expect(shlexSplit(`web1 a="x y" b='it''s' c=d\\ e f=g#h i=j`).tokens).toEqual(['web1', 'a=x y', 'b=its', 'c=d e', 'f=g']);
    expect(shlexSplit('h "a\\"b\\c"').tokens).toEqual(['h', 'a"b\\c']);
    expect(shlexSplit('h  # all comment').tokens).toEqual(['h']);
    expect(() => shlexSplit("h a='x")).toThrow('No closing quotation');
  });
});

describe('inventory sources', () => {
  it("-i 'h1,h2:2222,[::1]:23,' is a host list of ungrouped hosts", () => {
    const inv = loadInventory('h1,h2:2222,[::1]:23,');
    expect([...inv.hosts.keys()]).toEqual(['h1', 'h2', '::1']);
    expect(inv.groups.get('ungrouped')?.hosts).toEqual(['h1', 'h2', '::1']);
    expect(hostVars(inv, 'h2')).toEqual({ ansible_port: 2222 });
    expect(hostVars(inv, '::1')).toEqual({ ansible_port: 23 });
  });

  it('repeated sources merge in order: groups and hosts add up, a later value wins, group_vars beside each', () => {
    const root = tree({
      'a/hosts.yml': 'web:\n  hosts:\n    web1:\n      port: 1\n      only_a: x\n',
      'a/group_vars/web.yml': 'from_a: 1\nshared: a\n',
      'b/hosts': '[web]\nweb1 port=2\nweb2\n[db]\ndb1\n',
      'b/group_vars/web.yml': 'shared: b\n',
    });
    const inv = loadInventory([join(root, 'a/hosts.yml'), join(root, 'b/hosts'), 'extra,']);
    expect([...inv.hosts.keys()]).toEqual(['web1', 'web2', 'db1', 'extra']);
    expect(inv.groups.get('web')?.hosts).toEqual(['web1', 'web2']);
    expect(hostVars(inv, 'web1')).toEqual({ port: 2, only_a: 'x', from_a: 1, shared: 'b' });
    expect(inv.hosts.get('web2')?.pos?.file).toBe(join(root, 'b/hosts'));
  });

  it('a directory: YAML files and INI files without extension, .ini and hidden files skipped as Ansible does', () => {
    const root = tree({
      'inv/10-web.yml': 'web:\n  hosts:\n    web1:\n',
      'inv/20-db': '[db]\ndb1\n',
      'inv/30-skipped.ini': '[skipped]\nnever\n',
      'inv/.hidden': '[hidden]\nnope\n',
      'inv/group_vars/db.yml': 'role: database\n',
    });
    const inv = loadInventory(join(root, 'inv'));
    expect([...inv.hosts.keys()]).toEqual(['web1', 'db1']);
    expect(hostVars(inv, 'db1')).toEqual({ role: 'database' });
  });

  it('a file without extension holding a YAML mapping is read as YAML', () => {
    const root = tree({ hosts: 'all:\n  hosts:\n    h1:\n      a: 1\n' });
    expect(hostVars(loadInventory(join(root, 'hosts')), 'h1')).toEqual({ a: 1 });
  });

  it('a source that does not exist and has no comma is an error with a hint', () => {
    const e = thrown(() => loadInventory('/nonexistent/hapb-inventory'));
    expect(e).toBeInstanceOf(SchemaError);
    expect((e as SchemaError).message).toMatch(/inventory not found/);
    expect((e as SchemaError).hint).toMatch(/-i 'web1,web2,'/);
  });
});
