/**
 * Argument helpers shared by modules: JSON-schema fragments and coercion.
 * The engine may validate arguments before templating, so booleans and
 * numbers also accept strings ("{{ flag }}", "yes"); modules coerce them.
 */
import { parseBoolean } from '../core/bool.js';
import { SchemaError } from '../errors/index.js';
import type { FileAttrs } from './files.js';

export const boolSchema = { type: ['boolean', 'string'] } as const;
export const intSchema = { type: ['integer', 'string'] } as const;
export const numberSchema = { type: ['number', 'string'] } as const;
export const stringSchema = { type: 'string' } as const;
/** mode: "0644", "644" or a number (YAML 1.2 reads 0644 as the number 644) */
export const modeSchema = { type: ['string', 'integer'] } as const;
export const stringOrListSchema = { type: ['string', 'array'], items: { type: 'string' } } as const;

/** owner, group and mode of a path: arguments of file, copy, template and lineinfile */
export type FileAttrArgs = {
  mode?: string | number;
  owner?: string;
  group?: string;
};

export const fileAttrSchemas = { mode: modeSchema, owner: stringSchema, group: stringSchema } as const;

/** The wanted owner, group and mode (mode normalized; throws SchemaError on a bad one). */
export function fileAttrs(args: FileAttrArgs): FileAttrs {
  return { mode: normalizeMode(args.mode), owner: args.owner, group: args.group };
}

/** An object schema that rejects unknown keys. */
export function objectSchema(
  properties: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { type: 'object', properties, additionalProperties: false, ...extra };
}

/** Ansible's boolean (core/bool.ts): true/false, yes/no, on/off, 1/0, y/n, t/f; `dflt` when not given. */
export function toBool(value: unknown, name: string, dflt: boolean): boolean {
  if (value === undefined || value === null) return dflt;
  const b = parseBoolean(value);
  if (b === undefined) throw new SchemaError(`argument '${name}' must be a boolean, got ${JSON.stringify(value)}`, undefined);
  return b;
}

export function toInt(value: unknown, name: string, dflt: number): number {
  if (value === undefined || value === null || value === '') return dflt;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isFinite(n)) {
    throw new SchemaError(`argument '${name}' must be a number, got ${JSON.stringify(value)}`, undefined);
  }
  return n;
}

export function toList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(String);
  const s = String(value);
  // Ansible splits a comma separated string into a list
  return s.split(',').map((x) => x.trim()).filter((x) => x !== '');
}

/**
 * Normalize a mode to four octal digits ("0644"). Accepts "0644", "644",
 * "01777" and numbers: YAML 1.2 reads `0644` as 644, so a number whose digits
 * are all octal is read as written; "preserve" and symbolic modes are not supported.
 */
export function normalizeMode(value: unknown, name = 'mode'): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const s = typeof value === 'number' ? String(value) : String(value).trim();
  if (!/^0?[0-7]{3,4}$/.test(s)) {
    throw new SchemaError(
      `argument '${name}' must be an octal mode such as "0644", got ${JSON.stringify(value)}`,
      undefined,
      "quote it ('0644'); symbolic modes (u+x) are not supported",
    );
  }
  const digits = s.replace(/^0(?=[0-7]{4}$)/, '');
  return digits.padStart(4, '0');
}
