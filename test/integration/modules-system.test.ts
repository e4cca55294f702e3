/**
 * command/shell, sysctl (inside a private network namespace), package (apt,
 * read-only), wait_for and uri against this machine through LocalConnection.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/connection/command.js';
import { LocalConnection } from '../../src/connection/local.js';
import type { ExecOptions, ExecResult } from '../../src/connection/types.js';
import { getModule } from '../../src/modules/index.js';
import type { ModulePlan } from '../../src/modules/types.js';
import { canUseNamespaces, hasCommand } from '../helpers/env.js';
import { makeContext, type TestContextOptions } from '../helpers/module-context.js';

/** A LocalConnection whose commands run inside one network namespace. */
class NetnsConnection extends LocalConnection {
  constructor(private readonly ns: string) {
    super(`netns-${ns}`);
  }
  override exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return super.exec(`ip netns exec ${shellQuote(this.ns)} /bin/sh -c ${shellQuote(command)}`, opts);
  }
}

let dir = '';
const local = new LocalConnection('local');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), `hapb-t-modules-sys-${process.pid}-`));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(
  module: string,
  args: Record<string, unknown>,
  o: TestContextOptions & { conn?: LocalConnection } = {},
): Promise<{ plan: ModulePlan; result: Record<string, unknown> }> {
  const m = getModule(module);
  if (!m) throw new Error(`no module ${module}`);
  const ctx = makeContext(o.conn ?? local, o);
  const plan = await m.check(ctx, args);
  let result: Record<string, unknown> = {};
  if (plan.changed && !ctx.check && plan.apply) result = (await plan.apply()) ?? {};
  return { plan, result };
}

describe('command and shell', () => {
  it('creates: runs once, then is skipped', async () => {
    const marker = join(dir, 'made');
    const args = { _raw_params: `touch ${marker}`, creates: marker };
    const first = await run('command', args);
    expect(first.plan.changed).toBe(true);
    expect(first.result.rc).toBe(0);
    expect(existsSync(marker)).toBe(true);
    const second = await run('command', args);
    expect(second.plan).toMatchObject({ changed: false });
    expect(second.plan.msg).toMatch(/since .* exists/);
  });

  it('removes: runs while the file is there', async () => {
    const marker = join(dir, 'gone');
    writeFileSync(marker, '');
    const args = { cmd: `rm ${marker}`, removes: marker };
    expect((await run('shell', args)).plan.changed).toBe(true);
    expect(existsSync(marker)).toBe(false);
    expect((await run('shell', args)).plan.changed).toBe(false);
  });

  it('creates with a glob', async () => {
    writeFileSync(join(dir, 'glob-1.log'), '');
    expect((await run('command', { _raw_params: 'false', creates: join(dir, 'glob-*.log') })).plan.changed).toBe(false);
    expect((await run('command', { _raw_params: 'false', creates: join(dir, 'none-*.log') })).plan.changed).toBe(true);
  });

  it('check mode: creates decides without running', async () => {
    const marker = join(dir, 'dry');
    const { plan } = await run('command', { _raw_params: `touch ${marker}`, creates: marker }, { check: true });
    expect(plan).toMatchObject({ changed: true });
    expect(plan.skipInCheck).toBeFalsy();
    expect(existsSync(marker)).toBe(false);
  });

  it('command does not expand, shell does', async () => {
    const c = await run('command', { _raw_params: 'echo $HOME "a  b"' });
    expect(c.result.stdout).toBe('$HOME a  b');
    const s = await run('shell', { _raw_params: 'echo $((6*7)) | cat', chdir: dir });
    expect(s.result).toMatchObject({ rc: 0, stdout: '42', stdout_lines: ['42'] });
  });

  it('a non-zero rc fails with the output', async () => {
    const { result } = await run('shell', { cmd: 'echo bad >&2; exit 5' });
    expect(result).toMatchObject({ failed: true, rc: 5, stderr: 'bad', stderr_lines: ['bad'] });
  });

  it('stdin reaches the command', async () => {
    const { result } = await run('command', { argv: ['wc', '-l'], stdin: 'a\nb' });
    expect(result.stdout).toBe('2');
  });
});

describe.skipIf(!canUseNamespaces)('sysctl in a private network namespace', () => {
  const ns = `hapb-t-modules-${process.pid}`;
  const key = 'net.ipv4.ip_nonlocal_bind';
  const proc = '/proc/sys/net/ipv4/ip_nonlocal_bind';
  let conn: NetnsConnection;
  let rootBefore = '';

  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', ns]);
    conn = new NetnsConnection(ns);
    rootBefore = readFileSync(proc, 'utf8');
  });
  afterAll(() => {
    execFileSync('ip', ['netns', 'delete', ns]);
  });
  const inNs = (): string => execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-n', key]).toString().trim();

  it('writes the file, loads it in the namespace, converges; the root namespace is untouched', async () => {
    const file = join(dir, '99-test.conf');
    const want = inNs() === '1' ? 0 : 1;
    const args = { name: key, value: want, sysctl_file: file };
    const first = await run('sysctl', args, { conn });
    expect(first.plan.changed).toBe(true);
    expect(first.result.failed, String(first.result.msg)).toBeFalsy();
    expect(readFileSync(file, 'utf8')).toBe(`${key}=${want}\n`);
    expect(inNs()).toBe(String(want));
    expect((await run('sysctl', args, { conn })).plan.changed).toBe(false);
    expect(readFileSync(proc, 'utf8')).toBe(rootBefore);
  });

  it('sysctl_set notices a live value that drifted from the file', async () => {
    const file = join(dir, '98-test.conf');
    const args = { name: key, value: '1', sysctl_file: file, sysctl_set: true };
    await run('sysctl', args, { conn });
    execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `${key}=0`]);
    expect((await run('sysctl', { ...args, sysctl_set: false }, { conn })).plan.changed).toBe(false);
    const drift = await run('sysctl', args, { conn });
    expect(drift.plan.changed).toBe(true);
    expect(drift.plan.diff?.map((d) => d.path)).toEqual([`sysctl ${key}`]);
    expect(inNs()).toBe('1');
    expect(readFileSync(proc, 'utf8')).toBe(rootBefore);
  });

  it('check mode changes neither the file nor the kernel', async () => {
    const file = join(dir, '97-test.conf');
    const before = inNs();
    const { plan } = await run('sysctl', { name: key, value: before === '1' ? 0 : 1, sysctl_file: file, sysctl_set: true }, { conn, check: true });
    expect(plan.changed).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(inNs()).toBe(before);
  });

  it('state=absent removes the key from the file', async () => {
    const file = join(dir, '96-test.conf');
    writeFileSync(file, `# keep\n${key} = 1\n`);
    await run('sysctl', { name: key, state: 'absent', sysctl_file: file }, { conn });
    expect(readFileSync(file, 'utf8')).toBe('# keep\n');
    expect((await run('sysctl', { name: key, state: 'absent', sysctl_file: file }, { conn })).plan.changed).toBe(false);
  });

  it('an unknown key fails with sysctl_set', async () => {
    const { plan } = await run('sysctl', { name: 'net.ipv4.no_such_key', value: 1, sysctl_file: join(dir, 'x.conf'), sysctl_set: true }, { conn });
    expect(plan.failed).toBe(true);
  });
});

describe.skipIf(!hasCommand('dpkg-query') || !hasCommand('apt-cache'))('package (apt, read-only)', () => {
  const installed = (name: string): boolean => {
    try {
      return execFileSync('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', name], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().startsWith('ii');
    } catch {
      return false;
    }
  };

  it('present for an installed package is unchanged', async () => {
    expect(installed('nginx-light')).toBe(true);
    const { plan } = await run('package', { name: ['nginx-light', 'curl'], state: 'present' });
    expect(plan).toMatchObject({ changed: false, data: { manager: 'apt', packages: [] } });
  });

  it('check mode for a missing package reports the change and installs nothing', async () => {
    // a small package known to apt that this machine does not have
    const candidates = ['hello', 'cowsay', 'sl'].filter((n) => !installed(n));
    const name = candidates[0];
    expect(name).toBeDefined();
    const { plan } = await run('apt', { name, state: 'present' }, { check: true });
    expect(plan).toMatchObject({ changed: true, data: { packages: [name] } });
    expect(installed(String(name))).toBe(false);
  });

  it('an unknown package fails in check mode too', async () => {
    const { plan } = await run('package', { name: 'hapb-no-such-package' }, { check: true });
    expect(plan.failed).toBe(true);
    expect(plan.msg).toMatch(/No package matching/);
  });
});

describe('wait_for and uri (loopback)', () => {
  let server: Server;
  let port = 0;
  let closedPort = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (req.url === '/missing') {
          res.writeHead(404).end('nope');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json', 'x-seen': String(req.headers['x-test'] ?? '') });
        res.end(JSON.stringify({ method: req.method, body }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('wait_for an open port returns at once', async () => {
    const { plan } = await run('wait_for', { port, timeout: 5 });
    expect(plan).toMatchObject({ changed: false, data: { state: 'started' } });
    expect(Number(plan.data?.elapsed)).toBeLessThan(1);
    expect(plan.failed).toBeFalsy();
  });

  it('wait_for stopped on a closed port returns at once', async () => {
    const { plan } = await run('wait_for', { port: closedPort, state: 'stopped', timeout: 5 });
    expect(plan.failed).toBeFalsy();
  });

  it('wait_for a port that stays closed times out', async () => {
    const { plan } = await run('wait_for', { port: closedPort, timeout: 1 });
    expect(plan).toMatchObject({ failed: true, msg: `Timeout when waiting for 127.0.0.1:${closedPort}` });
  });

  it('wait_for a file that appears later', async () => {
    const p = join(dir, 'appears');
    const t = setTimeout(() => writeFileSync(p, 'ready now\n'), 1200);
    try {
      const { plan } = await run('wait_for', { path: p, search_regex: 'ready', timeout: 10 });
      expect(plan.failed, plan.msg).toBeFalsy();
      expect(Number(plan.data?.elapsed)).toBeGreaterThanOrEqual(1);
    } finally {
      clearTimeout(t);
    }
  });

  it('wait_for is skipped in check mode', async () => {
    expect((await run('wait_for', { port: closedPort, timeout: 1 }, { check: true })).plan).toMatchObject({ skipInCheck: true });
  });

  it('uri GET returns status, headers and parsed JSON content', async () => {
    const { plan } = await run('uri', { url: `http://127.0.0.1:${port}/x`, return_content: true, headers: { 'X-Test': 'yes' } });
    expect(plan.failed, plan.msg).toBeFalsy();
    expect(plan.data).toMatchObject({ status: 200, x_seen: 'yes', json: { method: 'GET', body: '' } });
  });

  it('uri POST sends a JSON body', async () => {
    const { plan } = await run('uri', { url: `http://127.0.0.1:${port}/`, method: 'POST', body: { a: 1 }, body_format: 'json', return_content: true });
    expect(plan.data?.json).toEqual({ method: 'POST', body: '{"a":1}' });
  });

  it.each([
    ['an unexpected status fails', '/missing', undefined, /Status code was 404 and not \[200\]/],
    ['an accepted status passes', '/missing', [200, 404], null],
  ])('uri: %s', async (_t, path, status_code, msg) => {
    const { plan } = await run('uri', { url: `http://127.0.0.1:${port}${path}`, ...(status_code ? { status_code } : {}) });
    if (msg) expect(plan.msg).toMatch(msg);
    else expect(plan.failed).toBeFalsy();
  });

  it('uri to a closed port fails with status -1', async () => {
    const { plan } = await run('uri', { url: `http://127.0.0.1:${closedPort}/`, timeout: 3 });
    expect(plan).toMatchObject({ failed: true, data: { status: -1 } });
    expect(plan.msg).toMatch(/Status code was -1/);
  });
});
