/**
 * assemble: a file made of the fragments of a directory (sorted by name),
 * with an optional delimiter between them; the directory is on the host
 * (remote_src, the default) or on the controller.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { shellQuote } from '../connection/command.js';
import { boolSchema, objectSchema, stringSchema, toBool } from './args.js';
import { pyRegex } from './lineinfile.js';
import { planContent, putContentOptions, putContentSchemas, type PutContentArgs } from './put-content.js';
import { failedPlan } from './result.js';
import type { Module } from './types.js';

export type AssembleArgs = PutContentArgs & {
  src: string;
  dest: string;
  delimiter?: string;
  regexp?: string;
  ignore_hidden?: boolean | string;
  remote_src?: boolean | string;
};

/** Python's escape_decode of the delimiter: \n, \t, \\ ... */
function unescape(s: string): string {
  const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
  return s.replace(/\\(.)/g, (all, c: string) => map[c] ?? all);
}

/** Join the fragments as Ansible does (exported for tests). */
export function assembleFragments(fragments: [string, Buffer][], o: { delimiter?: string | undefined; regexp?: string | undefined; ignoreHidden: boolean }): Buffer {
  const re = o.regexp !== undefined ? pyRegex(o.regexp) : undefined;
  const parts: Buffer[] = [];
  let delimit = false;
  let addNewline = false;
  const sorted = [...fragments].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
  for (const [name, content] of sorted) {
    if (re && !re.test(name)) continue;
    if (o.ignoreHidden && name.startsWith('.')) continue;
    if (addNewline) parts.push(Buffer.from('\n'));
    if (delimit && o.delimiter) {
      const d = unescape(o.delimiter);
      parts.push(Buffer.from(d));
      if (!d.endsWith('\n')) parts.push(Buffer.from('\n'));
    }
    parts.push(content);
    delimit = true;
    addNewline = !content.toString('latin1').endsWith('\n');
  }
  return Buffer.concat(parts);
}

export const assembleModule: Module<AssembleArgs> = {
  name: 'assemble',
  // Ansible's assemble action never runs in check mode (it sets _supports_check_mode = False)
  traits: { checkMode: 'none', noCheckMsg: 'check mode is not supported for this task.' },
  schema: objectSchema(
    {
      src: stringSchema,
      dest: stringSchema,
      delimiter: stringSchema,
      regexp: stringSchema,
      ignore_hidden: boolSchema,
      remote_src: boolSchema,
      ...putContentSchemas,
    },
    { required: ['src', 'dest'] },
  ),
  async check(ctx, args) {
    const fragments: [string, Buffer][] = [];
    if (toBool(args.remote_src, 'remote_src', true)) {
      const d = shellQuote(args.src);
      const r = await ctx.query(
        `if [ ! -d ${d} ]; then echo notdir; exit 3; fi; cd ${d} && find -L . -maxdepth 1 -mindepth 1 -type f -exec sh -c 'for f; do printf "%s\\t" "$(printf %s "\${f#./}" | base64 -w0)"; base64 -w0 < "$f" || exit 1; echo; done' sh {} +`,
      );
      if (r.rc === 3) return failedPlan(`Source (${args.src}) is not a directory`);
      if (r.rc !== 0) return failedPlan(`cannot read the fragments in ${args.src}: ${r.stderr.trim()}`);
      for (const line of r.stdout.split('\n')) {
        const [n, c] = line.split('\t');
        if (n === undefined || c === undefined) continue;
        fragments.push([Buffer.from(n, 'base64').toString('utf8'), Buffer.from(c, 'base64')]);
      }
    } else {
      const dir = ctx.findFile('files', args.src);
      let names: string[];
      try {
        if (!statSync(dir).isDirectory()) return failedPlan(`Source (${args.src}) is not a directory`);
        names = readdirSync(dir);
      } catch {
        return failedPlan(`Source (${args.src}) not found`);
      }
      for (const n of names) {
        const f = join(dir, n);
        if (statSync(f).isFile()) fragments.push([n, readFileSync(f)]);
      }
    }
    const content = assembleFragments(fragments, { delimiter: args.delimiter, regexp: args.regexp, ignoreHidden: toBool(args.ignore_hidden, 'ignore_hidden', false) });
    const plan = await planContent(ctx, args.dest, content, putContentOptions(args));
    return { ...plan, msg: 'OK' };
  },
};
