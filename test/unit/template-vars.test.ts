/** The template module's variables: Ansible's names, ansible_managed's {fields} and strftime. */
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pyFormat, strftime, templateVars } from '../../src/modules/template-vars.js';

describe('templateVars', () => {
  it("defines Ansible's template variables", () => {
    const dir = mkdtempSync(join(tmpdir(), 'hapb-tvars-'));
    const file = join(dir, 'x.conf.j2');
    writeFileSync(file, 'x');
    const mtime = new Date(2026, 0, 2, 3, 4, 5);
    utimesSync(file, mtime, mtime);
    const v = templateVars({ src: 'x.conf.j2', fullpath: file, dest: '/etc/x.conf', managed: '{file} by {uid}@{host} %Y-%m-%d %H:%M:%S', now: new Date(2026, 5, 7, 8, 9, 10, 250) });
    expect(v).toEqual({
      template_host: hostname(),
      template_path: 'x.conf.j2',
      template_fullpath: file,
      template_uid: expect.any(String) as unknown,
      template_mtime: '2026-01-02 03:04:05',
      template_run_date: '2026-06-07 08:09:10.250000',
      template_destpath: '/etc/x.conf',
      ansible_managed: `x.conf.j2 by ${String(v.template_uid)}@${hostname()} 2026-01-02 03:04:05`,
    });
    expect(templateVars({ src: 'x', fullpath: file, dest: undefined, managed: 'Ansible managed' }).template_destpath).toBeNull();
  });
});

describe("ansible_managed's format", () => {
  it.each([
    ['{host}:{{literal}}', 'h:{literal}'],
    ['no fields', 'no fields'],
  ])('%s', (format, out) => expect(pyFormat(format, { host: 'h', uid: 'u', file: 'f' })).toBe(out));

  it('an unknown field is an error naming the known ones', () => {
    expect(() => pyFormat('{user}', { host: 'h', uid: 'u', file: 'f' })).toThrow(/unknown field \{user\}.*\{host\}/);
  });

  it.each([
    ['%Y-%m-%d %H:%M:%S', '2026-03-04 05:06:07'],
    ['%a %A %b %B %j %y %p %I %e', 'Wed Wednesday Mar March 063 26 AM 05  4'],
    ['100%% %q', '100% %q'],
  ])('strftime %s', (format, out) => expect(strftime(format, new Date(2026, 2, 4, 5, 6, 7))).toBe(out));
});
