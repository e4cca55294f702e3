import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HapbError } from '../../src/errors/index.js';
import {
  applyLimit,
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
