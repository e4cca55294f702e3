/**
 * Host patterns, as play `hosts:` and `--limit` take them (Ansible's
 * InventoryManager): names of hosts and groups, `all` and `*`, globs (`web*`,
 * `db-[ab]`), regexes (`~web\d`), subscripts (`web[0]`, `web[0:1]`, `web[-1]`),
 * union (`a:b`, `a,b`), intersection (`a:&b`) and exclusion (`a:!b`).
 * Regular parts are applied first in order, then `&` parts, then `!` parts;
 * hosts come out in pattern order, then inventory order.
 */
import { readFileSync } from 'node:fs';
import { ExitCode, HapbError } from '../errors/index.js';
import { closest } from '../yaml/validate.js';
import { hostsOfGroup } from './graph.js';
import type { Inventory } from './types.js';

/**
 * Why a pattern is not a valid host pattern, or undefined when it is. Stricter
 * than Ansible (which drops what it cannot parse and may end up with `all`):
 * an empty or blank pattern, an empty part (`a:&`, `!`), an unbalanced
 * bracket (`[`, `web[0`, `~[`), a `~` without a regex or with one that does
 * not compile, and a bad subscript are all refused.
 */
export function patternProblem(pattern: string | readonly string[]): string | undefined {
  if (typeof pattern !== 'string') {
    if (pattern.length === 0) return 'the list of patterns is empty';
    for (const p of pattern) {
      if (typeof p !== 'string') return `${JSON.stringify(p)} is not a pattern (a string)`;
      const why = patternProblem(p);
      if (why) return why;
    }
    return undefined;
  }
  const p = pattern.trim();
  if (p === '') return pattern === '' ? 'the pattern is empty' : 'the pattern is blank';
  if ([...p].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return 'the pattern contains a control character';
  const pieces = p.includes(',') ? p.split(',').map((s) => s.trim()).filter((s) => s !== '') : isSingleAddress(p) ? [p] : colonParts(p);
  if (typeof pieces === 'string') return pieces;
  if (pieces.length === 0) return 'the pattern names no host or group';
  for (const piece of pieces) {
    // inside a comma-separated part, whitespace separates parts as in Ansible
    for (const part of piece.split(/\s+/).filter((s) => s !== '')) {
      const why = partProblem(part);
      if (why) return why;
    }
  }
  return undefined;
}

/** Parts of a ':'-separated pattern; a string when the brackets do not balance. */
function colonParts(p: string): string[] | string {
  const parts: string[] = [];
  let cur = '';
  let depth = 0;
  for (const c of p) {
    if (c === '[') {
      if (depth > 0) return `'[' inside [...] in '${p}'`;
      depth++;
    } else if (c === ']') {
      if (depth === 0) return `']' without '[' in '${p}'`;
      depth--;
    } else if (c === ':' && depth === 0) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  if (depth > 0) return `'[' without ']' in '${p}'`;
  parts.push(cur);
  const kept = parts.map((s) => s.trim());
  if (kept.every((s) => s === '')) return [];
  if (kept.some((s) => s === '')) return `empty part between ':' in '${p}'`;
  return kept.filter((s) => s !== '');
}

function partProblem(part: string): string | undefined {
  const expr = stripOp(part);
  if (expr === '') return `'${part}' names no host or group`;
  if (expr[0] === '&' || expr[0] === '!') return `'${part}' has more than one & or !`;
  if (expr[0] === '~') {
    if (expr.length === 1) return `'${part}' has no regular expression after ~`;
    try {
      new RegExp(expr.slice(1));
    } catch (err) {
      return `'${part}' is not a valid regular expression (${err instanceof Error ? err.message : String(err)})`;
    }
    return undefined;
  }
  let depth = 0;
  for (const c of expr) {
    if (c === '[') depth++;
    else if (c === ']') depth--;
    if (depth < 0 || depth > 1) return `'${part}' has unbalanced [ ]`;
  }
  if (depth !== 0) return `'${part}' has unbalanced [ ]`;
  const sub = /^(.*)\[([^\]]*)\]$/.exec(expr);
  if (sub && /^[-\d:]+$/.test(sub[2] ?? '') && !SUBSCRIPT.test(expr)) return `'${part}' has a bad subscript (use [N], [-N], [N:M] or [N:])`;
  return undefined;
}

/** Throw an input error (exit 4) naming the pattern when it is not valid (see patternProblem). */
export function checkPattern(pattern: string | readonly string[], what = 'host pattern'): void {
  const why = patternProblem(pattern);
  if (why) {
    throw new HapbError(`invalid ${what} ${JSON.stringify(pattern)}: ${why}`, {
      exitCode: ExitCode.invalidInput,
      hint: "a pattern names hosts or groups: 'web', 'web*', 'directors:!master', 'web[0]', '~web\\d+'",
    });
  }
}

/** Split a pattern into parts: on commas if there are any, else on ':' outside [..]. */
export function splitPattern(pattern: string | readonly string[]): string[] {
  if (typeof pattern !== 'string') return pattern.flatMap((p) => splitPattern(p));
  const p = pattern.trim();
  let parts: string[];
  if (p.includes(',')) parts = p.split(',');
  else if (isSingleAddress(p)) parts = [p];
  else parts = p.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((s) => s.trim()).filter((s) => s !== '');
}

/** IPv6 addresses and `host:port` are one pattern, not a ':' list (as Ansible's parse_address). */
function isSingleAddress(p: string): boolean {
  if (/^\[[^\]]+\](:\d+)?$/.test(p) && p.includes(':')) return true;
  if (/^[0-9a-fA-F]*:[0-9a-fA-F]*:[0-9a-fA-F:.]*$/.test(p)) return true;
  return /^[^\s:[\]!&~*?]+:\d+$/.test(p);
}

/** Ansible's order: regular parts, then intersections, then exclusions; `all` when no regular part. */
function orderParts(parts: string[]): string[] {
  const regular = parts.filter((p) => p[0] !== '!' && p[0] !== '&');
  const and = parts.filter((p) => p[0] === '&');
  const not = parts.filter((p) => p[0] === '!');
  return [...(regular.length > 0 ? regular : ['all']), ...and, ...not];
}

/** The host names a pattern selects, without repeats; [] when it selects nothing. */
export function selectHosts(inv: Inventory, pattern: string | readonly string[]): string[] {
  checkPattern(pattern);
  let hosts: string[] = [];
  for (const part of orderParts(splitPattern(pattern))) {
    if (inv.hosts.has(part)) {
      if (!hosts.includes(part)) hosts.push(part);
      continue;
    }
    const matched = matchPart(inv, part);
    if (part[0] === '!') {
      const drop = new Set(matched);
      hosts = hosts.filter((h) => !drop.has(h));
    } else if (part[0] === '&') {
      const keep = new Set(matched);
      hosts = hosts.filter((h) => keep.has(h));
    } else {
      const have = new Set(hosts);
      for (const h of matched) {
        if (!have.has(h)) {
          have.add(h);
          hosts.push(h);
        }
      }
    }
  }
  return hosts;
}

/**
 * `--limit`: keep the hosts of `hosts` that `limit` selects. As in Ansible, a
 * part `@FILE` stands for the host names listed in FILE, one per line (a retry file).
 */
export function applyLimit(inv: Inventory, hosts: readonly string[], limit: string | undefined): string[] {
  if (limit === undefined || limit.trim() === '') return [...hosts];
  const parts = splitPattern(limit).flatMap((p) => (p.startsWith('@') ? limitFile(p.slice(1)) : [p]));
  const allowed = new Set(selectHosts(inv, parts));
  return hosts.filter((h) => allowed.has(h));
}

/**
 * The hosts of the inventory `--limit` keeps (`@FILE` parts read from FILE).
 * As in Ansible, a limit that leaves no host of the inventory is an error
 * (exit 1, Ansible's AnsibleError: "Specified inventory, host pattern and/or
 * --limit leaves us with no hosts to target"), and a malformed pattern too
 * (exit 4).
 */
export function limitHosts(inv: Inventory, limit: string): Set<string> {
  checkPattern(limit, '--limit pattern');
  const parts = splitPattern(limit).flatMap((p) => (p.startsWith('@') ? limitFile(p.slice(1)) : [p]));
  if (parts.length === 0) {
    throw new HapbError(`--limit ${JSON.stringify(limit)} names no host`, { exitCode: ExitCode.error, hint: 'the limit file is empty' });
  }
  checkPattern(parts, '--limit pattern');
  const hosts = new Set(selectHosts(inv, parts));
  if (hosts.size === 0) {
    const unmatched = unmatchedParts(inv, parts);
    const guess = unmatched.find((u) => u.suggestion);
    throw new HapbError(`--limit ${JSON.stringify(limit)} leaves no host of the inventory to target`, {
      exitCode: ExitCode.error,
      hint: guess?.suggestion
        ? `did you mean '${guess.suggestion}' instead of '${guess.part}'?`
        : unmatched.length > 0
          ? `no host or group matches ${unmatched.map((u) => `'${u.part}'`).join(', ')}; see hapb inventory --graph`
          : 'see hapb inventory --graph',
    });
  }
  return hosts;
}

function limitFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new HapbError(`cannot read limit file ${path} (${code})`, {
      exitCode: ExitCode.error,
      hint: '--limit @FILE reads host names from FILE, one per line',
    });
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

export interface UnmatchedPart {
  /** the part as written, with its & or ! */
  part: string;
  /** a group or host name it may be a typo of */
  suggestion?: string;
}

/**
 * Parts of a pattern that match no group and no host (Ansible warns "Could not
 * match supplied host pattern"), with a did-you-mean when a name is close.
 */
export function unmatchedParts(inv: Inventory, pattern: string | readonly string[]): UnmatchedPart[] {
  const out: UnmatchedPart[] = [];
  for (const part of splitPattern(pattern)) {
    const expr = splitSubscript(stripOp(part)).expr;
    if (expr === 'all' || inv.hosts.has(part) || inv.hosts.has(expr)) continue;
    if (matchingGroups(inv, expr).length > 0 || matchingHosts(inv, expr).length > 0) continue;
    const suggestion = closest(expr, [...inv.groups.keys(), ...inv.hosts.keys()]);
    out.push(suggestion ? { part, suggestion } : { part });
  }
  return out;
}

/** Whether one part of a pattern matched nothing (see unmatchedParts). */
export function partMatchesNothing(inv: Inventory, part: string): boolean {
  return unmatchedParts(inv, part).length > 0;
}

function stripOp(part: string): string {
  return part[0] === '&' || part[0] === '!' ? part.slice(1) : part;
}

const SUBSCRIPT = /^(.+)\[(?:(-?\d+)|(\d+)([:-])(\d*))\]$/;

interface Subscripted {
  expr: string;
  index?: number;
  range?: { start: number; end: number | undefined };
}

function splitSubscript(pattern: string): Subscripted {
  if (pattern[0] === '~') return { expr: pattern };
  const m = SUBSCRIPT.exec(pattern);
  if (!m || m[1] === undefined) return { expr: pattern };
  if (m[2] !== undefined) return { expr: m[1], index: Number(m[2]) };
  return { expr: m[1], range: { start: Number(m[3]), end: m[5] ? Number(m[5]) : undefined } };
}

function matchPart(inv: Inventory, part: string): string[] {
  const sub = splitSubscript(stripOp(part));
  const hosts = enumerate(inv, sub.expr);
  if (hosts.length === 0) return hosts;
  if (sub.index !== undefined) {
    const i = sub.index < 0 ? hosts.length + sub.index : sub.index;
    const h = hosts[i];
    if (h === undefined) {
      throw new HapbError(`no host matched the subscripted pattern '${part}'`, {
        exitCode: ExitCode.invalidInput,
        hint: `'${sub.expr}' has ${hosts.length} host(s), numbered from 0`,
      });
    }
    return [h];
  }
  if (sub.range) {
    const end = sub.range.end === undefined ? hosts.length - 1 : sub.range.end;
    return hosts.slice(sub.range.start, end + 1);
  }
  return hosts;
}

/** Hosts of the groups the expression names, and hosts it names directly (Ansible's _enumerate_matches). */
function enumerate(inv: Inventory, expr: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (h: string): void => {
    if (!seen.has(h)) {
      seen.add(h);
      out.push(h);
    }
  };
  const groups = matchingGroups(inv, expr);
  for (const g of groups) hostsOfGroup(inv, g).forEach(add);
  if (groups.length === 0 || expr[0] === '~' || /[.?*[]/.test(expr)) matchingHosts(inv, expr).forEach(add);
  return out;
}

function matchingGroups(inv: Inventory, expr: string): string[] {
  const re = compile(expr);
  return [...inv.groups.keys()].filter((g) => re.test(g));
}

function matchingHosts(inv: Inventory, expr: string): string[] {
  const re = compile(expr);
  return [...inv.hosts.keys()].filter((h) => re.test(h));
}

const compiled = new Map<string, RegExp>();

/** `~regex` (matched at the start, as Python's re.match) or a shell glob (whole name). */
function compile(expr: string): RegExp {
  let re = compiled.get(expr);
  if (re) return re;
  try {
    re = expr[0] === '~' ? new RegExp('^(?:' + expr.slice(1) + ')') : new RegExp('^' + globToRegex(expr) + '$', 's');
  } catch {
    throw new HapbError(`invalid host pattern '${expr}'`, {
      exitCode: ExitCode.invalidInput,
      hint: expr[0] === '~' ? 'after ~ comes a regular expression' : 'check the [...] in the pattern',
    });
  }
  if (compiled.size > 1000) compiled.clear();
  compiled.set(expr, re);
  return re;
}

/** Python's fnmatch.translate: * ? [seq] [!seq]; everything else literal. */
export function globToRegex(glob: string): string {
  let out = '';
  let i = 0;
  while (i < glob.length) {
    const c = glob[i] ?? '';
    i++;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      let j = i;
      if (glob[j] === '!') j++;
      if (glob[j] === ']') j++;
      while (j < glob.length && glob[j] !== ']') j++;
      if (j >= glob.length) {
        out += '\\[';
      } else {
        let body = glob.slice(i, j);
        i = j + 1;
        const negate = body.startsWith('!');
        if (negate) body = body.slice(1);
        body = body.replace(/\\/g, '\\\\').replace(/\[/g, '\\[').replace(/\]/g, '\\]');
        out += negate ? `[^${body}]` : body === '' ? '(?!)' : `[${body}]`;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}
