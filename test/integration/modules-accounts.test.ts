/**
 * user and group with the real useradd/usermod/groupadd, on a copy of /etc
 * bind-mounted over /etc in a private mount namespace (and a tmpfs /home):
 * the machine's own accounts are never touched. debconf likewise, on a copy
 * of /var/cache/debconf. Every command of the modules
 * runs in that namespace through nsenter.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/connection/command.js';
import { LocalConnection } from '../../src/connection/local.js';
import type { Connection, ExecOptions, ExecResult, PutOptions } from '../../src/connection/types.js';
import type { TaskResult } from '../../src/core/types.js';
import { getModule } from '../../src/modules/index.js';
import { runModule } from '../../src/modules/run-module.js';
import { hasCommand, isRoot } from '../helpers/env.js';
import { makeContext } from '../helpers/module-context.js';

const can = isRoot && hasCommand('unshare') && hasCommand('nsenter') && hasCommand('useradd');

/** LocalConnection whose commands run in the mount namespace of `pid` */
class NsConnection implements Connection {
  readonly host = 'ns';
  private readonly local = new LocalConnection('ns');
  constructor(private readonly pid: number) {}
  async connect(): Promise<void> {}
  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.local.exec(`nsenter -t ${this.pid} -m -- /bin/sh -c ${shellQuote(command)}`, opts);
  }
  put(_c: Buffer, _p: string, _o?: PutOptions): Promise<void> {
    throw new Error('not used');
  }
  get(_p: string): Promise<Buffer | null> {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

let dir = '';
let holder: ChildProcess | undefined;
let conn: NsConnection;

beforeAll(async () => {
  if (!can) return;
  dir = mkdtempSync(join(tmpdir(), 'hapb-t-accounts-'));
  cpSync('/var/cache/debconf', join(dir, 'debconf'), { recursive: true });
  cpSync('/etc', join(dir, 'etc'), { recursive: true, verbatimSymlinks: true, errorOnExist: false, force: true, filter: (src) => !src.startsWith('/etc/ssl/private') });
  holder = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount --bind ${shellQuote(join(dir, 'etc'))} /etc && mount --bind ${shellQuote(join(dir, 'debconf'))} /var/cache/debconf && mount -t tmpfs hapbtest /home && echo ready && exec sleep 600`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    holder?.stdout?.once('data', () => resolve());
    holder?.once('exit', (c) => reject(new Error(`unshare exited ${c}`)));
  });
  conn = new NsConnection(holder.pid ?? 0);
});
afterAll(() => {
  if (holder?.pid) process.kill(holder.pid, 'SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(name: string, args: Record<string, unknown>, check = false): Promise<TaskResult> {
  const m = getModule(name);
  if (!m) throw new Error(name);
  return (await runModule(m, makeContext(conn, { check }), args)).result;
}

describe.runIf(can)('group and user in a private /etc', () => {
  it('group: created with a gid, then unchanged, gid changed, removed', async () => {
    expect(await run('group', { name: 'hapbtestg', gid: 4242 }, true)).toMatchObject({ changed: true });
    expect((await conn.exec('getent group hapbtestg')).rc).toBe(2);
    expect(await run('ansible.builtin.group', { name: 'hapbtestg', gid: 4242 })).toMatchObject({ changed: true, failed: false, gid: 4242, name: 'hapbtestg', state: 'present' });
    expect((await conn.exec('getent group hapbtestg')).stdout).toMatch(/^hapbtestg:x:4242:/);
    expect(await run('group', { name: 'hapbtestg', gid: 4242 })).toMatchObject({ changed: false, gid: 4242 });
    expect(await run('group', { name: 'hapbtestg', gid: '4243' })).toMatchObject({ changed: true, gid: 4243 });
    expect(await run('group', { name: 'hapbtestg', state: 'absent' })).toMatchObject({ changed: true });
    expect(await run('group', { name: 'hapbtestg', state: 'absent' })).toMatchObject({ changed: false });
    // the machine's own /etc/group never saw it
    expect(readFileSync('/etc/group', 'utf8')).not.toContain('hapbtestg');
  });

  it('user: the keepalived role\'s system user, then groups, shell, lock, removal', async () => {
    const args = { name: 'hapbtestu', system: true, create_home: false, home: '/nonexistent', shell: '/usr/sbin/nologin' };
    expect(await run('user', args, true)).toMatchObject({ changed: true, failed: false });
    expect((await conn.exec('getent passwd hapbtestu')).rc).toBe(2);
    const made = await run('user', args);
    expect(made).toMatchObject({ changed: true, failed: false, name: 'hapbtestu', home: '/nonexistent', shell: '/usr/sbin/nologin', system: true });
    expect(made.uid).toBeLessThan(1000);
    expect(await run('user', args)).toMatchObject({ changed: false, uid: made.uid });
    // Debian's USERGROUPS_ENAB made a group of the same name
    expect((await conn.exec('id -gn hapbtestu')).stdout.trim()).toBe('hapbtestu');

    await run('group', { name: 'hapbtestx' });
    expect(await run('user', { name: 'hapbtestu', groups: ['hapbtestx'], append: true })).toMatchObject({ changed: true });
    expect((await conn.exec('id -Gn hapbtestu')).stdout).toContain('hapbtestx');
    expect(await run('user', { name: 'hapbtestu', groups: 'hapbtestx', append: true })).toMatchObject({ changed: false });
    expect(await run('user', { name: 'hapbtestu', groups: [] })).toMatchObject({ changed: true });
    expect((await conn.exec('id -Gn hapbtestu')).stdout).not.toContain('hapbtestx');
    expect(await run('user', { name: 'hapbtestu', groups: ['nosuchgroup'] })).toMatchObject({ failed: true, msg: 'Group nosuchgroup does not exist' });

    expect(await run('user', { name: 'hapbtestu', shell: '/bin/sh', comment: 'hapb test' })).toMatchObject({ changed: true, shell: '/bin/sh', comment: 'hapb test' });
    expect(await run('user', { name: 'hapbtestu', password: '$6$salt$hash', update_password: 'on_create' })).toMatchObject({ changed: false });
    expect(await run('user', { name: 'hapbtestu', password: '$6$salt$hash' })).toMatchObject({ changed: true, password: 'NOT_LOGGING_PASSWORD' });
    expect((await conn.exec('getent shadow hapbtestu')).stdout).toContain(':$6$salt$hash:');
    expect(await run('user', { name: 'hapbtestu', password: '$6$salt$hash' })).toMatchObject({ changed: false });
    expect(await run('user', { name: 'hapbtestu', password_lock: true })).toMatchObject({ changed: true });
    expect((await conn.exec('getent shadow hapbtestu')).stdout).toContain(':!$6$salt$hash:');
    expect(await run('user', { name: 'hapbtestu', password_lock: true })).toMatchObject({ changed: false });

    expect(await run('user', { name: 'hapbtestu', state: 'absent' }, true)).toMatchObject({ changed: true });
    expect(await run('user', { name: 'hapbtestu', state: 'absent' })).toMatchObject({ changed: true, force: false, remove: false });
    expect(await run('user', { name: 'hapbtestu', state: 'absent' })).toMatchObject({ changed: false });
    expect(readFileSync('/etc/passwd', 'utf8')).not.toContain('hapbtestu');
  });

  it('user: a home created under a missing parent', async () => {
    const r = await run('user', { name: 'hapbtesth', home: '/home/deep/hapbtesth' });
    expect(r).toMatchObject({ changed: true, create_home: true, home: '/home/deep/hapbtesth' });
    expect((await conn.exec('stat -c %U /home/deep/hapbtesth')).stdout.trim()).toBe('hapbtesth');
  });
});

describe.runIf(can)('debconf in a private /var/cache/debconf', () => {
  it('sets an answer once, check mode first, then reads it back', async () => {
    const args = { name: 'hapbtest-pkg', question: 'hapbtest-pkg/enable', vtype: 'boolean', value: true };
    expect(await run('debconf', { name: 'hapbtest-pkg' })).toMatchObject({ changed: false, current: {} });
    expect(await run('debconf', args, true)).toMatchObject({ changed: true, current: { 'hapbtest-pkg/enable': 'true' }, previous: { 'hapbtest-pkg/enable': '' } });
    expect((await conn.exec('debconf-show hapbtest-pkg')).stdout).toBe('');
    expect(await run('ansible.builtin.debconf', args)).toMatchObject({ changed: true, failed: false });
    expect((await conn.exec('debconf-show hapbtest-pkg')).stdout).toContain('hapbtest-pkg/enable: true');
    expect(await run('debconf', { ...args, value: 'True' })).toMatchObject({ changed: false });
    expect(await run('debconf', { ...args, value: 'no' })).toMatchObject({ changed: true, previous: { 'hapbtest-pkg/enable': 'true' } });
    expect(await run('debconf', { name: 'hapbtest-pkg', question: 'q' })).toMatchObject({ failed: true, msg: 'parameters are required together: question, vtype, value' });
  });
});
