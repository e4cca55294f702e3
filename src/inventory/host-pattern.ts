/**
 * Host keys of a YAML inventory: `web1`, `web1:2222` (port), `www[01:50].example.com`
 * and `db-[a:f]` (ranges, optional `:step`), like Ansible's yaml inventory plugin.
 */

export interface ExpandedHosts {
  names: string[];
  port?: number;
}

/** Largest number of hosts one key may expand to (a typo like [1:999999] is an error, not a hang). */
export const MAX_RANGE_HOSTS = 10_000;

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Expand one host key. Throws an Error (message for a person) on a malformed range. */
export function expandHostKey(key: string): ExpandedHosts {
  const { pattern, port } = splitPort(key.trim());
  const names = hasRange(pattern) ? expandRanges(pattern) : [pattern];
  return port === undefined ? { names } : { names, port };
}

function splitPort(key: string): { pattern: string; port?: number } {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(key);
  if (bracketed?.[1] !== undefined && bracketed[2] !== undefined && bracketed[1].includes(':')) {
    return { pattern: bracketed[1], port: Number(bracketed[2]) };
  }
  // the last ':' outside [..] separates a port, when it is the only such ':'
  let depth = 0;
  const colons: number[] = [];
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === ':' && depth === 0) colons.push(i);
  }
  const at = colons[0];
  if (colons.length === 1 && at !== undefined && at > 0 && /^\d+$/.test(key.slice(at + 1))) {
    const port = Number(key.slice(at + 1));
    if (port > 0 && port < 65536) return { pattern: key.slice(0, at), port };
  }
  return { pattern: key };
}

function hasRange(pattern: string): boolean {
  return /\[[^\]]*:[^\]]*\]/.test(pattern);
}

function expandRanges(pattern: string): string[] {
  const m = /^(.*?)\[([^\]]*)\](.*)$/.exec(pattern);
  if (!m || m[2] === undefined || !m[2].includes(':')) return [pattern];
  const head = m[1] ?? '';
  const tail = m[3] ?? '';
  const seq = rangeValues(m[2]);
  const rest = hasRange(tail) ? expandRanges(tail) : [tail];
  if (seq.length * rest.length > MAX_RANGE_HOSTS) {
    throw new Error(`host range '${pattern}' expands to more than ${MAX_RANGE_HOSTS} hosts`);
  }
  const out: string[] = [];
  for (const v of seq) for (const r of rest) out.push(head + v + r);
  return out;
}

function rangeValues(spec: string): string[] {
  const parts = spec.split(':');
  if (parts.length > 3) throw new Error(`host range [${spec}] has too many ':' (use [start:end] or [start:end:step])`);
  const beg = parts[0] || '0';
  const end = parts[1] ?? '';
  const stepText = parts[2] ?? '1';
  if (!end) throw new Error(`host range [${spec}] must give an end value`);
  if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw new Error(`host range [${spec}] has a bad step '${stepText}'`);
  const step = Number(stepText);
  const bi = LETTERS.indexOf(beg);
  const ei = LETTERS.indexOf(end);
  if (beg.length === 1 && end.length === 1 && bi >= 0 && ei >= 0) {
    if (bi > ei) throw new Error(`host range [${spec}] begins after it ends`);
    const out: string[] = [];
    for (let i = bi; i <= ei; i += step) out.push(LETTERS[i] ?? '');
    return out;
  }
  if (!/^\d+$/.test(beg) || !/^\d+$/.test(end)) {
    throw new Error(`host range [${spec}] must be numbers ([1:3], [01:10]) or single letters ([a:f])`);
  }
  const padded = beg.length > 1 && beg.startsWith('0');
  if (padded && beg.length !== end.length) {
    throw new Error(`host range [${spec}] must give begin and end with the same number of digits`);
  }
  const b = Number(beg);
  const e = Number(end);
  if (b > e) throw new Error(`host range [${spec}] begins after it ends`);
  if ((e - b) / step + 1 > MAX_RANGE_HOSTS) {
    throw new Error(`host range [${spec}] expands to more than ${MAX_RANGE_HOSTS} hosts`);
  }
  const out: string[] = [];
  for (let i = b; i <= e; i += step) out.push(padded ? String(i).padStart(beg.length, '0') : String(i));
  return out;
}
