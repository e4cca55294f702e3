/**
 * unarchive: extract a tar (plain, gz, bz2, xz) or zip archive into an
 * existing directory on the host, with the host's tar/unzip. The archive is
 * on the controller (uploaded to a 0600 temp file, removed afterwards) or,
 * with remote_src, on the host. It is "already unarchived" when every member
 * is at dest with the same kind and content (sha1), as Ansible's check; the
 * members' times and owners are not compared.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, lstatSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import { shellQuote } from '../connection/command.js';
import { boolSchema, objectSchema, stringOrListSchema, stringSchema, toBool, toList } from './args.js';
import { failedPlan } from './result.js';
import type { Module, Step } from './types.js';

export type UnarchiveArgs = {
  src: string;
  dest: string;
  remote_src?: boolean | string;
  copy?: boolean | string;
  creates?: string;
  list_files?: boolean | string;
  exclude?: string | string[];
  extra_opts?: string | string[];
};

type Kind = 'zip' | 'tar';
/** a member of the archive: path relative to dest, and its kind and sha1 (files) */
interface Member {
  path: string;
  dir: boolean;
  sha1?: string;
}

export function archiveKind(head: Buffer): Kind | undefined {
  if (head.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return 'zip';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'tar';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'tar';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'tar';
  if (head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}

/** members of a controller archive: extracted into a temp dir on the controller, walked, removed */
function localMembers(path: string, kind: Kind): Member[] {
  const tmp = mkdtempSync(join(tmpdir(), 'hapb-unarchive-'));
  try {
    if (kind === 'zip') execFileSync('unzip', ['-q', '-o', path, '-d', tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
    else execFileSync('tar', ['-xf', path, '-C', tmp, '--no-same-owner'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const out: Member[] = [];
    const walk = (d: string): void => {
      for (const n of readdirSync(d).sort()) {
        const f = join(d, n);
        const st = lstatSync(f);
        const rel = relative(tmp, f);
        if (st.isDirectory()) {
          out.push({ path: rel, dir: true });
          walk(f);
        } else if (st.isFile()) out.push({ path: rel, dir: false, sha1: createHash('sha1').update(readFileSync(f)).digest('hex') });
      }
    };
    walk(tmp);
    return out;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** host script printing "d PATH" or "f SHA1 PATH" for each member of a host archive (read only) */
function remoteMembersScript(src: string, kind: Kind): string {
  const s = shellQuote(src);
  const list = kind === 'zip' ? `unzip -Z1 ${s}` : `tar -tf ${s}`;
  const cat = kind === 'zip' ? `unzip -p ${s} "$m"` : `tar -xOf ${s} -- "$m"`;
  return `${list} | while IFS= read -r m; do case "$m" in */) echo "d \${m%/}";; *) echo "f $(${cat} | sha1sum | cut -d' ' -f1) $m";; esac; done`;
}

function parseMembers(stdout: string): Member[] {
  const out: Member[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('d ')) out.push({ path: line.slice(2).replace(/^\.\//, ''), dir: true });
    else if (line.startsWith('f ')) {
      const rest = line.slice(2);
      const i = rest.indexOf(' ');
      out.push({ path: rest.slice(i + 1).replace(/^\.\//, ''), dir: false, sha1: rest.slice(0, i) });
    }
  }
  return out.filter((m) => m.path !== '' && m.path !== '.');
}

export const unarchiveModule: Module<UnarchiveArgs> = {
  name: 'unarchive',
  traits: { checkMode: 'full' },
  schema: objectSchema(
    {
      src: stringSchema,
      dest: stringSchema,
      remote_src: boolSchema,
      copy: boolSchema,
      creates: stringSchema,
      list_files: boolSchema,
      exclude: stringOrListSchema,
      extra_opts: stringOrListSchema,
    },
    { required: ['src', 'dest'] },
  ),
  async check(ctx, args) {
    const remote = toBool(args.remote_src, 'remote_src', false) || !toBool(args.copy, 'copy', true);
    const dest = args.dest;
    const d = shellQuote(dest);
    if (args.creates !== undefined) {
      const c = await ctx.query(`[ -e ${shellQuote(args.creates)} ] && echo yes || true`);
      if (c.stdout.trim() === 'yes') return { changed: false, msg: `skipped, since ${args.creates} exists`, data: { skipped_reason: 'creates' } };
    }
    const isDir = await ctx.query(`[ -d ${d} ] && echo yes || true`);
    if (isDir.stdout.trim() !== 'yes') return failedPlan(`dest '${dest}' must be an existing dir`);
    let kind: Kind | undefined;
    let members: Member[];
    let archive: Buffer | undefined;
    let hostSrc: string;
    if (remote) {
      hostSrc = args.src;
      const s = shellQuote(args.src);
      const head = await ctx.query(`[ -f ${s} ] || { echo missing; exit 0; }; head -c 512 ${s} | base64 -w0`);
      if (head.stdout.trim() === 'missing') return failedPlan(`Source '${args.src}' does not exist`);
      kind = archiveKind(Buffer.from(head.stdout.trim(), 'base64'));
      if (!kind) return failedPlan(`Failed to find handler for "${args.src}". Make sure the required command to extract the file is installed.`);
      const r = await ctx.query(remoteMembersScript(args.src, kind));
      if (r.rc !== 0) return failedPlan(`cannot list ${args.src}: ${r.stderr.trim()}`);
      members = parseMembers(r.stdout);
    } else {
      let local: string;
      try {
        local = ctx.findFile('files', args.src);
        if (!statSync(local).isFile()) throw new Error('not a file');
      } catch {
        return failedPlan(`Could not find or access '${args.src}'`);
      }
      const fd = openSync(local, 'r');
      const head = Buffer.alloc(512);
      readSync(fd, head, 0, 512, 0);
      closeSync(fd);
      kind = archiveKind(head);
      if (!kind) return failedPlan(`Failed to find handler for "${args.src}". Make sure the required command to extract the file is installed.`);
      try {
        members = localMembers(local, kind);
      } catch (e) {
        return failedPlan(`cannot read the archive ${args.src}: ${e instanceof Error ? e.message : String(e)}`);
      }
      archive = readFileSync(local);
      hostSrc = `/tmp/.hapb-unarchive-${randomBytes(8).toString('hex')}`;
    }
    // Ansible's tar handlers exit skipped in check mode (only ZipArchive can tell)
    if (ctx.check && kind !== 'zip') return { changed: false, skipInCheck: true, skipMsg: 'remote module (ansible.legacy.unarchive) does not support check mode when using gtar' };
    const excludes = toList(args.exclude);
    members = members.filter((m) => !excludes.some((x) => posix.matchesGlob?.(m.path, x) ?? m.path === x));
    // what is at dest: one line per member
    const script = members
      .map((m) => {
        const p = shellQuote(posix.join(dest, m.path));
        return m.dir ? `[ -d ${p} ] || echo missing` : `if [ -f ${p} ] && [ ! -L ${p} ]; then [ "$(sha1sum < ${p} | cut -d' ' -f1)" = ${m.sha1 ?? ''} ] || echo differs; else echo missing; fi`;
      })
      .join('\n');
    const cmp = members.length ? await ctx.query(script) : { stdout: '', rc: 0, stderr: '' };
    const unarchived = cmp.stdout.trim() === '';
    const handler = kind === 'zip' ? 'ZipArchive' : 'TgzArchive';
    const data: Record<string, unknown> = { dest, src: args.src, handler, ...(toBool(args.list_files, 'list_files', false) ? { files: members.map((m) => (m.dir ? `${m.path}/` : m.path)) } : {}) };
    if (unarchived) return { changed: false, data };
    const extra = toList(args.extra_opts).map(shellQuote).join(' ');
    const ex = excludes.map((x) => (kind === 'zip' ? `-x ${shellQuote(x)}` : `--exclude=${shellQuote(x)}`)).join(' ');
    const h = shellQuote(hostSrc);
    const extract = kind === 'zip' ? `unzip -o ${extra} ${h} -d ${d} ${ex}` : `tar --extract -C ${d} ${ex} ${extra} -f ${h}`;
    const steps: Step[] = [];
    if (archive) steps.push({ write: hostSrc, content: archive, mode: '0600' });
    steps.push({ run: archive ? `${extract}; rc=$?; rm -f -- ${h}; exit $rc` : extract, doing: `extracting ${args.src} into ${dest}` });
    return { changed: true, data, steps };
  },
};
