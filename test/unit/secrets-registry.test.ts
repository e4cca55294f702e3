/** The run's secret registry: what it learns, and how it masks results, diffs and text. */
import { describe, expect, it } from 'vitest';
import { newResult } from '../../src/engine/types.js';
import { isSecretName, MASK } from '../../src/secrets/index.js';
import { isSecretFile, maskDiffByKey, maskLinesByKey, NO_LOG_MESSAGE, SecretRegistry } from '../../src/secrets/registry.js';

describe('SecretRegistry', () => {
  it('learns secret-named variables, resolving templated ones', () => {
    const reg = new SecretRegistry();
    reg.forOutput(newResult({ msg: 'pw is s3cr3t-pw and tok-123456' }), { db_password: 's3cr3t-pw', api: { token: '{{ raw }}' }, raw: 'tok-123456' }, false);
    expect(reg.mask('s3cr3t-pw tok-123456 other')).toBe(`${MASK} ${MASK} other`);
  });

  it('hides a no_log result with Ansible\'s text and masks its values later', () => {
    const reg = new SecretRegistry();
    const shown = reg.forOutput(newResult({ changed: true, stdout: 'the-hidden-output', rc: 0 }), {}, true);
    expect(shown).toEqual({ changed: true, failed: false, skipped: false, unreachable: false, msg: NO_LOG_MESSAGE });
    expect(reg.mask('later: the-hidden-output')).toBe(`later: ${MASK}`);
  });

  it('a no_log file result keeps its path, owner and mode out of the secrets (its content is hidden)', () => {
    const reg = new SecretRegistry();
    const r = newResult({
      changed: true, dest: '/etc/nginx/tls/vip-0123.key', owner: 'root', mode: '0600', checksum: 'abcdef0123', diff: [], msg: 'a-hidden-message',
      invocation: { module_args: { content: 'the-private-key', dest: '/etc/nginx/tls/vip-0123.key', owner: 'root', mode: '0600', src: '/ctl/ticket.0.key' } },
    });
    reg.forOutput(r, {}, true);
    expect(reg.mask('wrote /etc/nginx/tls/vip-0123.key as root 0600 abcdef0123')).toBe('wrote /etc/nginx/tls/vip-0123.key as root 0600 abcdef0123');
    expect(reg.mask('a-hidden-message the-private-key /ctl/ticket.0.key')).toBe(`${MASK} ${MASK} /ctl/ticket.0.key`);
  });

  it('never learns short numbers or the status fields of a registered result', () => {
    const reg = new SecretRegistry();
    const registered = newResult({ rc: 0, stdout: 'registered-secret', delta: '0:00:00.01', start: '2026-12-06 06:00:00.000' });
    reg.forOutput(newResult({ rc: 0 }), { db_password_out: registered, x_pass: 7 }, false);
    expect(reg.list()).toEqual(['registered-secret']);
    expect(reg.mask('ok=0 failed=7 0:00:00.01')).toBe('ok=0 failed=7 0:00:00.01');
  });

  it('masks the value after a secret-looking key on both sides of a diff, and tells a change', () => {
    const d = maskDiffByKey({ path: '/etc/x', before: 'name a\nauth_pass OLD1\npassword = "o"\n', after: 'name a\nauth_pass NEW2\npassword = "o"\n' });
    expect(d.before).toBe('name a\nauth_pass ********\npassword = "********"\n');
    expect(d.after).toBe('name a\nauth_pass ******** (changed)\npassword = "********"\n');
    expect(maskLinesByKey('proxy_pass http://web;\n"api_token": "abc"')).toBe('proxy_pass http://web;\n"api_token": "********"');
  });

  it('nginx *_pass directives are not secret names; secret files are recognised by name', () => {
    expect(isSecretName('proxy_pass')).toBe(false);
    expect(isSecretName('nginx_director_proxy_pass')).toBe(false);
    expect(isSecretName('auth_pass')).toBe(true);
    expect(isSecretFile('/x/group_vars/all/vault.yml')).toBe(true);
    expect(isSecretFile('/x/secrets.yml')).toBe(true);
    expect(isSecretFile('/x/group_vars/all/vault/db.yml')).toBe(true);
    expect(isSecretFile('/x/profiles/tutorial.yml')).toBe(false);
  });
});
