/**
 * JSON-schema validation (ajv) that maps every error back to file:line:col
 * through the located document, with hints for typos ("notfiy" -> "notify").
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { SchemaError } from '../errors/index.js';
import { joinPointer, type Located } from './load.js';

// Compiled at each start, so compiled cheaply: without ajv's optimizing pass over the generated code
// (most of the compile time; the validators run a few times each) and without checking the schemas
// against the JSON Schema meta-schema (they are hapb's own, checked by test/unit/schemas.test.ts)
const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, verbose: true, code: { optimize: false }, validateSchema: false });
const cache = new WeakMap<object, ValidateFunction>();

function compiled(schema: Record<string, unknown>): ValidateFunction {
  let fn = cache.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(schema, fn);
  }
  return fn;
}

/**
 * Validate `value` (found at `pointer` inside `doc`) against `schema`.
 * Returns the errors, most useful first; an empty list when valid.
 * `what` names the thing for messages ("task", "inventory host").
 */
export function validateAt(
  schema: Record<string, unknown>,
  value: unknown,
  doc: Located,
  pointer: string,
  what: string,
): SchemaError[] {
  const fn = compiled(schema);
  if (fn(value)) return [];
  const errors = pruneErrors(fn.errors ?? []);
  return errors.map((e) => toSchemaError(e, doc, pointer, what));
}

/** Keep the errors a person can act on: drop anyOf/oneOf summaries when details exist. */
function pruneErrors(errors: ErrorObject[]): ErrorObject[] {
  const specific = errors.filter((e) => !['anyOf', 'oneOf', 'if'].includes(e.keyword));
  const chosen = specific.length > 0 ? specific : errors;
  const seen = new Set<string>();
  return chosen.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function toSchemaError(e: ErrorObject, doc: Located, base: string, what: string): SchemaError {
  const at = base + e.instancePath;
  const where = e.instancePath ? `'${e.instancePath.slice(1).replace(/\//g, '.')}' of ${what}` : what;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(((e.parentSchema as { properties?: object })?.properties ?? {}) as object);
      const guess = closest(key, allowed);
      return new SchemaError(
        `unknown key '${key}' in ${where}`,
        doc.keyPos(joinPointer(at, key)),
        guess ? `did you mean '${guess}'?` : allowed.length ? `allowed keys: ${allowed.join(', ')}` : undefined,
      );
    }
    case 'required': {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      return new SchemaError(`missing required key '${key}' in ${where}`, doc.pos(at), `add '${key}:'`);
    }
    case 'type': {
      const type = String((e.params as { type: string | string[] }).type);
      return new SchemaError(`${where} must be of type ${type}`, doc.pos(at), undefined);
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      return new SchemaError(
        `${where} must be one of: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
        doc.pos(at),
      );
    }
    default:
      return new SchemaError(`${where} ${e.message ?? 'is invalid'}`, doc.pos(at));
  }
}

/** The candidate nearest to `word` by edit distance, if it is near enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best !== undefined && bestDist <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Damerau-Levenshtein (optimal string alignment) distance. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i]!;
      const prev = d[i - 1]!;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
      }
    }
  }
  return d[a.length]![b.length]!;
}
