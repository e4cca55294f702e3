import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyModule } from '../../src/modules/copy.js';
import { pathInfo, sha1, STALE_UPLOADS } from '../../src/modules/files.js';
import { fileModule } from '../../src/modules/file.js';
import { mkdirsInProcess } from '../../src/modules/in-process.js';
import { runModule } from '../../src/modules/run-module.js';
import { makeContext } from '../helpers/module-context.js';
import { RecordingConnection, type Rule } from '../helpers/recording-connection.js';

interface Fake {
  content?: string;
  mode?: string;
  owner?: string;
  group?: string;
  kind?: 'regular file' | 'directory' | 'symbolic link';
  target?: string;
}

/** the reply of statFile's script for a file with these facts */
function statReply(f: Fake | undefined, withContent = true): { stdout: string } {
  if (!f) return { stdout: 'absent\n' };
  const kind = f.kind ?? 'regular file';
  const body = Buffer.from(f.content ?? '');
  const head = `${kind}|${f.mode ?? '644'}|${f.owner ?? 'root'}|${f.group ?? 'root'}|${body.length}\n`;
  if (kind === 'symbolic link') return { stdout: `${head}${f.target ?? ''}\n` };
  if (kind === 'directory') return { stdout: head };
  return { stdout: `${head}${sha1(body)}\n${withContent ? body.toString('base64') : ''}` };
}

function host(files: Record<string, Fake>, extra: Rule[] = []): RecordingConnection {
  return new RecordingConnection([
    ...extra,
    {
      match: /^if \[ ! -e /,
      reply: (cmd) =>
        statReply(files[/^if \[ ! -e (\S+) \]/.exec(cmd)?.[1]?.replace(/'/g, '') ?? ''], cmd.includes('base64')),
    },
    { match: /.*/, reply: {} },
  ]);
}

/** [title, host file, args, changed, diff before/after or null] */
const copyTable: [string, Fake | undefined, Record<string, unknown>, boolean, [string, string] | null][] = [
  ['new file', undefined, { content: 'a\n' }, true, ['', 'a\n']],
  ['same content', { content: 'a\n' }, { content: 'a\n' }, false, null],
  ['other content', { content: 'b\n' }, { content: 'a\n' }, true, ['b\n', 'a\n']],
  ['same content, other mode', { content: 'a\n', mode: '600' }, { content: 'a\n', mode: '0644' }, true, ['mode: 0600\n', 'mode: 0644\n']],
  ['same content, same mode given as a number', { content: 'a\n', mode: '640' }, { content: 'a\n', mode: 640 }, false, null],
  ['same content, other owner', { content: 'a\n' }, { content: 'a\n', owner: 'www-data' }, true, ['owner: root\n', 'owner: www-data\n']],
  ['force=no leaves an existing file', { content: 'b\n' }, { content: 'a\n', force: false }, false, null],
];

describe('copy plans', () => {
  it.each(copyTable)('%s', async (_t, file, args, changed, diff) => {
    const conn = host(file ? { '/etc/x.conf': file } : {});
    const { result } = await runModule(copyModule, makeContext(conn, { check: true }), { dest: '/etc/x.conf', ...args });
    expect(result).toMatchObject({ changed, failed: false, skipped: false });
    if (diff) expect([result.diff?.[0]?.before, result.diff?.[0]?.after]).toEqual(diff);
    // check mode only reads, and shows the step it would take
    expect(conn.puts).toEqual([]);
    expect(conn.commands.every((c) => c.startsWith('if [ ! -e '))).toBe(true);
    if (changed) expect(result.plan).toEqual([diff?.[0].startsWith('mode') || diff?.[0].startsWith('owner') ? expect.stringMatching(/^ch(own|mod) /) : expect.stringMatching(/^write \/etc\/x\.conf \(2 bytes, sha1 /)]);
    else expect(result).not.toHaveProperty('plan');
  });

  it('without --diff fetches no old content and returns no content diff', async () => {
    const conn = host({ '/etc/x.conf': { content: 'b\n' } });
    const { result } = await runModule(copyModule, makeContext(conn, { diff: false, check: true }), { dest: '/etc/x.conf', content: 'a\n' });
    expect(result.changed).toBe(true);
    expect(result.diff).toBeUndefined();
    expect(conn.commands[0]).not.toContain('base64');
  });

  it('writes beside the destination, then renames, without become', async () => {
    const conn = host({});
    await runModule(copyModule, makeContext(conn), { dest: '/etc/x.conf', content: 'a\n', mode: '0600' });
    expect(conn.puts).toHaveLength(1);
    const tmp = conn.puts[0]?.path ?? '';
    expect(tmp).toMatch(/^\/etc\/\.x\.conf\.hapb-[0-9a-f]+\.tmp$/);
    expect(conn.puts[0]?.content.toString()).toBe('a\n');
    const after = conn.commands.slice(conn.commands.findIndex((c) => c.includes('chmod 0644')));
    expect(after[0]).toContain(`chmod -- 0600 ${tmp}`);
    expect(after[after.length - 1]).toBe(`mv -f -- ${tmp} /etc/x.conf`);
  });

  it('with become uploads to /tmp as the login user and copies beside the destination as the become user', async () => {
    const conn = host({});
    await runModule(copyModule, makeContext(conn, { become: { user: 'root' } }), { dest: '/etc/x.conf', content: 'a\n' });
    const upload = conn.puts[0]?.path ?? '';
    expect(upload).toMatch(/^\/tmp\/\.hapb-upload-/);
    const cp = conn.calls.find((c) => c.command.startsWith(`cp -- ${upload} /etc/.x.conf.hapb-`));
    expect(cp?.opts.become).toEqual({ user: 'root' });
    const mv = conn.calls[conn.calls.length - 1];
    expect(mv?.command).toMatch(/^mv -f -- \/etc\/\.x\.conf\.hapb-[0-9a-f]+\.tmp \/etc\/x\.conf$/);
    expect(mv?.opts.become).toEqual({ user: 'root' });
    // the upload is removed without become (the login user owns it), with the login user's stale ones (a killed run's)
    expect(conn.calls.some((c) => c.command === `rm -f -- ${upload}; ${STALE_UPLOADS}` && c.opts.become === undefined)).toBe(true);
  });

  it('a failed validation removes the temp file, never renames, and fails with the validator output', async () => {
    const conn = host({ '/etc/x.conf': { content: 'old\n' } }, [{ match: /^nginx -t/, reply: { rc: 1, stderr: 'nginx: [emerg] unknown directive "bad"\n' } }]);
    const { result: out } = await runModule(copyModule, makeContext(conn), { dest: '/etc/x.conf', content: 'bad\n', validate: 'nginx -t -c %s' });
    expect(out).toMatchObject({ failed: true, rc: 1 });
    expect(String((out as Record<string, unknown>).msg)).toContain('unknown directive');
    const tmp = conn.puts[0]?.path ?? '';
    expect(conn.commands).toContain(`nginx -t -c ${tmp}`);
    expect(conn.commands).toContain(`rm -f -- ${tmp}`);
    expect(conn.commands.some((c) => c.startsWith('mv '))).toBe(false);
  });

  it('refuses a validate without %s before touching the host', async () => {
    const conn = host({});
    const { result } = await runModule(copyModule, makeContext(conn), { dest: '/etc/x.conf', content: 'a', validate: 'nginx -t' });
    expect(result).toMatchObject({ failed: true });
    expect(conn.puts).toEqual([]);
  });
});

/** [title, host file, args, changed, failed, commands applied (substrings)] */
const fileTable: [string, Fake | undefined, Record<string, unknown>, boolean, boolean, string[]][] = [
  // each missing parent is created with the mode too, as Ansible's file module does
  ['directory created', undefined, { state: 'directory', mode: '0750' }, true, false, ['[ -e /srv ] || if mkdir -- /srv; then chmod -- 0750 /srv; else [ -d /srv ]; fi', '[ -e /srv/p ] || if mkdir -- /srv/p; then chmod -- 0750 /srv/p; else [ -d /srv/p ]; fi']],
  ['directory exists', { kind: 'directory', mode: '755' }, { state: 'directory' }, false, false, []],
  ['directory mode fixed', { kind: 'directory', mode: '700' }, { state: 'directory', mode: '0755' }, true, false, ['chmod -- 0755 /srv/p']],
  ['directory over a file fails', { content: 'x' }, { state: 'directory' }, false, true, []],
  ['absent removes', { content: 'x' }, { state: 'absent' }, true, false, ['rm -rf -- /srv/p']],
  ['absent when absent', undefined, { state: 'absent' }, false, false, []],
  ['file must exist', undefined, { state: 'file' }, false, true, []],
  ['file owner fixed', { content: 'x' }, { state: 'file', owner: 'nobody', group: 'nogroup' }, true, false, ['chown -- nobody:nogroup /srv/p']],
  ['touch always changes', { content: 'x' }, { state: 'touch' }, true, false, ['touch -- /srv/p']],
  ['link created', undefined, { state: 'link', src: '/etc/a' }, true, false, ['ln -sfn -- /etc/a /srv/p']],
  ['link already right', { kind: 'symbolic link', target: '/etc/a' }, { state: 'link', src: '/etc/a' }, false, false, []],
  ['link retargeted', { kind: 'symbolic link', target: '/etc/b' }, { state: 'link', src: '/etc/a' }, true, false, ['ln -sfn -- /etc/a /srv/p']],
  ['link over a file refused', { content: 'x' }, { state: 'link', src: '/etc/a' }, false, true, []],
  ['link over a file with force', { content: 'x' }, { state: 'link', src: '/etc/a', force: true }, true, false, ['ln -sfn']],
  ['no state: attributes of what is there', { kind: 'directory', mode: '755' }, { mode: '0755' }, false, false, []],
];

describe('file plans', () => {
  it.each(fileTable)('%s', async (_t, file, args, changed, failed, applied) => {
    const conn = host(file ? { '/srv/p': file } : {});
    const { result } = await runModule(fileModule, makeContext(conn), { path: '/srv/p', ...args });
    expect(result).toMatchObject({ changed: changed && !failed, failed });
    const ran = conn.commands.filter((c) => !c.startsWith('if [ ! -e ')).join('\n');
    for (const a of applied) expect(ran).toContain(a);
    if (!changed) expect(ran).toBe('');
  });

  it.each(fileTable)('check mode: %s (reads only, shows the commands)', async (_t, file, args, changed, failed, applied) => {
    const conn = host(file ? { '/srv/p': file } : {});
    const { result } = await runModule(fileModule, makeContext(conn, { check: true }), { path: '/srv/p', ...args });
    expect(result).toMatchObject({ changed: changed && !failed, failed, skipped: false });
    expect(conn.commands.every((c) => c.startsWith('if [ ! -e '))).toBe(true);
    const shown = ((result.plan as string[] | undefined) ?? []).join('\n');
    for (const a of applied) expect(shown).toContain(a);
    if (!changed) expect(result).not.toHaveProperty('plan');
  });
});

describe('file state=directory when another process makes a parent meanwhile (two hosts of one machine)', () => {
  /** the command file applies for `path`, taken from a run against a host where nothing exists */
  async function mkdirCommand(path: string, mode: string): Promise<string> {
    const conn = host({});
    await runModule(fileModule, makeContext(conn), { path, state: 'directory', mode });
    const cmd = conn.commands.find((c) => c.startsWith('{ [ -e '));
    if (!cmd) throw new Error('no mkdir command');
    return cmd;
  }

  it('the shell form: EEXIST on a directory is no error, and the other maker keeps its mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hapb-t-mkdirs-'));
    try {
      const cmd = await mkdirCommand(`${dir}/a/b`, '0700');
      // the race, made certain: the other process makes the directory just before this mkdir runs
      const racing = `mkdir() { command mkdir -m 0755 -- "$2"; command mkdir "$@"; }\n${cmd}`;
      const r = spawnSync('sh', ['-c', racing], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(statSync(`${dir}/a/b`).isDirectory()).toBe(true);
      expect(statSync(`${dir}/a`).mode & 0o777).toBe(0o755);
      // a file in the way is still an error
      rmSync(`${dir}/a`, { recursive: true });
      writeFileSync(`${dir}/a`, 'x');
      expect(spawnSync('sh', ['-c', cmd]).status).not.toBe(0);
      // without a race, each made parent gets the mode
      rmSync(`${dir}/a`);
      expect(spawnSync('sh', ['-c', cmd]).status).toBe(0);
      expect(statSync(`${dir}/a`).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the in-process form: two makers of one path at once both succeed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hapb-t-mkdirs-'));
    try {
      for (let i = 0; i < 20; i++) {
        const path = `${dir}/${i}/x/y/z`;
        expect(await Promise.all([mkdirsInProcess(path, 0o750), mkdirsInProcess(path, 0o750)])).toEqual([true, true]);
        expect(statSync(path).isDirectory()).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pathInfo (Ansible add_path_info keys)', () => {
  it('reads stat -c of a file, a directory, a link, a hard link', () => {
    expect(pathInfo('0 0 root root 640 1 regular file 8\n')).toEqual({ uid: 0, gid: 0, owner: 'root', group: 'root', mode: '0640', state: 'file', size: 8 });
    expect(pathInfo('1000 100 ann users 4755 1 regular empty file 0')).toMatchObject({ mode: '04755', state: 'file', size: 0 });
    expect(pathInfo('0 0 root root 755 3 directory 4096')).toMatchObject({ state: 'directory' });
    expect(pathInfo('0 0 root root 777 1 symbolic link 7')).toMatchObject({ state: 'link', mode: '0777' });
    expect(pathInfo('0 0 root root 644 2 regular file 3')).toMatchObject({ state: 'hard' });
    expect(pathInfo('0 0 root root 5 1 regular file 3')).toMatchObject({ mode: '0005' });
  });

  it('is empty for a path that does not exist', () => {
    expect(pathInfo('')).toEqual({});
  });
});
