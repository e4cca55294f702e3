/**
 * The one command builder: quoting, working directory, environment and
 * privilege escalation (become through sudo). Connections call it; modules
 * never quote or sudo by themselves.
 */
import type { ExecOptions } from './types.js';

/** Quote a string for POSIX sh. */
export function shellQuote(s: string): string {
  if (s === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

export interface BuiltCommand {
  /** the full command line for /bin/sh -c (or an SSH exec request) */
  command: string;
  /** stdin to send: the sudo password line first when one is needed */
  stdin?: Buffer;
}

/**
 * Wrap `command` with cd, env and sudo. `loginUser` is who the connection
 * runs as: becoming the same user needs no sudo. `sudoPrompt` (optional) is
 * the prompt sudo -S prints when it wants the password, so a connection can
 * answer only when asked (default: no prompt).
 */
export function buildCommand(command: string, opts: ExecOptions = {}, loginUser?: string, sudoPrompt = ''): BuiltCommand {
  let inner = command;
  if (opts.env && Object.keys(opts.env).length > 0) {
    const assigns = Object.entries(opts.env).map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`invalid environment variable name: ${k}`);
      return `${k}=${shellQuote(v)}`;
    });
    inner = `export ${assigns.join(' ')}; ${inner}`;
  }
  if (opts.cwd) inner = `cd ${shellQuote(opts.cwd)} && ${inner}`;

  const stdinParts: Buffer[] = [];
  const become = opts.become;
  const targetUser = become?.user ?? 'root';
  if (become && targetUser !== loginUser) {
    const sh = `/bin/sh -c ${shellQuote(inner)}`;
    if (become.password !== undefined) {
      inner = `sudo -S -p ${shellQuote(sudoPrompt)} -H -u ${shellQuote(targetUser)} -- ${sh}`;
      stdinParts.push(Buffer.from(become.password + '\n'));
    } else {
      inner = `sudo -n -H -u ${shellQuote(targetUser)} -- ${sh}`;
    }
  }
  if (opts.stdin !== undefined) stdinParts.push(Buffer.isBuffer(opts.stdin) ? opts.stdin : Buffer.from(opts.stdin));
  return stdinParts.length > 0 ? { command: inner, stdin: Buffer.concat(stdinParts) } : { command: inner };
}
