/**
 * The local connection: commands run on this machine through /bin/sh -c,
 * files are read and written with fs. Become goes through the same command
 * builder (sudo) as every other connection.
 */
import { spawn } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { constants, userInfo } from 'node:os';
import { buildCommand } from './command.js';
import type { Connection, ConnectionFactory, ExecOptions, ExecResult, PutOptions } from './types.js';

/** rc reported when a command was killed for running past its timeout (like coreutils `timeout`) */
export const TIMEOUT_RC = 124;

export class LocalConnection implements Connection {
  readonly host: string;
  private readonly loginUser: string;

  constructor(host = 'localhost') {
    this.host = host;
    this.loginUser = userInfo().username;
  }

  async connect(): Promise<void> {
    // nothing to open
  }

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const built = buildCommand(command, opts, this.loginUser);
    return new Promise((resolve, reject) => {
      // detached: the child leads its own process group, so a timeout can
      // end it and whatever it started without touching anything else.
      const child = spawn('/bin/sh', ['-c', built.command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          timedOut = true;
          killTree(child.pid);
        }, opts.timeoutMs);
      }
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.stdin.on('error', () => {
        // the command may exit without reading its stdin (EPIPE): not an error of ours
      });
      child.on('error', (e) => {
        if (timer) clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        let stderr = Buffer.concat(err).toString();
        let rc = code ?? 128 + signalNumber(signal);
        if (timedOut) {
          rc = TIMEOUT_RC;
          stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}command timed out after ${opts.timeoutMs} ms`;
        }
        resolve({ rc, stdout: Buffer.concat(out).toString(), stderr });
      });
      child.stdin.end(built.stdin ?? undefined);
    });
  }

  async put(content: Buffer, path: string, opts: PutOptions = {}): Promise<void> {
    const mode = opts.mode === undefined ? undefined : parseInt(opts.mode, 8);
    await writeFile(path, content, mode === undefined ? {} : { mode });
    // writeFile's mode only applies to a new file and is masked by the umask
    if (mode !== undefined) await chmod(path, mode);
  }

  async get(path: string): Promise<Buffer | null> {
    try {
      return await readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async close(): Promise<void> {
    // nothing to close
  }
}

/** The factory for `ansible_connection: local`. */
export const localConnectionFactory: ConnectionFactory = (host) => new LocalConnection(host);

/** SIGKILL the process group led by our child (its PID), falling back to the child alone. */
function killTree(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? constants.signals[signal] : 0;
}
