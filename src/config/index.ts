/**
 * ansible.cfg, read the way ansible-core 2.14 reads it, for the settings hapb
 * has a concept for. The first file found is used: $ANSIBLE_CONFIG (a file,
 * or a directory holding ansible.cfg), ./ansible.cfg (unless the directory is
 * world-writable), ~/.ansible.cfg, /etc/ansible/ansible.cfg. An ANSIBLE_*
 * environment variable overrides the file; command-line flags override both
 * (the CLI applies them). Relative paths in the file are relative to the
 * file's directory, in the environment to the current directory.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseBoolean } from '../core/bool.js';
import { SchemaError } from '../errors/index.js';
import { parseIni, type Ini } from './ini.js';

export interface AnsibleConfig {
  /** the ansible.cfg read, undefined when none was found */
  file: string | undefined;
  /** [defaults] roles_path / ANSIBLE_ROLES_PATH (':'-separated), absolute */
  rolesPath: string[];
  /** [defaults] inventory / ANSIBLE_INVENTORY (','-separated), absolute; undefined when not set */
  inventory: string[] | undefined;
  forks: number;
  timeout: number;
  remoteUser: string | undefined;
  privateKeyFile: string | undefined;
  hostKeyChecking: boolean;
  become: boolean;
  becomeUser: string;
  becomeMethod: string;
  becomeAskPass: boolean;
  /** [diff] always / ANSIBLE_DIFF_ALWAYS */
  diffAlways: boolean;
  gathering: string;
  vaultPasswordFile: string | undefined;
  /** [defaults] ansible_managed: the format of the ansible_managed template variable */
  ansibleManaged: string;
  /** where each setting came from: the file, `env: NAME`, or `default` */
  origins: Record<string, string>;
  warnings: string[];
}

type Kind = 'string' | 'integer' | 'boolean' | 'path' | 'pathspec' | 'pathlist';
interface Setting {
  key: keyof AnsibleConfig;
  section: string;
  ini: string;
  env?: string;
  kind: Kind;
  dflt: unknown;
}

/** The settings hapb uses, with Ansible's names, types and defaults (ansible/config/base.yml). */
const SETTINGS: readonly Setting[] = [
  { key: 'rolesPath', section: 'defaults', ini: 'roles_path', env: 'ANSIBLE_ROLES_PATH', kind: 'pathspec', dflt: '~/.ansible/roles:/usr/share/ansible/roles:/etc/ansible/roles' },
  { key: 'inventory', section: 'defaults', ini: 'inventory', env: 'ANSIBLE_INVENTORY', kind: 'pathlist', dflt: undefined },
  { key: 'forks', section: 'defaults', ini: 'forks', env: 'ANSIBLE_FORKS', kind: 'integer', dflt: 5 },
  { key: 'timeout', section: 'defaults', ini: 'timeout', env: 'ANSIBLE_TIMEOUT', kind: 'integer', dflt: 10 },
  { key: 'remoteUser', section: 'defaults', ini: 'remote_user', env: 'ANSIBLE_REMOTE_USER', kind: 'string', dflt: undefined },
  { key: 'privateKeyFile', section: 'defaults', ini: 'private_key_file', env: 'ANSIBLE_PRIVATE_KEY_FILE', kind: 'path', dflt: undefined },
  { key: 'hostKeyChecking', section: 'defaults', ini: 'host_key_checking', env: 'ANSIBLE_HOST_KEY_CHECKING', kind: 'boolean', dflt: true },
  { key: 'become', section: 'privilege_escalation', ini: 'become', env: 'ANSIBLE_BECOME', kind: 'boolean', dflt: false },
  { key: 'becomeUser', section: 'privilege_escalation', ini: 'become_user', env: 'ANSIBLE_BECOME_USER', kind: 'string', dflt: 'root' },
  { key: 'becomeMethod', section: 'privilege_escalation', ini: 'become_method', env: 'ANSIBLE_BECOME_METHOD', kind: 'string', dflt: 'sudo' },
  { key: 'becomeAskPass', section: 'privilege_escalation', ini: 'become_ask_pass', env: 'ANSIBLE_BECOME_ASK_PASS', kind: 'boolean', dflt: false },
  { key: 'diffAlways', section: 'diff', ini: 'always', env: 'ANSIBLE_DIFF_ALWAYS', kind: 'boolean', dflt: false },
  { key: 'gathering', section: 'defaults', ini: 'gathering', env: 'ANSIBLE_GATHERING', kind: 'string', dflt: 'implicit' },
  { key: 'vaultPasswordFile', section: 'defaults', ini: 'vault_password_file', env: 'ANSIBLE_VAULT_PASSWORD_FILE', kind: 'path', dflt: undefined },
  { key: 'ansibleManaged', section: 'defaults', ini: 'ansible_managed', kind: 'string', dflt: 'Ansible managed' },
];

export interface FindOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  home?: string;
}

const expandUser = (p: string, home: string): string => (p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p);

/** Ansible's search order; the first readable file wins. */
export function findConfigFile(opts: FindOptions = {}): { file: string | undefined; warnings: string[] } {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const home = opts.home ?? env.HOME ?? homedir();
  const warnings: string[] = [];
  const candidates: string[] = [];
  const fromEnv = env.ANSIBLE_CONFIG;
  if (fromEnv !== undefined) {
    const p = resolve(cwd, expandUser(fromEnv, home));
    candidates.push(isDir(p) ? join(p, 'ansible.cfg') : p);
  }
  const cwdCfg = join(cwd, 'ansible.cfg');
  let worldWritable = false;
  try {
    worldWritable = (statSync(cwd).mode & 0o002) !== 0;
  } catch {
    // an unreadable cwd is simply no source
  }
  if (!worldWritable) candidates.push(cwdCfg);
  candidates.push(join(home, '.ansible.cfg'), '/etc/ansible/ansible.cfg');
  const file = candidates.find(readable);
  if (worldWritable && existsSync(cwdCfg) && file !== cwdCfg) {
    warnings.push(`hapb is being run in a world writable directory (${cwd}), ignoring it as an ansible.cfg source (as Ansible does)`);
  }
  return { file, warnings };
}

/** Reads the ansible.cfg found by the search order (or `file`), then the ANSIBLE_* overrides. */
export function loadAnsibleConfig(opts: FindOptions & { file?: string } = {}): AnsibleConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const home = opts.home ?? env.HOME ?? homedir();
  const found = opts.file !== undefined ? { file: resolve(cwd, opts.file), warnings: [] } : findConfigFile({ env, cwd, home });
  let ini: Ini = new Map();
  if (found.file) {
    let text: string;
    try {
      text = readFileSync(found.file, 'utf8');
    } catch (e) {
      throw new SchemaError(`cannot read ansible.cfg: ${(e as Error).message}`, { file: found.file, line: 1, col: 1 });
    }
    ini = parseIni(text, found.file);
  }
  const out: Record<string, unknown> = { file: found.file, origins: {}, warnings: [...found.warnings] };
  const origins = out.origins as Record<string, string>;
  for (const s of SETTINGS) {
    const envValue = s.env ? env[s.env] : undefined;
    const entry = ini.get(s.section)?.get(s.ini);
    const name = `[${s.section}] ${s.ini}`;
    if (envValue !== undefined) {
      out[s.key] = convert(s, envValue, cwd, home, () => `${s.env}: expected ${s.kind}, got '${envValue}'`, undefined);
      origins[s.ini] = `env: ${s.env}`;
    } else if (entry && found.file) {
      const file = found.file;
      out[s.key] = convert(s, entry.value, dirname(file), home, () => `${name}: expected ${s.kind}, got '${entry.value}'`, { file, line: entry.line, col: 1 });
      origins[s.ini] = file;
    } else {
      out[s.key] = s.dflt === undefined ? undefined : convert(s, String(s.dflt), cwd, home, () => name, undefined);
      origins[s.ini] = 'default';
    }
  }
  return out as unknown as AnsibleConfig;
}

function convert(s: Setting, raw: string, base: string, home: string, what: () => string, pos: { file: string; line: number; col: number } | undefined): unknown {
  const path = (p: string): string => resolve(base, expandUser(p, home));
  switch (s.kind) {
    case 'integer': {
      const t = raw.trim();
      if (!/^[+-]?\d+$/.test(t)) throw new SchemaError(what(), pos, 'give a whole number');
      return Number(t);
    }
    case 'boolean':
      // Ansible's boolean(strict=False): what is not true is false
      return parseBoolean(raw) ?? false;
    case 'path':
      return path(unquote(raw.trim()));
    case 'pathspec':
      return raw.split(':').filter((p) => p !== '').map((p) => path(p.trim()));
    case 'pathlist':
      return raw.split(',').map((p) => p.trim()).filter((p) => p !== '').map(path);
    case 'string':
      return unquote(raw);
  }
}

/** Ansible's unquote: one pair of matching surrounding quotes goes */
function unquote(s: string): string {
  return s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.endsWith(s[0]) ? s.slice(1, -1) : s;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function readable(p: string): boolean {
  try {
    accessSync(p, constants.R_OK);
    return !isDir(p) && isAbsolute(p);
  } catch {
    return false;
  }
}

let current: AnsibleConfig | undefined;

/**
 * The configuration of this process, like Ansible's constants: set by the CLI
 * (useAnsibleConfig), otherwise read once by the search order on first use.
 */
export function ansibleConfig(): AnsibleConfig {
  current ??= loadAnsibleConfig();
  return current;
}

export function useAnsibleConfig(cfg: AnsibleConfig | undefined): void {
  current = cfg;
}
