/**
 * The plan shared by copy and template (and lineinfile): compare wanted
 * content and attributes with the host's file, diff, and apply atomically.
 */
import { ModuleError } from '../errors/index.js';
import type { FileDiff } from '../core/types.js';
import { boolSchema, fileAttrs, fileAttrSchemas, stringSchema, toBool, type FileAttrArgs } from './args.js';
import { attrChanges, attrCommands, attrDiff, contentDiff, hasAttrChanges, sha1, statFile, type FileAttrs, type FileState } from './files.js';
import { failedPlan } from './result.js';
import type { CheckContext, ModulePlan } from './types.js';

export interface PutContentOptions extends FileAttrs {
  validate?: string | undefined;
  backup?: boolean | undefined;
}

/** dest's owner, group and mode, validate and backup: arguments of copy, template and lineinfile */
export type PutContentArgs = FileAttrArgs & {
  validate?: string;
  backup?: boolean | string;
};

export const putContentSchemas = { ...fileAttrSchemas, validate: stringSchema, backup: boolSchema } as const;

/** The options for planContent from the module's arguments (throws SchemaError on a bad mode or backup). */
export function putContentOptions(args: PutContentArgs): PutContentOptions {
  return { ...fileAttrs(args), validate: args.validate, backup: toBool(args.backup, 'backup', false) };
}

export async function planContent(
  ctx: CheckContext,
  dest: string,
  content: Buffer,
  opts: PutContentOptions,
  state?: FileState,
): Promise<ModulePlan> {
  const st = state ?? (await statFile(ctx, dest, { withContent: ctx.diff }));
  if (st.exists && st.kind === 'directory') return failedPlan(`dest ${dest} is a directory`);
  const checksum = sha1(content);
  const contentChanged = !st.exists || st.kind !== 'file' || st.sha1 !== checksum;
  const want: FileAttrs = { mode: opts.mode, owner: opts.owner, group: opts.group };
  const attrs = attrChanges(st, want);
  const data: Record<string, unknown> = { dest, checksum };
  if (!contentChanged && !hasAttrChanges(attrs)) return { changed: false, data };

  const diff: FileDiff[] = [];
  // the old content is only fetched for --diff
  if (contentChanged) {
    if (ctx.diff || (st.exists && st.content !== undefined)) diff.push(contentDiff(dest, st, content));
  } else diff.push(attrDiff(dest, st, attrs));
  return {
    changed: true,
    ...(diff.length ? { diff } : {}),
    data,
    steps: contentChanged
      ? [{ write: dest, content, ...want, validate: opts.validate, backup: opts.backup }]
      : [{ run: attrCommands(dest, attrs).join(' && '), doing: `setting owner, group or mode of ${dest}` }],
  };
}

export function requireString(v: unknown, name: string, host: string, task: string): string {
  if (typeof v !== 'string' || v === '') throw new ModuleError(`missing required argument: ${name}`, { host, task });
  return v;
}
