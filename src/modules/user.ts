/**
 * user: a local account present (uid, primary group, groups, comment, home,
 * shell, password hash) or absent, with useradd/usermod/userdel as Ansible
 * runs them on Linux.
 */
import { shellQuote } from '../connection/command.js';
import { boolSchema, intSchema, objectSchema, stringOrListSchema, stringSchema, toBool, toList } from './args.js';
import { parseGroupLine, type GroupEntry } from './group.js';
import { failedPlan } from './result.js';
import type { Module, StepOutput } from './types.js';

export type UserArgs = {
  name?: string;
  user?: string;
  state?: 'present' | 'absent';
  uid?: number | string;
  non_unique?: boolean | string;
  group?: string;
  groups?: string | string[];
  append?: boolean | string;
  comment?: string;
  home?: string;
  shell?: string;
  password?: string;
  update_password?: 'always' | 'on_create';
  password_lock?: boolean | string;
  system?: boolean | string;
  create_home?: boolean | string;
  createhome?: boolean | string;
  move_home?: boolean | string;
  skeleton?: string;
  force?: boolean | string;
  remove?: boolean | string;
};

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

export function parsePasswdLine(line: string): PasswdEntry | undefined {
  const f = line.trim().split(':');
  if (f.length < 7 || f[0] === '') return undefined;
  return { name: f[0] ?? '', uid: Number(f[2]), gid: Number(f[3]), comment: f[4] ?? '', home: f[5] ?? '', shell: f[6] ?? '' };
}

/** what the host knows about the user, read in one round trip */
interface UserState {
  passwd: PasswdEntry | undefined;
  /** a group named like the user exists */
  ownGroup: boolean;
  /** the wanted primary group */
  group: GroupEntry | undefined;
  /** supplementary groups (names), primary excluded */
  groups: string[];
  /** the groups asked for that exist */
  known: Set<string>;
  /** the password hash from shadow ('' when unreadable) */
  hash: string | undefined;
}

function result(p: PasswdEntry): Record<string, unknown> {
  return { uid: p.uid, group: p.gid, comment: p.comment, home: p.home, shell: p.shell };
}

export const userModule: Module<UserArgs> = {
  name: 'user',
  traits: { checkMode: 'full' },
  schema: objectSchema({
    name: stringSchema,
    user: stringSchema,
    state: { enum: ['present', 'absent'] },
    uid: intSchema,
    non_unique: boolSchema,
    group: stringSchema,
    groups: stringOrListSchema,
    append: boolSchema,
    comment: stringSchema,
    home: stringSchema,
    shell: stringSchema,
    password: stringSchema,
    update_password: { enum: ['always', 'on_create'] },
    password_lock: boolSchema,
    system: boolSchema,
    create_home: boolSchema,
    createhome: boolSchema,
    move_home: boolSchema,
    skeleton: stringSchema,
    force: boolSchema,
    remove: boolSchema,
  }),
  async check(ctx, args) {
    const name = args.name ?? args.user;
    if (name === undefined || name === '') return failedPlan('missing required arguments: name');
    const state = args.state ?? 'present';
    const q = shellQuote(name);
    const uid = args.uid === undefined || args.uid === '' ? undefined : Number(args.uid);
    if (uid !== undefined && !Number.isInteger(uid)) return failedPlan(`argument 'uid' must be an integer, got ${JSON.stringify(args.uid)}`);
    const wantGroups = args.groups === undefined ? undefined : toList(args.groups);
    const st = await readUser(ctx, name, args.group, wantGroups ?? []);
    const data: Record<string, unknown> = { name, state };

    if (state === 'absent') {
      const force = toBool(args.force, 'force', false);
      const remove = toBool(args.remove, 'remove', false);
      if (!st.passwd) return { changed: false, data };
      const cmd = `userdel${force ? ' -f' : ''}${remove ? ' -r' : ''} -- ${q}`;
      // as Ansible's user module: force and remove are reported when a user was removed; check mode reports changed only
      return { changed: true, data: ctx.check ? {} : { ...data, force, remove }, steps: [{ run: cmd, doing: `removing user ${name}` }] };
    }

    if (args.group !== undefined && !st.group) return failedPlan(`Group ${args.group} does not exist`, data);
    const missing = (wantGroups ?? []).filter((g) => !st.known.has(g));
    if (missing.length) return failedPlan(`Group ${missing[0]} does not exist`, data);
    const lock = args.password_lock === undefined ? undefined : toBool(args.password_lock, 'password_lock', false);
    const system = toBool(args.system, 'system', false);
    const createHome = toBool(args.create_home ?? args.createhome, 'create_home', true);
    const after = { run: `getent passwd ${q}`, keepOutput: true };
    const report = (outs: StepOutput[]): Record<string, unknown> => {
      const p = parsePasswdLine(outs[outs.length - 1]?.stdout ?? '');
      return p ? result(p) : {};
    };

    if (!st.passwd) {
      const a: string[] = ['useradd'];
      if (uid !== undefined) a.push('-u', String(uid), ...(toBool(args.non_unique, 'non_unique', false) ? ['-o'] : []));
      if (args.group !== undefined) a.push('-g', shellQuote(args.group));
      else if (st.ownGroup) a.push('-N');
      if (wantGroups?.length) a.push('-G', shellQuote(wantGroups.join(',')));
      if (args.comment !== undefined) a.push('-c', shellQuote(args.comment));
      if (args.home !== undefined) a.push('-d', shellQuote(args.home));
      if (args.shell !== undefined) a.push('-s', shellQuote(args.shell));
      if (args.password !== undefined) a.push('-p', shellQuote(lock ? `!${args.password}` : args.password));
      if (createHome) {
        a.push('-m');
        if (args.skeleton !== undefined) a.push('-k', shellQuote(args.skeleton));
      } else a.push('-M');
      if (system) a.push('-r');
      a.push('--', q);
      const pre = createHome && args.home !== undefined ? [`mkdir -p -- ${shellQuote(parentDir(args.home))}`] : [];
      return {
        changed: true,
        // check mode: Ansible's user module exits with changed only
        data: ctx.check ? {} : { ...data, system, create_home: createHome, ...(args.password !== undefined ? { password: 'NOT_LOGGING_PASSWORD' } : {}) },
        steps: [{ run: [...pre, a.join(' ')].join(' && '), doing: `creating user ${name}` }, after],
        report,
      };
    }

    // an existing user: usermod with what differs
    const p = st.passwd;
    const append = toBool(args.append, 'append', false);
    const moveHome = toBool(args.move_home, 'move_home', false);
    const m: string[] = [];
    if (uid !== undefined && uid !== p.uid) m.push('-u', String(uid), ...(toBool(args.non_unique, 'non_unique', false) ? ['-o'] : []));
    if (st.group && st.group.gid !== p.gid) m.push('-g', shellQuote(args.group ?? ''));
    if (wantGroups !== undefined) {
      const primary = st.group?.name;
      const want = wantGroups.filter((g) => g !== primary);
      const have = new Set(st.groups);
      if (append) {
        const add = want.filter((g) => !have.has(g));
        if (add.length) m.push('-a', '-G', shellQuote([...new Set(add)].join(',')));
      } else {
        const same = want.length === have.size && want.every((g) => have.has(g));
        if (!same) m.push('-G', shellQuote([...new Set(want)].join(',')));
      }
    }
    if (args.comment !== undefined && args.comment !== p.comment) m.push('-c', shellQuote(args.comment));
    if (args.home !== undefined && args.home !== p.home) m.push('-d', shellQuote(args.home), ...(moveHome ? ['-m'] : []));
    if (args.shell !== undefined && args.shell !== p.shell) m.push('-s', shellQuote(args.shell));
    const hash = st.hash ?? '';
    if (args.password !== undefined && (args.update_password ?? 'always') === 'always') {
      const current = hash.replace(/^!/, '');
      if (current !== args.password) m.push('-p', shellQuote(lock ? `!${args.password}` : args.password));
    }
    if (lock === true && !hash.startsWith('!') && !m.includes('-p')) m.push('-L');
    if (lock === false && hash.startsWith('!')) m.push('-U');
    const out = { ...data, append, move_home: moveHome, ...result(p), ...(args.password !== undefined ? { password: 'NOT_LOGGING_PASSWORD' } : {}) };
    if (!m.length) return { changed: false, data: out };
    return {
      changed: true,
      data: out,
      steps: [{ run: `usermod ${m.join(' ')} -- ${q}`, doing: `changing user ${name}` }, after],
      report,
    };
  },
};

function parentDir(path: string): string {
  const i = path.replace(/\/+$/, '').lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

async function readUser(
  ctx: Parameters<Module['check']>[0],
  name: string,
  group: string | undefined,
  groups: string[],
): Promise<UserState> {
  const q = shellQuote(name);
  const script = [
    `echo "passwd=$(getent passwd ${q})"`,
    `getent group ${q} >/dev/null && echo owngroup=yes`,
    ...(group !== undefined ? [`echo "group=$(getent group ${shellQuote(group)})"`] : []),
    ...groups.map((g) => `getent group ${shellQuote(g)} >/dev/null && echo known=${shellQuote(g)}`),
    `if getent passwd ${q} >/dev/null; then echo "groups=$(id -Gn -- ${q})"; echo "primary=$(id -gn -- ${q})"; echo "hash=$(getent shadow ${q} | cut -d: -f2)"; fi`,
    'true',
  ].join('\n');
  const r = await ctx.query(script);
  const kv = new Map<string, string[]>();
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i < 0) continue;
    const k = line.slice(0, i);
    kv.set(k, [...(kv.get(k) ?? []), line.slice(i + 1)]);
  }
  const one = (k: string): string | undefined => kv.get(k)?.[0];
  const primary = one('primary');
  const hash = one('hash');
  return {
    passwd: parsePasswdLine(one('passwd') ?? ''),
    ownGroup: one('owngroup') === 'yes',
    group: group === undefined ? undefined : parseGroupLine(one('group') ?? ''),
    groups: (one('groups') ?? '').split(/\s+/).filter((g) => g !== '' && g !== primary),
    known: new Set(kv.get('known') ?? []),
    hash,
  };
}
