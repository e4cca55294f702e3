/**
 * The pieces of Ansible's default callback (ansible-core 2.14,
 * plugins/callback/default.py and plugins/callback/__init__.py) that hapb's
 * output shares with it: banners, the result JSON as Python's json.dumps
 * writes it, what is left out of a result on screen, diffs and the recap.
 */
import { structuredPatch } from 'diff';
import type { FileDiff, HostStats, Recap, TaskResult } from '../core/types.js';

/** Ansible's terminal width: max(79, columns - 1) on a terminal, 79 otherwise. */
export function bannerWidth(columns: number | undefined): number {
  return Math.max(79, (columns ?? 0) - 1);
}

/** `\nTITLE ****` as Display.banner: the stars fill the line, at least 3. */
export function banner(title: string, width = 79): string {
  const msg = title.trim();
  return `\n${msg} ${'*'.repeat(Math.max(3, width - msg.length))}\n`;
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortDeep(x);
    }
    return out;
  }
  return v;
}

/**
 * json.dumps(v, sort_keys=True, ensure_ascii=False, indent=indent): one line
 * with ", " and ": " separators, or indented with "," and ": ".
 */
export function pyJson(v: unknown, indent?: number): string {
  const sorted = sortDeep(v);
  if (indent) return JSON.stringify(sorted, null, indent) ?? 'null';
  const one = (x: unknown): string => {
    if (Array.isArray(x)) return `[${x.map((e) => (e === undefined ? 'null' : one(e))).join(', ')}]`;
    if (x !== null && typeof x === 'object') {
      return `{${Object.entries(x).map(([k, e]) => `${JSON.stringify(k)}: ${one(e)}`).join(', ')}}`;
    }
    return JSON.stringify(x) ?? 'null';
  };
  return one(sorted);
}

/** keys of hapb's TaskResult that are not Ansible's (kept for hapb's own uses) */
const HAPB_ONLY = ['ignored', 'plan'];

/**
 * The result as Ansible holds it after TaskResult.clean_copy: no `failed`,
 * `skipped` (the status says it), `unreachable` only when true, no `_ansible_*`
 * keys, none of hapb's own.
 */
export function ansibleResult(r: TaskResult): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (k === 'failed' || k === 'skipped' || HAPB_ONLY.includes(k) || k.startsWith('_ansible_')) continue;
    if (k === 'unreachable' && !v) continue;
    out[k] = v;
  }
  return out;
}

/** debug shows only its msg (or its var) with _clean_results; -v is always on for it (_ansible_verbose_always) */
export function isDebug(module: string | undefined): boolean {
  return module === 'debug';
}

/** CallbackBase._clean_results for debug: msg alone, or the var without the status keys */
function cleanDebug(res: Record<string, unknown>): Record<string, unknown> {
  if ('msg' in res) return { msg: res.msg };
  const out = { ...res };
  for (const k of ['changed', 'failed', 'skipped', 'invocation', 'skip_reason']) delete out[k];
  return out;
}

/** CallbackBase._dump_results: leave out invocation and diff below -vvv, indent 4 at -vvv or for debug */
export function dumpResult(r: TaskResult, opts: { verbosity: number; module?: string; forDisplay?: boolean }): string {
  let res = ansibleResult(r);
  delete res.results;
  if (opts.verbosity < 3) {
    delete res.invocation;
    delete res.diff;
  } else if (Array.isArray(res.diff)) res.diff = res.diff.map(ansibleDiff);
  const debug = isDebug(opts.module) && !r.failed && !r.skipped;
  if (debug) res = cleanDebug(res);
  return pyJson(res, debug || opts.verbosity > 2 ? 4 : undefined);
}

/** A FileDiff as Ansible's diff dict */
function ansibleDiff(d: FileDiff): Record<string, unknown> {
  return d.omitted ? { before_header: d.path, after_header: d.path, omitted: d.omitted } : { before: d.before, after: d.after, before_header: d.path, after_header: d.path };
}

/** difflib's _format_range_unified (jsdiff's start of an empty side is one past difflib's) */
function range(start: number, lines: number): string {
  if (lines === 1) return `${start}`;
  if (lines === 0) return `${Math.max(0, start - 1)},0`;
  return `${start},${lines}`;
}

/** CallbackBase._get_diff: difflib.unified_diff with 3 lines of context, a blank line after */
export function formatDiff(d: FileDiff): string {
  if (d.omitted) return `diff skipped: ${d.omitted}\n`;
  const patch = structuredPatch(`before: ${d.path}`, `after: ${d.path}`, d.before, d.after, undefined, undefined, { context: 3 });
  if (patch.hunks.length === 0) return '';
  const lines = [`--- before: ${d.path}`, `+++ after: ${d.path}`];
  for (const h of patch.hunks) {
    lines.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.lines);
  }
  return `${lines.join('\n')}\n\n`;
}

/** One PLAY RECAP line: `%-26s : ok=%-4s changed=%-4s ...` (hostcolor and colorize without colour) */
export function recapLine(host: string, s: HostStats): string {
  const col = (name: string, n: number): string => `${name}=${String(n).padEnd(4)}`;
  return `${host.padEnd(26)} : ${[
    col('ok', s.ok),
    col('changed', s.changed),
    col('unreachable', s.unreachable),
    col('failed', s.failed),
    col('skipped', s.skipped),
    col('rescued', s.rescued),
    col('ignored', s.ignored),
  ].join(' ')}`;
}

/** The recap lines, hosts sorted by name, then the blank line Ansible prints */
export function formatRecap(recap: Recap): string {
  return Object.keys(recap)
    .sort()
    .map((h) => `${recapLine(h, recap[h]!)}\n`)
    .join('')
    .concat('\n');
}

/** `(item=...)`: the loop_control label or the item, as Python's str() would print it */
export function itemLabel(r: TaskResult): string {
  const item = '_ansible_item_label' in r ? r._ansible_item_label : 'ansible_loop_label' in r ? r.ansible_loop_label : r.item;
  return pyStr(item);
}

/** str() of a Python value: strings bare, the rest as repr */
export function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}
