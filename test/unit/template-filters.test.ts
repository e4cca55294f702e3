import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { createTemplater, TemplateError } from '../../src/template/index.js';

const t = createTemplater();
const vars = {
  yes: 'yes',
  n: 5,
  s: 'Hello World',
  path: '/etc/nginx/conf.d/site.conf',
  users: [
    { name: 'ann', state: 'up', groups: ['a', 'b'], info: { uid: 1 } },
    { name: 'bob', state: 'down', groups: ['b'], info: { uid: 2 } },
    { name: 'cy', state: 'up', groups: [], info: { uid: 3 } },
  ],
  base: { a: 1, nested: { x: 1, y: 2 }, list: [1] },
  over: { b: 2, nested: { y: 3 }, list: [2] },
  nums: [3, 1, 2, 3, 1],
  json: '{"a": [1, 2], "b": null}',
  vip: '192.168.50.10/24',
};

describe.each([
  // bool / ternary
  ["'yes' | bool", true],
  ["'on' | bool", true],
  ["'1' | bool", true],
  ['1 | bool', true],
  ["'no' | bool", false],
  ["'false' | bool", false],
  ['true | ternary("a", "b")', 'a'],
  ['[] | ternary("a", "b")', 'b'],
  ['none | ternary("a", "b", "c")', 'c'],
  // json / yaml
  ['base | to_json', '{"a": 1, "nested": {"x": 1, "y": 2}, "list": [1]}'],
  ["{'b': 1, 'a': [1, 2]} | to_nice_json", '{\n    "a": [\n        1,\n        2\n    ],\n    "b": 1\n}'],
  ["{'b': 1, 'a': 2} | to_nice_json(indent=2)", '{\n  "a": 2,\n  "b": 1\n}'],
  ['json | from_json', { a: [1, 2], b: null }],
  ["{'b': 1, 'a': [1, 2]} | to_nice_yaml", 'a:\n- 1\n- 2\nb: 1\n'],
  ["{'k': 'v'} | to_yaml", '{k: v}\n'],
  ["'a: [1, 2]' | from_yaml", { a: [1, 2] }],
  // combine
  ['base | combine(over)', { a: 1, nested: { y: 3 }, list: [2], b: 2 }],
  ['base | combine(over, recursive=true)', { a: 1, nested: { x: 1, y: 3 }, list: [2], b: 2 }],
  ["base | combine(over, list_merge='append')", { a: 1, nested: { y: 3 }, list: [1, 2], b: 2 }],
  ["{'a': 1} | combine({'b': 2}, {'a': 3})", { a: 3, b: 2 }],
  // regex
  ["'abc123' | regex_replace('[0-9]+', 'X')", 'abcX'],
  ["'host-01' | regex_replace('^(\\\\w+)-(?P<num>\\\\d+)$', '\\\\g<num>.\\\\1')", '01.host'],
  ["'ABC' | regex_replace('b', 'x', ignorecase=true)", 'AxC'],
  ["'ABC' | regex_replace('b', 'x', true)", 'AxC'],
  ["'a\\nb' | regex_replace('^', '> ', multiline=true)", '> a\n> b'],
  ["'aaa' | regex_replace('a', 'b', count=2)", 'bba'],
  ["'port 8080 open' | regex_search('[0-9]+')", '8080'],
  ["'key=value' | regex_search('(\\\\w+)=(\\\\w+)', '\\\\2', '\\\\1')", ['value', 'key']],
  ["'nothing' | regex_search('[0-9]+')", null],
  ["'a1b22' | regex_findall('[0-9]+')", ['1', '22']],
  // default / mandatory
  ['missing | d(1)', 1],
  ['missing | default(1)', 1],
  ["'' | default('x', true)", 'x'],
  ["'' | default('x')", ''],
  ['n | mandatory', 5],
  // lists
  ['nums | unique', [3, 1, 2]],
  ['[1, 2] | union([2, 3])', [1, 2, 3]],
  ['[1, 2, 3] | intersect([2, 3, 4])', [2, 3]],
  ['[1, 2, 3] | difference([2])', [1, 3]],
  ['[1, 2] | symmetric_difference([2, 3])', [1, 3]],
  ["[{'a': 1}, {'a': 1}] | unique", [{ a: 1 }]],
  ['[1, [2, [3, [4]]]] | flatten', [1, 2, 3, 4]],
  ['[1, [2, [3, [4]]]] | flatten(levels=1)', [1, 2, [3, [4]]]],
  ['[1, [2, [3]]] | flatten(1)', [1, 2, [3]]],
  ["{'a': 1, 'b': 2} | dict2items", [{ key: 'a', value: 1 }, { key: 'b', value: 2 }]],
  ["{'a': 1} | dict2items(key_name='k', value_name='v')", [{ k: 'a', v: 1 }]],
  ["[{'key': 'a', 'value': 1}] | items2dict", { a: 1 }],
  ["[{'k': 'a', 'v': 1}] | items2dict(key_name='k', value_name='v')", { a: 1 }],
  ["users | map(attribute='name') | list", ['ann', 'bob', 'cy']],
  ["users | map(attribute='info.uid') | list", [1, 2, 3]],
  ["users | map(attribute='nope', default='-') | list", ['-', '-', '-']],
  ["['a', 'b'] | map('upper') | list", ['A', 'B']],
  ["['1', '2'] | map('int') | list", [1, 2]],
  ["['x', 'y'] | map('regex_replace', '^', 'p-') | list", ['p-x', 'p-y']],
  ["[0, 1, '', 'a', [], [1]] | select | list", [1, 'a', [1]]],
  ["[1, 2, 3, 4] | select('odd') | list", [1, 3]],
  ["[1, 2, 3, 4] | reject('odd') | list", [2, 4]],
  ["['a1', 'b1', 'a2'] | select('match', 'a') | list", ['a1', 'a2']],
  ["users | selectattr('state', 'equalto', 'up') | map(attribute='name') | list", ['ann', 'cy']],
  ["users | rejectattr('state', 'equalto', 'up') | map(attribute='name') | list", ['bob']],
  ["users | selectattr('groups') | map(attribute='name') | list", ['ann', 'bob']],
  ["users | selectattr('info.uid', 'gt', 1) | map(attribute='name') | list", ['bob', 'cy']],
  ["users | selectattr('name', 'in', ['ann', 'cy']) | map(attribute='name') | join(',')", 'ann,cy'],
  ["users | sort(attribute='name', reverse=true) | map(attribute='name') | list", ['cy', 'bob', 'ann']],
  ['nums | sort', [1, 1, 2, 3, 3]],
  ["users | map(attribute='name') | join(', ')", 'ann, bob, cy'],
  ['nums | min', 1],
  ['nums | max', 3],
  ["[1, 2] | zip(['a', 'b'])", [[1, 'a'], [2, 'b']]],
  // strings and paths
  ['path | basename', 'site.conf'],
  ['path | dirname', '/etc/nginx/conf.d'],
  ["'hapb' | b64encode", 'aGFwYg=='],
  ["'aGFwYg==' | b64decode", 'hapb'],
  ["'hapb' | hash('sha1')", createHash('sha1').update('hapb').digest('hex')],
  ["'hapb' | hash('md5')", createHash('md5').update('hapb').digest('hex')],
  ["'hapb' | hash('sha256')", createHash('sha256').update('hapb').digest('hex')],
  ["'plain-word' | quote", 'plain-word'],
  ['"it\'s a test" | quote', `'it'"'"'s a test'`],
  ["'' | quote", "''"],
  ["'42' | int", 42],
  ["'4.7' | int", 4],
  ["'x' | int", 0],
  ["'x' | int(7)", 7],
  ["'ff' | int(base=16)", 255],
  ['true | int', 1],
  ["'1.5' | float", 1.5],
  ['n | string', '5'],
  ['true | string', 'True'],
  ["'a\\nb' | indent(2)", 'a\n  b'],
  ["'a\\nb' | indent(width=2, first=true)", '  a\n  b'],
  // ipaddr
  ["vip | ipaddr('address')", '192.168.50.10'],
  ["vip | ipaddr('prefix')", 24],
  ["vip | ipaddr('netmask')", '255.255.255.0'],
  ["vip | ipaddr('network')", '192.168.50.0'],
  ["vip | ipaddr('broadcast')", '192.168.50.255'],
  ["vip | ipaddr('network/prefix')", '192.168.50.0/24'],
  ["'10.1.2.3/255.255.0.0' | ipaddr('prefix')", 16],
  ["'10.0.0.1' | ipaddr('prefix')", 32],
  ["'not-an-ip' | ipaddr", false],
  ["'300.1.1.1/24' | ipaddr('address')", false],
  ["'192.168.50.99' | ipaddr('192.168.50.0/24')", '192.168.50.99'],
  ["'192.168.51.99' | ipaddr('192.168.50.0/24')", null], // Ansible answers None (test/fixtures/ipaddr/cases.json)
  ["['10.0.0.1', 'x', '10.0.0.2/8'] | ipaddr('address')", ['10.0.0.1', '10.0.0.2']],
])('filter %s', (expression, expected) => {
  it('evaluates', () => {
    expect(t.evaluate(expression, vars)).toEqual(expected);
  });
});

describe.each([
  ['missing is defined', false],
  ['n is defined', true],
  ['missing is undefined', true],
  ['none is none', true],
  ['n is none', false],
  ["'abc' is match('ab')", true],
  ["'abc' is match('bc')", false],
  ["'abc' is search('bc')", true],
  ["'abc' is search('^bc')", false],
  ["'ABC' is match('ab', ignorecase=true)", true],
  ["'abc' is regex('b')", true],
  ["'up' is equalto('up')", true],
  ['n is equalto(4)', false],
  ["'b' is in(['a', 'b'])", true],
  ["'z' is in(['a', 'b'])", false],
  ["['a'] is contains('a')", true],
  ['[] is truthy', false],
  ['[1] is truthy', true],
  ["'' is falsy", true],
  ["'192.168.50.7' is in_network('192.168.50.0/24')", true],
  ["'192.168.51.7' is ip_in_network('192.168.50.0/24')", false],
  ["'10.0.0.0/25' is in_network('10.0.0.0/24')", true],
  ["'10.0.0.0/23' is in_network('10.0.0.0/24')", false],
  ["'10.0.0.1' is ip_address", true],
  ["'10.0.0' is ip_address", false],
  ['[1, 2] is subset([1, 2, 3])', true],
  ['base is mapping', true],
  ['nums is string', false],
])('test %s', (expression, expected) => {
  it('evaluates', () => {
    expect(t.evaluate(expression, vars)).toBe(expected);
  });
});

describe('keyword arguments', () => {
  it.each([
    ["{{ users | sort(attribute='name') | map(attribute='name') | join(',') }}", 'ann,bob,cy'],
    ["{{ 'a b' | regex_replace(pattern=' ', replacement='_') }}", 'a_b'],
    ["{{ none | ternary(true_val='t', false_val='f') }}", 'f'],
    ["{{ missing | default(default_value='dv') }}", 'dv'],
    ["{{ '5' | int(default=1) }}", '5'],
    ["{{ [1, [2, [3]]] | flatten(levels=1) }}", '[1, 2, [3]]'],
  ])('%s', (source, expected) => {
    expect(t.renderString(source, vars)).toBe(expected);
  });

  it('to_nice_yaml output parses back to the same data', () => {
    const data = { upstream: { servers: ['10.0.0.1:80', '10.0.0.2:80'], keepalive: 32 } };
    expect(YAML.parse(t.renderString('{{ d | to_nice_yaml }}', { d: data }))).toEqual(data);
  });
});

describe('filter errors are TemplateErrors', () => {
  it.each([
    ["{{ 'x' | from_json }}", /from_json/],
    ["{{ 'a' | hash('crc99') }}", /unsupported hash type 'crc99'/],
    ["{{ [1] | dict2items }}", /dict2items: expected a dict/],
    ["{{ '10.0.0.1' | ipaddr('bogus') }}", /ipaddr: unknown filter type: bogus/],
    ["{{ [1] | select('no_such_test') | list }}", /test not found: no_such_test/],
  ])('%s', (source, pattern) => {
    let error: unknown;
    try {
      t.renderString(source, vars, 'f.j2');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).message).toMatch(/^f\.j2:/);
    expect((error as TemplateError).detail).toMatch(pattern);
  });
});
