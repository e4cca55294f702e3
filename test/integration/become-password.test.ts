/**
 * Issue 10: the become password reaches only sudo's prompt, never the
 * command's stdin. As root, sudo to another user does not ask, so a password
 * written ahead of the data (as the local connection did) was read by the
 * command: a copy with become_user wrote it into the file.
 */
import { chmodSync, chownSync, mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/local.js';
import { hasCommand, isRoot } from '../helpers/env.js';
import { makeProject, type Project } from '../helpers/project.js';

const SECRET = 'Hunter2BecomeSecret';
let p: Project;
beforeAll(() => {
  p = makeProject({
    'hosts.yml': `
all:
  vars:
    ansible_connection: local
    ansible_become_password: ${SECRET}
  hosts:
    box: {}
`,
    'site.yml': `
- hosts: box
  gather_facts: false
  become: true
  become_user: nobody
  tasks:
    - name: copy as nobody
      copy: { content: "payload\\n", dest: "@ROOT@/nobody/f" }
    - name: read stdin as nobody
      command: { cmd: cat, stdin: "data" }
      register: out
    - name: keep what cat read
      become: false
      copy: { content: "{{ out.stdout }}", dest: "@ROOT@/stdin-seen" }
`,
  });
  const sub = p.path('root/nobody');
  mkdirSync(sub, { recursive: true });
  chownSync(sub, 65534, 65534);
  chmodSync(p.dir, 0o755);
  chmodSync(p.path('root'), 0o755);
});
afterAll(() => p.cleanup());

describe.skipIf(!isRoot || !hasCommand('sudo'))('become password on the local connection', () => {
  it('a command reading stdin as another user sees the data only', async () => {
    const conn = new LocalConnection('local');
    const r = await conn.exec('cat', { become: { user: 'nobody', password: SECRET }, stdin: 'data' });
    expect(r).toMatchObject({ rc: 0, stdout: 'data' });
    const none = await conn.exec('cat', { become: { user: 'nobody', password: SECRET } });
    expect(none).toMatchObject({ rc: 0, stdout: '' });
  });

  it('copy and command with become_user and a password set never get the password', async () => {
    const r = await p.run();
    expect(r.exitCode, r.lines.join('\n')).toBe(0);
    expect(readFileSync(p.path('root/nobody/f'), 'utf8')).toBe('payload\n');
    expect(readFileSync(p.path('root/stdin-seen'), 'utf8')).toBe('data');
  });
});
