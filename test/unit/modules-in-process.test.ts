/**
 * The file helpers in this process (modules/in-process.ts) against their
 * commands, on this machine through the real LocalConnection: the same task
 * on two copies of the same starting tree, once by commands and once in
 * process, must give the same result (changed, failed, msg, diff, data) and
 * leave the same tree (kind, mode, content, link target, no temp file).
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import { statFile, writeFileAtomic } from '../../src/modules/files.js';
import { getModule } from '../../src/modules/index.js';
import { runModule } from '../../src/modules/run-module.js';
import { makeContext } from '../helpers/module-context.js';

const conn = new LocalConnection('local');
let base = '';

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), `hapb-t-in-process-${process.pid}-`));
});
afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

/** a starting tree: regular, empty, executable, setgid files, a directory, links (one dangling), a FIFO, a stale temp file */
function seed(root: string): void {
  mkdirSync(root);
  writeFileSync(join(root, 'a.conf'), 'one\ntwo\n');
  writeFileSync(join(root, 'empty'), '');
  writeFileSync(join(root, 'exec'), '#!/bin/sh\n');
  chmodSync(join(root, 'exec'), 0o755);
  writeFileSync(join(root, 'sgid'), 'x');
  chmodSync(join(root, 'sgid'), 0o2640);
  writeFileSync(join(root, 'big'), Buffer.alloc(300 * 1024, 'z'));
  mkdirSync(join(root, 'dir'));
  chmodSync(join(root, 'dir'), 0o750);
  symlinkSync('a.conf', join(root, 'link'));
  symlinkSync(join(root, 'nowhere'), join(root, 'dangling'));
  symlinkSync(join(root, 'dir'), join(root, 'dirlink'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
  writeFileSync(join(root, '.a.conf.hapb-0123456789ab.tmp'), 'left by a killed run');
}

/** what a tree holds, by relative path */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const s = lstatSync(p);
      const mode = (s.mode & 0o7777).toString(8);
      if (s.isSymbolicLink()) out[r] = `link ${readlinkSync(p).split(root).join('<root>')}`;
      else if (s.isDirectory()) {
        out[r] = `dir ${mode}`;
        walk(p, r);
      } else if (s.isFile()) out[r] = `file ${mode} ${readFileSync(p).toString('base64').slice(0, 64)}`;
      else out[r] = `other ${mode}`;
    }
  };
  walk(root, '');
  return out;
}

let n = 0;
/** run `module` with `args(root)` on two fresh trees, by commands and in process; both outcomes */
async function both(module: string, args: (root: string) => Record<string, unknown>, opts: { check?: boolean; diff?: boolean } = {}) {
  const m = getModule(module);
  if (!m) throw new Error(`no module ${module}`);
  n++;
  const outcome = async (inProcess: boolean) => {
    const root = join(base, `${n}-${inProcess ? 'in' : 'sh'}`);
    seed(root);
    const ctx = makeContext(conn, { ...opts, inProcess });
    const { result } = await runModule(m, ctx, args(root));
    const again = await runModule(m, makeContext(conn, { check: true, inProcess }), args(root));
    // temp file names are random
    const text = JSON.stringify({ result, again: again.result }).split(root).join('<root>').replace(/\.hapb-[0-9a-f]{12}\.tmp/g, '.hapb-<random>.tmp');
    return { result: JSON.parse(text) as unknown, tree: snapshot(root) };
  };
  const sh = await outcome(false);
  const inp = await outcome(true);
  return { sh, inp };
}

const cases: [string, string, (root: string) => Record<string, unknown>][] = [
  ['copy, new file', 'copy', (r) => ({ content: 'new\n', dest: join(r, 'new.conf') })],
  ['copy, new file with a mode', 'copy', (r) => ({ content: 'new\n', dest: join(r, 'new.conf'), mode: '0600' })],
  ['copy over a file keeps its mode', 'copy', (r) => ({ content: 'new\n', dest: join(r, 'exec') })],
  ['copy over a setgid file keeps its mode', 'copy', (r) => ({ content: 'new\n', dest: join(r, 'sgid') })],
  ['copy, same content', 'copy', (r) => ({ content: 'one\ntwo\n', dest: join(r, 'a.conf') })],
  ['copy, same content, other mode', 'copy', (r) => ({ content: 'one\ntwo\n', dest: join(r, 'a.conf'), mode: '0640' })],
  ['copy over a link writes the link', 'copy', (r) => ({ content: 'new\n', dest: join(r, 'link') })],
  ['copy over a dangling link', 'copy', (r) => ({ content: 'new\n', dest: join(r, 'dangling') })],
  ['copy over a large file', 'copy', (r) => ({ content: 'small\n', dest: join(r, 'big') })],
  ['copy over an empty file', 'copy', (r) => ({ content: 'x', dest: join(r, 'empty') })],
  ['copy into a missing directory fails', 'copy', (r) => ({ content: 'x', dest: join(r, 'no', 'such') })],
  ['copy with a failing validate keeps the old file', 'copy', (r) => ({ content: 'new\n', dest: join(r, 'a.conf'), validate: 'false %s' })],
  ['copy with a passing validate', 'copy', (r) => ({ content: 'new\n', dest: join(r, 'a.conf'), validate: 'test -s %s' })],
  ['lineinfile adds a line', 'lineinfile', (r) => ({ path: join(r, 'a.conf'), line: 'three' })],
  ['lineinfile creates', 'lineinfile', (r) => ({ path: join(r, 'c.conf'), line: 'x', create: true, mode: '0644' })],
  ['lineinfile on a FIFO', 'lineinfile', (r) => ({ path: join(r, 'fifo'), line: 'x' })],
  ['blockinfile creates in a new directory', 'blockinfile', (r) => ({ path: join(r, 'sub', 'deeper', 'd.conf'), block: 'b', create: true })],
  ['blockinfile on a directory fails', 'blockinfile', (r) => ({ path: join(r, 'dir'), block: 'b' })],
  ['file directory, new with parents', 'file', (r) => ({ path: join(r, 'x', 'y', 'z'), state: 'directory', mode: '0700' })],
  ['file directory, existing', 'file', (r) => ({ path: join(r, 'dir'), state: 'directory', mode: '0750' })],
  ['file directory, existing, other mode', 'file', (r) => ({ path: join(r, 'dir'), state: 'directory', mode: '0755' })],
  ['file directory over a file fails', 'file', (r) => ({ path: join(r, 'a.conf'), state: 'directory' })],
  ['file directory under a file fails', 'file', (r) => ({ path: join(r, 'a.conf', 'sub'), state: 'directory' })],
  ['file link, new', 'file', (r) => ({ src: join(r, 'a.conf'), path: join(r, 'new-link'), state: 'link' })],
  ['file link, retarget', 'file', (r) => ({ src: join(r, 'exec'), path: join(r, 'link'), state: 'link' })],
  ['file link, same', 'file', (r) => ({ src: 'a.conf', path: join(r, 'link'), state: 'link' })],
  ['file link over a link to a directory', 'file', (r) => ({ src: join(r, 'a.conf'), path: join(r, 'dirlink'), state: 'link' })],
  ['file link over a file with force', 'file', (r) => ({ src: join(r, 'a.conf'), path: join(r, 'empty'), state: 'link', force: true })],
  ['file link over a directory fails', 'file', (r) => ({ src: join(r, 'a.conf'), path: join(r, 'dir'), state: 'link', force: true })],
  ['file link in a missing directory fails', 'file', (r) => ({ src: join(r, 'a.conf'), path: join(r, 'no', 'l'), state: 'link' })],
  ['file state of a FIFO', 'file', (r) => ({ path: join(r, 'fifo') })],
  ['command creates, exists', 'command', (r) => ({ cmd: `touch ${join(r, 'done')}`, creates: join(r, 'a.conf') })],
  ['command creates, a dangling link exists', 'command', (r) => ({ cmd: `touch ${join(r, 'done')}`, creates: join(r, 'dangling') })],
  ['command creates, missing', 'command', (r) => ({ cmd: `touch ${join(r, 'done')}`, creates: join(r, 'done') })],
  ['command creates under a file', 'command', (r) => ({ cmd: `touch ${join(r, 'done')}`, creates: join(r, 'a.conf', 'x') })],
  ['command removes, relative to chdir', 'command', (r) => ({ cmd: 'rm a.conf', removes: 'a.conf', chdir: r })],
];

/** results hold timings (start, end, delta) and a backup's time stamp: not compared */
function comparable(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (k, v: unknown) => (['start', 'end', 'delta'].includes(k) ? undefined : v)));
}

describe('in process as by commands', () => {
  it.each(cases)('%s', async (_title, module, args) => {
    const { sh, inp } = await both(module, args);
    expect(comparable(inp.result)).toEqual(comparable(sh.result));
    expect(inp.tree).toEqual(sh.tree);
  });

  it.each([true, false])('check mode with diff=%s reads alike', async (diff) => {
    for (const [, module, args] of cases.slice(0, 12)) {
      const { sh, inp } = await both(module, args, { check: true, diff });
      expect(comparable(inp.result)).toEqual(comparable(sh.result));
      expect(inp.tree).toEqual(sh.tree);
    }
  });
});

describe('statFile in process', () => {
  it('gives what the script gives, for every kind of path', async () => {
    const root = join(base, 'stat');
    seed(root);
    const names = ['a.conf', 'empty', 'exec', 'sgid', 'big', 'dir', 'link', 'dangling', 'dirlink', 'fifo', 'missing', 'a.conf/under', '.'];
    for (const name of names) {
      for (const opts of [{}, { withContent: true }, { withContent: true, maxBytes: 4 }]) {
        const ctx = makeContext(conn);
        const p = join(root, name);
        const bySh = await statFile(ctx, p, opts);
        const inProc = await statFile({ ...ctx, inProcess: true }, p, opts);
        expect(inProc, `${name} ${JSON.stringify(opts)}`).toEqual(bySh);
      }
    }
  });
});

describe('writeFileAtomic in process', () => {
  it('gives a new file the mode asked for, else 0644, and leaves no temp file', async () => {
    const root = join(base, 'write');
    mkdirSync(root);
    const ctx = { ...makeContext(conn), inProcess: true };
    await writeFileAtomic(ctx, join(root, 'f'), Buffer.from('secret'), { mode: '0600' });
    expect((lstatSync(join(root, 'f')).mode & 0o7777).toString(8)).toBe('600');
    await writeFileAtomic(ctx, join(root, 'g'), Buffer.from('x'));
    expect((lstatSync(join(root, 'g')).mode & 0o7777).toString(8)).toBe('644');
    expect(readdirSync(root).sort()).toEqual(['f', 'g']);
  });
});

describe('in process, no command', () => {
  it('copy, lineinfile, blockinfile, file (directory, link) and command creates start no process', async () => {
    const commands: string[] = [];
    class Counting extends LocalConnection {
      override exec(command: string, opts?: Parameters<LocalConnection['exec']>[1]): ReturnType<LocalConnection['exec']> {
        commands.push(command);
        return super.exec(command, opts);
      }
    }
    const counting = new Counting('local');
    const root = join(base, 'quiet');
    mkdirSync(root);
    const tasks: [string, Record<string, unknown>][] = [
      ['file', { path: join(root, 'd'), state: 'directory', mode: '0755' }],
      ['copy', { content: 'a\n', dest: join(root, 'd', 'a.conf'), mode: '0644' }],
      ['lineinfile', { path: join(root, 'd', 'c.conf'), line: 'x', create: true }],
      ['blockinfile', { path: join(root, 'e', 'd.conf'), block: 'b', create: true }],
      ['file', { src: join(root, 'd', 'a.conf'), path: join(root, 'd', 'l'), state: 'link' }],
      ['command', { cmd: 'false', creates: join(root, 'd', 'a.conf') }],
    ];
    for (const [module, args] of tasks) {
      for (const check of [false, true]) {
        const { result } = await runModule(getModule(module)!, makeContext(counting, { check, inProcess: true }), args);
        expect(result.failed, String(result.msg)).toBe(false);
      }
    }
    expect(commands).toEqual([]);
    expect(snapshot(root)).toMatchObject({ d: 'dir 755', 'd/a.conf': expect.stringMatching(/^file 644 /), 'd/l': 'link <root>/d/a.conf', 'e/d.conf': expect.stringMatching(/^file 644 /) });
  });
});
