/** The render preview gives templates the variables Ansible would: precedence, magic vars, when. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { previewFiles } from '../../src/cluster/preview.js';
import { inventoryFromYaml } from '../../src/inventory/index.js';

const root = mkdtempSync(join(tmpdir(), `hapb-t-roles-${process.pid}-preview-`));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

write('site.yml', '- hosts: g\n  vars: {from_play: play}\n  roles: [r]\n');
write('roles/r/defaults/main.yml', 'level: default\nwho: "{{ inventory_hostname }}"\nshown: true\n');
write(
  'roles/r/tasks/main.yml',
  [
    '- name: a file',
    '  template: {src: a.j2, dest: "/etc/{{ inventory_hostname }}.conf"}',
    '- name: skipped',
    '  template: {src: a.j2, dest: /never}',
    '  when: not (shown | bool)',
    '- name: not a template',
    '  debug: {msg: hi}',
  ].join('\n'),
);
write('roles/r/templates/a.j2', '{{ level }} {{ who }} {{ from_play }} {{ groups["g"] | join(",") }} {{ hostvars["h2"]["ansible_host"] }} {{ "10.0.0.9/8" | ipaddr("network") }}\n');
const inventory = inventoryFromYaml(
  'all:\n  children:\n    g:\n      vars: {level: group}\n      hosts:\n        h1: {level: host}\n        h2: {ansible_host: 10.0.0.2}\n',
  'inv.yml',
);

describe('previewFiles', () => {
  it('applies precedence (default < group < host < extra), resolves templated vars, skips when false', () => {
    const files = previewFiles({ root, playbook: join(root, 'site.yml'), inventory });
    expect(files.map((f) => [f.dest, f.content])).toEqual([
      ['/etc/h1.conf', 'host h1 play h1,h2 10.0.0.2 10.0.0.0\n'],
      ['/etc/h2.conf', 'group h2 play h1,h2 10.0.0.2 10.0.0.0\n'],
    ]);
  });

  it('extra vars win over everything', () => {
    const files = previewFiles({ root, playbook: join(root, 'site.yml'), inventory, extraVars: { level: 'extra', shown: false } });
    expect(files.map((f) => [f.dest, f.content.split(' ')[0]])).toEqual([
      ['/etc/h1.conf', 'extra'],
      ['/never', 'extra'],
      ['/etc/h2.conf', 'extra'],
      ['/never', 'extra'],
    ]);
  });

  it('names the host, role and template when a variable is undefined', () => {
    write('roles/r/templates/a.j2', '{{ missing_var }}\n');
    expect(() => previewFiles({ root, playbook: join(root, 'site.yml'), inventory })).toThrow(/^h1: role r, task 'a file': .*a\.j2.*missing_var/s);
  });
});
