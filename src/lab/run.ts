/**
 * The one way hapb's lab and drill start a child process (ip, nsenter,
 * debootstrap, `hapb run`...): without a shell, failures as data (argv, exit
 * code or signal, stderr) rather than exceptions. `run` waits for the end;
 * `start` hands back the running child (a monitor, a load generator).
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { CommandFailedError } from './errors.js';

export interface RunResult {
  rc: number | null;
  /** the signal that ended it, when rc is null */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  /** 'pipe' (default) collects stdout and stderr; 'inherit' streams them to this process's (nothing collected) */
  stdio?: 'pipe' | 'inherit';
  env?: NodeJS.ProcessEnv;
  /** called for every line of stdout and stderr as it arrives */
  onLine?: (line: string) => void;
  timeoutMs?: number;
}

/** Run argv; resolves with rc and output, never throws for a non-zero rc. */
export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('run: empty argv');
  return new Promise((resolve, reject) => {
    const stdio: StdioOptions = opts.stdio === 'inherit' ? 'inherit' : [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'];
    const child = spawn(cmd, args, { stdio, env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    const partial = { out: '', err: '' };
    const feed = (key: 'out' | 'err', chunk: string): void => {
      if (!opts.onLine) return;
      const text = partial[key] + chunk;
      const lines = text.split('\n');
      partial[key] = lines.pop() ?? '';
      for (const l of lines) opts.onLine(l);
    };
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      feed('out', c);
    });
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      feed('err', c);
    });
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (rc, signal) => {
      if (timer) clearTimeout(timer);
      for (const rest of [partial.out, partial.err]) if (rest && opts.onLine) opts.onLine(rest);
      resolve({ rc, signal, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Run argv; throws CommandFailedError unless it exits 0. Returns stdout. */
export async function runOk(argv: string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.rc !== 0) throw new CommandFailedError(argv, r.rc, r.stderr || r.stdout);
  return r.stdout;
}

type Stream = 'pipe' | 'ignore' | number;

export interface StartOptions {
  /** stdin, stdout, stderr: 'pipe', 'ignore' or an open fd each (default: all piped) */
  stdio?: [Stream, Stream, Stream] | 'ignore';
  env?: NodeJS.ProcessEnv;
  /** its own session, to outlive this process (call `unref()` on the child) */
  detached?: boolean;
}

/**
 * Start argv and hand back the child (its pipes, `kill`, `close`). A command
 * that cannot start at all ('error') is reported on `child` like any other:
 * callers listen to 'error' and 'close'.
 */
export function start(argv: readonly string[], opts: StartOptions = {}): ChildProcess {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('start: empty argv');
  return spawn(cmd, args, { stdio: opts.stdio ?? ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env, ...(opts.detached ? { detached: true } : {}) });
}

/** `run`, synchronously (test beds and scripts): rc and output, never throws for a non-zero rc */
export function runSync(argv: readonly string[]): RunResult {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('runSync: empty argv');
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw r.error;
  return { rc: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
