/**
 * One writer at a time per lab: the CLI and a drill may change the same lab's
 * state from two processes. A lock file holds the owner's PID; a lock whose
 * owner is gone is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from './errors.js';
import { labRunDir } from './paths.js';
import { procAlive } from './procs.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const queues = new Map<string, Promise<unknown>>();

/** Run `fn` holding the lab's lock: callers in this process queue up, other processes wait on the lock file. */
export function withLabLock<T>(lab: string, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const prev = queues.get(lab) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(() => withFileLock(lab, fn, timeoutMs));
  queues.set(lab, next);
  void next.catch(() => undefined).then(() => {
    if (queues.get(lab) === next) queues.delete(lab);
  });
  return next;
}

async function withFileLock<T>(lab: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  mkdirSync(labRunDir(lab), { recursive: true });
  return withPidFile(join(labRunDir(lab), 'lock'), fn, { timeoutMs, busy: (owner, file) => new LabError(`lab ${lab} is busy (process ${owner} holds ${file})`) });
}

export interface PidFileOptions {
  timeoutMs: number;
  /** the error when the wait times out */
  busy: (owner: number, file: string) => Error;
  /** how often to look again (ms) */
  pollMs?: number;
  /** called once, when another live process holds the file */
  onWait?: (owner: number) => void;
}

/**
 * Run `fn` holding `file` (created exclusively, holding this PID); a file
 * whose process is gone is taken over. Its folder must exist.
 */
export async function withPidFile<T>(file: string, fn: () => Promise<T>, o: PidFileOptions): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  let told = false;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const owner = Number(readOr(file));
      if (!Number.isInteger(owner) || owner <= 0 || !procAlive(owner)) {
        rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw o.busy(owner, file);
      if (!told) o.onWait?.(owner);
      told = true;
      await sleep(o.pollMs ?? 20);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
