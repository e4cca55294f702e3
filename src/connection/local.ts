/**
 * The local connection: commands run on this machine through /bin/sh -c,
 * files are read and written with fs. Become goes through the same command
 * builder (sudo) as every other connection.
 */
import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { constants, userInfo } from 'node:os';
import { randomBytes } from 'node:crypto';
import { buildCommand } from './command.js';
import { becomeFailure, redact } from './ssh/errors.js';
import type { BecomeOptions, Connection, ConnectionFactory, ExecOptions, ExecResult, PutOptions } from './types.js';

/** rc reported when a command was killed for running past its timeout (like coreutils `timeout`) */
export const TIMEOUT_RC = 124;

export class LocalConnection implements Connection {
  readonly host: string;
  private readonly loginUser: string;
  /** from --ask-become-pass, when the task gives none */
  private readonly becomePassword: string | undefined;
  /** how long sudo may take to start the command or ask for the password (ms) */
  private readonly becomeTimeoutMs: number;

  constructor(host = 'localhost', opts: { becomePassword?: string; becomeTimeoutMs?: number } = {}) {
    this.host = host;
    this.loginUser = userInfo().username;
    this.becomePassword = opts.becomePassword;
    this.becomeTimeoutMs = opts.becomeTimeoutMs ?? 15_000;
  }

  async connect(): Promise<void> {
    // nothing to open
  }

  /**
   * Run through /bin/sh -c. With become (sudo to another user), as over SSH:
   * the command first prints a random marker; the sudo password is written
   * only when sudo prints hapb's prompt, the command's stdin only after the
   * marker, so the password never reaches the command.
   */
  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const password = opts.become?.password ?? this.becomePassword;
    const become: BecomeOptions | undefined = opts.become ? { ...opts.become, ...(password !== undefined ? { password } : {}) } : undefined;
    const plain = buildCommand(command, { ...(opts.cwd ? { cwd: opts.cwd } : {}), ...(opts.env ? { env: opts.env } : {}), ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}) }, this.loginUser);
    const needsSudo = become !== undefined && (become.user ?? 'root') !== this.loginUser;
    if (!needsSudo) {
      const r = await this.spawnRun({ command: plain.command, stdin: plain.stdin, timeoutMs: opts.timeoutMs });
      return { rc: r.rc, stdout: r.stdout, stderr: r.stderr };
    }
    const tag = randomBytes(8).toString('hex');
    const sudo = { marker: `HAPB-BECOME-OK-${tag}`, prompt: `[hapb-sudo-${tag}] password: `, password: become.password };
    const wrapped = buildCommand(`echo ${sudo.marker}; ${plain.command}`, { become }, this.loginUser, sudo.prompt);
    const r = await this.spawnRun({ command: wrapped.command, stdin: plain.stdin, timeoutMs: opts.timeoutMs, sudo });
    const stderr = redact(r.stderr, [become.password]);
    if (!r.started && !r.timedOut) throw becomeFailure(this.host, this.loginUser, become, r, stderr);
    return { rc: r.rc, stdout: r.stdout, stderr };
  }

  /** no sudo: commands run as this process's user (become to the login user needs none) */
  inProcess(become: BecomeOptions | undefined): boolean {
    return become === undefined || (become.user ?? 'root') === this.loginUser;
  }

  private spawnRun(run: {
    command: string;
    stdin: Buffer | undefined;
    timeoutMs: number | undefined;
    sudo?: { marker: string; prompt: string; password: string | undefined };
  }): Promise<ExecResult & { started: boolean; prompts: number; becomeStuck: boolean; timedOut: boolean }> {
    return new Promise((resolve, reject) => {
      // detached: the child leads its own process group, so a timeout can
      // end it and whatever it started without touching anything else.
      const child = spawn('/bin/sh', ['-c', run.command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      let started = run.sudo === undefined;
      let prompts = 0;
      let becomeStuck = false;
      let pending = Buffer.alloc(0);
      let errText = '';
      const timers: NodeJS.Timeout[] = [];
      const sendStdin = (): void => {
        child.stdin.end(run.stdin && run.stdin.length > 0 ? run.stdin : undefined);
      };
      if (run.timeoutMs !== undefined) {
        timers.push(
          setTimeout(() => {
            timedOut = true;
            killTree(child.pid);
          }, run.timeoutMs),
        );
      }
      child.stdout.on('data', (d: Buffer) => {
        if (started) {
          out.push(d);
          return;
        }
        const sudo = run.sudo;
        if (!sudo) return;
        pending = Buffer.concat([pending, d]);
        const mark = Buffer.from(`${sudo.marker}\n`);
        const idx = pending.indexOf(mark);
        if (idx >= 0) {
          started = true;
          out.push(pending.subarray(idx + mark.length));
          pending = Buffer.alloc(0);
          sendStdin();
        }
      });
      child.stderr.on('data', (d: Buffer) => {
        err.push(d);
        const sudo = run.sudo;
        if (started || !sudo) return;
        errText += d.toString('utf8');
        const seen = errText.split(sudo.prompt).length - 1;
        while (prompts < seen) {
          prompts++;
          // the first prompt gets the password; a second one means it was wrong
          if (prompts === 1 && sudo.password !== undefined) child.stdin.write(`${sudo.password}\n`);
          else child.stdin.end();
        }
      });
      child.stdin.on('error', () => {
        // the command may exit without reading its stdin (EPIPE): not an error of ours
      });
      child.on('error', (e) => {
        for (const t of timers) clearTimeout(t);
        reject(e);
      });
      if (run.sudo) {
        timers.push(
          setTimeout(() => {
            if (!started) {
              becomeStuck = true;
              child.stdin.end();
              timers.push(setTimeout(() => killTree(child.pid), 2000));
            }
          }, this.becomeTimeoutMs),
        );
      } else {
        sendStdin();
      }
      child.on('close', (code, signal) => {
        for (const t of timers) clearTimeout(t);
        let stderr = Buffer.concat(err).toString();
        if (run.sudo) stderr = stderr.split(run.sudo.prompt).join('');
        let rc = code ?? 128 + signalNumber(signal);
        if (timedOut) {
          rc = TIMEOUT_RC;
          stderr += `${stderr && !stderr.endsWith('\n') ? '\n' : ''}command timed out after ${run.timeoutMs} ms`;
        }
        resolve({ rc, stdout: Buffer.concat(out).toString(), stderr, started, prompts, becomeStuck, timedOut });
      });
    });
  }

  async put(content: Buffer, path: string, opts: PutOptions = {}): Promise<void> {
    const mode = opts.mode === undefined ? undefined : parseInt(opts.mode, 8);
    // 0600 while written (a new file is created so; an old one is narrowed first), then the mode asked for
    const fh = await open(path, 'w', 0o600);
    try {
      await fh.chmod(0o600).catch(() => undefined);
      await fh.writeFile(content);
      if (mode !== undefined) await fh.chmod(mode);
    } finally {
      await fh.close();
    }
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
export const localConnectionFactory: ConnectionFactory = (host, _vars, opts) =>
  new LocalConnection(host, opts?.becomePassword !== undefined ? { becomePassword: opts.becomePassword } : {});

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
