/**
 * fetch: copy a host's file to the controller, as Ansible lays it out:
 * DEST/INVENTORY_HOSTNAME/PATH, or DEST itself with flat (DEST/BASENAME when DEST ends in /).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { shellQuote } from '../connection/command.js';
import { boolSchema, objectSchema, stringSchema, toBool } from './args.js';
import { failedPlan } from './result.js';
import type { Module } from './types.js';

export type FetchArgs = {
  src: string;
  dest: string;
  flat?: boolean | string;
  fail_on_missing?: boolean | string;
  validate_checksum?: boolean | string;
};

function digest(algo: 'sha1' | 'md5', data: Buffer): string {
  return createHash(algo).update(data).digest('hex');
}

export const fetchModule: Module<FetchArgs> = {
  name: 'fetch',
  // Ansible's fetch action skips in check mode
  traits: { checkMode: 'none', noCheckMsg: 'check mode not (yet) supported for this module' },
  schema: objectSchema(
    { src: stringSchema, dest: stringSchema, flat: boolSchema, fail_on_missing: boolSchema, validate_checksum: boolSchema },
    { required: ['src', 'dest'] },
  ),
  async check(ctx, args) {
    const src = args.src;
    const flat = toBool(args.flat, 'flat', false);
    let dest: string;
    if (flat) dest = args.dest.endsWith('/') ? join(args.dest, posix.basename(src)) : args.dest;
    else {
      const host = typeof ctx.vars.inventory_hostname === 'string' ? ctx.vars.inventory_hostname : ctx.host;
      // Ansible: dest/hostname/path, with a relative src as it stands
      dest = join(args.dest, host, src.startsWith('/') ? src.slice(1) : src);
    }
    dest = resolve(dest);
    const p = shellQuote(src);
    const r = await ctx.query(
      `if [ ! -e ${p} ]; then echo missing; elif [ -d ${p} ]; then echo directory; elif [ ! -r ${p} ]; then echo unreadable; else echo "sha1=$(sha1sum < ${p} | cut -d' ' -f1)"; echo "md5=$(md5sum < ${p} | cut -d' ' -f1)"; fi`,
    );
    const out = r.stdout.trim();
    const failOnMissing = toBool(args.fail_on_missing, 'fail_on_missing', true);
    const notThere = (msg: string) => (failOnMissing ? failedPlan(msg, { file: src }) : { changed: false, msg, data: { file: src } });
    if (out === 'missing') return notThere('the remote file does not exist, not transferring, ignored');
    if (out === 'directory') return notThere('remote file is a directory, fetch cannot work on directories');
    if (out === 'unreadable') return notThere('file is not readable, not transferring, ignored');
    const sha = /sha1=([0-9a-f]{40})/.exec(out)?.[1];
    const md5 = /md5=([0-9a-f]{32})/.exec(out)?.[1];
    if (!sha) return failedPlan(`cannot read ${src}: ${r.stderr.trim()}`);
    const local = existsSync(dest) ? readFileSync(dest) : undefined;
    const data = { dest, file: src, checksum: sha, remote_checksum: sha, remote_md5sum: null, md5sum: md5 };
    if (local && digest('sha1', local) === sha) return { changed: false, data };
    return { changed: true, data, steps: [{ fetch: src, to: dest }] };
  },
};
