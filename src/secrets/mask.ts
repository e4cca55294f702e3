/**
 * Secret masking: every value of a secret-looking variable is replaced by
 * `********` wherever it appears in output (task results, --diff, logs, JSON).
 */
import type { Vars } from '../core/types.js';
import { vaultValues } from '../vault/index.js';
import { isSecretName } from './names.js';

export const MASK = '********';

/**
 * The secret values in `vars`: values of variables whose names look secret,
 * at any depth (`keepalived: { auth_pass: x }`, hostvars), every string
 * under such a name. `resolve` may template a value first (a secret given as
 * `"{{ vault_pass }}"`). Empty strings and booleans are never secrets.
 * Every value decrypted from Ansible Vault in this run is a secret too,
 * whatever its name.
 */
export function collectSecrets(vars: Vars, resolve?: (value: unknown) => unknown): string[] {
  const found = new Set<string>();
  const seen = new WeakSet<object>();

  const addAll = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value !== '') found.add(value);
    } else if (typeof value === 'number' || typeof value === 'bigint') {
      found.add(String(value));
    } else if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return;
      seen.add(value);
      for (const v of Object.values(value)) addAll(v);
    }
  };

  const walk = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    for (const [k, v] of Object.entries(value)) {
      if (isSecretName(k)) {
        addAll(v);
        if (resolve && typeof v === 'string' && v.includes('{{')) {
          try {
            addAll(resolve(v));
          } catch {
            // an unresolvable secret still has its raw text masked
          }
        }
      } else walk(v);
    }
  };

  walk(vars);
  for (const v of vaultValues()) found.add(v);
  return [...found];
}

/** The forms a secret may take in output: itself, JSON-escaped, and each line of a multi-line secret. */
function forms(secret: string): string[] {
  const out = [secret];
  const json = JSON.stringify(secret).slice(1, -1);
  if (json !== secret) out.push(json);
  if (secret.includes('\n')) {
    for (const line of secret.split(/\r?\n/)) if (line.trim().length >= 4) out.push(line);
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const matchers = new Map<string, RegExp | undefined>();

function matcher(secrets: readonly string[]): RegExp | undefined {
  const key = secrets.join('\0');
  if (matchers.has(key)) return matchers.get(key);
  const all = [...new Set(secrets.filter((s) => s !== '').flatMap(forms))].sort((a, b) => b.length - a.length);
  const re = all.length ? new RegExp(all.map(escapeRegExp).join('|'), 'g') : undefined;
  if (matchers.size > 100) matchers.clear();
  matchers.set(key, re);
  return re;
}

/** Replace every occurrence of every secret (longest first, in one pass) by `********`. */
export function maskText(text: string, secrets: readonly string[]): string {
  const re = matcher(secrets);
  return re ? text.replace(re, MASK) : text;
}

/**
 * Mask a result, diff or event deeply: strings are masked, values under
 * secret-looking keys are replaced whole, numbers equal to a secret too.
 * Returns a copy; the input is not changed.
 */
export function maskDeep<T>(value: T, secrets: readonly string[]): T {
  const set = new Set(secrets);
  const walk = (v: unknown, secretKey: boolean): unknown => {
    if (typeof v === 'string') return secretKey && v !== '' ? MASK : maskText(v, secrets);
    if (typeof v === 'number' || typeof v === 'bigint') return secretKey || set.has(String(v)) ? MASK : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, secretKey));
    if (typeof v === 'object' && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[maskText(k, secrets)] = walk(x, secretKey || isSecretName(k));
      return out;
    }
    return v;
  };
  return walk(value, false) as T;
}
