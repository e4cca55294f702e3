/**
 * lineinfile: make sure one line is present (or absent) in a file, Ansible's
 * rules: `regexp` picks the line to replace (the last match), otherwise the
 * line is inserted after/before the last match of insertafter/insertbefore.
 */
import { boolSchema, objectSchema, stringSchema, toBool } from './args.js';
import { statFile } from './files.js';
import { planContent, putContentOptions, putContentSchemas, type PutContentArgs } from './put-content.js';
import { failedPlan } from './result.js';
import type { Module } from './types.js';

export type LineinfileArgs = PutContentArgs & {
  path: string;
  line?: string;
  regexp?: string;
  state?: 'present' | 'absent';
  insertafter?: string;
  insertbefore?: string;
  create?: boolean | string;
  backrefs?: boolean | string;
  firstmatch?: boolean | string;
};

export const lineinfileModule: Module<LineinfileArgs> = {
  name: 'lineinfile',
  traits: { checkMode: 'full' },
  schema: objectSchema(
    {
      path: stringSchema,
      line: { type: ['string', 'number', 'boolean'] },
      regexp: stringSchema,
      state: { enum: ['present', 'absent'] },
      insertafter: stringSchema,
      insertbefore: stringSchema,
      create: boolSchema,
      backrefs: boolSchema,
      firstmatch: boolSchema,
      ...putContentSchemas,
    },
    { required: ['path'] },
  ),
  async check(ctx, args) {
    const state = args.state ?? 'present';
    const line = args.line === undefined ? undefined : String(args.line);
    if (args.insertafter !== undefined && args.insertbefore !== undefined) {
      return failedPlan('insertafter and insertbefore are mutually exclusive');
    }
    if (state === 'present' && line === undefined) return failedPlan('line is required with state=present');
    if (state === 'absent' && line === undefined && args.regexp === undefined) {
      return failedPlan('one of line or regexp is required with state=absent');
    }
    const st = await statFile(ctx, args.path, { withContent: true, maxBytes: Number.MAX_SAFE_INTEGER });
    if (st.exists && st.kind !== 'file') return failedPlan(`Path ${args.path} is a ${st.kind} !`);
    if (!st.exists && state === 'absent') return { changed: false, msg: '', data: { path: args.path } };
    if (!st.exists && !toBool(args.create, 'create', false)) {
      return failedPlan(`Destination ${args.path} does not exist !`, { rc: 257 });
    }
    const before = st.exists && st.content ? st.content.toString('utf8') : '';
    let edit: Edit;
    try {
      edit =
        state === 'present'
          ? presentLine(before, {
              line: line ?? '',
              regexp: args.regexp,
              insertafter: args.insertafter,
              insertbefore: args.insertbefore,
              backrefs: toBool(args.backrefs, 'backrefs', false),
              firstmatch: toBool(args.firstmatch, 'firstmatch', false),
            })
          : absentLine(before, { line, regexp: args.regexp });
    } catch (e) {
      if (e instanceof SyntaxError) return failedPlan(`invalid regular expression: ${e.message}`);
      throw e;
    }
    const opts = putContentOptions(args);
    if (edit.text === before && st.exists) {
      // content unchanged: attributes may still differ
      const plan = await planContent(ctx, args.path, Buffer.from(before), opts, st);
      return { ...plan, msg: plan.changed ? 'ownership, perms or SE linux context changed' : '' };
    }
    const plan = await planContent(ctx, args.path, Buffer.from(edit.text), opts, st);
    return { ...plan, msg: edit.msg };
  },
};

/**
 * A Python regex as a JavaScript RegExp: the common syntax is the same; a
 * leading inline flag group such as (?i) becomes a flag, \A and \Z become ^ and $.
 */
export function pyRegex(source: string): RegExp {
  let flags = '';
  let body = source;
  const m = /^\(\?([aiLmsux]+)\)/.exec(body);
  if (m) {
    body = body.slice(m[0].length);
    for (const f of m[1] ?? '') if ('ims'.includes(f) && !flags.includes(f)) flags += f;
  }
  body = body.replace(/\\A/g, '^').replace(/\\Z/g, '$').replace(/\(\?P<(\w+)>/g, '(?<$1>').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  return new RegExp(body, flags);
}

export interface Edit {
  text: string;
  msg: string;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function joinLines(lines: string[]): string {
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

function lastIndex(lines: string[], re: RegExp, first: boolean): number {
  let found = -1;
  for (let i = 0; i < lines.length; i++) {
    if (re.test(lines[i] ?? '')) {
      found = i;
      if (first) break;
    }
  }
  return found;
}

/** Python's \g<1> and \1 back references to JavaScript's $1. */
function expandBackrefs(line: string, m: RegExpExecArray): string {
  return line.replace(/\\(?:g<(\d+)>|(\d+))/g, (_all, a: string | undefined, b: string | undefined) => {
    const n = Number(a ?? b);
    return m[n] ?? '';
  });
}

export function presentLine(
  text: string,
  o: {
    line: string;
    regexp?: string | undefined;
    insertafter?: string | undefined;
    insertbefore?: string | undefined;
    backrefs: boolean;
    firstmatch: boolean;
  },
): Edit {
  const lines = splitLines(text);
  if (o.regexp !== undefined) {
    const re = pyRegex(o.regexp);
    const i = lastIndex(lines, re, o.firstmatch);
    if (i >= 0) {
      const cur = lines[i] ?? '';
      const m = re.exec(cur);
      const wanted = o.backrefs && m ? expandBackrefs(o.line, m) : o.line;
      if (cur === wanted) return { text, msg: '' };
      lines[i] = wanted;
      return { text: joinLines(lines), msg: 'line replaced' };
    }
    // backrefs and no match: leave the file alone
    if (o.backrefs) return { text, msg: '' };
  }
  if (lines.includes(o.line)) return { text, msg: '' };

  let at = lines.length;
  if (o.insertbefore === 'BOF') at = 0;
  else if (o.insertafter !== undefined && o.insertafter !== 'EOF') {
    const i = lastIndex(lines, pyRegex(o.insertafter), o.firstmatch);
    if (i >= 0) at = i + 1;
  } else if (o.insertbefore !== undefined) {
    const i = lastIndex(lines, pyRegex(o.insertbefore), o.firstmatch);
    if (i >= 0) at = i;
  }
  lines.splice(at, 0, o.line);
  return { text: joinLines(lines), msg: 'line added' };
}

export function absentLine(text: string, o: { line?: string | undefined; regexp?: string | undefined }): Edit {
  const lines = splitLines(text);
  const re = o.regexp === undefined ? undefined : pyRegex(o.regexp);
  const kept = lines.filter((l) => !(re ? re.test(l) : l === o.line));
  const removed = lines.length - kept.length;
  if (removed === 0) return { text, msg: '' };
  return { text: joinLines(kept), msg: `${removed} line(s) removed` };
}
