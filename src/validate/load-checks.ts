/**
 * Checks made while a playbook is loaded, before any host is touched:
 * every conditional (`when`, `changed_when`, `failed_when`, `until`, assert's
 * `that`) and every template string is parsed, and the keywords whose value
 * the engine would only reject at run time (`serial`, `loop`, `mode`) are
 * checked against their types here, each error at its file:line:column.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaError, type SourcePos } from '../errors/index.js';
import { checkExpression, checkTemplate, type SyntaxProblem } from '../template/syntax.js';
import { SERIAL_HINT, SERIAL_VALUE } from '../playbook/types.js';
import { containsTemplate } from '../template/lazy-vars.js';
import { joinPointer, type Located } from '../yaml/load.js';

const CONDITIONALS = ['when', 'changed_when', 'failed_when', 'until'] as const;
/** module arguments that are bare expressions, not templates */
const EXPRESSION_ARGS: Record<string, string[]> = { assert: ['that'], debug: ['var'] };
/** module arguments that are file modes */
const MODE_ARGS = new Set(['mode', 'directory_mode']);

function isTemplated(v: unknown): boolean {
  return typeof v === 'string' && (v.includes('{{') || v.includes('{%'));
}

function problemError(where: string, source: string, p: SyntaxProblem, pos: SourcePos | undefined): SchemaError {
  const at = p.line !== undefined && (p.line > 1 || source.includes('\n')) ? ` (line ${p.line} of the template)` : p.col !== undefined ? ` (column ${p.col})` : '';
  const shown = source.length > 120 || source.includes('\n') ? '' : ` in '${source}'`;
  return new SchemaError(`${where}: ${p.message}${shown}${at}`, pos, p.hint ?? (p.message.startsWith('syntax error') ? 'fix the Jinja syntax; hapb parses every expression and template before touching a host' : / not found: /.test(p.message) ? 'docs/templating.md lists the filters and tests hapb has' : undefined));
}

/** Problems of the task keywords and module arguments of one raw task mapping. */
export function checkTaskSyntax(raw: Record<string, unknown>, moduleKey: string, canonical: string, args: Record<string, unknown>, doc: Located, ptr: string): SchemaError[] {
  const errors: SchemaError[] = [];
  const posOf = (p: string, fallback: string = ptr): SourcePos | undefined => doc.pos(p) ?? doc.pos(fallback);

  for (const kw of CONDITIONALS) {
    const v = raw[kw];
    if (v === undefined || v === null) continue;
    const list = Array.isArray(v) ? v : [v];
    list.forEach((c, i) => {
      if (typeof c === 'boolean') return;
      if (typeof c !== 'string') {
        errors.push(new SchemaError(`${kw}: expected an expression (a string) or a boolean, got ${JSON.stringify(c)}`, posOf(Array.isArray(v) ? joinPointer(ptr, kw, i) : joinPointer(ptr, kw))));
        return;
      }
      const at = posOf(Array.isArray(v) ? joinPointer(ptr, kw, i) : joinPointer(ptr, kw));
      for (const p of checkExpression(c)) errors.push(problemError(kw, c, p, at));
    });
  }

  for (const kw of ['loop', 'with_items'] as const) {
    const v = raw[kw];
    if (v === undefined) continue;
    const at = posOf(joinPointer(ptr, kw));
    if (typeof v === 'string') {
      if (!isTemplated(v)) {
        errors.push(new SchemaError(`${kw} must be a list or a template giving one, got the string ${JSON.stringify(v)}`, at, `write ${kw}: ["${v}"] or ${kw}: "{{ a_list }}"`));
      } else for (const p of checkTemplate(v)) errors.push(problemError(kw, v, p, at));
    } else if (!Array.isArray(v)) {
      errors.push(new SchemaError(`${kw} must be a list, got ${JSON.stringify(v)}`, at, `write each item on its own line under ${kw}:`));
    } else walkStrings(v, joinPointer(ptr, kw), (s, p) => {
      for (const pr of checkTemplate(s)) errors.push(problemError(kw, s, pr, posOf(p)));
    });
  }

  for (const kw of ['name', 'vars', 'become_user', 'notify'] as const) {
    if (raw[kw] === undefined) continue;
    walkStrings(raw[kw], joinPointer(ptr, kw), (s, p) => {
      for (const pr of checkTemplate(s)) errors.push(problemError(kw, s, pr, posOf(p)));
    });
  }
  const label = raw.loop_control && typeof raw.loop_control === 'object' ? (raw.loop_control as Record<string, unknown>).label : undefined;
  if (typeof label === 'string') for (const pr of checkTemplate(label)) errors.push(problemError('loop_control.label', label, pr, posOf(joinPointer(ptr, 'loop_control', 'label'))));

  // module arguments
  const argsPtr = joinPointer(ptr, moduleKey);
  const exprArgs = new Set(EXPRESSION_ARGS[canonical] ?? []);
  for (const [k, v] of Object.entries(args)) {
    const kPtr = joinPointer(argsPtr, k);
    if (exprArgs.has(k)) {
      const list = Array.isArray(v) ? v : [v];
      list.forEach((c, i) => {
        if (typeof c !== 'string') return;
        for (const p of checkExpression(c)) errors.push(problemError(`${canonical} ${k}`, c, p, posOf(Array.isArray(v) ? joinPointer(kPtr, i) : kPtr, argsPtr)));
      });
      continue;
    }
    if (MODE_ARGS.has(k) && v !== undefined && v !== null && !isTemplated(v)) {
      const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : undefined;
      if (s === undefined || (s !== '' && !/^0?[0-7]{3,4}$/.test(s))) {
        errors.push(new SchemaError(`${canonical}: argument '${k}' must be an octal mode such as "0644", got ${JSON.stringify(v)}`, posOf(kPtr, argsPtr), "quote it ('0644'); symbolic modes (u+rw) are not supported by hapb"));
      }
    }
    walkStrings(v, kPtr, (s, p) => {
      for (const pr of checkTemplate(s)) errors.push(problemError(`${canonical} ${k}`, s, pr, posOf(p, argsPtr)));
    });
  }
  return errors;
}

/** Problems of play keywords that the schema lets through: serial's values, templates in vars, a role's when. */
export function checkPlaySyntax(raw: Record<string, unknown>, doc: Located, ptr: string): SchemaError[] {
  const errors: SchemaError[] = [];
  const serial = raw.serial;
  if (serial !== undefined) {
    const list = Array.isArray(serial) ? serial : [serial];
    if (list.length === 0) errors.push(new SchemaError('serial: an empty list', doc.pos(joinPointer(ptr, 'serial')), SERIAL_HINT));
    list.forEach((s, i) => {
      // a template is rendered with the play's variables when the play starts (src/engine/serial.ts), and checked then
      const ok =
        (typeof s === 'number' && Number.isInteger(s) && s >= 1) || (typeof s === 'string' && ((SERIAL_VALUE.test(s) && Number.parseFloat(s) > 0) || containsTemplate(s)));
      if (!ok) {
        errors.push(new SchemaError(`serial: ${JSON.stringify(s)} is neither a whole number of hosts (1 or more) nor a percentage`, doc.pos(Array.isArray(serial) ? joinPointer(ptr, 'serial', i) : joinPointer(ptr, 'serial')), SERIAL_HINT));
      }
    });
  }
  for (const kw of ['vars', 'name', 'become_user', 'serial'] as const) {
    if (raw[kw] === undefined) continue;
    walkStrings(raw[kw], joinPointer(ptr, kw), (s, p) => {
      for (const pr of checkTemplate(s)) errors.push(problemError(kw, s, pr, doc.pos(p) ?? doc.pos(ptr)));
    });
  }
  return errors;
}

/** Problems of the keywords of a role reference (`- role: x` with when:, vars:, params). */
export function checkRoleRefSyntax(raw: Record<string, unknown>, doc: Located, ptr: string): SchemaError[] {
  const errors: SchemaError[] = [];
  const when = raw.when;
  if (when !== undefined && when !== null) {
    (Array.isArray(when) ? when : [when]).forEach((c, i) => {
      if (typeof c !== 'string') return;
      const at = doc.pos(Array.isArray(when) ? joinPointer(ptr, 'when', i) : joinPointer(ptr, 'when'));
      for (const p of checkExpression(c)) errors.push(problemError('when', c, p, at));
    });
  }
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'when' || k === 'role') continue;
    walkStrings(v, joinPointer(ptr, k), (s, p) => {
      for (const pr of checkTemplate(s)) errors.push(problemError(k, s, pr, doc.pos(p) ?? doc.pos(ptr)));
    });
  }
  return errors;
}

/** Problems of the templates in a vars file (role defaults and vars, vars_files). */
export function checkVarsSyntax(vars: unknown, doc: Located): SchemaError[] {
  const errors: SchemaError[] = [];
  walkStrings(vars, '', (s, p) => {
    for (const pr of checkTemplate(s)) errors.push(problemError('variable', s, pr, doc.pos(p) ?? doc.pos('')));
  });
  return errors;
}

function walkStrings(v: unknown, ptr: string, fn: (s: string, ptr: string) => void): void {
  if (typeof v === 'string') fn(v, ptr);
  else if (Array.isArray(v)) v.forEach((x, i) => walkStrings(x, joinPointer(ptr, i), fn));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walkStrings(x, joinPointer(ptr, k), fn);
}

/**
 * Every template file of a role (templates/**), parsed: a broken template is
 * an input error even when only another profile would write it.
 */
export function checkRoleTemplates(roleDir: string): SchemaError[] {
  const errors: SchemaError[] = [];
  const root = join(roleDir, 'templates');
  let files: string[];
  try {
    files = readdirSync(root, { recursive: true, encoding: 'utf8' });
  } catch {
    return errors;
  }
  for (const rel of files.sort()) {
    const file = join(root, rel);
    let text: string;
    try {
      if (!statSync(file).isFile()) continue;
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const p of checkTemplate(text)) {
      errors.push(new SchemaError(`template: ${p.message}`, { file, line: p.line ?? 1, col: p.col ?? 1 }, p.hint ?? 'fix the Jinja syntax; hapb parses every template of a role before touching a host'));
    }
  }
  return errors;
}
