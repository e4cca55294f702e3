import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HapbError } from '../../src/errors/index.js';
import {
  applyLimit,
  limitHosts,
  patternProblem,
  inventoryFromYaml,
  partMatchesNothing,
  selectHosts,
  splitPattern,
  unmatchedParts,
} from '../../src/inventory/index.js';

const inv = inventoryFromYaml(
  [
    'all:',
    '  hosts:',
    '    lonely:',
    '  children:',
    '    directors:',
    '      hosts:',
    '        master:',
    '        backup:',
    '    web:',
    '      hosts:',
    '        web1:',
    '        web2:',
    '    clients:',
    '      hosts:',
    '        client:',
    '    prod:',
    '      children:',
    '        directors:',
    '        web:',
    '    staging:',
    '      hosts:',
    '        web2:',
    '        client:',
    '',
  ].join('\n'),
  'patterns.yml',
);

const everyone = ['lonely', 'master', 'backup', 'web1', 'web2', 'client'];

describe('selectHosts', () => {
  it.each([
    ['all', everyone],
    ['*', everyone],
    ['web', ['web1', 'web2']],
    ['web1', ['web1']],
    ['ungrouped', ['lonely']],
    ['web*', ['web1', 'web2']],
    ['w?b1', ['web1']],
    ['[mb]a*', ['master', 'backup']],
    ['web[!1]', ['web2']],
    ['web[!12]', []],
    ['directors:web', ['master', 'backup', 'web1', 'web2']],
    ['web:directors', ['web1', 'web2', 'master', 'backup']],
    ['web,directors', ['web1', 'web2', 'master', 'backup']],
    [' web1 , client ', ['web1', 'client']],
    ['staging:prod', ['web2', 'client', 'master', 'backup', 'web1']],
    ['prod:&staging', ['web2']],
    ['prod:!web1', ['master', 'backup', 'web2']],
    ['prod:!directors:&staging', ['web2']],
    ['!prod', ['lonely', 'client']],
    ['&web', ['web1', 'web2']],
    ['!web1:web', ['web2']],
    ['web[0]', ['web1']],
    ['web[-1]', ['web2']],
    ['prod[1:2]', ['backup', 'web1']],
    ['prod[2:]', ['web1', 'web2']],
    ['~web[12]', ['web1', 'web2']],
    ['~(master|backup)$', ['master', 'backup']],
    ['web1,web1,web', ['web1', 'web2']],
    ['nope', []],
    ['web:nope', ['web1', 'web2']],
    ['web:!web', []],
  ])('%j', (pattern, want) => {
    expect(selectHosts(inv, pattern)).toEqual(want);
  });

  it('takes a list of patterns', () => {
    expect(selectHosts(inv, ['clients', 'directors:!backup'])).toEqual(['client', 'master']);
  });

  it.each([['web[5]'], ['~(']])('throws an input error for %j', (pattern) => {
    let err: unknown;
    try {
      selectHosts(inv, pattern);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HapbError);
    expect((err as HapbError).exitCode).toBe(4);
  });
});

describe('splitPattern', () => {
  it.each([
    ['a:b', ['a', 'b']],
    ['a,b:c', ['a', 'b:c']],
    [' a , b ', ['a', 'b']],
    ['web[1:2]:db', ['web[1:2]', 'db']],
    ['a:!b:&c', ['a', '!b', '&c']],
    ['fe80::1', ['fe80::1']],
    ['[fe80::1]:22', ['[fe80::1]:22']],
    ['web1:22', ['web1:22']],
    ['', []],
  ])('%j', (pattern, want) => {
    expect(splitPattern(pattern)).toEqual(want);
  });
});

describe('unmatchedParts', () => {
  it('names each part that matched nothing, with a did-you-mean', () => {
    expect(unmatchedParts(inv, 'web:dirctors:!nope:&stagin')).toEqual([
      { part: 'dirctors', suggestion: 'directors' },
      { part: '!nope' },
      { part: '&stagin', suggestion: 'staging' },
    ]);
  });

  it.each([
    ['all', false],
    ['*', false],
    ['web1', false],
    ['web[0]', false],
    ['~^cl', false],
    ['clinets', true],
    ['!xyz', true],
  ])('partMatchesNothing(%j) is %s', (part, want) => {
    expect(partMatchesNothing(inv, part)).toBe(want);
  });
});

describe('applyLimit', () => {
  it.each([
    ['all', undefined, everyone],
    ['all', '', everyone],
    ['all', 'directors', ['master', 'backup']],
    ['web:directors', 'backup,web2', ['web2', 'backup']],
    ['prod', '!web1', ['master', 'backup', 'web2']],
    ['prod', 'nope', []],
  ])('hosts %j limited to %j', (play, limit, want) => {
    expect(applyLimit(inv, selectHosts(inv, play), limit)).toEqual(want);
  });
});

describe('applyLimit with @FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), `hapb-t-inventory-${process.pid}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads host names from the file, one per line, with other parts', () => {
    const file = join(dir, 'site.retry');
    writeFileSync(file, 'web2\n\n  backup  \n');
    expect(applyLimit(inv, everyone, `@${file}`)).toEqual(['backup', 'web2']);
    expect(applyLimit(inv, everyone, `@${file},client`)).toEqual(['backup', 'web2', 'client']);
  });

  it('names a missing file as an input error', () => {
    expect(() => applyLimit(inv, everyone, `@${join(dir, 'missing.retry')}`)).toThrow(/cannot read limit file .*missing\.retry \(ENOENT\)/);
  });
});

describe('strict patterns (issue 10: a malformed pattern never selects every host)', () => {
  it.each([
    ['', /empty/],
    [' ', /blank/],
    ['[', /'\[' without '\]'/],
    [':', /names no host or group/],
    ['~[', /'\[' without '\]'/],
    ['~', /no regular expression/],
    ['~(', /not a valid regular expression/],
    ['web[0', /'\[' without '\]'/],
    ['web]', /'\]' without '\['/],
    ['web:&', /'&' names no host or group/],
    ['!', /names no host or group/],
    ['web::directors', /empty part/],
    [',', /names no host or group/],
    [[] as string[], /list of patterns is empty/],
    [['web', ' '], /blank/],
  ])('%j is an input error (exit 4) naming the pattern', (pattern, why) => {
    let caught: unknown;
    try {
      selectHosts(inv, pattern);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(HapbError);
    expect((caught as HapbError).exitCode).toBe(4);
    expect((caught as HapbError).message).toContain(JSON.stringify(pattern));
    expect((caught as HapbError).message).toMatch(why);
  });

  it.each(['all', '*', 'web', 'web*', 'web[0]', 'web[-1]', 'web[0:1]', 'db-[ab]', 'web[!1]', '~web\\d', 'web,', 'a,b', 'web:&prod:!web1', '::1', '[::1]:22', 'web1:2222', 'web directors'])(
    '%j is a valid pattern',
    (pattern) => {
      expect(patternProblem(pattern)).toBeUndefined();
    },
  );
});

describe('limitHosts (the --limit of run and render)', () => {
  const dir = mkdtempSync(join(tmpdir(), `hapb-t-limit-${process.pid}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a limit that leaves no host is an error with Ansible's exit code 1, with a did-you-mean", () => {
    expect(() => limitHosts(inv, 'nope')).toThrow(/--limit "nope" leaves no host of the inventory to target/);
    try {
      limitHosts(inv, 'dirctors');
    } catch (e) {
      expect((e as HapbError).exitCode).toBe(1);
      expect((e as HapbError).hint).toMatch(/did you mean 'directors'/);
    }
    expect.assertions(3);
  });

  it('a malformed limit is an input error, never every host', () => {
    for (const bad of ['[', ':', ' ', '~[', '']) expect(() => limitHosts(inv, bad)).toThrow(/invalid --limit pattern/);
  });

  it('@FILE reads one pattern per line (a retry file)', () => {
    const file = join(dir, 'site.retry');
    writeFileSync(file, 'web2\n\n  backup  \n');
    expect([...limitHosts(inv, `@${file}`)].sort()).toEqual(['backup', 'web2']);
    const empty = join(dir, 'empty.retry');
    writeFileSync(empty, '\n');
    expect(() => limitHosts(inv, `@${empty}`)).toThrow(/names no host/);
  });
});
