/** file: make a path a file, directory, link or absent, with owner, group and mode. */
import { shellQuote } from '../connection/command.js';
import type { FileDiff } from '../core/types.js';
import { boolSchema, fileAttrs, fileAttrSchemas, objectSchema, stringSchema, toBool, type FileAttrArgs } from './args.js';
import { attrChanges, attrCommands, attrDiff, hasAttrChanges, statFile, type FileAttrs, type FileState } from './files.js';
import { linkInProcess, mkdirsInProcess, octalMode } from './in-process.js';
import { failedPlan } from './result.js';
import type { Module, ModulePlan, RunStep } from './types.js';

export type FileArgs = FileAttrArgs & {
  path: string;
  state?: 'file' | 'directory' | 'absent' | 'touch' | 'link';
  src?: string;
  force?: boolean | string;
  recurse?: boolean | string;
};

/** a command step, and the chown/chmod after it (as one step: one round trip) */
function step(command: string, doing: string, path: string, attrs: FileAttrs = {}, noDeref = false): RunStep {
  const extra = noDeref ? linkOwnerCommands(path, attrs) : attrCommands(path, attrs);
  return { run: [command, ...extra].join(' && '), doing };
}

/**
 * Create a directory and its missing parents, each created one with the
 * task's mode, owner and group (as Ansible's file module does; `mkdir -p`
 * would leave the parents at the umask's mode). A directory that another
 * process made between the test and the mkdir (two hosts of one machine
 * making the same parent) is no error and keeps its attributes, as in
 * Ansible (EEXIST on a directory is ignored).
 */
function mkdirs(path: string, attrs: FileAttrs): string {
  const parts = path.split('/').filter(Boolean);
  const prefixes = parts.map((_, i) => `${path.startsWith('/') ? '/' : ''}${parts.slice(0, i + 1).join('/')}`);
  return prefixes
    .map((p) => {
      const q = shellQuote(p);
      const then = attrCommands(p, attrs).join(' && ') || ':';
      return `{ [ -e ${q} ] || if mkdir -- ${q}; then ${then}; else [ -d ${q} ]; fi; }`;
    })
    .join(' && ');
}

export const fileModule: Module<FileArgs> = {
  name: 'file',
  traits: { checkMode: 'full' },
  schema: objectSchema(
    {
      path: stringSchema,
      state: { enum: ['file', 'directory', 'absent', 'touch', 'link'] },
      ...fileAttrSchemas,
      src: stringSchema,
      force: boolSchema,
      recurse: { enum: [false, 'no', 'false'] },
    },
    { required: ['path'] },
  ),
  async check(ctx, args) {
    const path = args.path;
    const want = fileAttrs(args);
    const st = await statFile(ctx, path);
    const state = args.state ?? (st.exists ? (st.kind === 'directory' ? 'directory' : 'file') : 'file');
    const q = shellQuote(path);
    const stateDiff = (before: string, after: string): FileDiff[] => [
      { path, before: `state: ${before}\n`, after: `state: ${after}\n` },
    ];
    const current = st.exists ? st.kind : 'absent';
    const data = { path, state };

    switch (state) {
      case 'absent':
        if (!st.exists) return { changed: false, data };
        return {
          changed: true,
          data,
          diff: stateDiff(current, 'absent'),
          steps: [step(`rm -rf -- ${q}`, `removing ${path}`, path)],
        };
      case 'file':
        if (!st.exists) {
          return failedPlan(`file (${path}) is absent, cannot continue`, { path, state: 'absent' });
        }
        if (st.kind !== 'file') return failedPlan(`file (${path}) is ${st.kind}, cannot continue`, data);
        return attrsPlan(path, st, want, data);
      case 'directory': {
        if (st.exists && st.kind !== 'directory') {
          return failedPlan(`${path} already exists as a ${st.kind}`, data);
        }
        if (st.exists) return attrsPlan(path, st, want, data);
        return {
          changed: true,
          data,
          diff: stateDiff('absent', 'directory'),
          steps: [
            {
              run: mkdirs(path, want),
              doing: `creating ${path}`,
              ...(want.owner === undefined && want.group === undefined && (want.mode === undefined || octalMode(want.mode) !== undefined)
                ? { inProcess: () => mkdirsInProcess(path, octalMode(want.mode)) }
                : {}),
            },
          ],
        };
      }
      case 'touch':
        // touch always changes: it updates the times (Ansible does the same)
        return {
          changed: true,
          data,
          diff: stateDiff(current, st.exists ? current : 'touch'),
          steps: [step(st.exists ? `touch -- ${q}` : `touch -- ${q} && chmod 0644 -- ${q}`, `touching ${path}`, path, want)],
        };
      case 'link': {
        if (args.src === undefined) return failedPlan('src is required for state=link');
        const src = args.src;
        const force = toBool(args.force, 'force', false);
        if (st.exists && st.kind === 'link' && st.target === src) {
          // chown of the link itself; a link's mode means nothing on Linux
          const c = attrChanges(st, { owner: want.owner, group: want.group });
          if (!hasAttrChanges(c)) return { changed: false, data };
          return {
            changed: true,
            data,
            diff: [attrDiff(path, st, c)],
            steps: [{ run: linkOwnerCommands(path, c).join(' && '), doing: `setting the owner of ${path}` }],
          };
        }
        if (st.exists && st.kind !== 'link' && !(force && st.kind === 'file')) {
          return failedPlan(`refusing to convert from ${st.kind} to symlink for ${path}`, data);
        }
        return {
          changed: true,
          data,
          diff: [{ path, before: st.exists ? `${current}: ${st.target ?? ''}\n` : 'state: absent\n', after: `link: ${src}\n` }],
          steps: [
            {
              ...step(`ln -sfn -- ${shellQuote(src)} ${q}`, `linking ${path} to ${src}`, path, { owner: want.owner, group: want.group }, true),
              ...(want.owner === undefined && want.group === undefined ? { inProcess: () => linkInProcess(src, path) } : {}),
            },
          ],
        };
      }
    }
  },
};

function attrsPlan(path: string, st: FileState, want: FileAttrs, data: Record<string, unknown>): ModulePlan {
  const c = attrChanges(st, want);
  if (!hasAttrChanges(c)) return { changed: false, data };
  return { changed: true, data, diff: [attrDiff(path, st, c)], steps: [{ run: attrCommands(path, c).join(' && '), doing: `setting owner, group or mode of ${path}` }] };
}

/** chown -h of a link itself; a link's mode means nothing on Linux */
function linkOwnerCommands(path: string, attrs: FileAttrs): string[] {
  if (attrs.owner === undefined && attrs.group === undefined) return [];
  const spec = `${attrs.owner ?? ''}${attrs.group !== undefined ? ':' + attrs.group : ''}`;
  return [`chown -h -- ${shellQuote(spec)} ${shellQuote(path)}`];
}
