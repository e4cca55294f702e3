/** Errors of the SSH connection that are not "unreachable". */
import { ExitCode, HapbError } from '../../errors/index.js';
import type { BecomeOptions } from '../types.js';

/** sudo refused to run the command (missing or wrong password, not allowed). The host failed. */
export class BecomeError extends HapbError {
  readonly host: string;
  readonly stderr: string;
  constructor(host: string, message: string, stderr: string, hint?: string) {
    super(`${host}: ${message}`, { exitCode: ExitCode.hostFailed, ...(hint ? { hint } : {}) });
    this.host = host;
    this.stderr = stderr;
  }
}

/** Replace every occurrence of each secret with ********. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (s) out = out.split(s).join('********');
  }
  return out;
}

/** What a connection saw of sudo when the command did not start. */
export interface BecomeAttempt {
  rc: number | null;
  /** how many times sudo printed hapb's prompt */
  prompts: number;
  /** sudo neither prompted nor started the command in time */
  becomeStuck: boolean;
}

/** The error for a sudo that did not start the command, from what it printed (any connection). */
export function becomeFailure(host: string, loginUser: string, become: BecomeOptions, r: BecomeAttempt, stderr: string): BecomeError {
  const user = become.user ?? 'root';
  const as = `sudo to ${user} as ${loginUser}`;
  const detail = stderr.trim();
  if (r.becomeStuck) {
    return new BecomeError(
      host,
      `${as}: sudo neither started the command nor asked for the password with hapb's prompt`,
      detail,
      'a sudoers passprompt_override or a PAM module may be prompting on its own; allow NOPASSWD for this user',
    );
  }
  if (r.prompts > 0 && become.password === undefined) {
    return new BecomeError(host, `${as}: sudo needs a password`, detail, 'use --ask-become-pass or set ansible_become_password');
  }
  if (r.prompts > 1) {
    return new BecomeError(host, `${as}: incorrect sudo password`, detail, 'check --ask-become-pass / ansible_become_password');
  }
  if (/a password is required|no password was provided/i.test(detail)) {
    return new BecomeError(host, `${as}: sudo needs a password`, detail, 'use --ask-become-pass or set ansible_become_password');
  }
  if (/incorrect password/i.test(detail)) {
    return new BecomeError(host, `${as}: incorrect sudo password`, detail, 'check --ask-become-pass / ansible_become_password');
  }
  if (/not in the sudoers|not allowed to (run|execute)/i.test(detail)) {
    return new BecomeError(host, `${as}: not allowed by sudoers`, detail, `grant ${loginUser} sudo rights on the host`);
  }
  if (/terminal is required|must have a tty/i.test(detail)) {
    return new BecomeError(host, `${as}: sudo requires a terminal`, detail, 'disable `Defaults requiretty` for this user');
  }
  const first = detail.split('\n')[0] ?? '';
  return new BecomeError(host, `${as} failed (rc ${r.rc ?? 'none'})${first ? `: ${first}` : ''}`, detail);
}
