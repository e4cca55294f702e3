import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, HapbError } from '../../src/errors/index.js';
import { createTemplater, isTruthy, markUnsafe, TemplateError } from '../../src/template/index.js';

const t = createTemplater();

function catchError(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw new Error(`expected a TemplateError, got ${String(err)}`);
  }
  throw new Error('expected a TemplateError, nothing was thrown');
}

describe('renderString: environment like Ansible', () => {
  it.each([
    ['autoescape off', '{{ s }}', { s: '<a href="x">&' }, '<a href="x">&'],
    ['trim_blocks: newline after a block tag is removed', '{% if true %}\nyes\n{% endif %}\nend', {}, 'yes\nend'],
    ['lstrip_blocks off: indentation before a block tag stays', 'a\n  {% if true %}b{% endif %}', {}, 'a\n  b'],
    ['booleans print like Python', '{{ on }} {{ off }}', { on: true, off: false }, 'True False'],
    ['None prints nothing, as with Ansible finalize', 'a{{ n }}b {{ [n] }}', { n: null }, 'ab [None]'],
    ['lists and dicts print as Python repr', "{{ l }} {{ d }}", { l: ['a', 1], d: { k: "it's" } }, `['a', 1] {'k': "it's"}`],
    ['empty list is false in if', '{% if l %}T{% else %}F{% endif %}', { l: [] }, 'F'],
    ['empty dict is false in not', '{{ not d }}', { d: {} }, 'True'],
    ['or returns the first truthy operand', "{{ l or 'none' }}", { l: [] }, 'none'],
    ['and returns the last operand', '{{ 1 and l }}', { l: [2] }, '[2]'],
    ['dict items() in for', '{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}', { d: { a: 1, b: 2 } }, 'a=1;b=2;'],
    ['string methods', "{{ s.upper() }} {{ s.split(',') | join('-') }} {{ s.startswith('a') }}", { s: 'a,b' }, 'A,B a-b True'],
    ['negative list index', '{{ l[-1] }}', { l: [1, 2, 3] }, '3'],
    ['dict get() with default', "{{ d.get('x', 7) }}", { d: {} }, '7'],
    ['loop variables', '{% for x in l %}{{ loop.index }}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}', { l: ['a', 'b'] }, '1a,2b'],
    ['set and macros', '{% set q = n * 2 %}{% macro m(x, y=1) %}[{{ x }}{{ y }}]{% endmacro %}{{ m(q) }}', { n: 2 }, '[41]'],
    ['inline if', "{{ 'y' if l else 'n' }}", { l: [] }, 'n'],
    ['for over a dict iterates its keys', '{% for k in d %}{{ k }},{% endfor %}', { d: { b: 2, a: 1 } }, 'b,a,'],
    ['for k, v over dictsort', '{% for k, v in d | dictsort %}{{ k }}={{ v }},{% endfor %}', { d: { b: 2, a: 1 } }, 'a=1,b=2,'],
    ['call blocks and caller()', '{% macro w(x) %}<{{ caller() }}{{ x }}>{% endmacro %}{% call w(1) %}in{% endcall %}', {}, '<in1>'],
    ['format filter', "{{ '%-4s|%03d' | format('ab', 7) }}", {}, 'ab  |007'],
  ])('%s', (_name, source, vars, expected) => {
    expect(t.renderString(source, vars)).toBe(expected);
  });
});

describe('evaluate: expressions to native values', () => {
  const vars = { n: 3, s: 'up', l: [1, 2], d: { a: { b: true } }, groups: { web: ['w1', 'w2'] }, empty: [] };
  it.each([
    ['n > 2', true],
    ['n + 1', 4],
    ["s == 'up' and n == 3", true],
    ['l', [1, 2]],
    ["groups['web']", ['w1', 'w2']],
    ['d.a', { b: true }],
    ['d.a.b', true],
    ['missing is defined', false],
    ['missing is undefined', true],
    ['d.nope is defined', false],
    ['missing.deeper is defined', false],
    ['missing | default(5)', 5],
    ["missing | d('x')", 'x'],
    ['empty | default(9, true)', 9],
    ['2 in l', true],
    ['{{ n * 2 }}', 6],
    ['[n, s]', [3, 'up']],
    ["{'k': n}", { k: 3 }],
    ['none', null],
    ['l | length', 2],
    // Python operators
    ["groups['web'] + l", ['w1', 'w2', 1, 2]],
    ["'a' + s", 'aup'],
    ["'-' * 3", '---'],
    ['l * 2', [1, 2, 1, 2]],
    ["'%s:%d' % (s, n)", 'up:3'],
    ["'%05.1f|%-4s|%x' % (3.14159, 'ab', 255)", '003.1|ab  |ff'],
    ["'%(a)s=%(b)s' % {'a': 1, 'b': 'x'}", '1=x'],
    ["'%s%%' % 50", '50%'],
    ['-7 % 3', 2],
    ["s ~ '-' ~ true", 'up-True'],
    ['l == [1, 2]', true],
    ["d == {'a': {'b': true} }", true],
    ['l != [1, 2]', false],
    ['1 < n < 5', true],
    ['1 < n < 2', false],
    ['1 == 1.0', true],
    ["'a' < 'b'", true],
    ["{'b': true} in [d.a]", true],
    ["'constructor' in d", false],
    ["'p' in s", true],
    ["'w3' not in groups.web", true],
  ])('%s', (expression, expected) => {
    expect(t.evaluate(expression, vars)).toEqual(expected);
  });

  it('an undefined variable in when: is an error naming the variable and expression', () => {
    const err = catchError(() => t.evaluate('foo and n', vars, 'when'));
    expect(err.message).toBe("when: undefined variable 'foo' in 'foo and n'");
    expect(err.exitCode).toBe(ExitCode.invalidInput);
    expect(err).toBeInstanceOf(HapbError);
  });

  it('a YAML boolean or number is already a value', () => {
    expect(t.evaluate(true as unknown as string, vars)).toBe(true);
    expect(t.evaluate(0 as unknown as string, vars)).toBe(0);
  });

  it('rejects text that is not a single expression', () => {
    expect(catchError(() => t.evaluate('a }} b {{ c', vars)).detail).toMatch(/single expression|syntax error/);
  });

  it.each([
    [[], false],
    [{}, false],
    ['', false],
    [0, false],
    [null, false],
    [[0], true],
    ['False', true],
    [{ a: 1 }, true],
  ])('isTruthy(%j) is %s (Python truthiness, for when:)', (value, expected) => {
    expect(isTruthy(value)).toBe(expected);
  });
});

describe('templateValue', () => {
  const vars = { groups: { web: ['w1', 'w2'] }, port: 80, name: 'x' };
  it('keeps native values for a single expression and recurses', () => {
    const value = {
      loop: "{{ groups['web'] }}",
      port: '{{ port }}',
      url: 'http://{{ name }}:{{ port }}/',
      nested: [{ n: '{{ port + 1 }}' }, 5, true, null],
      plain: 'no template',
    };
    expect(t.templateValue(value, vars)).toEqual({
      loop: ['w1', 'w2'],
      port: 80,
      url: 'http://x:80/',
      nested: [{ n: 81 }, 5, true, null],
      plain: 'no template',
    });
  });
  it('does not change the input', () => {
    const value = { a: '{{ port }}' };
    t.templateValue(value, vars);
    expect(value).toEqual({ a: '{{ port }}' });
  });
  it('renders a block template to a string', () => {
    expect(t.templateValue('{% for w in groups.web %}{{ w }} {% endfor %}', vars)).toBe('w1 w2 ');
  });
});

describe('unsafe data is never templated', () => {
  it('a registered result holding {{ stays text', () => {
    const vars = { r: markUnsafe({ stdout: 'server {{ name }};', rc: 0 }) };
    expect(t.renderString('{{ r.stdout }}', vars)).toBe('server {{ name }};');
    expect(t.evaluate('r', vars)).toEqual({ stdout: 'server {{ name }};', rc: 0 });
    expect(t.templateValue(vars.r, {})).toBe(vars.r);
  });
});

describe('lazy variables', () => {
  const vars = {
    vip: '10.0.0.10',
    vip_cidr: '{{ vip }}/24',
    listen: { addr: '{{ vip_cidr | ipaddr("address") }}', port: 80 },
    ports: ['{{ listen.port }}', 443],
    a: '{{ b }}',
    b: '{{ c }}',
    c: '{{ a }}',
    self: '{{ self }}',
    broken: '{{ nope }}/24',
    unused_broken: '{{ not_defined_anywhere }}',
    hostvars: {
      dir1: { vip: '10.0.0.10', priority: 150, vip_cidr: '{{ vip }}/24', peer: "{{ hostvars['dir2'].vip_cidr }}" },
      dir2: { vip: '10.0.0.20', vip_cidr: '{{ vip }}/16' },
    },
  };

  it.each([
    ['{{ vip_cidr }}', '10.0.0.10/24'],
    ['{{ listen.addr }}:{{ listen.port }}', '10.0.0.10:80'],
    ['{{ ports[0] + 1 }}', '81'],
    ["{{ hostvars['dir2'].vip_cidr }}", '10.0.0.20/16'],
    ["{{ hostvars['dir1'].peer }}", '10.0.0.20/16'],
    ['{{ hostvars.dir1.priority }}', '150'],
    ['{{ vip_cidr is defined }} {{ broken is defined }} {{ broken | default("d") }}', 'True False d'],
  ])('%s -> %s', (source, expected) => {
    expect(t.renderString(source, vars)).toBe(expected);
  });

  it('resolves to native values through evaluate', () => {
    expect(t.evaluate('ports', vars)).toEqual([80, 443]);
  });

  it.each([
    ['{{ a }}', "recursive loop in variable 'a': a -> b -> c -> a"],
    ['{{ self }}', "recursive loop in variable 'self': self -> self"],
  ])('a recursive definition %s is a clear error', (source, detail) => {
    expect(catchError(() => t.renderString(source, vars, 'x.j2')).detail).toBe(detail);
  });

  it('an undefined variable inside a lazy variable names both', () => {
    const err = catchError(() => t.renderString('ok\n{{ broken }}', vars, 'x.j2'));
    expect(err.message).toBe("x.j2:2:4: in variable 'broken' ('{{ nope }}/24'): undefined variable 'nope'");
  });
});

describe('errors: template, line, column, did-you-mean', () => {
  const vars = { vrrp_priority: 100, peers: { dir1: { ip: '10.0.0.1' } }, x: 1 };

  it('undefined variable with position and hint', () => {
    const source = 'vrrp_instance VI_1 {\n    priority {{ vrrp_priorty }}\n}\n';
    const err = catchError(() => t.renderString(source, vars, 'roles/keepalived/templates/keepalived.conf.j2'));
    expect(err.message).toBe("roles/keepalived/templates/keepalived.conf.j2:2:17: undefined variable 'vrrp_priorty'");
    expect(err.hint).toBe("did you mean 'vrrp_priority'?");
    expect(err.pos).toEqual({ file: 'roles/keepalived/templates/keepalived.conf.j2', line: 2, col: 17 });
    expect(err.exitCode).toBe(4);
  });

  it.each([
    ['{{ peers.dir1.ipp }}', "t.j2:1:14: 'peers.dir1' has no attribute 'ipp'", "did you mean 'ip'?"],
    ['{{ peers.dir9.ip }}', "t.j2:1:9: 'peers' has no attribute 'dir9'", "did you mean 'dir1'?"],
    ['{% if missing %}x{% endif %}', "t.j2:1:7: undefined variable 'missing'", undefined],
    ['{% for x in missing %}{% endfor %}', "t.j2:1:13: undefined variable 'missing'", undefined],
    ['a\nb {{ 1 + }}', 't.j2:2:10: syntax error: unexpected token: }}', undefined],
    ['a\n{{ x | to_jsn }}', 't.j2:2:8: filter not found: to_jsn', "did you mean 'to_json'?"],
    ['{{ x is defind }}', 't.j2:1:4: test not found: defind', "did you mean 'defined'?"],
    ['{{ x() }}', "t.j2:1:4: 'x' is not callable", undefined],
    ['{{ nofunc(1) }}', "t.j2:1:4: undefined variable 'nofunc'", undefined],
    ["{{ y | mandatory }}", "t.j2:1:4: Mandatory variable 'y' not defined.", undefined],
    ["{{ y | mandatory('set y in group_vars') }}", 't.j2:1:4: set y in group_vars', undefined],
    ["{{ 'a' + 1 }}", "t.j2:1:4: unsupported operand types for +: 'str' and 'int'", undefined],
    ["{{ '%s %s' % ['a'] }}", 't.j2:1:4: not enough arguments for format string', undefined],
  ])('%s', (source, message, hint) => {
    const err = catchError(() => t.renderString(source, vars, 't.j2'));
    expect(err.message.startsWith(message)).toBe(true);
    expect(err.hint).toBe(hint);
  });

  it('an unnamed one-line template quotes its source', () => {
    expect(catchError(() => t.renderString('x {{ y }}', {})).message).toBe("template string: undefined variable 'y' in 'x {{ y }}'");
  });
});

describe('renderFile with includes', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `hapb-t-template-${process.pid}-`));
    mkdirSync(join(dir, 'templates'));
    mkdirSync(join(dir, 'shared'));
    writeFileSync(join(dir, 'templates', 'main.conf.j2'), '# main\n{% include "part.j2" %}\n{% include "common.j2" %}\n');
    writeFileSync(join(dir, 'templates', 'part.j2'), 'port {{ port }}\n');
    writeFileSync(join(dir, 'shared', 'common.j2'), 'name {{ name }}\n');
    writeFileSync(join(dir, 'templates', 'bad.j2'), 'line1\n{% include "badpart.j2" %}\n');
    writeFileSync(join(dir, 'templates', 'badpart.j2'), 'x\ny\n  {{ porrt }}\n');
    writeFileSync(join(dir, 'templates', 'base.j2'), 'B[{% block body %}base{% endblock %}]');
    writeFileSync(join(dir, 'templates', 'child.j2'), '{% extends "base.j2" %}{% block body %}child+{{ super() }}{{ v }}{% endblock %}');
    writeFileSync(join(dir, 'shared', 'macros.j2'), '{% macro hi(n) %}hi {{ n }}{% endmacro %}');
    writeFileSync(join(dir, 'templates', 'use.j2'), '{% import "macros.j2" as m %}{{ m.hi(v) }} {% from "macros.j2" import hi %}{{ hi(2) }}');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders includes from the template folder and the search paths', () => {
    const ft = createTemplater({ searchPaths: [join(dir, 'shared')] });
    expect(ft.renderFile(join(dir, 'templates', 'main.conf.j2'), { port: 80, name: 'lb' })).toBe('# main\nport 80\nname lb\n');
  });

  it.each([
    ['child.j2', 'B[child+base1]'],
    ['use.j2', 'hi 1 hi 2'],
  ])('extends/import: %s', (file, expected) => {
    const ft = createTemplater({ searchPaths: [join(dir, 'shared')] });
    expect(ft.renderFile(join(dir, 'templates', file), { v: 1 })).toBe(expected);
  });

  it('an error inside an included file names that file and line', () => {
    const err = catchError(() => createTemplater().renderFile(join(dir, 'templates', 'bad.j2'), { port: 80 }));
    expect(err.message).toBe(`${join(dir, 'templates', 'badpart.j2')}:3:6: undefined variable 'porrt'`);
    expect(err.hint).toBe("did you mean 'port'?");
  });

  it('a missing file is a TemplateError', () => {
    expect(catchError(() => t.renderFile(join(dir, 'nope.j2'), {})).message).toMatch(/nope\.j2: cannot read template/);
  });
});
