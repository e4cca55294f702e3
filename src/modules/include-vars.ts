/**
 * include_vars: variables from a YAML (or JSON) file of the controller, for
 * this host, above play and role vars (Ansible's include_vars precedence sits
 * with set_fact). A relative file is looked for in the role's vars/, then the
 * playbook's vars/ and folder (ctx.findFile('vars', ...)).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../errors/index.js';
import { loadYamlFile } from '../yaml/load.js';
import { objectSchema, stringSchema } from './args.js';
import type { Module, ModulePlan } from './types.js';

export type IncludeVarsArgs = {
  _raw_params?: string;
  file?: string;
  dir?: string;
  name?: string;
  files_matching?: string;
  extensions?: string[];
};

export const includeVarsModule: Module<IncludeVarsArgs> = {
  name: 'include_vars',
  freeForm: true,
  traits: { controllerOnly: true, setsFacts: true, checkMode: 'full' },
  schema: objectSchema({
    _raw_params: stringSchema,
    file: stringSchema,
    dir: stringSchema,
    name: stringSchema,
    files_matching: stringSchema,
    extensions: { type: 'array', items: { type: 'string' } },
  }),
  check(ctx, args) {
    const fail = (msg: string): Promise<ModulePlan> => Promise.resolve({ changed: false, failed: true, msg });
    const file = args.file ?? args._raw_params;
    if ((file === undefined) === (args.dir === undefined)) return fail('give one of file (or the free form) and dir');
    let files: string[];
    try {
      if (file !== undefined) files = [ctx.findFile('vars', file)];
      else {
        const dir = ctx.findFile('vars', args.dir as string);
        const exts = args.extensions ?? ['yaml', 'yml', 'json'];
        const match = args.files_matching === undefined ? undefined : new RegExp(args.files_matching);
        files = readdirSync(dir)
          .filter((f) => exts.some((e) => f.endsWith(`.${e}`)) && (!match || match.test(f)))
          .sort()
          .map((f) => join(dir, f));
      }
    } catch (e) {
      return fail(errorMessage(e));
    }
    const vars: Record<string, unknown> = {};
    for (const f of files) {
      let value: unknown;
      try {
        value = loadYamlFile(f).value;
      } catch (e) {
        return fail(errorMessage(e));
      }
      if (value === null || value === undefined) continue;
      if (typeof value !== 'object' || Array.isArray(value)) return fail(`${f} must be stored as a dictionary/hash`);
      Object.assign(vars, value);
    }
    const facts = args.name !== undefined ? { [args.name]: vars } : vars;
    return Promise.resolve({ changed: false, data: { ansible_facts: facts, ansible_included_var_files: files } });
  },
};
