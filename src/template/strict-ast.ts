/**
 * Rewrites a parsed template so it behaves like Ansible's Jinja:
 * - every variable and attribute lookup goes through a helper that fails on
 *   an undefined value (with the template, line and column), except inside
 *   `is defined`, `is undefined`, `default`/`d` and `mandatory`, which see
 *   undefined; the helper also resolves lazily templated variables;
 * - conditions (`if`, `not`, `and`, `or`, inline if) use Python truthiness,
 *   so an empty list or dict is false;
 * - `{{ value }}` prints like Python str(): True, None, ['a', 'b'].
 * The helpers are environment globals, registered by the templater.
 */
import { isNodeList, nodes, type AstNode } from './nunjucks-internals.js';

export const helper = {
  variable: '__hapb_var',
  attribute: '__hapb_attr',
  truthy: '__hapb_truthy',
  output: '__hapb_out',
  capture: '__hapb_capture',
  test: '__hapb_test',
  add: '__hapb_add',
  mul: '__hapb_mul',
  mod: '__hapb_mod',
  concat: '__hapb_concat',
  compare: '__hapb_compare',
  iterate: '__hapb_iter',
  in: '__hapb_in',
  callable: '__hapb_callable',
} as const;

const CONSTANTS: Record<string, unknown> = { True: true, False: false, None: null };

const LENIENT_TESTS = new Set(['defined', 'undefined']);
const LENIENT_FILTERS = new Set(['default', 'd', 'mandatory']);

/** Rewrite the whole template AST in place; `name` is reported in errors. */
export function strictify(root: AstNode, name: string): AstNode {
  new Rewriter(name).statement(root);
  return root;
}

/** Rewrite a single expression (for evaluate()); returns the new node. */
export function strictifyExpression(expr: AstNode, name: string): AstNode {
  return new Rewriter(name).expr(expr, false);
}

function call(at: AstNode, fn: string, args: AstNode[]): AstNode {
  return new nodes.FunCall(
    at.lineno,
    at.colno,
    new nodes.Symbol(at.lineno, at.colno, fn),
    new nodes.NodeList(at.lineno, at.colno, args),
  );
}

function lit(at: AstNode, value: unknown): AstNode {
  return new nodes.Literal(at.lineno, at.colno, value);
}

/** Source-like text of a lookup chain, for messages: hostvars['web1'].vip */
export function describe(node: AstNode): string {
  switch (node.typename) {
    case 'Symbol':
      return String(node.value);
    case 'LookupVal': {
      const target = describe(node.target as AstNode);
      const val = node.val as AstNode;
      if (val.typename === 'Literal') {
        const v = val.value;
        if (typeof v === 'string') return /^[A-Za-z_]\w*$/.test(v) ? `${target}.${v}` : `${target}['${v}']`;
        return `${target}[${String(v)}]`;
      }
      return `${target}[${describe(val)}]`;
    }
    case 'FunCall':
      return `${describe(node.name as AstNode)}(...)`;
    case 'Literal':
      return JSON.stringify(node.value);
    default:
      return 'expression';
  }
}

/** `ansible.builtin.match` parsed as attribute lookups: the dotted name, or undefined for anything else. */
function dottedName(node: AstNode): string | undefined {
  if (node.typename === 'Symbol') return String(node.value);
  if (node.typename === 'LookupVal' && (node.val as AstNode).typename === 'Literal') {
    const left = dottedName(node.target as AstNode);
    const key = (node.val as AstNode).value;
    return left !== undefined && typeof key === 'string' ? `${left}.${key}` : undefined;
  }
  return undefined;
}

class Rewriter {
  constructor(private readonly name: string) {}

  private at(node: AstNode, fn: string, args: AstNode[]): AstNode {
    return call(node, fn, [...args, lit(node, this.name), lit(node, node.lineno + 1), lit(node, node.colno + 1)]);
  }

  private truthy(node: AstNode): AstNode {
    return call(node, helper.truthy, [node]);
  }

  statement(node: AstNode | null | undefined): void {
    if (!node) return;
    switch (node.typename) {
      case 'Root':
      case 'NodeList':
        for (const child of node.children ?? []) this.statement(child);
        return;
      case 'Output':
        node.children = (node.children ?? []).map((child) =>
          child.typename === 'TemplateData' ? child : call(child, helper.output, [this.expr(child, false)]),
        );
        return;
      case 'If':
      case 'IfAsync':
        node.cond = this.truthy(this.expr(node.cond as AstNode, false));
        this.statement(node.body as AstNode);
        this.statement(node.else_ as AstNode | null);
        return;
      case 'For':
      case 'AsyncEach':
      case 'AsyncAll':
        node.arr = this.expr(node.arr as AstNode, false);
        // Python iterates a dict's keys and a string's characters
        if ((node.name as AstNode).typename === 'Symbol') node.arr = call(node.arr as AstNode, helper.iterate, [node.arr as AstNode]);
        this.statement(node.body as AstNode);
        this.statement(node.else_ as AstNode | null);
        return;
      case 'Set':
        if (node.value) node.value = this.expr(node.value as AstNode, false);
        this.statement(node.body as AstNode | null);
        return;
      case 'Macro':
      case 'Caller':
        this.macroArgs(node);
        this.statement(node.body as AstNode);
        return;
      case 'Import':
      case 'FromImport':
      case 'Extends':
      case 'Include':
        node.template = this.expr(node.template as AstNode, false);
        return;
      case 'Block':
      case 'Capture':
        this.statement(node.body as AstNode);
        return;
      case 'Switch':
        node.expr = this.expr(node.expr as AstNode, false);
        for (const c of (node.cases as AstNode[] | null) ?? []) {
          c.cond = this.expr(c.cond as AstNode, false);
          this.statement(c.body as AstNode);
        }
        this.statement(node.default as AstNode | null);
        return;
      default:
        return;
    }
  }

  private macroArgs(node: AstNode): void {
    const args = node.args as AstNode | null;
    for (const arg of args?.children ?? []) {
      if (arg.typename === 'KeywordArgs') this.pairs(arg);
    }
  }

  private pairs(dict: AstNode): void {
    for (const pair of dict.children ?? []) {
      if (pair.typename === 'Pair') pair.value = this.expr(pair.value as AstNode, false);
    }
  }

  private list(node: AstNode | null): void {
    if (!node || !isNodeList(node)) return;
    node.children = node.children.map((c) => {
      if (c.typename === 'KeywordArgs') {
        this.pairs(c);
        return c;
      }
      return this.expr(c, false);
    });
  }

  /** Rewrite an expression; `lenient` lookups give undefined instead of failing. */
  expr(node: AstNode, lenient: boolean): AstNode {
    switch (node.typename) {
      case 'Symbol':
        // Jinja's constants (nunjucks knows only the lower-case ones)
        if (Object.hasOwn(CONSTANTS, String(node.value))) return lit(node, CONSTANTS[String(node.value)]);
        return this.at(node, helper.variable, [lit(node, node.value), node, lit(node, lenient)]);
      case 'LookupVal': {
        const target = this.expr(node.target as AstNode, lenient);
        const val = this.expr(node.val as AstNode, false);
        return this.at(node, helper.attribute, [target, val, lit(node, lenient), lit(node, describe(node.target as AstNode))]);
      }
      case 'FunCall':
        node.name = this.at(node.name as AstNode, helper.callable, [
          this.expr(node.name as AstNode, false),
          lit(node, describe(node.name as AstNode)),
        ]);
        this.list(node.args as AstNode);
        return node;
      case 'Filter': {
        const args = node.args as AstNode;
        const filter = String((node.name as AstNode).value);
        args.children = (args.children ?? []).map((c, i) => {
          if (c.typename !== 'KeywordArgs') return this.expr(c, i === 0 && LENIENT_FILTERS.has(filter));
          this.pairs(c);
          return c;
        });
        return node;
      }
      case 'Is': {
        const right = node.right as AstNode;
        const nameNode = right.typename === 'FunCall' ? (right.name as AstNode) : right;
        const dotted = dottedName(nameNode);
        const test = dotted ?? String(nameNode.value);
        node.left = this.expr(node.left as AstNode, lenient || LENIENT_TESTS.has(test));
        if (right.typename !== 'FunCall' && nameNode.typename === 'Symbol') return node;
        // nunjucks compiles `x is t(a, k=v)` (and `x is ns.t`) wrongly: call the test through a helper instead
        const args = right.typename === 'FunCall' ? (right.args as AstNode) : undefined;
        if (args) this.list(args);
        return call(node, helper.test, [lit(node, test), node.left as AstNode, ...(args?.children ?? [])]);
      }
      case 'Or':
      case 'And': {
        // Python: `a or b` is a if a is truthy else b; `a and b` is b if a is truthy else a.
        const left = this.expr(node.left as AstNode, lenient);
        const right = this.expr(node.right as AstNode, lenient);
        const cond = this.truthy(left);
        return node.typename === 'Or'
          ? new nodes.InlineIf(node.lineno, node.colno, cond, left, right)
          : new nodes.InlineIf(node.lineno, node.colno, cond, right, left);
      }
      case 'Not':
        return new nodes.Not(node.lineno, node.colno, this.truthy(this.expr(node.target as AstNode, lenient)));
      case 'InlineIf':
        node.cond = this.truthy(this.expr(node.cond as AstNode, lenient));
        node.body = this.expr(node.body as AstNode, lenient);
        if (node.else_) node.else_ = this.expr(node.else_ as AstNode, lenient);
        return node;
      case 'Compare': {
        const chain = [this.expr(node.expr as AstNode, lenient)];
        for (const op of (node.ops as AstNode[] | null) ?? []) chain.push(lit(op, op.type), this.expr(op.expr as AstNode, lenient));
        return call(node, helper.compare, chain);
      }
      case 'In':
      case 'Add':
      case 'Mul':
      case 'Mod':
      case 'Concat': {
        const fn = { In: helper.in, Add: helper.add, Mul: helper.mul, Mod: helper.mod, Concat: helper.concat }[node.typename];
        return call(node, fn, [this.expr(node.left as AstNode, lenient), this.expr(node.right as AstNode, lenient)]);
      }
      case 'Group':
        this.list(node);
        // a tuple `(a, b)` is a list; nunjucks would give JavaScript's comma operator
        return (node.children?.length ?? 0) > 1 ? new nodes.Array(node.lineno, node.colno, node.children) : node;
      case 'Array':
        this.list(node);
        return node;
      case 'Dict':
        this.pairs(node);
        return node;
      case 'Caller':
        this.macroArgs(node);
        this.statement(node.body as AstNode);
        return node;
      default:
        if (node.fields.includes('left') && node.fields.includes('right')) {
          node.left = this.expr(node.left as AstNode, lenient);
          node.right = this.expr(node.right as AstNode, lenient);
        } else if (node.fields.includes('target')) {
          node.target = this.expr(node.target as AstNode, lenient);
        }
        return node;
    }
  }
}
