/**
 * authorized_key (ansible.posix): SSH public keys in a user's authorized_keys,
 * added, replaced (same key, other options or comment) or removed, the file
 * rewritten in Ansible's format (options, type, key, comment, a space even
 * without comment). With manage_dir, ~/.ssh is 0700 and the file 0600, owned by the user.
 */
import { posix } from 'node:path';
import { shellQuote } from '../connection/command.js';
import { boolSchema, objectSchema, stringSchema, toBool } from './args.js';
import { pathInfo, pathInfoCommand, statFile } from './files.js';
import { planContent } from './put-content.js';
import { failedPlan } from './result.js';
import type { Module, Step, StepOutput } from './types.js';

export type AuthorizedKeyArgs = {
  user: string;
  key: string;
  path?: string;
  manage_dir?: boolean | string;
  state?: 'present' | 'absent';
  key_options?: string;
  exclusive?: boolean | string;
  validate_certs?: boolean | string;
  comment?: string;
  follow?: boolean | string;
};

const TYPES = new Set([
  'sk-ecdsa-sha2-nistp256@openssh.com', 'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com', 'webauthn-sk-ecdsa-sha2-nistp256@openssh.com',
  'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521', 'ecdsa-sha2-nistp521-cert-v01@openssh.com', 'sk-ssh-ed25519@openssh.com', 'sk-ssh-ed25519-cert-v01@openssh.com',
  'ssh-ed25519', 'ssh-ed25519-cert-v01@openssh.com', 'ssh-dss', 'ssh-rsa', 'ssh-xmss@openssh.com', 'ssh-xmss-cert-v01@openssh.com',
  'rsa-sha2-256', 'rsa-sha2-512', 'ssh-rsa-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com', 'rsa-sha2-512-cert-v01@openssh.com',
  'ssh-dss-cert-v01@openssh.com',
]);

/** a key line: [key blob (or the raw line when skipped), type ('skipped' for other lines), options, comment, rank] */
export type ParsedKey = [string, string, [string, string | null][] | null, string | null, number];

export function parseOptions(options: string | null | undefined): [string, string | null][] {
  const out = new Map<string, string | null>();
  if (options) {
    for (const m of options.matchAll(/((?:[^,"']|"[^"]*"|'[^']*')+)/g)) {
      const part = m[1] ?? '';
      const i = part.indexOf('=');
      if (i >= 0) out.set(part.slice(0, i), part.slice(i + 1));
      else out.set(part, null);
    }
  }
  return [...out.entries()];
}

export function parseKey(raw: string, rank: number): ParsedKey | undefined {
  const line = raw.replace(/\\#/g, '#');
  const parts = line.split(/\s+/).filter((p) => p !== '');
  if (parts[0] === '#') return [line, 'skipped', null, null, rank];
  const t = parts.findIndex((p) => TYPES.has(p));
  if (t < 0 || parts[t + 1] === undefined) return undefined;
  const options = t > 0 ? parts.slice(0, t).join(' ') : null;
  return [parts[t + 1] ?? '', parts[t] ?? '', parseOptions(options), parts.slice(t + 2).join(' '), rank];
}

function serialize(keys: Map<string, ParsedKey>): string {
  return [...keys.values()]
    .sort((a, b) => a[4] - b[4])
    .map(([blob, type, options, comment]) => {
      if (type === 'skipped') return blob;
      const opts = options && options.length ? options.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join(',') + ' ' : '';
      return `${opts}${type} ${blob} ${comment ?? ''}\n`;
    })
    .join('');
}

const sameKey = (a: ParsedKey, b: ParsedKey): boolean => a[0] === b[0] && a[1] === b[1] && JSON.stringify(a[2]) === JSON.stringify(b[2]) && a[3] === b[3];

/** The new content of authorized_keys (exported for tests); undefined when nothing changes. */
export function editKeys(existing: string, keyText: string, o: { state: 'present' | 'absent'; keyOptions?: string | undefined; comment?: string | undefined; exclusive: boolean }): { content?: string; invalid?: string } {
  const keys = new Map<string, ParsedKey>();
  existing.split(/(?<=\n)/).filter((l) => l !== '').forEach((line, i) => {
    const k = parseKey(line, i);
    keys.set(k ? k[0] : line, k ?? [line, 'skipped', null, null, i]);
  });
  const max = keys.size;
  const wanted = keyText.split(/\r?\n/).filter((l) => l !== '' && !l.startsWith('#'));
  const keep: string[] = [];
  let write = false;
  for (const [rank, text] of wanted.entries()) {
    let k = parseKey(text, rank);
    if (!k) return { invalid: text };
    if (o.keyOptions !== undefined) k = [k[0], k[1], parseOptions(o.keyOptions), k[3], k[4]];
    if (o.comment !== undefined) k = [k[0], k[1], k[2], o.comment, k[4]];
    const cur = keys.get(k[0]);
    let matched = false;
    let stale = false;
    if (cur) {
      if (!sameKey(k, cur) && o.state === 'present') stale = true;
      else matched = true;
    }
    if (o.state === 'present') {
      keep.push(k[0]);
      if (stale) {
        keys.delete(k[0]);
        write = true;
      }
      if (!matched) {
        keys.set(k[0], [k[0], k[1], k[2], k[3], max + k[4]]);
        write = true;
      }
    } else if (matched) {
      keys.delete(k[0]);
      write = true;
    }
  }
  if (o.state === 'present' && o.exclusive) {
    for (const name of [...keys.keys()]) {
      if (!keep.includes(name)) {
        keys.delete(name);
        write = true;
      }
    }
  }
  return write ? { content: serialize(keys) } : {};
}

export const authorizedKeyModule: Module<AuthorizedKeyArgs> = {
  name: 'authorized_key',
  traits: { checkMode: 'full' },
  schema: objectSchema(
    {
      user: stringSchema,
      key: stringSchema,
      path: stringSchema,
      manage_dir: boolSchema,
      state: { enum: ['present', 'absent'] },
      key_options: stringSchema,
      exclusive: boolSchema,
      validate_certs: boolSchema,
      comment: stringSchema,
      follow: boolSchema,
    },
    { required: ['user', 'key'] },
  ),
  async check(ctx, args) {
    const state = args.state ?? 'present';
    const manageDir = toBool(args.manage_dir, 'manage_dir', true);
    const exclusive = toBool(args.exclusive, 'exclusive', false);
    const u = shellQuote(args.user);
    const pw = await ctx.query(`getent passwd ${u} && id -gn -- ${u}`);
    const [line = '', group = ''] = pw.stdout.trim().split('\n');
    const home = line.split(':')[5];
    if (pw.rc !== 0 || home === undefined) return failedPlan(`Failed to lookup user ${args.user}: user not found`);
    const keyfile = args.path ?? posix.join(home, '.ssh', 'authorized_keys');
    let keyText = args.key;
    if (keyText.startsWith('http')) {
      const r = await ctx.query(`curl -sSfL ${toBool(args.validate_certs, 'validate_certs', true) ? '' : '-k '}-- ${shellQuote(keyText)}`);
      if (r.rc !== 0) return failedPlan(`Error getting key from: ${keyText}`);
      keyText = r.stdout;
    }
    const data: Record<string, unknown> = {
      user: args.user, key: args.key, path: args.path ?? null, manage_dir: manageDir, state, key_options: args.key_options ?? null,
      exclusive, validate_certs: toBool(args.validate_certs, 'validate_certs', true), comment: args.comment ?? null,
      follow: toBool(args.follow, 'follow', false), keyfile,
    };
    const st = await statFile(ctx, keyfile, { withContent: true, maxBytes: Number.MAX_SAFE_INTEGER });
    const existing = st.exists && st.kind === 'file' ? (st.content ?? Buffer.alloc(0)).toString('utf8') : '';
    const edit = editKeys(existing, keyText, { state, keyOptions: args.key_options, comment: args.comment, exclusive });
    if (edit.invalid !== undefined) return failedPlan(`invalid key specified: ${edit.invalid}`);
    // a result with `path` gets the file's owner, group, mode... (Ansible's add_path_info; none when path was not given)
    if (edit.content === undefined) return { changed: false, data: args.path !== undefined ? { ...data, ...pathInfo((await ctx.query(pathInfoCommand(args.path))).stdout) } : data };
    const plan = await planContent(ctx, keyfile, Buffer.from(edit.content), manageDir ? { owner: args.user, group, mode: '0600' } : {}, st);
    const sshDir = posix.dirname(keyfile);
    const pre: Step[] = manageDir
      ? [{ run: `mkdir -p -- ${shellQuote(sshDir)} && chown -- ${shellQuote(`${args.user}:${group}`)} ${shellQuote(sshDir)} && chmod 0700 -- ${shellQuote(sshDir)}`, doing: `making ${sshDir}` }]
      : [];
    const info: Step[] = args.path !== undefined ? [{ run: pathInfoCommand(args.path), keepOutput: true, doing: `reading ${args.path}` }] : [];
    return {
      ...plan,
      changed: true,
      data,
      steps: [...pre, ...(plan.steps ?? []), ...info],
      ...(info.length ? { report: (outs: StepOutput[]) => pathInfo(outs[outs.length - 1]?.stdout ?? '') } : {}),
    };
  },
};
