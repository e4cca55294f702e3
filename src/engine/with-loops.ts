/**
 * The `with_<lookup>` loops: the list Ansible's lookup plugins make from
 * their (templated) terms. `loop:` takes the list as it is; these reshape it.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HapbError } from '../errors/index.js';
import { LookupFailed, lookupNames } from '../template/lookups.js';

export interface WithLoopOptions {
  /** folders searched by with_fileglob */
  filesDirs?: string[];
  /** run a lookup plugin of src/template/lookups.ts (file, template, first_found...) as `query` */
  query?: (name: string, terms: unknown[]) => unknown[];
}

export function withLoopItems(lookup: string, terms: unknown, opts: WithLoopOptions = {}): unknown[] {
  // with_file, with_template, with_first_found...: the lookup plugin of that name
  if (lookupNames.includes(lookup)) {
    if (!opts.query) throw new HapbError(`with_${lookup} is not supported here`);
    // Ansible's listify_lookup_plugin_terms: a string is one term
    try {
      return opts.query(lookup, asList(terms));
    } catch (err) {
      // the task fails with the plugin's own message, as Ansible's with_<lookup>
      if (err instanceof LookupFailed) throw new HapbError(err.detail, { cause: err });
      throw err;
    }
  }
  switch (lookup) {
    case 'items':
      // one level of lists is flattened, as Ansible's items lookup does
      return asList(terms).flatMap((t) => (Array.isArray(t) ? t : [t]));
    case 'list':
      return asList(terms);
    case 'flattened':
      return flattenDeep(asList(terms));
    case 'indexed_items':
      return asList(terms)
        .flatMap((t) => (Array.isArray(t) ? t : [t]))
        .map((x, i) => [i, x]);
    case 'dict':
      return asList(terms).flatMap((d) => {
        if (d === null || typeof d !== 'object' || Array.isArray(d)) throw new HapbError(`with_dict expects a dict, got ${JSON.stringify(d)}`);
        return Object.entries(d as Record<string, unknown>).map(([key, value]) => ({ key, value }));
      });
    case 'nested':
    case 'cartesian':
      return product(asList(terms).map((l) => asList(l)));
    case 'together': {
      const lists = asList(terms).map((l) => asList(l));
      const n = Math.max(0, ...lists.map((l) => l.length));
      return Array.from({ length: n }, (_, i) => lists.map((l) => (i < l.length ? l[i] : null)));
    }
    case 'subelements':
      return subelements(terms);
    case 'sequence':
      return asList(terms).flatMap((t) => sequence(t));
    case 'random_choice': {
      const l = asList(terms);
      return l.length ? [l[Math.floor(Math.random() * l.length)]] : [];
    }
    case 'fileglob':
      return asList(terms).flatMap((t) => fileglob(String(t), opts.filesDirs ?? []));
    case 'lines':
      return asList(terms).flatMap((t) =>
        execFileSync('/bin/sh', ['-c', String(t)], { encoding: 'utf8' })
          .split('\n')
          .filter((l, i, all) => l !== '' || i < all.length - 1),
      );
    default:
      throw new HapbError(`with_${lookup} is not supported by hapb`);
  }
}

function asList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function flattenDeep(l: unknown[]): unknown[] {
  return l.flatMap((x) => (Array.isArray(x) ? flattenDeep(x) : [x]));
}

function product(lists: unknown[][]): unknown[][] {
  return lists.reduce<unknown[][]>((acc, l) => acc.flatMap((prefix) => l.map((x) => [...prefix, x])), [[]]).filter(() => lists.length > 0);
}

function subelements(terms: unknown): unknown[] {
  const t = asList(terms);
  const [list, key, flags] = t as [unknown, unknown, unknown];
  const skipMissing = Boolean(flags && typeof flags === 'object' && (flags as Record<string, unknown>).skip_missing);
  if (typeof key !== 'string') throw new HapbError('with_subelements expects [list, "key"]');
  const out: unknown[] = [];
  for (const el of asList(list)) {
    let sub: unknown = el;
    for (const part of key.split('.')) sub = sub && typeof sub === 'object' ? (sub as Record<string, unknown>)[part] : undefined;
    if (sub === undefined) {
      if (skipMissing) continue;
      throw new HapbError(`could not find '${key}' key in iterated item ${JSON.stringify(el)}`);
    }
    if (!Array.isArray(sub)) throw new HapbError(`the key ${key} should point to a list, got ${JSON.stringify(sub)}`);
    for (const s of sub) out.push([el, s]);
  }
  return out;
}

/**
 * Ansible's sequence lookup: `start=1 end=5 stride=1 format=host%02d`,
 * `count=3`, or the short form `[start-]end[/stride][:format]`. Values are strings.
 */
export function sequence(term: unknown): string[] {
  const s = String(term).trim();
  let start = 1;
  let end: number | undefined;
  let count: number | undefined;
  let stride = 1;
  let format = '%d';
  const num = (v: string): number => {
    const n = v.startsWith('0x') ? parseInt(v, 16) : v.startsWith('0o') ? parseInt(v.slice(2), 8) : Number(v);
    if (!Number.isFinite(n)) throw new HapbError(`with_sequence: '${v}' is not a number`);
    return n;
  };
  if (s.includes('=')) {
    for (const m of s.matchAll(/(\w+)=(\S+)/g)) {
      const [, k, v] = m as unknown as [string, string, string];
      if (k === 'start') start = num(v);
      else if (k === 'end') end = num(v);
      else if (k === 'count') count = num(v);
      else if (k === 'stride') stride = num(v);
      else if (k === 'format') format = v;
      else throw new HapbError(`with_sequence: unknown argument '${k}'`);
    }
  } else {
    const m = /^(?:(-?\w+)-)?(\w+)(?:\/(\w+))?(?::(.+))?$/.exec(s);
    if (!m) throw new HapbError(`with_sequence: cannot parse '${s}'`);
    if (m[1] !== undefined) start = num(m[1]);
    end = num(m[2] as string);
    if (m[3] !== undefined) stride = num(m[3]);
    if (m[4] !== undefined) format = m[4];
  }
  if (count !== undefined) {
    if (end !== undefined) throw new HapbError('with_sequence: give count or end, not both');
    end = count === 0 ? start - stride : start + (count - 1) * stride;
    if (count === 0) return [];
  }
  if (end === undefined) throw new HapbError('with_sequence: give end or count');
  if (stride === 0) return [];
  const out: string[] = [];
  if (stride > 0) for (let i = start; i <= end; i += stride) out.push(printf(format, i));
  else for (let i = start; i >= end; i += stride) out.push(printf(format, i));
  return out;
}

/** the %d, %0Nd, %x, %o, %s of Python's % for one integer */
function printf(format: string, n: number): string {
  return format.replace(/%(0?)(\d*)([dixXos%])/g, (_m, zero: string, width: string, conv: string) => {
    if (conv === '%') return '%';
    let s = conv === 'x' ? n.toString(16) : conv === 'X' ? n.toString(16).toUpperCase() : conv === 'o' ? n.toString(8) : String(n);
    const w = Number(width || 0);
    if (s.length < w) s = (zero ? '0' : ' ').repeat(w - s.length) + s;
    return s;
  });
}

function fileglob(pattern: string, dirs: string[]): string[] {
  const re = new RegExp(`^${pattern.split('/').pop()!.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const sub = dirname(pattern);
  const bases = pattern.startsWith('/') ? [sub] : dirs.map((d) => join(d, sub));
  for (const b of bases) {
    let names: string[];
    try {
      names = readdirSync(b);
    } catch {
      continue;
    }
    const hits = names.filter((n) => re.test(n)).sort().map((n) => join(b, n));
    if (hits.length) return hits;
  }
  return [];
}
