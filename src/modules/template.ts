/** template: render a controller template with the host's vars and put it on the host. */
import { errorMessage, HapbError, ModuleError } from '../errors/index.js';
import { boolSchema, modeSchema, normalizeMode, objectSchema, stringSchema, toBool } from './args.js';
import { planContent } from './put-content.js';
import type { Module } from './types.js';

export type TemplateArgs = {
  src: string;
  dest: string;
  mode?: string | number;
  owner?: string;
  group?: string;
  validate?: string;
  backup?: boolean | string;
};

export const templateModule: Module<TemplateArgs> = {
  name: 'template',
  schema: objectSchema(
    {
      src: stringSchema,
      dest: stringSchema,
      mode: modeSchema,
      owner: stringSchema,
      group: stringSchema,
      validate: stringSchema,
      backup: boolSchema,
    },
    { required: ['src', 'dest'] },
  ),
  async check(ctx, args) {
    const local = ctx.findFile('templates', args.src);
    let text: string;
    try {
      text = ctx.renderTemplate(local);
    } catch (e) {
      // template errors already carry their file and line
      if (e instanceof HapbError) throw e;
      throw new ModuleError(`rendering ${args.src} for ${ctx.host}: ${errorMessage(e)}`, {
        host: ctx.host,
        task: ctx.task,
      });
    }
    return planContent(ctx, args.dest, Buffer.from(text), {
      mode: normalizeMode(args.mode),
      owner: args.owner,
      group: args.group,
      validate: args.validate,
      backup: toBool(args.backup, 'backup', false),
    });
  },
};
