/**
 * blockinfile: a block of lines between two marker lines, inserted, replaced
 * or removed, with Ansible's placement rules (insertafter/insertbefore, EOF/BOF).
 */
import { posix } from 'node:path';
import { shellQuote } from '../connection/command.js';
import { boolSchema, objectSchema, stringSchema, toBool } from './args.js';
import { statFile } from './files.js';
import { mkdirPInProcess } from './in-process.js';
import { pyRegex } from './lineinfile.js';
import { planContent, putContentOptions, putContentSchemas, type PutContentArgs } from './put-content.js';
import { failedPlan } from './result.js';
import type { Module } from './types.js';

export type BlockinfileArgs = PutContentArgs & {
  path?: string;
  dest?: string;
  destfile?: string;
  name?: string;
  state?: 'present' | 'absent';
  marker?: string;
  block?: string;
  content?: string;
  insertafter?: string;
  insertbefore?: string;
  create?: boolean | string;
  marker_begin?: string;
  marker_end?: string;
};

/** lines with their line endings, as Python's splitlines(True) for \n files */
function splitKeep(text: string): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    const i = text.indexOf('\n', at);
    if (i < 0) {
      out.push(text.slice(at));
      break;
    }
    out.push(text.slice(at, i + 1));
    at = i + 1;
  }
  return out;
}

/** The new text (exported for tests); null original means the file does not exist. */
export function editBlock(
  original: string | null,
  o: { present: boolean; block: string; marker: string; begin: string; end: string; insertafter?: string | undefined; insertbefore?: string | undefined },
): { text: string; msg: string } {
  const lines = original === null ? [] : splitKeep(original);
  let insertafter = o.insertafter;
  const insertbefore = o.insertbefore;
  if (insertbefore === undefined && insertafter === undefined) insertafter = 'EOF';
  const re =
    insertafter !== undefined && insertafter !== 'EOF'
      ? pyRegex(insertafter)
      : insertbefore !== undefined && insertbefore !== 'BOF'
        ? pyRegex(insertbefore)
        : undefined;
  const m0 = o.marker.split('{mark}').join(o.begin) + '\n';
  const m1 = o.marker.split('{mark}').join(o.end) + '\n';
  let block = o.block;
  let blocklines: string[] = [];
  if (o.present && block !== '') {
    if (!block.endsWith('\n')) block += '\n';
    blocklines = [m0, ...splitKeep(block), m1];
  }
  let n0: number | undefined;
  let n1: number | undefined;
  lines.forEach((l, i) => {
    if (l === m0) n0 = i;
    if (l === m1) n1 = i;
  });
  let at: number;
  if (n0 === undefined || n1 === undefined) {
    let found: number | undefined;
    if (re) {
      if (re.multiline && original !== null) {
        const m = new RegExp(re.source, re.flags).exec(original);
        if (m) {
          const upto = insertafter !== undefined ? m.index + m[0].length : m.index;
          found = original.slice(0, upto).split('\n').length - 1;
        }
      } else lines.forEach((l, i) => {
        if (re.test(l)) found = i;
      });
      if (found === undefined) at = lines.length;
      else at = insertafter !== undefined ? found + 1 : found;
    } else at = insertbefore !== undefined ? 0 : lines.length;
  } else if (n0 < n1) {
    lines.splice(n0, n1 - n0 + 1);
    at = n0;
  } else {
    lines.splice(n1, n0 - n1 + 1);
    at = n1;
  }
  if (at > 0 && !(lines[at - 1] ?? '').endsWith('\n')) lines[at - 1] += '\n';
  lines.splice(at, 0, ...blocklines);
  const text = lines.join('');
  let msg: string;
  if (original === text) msg = '';
  else if (original === null) msg = 'File created';
  else if (!blocklines.length) msg = 'Block removed';
  else msg = 'Block inserted';
  return { text, msg };
}

export const blockinfileModule: Module<BlockinfileArgs> = {
  name: 'blockinfile',
  traits: { checkMode: 'full' },
  schema: objectSchema({
    path: stringSchema,
    dest: stringSchema,
    destfile: stringSchema,
    name: stringSchema,
    state: { enum: ['present', 'absent'] },
    marker: stringSchema,
    block: stringSchema,
    content: stringSchema,
    insertafter: stringSchema,
    insertbefore: stringSchema,
    create: boolSchema,
    marker_begin: stringSchema,
    marker_end: stringSchema,
    ...putContentSchemas,
  }),
  async check(ctx, args) {
    const path = args.path ?? args.dest ?? args.destfile ?? args.name;
    if (path === undefined) return failedPlan('missing required arguments: path');
    if (args.insertafter !== undefined && args.insertbefore !== undefined) {
      return failedPlan('parameters are mutually exclusive: insertbefore|insertafter');
    }
    const present = (args.state ?? 'present') === 'present';
    const st = await statFile(ctx, path, { withContent: true, maxBytes: Number.MAX_SAFE_INTEGER });
    if (st.exists && st.kind === 'directory') return failedPlan(`Path ${path} is a directory !`, { rc: 256 });
    if (!st.exists && !toBool(args.create, 'create', false)) return failedPlan(`Path ${path} does not exist !`, { rc: 257 });
    if (!present && !st.exists) return { changed: false, msg: `File ${path} not present` };
    const original = st.exists ? (st.content ?? Buffer.alloc(0)).toString('utf8') : null;
    let edit: { text: string; msg: string };
    try {
      edit = editBlock(original, {
        present,
        block: args.block ?? args.content ?? '',
        marker: args.marker ?? '# {mark} ANSIBLE MANAGED BLOCK',
        begin: args.marker_begin ?? 'BEGIN',
        end: args.marker_end ?? 'END',
        insertafter: args.insertafter,
        insertbefore: args.insertbefore,
      });
    } catch (e) {
      if (e instanceof SyntaxError) return failedPlan(`invalid regular expression: ${e.message}`);
      throw e;
    }
    const plan = await planContent(ctx, path, Buffer.from(edit.text), putContentOptions(args), st);
    const attrsOnly = plan.changed && edit.msg === '';
    // Ansible makes the missing directories of a file it creates
    if (!st.exists && plan.steps) plan.steps = [{ run: `mkdir -p -- ${shellQuote(posix.dirname(path))}`, doing: `creating the directory of ${path}`, inProcess: () => mkdirPInProcess(posix.dirname(path)) }, ...plan.steps];
    return { ...plan, msg: attrsOnly ? 'ownership, perms or SE linux context changed' : edit.msg, data: {} };
  },
};
