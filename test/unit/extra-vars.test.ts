import { describe, expect, it } from 'vitest';
import { parseExtraVars } from '../../src/cli/extra-vars.js';

// each row as ansible-core 2.14 reads it (`ansible localhost -e '…' -m debug`)
describe('-e KEY=VALUE', () => {
  it.each([
    ['a=1', { a: '1' }],
    ['a=', { a: '' }],
    ['a= b=2', { a: '', b: '2' }],
    ["a='x y' b=", { a: 'x y', b: '' }],
    ['{"a": 1}', { a: 1 }],
  ])('%s', (raw, expected) => {
    expect(parseExtraVars([raw])).toEqual(expected);
  });

  it('refuses what names no variable', () => {
    expect(() => parseExtraVars(['='])).toThrow(/expected KEY=VALUE/);
    expect(() => parseExtraVars(['novalue'])).toThrow(/expected KEY=VALUE/);
  });
});
