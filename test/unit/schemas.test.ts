/**
 * The JSON schemas hapb validates its input with are valid JSON Schema: the
 * CLI compiles them without ajv's meta-schema check (src/yaml/validate.ts,
 * src/engine/run-task.ts), so this test makes it.
 */
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { getModule, moduleNames } from '../../src/modules/index.js';
import { groupSchema, hostEntrySchema } from '../../src/inventory/parse-yaml.js';
import { blockSchema, includeRoleArgs, includeTasksArgs, playSchema, playbookSchema, roleRefSchema, taskSchema } from '../../src/playbook/keywords.js';

const schemas = { groupSchema, hostEntrySchema, blockSchema, includeRoleArgs, includeTasksArgs, playSchema, playbookSchema, roleRefSchema, taskSchema };

describe('input schemas', () => {
  it.each(Object.entries(schemas))('%s is valid JSON Schema and compiles', (_name, schema) => {
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, verbose: true });
    expect(ajv.validateSchema(schema), ajv.errorsText(ajv.errors)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it.each(moduleNames())('module %s: its schema is valid JSON Schema and compiles', (name) => {
    const schema = getModule(name)?.schema;
    expect(schema).toBeDefined();
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, coerceTypes: true });
    expect(ajv.validateSchema(schema ?? {}), ajv.errorsText(ajv.errors)).toBe(true);
    expect(() => ajv.compile(schema ?? {})).not.toThrow();
  });

  it('a broken schema fails the check (the check can fail)', () => {
    const ajv = new Ajv({ strict: false });
    expect(ajv.validateSchema({ type: 'objekt' })).toBe(false);
  });
});
