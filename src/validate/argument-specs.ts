/**
 * Role argument specs in Ansible's own format (`meta/argument_specs.yml`,
 * entry point `main`), and the check of a role's final variables against
 * them: type (with Ansible's conversions), choices, list elements, required.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseBoolean } from '../core/bool.js';
import { SchemaError, type SourcePos } from '../errors/index.js';
import type { ArgumentOption, RoleArgumentSpec } from '../playbook/types.js';
import { closest } from '../yaml/validate.js';
import { joinPointer, loadYamlFile, type Located } from '../yaml/load.js';

export const ARGUMENT_TYPES = ['str', 'int', 'float', 'bool', 'list', 'dict', 'path', 'raw'] as const;

/** Load `meta/argument_specs.yml` (or .yaml) of a role directory; the file's own format is checked too. */
export function loadArgumentSpecs(roleDir: string): { spec?: RoleArgumentSpec; errors: SchemaError[] } {
  const file = ['argument_specs.yml', 'argument_specs.yaml'].map((f) => join(roleDir, 'meta', f)).find((f) => existsSync(f));
  if (!file) return { errors: [] };
  let doc: Located;
  try {
    doc = loadYamlFile(file);
  } catch (e) {
    if (e instanceof SchemaError) return { errors: [e] };
    throw e;
  }
  const errors: SchemaError[] = [];
  const root = doc.value as Record<string, unknown> | null;
  const specs = root && typeof root === 'object' ? (root.argument_specs as Record<string, unknown> | undefined) : undefined;
  const main = specs && typeof specs === 'object' ? (specs.main as Record<string, unknown> | undefined) : undefined;
  if (!main || typeof main !== 'object') {
    errors.push(new SchemaError('an argument spec file needs argument_specs: main: options:', doc.pos(''), 'see roles/keepalived/meta/argument_specs.yml'));
    return { errors };
  }
  const options = parseOptions(main.options, doc, '/argument_specs/main/options', errors);
  return { spec: { file, options }, errors };
}

function parseOptions(raw: unknown, doc: Located, ptr: string, errors: SchemaError[]): Record<string, ArgumentOption> {
  const out: Record<string, ArgumentOption> = {};
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    errors.push(new SchemaError('options must be a mapping of variable names to their specs', doc.pos(ptr)));
    return out;
  }
  for (const [name, o] of Object.entries(raw as Record<string, unknown>)) {
    const p = joinPointer(ptr, name);
    if (!o || typeof o !== 'object' || Array.isArray(o)) {
      errors.push(new SchemaError(`option '${name}' must be a mapping (type:, required:, description:...)`, doc.pos(p)));
      continue;
    }
    const spec = o as Record<string, unknown>;
    const type = spec.type === undefined ? 'str' : String(spec.type);
    if (!(ARGUMENT_TYPES as readonly string[]).includes(type)) {
      errors.push(new SchemaError(`option '${name}': unknown type '${type}'`, doc.pos(joinPointer(p, 'type')), `types: ${ARGUMENT_TYPES.join(', ')}`));
      continue;
    }
    const opt: ArgumentOption = { type };
    const pos = doc.keyPos(p);
    if (pos) opt.pos = pos;
    if (spec.required !== undefined) opt.required = spec.required === true;
    if (spec.default !== undefined) opt.default = spec.default;
    if (Array.isArray(spec.choices)) opt.choices = spec.choices;
    if (typeof spec.elements === 'string') opt.elements = spec.elements;
    if (spec.options) opt.options = parseOptions(spec.options, doc, joinPointer(p, 'options'), errors);
    out[name] = opt;
  }
  return out;
}

/** Ansible's conversion of `value` to `type`; throws a message when it cannot. */
export function convert(value: unknown, type: string): unknown {
  switch (type) {
    case 'raw':
      return value;
    case 'str':
    case 'path':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw new Error(`must be a string, got ${describe(value)}`);
    case 'int': {
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) return Number(value);
      throw new Error(`must be a whole number, got ${describe(value)}`);
    }
    case 'float': {
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
      throw new Error(`must be a number, got ${describe(value)}`);
    }
    case 'bool': {
      const b = parseBoolean(value);
      if (b !== undefined) return b;
      throw new Error(`must be a boolean (true/false, yes/no), got ${describe(value)}`);
    }
    case 'list': {
      if (Array.isArray(value)) return value;
      if (typeof value === 'string') return value.split(',').map((x) => x.trim()).filter((x) => x !== '');
      if (typeof value === 'number') return [String(value)];
      throw new Error(`must be a list, got ${describe(value)}`);
    }
    case 'dict': {
      if (value && typeof value === 'object' && !Array.isArray(value)) return value;
      throw new Error(`must be a mapping, got ${describe(value)}`);
    }
    default:
      return value;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list ${short(v)}`;
  if (typeof v === 'object') return `a mapping ${short(v)}`;
  return `${typeof v} ${short(v)}`;
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export interface ArgumentCheck {
  role: string;
  spec: RoleArgumentSpec;
  /** the variable's final value for the host, or undefined when it has none */
  value(name: string): { value: unknown } | undefined;
  /** where the final value comes from */
  source(name: string): SourcePos | undefined;
  host: string;
}

/** Errors of one host's final variables against the role's spec. */
export function checkRoleArguments(c: ArgumentCheck): SchemaError[] {
  const errors: SchemaError[] = [];
  for (const [name, opt] of Object.entries(c.spec.options)) {
    const got = c.value(name);
    if (got === undefined || got.value === undefined || got.value === null) {
      if (opt.required) {
        errors.push(new SchemaError(`role ${c.role} needs '${name}' (host ${c.host}), which no source sets`, opt.pos ?? { file: c.spec.file, line: 1, col: 1 }, `set ${name} in the inventory, the play's vars or with -e`));
      }
      continue;
    }
    const problem = checkValue(got.value, opt);
    if (problem) {
      const names = opt.choices ? ` (choices: ${opt.choices.map((x) => JSON.stringify(x)).join(', ')})` : '';
      errors.push(
        new SchemaError(
          `role ${c.role}: '${name}' ${problem} (host ${c.host})`,
          c.source(name) ?? opt.pos,
          `the role's meta/argument_specs.yml says ${name} is of type ${opt.type}${opt.elements ? ` of ${opt.elements}` : ''}${names}`,
        ),
      );
    }
  }
  return errors;
}

export function checkValue(value: unknown, opt: ArgumentOption): string | undefined {
  let v: unknown;
  try {
    v = convert(value, opt.type);
  } catch (e) {
    return (e as Error).message;
  }
  if (opt.type === 'list' && opt.elements) {
    for (const [i, x] of (v as unknown[]).entries()) {
      try {
        const cx = convert(x, opt.elements);
        if (opt.choices && !opt.choices.some((c) => equalish(c, cx))) return `item ${i} ${JSON.stringify(x)} is not one of the choices`;
        if (opt.elements === 'dict' && opt.options) {
          const sub = checkSuboptions(cx as Record<string, unknown>, opt.options);
          if (sub) return `item ${i} ${sub}`;
        }
      } catch (e) {
        return `item ${i} ${(e as Error).message}`;
      }
    }
    return undefined;
  }
  if (opt.type === 'dict' && opt.options) return checkSuboptions(v as Record<string, unknown>, opt.options);
  if (opt.choices && !opt.choices.some((c) => equalish(c, v))) {
    const guess = typeof v === 'string' ? closest(v, opt.choices.map(String)) : undefined;
    return `is ${JSON.stringify(value)}, not one of the choices${guess ? `; did you mean '${guess}'?` : ''}`;
  }
  return undefined;
}

/** Ansible's checks of a mapping against `options`: unknown keys, required keys, each value's type. */
function checkSuboptions(value: Record<string, unknown>, options: Record<string, ArgumentOption>): string | undefined {
  const unknown = Object.keys(value).filter((k) => !(k in options));
  if (unknown.length) return `has unsupported keys: ${unknown.join(', ')} (supported: ${Object.keys(options).join(', ')})`;
  for (const [name, sub] of Object.entries(options)) {
    const x = value[name];
    if (x === undefined || x === null) {
      if (sub.required) return `needs '${name}'`;
      continue;
    }
    const problem = checkValue(x, sub);
    if (problem) return `'${name}' ${problem}`;
  }
  return undefined;
}

function equalish(a: unknown, b: unknown): boolean {
  return a === b || String(a) === String(b);
}
