/** copy: put a controller file (src) or inline `content` on the host. */
import { readFileSync, statSync } from 'node:fs';
import { posix, basename } from 'node:path';
import { boolSchema, objectSchema, stringSchema, toBool } from './args.js';
import { statFile } from './files.js';
import { planContent, putContentOptions, putContentSchemas, type PutContentArgs } from './put-content.js';
import { failedPlan } from './result.js';
import type { Module } from './types.js';

export type CopyArgs = PutContentArgs & {
  src?: string;
  content?: string;
  dest: string;
  force?: boolean | string;
};

export const copyModule: Module<CopyArgs> = {
  name: 'copy',
  traits: { checkMode: 'full', writesContent: true },
  schema: objectSchema(
    {
      src: stringSchema,
      content: { type: ['string', 'number', 'boolean', 'object', 'array'] },
      dest: stringSchema,
      ...putContentSchemas,
      force: boolSchema,
    },
    { required: ['dest'] },
  ),
  async check(ctx, args) {
    if ((args.src === undefined) === (args.content === undefined)) {
      return failedPlan('copy needs exactly one of src or content');
    }
    let content: Buffer;
    let dest = args.dest;
    if (args.src !== undefined) {
      const local = ctx.findFile('files', args.src);
      if (statSync(local).isDirectory()) return failedPlan(`src ${args.src} is a directory: copying directories is not supported`);
      content = readFileSync(local);
      if (dest.endsWith('/')) dest = posix.join(dest, basename(args.src));
    } else {
      const c: unknown = args.content;
      content = Buffer.from(typeof c === 'string' ? c : JSON.stringify(c));
      if (dest.endsWith('/')) return failedPlan('can not use content with a dir as dest');
    }
    let state = await statFile(ctx, dest, { withContent: ctx.diff });
    if (state.exists && state.kind === 'directory') {
      if (args.src === undefined) return failedPlan('can not use content with a dir as dest');
      dest = posix.join(dest, basename(args.src));
      state = await statFile(ctx, dest, { withContent: ctx.diff });
    }
    // force: no leaves an existing file alone
    if (state.exists && !toBool(args.force, 'force', true)) return { changed: false, data: { dest } };
    return planContent(ctx, dest, content, putContentOptions(args), state);
  },
};
