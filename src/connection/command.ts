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

/** Split a command line into words as POSIX sh does (quotes and backslashes), expanding nothing. */
export function shellSplit(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i] ?? '';
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new Error(`no closing quotation in: ${s}`);
      cur += s.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= s.length) throw new Error(`no closing quotation in: ${s}`);
        const d = s[i] ?? '';
        if (d === '"') break;
        if (d === '\\' && i + 1 < s.length && '"\\$`\n'.includes(s[i + 1] ?? '')) {
          cur += s[i + 1];
          i += 2;
        } else {
          cur += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 < s.length) cur += s[i + 1];
      inWord = true;
      i += 2;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      i++;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

export interface BuiltCommand {
  /** the full command line for /bin/sh -c (or an SSH exec request) */
  command: string;
  /** stdin to send (the command's own data; never the sudo password) */
  stdin?: Buffer;
}

/**
 * Wrap `command` with cd, env and sudo. `loginUser` is who the connection
 * runs as: becoming the same user needs no sudo. With a become password, sudo
 * runs with `-S -p sudoPrompt`: the connection must write the password only
 * when `sudoPrompt` appears on stderr, and the command's stdin only once the
 * command started (a marker it prints): the password is never part of
 * `stdin`, so a sudo that does not ask (root, NOPASSWD, cached) cannot pass
 * it on to the command.
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
      if (sudoPrompt === '') throw new Error('a sudo password needs a prompt to answer: pass sudoPrompt');
      inner = `sudo -S -p ${shellQuote(sudoPrompt)} -H -u ${shellQuote(targetUser)} -- ${sh}`;
    } else {
      inner = `sudo -n -H -u ${shellQuote(targetUser)} -- ${sh}`;
    }
  }
  if (opts.stdin !== undefined) stdinParts.push(Buffer.isBuffer(opts.stdin) ? opts.stdin : Buffer.from(opts.stdin));
  return stdinParts.length > 0 ? { command: inner, stdin: Buffer.concat(stdinParts) } : { command: inner };
}
