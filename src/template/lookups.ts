/**
 * Ansible's lookup plugins, run on the controller: `lookup(name, *terms,
 * **options)`, `query(...)`/`q(...)` (always a list), with `wantlist` and
 * `errors=strict|warn|ignore`. Plugins: file, template, env, pipe, password,
 * vars, first_found (also as ansible.builtin.NAME). Files are searched like
 * Ansible: the role's folder, then the playbook's, each with the plugin's
 * subfolder (files/, templates/) first.
 */
import { execSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import type { Vars } from '../core/types.js';
import { splitArgs } from './args.js';
import { PyRandom } from './py-random.js';
import { isPlainObject, isTruthy, pyStr } from './python.js';
import { SALT_CHARS, shaCrypt } from './sha-crypt.js';

export interface LookupHost {
  /** the variables of the template being rendered */
  vars: () => Vars;
  /** template a value with those variables */
  template: (value: unknown) => unknown;
  /** render a template file with `vars` */
  renderFile: (path: string, vars: Vars) => string;
  /**
   * may a lookup run a command or write a file on the controller (pipe, a
   * password lookup that creates its file)? Only `hapb run`'s own templater:
   * never the preflight, `render`, `--syntax-check` or the input checks.
   */
  sideEffects: boolean;
}

type Options = Record<string, unknown>;
type Plugin = (terms: unknown[], opts: Options, host: LookupHost) => unknown[];

/** A lookup's own failure (Ansible's AnsibleLookupError): what errors=warn/ignore act on. */
export class LookupError extends Error {}

/**
 * A lookup whose value only a real run may produce (it runs a command or
 * writes a file), asked for where nothing may change. Like a fact, its value
 * is known only at run time: the templater reports it with
 * `undefinedName` `lookup(NAME)`, which the preflight does not hold against a
 * template.
 */
export class RunTimeOnlyLookup extends Error {
  constructor(readonly plugin: string) {
    super(`lookup('${plugin}') runs only when hapb runs the play (it changes or runs something on the controller)`);
    this.name = 'RunTimeOnlyLookup';
  }
  get undefinedName(): string {
    return `lookup(${this.plugin})`;
  }
}

/**
 * A lookup that failed (errors=strict, or no such plugin). Ansible fails the
 * task at run time and never refuses the playbook for it (the file may come
 * from an earlier task), so the preflight lets it pass, marked by
 * `undefinedName` `lookup-failed(NAME)`, and the run fails the task.
 */
export class LookupFailed extends Error {
  constructor(
    readonly plugin: string,
    readonly detail: string,
    message = `lookup('${plugin}'): ${detail}`,
  ) {
    super(message);
    this.name = 'LookupFailed';
  }
  get undefinedName(): string {
    return `lookup-failed(${this.plugin})`;
  }
}

/** Folders searched for a lookup's files, in order. */
function searchDirs(vars: Vars): string[] {
  const given = vars.ansible_search_path;
  if (Array.isArray(given) && given.length) return given.map(String);
  const dirs = [vars.role_path, vars.playbook_dir].filter((d): d is string => typeof d === 'string' && d !== '');
  return dirs.length ? dirs : [process.cwd()];
}

/** The first `dir/subdir/name` or `dir/name` that exists (an absolute name as is). */
export function findInSearchPath(vars: Vars, subdir: string, name: string): string | undefined {
  if (isAbsolute(name)) return existsSync(name) ? name : undefined;
  for (const dir of searchDirs(vars)) {
    for (const p of [join(dir, subdir, name), join(dir, name)]) {
      if (existsSync(p) && statSync(p).isFile()) return p;
    }
  }
  return undefined;
}

function baseDir(vars: Vars): string {
  return typeof vars.playbook_dir === 'string' && vars.playbook_dir ? vars.playbook_dir : process.cwd();
}

function opt(opts: Options, name: string, dflt: unknown): unknown {
  return Object.hasOwn(opts, name) ? opts[name] : dflt;
}

const fileLookup: Plugin = (terms, opts, host) => {
  const vars = host.vars();
  return terms.map((term) => {
    const path = findInSearchPath(vars, 'files', pyStr(term));
    if (!path) throw new LookupError(`could not locate file in lookup: ${pyStr(term)}`);
    let text = readFileSync(path, 'utf8');
    if (isTruthy(opt(opts, 'lstrip', false))) text = text.trimStart();
    if (isTruthy(opt(opts, 'rstrip', true))) text = text.trimEnd();
    return text;
  });
};

const templateLookup: Plugin = (terms, opts, host) => {
  const vars = host.vars();
  const extra = opt(opts, 'template_vars', {});
  return terms.map((term) => {
    const path = findInSearchPath(vars, 'templates', pyStr(term));
    if (!path) throw new LookupError(`the template file ${pyStr(term)} could not be found for the lookup`);
    return host.renderFile(path, { ...vars, ...(isPlainObject(extra) ? extra : {}) });
  });
};

const envLookup: Plugin = (terms, opts) => {
  const dflt = opt(opts, 'default', '');
  return terms.map((term) => {
    const name = pyStr(term).trim().split(/\s+/)[0] ?? '';
    return process.env[name] ?? dflt;
  });
};

const pipeLookup: Plugin = (terms, _opts, host) => {
  if (!host.sideEffects) throw new RunTimeOnlyLookup('pipe');
  const cwd = baseDir(host.vars());
  return terms.map((term) => {
    const cmd = pyStr(term);
    try {
      return execSync(cmd, { cwd, shell: '/bin/sh', stdio: ['pipe', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20 }).trimEnd();
    } catch (err) {
      const status = (err as { status?: number }).status;
      throw new LookupError(`lookup_plugin.pipe(${cmd}) returned ${String(status ?? 'an error')}`);
    }
  });
};

const varsLookup: Plugin = (terms, opts, host) => {
  const vars = host.vars();
  return terms.map((term) => {
    if (typeof term !== 'string') throw new LookupError(`Invalid setting identifier, "${pyStr(term)}" is not a string`);
    let value = Object.hasOwn(vars, term) ? vars[term] : undefined;
    if (value === undefined) {
      const hv = (vars.hostvars as Record<string, Vars> | undefined)?.[String(vars.inventory_hostname)];
      value = hv?.[term];
    }
    if (value === undefined) {
      if (opts.default !== undefined && opts.default !== null) return opts.default;
      throw new LookupError(`No variable found with this name: ${term}`);
    }
    return host.template(value);
  });
};

function splitOn(value: unknown, seps: RegExp): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.flatMap((x) => pyStr(x).split(seps)).map((s) => s.trim()).filter((s) => s !== '');
}

const firstFoundLookup: Plugin = (terms, opts, host) => {
  let skip = false;
  const collect = (list: unknown[]): string[] => {
    let total: string[] = [];
    for (const term of list) {
      let o: Options;
      if (isPlainObject(term)) o = term;
      else if (typeof term === 'string') o = opts;
      else if (Array.isArray(term)) {
        total.push(...collect(term));
        continue;
      } else throw new LookupError(`Invalid term supplied, can handle string, mapping or list of strings but got: ${pyStr(term)}`);
      const files = splitOn(o.files, /[,;]/);
      const paths = splitOn(o.paths, /[,:;]/);
      skip = isTruthy(o.skip ?? false);
      if (paths.length) for (const p of paths) for (const f of files) total.push(join(p, f));
      else if (files.length) total = files;
      else total.push(String(term));
    }
    return total;
  };
  const candidates = collect(terms);
  const vars = host.vars();
  for (const c of candidates) {
    let name: unknown;
    try {
      name = host.template(c);
    } catch {
      continue; // an undefined variable in a candidate skips it, as in Ansible
    }
    const path = findInSearchPath(vars, 'files', pyStr(name));
    if (path) return [resolve(path)];
  }
  if (skip) return [];
  throw new LookupError('No file was found when using first_found.');
};

const STRING_MODULE: Record<string, string> = {
  ascii_letters: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
  ascii_lowercase: 'abcdefghijklmnopqrstuvwxyz',
  ascii_uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  hexdigits: '0123456789abcdefABCDEF',
  octdigits: '01234567',
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  whitespace: ' \t\n\r\x0b\x0c',
};
STRING_MODULE.printable = `${STRING_MODULE.digits}${STRING_MODULE.ascii_letters}${STRING_MODULE.punctuation}${STRING_MODULE.whitespace}`;

/** The candidate characters of `chars` (names of Python's string module or literal characters), quotes removed. */
export function candidateChars(specs: unknown): string {
  let list: string[];
  if (typeof specs === 'string') {
    list = specs.includes(',,') ? [','] : [];
    list.push(...specs.replace(/,,/g, ',').split(',').filter((c) => c !== ''));
  } else list = (Array.isArray(specs) ? specs : [specs]).map(pyStr);
  return list.map((c) => STRING_MODULE[c] ?? c).join('').replace(/["']/g, '');
}

/** Ansible's random_password: `length` characters of `chars`, from Python's seeded generator when `seed` is given. */
export function randomPassword(length: number, chars: string, seed?: string): string {
  if (!chars.length) throw new LookupError('no characters to make a password from');
  const rng = seed === undefined ? undefined : new PyRandom(seed);
  let out = '';
  for (let i = 0; i < length; i++) out += rng ? (rng.choice(chars) as string) : chars[randomInt(chars.length)];
  return out;
}

/** `path key=value ...` of a password lookup term */
function parsePasswordTerm(term: string): { path: string; params: Options } {
  const sp = term.indexOf(' ');
  if (sp < 0) return { path: term, params: {} };
  const params: Options = {};
  const rest = term.slice(sp + 1);
  const re = /(\w+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S+)/g;
  let consumed = '';
  for (const m of rest.matchAll(re)) {
    let v = m[2] ?? '';
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    params[m[1] ?? ''] = v;
    consumed += m[0];
  }
  if (consumed.replace(/\s/g, '') !== rest.replace(/\s/g, '')) throw new LookupError('Unrecognized value after key=value parameters given to password lookup');
  const bad = Object.keys(params).filter((k) => !['length', 'encrypt', 'chars', 'ident', 'seed'].includes(k));
  if (bad.length) throw new LookupError(`Unrecognized parameter(s) given to password lookup: ${bad.join(', ')}`);
  return { path: term.slice(0, sp), params };
}

/** encrypt= schemes, hashed as passlib does (its default rounds, written in the result) */
const CRYPT_ALGOS: Record<string, { algo: 'sha256' | 'sha512'; saltSize: number; rounds: number }> = {
  sha512_crypt: { algo: 'sha512', saltSize: 16, rounds: 656000 },
  sha256_crypt: { algo: 'sha256', saltSize: 16, rounds: 535000 },
};

/** `password [salt=SALT]` as the password lookup stores them */
function parseStored(content: string): { password: string; salt: string | undefined } {
  const at = content.lastIndexOf(' salt=');
  if (at < 0) return { password: content, salt: undefined };
  let salt = content.slice(at + 6);
  const ident = salt.lastIndexOf(' ident=');
  if (ident >= 0) salt = salt.slice(0, ident);
  return { password: content.slice(0, at), salt };
}

const passwordLookup: Plugin = (terms, opts, host) => {
  const vars = host.vars();
  return terms.map((term) => {
    const { path: rel, params } = parsePasswordTerm(pyStr(term));
    const p = { ...opts, ...params };
    const length = Number(opt(p, 'length', 20));
    if (!Number.isInteger(length) || length < 0) throw new LookupError(`password lookup: length must be a whole number, got ${pyStr(p.length)}`);
    const chars = candidateChars(opt(p, 'chars', ['ascii_letters', 'digits', '.,:-_']));
    const seed = p.seed === undefined || p.seed === null ? undefined : pyStr(p.seed);
    const encrypt = p.encrypt === undefined || p.encrypt === null ? undefined : pyStr(p.encrypt);
    const path = resolve(baseDir(vars), rel);
    const devNull = path === '/dev/null';
    let password: string;
    let salt: string | undefined;
    let changed = false;
    if (devNull || !existsSync(path)) {
      if (!host.sideEffects && !devNull) throw new RunTimeOnlyLookup('password');
      password = randomPassword(length, chars, seed);
      changed = true;
    } else ({ password, salt } = parseStored(readFileSync(path, 'utf8').trimEnd()));
    const crypt = encrypt === undefined ? undefined : CRYPT_ALGOS[encrypt];
    if (encrypt !== undefined && !crypt) throw new LookupError(`password lookup: encrypt=${encrypt} is not supported (sha512_crypt, sha256_crypt)`);
    if (crypt && !salt) {
      if (!host.sideEffects && !devNull) throw new RunTimeOnlyLookup('password');
      salt = randomPassword(crypt.saltSize, SALT_CHARS);
      changed = true;
    }
    if (changed && !devNull) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, `${salt ? `${password} salt=${salt}` : password}\n`, { mode: 0o600 });
      chmodSync(path, 0o600);
    }
    return crypt && salt ? shaCrypt(crypt.algo, password, salt, crypt.rounds) : password;
  });
};

const PLUGINS: Record<string, Plugin> = {
  file: fileLookup,
  template: templateLookup,
  env: envLookup,
  pipe: pipeLookup,
  password: passwordLookup,
  vars: varsLookup,
  first_found: firstFoundLookup,
};

export const lookupNames = Object.keys(PLUGINS);

/** Run lookup `name` on `args` (positional terms and a trailing keyword object); `query` forces a list. */
export function runLookup(host: LookupHost, query: boolean, name: unknown, args: unknown[], warn: (m: string) => void): unknown {
  const plain = pyStr(name).replace(/^ansible\.builtin\./, '');
  const plugin = PLUGINS[plain];
  if (!plugin) {
    const msg = `lookup plugin (${pyStr(name)}) not found`;
    throw new LookupFailed(pyStr(name), msg, msg);
  }
  const { pos, kw } = splitArgs(args);
  const { wantlist, errors = 'strict', ...opts } = kw;
  const asList = query || isTruthy(wantlist ?? false);
  let ran: unknown[];
  try {
    ran = plugin(pos, opts, host);
  } catch (err) {
    if (err instanceof RunTimeOnlyLookup) throw err; // not a failure errors= may hide: the value comes at run time
    const msg = err instanceof LookupError ? err.message : `An unhandled exception occurred while running the lookup plugin '${plain}': ${(err as Error).message}`;
    if (errors === 'warn') warn(`Lookup failed but the error is being ignored: ${msg}`);
    else if (errors !== 'ignore') throw new LookupFailed(plain, msg);
    return asList ? [] : null;
  }
  if (asList || ran.length === 0) return ran;
  if (ran.every((x) => typeof x === 'string')) return ran.join(',');
  return ran.length === 1 ? ran[0] : ran;
}
