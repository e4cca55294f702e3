/**
 * Start the standalone load generator as a child process through a prefix that
 * puts it into the client's network namespace, e.g.
 * `['nsenter', '--net=/proc/1234/ns/net']` or `['ip', 'netns', 'exec', 'ns']`,
 * and turn its JSON lines into a LoadHandle.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HapbError } from '../errors/index.js';
import { start } from '../lab/run.js';
import type { LoadHandle } from './lab-control.js';
import { loadArgs, parseLoadLine } from './loadgen/protocol.js';
import type { LoadOptions, RequestRecord } from './types.js';

/**
 * dist/drill/loadgen/main.js of this package once built. Found from the
 * package's root, two levels above this module in dist/drill/ as in the CLI's
 * bundle, dist/cli/main.js (scripts/bundle-cli.mjs).
 */
export function defaultLoadgenPath(): string {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  return join(root, 'dist', 'drill', 'loadgen', 'main.js');
}

export interface SpawnLoadOptions {
  /** argv that enters the client's namespace; empty runs it here */
  prefix: string[];
  /** path of the compiled main.js */
  loadgenPath?: string;
  /** where the generator's progress lines go (default: dropped) */
  onStderr?: (line: string) => void;
}

export function spawnLoad(opts: LoadOptions, how: SpawnLoadOptions): LoadHandle {
  const entry = how.loadgenPath ?? defaultLoadgenPath();
  if (!existsSync(entry)) {
    throw new HapbError(`load generator ${entry} is missing`, { hint: 'run `npm run build` first' });
  }
  const argv = [...how.prefix, process.execPath, entry, ...loadArgs(opts, { watchStdin: true })];
  const child = start(argv);
  const { stdin, stdout, stderr } = child;
  if (!stdin || !stdout || !stderr) throw new Error('load generator: no pipes');
  const records: RequestRecord[] = [];
  const listeners: ((r: RequestRecord) => void)[] = [];
  let stderrTail = '';
  let sent: number | undefined;
  let resolveT0: (t: number) => void = () => undefined;
  let rejectT0: (e: Error) => void = () => undefined;
  const t0Epoch = new Promise<number>((res, rej) => {
    resolveT0 = res;
    rejectT0 = rej;
  });
  t0Epoch.catch(() => undefined);

  createInterface({ input: stdout }).on('line', (line) => {
    const msg = parseLoadLine(line);
    if (!msg) return;
    if (msg.type === 'start') resolveT0(msg.t0Epoch);
    else if (msg.type === 'end') {
      sent = msg.sent;
      if (msg.stopReason) how.onStderr?.(`load generator stopped early: ${msg.stopReason}`);
    }
    else if (msg.type === 'req') {
      const { type: _type, ...rec } = msg;
      records.push(rec);
      for (const l of listeners) l(rec);
    }
  });
  createInterface({ input: stderr }).on('line', (line) => {
    stderrTail = (stderrTail + line + '\n').slice(-2000);
    how.onStderr?.(line);
  });
  stdin.on('error', () => undefined);

  const done = new Promise<RequestRecord[]>((resolve, reject) => {
    child.on('error', (err) => {
      rejectT0(err);
      reject(new HapbError(`load generator did not start: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      if (code === 0 && sent !== undefined && sent === records.length) {
        resolve(records.sort((a, b) => a.seq - b.seq));
        return;
      }
      if (code === 0) {
        const err = new HapbError(`load generator sent ${sent ?? '?'} requests but reported ${records.length}`, { hint: stderrTail.trim() });
        rejectT0(err);
        reject(err);
        return;
      }
      const err = new HapbError(`load generator exited with ${code ?? signal}`, { hint: stderrTail.trim() });
      rejectT0(err);
      reject(err);
    });
  });
  return {
    t0Epoch,
    onRecord: (cb) => listeners.push(cb),
    stop: () => {
      stdin.end();
    },
    done,
  };
}
