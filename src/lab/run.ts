/** Run system commands (ip, nsenter, debootstrap...) without a shell. */
import { spawn, type StdioOptions } from 'node:child_process';
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
    const stdio: StdioOptions = [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'];
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
