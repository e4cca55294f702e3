/**
 * sysctl: keep a kernel parameter in a sysctl file and (with sysctl_set, or
 * when reload loads the file) in the running kernel.
 */
import { shellQuote } from '../connection/command.js';
import { boolSchema, objectSchema, stringSchema, toBool } from './args.js';
import { firstLine, statFile } from './files.js';
import { failedPlan } from './result.js';
import type { Module, Step } from './types.js';

export type SysctlArgs = {
  name: string;
  value?: string | number | boolean;
  state?: 'present' | 'absent';
  sysctl_file?: string;
  reload?: boolean | string;
  sysctl_set?: boolean | string;
  ignoreerrors?: boolean | string;
};

export const DEFAULT_SYSCTL_FILE = '/etc/sysctl.d/99-hapb.conf';

/** `net/ipv4/ip_forward` and `net.ipv4.ip_forward` are the same key. */
export function normalizeKey(key: string): string {
  return key.trim().replace(/\//g, '.');
}

/** Values compare by their words: "4096  87380\t6291456" equals "4096 87380 6291456". */
export function normalizeValue(v: string): string {
  return v.trim().split(/\s+/).join(' ');
}

/** Set or remove `key` in sysctl file text; returns the new text. */
export function editSysctlText(text: string, key: string, value: string | undefined): string {
  const out: string[] = [];
  let done = false;
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  for (const line of lines) {
    const m = /^\s*-?([^#;=\s][^=]*?)\s*=/.exec(line);
    if (m && normalizeKey(m[1] ?? '') === key) {
      if (value !== undefined && !done) out.push(`${key}=${value}`);
      done = true;
      continue;
    }
    out.push(line);
  }
  if (value !== undefined && !done) out.push(`${key}=${value}`);
  return out.length ? out.join('\n') + '\n' : '';
}

/** The value `key` has in sysctl file text (the last assignment wins, like sysctl -p). */
export function readSysctlText(text: string, key: string): string | undefined {
  let found: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^\s*-?([^#;=\s][^=]*?)\s*=(.*)$/.exec(line);
    if (m && normalizeKey(m[1] ?? '') === key) found = normalizeValue(m[2] ?? '');
  }
  return found;
}

function valueText(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  return normalizeValue(String(v));
}

export const sysctlModule: Module<SysctlArgs> = {
  name: 'sysctl',
  traits: { checkMode: 'full' },
  schema: objectSchema(
    {
      name: stringSchema,
      value: { type: ['string', 'number', 'boolean'] },
      state: { enum: ['present', 'absent'] },
      sysctl_file: stringSchema,
      reload: boolSchema,
      sysctl_set: boolSchema,
      ignoreerrors: boolSchema,
    },
    { required: ['name'] },
  ),
  async check(ctx, args) {
    const key = normalizeKey(args.name);
    const state = args.state ?? 'present';
    const file = args.sysctl_file ?? DEFAULT_SYSCTL_FILE;
    if (state === 'present' && args.value === undefined) return failedPlan('value is required with state=present');
    const value = args.value === undefined ? undefined : valueText(args.value);
    const reload = toBool(args.reload, 'reload', true);
    const setLive = toBool(args.sysctl_set, 'sysctl_set', false);
    const ignore = toBool(args.ignoreerrors, 'ignoreerrors', false);

    const st = await statFile(ctx, file, { withContent: true, maxBytes: Number.MAX_SAFE_INTEGER });
    const before = st.exists && st.content ? st.content.toString('utf8') : '';
    const after = editSysctlText(before, key, state === 'present' ? value : undefined);
    const fileChanged = state === 'present' ? readSysctlText(before, key) !== value : before !== after;

    let liveChanged = false;
    let live: string | undefined;
    if (state === 'present' && setLive) {
      const r = await ctx.query(`sysctl -n -e -- ${shellQuote(key)}`);
      if (r.rc !== 0 || r.stdout === '') {
        if (!ignore) return failedPlan(`sysctl key ${key} does not exist on this host: ${firstLine(r.stderr)}`);
      } else {
        live = normalizeValue(r.stdout);
        liveChanged = live !== value;
      }
    }
    const data: Record<string, unknown> = { name: key, ...(value !== undefined ? { value } : {}), sysctl_file: file };
    if (!fileChanged && !liveChanged) return { changed: false, data };
    const diff = [
      ...(fileChanged ? [{ path: file, before, after }] : []),
      ...(liveChanged ? [{ path: `sysctl ${key}`, before: `${live ?? ''}\n`, after: `${value ?? ''}\n` }] : []),
    ];
    const steps: Step[] = [];
    if (liveChanged && value !== undefined) steps.push({ run: `sysctl -q -w -- ${shellQuote(`${key}=${value}`)}`, doing: `setting ${key}` });
    if (fileChanged) {
      steps.push({ write: file, content: Buffer.from(after) });
      if (reload && state === 'present') steps.push({ run: `sysctl -q ${ignore ? '-e ' : ''}-p ${shellQuote(file)}`, doing: `reloading ${file}` });
    }
    return { changed: true, data, diff, steps };
  },
};
