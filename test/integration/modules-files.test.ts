/**
 * template, copy, file and lineinfile against this machine through the real
 * LocalConnection, in a temporary directory: converge, then a second check
 * reports no change; check mode writes nothing; a failed validate keeps the old file.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, lstatSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import { getModule } from '../../src/modules/index.js';
import { runModule } from '../../src/modules/run-module.js';
import type { TaskResult } from '../../src/core/types.js';
import type { ModulePlan } from '../../src/modules/types.js';
import { hasCommand, isRoot } from '../helpers/env.js';
import { makeContext, type TestContextOptions } from '../helpers/module-context.js';

let dir = '';
const conn = new LocalConnection('local');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), `hapb-t-modules-${process.pid}-`));
  mkdirSync(join(dir, 'templates'));
  mkdirSync(join(dir, 'files'));
  writeFileSync(join(dir, 'templates', 'site.conf.j2'), 'server_name {{ name }};\n{% for p in ports %}\nlisten {{ p }};\n{% endfor %}\n');
  writeFileSync(join(dir, 'files', 'blob.bin'), Buffer.from([0, 1, 2, 3, 255]));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ctxOpts = (o: TestContextOptions = {}): TestContextOptions => ({ baseDir: dir, vars: { name: 'example.org', ports: [80, 443] }, ...o });

async function run(module: string, args: Record<string, unknown>, o: TestContextOptions = {}): Promise<{ plan: ModulePlan; result: TaskResult }> {
  const m = getModule(module);
  if (!m) throw new Error(`no module ${module}`);
  const ctx = makeContext(conn, ctxOpts(o));
  // the module half of the task pipeline: result is what the user sees
  const { plan, result } = await runModule(m, ctx, args);
  return { plan: plan ?? { changed: false }, result };
}

/** converge: first run changes, second check does not */
async function converges(module: string, args: Record<string, unknown>): Promise<ModulePlan> {
  const first = await run(module, args);
  expect(first.plan.failed, first.plan.msg).toBeFalsy();
  expect(first.result.failed, String(first.result.msg)).toBeFalsy();
  expect(first.plan.changed).toBe(true);
  const second = await run(module, args);
  expect(second.plan.changed).toBe(false);
  expect(second.plan.failed).toBeFalsy();
  return first.plan;
}

/** files in dir left by a write (temp files must never stay) */
function leftovers(d: string): string[] {
  return readdirSync(d).filter((f) => f.includes('.hapb-'));
}

describe('template', () => {
  it('renders, converges, shows a diff, leaves no temp file', async () => {
    const dest = join(dir, 'site.conf');
    const plan = await converges('template', { src: 'site.conf.j2', dest, mode: '0640' });
    expect(readFileSync(dest, 'utf8')).toBe('server_name example.org;\nlisten 80;\nlisten 443;\n');
    expect(statSync(dest).mode & 0o7777).toBe(0o640);
    expect(plan.diff?.[0]).toMatchObject({ path: dest, before: '', after: 'server_name example.org;\nlisten 80;\nlisten 443;\n' });
    expect(leftovers(dir)).toEqual([]);
    // a change of vars is a change of the file, with its before/after
    const again = await run('template', { src: 'site.conf.j2', dest, mode: '0640' }, { vars: { name: 'other.org', ports: [80] } });
    expect(again.plan.changed).toBe(true);
    expect(again.plan.diff?.[0]?.before).toContain('example.org');
    expect(readFileSync(dest, 'utf8')).toBe('server_name other.org;\nlisten 80;\n');
  });

  it('check mode writes nothing but reports the change', async () => {
    const dest = join(dir, 'dry.conf');
    const { plan } = await run('template', { src: 'site.conf.j2', dest }, { check: true });
    expect(plan.changed).toBe(true);
    expect(() => statSync(dest)).toThrow();
    expect(leftovers(dir)).toEqual([]);
  });

  it('backup keeps the old file', async () => {
    const dest = join(dir, 'backed.conf');
    writeFileSync(dest, 'old\n');
    const { result } = await run('template', { src: 'site.conf.j2', dest, backup: true });
    const backup = String(result.backup_file);
    expect(readFileSync(backup, 'utf8')).toBe('old\n');
    expect(backup.startsWith(`${dest}.`)).toBe(true);
  });
});

describe('copy', () => {
  it.each([
    ['content', { content: 'hello\n' }, 'hello\n'],
    ['src', { src: 'blob.bin' }, Buffer.from([0, 1, 2, 3, 255]).toString('latin1')],
  ])('from %s converges', async (_t, args, want) => {
    const dest = join(dir, `copy-${_t}`);
    const plan = await converges('copy', { ...args, dest });
    expect(readFileSync(dest).toString('latin1')).toBe(want);
    if (_t === 'src') expect(plan.diff?.[0]?.omitted).toBe('binary file');
  });

  it('into a directory uses the source name', async () => {
    const sub = join(dir, 'into');
    mkdirSync(sub);
    await converges('copy', { src: 'blob.bin', dest: sub });
    expect(statSync(join(sub, 'blob.bin')).size).toBe(5);
  });

  it('keeps the mode of an existing file when none is given', async () => {
    const dest = join(dir, 'keepmode');
    writeFileSync(dest, 'a', { mode: 0o600 });
    await converges('copy', { content: 'b', dest });
    expect(statSync(dest).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['sh validator', `sh -c 'grep -q ok %s'`, 'not good\n', /failed to validate/],
  ])('a failing %s keeps the old file and reports', async (_t, validate, content, msg) => {
    const dest = join(dir, 'validated');
    writeFileSync(dest, 'ok old\n');
    const { plan, result } = await run('copy', { content, dest, validate });
    expect(plan.changed).toBe(true);
    expect(result.failed).toBe(true);
    expect(String(result.msg)).toMatch(msg);
    expect(readFileSync(dest, 'utf8')).toBe('ok old\n');
    expect(leftovers(dir)).toEqual([]);
    // a passing validator lets the new content in
    const ok = await run('copy', { content: 'ok new\n', dest, validate });
    expect(ok.result.failed).toBeFalsy();
    expect(readFileSync(dest, 'utf8')).toBe('ok new\n');
  });

  it.skipIf(!hasCommand('nginx'))('validates with the real nginx -t: a bad config never lands', async () => {
    const dest = join(dir, 'nginx.conf');
    const good = `pid ${dir}/nginx.pid;\nerror_log stderr;\nevents {}\nhttp { access_log off; server { listen 127.0.0.1:18080; } }\n`;
    const validate = 'nginx -t -q -c %s';
    const first = await run('copy', { content: good, dest, validate });
    expect(first.result.failed, String(first.result.msg)).toBeFalsy();
    const bad = good.replace('access_log off;', 'access_log off; no_such_directive on;');
    const { result } = await run('copy', { content: bad, dest, validate });
    expect(result.failed).toBe(true);
    expect(String(result.stderr)).toContain('unknown directive "no_such_directive"');
    expect(readFileSync(dest, 'utf8')).toBe(good);
    expect(leftovers(dir)).toEqual([]);
  });

  it.skipIf(!isRoot)('honours owner, group and mode (as root), and fixes them alone when content matches', async () => {
    const dest = join(dir, 'owned');
    await converges('copy', { content: 'x\n', dest, owner: 'nobody', group: 'nogroup', mode: '0604' });
    const st = statSync(dest);
    expect([st.uid, st.mode & 0o7777]).toEqual([65534, 0o604]);
    expect(st.gid).toBe(65534);
    // only the mode differs now: changed, content untouched
    const again = await run('copy', { content: 'x\n', dest, owner: 'nobody', group: 'nogroup', mode: '0600' });
    expect(again.plan.changed).toBe(true);
    expect(again.plan.diff?.[0]).toMatchObject({ before: 'mode: 0604\n', after: 'mode: 0600\n' });
    expect(statSync(dest).mode & 0o7777).toBe(0o600);
  });
});

describe('file', () => {
  it('directory, then attributes, then absent', async () => {
    const p = join(dir, 'd1', 'd2');
    await converges('file', { path: p, state: 'directory', mode: '0750' });
    expect(statSync(p).isDirectory()).toBe(true);
    expect(statSync(p).mode & 0o777).toBe(0o750);
    await converges('file', { path: p, state: 'directory', mode: '0755' });
    expect(statSync(p).mode & 0o777).toBe(0o755);
    await converges('file', { path: join(dir, 'd1'), state: 'absent' });
    expect(() => statSync(join(dir, 'd1'))).toThrow();
  });

  it('link converges and retargets', async () => {
    const p = join(dir, 'lnk');
    await converges('file', { path: p, state: 'link', src: '/etc/hostname' });
    expect(readlinkSync(p)).toBe('/etc/hostname');
    await converges('file', { path: p, state: 'link', src: '/etc/hosts' });
    expect(lstatSync(p).isSymbolicLink()).toBe(true);
    expect(readlinkSync(p)).toBe('/etc/hosts');
  });

  it('touch creates a file; check mode creates nothing', async () => {
    const p = join(dir, 'touched');
    const dry = await run('file', { path: p, state: 'touch' }, { check: true });
    expect(dry.plan.changed).toBe(true);
    expect(() => statSync(p)).toThrow();
    await run('file', { path: p, state: 'touch', mode: '0600' });
    expect(statSync(p).mode & 0o777).toBe(0o600);
  });
});

describe('lineinfile', () => {
  it('replaces by regexp, inserts, removes; each converges', async () => {
    const p = join(dir, 'sshd_config');
    writeFileSync(p, '# config\nPort 22\nPermitRootLogin yes\n', { mode: 0o600 });
    await converges('lineinfile', { path: p, regexp: '^PermitRootLogin', line: 'PermitRootLogin no' });
    await converges('lineinfile', { path: p, line: 'MaxStartups 10', insertafter: '^Port' });
    await converges('lineinfile', { path: p, regexp: '^#', state: 'absent' });
    expect(readFileSync(p, 'utf8')).toBe('Port 22\nMaxStartups 10\nPermitRootLogin no\n');
    expect(statSync(p).mode & 0o777).toBe(0o600);
  });

  it('fails on a missing file unless create', async () => {
    const p = join(dir, 'new-lines');
    const miss = await run('lineinfile', { path: p, line: 'a' });
    expect(miss.plan.failed).toBe(true);
    await converges('lineinfile', { path: p, line: 'a', create: true });
    expect(readFileSync(p, 'utf8')).toBe('a\n');
  });

  it('check mode leaves the file alone', async () => {
    const p = join(dir, 'dry-lines');
    writeFileSync(p, 'a\n');
    const { plan } = await run('lineinfile', { path: p, line: 'b' }, { check: true });
    expect(plan.changed).toBe(true);
    expect(plan.diff?.[0]).toMatchObject({ before: 'a\n', after: 'a\nb\n' });
    expect(readFileSync(p, 'utf8')).toBe('a\n');
  });
});

describe('errors', () => {
  it('a destination directory that does not exist fails cleanly', async () => {
    const { plan, result } = await run('copy', { content: 'x', dest: join(dir, 'no-such-dir', 'f') });
    expect(plan.changed).toBe(true);
    expect(result).toMatchObject({ failed: true });
    expect(String(result.msg)).toMatch(/uploading .* failed/);
  });
});

describe('awkward paths', () => {
  it.each([`it's a "file" $HOME`, 'semi;colon & amp', '-leading-dash'])('copy and lineinfile converge on %j', async (name) => {
    const dest = join(dir, name);
    await converges('copy', { content: 'a\n', dest, mode: '0600' });
    await converges('lineinfile', { path: dest, line: 'b' });
    expect(readFileSync(dest, 'utf8')).toBe('a\nb\n');
    expect(leftovers(dir)).toEqual([]);
  });
});
