/**
 * The fast YAML reader (src/yaml/fast.ts) must read exactly what the full
 * reader reads, or leave the document to it. Compared here on tricky scalars,
 * structures and thousands of random and mutated documents; and its positions,
 * found lazily, are the full reader's.
 */
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fastYamlValue } from '../../src/yaml/fast.js';
import { FAST_YAML_MIN_CHARS, loadYaml } from '../../src/yaml/load.js';
import { prng } from '../helpers/prng.js';

/** the full reader's value, or undefined when it reports an error */
function full(text: string): { value: unknown } | undefined {
  const doc = parseDocument(text, { uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) return undefined;
  try {
    return { value: doc.toJS({ maxAliasCount: 1000 }) };
  } catch {
    return undefined;
  }
}

function agree(text: string): void {
  const fast = fastYamlValue(text);
  if (!fast) return;
  const want = full(text);
  expect(want, `the fast reader read a document the full reader refuses:\n${text}`).toBeDefined();
  expect(fast.value, text).toStrictEqual(want?.value);
}

const SCALARS = [
  '1', '-1', '+1', '0', '-0', '00', '010', '0o17', '0x1F', '0b101', '1_000', '1.', '.5', '-.5', '+12.5e+3', '1e3', '1E-3', '1e', '.', '0.',
  '.inf', '-.Inf', '+.INF', '.nan', '.NaN', 'NaN', 'Infinity', 'true', 'True', 'TRUE', 'tRUE', 'false', 'yes', 'no', 'on', 'off', 'y', 'n',
  '~', 'null', 'Null', 'NULL', '', '2024-01-01', '12:30', '1:20', '"1"', "'x'", '"a\\tb"', "'it''s'", 'a b', 'web*', 'a:b', 'directors:!master',
  '"{{ x }}"', "'{{ x }}/24'", '[]', '{}', '[1, two, "3"]', '{a: 1, b: [x]}', '|\n    line\n    two', '>\n    folded\n    text', '-', '=', '<<',
];

describe('fast YAML reader', () => {
  it.each(SCALARS)('reads the scalar %j as the full reader does (or leaves it)', (s) => {
    agree(`k: ${s}\n`);
    agree(`- ${s}\n`);
    agree(`a:\n  k: ${s}\n  other: 1\n`);
  });

  it.each([
    'a: &x {b: 1}\nc:\n  <<: *x\n  d: 2\n',
    'null: 1\n',
    '~: 1\n',
    '[1, 2]: x\n',
    '? a\n: b\n',
    'a: 1\na: 2\n',
    '---\na: 1\n---\nb: 2\n',
    'a: !vault xyz\n',
    '%YAML 1.1\n---\na: yes\n',
    'a:\n\t- 1\n',
    'a: b\n  c\n',
    '',
    '# nothing\n',
    'a:\n- 1\n-\n- 3\n',
    "k: 'x'#\n",
    'k: a#b\n',
    'k: x:y\n',
    'k: a, b\n',
    '- - a\n  - b\n- c\n',
    'k: [a, \'b\', "c", 1, true]\n',
    'a:\n    b: 1\n  c: 2\n',
    'a:\n  b: 1\n   c: 2\n',
    'a: 1\n b: 2\n',
    '- a: 1\n  b: 2\n- c\n',
    'k: "a\\tb\\u00e9"  # comment\n',
    'k:  two  spaces  \n',
    'all:\n  hosts:\n    h1: {ansible_host: 10.0.0.1, port: 8080}\n  children:\n    web:\n      hosts:\n        h2:\n      vars:\n        motd: "{{ inventory_hostname }}"\n',
  ])('reads %j as the full reader does, or leaves it to it', (text) => {
    agree(text);
  });

  it('agrees on 3000 random and mutated documents', () => {
    const rnd = prng(Number(process.env.HAPB_FUZZ_SEED ?? 7));
    const keys = ['hosts', 'vars', 'children', 'a', 'b', 'port', '"q k"', 'x y', '<<', 'null', '1', 'true'];
    const gen = (depth: number, indent: string): string => {
      const r = rnd();
      if (depth > 3 || r < 0.35) return ' ' + (SCALARS[Math.floor(rnd() * SCALARS.length)] ?? '1').replace(/\n/g, `\n${indent}`);
      let s = '';
      for (let i = 0; i < 1 + Math.floor(rnd() * 3); i++) {
        const k = keys[Math.floor(rnd() * keys.length)] ?? 'a';
        s += r < 0.6 ? `\n${indent}- ${k}:${gen(depth + 1, indent + '    ')}` : `\n${indent}${k}:${gen(depth + 1, indent + '  ')}`;
      }
      return s;
    };
    let read = 0;
    for (let i = 0; i < 3000; i++) {
      let text = gen(0, '') + '\n';
      if (i % 3 === 0) {
        const chars = [...text];
        for (let m = 0; m < 1 + Math.floor(rnd() * 3); m++) {
          const at = Math.floor(rnd() * chars.length);
          chars.splice(at, rnd() < 0.5 ? 1 : 0, ' :-[]{}"\'\n#,?|>'[Math.floor(rnd() * 15)] ?? ' ');
        }
        text = chars.join('');
      }
      if (fastYamlValue(text)) read++;
      agree(text);
    }
    // the comparison means something only if the fast reader read many of them
    expect(read).toBeGreaterThan(500);
  });

  it('a large document is read fast, with the positions of the full reader found on use', () => {
    const lines = ['all:', '  hosts:'];
    for (let i = 0; lines.join('\n').length < FAST_YAML_MIN_CHARS + 100; i++) lines.push(`    h${i}:`, `      port: ${i}`, `      url: "http://h${i}/"`);
    const text = lines.join('\n') + '\n';
    const fast = loadYaml<{ all: { hosts: Record<string, { port: number }> } }>(text, 'big.yml');
    const slow = parseDocument(text).toJS() as typeof fast.value;
    expect(fast.value).toStrictEqual(slow);
    const at = fast.keyPos('/all/hosts/h3/port');
    expect(at?.file).toBe('big.yml');
    expect([at?.line, at?.col]).toEqual([13, 7]);
    expect([fast.pos('/all/hosts/h0/url')?.line, fast.pos('/all/hosts/h0/url')?.col]).toEqual([5, 12]);
  });
});
