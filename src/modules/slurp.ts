/** slurp: a file's content, base64 encoded, in the result (read only). */
import { shellQuote } from '../connection/command.js';
import { objectSchema, stringSchema } from './args.js';
import { failedPlan } from './result.js';
import type { Module } from './types.js';

export type SlurpArgs = { src?: string; path?: string };

export const slurpModule: Module<SlurpArgs> = {
  name: 'slurp',
  traits: { checkMode: 'full' },
  schema: objectSchema({ src: stringSchema, path: stringSchema }),
  async check(ctx, args) {
    const src = args.src ?? args.path;
    if (src === undefined) return failedPlan('missing required arguments: src');
    const p = shellQuote(src);
    const r = await ctx.query(
      `if [ ! -e ${p} ]; then echo missing; exit 3; fi; if [ -d ${p} ]; then echo directory; exit 3; fi; if [ ! -r ${p} ]; then echo unreadable; exit 3; fi; base64 -w0 < ${p}`,
    );
    if (r.rc === 3) {
      const why = r.stdout.trim();
      return failedPlan(why === 'missing' ? `file not found: ${src}` : why === 'directory' ? `source is a directory and must be a file: ${src}` : `file is not readable: ${src}`);
    }
    if (r.rc !== 0) return failedPlan(`Unable to slurp file: ${r.stderr.trim()}`);
    return { changed: false, data: { content: r.stdout.trim(), encoding: 'base64', source: src } };
  },
};
