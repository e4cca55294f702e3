/**
 * Issue 10: no upload is ever readable by others while written, and the temp
 * files of a write are removed on failure and by the next write of the same
 * destination (a killed run cannot clean up after itself).
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import { copyModule } from '../../src/modules/copy.js';
import { runModule } from '../../src/modules/run-module.js';
import { makeContext } from '../helpers/module-context.js';

let dir = '';
const conn = new LocalConnection('local');
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), `hapb-t-uploads-${process.pid}-`));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const mode = (p: string): number => statSync(p).mode & 0o7777;

describe('LocalConnection.put', () => {
  it('creates the file 0600 (the mode it has while written), then gives it the mode asked for', async () => {
    const p = join(dir, 'plain');
    await conn.put(Buffer.from('a'), p);
    expect(mode(p)).toBe(0o600);
    const q = join(dir, 'moded');
    await conn.put(Buffer.from('b'), q, { mode: '0644' });
    expect(mode(q)).toBe(0o644);
    expect(readFileSync(q, 'utf8')).toBe('b');
  });

  it('narrows an old world-readable file before writing into it', async () => {
    const p = join(dir, 'old');
    writeFileSync(p, 'old');
    chmodSync(p, 0o644);
    await conn.put(Buffer.from('new'), p);
    expect(mode(p)).toBe(0o600);
    expect(readFileSync(p, 'utf8')).toBe('new');
  });
});

describe('temp files beside a destination', () => {
  it("the next write of a destination removes an earlier run's temp files, and only that destination's", async () => {
    const dest = join(dir, 'app.conf');
    const stale = join(dir, '.app.conf.hapb-0123456789ab.tmp');
    const other = join(dir, '.other.conf.hapb-0123456789ab.tmp');
    writeFileSync(stale, 'half written by a killed run');
    writeFileSync(other, 'not ours');
    const old = new Date(Date.now() - 3600_000);
    utimesSync(stale, old, old);
    const ctx = makeContext(conn, { baseDir: dir });
    const { result: out } = await runModule(copyModule, ctx, { content: 'x=1\n', dest, mode: '0640' });
    expect(out.failed, String(out.msg)).toBeFalsy();
    expect(readFileSync(dest, 'utf8')).toBe('x=1\n');
    expect(readdirSync(dir).filter((f) => f.includes('.hapb-')).sort()).toEqual(['.other.conf.hapb-0123456789ab.tmp']);
  });

  it("a become-root write removes the login user's uploads a killed run left in /tmp (an hour old), not fresh ones", async () => {
    const stale = `/tmp/.hapb-upload-t${process.pid}-stale`;
    const fresh = `/tmp/.hapb-upload-t${process.pid}-fresh`;
    try {
      writeFileSync(stale, 'left by a killed run', { mode: 0o600 });
      writeFileSync(fresh, 'another run in flight', { mode: 0o600 });
      const old = new Date(Date.now() - 2 * 3600_000);
      utimesSync(stale, old, old);
      const ctx = makeContext(conn, { baseDir: dir, become: { user: 'root' } });
      const { result: out } = await runModule(copyModule, ctx, { content: 'r\n', dest: join(dir, 'rootfile') });
      expect(out.failed, String(out.msg)).toBeFalsy();
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(fresh)).toBe(true);
    } finally {
      rmSync(stale, { force: true });
      rmSync(fresh, { force: true });
    }
  });

  it('a failed write leaves no temp file', async () => {
    const dest = join(dir, 'bad.conf');
    const ctx = makeContext(conn, { baseDir: dir });
    const { result: out } = await runModule(copyModule, ctx, { content: 'x\n', dest, validate: 'false %s' });
    expect(out.failed).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('.bad.conf.hapb-'))).toEqual([]);
  });
});
