/**
 * A typed view of the parts of nunjucks 3 that have no published types: the
 * parser, the compiler, the AST node classes and the runtime's SafeString.
 * We parse, rewrite the AST (see strict-ast.ts), then compile it ourselves,
 * so these are the only places that rely on nunjucks internals.
 */
import { createRequire } from 'node:module';
import nunjucks from 'nunjucks';

/** A nunjucks AST node. `fields` name the child slots; NodeLists have `children`. */
export interface AstNode {
  typename: string;
  lineno: number;
  colno: number;
  fields: string[];
  children?: AstNode[];
  value?: unknown;
  [field: string]: unknown;
}

type NodeCtor = new (lineno: number, colno: number, ...fields: unknown[]) => AstNode;

interface NodeClasses {
  Symbol: NodeCtor;
  Literal: NodeCtor;
  FunCall: NodeCtor;
  NodeList: NodeCtor;
  InlineIf: NodeCtor;
  Not: NodeCtor;
  Array: NodeCtor;
}

interface Internals {
  parser: { parse(src: string, extensions: unknown[], opts: object): AstNode };
  compiler: { Compiler: new (name: string, throwOnUndefined: boolean) => { compile(ast: AstNode): void; getCode(): string } };
  nodes: NodeClasses;
  runtime: { SafeString: new (val: string) => object };
}

const internals = nunjucks as unknown as Internals;
const require = createRequire(import.meta.url);
const transformer = require('nunjucks/src/transformer.js') as {
  transform(ast: AstNode, asyncFilters: string[], name: string): AstNode;
};

export const nodes: NodeClasses = internals.nodes;
export const SafeString = internals.runtime.SafeString;

export interface ParseOptions {
  trimBlocks: boolean;
  lstripBlocks: boolean;
}

/** Parse template source to an AST (nunjucks' own transforms applied: `super()`). */
export function parseTemplate(source: string, name: string, opts: ParseOptions): AstNode {
  return transformer.transform(internals.parser.parse(numericAttributes(source), [], opts), [], name);
}

/**
 * Jinja reads `item.0` as `item[0]` (with_indexed_items, with_nested,
 * subelements); nunjucks does not parse it. Inside `{{ }}` and `{% %}`,
 * outside string literals, `name.N` and `].N` / `).N` become `[N]`.
 */
export function numericAttributes(source: string): string {
  if (!/[\w\])]\.\d/.test(source)) return source;
  let out = '';
  let i = 0;
  while (i < source.length) {
    const open = source.slice(i).search(/\{\{|\{%/);
    if (open < 0) {
      out += source.slice(i);
      break;
    }
    out += source.slice(i, i + open + 2);
    i += open + 2;
    const closer = source[i - 1] === '{' ? '}}' : '%}';
    let code = '';
    let quote: string | undefined;
    while (i < source.length) {
      const c = source[i] as string;
      if (quote) {
        if (c === '\\') {
          code += c + (source[i + 1] ?? '');
          i += 2;
          continue;
        }
        if (c === quote) quote = undefined;
        code += c;
        i++;
        continue;
      }
      if (source.startsWith(closer, i)) break;
      if (c === "'" || c === '"') {
        out += rewrite(code);
        code = '';
        quote = c;
        // the literal is copied as it is
        let j = i + 1;
        while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
        out += source.slice(i, j + 1);
        i = j + 1;
        quote = undefined;
        continue;
      }
      code += c;
      i++;
    }
    out += rewrite(code);
  }
  return out;
}

function rewrite(code: string): string {
  return code.replace(/(?<=(?:^|[^\w.])[A-Za-z_]\w*|[\])])\.(\d+)\b(?!\.\d)/g, '[$1]');
}

/** Compile an AST to the code object nunjucks' Template accepts as `{ type: 'code', obj }`. */
export function compileAst(ast: AstNode, name: string): Record<string, unknown> {
  const c = new internals.compiler.Compiler(name, false);
  c.compile(ast);
  const factory = new Function(c.getCode()) as () => Record<string, unknown>;
  return factory();
}

/** A template made from a compiled code object. */
export function templateFromCode(code: Record<string, unknown>, env: nunjucks.Environment, path: string): nunjucks.Template {
  const Template = nunjucks.Template as unknown as new (
    src: { type: 'code'; obj: Record<string, unknown> },
    env: nunjucks.Environment,
    path: string,
  ) => nunjucks.Template;
  return new Template({ type: 'code', obj: code }, env, path);
}

/** Is this node list-like (has children) */
export function isNodeList(node: AstNode): node is AstNode & { children: AstNode[] } {
  return Array.isArray(node.children);
}

/** Tests exist on nunjucks' Environment but are missing from its published types. */
export interface TestRegistry {
  addTest(name: string, fn: (value: unknown, ...args: unknown[]) => boolean): void;
  getTest(name: string): (value: unknown, ...args: unknown[]) => unknown;
}

export function testRegistry(env: nunjucks.Environment): TestRegistry {
  return env as unknown as TestRegistry;
}

/** Names of the filters and tests registered on an environment, for did-you-mean hints. */
export function registeredNames(env: nunjucks.Environment, kind: 'filters' | 'tests'): string[] {
  const table = (env as unknown as Record<string, unknown>)[kind];
  return typeof table === 'object' && table !== null ? Object.keys(table) : [];
}
