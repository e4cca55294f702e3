/**
 * Issue 10: `hapb run` refuses invalid input before any host is touched (exit 4,
 * file:line:column): a bad second play leaves the first unrun, and
 * --syntax-check fails on a `when:` that does not parse.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hapb } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hapb-validate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const localInv = write('local.yml', 'all:\n  hosts:\n    h1:\n      ansible_connection: local\n');
const task = (body: string): string => `- hosts: all\n  gather_facts: false\n  tasks:\n${body}`;

describe('the CLI refuses before touching a host', () => {
  it('a bad second play leaves the first play unrun (exit 4, file:line:col)', () => {
    const root = mkdtempSync(join(dir, 'root-'));
    const pb = write('two-plays.yml', `- hosts: all\n  gather_facts: false\n  tasks:\n    - copy:\n        content: x\n        dest: ${root}/touched\n- hosts: all\n  gather_facts: false\n  serial: one\n  tasks: []\n`);
    const r = hapb(['run', pb, '-i', localInv]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`${pb}:9:11: serial: "one"`);
    expect(readdirSync(root)).toEqual([]);
  });

  it('--syntax-check fails on a when: that does not parse', () => {
    const pb = write('bad-when.yml', task('    - debug: msg=hi\n      when: "x ==== 1"\n'));
    const r = hapb(['run', pb, '-i', localInv, '--syntax-check']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`${pb}:5:13: when: syntax error`);
    expect(r.stdout).toBe('');
  });

});
