/** debconf: read a package's debconf answers (debconf-show) and set one (debconf-set-selections). */
import { shellQuote } from '../connection/command.js';
import { boolSchema, objectSchema, stringSchema, toBool } from './args.js';
import { failedPlan } from './result.js';
import type { Module } from './types.js';

export type DebconfArgs = {
  name?: string;
  pkg?: string;
  question?: string;
  selection?: string;
  setting?: string;
  vtype?: string;
  value?: string | number | boolean;
  answer?: string | number | boolean;
  unseen?: boolean | string;
};

const VTYPES = ['boolean', 'error', 'multiselect', 'note', 'password', 'seen', 'select', 'string', 'text', 'title'];
const scalar = { type: ['string', 'number', 'boolean'] } as const;

/** debconf-show's output: "* question: value" lines (exported for tests) */
export function parseDebconfShow(out: string): Record<string, string> {
  const sel: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    sel[line.slice(0, i).replace(/^[\s*]+|[\s*]+$/g, '').trim()] = line.slice(i + 1).trim();
  }
  return sel;
}

/** Python's str() of a YAML value: True/False for booleans */
function pyStr(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

export const debconfModule: Module<DebconfArgs> = {
  name: 'debconf',
  traits: { checkMode: 'full' },
  schema: objectSchema({
    name: stringSchema,
    pkg: stringSchema,
    question: stringSchema,
    selection: stringSchema,
    setting: stringSchema,
    vtype: { enum: VTYPES },
    value: scalar,
    answer: scalar,
    unseen: boolSchema,
  }),
  async check(ctx, args) {
    const pkg = args.name ?? args.pkg;
    if (pkg === undefined) return failedPlan('missing required arguments: name');
    const question = args.question ?? args.selection ?? args.setting;
    const raw = args.value ?? args.answer;
    const vtype = args.vtype;
    const given = [question, vtype, raw].filter((x) => x !== undefined).length;
    if (given !== 0 && given !== 3) return failedPlan('parameters are required together: question, vtype, value');
    const r = await ctx.query(`debconf-show ${shellQuote(pkg)}`);
    if (r.rc !== 0) return failedPlan(r.stderr.trim() || `debconf-show ${pkg} failed`);
    const prev = parseDebconfShow(r.stdout);
    if (question === undefined || vtype === undefined || raw === undefined) return { changed: false, msg: '', data: { current: prev } };
    let value = pyStr(raw);
    let changed = !(question in prev);
    if (!changed) {
      let existing = prev[question] ?? '';
      if (vtype === 'boolean') {
        value = value.toLowerCase();
        existing = existing.toLowerCase();
      }
      changed = value !== existing;
    }
    if (!changed) return { changed: false, msg: '', data: { current: prev } };
    if (vtype === 'boolean') value = value === 'True' ? 'true' : value === 'False' ? 'false' : value;
    const previous = { [question]: prev[question] ?? '' };
    const current = { [question]: value };
    const unseen = toBool(args.unseen, 'unseen', false);
    return {
      changed: true,
      msg: '',
      data: { current, previous },
      diff: [{ path: `debconf ${pkg}`, before: `${question}: ${previous[question]}\n`, after: `${question}: ${vtype === 'password' ? '********' : value}\n` }],
      steps: [{ run: `debconf-set-selections${unseen ? ' -u' : ''}`, stdin: [pkg, question, vtype, value].join(' '), doing: `setting ${pkg} ${question}` }],
    };
  },
};
