/** replace: every match of a (Python) regex replaced, optionally between `after` and `before`. */
import { objectSchema, stringSchema } from './args.js';
import { statFile } from './files.js';
import { pyRegex } from './lineinfile.js';
import { planContent, putContentOptions, putContentSchemas, type PutContentArgs } from './put-content.js';
import { failedPlan } from './result.js';
import type { Module } from './types.js';

export type ReplaceArgs = PutContentArgs & {
  path?: string;
  dest?: string;
  destfile?: string;
  name?: string;
  regexp: string;
  replace?: string;
  after?: string;
  before?: string;
  encoding?: string;
};

/** Python's re.sub replacement template: \1, \g<1>, \g<name>, \n \t \\ escapes */
function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\\(?:g<(\w+)>|(\d{1,2})|([ntrfvab\\]))/g, (_all, g: string | undefined, d: string | undefined, esc: string | undefined) => {
    if (g !== undefined) return (/^\d+$/.test(g) ? m[Number(g)] : m.groups?.[g]) ?? '';
    if (d !== undefined) return m[Number(d)] ?? '';
    const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };
    return map[esc ?? ''] ?? '';
  });
}

/** The text after the replacements, and how many (exported for tests). */
export function replaceText(contents: string, o: { regexp: string; replace: string; after?: string | undefined; before?: string | undefined }): { text: string; count: number; sectionMissing?: string } {
  let section = contents;
  let start = 0;
  let end = contents.length;
  let pattern = '';
  if (o.after && o.before) pattern = `${o.after}(?<subsection>.*?)${o.before}`;
  else if (o.after) pattern = `${o.after}(?<subsection>.*)`;
  else if (o.before) pattern = `(?<subsection>.*)${o.before}`;
  if (pattern) {
    const re = pyRegex(pattern);
    const sre = new RegExp(re.source, re.flags.includes('s') ? re.flags + 'd' : re.flags + 'sd');
    const m = sre.exec(contents);
    const idx = m?.indices?.groups?.subsection;
    if (!m || !idx) return { text: contents, count: 0, sectionMissing: pattern.replace('(?<subsection>', '(?P<subsection>') };
    [start, end] = idx;
    section = contents.slice(start, end);
  }
  const base = pyRegex(o.regexp);
  const re = new RegExp(base.source, [...new Set([...base.flags, 'g', 'm'])].join(''));
  let count = 0;
  const out = section.replace(re, (...a: unknown[]) => {
    count++;
    const groups = a[a.length - 1];
    const hasGroups = typeof groups === 'object' && groups !== null;
    const strs = a.slice(0, hasGroups ? -3 : -2) as (string | undefined)[];
    const m = Object.assign([...strs], { index: 0, input: section, groups: hasGroups ? (groups as Record<string, string>) : undefined }) as unknown as RegExpExecArray;
    return expand(o.replace, m);
  });
  if (count === 0 || out === section) return { text: contents, count: 0 };
  return { text: contents.slice(0, start) + out + contents.slice(end), count };
}

export const replaceModule: Module<ReplaceArgs> = {
  name: 'replace',
  traits: { checkMode: 'full' },
  schema: objectSchema(
    {
      path: stringSchema,
      dest: stringSchema,
      destfile: stringSchema,
      name: stringSchema,
      regexp: stringSchema,
      replace: stringSchema,
      after: stringSchema,
      before: stringSchema,
      encoding: { enum: ['utf-8', 'utf8', 'UTF-8'] },
      ...putContentSchemas,
    },
    { required: ['regexp'] },
  ),
  async check(ctx, args) {
    const path = args.path ?? args.dest ?? args.destfile ?? args.name;
    if (path === undefined) return failedPlan('missing required arguments: path');
    const st = await statFile(ctx, path, { withContent: true, maxBytes: Number.MAX_SAFE_INTEGER });
    if (st.exists && st.kind === 'directory') return failedPlan(`Path ${path} is a directory !`, { rc: 256 });
    if (!st.exists) return failedPlan(`Path ${path} does not exist !`, { rc: 257 });
    const contents = (st.content ?? Buffer.alloc(0)).toString('utf8');
    let r: ReturnType<typeof replaceText>;
    try {
      r = replaceText(contents, { regexp: args.regexp, replace: args.replace ?? '', after: args.after, before: args.before });
    } catch (e) {
      if (e instanceof SyntaxError) return failedPlan(`invalid regular expression: ${e.message}`);
      throw e;
    }
    if (r.sectionMissing !== undefined) {
      return { changed: false, msg: `Pattern for before/after params did not match the given file: ${r.sectionMissing}`, data: { rc: 0 } };
    }
    const plan = await planContent(ctx, path, Buffer.from(r.text), putContentOptions(args), st);
    const msg = r.count > 0 ? `${r.count} replacements made` : plan.changed ? 'ownership, perms or SE linux context changed' : '';
    return { ...plan, msg, data: { rc: 0 } };
  },
};
