/**
 * The file helpers' operations done in this process, for a host that is this
 * machine (the local connection without sudo: ctx.inProcess). Each one does
 * what its command in files.ts does, with node:fs instead of a shell and
 * coreutils: a command costs a fork of this process (milliseconds, growing
 * with its memory) and a few execs, a system call microseconds. Whenever the
 * outcome is not certain to be the command's (an error other than "no such
 * file", a name not in /etc/passwd, a mode chmod would parse), they answer
 * `undefined` or `false` having changed nothing the command would not redo,
 * and the caller runs the command: errors read exactly as before.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, readFile, readdir, readlink, rename, rm, stat, symlink, unlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { FileKind, FileState } from './files.js';

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** "no such file" as `[ -e ]` and `[ -L ]` both see it */
function missing(e: unknown): boolean {
  return code(e) === 'ENOENT' || code(e) === 'ENOTDIR';
}

// ---- names of ids, as stat's %U and %G print them ---------------------------------

/** the first source of a database in /etc/nsswitch.conf is "files" (glibc's default without the file) */
let filesFirst: Promise<boolean> | undefined;
function namesFromFiles(): Promise<boolean> {
  filesFirst ??= readFile('/etc/nsswitch.conf', 'utf8').then(
    (text) =>
      ['passwd', 'group'].every((db) => {
        const line = text.split('\n').find((l) => new RegExp(`^\\s*${db}\\s*:`).test(l));
        if (line === undefined) return true;
        const first = line.replace(/#.*/, '').split(':')[1]?.trim().split(/\s+/)[0];
        return first === 'files';
      }),
    (e: unknown) => missing(e),
  );
  return filesFirst;
}

const idFiles = new Map<string, { key: string; names: Map<number, string> }>();

/**
 * the name of an id in /etc/passwd or /etc/group (its first line with that id, as getpwuid finds it);
 * the file is read again whenever it changed (its inode, size, mtime or ctime: a user module may add a user)
 */
async function nameOf(file: '/etc/passwd' | '/etc/group', id: number): Promise<string | undefined> {
  if (!(await namesFromFiles())) return undefined;
  let key: string;
  let cached = idFiles.get(file);
  try {
    const s = statSync(file, { bigint: true });
    key = `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    if (cached?.key !== key) {
      const names = new Map<number, string>();
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const [name, , idText] = line.split(':');
        if (!name || idText === undefined || !/^\d+$/.test(idText) || name.startsWith('+') || name.startsWith('-')) continue;
        const n = Number(idText);
        if (!names.has(n)) names.set(n, name);
      }
      cached = { key, names };
      idFiles.set(file, cached);
    }
  } catch {
    return undefined;
  }
  return cached.names.get(id);
}

// ---- statFile ----------------------------------------------------------------------

async function sha1Of(path: string): Promise<string> {
  const h = createHash('sha1');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** statFile's answer, or undefined when the script must tell */
export async function statInProcess(path: string, opts: { withContent?: boolean; maxBytes: number }): Promise<FileState | undefined> {
  try {
    let st;
    try {
      st = await lstat(path);
    } catch (e) {
      if (missing(e)) return { exists: false };
      return undefined;
    }
    const kind: FileKind = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'link' : 'other';
    const owner = await nameOf('/etc/passwd', st.uid);
    const group = await nameOf('/etc/group', st.gid);
    if (owner === undefined || group === undefined) return undefined;
    const state: FileState = { exists: true, kind, mode: (st.mode & 0o7777).toString(8).padStart(4, '0'), owner, group, size: st.size };
    if (kind === 'link') {
      // the script reads one line of readlink's output
      state.target = (await readlink(path)).split('\n')[0] ?? '';
    } else if (kind === 'file') {
      if (opts.withContent && st.size <= opts.maxBytes) {
        const content = await readFile(path);
        state.sha1 = createHash('sha1').update(content).digest('hex');
        // the script reads the size again before the content: a file that grew past the limit meanwhile has none
        if (content.length <= opts.maxBytes) state.content = content;
      } else {
        // a small file in one read, a large one streamed
        state.sha1 = st.size <= 1 << 20 ? createHash('sha1').update(await readFile(path)).digest('hex') : await sha1Of(path);
        // the script's output ends in an empty line where the content would be: an empty file's content
        if (st.size === 0) state.content = Buffer.alloc(0);
      }
    }
    return state;
  } catch {
    return undefined;
  }
}

/** `[ -e p ] || [ -L p ]` of a path that is no glob; undefined when the shell must tell */
export async function existsInProcess(path: string): Promise<boolean | undefined> {
  try {
    await lstat(path);
    return true;
  } catch (e) {
    return missing(e) ? false : undefined;
  }
}

// ---- writeFileAtomic ---------------------------------------------------------------

/** a mode chmod(1) and chmod(2) read alike: octal digits */
export function octalMode(mode: string | undefined): number | undefined {
  return mode !== undefined && /^[0-7]{1,4}$/.test(mode) ? parseInt(mode, 8) : undefined;
}

/**
 * writeFileAtomic's preparation of the uploaded temp file: the destination's
 * owner, group and mode kept (`chown/chmod --reference`, 0644 for a new
 * file), then `mode`, then the temp files an earlier run left beside the
 * destination removed (staleTempCleanup). False when it could not: the command then runs (it does all of it again).
 */
export async function prepareInProcess(tmp: string, dest: string, mode: number | undefined): Promise<boolean> {
  try {
    let ref;
    try {
      ref = await stat(dest);
    } catch {
      ref = undefined;
    }
    if (ref) {
      await chown(tmp, ref.uid, ref.gid).catch(() => undefined);
      await chmod(tmp, ref.mode & 0o7777);
    } else await chmod(tmp, 0o644);
    if (mode !== undefined) await chmod(tmp, mode);
    const dir = posix.dirname(dest);
    const prefix = `.${posix.basename(dest)}.hapb-`;
    for (const name of await readdir(dir)) {
      const f = posix.join(dir, name);
      if (!name.startsWith(prefix) || !name.endsWith('.tmp') || name.length < prefix.length + 4 || f === tmp) continue;
      const s = await stat(f).catch(() => undefined);
      if (s?.isFile()) await rm(f, { force: true }).catch(() => undefined);
    }
    return true;
  } catch {
    return false;
  }
}

/** `mv -f -- tmp dest` when dest is not a directory (mv would move into it); false when mv must */
export async function moveInProcess(tmp: string, dest: string): Promise<boolean> {
  try {
    const s = await stat(dest).catch((e: unknown) => {
      if (missing(e)) return undefined;
      throw e;
    });
    if (s?.isDirectory()) return false;
    await rename(tmp, dest);
    return true;
  } catch {
    return false;
  }
}

export async function removeInProcess(path: string): Promise<void> {
  await rm(path, { force: true });
}

// ---- steps of file and blockinfile -------------------------------------------------

/**
 * file's mkdirs: each missing prefix of `path` made and given `mode` (`[ -e p ] || { mkdir -- p && chmod -- mode p; }`).
 * False, after making what it could, when the command must go on (it skips what exists).
 */
export async function mkdirsInProcess(path: string, mode: number | undefined): Promise<boolean> {
  const parts = path.split('/').filter(Boolean);
  try {
    for (let i = 0; i < parts.length; i++) {
      const p = `${path.startsWith('/') ? '/' : ''}${parts.slice(0, i + 1).join('/')}`;
      const exists = await stat(p).then(
        () => true,
        (e: unknown) => {
          if (missing(e)) return false;
          throw e;
        },
      );
      if (exists) continue;
      // made meanwhile by another process: no error, its mode left as it is (as the shell form)
      const made = await mkdir(p).then(
        () => true,
        async (e: unknown) => {
          if ((e as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(p)).isDirectory()) return false;
          throw e;
        },
      );
      if (made && mode !== undefined) await chmod(p, mode);
    }
    return true;
  } catch {
    return false;
  }
}

/** `mkdir -p -- dir` */
export async function mkdirPInProcess(dir: string): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * `ln -sfn -- src path` over nothing, a link or a file (never a directory):
 * a new link beside it renamed over it. False when ln must.
 */
export async function linkInProcess(src: string, path: string): Promise<boolean> {
  try {
    const s = await lstat(path).catch((e: unknown) => {
      if (missing(e)) return undefined;
      throw e;
    });
    if (s && !s.isSymbolicLink() && !s.isFile()) return false;
    const tmp = posix.join(posix.dirname(path), `.${posix.basename(path)}.hapb-${process.pid}-${Date.now()}.lnk`);
    await symlink(src, tmp);
    try {
      await rename(tmp, path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    return true;
  } catch {
    return false;
  }
}
