/**
 * Syntax checks without rendering: a template string or a `when:`-style
 * expression is parsed (as the templater would) and every filter and test it
 * names must exist. Used when loading a playbook, so a `when:` that does not
 * parse is refused before any host is touched.
 */
import nunjucks from 'nunjucks';
import { closest } from '../yaml/validate.js';
import { registerFilterNames } from './filter-names.js';
import { registerFilters } from './filters.js';
import { parseTemplate, registeredNames, type AstNode } from './nunjucks-internals.js';
import { registerTests } from './tests.js';

const PARSE_OPTS = { trimBlocks: true, lstripBlocks: false };
const SINGLE_EXPR = /^\{\{((?:(?!\{\{|\}\}).)*)\}\}$/s;

export interface SyntaxProblem {
  message: string;
  /** 1-based line and column inside the checked text, when known */
  line?: number;
  col?: number;
  hint?: string;
}

let names: { filters: Set<string>; tests: Set<string> } | undefined;

function known(): { filters: Set<string>; tests: Set<string> } {
  if (!names) {
    const env = new nunjucks.Environment(null, { autoescape: false });
    registerFilters(env, () => {
      throw new Error('syntax check: no session');
    });
    registerTests(env);
    registerFilterNames(env); // the collection names (ansible.builtin., ansible.utils.), as the templater has them
    names = { filters: new Set(registeredNames(env, 'filters')), tests: new Set(registeredNames(env, 'tests')) };
  }
  return names;
}

function parse(source: string): AstNode | SyntaxProblem {
  try {
    return parseTemplate(source, 'check', PARSE_OPTS);
  } catch (err) {
    const e = err as { message?: string; lineno?: number; colno?: number };
    const msg = String(e.message ?? err).replace(/^\(check\)\s*/, '').replace(/^\s*\[Line \d+, Column \d+\]\s*/, '').trim();
    return { message: `syntax error: ${msg}`, ...(e.lineno ? { line: e.lineno } : {}), ...(e.colno ? { col: e.colno } : {}) };
  }
}

/** Filters and tests named in the AST that do not exist. */
function unknownNames(ast: AstNode): SyntaxProblem[] {
  const out: SyntaxProblem[] = [];
  const k = known();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as AstNode;
    if (typeof n.typename === 'string') {
      if (n.typename === 'Filter' || n.typename === 'Is') {
        const kind = n.typename === 'Filter' ? 'filter' : 'test';
        const nameNode = (n.typename === 'Filter' ? n.name : n.right) as AstNode | undefined;
        const name = nameNode && typeof nameNode.value === 'string' ? nameNode.value : undefined;
        const table = kind === 'filter' ? k.filters : k.tests;
        // `x is divisibleby(3)`: the test is a FunCall whose name is a Symbol
        const called = !name && nameNode?.typename === 'FunCall' ? (nameNode.name as AstNode | undefined)?.value : undefined;
        const finalName = typeof called === 'string' ? called : name;
        if (finalName !== undefined && !table.has(finalName)) {
          const guess = closest(finalName, [...table]);
          out.push({ message: `${kind} not found: ${finalName}`, line: n.lineno + 1, col: n.colno + 1, ...(guess ? { hint: `did you mean '${guess}'?` } : {}) });
        }
      }
      for (const f of n.fields ?? []) visit(n[f]);
    }
    if (Array.isArray(n.children)) for (const c of n.children) visit(c);
  };
  visit(ast);
  return out;
}

/** results by text: the same templates come back for every host, role and play */
const memo = new Map<string, SyntaxProblem[]>();
const MEMO_MAX = 5000;

function remember(key: string, fn: () => SyntaxProblem[]): SyntaxProblem[] {
  const hit = memo.get(key);
  if (hit) return hit;
  const out = fn();
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(key, out);
  return out;
}

/** Problems of a template string (only strings holding `{{`, `{%` or `{#` are templates). */
export function checkTemplate(source: string): SyntaxProblem[] {
  if (!(source.includes('{{') || source.includes('{%') || source.includes('{#'))) return [];
  return remember(`t\0${source}`, () => templateProblems(source));
}

function templateProblems(source: string): SyntaxProblem[] {
  const ast = parse(source);
  if ('message' in ast && !('typename' in ast)) return [ast as SyntaxProblem];
  return unknownNames(ast as AstNode);
}

/** Problems of a bare Jinja expression (`when:`, `changed_when:`, `failed_when:`, `that:`). */
export function checkExpression(expression: string): SyntaxProblem[] {
  return remember(`e\0${expression}`, () => expressionProblems(expression));
}

function expressionProblems(expression: string): SyntaxProblem[] {
  let src = expression.trim();
  const wrapped = SINGLE_EXPR.exec(src);
  if (wrapped?.[1] !== undefined) src = wrapped[1].trim();
  if (src === '') return [{ message: 'empty expression' }];
  if (src.includes('{{') || src.includes('{%')) {
    return [{ message: 'a conditional is a bare expression, not a template', hint: "write when: x == 1, not when: \"{{ x }} == 1\"" }];
  }
  const ast = parse(`{{ ${src} }}`);
  if (!('typename' in ast)) {
    const p = ast;
    return [{ ...p, ...(p.line === 1 && p.col !== undefined ? { col: Math.max(1, p.col - 3) } : {}) }];
  }
  const output = ast.children?.[0];
  if (ast.children?.length !== 1 || output?.typename !== 'Output' || output.children?.length !== 1 || output.children[0]?.typename === 'TemplateData') {
    return [{ message: 'not a single expression' }];
  }
  return unknownNames(ast).map((p) => ({ ...p, ...(p.line === 1 && p.col !== undefined ? { col: Math.max(1, p.col - 3) } : {}) }));
}
