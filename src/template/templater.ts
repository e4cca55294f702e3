/**
 * Jinja templating with nunjucks, configured like Ansible: no autoescape,
 * trim_blocks on, lstrip_blocks off, undefined variables are errors, lazily
 * templated variables, Python truthiness and printing, Ansible's filters.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import nunjucks from 'nunjucks';
import type { Vars } from '../core/types.js';
import { TemplateError, toTemplateError, withSource } from './errors.js';
import { closest } from '../yaml/validate.js';
import { jinjaBackslashes } from './backslashes.js';
import { registerFilterNames } from './filter-names.js';
import { registerFilters } from './filters.js';
import { runLookup, type LookupHost } from './lookups.js';
import { isUnsafe, Session } from './lazy-vars.js';
import { compileAst, nodes, parseTemplate, registeredNames, templateFromCode, type AstNode } from './nunjucks-internals.js';
import { registerHelpers, type Frame } from './runtime-helpers.js';
import { helper, strictify, strictifyExpression } from './strict-ast.js';
import { registerTests } from './tests.js';

export interface Templater {
  /** Render template source; `name` is used in errors. */
  renderString(source: string, vars: Vars, name?: string): string;
  /** Render a template file; its path is used in errors; includes resolve from its folder. */
  renderFile(path: string, vars: Vars): string;
  /** Evaluate a Jinja expression (`when:`, `that:`, `loop:`) to a native value. */
  evaluate(expression: string, vars: Vars, name?: string): unknown;
  /**
   * Template a value recursively: a string that is exactly one `{{ expr }}`
   * becomes the native value, other strings render to strings, the rest is unchanged.
   */
  templateValue(value: unknown, vars: Vars, name?: string): unknown;
  /** Parse an expression without evaluating it: throws a TemplateError for a syntax error or an unknown filter or test (the loader's check). */
  checkExpression(expression: string, name?: string): void;
  /** Run lookup plugin `name` on `terms` with `vars` as a list (`query`), as a `with_<name>:` loop does. */
  query(name: string, terms: unknown[], vars: Vars): unknown[];
}

export interface TemplaterOptions {
  /** folders searched for `{% include %}`, `{% import %}` and `{% extends %}` */
  searchPaths?: string[];
  /** lookups may run commands or write files on the controller (pipe, password): `hapb run` only; default false */
  sideEffects?: boolean;
}

type Code = Record<string, unknown>;

const PARSE_OPTS = { trimBlocks: true, lstripBlocks: false };
const CACHE_MAX = 1000;
const SINGLE_EXPR = /^\{\{((?:(?!\{\{|\}\}).)*)\}\}$/s;

/**
 * Compiled templates and expressions, by kind, name and source, shared by
 * every templater of the process: the code depends on nothing else (the
 * environment is an argument of the code, given at each render), and a run,
 * the loader's checks and `hapb render` each make their own templater.
 */
const cache = new Map<string, Code>();

export function createTemplater(opts: TemplaterOptions = {}): Templater {
  const stack: Frame[] = [];
  const fileRoots: string[] = [];

  const top = (): Frame => {
    const f = stack[stack.length - 1];
    if (!f) throw new Error('template helper called outside a render');
    return f;
  };

  function compile(source: string, name: string, build: (ast: AstNode) => AstNode, kind = 'template'): Code {
    const key = `${kind}\0${name}\0${source}`;
    const hit = cache.get(key);
    if (hit) {
      // least recently used first: templates shared by every host stay compiled
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    let ast: AstNode;
    try {
      ast = parseTemplate(source, name, PARSE_OPTS);
    } catch (err) {
      const e = err as { message?: string; lineno?: number; colno?: number };
      throw new TemplateError(`syntax error: ${e.message ?? String(err)}`, name, e.lineno, e.colno);
    }
    const code = compileAst(build(ast), name);
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(key, code);
    return code;
  }

  /** `inline`: a template from a playbook (Ansible reads its backslashes differently, see backslashes.ts) */
  const compileTemplate = (source: string, name: string, inline = false): Code =>
    compile(jinjaBackslashes(source, inline), name, (ast) => strictify(ast, name));

  const loader = {
    getSource(name: string): { src: unknown; path: string; noCache: boolean } | null {
      const roots = [...fileRoots.slice().reverse(), ...(opts.searchPaths ?? [])];
      for (const root of name.startsWith('/') ? [''] : roots) {
        const full = root ? resolvePath(root, name) : name;
        let source: string;
        try {
          source = readFileSync(full, 'utf8');
        } catch {
          continue;
        }
        return { src: { type: 'code', obj: compileTemplate(source, full) }, path: full, noCache: true };
      }
      return null;
    },
    isRelative: (name: string) => name.startsWith('./') || name.startsWith('../'),
    resolve: (parent: string, name: string) => resolvePath(dirname(parent), name),
  };

  const env = new nunjucks.Environment(loader as unknown as nunjucks.ILoader, {
    autoescape: false,
    trimBlocks: true,
    lstripBlocks: false,
    throwOnUndefined: false,
  });
  // keep nunjucks' error objects (line, column, cause) instead of flattened copies
  (env as unknown as { opts: { dev: boolean } }).opts.dev = true;

  function renderIn(raw: unknown, scope: Vars): unknown {
    return templateValueIn(raw, scope, 'variable', false);
  }

  registerHelpers(env, top, renderIn);
  registerFilters(env, () => top().session);
  registerTests(env);
  const lookupHost: LookupHost = {
    vars: () => top().vars,
    template: (value) => templateValueIn(value, top().vars, 'lookup', false),
    renderFile: (path, vars) => renderFile(path, vars),
    sideEffects: opts.sideEffects ?? false,
  };
  const warn = (m: string): void => void process.stderr.write(`[WARNING]: ${m}\n`);
  env.addGlobal('lookup', (name: unknown, ...args: unknown[]) => runLookup(lookupHost, false, name, args, warn));
  env.addGlobal('query', (name: unknown, ...args: unknown[]) => runLookup(lookupHost, true, name, args, warn));
  env.addGlobal('q', (name: unknown, ...args: unknown[]) => runLookup(lookupHost, true, name, args, warn));
  // last: gives the filters registered above their collection names too
  registerFilterNames(env);

  /** Run `fn` with `vars` as the current scope (reusing the session of an enclosing render). */
  function within<T>(vars: Vars, fn: (frame: Frame) => T): T {
    const outer = stack[stack.length - 1];
    const session = outer && (outer.vars === vars || outer.session.isScope(vars)) ? outer.session : new Session(vars);
    const frame: Frame = { session, vars };
    stack.push(frame);
    try {
      return fn(frame);
    } finally {
      stack.pop();
    }
  }

  function run(code: Code, name: string, vars: Vars): string {
    return within(vars, () => {
      try {
        return templateFromCode(code, env, name).render(vars);
      } catch (err) {
        throw withNameHint(toTemplateError(err, name), env);
      }
    });
  }

  /** `inline`: a template string from a playbook, quoted in errors when it is one line */
  function renderString(source: string, vars: Vars, name: string | undefined, inline: boolean): string {
    const label = name ?? 'template string';
    try {
      return run(compileTemplate(source, label, true), label, vars);
    } catch (err) {
      throw inline ? withSource(err, source, label) : err;
    }
  }

  function renderFile(path: string, vars: Vars): string {
    let source: string;
    try {
      source = readFileSync(path, 'utf8');
    } catch (err) {
      throw new TemplateError(`cannot read template: ${(err as Error).message}`, path);
    }
    fileRoots.push(dirname(resolvePath(path)));
    try {
      return run(compileTemplate(source, path), path, vars);
    } finally {
      fileRoots.pop();
    }
  }

  function compileExpression(src: string, label: string, inline = false): Code {
    if (src === '') throw new TemplateError('empty expression', label);
    return compile(jinjaBackslashes(`{{ ${src} }}`, inline), label, (ast) => {
        const output = ast.children?.[0];
        const expr = output?.children?.[0];
        if (ast.children?.length !== 1 || output?.typename !== 'Output' || output.children?.length !== 1 || !expr || expr.typename === 'TemplateData') {
          throw new TemplateError('not a single expression', label);
        }
        output.children = [
          new nodes.FunCall(expr.lineno, expr.colno, new nodes.Symbol(0, 0, helper.capture), new nodes.NodeList(0, 0, [strictifyExpression(expr, label)])),
        ];
        return ast;
      }, 'expression');
  }

  function checkExpression(expression: string, name: string | undefined): void {
    let src = expression.trim();
    const wrapped = SINGLE_EXPR.exec(src);
    if (wrapped?.[1] !== undefined) src = wrapped[1].trim();
    const label = name ?? 'expression';
    try {
      compileExpression(src, label);
    } catch (err) {
      throw withSource(err, src, label);
    }
  }

  function evaluateIn(expression: string, vars: Vars, name: string | undefined, quote = true, inline = false): unknown {
    let src = expression.trim();
    const wrapped = SINGLE_EXPR.exec(src);
    if (wrapped?.[1] !== undefined) src = wrapped[1].trim();
    const label = name ?? 'expression';
    try {
      const code = compileExpression(src, label, inline);
      return within(vars, (frame) => {
        try {
          templateFromCode(code, env, label).render(vars);
        } catch (err) {
          throw withNameHint(toTemplateError(err, label, 3), env);
        }
        if (!frame.captured) throw new TemplateError('expression produced no value', label);
        return frame.captured.value;
      });
    } catch (err) {
      throw quote ? withSource(err, src, label) : err;
    }
  }

  function templateValueIn(value: unknown, vars: Vars, name: string | undefined, quote = true): unknown {
    if (typeof value === 'string') {
      if (!(value.includes('{{') || value.includes('{%') || value.includes('{#'))) return value;
      if (SINGLE_EXPR.test(value)) return evaluateIn(value, vars, name, quote, true);
      return renderString(value, vars, name, quote);
    }
    if (isUnsafe(value)) return value;
    if (Array.isArray(value)) return value.map((v) => templateValueIn(v, vars, name, quote));
    if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = templateValueIn(v, vars, name, quote);
      return out;
    }
    return value;
  }

  return {
    renderString: (source, vars, name) => renderString(source, vars, name, name === undefined),
    renderFile,
    // YAML may hand over `when: true` or `that: 1`: a non-string is already a value
    evaluate: (expression, vars, name) =>
      typeof expression === 'string' ? evaluateIn(expression, vars, name) : (expression as unknown),
    templateValue: (value, vars, name) => templateValueIn(value, vars, name),
    checkExpression: (expression, name) => checkExpression(expression, name),
    query: (name, terms, vars) => within(vars, () => runLookup(lookupHost, true, name, terms, warn) as unknown[]),
  };
}

/** `filter not found: to_jsn` gets the hint `did you mean 'to_json'?`. */
function withNameHint(err: TemplateError, env: nunjucks.Environment): TemplateError {
  const m = /^(filter|test) not found: (\S+)/.exec(err.detail);
  if (!m?.[1] || !m[2] || err.hint) return err;
  const guess = closest(m[2], registeredNames(env, m[1] === 'filter' ? 'filters' : 'tests'));
  if (!guess) return err;
  return new TemplateError(err.detail, err.template, err.pos?.line, err.pos?.col, `did you mean '${guess}'?`, err.undefinedName);
}
