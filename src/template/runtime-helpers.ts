/**
 * The globals that the rewritten templates call (see strict-ast.ts): strict
 * and lenient lookups that resolve lazy variables, Python operators,
 * truthiness and printing, and the capture of evaluate()'s native value.
 */
import type nunjucks from 'nunjucks';
import type { Vars } from '../core/types.js';
import { closest } from '../yaml/validate.js';
import { RenderFault, TemplateError } from './errors.js';
import { RecursiveVariable, type Session } from './lazy-vars.js';
import { SafeString, testRegistry } from './nunjucks-internals.js';
import { pyAdd, pyCompare, pyConcat, pyIn, pyMod, pyMul } from './operators.js';
import { isPlainObject, isTruthy, pyGetAttr, pyStr } from './python.js';
import { helper } from './strict-ast.js';

/** One render in progress: its session (lazy-var cache) and the variables in scope. */
export interface Frame {
  session: Session;
  vars: Vars;
  captured?: { value: unknown };
}

/** Variables of the play, not of one host: also visible when templating another host's hostvars. */
const PLAY_MAGIC = new Set(['hostvars', 'groups', 'omit', 'playbook_dir', 'inventory_dir', 'ansible_check_mode', 'ansible_diff_mode']);

/**
 * Register the helpers on `env`. `top` gives the current frame; `renderIn`
 * templates a lazy variable's raw value with the variables of its scope.
 */
export function registerHelpers(
  env: nunjucks.Environment,
  top: () => Frame,
  renderIn: (raw: unknown, scope: Vars) => unknown,
): void {
  env.addGlobal(
    helper.variable,
    (name: string, value: unknown, lenient: boolean, tpl: string, line: number, col: number): unknown => {
      const frame = top();
      if (value === undefined && frame.vars !== frame.session.vars && PLAY_MAGIC.has(name)) {
        value = frame.session.vars[name];
        if (value !== undefined) return value;
      }
      if (value === undefined) {
        if (lenient) {
          frame.session.lastUndefined = name;
          return undefined;
        }
        const guess = closest(name, Object.keys(frame.vars));
        throw new RenderFault(`undefined variable '${name}'`, tpl, line, col, guess ? `did you mean '${guess}'?` : undefined, name);
      }
      if (Object.hasOwn(frame.vars, name) && frame.vars[name] === value) {
        return resolveLazy(frame, frame.vars, name, value, lenient, tpl, line, col);
      }
      return value;
    },
  );

  env.addGlobal(
    helper.attribute,
    (target: unknown, key: unknown, lenient: boolean, label: string, tpl: string, line: number, col: number): unknown => {
      const frame = top();
      const whole = `${label}.${String(key)}`;
      if (target === undefined || target === null) {
        if (lenient) {
          frame.session.lastUndefined = whole;
          return undefined;
        }
        const what = target === null ? 'None' : 'undefined';
        throw new RenderFault(`'${label}' is ${what}, it has no attribute '${String(key)}'`, tpl, line, col, undefined, whole);
      }
      const value = pyGetAttr(target, key);
      if (value === undefined) {
        if (lenient) {
          frame.session.lastUndefined = whole;
          return undefined;
        }
        const keys = typeof target === 'object' && !Array.isArray(target) ? Object.keys(target) : [];
        const guess = closest(String(key), keys);
        throw new RenderFault(
          `'${label}' has no attribute '${String(key)}'`,
          tpl,
          line,
          col,
          guess ? `did you mean '${guess}'?` : undefined,
          whole,
        );
      }
      if (frame.session.isScope(target)) return resolveLazy(frame, target, String(key), value, lenient, tpl, line, col);
      return value;
    },
  );

  env.addGlobal(helper.test, (name: string, value: unknown, ...args: unknown[]) =>
    isTruthy(testRegistry(env).getTest(name)(value, ...args)),
  );
  env.addGlobal(helper.callable, (value: unknown, label: string, tpl: string, line: number, col: number) => {
    if (typeof value !== 'function') throw new RenderFault(`'${label}' is not callable`, tpl, line, col);
    return value;
  });
  env.addGlobal(helper.iterate, (value: unknown) =>
    isPlainObject(value) ? Object.keys(value) : typeof value === 'string' ? [...value] : value,
  );
  env.addGlobal(helper.in, pyIn);
  env.addGlobal(helper.add, pyAdd);
  env.addGlobal(helper.mul, pyMul);
  env.addGlobal(helper.mod, pyMod);
  env.addGlobal(helper.concat, pyConcat);
  env.addGlobal(helper.compare, pyCompare);
  env.addGlobal(helper.truthy, (value: unknown) => isTruthy(value));
  // Ansible's finalize: an expression that is None prints nothing ([{{ none }}] is [])
  env.addGlobal(helper.output, (value: unknown) => (value === null ? '' : value instanceof SafeString ? String(value) : pyStr(value)));
  env.addGlobal(helper.capture, (value: unknown) => {
    top().captured = { value };
    return '';
  });


  /** A lazily templated variable; in `is defined`/`default` one that cannot resolve is undefined, as in Ansible. */
  function resolveLazy(
    frame: Frame,
    scope: Vars,
    key: string,
    raw: unknown,
    lenient: boolean,
    tpl: string,
    line: number,
    col: number,
  ): unknown {
    try {
      return frame.session.resolve(scope, key, raw, renderIn);
    } catch (err) {
      if (err instanceof RecursiveVariable) throw new RenderFault(err.message, tpl, line, col);
      if (err instanceof TemplateError) {
        if (lenient && !err.detail.startsWith('recursive loop')) {
          frame.session.lastUndefined = key;
          return undefined;
        }
        if (err.detail.startsWith('recursive loop')) throw new RenderFault(err.detail, tpl, line, col, err.hint);
        const shown = typeof raw === 'string' ? ` ('${raw}')` : '';
        throw new RenderFault(`in variable '${key}'${shown}: ${err.detail}`, tpl, line, col, err.hint, err.undefinedName);
      }
      throw err;
    }
  }
}
