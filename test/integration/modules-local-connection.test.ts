/** LocalConnection on this machine: exec, stdin, cwd, env, timeout, become, put/get; and a become write. */
import { checkContext, runModule } from '../../src/modules/run-module.js';
import { chmodSync, readdirSync, mkdtempSync, readFileSync, rmSync, statSync, chownSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalConnection, TIMEOUT_RC } from '../../src/connection/local.js';
import { copyModule } from '../../src/modules/copy.js';
import { hasCommand, isRoot } from '../helpers/env.js';
import { makeContext } from '../helpers/module-context.js';

let dir = '';
const conn = new LocalConnection('local');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), `hapb-t-modules-conn-${process.pid}-`));
  // other users (become nobody) must be able to reach into it
  chmodSync(dir, 0o755);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** a process is alive when it exists and is not a zombie (PID 1 here may not reap orphans) */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

describe('LocalConnection', () => {
  it('runs through /bin/sh -c and returns rc, stdout, stderr', async () => {
    expect(await conn.exec('echo out; echo err >&2; exit 3')).toEqual({ rc: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('feeds stdin, honours cwd and env', async () => {
    const r = await conn.exec('pwd; printf %s "$X"; cat', { stdin: 'in put', cwd: dir, env: { X: "it's" } });
    expect(r.stdout).toBe(`${dir}\nit'sin put`);
  });

  it('does not fail when the command ignores a large stdin', async () => {
    const r = await conn.exec('true', { stdin: Buffer.alloc(4 * 1024 * 1024, 'x') });
    expect(r.rc).toBe(0);
  });

  it('kills a command at its timeout, and what it started, by PID', async () => {
    const pidFile = join(dir, 'sleeper.pid');
    const start = Date.now();
    const r = await conn.exec(`sleep 30 & echo $! > ${pidFile}; wait`, { timeoutMs: 300 });
    expect(Date.now() - start).toBeLessThan(10_000);
    expect(r.rc).toBe(TIMEOUT_RC);
    expect(r.stderr).toMatch(/timed out after 300 ms/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(1);
    // its pipes close a moment before the kernel marks it a zombie: give a loaded box that moment
    for (let i = 0; i < 40 && alive(pid); i++) await new Promise((r) => setTimeout(r, 25));
    expect(alive(pid)).toBe(false);
  });

  it('puts and gets files, with a mode', async () => {
    const p = join(dir, 'put');
    await conn.put(Buffer.from([0, 1, 2]), p, { mode: '0600' });
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(await conn.get(p)).toEqual(Buffer.from([0, 1, 2]));
    expect(await conn.get(join(dir, 'missing'))).toBeNull();
  });

  it.skipIf(!isRoot || !hasCommand('sudo'))('becomes another user through sudo', async () => {
    const r = await conn.exec('id -un', { become: { user: 'nobody' } });
    expect(r).toMatchObject({ rc: 0, stdout: 'nobody\n' });
  });

  it.skipIf(!isRoot || !hasCommand('sudo'))('copy with become to an unprivileged user writes as that user', async () => {
    const sub = join(dir, 'nobody-owned');
    mkdirSync(sub);
    chownSync(sub, 65534, 65534);
    const dest = join(sub, 'f');
    const ctx = makeContext(conn, { become: { user: 'nobody' } });
    const { result: out } = await runModule(copyModule, ctx, { content: 'secret\n', dest, mode: '0600' });
    expect(out.changed).toBe(true);
    expect(out.failed, String(out.msg)).toBe(false);
    const st = statSync(dest);
    expect([st.uid, st.mode & 0o777]).toEqual([65534, 0o600]);
    expect(readFileSync(dest, 'utf8')).toBe('secret\n');
    expect((await copyModule.check(checkContext(ctx), { content: 'secret\n', dest, mode: '0600' })).changed).toBe(false);
  });

  it.skipIf(!isRoot || !hasCommand('sudo'))('copy with become root uploads to /tmp and leaves nothing there', async () => {
    const dest = join(dir, 'rootfile');
    const ctx = makeContext(conn, { become: { user: 'root' } });
    const uploads = (): string[] => readdirSync('/tmp').filter((f) => f.startsWith('.hapb-upload-'));
    const before = new Set(uploads());
    const { result: out } = await runModule(copyModule, ctx, { content: 'x\n', dest });
    expect(out.failed, String(out.msg)).toBe(false);
    expect(readFileSync(dest, 'utf8')).toBe('x\n');
    expect(uploads().filter((f) => !before.has(f))).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.includes('.hapb-'))).toEqual([]);
  });
});
