/** The with_* loops: the lists Ansible's lookups make (expected values from ansible-core 2.14). */
import { describe, expect, it } from 'vitest';
import { sequence, withLoopItems } from '../../src/engine/with-loops.js';
import { numericAttributes } from '../../src/template/nunjucks-internals.js';

describe('with_* lists', () => {
  it.each<[string, unknown, unknown[]]>([
    ['items', [[1, 2], 3, [4, [5]]], [1, 2, 3, 4, [5]]],
    ['items', 'one', ['one']],
    ['list', [[1, 2], 3], [[1, 2], 3]],
    ['flattened', [[1, [2, [3]]], 4], [1, 2, 3, 4]],
    ['indexed_items', ['a', ['b']], [[0, 'a'], [1, 'b']]],
    ['dict', { a: 1, b: 2 }, [{ key: 'a', value: 1 }, { key: 'b', value: 2 }]],
    ['nested', [[1, 2], ['a']], [[1, 'a'], [2, 'a']]],
    ['together', [[1, 2, 3], ['a']], [[1, 'a'], [2, null], [3, null]]],
    ['subelements', [[{ n: 'x', k: [1, 2] }, { n: 'y', k: [] }], 'k'], [[{ n: 'x', k: [1, 2] }, 1], [{ n: 'x', k: [1, 2] }, 2]]],
  ])('with_%s %j', (lookup, terms, want) => {
    expect(withLoopItems(lookup, terms)).toEqual(want);
  });

  it('sequence: key=value and short forms, count, negative stride, format', () => {
    expect(sequence('start=1 end=3')).toEqual(['1', '2', '3']);
    expect(sequence('start=0 end=10 stride=5 format=web%02d')).toEqual(['web00', 'web05', 'web10']);
    expect(sequence('count=3 start=4')).toEqual(['4', '5', '6']);
    expect(sequence('4-8/2')).toEqual(['4', '6', '8']);
    expect(sequence('3')).toEqual(['1', '2', '3']);
    expect(sequence('start=5 end=1 stride=-2')).toEqual(['5', '3', '1']);
    expect(sequence('2-3:x%x')).toEqual(['x2', 'x3']);
  });

  it('an unknown form and a missing subelement key are errors', () => {
    expect(() => withLoopItems('nope', [])).toThrow(/with_nope is not supported/);
    expect(() => withLoopItems('subelements', [[{ n: 1 }], 'k'])).toThrow(/could not find 'k'/);
    expect(withLoopItems('subelements', [[{ n: 1 }], 'k', { skip_missing: true }])).toEqual([]);
  });
});

describe('numeric attributes (item.0 is item[0])', () => {
  it.each([
    ['{{ item.0 }}-{{ item.1.name }}', '{{ item[0] }}-{{ item[1].name }}'],
    ["{{ 'v1.2' ~ x.3 }}", "{{ 'v1.2' ~ x[3] }}"],
    ['{{ 1.5 + a }} text a.0', '{{ 1.5 + a }} text a.0'],
    ['{% if r.0 == "a.1" %}y{% endif %}', '{% if r[0] == "a.1" %}y{% endif %}'],
  ])('%s', (src, want) => {
    expect(numericAttributes(src)).toBe(want);
  });
});
