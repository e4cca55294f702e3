/**
 * Modules that run on the controller only: assert, debug, set_fact, fail,
 * and meta (an action of the executor). They never touch the host and never change it.
 */
import { boolSchema, intSchema, objectSchema, stringSchema, toBool } from './args.js';
import { errorMessage } from '../errors/index.js';
import type { Module } from './types.js';

/** Jinja truthiness: empty strings, lists and dicts are false. */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

export type AssertArgs = {
  that: string | boolean | (string | boolean)[];
  fail_msg?: string;
  msg?: string;
  success_msg?: string;
  quiet?: boolean | string;
};

export const assertModule: Module<AssertArgs> = {
  name: 'assert',
  traits: { controllerOnly: true, checkMode: 'full' },
  schema: objectSchema(
    {
      that: { type: ['string', 'array', 'boolean'], items: { type: ['string', 'boolean'] } },
      fail_msg: stringSchema,
      msg: stringSchema,
      success_msg: stringSchema,
      quiet: boolSchema,
    },
    { required: ['that'] },
  ),
  check(ctx, args) {
    const list: unknown[] = Array.isArray(args.that) ? args.that : [args.that];
    for (const cond of list) {
      // a condition may arrive already evaluated (a boolean) when it was templated
      const value = typeof cond === 'string' ? ctx.evaluate(cond) : cond;
      if (!truthy(value)) {
        return Promise.resolve({
          changed: false,
          failed: true,
          msg: args.fail_msg ?? args.msg ?? 'Assertion failed',
          data: { assertion: cond, evaluated_to: false },
        });
      }
    }
    // quiet only changes how much Ansible prints; accepted and checked here
    toBool(args.quiet, 'quiet', false);
    return Promise.resolve({ changed: false, msg: args.success_msg ?? 'All assertions passed' });
  },
};

export type DebugArgs = { msg?: unknown; var?: string; verbosity?: number | string };

export const debugModule: Module<DebugArgs> = {
  name: 'debug',
  traits: { controllerOnly: true, checkMode: 'full' },
  schema: objectSchema({ msg: {}, var: stringSchema, verbosity: intSchema }),
  check(ctx, args) {
    if (args.msg !== undefined && args.var !== undefined) {
      return Promise.resolve({ changed: false, failed: true, msg: "'msg' and 'var' are incompatible options" });
    }
    if (args.var !== undefined) {
      let value: unknown;
      try {
        value = ctx.evaluate(args.var);
        if (value === undefined) value = 'VARIABLE IS NOT DEFINED!';
      } catch (e) {
        value = `VARIABLE IS NOT DEFINED!: ${errorMessage(e)}`;
      }
      return Promise.resolve({ changed: false, data: { [args.var]: value } });
    }
    const msg = args.msg ?? 'Hello world!';
    return Promise.resolve({ changed: false, msg: typeof msg === 'string' ? msg : JSON.stringify(msg), data: { msg } });
  },
};

export type SetFactArgs = Record<string, unknown>;

export const setFactModule: Module<SetFactArgs> = {
  name: 'set_fact',
  traits: { controllerOnly: true, setsFacts: true, checkMode: 'full' },
  schema: {
    type: 'object',
    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    minProperties: 1,
  },
  check(_ctx, args) {
    const facts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) if (k !== 'cacheable') facts[k] = v;
    return Promise.resolve({ changed: false, data: { ansible_facts: facts } });
  },
};

export type FailArgs = { msg?: unknown };

export const failModule: Module<FailArgs> = {
  name: 'fail',
  traits: { controllerOnly: true, checkMode: 'full' },
  schema: objectSchema({ msg: {} }),
  check(_ctx, args) {
    const msg = args.msg ?? 'Failed as requested from task';
    return Promise.resolve({ changed: false, failed: true, msg: typeof msg === 'string' ? msg : JSON.stringify(msg) });
  },
};

export type MetaArgs = { _raw_params: 'flush_handlers' };

/** meta: flush_handlers. The executor acts on it (traits.meta); it never reaches a host. */
export const metaModule: Module<MetaArgs> = {
  name: 'meta',
  freeForm: true,
  traits: { controllerOnly: true, meta: true, checkMode: 'full' },
  schema: objectSchema({ _raw_params: { enum: ['flush_handlers'] } }, { required: ['_raw_params'] }),
  // never reached through the engine, which acts on traits.meta itself
  check(_ctx, args) {
    return Promise.resolve({ changed: false, failed: true, msg: `meta: ${args._raw_params} is an action of the executor, not of a host` });
  },
};
