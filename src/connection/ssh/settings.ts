/**
 * Where and how to reach a host: Ansible's per-host variables first, then
 * `ansible_ssh_common_args` / `ansible_ssh_extra_args`, then ~/.ssh/config
 * (`Host` / `Match`, evaluated with `Match exec` turned off), then defaults.
 * This mirrors how Ansible's ssh plugin builds its ssh command line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { parseSshArgs, type SshArgs } from './common-args.js';

export interface SshEnv {
  /** the local home (for ~ and the default files) */
  home: string;
  /** the local user name (default remote user, %u) */
  localUser: string;
  /** ssh config file; missing file = no config */
  configFile: string;
  /** SSH_AUTH_SOCK */
  agentSocket: string | undefined;
}

export function defaultSshEnv(overrides: Partial<SshEnv> = {}): SshEnv {
  const home = overrides.home ?? homedir();
  return {
    home,
    localUser: overrides.localUser ?? safeUserName(),
    configFile: overrides.configFile ?? join(home, '.ssh', 'config'),
    agentSocket: 'agentSocket' in overrides ? overrides.agentSocket : process.env.SSH_AUTH_SOCK || undefined,
  };
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

/** One hop of a ProxyJump list: `[user@]host[:port]` or `ssh://[user@]host[:port]`. */
export interface JumpSpec {
  host: string;
  user?: string;
  port?: number;
}

export interface SshTarget {
  /** the name the connection was asked for (inventory name, or a jump spec's host) */
  name: string;
  /** the address dialled (HostName) */
  hostname: string;
  port: number;
  user: string;
  /** private key files to try, in order, after the agent */
  identityFiles: string[];
  /** true when key files were configured (not OpenSSH's defaults) */
  identityFilesExplicit: boolean;
  /** only the configured keys, not every key of the agent */
  identitiesOnly: boolean;
  /** agent socket path; undefined = no agent */
  agentSocket: string | undefined;
  /** command whose stdio is the transport, tokens substituted */
  proxyCommand: string | undefined;
  /** hops to go through, first to last */
  proxyJump: JumpSpec[];
  /** the name looked up in known_hosts (HostKeyAlias or hostname) */
  hostKeyAlias: string | undefined;
  /** UserKnownHostsFile from the ssh options or config, when set */
  userKnownHostsFile: string | undefined;
  /** StrictHostKeyChecking from the ssh options or config, lower-cased */
  strictHostKeyChecking: string | undefined;
  /** ConnectTimeout in ms, when configured */
  connectTimeoutMs: number | undefined;
  /** ServerAliveInterval in ms, when configured */
  keepaliveIntervalMs: number | undefined;
}

type Computed = Record<string, string | string[]>;

/** Load an ssh config; a missing file is an empty config. */
export function loadSshConfig(path: string): SSHConfig {
  if (!existsSync(path)) return SSHConfig.parse('');
  return SSHConfig.parse(readFileSync(path, 'utf8'));
}

function first(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(' ') : v;
}

function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function parsePort(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${what}: invalid port ${JSON.stringify(v)}`);
  return n;
}

/** Parse a ProxyJump value; `none` means no jump. */
export function parseProxyJump(value: string): JumpSpec[] {
  if (value.trim().toLowerCase() === 'none') return [];
  return value.split(',').map((raw) => {
    let s = raw.trim();
    if (s.startsWith('ssh://')) s = s.slice(6);
    let user: string | undefined;
    const at = s.lastIndexOf('@');
    if (at >= 0) {
      user = s.slice(0, at);
      s = s.slice(at + 1);
    }
    let port: number | undefined;
    const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
    let host = s;
    if (bracket && bracket[1] !== undefined) {
      host = bracket[1];
      if (bracket[2] !== undefined) port = parsePort(bracket[2], `ProxyJump ${raw}`);
    } else {
      const colon = s.lastIndexOf(':');
      if (colon >= 0 && s.indexOf(':') === colon) {
        host = s.slice(0, colon);
        port = parsePort(s.slice(colon + 1), `ProxyJump ${raw}`);
      }
    }
    if (!host) throw new Error(`ProxyJump: empty host in ${JSON.stringify(value)}`);
    return { host, ...(user ? { user } : {}), ...(port !== undefined ? { port } : {}) };
  });
}

/** Substitute ssh's % tokens. */
export function expandTokens(s: string, t: Record<string, string>): string {
  return s.replace(/%(.)/g, (m, c: string) => {
    if (c === '%') return '%';
    const v = t[c];
    return v === undefined ? m : v;
  });
}

/**
 * Why a host name may not stand for %h/%n in a ProxyCommand (run by a shell),
 * or undefined. As OpenSSH's ssh (valid_hostname, since 9.6 and in Debian's
 * 9.2): no leading '-', no quote, `$`, backquote, backslash, `;&<>|(){}`, blank or control character.
 */
export function hostnameProblem(s: string): string | undefined {
  if (s.startsWith('-')) return 'it starts with -';
  for (const c of s) {
    if ("'`\"$\\;&<>|(){}".includes(c)) return `it contains ${JSON.stringify(c)}`;
    if (/\s/.test(c) || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) return 'it contains a blank or control character';
  }
  return undefined;
}

/** The same for a remote user (%r), as OpenSSH's valid_ruser: `$` is allowed, `\` only inside, no blank then `-`. */
export function remoteUserProblem(s: string): string | undefined {
  if (s.startsWith('-')) return 'it starts with -';
  if (s.endsWith('\\')) return 'it ends with \\';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if ("'`\";&<>|(){}".includes(c)) return `it contains ${JSON.stringify(c)}`;
    if (/\s/.test(c) && s[i + 1] === '-') return 'it has a blank followed by -';
    if (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) return 'it contains a control character';
  }
  return undefined;
}

/**
 * Expand a ProxyCommand's % tokens. OpenSSH substitutes them as they are and
 * refuses a host or user name a shell would interpret (CVE-2023-51385): so does hapb.
 */
export function expandProxyCommand(command: string, tokens: Record<string, string>): string {
  const used = new Set([...command.matchAll(/%(.)/g)].map((m) => m[1]).filter((c) => c !== '%'));
  const checks: [string, string, (v: string) => string | undefined][] = [
    ['h', 'host name (%h)', hostnameProblem],
    ['n', 'host name (%n)', hostnameProblem],
    ['r', 'remote user (%r)', remoteUserProblem],
  ];
  for (const [token, what, problem] of checks) {
    const value = tokens[token];
    if (!used.has(token) || value === undefined) continue;
    const why = problem(value);
    if (why) throw new Error(`refusing to put the ${what} ${JSON.stringify(value)} into the ProxyCommand: ${why}, which a shell would interpret`);
  }
  return expandTokens(command, tokens);
}

function expandPath(p: string, env: SshEnv, tokens: Record<string, string>): string {
  let s = expandTokens(p, tokens);
  if (s === '~') s = env.home;
  else if (s.startsWith('~/')) s = join(env.home, s.slice(2));
  return s;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

function yes(v: string | undefined): boolean {
  return v !== undefined && ['yes', 'true'].includes(v.toLowerCase());
}

interface ResolveInput {
  /** the name asked for */
  name: string;
  /** the destination passed to ssh (ansible_host or name): matched against Host patterns */
  destination: string;
  args: SshArgs;
  /** per-host Ansible values (win over everything) */
  port?: number;
  user?: string;
  keyFile?: string;
}

function resolveWith(input: ResolveInput, config: SSHConfig, env: SshEnv): SshTarget {
  const cfg: Computed = config.compute(input.destination, { matchExec: false, ignoreCase: true });
  const opt = (k: string): string | undefined => input.args.options.get(k) ?? first(cfg[k]);

  const hostnameRaw = opt('hostname');
  const hostname = hostnameRaw ? expandTokens(hostnameRaw, { h: input.destination }) : input.destination;
  const portStr = opt('port');
  const port = input.port ?? (portStr ? parsePort(portStr, 'Port') : 22);
  const user = input.user ?? opt('user') ?? env.localUser;
  const tokens: Record<string, string> = {
    h: hostname,
    p: String(port),
    r: user,
    n: input.destination,
    u: env.localUser,
    d: env.home,
  };

  const explicitKeys = [
    ...(input.keyFile ? [input.keyFile] : []),
    ...input.args.identityFiles,
    ...list(cfg['identityfile']),
  ].map((p) => expandPath(p, env, tokens));
  const identityFiles =
    explicitKeys.length > 0
      ? [...new Set(explicitKeys)]
      : DEFAULT_KEYS.map((k) => join(env.home, '.ssh', k)).filter((p) => existsSync(p));

  const agentOpt = opt('identityagent');
  let agentSocket = env.agentSocket;
  if (agentOpt !== undefined) {
    if (agentOpt.toLowerCase() === 'none') agentSocket = undefined;
    else if (agentOpt !== 'SSH_AUTH_SOCK') agentSocket = expandPath(agentOpt, env, tokens);
  }

  // ProxyCommand and ProxyJump exclude each other; options given on the command line win.
  let proxyCommand: string | undefined;
  let proxyJump: JumpSpec[] = [];
  const argPc = input.args.options.get('proxycommand');
  const argPj = input.args.options.get('proxyjump');
  const cfgPc = first(cfg['proxycommand']);
  const cfgPj = first(cfg['proxyjump']);
  const pc = argPc ?? (argPj === undefined ? cfgPc : undefined);
  const pj = argPj ?? (argPc === undefined && cfgPc === undefined ? cfgPj : undefined);
  if (pc !== undefined && pc.trim().toLowerCase() !== 'none') proxyCommand = expandProxyCommand(pc, tokens);
  else if (pj !== undefined) proxyJump = parseProxyJump(pj);

  const ct = opt('connecttimeout');
  const sai = opt('serveraliveinterval');
  const ukh = opt('userknownhostsfile');
  return {
    name: input.name,
    hostname,
    port,
    user,
    identityFiles,
    identityFilesExplicit: explicitKeys.length > 0,
    identitiesOnly: yes(opt('identitiesonly')),
    agentSocket,
    proxyCommand,
    proxyJump,
    hostKeyAlias: opt('hostkeyalias'),
    userKnownHostsFile: ukh ? expandPath(ukh.split(/\s+/)[0] ?? ukh, env, tokens) : undefined,
    strictHostKeyChecking: opt('stricthostkeychecking')?.toLowerCase(),
    connectTimeoutMs: ct && Number(ct) > 0 ? Number(ct) * 1000 : undefined,
    keepaliveIntervalMs: sai && Number(sai) > 0 ? Number(sai) * 1000 : undefined,
  };
}

/** Resolve an inventory host from its variables (Ansible's names win over ssh config). */
export function resolveHostTarget(host: string, vars: Record<string, unknown>, config: SSHConfig, env: SshEnv): SshTarget {
  const destination = str(vars.ansible_host) ?? str(vars.ansible_ssh_host) ?? host;
  const portVar = str(vars.ansible_port) ?? str(vars.ansible_ssh_port);
  const user = str(vars.ansible_user) ?? str(vars.ansible_ssh_user);
  const keyFile = str(vars.ansible_ssh_private_key_file) ?? str(vars.ansible_private_key_file);
  const args = parseSshArgs(str(vars.ansible_ssh_common_args), str(vars.ansible_ssh_extra_args));
  return resolveWith(
    {
      name: host,
      destination,
      args,
      ...(portVar !== undefined ? { port: parsePort(portVar, 'ansible_port') } : {}),
      ...(user !== undefined ? { user } : {}),
      ...(keyFile !== undefined ? { keyFile } : {}),
    },
    config,
    env,
  );
}

/** Resolve one ProxyJump hop through the ssh config, as `ssh -J` does. */
export function resolveJumpTarget(spec: JumpSpec, config: SSHConfig, env: SshEnv): SshTarget {
  return resolveWith(
    {
      name: spec.host,
      destination: spec.host,
      args: { options: new Map(), identityFiles: [] },
      ...(spec.port !== undefined ? { port: spec.port } : {}),
      ...(spec.user !== undefined ? { user: spec.user } : {}),
    },
    config,
    env,
  );
}
