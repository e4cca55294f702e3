/**
 * get_url against an HTTP server on 127.0.0.1 started by the test, unarchive
 * of tar.gz and zip archives (controller and remote_src), authorized_key and
 * fetch, with the real LocalConnection into a temp directory.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import type { TaskResult } from '../../src/core/types.js';
import { getModule } from '../../src/modules/index.js';
import { runModule } from '../../src/modules/run-module.js';
import { makeContext } from '../helpers/module-context.js';

const conn = new LocalConnection('local');
let dir = '';
let server: Server;
let base = '';
const hits: string[] = [];
const body = 'payload v1\n';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hapb-t-transfer-'));
  server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url} ${req.headers['if-modified-since'] ? 'ims' : ''}`.trim());
    if (req.url === '/file.txt') {
      res.setHeader('Last-Modified', new Date(0).toUTCString());
      if (req.headers['if-modified-since']) {
        res.statusCode = 304;
        res.end();
        return;
      }
      res.end(body);
    } else if (req.url === '/SHA256SUMS') res.end(`${createHash('sha256').update(body).digest('hex')}  file.txt\n0000  other\n`);
    else {
      res.statusCode = 404;
      res.end('no');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(name: string, args: Record<string, unknown>, check = false): Promise<TaskResult> {
  const m = getModule(name);
  if (!m) throw new Error(name);
  return (await runModule(m, makeContext(conn, { check, baseDir: dir, vars: { inventory_hostname: 'h1' } }), args)).result;
}

describe('get_url', () => {
  it('downloads atomically, verifies the checksum, then leaves the file alone', async () => {
    const dest = join(dir, 'dl', 'file.txt');
    mkdirSync(join(dir, 'dl'));
    const sha256 = createHash('sha256').update(body).digest('hex');
    const args = { url: `${base}/file.txt`, dest, checksum: `sha256:${sha256}`, mode: '0640' };
    expect(await run('get_url', args, true)).toMatchObject({ changed: true });
    expect(existsSync(dest)).toBe(false);
    const r = await run('ansible.builtin.get_url', args);
    expect(r).toMatchObject({ changed: true, failed: false, status_code: 200, msg: `OK (${body.length} bytes)`, checksum_src: createHash('sha1').update(body).digest('hex'), dest });
    expect(readFileSync(dest, 'utf8')).toBe(body);
    expect((statSync(dest).mode & 0o7777).toString(8)).toBe('640');
    expect(readdirSync(join(dir, 'dl'))).toEqual(['file.txt']);
    const n = hits.length;
    expect(await run('get_url', args)).toMatchObject({ changed: false, msg: 'file already exists' });
    expect(hits.length).toBe(n); // no request: the checksum matched
    // the checksum from a checksum file on the server
    expect(await run('get_url', { ...args, checksum: `sha256:${base}/SHA256SUMS` })).toMatchObject({ changed: false, msg: 'file already exists' });
  });

  it('without checksum: a conditional request (304), force downloads again', async () => {
    const dest = join(dir, 'dl', 'cond.txt');
    expect(await run('get_url', { url: `${base}/file.txt`, dest })).toMatchObject({ changed: true });
    expect(await run('get_url', { url: `${base}/file.txt`, dest })).toMatchObject({ changed: false, msg: 'Not Modified' });
    expect(hits[hits.length - 1]).toBe('GET /file.txt ims');
    expect(await run('get_url', { url: `${base}/file.txt`, dest, force: true })).toMatchObject({ changed: false, checksum_dest: createHash('sha1').update(body).digest('hex') });
    // into a directory: the URL's file name
    expect(await run('get_url', { url: `${base}/file.txt`, dest: join(dir, 'dl') + '/', force: true })).toMatchObject({ dest: join(dir, 'dl', 'file.txt'), changed: false });
  });

  it('a wrong checksum fails and leaves nothing; a 404 fails', async () => {
    const dest = join(dir, 'dl', 'bad.txt');
    const r = await run('get_url', { url: `${base}/file.txt`, dest, checksum: 'sha1:0000000000000000000000000000000000000000' });
    expect(r).toMatchObject({ failed: true, changed: true });
    expect(String(r.msg)).toMatch(/^The checksum for .*bad\.txt did not match 0{40}; it was [0-9a-f]{40}\.$/);
    expect(readdirSync(join(dir, 'dl')).filter((f) => f.includes('bad'))).toEqual([]);
    expect(await run('get_url', { url: `${base}/missing`, dest })).toMatchObject({ failed: true, msg: 'Request failed', status_code: 404 });
    expect(await run('get_url', { url: `${base}/file.txt`, dest: join(dir, 'nodir', 'x') })).toMatchObject({ failed: true, msg: `Destination ${join(dir, 'nodir')} does not exist` });
  });
});

describe('unarchive', () => {
  beforeAll(() => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'A\n');
    writeFileSync(join(src, 'sub', 'b.txt'), 'B\n');
    mkdirSync(join(dir, 'files'), { recursive: true });
    execFileSync('tar', ['-czf', join(dir, 'files', 'site.tar.gz'), '-C', src, '.']);
    execFileSync('sh', ['-c', `cd '${src}' && zip -qr '${join(dir, 'files', 'site.zip')}' a.txt sub`]);
  });

  it.each([['site.tar.gz', 'TgzArchive'], ['site.zip', 'ZipArchive']])('%s from the controller, then unchanged', async (name, handler) => {
    const dest = join(dir, `out-${name}`);
    mkdirSync(dest);
    // check mode: Ansible's zip handler tells what it would do, its tar handlers skip the task
    const checked = await run('unarchive', { src: name, dest }, true);
    if (handler === 'ZipArchive') expect(checked).toMatchObject({ changed: true, handler });
    else expect(checked).toMatchObject({ changed: false, skipped: true, msg: 'remote module (ansible.legacy.unarchive) does not support check mode when using gtar' });
    expect(readdirSync(dest)).toEqual([]);
    expect(await run('unarchive', { src: name, dest, list_files: true })).toMatchObject({ changed: true, failed: false, handler, files: expect.arrayContaining(['a.txt', 'sub/', 'sub/b.txt']) });
    expect(readFileSync(join(dest, 'sub', 'b.txt'), 'utf8')).toBe('B\n');
    expect(await run('unarchive', { src: name, dest })).toMatchObject({ changed: false });
    writeFileSync(join(dest, 'a.txt'), 'changed\n');
    expect(await run('unarchive', { src: name, dest })).toMatchObject({ changed: true });
    expect(readFileSync(join(dest, 'a.txt'), 'utf8')).toBe('A\n');
    // no upload left in /tmp
    expect(readdirSync('/tmp').filter((f) => f.startsWith('.hapb-unarchive-'))).toEqual([]);
  });

  it('remote_src, creates, and a missing dest', async () => {
    const dest = join(dir, 'out-remote');
    mkdirSync(dest);
    const src = join(dir, 'files', 'site.tar.gz');
    expect(await run('unarchive', { src, dest, remote_src: true })).toMatchObject({ changed: true });
    expect(await run('unarchive', { src, dest, remote_src: true })).toMatchObject({ changed: false });
    expect(await run('unarchive', { src, dest, remote_src: true, creates: join(dest, 'a.txt') })).toMatchObject({ changed: false, msg: `skipped, since ${join(dest, 'a.txt')} exists` });
    expect(await run('unarchive', { src, dest: join(dir, 'nope'), remote_src: true })).toMatchObject({ failed: true, msg: `dest '${join(dir, 'nope')}' must be an existing dir` });
  });
});

describe('authorized_key and fetch', () => {
  it('adds a key in Ansible\'s format, replaces its options, removes it', async () => {
    const path = join(dir, 'keys', 'authorized_keys');
    const k1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHapbOne one@example';
    const k2 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHapbTwo';
    expect(await run('ansible.posix.authorized_key', { user: 'root', key: k1, path }, true)).toMatchObject({ changed: true });
    expect(existsSync(path)).toBe(false);
    expect(await run('authorized_key', { user: 'root', key: `${k1}\n${k2}`, path })).toMatchObject({ changed: true, keyfile: path });
    expect(readFileSync(path, 'utf8')).toBe(`${k1}\n${k2} \n`);
    expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(join(dir, 'keys')).mode & 0o777).toString(8)).toBe('700');
    expect(await run('authorized_key', { user: 'root', key: k2, path })).toMatchObject({ changed: false });
    expect(await run('authorized_key', { user: 'root', key: k2, path, key_options: 'no-pty,from="10.0.0.1"' })).toMatchObject({ changed: true });
    expect(readFileSync(path, 'utf8')).toBe(`${k1}\nno-pty,from="10.0.0.1" ${k2} \n`);
    expect(await run('authorized_key', { user: 'root', key: k1, path, state: 'absent' })).toMatchObject({ changed: true });
    expect(await run('authorized_key', { user: 'root', key: k2, path, exclusive: true })).toMatchObject({ changed: true });
    expect(readFileSync(path, 'utf8')).toBe(`${k2} \n`);
    expect(await run('authorized_key', { user: 'root', key: 'not a key', path })).toMatchObject({ failed: true, msg: 'invalid key specified: not a key' });
  });

  it('fetch lays files out as dest/host/path; flat; a missing file fails', async () => {
    const src = join(dir, 'files', 'site.tar.gz');
    const dest = join(dir, 'fetched');
    const r = await run('fetch', { src, dest });
    const want = join(dest, 'h1', src);
    expect(r).toMatchObject({ changed: true, dest: want, checksum: createHash('sha1').update(readFileSync(src)).digest('hex') });
    expect(readFileSync(want).equals(readFileSync(src))).toBe(true);
    expect(await run('fetch', { src, dest })).toMatchObject({ changed: false });
    expect(await run('fetch', { src, dest: `${dest}/flat/`, flat: true })).toMatchObject({ changed: true, dest: join(dest, 'flat', 'site.tar.gz') });
    expect(await run('fetch', { src: join(dir, 'missing'), dest })).toMatchObject({ failed: true, msg: 'the remote file does not exist, not transferring, ignored' });
    expect(await run('fetch', { src: join(dir, 'missing'), dest, fail_on_missing: false })).toMatchObject({ failed: false, changed: false });
  });
});
