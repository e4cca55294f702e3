/** Errors of the lab: a failed system command carries its argv, rc and stderr. */
import { ExitCode, HapbError } from '../errors/index.js';

export class LabError extends HapbError {
  constructor(message: string, opts: { hint?: string; cause?: unknown; exitCode?: ExitCode } = {}) {
    super(message, opts);
  }
}

export class CommandFailedError extends LabError {
  readonly argv: string[];
  readonly rc: number | null;
  readonly stderr: string;
  constructor(argv: string[], rc: number | null, stderr: string) {
    const tail = stderr.trim().split('\n').slice(-5).join('\n');
    super(`command failed (rc ${rc ?? 'signal'}): ${argv.join(' ')}${tail ? `\n${tail}` : ''}`);
    this.argv = argv;
    this.rc = rc;
    this.stderr = stderr;
  }
}

/** A user mistake on the command line or in the inventory (exit 4). */
export function usageError(message: string, hint?: string): LabError {
  return new LabError(message, { exitCode: ExitCode.invalidInput, ...(hint ? { hint } : {}) });
}

/** The lab makes namespaces, mounts and machines: root only. */
export function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new LabError('hapb lab needs root (namespaces, mounts, systemd-nspawn)', { hint: 'run it with sudo' });
  }
}
