import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withLabLock, withPidFile } from '../../src/lab/lock.js';
import { labRunDir } from '../../src/lab/paths.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('withLabLock', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hapb-t-lab-lock-'));
    process.env['HAPB_LAB_RUN'] = dir;
  });
  afterAll(() => {
    delete process.env['HAPB_LAB_RUN'];
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs callers of one lab one at a time, in order, and frees the lock', async () => {
    const log: string[] = [];
    const job = (id: string) => async (): Promise<string> => {
      log.push(`${id}+`);
      await sleep(15);
      log.push(`${id}-`);
      return id;
    };
    const results = await Promise.all([withLabLock('a', job('1')), withLabLock('a', job('2')), withLabLock('a', job('3'))]);
    expect(results).toEqual(['1', '2', '3']);
    expect(log).toEqual(['1+', '1-', '2+', '2-', '3+', '3-']);
    expect(existsSync(join(labRunDir('a'), 'lock'))).toBe(false);
  });

  it('a failing caller does not block the next', async () => {
    await expect(withLabLock('b', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withLabLock('b', () => Promise.resolve(7))).resolves.toBe(7);
  });

  it('takes over a lock whose owner is gone, waits for a live one', async () => {
    mkdirSync(labRunDir('c'), { recursive: true });
    writeFileSync(join(labRunDir('c'), 'lock'), '999999999');
    await expect(withLabLock('c', () => Promise.resolve('ok'))).resolves.toBe('ok');
    // a live owner (this very process, as another process would be) makes a caller wait until the timeout
    writeFileSync(join(labRunDir('c'), 'lock'), String(process.pid));
    await expect(withLabLock('c', () => Promise.resolve('never'), 100)).rejects.toThrow(/is busy/);
    rmSync(join(labRunDir('c'), 'lock'));
  });
});

describe('withPidFile (the image build lock)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hapb-t-pid-file-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const busy = (owner: number): Error => new Error(`busy ${owner}`);

  it('a live holder is waited for (told once, with its PID), then the waiter runs; the file is gone after', async () => {
    const file = join(dir, '.build-x.lock');
    writeFileSync(file, String(process.pid)); // a live process, as another builder would be
    const waits: number[] = [];
    const p = withPidFile(file, () => Promise.resolve('built'), { timeoutMs: 5000, pollMs: 10, busy, onWait: (o) => waits.push(o) });
    await sleep(60);
    expect(waits).toEqual([process.pid]);
    rmSync(file); // the holder finishes
    await expect(p).resolves.toBe('built');
    expect(waits).toEqual([process.pid]);
    expect(existsSync(file)).toBe(false);
  });

  it("a dead holder's file is taken over without waiting; a live one past the timeout is the caller's error", async () => {
    const file = join(dir, '.build-y.lock');
    writeFileSync(file, '999999999');
    const waits: number[] = [];
    await expect(withPidFile(file, () => Promise.resolve(1), { timeoutMs: 1000, busy, onWait: (o) => waits.push(o) })).resolves.toBe(1);
    expect(waits).toEqual([]);
    writeFileSync(file, String(process.pid));
    await expect(withPidFile(file, () => Promise.resolve(2), { timeoutMs: 50, pollMs: 10, busy })).rejects.toThrow(`busy ${process.pid}`);
    rmSync(file);
  });
});
