/** Jinja/Ansible tests (`x is defined`, `x is match('^a')`) nunjucks lacks or defines differently. */
import type nunjucks from 'nunjucks';
import { arg, splitArgs, type Args } from './args.js';
import { pyRegex } from './filters.js';
import { inNetwork, parseCidr } from './ipaddr.js';
import { testRegistry } from './nunjucks-internals.js';
import { isPlainObject, isTruthy, pyStr } from './python.js';

/** The tests of ansible.builtin (ansible-core 2.14's test plugins); Jinja's built-in ones (defined, equalto, in...) are not. */
const ANSIBLE_BUILTIN_TESTS = new Set(['contains', 'falsy', 'match', 'regex', 'search', 'subset', 'superset', 'truthy']);

type Test = (value: unknown, a: Args) => boolean;

function regexTest(value: unknown, a: Args, type: 'match' | 'search' | 'fullmatch'): boolean {
  const flags = (isTruthy(arg(a, 1, 'ignorecase', false)) ? 'i' : '') + (isTruthy(arg(a, 2, 'multiline', false)) ? 'm' : '');
  const re = pyRegex(arg(a, 0, 'pattern', ''), flags);
  const s = pyStr(value);
  const m = re.exec(s);
  if (!m) return false;
  if (type === 'search') return true;
  if (m.index !== 0) {
    // `match` anchors at the start: retry anchored
    const anchored = new RegExp(`^(?:${re.source})`, re.flags);
    const am = anchored.exec(s);
    return am !== null && (type === 'match' || am[0].length === s.length);
  }
  return type === 'match' || m[0].length === s.length;
}

function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') return container.includes(pyStr(item));
  if (Array.isArray(container)) return container.some((x) => x === item || JSON.stringify(x) === JSON.stringify(item));
  if (isPlainObject(container)) return Object.hasOwn(container, pyStr(item));
  return false;
}

const tests: Record<string, Test> = {
  defined: (v) => v !== undefined,
  undefined: (v) => v === undefined,
  none: (v) => v === null,
  truthy: (v) => isTruthy(v),
  falsy: (v) => !isTruthy(v),
  boolean: (v) => typeof v === 'boolean',
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => typeof v === 'number' && !Number.isInteger(v),
  number: (v) => typeof v === 'number',
  string: (v) => typeof v === 'string',
  mapping: (v) => isPlainObject(v),
  sequence: (v) => Array.isArray(v) || typeof v === 'string',
  iterable: (v) => Array.isArray(v) || typeof v === 'string' || isPlainObject(v),
  equalto: (v, a) => v === a.pos[0] || (typeof v === 'object' && JSON.stringify(v) === JSON.stringify(a.pos[0])),
  match: (v, a) => regexTest(v, a, 'match'),
  search: (v, a) => regexTest(v, a, 'search'),
  regex: (v, a) => regexTest(v, a, arg(a, 3, 'match_type', 'search') === 'match' ? 'match' : 'search'),
  in: (v, a) => contains(a.pos[0], v),
  contains: (v, a) => contains(v, a.pos[0]),
  subset: (v, a) => Array.isArray(v) && v.every((x) => contains(a.pos[0], x)),
  superset: (v, a) => Array.isArray(a.pos[0]) && a.pos[0].every((x) => contains(v, x)),
  ip_address: (v) => parseCidr(v) !== undefined,
  in_network: (v, a) => inNetwork(v, a.pos[0]),
};
// Ansible's tests on a task result (plugins/test/core.py): `out is skipped`, `out is failed`...
const resultFlag = (key: string) => (v: unknown): boolean => {
  if (!isPlainObject(v)) throw new Error(`the '${key}' test expects a task result (a dictionary), got ${JSON.stringify(v)}`);
  if (key === 'changed' && !('changed' in v) && Array.isArray(v.results)) return v.results.some((r) => isPlainObject(r) && isTruthy(r.changed));
  return isTruthy(v[key] ?? false);
};
tests.failed = resultFlag('failed');
tests.failure = tests.failed;
tests.succeeded = (v, a) => !(tests.failed as Test)(v, a);
tests.success = tests.succeeded;
tests.successful = tests.succeeded;
tests.changed = resultFlag('changed');
tests.change = tests.changed;
tests.skipped = resultFlag('skipped');
tests.skip = tests.skipped;
tests.unreachable = resultFlag('unreachable');
tests.reachable = (v, a) => !(tests.unreachable as Test)(v, a);
tests.finished = (v) => !isPlainObject(v) || !('finished' in (v as object)) || isTruthy((v as Record<string, unknown>).finished);
tests.eq = tests.equalto as Test;
tests['=='] = tests.equalto as Test;
tests.ip_in_network = tests.in_network as Test;

export function registerTests(env: nunjucks.Environment): void {
  for (const [name, fn] of Object.entries(tests)) {
    const run = (value: unknown, ...rest: unknown[]): boolean => fn(value, splitArgs(rest));
    testRegistry(env).addTest(name, run);
    if (ANSIBLE_BUILTIN_TESTS.has(name)) testRegistry(env).addTest(`ansible.builtin.${name}`, run);
  }
}
