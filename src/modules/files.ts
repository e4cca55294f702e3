/**
 * File helpers shared by template, copy, file and lineinfile. Everything runs
 * through ctx.run, so it works over SSH and with become. Writes are atomic:
 * the content goes to a temp file beside the destination, gets its owner,
 * group and mode, is validated, and only then is renamed over the destination.
 */
import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { shellQuote } from '../connection/command.js';
import { ModuleError } from '../errors/index.js';
import type { FileDiff } from '../core/types.js';
import { moveInProcess, octalMode, prepareInProcess, removeInProcess, statInProcess } from './in-process.js';
import type { ApplyContext, CheckContext } from './types.js';

/** files larger than this are not fetched for a diff */
export const MAX_DIFF_BYTES = 256 * 1024;

export type FileKind = 'file' | 'directory' | 'link' | 'other';

export type FileState =
  | { exists: false }
  | {
      exists: true;
      kind: FileKind;
      /** four octal digits, "0644" */
      mode: string;
      owner: string;
      group: string;
      size: number;
      /** regular files only */
      sha1?: string;
      /** link target, for links */
      target?: string;
      /** regular files not larger than the limit */
      content?: Buffer;
    };

export interface FileAttrs {
  mode?: string | undefined;
  owner?: string | undefined;
  group?: string | undefined;
}

const KINDS: Record<string, FileKind> = {
  'regular file': 'file',
  'regular empty file': 'file',
  directory: 'directory',
  'symbolic link': 'link',
};

/**
 * Read the state of `path` on the host in one round trip: kind, mode,
 * owner, group, size, sha1 and (when `withContent` and small) the content.
 */
export async function statFile(
  ctx: Pick<CheckContext, 'host' | 'task' | 'query' | 'inProcess'>,
  path: string,
  opts: { withContent?: boolean; maxBytes?: number } = {},
): Promise<FileState> {
  const max = opts.maxBytes ?? MAX_DIFF_BYTES;
  if (ctx.inProcess) {
    const st = await statInProcess(path, { ...(opts.withContent ? { withContent: true } : {}), maxBytes: max });
    if (st) return st;
  }
  const p = shellQuote(path);
  const script = [
    `if [ ! -e ${p} ] && [ ! -L ${p} ]; then echo absent; exit 0; fi`,
    `stat -c '%F|%a|%U|%G|%s' -- ${p} || exit 1`,
    `if [ -L ${p} ]; then readlink -- ${p}; exit 0; fi`,
    `if [ -f ${p} ]; then`,
    `  sha1sum < ${p} | cut -d' ' -f1 || exit 1`,
    opts.withContent ? `  if [ "$(stat -c %s -- ${p})" -le ${max} ]; then base64 -w0 < ${p} || exit 1; fi` : '  :',
    `fi`,
  ].join('\n');
  const r = await ctx.query(script);
  if (r.rc !== 0) {
    throw new ModuleError(`cannot read the state of ${path}`, {
      host: ctx.host,
      task: ctx.task,
      rc: r.rc,
      stderr: r.stderr,
    });
  }
  return parseStat(r.stdout, path);
}

/** Whether a command is statFile's script (for a host stand-in such as EmptyHost). */
export function isStatScript(command: string): boolean {
  return command.startsWith('if [ ! -e ') && command.includes('; then echo absent; exit 0; fi\n');
}

/** Parse the output of statFile's script (exported for tests). */
export function parseStat(stdout: string, path: string): FileState {
  const lines = stdout.split('\n');
  const first = lines[0] ?? '';
  if (first === 'absent') return { exists: false };
  const parts = first.split('|');
  if (parts.length !== 5) throw new Error(`unexpected stat output for ${path}: ${first}`);
  const [kindText = '', mode = '', owner = '', group = '', size = '0'] = parts;
  const kind = KINDS[kindText] ?? 'other';
  const state: FileState = {
    exists: true,
    kind,
    mode: mode.padStart(4, '0'),
    owner,
    group,
    size: Number(size),
  };
  if (kind === 'link') state.target = lines[1] ?? '';
  if (kind === 'file') {
    state.sha1 = lines[1] ?? '';
    const b64 = lines[2];
    if (b64 !== undefined && (b64 !== '' || state.size === 0)) state.content = Buffer.from(b64, 'base64');
  }
  return state;
}

export function sha1(data: Buffer | string): string {
  return createHash('sha1').update(data).digest('hex');
}

/** A file is shown in a diff when it is small text (no NUL byte, valid UTF-8). */
export function isText(data: Buffer): boolean {
  if (data.includes(0)) return false;
  return Buffer.from(data.toString('utf8'), 'utf8').equals(data);
}

/** Build the --diff entry for a file's content change. */
export function contentDiff(path: string, before: FileState, after: Buffer): FileDiff {
  if (before.exists && before.kind === 'file' && before.content === undefined) {
    return { path, before: '', after: '', omitted: `file larger than ${MAX_DIFF_BYTES} bytes` };
  }
  const old = before.exists && before.content ? before.content : Buffer.alloc(0);
  if (after.length > MAX_DIFF_BYTES) {
    return { path, before: '', after: '', omitted: `file larger than ${MAX_DIFF_BYTES} bytes` };
  }
  if (!isText(old) || !isText(after)) return { path, before: '', after: '', omitted: 'binary file' };
  return { path, before: old.toString('utf8'), after: after.toString('utf8') };
}

/** Which attributes differ from the wanted ones (only those asked for). */
export function attrChanges(state: FileState, want: FileAttrs): FileAttrs {
  const out: FileAttrs = {};
  if (!state.exists) return { ...want };
  if (want.mode !== undefined && want.mode !== state.mode) out.mode = want.mode;
  if (want.owner !== undefined && !sameId(want.owner, state.owner)) out.owner = want.owner;
  if (want.group !== undefined && !sameId(want.group, state.group)) out.group = want.group;
  return out;
}

function sameId(want: string, have: string): boolean {
  return want === have;
}

export function hasAttrChanges(c: FileAttrs): boolean {
  return c.mode !== undefined || c.owner !== undefined || c.group !== undefined;
}

/** Describe attribute changes for --diff like Ansible's before/after of the file state. */
export function attrDiff(path: string, state: FileState, changes: FileAttrs): FileDiff {
  const keys = (['mode', 'owner', 'group'] as const).filter((k) => changes[k] !== undefined);
  const fmt = (get: (k: (typeof keys)[number]) => string | undefined): string =>
    keys.map((k) => `${k}: ${get(k) ?? '-'}\n`).join('');
  return {
    path,
    before: fmt((k) => (state.exists ? state[k] : undefined)),
    after: fmt((k) => changes[k]),
  };
}

/** The chown/chmod commands that give `path` these attributes (none when nothing is asked). */
export function attrCommands(path: string, attrs: FileAttrs, recurse = false, noDeref = false): string[] {
  const p = shellQuote(path);
  const r = recurse ? '-R ' : '';
  const h = noDeref ? '-h ' : '';
  const cmds: string[] = [];
  if (attrs.owner !== undefined || attrs.group !== undefined) {
    const spec = `${attrs.owner ?? ''}${attrs.group !== undefined ? ':' + attrs.group : ''}`;
    cmds.push(`chown ${r}${h}-- ${shellQuote(spec)} ${p}`);
  }
  if (attrs.mode !== undefined && !noDeref) cmds.push(`chmod ${r}-- ${attrs.mode} ${p}`);
  return cmds;
}

/** Run a command that must succeed; throw a ModuleError saying what was being done. */
export async function mustRun(ctx: ApplyContext, command: string, doing: string, stdin?: Buffer): Promise<string> {
  const r = await ctx.run(command, stdin === undefined ? {} : { stdin });
  if (r.rc !== 0) {
    throw new ModuleError(`${doing} failed: ${firstLine(r.stderr) || `rc ${r.rc}`}`, {
      host: ctx.host,
      task: ctx.task,
      rc: r.rc,
      stdout: r.stdout,
      stderr: r.stderr,
    });
  }
  return r.stdout;
}

/** a shell command printing what pathInfo() reads of `path` (nothing when it does not exist) */
export function pathInfoCommand(path: string): string {
  return `stat -c '%u %g %U %G %a %h %F %s' -- ${shellQuote(path)} 2>/dev/null || true`;
}

/**
 * The keys Ansible's modules add to a result naming an existing `dest` or
 * `path` (AnsibleModule.add_path_info): uid, gid, owner, group, mode, state,
 * size; {} for a path that does not exist.
 */
export function pathInfo(statLine: string): Record<string, unknown> {
  const m = /^(\d+) (\d+) (\S+) (\S+) ([0-7]+) (\d+) (.+) (\d+)$/.exec(statLine.trim());
  if (!m) return {};
  const [, uid, gid, owner, group, mode, links, type, size] = m as unknown as string[];
  const kind = type === 'symbolic link' ? 'link' : type === 'directory' ? 'directory' : Number(links) > 1 ? 'hard' : 'file';
  return { uid: Number(uid), gid: Number(gid), owner, group, mode: `0${(mode ?? '').padStart(3, '0')}`, state: kind, size: Number(size) };
}

export function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

export interface WriteOptions extends FileAttrs {
  /** command run on the temp file before it replaces the destination; %s is its path */
  validate?: string | undefined;
  /** keep a copy of the old file as DEST.<stamp>~ ; its path is returned */
  backup?: boolean | undefined;
}

function tempName(dir: string, base: string): string {
  return posix.join(dir, `.${base}.hapb-${randomBytes(6).toString('hex')}.tmp`);
}

/** Removes the login user's `/tmp/.hapb-upload-*` files older than an hour (left by a killed run). */
export const STALE_UPLOADS = `find /tmp -maxdepth 1 -name '.hapb-upload-*' -type f -user "$(id -u)" -mmin +60 -exec rm -f -- {} + 2>/dev/null || true`;

/**
 * A shell command removing the temp files an earlier run left beside `dest`
 * (killed before it could clean up), except `keep`: `.<base>.hapb-*.tmp`.
 */
export function staleTempCleanup(dir: string, base: string, keep: string): string {
  const glob = `${shellQuote(posix.join(dir, `.${base}.hapb-`))}*${shellQuote('.tmp')}`;
  return `for f in ${glob}; do if [ "$f" != ${shellQuote(keep)} ] && [ -f "$f" ]; then rm -f -- "$f" || true; fi; done`;
}

/**
 * Write `content` to `dest` atomically. Without owner/group/mode the old
 * file's are kept; a new file gets the become user and 0644. When
 * `validate` fails, the temp file is removed, the old file stays, and a
 * ModuleError carries the validator's output. Returns the backup path if one was made.
 */
export async function writeFileAtomic(
  ctx: ApplyContext,
  dest: string,
  content: Buffer,
  opts: WriteOptions = {},
): Promise<{ backup?: string }> {
  if (opts.validate !== undefined && !opts.validate.includes('%s')) {
    throw new ModuleError(`validate must contain %s: ${opts.validate}`, { host: ctx.host, task: ctx.task });
  }
  const dir = posix.dirname(dest);
  const base = posix.basename(dest);
  const tmp = tempName(dir, base);
  const q = shellQuote(tmp);
  const d = shellQuote(dest);
  // Without become the login user writes beside the destination directly.
  // With become to root the login user may not write there: upload to /tmp
  // (mode 0600) and copy it beside the destination as root. An unprivileged
  // become user cannot read that upload: the content is streamed to it on stdin instead.
  // The host is this machine and the commands would run as this process's user (in-process.ts): the
  // upload is the temp file, and preparing and moving it are done with node:fs (owner and group given by
  // name, or a mode chmod would parse otherwise, leave it to the commands; so does anything unexpected).
  const local = ctx.inProcess === true && opts.owner === undefined && opts.group === undefined && (opts.mode === undefined || octalMode(opts.mode) !== undefined);
  const becomeUser = ctx.become && !local ? (ctx.become.user ?? 'root') : undefined;
  const viaStdin = becomeUser !== undefined && becomeUser !== 'root';
  const upload = becomeUser === 'root' ? `/tmp/.hapb-upload-${randomBytes(8).toString('hex')}` : tmp;
  const cleanup = async (): Promise<void> => {
    if (local) return removeInProcess(tmp);
    await ctx.run(`rm -f -- ${q}`);
    if (upload !== tmp) await ctx.conn.exec(`rm -f -- ${shellQuote(upload)}`);
  };
  try {
    const prep: string[] = [];
    if (viaStdin) {
      await mustRun(ctx, `umask 077 && cat > ${q}`, `writing ${tmp}`, content);
    } else {
      try {
        await ctx.conn.put(content, upload, { mode: '0600' });
      } catch (e) {
        throw new ModuleError(`uploading ${dest} failed: ${e instanceof Error ? e.message : String(e)}`, {
          host: ctx.host,
          task: ctx.task,
          hint: upload === tmp ? `does the directory ${dir} exist, and may ${ctx.conn.host}'s login user write there?` : undefined,
        });
      }
      if (upload !== tmp) prep.push(`cp -- ${shellQuote(upload)} ${q}`);
    }
    const defaults: string[] = [];
    // keep the destination's attributes unless new ones are asked for
    defaults.push(
      `if [ -e ${d} ]; then ` +
        `chown --reference=${d} -- ${q} 2>/dev/null || true; chmod --reference=${d} -- ${q}; ` +
        `else chmod 0644 -- ${q}; fi`,
    );
    prep.push(...defaults, ...attrCommands(tmp, { owner: opts.owner, group: opts.group, mode: opts.mode }));
    prep.push(staleTempCleanup(dir, base, tmp));
    if (!(local && (await prepareInProcess(tmp, dest, octalMode(opts.mode))))) await mustRun(ctx, prep.join(' && '), `preparing ${dest}`);
    // and the uploads of the login user that a killed run left in /tmp (an hour old: never one in flight)
    if (upload !== tmp) await ctx.conn.exec(`rm -f -- ${shellQuote(upload)}; ${STALE_UPLOADS}`);

    if (opts.validate !== undefined) {
      const cmd = opts.validate.split('%s').join(q);
      const r = await ctx.run(cmd);
      if (r.rc !== 0) {
        throw new ModuleError(`failed to validate ${dest}: ${cmd}`, {
          host: ctx.host,
          task: ctx.task,
          rc: r.rc,
          stdout: r.stdout,
          stderr: r.stderr,
          hint: firstLine(r.stderr) || firstLine(r.stdout) || undefined,
        });
      }
    }
    let backup: string | undefined;
    if (opts.backup) {
      const stamp = new Date().toISOString().replace(/\..*$/, '').replace('T', '@');
      backup = `${dest}.${stamp}~`;
      const b = shellQuote(backup);
      const out = await mustRun(ctx, `if [ -f ${d} ]; then cp -p -- ${d} ${b} && echo yes; fi`, `backing up ${dest}`);
      if (out.trim() !== 'yes') backup = undefined;
    }
    if (!(local && (await moveInProcess(tmp, dest)))) await mustRun(ctx, `mv -f -- ${q} ${d}`, `moving the new ${dest} in place`);
    return backup === undefined ? {} : { backup };
  } catch (e) {
    await cleanup().catch(() => undefined);
    throw e;
  }
}
