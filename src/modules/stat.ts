/** stat: what a path is (Ansible's `stat` dictionary), read only; never changes anything. */
import { shellQuote } from '../connection/command.js';
import { ModuleError } from '../errors/index.js';
import { boolSchema, objectSchema, stringSchema, toBool } from './args.js';
import { failedPlan } from './result.js';
import type { Module } from './types.js';

export type StatArgs = {
  path?: string;
  dest?: string;
  name?: string;
  follow?: boolean | string;
  get_checksum?: boolean | string;
  get_md5?: boolean | string;
  get_mime?: boolean | string;
  mime?: boolean | string;
  get_attributes?: boolean | string;
  attributes?: boolean | string;
  checksum_algorithm?: string;
  checksum?: string;
  checksum_algo?: string;
};

const ALGOS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;

/** lsattr's letters, Ansible's names (module_utils/basic.py FILE_ATTRIBUTES) */
const ATTRS: Record<string, string> = {
  A: 'noatime', a: 'append', c: 'compressed', C: 'nocow', d: 'nodump', D: 'dirsync', e: 'extents', E: 'encrypted',
  h: 'blocksize', i: 'immutable', I: 'indexed', j: 'journalled', N: 'inline', s: 'zero', S: 'synchronous',
  t: 'notail', T: 'blockroot', u: 'undelete', X: 'compressedraw', Z: 'compresseddirty',
};

/** the shell script that prints `key=value` lines for the path */
export function statScript(path: string, o: { follow: boolean; checksum?: string | undefined; md5: boolean; mime: boolean; attributes: boolean }): string {
  const p = shellQuote(path);
  const L = o.follow ? '-L ' : '';
  const exists = o.follow ? `[ -e ${p} ]` : `{ [ -e ${p} ] || [ -L ${p} ]; }`;
  const fmt = 'rawmode=%f\\nmode=%a\\nuid=%u\\ngid=%g\\nsize=%s\\ninode=%i\\ndev=%d\\nnlink=%h\\natime=%.9X\\nmtime=%.9Y\\nctime=%.9Z\\nblocks=%b\\nblock_size=%o\\nmajor=%t\\nminor=%T\\npw_name=%U\\ngr_name=%G\\n';
  return [
    `if ! ${exists}; then echo exists=no; exit 0; fi`,
    `stat ${L}--printf '${fmt}' -- ${p} || exit 1`,
    `[ -r ${p} ] && echo readable=1; [ -w ${p} ] && echo writeable=1; [ -x ${p} ] && echo executable=1`,
    `if [ -z '${L}' ] && [ -L ${p} ]; then echo "lnk_source=$(realpath -m -- ${p})"; echo "lnk_target=$(readlink -- ${p})"; fi`,
    ...(o.checksum ? [`if [ -f ${p} ] && [ -r ${p} ]${o.follow ? '' : ` && [ ! -L ${p} ]`}; then echo "checksum=$(${o.checksum}sum < ${p} | cut -d' ' -f1)"; fi`] : []),
    ...(o.md5 ? [`if [ -f ${p} ] && [ -r ${p} ]; then echo "md5=$(md5sum < ${p} | cut -d' ' -f1)"; fi`] : []),
    ...(o.mime ? [`command -v file >/dev/null && echo "mime=$(file ${L}--mime-type --mime-encoding -- ${p} 2>/dev/null)"`] : []),
    ...(o.attributes ? [`command -v lsattr >/dev/null && echo "lsattr=$(lsattr -vd -- ${p} 2>/dev/null)"`] : []),
    'true',
  ].join('\n');
}

/** Ansible's stat dictionary from the script's output (exported for tests) */
export function parseStatOutput(stdout: string, path: string, o: { mime: boolean; attributes: boolean }): Record<string, unknown> {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0 && !kv.has(line.slice(0, i))) kv.set(line.slice(0, i), line.slice(i + 1));
  }
  if (kv.get('exists') === 'no') return { exists: false };
  const n = (k: string): number => Number(kv.get(k) ?? '0');
  const raw = parseInt(kv.get('rawmode') ?? '0', 16);
  const type = raw & 0o170000;
  const bit = (b: number): boolean => (raw & b) !== 0;
  const out: Record<string, unknown> = {
    exists: true,
    path,
    mode: (raw & 0o7777).toString(8).padStart(4, '0'),
    isdir: type === 0o040000,
    ischr: type === 0o020000,
    isblk: type === 0o060000,
    isreg: type === 0o100000,
    isfifo: type === 0o010000,
    islnk: type === 0o120000,
    issock: type === 0o140000,
    uid: n('uid'),
    gid: n('gid'),
    size: n('size'),
    inode: n('inode'),
    dev: n('dev'),
    nlink: n('nlink'),
    atime: n('atime'),
    mtime: n('mtime'),
    ctime: n('ctime'),
    wusr: bit(0o200), rusr: bit(0o400), xusr: bit(0o100),
    wgrp: bit(0o020), rgrp: bit(0o040), xgrp: bit(0o010),
    woth: bit(0o002), roth: bit(0o004), xoth: bit(0o001),
    isuid: bit(0o4000), isgid: bit(0o2000),
    blocks: n('blocks'),
    block_size: n('block_size'),
    device_type: makedev(parseInt(kv.get('major') ?? '0', 16), parseInt(kv.get('minor') ?? '0', 16)),
    readable: kv.has('readable'),
    writeable: kv.has('writeable'),
    executable: kv.has('executable'),
  };
  if (kv.has('lnk_source')) out.lnk_source = kv.get('lnk_source');
  if (kv.has('lnk_target')) out.lnk_target = kv.get('lnk_target');
  if (kv.get('pw_name') !== 'UNKNOWN') out.pw_name = kv.get('pw_name');
  if (kv.get('gr_name') !== 'UNKNOWN') out.gr_name = kv.get('gr_name');
  if (kv.has('md5')) out.md5 = kv.get('md5');
  if (kv.has('checksum')) out.checksum = kv.get('checksum');
  if (o.mime) {
    out.mimetype = 'unknown';
    out.charset = 'unknown';
    // "PATH: text/plain; charset=us-ascii"
    const m = /:\s*([^;:]+);\s*charset=(\S+)\s*$/.exec(kv.get('mime') ?? '');
    if (m) {
      out.mimetype = (m[1] ?? '').trim();
      out.charset = m[2];
    }
  }
  if (o.attributes) {
    out.version = null;
    out.attributes = [];
    out.attr_flags = '';
    const m = /^\s*(\S+)\s+(\S+)\s/.exec(kv.get('lsattr') ?? '');
    if (m) {
      const flags = (m[2] ?? '').replace(/-/g, '');
      out.version = m[1];
      out.attr_flags = flags;
      out.attributes = [...flags].map((f) => ATTRS[f]).filter((x) => x !== undefined);
    }
  }
  return out;
}

/** glibc's makedev (what Python's st_rdev holds) */
function makedev(major: number, minor: number): number {
  return ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12);
}

export const statModule: Module<StatArgs> = {
  name: 'stat',
  traits: { checkMode: 'full' },
  schema: objectSchema({
    path: stringSchema,
    dest: stringSchema,
    name: stringSchema,
    follow: boolSchema,
    get_checksum: boolSchema,
    get_md5: boolSchema,
    get_mime: boolSchema,
    mime: boolSchema,
    mime_type: boolSchema,
    get_attributes: boolSchema,
    attr: boolSchema,
    attributes: boolSchema,
    checksum_algorithm: { enum: [...ALGOS] },
    checksum: { enum: [...ALGOS] },
    checksum_algo: { enum: [...ALGOS] },
  }),
  async check(ctx, args) {
    const a = args as StatArgs & Record<string, unknown>;
    const path = a.path ?? a.dest ?? a.name;
    if (path === undefined) return failedPlan('missing required arguments: path');
    const algo = a.checksum_algorithm ?? a.checksum ?? a.checksum_algo ?? 'sha1';
    const mime = toBool(a.get_mime ?? a.mime ?? a.mime_type, 'get_mime', true);
    const attributes = toBool(a.get_attributes ?? a.attr ?? a.attributes, 'get_attributes', true);
    const script = statScript(path, {
      follow: toBool(a.follow, 'follow', false),
      checksum: toBool(a.get_checksum, 'get_checksum', true) ? algo : undefined,
      md5: toBool(a.get_md5, 'get_md5', false),
      mime,
      attributes,
    });
    const r = await ctx.query(script);
    if (r.rc !== 0) throw new ModuleError(`cannot stat ${path}: ${r.stderr.trim()}`, { host: ctx.host, task: ctx.task, rc: r.rc, stderr: r.stderr });
    return { changed: false, data: { stat: parseStatOutput(r.stdout, path, { mime, attributes }) } };
  },
};
