import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildCommand, shellQuote } from '../../src/connection/command.js';

describe('shellQuote', () => {
  it.each(["plain", "with space", "it's", "$(rm -rf /)", "", "a\nb", "`x`", '"q"'])(
    'round-trips %j through sh',
    (s) => {
      const out = execFileSync('/bin/sh', ['-c', `printf %s ${shellQuote(s)}`]).toString();
      expect(out).toBe(s);
    },
  );
});

describe('buildCommand', () => {
  it('leaves a plain command alone', () => {
    expect(buildCommand('echo hi')).toEqual({ command: 'echo hi' });
  });
  it('adds cwd and env that the shell honours', () => {
    const b = buildCommand('pwd; printf %s "$GREETING"', { cwd: '/tmp', env: { GREETING: "it's me" } });
    expect(execFileSync('/bin/sh', ['-c', b.command]).toString()).toBe("/tmp\nit's me");
  });
  it('wraps with sudo -n when becoming another user without a password', () => {
    expect(buildCommand('id -u', { become: {} }, 'deploy').command).toBe(`sudo -n -H -u root -- /bin/sh -c 'id -u'`);
  });
  it('never puts the sudo password in stdin: the connection answers the prompt only', () => {
    const b = buildCommand('cat', { become: { password: 's3cret' }, stdin: 'data' }, 'deploy', '[p] ');
    expect(b.command).toBe(`sudo -S -p '[p] ' -H -u root -- /bin/sh -c cat`);
    expect(b.stdin?.toString()).toBe('data');
    expect(() => buildCommand('cat', { become: { password: 's3cret' } }, 'deploy')).toThrow(/needs a prompt/);
  });
  it('needs no sudo to become the login user', () => {
    expect(buildCommand('id', { become: { user: 'root' } }, 'root').command).toBe('id');
  });
  it('rejects a bad environment name', () => {
    expect(() => buildCommand('x', { env: { 'A B': '1' } })).toThrow(/invalid environment variable name/);
  });
});
