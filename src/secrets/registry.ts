/**
 * The secrets of one run, from every source, and the masking of everything
 * hapb prints with them. Sources:
 * - every variable whose name looks secret (names.ts), from the inventory,
 *   play vars and vars_files, role defaults, vars and parameters, task vars,
 *   set_fact and registered results, -e; templated values resolved per host;
 * - every value read from a secret file (a vars file, group_vars/host_vars
 *   file or -e @file whose name says vault, secret, password, credential or
 *   token);
 * - the result of a task with `no_log: true` (its output is replaced by
 *   Ansible's "the output has been hidden..." text, and its values are masked
 *   wherever they appear later).
 * Diffs also mask the value after a secret-looking key on each line, old and
 * new side, so a secret that is no longer a variable (the old password in a
 * config file) is not shown either.
 */
import { basename, dirname } from 'node:path';
import type { FileDiff, TaskResult, Vars } from '../core/types.js';
import { createTemplater, type Templater } from '../template/index.js';
import { collectSecrets, maskDeep, maskText, MASK } from './mask.js';
import { isSecretName } from './names.js';

/** Ansible's text for a `no_log: true` result. */
export const NO_LOG_MESSAGE = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

/** A vars file whose name (or its folder's: group_vars/all/vault/db.yml) says it holds secrets. */
export function isSecretFile(path: string): boolean {
  const re = /vault|secret|passw|credential|token/i;
  return re.test(basename(path)) || re.test(basename(dirname(path)));
}

/** Shorter leaves of a result are not taken as secrets (they would mask every "ok" or "0"). */
const MIN_RESULT_SECRET = 4;

export class SecretRegistry {
  private readonly values = new Set<string>();
  private cached: string[] | undefined;
  private templater: Templater | undefined;

  /** one secret value (strings; numbers as their text) */
  add(value: unknown, minLength = 1): void {
    if (typeof value === 'number' || typeof value === 'bigint') value = String(value);
    if (typeof value !== 'string' || value.length < minLength || value.trim() === '') return;
    // a number of 1 to 3 digits would mask every count, port and exit code
    if (/^\d{1,3}$/.test(value)) return;
    if (this.values.has(value)) return;
    this.values.add(value);
    this.cached = undefined;
  }

  /** the values of secret-named variables in `vars` (any depth); `resolve` templates a value first */
  addFromVars(vars: Vars, resolve?: (value: unknown) => unknown): void {
    for (const s of collectSecrets(vars, resolve)) this.add(s);
  }

  /** every string and number leaf of `value` (a secret file, a no_log result) */
  addLeaves(value: unknown, minLength = 1): void {
    const seen = new WeakSet<object>();
    const walk = (v: unknown): void => {
      if (typeof v === 'string' || typeof v === 'number') this.add(v, typeof v === 'number' ? Math.max(minLength, 4) : minLength);
      else if (v && typeof v === 'object' && !seen.has(v)) {
        seen.add(v);
        for (const x of Object.values(v)) walk(x);
      }
    };
    walk(value);
  }

  list(): string[] {
    this.cached ??= [...this.values];
    return this.cached;
  }

  get size(): number {
    return this.values.size;
  }

  mask(text: string): string {
    return this.values.size ? maskText(text, this.list()) : text;
  }

  /**
   * A task result as it may be shown: values of `vars` (the host's variables,
   * set_fact and registered results included) are learnt first; a no_log
   * result is learnt whole and replaced by Ansible's text; diffs are masked
   * by key on both sides.
   */
  forOutput(result: TaskResult, vars: Vars | readonly (Vars | undefined)[], noLog: boolean | undefined): TaskResult {
    this.templater ??= createTemplater();
    const t = this.templater;
    // layers, lowest first (role defaults ... the host's variables): merged as the task sees them
    const merged: Vars = Array.isArray(vars) ? Object.assign({}, ...(vars as (Vars | undefined)[]).filter((v): v is Vars => v !== undefined)) : (vars as Vars);
    const own = ownVars(merged);
    this.addFromVars(withoutResultStatus(own), (v) => t.templateValue(v, own));
    if (noLog) {
      this.addLeaves(stripStatus(result as Record<string, unknown>), MIN_RESULT_SECRET);
      return { changed: result.changed, failed: result.failed, skipped: result.skipped, unreachable: result.unreachable, msg: NO_LOG_MESSAGE } as TaskResult;
    }
    // diffs by key first (old and new side still raw, so a changed value is told), then every known secret
    const byKey: TaskResult = { ...result };
    if (byKey.diff) byKey.diff = byKey.diff.map(maskDiffByKey);
    if (byKey.results) byKey.results = byKey.results.map((r) => (r.diff ? { ...r, diff: r.diff.map(maskDiffByKey) } : r));
    return maskDeep(byKey, this.list());
  }
}

const STATUS_KEYS = new Set(['changed', 'failed', 'skipped', 'unreachable', 'ignored', 'rc', 'start', 'end', 'delta', 'ansible_loop_var', 'skip_reason', 'false_condition']);
/**
 * Where a file module put a file and how: a no_log copy of a private key
 * hides its content, not its path (else every later mention of
 * /etc/nginx/tls/... would read ********).
 */
const FILE_KEYS = new Set(['dest', 'path', 'owner', 'group', 'mode', 'state', 'uid', 'gid', 'size', 'checksum', 'md5sum', 'backup_file']);

function isResult(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>).changed === 'boolean' && typeof (v as Record<string, unknown>).failed === 'boolean';
}

/** A result without its status and timing fields (they are not secrets, even under a secret name). */
function stripStatus(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (STATUS_KEYS.has(k) || FILE_KEYS.has(k)) continue;
    if (k === 'invocation' && v !== null && typeof v === 'object') {
      // the arguments as given: the content is learnt, where the file went and how is not
      const args = (v as { module_args?: unknown }).module_args;
      if (args !== null && typeof args === 'object') {
        out[k] = { module_args: Object.fromEntries(Object.entries(args).filter(([a]) => !FILE_KEYS.has(a) && a !== 'src')) };
        continue;
      }
    }
    out[k] = k === 'results' && Array.isArray(v) ? v.map((x) => (isResult(x) ? stripStatus(x) : x)) : v;
  }
  return out;
}

/** magic variables that reach other hosts (hostvars: every host's variables) or hold no secret */
const NOT_OWN = new Set(['hostvars', 'groups', 'group_names', 'ansible_play_hosts', 'ansible_play_hosts_all', 'ansible_play_batch', 'omit']);

/**
 * A host's own variables: other hosts' secrets are learnt from the inventory
 * when loading and from their own results, so walking hostvars (every host,
 * for every result) is not needed, and would make each result cost O(hosts).
 */
function ownVars(vars: Vars): Vars {
  const out: Vars = {};
  for (const [k, v] of Object.entries(vars)) if (!NOT_OWN.has(k)) out[k] = v;
  return out;
}

/** Registered results among `vars` with their status fields left out. */
function withoutResultStatus(vars: Vars): Vars {
  let out: Vars | undefined;
  for (const [k, v] of Object.entries(vars)) {
    if (isResult(v)) {
      out ??= { ...vars };
      out[k] = stripStatus(v);
    }
  }
  return out ?? vars;
}

/** `auth_pass OLD`, `password = x`, `"api_token": "y"`, `DB_PASSWORD=z`: the value after a secret-looking key. */
const KEY_VALUE = /(["']?)([A-Za-z_][\w.-]*)\1(\s*[:=]\s*|\s+)(["']?)([^\s"',;]+)/g;

/**
 * Mask, on every line, the value that follows a secret-looking key. With
 * `previous` (the values of the old side, by key), a value that differs from
 * the old one reads `******** (changed)`, so a diff still shows that it changed.
 */
export function maskLinesByKey(text: string, previous?: Map<string, string>, seen?: Map<string, string>): string {
  return text.replace(KEY_VALUE, (all, q1: string, key: string, sep: string, q2: string, value: string) => {
    const name = key.split('.').pop() ?? key;
    if (!isSecretName(name) || value === MASK) return all;
    seen?.set(key, value);
    const changed = previous?.has(key) === true && previous.get(key) !== value;
    return `${q1}${key}${q1}${sep}${q2}${MASK}${changed ? ' (changed)' : ''}`;
  });
}

export function maskDiffByKey(d: FileDiff): FileDiff {
  if (d.omitted) return d;
  const old = new Map<string, string>();
  const before = maskLinesByKey(d.before, undefined, old);
  return { ...d, before, after: maskLinesByKey(d.after, old) };
}

/** The secrets of this process's run: the CLI fills it and masks stdout and stderr with it. */
export const runSecrets = new SecretRegistry();
