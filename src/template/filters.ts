/**
 * The filters Ansible users expect and nunjucks lacks (or has with different
 * arguments). Each filter takes Jinja's arguments, positional or keyword.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type nunjucks from 'nunjucks';
import YAML from 'yaml';
import { parseBoolean } from '../core/bool.js';
import { arg, splitArgs, type Args } from './args.js';
import { testRegistry } from './nunjucks-internals.js';
import type { Session } from './lazy-vars.js';
import { pyMod } from './operators.js';
import { pyYamlDump } from '../yaml/pyyaml-dump.js';
import { randomPassword } from './lookups.js';
import { SALT_CHARS, shaCrypt } from './sha-crypt.js';
import { isPlainObject, isTruthy, pyGetAttr, pyStr } from './python.js';

type Filter = (value: unknown, a: Args) => unknown;

/** Convert a Python regex to JavaScript: named groups `(?P<n>` and inline flags. */
export function pyRegex(pattern: unknown, flags: string): RegExp {
  let src = String(pattern).replace(/\(\?P<(\w+)>/g, '(?<$1>').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  const inline = /^\(\?([imsx]+)\)/.exec(src);
  if (inline?.[1]) {
    src = src.slice(inline[0].length);
    for (const f of inline[1]) if (f !== 'x' && !flags.includes(f)) flags += f;
  }
  return new RegExp(src, flags);
}

/** Python replacement syntax (`\1`, `\g<name>`) to JavaScript's (`$1`, `$<name>`). */
function pyReplacement(repl: string): string {
  return repl
    .replace(/\$/g, '$$$$')
    .replace(/\\g<(\d+)>/g, '$$$1')
    .replace(/\\g<(\w+)>/g, '$$<$1>')
    .replace(/\\(\d+)/g, '$$$1')
    .replace(/\\\\/g, '\\');
}

/** Regex flags from `ignorecase`/`multiline`, by keyword or at positions `at` (-1: keyword only). */
function reFlags(a: Args, global: boolean, at = -1): string {
  const ignorecase = isTruthy(arg(a, at, 'ignorecase'));
  const multiline = isTruthy(arg(a, at < 0 ? -1 : at + 1, 'multiline'));
  return (global ? 'g' : '') + (ignorecase ? 'i' : '') + (multiline ? 'm' : '');
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeysDeep(value[k])]),
    );
  }
  return value;
}

/**
 * Python's json.dumps: `, ` and `: ` separators unless indented (then `,`
 * and `: `), keys in insertion or sorted order (JavaScript would put
 * integer-like keys first), non-ASCII escaped (ensure_ascii).
 */
export function jsonDumps(value: unknown, indent?: number, sortKeys = false, ensureAscii = true): string {
  const str = (s: string): string => {
    const j = JSON.stringify(s);
    return ensureAscii ? j.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : j;
  };
  const pretty = indent !== undefined && indent > 0;
  const walk = (x: unknown, depth: number): string => {
    const pad = pretty ? `\n${' '.repeat((indent ?? 0) * (depth + 1))}` : '';
    const end = pretty ? `\n${' '.repeat((indent ?? 0) * depth)}` : '';
    const sep = pretty ? ',' : ', ';
    if (Array.isArray(x)) return x.length ? `[${x.map((y) => pad + walk(y, depth + 1)).join(sep)}${end}]` : '[]';
    if (isPlainObject(x)) {
      const keys = sortKeys ? Object.keys(x).sort() : Object.keys(x);
      return keys.length ? `{${keys.map((k) => `${pad}${str(k)}: ${walk(x[k], depth + 1)}`).join(sep)}${end}}` : '{}';
    }
    if (typeof x === 'string') return str(x);
    if (typeof x === 'number' && !Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
    return JSON.stringify(x) ?? 'null';
  };
  return walk(value, 0);
}

export const CRYPT_SCHEMES: Record<string, { algo: 'sha256' | 'sha512'; implicitRounds: number }> = {
  sha512: { algo: 'sha512', implicitRounds: 656000 },
  sha512_crypt: { algo: 'sha512', implicitRounds: 656000 },
  sha256: { algo: 'sha256', implicitRounds: 535000 },
  sha256_crypt: { algo: 'sha256', implicitRounds: 535000 },
};

/**
 * Ansible's password_hash as it hashes with passlib: SHA-512/SHA-256 crypt,
 * 656000/535000 rounds unless `rounds` is given, a random 16-character salt
 * unless `salt` is given.
 */
function passwordHash(value: unknown, a: Args): string {
  const type = pyStr(arg(a, 0, 'hashtype', 'sha512'));
  const scheme = CRYPT_SCHEMES[type];
  if (!scheme) throw new Error(`password_hash: crypt.crypt does not support '${type}' algorithm (hapb has sha512 and sha256)`);
  const given = arg(a, 1, 'salt');
  const saltSize = arg(a, 2, 'salt_size');
  const salt = given === undefined || given === null || given === '' ? randomPassword(saltSize ? Number(saltSize) : 16, SALT_CHARS) : pyStr(given);
  if (/[^./0-9A-Za-z]/.test(salt)) throw new Error('password_hash: invalid characters in salt');
  if (salt.length > 16) throw new Error('password_hash: invalid salt size');
  const r = arg(a, 3, 'rounds');
  const rounds = r === undefined || r === null || r === 0 ? scheme.implicitRounds : Number(r);
  // passlib (what Debian's Ansible uses) writes rounds= unless they are crypt's default 5000
  return shaCrypt(scheme.algo, pyStr(value), salt, rounds === 5000 ? undefined : rounds);
}

/** A key by which two values are equal when their JSON is the same (for unique, union...). */
function eqKey(value: unknown): string {
  return typeof value === 'string' ? `s${value}` : `j${JSON.stringify(sortKeysDeep(value)) ?? 'undefined'}`;
}

function toList(value: unknown, filter: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...value];
  if (isPlainObject(value)) return Object.keys(value);
  if (value instanceof Set || value instanceof Map) return [...value.keys()];
  throw new Error(`${filter}: expected a list, got ${pyStr(value)}`);
}

function uniqueBy(items: unknown[]): unknown[] {
  const seen = new Set<string>();
  return items.filter((x) => {
    const k = eqKey(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>, recursive: boolean, listMerge: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const old = out[k];
    if (recursive && isPlainObject(old) && isPlainObject(v)) out[k] = deepMerge(old, v, recursive, listMerge);
    else if (Array.isArray(old) && Array.isArray(v) && listMerge !== 'replace') {
      switch (listMerge) {
        case 'keep':
          break;
        case 'append':
          out[k] = [...old, ...v];
          break;
        case 'prepend':
          out[k] = [...v, ...old];
          break;
        case 'append_rp':
          out[k] = [...old.filter((x) => !v.some((y) => eqKey(y) === eqKey(x))), ...v];
          break;
        case 'prepend_rp':
          out[k] = [...v, ...old.filter((x) => !v.some((y) => eqKey(y) === eqKey(x)))];
          break;
        default:
          throw new Error(`combine: unknown list_merge '${listMerge}'`);
      }
    } else out[k] = v;
  }
  return out;
}

/** A dotted attribute path (`a.b`, `list.0`) of an item. */
function attrPath(item: unknown, path: string): unknown {
  let cur = item;
  for (const part of path.split('.')) {
    if (cur === undefined || cur === null) return undefined;
    cur = pyGetAttr(cur, /^\d+$/.test(part) && Array.isArray(cur) ? Number(part) : part);
  }
  return cur;
}

function toInt(value: unknown, dflt: unknown, base: number): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : dflt;
  if (typeof value === 'string') {
    const s = value.trim().replace(/_/g, '');
    const prefixed = base === 16 ? s.replace(/^0x/i, '') : base === 8 ? s.replace(/^0o/i, '') : base === 2 ? s.replace(/^0b/i, '') : s;
    const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
    if (new RegExp(`^[-+]?[${digits}]+$`, 'i').test(prefixed)) return parseInt(prefixed, base);
    const f = Number(s);
    if (s !== '' && Number.isFinite(f)) return Math.trunc(f);
  }
  return dflt;
}

function toFloat(value: unknown, dflt: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const f = Number(value.trim());
    if (!Number.isNaN(f)) return f;
  }
  return dflt;
}

function shellQuote(value: unknown): string {
  const s = pyStr(value);
  if (s === '') return "''";
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

function indentText(value: unknown, a: Args): string {
  const width = arg(a, 0, 'width', 4);
  const first = isTruthy(arg(a, 1, 'first', arg(a, 1, 'indentfirst', false)));
  const blank = isTruthy(arg(a, 2, 'blank', false));
  const pad = typeof width === 'string' ? width : ' '.repeat(Number(width));
  const lines = pyStr(value).split('\n');
  return lines
    .map((l, i) => ((i === 0 && !first) || (!blank && l === '') ? l : pad + l))
    .join('\n');
}

function compareValues(x: unknown, y: unknown, caseSensitive: boolean): number {
  const norm = (v: unknown): unknown => (typeof v === 'string' && !caseSensitive ? v.toLowerCase() : v);
  const a = norm(x);
  const b = norm(y);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = typeof a === 'string' ? a : pyStr(a);
  const sb = typeof b === 'string' ? b : pyStr(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export function registerFilters(env: nunjucks.Environment, session: () => Session): void {
  const applyFilter = (name: string, value: unknown, rest: unknown[]): unknown => {
    const f = env.getFilter(name) as unknown as (...args: unknown[]) => unknown;
    return f(value, ...rest);
  };
  const applyTest = (name: string, value: unknown, rest: unknown[]): boolean => {
    return isTruthy(testRegistry(env).getTest(name)(value, ...rest));
  };
  const selector =
    (keep: boolean): Filter =>
    (value, a) => {
      const [test, ...rest] = a.pos;
      return toList(value, keep ? 'select' : 'reject').filter(
        (x) => (test === undefined ? isTruthy(x) : applyTest(String(test), x, rest)) === keep,
      );
    };
  const attrSelector =
    (keep: boolean): Filter =>
    (value, a) => {
      const [attr, test, ...rest] = a.pos;
      return toList(value, keep ? 'selectattr' : 'rejectattr').filter((x) => {
        const v = attrPath(x, String(attr));
        const ok = test === undefined ? isTruthy(v) : applyTest(String(test), v, rest);
        return ok === keep;
      });
    };

  const filters: Record<string, Filter> = {
    bool: (v) => {
      // not strict, like Ansible's filter: what is not true is false
      return parseBoolean(v) ?? false;
    },
    ternary: (v, a) => {
      if ((v === null || v === undefined) && a.pos.length > 2) return arg(a, 2, 'none_val');
      return isTruthy(v) ? arg(a, 0, 'true_val') : arg(a, 1, 'false_val');
    },
    to_json: (v, a) => {
      const indent = arg(a, -1, 'indent');
      return jsonDumps(v, typeof indent === 'number' ? indent : undefined, isTruthy(arg(a, -1, 'sort_keys', false)), isTruthy(arg(a, -1, 'ensure_ascii', true)));
    },
    to_nice_json: (v, a) => jsonDumps(v, Number(arg(a, 0, 'indent', 4)), isTruthy(arg(a, -1, 'sort_keys', true)), isTruthy(arg(a, -1, 'ensure_ascii', true))),
    from_json: (v) => {
      try {
        return JSON.parse(pyStr(v)) as unknown;
      } catch (err) {
        // the parser's message quotes the text, which may be a secret: say what, not the text
        throw new Error(`from_json: not valid JSON (${(err as Error).message.split(/, "|: "| in JSON| is not valid JSON/)[0] ?? 'syntax error'})`);
      }
    },
    to_yaml: (v, a) => {
      const flow = arg(a, -1, 'default_flow_style', null);
      return pyYamlDump(v, Number(arg(a, -1, 'indent', 2)), flow === null || flow === undefined ? null : isTruthy(flow));
    },
    to_nice_yaml: (v, a) => pyYamlDump(v, Number(arg(a, 0, 'indent', 4)), false),
    password_hash: passwordHash,
    from_yaml: (v) => {
      try {
        return YAML.parse(pyStr(v)) as unknown;
      } catch (err) {
        // the first line only: the rest quotes the text, which may be a secret
        throw new Error(`from_yaml: not valid YAML (${((err as Error).message.split('\n')[0] ?? '').replace(/:$/, '')})`);
      }
    },
    combine: (v, a) => {
      const recursive = isTruthy(arg(a, -1, 'recursive', false));
      const listMerge = String(arg(a, -1, 'list_merge', 'replace'));
      const dicts = [v, ...a.pos].flatMap((d) => (Array.isArray(d) ? d : [d]));
      return dicts.reduce<Record<string, unknown>>((acc, d) => {
        if (!isPlainObject(d)) throw new Error(`combine: expected dicts, got ${pyStr(d)}`);
        return deepMerge(acc, d, recursive, listMerge);
      }, {});
    },
    regex_replace: (v, a) => {
      const re = pyRegex(arg(a, 0, 'pattern', ''), reFlags(a, true, 2));
      const count = Number(arg(a, -1, 'count', 0));
      const repl = pyReplacement(pyStr(arg(a, 1, 'replacement', '')));
      if (!count) return pyStr(v).replace(re, repl);
      let n = 0;
      return pyStr(v).replace(re, (...m) => (n++ < count ? m[0].replace(new RegExp(re.source, re.flags.replace('g', '')), repl) : m[0]) as string);
    },
    regex_search: (v, a) => {
      const re = pyRegex(a.pos[0] ?? '', reFlags(a, false));
      const m = re.exec(pyStr(v));
      if (!m) return null;
      const groups = a.pos.slice(1).map(String);
      if (groups.length === 0) return m[0];
      return groups.map((g) => {
        const named = /^\\g<(\w+)>$/.exec(g);
        if (named?.[1] !== undefined) return /^\d+$/.test(named[1]) ? m[Number(named[1])] : m.groups?.[named[1]];
        const num = /^\\(\d+)$/.exec(g);
        if (num?.[1] !== undefined) return m[Number(num[1])];
        throw new Error(`regex_search: unknown group reference '${g}'`);
      });
    },
    regex_findall: (v, a) => {
      const re = pyRegex(a.pos[0] ?? '', reFlags(a, true));
      return [...pyStr(v).matchAll(re)].map((m) => (m.length > 2 ? m.slice(1) : (m[1] ?? m[0])));
    },
    mandatory: (v, a) => {
      if (v !== undefined) return v;
      const msg = arg(a, 0, 'msg');
      const name = session().lastUndefined;
      throw new Error(typeof msg === 'string' ? msg : `Mandatory variable ${name ? `'${name}' ` : ''}not defined.`);
    },
    default: (v, a) => {
      const dflt = arg(a, 0, 'default_value', '');
      const boolean = isTruthy(arg(a, 1, 'boolean', false));
      return v === undefined || (boolean && !isTruthy(v)) ? dflt : v;
    },
    unique: (v) => uniqueBy(toList(v, 'unique')),
    union: (v, a) => uniqueBy([...toList(v, 'union'), ...toList(a.pos[0], 'union')]),
    intersect: (v, a) => {
      const other = new Set(toList(a.pos[0], 'intersect').map(eqKey));
      return uniqueBy(toList(v, 'intersect').filter((x) => other.has(eqKey(x))));
    },
    difference: (v, a) => {
      const other = new Set(toList(a.pos[0], 'difference').map(eqKey));
      return uniqueBy(toList(v, 'difference').filter((x) => !other.has(eqKey(x))));
    },
    symmetric_difference: (v, a) => {
      const l1 = toList(v, 'symmetric_difference');
      const l2 = toList(a.pos[0], 'symmetric_difference');
      const k1 = new Set(l1.map(eqKey));
      const k2 = new Set(l2.map(eqKey));
      return uniqueBy([...l1.filter((x) => !k2.has(eqKey(x))), ...l2.filter((x) => !k1.has(eqKey(x)))]);
    },
    flatten: (v, a) => {
      const levels = arg(a, 0, 'levels');
      const skipNulls = isTruthy(arg(a, 1, 'skip_nulls', true));
      const flat = (list: unknown[], depth: number): unknown[] =>
        list.flatMap((x) => {
          if (Array.isArray(x) && (levels === undefined || levels === null || depth < Number(levels))) return flat(x, depth + 1);
          return skipNulls && (x === null || x === 'None') ? [] : [x];
        });
      return flat(toList(v, 'flatten'), 0);
    },
    dict2items: (v, a) => {
      if (!isPlainObject(v)) throw new Error(`dict2items: expected a dict, got ${pyStr(v)}`);
      const k = String(arg(a, 0, 'key_name', 'key'));
      const val = String(arg(a, 1, 'value_name', 'value'));
      return Object.entries(v).map(([key, value]) => ({ [k]: key, [val]: value }));
    },
    items2dict: (v, a) => {
      const k = String(arg(a, 0, 'key_name', 'key'));
      const val = String(arg(a, 1, 'value_name', 'value'));
      const out: Record<string, unknown> = {};
      for (const item of toList(v, 'items2dict')) {
        if (!isPlainObject(item) || !Object.hasOwn(item, k)) throw new Error(`items2dict: item ${pyStr(item)} has no key '${k}'`);
        out[pyStr(item[k])] = item[val];
      }
      return out;
    },
    map: (v, a) => {
      const list = toList(v, 'map');
      if (Object.hasOwn(a.kw, 'attribute')) {
        const attr = String(a.kw.attribute);
        const hasDefault = Object.hasOwn(a.kw, 'default');
        return list.map((x) => {
          const r = attrPath(x, attr);
          if (r !== undefined) return r;
          if (hasDefault) return a.kw.default;
          throw new Error(`map: ${pyStr(x)} has no attribute '${attr}'`);
        });
      }
      const [name, ...rest] = a.pos;
      if (name === undefined) return list;
      return list.map((x) => applyFilter(String(name), x, rest));
    },
    select: selector(true),
    reject: selector(false),
    selectattr: attrSelector(true),
    rejectattr: attrSelector(false),
    basename: (v) => posix.basename(pyStr(v)),
    dirname: (v) => posix.dirname(pyStr(v)),
    b64encode: (v) => Buffer.from(pyStr(v), 'utf8').toString('base64'),
    b64decode: (v) => Buffer.from(pyStr(v), 'base64').toString('utf8'),
    hash: (v, a) => {
      const algo = String(arg(a, 0, 'hashtype', 'sha1'));
      if (!['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'].includes(algo)) throw new Error(`hash: unsupported hash type '${algo}'`);
      return createHash(algo).update(pyStr(v), 'utf8').digest('hex');
    },
    checksum: (v) => createHash('sha1').update(pyStr(v), 'utf8').digest('hex'),
    md5: (v) => createHash('md5').update(pyStr(v), 'utf8').digest('hex'),
    sha1: (v) => createHash('sha1').update(pyStr(v), 'utf8').digest('hex'),
    quote: (v) => shellQuote(v),
    int: (v, a) => toInt(v, arg(a, 0, 'default', 0), Number(arg(a, 1, 'base', 10))),
    float: (v, a) => toFloat(v, arg(a, 0, 'default', 0)),
    string: (v) => pyStr(v),
    lower: (v) => pyStr(v).toLowerCase(),
    upper: (v) => pyStr(v).toUpperCase(),
    min: (v, a) => {
      const list = toList(v, 'min');
      const attr = arg(a, -1, 'attribute');
      const key = (x: unknown): unknown => (attr === undefined ? x : attrPath(x, String(attr)));
      return list.reduce<unknown>((m, x) => (m === undefined || compareValues(key(x), key(m), false) < 0 ? x : m), undefined);
    },
    max: (v, a) => {
      const list = toList(v, 'max');
      const attr = arg(a, -1, 'attribute');
      const key = (x: unknown): unknown => (attr === undefined ? x : attrPath(x, String(attr)));
      return list.reduce<unknown>((m, x) => (m === undefined || compareValues(key(x), key(m), false) > 0 ? x : m), undefined);
    },
    sort: (v, a) => {
      const reverse = isTruthy(arg(a, 0, 'reverse', false));
      const caseSensitive = isTruthy(arg(a, 1, 'case_sensitive', false));
      const attr = arg(a, 2, 'attribute');
      const key = (x: unknown): unknown => (attr === undefined || attr === null ? x : attrPath(x, String(attr)));
      const sorted = [...toList(v, 'sort')].sort((x, y) => compareValues(key(x), key(y), caseSensitive));
      return reverse ? sorted.reverse() : sorted;
    },
    join: (v, a) => {
      const sep = pyStr(arg(a, 0, 'd', ''));
      const attr = arg(a, 1, 'attribute');
      return toList(v, 'join')
        .map((x) => pyStr(attr === undefined || attr === null ? x : attrPath(x, String(attr))))
        .join(sep);
    },
    indent: indentText,
    list: (v) => toList(v, 'list'),
    split: (v, a) => {
      const sep = arg(a, 0, 'separator');
      const s = pyStr(v);
      return sep === undefined || sep === null ? s.trim().split(/\s+/).filter((x) => x !== '') : s.split(pyStr(sep));
    },
    zip: (v, a) => {
      const lists = [toList(v, 'zip'), ...a.pos.map((l) => toList(l, 'zip'))];
      const n = Math.min(...lists.map((l) => l.length));
      return Array.from({ length: n }, (_, i) => lists.map((l) => l[i]));
    },
    product: (v, a) => {
      const lists = [toList(v, 'product'), ...a.pos.map((l) => toList(l, 'product'))];
      return lists.reduce<unknown[][]>((acc, l) => acc.flatMap((p) => l.map((x) => [...p, x])), [[]]);
    },
    type_debug: (v) => {
      if (v === null) return 'NoneType';
      if (Array.isArray(v)) return 'list';
      if (isPlainObject(v)) return 'dict';
      return { string: 'str', number: Number.isInteger(v) ? 'int' : 'float', boolean: 'bool' }[typeof v as string] ?? typeof v;
    },
    format: (v, a) => pyMod(pyStr(v), Object.keys(a.kw).length ? a.kw : a.pos),
  };
  filters.d = filters.default as Filter;
  filters.tojson = filters.to_json as Filter;

  for (const [name, fn] of Object.entries(filters)) {
    // (their ansible.builtin. names: filter-names.ts)
    env.addFilter(name, (value: unknown, ...rest: unknown[]) => fn(value, splitArgs(rest)));
  }
}
