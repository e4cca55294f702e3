/** One boolean parser with Ansible's accepted values (module_utils/parsing/convert_bool.py). */
import { describe, expect, it } from 'vitest';
import { parseBoolean } from '../../src/core/bool.js';
import { toBool } from '../../src/modules/args.js';
import { asBool } from '../../src/playbook/load.js';

const TRUE: unknown[] = [true, 1, 1.0, 'y', 'Y', 'yes', 'Yes', 'on', 'ON', '1', 'true', 'True', 't', 'T', ' yes '];
const FALSE: unknown[] = [false, 0, 0.0, 'n', 'no', 'NO', 'off', '0', 'false', 'False', 'f', 'F'];
const NEITHER: unknown[] = ['', 'maybe', 2, -1, 0.5, null, undefined, [], {}, 'yes please'];

describe('parseBoolean', () => {
  it.each(TRUE)('%j is true', (v) => expect(parseBoolean(v)).toBe(true));
  it.each(FALSE)('%j is false', (v) => expect(parseBoolean(v)).toBe(false));
  it.each(NEITHER)('%j is not a boolean', (v) => expect(parseBoolean(v)).toBeUndefined());
});

describe('playbook keywords and module arguments agree', () => {
  it.each([...TRUE, ...FALSE])('%j', (v) => {
    expect(asBool(v)).toBe(parseBoolean(v));
    expect(toBool(v, 'x', !parseBoolean(v))).toBe(parseBoolean(v));
  });
  it.each(['', 'maybe', 2])('%j is refused by both', (v) => {
    expect(() => asBool(v)).toThrow(/not a boolean/);
    expect(() => toBool(v, 'force', true)).toThrow(/argument 'force' must be a boolean/);
  });
  it('a missing argument takes the default', () => {
    expect(toBool(undefined, 'x', true)).toBe(true);
    expect(toBool(null, 'x', false)).toBe(false);
  });
});
