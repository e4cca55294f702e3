import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SchemaError } from '../../src/errors/index.js';
import { loadYaml, loadYamlFile } from '../../src/yaml/load.js';
import { closest, validateAt } from '../../src/yaml/validate.js';

describe('loadYaml', () => {
  it('records positions of values and keys by JSON pointer', () => {
    const doc = loadYaml('a: 1\ntasks:\n  - name: x\n    notfiy: y\n', 'f.yml');
    expect(doc.value).toEqual({ a: 1, tasks: [{ name: 'x', notfiy: 'y' }] });
    expect(doc.pos('/tasks/0/name')).toEqual({ file: 'f.yml', line: 3, col: 11 });
    expect(doc.keyPos('/tasks/0/notfiy')).toEqual({ file: 'f.yml', line: 4, col: 5 });
  });

  it.each([
    ['a: [1, 2\n', 1],
    ['a: 1\na: 2\n', 2],
    ['a:\n\t- b\n', 2],
  ])('reports a syntax error in %j with its line', (text, line) => {
    try {
      loadYaml(text, 'bad.yml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SchemaError);
      expect((e as SchemaError).pos?.file).toBe('bad.yml');
      expect((e as SchemaError).pos?.line).toBeGreaterThanOrEqual(line);
    }
  });
});

describe('loadYamlFile', () => {
  it('a file read again gives its own copy of the value with the same positions, and the new text once the file changed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hapb-yaml-'));
    try {
      const file = join(dir, 'tasks.yml');
      writeFileSync(file, 'tasks:\n  - name: x\n    debug: { msg: hi }\n');
      const first = loadYamlFile<{ tasks: { name: string }[] }>(file);
      first.value.tasks[0]!.name = 'changed by a caller';
      first.value.tasks.push({ name: 'added by a caller' });
      const again = loadYamlFile<{ tasks: { name: string }[] }>(file);
      expect(again.value).toEqual({ tasks: [{ name: 'x', debug: { msg: 'hi' } }] });
      expect(again.value).not.toBe(first.value);
      expect(again.pos('/tasks/0/debug/msg')).toEqual({ file, line: 3, col: 19 });
      expect(again.keyPos('/tasks/0/debug')).toEqual({ file, line: 3, col: 5 });
      // a third copy is not the second either: a change to it must not reach later reads
      again.value.tasks[0]!.name = 'changed again';
      expect(loadYamlFile<{ tasks: { name: string }[] }>(file).value.tasks[0]!.name).toBe('x');
      writeFileSync(file, 'tasks:\n\n  - name: y\n');
      const changed = loadYamlFile(file);
      expect(changed.value).toEqual({ tasks: [{ name: 'y' }] });
      expect(changed.pos('/tasks/0/name')).toEqual({ file, line: 3, col: 11 });
      writeFileSync(file, 'tasks: [\n');
      expect(() => loadYamlFile(file)).toThrow(SchemaError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('validateAt', () => {
  const schema = {
    type: 'object',
    additionalProperties: false,
    properties: { name: { type: 'string' }, notify: { type: 'string' } },
    required: ['name'],
  };
  it('names an unknown key with its position and a did-you-mean hint', () => {
    const doc = loadYaml('- name: x\n  notfiy: y\n', 'p.yml');
    const errs = validateAt(schema, (doc.value as unknown[])[0], doc, '/0', 'task');
    expect(errs).toHaveLength(1);
    expect(errs[0]!.message).toBe("p.yml:2:3: unknown key 'notfiy' in task");
    expect(errs[0]!.hint).toBe("did you mean 'notify'?");
  });
  it('reports wrong types at the value', () => {
    const doc = loadYaml('name: [1]\n', 'p.yml');
    const errs = validateAt(schema, doc.value, doc, '', 'task');
    expect(errs.map((e) => e.message)).toEqual(["p.yml:1:7: 'name' of task must be of type string"]);
  });
  it('accepts a valid value', () => {
    const doc = loadYaml('name: ok\n', 'p.yml');
    expect(validateAt(schema, doc.value, doc, '', 'task')).toEqual([]);
  });
});

describe('closest', () => {
  it.each([
    ['notfiy', 'notify'],
    ['hsots', 'hosts'],
    ['xyzzy', undefined],
  ])('%s -> %s', (w, want) => {
    expect(closest(w, ['notify', 'hosts', 'name', 'when'])).toBe(want);
  });
});
