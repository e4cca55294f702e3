/**
 * get_url: download a file on the host with curl, into a temp file beside
 * dest, checked against `checksum`, then renamed over dest only when its
 * content differs (atomic). An existing dest is left alone when a checksum
 * is given and matches; without one it is fetched again with
 * If-Modified-Since (Ansible's conditional request) unless `force`.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { shellQuote } from '../connection/command.js';
import { boolSchema, fileAttrs, fileAttrSchemas, intSchema, objectSchema, stringSchema, toBool, toInt, type FileAttrArgs } from './args.js';
import { attrCommands, pathInfo, pathInfoCommand } from './files.js';
import { failedPlan } from './result.js';
import type { Module, StepOutput } from './types.js';

export type GetUrlArgs = FileAttrArgs & {
  url: string;
  dest: string;
  force?: boolean | string;
  checksum?: string;
  backup?: boolean | string;
  timeout?: number | string;
  headers?: Record<string, string | number>;
  url_username?: string;
  username?: string;
  url_password?: string;
  password?: string;
  force_basic_auth?: boolean | string;
  validate_certs?: boolean | string;
  http_agent?: string;
  use_proxy?: boolean | string;
  tmp_dest?: string;
  decompress?: boolean | string;
};

const ALGOS = new Set(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']);

/** the file name Ansible takes from a URL: the last path segment */
export function urlFilename(url: string): string {
  try {
    const name = posix.basename(new URL(url).pathname);
    return name === '' ? 'index.html' : name;
  } catch {
    return 'index.html';
  }
}

/** `algo:hex` or `algo:URL` of a checksum file; the file's line for urlFilename(url) */
export function pickChecksum(text: string, filename: string): string | undefined {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '');
  if (lines.length === 1 && (lines[0] ?? '').trim().split(/\s+/).length === 1) return lines[0]?.trim();
  for (const line of lines) {
    const i = line.indexOf(' ');
    if (i < 0) continue;
    let f = line.slice(i + 1);
    if (f.startsWith(' ') || f.startsWith('*')) f = f.slice(1);
    if (f.replace(/^[./]+/, '') === filename) return line.slice(0, i);
  }
  return undefined;
}

export const getUrlModule: Module<GetUrlArgs> = {
  name: 'get_url',
  traits: { checkMode: 'full' },
  schema: objectSchema(
    {
      url: stringSchema,
      dest: stringSchema,
      force: boolSchema,
      checksum: stringSchema,
      backup: boolSchema,
      timeout: intSchema,
      headers: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
      url_username: stringSchema,
      username: stringSchema,
      url_password: stringSchema,
      password: stringSchema,
      force_basic_auth: boolSchema,
      validate_certs: boolSchema,
      http_agent: stringSchema,
      use_proxy: boolSchema,
      tmp_dest: stringSchema,
      decompress: boolSchema,
      ...fileAttrSchemas,
    },
    { required: ['url', 'dest'] },
  ),
  async check(ctx, args) {
    const timeout = toInt(args.timeout, 'timeout', 10);
    const force = toBool(args.force, 'force', false);
    const base: Record<string, unknown> = { checksum_dest: null, checksum_src: null, dest: args.dest, elapsed: 0, url: args.url };
    const curl = curlArgs(args, timeout);
    let algo = '';
    let want = '';
    if (args.checksum) {
      const i = args.checksum.indexOf(':');
      if (i < 0) return failedPlan('The checksum parameter has to be in format <algorithm>:<checksum>', base);
      algo = args.checksum.slice(0, i);
      want = args.checksum.slice(i + 1);
      if (!ALGOS.has(algo)) return failedPlan(`Could not hash file with algorithm ${algo}`, base);
      if (/^(https?|ftp|file):/.test(want)) {
        const r = await ctx.query(`${curl} -- ${shellQuote(want)}`, { timeoutMs: (timeout + 5) * 1000 });
        if (r.rc !== 0) return failedPlan(`Request failed: ${want}: ${r.stderr.trim()}`, base);
        const found = pickChecksum(r.stdout, urlFilename(args.url));
        if (found === undefined) return failedPlan(`Unable to find a checksum for file '${urlFilename(args.url)}' in '${want}'`);
        want = found;
      }
      want = want.replace(/\W+/g, '').toLowerCase();
      if (!/^[0-9a-f]+$/.test(want)) return failedPlan('The checksum format is invalid', base);
    }
    const d = shellQuote(args.dest);
    const r = await ctx.query(
      `if [ -d ${d} ]; then echo dir; elif [ -e ${d} ]; then echo file${algo ? `; ${algo}sum < ${d} | cut -d' ' -f1` : ''}; elif [ -d "$(dirname -- ${d})" ]; then echo absent; else echo noparent; fi`,
    );
    if (r.rc !== 0) return failedPlan(`cannot read ${args.dest}: ${r.stderr.trim()}`, base);
    const [kind = '', sum = ''] = r.stdout.trim().split('\n');
    let dest = args.dest;
    if (kind === 'dir') dest = posix.join(dest, urlFilename(args.url));
    if (kind === 'noparent') return failedPlan(`Destination ${posix.dirname(dest)} does not exist`, base);
    const attrs = fileAttrs(args);
    if (kind === 'file' && !force && want !== '' && sum.trim() === want) {
      // the file is there with the wanted checksum: only its attributes may change
      // Ansible's result names dest: its owner, group, mode... (add_path_info)
      const cmds = attrCommands(dest, attrs);
      const info = pathInfo((await ctx.query(pathInfoCommand(dest))).stdout);
      const same = (attrs.mode === undefined || String(info.mode ?? '').slice(1).padStart(4, '0') === attrs.mode) && (attrs.owner === undefined || info.owner === attrs.owner) && (attrs.group === undefined || info.group === attrs.group);
      if (!cmds.length || same) return { changed: false, msg: 'file already exists', data: { ...base, ...info } };
      return {
        changed: true,
        msg: 'file already exists but file attributes changed',
        data: base,
        steps: [{ run: `${cmds.join(' && ')} && ${pathInfoCommand(dest)}`, keepOutput: true, doing: `setting owner, group or mode of ${dest}` }],
        report: (outs: StepOutput[]) => ({ ...base, ...pathInfo(outs[0]?.stdout ?? '') }),
      };
    }
    // If-Modified-Since: HTTP(S) and FTP only (Ansible's file:// handler ignores it and reads the file again)
    const conditional = kind === 'file' && !force && want === '' && !args.url.startsWith('file:');
    const script = downloadScript({ url: args.url, dest, curl, algo, want, conditional, backup: toBool(args.backup, 'backup', false), attrs: attrCommands(dest, attrs) });
    const start = Date.now();
    return {
      changed: true,
      data: { ...base, dest },
      steps: [{ run: script, keepOutput: true, timeoutMs: (timeout + 30) * 1000, doing: `downloading ${args.url}` }],
      report: (outs: StepOutput[]) => downloadReport(outs[0], { ...base, dest }, want, start),
    };
  },
};

function curlArgs(args: GetUrlArgs, timeout: number): string {
  const a = ['curl', '-sS', '-L', '--max-time', String(timeout), '-A', shellQuote(args.http_agent ?? 'ansible-httpget')];
  if (!toBool(args.validate_certs, 'validate_certs', true)) a.push('-k');
  if (!toBool(args.use_proxy, 'use_proxy', true)) a.push('--noproxy', "'*'");
  if (toBool(args.decompress, 'decompress', true)) a.push('--compressed');
  const user = args.url_username ?? args.username;
  const pass = args.url_password ?? args.password;
  if (user !== undefined) a.push('-u', shellQuote(`${user}:${pass ?? ''}`), ...(toBool(args.force_basic_auth, 'force_basic_auth', false) ? ['--basic'] : ['--anyauth']));
  for (const [k, v] of Object.entries(args.headers ?? {})) a.push('-H', shellQuote(`${k}: ${v}`));
  return a.join(' ');
}

/** The host-side download: temp beside dest, checksum, compare, attributes, backup, rename. Prints key=value lines. */
function downloadScript(o: { url: string; dest: string; curl: string; algo: string; want: string; conditional: boolean; backup: boolean; attrs: string[] }): string {
  const d = shellQuote(o.dest);
  const tmp = shellQuote(posix.join(posix.dirname(o.dest), `.${posix.basename(o.dest)}.hapb-${randomBytes(6).toString('hex')}.tmp`));
  return [
    `tmp=${tmp}`,
    `trap 'rm -f -- "$tmp"' EXIT`,
    `code=$(${o.curl} ${o.conditional ? `-z ${d} ` : ''}-o "$tmp" -w '%{http_code}' -- ${shellQuote(o.url)}) || { echo "status=-1"; exit 0; }`,
    `echo "status=$code"`,
    `if [ "$code" = 304 ]; then echo result=notmodified; exit 0; fi`,
    // 000: a URL without HTTP status (file://) that curl read without error
    `case "$code" in 2??|000) ;; *) echo result=httperror; exit 0;; esac`,
    `[ -e "$tmp" ] || : > "$tmp"`,
    `src=$(sha1sum < "$tmp" | cut -d' ' -f1); echo "checksum_src=$src"; echo "size=$(stat -c %s -- "$tmp")"`,
    `dst=; if [ -e ${d} ]; then dst=$(sha1sum < ${d} | cut -d' ' -f1); echo "checksum_dest=$dst"; fi`,
    ...(o.algo ? [`got=$(${o.algo}sum < "$tmp" | cut -d' ' -f1); if [ "$got" != ${shellQuote(o.want)} ]; then echo "checksum_got=$got"; echo result=badsum; exit 0; fi`] : []),
    `if [ "$src" = "$dst" ]; then echo result=same; else`,
    `  if [ -e ${d} ]; then chown --reference=${d} -- "$tmp" 2>/dev/null || true; chmod --reference=${d} -- "$tmp"; else chmod 0644 -- "$tmp"; fi`,
    ...(o.backup ? [`  if [ -f ${d} ]; then b=${d}.$(date +%Y-%m-%d@%H:%M:%S)~; cp -p -- ${d} "$b" && echo "backup_file=$b"; fi`] : []),
    `  mv -f -- "$tmp" ${d} || exit 1`,
    `  echo result=changed`,
    `fi`,
    // attributes asked for, on the file now in place; a change of them is a change
    ...(o.attrs.length
      ? [`before=$(stat -c '%a %U %G' -- ${d}); ${o.attrs.join(' && ')} || exit 1; [ "$before" = "$(stat -c '%a %U %G' -- ${d})" ] || echo attrs=changed`]
      : []),
    `echo "md5sum=$(md5sum < ${d} | cut -d' ' -f1)"`,
    `echo "pathinfo=$(${pathInfoCommand(o.dest)})"`,
    `echo "src=$tmp"`,
  ].join('\n');
}

function downloadReport(out: StepOutput | undefined, base: Record<string, unknown>, want: string, start: number): Record<string, unknown> {
  const kv = new Map<string, string>();
  for (const line of (out?.stdout ?? '').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1));
  }
  const res: Record<string, unknown> = { ...base, elapsed: Math.floor((Date.now() - start) / 1000) };
  const status = Number(kv.get('status') ?? -1);
  res.status_code = status;
  if (kv.has('checksum_src')) res.checksum_src = kv.get('checksum_src');
  if (kv.has('checksum_dest')) res.checksum_dest = kv.get('checksum_dest');
  if (kv.has('size')) res.size = Number(kv.get('size'));
  if (kv.has('md5sum')) res.md5sum = kv.get('md5sum');
  if (kv.has('backup_file')) res.backup_file = kv.get('backup_file');
  if (kv.has('src')) res.src = kv.get('src');
  Object.assign(res, pathInfo(kv.get('pathinfo') ?? ''));
  const result = kv.get('result');
  if (out === undefined || out.rc !== 0 || status === -1) {
    return { ...res, changed: false, failed: true, msg: `Request failed: ${(out?.stderr ?? '').trim().split('\n')[0] ?? ''}` };
  }
  if (result === 'httperror') return { ...res, changed: false, failed: true, msg: `Request failed`, response: `HTTP Error ${status}` };
  if (result === 'badsum') {
    // Ansible moves the file in place, then removes it: changed (dest is never touched here)
    return { ...res, changed: true, failed: true, msg: `The checksum for ${String(base.dest)} did not match ${want}; it was ${kv.get('checksum_got') ?? ''}.` };
  }
  if (result === 'notmodified') return { ...res, changed: kv.get('attrs') === 'changed', msg: 'Not Modified' };
  return { ...res, changed: result === 'changed' || kv.get('attrs') === 'changed', msg: `OK (${kv.get('size') ?? '0'} bytes)` };
}
