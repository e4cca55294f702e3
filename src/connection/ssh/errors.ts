/** Errors of the SSH connection that are not "unreachable". */
import { ExitCode, HapbError } from '../../errors/index.js';

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
