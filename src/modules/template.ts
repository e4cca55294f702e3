/** template: render a controller template with the host's vars and put it on the host. */
import { ansibleConfig } from '../config/index.js';
import { errorMessage, HapbError, ModuleError } from '../errors/index.js';
import { objectSchema, stringSchema } from './args.js';
import { planContent, putContentOptions, putContentSchemas, type PutContentArgs } from './put-content.js';
import type { Module } from './types.js';
import { templateVars } from './template-vars.js';

export type TemplateArgs = PutContentArgs & {
  src: string;
  dest: string;
};

export const templateModule: Module<TemplateArgs> = {
  name: 'template',
  traits: { checkMode: 'full', writesContent: true },
  schema: objectSchema(
    {
      src: stringSchema,
      dest: stringSchema,
      ...putContentSchemas,
    },
    { required: ['src', 'dest'] },
  ),
  async check(ctx, args) {
    const local = ctx.findFile('templates', args.src);
    let text: string;
    try {
      const extra = templateVars({ src: args.src, fullpath: local, dest: args.dest, managed: ansibleConfig().ansibleManaged });
      text = ctx.renderTemplate(local, extra);
    } catch (e) {
      // template errors already carry their file and line
      if (e instanceof HapbError) throw e;
      throw new ModuleError(`rendering ${args.src} for ${ctx.host}: ${errorMessage(e)}`, {
        host: ctx.host,
        task: ctx.task,
      });
    }
    return planContent(ctx, args.dest, Buffer.from(text), putContentOptions(args));
  },
};
