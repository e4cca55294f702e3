/**
 * Jinja's operators with Python semantics where JavaScript's differ:
 * `[1] + [2]` is a list, `'%s:%d' % (h, p)` formats, `'-' * 3` repeats,
 * `~` prints like str(), `==` compares lists and dicts by value, and
 * comparisons chain (`1 < x < 5`).
 */
import { isPlainObject, pyRepr, pyStr } from './python.js';

function typeName(v: unknown): string {
  if (v === null) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  if (isPlainObject(v)) return 'dict';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

function unsupported(op: string, a: unknown, b: unknown): Error {
  return new Error(`unsupported operand types for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

export function pyAdd(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  const x = num(a);
  const y = num(b);
  if (x !== undefined && y !== undefined) return x + y;
  throw unsupported('+', a, b);
}

export function pyMul(a: unknown, b: unknown): unknown {
  const x = num(a);
  const y = num(b);
  if (x !== undefined && y !== undefined) return x * y;
  if ((typeof a === 'string' || Array.isArray(a)) && y !== undefined && Number.isInteger(y)) return repeat(a, y);
  if ((typeof b === 'string' || Array.isArray(b)) && x !== undefined && Number.isInteger(x)) return repeat(b, x);
  throw unsupported('*', a, b);
}

function repeat(v: string | unknown[], n: number): unknown {
  if (typeof v === 'string') return v.repeat(Math.max(0, n));
  return Array.from({ length: Math.max(0, n) }, () => v).flat(1);
}

export function pyConcat(a: unknown, b: unknown): string {
  return pyStr(a) + pyStr(b);
}

/** `%` : Python's modulo for numbers (sign of the divisor), printf-style formatting for strings. */
export function pyMod(a: unknown, b: unknown): unknown {
  if (typeof a === 'string') return percentFormat(a, b);
  const x = num(a);
  const y = num(b);
  if (x === undefined || y === undefined) throw unsupported('%', a, b);
  if (y === 0) throw new Error('integer division or modulo by zero');
  return ((x % y) + y) % y;
}

function percentFormat(format: string, args: unknown): string {
  const list = Array.isArray(args) ? args : [args];
  const named = isPlainObject(args) ? args : undefined;
  let i = 0;
  const out = format.replace(/%(\((\w+)\))?([-+ 0#]*)(\d+|\*)?(?:\.(\d+))?([sdifrxXoeEgGc%])/g, (...m: unknown[]) => {
    const [, , key, flags, width, precision, conv] = m as [string, string, string | undefined, string, string | undefined, string | undefined, string];
    if (conv === '%') return '%';
    const value = key !== undefined && named ? named[key] : list[i++];
    if (key === undefined && i > list.length) throw new Error('not enough arguments for format string');
    let s: string;
    switch (conv) {
      case 's':
        s = pyStr(value);
        break;
      case 'r':
        s = pyRepr(value);
        break;
      case 'd':
      case 'i':
        s = String(Math.trunc(Number(value)));
        break;
      case 'f':
        s = Number(value).toFixed(precision === undefined ? 6 : Number(precision));
        break;
      case 'x':
        s = Math.trunc(Number(value)).toString(16);
        break;
      case 'X':
        s = Math.trunc(Number(value)).toString(16).toUpperCase();
        break;
      case 'o':
        s = Math.trunc(Number(value)).toString(8);
        break;
      case 'c':
        s = typeof value === 'number' ? String.fromCharCode(value) : pyStr(value);
        break;
      default:
        s = String(Number(value));
    }
    if (conv === 's' && precision !== undefined) s = s.slice(0, Number(precision));
    if (flags.includes('+') && /^[0-9]/.test(s) && conv !== 's') s = `+${s}`;
    const w = width === undefined || width === '*' ? 0 : Number(width);
    if (s.length < w) {
      if (flags.includes('-')) s = s.padEnd(w);
      else if (flags.includes('0') && conv !== 's') s = s.startsWith('-') ? `-${s.slice(1).padStart(w - 1, '0')}` : s.padStart(w, '0');
      else s = s.padStart(w);
    }
    return s;
  });
  if (!named && i < list.length && !(list.length === 1 && i === 0 && !Array.isArray(args))) {
    throw new Error('not all arguments converted during string formatting');
  }
  return out;
}

/** Python equality: by value for lists and dicts, 1 == 1.0, True == 1. */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = num(a);
  const y = num(b);
  if (x !== undefined && y !== undefined) return x === y;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => pyEquals(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && pyEquals(a[k], b[k]));
  }
  return false;
}

function order(op: string, a: unknown, b: unknown): boolean {
  const x = num(a);
  const y = num(b);
  let c: number;
  if (x !== undefined && y !== undefined) c = x - y;
  else if (typeof a === 'string' && typeof b === 'string') c = a < b ? -1 : a > b ? 1 : 0;
  else throw new Error(`'${op}' not supported between '${typeName(a)}' and '${typeName(b)}'`);
  switch (op) {
    case '<':
      return c < 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    default:
      return c >= 0;
  }
}

/** A comparison chain `a op1 b op2 c`: given as [a, op1, b, op2, c]. */
export function pyCompare(...chain: unknown[]): boolean {
  for (let i = 1; i + 1 < chain.length; i += 2) {
    const a = chain[i - 1];
    const op = String(chain[i]);
    const b = chain[i + 1];
    const ok = op === '==' || op === '===' ? pyEquals(a, b) : op === '!=' || op === '!==' ? !pyEquals(a, b) : order(op, a, b);
    if (!ok) return false;
  }
  return true;
}

/** `item in container`: substring, list member (by value), dict key. */
export function pyIn(item: unknown, container: unknown): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new Error(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => pyEquals(x, item));
  if (isPlainObject(container)) return Object.hasOwn(container, pyStr(item));
  throw new Error(`argument of type '${typeName(container)}' is not iterable`);
}
