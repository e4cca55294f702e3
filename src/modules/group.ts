/** group: a local group present (with a gid) or absent, Ansible's arguments and result. */
import { shellQuote } from '../connection/command.js';
import { boolSchema, intSchema, objectSchema, stringSchema, toBool } from './args.js';
import { failedPlan } from './result.js';
import type { CheckContext, Module, StepOutput } from './types.js';

export type GroupArgs = {
  name: string;
  gid?: number | string;
  state?: 'present' | 'absent';
  system?: boolean | string;
  local?: boolean | string;
  non_unique?: boolean | string;
};

/** `getent group NAME`: name, gid and members; undefined when there is no such group */
export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parseGroupLine(line: string): GroupEntry | undefined {
  const f = line.trim().split(':');
  if (f.length < 4 || f[0] === '') return undefined;
  return { name: f[0] ?? '', gid: Number(f[2]), members: (f[3] ?? '').split(',').filter((m) => m !== '') };
}

export async function readGroup(ctx: Pick<CheckContext, 'query'>, name: string): Promise<GroupEntry | undefined> {
  const r = await ctx.query(`getent group ${shellQuote(name)} || true`);
  return parseGroupLine(r.stdout.split('\n')[0] ?? '');
}

export const groupModule: Module<GroupArgs> = {
  name: 'group',
  traits: { checkMode: 'full' },
  schema: objectSchema(
    {
      name: stringSchema,
      gid: intSchema,
      state: { enum: ['present', 'absent'] },
      system: boolSchema,
      local: boolSchema,
      non_unique: boolSchema,
    },
    { required: ['name'] },
  ),
  async check(ctx, args) {
    const state = args.state ?? 'present';
    const name = args.name;
    const system = toBool(args.system, 'system', false);
    const nonUnique = toBool(args.non_unique, 'non_unique', false);
    if (toBool(args.local, 'local', false)) return failedPlan('local: yes (lgroupadd) is not supported by hapb');
    const gid = args.gid === undefined || args.gid === '' ? undefined : Number(args.gid);
    if (gid !== undefined && !Number.isInteger(gid)) return failedPlan(`argument 'gid' must be an integer, got ${JSON.stringify(args.gid)}`);
    if (nonUnique && gid === undefined) return failedPlan('non_unique is True but all of the following are missing: gid');
    const cur = await readGroup(ctx, name);
    const q = shellQuote(name);
    const data: Record<string, unknown> = { name, state };
    if (state === 'absent') {
      if (!cur) return { changed: false, data };
      // check mode: Ansible's group module exits with changed only
      return { changed: true, data: ctx.check ? {} : data, steps: [{ run: `groupdel -- ${q}`, doing: `removing group ${name}` }] };
    }
    const after = {
      run: `getent group ${q}`,
      keepOutput: true,
    };
    const report = (outs: StepOutput[]): Record<string, unknown> => {
      const g = parseGroupLine(outs[outs.length - 1]?.stdout ?? '');
      return g ? { gid: g.gid } : {};
    };
    const o = nonUnique ? ' -o' : '';
    if (!cur) {
      const cmd = `groupadd${gid !== undefined ? ` -g ${gid}${o}` : ''}${system ? ' -r' : ''} -- ${q}`;
      return { changed: true, data: ctx.check ? {} : { ...data, system }, steps: [{ run: cmd, doing: `creating group ${name}` }, after], report };
    }
    const out = { ...data, system, gid: cur.gid };
    if (gid === undefined || gid === cur.gid) return { changed: false, data: out };
    return {
      changed: true,
      data: out,
      steps: [{ run: `groupmod -g ${gid}${o} -- ${q}`, doing: `changing the gid of group ${name}` }, after],
      report,
    };
  },
};
