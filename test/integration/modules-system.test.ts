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
import { runModule } from '../../src/modules/run-module.js';
import type { TaskResult } from '../../src/core/types.js';
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
): Promise<{ result: TaskResult }> {
  const m = getModule(module);
  if (!m) throw new Error(`no module ${module}`);
  const ctx = makeContext(o.conn ?? local, o);
  // the module half of the task pipeline: result is what the user sees
  const { result } = await runModule(m, ctx, args);
  return { result };
}

describe('command and shell', () => {
  it('creates: runs once, then is skipped', async () => {
    const marker = join(dir, 'made');
    const args = { _raw_params: `touch ${marker}`, creates: marker };
    const first = await run('command', args);
    expect(first.result.changed).toBe(true);
    expect(first.result.rc).toBe(0);
    expect(existsSync(marker)).toBe(true);
    const second = await run('command', args);
    expect(second.result).toMatchObject({ changed: false, failed: false });
    expect(second.result.msg).toMatch(/since .* exists/);
  });

  it('removes: runs while the file is there', async () => {
    const marker = join(dir, 'gone');
    writeFileSync(marker, '');
    const args = { cmd: `rm ${marker}`, removes: marker };
    expect((await run('shell', args)).result.changed).toBe(true);
    expect(existsSync(marker)).toBe(false);
    expect((await run('shell', args)).result.changed).toBe(false);
  });

  it('creates with a glob', async () => {
    writeFileSync(join(dir, 'glob-1.log'), '');
    expect((await run('command', { _raw_params: 'false', creates: join(dir, 'glob-*.log') })).result.changed).toBe(false);
    expect((await run('command', { _raw_params: 'false', creates: join(dir, 'none-*.log') })).result.changed).toBe(true);
  });

  it('check mode: creates decides without running', async () => {
    const marker = join(dir, 'dry');
    const { result } = await run('command', { _raw_params: `touch ${marker}`, creates: marker }, { check: true });
    expect(result).toMatchObject({ changed: true, skipped: false, failed: false, plan: [`touch ${marker}`] });
    expect(existsSync(marker)).toBe(false);
  });

  it('check mode: a command without creates/removes is skipped and not run', async () => {
    const marker = join(dir, 'dry-plain');
    const { result } = await run('shell', { cmd: `touch ${marker}` }, { check: true });
    // Ansible's keys, so `{{ out.stdout }}` works after a check-mode run
    expect(result).toMatchObject({ changed: false, skipped: true, failed: false, msg: 'Command would have run if not in check mode', stdout: '', stderr: '', rc: 0, stdout_lines: [], delta: null });
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
    expect(first.result.changed).toBe(true);
    expect(first.result.failed, String(first.result.msg)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(`${key}=${want}\n`);
    expect(inNs()).toBe(String(want));
    expect((await run('sysctl', args, { conn })).result.changed).toBe(false);
    expect(readFileSync(proc, 'utf8')).toBe(rootBefore);
  });

  it('sysctl_set notices a live value that drifted from the file', async () => {
    const file = join(dir, '98-test.conf');
    const args = { name: key, value: '1', sysctl_file: file, sysctl_set: true };
    await run('sysctl', args, { conn });
    execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `${key}=0`]);
    expect((await run('sysctl', { ...args, sysctl_set: false }, { conn })).result.changed).toBe(false);
    const drift = await run('sysctl', args, { conn, diff: true });
    expect(drift.result.changed).toBe(true);
    expect(drift.result.diff?.map((d) => d.path)).toEqual([`sysctl ${key}`]);
    expect(inNs()).toBe('1');
    expect(readFileSync(proc, 'utf8')).toBe(rootBefore);
  });

  it('check mode changes neither the file nor the kernel', async () => {
    const file = join(dir, '97-test.conf');
    const before = inNs();
    const want = before === '1' ? 0 : 1;
    const { result } = await run('sysctl', { name: key, value: want, sysctl_file: file, sysctl_set: true }, { conn, check: true });
    expect(result).toMatchObject({ changed: true, skipped: false, failed: false });
    expect(result.plan).toEqual([`sysctl -q -w -- ${key}=${want}`, expect.stringMatching(new RegExp(`^write ${file} `)), `sysctl -q -p ${file}`]);
    expect(existsSync(file)).toBe(false);
    expect(inNs()).toBe(before);
  });

  it('state=absent removes the key from the file', async () => {
    const file = join(dir, '96-test.conf');
    writeFileSync(file, `# keep\n${key} = 1\n`);
    await run('sysctl', { name: key, state: 'absent', sysctl_file: file }, { conn });
    expect(readFileSync(file, 'utf8')).toBe('# keep\n');
    expect((await run('sysctl', { name: key, state: 'absent', sysctl_file: file }, { conn })).result.changed).toBe(false);
  });

  it('an unknown key fails with sysctl_set', async () => {
    const { result } = await run('sysctl', { name: 'net.ipv4.no_such_key', value: 1, sysctl_file: join(dir, 'x.conf'), sysctl_set: true }, { conn });
    expect(result.failed).toBe(true);
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
    const { result } = await run('package', { name: ['nginx-light', 'curl'], state: 'present' });
    expect(result).toMatchObject({ changed: false, failed: false, manager: 'apt', packages: [] });
  });

  it('check mode for a missing package reports the change and installs nothing', async () => {
    // a small package known to apt that this machine does not have
    const candidates = ['hello', 'cowsay', 'sl'].filter((n) => !installed(n));
    const name = candidates[0];
    expect(name).toBeDefined();
    const { result } = await run('apt', { name, state: 'present' }, { check: true });
    expect(result).toMatchObject({ changed: true, skipped: false, failed: false, packages: [name], plan: [expect.stringMatching(new RegExp(`apt-get install .* -- ${name}$`))] });
    expect(installed(String(name))).toBe(false);
  });

  it('an unknown package fails in check mode too', async () => {
    const { result } = await run('package', { name: 'hapb-no-such-package' }, { check: true });
    expect(result.failed).toBe(true);
    expect(result.msg).toMatch(/No package matching/);
  });
});

describe('wait_for and uri (loopback)', () => {
  let server: Server;
  let port = 0;
  let closedPort = 0;
  let requests = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
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
    const { result } = await run('wait_for', { port, timeout: 5 });
    expect(result).toMatchObject({ changed: false, failed: false, state: 'started' });
    expect(Number(result.elapsed)).toBeLessThan(1);
  });

  it('wait_for stopped on a closed port returns at once', async () => {
    const { result } = await run('wait_for', { port: closedPort, state: 'stopped', timeout: 5 });
    expect(result.failed).toBe(false);
  });

  it('wait_for a port that stays closed times out', async () => {
    const { result } = await run('wait_for', { port: closedPort, timeout: 1 });
    expect(result).toMatchObject({ failed: true, msg: `Timeout when waiting for 127.0.0.1:${closedPort}` });
  });

  it('wait_for a file that appears later', async () => {
    const p = join(dir, 'appears');
    const t = setTimeout(() => writeFileSync(p, 'ready now\n'), 1200);
    try {
      const { result } = await run('wait_for', { path: p, search_regex: 'ready', timeout: 10 });
      expect(result.failed, result.msg).toBe(false);
      expect(Number(result.elapsed)).toBeGreaterThanOrEqual(1);
    } finally {
      clearTimeout(t);
    }
  });

  it('check mode: wait_for is skipped, as docs/modules.md says, and waits for nothing', async () => {
    const start = Date.now();
    const { result } = await run('wait_for', { port: closedPort, timeout: 1 }, { check: true });
    expect(result).toMatchObject({ skipped: true, changed: false, failed: false });
    expect(result.msg).toMatch(/^skipped, running in check mode/);
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it('check mode: uri is skipped and sends no request', async () => {
    const before = requests;
    const { result } = await run('uri', { url: `http://127.0.0.1:${port}/x`, method: 'POST', body: 'x' }, { check: true });
    expect(result).toMatchObject({ skipped: true, changed: false, failed: false });
    expect(requests).toBe(before);
  });

  it('uri GET returns status, headers and parsed JSON content', async () => {
    const { result } = await run('uri', { url: `http://127.0.0.1:${port}/x`, return_content: true, headers: { 'X-Test': 'yes' } });
    expect(result.failed, result.msg).toBe(false);
    expect(result).toMatchObject({ changed: false, status: 200, x_seen: 'yes', json: { method: 'GET', body: '' } });
  });

  it('uri POST sends a JSON body', async () => {
    const { result } = await run('uri', { url: `http://127.0.0.1:${port}/`, method: 'POST', body: { a: 1 }, body_format: 'json', return_content: true });
    expect(result.json).toEqual({ method: 'POST', body: '{"a":1}' });
  });

  it.each([
    ['an unexpected status fails', '/missing', undefined, /Status code was 404 and not \[200\]/],
    ['an accepted status passes', '/missing', [200, 404], null],
  ])('uri: %s', async (_t, path, status_code, msg) => {
    const { result } = await run('uri', { url: `http://127.0.0.1:${port}${path}`, ...(status_code ? { status_code } : {}) });
    expect(result.failed).toBe(msg !== null);
    if (msg) expect(result.msg).toMatch(msg);
  });

  it('uri to a closed port fails with status -1', async () => {
    const { result } = await run('uri', { url: `http://127.0.0.1:${closedPort}/`, timeout: 3 });
    expect(result).toMatchObject({ failed: true, status: -1 });
    expect(result.msg).toMatch(/Status code was -1/);
  });
});
