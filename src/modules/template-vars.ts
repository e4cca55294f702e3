/**
 * The variables Ansible's template action adds while it renders a template
 * (ansible/template/__init__.py, generate_ansible_template_vars, 2.14):
 * template_host, template_path (src as written), template_fullpath,
 * template_uid (owner of the template file), template_mtime,
 * template_run_date, template_destpath, and ansible_managed: the
 * `[defaults] ansible_managed` string of ansible.cfg ('Ansible managed' by
 * default) with {host}, {uid}, {file} replaced, then strftime'd with the
 * template's modification time. Dates are strings in Python's str(datetime)
 * form (hapb has no datetime objects).
 */
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Vars } from '../core/types.js';

export interface TemplateVarsInput {
  /** src as the task gives it */
  src: string;
  /** the template file found */
  fullpath: string;
  /** dest as the task gives it */
  dest: string | undefined;
  /** the ansible_managed format */
  managed: string;
  /** for tests: the time of the run */
  now?: Date;
}

export function templateVars(input: TemplateVarsInput): Vars {
  const st = statSync(input.fullpath, { bigint: true });
  const mtimeUs = st.mtimeNs / 1000n;
  const mtime = new Date(Number(mtimeUs / 1000n));
  const host = hostname();
  const uid = userName(Number(st.uid));
  const now = input.now ?? new Date();
  return {
    template_host: host,
    template_path: input.src,
    template_mtime: pyDatetime(mtime, Number(mtimeUs % 1_000_000n)),
    template_uid: uid,
    template_run_date: pyDatetime(now, now.getMilliseconds() * 1000),
    template_destpath: input.dest ?? null,
    template_fullpath: input.fullpath,
    ansible_managed: strftime(pyFormat(input.managed, { host, uid, file: input.src }), mtime),
  };
}

/** the user name of a uid (pwd.getpwuid), else the uid as text */
function userName(uid: number): string {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[2] === String(uid) && f[0]) return f[0];
    }
  } catch {
    // no /etc/passwd: the number, as Ansible falls back to
  }
  return String(uid);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Python's str(datetime): `2026-12-06 07:01:02.123456`, no fraction when it is 0 */
function pyDatetime(d: Date, micro: number): string {
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return micro ? `${base}.${pad(micro, 6)}` : base;
}

/** Python's str.format with named fields only: {name}, {{ and }} */
export function pyFormat(format: string, fields: Record<string, string>): string {
  return format.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, name: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const key = name ?? '';
    if (!Object.hasOwn(fields, key)) throw new Error(`ansible_managed: unknown field {${key}} (known: {host}, {uid}, {file})`);
    return fields[key] as string;
  });
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** C-locale strftime, local time; an unknown directive stays as written (like glibc) */
export function strftime(format: string, d: Date): string {
  const tzMin = -d.getTimezoneOffset();
  const start = new Date(d.getFullYear(), 0, 1);
  const yday = Math.floor((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(start.getFullYear(), 0, 1)) / 86_400_000) + 1;
  const h12 = d.getHours() % 12 || 12;
  const tzName = (): string => new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const map: Record<string, () => string> = {
    a: () => (DAYS[d.getDay()] as string).slice(0, 3),
    A: () => DAYS[d.getDay()] as string,
    b: () => (MONTHS[d.getMonth()] as string).slice(0, 3),
    h: () => (MONTHS[d.getMonth()] as string).slice(0, 3),
    B: () => MONTHS[d.getMonth()] as string,
    d: () => pad(d.getDate()),
    e: () => String(d.getDate()).padStart(2, ' '),
    H: () => pad(d.getHours()),
    I: () => pad(h12),
    j: () => pad(yday, 3),
    m: () => pad(d.getMonth() + 1),
    M: () => pad(d.getMinutes()),
    p: () => (d.getHours() < 12 ? 'AM' : 'PM'),
    S: () => pad(d.getSeconds()),
    y: () => pad(d.getFullYear() % 100),
    Y: () => String(d.getFullYear()),
    z: () => `${tzMin < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(tzMin) / 60))}${pad(Math.abs(tzMin) % 60)}`,
    Z: tzName,
    F: () => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    T: () => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`,
    D: () => `${pad(d.getMonth() + 1)}/${pad(d.getDate())}/${pad(d.getFullYear() % 100)}`,
    c: () => `${map.a?.()} ${map.b?.()} ${map.e?.()} ${map.T?.()} ${d.getFullYear()}`,
    x: () => map.D?.() ?? '',
    X: () => map.T?.() ?? '',
    s: () => String(Math.floor(d.getTime() / 1000)),
    n: () => '\n',
    t: () => '\t',
    '%': () => '%',
  };
  return format.replace(/%(.)/gs, (m, c: string) => map[c]?.() ?? m);
}
