/**
 * Python semantics that Jinja users rely on and JavaScript does not share:
 * truthiness (an empty list is false), str() of values (True, None, dict
 * repr), and the str/dict methods templates call (`.items()`, `.upper()`).
 */
import { SafeString } from './nunjucks-internals.js';

/** Python truthiness: empty strings, lists and dicts, 0, None and False are false. */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map || value instanceof Set) return value.size > 0;
  if (value instanceof SafeString) return String(value).length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return true;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Python repr() of a value, as Jinja prints lists and dicts. */
export function pyRepr(value: unknown): string {
  if (typeof value === 'string') return reprString(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${reprString(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return pyStr(value);
}

function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else out += ch;
  }
  return quote + out + quote;
}

/** Python str() of a value: what `{{ value }}` prints. */
export function pyStr(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'inf' : value < 0 ? '-inf' : 'nan';
  if (Array.isArray(value) || isPlainObject(value)) return pyRepr(value);
  return String(value);
}

type Method = (...args: unknown[]) => unknown;

function str(v: unknown): string {
  return typeof v === 'string' ? v : pyStr(v);
}

function stripChars(s: string, chars: unknown, left: boolean, right: boolean): string {
  const set = typeof chars === 'string' ? chars : ' \t\n\r\f\v';
  let start = 0;
  let end = s.length;
  if (left) while (start < end && set.includes(s.charAt(start))) start++;
  if (right) while (end > start && set.includes(s.charAt(end - 1))) end--;
  return s.slice(start, end);
}

function splitPy(s: string, sep: unknown, maxsplit: unknown): string[] {
  const max = typeof maxsplit === 'number' && maxsplit >= 0 ? maxsplit : Infinity;
  if (sep === undefined || sep === null) {
    const parts = s.trim().split(/\s+/).filter((p) => p !== '');
    if (parts.length <= max + 1) return parts;
    const head = parts.slice(0, max);
    let rest = s.trim();
    for (const h of head) rest = rest.slice(rest.indexOf(h) + h.length).replace(/^\s+/, '');
    return [...head, rest];
  }
  const d = str(sep);
  const parts = s.split(d);
  if (parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(d)];
}

const stringMethods: Record<string, (s: string) => Method> = {
  upper: (s) => () => s.toUpperCase(),
  lower: (s) => () => s.toLowerCase(),
  capitalize: (s) => () => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  title: (s) => () => s.replace(/\w\S*/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()),
  strip: (s) => (chars) => stripChars(s, chars, true, true),
  lstrip: (s) => (chars) => stripChars(s, chars, true, false),
  rstrip: (s) => (chars) => stripChars(s, chars, false, true),
  startswith: (s) => (p) => (Array.isArray(p) ? p.some((x) => s.startsWith(str(x))) : s.startsWith(str(p))),
  endswith: (s) => (p) => (Array.isArray(p) ? p.some((x) => s.endsWith(str(x))) : s.endsWith(str(p))),
  split: (s) => (sep, maxsplit) => splitPy(s, sep, maxsplit),
  splitlines: (s) => () => s.split(/\r?\n/).filter((_, i, a) => i < a.length - 1 || a[i] !== ''),
  replace: (s) => (a, b) => s.split(str(a)).join(str(b)),
  join: (s) => (items) => (Array.isArray(items) ? items.map(str).join(s) : ''),
  find: (s) => (sub) => s.indexOf(str(sub)),
  count: (s) => (sub) => (str(sub) === '' ? s.length + 1 : s.split(str(sub)).length - 1),
  isdigit: (s) => () => /^\d+$/.test(s),
  format: (s) => (...args) => {
    let i = 0;
    return s.replace(/\{(\d*)\}/g, (_, n: string) => str(args[n === '' ? i++ : Number(n)]));
  },
};

const dictMethods: Record<string, (d: Record<string, unknown>) => Method> = {
  items: (d) => () => Object.entries(d),
  keys: (d) => () => Object.keys(d),
  values: (d) => () => Object.values(d),
  get: (d) => (key, dflt) => (Object.hasOwn(d, str(key)) ? d[str(key)] : (dflt ?? null)),
};

const listMethods: Record<string, (l: unknown[]) => Method> = {
  index: (l) => (x) => l.indexOf(x),
  count: (l) => (x) => l.filter((y) => y === x).length,
};

/**
 * Look up `key` on `target` the way Jinja does for templates: own keys of
 * dicts, list indexes (negative from the end), and the Python methods above.
 * Returns undefined when there is no such attribute.
 */
export function pyGetAttr(target: unknown, key: unknown): unknown {
  if (typeof target === 'string') {
    if (typeof key === 'number') return target.at(key);
    const k = String(key);
    if (k === 'length') return target.length;
    return stringMethods[k]?.(target);
  }
  if (Array.isArray(target)) {
    if (typeof key === 'number' || /^-?\d+$/.test(String(key))) return target.at(Number(key));
    const k = String(key);
    if (k === 'length') return target.length;
    return listMethods[k]?.(target);
  }
  if (target instanceof SafeString) return pyGetAttr(String(target), key);
  if (typeof target === 'object' && target !== null) {
    const k = String(key);
    const rec = target as Record<string, unknown>;
    if (Object.hasOwn(rec, k)) {
      const v = rec[k];
      return typeof v === 'function' ? (v as Method).bind(target) : v;
    }
    if (isPlainObject(target)) return dictMethods[k]?.(target);
    // class instances (nunjucks' loop object, cyclers): their own API
    const v: unknown = Reflect.get(rec, k);
    return typeof v === 'function' ? (v as Method).bind(target) : v;
  }
  return undefined;
}
